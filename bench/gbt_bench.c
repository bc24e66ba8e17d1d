/*
 * gbt_bench.c: benchmark driver for gradient-boosted trees and compiled tree prediction
 * (bench/gbt.sh runs it against bench/gbt_peer.py: xgboost and sklearn).
 *
 * Reads the train and test CSVs through the dataset API, fits the study's feature pipeline
 * on the train rows (features.h defaults: the six columns the study keeps), writes the
 * train/test matrices as .npy for the peer (both sides fit exactly the same numbers), then
 *  - fits gbt (rounds, depth, eta from the command line, other parameters xgboost's
 *    defaults) on NTHREADS threads and scores the test rows (accuracy, macro-F1);
 *  - fits rf (20 trees, maxDepth 30) and times prediction of the train matrix: the
 *    compiled ensemble (forest.c) on NTHREADS threads and the learner's own walk on one,
 *    and counts rows whose probabilities differ between the two (must be 0).
 *
 * usage: gbt_bench PREFIX TRAIN[,TRAIN...] TEST[,TEST...]|split ROUNDS DEPTH ETA NTHREADS [K=V...]
 *   "split": the first 70% of the train file(s) train, the rest test.
 * Prints "key value" lines.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ml/forest_int.h"
#include "ml/ml_int.h"
#include "mqttids/dataset.h"
#include "mqttids/features.h"
#include "mqttids/ml.h"
#include "bench_io.h"

typedef struct pjob {
    const ml_forest *f;
    const double *X;
    size_t n;
    int *cls;
    double *proba;
} pjob;

static void *pmain(void *a)
{
    pjob *j = a;
    ml__forest_predict(j->f, j->X, j->n, j->cls, j->proba);
    return NULL;
}

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Best rows/s of REPS passes of compiled prediction over X on nt threads (rows split evenly). */
static double best_cpu_rate; /* rows per CPU second of the last time_compiled (best pass, all threads) */

static double time_compiled(const ml_forest *f, const double *X, size_t n, size_t d, int k, int nt, int *cls,
                            double *proba)
{
    double best = 0.0;
    best_cpu_rate = 0.0;
    pjob jobs[16];
    pthread_t th[16];
    (void)k;
    for (int rep = 0; rep < 5; rep++) {
        double t0 = util__now_s(), c0 = cpu_now();
        for (int t = 0; t < nt; t++) {
            size_t lo = n * (size_t)t / (size_t)nt, hi = n * (size_t)(t + 1) / (size_t)nt;
            jobs[t] = (pjob){f, X + lo * d, hi - lo, cls + lo, proba ? proba + lo * (size_t)k : NULL};
        }
        for (int t = 1; t < nt; t++)
            pthread_create(&th[t], NULL, pmain, &jobs[t]);
        pmain(&jobs[0]);
        for (int t = 1; t < nt; t++)
            pthread_join(th[t], NULL);
        double r = (double)n / (util__now_s() - t0), rc = (double)n / (cpu_now() - c0);
        if (r > best)
            best = r;
        if (rc > best_cpu_rate)
            best_cpu_rate = rc;
    }
    return best;
}

static double fit_cpu_s; /* CPU seconds of the last fit_learner, all threads */

static int fit_learner(const ml_learner *L, const char *const *kv, size_t nkv, const double *X, size_t n, size_t d,
                       const int *y, int nthreads, void **state, double *secs, char *err)
{
    void *p = NULL;
    ml_fit_ctx ctx;
    if (ml__params_build(L, kv, nkv, &p, err))
        return -1;
    memset(&ctx, 0, sizeof ctx);
    ctx.seed = 42;
    ctx.nthreads = nthreads;
    double t0 = util__now_s(), c0 = cpu_now();
    mqttids_err e = L->fit(p, X, n, d, y, MQTTIDS_NCLASS, NULL, &ctx, state, err);
    *secs = util__now_s() - t0;
    fit_cpu_s = cpu_now() - c0;
    L->params_free(p);
    return e ? -1 : 0;
}

int main(int argc, char **argv)
{
    char err[MQTTIDS_ERRBUF_SIZE], path[4096], kvs[16][128];
    const char *kv[16];
    size_t nkv = 0;
    if (argc < 8) {
        fprintf(stderr, "usage: gbt_bench PREFIX TRAIN[,..] TEST[,..]|split ROUNDS DEPTH ETA NTHREADS [K=V...]\n");
        return 2;
    }
    int nthreads = atoi(argv[7]);
    snprintf(kvs[nkv], sizeof kvs[0], "numRounds=%s", argv[4]), kv[nkv] = kvs[nkv], nkv++;
    snprintf(kvs[nkv], sizeof kvs[0], "maxDepth=%s", argv[5]), kv[nkv] = kvs[nkv], nkv++;
    snprintf(kvs[nkv], sizeof kvs[0], "learningRate=%s", argv[6]), kv[nkv] = kvs[nkv], nkv++;
    for (int a = 8; a < argc && nkv < 16; a++)
        snprintf(kvs[nkv], sizeof kvs[0], "%s", argv[a]), kv[nkv] = kvs[nkv], nkv++;

    mqttids_dataset *ds = mqttids_dataset_new();
    size_t *tr = NULL, *te = NULL, ntr = 0, nte = 0;
    if (strcmp(argv[3], "split") == 0) {
        if (read_list(ds, argv[2], MQTTIDS_SPLIT_NONE, err))
            goto fail;
        size_t n = mqttids_dataset_nrows(ds);
        ntr = n * 7 / 10;
        nte = n - ntr;
        tr = malloc(ntr * sizeof *tr);
        te = malloc(nte * sizeof *te);
        for (size_t i = 0; i < n; i++)
            *(i < ntr ? &tr[i] : &te[i - ntr]) = i;
    } else if (read_list(ds, argv[2], MQTTIDS_SPLIT_TRAIN, err) || read_list(ds, argv[3], MQTTIDS_SPLIT_TEST, err) ||
               mqttids_dataset_split_rows(ds, MQTTIDS_SPLIT_TRAIN, &tr, &ntr) ||
               mqttids_dataset_split_rows(ds, MQTTIDS_SPLIT_TEST, &te, &nte)) {
        goto fail;
    }
    mqttids_pipeline_opts po;
    mqttids_pipeline *pipe = NULL;
    mqttids_pipeline_opts_init(&po);
    if (mqttids_pipeline_fit(ds, tr, ntr, &po, &pipe, err))
        goto fail;
    size_t d = mqttids_pipeline_nfeatures(pipe);
    double *Xtr = malloc(ntr * d * sizeof *Xtr), *Xte = malloc(nte * d * sizeof *Xte);
    int *ytr = malloc(ntr * sizeof *ytr), *yte = malloc(nte * sizeof *yte);
    const int8_t *lab = mqttids_dataset_labels(ds);
    if (mqttids_pipeline_transform(pipe, ds, tr, ntr, Xtr, NULL, err) ||
        mqttids_pipeline_transform(pipe, ds, te, nte, Xte, NULL, err))
        goto fail;
    for (size_t i = 0; i < ntr; i++)
        ytr[i] = lab[tr[i]];
    for (size_t i = 0; i < nte; i++)
        yte[i] = lab[te[i]];
    printf("train_rows %zu\ntest_rows %zu\nfeatures %zu\n", ntr, nte, d);
    snprintf(path, sizeof path, "%s_Xtr.npy", argv[1]);
    write_npy(path, Xtr, "<f8", ntr, d, sizeof(double));
    snprintf(path, sizeof path, "%s_ytr.npy", argv[1]);
    write_npy(path, ytr, "<i4", ntr, 0, sizeof(int));
    snprintf(path, sizeof path, "%s_Xte.npy", argv[1]);
    write_npy(path, Xte, "<f8", nte, d, sizeof(double));
    snprintf(path, sizeof path, "%s_yte.npy", argv[1]);
    write_npy(path, yte, "<i4", nte, 0, sizeof(int));

    /* gbt: fit, test metrics */
    void *gs = NULL;
    double secs;
    if (fit_learner(&ml__gbt, kv, nkv, Xtr, ntr, d, ytr, nthreads, &gs, &secs, err))
        goto fail;
    char desc[256];
    ml__gbt.describe_state(gs, desc, sizeof desc);
    printf("gbt_fit_s %.4f\ngbt_fit_cpu_s %.4f\ngbt_state %s\n", secs, fit_cpu_s, desc);
    ml_forest *gf = ml__forest_compile(&ml__gbt, gs);
    int *cls = malloc((ntr > nte ? ntr : nte) * sizeof *cls);
    double *proba = malloc((ntr > nte ? ntr : nte) * MQTTIDS_NCLASS * sizeof *proba);
    mqttids_metrics mt;
    ml__forest_predict(gf, Xte, nte, cls, proba);
    mqttids_metrics_compute(yte, cls, nte, &mt);
    printf("gbt_test_accuracy %.4f\ngbt_test_macro_f1 %.4f\n", mt.accuracy, mt.macro_f1);
    printf("gbt_predict_rows_per_s %.0f\n", time_compiled(gf, Xtr, ntr, d, MQTTIDS_NCLASS, nthreads, cls, proba));

    /* rf 20 x 30: compiled prediction speed and equality with the reference walk */
    static const char *const rkv[] = {"numTrees=20", "maxDepth=30"};
    void *rs = NULL;
    if (fit_learner(&ml__rf, rkv, 2, Xtr, ntr, d, ytr, nthreads, &rs, &secs, err))
        goto fail;
    ml__rf.describe_state(rs, desc, sizeof desc);
    printf("rf_fit_s %.4f\nrf_state %s\n", secs, desc);
    ml_forest *rf = ml__forest_compile(&ml__rf, rs);
    double rate = time_compiled(rf, Xtr, ntr, d, MQTTIDS_NCLASS, nthreads, cls, NULL);
    printf("rf_compiled_rows_per_s %.0f\nrf_compiled_threads %d\n", rate, nthreads);
    rate = time_compiled(rf, Xtr, ntr, d, MQTTIDS_NCLASS, 1, cls, proba);
    printf("rf_compiled_rows_per_s_1core %.0f\nrf_compiled_rows_per_cpu_s %.0f\n", rate, best_cpu_rate);
    size_t differ = 0;
    double t0 = util__now_s(), c0 = cpu_now(), p[MQTTIDS_NCLASS];
    for (size_t i = 0; i < ntr; i++) {
        int c = ml__rf.predict(rs, Xtr + i * d, p);
        if (c != cls[i] || memcmp(p, proba + i * MQTTIDS_NCLASS, sizeof p) != 0)
            differ++;
    }
    printf("rf_walk_rows_per_s_1core %.0f\nrf_walk_rows_per_cpu_s %.0f\nrf_compiled_rows_differing %zu\n",
           (double)ntr / (util__now_s() - t0), (double)ntr / (cpu_now() - c0), differ);
    mqttids_metrics_compute(ytr, cls, ntr, &mt);
    printf("rf_train_accuracy %.4f\n", mt.accuracy);
    ml__forest_free(gf);
    ml__forest_free(rf);
    ml__gbt.free(gs);
    ml__rf.free(rs);
    return 0;
fail:
    fprintf(stderr, "gbt_bench: %s\n", err);
    return 1;
}
