/*
 * lr.c: multinomial logistic regression with Spark ML's parameters and objective,
 * minimised by L-BFGS (Debian's liblbfgs; OWL-QN for an L1 part).
 *
 * Objective (Spark's LogisticRegression, family multinomial), over n rows with weights w:
 *   f(B, b) = (1 / sum w) sum_i w_i * (-log p_{y_i}(x_i))
 *             + regParam * (elasticNetParam * |B|_1 + (1 - elasticNetParam) / 2 * |B|_2^2)
 *   p(x) = softmax(B x + b): K coefficient rows (over-parameterised, as Spark and sklearn),
 *   intercepts b are not regularised.
 * standardization=true (Spark's default) fits in the space x_j / std_j (weighted sample
 * std) so the penalty applies to standardized coefficients, then maps them back; a
 * feature with std 0 gets coefficient 0. standardization=false penalises B as is, which
 * makes the objective sklearn's LogisticRegression(C = 1 / (n * regParam)) exactly.
 * Intercepts are centered over classes at the end, and coefficients too when regParam is 0
 * (Spark does the same; probabilities do not change).
 *
 * Speed: identical (x, sample) rows are merged into one group carrying per-class weight
 * sums (compress=true): the loss is a sum over groups, so the objective is the same.
 * Groups are stored sparse (one-hot features are mostly 0). The gradient is computed
 * over fixed chunks of groups (the chunking depends on the data only), on up to
 * ctx->nthreads threads, and the per-chunk sums are added in chunk order: the result
 * is bit-identical for any thread count.
 *
 * Not here: the feature pipeline (src/features), CV (cv.c), model files (model.c).
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <lbfgs.h>
#include "ml/ml_int.h"

#define LR_MAX_CLASSES 64

typedef struct lr_params {
    double reg;          /* regParam */
    double alpha;        /* elasticNetParam */
    int max_iter;        /* maxIter */
    double tol;          /* tol */
    int fit_intercept;   /* fitIntercept */
    int standardization; /* standardization */
    int compress;        /* merge identical rows (ours; no effect on the optimum) */
    int history;         /* L-BFGS corrections kept (Spark: 10) */
    int nthr;            /* thresholds given (0: none) */
    double thr[LR_MAX_CLASSES];
} lr_params;

typedef struct lr_state {
    int k;
    size_t d;
    double *W;           /* owned: k x d row-major (class c: W[c*d .. c*d+d)) */
    double *b;           /* points into W's allocation: k intercepts */
    int nthr;
    double thr[LR_MAX_CLASSES];
    int iterations;
    double objective;
    int status;          /* liblbfgs return code */
    size_t groups;       /* distinct rows used by the optimiser */
} lr_state;

/* ---------------------------------------------------------------------------------- */
/* Parameters                                                                         */

/* The defaults (every field not named is 0). */
static const lr_params lr_defaults = {.reg = 0.0, .alpha = 0.0, .max_iter = 100, .tol = 1e-6, .fit_intercept = 1,
                                      .standardization = 1, .compress = 1, .history = 10};

static void *params_new(void) { return ml__params_dup(NULL, &lr_defaults, sizeof lr_defaults); }

static void *params_copy(const void *p) { return ml__params_dup(p, &lr_defaults, sizeof lr_defaults); }

static mqttids_err params_set(void *pp, const char *key, const char *v, char *errbuf)
{
    lr_params *p = pp;
    double x;
    if (ml__key_eq(key, "regParam")) {
        if (ml__parse_num(v, &x) || x < 0)
            return util__fail(errbuf, MQTTIDS_ERR_INVALID, "lr: regParam must be a number >= 0, not '%s'", v);
        p->reg = x;
    } else if (ml__key_eq(key, "elasticNetParam")) {
        if (ml__parse_num(v, &x) || x < 0 || x > 1)
            return util__fail(errbuf, MQTTIDS_ERR_INVALID, "lr: elasticNetParam must be in [0, 1], not '%s'", v);
        p->alpha = x;
    } else if (ml__key_eq(key, "maxIter")) {
        if (ml__parse_num(v, &x) || x < 0 || x > 1e7 || x != floor(x))
            return util__fail(errbuf, MQTTIDS_ERR_INVALID, "lr: maxIter must be an integer >= 0, not '%s'", v);
        p->max_iter = (int)x;
    } else if (ml__key_eq(key, "tol")) {
        if (ml__parse_num(v, &x) || x < 0)
            return util__fail(errbuf, MQTTIDS_ERR_INVALID, "lr: tol must be a number >= 0, not '%s'", v);
        p->tol = x;
    } else if (ml__key_eq(key, "fitIntercept")) {
        if (ml__parse_bool(v, &p->fit_intercept))
            return util__fail(errbuf, MQTTIDS_ERR_INVALID, "lr: fitIntercept must be true or false, not '%s'", v);
    } else if (ml__key_eq(key, "standardization")) {
        if (ml__parse_bool(v, &p->standardization))
            return util__fail(errbuf, MQTTIDS_ERR_INVALID, "lr: standardization must be true or false, not '%s'", v);
    } else if (ml__key_eq(key, "compress")) {
        if (ml__parse_bool(v, &p->compress))
            return util__fail(errbuf, MQTTIDS_ERR_INVALID, "lr: compress must be true or false, not '%s'", v);
    } else if (ml__key_eq(key, "history") || ml__key_eq(key, "m")) {
        if (ml__parse_num(v, &x) || x < 1 || x > 1000 || x != floor(x))
            return util__fail(errbuf, MQTTIDS_ERR_INVALID, "lr: history must be an integer in [1, 1000], not '%s'", v);
        p->history = (int)x;
    } else if (ml__key_eq(key, "family")) {
        if (strcmp(v, "multinomial") && strcmp(v, "auto"))
            return util__fail(errbuf, MQTTIDS_ERR_INVALID, "lr: family must be multinomial (or auto), not '%s'", v);
    } else if (ml__key_eq(key, "thresholds")) {
        /* "1.5,0.9,1,1,1,1", optionally in brackets; "" or "none" clears */
        const char *s = v;
        size_t len = strlen(v);
        int n = 0;
        if (len && s[0] == '[') {
            s++;
            len--;
            if (len && s[len - 1] == ']')
                len--;
        }
        if (len == 0 || (len == 4 && strncmp(s, "none", 4) == 0)) {
            p->nthr = 0;
            return MQTTIDS_OK;
        }
        while (len) {
            const char *e = memchr(s, ',', len);
            size_t l = e ? (size_t)(e - s) : len;
            if (n >= LR_MAX_CLASSES || util__parse_double(s, l, &x) || !(x >= 0) || !isfinite(x))
                return util__fail(errbuf, MQTTIDS_ERR_INVALID,
                                  "lr: thresholds must be a list of numbers >= 0 such as 1.5,0.9,1,1,1,1, not '%s'", v);
            p->thr[n++] = x;
            if (!e)
                break;
            len -= l + 1;
            s = e + 1;
        }
        p->nthr = n;
    } else {
        return util__fail(errbuf, MQTTIDS_ERR_INVALID,
                          "lr: unknown parameter '%s' (known: regParam, elasticNetParam, maxIter, tol, "
                          "fitIntercept, standardization, thresholds, family, compress, history)", key);
    }
    return MQTTIDS_OK;
}

static void params_describe(const void *pp, char *buf, size_t size)
{
    const lr_params *p = pp;
    char thr[LR_MAX_CLASSES * 24 + 8];
    size_t o = 0;
    thr[0] = '\0';
    if (p->nthr) {
        o += (size_t)snprintf(thr + o, sizeof thr - o, "[");
        for (int c = 0; c < p->nthr && o < sizeof thr; c++)
            o += (size_t)snprintf(thr + o, sizeof thr - o, "%s%g", c ? "," : "", p->thr[c]);
        if (o < sizeof thr)
            snprintf(thr + o, sizeof thr - o, "]");
    } else {
        snprintf(thr, sizeof thr, "none");
    }
    snprintf(buf, size,
             "regParam=%g elasticNetParam=%g maxIter=%d tol=%g fitIntercept=%s standardization=%s "
             "thresholds=%s family=multinomial compress=%s history=%d",
             p->reg, p->alpha, p->max_iter, p->tol, p->fit_intercept ? "true" : "false",
             p->standardization ? "true" : "false", thr, p->compress ? "true" : "false", p->history);
}

/* ---------------------------------------------------------------------------------- */
/* Training data: groups of identical rows, sparse                                   */

typedef struct lr_data {
    size_t ng;           /* groups */
    size_t d;
    int k;
    size_t *start;       /* owned, ng + 1: nonzeros of group g are [start[g], start[g+1]) */
    uint32_t *idx;       /* owned: feature index of each nonzero */
    double *val;         /* owned: its (standardized) value */
    double *cnt;         /* owned, ng x k: weight of class c in group g */
    double *tot;         /* owned, ng: total weight of group g */
    double wsum;         /* sum of all weights */
} lr_data;

static void data_free(lr_data *D)
{
    free(D->start);
    free(D->idx);
    free(D->val);
    free(D->cnt);
    free(D->tot);
}

static uint64_t row_hash(const double *x, size_t d)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL;
    for (size_t j = 0; j < d; j++) {
        uint64_t u;
        memcpy(&u, &x[j], sizeof u);
        h ^= u + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
        h *= 0xff51afd7ed558ccdULL;
    }
    return h ^ (h >> 33);
}

/* Builds the group data. sc[j] multiplies feature j (1/std or 1; 0 drops it). */
static mqttids_err data_build(const double *X, size_t n, size_t d, const int *y, int k, const double *w,
                              const double *sc, int compress, lr_data *D)
{
    size_t *grp_row = NULL, *slots = NULL, nslots = 1, ng = 0, nnz = 0;
    size_t *gid = NULL;
    mqttids_err err = MQTTIDS_ERR_NOMEM;

    memset(D, 0, sizeof *D);
    D->d = d;
    D->k = k;
    gid = malloc((n ? n : 1) * sizeof *gid);
    grp_row = malloc((n ? n : 1) * sizeof *grp_row);
    if (!gid || !grp_row)
        goto out;
    if (compress) {
        while (nslots < 2 * n)
            nslots <<= 1;
        slots = malloc(nslots * sizeof *slots);
        if (!slots)
            goto out;
        memset(slots, 0xff, nslots * sizeof *slots);
        for (size_t i = 0; i < n; i++) {
            const double *xi = X + i * d;
            size_t s = (size_t)row_hash(xi, d) & (nslots - 1);
            for (;;) {
                if (slots[s] == (size_t)-1) {
                    slots[s] = ng;
                    grp_row[ng] = i;
                    gid[i] = ng++;
                    break;
                }
                if (memcmp(X + grp_row[slots[s]] * d, xi, d * sizeof *xi) == 0) {
                    gid[i] = slots[s];
                    break;
                }
                s = (s + 1) & (nslots - 1);
            }
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            gid[i] = i;
            grp_row[i] = i;
        }
        ng = n;
    }
    for (size_t g = 0; g < ng; g++)
        for (size_t j = 0; j < d; j++)
            nnz += X[grp_row[g] * d + j] * sc[j] != 0.0;
    D->ng = ng;
    D->start = malloc((ng + 1) * sizeof *D->start);
    D->idx = malloc((nnz ? nnz : 1) * sizeof *D->idx);
    D->val = malloc((nnz ? nnz : 1) * sizeof *D->val);
    D->cnt = calloc((ng ? ng : 1) * (size_t)k, sizeof *D->cnt);
    D->tot = calloc(ng ? ng : 1, sizeof *D->tot);
    if (!D->start || !D->idx || !D->val || !D->cnt || !D->tot)
        goto out;
    nnz = 0;
    for (size_t g = 0; g < ng; g++) {
        D->start[g] = nnz;
        for (size_t j = 0; j < d; j++) {
            double v = X[grp_row[g] * d + j] * sc[j];
            if (v != 0.0) {
                D->idx[nnz] = (uint32_t)j;
                D->val[nnz++] = v;
            }
        }
    }
    D->start[ng] = nnz;
    D->wsum = 0;
    for (size_t i = 0; i < n; i++) {
        double wi = w ? w[i] : 1.0;
        D->cnt[gid[i] * (size_t)k + (size_t)y[i]] += wi;
        D->tot[gid[i]] += wi;
        D->wsum += wi;
    }
    err = MQTTIDS_OK;
out:
    free(gid);
    free(grp_row);
    free(slots);
    if (err != MQTTIDS_OK)
        data_free(D);
    return err;
}

/* ---------------------------------------------------------------------------------- */
/* Objective and gradient                                                             */

/* Variables: BT (d x k, feature-major so a nonzero touches k adjacent values), then b (k). */
typedef struct lr_opt {
    const lr_data *D;
    int k;
    size_t d;
    double l2;           /* regParam * (1 - elasticNetParam) */
    int fit_intercept;
    size_t nvar;         /* d*k + k (padding after) */
    size_t chunk;        /* groups per chunk */
    size_t nchunks;
    double *part;        /* nchunks x (nvar + 1): gradient parts, then the loss part */
    int nthreads;
    const double *x;     /* current point (during an evaluation) */
    int iterations;
    mqttids_progress_fn progress;
    void *progress_user;
    int max_iter;
    int cancelled;
} lr_opt;

/*
 * One chunk's loss and gradient. Written for any k; always inlined so the dispatcher below
 * gets a copy with k a compile-time constant for the study's 6 classes (unrolled loops).
 */
static inline __attribute__((always_inline)) void eval_chunk_k(lr_opt *o, size_t ch, const int k)
{
    const lr_data *D = o->D;
    const size_t d = o->d;
    const double *BT = o->x, *b = o->x + d * (size_t)k;
    double *g = o->part + ch * (o->nvar + 1);
    double *gb = g + d * (size_t)k;
    double loss = 0;
    size_t g0 = ch * o->chunk, g1 = g0 + o->chunk < D->ng ? g0 + o->chunk : D->ng;
    double z[LR_MAX_CLASSES], ez[LR_MAX_CLASSES];

    memset(g, 0, (o->nvar + 1) * sizeof *g);
    for (size_t q = g0; q < g1; q++) {
        const double *cq = D->cnt + q * (size_t)k;
        double m = -INFINITY, s = 0, lse;
        for (int c = 0; c < k; c++)
            z[c] = b[c];
        for (size_t e = D->start[q]; e < D->start[q + 1]; e++) {
            const double *bt = BT + (size_t)D->idx[e] * (size_t)k;
            double v = D->val[e];
            for (int c = 0; c < k; c++)
                z[c] += bt[c] * v;
        }
        for (int c = 0; c < k; c++)
            if (z[c] > m)
                m = z[c];
        for (int c = 0; c < k; c++) {
            z[c] -= m;
            ez[c] = exp(z[c]);
            s += ez[c];
        }
        lse = log(s);
        /* loss: sum_c cnt_c * (lse - z_c); residual r_c = tot * p_c - cnt_c, p_c = ez_c / s */
        for (int c = 0; c < k; c++) {
            loss += cq[c] * (lse - z[c]);
            z[c] = D->tot[q] * (ez[c] / s) - cq[c];
        }
        for (int c = 0; c < k; c++)
            gb[c] += z[c];
        for (size_t e = D->start[q]; e < D->start[q + 1]; e++) {
            double *gt = g + (size_t)D->idx[e] * (size_t)k;
            double v = D->val[e];
            for (int c = 0; c < k; c++)
                gt[c] += z[c] * v;
        }
    }
    g[o->nvar] = loss;
}

static void eval_chunk(lr_opt *o, size_t ch)
{
    if (o->k == 6)
        eval_chunk_k(o, ch, 6);
    else
        eval_chunk_k(o, ch, o->k);
}

typedef struct lr_worker {
    lr_opt *o;
    int t;
} lr_worker;

static void *worker_main(void *arg)
{
    lr_worker *w = arg;
    for (size_t ch = (size_t)w->t; ch < w->o->nchunks; ch += (size_t)w->o->nthreads)
        eval_chunk(w->o, ch);
    return NULL;
}

static lbfgsfloatval_t evaluate(void *inst, const lbfgsfloatval_t *x, lbfgsfloatval_t *g, const int n,
                                const lbfgsfloatval_t step)
{
    lr_opt *o = inst;
    const size_t nv = o->nvar, dk = o->d * (size_t)o->k;
    double f = 0;
    (void)step;
    o->x = x;
    if (o->nthreads > 1 && o->nchunks > 1) {
        pthread_t th[64];
        lr_worker wk[64];
        int nt = o->nthreads < 64 ? o->nthreads : 64, started = 0;
        if ((size_t)nt > o->nchunks)
            nt = (int)o->nchunks;
        for (int t = 1; t < nt; t++) {
            wk[t].o = o;
            wk[t].t = t;
            if (pthread_create(&th[t], NULL, worker_main, &wk[t]) != 0)
                break;
            started = t;
        }
        /* chunks of threads that failed to start are done here: same sums either way */
        for (size_t ch = 0; ch < o->nchunks; ch++) {
            int owner = (int)(ch % (size_t)nt);
            if (owner == 0 || owner > started)
                eval_chunk(o, ch);
        }
        for (int t = 1; t <= started; t++)
            pthread_join(th[t], NULL);
    } else {
        for (size_t ch = 0; ch < o->nchunks; ch++)
            eval_chunk(o, ch);
    }
    for (int i = 0; i < n; i++)
        g[i] = 0;
    for (size_t ch = 0; ch < o->nchunks; ch++) {
        const double *p = o->part + ch * (nv + 1);
        for (size_t i = 0; i < nv; i++)
            g[i] += p[i];
        f += p[nv];
    }
    f /= o->D->wsum;
    for (size_t i = 0; i < nv; i++)
        g[i] /= o->D->wsum;
    if (!o->fit_intercept)
        for (size_t i = dk; i < nv; i++)
            g[i] = 0;
    if (o->l2 > 0) {
        double r = 0;
        for (size_t i = 0; i < dk; i++) {
            r += x[i] * x[i];
            g[i] += o->l2 * x[i];
        }
        f += 0.5 * o->l2 * r;
    }
    return f;
}

static int progress_cb(void *inst, const lbfgsfloatval_t *x, const lbfgsfloatval_t *g, const lbfgsfloatval_t fx,
                       const lbfgsfloatval_t xnorm, const lbfgsfloatval_t gnorm, const lbfgsfloatval_t step,
                       int n, int it, int ls)
{
    lr_opt *o = inst;
    (void)x; (void)g; (void)xnorm; (void)gnorm; (void)step; (void)n; (void)ls;
    o->iterations = it;
    if (!isfinite(fx))
        return 1;
    if (o->progress && o->progress("lr", (uint64_t)it, (uint64_t)o->max_iter, o->progress_user)) {
        o->cancelled = 1;
        return 1;
    }
    return 0;
}

/* ---------------------------------------------------------------------------------- */
/* Fit                                                                                */

/* Checks the shape, the thresholds, the labels and that every feature is finite. */
static mqttids_err check_fit_input(const lr_params *p, const double *X, size_t n, size_t d, const int *y, int k,
                                   char *errbuf)
{
    if (k < 2 || k > LR_MAX_CLASSES)
        return util__fail(errbuf, MQTTIDS_ERR_INVALID, "lr: %d classes (need 2 to %d)", k, LR_MAX_CLASSES);
    if (n == 0 || d == 0)
        return util__fail(errbuf, MQTTIDS_ERR_INVALID, "lr: no training rows or no features");
    if (p->nthr && p->nthr != k)
        return util__fail(errbuf, MQTTIDS_ERR_INVALID, "lr: thresholds has %d values, the data has %d classes",
                          p->nthr, k);
    if (d * (size_t)k + (size_t)k > 100000000)
        return util__fail(errbuf, MQTTIDS_ERR_INVALID, "lr: too many variables (%zu features x %d classes)", d, k);
    mqttids_err err = ml__check_fit_rows("lr", y, n, k, NULL, NULL, 0, errbuf);
    if (err)
        return err;
    /* as rf and nn: a NaN or an infinity would make the objective nan, not an error */
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++)
            if (!isfinite(X[i * d + j]))
                return util__fail(errbuf, MQTTIDS_ERR_INVALID, "lr: X[%zu][%zu] is not a finite number", i, j);

    return MQTTIDS_OK;
}

/* Per-feature multipliers into sc[d]: 1 / weighted sample std (standardization) or 1. */
static mqttids_err feature_scales(const lr_params *p, const double *X, size_t n, size_t d, const double *w,
                                  double *sc, char *errbuf)
{
    for (size_t j = 0; j < d; j++)
        sc[j] = 1.0;
    if (!p->standardization)
        return MQTTIDS_OK;
    double sw = 0, sw2 = 0;
    double *mu = calloc(2 * d, sizeof *mu), *var;
    if (!mu)
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
    var = mu + d;
    for (size_t i = 0; i < n; i++) {
        double wi = w ? w[i] : 1.0;
        sw += wi;
        sw2 += wi * wi;
        for (size_t j = 0; j < d; j++)
            mu[j] += wi * X[i * d + j];
    }
    for (size_t j = 0; j < d; j++)
        mu[j] /= sw;
    for (size_t i = 0; i < n; i++) {
        double wi = w ? w[i] : 1.0;
        for (size_t j = 0; j < d; j++) {
            double t = X[i * d + j] - mu[j];
            var[j] += wi * t * t;
        }
    }
    for (size_t j = 0; j < d; j++) {
        double den = sw - sw2 / sw, sd = den > 0 ? sqrt(var[j] / den) : 0.0;
        sc[j] = sd > 0 && isfinite(sd) ? 1.0 / sd : 0.0;
    }
    free(mu);
    return MQTTIDS_OK;
}

/* liblbfgs's parameters as Spark sets Breeze's (OWL-QN with an L1 part). */
static void lbfgs_params(const lr_params *p, size_t d, int k, lbfgs_parameter_t *lp)
{
    lbfgs_parameter_init(lp);
    lp->m = p->history;
    lp->max_iterations = p->max_iter;
    lp->epsilon = p->tol > 0 ? p->tol : 1e-12;
    lp->past = 3;
    lp->delta = p->tol;
    lp->max_linesearch = 40;
    if (p->reg > 0 && p->alpha > 0) {
        lp->orthantwise_c = p->reg * p->alpha;
        lp->orthantwise_start = 0;
        lp->orthantwise_end = (int)(d * (size_t)k);
        lp->linesearch = LBFGS_LINESEARCH_BACKTRACKING;
    }
}

/* The state's W (k x d) and b from the optimum x (d x k then k), back to the caller's
   feature space (sc), centered over classes. */
static void unscale_coefficients(const lr_params *p, const lbfgsfloatval_t *x, const double *sc, size_t d,
                                 int k, lr_state *st)
{
    for (size_t j = 0; j < d; j++) {
        double mean = 0;
        /* Spark centers the coefficients only without regularization (identifiability);
           an L2 optimum is centered already, an L1 one must not be moved */
        for (int c = 0; c < k && p->reg == 0; c++)
            mean += x[j * (size_t)k + (size_t)c] * sc[j];
        mean /= k;
        for (int c = 0; c < k; c++)
            st->W[(size_t)c * d + j] = x[j * (size_t)k + (size_t)c] * sc[j] - mean;
    }
    {
        double mean = 0;
        for (int c = 0; c < k; c++)
            mean += p->fit_intercept ? x[d * (size_t)k + (size_t)c] : 0.0;
        mean /= k;
        for (int c = 0; c < k; c++)
            st->b[c] = p->fit_intercept ? x[d * (size_t)k + (size_t)c] - mean : 0.0;
    }
}

static mqttids_err fit(const void *pp, const double *X, size_t n, size_t d, const int *y, int k,
                       const double *w, const ml_fit_ctx *ctx, void **state, char *errbuf)
{
    const lr_params *p = pp;
    lr_state *st = NULL;
    lr_data D;
    lr_opt o;
    double *sc = NULL;
    lbfgsfloatval_t *x = NULL, fx = 0;
    lbfgs_parameter_t lp;
    int ret, nvar_pad;
    mqttids_err err;

    *state = NULL;
    memset(&D, 0, sizeof D);
    memset(&o, 0, sizeof o);
    err = check_fit_input(p, X, n, d, y, k, errbuf);
    if (err != MQTTIDS_OK)
        return err;

    sc = malloc(d * sizeof *sc);
    if (!sc)
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
    if ((err = feature_scales(p, X, n, d, w, sc, errbuf)) != MQTTIDS_OK) {
        free(sc);
        return err;
    }

    if (data_build(X, n, d, y, k, w, sc, p->compress, &D) != MQTTIDS_OK) {
        free(sc);
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
    }
    if (!(D.wsum > 0)) {
        err = util__fail(errbuf, MQTTIDS_ERR_INVALID, "lr: the sample weights sum to %g", D.wsum);
        goto out;
    }

    o.D = &D;
    o.k = k;
    o.d = d;
    o.l2 = p->reg * (1.0 - p->alpha);
    o.fit_intercept = p->fit_intercept;
    o.nvar = d * (size_t)k + (size_t)k;
    o.chunk = D.ng / 64 > 2048 ? D.ng / 64 : 2048;
    o.nchunks = (D.ng + o.chunk - 1) / o.chunk;
    o.nthreads = ctx && ctx->nthreads > 1 ? ctx->nthreads : 1;
    o.progress = ctx ? ctx->progress : NULL;
    o.progress_user = ctx ? ctx->progress_user : NULL;
    o.max_iter = p->max_iter;
    o.part = malloc(o.nchunks * (o.nvar + 1) * sizeof *o.part);
    nvar_pad = (int)((o.nvar + 15) / 16 * 16);
    x = lbfgs_malloc(nvar_pad);
    st = calloc(1, sizeof *st);
    if (!o.part || !x || !st) {
        err = util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (int i = 0; i < nvar_pad; i++)
        x[i] = 0;

    lbfgs_params(p, d, k, &lp);
    if (p->max_iter == 0) {
        ret = LBFGSERR_MAXIMUMITERATION; /* Spark returns the initial point */
    } else {
        ret = lbfgs(nvar_pad, x, &fx, evaluate, progress_cb, &o, &lp);
    }
    if (o.cancelled) {
        err = util__fail(errbuf, MQTTIDS_ERR_INTERRUPTED, "lr: training interrupted");
        goto out;
    }
    if (ret == LBFGSERR_OUTOFMEMORY) {
        err = util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < o.nvar; i++)
        if (!isfinite(x[i])) {
            err = util__fail(errbuf, MQTTIDS_ERR_DIVERGED, "lr: L-BFGS diverged (non-finite coefficients; "
                             "liblbfgs status %d)", ret);
            goto out;
        }

    /* back to the caller's feature space, centered over classes */
    st->k = k;
    st->d = d;
    st->W = malloc((d * (size_t)k + (size_t)k) * sizeof *st->W);
    if (!st->W) {
        err = util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
        goto out;
    }
    st->b = st->W + d * (size_t)k;
    unscale_coefficients(p, x, sc, d, k, st);
    st->nthr = p->nthr;
    memcpy(st->thr, p->thr, sizeof st->thr);
    st->iterations = o.iterations;
    /* the objective at the returned point (with OWL-QN liblbfgs's fx includes the L1 term) */
    st->objective = p->max_iter > 0 ? fx : NAN;
    st->status = ret;
    st->groups = D.ng;
    *state = st;
    st = NULL;
    err = MQTTIDS_OK;
out:
    if (st) {
        free(st->W);
        free(st);
    }
    if (x)
        lbfgs_free(x);
    free(o.part);
    free(sc);
    data_free(&D);
    return err;
}

/* ---------------------------------------------------------------------------------- */
/* Prediction, serialisation                                                          */

static void predict_proba(const void *sp, const double *x, double *prob)
{
    const lr_state *s = sp;
    double m = -INFINITY, sum = 0;
    for (int c = 0; c < s->k; c++) {
        const double *wc = s->W + (size_t)c * s->d;
        double z = s->b[c];
        for (size_t j = 0; j < s->d; j++)
            z += wc[j] * x[j];
        prob[c] = z;
        if (z > m)
            m = z;
    }
    for (int c = 0; c < s->k; c++) {
        prob[c] = exp(prob[c] - m);
        sum += prob[c];
    }
    for (int c = 0; c < s->k; c++)
        prob[c] /= sum;
}

static int predict(const void *sp, const double *x, double *prob)
{
    const lr_state *s = sp;
    int best = 0;
    double bv = -INFINITY;
    predict_proba(sp, x, prob);
    for (int c = 0; c < s->k; c++) {
        /* Spark: argmax p_c / t_c, with p_c / 0 = +Inf (first class wins ties) */
        double v = s->nthr ? (s->thr[c] > 0 ? prob[c] / s->thr[c] : INFINITY) : prob[c];
        if (v > bv) {
            bv = v;
            best = c;
        }
    }
    return best;
}

static void save(const void *sp, util_buf *b)
{
    const lr_state *s = sp;
    util__buf_u32(b, (uint32_t)s->k);
    util__buf_u32(b, (uint32_t)s->d);
    util__buf_u32(b, (uint32_t)s->nthr);
    for (int c = 0; c < s->nthr; c++)
        util__buf_f64(b, s->thr[c]);
    for (size_t i = 0; i < s->d * (size_t)s->k + (size_t)s->k; i++)
        util__buf_f64(b, s->W[i]);
    util__buf_u32(b, (uint32_t)s->iterations);
    util__buf_f64(b, s->objective);
    util__buf_u32(b, (uint32_t)(int32_t)s->status);
    util__buf_u64(b, (uint64_t)s->groups);
}

static void state_free(void *sp)
{
    lr_state *s = sp;
    if (!s)
        return;
    free(s->W);
    free(s);
}

static mqttids_err load(util_rd *r, size_t d, int k, void **state, char *errbuf)
{
    lr_state *s = NULL;
    uint32_t k2, d2, nthr, it, status;
    uint64_t groups;
    size_t nv;
    *state = NULL;
    if (util__rd_u32(r, &k2) || util__rd_u32(r, &d2) || util__rd_u32(r, &nthr))
        return util__fail(errbuf, MQTTIDS_ERR_MALFORMED, "lr: state truncated");
    if ((int)k2 != k || d2 != d || k < 2 || k > LR_MAX_CLASSES || (nthr != 0 && nthr != k2))
        return util__fail(errbuf, MQTTIDS_ERR_MALFORMED,
                          "lr: state for %u classes x %u features (%u thresholds), the model has %d x %zu",
                          k2, d2, nthr, k, d);
    nv = d * (size_t)k + (size_t)k;
    if (nv > (r->len - r->off) / 8)
        return util__fail(errbuf, MQTTIDS_ERR_MALFORMED, "lr: state truncated (%zu coefficients)", nv);
    s = calloc(1, sizeof *s);
    if (!s)
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
    s->W = malloc(nv * sizeof *s->W);
    if (!s->W) {
        free(s);
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
    }
    s->k = k;
    s->d = d;
    s->b = s->W + d * (size_t)k;
    s->nthr = (int)nthr;
    for (uint32_t c = 0; c < nthr; c++)
        util__rd_f64(r, &s->thr[c]);
    for (size_t i = 0; i < nv; i++)
        util__rd_f64(r, &s->W[i]);
    util__rd_u32(r, &it);
    util__rd_f64(r, &s->objective);
    util__rd_u32(r, &status);
    util__rd_u64(r, &groups);
    if (r->failed) {
        state_free(s);
        return util__fail(errbuf, MQTTIDS_ERR_MALFORMED, "lr: state truncated");
    }
    for (size_t i = 0; i < nv; i++)
        if (!isfinite(s->W[i])) {
            state_free(s);
            return util__fail(errbuf, MQTTIDS_ERR_MALFORMED, "lr: coefficient %zu is not finite", i);
        }
    for (uint32_t c = 0; c < nthr; c++)
        if (!(s->thr[c] >= 0) || !isfinite(s->thr[c])) {
            state_free(s);
            return util__fail(errbuf, MQTTIDS_ERR_MALFORMED, "lr: threshold %u is not a number >= 0", c);
        }
    s->iterations = (int)it;
    s->status = (int)(int32_t)status;
    s->groups = (size_t)groups;
    *state = s;
    return MQTTIDS_OK;
}

static void describe_state(const void *sp, char *buf, size_t size)
{
    const lr_state *s = sp;
    snprintf(buf, size, "iterations=%d objective=%.12g lbfgs_status=%d distinct_rows=%zu", s->iterations,
             s->objective, s->status, s->groups);
}

/* Coefficients for tests and tools: W (k x d) then b (k). Internal, used by test_lr.c. */
const double *ml__lr_coef(const void *state)
{
    return ((const lr_state *)state)->W;
}

const ml_learner ml__lr = {
    "lr",
    "multinomial logistic regression (Spark's regParam/elasticNetParam, L-BFGS / OWL-QN)",
    ML_LEARNER_FUNCTIONS(NULL),
};
