/*
 * rf_tree.c: grows one tree of the random forest on binned data (rf_data).
 *
 * Depth-first. A node owns the range [lo, hi) of the row-index array (kept ascending, so
 * column reads stream). For each feature of the node's random subset it fills a class
 * histogram over that feature's bins, then scans the bins left to right: splitting after
 * bin b sends codes <= b left, i.e. x <= thr[b]. The best split maximizes Spark's
 * information gain impurity(parent) - wL/w impurity(left) - wR/w impurity(right); ties go
 * to the lowest feature index, then the lowest threshold. A split must leave
 * minInstancesPerNode bootstrap instances on each side and gain >= minInfoGain; a node
 * becomes a leaf at maxDepth, when pure, or when the best gain is <= 0 (Spark's rule).
 * Like Spark, two leaf children predicting the same class are pruned back into their
 * parent (rf_params.prune, on except in tests against unpruned references).
 * Not here: binning (rf_bins.c), threads and the forest (rf.c).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "ml/rf_int.h"

/* Interleaved histogram copies: consecutive rows add into different copies, so the adds
   to one hot bin (one-hot features have two) do not wait on each other. */
#define RF_NHIST 4

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
    double *hist;             /* RF_NHIST * RF_MAX_BINS * (k + 1): class weights + count */
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
    b->hist = malloc(RF_NHIST * RF_MAX_BINS * k1 * sizeof *b->hist);
    b->perm = malloc(d * sizeof *b->perm);
    b->feats = malloc(mtry * sizeof *b->feats);
    if (!b->idx || !b->idx_t || !b->ny || !b->ny_t || !b->nw || !b->nw_t || !b->nc || !b->nc_t ||
        !b->hist || !b->perm || !b->feats) {
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

/*
 * Grows node over rows [lo, hi). known: the node's class weights + count when the parent
 * already has them exactly (unweighted rows: integer sums), else NULL (summed here).
 */
static int grow(rf_builder *b, uint32_t node, uint32_t lo, uint32_t hi, int depth, const double *known)
{
    const rf_data *data = b->data;
    const rf_params *p = b->p;
    const int k = data->k;
    const size_t k1 = (size_t)k + 1, n = data->u;
    const int unit = b->unit;
    double tot[RF_MAX_CLASSES + 1], best_left[RF_MAX_CLASSES + 1];
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
    double count = tot[k];
    double imp = impurity(p->impurity, tot, k, w);
    if (depth >= p->max_depth || imp <= 0.0 || count < 2.0 * p->min_instances)
        return make_leaf(b, node, tot, w);

    pick_features(b);
    double best_gain = -INFINITY;
    int best_f = -1, best_bin = -1;
    double min_inst = (double)p->min_instances;
    for (size_t q = 0; q < b->mtry; q++) {
        uint32_t f = b->feats[q];
        size_t nb = data->nbins[f];
        if (nb < 2)
            continue;
        const uint8_t *codes = data->codes + (size_t)f * n;
        double *h = b->hist;
        size_t hs = nb * k1, stride = RF_MAX_BINS * k1;
        const uint32_t *idx = b->idx;
        const uint8_t *ny = b->ny;
        const double *nw = b->nw;
        uint32_t j = lo;
        if (hi - lo >= 64) {
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
                for (int q2 = 0; q2 < k; q2++)
                    c += h[bin * k1 + (size_t)q2];
                h[bin * k1 + (size_t)k] = c;
            }
        } else {
            for (j = lo; j < hi; j++)
                h[codes[idx[j]] * k1 + (size_t)k] += (double)b->nc[j];
        }
        double left[RF_MAX_CLASSES + 1], right[RF_MAX_CLASSES + 1];
        memset(left, 0, k1 * sizeof *left);
        for (size_t bin = 0; bin + 1 < nb; bin++) {
            const double *hb = h + bin * k1;
            double wl = 0.0;
            for (size_t c = 0; c < k1; c++)
                left[c] += hb[c];
            if (left[k] < min_inst)
                continue;
            if (count - left[k] < min_inst)
                break;
            for (int c = 0; c < k; c++) {
                wl += left[c];
                right[c] = tot[c] - left[c];
                if (right[c] < 0.0)
                    right[c] = 0.0;
            }
            double wr = w - wl;
            if (wl <= 0.0 || wr <= 0.0)
                continue;
            double gain = imp - wl / w * impurity(p->impurity, left, k, wl) -
                          wr / w * impurity(p->impurity, right, k, wr);
            if (gain < p->min_info_gain)
                continue;
            if (gain > best_gain) {
                best_gain = gain;
                best_f = (int)f;
                best_bin = (int)bin;
                memcpy(best_left, left, k1 * sizeof *left);
            }
        }
    }
    if (best_f < 0 || !(best_gain > 0.0))
        return make_leaf(b, node, tot, w);

    /* Stable partition: rows with code <= best_bin first, both halves stay ascending. */
    const uint8_t *codes = data->codes + (size_t)best_f * n;
    uint32_t nl = lo, nr = 0;
    for (uint32_t j = lo; j < hi; j++) {
        uint32_t r = b->idx[j];
        if (codes[r] <= (uint8_t)best_bin) {
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
    b->nodes[node].feat = best_f;
    b->nodes[node].thr = data->thr[(size_t)best_f * (RF_MAX_BINS - 1) + (size_t)best_bin];
    b->nodes[node].child = child;
    double right[RF_MAX_CLASSES + 1];
    for (size_t c = 0; c < k1; c++)
        right[c] = tot[c] - best_left[c];
    if (grow(b, child, lo, nl, depth + 1, unit ? best_left : NULL) ||
        grow(b, child + 1, nl, hi, depth + 1, unit ? right : NULL))
        return -1;
    /*
     * Spark's pruning (LearningNode.toNode(prune = true)): two leaf children that predict
     * the same class become one leaf with this node's distribution. Leaf children allocate
     * nothing, so they are the last two nodes and the last two leaves: pop them.
     */
    if (p->prune && b->nodes[child].feat < 0 && b->nodes[child + 1].feat < 0 &&
        leaf_class(b, b->nodes[child].child) == leaf_class(b, b->nodes[child + 1].child)) {
        b->n_nodes -= 2;
        b->n_leaves -= 2;
        return make_leaf(b, node, tot, w);
    }
    /* Spark's featureImportances: gain x instance count of every split left in the tree. */
    b->imp[best_f] += best_gain * count;
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
