/*
 * cmd_train.c: "mqttids train": fit the feature pipeline and a learner on train rows and
 * write a model file; optionally k-fold cross-validation over a parameter grid first.
 */
#include <stdlib.h>
#include <string.h>
#include "cli_ml.h"
#include "cli_curves.h" /* --curves */

const char cmd_train_summary[] = "train a model (lr, rf, nn, gbt), optionally with k-fold CV and a parameter grid";

static void help(void)
{
    printf("Usage: mqttids train --model lr|rf|nn|gbt [--param KEY=VALUE]... --train PATH... -o MODEL\n"
           "       mqttids train --recipe detector PATH... -o MODEL\n"
           "Fits the feature pipeline and the learner on the train rows (rows given with --train;\n"
           "untagged rows when there are none) and writes a model file (docs/FORMATS.md).\n\n"
           "Options:\n"
           "  -m, --model KIND        lr (logistic regression), rf (random forest), nn (network),\n"
           "                          gbt (gradient-boosted trees; rows given with --test are its\n"
           "                          validation set for earlyStoppingRounds)\n"
           "      --recipe detector   the recommended detector: features, learner and parameters\n"
           "                          that hold between networks (needs ctx.* columns: CSVs from\n"
           "                          `extract --context` or `lab --context`; docs/internals/detect.md)\n"
           "  -o, --output MODEL      the model file to write (atomically)\n"
           "      --grid KEY=V1,V2    cross-validate every combination and keep the best\n"
           "                          (repeatable; bracket lists: thresholds=[1,2],[1,1])\n"
           "      --cv K              k-fold cross-validation (default 5 with --grid, else none)\n"
           "      --stratified        stratified folds (default: random, as Spark)\n"
           "      --metric accuracy|f1   metric that picks the best point (default accuracy)\n"
           "      --curves PREFIX     nn: write the per-epoch curves to PREFIX.csv and PREFIX.svg\n"
           "                          (nn: rows given with --test are the validation set, scored\n"
           "                          every epoch; the best epoch on them is kept, as the study)\n"
           "      --json              machine-readable result on stdout\n"
           "  -q, --quiet             no progress or info lines\n"
           "  -h, --help              this help\n\n"
           "Parameters (Spark's names and defaults; gbt: xgboost's):\n");
    for (int i = 0; i < 4; i++) {
        static const char *kinds[4] = {"lr", "rf", "nn", "gbt"};
        char buf[1024];
        if (mqttids_learner_defaults(kinds[i], buf, sizeof buf) == MQTTIDS_OK)
            printf("  %s: %s\n", kinds[i], buf);
    }
    printf("\n" CLI_ML_HELP "\n" CLI_INPUT_HELP);
}

/* Applies recipe name to mo (its parameters before the user's --param, which come later and win). */
static int apply_recipe(cli_ml_opts *mo, const char *name)
{
    const char *const *rp;
    size_t np = 0;
    if (mqttids_train_recipe(name, &mo->train, &rp) != MQTTIDS_OK)
        return -1;
    while (rp[np])
        np++;
    if (mo->nparams + np > sizeof mo->params / sizeof mo->params[0])
        return -1;
    memmove(mo->params + np, mo->params, mo->nparams * sizeof mo->params[0]);
    memcpy(mo->params, rp, np * sizeof mo->params[0]);
    mo->nparams += np;
    mo->train.nparams = mo->nparams;
    return 0;
}

/* Writes the transformed train matrix (for benchmarks against other libraries). */
static int dump_features(const mqttids_model *m, const mqttids_dataset *ds, const size_t *rows, size_t n,
                         const char *path)
{
    const mqttids_pipeline *p = mqttids_model_pipeline(m);
    size_t d = mqttids_pipeline_nfeatures(p);
    const int8_t *lab = mqttids_dataset_labels(ds);
    double *X = malloc((n ? n : 1) * d * sizeof *X);
    char errbuf[MQTTIDS_ERRBUF_SIZE];
    FILE *f;
    if (!X || mqttids_pipeline_transform(p, ds, rows, n, X, NULL, errbuf) != MQTTIDS_OK) {
        free(X);
        cli_err("--dump-features: cannot transform");
        return -1;
    }
    f = fopen(path, "w");
    if (!f) {
        free(X);
        cli_err("%s: cannot create", path);
        return -1;
    }
    for (size_t j = 0; j < d; j++)
        fprintf(f, "%s\"%s\"", j ? "," : "", mqttids_pipeline_feature_name(p, j));
    fprintf(f, ",label\n");
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < d; j++)
            fprintf(f, "%s%.17g", j ? "," : "", X[i * d + j]);
        fprintf(f, ",%d\n", lab[rows[i]]);
    }
    free(X);
    return fclose(f) == 0 ? 0 : -1;
}

/* What one run of the command was asked. */
typedef struct train_cfg {
    cli_inputs in;
    cli_ml_opts mo;
    const char *out, *dump, *grid[32], *curves, *recipe_name;
    size_t ngrid;
    int json, folds, model_given;
} train_cfg;

/* Parses the options into c; returns -1 to go on, else the exit code. */
static int train_options(int argc, char **argv, train_cfg *c)
{
    static const struct option longopts[] = {
        {"model", required_argument, NULL, 'm'},
        {"output", required_argument, NULL, 'o'},
        {"grid", required_argument, NULL, 'g'},
        {"cv", required_argument, NULL, 'k'},
        {"dump-features", required_argument, NULL, 'D'},
        {"curves", required_argument, NULL, 'C'},
        {"recipe", required_argument, NULL, 'R'},
        {NULL, 0, NULL, 0},
    };
    cli_opts co;
    int opt;

    co = CLI_OPTS(.cmd = "train", .help = help, .in = &c->in, .ml = &c->mo);
    while ((opt = cli_opts_next(&co, argc, argv, "m:o:", longopts)) != 0) {
        switch (opt) {
        case 'm':
            if (!mqttids_learner_description(optarg))
                return cli_usage_error("train", "--model takes lr, rf or nn, not '%s'", optarg);
            c->mo.train.kind = optarg;
            c->model_given = 1;
            break;
        case 'o':
            c->out = optarg;
            break;
        case 'g':
            if (c->ngrid >= 32 || !strchr(optarg, '='))
                return cli_usage_error("train", "--grid needs KEY=V1,V2,... (at most 32), not '%s'", optarg);
            c->grid[c->ngrid++] = optarg;
            break;
        case 'k':
            if (cli_parse_int_in("train", "--cv", optarg, 2, 100, &c->folds) != 0)
                return CLI_EXIT_USAGE;
            break;
        case 'D':
            c->dump = optarg;
            break;
        case 'C':
            c->curves = optarg;
            break;
        case 'R':
            c->recipe_name = optarg;
            break;
        }
    }
    c->json = co.tail.json;
    return co.rc;
}

/* The checks between the options, before the data is read; returns -1 to go on, else the exit code. */
static int train_check(train_cfg *c)
{
    char errbuf[MQTTIDS_ERRBUF_SIZE];
    if (!c->out)
        return cli_usage_error("train", "give the model file to write with -o MODEL");
    if (cli_inputs_refuse_overwrite(&c->in, "train", "-o", c->out) != 0)
        return CLI_EXIT_USAGE;
    if (c->recipe_name) {
        /* the recipe sets the learner and the whole pipeline: mixing it with those options
           would make a model that is neither */
        if (c->model_given)
            return cli_usage_error("train", "--recipe chooses the learner: leave out --model");
        if (apply_recipe(&c->mo, c->recipe_name) != 0)
            return cli_usage_error("train", "--recipe takes detector, not '%s'", c->recipe_name);
    }
    if (mqttids_train_check(&c->mo.train, errbuf) != MQTTIDS_OK)
        return cli_usage_error("train", "%s", errbuf);
    if (c->ngrid && mqttids_cv_grid_check(&c->mo.train, c->grid, c->ngrid, errbuf) != MQTTIDS_OK)
        return cli_usage_error("train", "%s", errbuf);
    if (c->curves && strcmp(c->mo.train.kind, "nn") != 0)
        return cli_usage_error("train", "--curves needs --model nn");
    /* the outputs can be written: checked before the data is read and the model trained */
    if (cli_out_check(c->out) != 0 || (c->curves && cli_out_check_prefix(c->curves) != 0))
        return CLI_EXIT_FAIL;
    return -1;
}

/* The model's data description: the paths of the inputs that are not --test. */
static void data_desc(const cli_inputs *in, char *desc, size_t size)
{
    size_t o = 0;
    desc[0] = '\0';
    for (int i = 0; i < in->n && o < size; i++)
        if (in->items[i].split != MQTTIDS_SPLIT_TEST)
            o += (size_t)snprintf(desc + o, size - o, "%s%s", o ? " " : "", in->items[i].path);
}

/* The epoch an nn run kept: the best on the validation rows, else the last. */
static const mqttids_epoch *kept_epoch(const mqttids_curve *curve)
{
    return &curve->epochs[curve->best_epoch >= 0 ? (size_t)curve->best_epoch : curve->n - 1];
}

/* Says which epoch a network kept, and writes its curves with --curves. */
static void report_curve(const train_cfg *c, const mqttids_curve *curve, const mqttids_model *m, mqttids_err err)
{
    if (err == MQTTIDS_OK && curve->n) {
        const mqttids_epoch *ke = kept_epoch(curve);
        if (curve->best_epoch >= 0)
            cli_info("nn: kept epoch %d of %zu (best validation accuracy %.4f; validation loss %.4f)",
                     curve->best_epoch + 1, curve->n, ke->val_acc, ke->val_loss);
        else
            cli_info("nn: kept the last epoch, %zu (no validation rows: give some with --test; train loss %.4f)",
                     curve->n, ke->train_loss);
    }
    if (c->curves && curve->epochs) {
        char title[256];
        snprintf(title, sizeof title, "mqttids train --model nn: %s", m ? mqttids_model_params(m) : "diverged");
        if (cli_curves_write(c->curves, title, curve) == 0)
            cli_info("wrote %s.csv and %s.svg", c->curves, c->curves);
    }
}

/* The kept epoch as JSON ("nn_kept"). */
static json_object *kept_json(const mqttids_curve *curve)
{
    json_object *ko = json_object_new_object();
    const mqttids_epoch *ke = kept_epoch(curve);
    json_object_object_add(ko, "epoch",
                           json_object_new_int(curve->best_epoch >= 0 ? curve->best_epoch + 1 : (int)curve->n));
    json_object_object_add(ko, "epochs_run", json_object_new_int64((int64_t)curve->n));
    json_object_object_add(ko, "by", json_object_new_string(curve->best_epoch >= 0 ? "validation accuracy" : "last"));
    json_object_object_add(ko, "val_acc", cli_json_double(ke->val_acc));
    json_object_object_add(ko, "val_loss", cli_json_double(ke->val_loss));
    return ko;
}

/* The result: the model, its CV, the kept epoch and the train metrics, as text or JSON. */
static void print_result(const train_cfg *c, const mqttids_model *m, const mqttids_cv_result *cvr,
                         const mqttids_curve *curve, const mqttids_metrics *tm, json_object *report)
{
    if (c->json) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "model_file", json_object_new_string(c->out));
        json_object_object_add(o, "model", cli_json_take(mqttids_model_json(m)));
        if (cvr)
            json_object_object_add(o, "cv", cli_json_take(mqttids_cv_json(cvr)));
        if (curve->n)
            json_object_object_add(o, "nn_kept", kept_json(curve));
        json_object_object_add(o, "train_metrics", cli_json_take(mqttids_metrics_json(tm)));
        json_object_object_add(o, "inputs", json_object_get(json_object_object_get(report, "inputs")));
        cli_json_print(o);
        json_object_put(o);
        return;
    }
    if (cvr)
        mqttids_cv_write_text(stdout, cvr);
    mqttids_model_write_text(stdout, m);
    mqttids_metrics_write_text(stdout, "on the train rows", tm);
    printf("wrote %s\n", c->out);
}

int cmd_train(int argc, char **argv)
{
    train_cfg c;
    size_t *vrows = NULL, nv = 0, *rows = NULL, n = 0;
    mqttids_curve curve = {NULL, 0, -1, 0};
    int rc;
    mqttids_dataset *ds = NULL;
    mqttids_model *m = NULL;
    mqttids_cv_result *cvr = NULL;
    mqttids_metrics tm;
    json_object *report = NULL;
    char errbuf[MQTTIDS_ERRBUF_SIZE], desc[2048];
    mqttids_err err;

    memset(&c, 0, sizeof c);
    cli_inputs_init(&c.in);
    cli_ml_init(&c.mo);
    if ((rc = train_options(argc, argv, &c)) >= 0 || (rc = train_check(&c)) >= 0)
        return rc;
    if (c.json)
        report = json_object_new_object();
    rc = cli_inputs_load(&c.in, &ds, report);
    if (rc != CLI_EXIT_OK)
        goto out;
    rc = CLI_EXIT_FAIL;
    if (cli_rows_for(ds, MQTTIDS_SPLIT_TRAIN, &rows, &n) != 0) {
        cli_err("out of memory");
        goto out;
    }
    data_desc(&c.in, desc, sizeof desc);
    c.mo.train.data_desc = desc;
    /* nn and gbt: rows given with --test are the validation set (checkpoint, early stopping) */
    if ((strcmp(c.mo.train.kind, "nn") == 0 || strcmp(c.mo.train.kind, "gbt") == 0) &&
        mqttids_dataset_count(ds, MQTTIDS_SPLIT_TEST, -1) > 0) {
        if (mqttids_dataset_split_rows(ds, MQTTIDS_SPLIT_TEST, &vrows, &nv) != MQTTIDS_OK) {
            cli_err("out of memory");
            goto out;
        }
        c.mo.train.val_rows = vrows;
        c.mo.train.n_val = nv;
        cli_info("validation set: %zu rows given with --test", nv);
    }
    if (c.curves || strcmp(c.mo.train.kind, "nn") == 0) /* nn: always, to say which epoch was kept */
        c.mo.train.curve = &curve;
    cli_info("training %s on %zu rows", c.mo.train.kind, n);
    if (c.ngrid || c.folds) {
        c.mo.cv.folds = c.folds ? c.folds : 5;
        err = mqttids_cv_grid(ds, rows, n, &c.mo.train, c.grid, c.ngrid, &c.mo.cv, &cvr, &m, errbuf);
    } else {
        err = mqttids_model_train(ds, rows, n, &c.mo.train, &m, errbuf);
    }
    cli_progress_done();
    report_curve(&c, &curve, m, err);
    if (err != MQTTIDS_OK) {
        cli_err("train: %s", errbuf);
        goto out;
    }
    if (mqttids_model_save(m, c.out, errbuf) != MQTTIDS_OK) {
        cli_err("%s", errbuf);
        goto out;
    }
    if (c.dump && dump_features(m, ds, rows, n, c.dump) != 0)
        goto out;
    if (mqttids_model_evaluate(m, ds, rows, n, c.mo.train.nthreads, &tm, NULL, errbuf) != MQTTIDS_OK) {
        cli_err("%s", errbuf);
        goto out;
    }
    print_result(&c, m, cvr, &curve, &tm, report);
    rc = CLI_EXIT_OK;
out:
    free(curve.epochs);
    free(vrows);
    json_object_put(report);
    mqttids_cv_result_free(cvr);
    mqttids_model_free(m);
    free(rows);
    mqttids_dataset_free(ds);
    return rc;
}
