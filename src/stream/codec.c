/*
 * codec.c: the Kafka record format, version 1 (docs/FORMATS.md "Kafka record format").
 *
 * JSON: one flat object {"v":1,"id":N,<33 MQTTset fields>,["target":"dos"],[extras]}.
 * Binary: "MQR" 0x01, id, label, counts, 33 doubles, the 8 HEX/TEXT strings, extras.
 *
 * The JSON reader is a strict scanner for flat objects (no json-c tree per record: this
 * runs once per message in the detector's hot loop). It never reads past the buffer;
 * every rule it enforces names the byte offset. Nested values are not part of v1.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dataset/dataset_int.h"
#include "stream/stream_int.h"
#include "util/util_int.h"

#define BIN_MAGIC "MQR"
#define BIN_HDR 16 /* magic 3, version 1, id 8, label 1, n_str 1, n_extra 2 */
#define MAX_EXTRAS 64

struct mqttids_codec {
    util_buf out;         /* encode output */
    util_buf scratch;     /* decoded strings */
    char **extra_names;   /* owned */
    size_t n_extra;
    double extra_vals[MAX_EXTRAS];
    size_t str_off[MQTTIDS_NFEAT]; /* decode: offsets of strings in scratch */
    char key[MQTTIDS_NFEAT][48];   /* encode: ',"<name>":' per feature */
    size_t key_len[MQTTIDS_NFEAT];
    size_t name_len[MQTTIDS_NFEAT];
    char why[200];                 /* decode: the validator's message */
};

/* -------------------------------------------------------------------------------- */

mqttids_codec *mqttids_codec_new(void)
{
    mqttids_codec *c = calloc(1, sizeof(mqttids_codec));
    if (!c)
        return NULL;
    for (int f = 0; f < MQTTIDS_NFEAT; f++) {
        const char *name = mqttids_feat_name(f);
        int n = snprintf(c->key[f], sizeof c->key[f], ",\"%s\":", name);
        c->key_len[f] = (size_t)n;
        c->name_len[f] = strlen(name);
    }
    util__buf_init(&c->out, STREAM_BYTES_MAX);
    util__buf_init(&c->scratch, STREAM_BYTES_MAX);
    return c;
}

static void free_extras(mqttids_codec *c)
{
    for (size_t k = 0; k < c->n_extra; k++)
        free(c->extra_names[k]);
    free(c->extra_names);
    c->extra_names = NULL;
    c->n_extra = 0;
}

void mqttids_codec_free(mqttids_codec *c)
{
    if (!c)
        return;
    util__buf_free(&c->out);
    util__buf_free(&c->scratch);
    free_extras(c);
    free(c);
}

mqttids_err mqttids_codec_set_extras(mqttids_codec *c, const char *const *names, size_t n)
{
    free_extras(c);
    if (n > MAX_EXTRAS)
        return MQTTIDS_ERR_INVALID;
    if (n == 0)
        return MQTTIDS_OK;
    c->extra_names = calloc(n, sizeof(char *));
    if (!c->extra_names)
        return MQTTIDS_ERR_NOMEM;
    for (size_t k = 0; k < n; k++) {
        c->extra_names[k] = strdup(names[k]);
        if (!c->extra_names[k]) {
            c->n_extra = k;
            free_extras(c);
            return MQTTIDS_ERR_NOMEM;
        }
    }
    c->n_extra = n;
    return MQTTIDS_OK;
}

/* -------------------------------------------------------------------------------- */
/* Encoding.                                                                         */

static int is_str_feat(int f)
{
    return mqttids_feat_kind(f) != MQTTIDS_KIND_NUM;
}

int stream__json_str(util_buf *b, const char *s, size_t len)
{
    /* worst case: every byte becomes \u00XX */
    if (util__buf_reserve(b, len * 6 + 2) != 0)
        return -1;
    b->data[b->len++] = '"';
    b->len += util__json_escape((char *)b->data + b->len, s, len);
    b->data[b->len++] = '"';
    return 0;
}

/* Writes a JSON number: integers plainly, others in the shortest of %.15g/%.16g/%.17g
 * that reads back exactly; non-finite as null. */
static size_t fmt_num(char *buf, size_t size, double v)
{
    if (!isfinite(v)) {
        memcpy(buf, "null", 5);
        return 4;
    }
    if (v == floor(v) && fabs(v) < 1e15) {
        /* integer fast path (most MQTTset values) */
        char tmp[24];
        size_t n = 0, k = 0;
        int64_t iv = (int64_t)v;
        uint64_t u = iv < 0 ? (uint64_t)(-iv) : (uint64_t)iv;
        do {
            tmp[n++] = (char)('0' + u % 10);
            u /= 10;
        } while (u);
        if (iv < 0 || (iv == 0 && signbit(v)))
            buf[k++] = '-';
        while (n)
            buf[k++] = tmp[--n];
        buf[k] = '\0';
        return k;
    }
    return util__fmt_double(buf, size, v);
}

static int put_lit(util_buf *b, const char *s)
{
    return util__buf_put(b, s, strlen(s));
}

static int put_u64(util_buf *b, uint64_t v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v);
    return util__buf_put(b, tmp, (size_t)n);
}

static int encode_json(mqttids_codec *c, const mqttids_record *r, uint64_t id)
{
    util_buf *b = &c->out;
    char num[48];
    int rc = 0;

    rc |= put_lit(b, "{\"v\":1,\"id\":");
    rc |= put_u64(b, id);
    for (int f = 0; f < MQTTIDS_NFEAT && rc == 0; f++) {
        mqttids_kind kind = mqttids_feat_kind(f);
        rc |= util__buf_put(b, c->key[f], c->key_len[f]);
        if (kind == MQTTIDS_KIND_NUM) {
            size_t n = fmt_num(num, sizeof num, r->num[f]);
            rc |= util__buf_put(b, num, n);
        } else if (r->str[f]) {
            rc |= stream__json_str(b, r->str[f], r->str_len[f]);
        } else {
            /* HEX or TEXT without its string (absent, or mqtt.msg read without payload):
             * its numeric view as a JSON number; a reader gets it back with no string */
            size_t n = fmt_num(num, sizeof num, r->num[f]);
            rc |= util__buf_put(b, num, n);
        }
    }
    if (r->label >= 0 && mqttids_class_name(r->label)) {
        rc |= put_lit(b, ",\"target\":\"");
        rc |= put_lit(b, mqttids_class_name(r->label));
        rc |= put_lit(b, "\"");
    }
    for (size_t k = 0; k < c->n_extra && k < r->n_extra && rc == 0; k++) {
        size_t n = fmt_num(num, sizeof num, r->extra[k]);
        rc |= put_lit(b, ",");
        rc |= stream__json_str(b, c->extra_names[k], strlen(c->extra_names[k]));
        rc |= put_lit(b, ":");
        rc |= util__buf_put(b, num, n);
    }
    rc |= put_lit(b, "}");
    return rc;
}

static int encode_bin(mqttids_codec *c, const mqttids_record *r, uint64_t id)
{
    util_buf *b = &c->out;
    unsigned char hdr[4] = {'M', 'Q', 'R', MQTTIDS_STREAM_FORMAT_VERSION};
    unsigned char meta[4];
    size_t n_extra = c->n_extra < r->n_extra ? c->n_extra : r->n_extra;
    int rc = 0, nstr = 0;

    for (int f = 0; f < MQTTIDS_NFEAT; f++)
        nstr += is_str_feat(f);
    meta[0] = (unsigned char)(r->label >= 0 && r->label < 255 ? r->label : 255);
    meta[1] = (unsigned char)nstr;
    meta[2] = (unsigned char)(n_extra & 0xff);
    meta[3] = (unsigned char)(n_extra >> 8);
    rc |= util__buf_put(b, hdr, 4);
    rc |= util__buf_u64(b, id);
    rc |= util__buf_put(b, meta, 4);
    for (int f = 0; f < MQTTIDS_NFEAT; f++)
        rc |= util__buf_f64(b, r->num[f]);
    for (int f = 0; f < MQTTIDS_NFEAT; f++) {
        if (!is_str_feat(f))
            continue;
        if (r->str[f]) {
            rc |= util__buf_u32(b, r->str_len[f]);
            rc |= util__buf_put(b, r->str[f], r->str_len[f]);
        } else {
            rc |= util__buf_u32(b, 0xffffffffu);
        }
    }
    for (size_t k = 0; k < n_extra; k++)
        rc |= util__buf_f64(b, r->extra[k]);
    return rc;
}

mqttids_err mqttids_codec_encode(mqttids_codec *c, mqttids_stream_format fmt, const mqttids_record *r,
                                 uint64_t id, const void **out, size_t *len)
{
    int rc;
    util__buf_clear(&c->out); /* a record that failed (too big) does not stop the next */
    if (fmt == MQTTIDS_STREAM_JSON)
        rc = encode_json(c, r, id);
    else if (fmt == MQTTIDS_STREAM_BIN)
        rc = encode_bin(c, r, id);
    else
        return MQTTIDS_ERR_INVALID;
    if (rc != 0)
        return MQTTIDS_ERR_NOMEM;
    *out = c->out.data;
    *len = c->out.len;
    return MQTTIDS_OK;
}

/* -------------------------------------------------------------------------------- */
/* Decoding.                                                                         */

typedef struct jscan {
    const char *p;
    size_t len, i;
    char *errbuf;
} jscan;

static mqttids_err jerr(jscan *s, const char *rule)
{
    util__fail(s->errbuf, MQTTIDS_ERR_MALFORMED, "JSON record, byte %zu: %s", s->i, rule);
    return MQTTIDS_MALFORMED_AT();
}

static void skip_ws(jscan *s)
{
    while (s->i < s->len && (s->p[s->i] == ' ' || s->p[s->i] == '\t' || s->p[s->i] == '\n' || s->p[s->i] == '\r'))
        s->i++;
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/*
 * Reads a JSON string at s->i (which is at the opening quote). When the string has no
 * escapes, *out points into the input; otherwise it is unescaped into sb and *out_off
 * gets its offset there (*out NULL). Returns 0 or -1 (message in errbuf).
 */
static int scan_str(jscan *s, util_buf *sb, const char **out, size_t *out_off, size_t *out_len)
{
    size_t start = ++s->i;
    int esc = 0;
    while (s->i < s->len) {
        unsigned char ch = (unsigned char)s->p[s->i];
        if (ch > '\\' || (ch >= 0x20 && ch != '"' && ch != '\\')) {
            s->i++; /* the common case: a plain byte */
            continue;
        }
        if (ch == '"')
            break;
        if (ch < 0x20) {
            jerr(s, "control character in a string");
            return -1;
        }
        if (ch == '\\') {
            esc = 1;
            s->i++;
        }
        s->i++;
    }
    if (s->i >= s->len) {
        jerr(s, "unterminated string");
        return -1;
    }
    if (!esc) {
        *out = s->p + start;
        *out_len = s->i - start;
        s->i++;
        return 0;
    }
    /* unescape */
    {
        size_t end = s->i, off = sb->len;
        char *d;
        if (util__buf_reserve(sb, end - start + 1) != 0) {
            jerr(s, "string too long");
            return -1;
        }
        d = (char *)sb->data; /* the reserve holds: no grow below */
        for (size_t i = start; i < end; i++) {
            char ch = s->p[i];
            if (ch != '\\') {
                d[sb->len++] = ch;
                continue;
            }
            i++;
            switch (s->p[i]) {
            case '"': d[sb->len++] = '"'; break;
            case '\\': d[sb->len++] = '\\'; break;
            case '/': d[sb->len++] = '/'; break;
            case 'b': d[sb->len++] = '\b'; break;
            case 'f': d[sb->len++] = '\f'; break;
            case 'n': d[sb->len++] = '\n'; break;
            case 'r': d[sb->len++] = '\r'; break;
            case 't': d[sb->len++] = '\t'; break;
            case 'u': {
                unsigned cp = 0;
                if (end - i < 5) {
                    s->i = i;
                    jerr(s, "short \\u escape");
                    return -1;
                }
                for (int k = 1; k <= 4; k++) {
                    int h = hexval(s->p[i + (size_t)k]);
                    if (h < 0) {
                        s->i = i;
                        jerr(s, "bad \\u escape");
                        return -1;
                    }
                    cp = cp * 16 + (unsigned)h;
                }
                i += 4;
                /* UTF-8 of a BMP code point (surrogates kept as their 3-byte form); \u
                 * output is at most 3 bytes for 6 input bytes, so the reserve holds. */
                if (cp < 0x80) {
                    d[sb->len++] = (char)cp;
                } else if (cp < 0x800) {
                    d[sb->len++] = (char)(0xc0 | (cp >> 6));
                    d[sb->len++] = (char)(0x80 | (cp & 0x3f));
                } else {
                    d[sb->len++] = (char)(0xe0 | (cp >> 12));
                    d[sb->len++] = (char)(0x80 | ((cp >> 6) & 0x3f));
                    d[sb->len++] = (char)(0x80 | (cp & 0x3f));
                }
                break;
            }
            default:
                s->i = i;
                jerr(s, "bad escape");
                return -1;
            }
        }
        *out = NULL;
        *out_off = off;
        *out_len = sb->len - off;
        d[sb->len++] = '\0';
        s->i = end + 1;
        return 0;
    }
}

/* Value types of the scanner. */
enum { JV_NUM, JV_STR, JV_NULL, JV_BOOL };

static int key_is(const char *k, size_t klen, const char *lit)
{
    size_t n = strlen(lit);
    return klen == n && memcmp(k, lit, n) == 0;
}

/* Every decoded record passes the dataset's validator, as a CSV row does. */
static mqttids_err check_record(mqttids_codec *c, mqttids_record *r, const char *what, char *errbuf)
{
    int bad = dataset__validate(r, c->why, sizeof c->why);
    if (bad < 0)
        return MQTTIDS_OK;
    if (bad < MQTTIDS_NFEAT)
        util__fail(errbuf, MQTTIDS_ERR_MALFORMED, "%s: field \"%s\": %s", what, mqttids_feat_name(bad), c->why);
    else if (bad > MQTTIDS_NFEAT && (size_t)(bad - MQTTIDS_NFEAT - 1) < c->n_extra)
        util__fail(errbuf, MQTTIDS_ERR_MALFORMED, "%s: extra field \"%.100s\" must be a finite number", what,
                   c->extra_names[bad - MQTTIDS_NFEAT - 1]);
    else
        util__fail(errbuf, MQTTIDS_ERR_MALFORMED, "%s: %s", what, c->why);
    mqttids_record_clear(r);
    return MQTTIDS_MALFORMED_AT();
}

/* Scans one value: a string (in place, *vs, or unescaped into scratch at *voff), a number
   (*num; its text starts at *nst), null, true or false; *vt says which. */
static mqttids_err scan_value(jscan *s, util_buf *scratch, int *vt, double *num, size_t *nst, const char **vs,
                              size_t *voff, size_t *vlen)
{
    char ch = s->p[s->i];
    if (ch == '"') {
        if (scan_str(s, scratch, vs, voff, vlen) != 0)
            return MQTTIDS_ERR_MALFORMED;
        *vt = JV_STR;
    } else if (ch == '-' || (ch >= '0' && ch <= '9')) {
        size_t st = *nst = s->i;
        while (s->i < s->len && ((s->p[s->i] >= '0' && s->p[s->i] <= '9') || s->p[s->i] == '-' ||
                                 s->p[s->i] == '+' || s->p[s->i] == '.' || s->p[s->i] == 'e' || s->p[s->i] == 'E'))
            s->i++;
        if (util__parse_double(s->p + st, s->i - st, num) != 0) {
            s->i = st;
            return jerr(s, "bad number");
        }
        *vt = JV_NUM;
    } else if (ch == 'n' && s->len - s->i >= 4 && memcmp(s->p + s->i, "null", 4) == 0) {
        s->i += 4;
        *vt = JV_NULL;
        *num = NAN;
    } else if (ch == 't' && s->len - s->i >= 4 && memcmp(s->p + s->i, "true", 4) == 0) {
        s->i += 4;
        *vt = JV_BOOL;
        *num = 1;
    } else if (ch == 'f' && s->len - s->i >= 5 && memcmp(s->p + s->i, "false", 5) == 0) {
        s->i += 5;
        *vt = JV_BOOL;
        *num = 0;
    } else if (ch == '{' || ch == '[') {
        return jerr(s, "nested objects and arrays are not part of record format v1");
    } else {
        return jerr(s, "expected a value");
    }
    return MQTTIDS_OK;
}

/* A field that is not a feature: "v" (the format version), "id" (exact digits), "target"
   (a class name or index) or one of the codec's extra fields (others are ignored). */
static mqttids_err meta_field(mqttids_codec *c, jscan *s, const char *key, size_t klen, int vt, double num,
                              size_t nst, const char *vs, size_t voff, size_t vlen, mqttids_record *r, uint64_t *id,
                              int *have_v, int *have_id, uint64_t *extra_seen)
{
    if (key_is(key, klen, "v")) {
        if (vt != JV_NUM || num != MQTTIDS_STREAM_FORMAT_VERSION) {
            char msg[96];
            snprintf(msg, sizeof msg, "format version %g, expected %d", num, MQTTIDS_STREAM_FORMAT_VERSION);
            return jerr(s, msg);
        }
        *have_v = 1;
    } else if (key_is(key, klen, "id")) {
        /* read exactly from the digits: a double would round ids above 2^53 */
        uint64_t v = 0;
        int ok = vt == JV_NUM && s->i > nst;
        for (size_t q = nst; ok && q < s->i; q++) {
            unsigned dg = (unsigned)(s->p[q] - '0');
            ok = dg <= 9 && v <= (UINT64_MAX - dg) / 10;
            v = v * 10 + dg;
        }
        if (!ok)
            return jerr(s, "\"id\" must be a non-negative integer (digits only, at most 18446744073709551615)");
        *id = v;
        *have_id = 1;
    } else if (key_is(key, klen, "target")) {
        if (vt == JV_STR) {
            int cls = mqttids_class_find(vs ? vs : (const char *)c->scratch.data + voff, vlen);
            if (cls < 0)
                return jerr(s, "unknown class in \"target\"");
            r->label = cls;
        } else if (vt == JV_NUM && num >= 0 && num < MQTTIDS_NCLASS && num == floor(num)) {
            r->label = (int)num;
        } else if (vt != JV_NULL) {
            return jerr(s, "\"target\" must be a class name or index");
        }
    } else {
        for (size_t k = 0; k < c->n_extra; k++) {
            if (key_is(key, klen, c->extra_names[k])) {
                if (vt == JV_STR)
                    return jerr(s, "extra fields must be numbers");
                c->extra_vals[k] = num;
                *extra_seen |= (uint64_t)1 << k;
                break;
            }
        }
    }
    return MQTTIDS_OK;
}

/* Feature f's value into r (strings checked by the CSV reader's rules; str_ptr[f] is the
   text in place, "0", or the marker 1 for text in scratch at c->str_off[f]). */
static mqttids_err feature_field(mqttids_codec *c, jscan *s, int f, int vt, double num, const char *vs, size_t voff,
                                 size_t vlen, mqttids_record *r, const char **str_ptr)
{
    mqttids_kind kind = mqttids_feat_kind(f);
    if (vt == JV_STR) {
        const char *sv = vs ? vs : NULL;
        const char *t = sv ? sv : (const char *)c->scratch.data + voff;
        int zero_hex = 0;
        /* the CSV reader's rules for a field's text (one validator for every source) */
        if (kind == MQTTIDS_KIND_TEXT) {
            r->num[f] = dataset__text_num(t, vlen); /* the dataset's zero rule */
        } else if (!dataset__parse_field(f, t, vlen, &r->num[f], &zero_hex, c->why, sizeof c->why)) {
            char msg[240];
            snprintf(msg, sizeof msg, "field \"%s\": %s", mqttids_feat_name(f), c->why);
            return jerr(s, msg);
        }
        if (zero_hex) {
            str_ptr[f] = "0"; /* "0.0" stands for 0, as in the CSV reader */
            r->str_len[f] = 1;
        } else if (kind != MQTTIDS_KIND_NUM) {
            str_ptr[f] = sv;
            c->str_off[f] = voff;
            r->str_len[f] = (uint32_t)vlen;
            if (!sv)
                str_ptr[f] = (const char *)1; /* marker: in scratch */
        }
    } else if (vt == JV_NUM || vt == JV_BOOL || vt == JV_NULL) {
        if (kind == MQTTIDS_KIND_TEXT && vt == JV_NUM)
            num = num != 0 ? 1 : 0;
        r->num[f] = num;
    }
    return MQTTIDS_OK;
}

/* After the object: "v", "id", every feature and every extra field must have been there. */
static mqttids_err check_complete(const mqttids_codec *c, jscan *s, int have_v, int have_id, uint64_t seen,
                                  uint64_t extra_seen)
{
    if (!have_v)
        return jerr(s, "no \"v\" (format version) field");
    if (!have_id)
        return jerr(s, "no \"id\" field");
    if (seen != (((uint64_t)1 << MQTTIDS_NFEAT) - 1)) {
        for (int f = 0; f < MQTTIDS_NFEAT; f++)
            if (!(seen & ((uint64_t)1 << f))) {
                char msg[96];
                snprintf(msg, sizeof msg, "missing field \"%s\"", mqttids_feat_name(f));
                return jerr(s, msg);
            }
    }
    if (c->n_extra && extra_seen != (c->n_extra == 64 ? ~(uint64_t)0 : (((uint64_t)1 << c->n_extra) - 1))) {
        for (size_t k = 0; k < c->n_extra; k++)
            if (!(extra_seen & ((uint64_t)1 << k))) {
                char msg[160];
                snprintf(msg, sizeof msg, "missing extra field \"%.100s\"", c->extra_names[k]);
                return jerr(s, msg);
            }
    }
    return MQTTIDS_OK;
}

static mqttids_err decode_json(mqttids_codec *c, const char *data, size_t len, mqttids_record *r,
                               uint64_t *id, char *errbuf)
{
    jscan s = {data, len, 0, errbuf};
    uint64_t seen = 0, extra_seen = 0;
    int have_v = 0, have_id = 0, next_feat = 0;
    const char *str_ptr[MQTTIDS_NFEAT];
    mqttids_err err;

    util__buf_clear(&c->scratch);
    mqttids_record_clear(r);
    memset(str_ptr, 0, sizeof str_ptr);
    skip_ws(&s);
    if (s.i >= s.len || s.p[s.i] != '{')
        return jerr(&s, "not a JSON object");
    s.i++;
    skip_ws(&s);
    if (s.i < s.len && s.p[s.i] == '}') {
        s.i++;
        goto done;
    }
    for (;;) {
        const char *key, *vs = NULL;
        size_t klen, koff = 0, vlen = 0, voff = 0, nst = 0;
        int vt, f = -1;
        double num = 0;
        char kbuf[128];

        skip_ws(&s);
        if (s.i >= s.len || s.p[s.i] != '"')
            return jerr(&s, "expected a field name");
        if (next_feat < MQTTIDS_NFEAT && s.len - s.i >= c->key_len[next_feat] - 1 &&
            memcmp(s.p + s.i, c->key[next_feat] + 1, c->key_len[next_feat] - 1) == 0) {
            /* the fast path: the next feature's '"name":' as we write it */
            key = c->key[next_feat] + 2;
            klen = c->name_len[next_feat];
            s.i += c->key_len[next_feat] - 1;
            goto value;
        }
        if (scan_str(&s, &c->scratch, &key, &koff, &klen) != 0)
            return MQTTIDS_ERR_MALFORMED;
        if (!key) {
            /* an escaped key was unescaped into scratch: copy it out (scratch may move) */
            if (klen >= sizeof kbuf)
                return jerr(&s, "field name too long");
            memcpy(kbuf, (const char *)c->scratch.data + koff, klen);
            c->scratch.len = koff;
            key = kbuf;
        }
        skip_ws(&s);
        if (s.i >= s.len || s.p[s.i] != ':')
            return jerr(&s, "expected ':'");
        s.i++;
    value:
        skip_ws(&s);
        if (s.i >= s.len)
            return jerr(&s, "expected a value");
        if ((err = scan_value(&s, &c->scratch, &vt, &num, &nst, &vs, &voff, &vlen)) != MQTTIDS_OK)
            return err;
        /* which field? canonical order first (the fast path), then by name */
        if (next_feat < MQTTIDS_NFEAT && klen == c->name_len[next_feat] &&
            memcmp(key, c->key[next_feat] + 2, klen) == 0)
            f = next_feat;
        else if (key_is(key, klen, "v") || key_is(key, klen, "id") || key_is(key, klen, "target"))
            f = -1;
        else
            f = mqttids_feat_find(key, klen);
        if (f < 0) {
            err = meta_field(c, &s, key, klen, vt, num, nst, vs, voff, vlen, r, id, &have_v, &have_id, &extra_seen);
            if (err != MQTTIDS_OK)
                return err;
            goto next;
        }
        if (seen & ((uint64_t)1 << f))
            return jerr(&s, "duplicate field");
        seen |= (uint64_t)1 << f;
        next_feat = f + 1;
        if ((err = feature_field(c, &s, f, vt, num, vs, voff, vlen, r, str_ptr)) != MQTTIDS_OK)
            return err;
    next:
        skip_ws(&s);
        if (s.i >= s.len)
            return jerr(&s, "unterminated object");
        if (s.p[s.i] == ',') {
            s.i++;
            continue;
        }
        if (s.p[s.i] == '}') {
            s.i++;
            break;
        }
        return jerr(&s, "expected ',' or '}'");
    }
done:
    skip_ws(&s);
    if (s.i != s.len)
        return jerr(&s, "bytes after the object");
    if ((err = check_complete(c, &s, have_v, have_id, seen, extra_seen)) != MQTTIDS_OK)
        return err;
    if (c->n_extra) {
        r->n_extra = c->n_extra;
        r->extra = c->extra_vals;
    }
    /* strings: now that scratch no longer moves */
    for (int f = 0; f < MQTTIDS_NFEAT; f++) {
        if (str_ptr[f] == (const char *)1)
            r->str[f] = (const char *)c->scratch.data + c->str_off[f];
        else if (str_ptr[f])
            r->str[f] = str_ptr[f];
    }
    return check_record(c, r, "JSON record", errbuf);
}

static uint64_t rd64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static uint32_t rd32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static mqttids_err bin_err(char *errbuf, size_t off, const char *rule)
{
    util__fail(errbuf, MQTTIDS_ERR_MALFORMED, "binary record, byte %zu: %s", off, rule);
    return MQTTIDS_MALFORMED_AT();
}

static mqttids_err decode_bin(mqttids_codec *c, const unsigned char *p, size_t len, mqttids_record *r,
                              uint64_t *id, char *errbuf)
{
    size_t off = BIN_HDR, n_extra;
    int nstr = 0;

    mqttids_record_clear(r);
    if (len < BIN_HDR)
        return bin_err(errbuf, len, "shorter than the 16-byte header");
    if (p[3] != MQTTIDS_STREAM_FORMAT_VERSION) {
        char msg[80];
        snprintf(msg, sizeof msg, "format version %u, expected %d", p[3], MQTTIDS_STREAM_FORMAT_VERSION);
        return bin_err(errbuf, 3, msg);
    }
    *id = rd64(p + 4);
    r->label = p[12] == 255 ? -1 : p[12];
    if (r->label >= MQTTIDS_NCLASS)
        return bin_err(errbuf, 12, "label out of range");
    for (int f = 0; f < MQTTIDS_NFEAT; f++)
        nstr += is_str_feat(f);
    if (p[13] != nstr)
        return bin_err(errbuf, 13, "string count does not match the 33-feature schema");
    n_extra = (size_t)p[14] | (size_t)p[15] << 8;
    if (n_extra != c->n_extra)
        return bin_err(errbuf, 14, "extra field count differs from what this reader expects");
    if (len - off < (size_t)MQTTIDS_NFEAT * 8)
        return bin_err(errbuf, len, "truncated in the feature values");
    for (int f = 0; f < MQTTIDS_NFEAT; f++, off += 8) {
        uint64_t u = rd64(p + off);
        memcpy(&r->num[f], &u, 8);
    }
    for (int f = 0; f < MQTTIDS_NFEAT; f++) {
        uint32_t sl;
        if (!is_str_feat(f))
            continue;
        if (len - off < 4)
            return bin_err(errbuf, off, "truncated in a string length");
        sl = rd32(p + off);
        off += 4;
        if (sl == 0xffffffffu)
            continue;
        if (sl > len - off)
            return bin_err(errbuf, off, "string runs past the end");
        r->str[f] = (const char *)p + off;
        r->str_len[f] = sl;
        off += sl;
    }
    if (len - off < n_extra * 8)
        return bin_err(errbuf, off, "truncated in the extra values");
    for (size_t k = 0; k < n_extra; k++, off += 8) {
        uint64_t u = rd64(p + off);
        memcpy(&c->extra_vals[k], &u, 8);
    }
    if (off != len)
        return bin_err(errbuf, off, "bytes after the record");
    if (n_extra) {
        r->n_extra = n_extra;
        r->extra = c->extra_vals;
    }
    return check_record(c, r, "binary record", errbuf);
}

mqttids_err mqttids_codec_decode(mqttids_codec *c, const void *data, size_t len, mqttids_record *r, uint64_t *id,
                                 char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    const unsigned char *p = data;
    *id = 0;
    if (len >= 3 && memcmp(p, BIN_MAGIC, 3) == 0)
        return decode_bin(c, p, len, r, id, errbuf);
    if (!data || len == 0) {
        mqttids_record_clear(r);
        util__fail(errbuf, MQTTIDS_ERR_MALFORMED, "empty record");
        return MQTTIDS_MALFORMED_AT();
    }
    return decode_json(c, data, len, r, id, errbuf);
}
