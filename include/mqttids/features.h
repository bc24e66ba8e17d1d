/*
 * mqttids/features.h: the feature pipeline: which columns a model uses and how a row of
 * the dataset becomes a numeric feature vector.
 *
 * The default is the study's preprocessing (docs/internals/dataset.md), fitted on train rows only:
 *   1. drop every MQTTset feature column with a share of zeros above zero_threshold (0.90);
 *      zero means numeric 0 for NUM columns and the absent value "0" for HEX/TEXT columns
 *      (the definition of mqttids_stats, src/dataset/stats.c);
 *   2. drop the later column (CSV order) of each pair of surviving NUM feature columns
 *      with |Pearson r| above corr_threshold (0.95; the study drops mqtt.qos);
 *   3. drop the columns listed in `drop` (default "mqtt.msg");
 *   4. continuous columns (default tcp.time_delta, tcp.len, mqtt.len, mqtt.msgid) are
 *      copied; nominal columns (default mqtt.hdrflags, tcp.flags, mqtt.msgtype) are one-hot
 *      encoded over the categories seen in train, in Spark StringIndexer order (most
 *      frequent first, ties by string), with Spark's OneHotEncoder dropLast (the least
 *      frequent category has no column); an unseen category gives all zeros and is counted;
 *      a surviving column listed nowhere is continuous when NUM, nominal when HEX/TEXT;
 *   5. extra (non-MQTTset) numeric columns, e.g. ctx.* flow context, are used as
 *      continuous features only when selected by `extra` (they are exempt from the rules);
 *   6. every output feature is divided by its train standard deviation (sample std, no
 *      centering: Spark StandardScaler's default); a constant feature becomes 0.
 *
 * Not here: learners and models (ml.h, model.h). The pipeline is saved inside every model.
 */
#ifndef MQTTIDS_FEATURES_H
#define MQTTIDS_FEATURES_H

#include "mqttids/dataset.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mqttids_pipeline mqttids_pipeline;

/*
 * Pipeline options. Column lists are comma-separated column names (tshark or underscore
 * form); NULL means the study's default; "" means none.
 */
typedef struct mqttids_pipeline_opts {
    double zero_threshold;   /* drop a feature column with a zero share above this (0.90; >= 1: off) */
    double corr_threshold;   /* drop the later of a NUM pair with |r| above this (0.95; >= 1: off) */
    int scale;               /* divide by the train std (1) */
    int drop_last;           /* Spark OneHotEncoder dropLast (1) */
    const char *continuous;  /* borrowed; NULL: "tcp.time_delta,tcp.len,mqtt.len,mqtt.msgid" */
    const char *nominal;     /* borrowed; NULL: "mqtt.hdrflags,tcp.flags,mqtt.msgtype" */
    const char *drop;        /* borrowed; NULL: "mqtt.msg" */
    const char *extra;       /* borrowed; extra columns to use: names, or a prefix such as "ctx"
                                (every column "ctx.*"); NULL or "": none */
} mqttids_pipeline_opts;

/* Fills o with the study's defaults. */
void mqttids_pipeline_opts_init(mqttids_pipeline_opts *o);

/*
 * Fits a pipeline on the rows rows[0..n) of ds (all rows when rows is NULL).
 * Returns MQTTIDS_ERR_NOT_FOUND for an unknown column name, MQTTIDS_ERR_INVALID when no
 * feature is left, a column is listed twice, or a list names an identity column (id, id.*:
 * `extract --ids`, for evaluation only, never a feature). Caller frees *out with mqttids_pipeline_free.
 * Also returns MQTTIDS_ERR_NOMEM (mqttids/common.h).
 */
mqttids_err mqttids_pipeline_fit(const mqttids_dataset *ds, const size_t *rows, size_t n,
                                 const mqttids_pipeline_opts *o,
                                 mqttids_pipeline **out /* OUT */,
                                 char errbuf[MQTTIDS_ERRBUF_SIZE]);
void mqttids_pipeline_free(mqttids_pipeline *p);

/* Number of output features d. */
size_t mqttids_pipeline_nfeatures(const mqttids_pipeline *p);
/* Name of output feature j, e.g. "tcp.len" or "tcp.flags=0x00000018". Borrowed. */
const char *mqttids_pipeline_feature_name(const mqttids_pipeline *p, size_t j);
/* Extra (non-MQTTset) input columns the pipeline reads, in the order records carry them. */
size_t mqttids_pipeline_n_extra(const mqttids_pipeline *p);
const char *mqttids_pipeline_extra_name(const mqttids_pipeline *p, size_t k);
/* Input columns: how many, name, and role ("continuous" or "nominal"). Borrowed. */
size_t mqttids_pipeline_n_inputs(const mqttids_pipeline *p);
const char *mqttids_pipeline_input_name(const mqttids_pipeline *p, size_t i);
const char *mqttids_pipeline_input_role(const mqttids_pipeline *p, size_t i);
/*
 * Dropped MQTTset columns and why: returns how many; *name and *why ("zeros 99.6%",
 * "correlation r=0.988 with mqtt.len", "listed") of the i-th one are borrowed.
 */
size_t mqttids_pipeline_n_dropped(const mqttids_pipeline *p);
void mqttids_pipeline_dropped(const mqttids_pipeline *p, size_t i, const char **name, const char **why);
/* CRC-32C of the input and output feature names: equal hashes mean the same schema. */
uint32_t mqttids_pipeline_schema_hash(const mqttids_pipeline *p);

/*
 * Transforms one record into x (d values). r->extra must hold the pipeline's extra columns
 * in order (n_extra values) when it needs any. *unseen (may be NULL) is increased by the
 * number of nominal values not seen in train. Returns MQTTIDS_ERR_INVALID when r lacks
 * the extra values the pipeline needs.
 */
mqttids_err mqttids_pipeline_transform_record(const mqttids_pipeline *p, const mqttids_record *r,
                                              double *x /* OUT, d */, size_t *unseen /* IN/OUT */);

/*
 * Transforms rows rows[0..n) of ds (all rows when rows is NULL) into X, (n, d) row-major.
 * Extra columns are found by name (MQTTIDS_ERR_NOT_FOUND when missing). *unseen (may be
 * NULL) receives the count of nominal values not seen in train.
 * Returns: MQTTIDS_OK on success, else MQTTIDS_ERR_NOMEM, MQTTIDS_ERR_NOT_FOUND
 * (mqttids/common.h).
 */
mqttids_err mqttids_pipeline_transform(const mqttids_pipeline *p, const mqttids_dataset *ds,
                                       const size_t *rows, size_t n, double *X /* OUT, n x d */,
                                       size_t *unseen /* OUT */, char errbuf[MQTTIDS_ERRBUF_SIZE]);

#ifdef __cplusplus
}
#endif
#endif
