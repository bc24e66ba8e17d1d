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
    free(data->nbins);
    free(data->thr);
    data->codes = NULL;
    data->nbins = NULL;
    data->thr = NULL;
}

typedef struct vw {
    double v, w;
} vw;

static int cmp_vw(const void *a, const void *b)
{
    double x = ((const vw *)a)->v, y = ((const vw *)b)->v;
    return (x > y) - (x < y);
}

/*
 * Distinct values of column f (stride d in X) if there are at most cap of them: returns
 * their count (sorted into vals), or cap + 1 when there are more.
 */
static size_t distinct_upto(const double *X, size_t n, size_t d, size_t f, size_t cap, double *vals)
{
    size_t m = 0;
    double last = NAN;
    for (size_t i = 0; i < n; i++) {
        double x = X[i * d + f];
        if (x == last)
            continue;
        last = x;
        size_t lo = 0, hi = m;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (vals[mid] < x)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < m && vals[lo] == x)
            continue;
        if (m == cap)
            return cap + 1;
        memmove(vals + lo + 1, vals + lo, (m - lo) * sizeof *vals);
        vals[lo] = x;
        m++;
    }
    return m;
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
    size_t *sample = NULL, ns = 0;
    double *vals = NULL;
    vw *buf = NULL;
    mqttids_err err = MQTTIDS_OK;

    memset(data, 0, sizeof *data);
    data->n = n;
    data->d = d;
    data->k = k;
    data->y = y;
    data->w = w;
    for (size_t i = 0; i < n; i++)
        for (size_t f = 0; f < d; f++)
            if (!isfinite(X[i * d + f]))
                return util__fail(errbuf, MQTTIDS_ERR_INVALID,
                                  "rf: X[%zu][%zu] is not a finite number", i, f);
    if (cap > n && n >= 2)
        cap = n; /* Spark: maxBins = min(maxBins, numExamples) */
    data->codes = malloc(n * d);
    data->nbins = malloc(d * sizeof *data->nbins);
    data->thr = malloc(d * nthr_max * sizeof *data->thr);
    vals = malloc((cap + 1) * sizeof *vals);
    if (!data->codes || !data->nbins || !data->thr || !vals)
        goto out_nomem;

    for (size_t f = 0; f < d; f++) {
        double *thr = data->thr + f * nthr_max;
        size_t nthr;
        size_t m = distinct_upto(X, n, d, f, cap, vals);
        if (m <= cap) {
            nthr = m ? m - 1 : 0;
            for (size_t j = 0; j < nthr; j++)
                thr[j] = (vals[j] + vals[j + 1]) / 2.0;
        } else {
            if (!sample) {
                /* One Bernoulli sample of rows shared by all features (Spark samples once). */
                util_rng rng;
                util__rng_seed(&rng, seed ^ 0xB1A5EDB1A5ull);
                sample = malloc(n * sizeof *sample);
                buf = malloc(n * sizeof *buf);
                if (!sample || !buf)
                    goto out_nomem;
                double frac = n > need ? (double)need / (double)n : 1.0;
                for (size_t i = 0; i < n; i++)
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
        /* Bin every row once: code = number of thresholds below the value. */
        uint8_t *codes = data->codes + f * n;
        double lastx = NAN;
        uint8_t lastc = 0;
        for (size_t i = 0; i < n; i++) {
            double x = X[i * d + f];
            if (x != lastx) {
                size_t lo = 0, hi = nthr;
                while (lo < hi) {
                    size_t mid = (lo + hi) / 2;
                    if (thr[mid] < x)
                        lo = mid + 1;
                    else
                        hi = mid;
                }
                lastx = x;
                lastc = (uint8_t)lo;
            }
            codes[i] = lastc;
        }
    }
    goto out;

out_nomem:
    err = util__fail(errbuf, MQTTIDS_ERR_NOMEM, "rf: out of memory binning %zu x %zu", n, d);
    rf__data_free(data);
out:
    free(sample);
    free(buf);
    free(vals);
    return err;
}
