/*
 * mqttids/schema.h: the 33 MQTTset features, their CSV names and kinds, and the class
 * names. This is the one place that knows the MQTTset column list; every source and sink
 * uses these indices.
 *
 * Names: the tshark form ("tcp.flags") is canonical; the underscore form ("tcp_flags")
 * that Spark and PostgreSQL exports use is accepted everywhere a name is looked up.
 */
#ifndef MQTTIDS_SCHEMA_H
#define MQTTIDS_SCHEMA_H

#include "mqttids/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Feature indices, in MQTTset CSV order. */
typedef enum mqttids_feat {
    MQTTIDS_F_TCP_FLAGS = 0,
    MQTTIDS_F_TCP_TIME_DELTA,
    MQTTIDS_F_TCP_LEN,
    MQTTIDS_F_CONACK_FLAGS,
    MQTTIDS_F_CONACK_FLAGS_RESERVED,
    MQTTIDS_F_CONACK_FLAGS_SP,
    MQTTIDS_F_CONACK_VAL,
    MQTTIDS_F_CONFLAG_CLEANSESS,
    MQTTIDS_F_CONFLAG_PASSWD,
    MQTTIDS_F_CONFLAG_QOS,
    MQTTIDS_F_CONFLAG_RESERVED,
    MQTTIDS_F_CONFLAG_RETAIN,
    MQTTIDS_F_CONFLAG_UNAME,
    MQTTIDS_F_CONFLAG_WILLFLAG,
    MQTTIDS_F_CONFLAGS,
    MQTTIDS_F_DUPFLAG,
    MQTTIDS_F_HDRFLAGS,
    MQTTIDS_F_KALIVE,
    MQTTIDS_F_LEN,
    MQTTIDS_F_MSG,
    MQTTIDS_F_MSGID,
    MQTTIDS_F_MSGTYPE,
    MQTTIDS_F_PROTO_LEN,
    MQTTIDS_F_PROTONAME,
    MQTTIDS_F_QOS,
    MQTTIDS_F_RETAIN,
    MQTTIDS_F_SUB_QOS,
    MQTTIDS_F_SUBACK_QOS,
    MQTTIDS_F_VER,
    MQTTIDS_F_WILLMSG,
    MQTTIDS_F_WILLMSG_LEN,
    MQTTIDS_F_WILLTOPIC,
    MQTTIDS_F_WILLTOPIC_LEN,
    MQTTIDS_NFEAT, /* 33 */
} mqttids_feat;

/*
 * How a feature's CSV text is read and kept:
 *   NUM   a number (int or float text); kept as double.
 *   HEX   "0x%08x" or "0"; kept as its integer value (double) and dictionary-encoded
 *         with the original strings (tcp.flags, mqtt.hdrflags, mqtt.conflags,
 *         mqtt.conack.flags).
 *   TEXT  free text or hex bytes (mqtt.msg, mqtt.protoname, mqtt.willmsg,
 *         mqtt.willtopic); its numeric view is 0 for a zero value ("0", "0.0", "")
 *         and 1 otherwise; strings are dictionary-encoded.
 */
typedef enum mqttids_kind {
    MQTTIDS_KIND_NUM = 0,
    MQTTIDS_KIND_HEX = 1,
    MQTTIDS_KIND_TEXT = 2,
} mqttids_kind;

/* Canonical (tshark) name of feature f, e.g. "tcp.flags"; NULL when f is out of range. */
const char *mqttids_feat_name(int f);
/* Kind of feature f. */
mqttids_kind mqttids_feat_kind(int f);
/*
 * Finds a feature by name, tshark ("mqtt.conack.flags.sp") or underscore
 * ("mqtt_conack_flags_sp") form, case-insensitive. Returns its index or -1.
 */
int mqttids_feat_find(const char *name, size_t len);

/* Class labels, in the study's order (MQTTset's labels). */
typedef enum mqttids_class {
    MQTTIDS_CLASS_LEGITIMATE = 0,
    MQTTIDS_CLASS_DOS = 1,
    MQTTIDS_CLASS_BRUTEFORCE = 2,
    MQTTIDS_CLASS_MALFORMED = 3,
    MQTTIDS_CLASS_SLOWITE = 4,
    MQTTIDS_CLASS_FLOOD = 5,
    MQTTIDS_NCLASS, /* 6 */
} mqttids_class;

/* Name of class c ("legitimate", ...); NULL when out of range. */
const char *mqttids_class_name(int c);
/* Class index of a name (case-insensitive; "benign" = legitimate), or -1. */
int mqttids_class_find(const char *name, size_t len);

/* Split tags. */
typedef enum mqttids_split {
    MQTTIDS_SPLIT_NONE = 0,
    MQTTIDS_SPLIT_TRAIN = 1,
    MQTTIDS_SPLIT_TEST = 2,
} mqttids_split;

/*
 * One packet's features: the unit sources (CSV rows, pcap, Kafka, PostgreSQL) hand to
 * the dataset and to a model. A plain value type on purpose: it is filled in hot loops.
 *   num[f]  numeric value of feature f (HEX: the integer; TEXT: 0 zero / 1 non-zero).
 *   str[f]  for HEX and TEXT features, the original text (borrowed, not NUL-terminated,
 *           str_len[f] bytes); NULL means "0". Ignored for NUM features.
 *   label   class index, or -1 when unknown.
 *   extra   n_extra further numeric columns (e.g. ctx.* flow context), borrowed; their
 *           names are given to the dataset separately.
 */
typedef struct mqttids_record {
    double num[MQTTIDS_NFEAT];
    const char *str[MQTTIDS_NFEAT];
    uint32_t str_len[MQTTIDS_NFEAT];
    int label;
    size_t n_extra;
    const double *extra;
} mqttids_record;

/* Resets r to an all-zero record (every field 0, label -1, no extras). */
void mqttids_record_clear(mqttids_record *r);

#ifdef __cplusplus
}
#endif
#endif
