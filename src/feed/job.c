/*
 * job.c: the feed job's two ends on Kafka. publish: read every source, send the items not
 * sent before in this run (key title, value link), again every every_s seconds for for_s
 * seconds, then flush. consume: read a topic and count the words of its messages.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "mqttids/feed.h"
#include "util/util_int.h"

mqttids_err mqttids_feed_count(mqttids_words *w, const mqttids_feed *f, int fields)
{
    for (size_t k = 0; k < mqttids_feed_nitems(f); k++) {
        const mqttids_feed_item *it = mqttids_feed_get(f, k);
        if ((fields & MQTTIDS_FEED_TITLE) && mqttids_words_add(w, it->title, strlen(it->title)) != MQTTIDS_OK)
            return MQTTIDS_ERR_NOMEM;
        if ((fields & MQTTIDS_FEED_LINK) && mqttids_words_add(w, it->link, strlen(it->link)) != MQTTIDS_OK)
            return MQTTIDS_ERR_NOMEM;
    }
    return MQTTIDS_OK;
}

/* ------------------------------------------------------------------ consume */

typedef struct count_ctx {
    mqttids_words *w;
    int fields;
    uint64_t messages;
    int nomem;
} count_ctx;

static int count_msg(void *user, const void *key, size_t klen, const void *val, size_t vlen, int32_t partition,
                     int64_t offset)
{
    count_ctx *c = user;
    (void)partition, (void)offset;
    c->messages++;
    if ((c->fields & MQTTIDS_FEED_TITLE) && key && mqttids_words_add(c->w, key, klen) != MQTTIDS_OK)
        c->nomem = 1;
    if ((c->fields & MQTTIDS_FEED_LINK) && val && mqttids_words_add(c->w, val, vlen) != MQTTIDS_OK)
        c->nomem = 1;
    return c->nomem;
}

mqttids_err mqttids_feed_consume(const mqttids_kconf *kc, const char *topic, int idle_ms,
                                 const volatile sig_atomic_t *stop, int fields, mqttids_words *w,
                                 uint64_t *messages, char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    count_ctx c = {w, fields, 0, 0};
    uint64_t n = 0;
    mqttids_err err = mqttids_stream_read_topic(kc, topic, idle_ms, stop, count_msg, &c, &n, errbuf);
    if (messages)
        *messages = c.messages;
    if (err == MQTTIDS_OK && c.nomem)
        err = util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
    return err;
}

/* ------------------------------------------------------------------ publish */

/* (title, link) pairs sent in this run. */
typedef struct sent_set {
    char **keys; /* owned, "title\nlink" */
    size_t n, cap;
} sent_set;

/* 1 if seen, 0 if added now, -1 without memory. */
static int sent_has_or_add(sent_set *s, const char *title, const char *link)
{
    size_t tl = strlen(title), need = tl + strlen(link) + 2;
    char *k;
    for (size_t i = 0; i < s->n; i++)
        if (strncmp(s->keys[i], title, tl) == 0 && s->keys[i][tl] == '\n' && strcmp(s->keys[i] + tl + 1, link) == 0)
            return 1;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        char **nk = realloc(s->keys, cap * sizeof *nk);
        if (!nk)
            return -1;
        s->keys = nk;
        s->cap = cap;
    }
    k = malloc(need);
    if (!k)
        return -1;
    snprintf(k, need, "%s\n%s", title, link);
    s->keys[s->n++] = k;
    return 0;
}

static void sent_free(sent_set *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->keys[i]);
    free(s->keys);
}

/* One pass over the sources: the new items of each go to the producer. */
static mqttids_err publish_pass(mqttids_producer *p, const mqttids_feed_publish_opts *o, sent_set *sent,
                                mqttids_feed_publish_report *rep, char *errbuf)
{
    for (int i = 0; i < o->nsources && !(o->stop && *o->stop); i++) {
        mqttids_feed *f = NULL;
        size_t fresh = 0;
        mqttids_err err = mqttids_feed_load(o->sources[i], &f, errbuf);
        for (size_t k = 0; err == MQTTIDS_OK && k < mqttids_feed_nitems(f); k++) {
            const mqttids_feed_item *it = mqttids_feed_get(f, k);
            int seen = sent_has_or_add(sent, it->title, it->link);
            if (seen < 0)
                err = util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
            else if (!seen &&
                     (err = mqttids_producer_send(p, o->topic, it->title, strlen(it->title), it->link,
                                                  strlen(it->link), errbuf)) == MQTTIDS_OK) {
                fresh++;
                rep->sent++;
            }
        }
        if (err == MQTTIDS_OK && o->on_source)
            o->on_source(o->user, o->sources[i], mqttids_feed_kind(f), mqttids_feed_nitems(f), fresh);
        mqttids_feed_free(f);
        if (err != MQTTIDS_OK)
            return err;
    }
    return MQTTIDS_OK;
}

/* Sleeps until the next pass; returns 0 when the run is over (duration reached or stop). */
static int wait_next_pass(const mqttids_feed_publish_opts *o, double t0)
{
    double el = util__now_s() - t0, wait = o->every_s;
    if (o->every_s <= 0 || (o->stop && *o->stop) || el >= o->for_s)
        return 0;
    if (el + wait > o->for_s)
        wait = o->for_s - el;
    for (double w = 0; w < wait && !(o->stop && *o->stop); w += 0.1) {
        struct timespec ts = {0, 100000000L};
        nanosleep(&ts, NULL);
    }
    return !(o->stop && *o->stop);
}

mqttids_err mqttids_feed_publish(const mqttids_kconf *kc, const mqttids_feed_publish_opts *o,
                                 mqttids_feed_publish_report *rep, char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    mqttids_producer *p = NULL;
    sent_set sent = {NULL, 0, 0};
    char ferr[MQTTIDS_ERRBUF_SIZE];
    double t0 = util__now_s();
    mqttids_err err, ferr_code;
    memset(rep, 0, sizeof *rep);
    if ((err = mqttids_producer_new(kc, &p, errbuf)) != MQTTIDS_OK)
        return err;
    do
        err = publish_pass(p, o, &sent, rep, errbuf);
    while (err == MQTTIDS_OK && wait_next_pass(o, t0));
    ferr_code = mqttids_producer_flush(p, 30000, &rep->delivered, &rep->failed, ferr);
    if (err == MQTTIDS_OK && ferr_code != MQTTIDS_OK)
        err = util__fail(errbuf, ferr_code, "%s", ferr);
    else if (ferr_code != MQTTIDS_OK)
        util__log(MQTTIDS_LOG_ERROR, "%s", ferr);
    mqttids_producer_free(p);
    sent_free(&sent);
    return err;
}
