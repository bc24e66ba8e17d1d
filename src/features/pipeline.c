/*
 * pipeline.c: the feature pipeline's shared parts (mqttids/features.h): options, accessors,
 * freeing, and the output layout that fitting and loading both finish with. Fitting is
 * pipeline_fit.c, applying pipeline_apply.c, saving and loading pipeline_io.c.
 * Output order: continuous MQTTset columns (CSV order), nominal columns (CSV order), then
 * extra columns in the order selected.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "features/features_int.h"


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

char *features__dupstr(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* Output names, offsets, widths and the schema hash, from cols (used by fit and load). */
mqttids_err features__finish_layout(mqttids_pipeline *p)
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
                p->names[j] = features__dupstr(c->name);
            }
            if (!p->names[j])
                return MQTTIDS_ERR_NOMEM;
            h = util__crc32c(h, p->names[j], strlen(p->names[j]) + 1);
        }
    }
    p->hash = h;
    return MQTTIDS_OK;
}
