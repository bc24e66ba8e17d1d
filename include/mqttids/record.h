/*
 * mqttids/record.h: records on the wire: the versioned record format (JSON with the
 * MQTTset field names, or a compact binary form) and its codec. Always built (no Kafka
 * needed). Format: docs/FORMATS.md, "Kafka record format".
 */
#ifndef MQTTIDS_RECORD_H
#define MQTTIDS_RECORD_H

#include "mqttids/dataset.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------- */
/* Record format.                                                                     */

/* Version of the record format (JSON "v" field, binary header byte). Bump on any
 * incompatible change; readers reject other versions. */
#define MQTTIDS_STREAM_FORMAT_VERSION 1

typedef enum mqttids_stream_format {
    MQTTIDS_STREAM_JSON = 0, /* one flat JSON object, MQTTset field names (the default) */
    MQTTIDS_STREAM_BIN = 1,  /* "MQR" + version, little-endian doubles and strings */
} mqttids_stream_format;

/* Encoder/decoder with its own scratch memory; one per thread. */
typedef struct mqttids_codec mqttids_codec;

/* A new codec. Returns NULL on allocation failure. Caller frees with mqttids_codec_free. */
mqttids_codec *mqttids_codec_new(void);
/* Frees c; NULL is fine. */
void mqttids_codec_free(mqttids_codec *c);

/*
 * Declares the extra numeric fields (e.g. ctx.* flow context) records carry: encode writes
 * r->extra[k] as field names[k]; decode fills r->extra (borrowed from the codec) from those
 * fields, in this order, and a record without one of them is malformed. names are copied.
 * Returns: MQTTIDS_OK on success, else MQTTIDS_ERR_INVALID, MQTTIDS_ERR_NOMEM
 * (mqttids/common.h).
 */
mqttids_err mqttids_codec_set_extras(mqttids_codec *c, const char *const *names, size_t n);

/*
 * Encodes one record with its unique id. *out (borrowed from c, valid until the next call
 * on c) and *len receive the bytes. The record's label goes out as "target" when >= 0.
 * Returns: MQTTIDS_OK on success, else MQTTIDS_ERR_INVALID, MQTTIDS_ERR_NOMEM
 * (mqttids/common.h).
 */
mqttids_err mqttids_codec_encode(mqttids_codec *c,
                                 mqttids_stream_format fmt,
                                 const mqttids_record *r,
                                 uint64_t id,
                                 const void **out, /* OUT, borrowed */
                                 size_t *len);     /* OUT */

/*
 * Decodes one record, JSON or binary (told apart by the first byte). r's strings and extras
 * are borrowed from c, valid until the next call on c. *id receives the record id.
 * A record that breaks a rule (not JSON, another version, a missing or mistyped feature,
 * truncated binary) returns MQTTIDS_ERR_MALFORMED with errbuf naming the rule and, for
 * JSON, the byte offset. Never reads past data[0..len).
 * Returns: MQTTIDS_OK on success, else MQTTIDS_ERR_MALFORMED (mqttids/common.h).
 */
mqttids_err mqttids_codec_decode(mqttids_codec *c,
                                 const void *data,
                                 size_t len,
                                 mqttids_record *r, /* OUT */
                                 uint64_t *id,      /* OUT */
                                 char errbuf[MQTTIDS_ERRBUF_SIZE]);

#ifdef __cplusplus
}
#endif
#endif
