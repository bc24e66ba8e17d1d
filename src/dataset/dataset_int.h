/*
 * dataset_int.h: the dataset's private layout and the row validator shared by every
 * source (CSV, pcap, Kafka, PostgreSQL).
 *
 * Invariants: every column array has room for cap rows and holds nrows valid values;
 * cols[0..MQTTIDS_NFEAT) are the features in mqttids_feat order; extras follow.
 * A dictionary code always indexes a string in that column's dictionary.
 */
#ifndef MQTTIDS_DATASET_INT_H
#define MQTTIDS_DATASET_INT_H

#include "mqttids/dataset.h"

/* Hard caps (STYLE.md section 5: growable buffers carry a cap). */
#define DS_MAX_ROWS ((size_t)1 << 31)
#define DS_MAX_COLS 4096
#define DS_MAX_DICT ((size_t)1 << 28)

typedef struct ds_dict {
    char **strs;      /* owned: each from the arena */
    uint32_t *lens;
    size_t n, cap;
    uint32_t *slots;  /* open addressing: code + 1, 0 = empty */
    size_t nslots;
    char *arena;      /* current chunk (chunks chained through their first pointer) */
    size_t arena_used, arena_size;
    uint32_t last;    /* last code looked up (cache), valid when n > 0 */
} ds_dict;

typedef struct ds_col {
    char *name;          /* owned */
    mqttids_kind kind;
    int keep_strings;    /* HEX always; TEXT unless it is mqtt.msg without keep_payload */
    double *num;         /* owned, cap entries */
    uint32_t *codes;     /* owned, cap entries; NULL when !keep_strings */
    ds_dict dict;
} ds_col;

struct mqttids_dataset {
    size_t nrows, cap;
    size_t ncols;
    ds_col *cols;        /* owned, ncols */
    int8_t *labels;      /* owned, cap */
    uint8_t *splits;     /* owned, cap */
    size_t neg_deltas;
    int keep_payload;
};

/* Ensures room for at least want rows. */
mqttids_err dataset__reserve(mqttids_dataset *ds, size_t want);
/* Code of s in col's dictionary, adding it if new. Returns MQTTIDS_ERR_NOMEM on failure. */
mqttids_err dataset__dict_code(ds_dict *d, const char *s, size_t len, uint32_t *code /* OUT */);
/*
 * Zeroes rows [from, to) of every column (arrays are kept zero beyond nrows; the reader
 * skips storing zeros).
 */
void dataset__clear_rows(mqttids_dataset *ds, size_t from, size_t to);
/* Switches mqtt.msg string keeping on (before any row is added). */
void dataset__set_keep_payload(mqttids_dataset *ds, int keep);
/* How every reader of rows (CSV, PostgreSQL) starts: *opts, or the defaults written to
   *defaults when NULL; *rep, or local when NULL; the report zeroed. */
void dataset__read_begin(const mqttids_read_opts **opts, mqttids_read_opts *defaults, mqttids_read_report **rep,
                         mqttids_read_report *local);

/*
 * The one validator of every record source (CSV, Kafka JSON and binary, PostgreSQL):
 * checks a record against the MQTTset column rules (course-project README notes), text
 * fields as UTF-8, the label, and extras as finite numbers. Returns -1 when valid, else
 * the feature index that breaks a rule, MQTTIDS_NFEAT for the label, MQTTIDS_NFEAT + 1 + k
 * for extra value k, with the rule text written to why.
 */
int dataset__validate(const mqttids_record *r, char *why, size_t why_size);
/*
 * The text form of feature f (a CSV field, a JSON string) to its value, by the CSV rules:
 * NUM a finite number; HEX 0x... or a zero ("0", "0.0": *zero_hex set, the text stands for
 * "0"); TEXT anything (0 for a zero text, else 1; its own rules are dataset__validate's).
 * Returns 1, or 0 with the rule broken in why.
 */
int dataset__parse_field(int f, const char *s, size_t len, double *num /* OUT */, int *zero_hex /* OUT */,
                         char *why, size_t why_size);
/* The numeric view of a TEXT feature's text: 0 for "", "0", "0.0", else 1. */
double dataset__text_num(const char *s, size_t len);
/* 1 when s[0..len) is well-formed UTF-8 (no overlongs, surrogates, or code points past U+10FFFF). */
int dataset__valid_utf8(const char *s, size_t len);

/* Per-value checks behind dataset__validate (why may be NULL). Return 1 when valid. */
int dataset__valid_num(int f, double v, char *why, size_t why_size);
int dataset__valid_text(int f, const char *s, size_t len, char *why, size_t why_size);
/*
 * The correlation rule on filled stats (corr, zero rule done): among columns the zeros rule
 * keeps, the later column of a pair with |r| > threshold is dropped. Shared with the SQL stats.
 */
struct mqttids_stats;
void dataset__corr_rule(struct mqttids_stats *s, double threshold);
/* The correlation matrix's columns (the NUM features) into s->corr_cols / s->ncorr and an
   uninitialised ncorr x ncorr s->corr; -1 when out of memory (what was allocated stays in
   s, freed with it). Shared with the SQL stats. */
int dataset__corr_alloc(struct mqttids_stats *s);
/*
 * The preprocessing rules' definitions (rules.c), shared by the statistics and the feature
 * pipeline. dataset__is_zero_str: a HEX/TEXT value that counts as zero ("0", "0.0").
 * dataset__count_zeros: zeros of column col over rows[0..n) (rows NULL: 0..n-1).
 * dataset__pearson: r of x and y over those rows given their means and, when both are >= 0,
 * the roots of their sums of squared deviations rx, ry (else computed); NaN when constant.
 * dataset__corr_drop: whether column b of m (in order) falls to the correlation rule:
 * out[k] != 0 marks columns already dropped (they neither drop nor are dropped); r_of(a,b)
 * gives r; on 1, *with is the earlier column and *r its r.
 */
int dataset__is_zero_str(const char *v);
size_t dataset__count_zeros(const mqttids_dataset *ds, size_t col, const size_t *rows, size_t n);
double dataset__pearson(const double *x, const double *y, const size_t *rows, size_t n, double mx, double my,
                        double rx, double ry);
int dataset__corr_drop(size_t m, const int *out, double (*r_of)(void *user, size_t a, size_t b), void *user,
                       double threshold, size_t b, size_t *with /* OUT */, double *r /* OUT */);
/* Python repr()'s layout of digits[0..nd) x 10^decpt (see csv_write.c); returns the length. */
size_t dataset__repr_layout(char *out, int neg, const char *digits, int nd, int decpt);
/* 1 when s[0..len) is all hex digits (SSE2 when available). */
int dataset__all_hex(const char *s, size_t len);

#endif
