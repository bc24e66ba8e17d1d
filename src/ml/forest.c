/*
 * forest.c: compiled tree ensembles (forest_int.h) for rf and gbt.
 *
 * Compile: each learner's trees are read through one small reader function (rf_node_at,
 * gbt_node_at below: the only code that knows the learners' node layouts) and copied into
 * one node array with absolute child indices. Leaves become fixpoints: feature 0,
 * threshold +Inf, child = the leaf itself (x > +Inf is false for every x, NaN included),
 * and a parallel array gives each leaf's offset into the value array.
 *
 * Predict: blocks of FOREST_BLOCK rows; for each tree in order, groups of FOREST_LANES
 * rows walk it in lockstep (independent loads, so the walks overlap in the CPU) until no
 * row moves; then each row adds its leaf into its accumulator. Per row the additions
 * happen in tree order, as in the learners' own walks, so the sums are bit-identical.
 *
 * Not here: fitting, model files.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "ml/forest_int.h"
#include "ml/gbt_int.h"
#include "ml/rf_int.h"

#define FOREST_BLOCK 32
#define FOREST_LANES 8
#define FOREST_CHUNK 1024 /* rows checked for repeats together */
#if defined(__GNUC__) && !defined(__clang__)
#define FOREST_UNROLL _Pragma("GCC unroll 8")
#elif defined(__clang__)
#define FOREST_UNROLL _Pragma("unroll 8")
#else
#define FOREST_UNROLL
#endif

typedef struct fnode {
    double thr;
    uint32_t col;             /* split feature * FOREST_BLOCK (its row in a transposed block); leaf: 0 */
    uint32_t next;            /* split: left child (absolute), right = next + 1; leaf: itself */
} fnode;

struct ml_forest {
    int mode;                 /* ML_FOREST_* */
    size_t d;
    int k;
    double base;              /* SOFTMAX: initial margin of every class */
    uint32_t n_trees;
    uint32_t *root;           /* owned, n_trees */
    uint32_t *depth;          /* owned, n_trees: deepest leaf (steps that reach every leaf) */
    fnode *nodes;             /* owned, all trees */
    uint32_t *leafval;        /* owned, per node: offset of a leaf's values in val */
    double *val;              /* owned */
};

typedef void (*node_reader)(const void *state, uint32_t tree, uint32_t i, ml_tree_node *out);

/* ---- the readers: the learners' node layouts, nowhere else in this file ---- */

static uint32_t rf_size(const void *sv, uint32_t t)
{
    return ((const rf_state *)sv)->trees[t].n_nodes;
}

static void rf_node_at(const void *sv, uint32_t t, uint32_t i, ml_tree_node *o)
{
    const rf_state *s = sv;
    const rf_node *nd = &s->trees[t].nodes[i];
    o->feat = nd->feat < 0 ? -1 : nd->feat;
    o->child = nd->child;
    o->thr = nd->thr;
    o->leaf = nd->feat < 0 ? s->trees[t].leaf + (size_t)nd->child * (size_t)s->k : NULL;
}

static uint32_t gbt_size(const void *sv, uint32_t t)
{
    return ((const gbt_state *)sv)->trees[t].n_nodes;
}

static void gbt_node_at(const void *sv, uint32_t t, uint32_t i, ml_tree_node *o)
{
    const gbt_node *nd = &((const gbt_state *)sv)->trees[t].nodes[i];
    o->feat = nd->feat < 0 ? -1 : nd->feat;
    o->child = nd->child;
    o->thr = nd->v;
    o->leaf = nd->feat < 0 ? &nd->v : NULL;
}

/* ---- compile ---- */

void ml__forest_free(ml_forest *f)
{
    if (!f)
        return;
    free(f->root);
    free(f->depth);
    free(f->nodes);
    free(f->leafval);
    free(f->val);
    free(f);
}

static ml_forest *compile(int mode, size_t d, int k, double base, uint32_t n_trees, const void *s,
                          uint32_t (*size)(const void *, uint32_t), node_reader rd)
{
    ml_forest *f = calloc(1, sizeof *f);
    size_t nn = 0, nv = 0, per_leaf = mode == ML_FOREST_AVERAGE ? (size_t)k : 1;
    if (!f)
        return NULL;
    if (k < 1 || k > ML_FOREST_MAX_K || d < 1 || d > ML_FOREST_MAX_D)
        goto fail;
    f->mode = mode;
    f->d = d;
    f->k = k;
    f->base = base;
    f->n_trees = n_trees;
    for (uint32_t t = 0; t < n_trees; t++)
        nn += size(s, t);
    if (nn > UINT32_MAX - 1)
        goto fail;
    f->root = malloc((n_trees ? n_trees : 1) * sizeof *f->root);
    f->depth = calloc(n_trees ? n_trees : 1, sizeof *f->depth);
    f->nodes = malloc((nn ? nn : 1) * sizeof *f->nodes);
    f->leafval = malloc((nn ? nn : 1) * sizeof *f->leafval);
    f->val = malloc((nn ? nn : 1) * per_leaf * sizeof *f->val);
    if (!f->root || !f->depth || !f->nodes || !f->leafval || !f->val)
        goto fail;
    for (uint32_t t = 0, at = 0; t < n_trees; t++) {
        uint32_t m = size(s, t);
        f->root[t] = at;
        memset(f->leafval + at, 0, (size_t)m * sizeof *f->leafval);
        for (uint32_t i = 0; i < m; i++) {
            ml_tree_node nd;
            fnode *o = &f->nodes[at + i];
            rd(s, t, i, &nd);
            if (nd.feat >= 0) {
                o->thr = nd.thr;
                if ((size_t)nd.feat >= d)
                    goto fail;
                o->col = (uint32_t)nd.feat * FOREST_BLOCK;
                o->next = at + nd.child;
                /* children follow their parent: their depth is known before they are read */
                if (nd.child + 1 >= m)
                    goto fail;
                f->leafval[at + nd.child] = f->leafval[at + nd.child + 1] = f->leafval[at + i] + 1;
            } else {
                o->thr = INFINITY;
                o->col = 0;
                o->next = at + i;
                if (f->leafval[at + i] > f->depth[t]) /* leafval holds the depth until here */
                    f->depth[t] = f->leafval[at + i];
                f->leafval[at + i] = (uint32_t)nv;
                memcpy(f->val + nv, nd.leaf, per_leaf * sizeof *f->val);
                nv += per_leaf;
            }
        }
        at += m;
    }
    return f;
fail:
    ml__forest_free(f);
    return NULL;
}

ml_forest *ml__forest_compile(const ml_learner *L, const void *state)
{
    if (!L || !state)
        return NULL;
    if (L == &ml__rf) {
        const rf_state *s = state;
        return compile(ML_FOREST_AVERAGE, s->d, s->k, 0.0, s->n_trees, s, rf_size, rf_node_at);
    }
    if (L == &ml__gbt) {
        const gbt_state *s = state;
        return compile(ML_FOREST_SOFTMAX, s->d, s->k, s->base, s->rounds * (uint32_t)s->k, s, gbt_size,
                       gbt_node_at);
    }
    return NULL;
}

/* ---- predict ---- */

int ml__argmax(const double *prob, int k)
{
    int best = 0;
    for (int c = 1; c < k; c++)
        if (prob[c] > prob[best])
            best = c;
    return best;
}

void ml__softmax(const double *margin, int k, double *prob)
{
    double mx = margin[0], sum = 0.0;
    for (int c = 1; c < k; c++)
        if (margin[c] > mx)
            mx = margin[c];
    for (int c = 0; c < k; c++) {
        prob[c] = exp(margin[c] - mx);
        sum += prob[c];
    }
    for (int c = 0; c < k; c++)
        prob[c] /= sum;
}

/*
 * Walks rows r0 .. r0+nr of the transposed block xt (feature f of row r at
 * xt[f * FOREST_BLOCK + r]; node col = feat * FOREST_BLOCK) through the tree at root; leaf
 * node ids into out. A full group of FOREST_LANES rows takes exactly `depth` steps in
 * lockstep (a row at a leaf stays there: no test, no branch); a remainder (a single
 * record in watch) walks row by row until its node stops changing.
 */
static void walk(const fnode *N, uint32_t root, uint32_t depth, const double *xt, size_t nr, uint32_t *out)
{
    if (nr < FOREST_LANES) {
        for (size_t j = 0; j < nr; j++) {
            uint32_t i = root, nx;
            while ((nx = N[i].next + (xt[N[i].col + j] > N[i].thr)) != i)
                i = nx;
            out[j] = i;
        }
        return;
    }
    uint32_t id[FOREST_LANES];
    for (size_t j = 0; j < FOREST_LANES; j++)
        id[j] = root;
    for (uint32_t step = 0; step < depth; step++)
        /* fully unrolled, the lanes' node ids live in registers; gcc does not always do it by
           itself (it kept this loop rolled, id[] in memory, in some builds: 30% slower) */
        FOREST_UNROLL
        for (size_t j = 0; j < FOREST_LANES; j++) {
            const fnode *nd = &N[id[j]];
            id[j] = nd->next + (xt[nd->col + j] > nd->thr);
        }
    memcpy(out, id, sizeof id);
}

/* Predicts rows idx[0..n) of X (row r at X + r * d), results at cls[r], proba + r * k. */
static void predict_rows(const ml_forest *f, const double *X, const uint32_t *idx, size_t n, int *cls,
                         double *proba)
{
    size_t k = (size_t)f->k, d = f->d;
    double acc[FOREST_BLOCK * ML_FOREST_MAX_K], xt[FOREST_BLOCK * ML_FOREST_MAX_D];
    uint32_t leaf[FOREST_LANES];
    for (size_t b0 = 0; b0 < n; b0 += FOREST_BLOCK) {
        size_t nb = n - b0 < FOREST_BLOCK ? n - b0 : FOREST_BLOCK;
        for (size_t r = 0; r < nb; r++) {
            const double *x = X + (size_t)idx[b0 + r] * d;
            for (size_t j = 0; j < d; j++)
                xt[j * FOREST_BLOCK + r] = x[j];
        }
        for (size_t i = 0; i < nb * k; i++)
            acc[i] = f->mode == ML_FOREST_SOFTMAX ? f->base : 0.0;
        for (uint32_t t = 0; t < f->n_trees; t++) {
            size_t c0 = f->mode == ML_FOREST_SOFTMAX ? t % k : 0;
            for (size_t r = 0; r < nb; r += FOREST_LANES) {
                size_t nr = nb - r < FOREST_LANES ? nb - r : FOREST_LANES;
                walk(f->nodes, f->root[t], f->depth[t], xt + r, nr, leaf);
                for (size_t j = 0; j < nr; j++) {
                    const double *v = f->val + f->leafval[leaf[j]];
                    double *a = acc + (r + j) * k;
                    if (f->mode == ML_FOREST_SOFTMAX)
                        a[c0] += v[0];
                    else
                        for (size_t c = 0; c < k; c++)
                            a[c] += v[c];
                }
            }
        }
        for (size_t i = 0; i < nb; i++) {
            double *a = acc + i * k, pb[ML_FOREST_MAX_K];
            size_t row = idx[b0 + i];
            double *p = proba ? proba + row * k : pb;
            if (f->mode == ML_FOREST_SOFTMAX) {
                ml__softmax(a, f->k, p);
            } else {
                /* rf.c's predict_proba: normalize the sum of the trees' distributions */
                double sum = 0.0;
                for (size_t c = 0; c < k; c++)
                    sum += a[c];
                for (size_t c = 0; c < k; c++)
                    p[c] = sum > 0.0 ? a[c] / sum : 1.0 / (double)k;
            }
            cls[row] = ml__argmax(p, f->k);
        }
    }
}

static uint64_t row_hash(const double *x, size_t d)
{
    uint64_t h0 = 0x9E3779B97F4A7C15ull, h1 = 0xC2B2AE3D27D4EB4Full;
    size_t j = 0;
    for (; j + 1 < d; j += 2) {
        uint64_t a, b;
        memcpy(&a, &x[j], 8);
        memcpy(&b, &x[j + 1], 8);
        h0 = (h0 ^ a) * 0xFF51AFD7ED558CCDull;
        h1 = (h1 ^ b) * 0xC4CEB9FE1A85EC53ull;
    }
    if (j < d) {
        uint64_t a;
        memcpy(&a, &x[j], 8);
        h0 = (h0 ^ a) * 0xFF51AFD7ED558CCDull;
    }
    h0 ^= h1 + (h0 >> 29);
    return h0 ^ (h0 >> 32);
}

/*
 * Rows are taken FOREST_CHUNK at a time; a row whose bytes equal an earlier row's in the
 * chunk (captures repeat packets: the held-out MQTTset train rows are 2.5 copies per
 * distinct row) gets that row's results copied instead of walking the trees again. Same
 * bytes in, same arithmetic: the results are those of the walk.
 */
void ml__forest_predict(const ml_forest *f, const double *X, size_t n, int *cls, double *proba)
{
    uint32_t uniq[FOREST_CHUNK], src[FOREST_CHUNK], slot[2 * FOREST_CHUNK];
    size_t d = f->d, k = (size_t)f->k;
    for (size_t c0 = 0; c0 < n; c0 += FOREST_CHUNK) {
        size_t nc = n - c0 < FOREST_CHUNK ? n - c0 : FOREST_CHUNK, nu = 0;
        const double *Xc = X + c0 * d;
        if (nc < FOREST_LANES) {
            for (size_t i = 0; i < nc; i++)
                uniq[i] = (uint32_t)i;
            predict_rows(f, Xc, uniq, nc, cls + c0, proba ? proba + c0 * k : NULL);
            continue;
        }
        memset(slot, 0xFF, sizeof slot);
        for (size_t i = 0; i < nc; i++) {
            const double *x = Xc + i * d;
            size_t h = (size_t)row_hash(x, d) & (2 * FOREST_CHUNK - 1);
            for (;;) {
                if (slot[h] == UINT32_MAX) {
                    slot[h] = (uint32_t)i;
                    src[i] = (uint32_t)i;
                    uniq[nu++] = (uint32_t)i;
                    break;
                }
                if (memcmp(Xc + (size_t)slot[h] * d, x, d * sizeof *x) == 0) {
                    src[i] = slot[h];
                    break;
                }
                h = (h + 1) & (2 * FOREST_CHUNK - 1);
            }
        }
        predict_rows(f, Xc, uniq, nu, cls + c0, proba ? proba + c0 * k : NULL);
        if (nu == nc)
            continue;
        for (size_t i = 0; i < nc; i++)
            if (src[i] != i) {
                cls[c0 + i] = cls[c0 + src[i]];
                if (proba)
                    memcpy(proba + (c0 + i) * k, proba + (c0 + src[i]) * k, k * sizeof *proba);
            }
    }
}
