/*
 * numparse.c: locale-independent number parsing for CSV fields and options.
 *
 * Fast path (Clinger): up to 19 significant digits and a decimal exponent within
 * +-22 with a mantissa below 2^53 give the correctly rounded double with one multiply
 * or divide. Everything else goes to strtod_l in the "C" locale, so results always equal
 * strtod's. The text need not be NUL-terminated.
 */
#define _GNU_SOURCE
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/util_int.h"

static const double pow10_tab[23] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void make_c_locale(void)
{
    c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

static int slow_parse(const char *s, size_t len, double *out)
{
    char small[128];
    char *buf = small, *end;
    int rc = 0;
    if (len == 0)
        return -1;
    if (len >= sizeof small) {
        /* a long but valid decimal (5,000 digits of a value a spreadsheet exported):
           strtod rounds it correctly; the caller's line cap bounds len */
        buf = malloc(len + 1);
        if (!buf)
            return -1;
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    pthread_once(&c_locale_once, make_c_locale);
    if (!c_locale)
        rc = -1;
    else {
        *out = strtod_l(buf, &end, c_locale);
        if (end != buf + len)
            rc = -1;
    }
    if (buf != small)
        free(buf);
    return rc;
}

/* An optional sign at s[0] (len >= 1): *neg set; returns the index after it. */
static size_t sign_prefix(const char *s, int *neg)
{
    *neg = s[0] == '-';
    return s[0] == '-' || s[0] == '+';
}

/*
 * The digits at s[i..len) into *mant, keeping the first 19 significant ones: before the
 * point (frac 0) each dropped digit multiplies by 10, after it (frac 1) each kept digit
 * divides by 10 (*exp10). Returns the index after the digits.
 */
static inline __attribute__((always_inline)) size_t mant_digits(const char *s, size_t i, size_t len, int frac,
                                                                uint64_t *mant, int *ndig, int *exp10)
{
    while (i < len && s[i] >= '0' && s[i] <= '9') {
        if (*ndig < 19) {
            if (*mant || s[i] != '0')
                (*ndig)++;
            *mant = *mant * 10 + (uint64_t)(s[i] - '0');
            *exp10 -= frac;
        } else {
            *exp10 += 1 - frac;
        }
        i++;
    }
    return i;
}

int util__parse_double(const char *s, size_t len, double *out)
{
    size_t i, start;
    int neg, ndig = 0, any;
    uint64_t mant = 0;
    int exp10 = 0;

    if (len == 0)
        return -1;
    i = start = sign_prefix(s, &neg);
    i = mant_digits(s, i, len, 0, &mant, &ndig, &exp10);
    any = i > start;
    if (i < len && s[i] == '.') {
        start = ++i;
        i = mant_digits(s, i, len, 1, &mant, &ndig, &exp10);
        any |= i > start;
    }
    if (!any)
        return slow_parse(s, len, out); /* "inf", "nan" and friends, or junk */
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        int eneg = 0, e = 0, edig = 0;
        i++;
        if (i < len && (s[i] == '-' || s[i] == '+')) {
            eneg = s[i] == '-';
            i++;
        }
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            if (e < 100000)
                e = e * 10 + (s[i] - '0');
            edig++;
            i++;
        }
        if (!edig)
            return -1;
        exp10 += eneg ? -e : e;
    }
    if (i != len)
        return -1;
    if (ndig >= 19 || mant > (1ULL << 53) || exp10 < -22 || exp10 > 22)
        return slow_parse(s, len, out);
    {
        double d = (double)mant;
        if (exp10 < 0)
            d /= pow10_tab[-exp10];
        else
            d *= pow10_tab[exp10];
        *out = neg ? -d : d;
    }
    return 0;
}

int util__parse_int(const char *s, size_t len, int64_t *out)
{
    size_t i;
    int neg;
    uint64_t v = 0;
    if (len == 0)
        return -1;
    i = sign_prefix(s, &neg);
    if (i == len)
        return -1;
    for (; i < len; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (d > 9)
            return -1;
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    if (v > (uint64_t)INT64_MAX)
        return -1;
    *out = neg ? -(int64_t)v : (int64_t)v;
    return 0;
}

int util__parse_hex(const char *s, size_t len, uint64_t *out)
{
    uint64_t v = 0;
    size_t i;
    if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        if (len == 2 || len > 18)
            return -1;
        for (i = 2; i < len; i++) {
            unsigned c = (unsigned char)s[i], d;
            if (c >= '0' && c <= '9')
                d = c - '0';
            else if (c >= 'a' && c <= 'f')
                d = c - 'a' + 10;
            else if (c >= 'A' && c <= 'F')
                d = c - 'A' + 10;
            else
                return -1;
            v = (v << 4) | d;
        }
        *out = v;
        return 0;
    }
    {
        int64_t iv;
        if (util__parse_int(s, len, &iv) != 0 || iv < 0)
            return -1;
        *out = (uint64_t)iv;
        return 0;
    }
}

size_t util__fmt_double(char *buf, size_t size, double v)
{
    for (int prec = 15; prec <= 17; prec++) {
        double back;
        int n = snprintf(buf, size, "%.*g", prec, v);
        if (n <= 0 || (size_t)n >= size)
            return 0;
        if (prec == 17 || (util__parse_double(buf, (size_t)n, &back) == 0 && back == v))
            return (size_t)n;
    }
    return 0;
}
