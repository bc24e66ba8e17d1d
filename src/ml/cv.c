/*
 * cv.c: k-fold cross-validation and grid search (mqttids/ml.h).
 *
 * The pipeline is fitted once on all given rows and the rows transformed once (as the
 * study assembled and scaled before its CrossValidator); each (grid point, fold) task
 * then fits the learner on the other folds' rows and scores the held-out fold. Tasks
 * run on a small pool of threads that take the next task index under a mutex; every
 * task is deterministic and writes only its own result slot, so the results do not
 * depend on the number of threads or on scheduling.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ml/ml_int.h"

#define CV_MAX_POINTS 100000
#define CV_MAX_SPECS 16
#define CV_MAX_VALUES 256

void mqttids_cv_opts_init(mqttids_cv_opts *o)
{
    o->folds = 5;
    o->stratified = 0;
    o->metric = MQTTIDS_METRIC_ACCURACY;
    o->refit = 1;
}

void mqttids_cv_result_free(mqttids_cv_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->npoints; i++) {
        free(r->points[i].params);
        free(r->points[i].fold_scores);
    }
    free(r->points);
    free(r);
}

static void shuffle(size_t *a, size_t n, util_rng *rng)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)util__rng_below(rng, i);
        size_t t = a[i - 1];
        a[i - 1] = a[j];
        a[j] = t;
    }
}

mqttids_err mqttids_cv_folds(const int *y, size_t n, int k, int stratified, uint64_t seed, int *fold)
{
    util_rng rng;
    size_t *idx;
    if (k < 2 || (size_t)k > n)
        return MQTTIDS_ERR_INVALID;
    idx = malloc(n * sizeof *idx);
    if (!idx)
        return MQTTIDS_ERR_NOMEM;
    util__rng_seed(&rng, seed);
    if (!stratified) {
        for (size_t i = 0; i < n; i++)
            idx[i] = i;
        shuffle(idx, n, &rng);
        for (size_t i = 0; i < n; i++)
            fold[idx[i]] = (int)(i % (size_t)k);
    } else {
        /* classes in label order (unlabeled rows, y < 0, form one more group at the end) */
        size_t off = 0;
        int maxy = -1;
        for (size_t i = 0; i < n; i++)
            if (y[i] > maxy)
                maxy = y[i];
        for (int c = -1; c <= maxy; c++) {
            int cc = c < maxy ? c + 1 : -1; /* 0..maxy, then -1 */
            size_t m = 0;
            for (size_t i = 0; i < n; i++)
                if ((cc >= 0 && y[i] == cc) || (cc < 0 && y[i] < 0))
                    idx[m++] = i;
            shuffle(idx, m, &rng);
            for (size_t j = 0; j < m; j++)
                fold[idx[j]] = (int)((off + j) % (size_t)k);
            off = (off + m) % (size_t)k;
        }
    }
    free(idx);
    return MQTTIDS_OK;
}

/* Splits "v1,[a,b],v3" at top-level commas. Returns the count or -1. */
static int split_values(const char *s, char **vals, int max)
{
    int n = 0, depth = 0;
    const char *b = s;
    for (const char *p = s;; p++) {
        if (*p == '[')
            depth++;
        else if (*p == ']')
            depth--;
        if (*p == '\0' || (*p == ',' && depth == 0)) {
            size_t len = (size_t)(p - b);
            if (n >= max || len == 0)
                goto fail;
            vals[n] = malloc(len + 1);
            if (!vals[n])
                goto fail;
            memcpy(vals[n], b, len);
            vals[n][len] = '\0';
            n++;
            if (*p == '\0')
                break;
            b = p + 1;
        }
    }
    if (depth == 0)
        return n;
fail:
    while (n > 0)
        free(vals[--n]);
    return -1;
}

typedef struct cv_spec {
    char key[128];
    int nv;
    char *vals[CV_MAX_VALUES];
} cv_spec;

typedef struct cv_shared {
    const ml_learner *L;
    const double *X;      /* n x d */
    const int *y;
    const int *fold;
    size_t n, d;
    int k, folds, inner_threads, balanced;
    uint64_t seed;
    void **params;        /* per point */
    size_t ntasks;
    size_t next, done;
    double *acc, *f1, *secs; /* per task */
    mqttids_err *err;     /* per task */
    char (*errbuf)[MQTTIDS_ERRBUF_SIZE];
    int stop;
    pthread_mutex_t mu;
    mqttids_progress_fn progress;
    void *progress_user;
    /* refit run as task 0 beside the folds (one grid point: its parameters are known) */
    int refit_task;
    const mqttids_dataset *ds;
    const size_t *rows;
    mqttids_train_opts refit_opts;
    mqttids_model *refit_model;
    mqttids_err refit_err;
    char refit_errbuf[MQTTIDS_ERRBUF_SIZE];
} cv_shared;

/* A worker's training matrix, kept from task to task: a fresh one per task (tens of MB,
   mmap'd by malloc) cost a page fault and a page clear per 4 KiB every time. */
typedef struct cv_scratch {
    double *X;
    size_t cap; /* rows */
} cv_scratch;

static void run_task(cv_shared *S, size_t t, cv_scratch *sc)
{
    size_t pt = t / (size_t)S->folds;
    int f = (int)(t % (size_t)S->folds);
    size_t ntr = 0, nva = 0, d = S->d;
    double *Xtr = NULL, *w = NULL, *prob = NULL, t0 = util__now_s();
    int *ytr = NULL, *truth = NULL, *pred = NULL;
    void *state = NULL;
    ml_fit_ctx ctx;
    mqttids_metrics m;

    for (size_t i = 0; i < S->n; i++)
        ntr += S->fold[i] != f;
    nva = S->n - ntr;
    if (sc->cap < (ntr ? ntr : 1)) {
        free(sc->X);
        sc->cap = ntr ? ntr : 1;
        sc->X = malloc(sc->cap * d * sizeof *sc->X);
        if (!sc->X)
            sc->cap = 0;
    }
    Xtr = sc->X;
    ytr = malloc((ntr ? ntr : 1) * sizeof *ytr);
    truth = malloc((nva ? nva : 1) * sizeof *truth);
    pred = malloc((nva ? nva : 1) * sizeof *pred);
    prob = malloc((size_t)S->k * sizeof *prob);
    if (!Xtr || !ytr || !truth || !pred || !prob) {
        S->err[t] = util__fail(S->errbuf[t], MQTTIDS_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0, j = 0; i < S->n; i++)
        if (S->fold[i] != f) {
            memcpy(Xtr + j * d, S->X + i * d, d * sizeof *Xtr);
            ytr[j++] = S->y[i];
        }
    if (S->balanced) {
        w = malloc((ntr ? ntr : 1) * sizeof *w);
        if (!w) {
            S->err[t] = util__fail(S->errbuf[t], MQTTIDS_ERR_NOMEM, "out of memory");
            goto out;
        }
        ml__balanced_weights(ytr, ntr, S->k, S->balanced, w);
    }
    memset(&ctx, 0, sizeof ctx);
    ctx.seed = S->seed;
    ctx.nthreads = S->inner_threads;
    S->err[t] = S->L->fit(S->params[pt], Xtr, ntr, d, ytr, S->k, w, &ctx, &state, S->errbuf[t]);
    if (S->err[t] != MQTTIDS_OK)
        goto out;
    for (size_t i = 0, j = 0; i < S->n; i++)
        if (S->fold[i] == f) {
            truth[j] = S->y[i];
            pred[j++] = S->L->predict(state, S->X + i * d, prob);
        }
    mqttids_metrics_compute(truth, pred, nva, &m);
    S->acc[t] = m.accuracy;
    S->f1[t] = m.macro_f1;
out:
    S->secs[t] = util__now_s() - t0;
    if (state)
        S->L->free(state);
    free(ytr);
    free(truth);
    free(pred);
    free(prob);
    free(w);
}

static void *cv_worker(void *arg)
{
    cv_shared *S = arg;
    cv_scratch sc = {NULL, 0};
    for (;;) {
        size_t t;
        pthread_mutex_lock(&S->mu);
        if (S->stop || S->next >= S->ntasks + (size_t)S->refit_task) {
            pthread_mutex_unlock(&S->mu);
            free(sc.X);
            return NULL;
        }
        t = S->next++;
        pthread_mutex_unlock(&S->mu);
        if (S->refit_task) {
            if (t == 0) { /* the longest task (all rows) first */
                S->refit_err = mqttids_model_train(S->ds, S->rows, S->n, &S->refit_opts, &S->refit_model,
                                                   S->refit_errbuf);
                pthread_mutex_lock(&S->mu);
                if (S->refit_err != MQTTIDS_OK)
                    S->stop = 1;
                pthread_mutex_unlock(&S->mu);
                continue;
            }
            t--;
        }
        run_task(S, t, &sc);
        pthread_mutex_lock(&S->mu);
        S->done++;
        if (S->err[t] != MQTTIDS_OK)
            S->stop = 1;
        if (S->progress && S->progress("cv", S->done, S->ntasks, S->progress_user))
            S->stop = 1;
        pthread_mutex_unlock(&S->mu);
    }
}

/* specs[0..ngrid) from "key=v1,v2,..." texts (values owned by specs); *npoints multiplied up. */
static mqttids_err parse_specs(const char *const *grid, size_t ngrid, cv_spec *specs, size_t *npoints, char *errbuf)
{
    for (size_t g = 0; g < ngrid; g++) {
        const char *eq = strchr(grid[g], '=');
        size_t kl = eq ? (size_t)(eq - grid[g]) : 0;
        if (!eq || kl == 0 || kl >= sizeof specs[g].key)
            return util__fail(errbuf, MQTTIDS_ERR_INVALID, "grid '%s' is not key=v1,v2,...", grid[g]);
        memcpy(specs[g].key, grid[g], kl);
        specs[g].key[kl] = '\0';
        specs[g].nv = split_values(eq + 1, specs[g].vals, CV_MAX_VALUES);
        if (specs[g].nv <= 0) {
            specs[g].nv = 0;
            return util__fail(errbuf, MQTTIDS_ERR_INVALID, "grid '%s': empty value or unbalanced brackets", grid[g]);
        }
        *npoints *= (size_t)specs[g].nv;
        if (*npoints > CV_MAX_POINTS)
            return util__fail(errbuf, MQTTIDS_ERR_INVALID, "grid too large (more than %d points)", CV_MAX_POINTS);
    }
    return MQTTIDS_OK;
}

mqttids_err mqttids_cv_grid_check(const mqttids_train_opts *base, const char *const *grid, size_t ngrid,
                                  char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    const ml_learner *L = ml__learner_find(base->kind ? base->kind : "lr");
    cv_spec *specs;
    size_t npoints = 1;
    mqttids_err err;
    if (!L)
        return util__fail(errbuf, MQTTIDS_ERR_INVALID, "unknown model kind '%s' (known: lr, rf, nn)", base->kind);
    if (ngrid > CV_MAX_SPECS)
        return util__fail(errbuf, MQTTIDS_ERR_INVALID, "at most %d grid parameters", CV_MAX_SPECS);
    specs = calloc(ngrid ? ngrid : 1, sizeof *specs);
    if (!specs)
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
    err = parse_specs(grid, ngrid, specs, &npoints, errbuf);
    /* every value on its own over the base parameters: names and ranges as training checks them */
    for (size_t g = 0; g < ngrid && err == MQTTIDS_OK; g++)
        for (int v = 0; v < specs[g].nv && err == MQTTIDS_OK; v++) {
            void *params = NULL;
            err = ml__params_build(L, base->params, base->nparams, &params, errbuf);
            if (err == MQTTIDS_OK)
                err = L->params_set(params, specs[g].key, specs[g].vals[v], errbuf);
            if (params)
                L->params_free(params);
        }
    for (size_t g = 0; g < ngrid; g++)
        for (int v = 0; v < specs[g].nv; v++)
            free(specs[g].vals[v]);
    free(specs);
    return err;
}

/* Grid point pt (the last grid parameter varies fastest): its learner parameters (base
   and the point's values) and its description "key=value ...", fold scores allocated. */
static mqttids_err build_point(const ml_learner *L, const mqttids_train_opts *base, const cv_spec *specs,
                               size_t ngrid, size_t pt, int folds, void **params, mqttids_cv_point *P,
                               char *errbuf)
{
    char desc[2048];
    size_t o = 0, rem = pt;
    mqttids_err err;
    size_t *pos = malloc((ngrid ? ngrid : 1) * sizeof *pos);
    if (!pos)
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
    for (size_t g = ngrid; g-- > 0;) {
        pos[g] = rem % (size_t)specs[g].nv;
        rem /= (size_t)specs[g].nv;
    }
    desc[0] = '\0';
    err = ml__params_build(L, base->params, base->nparams, params, errbuf);
    for (size_t g = 0; g < ngrid && err == MQTTIDS_OK; g++) {
        err = L->params_set(*params, specs[g].key, specs[g].vals[pos[g]], errbuf);
        if (o < sizeof desc)
            o += (size_t)snprintf(desc + o, sizeof desc - o, "%s%s=%s", g ? " " : "", specs[g].key,
                                  specs[g].vals[pos[g]]);
    }
    free(pos);
    if (err != MQTTIDS_OK)
        return err;
    P->params = malloc(strlen(desc) + 1);
    P->fold_scores = calloc((size_t)folds, sizeof(double));
    if (!P->params || !P->fold_scores)
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
    memcpy(P->params, desc, strlen(desc) + 1);
    return MQTTIDS_OK;
}

/* The rows (all of ds without rows_in), their labels and folds, the pipeline fitted on
   them and their feature matrix X (n x *d). The caller frees what is set, also on error. */
static mqttids_err prepare_data(const mqttids_dataset *ds, const size_t *rows_in, size_t n,
                                const mqttids_train_opts *base, const mqttids_cv_opts *cv, size_t **rowsp,
                                int **yp, int **foldp, mqttids_pipeline **pipe, double **Xp, size_t *d,
                                char *errbuf)
{
    const int8_t *lab = mqttids_dataset_labels(ds);
    mqttids_err err;
    size_t *rows = *rowsp = malloc(n * sizeof *rows);
    int *y = *yp = malloc(n * sizeof *y);
    int *fold = *foldp = malloc(n * sizeof *fold);
    if (!rows || !y || !fold)
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        rows[i] = rows_in ? rows_in[i] : i;
        y[i] = lab[rows[i]];
        if (y[i] < 0 || y[i] >= MQTTIDS_NCLASS)
            return util__fail(errbuf, MQTTIDS_ERR_INVALID, "training row %zu has no label (target column)", rows[i]);
    }
    if ((err = mqttids_cv_folds(y, n, cv->folds, cv->stratified, base->seed, fold)) != MQTTIDS_OK) {
        util__fail(errbuf, err, "cannot assign folds");
        return err;
    }
    if ((err = mqttids_pipeline_fit(ds, rows, n, &base->pipeline, pipe, errbuf)) != MQTTIDS_OK)
        return err;
    *d = mqttids_pipeline_nfeatures(*pipe);
    *Xp = malloc(n * *d * sizeof **Xp);
    if (!*Xp)
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
    return mqttids_pipeline_transform(*pipe, ds, rows, n, *Xp, NULL, errbuf);
}

/* Runs every (point, fold) task (and the refit task) on up to nthreads threads; the first
   task's error, the refit's error or an interruption is the result. */
static mqttids_err run_tasks(cv_shared *S, int nthreads, int folds, char *errbuf)
{
    pthread_mutex_init(&S->mu, NULL);
    {
        size_t ntot = S->ntasks + (size_t)S->refit_task;
        int nw = (size_t)nthreads < ntot ? nthreads : (int)ntot, started[64] = {0};
        pthread_t th[64];
        if (nw > 64)
            nw = 64;
        for (int t = 1; t < nw; t++)
            started[t] = pthread_create(&th[t], NULL, cv_worker, S) == 0;
        cv_worker(S);
        for (int t = 1; t < nw; t++)
            if (started[t])
                pthread_join(th[t], NULL);
    }
    pthread_mutex_destroy(&S->mu);
    for (size_t t = 0; t < S->ntasks; t++)
        if (S->err[t] != MQTTIDS_OK)
            return util__fail(errbuf, S->err[t], "cross-validation (point %zu, fold %zu): %s", t / (size_t)folds + 1,
                              t % (size_t)folds + 1, S->errbuf[t]);
    if (S->refit_task && S->refit_err != MQTTIDS_OK)
        return util__fail(errbuf, S->refit_err, "%s", S->refit_errbuf);
    if (S->done < S->ntasks)
        return util__fail(errbuf, MQTTIDS_ERR_INTERRUPTED, "cross-validation interrupted");
    return MQTTIDS_OK;
}

/* Each point's fold scores, means and standard deviation; R->best is the best mean. */
static void score_points(const cv_shared *S, const mqttids_cv_opts *cv, mqttids_cv_result *R)
{
    for (size_t pt = 0; pt < R->npoints; pt++) {
        mqttids_cv_point *P = &R->points[pt];
        double s = 0, sa = 0, sf = 0, q = 0;
        for (int f = 0; f < cv->folds; f++) {
            size_t t = pt * (size_t)cv->folds + (size_t)f;
            double v = cv->metric == MQTTIDS_METRIC_MACRO_F1 ? S->f1[t] : S->acc[t];
            P->fold_scores[f] = v;
            s += v;
            sa += S->acc[t];
            sf += S->f1[t];
            P->seconds += S->secs[t];
        }
        P->mean = s / cv->folds;
        P->mean_accuracy = sa / cv->folds;
        P->mean_macro_f1 = sf / cv->folds;
        for (int f = 0; f < cv->folds; f++)
            q += (P->fold_scores[f] - P->mean) * (P->fold_scores[f] - P->mean);
        P->std = cv->folds > 1 ? sqrt(q / (cv->folds - 1)) : 0.0;
        if (P->mean > R->points[R->best].mean)
            R->best = pt;
    }
}

/* Trains *best on all rows with the base parameters and grid point bestpt's values. */
static mqttids_err refit_best(const mqttids_dataset *ds, const size_t *rows, size_t n,
                              const mqttids_train_opts *base, const cv_spec *specs, size_t ngrid, size_t bestpt,
                              mqttids_model **best, char *errbuf)
{
    size_t nkv = base->nparams + ngrid, rem = bestpt;
    const char **kv = calloc(nkv ? nkv : 1, sizeof *kv);
    char **own = calloc(ngrid ? ngrid : 1, sizeof *own);
    mqttids_train_opts o = *base;
    mqttids_err err;
    if (!kv || !own) {
        free(kv);
        free(own);
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < base->nparams; i++)
        kv[i] = base->params[i];
    for (size_t g = ngrid; g-- > 0;) {
        size_t v = rem % (size_t)specs[g].nv;
        size_t len = strlen(specs[g].key) + strlen(specs[g].vals[v]) + 2;
        rem /= (size_t)specs[g].nv;
        own[g] = malloc(len);
        if (own[g])
            snprintf(own[g], len, "%s=%s", specs[g].key, specs[g].vals[v]);
        kv[base->nparams + g] = own[g] ? own[g] : "";
    }
    o.params = kv;
    o.nparams = nkv;
    err = mqttids_model_train(ds, rows, n, &o, best, errbuf);
    for (size_t g = 0; g < ngrid; g++)
        free(own[g]);
    free(own);
    free(kv);
    return err;
}

mqttids_err mqttids_cv_grid(const mqttids_dataset *ds, const size_t *rows_in, size_t n,
                            const mqttids_train_opts *base, const char *const *grid, size_t ngrid,
                            const mqttids_cv_opts *cv_in, mqttids_cv_result **res, mqttids_model **best,
                            char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    mqttids_cv_opts cv;
    const ml_learner *L;
    cv_spec *specs = NULL;
    size_t npoints = 1, *rows = NULL;
    int *y = NULL, *fold = NULL;
    double *X = NULL;
    mqttids_pipeline *pipe = NULL;
    mqttids_cv_result *R = NULL;
    cv_shared S;
    mqttids_err err = MQTTIDS_OK;
    int nthreads = base->nthreads > 0 ? base->nthreads : 1;

    memset(&S, 0, sizeof S);
    *res = NULL;
    if (best)
        *best = NULL;
    if (cv_in)
        cv = *cv_in;
    else
        mqttids_cv_opts_init(&cv);
    L = ml__learner_find(base->kind ? base->kind : "lr");
    if (!L)
        return util__fail(errbuf, MQTTIDS_ERR_INVALID, "unknown model kind '%s' (known: lr, rf, nn)", base->kind);
    if (!rows_in)
        n = mqttids_dataset_nrows(ds);
    if (cv.folds < 2 || (size_t)cv.folds > n)
        return util__fail(errbuf, MQTTIDS_ERR_INVALID, "cross-validation needs 2 <= folds <= rows (%d folds, %zu rows)",
                          cv.folds, n);
    if (ngrid > CV_MAX_SPECS)
        return util__fail(errbuf, MQTTIDS_ERR_INVALID, "at most %d grid parameters", CV_MAX_SPECS);

    /* grid */
    specs = calloc(ngrid ? ngrid : 1, sizeof *specs);
    if (!specs)
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
    if ((err = parse_specs(grid, ngrid, specs, &npoints, errbuf)) != MQTTIDS_OK)
        goto out;

    R = calloc(1, sizeof *R);
    if (!R || !(R->points = calloc(npoints, sizeof *R->points)) ||
        !(S.params = calloc(npoints, sizeof *S.params))) {
        err = util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
        goto out;
    }
    R->folds = cv.folds;
    R->metric = cv.metric;
    R->npoints = npoints;
    for (size_t pt = 0; pt < npoints && err == MQTTIDS_OK; pt++)
        err = build_point(L, base, specs, ngrid, pt, cv.folds, &S.params[pt], &R->points[pt], errbuf);
    if (err != MQTTIDS_OK)
        goto out;

    /* data: labels, folds, pipeline, X */
    err = prepare_data(ds, rows_in, n, base, &cv, &rows, &y, &fold, &pipe, &X, &S.d, errbuf);
    if (err != MQTTIDS_OK)
        goto out;

    /* tasks */
    S.L = L;
    S.X = X;
    S.y = y;
    S.fold = fold;
    S.n = n;
    S.k = MQTTIDS_NCLASS;
    S.folds = cv.folds;
    S.balanced = base->balanced;
    S.seed = base->seed;
    S.ntasks = npoints * (size_t)cv.folds;
    S.inner_threads = (size_t)nthreads > S.ntasks ? (int)((size_t)nthreads / S.ntasks) : 1;
    S.progress = base->progress;
    S.progress_user = base->progress_user;
    S.acc = calloc(S.ntasks, sizeof *S.acc);
    S.f1 = calloc(S.ntasks, sizeof *S.f1);
    S.secs = calloc(S.ntasks, sizeof *S.secs);
    S.err = calloc(S.ntasks, sizeof *S.err);
    S.errbuf = calloc(S.ntasks, sizeof *S.errbuf);
    if (!S.acc || !S.f1 || !S.secs || !S.err || !S.errbuf) {
        err = util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
        goto out;
    }
    /* Without a grid the refit's parameters are known before the folds are scored: it
       runs as one more task (one thread, no progress callback: the pool reports progress),
       so the other thread is not idle while it trains on all rows. */
    if (cv.refit && best && npoints == 1 && ngrid == 0 && nthreads > 1) {
        S.refit_task = 1;
        S.ds = ds;
        S.rows = rows;
        S.refit_opts = *base;
        S.refit_opts.nthreads = 1;
        S.refit_opts.progress = NULL;
        S.refit_opts.progress_user = NULL;
    }
    err = run_tasks(&S, nthreads, cv.folds, errbuf);
    if (err != MQTTIDS_OK)
        goto out;
    score_points(&S, &cv, R);

    if (S.refit_task) {
        *best = S.refit_model;
        S.refit_model = NULL;
    } else if (cv.refit && best) {
        err = refit_best(ds, rows, n, base, specs, ngrid, R->best, best, errbuf);
        if (err != MQTTIDS_OK)
            goto out;
    }
    *res = R;
    R = NULL;
out:
    if (S.params) {
        for (size_t pt = 0; pt < npoints; pt++)
            if (S.params[pt])
                L->params_free(S.params[pt]);
        free(S.params);
    }
    free(S.acc);
    free(S.f1);
    free(S.secs);
    free(S.err);
    free(S.errbuf);
    mqttids_model_free(S.refit_model);
    for (size_t g = 0; g < ngrid && specs; g++)
        for (int v = 0; v < specs[g].nv; v++)
            free(specs[g].vals[v]);
    free(specs);
    free(rows);
    free(y);
    free(fold);
    free(X);
    mqttids_pipeline_free(pipe);
    mqttids_cv_result_free(R);
    return err;
}
