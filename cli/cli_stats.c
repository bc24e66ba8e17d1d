/*
 * cli_stats.c: the options and JSON of the study's exploration (mqttids_stats), shared by
 * "mqttids stats" (computed in memory) and "mqttids db stats" (computed by SQL), so both
 * print the same output for the same data; the tables are mqttids_stats_write_text.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

int cli_stats_option(mqttids_stats_opts *so, const char *cmd, int code, const char *arg)
{
    char *end;
    switch (code) {
    case 't':
        so->top_flags = (int)strtol(arg, &end, 10);
        if (*arg == '\0' || *end || so->top_flags < 1) {
            cli_usage_error(cmd, "--top needs a positive integer, not '%s'", arg);
            return -1;
        }
        return 0;
    case 'z':
        so->zero_threshold = strtod(arg, &end);
        if (*arg == '\0' || *end || !(so->zero_threshold >= 0 && so->zero_threshold <= 1)) {
            cli_usage_error(cmd, "--zero-threshold needs a number in [0, 1], not '%s'", arg);
            return -1;
        }
        return 0;
    case 'c':
        so->corr_threshold = strtod(arg, &end);
        if (*arg == '\0' || *end || !(so->corr_threshold >= 0 && so->corr_threshold <= 1)) {
            cli_usage_error(cmd, "--corr-threshold needs a number in [0, 1], not '%s'", arg);
            return -1;
        }
        return 0;
    default:
        return -1;
    }
}

void cli_stats_print(const mqttids_stats *s)
{
    mqttids_stats_write_text(stdout, s);
}

json_object *cli_stats_json(const mqttids_stats *s, const mqttids_stats_opts *o)
{
    json_object *root = json_object_new_object(), *counts = json_object_new_object();
    static const char *splits[3] = {"untagged", "train", "test"};
    json_object_object_add(root, "rows", json_object_new_int64((int64_t)s->nrows));
    for (int p = 0; p < 3; p++) {
        json_object *per = json_object_new_object();
        for (int k = 0; k <= MQTTIDS_NCLASS; k++)
            if (k < MQTTIDS_NCLASS || s->counts[p][k])
                json_object_object_add(per, k < MQTTIDS_NCLASS ? mqttids_class_name(k) : "unlabeled",
                                       json_object_new_int64((int64_t)s->counts[p][k]));
        json_object_object_add(counts, splits[p], per);
    }
    json_object_object_add(root, "counts", counts);
    json_object_object_add(root, "negative_time_deltas", json_object_new_int64((int64_t)s->negative_deltas));
    {
        json_object *cols = json_object_new_array();
        for (size_t j = 0; j < s->ncols; j++) {
            const mqttids_column_stats *c = &s->cols[j];
            json_object *jc = json_object_new_object();
            json_object_object_add(jc, "name", json_object_new_string(c->name));
            json_object_object_add(jc, "kind", json_object_new_string(
                c->kind == MQTTIDS_KIND_HEX ? "hex" : c->kind == MQTTIDS_KIND_TEXT ? "text" : "num"));
            json_object_object_add(jc, "nulls", json_object_new_int64((int64_t)c->nulls));
            json_object_object_add(jc, "zeros", json_object_new_int64((int64_t)c->zeros));
            json_object_object_add(jc, "zero_share", cli_json_double(c->zero_share));
            json_object_object_add(jc, "mean", cli_json_double(c->mean));
            json_object_object_add(jc, "std", cli_json_double(c->std));
            json_object_object_add(jc, "min", cli_json_double(c->min));
            json_object_object_add(jc, "max", cli_json_double(c->max));
            json_object_object_add(jc, "dropped_by", c->dropped_zero ? json_object_new_string("zeros")
                                                     : c->dropped_corr ? json_object_new_string("correlation")
                                                                       : NULL);
            if (c->dropped_corr) {
                json_object_object_add(jc, "correlated_with", json_object_new_string(s->cols[c->corr_with].name));
                json_object_object_add(jc, "r", cli_json_double(c->corr_r));
            }
            if (c->nominal) {
                json_object *vals = json_object_new_array();
                for (size_t k = 0; k < c->nvalues; k++) {
                    json_object *v = json_object_new_object();
                    json_object_object_add(v, "value", json_object_new_string(c->values[k].value));
                    json_object_object_add(v, "count", json_object_new_int64((int64_t)c->values[k].count));
                    json_object_array_add(vals, v);
                }
                json_object_object_add(jc, "values", vals);
            }
            json_object_array_add(cols, jc);
        }
        json_object_object_add(root, "columns", cols);
    }
    json_object_object_add(root, "mean_mqtt_len_train", cli_json_double(s->mean_mqtt_len_train));
    {
        json_object *m = json_object_new_object();
        for (int p = 0; p < 3; p++) {
            json_object *per = json_object_new_object();
            for (int k = 0; k < MQTTIDS_NCLASS; k++)
                if (!isnan(s->mean_tcp_len[p][k]))
                    json_object_object_add(per, mqttids_class_name(k), cli_json_double(s->mean_tcp_len[p][k]));
            json_object_object_add(m, p == 0 ? "all" : splits[p], per);
        }
        json_object_object_add(root, "mean_tcp_len", m);
    }
    {
        json_object *t = json_object_new_array();
        for (size_t k = 0; k < s->ntop; k++) {
            json_object *v = json_object_new_object();
            json_object_object_add(v, "value", json_object_new_string(s->top_flags[k].value));
            json_object_object_add(v, "count", json_object_new_int64((int64_t)s->top_flags[k].count));
            json_object_array_add(t, v);
        }
        json_object_object_add(root, "top_tcp_flags", t);
    }
    {
        json_object *corr = json_object_new_object(), *names = json_object_new_array(), *mat = json_object_new_array();
        for (size_t a = 0; a < s->ncorr; a++) {
            json_object *row = json_object_new_array();
            json_object_array_add(names, json_object_new_string(s->cols[s->corr_cols[a]].name));
            for (size_t b = 0; b < s->ncorr; b++)
                json_object_array_add(row, cli_json_double(s->corr[a * s->ncorr + b]));
            json_object_array_add(mat, row);
        }
        json_object_object_add(corr, "columns", names);
        json_object_object_add(corr, "r", mat);
        json_object_object_add(root, "correlation", corr);
    }
    {
        json_object *iqr = json_object_new_object();
        json_object_object_add(iqr, "column", json_object_new_string("tcp.len"));
        json_object_object_add(iqr, "q1", cli_json_double(s->iqr_q1[0]));
        json_object_object_add(iqr, "q3", cli_json_double(s->iqr_q3[0]));
        json_object_object_add(iqr, "k", cli_json_double(o->iqr_k));
        json_object_object_add(iqr, "rows_with_0_outliers", json_object_new_int64((int64_t)s->outlier_rows[0]));
        json_object_object_add(iqr, "rows_with_1_outlier", json_object_new_int64((int64_t)s->outlier_rows[1]));
        json_object_object_add(root, "iqr_outliers", iqr);
    }
    {
        json_object *dz = json_object_new_array(), *dc = json_object_new_array(), *d = json_object_new_object();
        for (size_t j = 0; j < s->ncols; j++) {
            if (s->cols[j].dropped_zero)
                json_object_array_add(dz, json_object_new_string(s->cols[j].name));
            if (s->cols[j].dropped_corr)
                json_object_array_add(dc, json_object_new_string(s->cols[j].name));
        }
        json_object_object_add(d, "zeros", dz);
        json_object_object_add(d, "correlation", dc);
        json_object_object_add(d, "zero_threshold", cli_json_double(o->zero_threshold));
        json_object_object_add(d, "corr_threshold", cli_json_double(o->corr_threshold));
        json_object_object_add(root, "dropped", d);
    }
    return root;
}

