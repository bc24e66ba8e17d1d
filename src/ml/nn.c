/*
 * nn.c: the "nn" learner: feed-forward networks as the Python study this tool replaces
 * trained them in PyTorch: Linear/ReLU layers of any widths, softmax cross-entropy, PyTorch's
 * default nn.Linear initialisation, Adam with PyTorch's defaults, ExponentialLR stepped once
 * per epoch, seeded shuffled mini-batches (the last one partial), per-epoch train and
 * validation loss/accuracy, the best-validation-accuracy epoch kept, optional early stop.
 *
 * Not here: the arithmetic (nn_kern.c), the pipeline that makes X (features module), the
 * model-file header and checksum (the model framework; this file writes only the state).
 *
 * Invariants: float32 weights, one allocation per network (nn_net.mem); training is
 * deterministic for a seed (one RNG stream: initialisation, then one shuffle per epoch);
 * a non-finite loss or weight stops training with MQTTIDS_ERR_DIVERGED, never silently.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ml/nn_int.h"
#include "mqttids/dataset.h"
#if defined(__x86_64__) && defined(__SSE2__)
#include <immintrin.h>
#define NN_X86 1
#endif

#define NN_STATE_VERSION 1u
#define NN_EVAL_CHUNK 512 /* rows per forward pass when evaluating */

typedef struct nn_params {
    int nhidden;
    size_t hidden[NN_MAX_HIDDEN];
    double lr;       /* Adam learning rate (PyTorch default 0.001) */
    long batch;      /* mini-batch size */
    long epochs;
    double gamma;    /* ExponentialLR factor per epoch */
    long patience;   /* early stop after this many epochs without improvement; 0 off */
    double wd;       /* Adam weight_decay (L2 added to the gradient, as torch) */
} nn_params;

/* The defaults (every field not named is 0). */
static const nn_params nn_defaults = {.nhidden = 1, .hidden[0] = 16, .lr = 0.001, .batch = 64, .epochs = 20,
                                      .gamma = 1.0, .patience = 0, .wd = 0.0};

static void *params_new(void) { return ml__params_dup(NULL, &nn_defaults, sizeof nn_defaults); }

static void *params_copy(const void *p) { return ml__params_dup(p, &nn_defaults, sizeof nn_defaults); }

static int parse_long(const char *v, long lo, long hi, long *out)
{
    int64_t x;
    if (util__parse_int(v, strlen(v), &x) != 0 || x < lo || x > hi)
        return -1;
    *out = (long)x;
    return 0;
}

/* "16" or "16,16,16,8" (hidden widths); "" or "none": no hidden layer (softmax regression). */
static mqttids_err parse_layers(nn_params *p, const char *v, char *errbuf)
{
    int nh = 0;
    size_t h[NN_MAX_HIDDEN];
    if (*v && strcmp(v, "none") != 0) {
        const char *s = v;
        for (;;) {
            const char *e = strchr(s, ',');
            size_t len = e ? (size_t)(e - s) : strlen(s);
            int64_t x;
            if (nh == NN_MAX_HIDDEN || util__parse_int(s, len, &x) != 0 || x < 1 ||
                x > NN_MAX_WIDTH)
                return util__fail(errbuf, MQTTIDS_ERR_INVALID,
                                  "nn: layers=%s: expected up to %d comma-separated hidden "
                                  "widths in 1..%d, e.g. layers=16 or layers=16,16,16,8",
                                  v, NN_MAX_HIDDEN, NN_MAX_WIDTH);
            h[nh++] = (size_t)x;
            if (!e)
                break;
            s = e + 1;
        }
    }
    p->nhidden = nh;
    memcpy(p->hidden, h, (size_t)nh * sizeof h[0]);
    return MQTTIDS_OK;
}

static mqttids_err params_set(void *pv, const char *key, const char *value, char *errbuf)
{
    nn_params *p = pv;
    double x;
    long l;
    if (ml__key_eq(key, "layers"))
        return parse_layers(p, value, errbuf);
    if (ml__key_eq(key, "lr") || ml__key_eq(key, "learningRate")) {
        if (ml__parse_num(value, &x) || !(x > 0.0))
            return util__fail(errbuf, MQTTIDS_ERR_INVALID, "nn: lr=%s: expected a number > 0", value);
        p->lr = x;
    } else if (ml__key_eq(key, "batchSize")) {
        if (parse_long(value, 1, 1 << 20, &l))
            return util__fail(errbuf, MQTTIDS_ERR_INVALID,
                              "nn: batchSize=%s: expected an integer in 1..%d", value, 1 << 20);
        p->batch = l;
    } else if (ml__key_eq(key, "epochs")) {
        if (parse_long(value, 1, 100000, &l))
            return util__fail(errbuf, MQTTIDS_ERR_INVALID,
                              "nn: epochs=%s: expected an integer in 1..100000", value);
        p->epochs = l;
    } else if (ml__key_eq(key, "gamma")) {
        if (ml__parse_num(value, &x) || !(x > 0.0) || x > 1.0)
            return util__fail(errbuf, MQTTIDS_ERR_INVALID,
                              "nn: gamma=%s: expected a number in (0, 1] (ExponentialLR)", value);
        p->gamma = x;
    } else if (ml__key_eq(key, "patience")) {
        if (parse_long(value, 0, 100000, &l))
            return util__fail(errbuf, MQTTIDS_ERR_INVALID,
                              "nn: patience=%s: expected an integer >= 0 (0: no early stop)", value);
        p->patience = l;
    } else if (ml__key_eq(key, "weightDecay")) {
        if (ml__parse_num(value, &x) || x < 0.0)
            return util__fail(errbuf, MQTTIDS_ERR_INVALID, "nn: weightDecay=%s: expected a number >= 0",
                              value);
        p->wd = x;
    } else {
        return util__fail(errbuf, MQTTIDS_ERR_INVALID,
                          "nn: unknown parameter '%s' (known: layers, lr, batchSize, epochs, "
                          "gamma, patience, weightDecay)", key);
    }
    return MQTTIDS_OK;
}

static void params_describe(const void *pv, char *buf, size_t size)
{
    const nn_params *p = pv;
    char layers[NN_MAX_HIDDEN * 6 + 8] = "none", lr[32], gamma[32], wd[32];
    size_t off = 0;
    for (int i = 0; i < p->nhidden; i++)
        off += (size_t)snprintf(layers + off, sizeof layers - off, "%s%zu", i ? "," : "", p->hidden[i]);
    mqttids_format_double(lr, sizeof lr, p->lr);
    mqttids_format_double(gamma, sizeof gamma, p->gamma);
    mqttids_format_double(wd, sizeof wd, p->wd);
    snprintf(buf, size, "layers=%s lr=%s batchSize=%ld epochs=%ld gamma=%s patience=%ld weightDecay=%s",
             layers, lr, p->batch, p->epochs, gamma, p->patience, wd);
}

/* ---------------------------------------------------------------------------------- */
/* Training                                                                            */

/* Copies rows first .. first + B of X (n, d) into xt (d, bp) as float32, feature-major;
   padding lanes are zeroed (validation batches; training batches come from the table).
   Returns the batch position of the first row with a value that is not finite as float32
   (NaN, Inf, beyond 3.4e38), or B; only checked when check is set. */
static size_t gather(const double *X, size_t d, size_t first, size_t B, size_t bp, float *xt, int check)
{
    size_t badrow = B;
    for (size_t b = 0; b < B; b++) {
        const double *row = X + (first + b) * d;
        int bad = 0;
        for (size_t i = 0; i < d; i++) {
            float v = (float)row[i];
            xt[i * bp + b] = v;
            bad |= check && !isfinite(v);
        }
        if (bad && badrow == B)
            badrow = b;
    }
    for (size_t i = 0; i < d; i++)
        for (size_t b = B; b < bp; b++)
            xt[i * bp + b] = 0.0f;
    return badrow;
}

/*
 * The training rows as float32 rows, each distinct (features, label, weight) stored once.
 * Why: a batch is a random draw of rows, and gathering it from the caller's doubles (272
 * bytes a row at 34 features, spread over the whole X) cost as much as forward and backward
 * together. Float rows of a table that stays in cache make the gather a tiled transpose;
 * resampled and captured traffic repeats rows heavily (11,035 distinct rows among the
 * 231,646 of the resampled study set), and without repeats the table is X in float32.
 * ids[i] names row i's table row; training shuffles ids in place (the same Fisher-Yates
 * swaps as over row numbers, so the batches hold the same rows as before).
 */
typedef struct nn_table {
    float *xu;      /* owned: (nu + 1, dp), 32-byte aligned; row nu is zeros (padding lanes) */
    int *yu;        /* owned: label of each table row */
    float *wu;      /* owned: weight of each table row; NULL without weights */
    uint32_t *ids;  /* owned: n, row -> table row */
    size_t nu, dp;  /* table rows; floats per row (d rounded up to 8, zero padded) */
} nn_table;

static void table_free(nn_table *t)
{
    free(t->xu);
    free(t->yu);
    free(t->wu);
    free(t->ids);
    memset(t, 0, sizeof *t);
}

/* Asks for the table rows of the next batch early: when the table outgrows the core's L2,
   a row is a few L3 (or memory) misses, more than the arithmetic of a row. */
static void prefetch_rows(const nn_table *t, const uint32_t *ids, size_t B)
{
#if defined(__GNUC__)
    for (size_t b = 0; b < B; b++) {
        const char *row = (const char *)(t->xu + (size_t)ids[b] * t->dp);
        for (size_t off = 0; off < t->dp * sizeof(float); off += 64)
            __builtin_prefetch(row + off, 0, 3);
        __builtin_prefetch(t->yu + ids[b], 0, 3);
    }
#else
    (void)t; (void)ids; (void)B;
#endif
}

static uint64_t row_hash(const float *row, size_t dp, int y, uint32_t wbits)
{
    /* four independent multiply chains over the float bits, then a final mix */
    uint64_t h[4] = {(uint64_t)(uint32_t)y + 0x9e3779b97f4a7c15u, wbits + 0xbf58476d1ce4e5b9u,
                     0x94d049bb133111ebu, 0x2545f4914f6cdd1du};
    for (size_t c = 0; c < dp; c += 4)
        for (int j = 0; j < 4; j++) {
            uint32_t bits;
            memcpy(&bits, row + c + (size_t)j, sizeof bits);
            h[j] = (h[j] ^ bits) * 0x100000001b3u;
        }
    uint64_t x = h[0] ^ (h[1] << 16 | h[1] >> 48) ^ (h[2] << 32 | h[2] >> 32) ^ (h[3] << 48 | h[3] >> 16);
    x ^= x >> 31;
    x *= 0xbf58476d1ce4e5b9u;
    x ^= x >> 29;
    return x;
}

/* Builds t from X (n, d), y, w (NULL: no weights). MQTTIDS_ERR_INVALID with *badrow set
   when a value is not finite as float32; MQTTIDS_ERR_NOMEM. */
static mqttids_err table_build(const double *X, size_t n, size_t d, const int *y, const double *w,
                               nn_table *t, size_t *badrow /* OUT */)
{
    size_t dp = nn__round8(d), cap = 16;
    uint32_t *slot = NULL;
    void *mem = NULL;
    memset(t, 0, sizeof *t);
    while (cap < 2 * n)
        cap *= 2;
    if (posix_memalign(&mem, 32, (n + 1) * dp * sizeof(float)) != 0)
        return MQTTIDS_ERR_NOMEM;
    t->xu = mem;
    t->dp = dp;
    t->yu = malloc(n * sizeof *t->yu);
    t->wu = w ? malloc(n * sizeof *t->wu) : NULL;
    t->ids = malloc(n * sizeof *t->ids);
    slot = calloc(cap, sizeof *slot);
    if (!t->yu || (w && !t->wu) || !t->ids || !slot) {
        free(slot);
        table_free(t);
        return MQTTIDS_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        float *row = t->xu + t->nu * dp; /* the next free table row, as a candidate */
        const double *x = X + i * d;
        int bad = 0;
        for (size_t c = 0; c < d; c++) {
            row[c] = (float)x[c];
            bad |= !isfinite(row[c]);
        }
        for (size_t c = d; c < dp; c++)
            row[c] = 0.0f;
        if (bad) {
            *badrow = i;
            free(slot);
            table_free(t);
            return MQTTIDS_ERR_INVALID;
        }
        float wf = w ? (float)w[i] : 1.0f;
        uint32_t wbits;
        memcpy(&wbits, &wf, sizeof wbits);
        size_t h = (size_t)row_hash(row, dp, y[i], wbits) & (cap - 1);
        uint32_t u = UINT32_MAX;
        for (; slot[h]; h = (h + 1) & (cap - 1)) {
            uint32_t c = slot[h] - 1;
            if (t->yu[c] == y[i] && (!w || memcmp(&t->wu[c], &wf, sizeof wf) == 0) &&
                memcmp(t->xu + (size_t)c * dp, row, dp * sizeof *row) == 0) {
                u = c;
                break;
            }
        }
        if (u == UINT32_MAX) {
            u = (uint32_t)t->nu++;
            slot[h] = u + 1;
            t->yu[u] = y[i];
            if (w)
                t->wu[u] = wf;
        }
        t->ids[i] = u;
    }
    memset(t->xu + t->nu * dp, 0, dp * sizeof(float));
    free(slot);
    return MQTTIDS_OK;
}

static size_t round_lanes(size_t n) { return (n + NN_LANES - 1) / NN_LANES * NN_LANES; }

/* Mean loss and accuracy of net on (X, y), n rows, through ws (cap >= NN_EVAL_CHUNK).
   With check, returns the first row not finite as float32 (or n) and evaluates nothing. */
static size_t evaluate(const nn_net *net, nn_work *ws, const double *X, const int *y, size_t n,
                       int check, double *loss, double *acc)
{
    double ls = 0.0;
    size_t ok = 0;
    for (size_t s = 0; s < n; s += NN_EVAL_CHUNK) {
        size_t B = n - s < NN_EVAL_CHUNK ? n - s : NN_EVAL_CHUNK, bp = round_lanes(B), c;
        double l;
        size_t bad = gather(X, net->dim[0], s, B, bp, ws->act[0], check);
        if (bad < B)
            return s + bad;
        if (check)
            continue;
        nn__forward(net, ws, bp);
        nn__loss_eval(net, ws, B, bp, y + s, &l, &c);
        ls += l;
        ok += c;
    }
    *loss = n ? ls / (double)n : NAN;
    *acc = n ? (double)ok / (double)n : NAN;
    return n;
}

static int all_finite(const float *p, size_t n)
{
    for (size_t j = 0; j < n; j++)
        if (!isfinite(p[j]))
            return 0;
    return 1;
}

/* Checks the shape, labels (train and validation) and weights of a fit; nothing allocated. */
static mqttids_err check_fit_input(size_t n, size_t d, const int *y, int k, const double *w,
                                   const ml_fit_ctx *ctx, size_t nval, char *errbuf)
{
    if (n == 0 || d == 0 || d > NN_MAX_WIDTH || k < 2 || k > NN_MAX_WIDTH)
        return util__fail(errbuf, MQTTIDS_ERR_INVALID,
                          "nn: need rows > 0, 1..%d features and 2..%d classes (got %zu, %zu, %d)",
                          NN_MAX_WIDTH, NN_MAX_WIDTH, n, d, k);
    mqttids_err err = ml__check_fit_rows("nn", y, n, k, w, nval ? ctx->yval : NULL, nval, errbuf);
    if (err)
        return err;
    if (n >= UINT32_MAX)
        return util__fail(errbuf, MQTTIDS_ERR_INVALID, "nn: at most %u training rows (got %zu)",
                          UINT32_MAX - 1, n);
    return MQTTIDS_OK;
}

/* What the epochs of one fit share: the network, its work areas, the deduplicated rows,
   Adam's state and the best-epoch copy (opt: grad, m, v, best; same layout as net->mem). */
typedef struct {
    const nn_params *p;
    nn_net *net;
    nn_work *ws, *wv;
    nn_table tab;
    float *opt, *wb;
    int *yb;
    size_t n, d, B, P;
    long t;                 /* Adam steps taken */
    double lr;              /* this epoch's learning rate */
    double best_acc, best_train;
    int best_epoch;
} nn_fit;

/* Marks epoch e of curve as the one that diverged. */
static void curve_diverged(ml_curve *curve, long e, double train_loss, double lr)
{
    if (!curve)
        return;
    curve->epochs[e] = (ml_epoch){train_loss, NAN, NAN, NAN, lr};
    curve->n = (size_t)e + 1;
    curve->diverged = 1;
}

/* One epoch: reshuffle the running order (torch.randperm-style, Fisher-Yates), then one
   Adam step per mini-batch (the last one partial). Sums the weighted loss, the weight and
   the right answers into *lsum, *wsum_e, *ok. */
static mqttids_err train_epoch(nn_fit *f, util_rng *rng, long e, ml_curve *curve, double *lsum,
                               double *wsum_e, size_t *ok, char *errbuf)
{
    size_t n = f->n, B = f->B, P = f->P;
    uint32_t *perm = f->tab.ids; /* the running order, reshuffled every epoch */
    float *grad = f->opt, *m = f->opt + P, *v = f->opt + 2 * P;
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = (size_t)util__rng_below(rng, (uint64_t)i + 1);
        uint32_t tmp = perm[i];
        perm[i] = perm[j];
        perm[j] = tmp;
    }
    *lsum = *wsum_e = 0.0;
    *ok = 0;
    for (size_t s = 0; s < n; s += B) {
        size_t nb = n - s < B ? n - s : B, bp = round_lanes(nb), c;
        double wl, wsum;
        nn__gather(f->tab.xu, f->tab.dp, f->d, perm + s, nb, bp, (uint32_t)f->tab.nu, f->ws);
        if (s + nb < n)
            prefetch_rows(&f->tab, perm + s + nb, n - s - nb < B ? n - s - nb : B);
        for (size_t b = 0; b < nb; b++) {
            f->yb[b] = f->tab.yu[perm[s + b]];
            if (f->wb)
                f->wb[b] = f->tab.wu[perm[s + b]];
        }
        nn__forward(f->net, f->ws, bp);
        nn__loss_grad(f->net, f->ws, nb, bp, f->yb, f->wb, &wl, &wsum, &c);
        if (!isfinite(wl)) {
            curve_diverged(curve, e, wl, f->lr);
            return util__fail(errbuf, MQTTIDS_ERR_DIVERGED,
                              "nn: training diverged in epoch %ld at row %zu of %zu (loss %g) with "
                              "lr=%g; try a smaller lr or scaled features",
                              e + 1, s, n, wl, f->lr);
        }
        *lsum += wl;
        *wsum_e += wsum;
        *ok += c;
        if (wsum == 0.0)
            continue; /* all weights 0: nothing to learn from this batch */
        nn__backward(f->net, f->ws, bp, grad);
        nn__adam(f->net->mem, grad, m, v, P, f->lr, 0.9, 0.999, 1e-8, f->p->wd, ++f->t);
    }
    if (!all_finite(f->net->mem, P)) {
        curve_diverged(curve, e, NAN, f->lr);
        return util__fail(errbuf, MQTTIDS_ERR_DIVERGED,
                          "nn: training diverged in epoch %ld (a weight became NaN/Inf) with lr=%g; "
                          "try a smaller lr", e + 1, f->lr);
    }
    return MQTTIDS_OK;
}

/* Scores epoch e (validation rows when there are, else the training loss), keeps the best
   validation epoch's weights, writes the epoch into curve. Returns whether it improved. */
static int record_epoch(nn_fit *f, const ml_fit_ctx *ctx, size_t nval, long e, double lsum,
                        double wsum_e, size_t ok, ml_curve *curve)
{
    ml_epoch ep;
    ep.train_loss = wsum_e > 0.0 ? lsum / wsum_e : NAN;
    ep.train_acc = (double)ok / (double)f->n;
    ep.val_loss = ep.val_acc = NAN;
    ep.lr = f->lr;
    int improved;
    if (nval) {
        evaluate(f->net, f->wv, ctx->Xval, ctx->yval, nval, 0, &ep.val_loss, &ep.val_acc);
        improved = ep.val_acc > f->best_acc;
        if (improved) {
            f->best_acc = ep.val_acc;
            f->best_epoch = (int)e;
            memcpy(f->opt + 3 * f->P, f->net->mem, f->P * sizeof *f->opt);
        }
    } else {
        improved = ep.train_loss < f->best_train;
        if (improved)
            f->best_train = ep.train_loss;
    }
    if (curve) {
        curve->epochs[e] = ep;
        curve->n = (size_t)e + 1;
    }
    return improved;
}

/* Allocates the network (widths d, p->hidden..., k) and everything the epochs use. */
static mqttids_err fit_alloc(nn_fit *f, int k, int have_w, ml_curve *curve, char *errbuf)
{
    const nn_params *p = f->p;
    size_t dim[NN_MAX_HIDDEN + 2];
    int nl = p->nhidden + 1;
    dim[0] = f->d;
    for (int l = 0; l < p->nhidden; l++)
        dim[l + 1] = p->hidden[l];
    dim[nl] = (size_t)k;
    f->B = (size_t)p->batch < f->n ? (size_t)p->batch : f->n;
    f->net = nn__net_new(dim, nl);
    f->ws = f->net ? nn__work_new(f->net, f->B) : NULL;
    f->wv = f->net ? nn__work_new(f->net, NN_EVAL_CHUNK) : NULL;
    f->P = f->net ? f->net->nparam : 0;
    f->opt = calloc(4 * f->P + 1, sizeof *f->opt); /* grad, m, v, best: same layout as net->mem */
    f->yb = malloc(f->B * sizeof *f->yb);
    f->wb = have_w ? malloc(f->B * sizeof *f->wb) : NULL;
    if (curve)
        curve->epochs = calloc((size_t)p->epochs, sizeof *curve->epochs);
    if (!f->net || !f->ws || !f->wv || !f->opt || !f->yb || (have_w && !f->wb) ||
        (curve && !curve->epochs))
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "nn: out of memory for %zu rows x %zu features",
                          f->n, f->d);
    return MQTTIDS_OK;
}

/* Checks the validation rows are finite float32 and builds the deduplicated training rows. */
static mqttids_err fit_rows(nn_fit *f, const double *X, const int *y, const double *w,
                            const ml_fit_ctx *ctx, size_t nval, char *errbuf)
{
    if (nval) {
        double dummy;
        size_t bad = evaluate(f->net, f->wv, ctx->Xval, ctx->yval, nval, 1, &dummy, &dummy);
        if (bad < nval)
            return util__fail(errbuf, MQTTIDS_ERR_INVALID,
                              "nn: validation row %zu has a feature that is not a finite float32", bad);
    }
    size_t bad = 0;
    mqttids_err err = table_build(X, f->n, f->d, y, w, &f->tab, &bad);
    if (err == MQTTIDS_ERR_INVALID)
        return util__fail(errbuf, err, "nn: row %zu has a feature that is not a finite float32 (NaN, "
                          "Inf or beyond 3.4e38)", bad);
    if (err != MQTTIDS_OK)
        return util__fail(errbuf, err, "nn: out of memory for %zu rows x %zu features", f->n, f->d);
    return MQTTIDS_OK;
}

static mqttids_err fit(const void *pv, const double *X, size_t n, size_t d, const int *y, int k,
                       const double *w, const ml_fit_ctx *ctx, void **state, char *errbuf)
{
    const nn_params *p = pv;
    mqttids_err err = MQTTIDS_OK;
    nn_fit f;
    memset(&f, 0, sizeof f);
    f.p = p;
    f.n = n;
    f.d = d;
    ml_curve *curve = ctx ? ctx->curve : NULL;
    unsigned int csr = 0;
    int csr_set = 0;
    (void)csr;
    (void)csr_set;
    size_t nval = ctx && ctx->Xval && ctx->yval ? ctx->nval : 0;
    *state = NULL;
    if (curve) {
        curve->epochs = NULL;
        curve->n = 0;
        curve->best_epoch = -1;
        curve->diverged = 0;
    }

    err = check_fit_input(n, d, y, k, w, ctx, nval, errbuf);
    if (err != MQTTIDS_OK)
        return err;
    err = fit_alloc(&f, k, w != NULL, curve, errbuf);
    if (err == MQTTIDS_OK)
        err = fit_rows(&f, X, y, w, ctx, nval, errbuf);
    if (err != MQTTIDS_OK)
        goto out;
    util_rng rng;
    util__rng_seed(&rng, ctx ? ctx->seed : 0);
    nn__init(f.net, &rng);

#ifdef NN_X86
    /* Flush-to-zero and denormals-are-zero while training: Adam's moments of weights with
       a zero gradient (dead ReLU units) decay by 0.9 per step into the denormal range
       (< 1.2e-38) within an epoch, and x86 takes ~100 cycles per denormal operation. Such
       values cannot move a float32 weight. The caller's MXCSR is restored on every exit. */
    csr = _mm_getcsr();
    csr_set = 1;
    _mm_setcsr(csr | 0x8040u);
#endif
    f.best_acc = -1.0;
    f.best_train = INFINITY;
    f.best_epoch = -1;
    f.lr = p->lr;
    long since = 0;
    for (long e = 0; e < p->epochs; e++) {
        double lsum, wsum_e;
        size_t ok;
        err = train_epoch(&f, &rng, e, curve, &lsum, &wsum_e, &ok, errbuf);
        if (err != MQTTIDS_OK)
            goto out;
        int improved = record_epoch(&f, ctx, nval, e, lsum, wsum_e, ok, curve);
        f.lr *= p->gamma; /* ExponentialLR.step() once per epoch */
        if (ctx && ctx->progress &&
            ctx->progress("nn epochs", (uint64_t)e + 1, (uint64_t)p->epochs, ctx->progress_user)) {
            err = util__fail(errbuf, MQTTIDS_ERR_INTERRUPTED, "nn: interrupted after epoch %ld", e + 1);
            goto out;
        }
        since = improved ? 0 : since + 1;
        if (p->patience > 0 && since >= p->patience)
            break;
    }
    if (f.best_epoch >= 0)
        memcpy(f.net->mem, f.opt + 3 * f.P, f.P * sizeof *f.opt);
    if (curve)
        curve->best_epoch = f.best_epoch;
    *state = f.net;
    f.net = NULL;
out:
#ifdef NN_X86
    if (csr_set)
        _mm_setcsr(csr);
#endif
    if (err != MQTTIDS_OK && err != MQTTIDS_ERR_DIVERGED && err != MQTTIDS_ERR_INTERRUPTED && curve) {
        free(curve->epochs); /* the curve is kept (caller frees) only to explain a divergence or a stop */
        curve->epochs = NULL;
        curve->n = 0;
    }
    nn__net_free(f.net);
    nn__work_free(f.ws);
    nn__work_free(f.wv);
    free(f.opt);
    table_free(&f.tab);
    free(f.yb);
    free(f.wb);
    return err;
}

/* ---------------------------------------------------------------------------------- */
/* Prediction                                                                          */

#define NN_PRED_STACK 8192 /* floats of activations kept on the stack (32 KiB) */

/* Logits of one row into z (k floats), through the batch kernel (lane 0 of 8), so a row
   gets exactly the logits it got during training. */
static void logits_row(const nn_net *net, const double *x, float *z)
{
    float stackbuf[NN_PRED_STACK] __attribute__((aligned(32)));
    size_t total = 0;
    for (int l = 0; l <= net->nl; l++)
        total += net->dim[l] * NN_LANES;
    float *buf = stackbuf;
    void *heap = NULL;
    if (total > NN_PRED_STACK) {
        if (posix_memalign(&heap, 32, total * sizeof(float)) != 0) {
            for (size_t o = 0; o < net->dim[net->nl]; o++)
                z[o] = NAN;
            return;
        }
        buf = heap;
    }
    nn_work ws;
    memset(&ws, 0, sizeof ws);
    ws.cap = NN_LANES;
    float *q = buf;
    for (int l = 0; l <= net->nl; l++) {
        ws.act[l] = q;
        q += net->dim[l] * NN_LANES;
    }
    memset(buf, 0, net->dim[0] * NN_LANES * sizeof(float));
    for (size_t i = 0; i < net->dim[0]; i++)
        ws.act[0][i * NN_LANES] = (float)x[i];
    nn__forward(net, &ws, NN_LANES);
    for (size_t o = 0; o < net->dim[net->nl]; o++)
        z[o] = ws.act[net->nl][o * NN_LANES];
    free(heap);
}

static void predict_proba(const void *s, const double *x, double *prob)
{
    const nn_net *net = s;
    size_t k = net->dim[net->nl];
    float z[NN_MAX_WIDTH];
    logits_row(net, x, z);
    float m = z[0];
    for (size_t o = 1; o < k; o++)
        if (z[o] > m)
            m = z[o];
    double sum = 0.0;
    for (size_t o = 0; o < k; o++)
        sum += prob[o] = exp((double)(z[o] - m));
    for (size_t o = 0; o < k; o++)
        prob[o] /= sum;
}

static int predict(const void *s, const double *x, double *prob)
{
    const nn_net *net = s;
    size_t k = net->dim[net->nl];
    float z[NN_MAX_WIDTH];
    logits_row(net, x, z);
    /* argmax of the float logits (first maximum), as the training accuracy counts it */
    size_t am = 0;
    for (size_t o = 1; o < k; o++)
        if (z[o] > z[am])
            am = o;
    float m = z[am];
    double sum = 0.0;
    for (size_t o = 0; o < k; o++)
        sum += prob[o] = exp((double)(z[o] - m));
    for (size_t o = 0; o < k; o++)
        prob[o] /= sum;
    return (int)am;
}

/* ---------------------------------------------------------------------------------- */
/* Model-file state (docs/FORMATS.md, "nn state")                                      */

static void save(const void *s, util_buf *b)
{
    const nn_net *net = s;
    util__buf_u32(b, NN_STATE_VERSION);
    util__buf_u32(b, (uint32_t)net->nl);
    for (int l = 0; l <= net->nl; l++)
        util__buf_u32(b, (uint32_t)net->dim[l]);
    util__buf_u64(b, (uint64_t)net->nparam);
    for (size_t j = 0; j < net->nparam; j++) {
        uint32_t bits;
        memcpy(&bits, &net->mem[j], sizeof bits);
        util__buf_u32(b, bits);
    }
}

static mqttids_err load(util_rd *r, size_t d, int k, void **state, char *errbuf)
{
    uint32_t ver, nl, u;
    uint64_t cnt;
    size_t dim[NN_MAX_HIDDEN + 2];
    *state = NULL;
    if (util__rd_u32(r, &ver))
        return util__fail(errbuf, MQTTIDS_MALFORMED_AT(), "nn state: truncated at offset %zu", r->off);
    if (ver != NN_STATE_VERSION)
        return util__fail(errbuf, MQTTIDS_ERR_VERSION, "nn state: version %u, expected %u", ver,
                          NN_STATE_VERSION);
    if (util__rd_u32(r, &nl) || nl < 1 || nl > NN_MAX_HIDDEN + 1)
        return util__fail(errbuf, MQTTIDS_MALFORMED_AT(), "nn state: layer count missing or not in 1..%d",
                          NN_MAX_HIDDEN + 1);
    for (uint32_t l = 0; l <= nl; l++) {
        if (util__rd_u32(r, &u) || u < 1 || u > NN_MAX_WIDTH)
            return util__fail(errbuf, MQTTIDS_MALFORMED_AT(), "nn state: layer width %u missing or not in 1..%d",
                              l, NN_MAX_WIDTH);
        dim[l] = u;
    }
    if (dim[0] != d || dim[nl] != (size_t)k)
        return util__fail(errbuf, MQTTIDS_MALFORMED_AT(),
                          "nn state: network is %zu -> %zu, the model has %zu features and %d classes",
                          dim[0], dim[nl], d, k);
    if (util__rd_count(r, &cnt, 4) || cnt != nn__nparam(dim, (int)nl))
        return util__fail(errbuf, MQTTIDS_MALFORMED_AT(),
                          "nn state: parameter count missing, too large for the file or not %zu",
                          nn__nparam(dim, (int)nl));
    nn_net *net = nn__net_new(dim, (int)nl);
    if (!net)
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "nn state: out of memory");
    for (size_t j = 0; j < net->nparam; j++) {
        if (util__rd_u32(r, &u)) {
            nn__net_free(net);
            return util__fail(errbuf, MQTTIDS_MALFORMED_AT(), "nn state: truncated weights");
        }
        memcpy(&net->mem[j], &u, sizeof u);
        if (!isfinite(net->mem[j])) {
            nn__net_free(net);
            return util__fail(errbuf, MQTTIDS_MALFORMED_AT(), "nn state: weight %zu is not finite", j);
        }
    }
    *state = net;
    return MQTTIDS_OK;
}

static void state_free(void *s) { nn__net_free(s); }

static void describe_state(const void *s, char *buf, size_t size)
{
    const nn_net *net = s;
    size_t off = (size_t)snprintf(buf, size, "network=");
    for (int l = 0; l <= net->nl && off < size; l++)
        off += (size_t)snprintf(buf + off, size - off, "%s%zu", l ? "-" : "", net->dim[l]);
    if (off < size)
        snprintf(buf + off, size - off, " parameters=%zu dtype=float32", net->nparam);
}

const ml_learner ml__nn = {
    "nn",
    "feed-forward network (ReLU, softmax cross-entropy, Adam, ExponentialLR), as PyTorch",
    ML_LEARNER_FUNCTIONS(NULL),
};
