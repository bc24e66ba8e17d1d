/*
 * nn_kern.c: the batch kernels of the feed-forward network (forward, softmax
 * cross-entropy, backward, Adam), float32, plain C with GCC vector extensions.
 *
 * Why the layout (nn_int.h): activations are feature-major (width, bp), so every GEMM is
 * vectorised along the batch and never needs a horizontal reduction in the forward
 * pass: out[r, lanes] = bias[r] + sum_c A[r, c] * in[c, lanes], summed in c order for
 * every lane. A row therefore gets bit-identical logits whichever lane or batch it sits
 * in, so predict (one row in lane 0) reproduces the accuracy seen during training.
 * Register blocking: 2 output rows x 4 vectors (32 batch columns) of accumulators.
 *
 * Dispatch: with GCC on x86-64 the exported kernels are compiled twice
 * (target_clones): an x86-64-v3 clone (AVX2 + FMA) and the baseline (SSE2); the loader
 * picks one per machine, so one machine always computes the same numbers. FMA
 * contraction is enabled for this file only (results differ from unfused arithmetic in
 * the last bit, not in meaning); -ffast-math is NOT used: NaN and Inf behave as IEEE
 * says and the NaN checks keep working. sqrtf never vectorises without -fno-math-errno,
 * so Adam takes its square roots 4 at a time with SSE's sqrtps (IEEE-exact, like sqrtf).
 *
 * Not here: the training loop, parameters and model files (nn.c).
 */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=fast")
#endif

#include <math.h>
#include <stdlib.h>
#if defined(__x86_64__)
#include <immintrin.h>
#define NN_SSE 1
#endif
#include <string.h>
#include "ml/nn_int.h"

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(MQTTIDS_NN_NO_CLONES)
#define NN_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define NN_CLONES
#endif
#define NN_INLINE static inline __attribute__((always_inline))

typedef float vf __attribute__((vector_size(32), may_alias));
typedef int vi __attribute__((vector_size(32), may_alias));

/* ---------------------------------------------------------------------------------- */
/* Network and workspace                                                               */

size_t nn__nparam(const size_t *dim, int nl)
{
    size_t n = 0;
    for (int l = 0; l < nl; l++)
        n += dim[l + 1] * dim[l] + dim[l + 1];
    return n;
}

void nn__views(const size_t *dim, int nl, float *base, float **W, float **b)
{
    for (int l = 0; l < nl; l++) {
        W[l] = base;
        base += dim[l + 1] * dim[l];
        b[l] = base;
        base += dim[l + 1];
    }
}

nn_net *nn__net_new(const size_t *dim, int nl)
{
    if (nl < 1 || nl > NN_MAX_HIDDEN + 1)
        return NULL;
    for (int l = 0; l <= nl; l++)
        if (dim[l] < 1 || dim[l] > NN_MAX_WIDTH)
            return NULL;
    nn_net *net = calloc(1, sizeof *net);
    if (!net)
        return NULL;
    net->nl = nl;
    memcpy(net->dim, dim, (size_t)(nl + 1) * sizeof dim[0]);
    net->nparam = nn__nparam(dim, nl);
    net->mem = calloc(net->nparam, sizeof(float));
    if (!net->mem) {
        free(net);
        return NULL;
    }
    nn__views(dim, nl, net->mem, net->W, net->b);
    return net;
}

void nn__net_free(nn_net *net)
{
    if (!net)
        return;
    free(net->mem);
    free(net);
}

double nn__init_bound(size_t fan_in)
{
    /* torch.nn.init.kaiming_uniform_(w, a=sqrt(5)): gain = sqrt(2 / (1 + a^2)),
       std = gain / sqrt(fan_in), bound = sqrt(3) * std; nn.Linear's bias uses
       1/sqrt(fan_in), the same number. */
    double a = sqrt(5.0);
    double gain = sqrt(2.0 / (1.0 + a * a));
    return sqrt(3.0) * gain / sqrt((double)fan_in);
}

void nn__init(nn_net *net, util_rng *rng)
{
    for (int l = 0; l < net->nl; l++) {
        size_t fin = net->dim[l], fout = net->dim[l + 1];
        double bound = nn__init_bound(fin);
        for (size_t j = 0; j < fout * fin; j++)
            net->W[l][j] = (float)((2.0 * util__rng_uniform(rng) - 1.0) * bound);
        for (size_t j = 0; j < fout; j++)
            net->b[l][j] = (float)((2.0 * util__rng_uniform(rng) - 1.0) * bound);
    }
}

nn_work *nn__work_new(const nn_net *net, size_t cap)
{
    cap = (cap + NN_LANES - 1) / NN_LANES * NN_LANES;
    if (cap == 0 || cap > ((size_t)1 << 24))
        return NULL;
    size_t maxw = 0, total = 0;
    for (int l = 0; l <= net->nl; l++) {
        total += net->dim[l] * cap;
        if (net->dim[l] > maxw)
            maxw = net->dim[l];
    }
    total += 2 * maxw * cap + cap;
    nn_work *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    void *mem = NULL;
    if (posix_memalign(&mem, 32, total * sizeof(float)) != 0) {
        free(w);
        return NULL;
    }
    memset(mem, 0, total * sizeof(float));
    w->mem = mem;
    w->cap = cap;
    float *p = w->mem;
    for (int l = 0; l <= net->nl; l++) {
        w->act[l] = p;
        p += net->dim[l] * cap;
    }
    w->d0 = p;
    p += maxw * cap;
    w->d1 = p;
    p += maxw * cap;
    w->lossv = p;
    return w;
}

void nn__work_free(nn_work *w)
{
    if (!w)
        return;
    free(w->mem);
    free(w);
}

/* ---------------------------------------------------------------------------------- */
/* GEMM kernels                                                                        */

/*
 * out[r, l0 .. l0+8*VB) for r in r0 .. r0+RB:
 *   (bias ? bias[r] : 0) + sum_c A[r*rs + c*cs] * in[c*bp + lanes]
 * then ReLU (relu), or zeroed where mask[r*bp + lanes] <= 0 (mask != NULL: ReLU's
 * derivative in the backward pass). ReLU keeps NaN (x < 0 is false for NaN), as torch.
 */
NN_INLINE void lin_blk(const float *A, size_t rs, size_t cs, size_t r0, int RB, size_t nin,
                       const float *bias, const float *in, size_t bp, size_t l0, int VB,
                       float *out, int relu, const float *mask)
{
    vf acc[2][4];
    for (int r = 0; r < RB; r++) {
        float b0 = bias ? bias[r0 + (size_t)r] : 0.0f;
        for (int v = 0; v < VB; v++)
            acc[r][v] = (vf){0} + b0;
    }
    for (size_t c = 0; c < nin; c++) {
        const vf *x = (const vf *)(in + c * bp + l0);
        vf xv[4];
        for (int v = 0; v < VB; v++)
            xv[v] = x[v];
        for (int r = 0; r < RB; r++) {
            float a = A[(r0 + (size_t)r) * rs + c * cs];
            for (int v = 0; v < VB; v++)
                acc[r][v] += a * xv[v];
        }
    }
    for (int r = 0; r < RB; r++) {
        vf *o = (vf *)(out + (r0 + (size_t)r) * bp + l0);
        for (int v = 0; v < VB; v++) {
            vf a = acc[r][v];
            if (relu) {
                vi neg = a < 0.0f;
                a = (vf)((vi)a & ~neg);
            } else if (mask) {
                vf mk = *(const vf *)(mask + (r0 + (size_t)r) * bp + l0 + (size_t)v * NN_LANES);
                vi pos = mk > 0.0f;
                a = (vf)((vi)a & pos);
            }
            o[v] = a;
        }
    }
}

NN_INLINE void lin(const float *A, size_t rs, size_t cs, size_t nout, size_t nin,
                   const float *bias, const float *in, size_t bp, float *out, int relu,
                   const float *mask)
{
    size_t r = 0;
    for (; r + 2 <= nout; r += 2) {
        size_t l = 0;
        for (; l + 4 * NN_LANES <= bp; l += 4 * NN_LANES)
            lin_blk(A, rs, cs, r, 2, nin, bias, in, bp, l, 4, out, relu, mask);
        for (; l < bp; l += NN_LANES)
            lin_blk(A, rs, cs, r, 2, nin, bias, in, bp, l, 1, out, relu, mask);
    }
    for (; r < nout; r++) {
        size_t l = 0;
        for (; l + 4 * NN_LANES <= bp; l += 4 * NN_LANES)
            lin_blk(A, rs, cs, r, 1, nin, bias, in, bp, l, 4, out, relu, mask);
        for (; l < bp; l += NN_LANES)
            lin_blk(A, rs, cs, r, 1, nin, bias, in, bp, l, 1, out, relu, mask);
    }
}

/* Sum of the 8 lanes in a fixed order (deterministic). */
NN_INLINE float hsum(const vf *a)
{
    float s = 0.0f;
    for (int j = 0; j < NN_LANES; j++)
        s += (*a)[j];
    return s;
}

/*
 * The 8 lane sums of 8 vectors at once (r[j] = sum of a[j]'s lanes), by pairwise in-lane
 * shuffles (vshufps) and one cross-half add: 21 operations instead of 8 scalar chains.
 * The order of the additions is fixed, so results stay deterministic.
 */
#if defined(__clang__)
#define SHUF_EV(a, b) __builtin_shufflevector(a, b, 0, 2, 8, 10, 4, 6, 12, 14)
#define SHUF_OD(a, b) __builtin_shufflevector(a, b, 1, 3, 9, 11, 5, 7, 13, 15)
#define SHUF_LO(a, b) __builtin_shufflevector(a, b, 0, 1, 2, 3, 8, 9, 10, 11)
#define SHUF_HI(a, b) __builtin_shufflevector(a, b, 4, 5, 6, 7, 12, 13, 14, 15)
#else
typedef int vmask __attribute__((vector_size(32)));
#define SHUF_EV(a, b) __builtin_shuffle(a, b, (vmask){0, 2, 8, 10, 4, 6, 12, 14})
#define SHUF_OD(a, b) __builtin_shuffle(a, b, (vmask){1, 3, 9, 11, 5, 7, 13, 15})
#define SHUF_LO(a, b) __builtin_shuffle(a, b, (vmask){0, 1, 2, 3, 8, 9, 10, 11})
#define SHUF_HI(a, b) __builtin_shuffle(a, b, (vmask){4, 5, 6, 7, 12, 13, 14, 15})
#endif
NN_INLINE void hsum8(const vf a[8], float *out)
{
    vf s01 = SHUF_EV(a[0], a[1]) + SHUF_OD(a[0], a[1]);
    vf s23 = SHUF_EV(a[2], a[3]) + SHUF_OD(a[2], a[3]);
    vf s45 = SHUF_EV(a[4], a[5]) + SHUF_OD(a[4], a[5]);
    vf s67 = SHUF_EV(a[6], a[7]) + SHUF_OD(a[6], a[7]);
    /* t0 = [a0 a1 a2 a3 | a0 a1 a2 a3] partial (low-half sums | high-half sums) */
    vf t0 = SHUF_EV(s01, s23) + SHUF_OD(s01, s23);
    vf t1 = SHUF_EV(s45, s67) + SHUF_OD(s45, s67);
    vf r = SHUF_LO(t0, t1) + SHUF_HI(t0, t1);
    memcpy(out, &r, sizeof r);
}

/* dW[o, i] = sum_b dY[o, b] X[i, b] for o in o0..o0+OB, i in i0..i0+IB. */
NN_INLINE void outer_blk(const float *dY, size_t o0, int OB, const float *X, size_t i0, int IB,
                         size_t ni, size_t bp, float *dW)
{
    vf acc[2][4];
    for (int o = 0; o < OB; o++)
        for (int i = 0; i < IB; i++)
            acc[o][i] = (vf){0};
    for (size_t l = 0; l < bp; l += NN_LANES) {
        vf yv[2], xv[4];
        for (int o = 0; o < OB; o++)
            yv[o] = *(const vf *)(dY + (o0 + (size_t)o) * bp + l);
        for (int i = 0; i < IB; i++)
            xv[i] = *(const vf *)(X + (i0 + (size_t)i) * bp + l);
        for (int o = 0; o < OB; o++)
            for (int i = 0; i < IB; i++)
                acc[o][i] += yv[o] * xv[i];
    }
    if (OB == 2 && IB == 4) {
        vf a8[8] = {acc[0][0], acc[0][1], acc[0][2], acc[0][3], acc[1][0], acc[1][1], acc[1][2], acc[1][3]};
        float r[8];
        hsum8(a8, r);
        for (int o = 0; o < 2; o++)
            for (int i = 0; i < 4; i++)
                dW[(o0 + (size_t)o) * ni + i0 + (size_t)i] = r[o * 4 + i];
        return;
    }
    for (int o = 0; o < OB; o++)
        for (int i = 0; i < IB; i++)
            dW[(o0 + (size_t)o) * ni + i0 + (size_t)i] = hsum(&acc[o][i]);
}

NN_INLINE void outer(const float *dY, size_t no, const float *X, size_t ni, size_t bp,
                     float *dW, float *db)
{
    size_t o = 0;
    for (; o + 2 <= no; o += 2) {
        size_t i = 0;
        for (; i + 4 <= ni; i += 4)
            outer_blk(dY, o, 2, X, i, 4, ni, bp, dW);
        for (; i < ni; i++)
            outer_blk(dY, o, 2, X, i, 1, ni, bp, dW);
    }
    for (; o < no; o++) {
        size_t i = 0;
        for (; i + 4 <= ni; i += 4)
            outer_blk(dY, o, 1, X, i, 4, ni, bp, dW);
        for (; i < ni; i++)
            outer_blk(dY, o, 1, X, i, 1, ni, bp, dW);
    }
    for (o = 0; o < no; o++) {
        vf acc = {0};
        for (size_t l = 0; l < bp; l += NN_LANES)
            acc += *(const vf *)(dY + o * bp + l);
        db[o] = hsum(&acc);
    }
}

/* ---------------------------------------------------------------------------------- */
/* Exported kernels                                                                    */

NN_CLONES void nn__forward(const nn_net *net, nn_work *ws, size_t bp)
{
    for (int l = 0; l < net->nl; l++)
        lin(net->W[l], net->dim[l], 1, net->dim[l + 1], net->dim[l], net->b[l], ws->act[l], bp,
            ws->act[l + 1], l + 1 < net->nl, NULL);
}

NN_CLONES void nn__backward(const nn_net *net, nn_work *ws, size_t bp, float *grad)
{
    float *gW[NN_MAX_HIDDEN + 1], *gb[NN_MAX_HIDDEN + 1];
    nn__views(net->dim, net->nl, grad, gW, gb);
    float *d = ws->d0, *dn = ws->d1;
    for (int l = net->nl - 1; l >= 0; l--) {
        outer(d, net->dim[l + 1], ws->act[l], net->dim[l], bp, gW[l], gb[l]);
        if (l > 0) {
            /* delta of layer l's input: W[l]^T d, masked by ReLU'(act[l]) */
            lin(net->W[l], 1, net->dim[l], net->dim[l], net->dim[l + 1], NULL, d, bp, dn, 0,
                ws->act[l]);
            float *t = d;
            d = dn;
            dn = t;
        }
    }
}

/* Log-softmax of row b's logits; returns the log-sum-exp, sets *arg to the first argmax. */
static float lse_row(const float *z, size_t k, size_t bp, size_t b, size_t *arg)
{
    float m = z[b];
    size_t am = 0;
    for (size_t o = 1; o < k; o++) {
        float v = z[o * bp + b];
        if (v > m) {
            m = v;
            am = o;
        }
    }
    float s = 0.0f;
    for (size_t o = 0; o < k; o++)
        s += expf(z[o * bp + b] - m);
    *arg = am;
    return m + logf(s);
}

void nn__loss_grad(const nn_net *net, nn_work *ws, size_t B, size_t bp, const int *y,
                   const float *w, double *wloss, double *wsum, size_t *correct)
{
    size_t k = net->dim[net->nl];
    const float *z = ws->act[net->nl];
    float *d = ws->d0;
    double sw = 0.0;
    for (size_t b = 0; b < B; b++)
        sw += w ? (double)w[b] : 1.0;
    float inv = sw > 0.0 ? (float)(1.0 / sw) : 0.0f;
    double lsum = 0.0;
    size_t ok = 0;
    for (size_t b = 0; b < B; b++) {
        /* softmax by log-sum-exp: e_o = exp(z_o - max) (<= 1), loss = log(sum e) - (z_y - max) */
        float m = z[b];
        size_t am = 0;
        for (size_t o = 1; o < k; o++)
            if (z[o * bp + b] > m) {
                m = z[o * bp + b];
                am = o;
            }
        float s = 0.0f;
        for (size_t o = 0; o < k; o++) {
            float e = expf(z[o * bp + b] - m);
            d[o * bp + b] = e;
            s += e;
        }
        size_t yb = (size_t)y[b];
        float wb = w ? w[b] : 1.0f;
        float l = logf(s) - (z[yb * bp + b] - m);
        lsum += (double)wb * (double)l;
        ok += am == yb;
        float scale = wb * inv, invs = 1.0f / s;
        for (size_t o = 0; o < k; o++)
            d[o * bp + b] = (d[o * bp + b] * invs - (o == yb ? 1.0f : 0.0f)) * scale;
    }
    for (size_t o = 0; o < k; o++)
        for (size_t b = B; b < bp; b++)
            d[o * bp + b] = 0.0f;
    *wloss = lsum;
    *wsum = sw;
    *correct = ok;
}

void nn__loss_eval(const nn_net *net, const nn_work *ws, size_t B, size_t bp, const int *y,
                   double *loss_sum, size_t *correct)
{
    size_t k = net->dim[net->nl];
    const float *z = ws->act[net->nl];
    double lsum = 0.0;
    size_t ok = 0;
    for (size_t b = 0; b < B; b++) {
        size_t am;
        float lse = lse_row(z, k, bp, b, &am);
        lsum += (double)(lse - z[(size_t)y[b] * bp + b]);
        ok += am == (size_t)y[b];
    }
    *loss_sum = lsum;
    *correct = ok;
}

/* One Adam update of p[j0..j1): the single-tensor path of torch.optim.Adam, in float32. */
#define ADAM_SCALAR(j0, j1)                                      \
    for (size_t q = (j0); q < (j1); q++) {                      \
        float g = grad[q];                                       \
        m[q] = m[q] * b1 + g * c1;                               \
        v[q] = v[q] * b2 + g * g * c2;                           \
        float denom = sqrtf(v[q]) / bc2s + e;                    \
        p[q] -= step * (m[q] / denom);                           \
    }

/* The same arithmetic 8 (AVX) or 4 (SSE) at a time: sqrtps is IEEE-exact like sqrtf.
   (Vector sqrt needs an intrinsic: GCC never vectorises sqrtf without -fno-math-errno.) */
#if defined(NN_SSE) && defined(__GNUC__) && !defined(__clang__)
#define ADAM_VEC(VT, SQRT, W)                                                  \
    for (; j + (W) <= n; j += (W)) {                                           \
        VT g, mm, vv, pp;                                                      \
        memcpy(&g, grad + j, sizeof g);                                        \
        memcpy(&mm, m + j, sizeof mm);                                         \
        memcpy(&vv, v + j, sizeof vv);                                         \
        memcpy(&pp, p + j, sizeof pp);                                         \
        mm = mm * b1 + g * c1;                                                 \
        vv = vv * b2 + g * g * c2;                                             \
        VT denom = SQRT(vv) / bc2s + e;                                        \
        pp -= step * (mm / denom);                                             \
        memcpy(m + j, &mm, sizeof mm);                                         \
        memcpy(v + j, &vv, sizeof vv);                                         \
        memcpy(p + j, &pp, sizeof pp);                                         \
    }
typedef float v4 __attribute__((vector_size(16), may_alias));
#define SQRT4(x) ((v4)_mm_sqrt_ps((__m128)(x)))
#define SQRT8(x) ((vf)_mm256_sqrt_ps((__m256)(x)))

__attribute__((target("avx2,fma"))) static void adam_avx2(float *p, const float *grad, float *m,
                                                         float *v, size_t n, float step, float bc2s,
                                                         float b1, float b2, float c1, float c2,
                                                         float e)
{
    size_t j = 0;
    ADAM_VEC(vf, SQRT8, 8)
    ADAM_SCALAR(j, n)
}

static void adam_sse(float *p, const float *grad, float *m, float *v, size_t n, float step,
                     float bc2s, float b1, float b2, float c1, float c2, float e)
{
    size_t j = 0;
    ADAM_VEC(v4, SQRT4, 4)
    ADAM_SCALAR(j, n)
}
#endif

void nn__adam(float *p, float *grad, float *m, float *v, size_t n, double lr, double beta1,
              double beta2, double eps, double wd, long t)
{
    /* As torch.optim.Adam's single-tensor path: the bias corrections and the step size
       are Python floats (double), applied to float32 tensors. */
    double bc1 = 1.0 - pow(beta1, (double)t);
    double bc2 = 1.0 - pow(beta2, (double)t);
    float step = (float)(lr / bc1);
    float bc2s = (float)sqrt(bc2);
    float b1 = (float)beta1, b2 = (float)beta2, e = (float)eps, fwd = (float)wd;
    float c1 = (float)(1.0 - beta1), c2 = (float)(1.0 - beta2);
    if (wd != 0.0)
        for (size_t j = 0; j < n; j++)
            grad[j] += fwd * p[j];
#if defined(NN_SSE) && defined(__GNUC__) && !defined(__clang__)
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        adam_avx2(p, grad, m, v, n, step, bc2s, b1, b2, c1, c2, e);
    else
        adam_sse(p, grad, m, v, n, step, bc2s, b1, b2, c1, c2, e);
#else
    ADAM_SCALAR(0, n)
#endif
}
