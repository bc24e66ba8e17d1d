/*
 * rf_int.h: the random forest's private pieces shared by rf.c (parameters, state, fit,
 * serialisation), rf_bins.c (split candidates and binning) and rf_tree.c (growing one
 * tree). Not part of the learner interface: the framework only sees ml__rf.
 */
#ifndef MQTTIDS_RF_INT_H
#define MQTTIDS_RF_INT_H

#include <stddef.h>
#include <stdint.h>
#include "ml/ml_int.h"

#define RF_MAX_TREES 10000
#define RF_MAX_DEPTH 30   /* Spark's limit too */
#define RF_MAX_BINS 256   /* maxBins (splits=spark) */
#define RF_MAX_CODES 65535 /* bins of one feature (splits=exact): codes and nbins are uint16 */
#define RF_MAX_CLASSES 64

enum {
    RF_SPLITS_EXACT = 0,  /* sklearn: every distinct value, feature draws until one can split */
    RF_SPLITS_SPARK = 1,  /* Spark: maxBins quantile bins, leaf when the drawn features cannot split */
};

enum {
    RF_FSS_AUTO = 0,
    RF_FSS_ALL,
    RF_FSS_ONETHIRD,
    RF_FSS_SQRT,
    RF_FSS_LOG2,
    RF_FSS_FRACTION,  /* fss_value in (0, 1] */
    RF_FSS_COUNT,     /* fss_value an integer >= 1 */
};

enum {
    RF_GINI = 0,
    RF_ENTROPY = 1,
};

typedef struct rf_params {
    int num_trees;
    int max_depth;
    int max_bins;
    int min_instances;        /* minInstancesPerNode: bootstrap instances per child */
    double min_info_gain;
    int fss;                  /* RF_FSS_* */
    double fss_value;
    double subsampling_rate;
    int bootstrap;
    int impurity;             /* RF_GINI or RF_ENTROPY */
    int splits;               /* RF_SPLITS_EXACT (default) or RF_SPLITS_SPARK */
    int prune;                /* 1 (Spark): with splits=spark, merge sibling leaves predicting
                                 the same class; not a user parameter (Spark's is test-only too) */
} rf_params;

/*
 * One tree, flattened. Split node: go to child when x[feat] <= thr, else child + 1.
 * Leaf (feat < 0): child indexes leaf[child * k .. + k), the normalized class distribution
 * of the (bootstrapped, weighted) training rows that reached it.
 */
typedef struct rf_node {
    double thr;
    int32_t feat;
    uint32_t child;
} rf_node;

typedef struct rf_tree {
    rf_node *nodes;           /* owned */
    double *leaf;             /* owned, (n_leaves, k) */
    uint32_t n_nodes, n_leaves;
} rf_tree;

typedef struct rf_state {
    size_t d;
    int k;
    uint32_t n_trees;
    rf_tree *trees;           /* owned, n_trees */
    double *imp;              /* owned, d feature importances (sum 1, or all 0) */
} rf_state;

/*
 * The training data as the tree builder sees it: bin codes, never the doubles, and
 * identical rows merged. Rows with the same codes in every feature, the same class and
 * the same weight cannot be told apart by any tree, so they become one group of m rows
 * (MQTTset's 231,646 resampled train rows make about 1,400 groups at maxBins 32 and
 * about 10,000 with exact splits). Bagging draws a group's count as the sum of its rows'
 * draws (Poisson(m * rate): the same distribution as m separate Poisson(rate) draws).
 *
 * Bins of feature f are entries off[f] .. off[f] + nbins[f] - 1 of the per-bin arrays.
 * splits=spark: thr[off[f] + b] is the threshold after bin b (b < nbins - 1), fixed by
 * the binning as in Spark. splits=exact: bin b holds the values vlo[off[f] + b] ..
 * vhi[off[f] + b] (one distinct value each, vlo = vhi, unless the feature has more than
 * RF_MAX_CODES distinct values); a split between the node's nearest non-empty bins p < c
 * gets the threshold halfway between vhi of p and vlo of c, as sklearn does.
 */
typedef struct rf_data {
    size_t n, d;
    int k;
    int exact;                /* splits=exact */
    size_t u;                 /* groups */
    int weighted;             /* sample weights were given */
    uint16_t *codes;          /* owned, (d, u) column-major: code of feature f of group g at f * u + g */
    uint8_t *gy;              /* owned, u: class of the group */
    double *gw;               /* owned, u: weight of one row of the group (1 without weights) */
    uint32_t *gm;             /* owned, u: rows in the group */
    uint16_t *nbins;          /* owned, d: bins of feature f, 1..RF_MAX_CODES */
    size_t *off;              /* owned, d + 1: first bin of f in the per-bin arrays */
    uint32_t max_nbins;       /* largest nbins[f] */
    double *thr;              /* owned, off[d] (spark) or NULL */
    double *vlo, *vhi;        /* owned, off[d] each (exact) or NULL */
} rf_data;

/*
 * Computes the bins of every feature (splits=spark: Spark's candidates for max_bins, the
 * quantile sample seeded from seed; splits=exact: every distinct value), bins X and
 * groups identical rows. Errors: INVALID (non-finite X), NOMEM.
 */
mqttids_err rf__bin(rf_data *data, const double *X, size_t n, size_t d, const int *y, int k,
                    const double *w, int splits, int max_bins, uint64_t seed, char *errbuf);

/* The threshold sklearn puts between two consecutive distinct values a < b. */
double rf__midpoint(double a, double b);
void rf__data_free(rf_data *data);

/* Features tried per node for these parameters and d features. */
size_t rf__mtry(const rf_params *p, size_t d);

/* Per-thread scratch for growing trees. */
typedef struct rf_builder rf_builder;
rf_builder *rf__builder_new(const rf_data *data, const rf_params *p, size_t mtry);
void rf__builder_free(rf_builder *b);
/*
 * Grows one tree with an RNG seeded from seed into *tree (which then owns its arrays)
 * and adds gain * instance count of every split kept to imp[feat] (d values, not
 * normalized).
 * Returns 0, or -1 when out of memory.
 */
int rf__build_tree(rf_builder *b, uint64_t seed, rf_tree *tree, double *imp);

void rf__state_free(rf_state *s);

/* A Poisson(mean) draw (bagging counts of a group of identical rows). */
uint32_t rf__poisson(util_rng *rng, double mean);

#endif
