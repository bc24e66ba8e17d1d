/*
 * rf_bins.c: the bins of every feature and the one-time binning of X (random forest).
 *
 * splits=spark follows Spark's RandomForest.findSplits for continuous features:
 *  - a feature with at most maxBins distinct values gets the midpoints between
 *    consecutive distinct values (found exactly on all rows, not on a sample: one-hot
 *    columns with a rare category keep their split, where Spark's sample can miss it);
 *  - otherwise the weighted distinct values of a sample of max(maxBins^2, 10000) rows
 *    (Bernoulli sample, the whole data when smaller) are walked with Spark's stride rule
 *    (findSplitsForContinuousFeature) and each chosen boundary is a midpoint.
 * splits=exact gives every distinct value of every feature (all rows) its own bin, so a
 * tree can cut between any two neighbouring values as sklearn's; the threshold is chosen
 * per node (rf_tree.c). Above RF_MAX_CODES distinct values (codes are uint16) a feature
 * gets RF_MAX_CODES bins by the same stride walk over all its (weighted) values.
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
    free(data->off);
    free(data->thr);
    free(data->vlo);
    free(data->vhi);
    data->off = NULL;
    data->vlo = NULL;
    data->vhi = NULL;
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

/* Hash of a codes row of d bytes, its class and weight. */
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
static mqttids_err group_rows(rf_data *data, const uint16_t *rm, const int *y, const double *w)
{
    size_t n = data->n, d = data->d, u = 0, tsize = 16, rb = d * sizeof *rm;
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
        const uint16_t *row = rm + i * d;
        double wi = w ? w[i] : 1.0;
        size_t slot = (size_t)row_hash((const uint8_t *)row, rb, y[i], wi) & (tsize - 1);
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
            if (data->gy[g] == y[i] && data->gw[g] == wi && memcmp(rm + (size_t)first[g] * d, row, rb) == 0) {
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
    data->codes = malloc((u ? u : 1) * rb);
    if (!data->codes) {
        free(first);
        return MQTTIDS_ERR_NOMEM;
    }
    for (size_t g = 0; g < u; g++) {
        const uint16_t *row = rm + (size_t)first[g] * d;
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

/* The first i in [0, m) with v[i] >= x (m when there is none); v[0..m) ascending. */
static size_t lower_bound(const double *v, size_t m, double x)
{
    size_t lo = 0, hi = m;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (v[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Inserts x into the sorted set vals[0..*m) unless present; -1 when that would exceed cap. */
static int set_add(double *vals, size_t *m, size_t cap, double x)
{
    size_t lo = lower_bound(vals, *m, x);
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

double rf__midpoint(double a, double b)
{
    /* sklearn's rule: a/2 + b/2 (no overflow), and a when rounding reaches b */
    double t = a / 2.0 + b / 2.0;
    return t == b || isinf(t) ? a : t;
}

/*
 * Sorted distinct values of feature f with their summed weights, into buf (room for n).
 * A hash table (tab, tsize a power of two >= 2n, zeroed here) merges equal values first,
 * so only the distinct ones are sorted.
 */
static size_t distinct_values(const double *X, size_t n, size_t d, size_t f, const double *w, vw *buf,
                              uint32_t *tab, size_t tsize)
{
    size_t nv = 0;
    memset(tab, 0, tsize * sizeof *tab);
    for (size_t i = 0; i < n; i++) {
        double x = X[i * d + f], wi = w ? w[i] : 1.0;
        uint64_t bits;
        if (x == 0.0)
            x = 0.0; /* -0 and +0 are one value */
        memcpy(&bits, &x, sizeof bits);
        size_t slot = (size_t)mix64(bits) & (tsize - 1);
        for (;;) {
            uint32_t e = tab[slot];
            if (!e) {
                tab[slot] = (uint32_t)(nv + 1);
                buf[nv].v = x;
                buf[nv++].w = wi;
                break;
            }
            if (buf[e - 1].v == x) {
                buf[e - 1].w += wi;
                break;
            }
            slot = (slot + 1) & (tsize - 1);
        }
    }
    qsort(buf, nv, sizeof *buf, cmp_vw);
    return nv;
}

/*
 * Exact bins of one feature from its nv sorted distinct values: one bin per value, or
 * (more than RF_MAX_CODES values) the stride walk's RF_MAX_CODES - 1 cuts over all of
 * them, each bin keeping its lowest and highest value. Writes lo/hi (RF_MAX_CODES room);
 * returns the bin count.
 */
static size_t exact_bins(const vw *vc, size_t nv, double *lo, double *hi, double *cut)
{
    if (nv <= RF_MAX_CODES) {
        for (size_t j = 0; j < nv; j++)
            lo[j] = hi[j] = vc[j].v;
        return nv;
    }
    double total = 0.0;
    for (size_t j = 0; j < nv; j++)
        total += vc[j].w;
    size_t ncut = quantile_splits(vc, nv, total, RF_MAX_CODES - 1, cut), b = 0;
    lo[0] = vc[0].v;
    for (size_t j = 0; j < nv; j++) {
        if (b < ncut && vc[j].v > cut[b]) {
            hi[b++] = vc[j - 1].v;
            lo[b] = vc[j].v;
        }
    }
    hi[b] = vc[nv - 1].v;
    return b + 1;
}

/* Spark's thresholds of feature f (at most cap - 1) from the sampled rows: midpoints of
   the distinct values when there are few, else weighted quantiles. Returns their count. */
static size_t sample_thresholds(const double *X, size_t d, size_t f, const double *w, const size_t *sample,
                                size_t ns, vw *buf, size_t cap, double *thr)
{
    size_t nb2 = 0, nthr;
    double total = 0.0;
    for (size_t j = 0; j < ns; j++) {
        buf[nb2].v = X[sample[j] * d + f];
        buf[nb2].w = w ? w[sample[j]] : 1.0;
        total += buf[nb2].w;
        nb2++;
    }
    qsort(buf, nb2, sizeof *buf, cmp_vw);
    size_t nv = 0;
    for (size_t j = 0; j < nb2; j++) {
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
    return nthr;
}

/* The per-bin arrays (exact: vlo, vhi; spark: thr ending in INFINITY), feature after
   feature, from fbin. Returns -1 when out of memory. */
static int lay_out_bins(rf_data *data, double *const *fbin, size_t d, int exact)
{
    data->off[0] = 0;
    for (size_t f = 0; f < d; f++)
        data->off[f + 1] = data->off[f] + data->nbins[f];
    if (exact) {
        data->vlo = malloc(data->off[d] * sizeof *data->vlo);
        data->vhi = malloc(data->off[d] * sizeof *data->vhi);
        if (!data->vlo || !data->vhi)
            return -1;
        for (size_t f = 0; f < d; f++) {
            memcpy(data->vlo + data->off[f], fbin[f], data->nbins[f] * sizeof *data->vlo);
            memcpy(data->vhi + data->off[f], fbin[f] + data->nbins[f], data->nbins[f] * sizeof *data->vhi);
        }
    } else {
        data->thr = malloc(data->off[d] * sizeof *data->thr);
        if (!data->thr)
            return -1;
        for (size_t f = 0; f < d; f++) {
            memcpy(data->thr + data->off[f], fbin[f], (data->nbins[f] - 1) * sizeof *data->thr);
            data->thr[data->off[f] + data->nbins[f] - 1] = INFINITY;
        }
    }

    return 0;
}

/* Pass 2, row-major: code = the first bin whose upper end (spark: the threshold after it;
   exact: its highest value) is >= the value, into rm (n, d). last[d] is scratch. Returns
   -1 when out of memory. */
static int code_rows(const rf_data *data, const double *X, size_t n, size_t d, int exact, double *last,
                     uint16_t *rm)
{
    uint16_t *lastc = malloc(d * sizeof *lastc);
    if (!lastc)
        return -1;
    for (size_t f = 0; f < d; f++)
        last[f] = NAN;
    for (size_t i = 0; i < n; i++) {
        const double *row = X + i * d;
        for (size_t f = 0; f < d; f++) {
            double x = row[f];
            if (x != last[f]) {
                const double *up = (exact ? data->vhi : data->thr) + data->off[f];
                last[f] = x;
                /* the last bin takes every value above the others */
                lastc[f] = (uint16_t)lower_bound(up, (size_t)data->nbins[f] - 1, x);
            }
            rm[i * d + f] = lastc[f];
        }
    }
    free(lastc);
    return 0;
}

mqttids_err rf__bin(rf_data *data, const double *X, size_t n, size_t d, const int *y, int k,
                    const double *w, int splits, int max_bins, uint64_t seed, char *errbuf)
{
    const int exact = splits == RF_SPLITS_EXACT;
    /* distinct values collected in the first pass: spark, up to maxBins; exact, up to 256
       (one-hot and small integer columns; larger ones are sorted per feature) */
    size_t cap = exact ? RF_MAX_BINS : (size_t)max_bins;
    size_t need = cap * cap > 10000 ? cap * cap : 10000;
    size_t *sample = NULL, ns = 0, *nvals = NULL;
    double *vals = NULL, *last = NULL, *lo = NULL, *hi = NULL, *cut = NULL;
    double **fbin = NULL; /* d: per feature, its thresholds (spark) or lo then hi (exact) */
    vw *buf = NULL;
    uint32_t *tab = NULL;
    size_t tsize = 16;
    mqttids_err err = MQTTIDS_OK;

    uint16_t *rm = NULL;
    memset(data, 0, sizeof *data);
    data->n = n;
    data->d = d;
    data->k = k;
    data->exact = exact;
    data->weighted = w != NULL;
    if (!exact && cap > n && n >= 2)
        cap = n; /* Spark: maxBins = min(maxBins, numExamples) */
    rm = malloc(n * d * sizeof *rm);
    data->nbins = malloc(d * sizeof *data->nbins);
    data->off = malloc((d + 1) * sizeof *data->off);
    fbin = calloc(d, sizeof *fbin);
    vals = malloc(d * (cap + 1) * sizeof *vals);
    nvals = calloc(d, sizeof *nvals);
    last = malloc(d * sizeof *last);
    if (!rm || !data->nbins || !data->off || !fbin || !vals || !nvals || !last)
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

    data->max_nbins = 1;
    for (size_t f = 0; f < d; f++) {
        size_t nb, m = nvals[f];
        if (m <= cap) {
            const double *v = vals + f * (cap + 1);
            nb = m ? m : 1;
            fbin[f] = malloc(2 * nb * sizeof **fbin);
            if (!fbin[f])
                goto out_nomem;
            for (size_t j = 0; j + 1 < nb; j++)
                fbin[f][j] = exact ? v[j] : (v[j] + v[j + 1]) / 2.0;
            if (exact) {
                fbin[f][nb - 1] = v[nb - 1];
                memcpy(fbin[f] + nb, fbin[f], nb * sizeof **fbin);
            }
        } else if (exact) {
            if (!buf) {
                while (tsize < 2 * n)
                    tsize *= 2;
                buf = malloc(n * sizeof *buf);
                tab = malloc(tsize * sizeof *tab);
                lo = malloc(RF_MAX_CODES * sizeof *lo);
                hi = malloc(RF_MAX_CODES * sizeof *hi);
                cut = malloc(RF_MAX_CODES * sizeof *cut);
                if (!buf || !tab || !lo || !hi || !cut)
                    goto out_nomem;
            }
            size_t nv = distinct_values(X, n, d, f, w, buf, tab, tsize);
            nb = exact_bins(buf, nv, lo, hi, cut);
            fbin[f] = malloc(2 * nb * sizeof **fbin);
            if (!fbin[f])
                goto out_nomem;
            memcpy(fbin[f], lo, nb * sizeof *lo);
            memcpy(fbin[f] + nb, hi, nb * sizeof *hi);
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
            fbin[f] = malloc(cap * sizeof **fbin);
            if (!fbin[f])
                goto out_nomem;
            size_t nthr = sample_thresholds(X, d, f, w, sample, ns, buf, cap, fbin[f]);
            nb = nthr + 1;
        }
        data->nbins[f] = (uint16_t)nb;
        if (nb > data->max_nbins)
            data->max_nbins = (uint32_t)nb;
    }
    if (lay_out_bins(data, fbin, d, exact))
        goto out_nomem;
    if (code_rows(data, X, n, d, exact, last, rm))
        goto out_nomem;
    if (group_rows(data, rm, y, w))
        goto out_nomem;
    goto out_free;

out_nomem:
    err = util__fail(errbuf, MQTTIDS_ERR_NOMEM, "rf: out of memory binning %zu x %zu", n, d);
out_free:
    if (err)
        rf__data_free(data);
    if (fbin)
        for (size_t f = 0; f < d; f++)
            free(fbin[f]);
    free(fbin);
    free(rm);
    free(sample);
    free(buf);
    free(tab);
    free(vals);
    free(nvals);
    free(last);
    free(lo);
    free(hi);
    free(cut);
    return err;
}
