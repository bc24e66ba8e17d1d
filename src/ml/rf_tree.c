/*
 * rf_tree.c: grows one tree of the random forest on binned data (rf_data).
 *
 * Depth-first. A node owns the range [lo, hi) of the tree's group list (kept ascending,
 * so column reads stream). For a feature it gathers the class weights of the node's rows
 * per bin (a histogram over the feature's bins, or, when the node has few rows against
 * many bins, the rows sorted by code) and scans the non-empty bins left to right: the
 * split between neighbouring non-empty bins p < c sends codes <= p left. The best split
 * maximizes impurity(parent) - wL/w impurity(left) - wR/w impurity(right) (gini or
 * entropy); ties go to the lowest feature index, then the lowest threshold. A split must
 * leave minInstancesPerNode bootstrap instances on each side and gain >= minInfoGain. A
 * node is a leaf at maxDepth, when pure, or with fewer than 2 x minInstancesPerNode.
 *
 * splits=spark (Spark's DecisionTree): the node draws mtry features; if none of them has
 * a split with gain > 0 the node is a leaf; the threshold is the bin's fixed threshold;
 * two leaf children predicting the same class are pruned back into their parent
 * (rf_params.prune, on except in tests against unpruned references).
 * splits=exact (sklearn's BestSplitter): features are drawn one by one until mtry have
 * been looked at and at least one of them is not constant in the node (features constant
 * in a node stay known as constant below it), any such feature gives a split even at zero
 * gain, the threshold is halfway between the node's neighbouring values, no pruning.
 * Not here: binning (rf_bins.c), threads and the forest (rf.c).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "ml/rf_int.h"

#define RF_NHIST 4 /* interleaved histogram copies (scan_feature) */

struct rf_builder {
    const rf_data *data;      /* borrowed */
    const rf_params *p;       /* borrowed */
    size_t mtry;
    /* Groups of rows in the tree (bootstrap count > 0), ordered by node; the four arrays
       are kept parallel (position j: group idx[j], its class, weight w * count, count), so
       the histogram loop reads them sequentially. *_t: partition scratch. */
    uint32_t *idx, *idx_t;
    uint8_t *ny, *ny_t;
    double *nw, *nw_t;
    uint32_t *nc, *nc_t;      /* only when rows carry weights (else count == weight) */
    int unit;                 /* no sample weights: a row's weight is its count */
    double *hist;             /* max(RF_NHIST * RF_MAX_BINS, max_nbins) * (k + 1): class weights + count */
    uint32_t *keys, *keys_t;  /* u each: positions, the sparse scan's radix sort by code */
    uint8_t *cst;             /* (max_depth + 2) * d: features known constant at each depth */
    uint32_t *perm;           /* d: features, partially shuffled per node */
    uint32_t *feats;          /* mtry: the node's features, ascending */
    util_rng rng;
    /* The tree being grown (moved to the caller's rf_tree when done). */
    rf_node *nodes;
    uint32_t n_nodes, cap_nodes;
    double *leaf;
    uint32_t n_leaves, cap_leaves;
    double *imp;              /* borrowed: d importances of this tree */
};

rf_builder *rf__builder_new(const rf_data *data, const rf_params *p, size_t mtry)
{
    rf_builder *b = calloc(1, sizeof *b);
    size_t n = data->u ? data->u : 1, d = data->d, k1 = (size_t)data->k + 1;
    if (!b)
        return NULL;
    b->data = data;
    b->p = p;
    b->mtry = mtry;
    b->unit = !data->weighted;
    b->idx = malloc(n * sizeof *b->idx);
    b->idx_t = malloc(n * sizeof *b->idx_t);
    b->ny = malloc(n * sizeof *b->ny);
    b->ny_t = malloc(n * sizeof *b->ny_t);
    b->nw = malloc(n * sizeof *b->nw);
    b->nw_t = malloc(n * sizeof *b->nw_t);
    b->nc = malloc(n * sizeof *b->nc);
    b->nc_t = malloc(n * sizeof *b->nc_t);
    size_t nh = data->max_nbins > RF_NHIST * RF_MAX_BINS ? data->max_nbins : RF_NHIST * RF_MAX_BINS;
    b->hist = malloc(nh * k1 * sizeof *b->hist);
    b->keys = malloc(n * sizeof *b->keys);
    b->keys_t = malloc(n * sizeof *b->keys_t);
    b->cst = malloc(((size_t)p->max_depth + 2) * d);
    b->perm = malloc(d * sizeof *b->perm);
    b->feats = malloc(mtry * sizeof *b->feats);
    if (!b->idx || !b->idx_t || !b->ny || !b->ny_t || !b->nw || !b->nw_t || !b->nc || !b->nc_t ||
        !b->hist || !b->keys || !b->keys_t || !b->cst || !b->perm || !b->feats) {
        rf__builder_free(b);
        return NULL;
    }
    return b;
}

void rf__builder_free(rf_builder *b)
{
    if (!b)
        return;
    free(b->idx);
    free(b->idx_t);
    free(b->ny);
    free(b->ny_t);
    free(b->nw);
    free(b->nw_t);
    free(b->nc);
    free(b->nc_t);
    free(b->hist);
    free(b->keys);
    free(b->keys_t);
    free(b->cst);
    free(b->perm);
    free(b->feats);
    free(b->nodes);
    free(b->leaf);
    free(b);
}

static double impurity(int kind, const double *c, int k, double w)
{
    double s = 0.0;
    if (w <= 0.0)
        return 0.0;
    if (kind == RF_ENTROPY) {
        for (int j = 0; j < k; j++)
            if (c[j] > 0.0) {
                double pj = c[j] / w;
                s -= pj * log2(pj);
            }
        return s;
    }
    for (int j = 0; j < k; j++)
        s += c[j] * c[j];
    return 1.0 - s / (w * w);
}

/*
 * Poisson(mean) draw. Small means: Knuth's product of uniforms; mean >= 10: Hormann's
 * PTRS transformed rejection (the algorithm numpy uses), exact for any mean.
 */
uint32_t rf__poisson(util_rng *rng, double mean)
{
    if (mean < 10.0) {
        double limit = exp(-mean), prod = util__rng_uniform(rng);
        uint32_t c = 0;
        while (prod > limit && c < 1000) {
            c++;
            prod *= util__rng_uniform(rng);
        }
        return c;
    }
    double slam = sqrt(mean), loglam = log(mean);
    double b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b;
    double invalpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2.0);
    for (;;) {
        double u = util__rng_uniform(rng) - 0.5, v = util__rng_uniform(rng);
        double us = 0.5 - fabs(u);
        double kk = floor((2.0 * a / us + b) * u + mean + 0.43);
        if (us >= 0.07 && v <= vr)
            return (uint32_t)kk;
        if (kk < 0.0 || (us < 0.013 && v > us))
            continue;
        if (log(v) + log(invalpha) - log(a / (us * us) + b) <= -mean + kk * loglam - lgamma(kk + 1.0))
            return (uint32_t)kk;
    }
}

static int new_node(rf_builder *b, uint32_t count, uint32_t *first)
{
    if (b->n_nodes + count > b->cap_nodes) {
        uint32_t cap = b->cap_nodes ? b->cap_nodes * 2 : 64;
        rf_node *nn = realloc(b->nodes, (size_t)cap * sizeof *nn);
        if (!nn)
            return -1;
        b->nodes = nn;
        b->cap_nodes = cap;
    }
    *first = b->n_nodes;
    b->n_nodes += count;
    return 0;
}

static int make_leaf(rf_builder *b, uint32_t node, const double *tot, double w)
{
    int k = b->data->k;
    if (b->n_leaves == b->cap_leaves) {
        uint32_t cap = b->cap_leaves ? b->cap_leaves * 2 : 32;
        double *nl = realloc(b->leaf, (size_t)cap * (size_t)k * sizeof *nl);
        if (!nl)
            return -1;
        b->leaf = nl;
        b->cap_leaves = cap;
    }
    double *v = b->leaf + (size_t)b->n_leaves * (size_t)k;
    for (int c = 0; c < k; c++)
        v[c] = w > 0.0 ? tot[c] / w : 0.0;
    b->nodes[node].feat = -1;
    b->nodes[node].thr = 0.0;
    b->nodes[node].child = b->n_leaves++;
    return 0;
}

/* Class predicted by leaf j (the first largest share, as Spark's indexOfLargest). */
static int leaf_class(const rf_builder *b, uint32_t j)
{
    int k = b->data->k, best = 0;
    const double *v = b->leaf + (size_t)j * (size_t)k;
    for (int c = 1; c < k; c++)
        if (v[c] > v[best])
            best = c;
    return best;
}

/* The node's features: all of them, or mtry drawn without replacement, ascending. */
static void pick_features(rf_builder *b)
{
    size_t d = b->data->d, m = b->mtry;
    if (m >= d) {
        for (size_t j = 0; j < d; j++)
            b->feats[j] = (uint32_t)j;
        return;
    }
    for (size_t j = 0; j < m; j++) {
        size_t r = j + (size_t)util__rng_below(&b->rng, d - j);
        uint32_t t = b->perm[j];
        b->perm[j] = b->perm[r];
        b->perm[r] = t;
        /* insertion into the sorted prefix of feats */
        size_t q = j;
        while (q > 0 && b->feats[q - 1] > b->perm[j]) {
            b->feats[q] = b->feats[q - 1];
            q--;
        }
        b->feats[q] = b->perm[j];
    }
}

/* The best split found so far in a node, and what the scan of a feature needs. */
typedef struct rf_split {
    const double *tot;        /* k + 1: the node's class weights and count */
    double w, count, imp;     /* the node's weight, instance count, impurity */
    double gain;              /* best gain (-inf: none) */
    int f;                    /* best feature (-1: none) */
    uint32_t p, c;            /* best split: last non-empty bin left, first one right */
    double left[RF_MAX_CLASSES + 1];
} rf_split;

/*
 * Positions lo..lo+m-1 of the node ordered by their group's code of feature f (stable
 * LSD radix sort, two byte passes), into b->keys.
 */
static void sort_by_code(rf_builder *b, const uint16_t *codes, uint32_t lo, uint32_t m)
{
    uint32_t cnt[2][257], *src = b->keys_t, *dst = b->keys;
    const uint32_t *idx = b->idx;
    memset(cnt, 0, sizeof cnt);
    for (uint32_t j = 0; j < m; j++) {
        uint16_t c = codes[idx[lo + j]];
        cnt[0][(c & 0xFF) + 1]++;
        cnt[1][(c >> 8) + 1]++;
    }
    for (int q = 0; q < 256; q++) {
        cnt[0][q + 1] += cnt[0][q];
        cnt[1][q + 1] += cnt[1][q];
    }
    for (uint32_t j = 0; j < m; j++)
        src[cnt[0][codes[idx[lo + j]] & 0xFF]++] = lo + j;
    for (uint32_t j = 0; j < m; j++) {
        uint32_t r = src[j];
        dst[cnt[1][codes[idx[r]] >> 8]++] = r;
    }
}

/* Scores the split of feature f between non-empty bins p < c, left holding bins <= p. */
static void consider(const rf_builder *b, rf_split *sp, uint32_t f, uint32_t p, uint32_t c,
                     const double *left)
{
    const rf_params *pa = b->p;
    const int k = b->data->k;
    double min_inst = (double)pa->min_instances, right[RF_MAX_CLASSES + 1], wl = 0.0;
    if (left[k] < min_inst || sp->count - left[k] < min_inst)
        return;
    for (int q = 0; q < k; q++) {
        wl += left[q];
        right[q] = sp->tot[q] - left[q];
        if (right[q] < 0.0)
            right[q] = 0.0;
    }
    double wr = sp->w - wl;
    if (wl <= 0.0 || wr <= 0.0)
        return;
    double gain = sp->imp - wl / sp->w * impurity(pa->impurity, left, k, wl) -
                  wr / sp->w * impurity(pa->impurity, right, k, wr);
    /* exact: a zero gain (rounded either way) still splits, as sklearn's EPSILON test */
    if (b->data->exact ? gain + 1e-12 < pa->min_info_gain : gain < pa->min_info_gain)
        return;
    if (gain > sp->gain || (gain == sp->gain && (int)f < sp->f)) {
        sp->gain = gain;
        sp->f = (int)f;
        sp->p = p;
        sp->c = c;
        memcpy(sp->left, left, ((size_t)k + 1) * sizeof *left);
    }
}

/*
 * Scans feature f over the node's rows [lo, hi) for its best split into sp. Returns the
 * number of non-empty bins, capped at 2 (1: the feature is constant in the node).
 */
static int scan_feature(rf_builder *b, rf_split *sp, uint32_t f, uint32_t lo, uint32_t hi)
{
    const rf_data *data = b->data;
    const int k = data->k, unit = b->unit;
    const size_t k1 = (size_t)k + 1, n = data->u, nb = data->nbins[f];
    const uint16_t *codes = data->codes + (size_t)f * n;
    const uint32_t *idx = b->idx;
    const uint8_t *ny = b->ny;
    const double *nw = b->nw;
    double left[RF_MAX_CLASSES + 1];
    int seen = 0;
    uint32_t prev = 0;
    if (nb < 2)
        return 1;
    memset(left, 0, k1 * sizeof *left);
    if (nb > RF_MAX_BINS && (size_t)(hi - lo) * 4 < nb) {
        /* Few rows, many bins: sort the rows by code and walk the runs of equal codes. */
        const uint32_t *keys = b->keys;
        uint32_t m = hi - lo;
        sort_by_code(b, codes, lo, m);
        for (uint32_t j = 0; j < m;) {
            uint32_t code = codes[idx[keys[j]]];
            if (seen)
                consider(b, sp, f, prev, code, left);
            for (; j < m && codes[idx[keys[j]]] == code; j++) {
                uint32_t r = keys[j];
                left[ny[r]] += nw[r];
                left[k] += unit ? nw[r] : (double)b->nc[r];
            }
            prev = code;
            seen = seen < 2 ? seen + 1 : 2;
        }
        return seen;
    }
    double *h = b->hist;
    size_t hs = nb * k1, stride = RF_MAX_BINS * k1;
    uint32_t j = lo;
    if (hi - lo >= 64 && nb <= RF_MAX_BINS) {
        /* Interleaved copies: consecutive rows add into different copies, so the adds to
           one hot bin (one-hot features have two) do not wait on each other. */
        double *h1 = h + stride, *h2 = h1 + stride, *h3 = h2 + stride;
        memset(h, 0, hs * sizeof *h);
        memset(h1, 0, hs * sizeof *h);
        memset(h2, 0, hs * sizeof *h);
        memset(h3, 0, hs * sizeof *h);
        for (; j + 4 <= hi; j += 4) {
            h[codes[idx[j]] * k1 + ny[j]] += nw[j];
            h1[codes[idx[j + 1]] * k1 + ny[j + 1]] += nw[j + 1];
            h2[codes[idx[j + 2]] * k1 + ny[j + 2]] += nw[j + 2];
            h3[codes[idx[j + 3]] * k1 + ny[j + 3]] += nw[j + 3];
        }
        for (; j < hi; j++)
            h[codes[idx[j]] * k1 + ny[j]] += nw[j];
        for (size_t e = 0; e < hs; e++)
            h[e] += (h1[e] + h2[e]) + h3[e];
    } else {
        memset(h, 0, hs * sizeof *h);
        for (; j < hi; j++)
            h[codes[idx[j]] * k1 + ny[j]] += nw[j];
    }
    if (unit) {
        for (size_t bin = 0; bin < nb; bin++) {
            double c = 0.0;
            for (int q = 0; q < k; q++)
                c += h[bin * k1 + (size_t)q];
            h[bin * k1 + (size_t)k] = c;
        }
    } else {
        for (j = lo; j < hi; j++)
            h[codes[idx[j]] * k1 + (size_t)k] += (double)b->nc[j];
    }
    for (size_t bin = 0; bin < nb; bin++) {
        const double *hb = h + bin * k1;
        if (!(hb[k] > 0.0))
            continue; /* no row of the node in this bin */
        if (seen)
            consider(b, sp, f, prev, (uint32_t)bin, left);
        for (size_t c = 0; c < k1; c++)
            left[c] += hb[c];
        prev = (uint32_t)bin;
        seen = seen < 2 ? seen + 1 : 2;
    }
    return seen;
}

/*
 * Grows node over rows [lo, hi). known: the node's class weights + count when the parent
 * already has them exactly (unweighted rows: integer sums), else NULL (summed here).
 * b->cst + depth * d flags the features known to be constant in the node.
 */
static int grow(rf_builder *b, uint32_t node, uint32_t lo, uint32_t hi, int depth, const double *known)
{
    const rf_data *data = b->data;
    const rf_params *p = b->p;
    const int k = data->k;
    const size_t k1 = (size_t)k + 1, n = data->u, d = data->d;
    const int unit = b->unit;
    double tot[RF_MAX_CLASSES + 1];
    memset(tot, 0, sizeof tot);
    if (known) {
        memcpy(tot, known, k1 * sizeof *tot);
    } else {
        for (uint32_t j = lo; j < hi; j++)
            tot[b->ny[j]] += b->nw[j];
        if (!unit)
            for (uint32_t j = lo; j < hi; j++)
                tot[k] += (double)b->nc[j];
    }
    double w = 0.0;
    for (int c = 0; c < k; c++)
        w += tot[c];
    if (unit)
        tot[k] = w;
    rf_split sp;
    sp.tot = tot;
    sp.w = w;
    sp.count = tot[k];
    sp.imp = impurity(p->impurity, tot, k, w);
    sp.gain = -INFINITY;
    sp.f = -1;
    sp.p = sp.c = 0;
    if (depth >= p->max_depth || sp.imp <= 0.0 || sp.count < 2.0 * p->min_instances)
        return make_leaf(b, node, tot, w);

    uint8_t *cst = b->cst + (size_t)depth * d;
    if (data->exact) {
        /* sklearn: look at features in random order until mtry have been looked at and
           one of them is not constant here (a known constant counts as looked at). */
        size_t drawn = 0, visited = 0, nonconst = 0;
        while (drawn < d && (visited < b->mtry || nonconst == 0)) {
            size_t r = drawn + (size_t)util__rng_below(&b->rng, d - drawn);
            uint32_t f = b->perm[r];
            b->perm[r] = b->perm[drawn];
            b->perm[drawn++] = f;
            visited++;
            if (cst[f])
                continue;
            if (scan_feature(b, &sp, f, lo, hi) < 2)
                cst[f] = 1;
            else
                nonconst++;
        }
    } else {
        pick_features(b);
        for (size_t q = 0; q < b->mtry; q++) {
            uint32_t f = b->feats[q];
            if (!cst[f] && scan_feature(b, &sp, f, lo, hi) < 2)
                cst[f] = 1;
        }
    }
    if (sp.f < 0 || (!data->exact && !(sp.gain > 0.0)))
        return make_leaf(b, node, tot, w);

    /* Stable partition: rows with code <= sp.p first, both halves stay ascending. */
    const uint16_t *codes = data->codes + (size_t)sp.f * n;
    uint32_t nl = lo, nr = 0;
    for (uint32_t j = lo; j < hi; j++) {
        uint32_t r = b->idx[j];
        if (codes[r] <= sp.p) {
            b->idx[nl] = r;
            b->ny[nl] = b->ny[j];
            b->nw[nl] = b->nw[j];
            b->nc[nl++] = b->nc[j];
        } else {
            b->idx_t[nr] = r;
            b->ny_t[nr] = b->ny[j];
            b->nw_t[nr] = b->nw[j];
            b->nc_t[nr++] = b->nc[j];
        }
    }
    memcpy(b->idx + nl, b->idx_t, (size_t)nr * sizeof *b->idx);
    memcpy(b->ny + nl, b->ny_t, (size_t)nr * sizeof *b->ny);
    memcpy(b->nw + nl, b->nw_t, (size_t)nr * sizeof *b->nw);
    if (!unit)
        memcpy(b->nc + nl, b->nc_t, (size_t)nr * sizeof *b->nc);

    uint32_t child;
    if (new_node(b, 2, &child))
        return -1;
    size_t o = data->off[sp.f];
    b->nodes[node].feat = sp.f;
    b->nodes[node].thr = data->exact ? rf__midpoint(data->vhi[o + sp.p], data->vlo[o + sp.c])
                                     : data->thr[o + sp.p];
    b->nodes[node].child = child;
    double right[RF_MAX_CLASSES + 1];
    for (size_t c = 0; c < k1; c++)
        right[c] = tot[c] - sp.left[c];
    /* A constant feature stays constant in both children (each gets its own copy). */
    memcpy(cst + d, cst, d);
    if (grow(b, child, lo, nl, depth + 1, unit ? sp.left : NULL))
        return -1;
    memcpy(cst + d, cst, d);
    if (grow(b, child + 1, nl, hi, depth + 1, unit ? right : NULL))
        return -1;
    /*
     * Spark's pruning (LearningNode.toNode(prune = true)): two leaf children that predict
     * the same class become one leaf with this node's distribution. Leaf children allocate
     * nothing, so they are the last two nodes and the last two leaves: pop them.
     */
    if (!data->exact && p->prune && b->nodes[child].feat < 0 && b->nodes[child + 1].feat < 0 &&
        leaf_class(b, b->nodes[child].child) == leaf_class(b, b->nodes[child + 1].child)) {
        b->n_nodes -= 2;
        b->n_leaves -= 2;
        return make_leaf(b, node, tot, w);
    }
    /* Spark's featureImportances: gain x instance count of every split left in the tree. */
    if (sp.gain > 0.0)
        b->imp[sp.f] += sp.gain * sp.count;
    return 0;
}

int rf__build_tree(rf_builder *b, uint64_t seed, rf_tree *tree, double *imp)
{
    const rf_data *data = b->data;
    const rf_params *p = b->p;
    uint32_t m = 0, root;

    util__rng_seed(&b->rng, seed);
    for (size_t j = 0; j < data->d; j++)
        b->perm[j] = (uint32_t)j;
    /* Bagging, per group of gm identical rows: the sum of the rows' Poisson(subsamplingRate)
       copies (Spark's BaggedPoint with replacement), i.e. Poisson(gm * rate); or the sum of
       their Bernoulli(subsamplingRate) draws without replacement. */
    for (size_t g = 0; g < data->u; g++) {
        uint32_t c, mg = data->gm[g];
        if (p->bootstrap)
            c = rf__poisson(&b->rng, (double)mg * p->subsampling_rate);
        else if (p->subsampling_rate < 1.0) {
            c = 0;
            for (uint32_t r = 0; r < mg; r++)
                c += util__rng_uniform(&b->rng) < p->subsampling_rate;
        } else
            c = mg;
        if (c) {
            b->idx[m] = (uint32_t)g;
            b->ny[m] = data->gy[g];
            b->nw[m] = data->gw[g] * (double)c;
            b->nc[m++] = c;
        }
    }
    b->imp = imp;
    memset(b->cst, 0, data->d);
    b->n_nodes = 0;
    b->n_leaves = 0;
    if (new_node(b, 1, &root) || grow(b, root, 0, m, 0, NULL))
        return -1;
    /* Hand the arrays to the tree, trimmed; the builder starts the next tree afresh. */
    rf_node *nodes = realloc(b->nodes, (size_t)b->n_nodes * sizeof *nodes);
    double *leaf = realloc(b->leaf, (size_t)b->n_leaves * (size_t)data->k * sizeof *leaf);
    tree->nodes = nodes ? nodes : b->nodes;
    tree->leaf = leaf ? leaf : b->leaf;
    tree->n_nodes = b->n_nodes;
    tree->n_leaves = b->n_leaves;
    b->nodes = NULL;
    b->leaf = NULL;
    b->cap_nodes = b->cap_leaves = 0;
    return 0;
}
