/*
 * mqttids/stream.h: records on Kafka: the consumer-group detector that classifies records
 * and publishes alerts with at-least-once delivery. It includes the record format
 * (mqttids/record.h) and the Kafka clients (mqttids/kafka.h: settings, mock cluster,
 * producer, whole-topic reader). The feed job is mqttids/feed.h; alerts and decisions
 * mqttids/detect.h.
 *
 * Not here: the model itself (mqttids/model.h; the detector takes a classify callback so
 * this module does not depend on a learner), PostgreSQL (mqttids/store.h).
 *
 * Formats: docs/FORMATS.md, "Kafka record format". Design of the at-least-once detector:
 * docs/internals/stream.md.
 *
 * Kafka parts need a build with MQTTIDS_WITH_KAFKA (librdkafka); without it they return
 * MQTTIDS_ERR_UNSUPPORTED. The codec always works.
 */
#ifndef MQTTIDS_STREAM_H
#define MQTTIDS_STREAM_H

#include <signal.h>
#include "mqttids/dataset.h"
#include "mqttids/kafka.h"
#include "mqttids/record.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------- */
/* Detector: a consumer-group member that classifies records and publishes alerts.    */

/* Classifies one record: *cls a class index into the detector's class names, *prob its
 * probability (NaN when unknown). Returns 0, or non-zero when the record cannot be
 * classified (counted as failed, no alert, still committed). */
typedef int (*mqttids_classify_fn)(void *user, const mqttids_record *r, int *cls, double *prob);

/* Called for each classified record, before its offset can be committed (a sink such as a
 * per-record log or PostgreSQL). Return non-zero to stop the detector with an error. */
typedef int (*mqttids_record_fn)(void *user, uint64_t id, const char *flow, size_t flow_len, int cls,
                                 double prob, int32_t partition, int64_t offset);

/* Called before offsets are committed: flush the record sink. Non-zero stops with an error. */
typedef int (*mqttids_sync_fn)(void *user);

/* Called for each alert the detector decided to send (mqttids/detect.h), before it is
 * produced: a second output such as PostgreSQL. Non-zero stops the detector with an error. */
struct mqttids_alert;
typedef int (*mqttids_alert_fn)(void *user, const struct mqttids_alert *a);

/* Called for each malformed record (skipped); msg names partition, offset and the rule. */
typedef void (*mqttids_malformed_fn)(void *user, int32_t partition, int64_t offset, const char *msg);

typedef struct mqttids_detect_stats {
    uint64_t consumed;        /* messages read from the topic */
    uint64_t classified;      /* records classified */
    uint64_t malformed;       /* messages skipped as malformed */
    uint64_t classify_failed; /* records the classifier refused */
    uint64_t alerted;         /* alerts produced */
    uint64_t acked;           /* alerts acknowledged by the brokers */
    uint64_t committed;       /* messages whose offsets were committed */
    uint64_t rebalances;      /* assignments received */
    int64_t lag;              /* sum over assigned partitions of high watermark - position (-1 unknown) */
    int32_t partitions;       /* partitions assigned now */
    double seconds;           /* since start */
    double busy_seconds;      /* from the first message to the last acknowledgement */
    double classify_seconds;  /* time in the classify callback (timed on every 8th record, x8) */
    double first_unix;        /* wall clock of the first message (0 none) */
    double last_ack_unix;     /* wall clock of the last acknowledgement/commit-ready record */
    uint64_t retention_skipped; /* records deleted by retention between a partition's start (committed
                                   offset, or 0 with auto.offset.reset earliest) and its first message read;
                                   each gap is also logged (MQTTIDS_LOG_WARN) */
} mqttids_detect_stats;

/* Called about every stats_interval_ms with the running counters. */
typedef void (*mqttids_stats_fn)(void *user, const mqttids_detect_stats *st);

typedef struct mqttids_detect_opts {
    const char *topic;
    const char *alerts_topic;          /* NULL: "<topic>.alerts" */
    const char *group;
    mqttids_classify_fn classify;
    void *classify_user;
    const char *const *class_names;    /* nclasses names (borrowed) */
    int nclasses;
    int quiet_class;                   /* class never alerted unless alert_all (-1: none); default 0, legitimate */
    int alert_all;                     /* alert on every record (coverage tests, audits) */
    int alert_by;                      /* mqttids_alert_by: packet (default) or connection (the record key);
                                        * host is refused (records carry no addresses) */
    double alert_window_s;             /* connection: alert again after this many seconds (0: once) */
    double min_probability;            /* no alert below this probability (0: all) */
    size_t max_groups;                 /* connections remembered (0: MQTTIDS_DETECT_DEFAULT_MAX_GROUPS) */
    const char *model_id;              /* goes into each alert */
    mqttids_stream_format alert_format;/* alerts are always JSON in v1; reserved */
    const char *const *extra_names;    /* extra record fields the classifier needs (borrowed) */
    size_t n_extra;
    uint64_t max_records;              /* stop after this many messages are done (0: never) */
    int idle_exit_ms;                  /* stop when nothing arrived for this long since the last message or the
                                        * first assignment (0: never) */
    int commit_interval_ms;            /* default 200 */
    int stats_interval_ms;             /* default 1000 */
    const volatile sig_atomic_t *stop; /* set non-zero to shut down cleanly */
    mqttids_record_fn on_record;       /* may be NULL */
    mqttids_sync_fn on_sync;           /* may be NULL */
    mqttids_malformed_fn on_malformed; /* may be NULL */
    mqttids_stats_fn on_stats;         /* may be NULL */
    mqttids_alert_fn on_alert;         /* may be NULL */
    void *user;                        /* passed to the five callbacks above */
} mqttids_detect_opts;

/* Defaults: quiet_class 0, commit every 200 ms, stats every 1000 ms, everything else 0/NULL. */
void mqttids_detect_opts_init(mqttids_detect_opts *o);

/*
 * Runs the detector until *o->stop, max_records or idle_exit_ms; then flushes the alerts,
 * commits what they cover and leaves the group. Offsets are committed only for messages
 * whose alerts were acknowledged (at-least-once; docs/internals/stream.md). st receives
 * the final counters. A failed alert delivery stops it with MQTTIDS_ERR_KAFKA and commits
 * nothing past the failed record.
 * Returns: MQTTIDS_OK on success, else MQTTIDS_ERR_INVALID, MQTTIDS_ERR_KAFKA,
 * MQTTIDS_ERR_IO (the record sink or an alert output failed), MQTTIDS_ERR_NOMEM,
 * MQTTIDS_ERR_UNSUPPORTED (mqttids/common.h).
 */
mqttids_err mqttids_stream_detect(const mqttids_kconf *kc, const mqttids_detect_opts *o,
                                  mqttids_detect_stats *st /* OUT */, char errbuf[MQTTIDS_ERRBUF_SIZE]);

#ifdef __cplusplus
}
#endif
#endif
