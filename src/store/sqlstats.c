/*
 * sqlstats.c: the study's questions (STUDY.md section 2) answered by SQL on the server,
 * filling the same mqttids_stats fields that mqttids_stats_compute fills for them.
 *
 * Definitions match src/dataset/stats.c: counts per split (train_flag 1 / 0 / NULL) and
 * class (target, case-insensitive, "benign" = legitimate; NULL or unknown = unlabeled);
 * mean tcp_len per class over all / train / test rows of that class; mean mqtt_len over
 * train rows; top X tcp_flags by count, ties by value in byte order (COLLATE "C"), with
 * "0.0" counted as "0" as the CSV reader does.
 * Needs the columns tcp_flags, tcp_time_delta, tcp_len, mqtt_len, target, train_flag.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store/store_int.h"
#include "util/util_int.h"

#if MQTTIDS_WITH_PG

static double num_or_nan(const PGresult *res, int r, int c)
{
    return PQgetisnull(res, r, c) ? NAN : strtod(PQgetvalue(res, r, c), NULL);
}

static PGresult *run(mqttids_store *st, const char *fmt, const char *table, int n, const char *const *vals,
                     const char *what)
{
    size_t len = strlen(fmt) + strlen(table) + 1;
    char *sql = malloc(len);
    PGresult *res;
    if (!sql) {
        store__fail(st, MQTTIDS_ERR_NOMEM, "out of memory");
        return NULL;
    }
    snprintf(sql, len, fmt, table);
    res = store__exec_params(st, sql, n, vals, PGRES_TUPLES_OK, what);
    free(sql);
    return res;
}

mqttids_err mqttids_store_stats(mqttids_store *st, const char *table, const mqttids_stats_opts *opts,
                                mqttids_stats **out)
{
    mqttids_stats_opts defaults;
    mqttids_stats *s = NULL;
    store_qname q;
    PGresult *res = NULL;
    mqttids_err err;
    char what[sizeof q.shown], limit[24];
    const char *vals[1];

    *out = NULL;
    if (!opts) {
        mqttids_stats_opts_init(&defaults);
        opts = &defaults;
    }
    if (st->busy)
        return store__fail(st, MQTTIDS_ERR_INVALID, "the connection is busy with a load or sink");
    err = store__qname_parse(st, table, &q);
    if (err != MQTTIDS_OK)
        return err;
    snprintf(what, sizeof what, "%s", q.shown);
    s = calloc(1, sizeof *s);
    if (!s) {
        err = store__fail(st, MQTTIDS_ERR_NOMEM, "out of memory");
        goto fail;
    }
    /* Read-only snapshot: the three queries see the same data. */
    res = store__exec(st, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", PGRES_COMMAND_OK, "BEGIN");
    if (!res) {
        err = MQTTIDS_ERR_DB;
        goto fail;
    }
    PQclear(res);

    /* Q: rows, negative time deltas, mean mqtt_len over train */
    res = run(st, "SELECT count(*), count(*) FILTER (WHERE tcp_time_delta < 0), "
                  "avg(mqtt_len) FILTER (WHERE train_flag = 1) FROM %s", q.sql, 0, NULL, what);
    if (!res) {
        err = MQTTIDS_ERR_DB;
        goto fail;
    }
    s->nrows = (size_t)strtoull(PQgetvalue(res, 0, 0), NULL, 10);
    s->negative_deltas = (size_t)strtoull(PQgetvalue(res, 0, 1), NULL, 10);
    s->mean_mqtt_len_train = num_or_nan(res, 0, 2);
    PQclear(res);

    /* Q: rows per split and class, mean tcp_len per class (all / train / test) */
    res = run(st, "SELECT CASE lower(target::text) WHEN 'benign' THEN 'legitimate' ELSE lower(target::text) END, "
                  "count(*) FILTER (WHERE train_flag IS NULL), count(*) FILTER (WHERE train_flag = 1), "
                  "count(*) FILTER (WHERE train_flag = 0), avg(tcp_len), "
                  "avg(tcp_len) FILTER (WHERE train_flag = 1), avg(tcp_len) FILTER (WHERE train_flag = 0) "
                  "FROM %s GROUP BY 1", q.sql, 0, NULL, what);
    if (!res) {
        err = MQTTIDS_ERR_DB;
        goto fail;
    }
    for (int p = 0; p < 3; p++)
        for (int k = 0; k < MQTTIDS_NCLASS; k++)
            s->mean_tcp_len[p][k] = NAN;
    for (int r = 0; r < PQntuples(res); r++) {
        int c = PQgetisnull(res, r, 0) ? -1 : mqttids_class_find(PQgetvalue(res, r, 0), strlen(PQgetvalue(res, r, 0)));
        int k = c >= 0 ? c : MQTTIDS_NCLASS;
        for (int p = 0; p < 3; p++)
            s->counts[p][k] += (size_t)strtoull(PQgetvalue(res, r, 1 + p), NULL, 10);
        if (c >= 0) {
            s->mean_tcp_len[0][c] = num_or_nan(res, r, 4);
            s->mean_tcp_len[1][c] = num_or_nan(res, r, 5);
            s->mean_tcp_len[2][c] = num_or_nan(res, r, 6);
        }
    }
    PQclear(res);

    /* Q: top X tcp_flags */
    snprintf(limit, sizeof limit, "%d", opts->top_flags > 0 ? opts->top_flags : 0);
    vals[0] = limit;
    res = run(st, "SELECT v, n FROM (SELECT CASE WHEN tcp_flags::text = '0.0' THEN '0' ELSE tcp_flags::text END "
                  "AS v, count(*) AS n FROM %s GROUP BY 1) g ORDER BY n DESC, v COLLATE \"C\" LIMIT $1::int8",
              q.sql, 1, vals, what);
    if (!res) {
        err = MQTTIDS_ERR_DB;
        goto fail;
    }
    s->top_flags = calloc((size_t)PQntuples(res) + 1, sizeof *s->top_flags);
    if (!s->top_flags) {
        err = store__fail(st, MQTTIDS_ERR_NOMEM, "out of memory");
        goto fail;
    }
    for (int r = 0; r < PQntuples(res); r++) {
        s->top_flags[r].value = strdup(PQgetisnull(res, r, 0) ? "(null)" : PQgetvalue(res, r, 0));
        if (!s->top_flags[r].value) {
            err = store__fail(st, MQTTIDS_ERR_NOMEM, "out of memory");
            goto fail;
        }
        s->top_flags[r].count = (size_t)strtoull(PQgetvalue(res, r, 1), NULL, 10);
        s->ntop = (size_t)r + 1;
    }
    PQclear(res);
    res = NULL;
    res = store__exec(st, "COMMIT", PGRES_COMMAND_OK, "COMMIT");
    PQclear(res);
    store__qname_free(&q);
    *out = s;
    return MQTTIDS_OK;
fail:
    PQclear(res);
    store__rollback(st);
    store__qname_free(&q);
    mqttids_stats_free(s);
    return err;
}

#else

mqttids_err mqttids_store_stats(mqttids_store *st, const char *table, const mqttids_stats_opts *o,
                                mqttids_stats **out)
{
    (void)st, (void)table, (void)o;
    *out = NULL;
    return MQTTIDS_ERR_UNSUPPORTED;
}

#endif
