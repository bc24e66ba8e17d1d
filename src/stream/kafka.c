/*
 * kafka.c: librdkafka glue: settings (-X pairs, "mock"), the mock cluster, a producer
 * with delivery accounting, the dataset replayer (keys, ids, rate) and the whole-topic
 * reader. The detector is in detect.c.
 *
 * librdkafka's own log lines go to the library log callback (util__log), never to stderr.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "stream/stream_int.h"
#include "util/util_int.h"

void mqttids_produce_opts_init(mqttids_produce_opts *o)
{
    memset(o, 0, sizeof *o);
    o->format = MQTTIDS_STREAM_JSON;
}

#if MQTTIDS_WITH_KAFKA
#include <librdkafka/rdkafka_mock.h>

struct mqttids_kconf {
    char *bootstrap;   /* owned */
    char **pairs;      /* owned: key, value, key, value... */
    size_t npairs;
    mqttids_mock *mock;/* owned; "mock" brokers */
};

struct mqttids_mock {
    rd_kafka_t *rk;
    rd_kafka_mock_cluster_t *mc;
    char *bootstrap;
};

static void log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    (void)rk;
    /* syslog levels: 0-3 error, 4 warning, 5-6 info, 7 debug */
    util__log(level <= 3 ? MQTTIDS_LOG_ERROR : level == 4 ? MQTTIDS_LOG_WARN : level <= 6 ? MQTTIDS_LOG_INFO
                                                                                         : MQTTIDS_LOG_DEBUG,
              "librdkafka %s: %s", fac, buf);
}

int stream__conf_set(rd_kafka_conf_t *conf, const char *key, const char *val, char *errbuf)
{
    char err[256];
    if (rd_kafka_conf_set(conf, key, val, err, sizeof err) != RD_KAFKA_CONF_OK) {
        util__fail(errbuf, MQTTIDS_ERR_INVALID, "-X %s=%s: %s", key, val, err);
        return -1;
    }
    return 0;
}

rd_kafka_conf_t *stream__conf(const mqttids_kconf *kc, char *errbuf)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (!conf) {
        util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
        return NULL;
    }
    rd_kafka_conf_set_log_cb(conf, log_cb);
    if (kc->bootstrap && stream__conf_set(conf, "bootstrap.servers", kc->bootstrap, errbuf) != 0)
        goto fail;
    for (size_t k = 0; k + 1 < kc->npairs; k += 2)
        if (stream__conf_set(conf, kc->pairs[k], kc->pairs[k + 1], errbuf) != 0)
            goto fail;
    return conf;
fail:
    rd_kafka_conf_destroy(conf);
    return NULL;
}

/* Whether the user gave this key with -X (then our defaults stay out of the way). */
static int user_set(const mqttids_kconf *kc, const char *key)
{
    for (size_t k = 0; k + 1 < kc->npairs; k += 2)
        if (strcmp(kc->pairs[k], key) == 0)
            return 1;
    return 0;
}

int stream__conf_default(const mqttids_kconf *kc, rd_kafka_conf_t *conf, const char *key, const char *val,
                        char *errbuf)
{
    if (user_set(kc, key))
        return 0;
    return stream__conf_set(conf, key, val, errbuf);
}

mqttids_kconf *mqttids_kconf_new(void)
{
    return calloc(1, sizeof(mqttids_kconf));
}

void mqttids_kconf_free(mqttids_kconf *kc)
{
    if (!kc)
        return;
    for (size_t k = 0; k < kc->npairs; k++)
        free(kc->pairs[k]);
    free(kc->pairs);
    free(kc->bootstrap);
    mqttids_mock_free(kc->mock);
    free(kc);
}

mqttids_err mqttids_kconf_brokers(mqttids_kconf *kc, const char *brokers, char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    char *b;
    if (!brokers || !*brokers)
        return util__fail(errbuf, MQTTIDS_ERR_INVALID, "empty broker list");
    if (strcmp(brokers, "mock") == 0) {
        mqttids_err err;
        if (!kc->mock) {
            err = mqttids_mock_new(3, &kc->mock, errbuf);
            if (err != MQTTIDS_OK)
                return err;
        }
        brokers = mqttids_mock_bootstrap(kc->mock);
    }
    b = strdup(brokers);
    if (!b)
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
    free(kc->bootstrap);
    kc->bootstrap = b;
    return MQTTIDS_OK;
}

const char *mqttids_kconf_bootstrap(const mqttids_kconf *kc)
{
    return kc->bootstrap;
}

mqttids_mock *mqttids_kconf_mock(mqttids_kconf *kc)
{
    return kc->mock;
}

mqttids_err mqttids_kconf_set(mqttids_kconf *kc, const char *kv, char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    const char *eq = strchr(kv, '=');
    char **p, *k, *v;
    rd_kafka_conf_t *probe;
    if (!eq || eq == kv)
        return util__fail(errbuf, MQTTIDS_ERR_INVALID, "-X '%s': expected key=value", kv);
    k = strndup(kv, (size_t)(eq - kv));
    v = strdup(eq + 1);
    p = realloc(kc->pairs, (kc->npairs + 2) * sizeof *p);
    if (!k || !v || !p) {
        free(k);
        free(v);
        if (p)
            kc->pairs = p;
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
    }
    kc->pairs = p;
    /* check it now, so a typo is a usage error, not a failure later */
    probe = rd_kafka_conf_new();
    if (probe) {
        int bad = stream__conf_set(probe, k, v, errbuf);
        rd_kafka_conf_destroy(probe);
        if (bad) {
            free(k);
            free(v);
            return MQTTIDS_ERR_INVALID;
        }
    }
    kc->pairs[kc->npairs++] = k;
    kc->pairs[kc->npairs++] = v;
    return MQTTIDS_OK;
}

/* -------------------------------------------------------------------------------- */

mqttids_err mqttids_mock_new(int nbrokers, mqttids_mock **out, char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    mqttids_mock *m;
    rd_kafka_conf_t *conf;
    char err[256];

    *out = NULL;
    if (nbrokers < 1 || nbrokers > 16)
        return util__fail(errbuf, MQTTIDS_ERR_INVALID, "mock cluster: %d brokers (1..16)", nbrokers);
    m = calloc(1, sizeof *m);
    conf = rd_kafka_conf_new();
    if (!m || !conf) {
        free(m);
        if (conf)
            rd_kafka_conf_destroy(conf);
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
    }
    rd_kafka_conf_set_log_cb(conf, log_cb);
    m->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!m->rk) {
        rd_kafka_conf_destroy(conf);
        free(m);
        return util__fail(errbuf, MQTTIDS_ERR_KAFKA, "mock cluster: %s", err);
    }
    m->mc = rd_kafka_mock_cluster_new(m->rk, nbrokers);
    if (!m->mc) {
        rd_kafka_destroy(m->rk);
        free(m);
        return util__fail(errbuf, MQTTIDS_ERR_KAFKA, "mock cluster: librdkafka could not start it");
    }
    m->bootstrap = strdup(rd_kafka_mock_cluster_bootstraps(m->mc));
    if (!m->bootstrap) {
        mqttids_mock_free(m);
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
    }
    *out = m;
    return MQTTIDS_OK;
}

const char *mqttids_mock_bootstrap(const mqttids_mock *m)
{
    return m->bootstrap;
}

mqttids_err mqttids_mock_topic_create(mqttids_mock *m, const char *topic, int partitions,
                                      char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    rd_kafka_resp_err_t e;
    if (partitions < 1 || partitions > 1024)
        return util__fail(errbuf, MQTTIDS_ERR_INVALID, "topic %s: %d partitions (1..1024)", topic, partitions);
    e = rd_kafka_mock_topic_create(m->mc, topic, partitions, 1);
    if (e)
        return util__fail(errbuf, MQTTIDS_ERR_KAFKA, "topic %s: %s", topic, rd_kafka_err2str(e));
    return MQTTIDS_OK;
}

void mqttids_mock_free(mqttids_mock *m)
{
    if (!m)
        return;
    if (m->mc)
        rd_kafka_mock_cluster_destroy(m->mc);
    if (m->rk)
        rd_kafka_destroy(m->rk);
    free(m->bootstrap);
    free(m);
}

mqttids_err mqttids_stream_create_topic(const mqttids_kconf *kc, const char *topic, int partitions, int replication,
                                        int *exists, char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    rd_kafka_conf_t *conf;
    rd_kafka_t *rk;
    rd_kafka_NewTopic_t *nt = NULL;
    rd_kafka_queue_t *q = NULL;
    rd_kafka_event_t *ev = NULL;
    mqttids_err err = MQTTIDS_OK;
    char e[256];

    if (exists)
        *exists = 0;
    if (partitions < 1 || partitions > 100000 || replication == 0 || replication < -1)
        return util__fail(errbuf, MQTTIDS_ERR_INVALID, "topic %s: %d partitions, replication %d", topic, partitions,
                          replication);
    conf = stream__conf(kc, errbuf);
    if (!conf)
        return MQTTIDS_ERR_INVALID;
    rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, e, sizeof e);
    if (!rk) {
        rd_kafka_conf_destroy(conf);
        return util__fail(errbuf, MQTTIDS_ERR_KAFKA, "admin client: %s", e);
    }
    {
        /* librdkafka's mock brokers (2.0) never answer CreateTopics: say so at once */
        char *id = rd_kafka_clusterid(rk, 10000);
        int mock = id && strncmp(id, "mockCluster", 11) == 0;
        if (!id) {
            err = util__fail(errbuf, MQTTIDS_ERR_KAFKA, "topic %s: no answer from %s in 10 s", topic,
                             kc->bootstrap ? kc->bootstrap : "?");
        } else if (mock && kc->mock) {
            err = mqttids_mock_topic_create(kc->mock, topic, partitions, errbuf);
        } else if (mock) {
            /* all topics: asking for this one would auto-create it */
            const struct rd_kafka_metadata *md = NULL;
            int found = 0;
            if (rd_kafka_metadata(rk, 1, NULL, &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR)
                for (int i = 0; i < md->topic_cnt; i++)
                    found |= strcmp(md->topics[i].topic, topic) == 0;
            if (md)
                rd_kafka_metadata_destroy(md);
            if (found && exists)
                *exists = 1;
            err = found ? util__fail(errbuf, MQTTIDS_ERR_INVALID, "topic %s: already exists", topic)
                        : util__fail(errbuf, MQTTIDS_ERR_UNSUPPORTED,
                                     "topic %s: %s is librdkafka's mock cluster, which cannot create topics: start it "
                                     "with 'mqttids stream mock-cluster --topic %s:%d' (or the first producer creates "
                                     "it with 4 partitions)",
                                     topic, kc->bootstrap ? kc->bootstrap : "the cluster", topic, partitions);
        }
        rd_kafka_mem_free(rk, id);
        if (!id || mock)
            goto out;
    }
    nt = rd_kafka_NewTopic_new(topic, partitions, replication, e, sizeof e);
    q = rd_kafka_queue_new(rk);
    if (!nt || !q) {
        err = util__fail(errbuf, MQTTIDS_ERR_INVALID, "topic %s: %s", topic, nt ? "out of memory" : e);
        goto out;
    }
    rd_kafka_CreateTopics(rk, &nt, 1, NULL, q);
    ev = rd_kafka_queue_poll(q, 15000);
    if (!ev) {
        err = util__fail(errbuf, MQTTIDS_ERR_KAFKA, "topic %s: no answer from %s in 15 s (does it support CreateTopics?)", topic,
                         kc->bootstrap ? kc->bootstrap : "?");
        goto out;
    }
    if (rd_kafka_event_error(ev)) {
        err = util__fail(errbuf, MQTTIDS_ERR_KAFKA, "topic %s: %s", topic, rd_kafka_event_error_string(ev));
        goto out;
    }
    {
        size_t n = 0;
        const rd_kafka_CreateTopics_result_t *res = rd_kafka_event_CreateTopics_result(ev);
        const rd_kafka_topic_result_t **tr = res ? rd_kafka_CreateTopics_result_topics(res, &n) : NULL;
        if (tr && n >= 1 && rd_kafka_topic_result_error(tr[0])) {
            rd_kafka_resp_err_t te = rd_kafka_topic_result_error(tr[0]);
            const char *es = rd_kafka_topic_result_error_string(tr[0]);
            if (te == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
                if (exists)
                    *exists = 1;
                err = util__fail(errbuf, MQTTIDS_ERR_INVALID, "topic %s already exists", topic);
            } else {
                err = util__fail(errbuf, MQTTIDS_ERR_KAFKA, "topic %s: %s", topic, es ? es : rd_kafka_err2str(te));
            }
        }
    }
out:
    if (ev)
        rd_kafka_event_destroy(ev);
    if (q)
        rd_kafka_queue_destroy(q);
    if (nt)
        rd_kafka_NewTopic_destroy(nt);
    rd_kafka_destroy(rk);
    return err;
}

/* -------------------------------------------------------------------------------- */
/* Producer.                                                                         */

struct mqttids_producer {
    rd_kafka_t *rk;
    rd_kafka_topic_t *rkt; /* last topic used */
    char *rkt_name;
    uint64_t queued, delivered, failed;
    char first_err[256];
    double last_ack;       /* monotonic time of the last delivery report */
    /* per partition of the last topic: first offset delivered and how many (retention check) */
    const volatile sig_atomic_t *stop; /* borrowed; waits end early when it becomes non-zero */
    int64_t *first_off;    /* owned, n_part entries, -1: none */
    uint64_t *n_off;       /* owned */
    int n_part;
};

/* Notes a delivery at (partition, offset) of the current topic; grows the tables. */
static void note_offset(mqttids_producer *p, int32_t part, int64_t off)
{
    if (part < 0 || part >= 65536 || off < 0)
        return;
    if (part >= p->n_part) {
        int n = part + 1 > 2 * p->n_part ? part + 1 : 2 * p->n_part;
        int64_t *f = realloc(p->first_off, (size_t)n * sizeof *f);
        uint64_t *c;
        if (!f)
            return;
        p->first_off = f;
        c = realloc(p->n_off, (size_t)n * sizeof *c);
        if (!c)
            return;
        p->n_off = c;
        for (int i = p->n_part; i < n; i++) {
            p->first_off[i] = -1;
            p->n_off[i] = 0;
        }
        p->n_part = n;
    }
    if (p->first_off[part] < 0 || off < p->first_off[part])
        p->first_off[part] = off;
    p->n_off[part]++;
}

static void producer_dr(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    mqttids_producer *p = opaque;
    (void)rk;
    if (m->err) {
        if (!p->failed)
            snprintf(p->first_err, sizeof p->first_err, "%s [%d]: %s", rd_kafka_topic_name(m->rkt),
                     (int)m->partition, rd_kafka_err2str(m->err));
        p->failed++;
    } else {
        p->delivered++;
        if (p->rkt_name && strcmp(rd_kafka_topic_name(m->rkt), p->rkt_name) == 0)
            note_offset(p, m->partition, m->offset);
    }
    p->last_ack = util__now_s();
}

rd_kafka_t *stream__producer_new(const mqttids_kconf *kc, const char *what,
                                 void (*dr)(rd_kafka_t *, const rd_kafka_message_t *, void *), void *opaque,
                                 mqttids_err *err, char *errbuf)
{
    char e[256];
    rd_kafka_t *rk;
    rd_kafka_conf_t *conf = stream__conf(kc, errbuf);
    *err = MQTTIDS_ERR_INVALID;
    if (!conf)
        return NULL;
    /* throughput defaults (each can be overridden with -X) */
    if (stream__conf_default(kc, conf, "linger.ms", "5", errbuf) ||
        stream__conf_default(kc, conf, "batch.num.messages", "10000", errbuf) ||
        stream__conf_default(kc, conf, "queue.buffering.max.messages", "1000000", errbuf) ||
        stream__conf_default(kc, conf, "queue.buffering.max.kbytes", "1048576", errbuf)) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_conf_set_dr_msg_cb(conf, dr);
    rd_kafka_conf_set_opaque(conf, opaque);
    rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, e, sizeof e);
    if (!rk) {
        rd_kafka_conf_destroy(conf);
        *err = util__fail(errbuf, MQTTIDS_ERR_KAFKA, "%s: %s", what, e);
        return NULL;
    }
    *err = MQTTIDS_OK;
    return rk;
}

mqttids_err mqttids_producer_new(const mqttids_kconf *kc, mqttids_producer **out, char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    mqttids_producer *p;
    mqttids_err err;

    *out = NULL;
    p = calloc(1, sizeof *p);
    if (!p)
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
    p->rk = stream__producer_new(kc, "producer", producer_dr, p, &err, errbuf);
    if (!p->rk) {
        free(p);
        return err;
    }
    *out = p;
    return MQTTIDS_OK;
}

mqttids_err mqttids_producer_send(mqttids_producer *p, const char *topic, const void *key, size_t klen,
                                  const void *val, size_t vlen, char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    if (!p->rkt || strcmp(p->rkt_name, topic) != 0) {
        char *name = strdup(topic);
        rd_kafka_topic_t *t = name ? rd_kafka_topic_new(p->rk, topic, NULL) : NULL;
        if (!t) {
            free(name);
            return util__fail(errbuf, MQTTIDS_ERR_KAFKA, "topic %s: %s", topic,
                              rd_kafka_err2str(rd_kafka_last_error()));
        }
        if (p->rkt)
            rd_kafka_topic_destroy(p->rkt);
        free(p->rkt_name);
        p->rkt = t;
        p->rkt_name = name;
        for (int i = 0; i < p->n_part; i++) {
            p->first_off[i] = -1;
            p->n_off[i] = 0;
        }
    }
    for (;;) {
        if (rd_kafka_produce(p->rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, (void *)val, vlen, key, klen,
                             NULL) == 0)
            break;
        if (rd_kafka_last_error() != RD_KAFKA_RESP_ERR__QUEUE_FULL)
            return util__fail(errbuf, MQTTIDS_ERR_KAFKA, "produce to %s: %s", topic,
                              rd_kafka_err2str(rd_kafka_last_error()));
        rd_kafka_poll(p->rk, 5);
    }
    if ((++p->queued & 1023) == 0)
        rd_kafka_poll(p->rk, 0);
    return MQTTIDS_OK;
}

void mqttids_producer_set_stop(mqttids_producer *p, const volatile sig_atomic_t *stop)
{
    p->stop = stop;
}

/* rd_kafka_flush in short steps, so a stop request ends the wait (then: TIMED_OUT). */
static rd_kafka_resp_err_t flush_steps(mqttids_producer *p, int timeout_ms)
{
    double until = util__now_s() + timeout_ms / 1000.0;
    for (;;) {
        rd_kafka_resp_err_t e = rd_kafka_flush(p->rk, 100);
        if (e != RD_KAFKA_RESP_ERR__TIMED_OUT || (p->stop && *p->stop) ||
            (timeout_ms >= 0 && util__now_s() >= until))
            return e;
    }
}

mqttids_err mqttids_producer_ping(mqttids_producer *p, int timeout_ms, char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    double until = util__now_s() + timeout_ms / 1000.0;
    rd_kafka_resp_err_t e;
    do {
        const struct rd_kafka_metadata *md = NULL;
        e = rd_kafka_metadata(p->rk, 0, NULL, &md, 250);
        if (md)
            rd_kafka_metadata_destroy(md);
        if (!e)
            return MQTTIDS_OK;
        if (p->stop && *p->stop)
            return util__fail(errbuf, MQTTIDS_ERR_INTERRUPTED, "stopped while connecting to the brokers");
    } while (util__now_s() < until);
    return util__fail(errbuf, MQTTIDS_ERR_KAFKA, "no broker answered in %d s (%s)", timeout_ms / 1000,
                      rd_kafka_err2str(e));
}

mqttids_err mqttids_producer_flush(mqttids_producer *p, int timeout_ms, uint64_t *delivered, uint64_t *failed,
                                   char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    rd_kafka_resp_err_t e = flush_steps(p, timeout_ms);
    if (delivered)
        *delivered = p->delivered;
    if (failed)
        *failed = p->failed;
    if (e && p->stop && *p->stop)
        return util__fail(errbuf, MQTTIDS_ERR_INTERRUPTED, "stopped: %d messages not acknowledged (dropped)",
                          rd_kafka_outq_len(p->rk));
    if (e)
        return util__fail(errbuf, MQTTIDS_ERR_KAFKA, "flush: %d messages still unacknowledged after %d ms (%s)",
                          rd_kafka_outq_len(p->rk), timeout_ms, rd_kafka_err2str(e));
    if (p->failed)
        return util__fail(errbuf, MQTTIDS_ERR_KAFKA, "%llu messages not delivered; first: %s",
                          (unsigned long long)p->failed, p->first_err);
    return MQTTIDS_OK;
}

mqttids_err mqttids_producer_lost(mqttids_producer *p, int timeout_ms, uint64_t *lost,
                                  char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    *lost = 0;
    for (int i = 0; i < p->n_part; i++) {
        int64_t low = 0, high = 0, gone;
        rd_kafka_resp_err_t e;
        if (p->first_off[i] < 0)
            continue;
        e = rd_kafka_query_watermark_offsets(p->rk, p->rkt_name, i, &low, &high, timeout_ms);
        if (e)
            return util__fail(errbuf, MQTTIDS_ERR_KAFKA, "%s [%d]: cannot read the offsets kept: %s", p->rkt_name,
                              i, rd_kafka_err2str(e));
        gone = low - p->first_off[i];
        if (gone > 0)
            *lost += (uint64_t)gone < p->n_off[i] ? (uint64_t)gone : p->n_off[i];
    }
    return MQTTIDS_OK;
}

void mqttids_producer_free(mqttids_producer *p)
{
    if (!p)
        return;
    free(p->first_off);
    free(p->n_off);
    if (p->rk && rd_kafka_outq_len(p->rk) > 0 && flush_steps(p, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        /* given up (stopped or unreachable): drop what is left rather than have librdkafka
           warn at destroy time */
        rd_kafka_purge(p->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        rd_kafka_poll(p->rk, 0);
    }
    if (p->rkt)
        rd_kafka_topic_destroy(p->rkt);
    free(p->rkt_name);
    if (p->rk)
        rd_kafka_destroy(p->rk);
    free(p);
}

/* -------------------------------------------------------------------------------- */
/* Dataset replay.                                                                   */

mqttids_err mqttids_stream_produce(mqttids_producer *p, const mqttids_dataset *ds, const mqttids_produce_opts *o,
                                   mqttids_produce_report *rep, char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    mqttids_codec *c = NULL;
    const char **extra_names = NULL;
    size_t n = mqttids_dataset_nrows(ds), ncols = mqttids_dataset_ncols(ds), n_extra = ncols - MQTTIDS_NFEAT;
    int key_col = -1;
    mqttids_err err = MQTTIDS_OK;
    double t0, wall0;
    uint64_t base_delivered = p->delivered, base_failed = p->failed;

    memset(rep, 0, sizeof *rep);
    if (!o->topic || !*o->topic)
        return util__fail(errbuf, MQTTIDS_ERR_INVALID, "no topic");
    if (o->key_column) {
        key_col = mqttids_dataset_col_find(ds, o->key_column);
        if (key_col < 0)
            return util__fail(errbuf, MQTTIDS_ERR_NOT_FOUND, "key column %s: not in the input", o->key_column);
    } else {
        key_col = mqttids_dataset_col_find(ds, "tcp.stream");
    }
    if (key_col >= 0)
        snprintf(rep->key_rule, sizeof rep->key_rule, "column %s", mqttids_dataset_col_name(ds, (size_t)key_col));
    else
        snprintf(rep->key_rule, sizeof rep->key_rule, "row index");
    c = mqttids_codec_new();
    if (!c)
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
    /* JSON carries every extra column by name; binary (positional) carries none */
    if (o->format == MQTTIDS_STREAM_JSON && n_extra) {
        extra_names = calloc(n_extra, sizeof *extra_names);
        if (!extra_names) {
            err = util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
            goto out;
        }
        for (size_t k = 0; k < n_extra; k++)
            extra_names[k] = mqttids_dataset_col_name(ds, MQTTIDS_NFEAT + k);
        if (mqttids_codec_set_extras(c, extra_names, n_extra) != MQTTIDS_OK) {
            err = util__fail(errbuf, MQTTIDS_ERR_INVALID, "too many extra columns (%zu) for the record format", n_extra);
            goto out;
        }
    }
    t0 = util__now_s();
    wall0 = util__wall_s();
    rep->start_unix = wall0;
    for (size_t i = 0; i < n; i++) {
        mqttids_record r;
        const void *val;
        size_t vlen;
        char key[32];
        int klen;

        if (o->stop && *o->stop) {
            err = util__fail(errbuf, MQTTIDS_ERR_INTERRUPTED, "interrupted after %zu of %zu records", i, n);
            break;
        }
        if (o->rate > 0) {
            double due = t0 + (double)i / o->rate, now = util__now_s();
            if (due - now > 0.001) {
                struct timespec ts;
                double d = due - now;
                ts.tv_sec = (time_t)d;
                ts.tv_nsec = (long)((d - (double)ts.tv_sec) * 1e9);
                rd_kafka_poll(p->rk, 0);
                nanosleep(&ts, NULL);
            }
        }
        mqttids_dataset_get(ds, i, &r);
        if (o->format != MQTTIDS_STREAM_JSON)
            r.n_extra = 0;
        if (key_col >= 0)
            klen = snprintf(key, sizeof key, "%.0f", mqttids_dataset_col_num(ds, (size_t)key_col)[i]);
        else
            klen = snprintf(key, sizeof key, "%zu", i);
        err = mqttids_codec_encode(c, o->format, &r, o->id_base + i, &val, &vlen);
        if (err != MQTTIDS_OK) {
            util__fail(errbuf, err, "record %zu: cannot encode", i);
            break;
        }
        err = mqttids_producer_send(p, o->topic, key, (size_t)klen, val, vlen, errbuf);
        if (err != MQTTIDS_OK)
            break;
        rep->sent++;
        rep->bytes += vlen;
        if (o->progress && (i & 4095) == 0)
            (void)o->progress("records", i, n, o->progress_user); /* stopping goes through o->stop */
    }
    {
        char e2[MQTTIDS_ERRBUF_SIZE];
        mqttids_err ferr = mqttids_producer_flush(p, 60000, NULL, NULL, e2);
        if (ferr != MQTTIDS_OK && err == MQTTIDS_OK) {
            err = ferr;
            snprintf(errbuf, MQTTIDS_ERRBUF_SIZE, "%s", e2);
        }
    }
    rep->delivered = p->delivered - base_delivered;
    rep->failed = p->failed - base_failed;
    if (err == MQTTIDS_OK)
        err = mqttids_producer_lost(p, 10000, &rep->lost, errbuf);
    rep->seconds = (p->last_ack > t0 ? p->last_ack : util__now_s()) - t0;
out:
    free(extra_names);
    mqttids_codec_free(c);
    return err;
}

/* -------------------------------------------------------------------------------- */
/* Whole-topic reader.                                                               */

mqttids_err mqttids_stream_read_topic(const mqttids_kconf *kc, const char *topic, int idle_ms,
                                      const volatile sig_atomic_t *stop, mqttids_msg_fn fn, void *user, uint64_t *n,
                                      char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    rd_kafka_conf_t *conf;
    rd_kafka_t *rk = NULL;
    rd_kafka_topic_t *rkt = NULL;
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_topic_partition_list_t *parts = NULL;
    uint8_t *eof = NULL;
    int nparts = 0, neof = 0;
    double last = util__now_s();
    mqttids_err err = MQTTIDS_OK;
    char e[256];
    rd_kafka_resp_err_t re;

    *n = 0;
    conf = stream__conf(kc, errbuf);
    if (!conf)
        return MQTTIDS_ERR_INVALID;
    if (stream__conf_default(kc, conf, "group.id", "mqttids-reader", errbuf) ||
        stream__conf_set(conf, "enable.auto.commit", "false", errbuf) ||
        stream__conf_set(conf, "enable.partition.eof", "true", errbuf)) {
        rd_kafka_conf_destroy(conf);
        return MQTTIDS_ERR_INVALID;
    }
    rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, e, sizeof e);
    if (!rk) {
        rd_kafka_conf_destroy(conf);
        return util__fail(errbuf, MQTTIDS_ERR_KAFKA, "consumer: %s", e);
    }
    rkt = rd_kafka_topic_new(rk, topic, NULL);
    if (!rkt) {
        err = util__fail(errbuf, MQTTIDS_ERR_KAFKA, "topic %s: %s", topic, rd_kafka_err2str(rd_kafka_last_error()));
        goto out;
    }
    re = rd_kafka_metadata(rk, 0, rkt, &md, 10000);
    if (re) {
        err = util__fail(errbuf, MQTTIDS_ERR_KAFKA, "metadata of %s from %s: %s", topic,
                         kc->bootstrap ? kc->bootstrap : "?", rd_kafka_err2str(re));
        goto out;
    }
    if (md->topic_cnt < 1 || md->topics[0].err || md->topics[0].partition_cnt < 1) {
        err = util__fail(errbuf, MQTTIDS_ERR_NOT_FOUND, "topic %s: %s", topic,
                         md->topic_cnt ? rd_kafka_err2str(md->topics[0].err) : "not in the metadata");
        goto out;
    }
    nparts = md->topics[0].partition_cnt;
    parts = rd_kafka_topic_partition_list_new(nparts);
    eof = calloc((size_t)nparts, 1);
    if (!parts || !eof) {
        err = util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (int k = 0; k < nparts; k++)
        rd_kafka_topic_partition_list_add(parts, topic, md->topics[0].partitions[k].id)->offset =
            RD_KAFKA_OFFSET_BEGINNING;
    re = rd_kafka_assign(rk, parts);
    if (re) {
        err = util__fail(errbuf, MQTTIDS_ERR_KAFKA, "assign %s: %s", topic, rd_kafka_err2str(re));
        goto out;
    }
    {
        /* reading starts at offset 0: a low watermark above it means retention deleted records */
        uint64_t gone = 0;
        for (int k = 0; k < nparts; k++) {
            int64_t lo = 0, hi = 0;
            if (rd_kafka_query_watermark_offsets(rk, topic, md->topics[0].partitions[k].id, &lo, &hi, 10000) ==
                    RD_KAFKA_RESP_ERR_NO_ERROR && lo > 0)
                gone += (uint64_t)lo;
        }
        if (gone)
            util__log(MQTTIDS_LOG_WARN, "warning: %s: %llu records were lost to retention before they were read "
                      "(the partitions' low watermarks are above offset 0)", topic, (unsigned long long)gone);
    }
    for (;;) {
        rd_kafka_message_t *m;
        if (stop && *stop)
            break;
        if (neof == nparts && (idle_ms <= 0 || (util__now_s() - last) * 1000 >= idle_ms))
            break;
        m = rd_kafka_consumer_poll(rk, 100);
        if (!m)
            continue;
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            if (m->partition >= 0 && m->partition < nparts && !eof[m->partition]) {
                eof[m->partition] = 1;
                neof++;
            }
        } else if (m->err) {
            err = util__fail(errbuf, MQTTIDS_ERR_KAFKA, "reading %s: %s", topic, rd_kafka_message_errstr(m));
            rd_kafka_message_destroy(m);
            break;
        } else {
            int halt;
            (*n)++;
            last = util__now_s();
            halt = fn(user, m->key, m->key_len, m->payload, m->len, m->partition, m->offset);
            if (halt) {
                rd_kafka_message_destroy(m);
                break;
            }
        }
        rd_kafka_message_destroy(m);
    }
out:
    free(eof);
    if (parts)
        rd_kafka_topic_partition_list_destroy(parts);
    if (md)
        rd_kafka_metadata_destroy(md);
    if (rkt)
        rd_kafka_topic_destroy(rkt);
    if (rk) {
        rd_kafka_consumer_close(rk);
        rd_kafka_destroy(rk);
    }
    return err;
}

#else /* !MQTTIDS_WITH_KAFKA */

#define NO_KAFKA(errbuf) util__fail(errbuf, MQTTIDS_ERR_UNSUPPORTED, "this build has no Kafka support (librdkafka)")

mqttids_kconf *mqttids_kconf_new(void) { return NULL; }
void mqttids_kconf_free(mqttids_kconf *kc) { (void)kc; }
mqttids_err mqttids_kconf_brokers(mqttids_kconf *kc, const char *b, char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    (void)kc, (void)b;
    return NO_KAFKA(errbuf);
}
const char *mqttids_kconf_bootstrap(const mqttids_kconf *kc) { (void)kc; return NULL; }
mqttids_mock *mqttids_kconf_mock(mqttids_kconf *kc) { (void)kc; return NULL; }
mqttids_err mqttids_kconf_set(mqttids_kconf *kc, const char *kv, char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    (void)kc, (void)kv;
    return NO_KAFKA(errbuf);
}
mqttids_err mqttids_mock_new(int n, mqttids_mock **out, char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    (void)n;
    *out = NULL;
    return NO_KAFKA(errbuf);
}
const char *mqttids_mock_bootstrap(const mqttids_mock *m) { (void)m; return NULL; }
mqttids_err mqttids_mock_topic_create(mqttids_mock *m, const char *t, int n, char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    (void)m, (void)t, (void)n;
    return NO_KAFKA(errbuf);
}
void mqttids_mock_free(mqttids_mock *m) { (void)m; }
mqttids_err mqttids_stream_create_topic(const mqttids_kconf *kc, const char *topic, int partitions, int replication,
                                        int *exists, char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    (void)kc, (void)topic, (void)partitions, (void)replication;
    if (exists)
        *exists = 0;
    return NO_KAFKA(errbuf);
}
mqttids_err mqttids_producer_new(const mqttids_kconf *kc, mqttids_producer **out, char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    (void)kc;
    *out = NULL;
    return NO_KAFKA(errbuf);
}
mqttids_err mqttids_producer_send(mqttids_producer *p, const char *t, const void *k, size_t kl, const void *v,
                                  size_t vl, char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    (void)p, (void)t, (void)k, (void)kl, (void)v, (void)vl;
    return NO_KAFKA(errbuf);
}
mqttids_err mqttids_producer_flush(mqttids_producer *p, int t, uint64_t *d, uint64_t *f, char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    (void)p, (void)t, (void)d, (void)f;
    return NO_KAFKA(errbuf);
}
void mqttids_producer_set_stop(mqttids_producer *p, const volatile sig_atomic_t *stop) { (void)p, (void)stop; }
mqttids_err mqttids_producer_ping(mqttids_producer *p, int t, char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    (void)p, (void)t;
    return NO_KAFKA(errbuf);
}
mqttids_err mqttids_producer_lost(mqttids_producer *p, int t, uint64_t *lost, char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    (void)p, (void)t;
    *lost = 0;
    return NO_KAFKA(errbuf);
}
void mqttids_producer_free(mqttids_producer *p) { (void)p; }
mqttids_err mqttids_stream_produce(mqttids_producer *p, const mqttids_dataset *ds, const mqttids_produce_opts *o,
                                   mqttids_produce_report *rep, char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    (void)p, (void)ds, (void)o;
    memset(rep, 0, sizeof *rep);
    return NO_KAFKA(errbuf);
}
mqttids_err mqttids_stream_read_topic(const mqttids_kconf *kc, const char *topic, int idle_ms,
                                      const volatile sig_atomic_t *stop, mqttids_msg_fn fn, void *user, uint64_t *n,
                                      char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    (void)kc, (void)topic, (void)idle_ms, (void)stop, (void)fn, (void)user;
    *n = 0;
    return NO_KAFKA(errbuf);
}
#endif
