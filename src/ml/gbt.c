/*
 * gbt.c: gradient-boosted trees (kind "gbt"), xgboost's multi:softprob with the hist tree
 * method in C. docs/internals/gbt.md has the details.
 *
 *  - Features are binned once (rf__bin: midpoints between distinct values up to maxBins of
 *    them, else quantile cuts) and identical (codes, class, weight) rows are merged into
 *    weighted groups: rows no tree can tell apart have the same margins in every round,
 *    hence the same gradients, so boosting on groups equals boosting on rows.
 *  - Each round: softmax of every group's k margins; per class c the gradient p_c - [y = c]
 *    and hessian max(2 p_c (1 - p_c), 1e-16) (xgboost's), times the group's weight; then one
 *    regression tree per class, grown depth-first to maxDepth on gradient/hessian histograms:
 *    split gain GL^2/(HL+lambda) + GR^2/(HR+lambda) - G^2/(H+lambda) > 1e-6, both sides with
 *    hessian >= minChildWeight; leaf value -learningRate * G / (H + lambda) (0 when
 *    H < minChildWeight, as xgboost's CalcWeight).
 *  - The k trees of a round are independent: ctx->nthreads threads take classes from a
 *    counter; tree (r, c) draws its column subset from its own RNG, so the model is the
 *    same for any thread count.
 *  - Early stopping: with validation rows (ctx->Xval, train's --test) and
 *    earlyStoppingRounds > 0, the multi-class log loss on them is computed every round and
 *    fitting stops after that many rounds without improvement; the best round's trees are kept.
 *
 * Not here: the compiled prediction (forest.c), the model file around this state.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "ml/forest_int.h"
#include "ml/gbt_int.h"
#include "ml/rf_int.h"

typedef struct gbt_params {
    int rounds;
    double eta;
    int max_depth;
    double lambda;
    double min_child_weight;
    double colsample;
    int max_bins;
    int early_stop;           /* 0: off */
} gbt_params;

#define GBT_BASE 0.5          /* xgboost's base_score: the initial margin of every class */
#define GBT_MIN_GAIN 1e-6     /* xgboost's kRtEps */
#define GBT_LEAF_MARK 0xFFFFFFFFu
#define GBT_STATE_VERSION 1u

/* ---------------------------------------------------------------------------------- */
/* Parameters                                                                         */

/* The defaults (every field not named is 0). */
static const gbt_params gbt_defaults = {.rounds = 100, .eta = 0.3, .max_depth = 6, .lambda = 1.0,
                                        .min_child_weight = 1.0, .colsample = 1.0, .max_bins = 256,
                                        .early_stop = 0};

static void *params_new(void) { return ml__params_dup(NULL, &gbt_defaults, sizeof gbt_defaults); }

static void *params_copy(const void *p) { return ml__params_dup(p, &gbt_defaults, sizeof gbt_defaults); }

static mqttids_err params_set(void *pv, const char *key, const char *value, char *errbuf)
{
    gbt_params *p = pv;
    double x;
    if (!p || !key || !value)
        return util__fail(errbuf, MQTTIDS_ERR_INVALID, "gbt: missing parameter or value");
    if (ml__key_eq(key, "numRounds") || ml__key_eq(key, "rounds") || ml__key_eq(key, "nEstimators")) {
        if (ml__parse_int_in(value, 1, GBT_MAX_ROUNDS, &p->rounds))
            return util__fail(errbuf, MQTTIDS_ERR_INVALID, "gbt: %s=%s: expected an integer in [1, %d]", key,
                              value, GBT_MAX_ROUNDS);
    } else if (ml__key_eq(key, "learningRate") || ml__key_eq(key, "eta")) {
        if (ml__parse_num(value, &x) || !(x > 0.0 && x <= 1.0))
            return util__fail(errbuf, MQTTIDS_ERR_INVALID, "gbt: %s=%s: expected a number in (0, 1]", key, value);
        p->eta = x;
    } else if (ml__key_eq(key, "maxDepth")) {
        if (ml__parse_int_in(value, 1, GBT_MAX_DEPTH, &p->max_depth))
            return util__fail(errbuf, MQTTIDS_ERR_INVALID, "gbt: maxDepth=%s: expected an integer in [1, %d]",
                              value, GBT_MAX_DEPTH);
    } else if (ml__key_eq(key, "lambda") || ml__key_eq(key, "regLambda")) {
        if (ml__parse_num(value, &x) || !(x >= 0.0))
            return util__fail(errbuf, MQTTIDS_ERR_INVALID, "gbt: %s=%s: expected a number >= 0", key, value);
        p->lambda = x;
    } else if (ml__key_eq(key, "minChildWeight")) {
        if (ml__parse_num(value, &x) || !(x >= 0.0))
            return util__fail(errbuf, MQTTIDS_ERR_INVALID, "gbt: minChildWeight=%s: expected a number >= 0",
                              value);
        p->min_child_weight = x;
    } else if (ml__key_eq(key, "colsampleByTree")) {
        if (ml__parse_num(value, &x) || !(x > 0.0 && x <= 1.0))
            return util__fail(errbuf, MQTTIDS_ERR_INVALID,
                              "gbt: colsampleByTree=%s: expected a number in (0, 1]", value);
        p->colsample = x;
    } else if (ml__key_eq(key, "maxBins") || ml__key_eq(key, "maxBin")) {
        if (ml__parse_int_in(value, 2, RF_MAX_BINS, &p->max_bins))
            return util__fail(errbuf, MQTTIDS_ERR_INVALID, "gbt: maxBins=%s: expected an integer in [2, %d]",
                              value, RF_MAX_BINS);
    } else if (ml__key_eq(key, "earlyStoppingRounds")) {
        if (ml__parse_int_in(value, 0, GBT_MAX_ROUNDS, &p->early_stop))
            return util__fail(errbuf, MQTTIDS_ERR_INVALID,
                              "gbt: earlyStoppingRounds=%s: expected an integer >= 0 (0: off)", value);
    } else {
        return util__fail(errbuf, MQTTIDS_ERR_INVALID,
                          "gbt: unknown parameter '%s' (known: numRounds, learningRate, maxDepth, lambda, "
                          "minChildWeight, colsampleByTree, maxBins, earlyStoppingRounds)", key);
    }
    return MQTTIDS_OK;
}

/* v as the shortest decimal that reads back as v (0.3, not 0.29999999999999999). */
static const char *num(double v, char *buf, size_t size)
{
    util__fmt_double(buf, size, v);
    return buf;
}

static void params_describe(const void *pv, char *buf, size_t size)
{
    char a[32], b[32], c[32], e[32];
    const gbt_params *p = pv;
    if (!size)
        return;
    if (!p) {
        buf[0] = '\0';
        return;
    }
    snprintf(buf, size,
             "numRounds=%d learningRate=%s maxDepth=%d lambda=%s minChildWeight=%s "
             "colsampleByTree=%s maxBins=%d earlyStoppingRounds=%d",
             p->rounds, num(p->eta, a, sizeof a), p->max_depth, num(p->lambda, b, sizeof b),
             num(p->min_child_weight, c, sizeof c), num(p->colsample, e, sizeof e), p->max_bins, p->early_stop);
}

/* ---------------------------------------------------------------------------------- */
/* State, reference prediction                                                        */

static void gbt_state_free(gbt_state *s)
{
    if (!s)
        return;
    if (s->trees)
        for (size_t t = 0; t < (size_t)s->rounds * (size_t)s->k; t++)
            free(s->trees[t].nodes);
    free(s->trees);
    free(s->imp);
    free(s);
}

static void state_free(void *s)
{
    gbt_state_free(s);
}

static double tree_value(const gbt_tree *t, const double *x)
{
    const gbt_node *nd = t->nodes;
    uint32_t i = 0;
    while (nd[i].feat >= 0)
        i = nd[i].child + (x[nd[i].feat] > nd[i].v);
    return nd[i].v;
}

/* The reference walk (forest.c compiles the same trees for the fast path). */
static void predict_proba(const void *sv, const double *x, double *prob)
{
    const gbt_state *s = sv;
    double margin[GBT_MAX_CLASSES];
    int k = s->k;
    for (int c = 0; c < k; c++)
        margin[c] = s->base;
    for (size_t t = 0; t < (size_t)s->rounds * (size_t)k; t++)
        margin[t % (size_t)k] += tree_value(&s->trees[t], x);
    ml__softmax(margin, k, prob);
}

static int predict(const void *sv, const double *x, double *prob)
{
    const gbt_state *s = sv;
    predict_proba(sv, x, prob);
    return ml__argmax(prob, s->k);
}

static void importances(const void *sv, double *imp)
{
    const gbt_state *s = sv;
    memcpy(imp, s->imp, s->d * sizeof *imp);
}

static int node_depth_max(const gbt_tree *t)
{
    /* children follow their parents: one forward pass */
    uint8_t dep[1u << 12], *dp = t->n_nodes <= sizeof dep ? dep : calloc(t->n_nodes, 1);
    int mx = 0;
    if (!dp)
        return -1;
    if (dp == dep)
        memset(dep, 0, t->n_nodes);
    for (uint32_t i = 0; i < t->n_nodes; i++) {
        if (dp[i] > mx)
            mx = dp[i];
        if (t->nodes[i].feat >= 0)
            dp[t->nodes[i].child] = dp[t->nodes[i].child + 1] = (uint8_t)(dp[i] + 1);
    }
    if (dp != dep)
        free(dp);
    return mx;
}

static void describe_state(const void *sv, char *buf, size_t size)
{
    const gbt_state *s = sv;
    uint64_t nodes = 0;
    int depth = 0;
    for (size_t t = 0; t < (size_t)s->rounds * (size_t)s->k; t++) {
        int dt = node_depth_max(&s->trees[t]);
        nodes += s->trees[t].n_nodes;
        if (dt > depth)
            depth = dt;
    }
    snprintf(buf, size, "rounds=%u trees=%llu nodes=%llu max_tree_depth=%d", s->rounds,
             (unsigned long long)s->rounds * (unsigned long long)s->k, (unsigned long long)nodes, depth);
}

/* ---------------------------------------------------------------------------------- */
/* Serialisation (docs/FORMATS.md, "Gradient-boosted trees state")                    */

static void save(const void *sv, util_buf *b)
{
    const gbt_state *s = sv;
    util__buf_u32(b, GBT_STATE_VERSION);
    util__buf_u32(b, (uint32_t)s->d);
    util__buf_u32(b, (uint32_t)s->k);
    util__buf_u32(b, s->rounds);
    util__buf_f64(b, s->base);
    for (size_t j = 0; j < s->d; j++)
        util__buf_f64(b, s->imp[j]);
    for (size_t t = 0; t < (size_t)s->rounds * (size_t)s->k; t++) {
        const gbt_tree *tr = &s->trees[t];
        util__buf_u64(b, tr->n_nodes);
        for (uint32_t i = 0; i < tr->n_nodes; i++) {
            const gbt_node *nd = &tr->nodes[i];
            util__buf_u32(b, nd->feat < 0 ? GBT_LEAF_MARK : (uint32_t)nd->feat);
            util__buf_u32(b, nd->feat < 0 ? 0u : nd->child);
            util__buf_f64(b, nd->v);
        }
    }
}

static mqttids_err malformed(char *errbuf, const char *what)
{
    mqttids_err e = MQTTIDS_MALFORMED_AT();
    return util__fail(errbuf, e, "gbt state: %s", what);
}

static mqttids_err load_tree(util_rd *r, size_t d, gbt_tree *tr, char *errbuf)
{
    uint64_t nn;
    if (util__rd_count(r, &nn, 16) || nn < 1 || nn > UINT32_MAX - 1 || nn % 2 == 0)
        return malformed(errbuf, "bad node count");
    tr->nodes = malloc((size_t)nn * sizeof *tr->nodes);
    if (!tr->nodes)
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "gbt state: out of memory");
    tr->n_nodes = (uint32_t)nn;
    for (uint32_t i = 0; i < tr->n_nodes; i++) {
        uint32_t f, c;
        double v;
        if (util__rd_u32(r, &f) || util__rd_u32(r, &c) || util__rd_f64(r, &v))
            return malformed(errbuf, "truncated node");
        if (!isfinite(v))
            return malformed(errbuf, "threshold or leaf value not finite");
        if (f == GBT_LEAF_MARK) {
            if (c != 0)
                return malformed(errbuf, "leaf with a child");
            tr->nodes[i].feat = -1;
        } else if (f >= d || c <= i || c >= tr->n_nodes - 1) {
            /* children after their parent: every walk ends */
            return malformed(errbuf, "bad split node");
        } else {
            tr->nodes[i].feat = (int32_t)f;
        }
        tr->nodes[i].child = c;
        tr->nodes[i].v = v;
    }
    uint8_t *dep = calloc((size_t)nn, 1);
    int deep = 0;
    if (!dep)
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "gbt state: out of memory");
    for (uint32_t i = 0; i < tr->n_nodes && !deep; i++)
        if (tr->nodes[i].feat >= 0) {
            if (dep[i] >= GBT_MAX_DEPTH)
                deep = 1;
            dep[tr->nodes[i].child] = dep[tr->nodes[i].child + 1] = (uint8_t)(dep[i] + 1);
        }
    free(dep);
    return deep ? malformed(errbuf, "tree deeper than maxDepth allows") : MQTTIDS_OK;
}

static mqttids_err load(util_rd *r, size_t d, int k, void **out, char *errbuf)
{
    uint32_t ver, sd, sk, rounds;
    gbt_state *s = NULL;
    mqttids_err err;
    *out = NULL;
    if (util__rd_u32(r, &ver) || util__rd_u32(r, &sd) || util__rd_u32(r, &sk))
        return malformed(errbuf, "truncated header");
    if (ver != GBT_STATE_VERSION)
        return util__fail(errbuf, MQTTIDS_ERR_VERSION, "gbt state: version %u, expected %u", ver,
                          GBT_STATE_VERSION);
    if (sd != d || (int)sk != k || k < 1 || k > GBT_MAX_CLASSES || d < 1)
        return malformed(errbuf, "feature or class count differs from the model's");
    if (util__rd_u32(r, &rounds) || rounds < 1 || rounds > GBT_MAX_ROUNDS)
        return malformed(errbuf, "bad round count");
    /* smallest tree on disk: a node count and one leaf (24 bytes) */
    if ((size_t)rounds * (size_t)k > (r->len - r->off) / 24)
        return malformed(errbuf, "round count larger than the data left");
    if (d > (r->len - r->off) / 8)
        return malformed(errbuf, "truncated importances");
    s = calloc(1, sizeof *s);
    if (!s)
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "gbt state: out of memory");
    s->d = d;
    s->k = k;
    s->imp = malloc(d * sizeof *s->imp);
    s->trees = calloc((size_t)rounds * (size_t)k, sizeof *s->trees);
    if (!s->imp || !s->trees) {
        err = util__fail(errbuf, MQTTIDS_ERR_NOMEM, "gbt state: out of memory");
        goto out_free;
    }
    s->rounds = rounds;
    if (util__rd_f64(r, &s->base) || !isfinite(s->base)) {
        err = malformed(errbuf, "bad base margin");
        goto out_free;
    }
    for (size_t j = 0; j < d; j++)
        if (util__rd_f64(r, &s->imp[j]) || !(s->imp[j] >= 0.0 && s->imp[j] <= 1.0)) {
            err = malformed(errbuf, "bad feature importance");
            goto out_free;
        }
    for (size_t t = 0; t < (size_t)rounds * (size_t)k; t++)
        if ((err = load_tree(r, d, &s->trees[t], errbuf)) != MQTTIDS_OK)
            goto out_free;
    *out = s;
    return MQTTIDS_OK;
out_free:
    gbt_state_free(s);
    return err;
}

/* ---------------------------------------------------------------------------------- */
/* Growing one tree on (gradient, hessian) histograms of the groups                  */

typedef struct gbt_hist {
    double g, h;
} gbt_hist;

/*
 * The groups' codes row by row, without each feature's most common code (its "default"):
 * one-hot columns are mostly 0, so a group has a handful of entries instead of d. A
 * node's histogram adds the entries of its groups; a feature's default bin is the node
 * total minus its other bins.
 */
typedef struct gbt_sparse {
    size_t *off;              /* owned, u + 1: entries of group g are [off[g], off[g+1]) */
    uint32_t *ent;            /* owned: histogram slot hoff[f] + code */
    size_t *hoff;             /* owned, d + 1: first histogram slot of feature f */
    uint8_t *dflt;            /* owned, d: default code of f */
} gbt_sparse;

static void sparse_free(gbt_sparse *sp)
{
    free(sp->off);
    free(sp->ent);
    free(sp->hoff);
    free(sp->dflt);
}

static int sparse_build(gbt_sparse *sp, const rf_data *D)
{
    size_t u = D->u, d = D->d, cnt[RF_MAX_BINS], ne = 0;
    memset(sp, 0, sizeof *sp);
    sp->off = malloc((u + 1) * sizeof *sp->off);
    sp->hoff = malloc((d + 1) * sizeof *sp->hoff);
    sp->dflt = malloc(d ? d : 1);
    if (!sp->off || !sp->hoff || !sp->dflt)
        return -1;
    sp->hoff[0] = 0;
    for (size_t f = 0; f < d; f++) {
        const uint16_t *code = D->codes + f * u;
        size_t best = 0;
        memset(cnt, 0, sizeof cnt);
        for (size_t g = 0; g < u; g++)
            cnt[code[g]]++;
        for (size_t b = 1; b < D->nbins[f]; b++)
            if (cnt[b] > cnt[best])
                best = b;
        sp->dflt[f] = (uint8_t)best;
        ne += u - cnt[best];
        sp->hoff[f + 1] = sp->hoff[f] + D->nbins[f];
    }
    sp->ent = malloc((ne ? ne : 1) * sizeof *sp->ent);
    if (!sp->ent)
        return -1;
    size_t at = 0;
    for (size_t g = 0; g < u; g++) {
        sp->off[g] = at;
        for (size_t f = 0; f < d; f++) {
            uint16_t c = D->codes[f * u + g];
            if (c != sp->dflt[f])
                sp->ent[at++] = (uint32_t)(sp->hoff[f] + c);
        }
    }
    sp->off[u] = at;
    return 0;
}

typedef struct gbt_builder {
    const rf_data *data;
    const gbt_sparse *sp;
    const gbt_params *p;
    uint32_t *idx;            /* u: group ids, partitioned by node */
    gbt_hist *hbuf;           /* (maxDepth + 1) x 2 histograms of sp->hoff[d] slots (two per depth) */
    size_t *cols;             /* d: this tree's features */
    size_t ncols;
    gbt_node *nodes;          /* growing tree */
    uint32_t n_nodes, cap;
    double *imp;              /* d: gain per feature of the tree being grown (borrowed from the job) */
    int oom;
} gbt_builder;

/* Node slots: a node and later its two children at consecutive indices. */
static uint32_t new_nodes(gbt_builder *b, uint32_t n)
{
    if (b->n_nodes + n > b->cap) {
        uint32_t cap = b->cap ? b->cap * 2 : 64;
        gbt_node *nn = realloc(b->nodes, (size_t)cap * sizeof *nn);
        if (!nn) {
            b->oom = 1;
            return UINT32_MAX;
        }
        b->nodes = nn;
        b->cap = cap;
    }
    b->n_nodes += n;
    return b->n_nodes - n;
}

static double leaf_weight(const gbt_params *p, double G, double H)
{
    if (H < p->min_child_weight || H <= 0.0)
        return 0.0;
    return -G / (H + p->lambda);
}

/*
 * The histogram of groups idx[lo, hi) (sums G, H) into out (every slot): the groups'
 * entries added, then each sampled feature's default bin set to the total minus its others.
 */
static void build_hist(const gbt_builder *b, size_t lo, size_t hi, double G, double H, const double *grad,
                       const double *hess, gbt_hist *out)
{
    const gbt_sparse *sp = b->sp;
    memset(out, 0, sp->hoff[b->data->d] * sizeof *out);
    for (size_t i = lo; i < hi; i++) {
        uint32_t g = b->idx[i];
        double gg = grad[g], hh = hess[g];
        for (size_t e = sp->off[g]; e < sp->off[g + 1]; e++) {
            out[sp->ent[e]].g += gg;
            out[sp->ent[e]].h += hh;
        }
    }
    for (size_t ci = 0; ci < b->ncols; ci++) {
        size_t f = b->cols[ci];
        gbt_hist *hist = out + sp->hoff[f];
        double og = 0.0, oh = 0.0;
        for (int bin = 0; bin < b->data->nbins[f]; bin++) {
            og += hist[bin].g;
            oh += hist[bin].h;
        }
        hist[sp->dflt[f]].g = G - og;
        hist[sp->dflt[f]].h = H - oh;
    }
}

/*
 * Grows node `at` over groups idx[lo, hi) with gradient sums G, H and histogram hist (NULL
 * when the node cannot split: at maxDepth); grad/hess hold this class's per-group values;
 * leafv receives each group's leaf value (margin update). Children's histograms: the
 * smaller child's is built, the larger one's is the parent's minus it (xgboost's trick);
 * they live in the two buffers of depth + 1, which deeper calls never touch.
 */
static void grow(gbt_builder *b, uint32_t at, size_t lo, size_t hi, int depth, double G, double H,
                 const gbt_hist *hist_in, const double *grad, const double *hess, double *leafv)
{
    const rf_data *D = b->data;
    const gbt_params *p = b->p;
    const gbt_sparse *sp = b->sp;
    double best = GBT_MIN_GAIN, bGL = 0.0, bHL = 0.0;
    size_t bf = 0;
    int bb = -1;
    if (hist_in && depth < p->max_depth && hi - lo >= 2 && H >= 2.0 * p->min_child_weight) {
        double root = G * G / (H + p->lambda);
        for (size_t ci = 0; ci < b->ncols; ci++) {
            size_t f = b->cols[ci];
            int nb = D->nbins[f];
            const gbt_hist *hist = hist_in + sp->hoff[f];
            double GL = 0.0, HL = 0.0;
            for (int bin = 0; bin < nb - 1; bin++) {
                GL += hist[bin].g;
                HL += hist[bin].h;
                double GR = G - GL, HR = H - HL;
                if (HL < p->min_child_weight || HR < p->min_child_weight || HL <= 0.0 || HR <= 0.0)
                    continue;
                double gain = GL * GL / (HL + p->lambda) + GR * GR / (HR + p->lambda) - root;
                if (gain > best) {
                    best = gain;
                    bf = f;
                    bb = bin;
                    bGL = GL;
                    bHL = HL;
                }
            }
        }
    }
    if (bb < 0) {
        double v = p->eta * leaf_weight(p, G, H);
        b->nodes[at].feat = -1;
        b->nodes[at].child = 0;
        b->nodes[at].v = v;
        for (size_t i = lo; i < hi; i++)
            leafv[b->idx[i]] = v;
        return;
    }
    uint32_t ch = new_nodes(b, 2);
    if (ch == UINT32_MAX)
        return;
    b->imp[bf] += best;
    b->nodes[at].feat = (int32_t)bf;
    b->nodes[at].child = ch;
    b->nodes[at].v = D->thr[D->off[bf] + (size_t)bb];
    /* partition: codes <= bb first (the order is fixed, so the model is deterministic) */
    const uint16_t *code = D->codes + bf * D->u;
    size_t mid = lo;
    for (size_t i = lo; i < hi; i++)
        if (code[b->idx[i]] <= bb) {
            uint32_t tmp = b->idx[i];
            b->idx[i] = b->idx[mid];
            b->idx[mid++] = tmp;
        }
    gbt_hist *hl = NULL, *hr = NULL;
    if (depth + 1 < p->max_depth) {
        size_t ns = sp->hoff[D->d];
        hl = b->hbuf + (size_t)(depth + 1) * 2 * ns;
        hr = hl + ns;
        gbt_hist *small = mid - lo <= hi - mid ? hl : hr, *big = small == hl ? hr : hl;
        if (small == hl)
            build_hist(b, lo, mid, bGL, bHL, grad, hess, small);
        else
            build_hist(b, mid, hi, G - bGL, H - bHL, grad, hess, small);
        for (size_t sl = 0; sl < ns; sl++) {
            big[sl].g = hist_in[sl].g - small[sl].g;
            big[sl].h = hist_in[sl].h - small[sl].h;
        }
    }
    grow(b, ch, lo, mid, depth + 1, bGL, bHL, hl, grad, hess, leafv);
    if (!b->oom)
        grow(b, ch + 1, mid, hi, depth + 1, G - bGL, H - bHL, hr, grad, hess, leafv);
}

/* Grows the tree of (round, class) with its column subset into *tree. 0, or -1 on NOMEM. */
static int build_tree(gbt_builder *b, uint64_t seed, const double *grad, const double *hess, double *leafv,
                      gbt_tree *tree)
{
    const rf_data *D = b->data;
    size_t d = D->d;
    util_rng rng;
    util__rng_seed(&rng, seed);
    for (size_t j = 0; j < d; j++)
        b->cols[j] = j;
    b->ncols = d;
    if (b->p->colsample < 1.0) {
        size_t m = (size_t)(b->p->colsample * (double)d);
        if (m < 1)
            m = 1;
        for (size_t j = 0; j < m; j++) {
            size_t r = j + (size_t)util__rng_below(&rng, (uint64_t)(d - j));
            size_t t = b->cols[j];
            b->cols[j] = b->cols[r];
            b->cols[r] = t;
        }
        b->ncols = m;
        /* ascending: ties between features go to the lower index, as without sampling */
        for (size_t j = 1; j < m; j++)
            for (size_t i = j; i > 0 && b->cols[i - 1] > b->cols[i]; i--) {
                size_t t = b->cols[i];
                b->cols[i] = b->cols[i - 1];
                b->cols[i - 1] = t;
            }
    }
    double G = 0.0, H = 0.0;
    for (size_t g = 0; g < D->u; g++) {
        b->idx[g] = (uint32_t)g;
        G += grad[g];
        H += hess[g];
    }
    b->n_nodes = 0;
    b->oom = 0;
    new_nodes(b, 1);
    if (b->oom)
        return -1;
    if (b->p->max_depth > 0)
        build_hist(b, 0, D->u, G, H, grad, hess, b->hbuf);
    grow(b, 0, 0, D->u, 0, G, H, b->hbuf, grad, hess, leafv);
    if (b->oom)
        return -1;
    tree->nodes = malloc((size_t)b->n_nodes * sizeof *tree->nodes);
    if (!tree->nodes)
        return -1;
    memcpy(tree->nodes, b->nodes, (size_t)b->n_nodes * sizeof *tree->nodes);
    tree->n_nodes = b->n_nodes;
    return 0;
}

/* ---------------------------------------------------------------------------------- */
/* Fit                                                                                */

typedef struct gbt_job {
    const gbt_params *p;
    const rf_data *data;
    gbt_state *s;
    uint64_t seed;
    uint32_t round;
    const double *grad, *hess;  /* (k, u) */
    double *F;                  /* (u, k) group margins */
    const double *Xval;         /* (nval, d) */
    size_t nval;
    double *Fv;                 /* (nval, k) validation margins */
    double *leafv;              /* (k, u) scratch */
    double *cimp;               /* (k, d): split gains of this round's tree of class c */
    pthread_mutex_t mu;
    int next;
    int failed;
} gbt_job;

static void run_classes(gbt_job *job, gbt_builder *b)
{
    const rf_data *D = job->data;
    size_t u = D->u, k = (size_t)job->s->k;
    for (;;) {
        pthread_mutex_lock(&job->mu);
        int c = job->next++;
        int stop = job->failed || c >= job->s->k;
        pthread_mutex_unlock(&job->mu);
        if (stop)
            return;
        size_t t = (size_t)job->round * k + (size_t)c;
        uint64_t seed = job->seed ^ (0x9E3779B97F4A7C15ull * ((uint64_t)t + 1));
        double *leafv = job->leafv + (size_t)c * u;
        gbt_tree *tree = &job->s->trees[t];
        b->imp = job->cimp + (size_t)c * D->d;
        memset(b->imp, 0, D->d * sizeof *b->imp);
        if (build_tree(b, seed, job->grad + (size_t)c * u, job->hess + (size_t)c * u, leafv, tree)) {
            pthread_mutex_lock(&job->mu);
            job->failed = 1;
            pthread_mutex_unlock(&job->mu);
            return;
        }
        for (size_t g = 0; g < u; g++)
            job->F[g * k + (size_t)c] += leafv[g];
        for (size_t i = 0; i < job->nval; i++)
            job->Fv[i * k + (size_t)c] += tree_value(tree, job->Xval + i * D->d);
    }
}

typedef struct gbt_worker {
    gbt_job *job;
    gbt_builder b;
} gbt_worker;

static void *worker_main(void *arg)
{
    gbt_worker *w = arg;
    run_classes(w->job, &w->b);
    return NULL;
}

static void builder_free(gbt_builder *b)
{
    free(b->idx);
    free(b->hbuf);
    free(b->cols);
    free(b->nodes);
}

static int builder_init(gbt_builder *b, const rf_data *D, const gbt_sparse *sp, const gbt_params *p)
{
    memset(b, 0, sizeof *b);
    b->data = D;
    b->sp = sp;
    b->p = p;
    b->idx = malloc(D->u * sizeof *b->idx);
    b->hbuf = malloc(((size_t)p->max_depth + 1) * 2 * (sp->hoff[D->d] ? sp->hoff[D->d] : 1) * sizeof *b->hbuf);
    b->cols = malloc(D->d * sizeof *b->cols);
    return b->idx && b->hbuf && b->cols ? 0 : -1;
}

/* Gradients and hessians of every class for margins F (u, k), weights W (u). */
static void gradients(const rf_data *D, const double *F, const double *W, double *grad, double *hess)
{
    size_t u = D->u, k = (size_t)D->k;
    double p[GBT_MAX_CLASSES];
    for (size_t g = 0; g < u; g++) {
        ml__softmax(F + g * k, D->k, p);
        for (size_t c = 0; c < k; c++) {
            double h = 2.0 * p[c] * (1.0 - p[c]);
            grad[c * u + g] = (p[c] - (D->gy[g] == c ? 1.0 : 0.0)) * W[g];
            hess[c * u + g] = (h > 1e-16 ? h : 1e-16) * W[g];
        }
    }
}

static double val_logloss(const double *Fv, const int *yv, size_t nval, int k)
{
    double p[GBT_MAX_CLASSES], sum = 0.0;
    for (size_t i = 0; i < nval; i++) {
        ml__softmax(Fv + i * (size_t)k, k, p);
        double py = p[yv[i]];
        sum -= log(py > 1e-15 ? py : 1e-15);
    }
    return nval ? sum / (double)nval : 0.0;
}

/* Checks the shape, the classes (train and validation) and the sample weights. */
static mqttids_err check_fit_input(size_t n, size_t d, const int *y, int k, const double *w,
                                   const ml_fit_ctx *ctx, size_t nval, char *errbuf)
{
    if (n < 1 || d < 1 || k < 1 || k > GBT_MAX_CLASSES || n > UINT32_MAX || d > UINT32_MAX)
        return util__fail(errbuf, MQTTIDS_ERR_INVALID,
                          "gbt: need 1..2^32-1 rows, >= 1 feature and 1..%d classes (got n=%zu d=%zu k=%d)",
                          GBT_MAX_CLASSES, n, d, k);
    return ml__check_fit_rows("gbt", y, n, k, w, nval ? ctx->yval : NULL, nval, errbuf);
}

/* One round's k trees (one per class) on nthreads threads (wk[0] is this one). */
static void run_round(gbt_job *job, gbt_worker *wk, int nthreads)
{
    pthread_t th[64];
    int started[64] = {0};
    for (int t = 1; t < nthreads; t++) {
        wk[t].job = job;
        started[t] = pthread_create(&th[t], NULL, worker_main, &wk[t]) == 0;
    }
    run_classes(job, &wk[0].b);
    for (int t = 1; t < nthreads; t++)
        if (started[t])
            pthread_join(th[t], NULL);
}

/* Drops the trees past the best round (early stopping) and normalizes the importances:
   total split gain per feature over the rounds kept. */
static void finish_state(gbt_state *s, uint32_t best_rounds, size_t d, size_t kk)
{
    if (best_rounds && best_rounds < s->rounds) {
        for (size_t t = (size_t)best_rounds * kk; t < (size_t)s->rounds * kk; t++) {
            free(s->trees[t].nodes);
            s->trees[t].nodes = NULL;
        }
        s->rounds = best_rounds;
    }
    double tot = 0.0;
    for (size_t j = 0; j < d; j++)
        tot += s->imp[j];
    for (size_t j = 0; j < d; j++)
        s->imp[j] = tot > 0.0 ? s->imp[j] / tot : 0.0;
}

static mqttids_err fit(const void *pv, const double *X, size_t n, size_t d, const int *y, int k, const double *w,
                       const ml_fit_ctx *ctx, void **out, char *errbuf)
{
    const gbt_params *p = pv;
    rf_data data;
    gbt_sparse sp;
    gbt_state *s = NULL;
    gbt_job job;
    gbt_worker *wk = NULL;
    double *W = NULL, *F = NULL, *Fv = NULL, *grad = NULL, *hess = NULL, *leafv = NULL, *cimp = NULL, *acc = NULL;
    int nthreads = ctx && ctx->nthreads > 1 ? ctx->nthreads : 1, job_mu = 0;
    size_t nval = ctx && ctx->Xval && ctx->yval ? ctx->nval : 0;
    mqttids_err err = MQTTIDS_OK;

    *out = NULL;
    memset(&data, 0, sizeof data);
    memset(&sp, 0, sizeof sp);
    memset(&job, 0, sizeof job);
    if (!p)
        p = &gbt_defaults;
    if (p->early_stop == 0)
        nval = 0; /* validation rows only serve early stopping */
    if ((err = check_fit_input(n, d, y, k, w, ctx, nval, errbuf)) != MQTTIDS_OK)
        return err;
    if ((err = rf__bin(&data, X, n, d, y, k, w, RF_SPLITS_SPARK, p->max_bins, ctx ? ctx->seed : 0, errbuf)) != MQTTIDS_OK)
        goto out_free;
    size_t u = data.u, kk = (size_t)k;
    s = calloc(1, sizeof *s);
    W = malloc(u * sizeof *W);
    F = malloc(u * kk * sizeof *F);
    Fv = malloc((nval ? nval : 1) * kk * sizeof *Fv);
    grad = malloc(u * kk * sizeof *grad);
    hess = malloc(u * kk * sizeof *hess);
    leafv = malloc(u * kk * sizeof *leafv);
    cimp = calloc(kk * d, sizeof *cimp);
    acc = calloc(d, sizeof *acc);
    if (nthreads > k)
        nthreads = k;
    if (nthreads > 64)
        nthreads = 64;
    wk = calloc((size_t)nthreads, sizeof *wk);
    if (!s || !W || !F || !Fv || !grad || !hess || !leafv || !cimp || !acc || !wk || sparse_build(&sp, &data))
        goto out_nomem;
    s->d = d;
    s->k = k;
    s->base = GBT_BASE;
    s->trees = calloc((size_t)p->rounds * kk, sizeof *s->trees);
    s->imp = calloc(d, sizeof *s->imp);
    if (!s->trees || !s->imp)
        goto out_nomem;
    for (int t = 0; t < nthreads; t++)
        if (builder_init(&wk[t].b, &data, &sp, p))
            goto out_nomem;
    for (size_t g = 0; g < u; g++)
        W[g] = data.gw[g] * (double)data.gm[g];
    for (size_t i = 0; i < u * kk; i++)
        F[i] = GBT_BASE;
    for (size_t i = 0; i < nval * kk; i++)
        Fv[i] = GBT_BASE;
    pthread_mutex_init(&job.mu, NULL);
    job_mu = 1;
    job.p = p;
    job.data = &data;
    job.s = s;
    job.seed = ctx ? ctx->seed : 0;
    job.grad = grad;
    job.hess = hess;
    job.F = F;
    job.Xval = nval ? ctx->Xval : NULL;
    job.nval = nval;
    job.Fv = Fv;
    job.leafv = leafv;
    job.cimp = cimp;

    double best_loss = INFINITY;
    uint32_t best_rounds = 0;
    for (int r = 0; r < p->rounds; r++) {
        gradients(&data, F, W, grad, hess);
        job.round = (uint32_t)r;
        job.next = 0;
        run_round(&job, wk, nthreads);
        if (job.failed)
            goto out_nomem;
        s->rounds = (uint32_t)r + 1;
        for (size_t c = 0; c < kk; c++)
            for (size_t j = 0; j < d; j++)
                acc[j] += cimp[c * d + j];
        if (!(nval && p->early_stop > 0))
            memcpy(s->imp, acc, d * sizeof *acc);
        if (ctx && ctx->progress && ctx->progress("gbt rounds", (uint64_t)r + 1, (uint64_t)p->rounds,
                                                  ctx->progress_user)) {
            err = util__fail(errbuf, MQTTIDS_ERR_INTERRUPTED, "gbt: interrupted");
            goto out_free;
        }
        if (nval && p->early_stop > 0) {
            double loss = val_logloss(Fv, ctx->yval, nval, k);
            if (loss < best_loss) {
                best_loss = loss;
                best_rounds = s->rounds;
                memcpy(s->imp, acc, d * sizeof *acc);
            } else if (s->rounds - best_rounds >= (uint32_t)p->early_stop) {
                break;
            }
        }
    }
    finish_state(s, best_rounds, d, kk);
    *out = s;
    s = NULL;
    goto out_free;

out_nomem:
    err = util__fail(errbuf, MQTTIDS_ERR_NOMEM, "gbt: out of memory");
out_free:
    if (job_mu)
        pthread_mutex_destroy(&job.mu);
    if (wk)
        for (int t = 0; t < nthreads; t++)
            builder_free(&wk[t].b);
    free(wk);
    free(W);
    free(F);
    free(Fv);
    free(grad);
    free(hess);
    free(leafv);
    free(cimp);
    free(acc);
    sparse_free(&sp);
    rf__data_free(&data);
    gbt_state_free(s);
    return err;
}

const ml_learner ml__gbt = {
    "gbt",
    "gradient-boosted trees (xgboost multi:softprob, hist: softmax, one tree per class per round)",
    ML_LEARNER_FUNCTIONS(importances),
};
