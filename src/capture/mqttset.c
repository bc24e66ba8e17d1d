/*
 * mqttset.c: a capture file as MQTTset CSV, byte for byte what tshark 4.0 -T fields
 * (-E occurrence=f) followed by the MQTTset pandas steps writes (emulate_mqttset.py in
 * the shared data): fillna(0), hex as 0x%08x, and pandas' per-file column types:
 *   INT    every value an integer and none missing  -> "8"
 *   FLOAT  every value a number (some missing), or all missing -> repr(float): "8.0", "0.0"
 *   OBJECT anything else (hex, text; mqtt.msg always) -> the text, missing as "0".
 * The types are known only at the end of the file: rows are written with the types the
 * real captures have (COMMON_KINDS) and, when the file turns out different, written again.
 *
 * Not here: the row itself (decode.c, mqtt.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "capture/capture_int.h"
#include "dataset/dataset_int.h"
#include "util/util_int.h"

enum { K_INT = 0, K_FLOAT = 1, K_OBJ = 2 };

typedef struct col_stat {
    uint8_t any_present, any_missing, not_int, not_float;
} col_stat;

static int kind_common(int f)
{
    switch (f) {
    case MQTTIDS_F_TCP_FLAGS: case MQTTIDS_F_CONACK_FLAGS: case MQTTIDS_F_CONFLAGS: case MQTTIDS_F_HDRFLAGS:
    case MQTTIDS_F_MSG: case MQTTIDS_F_PROTONAME:
        return K_OBJ;
    case MQTTIDS_F_TCP_LEN:
        return K_INT;
    default:
        return K_FLOAT;
    }
}

static int is_hex_feat(int f)
{
    return f == MQTTIDS_F_TCP_FLAGS || f == MQTTIDS_F_CONACK_FLAGS || f == MQTTIDS_F_CONFLAGS ||
           f == MQTTIDS_F_HDRFLAGS;
}

static const cap_text *text_of(const cap_fields *f, int feat)
{
    switch (feat) {
    case MQTTIDS_F_MSG: return &f->msg;
    case MQTTIDS_F_PROTONAME: return &f->protoname;
    case MQTTIDS_F_WILLMSG: return &f->willmsg;
    case MQTTIDS_F_WILLTOPIC: return &f->willtopic;
    default: return NULL;
    }
}

/* Python: re.match(r'^[+-]?\d+$') (also accepts a trailing newline; none occur here). */
static int py_int_like(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        i++;
    if (i == n)
        return 0;
    for (; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* Python float(s): decimal/exponent forms, inf/nan words, underscores between digits, spaces. */
static int py_float_like(const char *s, size_t n, double *out)
{
    char buf[128];
    size_t i = 0, o = 0;
    char *end;
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' || s[i] == '\f' || s[i] == '\v'))
        i++;
    while (n > i && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        n--;
    if (i == n || n - i >= sizeof buf)
        return 0;
    for (; i < n; i++) {
        char c = s[i];
        if (c == '_') {
            if (o == 0 || i + 1 >= n || !(buf[o - 1] >= '0' && buf[o - 1] <= '9') || !(s[i + 1] >= '0' && s[i + 1] <= '9'))
                return 0;
            continue;
        }
        if (c == 'x' || c == 'X' || c == 'p' || c == 'P' || c == '(')
            return 0; /* C accepts hex floats and nan(...), Python does not */
        buf[o++] = c;
    }
    buf[o] = '\0';
    {
        const char *w = buf + (buf[0] == '+' || buf[0] == '-');
        if ((w[0] == 'n' || w[0] == 'N' || w[0] == 'i' || w[0] == 'I') && strcasecmp(w, "nan") != 0 &&
            strcasecmp(w, "inf") != 0 && strcasecmp(w, "infinity") != 0)
            return 0;
    }
    *out = strtod(buf, &end);
    return *end == '\0';
}

static size_t u64_dec(char *out, uint64_t v)
{
    char t[24];
    size_t n = 0, i;
    do {
        t[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (i = 0; i < n; i++)
        out[i] = t[n - 1 - i];
    return n;
}

/* repr(float(v)) of an integer. */
static size_t int_as_float(char *out, uint64_t v)
{
    if (v < 10000000000000000ULL) {
        size_t n = u64_dec(out, v);
        out[n++] = '.';
        out[n++] = '0';
        return n;
    }
    return mqttids_format_double(out, 64, (double)v);
}

/* repr(float("S.NNNNNNNNN")) of a signed nanosecond count: the decimal itself, shortest. */
static size_t ns_as_float(char *out, int64_t ns)
{
    char digits[24];
    int nd, decpt, neg = ns < 0;
    uint64_t a = neg ? (uint64_t)(-(ns + 1)) + 1 : (uint64_t)ns;
    size_t n;
    if (a == 0) {
        memcpy(out, "0.0", 3);
        return 3;
    }
    n = u64_dec(digits, a);
    decpt = (int)n - 9;
    nd = (int)n;
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    return dataset__repr_layout(out, neg, digits, nd, decpt);
}

/* Text as Python csv.writer writes it (QUOTE_MINIMAL). */
static char *put_csv_text(char *w, const char *s, size_t n)
{
    int q = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r') {
            q = 1;
            break;
        }
    if (!q) {
        memcpy(w, s, n);
        return w + n;
    }
    *w++ = '"';
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            *w++ = '"';
        *w++ = s[i];
    }
    *w++ = '"';
    return w;
}

/* Python int(s) of an int-like string: sign kept for non-zero, leading zeros dropped. */
static char *put_py_int(char *w, const char *s, size_t n)
{
    size_t i = 0;
    int neg = 0;
    if (s[0] == '+' || s[0] == '-')
        neg = s[i++] == '-';
    while (i + 1 < n && s[i] == '0')
        i++;
    if (neg && !(n - i == 1 && s[i] == '0'))
        *w++ = '-';
    memcpy(w, s + i, n - i);
    return w + (n - i);
}

/*
 * The identity columns (o->ids): the client side of each stream, decided at the stream's first
 * row as the flow context decides it (context.c, docs/internals/context.md): the end not on an
 * MQTT port; else the receiver of a SYN-ACK; else the sender of the first packet seen. Stream
 * indices are dense (tshark's tcp.stream counts from 0), so the table is an array by index.
 */
typedef struct id_map {
    double *client; /* owned: client host id per stream index */
    size_t n, cap;
} id_map;

/* The client host id of the row's stream (recorded at the stream's first row). -1 on no memory. */
static int id_client(id_map *m, const mqttids_capture_opts *o, const mqttids_flow *fl, const cap_fields *f,
                     double *out)
{
    uint64_t flags = cap_has(f, MQTTIDS_F_TCP_FLAGS) ? f->v[MQTTIDS_F_TCP_FLAGS] : 0;
    double id = mqttids_flow_client_id(fl, (uint32_t)flags, o);
    if (fl->stream == UINT64_MAX) { /* no stream: this frame's own guess */
        *out = id;
        return 0;
    }
    if (fl->stream < m->n) {
        *out = m->client[fl->stream];
        return 0;
    }
    if (fl->stream >= m->cap) {
        size_t nc = m->cap ? m->cap : 1024;
        double *g;
        while (nc <= fl->stream)
            nc *= 2;
        g = realloc(m->client, nc * sizeof *g);
        if (!g)
            return -1;
        m->client = g;
        m->cap = nc;
    }
    while (m->n <= fl->stream)
        m->client[m->n++] = id;
    *out = id;
    return 0;
}

/* The CSV output: rows are built in buf (util_buf) and written to fp when the next row might
   not fit (flush-style: util__buf_clear after each write, the memory kept). */
typedef struct out_buf {
    util_buf buf;
    FILE *fp;
    int failed;
    int err;  /* errno of the first failed write, 0 when it was not a write */
} out_buf;

static void ob_flush(out_buf *b)
{
    if (b->buf.len && fwrite(b->buf.data, 1, b->buf.len, b->fp) != b->buf.len && !b->failed) {
        b->failed = 1;
        b->err = errno;
    }
    util__buf_clear(&b->buf);
}

/* Room for extra more bytes at ob_at(b); writes out what is held when it does not fit. */
static int ob_reserve(out_buf *b, size_t extra)
{
    if (extra <= b->buf.cap - b->buf.len)
        return 0;
    ob_flush(b);
    if (util__buf_reserve(&b->buf, extra) != 0) {
        b->failed = 1;
        return -1;
    }
    return 0;
}

static char *ob_at(out_buf *b)
{
    return (char *)b->buf.data + b->buf.len;
}

static void write_row(out_buf *b, const cap_fields *f, const uint8_t *kinds, const char *label, size_t label_len,
                      col_stat *st, const cap_ctx *ctx, const mqttids_flow *ids, double client)
{
    static const char hx[] = "0123456789abcdef";
    size_t need = 64 * MQTTIDS_NFEAT + label_len + 64 + (ctx ? 32 * (size_t)CTX_N : 0);
    char *w;
    need += 2 * (f->msg.len + f->protoname.len + f->willmsg.len + f->willtopic.len);
    if (ob_reserve(b, need) < 0)
        return;
    w = ob_at(b);
    for (int c = 0; c < MQTTIDS_NFEAT; c++) {
        const cap_text *t = text_of(f, c);
        int present = cap_has(f, c) && (!t || t->len > 0);
        if (c)
            *w++ = ',';
        if (st) {
            if (!present) {
                st[c].any_missing = 1;
            } else {
                st[c].any_present = 1;
                if (is_hex_feat(c)) {
                    st[c].not_int = st[c].not_float = 1;
                } else if (c == MQTTIDS_F_TCP_TIME_DELTA) {
                    st[c].not_int = 1;
                } else if (t) {
                    double dv;
                    if (!py_int_like((const char *)t->data, t->len))
                        st[c].not_int = 1;
                    if (!st[c].not_float && !py_float_like((const char *)t->data, t->len, &dv))
                        st[c].not_float = 1;
                }
            }
        }
        if (!present) {
            if (kinds[c] == K_OBJ) {
                *w++ = '0';
            } else {
                memcpy(w, "0.0", 3); /* INT never has missing values */
                w += 3;
            }
            continue;
        }
        if (is_hex_feat(c)) {
            uint32_t v = (uint32_t)f->v[c];
            if (kinds[c] != K_OBJ) { /* cannot happen: hex text is never numeric */
                *w++ = '0';
                continue;
            }
            *w++ = '0';
            *w++ = 'x';
            for (int i = 0; i < 8; i++)
                *w++ = hx[(v >> (28 - 4 * i)) & 15];
        } else if (c == MQTTIDS_F_TCP_TIME_DELTA) {
            if (kinds[c] == K_OBJ) {
                int64_t ns = (int64_t)f->v[c];
                uint64_t a = ns < 0 ? (uint64_t)(-(ns + 1)) + 1 : (uint64_t)ns;
                if (ns < 0)
                    *w++ = '-';
                w += u64_dec(w, a / 1000000000);
                *w++ = '.';
                for (uint64_t d = 100000000, r = a % 1000000000; d; d /= 10)
                    *w++ = (char)('0' + (r / d) % 10);
            } else {
                w += ns_as_float(w, (int64_t)f->v[c]);
            }
        } else if (t) {
            if (kinds[c] == K_OBJ) {
                w = put_csv_text(w, (const char *)t->data, t->len);
            } else if (kinds[c] == K_INT) {
                w = put_py_int(w, (const char *)t->data, t->len);
            } else {
                double dv = 0;
                py_float_like((const char *)t->data, t->len, &dv);
                w += mqttids_format_double(w, 64, dv);
            }
        } else {
            if (kinds[c] == K_FLOAT)
                w += int_as_float(w, f->v[c]);
            else
                w += u64_dec(w, f->v[c]);
        }
    }
    if (ctx) /* flow context (context.c): after the 33 features, before target */
        w = context__write_row(w, ctx);
    if (ids) { /* identity columns (evaluation only): id.stream, id.client */
        *w++ = ',';
        if (ids->stream == UINT64_MAX) {
            *w++ = '-';
            *w++ = '1';
        } else {
            w += u64_dec(w, ids->stream);
        }
        *w++ = ',';
        w += u64_dec(w, (uint64_t)client);
    }
    if (label) {
        *w++ = ',';
        w = put_csv_text(w, label, label_len);
    }
    *w++ = '\n';
    b->buf.len += (size_t)(w - ob_at(b));
}

static mqttids_err one_pass(const char *path, const mqttids_capture_opts *o, out_buf *b, const uint8_t *kinds,
                            const char *label, col_stat *st, uint64_t *rows, mqttids_capture_stats *cs,
                            mqttids_progress_fn progress, void *pu, char *errbuf)
{
    mqttids_capture *cap;
    mqttids_err err;
    size_t label_len = label ? strlen(label) : 0;
    uint64_t n = 0;
    int ids = o && o->ids;
    id_map idm = {NULL, 0, 0};

    if ((err = mqttids_capture_open_file(path, o, &cap, errbuf)) != MQTTIDS_OK)
        return err;
    for (int c = 0; c < MQTTIDS_NFEAT; c++) {
        if (ob_reserve(b, 64) < 0)
            break;
        b->buf.len += (size_t)snprintf(ob_at(b), 64, "%s%s", c ? "," : "", mqttids_feat_name(c));
    }
    if (o && o->context)
        for (size_t k = 0; k < mqttids_capture_ctx_count(); k++) {
            if (ob_reserve(b, 64) < 0)
                break;
            b->buf.len += (size_t)snprintf(ob_at(b), 64, ",%s", mqttids_capture_ctx_name(k));
        }
    if (ids && ob_reserve(b, 32) == 0)
        b->buf.len += (size_t)snprintf(ob_at(b), 32, ",id.stream,id.client");
    {
        const char *end = label ? ",target\n" : "\n";
        if (ob_reserve(b, 16) == 0) {
            memcpy(ob_at(b), end, strlen(end));
            b->buf.len += strlen(end);
        }
    }
    for (;;) {
        mqttids_capture_status stt;
        mqttids_flow fl;
        double client = 0;
        err = capture__next_fields(cap, ids ? &fl : NULL, &stt, errbuf);
        if (err != MQTTIDS_OK || stt != MQTTIDS_CAPTURE_ROW)
            break;
        if (ids && id_client(&idm, o, &fl, capture__fields(cap), &client) < 0) {
            err = util__fail(errbuf, MQTTIDS_ERR_NOMEM, "%s: out of memory after %llu rows", path,
                             (unsigned long long)n);
            break;
        }
        write_row(b, capture__fields(cap), kinds, label, label_len, st, capture__ctx(cap), ids ? &fl : NULL, client);
        n++;
        if (progress && (n & 0xffff) == 0 && progress("packets", n, 0, pu)) {
            err = util__fail(errbuf, MQTTIDS_ERR_INTERRUPTED, "%s: stopped after %llu rows", path,
                             (unsigned long long)n);
            break;
        }
        if (b->failed)
            break;
    }
    if (cs)
        mqttids_capture_get_stats(cap, cs);
    mqttids_capture_close(cap);
    free(idm.client);
    if (err == MQTTIDS_OK)
        ob_flush(b);
    if (err == MQTTIDS_OK && !b->failed && fflush(b->fp) != 0) {
        b->failed = 1;
        b->err = errno;
    }
    /* the output, not the capture (path), is what failed: say so with the reason */
    if (err == MQTTIDS_OK && (b->failed || ferror(b->fp)))
        err = util__fail(errbuf, MQTTIDS_ERR_IO, "output CSV (rows of %s): write failed: %s", path,
                         b->err ? strerror(b->err) : "out of memory or write error");
    *rows = n;
    return err;
}

mqttids_err mqttids_capture_write_mqttset_csv(const char *path, const mqttids_capture_opts *o, FILE *out,
                                              const char *label, uint64_t *rows, mqttids_capture_stats *st,
                                              mqttids_progress_fn progress, void *progress_user,
                                              char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    uint8_t kinds[MQTTIDS_NFEAT], actual[MQTTIDS_NFEAT];
    col_stat cs[MQTTIDS_NFEAT];
    out_buf b;
    mqttids_err err;
    uint64_t n = 0;
    long start = ftell(out);
    int same = 1;

    memset(&b, 0, sizeof b);
    memset(cs, 0, sizeof cs);
    b.fp = out;
    util__buf_init(&b.buf, 0);
    if (util__buf_reserve(&b.buf, (size_t)1 << 20) != 0)
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
    for (int c = 0; c < MQTTIDS_NFEAT; c++)
        kinds[c] = (uint8_t)kind_common(c);
    err = one_pass(path, o, &b, kinds, label, cs, &n, st, progress, progress_user, errbuf);
    if (err == MQTTIDS_OK) {
        for (int c = 0; c < MQTTIDS_NFEAT; c++) {
            if (c == MQTTIDS_F_MSG)
                actual[c] = K_OBJ;
            else if (!cs[c].any_present)
                actual[c] = K_FLOAT;
            else if (!cs[c].not_int && !cs[c].any_missing)
                actual[c] = K_INT;
            else if (!cs[c].not_float)
                actual[c] = K_FLOAT;
            else
                actual[c] = K_OBJ;
            if (actual[c] != kinds[c])
                same = 0;
        }
        if (!same) {
            /* the file's column types differ from the common case: write the rows again */
            if (strcmp(path, "-") == 0) {
                err = util__fail(errbuf, MQTTIDS_ERR_UNSUPPORTED,
                                 "stdin: this capture's column types need a second pass over it; "
                                 "give it as a file");
            } else if (start < 0 || fseek(out, start, SEEK_SET) != 0 || ftruncate(fileno(out), start) != 0) {
                err = util__fail(errbuf, MQTTIDS_ERR_IO,
                                 "%s: this file's column types need a second pass; the output must be a "
                                 "regular file",
                                 path);
            } else {
                err = one_pass(path, o, &b, actual, label, NULL, &n, st, NULL, NULL, errbuf);
            }
        }
    }
    util__buf_free(&b.buf);
    if (rows)
        *rows = n;
    return err;
}
