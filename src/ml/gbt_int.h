/*
 * gbt_int.h: the gradient-boosted trees learner's fitted state (gbt.c), shared with the
 * ensemble compiler (forest.c). The framework only sees ml__gbt.
 */
#ifndef MQTTIDS_GBT_INT_H
#define MQTTIDS_GBT_INT_H

#include <stddef.h>
#include <stdint.h>
#include "ml/ml_int.h"

#define GBT_MAX_ROUNDS 100000
#define GBT_MAX_DEPTH 30
#define GBT_MAX_CLASSES 64

/*
 * One node. Split (feat >= 0): x[feat] <= v goes to child, else child + 1 (children after
 * their parent). Leaf (feat < 0): v is the leaf value (learning rate applied).
 */
typedef struct gbt_node {
    double v;
    int32_t feat;
    uint32_t child;
} gbt_node;

typedef struct gbt_tree {
    gbt_node *nodes;          /* owned */
    uint32_t n_nodes;
} gbt_tree;

/* Tree r * k + c is round r's tree of class c; margin_c = base + sum of class c's leaves. */
typedef struct gbt_state {
    size_t d;
    int k;
    uint32_t rounds;
    double base;
    gbt_tree *trees;          /* owned, rounds * k */
    double *imp;              /* owned, d: total split gain per feature, normalized (or all 0) */
} gbt_state;

#endif
