/*
 * mqttids/model.h: a trained model (fitted feature pipeline + learner + class names +
 * metadata), loaded from a model file and applied to records or datasets.
 *
 * This is the interface every consumer of a model uses (eval/predict, watch, the Kafka
 * detector, the PostgreSQL sink). Training lives in mqttids/ml.h. File layout:
 * docs/FORMATS.md.
 */
#ifndef MQTTIDS_MODEL_H
#define MQTTIDS_MODEL_H

#include "mqttids/dataset.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mqttids_model mqttids_model;

/*
 * Loads a model file. A file of another format version, a corrupt one (checksum) or a
 * truncated one is refused with errbuf naming the file, the offset and the rule broken.
 * Caller frees *out with mqttids_model_free.
 * Returns: MQTTIDS_OK on success, else MQTTIDS_ERR_CHECKSUM, MQTTIDS_ERR_IO,
 * MQTTIDS_ERR_MALFORMED, MQTTIDS_ERR_NOMEM, MQTTIDS_ERR_UNSUPPORTED, MQTTIDS_ERR_VERSION
 * (mqttids/common.h).
 */
mqttids_err mqttids_model_load(const char *path, mqttids_model **out /* OUT */,
                               char errbuf[MQTTIDS_ERRBUF_SIZE]);
/* Writes a model file atomically (temp file + rename).
   Returns: MQTTIDS_OK on success, else MQTTIDS_ERR_INVALID, MQTTIDS_ERR_IO, MQTTIDS_ERR_NOMEM
   (mqttids/common.h). */
mqttids_err mqttids_model_save(const mqttids_model *m, const char *path,
                               char errbuf[MQTTIDS_ERRBUF_SIZE]);
/* Frees m; NULL is fine. */
void mqttids_model_free(mqttids_model *m);

/* Short stable id: "<kind>-<8 hex digits of the file checksum>", e.g. "rf-1a2b3c4d". Borrowed. */
const char *mqttids_model_id(const mqttids_model *m);
/* "lr", "rf", "nn" or "gbt". Borrowed. */
const char *mqttids_model_kind(const mqttids_model *m);
int mqttids_model_nclasses(const mqttids_model *m);
/* Class name of output c (the model's own list, in label order). Borrowed. */
const char *mqttids_model_class_name(const mqttids_model *m, int c);
/* Names of the extra (non-MQTTset) input columns the model needs, e.g. ctx.* columns. */
size_t mqttids_model_n_extra(const mqttids_model *m);
const char *mqttids_model_extra_name(const mqttids_model *m, size_t k);

/*
 * Classifies one record. r->extra must hold the model's extra columns in the order
 * mqttids_model_extra_name gives (n_extra of them), or none when the model needs none.
 * proba (may be NULL) receives nclasses probabilities. Thread-safe on a shared model.
 * Returns: MQTTIDS_OK on success, else MQTTIDS_ERR_INVALID, MQTTIDS_ERR_NOMEM,
 * MQTTIDS_ERR_NOT_FOUND (a feature the model's pipeline names is not in the record)
 * (mqttids/common.h).
 */
mqttids_err mqttids_model_predict_record(const mqttids_model *m, const mqttids_record *r,
                                         int *cls /* OUT */, double *proba /* OUT, nclasses or NULL */);

/*
 * Classifies rows of a dataset (all rows when rows is NULL, else rows[0..n)).
 * cls receives n class indices, proba (may be NULL) n x nclasses row-major.
 * Extra columns are looked up by name in ds; a missing one is MQTTIDS_ERR_NOT_FOUND.
 * Returns: MQTTIDS_OK on success, else MQTTIDS_ERR_NOMEM, MQTTIDS_ERR_NOT_FOUND
 * (mqttids/common.h).
 */
mqttids_err mqttids_model_predict_dataset(const mqttids_model *m, const mqttids_dataset *ds,
                                          const size_t *rows, size_t n,
                                          int *cls /* OUT, n */, double *proba /* OUT or NULL */,
                                          int nthreads, char errbuf[MQTTIDS_ERRBUF_SIZE]);

#ifdef __cplusplus
}
#endif
#endif
