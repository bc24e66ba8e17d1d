/*
 * store_int.h: the PostgreSQL module's private pieces shared by its files: the handle,
 * error helpers that keep libpq's text verbatim, qualified table names, and the binary
 * COPY encoder/decoder.
 *
 * Invariants: st->conn is a live (maybe broken) connection; st->busy is set while a
 * loader or sink owns the connection; every SQL text built here holds identifiers only
 * through store__ident() (PQescapeIdentifier) and no values at all.
 */
#ifndef MQTTIDS_STORE_INT_H
#define MQTTIDS_STORE_INT_H

#include "mqttids/config.h"
#include "mqttids/store.h"
#include "util/util_int.h"

#if MQTTIDS_WITH_PG
#include <libpq-fe.h>

/* The longest identifier PostgreSQL keeps (NAMEDATALEN - 1). */
#define STORE_MAX_IDENT 63
/* Binary COPY data is sent in chunks of about this size. */
#define STORE_COPY_CHUNK ((size_t)1 << 20)

struct mqttids_store {
    PGconn *conn;                       /* owned */
    char errmsg[MQTTIDS_ERRBUF_SIZE];
    int busy;                           /* a loader or sink owns the connection */
};

/* A parsed "schema.table": both parts as PostgreSQL stores them (unquoted, unescaped). */
typedef struct store_qname {
    char schema[STORE_MAX_IDENT + 1];
    char table[STORE_MAX_IDENT + 1];
    char *sql;                          /* owned: "schema"."table", quoted for SQL text */
    char shown[4 * STORE_MAX_IDENT + 16]; /* for messages: schema.table (quoted only if needed) */
} store_qname;

/* Sets st->errmsg and returns err. */
mqttids_err store__fail(mqttids_store *st, mqttids_err err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "<what>: <libpq/server text>" from a result (or the connection when res is NULL). */
mqttids_err store__pq_fail(mqttids_store *st, const PGresult *res, const char *what);

/*
 * Parses name into q (schema defaults to the connection's current_schema()).
 * Returns MQTTIDS_ERR_INVALID with a message for an empty part, more than two parts, an
 * unclosed quote or a part over 63 bytes. Free with store__qname_free.
 */
mqttids_err store__qname_parse(mqttids_store *st, const char *name, store_qname *q);
/*
 * The parsing part alone (no connection): schema and table as stored (each
 * STORE_MAX_IDENT + 1 bytes); schema "" when none was given. 0, or -1 with *why.
 */
int store__split_name(const char *name, char *schema, char *table, const char **why);
void store__qname_free(store_qname *q);
/* A quoted identifier (PQescapeIdentifier); caller frees with PQfreemem. NULL on failure. */
char *store__ident(mqttids_store *st, const char *name);

/* Runs sql (no values: parameters go through store__exec_params). Result or NULL (error set). */
PGresult *store__exec(mqttids_store *st, const char *sql, ExecStatusType want, const char *what);
PGresult *store__exec_params(mqttids_store *st, const char *sql, int n, const char *const *values,
                             ExecStatusType want, const char *what);
/* Runs a command built from fmt with a and b (b: NULL for "" or a one-%s fmt), both already
   quoted identifiers or SQL text, never values (load.c). */
mqttids_err store__exec_fmt(mqttids_store *st, const char *what, const char *fmt, const char *a, const char *b);
/*
 * Next pending result, or NULL when there is none. Unlike PQgetResult it also stops on a
 * COPY state result (libpq repeats that forever until the COPY is ended) and on a
 * broken connection, so draining loops always end.
 */
PGresult *store__next_result(mqttids_store *st);
/* Runs ROLLBACK, ignoring its outcome (the connection may be gone). */
void store__rollback(mqttids_store *st);

/*
 * Looks a relation up: *exists 0/1; *comment (may be NULL) gets a malloc'd copy of its
 * table comment or NULL; *relkind its pg_class.relkind.
 */
mqttids_err store__lookup(mqttids_store *st, const store_qname *q, int *exists, char *relkind,
                          char **comment);
/* Creates q's schema when it does not exist. */
mqttids_err store__ensure_schema(mqttids_store *st, const store_qname *q);
/*
 * Checks an existing table's comment against "mqttids <kind> v<version>": no comment or
 * a non-mqttids comment is accepted (tables made by the study); another kind or version
 * is MQTTIDS_ERR_VERSION.
 */
mqttids_err store__check_version(mqttids_store *st, const store_qname *q, const char *comment,
                                 const char *kind, int version);

/* "CREATE TABLE <name> (...)" for the records layout v1 (name already quoted). Caller frees. */
char *store__records_create(const char *name);
/* The predictions layout v1, to follow "CREATE TABLE <name> ". */
#define STORE_PRED_COLUMNS                                                                     \
    "(model_id text NOT NULL, row_id bigint, ts timestamptz, class text NOT NULL, "            \
    "class_index smallint NOT NULL, probability double precision, detail text, "               \
    "written_at timestamptz NOT NULL DEFAULT now())"

/* Column name of feature f in a table: the tshark name with '.' -> '_' (e.g. tcp_flags). */
void store__col_name(int f, char *out, size_t size);

/* Binary COPY writers (big-endian) on util_buf; a failed append sets b->failed (checked once
   per batch: store__cb_send and store__sender_push then fail with MQTTIDS_ERR_NOMEM). */
void store__cb_header(util_buf *b);   /* PGCOPY signature, flags, extension length */
void store__cb_i16(util_buf *b, int16_t v);
void store__cb_i32(util_buf *b, int32_t v);
void store__cb_i64(util_buf *b, int64_t v);
void store__cb_null(util_buf *b);     /* field length -1 */
void store__cb_f64(util_buf *b, double v);   /* length 8 + IEEE big-endian */
void store__cb_int4(util_buf *b, int32_t v); /* length 4 + value */
void store__cb_int2(util_buf *b, int16_t v); /* length 2 + value */
void store__cb_int8(util_buf *b, int64_t v); /* length 8 + value */
void store__cb_text(util_buf *b, const char *s, size_t len);
/* Sends b's bytes with PQputCopyData and empties it. */
mqttids_err store__cb_send(mqttids_store *st, util_buf *b);
/*
 * Ends a COPY FROM STDIN (errormsg NULL: success, else it aborts the COPY) and reads the
 * command's result; *rows (may be NULL) gets the row count.
 */
mqttids_err store__copy_end(mqttids_store *st, const char *errormsg, uint64_t *rows);

/*
 * COPY sender thread (sender.c): while it runs, only it uses st->conn. push moves b's
 * bytes to the queue (b is left empty; blocks while the queue is full) and fails with
 * the sender's error once a send failed; finish waits until everything queued is sent,
 * stops the thread and frees s (NULL is fine), returning the first send error.
 */
typedef struct store_sender store_sender;
mqttids_err store__sender_start(mqttids_store *st, store_sender **out);
mqttids_err store__sender_push(store_sender *s, util_buf *b);
mqttids_err store__sender_finish(store_sender *s);

/* Big-endian readers for binary COPY out. */
static inline uint32_t store__be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}
static inline uint64_t store__be64(const unsigned char *p)
{
    return (uint64_t)store__be32(p) << 32 | store__be32(p + 4);
}

#endif /* MQTTIDS_WITH_PG */
#endif
