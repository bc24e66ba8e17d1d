/*
 * mqttids/dataset.h: the columnar, in-memory dataset and the MQTTset CSV reader/writer.
 *
 * A dataset holds rows of the 33 MQTTset features (columns 0..32, in mqttids_feat order,
 * always present) plus any extra numeric columns (e.g. ctx.* flow context, train_flag),
 * a label per row (class index, -1 unknown) and a split tag per row.
 * Numeric views are double arrays; HEX and TEXT features are also dictionary-encoded
 * with their original strings kept (codes index the column's dictionary).
 *
 * Not here: feature transforms (features.h), models (ml.h).
 */
#ifndef MQTTIDS_DATASET_H
#define MQTTIDS_DATASET_H

#include <stdio.h>
#include "mqttids/common.h"
#include "mqttids/schema.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mqttids_dataset mqttids_dataset;

/* A new empty dataset with the 33 feature columns. Caller frees with mqttids_dataset_free. */
mqttids_dataset *mqttids_dataset_new(void);
/* Frees ds and everything it owns; NULL is fine. */
void mqttids_dataset_free(mqttids_dataset *ds);

size_t mqttids_dataset_nrows(const mqttids_dataset *ds);
/* Number of columns: MQTTIDS_NFEAT + extra columns. */
size_t mqttids_dataset_ncols(const mqttids_dataset *ds);
/* Column name (canonical tshark form for the features). Borrowed. */
const char *mqttids_dataset_col_name(const mqttids_dataset *ds, size_t col);
/* Kind of a column (extras are always MQTTIDS_KIND_NUM). */
mqttids_kind mqttids_dataset_col_kind(const mqttids_dataset *ds, size_t col);
/* Column index by name (either name form, case-insensitive), or -1. */
int mqttids_dataset_col_find(const mqttids_dataset *ds, const char *name);
/* Numeric view of a column, nrows doubles. Borrowed, valid until the next append. */
const double *mqttids_dataset_col_num(const mqttids_dataset *ds, size_t col);
/*
 * Dictionary codes of a HEX/TEXT column (nrows uint32), or NULL for NUM columns and for
 * a TEXT column whose strings were not kept (mqtt.msg without keep_payload).
 */
const uint32_t *mqttids_dataset_col_codes(const mqttids_dataset *ds, size_t col);
/* Size of a column's dictionary and the string of one code (borrowed, NUL-terminated). */
size_t mqttids_dataset_dict_size(const mqttids_dataset *ds, size_t col);
const char *mqttids_dataset_dict_str(const mqttids_dataset *ds, size_t col, uint32_t code);
/* Labels (nrows ints: class index or -1). Borrowed. */
const int8_t *mqttids_dataset_labels(const mqttids_dataset *ds);
/* Split tags (nrows mqttids_split values). Borrowed. */
const uint8_t *mqttids_dataset_splits(const mqttids_dataset *ds);
/* Count of rows with a split tag (MQTTIDS_SPLIT_*) and, when cls >= 0, that class. */
size_t mqttids_dataset_count(const mqttids_dataset *ds, int split, int cls);
/* Rows whose tcp.time_delta was negative (they are kept; the real data has them). */
size_t mqttids_dataset_negative_deltas(const mqttids_dataset *ds);

/*
 * Declares an extra numeric column (must be done before rows are appended, or the
 * existing rows get 0). Returns its column index through col. Re-declaring a name
 * returns the existing index.
 * Also returns MQTTIDS_ERR_NOMEM (mqttids/common.h).
 */
mqttids_err mqttids_dataset_add_column(mqttids_dataset *ds, const char *name, size_t *col /* OUT */);

/*
 * Appends one record with a split tag. r->extra, when n_extra > 0, maps in order to the
 * extra columns given by extra_cols (column indices from mqttids_dataset_add_column);
 * extra_cols NULL means the dataset's extra columns in order.
 * Returns MQTTIDS_ERR_NOMEM (the dataset is unchanged) or MQTTIDS_OK.
 */
mqttids_err mqttids_dataset_append(mqttids_dataset *ds, const mqttids_record *r,
                                   mqttids_split split, const size_t *extra_cols);

/*
 * Fills r with the 33 features and the label of row i (strings borrowed from ds, valid until
 * the next append). Extra columns are not filled (r->n_extra is 0): read them with
 * mqttids_dataset_col_num.
 */
void mqttids_dataset_get(const mqttids_dataset *ds, size_t i, mqttids_record *r /* OUT */);

/*
 * A new dataset of the rows idx[0..n) (in that order), same columns and dictionaries.
 * Caller frees. NULL on allocation failure.
 */
mqttids_dataset *mqttids_dataset_subset(const mqttids_dataset *ds, const size_t *idx, size_t n);
/* Row indices with the given split tag, in order; caller frees *idx with free().
   Returns: MQTTIDS_OK on success, else MQTTIDS_ERR_NOMEM (mqttids/common.h). */
mqttids_err mqttids_dataset_split_rows(const mqttids_dataset *ds, int split,
                                       size_t **idx /* OUT */, size_t *n /* OUT */);

/* ---------------------------------------------------------------------------------- */
/* The MQTTset CSV reader.                                                            */

typedef enum mqttids_on_error {
    MQTTIDS_ON_ERROR_FAIL = 0, /* stop at the first bad row */
    MQTTIDS_ON_ERROR_SKIP = 1, /* reject the row (to the reject file) and go on */
} mqttids_on_error;

typedef struct mqttids_read_opts {
    mqttids_split split;        /* tag for every row; NONE: use a train_flag column if any */
    mqttids_on_error on_error;  /* default FAIL */
    FILE *reject;               /* SKIP: rejected lines are written here (borrowed; may be NULL) */
    int keep_extra;             /* keep columns that are not features (numeric only) */
    int keep_payload;           /* keep mqtt.msg strings (memory: they are most of the file) */
    int require_label;          /* a file without a target column is an error */
    uint64_t max_rows;          /* stop after this many kept rows (0: all) */
    mqttids_progress_fn progress; /* called every few MB with bytes done / total (0 if gz) */
    void *progress_user;
} mqttids_read_opts;

/* Defaults: FAIL, keep_extra 1, keep_payload 0, require_label 0, everything else 0. */
void mqttids_read_opts_init(mqttids_read_opts *o);

typedef struct mqttids_read_report {
    uint64_t rows_read;      /* data lines seen */
    uint64_t rows_kept;      /* appended to the dataset */
    uint64_t rows_rejected;  /* SKIP: written to the reject file */
    uint64_t bytes;          /* bytes of (decompressed) input consumed */
    uint64_t negative_deltas;/* kept rows with tcp.time_delta < 0 */
    int has_label;           /* the file had a target column */
} mqttids_read_report;

/*
 * Reads an MQTTset CSV file (plain or gzip, detected by magic bytes; "-" is stdin) and
 * appends its rows to ds. Columns are found by header name; every feature column must
 * be present; "target" is optional unless o->require_label. Whole-file problems (no
 * header, a missing column, a duplicate column) always fail.
 * On failure errbuf holds "path:line:column (name): rule broken"; with FAIL, rows of
 * this file appended before the error are removed again (the dataset is as it was).
 * rep (may be NULL) receives the counts.
 * Returns: MQTTIDS_OK on success, else MQTTIDS_ERR_INTERRUPTED, MQTTIDS_ERR_INVALID,
 * MQTTIDS_ERR_IO, MQTTIDS_ERR_MALFORMED, MQTTIDS_ERR_NET, MQTTIDS_ERR_NOMEM,
 * MQTTIDS_ERR_NOT_FOUND, MQTTIDS_ERR_UNSUPPORTED (mqttids/common.h).
 */
mqttids_err mqttids_dataset_read_csv(mqttids_dataset *ds,
                                     const char *path,               /* file, .gz or "-" */
                                     const mqttids_read_opts *o,     /* NULL: defaults */
                                     mqttids_read_report *rep,       /* OUT, may be NULL */
                                     char errbuf[MQTTIDS_ERRBUF_SIZE]);

/* Truncates ds to its first n rows (used to undo a failed read). */
void mqttids_dataset_truncate(mqttids_dataset *ds, size_t n);

/* ---------------------------------------------------------------------------------- */
/* The MQTTset CSV writer (the form the real files use).                              */

/* The MQTTset CSV header line: the 33 names, then "target" when with_label (no newline).
   Returns: MQTTIDS_OK on success, else MQTTIDS_ERR_IO (mqttids/common.h). */
mqttids_err mqttids_csv_write_header(FILE *out, int with_label,
                                     const char *const *extra_names, size_t n_extra);
/*
 * Writes one record as an MQTTset CSV line: HEX as 0x%08x ("0" when absent),
 * tcp.len as an integer, other NUM features as pandas writes floats (repr: "0.0",
 * "6.7e-05", "8.0"), TEXT as its string or "0"; then the class name when with_label.
 * Returns: MQTTIDS_OK on success, else MQTTIDS_ERR_IO (mqttids/common.h).
 */
mqttids_err mqttids_csv_write_record(FILE *out, const mqttids_record *r, int with_label);

/* Formats a double the way Python's repr() does (shortest round-trip), into buf. */
size_t mqttids_format_double(char *buf, size_t size, double v);

#ifdef __cplusplus
}
#endif
#endif
