/*
 * fetch.c: remote inputs streamed through a socket pair (mqttids/fetch.h).
 *
 * One thread per transfer runs curl_easy_perform and writes each chunk into one end of
 * an AF_UNIX socket pair (send with MSG_NOSIGNAL: a reader that closed its end makes the
 * write fail, which stops curl, never a SIGPIPE). The thread closes its end when curl
 * returns, so the reader sees end of data; mqttids_fetch_finish then says whether the
 * body arrived whole (Content-Length or chunked framing checked by curl, HTTP status
 * below 400). s3:// and gs:// are rewritten into HTTP URLs here.
 *
 * Not here: parsing or decompressing the body (the CSV reader does both).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "mqttids/config.h"
#include "mqttids/fetch.h"
#include "util/util_int.h"

#if MQTTIDS_WITH_FETCH
#include <curl/curl.h>
#endif

int mqttids_fetch_is_url(const char *path)
{
    return path && (strncmp(path, "http://", 7) == 0 || strncmp(path, "https://", 8) == 0 ||
                    strncmp(path, "s3://", 5) == 0 || strncmp(path, "gs://", 5) == 0);
}

#if !MQTTIDS_WITH_FETCH

mqttids_err mqttids_fetch_open(const char *url, mqttids_fetch **out, int *fd, char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    *out = NULL;
    *fd = -1;
    return util__fail(errbuf, MQTTIDS_ERR_UNSUPPORTED, "%s: this build reads no URLs (built without libcurl)", url);
}

mqttids_err mqttids_fetch_finish(mqttids_fetch *f, char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    (void)f;
    (void)errbuf;
    return MQTTIDS_OK;
}

#else

#define FETCH_MAX_URL 4096

struct mqttids_fetch {
    char *name;               /* owned: the URL as the user wrote it (no credentials) */
    char *http_url;           /* owned: what curl fetches */
    CURL *h;                  /* owned */
    struct curl_slist *hdrs;  /* owned */
    int wfd;                  /* write end, owned by the thread once it runs */
    pthread_t thread;
    CURLcode cc;
    long status;
    unsigned long long bytes;
    char cerr[CURL_ERROR_SIZE];
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_OK;

static void curl_init(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

/* Appends s[0..n) to d (cap bytes, NUL kept), percent-encoding all but unreserved and '/'. */
static int put_encoded(char *d, size_t cap, size_t *len, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        int plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.' || c == '~' || c == '/';
        if (*len + 4 >= cap)
            return -1;
        if (plain) {
            d[(*len)++] = (char)c;
        } else {
            d[(*len)++] = '%';
            d[(*len)++] = hex[c >> 4];
            d[(*len)++] = hex[c & 15];
        }
    }
    d[*len] = '\0';
    return 0;
}

/* "BASE/bucket/object" with the object percent-encoded; base has no trailing '/'. */
static mqttids_err path_style(char *d, size_t cap, const char *base, const char *bucket, size_t blen,
                              const char *object, const char *url, char *errbuf)
{
    size_t len, bl = strlen(base);
    while (bl && base[bl - 1] == '/')
        bl--;
    if (bl + blen + 2 >= cap)
        return util__fail(errbuf, MQTTIDS_ERR_INVALID, "%s: URL too long", url);
    memcpy(d, base, bl);
    len = bl;
    d[len++] = '/';
    if (blen) { /* no bucket segment for virtual-hosted S3 (the bucket is in the host) */
        memcpy(d + len, bucket, blen);
        len += blen;
        d[len++] = '/';
    }
    d[len] = '\0';
    if (put_encoded(d, cap, &len, object, strlen(object)) != 0)
        return util__fail(errbuf, MQTTIDS_ERR_INVALID, "%s: URL too long", url);
    return MQTTIDS_OK;
}

/* Splits "s3://bucket/key" after the scheme into bucket and key; both must be non-empty. */
static mqttids_err split_bucket(const char *rest, const char **bucket, size_t *blen, const char **object,
                                const char *url, char *errbuf)
{
    const char *slash = strchr(rest, '/');
    if (!slash || slash == rest || !slash[1])
        return util__fail(errbuf, MQTTIDS_ERR_INVALID, "%s: expected %.5sBUCKET/OBJECT", url, url);
    *bucket = rest;
    *blen = (size_t)(slash - rest);
    *object = slash + 1;
    return MQTTIDS_OK;
}

/* Sets f->http_url, the headers and the signing for url's scheme. */
static mqttids_err prepare(mqttids_fetch *f, const char *url, char *errbuf)
{
    char buf[FETCH_MAX_URL], hdr[FETCH_MAX_URL];
    const char *bucket = NULL, *object = NULL;
    size_t blen = 0;
    mqttids_err err;
    if (strncmp(url, "s3://", 5) == 0) {
        const char *region = env("AWS_REGION"), *ep = env("AWS_ENDPOINT_URL_S3");
        const char *id = env("AWS_ACCESS_KEY_ID"), *secret = env("AWS_SECRET_ACCESS_KEY");
        const char *token = env("AWS_SESSION_TOKEN");
        if ((err = split_bucket(url + 5, &bucket, &blen, &object, url, errbuf)) != MQTTIDS_OK)
            return err;
        if (!region)
            region = env("AWS_DEFAULT_REGION");
        if (!region)
            region = "us-east-1";
        if (!ep)
            ep = env("AWS_ENDPOINT_URL");
        if (ep) {
            err = path_style(buf, sizeof buf, ep, bucket, blen, object, url, errbuf);
        } else {
            char base[512];
            if ((size_t)snprintf(base, sizeof base, "https://%.*s.s3.%s.amazonaws.com", (int)blen, bucket, region) >=
                sizeof base)
                return util__fail(errbuf, MQTTIDS_ERR_INVALID, "%s: bucket or region too long", url);
            err = path_style(buf, sizeof buf, base, "", 0, object, url, errbuf);
        }
        if (err != MQTTIDS_OK)
            return err;
        if ((id == NULL) != (secret == NULL))
            return util__fail(errbuf, MQTTIDS_ERR_INVALID,
                              "%s: set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or neither, for public objects)",
                              url);
        if (id) {
            char sig[160];
            if ((size_t)snprintf(sig, sizeof sig, "aws:amz:%s:s3", region) >= sizeof sig)
                return util__fail(errbuf, MQTTIDS_ERR_INVALID, "%s: AWS region too long", url);
            curl_easy_setopt(f->h, CURLOPT_AWS_SIGV4, sig);
            curl_easy_setopt(f->h, CURLOPT_USERNAME, id);
            curl_easy_setopt(f->h, CURLOPT_PASSWORD, secret);
            /* S3 wants the payload hash as a header; a GET's body is empty (SHA-256 of ""). */
            f->hdrs = curl_slist_append(
                f->hdrs, "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
            if (token) {
                if ((size_t)snprintf(hdr, sizeof hdr, "x-amz-security-token: %s", token) >= sizeof hdr)
                    return util__fail(errbuf, MQTTIDS_ERR_INVALID, "%s: AWS_SESSION_TOKEN too long", url);
                f->hdrs = curl_slist_append(f->hdrs, hdr);
            }
            if (!f->hdrs)
                return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "%s: out of memory", url);
        }
    } else if (strncmp(url, "gs://", 5) == 0) {
        const char *base = env("STORAGE_EMULATOR_HOST"), *token = env("GOOGLE_OAUTH_ACCESS_TOKEN");
        if ((err = split_bucket(url + 5, &bucket, &blen, &object, url, errbuf)) != MQTTIDS_OK)
            return err;
        if (base && strstr(base, "://") == NULL) {
            /* the Google libraries accept "host:port" */
            char b2[512];
            if ((size_t)snprintf(b2, sizeof b2, "http://%s", base) >= sizeof b2)
                return util__fail(errbuf, MQTTIDS_ERR_INVALID, "%s: STORAGE_EMULATOR_HOST too long", url);
            err = path_style(buf, sizeof buf, b2, bucket, blen, object, url, errbuf);
        } else {
            err = path_style(buf, sizeof buf, base ? base : "https://storage.googleapis.com", bucket, blen, object,
                             url, errbuf);
        }
        if (err != MQTTIDS_OK)
            return err;
        if (token) {
            if ((size_t)snprintf(hdr, sizeof hdr, "Authorization: Bearer %s", token) >= sizeof hdr)
                return util__fail(errbuf, MQTTIDS_ERR_INVALID, "%s: GOOGLE_OAUTH_ACCESS_TOKEN too long", url);
            f->hdrs = curl_slist_append(f->hdrs, hdr);
            if (!f->hdrs)
                return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "%s: out of memory", url);
        }
    } else {
        if (strlen(url) >= sizeof buf)
            return util__fail(errbuf, MQTTIDS_ERR_INVALID, "%s: URL too long", url);
        memcpy(buf, url, strlen(url) + 1);
    }
    f->http_url = strdup(buf);
    if (!f->http_url)
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "%s: out of memory", url);
    return MQTTIDS_OK;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *user)
{
    mqttids_fetch *f = user;
    size_t n = size * nmemb, off = 0;
    while (off < n) {
        ssize_t w = send(f->wfd, data + off, n - off, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return 0; /* the reader went away: curl stops with CURLE_WRITE_ERROR */
        }
        off += (size_t)w;
    }
    f->bytes += n;
    return n;
}

static void *run(void *arg)
{
    mqttids_fetch *f = arg;
    f->cc = curl_easy_perform(f->h);
    curl_easy_getinfo(f->h, CURLINFO_RESPONSE_CODE, &f->status);
    close(f->wfd);
    f->wfd = -1;
    return NULL;
}

static void fetch_free(mqttids_fetch *f)
{
    if (!f)
        return;
    if (f->h)
        curl_easy_cleanup(f->h);
    curl_slist_free_all(f->hdrs);
    if (f->wfd >= 0)
        close(f->wfd);
    free(f->http_url);
    free(f->name);
    free(f);
}

mqttids_err mqttids_fetch_open(const char *url, mqttids_fetch **out, int *fd, char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    mqttids_fetch *f;
    mqttids_err err;
    int sv[2];
    const char *ca = env("CURL_CA_BUNDLE");
    *out = NULL;
    *fd = -1;
    pthread_once(&curl_once, curl_init);
    if (curl_init_rc != CURLE_OK)
        return util__fail(errbuf, MQTTIDS_ERR_NET, "%s: libcurl failed to initialise", url);
    f = calloc(1, sizeof *f);
    if (!f)
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "%s: out of memory", url);
    f->wfd = -1;
    f->name = strdup(url);
    f->h = curl_easy_init();
    if (!f->name || !f->h) {
        fetch_free(f);
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "%s: out of memory", url);
    }
    if ((err = prepare(f, url, errbuf)) != MQTTIDS_OK) {
        fetch_free(f);
        return err;
    }
    curl_easy_setopt(f->h, CURLOPT_URL, f->http_url);
    curl_easy_setopt(f->h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(f->h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(f->h, CURLOPT_HTTPHEADER, f->hdrs);
    curl_easy_setopt(f->h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(f->h, CURLOPT_WRITEDATA, f);
    curl_easy_setopt(f->h, CURLOPT_ERRORBUFFER, f->cerr);
    curl_easy_setopt(f->h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(f->h, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(f->h, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(f->h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(f->h, CURLOPT_CONNECTTIMEOUT, 30L);
    /* a stalled server: under 1 byte/s for 60 s ends the transfer */
    curl_easy_setopt(f->h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(f->h, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(f->h, CURLOPT_USERAGENT, "mqttids/" MQTTIDS_VERSION_STRING);
    if (ca)
        curl_easy_setopt(f->h, CURLOPT_CAINFO, ca);
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        err = util__fail(errbuf, MQTTIDS_ERR_IO, "%s: socketpair: %s", url, strerror(errno));
        fetch_free(f);
        return err;
    }
    shutdown(sv[0], SHUT_WR);
    shutdown(sv[1], SHUT_RD);
    f->wfd = sv[1];
    if (pthread_create(&f->thread, NULL, run, f) != 0) {
        close(sv[0]);
        fetch_free(f);
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "%s: cannot start the transfer thread", url);
    }
    *out = f;
    *fd = sv[0];
    return MQTTIDS_OK;
}

mqttids_err mqttids_fetch_finish(mqttids_fetch *f, char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    mqttids_err err = MQTTIDS_OK;
    if (!f)
        return MQTTIDS_OK;
    pthread_join(f->thread, NULL);
    if (f->cc == CURLE_HTTP_RETURNED_ERROR)
        err = util__fail(errbuf, MQTTIDS_ERR_NET, "%s: the server answered HTTP %ld%s", f->name, f->status,
                         f->status != 403 && f->status != 401 ? (f->status == 404 ? " (no such object)" : "")
                         : strncmp(f->name, "s3://", 5) == 0
                             ? " (check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION)"
                         : strncmp(f->name, "gs://", 5) == 0 ? " (check GOOGLE_OAUTH_ACCESS_TOKEN)"
                                                             : " (not allowed)");
    else if (f->cc != CURLE_OK)
        err = util__fail(errbuf, MQTTIDS_ERR_NET, "%s: transfer failed after %llu bytes: %s", f->name, f->bytes,
                         f->cerr[0] ? f->cerr : curl_easy_strerror(f->cc));
    fetch_free(f);
    return err;
}

#endif
