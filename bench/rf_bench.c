/*
 * rf_bench.c: benchmark driver for the random forest (bench/rf.sh runs it).
 *
 * Reads an MQTTset CSV through the dataset API and builds the study's matrix without the
 * model framework: continuous tcp.time_delta, tcp.len, mqtt.len, mqtt.msgid and one-hot
 * tcp.flags, mqtt.hdrflags, mqtt.msgtype (categories most frequent first, as Spark's
 * StringIndexer). Writes X and y as .npy files for the sklearn peer (bench/rf_peer.py), so
 * both fit exactly the same matrix, then times the fit (numTrees, maxDepth from the
 * command line, other parameters Spark's defaults) and single-thread prediction.
 *
 * usage: rf_bench CSV OUT_PREFIX [NUM_TREES [MAX_DEPTH [NTHREADS [PARAM=VALUE...]]]]
 * Prints "key value" lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ml/ml_int.h"
#include "mqttids/dataset.h"

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct cat {
    double v;
    size_t count;
} cat;

static int cmp_cat(const void *a, const void *b)
{
    const cat *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return (x->v > y->v) - (x->v < y->v);
}

static int write_npy(const char *path, const void *data, const char *descr, size_t n, size_t d,
                     size_t elem)
{
    char hdr[128];
    int len = d ? snprintf(hdr, sizeof hdr, "{'descr': '%s', 'fortran_order': False, 'shape': (%zu, %zu), }",
                           descr, n, d)
                : snprintf(hdr, sizeof hdr, "{'descr': '%s', 'fortran_order': False, 'shape': (%zu,), }",
                           descr, n);
    size_t total = 10 + (size_t)len + 1;
    size_t pad = (64 - total % 64) % 64;
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0, 0};
    size_t hl = (size_t)len + pad + 1;
    pre[8] = (unsigned char)(hl & 0xff);
    pre[9] = (unsigned char)(hl >> 8);
    fwrite(pre, 1, 10, f);
    fwrite(hdr, 1, (size_t)len, f);
    for (size_t i = 0; i < pad; i++)
        fputc(' ', f);
    fputc('\n', f);
    fwrite(data, elem, n * (d ? d : 1), f);
    return fclose(f);
}

int main(int argc, char **argv)
{
    char err[MQTTIDS_ERRBUF_SIZE], path[4096];
    if (argc < 3) {
        fprintf(stderr, "usage: rf_bench CSV OUT_PREFIX [NUM_TREES [MAX_DEPTH [NTHREADS [K=V...]]]]\n");
        return 2;
    }
    const char *trees = argc > 3 ? argv[3] : "20", *depth = argc > 4 ? argv[4] : "30";
    int nthreads = argc > 5 ? (int)strtol(argv[5], NULL, 10) : 2;
    mqttids_dataset *ds = mqttids_dataset_new();
    double t0 = now();
    if (mqttids_dataset_read_csv(ds, argv[1], NULL, NULL, err)) {
        fprintf(stderr, "rf_bench: %s\n", err);
        return 1;
    }
    size_t n = mqttids_dataset_nrows(ds);
    printf("read_s %.3f\nrows %zu\n", now() - t0, n);

    static const int cont[] = {MQTTIDS_F_TCP_TIME_DELTA, MQTTIDS_F_TCP_LEN, MQTTIDS_F_LEN, MQTTIDS_F_MSGID};
    static const int nom[] = {MQTTIDS_F_HDRFLAGS, MQTTIDS_F_TCP_FLAGS, MQTTIDS_F_MSGTYPE};
    cat cats[3][256];
    size_t ncat[3] = {0, 0, 0}, d = 4;
    for (int j = 0; j < 3; j++) {
        const double *x = mqttids_dataset_col_num(ds, (size_t)nom[j]);
        for (size_t i = 0; i < n; i++) {
            size_t c = 0;
            while (c < ncat[j] && cats[j][c].v != x[i])
                c++;
            if (c == ncat[j]) {
                if (c == 256)
                    continue;
                cats[j][c].v = x[i];
                cats[j][c].count = 0;
                ncat[j]++;
            }
            cats[j][c].count++;
        }
        qsort(cats[j], ncat[j], sizeof cats[j][0], cmp_cat);
        d += ncat[j];
    }
    double *X = calloc(n * d, sizeof *X);
    int *y = malloc(n * sizeof *y);
    const int8_t *lab = mqttids_dataset_labels(ds);
    for (size_t i = 0; i < n; i++) {
        size_t col = 0;
        for (int j = 0; j < 4; j++)
            X[i * d + col++] = mqttids_dataset_col_num(ds, (size_t)cont[j])[i];
        for (int j = 0; j < 3; j++) {
            double v = mqttids_dataset_col_num(ds, (size_t)nom[j])[i];
            for (size_t c = 0; c < ncat[j]; c++)
                if (cats[j][c].v == v)
                    X[i * d + col + c] = 1.0;
            col += ncat[j];
        }
        y[i] = lab[i];
    }
    printf("features %zu\n", d);
    snprintf(path, sizeof path, "%s_X.npy", argv[2]);
    write_npy(path, X, "<f8", n, d, sizeof *X);
    snprintf(path, sizeof path, "%s_y.npy", argv[2]);
    write_npy(path, y, "<i4", n, 0, sizeof *y);

    const ml_learner *L = &ml__rf;
    void *p = L->params_new();
    if (L->params_set(p, "numTrees", trees, err) || L->params_set(p, "maxDepth", depth, err)) {
        fprintf(stderr, "rf_bench: %s\n", err);
        return 2;
    }
    for (int a = 6; a < argc; a++) {
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
    double c0 = cpu_now();
    t0 = now();
    if (L->fit(p, X, n, d, y, MQTTIDS_NCLASS, NULL, &ctx, &s, err)) {
        fprintf(stderr, "rf_bench: fit: %s\n", err);
        return 1;
    }
    printf("fit_s %.4f\nfit_cpu_s %.4f\nfit_threads %d\n", now() - t0, cpu_now() - c0, nthreads);
    L->describe_state(s, desc, sizeof desc);
    printf("state %s\n", desc);
    double prob[MQTTIDS_NCLASS];
    size_t ok = 0;
    t0 = now();
    for (size_t i = 0; i < n; i++)
        ok += L->predict(s, X + i * d, prob) == y[i];
    double tp = now() - t0;
    printf("predict_s %.4f\npredict_rows_per_s_per_core %.0f\ntrain_accuracy %.4f\n", tp,
           (double)n / tp, (double)ok / (double)n);
    /* Optional held-out file (same columns and categories): RF_TEST_CSV. */
    const char *test_csv = getenv("RF_TEST_CSV");
    if (test_csv) {
        mqttids_dataset *dt = mqttids_dataset_new();
        if (mqttids_dataset_read_csv(dt, test_csv, NULL, NULL, err)) {
            fprintf(stderr, "rf_bench: %s\n", err);
            return 1;
        }
        size_t nt = mqttids_dataset_nrows(dt), okt = 0;
        const int8_t *lt = mqttids_dataset_labels(dt);
        double *row = malloc(d * sizeof *row);
        for (size_t i = 0; i < nt; i++) {
            size_t col = 0;
            memset(row, 0, d * sizeof *row);
            for (int j = 0; j < 4; j++)
                row[col++] = mqttids_dataset_col_num(dt, (size_t)cont[j])[i];
            for (int j = 0; j < 3; j++) {
                double v = mqttids_dataset_col_num(dt, (size_t)nom[j])[i];
                for (size_t c = 0; c < ncat[j]; c++)
                    if (cats[j][c].v == v)
                        row[col + c] = 1.0;
                col += ncat[j];
            }
            okt += L->predict(s, row, prob) == lt[i];
        }
        printf("test_rows %zu\ntest_accuracy %.4f\n", nt, (double)okt / (double)nt);
        free(row);
        mqttids_dataset_free(dt);
    }
    L->free(s);
    L->params_free(p);
    free(X);
    free(y);
    mqttids_dataset_free(ds);
    return 0;
}
