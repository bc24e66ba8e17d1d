/*
 * util_int.h: small internal helpers shared by every module: error-buffer formatting,
 * logging, locale-independent number parsing, checksums, atomic file output, RNG.
 * Internal only: nothing here is part of the installed API.
 */
#ifndef MQTTIDS_UTIL_INT_H
#define MQTTIDS_UTIL_INT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "mqttids/common.h"

#if defined(__GNUC__)
#define MQTTIDS_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define MQTTIDS_PRINTF(a, b)
#endif

/* Writes a formatted message into errbuf (may be NULL) and returns err. */
mqttids_err util__fail(char *errbuf, mqttids_err err, const char *fmt, ...) MQTTIDS_PRINTF(3, 4);

/* Debug builds record where malformed input was detected (SQLite's SQLITE_CORRUPT_BKPT). */
#ifdef NDEBUG
#define MQTTIDS_MALFORMED_AT() MQTTIDS_ERR_MALFORMED
#else
mqttids_err util__malformed_at(const char *file, int line);
#define MQTTIDS_MALFORMED_AT() util__malformed_at(__FILE__, __LINE__)
#endif

/* Logging through the caller-set callback. */
void util__log(mqttids_log_level level, const char *fmt, ...) MQTTIDS_PRINTF(2, 3);

/*
 * Locale-independent number parsing of s[0..len) (no NUL needed). Accepts what the real
 * MQTTset files hold: "8", "-3", "8.0", "6.7e-05", "6.7E-5", ".5", "1e3".
 * Returns 0 and sets *out, or -1 when the text is not entirely a number.
 */
int util__parse_double(const char *s, size_t len, double *out);
/* "0x" followed by 1..16 hex digits, or a plain decimal integer. Returns 0 or -1. */
int util__parse_hex(const char *s, size_t len, uint64_t *out);
/* Plain decimal integer (optional sign). Returns 0 or -1 (also on overflow). */
int util__parse_int(const char *s, size_t len, int64_t *out);
/* v in the shortest of %.15g, %.16g, %.17g that util__parse_double reads back as v (0.3, not
   0.29999999999999999), into buf. Returns its length; 0 when size is too small. */
size_t util__fmt_double(char *buf, size_t size, double v);

/* CRC-32C (Castagnoli) of a buffer, continuing from crc (start with 0). */
uint32_t util__crc32c(uint32_t crc, const void *buf, size_t len);

/*
 * Atomic output: writes go to "<path>.tmp.<pid>" and util__atomic_commit renames it over
 * path, so a failure never leaves a half-written file. "-" means stdout (no rename); an
 * existing device or pipe (/dev/null) is written in place, never replaced.
 */
typedef struct util_atomic_file {
    FILE *fp;        /* write here */
    char *path;      /* owned */
    char *tmp_path;  /* owned; NULL for stdout or a device written in place */
    int in_place;    /* fp is an existing device or pipe opened directly */
} util_atomic_file;
mqttids_err util__atomic_open(util_atomic_file *af, const char *path, char *errbuf);
mqttids_err util__atomic_commit(util_atomic_file *af, char *errbuf);
void util__atomic_abort(util_atomic_file *af);

/* Seconds on the monotonic clock (for durations only). */
double util__now_s(void);
/* Wall-clock seconds since 1970 (timestamps in records and alerts, not durations). */
double util__wall_s(void);

/* Seeded RNG with explicit state (splitmix64 seeding + xoshiro256**), never rand(). */
typedef struct util_rng {
    uint64_t s[4];
} util_rng;
void util__rng_seed(util_rng *r, uint64_t seed);
uint64_t util__rng_next(util_rng *r);
/* Uniform double in [0, 1). */
double util__rng_uniform(util_rng *r);
/* Uniform integer in [0, n). n > 0. */
uint64_t util__rng_below(util_rng *r, uint64_t n);


/*
 * The one growable byte buffer (curl's dynbuf): model files and caches (little-endian
 * writers), text (printf), PostgreSQL COPY data (store's big-endian writers on top),
 * Kafka records and alerts, CSV rows flushed to a FILE (reserve, write at data + len,
 * add to len; util__buf_clear after each flush).
 * A failed grow (hard cap hit or no memory) frees the data and sets ->failed; every later
 * write then fails too until util__buf_clear, so a writer may check ->failed once at the
 * end instead of every return. A zeroed struct is an empty buffer capped at 1 GiB.
 */
typedef struct util_buf {
    unsigned char *data; /* owned */
    size_t len, cap, max;/* max: hard cap (0: 1 GiB) */
    int failed;
} util_buf;
void util__buf_init(util_buf *b, size_t max);
/* Frees the data (len and cap 0); keeps max and failed. */
void util__buf_free(util_buf *b);
/* The slow path of util__buf_reserve: grows b to hold n more bytes. Returns 0 or -1. */
int util__buf_grow(util_buf *b, size_t n);
/* Room for n more bytes at data + len (valid until the next grow). Returns 0, or -1 when b
   failed (now or before). */
static inline int util__buf_reserve(util_buf *b, size_t n)
{
    return !b->failed && n <= b->cap - b->len ? 0 : util__buf_grow(b, n);
}
/* Appends p[0..n). Returns 0 or -1 (b failed). */
static inline int util__buf_put(util_buf *b, const void *p, size_t n)
{
    if (util__buf_reserve(b, n) != 0)
        return -1;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}
/* Empties b for reuse (len 0, failed cleared), keeping its memory. */
static inline void util__buf_clear(util_buf *b)
{
    b->len = 0;
    b->failed = 0;
}
/* Little-endian writers; each returns 0 or -1 (b failed). */
int util__buf_u8(util_buf *b, uint8_t v);
int util__buf_u32(util_buf *b, uint32_t v);
int util__buf_u64(util_buf *b, uint64_t v);
int util__buf_f64(util_buf *b, double v);
int util__buf_str(util_buf *b, const char *s); /* u32 length + bytes (no NUL) */
/* JSON string content of s[0..n) into dst (room for 6 * n bytes): '"' and '\\' escaped,
   control bytes as \u00XX, the rest as is. Returns the bytes written. The tool's one JSON
   escaping rule (Kafka records, alerts). */
size_t util__json_escape(char *dst, const char *s, size_t n);
/* json-c helpers (json.c) for the library's JSON documents (stats, metrics, models). */
struct json_object;
/* A JSON number, or NULL (JSON null) when v is not finite. */
struct json_object *util__json_double(double v);
/* The plain JSON text of j (slashes not escaped) as a malloc'd string, releasing j;
   NULL when j is NULL or memory runs out. */
char *util__json_text(struct json_object *j);
/* Text: appends printf output and keeps a NUL after len (data is then a C string). */
void util__buf_printf(util_buf *b, const char *fmt, ...) MQTTIDS_PRINTF(2, 3);

/*
 * Bounds-checked reader over untrusted bytes. Every get returns 0, or -1 once the data
 * runs out (then ->failed is set and every later get fails too).
 */
typedef struct util_rd {
    const unsigned char *p;
    size_t len, off;
    int failed;
} util_rd;
void util__rd_init(util_rd *r, const void *p, size_t len);
int util__rd_bytes(util_rd *r, void *out, size_t n);
int util__rd_u8(util_rd *r, uint8_t *v);
int util__rd_u32(util_rd *r, uint32_t *v);
int util__rd_u64(util_rd *r, uint64_t *v);
int util__rd_f64(util_rd *r, double *v);
/* Reads a u32-length string of at most max bytes into a new NUL-terminated malloc'd copy. */
int util__rd_str(util_rd *r, char **out, size_t max);
/* Reads a count and checks count * elem_size fits in what is left (bound before allocating). */
int util__rd_count(util_rd *r, uint64_t *count, size_t elem_size);

#endif
