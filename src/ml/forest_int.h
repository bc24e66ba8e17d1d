/*
 * forest_int.h: compiled tree ensembles (forest.c), the prediction path of the tree
 * learners (rf, gbt) in predict/eval/watch/stream detect.
 *
 * A compiled ensemble is every tree's nodes in one contiguous array of 16-byte nodes
 * (threshold, feature, child), built once when a model is fitted or loaded by reading the
 * learner's own trees through one small reader function per learner (forest.c). Leaves
 * are fixpoints (feature 0, threshold +Inf, child = itself), so a batch of rows walks a
 * tree in lockstep without a leaf test per step. Thresholds stay doubles: the inputs are
 * doubles and a float threshold would change x <= thr for values near it.
 *
 * Results are bit-identical to the learners' own tree walks (tests/unit/test_gbt.c checks
 * both learners): leaves are added in tree order and finished by the same arithmetic.
 */
#ifndef MQTTIDS_FOREST_INT_H
#define MQTTIDS_FOREST_INT_H

#include <stddef.h>
#include <stdint.h>
#include "ml/ml_int.h"

enum {
    ML_FOREST_AVERAGE = 0, /* rf: every leaf holds k probabilities; sum, normalize */
    ML_FOREST_SOFTMAX = 1, /* gbt: tree t adds its leaf value to class t % k; softmax */
};

#define ML_FOREST_MAX_K 64  /* classes a compiled ensemble handles (rf and gbt allow 64) */
#define ML_FOREST_MAX_D 256 /* features (more: the learner's own walk is used) */

typedef struct ml_forest ml_forest;

/* One node as a learner's reader hands it over (split: feat >= 0; leaf: feat < 0). */
typedef struct ml_tree_node {
    int32_t feat;             /* split feature, or -1 for a leaf */
    uint32_t child;           /* split: left child (right = child + 1), index in the tree */
    double thr;               /* split: x[feat] <= thr goes left */
    const double *leaf;       /* leaf: k probabilities (AVERAGE) or 1 value (SOFTMAX) */
} ml_tree_node;

/*
 * The compiled form of a fitted learner state, or NULL when the learner has none (lr, nn)
 * or memory runs out (callers then use the learner's own predict). Free with
 * ml__forest_free.
 */
ml_forest *ml__forest_compile(const ml_learner *L, const void *state);
void ml__forest_free(ml_forest *f);

/*
 * Classifies n rows of X (n, d) row-major: cls[i] the argmax (lowest class on ties),
 * proba (n, k) row-major or NULL. Thread-safe on a shared forest.
 */
void ml__forest_predict(const ml_forest *f, const double *X, size_t n, int *cls /* OUT, n */,
                        double *proba /* OUT, n * k, or NULL */);

/* The class of k probabilities: the first maximum (rf's and gbt's rule). */
int ml__argmax(const double *prob, int k);

/* The gbt softmax of k margins into prob (shared by gbt.c's own walk and forest.c). */
void ml__softmax(const double *margin, int k, double *prob);

#endif
