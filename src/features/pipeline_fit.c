/*
 * pipeline_fit.c: fitting the feature pipeline on the train rows only, in named steps:
 * the column lists, the zeros rule, the correlation rule, the listed drops, the extra
 * columns, the input columns (with each nominal column's categories), the scale.
 * The zero and correlation rules are src/dataset/rules.c's, the ones `mqttids stats`
 * uses, so the exploration and a model agree on what is dropped.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dataset/dataset_int.h"
#include "features/features_int.h"

/* The study's column roles (mqttids_pipeline_opts NULL lists). */
static const char DEF_CONT[] = "tcp.time_delta,tcp.len,mqtt.len,mqtt.msgid";
static const char DEF_NOM[] = "mqtt.hdrflags,tcp.flags,mqtt.msgtype";
static const char DEF_DROP[] = "mqtt.msg";

/* ---------------------------------------------------------------------------------- */
/* Fitting                                                                            */

/* Splits a comma list into column indices of ds; marks[col] = tag. */
static mqttids_err parse_list(const mqttids_dataset *ds, const char *list, const char *what, int tag,
                              int *marks, char *errbuf)
{
    const char *s = list;
    while (s && *s) {
        const char *e = strchr(s, ',');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        char name[256];
        int col;
        while (len && (*s == ' ')) {
            s++;
            len--;
        }
        while (len && s[len - 1] == ' ')
            len--;
        if (len) {
            if (len >= sizeof name)
                return util__fail(errbuf, MQTTIDS_ERR_INVALID, "%s: column name too long", what);
            memcpy(name, s, len);
            name[len] = '\0';
            col = mqttids_dataset_col_find(ds, name);
            if (col < 0 || col >= MQTTIDS_NFEAT)
                return util__fail(errbuf, MQTTIDS_ERR_NOT_FOUND,
                                  "%s: '%s' is not an MQTTset feature column", what, name);
            if (marks[col] && marks[col] != tag)
                return util__fail(errbuf, MQTTIDS_ERR_INVALID,
                                  "column '%s' is listed as more than one of continuous/nominal/drop", name);
            marks[col] = tag;
        }
        s = e ? e + 1 : NULL;
    }
    return MQTTIDS_OK;
}

typedef struct cat_count {
    char *str;      /* owned until moved into the column */
    size_t count;
} cat_count;

static int cmp_cat(const void *a, const void *b)
{
    const cat_count *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->str, y->str);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y ? 1 : 0;
}

/* Categories of column col over rows, StringIndexer order, into c->cats / c->ncat. */
static mqttids_err fit_categories(const mqttids_dataset *ds, size_t col, const size_t *rows, size_t n,
                                  feat_col *c, char *errbuf)
{
    const uint32_t *codes = mqttids_dataset_col_codes(ds, col);
    const double *x = mqttids_dataset_col_num(ds, col);
    cat_count *cc = NULL;
    size_t ncc = 0;
    mqttids_err err = MQTTIDS_ERR_NOMEM;

    if (codes) {
        size_t nd = mqttids_dataset_dict_size(ds, col);
        size_t *cnt = calloc(nd ? nd : 1, sizeof *cnt);
        if (!cnt)
            return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
        for (size_t i = 0; i < n; i++)
            cnt[codes[rows[i]]]++;
        cc = calloc(nd ? nd : 1, sizeof *cc);
        if (!cc) {
            free(cnt);
            return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
        }
        for (size_t k = 0; k < nd; k++) {
            if (!cnt[k])
                continue;
            cc[ncc].str = features__dupstr(mqttids_dataset_dict_str(ds, col, (uint32_t)k));
            cc[ncc].count = cnt[k];
            if (!cc[ncc].str) {
                free(cnt);
                goto out;
            }
            ncc++;
        }
        free(cnt);
    } else {
        double *v = malloc((n ? n : 1) * sizeof *v);
        size_t cap = 16;
        if (!v)
            return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
        for (size_t i = 0; i < n; i++)
            v[i] = x[rows[i]];
        qsort(v, n, sizeof *v, cmp_double);
        cc = calloc(cap, sizeof *cc);
        if (!cc) {
            free(v);
            return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
        }
        for (size_t i = 0; i < n;) {
            size_t e = i + 1;
            char buf[64];
            while (e < n && (v[e] == v[i] || (isnan(v[e]) && isnan(v[i]))))
                e++;
            if (ncc == cap) {
                cat_count *t;
                if (cap >= FEAT_MAX_CATS)
                    break;
                t = realloc(cc, 2 * cap * sizeof *cc);
                if (!t) {
                    free(v);
                    goto out;
                }
                cc = t;
                cap *= 2;
            }
            mqttids_format_double(buf, sizeof buf, v[i]);
            cc[ncc].str = features__dupstr(buf);
            cc[ncc].count = e - i;
            if (!cc[ncc].str) {
                free(v);
                goto out;
            }
            ncc++;
            i = e;
        }
        free(v);
    }
    if (ncc >= FEAT_MAX_CATS) {
        err = util__fail(errbuf, MQTTIDS_ERR_INVALID,
                         "nominal column %s has %zu or more distinct values in train (at most %d): "
                         "make it continuous", c->name, ncc, FEAT_MAX_CATS - 1);
        goto out;
    }
    qsort(cc, ncc, sizeof *cc, cmp_cat);
    c->cats = calloc(ncc ? ncc : 1, sizeof *c->cats);
    if (!c->cats)
        goto out;
    for (size_t k = 0; k < ncc; k++) {
        c->cats[k] = cc[k].str;
        cc[k].str = NULL;
    }
    c->ncat = ncc;
    err = MQTTIDS_OK;
out:
    for (size_t k = 0; k < ncc; k++)
        free(cc[k].str);
    free(cc);
    if (err == MQTTIDS_ERR_NOMEM)
        util__fail(errbuf, err, "out of memory");
    return err;
}

static mqttids_err add_drop(mqttids_pipeline *p, const char *name, const char *why)
{
    feat_drop *t = realloc(p->drops, (p->ndrop + 1) * sizeof *t);
    if (!t)
        return MQTTIDS_ERR_NOMEM;
    p->drops = t;
    t[p->ndrop].name = features__dupstr(name);
    t[p->ndrop].why = features__dupstr(why);
    p->ndrop++;
    if (!t[p->ndrop - 1].name || !t[p->ndrop - 1].why)
        return MQTTIDS_ERR_NOMEM;
    return MQTTIDS_OK;
}

/* Selects extra columns (names or prefixes) into p->extra_names. */
static mqttids_err select_extras(const mqttids_dataset *ds, const char *list, mqttids_pipeline *p, char *errbuf)
{
    const char *s = list;
    size_t ncols = mqttids_dataset_ncols(ds);
    while (s && *s) {
        const char *e = strchr(s, ',');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        size_t found = 0;
        while (len && *s == ' ') {
            s++;
            len--;
        }
        while (len && s[len - 1] == ' ')
            len--;
        if (len) {
            for (size_t col = MQTTIDS_NFEAT; col < ncols; col++) {
                const char *nm = mqttids_dataset_col_name(ds, col);
                int match = (strlen(nm) == len && strncmp(nm, s, len) == 0) ||
                            (strncmp(nm, s, len) == 0 && nm[len] == '.');
                int dup = 0;
                char **t;
                if (!match)
                    continue;
                found++;
                for (size_t k = 0; k < p->nextra; k++)
                    dup |= strcmp(p->extra_names[k], nm) == 0;
                if (dup)
                    continue;
                if (p->nextra >= FEAT_MAX_COLS)
                    return util__fail(errbuf, MQTTIDS_ERR_INVALID, "too many extra columns");
                t = realloc(p->extra_names, (p->nextra + 1) * sizeof *t);
                if (!t)
                    return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
                p->extra_names = t;
                t[p->nextra] = features__dupstr(nm);
                if (!t[p->nextra])
                    return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
                p->nextra++;
            }
            if (!found)
                return util__fail(errbuf, MQTTIDS_ERR_NOT_FOUND,
                                  "--features: no extra column named '%.*s' or '%.*s.*' in the training data",
                                  (int)len, s, (int)len, s);
        }
        s = e ? e + 1 : NULL;
    }
    return MQTTIDS_OK;
}

/* What fitting works on: the train rows, and per MQTTset column its role and drop state. */
typedef struct fit_state {
    const mqttids_dataset *ds;
    size_t *rows;                /* owned, n train rows */
    size_t n;
    int marks[MQTTIDS_NFEAT];    /* 0 auto, 1 continuous, 2 nominal, 3 dropped-by-list */
    int dropped[MQTTIDS_NFEAT];  /* 0 kept, else the rule: 1 zeros, 2 correlation, 3 listed */
    double mean[MQTTIDS_NFEAT];  /* NUM columns kept by the zeros rule: mean and */
    double rss[MQTTIDS_NFEAT];   /* root of the sum of squared deviations (0 when constant) */
    mqttids_pipeline *p;         /* being built */
} fit_state;

/* Records that column f falls to rule, for the reason why. */
static mqttids_err drop_col(fit_state *fs, int f, int rule, const char *why, char *errbuf)
{
    fs->dropped[f] = rule;
    if (add_drop(fs->p, mqttids_feat_name(f), why) != MQTTIDS_OK)
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
    return MQTTIDS_OK;
}

/* 1. The zeros rule: a column with a zero share above the threshold goes. */
static mqttids_err rule_zeros(fit_state *fs, double threshold, char *errbuf)
{
    char why[160];
    for (int f = 0; f < MQTTIDS_NFEAT; f++) {
        double share = (double)dataset__count_zeros(fs->ds, (size_t)f, fs->rows, fs->n) / (double)fs->n;
        mqttids_err err;
        if (!(share > threshold))
            continue;
        snprintf(why, sizeof why, "zeros %.2f%%", 100.0 * share);
        if ((err = drop_col(fs, f, 1, why, errbuf)) != MQTTIDS_OK)
            return err;
    }
    return MQTTIDS_OK;
}

/* Mean and root sum of squared deviations of the NUM columns the zeros rule kept. */
static void moments(fit_state *fs)
{
    for (int f = 0; f < MQTTIDS_NFEAT; f++) {
        const double *x = mqttids_dataset_col_num(fs->ds, (size_t)f);
        double s = 0, q = 0;
        fs->mean[f] = fs->rss[f] = 0;
        if (mqttids_feat_kind(f) != MQTTIDS_KIND_NUM || fs->dropped[f])
            continue;
        for (size_t i = 0; i < fs->n; i++)
            s += x[fs->rows[i]];
        fs->mean[f] = s / (double)fs->n;
        for (size_t i = 0; i < fs->n; i++) {
            double t = x[fs->rows[i]] - fs->mean[f];
            q += t * t;
        }
        fs->rss[f] = sqrt(q);
    }
}

typedef struct corr_ctx {
    fit_state *fs;
    const int *col; /* candidate k -> feature index */
} corr_ctx;

static double fit_r(void *user, size_t a, size_t b)
{
    corr_ctx *c = user;
    int fa = c->col[a], fb = c->col[b];
    return dataset__pearson(mqttids_dataset_col_num(c->fs->ds, (size_t)fa), mqttids_dataset_col_num(c->fs->ds, (size_t)fb),
                            c->fs->rows, c->fs->n, c->fs->mean[fa], c->fs->mean[fb], c->fs->rss[fa], c->fs->rss[fb]);
}

/* 2. The correlation rule (rules.c) over the NUM columns still kept and not constant. */
static mqttids_err rule_correlation(fit_state *fs, double threshold, char *errbuf)
{
    int col[MQTTIDS_NFEAT], out[MQTTIDS_NFEAT];
    size_t m = 0, with;
    double r;
    char why[160];
    corr_ctx c = {fs, col};
    moments(fs);
    for (int f = 0; f < MQTTIDS_NFEAT; f++)
        if (mqttids_feat_kind(f) == MQTTIDS_KIND_NUM) {
            col[m] = f;
            out[m++] = fs->dropped[f] || !(fs->rss[f] > 0);
        }
    for (size_t b = 0; b < m; b++) {
        mqttids_err err;
        if (!dataset__corr_drop(m, out, fit_r, &c, threshold, b, &with, &r))
            continue;
        snprintf(why, sizeof why, "correlation r=%.3f with %s", r, mqttids_feat_name(col[with]));
        if ((err = drop_col(fs, col[b], 2, why, errbuf)) != MQTTIDS_OK)
            return err;
        out[b] = 1;
    }
    return MQTTIDS_OK;
}

/* 3. The columns listed to drop that no rule dropped already. */
static mqttids_err rule_listed(fit_state *fs, char *errbuf)
{
    for (int f = 0; f < MQTTIDS_NFEAT; f++) {
        mqttids_err err;
        if (fs->marks[f] == 3 && !fs->dropped[f] && (err = drop_col(fs, f, 3, "listed", errbuf)) != MQTTIDS_OK)
            return err;
    }
    return MQTTIDS_OK;
}

/* Appends one input column (an MQTTset feature f, or extra k when f < 0). */
static mqttids_err add_input(fit_state *fs, int f, int k, int role, char *errbuf)
{
    mqttids_pipeline *p = fs->p;
    feat_col *c = &p->cols[p->ncols++];
    c->name = features__dupstr(f >= 0 ? mqttids_feat_name(f) : p->extra_names[k]);
    c->feat = f;
    c->extra = f >= 0 ? -1 : k;
    c->role = role;
    c->kind = f >= 0 ? mqttids_feat_kind(f) : MQTTIDS_KIND_NUM;
    if (!c->name)
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
    if (role == FEAT_ROLE_NOMINAL)
        return fit_categories(fs->ds, (size_t)f, fs->rows, fs->n, c, errbuf);
    return MQTTIDS_OK;
}

/* 4. Input columns: the kept continuous ones, the kept nominal ones, then the extras. */
static mqttids_err build_inputs(fit_state *fs, char *errbuf)
{
    mqttids_pipeline *p = fs->p;
    mqttids_err err;
    p->cols = calloc(MQTTIDS_NFEAT + p->nextra, sizeof *p->cols);
    if (!p->cols)
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
    for (int pass = 0; pass < 2; pass++)
        for (int f = 0; f < MQTTIDS_NFEAT; f++) {
            int role = fs->marks[f] == 1 ? FEAT_ROLE_CONTINUOUS
                       : fs->marks[f] == 2 ? FEAT_ROLE_NOMINAL
                       : mqttids_feat_kind(f) == MQTTIDS_KIND_NUM ? FEAT_ROLE_CONTINUOUS : FEAT_ROLE_NOMINAL;
            if (fs->dropped[f] || role != (pass == 0 ? FEAT_ROLE_CONTINUOUS : FEAT_ROLE_NOMINAL))
                continue;
            if ((err = add_input(fs, f, -1, role, errbuf)) != MQTTIDS_OK)
                return err;
        }
    for (size_t k = 0; k < p->nextra; k++)
        if ((err = add_input(fs, -1, (int)k, FEAT_ROLE_CONTINUOUS, errbuf)) != MQTTIDS_OK)
            return err;
    if (features__finish_layout(p) != MQTTIDS_OK)
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
    if (p->d == 0)
        return util__fail(errbuf, MQTTIDS_ERR_INVALID, "no feature is left after the drop rules");
    return MQTTIDS_OK;
}

/* 5. Scale: 1 / sample std of each output feature over the train rows (0 when constant). */
static mqttids_err fit_scale(fit_state *fs, char *errbuf)
{
    mqttids_pipeline *p = fs->p;
    size_t n = fs->n, d;
    double *X, *s1, *s2;
    mqttids_err err;
    p->scale = malloc(p->d * sizeof *p->scale);
    X = malloc(n * p->d * sizeof *X);
    s1 = calloc(2 * p->d, sizeof *s1);
    if (!p->scale || !X || !s1) {
        free(X);
        free(s1);
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
    }
    d = p->d;
    s2 = s1 + d;
    for (size_t j = 0; j < d; j++)
        p->scale[j] = 1.0;
    err = mqttids_pipeline_transform(p, fs->ds, fs->rows, n, X, NULL, errbuf);
    if (err == MQTTIDS_OK) {
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < d; j++)
                s1[j] += X[i * d + j];
        for (size_t j = 0; j < d; j++)
            s1[j] /= (double)n;
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < d; j++) {
                double t = X[i * d + j] - s1[j];
                s2[j] += t * t;
            }
        for (size_t j = 0; j < d; j++) {
            double sdv = sqrt(s2[j] / (double)(n - 1));
            p->scale[j] = !p->scale_on ? 1.0 : (sdv > 0 && isfinite(sdv)) ? 1.0 / sdv : 0.0;
        }
    }
    free(s1);
    free(X);
    return err;
}

mqttids_err mqttids_pipeline_fit(const mqttids_dataset *ds, const size_t *rows_in, size_t n,
                                 const mqttids_pipeline_opts *o_in, mqttids_pipeline **out,
                                 char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    mqttids_pipeline_opts o;
    fit_state fs;
    mqttids_err err;

    *out = NULL;
    if (o_in)
        o = *o_in;
    else
        mqttids_pipeline_opts_init(&o);
    if (!rows_in)
        n = mqttids_dataset_nrows(ds);
    if (n < 2)
        return util__fail(errbuf, MQTTIDS_ERR_INVALID, "cannot fit a feature pipeline on %zu rows", n);
    memset(&fs, 0, sizeof fs);
    fs.ds = ds;
    fs.n = n;
    fs.rows = malloc(n * sizeof *fs.rows);
    fs.p = calloc(1, sizeof *fs.p);
    if (!fs.rows || !fs.p) {
        err = util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < n; i++)
        fs.rows[i] = rows_in ? rows_in[i] : i;
    fs.p->zero_threshold = o.zero_threshold;
    fs.p->corr_threshold = o.corr_threshold;
    fs.p->scale_on = o.scale != 0;
    fs.p->drop_last = o.drop_last != 0;
    if ((err = parse_list(ds, o.continuous ? o.continuous : DEF_CONT, "continuous", 1, fs.marks, errbuf)) ||
        (err = parse_list(ds, o.nominal ? o.nominal : DEF_NOM, "nominal", 2, fs.marks, errbuf)) ||
        (err = parse_list(ds, o.drop ? o.drop : DEF_DROP, "drop", 3, fs.marks, errbuf)) ||
        (err = rule_zeros(&fs, o.zero_threshold, errbuf)) ||
        (err = rule_correlation(&fs, o.corr_threshold, errbuf)) ||
        (err = rule_listed(&fs, errbuf)) ||
        (err = select_extras(ds, o.extra, fs.p, errbuf)) ||
        (err = build_inputs(&fs, errbuf)) ||
        (err = fit_scale(&fs, errbuf)))
        goto fail;
    free(fs.rows);
    *out = fs.p;
    return MQTTIDS_OK;
fail:
    free(fs.rows);
    mqttids_pipeline_free(fs.p);
    return err;
}
