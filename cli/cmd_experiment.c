/*
 * cmd_experiment.c: "mqttids experiment": the study's whole Spark part in one command
 * (STUDY.md sections 3, 4, 6): the exploration summary, baseline LR and RF through
 * 5-fold CV, the study's grids, test metrics and confusion matrix of every model, and
 * a final table beside the study's published figures.
 *
 * The models run are the rows of the `specs` table below; adding a model (e.g. the
 * study's networks) is one more row.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli_ml.h"
#include "cli_curves.h" /* [nn] --curves */
#include "cli_report.h" /* [report] --report */

const char cmd_experiment_summary[] = "run the whole study: stats, baseline and tuned LR/RF with 5-fold CV, test tables";

#define EXP_CORE 1 /* always run */
#define EXP_NN 2   /* run with --nn */
#define EXP_BEYOND 4 /* [gbt] models beyond the study: always run, shown apart from its comparison */

typedef struct exp_spec {
    const char *name;          /* row name in the tables */
    const char *kind;          /* learner kind */
    const char *params[8];     /* fixed parameters (NULL-terminated) */
    const char *grid[4];       /* grid specs, cross-validated (NULL-terminated; none: CV of params alone) */
    double study_test_acc;     /* the study's published test accuracy (STUDY.md), NAN if none */
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
    /*
     * NN HOOK: the study's two networks (STUDY.md section 5), run with --nn. The nn
     * learner's owner tunes these rows (epochs, gamma, validation) and may make --nn the
     * default by adding EXP_NN to the default group mask in cmd_experiment().
     */
    {"NN model 1", "nn", {"layers=16", "epochs=20", "batchSize=64", "lr=0.001", NULL}, {NULL}, 0.8272, EXP_NN},
    {"NN model 1 tuned", "nn", {"layers=16", "epochs=20", "gamma=0.995", NULL},
     {"lr=0.1,0.01,0.001", "batchSize=32,64,128", NULL}, 0.8273, EXP_NN},
    {"NN model 2", "nn", {"layers=16,16,16,8", "epochs=20", "batchSize=64", "lr=0.001", NULL}, {NULL}, 0.8274, EXP_NN},
    {"NN model 2 tuned", "nn", {"layers=16,16,16,8", "epochs=30", "gamma=0.995", NULL},
     {"lr=0.1,0.01,0.001", "batchSize=32,64,128", NULL}, 0.8274, EXP_NN},
    /* [gbt] gradient-boosted trees (xgboost's defaults otherwise), not in the study */
    {"GBT", "gbt", {NULL}, {"maxDepth=4,6", NULL}, NAN, EXP_BEYOND},
};
#define NSPECS (sizeof specs / sizeof specs[0])

#define EXP_MAX_SEEDS 100 /* [seeds] */

typedef struct exp_result {
    int ran;                   /* 0: skipped (learner not built, or group off) */
    char why[MQTTIDS_ERRBUF_SIZE + 16];
    mqttids_cv_result *cv;
    mqttids_metrics test, train;
    int has_test;
    char best_params[1024];
    double seconds;
    json_object *extra;        /* [report] owned: "features", "importances", "dropped", "curve" for the JSON */
    /* [seeds] test accuracy and macro-F1 of the whole row (CV, best point refitted) run
       with seeds seed, seed + 1, ...; [0] is the run above */
    double seed_acc[EXP_MAX_SEEDS], seed_f1[EXP_MAX_SEEDS];
    int nseeds;
} exp_result;

/* [seeds] Mean and sample standard deviation of v[0..n). */
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

/* [seeds] {"mean", "std", "values"} of v[0..n). */
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
           "Runs the study (STUDY.md sections 3, 4, 6): the exploration summary, baseline logistic\n"
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
    printf("== Data (STUDY.md sections 2-3)\n");
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

static json_object *stats_json(const mqttids_stats *s)
{
    json_object *o = json_object_new_object(), *c = json_object_new_object();
    json_object *dz = json_object_new_array(), *dc = json_object_new_array(), *tf = json_object_new_array();
    for (int p = 1; p <= 2; p++) {
        json_object *per = json_object_new_object();
        for (int k = 0; k < MQTTIDS_NCLASS; k++)
            json_object_object_add(per, mqttids_class_name(k), json_object_new_int64((int64_t)s->counts[p][k]));
        json_object_object_add(c, p == 1 ? "train" : "test", per);
    }
    json_object_object_add(o, "rows", json_object_new_int64((int64_t)s->nrows));
    json_object_object_add(o, "counts", c);
    json_object_object_add(o, "mean_mqtt_len_train", cli_json_double(s->mean_mqtt_len_train));
    for (size_t k = 0; k < s->ntop; k++) {
        json_object *v = json_object_new_object();
        json_object_object_add(v, "value", json_object_new_string(s->top_flags[k].value));
        json_object_object_add(v, "count", json_object_new_int64((int64_t)s->top_flags[k].count));
        json_object_array_add(tf, v);
    }
    json_object_object_add(o, "top_tcp_flags", tf);
    for (size_t j = 0; j < s->ncols; j++) {
        if (s->cols[j].dropped_zero)
            json_object_array_add(dz, json_object_new_string(s->cols[j].name));
        if (s->cols[j].dropped_corr)
            json_object_array_add(dc, json_object_new_string(s->cols[j].name));
    }
    json_object_object_add(o, "dropped_zeros", dz);
    json_object_object_add(o, "dropped_correlation", dc);
    { /* [report] every column's zero share and the rule that drops it, if any */
        json_object *cols = json_object_new_array();
        for (size_t j = 0; j < s->ncols; j++) {
            json_object *e = json_object_new_object();
            char why[256] = "";
            if (s->cols[j].dropped_zero)
                snprintf(why, sizeof why, "zeros %.2f%%", 100.0 * s->cols[j].zero_share);
            else if (s->cols[j].dropped_corr)
                snprintf(why, sizeof why, "correlation r=%.3f with %s", s->cols[j].corr_r,
                         s->cols[s->cols[j].corr_with].name);
            json_object_object_add(e, "name", json_object_new_string(s->cols[j].name));
            json_object_object_add(e, "zero_share", cli_json_double(s->cols[j].zero_share));
            json_object_object_add(e, "dropped", why[0] ? json_object_new_string(why) : NULL);
            json_object_array_add(cols, e);
        }
        json_object_object_add(o, "columns", cols);
    }
    return o;
}

int cmd_experiment(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"folds", required_argument, NULL, 'k'},
        {"stratified", no_argument, NULL, 's'},
        {"metric", required_argument, NULL, 'M'},
        {"only", required_argument, NULL, 'O'},
        {"nn", no_argument, NULL, 'N'},
        {"seeds", required_argument, NULL, 'E'}, /* [seeds] */
        {"curves", required_argument, NULL, 'C'}, /* [nn] */
        {"report", required_argument, NULL, 'R'},
        {"svg-dir", required_argument, NULL, 'S'},
        {"json", no_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        CLI_INPUT_LONGOPTS,
        CLI_ML_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    cli_inputs in;
    cli_ml_opts mo;
    mqttids_cv_opts cvo;
    const char *only = NULL, *curves = NULL; /* [nn] curves */
    const char *report_path = NULL, *svg_dir = NULL; /* [report] */
    int json = 0, opt, rc, groups = EXP_CORE | EXP_BEYOND;
    mqttids_dataset *ds = NULL;
    mqttids_stats *st = NULL;
    json_object *report = NULL;
    size_t *trows = NULL, ntr = 0, *srows = NULL, nte = 0;
    exp_result res[NSPECS];
    char errbuf[MQTTIDS_ERRBUF_SIZE];
    double t_all = cli_now();
    int nseeds = 1; /* [seeds] */

    memset(res, 0, sizeof res);
    cli_inputs_init(&in);
    cli_ml_init(&mo);
    mqttids_cv_opts_init(&cvo);
    optind = 1;
    while ((opt = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
        char *end;
        int r = cli_inputs_option(&in, "experiment", opt, optarg);
        if (r == 0)
            r = cli_ml_option(&mo, "experiment", opt, optarg);
        if (r < 0)
            return CLI_EXIT_USAGE;
        if (r > 0)
            continue;
        switch (opt) {
        case 'k':
            cvo.folds = (int)strtol(optarg, &end, 10);
            if (*end || cvo.folds < 2 || cvo.folds > 100)
                return cli_usage_error("experiment", "--folds needs an integer in [2, 100], not '%s'", optarg);
            break;
        case 's':
            cvo.stratified = 1;
            break;
        case 'M':
            if (strcmp(optarg, "accuracy") == 0)
                cvo.metric = MQTTIDS_METRIC_ACCURACY;
            else if (strcmp(optarg, "f1") == 0 || strcmp(optarg, "macro-f1") == 0)
                cvo.metric = MQTTIDS_METRIC_MACRO_F1;
            else
                return cli_usage_error("experiment", "--metric takes accuracy or f1, not '%s'", optarg);
            break;
        case 'O':
            only = optarg;
            break;
        case 'N':
            groups |= EXP_NN;
            break;
        case 'E': /* [seeds] */
            nseeds = (int)strtol(optarg, &end, 10);
            if (*end || end == optarg || nseeds < 1 || nseeds > EXP_MAX_SEEDS)
                return cli_usage_error("experiment", "--seeds needs an integer in [1, %d], not '%s'",
                                       EXP_MAX_SEEDS, optarg);
            break;
        case 'C':
            curves = optarg;
            break;
        case 'R': /* [report] */
            report_path = optarg;
            break;
        case 'S':
            svg_dir = optarg;
            break;
        case 'j':
            json = 1;
            break;
        case 'q':
            cli_quiet = 1;
            break;
        case 'h':
            help();
            return CLI_EXIT_OK;
        default:
            return cli_usage_error("experiment", "unknown option");
        }
    }
    if (cli_inputs_add_positional(&in, "experiment", argc, argv, optind) < 0)
        return CLI_EXIT_USAGE;
    if (svg_dir && !report_path)
        return cli_usage_error("experiment", "--svg-dir needs --report");
    if (mo.nparams)
        return cli_usage_error("experiment", "--param does not apply: the models and grids are the study's");
    if (only) {
        int any = 0;
        for (size_t i = 0; i < NSPECS; i++)
            any |= selected(&specs[i], only);
        if (!any)
            return cli_usage_error("experiment", "--only '%s' matches no model (lr, rf, nn, gbt or a row name)", only);
    }
    report = json_object_new_object();
    rc = cli_inputs_load(&in, &ds, report);
    if (rc != CLI_EXIT_OK)
        goto out;
    if (mqttids_dataset_split_rows(ds, MQTTIDS_SPLIT_TRAIN, &trows, &ntr) != MQTTIDS_OK ||
        mqttids_dataset_split_rows(ds, MQTTIDS_SPLIT_TEST, &srows, &nte) != MQTTIDS_OK) {
        cli_err("out of memory");
        rc = CLI_EXIT_FAIL;
        goto out;
    }
    if (ntr == 0 || nte == 0) {
        cli_err("experiment needs train rows (--train, or a train_flag column) and test rows (--test): "
                "got %zu train, %zu test", ntr, nte);
        rc = CLI_EXIT_USAGE;
        goto out;
    }
    {
        mqttids_stats_opts so;
        mqttids_stats_opts_init(&so);
        so.zero_threshold = mo.train.pipeline.zero_threshold;
        so.corr_threshold = mo.train.pipeline.corr_threshold;
        if (mqttids_stats_compute(ds, &so, &st, errbuf) != MQTTIDS_OK) {
            cli_err("%s", errbuf);
            rc = CLI_EXIT_FAIL;
            goto out;
        }
    }
    if (!json)
        print_stats(st);
    if (!cli_quiet) {
        mo.train.progress = cli_progress;
        mo.train.progress_user = NULL;
    }

    for (size_t i = 0; i < NSPECS; i++) {
        const exp_spec *s = &specs[i];
        exp_result *R = &res[i];
        mqttids_train_opts o = mo.train;
        mqttids_model *best = NULL;
        size_t np = 0, ng = 0;
        double t0 = cli_now();
        mqttids_err err;
        if (!(s->group & groups) || !selected(s, only))
            continue;
        while (np < 8 && s->params[np])
            np++;
        while (ng < 4 && s->grid[ng])
            ng++;
        o.kind = s->kind;
        o.params = s->params;
        o.nparams = np;
        /* [nn] the study's checkpoint: the refitted network keeps the epoch with the best
           accuracy on the test rows (its validation set, as the study did); curves of it */
        mqttids_curve curve = {NULL, 0, -1, 0};
        if (strcmp(s->kind, "nn") == 0) {
            o.val_rows = srows;
            o.n_val = nte;
            o.curve = &curve;
        }
        cli_info("%s: %d-fold CV over %s", s->name, cvo.folds, ng ? "the study's grid" : "the baseline parameters");
        err = mqttids_cv_grid(ds, trows, ntr, &o, s->grid, ng, &cvo, &R->cv, &best, errbuf);
        cli_progress_done();
        if (curve.epochs) { /* [nn] */
            json_object *cj = json_object_new_object(), *ep = json_object_new_array();
            for (size_t k = 0; k < curve.n; k++) {
                json_object *e = json_object_new_object();
                json_object_object_add(e, "train_loss", cli_json_double(curve.epochs[k].train_loss));
                json_object_object_add(e, "train_acc", cli_json_double(curve.epochs[k].train_acc));
                json_object_object_add(e, "val_loss", cli_json_double(curve.epochs[k].val_loss));
                json_object_object_add(e, "val_acc", cli_json_double(curve.epochs[k].val_acc));
                json_object_object_add(e, "lr", cli_json_double(curve.epochs[k].lr));
                json_object_array_add(ep, e);
            }
            json_object_object_add(cj, "epochs", ep);
            json_object_object_add(cj, "best_epoch", json_object_new_int(curve.best_epoch));
            json_object_object_add(cj, "diverged", json_object_new_boolean(curve.diverged));
            if (!R->extra)
                R->extra = json_object_new_object();
            json_object_object_add(R->extra, "curve", cj);
            cli_info("%s: kept epoch %d of %zu (best accuracy on the test rows, the study's checkpoint)",
                     s->name, curve.best_epoch + 1, curve.n);
            if (curves) {
                char path[1024], title[256];
                size_t k = (size_t)snprintf(path, sizeof path, "%s-", curves);
                for (const char *c = s->name; *c && k + 1 < sizeof path; c++)
                    path[k++] = (*c == ' ') ? '_' : *c;
                path[k] = '\0';
                snprintf(title, sizeof title, "%s (%s)", s->name, best ? mqttids_model_params(best) : "failed");
                if (cli_curves_write(path, title, &curve) == 0)
                    cli_info("wrote %s.csv and %s.svg", path, path);
            }
            free(curve.epochs);
        }
        if (err == MQTTIDS_ERR_UNSUPPORTED) {
            snprintf(R->why, sizeof R->why, "skipped: %s", errbuf);
            cli_info("%s: %s", s->name, R->why);
            continue;
        }
        if (err != MQTTIDS_OK) {
            cli_err("%s: %s", s->name, errbuf);
            rc = CLI_EXIT_FAIL;
            goto out;
        }
        R->ran = 1;
        snprintf(R->best_params, sizeof R->best_params, "%s", R->cv->points[R->cv->best].params);
        if (mqttids_model_evaluate(best, ds, srows, nte, o.nthreads, &R->test, NULL, errbuf) != MQTTIDS_OK ||
            mqttids_model_evaluate(best, ds, trows, ntr, o.nthreads, &R->train, NULL, errbuf) != MQTTIDS_OK) {
            cli_err("%s: %s", s->name, errbuf);
            mqttids_model_free(best);
            rc = CLI_EXIT_FAIL;
            goto out;
        }
        R->has_test = 1;
        R->seconds = cli_now() - t0;
        R->seed_acc[0] = R->test.accuracy;
        R->seed_f1[0] = R->test.macro_f1;
        R->nseeds = 1;
        for (int j = 1; j < nseeds; j++) { /* [seeds] the same row again with the next seeds */
            mqttids_train_opts oj = o;
            mqttids_cv_result *cvj = NULL;
            mqttids_model *bj = NULL;
            mqttids_metrics mj;
            oj.seed = o.seed + (uint64_t)j;
            oj.curve = NULL;
            cli_info("%s: seed %llu (%d of %d)", s->name, (unsigned long long)oj.seed, j + 1, nseeds);
            err = mqttids_cv_grid(ds, trows, ntr, &oj, s->grid, ng, &cvo, &cvj, &bj, errbuf);
            cli_progress_done();
            if (err == MQTTIDS_OK)
                err = mqttids_model_evaluate(bj, ds, srows, nte, o.nthreads, &mj, NULL, errbuf);
            mqttids_cv_result_free(cvj);
            mqttids_model_free(bj);
            if (err != MQTTIDS_OK) {
                cli_err("%s, seed %llu: %s", s->name, (unsigned long long)oj.seed, errbuf);
                mqttids_model_free(best);
                rc = CLI_EXIT_FAIL;
                goto out;
            }
            R->seed_acc[j] = mj.accuracy;
            R->seed_f1[j] = mj.macro_f1;
            R->nseeds = j + 1;
        }
        { /* [report] the refitted model's feature names, dropped columns and importances */
            const mqttids_pipeline *pl = mqttids_model_pipeline(best);
            size_t nf = mqttids_pipeline_nfeatures(pl);
            json_object *fe = json_object_new_array(), *dr = json_object_new_array();
            double *imp = calloc(nf ? nf : 1, sizeof *imp);
            if (!R->extra)
                R->extra = json_object_new_object();
            for (size_t j = 0; j < nf; j++)
                json_object_array_add(fe, json_object_new_string(mqttids_pipeline_feature_name(pl, j)));
            json_object_object_add(R->extra, "features", fe);
            for (size_t j = 0; j < mqttids_pipeline_n_dropped(pl); j++) {
                const char *name, *why;
                json_object *e = json_object_new_object();
                mqttids_pipeline_dropped(pl, j, &name, &why);
                json_object_object_add(e, "column", json_object_new_string(name));
                json_object_object_add(e, "why", json_object_new_string(why));
                json_object_array_add(dr, e);
            }
            json_object_object_add(R->extra, "dropped", dr);
            if (imp && mqttids_model_importances(best, imp) == MQTTIDS_OK) {
                json_object *ia = json_object_new_array();
                for (size_t j = 0; j < nf; j++)
                    json_object_array_add(ia, cli_json_double(imp[j]));
                json_object_object_add(R->extra, "importances", ia);
            }
            free(imp);
        }
        if (!json) {
            char title[256];
            printf("\n== %s (%s)\n", s->name, s->kind);
            if (ng) {
                printf("  %d-fold CV, %s per grid point (mean +- std):\n", cvo.folds,
                       cvo.metric == MQTTIDS_METRIC_MACRO_F1 ? "macro-F1" : "accuracy");
                for (size_t p = 0; p < R->cv->npoints; p++)
                    printf("  %s %.4f +- %.4f  %s\n", p == R->cv->best ? "*" : " ", R->cv->points[p].mean,
                           R->cv->points[p].std, R->cv->points[p].params);
            } else {
                printf("  %d-fold CV %s: %.4f +- %.4f\n", cvo.folds,
                       cvo.metric == MQTTIDS_METRIC_MACRO_F1 ? "macro-F1" : "accuracy", R->cv->points[0].mean,
                       R->cv->points[0].std);
            }
            printf("  refitted on all train rows: %s\n  train accuracy %.4f\n", mqttids_model_params(best),
                   R->train.accuracy);
            snprintf(title, sizeof title, "  test");
            cli_print_metrics(title, &R->test);
            printf("  (%.1f s)\n", R->seconds);
        }
        mqttids_model_free(best);
    }

    if (json || report_path) {
        json_object *o = json_object_new_object(), *arr = json_object_new_array();
        json_object_object_add(o, "stats", stats_json(st));
        { /* [report] the rules' thresholds */
            json_object *sj = json_object_object_get(o, "stats");
            json_object_object_add(sj, "zero_threshold", cli_json_double(mo.train.pipeline.zero_threshold));
            json_object_object_add(sj, "corr_threshold", cli_json_double(mo.train.pipeline.corr_threshold));
        }
        for (size_t i = 0; i < NSPECS; i++) {
            json_object *e;
            if (!res[i].ran && !res[i].why[0])
                continue;
            e = json_object_new_object();
            json_object_object_add(e, "name", json_object_new_string(specs[i].name));
            json_object_object_add(e, "kind", json_object_new_string(specs[i].kind));
            json_object_object_add(e, "study_test_accuracy", cli_json_double(specs[i].study_test_acc));
            if (specs[i].group == EXP_BEYOND) /* [gbt] */
                json_object_object_add(e, "beyond_study", json_object_new_boolean(1));
            if (res[i].ran) {
                json_object_object_add(e, "cv", cli_cv_json(res[i].cv));
                json_object_object_add(e, "best_params", json_object_new_string(res[i].best_params));
                json_object_object_add(e, "train_accuracy", cli_json_double(res[i].train.accuracy));
                json_object_object_add(e, "test", cli_metrics_json(&res[i].test));
                json_object_object_add(e, "seconds", cli_json_double(res[i].seconds));
                if (res[i].nseeds > 1) { /* [seeds] */
                    json_object *sj = json_object_new_object();
                    json_object_object_add(sj, "n", json_object_new_int(res[i].nseeds));
                    json_object_object_add(sj, "first", json_object_new_int64((int64_t)mo.train.seed));
                    json_object_object_add(sj, "test_accuracy", spread_json(res[i].seed_acc, res[i].nseeds));
                    json_object_object_add(sj, "test_macro_f1", spread_json(res[i].seed_f1, res[i].nseeds));
                    json_object_object_add(e, "seeds", sj);
                }
                if (res[i].extra) { /* [report] */
                    json_object_object_foreach(res[i].extra, ek, ev)
                        json_object_object_add(e, ek, json_object_get(ev));
                }
            } else {
                json_object_object_add(e, "skipped", json_object_new_string(res[i].why));
            }
            json_object_array_add(arr, e);
        }
        json_object_object_add(o, "models", arr);
        json_object_object_add(o, "seconds", cli_json_double(cli_now() - t_all));
        json_object_object_add(o, "inputs", json_object_get(json_object_object_get(report, "inputs")));
        if (json)
            cli_json_print(o);
        if (report_path && cli_report_write(o, report_path, svg_dir) != 0) /* [report] */
            rc = CLI_EXIT_FAIL;
        else if (report_path)
            cli_info("wrote %s", report_path);
        json_object_put(o);
    }
    if (!json) {
        printf("\n== Comparison (test rows; the study's figures from STUDY.md)\n");
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
        if (nseeds > 1) { /* [seeds] */
            printf("  over %d seeds (%llu..%llu; each: CV, best point refitted, test rows), mean +- s.d.:\n",
                   nseeds, (unsigned long long)mo.train.seed, (unsigned long long)(mo.train.seed + (uint64_t)nseeds - 1));
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
        printf("  recall per class on test (what the study did not look at):\n  %-18s", "");
        for (int c = 0; c < MQTTIDS_NCLASS; c++)
            printf(" %10.10s", mqttids_class_name(c));
        printf("\n");
        for (size_t i = 0; i < NSPECS; i++) {
            if (!res[i].ran)
                continue;
            printf("  %-18s", specs[i].name);
            for (int c = 0; c < MQTTIDS_NCLASS; c++)
                printf(" %10.4f", res[i].test.recall[c]);
            printf("\n");
        }
        for (size_t i = 0, head = 0; i < NSPECS; i++) { /* [gbt] apart from the study's comparison */
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
        printf("  total %.1f s\n", cli_now() - t_all);
    }
out:
    for (size_t i = 0; i < NSPECS; i++) {
        mqttids_cv_result_free(res[i].cv);
        json_object_put(res[i].extra);
    }
    json_object_put(report);
    mqttids_stats_free(st);
    free(trows);
    free(srows);
    mqttids_dataset_free(ds);
    return rc;
}
