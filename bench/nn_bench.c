/*
 * nn_bench.c: times the "nn" learner (src/ml/nn.c) for bench/nn.sh.
 *
 * usage: nn_bench CSV OUTPREFIX [grid|none]
 *   Reads the MQTTset CSV, builds the feature matrix with the study's pipeline (features.h:
 *   zero/correlation rules, one-hot nominal columns, std scaling; the same matrix the
 *   PyTorch peer reads), writes it to OUTPREFIX.X.f32 (n x d float32, row-major) and
 *   OUTPREFIX.y.i64
 *   (int64 labels) for bench/nn_peer.py, then prints one line per measurement:
 *     epoch LAYERS SECONDS cpu CPUSEC setup SETUP fit1 FIT1
 *                                       one epoch at batch 64, one thread: (best 5-epoch
 *                                       fit - best 1-epoch fit) / 4 of 3 runs each, wall and
 *                                       process CPU time; SETUP: the rest of a 1-epoch fit
 *                                       (row table, allocations), FIT1 that fit's wall time
 *     grid LAYERS SECONDS POINTS EPOCHS the study's grid (lr {0.1,0.01,0.001} x batch
 *                                       {32,64,128}, gamma 0.995, 20 epochs, a validation
 *                                       pass over 99,290 rows per epoch), grid points on
 *                                       2 threads
 *
 * usage: nn_bench --fit PREFIX LAYERS LR BATCH EPOCHS
 *   One fit on the matrix a previous run wrote (no CSV, no pipeline): the workload to run
 *   under `valgrind --tool=callgrind` (instruction counts do not depend on the machine's
 *   load). Prints the train loss and accuracy of the last epoch.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ml/ml_int.h"
#include "mqttids/dataset.h"
#include "mqttids/features.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double *X;
static int *Y;
static size_t N;
static size_t D;
#define NVAL 99290

static void *params(const char *layers, const char *lr, const char *batch, const char *epochs,
                    const char *gamma)
{
    char eb[MQTTIDS_ERRBUF_SIZE];
    void *p = ml__nn.params_new();
    const char *kv[][2] = {{"layers", layers}, {"lr", lr}, {"batchSize", batch}, {"epochs", epochs},
                           {"gamma", gamma}};
    for (int i = 0; i < 5; i++)
        if (ml__nn.params_set(p, kv[i][0], kv[i][1], eb) != MQTTIDS_OK) {
            fprintf(stderr, "%s\n", eb);
            exit(1);
        }
    return p;
}

typedef struct grid_job {
    const char *layers;
    int next; /* guarded by mu */
    pthread_mutex_t mu;
    double best_acc[9];
} grid_job;

static const char *lrs[3] = {"0.1", "0.01", "0.001"};
static const char *bss[3] = {"32", "64", "128"};

static void *grid_worker(void *arg)
{
    grid_job *g = arg;
    for (;;) {
        pthread_mutex_lock(&g->mu);
        int i = g->next++;
        pthread_mutex_unlock(&g->mu);
        if (i >= 9)
            return NULL;
        void *p = params(g->layers, lrs[i / 3], bss[i % 3], "20", "0.995");
        ml_curve curve;
        ml_fit_ctx ctx = {.seed = (uint64_t)i, .nthreads = 1, .Xval = X, .yval = Y, .nval = NVAL,
                          .curve = &curve};
        void *st = NULL;
        char eb[MQTTIDS_ERRBUF_SIZE];
        if (ml__nn.fit(p, X, N, D, Y, MQTTIDS_NCLASS, NULL, &ctx, &st, eb) != MQTTIDS_OK)
            fprintf(stderr, "grid point %d: %s\n", i, eb);
        g->best_acc[i] = curve.best_epoch >= 0 ? curve.epochs[curve.best_epoch].val_acc : NAN;
        free(curve.epochs);
        ml__nn.free(st);
        ml__nn.params_free(p);
    }
}

static int fit_only(char **argv)
{
    char eb[MQTTIDS_ERRBUF_SIZE], path[4096];
    snprintf(path, sizeof path, "%s.y.i64", argv[2]);
    FILE *f = fopen(path, "rb");
    if (!f || fseek(f, 0, SEEK_END) != 0) {
        fprintf(stderr, "%s: cannot read\n", path);
        return 1;
    }
    N = (size_t)ftell(f) / sizeof(int64_t);
    rewind(f);
    int64_t *y64 = malloc(N * sizeof *y64);
    Y = malloc(N * sizeof *Y);
    if (!y64 || !Y || fread(y64, sizeof *y64, N, f) != N) {
        fprintf(stderr, "%s: cannot read\n", path);
        return 1;
    }
    fclose(f);
    snprintf(path, sizeof path, "%s.X.f32", argv[2]);
    f = fopen(path, "rb");
    if (!f || fseek(f, 0, SEEK_END) != 0) {
        fprintf(stderr, "%s: cannot read\n", path);
        return 1;
    }
    D = (size_t)ftell(f) / sizeof(float) / N;
    rewind(f);
    float *xf = malloc(N * D * sizeof *xf);
    X = malloc(N * D * sizeof *X);
    if (!xf || !X || fread(xf, sizeof *xf, N * D, f) != N * D) {
        fprintf(stderr, "%s: cannot read\n", path);
        return 1;
    }
    fclose(f);
    for (size_t j = 0; j < N * D; j++)
        X[j] = xf[j];
    for (size_t i = 0; i < N; i++)
        Y[i] = (int)y64[i];
    void *p = params(argv[3], argv[4], argv[5], argv[6], "1");
    ml_curve curve;
    ml_fit_ctx ctx = {.seed = 1, .nthreads = 1, .curve = &curve};
    void *st = NULL;
    if (ml__nn.fit(p, X, N, D, Y, MQTTIDS_NCLASS, NULL, &ctx, &st, eb) != MQTTIDS_OK) {
        fprintf(stderr, "%s\n", eb);
        return 1;
    }
    printf("fit layers=%s lr=%s batchSize=%s epochs=%s: train loss %.6f accuracy %.4f\n", argv[3], argv[4],
           argv[5], argv[6], curve.epochs[curve.n - 1].train_loss, curve.epochs[curve.n - 1].train_acc);
    free(curve.epochs);
    ml__nn.free(st);
    ml__nn.params_free(p);
    free(xf);
    free(y64);
    free(X);
    free(Y);
    return 0;
}

int main(int argc, char **argv)
{
    char eb[MQTTIDS_ERRBUF_SIZE], path[4096];
    if (argc == 7 && strcmp(argv[1], "--fit") == 0)
        return fit_only(argv);
    if (argc < 3) {
        fprintf(stderr, "usage: nn_bench CSV OUTPREFIX [grid]\n");
        return 2;
    }
    mqttids_dataset *ds = mqttids_dataset_new();
    if (mqttids_dataset_read_csv(ds, argv[1], NULL, NULL, eb) != MQTTIDS_OK) {
        fprintf(stderr, "%s\n", eb);
        return 1;
    }
    N = mqttids_dataset_nrows(ds);
    {
        /* the study's feature pipeline (as the Python study built it), fitted on these rows */
        mqttids_pipeline_opts po;
        mqttids_pipeline *pipe = NULL;
        mqttids_pipeline_opts_init(&po);
        if (mqttids_pipeline_fit(ds, NULL, N, &po, &pipe, eb) != MQTTIDS_OK) {
            fprintf(stderr, "%s\n", eb);
            return 1;
        }
        D = mqttids_pipeline_nfeatures(pipe);
        X = malloc(N * D * sizeof *X);
        if (!X || mqttids_pipeline_transform(pipe, ds, NULL, N, X, NULL, eb) != MQTTIDS_OK) {
            fprintf(stderr, "%s\n", eb);
            return 1;
        }
        mqttids_pipeline_free(pipe);
    }
    Y = malloc(N * sizeof *Y);
    float *xf = malloc(N * D * sizeof *xf);
    int64_t *y64 = malloc(N * sizeof *y64);
    const int8_t *lab = mqttids_dataset_labels(ds);
    for (size_t i = 0; i < N; i++) {
        Y[i] = lab[i];
        y64[i] = lab[i];
    }
    for (size_t j = 0; j < N * D; j++)
        xf[j] = (float)X[j];
    mqttids_dataset_free(ds);
    snprintf(path, sizeof path, "%s.X.f32", argv[2]);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(xf, sizeof *xf, N * D, f) != N * D || fclose(f) != 0) {
        fprintf(stderr, "%s: cannot write\n", path);
        return 1;
    }
    snprintf(path, sizeof path, "%s.y.i64", argv[2]);
    f = fopen(path, "wb");
    if (!f || fwrite(y64, sizeof *y64, N, f) != N || fclose(f) != 0) {
        fprintf(stderr, "%s: cannot write\n", path);
        return 1;
    }
    printf("rows %zu features %zu\n", N, D);
    fflush(stdout);

    const char *nets[2] = {"16", "16,16,16,8"};
    for (int k = 0; k < 2; k++) {
        /* a fit of 1 epoch and one of 1 + EXTRA epochs: their difference / EXTRA is the cost of
           an epoch (what the peer's loop times); the rest of the 1-epoch fit is the setup */
        enum { EXTRA = 4 };
        void *p1 = params(nets[k], "0.001", "64", "1", "1");
        void *p5 = params(nets[k], "0.001", "64", "5", "1");
        double best[2] = {1e30, 1e30}, bestc[2] = {1e30, 1e30};
        for (int r = 0; r < 3; r++)
            for (int e = 0; e < 2; e++) {
                ml_fit_ctx ctx = {.seed = (uint64_t)r, .nthreads = 1};
                void *st = NULL;
                double t0 = now(), c0 = cpu();
                if (ml__nn.fit(e ? p5 : p1, X, N, D, Y, MQTTIDS_NCLASS, NULL, &ctx, &st, eb) != MQTTIDS_OK) {
                    fprintf(stderr, "%s\n", eb);
                    return 1;
                }
                double t = now() - t0, c = cpu() - c0;
                best[e] = t < best[e] ? t : best[e];
                bestc[e] = c < bestc[e] ? c : bestc[e];
                ml__nn.free(st);
            }
        double ep = (best[1] - best[0]) / EXTRA, epc = (bestc[1] - bestc[0]) / EXTRA;
        printf("epoch %s %.4f cpu %.4f setup %.4f fit1 %.4f\n", nets[k], ep, epc, best[0] - ep, best[0]);
        fflush(stdout);
        ml__nn.params_free(p1);
        ml__nn.params_free(p5);
    }
    if (argc > 3 && strcmp(argv[3], "grid") == 0) {
        for (int k = 0; k < 2; k++) {
            grid_job g;
            memset(&g, 0, sizeof g);
            g.layers = nets[k];
            pthread_mutex_init(&g.mu, NULL);
            pthread_t th[2];
            double t0 = now();
            for (int t = 0; t < 2; t++)
                pthread_create(&th[t], NULL, grid_worker, &g);
            for (int t = 0; t < 2; t++)
                pthread_join(th[t], NULL);
            double bestacc = 0.0;
            for (int i = 0; i < 9; i++)
                bestacc = g.best_acc[i] > bestacc ? g.best_acc[i] : bestacc;
            printf("grid %s %.3f 9 20 best_val_acc %.4f\n", nets[k], now() - t0, bestacc);
            fflush(stdout);
        }
    }
    free(X);
    free(Y);
    free(xf);
    free(y64);
    return 0;
}
