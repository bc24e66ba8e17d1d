/*
 * mqttids/ml.h: training models, cross-validation with grid search, and evaluation
 * metrics. A trained model is an mqttids_model (mqttids/model.h): the fitted feature
 * pipeline (mqttids/features.h) + a learner ("lr", "rf", "nn") + class names + metadata.
 *
 * Learner parameters are "key=value" strings with Spark's names and defaults
 * (regParam, elasticNetParam, maxIter, tol, thresholds, numTrees, maxDepth, maxBins, ...);
 * keys match ignoring case and '_'.
 *
 * Results print as aligned text to a caller's FILE or as JSON text (docs/FORMATS.md): the
 * last section. Not here: applying a model (model.h).
 */
#ifndef MQTTIDS_ML_H
#define MQTTIDS_ML_H

#include <stdio.h>
#include "mqttids/features.h"
#include "mqttids/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One epoch of a network's training (see mqttids_train_opts.curve). */
typedef struct mqttids_epoch {
    double train_loss, train_acc;   /* mean over the epoch's mini-batches (before each update) */
    double val_loss, val_acc;       /* on the validation rows after the epoch; NaN without */
    double lr;                      /* learning rate of the epoch (ExponentialLR) */
} mqttids_epoch;

/* Per-epoch training curve. Caller frees epochs with free(). */
typedef struct mqttids_curve {
    mqttids_epoch *epochs;          /* owned by the caller once filled */
    size_t n;                       /* epochs run */
    int best_epoch;                 /* 0-based epoch kept (best validation accuracy), -1: last */
    int diverged;                   /* training stopped on a NaN/Inf loss */
} mqttids_curve;

/* Training options. */
typedef struct mqttids_train_opts {
    const char *kind;                /* "lr", "rf" or "nn" (default "lr") */
    const char *const *params;       /* borrowed: nparams "key=value" strings */
    size_t nparams;
    mqttids_pipeline_opts pipeline;  /* feature pipeline (default: the study's) */
    int balanced;                    /* class weights n / (k * n_c) (default 0: all 1; 2: their square root) */
    uint64_t seed;                   /* every random choice derives from it (default 42) */
    int nthreads;                    /* threads (default 2) */
    mqttids_progress_fn progress;    /* may be NULL */
    void *progress_user;
    const char *data_desc;           /* borrowed: recorded as the model's training data */
    /* Optional: validation rows of the same dataset, scored after every epoch (the
       epoch with the best accuracy on them is kept, as the study's checkpoint), and the
       per-epoch curve, filled also when training diverges (caller frees curve->epochs). */
    const size_t *val_rows;          /* borrowed; NULL: no validation set */
    size_t n_val;
    mqttids_curve *curve;            /* OUT, may be NULL */
} mqttids_train_opts;

/* Fills o with defaults. */
void mqttids_train_opts_init(mqttids_train_opts *o);

/*
 * Applies the training recipe name to o: its learner (kind), class weights and pipeline
 * columns (thresholds off), and gives its learner parameters in *params (static,
 * NULL-terminated "key=value"; a caller's own parameters go after them and win).
 * "detector": the recommended detector, the columns and forest that held best between
 * networks (docs/internals/detect.md; needs the ctx.* columns).
 * Returns: MQTTIDS_OK on success, else MQTTIDS_ERR_NOT_FOUND (no such recipe).
 */
mqttids_err mqttids_train_recipe(const char *name, mqttids_train_opts *o, const char *const **params /* OUT */);

/* Checks kind and params without training (unknown key, bad value): MQTTIDS_ERR_INVALID.
   Returns: MQTTIDS_OK on success, else MQTTIDS_ERR_INVALID, MQTTIDS_ERR_NOMEM (mqttids/common.h). */
mqttids_err mqttids_train_check(const mqttids_train_opts *o, char errbuf[MQTTIDS_ERRBUF_SIZE]);

/* Describes every parameter of a learner kind with its default ("regParam=0 maxIter=100 ...").
   Returns: MQTTIDS_OK on success, else MQTTIDS_ERR_NOMEM, MQTTIDS_ERR_NOT_FOUND
   (mqttids/common.h). */
mqttids_err mqttids_learner_defaults(const char *kind, char *buf, size_t size);
/* One-line description of a learner kind; NULL when unknown. */
const char *mqttids_learner_description(const char *kind);

/*
 * Fits the pipeline and the learner on rows rows[0..n) of ds (all rows when rows is
 * NULL); rows must be labeled. Caller frees *out with mqttids_model_free.
 * Errors: MQTTIDS_ERR_INVALID (bad parameter, unlabeled row, one class only),
 * MQTTIDS_ERR_UNSUPPORTED (learner not built), MQTTIDS_ERR_DIVERGED, MQTTIDS_ERR_NOMEM.
 * Also returns MQTTIDS_ERR_NOT_FOUND (mqttids/common.h).
 */
mqttids_err mqttids_model_train(const mqttids_dataset *ds, const size_t *rows, size_t n,
                                const mqttids_train_opts *o, mqttids_model **out /* OUT */,
                                char errbuf[MQTTIDS_ERRBUF_SIZE]);

/* The model's fitted pipeline (borrowed, valid while m lives). */
const mqttids_pipeline *mqttids_model_pipeline(const mqttids_model *m);
/* Every learner parameter, "key=value ..." (borrowed). */
const char *mqttids_model_params(const mqttids_model *m);
/* Summary of the fitted state ("iterations=37 objective=0.43"), or "" (borrowed). */
const char *mqttids_model_state_summary(const mqttids_model *m);
/*
 * Training metadata, as key/value strings: "data", "date" (UTC ISO 8601), "rows",
 * "seed", "balanced", "seconds", "version". Returns the count; mqttids_model_meta gives
 * the i-th pair (borrowed) or NULLs when out of range.
 */
size_t mqttids_model_n_meta(const mqttids_model *m);
void mqttids_model_meta(const mqttids_model *m, size_t i, const char **key, const char **value);
/* Feature importances (nfeatures values summing to 1): MQTTIDS_ERR_UNSUPPORTED if none.
   Returns: MQTTIDS_OK on success, else MQTTIDS_ERR_UNSUPPORTED (mqttids/common.h). */
mqttids_err mqttids_model_importances(const mqttids_model *m, double *imp /* OUT, nfeatures */);

/* ---------------------------------------------------------------------------------- */
/* Metrics                                                                            */

typedef enum mqttids_metric {
    MQTTIDS_METRIC_ACCURACY = 0, /* the study's metric */
    MQTTIDS_METRIC_MACRO_F1 = 1,
} mqttids_metric;

/*
 * Classification metrics over MQTTIDS_NCLASS classes. Precision of a class never
 * predicted and recall of a class absent from truth are 0 (sklearn's zero_division=0).
 * Macro F1 averages the classes present in truth or predictions (sklearn's labels);
 * weighted F1 weights by support.
 */
typedef struct mqttids_metrics {
    int k;                                         /* classes (MQTTIDS_NCLASS) */
    size_t n;                                      /* rows scored */
    size_t confusion[MQTTIDS_NCLASS][MQTTIDS_NCLASS]; /* [true][predicted] */
    size_t support[MQTTIDS_NCLASS];                /* rows per true class */
    size_t predicted[MQTTIDS_NCLASS];              /* rows per predicted class */
    double precision[MQTTIDS_NCLASS], recall[MQTTIDS_NCLASS], f1[MQTTIDS_NCLASS];
    double accuracy, macro_f1, weighted_f1;
} mqttids_metrics;

/* Computes metrics of predictions pred against truth (n each; labels outside [0, k) skipped). */
void mqttids_metrics_compute(const int *truth, const int *pred, size_t n, mqttids_metrics *m /* OUT */);
/* The named metric's value from m. */
double mqttids_metrics_get(const mqttids_metrics *m, mqttids_metric which);

/*
 * Predicts rows rows[0..n) of ds (all when NULL) and scores them against their labels
 * (unlabeled rows are skipped). *unseen (may be NULL) receives the count of nominal
 * values the pipeline never saw in train.
 * Returns: MQTTIDS_OK on success, else MQTTIDS_ERR_NOMEM, MQTTIDS_ERR_NOT_FOUND
 * (mqttids/common.h).
 */
mqttids_err mqttids_model_evaluate(const mqttids_model *m, const mqttids_dataset *ds,
                                   const size_t *rows, size_t n, int nthreads,
                                   mqttids_metrics *out /* OUT */, size_t *unseen /* OUT, may be NULL */,
                                   char errbuf[MQTTIDS_ERRBUF_SIZE]);

/* ---------------------------------------------------------------------------------- */
/* Evaluation by packet, connection and host (groups.c; docs/internals/ml.md)          */

/* What a row, a TCP connection or a client host is scored as. */
typedef enum mqttids_level {
    MQTTIDS_LEVEL_PACKET = 0,     /* each row */
    MQTTIDS_LEVEL_CONNECTION = 1, /* rows of one id.stream of one input file */
    MQTTIDS_LEVEL_HOST = 2,       /* rows of one id.client of one input file */
    MQTTIDS_NLEVEL,
} mqttids_level;

/* Name of a level ("packet", "connection", "host"), NULL out of range. Static. */
const char *mqttids_level_name(int level);

/* Group index of a row that belongs to no group (no identity). */
#define MQTTIDS_GROUP_NONE SIZE_MAX

/*
 * Groups rows by (part, key): rows with equal part and equal key get the same group index,
 * 0, 1, ... in order of first appearance. part (may be NULL: all 0) tells inputs apart (ids
 * of different files are different connections); key is an identity value (id.stream or
 * id.client); a negative or NaN key puts the row in no group (MQTTIDS_GROUP_NONE).
 * group receives n indices; *ngroups the number of groups. Memory: O(groups).
 * Returns MQTTIDS_OK or MQTTIDS_ERR_NOMEM. Plain arrays: usable on a live window too.
 */
mqttids_err mqttids_group_index(const uint32_t *part, /* n, or NULL */
                                const double *key,    /* n */
                                size_t n,
                                size_t *group,        /* OUT, n */
                                size_t *ngroups);     /* OUT */

/*
 * An alert needs the predicted class's probability >= min_probability: rows predicted as an
 * attack class (not legitimate) below it are set to legitimate in pred. proba is n x
 * nclasses row-major. min_probability <= 0 changes nothing.
 */
void mqttids_alert_threshold(int *pred, const double *proba, size_t n, int nclasses, double min_probability);

/*
 * Scores of one level. A group's true class is the most frequent class of its labeled rows
 * (ties: the lower class index); it is alerted when the detector alerts (predicts a class
 * other than legitimate) on any of its rows, and its predicted class is then the most
 * frequent alerted class (ties: the lower index), else legitimate. m compares the groups'
 * true and predicted classes (per-class recall/precision/F1, macro-F1); alerted_share is the
 * detected share for an attack class and the false-alarm share for legitimate.
 */
typedef struct mqttids_group_metrics {
    size_t groups;                         /* groups with at least one labeled row */
    size_t rows;                           /* labeled rows in them */
    size_t rows_no_group;                  /* labeled rows without an identity (left out) */
    size_t mixed;                          /* groups whose labeled rows hold several classes */
    size_t support[MQTTIDS_NCLASS];        /* groups per true class */
    size_t alerted[MQTTIDS_NCLASS];        /* of them, groups with at least one alert */
    double alerted_share[MQTTIDS_NCLASS];  /* alerted / support (0 without support) */
    mqttids_metrics m;                     /* true vs predicted group class */
} mqttids_group_metrics;

/*
 * Scores groups: truth and pred are n class indices (truth -1: unlabeled, skipped), group
 * n group indices (< ngroups or MQTTIDS_GROUP_NONE), or NULL for one group per row (the
 * packet level). Returns MQTTIDS_OK or MQTTIDS_ERR_NOMEM.
 */
mqttids_err mqttids_group_metrics_compute(const int *truth, const int *pred,
                                          const size_t *group, /* n, or NULL */
                                          size_t n, size_t ngroups,
                                          mqttids_group_metrics *out); /* OUT */

/* Every level's scores of one evaluation. */
typedef struct mqttids_eval_by {
    unsigned levels;                       /* bit (1 << level) set: that level was scored (the
                                              packet level always is) */
    double min_probability;                /* the alert threshold applied (0: none) */
    mqttids_group_metrics level[MQTTIDS_NLEVEL];
} mqttids_eval_by;

/*
 * Predicts rows rows[0..n) of ds (all when NULL), applies min_probability
 * (mqttids_alert_threshold) and scores the levels in the bit set levels (and always the
 * packet level: out->level[MQTTIDS_LEVEL_PACKET].m are the plain metrics). The connection
 * level needs an id.stream column, the host level id.client (`extract --ids`; lab CSVs):
 * MQTTIDS_ERR_NOT_FOUND names the missing one. part (may be NULL) gives each of the n rows
 * its input file. *unseen (may be NULL): nominal values never seen in train.
 * Returns: MQTTIDS_OK on success, else MQTTIDS_ERR_NOMEM, MQTTIDS_ERR_NOT_FOUND
 * (mqttids/common.h).
 */
mqttids_err mqttids_model_evaluate_by(const mqttids_model *m, const mqttids_dataset *ds,
                                      const size_t *rows, size_t n,
                                      const uint32_t *part,   /* n, or NULL */
                                      unsigned levels, double min_probability, int nthreads,
                                      mqttids_eval_by *out,   /* OUT */
                                      size_t *unseen,         /* OUT, may be NULL */
                                      char errbuf[MQTTIDS_ERRBUF_SIZE]);

/* ---------------------------------------------------------------------------------- */
/* Cross-validation and grid search                                                   */

typedef struct mqttids_cv_opts {
    int folds;               /* k of k-fold (default 5) */
    int stratified;          /* keep class shares in every fold (default 0, as Spark) */
    mqttids_metric metric;   /* selects the best point (default accuracy) */
    int refit;               /* refit the best point on all rows (default 1) */
} mqttids_cv_opts;

void mqttids_cv_opts_init(mqttids_cv_opts *o);

typedef struct mqttids_cv_point {
    char *params;            /* owned: this point's grid values, "regParam=0.5 maxIter=100" ("" for none) */
    double mean, std;        /* of the metric over folds (std: sample std, 0 for one fold) */
    double mean_accuracy, mean_macro_f1;
    double *fold_scores;     /* owned: folds values of the metric */
    double seconds;          /* fit + score time, summed over folds */
} mqttids_cv_point;

typedef struct mqttids_cv_result {
    int folds;
    mqttids_metric metric;
    size_t npoints;
    mqttids_cv_point *points; /* owned, npoints, in grid order (first key varies slowest) */
    size_t best;             /* index of the best point (highest mean; first on ties) */
} mqttids_cv_result;

void mqttids_cv_result_free(mqttids_cv_result *r);

/*
 * Assigns rows to folds: fold[i] in [0, k) for each of the n rows, from a seeded shuffle
 * (stratified: per class, dealt round-robin). Every fold gets floor(n/k) or ceil(n/k)
 * rows (per class when stratified).
 * Returns: MQTTIDS_OK on success, else MQTTIDS_ERR_INVALID, MQTTIDS_ERR_NOMEM
 * (mqttids/common.h).
 */
mqttids_err mqttids_cv_folds(const int *y, size_t n, int k, int stratified, uint64_t seed,
                             int *fold /* OUT, n */);

/*
 * Checks grid specs (as mqttids_cv_grid takes them) against base's learner before any data
 * is read: the "key=v1,v2" shape, the size, each key and value. Errors: MQTTIDS_ERR_INVALID.
 * Also returns MQTTIDS_ERR_NOMEM (mqttids/common.h).
 */
mqttids_err mqttids_cv_grid_check(const mqttids_train_opts *base, const char *const *grid, size_t ngrid,
                                  char errbuf[MQTTIDS_ERRBUF_SIZE]);
/*
 * k-fold cross-validation of every point of a parameter grid on rows rows[0..n) of ds.
 * grid: ngrid specs "key=v1,v2,..." (values holding commas go in brackets:
 * "thresholds=[1.5,0.9,1,1,1,1],[1,1,1,1,1,1]"); points are the cartesian product, the
 * first spec varying slowest; ngrid 0 evaluates base alone. The pipeline is fitted once
 * on all n rows (as the study scaled before cross-validating). Folds and points run in
 * parallel on base->nthreads threads; results do not depend on the thread count.
 * With cv->refit, *best (may be NULL) receives the best point refitted on all rows.
 * Returns: MQTTIDS_OK on success, else MQTTIDS_ERR_INTERRUPTED, MQTTIDS_ERR_INVALID,
 * MQTTIDS_ERR_NOMEM, MQTTIDS_ERR_NOT_FOUND (mqttids/common.h).
 */
mqttids_err mqttids_cv_grid(const mqttids_dataset *ds, const size_t *rows, size_t n,
                            const mqttids_train_opts *base,
                            const char *const *grid, size_t ngrid,
                            const mqttids_cv_opts *cv,
                            mqttids_cv_result **res /* OUT */,
                            mqttids_model **best /* OUT, may be NULL */,
                            char errbuf[MQTTIDS_ERRBUF_SIZE]);

/* ---------------------------------------------------------------------------------- */
/* Results as text and JSON (ml_text.c)                                               */

/* Metrics as an aligned table under title: accuracy and F1s, per-class precision, recall,
   F1 and support, the confusion matrix (rows: true class). */
void mqttids_metrics_write_text(FILE *f, const char *title, const mqttids_metrics *m);
/* Scores of one connection or host level (eval --by): groups per class, alerted shares,
   then the group metrics' table. */
void mqttids_group_metrics_write_text(FILE *f, int level, const mqttids_group_metrics *g);
/* A cross-validation result: one line per grid point, the best marked '*'. */
void mqttids_cv_write_text(FILE *f, const mqttids_cv_result *r);
/* A model's description: id, kind, params, fitted state, pipeline inputs and dropped
   columns, metadata. */
void mqttids_model_write_text(FILE *f, const mqttids_model *m);

/* The same as one JSON object each (plain text, docs/FORMATS.md; non-finite numbers are
   null). Caller frees; NULL when memory runs out. */
char *mqttids_metrics_json(const mqttids_metrics *m);
char *mqttids_group_metrics_json(const mqttids_group_metrics *g);
char *mqttids_cv_json(const mqttids_cv_result *r);
char *mqttids_model_json(const mqttids_model *m);
/* {"epochs": [{train_loss, train_acc, val_loss, val_acc, lr}...], "best_epoch", "diverged"}. */
char *mqttids_curve_json(const mqttids_curve *curve);

#ifdef __cplusplus
}
#endif
#endif
