/*
 * rf_bins.c: split candidates per feature and the one-time binning of X (random forest).
 *
 * Candidates follow Spark's RandomForest.findSplits for continuous features:
 *  - a feature with at most maxBins distinct values gets the midpoints between
 *    consecutive distinct values (found exactly on all rows, not on a sample: one-hot
 *    columns with a rare category keep their split, where Spark's sample can miss it);
 *  - otherwise the weighted distinct values of a sample of max(maxBins^2, 10000) rows
 *    (Bernoulli sample, the whole data when smaller) are walked with Spark's stride rule
 *    (findSplitsForContinuousFeature) and each chosen boundary is a midpoint.
 * Not here: growing trees (rf_tree.c).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "ml/rf_int.h"

void rf__data_free(rf_data *data)
{
    free(data->codes);
    free(data->gy);
    free(data->gw);
    free(data->gm);
    free(data->nbins);
    free(data->thr);
    data->codes = NULL;
    data->gy = NULL;
    data->gw = NULL;
    data->gm = NULL;
    data->nbins = NULL;
    data->thr = NULL;
}

static uint64_t mix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    return h ^ (h >> 33);
}

static uint64_t row_hash(const uint8_t *row, size_t d, int y, double w)
{
    uint64_t h = 0x9E3779B97F4A7C15ull ^ (uint64_t)y, wb;
    size_t f = 0;
    for (; f + 8 <= d; f += 8) {
        uint64_t v;
        memcpy(&v, row + f, 8);
        h = mix64(h ^ v);
    }
    uint64_t t = 0;
    memcpy(&t, row + f, d - f);
    memcpy(&wb, &w, sizeof wb);
    return mix64(mix64(h ^ t) ^ wb);
}

/* Merges identical (codes row, class, weight) rows of rm (n, d) row-major into groups. */
static mqttids_err group_rows(rf_data *data, const uint8_t *rm, const int *y, const double *w)
{
    size_t n = data->n, d = data->d, u = 0, tsize = 16;
    while (tsize < 2 * n)
        tsize *= 2;
    uint32_t *table = calloc(tsize, sizeof *table), *first = malloc(n * sizeof *first);
    data->gy = malloc(n);
    data->gw = malloc(n * sizeof *data->gw);
    data->gm = malloc(n * sizeof *data->gm);
    if (!table || !first || !data->gy || !data->gw || !data->gm) {
        free(table);
        free(first);
        return MQTTIDS_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        const uint8_t *row = rm + i * d;
        double wi = w ? w[i] : 1.0;
        size_t slot = (size_t)row_hash(row, d, y[i], wi) & (tsize - 1);
        for (;;) {
            uint32_t g = table[slot];
            if (!g) {
                table[slot] = (uint32_t)(u + 1);
                first[u] = (uint32_t)i;
                data->gy[u] = (uint8_t)y[i];
                data->gw[u] = wi;
                data->gm[u] = 1;
                u++;
                break;
            }
            g--;
            if (data->gy[g] == y[i] && data->gw[g] == wi && memcmp(rm + (size_t)first[g] * d, row, d) == 0) {
                data->gm[g]++;
                break;
            }
            slot = (slot + 1) & (tsize - 1);
        }
    }
    free(table);
    data->u = u;
    if (u && u < n) { /* give back what the groups do not use (a failed shrink keeps the old block) */
        uint8_t *gy = realloc(data->gy, u);
        double *gw = realloc(data->gw, u * sizeof *gw);
        uint32_t *gm = realloc(data->gm, u * sizeof *gm);
        if (gy)
            data->gy = gy;
        if (gw)
            data->gw = gw;
        if (gm)
            data->gm = gm;
    }
    data->codes = malloc((u ? u : 1) * d);
    if (!data->codes) {
        free(first);
        return MQTTIDS_ERR_NOMEM;
    }
    for (size_t g = 0; g < u; g++) {
        const uint8_t *row = rm + (size_t)first[g] * d;
        for (size_t f = 0; f < d; f++)
            data->codes[f * u + g] = row[f];
    }
    free(first);
    return MQTTIDS_OK;
}

typedef struct vw {
    double v, w;
} vw;

static int cmp_vw(const void *a, const void *b)
{
    double x = ((const vw *)a)->v, y = ((const vw *)b)->v;
    return (x > y) - (x < y);
}

/* Inserts x into the sorted set vals[0..*m) unless present; -1 when that would exceed cap. */
static int set_add(double *vals, size_t *m, size_t cap, double x)
{
    size_t lo = 0, hi = *m;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (vals[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < *m && vals[lo] == x)
        return 0;
    if (*m == cap)
        return -1;
    memmove(vals + lo + 1, vals + lo, (*m - lo) * sizeof *vals);
    vals[lo] = x;
    (*m)++;
    return 0;
}

/* Spark's stride walk over sorted weighted distinct values; writes at most nsplits. */
static size_t quantile_splits(const vw *vc, size_t nv, double total, size_t nsplits, double *thr)
{
    size_t m = 0;
    double stride = total / (double)(nsplits + 1);
    double cur = vc[0].w, target = stride;
    for (size_t i = 1; i < nv && m < nsplits; i++) {
        double prev = cur;
        cur += vc[i].w;
        if (fabs(prev - target) < fabs(cur - target)) {
            thr[m++] = (vc[i - 1].v + vc[i].v) / 2.0;
            target += stride;
        }
    }
    return m;
}

mqttids_err rf__bin(rf_data *data, const double *X, size_t n, size_t d, const int *y, int k,
                    const double *w, int max_bins, uint64_t seed, char *errbuf)
{
    size_t cap = (size_t)max_bins, nthr_max = RF_MAX_BINS - 1;
    size_t need = cap * cap > 10000 ? cap * cap : 10000;
    size_t *sample = NULL, ns = 0, *nvals = NULL;
    double *vals = NULL, *last = NULL;
    vw *buf = NULL;
    mqttids_err err = MQTTIDS_OK;

    uint8_t *rm = NULL;
    memset(data, 0, sizeof *data);
    data->n = n;
    data->d = d;
    data->k = k;
    data->weighted = w != NULL;
    if (cap > n && n >= 2)
        cap = n; /* Spark: maxBins = min(maxBins, numExamples) */
    rm = malloc(n * d);
    data->nbins = malloc(d * sizeof *data->nbins);
    data->thr = malloc(d * nthr_max * sizeof *data->thr);
    vals = malloc(d * (cap + 1) * sizeof *vals);
    nvals = calloc(d, sizeof *nvals);
    last = malloc(d * sizeof *last);
    if (!rm || !data->nbins || !data->thr || !vals || !nvals || !last)
        goto out_nomem;

    /* Pass 1, row-major (X is read once): finiteness, and the distinct values of every
       feature while there are at most cap of them (nvals[f] = cap + 1 once there are more). */
    for (size_t f = 0; f < d; f++)
        last[f] = NAN;
    for (size_t i = 0; i < n; i++) {
        const double *row = X + i * d;
        for (size_t f = 0; f < d; f++) {
            double x = row[f];
            if (x == last[f])
                continue;
            if (!isfinite(x)) {
                err = util__fail(errbuf, MQTTIDS_ERR_INVALID, "rf: X[%zu][%zu] is not a finite number", i, f);
                goto out_free;
            }
            last[f] = x;
            if (nvals[f] <= cap && set_add(vals + f * (cap + 1), &nvals[f], cap, x))
                nvals[f] = cap + 1;
        }
    }

    for (size_t f = 0; f < d; f++) {
        double *thr = data->thr + f * nthr_max;
        size_t nthr, m = nvals[f];
        if (m <= cap) {
            const double *v = vals + f * (cap + 1);
            nthr = m ? m - 1 : 0;
            for (size_t j = 0; j < nthr; j++)
                thr[j] = (v[j] + v[j + 1]) / 2.0;
        } else {
            if (!sample) {
                /* One Bernoulli sample of rows shared by all features (Spark samples once). */
                util_rng rng;
                util__rng_seed(&rng, seed ^ 0xB1A5EDB1A5ull);
                double frac = n > need ? (double)need / (double)n : 1.0;
                size_t room = frac >= 1.0 ? n : need + need / 2 + 64;
                sample = malloc(room * sizeof *sample);
                buf = malloc(room * sizeof *buf);
                if (!sample || !buf)
                    goto out_nomem;
                for (size_t i = 0; i < n && ns < room; i++)
                    if (frac >= 1.0 || util__rng_uniform(&rng) < frac)
                        sample[ns++] = i;
            }
            size_t nb = 0;
            double total = 0.0;
            for (size_t j = 0; j < ns; j++) {
                buf[nb].v = X[sample[j] * d + f];
                buf[nb].w = w ? w[sample[j]] : 1.0;
                total += buf[nb].w;
                nb++;
            }
            qsort(buf, nb, sizeof *buf, cmp_vw);
            size_t nv = 0;
            for (size_t j = 0; j < nb; j++) {
                if (nv && buf[nv - 1].v == buf[j].v)
                    buf[nv - 1].w += buf[j].w;
                else
                    buf[nv++] = buf[j];
            }
            if (nv <= 1)
                nthr = 0;
            else if (nv - 1 <= cap - 1) {
                nthr = nv - 1;
                for (size_t j = 0; j < nthr; j++)
                    thr[j] = (buf[j].v + buf[j + 1].v) / 2.0;
            } else {
                nthr = quantile_splits(buf, nv, total, cap - 1, thr);
            }
        }
        data->nbins[f] = (uint16_t)(nthr + 1);
    }

    /* Pass 2, row-major: code = number of thresholds below the value, into rm (n, d). */
    uint8_t *lastc = (uint8_t *)nvals; /* reuse: d bytes */
    for (size_t f = 0; f < d; f++)
        last[f] = NAN;
    for (size_t i = 0; i < n; i++) {
        const double *row = X + i * d;
        for (size_t f = 0; f < d; f++) {
            double x = row[f];
            if (x != last[f]) {
                const double *thr = data->thr + f * nthr_max;
                size_t lo = 0, hi = (size_t)data->nbins[f] - 1;
                while (lo < hi) {
                    size_t mid = (lo + hi) / 2;
                    if (thr[mid] < x)
                        lo = mid + 1;
                    else
                        hi = mid;
                }
                last[f] = x;
                lastc[f] = (uint8_t)lo;
            }
            rm[i * d + f] = lastc[f];
        }
    }
    if (group_rows(data, rm, y, w))
        goto out_nomem;
    goto out_free;

out_nomem:
    err = util__fail(errbuf, MQTTIDS_ERR_NOMEM, "rf: out of memory binning %zu x %zu", n, d);
out_free:
    if (err)
        rf__data_free(data);
    free(rm);
    free(sample);
    free(buf);
    free(vals);
    free(nvals);
    free(last);
    return err;
}
