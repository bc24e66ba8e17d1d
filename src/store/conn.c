/*
 * conn.c: the store handle: connecting, error text, masking passwords, table names,
 * small query helpers and the binary COPY buffer shared by load.c, read.c, sink.c.
 *
 * Not here: any SQL that touches data (see load.c, read.c, stats.c, sink.c).
 * Built without libpq, every public function returns MQTTIDS_ERR_UNSUPPORTED.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store/store_int.h"
#include "util/util_int.h"

#if MQTTIDS_WITH_PG

mqttids_err store__fail(mqttids_store *st, mqttids_err err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->errmsg, sizeof st->errmsg, fmt, ap);
    va_end(ap);
    return err;
}

/* Copies libpq text without its trailing newline(s); multi-line text is joined by "; ". */
static void pq_text(char *out, size_t size, const char *msg)
{
    size_t o = 0;
    if (!msg || !*msg)
        msg = "(no message from libpq)";
    for (const char *p = msg; *p && o + 1 < size; p++) {
        if (*p == '\n') {
            const char *q = p;
            while (*q == '\n' || *q == '\t' || *q == ' ')
                q++;
            if (!*q)
                break;
            if (o + 3 >= size)
                break;
            out[o++] = ';';
            out[o++] = ' ';
            p = q - 1;
            continue;
        }
        out[o++] = *p;
    }
    out[o] = '\0';
}

mqttids_err store__pq_fail(mqttids_store *st, const PGresult *res, const char *what)
{
    char text[MQTTIDS_ERRBUF_SIZE - 112];
    const char *msg = res ? PQresultErrorMessage(res) : NULL;
    if (!msg || !*msg)
        msg = PQerrorMessage(st->conn);
    pq_text(text, sizeof text, msg);
    snprintf(st->errmsg, sizeof st->errmsg, "%.100s: %s", what, text);
    return MQTTIDS_ERR_DB;
}

/*
 * Secrets in libpq's messages. libpq quotes the offending token, or the whole URI, in its
 * parse errors ('invalid percent-encoded token: "pw%ZZ"'), so in a URI every quoted part
 * becomes "***" except a lone punctuation mark ("]") and libpq's own option names, which
 * name the rule. In both forms, any quoted part holding the password's text, and that
 * text itself wherever it appears, are masked (found by a plain scan: the string may be
 * one libpq cannot parse).
 */

/* 1 when s[0..len) names a libpq connection option. */
static int is_keyword(const char *s, size_t len)
{
    PQconninfoOption *defs = PQconndefaults();
    int hit = 0;
    for (PQconninfoOption *o = defs; o && o->keyword && !hit; o++)
        hit = strlen(o->keyword) == len && memcmp(o->keyword, s, len) == 0;
    PQconninfoFree(defs);
    return hit;
}

static int is_uri(const char *conninfo)
{
    return strncmp(conninfo, "postgresql://", 13) == 0 || strncmp(conninfo, "postgres://", 11) == 0;
}

#define MAX_SECRETS 4

/*
 * The passwords' texts as written: URI userinfo after ':', and the value of every option
 * whose name holds "password" (password=, sslpassword=; in a URI's query too). Returns
 * how many were found (at most MAX_SECRETS), each NUL-terminated in out[k].
 */
static int find_passwords(const char *conninfo, char out[MAX_SECRETS][256])
{
    int n = 0;
    if (is_uri(conninfo)) {
        const char *h = strstr(conninfo, "://") + 3;
        const char *end = h + strcspn(h, "/?");
        const char *at = NULL, *c;
        for (c = h; c < end; c++)
            if (*c == '@')
                at = c;
        if (at && (c = memchr(h, ':', (size_t)(at - h))) != NULL && at > c + 1)
            snprintf(out[n++], 256, "%.*s", (int)(at - c - 1), c + 1);
    }
    for (const char *k = strstr(conninfo, "password"); k && n < MAX_SECRETS; k = strstr(k + 1, "password")) {
        const char *v = k + 8, *e;
        int quoted;
        while (*v == ' ' || *v == '\t')
            v++;
        if (*v != '=')
            continue;
        v++;
        while (*v == ' ' || *v == '\t')
            v++;
        quoted = *v == '\'';
        v += quoted;
        for (e = v; *e && (quoted ? *e != '\'' : (*e != ' ' && *e != '\t' && *e != '&')); e++)
            if (*e == '\\' && e[1])
                e++;
        if (e > v)
            snprintf(out[n++], 256, "%.*s", (int)(e - v), v);
    }
    return n;
}

static void hide_secrets(char *text, size_t size, const char *conninfo)
{
    char out[MQTTIDS_ERRBUF_SIZE], pw[MAX_SECRETS][256];
    size_t o = 0;
    int uri = is_uri(conninfo), npw = find_passwords(conninfo, pw);
    for (const char *p = text; *p && o + 6 < sizeof out;) {
        const char *q = *p == '"' ? strchr(p + 1, '"') : NULL;
        int hit = 0;
        for (int k = 0; k < npw && !hit; k++) {
            size_t l = strlen(pw[k]);
            if (strncmp(p, pw[k], l) == 0) {
                memcpy(out + o, "***", 3);
                o += 3;
                p += l;
                hit = 1;
            }
        }
        if (hit)
            continue;
        if (q) {
            size_t n = (size_t)(q - p - 1);
            int lone_mark = n == 1 && !((p[1] >= '0' && p[1] <= '9') || ((p[1] | 0x20) >= 'a' && (p[1] | 0x20) <= 'z'));
            int has_pw = 0;
            for (int k = 0; k < npw && !has_pw; k++) {
                size_t l = strlen(pw[k]);
                for (size_t j = 0; j + l <= n && !has_pw; j++)
                    has_pw = memcmp(p + 1 + j, pw[k], l) == 0;
            }
            if (has_pw || (uri && n && !lone_mark && !is_keyword(p + 1, n))) {
                memcpy(out + o, "\"***\"", 5);
                o += 5;
                p = q + 1;
                continue;
            }
            while (p <= q && o + 1 < sizeof out)
                out[o++] = *p++;
            continue;
        }
        out[o++] = *p++;
    }
    out[o] = '\0';
    snprintf(text, size, "%s", out);
}

/* A plain database name ("ids"), which libpq's expand_dbname takes as dbname. */
static int is_bare_dbname(const char *conninfo)
{
    return !strchr(conninfo, '=') && !is_uri(conninfo);
}

/* Server notices go to the library's log callback, never to stderr (libpq's default). */
static void notice_to_log(void *arg, const char *message)
{
    char text[MQTTIDS_ERRBUF_SIZE];
    (void)arg;
    pq_text(text, sizeof text, message);
    util__log(MQTTIDS_LOG_WARN, "PostgreSQL: %s", text);
}

mqttids_err mqttids_store_open(const char *conninfo, mqttids_store **out, char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    /* expand_dbname lets "dbname" carry a whole connection string or URI. */
    const char *keys[] = {"dbname", "fallback_application_name", "client_encoding", NULL};
    const char *vals[] = {conninfo && *conninfo ? conninfo : NULL, "mqttids", "UTF8", NULL};
    mqttids_store *st;
    char text[MQTTIDS_ERRBUF_SIZE];

    *out = NULL;
    if (conninfo && *conninfo && !is_bare_dbname(conninfo)) {
        char *perr = NULL;
        PQconninfoOption *opts = PQconninfoParse(conninfo, &perr);
        if (!opts) {
            pq_text(text, sizeof text, perr ? perr : "out of memory");
            PQfreemem(perr);
            hide_secrets(text, sizeof text, conninfo);
            return util__fail(errbuf, MQTTIDS_ERR_INVALID, "bad connection string: %s", text);
        }
        PQconninfoFree(opts);
    }
    st = calloc(1, sizeof *st);
    if (!st)
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
    if (!vals[0]) {
        keys[0] = "fallback_application_name";
        vals[0] = "mqttids";
        keys[1] = "client_encoding";
        vals[1] = "UTF8";
        keys[2] = NULL;
    }
    st->conn = PQconnectdbParams(keys, vals, 1);
    if (!st->conn) {
        free(st);
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "cannot connect to PostgreSQL: out of memory");
    }
    if (PQstatus(st->conn) != CONNECTION_OK) {
        pq_text(text, sizeof text, PQerrorMessage(st->conn));
        hide_secrets(text, sizeof text, conninfo);
        util__fail(errbuf, MQTTIDS_ERR_DB, "cannot connect to PostgreSQL: %s", text);
        PQfinish(st->conn);
        free(st);
        return MQTTIDS_ERR_DB;
    }
    PQsetNoticeProcessor(st->conn, notice_to_log, NULL);
    *out = st;
    return MQTTIDS_OK;
}

void mqttids_store_close(mqttids_store *st)
{
    if (!st)
        return;
    PQfinish(st->conn);
    free(st);
}

const char *mqttids_store_errmsg(const mqttids_store *st)
{
    return st ? st->errmsg : "no store handle";
}

mqttids_err mqttids_store_mask_conninfo(const char *conninfo, char *out, size_t size)
{
    char *perr = NULL;
    PQconninfoOption *opts;
    size_t o = 0;
    if (!size)
        return MQTTIDS_ERR_INVALID;
    out[0] = '\0';
    if (!conninfo || !*conninfo) {
        snprintf(out, size, "(from PG* environment)");
        return MQTTIDS_OK;
    }
    if (is_bare_dbname(conninfo)) {
        snprintf(out, size, "dbname=%s", conninfo);
        return MQTTIDS_OK;
    }
    opts = PQconninfoParse(conninfo, &perr);
    if (!opts) {
        PQfreemem(perr);
        snprintf(out, size, "(unparsable connection string)");
        return MQTTIDS_ERR_INVALID;
    }
    for (PQconninfoOption *p = opts; p->keyword; p++) {
        int n;
        const char *v = p->val;
        if (!v)
            continue;
        if (strstr(p->keyword, "password")) /* password, sslpassword */
            v = "***";
        /* quote values the way conninfo does, so the printed form reads back */
        n = snprintf(out + o, size - o, "%s%s=", o ? " " : "", p->keyword);
        if (n < 0 || (size_t)n >= size - o)
            break;
        o += (size_t)n;
        {
            int plain = *v != '\0';
            for (const char *c = v; *c; c++)
                if (*c == ' ' || *c == '\'' || *c == '\\')
                    plain = 0;
            if (!plain && o + 1 < size)
                out[o++] = '\'';
            for (const char *c = v; *c && o + 2 < size; c++) {
                if (!plain && (*c == '\'' || *c == '\\'))
                    out[o++] = '\\';
                out[o++] = *c;
            }
            if (!plain && o + 1 < size)
                out[o++] = '\'';
        }
        out[o] = '\0';
    }
    PQconninfoFree(opts);
    return MQTTIDS_OK;
}

PGresult *store__exec(mqttids_store *st, const char *sql, ExecStatusType want, const char *what)
{
    PGresult *res = PQexec(st->conn, sql);
    if (!res || PQresultStatus(res) != want) {
        store__pq_fail(st, res, what);
        PQclear(res);
        return NULL;
    }
    return res;
}

PGresult *store__exec_params(mqttids_store *st, const char *sql, int n, const char *const *values,
                             ExecStatusType want, const char *what)
{
    PGresult *res = PQexecParams(st->conn, sql, n, NULL, values, NULL, NULL, 0);
    if (!res || PQresultStatus(res) != want) {
        store__pq_fail(st, res, what);
        PQclear(res);
        return NULL;
    }
    return res;
}

PGresult *store__next_result(mqttids_store *st)
{
    PGresult *res = PQgetResult(st->conn);
    if (!res)
        return NULL;
    switch (PQresultStatus(res)) {
    case PGRES_COPY_IN:
    case PGRES_COPY_OUT:
    case PGRES_COPY_BOTH:
        PQclear(res);
        return NULL;
    default:
        break;
    }
    return res;
}

void store__rollback(mqttids_store *st)
{
    PGresult *res;
    if (PQstatus(st->conn) != CONNECTION_OK)
        return;
    /* drain anything in flight (an aborted COPY leaves results behind) */
    while ((res = store__next_result(st)) != NULL)
        PQclear(res);
    if (PQtransactionStatus(st->conn) == PQTRANS_ACTIVE)
        return; /* still inside a COPY we could not end: PQfinish will drop it */
    res = PQexec(st->conn, "ROLLBACK");
    PQclear(res);
}

char *store__ident(mqttids_store *st, const char *name)
{
    char *q = PQescapeIdentifier(st->conn, name, strlen(name));
    if (!q)
        store__pq_fail(st, NULL, "cannot quote an identifier");
    return q;
}

/* One part of a dotted name starting at *p; advances *p past it. */
static int parse_part(const char **p, char *out, const char **why)
{
    const char *s = *p;
    size_t o = 0;
    if (*s == '"') {
        s++;
        for (;;) {
            if (!*s) {
                *why = "unclosed double quote";
                return -1;
            }
            if (*s == '"') {
                if (s[1] == '"') {
                    s += 2;
                    if (o >= STORE_MAX_IDENT) {
                        *why = "a name part is longer than 63 bytes";
                        return -1;
                    }
                    out[o++] = '"';
                    continue;
                }
                s++;
                break;
            }
            if (o >= STORE_MAX_IDENT) {
                *why = "a name part is longer than 63 bytes";
                return -1;
            }
            out[o++] = *s++;
        }
        if (*s && *s != '.') {
            *why = "text after a closing double quote";
            return -1;
        }
    } else {
        while (*s && *s != '.') {
            if (*s == '"') {
                *why = "a double quote inside an unquoted name part";
                return -1;
            }
            if (o >= STORE_MAX_IDENT) {
                *why = "a name part is longer than 63 bytes";
                return -1;
            }
            /* PostgreSQL folds unquoted identifiers to lower case (ASCII only) */
            out[o++] = (char)(*s >= 'A' && *s <= 'Z' ? *s - 'A' + 'a' : *s);
            s++;
        }
    }
    if (o == 0) {
        *why = "an empty name part";
        return -1;
    }
    out[o] = '\0';
    *p = s;
    return 0;
}

/* Shows an identifier as SQL would need it: bare when plain lower-case, else quoted. */
static void show_ident(char *out, size_t size, const char *id)
{
    int plain = !(*id >= '0' && *id <= '9');
    size_t o = 0;
    for (const char *c = id; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_'))
            plain = 0;
    if (plain) {
        snprintf(out, size, "%s", id);
        return;
    }
    if (o + 1 < size)
        out[o++] = '"';
    for (const char *c = id; *c && o + 3 < size; c++) {
        if (*c == '"')
            out[o++] = '"';
        out[o++] = *c;
    }
    if (o + 1 < size)
        out[o++] = '"';
    out[o] = '\0';
}

int store__split_name(const char *name, char *schema, char *table, const char **why)
{
    const char *p = name;
    char first[STORE_MAX_IDENT + 1];
    schema[0] = table[0] = '\0';
    if (!name || !*name) {
        *why = "empty";
        return -1;
    }
    if (parse_part(&p, first, why) != 0)
        return -1;
    if (*p == '.') {
        p++;
        memcpy(schema, first, sizeof first);
        if (parse_part(&p, table, why) != 0)
            return -1;
        if (*p) {
            *why = "more than two dotted parts (give schema.table)";
            return -1;
        }
    } else {
        memcpy(table, first, sizeof first);
    }
    return 0;
}

mqttids_err store__qname_parse(mqttids_store *st, const char *name, store_qname *q)
{
    const char *why = NULL;
    char *qs = NULL, *qt = NULL;
    char a[STORE_MAX_IDENT * 2 + 4], b[STORE_MAX_IDENT * 2 + 4];
    size_t n;

    memset(q, 0, sizeof *q);
    if (store__split_name(name, q->schema, q->table, &why) != 0)
        return store__fail(st, MQTTIDS_ERR_INVALID, "table name '%.200s': %s", name ? name : "", why);
    if (!q->schema[0]) {
        PGresult *res = store__exec(st, "SELECT current_schema()", PGRES_TUPLES_OK, "current schema");
        if (!res)
            return MQTTIDS_ERR_DB;
        if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0)) {
            PQclear(res);
            return store__fail(st, MQTTIDS_ERR_INVALID,
                               "table name '%s': no current schema on this connection (give schema.table)", name);
        }
        snprintf(q->schema, sizeof q->schema, "%s", PQgetvalue(res, 0, 0));
        PQclear(res);
    }
    qs = store__ident(st, q->schema);
    qt = qs ? store__ident(st, q->table) : NULL;
    if (!qt) {
        PQfreemem(qs);
        return MQTTIDS_ERR_DB;
    }
    n = strlen(qs) + strlen(qt) + 2;
    q->sql = malloc(n);
    if (!q->sql) {
        PQfreemem(qs);
        PQfreemem(qt);
        return store__fail(st, MQTTIDS_ERR_NOMEM, "out of memory");
    }
    snprintf(q->sql, n, "%s.%s", qs, qt);
    PQfreemem(qs);
    PQfreemem(qt);
    show_ident(a, sizeof a, q->schema);
    show_ident(b, sizeof b, q->table);
    snprintf(q->shown, sizeof q->shown, "%s.%s", a, b);
    return MQTTIDS_OK;
}

void store__qname_free(store_qname *q)
{
    free(q->sql);
    q->sql = NULL;
}

mqttids_err store__lookup(mqttids_store *st, const store_qname *q, int *exists, char *relkind, char **comment)
{
    const char *vals[2] = {q->schema, q->table};
    PGresult *res = store__exec_params(st,
        "SELECT c.relkind, obj_description(c.oid, 'pg_class') FROM pg_catalog.pg_class c "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2",
        2, vals, PGRES_TUPLES_OK, q->shown);
    *exists = 0;
    if (comment)
        *comment = NULL;
    if (!res)
        return MQTTIDS_ERR_DB;
    if (PQntuples(res) == 1) {
        *exists = 1;
        if (relkind)
            *relkind = PQgetvalue(res, 0, 0)[0];
        if (comment && !PQgetisnull(res, 0, 1)) {
            *comment = strdup(PQgetvalue(res, 0, 1));
            if (!*comment) {
                PQclear(res);
                return store__fail(st, MQTTIDS_ERR_NOMEM, "out of memory");
            }
        }
    }
    PQclear(res);
    return MQTTIDS_OK;
}

mqttids_err store__ensure_schema(mqttids_store *st, const store_qname *q)
{
    const char *vals[1] = {q->schema};
    PGresult *res = store__exec_params(st, "SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1", 1, vals,
                                       PGRES_TUPLES_OK, "schema lookup");
    char *qs, *sql;
    size_t n;
    int have;
    if (!res)
        return MQTTIDS_ERR_DB;
    have = PQntuples(res) > 0;
    PQclear(res);
    if (have)
        return MQTTIDS_OK;
    qs = store__ident(st, q->schema);
    if (!qs)
        return MQTTIDS_ERR_DB;
    n = strlen(qs) + 32;
    sql = malloc(n);
    if (!sql) {
        PQfreemem(qs);
        return store__fail(st, MQTTIDS_ERR_NOMEM, "out of memory");
    }
    snprintf(sql, n, "CREATE SCHEMA %s", qs);
    res = store__exec(st, sql, PGRES_COMMAND_OK, "create schema");
    PQfreemem(qs);
    free(sql);
    if (!res)
        return MQTTIDS_ERR_DB;
    PQclear(res);
    return MQTTIDS_OK;
}

mqttids_err store__check_version(mqttids_store *st, const store_qname *q, const char *comment,
                                 const char *kind, int version)
{
    char want[64];
    size_t kl;
    if (!comment || strncmp(comment, "mqttids ", 8) != 0)
        return MQTTIDS_OK;
    snprintf(want, sizeof want, "mqttids %s v%d", kind, version);
    if (strncmp(comment, want, strlen(want)) == 0 &&
        (comment[strlen(want)] == '\0' || comment[strlen(want)] == ' '))
        return MQTTIDS_OK;
    kl = strlen(kind);
    if (strncmp(comment + 8, kind, kl) == 0 && comment[8 + kl] == ' ')
        return store__fail(st, MQTTIDS_ERR_VERSION, "%s: table layout '%.60s' found, '%s' expected "
                           "(made by another mqttids version; load into another table)", q->shown, comment, want);
    return store__fail(st, MQTTIDS_ERR_VERSION, "%s: this is an mqttids table of another kind ('%.60s'), '%s' expected",
                       q->shown, comment, want);
}

void store__col_name(int f, char *out, size_t size)
{
    const char *n = mqttids_feat_name(f);
    size_t o = 0;
    for (; n && *n && o + 1 < size; n++)
        out[o++] = *n == '.' ? '_' : *n;
    out[o] = '\0';
}

/* ---- binary COPY writers (big-endian, on util_buf) ---- */

static inline void put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

void store__cb_header(util_buf *b)
{
    static const unsigned char sig[11] = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', 0xff, '\r', '\n', 0};
    if (util__buf_reserve(b, 19))
        return;
    memcpy(b->data + b->len, sig, 11);
    put_be32(b->data + b->len + 11, 0);
    put_be32(b->data + b->len + 15, 0);
    b->len += 19;
}

void store__cb_i16(util_buf *b, int16_t v)
{
    if (util__buf_reserve(b, 2))
        return;
    b->data[b->len] = (unsigned char)((uint16_t)v >> 8);
    b->data[b->len + 1] = (unsigned char)v;
    b->len += 2;
}

void store__cb_i32(util_buf *b, int32_t v)
{
    if (util__buf_reserve(b, 4))
        return;
    put_be32(b->data + b->len, (uint32_t)v);
    b->len += 4;
}

void store__cb_i64(util_buf *b, int64_t v)
{
    if (util__buf_reserve(b, 8))
        return;
    put_be32(b->data + b->len, (uint32_t)((uint64_t)v >> 32));
    put_be32(b->data + b->len + 4, (uint32_t)v);
    b->len += 8;
}

void store__cb_null(util_buf *b)
{
    store__cb_i32(b, -1);
}

void store__cb_f64(util_buf *b, double v)
{
    uint64_t u;
    memcpy(&u, &v, 8);
    if (util__buf_reserve(b, 12))
        return;
    put_be32(b->data + b->len, 8);
    put_be32(b->data + b->len + 4, (uint32_t)(u >> 32));
    put_be32(b->data + b->len + 8, (uint32_t)u);
    b->len += 12;
}

void store__cb_int4(util_buf *b, int32_t v)
{
    store__cb_i32(b, 4);
    store__cb_i32(b, v);
}

void store__cb_int2(util_buf *b, int16_t v)
{
    store__cb_i32(b, 2);
    store__cb_i16(b, v);
}

void store__cb_int8(util_buf *b, int64_t v)
{
    store__cb_i32(b, 8);
    store__cb_i64(b, v);
}

void store__cb_text(util_buf *b, const char *s, size_t len)
{
    if (util__buf_reserve(b, 4 + len))
        return;
    put_be32(b->data + b->len, (uint32_t)len);
    memcpy(b->data + b->len + 4, s, len);
    b->len += 4 + len;
}

mqttids_err store__cb_send(mqttids_store *st, util_buf *b)
{
    size_t off = 0;
    if (b->failed)
        return store__fail(st, MQTTIDS_ERR_NOMEM, "out of memory building COPY data");
    while (off < b->len) {
        size_t n = b->len - off > (size_t)1 << 30 ? (size_t)1 << 30 : b->len - off;
        if (PQputCopyData(st->conn, (const char *)b->data + off, (int)n) != 1)
            return store__pq_fail(st, NULL, "COPY data");
        off += n;
    }
    b->len = 0;
    return MQTTIDS_OK;
}

mqttids_err store__copy_end(mqttids_store *st, const char *errormsg, uint64_t *rows)
{
    PGresult *res;
    mqttids_err err = MQTTIDS_OK;
    if (PQputCopyEnd(st->conn, errormsg) != 1)
        err = store__pq_fail(st, NULL, "COPY end");
    while ((res = store__next_result(st)) != NULL) {
        if (err == MQTTIDS_OK && PQresultStatus(res) != PGRES_COMMAND_OK)
            err = store__pq_fail(st, res, "COPY");
        else if (err == MQTTIDS_OK && rows)
            *rows = strtoull(PQcmdTuples(res), NULL, 10);
        PQclear(res);
    }
    if (err == MQTTIDS_OK && PQstatus(st->conn) != CONNECTION_OK)
        err = store__pq_fail(st, NULL, "COPY");
    return err;
}

#else /* !MQTTIDS_WITH_PG */

#include "mqttids/store.h"

mqttids_err mqttids_store_open(const char *conninfo, mqttids_store **out, char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    (void)conninfo;
    *out = NULL;
    return util__fail(errbuf, MQTTIDS_ERR_UNSUPPORTED, "this build has no PostgreSQL support (libpq was not found)");
}
void mqttids_store_close(mqttids_store *st)
{
    (void)st;
}
const char *mqttids_store_errmsg(const mqttids_store *st)
{
    (void)st;
    return "this build has no PostgreSQL support";
}
mqttids_err mqttids_store_mask_conninfo(const char *conninfo, char *out, size_t size)
{
    (void)conninfo;
    if (size)
        out[0] = '\0';
    return MQTTIDS_ERR_UNSUPPORTED;
}

#endif
