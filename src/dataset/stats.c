/*
 * stats.c: the study's exploration statistics on a dataset (see mqttids/stats.h).
 *
 * Definitions (written down in docs/internals/dataset.md):
 * - zero and correlation: rules.c, shared with the feature pipeline. Pearson r here is over
 *   all rows between NUM feature columns; the rule drops the later column (CSV order) of a
 *   pair of columns that survive the zeros rule with |r| > threshold (the study dropped
 *   mqtt.qos, r 0.988 with mqtt.len).
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

/* Order-preserving map of a double to an unsigned key (negative numbers reversed). */
static uint64_t dkey(double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return (u >> 63) ? ~u : u | ((uint64_t)1 << 63);
}

/*
 * Sorts x (n values) ascending: LSD radix sort on the keys, 8 bits a pass, passes whose
 * byte is the same in every key skipped (an integer column such as tcp.len needs 2 or 3
 * of the 8). Replaces qsort with a comparison callback, 5-10x slower on 231k rows.
 * NaNs go to the ends (by sign). Returns 0, or -1 when out of memory.
 */
static int sort_doubles(double *x, size_t n)
{
    size_t cnt[8][256];
    uint64_t *k = malloc((n ? n : 1) * sizeof *k), *t = malloc((n ? n : 1) * sizeof *t);
    if (!k || !t) {
        free(k);
        free(t);
        return -1;
    }
    memset(cnt, 0, sizeof cnt);
    for (size_t i = 0; i < n; i++) {
        k[i] = dkey(x[i]);
        for (int b = 0; b < 8; b++)
            cnt[b][(k[i] >> (8 * b)) & 255]++;
    }
    for (int b = 0; b < 8; b++) {
        size_t pos = 0;
        if (n == 0 || cnt[b][(k[0] >> (8 * b)) & 255] == n)
            continue; /* every key has the same byte here */
        for (int v = 0; v < 256; v++) {
            size_t c = cnt[b][v];
            cnt[b][v] = pos;
            pos += c;
        }
        for (size_t i = 0; i < n; i++)
            t[cnt[b][(k[i] >> (8 * b)) & 255]++] = k[i];
        uint64_t *sw = k;
        k = t;
        t = sw;
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t u = (k[i] >> 63) ? k[i] & ~((uint64_t)1 << 63) : ~k[i];
        memcpy(&x[i], &u, sizeof u);
    }
    free(k);
    free(t);
    return 0;
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
        vc = sort_doubles(s, n) == 0 ? calloc(n ? n : 1, sizeof *vc) : NULL;
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

static double matrix_r(void *user, size_t a, size_t b)
{
    const mqttids_stats *s = user;
    return s->corr[a * s->ncorr + b];
}

/* S[a][b] += sum over the nb rows of blk (nb, m) of blk[i][a] blk[i][b], b >= a, each sum
   over the rows in order (so exactly the per-pair loop's sums). Four pairs (a, b..b+3)
   at a time in one accumulator that stays in a register over the rows. With GCC on
   x86-64 also compiled for AVX2; no FMA contraction in ISO C mode, so both versions give
   the same sums. */
typedef double corr_v4 __attribute__((vector_size(32)));
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
__attribute__((target_clones("arch=x86-64-v3", "default")))
#endif
static void corr_block(const double *blk, size_t nb, size_t m, double *S)
{
    for (size_t a = 0; a < m; a++) {
        size_t b = a;
        for (; b + 4 <= m; b += 4) {
            corr_v4 acc, x;
            memcpy(&acc, S + a * m + b, sizeof acc);
            for (size_t i = 0; i < nb; i++) {
                memcpy(&x, blk + i * m + b, sizeof x);
                acc += blk[i * m + a] * x;
            }
            memcpy(S + a * m + b, &acc, sizeof acc);
        }
        for (; b < m; b++) {
            double acc = S[a * m + b];
            for (size_t i = 0; i < nb; i++)
                acc += blk[i * m + a] * blk[i * m + b];
            S[a * m + b] = acc;
        }
    }
}

int dataset__corr_alloc(mqttids_stats *s)
{
    size_t m = 0;
    s->corr_cols = malloc(MQTTIDS_NFEAT * sizeof *s->corr_cols);
    if (!s->corr_cols)
        return -1;
    for (int f = 0; f < MQTTIDS_NFEAT; f++)
        if (mqttids_feat_kind(f) == MQTTIDS_KIND_NUM)
            s->corr_cols[m++] = f;
    s->ncorr = m;
    s->corr = malloc(m * m * sizeof *s->corr);
    return s->corr ? 0 : -1;
}

void dataset__corr_rule(mqttids_stats *s, double threshold)
{
    int out[MQTTIDS_NFEAT];
    size_t m = s->ncorr < MQTTIDS_NFEAT ? s->ncorr : MQTTIDS_NFEAT, with;
    double r;
    for (size_t k = 0; k < m; k++)
        out[k] = s->cols[s->corr_cols[k]].dropped_zero;
    for (size_t b = 0; b < m; b++) {
        mqttids_column_stats *cb = &s->cols[s->corr_cols[b]];
        if (dataset__corr_drop(m, out, matrix_r, s, threshold, b, &with, &r)) {
            cb->dropped_corr = 1;
            cb->corr_with = s->corr_cols[with];
            cb->corr_r = r;
            out[b] = 1;
        }
    }
}

/* Column j: nulls, zeros (rules.c), moments, distinct values of a nominal column. */
static mqttids_err column_stats(const mqttids_dataset *ds, size_t j, size_t n, const mqttids_stats_opts *opts,
                                mqttids_column_stats *c)
{
    const double *x = mqttids_dataset_col_num(ds, j);
    double sum = 0, sq = 0, mn = INFINITY, mx = -INFINITY;
    size_t valid = 0;
    c->name = mqttids_dataset_col_name(ds, j);
    c->kind = mqttids_dataset_col_kind(ds, j);
    c->corr_with = -1;
    c->zeros = dataset__count_zeros(ds, j, NULL, n); /* the zero of rules.c */
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
        return MQTTIDS_ERR_NOMEM;
    c->dropped_zero = j < MQTTIDS_NFEAT && n > 0 && c->zero_share > opts->zero_threshold;
    return MQTTIDS_OK;
}

/* IQR outliers on tcp.len (the study's integer column): nearest-rank quartiles. */
static mqttids_err iqr_outliers(const mqttids_dataset *ds, size_t n, const mqttids_stats_opts *opts, mqttids_stats *s)
{
    const double *x = mqttids_dataset_col_num(ds, MQTTIDS_F_TCP_LEN);
    double *sorted = malloc((n ? n : 1) * sizeof *sorted);
    if (!sorted)
        return MQTTIDS_ERR_NOMEM;
    s->n_iqr_cols = 1;
    s->iqr_cols[0] = MQTTIDS_F_TCP_LEN;
    if (n) /* no column array without rows */
        memcpy(sorted, x, n * sizeof *sorted);
    if (sort_doubles(sorted, n) != 0) {
        free(sorted);
        return MQTTIDS_ERR_NOMEM;
    }
    if (n) {
        size_t r1 = (size_t)ceil(0.25 * (double)n), r3 = (size_t)ceil(0.75 * (double)n);
        double q1 = sorted[r1 ? r1 - 1 : 0], q3 = sorted[r3 ? r3 - 1 : 0], iqr = q3 - q1;
        double lo = q1 - opts->iqr_k * iqr, hi = q3 + opts->iqr_k * iqr;
        s->iqr_q1[0] = q1;
        s->iqr_q3[0] = q3;
        /* outliers from the sorted copy: the rows below lo and above hi (no extra scan) */
        size_t first = 0, last = n, below = 0, above = 0; /* NaNs sit at the ends */
        while (first < last && isnan(sorted[first]))
            first++;
        while (last > first && isnan(sorted[last - 1]))
            last--;
        while (first + below < last && sorted[first + below] < lo)
            below++;
        while (last - above > first + below && sorted[last - 1 - above] > hi)
            above++;
        s->outlier_rows[1] = below + above;
        s->outlier_rows[0] = n - below - above;
    }
    free(sorted);
    return MQTTIDS_OK;
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
    for (size_t j = 0; j < ds->ncols; j++)
        if (column_stats(ds, j, n, opts, &s->cols[j]) != MQTTIDS_OK)
            goto out_nomem;

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
        if (dataset__corr_alloc(s) != 0)
            goto out_nomem;
        size_t m = s->ncorr;
        /* Pearson r of every pair in one scan over the rows (it was one scan per pair):
           rows in blocks of CORR_BLOCK, centred into a small row-major buffer, then
           S[a][b] += dx_a dx_b for all b >= a (corr_block). Each sum still adds its rows
           in row order, so r is the number the pairwise loop gave. */
        enum { CORR_BLOCK = 128 }; /* rows: the block (128 x 33 doubles) stays in L1 */
        const double *col[MQTTIDS_NFEAT];
        double mean[MQTTIDS_NFEAT];
        double *S = calloc(m * m, sizeof *S), *blk = malloc(CORR_BLOCK * (m ? m : 1) * sizeof *blk);
        if (!S || !blk) {
            free(S);
            free(blk);
            goto out_nomem;
        }
        for (size_t a = 0; a < m; a++) {
            col[a] = mqttids_dataset_col_num(ds, (size_t)s->corr_cols[a]);
            mean[a] = s->cols[s->corr_cols[a]].mean;
        }
        for (size_t i0 = 0; i0 < n; i0 += CORR_BLOCK) {
            size_t nb = n - i0 < CORR_BLOCK ? n - i0 : CORR_BLOCK;
            for (size_t a = 0; a < m; a++)
                for (size_t i = 0; i < nb; i++)
                    blk[i * m + a] = col[a][i0 + i] - mean[a];
            corr_block(blk, nb, m, S);
        }
        for (size_t a = 0; a < m; a++) {
            s->corr[a * m + a] = s->cols[s->corr_cols[a]].std > 0 ? 1.0 : NAN;
            for (size_t b = a + 1; b < m; b++) {
                double sxx = S[a * m + a], syy = S[b * m + b];
                double r = sxx == 0 || syy == 0 ? NAN : S[a * m + b] / sqrt(sxx * syy);
                s->corr[a * m + b] = s->corr[b * m + a] = r;
            }
        }
        free(S);
        free(blk);
        dataset__corr_rule(s, opts->corr_threshold);
    }

    if (iqr_outliers(ds, n, opts, s) != MQTTIDS_OK)
        goto out_nomem;
    *out = s;
    return MQTTIDS_OK;
out_nomem:
    mqttids_stats_free(s);
    return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "stats: out of memory");
}
