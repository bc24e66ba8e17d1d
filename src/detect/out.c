/*
 * out.c: the alert outputs. One formatted line per alert goes to each output that is on:
 * JSON lines (a FILE the caller owns), PostgreSQL (an alerts table through the store's
 * predictions sink) and Kafka (a producer, keyed by the alert's flow). Live, PostgreSQL
 * commits and Kafka delivery checks happen at most once a second, so a flood of alerts
 * is not a flood of transactions; close flushes everything.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "detect/detect_int.h"
#include "mqttids/store.h"

struct mqttids_alert_out {
    FILE *fp;                    /* borrowed; NULL: no JSON output */
    mqttids_store *st;           /* owned */
    mqttids_store_sink *sink;    /* owned */
    mqttids_producer *prod;      /* owned */
    char *topic;                 /* owned */
    char *line;                  /* owned scratch: the formatted alert */
    size_t line_cap;
    double last_flush;           /* monotonic */
    mqttids_alert_out_stats stats;
};

mqttids_err mqttids_alert_out_new(mqttids_alert_out **out)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return MQTTIDS_ERR_NOMEM;
    (*out)->last_flush = util__now_s();
    return MQTTIDS_OK;
}

void mqttids_alert_out_json(mqttids_alert_out *o, FILE *fp)
{
    o->fp = fp;
}

mqttids_err mqttids_alert_out_pg(mqttids_alert_out *o, const char *conninfo, const char *table,
                                 const char *model_id, char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    mqttids_err err = mqttids_store_open(conninfo, &o->st, errbuf);
    if (err != MQTTIDS_OK) {
        char shown[200];
        size_t n = errbuf ? strlen(errbuf) : 0;
        if (errbuf && mqttids_store_mask_conninfo(conninfo, shown, sizeof shown) == MQTTIDS_OK &&
            n + sizeof shown + 16 < MQTTIDS_ERRBUF_SIZE)
            snprintf(errbuf + n, MQTTIDS_ERRBUF_SIZE - n, " (connection: %.199s)", shown);
        return err;
    }
    err = mqttids_store_sink_open(o->st, table ? table : MQTTIDS_DETECT_DEFAULT_TABLE, model_id, 0, &o->sink);
    if (err != MQTTIDS_OK) {
        util__fail(errbuf, err, "PostgreSQL: %s", mqttids_store_errmsg(o->st));
        mqttids_store_close(o->st);
        o->st = NULL;
    }
    return err;
}

mqttids_err mqttids_alert_out_kafka(mqttids_alert_out *o, const mqttids_kconf *kc, const char *topic,
                                    char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    mqttids_err err;
    o->topic = strdup(topic ? topic : MQTTIDS_DETECT_DEFAULT_TOPIC);
    if (!o->topic)
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
    err = mqttids_producer_new(kc, &o->prod, errbuf);
    if (err != MQTTIDS_OK)
        o->prod = NULL;
    return err;
}

/* Formats a into o->line (grown to fit). Returns the length, or -1 without memory. */
static long format_line(mqttids_alert_out *o, const mqttids_alert *a, mqttids_alert_shape shape)
{
    size_t need = mqttids_alert_format(a, shape, o->line, o->line_cap);
    if (need >= o->line_cap) {
        size_t nc = need + 256;
        char *nl = realloc(o->line, nc);
        if (!nl)
            return -1;
        o->line = nl;
        o->line_cap = nc;
        mqttids_alert_format(a, shape, o->line, o->line_cap);
    }
    return (long)need;
}

static int put_pg(mqttids_alert_out *o, const mqttids_alert *a)
{
    mqttids_prediction pr;
    pr.cls = mqttids_detect_class_index(a->class_name);
    if (pr.cls < 0)
        return 0; /* the table holds MQTTset classes only */
    pr.row_id = a->row_id;
    pr.time = a->time;
    pr.probability = a->probability;
    pr.detail = a->detail ? a->detail : o->line;
    if (mqttids_store_sink_put(o->sink, &pr) != MQTTIDS_OK) {
        util__log(MQTTIDS_LOG_ERROR, "PostgreSQL alert output: %s", mqttids_store_errmsg(o->st));
        return -1;
    }
    return 0;
}

static int put_kafka(mqttids_alert_out *o, const mqttids_alert *a, size_t len)
{
    char errbuf[MQTTIDS_ERRBUF_SIZE];
    if (mqttids_producer_send(o->prod, o->topic, a->flow, a->flow ? a->flow_len : 0, o->line, len, errbuf) !=
        MQTTIDS_OK) {
        util__log(MQTTIDS_LOG_ERROR, "Kafka alert output: %s", errbuf);
        return -1;
    }
    return 0;
}

mqttids_err mqttids_alert_out_put(mqttids_alert_out *o, const mqttids_alert *a, mqttids_alert_shape shape)
{
    long len = format_line(o, a, shape);
    int failed = 0;
    if (len < 0)
        return MQTTIDS_ERR_NOMEM;
    if (o->fp) {
        fwrite(o->line, 1, (size_t)len, o->fp);
        fputc('\n', o->fp);
        if (ferror(o->fp))
            failed = 1;
        else
            o->stats.lines++;
    }
    if (o->sink && put_pg(o, a) != 0)
        failed = 1;
    if (o->prod && put_kafka(o, a, (size_t)len) != 0)
        failed = 1;
    if (failed)
        o->stats.errors++;
    return failed ? MQTTIDS_ERR_IO : MQTTIDS_OK;
}

mqttids_err mqttids_alert_out_flush(mqttids_alert_out *o, int force)
{
    mqttids_err err = MQTTIDS_OK;
    char errbuf[MQTTIDS_ERRBUF_SIZE];
    double t;
    if (o->fp && fflush(o->fp) != 0)
        err = MQTTIDS_ERR_IO;
    t = util__now_s();
    if (!force && t - o->last_flush < 1.0)
        return err;
    o->last_flush = t;
    if (o->sink && mqttids_store_sink_flush(o->sink) != MQTTIDS_OK) {
        util__log(MQTTIDS_LOG_ERROR, "PostgreSQL alert output: %s", mqttids_store_errmsg(o->st));
        err = MQTTIDS_ERR_IO;
    }
    if (o->prod && mqttids_producer_flush(o->prod, 10000, NULL, NULL, errbuf) != MQTTIDS_OK) {
        util__log(MQTTIDS_LOG_ERROR, "Kafka alert output: %s", errbuf);
        err = MQTTIDS_ERR_IO;
    }
    return err;
}

mqttids_err mqttids_alert_out_close(mqttids_alert_out *o, mqttids_alert_out_stats *st, char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    mqttids_err err = MQTTIDS_OK;
    char kerr[MQTTIDS_ERRBUF_SIZE];
    if (!o)
        return MQTTIDS_OK;
    if (o->fp && fflush(o->fp) != 0)
        err = util__fail(errbuf, MQTTIDS_ERR_IO, "JSON alert output: write error: %s", strerror(errno));
    if (o->sink) {
        uint64_t rows = 0;
        if (mqttids_store_sink_close(o->sink, &rows) != MQTTIDS_OK && err == MQTTIDS_OK)
            err = util__fail(errbuf, MQTTIDS_ERR_IO, "PostgreSQL alert output: %s", mqttids_store_errmsg(o->st));
        o->sink = NULL;
        o->stats.db_rows = rows;
    }
    if (o->prod) {
        uint64_t delivered = 0, failed = 0;
        if (mqttids_producer_flush(o->prod, 10000, &delivered, &failed, kerr) != MQTTIDS_OK && err == MQTTIDS_OK)
            err = util__fail(errbuf, MQTTIDS_ERR_IO, "Kafka alert output: %s", kerr);
        o->stats.kafka_sent = delivered;
    }
    if (st)
        *st = o->stats;
    mqttids_alert_out_free(o);
    return err;
}

void mqttids_alert_out_free(mqttids_alert_out *o)
{
    if (!o)
        return;
    mqttids_store_sink_abort(o->sink);
    mqttids_store_close(o->st);
    mqttids_producer_free(o->prod);
    free(o->topic);
    free(o->line);
    free(o);
}
