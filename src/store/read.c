/*
 * read.c: records table -> dataset, by COPY (SELECT ...) TO STDOUT in binary format.
 *
 * The SELECT converts on the server (HEX/TEXT columns ::text, the other features
 * ::float8, target ::text, train_flag ::int), so tables with the study's own types
 * (e.g. Spark's) read the same as ours. Without keep_payload, mqtt_msg is reduced on
 * the server to '0'/'1' (zero or not), which is all the dataset keeps of it, and saves
 * moving the payload bytes. Each row goes through dataset__validate like a CSV row.
 * Columns that are not features, target, train_flag or row_id are ignored.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "dataset/dataset_int.h"
#include "store/store_int.h"
#include "util/util_int.h"

#if MQTTIDS_WITH_PG

enum { SEL_TARGET = MQTTIDS_NFEAT, SEL_TRAIN_FLAG, SEL_ROW_ID, SEL_N };

typedef struct colsel {
    char *attname[SEL_N];       /* owned: the table's column for each role, NULL if absent */
} colsel;

static void colsel_free(colsel *c)
{
    for (int k = 0; k < SEL_N; k++)
        free(c->attname[k]);
}

/* Finds the table's columns. NOT_FOUND when the relation does not exist. */
static mqttids_err find_columns(mqttids_store *st, const store_qname *q, colsel *cs)
{
    const char *vals[1] = {q->sql};
    PGresult *res = PQexecParams(st->conn,
        "SELECT attname FROM pg_catalog.pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 "
        "AND NOT attisdropped ORDER BY attnum", 1, NULL, vals, NULL, NULL, 0);
    memset(cs, 0, sizeof *cs);
    if (!res || PQresultStatus(res) != PGRES_TUPLES_OK) {
        const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
        int missing = state && (strcmp(state, "42P01") == 0 || strcmp(state, "3F000") == 0);
        mqttids_err e = store__pq_fail(st, res, q->shown);
        PQclear(res);
        return missing ? MQTTIDS_ERR_NOT_FOUND : e;
    }
    for (int r = 0; r < PQntuples(res); r++) {
        const char *n = PQgetvalue(res, r, 0);
        int role = mqttids_feat_find(n, strlen(n));
        if (role < 0) {
            if (strcasecmp(n, "target") == 0)
                role = SEL_TARGET;
            else if (strcasecmp(n, "train_flag") == 0)
                role = SEL_TRAIN_FLAG;
            else if (strcasecmp(n, "row_id") == 0)
                role = SEL_ROW_ID;
        }
        if (role < 0 || cs->attname[role])
            continue;
        cs->attname[role] = strdup(n);
        if (!cs->attname[role]) {
            PQclear(res);
            colsel_free(cs);
            return store__fail(st, MQTTIDS_ERR_NOMEM, "out of memory");
        }
    }
    PQclear(res);
    for (int f = 0; f < MQTTIDS_NFEAT; f++) {
        if (!cs->attname[f]) {
            char col[64];
            store__col_name(f, col, sizeof col);
            colsel_free(cs);
            return store__fail(st, MQTTIDS_ERR_MALFORMED, "%s: no column %s (a records table has the 33 MQTTset "
                               "feature columns)", q->shown, col);
        }
    }
    return MQTTIDS_OK;
}

/* Builds "COPY (SELECT ...) TO STDOUT (FORMAT binary)". Caller frees. */
static char *select_sql(mqttids_store *st, const store_qname *q, const colsel *cs, int keep_payload,
                        int *nsel /* OUT */)
{
    size_t cap = 8192 + strlen(q->sql), o = 0;
    char *sql = malloc(cap);
    int n = 0;
    if (!sql) {
        store__fail(st, MQTTIDS_ERR_NOMEM, "out of memory");
        return NULL;
    }
    o += (size_t)snprintf(sql + o, cap - o, "COPY (SELECT ");
    for (int k = 0; k < SEL_N; k++) {
        char *id;
        const char *fmt;
        if (!cs->attname[k])
            continue;
        id = store__ident(st, cs->attname[k]);
        if (!id) {
            free(sql);
            return NULL;
        }
        if (k == MQTTIDS_F_MSG && !keep_payload)
            fmt = "CASE WHEN %s IS NULL THEN NULL WHEN %s::text IN ('', '0', '0.0') THEN '0' ELSE '1' END";
        else if (k < MQTTIDS_NFEAT && mqttids_feat_kind(k) != MQTTIDS_KIND_NUM)
            fmt = "%s::text";
        else if (k < MQTTIDS_NFEAT)
            fmt = "%s::float8";
        else if (k == SEL_TARGET)
            fmt = "%s::text";
        else if (k == SEL_TRAIN_FLAG)
            fmt = "%s::int4";
        else
            fmt = "%s::int8";
        if (o + 2 * strlen(id) + 128 >= cap) {
            char *nb = realloc(sql, cap * 2 + 2 * strlen(id));
            if (!nb) {
                PQfreemem(id);
                free(sql);
                store__fail(st, MQTTIDS_ERR_NOMEM, "out of memory");
                return NULL;
            }
            sql = nb;
            cap = cap * 2 + 2 * strlen(id);
        }
        if (n)
            o += (size_t)snprintf(sql + o, cap - o, ", ");
        o += (size_t)snprintf(sql + o, cap - o, fmt, id, id);
        PQfreemem(id);
        n++;
    }
    if (o + strlen(q->sql) + 128 >= cap) {
        char *nb = realloc(sql, o + strlen(q->sql) + 256);
        if (!nb) {
            free(sql);
            store__fail(st, MQTTIDS_ERR_NOMEM, "out of memory");
            return NULL;
        }
        sql = nb;
        cap = o + strlen(q->sql) + 256;
    }
    o += (size_t)snprintf(sql + o, cap - o, " FROM %s", q->sql);
    if (cs->attname[SEL_ROW_ID])
        o += (size_t)snprintf(sql + o, cap - o, " ORDER BY %d", n);
    snprintf(sql + o, cap - o, ") TO STDOUT WITH (FORMAT binary)");
    *nsel = n;
    return sql;
}

/* Gives up on a running COPY TO: asks the server to cancel, then drains. */
static void cancel_copy(mqttids_store *st)
{
    PGcancel *c = PQgetCancel(st->conn);
    char buf[256];
    char *data;
    PGresult *res;
    if (c) {
        PQcancel(c, buf, sizeof buf);
        PQfreeCancel(c);
    }
    for (;;) {
        int n = PQgetCopyData(st->conn, &data, 0);
        if (n < 0)
            break;
        PQfreemem(data);
    }
    while ((res = store__next_result(st)) != NULL)
        PQclear(res);
}

/* Skips the COPY header (first message only) and reads the row's field count into *nf. */
static mqttids_err row_start(mqttids_store *st, const char *shown, util_rd *r, int *header_done, uint16_t *nf)
{
    if (!*header_done) {
        uint32_t ext;
        if (r->len < 19 || memcmp(r->p, "PGCOPY\n\377\r\n\0", 11) != 0 ||
            (ext = store__be32(r->p + 15)) > r->len - 19)
            return store__fail(st, MQTTIDS_ERR_MALFORMED, "%s: not a binary COPY stream", shown);
        r->off = 19 + (size_t)ext;
        *header_done = 1;
    }
    if (r->len - r->off < 2)
        return store__fail(st, MQTTIDS_ERR_MALFORMED, "%s: truncated COPY row", shown);
    *nf = (uint16_t)(r->p[r->off] << 8 | r->p[r->off + 1]);
    r->off += 2;
    return MQTTIDS_OK;
}

/* Decodes the fields of one binary COPY row (r past the field count) into rec, *split and
   *row_id. A broken stream is an error; a field that breaks a rule sets *bad_col (a SEL_
   index) and *why for the first such field and the row is rejected by the caller. */
static mqttids_err decode_row(mqttids_store *st, const char *shown, util_rd *r, const int *pos,
                              const mqttids_read_opts *opts, uint64_t rowno, mqttids_record *rec,
                              mqttids_split *split, int64_t *row_id, int *bad_col, const char **why,
                              char *whybuf, size_t whylen)
{
    mqttids_record_clear(rec);
    for (int k = 0; k < SEL_N; k++) {
        const char *s;
        int32_t flen;
        if (pos[k] < 0)
            continue;
        if (r->len - r->off < 4)
            return store__fail(st, MQTTIDS_ERR_MALFORMED, "%s: truncated COPY row %llu", shown,
                               (unsigned long long)rowno);
        flen = (int32_t)store__be32(r->p + r->off);
        r->off += 4;
        if (flen >= 0 && (size_t)flen > r->len - r->off)
            return store__fail(st, MQTTIDS_ERR_MALFORMED, "%s: truncated COPY row %llu", shown,
                               (unsigned long long)rowno);
        s = (const char *)r->p + r->off;
        if (flen > 0)
            r->off += (size_t)flen;
        if (k == SEL_ROW_ID) {
            if (flen == 8)
                *row_id = (int64_t)store__be64((const unsigned char *)s);
            continue;
        }
        if (k == SEL_TARGET) {
            if (flen < 0)
                continue; /* unlabeled */
            rec->label = mqttids_class_find(s, (size_t)flen);
            if (rec->label < 0 && *bad_col < 0) {
                snprintf(whybuf, whylen,
                         "unknown class '%.*s' (known: legitimate, dos, bruteforce, malformed, slowite, flood)",
                         flen > 40 ? 40 : flen, s);
                *why = whybuf;
                *bad_col = k;
            }
            continue;
        }
        if (k == SEL_TRAIN_FLAG) {
            if (opts->split != MQTTIDS_SPLIT_NONE || flen < 0)
                continue;
            if (flen == 4 && store__be32((const unsigned char *)s) == 1)
                *split = MQTTIDS_SPLIT_TRAIN;
            else if (flen == 4 && store__be32((const unsigned char *)s) == 0)
                *split = MQTTIDS_SPLIT_TEST;
            else if (*bad_col < 0) {
                *why = "train_flag must be 1 (train) or 0 (test)";
                *bad_col = k;
            }
            continue;
        }
        if (flen < 0) {
            if (*bad_col < 0) {
                *why = "NULL (MQTTset data writes missing values as 0)";
                *bad_col = k;
            }
            continue;
        }
        switch (mqttids_feat_kind(k)) {
        case MQTTIDS_KIND_NUM:
            if (flen != 8)
                return store__fail(st, MQTTIDS_ERR_MALFORMED, "%s: row %llu: bad float8 field", shown,
                                   (unsigned long long)rowno);
            {
                uint64_t u = store__be64((const unsigned char *)s);
                memcpy(&rec->num[k], &u, 8);
            }
            if (!isfinite(rec->num[k]) && *bad_col < 0) {
                *why = "not a finite number";
                *bad_col = k;
            }
            break;
        case MQTTIDS_KIND_HEX: {
            int zero_hex;
            /* the CSV reader's rule for the text (one validator for every source) */
            if (dataset__parse_field(k, s, (size_t)flen, &rec->num[k], &zero_hex, whybuf, whylen)) {
                rec->str[k] = zero_hex ? "0" : s;
                rec->str_len[k] = zero_hex ? 1 : (uint32_t)flen;
            } else if (*bad_col < 0) {
                *why = whybuf;
                *bad_col = k;
            }
            break;
        }
        default:
            rec->str[k] = s;
            rec->str_len[k] = (uint32_t)flen;
            rec->num[k] = dataset__text_num(s, (size_t)flen);
        }
    }
    if (*bad_col < 0) {
        int badf = dataset__validate(rec, whybuf, whylen);
        if (badf >= 0) {
            *why = whybuf;
            *bad_col = badf;
        }
    }
    return MQTTIDS_OK;
}

/* A row that breaks a rule: fails the read (on_error fail) or is noted in the reject file. */
static mqttids_err reject_row(mqttids_store *st, const char *shown, const mqttids_read_opts *opts,
                              mqttids_read_report *rep, uint64_t rowno, int64_t row_id, int bad_col,
                              const char *why)
{
    char col[64], rowtxt[48];
    if (bad_col < MQTTIDS_NFEAT)
        store__col_name(bad_col, col, sizeof col);
    else
        snprintf(col, sizeof col, "%s", bad_col == SEL_TARGET ? "target" : "train_flag");
    if (row_id >= 0)
        snprintf(rowtxt, sizeof rowtxt, "row_id %lld", (long long)row_id);
    else
        snprintf(rowtxt, sizeof rowtxt, "row %llu", (unsigned long long)rowno);
    if (opts->on_error == MQTTIDS_ON_ERROR_FAIL)
        return store__fail(st, MQTTIDS_ERR_MALFORMED, "%s: %s (%s): %s", shown, rowtxt, col, why);
    if (opts->reject)
        fprintf(opts->reject, "# %s:%s (%s): %s\n", shown, rowtxt, col, why);
    rep->rows_rejected++;
    return MQTTIDS_OK;
}

mqttids_err mqttids_store_read(mqttids_store *st, const char *table, mqttids_dataset *ds, const mqttids_read_opts *opts,
                               mqttids_read_report *rep)
{
    mqttids_read_opts defaults;
    mqttids_read_report local;
    store_qname q;
    colsel cs;
    char *sql = NULL;
    int nsel = 0, pos[SEL_N], in_copy = 0, header_done = 0;
    size_t start_rows = mqttids_dataset_nrows(ds);
    uint64_t rowno = 0;
    mqttids_err err;
    PGresult *res;

    dataset__read_begin(&opts, &defaults, &rep, &local);
    if (st->busy)
        return store__fail(st, MQTTIDS_ERR_INVALID, "the connection is busy with a load or sink");
    err = store__qname_parse(st, table, &q);
    if (err != MQTTIDS_OK)
        return err;
    err = find_columns(st, &q, &cs);
    if (err != MQTTIDS_OK) {
        store__qname_free(&q);
        return err;
    }
    if (opts->require_label && !cs.attname[SEL_TARGET]) {
        err = store__fail(st, MQTTIDS_ERR_MALFORMED, "%s: no target column (labels are needed here)", q.shown);
        goto out;
    }
    rep->has_label = cs.attname[SEL_TARGET] != NULL;
    if (opts->keep_payload)
        dataset__set_keep_payload(ds, 1);
    {
        int n = 0;
        for (int k = 0; k < SEL_N; k++)
            pos[k] = cs.attname[k] ? n++ : -1;
    }
    sql = select_sql(st, &q, &cs, opts->keep_payload, &nsel);
    if (!sql) {
        err = MQTTIDS_ERR_NOMEM;
        goto out;
    }
    res = PQexec(st->conn, sql);
    if (!res || PQresultStatus(res) != PGRES_COPY_OUT) {
        err = store__pq_fail(st, res, q.shown);
        PQclear(res);
        goto out;
    }
    PQclear(res);
    in_copy = 1;

    for (;;) {
        char *data = NULL;
        int len = PQgetCopyData(st->conn, &data, 0);
        util_rd r;
        mqttids_record rec;
        uint16_t nf = 0;
        int bad_col = -1;
        const char *why = NULL;
        char whybuf[200];
        mqttids_split split = opts->split;
        int64_t row_id = -1;

        if (len == -1)
            break;
        if (len < 0) {
            err = store__pq_fail(st, NULL, q.shown);
            in_copy = 0;
            goto out_undo;
        }
        rep->bytes += (uint64_t)len;
        util__rd_init(&r, data, (size_t)len);
        if ((err = row_start(st, q.shown, &r, &header_done, &nf)) != MQTTIDS_OK) {
            PQfreemem(data);
            goto out_cancel;
        }
        if (nf == 0xffff) { /* trailer */
            PQfreemem(data);
            continue;
        }
        rowno++;
        rep->rows_read++;
        if (nf != (uint16_t)nsel) {
            PQfreemem(data);
            err = store__fail(st, MQTTIDS_ERR_MALFORMED, "%s: row %llu has %u fields, %d expected", q.shown,
                              (unsigned long long)rowno, nf, nsel);
            goto out_cancel;
        }
        err = decode_row(st, q.shown, &r, pos, opts, rowno, &rec, &split, &row_id, &bad_col, &why, whybuf,
                         sizeof whybuf);
        if (err == MQTTIDS_OK && bad_col >= 0)
            err = reject_row(st, q.shown, opts, rep, rowno, row_id, bad_col, why);
        if (err != MQTTIDS_OK || bad_col >= 0) {
            PQfreemem(data);
            if (err != MQTTIDS_OK)
                goto out_cancel;
            continue;
        }
        if (mqttids_dataset_append(ds, &rec, split, NULL) != MQTTIDS_OK) {
            PQfreemem(data);
            err = store__fail(st, MQTTIDS_ERR_NOMEM, "%s: out of memory after %llu rows", q.shown,
                              (unsigned long long)rowno);
            goto out_cancel;
        }
        PQfreemem(data);
        if (rec.num[MQTTIDS_F_TCP_TIME_DELTA] < 0)
            rep->negative_deltas++;
        rep->rows_kept++;
        if (opts->max_rows && rep->rows_kept >= opts->max_rows)
            goto out_cancel_ok;
        if (opts->progress && (rep->rows_read & 0xffff) == 0 &&
            opts->progress("read", rep->rows_read, 0, opts->progress_user)) {
            err = store__fail(st, MQTTIDS_ERR_INTERRUPTED, "%s: interrupted", q.shown);
            goto out_cancel;
        }
    }
    in_copy = 0;
    while ((res = store__next_result(st)) != NULL) {
        if (err == MQTTIDS_OK && PQresultStatus(res) != PGRES_COMMAND_OK)
            err = store__pq_fail(st, res, q.shown);
        PQclear(res);
    }
    if (err != MQTTIDS_OK)
        goto out_undo;
    goto out;

out_cancel_ok:
    cancel_copy(st);
    err = MQTTIDS_OK;
    goto out;
out_cancel:
    if (in_copy)
        cancel_copy(st);
out_undo:
    mqttids_dataset_truncate(ds, start_rows);
    rep->rows_kept = 0;
out:
    free(sql);
    colsel_free(&cs);
    store__qname_free(&q);
    return err;
}

#else

mqttids_err mqttids_store_read(mqttids_store *st, const char *table, mqttids_dataset *ds, const mqttids_read_opts *o,
                               mqttids_read_report *rep)
{
    (void)st, (void)table, (void)ds, (void)o, (void)rep;
    return MQTTIDS_ERR_UNSUPPORTED;
}

#endif
