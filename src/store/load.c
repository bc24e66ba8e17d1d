/*
 * load.c: dataset -> records table, by binary COPY in one transaction.
 *
 * REPLACE: CREATE TABLE <schema>.mqttids_load_<pid>_<n> ... ; COPY ... (FREEZE) ;
 * DROP TABLE <old> ; ALTER TABLE ... RENAME ; COMMENT ; COMMIT. The old table is only
 * locked at the swap; any failure before COMMIT leaves it as it was (DDL is
 * transactional in PostgreSQL). APPEND: LOCK the table against other writers, continue
 * row_id after max(row_id), COPY, COMMIT.
 *
 * Layout (records v1, docs/FORMATS.md): the 33 features under their underscore names
 * (HEX/TEXT columns text, tcp_len integer, the rest double precision), target text,
 * train_flag integer, row_id bigint.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "store/store_int.h"
#include "util/util_int.h"

#if MQTTIDS_WITH_PG

struct mqttids_store_loader {
    mqttids_store *st;           /* borrowed; busy while we live */
    store_qname q;               /* the target table */
    char *copy_sql_table;        /* owned: quoted name COPY writes to */
    char tmp[STORE_MAX_IDENT + 1]; /* REPLACE: the fresh table's name */
    int replace, existed, created, with_row_id;
    int64_t next_id;
    util_buf buf;
    store_sender *sender;        /* owned: feeds the COPY while we encode */
    uint64_t sent;
    uint64_t expect;             /* rows the caller will send, for progress (0: unknown) */
    int in_copy;
};

static const char *col_type(int f)
{
    if (mqttids_feat_kind(f) != MQTTIDS_KIND_NUM)
        return "text";
    return f == MQTTIDS_F_TCP_LEN ? "integer" : "double precision";
}

char *store__records_create(const char *name)
{
    size_t cap = 4096 + strlen(name), o = 0;
    char *s = malloc(cap), col[64];
    if (!s)
        return NULL;
    o += (size_t)snprintf(s + o, cap - o, "CREATE TABLE %s (", name);
    for (int f = 0; f < MQTTIDS_NFEAT; f++) {
        store__col_name(f, col, sizeof col);
        o += (size_t)snprintf(s + o, cap - o, "%s %s NOT NULL, ", col, col_type(f));
    }
    snprintf(s + o, cap - o, "target text, train_flag integer, row_id bigint NOT NULL)");
    return s;
}

mqttids_err store__exec_fmt(mqttids_store *st, const char *what, const char *fmt, const char *a, const char *b)
{
    size_t n = strlen(fmt) + strlen(a) + (b ? strlen(b) : 0) + 1;
    char *sql = malloc(n);
    PGresult *res;
    if (!sql)
        return store__fail(st, MQTTIDS_ERR_NOMEM, "out of memory");
    snprintf(sql, n, fmt, a, b ? b : "");
    res = store__exec(st, sql, PGRES_COMMAND_OK, what);
    free(sql);
    if (!res)
        return MQTTIDS_ERR_DB;
    PQclear(res);
    return MQTTIDS_OK;
}

/* The columns of ld's table: rows of (name, type as format_type shows it). NULL: error set. */
static PGresult *table_columns(mqttids_store_loader *ld)
{
    const char *vals[1] = {ld->q.sql};
    return store__exec_params(ld->st,
        "SELECT attname, format_type(atttypid, atttypmod) FROM pg_catalog.pg_attribute "
        "WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped",
        1, vals, PGRES_TUPLES_OK, ld->q.shown);
}

/* The row of column name in table_columns' result, or -1. */
static int find_column(const PGresult *res, const char *name)
{
    for (int r = 0; r < PQntuples(res); r++)
        if (strcmp(PQgetvalue(res, r, 0), name) == 0)
            return r;
    return -1;
}

/*
 * APPEND to an existing table: every column COPY writes must exist with the records
 * type (binary COPY needs exact types). Sets ld->with_row_id.
 */
static mqttids_err check_columns(mqttids_store_loader *ld)
{
    mqttids_store *st = ld->st;
    PGresult *res = table_columns(ld);
    char col[64];
    int r;
    if (!res)
        return MQTTIDS_ERR_DB;
    for (int f = 0; f < MQTTIDS_NFEAT + 2; f++) {
        const char *want_name, *want_type;
        if (f < MQTTIDS_NFEAT) {
            store__col_name(f, col, sizeof col);
            want_name = col;
            want_type = col_type(f);
        } else {
            want_name = f == MQTTIDS_NFEAT ? "target" : "train_flag";
            want_type = f == MQTTIDS_NFEAT ? "text" : "integer";
        }
        r = find_column(res, want_name);
        if (r < 0) {
            mqttids_err e = store__fail(st, MQTTIDS_ERR_INVALID,
                "%s: no column %s, so rows cannot be appended (load with --replace instead)", ld->q.shown, want_name);
            PQclear(res);
            return e;
        }
        if (strcmp(PQgetvalue(res, r, 1), want_type) != 0) {
            mqttids_err e = store__fail(st, MQTTIDS_ERR_INVALID,
                "%s: column %s has type %s, the records layout needs %s (load with --replace instead)",
                ld->q.shown, want_name, PQgetvalue(res, r, 1), want_type);
            PQclear(res);
            return e;
        }
    }
    r = find_column(res, "row_id");
    if (r >= 0)
        ld->with_row_id = strcmp(PQgetvalue(res, r, 1), "bigint") == 0;
    PQclear(res);
    return MQTTIDS_OK;
}

/*
 * REPLACE over a table mqttids did not make: only when it has the 33 feature columns
 * (the study's own table does), so a load never drops an unrelated table.
 */
static mqttids_err check_replaceable(mqttids_store_loader *ld)
{
    PGresult *res = table_columns(ld);
    char col[64];
    if (!res)
        return MQTTIDS_ERR_DB;
    for (int f = 0; f < MQTTIDS_NFEAT; f++) {
        store__col_name(f, col, sizeof col);
        if (find_column(res, col) < 0) {
            PQclear(res);
            return store__fail(ld->st, MQTTIDS_ERR_INVALID,
                               "%s exists and is not a records table (no column %s); not replacing it", ld->q.shown,
                               col);
        }
    }
    PQclear(res);
    return MQTTIDS_OK;
}

static mqttids_err next_row_id(mqttids_store_loader *ld)
{
    size_t n = strlen(ld->q.sql) + 64;
    char *sql = malloc(n);
    PGresult *res;
    if (!sql)
        return store__fail(ld->st, MQTTIDS_ERR_NOMEM, "out of memory");
    snprintf(sql, n, "SELECT coalesce(max(row_id), 0) FROM %s", ld->q.sql);
    res = store__exec(ld->st, sql, PGRES_TUPLES_OK, ld->q.shown);
    free(sql);
    if (!res)
        return MQTTIDS_ERR_DB;
    ld->next_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10) + 1;
    PQclear(res);
    return MQTTIDS_OK;
}

static mqttids_err start_copy(mqttids_store_loader *ld, int freeze)
{
    size_t cap = 2048 + strlen(ld->copy_sql_table), o = 0;
    char *sql = malloc(cap), col[64];
    PGresult *res;
    if (!sql)
        return store__fail(ld->st, MQTTIDS_ERR_NOMEM, "out of memory");
    o += (size_t)snprintf(sql + o, cap - o, "COPY %s (", ld->copy_sql_table);
    for (int f = 0; f < MQTTIDS_NFEAT; f++) {
        store__col_name(f, col, sizeof col);
        o += (size_t)snprintf(sql + o, cap - o, "%s, ", col);
    }
    snprintf(sql + o, cap - o, "target, train_flag%s) FROM STDIN WITH (FORMAT binary%s)",
             ld->with_row_id ? ", row_id" : "", freeze ? ", FREEZE true" : "");
    res = PQexec(ld->st->conn, sql);
    free(sql);
    if (!res || PQresultStatus(res) != PGRES_COPY_IN) {
        store__pq_fail(ld->st, res, "COPY");
        PQclear(res);
        return MQTTIDS_ERR_DB;
    }
    PQclear(res);
    ld->in_copy = 1;
    store__cb_header(&ld->buf);
    return store__sender_start(ld->st, &ld->sender);
}

mqttids_err mqttids_store_load_begin(mqttids_store *st, const char *table, mqttids_store_mode mode,
                                     mqttids_store_loader **out)
{
    static unsigned counter;
    mqttids_store_loader *ld;
    mqttids_err err;
    char relkind = 0, *comment = NULL;
    PGresult *res;

    *out = NULL;
    if (st->busy)
        return store__fail(st, MQTTIDS_ERR_INVALID, "the connection is busy with another load or sink");
    ld = calloc(1, sizeof *ld);
    if (!ld)
        return store__fail(st, MQTTIDS_ERR_NOMEM, "out of memory");
    ld->st = st;
    ld->replace = mode != MQTTIDS_STORE_APPEND;
    ld->with_row_id = 1;
    ld->next_id = 1;
    err = store__qname_parse(st, table, &ld->q);
    if (err != MQTTIDS_OK) {
        free(ld);
        return err;
    }
    res = store__exec(st, "BEGIN", PGRES_COMMAND_OK, "BEGIN");
    if (!res) {
        store__qname_free(&ld->q);
        free(ld);
        return MQTTIDS_ERR_DB;
    }
    PQclear(res);
    st->busy = 1;

    err = store__lookup(st, &ld->q, &ld->existed, &relkind, &comment);
    if (err != MQTTIDS_OK)
        goto fail;
    if (ld->existed && relkind != 'r' && relkind != 'p') {
        err = store__fail(st, MQTTIDS_ERR_INVALID, "%s exists and is not a table (relkind '%c')", ld->q.shown,
                          relkind);
        goto fail;
    }
    if (ld->existed) {
        err = store__check_version(st, &ld->q, comment, "records", MQTTIDS_STORE_RECORDS_VERSION);
        if (err == MQTTIDS_OK && ld->replace && (!comment || strncmp(comment, "mqttids records ", 16) != 0))
            err = check_replaceable(ld);
        if (err != MQTTIDS_OK)
            goto fail;
    }
    err = store__ensure_schema(st, &ld->q);
    if (err != MQTTIDS_OK)
        goto fail;

    if (ld->replace || !ld->existed) {
        char *name, *sql;
        if (ld->replace) {
            char *qs = store__ident(st, ld->q.schema), *qt;
            long usec = (long)((uint64_t)(util__wall_s() * 1e6) % 1000000);
            /* unique enough across hosts; a clash only makes CREATE TABLE wait or fail */
            snprintf(ld->tmp, sizeof ld->tmp, "mqttids_load_%ld_%ld_%u", (long)getpid(), usec, counter++);
            qt = qs ? store__ident(st, ld->tmp) : NULL;
            if (!qt) {
                PQfreemem(qs);
                err = MQTTIDS_ERR_DB;
                goto fail;
            }
            name = malloc(strlen(qs) + strlen(qt) + 2);
            if (name)
                snprintf(name, strlen(qs) + strlen(qt) + 2, "%s.%s", qs, qt);
            PQfreemem(qs);
            PQfreemem(qt);
        } else {
            name = strdup(ld->q.sql);
        }
        if (!name) {
            err = store__fail(st, MQTTIDS_ERR_NOMEM, "out of memory");
            goto fail;
        }
        ld->copy_sql_table = name;
        sql = store__records_create(name);
        if (!sql) {
            err = store__fail(st, MQTTIDS_ERR_NOMEM, "out of memory");
            goto fail;
        }
        res = store__exec(st, sql, PGRES_COMMAND_OK, "create table");
        free(sql);
        if (!res) {
            err = MQTTIDS_ERR_DB;
            goto fail;
        }
        PQclear(res);
        ld->created = 1;
        err = start_copy(ld, 1);
    } else {
        ld->copy_sql_table = strdup(ld->q.sql);
        if (!ld->copy_sql_table) {
            err = store__fail(st, MQTTIDS_ERR_NOMEM, "out of memory");
            goto fail;
        }
        err = store__exec_fmt(st, "lock table", "LOCK TABLE %s IN SHARE ROW EXCLUSIVE MODE%s", ld->q.sql, NULL);
        if (err == MQTTIDS_OK)
            err = check_columns(ld);
        if (err == MQTTIDS_OK && ld->with_row_id)
            err = next_row_id(ld);
        if (err == MQTTIDS_OK)
            err = start_copy(ld, 0);
    }
    if (err != MQTTIDS_OK)
        goto fail;
    free(comment);
    *out = ld;
    return MQTTIDS_OK;
fail:
    free(comment);
    mqttids_store_load_abort(ld);
    return err;
}

mqttids_err mqttids_store_load_rows(mqttids_store_loader *ld, const mqttids_dataset *ds, size_t first, size_t n,
                                    mqttids_progress_fn progress, void *user)
{
    mqttids_store *st = ld->st;
    const double *num[MQTTIDS_NFEAT];
    const uint32_t *codes[MQTTIDS_NFEAT];
    const char **strs[MQTTIDS_NFEAT];
    uint32_t *lens[MQTTIDS_NFEAT];
    const int8_t *labels = mqttids_dataset_labels(ds);
    const uint8_t *splits = mqttids_dataset_splits(ds);
    size_t cls_len[MQTTIDS_NCLASS];
    int16_t nfields = (int16_t)(MQTTIDS_NFEAT + 2 + (ld->with_row_id ? 1 : 0));
    mqttids_err err = MQTTIDS_OK;

    if (!ld->in_copy)
        return store__fail(st, MQTTIDS_ERR_INVALID, "load: not in a COPY (an earlier error ended it)");
    if (first > mqttids_dataset_nrows(ds) || n > mqttids_dataset_nrows(ds) - first)
        return store__fail(st, MQTTIDS_ERR_INVALID, "load: rows %zu..%zu out of range", first, first + n);
    memset(strs, 0, sizeof strs);
    memset(lens, 0, sizeof lens);
    for (int c = 0; c < MQTTIDS_NCLASS; c++)
        cls_len[c] = strlen(mqttids_class_name(c));
    for (int f = 0; f < MQTTIDS_NFEAT; f++) {
        num[f] = mqttids_dataset_col_num(ds, (size_t)f);
        codes[f] = NULL;
        if (mqttids_feat_kind(f) == MQTTIDS_KIND_NUM)
            continue;
        codes[f] = mqttids_dataset_col_codes(ds, (size_t)f);
        if (!codes[f]) {
            err = store__fail(st, MQTTIDS_ERR_INVALID,
                              "load: the dataset has no %s text (read it with keep_payload)", mqttids_feat_name(f));
            goto out;
        }
        {
            size_t nd = mqttids_dataset_dict_size(ds, (size_t)f);
            strs[f] = malloc((nd ? nd : 1) * sizeof *strs[f]);
            lens[f] = malloc((nd ? nd : 1) * sizeof *lens[f]);
            if (!strs[f] || !lens[f]) {
                err = store__fail(st, MQTTIDS_ERR_NOMEM, "out of memory");
                goto out;
            }
            for (size_t k = 0; k < nd; k++) {
                strs[f][k] = mqttids_dataset_dict_str(ds, (size_t)f, (uint32_t)k);
                lens[f][k] = (uint32_t)strlen(strs[f][k]);
            }
        }
    }
    for (size_t i = first; i < first + n; i++) {
        store__cb_i16(&ld->buf, nfields);
        for (int f = 0; f < MQTTIDS_NFEAT; f++) {
            if (codes[f]) {
                uint32_t c = codes[f][i];
                store__cb_text(&ld->buf, strs[f][c], lens[f][c]);
            } else if (f == MQTTIDS_F_TCP_LEN) {
                double v = num[f][i];
                if (!(v >= -2147483648.0 && v <= 2147483647.0) || v != floor(v)) {
                    err = store__fail(st, MQTTIDS_ERR_INVALID, "load: row %zu: tcp.len %g is not a 32-bit integer",
                                      i + 1, v);
                    goto out;
                }
                store__cb_int4(&ld->buf, (int32_t)v);
            } else {
                store__cb_f64(&ld->buf, num[f][i]);
            }
        }
        if (labels[i] >= 0 && labels[i] < MQTTIDS_NCLASS)
            store__cb_text(&ld->buf, mqttids_class_name(labels[i]), cls_len[labels[i]]);
        else
            store__cb_null(&ld->buf);
        if (splits[i] == MQTTIDS_SPLIT_TRAIN || splits[i] == MQTTIDS_SPLIT_TEST)
            store__cb_int4(&ld->buf, splits[i] == MQTTIDS_SPLIT_TRAIN ? 1 : 0);
        else
            store__cb_null(&ld->buf);
        if (ld->with_row_id)
            store__cb_int8(&ld->buf, ld->next_id++);
        ld->sent++;
        if (ld->buf.len >= STORE_COPY_CHUNK || ld->buf.failed) {
            err = store__sender_push(ld->sender, &ld->buf);
            if (err != MQTTIDS_OK)
                goto out;
        }
        if (progress && (ld->sent & 0xffff) == 0 && progress("load", ld->sent, ld->expect, user)) {
            err = store__fail(st, MQTTIDS_ERR_INTERRUPTED, "load: interrupted");
            goto out;
        }
    }
    if (ld->buf.failed)
        err = store__sender_push(ld->sender, &ld->buf);
out:
    for (int f = 0; f < MQTTIDS_NFEAT; f++) {
        free(strs[f]);
        free(lens[f]);
    }
    return err;
}

/* COMMIT, checking that it committed (an aborted transaction answers COMMIT with ROLLBACK). */
static mqttids_err commit(mqttids_store *st, const char *what)
{
    PGresult *res = store__exec(st, "COMMIT", PGRES_COMMAND_OK, what);
    if (!res)
        return MQTTIDS_ERR_DB;
    if (strcmp(PQcmdStatus(res), "COMMIT") != 0) {
        PQclear(res);
        return store__fail(st, MQTTIDS_ERR_DB, "%s: the transaction was rolled back", what);
    }
    PQclear(res);
    return MQTTIDS_OK;
}

mqttids_err mqttids_store_load_commit(mqttids_store_loader *ld, uint64_t *rows)
{
    mqttids_store *st = ld->st;
    mqttids_err err;
    uint64_t copied = 0;
    char comment[80];

    if (!ld->in_copy) {
        err = store__fail(st, MQTTIDS_ERR_INVALID, "load: not in a COPY (an earlier error ended it)");
        goto fail;
    }
    store__cb_i16(&ld->buf, -1);
    err = store__sender_push(ld->sender, &ld->buf);
    {
        mqttids_err e2 = store__sender_finish(ld->sender);
        ld->sender = NULL;
        if (err == MQTTIDS_OK)
            err = e2;
    }
    if (err != MQTTIDS_OK)
        goto fail;
    ld->in_copy = 0;
    err = store__copy_end(st, NULL, &copied);
    if (err != MQTTIDS_OK)
        goto fail;
    if (ld->replace) {
        char *qt = store__ident(st, ld->q.table);
        if (!qt) {
            err = MQTTIDS_ERR_DB;
            goto fail;
        }
        if (ld->existed)
            err = store__exec_fmt(st, "drop the old table", "DROP TABLE %s%s", ld->q.sql, NULL);
        if (err == MQTTIDS_OK)
            err = store__exec_fmt(st, "rename the new table", "ALTER TABLE %s RENAME TO %s", ld->copy_sql_table, qt);
        PQfreemem(qt);
        if (err != MQTTIDS_OK)
            goto fail;
    }
    if (ld->created) {
        /* a constant of ours, so it can be spelled as a literal */
        snprintf(comment, sizeof comment, "COMMENT ON TABLE %%s IS 'mqttids records v%d'%%s",
                 MQTTIDS_STORE_RECORDS_VERSION);
        err = store__exec_fmt(st, "comment on table", comment, ld->q.sql, NULL);
        if (err != MQTTIDS_OK)
            goto fail;
    }
    err = commit(st, "COMMIT");
    if (err != MQTTIDS_OK)
        goto fail;
    if (rows)
        *rows = copied;
    st->busy = 0;
    util__buf_free(&ld->buf);
    store__qname_free(&ld->q);
    free(ld->copy_sql_table);
    free(ld);
    return MQTTIDS_OK;
fail:
    mqttids_store_load_abort(ld);
    return err;
}

void mqttids_store_load_abort(mqttids_store_loader *ld)
{
    char keep[MQTTIDS_ERRBUF_SIZE];
    if (!ld)
        return;
    /* keep the first error: the rollback's own failure would only repeat it */
    memcpy(keep, ld->st->errmsg, sizeof keep);
    store__sender_finish(ld->sender);
    ld->sender = NULL;
    if (ld->in_copy)
        store__copy_end(ld->st, "load aborted by mqttids", NULL);
    store__rollback(ld->st);
    memcpy(ld->st->errmsg, keep, sizeof keep);
    ld->st->busy = 0;
    util__buf_free(&ld->buf);
    store__qname_free(&ld->q);
    free(ld->copy_sql_table);
    free(ld);
}

mqttids_err mqttids_store_load(mqttids_store *st, const char *table, const mqttids_dataset *ds,
                               mqttids_store_mode mode, mqttids_progress_fn progress, void *user, uint64_t *rows)
{
    mqttids_store_loader *ld;
    mqttids_err err = mqttids_store_load_begin(st, table, mode, &ld);
    if (err != MQTTIDS_OK)
        return err;
    ld->expect = mqttids_dataset_nrows(ds);
    err = mqttids_store_load_rows(ld, ds, 0, mqttids_dataset_nrows(ds), progress, user);
    if (err != MQTTIDS_OK) {
        mqttids_store_load_abort(ld);
        return err;
    }
    return mqttids_store_load_commit(ld, rows);
}

#else

mqttids_err mqttids_store_load_begin(mqttids_store *st, const char *table, mqttids_store_mode mode,
                                     mqttids_store_loader **out)
{
    (void)st;
    (void)table;
    (void)mode;
    *out = NULL;
    return MQTTIDS_ERR_UNSUPPORTED;
}
mqttids_err mqttids_store_load_rows(mqttids_store_loader *ld, const mqttids_dataset *ds, size_t first, size_t n,
                                    mqttids_progress_fn progress, void *user)
{
    (void)ld, (void)ds, (void)first, (void)n, (void)progress, (void)user;
    return MQTTIDS_ERR_UNSUPPORTED;
}
mqttids_err mqttids_store_load_commit(mqttids_store_loader *ld, uint64_t *rows)
{
    (void)ld, (void)rows;
    return MQTTIDS_ERR_UNSUPPORTED;
}
void mqttids_store_load_abort(mqttids_store_loader *ld)
{
    (void)ld;
}
mqttids_err mqttids_store_load(mqttids_store *st, const char *table, const mqttids_dataset *ds,
                               mqttids_store_mode mode, mqttids_progress_fn progress, void *user, uint64_t *rows)
{
    (void)st, (void)table, (void)ds, (void)mode, (void)progress, (void)user, (void)rows;
    return MQTTIDS_ERR_UNSUPPORTED;
}

#endif
