/*
 * nn_int.h: the feed-forward network of the "nn" learner (src/ml/nn.c) and its batch
 * kernels (src/ml/nn_kern.c). Internal to the ml module; exposed here so the unit test
 * can check the forward pass, the gradients and Adam against PyTorch.
 *
 * The network: Linear -> ReLU -> ... -> Linear, softmax cross-entropy on the logits,
 * exactly PyTorch's nn.Sequential(nn.Linear, nn.ReLU, ..., nn.Linear) + CrossEntropyLoss.
 * Arithmetic is float32 (PyTorch's default dtype, and twice the SIMD width of double).
 *
 * Layouts (the kernels' invariants):
 *   W[l] is (dim[l+1], dim[l]) row-major, as PyTorch stores nn.Linear.weight; b[l] has
 *   dim[l+1] values. All weights and biases live in one block of nparam floats, in the
 *   order W[0], b[0], W[1], b[1], ... (nn__views maps any such block: parameters,
 *   gradients, Adam moments, the best-epoch copy).
 *   Activations are FEATURE-MAJOR: a batch of B rows is stored as (width, bp) with
 *   bp = B rounded up to NN_LANES, so every kernel vectorises along the batch; lanes
 *   past B are padding whose gradient is forced to 0.
 */
#ifndef MQTTIDS_NN_INT_H
#define MQTTIDS_NN_INT_H

#include <stddef.h>
#include <stdint.h>
#include "ml/ml_int.h"

#define NN_MAX_HIDDEN 16   /* hidden layers */
#define NN_MAX_WIDTH 4096  /* units of any layer, inputs and classes included */
#define NN_LANES 8         /* batch columns per SIMD vector (8 floats = 256 bits) */

typedef struct nn_net {
    int nl;                              /* Linear layers (hidden layers + 1) */
    size_t dim[NN_MAX_HIDDEN + 2];       /* dim[0] inputs ... dim[nl] classes */
    size_t nparam;                       /* floats in mem */
    float *mem;                          /* owned: every weight and bias, one allocation */
    float *W[NN_MAX_HIDDEN + 1];         /* views into mem */
    float *b[NN_MAX_HIDDEN + 1];         /* views into mem */
} nn_net;

static inline size_t nn__round8(size_t n) { return (n + 7) / 8 * 8; }

/* Floats needed for the parameters of a network with these dims. */
size_t nn__nparam(const size_t *dim, int nl);
/* Points W[l], b[l] into base (a block of nn__nparam floats). */
void nn__views(const size_t *dim, int nl, float *base, float **W, float **b);
/* A network of the given dims (nl Linear layers), parameters zeroed. NULL on failure. */
nn_net *nn__net_new(const size_t *dim, int nl);
void nn__net_free(nn_net *net);
/*
 * PyTorch's nn.Linear.reset_parameters: kaiming_uniform_(a=sqrt(5)) on the weights, i.e.
 * U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and the bias from the same bound.
 */
void nn__init(nn_net *net, util_rng *rng);
/* The bound PyTorch's formula gives: gain(leaky_relu, sqrt 5) * sqrt(3 / fan_in). */
double nn__init_bound(size_t fan_in);

/* Scratch for batches of up to cap rows: activations (feature-major) and deltas. */
typedef struct nn_work {
    size_t cap;                          /* rows; multiple of NN_LANES */
    float *mem;                          /* owned: one allocation, 32-byte aligned */
    float *act[NN_MAX_HIDDEN + 2];       /* act[0] input (dim[0], cap) ... act[nl] logits */
    float *d0, *d1;                      /* deltas, (max width, cap) each */
    float *lossv;                        /* per-row loss, cap */
    /* Activity lists: idx[l][0..nact[l]) are the units of act[l] that are nonzero in some
       lane of the current batch, ascending (l < nl; idx[0] one allocation, owned; set by
       nn__gather for the inputs and by nn__forward for the hidden layers). The kernels
       skip the other units: they add exactly 0. idx[0] NULL: no lists, all units. */
    uint32_t *idx[NN_MAX_HIDDEN + 1];
    size_t nact[NN_MAX_HIDDEN + 1];
} nn_work;

nn_work *nn__work_new(const nn_net *net, size_t cap);
void nn__work_free(nn_work *w);

/*
 * Input batch from a table of float rows (xu 32-byte aligned): row b of the batch is
 * xu + ids[b] * dp (dp = nn__round8(d), padding columns zero), transposed into ws->act[0]
 * (feature-major, nn__round8(d) rows of bp lanes, as nn__work_new sizes it). Lanes B..bp
 * get the row at zero_id (a row of zeros). Sets ws->idx[0]/nact[0] to the features that
 * are nonzero in some lane (forward and backward skip the others: exactly the same sums).
 * The table is small enough to stay in cache when rows repeat (nn.c deduplicates), so
 * this is a tiled 8 x 8 transpose, not a walk over X.
 */
void nn__gather(const float *xu, size_t dp, size_t d, const uint32_t *ids, size_t B, size_t bp,
                uint32_t zero_id, nn_work *ws /* OUT: act[0], idx[0], nact[0] */);

/*
 * Forward pass over the bp columns of ws->act[0]: fills act[1..nl] (hidden layers after
 * ReLU, act[nl] the logits). bp is a multiple of NN_LANES, at most ws->cap.
 */
void nn__forward(const nn_net *net, nn_work *ws, size_t bp);

/*
 * Softmax cross-entropy of the logits of rows 0..B (labels y, weights w or NULL = 1):
 * writes dL/dlogits into ws->d0 for the loss  sum_b w_b l_b / sum_b w_b  (PyTorch's
 * CrossEntropyLoss, mean reduction; with class weights its weighted mean), zero on the
 * padding lanes. Returns sum_b w_b l_b through wloss, sum_b w_b through wsum and the
 * count of rows whose argmax is the label through correct. Log-sum-exp throughout.
 */
void nn__loss_grad(const nn_net *net, nn_work *ws, size_t B, size_t bp, const int *y,
                   const float *w, double *wloss /* OUT */, double *wsum /* OUT */,
                   size_t *correct /* OUT */);

/* Loss (unweighted sum) and correct count of rows 0..B, no gradient. */
void nn__loss_eval(const nn_net *net, const nn_work *ws, size_t B, size_t bp, const int *y,
                   double *loss_sum /* OUT */, size_t *correct /* OUT */);

/*
 * Backward pass from ws->d0 (dL/dlogits, as nn__loss_grad leaves it): writes every
 * weight and bias gradient into grad (a block of nparam floats, overwritten).
 */
void nn__backward(const nn_net *net, nn_work *ws, size_t bp, float *grad /* OUT */);

/*
 * One torch.optim.Adam step (amsgrad off, maximize off) over n parameters:
 *   g += wd p; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
 *   p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps)
 * t is the 1-based step count. grad is modified when wd != 0.
 */
void nn__adam(float *p, float *grad, float *m, float *v, size_t n, double lr, double beta1,
              double beta2, double eps, double wd, long t);

/*
 * mqttids_model_train's optional validation rows and curve (nn_val.c): setup transforms
 * o->val_rows into ctx->Xval/yval and gives ctx a curve when o->curve is set; finish
 * frees them and copies the curve into o->curve (also after a failed fit).
 */
struct mqttids_pipeline;
struct mqttids_dataset;
struct mqttids_train_opts;
mqttids_err ml__fit_val_setup(const struct mqttids_pipeline *pipe, const struct mqttids_dataset *ds,
                              const struct mqttids_train_opts *o, size_t d, ml_fit_ctx *ctx,
                              char *errbuf);
void ml__fit_val_finish(const struct mqttids_train_opts *o, ml_fit_ctx *ctx);

#endif
