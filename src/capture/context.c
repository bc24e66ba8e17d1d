/*
 * context.c: flow-context features (ctx.* columns, docs/internals/context.md): per-stream
 * / per-MQTT-session counters kept in cap_stream, and the per-source-host table with
 * exponentially decayed event rates (bounded: size cap with LRU eviction, idle expiry).
 * Causal: every value depends on the packets up to and including the current one.
 * Not here: the packet decoding (decode.c) and the CSV writing (mqttset.c).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "capture/capture_int.h"
#include "capture/context_int.h"
#include "mqttids/dataset.h"

/* Every value is kept at a resolution of 1e-6 (seconds: 1 us; rates: 1e-6 per second), so
 * the CSV writes it exactly in fixed point and a reader gets the same double back. */
/* Column k: an integer value. */
static inline void seti(cap_ctx *c, int k, int64_t v)
{
    c->outk[k] = v;
}

/* Column k: a real value, kept at a resolution of 1e-6 (rounded half away from zero). */
static inline void setq(cap_ctx *c, int k, double x)
{
    double y = x * 1e6;
    int64_t q = y > -9e15 && y < 9e15 ? (int64_t)(y < 0 ? y - 0.5 : y + 0.5) : 0; /* NaN, huge: 0 */
    c->outk[k] = q;
}

static size_t put_u64(char *out, unsigned long long a)
{
    char t[24];
    size_t m = 0, n = 0;
    if (a < 10) {
        out[0] = (char)('0' + a);
        return 1;
    }
    do {
        t[m++] = (char)('0' + a % 10);
        a /= 10;
    } while (a);
    while (m)
        out[n++] = t[--m];
    return n;
}

/* The fraction fp (0..999999 millionths) as digits without trailing zeros ("0" for 0). */
static size_t put_frac6(char *out, unsigned long long fp)
{
    size_t digits = 6;
    if (fp == 0) {
        out[0] = '0';
        return 1;
    }
    while (fp % 10 == 0) {
        fp /= 10;
        digits--;
    }
    for (size_t i = digits; i-- > 0;) {
        out[i] = (char)('0' + fp % 10);
        fp /= 10;
    }
    return digits;
}

size_t context__format(char *out, double v)
{
    long long k;
    unsigned long long a, fp;
    size_t n = 0;
    if (v == 0) {
        memcpy(out, "0.0", 3);
        return 3;
    }
    if (!(v > -9e12 && v < 9e12))
        return mqttids_format_double(out, 40, v);
    if (v < 0)
        out[n++] = '-';
    k = (long long)v;
    if ((double)k == v) { /* integers (most columns): no scaling */
        n += put_u64(out + n, (unsigned long long)(k < 0 ? -k : k));
        memcpy(out + n, ".0", 2);
        return n + 2;
    }
    k = (long long)(v * 1e6 + (v < 0 ? -0.5 : 0.5));
    if ((double)k / 1e6 != v)
        return mqttids_format_double(out, 40, v);
    a = k < 0 ? (unsigned long long)(-k) : (unsigned long long)k;
    fp = a % 1000000;
    n += put_u64(out + n, a / 1000000);
    out[n++] = '.';
    return n + put_frac6(out + n, fp);
}

/* Columns whose values are reals (kept in micro-units), the others are integers. */
static const uint8_t is_real[CTX_N] = {
    [CTX_STREAM_AGE] = 1,    [CTX_STREAM_PKT_RATE] = 1,   [CTX_STREAM_IAT_MEAN] = 1,
    [CTX_STREAM_IAT_STD] = 1, [CTX_PUB_SIZE_MEAN] = 1,     [CTX_SRC_CONN_RATE] = 1,
    [CTX_SRC_CONNECT_RATE] = 1, [CTX_SRC_FAIL_RATE] = 1,  [CTX_SRC_PKT_RATE] = 1,
    [CTX_SRC_CONN_RATE_LONG] = 1, [CTX_SRC_CONNECT_RATE_LONG] = 1,
    [CTX_PUB_SIZE_REL] = 1,  [CTX_SRC_REFUSED_SHARE] = 1,   [CTX_SRC_KALIVE_LONG_SHARE] = 1,
    [CTX_SRC_MALFORMED_SHARE] = 1, [CTX_SRC_PUB_SHARE] = 1, [CTX_SRC_CHURN_LOG2] = 1,
    [CTX_SRC_ABRUPT_SHARE] = 1, [CTX_SRC_EARLY_SHARE] = 1, [CTX_SRC_PUB_SIZE_LOG2] = 1,
    [CTX_STREAM_UP_SEG_LOG2] = 1, [CTX_CONN_UP_MSGS_LOG2] = 1, [CTX_SRC_UP_SEG_LOG2] = 1,
};

const double *context__values(cap_ctx *c)
{
    for (int k = 0; k < CTX_N; k++)
        c->out[k] = is_real[k] ? (double)c->outk[k] / 1e6 : (double)c->outk[k];
    return c->out;
}

char *context__write_row(char *w, const cap_ctx *c)
{
    for (int k = 0; k < CTX_N; k++) {
        int64_t v = c->outk[k];
        uint64_t a;
        *w++ = ',';
        if (v == 0) { /* the most common value */
            memcpy(w, "0.0", 3);
            w += 3;
            continue;
        }
        if (v < 0)
            *w++ = '-';
        a = v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v;
        if (!is_real[k]) {
            w += put_u64(w, a);
            *w++ = '.';
            *w++ = '0';
        } else {
            w += put_u64(w, a / 1000000);
            *w++ = '.';
            w += put_frac6(w, a % 1000000);
        }
    }
    return w;
}

static const char *const names[CTX_N] = {
    "ctx.stream_pkts_up",   "ctx.stream_pkts_down", "ctx.stream_bytes_up",   "ctx.stream_bytes_down",
    "ctx.stream_age",       "ctx.stream_pkt_rate",  "ctx.stream_iat_mean",   "ctx.stream_iat_std",
    "ctx.stream_syn_seen",  "ctx.stream_fin_rst",   "ctx.mqtt_connect",      "ctx.mqtt_connack",
    "ctx.mqtt_publish",     "ctx.mqtt_pubacks",     "ctx.mqtt_subscribe",    "ctx.mqtt_suback",
    "ctx.mqtt_ping",        "ctx.mqtt_disconnect",  "ctx.mqtt_nonmqtt_data", "ctx.session_kalive",
    "ctx.session_conflags", "ctx.session_version",  "ctx.session_connack",   "ctx.session_connack_fail",
    "ctx.pub_size_mean",    "ctx.pub_size_max",     "ctx.src_conn_rate",     "ctx.src_connect_rate",
    "ctx.src_fail_rate",    "ctx.src_pkt_rate",     "ctx.src_conn_rate_long", "ctx.src_connect_rate_long",
    "ctx.pkt_malformed",    "ctx.pkt_malformed_reason", "ctx.conn_malformed", "ctx.conn_refused",
    "ctx.conn_kalive_long", "ctx.conn_early_msgs",  "ctx.conn_up_msgs_log2",  "ctx.conn_abrupt_close",
    "ctx.pub_size_rel",     "ctx.src_refused_share", "ctx.src_kalive_long_share", "ctx.src_malformed_share",
    "ctx.src_pub_share",    "ctx.src_churn_log2",        "ctx.src_abrupt_share",  "ctx.src_early_share",
    "ctx.src_pub_size_log2",     "ctx.stream_up_seg_log2", "ctx.pkt_kind",
    "ctx.src_up_seg_log2",
};

const char *context__name(int k)
{
    return k >= 0 && k < CTX_N ? names[k] : NULL;
}

cap_ctx *context__new(size_t max_sources, double idle_s)
{
    cap_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->max = max_sources ? max_sources : 65536;
    c->idle_ns = (int64_t)((idle_s > 0 ? idle_s : 1800.0) * 1e9);
    c->nbuckets = 256;
    c->buckets = calloc(c->nbuckets, sizeof *c->buckets);
    if (!c->buckets) {
        free(c);
        return NULL;
    }
    return c;
}

void context__free(cap_ctx *c)
{
    cap_ctx_src *s;
    if (!c)
        return;
    s = c->lru_head;
    while (s) {
        cap_ctx_src *n = s->lru_next;
        free(s);
        s = n;
    }
    free(c->buckets);
    free(c);
}

static uint64_t addr_hash(const uint8_t *a, int v6)
{
    uint64_t w[2], h = 0x9e3779b97f4a7c15ULL ^ (uint64_t)v6;
    memcpy(w, a, 16);
    for (int i = 0; i < 2; i++) {
        h ^= w[i];
        h *= 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    }
    return h ^ (h >> 29);
}

static void lru_unlink(cap_ctx *c, cap_ctx_src *s)
{
    if (s->lru_prev)
        s->lru_prev->lru_next = s->lru_next;
    else
        c->lru_head = s->lru_next;
    if (s->lru_next)
        s->lru_next->lru_prev = s->lru_prev;
    else
        c->lru_tail = s->lru_prev;
    s->lru_prev = s->lru_next = NULL;
}

static void lru_append(cap_ctx *c, cap_ctx_src *s)
{
    s->lru_prev = c->lru_tail;
    s->lru_next = NULL;
    if (c->lru_tail)
        c->lru_tail->lru_next = s;
    else
        c->lru_head = s;
    c->lru_tail = s;
}

static void src_remove(cap_ctx *c, cap_ctx_src *s)
{
    cap_ctx_src **pp = &c->buckets[addr_hash(s->addr, s->v6) & (c->nbuckets - 1)];
    while (*pp && *pp != s)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = s->hnext;
    lru_unlink(c, s);
    free(s);
    c->count--;
    c->evicted++;
}

static void src_grow(cap_ctx *c)
{
    size_t nb = c->nbuckets * 2;
    cap_ctx_src **b = calloc(nb, sizeof *b);
    if (!b)
        return;
    for (size_t i = 0; i < c->nbuckets; i++) {
        cap_ctx_src *s = c->buckets[i];
        while (s) {
            cap_ctx_src *n = s->hnext;
            size_t j = addr_hash(s->addr, s->v6) & (nb - 1);
            s->hnext = b[j];
            b[j] = s;
            s = n;
        }
    }
    free(c->buckets);
    c->buckets = b;
    c->nbuckets = nb;
}

/* The source entry of addr (created when absent); NULL on no memory. */
static cap_ctx_src *src_get(cap_ctx *c, const uint8_t *addr16, int v6, int64_t now)
{
    size_t i = addr_hash(addr16, v6) & (c->nbuckets - 1);
    cap_ctx_src *s;
    for (s = c->buckets[i]; s; s = s->hnext)
        if (s->v6 == v6 && memcmp(s->addr, addr16, 16) == 0) {
            if (now > s->seen_ns)
                s->seen_ns = now;
            if (s != c->lru_tail) {
                lru_unlink(c, s);
                lru_append(c, s);
            }
            return s;
        }
    while (c->lru_head && (now - c->lru_head->seen_ns > c->idle_ns || c->count >= c->max))
        src_remove(c, c->lru_head);
    if (c->count + 1 > c->nbuckets)
        src_grow(c);
    s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    memcpy(s->addr, addr16, 16);
    s->v6 = (uint8_t)v6;
    s->last_ns = s->seen_ns = now;
    i = addr_hash(addr16, v6) & (c->nbuckets - 1);
    s->hnext = c->buckets[i];
    c->buckets[i] = s;
    lru_append(c, s);
    c->count++;
    return s;
}

/* Message type -> counter index (CTX_MQTT_* - CTX_MQTT_CONNECT), -1: not counted. */
static int msg_slot(uint64_t t)
{
    switch (t) {
    case 1: return 0;
    case 2: return 1;
    case 3: return 2;
    case 4: case 5: case 6: case 7: return 3;
    case 8: case 10: return 4;
    case 9: case 11: return 5;
    case 12: case 13: return 6;
    case 14: return 7;
    default: return -1;
    }
}

/* What one packet did, for the per-host behaviour counts. */
typedef struct bev {
    uint8_t viol;        /* the packet's violation (CAP_VIOL_*), 0: none */
    uint8_t connect, klong, connack, refused, cmsg, pub, syn, closed, abrupt, early;
    uint64_t pub_len;    /* mqtt.len of a client PUBLISH */
    uint32_t seg;        /* TCP payload of a client segment carrying PUBLISH data, 0: none */
} bev;

/* The message type with the QoS choice left out (ctx.pkt_kind): 1 CONNECT, 2 CONNACK, 3 the
   publish flow (PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP), 4 SUBSCRIBE / UNSUBSCRIBE, 5 their
   acknowledgements, 6 PINGREQ / PINGRESP, 7 DISCONNECT, 8 reserved (0) / AUTH (15). */
static int pkt_kind(uint64_t t)
{
    static const uint8_t k[16] = {8, 1, 2, 3, 3, 3, 3, 3, 4, 5, 4, 5, 6, 6, 7, 8};
    return k[t & 15];
}

/* May message type t go this way (up: client -> server)? MQTT 3.1.1 section 2.2.1. */
static int dir_ok(uint64_t t, int up)
{
    switch (t) {
    case 1: case 8: case 10: case 12: return up;
    case 2: case 9: case 11: case 13: return !up;
    default: return 1;
    }
}

/* The stream's behaviour state after one packet; fills ev. The stream's first packet
   (started) is counted before: st->syn_seen says it opened in the capture. */
static void behaviour_stream(cap_ctx_stream *st, int up, uint64_t type, int has_type, uint16_t flags,
                             const cap_fields *f, bev *ev)
{
    memset(ev, 0, sizeof *ev);
    ev->viol = f->viol;
    if (has_type && !ev->viol && st->client_side_known && !dir_ok(type, up))
        ev->viol = CAP_VIOL_DIRECTION;
    if (ev->viol && st->viol_pkts < UINT32_MAX)
        st->viol_pkts++;
    if (st->pkts[0] + st->pkts[1] == 1 && st->syn_seen && up)
        ev->syn = 1;
    if (has_type && up) {
        ev->cmsg = 1;
        if (st->client_msgs < UINT32_MAX)
            st->client_msgs++;
        if (type == 1) {
            ev->connect = 1;
            st->connect_seen = 1;
            if (cap_has(f, MQTTIDS_F_KALIVE)) {
                uint64_t ka = f->v[MQTTIDS_F_KALIVE];
                st->kalive_long = (uint8_t)(ka == 0 || ka > CTX_KALIVE_LONG_S);
                ev->klong = st->kalive_long;
            }
        } else {
            if (st->connect_seen && !st->connack_seen) {
                /* the client goes on without waiting for the broker's answer */
                st->early_msgs++;
                if (!st->early_counted) {
                    st->early_counted = 1;
                    ev->early = 1;
                }
            }
            if (type >= 3 && type <= 7) {
                /* the publish flow at any QoS: PUBLISH and its acknowledgements */
                ev->pub = 1;
                if (type == 3)
                    ev->pub_len = cap_has(f, MQTTIDS_F_LEN) ? f->v[MQTTIDS_F_LEN] : 0;
            } else if (type == 14) {
                st->disconnect_seen = 1;
            }
        }
    } else if (has_type && type == 2) {
        st->connack_seen = 1;
        ev->connack = 1;
        if (cap_has(f, MQTTIDS_F_CONACK_VAL) && (f->v[MQTTIDS_F_CONACK_VAL] & 0xff) != 0) {
            st->refused = 1;
            ev->refused = 1;
        }
    }
    if ((flags & 0x005) && !st->closed) {
        st->closed = 1;
        ev->closed = 1;
        /* closed by either end before the client said DISCONNECT */
        st->abrupt = (uint8_t)!st->disconnect_seen;
        ev->abrupt = st->abrupt;
    }
}

/*
 * x rounded to the nearest 1/per. The behaviour columns are coarse on purpose: a share to 1/32,
 * a log2 to half an octave. Fewer distinct values than the random forest's bins (maxBins 64 in
 * the recipe) make its split candidates the exact midpoints between the values seen, where
 * quantile bins over a rare class (MQTTset's flood is 56 packets) could merge it with its
 * neighbour; and a coarse value does not move with noise.
 */
static double steps(double x, double per)
{
    return floor(x * per + 0.5) / per;
}

/* log2(1 + mean bytes per PUBLISH-carrying segment) in half octaves, floored at 64 bytes
   (6.0) when there was such a segment: a segment under 64 bytes is one small message,
   whose size follows topic names and payload formats (MQTTset's sensors 13 bytes, the lab's
   24-28, a fuzzer's 64); what the column is for is how much a client pushes at once
   (dos hundreds of bytes, flood tens of KB). 0: no such segment yet. */
static double seg_log2(double bytes, double segs)
{
    double v;
    if (!(segs > 1e-9))
        return 0;
    v = steps(log2(1.0 + bytes / segs), 2);
    return v < 6.0 ? 6.0 : v;
}

static double share(double num, double den)
{
    return den > 1e-9 ? num / den : 0;
}

/* log2 of new connections per client message, in [-20, 8]; -20 without any new connection:
   a ratio spanning orders of magnitude (a sensor: none; dos: 1 in 50; bruteforce: 1 in 1). */
static double churn_log2(double syn, double msgs)
{
    double r = syn / (msgs > 1 ? msgs : 1);
    double l = r > 0 ? log2(r) : -20;
    return l < -20 ? -20 : l > 8 ? 8 : l;
}

/* The host's decayed behaviour counts (k: decay factor since its previous packet) and columns. */
static void behaviour_src(cap_ctx *c, cap_ctx_src *s, double k, const bev *ev)
{
    s->b_connack = s->b_connack * k + ev->connack;
    s->b_refused = s->b_refused * k + ev->refused;
    s->b_connect = s->b_connect * k + ev->connect;
    s->b_klong = s->b_klong * k + ev->klong;
    s->b_cmsg = s->b_cmsg * k + ev->cmsg;
    s->b_viol = s->b_viol * k + (ev->viol != 0);
    s->b_pub = s->b_pub * k + ev->pub;
    s->b_pub_bytes = s->b_pub_bytes * k + (double)ev->pub_len;
    s->b_pub3 = s->b_pub3 * k + (ev->pub_len > 0);
    s->b_seg = s->b_seg * k + (ev->seg > 0);
    s->b_seg_bytes = s->b_seg_bytes * k + ev->seg;
    s->b_syn = s->b_syn * k + ev->syn;
    s->b_closed = s->b_closed * k + ev->closed;
    s->b_abrupt = s->b_abrupt * k + ev->abrupt;
    s->b_early = s->b_early * k + ev->early;
    setq(c, CTX_SRC_REFUSED_SHARE, steps(share(s->b_refused, s->b_connack), 32));
    setq(c, CTX_SRC_KALIVE_LONG_SHARE, steps(share(s->b_klong, s->b_connect), 32));
    setq(c, CTX_SRC_MALFORMED_SHARE, steps(share(s->b_viol, s->b_cmsg > s->b_viol ? s->b_cmsg : s->b_viol), 32));
    setq(c, CTX_SRC_PUB_SHARE, steps(share(s->b_pub, s->b_cmsg), 32));
    setq(c, CTX_SRC_CHURN_LOG2, steps(churn_log2(s->b_syn, s->b_cmsg), 2));
    setq(c, CTX_SRC_ABRUPT_SHARE, steps(share(s->b_abrupt, s->b_closed), 32));
    setq(c, CTX_SRC_EARLY_SHARE, steps(share(s->b_early, s->b_connect), 32));
    setq(c, CTX_SRC_UP_SEG_LOG2, seg_log2(s->b_seg_bytes, s->b_seg));
    setq(c, CTX_SRC_PUB_SIZE_LOG2, steps(log2(1.0 + share(s->b_pub_bytes, s->b_pub3)), 2));
}

/* A new stream's first packet: its state from scratch, and which end is the client. */
static void stream_start(cap_ctx_stream *st, int from_a, int a_mqtt, int b_mqtt, uint16_t flags, int64_t ts_ns)
{
    memset(st, 0, sizeof *st);
    st->started = 1;
    st->first_ns = st->last_ns = ts_ns;
    st->kalive = -1;
    st->conflags = st->connack = -1;
    /* the client, as id.client decides it (mqttids_flow_client_id): the sender of the first
       SYN without ACK; without it the end not on an MQTT port; else the receiver of a
       SYN+ACK; else this sender (not known) */
    st->client_side_known = 1;
    if ((flags & 0x012) == 0x002)
        st->client_side = (uint8_t)(from_a ? 0 : 1);
    else if (a_mqtt != b_mqtt)
        st->client_side = (uint8_t)(a_mqtt ? 1 : 0);
    else if ((flags & 0x012) == 0x012)
        st->client_side = (uint8_t)(from_a ? 1 : 0);
    else {
        st->client_side_known = 0;
        st->client_side = (uint8_t)(from_a ? 0 : 1);
    }
    st->syn_seen = (uint8_t)((flags & 0x002) != 0);
}

/* A later packet: the gap since the previous one, into the running inter-arrival mean and
   variance (Welford). Called before this packet is counted. */
static void stream_gap(cap_ctx_stream *st, int64_t ts_ns)
{
    double dt = (double)(ts_ns - st->last_ns) * 1e-9, n, d;
    st->last_ns = ts_ns;
    n = (double)(st->pkts[0] + st->pkts[1]); /* gaps so far, this one included */
    d = dt - st->iat_mean;
    st->iat_mean += d / n;
    st->iat_m2 += d * (dt - st->iat_mean);
}

/* Counts the packet into its stream (direction up: from the client): packets, bytes, MQTT
   message kinds and the session's CONNECT/CONNACK/PUBLISH facts. Returns 1 when it is a
   refused CONNACK. */
static int stream_count(cap_ctx_stream *st, int up, int has_type, uint64_t type, int a_mqtt, int b_mqtt,
                        uint16_t flags, uint32_t seglen, const cap_fields *f)
{
    int failed = 0;
    st->pkts[up ? 0 : 1]++;
    st->bytes[up ? 0 : 1] += seglen;
    if (flags & 0x005)
        st->fin_rst = 1;
    if (has_type) {
        int k = msg_slot(type);
        if (k >= 0)
            st->msgs[k]++;
        if (type == 1) {
            if (cap_has(f, MQTTIDS_F_KALIVE))
                st->kalive = (int32_t)f->v[MQTTIDS_F_KALIVE];
            if (cap_has(f, MQTTIDS_F_CONFLAGS))
                st->conflags = (int16_t)(f->v[MQTTIDS_F_CONFLAGS] & 0xff);
            if (cap_has(f, MQTTIDS_F_VER))
                st->version = (uint8_t)f->v[MQTTIDS_F_VER];
        } else if (type == 2 && cap_has(f, MQTTIDS_F_CONACK_VAL)) {
            st->connack = (int16_t)(f->v[MQTTIDS_F_CONACK_VAL] & 0xff);
            if (st->connack != 0) {
                st->connack_fail++;
                failed = 1;
            }
        } else if (type == 3 && cap_has(f, MQTTIDS_F_LEN)) {
            uint64_t l = f->v[MQTTIDS_F_LEN];
            st->pub_n++;
            st->pub_bytes += l;
            if (l > st->pub_max)
                st->pub_max = (uint32_t)(l > 0xffffffffu ? 0xffffffffu : l);
        }
    } else if (seglen > 0 && (a_mqtt || b_mqtt)) {
        st->msgs[8]++;
    }
    return failed;
}

/* The stream, session and connection columns from the stream's counts (ts_ns: this packet). */
static void stream_columns(cap_ctx *c, const cap_ctx_stream *st, int has_type, uint64_t type, const bev *ev,
                           int64_t ts_ns)
{
    double age = (double)(ts_ns - st->first_ns) * 1e-9;
    double gaps = (double)(st->pkts[0] + st->pkts[1]) - 1;
    seti(c, CTX_STREAM_PKTS_UP, (int64_t)(st->pkts[0]));
    seti(c, CTX_STREAM_PKTS_DOWN, (int64_t)(st->pkts[1]));
    seti(c, CTX_STREAM_BYTES_UP, (int64_t)st->bytes[0]);
    seti(c, CTX_STREAM_BYTES_DOWN, (int64_t)st->bytes[1]);
    setq(c, CTX_STREAM_AGE, age);
    setq(c, CTX_STREAM_PKT_RATE, age > 0 ? gaps / age : 0);
    setq(c, CTX_STREAM_IAT_MEAN, gaps > 0 ? st->iat_mean : 0);
    setq(c, CTX_STREAM_IAT_STD, gaps > 1 ? sqrt(st->iat_m2 / gaps) : 0);
    seti(c, CTX_STREAM_SYN_SEEN, (int64_t)(st->syn_seen));
    seti(c, CTX_STREAM_FIN_RST, (int64_t)(st->fin_rst));
    for (int k = 0; k < 9; k++)
        seti(c, CTX_MQTT_CONNECT + k, (int64_t)(st->msgs[k]));
    seti(c, CTX_SESSION_KALIVE, (int64_t)(st->kalive));
    seti(c, CTX_SESSION_CONFLAGS, (int64_t)(st->conflags));
    seti(c, CTX_SESSION_VERSION, (int64_t)(st->version));
    seti(c, CTX_SESSION_CONNACK, (int64_t)(st->connack));
    seti(c, CTX_SESSION_CONNACK_FAIL, (int64_t)(st->connack_fail));
    setq(c, CTX_PUB_SIZE_MEAN, st->pub_n ? (double)st->pub_bytes / st->pub_n : 0);
    seti(c, CTX_PUB_SIZE_MAX, (int64_t)(st->pub_max));

    seti(c, CTX_PKT_KIND, has_type ? pkt_kind(type) : 0);
    seti(c, CTX_PKT_MALFORMED, ev->viol != 0);
    seti(c, CTX_PKT_MALFORMED_REASON, ev->viol);
    seti(c, CTX_CONN_MALFORMED, (int64_t)st->viol_pkts);
    seti(c, CTX_CONN_REFUSED, st->refused);
    seti(c, CTX_CONN_KALIVE_LONG, st->kalive_long);
    seti(c, CTX_CONN_EARLY_MSGS, (int64_t)st->early_msgs);
    setq(c, CTX_CONN_UP_MSGS_LOG2, steps(log2(1.0 + st->client_msgs), 2));
    seti(c, CTX_CONN_ABRUPT_CLOSE, st->abrupt);
}

/* Segments the client fills with PUBLISH data (or continuations of it): how much it pushes
   per send, whatever the topic names or the QoS (ev->seg gets this one's size). */
static void up_segment(cap_ctx *c, cap_ctx_stream *st, int up, int has_type, uint64_t type, uint32_t seglen,
                       bev *ev)
{
    if (up && seglen > 0 && (!has_type || type == 3) && st->up_segs < UINT32_MAX) {
        st->up_segs++;
        st->up_seg_bytes += seglen;
        ev->seg = seglen;
    }
    setq(c, CTX_STREAM_UP_SEG_LOG2, seg_log2((double)st->up_seg_bytes, (double)st->up_segs));
}

/* The server's running median of PUBLISH sizes (the broker's baseline) and this stream's
   PUBLISH size against it. Returns 0, or -1 when the host table is out of memory. */
static int server_pub_baseline(cap_ctx *c, const cap_ctx_stream *st, const uint8_t *a_addr, const uint8_t *b_addr,
                               int v6, int has_type, uint64_t type, const cap_fields *f, const bev *ev, int64_t ts_ns)
{
    uint8_t saddr[16];
    cap_ctx_src *srv;
    setq(c, CTX_PUB_SIZE_REL, 0);
    if (!(ev->pub_len || (has_type && type == 3) || st->pub_n))
        return 0;
    memset(saddr, 0, sizeof saddr);
    memcpy(saddr, st->client_side ? a_addr : b_addr, v6 ? 16 : 4);
    srv = src_get(c, saddr, v6, ts_ns);
    if (!srv)
        return -1;
    if (has_type && type == 3 && cap_has(f, MQTTIDS_F_LEN)) {
        double x = log2(1.0 + (double)f->v[MQTTIDS_F_LEN]);
        if (!srv->pub_seen++)
            srv->pub_med = x;
        else /* a frugal streaming median: a fixed step toward each new value */
            srv->pub_med += x > srv->pub_med ? 0.05 : x < srv->pub_med ? -0.05 : 0;
    }
    if (st->pub_n)
        setq(c, CTX_PUB_SIZE_REL, steps(log2(1.0 + (double)st->pub_bytes / st->pub_n) - srv->pub_med, 2));
    return 0;
}

/* The client host's decayed rates and behaviour shares. Returns 0, or -1 when the host table
   is out of memory (its columns are then 0). */
static int client_host(cap_ctx *c, const cap_ctx_stream *st, const uint8_t *a_addr, const uint8_t *b_addr, int v6,
                       int created, int connect, int failed, const bev *ev, int64_t ts_ns)
{
    uint8_t caddr[16];
    cap_ctx_src *src;
    double dt, k, kl;
    memset(caddr, 0, sizeof caddr);
    memcpy(caddr, st->client_side ? b_addr : a_addr, v6 ? 16 : 4);
    src = src_get(c, caddr, v6, ts_ns);
    if (!src) {
        for (int q = CTX_SRC_CONN_RATE; q <= CTX_SRC_CONNECT_RATE_LONG; q++)
            setq(c, q, 0);
        for (int q = CTX_SRC_REFUSED_SHARE; q <= CTX_SRC_PUB_SIZE_LOG2; q++)
            setq(c, q, 0);
        setq(c, CTX_SRC_UP_SEG_LOG2, 0);
        return -1;
    }
    dt = (double)(ts_ns - src->last_ns) * 1e-9;
    k = dt > 0 ? exp(-dt / CTX_SRC_TAU_S) : 1.0;
    kl = dt > 0 ? exp(-dt / CTX_SRC_TAU_LONG_S) : 1.0;
    src->last_ns = ts_ns > src->last_ns ? ts_ns : src->last_ns;
    src->conn = src->conn * k + (created ? 1 : 0);
    src->connect = src->connect * k + connect;
    src->fail = src->fail * k + (double)failed;
    src->pkts = src->pkts * k + 1;
    src->conn_l = src->conn_l * kl + (created ? 1 : 0);
    src->connect_l = src->connect_l * kl + connect;
    setq(c, CTX_SRC_CONN_RATE, src->conn / CTX_SRC_TAU_S);
    setq(c, CTX_SRC_CONNECT_RATE, src->connect / CTX_SRC_TAU_S);
    setq(c, CTX_SRC_FAIL_RATE, src->fail / CTX_SRC_TAU_S);
    setq(c, CTX_SRC_PKT_RATE, src->pkts / CTX_SRC_TAU_S);
    setq(c, CTX_SRC_CONN_RATE_LONG, src->conn_l / CTX_SRC_TAU_LONG_S);
    setq(c, CTX_SRC_CONNECT_RATE_LONG, src->connect_l / CTX_SRC_TAU_LONG_S);
    behaviour_src(c, src, dt > 0 ? exp(-dt / CTX_SHARE_TAU_S) : 1.0, ev);
    return 0;
}

int context__update(cap_ctx *c, cap_ctx_stream *st, int created, int from_a, const uint8_t *a_addr,
                    const uint8_t *b_addr, int v6, int a_mqtt, int b_mqtt, uint16_t flags, uint32_t seglen,
                    const cap_fields *f, int64_t ts_ns)
{
    int has_type = cap_has(f, MQTTIDS_F_MSGTYPE), up, failed, rc = 0;
    uint64_t type = has_type ? f->v[MQTTIDS_F_MSGTYPE] : 0;
    bev ev;

    if (created || !st->started)
        stream_start(st, from_a, a_mqtt, b_mqtt, flags, ts_ns);
    else
        stream_gap(st, ts_ns);
    up = (from_a ? 0 : 1) == st->client_side;
    failed = stream_count(st, up, has_type, type, a_mqtt, b_mqtt, flags, seglen, f);
    behaviour_stream(st, up, type, has_type, flags, f, &ev);
    stream_columns(c, st, has_type, type, &ev, ts_ns);
    up_segment(c, st, up, has_type, type, seglen, &ev);
    if (server_pub_baseline(c, st, a_addr, b_addr, v6, has_type, type, f, &ev, ts_ns) != 0)
        rc = -1;
    if (client_host(c, st, a_addr, b_addr, v6, created, has_type && type == 1, failed, &ev, ts_ns) != 0)
        rc = -1;
    return rc;
}
