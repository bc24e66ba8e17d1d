/* nn.c: SKELETON to be replaced by the real learner (kept only so the tree links meanwhile). */
#include "ml/ml_int.h"

static void *params_new(void) { return NULL; }
static void params_free(void *p) { (void)p; }
static void *params_copy(const void *p) { (void)p; return NULL; }
static mqttids_err params_set(void *p, const char *k, const char *v, char *errbuf)
{
    (void)p; (void)v;
    return util__fail(errbuf, MQTTIDS_ERR_UNSUPPORTED, "nn: parameter %s: learner not built yet", k);
}
static void params_describe(const void *p, char *buf, size_t size) { (void)p; if (size) buf[0] = '\0'; }
static mqttids_err fit(const void *p, const double *X, size_t n, size_t d, const int *y, int k,
                       const double *w, const ml_fit_ctx *ctx, void **state, char *errbuf)
{
    (void)p; (void)X; (void)n; (void)d; (void)y; (void)k; (void)w; (void)ctx;
    *state = NULL;
    return util__fail(errbuf, MQTTIDS_ERR_UNSUPPORTED, "nn: learner not built yet");
}
static void predict_proba(const void *s, const double *x, double *prob) { (void)s; (void)x; (void)prob; }
static int predict(const void *s, const double *x, double *prob) { (void)s; (void)x; (void)prob; return 0; }
static void save(const void *s, util_buf *b) { (void)s; (void)b; }
static mqttids_err load(util_rd *r, size_t d, int k, void **state, char *errbuf)
{
    (void)r; (void)d; (void)k;
    *state = NULL;
    return util__fail(errbuf, MQTTIDS_ERR_UNSUPPORTED, "nn: learner not built yet");
}
static void state_free(void *s) { (void)s; }

const ml_learner ml__nn = {
    "nn", "skeleton", params_new, params_free, params_copy, params_set, params_describe,
    fit, predict_proba, predict, NULL, save, load, state_free,
};
