/*
 * sender.c: a thread that feeds COPY data to the server while the caller keeps encoding
 * (and, in "db load", parsing the CSV): the client's work and the server's COPY work
 * overlap instead of taking turns.
 *
 * Invariants: between store__sender_start and store__sender_finish only the sender
 * thread touches st->conn; the caller hands over whole buffers (ownership moves) through
 * a bounded queue (SENDQ_MAX buffers of about STORE_COPY_CHUNK bytes each), so memory in
 * flight is bounded. After a send error the thread keeps taking (and freeing) buffers so
 * the caller never blocks; the error text waits in s->errmsg.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "store/store_int.h"

#if MQTTIDS_WITH_PG

#define SENDQ_MAX 16

struct store_sender {
    mqttids_store *st;                 /* borrowed */
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;                 /* queue changed, or closing */
    util_buf items[SENDQ_MAX];         /* owned bytes */
    int head, count;
    int closing;
    int failed;
    char errmsg[MQTTIDS_ERRBUF_SIZE];
};

static void *run(void *arg)
{
    store_sender *s = arg;
    for (;;) {
        util_buf b;
        pthread_mutex_lock(&s->mu);
        while (s->count == 0 && !s->closing)
            pthread_cond_wait(&s->cv, &s->mu);
        if (s->count == 0) {
            pthread_mutex_unlock(&s->mu);
            break;
        }
        b = s->items[s->head];
        memset(&s->items[s->head], 0, sizeof s->items[s->head]);
        s->head = (s->head + 1) % SENDQ_MAX;
        s->count--;
        pthread_cond_broadcast(&s->cv);
        if (s->failed) {
            pthread_mutex_unlock(&s->mu);
            util__buf_free(&b);
            continue;
        }
        pthread_mutex_unlock(&s->mu);
        {
            size_t off = 0;
            int ok = 1;
            while (off < b.len && ok) {
                size_t n = b.len - off > ((size_t)1 << 30) ? ((size_t)1 << 30) : b.len - off;
                ok = PQputCopyData(s->st->conn, (const char *)b.data + off, (int)n) == 1;
                off += n;
            }
            if (!ok) {
                const char *msg = PQerrorMessage(s->st->conn);
                pthread_mutex_lock(&s->mu);
                s->failed = 1;
                snprintf(s->errmsg, sizeof s->errmsg, "%s", msg && *msg ? msg : "COPY data could not be sent");
                pthread_mutex_unlock(&s->mu);
            }
        }
        util__buf_free(&b);
    }
    return NULL;
}

mqttids_err store__sender_start(mqttids_store *st, store_sender **out)
{
    store_sender *s = calloc(1, sizeof *s);
    *out = NULL;
    if (!s)
        return store__fail(st, MQTTIDS_ERR_NOMEM, "out of memory");
    s->st = st;
    if (pthread_mutex_init(&s->mu, NULL) != 0) {
        free(s);
        return store__fail(st, MQTTIDS_ERR_NOMEM, "cannot start the COPY sender");
    }
    if (pthread_cond_init(&s->cv, NULL) != 0) {
        pthread_mutex_destroy(&s->mu);
        free(s);
        return store__fail(st, MQTTIDS_ERR_NOMEM, "cannot start the COPY sender");
    }
    if (pthread_create(&s->th, NULL, run, s) != 0) {
        pthread_cond_destroy(&s->cv);
        pthread_mutex_destroy(&s->mu);
        free(s);
        return store__fail(st, MQTTIDS_ERR_NOMEM, "cannot start the COPY sender thread");
    }
    *out = s;
    return MQTTIDS_OK;
}

/* The sender's error as ours: "COPY data: <libpq text>". Called with s->mu held. */
static mqttids_err sender_error(store_sender *s)
{
    char text[MQTTIDS_ERRBUF_SIZE - 16];
    size_t o = 0;
    /* libpq's text verbatim, lines joined by "; " as store__pq_fail does */
    for (const char *p = s->errmsg; *p && o + 3 < sizeof text; p++) {
        if (*p == '\n') {
            while (p[1] == '\n' || p[1] == '\t' || p[1] == ' ')
                p++;
            if (!p[1])
                break;
            text[o++] = ';';
            text[o++] = ' ';
            continue;
        }
        text[o++] = *p;
    }
    text[o] = '\0';
    return store__fail(s->st, MQTTIDS_ERR_DB, "COPY data: %s", text);
}

mqttids_err store__sender_push(store_sender *s, util_buf *b)
{
    mqttids_err err = MQTTIDS_OK;
    if (b->failed)
        return store__fail(s->st, MQTTIDS_ERR_NOMEM, "out of memory building COPY data");
    if (b->len == 0)
        return MQTTIDS_OK;
    pthread_mutex_lock(&s->mu);
    while (s->count == SENDQ_MAX && !s->failed)
        pthread_cond_wait(&s->cv, &s->mu);
    if (s->failed) {
        err = sender_error(s);
    } else {
        s->items[(s->head + s->count) % SENDQ_MAX] = *b;
        s->count++;
        memset(b, 0, sizeof *b);
        pthread_cond_broadcast(&s->cv);
    }
    pthread_mutex_unlock(&s->mu);
    return err;
}

mqttids_err store__sender_finish(store_sender *s)
{
    mqttids_err err = MQTTIDS_OK;
    if (!s)
        return MQTTIDS_OK;
    pthread_mutex_lock(&s->mu);
    s->closing = 1;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->th, NULL);
    if (s->failed)
        err = sender_error(s);
    for (int k = 0; k < SENDQ_MAX; k++)
        util__buf_free(&s->items[k]);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    free(s);
    return err;
}

#endif
