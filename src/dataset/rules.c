/*
 * rules.c: the preprocessing rules' definitions, once, for the exploration statistics
 * (stats.c, and the SQL statistics through dataset__corr_rule) and the feature pipeline
 * (src/features/pipeline_fit.c), so `mqttids stats` and a model agree on what is dropped.
 * - zero: numeric 0 for NUM columns; the absent value "0" (or "0.0") for HEX/TEXT columns
 *   (a present CONNACK flags byte 0x00000000 is not a zero, as in Spark's string columns).
 * - correlation: Pearson r between NUM columns; NaN when either is constant. The rule
 *   walks the columns in order and drops the later column of a pair, both still kept,
 *   with |r| > threshold.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "dataset/dataset_int.h"

int dataset__is_zero_str(const char *v)
{
    return strcmp(v, "0") == 0 || strcmp(v, "0.0") == 0;
}

size_t dataset__count_zeros(const mqttids_dataset *ds, size_t col, const size_t *rows, size_t n)
{
    const uint32_t *codes = mqttids_dataset_col_codes(ds, col);
    const double *x = mqttids_dataset_col_num(ds, col);
    size_t zeros = 0;
    if (mqttids_dataset_col_kind(ds, col) != MQTTIDS_KIND_NUM && codes) {
        size_t nd = mqttids_dataset_dict_size(ds, col);
        for (uint32_t code = 0; code < nd; code++) {
            if (!dataset__is_zero_str(mqttids_dataset_dict_str(ds, col, code)))
                continue;
            for (size_t i = 0; i < n; i++)
                zeros += codes[rows ? rows[i] : i] == code;
        }
        return zeros;
    }
    for (size_t i = 0; i < n; i++)
        zeros += x[rows ? rows[i] : i] == 0.0;
    return zeros;
}

double dataset__pearson(const double *x, const double *y, const size_t *rows, size_t n, double mx, double my,
                        double rx, double ry)
{
    double sxy = 0, sxx = 0, syy = 0;
    int need = !(rx >= 0 && ry >= 0);
    for (size_t i = 0; i < n; i++) {
        size_t k = rows ? rows[i] : i;
        double dx = x[k] - mx, dy = y[k] - my;
        sxy += dx * dy;
        if (need) {
            sxx += dx * dx;
            syy += dy * dy;
        }
    }
    if (!need)
        return rx > 0 && ry > 0 ? sxy / (rx * ry) : NAN;
    if (sxx == 0 || syy == 0)
        return NAN;
    return sxy / sqrt(sxx * syy);
}

int dataset__corr_drop(size_t m, const int *out, double (*r_of)(void *user, size_t a, size_t b), void *user,
                       double threshold, size_t b, size_t *with, double *r)
{
    if (out[b])
        return 0;
    for (size_t a = 0; a < b; a++) {
        double v;
        if (out[a])
            continue;
        v = r_of(user, a, b);
        if (!isnan(v) && fabs(v) > threshold) {
            *with = a;
            *r = v;
            return 1;
        }
    }
    (void)m;
    return 0;
}
