/*
 * rf_bench.c: benchmark driver for the random forest (bench/rf.sh runs it).
 *
 * Reads train and test MQTTset CSVs through the dataset API, fits the study's feature
 * pipeline (mqttids_pipeline_fit with its defaults: the columns the study keeps, one-hot
 * nominals, scaled) on the train rows and transforms both sets, exactly as `mqttids train`
 * does. Writes the matrices as .npy files for the sklearn peer (bench/rf_peer.py), so both
 * fit the very same numbers, then times our fit (numTrees, maxDepth from the command line,
 * the learner's defaults otherwise, KEY=VALUE pairs on top) and one-core prediction, and
 * scores the test rows (accuracy, macro-F1 as sklearn's f1_score(average='macro')).
 *
 * usage: rf_bench OUT_PREFIX TRAIN.csv[,MORE.csv...] TEST.csv[,MORE.csv...]
 *                 [NUM_TREES [MAX_DEPTH [NTHREADS [KEY=VALUE...]]]]
 * env RF_SEED: the fit's seed (default 1). Prints "key value" lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ml/ml_int.h"
#include "mqttids/dataset.h"
#include "mqttids/features.h"
#include "mqttids/ml.h"
#include "bench_io.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The transformed rows of one split and their classes (caller frees both). */
static int matrix(const mqttids_pipeline *pl, const mqttids_dataset *ds, int split, double **X,
                  int **y, size_t *n, char *err)
{
    size_t *rows = NULL, d = mqttids_pipeline_nfeatures(pl);
    const int8_t *lab = mqttids_dataset_labels(ds);
    if (mqttids_dataset_split_rows(ds, split, &rows, n))
        return -1;
    *X = malloc((*n ? *n : 1) * d * sizeof **X);
    *y = malloc((*n ? *n : 1) * sizeof **y);
    if (!*X || !*y || mqttids_pipeline_transform(pl, ds, rows, *n, *X, NULL, err)) {
        free(rows);
        return -1;
    }
    for (size_t i = 0; i < *n; i++)
        (*y)[i] = lab[rows[i]];
    free(rows);
    return 0;
}

int main(int argc, char **argv)
{
    char err[MQTTIDS_ERRBUF_SIZE] = "", path[4096];
    if (argc < 4) {
        fprintf(stderr, "usage: rf_bench OUT_PREFIX TRAIN.csv[,...] TEST.csv[,...] "
                        "[NUM_TREES [MAX_DEPTH [NTHREADS [KEY=VALUE...]]]]\n");
        return 2;
    }
    const char *trees = argc > 4 ? argv[4] : "20", *depth = argc > 5 ? argv[5] : "30";
    int nthreads = argc > 6 ? (int)strtol(argv[6], NULL, 10) : 2;
    mqttids_dataset *ds = mqttids_dataset_new();
    mqttids_pipeline *pl = NULL;
    mqttids_pipeline_opts po;
    double t0 = now();
    if (read_list(ds, argv[2], MQTTIDS_SPLIT_TRAIN, err) || read_list(ds, argv[3], MQTTIDS_SPLIT_TEST, err)) {
        fprintf(stderr, "rf_bench: %s\n", err);
        return 1;
    }
    printf("read_s %.3f\n", now() - t0);
    size_t *trows = NULL, ntr = 0;
    mqttids_pipeline_opts_init(&po);
    if (mqttids_dataset_split_rows(ds, MQTTIDS_SPLIT_TRAIN, &trows, &ntr) ||
        mqttids_pipeline_fit(ds, trows, ntr, &po, &pl, err)) {
        fprintf(stderr, "rf_bench: pipeline: %s\n", err);
        return 1;
    }
    free(trows);
    size_t d = mqttids_pipeline_nfeatures(pl), n, nt;
    double *X, *Xt;
    int *y, *yt;
    if (matrix(pl, ds, MQTTIDS_SPLIT_TRAIN, &X, &y, &n, err) ||
        matrix(pl, ds, MQTTIDS_SPLIT_TEST, &Xt, &yt, &nt, err)) {
        fprintf(stderr, "rf_bench: transform: %s\n", err);
        return 1;
    }
    printf("rows %zu\ntest_rows %zu\nfeatures %zu\ncolumns", n, nt, d);
    for (size_t i = 0; i < mqttids_pipeline_n_inputs(pl); i++)
        printf("%s%s", i ? "," : " ", mqttids_pipeline_input_name(pl, i));
    printf("\n");
    static const char *const suffix[4] = {"_X.npy", "_y.npy", "_Xt.npy", "_yt.npy"};
    for (int f = 0; f < 4; f++) {
        snprintf(path, sizeof path, "%s%s", argv[1], suffix[f]);
        int r = f == 0   ? write_npy(path, X, "<f8", n, d, sizeof *X)
                : f == 1 ? write_npy(path, y, "<i4", n, 0, sizeof *y)
                : f == 2 ? write_npy(path, Xt, "<f8", nt, d, sizeof *Xt)
                         : write_npy(path, yt, "<i4", nt, 0, sizeof *yt);
        if (r) {
            fprintf(stderr, "rf_bench: cannot write %s\n", path);
            return 1;
        }
    }

    const ml_learner *L = &ml__rf;
    void *p = L->params_new();
    if (L->params_set(p, "numTrees", trees, err) || L->params_set(p, "maxDepth", depth, err)) {
        fprintf(stderr, "rf_bench: %s\n", err);
        return 2;
    }
    for (int a = 7; a < argc; a++) {
        char kv[256];
        snprintf(kv, sizeof kv, "%s", argv[a]);
        char *eq = strchr(kv, '=');
        if (!eq || (*eq = '\0', L->params_set(p, kv, eq + 1, err))) {
            fprintf(stderr, "rf_bench: %s: %s\n", argv[a], eq ? err : "expected KEY=VALUE");
            return 2;
        }
    }
    char desc[512];
    L->params_describe(p, desc, sizeof desc);
    printf("params %s\n", desc);
    ml_fit_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.seed = getenv("RF_SEED") ? strtoull(getenv("RF_SEED"), NULL, 10) : 1;
    ctx.nthreads = nthreads;
    void *s = NULL;
    t0 = now();
    if (L->fit(p, X, n, d, y, MQTTIDS_NCLASS, NULL, &ctx, &s, err)) {
        fprintf(stderr, "rf_bench: fit: %s\n", err);
        return 1;
    }
    printf("fit_s %.4f\nfit_threads %d\n", now() - t0, nthreads);
    L->describe_state(s, desc, sizeof desc);
    printf("state %s\n", desc);
    double prob[MQTTIDS_NCLASS];
    size_t ok = 0;
    for (size_t i = 0; i < n; i++)
        ok += L->predict(s, X + i * d, prob) == y[i];
    printf("train_accuracy %.4f\n", (double)ok / (double)n);
    int *pred = malloc((nt ? nt : 1) * sizeof *pred);
    t0 = now();
    for (size_t i = 0; i < nt; i++)
        pred[i] = L->predict(s, Xt + i * d, prob);
    double tp = now() - t0;
    mqttids_metrics m;
    mqttids_metrics_compute(yt, pred, nt, &m);
    printf("test_accuracy %.4f\ntest_macro_f1 %.4f\n", m.accuracy, m.macro_f1);
    printf("test_recall");
    for (int c = 0; c < MQTTIDS_NCLASS; c++)
        printf(" %s=%.3f", mqttids_class_name(c), m.recall[c]);
    printf("\npredict_rows_per_s_per_core %.0f\n", (double)nt / tp);
    free(pred);
    L->free(s);
    L->params_free(p);
    free(X);
    free(y);
    free(Xt);
    free(yt);
    mqttids_pipeline_free(pl);
    mqttids_dataset_free(ds);
    return 0;
}
