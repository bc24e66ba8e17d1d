/*
 * mqttids/store.h: PostgreSQL as a source and a sink: load a dataset into a typed table
 * (COPY, one transaction), read a table back into a dataset, answer the study's questions
 * by SQL on the server, and write predictions/alerts to a table.
 *
 * Connection strings: anything libpq takes: "host=... dbname=... sslmode=require" or
 * "postgresql://user@host:5432/db?sslmode=verify-full", with the standard PG* environment
 * variables filling what is not given. Passwords are never part of a message made here
 * (mqttids_store_mask_conninfo gives a printable form).
 *
 * Table names: "schema.table" or "table" (the connection's current schema). Each part
 * is an SQL identifier: unquoted parts are folded to lower case as PostgreSQL does
 * ("mqtt.MQTT_Reduced" is mqtt.mqtt_reduced); double-quoted parts are kept as written
 * ('"My Schema"."a.b"', '""' is a quote). Names are always sent quoted; values always as
 * parameters or COPY data, never pasted into SQL text.
 *
 * Errors: every call that takes a store handle leaves a message in
 * mqttids_store_errmsg(st); PostgreSQL's own text is kept verbatim inside it.
 * A build without libpq (MQTTIDS_WITH_PG 0) has these functions; they return
 * MQTTIDS_ERR_UNSUPPORTED.
 *
 * The table layouts (records v1, predictions v1) are in docs/FORMATS.md.
 */
#ifndef MQTTIDS_STORE_H
#define MQTTIDS_STORE_H

#include "mqttids/common.h"
#include "mqttids/dataset.h"
#include "mqttids/stats.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Versions written into the table comments ("mqttids records v1"); see docs/FORMATS.md. */
#define MQTTIDS_STORE_RECORDS_VERSION 1
#define MQTTIDS_STORE_PREDICTIONS_VERSION 1
/* The study's table. */
#define MQTTIDS_STORE_DEFAULT_TABLE "mqtt.mqtt_reduced"
#define MQTTIDS_STORE_DEFAULT_PRED_TABLE "mqtt.predictions"

typedef struct mqttids_store mqttids_store;

/*
 * Connects. conninfo: a libpq connection string or URI; NULL or "" uses the PG*
 * environment variables only. The session's client_encoding is set to UTF8.
 * Returns MQTTIDS_OK with *out set (caller frees with mqttids_store_close), or
 * MQTTIDS_ERR_DB / MQTTIDS_ERR_INVALID with libpq's text in errbuf.
 * Also returns MQTTIDS_ERR_NOMEM, MQTTIDS_ERR_UNSUPPORTED (mqttids/common.h).
 */
mqttids_err mqttids_store_open(const char *conninfo,
                               mqttids_store **out,                 /* OUT */
                               char errbuf[MQTTIDS_ERRBUF_SIZE]);
/* Closes the connection (rolling back anything not committed); NULL is fine. */
void mqttids_store_close(mqttids_store *st);
/* The last error message of st (borrowed, valid until the next call on st). Never NULL. */
const char *mqttids_store_errmsg(const mqttids_store *st);

/*
 * A printable form of a connection string: "key=value" pairs of what was given, with
 * password values replaced by "***". URIs are printed as their parsed pairs.
 * Returns MQTTIDS_OK, MQTTIDS_ERR_INVALID (unparsable: out says so, without the text) or
 * MQTTIDS_ERR_UNSUPPORTED. out is always NUL-terminated.
 */
mqttids_err mqttids_store_mask_conninfo(const char *conninfo, char *out, size_t size);

/*
 * The SQL that creates a records table and/or a predictions table (schema if given,
 * table, version comment) exactly as the loader and the sink create them, for a DBA to
 * run ahead of time. Either name may be NULL to leave that table out; a name without a
 * schema stays unqualified. No connection is needed.
 * Returns MQTTIDS_OK with *sql (caller frees with free()), or MQTTIDS_ERR_INVALID (a bad
 * name, errbuf says why), MQTTIDS_ERR_NOMEM, MQTTIDS_ERR_UNSUPPORTED.
 */
mqttids_err mqttids_store_schema_sql(const char *records_table, const char *pred_table,
                                     char **sql,                     /* OUT */
                                     char errbuf[MQTTIDS_ERRBUF_SIZE]);

/* ---------------------------------------------------------------------------------- */
/* Loading: records tables.                                                           */

typedef enum mqttids_store_mode {
    MQTTIDS_STORE_REPLACE = 0, /* a new table replaces the old one at commit (default) */
    MQTTIDS_STORE_APPEND = 1,  /* add rows to the table (created if missing) */
} mqttids_store_mode;

typedef struct mqttids_store_loader mqttids_store_loader;

/*
 * Starts a load into table: one transaction, a COPY in binary format. The schema and a
 * typed table are created as needed. REPLACE loads into a fresh table and swaps it in
 * for the old one at commit (the old table stays readable during the load); APPEND adds
 * rows after the highest row_id (the table is locked against other writers).
 * REPLACE refuses to drop an existing table that is neither an mqttids records table nor
 * has the 33 feature columns (MQTTIDS_ERR_INVALID), so a wrong name destroys nothing.
 * Nothing is visible to others before mqttids_store_load_commit; any failure, or
 * mqttids_store_load_abort, leaves the database as it was.
 * While a loader is open the store handle is busy: use it for nothing else.
 * Returns MQTTIDS_OK with *out set, or MQTTIDS_ERR_INVALID (bad table name),
 * MQTTIDS_ERR_VERSION (an existing table of another mqttids layout), MQTTIDS_ERR_DB.
 * Also returns MQTTIDS_ERR_NOMEM, MQTTIDS_ERR_UNSUPPORTED (mqttids/common.h).
 */
mqttids_err mqttids_store_load_begin(mqttids_store *st,
                                     const char *table,          /* schema.table or table */
                                     mqttids_store_mode mode,
                                     mqttids_store_loader **out); /* OUT */
/*
 * Sends rows [first, first + n) of ds. Strings of HEX/TEXT columns are written as kept
 * by the dataset: a dataset read without keep_payload has no mqtt.msg text and is
 * refused (MQTTIDS_ERR_INVALID). The split tag becomes train_flag (1 train, 0 test,
 * NULL untagged); the label becomes target (NULL when unknown).
 * progress (may be NULL) is called with rows sent so far; non-zero stops the load
 * (MQTTIDS_ERR_INTERRUPTED). On error the loader is dead: call abort.
 * Returns: MQTTIDS_OK on success, else MQTTIDS_ERR_DB, MQTTIDS_ERR_INTERRUPTED,
 * MQTTIDS_ERR_INVALID, MQTTIDS_ERR_NOMEM, MQTTIDS_ERR_UNSUPPORTED (mqttids/common.h).
 */
mqttids_err mqttids_store_load_rows(mqttids_store_loader *ld, const mqttids_dataset *ds,
                                    size_t first, size_t n,
                                    mqttids_progress_fn progress, void *user);
/* Ends the COPY and commits. Frees ld in every case. rows (may be NULL): rows written.
   Returns: MQTTIDS_OK on success, else MQTTIDS_ERR_DB, MQTTIDS_ERR_INVALID, MQTTIDS_ERR_NOMEM,
   MQTTIDS_ERR_UNSUPPORTED (mqttids/common.h). */
mqttids_err mqttids_store_load_commit(mqttids_store_loader *ld, uint64_t *rows /* OUT */);
/* Rolls back and frees ld; NULL is fine. */
void mqttids_store_load_abort(mqttids_store_loader *ld);

/* begin + rows (all of ds) + commit, or abort on any failure.
   Returns: MQTTIDS_OK on success, else MQTTIDS_ERR_DB, MQTTIDS_ERR_INTERRUPTED,
   MQTTIDS_ERR_INVALID, MQTTIDS_ERR_NOMEM, MQTTIDS_ERR_UNSUPPORTED, MQTTIDS_ERR_VERSION
   (mqttids/common.h). */
mqttids_err mqttids_store_load(mqttids_store *st, const char *table, const mqttids_dataset *ds,
                               mqttids_store_mode mode, mqttids_progress_fn progress, void *user,
                               uint64_t *rows /* OUT, may be NULL */);

/* ---------------------------------------------------------------------------------- */
/* Reading back.                                                                      */

/*
 * Appends the rows of table to ds, in row_id order when the table has a row_id column
 * (tables written by the study, without it, come in the server's order).
 * Columns are found by name (the study's underscore names, any case); the 33 features
 * must be there; target and train_flag are optional. Types are converted on the server
 * (HEX/TEXT columns to text, the rest to double precision).
 * o (NULL: defaults) as for the CSV reader: split NONE takes the split from train_flag
 * (1 train, 0 test, NULL untagged); on_error FAIL stops at the first bad row and
 * removes what this call appended, SKIP writes "# table:row N: why" lines to o->reject;
 * keep_payload; max_rows; progress (rows, total 0); require_label. Columns other than
 * the features, target, train_flag and row_id are ignored (train_flag is not added as a
 * column, so the dataset equals the one read from the CSV files with --train/--test).
 * rep (may be NULL): counts; rep->bytes is the COPY data received.
 * Errors: MQTTIDS_ERR_NOT_FOUND (no such table), MQTTIDS_ERR_MALFORMED (a bad row, or a
 * missing feature column), MQTTIDS_ERR_DB, MQTTIDS_ERR_NOMEM.
 * Also returns MQTTIDS_ERR_INTERRUPTED, MQTTIDS_ERR_INVALID, MQTTIDS_ERR_UNSUPPORTED
 * (mqttids/common.h).
 */
mqttids_err mqttids_store_read(mqttids_store *st, const char *table, mqttids_dataset *ds,
                               const mqttids_read_opts *o, mqttids_read_report *rep /* OUT */);

/*
 * The study's exploration answered by SQL on the server over table, filling every field
 * mqttids_stats_compute fills (counts per split and class, nulls/zeros/moments per
 * feature column, distinct values of the nominal columns, mean mqtt_len over train, mean
 * tcp_len per class, top o->top_flags tcp_flags, the correlation matrix, IQR outliers of
 * tcp_len, the zeros and correlation rules), with the same definitions, so the tool prints
 * the same tables as for the CSV files the table was loaded from. Only the 33 feature
 * columns are covered (no extras). Needs the feature columns under their underscore
 * names, target and train_flag. o NULL: defaults. Caller frees *out with
 * mqttids_stats_free. Errors: MQTTIDS_ERR_DB (e.g. a missing table or column), NOMEM.
 * Also returns MQTTIDS_ERR_INVALID, MQTTIDS_ERR_UNSUPPORTED (mqttids/common.h).
 */
mqttids_err mqttids_store_stats(mqttids_store *st, const char *table, const mqttids_stats_opts *o,
                                mqttids_stats **out /* OUT */);

/* ---------------------------------------------------------------------------------- */
/* Predictions and alerts.                                                            */

/* One prediction or alert. */
typedef struct mqttids_prediction {
    int64_t row_id;      /* the record's row_id (or capture/stream position); -1: none */
    double time;         /* seconds since 1970-01-01 UTC; NaN: none */
    int cls;             /* predicted class index (0..MQTTIDS_NCLASS-1) */
    double probability;  /* of that class; NaN: none */
    const char *detail;  /* free text (e.g. an alert's reason); NULL: none. Borrowed. */
} mqttids_prediction;

typedef struct mqttids_store_sink mqttids_store_sink;

/* Sink flags. */
#define MQTTIDS_SINK_ONE_TRANSACTION 1 /* all rows commit at close, or none (batch predict) */

/*
 * Opens a predictions table for writing (created with its schema if missing; an existing
 * table must have the predictions layout). model_id is stored in every row (copied).
 * Rows go out through COPY; without MQTTIDS_SINK_ONE_TRANSACTION each
 * mqttids_store_sink_flush commits what was put so far (watch and stream detectors
 * flush every few seconds). The store handle is busy until close/abort.
 * Returns MQTTIDS_OK with *out set, or INVALID / VERSION / DB.
 * Also returns MQTTIDS_ERR_NOMEM, MQTTIDS_ERR_UNSUPPORTED (mqttids/common.h).
 */
mqttids_err mqttids_store_sink_open(mqttids_store *st, const char *table, const char *model_id,
                                    int flags, mqttids_store_sink **out /* OUT */);
/* Queues one row (sent in batches). INVALID for a class out of range.
   Returns: MQTTIDS_OK on success, else MQTTIDS_ERR_DB, MQTTIDS_ERR_INVALID, MQTTIDS_ERR_NOMEM,
   MQTTIDS_ERR_UNSUPPORTED (mqttids/common.h). */
mqttids_err mqttids_store_sink_put(mqttids_store_sink *s, const mqttids_prediction *p);
/* Sends what is queued; commits it unless ONE_TRANSACTION.
   Returns: MQTTIDS_OK on success, else MQTTIDS_ERR_DB, MQTTIDS_ERR_NOMEM, MQTTIDS_ERR_UNSUPPORTED
   (mqttids/common.h). */
mqttids_err mqttids_store_sink_flush(mqttids_store_sink *s);
/* Flushes, commits, frees s. rows (may be NULL): rows written over the sink's life.
   Returns: MQTTIDS_OK on success, else MQTTIDS_ERR_DB, MQTTIDS_ERR_NOMEM, MQTTIDS_ERR_UNSUPPORTED
   (mqttids/common.h). */
mqttids_err mqttids_store_sink_close(mqttids_store_sink *s, uint64_t *rows /* OUT */);
/* Drops what is not committed and frees s; NULL is fine. */
void mqttids_store_sink_abort(mqttids_store_sink *s);

#ifdef __cplusplus
}
#endif
#endif
