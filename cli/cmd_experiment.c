/*
 * cmd_experiment.c: "mqttids experiment": the study's whole Spark part in one command
 * (its sections 3, 4, 6): the exploration summary, baseline LR and RF through
 * 5-fold CV, the study's grids, test metrics and confusion matrix of every model, and
 * a final table beside the study's published figures.
 *
 * The models run are the rows of the `specs` table below; adding a model is one more row.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli_ml.h"
#include "cli_curves.h" /* --curves */
#include "cli_report.h" /* --report */

const char cmd_experiment_summary[] = "run the whole study: stats, baseline and tuned LR/RF with 5-fold CV, test tables";

#define EXP_CORE 1 /* always run */
#define EXP_NN 2   /* run with --nn */
#define EXP_BEYOND 4 /* models beyond the study: always run, shown apart from its comparison */

typedef struct exp_spec {
    const char *name;          /* row name in the tables */
    const char *kind;          /* learner kind */
    const char *params[8];     /* fixed parameters (NULL-terminated) */
    const char *grid[4];       /* grid specs, cross-validated (NULL-terminated; none: CV of params alone) */
    double study_test_acc;     /* the study's published test accuracy, NAN if none */
    int group;                 /* EXP_CORE, EXP_NN or EXP_BEYOND */
} exp_spec;

static const exp_spec specs[] = {
    {"LR baseline", "lr", {"regParam=0", NULL}, {NULL}, 0.8204, EXP_CORE},
    /* RF rows: Spark's binned splits and rules (the study ran Spark), not rf's default */
    {"RF baseline", "rf", {"splits=spark", NULL}, {NULL}, 0.8208, EXP_CORE},
    {"LR tuned", "lr", {NULL},
     {"regParam=0.01,0.5,1,2", "maxIter=100,500", "thresholds=[1.5,0.9,1,1,1,1],[1,1,1,1,1,1]", NULL}, 0.8159,
     EXP_CORE},
    {"RF tuned", "rf", {"splits=spark", NULL}, {"maxDepth=5,10,20,30", "maxBins=32,64", NULL}, 0.8967, EXP_CORE},
    /* the study's two networks (its section 5), run with --nn (slow) */
    {"NN model 1", "nn", {"layers=16", "epochs=20", "batchSize=64", "lr=0.001", NULL}, {NULL}, 0.8272, EXP_NN},
    {"NN model 1 tuned", "nn", {"layers=16", "epochs=20", "gamma=0.995", NULL},
     {"lr=0.1,0.01,0.001", "batchSize=32,64,128", NULL}, 0.8273, EXP_NN},
    {"NN model 2", "nn", {"layers=16,16,16,8", "epochs=20", "batchSize=64", "lr=0.001", NULL}, {NULL}, 0.8274, EXP_NN},
    {"NN model 2 tuned", "nn", {"layers=16,16,16,8", "epochs=30", "gamma=0.995", NULL},
     {"lr=0.1,0.01,0.001", "batchSize=32,64,128", NULL}, 0.8274, EXP_NN},
    /* gradient-boosted trees (xgboost's defaults otherwise), not in the study */
    {"GBT", "gbt", {NULL}, {"maxDepth=4,6", NULL}, NAN, EXP_BEYOND},
};
#define NSPECS (sizeof specs / sizeof specs[0])

#define EXP_MAX_SEEDS 100 /* --seeds */

typedef struct exp_result {
    int ran;                   /* 0: skipped (learner not built, or group off) */
    char why[MQTTIDS_ERRBUF_SIZE + 16];
    mqttids_cv_result *cv;
    mqttids_metrics test, train;
    int has_test;
    char best_params[1024];
    double seconds;
    json_object *extra;        /* owned: "features", "importances", "dropped", "curve" for the JSON */
    /* test accuracy and macro-F1 of the whole row (CV, best point refitted) run
       with seeds seed, seed + 1, ...; [0] is the run above */
    double seed_acc[EXP_MAX_SEEDS], seed_f1[EXP_MAX_SEEDS];
    int nseeds;
} exp_result;

/* Mean and sample standard deviation of v[0..n). */
static void mean_sd(const double *v, int n, double *mean, double *sd)
{
    double s = 0.0, q = 0.0;
    for (int i = 0; i < n; i++)
        s += v[i];
    *mean = s / n;
    for (int i = 0; i < n; i++)
        q += (v[i] - *mean) * (v[i] - *mean);
    *sd = n > 1 ? sqrt(q / (n - 1)) : 0.0;
}

/* {"mean", "std", "values"} of v[0..n). */
static json_object *spread_json(const double *v, int n)
{
    json_object *o = json_object_new_object(), *a = json_object_new_array();
    double mean, sd;
    mean_sd(v, n, &mean, &sd);
    for (int i = 0; i < n; i++)
        json_object_array_add(a, cli_json_double(v[i]));
    json_object_object_add(o, "mean", cli_json_double(mean));
    json_object_object_add(o, "std", cli_json_double(sd));
    json_object_object_add(o, "values", a);
    return o;
}

static void help(void)
{
    printf("Usage: mqttids experiment --train PATH... --test PATH... [options]\n"
           "Runs the study (its sections 3, 4, 6): the exploration summary, baseline logistic\n"
           "regression and random forest through k-fold CV, the study's grids (LR regParam x maxIter x\n"
           "thresholds, RF maxDepth x maxBins), each best model refitted on all train rows and scored\n"
           "on the test rows (metrics and confusion matrix), and a final comparison with the study's\n"
           "published accuracies. Gradient-boosted trees (GBT, grid maxDepth 4,6) run as a model\n"
           "beyond the study and are shown apart. Progress goes to stderr on a terminal.\n\n"
           "Options:\n"
           "      --folds K         k-fold CV (default 5)\n"
           "      --stratified      stratified folds (default random, as Spark)\n"
           "      --metric accuracy|f1  metric that picks the best grid point (default accuracy)\n"
           "      --only NAMES      run only these rows, e.g. --only lr or --only 'LR tuned'\n"
           "                        (comma list; a kind selects all its rows)\n"
           "      --nn              also the study's two networks (slow)\n"
           "      --seeds N         run every row with seeds S..S+N-1 (S: --seed) and report the mean\n"
           "                        +- s.d. of test accuracy and macro-F1 beside the study's (default 1)\n"
           "      --curves PREFIX   nn: write each network's curves to PREFIX-<row>.csv/.svg\n"
           "      --json            machine-readable result on stdout\n"
           "      --report FILE     also write a self-contained HTML report (charts as inline SVG)\n"
           "      --svg-dir DIR     with --report: also write each chart as DIR/<chart>.svg\n"
           "  -q, --quiet           no progress or info lines\n"
           "  -h, --help            this help\n\n" CLI_ML_HELP "\n" CLI_INPUT_HELP);
}

static int selected(const exp_spec *s, const char *only)
{
    const char *p = only;
    if (!only)
        return 1;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if ((strlen(s->kind) == len && strncmp(s->kind, p, len) == 0) ||
            (strlen(s->name) == len && strncasecmp(s->name, p, len) == 0))
            return 1;
        if (!e)
            break;
        p = e + 1;
    }
    return 0;
}

static void print_stats(const mqttids_stats *s)
{
    size_t nz = 0;
    printf("== Data (the study's sections 2-3)\n");
    printf("  %-12s %10s %10s\n", "class", "train", "test");
    for (int k = 0; k < MQTTIDS_NCLASS; k++)
        printf("  %-12s %10zu %10zu\n", mqttids_class_name(k), s->counts[MQTTIDS_SPLIT_TRAIN][k],
               s->counts[MQTTIDS_SPLIT_TEST][k]);
    if (!isnan(s->mean_mqtt_len_train))
        printf("  mean mqtt.len over train: %.6f\n", s->mean_mqtt_len_train);
    printf("  top tcp.flags:");
    for (size_t k = 0; k < s->ntop; k++)
        printf(" %s (%zu)", s->top_flags[k].value, s->top_flags[k].count);
    printf("\n  dropped by the >90%%-zeros rule (all rows):");
    for (size_t j = 0; j < s->ncols; j++)
        nz += s->cols[j].dropped_zero;
    printf(" %zu columns; by correlation:", nz);
    for (size_t j = 0; j < s->ncols; j++)
        if (s->cols[j].dropped_corr)
            printf(" %s (r=%.3f with %s)", s->cols[j].name, s->cols[j].corr_r, s->cols[s->cols[j].corr_with].name);
    printf("\n");
}

/*
 * The exploration's JSON is the library's (`stats --json`); the report also reads, under
 * the keys it always had, the dropped column lists, the rules' thresholds and each
 * column's rule as one line (docs/FORMATS.md "Experiment results").
 */
static json_object *stats_json(const mqttids_stats *s, const mqttids_stats_opts *so)
{
    json_object *o = cli_stats_json(s, so), *d = json_object_object_get(o, "dropped");
    json_object *cols = json_object_object_get(o, "columns");
    json_object_object_add(o, "dropped_zeros", json_object_get(json_object_object_get(d, "zeros")));
    json_object_object_add(o, "dropped_correlation", json_object_get(json_object_object_get(d, "correlation")));
    json_object_object_add(o, "zero_threshold", cli_json_double(so->zero_threshold));
    json_object_object_add(o, "corr_threshold", cli_json_double(so->corr_threshold));
    for (size_t j = 0; j < s->ncols && j < json_object_array_length(cols); j++) {
        char why[256] = "";
        if (s->cols[j].dropped_zero)
            snprintf(why, sizeof why, "zeros %.2f%%", 100.0 * s->cols[j].zero_share);
        else if (s->cols[j].dropped_corr)
            snprintf(why, sizeof why, "correlation r=%.3f with %s", s->cols[j].corr_r,
                     s->cols[s->cols[j].corr_with].name);
        json_object_object_add(json_object_array_get_idx(cols, j), "dropped",
                               why[0] ? json_object_new_string(why) : NULL);
    }
    return o;
}

/* What one run of the command was asked. */
typedef struct exp_cfg {
    cli_inputs in;
    cli_ml_opts mo;
    mqttids_stats_opts so;
    const char *only, *curves, *report_path, *svg_dir;
    int json, groups, nseeds;
} exp_cfg;

/* The data every row runs on. */
typedef struct exp_data {
    mqttids_dataset *ds;
    mqttids_stats *st;
    json_object *report; /* "inputs" of cli_inputs_load */
    size_t *trows, ntr, *srows, nte;
} exp_data;

/* Parses the options into c; returns -1 to go on, else the exit code. */
static int exp_options(int argc, char **argv, exp_cfg *c)
{
    static const struct option longopts[] = {
        {"folds", required_argument, NULL, 'k'},
        {"only", required_argument, NULL, 'O'},
        {"nn", no_argument, NULL, 'N'},
        {"seeds", required_argument, NULL, 'E'},
        {"curves", required_argument, NULL, 'C'},
        {"report", required_argument, NULL, 'R'},
        {"svg-dir", required_argument, NULL, 'S'},
        {NULL, 0, NULL, 0},
    };
    cli_opts co;
    int opt;

    co = CLI_OPTS(.cmd = "experiment", .help = help, .in = &c->in, .ml = &c->mo);
    while ((opt = cli_opts_next(&co, argc, argv, NULL, longopts)) != 0) {
        switch (opt) {
        case 'k':
            if (cli_parse_int_in("experiment", "--folds", optarg, 2, 100, &c->mo.cv.folds) != 0)
                return CLI_EXIT_USAGE;
            break;
        case 'O':
            c->only = optarg;
            break;
        case 'N':
            c->groups |= EXP_NN;
            break;
        case 'E':
            if (cli_parse_int_in("experiment", "--seeds", optarg, 1, EXP_MAX_SEEDS, &c->nseeds) != 0)
                return CLI_EXIT_USAGE;
            break;
        case 'C':
            c->curves = optarg;
            break;
        case 'R':
            c->report_path = optarg;
            break;
        case 'S':
            c->svg_dir = optarg;
            break;
        }
    }
    if (co.rc != CLI_OPT_NEXT)
        return co.rc;
    c->json = co.tail.json;
    if (c->svg_dir && !c->report_path)
        return cli_usage_error("experiment", "--svg-dir needs --report");
    if (c->mo.nparams)
        return cli_usage_error("experiment", "--param does not apply: the models and grids are the study's");
    if (c->only) {
        int any = 0;
        for (size_t i = 0; i < NSPECS; i++)
            any |= selected(&specs[i], c->only);
        if (!any)
            return cli_usage_error("experiment", "--only '%s' matches no model (lr, rf, nn, gbt or a row name)",
                                   c->only);
    }
    /* every output can be written, before minutes of work */
    if ((c->report_path && cli_out_check(c->report_path) != 0) || (c->svg_dir && cli_dir_make(c->svg_dir) != 0) ||
        (c->curves && cli_out_check_prefix(c->curves) != 0))
        return CLI_EXIT_FAIL;
    return -1;
}

/* Loads the inputs, the train and test rows and the exploration; returns an exit code. */
static int exp_load(exp_cfg *c, exp_data *d)
{
    char errbuf[MQTTIDS_ERRBUF_SIZE];
    int rc;
    d->report = json_object_new_object();
    rc = cli_inputs_load(&c->in, &d->ds, d->report);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (mqttids_dataset_split_rows(d->ds, MQTTIDS_SPLIT_TRAIN, &d->trows, &d->ntr) != MQTTIDS_OK ||
        mqttids_dataset_split_rows(d->ds, MQTTIDS_SPLIT_TEST, &d->srows, &d->nte) != MQTTIDS_OK) {
        cli_err("out of memory");
        return CLI_EXIT_FAIL;
    }
    if (d->ntr == 0 || d->nte == 0) {
        cli_err("experiment needs train rows (--train, or a train_flag column) and test rows (--test): "
                "got %zu train, %zu test", d->ntr, d->nte);
        return CLI_EXIT_USAGE;
    }
    c->so.zero_threshold = c->mo.train.pipeline.zero_threshold;
    c->so.corr_threshold = c->mo.train.pipeline.corr_threshold;
    if (mqttids_stats_compute(d->ds, &c->so, &d->st, errbuf) != MQTTIDS_OK) {
        cli_err("%s", errbuf);
        return CLI_EXIT_FAIL;
    }
    return CLI_EXIT_OK;
}

/* A network row's curve: into the row's JSON (docs/FORMATS.md models[].curve), and to
   PREFIX-<row>.csv/.svg with --curves. */
static void keep_curve(const exp_cfg *c, const exp_spec *s, exp_result *R, const mqttids_curve *curve,
                       const mqttids_model *best)
{
    if (!R->extra)
        R->extra = json_object_new_object();
    json_object_object_add(R->extra, "curve", cli_json_take(mqttids_curve_json(curve)));
    cli_info("%s: kept epoch %d of %zu (best accuracy on the test rows, the study's checkpoint)", s->name,
             curve->best_epoch + 1, curve->n);
    if (c->curves) {
        char path[1024], title[256];
        size_t k = (size_t)snprintf(path, sizeof path, "%s-", c->curves);
        for (const char *p = s->name; *p && k + 1 < sizeof path; p++)
            path[k++] = (*p == ' ') ? '_' : *p;
        path[k] = '\0';
        snprintf(title, sizeof title, "%s (%s)", s->name, best ? mqttids_model_params(best) : "failed");
        if (cli_curves_write(path, title, curve) == 0)
            cli_info("wrote %s.csv and %s.svg", path, path);
    }
}

/* The refitted model's feature names, dropped columns and importances, for the report. */
static void keep_model(exp_result *R, const mqttids_model *best)
{
    json_object *mj = cli_json_take(mqttids_model_json(best)); /* its "features" and "dropped", as train --json */
    size_t nf = mqttids_pipeline_nfeatures(mqttids_model_pipeline(best));
    double *imp = calloc(nf ? nf : 1, sizeof *imp);
    if (!R->extra)
        R->extra = json_object_new_object();
    json_object_object_add(R->extra, "features", json_object_get(json_object_object_get(mj, "features")));
    json_object_object_add(R->extra, "dropped", json_object_get(json_object_object_get(mj, "dropped")));
    json_object_put(mj);
    if (imp && mqttids_model_importances(best, imp) == MQTTIDS_OK) {
        json_object *ia = json_object_new_array();
        for (size_t j = 0; j < nf; j++)
            json_object_array_add(ia, cli_json_double(imp[j]));
        json_object_object_add(R->extra, "importances", ia);
    }
    free(imp);
}

/* The same row again with seeds seed + 1 .. seed + nseeds - 1: test accuracy and macro-F1
   of each (CV, best point refitted); returns 0 or -1 (printed). */
static int run_seeds(const exp_cfg *c, const exp_data *d, const exp_spec *s, const mqttids_train_opts *o,
                     size_t ng, exp_result *R)
{
    char errbuf[MQTTIDS_ERRBUF_SIZE];
    for (int j = 1; j < c->nseeds; j++) {
        mqttids_train_opts oj = *o;
        mqttids_cv_result *cvj = NULL;
        mqttids_model *bj = NULL;
        mqttids_metrics mj;
        mqttids_err err;
        oj.seed = o->seed + (uint64_t)j;
        oj.curve = NULL;
        cli_info("%s: seed %llu (%d of %d)", s->name, (unsigned long long)oj.seed, j + 1, c->nseeds);
        err = mqttids_cv_grid(d->ds, d->trows, d->ntr, &oj, s->grid, ng, &c->mo.cv, &cvj, &bj, errbuf);
        cli_progress_done();
        if (err == MQTTIDS_OK)
            err = mqttids_model_evaluate(bj, d->ds, d->srows, d->nte, o->nthreads, &mj, NULL, errbuf);
        mqttids_cv_result_free(cvj);
        mqttids_model_free(bj);
        if (err != MQTTIDS_OK) {
            cli_err("%s, seed %llu: %s", s->name, (unsigned long long)oj.seed, errbuf);
            return -1;
        }
        R->seed_acc[j] = mj.accuracy;
        R->seed_f1[j] = mj.macro_f1;
        R->nseeds = j + 1;
    }
    return 0;
}

/* One row's CV, refitted model and test metrics as text. */
static void print_row(const exp_cfg *c, const exp_spec *s, const exp_result *R, size_t ng,
                      const mqttids_model *best)
{
    const char *metric = c->mo.cv.metric == MQTTIDS_METRIC_MACRO_F1 ? "macro-F1" : "accuracy";
    printf("\n== %s (%s)\n", s->name, s->kind);
    if (ng) {
        printf("  %d-fold CV, %s per grid point (mean +- std):\n", c->mo.cv.folds, metric);
        for (size_t p = 0; p < R->cv->npoints; p++)
            printf("  %s %.4f +- %.4f  %s\n", p == R->cv->best ? "*" : " ", R->cv->points[p].mean,
                   R->cv->points[p].std, R->cv->points[p].params);
    } else {
        printf("  %d-fold CV %s: %.4f +- %.4f\n", c->mo.cv.folds, metric, R->cv->points[0].mean, R->cv->points[0].std);
    }
    printf("  refitted on all train rows: %s\n  train accuracy %.4f\n", mqttids_model_params(best), R->train.accuracy);
    mqttids_metrics_write_text(stdout, "  test", &R->test);
    printf("  (%.1f s)\n", R->seconds);
}

/* Runs one row: CV over its grid, the best point refitted on all train rows, scored on
   train and test rows, again for every further seed. Returns 0 (ran or skipped, R says
   which) or -1 (printed). */
static int run_row(const exp_cfg *c, const exp_data *d, const exp_spec *s, exp_result *R)
{
    mqttids_train_opts o = c->mo.train;
    mqttids_model *best = NULL;
    mqttids_curve curve = {NULL, 0, -1, 0};
    size_t np = 0, ng = 0;
    double t0 = cli_now();
    char errbuf[MQTTIDS_ERRBUF_SIZE];
    mqttids_err err;
    int rc = -1;

    while (np < 8 && s->params[np])
        np++;
    while (ng < 4 && s->grid[ng])
        ng++;
    o.kind = s->kind;
    o.params = s->params;
    o.nparams = np;
    /* the study's checkpoint: the refitted network keeps the epoch with the best accuracy
       on the test rows (its validation set, as the study did); curves of it */
    if (strcmp(s->kind, "nn") == 0) {
        o.val_rows = d->srows;
        o.n_val = d->nte;
        o.curve = &curve;
    }
    cli_info("%s: %d-fold CV over %s", s->name, c->mo.cv.folds, ng ? "the study's grid" : "the baseline parameters");
    err = mqttids_cv_grid(d->ds, d->trows, d->ntr, &o, s->grid, ng, &c->mo.cv, &R->cv, &best, errbuf);
    cli_progress_done();
    if (curve.epochs)
        keep_curve(c, s, R, &curve, best);
    free(curve.epochs);
    if (err == MQTTIDS_ERR_UNSUPPORTED) {
        snprintf(R->why, sizeof R->why, "skipped: %s", errbuf);
        cli_info("%s: %s", s->name, R->why);
        return 0;
    }
    if (err != MQTTIDS_OK) {
        cli_err("%s: %s", s->name, errbuf);
        return -1;
    }
    R->ran = 1;
    snprintf(R->best_params, sizeof R->best_params, "%s", R->cv->points[R->cv->best].params);
    if (mqttids_model_evaluate(best, d->ds, d->srows, d->nte, o.nthreads, &R->test, NULL, errbuf) != MQTTIDS_OK ||
        mqttids_model_evaluate(best, d->ds, d->trows, d->ntr, o.nthreads, &R->train, NULL, errbuf) != MQTTIDS_OK) {
        cli_err("%s: %s", s->name, errbuf);
        goto out;
    }
    R->has_test = 1;
    R->seconds = cli_now() - t0;
    R->seed_acc[0] = R->test.accuracy;
    R->seed_f1[0] = R->test.macro_f1;
    R->nseeds = 1;
    if (run_seeds(c, d, s, &o, ng, R) != 0)
        goto out;
    keep_model(R, best);
    if (!c->json)
        print_row(c, s, R, ng, best);
    rc = 0;
out:
    mqttids_model_free(best);
    return rc;
}

/* One row of the results JSON (docs/FORMATS.md "Experiment results"). */
static json_object *row_json(const exp_cfg *c, const exp_spec *s, const exp_result *R)
{
    json_object *e = json_object_new_object();
    json_object_object_add(e, "name", json_object_new_string(s->name));
    json_object_object_add(e, "kind", json_object_new_string(s->kind));
    json_object_object_add(e, "study_test_accuracy", cli_json_double(s->study_test_acc));
    if (s->group == EXP_BEYOND)
        json_object_object_add(e, "beyond_study", json_object_new_boolean(1));
    if (!R->ran) {
        json_object_object_add(e, "skipped", json_object_new_string(R->why));
        return e;
    }
    json_object_object_add(e, "cv", cli_json_take(mqttids_cv_json(R->cv)));
    json_object_object_add(e, "best_params", json_object_new_string(R->best_params));
    json_object_object_add(e, "train_accuracy", cli_json_double(R->train.accuracy));
    json_object_object_add(e, "test", cli_json_take(mqttids_metrics_json(&R->test)));
    json_object_object_add(e, "seconds", cli_json_double(R->seconds));
    if (R->nseeds > 1) {
        json_object *sj = json_object_new_object();
        json_object_object_add(sj, "n", json_object_new_int(R->nseeds));
        json_object_object_add(sj, "first", json_object_new_int64((int64_t)c->mo.train.seed));
        json_object_object_add(sj, "test_accuracy", spread_json(R->seed_acc, R->nseeds));
        json_object_object_add(sj, "test_macro_f1", spread_json(R->seed_f1, R->nseeds));
        json_object_object_add(e, "seeds", sj);
    }
    if (R->extra) {
        json_object_object_foreach(R->extra, ek, ev)
            json_object_object_add(e, ek, json_object_get(ev));
    }
    return e;
}

/* The results JSON: on stdout with --json, as the HTML report with --report. Returns an exit code. */
static int write_results(const exp_cfg *c, const exp_data *d, const exp_result *res, double seconds)
{
    json_object *o = json_object_new_object(), *arr = json_object_new_array();
    int rc = CLI_EXIT_OK;
    json_object_object_add(o, "stats", stats_json(d->st, &c->so));
    for (size_t i = 0; i < NSPECS; i++)
        if (res[i].ran || res[i].why[0])
            json_object_array_add(arr, row_json(c, &specs[i], &res[i]));
    json_object_object_add(o, "models", arr);
    json_object_object_add(o, "seconds", cli_json_double(seconds));
    json_object_object_add(o, "inputs", json_object_get(json_object_object_get(d->report, "inputs")));
    if (c->json)
        cli_json_print(o);
    if (c->report_path && cli_report_write(o, c->report_path, c->svg_dir) != 0)
        rc = CLI_EXIT_FAIL;
    else if (c->report_path)
        cli_info("wrote %s", c->report_path);
    json_object_put(o);
    return rc;
}

/* The rows ran with every seed: mean +- s.d. of test accuracy and macro-F1. */
static void print_seeds(const exp_cfg *c, const exp_result *res)
{
    printf("  over %d seeds (%llu..%llu; each: CV, best point refitted, test rows), mean +- s.d.:\n", c->nseeds,
           (unsigned long long)c->mo.train.seed, (unsigned long long)(c->mo.train.seed + (uint64_t)c->nseeds - 1));
    printf("  %-18s %17s %17s  %-10s\n", "model", "test accuracy", "test macro-F1", "study test");
    for (size_t i = 0; i < NSPECS; i++) {
        double ma, sa, mf, sf;
        if (!res[i].ran)
            continue;
        mean_sd(res[i].seed_acc, res[i].nseeds, &ma, &sa);
        mean_sd(res[i].seed_f1, res[i].nseeds, &mf, &sf);
        printf("  %-18s %8.4f +- %.4f %8.4f +- %.4f  ", specs[i].name, ma, sa, mf, sf);
        if (isnan(specs[i].study_test_acc))
            printf("-\n");
        else
            printf("%.4f\n", specs[i].study_test_acc);
    }
}

/* The final tables: every study row beside the study's figure, recall per class, and the
   rows beyond the study apart. */
static void print_comparison(const exp_cfg *c, const exp_result *res, double seconds)
{
    printf("\n== Comparison (test rows; the study's published figures)\n");
    printf("  %-18s %17s %9s %9s %9s  %-10s %s\n", "model", "CV mean +- std", "train", "test", "macro-F1",
           "study test", "best parameters");
    for (size_t i = 0; i < NSPECS; i++) {
        char study[16];
        if (!res[i].ran || specs[i].group == EXP_BEYOND)
            continue;
        if (isnan(specs[i].study_test_acc))
            snprintf(study, sizeof study, "-");
        else
            snprintf(study, sizeof study, "%.4f", specs[i].study_test_acc);
        printf("  %-18s %8.4f +- %.4f %9.4f %9.4f %9.4f  %-10s %s\n", specs[i].name,
               res[i].cv->points[res[i].cv->best].mean, res[i].cv->points[res[i].cv->best].std,
               res[i].train.accuracy, res[i].test.accuracy, res[i].test.macro_f1, study,
               *res[i].best_params ? res[i].best_params : "(study's baseline)");
    }
    if (c->nseeds > 1)
        print_seeds(c, res);
    printf("  recall per class on test (what the study did not look at):\n  %-18s", "");
    for (int k = 0; k < MQTTIDS_NCLASS; k++)
        printf(" %10.10s", mqttids_class_name(k));
    printf("\n");
    for (size_t i = 0; i < NSPECS; i++) {
        if (!res[i].ran)
            continue;
        printf("  %-18s", specs[i].name);
        for (int k = 0; k < MQTTIDS_NCLASS; k++)
            printf(" %10.4f", res[i].test.recall[k]);
        printf("\n");
    }
    for (size_t i = 0, head = 0; i < NSPECS; i++) {
        if (!res[i].ran || specs[i].group != EXP_BEYOND)
            continue;
        if (!head++)
            printf("\n== Beyond the study (same train/test rows, not part of its comparison)\n"
                   "  %-18s %17s %9s %9s %9s  %s\n", "model", "CV mean +- std", "train", "test", "macro-F1",
                   "best parameters");
        printf("  %-18s %8.4f +- %.4f %9.4f %9.4f %9.4f  %s\n", specs[i].name,
               res[i].cv->points[res[i].cv->best].mean, res[i].cv->points[res[i].cv->best].std,
               res[i].train.accuracy, res[i].test.accuracy, res[i].test.macro_f1, res[i].best_params);
    }
    printf("  total %.1f s\n", seconds);
}

int cmd_experiment(int argc, char **argv)
{
    exp_cfg c;
    exp_data d;
    exp_result res[NSPECS];
    double t_all = cli_now();
    int rc;

    memset(&c, 0, sizeof c);
    memset(&d, 0, sizeof d);
    memset(res, 0, sizeof res);
    cli_inputs_init(&c.in);
    cli_ml_init(&c.mo);
    mqttids_stats_opts_init(&c.so);
    c.groups = EXP_CORE | EXP_BEYOND;
    c.nseeds = 1;
    if ((rc = exp_options(argc, argv, &c)) >= 0)
        return rc;
    rc = exp_load(&c, &d);
    if (rc != CLI_EXIT_OK)
        goto out;
    if (!c.json)
        print_stats(d.st);
    for (size_t i = 0; i < NSPECS; i++) {
        if (!(specs[i].group & c.groups) || !selected(&specs[i], c.only))
            continue;
        if (run_row(&c, &d, &specs[i], &res[i]) != 0) {
            rc = CLI_EXIT_FAIL;
            goto out;
        }
    }
    if (c.json || c.report_path)
        rc = write_results(&c, &d, res, cli_now() - t_all);
    if (!c.json)
        print_comparison(&c, res, cli_now() - t_all);
out:
    for (size_t i = 0; i < NSPECS; i++) {
        mqttids_cv_result_free(res[i].cv);
        json_object_put(res[i].extra);
    }
    json_object_put(d.report);
    mqttids_stats_free(d.st);
    free(d.trows);
    free(d.srows);
    mqttids_dataset_free(d.ds);
    return rc;
}
