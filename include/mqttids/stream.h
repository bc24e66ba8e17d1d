/*
 * mqttids/stream.h: records on Kafka. The versioned record format (JSON with the MQTTset
 * field names, or a compact binary form), a producer that replays a dataset into a topic,
 * the consumer-group detector that classifies records and publishes alerts with
 * at-least-once delivery, librdkafka's mock cluster and a whole-topic reader. The feed
 * job's parser and word counter are mqttids/feed.h; alerts and decisions mqttids/detect.h.
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
 */
mqttids_err mqttids_codec_set_extras(mqttids_codec *c, const char *const *names, size_t n);

/*
 * Encodes one record with its unique id. *out (borrowed from c, valid until the next call
 * on c) and *len receive the bytes. The record's label goes out as "target" when >= 0.
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
 */
mqttids_err mqttids_codec_decode(mqttids_codec *c,
                                 const void *data,
                                 size_t len,
                                 mqttids_record *r, /* OUT */
                                 uint64_t *id,      /* OUT */
                                 char errbuf[MQTTIDS_ERRBUF_SIZE]);

/* ---------------------------------------------------------------------------------- */
/* Kafka settings.                                                                    */

/* Client settings: bootstrap brokers plus kcat-style -X key=value pairs. */
typedef struct mqttids_kconf mqttids_kconf;
typedef struct mqttids_mock mqttids_mock;

mqttids_kconf *mqttids_kconf_new(void);
/* Frees kc and the embedded mock cluster it may hold; NULL is fine. */
void mqttids_kconf_free(mqttids_kconf *kc);
/*
 * Sets the brokers: "host:port[,host:port...]", or "mock", which starts librdkafka's
 * in-process mock cluster (3 brokers) owned by kc; every client made from kc then talks
 * to it. Returns MQTTIDS_ERR_KAFKA when the mock cluster cannot start.
 */
mqttids_err mqttids_kconf_brokers(mqttids_kconf *kc, const char *brokers, char errbuf[MQTTIDS_ERRBUF_SIZE]);
/* The bootstrap list clients use (the mock cluster's address for "mock"). Borrowed; NULL if unset. */
const char *mqttids_kconf_bootstrap(const mqttids_kconf *kc);
/* The embedded mock cluster of "mock" brokers (borrowed), or NULL. */
mqttids_mock *mqttids_kconf_mock(mqttids_kconf *kc);
/* Adds one "key=value" setting (checked by librdkafka when a client is made). */
mqttids_err mqttids_kconf_set(mqttids_kconf *kc, const char *key_eq_value, char errbuf[MQTTIDS_ERRBUF_SIZE]);

/* ---------------------------------------------------------------------------------- */
/* Mock cluster.                                                                      */

/*
 * librdkafka's mock brokers keep only the newest few MB of each partition (older
 * messages are dropped, as by log retention): a consumer more than that behind loses
 * records. Give topics enough partitions for the backlog (mqttids_mock_topic_create).
 */

/* Starts a mock cluster of nbrokers (1..16) in this process. Caller frees with mqttids_mock_free. */
mqttids_err mqttids_mock_new(int nbrokers, mqttids_mock **out /* OUT */, char errbuf[MQTTIDS_ERRBUF_SIZE]);
/* "127.0.0.1:port,...": give it to other processes as --brokers. Borrowed. */
const char *mqttids_mock_bootstrap(const mqttids_mock *m);
/* Creates a topic with that many partitions (auto-created topics get 4). */
mqttids_err mqttids_mock_topic_create(mqttids_mock *m, const char *topic, int partitions,
                                      char errbuf[MQTTIDS_ERRBUF_SIZE]);
/* Stops the cluster; NULL is fine. */
void mqttids_mock_free(mqttids_mock *m);

/*
 * Creates a topic on the cluster of kc (Admin API CreateTopics): partitions >= 1,
 * replication >= 1 (or -1: the broker's default). A topic that exists already is
 * MQTTIDS_ERR_INVALID with "already exists" in errbuf (*exists set to 1 when given).
 */
mqttids_err mqttids_stream_create_topic(const mqttids_kconf *kc, const char *topic, int partitions, int replication,
                                        int *exists /* OUT, may be NULL */, char errbuf[MQTTIDS_ERRBUF_SIZE]);

/* ---------------------------------------------------------------------------------- */
/* Producer.                                                                          */

typedef struct mqttids_producer mqttids_producer;

/* A producer for kc (copied). Caller frees with mqttids_producer_free (which flushes for up to 10 s). */
mqttids_err mqttids_producer_new(const mqttids_kconf *kc, mqttids_producer **out /* OUT */,
                                 char errbuf[MQTTIDS_ERRBUF_SIZE]);
/* Queues one message (key may be NULL); waits while the local queue is full. */
mqttids_err mqttids_producer_send(mqttids_producer *p, const char *topic,
                                  const void *key, size_t klen, const void *val, size_t vlen,
                                  char errbuf[MQTTIDS_ERRBUF_SIZE]);
/*
 * Waits until every queued message is acknowledged or failed (timeout_ms < 0: forever).
 * *delivered and *failed (may be NULL) receive the totals so far. A timeout or any failed
 * message returns MQTTIDS_ERR_KAFKA with the first delivery error in errbuf.
 */
mqttids_err mqttids_producer_flush(mqttids_producer *p, int timeout_ms, uint64_t *delivered, uint64_t *failed,
                                   char errbuf[MQTTIDS_ERRBUF_SIZE]);
/* Waits in this producer (connecting, flushing, freeing) end early once *stop (borrowed,
   may be NULL) becomes non-zero; a flush then returns MQTTIDS_ERR_INTERRUPTED. */
void mqttids_producer_set_stop(mqttids_producer *p, const volatile sig_atomic_t *stop);
/* Waits up to timeout_ms for any broker to answer a metadata request (fail fast on a wrong
   address). Errors: MQTTIDS_ERR_KAFKA (librdkafka's reason), MQTTIDS_ERR_INTERRUPTED. */
mqttids_err mqttids_producer_ping(mqttids_producer *p, int timeout_ms, char errbuf[MQTTIDS_ERRBUF_SIZE]);
/*
 * After a flush: how many of the messages delivered to the last topic the brokers no
 * longer hold (*lost), from each partition's low watermark against the first offset
 * delivered there. Non-zero means retention dropped records before anyone could read
 * them (librdkafka's mock brokers keep about 5 MB per partition). Errors: MQTTIDS_ERR_KAFKA.
 */
mqttids_err mqttids_producer_lost(mqttids_producer *p, int timeout_ms, uint64_t *lost /* OUT */,
                                  char errbuf[MQTTIDS_ERRBUF_SIZE]);
void mqttids_producer_free(mqttids_producer *p);

/* How a record's Kafka key (its flow) is chosen; see docs/FORMATS.md. */
typedef struct mqttids_produce_opts {
    const char *topic;
    mqttids_stream_format format;  /* default JSON */
    double rate;                   /* records per second; 0: as fast as possible */
    const char *key_column;        /* extra column holding a stream/flow id; NULL: "tcp.stream" if present */
    uint64_t id_base;              /* record ids are id_base + row index */
    const volatile sig_atomic_t *stop; /* set non-zero (e.g. by a signal handler) to stop early; may be NULL */
    mqttids_progress_fn progress;  /* rows sent / total; may be NULL */
    void *progress_user;
} mqttids_produce_opts;

/* Defaults: JSON, no rate limit, key column auto, ids from 0. */
void mqttids_produce_opts_init(mqttids_produce_opts *o);

typedef struct mqttids_produce_report {
    uint64_t sent;        /* records queued */
    uint64_t delivered;   /* acknowledged by the brokers */
    uint64_t failed;      /* delivery failed */
    uint64_t bytes;       /* payload bytes queued */
    double seconds;       /* first send to last acknowledgement */
    double start_unix;    /* wall-clock time of the first send */
    char key_rule[80];    /* "column tcp.stream" or "row index" */
    uint64_t lost;        /* delivered, then dropped by the brokers' retention (unread) */
} mqttids_produce_report;

/*
 * Sends every row of ds (in order) to o->topic, keyed by flow, then flushes. Stops early
 * (MQTTIDS_ERR_INTERRUPTED, after flushing what was sent) when *o->stop becomes non-zero.
 */
mqttids_err mqttids_stream_produce(mqttids_producer *p, const mqttids_dataset *ds,
                                   const mqttids_produce_opts *o, mqttids_produce_report *rep /* OUT */,
                                   char errbuf[MQTTIDS_ERRBUF_SIZE]);

/* Capture rows as records (mqttids_stream_produce_captures). */
typedef struct mqttids_capture_file_opts {
    int label;   /* class of every row (MQTTIDS_CLASS_*), -1: none */
    int context; /* add the flow-context columns ctx.* as extra fields (JSON format only) */
} mqttids_capture_file_opts;

/*
 * Sends the TCP rows of each capture file (pcap/pcapng, in order) to o->topic, keyed by
 * the TCP stream index (tshark tcp.stream), ids o->id_base + row, at o->rate; then
 * flushes. rep (always filled) counts sent/delivered/failed/bytes. Stops early at *o->stop.
 * Errors: those of mqttids_capture_open_file/next (PCAP, MALFORMED, IO), MQTTIDS_ERR_KAFKA
 * (errbuf names the file and the row), the producer's flush error, NOMEM.
 */
mqttids_err mqttids_stream_produce_captures(mqttids_producer *p, const char *const *paths, int n,
                                           const mqttids_capture_file_opts *fo, const mqttids_produce_opts *o,
                                           mqttids_produce_report *rep /* OUT */,
                                           char errbuf[MQTTIDS_ERRBUF_SIZE]);
/*
 * Sends each line of each text file ("-": stdin) as one message, newline stripped, keyed
 * by its line number over all files (from 0); then flushes. Errors: MQTTIDS_ERR_IO (a file
 * cannot be opened), the producer's send and flush errors.
 */
mqttids_err mqttids_stream_produce_lines(mqttids_producer *p, const char *const *paths, int n,
                                        const mqttids_produce_opts *o, mqttids_produce_report *rep /* OUT */,
                                        char errbuf[MQTTIDS_ERRBUF_SIZE]);

/* ---------------------------------------------------------------------------------- */
/* Whole-topic reader (no consumer group, commits nothing).                           */

/* Called per message; return non-zero to stop reading. key/val are borrowed for the call. */
typedef int (*mqttids_msg_fn)(void *user, const void *key, size_t klen, const void *val, size_t vlen,
                              int32_t partition, int64_t offset);

/*
 * Reads every partition of topic from the beginning up to the end it has when reached,
 * then, if idle_ms > 0, goes on until nothing arrives for idle_ms. *n receives the number
 * of messages seen. A topic that does not exist is MQTTIDS_ERR_NOT_FOUND.
 */
mqttids_err mqttids_stream_read_topic(const mqttids_kconf *kc, const char *topic, int idle_ms,
                                      const volatile sig_atomic_t *stop, mqttids_msg_fn fn, void *user,
                                      uint64_t *n /* OUT */, char errbuf[MQTTIDS_ERRBUF_SIZE]);

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
 */
mqttids_err mqttids_stream_detect(const mqttids_kconf *kc, const mqttids_detect_opts *o,
                                  mqttids_detect_stats *st /* OUT */, char errbuf[MQTTIDS_ERRBUF_SIZE]);

#ifdef __cplusplus
}
#endif
#endif
