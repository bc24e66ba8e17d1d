/*
 * pipeline_io.c: the fitted pipeline inside model files: written after the learner's
 * header, read back with every count bounded before allocating (docs/FORMATS.md).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "features/features_int.h"

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

/* A list's u64 count, each item at least min_bytes of what is left, at most FEAT_MAX_COLS
   items; what names the items in the message. */
static mqttids_err read_count(util_rd *r, size_t min_bytes, const char *what, uint64_t *cnt, char *errbuf)
{
    if (util__rd_count(r, cnt, min_bytes))
        return util__fail(errbuf, MQTTIDS_ERR_MALFORMED, "pipeline block truncated");
    if (*cnt > FEAT_MAX_COLS)
        return util__fail(errbuf, MQTTIDS_ERR_MALFORMED, "pipeline: %llu %s (at most %d)", (unsigned long long)*cnt,
                          what, FEAT_MAX_COLS);
    return MQTTIDS_OK;
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
    if (read_count(r, 4, "extra columns", &cnt, errbuf) != MQTTIDS_OK) /* err stays MQTTIDS_ERR_MALFORMED */
        goto fail;
    p->extra_names = calloc(cnt ? cnt : 1, sizeof *p->extra_names);
    if (!p->extra_names)
        goto nomem;
    for (p->nextra = 0; p->nextra < cnt; p->nextra++)
        if (util__rd_str(r, &p->extra_names[p->nextra], FEAT_MAX_NAME))
            goto trunc;
    if (read_count(r, 9, "input columns", &cnt, errbuf) != MQTTIDS_OK)
        goto fail;
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
    if (read_count(r, 8, "dropped columns", &cnt, errbuf) != MQTTIDS_OK)
        goto fail;
    p->drops = calloc(cnt ? cnt : 1, sizeof *p->drops);
    if (!p->drops)
        goto nomem;
    for (size_t i = 0; i < cnt; i++) {
        p->ndrop = i + 1;
        if (util__rd_str(r, &p->drops[i].name, FEAT_MAX_NAME) || util__rd_str(r, &p->drops[i].why, FEAT_MAX_NAME))
            goto trunc;
    }
    if (features__finish_layout(p) != MQTTIDS_OK)
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

