/*
 * produce_files.c: topics filled straight from files, without a dataset in between:
 * capture rows (keyed by TCP stream, so a flow stays in one partition; ids in capture
 * order) and raw text lines (keyed by line number). Both flush at the end and report
 * what the brokers acknowledged.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "mqttids/capture.h"
#include "stream/stream_int.h"
#include "util/util_int.h"

/* Sleeps until row n is due at rate rows/s since t0 (monotonic). */
static void pace(double rate, uint64_t n, double t0)
{
    double due = (double)n / rate, el = util__now_s() - t0;
    if (due - el > 0.001) {
        struct timespec ts = {(time_t)(due - el), (long)(((due - el) - (double)(time_t)(due - el)) * 1e9)};
        nanosleep(&ts, NULL);
    }
}

/* The rows of one capture into the topic. */
static mqttids_err send_capture(mqttids_producer *p, mqttids_codec *c, const char *path,
                                const mqttids_capture_file_opts *fo, const mqttids_produce_opts *o,
                                mqttids_produce_report *rep, double t0, char *errbuf)
{
    mqttids_capture_opts co;
    mqttids_capture *cap = NULL;
    size_t n_ctx = fo->context ? mqttids_capture_ctx_count() : 0;
    mqttids_err err;
    mqttids_capture_opts_init(&co);
    co.context = fo->context;
    if ((err = mqttids_capture_open_file(path, &co, &cap, errbuf)) != MQTTIDS_OK)
        return err;
    while (!(o->stop && *o->stop)) {
        mqttids_record r;
        mqttids_flow fl;
        mqttids_capture_status st;
        const void *val;
        size_t vlen;
        char key[32];
        int kl;
        if ((err = mqttids_capture_next(cap, &r, &fl, &st, errbuf)) != MQTTIDS_OK || st == MQTTIDS_CAPTURE_END)
            break;
        if (st != MQTTIDS_CAPTURE_ROW)
            continue;
        if (o->rate > 0)
            pace(o->rate, rep->sent, t0);
        r.label = fo->label;
        if (n_ctx && o->format == MQTTIDS_STREAM_JSON) {
            r.n_extra = n_ctx;
            r.extra = mqttids_capture_ctx_values(cap);
        }
        kl = snprintf(key, sizeof key, "%llu", (unsigned long long)fl.stream);
        if (mqttids_codec_encode(c, o->format, &r, o->id_base + rep->sent, &val, &vlen) != MQTTIDS_OK ||
            mqttids_producer_send(p, o->topic, key, (size_t)kl, val, vlen, errbuf) != MQTTIDS_OK) {
            char e[MQTTIDS_ERRBUF_SIZE];
            snprintf(e, sizeof e, "%s", errbuf);
            err = util__fail(errbuf, MQTTIDS_ERR_KAFKA, "%s: row %llu: %.400s", path, (unsigned long long)rep->sent, e);
            break;
        }
        rep->sent++;
        rep->bytes += vlen;
    }
    mqttids_capture_close(cap);
    return err;
}

/* Flushes p into rep; the first error wins. */
static mqttids_err finish(mqttids_producer *p, mqttids_err err, mqttids_produce_report *rep, double t0, char *errbuf)
{
    char e[MQTTIDS_ERRBUF_SIZE];
    mqttids_err ferr = mqttids_producer_flush(p, 60000, &rep->delivered, &rep->failed, e);
    rep->seconds = util__now_s() - t0;
    if (ferr != MQTTIDS_OK && err == MQTTIDS_OK)
        return util__fail(errbuf, ferr, "%s", e);
    if (ferr == MQTTIDS_OK && err == MQTTIDS_OK)
        return mqttids_producer_lost(p, 10000, &rep->lost, errbuf);
    if (ferr != MQTTIDS_OK)
        util__log(MQTTIDS_LOG_ERROR, "%s", e);
    return err;
}

mqttids_err mqttids_stream_produce_captures(mqttids_producer *p, const char *const *paths, int n,
                                           const mqttids_capture_file_opts *fo, const mqttids_produce_opts *o,
                                           mqttids_produce_report *rep, char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    mqttids_codec *c = mqttids_codec_new();
    const char *ctx_names[64];
    size_t n_ctx = fo->context ? mqttids_capture_ctx_count() : 0;
    double t0 = util__now_s();
    mqttids_err err = MQTTIDS_OK;
    memset(rep, 0, sizeof *rep);
    snprintf(rep->key_rule, sizeof rep->key_rule, "tcp.stream");
    rep->start_unix = util__wall_s();
    if (!c || n_ctx > 64) {
        mqttids_codec_free(c);
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
    }
    for (size_t x = 0; x < n_ctx; x++)
        ctx_names[x] = mqttids_capture_ctx_name(x);
    mqttids_codec_set_extras(c, ctx_names, o->format == MQTTIDS_STREAM_JSON ? n_ctx : 0);
    for (int i = 0; i < n && err == MQTTIDS_OK && !(o->stop && *o->stop); i++)
        err = send_capture(p, c, paths[i], fo, o, rep, t0, errbuf);
    mqttids_codec_free(c);
    return finish(p, err, rep, t0, errbuf);
}

mqttids_err mqttids_stream_produce_lines(mqttids_producer *p, const char *const *paths, int n,
                                        const mqttids_produce_opts *o, mqttids_produce_report *rep,
                                        char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    char *line = NULL;
    size_t cap = 0;
    double t0 = util__now_s();
    mqttids_err err = MQTTIDS_OK;
    memset(rep, 0, sizeof *rep);
    snprintf(rep->key_rule, sizeof rep->key_rule, "line number");
    rep->start_unix = util__wall_s();
    for (int i = 0; i < n && err == MQTTIDS_OK; i++) {
        FILE *fp = strcmp(paths[i], "-") == 0 ? stdin : fopen(paths[i], "r");
        ssize_t len;
        if (!fp) {
            err = util__fail(errbuf, MQTTIDS_ERR_IO, "%s: %s", paths[i], strerror(errno));
            break;
        }
        while (err == MQTTIDS_OK && !(o->stop && *o->stop) && (len = getline(&line, &cap, fp)) >= 0) {
            char key[32];
            int kl = snprintf(key, sizeof key, "%llu", (unsigned long long)rep->sent);
            if (len > 0 && line[len - 1] == '\n')
                line[--len] = '\0';
            if ((err = mqttids_producer_send(p, o->topic, key, (size_t)kl, line, (size_t)len, errbuf)) == MQTTIDS_OK) {
                rep->sent++;
                rep->bytes += (uint64_t)len;
            }
        }
        if (fp != stdin)
            fclose(fp);
    }
    free(line);
    return finish(p, err, rep, t0, errbuf);
}
