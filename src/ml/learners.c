/* learners.c: the registry of learners and what every learner shares: the parameter-name
   rule, parameter values and copies, and the checks of a fit's rows. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "ml/ml_int.h"

const ml_learner *ml__learner_find(const char *kind)
{
    static const ml_learner *const all[] = {&ml__lr, &ml__rf, &ml__nn, &ml__gbt};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (strcmp(all[i]->kind, kind) == 0)
            return all[i];
    return NULL;
}

int ml__key_eq(const char *key, const char *name)
{
    for (;;) {
        while (*key == '_')
            key++;
        while (*name == '_')
            name++;
        if (!*key || !*name)
            return !*key && !*name;
        if (tolower((unsigned char)*key) != tolower((unsigned char)*name))
            return 0;
        key++;
        name++;
    }
}

int ml__parse_bool(const char *v, int *out)
{
    static const char *const yes[] = {"true", "1", "yes", "on"};
    static const char *const no[] = {"false", "0", "no", "off"};
    for (size_t i = 0; i < 4; i++) {
        if (ml__key_eq(v, yes[i])) {
            *out = 1;
            return 0;
        }
        if (ml__key_eq(v, no[i])) {
            *out = 0;
            return 0;
        }
    }
    return -1;
}

int ml__parse_num(const char *v, double *out)
{
    return util__parse_double(v, strlen(v), out) == 0 && isfinite(*out) ? 0 : -1;
}

int ml__parse_int_in(const char *v, long lo, long hi, int *out)
{
    int64_t x;
    if (util__parse_int(v, strlen(v), &x) || x < lo || x > hi)
        return -1;
    *out = (int)x;
    return 0;
}

void *ml__params_dup(const void *p, const void *defaults, size_t size)
{
    void *c = malloc(size);
    if (c)
        memcpy(c, p ? p : defaults, size);
    return c;
}

mqttids_err ml__check_fit_rows(const char *who, const int *y, size_t n, int k, const double *w,
                               const int *yval, size_t nval, char *errbuf)
{
    for (size_t i = 0; i < n; i++) {
        if (y[i] < 0 || y[i] >= k)
            return util__fail(errbuf, MQTTIDS_ERR_INVALID, "%s: row %zu: class %d outside [0, %d)", who, i, y[i],
                              k);
        if (w && !(w[i] >= 0.0 && isfinite(w[i])))
            return util__fail(errbuf, MQTTIDS_ERR_INVALID, "%s: row %zu: sample weight must be finite and >= 0",
                              who, i);
    }
    for (size_t i = 0; i < nval; i++)
        if (yval[i] < 0 || yval[i] >= k)
            return util__fail(errbuf, MQTTIDS_ERR_INVALID, "%s: validation row %zu: class %d outside [0, %d)", who,
                              i, yval[i], k);
    return MQTTIDS_OK;
}
