/*
 * detect.c: the consumer-group detector. One thread: poll a record, decode, classify,
 * produce an alert whose delivery report acknowledges the record in the tracker, commit
 * the tracker's done prefix every commit_interval_ms.
 *
 * At-least-once (docs/internals/stream.md): auto commit is off; an offset is committed
 * only when every message up to it has had its alerts acknowledged by the brokers (or
 * needed none). On a revoke, and on shutdown, the alert producer is flushed first, so
 * the commit covers everything that was done; whatever was not is read again by the next
 * owner (duplicates, never gaps).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "mqttids/detect.h"
#include "stream/stream_int.h"
#include "util/util_int.h"

void mqttids_detect_opts_init(mqttids_detect_opts *o)
{
    memset(o, 0, sizeof *o);
    o->quiet_class = 0;
    o->commit_interval_ms = 200;
    o->stats_interval_ms = 1000;
}

#if MQTTIDS_WITH_KAFKA

typedef struct det {
    const mqttids_detect_opts *o;
    const char *alerts_topic;
    rd_kafka_t *cons;           /* consumer (group member) */
    rd_kafka_t *prod;           /* alert producer */
    rd_kafka_topic_t *alert_rkt;
    stream_tracker tr;
    mqttids_detect_stats st;
    int64_t *pos;               /* per partition: next offset to read (-1 unknown) */
    int64_t *start;             /* per partition: the offset reading starts from (-1 unknown) */
    int32_t npos;
    int reset_earliest;         /* no committed offset: reading starts at offset 0 */
    int32_t *assigned;          /* partition ids assigned now */
    int32_t nassigned, cap_assigned;
    char dr_err[256];
    int dr_failed;
    int fatal;                  /* a callback failed: stop */
    char fatal_msg[MQTTIDS_ERRBUF_SIZE];
    double t0;
    double last_done_unix;      /* wall clock of the last message that needed no alert */
    int noalert_pending;        /* a message without alert since last_done_unix was set */
    uint64_t acked_seen;        /* st.acked when last_ack_unix was last set */
    uint64_t classify_timed;
    util_buf alert;
    mqttids_alert_gate *gate;   /* the decision: quiet class, min probability, per connection */
} det;

static void alert_dr(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    det *d = opaque;
    uint64_t seq = (uint64_t)(uintptr_t)m->_private;
    (void)rk;
    if (m->err) {
        if (!d->dr_failed)
            snprintf(d->dr_err, sizeof d->dr_err, "alert to %s [%d]: %s", rd_kafka_topic_name(m->rkt),
                     (int)m->partition, rd_kafka_err2str(m->err));
        d->dr_failed = 1;
        stream__tracker_ack(&d->tr, seq - 1, 0);
    } else {
        d->st.acked++;
        stream__tracker_ack(&d->tr, seq - 1, 1);
    }
}

/* Commits the tracker's commit points that moved. sync: wait for the broker. */
static void commit_done(det *d, int sync)
{
    rd_kafka_topic_partition_list_t *l = NULL;
    stream__tracker_advance(&d->tr);
    if (stream__tracker_head_failed(&d->tr)) {
        d->fatal = 1;
        snprintf(d->fatal_msg, sizeof d->fatal_msg, "%s", d->dr_err[0] ? d->dr_err : "alert delivery failed");
    }
    for (int32_t p = 0; p < d->tr.npart; p++) {
        if (!d->tr.dirty[p])
            continue;
        if (!l) {
            if (d->o->on_sync && d->o->on_sync(d->o->user) != 0) {
                d->fatal = 1;
                snprintf(d->fatal_msg, sizeof d->fatal_msg, "the record sink failed to sync; offsets not committed");
                return;
            }
            l = rd_kafka_topic_partition_list_new(4);
        }
        rd_kafka_topic_partition_list_add(l, d->o->topic, p)->offset = d->tr.commit[p];
        d->tr.dirty[p] = 0;
    }
    if (l) {
        rd_kafka_resp_err_t e = rd_kafka_commit(d->cons, l, sync ? 0 : 1);
        if (e && e != RD_KAFKA_RESP_ERR__NO_OFFSET)
            util__log(MQTTIDS_LOG_WARN, "commit: %s", rd_kafka_err2str(e));
        d->st.committed = d->tr.done_total;
        rd_kafka_topic_partition_list_destroy(l);
    }
}

/* Flushes the alerts, commits what they cover, forgets the held messages. */
static void drain(det *d)
{
    rd_kafka_resp_err_t e = rd_kafka_flush(d->prod, 30000);
    if (e)
        util__log(MQTTIDS_LOG_WARN, "alert flush: %s (%d alerts unacknowledged; their records will be read again)",
                  rd_kafka_err2str(e), rd_kafka_outq_len(d->prod));
    commit_done(d, 1);
    stream__tracker_reset(&d->tr);
}

static void set_assigned(det *d, const rd_kafka_topic_partition_list_t *parts, int add)
{
    if (!add) {
        /* remove these */
        for (int k = 0; k < parts->cnt; k++)
            for (int32_t j = 0; j < d->nassigned; j++)
                if (d->assigned[j] == parts->elems[k].partition) {
                    d->assigned[j] = d->assigned[--d->nassigned];
                    break;
                }
    } else {
        for (int k = 0; k < parts->cnt; k++) {
            if (d->nassigned == d->cap_assigned) {
                int32_t nc = d->cap_assigned ? d->cap_assigned * 2 : 16;
                int32_t *na = realloc(d->assigned, (size_t)nc * sizeof *na);
                if (!na)
                    return;
                d->assigned = na;
                d->cap_assigned = nc;
            }
            d->assigned[d->nassigned++] = parts->elems[k].partition;
        }
    }
    d->st.partitions = d->nassigned;
}

static int ensure_pos(det *d, int32_t p);

/*
 * Where reading an assigned partition starts: its committed offset, else 0 when the reset
 * policy is earliest. The first message read tells whether retention deleted records
 * between that start and it (handle() counts them in st.retention_skipped).
 */
static void note_start(det *d, rd_kafka_t *rk, const rd_kafka_topic_partition_list_t *parts)
{
    rd_kafka_topic_partition_list_t *c = rd_kafka_topic_partition_list_copy(parts);
    int have = c && rd_kafka_committed(rk, c, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR;
    for (int k = 0; k < parts->cnt; k++) {
        int32_t p = parts->elems[k].partition;
        int64_t off = have && !c->elems[k].err ? c->elems[k].offset : -1;
        if (p < 0 || ensure_pos(d, p) != 0)
            continue;
        d->start[p] = off >= 0 ? off : have && d->reset_earliest ? 0 : -1;
    }
    if (c)
        rd_kafka_topic_partition_list_destroy(c);
}

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    det *d = opaque;
    int coop = strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        d->st.rebalances++;
        if (coop) {
            rd_kafka_error_t *e = rd_kafka_incremental_assign(rk, parts);
            if (e)
                rd_kafka_error_destroy(e);
        } else {
            rd_kafka_assign(rk, parts);
            d->nassigned = 0;
        }
        set_assigned(d, parts, 1);
        note_start(d, rk, parts);
        for (int k = 0; k < parts->cnt; k++) {
            int32_t p = parts->elems[k].partition;
            if (p >= 0 && p < d->npos)
                d->pos[p] = -1;
        }
    } else {
        /* revoked (or lost): finish what we hold before another member takes over */
        drain(d);
        if (coop) {
            rd_kafka_error_t *e = rd_kafka_incremental_unassign(rk, parts);
            if (e)
                rd_kafka_error_destroy(e);
            set_assigned(d, parts, 0);
        } else {
            rd_kafka_assign(rk, NULL);
            d->nassigned = 0;
            d->st.partitions = 0;
        }
    }
}

static int64_t compute_lag(det *d)
{
    int64_t lag = 0;
    int known = 0;
    rd_kafka_topic_partition_list_t *l;
    if (!d->nassigned)
        return 0;
    l = rd_kafka_topic_partition_list_new(d->nassigned);
    if (!l)
        return -1;
    for (int32_t k = 0; k < d->nassigned; k++)
        rd_kafka_topic_partition_list_add(l, d->o->topic, d->assigned[k]);
    /* the fetch position: what we read next (the committed offset before any message) */
    rd_kafka_position(d->cons, l);
    for (int k = 0; k < l->cnt; k++) {
        int64_t lo, hi, pos;
        int32_t p = l->elems[k].partition;
        if (rd_kafka_get_watermark_offsets(d->cons, d->o->topic, p, &lo, &hi) != 0 || hi < 0)
            continue;
        pos = p < d->npos ? d->pos[p] : -1;
        if (pos < 0)
            pos = l->elems[k].offset;
        if (pos < 0)
            continue; /* not known yet */
        lag += hi > pos ? hi - pos : 0;
        known = 1;
    }
    rd_kafka_topic_partition_list_destroy(l);
    return known ? lag : -1;
}

/* The alert of message m: the one builder (mqttids_alert_format), record shape, into d->alert. */
static int build_alert(det *d, const rd_kafka_message_t *m, mqttids_alert *a)
{
    util_buf *b = &d->alert;
    size_t need = mqttids_alert_format(a, MQTTIDS_ALERT_RECORD, (char *)b->data, b->cap);
    (void)m;
    if (need >= b->cap) {
        util__buf_clear(b);
        if (util__buf_reserve(b, need + 1) != 0)
            return -1;
        mqttids_alert_format(a, MQTTIDS_ALERT_RECORD, (char *)b->data, b->cap);
    }
    b->len = need;
    return 0;
}

/* Decides whether a classified record alerts; when it does, fills a (strings borrowed from
 * m and o; detail into detail[]). Returns 1 alert, 0 not. */
static int decide(det *d, const rd_kafka_message_t *m, uint64_t id, int cls, double prob, mqttids_alert *a,
                  char *detail, size_t dsize)
{
    const mqttids_detect_opts *o = d->o;
    double now = util__wall_s();
    size_t klen = m->key ? m->key_len : 0;
    mqttids_alert_init(a);
    if (!mqttids_alert_gate_decide(d->gate, m->key, klen, cls, prob, now, &a->group))
        return 0;
    a->time = now;
    a->flow = m->key;
    a->flow_len = klen;
    a->cls = cls;
    a->class_name = cls >= 0 && cls < o->nclasses ? o->class_names[cls] : "unknown";
    a->probability = prob;
    a->model_id = o->model_id ? o->model_id : "";
    a->by = (mqttids_alert_by)o->alert_by;
    a->group_key = m->key;
    a->group_key_len = klen;
    a->id = id;
    a->topic = o->topic;
    a->partition = m->partition;
    a->offset = m->offset;
    a->row_id = (int64_t)id;
    snprintf(detail, dsize, "flow %.*s, partition %d, offset %lld", (int)(klen > 100 ? 100 : klen),
             m->key ? (const char *)m->key : "", (int)m->partition, (long long)m->offset);
    a->detail = detail;
    return 1;
}

static int ensure_pos(det *d, int32_t p)
{
    if (p < d->npos)
        return 0;
    {
        int32_t n = d->npos ? d->npos : 16;
        int64_t *np, *ns;
        while (n <= p)
            n *= 2;
        np = realloc(d->pos, (size_t)n * sizeof *np);
        if (!np)
            return -1;
        d->pos = np;
        ns = realloc(d->start, (size_t)n * sizeof *ns);
        if (!ns)
            return -1;
        d->start = ns;
        for (int32_t k = d->npos; k < n; k++)
            np[k] = ns[k] = -1;
        d->npos = n;
    }
    return 0;
}

/* Handles one consumed message. Returns 0, or -1 on a fatal error (errbuf set). */
static int handle(det *d, mqttids_codec *c, const rd_kafka_message_t *m, char *errbuf)
{
    const mqttids_detect_opts *o = d->o;
    mqttids_record r;
    uint64_t id, seq;
    char e[MQTTIDS_ERRBUF_SIZE], detail[160];
    mqttids_alert a;
    int cls = -1;
    double prob = NAN;

    d->st.consumed++;
    if (d->st.first_unix == 0)
        d->st.first_unix = util__wall_s();
    if (ensure_pos(d, m->partition) == 0) {
        int64_t s = d->start[m->partition];
        if (d->pos[m->partition] < 0 && s >= 0 && m->offset > s) {
            /* the first message after the start lies past it: retention deleted the rest */
            d->st.retention_skipped += (uint64_t)(m->offset - s);
            util__log(MQTTIDS_LOG_INFO, "%s [%d]: %lld records lost to retention (reading from offset %lld, the "
                      "first kept is %lld)", o->topic, (int)m->partition, (long long)(m->offset - s), (long long)s,
                      (long long)m->offset);
        }
        d->start[m->partition] = -1;
        d->pos[m->partition] = m->offset + 1;
    }
    if (mqttids_codec_decode(c, m->payload, m->len, &r, &id, e) != MQTTIDS_OK) {
        d->st.malformed++;
        if (o->on_malformed) {
            char msg[MQTTIDS_ERRBUF_SIZE + 64];
            snprintf(msg, sizeof msg, "%s [%d] offset %lld: malformed record skipped: %s", o->topic,
                     (int)m->partition, (long long)m->offset, e);
            o->on_malformed(o->user, m->partition, m->offset, msg);
        }
        goto no_alert;
    }
    {
        /* the classifier's time is sampled on every 8th record (clock reads are not free) */
        int timed = (d->st.consumed & 7) == 0, bad;
        double t = timed ? util__now_s() : 0;
        bad = o->classify(o->classify_user, &r, &cls, &prob);
        if (timed) {
            d->st.classify_seconds += 8 * (util__now_s() - t);
            d->classify_timed++;
        }
        if (bad) {
            d->st.classify_failed++;
            goto no_alert;
        }
    }
    d->st.classified++;
    if (o->on_record &&
        o->on_record(o->user, id, m->key, m->key_len, cls, prob, m->partition, m->offset) != 0) {
        util__fail(errbuf, MQTTIDS_ERR_IO, "the record sink failed at %s [%d] offset %lld", o->topic,
                   (int)m->partition, (long long)m->offset);
        return -1;
    }
    if (decide(d, m, id, cls, prob, &a, detail, sizeof detail)) {
        if (o->on_alert && o->on_alert(o->user, &a) != 0) {
            util__fail(errbuf, MQTTIDS_ERR_IO, "the alert output failed at %s [%d] offset %lld", o->topic,
                       (int)m->partition, (long long)m->offset);
            return -1;
        }
        if (build_alert(d, m, &a) != 0) {
            util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
            return -1;
        }
        if (stream__tracker_add(&d->tr, m->partition, m->offset, 1, &seq) != 0) {
            util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
            return -1;
        }
        for (;;) {
            if (rd_kafka_produce(d->alert_rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, d->alert.data, d->alert.len,
                                 m->key, m->key_len, (void *)(uintptr_t)(seq + 1)) == 0)
                break;
            if (rd_kafka_last_error() != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                util__fail(errbuf, MQTTIDS_ERR_KAFKA, "alert to %s: %s", d->alerts_topic,
                           rd_kafka_err2str(rd_kafka_last_error()));
                return -1;
            }
            rd_kafka_poll(d->prod, 5);
        }
        d->st.alerted++;
        return 0;
    }
no_alert:
    d->noalert_pending = 1;
    if (stream__tracker_add(&d->tr, m->partition, m->offset, 0, &seq) != 0) {
        util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
        return -1;
    }
    return 0;
}

/* Checks the options; makes the decision gate and the alerts topic's name. */
static mqttids_err det_init(det *d, const mqttids_detect_opts *o, char **alerts_name, char *errbuf)
{
    mqttids_alert_rule rule;
    mqttids_err err;
    d->o = o;
    stream__tracker_init(&d->tr);
    if (!o->topic || !o->group || !o->classify)
        return util__fail(errbuf, MQTTIDS_ERR_INVALID, "detector: topic, group and a classifier are required");
    if (o->alert_by == MQTTIDS_ALERT_BY_HOST)
        return util__fail(errbuf, MQTTIDS_ERR_INVALID,
                          "detector: alerts by host need client addresses, which records do not carry");
    mqttids_alert_rule_init(&rule);
    rule.by = (mqttids_alert_by)o->alert_by;
    rule.window_s = o->alert_window_s;
    rule.min_probability = o->min_probability;
    rule.alert_all = o->alert_all;
    rule.quiet_class = o->quiet_class;
    if (o->max_groups)
        rule.max_groups = o->max_groups;
    if ((err = mqttids_alert_gate_new(&rule, &d->gate, errbuf)) != MQTTIDS_OK)
        return err;
    if (o->alerts_topic) {
        d->alerts_topic = o->alerts_topic;
    } else {
        size_t n = strlen(o->topic) + 8;
        if (!(*alerts_name = malloc(n)))
            return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
        snprintf(*alerts_name, n, "%s.alerts", o->topic);
        d->alerts_topic = *alerts_name;
    }
    return MQTTIDS_OK;
}

/* The alert producer: the one producer configuration, delivery reports to alert_dr. */
static mqttids_err open_alert_producer(det *d, const mqttids_kconf *kc, char *errbuf)
{
    mqttids_err err;
    d->prod = stream__producer_new(kc, "alert producer", alert_dr, d, &err, errbuf);
    if (!d->prod)
        return err;
    d->alert_rkt = rd_kafka_topic_new(d->prod, d->alerts_topic, NULL);
    if (!d->alert_rkt)
        return util__fail(errbuf, MQTTIDS_ERR_KAFKA, "topic %s: %s", d->alerts_topic,
                          rd_kafka_err2str(rd_kafka_last_error()));
    return MQTTIDS_OK;
}

/* The group member: no auto commit, earliest unless told otherwise, subscribed to the topic. */
static mqttids_err open_consumer(det *d, const mqttids_kconf *kc, rd_kafka_topic_partition_list_t **sub,
                                 char *errbuf)
{
    const mqttids_detect_opts *o = d->o;
    rd_kafka_conf_t *cconf = stream__conf(kc, errbuf);
    rd_kafka_resp_err_t re;
    char e[256];
    if (!cconf)
        return MQTTIDS_ERR_INVALID;
    /* earliest unless told otherwise: a new group must see every record */
    if (stream__conf_set(cconf, "group.id", o->group, errbuf) ||
        stream__conf_set(cconf, "enable.auto.commit", "false", errbuf) ||
        stream__conf_set(cconf, "enable.auto.offset.store", "false", errbuf) ||
        stream__conf_default(kc, cconf, "auto.offset.reset", "earliest", errbuf)) {
        rd_kafka_conf_destroy(cconf);
        return MQTTIDS_ERR_INVALID;
    }
    {
        char v[32];
        size_t vs = sizeof v;
        d->reset_earliest = rd_kafka_conf_get(cconf, "auto.offset.reset", v, &vs) == RD_KAFKA_CONF_OK &&
                            (!strcmp(v, "earliest") || !strcmp(v, "smallest") || !strcmp(v, "beginning"));
    }
    rd_kafka_conf_set_rebalance_cb(cconf, rebalance_cb);
    rd_kafka_conf_set_opaque(cconf, d);
    d->cons = rd_kafka_new(RD_KAFKA_CONSUMER, cconf, e, sizeof e);
    if (!d->cons) {
        rd_kafka_conf_destroy(cconf);
        return util__fail(errbuf, MQTTIDS_ERR_KAFKA, "consumer: %s", e);
    }
    rd_kafka_poll_set_consumer(d->cons);
    *sub = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(*sub, o->topic, RD_KAFKA_PARTITION_UA);
    if ((re = rd_kafka_subscribe(d->cons, *sub)) != RD_KAFKA_RESP_ERR_NO_ERROR)
        return util__fail(errbuf, MQTTIDS_ERR_KAFKA, "subscribe %s: %s", o->topic, rd_kafka_err2str(re));
    return MQTTIDS_OK;
}

/* Handles one batch from the consumer queue. Returns 1 to halt (err, errbuf set). */
static int consume_batch(det *d, mqttids_codec *c, rd_kafka_queue_t *cq, size_t want, double *last_msg,
                         mqttids_err *err, char *errbuf)
{
    const mqttids_detect_opts *o = d->o;
    rd_kafka_message_t *batch[256];
    /* a batch per call: fewer locks per message than one poll each */
    ssize_t nb = rd_kafka_consume_batch_queue(cq, 20, batch, want);
    double now = util__now_s();
    int halt = 0;
    for (ssize_t k = 0; k < nb; k++) {
        rd_kafka_message_t *m = batch[k];
        if (halt) {
            /* drop the rest of the batch */
        } else if (!m->err) {
            *last_msg = now;
            if (handle(d, c, m, errbuf) != 0) {
                *err = MQTTIDS_ERR_KAFKA;
                halt = 1;
            }
        } else if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            /* nothing */
        } else if (m->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
            /* the topic may simply not exist yet: keep waiting */
            util__log(MQTTIDS_LOG_INFO, "%s: %s", o->topic, rd_kafka_message_errstr(m));
        } else if (m->err == RD_KAFKA_RESP_ERR__FATAL || m->err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ||
                   m->err == RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED) {
            *err = util__fail(errbuf, MQTTIDS_ERR_KAFKA, "consumer: %s", rd_kafka_message_errstr(m));
            halt = 1;
        } else {
            util__log(MQTTIDS_LOG_WARN, "consumer: %s", rd_kafka_message_errstr(m));
        }
        rd_kafka_message_destroy(m);
    }
    return halt;
}

/* Once per batch: wall-clock marks, commits every commit_interval_ms, stats. */
static void after_batch(det *d, double now, double *last_commit, double *last_stats)
{
    const mqttids_detect_opts *o = d->o;
    rd_kafka_poll(d->prod, 0);
    if (d->st.acked != d->acked_seen || d->noalert_pending) {
        double w = util__wall_s();
        if (d->st.acked != d->acked_seen) {
            d->st.last_ack_unix = w;
            d->acked_seen = d->st.acked;
        }
        if (d->noalert_pending) {
            d->last_done_unix = w;
            d->noalert_pending = 0;
        }
    }
    if ((now - *last_commit) * 1000 >= o->commit_interval_ms) {
        rd_kafka_poll(d->prod, 0);
        commit_done(d, 0);
        *last_commit = now;
    }
    if (o->on_stats && (now - *last_stats) * 1000 >= o->stats_interval_ms) {
        d->st.lag = compute_lag(d);
        d->st.seconds = now - d->t0;
        o->on_stats(o->user, &d->st);
        *last_stats = now;
    }
}

/* Polls, handles and commits until stop, max_records, idle_exit_ms or an error. */
static mqttids_err run_loop(det *d, mqttids_codec *c, rd_kafka_queue_t *cq, char *errbuf)
{
    const mqttids_detect_opts *o = d->o;
    double last_commit = d->t0, last_stats = d->t0, last_msg = 0;
    mqttids_err err = MQTTIDS_OK;
    for (;;) {
        size_t want = 256;
        double now;
        if (o->stop && *o->stop)
            break;
        if (d->fatal)
            return util__fail(errbuf, MQTTIDS_ERR_KAFKA, "%s", d->fatal_msg);
        if (o->max_records && d->st.consumed >= o->max_records)
            break;
        if (o->max_records && o->max_records - d->st.consumed < want)
            want = (size_t)(o->max_records - d->st.consumed);
        if (consume_batch(d, c, cq, want, &last_msg, &err, errbuf))
            return err;
        now = util__now_s();
        after_batch(d, now, &last_commit, &last_stats);
        if (last_msg == 0 && d->st.rebalances > 0)
            last_msg = now; /* the idle clock starts at the first assignment */
        if (o->idle_exit_ms > 0 && last_msg > 0 && (now - last_msg) * 1000 >= o->idle_exit_ms)
            break;
    }
    return err;
}

mqttids_err mqttids_stream_detect(const mqttids_kconf *kc, const mqttids_detect_opts *o, mqttids_detect_stats *st,
                                  char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    det d;
    rd_kafka_topic_partition_list_t *sub = NULL;
    mqttids_codec *c = NULL;
    char *alerts_name = NULL;
    mqttids_err err;
    rd_kafka_queue_t *cq = NULL;

    memset(&d, 0, sizeof d);
    util__buf_init(&d.alert, STREAM_BYTES_MAX);
    memset(st, 0, sizeof *st);
    d.t0 = util__now_s();
    if ((err = det_init(&d, o, &alerts_name, errbuf)) != MQTTIDS_OK)
        goto out;
    c = mqttids_codec_new();
    if (!c || mqttids_codec_set_extras(c, o->extra_names, o->n_extra) != MQTTIDS_OK) {
        err = util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory or too many extra fields");
        goto out;
    }
    if ((err = open_alert_producer(&d, kc, errbuf)) != MQTTIDS_OK || (err = open_consumer(&d, kc, &sub, errbuf)))
        goto out;
    d.t0 = util__now_s();
    cq = rd_kafka_queue_get_consumer(d.cons);
    err = run_loop(&d, c, cq, errbuf);
    /* clean shutdown: acknowledge, commit, leave the group */
    if (!d.fatal) {
        drain(&d);
        if (d.st.acked != d.acked_seen)
            d.st.last_ack_unix = util__wall_s();
        if (d.fatal && err == MQTTIDS_OK)
            err = util__fail(errbuf, MQTTIDS_ERR_KAFKA, "%s", d.fatal_msg);
    }
    d.st.lag = compute_lag(&d);
    rd_kafka_queue_destroy(cq);
    rd_kafka_consumer_close(d.cons);
out:
    d.st.seconds = util__now_s() - d.t0;
    if (d.st.first_unix > 0) {
        if (d.st.last_ack_unix < d.last_done_unix)
            d.st.last_ack_unix = d.last_done_unix;
        d.st.busy_seconds = d.st.last_ack_unix - d.st.first_unix;
    }
    *st = d.st;
    if (sub)
        rd_kafka_topic_partition_list_destroy(sub);
    if (d.cons)
        rd_kafka_destroy(d.cons);
    if (d.alert_rkt)
        rd_kafka_topic_destroy(d.alert_rkt);
    if (d.prod) {
        rd_kafka_flush(d.prod, 5000);
        rd_kafka_destroy(d.prod);
    }
    util__buf_free(&d.alert);
    mqttids_alert_gate_free(d.gate);
    stream__tracker_free(&d.tr);
    free(d.pos);
    free(d.start);
    free(d.assigned);
    free(alerts_name);
    mqttids_codec_free(c);
    return err;
}

#else
mqttids_err mqttids_stream_detect(const mqttids_kconf *kc, const mqttids_detect_opts *o, mqttids_detect_stats *st,
                                  char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    (void)kc, (void)o;
    memset(st, 0, sizeof *st);
    return util__fail(errbuf, MQTTIDS_ERR_UNSUPPORTED, "this build has no Kafka support (librdkafka)");
}
#endif
