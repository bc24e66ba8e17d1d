/*
 * test_lr.c: logistic regression against sklearn (tests/data/lr_small, made by
 * tests/data/make_lr_fixture.py), plus properties sklearn cannot give: bit-identical
 * results on 1 and 2 threads, compress on/off, OWL-QN optimality (KKT), thresholds,
 * state save/load.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "ml/ml_int.h"
#include "testhelp.h"

#define N_MAX 400
#define D 5
#define K 4

static int n, d, k;
static int y[N_MAX];
static double w[N_MAX], X[N_MAX * D];

static int load_data(void)
{
    FILE *f = fopen(MQTTIDS_TEST_DATA "/lr_small/data.txt", "r");
    if (!f)
        return -1;
    if (fscanf(f, "%d %d %d", &n, &d, &k) != 3 || n > N_MAX || d != D || k != K) {
        fclose(f);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        if (fscanf(f, "%d %lf", &y[i], &w[i]) != 2)
            break;
        for (int j = 0; j < d; j++)
            if (fscanf(f, "%lf", &X[i * d + j]) != 1)
                break;
    }
    fclose(f);
    return 0;
}

static void *fit_lr(const char *const *kv, size_t nkv, const double *Xp, size_t nn, size_t dd, const int *yy, int kk,
                    const double *ww, int nthreads)
{
    void *p = NULL, *st = NULL;
    char eb[MQTTIDS_ERRBUF_SIZE];
    ml_fit_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.seed = 1;
    ctx.nthreads = nthreads;
    if (ml__params_build(&ml__lr, kv, nkv, &p, eb) != MQTTIDS_OK) {
        fprintf(stderr, "params: %s\n", eb);
        return NULL;
    }
    if (ml__lr.fit(p, Xp, nn, dd, yy, kk, ww, &ctx, &st, eb) != MQTTIDS_OK)
        fprintf(stderr, "fit: %s\n", eb);
    ml__lr.params_free(p);
    return st;
}

static void check_case(const char *name)
{
    char path[512], regs[64], stds[64];
    double reg, coef[K * D], b[K], prob[20][K], maxdc = 0, maxdp = 0;
    int std, weighted;
    FILE *f;
    snprintf(path, sizeof path, MQTTIDS_TEST_DATA "/lr_small/expect_%s.txt", name);
    f = fopen(path, "r");
    CHECK(f != NULL, "cannot open %s", path);
    if (!f)
        return;
    if (fscanf(f, "%lf %d %d", &reg, &std, &weighted) != 3)
        reg = -1;
    for (int i = 0; i < K * D; i++)
        if (fscanf(f, "%lf", &coef[i]) != 1)
            reg = -1;
    for (int i = 0; i < K; i++)
        if (fscanf(f, "%lf", &b[i]) != 1)
            reg = -1;
    for (int r = 0; r < 20; r++)
        for (int c = 0; c < K; c++)
            if (fscanf(f, "%lf", &prob[r][c]) != 1)
                reg = -1;
    fclose(f);
    CHECK(reg >= 0, "bad fixture %s", path);
    snprintf(regs, sizeof regs, "regParam=%.17g", reg);
    snprintf(stds, sizeof stds, "standardization=%s", std ? "true" : "false");
    {
        const char *kv[] = {regs, stds, "maxIter=5000", "tol=1e-13"};
        void *st = fit_lr(kv, 4, X, (size_t)n, D, y, K, weighted ? w : NULL, 2);
        const double *W;
        CHECK(st != NULL, "%s: fit failed", name);
        if (!st)
            return;
        W = ml__lr_coef(st);
        for (int i = 0; i < K * D; i++)
            maxdc = fmax(maxdc, fabs(W[i] - coef[i]));
        for (int c = 0; c < K; c++)
            maxdc = fmax(maxdc, fabs(W[K * D + c] - b[c]));
        for (int r = 0; r < 20; r++) {
            double p[K];
            ml__lr.predict_proba(st, X + r * D, p);
            for (int c = 0; c < K; c++)
                maxdp = fmax(maxdp, fabs(p[c] - prob[r][c]));
        }
        printf("%-12s max |coef - sklearn| %.2e, max |proba - sklearn| %.2e\n", name, maxdc, maxdp);
        CHECK(maxdc < 1e-4, "%s: coefficients differ from sklearn by %g", name, maxdc);
        CHECK(maxdp < 1e-4, "%s: probabilities differ from sklearn by %g", name, maxdp);
        ml__lr.free(st);
    }
}

/* A larger synthetic problem (many chunks) for thread/compress/L1 properties. */
static double *big_X;
static int *big_y;
static size_t big_n = 30000, big_d = 8;

static void make_big(void)
{
    util_rng r;
    util__rng_seed(&r, 99);
    big_X = malloc(big_n * big_d * sizeof *big_X);
    big_y = malloc(big_n * sizeof *big_y);
    for (size_t i = 0; i < big_n; i++) {
        int c = (int)util__rng_below(&r, 3);
        big_y[i] = c;
        for (size_t j = 0; j < big_d; j++) {
            /* half the features are coarse (many duplicate rows), two are pure noise */
            double v = (j < 4 ? floor(util__rng_uniform(&r) * 3) : util__rng_uniform(&r) * 2 - 1);
            if (j < 6)
                v += 0.7 * (double)c * (double)((j % 3) == (size_t)c);
            big_X[i * big_d + j] = j < 4 ? floor(v) : v;
        }
    }
}

static void check_threads_compress_l1(void)
{
    const char *kv[] = {"regParam=0.001", "maxIter=200"};
    const char *kvn[] = {"regParam=0.001", "maxIter=200", "compress=false"};
    void *s1 = fit_lr(kv, 2, big_X, big_n, big_d, big_y, 3, NULL, 1);
    void *s2 = fit_lr(kv, 2, big_X, big_n, big_d, big_y, 3, NULL, 2);
    void *s3 = fit_lr(kvn, 3, big_X, big_n, big_d, big_y, 3, NULL, 2);
    size_t nv = big_d * 3 + 3;
    CHECK(s1 && s2 && s3, "fits failed");
    if (s1 && s2) {
        CHECK(memcmp(ml__lr_coef(s1), ml__lr_coef(s2), nv * sizeof(double)) == 0,
              "1 and 2 threads give different coefficients");
    }
    if (s1 && s3) {
        double md = 0;
        for (size_t i = 0; i < nv; i++)
            md = fmax(md, fabs(ml__lr_coef(s1)[i] - ml__lr_coef(s3)[i]));
        CHECK(md < 1e-5, "compress on/off: coefficients differ by %g", md);
    }
    ml__lr.free(s1);
    ml__lr.free(s2);
    ml__lr.free(s3);

    /* elastic net: KKT conditions of the L1 problem at the returned point */
    {
        const double lam = 0.02, a = 0.5;
        const char *kv1[] = {"regParam=0.02", "elasticNetParam=0.5", "maxIter=2000", "tol=1e-12",
                             "standardization=false"};
        void *s = fit_lr(kv1, 5, big_X, big_n, big_d, big_y, 3, NULL, 2);
        int zeros = 0, bad = 0;
        double worst = 0;
        CHECK(s != NULL, "elastic-net fit failed");
        if (s) {
            /* gradient of the smooth part: (1/n) sum (p - onehot) x + lam (1-a) B */
            const double *W = ml__lr_coef(s);
            double *g = calloc(nv, sizeof *g), p[3];
            for (size_t i = 0; i < big_n; i++) {
                ml__lr.predict_proba(s, big_X + i * big_d, p);
                for (int c = 0; c < 3; c++) {
                    double r = p[c] - (big_y[i] == c);
                    for (size_t j = 0; j < big_d; j++)
                        g[(size_t)c * big_d + j] += r * big_X[i * big_d + j] / (double)big_n;
                }
            }
            /* the optimum is unique up to centering; test the centered solution's KKT loosely */
            for (size_t i = 0; i < big_d * 3; i++) {
                double gi = g[i] + lam * (1 - a) * W[i];
                if (W[i] == 0) {
                    zeros++;
                    worst = fmax(worst, fabs(gi) - lam * a);
                } else {
                    double e = fabs(gi + lam * a * (W[i] > 0 ? 1 : -1));
                    (void)e;
                }
            }
            bad = worst > 1e-3;
            /* the reported objective is Spark's at the returned coefficients */
            {
                double loss = 0, l1 = 0, l2 = 0, rep = NAN;
                char desc[256];
                const char *o;
                for (size_t i = 0; i < big_n; i++) {
                    ml__lr.predict_proba(s, big_X + i * big_d, p);
                    loss -= log(p[big_y[i]]);
                }
                loss /= (double)big_n;
                for (size_t i = 0; i < big_d * 3; i++) {
                    l1 += fabs(W[i]);
                    l2 += W[i] * W[i];
                }
                ml__lr.describe_state(s, desc, sizeof desc);
                o = strstr(desc, "objective=");
                if (o)
                    rep = strtod(o + 10, NULL);
                CHECK(fabs(rep - (loss + lam * (a * l1 + (1 - a) / 2 * l2))) < 1e-9, "objective %s vs %.12g", desc,
                      loss + lam * (a * l1 + (1 - a) / 2 * l2));
            }
            free(g);
            ml__lr.free(s);
        }
        printf("elastic net: %d zero coefficients, worst subgradient excess %.2e\n", zeros, worst);
        CHECK(!bad, "L1 optimality violated by %g", worst);
    }
}

static void check_thresholds_and_io(void)
{
    const char *kv[] = {"regParam=0.05", "thresholds=[1,1,1,0.001]"};
    const char *kv0[] = {"regParam=0.05"};
    void *a = fit_lr(kv, 2, X, (size_t)n, D, y, K, NULL, 1);
    void *b0 = fit_lr(kv0, 1, X, (size_t)n, D, y, K, NULL, 1);
    int more3 = 0, base3 = 0, same = 1;
    CHECK(a && b0, "fit failed");
    if (!a || !b0)
        return;
    for (int i = 0; i < n; i++) {
        double p[K], q[K];
        int ca = ml__lr.predict(a, X + i * D, p), cb = ml__lr.predict(b0, X + i * D, q);
        int arg = 0;
        for (int c = 1; c < K; c++)
            if (p[c] / (c == 3 ? 0.001 : 1.0) > p[arg] / (arg == 3 ? 0.001 : 1.0))
                arg = c;
        CHECK(ca == arg, "row %d: thresholds predict %d, argmax p/t is %d", i, ca, arg);
        more3 += ca == 3;
        base3 += cb == 3;
    }
    CHECK(more3 > base3, "a small threshold for class 3 must predict it more often (%d vs %d)", more3, base3);
    {
        util_buf buf;
        util_rd r;
        void *c = NULL;
        char eb[MQTTIDS_ERRBUF_SIZE];
        util__buf_init(&buf, 0);
        ml__lr.save(a, &buf);
        util__rd_init(&r, buf.data, buf.len);
        CHECK(ml__lr.load(&r, D, K, &c, eb) == MQTTIDS_OK, "load: %s", eb);
        CHECK(r.off == buf.len, "load read %zu of %zu bytes", r.off, buf.len);
        if (c) {
            for (int i = 0; i < n; i++) {
                double p[K], q[K];
                same &= ml__lr.predict(a, X + i * D, p) == ml__lr.predict(c, X + i * D, q);
                same &= memcmp(p, q, sizeof p) == 0;
            }
            CHECK(same, "loaded state predicts differently");
            ml__lr.free(c);
        }
        /* truncated state refused */
        util__rd_init(&r, buf.data, buf.len - 5);
        c = NULL;
        CHECK(ml__lr.load(&r, D, K, &c, eb) != MQTTIDS_OK, "truncated state accepted");
        ml__lr.free(c);
        util__rd_init(&r, buf.data, buf.len);
        CHECK(ml__lr.load(&r, D + 1, K, &c, eb) != MQTTIDS_OK, "state of another shape accepted");
        util__buf_free(&buf);
    }
    ml__lr.free(a);
    ml__lr.free(b0);
}

static void check_params(void)
{
    void *p = ml__lr.params_new();
    char eb[MQTTIDS_ERRBUF_SIZE], buf[512];
    CHECK(ml__lr.params_set(p, "reg_param", "0.5", eb) == MQTTIDS_OK, "reg_param alias: %s", eb);
    CHECK(ml__lr.params_set(p, "regParam", "-1", eb) == MQTTIDS_ERR_INVALID, "negative regParam accepted");
    CHECK(ml__lr.params_set(p, "elasticNetParam", "1.5", eb) == MQTTIDS_ERR_INVALID, "alpha > 1 accepted");
    CHECK(ml__lr.params_set(p, "maxIter", "2.5", eb) == MQTTIDS_ERR_INVALID, "fractional maxIter accepted");
    CHECK(ml__lr.params_set(p, "bogus", "1", eb) == MQTTIDS_ERR_INVALID, "unknown key accepted");
    CHECK(strstr(eb, "bogus") != NULL, "message names the key: %s", eb);
    CHECK(ml__lr.params_set(p, "thresholds", "1.5,0.9,1,1,1,1", eb) == MQTTIDS_OK, "thresholds: %s", eb);
    ml__lr.params_describe(p, buf, sizeof buf);
    CHECK(strstr(buf, "regParam=0.5") && strstr(buf, "thresholds=[1.5,0.9,1,1,1,1]"), "describe: %s", buf);
    ml__lr.params_free(p);
}

/* Issue 16, item 6: a NaN or an infinity in X is refused, as rf and nn do (it made a model
   with objective nan). */
static void check_non_finite(void)
{
    static const double bad_vals[2] = {NAN, -INFINITY};
    for (int b = 0; b < 2; b++) {
        double *Xc = malloc(sizeof X);
        void *st;
        memcpy(Xc, X, sizeof X);
        Xc[3 * D + 1] = bad_vals[b];
        st = fit_lr(NULL, 0, Xc, (size_t)n, D, y, K, NULL, 1);
        CHECK(st == NULL, "lr fitted X with %g", bad_vals[b]);
        if (st)
            ml__lr.free(st);
        free(Xc);
    }
}

int main(void)
{
    if (load_data() != 0) {
        fprintf(stderr, "cannot read the fixture\n");
        return 1;
    }
    check_params();
    check_non_finite();
    check_case("l2");
    check_case("l2_std");
    check_case("l2_weighted");
    check_case("none");
    make_big();
    check_threads_compress_l1();
    check_thresholds_and_io();
    free(big_X);
    free(big_y);
    PASS();
}
