/*
 * capture_run.c: the capture detector behind `watch`: packets of a live or replayed
 * capture -> the 33 features (+ flow-context columns when the model wants them) -> the
 * model -> the decision gate -> EVE alerts to the outputs. Reads top to bottom as
 * prepare (map the model's ctx.* inputs), then one step per packet.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "detect/detect_int.h"

void mqttids_detect_capture_opts_init(mqttids_detect_capture_opts *o)
{
    memset(o, 0, sizeof *o);
    mqttids_alert_rule_init(&o->rule);
}

/* ctx column index for each extra input of the model; NOT_FOUND names the first it lacks. */
static mqttids_err map_extras(const mqttids_model *model, size_t *idx /* OUT, n_extra or NULL */, char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    size_t n_extra = mqttids_model_n_extra(model);
    for (size_t k = 0; k < n_extra; k++) {
        const char *nm = mqttids_model_extra_name(model, k);
        size_t j = 0;
        while (j < mqttids_capture_ctx_count() && strcmp(mqttids_capture_ctx_name(j), nm) != 0)
            j++;
        if (j == mqttids_capture_ctx_count())
            return util__fail(errbuf, MQTTIDS_ERR_NOT_FOUND,
                              "the model needs the input column '%s', which capture does not make", nm);
        if (idx)
            idx[k] = j;
    }
    return MQTTIDS_OK;
}

mqttids_err mqttids_detect_model_check(const mqttids_model *model, int *needs_context, char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    int nc = mqttids_model_nclasses(model);
    if (needs_context)
        *needs_context = mqttids_model_n_extra(model) > 0;
    if (nc < 1 || nc > 64)
        return util__fail(errbuf, MQTTIDS_ERR_INVALID, "unusable model (%d classes; 1..64 supported)", nc);
    return map_extras(model, NULL, errbuf);
}

typedef struct runner {
    mqttids_capture *cap;
    const mqttids_model *model;
    mqttids_alert_out *out;
    const mqttids_detect_capture_opts *o;
    mqttids_alert_gate *gate;
    size_t n_extra;
    size_t *extra_idx;     /* owned */
    double *extra_val;     /* owned */
    double *proba;         /* owned, nclasses */
    int nclasses;
    mqttids_detect_run *run;
} runner;

static int is_mqtt_port(const mqttids_detect_capture_opts *o, uint16_t port)
{
    if (!o->mqtt_ports || o->n_mqtt_ports <= 0)
        return port == 1883;
    for (int k = 0; k < o->n_mqtt_ports; k++)
        if (o->mqtt_ports[k] == port)
            return 1;
    return 0;
}

/* The group key of a packet: its TCP stream index, or its client's address (the sender of
 * the stream's SYN; without one, the side away from the MQTT port, the source when neither or
 * both sides are on one). */
static size_t group_key(const runner *r, const mqttids_flow *fl, char *buf, size_t size)
{
    int n;
    if (r->o->rule.by == MQTTIDS_ALERT_BY_HOST) {
        int client_is_dst = fl->syn_client ? fl->syn_client == 2
                                           : is_mqtt_port(r->o, fl->sport) && !is_mqtt_port(r->o, fl->dport);
        mqttids_flow_addr(fl, client_is_dst, buf, size);
        return strlen(buf);
    }
    n = snprintf(buf, size, "%llu", (unsigned long long)fl->stream);
    return n > 0 ? (size_t)n : 0;
}

static mqttids_err prepare(runner *r, char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    mqttids_alert_rule rule = r->o->rule;
    const char *names[64];
    mqttids_err err = mqttids_detect_model_check(r->model, NULL, errbuf);
    if (err != MQTTIDS_OK)
        return err;
    r->nclasses = mqttids_model_nclasses(r->model);
    r->n_extra = mqttids_model_n_extra(r->model);
    r->proba = calloc((size_t)r->nclasses, sizeof *r->proba);
    r->extra_idx = calloc(r->n_extra + 1, sizeof *r->extra_idx);
    r->extra_val = calloc(r->n_extra + 1, sizeof *r->extra_val);
    if (!r->proba || !r->extra_idx || !r->extra_val)
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
    if ((err = map_extras(r->model, r->extra_idx, errbuf)) != MQTTIDS_OK)
        return err;
    for (int c = 0; c < r->nclasses; c++)
        names[c] = mqttids_model_class_name(r->model, c);
    rule.quiet_class = mqttids_detect_quiet_class(names, r->nclasses);
    return mqttids_alert_gate_new(&rule, &r->gate, errbuf);
}

/* Classifies one row: the model's ctx.* inputs from the capture, then the model. */
static mqttids_err classify(runner *r, mqttids_record *rec, const mqttids_flow *fl, int *cls, char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    if (r->n_extra > 0) {
        const double *cv = mqttids_capture_ctx_values(r->cap);
        for (size_t k = 0; k < r->n_extra; k++)
            r->extra_val[k] = cv ? cv[r->extra_idx[k]] : 0;
        rec->n_extra = r->n_extra;
        rec->extra = r->extra_val;
    }
    if (mqttids_model_predict_record(r->model, rec, cls, r->proba) != MQTTIDS_OK || *cls < 0 ||
        *cls >= r->nclasses)
        return util__fail(errbuf, MQTTIDS_ERR_INVALID, "frame %llu: the model could not classify the row",
                          (unsigned long long)fl->frame);
    return MQTTIDS_OK;
}

/* One row: decide, and when it is an alert, build it and give it to the outputs. */
static void decide_and_alert(runner *r, const mqttids_record *rec, const mqttids_flow *fl, int cls)
{
    char key[64], flow[24];
    mqttids_alert a;
    double t = (double)fl->ts_sec + (double)fl->ts_nsec * 1e-9;
    size_t klen = group_key(r, fl, key, sizeof key);
    const char *name = mqttids_model_class_name(r->model, cls);
    int fn;
    mqttids_alert_init(&a);
    if (!mqttids_alert_gate_decide(r->gate, key, klen, cls, r->proba[cls], t, &a.group))
        return;
    fn = snprintf(flow, sizeof flow, "%llu", (unsigned long long)fl->stream);
    a.time = t;
    a.flow = flow;
    a.flow_len = fn > 0 ? (size_t)fn : 0;
    a.cls = cls;
    a.class_name = name ? name : "?";
    a.probability = r->proba[cls];
    a.model_id = mqttids_model_id(r->model);
    a.by = r->o->rule.by;
    a.group_key = key;
    a.group_key_len = klen;
    a.packet = fl;
    a.rec = rec;
    a.row_id = (int64_t)fl->frame;
    if (mqttids_alert_out_put(r->out, &a, MQTTIDS_ALERT_EVE) != MQTTIDS_OK)
        r->run->output_errors++;
    r->run->alerts++;
    r->run->per_class[cls]++;
    if (r->o->live)
        mqttids_alert_out_flush(r->out, 0);
}

static void runner_free(runner *r)
{
    mqttids_alert_gate_free(r->gate);
    free(r->proba);
    free(r->extra_idx);
    free(r->extra_val);
}

mqttids_err mqttids_detect_capture(mqttids_capture *cap, const mqttids_model *model, mqttids_alert_out *out,
                                   const mqttids_detect_capture_opts *o, mqttids_detect_run *run, char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    runner r;
    mqttids_err err;
    double t0 = util__now_s(), last_tick = t0;
    memset(run, 0, sizeof *run);
    memset(&r, 0, sizeof r);
    r.cap = cap;
    r.model = model;
    r.out = out;
    r.o = o;
    r.run = run;
    err = prepare(&r, errbuf);
    while (err == MQTTIDS_OK && !(o->stop && *o->stop)) {
        mqttids_record rec;
        mqttids_flow fl;
        mqttids_capture_status st;
        int cls = -1;
        err = mqttids_capture_next(cap, &rec, &fl, &st, errbuf);
        if (err != MQTTIDS_OK || st == MQTTIDS_CAPTURE_END)
            break;
        if (st == MQTTIDS_CAPTURE_ROW) {
            run->rows++;
            if ((err = classify(&r, &rec, &fl, &cls, errbuf)) != MQTTIDS_OK)
                break;
            decide_and_alert(&r, &rec, &fl, cls);
        }
        if (o->tick && util__now_s() - last_tick >= 1.0) {
            last_tick = util__now_s();
            run->seconds = last_tick - t0;
            o->tick(o->tick_user, run);
        }
    }
    if (r.gate) {
        run->suppressed = mqttids_alert_gate_suppressed(r.gate);
        run->groups = mqttids_alert_gate_groups(r.gate);
        run->evicted = mqttids_alert_gate_evicted(r.gate);
    }
    run->seconds = util__now_s() - t0;
    runner_free(&r);
    return err;
}
