/*
 * csv_read.c: the MQTTset CSV reader.
 *
 * Streams the file in large chunks (plain read(2), or zlib inflate member by member for
 * gzip, also on stdin), never
 * holding more than one chunk plus one line, so the 20 M-row augmented files read in
 * constant memory beyond the dataset itself. Columns are mapped by header name; each
 * row becomes an mqttids_record, is checked by dataset__validate and appended.
 *
 * Rules of the text form (RFC 4180 minus multi-line fields): fields split on ',';
 * a field may be quoted with '"' ("" inside is a quote); a quoted field may not span
 * lines; '\r' before '\n' is dropped; a UTF-8 BOM before the header is skipped; the last
 * line may lack its '\n'. Lines are capped at READ_MAX_LINE bytes (with --on-error skip a
 * longer line is dropped as a reject and reading goes on).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include "mqttids/fetch.h"
#include "dataset/dataset_int.h"
#include "util/util_int.h"

#define READ_CHUNK ((size_t)4 << 20)
#define READ_MAX_LINE ((size_t)16 << 20)
#define READ_MAX_FIELDS 4096
#define READ_PAD 64 /* slack after the data so 16-byte loads past a line end stay inside */

enum { MAP_IGNORE = -1, MAP_TARGET = -2, MAP_EXTRA = -3 };

/*
 * gzip input is inflated here rather than through gzread: zlib's gz layer stops quietly at
 * a damaged or garbage member after the first one (and at a truncated one), and rows
 * would be lost without a word. Every member must be whole; anything after the last one
 * is an error naming its byte offset.
 */
#define GZ_IN ((size_t)256 << 10)

typedef struct gz_in {
    z_stream zs;
    unsigned char *in;   /* owned, GZ_IN bytes */
    uint64_t in_off;     /* compressed bytes read from fd */
    int in_eof;
    int started;         /* inflateInit2 done */
    int member_done;     /* at a member boundary */
    int made_output;     /* the current member produced bytes or ended */
} gz_in;

typedef struct reader {
    const char *path;
    int fd;
    int own_fd;
    gz_in *gz;           /* owned; NULL for plain text */
    mqttids_fetch *fetch; /* owned; a URL input's transfer (mqttids/fetch.h) */
    int eof;
    char *buf;          /* owned */
    size_t size, start, end;
    uint64_t bytes_total, bytes_done;
    uint64_t line;      /* 1-based number of the line being parsed */
    int skip_long;      /* --on-error skip: a line over READ_MAX_LINE is dropped, not fatal */
    int overlong;       /* rd_line: the line returned (empty) was dropped as too long */
} reader;

void mqttids_read_opts_init(mqttids_read_opts *o)
{
    memset(o, 0, sizeof *o);
    o->on_error = MQTTIDS_ON_ERROR_FAIL;
    o->keep_extra = 1;
}

void dataset__read_begin(const mqttids_read_opts **opts, mqttids_read_opts *defaults, mqttids_read_report **rep,
                         mqttids_read_report *local)
{
    if (!*opts) {
        mqttids_read_opts_init(defaults);
        *opts = defaults;
    }
    if (!*rep)
        *rep = local;
    memset(*rep, 0, sizeof **rep);
}

/* Fills gz->in when empty. Returns 0, or -1 with errno set. */
static int gz_refill(reader *r)
{
    gz_in *g = r->gz;
    ssize_t n;
    if (g->zs.avail_in || g->in_eof)
        return 0;
    do
        n = read(r->fd, g->in, GZ_IN);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return -1;
    if (n == 0)
        g->in_eof = 1;
    g->zs.next_in = g->in;
    g->zs.avail_in = (uInt)n;
    g->in_off += (uint64_t)n;
    return 0;
}

/* Up to n inflated bytes into dst; *got 0 at the end of the last member. */
static mqttids_err gz_read(reader *r, char *dst, size_t n, size_t *got, char *errbuf)
{
    gz_in *g = r->gz;
    *got = 0;
    for (;;) {
        int zr;
        if (gz_refill(r) != 0)
            return util__fail(errbuf, MQTTIDS_ERR_IO, "%s: read failed: %s", r->path, strerror(errno));
        if (g->member_done) {
            uint64_t at = g->in_off - g->zs.avail_in;
            if (g->zs.avail_in == 0 && g->in_eof)
                return MQTTIDS_OK; /* every member whole */
            if (g->zs.avail_in == 1 && !g->in_eof) {
                /* one byte left in the buffer: keep it and read on to see the magic */
                g->in[0] = g->zs.next_in[0];
                {
                    ssize_t k;
                    do
                        k = read(r->fd, g->in + 1, GZ_IN - 1);
                    while (k < 0 && errno == EINTR);
                    if (k < 0)
                        return util__fail(errbuf, MQTTIDS_ERR_IO, "%s: read failed: %s", r->path, strerror(errno));
                    if (k == 0)
                        g->in_eof = 1;
                    g->zs.next_in = g->in;
                    g->zs.avail_in = 1 + (uInt)k;
                    g->in_off += (uint64_t)k;
                }
            }
            if (g->zs.avail_in < 2 || g->zs.next_in[0] != 0x1f || g->zs.next_in[1] != 0x8b)
                return util__fail(errbuf, MQTTIDS_ERR_MALFORMED,
                                  "%s: byte %llu: data after the gzip member ending there is not a gzip member "
                                  "(damaged or trailing garbage; rows would be lost)",
                                  r->path, (unsigned long long)at);
            if (inflateReset(&g->zs) != Z_OK)
                return util__fail(errbuf, MQTTIDS_ERR_IO, "%s: cannot restart gzip", r->path);
            g->member_done = 0;
            g->made_output = 0;
        }
        g->zs.next_out = (Bytef *)dst;
        g->zs.avail_out = (uInt)(n > (1u << 30) ? (1u << 30) : n);
        zr = inflate(&g->zs, Z_NO_FLUSH);
        *got = (size_t)((char *)g->zs.next_out - dst);
        if (zr == Z_STREAM_END) {
            g->member_done = 1;
        } else if (zr != Z_OK && !(zr == Z_BUF_ERROR && g->zs.avail_in == 0 && !g->in_eof)) {
            uint64_t at = g->in_off - g->zs.avail_in;
            if (zr == Z_BUF_ERROR)
                return util__fail(errbuf, MQTTIDS_ERR_MALFORMED,
                                  "%s: byte %llu: gzip member truncated (the file ends inside it)", r->path,
                                  (unsigned long long)at);
            return util__fail(errbuf, zr == Z_MEM_ERROR ? MQTTIDS_ERR_NOMEM : MQTTIDS_ERR_MALFORMED,
                              "%s: byte %llu: gzip data damaged: %s", r->path, (unsigned long long)at,
                              g->zs.msg ? g->zs.msg : "inflate failed");
        }
        if (*got)
            return MQTTIDS_OK;
        if (!g->member_done && g->zs.avail_in == 0 && g->in_eof)
            return util__fail(errbuf, MQTTIDS_ERR_MALFORMED,
                              "%s: byte %llu: gzip member truncated (the file ends inside it)", r->path,
                              (unsigned long long)g->in_off);
    }
}

static mqttids_err gz_start(reader *r, const unsigned char *pre, size_t npre, char *errbuf)
{
    r->gz = calloc(1, sizeof *r->gz);
    if (!r->gz || !(r->gz->in = malloc(GZ_IN)))
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "%s: out of memory", r->path);
    /* 15 + 16: gzip wrapper only */
    if (inflateInit2(&r->gz->zs, 15 + 16) != Z_OK)
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "%s: cannot start gzip", r->path);
    r->gz->started = 1;
    memcpy(r->gz->in, pre, npre);
    r->gz->zs.next_in = r->gz->in;
    r->gz->zs.avail_in = (uInt)npre;
    r->gz->in_off = npre;
    return MQTTIDS_OK;
}

static mqttids_err rd_open(reader *r, const char *path, char *errbuf)
{
    unsigned char magic[2];
    size_t npre = 0;
    memset(r, 0, sizeof *r);
    r->path = path;
    r->fd = -1;
    r->size = READ_CHUNK;
    r->buf = malloc(r->size + READ_PAD);
    if (!r->buf)
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "%s: out of memory", path);
    if (strcmp(path, "-") == 0 || mqttids_fetch_is_url(path)) {
        /* standard input, or a URL's body streamed from the network (a pipe): plain or
           gzip, told by its first two bytes */
        if (strcmp(path, "-") == 0) {
            r->fd = 0;
        } else {
            mqttids_err err = mqttids_fetch_open(path, &r->fetch, &r->fd, errbuf);
            if (err != MQTTIDS_OK)
                return err;
            r->own_fd = 1;
        }
        while (npre < 2) {
            ssize_t n = read(r->fd, magic + npre, 2 - npre);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                return util__fail(errbuf, MQTTIDS_ERR_IO, "%s: cannot read: %s", path, strerror(errno));
            if (n == 0)
                break;
            npre += (size_t)n;
        }
        if (npre == 2 && magic[0] == 0x1f && magic[1] == 0x8b)
            return gz_start(r, magic, npre, errbuf);
        memcpy(r->buf, magic, npre); /* plain text: the bytes read are its start */
        r->end = npre;
        r->bytes_done = npre;
        return MQTTIDS_OK;
    } else {
        struct stat st;
        ssize_t n;
        r->fd = open(path, O_RDONLY);
        if (r->fd < 0)
            return util__fail(errbuf, MQTTIDS_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
        r->own_fd = 1;
        if (fstat(r->fd, &st) == 0 && S_ISDIR(st.st_mode))
            return util__fail(errbuf, MQTTIDS_ERR_IO, "%s: is a directory", path);
        n = pread(r->fd, magic, 2, 0);
        if (n == 2 && magic[0] == 0x1f && magic[1] == 0x8b)
            return gz_start(r, magic, 0, errbuf);
        r->bytes_total = (uint64_t)st.st_size;
    }
    return MQTTIDS_OK;
}

/* A URL input at its end of data (or at a read error): did the whole body arrive? Its
   error (the URL, the bytes received, why) is the one to report: nothing half-read is kept. */
static mqttids_err rd_fetch_done(reader *r, char *errbuf)
{
    mqttids_err err = mqttids_fetch_finish(r->fetch, errbuf);
    r->fetch = NULL;
    return err;
}

static void rd_close(reader *r)
{
    if (r->gz) {
        if (r->gz->started)
            inflateEnd(&r->gz->zs);
        free(r->gz->in);
        free(r->gz);
        r->gz = NULL;
    }
    if (r->own_fd && r->fd >= 0)
        close(r->fd); /* a URL's pipe first: a transfer still running stops */
    r->fd = -1;
    mqttids_fetch_finish(r->fetch, NULL);
    r->fetch = NULL;
    free(r->buf);
    r->buf = NULL;
}

/* Moves the unparsed tail to the front and reads more. Returns bytes added, 0 at EOF. */
static mqttids_err rd_fill(reader *r, size_t *added, char *errbuf)
{
    size_t keep = r->end - r->start;
    *added = 0;
    if (r->eof)
        return MQTTIDS_OK;
    if (r->start > 0) {
        memmove(r->buf, r->buf + r->start, keep);
        r->start = 0;
        r->end = keep;
    }
    if (r->end == r->size) {
        size_t nsize = r->size * 2;
        char *nb;
        if (r->size >= READ_MAX_LINE + READ_CHUNK)
            return util__fail(errbuf, MQTTIDS_ERR_MALFORMED,
                              "%s:%llu: line longer than %zu bytes (overlong field or no line breaks)",
                              r->path, (unsigned long long)r->line, (size_t)READ_MAX_LINE);
        nb = realloc(r->buf, nsize + READ_PAD);
        if (!nb)
            return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "%s: out of memory", r->path);
        r->buf = nb;
        r->size = nsize;
    }
    while (r->end < r->size) {
        ssize_t n;
        if (r->gz) {
            size_t got;
            mqttids_err err = gz_read(r, r->buf + r->end, r->size - r->end, &got, errbuf);
            if (err != MQTTIDS_OK)
                return r->fetch && rd_fetch_done(r, errbuf) != MQTTIDS_OK ? MQTTIDS_ERR_NET : err;
            n = (ssize_t)got;
        } else {
            n = read(r->fd, r->buf + r->end, r->size - r->end);
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                if (r->fetch && rd_fetch_done(r, errbuf) != MQTTIDS_OK)
                    return MQTTIDS_ERR_NET;
                return util__fail(errbuf, MQTTIDS_ERR_IO, "%s: read failed: %s", r->path, strerror(errno));
            }
        }
        if (n == 0) {
            r->eof = 1;
            if (r->fetch && rd_fetch_done(r, errbuf) != MQTTIDS_OK)
                return MQTTIDS_ERR_NET;
            break;
        }
        r->end += (size_t)n;
        *added += (size_t)n;
        r->bytes_done += (uint64_t)n;
        if (*added >= READ_CHUNK / 2)
            break;
    }
    return MQTTIDS_OK;
}

/*
 * Next line into [*line, *line + *len) (without '\n' and '\r'), NUL at the end.
 * *has_nl is 0 when the file ended without a newline. Returns NEED_MORE at EOF.
 */
static mqttids_err rd_line(reader *r, char **line, size_t *len, int *has_nl, char *errbuf)
{
    r->overlong = 0;
    for (;;) {
        char *p = r->buf + r->start;
        char *nl = memchr(p, '\n', r->end - r->start);
        if (nl || r->eof) {
            size_t l = nl ? (size_t)(nl - p) : r->end - r->start;
            if (!nl && l == 0 && !r->overlong)
                return MQTTIDS_NEED_MORE;
            r->start += nl ? l + 1 : l;
            if (r->overlong || l > READ_MAX_LINE) {
                if (!r->skip_long)
                    return util__fail(errbuf, MQTTIDS_ERR_MALFORMED, "%s:%llu: line longer than %zu bytes",
                                      r->path, (unsigned long long)r->line, (size_t)READ_MAX_LINE);
                /* dropped: the caller rejects it and reads on (its text is not kept) */
                r->overlong = 1;
                l = 0;
            }
            if (l && p[l - 1] == '\r')
                l--;
            p[l] = '\0';
            *line = p;
            *len = l;
            *has_nl = nl != NULL;
            return MQTTIDS_OK;
        }
        if (r->skip_long && r->end - r->start > READ_MAX_LINE) {
            /* too long already: drop what is buffered and look for its end */
            r->overlong = 1;
            r->start = r->end;
        }
        {
            size_t added;
            mqttids_err err = rd_fill(r, &added, errbuf);
            if (err != MQTTIDS_OK)
                return err;
        }
    }
}

typedef struct field {
    const char *s;
    size_t len;
} field;

/*
 * Splits a line into at most max fields. Quoted fields are unescaped in place (the line
 * buffer is ours). Returns the field count, or -1 with *bad_col set on a quote error.
 */
static int split_fields(char *line, size_t len, field *out, int max, int *bad_col, const char **why)
{
    int n = 0;
    char *p = line, *end = line + len;
    for (;;) {
        if (n == max) {
            *bad_col = n + 1;
            *why = "more fields than the header has columns";
            return -1;
        }
        if (p < end && *p == '"') {
            char *w = p, *q = p + 1;
            for (;;) {
                if (q >= end) {
                    *bad_col = n + 1;
                    *why = "quoted field not closed on this line";
                    return -1;
                }
                if (*q == '"') {
                    if (q + 1 < end && q[1] == '"') {
                        *w++ = '"';
                        q += 2;
                        continue;
                    }
                    q++;
                    break;
                }
                *w++ = *q++;
            }
            out[n].s = p;
            out[n].len = (size_t)(w - p);
            n++;
            if (q == end)
                return n;
            if (*q != ',') {
                *bad_col = n;
                *why = "text after a closing quote";
                return -1;
            }
            p = q + 1;
            continue;
        }
        {
            char *c = memchr(p, ',', (size_t)(end - p));
            out[n].s = p;
            if (!c) {
                out[n].len = (size_t)(end - p);
                return n + 1;
            }
            out[n].len = (size_t)(c - p);
            n++;
            p = c + 1;
        }
    }
}

typedef struct colmap {
    int ncols;
    int map[READ_MAX_FIELDS];   /* feature index, or MAP_* */
    size_t extra_col[READ_MAX_FIELDS]; /* dataset column of MAP_EXTRA */
    int featpos[MQTTIDS_NFEAT]; /* field position of each feature */
    int target_pos;
    int train_flag_pos;
    char names[READ_MAX_FIELDS][64];
} colmap;

static mqttids_err parse_header(mqttids_dataset *ds, const mqttids_read_opts *o, reader *r,
                                char *line, size_t len, colmap *cm, char *errbuf)
{
    field *f = malloc(READ_MAX_FIELDS * sizeof *f);
    int bad_col = 0, n;
    const char *why = NULL;
    mqttids_err err = MQTTIDS_OK;
    if (!f)
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "%s: out of memory", r->path);
    if (len >= 3 && (unsigned char)line[0] == 0xEF && (unsigned char)line[1] == 0xBB &&
        (unsigned char)line[2] == 0xBF) {
        line += 3;
        len -= 3;
    }
    n = split_fields(line, len, f, READ_MAX_FIELDS, &bad_col, &why);
    if (n < 0) {
        err = util__fail(errbuf, MQTTIDS_ERR_MALFORMED, "%s:1:%d: header: %s", r->path, bad_col, why);
        goto out_free;
    }
    cm->ncols = n;
    cm->target_pos = -1;
    cm->train_flag_pos = -1;
    for (int k = 0; k < MQTTIDS_NFEAT; k++)
        cm->featpos[k] = -1;
    for (int i = 0; i < n; i++) {
        const char *s = f[i].s;
        size_t l = f[i].len;
        int feat;
        while (l && (*s == ' ' || *s == '\t')) {
            s++;
            l--;
        }
        while (l && (s[l - 1] == ' ' || s[l - 1] == '\t'))
            l--;
        if (l == 0 || l >= sizeof cm->names[0]) {
            err = util__fail(errbuf, MQTTIDS_ERR_MALFORMED, "%s:1:%d: header: column name %s", r->path,
                             i + 1, l == 0 ? "is empty" : "is longer than 63 bytes");
            goto out_free;
        }
        if (memchr(s, '\0', l)) {
            err = util__fail(errbuf, MQTTIDS_ERR_MALFORMED, "%s:1:%d: header: NUL byte in column name",
                             r->path, i + 1);
            goto out_free;
        }
        memcpy(cm->names[i], s, l);
        cm->names[i][l] = '\0';
        for (int k = 0; k < i; k++) {
            if (mqttids_feat_find(cm->names[k], strlen(cm->names[k])) >= 0 &&
                mqttids_feat_find(cm->names[k], strlen(cm->names[k])) == mqttids_feat_find(s, l)) {
                err = util__fail(errbuf, MQTTIDS_ERR_MALFORMED, "%s:1:%d: header: duplicate column '%s' (also column %d)",
                                 r->path, i + 1, cm->names[i], k + 1);
                goto out_free;
            }
            if (strcasecmp(cm->names[k], cm->names[i]) == 0) {
                err = util__fail(errbuf, MQTTIDS_ERR_MALFORMED, "%s:1:%d: header: duplicate column '%s' (also column %d)",
                                 r->path, i + 1, cm->names[i], k + 1);
                goto out_free;
            }
        }
        feat = mqttids_feat_find(s, l);
        if (feat >= 0) {
            cm->map[i] = feat;
            cm->featpos[feat] = i;
        } else if (l == 6 && strncasecmp(s, "target", 6) == 0) {
            cm->map[i] = MAP_TARGET;
            cm->target_pos = i;
        } else {
            if (strcasecmp(cm->names[i], "train_flag") == 0)
                cm->train_flag_pos = i;
            if (o->keep_extra) {
                cm->map[i] = MAP_EXTRA;
                if (mqttids_dataset_add_column(ds, cm->names[i], &cm->extra_col[i]) != MQTTIDS_OK) {
                    err = util__fail(errbuf, MQTTIDS_ERR_NOMEM, "%s: out of memory", r->path);
                    goto out_free;
                }
            } else {
                cm->map[i] = MAP_IGNORE;
            }
        }
    }
    for (int k = 0; k < MQTTIDS_NFEAT; k++) {
        if (cm->featpos[k] < 0) {
            err = util__fail(errbuf, MQTTIDS_ERR_MALFORMED,
                             "%s:1: header: required column '%s' is missing (an MQTTset CSV has the 33 feature columns)",
                             r->path, mqttids_feat_name(k));
            goto out_free;
        }
    }
    if (o->require_label && cm->target_pos < 0)
        err = util__fail(errbuf, MQTTIDS_ERR_MALFORMED, "%s:1: header: no 'target' column (labels are needed here)",
                         r->path);
out_free:
    free(f);
    return err;
}


/* ---------------------------------------------------------------------------------- */
/* Fast path. Real MQTTset rows repeat a handful of short values per column ("0.0",    */
/* "0x00000018", "legitimate"), so each column remembers its last field text with the  */
/* value, dictionary code and class it produced: a repeat costs one compare and skips  */
/* parsing and checking. Rows the fast path does not accept (quotes, any rule broken)  */
/* go through the general path, which is the reference and writes the error message.  */

#define FC_MAX 24

typedef struct fcache {
    uint32_t len;            /* 0: empty */
    char text[FC_MAX];
    double num;
    uint32_t code;
    int cls;
} fcache;

static inline const char *find_comma(const char *p, const char *end)
{
#ifdef __SSE2__
    const __m128i comma = _mm_set1_epi8(',');
    while (p < end) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        unsigned mask = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, comma));
        if (mask) {
            const char *c = p + __builtin_ctz(mask);
            return c < end ? c : end;
        }
        p += 16;
    }
    return end;
#else
    const char *c = memchr(p, ',', (size_t)(end - p));
    return c ? c : end;
#endif
}

/* Word-wise compare; s may be read up to 7 bytes past len (the buffer has READ_PAD slack). */
static inline int fc_hit(const fcache *c, const char *s, size_t len)
{
    uint64_t a, b;
    size_t i = 0;
    if (c->len != len)
        return 0;
    for (; i + 8 <= len; i += 8) {
        memcpy(&a, s + i, 8);
        memcpy(&b, c->text + i, 8);
        if (a != b)
            return 0;
    }
    if (i < len) {
        uint64_t mask = ~0ULL >> (8 * (8 - (len - i)));
        memcpy(&a, s + i, 8);
        memcpy(&b, c->text + i, 8);
        if ((a ^ b) & mask)
            return 0;
    }
    return 1;
}

/* Remembers s as the text behind c's value; a value too long to remember empties c. */
static inline void fc_store(fcache *c, const char *s, size_t len)
{
    if (len <= FC_MAX) {
        memcpy(c->text, s, len);
        c->len = (uint32_t)len;
    } else {
        c->len = 0;
    }
}

/*
 * Parses a row straight into the dataset's arrays at row ds->nrows (room reserved by
 * the caller). Returns 1 when the row is complete and valid (the caller commits it),
 * 0 when the general path must handle it.
 */
static int fast_row(mqttids_dataset *ds, const colmap *cm, fcache *fc, const char *line, size_t len,
                    mqttids_split *split, int *label)
{
    const char *p = line, *end = line + len;
    size_t i = ds->nrows;
    for (int k = 0; k < cm->ncols; k++) {
        const char *c = find_comma(p, end);
        size_t l = (size_t)(c - p);
        int m = cm->map[k];
        fcache *f = &fc[k];
        if ((c == end) != (k == cm->ncols - 1) || l == 0 || *p == '"')
            return 0;
        if (m >= 0) {
            ds_col *col = &ds->cols[m];
            if (fc_hit(f, p, l)) {
                /* arrays are zero beyond nrows: storing a 0 would only dirty a page */
                if (f->num != 0.0 || signbit(f->num))
                    col->num[i] = f->num;
                if (col->keep_strings && f->code)
                    col->codes[i] = f->code;
            } else {
                mqttids_kind kind = col->kind;
                double v;
                if (kind == MQTTIDS_KIND_NUM) {
                    if (util__parse_double(p, l, &v) != 0 || !isfinite(v) || !dataset__valid_num(m, v, NULL, 0))
                        return 0;
                } else if (kind == MQTTIDS_KIND_HEX) {
                    uint64_t u;
                    if (util__parse_hex(p, l, &u) != 0)
                        return 0;
                    v = (double)u;
                    if (!dataset__valid_num(m, v, NULL, 0))
                        return 0;
                } else {
                    if (!dataset__valid_text(m, p, l, NULL, 0))
                        return 0;
                    v = ((l == 1 && p[0] == '0') || (l == 3 && memcmp(p, "0.0", 3) == 0)) ? 0.0 : 1.0;
                }
                col->num[i] = v;
                if (col->keep_strings && dataset__dict_code(&col->dict, p, l, &col->codes[i]) != MQTTIDS_OK)
                    return 0;
                f->num = v;
                if (col->keep_strings)
                    f->code = col->codes[i];
                fc_store(f, p, l);
            }
        } else if (m == MAP_TARGET) {
            if (!fc_hit(f, p, l)) {
                int cls = mqttids_class_find(p, l);
                if (cls < 0)
                    return 0;
                f->cls = cls;
                fc_store(f, p, l);
            }
            *label = f->cls;
        } else if (m == MAP_EXTRA) {
            double v;
            if (fc_hit(f, p, l)) {
                v = f->num;
            } else {
                if (util__parse_double(p, l, &v) != 0 || !isfinite(v))
                    return 0;
                f->num = v;
                fc_store(f, p, l);
            }
            if (v != 0.0 || signbit(v))
                ds->cols[cm->extra_col[k]].num[i] = v;
            if (k == cm->train_flag_pos && *split == MQTTIDS_SPLIT_NONE) {
                if (v == 1.0)
                    *split = MQTTIDS_SPLIT_TRAIN;
                else if (v == 0.0)
                    *split = MQTTIDS_SPLIT_TEST;
                else
                    return 0;
            }
        }
        p = c + 1;
    }
    return 1;
}


/*
 * Row templates. Beyond single values, whole MQTTset rows repeat: every bare TCP ACK, every
 * CONNECT of a brute-force run, every PINGREQ is the same text except tcp.time_delta (the
 * real reduced set holds 330,936 rows but only 131,711 distinct ones even with time deltas).
 * A row whose text outside the tcp.time_delta field equals a remembered row gets that row's
 * stored non-zero values, codes, label and split, and only its time delta is parsed.
 * Direct-mapped by a hash of the text; rows longer than TPL_MAX_TEXT are not remembered.
 */
#define TPL_SLOTS 4096
#define TPL_MAX_TEXT 384
#define TPL_MAX_NZ 48
#define TPL_MAX_CODES 16

typedef struct tpl {
    uint64_t hash;
    uint32_t plen, len;     /* prefix (before the delta field) and total text length; len 0 = empty */
    uint16_t nnz, ncodes;
    int8_t label;
    uint8_t split;
    char *text;             /* owned, TPL_MAX_TEXT bytes */
    uint16_t nz_col[TPL_MAX_NZ];
    double nz_val[TPL_MAX_NZ];
    uint16_t code_col[TPL_MAX_CODES];
    uint32_t code_val[TPL_MAX_CODES];
} tpl;

/* 8 bytes at a time; may read up to 7 bytes past n (READ_PAD slack). */
static inline uint64_t tpl_hash(uint64_t h, const char *s, size_t n)
{
    uint64_t w;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        memcpy(&w, s + i, 8);
        h = (h ^ w) * 0x9E3779B97F4A7C15ULL;
        h ^= h >> 29;
    }
    if (i < n) {
        memcpy(&w, s + i, 8);
        w &= ~0ULL >> (8 * (8 - (n - i)));
        h = (h ^ w) * 0x9E3779B97F4A7C15ULL;
        h ^= h >> 29;
    }
    return h ^ n;
}

typedef struct tpl_key {
    const char *c1, *c2;    /* the commas around the tcp.time_delta field */
    uint64_t hash;
    size_t plen, slen;
} tpl_key;

/* Splits a line into prefix / delta / suffix. Returns 0 when the row cannot be a template. */
static inline int tpl_key_of(const char *line, size_t len, tpl_key *k)
{
    const char *end = line + len;
    k->c1 = find_comma(line, end);
    if (k->c1 == end)
        return 0;
    k->c2 = find_comma(k->c1 + 1, end);
    if (k->c2 == end)
        return 0;
    k->plen = (size_t)(k->c1 - line);
    k->slen = (size_t)(end - k->c2);
    if (k->plen + k->slen > TPL_MAX_TEXT)
        return 0;
    k->hash = tpl_hash(tpl_hash(0x243F6A8885A308D3ULL, line, k->plen), k->c2, k->slen);
    return 1;
}

/* Applies a matching template to row ds->nrows. Returns 1 on success. */
static int tpl_apply(mqttids_dataset *ds, tpl *t, fcache *fdelta, const char *line, const tpl_key *k,
                     mqttids_split *split, int *label)
{
    size_t i = ds->nrows;
    const char *d = k->c1 + 1;
    size_t dl = (size_t)(k->c2 - d);
    double v;
    if (t->len != k->plen + k->slen || t->hash != k->hash || t->plen != k->plen ||
        memcmp(t->text, line, k->plen) != 0 || memcmp(t->text + k->plen, k->c2, k->slen) != 0)
        return 0;
    if (fc_hit(fdelta, d, dl)) {
        v = fdelta->num;
    } else {
        if (dl == 0 || *d == '"' || util__parse_double(d, dl, &v) != 0 || !isfinite(v) ||
            !dataset__valid_num(MQTTIDS_F_TCP_TIME_DELTA, v, NULL, 0))
            return 0;
        fdelta->num = v;
        fc_store(fdelta, d, dl);
    }
    if (v != 0.0 || signbit(v))
        ds->cols[MQTTIDS_F_TCP_TIME_DELTA].num[i] = v;
    for (unsigned q = 0; q < t->nnz; q++)
        ds->cols[t->nz_col[q]].num[i] = t->nz_val[q];
    for (unsigned q = 0; q < t->ncodes; q++)
        ds->cols[t->code_col[q]].codes[i] = t->code_val[q];
    *label = t->label;
    if (*split == MQTTIDS_SPLIT_NONE)
        *split = (mqttids_split)t->split;
    return 1;
}

/* Remembers row ds->nrows (just parsed from line) as a template. */
static void tpl_store(const mqttids_dataset *ds, tpl *t, const char *line, const tpl_key *k, int label,
                      mqttids_split split)
{
    size_t i = ds->nrows;
    unsigned nnz = 0, ncodes = 0;
    if (!t->text) {
        t->text = malloc(TPL_MAX_TEXT);
        if (!t->text)
            return;
    }
    t->len = 0;
    for (size_t j = 0; j < ds->ncols; j++) {
        const ds_col *c = &ds->cols[j];
        if (j == MQTTIDS_F_TCP_TIME_DELTA)
            continue;
        if (c->num[i] != 0.0 || signbit(c->num[i])) {
            if (nnz == TPL_MAX_NZ)
                return;
            t->nz_col[nnz] = (uint16_t)j;
            t->nz_val[nnz++] = c->num[i];
        }
        if (c->keep_strings && c->codes[i]) {
            if (ncodes == TPL_MAX_CODES)
                return;
            t->code_col[ncodes] = (uint16_t)j;
            t->code_val[ncodes++] = c->codes[i];
        }
    }
    memcpy(t->text, line, k->plen);
    memcpy(t->text + k->plen, k->c2, k->slen);
    t->hash = k->hash;
    t->plen = (uint32_t)k->plen;
    t->nnz = (uint16_t)nnz;
    t->ncodes = (uint16_t)ncodes;
    t->label = (int8_t)label;
    t->split = (uint8_t)split;
    t->len = (uint32_t)(k->plen + k->slen);
}

static void write_reject(FILE *rej, const char *path, uint64_t line, const char *why,
                         const char *text, size_t len)
{
    if (!rej)
        return;
    (void)line; /* why starts with "LINE:" (or "LINE:COLUMN") already */
    fprintf(rej, "# %s:%s\n", path, why);
    if (!text)
        return; /* a line too long to keep: the comment alone says where it was */
    fwrite(text, 1, len, rej);
    fputc('\n', rej);
}

/* One read of one CSV file: the file, its column map and the work areas of its rows. */
typedef struct csv_in {
    mqttids_dataset *ds;
    const char *path;
    const mqttids_read_opts *opts;
    mqttids_read_report *rep;
    reader r;
    colmap *cm;
    field *fields;
    double *extra;
    size_t *extra_cols;
    fcache *fc;
    tpl *tpls;
    char *copy; /* the verbatim text of the row (on_error skip: for the reject file) */
    size_t copy_cap;
    int use_tpl;
    uint64_t next_progress;
} csv_in;

/* Sizes the dataset once from the file size and the first chunk's line length. */
static void reserve_estimate(csv_in *in)
{
    reader *r = &in->r;
    if (!r->bytes_total || r->end <= r->start)
        return;
    size_t lines = 0, span = r->end - r->start;
    for (const char *q = r->buf + r->start; (q = memchr(q, '\n', (size_t)(r->buf + r->end - q))); q++)
        lines++;
    if (lines > 16) {
        double est = (double)r->bytes_total / ((double)span / (double)lines) * 1.02 + 64;
        if (est < (double)DS_MAX_ROWS)
            dataset__reserve(in->ds, in->ds->nrows + (size_t)est);
    }
}

/* Stores the row straight into the dataset through a template or the fast path; returns 0
   (and leaves the row's slot as zeros) when neither takes it. */
static int store_fast(csv_in *in, const char *line, size_t len)
{
    mqttids_dataset *ds = in->ds;
    int label = -1, have_key = 0, ok = 0;
    mqttids_split fsplit = in->opts->split;
    tpl_key key;
    tpl *t = NULL;
    if (in->use_tpl && len && (have_key = tpl_key_of(line, len, &key))) {
        t = &in->tpls[key.hash & (TPL_SLOTS - 1)];
        ok = tpl_apply(ds, t, &in->fc[1], line, &key, &fsplit, &label);
    }
    if (!ok && len && fast_row(ds, in->cm, in->fc, line, len, &fsplit, &label)) {
        ok = 1;
        if (have_key)
            tpl_store(ds, t, line, &key, label, fsplit);
    }
    if (!ok) {
        /* the fast path may have stored part of this row: back to zeros */
        dataset__clear_rows(ds, ds->nrows, ds->nrows + 1);
        return 0;
    }
    size_t i = ds->nrows;
    ds->labels[i] = (int8_t)label;
    ds->splits[i] = (uint8_t)fsplit;
    if (ds->cols[MQTTIDS_F_TCP_TIME_DELTA].num[i] < 0)
        ds->neg_deltas++;
    ds->nrows = i + 1;
    /* rows beyond nrows stay zero (fast_row skips storing zeros) */
    return 1;
}

/* Parses one field of extra column i (a finite number; train_flag sets *split). Returns 0
   with *why set when it breaks a rule. */
static int parse_extra(const csv_in *in, int i, const field *f, mqttids_record *rec, double *extra,
                       size_t *extra_cols, mqttids_split *split, const char **why, char *whybuf,
                       size_t whylen)
{
    double v = NAN;
    if (util__parse_double(f->s, f->len, &v) != 0 || !isfinite(v)) {
        snprintf(whybuf, whylen, "extra column '%s' must be a finite number, found '%.*s' (use --extra ignore)",
                 in->cm->names[i], f->len > 40 ? 40 : (int)f->len, f->s);
        *why = whybuf;
        return 0;
    }
    extra[rec->n_extra] = v;
    extra_cols[rec->n_extra] = in->cm->extra_col[i];
    rec->n_extra++;
    if (i == in->cm->train_flag_pos && in->opts->split == MQTTIDS_SPLIT_NONE) {
        if (v == 1.0)
            *split = MQTTIDS_SPLIT_TRAIN;
        else if (v == 0.0)
            *split = MQTTIDS_SPLIT_TEST;
        else {
            *why = "train_flag must be 1 (train) or 0 (test)";
            return 0;
        }
    }
    return 1;
}

/* The slow path: splits the line (quotes, escapes) and parses every field into rec and
   *split. Returns 0 with *bad_col (1-based; 0: the whole line) and *why when the row
   breaks a rule. */
static int parse_row(csv_in *in, char *line, size_t len, int has_nl, mqttids_record *rec,
                     mqttids_split *split, int *bad_col, const char **why, char *whybuf, size_t whylen)
{
    const colmap *cm = in->cm;
    int n = split_fields(line, len, in->fields, cm->ncols, bad_col, why);
    if (n < 0)
        return 0;
    if (n != cm->ncols) {
        snprintf(whybuf, whylen, "%s: %d of %d fields", has_nl ? "wrong number of fields" : "truncated last line",
                 n, cm->ncols);
        *why = whybuf;
        *bad_col = n;
        return 0;
    }
    mqttids_record_clear(rec);
    rec->n_extra = 0;
    for (int i = 0; i < n; i++) {
        int m = cm->map[i];
        const char *s = in->fields[i].s;
        size_t l = in->fields[i].len;
        *bad_col = i + 1;
        if (m >= 0) {
            int zero_hex;
            if (!dataset__parse_field(m, s, l, &rec->num[m], &zero_hex, whybuf, whylen)) {
                *why = whybuf;
                return 0;
            }
            if (mqttids_feat_kind(m) != MQTTIDS_KIND_NUM) {
                rec->str[m] = zero_hex ? "0" : s;
                rec->str_len[m] = zero_hex ? 1 : (uint32_t)l;
            }
        } else if (m == MAP_TARGET) {
            int c = mqttids_class_find(s, l);
            if (c < 0) {
                snprintf(whybuf, whylen,
                         "unknown class '%.*s' (known: legitimate, dos, bruteforce, malformed, slowite, flood)",
                         l > 40 ? 40 : (int)l, s);
                *why = whybuf;
                return 0;
            }
            rec->label = c;
        } else if (m == MAP_EXTRA) {
            if (!parse_extra(in, i, &in->fields[i], rec, in->extra, in->extra_cols, split, why, whybuf, whylen))
                return 0;
        }
    }
    rec->extra = in->extra;
    int badf = dataset__validate(rec, whybuf, whylen);
    if (badf >= 0) {
        *why = whybuf;
        *bad_col = badf < MQTTIDS_NFEAT ? cm->featpos[badf] + 1 : cm->target_pos + 1;
        return 0;
    }
    return 1;
}

/* Counts a kept row, stops at max_rows (*stop) and reports progress every 8 MiB. */
static mqttids_err accept_row(csv_in *in, int negative_delta, int *stop, char *errbuf)
{
    const mqttids_read_opts *opts = in->opts;
    if (negative_delta)
        in->rep->negative_deltas++;
    in->rep->rows_kept++;
    *stop = opts->max_rows && in->rep->rows_kept >= opts->max_rows;
    if (*stop)
        return MQTTIDS_OK;
    if (opts->progress && in->r.bytes_done >= in->next_progress) {
        in->next_progress = in->r.bytes_done + (8u << 20);
        if (opts->progress("read", in->r.bytes_done, in->r.bytes_total, opts->progress_user))
            return util__fail(errbuf, MQTTIDS_ERR_INTERRUPTED, "%s: interrupted", in->path);
    }
    return MQTTIDS_OK;
}

/* A row that breaks a rule: fails the read (on_error fail) or writes it to the reject file
   and counts it. bad_col is 1-based (0: the whole line); text is the row as read. */
static mqttids_err reject_row(csv_in *in, int bad_col, const char *why, const char *text, size_t len,
                              char *errbuf)
{
    char full[MQTTIDS_ERRBUF_SIZE];
    const colmap *cm = in->cm;
    const char *cname = bad_col >= 1 && bad_col <= cm->ncols ? cm->names[bad_col - 1] : "?";
    if (bad_col >= 1)
        snprintf(full, sizeof full, "%s:%llu:%d (%s): %s", in->path, (unsigned long long)in->r.line, bad_col,
                 cname, why);
    else
        snprintf(full, sizeof full, "%s:%llu: %s", in->path, (unsigned long long)in->r.line, why);
    if (in->opts->on_error == MQTTIDS_ON_ERROR_FAIL)
        return util__fail(errbuf, MQTTIDS_ERR_MALFORMED, "%s", full);
    write_reject(in->opts->reject, in->path, in->r.line, full + strlen(in->path) + 1, text, len);
    in->rep->rows_rejected++;
    return MQTTIDS_OK;
}

/* Keeps the verbatim text of the row (quoted fields are unescaped in place by the slow path). */
static mqttids_err keep_copy(csv_in *in, const char *line, size_t len, char *errbuf)
{
    if (len + 1 > in->copy_cap) {
        char *c = realloc(in->copy, len + 1);
        if (!c)
            return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "%s: out of memory", in->path);
        in->copy = c;
        in->copy_cap = len + 1;
    }
    memcpy(in->copy, line, len);
    return MQTTIDS_OK;
}

/* Opens the file, allocates the work areas and reads the header into in->cm. */
static mqttids_err open_csv(csv_in *in, char *errbuf)
{
    char *line;
    size_t len;
    int has_nl;
    mqttids_err err = rd_open(&in->r, in->path, errbuf);
    if (err != MQTTIDS_OK)
        return err;
    in->cm = calloc(1, sizeof *in->cm);
    in->fields = malloc(READ_MAX_FIELDS * sizeof *in->fields);
    in->extra = malloc(READ_MAX_FIELDS * sizeof *in->extra);
    in->extra_cols = malloc(READ_MAX_FIELDS * sizeof *in->extra_cols);
    in->fc = calloc(READ_MAX_FIELDS, sizeof *in->fc);
    in->tpls = calloc(TPL_SLOTS, sizeof *in->tpls);
    if (!in->cm || !in->fields || !in->extra || !in->extra_cols || !in->fc || !in->tpls)
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "%s: out of memory", in->path);
    in->r.line = 1;
    err = rd_line(&in->r, &line, &len, &has_nl, errbuf);
    if (err == MQTTIDS_NEED_MORE)
        return util__fail(errbuf, MQTTIDS_ERR_MALFORMED, "%s: empty file: no header line", in->path);
    if (err != MQTTIDS_OK)
        return err;
    err = parse_header(in->ds, in->opts, &in->r, line, len, in->cm, errbuf);
    if (err != MQTTIDS_OK)
        return err;
    in->rep->has_label = in->cm->target_pos >= 0;
    in->r.skip_long = in->opts->on_error == MQTTIDS_ON_ERROR_SKIP;
    /* templates need tcp.time_delta as the second column (MQTTset's order) */
    in->use_tpl = in->cm->ncols > 2 && in->cm->map[1] == MQTTIDS_F_TCP_TIME_DELTA;
    reserve_estimate(in);
    return MQTTIDS_OK;
}

static void close_csv(csv_in *in)
{
    free(in->cm);
    free(in->fields);
    free(in->extra);
    free(in->extra_cols);
    free(in->copy);
    free(in->fc);
    if (in->tpls)
        for (size_t q = 0; q < TPL_SLOTS; q++)
            free(in->tpls[q].text);
    free(in->tpls);
    rd_close(&in->r);
}

/* Reads, checks and stores one data line (rows_read counted). *stop: max_rows reached. */
static mqttids_err read_row(csv_in *in, char *line, size_t len, int has_nl, int *stop, char *errbuf)
{
    mqttids_dataset *ds = in->ds;
    mqttids_record rec;
    mqttids_split split = in->opts->split;
    int bad_col = 0;
    const char *why = NULL;
    char whybuf[200];

    in->rep->rows_read++;
    if (ds->nrows + 1 > ds->cap && dataset__reserve(ds, ds->nrows + 1) != MQTTIDS_OK)
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "%s:%llu: out of memory (or over %zu rows)", in->path,
                          (unsigned long long)in->r.line, (size_t)DS_MAX_ROWS);
    if (store_fast(in, line, len))
        return accept_row(in, ds->cols[MQTTIDS_F_TCP_TIME_DELTA].num[ds->nrows - 1] < 0, stop, errbuf);
    if (len == 0)
        return reject_row(in, 1, "empty line", in->copy ? in->copy : line, len, errbuf);
    if (in->opts->on_error == MQTTIDS_ON_ERROR_SKIP) {
        mqttids_err err = keep_copy(in, line, len, errbuf);
        if (err != MQTTIDS_OK)
            return err;
    }
    if (!parse_row(in, line, len, has_nl, &rec, &split, &bad_col, &why, whybuf, sizeof whybuf))
        return reject_row(in, bad_col, why, in->copy ? in->copy : line, len, errbuf);
    if (mqttids_dataset_append(ds, &rec, split, in->extra_cols) != MQTTIDS_OK)
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "%s:%llu: out of memory (or over %zu rows)", in->path,
                          (unsigned long long)in->r.line, (size_t)DS_MAX_ROWS);
    return accept_row(in, rec.num[MQTTIDS_F_TCP_TIME_DELTA] < 0, stop, errbuf);
}

mqttids_err mqttids_dataset_read_csv(mqttids_dataset *ds, const char *path, const mqttids_read_opts *opts,
                                     mqttids_read_report *rep, char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    mqttids_read_opts defaults;
    mqttids_read_report local;
    csv_in in;
    size_t start_rows = ds->nrows;
    mqttids_err err;

    dataset__read_begin(&opts, &defaults, &rep, &local);
    if (opts->keep_payload)
        dataset__set_keep_payload(ds, 1);
    memset(&in, 0, sizeof in);
    in.ds = ds;
    in.path = path;
    in.opts = opts;
    in.rep = rep;
    in.next_progress = 8u << 20;

    err = open_csv(&in, errbuf);
    if (err != MQTTIDS_OK)
        goto out_free;
    for (;;) {
        char *line;
        size_t len;
        int has_nl, stop = 0;
        in.r.line++;
        err = rd_line(&in.r, &line, &len, &has_nl, errbuf);
        if (err == MQTTIDS_NEED_MORE)
            break;
        if (err != MQTTIDS_OK)
            goto out_undo;
        if (in.r.overlong) {
            char whybuf[200];
            rep->rows_read++;
            snprintf(whybuf, sizeof whybuf, "line longer than %zu bytes (dropped)", (size_t)READ_MAX_LINE);
            err = reject_row(&in, 0, whybuf, NULL, len, errbuf); /* the whole line: no column to name */
        } else if (len == 0 && !has_nl) {
            break;
        } else {
            err = read_row(&in, line, len, has_nl, &stop, errbuf);
        }
        if (err != MQTTIDS_OK)
            goto out_undo;
        if (stop)
            break;
    }
    rep->bytes = in.r.bytes_done;
    if (opts->progress)
        opts->progress("read", in.r.bytes_done, in.r.bytes_total, opts->progress_user);
    err = MQTTIDS_OK;
    goto out_free;

out_undo:
    mqttids_dataset_truncate(ds, start_rows);
    rep->rows_kept = 0;
out_free:
    close_csv(&in);
    return err;
}
