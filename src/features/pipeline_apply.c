/*
 * pipeline_apply.c: applying a fitted pipeline to one record or to rows of a dataset
 * (one-hot nominal columns in StringIndexer order, scaling).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "features/features_int.h"

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

