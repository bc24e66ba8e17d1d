/*
 * sink.c: predictions and alerts -> a table (layout predictions v1, docs/FORMATS.md),
 * by binary COPY. Used by predict (one transaction), and by watch and the Kafka detector
 * (a commit per flush).
 *
 * A COPY is opened at the first put after a flush and ended at the next flush, so rows
 * become visible exactly at flush (or, with MQTTIDS_SINK_ONE_TRANSACTION, at close).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store/store_int.h"
#include "util/util_int.h"

#if MQTTIDS_WITH_PG

/* Seconds from 1970-01-01 to 2000-01-01 (PostgreSQL's timestamp epoch). */
#define PG_EPOCH_OFFSET 946684800.0

struct mqttids_store_sink {
    mqttids_store *st;         /* borrowed; busy while we live */
    store_qname q;
    char *model_id;            /* owned */
    size_t model_len;
    int flags;
    int in_copy, in_tx;
    util_buf buf;
    uint64_t rows;             /* committed or sent */
};

static mqttids_err commit(mqttids_store *st)
{
    PGresult *res = store__exec(st, "COMMIT", PGRES_COMMAND_OK, "COMMIT");
    if (!res)
        return MQTTIDS_ERR_DB;
    if (strcmp(PQcmdStatus(res), "COMMIT") != 0) {
        PQclear(res);
        return store__fail(st, MQTTIDS_ERR_DB, "COMMIT: the transaction was rolled back");
    }
    PQclear(res);
    return MQTTIDS_OK;
}

/* Creates the table (and schema) if missing; checks the layout version if present. */
static mqttids_err prepare_table(mqttids_store_sink *s)
{
    mqttids_store *st = s->st;
    int exists = 0;
    char relkind = 0, *comment = NULL;
    mqttids_err err = store__lookup(st, &s->q, &exists, &relkind, &comment);
    if (err != MQTTIDS_OK)
        return err;
    if (exists) {
        if (relkind != 'r' && relkind != 'p')
            err = store__fail(st, MQTTIDS_ERR_INVALID, "%s exists and is not a table", s->q.shown);
        else
            err = store__check_version(st, &s->q, comment, "predictions", MQTTIDS_STORE_PREDICTIONS_VERSION);
        free(comment);
        return err;
    }
    err = store__ensure_schema(st, &s->q);
    if (err == MQTTIDS_OK)
        err = store__exec_fmt(st, "create predictions table", "CREATE TABLE IF NOT EXISTS %s " STORE_PRED_COLUMNS,
                              s->q.sql, NULL);
    if (err == MQTTIDS_OK) {
        char fmt[96];
        snprintf(fmt, sizeof fmt, "COMMENT ON TABLE %%s IS 'mqttids predictions v%d'",
                 MQTTIDS_STORE_PREDICTIONS_VERSION);
        err = store__exec_fmt(st, "comment on table", fmt, s->q.sql, NULL);
    }
    return err;
}

mqttids_err mqttids_store_sink_open(mqttids_store *st, const char *table, const char *model_id, int flags,
                                    mqttids_store_sink **out)
{
    mqttids_store_sink *s;
    mqttids_err err;
    PGresult *res;

    *out = NULL;
    if (st->busy)
        return store__fail(st, MQTTIDS_ERR_INVALID, "the connection is busy with a load or sink");
    if (!model_id)
        model_id = "";
    s = calloc(1, sizeof *s);
    if (!s || !(s->model_id = strdup(model_id))) {
        free(s);
        return store__fail(st, MQTTIDS_ERR_NOMEM, "out of memory");
    }
    s->model_len = strlen(model_id);
    s->st = st;
    s->flags = flags;
    err = store__qname_parse(st, table, &s->q);
    if (err != MQTTIDS_OK) {
        free(s->model_id);
        free(s);
        return err;
    }
    st->busy = 1;
    res = store__exec(st, "BEGIN", PGRES_COMMAND_OK, "BEGIN");
    if (!res) {
        err = MQTTIDS_ERR_DB;
        goto fail;
    }
    PQclear(res);
    s->in_tx = 1;
    err = prepare_table(s);
    if (err != MQTTIDS_OK)
        goto fail;
    if (!(flags & MQTTIDS_SINK_ONE_TRANSACTION)) {
        err = commit(st);
        s->in_tx = 0;
        if (err != MQTTIDS_OK)
            goto fail;
    }
    *out = s;
    return MQTTIDS_OK;
fail:
    mqttids_store_sink_abort(s);
    return err;
}

static mqttids_err start_copy(mqttids_store_sink *s)
{
    mqttids_store *st = s->st;
    size_t n = strlen(s->q.sql) + 160;
    char *sql = malloc(n);
    PGresult *res;
    if (!sql)
        return store__fail(st, MQTTIDS_ERR_NOMEM, "out of memory");
    snprintf(sql, n, "COPY %s (model_id, row_id, ts, class, class_index, probability, detail) "
                     "FROM STDIN WITH (FORMAT binary)", s->q.sql);
    res = PQexec(st->conn, sql);
    free(sql);
    if (!res || PQresultStatus(res) != PGRES_COPY_IN) {
        store__pq_fail(st, res, s->q.shown);
        PQclear(res);
        return MQTTIDS_ERR_DB;
    }
    PQclear(res);
    s->in_copy = 1;
    store__cb_header(&s->buf);
    return MQTTIDS_OK;
}

mqttids_err mqttids_store_sink_put(mqttids_store_sink *s, const mqttids_prediction *p)
{
    mqttids_store *st = s->st;
    const char *cname = mqttids_class_name(p->cls);
    if (!cname)
        return store__fail(st, MQTTIDS_ERR_INVALID, "prediction: class %d out of range", p->cls);
    if (!s->in_copy) {
        mqttids_err err = start_copy(s);
        if (err != MQTTIDS_OK)
            return err;
    }
    store__cb_i16(&s->buf, 7);
    store__cb_text(&s->buf, s->model_id, s->model_len);
    if (p->row_id >= 0)
        store__cb_int8(&s->buf, p->row_id);
    else
        store__cb_null(&s->buf);
    if (isfinite(p->time))
        store__cb_int8(&s->buf, (int64_t)llround((p->time - PG_EPOCH_OFFSET) * 1e6));
    else
        store__cb_null(&s->buf);
    store__cb_text(&s->buf, cname, strlen(cname));
    store__cb_int2(&s->buf, (int16_t)p->cls);
    if (isnan(p->probability))
        store__cb_null(&s->buf);
    else
        store__cb_f64(&s->buf, p->probability);
    if (p->detail)
        store__cb_text(&s->buf, p->detail, strlen(p->detail));
    else
        store__cb_null(&s->buf);
    s->rows++;
    if (s->buf.len >= STORE_COPY_CHUNK || s->buf.failed)
        return store__cb_send(st, &s->buf);
    return MQTTIDS_OK;
}

mqttids_err mqttids_store_sink_flush(mqttids_store_sink *s)
{
    mqttids_err err;
    if (!s->in_copy)
        return MQTTIDS_OK;
    store__cb_i16(&s->buf, -1);
    err = store__cb_send(s->st, &s->buf);
    if (err != MQTTIDS_OK)
        return err;
    s->in_copy = 0;
    return store__copy_end(s->st, NULL, NULL);
}

mqttids_err mqttids_store_sink_close(mqttids_store_sink *s, uint64_t *rows)
{
    mqttids_err err = mqttids_store_sink_flush(s);
    if (err == MQTTIDS_OK && s->in_tx) {
        err = commit(s->st);
        s->in_tx = 0;
    }
    if (err != MQTTIDS_OK) {
        mqttids_store_sink_abort(s);
        return err;
    }
    if (rows)
        *rows = s->rows;
    s->st->busy = 0;
    util__buf_free(&s->buf);
    store__qname_free(&s->q);
    free(s->model_id);
    free(s);
    return MQTTIDS_OK;
}

void mqttids_store_sink_abort(mqttids_store_sink *s)
{
    char keep[MQTTIDS_ERRBUF_SIZE];
    if (!s)
        return;
    memcpy(keep, s->st->errmsg, sizeof keep);
    if (s->in_copy)
        store__copy_end(s->st, "sink aborted by mqttids", NULL);
    if (s->in_tx)
        store__rollback(s->st);
    memcpy(s->st->errmsg, keep, sizeof keep);
    s->st->busy = 0;
    util__buf_free(&s->buf);
    store__qname_free(&s->q);
    free(s->model_id);
    free(s);
}

#else

mqttids_err mqttids_store_sink_open(mqttids_store *st, const char *table, const char *model_id, int flags,
                                    mqttids_store_sink **out)
{
    (void)st, (void)table, (void)model_id, (void)flags;
    *out = NULL;
    return MQTTIDS_ERR_UNSUPPORTED;
}
mqttids_err mqttids_store_sink_put(mqttids_store_sink *s, const mqttids_prediction *p)
{
    (void)s, (void)p;
    return MQTTIDS_ERR_UNSUPPORTED;
}
mqttids_err mqttids_store_sink_flush(mqttids_store_sink *s)
{
    (void)s;
    return MQTTIDS_ERR_UNSUPPORTED;
}
mqttids_err mqttids_store_sink_close(mqttids_store_sink *s, uint64_t *rows)
{
    (void)s, (void)rows;
    return MQTTIDS_ERR_UNSUPPORTED;
}
void mqttids_store_sink_abort(mqttids_store_sink *s)
{
    (void)s;
}

#endif
