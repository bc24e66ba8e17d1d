/*
 * stream_int.h: internals shared by the stream module's files: growable scratch bytes,
 * the at-least-once offset tracker (tracker.c) and the librdkafka glue
 * (kafka.c: client settings and the one producer configuration). Internal only.
 */
#ifndef MQTTIDS_STREAM_INT_H
#define MQTTIDS_STREAM_INT_H

#include <stddef.h>
#include <stdint.h>
#include "mqttids/config.h"
#include "mqttids/stream.h"
#include "util/util_int.h"

/* Hard cap of the stream module's buffers (util_buf max): records, alerts, decoded strings. */
#define STREAM_BYTES_MAX ((size_t)64 << 20)

/*
 * The at-least-once tracker: messages in the order they were consumed, each with the
 * number of alerts still unacknowledged. A message is done when that count is 0; the
 * commit point of a partition is one past the last message of a done prefix of the whole
 * sequence (a pending message holds back every later one, on any partition: simple, and
 * commits stay correct). Entry handles (seq) are stable across growth.
 */
typedef struct stream_tracker_ent {
    int32_t partition;
    int64_t offset;
    uint32_t pending; /* alerts not yet acknowledged */
    uint8_t failed;   /* an alert of this message failed: never done */
} stream_tracker_ent;

typedef struct stream_tracker {
    stream_tracker_ent *ring; /* owned, cap entries, index seq & (cap - 1) */
    size_t cap;
    uint64_t head, tail;      /* live seqs are [head, tail) */
    int64_t *commit;          /* per partition: next offset to commit (-1 none); owned */
    uint8_t *dirty;           /* per partition: commit advanced since last taken */
    int32_t npart;
    uint64_t done_total;      /* messages popped as done */
} stream_tracker;

void stream__tracker_init(stream_tracker *t);
void stream__tracker_free(stream_tracker *t);
/* Appends a message with `pending` alerts outstanding; *seq receives its handle. -1 on no memory. */
int stream__tracker_add(stream_tracker *t, int32_t partition, int64_t offset, uint32_t pending, uint64_t *seq);
/* One alert of message seq was acknowledged (ok != 0) or failed. */
void stream__tracker_ack(stream_tracker *t, uint64_t seq, int ok);
/* Pops the done prefix, advancing per-partition commit points. Returns how many popped. */
uint64_t stream__tracker_advance(stream_tracker *t);
/* Messages still held (pending or behind a pending one). */
static inline uint64_t stream__tracker_held(const stream_tracker *t) { return t->tail - t->head; }
/* Whether the head message has failed (the detector must stop). */
int stream__tracker_head_failed(const stream_tracker *t);
/* Forgets everything about these partitions' held messages is not possible without a
 * flush: callers flush first, then call this to drop all state (after a revoke). */
void stream__tracker_reset(stream_tracker *t);

/* JSON string escaping into b (quotes included). */
int stream__json_str(util_buf *b, const char *s, size_t len);

#if MQTTIDS_WITH_KAFKA
#include <librdkafka/rdkafka.h>
/* A new rd_kafka_conf_t from kc (bootstrap + -X pairs); errbuf on a bad pair. */
rd_kafka_conf_t *stream__conf(const mqttids_kconf *kc, char *errbuf);
/* Applies one more key=value to conf; returns 0 or -1 with errbuf. */
int stream__conf_set(rd_kafka_conf_t *conf, const char *key, const char *val, char *errbuf);
/* Sets key=val on conf unless a -X pair of kc gave that key (our defaults yield). */
int stream__conf_default(const mqttids_kconf *kc, rd_kafka_conf_t *conf, const char *key, const char *val,
                         char *errbuf);
/*
 * The one producer configuration (records, alerts, feeds): kc's settings, our throughput
 * defaults where -X did not set them (linger.ms 5, batch.num.messages 10000, a 1M-message
 * / 1 GiB local queue), delivery reports to dr with opaque. Returns the handle, or NULL
 * with *err (INVALID for a bad setting, KAFKA) and errbuf naming what (e.g. "producer").
 */
rd_kafka_t *stream__producer_new(const mqttids_kconf *kc, const char *what,
                                 void (*dr)(rd_kafka_t *, const rd_kafka_message_t *, void *), void *opaque,
                                 mqttids_err *err, char *errbuf);
#endif

#endif
