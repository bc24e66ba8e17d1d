/*
 * stats.c: the study's exploration statistics on a dataset (see mqttids/stats.h).
 *
 * Definitions (written down in docs/internals/dataset.md):
 * - zero: numeric 0 for NUM columns; the absent value "0" for HEX/TEXT columns (a
 *   present CONNACK flags byte 0x00000000 is not a zero, as in Spark's string columns).
 * - correlation: Pearson r over all rows between NUM feature columns; NaN when either
 *   column is constant. The rule drops the later column (CSV order) of a pair of columns
 *   that survive the zeros rule with |r| > threshold (the study dropped mqtt.qos, r 0.988
 *   with mqtt.len).
 * - IQR: on the study's integer column tcp.len; quartiles are nearest-rank
 *   (sorted[ceil(q n) - 1]); outlier outside [Q1 - k IQR, Q3 + k IQR].
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dataset/dataset_int.h"
#include "mqttids/stats.h"
#include "util/util_int.h"

void mqttids_stats_opts_init(mqttids_stats_opts *o)
{
    o->top_flags = 5;
    o->zero_threshold = 0.90;
    o->corr_threshold = 0.95;
    o->iqr_k = 1.5;
}

void mqttids_stats_free(mqttids_stats *s)
{
    if (!s)
        return;
    for (size_t j = 0; j < s->ncols; j++) {
        for (size_t k = 0; k < s->cols[j].nvalues; k++)
            free(s->cols[j].values[k].value);
        free(s->cols[j].values);
    }
    free(s->cols);
    for (size_t k = 0; k < s->ntop; k++)
        free(s->top_flags[k].value);
    free(s->top_flags);
    free(s->corr_cols);
    free(s->corr);
    free(s);
}

static int cmp_vc(const void *a, const void *b)
{
    const mqttids_value_count *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return strcmp(x->value, y->value);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int is_nominal(const mqttids_dataset *ds, size_t j)
{
    mqttids_kind k = mqttids_dataset_col_kind(ds, j);
    if (j == MQTTIDS_F_MSG || j == MQTTIDS_F_WILLMSG || j == MQTTIDS_F_WILLTOPIC)
        return 0;
    return k != MQTTIDS_KIND_NUM || j == MQTTIDS_F_MSGTYPE;
}

/* Distinct values of column j with counts, most frequent first. */
static mqttids_err distinct_values(const mqttids_dataset *ds, size_t j, mqttids_value_count **out, size_t *nout)
{
    size_t n = ds->nrows;
    const uint32_t *codes = mqttids_dataset_col_codes(ds, j);
    mqttids_value_count *vc = NULL;
    size_t nv = 0;
    if (codes) {
        size_t nd = mqttids_dataset_dict_size(ds, j);
        size_t *cnt = calloc(nd ? nd : 1, sizeof *cnt);
        if (!cnt)
            return MQTTIDS_ERR_NOMEM;
        for (size_t i = 0; i < n; i++)
            cnt[codes[i]]++;
        vc = calloc(nd ? nd : 1, sizeof *vc);
        if (!vc) {
            free(cnt);
            return MQTTIDS_ERR_NOMEM;
        }
        for (size_t c = 0; c < nd; c++) {
            if (!cnt[c])
                continue;
            vc[nv].value = strdup(mqttids_dataset_dict_str(ds, j, (uint32_t)c));
            vc[nv].count = cnt[c];
            if (!vc[nv].value) {
                free(cnt);
                for (size_t k = 0; k < nv; k++)
                    free(vc[k].value);
                free(vc);
                return MQTTIDS_ERR_NOMEM;
            }
            nv++;
        }
        free(cnt);
    } else {
        const double *x = mqttids_dataset_col_num(ds, j);
        double *s = malloc((n ? n : 1) * sizeof *s);
        if (!s)
            return MQTTIDS_ERR_NOMEM;
        if (n) /* a header-only file has no column array to copy */
            memcpy(s, x, n * sizeof *s);
        qsort(s, n, sizeof *s, cmp_double);
        vc = calloc(n ? n : 1, sizeof *vc);
        if (!vc) {
            free(s);
            return MQTTIDS_ERR_NOMEM;
        }
        for (size_t i = 0; i < n;) {
            size_t k = i;
            char buf[64];
            while (k < n && s[k] == s[i])
                k++;
            mqttids_format_double(buf, sizeof buf, s[i]);
            vc[nv].value = strdup(buf);
            vc[nv].count = k - i;
            if (!vc[nv].value) {
                free(s);
                for (size_t q = 0; q < nv; q++)
                    free(vc[q].value);
                free(vc);
                return MQTTIDS_ERR_NOMEM;
            }
            nv++;
            i = k;
        }
        free(s);
    }
    qsort(vc, nv, sizeof *vc, cmp_vc);
    *out = vc;
    *nout = nv;
    return MQTTIDS_OK;
}

static double pearson(const double *x, const double *y, size_t n, double mx, double my)
{
    double sxy = 0, sxx = 0, syy = 0;
    for (size_t i = 0; i < n; i++) {
        double dx = x[i] - mx, dy = y[i] - my;
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    if (sxx == 0 || syy == 0)
        return NAN;
    return sxy / sqrt(sxx * syy);
}

void dataset__corr_rule(mqttids_stats *s, double threshold)
{
    size_t m = s->ncorr;
    for (size_t b = 0; b < m; b++) {
        mqttids_column_stats *cb = &s->cols[s->corr_cols[b]];
        if (cb->dropped_zero)
            continue;
        for (size_t a = 0; a < b; a++) {
            mqttids_column_stats *ca = &s->cols[s->corr_cols[a]];
            double r = s->corr[a * m + b];
            if (ca->dropped_zero || ca->dropped_corr || isnan(r))
                continue;
            if (fabs(r) > threshold) {
                cb->dropped_corr = 1;
                cb->corr_with = s->corr_cols[a];
                cb->corr_r = r;
                break;
            }
        }
    }
}

mqttids_err mqttids_stats_compute(const mqttids_dataset *ds, const mqttids_stats_opts *opts,
                                  mqttids_stats **out, char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    mqttids_stats_opts defaults;
    mqttids_stats *s;
    size_t n = ds->nrows;
    const int8_t *lab = ds->labels;
    const uint8_t *spl = ds->splits;

    if (!opts) {
        mqttids_stats_opts_init(&defaults);
        opts = &defaults;
    }
    *out = NULL;
    s = calloc(1, sizeof *s);
    if (!s)
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "stats: out of memory");
    s->nrows = n;
    s->negative_deltas = ds->neg_deltas;
    s->ncols = ds->ncols;
    s->cols = calloc(ds->ncols, sizeof *s->cols);
    if (!s->cols)
        goto out_nomem;

    for (size_t i = 0; i < n; i++)
        s->counts[spl[i] <= 2 ? spl[i] : 0][lab[i] >= 0 ? lab[i] : MQTTIDS_NCLASS]++;

    /* Per column: nulls, zeros, moments, distinct values. */
    for (size_t j = 0; j < ds->ncols; j++) {
        mqttids_column_stats *c = &s->cols[j];
        const double *x = mqttids_dataset_col_num(ds, j);
        const uint32_t *codes = mqttids_dataset_col_codes(ds, j);
        double sum = 0, sq = 0, mn = INFINITY, mx = -INFINITY;
        size_t valid = 0;
        c->name = mqttids_dataset_col_name(ds, j);
        c->kind = mqttids_dataset_col_kind(ds, j);
        c->corr_with = -1;
        if (c->kind != MQTTIDS_KIND_NUM && codes) {
            /* zero = the absent value "0" */
            size_t nd = mqttids_dataset_dict_size(ds, j);
            for (uint32_t code = 0; code < nd; code++) {
                const char *v = mqttids_dataset_dict_str(ds, j, code);
                if (strcmp(v, "0") == 0 || strcmp(v, "0.0") == 0) {
                    for (size_t i = 0; i < n; i++)
                        c->zeros += codes[i] == code;
                }
            }
        } else {
            for (size_t i = 0; i < n; i++)
                c->zeros += x[i] == 0.0;
        }
        for (size_t i = 0; i < n; i++) {
            double v = x[i];
            if (isnan(v)) {
                c->nulls++;
                continue;
            }
            valid++;
            sum += v;
            sq += v * v;
            if (v < mn)
                mn = v;
            if (v > mx)
                mx = v;
        }
        c->zero_share = n ? (double)c->zeros / (double)n : NAN;
        if (c->kind == MQTTIDS_KIND_TEXT || valid == 0) {
            c->mean = c->std = c->min = c->max = NAN;
        } else {
            double m = sum / (double)valid;
            double var = valid > 1 ? (sq - (double)valid * m * m) / (double)(valid - 1) : 0.0;
            c->mean = m;
            c->std = var > 0 ? sqrt(var) : 0.0;
            c->min = mn;
            c->max = mx;
        }
        c->nominal = is_nominal(ds, j);
        if (c->nominal && distinct_values(ds, j, &c->values, &c->nvalues) != MQTTIDS_OK)
            goto out_nomem;
        c->dropped_zero = j < MQTTIDS_NFEAT && n > 0 && c->zero_share > opts->zero_threshold;
    }

    /* mean mqtt.len over train, mean tcp.len per class (all / train / test) */
    {
        const double *ml = mqttids_dataset_col_num(ds, MQTTIDS_F_LEN);
        const double *tl = mqttids_dataset_col_num(ds, MQTTIDS_F_TCP_LEN);
        double sum = 0, tsum[3][MQTTIDS_NCLASS] = {{0}};
        size_t cnt = 0, tcnt[3][MQTTIDS_NCLASS] = {{0}};
        for (size_t i = 0; i < n; i++) {
            if (spl[i] == MQTTIDS_SPLIT_TRAIN) {
                sum += ml[i];
                cnt++;
            }
            if (lab[i] >= 0) {
                tsum[0][lab[i]] += tl[i];
                tcnt[0][lab[i]]++;
                if (spl[i] == MQTTIDS_SPLIT_TRAIN || spl[i] == MQTTIDS_SPLIT_TEST) {
                    tsum[spl[i]][lab[i]] += tl[i];
                    tcnt[spl[i]][lab[i]]++;
                }
            }
        }
        s->mean_mqtt_len_train = cnt ? sum / (double)cnt : NAN;
        for (int p = 0; p < 3; p++)
            for (int k = 0; k < MQTTIDS_NCLASS; k++)
                s->mean_tcp_len[p][k] = tcnt[p][k] ? tsum[p][k] / (double)tcnt[p][k] : NAN;
    }

    /* top X tcp.flags */
    {
        const mqttids_column_stats *c = &s->cols[MQTTIDS_F_TCP_FLAGS];
        size_t k = c->nvalues < (size_t)(opts->top_flags > 0 ? opts->top_flags : 0)
                       ? c->nvalues : (size_t)(opts->top_flags > 0 ? opts->top_flags : 0);
        s->top_flags = calloc(k ? k : 1, sizeof *s->top_flags);
        if (!s->top_flags)
            goto out_nomem;
        for (size_t q = 0; q < k; q++) {
            s->top_flags[q].value = strdup(c->values[q].value);
            s->top_flags[q].count = c->values[q].count;
            if (!s->top_flags[q].value)
                goto out_nomem;
            s->ntop = q + 1;
        }
    }

    /* correlation matrix of the numeric feature columns */
    {
        size_t m = 0;
        s->corr_cols = malloc(MQTTIDS_NFEAT * sizeof *s->corr_cols);
        if (!s->corr_cols)
            goto out_nomem;
        for (int f = 0; f < MQTTIDS_NFEAT; f++)
            if (mqttids_feat_kind(f) == MQTTIDS_KIND_NUM)
                s->corr_cols[m++] = f;
        s->ncorr = m;
        s->corr = malloc(m * m * sizeof *s->corr);
        if (!s->corr)
            goto out_nomem;
        for (size_t a = 0; a < m; a++) {
            s->corr[a * m + a] = s->cols[s->corr_cols[a]].std > 0 ? 1.0 : NAN;
            for (size_t b = a + 1; b < m; b++) {
                int ca = s->corr_cols[a], cb = s->corr_cols[b];
                double r = pearson(mqttids_dataset_col_num(ds, (size_t)ca), mqttids_dataset_col_num(ds, (size_t)cb),
                                   n, s->cols[ca].mean, s->cols[cb].mean);
                s->corr[a * m + b] = s->corr[b * m + a] = r;
            }
        }
        dataset__corr_rule(s, opts->corr_threshold);
    }

    /* IQR outliers on tcp.len (the study's integer column) */
    {
        const double *x = mqttids_dataset_col_num(ds, MQTTIDS_F_TCP_LEN);
        double *sorted = malloc((n ? n : 1) * sizeof *sorted);
        if (!sorted)
            goto out_nomem;
        s->n_iqr_cols = 1;
        s->iqr_cols[0] = MQTTIDS_F_TCP_LEN;
        if (n) /* no column array without rows */
            memcpy(sorted, x, n * sizeof *sorted);
        qsort(sorted, n, sizeof *sorted, cmp_double);
        if (n) {
            size_t r1 = (size_t)ceil(0.25 * (double)n), r3 = (size_t)ceil(0.75 * (double)n);
            double q1 = sorted[r1 ? r1 - 1 : 0], q3 = sorted[r3 ? r3 - 1 : 0], iqr = q3 - q1;
            double lo = q1 - opts->iqr_k * iqr, hi = q3 + opts->iqr_k * iqr;
            s->iqr_q1[0] = q1;
            s->iqr_q3[0] = q3;
            for (size_t i = 0; i < n; i++)
                s->outlier_rows[(x[i] < lo || x[i] > hi) ? 1 : 0]++;
        }
        free(sorted);
    }
    *out = s;
    return MQTTIDS_OK;
out_nomem:
    mqttids_stats_free(s);
    return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "stats: out of memory");
}
