/*
 * mqttids/stats.h: the study's exploration (data overview and preprocessing) computed on a
 * dataset: counts per split and class, nulls and zeros per column, distinct values of
 * the nominal columns, mean mqtt.len over train, mean tcp.len per class, top tcp.flags,
 * the correlation matrix, IQR outlier counts, and which columns the >90%-zeros rule and
 * the correlation rule would drop.
 *
 * The result is a read-only plain struct owned by the library (free with
 * mqttids_stats_free). mqttids_stats_write_text prints its tables, mqttids_stats_json its JSON.
 */
#ifndef MQTTIDS_STATS_H
#define MQTTIDS_STATS_H

#include <stdio.h>
#include "mqttids/dataset.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mqttids_stats_opts {
    int top_flags;          /* X of "top X tcp.flags" (default 5) */
    double zero_threshold;  /* drop a column with a zero share above this (default 0.90) */
    double corr_threshold;  /* drop the later column of a pair with |r| above (default 0.95) */
    double iqr_k;           /* outlier beyond Q1 - k*IQR or Q3 + k*IQR (default 1.5) */
} mqttids_stats_opts;

void mqttids_stats_opts_init(mqttids_stats_opts *o);

typedef struct mqttids_value_count {
    char *value;            /* owned: the original text (or the number as text) */
    size_t count;
} mqttids_value_count;

typedef struct mqttids_column_stats {
    const char *name;       /* borrowed from the dataset */
    mqttids_kind kind;
    size_t nulls;           /* NaN values (extras only; features are never null) */
    size_t zeros;           /* numeric 0, or the text "0" for HEX/TEXT columns */
    double zero_share;      /* zeros / rows */
    double mean, std, min, max; /* numeric view; NaN for TEXT */
    int nominal;            /* distinct values listed below */
    mqttids_value_count *values; /* owned, nvalues, most frequent first */
    size_t nvalues;
    int dropped_zero;       /* the >threshold-zeros rule drops it */
    int dropped_corr;       /* the correlation rule drops it */
    int corr_with;          /* for dropped_corr: the column it correlates with */
    double corr_r;          /* ... and r */
} mqttids_column_stats;

typedef struct mqttids_stats {
    size_t nrows;
    size_t counts[3][MQTTIDS_NCLASS + 1]; /* [split][class], class MQTTIDS_NCLASS = unlabeled */
    size_t ncols;
    mqttids_column_stats *cols;            /* owned, ncols: every dataset column */
    size_t negative_deltas;
    double mean_mqtt_len_train;            /* NaN when there are no train rows */
    double mean_tcp_len[3][MQTTIDS_NCLASS];/* [0] all rows, [1] train, [2] test; NaN if none */
    mqttids_value_count *top_flags;        /* owned, ntop: tcp.flags by frequency */
    size_t ntop;
    size_t ncorr;                          /* numeric feature columns in the matrix */
    int *corr_cols;                        /* owned, ncorr: their column indices */
    double *corr;                          /* owned, ncorr x ncorr, row-major; NaN if constant */
    int n_iqr_cols;
    int iqr_cols[8];                       /* columns checked (the study: tcp.len) */
    double iqr_q1[8], iqr_q3[8];
    size_t outlier_rows[9];                /* rows with 0, 1, ... outlying columns */
} mqttids_stats;

/* Computes the statistics of every row of ds. Caller frees *out with mqttids_stats_free.
   Returns: MQTTIDS_OK on success, else MQTTIDS_ERR_NOMEM (mqttids/common.h). */
mqttids_err mqttids_stats_compute(const mqttids_dataset *ds, const mqttids_stats_opts *o,
                                  mqttids_stats **out /* OUT */, char errbuf[MQTTIDS_ERRBUF_SIZE]);
void mqttids_stats_free(mqttids_stats *s);
/* Writes the exploration's aligned tables (what `mqttids stats` prints) to f. Never fails
 * (write errors show in ferror(f)). */
void mqttids_stats_write_text(FILE *f, const mqttids_stats *s);
/* The exploration as one JSON object (`stats --json`, docs/FORMATS.md), plain text; o gives
 * the thresholds reported (NULL: defaults). Caller frees with free(); NULL when out of memory. */
char *mqttids_stats_json(const mqttids_stats *s, const mqttids_stats_opts *o);

#ifdef __cplusplus
}
#endif
#endif
