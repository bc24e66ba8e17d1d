/*
 * stats_text.c: the study's exploration (mqttids_stats) as aligned tables and as JSON, the
 * same for "mqttids stats" (computed in memory) and "mqttids db stats" (computed by SQL).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <json-c/json.h>
#include "mqttids/stats.h"
#include "util/util_int.h"

static const char *short_name(const char *n)
{
    return strncmp(n, "mqtt.", 5) == 0 ? n + 5 : n;
}

static void fmt_num(char *buf, size_t size, double v)
{
    if (isnan(v))
        snprintf(buf, size, "-");
    else if (v == floor(v) && fabs(v) < 1e15)
        snprintf(buf, size, "%.0f", v);
    else
        snprintf(buf, size, "%.6g", v);
}

void mqttids_stats_write_text(FILE *f, const mqttids_stats *s)
{
    static const char *splits[3] = {"untagged", "train", "test"};
    char a[32], b[32], c[32], d[32], e[32];

    fprintf(f, "Rows per split and class (%zu rows)\n", s->nrows);
    fprintf(f, "  %-12s %10s %10s %10s %10s\n", "class", "train", "test", "untagged", "total");
    for (int k = 0; k <= MQTTIDS_NCLASS; k++) {
        size_t tot = s->counts[0][k] + s->counts[1][k] + s->counts[2][k];
        if (k == MQTTIDS_NCLASS && tot == 0)
            continue;
        fprintf(f, "  %-12s %10zu %10zu %10zu %10zu\n", k < MQTTIDS_NCLASS ? mqttids_class_name(k) : "(unlabeled)",
               s->counts[1][k], s->counts[2][k], s->counts[0][k], tot);
    }
    {
        size_t t[3] = {0, 0, 0};
        for (int p = 0; p < 3; p++)
            for (int k = 0; k <= MQTTIDS_NCLASS; k++)
                t[p] += s->counts[p][k];
        fprintf(f, "  %-12s %10zu %10zu %10zu %10zu\n", "all", t[1], t[2], t[0], s->nrows);
    }
    if (s->negative_deltas)
        fprintf(f, "  rows with negative tcp.time_delta (kept): %zu\n", s->negative_deltas);

    fprintf(f, "\nColumns: nulls, share of zeros, numeric summary, rule that drops it\n");
    fprintf(f, "  %-28s %-5s %6s %8s %12s %12s %12s %12s  %s\n", "column", "kind", "nulls", "zeros%", "mean", "std",
           "min", "max", "dropped by");
    for (size_t j = 0; j < s->ncols; j++) {
        const mqttids_column_stats *col = &s->cols[j];
        char drop[96] = "";
        fmt_num(a, sizeof a, col->mean);
        fmt_num(b, sizeof b, col->std);
        fmt_num(c, sizeof c, col->min);
        fmt_num(d, sizeof d, col->max);
        if (col->dropped_zero)
            snprintf(drop, sizeof drop, "zeros");
        else if (col->dropped_corr)
            snprintf(drop, sizeof drop, "correlation (r=%.3f with %s)", col->corr_r,
                     s->cols[col->corr_with].name);
        fprintf(f, "  %-28s %-5s %6zu %8.2f %12s %12s %12s %12s  %s\n", col->name,
               col->kind == MQTTIDS_KIND_HEX ? "hex" : col->kind == MQTTIDS_KIND_TEXT ? "text" : "num",
               col->nulls, 100.0 * col->zero_share, a, b, c, d, drop);
    }

    fprintf(f, "\nDistinct values of the nominal columns\n");
    for (size_t j = 0; j < s->ncols; j++) {
        const mqttids_column_stats *col = &s->cols[j];
        if (!col->nominal)
            continue;
        fprintf(f, "  %s (%zu distinct)\n", col->name, col->nvalues);
        for (size_t k = 0; k < col->nvalues && k < 20; k++)
            fprintf(f, "    %-14s %10zu\n", col->values[k].value, col->values[k].count);
        if (col->nvalues > 20)
            fprintf(f, "    ... %zu more\n", col->nvalues - 20);
    }

    if (isnan(s->mean_mqtt_len_train))
        fprintf(f, "\nMean mqtt.len over train rows: - (no train rows)\n");
    else
        fprintf(f, "\nMean mqtt.len over train rows: %.6f\n", s->mean_mqtt_len_train);

    fprintf(f, "\nMean tcp.len per class\n");
    fprintf(f, "  %-12s %14s %14s %14s\n", "class", "all", "train", "test");
    for (int k = 0; k < MQTTIDS_NCLASS; k++) {
        if (isnan(s->mean_tcp_len[0][k]))
            continue;
        snprintf(a, sizeof a, "%.5f", s->mean_tcp_len[0][k]);
        if (isnan(s->mean_tcp_len[1][k]))
            snprintf(b, sizeof b, "-");
        else
            snprintf(b, sizeof b, "%.5f", s->mean_tcp_len[1][k]);
        if (isnan(s->mean_tcp_len[2][k]))
            snprintf(c, sizeof c, "-");
        else
            snprintf(c, sizeof c, "%.5f", s->mean_tcp_len[2][k]);
        fprintf(f, "  %-12s %14s %14s %14s\n", mqttids_class_name(k), a, b, c);
    }

    fprintf(f, "\nTop %zu tcp.flags\n", s->ntop);
    for (size_t k = 0; k < s->ntop; k++)
        fprintf(f, "  %-12s %10zu %7.2f%%\n", s->top_flags[k].value, s->top_flags[k].count,
               s->nrows ? 100.0 * (double)s->top_flags[k].count / (double)s->nrows : 0.0);

    fprintf(f, "\nCorrelation matrix (Pearson r; columns numbered as the rows)\n");
    {
        int shown[64];
        size_t ns = 0, constant = 0;
        for (size_t q = 0; q < s->ncorr && ns < 64; q++) {
            if (isnan(s->corr[q * s->ncorr + q]))
                constant++;
            else
                shown[ns++] = (int)q;
        }
        /* numbers head the columns: names cut to a column's width read alike (conflag.*) */
        fprintf(f, "  %-26s", "");
        for (size_t x = 0; x < ns; x++) {
            char h[24];
            snprintf(h, sizeof h, "[%zu]", x + 1);
            fprintf(f, " %8s", h);
        }
        fprintf(f, "\n");
        for (size_t y = 0; y < ns; y++) {
            char lab[40];
            snprintf(lab, sizeof lab, "[%zu] %s", y + 1, short_name(s->cols[s->corr_cols[shown[y]]].name));
            fprintf(f, "  %-26s", lab);
            for (size_t x = 0; x < ns; x++) {
                double r = s->corr[(size_t)shown[y] * s->ncorr + (size_t)shown[x]];
                if (isnan(r))
                    fprintf(f, " %8s", "-");
                else
                    fprintf(f, " %8.3f", r);
            }
            fprintf(f, "\n");
        }
        fprintf(f, "  constant, left out (%zu):", constant);
        for (size_t q = 0; q < s->ncorr; q++)
            if (isnan(s->corr[q * s->ncorr + q]))
                fprintf(f, " %s", short_name(s->cols[s->corr_cols[q]].name));
        fprintf(f, "%s\n", constant ? "" : " none");
    }

    fprintf(f, "\nIQR outliers (tcp.len, the study's integer column)\n");
    fmt_num(a, sizeof a, s->iqr_q1[0]);
    fmt_num(b, sizeof b, s->iqr_q3[0]);
    fprintf(f, "  Q1 %s, Q3 %s\n", a, b);
    fprintf(f, "  rows with 0 outlying columns: %zu\n", s->outlier_rows[0]);
    fprintf(f, "  rows with 1 outlying column:  %zu\n", s->outlier_rows[1]);

    fprintf(f, "\nColumns the rules drop\n");
    {
        size_t nz = 0, nc = 0;
        fprintf(f, "  more zeros than the threshold:");
        for (size_t j = 0; j < s->ncols; j++)
            if (s->cols[j].dropped_zero) {
                fprintf(f, " %s", s->cols[j].name);
                nz++;
            }
        fprintf(f, "\n  (%zu columns)\n  correlation:", nz);
        for (size_t j = 0; j < s->ncols; j++)
            if (s->cols[j].dropped_corr) {
                fprintf(f, " %s", s->cols[j].name);
                nc++;
            }
        fprintf(f, "%s\n", nc ? "" : " none");
    }
    (void)e;
    (void)splits;
}


static json_object *stats_object(const mqttids_stats *s, const mqttids_stats_opts *o)
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
            json_object_object_add(jc, "zero_share", util__json_double(c->zero_share));
            json_object_object_add(jc, "mean", util__json_double(c->mean));
            json_object_object_add(jc, "std", util__json_double(c->std));
            json_object_object_add(jc, "min", util__json_double(c->min));
            json_object_object_add(jc, "max", util__json_double(c->max));
            json_object_object_add(jc, "dropped_by", c->dropped_zero ? json_object_new_string("zeros")
                                                     : c->dropped_corr ? json_object_new_string("correlation")
                                                                       : NULL);
            if (c->dropped_corr) {
                json_object_object_add(jc, "correlated_with", json_object_new_string(s->cols[c->corr_with].name));
                json_object_object_add(jc, "r", util__json_double(c->corr_r));
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
    json_object_object_add(root, "mean_mqtt_len_train", util__json_double(s->mean_mqtt_len_train));
    {
        json_object *m = json_object_new_object();
        for (int p = 0; p < 3; p++) {
            json_object *per = json_object_new_object();
            for (int k = 0; k < MQTTIDS_NCLASS; k++)
                if (!isnan(s->mean_tcp_len[p][k]))
                    json_object_object_add(per, mqttids_class_name(k), util__json_double(s->mean_tcp_len[p][k]));
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
                json_object_array_add(row, util__json_double(s->corr[a * s->ncorr + b]));
            json_object_array_add(mat, row);
        }
        json_object_object_add(corr, "columns", names);
        json_object_object_add(corr, "r", mat);
        json_object_object_add(root, "correlation", corr);
    }
    {
        json_object *iqr = json_object_new_object();
        json_object_object_add(iqr, "column", json_object_new_string("tcp.len"));
        json_object_object_add(iqr, "q1", util__json_double(s->iqr_q1[0]));
        json_object_object_add(iqr, "q3", util__json_double(s->iqr_q3[0]));
        json_object_object_add(iqr, "k", util__json_double(o->iqr_k));
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
        json_object_object_add(d, "zero_threshold", util__json_double(o->zero_threshold));
        json_object_object_add(d, "corr_threshold", util__json_double(o->corr_threshold));
        json_object_object_add(root, "dropped", d);
    }
    return root;
}

char *mqttids_stats_json(const mqttids_stats *s, const mqttids_stats_opts *o)
{
    mqttids_stats_opts defaults;
    if (!o) {
        mqttids_stats_opts_init(&defaults);
        o = &defaults;
    }
    return util__json_text(stats_object(s, o));
}
