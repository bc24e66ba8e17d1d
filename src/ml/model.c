/*
 * model.c: training a model (pipeline + learner), model files, and applying a model
 * (mqttids/model.h, mqttids/ml.h).
 *
 * Model file (docs/FORMATS.md "Model file"), little-endian:
 *   0  8  magic "MQTTIDSM"          20  4  feature-schema hash
 *   8  4  format version (1)        24  4  n_features
 *   12 8  kind, NUL-padded          28  4  n_classes
 *   32 8  payload length L          40  L  payload: pipeline, class names, metadata,
 *                                          learner block (u64 length + bytes)
 *   40+L 4 CRC-32C of bytes [0, 40+L)
 * A reader checks magic, version, length and checksum before parsing anything else.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "features/features_int.h"
#include "ml/forest_int.h"
#include "ml/ml_int.h"
#include "ml/nn_int.h" /* ml__fit_val_setup/finish */

#define MODEL_MAGIC "MQTTIDSM"
#define MODEL_VERSION 1u
#define MODEL_HEADER 40
#define MODEL_MAX_BYTES ((size_t)1 << 30)

static char *dupstr(const char *s)
{
    size_t n = strlen(s ? s : "") + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s ? s : "", n);
    return d;
}

void mqttids_train_opts_init(mqttids_train_opts *o)
{
    memset(o, 0, sizeof *o);
    o->kind = "lr";
    mqttids_pipeline_opts_init(&o->pipeline);
    o->seed = 42;
    o->nthreads = 2;
}

mqttids_err ml__params_set_kv(const ml_learner *L, void *p, const char *kv, char *errbuf)
{
    const char *eq = strchr(kv, '=');
    char key[128];
    size_t kl;
    if (!eq || eq == kv)
        return util__fail(errbuf, MQTTIDS_ERR_INVALID, "parameter '%s' is not key=value", kv);
    kl = (size_t)(eq - kv);
    if (kl >= sizeof key)
        return util__fail(errbuf, MQTTIDS_ERR_INVALID, "parameter name too long in '%s'", kv);
    memcpy(key, kv, kl);
    key[kl] = '\0';
    return L->params_set(p, key, eq + 1, errbuf);
}

mqttids_err ml__params_build(const ml_learner *L, const char *const *kv, size_t n, void **out, char *errbuf)
{
    void *p = L->params_new();
    *out = NULL;
    if (!p)
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        mqttids_err err = ml__params_set_kv(L, p, kv[i], errbuf);
        if (err != MQTTIDS_OK) {
            L->params_free(p);
            return err;
        }
    }
    *out = p;
    return MQTTIDS_OK;
}

void ml__balanced_weights(const int *y, size_t n, int k, int mode, double *w)
{
    size_t cnt[256] = {0};
    int present = 0;
    for (size_t i = 0; i < n; i++)
        if (y[i] >= 0 && y[i] < k && y[i] < 256)
            cnt[y[i]]++;
    for (int c = 0; c < k && c < 256; c++)
        present += cnt[c] > 0;
    for (size_t i = 0; i < n; i++) {
        w[i] = (double)n / ((double)present * (double)cnt[y[i]]);
        if (mode == 2) /* half way: a rare class counts more, not as much as a common one */
            w[i] = sqrt(w[i]);
    }
}

static const ml_learner *find_learner(const char *kind, char *errbuf)
{
    const ml_learner *L = ml__learner_find(kind ? kind : "lr");
    if (!L)
        util__fail(errbuf, MQTTIDS_ERR_INVALID, "unknown model kind '%s' (known: lr, rf, nn)", kind);
    return L;
}

mqttids_err mqttids_train_check(const mqttids_train_opts *o, char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    const ml_learner *L = find_learner(o->kind, errbuf);
    void *p;
    mqttids_err err;
    if (!L)
        return MQTTIDS_ERR_INVALID;
    err = ml__params_build(L, o->params, o->nparams, &p, errbuf);
    if (err == MQTTIDS_OK)
        L->params_free(p);
    return err;
}

mqttids_err mqttids_learner_defaults(const char *kind, char *buf, size_t size)
{
    const ml_learner *L = ml__learner_find(kind);
    void *p;
    if (!L)
        return MQTTIDS_ERR_NOT_FOUND;
    p = L->params_new();
    if (!p) {
        if (size)
            buf[0] = '\0';
        return MQTTIDS_ERR_NOMEM;
    }
    L->params_describe(p, buf, size);
    L->params_free(p);
    return MQTTIDS_OK;
}

const char *mqttids_learner_description(const char *kind)
{
    const ml_learner *L = ml__learner_find(kind);
    return L ? L->description : NULL;
}

/* ---------------------------------------------------------------------------------- */
/* Model object                                                                       */

void mqttids_model_free(mqttids_model *m)
{
    if (!m)
        return;
    ml__forest_free(m->fast);
    if (m->state && m->learner)
        m->learner->free(m->state);
    mqttids_pipeline_free(m->pipe);
    if (m->class_names)
        for (int c = 0; c < m->k; c++)
            free(m->class_names[c]);
    free(m->class_names);
    free(m->params);
    free(m->summary);
    for (size_t i = 0; i < m->nmeta; i++) {
        free(m->meta_key[i]);
        free(m->meta_val[i]);
    }
    free(m);
}

const char *mqttids_model_id(const mqttids_model *m) { return m->id; }
const char *mqttids_model_kind(const mqttids_model *m) { return m->learner->kind; }
int mqttids_model_nclasses(const mqttids_model *m) { return m->k; }
const char *mqttids_model_class_name(const mqttids_model *m, int c)
{
    return c >= 0 && c < m->k ? m->class_names[c] : NULL;
}
size_t mqttids_model_n_extra(const mqttids_model *m) { return mqttids_pipeline_n_extra(m->pipe); }
const char *mqttids_model_extra_name(const mqttids_model *m, size_t k)
{
    return mqttids_pipeline_extra_name(m->pipe, k);
}
const mqttids_pipeline *mqttids_model_pipeline(const mqttids_model *m) { return m->pipe; }
const char *mqttids_model_params(const mqttids_model *m) { return m->params ? m->params : ""; }
const char *mqttids_model_state_summary(const mqttids_model *m) { return m->summary ? m->summary : ""; }
size_t mqttids_model_n_meta(const mqttids_model *m) { return m->nmeta; }
void mqttids_model_meta(const mqttids_model *m, size_t i, const char **key, const char **value)
{
    *key = i < m->nmeta ? m->meta_key[i] : NULL;
    *value = i < m->nmeta ? m->meta_val[i] : NULL;
}

mqttids_err mqttids_model_importances(const mqttids_model *m, double *imp)
{
    if (!m->learner->importances)
        return MQTTIDS_ERR_UNSUPPORTED;
    m->learner->importances(m->state, imp);
    return MQTTIDS_OK;
}

static int add_meta(mqttids_model *m, const char *key, const char *val)
{
    if (m->nmeta >= ML_MAX_META)
        return -1;
    m->meta_key[m->nmeta] = dupstr(key);
    m->meta_val[m->nmeta] = dupstr(val);
    m->nmeta++;
    return m->meta_key[m->nmeta - 1] && m->meta_val[m->nmeta - 1] ? 0 : -1;
}

/*
 * The id names what the model computes: the learner kind and the CRC of its image with the
 * run's date and training time blanked, so identical trainings (1 or 2 threads, any day)
 * get one id, in memory after training and after loading alike.
 */
static void set_id(mqttids_model *m)
{
    util_buf b;
    char empty[1] = "", *kept[ML_MAX_META];
    for (size_t i = 0; i < m->nmeta; i++) {
        kept[i] = m->meta_val[i];
        if (strcmp(m->meta_key[i], "date") == 0 || strcmp(m->meta_key[i], "seconds") == 0)
            m->meta_val[i] = empty;
    }
    util__buf_init(&b, 0);
    ml__model_image(m, &b);
    for (size_t i = 0; i < m->nmeta; i++)
        m->meta_val[i] = kept[i];
    m->crc = 0;
    if (!b.failed && b.len >= 4)
        m->crc = (uint32_t)b.data[b.len - 4] | (uint32_t)b.data[b.len - 3] << 8 |
                 (uint32_t)b.data[b.len - 2] << 16 | (uint32_t)b.data[b.len - 1] << 24;
    util__buf_free(&b);
    snprintf(m->id, sizeof m->id, "%s-%08x", m->learner->kind, m->crc);
}

mqttids_err mqttids_model_train(const mqttids_dataset *ds, const size_t *rows_in, size_t n,
                                const mqttids_train_opts *o_in, mqttids_model **out,
                                char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    mqttids_train_opts o;
    const ml_learner *L;
    mqttids_model *m = NULL;
    void *params = NULL;
    size_t *rows = NULL;
    int *y = NULL;
    double *X = NULL, *w = NULL, t0 = util__now_s();
    const int8_t *lab = mqttids_dataset_labels(ds);
    mqttids_err err;
    ml_fit_ctx ctx;
    char buf[1024];
    int ncls = 0, seen[MQTTIDS_NCLASS] = {0};

    *out = NULL;
    if (o_in)
        o = *o_in;
    else
        mqttids_train_opts_init(&o);
    if (!(L = find_learner(o.kind, errbuf)))
        return MQTTIDS_ERR_INVALID;
    if ((err = ml__params_build(L, o.params, o.nparams, &params, errbuf)) != MQTTIDS_OK)
        return err;
    if (!rows_in)
        n = mqttids_dataset_nrows(ds);
    rows = malloc((n ? n : 1) * sizeof *rows);
    y = malloc((n ? n : 1) * sizeof *y);
    m = calloc(1, sizeof *m);
    if (!rows || !y || !m) {
        err = util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
        goto fail;
    }
    m->learner = L;
    for (size_t i = 0; i < n; i++) {
        rows[i] = rows_in ? rows_in[i] : i;
        y[i] = lab[rows[i]];
        if (y[i] < 0 || y[i] >= MQTTIDS_NCLASS) {
            err = util__fail(errbuf, MQTTIDS_ERR_INVALID, "training row %zu has no label (target column)", rows[i]);
            goto fail;
        }
        if (!seen[y[i]]++)
            ncls++;
    }
    if (ncls < 2) {
        err = util__fail(errbuf, MQTTIDS_ERR_INVALID, "training data has %d class%s: need at least 2", ncls,
                         ncls == 1 ? "" : "es");
        goto fail;
    }
    if ((err = mqttids_pipeline_fit(ds, rows, n, &o.pipeline, &m->pipe, errbuf)) != MQTTIDS_OK)
        goto fail;
    {
        size_t d = mqttids_pipeline_nfeatures(m->pipe);
        X = malloc(n * d * sizeof *X);
        if (!X) {
            err = util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory (%zu x %zu features)", n, d);
            goto fail;
        }
        if ((err = mqttids_pipeline_transform(m->pipe, ds, rows, n, X, NULL, errbuf)) != MQTTIDS_OK)
            goto fail;
        if (o.balanced) {
            w = malloc(n * sizeof *w);
            if (!w) {
                err = util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
                goto fail;
            }
            ml__balanced_weights(y, n, MQTTIDS_NCLASS, o.balanced, w);
        }
        memset(&ctx, 0, sizeof ctx);
        ctx.seed = o.seed;
        ctx.nthreads = o.nthreads > 0 ? o.nthreads : 1;
        ctx.progress = o.progress;
        ctx.progress_user = o.progress_user;
        /* validation rows and the per-epoch curve (mqttids_train_opts.val_rows/curve) */
        if ((err = ml__fit_val_setup(m->pipe, ds, &o, d, &ctx, errbuf)) != MQTTIDS_OK)
            goto fail;
        err = L->fit(params, X, n, d, y, MQTTIDS_NCLASS, w, &ctx, &m->state, errbuf);
        ml__fit_val_finish(&o, &ctx);
        if (err != MQTTIDS_OK)
            goto fail;
        m->fast = ml__forest_compile(L, m->state); /* NULL: the learner's own walk */
    }
    m->k = MQTTIDS_NCLASS;
    m->class_names = calloc(MQTTIDS_NCLASS, sizeof *m->class_names);
    if (!m->class_names) {
        err = util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
        goto fail;
    }
    for (int c = 0; c < MQTTIDS_NCLASS; c++)
        if (!(m->class_names[c] = dupstr(mqttids_class_name(c)))) {
            err = util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
            goto fail;
        }
    L->params_describe(params, buf, sizeof buf);
    m->params = dupstr(buf);
    buf[0] = '\0';
    if (L->describe_state)
        L->describe_state(m->state, buf, sizeof buf);
    m->summary = dupstr(buf);
    {
        char date[32], num[64];
        time_t t = time(NULL);
        struct tm tm;
        int bad = !m->params || !m->summary;
        gmtime_r(&t, &tm);
        strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
        bad |= add_meta(m, "data", o.data_desc ? o.data_desc : "");
        bad |= add_meta(m, "date", date);
        snprintf(num, sizeof num, "%zu", n);
        bad |= add_meta(m, "rows", num);
        snprintf(num, sizeof num, "%llu", (unsigned long long)o.seed);
        bad |= add_meta(m, "seed", num);
        bad |= add_meta(m, "balanced", o.balanced == 2 ? "sqrt" : o.balanced ? "true" : "false");
        snprintf(num, sizeof num, "%.3f", util__now_s() - t0);
        bad |= add_meta(m, "seconds", num);
        bad |= add_meta(m, "version", mqttids_version());
        bad |= add_meta(m, "params", m->params ? m->params : "");
        if (bad) {
            err = util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
            goto fail;
        }
    }
    set_id(m);
    L->params_free(params);
    free(rows);
    free(y);
    free(X);
    free(w);
    *out = m;
    return MQTTIDS_OK;
fail:
    if (params)
        L->params_free(params);
    free(rows);
    free(y);
    free(X);
    free(w);
    mqttids_model_free(m);
    return err;
}

/* ---------------------------------------------------------------------------------- */
/* Model files                                                                        */

static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void ml__model_image(const mqttids_model *m, util_buf *b)
{
    char kind[8] = {0};
    size_t lenpos, lrn;
    uint32_t crc;
    util__buf_put(b, MODEL_MAGIC, 8);
    util__buf_u32(b, MODEL_VERSION);
    strncpy(kind, m->learner->kind, sizeof kind - 1);
    util__buf_put(b, kind, 8);
    util__buf_u32(b, mqttids_pipeline_schema_hash(m->pipe));
    util__buf_u32(b, (uint32_t)mqttids_pipeline_nfeatures(m->pipe));
    util__buf_u32(b, (uint32_t)m->k);
    util__buf_u64(b, 0); /* payload length, patched below */
    features__save(m->pipe, b);
    for (int c = 0; c < m->k; c++)
        util__buf_str(b, m->class_names[c]);
    util__buf_u64(b, (uint64_t)m->nmeta);
    for (size_t i = 0; i < m->nmeta; i++) {
        util__buf_str(b, m->meta_key[i]);
        util__buf_str(b, m->meta_val[i]);
    }
    util__buf_u64(b, 0); /* learner block length, patched below */
    lrn = b->len;
    m->learner->save(m->state, b);
    if (b->failed)
        return;
    {
        uint64_t l = b->len - lrn;
        for (int i = 0; i < 8; i++)
            b->data[lrn - 8 + (size_t)i] = (unsigned char)(l >> (8 * i));
    }
    lenpos = 32;
    {
        uint64_t l = b->len - MODEL_HEADER;
        for (int i = 0; i < 8; i++)
            b->data[lenpos + (size_t)i] = (unsigned char)(l >> (8 * i));
    }
    crc = util__crc32c(0, b->data, b->len);
    util__buf_u32(b, crc);
}

mqttids_err mqttids_model_save(const mqttids_model *m, const char *path, char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    util_buf b;
    util_atomic_file af;
    mqttids_err err;
    util__buf_init(&b, MODEL_MAX_BYTES);
    ml__model_image(m, &b);
    if (b.failed)
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "%s: out of memory while serialising the model", path);
    if ((err = util__atomic_open(&af, path, errbuf)) != MQTTIDS_OK) {
        util__buf_free(&b);
        return err;
    }
    if (fwrite(b.data, 1, b.len, af.fp) != b.len) {
        util__atomic_abort(&af);
        util__buf_free(&b);
        return util__fail(errbuf, MQTTIDS_ERR_IO, "%s: write failed", path);
    }
    util__buf_free(&b);
    return util__atomic_commit(&af, errbuf);
}

static mqttids_err read_file(const char *path, unsigned char **data, size_t *len, char *errbuf)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    size_t cap = 0, n = 0;
    *data = NULL;
    if (!f)
        return util__fail(errbuf, MQTTIDS_ERR_IO, "%s: cannot open model file", path);
    for (;;) {
        size_t got;
        if (n == cap) {
            unsigned char *t;
            if (cap >= MODEL_MAX_BYTES) {
                fclose(f);
                free(buf);
                return util__fail(errbuf, MQTTIDS_ERR_MALFORMED, "%s: larger than %zu bytes: not a model file",
                                  path, MODEL_MAX_BYTES);
            }
            cap = cap ? cap * 2 : 65536;
            t = realloc(buf, cap);
            if (!t) {
                fclose(f);
                free(buf);
                return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
            }
            buf = t;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
        /* not a model (wrong magic), or a header that announces more than any model holds:
           stop now rather than read up to MODEL_MAX_BYTES of /dev/zero; the parser says why */
        if (n >= 8 && memcmp(buf, MODEL_MAGIC, 8) != 0)
            break;
        if (n >= 40 && ((uint64_t)get_u32(buf + 32) | (uint64_t)get_u32(buf + 36) << 32) >
                           (uint64_t)MODEL_MAX_BYTES) {
            fclose(f);
            free(buf);
            return util__fail(errbuf, MQTTIDS_ERR_MALFORMED,
                              "%s: offset 32: payload length over %zu bytes: not a model file", path,
                              MODEL_MAX_BYTES);
        }
    }
    if (ferror(f)) {
        fclose(f);
        free(buf);
        return util__fail(errbuf, MQTTIDS_ERR_IO, "%s: read error", path);
    }
    fclose(f);
    *data = buf;
    *len = n;
    return MQTTIDS_OK;
}

mqttids_err mqttids_model_load(const char *path, mqttids_model **out, char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    unsigned char *data = NULL;
    size_t len = 0;
    mqttids_err err;
    *out = NULL;
    if ((err = read_file(path, &data, &len, errbuf)) != MQTTIDS_OK)
        return err;
    err = ml__model_parse(path, data, len, out, errbuf);
    free(data);
    return err;
}

/* Parses a model file image (also used by the fuzz target). path names it in messages. */
mqttids_err ml__model_parse(const char *path, const unsigned char *data, size_t len, mqttids_model **out,
                            char *errbuf)
{
    mqttids_model *m = NULL;
    uint32_t version, hash, d, k, crc_stored, crc;
    uint64_t plen, cnt, lrn;
    char kind[9];
    util_rd r;
    char sub[MQTTIDS_ERRBUF_SIZE];
    mqttids_err err;

    *out = NULL;
    if (len < 8 || memcmp(data, MODEL_MAGIC, 8) != 0)
        return util__fail(errbuf, MQTTIDS_ERR_MALFORMED,
                          "%s: offset 0: not an mqttids model file (magic \"%.8s\" expected, %zu-byte file)", path,
                          MODEL_MAGIC, len);
    if (len < MODEL_HEADER + 4)
        return util__fail(errbuf, MQTTIDS_ERR_MALFORMED, "%s: offset %zu: truncated header (%d bytes needed)",
                          path, len, MODEL_HEADER + 4);
    version = get_u32(data + 8);
    if (version != MODEL_VERSION)
        return util__fail(errbuf, MQTTIDS_ERR_VERSION,
                          "%s: offset 8: model format version %u found, this build reads version %u "
                          "(retrain the model with this mqttids)", path, version, MODEL_VERSION);
    plen = (uint64_t)get_u32(data + 32) | (uint64_t)get_u32(data + 36) << 32;
    if (plen != len - MODEL_HEADER - 4)
        return util__fail(errbuf, MQTTIDS_ERR_MALFORMED,
                          "%s: offset 32: payload length %llu found, the file holds %zu (truncated or extended)",
                          path, (unsigned long long)plen, len - MODEL_HEADER - 4);
    crc_stored = get_u32(data + len - 4);
    crc = util__crc32c(0, data, len - 4);
    if (crc != crc_stored)
        return util__fail(errbuf, MQTTIDS_ERR_CHECKSUM,
                          "%s: offset %zu: checksum 0x%08x found, 0x%08x computed: the file is corrupt", path,
                          len - 4, crc_stored, crc);
    memcpy(kind, data + 12, 8);
    kind[8] = '\0';
    hash = get_u32(data + 20);
    d = get_u32(data + 24);
    k = get_u32(data + 28);
    m = calloc(1, sizeof *m);
    if (!m)
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
    m->learner = ml__learner_find(kind);
    if (!m->learner) {
        free(m);
        return util__fail(errbuf, MQTTIDS_ERR_UNSUPPORTED, "%s: offset 12: model kind \"%s\" is not known to this build",
                          path, kind);
    }
    if (k < 2 || k > 256) {
        free(m);
        return util__fail(errbuf, MQTTIDS_ERR_MALFORMED, "%s: offset 28: %u classes (2 to 256 allowed)", path, k);
    }
    util__rd_init(&r, data + MODEL_HEADER, len - MODEL_HEADER - 4);
    if ((err = features__load(&r, &m->pipe, sub)) != MQTTIDS_OK) {
        util__fail(errbuf, err, "%s: offset %zu: %s", path, MODEL_HEADER + r.off, sub);
        goto fail;
    }
    if (mqttids_pipeline_nfeatures(m->pipe) != d || mqttids_pipeline_schema_hash(m->pipe) != hash) {
        err = util__fail(errbuf, MQTTIDS_ERR_MALFORMED,
                         "%s: offset 20: header says %u features (schema %08x), the pipeline has %zu (%08x)", path, d,
                         hash, mqttids_pipeline_nfeatures(m->pipe), mqttids_pipeline_schema_hash(m->pipe));
        goto fail;
    }
    m->class_names = calloc(k, sizeof *m->class_names);
    if (!m->class_names) {
        err = util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
        goto fail;
    }
    m->k = (int)k;
    for (uint32_t c = 0; c < k; c++)
        if (util__rd_str(&r, &m->class_names[c], 256))
            goto trunc;
    if (util__rd_count(&r, &cnt, 8))
        goto trunc;
    if (cnt > ML_MAX_META) {
        err = util__fail(errbuf, MQTTIDS_ERR_MALFORMED, "%s: offset %zu: %llu metadata entries (at most %d)", path,
                         MODEL_HEADER + r.off, (unsigned long long)cnt, ML_MAX_META);
        goto fail;
    }
    for (uint64_t i = 0; i < cnt; i++) {
        m->nmeta = (size_t)i + 1;
        if (util__rd_str(&r, &m->meta_key[i], 256) || util__rd_str(&r, &m->meta_val[i], 1 << 20))
            goto trunc;
        if (strcmp(m->meta_key[i], "params") == 0) {
            free(m->params);
            m->params = dupstr(m->meta_val[i]);
        }
    }
    if (util__rd_count(&r, &lrn, 1))
        goto trunc;
    {
        util_rd lr;
        size_t at = MODEL_HEADER + r.off;
        util__rd_init(&lr, r.p + r.off, (size_t)lrn);
        err = m->learner->load(&lr, d, (int)k, &m->state, sub);
        if (err != MQTTIDS_OK) {
            util__fail(errbuf, err, "%s: offset %zu: %s", path, at + lr.off, sub);
            goto fail;
        }
        if (lr.off != lr.len) {
            err = util__fail(errbuf, MQTTIDS_ERR_MALFORMED, "%s: offset %zu: %zu unread bytes at the end of the %s state",
                             path, at + lr.off, lr.len - lr.off, kind);
            goto fail;
        }
        r.off += (size_t)lrn;
        m->fast = ml__forest_compile(m->learner, m->state);
    }
    if (r.off != r.len) {
        err = util__fail(errbuf, MQTTIDS_ERR_MALFORMED, "%s: offset %zu: %zu unexpected bytes before the checksum", path,
                         MODEL_HEADER + r.off, r.len - r.off);
        goto fail;
    }
    {
        char buf[1024] = "";
        if (m->learner->describe_state)
            m->learner->describe_state(m->state, buf, sizeof buf);
        m->summary = dupstr(buf);
        if (!m->params)
            m->params = dupstr("");
        if (!m->summary || !m->params) {
            err = util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
            goto fail;
        }
    }
    (void)crc_stored; /* checked above; the id leaves the date and training time out */
    set_id(m);
    *out = m;
    return MQTTIDS_OK;
trunc:
    err = util__fail(errbuf, MQTTIDS_ERR_MALFORMED, "%s: offset %zu: model payload truncated", path,
                     MODEL_HEADER + r.off);
fail:
    mqttids_model_free(m);
    return err;
}

/* ---------------------------------------------------------------------------------- */
/* Prediction                                                                         */

mqttids_err mqttids_model_predict_record(const mqttids_model *m, const mqttids_record *r, int *cls, double *proba)
{
    size_t d = mqttids_pipeline_nfeatures(m->pipe);
    double xs[256], ps[64];
    double *x = d <= 256 ? xs : malloc(d * sizeof *x);
    double *p = proba ? proba : (m->k <= 64 ? ps : malloc((size_t)m->k * sizeof *p));
    mqttids_err err;
    if (!x || !p) {
        if (x != xs)
            free(x);
        if (p != proba && p != ps)
            free(p);
        return MQTTIDS_ERR_NOMEM;
    }
    err = mqttids_pipeline_transform_record(m->pipe, r, x, NULL);
    if (err == MQTTIDS_OK && m->fast)
        ml__forest_predict(m->fast, x, 1, cls, p);
    else if (err == MQTTIDS_OK)
        *cls = m->learner->predict(m->state, x, p);
    if (x != xs)
        free(x);
    if (p != proba && p != ps)
        free(p);
    return err;
}

typedef struct pred_job {
    const mqttids_model *m;
    const mqttids_dataset *ds;
    const size_t *rows;
    size_t lo, hi;
    int *cls;
    double *proba;
    size_t unseen;
    mqttids_err err;
    char errbuf[MQTTIDS_ERRBUF_SIZE];
} pred_job;

#define PRED_BLOCK 1024

static void *pred_main(void *arg)
{
    pred_job *j = arg;
    size_t d = mqttids_pipeline_nfeatures(j->m->pipe), k = (size_t)j->m->k;
    double *X = malloc(PRED_BLOCK * d * sizeof *X), *pb = malloc(k * sizeof *pb);
    size_t *idx = malloc(PRED_BLOCK * sizeof *idx);
    j->err = MQTTIDS_OK;
    if (!X || !pb || !idx) {
        j->err = util__fail(j->errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t b0 = j->lo; b0 < j->hi; b0 += PRED_BLOCK) {
        size_t nb = j->hi - b0 < PRED_BLOCK ? j->hi - b0 : PRED_BLOCK, un = 0;
        for (size_t i = 0; i < nb; i++)
            idx[i] = j->rows ? j->rows[b0 + i] : b0 + i;
        j->err = mqttids_pipeline_transform(j->m->pipe, j->ds, idx, nb, X, &un, j->errbuf);
        if (j->err != MQTTIDS_OK)
            goto out;
        j->unseen += un;
        if (j->m->fast) {
            ml__forest_predict(j->m->fast, X, nb, j->cls + b0, j->proba ? j->proba + b0 * k : NULL);
            continue;
        }
        for (size_t i = 0; i < nb; i++) {
            double *p = j->proba ? j->proba + (b0 + i) * k : pb;
            j->cls[b0 + i] = j->m->learner->predict(j->m->state, X + i * d, p);
        }
    }
out:
    free(X);
    free(pb);
    free(idx);
    return NULL;
}

static mqttids_err predict_rows(const mqttids_model *m, const mqttids_dataset *ds, const size_t *rows, size_t n,
                                int *cls, double *proba, int nthreads, size_t *unseen, char *errbuf)
{
    pred_job jobs[64];
    pthread_t th[64];
    int nt = nthreads < 1 ? 1 : nthreads > 64 ? 64 : nthreads, started[64] = {0};
    size_t dummy = 0;
    mqttids_err err;
    if (!rows)
        n = mqttids_dataset_nrows(ds);
    /* a missing extra column is reported once, before any thread starts */
    if ((err = mqttids_pipeline_transform(m->pipe, ds, &dummy, 0, NULL, NULL, errbuf)) != MQTTIDS_OK)
        return err;
    if ((size_t)nt > n / PRED_BLOCK + 1)
        nt = (int)(n / PRED_BLOCK + 1);
    for (int t = 0; t < nt; t++) {
        jobs[t].m = m;
        jobs[t].ds = ds;
        jobs[t].rows = rows;
        jobs[t].lo = n * (size_t)t / (size_t)nt;
        jobs[t].hi = n * (size_t)(t + 1) / (size_t)nt;
        jobs[t].cls = cls;
        jobs[t].proba = proba;
        jobs[t].unseen = 0;
        jobs[t].errbuf[0] = '\0';
    }
    for (int t = 1; t < nt; t++)
        started[t] = pthread_create(&th[t], NULL, pred_main, &jobs[t]) == 0;
    pred_main(&jobs[0]);
    for (int t = 1; t < nt; t++) {
        if (started[t])
            pthread_join(th[t], NULL);
        else
            pred_main(&jobs[t]);
    }
    if (unseen)
        *unseen = 0;
    for (int t = 0; t < nt; t++) {
        if (jobs[t].err != MQTTIDS_OK)
            return util__fail(errbuf, jobs[t].err, "%s", jobs[t].errbuf);
        if (unseen)
            *unseen += jobs[t].unseen;
    }
    return MQTTIDS_OK;
}

mqttids_err mqttids_model_predict_dataset(const mqttids_model *m, const mqttids_dataset *ds, const size_t *rows,
                                          size_t n, int *cls, double *proba, int nthreads,
                                          char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    return predict_rows(m, ds, rows, n, cls, proba, nthreads, NULL, errbuf);
}

mqttids_err ml__predict_rows(const mqttids_model *m, const mqttids_dataset *ds, const size_t *rows, size_t n,
                             int *cls, double *proba, int nthreads, size_t *unseen, char *errbuf)
{
    return predict_rows(m, ds, rows, n, cls, proba, nthreads, unseen, errbuf);
}

mqttids_err mqttids_model_evaluate(const mqttids_model *m, const mqttids_dataset *ds, const size_t *rows, size_t n,
                                   int nthreads, mqttids_metrics *out, size_t *unseen,
                                   char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    const int8_t *lab = mqttids_dataset_labels(ds);
    int *cls, *truth;
    mqttids_err err;
    if (!rows)
        n = mqttids_dataset_nrows(ds);
    cls = malloc((n ? n : 1) * sizeof *cls);
    truth = malloc((n ? n : 1) * sizeof *truth);
    if (!cls || !truth) {
        free(cls);
        free(truth);
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
    }
    err = predict_rows(m, ds, rows, n, cls, NULL, nthreads, unseen, errbuf);
    if (err == MQTTIDS_OK) {
        for (size_t i = 0; i < n; i++)
            truth[i] = lab[rows ? rows[i] : i];
        mqttids_metrics_compute(truth, cls, n, out);
    }
    free(cls);
    free(truth);
    return err;
}
