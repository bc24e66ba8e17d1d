/*
 * pipeline.c: fitting, applying and saving the feature pipeline (mqttids/features.h).
 *
 * Fitting reads only the given (train) rows. Zero and correlation rules use the
 * definitions of src/dataset/stats.c so `mqttids stats` and a model agree on what is
 * dropped. Output order: continuous MQTTset columns (CSV order), nominal columns (CSV
 * order), then extra columns in the order selected.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "features/features_int.h"

static const char DEF_CONT[] = "tcp.time_delta,tcp.len,mqtt.len,mqtt.msgid";
static const char DEF_NOM[] = "mqtt.hdrflags,tcp.flags,mqtt.msgtype";
static const char DEF_DROP[] = "mqtt.msg";

void mqttids_pipeline_opts_init(mqttids_pipeline_opts *o)
{
    memset(o, 0, sizeof *o);
    o->zero_threshold = 0.90;
    o->corr_threshold = 0.95;
    o->scale = 1;
    o->drop_last = 1;
}

void mqttids_pipeline_free(mqttids_pipeline *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->ncols; i++) {
        free(p->cols[i].name);
        for (size_t c = 0; c < p->cols[i].ncat; c++)
            free(p->cols[i].cats[c]);
        free(p->cols[i].cats);
    }
    free(p->cols);
    for (size_t i = 0; i < p->nextra; i++)
        free(p->extra_names[i]);
    free(p->extra_names);
    for (size_t i = 0; i < p->ndrop; i++) {
        free(p->drops[i].name);
        free(p->drops[i].why);
    }
    free(p->drops);
    if (p->names)
        for (size_t j = 0; j < p->d; j++)
            free(p->names[j]);
    free(p->names);
    free(p->scale);
    free(p);
}

size_t mqttids_pipeline_nfeatures(const mqttids_pipeline *p) { return p->d; }
const char *mqttids_pipeline_feature_name(const mqttids_pipeline *p, size_t j)
{
    return j < p->d ? p->names[j] : NULL;
}
size_t mqttids_pipeline_n_extra(const mqttids_pipeline *p) { return p->nextra; }
const char *mqttids_pipeline_extra_name(const mqttids_pipeline *p, size_t k)
{
    return k < p->nextra ? p->extra_names[k] : NULL;
}
size_t mqttids_pipeline_n_inputs(const mqttids_pipeline *p) { return p->ncols; }
const char *mqttids_pipeline_input_name(const mqttids_pipeline *p, size_t i)
{
    return i < p->ncols ? p->cols[i].name : NULL;
}
const char *mqttids_pipeline_input_role(const mqttids_pipeline *p, size_t i)
{
    if (i >= p->ncols)
        return NULL;
    return p->cols[i].role == FEAT_ROLE_NOMINAL ? "nominal" : "continuous";
}
size_t mqttids_pipeline_n_dropped(const mqttids_pipeline *p) { return p->ndrop; }
void mqttids_pipeline_dropped(const mqttids_pipeline *p, size_t i, const char **name, const char **why)
{
    *name = i < p->ndrop ? p->drops[i].name : NULL;
    *why = i < p->ndrop ? p->drops[i].why : NULL;
}
uint32_t mqttids_pipeline_schema_hash(const mqttids_pipeline *p) { return p->hash; }

static char *dupstr(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* Output names, offsets, widths and the schema hash, from cols (used by fit and load). */
static mqttids_err finish_layout(mqttids_pipeline *p)
{
    size_t d = 0, j = 0;
    uint32_t h = 0;
    for (size_t i = 0; i < p->ncols; i++) {
        feat_col *c = &p->cols[i];
        c->off = d;
        if (c->role == FEAT_ROLE_NOMINAL)
            c->width = c->ncat > 0 ? c->ncat - (p->drop_last ? 1 : 0) : 0;
        else
            c->width = 1;
        d += c->width;
    }
    p->d = d;
    p->names = calloc(d ? d : 1, sizeof *p->names);
    if (!p->names)
        return MQTTIDS_ERR_NOMEM;
    for (size_t i = 0; i < p->ncols; i++) {
        feat_col *c = &p->cols[i];
        h = util__crc32c(h, c->name, strlen(c->name) + 1);
        h = util__crc32c(h, c->role == FEAT_ROLE_NOMINAL ? "N" : "C", 1);
        for (size_t w = 0; w < c->width; w++, j++) {
            if (c->role == FEAT_ROLE_NOMINAL) {
                size_t n = strlen(c->name) + strlen(c->cats[w]) + 2;
                p->names[j] = malloc(n);
                if (p->names[j])
                    snprintf(p->names[j], n, "%s=%s", c->name, c->cats[w]);
            } else {
                p->names[j] = dupstr(c->name);
            }
            if (!p->names[j])
                return MQTTIDS_ERR_NOMEM;
            h = util__crc32c(h, p->names[j], strlen(p->names[j]) + 1);
        }
    }
    p->hash = h;
    return MQTTIDS_OK;
}

/* ---------------------------------------------------------------------------------- */
/* Fitting                                                                            */

/* Identity columns (id.stream, id.client: `extract --ids`) are for evaluation, never features. */
static int is_identity(const char *name, size_t len)
{
    return len >= 2 && strncasecmp(name, "id", 2) == 0 && (len == 2 || name[2] == '.');
}

static mqttids_err identity_refused(const char *what, const char *name, size_t len, char *errbuf)
{
    return util__fail(errbuf, MQTTIDS_ERR_INVALID,
                      "%s: '%.*s' names identity columns (id.stream, id.client): they say which connection "
                      "and host a row belongs to, for `mqttids eval --by`, and are never features",
                      what, (int)len, name);
}

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
            if (is_identity(name, len))
                return identity_refused(what, name, len, errbuf);
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
            cc[ncc].str = dupstr(mqttids_dataset_dict_str(ds, col, (uint32_t)k));
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
            cc[ncc].str = dupstr(buf);
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

static int is_zero_str(const char *v)
{
    return strcmp(v, "0") == 0 || strcmp(v, "0.0") == 0;
}

static mqttids_err add_drop(mqttids_pipeline *p, const char *name, const char *why)
{
    feat_drop *t = realloc(p->drops, (p->ndrop + 1) * sizeof *t);
    if (!t)
        return MQTTIDS_ERR_NOMEM;
    p->drops = t;
    t[p->ndrop].name = dupstr(name);
    t[p->ndrop].why = dupstr(why);
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
    /* identity names are refused first, wherever they stand in the list */
    for (const char *q = list; q && *q;) {
        const char *e = strchr(q, ',');
        size_t len = e ? (size_t)(e - q) : strlen(q);
        while (len && *q == ' ') {
            q++;
            len--;
        }
        while (len && q[len - 1] == ' ')
            len--;
        if (is_identity(q, len))
            return identity_refused("--features", q, len, errbuf);
        q = e ? e + 1 : NULL;
    }
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
                t[p->nextra] = dupstr(nm);
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

mqttids_err mqttids_pipeline_fit(const mqttids_dataset *ds, const size_t *rows_in, size_t n,
                                 const mqttids_pipeline_opts *o_in, mqttids_pipeline **out,
                                 char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    mqttids_pipeline_opts o;
    mqttids_pipeline *p = NULL;
    size_t *rows = NULL;
    int marks[MQTTIDS_NFEAT];   /* 0 auto, 1 continuous, 2 nominal, 3 dropped-by-list */
    int dropped[MQTTIDS_NFEAT]; /* by any rule */
    double mean[MQTTIDS_NFEAT], sd[MQTTIDS_NFEAT];
    mqttids_err err;
    char why[160];

    *out = NULL;
    if (o_in)
        o = *o_in;
    else
        mqttids_pipeline_opts_init(&o);
    if (!rows_in)
        n = mqttids_dataset_nrows(ds);
    if (n < 2)
        return util__fail(errbuf, MQTTIDS_ERR_INVALID, "cannot fit a feature pipeline on %zu rows", n);
    rows = malloc(n * sizeof *rows);
    p = calloc(1, sizeof *p);
    if (!rows || !p) {
        err = util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < n; i++)
        rows[i] = rows_in ? rows_in[i] : i;
    p->zero_threshold = o.zero_threshold;
    p->corr_threshold = o.corr_threshold;
    p->scale_on = o.scale != 0;
    p->drop_last = o.drop_last != 0;

    memset(marks, 0, sizeof marks);
    memset(dropped, 0, sizeof dropped);
    if ((err = parse_list(ds, o.continuous ? o.continuous : DEF_CONT, "continuous", 1, marks, errbuf)) ||
        (err = parse_list(ds, o.nominal ? o.nominal : DEF_NOM, "nominal", 2, marks, errbuf)) ||
        (err = parse_list(ds, o.drop ? o.drop : DEF_DROP, "drop", 3, marks, errbuf)))
        goto fail;

    /* 1. zeros rule */
    for (int f = 0; f < MQTTIDS_NFEAT; f++) {
        const uint32_t *codes = mqttids_dataset_col_codes(ds, (size_t)f);
        const double *x = mqttids_dataset_col_num(ds, (size_t)f);
        size_t zeros = 0;
        double share;
        if (mqttids_feat_kind(f) != MQTTIDS_KIND_NUM && codes) {
            size_t nd = mqttids_dataset_dict_size(ds, (size_t)f);
            unsigned char *z = calloc(nd ? nd : 1, 1);
            if (!z) {
                err = util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
                goto fail;
            }
            for (size_t k = 0; k < nd; k++)
                z[k] = (unsigned char)is_zero_str(mqttids_dataset_dict_str(ds, (size_t)f, (uint32_t)k));
            for (size_t i = 0; i < n; i++)
                zeros += z[codes[rows[i]]];
            free(z);
        } else {
            for (size_t i = 0; i < n; i++)
                zeros += x[rows[i]] == 0.0;
        }
        share = (double)zeros / (double)n;
        if (share > o.zero_threshold) {
            dropped[f] = 1;
            snprintf(why, sizeof why, "zeros %.2f%%", 100.0 * share);
            if (add_drop(p, mqttids_feat_name(f), why) != MQTTIDS_OK) {
                err = util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
                goto fail;
            }
        }
    }

    /* 2. correlation rule over surviving NUM feature columns (stats.c's rule) */
    for (int f = 0; f < MQTTIDS_NFEAT; f++) {
        const double *x = mqttids_dataset_col_num(ds, (size_t)f);
        double s = 0, q = 0;
        mean[f] = sd[f] = 0;
        if (mqttids_feat_kind(f) != MQTTIDS_KIND_NUM || dropped[f])
            continue;
        for (size_t i = 0; i < n; i++)
            s += x[rows[i]];
        mean[f] = s / (double)n;
        for (size_t i = 0; i < n; i++) {
            double t = x[rows[i]] - mean[f];
            q += t * t;
        }
        sd[f] = sqrt(q);
    }
    for (int b = 0; b < MQTTIDS_NFEAT; b++) {
        const double *xb = mqttids_dataset_col_num(ds, (size_t)b);
        if (mqttids_feat_kind(b) != MQTTIDS_KIND_NUM || dropped[b] || !(sd[b] > 0))
            continue;
        for (int a = 0; a < b; a++) {
            const double *xa = mqttids_dataset_col_num(ds, (size_t)a);
            double c = 0, r;
            if (mqttids_feat_kind(a) != MQTTIDS_KIND_NUM || dropped[a] || !(sd[a] > 0))
                continue;
            for (size_t i = 0; i < n; i++)
                c += (xa[rows[i]] - mean[a]) * (xb[rows[i]] - mean[b]);
            r = c / (sd[a] * sd[b]);
            if (fabs(r) > o.corr_threshold) {
                dropped[b] = 2;
                snprintf(why, sizeof why, "correlation r=%.3f with %s", r, mqttids_feat_name(a));
                if (add_drop(p, mqttids_feat_name(b), why) != MQTTIDS_OK) {
                    err = util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
                    goto fail;
                }
                break;
            }
        }
    }

    /* 3. listed drops */
    for (int f = 0; f < MQTTIDS_NFEAT; f++)
        if (marks[f] == 3 && !dropped[f]) {
            dropped[f] = 3;
            if (add_drop(p, mqttids_feat_name(f), "listed") != MQTTIDS_OK) {
                err = util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
                goto fail;
            }
        }

    if ((err = select_extras(ds, o.extra, p, errbuf)) != MQTTIDS_OK)
        goto fail;

    /* 4. input columns: continuous, nominal, extras */
    p->cols = calloc(MQTTIDS_NFEAT + p->nextra, sizeof *p->cols);
    if (!p->cols) {
        err = util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
        goto fail;
    }
    for (int pass = 0; pass < 2; pass++) {
        for (int f = 0; f < MQTTIDS_NFEAT; f++) {
            int role;
            feat_col *c;
            if (dropped[f])
                continue;
            if (marks[f] == 1)
                role = FEAT_ROLE_CONTINUOUS;
            else if (marks[f] == 2)
                role = FEAT_ROLE_NOMINAL;
            else
                role = mqttids_feat_kind(f) == MQTTIDS_KIND_NUM ? FEAT_ROLE_CONTINUOUS : FEAT_ROLE_NOMINAL;
            if (role != (pass == 0 ? FEAT_ROLE_CONTINUOUS : FEAT_ROLE_NOMINAL))
                continue;
            c = &p->cols[p->ncols++];
            c->name = dupstr(mqttids_feat_name(f));
            c->feat = f;
            c->extra = -1;
            c->role = role;
            c->kind = mqttids_feat_kind(f);
            if (!c->name) {
                err = util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
                goto fail;
            }
            if (role == FEAT_ROLE_NOMINAL &&
                (err = fit_categories(ds, (size_t)f, rows, n, c, errbuf)) != MQTTIDS_OK)
                goto fail;
        }
    }
    for (size_t k = 0; k < p->nextra; k++) {
        feat_col *c = &p->cols[p->ncols++];
        c->name = dupstr(p->extra_names[k]);
        c->feat = -1;
        c->extra = (int)k;
        c->role = FEAT_ROLE_CONTINUOUS;
        c->kind = MQTTIDS_KIND_NUM;
        if (!c->name) {
            err = util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
            goto fail;
        }
    }
    if (finish_layout(p) != MQTTIDS_OK) {
        err = util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
        goto fail;
    }
    if (p->d == 0) {
        err = util__fail(errbuf, MQTTIDS_ERR_INVALID, "no feature is left after the drop rules");
        goto fail;
    }

    /* 6. scale: sample std of each output feature over the train rows */
    p->scale = malloc(p->d * sizeof *p->scale);
    if (!p->scale) {
        err = util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
        goto fail;
    }
    {
        double *X = malloc(n * p->d * sizeof *X);
        double *s1, *s2;
        if (!X) {
            err = util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
            goto fail;
        }
        for (size_t j = 0; j < p->d; j++)
            p->scale[j] = 1.0;
        err = mqttids_pipeline_transform(p, ds, rows, n, X, NULL, errbuf);
        if (err != MQTTIDS_OK) {
            free(X);
            goto fail;
        }
        s1 = calloc(2 * p->d, sizeof *s1);
        if (!s1) {
            free(X);
            err = util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
            goto fail;
        }
        s2 = s1 + p->d;
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < p->d; j++)
                s1[j] += X[i * p->d + j];
        for (size_t j = 0; j < p->d; j++)
            s1[j] /= (double)n;
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < p->d; j++) {
                double t = X[i * p->d + j] - s1[j];
                s2[j] += t * t;
            }
        for (size_t j = 0; j < p->d; j++) {
            double sdv = sqrt(s2[j] / (double)(n - 1));
            p->scale[j] = !p->scale_on ? 1.0 : (sdv > 0 && isfinite(sdv)) ? 1.0 / sdv : 0.0;
        }
        free(s1);
        free(X);
    }
    free(rows);
    *out = p;
    return MQTTIDS_OK;
fail:
    free(rows);
    mqttids_pipeline_free(p);
    return err;
}

/* ---------------------------------------------------------------------------------- */
/* Applying                                                                           */

static int find_cat(const feat_col *c, const char *s, size_t len)
{
    for (size_t k = 0; k < c->ncat; k++)
        if (strncmp(c->cats[k], s, len) == 0 && c->cats[k][len] == '\0')
            return (int)k;
    return -1;
}

static void put_cat(const mqttids_pipeline *p, const feat_col *c, int k, double *x, size_t *unseen)
{
    for (size_t w = 0; w < c->width; w++)
        x[c->off + w] = 0.0;
    if (k < 0) {
        if (unseen)
            (*unseen)++;
        return;
    }
    if ((size_t)k < c->width)
        x[c->off + (size_t)k] = p->scale[c->off + (size_t)k];
}

mqttids_err mqttids_pipeline_transform_record(const mqttids_pipeline *p, const mqttids_record *r,
                                              double *x, size_t *unseen)
{
    if (p->nextra && (r->n_extra < p->nextra || !r->extra))
        return MQTTIDS_ERR_INVALID;
    for (size_t i = 0; i < p->ncols; i++) {
        const feat_col *c = &p->cols[i];
        if (c->role == FEAT_ROLE_CONTINUOUS) {
            double v = c->feat >= 0 ? r->num[c->feat] : r->extra[c->extra];
            x[c->off] = v * p->scale[c->off];
        } else if (c->kind == MQTTIDS_KIND_NUM) {
            char buf[64];
            size_t len = mqttids_format_double(buf, sizeof buf, r->num[c->feat]);
            put_cat(p, c, find_cat(c, buf, len), x, unseen);
        } else {
            const char *s = r->str[c->feat];
            size_t len = r->str_len[c->feat];
            if (!s) {
                s = "0";
                len = 1;
            }
            put_cat(p, c, find_cat(c, s, len), x, unseen);
        }
    }
    return MQTTIDS_OK;
}

/* A small cache of double value -> category for NUM nominal columns. */
typedef struct num_cache {
    double v[256];
    int k[256];
    size_t n;
} num_cache;

static int num_cat(const feat_col *c, num_cache *nc, double v)
{
    char buf[64];
    size_t len;
    int k;
    for (size_t q = 0; q < nc->n; q++)
        if (memcmp(&nc->v[q], &v, sizeof v) == 0)
            return nc->k[q];
    len = mqttids_format_double(buf, sizeof buf, v);
    k = find_cat(c, buf, len);
    if (nc->n < 256) {
        nc->v[nc->n] = v;
        nc->k[nc->n] = k;
        nc->n++;
    }
    return k;
}

mqttids_err mqttids_pipeline_transform(const mqttids_pipeline *p, const mqttids_dataset *ds,
                                       const size_t *rows, size_t n, double *X, size_t *unseen,
                                       char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    size_t d = p->d, miss = 0;
    if (!rows)
        n = mqttids_dataset_nrows(ds);
    for (size_t i = 0; i < p->ncols; i++) {
        const feat_col *c = &p->cols[i];
        size_t col;
        const double *x;
        if (c->feat >= 0) {
            col = (size_t)c->feat;
        } else {
            int cf = mqttids_dataset_col_find(ds, c->name);
            if (cf < 0)
                return util__fail(errbuf, MQTTIDS_ERR_NOT_FOUND,
                                  "the model needs column '%s', which the data does not have", c->name);
            col = (size_t)cf;
        }
        x = mqttids_dataset_col_num(ds, col);
        if (c->role == FEAT_ROLE_CONTINUOUS) {
            double s = p->scale[c->off];
            for (size_t r = 0; r < n; r++)
                X[r * d + c->off] = x[rows ? rows[r] : r] * s;
            continue;
        }
        {
            const uint32_t *codes = c->kind != MQTTIDS_KIND_NUM ? mqttids_dataset_col_codes(ds, col) : NULL;
            if (codes) {
                size_t nd = mqttids_dataset_dict_size(ds, col);
                int *map = malloc((nd ? nd : 1) * sizeof *map);
                if (!map)
                    return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
                for (size_t k = 0; k < nd; k++) {
                    const char *s = mqttids_dataset_dict_str(ds, col, (uint32_t)k);
                    map[k] = find_cat(c, s, strlen(s));
                }
                for (size_t r = 0; r < n; r++)
                    put_cat(p, c, map[codes[rows ? rows[r] : r]], X + r * d, &miss);
                free(map);
            } else if (c->kind == MQTTIDS_KIND_NUM) {
                num_cache *nc = malloc(sizeof *nc);
                if (!nc)
                    return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
                nc->n = 0;
                for (size_t r = 0; r < n; r++)
                    put_cat(p, c, num_cat(c, nc, x[rows ? rows[r] : r]), X + r * d, &miss);
                free(nc);
            } else {
                /* TEXT column whose strings were not kept: only zero / non-zero is known */
                int kz = find_cat(c, "0", 1);
                for (size_t r = 0; r < n; r++)
                    put_cat(p, c, x[rows ? rows[r] : r] == 0.0 ? kz : -1, X + r * d, &miss);
            }
        }
    }
    if (unseen)
        *unseen = miss;
    return MQTTIDS_OK;
}

/* ---------------------------------------------------------------------------------- */
/* Serialisation                                                                      */

void features__save(const mqttids_pipeline *p, util_buf *b)
{
    util__buf_f64(b, p->zero_threshold);
    util__buf_f64(b, p->corr_threshold);
    util__buf_u8(b, (uint8_t)p->scale_on);
    util__buf_u8(b, (uint8_t)p->drop_last);
    util__buf_u64(b, (uint64_t)p->nextra);
    for (size_t k = 0; k < p->nextra; k++)
        util__buf_str(b, p->extra_names[k]);
    util__buf_u64(b, (uint64_t)p->ncols);
    for (size_t i = 0; i < p->ncols; i++) {
        util__buf_str(b, p->cols[i].name);
        util__buf_u8(b, (uint8_t)p->cols[i].role);
        util__buf_u64(b, (uint64_t)p->cols[i].ncat);
        for (size_t c = 0; c < p->cols[i].ncat; c++)
            util__buf_str(b, p->cols[i].cats[c]);
    }
    util__buf_u64(b, (uint64_t)p->ndrop);
    for (size_t i = 0; i < p->ndrop; i++) {
        util__buf_str(b, p->drops[i].name);
        util__buf_str(b, p->drops[i].why);
    }
    util__buf_u32(b, (uint32_t)p->d);
    for (size_t j = 0; j < p->d; j++)
        util__buf_f64(b, p->scale[j]);
    util__buf_u32(b, p->hash);
}

mqttids_err features__load(util_rd *r, mqttids_pipeline **out, char *errbuf)
{
    mqttids_pipeline *p = calloc(1, sizeof *p);
    uint8_t u8a, u8b;
    uint64_t cnt;
    uint32_t d, hash;
    mqttids_err err = MQTTIDS_ERR_MALFORMED;

    *out = NULL;
    if (!p)
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
    if (util__rd_f64(r, &p->zero_threshold) || util__rd_f64(r, &p->corr_threshold) ||
        util__rd_u8(r, &u8a) || util__rd_u8(r, &u8b))
        goto trunc;
    p->scale_on = u8a != 0;
    p->drop_last = u8b != 0;
    if (util__rd_count(r, &cnt, 4))
        goto trunc;
    if (cnt > FEAT_MAX_COLS) {
        util__fail(errbuf, MQTTIDS_ERR_MALFORMED, "pipeline: %llu extra columns (at most %d)",
                   (unsigned long long)cnt, FEAT_MAX_COLS);
        goto fail;
    }
    p->extra_names = calloc(cnt ? cnt : 1, sizeof *p->extra_names);
    if (!p->extra_names)
        goto nomem;
    for (p->nextra = 0; p->nextra < cnt; p->nextra++)
        if (util__rd_str(r, &p->extra_names[p->nextra], FEAT_MAX_NAME))
            goto trunc;
    if (util__rd_count(r, &cnt, 9))
        goto trunc;
    if (cnt > FEAT_MAX_COLS) {
        util__fail(errbuf, MQTTIDS_ERR_MALFORMED, "pipeline: %llu input columns (at most %d)",
                   (unsigned long long)cnt, FEAT_MAX_COLS);
        goto fail;
    }
    p->cols = calloc(cnt ? cnt : 1, sizeof *p->cols);
    if (!p->cols)
        goto nomem;
    for (size_t i = 0; i < cnt; i++) {
        feat_col *c = &p->cols[i];
        uint8_t role;
        uint64_t nc;
        p->ncols = i + 1;
        if (util__rd_str(r, &c->name, FEAT_MAX_NAME) || util__rd_u8(r, &role) || util__rd_count(r, &nc, 4))
            goto trunc;
        if (role > FEAT_ROLE_NOMINAL || nc > FEAT_MAX_CATS) {
            util__fail(errbuf, MQTTIDS_ERR_MALFORMED, "pipeline: column %s: bad role %u or %llu categories",
                       c->name, role, (unsigned long long)nc);
            goto fail;
        }
        c->role = role;
        c->feat = mqttids_feat_find(c->name, strlen(c->name));
        c->extra = -1;
        if (c->feat >= 0) {
            c->kind = mqttids_feat_kind(c->feat);
        } else {
            c->kind = MQTTIDS_KIND_NUM;
            for (size_t k = 0; k < p->nextra; k++)
                if (strcmp(p->extra_names[k], c->name) == 0)
                    c->extra = (int)k;
            if (c->extra < 0 || role != FEAT_ROLE_CONTINUOUS) {
                util__fail(errbuf, MQTTIDS_ERR_MALFORMED, "pipeline: column %s is neither an MQTTset feature nor "
                           "a continuous extra column", c->name);
                goto fail;
            }
        }
        if (role == FEAT_ROLE_NOMINAL) {
            c->cats = calloc(nc ? nc : 1, sizeof *c->cats);
            if (!c->cats)
                goto nomem;
            for (c->ncat = 0; c->ncat < nc; c->ncat++)
                if (util__rd_str(r, &c->cats[c->ncat], FEAT_MAX_NAME))
                    goto trunc;
        } else if (nc) {
            util__fail(errbuf, MQTTIDS_ERR_MALFORMED, "pipeline: continuous column %s has categories", c->name);
            goto fail;
        }
    }
    if (util__rd_count(r, &cnt, 8))
        goto trunc;
    if (cnt > FEAT_MAX_COLS) {
        util__fail(errbuf, MQTTIDS_ERR_MALFORMED, "pipeline: %llu dropped columns", (unsigned long long)cnt);
        goto fail;
    }
    p->drops = calloc(cnt ? cnt : 1, sizeof *p->drops);
    if (!p->drops)
        goto nomem;
    for (size_t i = 0; i < cnt; i++) {
        p->ndrop = i + 1;
        if (util__rd_str(r, &p->drops[i].name, FEAT_MAX_NAME) || util__rd_str(r, &p->drops[i].why, FEAT_MAX_NAME))
            goto trunc;
    }
    if (finish_layout(p) != MQTTIDS_OK)
        goto nomem;
    if (util__rd_u32(r, &d))
        goto trunc;
    if (d != p->d || d == 0) {
        util__fail(errbuf, MQTTIDS_ERR_MALFORMED, "pipeline: %u output features stored, %zu implied by its columns",
                   d, p->d);
        goto fail;
    }
    p->scale = malloc(p->d * sizeof *p->scale);
    if (!p->scale)
        goto nomem;
    for (size_t j = 0; j < p->d; j++)
        if (util__rd_f64(r, &p->scale[j]))
            goto trunc;
    if (util__rd_u32(r, &hash))
        goto trunc;
    if (hash != p->hash) {
        util__fail(errbuf, MQTTIDS_ERR_MALFORMED, "pipeline: schema hash %08x stored, %08x computed", hash, p->hash);
        goto fail;
    }
    *out = p;
    return MQTTIDS_OK;
trunc:
    util__fail(errbuf, MQTTIDS_ERR_MALFORMED, "pipeline block truncated");
    goto fail;
nomem:
    err = util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
fail:
    mqttids_pipeline_free(p);
    return err;
}
