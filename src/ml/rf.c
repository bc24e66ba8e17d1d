/*
 * rf.c: the random-forest learner (kind "rf"), Spark's RandomForestClassifier in C.
 *
 * Parameters and their meaning are Spark's (numTrees 20, maxDepth 5, maxBins 32,
 * minInstancesPerNode 1, minInfoGain 0, featureSubsetStrategy auto, subsamplingRate 1,
 * bootstrap true, impurity gini). How it works (docs/internals/rf.md has the details):
 *  - Split candidates are computed once per feature from the training rows (rf_bins.c):
 *    midpoints between distinct values when a feature has <= maxBins of them, else
 *    Spark's findSplits quantile walk over a sample. Every value is then binned once into
 *    uint8 codes, and identical (codes, class, weight) rows are merged into weighted groups.
 *  - Each tree is grown depth-first on its own bootstrap (Poisson(subsamplingRate) counts
 *    per row, Spark's BaggedPoint, drawn per group as Poisson(m * rate)), with a per-node
 *    feature subset, by building one class histogram per candidate feature and scanning
 *    the bins for the best Gini (or entropy) gain, like Spark's binsToBestSplit.
 *  - Trees are independent: tree t uses its own util_rng seeded from (seed, t), so the
 *    forest is identical for any number of threads.
 *
 * Not here: the feature pipeline, cross-validation, the model file around this state.
 * Invariants of a fitted state: node i's children are child and child+1, both > i (so
 * prediction always terminates); a leaf's child indexes its k class probabilities.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "ml/rf_int.h"

/* ---------------------------------------------------------------------------------- */
/* Parameters                                                                         */

/* The defaults (every field not named is 0). */
static const rf_params rf_defaults = {.num_trees = 20, .max_depth = 5, .max_bins = 32, .min_instances = 1,
                                      .min_info_gain = 0.0, .fss = RF_FSS_AUTO, .fss_value = 0.0,
                                      .subsampling_rate = 1.0, .bootstrap = 1, .impurity = RF_GINI,
                                      .splits = RF_SPLITS_EXACT, .prune = 1};

static void *params_new(void) { return ml__params_dup(NULL, &rf_defaults, sizeof rf_defaults); }

static void *params_copy(const void *p) { return ml__params_dup(p, &rf_defaults, sizeof rf_defaults); }

/* Spark's featureSubsetStrategy: a name, an integer count >= 1, or a fraction in (0, 1]. */
static int parse_fss(const char *v, rf_params *p)
{
    static const struct {
        const char *name;
        int kind;
    } names[] = {{"auto", RF_FSS_AUTO}, {"all", RF_FSS_ALL}, {"onethird", RF_FSS_ONETHIRD},
                 {"sqrt", RF_FSS_SQRT}, {"log2", RF_FSS_LOG2}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (ml__key_eq(v, names[i].name)) {
            p->fss = names[i].kind;
            p->fss_value = 0.0;
            return 0;
        }
    size_t len = strlen(v);
    if (!len)
        return -1;
    if (!strchr(v, '.') && !strchr(v, 'e') && !strchr(v, 'E')) {
        int64_t c;
        if (util__parse_int(v, len, &c) || c < 1 || c > 1000000)
            return -1;
        p->fss = RF_FSS_COUNT;
        p->fss_value = (double)c;
        return 0;
    }
    double f;
    if (util__parse_double(v, len, &f) || !(f > 0.0 && f <= 1.0))
        return -1;
    p->fss = RF_FSS_FRACTION;
    p->fss_value = f;
    return 0;
}

/* value is name a (*out = va) or name b (*out = vb); -1 when neither. */
static int parse_pair(const char *value, const char *a, int va, const char *b, int vb, int *out)
{
    if (ml__key_eq(value, a))
        *out = va;
    else if (ml__key_eq(value, b))
        *out = vb;
    else
        return -1;
    return 0;
}

static mqttids_err params_set(void *pv, const char *key, const char *value, char *errbuf)
{
    rf_params *p = pv;
    double d;
    if (!p || !key || !value)
        return util__fail(errbuf, MQTTIDS_ERR_INVALID, "rf: missing parameter or value");
    if (ml__key_eq(key, "numTrees")) {
        if (ml__parse_int_in(value, 1, RF_MAX_TREES, &p->num_trees))
            return util__fail(errbuf, MQTTIDS_ERR_INVALID,
                              "rf: numTrees=%s: expected an integer in [1, %d]", value, RF_MAX_TREES);
    } else if (ml__key_eq(key, "maxDepth")) {
        if (ml__parse_int_in(value, 0, RF_MAX_DEPTH, &p->max_depth))
            return util__fail(errbuf, MQTTIDS_ERR_INVALID,
                              "rf: maxDepth=%s: expected an integer in [0, %d]", value, RF_MAX_DEPTH);
    } else if (ml__key_eq(key, "maxBins")) {
        if (ml__parse_int_in(value, 2, RF_MAX_BINS, &p->max_bins))
            return util__fail(errbuf, MQTTIDS_ERR_INVALID,
                              "rf: maxBins=%s: expected an integer in [2, %d]", value, RF_MAX_BINS);
    } else if (ml__key_eq(key, "minInstancesPerNode")) {
        if (ml__parse_int_in(value, 1, 1000000000, &p->min_instances))
            return util__fail(errbuf, MQTTIDS_ERR_INVALID,
                              "rf: minInstancesPerNode=%s: expected an integer >= 1", value);
    } else if (ml__key_eq(key, "minInfoGain")) {
        if (util__parse_double(value, strlen(value), &d) || !(d >= 0.0) || !isfinite(d))
            return util__fail(errbuf, MQTTIDS_ERR_INVALID,
                              "rf: minInfoGain=%s: expected a number >= 0", value);
        p->min_info_gain = d;
    } else if (ml__key_eq(key, "subsamplingRate")) {
        if (util__parse_double(value, strlen(value), &d) || !(d > 0.0 && d <= 1.0))
            return util__fail(errbuf, MQTTIDS_ERR_INVALID,
                              "rf: subsamplingRate=%s: expected a number in (0, 1]", value);
        p->subsampling_rate = d;
    } else if (ml__key_eq(key, "featureSubsetStrategy")) {
        if (parse_fss(value, p))
            return util__fail(errbuf, MQTTIDS_ERR_INVALID,
                              "rf: featureSubsetStrategy=%s: expected auto, all, onethird, sqrt, "
                              "log2, a fraction in (0, 1] such as 0.5, or a count >= 1 such as 3",
                              value);
    } else if (ml__key_eq(key, "bootstrap")) {
        if (ml__parse_bool(value, &p->bootstrap))
            return util__fail(errbuf, MQTTIDS_ERR_INVALID,
                              "rf: bootstrap=%s: expected true or false", value);
    } else if (ml__key_eq(key, "impurity")) {
        if (parse_pair(value, "gini", RF_GINI, "entropy", RF_ENTROPY, &p->impurity))
            return util__fail(errbuf, MQTTIDS_ERR_INVALID,
                              "rf: impurity=%s: expected gini or entropy", value);
    } else if (ml__key_eq(key, "splits")) {
        if (parse_pair(value, "exact", RF_SPLITS_EXACT, "spark", RF_SPLITS_SPARK, &p->splits))
            return util__fail(errbuf, MQTTIDS_ERR_INVALID,
                              "rf: splits=%s: expected exact (every distinct value, as sklearn) or "
                              "spark (maxBins quantile bins, Spark's rules)", value);
    } else {
        return util__fail(errbuf, MQTTIDS_ERR_INVALID,
                          "rf: unknown parameter '%s' (known: numTrees, maxDepth, maxBins, "
                          "minInstancesPerNode, minInfoGain, featureSubsetStrategy, "
                          "subsamplingRate, bootstrap, impurity, splits)", key);
    }
    return MQTTIDS_OK;
}

static void params_describe(const void *pv, char *buf, size_t size)
{
    const rf_params *p = pv;
    char fss[32];
    if (!size)
        return;
    if (!p) {
        buf[0] = '\0';
        return;
    }
    switch (p->fss) {
    case RF_FSS_ALL: snprintf(fss, sizeof fss, "all"); break;
    case RF_FSS_ONETHIRD: snprintf(fss, sizeof fss, "onethird"); break;
    case RF_FSS_SQRT: snprintf(fss, sizeof fss, "sqrt"); break;
    case RF_FSS_LOG2: snprintf(fss, sizeof fss, "log2"); break;
    case RF_FSS_FRACTION: snprintf(fss, sizeof fss, "%.17g", p->fss_value); break;
    case RF_FSS_COUNT: snprintf(fss, sizeof fss, "%d", (int)p->fss_value); break;
    default: snprintf(fss, sizeof fss, "auto"); break;
    }
    if (p->fss == RF_FSS_FRACTION && !strchr(fss, '.') && !strchr(fss, 'e'))
        snprintf(fss, sizeof fss, "%.1f", p->fss_value); /* "1" would read back as a count */
    snprintf(buf, size,
             "numTrees=%d maxDepth=%d maxBins=%d minInstancesPerNode=%d minInfoGain=%.17g "
             "featureSubsetStrategy=%s subsamplingRate=%.17g bootstrap=%s impurity=%s splits=%s",
             p->num_trees, p->max_depth, p->max_bins, p->min_instances, p->min_info_gain, fss,
             p->subsampling_rate, p->bootstrap ? "true" : "false",
             p->impurity == RF_ENTROPY ? "entropy" : "gini",
             p->splits == RF_SPLITS_SPARK ? "spark" : "exact");
}

/*
 * Features tried per node: Spark's RandomForest.numFeaturesPerNode (rounded up) with
 * splits=spark, sklearn's max_features (rounded down) with splits=exact.
 */
size_t rf__mtry(const rf_params *p, size_t d)
{
    double m, (*round_)(double) = p->splits == RF_SPLITS_EXACT ? floor : ceil;
    switch (p->fss) {
    case RF_FSS_ALL: m = (double)d; break;
    case RF_FSS_ONETHIRD: m = round_((double)d / 3.0); break;
    case RF_FSS_SQRT: m = round_(sqrt((double)d)); break;
    case RF_FSS_LOG2: m = fmax(1.0, round_(log2((double)d))); break;
    case RF_FSS_FRACTION: m = round_(p->fss_value * (double)d); break;
    case RF_FSS_COUNT: m = p->fss_value; break;
    default: m = p->num_trees == 1 ? (double)d : round_(sqrt((double)d)); break;
    }
    if (m < 1.0)
        m = 1.0;
    if (m > (double)d)
        m = (double)d;
    return (size_t)m;
}

/* ---------------------------------------------------------------------------------- */
/* Fitted state                                                                       */

void rf__state_free(rf_state *s)
{
    if (!s)
        return;
    if (s->trees)
        for (uint32_t t = 0; t < s->n_trees; t++) {
            free(s->trees[t].nodes);
            free(s->trees[t].leaf);
        }
    free(s->trees);
    free(s->imp);
    free(s);
}

static void state_free(void *s)
{
    rf__state_free(s);
}

/* Adds tree t's normalized leaf distribution for x into acc (k values). */
static void tree_accumulate(const rf_tree *t, int k, const double *x, double *acc)
{
    const rf_node *nodes = t->nodes;
    uint32_t i = 0;
    while (nodes[i].feat >= 0)
        i = nodes[i].child + (x[nodes[i].feat] > nodes[i].thr);
    const double *leaf = t->leaf + (size_t)nodes[i].child * (size_t)k;
    for (int c = 0; c < k; c++)
        acc[c] += leaf[c];
}

static void predict_proba(const void *sv, const double *x, double *prob)
{
    const rf_state *s = sv;
    int k = s->k;
    for (int c = 0; c < k; c++)
        prob[c] = 0.0;
    for (uint32_t t = 0; t < s->n_trees; t++)
        tree_accumulate(&s->trees[t], k, x, prob);
    double sum = 0.0;
    for (int c = 0; c < k; c++)
        sum += prob[c];
    for (int c = 0; c < k; c++)
        prob[c] = sum > 0.0 ? prob[c] / sum : 1.0 / (double)k;
}

static int predict(const void *sv, const double *x, double *prob)
{
    const rf_state *s = sv;
    predict_proba(sv, x, prob);
    int best = 0;
    for (int c = 1; c < s->k; c++)
        if (prob[c] > prob[best])
            best = c;
    return best;
}

static void importances(const void *sv, double *imp)
{
    const rf_state *s = sv;
    memcpy(imp, s->imp, s->d * sizeof *imp);
}

static int tree_depth(const rf_tree *t, uint32_t i, int depth)
{
    if (t->nodes[i].feat < 0)
        return depth;
    int a = tree_depth(t, t->nodes[i].child, depth + 1);
    int b = tree_depth(t, t->nodes[i].child + 1, depth + 1);
    return a > b ? a : b;
}

static void describe_state(const void *sv, char *buf, size_t size)
{
    const rf_state *s = sv;
    uint64_t nodes = 0, leaves = 0;
    int depth = 0;
    for (uint32_t t = 0; t < s->n_trees; t++) {
        int dt = tree_depth(&s->trees[t], 0, 0);
        nodes += s->trees[t].n_nodes;
        leaves += s->trees[t].n_leaves;
        if (dt > depth)
            depth = dt;
    }
    snprintf(buf, size, "trees=%u nodes=%llu leaves=%llu max_tree_depth=%d", s->n_trees,
             (unsigned long long)nodes, (unsigned long long)leaves, depth);
}

/* ---------------------------------------------------------------------------------- */
/* Serialisation (layout in docs/FORMATS.md, section "Random forest state")           */

#define RF_STATE_VERSION 1u
#define RF_LEAF_MARK 0xFFFFFFFFu

static void save(const void *sv, util_buf *b)
{
    const rf_state *s = sv;
    util__buf_u32(b, RF_STATE_VERSION);
    util__buf_u32(b, (uint32_t)s->d);
    util__buf_u32(b, (uint32_t)s->k);
    util__buf_u64(b, s->n_trees);
    for (size_t j = 0; j < s->d; j++)
        util__buf_f64(b, s->imp[j]);
    for (uint32_t t = 0; t < s->n_trees; t++) {
        const rf_tree *tr = &s->trees[t];
        util__buf_u64(b, tr->n_nodes);
        util__buf_u64(b, tr->n_leaves);
        for (uint32_t i = 0; i < tr->n_nodes; i++) {
            const rf_node *nd = &tr->nodes[i];
            util__buf_u32(b, nd->feat < 0 ? RF_LEAF_MARK : (uint32_t)nd->feat);
            util__buf_u32(b, nd->child);
            util__buf_f64(b, nd->thr);
        }
        size_t nl = (size_t)tr->n_leaves * (size_t)s->k;
        for (size_t i = 0; i < nl; i++)
            util__buf_f64(b, tr->leaf[i]);
    }
}

static mqttids_err malformed(char *errbuf, const char *what)
{
    mqttids_err e = MQTTIDS_MALFORMED_AT();
    return util__fail(errbuf, e, "rf state: %s", what);
}

static mqttids_err load(util_rd *r, size_t d, int k, void **out, char *errbuf)
{
    uint32_t ver, sd, sk;
    uint64_t cnt;
    rf_state *s = NULL;
    mqttids_err err = MQTTIDS_OK;
    *out = NULL;
    if (util__rd_u32(r, &ver) || util__rd_u32(r, &sd) || util__rd_u32(r, &sk))
        return malformed(errbuf, "truncated header");
    if (ver != RF_STATE_VERSION)
        return util__fail(errbuf, MQTTIDS_ERR_VERSION, "rf state: version %u, expected %u", ver,
                          RF_STATE_VERSION);
    if (sd != d || (int)sk != k || k < 1 || d < 1)
        return malformed(errbuf, "feature or class count differs from the model's");
    /* Smallest tree on disk: node count, one leaf node, leaf count, one leaf of k values. */
    size_t min_tree = 8 + 16 + 8 + 8 * (size_t)k;
    if (util__rd_count(r, &cnt, 1) || cnt < 1 || cnt > RF_MAX_TREES)
        return malformed(errbuf, "bad tree count");
    if (cnt > (r->len - r->off) / min_tree)
        return malformed(errbuf, "tree count larger than the data left");
    s = calloc(1, sizeof *s);
    if (!s)
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "rf state: out of memory");
    s->d = d;
    s->k = k;
    if (d > (r->len - r->off) / 8) {
        err = malformed(errbuf, "truncated importances");
        goto out_free;
    }
    s->imp = malloc(d * sizeof *s->imp);
    s->trees = calloc((size_t)cnt, sizeof *s->trees);
    if (!s->imp || !s->trees) {
        err = util__fail(errbuf, MQTTIDS_ERR_NOMEM, "rf state: out of memory");
        goto out_free;
    }
    s->n_trees = (uint32_t)cnt;
    for (size_t j = 0; j < d; j++)
        if (util__rd_f64(r, &s->imp[j]) || !(s->imp[j] >= 0.0 && s->imp[j] <= 1.0)) {
            err = malformed(errbuf, "bad feature importance");
            goto out_free;
        }
    for (uint32_t t = 0; t < s->n_trees; t++) {
        rf_tree *tr = &s->trees[t];
        uint64_t nn, nl;
        if (util__rd_count(r, &nn, 16) || nn < 1 || nn > UINT32_MAX - 1 ||
            util__rd_u64(r, &nl) || nl < 1 || nn != 2 * nl - 1 ||
            nl > (r->len - r->off) / (8 * (size_t)k)) {
            err = malformed(errbuf, "bad node or leaf count");
            goto out_free;
        }
        tr->nodes = malloc((size_t)nn * sizeof *tr->nodes);
        if (!tr->nodes) {
            err = util__fail(errbuf, MQTTIDS_ERR_NOMEM, "rf state: out of memory");
            goto out_free;
        }
        tr->n_nodes = (uint32_t)nn;
        for (uint32_t i = 0; i < tr->n_nodes; i++) {
            uint32_t f, c;
            double thr;
            if (util__rd_u32(r, &f) || util__rd_u32(r, &c) || util__rd_f64(r, &thr)) {
                err = malformed(errbuf, "truncated node");
                goto out_free;
            }
            if (f == RF_LEAF_MARK) {
                if (c >= nl) {
                    err = malformed(errbuf, "bad leaf index");
                    goto out_free;
                }
                tr->nodes[i].feat = -1;
            } else {
                /* Children after their parent: prediction always terminates. */
                if (f >= d || c <= i || c >= tr->n_nodes - 1 || !isfinite(thr)) {
                    err = malformed(errbuf, "bad split node");
                    goto out_free;
                }
                tr->nodes[i].feat = (int32_t)f;
            }
            tr->nodes[i].child = c;
            tr->nodes[i].thr = thr;
        }
        /* Depth bound (parents precede children, so one forward pass gives every depth). */
        uint8_t *dep = calloc((size_t)nn, 1);
        if (!dep) {
            err = util__fail(errbuf, MQTTIDS_ERR_NOMEM, "rf state: out of memory");
            goto out_free;
        }
        int deep = 0;
        for (uint32_t i = 0; i < tr->n_nodes && !deep; i++)
            if (tr->nodes[i].feat >= 0) {
                if (dep[i] >= RF_MAX_DEPTH)
                    deep = 1;
                dep[tr->nodes[i].child] = dep[tr->nodes[i].child + 1] = (uint8_t)(dep[i] + 1);
            }
        free(dep);
        if (deep) {
            err = malformed(errbuf, "tree deeper than maxDepth allows");
            goto out_free;
        }
        tr->n_leaves = (uint32_t)nl;
        size_t nv = (size_t)nl * (size_t)k;
        tr->leaf = malloc(nv * sizeof *tr->leaf);
        if (!tr->leaf) {
            err = util__fail(errbuf, MQTTIDS_ERR_NOMEM, "rf state: out of memory");
            goto out_free;
        }
        for (size_t i = 0; i < nv; i++)
            if (util__rd_f64(r, &tr->leaf[i]) || !(tr->leaf[i] >= 0.0 && tr->leaf[i] <= 1.0)) {
                err = malformed(errbuf, "bad leaf probability");
                goto out_free;
            }
    }
    *out = s;
    return MQTTIDS_OK;
out_free:
    rf__state_free(s);
    return err;
}

/* ---------------------------------------------------------------------------------- */
/* Fit: validation, binning, trees in parallel                                        */

typedef struct rf_job {
    const rf_params *p;
    const rf_data *data;
    uint64_t seed;
    rf_state *s;
    size_t mtry;
    double *tree_imp;           /* (n_trees, d): per-tree importances, normalized later */
    pthread_mutex_t mu;
    uint32_t next, done;
    int failed;                 /* 1: NOMEM, 2: interrupted */
    mqttids_progress_fn progress;
    void *progress_user;
} rf_job;

static void *worker(void *arg)
{
    rf_job *job = arg;
    rf_builder *bd = rf__builder_new(job->data, job->p, job->mtry);
    for (;;) {
        pthread_mutex_lock(&job->mu);
        uint32_t t = job->next;
        int stop = job->failed || t >= job->s->n_trees || !bd;
        if (!bd && !job->failed)
            job->failed = 1;
        if (!stop)
            job->next++;
        pthread_mutex_unlock(&job->mu);
        if (stop)
            break;
        uint64_t tseed = job->seed ^ (0x9E3779B97F4A7C15ull * ((uint64_t)t + 1));
        int rc = rf__build_tree(bd, tseed, &job->s->trees[t], job->tree_imp + (size_t)t * job->data->d);
        pthread_mutex_lock(&job->mu);
        if (rc)
            job->failed = 1;
        else {
            job->done++;
            if (job->progress && !job->failed &&
                job->progress("rf trees", job->done, job->s->n_trees, job->progress_user))
                job->failed = 2;
        }
        pthread_mutex_unlock(&job->mu);
    }
    rf__builder_free(bd);
    return NULL;
}

static mqttids_err fit(const void *pv, const double *X, size_t n, size_t d, const int *y, int k,
                       const double *w, const ml_fit_ctx *ctx, void **out, char *errbuf)
{
    const rf_params *p = pv;
    rf_data data;
    rf_state *s = NULL;
    rf_job job;
    pthread_t *threads = NULL;
    int nthreads = ctx && ctx->nthreads > 1 ? ctx->nthreads : 1;
    mqttids_err err = MQTTIDS_OK;

    *out = NULL;
    memset(&data, 0, sizeof data);
    memset(&job, 0, sizeof job);
    if (!p)
        p = &rf_defaults;
    if (n < 1 || d < 1 || k < 1 || k > RF_MAX_CLASSES || n > UINT32_MAX)
        return util__fail(errbuf, MQTTIDS_ERR_INVALID,
                          "rf: need 1..2^32-1 rows, >= 1 feature and 1..%d classes (got n=%zu d=%zu k=%d)",
                          RF_MAX_CLASSES, n, d, k);
    err = ml__check_fit_rows("rf", y, n, k, w, NULL, 0, errbuf);
    if (err)
        return err;
    err = rf__bin(&data, X, n, d, y, k, w, p->splits, p->max_bins, ctx ? ctx->seed : 0, errbuf);
    if (err)
        goto out_free;

    s = calloc(1, sizeof *s);
    if (!s)
        goto out_nomem;
    s->d = d;
    s->k = k;
    s->n_trees = (uint32_t)p->num_trees;
    s->trees = calloc(s->n_trees, sizeof *s->trees);
    s->imp = calloc(d, sizeof *s->imp);
    job.tree_imp = calloc((size_t)s->n_trees * d, sizeof *job.tree_imp);
    if (!s->trees || !s->imp || !job.tree_imp)
        goto out_nomem;
    job.p = p;
    job.data = &data;
    job.seed = ctx ? ctx->seed : 0;
    job.s = s;
    job.mtry = rf__mtry(p, d);
    job.progress = ctx ? ctx->progress : NULL;
    job.progress_user = ctx ? ctx->progress_user : NULL;
    if (nthreads > p->num_trees)
        nthreads = p->num_trees;
    pthread_mutex_init(&job.mu, NULL);
    threads = calloc((size_t)nthreads, sizeof *threads);
    int started = 0;
    if (threads)
        for (int i = 1; i < nthreads; i++) {
            if (pthread_create(&threads[i], NULL, worker, &job))
                break;
            started++;
        }
    worker(&job);
    for (int i = 1; i <= started; i++)
        pthread_join(threads[i], NULL);
    pthread_mutex_destroy(&job.mu);
    free(threads);
    if (job.failed == 2) {
        err = util__fail(errbuf, MQTTIDS_ERR_INTERRUPTED, "rf: interrupted");
        goto out_free;
    }
    if (job.failed)
        goto out_nomem;
    /* Spark's featureImportances: per tree normalized, summed, normalized again. */
    for (uint32_t t = 0; t < s->n_trees; t++) {
        const double *ti = job.tree_imp + (size_t)t * d;
        double sum = 0.0;
        for (size_t j = 0; j < d; j++)
            sum += ti[j];
        if (sum > 0.0)
            for (size_t j = 0; j < d; j++)
                s->imp[j] += ti[j] / sum;
    }
    double tot = 0.0;
    for (size_t j = 0; j < d; j++)
        tot += s->imp[j];
    for (size_t j = 0; j < d; j++)
        s->imp[j] = tot > 0.0 ? s->imp[j] / tot : 0.0;
    free(job.tree_imp);
    rf__data_free(&data);
    *out = s;
    return MQTTIDS_OK;

out_nomem:
    err = util__fail(errbuf, MQTTIDS_ERR_NOMEM, "rf: out of memory");
out_free:
    free(job.tree_imp);
    rf__data_free(&data);
    rf__state_free(s);
    return err;
}

const ml_learner ml__rf = {
    "rf",
    "random forest (Spark RandomForestClassifier: histogram splits on quantile bins, bagging)",
    ML_LEARNER_FUNCTIONS(importances),
};
