/*
 * features_int.h: the pipeline's private layout and its (de)serialisation inside model
 * files (layout in docs/FORMATS.md, "pipeline" block).
 *
 * Invariants: cols[i].off + width(cols[i]) == cols[i+1].off; the widths sum to d;
 * a nominal column's cats are in StringIndexer order and its width is ncat - drop_last
 * (never negative); scale has d entries (1 when scaling is off, 0 for a constant feature).
 */
#ifndef MQTTIDS_FEATURES_INT_H
#define MQTTIDS_FEATURES_INT_H

#include "mqttids/features.h"
#include "util/util_int.h"

#define FEAT_ROLE_CONTINUOUS 0
#define FEAT_ROLE_NOMINAL 1

/* Bounds applied when a pipeline is read from a file. */
#define FEAT_MAX_COLS 4096
#define FEAT_MAX_CATS 65536
#define FEAT_MAX_NAME 4096

typedef struct feat_col {
    char *name;          /* owned: canonical name */
    int feat;            /* MQTTset feature index, or -1 for an extra column */
    int extra;           /* for extras: index into the pipeline's extra list, else -1 */
    int role;            /* FEAT_ROLE_* */
    mqttids_kind kind;   /* kind of the source column */
    size_t ncat;         /* nominal: categories seen in train */
    char **cats;         /* owned, ncat strings in StringIndexer order */
    size_t width;        /* output features: 1, or ncat - drop_last */
    size_t off;          /* first output feature */
} feat_col;

typedef struct feat_drop {
    char *name;          /* owned */
    char *why;           /* owned */
} feat_drop;

struct mqttids_pipeline {
    double zero_threshold, corr_threshold;
    int scale_on, drop_last;
    size_t ncols;
    feat_col *cols;      /* owned, ncols */
    size_t nextra;
    char **extra_names;  /* owned, nextra */
    size_t ndrop;
    feat_drop *drops;    /* owned, ndrop */
    size_t d;
    double *scale;       /* owned, d: multiply output feature j by scale[j] */
    char **names;        /* owned, d output feature names */
    uint32_t hash;
};

/* A malloc'd copy of s, or NULL. */
char *features__dupstr(const char *s);
/* Output names, offsets, widths and the schema hash, from cols (fit and load end with it).
 * Returns MQTTIDS_OK or MQTTIDS_ERR_NOMEM. */
mqttids_err features__finish_layout(mqttids_pipeline *p);

/* Appends the fitted pipeline to b. */
void features__save(const mqttids_pipeline *p, util_buf *b);
/*
 * Reads a pipeline written by features__save. Every count is bounded before allocating.
 * On failure errbuf names the rule broken; the caller adds the file name and offset.
 */
mqttids_err features__load(util_rd *r, mqttids_pipeline **out, char *errbuf);

#endif
