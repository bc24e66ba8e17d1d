/*
 * mqttids/kafka.h: Kafka clients: settings (brokers, -X pairs), librdkafka's mock cluster,
 * a producer that replays a dataset, captures or text lines into a topic keyed by flow,
 * and a whole-topic reader. Needs a build with MQTTIDS_WITH_KAFKA (librdkafka); without
 * it every call returns MQTTIDS_ERR_UNSUPPORTED. The detector is mqttids/stream.h.
 */
#ifndef MQTTIDS_KAFKA_H
#define MQTTIDS_KAFKA_H

#include <signal.h>
#include "mqttids/record.h"

#ifdef __cplusplus
extern "C" {
#endif

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
 * Also returns MQTTIDS_ERR_INVALID, MQTTIDS_ERR_NOMEM (mqttids/common.h).
 */
mqttids_err mqttids_kconf_brokers(mqttids_kconf *kc, const char *brokers, char errbuf[MQTTIDS_ERRBUF_SIZE]);
/* The bootstrap list clients use (the mock cluster's address for "mock"). Borrowed; NULL if unset. */
const char *mqttids_kconf_bootstrap(const mqttids_kconf *kc);
/* The embedded mock cluster of "mock" brokers (borrowed), or NULL. */
mqttids_mock *mqttids_kconf_mock(mqttids_kconf *kc);
/* Adds one "key=value" setting (checked by librdkafka when a client is made).
   Returns: MQTTIDS_OK on success, else MQTTIDS_ERR_INVALID, MQTTIDS_ERR_NOMEM (mqttids/common.h). */
mqttids_err mqttids_kconf_set(mqttids_kconf *kc, const char *key_eq_value, char errbuf[MQTTIDS_ERRBUF_SIZE]);

/* ---------------------------------------------------------------------------------- */
/* Mock cluster.                                                                      */

/*
 * librdkafka's mock brokers keep only the newest few MB of each partition (older
 * messages are dropped, as by log retention): a consumer more than that behind loses
 * records. Give topics enough partitions for the backlog (mqttids_mock_topic_create).
 */

/* Starts a mock cluster of nbrokers (1..16) in this process. Caller frees with mqttids_mock_free.
   Returns: MQTTIDS_OK on success, else MQTTIDS_ERR_INVALID, MQTTIDS_ERR_KAFKA, MQTTIDS_ERR_NOMEM
   (mqttids/common.h). */
mqttids_err mqttids_mock_new(int nbrokers, mqttids_mock **out /* OUT */, char errbuf[MQTTIDS_ERRBUF_SIZE]);
/* "127.0.0.1:port,...": give it to other processes as --brokers. Borrowed. */
const char *mqttids_mock_bootstrap(const mqttids_mock *m);
/* Creates a topic with that many partitions (auto-created topics get 4).
   Returns: MQTTIDS_OK on success, else MQTTIDS_ERR_INVALID, MQTTIDS_ERR_KAFKA (mqttids/common.h). */
mqttids_err mqttids_mock_topic_create(mqttids_mock *m, const char *topic, int partitions,
                                      char errbuf[MQTTIDS_ERRBUF_SIZE]);
/* Stops the cluster; NULL is fine. */
void mqttids_mock_free(mqttids_mock *m);

/*
 * Creates a topic on the cluster of kc (Admin API CreateTopics): partitions >= 1,
 * replication >= 1 (or -1: the broker's default). A topic that exists already is
 * MQTTIDS_ERR_INVALID with "already exists" in errbuf (*exists set to 1 when given).
 * Returns: MQTTIDS_OK on success, else MQTTIDS_ERR_INVALID, MQTTIDS_ERR_KAFKA,
 * MQTTIDS_ERR_NOMEM, MQTTIDS_ERR_UNSUPPORTED (mqttids/common.h).
 */
mqttids_err mqttids_stream_create_topic(const mqttids_kconf *kc, const char *topic, int partitions, int replication,
                                        int *exists /* OUT, may be NULL */, char errbuf[MQTTIDS_ERRBUF_SIZE]);

/* ---------------------------------------------------------------------------------- */
/* Producer.                                                                          */

typedef struct mqttids_producer mqttids_producer;

/* A producer for kc (copied). Caller frees with mqttids_producer_free (which flushes for up to 10 s).
   Returns: MQTTIDS_OK on success, else MQTTIDS_ERR_INVALID, MQTTIDS_ERR_KAFKA, MQTTIDS_ERR_NOMEM
   (mqttids/common.h). */
mqttids_err mqttids_producer_new(const mqttids_kconf *kc, mqttids_producer **out /* OUT */,
                                 char errbuf[MQTTIDS_ERRBUF_SIZE]);
/* Queues one message (key may be NULL); waits while the local queue is full.
   Returns: MQTTIDS_OK on success, else MQTTIDS_ERR_KAFKA (mqttids/common.h). */
mqttids_err mqttids_producer_send(mqttids_producer *p, const char *topic,
                                  const void *key, size_t klen, const void *val, size_t vlen,
                                  char errbuf[MQTTIDS_ERRBUF_SIZE]);
/*
 * Waits until every queued message is acknowledged or failed (timeout_ms < 0: forever).
 * *delivered and *failed (may be NULL) receive the totals so far. A timeout or any failed
 * message returns MQTTIDS_ERR_KAFKA with the first delivery error in errbuf.
 * Returns: MQTTIDS_OK on success, else MQTTIDS_ERR_INTERRUPTED, MQTTIDS_ERR_KAFKA
 * (mqttids/common.h).
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
 * Returns: MQTTIDS_OK on success, else MQTTIDS_ERR_INTERRUPTED, MQTTIDS_ERR_INVALID,
 * MQTTIDS_ERR_KAFKA, MQTTIDS_ERR_NOMEM, MQTTIDS_ERR_NOT_FOUND (mqttids/common.h).
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
 * Also returns MQTTIDS_ERR_INTERRUPTED, MQTTIDS_ERR_INVALID, MQTTIDS_ERR_NET,
 * MQTTIDS_ERR_NOT_FOUND, MQTTIDS_ERR_UNSUPPORTED (mqttids/common.h).
 */
mqttids_err mqttids_stream_produce_captures(mqttids_producer *p, const char *const *paths, int n,
                                           const mqttids_capture_file_opts *fo, const mqttids_produce_opts *o,
                                           mqttids_produce_report *rep /* OUT */,
                                           char errbuf[MQTTIDS_ERRBUF_SIZE]);
/*
 * Sends each line of each text file ("-": stdin) as one message, newline stripped, keyed
 * by its line number over all files (from 0); then flushes. Errors: MQTTIDS_ERR_IO (a file
 * cannot be opened), the producer's send and flush errors.
 * Also returns MQTTIDS_ERR_INTERRUPTED, MQTTIDS_ERR_KAFKA (mqttids/common.h).
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
 * of messages seen. A topic that does not exist is MQTTIDS_ERR_NOT_FOUND. Records already
 * deleted by retention (a partition's low watermark above 0) are logged (MQTTIDS_LOG_WARN).
 * Returns: MQTTIDS_OK on success, else MQTTIDS_ERR_INVALID, MQTTIDS_ERR_KAFKA,
 * MQTTIDS_ERR_NOMEM, MQTTIDS_ERR_NOT_FOUND (mqttids/common.h).
 */
mqttids_err mqttids_stream_read_topic(const mqttids_kconf *kc, const char *topic, int idle_ms,
                                      const volatile sig_atomic_t *stop, mqttids_msg_fn fn, void *user,
                                      uint64_t *n /* OUT */, char errbuf[MQTTIDS_ERRBUF_SIZE]);

#ifdef __cplusplus
}
#endif
#endif
