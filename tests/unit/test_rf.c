/*
 * test_rf.c: the random-forest learner (src/ml/rf*.c) through its ml_learner vtable.
 *
 * Independent expectations: known perfect splits and XOR structure built here; sklearn's
 * DecisionTreeClassifier on a fixed dataset (tests/data/rf_sklearn_tree.csv, made by
 * tests/data/rf_make_fixture.py); the real MQTTset heads in ../shared (accuracy against
 * the majority baseline on a temporal 70/30 split of each class file).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "ml/ml_int.h"
#include "ml/rf_int.h"
#include "mqttids/dataset.h"
#include "mqttids/ml.h"
#include "testhelp.h"
#include "heads.h"

static const ml_learner *L = &ml__rf;

static void *params(const char *const *kv)
{
    char err[MQTTIDS_ERRBUF_SIZE];
    void *p = L->params_new();
    for (size_t i = 0; kv && kv[i]; i += 2) {
        mqttids_err e = L->params_set(p, kv[i], kv[i + 1], err);
        CHECK(e == MQTTIDS_OK, "params_set %s=%s: %s", kv[i], kv[i + 1], err);
    }
    return p;
}

static void *fit(const void *p, const double *X, size_t n, size_t d, const int *y, int k,
                 const double *w, uint64_t seed, int nthreads)
{
    char err[MQTTIDS_ERRBUF_SIZE] = "";
    ml_fit_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.seed = seed;
    ctx.nthreads = nthreads;
    void *s = NULL;
    mqttids_err e = L->fit(p, X, n, d, y, k, w, &ctx, &s, err);
    CHECK(e == MQTTIDS_OK && s, "fit: %s", err);
    return s;
}

static double accuracy(const void *s, const double *X, size_t n, size_t d, const int *y, int k)
{
    double prob[RF_MAX_CLASSES];
    size_t ok = 0;
    (void)k;
    for (size_t i = 0; i < n; i++)
        ok += L->predict(s, X + i * d, prob) == y[i];
    return (double)ok / (double)n;
}

static void saved(const void *s, util_buf *b)
{
    util__buf_init(b, 0);
    L->save(s, b);
    CHECK(!b->failed, "save failed");
}

/*
 * y = x1 > 0.37 with x0, x2 uniform noise. discrete: x1 takes the 20 values j/20 (fewer
 * than maxBins, so the candidate thresholds are the midpoints and the perfect one, 0.375,
 * is among them); else x1 is uniform (quantile candidates: only approximately perfect).
 */
static void make_threshold(size_t n, double *X, int *y, util_rng *rng, int discrete)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < 3; j++)
            X[i * 3 + j] = util__rng_uniform(rng);
        if (discrete)
            X[i * 3 + 1] = (double)util__rng_below(rng, 20) / 20.0;
        y[i] = X[i * 3 + 1] > 0.37;
    }
}

/* Bagging counts: sample mean and variance of Poisson draws (both equal the mean). */
static void test_poisson(void)
{
    static const double means[] = {0.3, 1.0, 9.5, 10.0, 57.0, 1e5};
    util_rng rng;
    util__rng_seed(&rng, 11);
    for (size_t t = 0; t < sizeof means / sizeof means[0]; t++) {
        enum { M = 20000 };
        double s1 = 0, s2 = 0, mu = means[t];
        for (int i = 0; i < M; i++) {
            double v = (double)rf__poisson(&rng, mu);
            s1 += v;
            s2 += v * v;
        }
        double mean = s1 / M, var = s2 / M - mean * mean;
        /* 5 standard errors of the mean; variance within 6% */
        CHECK(fabs(mean - mu) < 5 * sqrt(mu / M), "poisson(%g): mean %g", mu, mean);
        CHECK(fabs(var - mu) < 0.06 * mu, "poisson(%g): variance %g", mu, var);
    }
}

static void test_params(void)
{
    char err[MQTTIDS_ERRBUF_SIZE], buf[512], buf2[512];
    void *p = L->params_new();
    L->params_describe(p, buf, sizeof buf);
    CHECK(strcmp(buf, "numTrees=20 maxDepth=5 maxBins=32 minInstancesPerNode=1 minInfoGain=0 "
                      "featureSubsetStrategy=auto subsamplingRate=1 bootstrap=true impurity=gini splits=exact") == 0,
          "defaults: %s", buf);
    CHECK(L->params_set(p, "num_trees", "7", err) == MQTTIDS_OK, "num_trees: %s", err);
    CHECK(L->params_set(p, "MAXDEPTH", "30", err) == MQTTIDS_OK, "MAXDEPTH: %s", err);
    CHECK(L->params_set(p, "maxDepth", "31", err) == MQTTIDS_ERR_INVALID && strstr(err, "maxDepth"),
          "maxDepth 31: %s", err);
    CHECK(L->params_set(p, "maxBins", "1", err) == MQTTIDS_ERR_INVALID, "maxBins 1");
    CHECK(L->params_set(p, "maxBins", "257", err) == MQTTIDS_ERR_INVALID, "maxBins 257");
    CHECK(L->params_set(p, "numTrees", "x", err) == MQTTIDS_ERR_INVALID, "numTrees x");
    CHECK(L->params_set(p, "subsamplingRate", "0", err) == MQTTIDS_ERR_INVALID, "rate 0");
    CHECK(L->params_set(p, "subsamplingRate", "0.5", err) == MQTTIDS_OK, "rate 0.5");
    CHECK(L->params_set(p, "impurity", "entropy", err) == MQTTIDS_OK, "entropy");
    CHECK(L->params_set(p, "impurity", "variance", err) == MQTTIDS_ERR_INVALID && strstr(err, "gini"),
          "variance: %s", err);
    CHECK(L->params_set(p, "splits", "Spark", err) == MQTTIDS_OK && ((rf_params *)p)->splits == RF_SPLITS_SPARK,
          "splits=Spark: %s", err);
    CHECK(L->params_set(p, "splits", "binned", err) == MQTTIDS_ERR_INVALID && strstr(err, "exact"),
          "splits=binned: %s", err);
    CHECK(L->params_set(p, "bootstrap", "false", err) == MQTTIDS_OK, "bootstrap");
    CHECK(L->params_set(p, "bootstrap", "maybe", err) == MQTTIDS_ERR_INVALID, "bootstrap maybe");
    CHECK(L->params_set(p, "featureSubsetStrategy", "0.5", err) == MQTTIDS_OK, "fss 0.5");
    CHECK(L->params_set(p, "featureSubsetStrategy", "1.5", err) == MQTTIDS_ERR_INVALID, "fss 1.5");
    CHECK(L->params_set(p, "featureSubsetStrategy", "0", err) == MQTTIDS_ERR_INVALID, "fss 0");
    CHECK(L->params_set(p, "featureSubsetStrategy", "median", err) == MQTTIDS_ERR_INVALID, "fss median");
    CHECK(L->params_set(p, "regParam", "1", err) == MQTTIDS_ERR_INVALID && strstr(err, "regParam"),
          "unknown key: %s", err);
    /* describe -> set -> describe is a fixed point. */
    L->params_describe(p, buf, sizeof buf);
    void *q = L->params_new();
    char tmp[512];
    snprintf(tmp, sizeof tmp, "%s", buf);
    for (char *tok = tmp; tok && *tok;) {
        char *sp = strchr(tok, ' '), *eq = strchr(tok, '=');
        if (sp)
            *sp = '\0';
        if (!eq) {
            CHECK(0, "describe item without '=': %s", tok);
            break;
        }
        *eq = '\0';
        CHECK(L->params_set(q, tok, eq + 1, err) == MQTTIDS_OK, "%s: %s", tok, err);
        tok = sp ? sp + 1 : NULL;
    }
    L->params_describe(q, buf2, sizeof buf2);
    CHECK(strcmp(buf, buf2) == 0, "describe round trip: %s vs %s", buf, buf2);
    void *c = L->params_copy(q);
    L->params_describe(c, buf2, sizeof buf2);
    CHECK(strcmp(buf, buf2) == 0, "copy: %s vs %s", buf, buf2);
    rf_params *rp = p;
    /* Spark rounds up, sklearn (splits=exact) down. */
    rp->splits = RF_SPLITS_SPARK;
    rp->fss = RF_FSS_AUTO;
    rp->num_trees = 20;
    CHECK(rf__mtry(rp, 34) == 6, "auto mtry 34 -> %zu", rf__mtry(rp, 34));
    rp->num_trees = 1;
    CHECK(rf__mtry(rp, 34) == 34, "auto, one tree -> all");
    rp->fss = RF_FSS_ONETHIRD;
    CHECK(rf__mtry(rp, 34) == 12, "onethird 34 -> 12");
    rp->fss = RF_FSS_LOG2;
    CHECK(rf__mtry(rp, 34) == 6, "log2 34 -> 6");
    rp->splits = RF_SPLITS_EXACT;
    rp->fss = RF_FSS_AUTO;
    rp->num_trees = 20;
    CHECK(rf__mtry(rp, 34) == 5, "exact: auto mtry 34 -> %zu", rf__mtry(rp, 34));
    rp->fss = RF_FSS_LOG2;
    CHECK(rf__mtry(rp, 34) == 5, "exact: log2 34 -> 5");
    rp->fss = RF_FSS_FRACTION;
    rp->fss_value = 0.01;
    CHECK(rf__mtry(rp, 34) == 1, "exact: at least one feature");
    L->params_free(p);
    L->params_free(q);
    L->params_free(c);
}

static void test_perfect_split(void)
{
    enum { N = 400, D = 3 };
    double *X = malloc(N * D * sizeof *X), Xt[D], prob[2];
    int *y = malloc(N * sizeof *y);
    util_rng rng;
    util__rng_seed(&rng, 1);
    make_threshold(N, X, y, &rng, 1);
    double max0 = -1, min1 = 2;
    for (size_t i = 0; i < N; i++) {
        double v = X[i * D + 1];
        if (!y[i] && v > max0)
            max0 = v;
        if (y[i] && v < min1)
            min1 = v;
    }
    /* One tree, all features, no bagging: the root is the perfect split, two pure leaves. */
    const char *one[] = {"numTrees", "1", "bootstrap", "false", NULL};
    void *p = params(one);
    rf_state *s = fit(p, X, N, D, y, 2, NULL, 3, 1);
    if (s) {
        CHECK(s->n_trees == 1 && s->trees[0].n_nodes == 3, "nodes %u", s->trees[0].n_nodes);
        CHECK(s->trees[0].nodes[0].feat == 1, "root feature %d", s->trees[0].nodes[0].feat);
        double thr = s->trees[0].nodes[0].thr;
        CHECK(thr == (max0 + min1) / 2, "threshold %.17g, want the midpoint of %g and %g", thr, max0, min1);
        CHECK(accuracy(s, X, N, D, y, 2) == 1.0, "train accuracy");
        L->free(s);
    }
    L->params_free(p);
    /* Default forest: 100% on train and on fresh rows away from the threshold. */
    p = params(NULL);
    s = fit(p, X, N, D, y, 2, NULL, 3, 2);
    if (s) {
        CHECK(accuracy(s, X, N, D, y, 2) == 1.0, "forest train accuracy %g", accuracy(s, X, N, D, y, 2));
        size_t ok = 0, tot = 0;
        for (int i = 0; i < 1000; i++) {
            Xt[0] = util__rng_uniform(&rng);
            Xt[1] = util__rng_uniform(&rng);
            Xt[2] = util__rng_uniform(&rng);
            if (fabs(Xt[1] - 0.375) < 0.03)
                continue;
            tot++;
            ok += L->predict(s, Xt, prob) == (Xt[1] > 0.375);
        }
        CHECK(ok == tot, "forest test accuracy %zu/%zu", ok, tot);
        double imp[D];
        L->importances(s, imp);
        CHECK(fabs(imp[0] + imp[1] + imp[2] - 1.0) < 1e-12, "importances sum %g", imp[0] + imp[1] + imp[2]);
        CHECK(imp[1] > imp[0] && imp[1] > imp[2] && imp[1] > 0.8, "importances %g %g %g", imp[0], imp[1],
              imp[2]);
        L->free(s);
    }
    L->params_free(p);
    /* Continuous x1: quantile candidates, so only nearly perfect. */
    make_threshold(N, X, y, &rng, 0);
    p = params(NULL);
    s = fit(p, X, N, D, y, 2, NULL, 3, 2);
    if (s) {
        double a = accuracy(s, X, N, D, y, 2);
        CHECK(a >= 0.98, "continuous threshold: train accuracy %g", a);
        L->free(s);
    }
    L->params_free(p);
    free(X);
    free(y);
}

/* y = (x0 > 0.3) xor (x1 > 0.6), x2 noise: needs depth >= 2. */
static void make_xor(size_t n, double *X, int *y, util_rng *rng)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < 3; j++)
            X[i * 3 + j] = util__rng_uniform(rng);
        y[i] = (X[i * 3] > 0.3) != (X[i * 3 + 1] > 0.6);
    }
}

static void test_xor(void)
{
    enum { N = 2000, D = 3 };
    double *X = malloc(N * D * sizeof *X), *Xt = malloc(N * D * sizeof *Xt);
    int *y = malloc(N * sizeof *y), *yt = malloc(N * sizeof *yt);
    util_rng rng;
    util__rng_seed(&rng, 2);
    make_xor(N, X, y, &rng);
    make_xor(N, Xt, yt, &rng);
    const char *deep[] = {"numTrees", "10", "maxDepth", "4", NULL};
    const char *stump[] = {"numTrees", "10", "maxDepth", "1", NULL};
    void *p = params(deep);
    void *s = fit(p, X, N, D, y, 2, NULL, 5, 2);
    if (s) {
        double a = accuracy(s, Xt, N, D, yt, 2);
        CHECK(a >= 0.97, "xor depth 4 test accuracy %g", a);
        L->free(s);
    }
    L->params_free(p);
    p = params(stump);
    s = fit(p, X, N, D, y, 2, NULL, 5, 2);
    if (s) {
        double a = accuracy(s, Xt, N, D, yt, 2);
        CHECK(a < 0.8, "xor depth 1 cannot learn it, accuracy %g", a);
        L->free(s);
    }
    L->params_free(p);
    free(X);
    free(Xt);
    free(y);
    free(yt);
}

/* Three classes, weights, determinism across threads, seeds, save/load, corruption. */
static void test_determinism_and_files(void)
{
    enum { N = 1500, D = 5, K = 3 };
    double *X = malloc(N * D * sizeof *X), *w = malloc(N * sizeof *w);
    int *y = malloc(N * sizeof *y);
    char err[MQTTIDS_ERRBUF_SIZE];
    util_rng rng;
    util__rng_seed(&rng, 3);
    for (size_t i = 0; i < N; i++) {
        for (size_t j = 0; j < D; j++)
            X[i * D + j] = j == 4 ? (double)util__rng_below(&rng, 4) : util__rng_uniform(&rng) * 10;
        double sc = X[i * D] + X[i * D + 1] * 0.5 + util__rng_uniform(&rng) * 3;
        y[i] = sc < 5 ? 0 : sc < 9 ? 1 : 2;
        w[i] = 0.5 + util__rng_uniform(&rng);
    }
    const char *kv[] = {"numTrees", "8", "maxDepth", "12", "maxBins", "16", NULL};
    void *p = params(kv);
    void *s1 = fit(p, X, N, D, y, K, w, 42, 1);
    void *s2 = fit(p, X, N, D, y, K, w, 42, 2);
    void *s3 = fit(p, X, N, D, y, K, w, 43, 2);
    util_buf b1, b2, b3;
    if (!s1 || !s2 || !s3)
        goto out;
    saved(s1, &b1);
    saved(s2, &b2);
    saved(s3, &b3);
    CHECK(b1.len == b2.len && memcmp(b1.data, b2.data, b1.len) == 0, "1 vs 2 threads: models differ");
    CHECK(b1.len != b3.len || memcmp(b1.data, b3.data, b1.len) != 0, "seed 42 vs 43: same model");
    double p1[K], p2[K];
    int same = 1;
    for (size_t i = 0; i < N; i++) {
        L->predict_proba(s1, X + i * D, p1);
        L->predict_proba(s2, X + i * D, p2);
        same &= memcmp(p1, p2, sizeof p1) == 0;
        double sum = p1[0] + p1[1] + p1[2];
        if (fabs(sum - 1.0) > 1e-12) {
            CHECK(0, "row %zu probabilities sum to %g", i, sum);
            break;
        }
    }
    CHECK(same, "1 vs 2 threads: probabilities differ");
    CHECK(accuracy(s1, X, N, D, y, K) > 0.8, "3-class train accuracy %g", accuracy(s1, X, N, D, y, K));
    double imp[D], isum = 0;
    L->importances(s1, imp);
    for (size_t j = 0; j < D; j++)
        isum += imp[j];
    CHECK(fabs(isum - 1) < 1e-12 && imp[0] > imp[2] && imp[0] > imp[3] && imp[0] > imp[4],
          "importances %g %g %g %g %g", imp[0], imp[1], imp[2], imp[3], imp[4]);

    /* Round trip: identical probabilities; save of the loaded state is byte-identical. */
    util_rd r;
    void *ls = NULL;
    util__rd_init(&r, b1.data, b1.len);
    CHECK(L->load(&r, D, K, &ls, err) == MQTTIDS_OK && ls, "load: %s", err);
    CHECK(r.off == b1.len, "load consumed %zu of %zu", r.off, b1.len);
    if (ls) {
        same = 1;
        for (size_t i = 0; i < N; i++) {
            L->predict_proba(s1, X + i * D, p1);
            L->predict_proba(ls, X + i * D, p2);
            same &= memcmp(p1, p2, sizeof p1) == 0;
        }
        CHECK(same, "loaded model predicts differently");
        double imp2[D];
        L->importances(ls, imp2);
        CHECK(memcmp(imp, imp2, sizeof imp) == 0, "importances after load");
        util_buf bl;
        saved(ls, &bl);
        CHECK(bl.len == b1.len && memcmp(bl.data, b1.data, b1.len) == 0, "re-save differs");
        util__buf_free(&bl);
        char desc[256];
        L->describe_state(ls, desc, sizeof desc);
        CHECK(strncmp(desc, "trees=8 ", 8) == 0, "describe_state: %s", desc);
        L->free(ls);
    }
    /* Wrong shape. */
    util__rd_init(&r, b1.data, b1.len);
    CHECK(L->load(&r, D + 1, K, &ls, err) == MQTTIDS_ERR_MALFORMED && !ls, "d mismatch accepted");
    /* Every truncation is refused. */
    int bad = 0;
    for (size_t len = 0; len < b1.len; len += (len < 200 ? 1 : 7)) {
        util__rd_init(&r, b1.data, len);
        err[0] = '\0';
        mqttids_err e = L->load(&r, D, K, &ls, err);
        if (e != MQTTIDS_ERR_MALFORMED || ls || !err[0]) {
            bad++;
            if (ls)
                L->free(ls);
            ls = NULL;
        }
    }
    CHECK(bad == 0, "%d truncations accepted", bad);
    /* Corruptions: version, tree count, node feature, child pointing backwards, a probability. */
    {
        unsigned char *c = malloc(b1.len);
        size_t first_node = 4 + 4 + 4 + 8 + 8 * D + 8 + 8; /* first tree's first node */
        struct {
            size_t off;
            unsigned char v;
            mqttids_err want;
        } cases[] = {
            {0, 2, MQTTIDS_ERR_VERSION},
            {12 + 3, 0x7f, MQTTIDS_ERR_MALFORMED},          /* tree count huge */
            {first_node + 2, 0x55, MQTTIDS_ERR_MALFORMED},  /* root feature out of range */
            {first_node + 4, 0x00, MQTTIDS_ERR_MALFORMED},  /* root child 0: a cycle */
            {b1.len - 1, 0x7f, MQTTIDS_ERR_MALFORMED},      /* last leaf value not in [0,1] */
        };
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            memcpy(c, b1.data, b1.len);
            c[cases[i].off] = cases[i].v;
            util__rd_init(&r, c, b1.len);
            mqttids_err e = L->load(&r, D, K, &ls, err);
            CHECK(e == cases[i].want && !ls, "corruption %zu: got %d (%s)", i, (int)e, err);
            if (ls)
                L->free(ls);
            ls = NULL;
        }
        free(c);
    }
    /* Random byte flips: refused with a clear code, or a state that predicts safely. */
    {
        unsigned char *c = malloc(b1.len);
        util_rng fr;
        util__rng_seed(&fr, 77);
        int odd = 0;
        for (int it = 0; it < 3000; it++) {
            memcpy(c, b1.data, b1.len);
            size_t off = (size_t)util__rng_below(&fr, b1.len);
            c[off] ^= (unsigned char)(1u << util__rng_below(&fr, 8));
            util__rd_init(&r, c, b1.len);
            err[0] = '\0';
            mqttids_err e = L->load(&r, D, K, &ls, err);
            if (e == MQTTIDS_OK && ls) {
                for (size_t i = 0; i < 20; i++) {
                    L->predict_proba(ls, X + i * D, p1);
                    if (!(fabs(p1[0] + p1[1] + p1[2] - 1.0) < 1e-9))
                        odd++;
                }
                L->free(ls);
            } else if ((e != MQTTIDS_ERR_MALFORMED && e != MQTTIDS_ERR_VERSION) || ls || !err[0]) {
                odd++;
            }
            ls = NULL;
        }
        CHECK(odd == 0, "%d random flips gave a bad code or bad probabilities", odd);
        free(c);
    }
    util__buf_free(&b1);
    util__buf_free(&b2);
    util__buf_free(&b3);
out:
    L->free(s1);
    L->free(s2);
    L->free(s3);
    L->params_free(p);
    free(X);
    free(w);
    free(y);
}

static int stop_after_3(const char *what, uint64_t done, uint64_t total, void *user)
{
    int *calls = user;
    (*calls)++;
    return strcmp(what, "rf trees") != 0 || total != 10 || done >= 3;
}

static void test_progress_interrupt(void)
{
    enum { N = 300, D = 3 };
    double X[N * D];
    int y[N], calls = 0;
    char err[MQTTIDS_ERRBUF_SIZE];
    util_rng rng;
    util__rng_seed(&rng, 9);
    make_xor(N, X, y, &rng);
    const char *kv[] = {"numTrees", "10", NULL};
    void *p = params(kv), *s = NULL;
    ml_fit_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.nthreads = 2;
    ctx.progress = stop_after_3;
    ctx.progress_user = &calls;
    CHECK(L->fit(p, X, N, D, y, 2, NULL, &ctx, &s, err) == MQTTIDS_ERR_INTERRUPTED && !s,
          "interrupt not honoured (%s)", err);
    CHECK(calls >= 3 && calls < 10, "progress calls %d", calls);
    L->free(s);
    L->params_free(p);
}

static void test_bad_input(void)
{
    double X[4] = {0, 1, NAN, 3};
    int y[4] = {0, 1, 0, 1};
    char err[MQTTIDS_ERRBUF_SIZE];
    void *s = NULL, *p = L->params_new();
    ml_fit_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.nthreads = 1;
    CHECK(L->fit(p, X, 4, 1, y, 2, NULL, &ctx, &s, err) == MQTTIDS_ERR_INVALID && !s, "NaN accepted");
    X[2] = 2;
    y[3] = 2;
    CHECK(L->fit(p, X, 4, 1, y, 2, NULL, &ctx, &s, err) == MQTTIDS_ERR_INVALID && !s, "class 2 of 2");
    y[3] = 1;
    /* One row and one constant feature still give a usable model. */
    double c[3] = {5, 5, 5};
    int yc[3] = {1, 1, 0};
    CHECK(L->fit(p, c, 3, 1, yc, 2, NULL, &ctx, &s, err) == MQTTIDS_OK && s, "constant: %s", err);
    if (s) {
        double prob[2];
        CHECK(L->predict(s, c, prob) == 1 && prob[0] + prob[1] > 0.999, "constant predicts majority");
        L->free(s);
    }
    L->params_free(p);
}

/*
 * Reads a fixture CSV (tests/data/rf_sklearn_*.csv: an optional "# ..." line, copied to
 * comment when not NULL, a header, then numbers).
 */
static double *read_fixture(const char *name, size_t *nrows, size_t *ncols, char *comment, size_t csize)
{
    char path[1024], line[4096];
    snprintf(path, sizeof path, "%s/%s", MQTTIDS_TEST_DATA, name);
    FILE *f = fopen(path, "r");
    double *v = NULL;
    size_t n = 0, cols = 0, cap = 0;
    if (!f)
        return NULL;
    if (!fgets(line, sizeof line, f)) {
        fclose(f);
        return NULL;
    }
    if (line[0] == '#') {
        if (comment)
            snprintf(comment, csize, "%s", line);
        if (!fgets(line, sizeof line, f)) {
            fclose(f);
            return NULL;
        }
    }
    cols = 1;
    for (char *q = line; *q; q++)
        cols += *q == ',';
    while (fgets(line, sizeof line, f)) {
        if (n == cap) {
            cap = cap ? cap * 2 : 512;
            v = realloc(v, cap * cols * sizeof *v);
        }
        char *q = line;
        for (size_t j = 0; j < cols; j++) {
            size_t l = strcspn(q, ",\n");
            if (util__parse_double(q, l, &v[n * cols + j]))
                v[n * cols + j] = NAN;
            q += l + (q[l] == ',');
        }
        n++;
    }
    fclose(f);
    *nrows = n;
    *ncols = cols;
    return v;
}

static void test_sklearn_reference(void)
{
    size_t n = 0, cols = 0;
    double *v = read_fixture("rf_sklearn_tree.csv", &n, &cols, NULL, 0);
    CHECK(v && n == 600 && cols == 17, "fixture: %zu rows, %zu cols", n, cols);
    if (!v || cols != 17)
        return;
    enum { D = 4, K = 3 };
    double *X = malloc(n * D * sizeof *X);
    int *y = malloc(n * sizeof *y);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < D; j++)
            X[i * D + j] = v[i * cols + j];
        y[i] = (int)v[i * cols + 4];
    }
    /* Both split modes: with <= maxBins distinct values Spark's thresholds are sklearn's. */
    static const char *const depths[] = {"2", "3", "5"};
    for (size_t t = 0; t < 6; t++) {
        const char *mode = t < 3 ? "exact" : "spark";
        const char *kv[] = {"numTrees", "1", "featureSubsetStrategy", "all", "bootstrap", "false",
                            "maxDepth", depths[t % 3], "splits", mode, NULL};
        void *p = params(kv);
        size_t pred_off = 5 + (t % 3) * 4, mism = 0, pdiff = 0, pmism = 0;
        double prob[K];
        /* Spark prunes sibling leaves of one class (predictions unchanged, probabilities
           not): compare the pruned tree's classes, the unpruned tree's classes and shares
           (exact never prunes: both fits are the same tree). */
        rf_state *pruned = fit(p, X, n, D, y, K, NULL, 1, 1);
        ((rf_params *)p)->prune = 0;
        rf_state *s = fit(p, X, n, D, y, K, NULL, 1, 1);
        ((rf_params *)p)->prune = 1;
        for (size_t i = 0; s && pruned && i < n; i++) {
            int c = L->predict(s, X + i * D, prob);
            mism += c != (int)v[i * cols + pred_off];
            for (size_t q = 0; q < K; q++)
                pdiff += fabs(prob[q] - v[i * cols + pred_off + 1 + q]) > 1e-9;
            pmism += L->predict(pruned, X + i * D, prob) != (int)v[i * cols + pred_off];
        }
        CHECK(mism == 0, "%s max_depth %s: %zu of %zu predictions differ from sklearn", mode, depths[t % 3],
              mism, n);
        CHECK(pdiff == 0, "%s max_depth %s: %zu probabilities differ from sklearn", mode, depths[t % 3], pdiff);
        CHECK(pmism == 0, "%s max_depth %s, pruned: %zu predictions differ from sklearn", mode, depths[t % 3],
              pmism);
        if (t == 5 && s && pruned)
            CHECK(pruned->trees[0].n_nodes < s->trees[0].n_nodes, "pruning removed nothing (%u nodes)",
                  s->trees[0].n_nodes);
        if (t == 2 && s && pruned)
            CHECK(pruned->trees[0].n_nodes == s->trees[0].n_nodes, "exact pruned (%u vs %u nodes)",
                  pruned->trees[0].n_nodes, s->trees[0].n_nodes);
        L->free(pruned);
        L->free(s);
        if (t % 3 == 2) {
            /* Every row three times (merged into groups of 3 inside): the same tree. */
            ((rf_params *)p)->prune = 0;
            double *X3 = malloc(3 * n * D * sizeof *X3);
            int *y3 = malloc(3 * n * sizeof *y3);
            for (size_t r = 0; r < 3 * n; r++) {
                memcpy(X3 + r * D, X + (r % n) * D, D * sizeof *X3);
                y3[r] = y[r % n];
            }
            s = fit(p, X3, 3 * n, D, y3, K, NULL, 1, 1);
            pdiff = 0;
            for (size_t i = 0; s && i < n; i++) {
                L->predict_proba(s, X + i * D, prob);
                for (size_t q = 0; q < K; q++)
                    pdiff += fabs(prob[q] - v[i * cols + pred_off + 1 + q]) > 1e-9;
            }
            CHECK(pdiff == 0, "rows x3: %zu probabilities differ from sklearn", pdiff);
            L->free(s);
            free(X3);
            free(y3);
        }
        L->params_free(p);
    }
    free(X);
    free(y);
    free(v);
}

/*
 * sklearn on real rows (tests/data/rf_sklearn_heads.csv, made by rf_make_fixture.py): the
 * fixture names rows of the shared heads (every 8th of each file; first 70% train) and
 * holds sklearn's DecisionTreeClassifier classes and probabilities on train and test rows
 * for a full gini tree and a depth-3 entropy tree. One exact tree with all features and no
 * bagging must give the same on every row: held-out rows check the thresholds (halfway
 * between the node's neighbouring values), the train rows that no split stops early. The
 * default forest (exact, 20 trees, maxDepth 30) must score as sklearn's
 * RandomForestClassifier(20, max_depth=30) on the test rows (mean of 5 seeds each, within
 * 0.01; bench/rf.sh compares the forests on the whole split).
 */
static void test_sklearn_heads(void)
{
    static const int cols6[6] = {MQTTIDS_F_TCP_FLAGS, MQTTIDS_F_TCP_TIME_DELTA, MQTTIDS_F_TCP_LEN,
                                 MQTTIDS_F_HDRFLAGS, MQTTIDS_F_LEN, MQTTIDS_F_MSGTYPE};
    enum { D = 6, K = MQTTIDS_NCLASS, NCFG = 2 };
    char comment[512] = "";
    size_t n = 0, cols = 0;
    mqttids_dataset *ds[6] = {NULL};
    double *v = read_fixture("rf_sklearn_heads.csv", &n, &cols, comment, sizeof comment);
    CHECK(v && cols == 4 + NCFG * (1 + K) && n > 4000, "heads fixture: %zu rows, %zu cols", n, cols);
    if (!v || cols != 4 + NCFG * (1 + K))
        goto out;
    for (size_t fi = 0; fi < 6; fi++)
        if (!(ds[fi] = read_head(fi, "sklearn heads reference")))
            goto out;
    double *X = malloc(n * D * sizeof *X), *Xtr = malloc(n * D * sizeof *Xtr), *Xte = malloc(n * D * sizeof *Xte);
    int *y = malloc(n * sizeof *y), *ytr = malloc(n * sizeof *ytr), *yte = malloc(n * sizeof *yte);
    size_t ntr = 0, nte = 0, badrow = 0;
    for (size_t i = 0; i < n; i++) {
        const double *r = v + i * cols;
        size_t fi = (size_t)r[0], row = (size_t)r[1];
        if (fi >= 6 || row >= mqttids_dataset_nrows(ds[fi]) || mqttids_dataset_labels(ds[fi])[row] != (int)r[3]) {
            badrow++;
            continue;
        }
        double *x = X + i * D;
        for (size_t j = 0; j < D; j++) {
            /* as the script: whole microseconds (sklearn does not cut between values closer
               than 1e-7), then sklearn's float32 */
            double x0 = mqttids_dataset_col_num(ds[fi], (size_t)cols6[j])[row];
            if (j == 1)
                x0 = rint(x0 * 1e6) / 1e6;
            x[j] = (double)(float)x0;
        }
        y[i] = (int)r[3];
        if (r[2] == 0.0) {
            memcpy(Xtr + ntr * D, x, D * sizeof *x);
            ytr[ntr++] = y[i];
        } else {
            memcpy(Xte + nte * D, x, D * sizeof *x);
            yte[nte++] = y[i];
        }
    }
    CHECK(badrow == 0, "%zu fixture rows do not match the shared heads", badrow);
    static const char *const cfg[NCFG][4] = {{"gini", "30"}, {"entropy", "3"}};
    for (size_t t = 0; t < NCFG && !badrow; t++) {
        const char *kv[] = {"numTrees", "1", "featureSubsetStrategy", "all", "bootstrap", "false",
                            "impurity", cfg[t][0], "maxDepth", cfg[t][1], NULL};
        void *p = params(kv);
        rf_state *s = fit(p, Xtr, ntr, D, ytr, K, NULL, 1, 1);
        size_t off = 4 + t * (1 + K), mism[2] = {0, 0}, pdiff = 0;
        double prob[K];
        for (size_t i = 0; s && i < n; i++) {
            const double *r = v + i * cols;
            int c = L->predict(s, X + i * D, prob);
            mism[r[2] != 0.0] += c != (int)r[off];
            for (size_t q = 0; q < K; q++)
                pdiff += fabs(prob[q] - r[off + 1 + q]) > 1e-9;
        }
        printf("sklearn heads %s depth %s: %u nodes; %zu/%zu train and %zu/%zu test classes differ, %zu "
               "probabilities\n", cfg[t][0], cfg[t][1], s ? s->trees[0].n_nodes : 0, mism[0], ntr, mism[1], nte, pdiff);
        CHECK(mism[0] == 0 && mism[1] == 0 && pdiff == 0, "%s depth %s differs from sklearn", cfg[t][0], cfg[t][1]);
        L->free(s);
        L->params_free(p);
    }
    /* The forest against sklearn's forest (figures in the fixture's comment line). */
    const char *at = strstr(comment, "accuracy "), *mf = strstr(comment, "macro_f1 ");
    double sk_acc = at ? strtod(at + 9, NULL) : NAN, sk_f1 = mf ? strtod(mf + 9, NULL) : NAN;
    CHECK(sk_acc > 0.5 && sk_f1 > 0.5, "fixture comment: %s", comment);
    const char *kv[] = {"numTrees", "20", "maxDepth", "30", NULL};
    void *p = params(kv);
    double acc = 0.0, f1 = 0.0;
    int *pred = malloc(nte * sizeof *pred);
    for (uint64_t seed = 1; seed <= 5 && !badrow; seed++) {
        void *s = fit(p, Xtr, ntr, D, ytr, K, NULL, seed, 2);
        double prob[K];
        mqttids_metrics m;
        for (size_t i = 0; s && i < nte; i++)
            pred[i] = L->predict(s, Xte + i * D, prob);
        mqttids_metrics_compute(yte, pred, nte, &m);
        acc += m.accuracy / 5;
        f1 += m.macro_f1 / 5;
        L->free(s);
    }
    printf("sklearn heads forest (20 trees, depth 30, 5 seeds): accuracy %.4f (sklearn %.4f), macro-F1 %.4f "
           "(sklearn %.4f)\n", acc, sk_acc, f1, sk_f1);
    /* 1,288 test rows: 0.01 is about three times the spread of a 5-seed mean */
    CHECK(acc >= sk_acc - 0.01 && f1 >= sk_f1 - 0.01, "forest below sklearn: accuracy %.4f vs %.4f, macro-F1 %.4f vs %.4f", acc,
          sk_acc, f1, sk_f1);
    free(pred);
    L->params_free(p);
    free(X);
    free(Xtr);
    free(Xte);
    free(y);
    free(ytr);
    free(yte);
out:
    for (size_t fi = 0; fi < 6; fi++)
        mqttids_dataset_free(ds[fi]);
    free(v);
}

/*
 * splits=exact beyond RF_MAX_CODES distinct values: 70,000 values of one feature get at most
 * 65,535 bins (codes are uint16) that cover every value in order; one exact tree still
 * finds the cut y = x > 35000 within a bin's width.
 */
static void test_exact_many_values(void)
{
    enum { N = 70000 };
    double *X = malloc(N * sizeof *X);
    int *y = malloc(N * sizeof *y);
    char err[MQTTIDS_ERRBUF_SIZE];
    util_rng rng;
    util__rng_seed(&rng, 21);
    for (size_t i = 0; i < N; i++) { /* shuffled order: binning must not rely on sorted input */
        size_t j = i ? (size_t)util__rng_below(&rng, i + 1) : 0;
        X[i] = X[j];
        X[j] = (double)i * 0.5;
    }
    for (size_t i = 0; i < N; i++)
        y[i] = X[i] > 17500.0;
    rf_data data;
    CHECK(rf__bin(&data, X, N, 1, y, 2, NULL, RF_SPLITS_EXACT, 32, 1, err) == MQTTIDS_OK, "bin: %s", err);
    size_t nb = data.nbins[0], bad = 0;
    CHECK(nb > 60000 && nb <= RF_MAX_CODES && data.exact && data.vlo && data.vhi, "bins %zu", nb);
    for (size_t b = 0; b < nb; b++)
        bad += !(data.vlo[b] <= data.vhi[b]) || (b && !(data.vhi[b - 1] < data.vlo[b]));
    CHECK(bad == 0 && data.vlo[0] == 0.0 && data.vhi[nb - 1] == 0.5 * (N - 1), "%zu bins out of order", bad);
    /* rows of one bin and class are one group: about one group per bin */
    size_t miss = 0;
    CHECK(data.u >= nb && data.u <= nb + 1, "groups %zu for %zu bins", data.u, nb);
    for (size_t g = 0; g < data.u; g++)
        miss += data.codes[g] >= nb;
    CHECK(miss == 0, "%zu codes out of range", miss);
    rf__data_free(&data);
    const char *kv[] = {"numTrees", "1", "bootstrap", "false", "maxDepth", "1", NULL};
    void *p = params(kv);
    rf_state *s = fit(p, X, N, 1, y, 2, NULL, 1, 1);
    if (s) {
        double thr = s->trees[0].nodes[0].thr;
        CHECK(s->trees[0].n_nodes == 3 && fabs(thr - 17500.25) <= 1.0, "threshold %.17g", thr);
        CHECK(accuracy(s, X, N, 1, y, 2) >= 0.9999, "accuracy %g", accuracy(s, X, N, 1, y, 2));
        L->free(s);
    }
    L->params_free(p);
    free(X);
    free(y);
}

/* The real heads: first 70% of each class file to train, last 30% to test. */
static void test_real_heads(void)
{
    enum { D = MQTTIDS_NFEAT };
    heads_xy h;
    if (heads_xy_load(&h, "real heads", 40000) != 0)
        return;
    /*
     * sklearn RandomForestClassifier(20 trees, sqrt) on the same matrix: 0.575 at depth 5,
     * 0.785 at 10. Ours (splits=exact) about 0.78 at 10; splits=spark about 0.72: like
     * Spark, a node whose sampled features cannot split it becomes a leaf (sklearn and
     * splits=exact go on drawing features), and continuous features get 32 quantile bins.
     */
    static const char *const modes[2] = {"exact", "spark"};
    static const double floors[2] = {0.76, 0.65};
    void *p = NULL;
    for (int m = 0; m < 2; m++) {
        const char *kv[] = {"maxDepth", "10", "splits", modes[m], NULL};
        p = params(kv);
        void *s = fit(p, h.Xtr, h.ntr, D, h.ytr, MQTTIDS_NCLASS, NULL, 1, 2);
        if (s) {
            double a = accuracy(s, h.Xte, h.nte, D, h.yte, MQTTIDS_NCLASS);
            printf("real heads: train %zu, test %zu rows, majority baseline %.4f, rf %s accuracy %.4f\n",
                   h.ntr, h.nte, h.base, modes[m], a);
            CHECK(a > h.base + 0.3 && a > floors[m], "%s: accuracy %.4f vs baseline %.4f", modes[m], a, h.base);
            double imp[D], sum = 0;
            L->importances(s, imp);
            for (size_t j = 0; j < D; j++)
                sum += imp[j];
            CHECK(fabs(sum - 1) < 1e-9, "importances sum %g", sum);
            L->free(s);
        }
        if (m == 0)
            L->params_free(p);
    }
    L->params_free(p);
    heads_xy_free(&h);
}

int main(void)
{
    test_poisson();
    test_params();
    test_perfect_split();
    test_xor();
    test_determinism_and_files();
    test_bad_input();
    test_progress_interrupt();
    test_sklearn_reference();
    test_sklearn_heads();
    test_exact_many_values();
    test_real_heads();
    PASS();
}
