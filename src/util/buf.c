/* buf.c: the growable, capped byte buffer (util_int.h) with its little-endian writers, and the
   bounds-checked reader. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/util_int.h"

void util__buf_init(util_buf *b, size_t max)
{
    memset(b, 0, sizeof *b);
    b->max = max ? max : ((size_t)1 << 30);
}

void util__buf_free(util_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* A failed grow frees the buffer: a writer that checks only at the end gets nothing
   half-built, and memory is released at once (curl's dynbuf). */
static int buf_fail(util_buf *b)
{
    util__buf_free(b);
    b->failed = 1;
    return -1;
}

int util__buf_grow(util_buf *b, size_t n)
{
    size_t max = b->max ? b->max : ((size_t)1 << 30), cap;
    unsigned char *d;
    if (b->failed)
        return -1;
    if (n <= b->cap - b->len)
        return 0;
    if (b->len > max || n > max - b->len)
        return buf_fail(b);
    cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n)
        cap *= 2;
    if (cap > max)
        cap = max;
    d = realloc(b->data, cap);
    if (!d)
        return buf_fail(b);
    b->data = d;
    b->cap = cap;
    return 0;
}

int util__buf_u8(util_buf *b, uint8_t v) { return util__buf_put(b, &v, 1); }

void util__buf_printf(util_buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;
    if (b->failed)
        return;
    va_start(ap, fmt);
    n = vsnprintf(b->data && b->cap > b->len ? (char *)b->data + b->len : NULL,
                  b->data && b->cap > b->len ? b->cap - b->len : 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        buf_fail(b);
        return;
    }
    if (!b->data || (size_t)n >= b->cap - b->len) {
        if (util__buf_reserve(b, (size_t)n + 1) != 0) /* room for the text and its NUL */
            return;
        va_start(ap, fmt);
        vsnprintf((char *)b->data + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
}

int util__buf_u32(util_buf *b, uint32_t v)
{
    unsigned char x[4];
    for (int i = 0; i < 4; i++)
        x[i] = (unsigned char)(v >> (8 * i));
    return util__buf_put(b, x, 4);
}

int util__buf_u64(util_buf *b, uint64_t v)
{
    unsigned char x[8];
    for (int i = 0; i < 8; i++)
        x[i] = (unsigned char)(v >> (8 * i));
    return util__buf_put(b, x, 8);
}

int util__buf_f64(util_buf *b, double v)
{
    uint64_t u;
    memcpy(&u, &v, 8);
    return util__buf_u64(b, u);
}

int util__buf_str(util_buf *b, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    int rc = util__buf_u32(b, (uint32_t)n);
    return rc | util__buf_put(b, s, n);
}

size_t util__json_escape(char *dst, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    char *o = dst;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\') {
            *o++ = '\\';
            *o++ = (char)ch;
        } else if (ch < 0x20) {
            memcpy(o, "\\u00", 4);
            o[4] = hex[ch >> 4];
            o[5] = hex[ch & 15];
            o += 6;
        } else {
            *o++ = (char)ch;
        }
    }
    return (size_t)(o - dst);
}

void util__rd_init(util_rd *r, const void *p, size_t len)
{
    r->p = p;
    r->len = len;
    r->off = 0;
    r->failed = 0;
}

int util__rd_bytes(util_rd *r, void *out, size_t n)
{
    if (r->failed || n > r->len - r->off) {
        r->failed = 1;
        return -1;
    }
    if (n)
        memcpy(out, r->p + r->off, n);
    r->off += n;
    return 0;
}

int util__rd_u8(util_rd *r, uint8_t *v) { return util__rd_bytes(r, v, 1); }

int util__rd_u32(util_rd *r, uint32_t *v)
{
    unsigned char x[4];
    if (util__rd_bytes(r, x, 4))
        return -1;
    *v = (uint32_t)x[0] | (uint32_t)x[1] << 8 | (uint32_t)x[2] << 16 | (uint32_t)x[3] << 24;
    return 0;
}

int util__rd_u64(util_rd *r, uint64_t *v)
{
    unsigned char x[8];
    uint64_t u = 0;
    if (util__rd_bytes(r, x, 8))
        return -1;
    for (int i = 7; i >= 0; i--)
        u = (u << 8) | x[i];
    *v = u;
    return 0;
}

int util__rd_f64(util_rd *r, double *v)
{
    uint64_t u;
    if (util__rd_u64(r, &u))
        return -1;
    memcpy(v, &u, 8);
    return 0;
}

int util__rd_str(util_rd *r, char **out, size_t max)
{
    uint32_t n;
    char *s;
    *out = NULL;
    if (util__rd_u32(r, &n))
        return -1;
    if (n > max || n > r->len - r->off) {
        r->failed = 1;
        return -1;
    }
    s = malloc((size_t)n + 1);
    if (!s) {
        r->failed = 1;
        return -1;
    }
    memcpy(s, r->p + r->off, n);
    s[n] = '\0';
    r->off += n;
    *out = s;
    return 0;
}

int util__rd_count(util_rd *r, uint64_t *count, size_t elem_size)
{
    uint64_t c;
    if (util__rd_u64(r, &c))
        return -1;
    if (elem_size && c > (r->len - r->off) / elem_size) {
        r->failed = 1;
        return -1;
    }
    *count = c;
    return 0;
}
