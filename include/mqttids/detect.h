/*
 * mqttids/detect.h: detection, the one path both `watch` (capture) and `stream detect`
 * (Kafka) run:
 *
 *   record -> features -> model -> decision (quiet class, min probability, alert-by
 *   grouping and suppression window) -> alert (one escaped builder) -> outputs (JSON
 *   lines, PostgreSQL, Kafka)
 *
 * The class rules, the alert builder and the decision gate take plain values (class
 * names, flow text, probability, model id), so the Kafka detector in src/stream calls
 * down into them. The capture runner (mqttids_detect_capture) drives the whole chain for
 * a live or replayed capture. Data flow and the grouping rules: docs/internals/detect.md.
 * Not here: the Kafka consumer group and its at-least-once commits (mqttids/stream.h).
 */
#ifndef MQTTIDS_DETECT_H
#define MQTTIDS_DETECT_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include "mqttids/common.h"
#include "mqttids/capture.h"
#include "mqttids/model.h"
#include "mqttids/stream.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The alerts table both detectors write to PostgreSQL unless told otherwise. */
#define MQTTIDS_DETECT_DEFAULT_TABLE "mqtt.alerts"
/* The alerts topic of `watch --brokers` unless told otherwise. */
#define MQTTIDS_DETECT_DEFAULT_TOPIC "mqttids.alerts"
/* Groups (connection or host x class) the decision gate remembers at most (LRU beyond). */
#define MQTTIDS_DETECT_DEFAULT_MAX_GROUPS 65536

/* ---------------------------------------------------------------------------------- */
/* Class rules (one place for all detectors).                                         */

/*
 * The quiet class: the model output never alerted (unless alert_all), the one whose name
 * mqttids_class_find maps to legitimate ("legitimate", "benign", any case). Returns its
 * index in names[0..n), or -1 when the model has none.
 */
int mqttids_detect_quiet_class(const char *const *names, int n);
/* The MQTTIDS_CLASS_* index of a model class name (what PostgreSQL stores), or -1. */
int mqttids_detect_class_index(const char *name);
/* EVE severity of a class name: 1 dos/flood, 2 bruteforce/malformed/slowite, 3 other. */
int mqttids_detect_severity(const char *name);

/* ---------------------------------------------------------------------------------- */
/* Decision: which classified rows become alerts.                                     */

/* What one alert stands for. */
typedef enum mqttids_alert_by {
    MQTTIDS_ALERT_BY_PACKET = 0,     /* every alerting row (packet or record) */
    MQTTIDS_ALERT_BY_CONNECTION = 1, /* once per TCP connection (capture: tcp.stream; Kafka: record key) and class */
    MQTTIDS_ALERT_BY_HOST = 2,       /* once per client host (the side away from the MQTT port) and class */
} mqttids_alert_by;

/* "packet", "connection" or "host" -> *out. Returns MQTTIDS_OK or MQTTIDS_ERR_INVALID. */
mqttids_err mqttids_alert_by_parse(const char *s, mqttids_alert_by *out /* OUT */);
/* "packet", "connection" or "host". Static. */
const char *mqttids_alert_by_name(mqttids_alert_by by);

typedef struct mqttids_alert_rule {
    mqttids_alert_by by;       /* default packet */
    double window_s;           /* connection/host: a group alerts again, with its counts so far, once
                                * window_s seconds (row time) passed since its last alert; 0: once */
    double min_probability;    /* rows whose class probability is below are not alerts (0: all;
                                * an unknown (NaN) probability passes) */
    int alert_all;             /* the quiet class alerts too */
    int quiet_class;           /* mqttids_detect_quiet_class; -1 none */
    size_t max_groups;         /* groups remembered (default MQTTIDS_DETECT_DEFAULT_MAX_GROUPS); the least
                                * recently seen is forgotten beyond, and alerts again if it comes back */
} mqttids_alert_rule;

/* Defaults: packet, window 0, min probability 0, quiet class 0, max_groups default. */
void mqttids_alert_rule_init(mqttids_alert_rule *r);

/* A group's counts, carried by its alerts. */
typedef struct mqttids_alert_group {
    uint64_t count;    /* alerting rows of this group and class so far (1 by packet) */
    double first;      /* time of the first of them (seconds since 1970) */
    double last;       /* time of the latest */
    uint64_t emitted;  /* alerts emitted for the group, this one included */
} mqttids_alert_group;

typedef struct mqttids_alert_gate mqttids_alert_gate;

/*
 * A decision gate for rule r (copied). Memory is bounded by r->max_groups (connection/host:
 * a bucket index of 4 bytes a group up front, the groups as they come; packet: nothing).
 * Caller frees with mqttids_alert_gate_free.
 * Errors: MQTTIDS_ERR_INVALID (window < 0, min probability outside 0..1, max_groups 0
 * or over 2^24), MQTTIDS_ERR_NOMEM.
 */
mqttids_err mqttids_alert_gate_new(const mqttids_alert_rule *r, mqttids_alert_gate **out /* OUT */,
                                   char errbuf[MQTTIDS_ERRBUF_SIZE]);
/* Frees g; NULL is fine. */
void mqttids_alert_gate_free(mqttids_alert_gate *g);
/*
 * Decides one classified row: class cls with probability prob at time t (seconds since
 * 1970), in group key[0..klen) (ignored by packet; at most 64 bytes are used). Returns 1
 * when the row is an alert now (grp, may be NULL, receives the group's counts), 0 when it
 * is not (quiet class, below the minimum probability, or suppressed inside the window).
 * Never fails.
 */
int mqttids_alert_gate_decide(mqttids_alert_gate *g, const char *key, size_t klen, int cls, double prob,
                              double t, mqttids_alert_group *grp /* OUT, may be NULL */);
/* Rows that would have alerted but were suppressed by grouping; groups now; groups forgotten (LRU). */
uint64_t mqttids_alert_gate_suppressed(const mqttids_alert_gate *g);
size_t mqttids_alert_gate_groups(const mqttids_alert_gate *g);
uint64_t mqttids_alert_gate_evicted(const mqttids_alert_gate *g);

/* ---------------------------------------------------------------------------------- */
/* Alerts.                                                                            */

/* The JSON shape of an alert line (docs/FORMATS.md). */
typedef enum mqttids_alert_shape {
    MQTTIDS_ALERT_EVE = 0,    /* watch: Suricata EVE alert (packet addresses, frame, stream) */
    MQTTIDS_ALERT_RECORD = 1, /* stream detect: v1 record alert (record id, Kafka position) */
} mqttids_alert_shape;

/* One alert, in plain values. Strings are borrowed; NULL strings are written as "". */
typedef struct mqttids_alert {
    double time;                 /* row time (capture) or detection time (Kafka), seconds since 1970 */
    const char *flow;            /* flow text: the TCP stream index or the Kafka key; NULL: none */
    size_t flow_len;
    int cls;                     /* model class index */
    const char *class_name;      /* the model's name for it (escaped on output) */
    double probability;          /* NaN: unknown */
    const char *model_id;
    mqttids_alert_by by;         /* packet: no group object in the line */
    const char *group_key;       /* connection or host text of the group (by != packet) */
    size_t group_key_len;
    mqttids_alert_group group;
    /* EVE: the packet (both NULL for RECORD) */
    const mqttids_flow *packet;
    const mqttids_record *rec;
    /* RECORD: the Kafka record */
    uint64_t id;
    const char *topic;
    int32_t partition;
    int64_t offset;
    /* PostgreSQL: the row's id (frame or record id) and detail text (NULL: the JSON line) */
    int64_t row_id;
    const char *detail;
} mqttids_alert;

/* Zeroes a, probability NaN, partition/offset/row_id -1. */
void mqttids_alert_init(mqttids_alert *a);

/*
 * Writes the alert's JSON line (no newline) into buf[0..size), NUL-terminated and
 * truncated when it does not fit; returns the length the whole line needs (without NUL),
 * as snprintf does: call again with a larger buf when the result is >= size. Every string
 * (class, model id, flow, topic, group key) is escaped. Never fails.
 */
size_t mqttids_alert_format(const mqttids_alert *a, mqttids_alert_shape shape, char *buf, size_t size);

/* ---------------------------------------------------------------------------------- */
/* Outputs: where alert lines go.                                                     */

typedef struct mqttids_alert_out mqttids_alert_out;

typedef struct mqttids_alert_out_stats {
    uint64_t lines;      /* lines written to the JSON output */
    uint64_t db_rows;    /* rows committed to PostgreSQL */
    uint64_t kafka_sent; /* messages delivered to Kafka (known at close) */
    uint64_t errors;     /* alerts that an output failed to take */
} mqttids_alert_out_stats;

/* An empty set of outputs. Caller frees with mqttids_alert_out_close or _free. NOMEM.
   Returns: MQTTIDS_OK on success, else MQTTIDS_ERR_NOMEM (mqttids/common.h). */
mqttids_err mqttids_alert_out_new(mqttids_alert_out **out /* OUT */);
/* Alert lines to fp (borrowed; flushed, not closed). */
void mqttids_alert_out_json(mqttids_alert_out *o, FILE *fp);
/*
 * Alert rows to PostgreSQL table (NULL: MQTTIDS_DETECT_DEFAULT_TABLE, created when
 * missing): row_id, time, the class (MQTTIDS_CLASS_* of the model's name; a name with no
 * such class is not written), probability, detail. Errors: those of mqttids_store_open
 * (errbuf; the password is never shown) and mqttids_store_sink_open (INVALID/VERSION/DB).
 * Also returns MQTTIDS_ERR_NOMEM, MQTTIDS_ERR_UNSUPPORTED (mqttids/common.h).
 */
mqttids_err mqttids_alert_out_pg(mqttids_alert_out *o, const char *conninfo, const char *table,
                                 const char *model_id, char errbuf[MQTTIDS_ERRBUF_SIZE]);
/*
 * Alert lines to Kafka topic (NULL: MQTTIDS_DETECT_DEFAULT_TOPIC) through a producer
 * made from kc, keyed by the alert's flow. Errors: those of mqttids_producer_new
 * (INVALID for a bad setting, KAFKA, UNSUPPORTED in a build without librdkafka).
 * Also returns MQTTIDS_ERR_NOMEM (mqttids/common.h).
 */
mqttids_err mqttids_alert_out_kafka(mqttids_alert_out *o, const mqttids_kconf *kc, const char *topic,
                                    char errbuf[MQTTIDS_ERRBUF_SIZE]);
/*
 * Formats a in shape once and gives it to every output. An output that fails is counted
 * in errors and logged (mqttids_set_log), the others still get it. Returns MQTTIDS_OK,
 * MQTTIDS_ERR_IO (some output failed) or MQTTIDS_ERR_NOMEM.
 */
mqttids_err mqttids_alert_out_put(mqttids_alert_out *o, const mqttids_alert *a, mqttids_alert_shape shape);
/* Flushes every output (PostgreSQL commits, Kafka waits for delivery); with force 0 at most
 * once a second. Returns MQTTIDS_OK, or MQTTIDS_ERR_IO after logging what failed. */
mqttids_err mqttids_alert_out_flush(mqttids_alert_out *o, int force);
/* Flushes and closes every output, fills st (may be NULL), frees o (NULL is fine).
 * Returns MQTTIDS_OK, or MQTTIDS_ERR_IO with errbuf naming the first output that failed. */
mqttids_err mqttids_alert_out_close(mqttids_alert_out *o, mqttids_alert_out_stats *st /* OUT */,
                                    char errbuf[MQTTIDS_ERRBUF_SIZE]);
/* Drops o without committing what PostgreSQL has not; NULL is fine. */
void mqttids_alert_out_free(mqttids_alert_out *o);

/* ---------------------------------------------------------------------------------- */
/* The capture detector (watch).                                                      */

typedef struct mqttids_detect_run {
    uint64_t rows;            /* TCP packets classified */
    uint64_t alerts;          /* alerts emitted */
    uint64_t suppressed;      /* alerting rows folded into a group's counts */
    uint64_t per_class[64];   /* alerts per model class */
    uint64_t output_errors;   /* alerts an output did not take */
    size_t groups;            /* groups remembered at the end */
    uint64_t evicted;         /* groups forgotten (LRU) */
    double seconds;           /* monotonic, from start */
} mqttids_detect_run;

/* Called about once a second with the running counters (progress lines). */
typedef void (*mqttids_detect_tick_fn)(void *user, const mqttids_detect_run *run);

typedef struct mqttids_detect_capture_opts {
    mqttids_alert_rule rule;          /* quiet_class is set from the model */
    int live;                         /* flush the outputs after alerts (at most once a second) */
    const uint16_t *mqtt_ports;       /* the broker side for host grouping (NULL: 1883) */
    int n_mqtt_ports;
    const volatile sig_atomic_t *stop;/* non-zero: stop after the current packet; may be NULL */
    mqttids_detect_tick_fn tick;      /* may be NULL */
    void *tick_user;
} mqttids_detect_capture_opts;

void mqttids_detect_capture_opts_init(mqttids_detect_capture_opts *o);

/*
 * Checks that cap can feed model: the model's extra inputs must be flow-context columns
 * (ctx.*), and then cap must have been opened with context on (opts.context). Returns
 * MQTTIDS_OK, MQTTIDS_ERR_NOT_FOUND (errbuf names the column) or MQTTIDS_ERR_INVALID.
 * *needs_context (may be NULL) is set to 1 when the model wants ctx.* columns.
 */
mqttids_err mqttids_detect_model_check(const mqttids_model *model, int *needs_context /* OUT */,
                                       char errbuf[MQTTIDS_ERRBUF_SIZE]);

/*
 * Runs cap to its end (or *o->stop): each TCP packet -> features (+ ctx.* when the model
 * wants them) -> model -> gate -> an EVE alert to out. run receives the counters.
 * Errors: those of mqttids_capture_next (PCAP, MALFORMED), MQTTIDS_ERR_INVALID when the
 * model cannot classify a row or has over 64 classes, NOMEM. A failing output does not
 * stop the run (counted in output_errors).
 * Also returns MQTTIDS_ERR_NET, MQTTIDS_ERR_NOT_FOUND, MQTTIDS_ERR_UNSUPPORTED
 * (mqttids/common.h).
 */
mqttids_err mqttids_detect_capture(mqttids_capture *cap, const mqttids_model *model, mqttids_alert_out *out,
                                   const mqttids_detect_capture_opts *o, mqttids_detect_run *run /* OUT */,
                                   char errbuf[MQTTIDS_ERRBUF_SIZE]);

/* ---------------------------------------------------------------------------------- */
/* The Kafka detector's classifier (mqttids_stream_detect's record -> model step).     */

/* Holds what the detector's options borrow: the class and extra-input names. */
typedef struct mqttids_detect_classifier {
    const mqttids_model *model;     /* borrowed; NULL: the record's own label passes through */
    const char *names[64];          /* class names (borrowed from the model or static) */
    const char *extra[64];          /* the model's extra input names */
    int nclasses;
} mqttids_detect_classifier;

/*
 * Sets o's classifier from model (borrowed; NULL: no model, the record's label is its
 * class, probability unknown, model id "none"): classify callback, class names, quiet
 * class, extra input names and model id. c must outlive the detector run. Errors:
 * MQTTIDS_ERR_INVALID (over 64 classes or extra inputs; errbuf says which).
 */
mqttids_err mqttids_detect_classifier_init(mqttids_detect_classifier *c, const mqttids_model *model,
                                           mqttids_detect_opts *o, char errbuf[MQTTIDS_ERRBUF_SIZE]);

#ifdef __cplusplus
}
#endif
#endif
