/*
 * capture_int.h: internals of the capture module: the packet decoder (link, IP, TCP),
 * the TCP stream table (per-stream state, bounded: cap + idle timeout, LRU eviction),
 * tshark's TCP sequence analysis and MQTT reassembly, and the MQTT field decoder.
 *
 * Invariants: every read from packet bytes is bounds-checked; a stream's reassembly
 * buffer never exceeds the capture's max_pdu; the stream table never holds more than
 * max_streams entries. Per-stream state is cap_stream: a later issue (flow-context
 * features) adds its own fields there (see the "extension" comment).
 */
#ifndef MQTTIDS_CAPTURE_INT_H
#define MQTTIDS_CAPTURE_INT_H

#include <stddef.h>
#include <stdint.h>
#include "mqttids/capture.h"
#include "capture/context_int.h"
#include "util/util_int.h"

/* ---------------------------------------------------------------------------------- */
/* Fields of one row, as tshark prints them (before the MQTTset formatting).          */

/* The printed text of a TEXT feature (hex for bytes), NUL-terminated after len; a util_buf
   refilled for every packet. */
typedef util_buf cap_text;

typedef struct cap_fields {
    uint64_t set;            /* bit f: feature f present (printed, maybe empty text) */
    uint64_t v[MQTTIDS_NFEAT]; /* integer value (tcp.time_delta: nanoseconds, signed in u64) */
    cap_text msg, protoname, willmsg, willtopic; /* TEXT features */
    uint8_t viol;            /* first MQTT protocol violation in this packet (CAP_VIOL_*), 0: none */
} cap_fields;

/* Protocol violations the MQTT decoder sees (ctx.pkt_malformed_reason; docs/internals/context.md). */
enum {
    CAP_VIOL_NONE = 0,
    CAP_VIOL_RESERVED_TYPE,  /* packet type 0 or 15 */
    CAP_VIOL_LENGTH_FIELD,   /* remaining length in more than 4 bytes */
    CAP_VIOL_HEADER_FLAGS,   /* fixed-header flags not allowed for the type (PUBLISH QoS 3 included) */
    CAP_VIOL_TRUNCATED,      /* a field runs past the end of the message */
    CAP_VIOL_PROTOCOL,       /* CONNECT: protocol name or level unknown */
    CAP_VIOL_CONNECT_FLAGS,  /* CONNECT: reserved flag, password without user name, will bits without will */
    CAP_VIOL_SECOND_CONNECT, /* a CONNECT after the session's first one */
    CAP_VIOL_TOPIC,          /* PUBLISH topic with a wildcard or empty, SUBSCRIBE without filters / bad QoS */
    CAP_VIOL_DIRECTION,      /* a client-only message from the server or the reverse (context.c) */
};

/* Records violation v for the row (the first one stays). */
static inline void cap_viol(struct cap_fields *f, uint8_t v)
{
    if (!f->viol)
        f->viol = v;
}

/* Sets feature f to v unless already set (first occurrence wins). */
static inline void cap_set(cap_fields *f, int feat, uint64_t v)
{
    if (!(f->set & ((uint64_t)1 << feat))) {
        f->set |= (uint64_t)1 << feat;
        f->v[feat] = v;
    }
}
static inline int cap_has(const cap_fields *f, int feat)
{
    return (f->set >> feat) & 1;
}

/* ---------------------------------------------------------------------------------- */
/* The TCP stream table.                                                              */

typedef struct cap_key {
    uint8_t a[16], b[16]; /* addresses, a <= b (canonical order) */
    uint16_t pa, pb;      /* ports of a and b */
    uint8_t v6;
    uint8_t pad[3];       /* zero: the key is hashed and compared as 40 bytes */
} cap_key;

/* One direction of a stream: tshark's per-flow sequence analysis + MQTT reassembly. */
typedef struct cap_dir {
    uint32_t base_seq;
    uint32_t nextseq;       /* highest seq + len (+1 for SYN/FIN) seen */
    uint32_t lastack;
    uint32_t window;
    int64_t nextseq_ns;     /* time nextseq last advanced */
    int64_t lastack_ns;     /* time of the last segment of this direction */
    int dupacknum;
    uint8_t base_set, nextseq_set, last_keepalive;
    /* MQTT reassembly: bytes of a message that does not end in the segments seen so far */
    uint8_t *pend;          /* owned */
    size_t pend_len, pend_cap;
    uint32_t pend_start;    /* seq of the pending message's first byte */
    uint32_t pend_next;     /* seq of the byte that must come next */
    uint32_t pend_end;      /* seq where the pending message ends (0 with pend_more) */
    uint8_t pend_on, pend_more; /* pend_more: length unknown yet (one more segment) */
    uint8_t pend_hole;      /* started in a snap-truncated segment: never completes */
} cap_dir;

typedef struct cap_stream {
    cap_key key;
    uint64_t index;         /* tcp.stream */
    int64_t last_ns;        /* time of the last packet (tcp.time_delta reference) */
    int64_t syn_ns;         /* time of the first SYN, for the initial RTT */
    int64_t first_rtt_ns;   /* tshark's tcp.analysis.initial_rtt (0: unknown) */
    uint8_t mqtt_version;   /* MQTT protocol level from the last CONNECT (0: none seen) */
    uint8_t syn_from_a;     /* the SYN came from key.a */
    uint8_t syn_opener;     /* the sender of the stream's first SYN without ACK (the client):
                               1 key.a, 2 key.b, 0 none seen (mqttids_flow.syn_client) */
    uint8_t mqtt_connects;  /* CONNECTs decoded in this stream (saturates at 255) */
    cap_dir d[2];           /* [0]: from key.a to key.b, [1]: the other way */
    /* extension: flow-context state goes here (later issue) */
    cap_ctx_stream ctx;     /* flow-context counters (context.c; zero when context is off) */
    struct cap_stream *hnext;            /* hash chain */
    struct cap_stream *lru_prev, *lru_next; /* least recently seen first */
} cap_stream;

typedef struct cap_table {
    cap_stream **buckets;   /* owned */
    size_t nbuckets, count, max;
    int64_t idle_ns;        /* 0: no idle expiry */
    cap_stream *lru_head, *lru_tail;
    uint64_t next_index, evicted;
    size_t pend_bytes;      /* reassembly buffers of all streams (capacity), bytes */
    size_t pend_max;        /* budget for pend_bytes */
} cap_table;

int capture__table_init(cap_table *t, size_t max_streams, double idle_s);
void capture__table_free(cap_table *t);
/* Finds the stream of key (creating it when absent: *created = 1). NULL on no memory. */
cap_stream *capture__table_get(cap_table *t, const cap_key *key, int64_t now_ns, int *created);
/* Starts a new stream in place of s (tshark: a SYN reusing a finished conversation's ports). */
void capture__stream_reset(cap_table *t, cap_stream *s);
/* Drops streams idle longer than the timeout (and beyond the cap). */
void capture__table_expire(cap_table *t, int64_t now_ns);

/* ---------------------------------------------------------------------------------- */
/* Decoding.                                                                          */

typedef struct cap_decoder {
    cap_table table;
    uint16_t ports[MQTTIDS_CAPTURE_MAX_PORTS];
    int nports;
    size_t max_pdu;
    cap_fields f;           /* the current row */
    uint64_t mqtt_rows;
    cap_ctx *ctx;           /* flow context (context.c), NULL when off; owned by capture.c */
    uint32_t *port_rows;    /* owned: 65536 counters, TCP packets per port (either end), NULL if no memory */
} cap_decoder;

int capture__decoder_init(cap_decoder *d, const mqttids_capture_opts *o);
void capture__decoder_free(cap_decoder *d);

/*
 * Decodes one packet of link type dlt (pcap DLT_*). Returns 1 when it is a TCP packet
 * (d->f holds the row, flow is filled), 0 when it is not (skipped), -1 on no memory.
 */
int capture__decode_packet(cap_decoder *d, int dlt, const uint8_t *pkt, size_t caplen,
                           int64_t ts_ns, mqttids_flow *flow);

/*
 * MQTT: dissects one whole MQTT message (len bytes, as tcp_dissect_pdus hands it) into
 * d->f, stopping where tshark would raise an exception. s gives/keeps the protocol level.
 */
void capture__mqtt_pdu(cap_fields *f, cap_stream *s, const uint8_t *p, size_t len);
/* The same for a message of replen bytes of which only caplen were captured (snap length). */
void capture__mqtt_pdu_cut(cap_fields *f, cap_stream *s, const uint8_t *p, size_t replen, size_t caplen);
/*
 * tshark's get_mqtt_pdu_len: total length of the message starting at p (avail bytes),
 * 0 when the length field runs past the data (tshark: exception, stop).
 */
uint64_t capture__mqtt_pdu_len(const uint8_t *p, size_t avail);

/* Fills rec from fields (strings borrowed from f and from buf, 4 x 11 bytes). */
void capture__fields_to_record(const cap_fields *f, mqttids_record *rec, char hexbuf[4][12]);

/* The packet loop under mqttids_capture_next: the row stays in the fields (capture.c). */
mqttids_err capture__next_fields(mqttids_capture *cap, mqttids_flow *flow, mqttids_capture_status *status,
                                 char *errbuf);
const cap_fields *capture__fields(const mqttids_capture *cap);

/* Text helpers. */
int capture__text_set_hex(cap_text *t, const uint8_t *p, size_t n, size_t max);
int capture__text_set_utf8(cap_text *t, const uint8_t *p, size_t n, size_t max);

#endif
