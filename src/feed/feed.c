/*
 * feed.c: RSS 2.0 / RSS 1.0 (RDF) / Atom items (title, link) with libxml2, from a file or
 * an http(s)/file URL with libcurl.
 *
 * Parsing never touches the network and never expands external entities (XML_PARSE_NONET,
 * no XML_PARSE_NOENT/DTDLOAD). Element names are matched by local name, so namespace
 * prefixes do not matter.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mqttids/config.h"
#include "mqttids/feed.h"
#include "util/util_int.h"

#define FEED_MAX_BYTES ((size_t)16 << 20)

#if MQTTIDS_WITH_FEED
#include <curl/curl.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

struct mqttids_feed {
    char kind[8];
    mqttids_feed_item *items; /* owned */
    size_t n, cap;
};

static int name_is(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static char *text_of(xmlNode *n)
{
    xmlChar *t = xmlNodeGetContent(n);
    char *s;
    size_t a = 0, b;
    if (!t)
        return strdup("");
    /* trim surrounding whitespace */
    b = strlen((const char *)t);
    while (a < b && (t[a] == ' ' || t[a] == '\n' || t[a] == '\r' || t[a] == '\t'))
        a++;
    while (b > a && (t[b - 1] == ' ' || t[b - 1] == '\n' || t[b - 1] == '\r' || t[b - 1] == '\t'))
        b--;
    s = strndup((const char *)t + a, b - a);
    xmlFree(t);
    return s;
}

static int add_item(mqttids_feed *f, char *title, char *link)
{
    if (!title || !link)
        goto fail;
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 16;
        mqttids_feed_item *it = realloc(f->items, cap * sizeof *it);
        if (!it)
            goto fail;
        f->items = it;
        f->cap = cap;
    }
    f->items[f->n].title = title;
    f->items[f->n].link = link;
    f->n++;
    return 0;
fail:
    free(title);
    free(link);
    return -1;
}

/* RSS item: <title>, <link>text</link> (or <guid isPermaLink> when no link). */
static int rss_item(mqttids_feed *f, xmlNode *item)
{
    char *title = NULL, *link = NULL;
    for (xmlNode *c = item->children; c; c = c->next) {
        if (name_is(c, "title") && !title)
            title = text_of(c);
        else if (name_is(c, "link") && !link)
            link = text_of(c);
    }
    if (!link) {
        for (xmlNode *c = item->children; c; c = c->next)
            if (name_is(c, "guid")) {
                link = text_of(c);
                break;
            }
    }
    return add_item(f, title ? title : strdup(""), link ? link : strdup(""));
}

/* Atom entry: <title>, <link href> with rel="alternate" or no rel (first one wins). */
static int atom_entry(mqttids_feed *f, xmlNode *e)
{
    char *title = NULL, *link = NULL;
    for (xmlNode *c = e->children; c; c = c->next) {
        if (name_is(c, "title") && !title) {
            title = text_of(c);
        } else if (name_is(c, "link") && !link) {
            xmlChar *rel = xmlGetProp(c, (const xmlChar *)"rel");
            if (!rel || strcmp((const char *)rel, "alternate") == 0) {
                xmlChar *href = xmlGetProp(c, (const xmlChar *)"href");
                if (href) {
                    link = strdup((const char *)href);
                    xmlFree(href);
                }
            }
            if (rel)
                xmlFree(rel);
        }
    }
    return add_item(f, title ? title : strdup(""), link ? link : strdup(""));
}

mqttids_err mqttids_feed_parse(const void *data, size_t len, const char *name, mqttids_feed **out,
                               char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    xmlDoc *doc;
    xmlNode *root;
    mqttids_feed *f;
    int rc = 0;

    *out = NULL;
    if (len > (size_t)2147483647)
        return util__fail(errbuf, MQTTIDS_ERR_MALFORMED, "%s: too large", name);
    doc = xmlReadMemory(data, (int)len, name, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc) {
        const xmlError *e = xmlGetLastError();
        char msg[200] = "";
        if (e && e->message) {
            size_t n;
            snprintf(msg, sizeof msg, ": %s", e->message);
            n = strlen(msg);
            while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
                msg[--n] = '\0';
        }
        util__fail(errbuf, MQTTIDS_ERR_MALFORMED, "%s: not well-formed XML%s (line %d)", name, msg, e ? e->line : 0);
        return MQTTIDS_ERR_MALFORMED;
    }
    f = calloc(1, sizeof *f);
    if (!f) {
        xmlFreeDoc(doc);
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
    }
    root = xmlDocGetRootElement(doc);
    if (root && name_is(root, "rss")) {
        snprintf(f->kind, sizeof f->kind, "rss");
        for (xmlNode *ch = root->children; ch && !rc; ch = ch->next)
            if (name_is(ch, "channel"))
                for (xmlNode *it = ch->children; it && !rc; it = it->next)
                    if (name_is(it, "item"))
                        rc = rss_item(f, it);
    } else if (root && name_is(root, "RDF")) {
        snprintf(f->kind, sizeof f->kind, "rss");
        for (xmlNode *it = root->children; it && !rc; it = it->next)
            if (name_is(it, "item"))
                rc = rss_item(f, it);
    } else if (root && name_is(root, "feed")) {
        snprintf(f->kind, sizeof f->kind, "atom");
        for (xmlNode *it = root->children; it && !rc; it = it->next)
            if (name_is(it, "entry"))
                rc = atom_entry(f, it);
    } else {
        util__fail(errbuf, MQTTIDS_ERR_MALFORMED, "%s: root element <%s> is not rss, rdf:RDF or feed", name,
                   root ? (const char *)root->name : "(none)");
        xmlFreeDoc(doc);
        mqttids_feed_free(f);
        return MQTTIDS_ERR_MALFORMED;
    }
    xmlFreeDoc(doc);
    if (rc) {
        mqttids_feed_free(f);
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
    }
    *out = f;
    return MQTTIDS_OK;
}

/* The document being read: util_buf capped at FEED_MAX_BYTES (too_big when it would pass). */
typedef struct fetch_buf {
    util_buf b;
    int too_big;
} fetch_buf;

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *user)
{
    fetch_buf *f = user;
    size_t n = size * nmemb;
    if (n > FEED_MAX_BYTES - f->b.len) {
        f->too_big = 1;
        return 0;
    }
    util__buf_put(&f->b, ptr, n);
    return f->b.failed ? 0 : n;
}

static int is_url(const char *s)
{
    return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0 || strncmp(s, "file://", 7) == 0;
}

mqttids_err mqttids_feed_load(const char *src, mqttids_feed **out, char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    fetch_buf b;
    mqttids_err err;

    util__buf_init(&b.b, FEED_MAX_BYTES);
    b.too_big = 0;
    *out = NULL;
    if (is_url(src)) {
        CURL *h;
        CURLcode cc;
        char cerr[CURL_ERROR_SIZE] = "";
        long status = 0;
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
            return util__fail(errbuf, MQTTIDS_ERR_NET, "%s: libcurl failed to initialise", src);
        h = curl_easy_init();
        if (!h)
            return util__fail(errbuf, MQTTIDS_ERR_NET, "%s: libcurl failed to initialise", src);
        curl_easy_setopt(h, CURLOPT_URL, src);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, cerr);
        curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
        curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
        curl_easy_setopt(h, CURLOPT_FAILONERROR, 1L);
        curl_easy_setopt(h, CURLOPT_USERAGENT, "mqttids-feed/" MQTTIDS_VERSION_STRING);
        curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
        cc = curl_easy_perform(h);
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_cleanup(h);
        if (cc != CURLE_OK) {
            util__buf_free(&b.b);
            if (b.too_big)
                return util__fail(errbuf, MQTTIDS_ERR_NET, "%s: larger than %zu bytes", src, FEED_MAX_BYTES);
            return util__fail(errbuf, MQTTIDS_ERR_NET, "%s: %s", src, cerr[0] ? cerr : curl_easy_strerror(cc));
        }
    } else {
        FILE *fp = fopen(src, "rb");
        char chunk[65536];
        size_t n;
        if (!fp)
            return util__fail(errbuf, MQTTIDS_ERR_IO, "%s: cannot open", src);
        while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
            if (on_data(chunk, 1, n, &b) != n) {
                fclose(fp);
                util__buf_free(&b.b);
                return util__fail(errbuf, b.too_big ? MQTTIDS_ERR_MALFORMED : MQTTIDS_ERR_NOMEM,
                                  "%s: %s", src, b.too_big ? "larger than 16 MiB" : "out of memory");
            }
        }
        if (ferror(fp)) {
            fclose(fp);
            util__buf_free(&b.b);
            return util__fail(errbuf, MQTTIDS_ERR_IO, "%s: read error", src);
        }
        fclose(fp);
    }
    err = mqttids_feed_parse(b.b.data ? (const char *)b.b.data : "", b.b.len, src, out, errbuf);
    util__buf_free(&b.b);
    return err;
}

const char *mqttids_feed_kind(const mqttids_feed *f) { return f->kind; }
size_t mqttids_feed_nitems(const mqttids_feed *f) { return f->n; }
const mqttids_feed_item *mqttids_feed_get(const mqttids_feed *f, size_t i) { return i < f->n ? &f->items[i] : NULL; }

void mqttids_feed_free(mqttids_feed *f)
{
    if (!f)
        return;
    for (size_t k = 0; k < f->n; k++) {
        free(f->items[k].title);
        free(f->items[k].link);
    }
    free(f->items);
    free(f);
}

#else
mqttids_err mqttids_feed_parse(const void *data, size_t len, const char *name, mqttids_feed **out,
                               char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    (void)data, (void)len, (void)name;
    *out = NULL;
    return util__fail(errbuf, MQTTIDS_ERR_UNSUPPORTED, "this build has no feed support (libxml2, libcurl)");
}
mqttids_err mqttids_feed_load(const char *src, mqttids_feed **out, char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    return mqttids_feed_parse(NULL, 0, src, out, errbuf);
}
const char *mqttids_feed_kind(const mqttids_feed *f) { (void)f; return ""; }
size_t mqttids_feed_nitems(const mqttids_feed *f) { (void)f; return 0; }
const mqttids_feed_item *mqttids_feed_get(const mqttids_feed *f, size_t i) { (void)f, (void)i; return NULL; }
void mqttids_feed_free(mqttids_feed *f) { (void)f; }
#endif
