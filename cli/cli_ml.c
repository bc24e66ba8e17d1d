/* cli_ml.c: option parsing and printing shared by train, eval, predict and experiment. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cli_ml.h"

void cli_ml_init(cli_ml_opts *o)
{
    memset(o, 0, sizeof *o);
    mqttids_train_opts_init(&o->train);
    mqttids_cv_opts_init(&o->cv);
    o->train.params = o->params;
}

/* A number in [0, 1] for a pipeline threshold: cli_ml_option's result. */
static int parse_unit(const char *cmd, const char *opt, const char *arg, double *out)
{
    return cli_parse_unit(cmd, opt, arg, out) == 0 ? 1 : -1;
}

int cli_ml_option(cli_ml_opts *o, const char *cmd, int code, const char *arg)
{
    char *end;
    mqttids_pipeline_opts *p = &o->train.pipeline;
    switch (code) {
    case 0x2001:
        if (!strchr(arg, '='))
            return cli_usage_error(cmd, "--param needs KEY=VALUE, not '%s'", arg) ? -1 : -1;
        if (o->nparams >= sizeof o->params / sizeof o->params[0])
            return cli_usage_error(cmd, "too many --param options") ? -1 : -1;
        o->params[o->nparams++] = arg;
        o->train.nparams = o->nparams;
        return 1;
    case 0x2002: {
        unsigned long long v = strtoull(arg, &end, 10);
        if (*end || !*arg || arg[0] == '-')
            return cli_usage_error(cmd, "--seed needs a non-negative integer, not '%s'", arg) ? -1 : -1;
        o->train.seed = v;
        return 1;
    }
    case 0x1100: { /* --threads: the common tail's parser */
        cli_tail t = {0, o->train.nthreads};
        int r = cli_tail_option(&t, cmd, code, arg, NULL);
        o->train.nthreads = t.threads;
        return r;
    }
    case 0x2004:
        o->train.balanced = 1;
        return 1;
    case 0x2005:
        return parse_unit(cmd, "--zero-threshold", arg, &p->zero_threshold);
    case 0x2006:
        return parse_unit(cmd, "--corr-threshold", arg, &p->corr_threshold);
    case 0x2007:
        p->scale = 0;
        return 1;
    case 0x2008:
        p->drop_last = 0;
        return 1;
    case 0x2009: /* --continuous, --nominal, --drop, --features: column lists */
    case 0x200a:
    case 0x200b:
    case 0x200c: {
        const char **list[] = {&p->continuous, &p->nominal, &p->drop, &p->extra};
        *list[code - 0x2009] = arg;
        return 1;
    }
    case 0x200d:
        o->cv.stratified = 1;
        return 1;
    case 0x200e:
        if (strcmp(arg, "accuracy") == 0)
            o->cv.metric = MQTTIDS_METRIC_ACCURACY;
        else if (strcmp(arg, "f1") == 0 || strcmp(arg, "macro-f1") == 0)
            o->cv.metric = MQTTIDS_METRIC_MACRO_F1;
        else
            return cli_usage_error(cmd, "--metric takes accuracy or f1, not '%s'", arg) ? -1 : -1;
        return 1;
    default:
        return 0;
    }
}

void cli_print_metrics(const char *title, const mqttids_metrics *m)
{
    printf("%s: accuracy %.4f  macro-F1 %.4f  weighted-F1 %.4f  (%zu rows)\n", title, m->accuracy, m->macro_f1,
           m->weighted_f1, m->n);
    printf("  %-12s %9s %9s %9s %9s\n", "class", "precision", "recall", "f1", "support");
    for (int c = 0; c < m->k; c++)
        printf("  %-12s %9.4f %9.4f %9.4f %9zu\n", mqttids_class_name(c), m->precision[c], m->recall[c], m->f1[c],
               m->support[c]);
    printf("  confusion matrix (rows: true class, columns: predicted)\n  %-12s", "");
    for (int c = 0; c < m->k; c++)
        printf(" %10.10s", mqttids_class_name(c));
    printf("\n");
    for (int t = 0; t < m->k; t++) {
        printf("  %-12s", mqttids_class_name(t));
        for (int c = 0; c < m->k; c++)
            printf(" %10zu", m->confusion[t][c]);
        printf("\n");
    }
}

json_object *cli_metrics_json(const mqttids_metrics *m)
{
    json_object *o = json_object_new_object(), *cl = json_object_new_array(), *cm = json_object_new_object();
    json_object *labels = json_object_new_array(), *mat = json_object_new_array();
    json_object_object_add(o, "rows", json_object_new_int64((int64_t)m->n));
    json_object_object_add(o, "accuracy", cli_json_double(m->accuracy));
    json_object_object_add(o, "macro_f1", cli_json_double(m->macro_f1));
    json_object_object_add(o, "weighted_f1", cli_json_double(m->weighted_f1));
    for (int c = 0; c < m->k; c++) {
        json_object *e = json_object_new_object(), *row = json_object_new_array();
        json_object_object_add(e, "class", json_object_new_string(mqttids_class_name(c)));
        json_object_object_add(e, "precision", cli_json_double(m->precision[c]));
        json_object_object_add(e, "recall", cli_json_double(m->recall[c]));
        json_object_object_add(e, "f1", cli_json_double(m->f1[c]));
        json_object_object_add(e, "support", json_object_new_int64((int64_t)m->support[c]));
        json_object_array_add(cl, e);
        json_object_array_add(labels, json_object_new_string(mqttids_class_name(c)));
        for (int p = 0; p < m->k; p++)
            json_object_array_add(row, json_object_new_int64((int64_t)m->confusion[c][p]));
        json_object_array_add(mat, row);
    }
    json_object_object_add(o, "classes", cl);
    json_object_object_add(cm, "labels", labels);
    json_object_object_add(cm, "rows_true_columns_predicted", mat);
    json_object_object_add(o, "confusion", cm);
    return o;
}

void cli_print_model(const mqttids_model *m)
{
    const mqttids_pipeline *p = mqttids_model_pipeline(m);
    printf("model %s (%s), %d classes, %zu features\n", mqttids_model_id(m), mqttids_model_kind(m),
           mqttids_model_nclasses(m), mqttids_pipeline_nfeatures(p));
    printf("  params: %s\n", mqttids_model_params(m));
    if (*mqttids_model_state_summary(m))
        printf("  fitted: %s\n", mqttids_model_state_summary(m));
    printf("  inputs:");
    for (size_t i = 0; i < mqttids_pipeline_n_inputs(p); i++)
        printf(" %s(%s)", mqttids_pipeline_input_name(p, i), mqttids_pipeline_input_role(p, i));
    printf("\n  dropped:");
    {
        size_t nz = 0;
        for (size_t i = 0; i < mqttids_pipeline_n_dropped(p); i++) {
            const char *name, *why;
            mqttids_pipeline_dropped(p, i, &name, &why);
            if (strncmp(why, "zeros", 5) == 0)
                nz++;
            else
                printf(" %s [%s]", name, why);
        }
        printf(" + %zu columns by the zeros rule\n", nz);
    }
    for (size_t i = 0; i < mqttids_model_n_meta(m); i++) {
        const char *k, *v;
        mqttids_model_meta(m, i, &k, &v);
        if (strcmp(k, "params") != 0)
            printf("  %s: %s\n", k, v);
    }
}

json_object *cli_model_json(const mqttids_model *m)
{
    const mqttids_pipeline *p = mqttids_model_pipeline(m);
    json_object *o = json_object_new_object(), *in = json_object_new_array(), *dr = json_object_new_array();
    json_object *fe = json_object_new_array(), *meta = json_object_new_object(), *cls = json_object_new_array();
    json_object_object_add(o, "id", json_object_new_string(mqttids_model_id(m)));
    json_object_object_add(o, "kind", json_object_new_string(mqttids_model_kind(m)));
    json_object_object_add(o, "params", json_object_new_string(mqttids_model_params(m)));
    json_object_object_add(o, "fitted", json_object_new_string(mqttids_model_state_summary(m)));
    for (int c = 0; c < mqttids_model_nclasses(m); c++)
        json_object_array_add(cls, json_object_new_string(mqttids_model_class_name(m, c)));
    json_object_object_add(o, "classes", cls);
    for (size_t i = 0; i < mqttids_pipeline_n_inputs(p); i++) {
        json_object *e = json_object_new_object();
        json_object_object_add(e, "column", json_object_new_string(mqttids_pipeline_input_name(p, i)));
        json_object_object_add(e, "role", json_object_new_string(mqttids_pipeline_input_role(p, i)));
        json_object_array_add(in, e);
    }
    json_object_object_add(o, "inputs", in);
    for (size_t i = 0; i < mqttids_pipeline_n_dropped(p); i++) {
        const char *name, *why;
        json_object *e = json_object_new_object();
        mqttids_pipeline_dropped(p, i, &name, &why);
        json_object_object_add(e, "column", json_object_new_string(name));
        json_object_object_add(e, "why", json_object_new_string(why));
        json_object_array_add(dr, e);
    }
    json_object_object_add(o, "dropped", dr);
    for (size_t j = 0; j < mqttids_pipeline_nfeatures(p); j++)
        json_object_array_add(fe, json_object_new_string(mqttids_pipeline_feature_name(p, j)));
    json_object_object_add(o, "features", fe);
    for (size_t i = 0; i < mqttids_model_n_meta(m); i++) {
        const char *k, *v;
        mqttids_model_meta(m, i, &k, &v);
        json_object_object_add(meta, k, json_object_new_string(v));
    }
    json_object_object_add(o, "metadata", meta);
    return o;
}

int cli_rows_for(const mqttids_dataset *ds, int split, size_t **rows, size_t *n)
{
    if (mqttids_dataset_split_rows(ds, split, rows, n) != MQTTIDS_OK)
        return -1;
    if (*n == 0) {
        free(*rows);
        if (mqttids_dataset_split_rows(ds, MQTTIDS_SPLIT_NONE, rows, n) != MQTTIDS_OK)
            return -1;
    }
    return 0;
}

json_object *cli_cv_json(const mqttids_cv_result *r)
{
    json_object *o = json_object_new_object(), *pts = json_object_new_array();
    json_object_object_add(o, "folds", json_object_new_int(r->folds));
    json_object_object_add(o, "metric",
                           json_object_new_string(r->metric == MQTTIDS_METRIC_MACRO_F1 ? "macro_f1" : "accuracy"));
    for (size_t i = 0; i < r->npoints; i++) {
        json_object *p = json_object_new_object(), *fs = json_object_new_array();
        json_object_object_add(p, "params", json_object_new_string(r->points[i].params));
        json_object_object_add(p, "mean", cli_json_double(r->points[i].mean));
        json_object_object_add(p, "std", cli_json_double(r->points[i].std));
        json_object_object_add(p, "mean_accuracy", cli_json_double(r->points[i].mean_accuracy));
        json_object_object_add(p, "mean_macro_f1", cli_json_double(r->points[i].mean_macro_f1));
        for (int f = 0; f < r->folds; f++)
            json_object_array_add(fs, cli_json_double(r->points[i].fold_scores[f]));
        json_object_object_add(p, "fold_scores", fs);
        json_object_object_add(p, "seconds", cli_json_double(r->points[i].seconds));
        json_object_array_add(pts, p);
    }
    json_object_object_add(o, "points", pts);
    json_object_object_add(o, "best", json_object_new_int64((int64_t)r->best));
    return o;
}
