/*
 * nn_val.c: the optional validation set and per-epoch curve of mqttids_model_train
 * (mqttids_train_opts.val_rows / n_val / curve), used by the networks: the validation
 * rows go through the model's fitted pipeline into ctx->Xval/yval, and the learner's
 * ml_curve is handed back as the public mqttids_curve.
 * Called only from model.c (two calls around the learner's fit).
 */
#include <stdlib.h>
#include <string.h>
#include "ml/nn_int.h"
#include "mqttids/ml.h"

static mqttids_err val_matrix(const mqttids_pipeline *pipe, const mqttids_dataset *ds,
                              const mqttids_train_opts *o, size_t d, ml_fit_ctx *ctx, char *errbuf);

mqttids_err ml__fit_val_setup(const mqttids_pipeline *pipe, const mqttids_dataset *ds,
                              const mqttids_train_opts *o, size_t d, ml_fit_ctx *ctx, char *errbuf)
{
    if (o->curve) {
        memset(o->curve, 0, sizeof *o->curve);
        o->curve->best_epoch = -1;
    }
    if (o->val_rows && o->n_val) {
        mqttids_err err = val_matrix(pipe, ds, o, d, ctx, errbuf);
        if (err != MQTTIDS_OK)
            return err;
    }
    if (o->curve) {
        ctx->curve = calloc(1, sizeof *ctx->curve);
        if (!ctx->curve) {
            ml__fit_val_finish(o, ctx);
            return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
        }
    }
    return MQTTIDS_OK;
}

static mqttids_err val_matrix(const mqttids_pipeline *pipe, const mqttids_dataset *ds,
                              const mqttids_train_opts *o, size_t d, ml_fit_ctx *ctx, char *errbuf)
{
    size_t nv = o->n_val;
    const int8_t *lab = mqttids_dataset_labels(ds);
    double *Xv = malloc(nv * d * sizeof *Xv);
    int *yv = malloc(nv * sizeof *yv);
    if (!Xv || !yv) {
        free(Xv);
        free(yv);
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory (%zu validation rows)", nv);
    }
    for (size_t i = 0; i < nv; i++) {
        yv[i] = lab[o->val_rows[i]];
        if (yv[i] < 0 || yv[i] >= MQTTIDS_NCLASS) {
            free(Xv);
            free(yv);
            return util__fail(errbuf, MQTTIDS_ERR_INVALID, "validation row %zu has no label (target column)",
                              o->val_rows[i]);
        }
    }
    mqttids_err err = mqttids_pipeline_transform(pipe, ds, o->val_rows, nv, Xv, NULL, errbuf);
    if (err != MQTTIDS_OK) {
        free(Xv);
        free(yv);
        return err;
    }
    ctx->Xval = Xv;
    ctx->yval = yv;
    ctx->nval = nv;
    return MQTTIDS_OK;
}

void ml__fit_val_finish(const mqttids_train_opts *o, ml_fit_ctx *ctx)
{
    free((void *)ctx->Xval);
    free((void *)ctx->yval);
    ctx->Xval = NULL;
    ctx->yval = NULL;
    ctx->nval = 0;
    ml_curve *c = ctx->curve;
    if (!c)
        return;
    if (o->curve && c->epochs) {
        o->curve->epochs = malloc((c->n ? c->n : 1) * sizeof *o->curve->epochs);
        if (o->curve->epochs) {
            for (size_t i = 0; i < c->n; i++) {
                o->curve->epochs[i].train_loss = c->epochs[i].train_loss;
                o->curve->epochs[i].train_acc = c->epochs[i].train_acc;
                o->curve->epochs[i].val_loss = c->epochs[i].val_loss;
                o->curve->epochs[i].val_acc = c->epochs[i].val_acc;
                o->curve->epochs[i].lr = c->epochs[i].lr;
            }
            o->curve->n = c->n;
            o->curve->best_epoch = c->best_epoch;
            o->curve->diverged = c->diverged;
        }
    }
    free(c->epochs);
    free(c);
    ctx->curve = NULL;
}
