/*
 * ml_int.h: the learner interface inside the ml module. Every learner (logistic
 * regression, random forest, feed-forward network) is one ml_learner; the model
 * framework (pipeline, cross-validation, grid search, model files, metrics) only talks
 * to learners through it.
 *
 * Data handed to a learner is already transformed by the fitted pipeline:
 *   X is (n, d) row-major doubles, y is n class indices in [0, k), w is n sample weights
 *   (NULL: all 1; "balanced" class weights arrive here as w).
 * Learners are deterministic for a given ctx->seed and any ctx->nthreads.
 */
#ifndef MQTTIDS_ML_INT_H
#define MQTTIDS_ML_INT_H

#include <stddef.h>
#include <stdint.h>
#include "mqttids/common.h"
#include "util/util_int.h"

/* One epoch of an iterative learner (the networks); filled by fit when ctx->curve is set. */
typedef struct ml_epoch {
    double train_loss, train_acc;
    double val_loss, val_acc;   /* NaN when there is no validation set */
    double lr;                  /* learning rate used in this epoch */
} ml_epoch;

typedef struct ml_curve {
    ml_epoch *epochs;           /* owned by the curve: free(curve->epochs) */
    size_t n;
    int best_epoch;             /* 0-based epoch kept (best validation accuracy), -1 if none */
    int diverged;               /* loss became NaN/Inf or exploded */
} ml_curve;

typedef struct ml_fit_ctx {
    uint64_t seed;
    int nthreads;               /* threads the learner may use (>= 1) */
    mqttids_progress_fn progress; /* may be NULL */
    void *progress_user;
    /* Optional validation set (same transform), used by learners that keep a best epoch. */
    const double *Xval;         /* (nval, d) row-major, or NULL */
    const int *yval;
    size_t nval;
    ml_curve *curve;            /* OUT, may be NULL */
} ml_fit_ctx;

typedef struct ml_learner {
    const char *kind;           /* "lr", "rf", "nn" */
    const char *description;    /* one line for --help */

    /* Parameters: an opaque struct with the learner's defaults (Spark's where Spark has one). */
    void *(*params_new)(void);
    void (*params_free)(void *p);
    void *(*params_copy)(const void *p);
    /*
     * Sets one parameter by name. Names are Spark's camelCase (regParam, maxIter, numTrees,
     * maxDepth, maxBins, ...); matching ignores case and '_' so reg_param works too.
     * Returns MQTTIDS_ERR_INVALID with errbuf naming the key and the allowed values.
     */
    mqttids_err (*params_set)(void *p, const char *key, const char *value, char *errbuf);
    /* Writes "key=value key=value ..." (every parameter) into buf. */
    void (*params_describe)(const void *p, char *buf, size_t size);

    /* Fits a model on (X, y, w). *state is the learner's fitted model. */
    mqttids_err (*fit)(const void *p, const double *X, size_t n, size_t d, const int *y, int k,
                       const double *w, const ml_fit_ctx *ctx, void **state /* OUT */, char *errbuf);
    /* Class probabilities of one row x (d values) into prob (k values). Thread-safe. */
    void (*predict_proba)(const void *state, const double *x, double *prob);
    /* Class of one row (argmax, or the learner's own rule such as LR thresholds). */
    int (*predict)(const void *state, const double *x, double *prob /* scratch/out, k */);
    /* Feature importances (d values summing to 1), or NULL when the learner has none. */
    void (*importances)(const void *state, double *imp);

    /* Serialisation of a fitted state inside a model file (little-endian, see docs/FORMATS.md). */
    void (*save)(const void *state, util_buf *b);
    /* Reads what save wrote; every count is bounded by what is left in r before allocating. */
    mqttids_err (*load)(util_rd *r, size_t d, int k, void **state /* OUT */, char *errbuf);
    void (*free)(void *state);

    /*
     * Optional (NULL allowed; added after the first version, so learners written before
     * it leave it out): a one-line summary of a fitted state for people and --json, as
     * "key=value ..." (e.g. "iterations=37 objective=0.4321"). Not saved in model files.
     */
    void (*describe_state)(const void *state, char *buf, size_t size);
} ml_learner;

/*
 * The function part of a learner's ml_learner, for a learner file whose static functions
 * carry the interface's names (params_new, params_copy, params_set, ..., describe_state):
 *   const ml_learner ml__lr = {"lr", "description", ML_LEARNER_FUNCTIONS(NULL)};
 * importances_ is the learner's importances function or NULL. Parameter objects are one
 * malloc'ed struct, freed with free().
 */
#define ML_LEARNER_FUNCTIONS(importances_)                                                      \
    params_new, free, params_copy, params_set, params_describe, fit, predict_proba, predict,     \
        importances_, save, load, state_free, describe_state

extern const ml_learner ml__lr; /* logistic regression: src/ml/lr.c */
extern const ml_learner ml__rf; /* random forest: src/ml/rf.c */
extern const ml_learner ml__nn; /* feed-forward network: src/ml/nn.c */
extern const ml_learner ml__gbt; /* gradient-boosted trees: src/ml/gbt.c */

/* The learner of a kind name ("lr", "rf", "nn"), or NULL. */
const ml_learner *ml__learner_find(const char *kind);

/* Logistic regression's fitted coefficients: W (k x d, row-major) then b (k). Borrowed. */
const double *ml__lr_coef(const void *lr_state);

/* Parameter values: a boolean (true/1/yes/on, false/0/no/off, any case) and a finite
   number (locale-independent). Return 0, or -1 when the text is neither. */
int ml__parse_bool(const char *v, int *out);
int ml__parse_num(const char *v, double *out);
/* An integer in [lo, hi] into *out; 0, or -1 when the text is not one. */
int ml__parse_int_in(const char *v, long lo, long hi, int *out);

/* Parameter-name matching used by every params_set: case-insensitive, '_' ignored. */
int ml__key_eq(const char *key, const char *name);

/* A learner's params_new and params_copy: a new parameter object of size bytes, a copy of p
   (of defaults when p is NULL). NULL when out of memory; caller frees with free(). */
void *ml__params_dup(const void *p, const void *defaults, size_t size);

/*
 * The rows of a fit, as every learner checks them: labels y (n) in [0, k), weights w (n,
 * NULL: none) finite and >= 0, validation labels yval (nval; NULL when nval is 0) in [0, k).
 * who prefixes the message ("rf"). Returns MQTTIDS_ERR_INVALID naming the first bad row.
 */
mqttids_err ml__check_fit_rows(const char *who, const int *y, size_t n, int k, const double *w,
                               const int *yval, size_t nval, char *errbuf);

/* ---------------------------------------------------------------------------------- */
/* The model framework (model.c, cv.c, metrics.c)                                     */

#include "mqttids/ml.h"

#define ML_MAX_META 32

struct mqttids_model {
    const ml_learner *learner;   /* static */
    void *state;                 /* owned by learner->free */
    mqttids_pipeline *pipe;      /* owned */
    int k;                       /* classes */
    char **class_names;          /* owned, k */
    char *params;                /* owned: learner params, "key=value ..." */
    char *summary;               /* owned: learner->describe_state, or "" */
    size_t nmeta;
    char *meta_key[ML_MAX_META]; /* owned */
    char *meta_val[ML_MAX_META]; /* owned */
    struct ml_forest *fast;      /* owned: compiled trees of rf/gbt (forest.c), or NULL */
    uint32_t crc;                /* CRC-32C of the file image (model id) */
    char id[40];
};

/* A learner's parameter object from its defaults plus "key=value" strings. */
mqttids_err ml__params_build(const ml_learner *L, const char *const *kv, size_t n, void **out, char *errbuf);
/* Sets one "key=value" (key and value split at the first '='). */
mqttids_err ml__params_set_kv(const ml_learner *L, void *p, const char *kv, char *errbuf);
/* Balanced class weights n / (classes present * n_c) for labels y (n), into w (n). */
void ml__balanced_weights(const int *y, size_t n, int k, int mode /* 1: n / (k n_c), 2: its square root */, double *w);
/* Serialises a model into b (the whole file image, checksum included). */
void ml__model_image(const mqttids_model *m, util_buf *b);
/* Parses a model file image data[0..len) (path names it in messages; the fuzz target uses it). */
mqttids_err ml__model_parse(const char *path, const unsigned char *data, size_t len, mqttids_model **out,
                            char *errbuf);
/* Predicts rows (all when NULL) into cls (n) and proba (n x k, may be NULL), counting unseen
 * nominal values (may be NULL): what mqttids_model_evaluate uses (model.c). */
mqttids_err ml__predict_rows(const mqttids_model *m, const mqttids_dataset *ds, const size_t *rows, size_t n,
                             int *cls, double *proba, int nthreads, size_t *unseen, char *errbuf);

#endif
