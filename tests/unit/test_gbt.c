/*
 * test_gbt.c: gradient-boosted trees (src/ml/gbt.c) and compiled tree ensembles
 * (src/ml/forest.c).
 *
 * Independent expectations: xgboost's own margins and probabilities on the same rows
 * (tests/data/gbt_xgb_fixture.csv, made by tests/data/gbt_make_fixture.py with Debian's
 * python3-xgboost); the learners' reference tree walks for the compiled ensembles (bit
 * for bit); the validation log loss recomputed here from the trees for early stopping;
 * the real MQTTset heads in ../shared against the majority baseline.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "ml/forest_int.h"
#include "ml/gbt_int.h"
#include "ml/ml_int.h"
#include "mqttids/dataset.h"
#include "testhelp.h"
#include "heads.h"

static const ml_learner *L = &ml__gbt;

static void *params(const char *const *kv)
{
    void *p = L->params_new();
    char err[MQTTIDS_ERRBUF_SIZE];
    for (size_t i = 0; kv && kv[i]; i += 2) {
        mqttids_err e = L->params_set(p, kv[i], kv[i + 1], err);
        CHECK(e == MQTTIDS_OK, "set %s=%s: %s", kv[i], kv[i + 1], err);
    }
    return p;
}

static void *fit_val(const void *p, const double *X, size_t n, size_t d, const int *y, int k, int nthreads,
                     uint64_t seed, const double *Xv, const int *yv, size_t nv)
{
    ml_fit_ctx ctx;
    void *s = NULL;
    char err[MQTTIDS_ERRBUF_SIZE];
    memset(&ctx, 0, sizeof ctx);
    ctx.seed = seed;
    ctx.nthreads = nthreads;
    ctx.Xval = Xv;
    ctx.yval = yv;
    ctx.nval = nv;
    mqttids_err e = L->fit(p, X, n, d, y, k, NULL, &ctx, &s, err);
    CHECK(e == MQTTIDS_OK && s, "fit: %s", err);
    return s;
}

static void *fit(const void *p, const double *X, size_t n, size_t d, const int *y, int k, int nthreads)
{
    return fit_val(p, X, n, d, y, k, nthreads, 42, NULL, NULL, 0);
}

/* Margin of class c from the state's trees of rounds [0, rounds). */
static double margin(const gbt_state *s, const double *x, int c, uint32_t rounds)
{
    double m = s->base;
    for (uint32_t r = 0; r < rounds; r++) {
        const gbt_node *nd = s->trees[(size_t)r * (size_t)s->k + (size_t)c].nodes;
        uint32_t i = 0;
        while (nd[i].feat >= 0)
            i = nd[i].child + (x[nd[i].feat] > nd[i].v);
        m += nd[i].v;
    }
    return m;
}

/* tests/data/gbt_xgb_fixture.csv: header + 14 numbers a row. */
static double *read_fixture(size_t *nrows)
{
    FILE *f = fopen(MQTTIDS_TEST_DATA "/gbt_xgb_fixture.csv", "r");
    char line[1024];
    double *v = NULL;
    size_t n = 0, cap = 0;
    if (!f)
        return NULL;
    if (!fgets(line, sizeof line, f)) {
        fclose(f);
        return NULL;
    }
    while (fgets(line, sizeof line, f)) {
        if (n == cap) {
            cap = cap ? cap * 2 : 512;
            double *nv = realloc(v, cap * 14 * sizeof *v);
            if (!nv)
                break;
            v = nv;
        }
        char *q = line;
        for (size_t j = 0; j < 14; j++) {
            size_t l = strcspn(q, ",\n");
            if (util__parse_double(q, l, &v[n * 14 + j]))
                v[n * 14 + j] = NAN;
            q += l + (q[l] == ',');
        }
        n++;
    }
    fclose(f);
    *nrows = n;
    return v;
}

static void test_xgboost_reference(void)
{
    size_t n = 0;
    double *v = read_fixture(&n);
    CHECK(v && n == 600, "fixture: %zu rows", n);
    if (!v || n != 600) {
        free(v);
        return;
    }
    enum { D = 5, K = 4 };
    double X[600 * D];
    int y[600];
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < D; j++)
            X[i * D + j] = v[i * 14 + j];
        y[i] = (int)v[i * 14 + 5];
    }
    /* 1 round: base_score 0.5 + the first round's leaf values, as xgboost's output margins */
    const char *kv1[] = {"numRounds", "1", "learningRate", "0.3", "maxDepth", "3", NULL};
    void *p = params(kv1);
    gbt_state *s = fit(p, X, n, D, y, K, 2);
    double worst = 0.0;
    if (s)
        for (size_t i = 0; i < n; i++)
            for (int c = 0; c < K; c++) {
                double e = fabs(margin(s, X + i * D, c, 1) - v[i * 14 + 6 + (size_t)c]);
                if (e > worst)
                    worst = e;
            }
    printf("xgboost 1 round: largest margin difference %.3g\n", worst);
    /* xgboost keeps gradients in float32: 1e-5 is a few float roundings on these sums */
    CHECK(s && worst < 1e-5, "round-1 margins differ from xgboost's by %g", worst);
    L->free(s);
    L->params_free(p);

    /* 10 rounds: probabilities */
    const char *kv10[] = {"numRounds", "10", "eta", "0.3", "maxDepth", "3", "lambda", "1", "minChildWeight", "1", NULL};
    p = params(kv10);
    s = fit(p, X, n, D, y, K, 1);
    worst = 0.0;
    size_t same = 0;
    if (s)
        for (size_t i = 0; i < n; i++) {
            double pr[K];
            int cls = L->predict(s, X + i * D, pr), xc = 0;
            for (int c = 0; c < K; c++) {
                double e = fabs(pr[c] - v[i * 14 + 10 + (size_t)c]);
                if (e > worst)
                    worst = e;
                if (v[i * 14 + 10 + (size_t)c] > v[i * 14 + 10 + (size_t)xc])
                    xc = c;
            }
            same += cls == xc;
        }
    printf("xgboost 10 rounds: largest probability difference %.3g, same class %zu/%zu\n", worst, same, n);
    CHECK(s && worst < 1e-4, "10-round probabilities differ from xgboost's by %g", worst);
    CHECK(same == n, "predicted class differs from xgboost's on %zu rows", n - same);
    L->free(s);
    L->params_free(p);
    free(v);
}

/* Random data with a few thresholds per feature; some rows exactly at thresholds. */
static void make_data(size_t n, size_t d, int k, double *X, int *y, util_rng *rng)
{
    for (size_t i = 0; i < n; i++) {
        double s = 0.0;
        for (size_t j = 0; j < d; j++) {
            double u = util__rng_uniform(rng);
            X[i * d + j] = j % 3 == 0 ? floor(u * 8.0) : j % 3 == 1 ? (u < 0.2 ? 1.0 : 0.0) : u * 10.0 - 5.0;
            s += (double)(j + 1) * X[i * d + j];
        }
        y[i] = (int)((unsigned)(fabs(s) * 3.0 + util__rng_uniform(rng) * 2.0) % (unsigned)k);
    }
}

/* Two data sets of n rows from rng (make_data): X, y to train, then X2, y2; caller frees all four. */
static void make_sets(size_t n, size_t d, int k, util_rng *rng, double **X, int **y, double **X2, int **y2)
{
    *X = malloc(n * d * sizeof **X);
    *X2 = malloc(n * d * sizeof **X2);
    *y = malloc(n * sizeof **y);
    *y2 = malloc(n * sizeof **y2);
    make_data(n, d, k, *X, *y, rng);
    make_data(n, d, k, *X2, *y2, rng);
}

/* Compiled prediction equals the learner's walk bit for bit (probabilities and class). */
static void check_compiled(const ml_learner *Lr, const void *s, const double *X, size_t n, size_t d, int k,
                           const char *what)
{
    ml_forest *f = ml__forest_compile(Lr, s);
    CHECK(f != NULL, "%s: compile", what);
    if (!f)
        return;
    int *cls = malloc(n * sizeof *cls);
    double *pr = malloc(n * (size_t)k * sizeof *pr), ref[64];
    size_t bad = 0;
    ml__forest_predict(f, X, n, cls, pr);
    for (size_t i = 0; i < n; i++) {
        int c = Lr->predict(s, X + i * d, ref);
        if (c != cls[i] || memcmp(ref, pr + i * (size_t)k, (size_t)k * sizeof *ref) != 0)
            bad++;
    }
    CHECK(bad == 0, "%s: compiled prediction differs from the tree walk on %zu of %zu rows", what, bad, n);
    /* one row at a time (watch, stream detect) and without probabilities */
    bad = 0;
    for (size_t i = 0; i < n; i += 7) {
        int c;
        ml__forest_predict(f, X + i * d, 1, &c, NULL);
        bad += c != cls[i];
    }
    CHECK(bad == 0, "%s: single-row compiled prediction differs on %zu rows", what, bad);
    free(cls);
    free(pr);
    ml__forest_free(f);
}

static void test_compiled(void)
{
    enum { N = 3000, D = 9, K = 5 };
    double *X, *Xt;
    int *y, *yt;
    util_rng rng;
    util__rng_seed(&rng, 7);
    make_sets(N, D, K, &rng, &X, &y, &Xt, &yt);
    /* unseen rows: some values far outside, and some exactly on the training thresholds */
    for (size_t i = 0; i < N; i += 5)
        Xt[i * D + 2] = i % 10 ? 1e300 : -1e300;
    const char *kv[] = {"numRounds", "15", "maxDepth", "7", "colsampleByTree", "0.7", NULL};
    void *p = params(kv);
    gbt_state *s = fit(p, X, N, D, y, K, 2);
    if (s) {
        for (size_t t = 0, i = 0; t < (size_t)s->rounds * K && i < N; t++)
            for (uint32_t j = 0; j < s->trees[t].n_nodes && i < N; j++)
                if (s->trees[t].nodes[j].feat >= 0) {
                    Xt[i * D + (size_t)s->trees[t].nodes[j].feat] = s->trees[t].nodes[j].v;
                    i += 3;
                }
        check_compiled(L, s, X, N, D, K, "gbt train rows");
        check_compiled(L, s, Xt, N, D, K, "gbt fresh rows");
    }
    L->free(s);
    L->params_free(p);

    /* rf: 20 trees, maxDepth 30 (the benchmark's forest) */
    void *rp = ml__rf.params_new(), *rs = NULL;
    char err[MQTTIDS_ERRBUF_SIZE];
    ml_fit_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.seed = 3;
    ctx.nthreads = 2;
    CHECK(ml__rf.params_set(rp, "maxDepth", "30", err) == MQTTIDS_OK, "%s", err);
    CHECK(ml__rf.fit(rp, X, N, D, y, K, NULL, &ctx, &rs, err) == MQTTIDS_OK, "rf fit: %s", err);
    if (rs) {
        check_compiled(&ml__rf, rs, X, N, D, K, "rf train rows");
        check_compiled(&ml__rf, rs, Xt, N, D, K, "rf fresh rows");
    }
    ml__rf.free(rs);
    ml__rf.params_free(rp);
    CHECK(ml__forest_compile(&ml__lr, X) == NULL, "lr has no compiled form");
    free(X);
    free(Xt);
    free(y);
    free(yt);
}

static void saved(const void *s, util_buf *b)
{
    util__buf_init(b, 0);
    L->save(s, b);
}

static void test_determinism_and_files(void)
{
    enum { N = 2000, D = 6, K = 3 };
    double *X = malloc((size_t)N * D * sizeof *X);
    int *y = malloc(N * sizeof *y);
    util_rng rng;
    util__rng_seed(&rng, 11);
    make_data(N, D, K, X, y, &rng);
    const char *kv[] = {"numRounds", "12", "maxDepth", "4", "colsampleByTree", "0.5", NULL};
    void *p = params(kv);
    void *s1 = fit(p, X, N, D, y, K, 1), *s2 = fit(p, X, N, D, y, K, 2);
    void *s3 = fit_val(p, X, N, D, y, K, 2, 43, NULL, NULL, 0);
    util_buf b1, b2, b3;
    saved(s1, &b1);
    saved(s2, &b2);
    saved(s3, &b3);
    CHECK(b1.len == b2.len && memcmp(b1.data, b2.data, b1.len) == 0, "1 and 2 threads: same model bytes");
    CHECK(b1.len != b3.len || memcmp(b1.data, b3.data, b1.len) != 0, "another seed (column subsets): another model");

    /* load: same predictions and importances, same bytes again */
    util_rd r;
    void *l = NULL;
    char err[MQTTIDS_ERRBUF_SIZE];
    util__rd_init(&r, b1.data, b1.len);
    CHECK(L->load(&r, D, K, &l, err) == MQTTIDS_OK && r.off == b1.len, "load: %s", err);
    if (l) {
        util_buf b4;
        saved(l, &b4);
        CHECK(b4.len == b1.len && memcmp(b4.data, b1.data, b1.len) == 0, "re-saved bytes equal");
        util__buf_free(&b4);
        double pa[K], pb[K], ia[D], ib[D], sum = 0.0;
        size_t diff = 0;
        for (size_t i = 0; i < N; i++) {
            L->predict_proba(s1, X + i * D, pa);
            L->predict_proba(l, X + i * D, pb);
            diff += memcmp(pa, pb, sizeof pa) != 0;
        }
        CHECK(diff == 0, "loaded model differs on %zu rows", diff);
        L->importances(s1, ia);
        L->importances(l, ib);
        for (size_t j = 0; j < D; j++)
            sum += ia[j];
        CHECK(memcmp(ia, ib, sizeof ia) == 0 && fabs(sum - 1.0) < 1e-12, "importances kept, sum %g", sum);
        L->free(l);
    }
    /* every truncation refused */
    size_t bad = 0;
    for (size_t len = 0; len < b1.len; len++) {
        l = NULL;
        util__rd_init(&r, b1.data, len);
        mqttids_err e = L->load(&r, D, K, &l, err);
        if (e == MQTTIDS_OK) {
            bad++;
            L->free(l);
        }
    }
    CHECK(bad == 0, "%zu truncations accepted", bad);
    /* targeted corruptions */
    struct {
        size_t off;
        uint32_t val;
        mqttids_err want;
        const char *what;
    } cases[] = {
        {0, 2, MQTTIDS_ERR_VERSION, "version 2"},
        {4, D + 1, MQTTIDS_ERR_MALFORMED, "feature count"},
        {12, 0, MQTTIDS_ERR_MALFORMED, "zero rounds"},
        {12, 1000000, MQTTIDS_ERR_MALFORMED, "rounds beyond the data"},
        /* first tree: node count at 24 + 8 * D, root node after it */
        {24 + 8 * D, 2, MQTTIDS_ERR_MALFORMED, "even node count"},
        {24 + 8 * D + 8, D, MQTTIDS_ERR_MALFORMED, "split feature out of range"},
        {24 + 8 * D + 12, 0, MQTTIDS_ERR_MALFORMED, "child pointing back at the root"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        unsigned char *cp = malloc(b1.len);
        memcpy(cp, b1.data, b1.len);
        for (int i = 0; i < 4; i++)
            cp[cases[c].off + (size_t)i] = (unsigned char)(cases[c].val >> (8 * i));
        l = NULL;
        util__rd_init(&r, cp, b1.len);
        mqttids_err e = L->load(&r, D, K, &l, err);
        CHECK(e == cases[c].want, "%s: got %d (%s)", cases[c].what, (int)e, err);
        if (l)
            L->free(l);
        free(cp);
    }
    util__buf_free(&b1);
    util__buf_free(&b2);
    util__buf_free(&b3);
    L->free(s1);
    L->free(s2);
    L->free(s3);
    L->params_free(p);
    free(X);
    free(y);
}

static void test_params(void)
{
    char err[MQTTIDS_ERRBUF_SIZE], buf[512], buf2[512];
    void *p = L->params_new();
    static const char *const bad[][2] = {
        {"numRounds", "0"},  {"numRounds", "x"},     {"learningRate", "0"}, {"eta", "1.5"},
        {"maxDepth", "0"},   {"maxDepth", "31"},     {"lambda", "-1"},      {"minChildWeight", "nan"},
        {"colsampleByTree", "0"}, {"maxBins", "257"}, {"earlyStoppingRounds", "-1"}, {"subsample", "0.5"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        CHECK(L->params_set(p, bad[i][0], bad[i][1], err) == MQTTIDS_ERR_INVALID && strstr(err, bad[i][0]),
              "%s=%s accepted or unnamed (%s)", bad[i][0], bad[i][1], err);
    }
    CHECK(L->params_set(p, "rounds", "7", err) == MQTTIDS_OK && L->params_set(p, "eta", "0.1", err) == MQTTIDS_OK &&
              L->params_set(p, "max_depth", "4", err) == MQTTIDS_OK &&
              L->params_set(p, "reg_lambda", "2.5", err) == MQTTIDS_OK,
          "aliases: %s", err);
    L->params_describe(p, buf, sizeof buf);
    CHECK(strstr(buf, "numRounds=7") && strstr(buf, "learningRate=0.1") && strstr(buf, "maxDepth=4") &&
              strstr(buf, "lambda=2.5"),
          "describe: %s", buf);
    /* describe -> set -> describe gives the same text */
    void *q = L->params_new();
    char tmp[512];
    snprintf(tmp, sizeof tmp, "%s", buf);
    for (char *tok = tmp, *end; tok && *tok; tok = end) {
        end = strchr(tok, ' ');
        if (end)
            *end++ = '\0';
        CHECK(ml__params_set_kv(L, q, tok, err) == MQTTIDS_OK, "%s: %s", tok, err);
    }
    L->params_describe(q, buf2, sizeof buf2);
    CHECK(strcmp(buf, buf2) == 0, "round trip: '%s' vs '%s'", buf, buf2);
    L->params_free(q);
    L->params_free(p);
}

static void test_early_stopping(void)
{
    enum { N = 1500, D = 6, K = 3, ROUNDS = 60, PATIENCE = 4 };
    double *X, *Xv;
    int *y, *yv;
    util_rng rng;
    util__rng_seed(&rng, 5);
    make_sets(N, D, K, &rng, &X, &y, &Xv, &yv);
    /* learnable labels with 20% noise in train; a third of the validation labels random:
       the loss on them falls, then turns up */
    for (size_t i = 0; i < N; i++) {
        y[i] = (X[i * D] > 3.0) + (X[i * D + 2] > 0.0);
        yv[i] = (Xv[i * D] > 3.0) + (Xv[i * D + 2] > 0.0);
        if (i % 5 == 0)
            y[i] = (int)util__rng_below(&rng, K);
    }
    for (size_t i = 0; i < N; i += 3)
        yv[i] = (int)util__rng_below(&rng, K);
    const char *kv[] = {"numRounds", "60", "maxDepth", "8", "eta", "0.1", "earlyStoppingRounds", "4", NULL};
    const char *kvall[] = {"numRounds", "60", "maxDepth", "8", "eta", "0.1", NULL};
    void *p = params(kv), *pall = params(kvall);
    gbt_state *es = fit_val(p, X, N, D, y, K, 2, 42, Xv, yv, N);
    gbt_state *all = fit_val(pall, X, N, D, y, K, 2, 42, Xv, yv, N);
    if (es && all) {
        /* the validation loss of every prefix of the full model, recomputed from its trees */
        double loss[ROUNDS + 1];
        uint32_t best = 0;
        for (uint32_t r = 1; r <= ROUNDS; r++) {
            double sum = 0.0;
            for (size_t i = 0; i < N; i++) {
                double m[K], pr[K];
                for (int c = 0; c < K; c++)
                    m[c] = margin(all, Xv + i * D, c, r);
                ml__softmax(m, K, pr);
                sum -= log(pr[yv[i]] > 1e-15 ? pr[yv[i]] : 1e-15);
            }
            loss[r] = sum / N;
            if (!best || loss[r] < loss[best])
                best = r;
            if (r - best >= PATIENCE)
                break;
        }
        printf("early stopping: kept %u of %d rounds (expected %u)\n", es->rounds, ROUNDS, best);
        CHECK(all->rounds == ROUNDS, "without earlyStoppingRounds all rounds are kept (%u)", all->rounds);
        CHECK(es->rounds == best && best < ROUNDS, "kept %u rounds, the best prefix is %u", es->rounds, best);
        /* the kept trees are the full model's first rounds */
        size_t diff = 0;
        for (size_t i = 0; i < N; i++)
            for (int c = 0; c < K; c++)
                diff += margin(es, X + i * D, c, es->rounds) != margin(all, X + i * D, c, es->rounds);
        CHECK(diff == 0, "early-stopped trees differ from the full model's first rounds (%zu)", diff);
    }
    L->free(es);
    L->free(all);
    L->params_free(p);
    L->params_free(pall);
    free(X);
    free(Xv);
    free(y);
    free(yv);
}

static void test_bad_input(void)
{
    double X[8] = {0, 1, 2, 3, NAN, 5, 6, 7};
    int y[4] = {0, 1, 0, 1}, ybad[4] = {0, 1, 5, 1};
    void *p = L->params_new(), *s = NULL;
    char err[MQTTIDS_ERRBUF_SIZE];
    ml_fit_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.nthreads = 1;
    CHECK(L->fit(p, X, 4, 2, y, 2, NULL, &ctx, &s, err) == MQTTIDS_ERR_INVALID && !s, "NaN refused");
    X[4] = 4;
    CHECK(L->fit(p, X, 4, 2, ybad, 2, NULL, &ctx, &s, err) == MQTTIDS_ERR_INVALID && !s && strstr(err, "row 2"),
          "bad class refused: %s", err);
    double w[4] = {1, -1, 1, 1};
    CHECK(L->fit(p, X, 4, 2, y, 2, w, &ctx, &s, err) == MQTTIDS_ERR_INVALID && !s, "negative weight refused");
    CHECK(L->fit(p, X, 4, 2, y, 2, NULL, &ctx, &s, err) == MQTTIDS_OK && s, "tiny fit: %s", err);
    L->free(s);
    L->params_free(p);
}

/* Real MQTTset heads: first 70% of each class file to train, the rest to test. */
static void test_real_heads(void)
{
    enum { D = MQTTIDS_NFEAT };
    heads_xy h;
    if (heads_xy_load(&h, "real heads", 40000) != 0)
        return;
    void *p = L->params_new();
    gbt_state *s = fit(p, h.Xtr, h.ntr, D, h.ytr, MQTTIDS_NCLASS, 2);
    if (s) {
        size_t right = 0;
        double pr[MQTTIDS_NCLASS];
        for (size_t i = 0; i < h.nte; i++)
            right += L->predict(s, h.Xte + i * D, pr) == h.yte[i];
        double a = (double)right / (double)h.nte;
        printf("real heads: train %zu, test %zu rows, majority baseline %.4f, gbt accuracy %.4f\n", h.ntr, h.nte,
               h.base, a);
        /* rf (maxDepth 10) gives about 0.72 on these rows */
        CHECK(a > h.base + 0.3 && a > 0.70, "accuracy %.4f vs baseline %.4f", a, h.base);
        L->free(s);
    }
    L->params_free(p);
    heads_xy_free(&h);
}

int main(void)
{
    test_params();
    test_bad_input();
    test_xgboost_reference();
    test_compiled();
    test_determinism_and_files();
    test_early_stopping();
    test_real_heads();
    PASS();
}
