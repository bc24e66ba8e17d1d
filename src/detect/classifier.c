/*
 * classifier.c: the Kafka detector's record -> model step: a classify callback over a
 * model (or the record's own label with no model), and the names the detector's options
 * borrow. The quiet class comes from the one rule (mqttids_detect_quiet_class).
 */
#include <math.h>
#include <string.h>
#include "detect/detect_int.h"

static int classify_model(void *user, const mqttids_record *r, int *cls, double *prob)
{
    const mqttids_detect_classifier *c = user;
    double proba[64];
    if (mqttids_model_predict_record(c->model, r, cls, proba) != MQTTIDS_OK)
        return -1;
    *prob = (*cls >= 0 && *cls < c->nclasses) ? proba[*cls] : NAN;
    return 0;
}

/* No model: the transport alone; the record's own label is passed through. */
static int classify_label(void *user, const mqttids_record *r, int *cls, double *prob)
{
    (void)user;
    *cls = r->label;
    *prob = NAN;
    return 0;
}

mqttids_err mqttids_detect_classifier_init(mqttids_detect_classifier *c, const mqttids_model *model,
                                           mqttids_detect_opts *o, char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    memset(c, 0, sizeof *c);
    c->model = model;
    if (!model) {
        c->nclasses = MQTTIDS_NCLASS;
        for (int k = 0; k < MQTTIDS_NCLASS; k++)
            c->names[k] = mqttids_class_name(k);
        o->classify = classify_label;
        o->model_id = "none";
    } else {
        c->nclasses = mqttids_model_nclasses(model);
        if (c->nclasses < 1 || c->nclasses > 64)
            return util__fail(errbuf, MQTTIDS_ERR_INVALID, "%d classes (1..64 supported)", c->nclasses);
        if (mqttids_model_n_extra(model) > 64)
            return util__fail(errbuf, MQTTIDS_ERR_INVALID, "too many extra inputs");
        for (int k = 0; k < c->nclasses; k++)
            c->names[k] = mqttids_model_class_name(model, k);
        o->n_extra = mqttids_model_n_extra(model);
        for (size_t x = 0; x < o->n_extra; x++)
            c->extra[x] = mqttids_model_extra_name(model, x);
        o->extra_names = c->extra;
        o->classify = classify_model;
        o->model_id = mqttids_model_id(model);
    }
    o->classify_user = c;
    o->class_names = c->names;
    o->nclasses = c->nclasses;
    o->quiet_class = mqttids_detect_quiet_class(c->names, c->nclasses);
    return MQTTIDS_OK;
}
