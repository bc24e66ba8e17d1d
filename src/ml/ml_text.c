/*
 * ml_text.c: training and evaluation results as aligned text tables (to a caller's FILE)
 * and as JSON text (docs/FORMATS.md): metrics, group metrics, cross-validation, models.
 * The tool's train, eval and experiment print these; so can any other caller.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ml/ml_int.h"
#include "util/util_int.h"

/* ---- metrics ---- */

void mqttids_metrics_write_text(FILE *f, const char *title, const mqttids_metrics *m)
{
    fprintf(f, "%s: accuracy %.4f  macro-F1 %.4f  weighted-F1 %.4f  (%zu rows)\n", title, m->accuracy, m->macro_f1,
            m->weighted_f1, m->n);
    fprintf(f, "  %-12s %9s %9s %9s %9s\n", "class", "precision", "recall", "f1", "support");
    for (int c = 0; c < m->k; c++)
        fprintf(f, "  %-12s %9.4f %9.4f %9.4f %9zu\n", mqttids_class_name(c), m->precision[c], m->recall[c],
                m->f1[c], m->support[c]);
    fprintf(f, "  confusion matrix (rows: true class, columns: predicted)\n  %-12s", "");
    for (int c = 0; c < m->k; c++)
        fprintf(f, " %10.10s", mqttids_class_name(c));
    fprintf(f, "\n");
    for (int t = 0; t < m->k; t++) {
        fprintf(f, "  %-12s", mqttids_class_name(t));
        for (int c = 0; c < m->k; c++)
            fprintf(f, " %10zu", m->confusion[t][c]);
        fprintf(f, "\n");
    }
}

static json_object *metrics_object(const mqttids_metrics *m)
{
    json_object *o = json_object_new_object(), *cl = json_object_new_array(), *cm = json_object_new_object();
    json_object *labels = json_object_new_array(), *mat = json_object_new_array();
    json_object_object_add(o, "rows", json_object_new_int64((int64_t)m->n));
    json_object_object_add(o, "accuracy", util__json_double(m->accuracy));
    json_object_object_add(o, "macro_f1", util__json_double(m->macro_f1));
    json_object_object_add(o, "weighted_f1", util__json_double(m->weighted_f1));
    for (int c = 0; c < m->k; c++) {
        json_object *e = json_object_new_object(), *row = json_object_new_array();
        json_object_object_add(e, "class", json_object_new_string(mqttids_class_name(c)));
        json_object_object_add(e, "precision", util__json_double(m->precision[c]));
        json_object_object_add(e, "recall", util__json_double(m->recall[c]));
        json_object_object_add(e, "f1", util__json_double(m->f1[c]));
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

char *mqttids_metrics_json(const mqttids_metrics *m)
{
    return util__json_text(metrics_object(m));
}

/* ---- metrics by connection and host ---- */

void mqttids_group_metrics_write_text(FILE *f, int level, const mqttids_group_metrics *g)
{
    const char *what = level == MQTTIDS_LEVEL_CONNECTION ? "connections" : "hosts";
    char title[64];
    fprintf(f, "\n%s: %zu (from %zu labeled rows; rows without %s: %zu; %s with mixed labels: %zu)\n", what,
            g->groups, g->rows, level == MQTTIDS_LEVEL_CONNECTION ? "id.stream" : "id.client", g->rows_no_group,
            what, g->mixed);
    fprintf(f, "  %-12s %9s %9s %9s\n", "class", what, "alerted", "share");
    for (int c = 0; c < MQTTIDS_NCLASS; c++)
        fprintf(f, "  %-12s %9zu %9zu %9.4f%s\n", mqttids_class_name(c), g->support[c], g->alerted[c],
                g->alerted_share[c], c == MQTTIDS_CLASS_LEGITIMATE ? "  (false alarms)" : "  (detected)");
    snprintf(title, sizeof title, "by %s", mqttids_level_name(level) ? mqttids_level_name(level) : "?");
    mqttids_metrics_write_text(f, title, &g->m);
}

char *mqttids_group_metrics_json(const mqttids_group_metrics *g)
{
    json_object *o = json_object_new_object(), *cl = json_object_new_array();
    json_object_object_add(o, "groups", json_object_new_int64((int64_t)g->groups));
    json_object_object_add(o, "rows", json_object_new_int64((int64_t)g->rows));
    json_object_object_add(o, "rows_without_id", json_object_new_int64((int64_t)g->rows_no_group));
    json_object_object_add(o, "mixed_label_groups", json_object_new_int64((int64_t)g->mixed));
    for (int c = 0; c < MQTTIDS_NCLASS; c++) {
        json_object *e = json_object_new_object();
        json_object_object_add(e, "class", json_object_new_string(mqttids_class_name(c)));
        json_object_object_add(e, "support", json_object_new_int64((int64_t)g->support[c]));
        json_object_object_add(e, "alerted", json_object_new_int64((int64_t)g->alerted[c]));
        json_object_object_add(e, "alerted_share", util__json_double(g->alerted_share[c]));
        json_object_array_add(cl, e);
    }
    json_object_object_add(o, "classes", cl);
    json_object_object_add(o, "legitimate_alerted_share",
                           util__json_double(g->alerted_share[MQTTIDS_CLASS_LEGITIMATE]));
    json_object_object_add(o, "macro_f1", util__json_double(g->m.macro_f1));
    json_object_object_add(o, "metrics", metrics_object(&g->m));
    return util__json_text(o);
}

/* ---- cross-validation ---- */

void mqttids_cv_write_text(FILE *f, const mqttids_cv_result *r)
{
    fprintf(f, "%d-fold cross-validation, %s (mean +- std over folds)\n", r->folds,
            r->metric == MQTTIDS_METRIC_MACRO_F1 ? "macro-F1" : "accuracy");
    for (size_t i = 0; i < r->npoints; i++)
        fprintf(f, "  %s %.4f +- %.4f  (accuracy %.4f, macro-F1 %.4f, %.1f s)  %s\n", i == r->best ? "*" : " ",
                r->points[i].mean, r->points[i].std, r->points[i].mean_accuracy, r->points[i].mean_macro_f1,
                r->points[i].seconds, *r->points[i].params ? r->points[i].params : "(defaults)");
}

char *mqttids_cv_json(const mqttids_cv_result *r)
{
    json_object *o = json_object_new_object(), *pts = json_object_new_array();
    json_object_object_add(o, "folds", json_object_new_int(r->folds));
    json_object_object_add(o, "metric",
                           json_object_new_string(r->metric == MQTTIDS_METRIC_MACRO_F1 ? "macro_f1" : "accuracy"));
    for (size_t i = 0; i < r->npoints; i++) {
        json_object *p = json_object_new_object(), *fs = json_object_new_array();
        json_object_object_add(p, "params", json_object_new_string(r->points[i].params));
        json_object_object_add(p, "mean", util__json_double(r->points[i].mean));
        json_object_object_add(p, "std", util__json_double(r->points[i].std));
        json_object_object_add(p, "mean_accuracy", util__json_double(r->points[i].mean_accuracy));
        json_object_object_add(p, "mean_macro_f1", util__json_double(r->points[i].mean_macro_f1));
        for (int k = 0; k < r->folds; k++)
            json_object_array_add(fs, util__json_double(r->points[i].fold_scores[k]));
        json_object_object_add(p, "fold_scores", fs);
        json_object_object_add(p, "seconds", util__json_double(r->points[i].seconds));
        json_object_array_add(pts, p);
    }
    json_object_object_add(o, "points", pts);
    json_object_object_add(o, "best", json_object_new_int64((int64_t)r->best));
    return util__json_text(o);
}

/* ---- a network's training curve ---- */

char *mqttids_curve_json(const mqttids_curve *curve)
{
    json_object *cj = json_object_new_object(), *ep = json_object_new_array();
    for (size_t k = 0; k < curve->n; k++) {
        json_object *e = json_object_new_object();
        json_object_object_add(e, "train_loss", util__json_double(curve->epochs[k].train_loss));
        json_object_object_add(e, "train_acc", util__json_double(curve->epochs[k].train_acc));
        json_object_object_add(e, "val_loss", util__json_double(curve->epochs[k].val_loss));
        json_object_object_add(e, "val_acc", util__json_double(curve->epochs[k].val_acc));
        json_object_object_add(e, "lr", util__json_double(curve->epochs[k].lr));
        json_object_array_add(ep, e);
    }
    json_object_object_add(cj, "epochs", ep);
    json_object_object_add(cj, "best_epoch", json_object_new_int(curve->best_epoch));
    json_object_object_add(cj, "diverged", json_object_new_boolean(curve->diverged));
    return util__json_text(cj);
}

/* ---- models ---- */

/* The pipeline's dropped columns: each named with its rule, the zeros rule as a count. */
static void write_dropped(FILE *f, const mqttids_pipeline *p)
{
    size_t nz = 0;
    fprintf(f, "\n  dropped:");
    for (size_t i = 0; i < mqttids_pipeline_n_dropped(p); i++) {
        const char *name, *why;
        mqttids_pipeline_dropped(p, i, &name, &why);
        if (strncmp(why, "zeros", 5) == 0)
            nz++;
        else
            fprintf(f, " %s [%s]", name, why);
    }
    fprintf(f, " + %zu columns by the zeros rule\n", nz);
}

void mqttids_model_write_text(FILE *f, const mqttids_model *m)
{
    const mqttids_pipeline *p = mqttids_model_pipeline(m);
    fprintf(f, "model %s (%s), %d classes, %zu features\n", mqttids_model_id(m), mqttids_model_kind(m),
            mqttids_model_nclasses(m), mqttids_pipeline_nfeatures(p));
    fprintf(f, "  params: %s\n", mqttids_model_params(m));
    if (*mqttids_model_state_summary(m))
        fprintf(f, "  fitted: %s\n", mqttids_model_state_summary(m));
    fprintf(f, "  inputs:");
    for (size_t i = 0; i < mqttids_pipeline_n_inputs(p); i++)
        fprintf(f, " %s(%s)", mqttids_pipeline_input_name(p, i), mqttids_pipeline_input_role(p, i));
    write_dropped(f, p);
    for (size_t i = 0; i < mqttids_model_n_meta(m); i++) {
        const char *k, *v;
        mqttids_model_meta(m, i, &k, &v);
        if (strcmp(k, "params") != 0)
            fprintf(f, "  %s: %s\n", k, v);
    }
}

/* {"column": name, key: value} */
static json_object *column_entry(const char *name, const char *key, const char *value)
{
    json_object *e = json_object_new_object();
    json_object_object_add(e, "column", json_object_new_string(name));
    json_object_object_add(e, key, json_object_new_string(value));
    return e;
}

char *mqttids_model_json(const mqttids_model *m)
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
    for (size_t i = 0; i < mqttids_pipeline_n_inputs(p); i++)
        json_object_array_add(in, column_entry(mqttids_pipeline_input_name(p, i), "role",
                                               mqttids_pipeline_input_role(p, i)));
    json_object_object_add(o, "inputs", in);
    for (size_t i = 0; i < mqttids_pipeline_n_dropped(p); i++) {
        const char *name, *why;
        mqttids_pipeline_dropped(p, i, &name, &why);
        json_object_array_add(dr, column_entry(name, "why", why));
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
    return util__json_text(o);
}
