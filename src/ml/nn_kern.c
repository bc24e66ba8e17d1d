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
typedef unsigned vu __attribute__((vector_size(32), may_alias));

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
        /* act[0] has dim[0] rounded up to 8 rows: nn__gather stores whole 8 x 8 tiles */
        total += (l == 0 ? nn__round8(net->dim[0]) : net->dim[l]) * cap;
        if (net->dim[l] > maxw)
            maxw = net->dim[l];
    }
    total += 2 * maxw * cap + cap;
    nn_work *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    size_t nidx = 0;
    for (int l = 0; l < net->nl; l++)
        nidx += net->dim[l];
    uint32_t *ip = malloc(nidx * sizeof *ip);
    if (!ip) {
        free(w);
        return NULL;
    }
    for (int l = 0; l < net->nl; l++) {
        w->idx[l] = ip;
        w->nact[l] = net->dim[l];
        for (size_t i = 0; i < net->dim[l]; i++)
            ip[i] = (uint32_t)i;
        ip += net->dim[l];
    }
    void *mem = NULL;
    if (posix_memalign(&mem, 32, total * sizeof(float)) != 0) {
        free(w->idx[0]);
        free(w);
        return NULL;
    }
    memset(mem, 0, total * sizeof(float));
    w->mem = mem;
    w->cap = cap;
    float *p = w->mem;
    for (int l = 0; l <= net->nl; l++) {
        w->act[l] = p;
        p += (l == 0 ? nn__round8(net->dim[0]) : net->dim[l]) * cap;
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
    free(w->idx[0]);
    free(w->mem);
    free(w);
}

/* ---------------------------------------------------------------------------------- */
/* GEMM kernels                                                                        */

/*
 * out[rr[r], l0 .. l0+8*VB) for r in 0 .. RB:
 *   (bias ? bias[rr[r]] : 0) + sum_q A[rr[r]*rs + c_q*cs] * in[c_q*bp + lanes]
 * over the inputs c_q = cidx[q] (q < nin; cidx NULL: c_q = q), then ReLU (relu), or zeroed
 * where mask[rr[r]*bp + lanes] <= 0 (mask != NULL: ReLU's derivative in the backward
 * pass). ReLU keeps NaN (x < 0 is false for NaN), as torch.
 */
NN_INLINE void lin_blk(const float *A, size_t rs, size_t cs, const size_t *rr, int RB, size_t nin,
                       const uint32_t *cidx, const float *bias, const float *in, size_t bp, size_t l0,
                       int VB, float *out, int relu, const float *mask)
{
    vf acc[2][4];
    for (int r = 0; r < RB; r++) {
        float b0 = bias ? bias[rr[r]] : 0.0f;
        for (int v = 0; v < VB; v++)
            acc[r][v] = (vf){0} + b0;
    }
    for (size_t q = 0; q < nin; q++) {
        size_t c = cidx ? cidx[q] : q;
        const vf *x = (const vf *)(in + c * bp + l0);
        vf xv[4];
        for (int v = 0; v < VB; v++)
            xv[v] = x[v];
        for (int r = 0; r < RB; r++) {
            float a = A[rr[r] * rs + c * cs];
            for (int v = 0; v < VB; v++)
                acc[r][v] += a * xv[v];
        }
    }
    for (int r = 0; r < RB; r++) {
        vf *o = (vf *)(out + rr[r] * bp + l0);
        for (int v = 0; v < VB; v++) {
            vf a = acc[r][v];
            if (relu) {
                vi neg = a < 0.0f;
                a = (vf)((vi)a & ~neg);
            } else if (mask) {
                vf mk = *(const vf *)(mask + rr[r] * bp + l0 + (size_t)v * NN_LANES);
                vi pos = mk > 0.0f;
                a = (vf)((vi)a & pos);
            }
            o[v] = a;
        }
    }
}

#define NN_IDX(list, q) ((list) ? (size_t)(list)[q] : (size_t)(q))

/* lin_blk over the output rows ridx[0..nr) (NULL: 0..nr) and all bp lanes. */
NN_INLINE void lin(const float *A, size_t rs, size_t cs, const uint32_t *ridx, size_t nr, size_t nin,
                   const uint32_t *cidx, const float *bias, const float *in, size_t bp, float *out,
                   int relu, const float *mask)
{
    size_t q = 0;
    for (; q + 2 <= nr; q += 2) {
        size_t rr[2] = {NN_IDX(ridx, q), NN_IDX(ridx, q + 1)}, l = 0;
        for (; l + 4 * NN_LANES <= bp; l += 4 * NN_LANES)
            lin_blk(A, rs, cs, rr, 2, nin, cidx, bias, in, bp, l, 4, out, relu, mask);
        for (; l < bp; l += NN_LANES)
            lin_blk(A, rs, cs, rr, 2, nin, cidx, bias, in, bp, l, 1, out, relu, mask);
    }
    for (; q < nr; q++) {
        size_t rr[1] = {NN_IDX(ridx, q)}, l = 0;
        for (; l + 4 * NN_LANES <= bp; l += 4 * NN_LANES)
            lin_blk(A, rs, cs, rr, 1, nin, cidx, bias, in, bp, l, 4, out, relu, mask);
        for (; l < bp; l += NN_LANES)
            lin_blk(A, rs, cs, rr, 1, nin, cidx, bias, in, bp, l, 1, out, relu, mask);
    }
}

/* Sum of the 8 lanes, ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)): the order hsum8
   adds in, so a gradient entry is the same number whichever block computed it (the
   blocking moves with the activity lists). */
NN_INLINE float hsum(const vf *a)
{
    const float *x = (const float *)a;
    return ((x[0] + x[1]) + (x[2] + x[3])) + ((x[4] + x[5]) + (x[6] + x[7]));
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

/* dW[oc[o], ic[i]] = sum_b dY[oc[o], b] X[ic[i], b] for o in 0..OB, i in 0..IB. */
NN_INLINE void outer_blk(const float *dY, const size_t *oc, int OB, const float *X, const size_t *ic, int IB,
                         size_t ni, size_t bp, float *dW)
{
    vf acc[2][4];
    for (int o = 0; o < OB; o++)
        for (int i = 0; i < IB; i++)
            acc[o][i] = (vf){0};
    for (size_t l = 0; l < bp; l += NN_LANES) {
        vf yv[2], xv[4];
        for (int o = 0; o < OB; o++)
            yv[o] = *(const vf *)(dY + oc[o] * bp + l);
        for (int i = 0; i < IB; i++)
            xv[i] = *(const vf *)(X + ic[i] * bp + l);
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
                dW[oc[o] * ni + ic[i]] = r[o * 4 + i];
        return;
    }
    for (int o = 0; o < OB; o++)
        for (int i = 0; i < IB; i++)
            dW[oc[o] * ni + ic[i]] = hsum(&acc[o][i]);
}

/* outer_blk over OB rows oc of dY and every listed row of X, 4 at a time. */
NN_INLINE void outer_rows(const float *dY, const size_t *oc, int OB, const float *X, size_t ni,
                          const uint32_t *iidx, size_t ni_act, size_t bp, float *dW)
{
    size_t q = 0;
    for (; q + 4 <= ni_act; q += 4) {
        size_t ic[4] = {NN_IDX(iidx, q), NN_IDX(iidx, q + 1), NN_IDX(iidx, q + 2), NN_IDX(iidx, q + 3)};
        outer_blk(dY, oc, OB, X, ic, 4, ni, bp, dW);
    }
    for (; q < ni_act; q++) {
        size_t ic[1] = {NN_IDX(iidx, q)};
        outer_blk(dY, oc, OB, X, ic, 1, ni, bp, dW);
    }
}

/* dW = dY X^T and db = row sums of dY, over the rows of dY listed in oidx (no of them;
   NULL: all) and the rows of X listed in iidx (ni_act of them; NULL: all ni); the other
   entries are left as they are. */
NN_INLINE void outer(const float *dY, const uint32_t *oidx, size_t no, const float *X, size_t ni,
                     const uint32_t *iidx, size_t ni_act, size_t bp, float *dW, float *db)
{
    size_t p = 0;
    for (; p + 2 <= no; p += 2) {
        size_t oc[2] = {NN_IDX(oidx, p), NN_IDX(oidx, p + 1)};
        outer_rows(dY, oc, 2, X, ni, iidx, ni_act, bp, dW);
    }
    for (; p < no; p++) {
        size_t oc[1] = {NN_IDX(oidx, p)};
        outer_rows(dY, oc, 1, X, ni, iidx, ni_act, bp, dW);
    }
    for (p = 0; p < no; p++) {
        size_t o = NN_IDX(oidx, p);
        vf acc = {0};
        for (size_t l = 0; l < bp; l += NN_LANES)
            acc += *(const vf *)(dY + o * bp + l);
        db[o] = hsum(&acc);
    }
}

/* The rows of a (rows, bp) block with a nonzero bit in some lane, ascending, into idx;
   returns their count. -0 and NaN count as nonzero. */
NN_INLINE size_t active_rows(const float *a, size_t rows, size_t bp, uint32_t *idx)
{
    size_t na = 0;
    for (size_t i = 0; i < rows; i++) {
        vi any = (vi){0};
        for (size_t l0 = 0; l0 < bp; l0 += NN_LANES)
            any |= *(const vi *)(a + i * bp + l0);
        int nz = 0;
        for (int j = 0; j < NN_LANES; j++)
            nz |= any[j];
        idx[na] = (uint32_t)i;
        na += nz != 0;
    }
    return na;
}

/* ---------------------------------------------------------------------------------- */
/* Exported kernels                                                                    */

NN_CLONES void nn__forward(const nn_net *net, nn_work *ws, size_t bp)
{
    /*
     * With activity lists (ws->idx, work areas from nn__work_new), layer l sums only over
     * the units of act[l] that are nonzero somewhere in the batch: an all-zero unit (an
     * input feature absent from the batch, a ReLU unit off for every row) adds exactly 0 to
     * every sum, so the outputs equal the full sums, in the same order.
     */
    int lists = ws->idx[0] != NULL;
    for (int l = 0; l < net->nl; l++) {
        lin(net->W[l], net->dim[l], 1, NULL, net->dim[l + 1], lists ? ws->nact[l] : net->dim[l],
            lists ? ws->idx[l] : NULL, net->b[l], ws->act[l], bp, ws->act[l + 1], l + 1 < net->nl, NULL);
        if (lists && l + 1 < net->nl)
            ws->nact[l + 1] = active_rows(ws->act[l + 1], net->dim[l + 1], bp, ws->idx[l + 1]);
    }
}

NN_CLONES void nn__backward(const nn_net *net, nn_work *ws, size_t bp, float *grad)
{
    float *gW[NN_MAX_HIDDEN + 1], *gb[NN_MAX_HIDDEN + 1];
    nn__views(net->dim, net->nl, grad, gW, gb);
    float *d = ws->d0, *dn = ws->d1;
    int lists = ws->idx[0] != NULL;
    if (lists) /* gradients of weights from or to an inactive unit are 0 */
        memset(grad, 0, net->nparam * sizeof *grad);
    for (int l = net->nl - 1; l >= 0; l--) {
        /* rows of d that can be nonzero: every logit; below, the active units (ReLU') */
        const uint32_t *oidx = lists && l + 1 < net->nl ? ws->idx[l + 1] : NULL;
        size_t no = oidx ? ws->nact[l + 1] : net->dim[l + 1];
        const uint32_t *iidx = lists ? ws->idx[l] : NULL;
        size_t ni = lists ? ws->nact[l] : net->dim[l];
        outer(d, oidx, no, ws->act[l], net->dim[l], iidx, ni, bp, gW[l], gb[l]);
        if (l > 0) {
            /* delta of layer l's input: W[l]^T d, masked by ReLU'(act[l]); only the active
               units' rows (the others are never read) */
            lin(net->W[l], 1, net->dim[l], iidx, ni, no, oidx, NULL, d, bp, dn, 0, ws->act[l]);
            float *t = d;
            d = dn;
            dn = t;
        }
    }
}

/* ---------------------------------------------------------------------------------- */
/* Softmax cross-entropy, 8 rows (lanes) at a time                                     */

/*
 * exp(x) for x <= 0 (the softmax's z - max), Cephes' expf polynomial (about 1 ulp):
 * x is clamped at -86 (exp(-86) = 4e-38, below anything that can move a sum >= 1), and a
 * NaN lane stays NaN (a diverging network must show as a NaN loss).
 */
NN_INLINE void vexp_neg(const vf *xp, vf *out)
{
    vf x = *xp;
    const vf lo = (vf){0} - 86.0f, magic = (vf){0} + 12582912.0f; /* 1.5 * 2^23 */
    vi nan = x != x;
    vi small = x < lo;
    vf xc = (vf)(((vi)x & ~small) | ((vi)lo & small));
    vf t = xc * 1.44269504088896341f + magic; /* round(x / ln 2) + magic */
    vf n = t - magic;
    vf r = xc - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    vf r2 = r * r;
    vf p = (vf){0} + 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r2 + r + 1.0f;
    vi e = (vi)((vu)((vi)t - (vi)magic) << 23); /* n in [-124, 0]: a valid exponent shift */
    vf res = (vf)((vi)p + e);
    *out = (vf)(((vi)res & ~nan) | ((vi)x & nan));
}

/* log(x) for x >= 1 (a softmax sum), Cephes' logf polynomial (about 1 ulp); Inf and NaN
   lanes pass through. */
NN_INLINE void vlog_ge1(const vf *xp, vf *out)
{
    vf x = *xp;
    vi bits = (vi)x;
    vi ex = (bits >> 23) - 126;
    vf m = (vf)((bits & 0x007fffff) | 0x3f000000); /* [0.5, 1) */
    vi lt = m < 0.707106781186547524f;
    ex = ex + lt; /* lt is -1 where true */
    vf xm = m + (vf)((vi)m & lt) - 1.0f; /* 2m - 1 or m - 1 */
    vf fe = __builtin_convertvector(ex, vf);
    vf z = xm * xm;
    vf y = (vf){0} + 7.0376836292e-2f;
    y = y * xm - 1.1514610310e-1f;
    y = y * xm + 1.1676998740e-1f;
    y = y * xm - 1.2420140846e-1f;
    y = y * xm + 1.4249322787e-1f;
    y = y * xm - 1.6668057665e-1f;
    y = y * xm + 2.0000714765e-1f;
    y = y * xm - 2.4999993993e-1f;
    y = y * xm + 3.3333331174e-1f;
    y = y * xm * z;
    y += fe * -2.12194440e-4f;
    y += -0.5f * z;
    vf res = xm + y;
    res += fe * 0.693359375f;
    vi fin = x < __builtin_inff();
    *out = (vf)(((vi)res & fin) | ((vi)x & ~fin));
}

/*
 * Softmax of the 8 rows in lanes l0..l0+8 of the logits z (k, bp): writes exp(z - max)
 * to e (k, bp) when e != NULL, returns the per-lane loss log(sum exp(z - max)) - (z_y -
 * max) and the first argmax in *am. y holds the lanes' labels (any value on padding).
 */
NN_INLINE void softmax8(const float *z, size_t k, size_t bp, size_t l0, const vi *yp, float *e,
                        vi *am, vf *sum, vf *loss)
{
    vi yv = *yp;
    vf zm = *(const vf *)(z + l0), zy = (vf){0};
    vi arg = (vi){0};
    for (size_t o = 1; o < k; o++) {
        vf v = *(const vf *)(z + o * bp + l0);
        vi gt = v > zm;
        zm = (vf)(((vi)v & gt) | ((vi)zm & ~gt));
        arg = (arg & ~gt) | (((vi){0} + (int)o) & gt);
    }
    vf s = (vf){0};
    for (size_t o = 0; o < k; o++) {
        vf v = *(const vf *)(z + o * bp + l0);
        vf dz = v - zm, ex;
        vexp_neg(&dz, &ex);
        if (e)
            *(vf *)(e + o * bp + l0) = ex;
        s += ex;
        vi isy = yv == (int)o;
        zy = (vf)(((vi)v & isy) | ((vi)zy & ~isy));
    }
    vf ls;
    vlog_ge1(&s, &ls);
    *am = arg;
    *sum = s;
    *loss = ls - (zy - zm);
}

NN_CLONES void nn__loss_grad(const nn_net *net, nn_work *ws, size_t B, size_t bp, const int *y,
                             const float *w, double *wloss, double *wsum, size_t *correct)
{
    size_t k = net->dim[net->nl];
    const float *z = ws->act[net->nl];
    float *d = ws->d0, *lossv = ws->lossv;
    double sw = 0.0;
    for (size_t b = 0; b < B; b++)
        sw += w ? (double)w[b] : 1.0;
    float inv = sw > 0.0 ? (float)(1.0 / sw) : 0.0f;
    double lsum = 0.0;
    size_t ok = 0;
    for (size_t l0 = 0; l0 < bp; l0 += NN_LANES) {
        int yl[NN_LANES], al[NN_LANES];
        float wl[NN_LANES];
        for (size_t j = 0; j < NN_LANES; j++) {
            int in = l0 + j < B;
            yl[j] = in ? y[l0 + j] : -1;
            wl[j] = in ? (w ? w[l0 + j] : 1.0f) : 0.0f;
        }
        vi yv, am;
        vf wv, s;
        memcpy(&yv, yl, sizeof yv);
        memcpy(&wv, wl, sizeof wv);
        vf loss;
        softmax8(z, k, bp, l0, &yv, d, &am, &s, &loss);
        /* dL/dz_o = (softmax_o - [o == y]) * w / sum w; zero on padding (w 0) */
        vf scale = wv * inv, invs = 1.0f / s;
        vi live = wv != 0.0f;
        for (size_t o = 0; o < k; o++) {
            vf *dv = (vf *)(d + o * bp + l0);
            vf ind = (vf)((yv == (int)o) & (vi)((vf){0} + 1.0f));
            *dv = (vf)((vi)((*dv * invs - ind) * scale) & live);
        }
        memcpy(lossv + l0, &loss, sizeof loss);
        memcpy(al, &am, sizeof al);
        for (size_t j = 0; j < NN_LANES && l0 + j < B; j++) {
            lsum += (double)wl[j] * (double)lossv[l0 + j];
            ok += al[j] == yl[j];
        }
    }
    *wloss = lsum;
    *wsum = sw;
    *correct = ok;
}

NN_CLONES void nn__loss_eval(const nn_net *net, const nn_work *ws, size_t B, size_t bp,
                             const int *y, double *loss_sum, size_t *correct)
{
    size_t k = net->dim[net->nl];
    const float *z = ws->act[net->nl];
    double lsum = 0.0;
    size_t ok = 0;
    for (size_t l0 = 0; l0 < bp; l0 += NN_LANES) {
        int yl[NN_LANES], al[NN_LANES];
        float lv[NN_LANES];
        for (size_t j = 0; j < NN_LANES; j++)
            yl[j] = l0 + j < B ? y[l0 + j] : -1;
        vi yv, am;
        vf s;
        memcpy(&yv, yl, sizeof yv);
        vf loss;
        softmax8(z, k, bp, l0, &yv, NULL, &am, &s, &loss);
        memcpy(lv, &loss, sizeof lv);
        memcpy(al, &am, sizeof al);
        for (size_t j = 0; j < NN_LANES && l0 + j < B; j++) {
            lsum += (double)lv[j];
            ok += al[j] == yl[j];
        }
    }
    *loss_sum = lsum;
    *correct = ok;
}

/* ---------------------------------------------------------------------------------- */
/* Input gather                                                                        */

#if defined(__clang__)
#define SHUF(a, b, ...) __builtin_shufflevector(a, b, __VA_ARGS__)
#else
#define SHUF(a, b, ...) __builtin_shuffle(a, b, (vmask){__VA_ARGS__})
#endif

NN_CLONES void nn__gather(const float *xu, size_t dp, size_t d, const uint32_t *ids, size_t B,
                          size_t bp, uint32_t zero_id, nn_work *ws)
{
    float *act0 = ws->act[0];
    for (size_t l0 = 0; l0 < bp; l0 += NN_LANES) {
        /* table rows are 32-byte aligned (dp a multiple of 8): whole-vector loads */
#define ROW(j) ((const vf *)(xu + (size_t)(l0 + (j) < B ? ids[l0 + (j)] : zero_id) * dp))
        const vf *r0 = ROW(0), *r1 = ROW(1), *r2 = ROW(2), *r3 = ROW(3), *r4 = ROW(4), *r5 = ROW(5),
                 *r6 = ROW(6), *r7 = ROW(7);
#undef ROW
        float *o = act0 + l0;
        for (size_t v = 0; v < dp / 8; v++, o += 8 * bp) {
            /* 8 x 8 transpose: columns 8v.. of the 8 rows -> act0 rows 8v.., lanes l0.. */
            vf a0 = r0[v], a1 = r1[v], a2 = r2[v], a3 = r3[v], a4 = r4[v], a5 = r5[v], a6 = r6[v], a7 = r7[v];
            vf t0 = SHUF(a0, a1, 0, 8, 1, 9, 4, 12, 5, 13), t1 = SHUF(a0, a1, 2, 10, 3, 11, 6, 14, 7, 15);
            vf t2 = SHUF(a2, a3, 0, 8, 1, 9, 4, 12, 5, 13), t3 = SHUF(a2, a3, 2, 10, 3, 11, 6, 14, 7, 15);
            vf t4 = SHUF(a4, a5, 0, 8, 1, 9, 4, 12, 5, 13), t5 = SHUF(a4, a5, 2, 10, 3, 11, 6, 14, 7, 15);
            vf t6 = SHUF(a6, a7, 0, 8, 1, 9, 4, 12, 5, 13), t7 = SHUF(a6, a7, 2, 10, 3, 11, 6, 14, 7, 15);
            vf u0 = SHUF(t0, t2, 0, 1, 8, 9, 4, 5, 12, 13), u1 = SHUF(t0, t2, 2, 3, 10, 11, 6, 7, 14, 15);
            vf u2 = SHUF(t1, t3, 0, 1, 8, 9, 4, 5, 12, 13), u3 = SHUF(t1, t3, 2, 3, 10, 11, 6, 7, 14, 15);
            vf u4 = SHUF(t4, t6, 0, 1, 8, 9, 4, 5, 12, 13), u5 = SHUF(t4, t6, 2, 3, 10, 11, 6, 7, 14, 15);
            vf u6 = SHUF(t5, t7, 0, 1, 8, 9, 4, 5, 12, 13), u7 = SHUF(t5, t7, 2, 3, 10, 11, 6, 7, 14, 15);
            *(vf *)(o + 0 * bp) = SHUF(u0, u4, 0, 1, 2, 3, 8, 9, 10, 11);
            *(vf *)(o + 4 * bp) = SHUF(u0, u4, 4, 5, 6, 7, 12, 13, 14, 15);
            *(vf *)(o + 1 * bp) = SHUF(u1, u5, 0, 1, 2, 3, 8, 9, 10, 11);
            *(vf *)(o + 5 * bp) = SHUF(u1, u5, 4, 5, 6, 7, 12, 13, 14, 15);
            *(vf *)(o + 2 * bp) = SHUF(u2, u6, 0, 1, 2, 3, 8, 9, 10, 11);
            *(vf *)(o + 6 * bp) = SHUF(u2, u6, 4, 5, 6, 7, 12, 13, 14, 15);
            *(vf *)(o + 3 * bp) = SHUF(u3, u7, 0, 1, 2, 3, 8, 9, 10, 11);
            *(vf *)(o + 7 * bp) = SHUF(u3, u7, 4, 5, 6, 7, 12, 13, 14, 15);
        }
    }
    ws->nact[0] = active_rows(act0, d, bp, ws->idx[0]);
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
