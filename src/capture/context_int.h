/*
 * context_int.h: flow-context features (ctx.* columns): per TCP stream / MQTT session
 * state kept inside cap_stream, and a bounded per-source-host table (hash + LRU, size cap,
 * idle expiry). Every value is causal: it depends only on packets up to and including the
 * current one. No identity (addresses, ports, absolute times, client ids, topics) is
 * ever a value. Column list and definitions: docs/internals/context.md.
 */
#ifndef MQTTIDS_CONTEXT_INT_H
#define MQTTIDS_CONTEXT_INT_H

#include <stddef.h>
#include <stdint.h>

/* The columns, in output order. */
enum {
    CTX_STREAM_PKTS_UP = 0,
    CTX_STREAM_PKTS_DOWN,
    CTX_STREAM_BYTES_UP,
    CTX_STREAM_BYTES_DOWN,
    CTX_STREAM_AGE,
    CTX_STREAM_PKT_RATE,
    CTX_STREAM_IAT_MEAN,
    CTX_STREAM_IAT_STD,
    CTX_STREAM_SYN_SEEN,
    CTX_STREAM_FIN_RST,
    CTX_MQTT_CONNECT,
    CTX_MQTT_CONNACK,
    CTX_MQTT_PUBLISH,
    CTX_MQTT_PUBACKS,
    CTX_MQTT_SUBSCRIBE,
    CTX_MQTT_SUBACK,
    CTX_MQTT_PING,
    CTX_MQTT_DISCONNECT,
    CTX_MQTT_NONMQTT_DATA,
    CTX_SESSION_KALIVE,
    CTX_SESSION_CONFLAGS,
    CTX_SESSION_VERSION,
    CTX_SESSION_CONNACK,
    CTX_SESSION_CONNACK_FAIL,
    CTX_PUB_SIZE_MEAN,
    CTX_PUB_SIZE_MAX,
    CTX_SRC_CONN_RATE,
    CTX_SRC_CONNECT_RATE,
    CTX_SRC_FAIL_RATE,
    CTX_SRC_PKT_RATE,
    CTX_SRC_CONN_RATE_LONG,
    CTX_SRC_CONNECT_RATE_LONG,
    /* behaviour columns (docs/internals/context.md, "Behaviour columns") */
    CTX_PKT_MALFORMED,
    CTX_PKT_MALFORMED_REASON,
    CTX_CONN_MALFORMED,
    CTX_CONN_REFUSED,
    CTX_CONN_KALIVE_LONG,
    CTX_CONN_EARLY_MSGS,
    CTX_CONN_UP_MSGS_LOG2,
    CTX_CONN_ABRUPT_CLOSE,
    CTX_PUB_SIZE_REL,
    CTX_SRC_REFUSED_SHARE,
    CTX_SRC_KALIVE_LONG_SHARE,
    CTX_SRC_MALFORMED_SHARE,
    CTX_SRC_PUB_SHARE,
    CTX_SRC_CHURN_LOG2,
    CTX_SRC_ABRUPT_SHARE,
    CTX_SRC_EARLY_SHARE,
    CTX_SRC_PUB_SIZE_LOG2,
    CTX_STREAM_UP_SEG_LOG2,
    CTX_PKT_KIND,
    CTX_SRC_UP_SEG_LOG2,
    CTX_N
};

/* Per stream (lives in cap_stream; zero = fresh). */
typedef struct cap_ctx_stream {
    int64_t first_ns, last_ns;
    uint64_t bytes[2];        /* [0] client -> server, [1] server -> client */
    uint32_t pkts[2];
    uint32_t msgs[9];         /* CTX_MQTT_CONNECT .. CTX_MQTT_NONMQTT_DATA */
    uint32_t connack_fail, pub_n, pub_max;
    uint64_t pub_bytes;
    double iat_mean, iat_m2;  /* Welford over inter-arrival times, seconds */
    int32_t kalive;           /* -1: no CONNECT seen */
    int16_t conflags, connack;/* -1: none seen */
    uint8_t version, client_side, syn_seen, fin_rst, started;
    /* behaviour state */
    uint8_t connect_seen, connack_seen, disconnect_seen, refused, kalive_long, abrupt, early_counted;
    uint8_t closed, client_side_known; /* known: exactly one end is on an MQTT port */
    uint32_t viol_pkts, early_msgs, client_msgs, up_segs;
    uint64_t up_seg_bytes;
} cap_ctx_stream;

/* One source host (the client end of its streams). */
typedef struct cap_ctx_src {
    uint8_t addr[16];
    uint8_t v6, pad[7];
    int64_t last_ns;                    /* the decays' reference: its last packet as a client */
    int64_t seen_ns;                    /* last looked up (as a client or as a broker): idle expiry */
    double conn, connect, fail, pkts;   /* exponentially decayed event counts (tau 10 s) */
    double conn_l, connect_l;           /* the same over the long window (tau 300 s) */
    /* behaviour counts, decayed with tau CTX_SHARE_TAU_S; the columns are their ratios */
    double b_connack, b_refused, b_connect, b_klong, b_cmsg, b_viol, b_pub, b_pub_bytes;
    double b_syn, b_closed, b_abrupt, b_early, b_pub3, b_seg, b_seg_bytes;
    double pub_med;                     /* as a broker: running median of log2 PUBLISH sizes */
    uint32_t pub_seen;                  /* as a broker: PUBLISHes seen (median started) */
    struct cap_ctx_src *hnext, *lru_prev, *lru_next;
} cap_ctx_src;

typedef struct cap_ctx {
    cap_ctx_src **buckets;    /* owned */
    size_t nbuckets, count, max;
    int64_t idle_ns;
    cap_ctx_src *lru_head, *lru_tail; /* least recently seen first */
    uint64_t evicted;
    int64_t outk[CTX_N];      /* the current row: integers, or reals in micro-units (1e-6) */
    double out[CTX_N];        /* the same as doubles, filled by context__values */
} cap_ctx;

/* Windows (time constants) of the per-source rates, seconds. */
#define CTX_SRC_TAU_S 10.0
#define CTX_SRC_TAU_LONG_S 300.0
/* Window of the per-host behaviour shares (ratios of decayed counts), seconds. */
#define CTX_SHARE_TAU_S 60.0
/* A declared keep-alive above this (or 0: none) is "long": a session held without traffic. */
#define CTX_KALIVE_LONG_S 1200

/* Starts the context state: max_sources 0 = 65536; idle_s 0 = 1800 s. NULL on no memory. */
cap_ctx *context__new(size_t max_sources, double idle_s);
void context__free(cap_ctx *c);

/*
 * Writes v (a context value: a multiple of 1e-6, |v| < 9e12) in fixed point with at most 6
 * fraction digits ("3.0", "-1.0", "0.012345", "0.000001"); strtod gives v back exactly. Other
 * values fall back to mqttids_format_double. Returns the length (at most 40 bytes, no NUL).
 */
size_t context__format(char *out, double v);
/* Writes the current row's ",v0,v1,..." (CTX_N values, as context__format) at w (at most
 * 32 * CTX_N bytes); returns the new end. */
char *context__write_row(char *w, const cap_ctx *c);

/* The context of a capture (capture.c), NULL when opened without opts.context. */
struct mqttids_capture;
const cap_ctx *capture__ctx(const struct mqttids_capture *cap);

/* The current row's values as doubles (reals: micro-units / 1e6, correctly rounded, so the
 * CSV decimal reads back as the same double). Borrowed from c. */
const double *context__values(cap_ctx *c);

/* Names of the columns ("ctx.*"). */
const char *context__name(int k);

/*
 * Updates the context with one TCP packet and fills c->out. st is the stream's context
 * (fresh when created), from_a: the packet goes from key.a to key.b; a_addr/b_addr: the
 * key's addresses (alen bytes); a_mqtt/b_mqtt: that end's port is an MQTT port;
 * flags: TCP flags; seglen: TCP payload bytes; f: the packet's finished fields.
 * Returns 0, or -1 on no memory (then the source rates are 0 for this row).
 */
struct cap_fields;
int context__update(cap_ctx *c, cap_ctx_stream *st, int created, int from_a, const uint8_t *a_addr,
                    const uint8_t *b_addr, int v6, int a_mqtt, int b_mqtt, uint16_t flags, uint32_t seglen,
                    const struct cap_fields *f, int64_t ts_ns);

#endif
