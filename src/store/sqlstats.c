/*
 * sqlstats.c: the study's exploration (data overview and preprocessing) answered by SQL on the
 * server, filling the same mqttids_stats fields that mqttids_stats_compute fills, so the
 * tool prints the same tables for a table as for the CSV files it was loaded from.
 *
 * Definitions match src/dataset/stats.c:
 * - counts per split (train_flag 1 / 0 / NULL) and class (target, case-insensitive,
 *   "benign" = legitimate; NULL or unknown = unlabeled);
 * - per feature column: NULLs, zeros (NUM: = 0; HEX/TEXT: the text '0' / '0.0' / ''),
 *   and for NUM and HEX (the hex text's value) count, sum, sum of squares, min, max; mean
 *   and sample std are computed from those here with the formula stats.c uses. Parallel
 *   plans are switched off for the transaction, so sums add in the table's order, as the
 *   C code adds in row order (float8 sums are plain additions in PostgreSQL);
 * - distinct values of the nominal columns (HEX, mqtt.protoname, mqtt.msgtype), sorted
 *   by count then value as stats.c sorts them; top X tcp_flags are the first X of them;
 * - mean mqtt_len over train, mean tcp_len per class over all / train / test rows;
 * - Pearson r of every pair of NUM feature columns (corr()), NaN when either is constant;
 * - IQR outliers of tcp_len with nearest-rank quartiles (percentile_disc), the bounds sent
 *   as parameters;
 * - the zeros and correlation rules applied to those figures.
 * Needs the 33 feature columns under their underscore names, target and train_flag.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store/store_int.h"
#include "dataset/dataset_int.h"
#include "util/util_int.h"

#if MQTTIDS_WITH_PG

static double num_or_nan(const PGresult *res, int r, int c)
{
    return PQgetisnull(res, r, c) ? NAN : strtod(PQgetvalue(res, r, c), NULL);
}

static size_t count_at(const PGresult *res, int r, int c)
{
    return PQgetisnull(res, r, c) ? 0 : (size_t)strtoull(PQgetvalue(res, r, c), NULL, 10);
}

/* Growable SQL text: util_buf's text appends (a failed append sets failed). */
typedef util_buf sqlbuf;
#define sb_add util__buf_printf

static PGresult *run(mqttids_store *st, sqlbuf *b, int n, const char *const *vals, const char *what)
{
    PGresult *res;
    if (b->failed) {
        store__fail(st, MQTTIDS_ERR_NOMEM, "out of memory");
        return NULL;
    }
    res = store__exec_params(st, (const char *)b->data, n, vals, PGRES_TUPLES_OK, what);
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
    return res;
}

/* The numeric view of feature f as an SQL expression over its column (col is plain). */
static void num_expr(sqlbuf *b, int f, const char *col)
{
    if (mqttids_feat_kind(f) == MQTTIDS_KIND_HEX)
        /* '0x..' is hex (as util__parse_hex), anything else a decimal ('0', '0.0') */
        sb_add(b, "(CASE WHEN %s ILIKE '0x%%' THEN ('x' || lpad(substr(%s, 3), 16, '0'))::bit(64)::int8::float8 "
                  "ELSE %s::float8 END)", col, col, col);
    else
        sb_add(b, "%s::float8", col);
}

/* ", fn(x)" for feature f's numeric view x, or ", fn(x * x)" when squared. */
static void num_agg(sqlbuf *b, const char *fn, int f, const char *col, int squared)
{
    sb_add(b, ", %s(", fn);
    num_expr(b, f, col);
    if (squared) {
        sb_add(b, " * ");
        num_expr(b, f, col);
    }
    sb_add(b, ")");
}

static int is_nominal(int f)
{
    if (f == MQTTIDS_F_MSG || f == MQTTIDS_F_WILLMSG || f == MQTTIDS_F_WILLTOPIC)
        return 0;
    return mqttids_feat_kind(f) != MQTTIDS_KIND_NUM || f == MQTTIDS_F_MSGTYPE;
}

static int cmp_vc(const void *a, const void *b)
{
    const mqttids_value_count *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return strcmp(x->value, y->value);
}

static mqttids_err nomem(mqttids_store *st)
{
    return store__fail(st, MQTTIDS_ERR_NOMEM, "out of memory");
}

/* Per-column figures: one query with 7 aggregates per feature. */
static mqttids_err column_figures(mqttids_store *st, const store_qname *q, mqttids_stats *s, sqlbuf *b)
{
    PGresult *res;
    char col[64];
    sb_add(b, "SELECT count(*)");
    for (int f = 0; f < MQTTIDS_NFEAT; f++) {
        store__col_name(f, col, sizeof col);
        sb_add(b, ", count(*) FILTER (WHERE %s IS NULL)", col);
        if (mqttids_feat_kind(f) == MQTTIDS_KIND_NUM)
            sb_add(b, ", count(*) FILTER (WHERE %s = 0)", col);
        else
            sb_add(b, ", count(*) FILTER (WHERE %s::text IN ('', '0', '0.0'))", col);
        if (mqttids_feat_kind(f) == MQTTIDS_KIND_TEXT) {
            sb_add(b, ", NULL, NULL, NULL, NULL, NULL");
            continue;
        }
        num_agg(b, "count", f, col, 0);
        num_agg(b, "sum", f, col, 0);
        num_agg(b, "sum", f, col, 1);
        num_agg(b, "min", f, col, 0);
        num_agg(b, "max", f, col, 0);
    }
    sb_add(b, " FROM %s", q->sql);
    res = run(st, b, 0, NULL, q->shown);
    if (!res)
        return MQTTIDS_ERR_DB;
    s->nrows = count_at(res, 0, 0);
    for (int f = 0; f < MQTTIDS_NFEAT; f++) {
        mqttids_column_stats *c = &s->cols[f];
        int k = 1 + 7 * f;
        size_t valid = count_at(res, 0, k + 2);
        c->name = mqttids_feat_name(f);
        c->kind = mqttids_feat_kind(f);
        c->corr_with = -1;
        c->nulls = count_at(res, 0, k);
        c->zeros = count_at(res, 0, k + 1);
        c->zero_share = s->nrows ? (double)c->zeros / (double)s->nrows : NAN;
        if (c->kind == MQTTIDS_KIND_TEXT || valid == 0) {
            c->mean = c->std = c->min = c->max = NAN;
        } else {
            double sum = num_or_nan(res, 0, k + 3), sq = num_or_nan(res, 0, k + 4);
            double m = sum / (double)valid;
            double var = valid > 1 ? (sq - (double)valid * m * m) / (double)(valid - 1) : 0.0;
            c->mean = m;
            c->std = var > 0 ? sqrt(var) : 0.0;
            c->min = num_or_nan(res, 0, k + 5);
            c->max = num_or_nan(res, 0, k + 6);
        }
        c->nominal = is_nominal(f);
    }
    PQclear(res);
    return MQTTIDS_OK;
}

/* Distinct values of one nominal column, most frequent first (ties: strcmp). */
static mqttids_err distinct_values(mqttids_store *st, const store_qname *q, int f, mqttids_column_stats *c,
                                   sqlbuf *b)
{
    PGresult *res;
    char col[64];
    int n;
    store__col_name(f, col, sizeof col);
    if (mqttids_feat_kind(f) == MQTTIDS_KIND_NUM)
        sb_add(b, "SELECT %s::float8, count(*) FROM %s GROUP BY 1", col, q->sql);
    else if (mqttids_feat_kind(f) == MQTTIDS_KIND_HEX)
        sb_add(b, "SELECT CASE WHEN %s::text = '0.0' THEN '0' ELSE %s::text END, count(*) FROM %s GROUP BY 1", col,
               col, q->sql);
    else
        sb_add(b, "SELECT %s::text, count(*) FROM %s GROUP BY 1", col, q->sql);
    res = run(st, b, 0, NULL, q->shown);
    if (!res)
        return MQTTIDS_ERR_DB;
    n = PQntuples(res);
    c->values = calloc((size_t)n + 1, sizeof *c->values);
    if (!c->values) {
        PQclear(res);
        return nomem(st);
    }
    for (int r = 0; r < n; r++) {
        char buf[64];
        const char *v = PQgetisnull(res, r, 0) ? "(null)" : PQgetvalue(res, r, 0);
        if (mqttids_feat_kind(f) == MQTTIDS_KIND_NUM && !PQgetisnull(res, r, 0)) {
            mqttids_format_double(buf, sizeof buf, strtod(v, NULL));
            v = buf;
        }
        c->values[r].value = strdup(v);
        c->values[r].count = count_at(res, r, 1);
        if (!c->values[r].value) {
            PQclear(res);
            return nomem(st);
        }
        c->nvalues = (size_t)r + 1;
    }
    PQclear(res);
    qsort(c->values, c->nvalues, sizeof *c->values, cmp_vc);
    return MQTTIDS_OK;
}

/* Pearson r of every pair of NUM feature columns, then the correlation rule. */
static mqttids_err correlation(mqttids_store *st, const store_qname *q, mqttids_stats *s,
                               const mqttids_stats_opts *o, sqlbuf *b)
{
    PGresult *res;
    size_t m, k = 0;
    char ca[64], cb[64];
    if (dataset__corr_alloc(s) != 0)
        return nomem(st);
    m = s->ncorr;
    sb_add(b, "SELECT 0");
    for (size_t a = 0; a < m; a++)
        for (size_t c = a + 1; c < m; c++) {
            store__col_name(s->corr_cols[a], ca, sizeof ca);
            store__col_name(s->corr_cols[c], cb, sizeof cb);
            sb_add(b, ", corr(%s::float8, %s::float8)", ca, cb);
        }
    sb_add(b, " FROM %s", q->sql);
    res = run(st, b, 0, NULL, q->shown);
    if (!res)
        return MQTTIDS_ERR_DB;
    for (size_t a = 0; a < m; a++) {
        s->corr[a * m + a] = s->cols[s->corr_cols[a]].std > 0 ? 1.0 : NAN;
        for (size_t c = a + 1; c < m; c++) {
            double r = num_or_nan(res, 0, (int)(1 + k++));
            if (!(s->cols[s->corr_cols[a]].std > 0) || !(s->cols[s->corr_cols[c]].std > 0))
                r = NAN;
            s->corr[a * m + c] = s->corr[c * m + a] = r;
        }
    }
    PQclear(res);
    /* the rule, as stats.c applies it */
    dataset__corr_rule(s, o->corr_threshold);
    return MQTTIDS_OK;
}

static mqttids_err iqr_outliers(mqttids_store *st, const store_qname *q, mqttids_stats *s,
                                const mqttids_stats_opts *o, sqlbuf *b)
{
    PGresult *res;
    char lo[40], hi[40];
    const char *vals[2] = {lo, hi};
    double q1, q3;
    s->n_iqr_cols = 1;
    s->iqr_cols[0] = MQTTIDS_F_TCP_LEN;
    if (s->nrows == 0)
        return MQTTIDS_OK;
    sb_add(b, "SELECT percentile_disc(0.25) WITHIN GROUP (ORDER BY tcp_len::float8), "
              "percentile_disc(0.75) WITHIN GROUP (ORDER BY tcp_len::float8) FROM %s", q->sql);
    res = run(st, b, 0, NULL, q->shown);
    if (!res)
        return MQTTIDS_ERR_DB;
    q1 = num_or_nan(res, 0, 0);
    q3 = num_or_nan(res, 0, 1);
    PQclear(res);
    s->iqr_q1[0] = q1;
    s->iqr_q3[0] = q3;
    snprintf(lo, sizeof lo, "%.17g", q1 - o->iqr_k * (q3 - q1));
    snprintf(hi, sizeof hi, "%.17g", q3 + o->iqr_k * (q3 - q1));
    sb_add(b, "SELECT count(*) FILTER (WHERE tcp_len::float8 < $1::float8 OR tcp_len::float8 > $2::float8) "
              "FROM %s", q->sql);
    res = run(st, b, 2, vals, q->shown);
    if (!res)
        return MQTTIDS_ERR_DB;
    s->outlier_rows[1] = count_at(res, 0, 0);
    s->outlier_rows[0] = s->nrows - s->outlier_rows[1];
    PQclear(res);
    return MQTTIDS_OK;
}

mqttids_err mqttids_store_stats(mqttids_store *st, const char *table, const mqttids_stats_opts *opts,
                                mqttids_stats **out)
{
    mqttids_stats_opts defaults;
    mqttids_stats *s = NULL;
    store_qname q;
    PGresult *res = NULL;
    mqttids_err err;
    sqlbuf b;

    util__buf_init(&b, 0);
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
    s = calloc(1, sizeof *s);
    if (!s || !(s->cols = calloc(MQTTIDS_NFEAT, sizeof *s->cols))) {
        err = nomem(st);
        goto fail;
    }
    s->ncols = MQTTIDS_NFEAT;
    /* One snapshot for every query; serial plans so float sums add in table order. */
    res = store__exec(st, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", PGRES_COMMAND_OK, "BEGIN");
    if (res) {
        PQclear(res);
        res = store__exec(st, "SET LOCAL max_parallel_workers_per_gather = 0", PGRES_COMMAND_OK, "SET");
    }
    if (!res) {
        err = MQTTIDS_ERR_DB;
        goto fail;
    }
    PQclear(res);
    res = NULL;

    err = column_figures(st, &q, s, &b);
    if (err != MQTTIDS_OK)
        goto fail;
    for (int f = 0; f < MQTTIDS_NFEAT; f++) {
        s->cols[f].dropped_zero = s->nrows > 0 && s->cols[f].zero_share > opts->zero_threshold;
        if (s->cols[f].nominal && (err = distinct_values(st, &q, f, &s->cols[f], &b)) != MQTTIDS_OK)
            goto fail;
    }

    /* negative time deltas, mean mqtt_len over train */
    sb_add(&b, "SELECT count(*) FILTER (WHERE tcp_time_delta < 0), avg(mqtt_len::float8) FILTER (WHERE train_flag = 1) "
               "FROM %s", q.sql);
    res = run(st, &b, 0, NULL, q.shown);
    if (!res) {
        err = MQTTIDS_ERR_DB;
        goto fail;
    }
    s->negative_deltas = count_at(res, 0, 0);
    s->mean_mqtt_len_train = num_or_nan(res, 0, 1);
    PQclear(res);

    /* rows per split and class, mean tcp_len per class (all / train / test) */
    sb_add(&b, "SELECT CASE lower(target::text) WHEN 'benign' THEN 'legitimate' WHEN 'malariados' THEN 'dos' "
               "ELSE lower(target::text) END, "
               "count(*) FILTER (WHERE train_flag IS NULL OR train_flag NOT IN (0, 1)), "
               "count(*) FILTER (WHERE train_flag = 1), count(*) FILTER (WHERE train_flag = 0), "
               "avg(tcp_len::float8), avg(tcp_len::float8) FILTER (WHERE train_flag = 1), "
               "avg(tcp_len::float8) FILTER (WHERE train_flag = 0) FROM %s GROUP BY 1", q.sql);
    res = run(st, &b, 0, NULL, q.shown);
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
            s->counts[p][k] += count_at(res, r, 1 + p);
        if (c >= 0) {
            s->mean_tcp_len[0][c] = num_or_nan(res, r, 4);
            s->mean_tcp_len[1][c] = num_or_nan(res, r, 5);
            s->mean_tcp_len[2][c] = num_or_nan(res, r, 6);
        }
    }
    PQclear(res);

    /* top X tcp_flags: the first X distinct values */
    {
        const mqttids_column_stats *c = &s->cols[MQTTIDS_F_TCP_FLAGS];
        size_t want = opts->top_flags > 0 ? (size_t)opts->top_flags : 0;
        size_t k = c->nvalues < want ? c->nvalues : want;
        s->top_flags = calloc(k + 1, sizeof *s->top_flags);
        if (!s->top_flags) {
            err = nomem(st);
            goto fail;
        }
        for (size_t i = 0; i < k; i++) {
            s->top_flags[i].value = strdup(c->values[i].value);
            s->top_flags[i].count = c->values[i].count;
            if (!s->top_flags[i].value) {
                err = nomem(st);
                goto fail;
            }
            s->ntop = i + 1;
        }
    }

    err = correlation(st, &q, s, opts, &b);
    if (err == MQTTIDS_OK)
        err = iqr_outliers(st, &q, s, opts, &b);
    if (err != MQTTIDS_OK)
        goto fail;
    res = store__exec(st, "COMMIT", PGRES_COMMAND_OK, "COMMIT");
    PQclear(res);
    util__buf_free(&b);
    store__qname_free(&q);
    *out = s;
    return MQTTIDS_OK;
fail:
    util__buf_free(&b);
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
