/*
 * test_context.c: unit tests of the flow-context features (src/capture/context.c):
 * one hand-built MQTT session with every value worked out by hand (counts, bytes, age,
 * inter-arrival mean/std, CONNECT/CONNACK state, publish sizes, decayed source rates),
 * the reset of a stream reusing its ports, the column names, and the bounds: a flood of
 * new source hosts never holds more than the cap, idle sources expire.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "capture/capture_int.h"
#include "capture/context_int.h"
#include "mqttids/capture.h"
#include "testhelp.h"
#include "packets.h"

/* f zeroed, then field id set to v (cap_set). */
static void fields_with(cap_fields *f, int id, uint64_t v)
{
    memset(f, 0, sizeof *f);
    cap_set(f, id, v);
}

static const uint8_t CLI[16] = {10, 0, 0, 1}, SRV[16] = {10, 0, 0, 2};

/* one packet of the session: client is key.a (port 5000), server key.b (port 1883) */
static void pkt(cap_ctx *c, cap_ctx_stream *st, int created, int up, uint16_t flags, uint32_t seglen, int type,
                int64_t ms, const cap_fields *extra)
{
    cap_fields f;
    memset(&f, 0, sizeof f);
    if (extra)
        f = *extra;
    cap_set(&f, MQTTIDS_F_TCP_FLAGS, flags);
    cap_set(&f, MQTTIDS_F_TCP_LEN, seglen);
    if (type > 0)
        cap_set(&f, MQTTIDS_F_MSGTYPE, (uint64_t)type);
    CHECK(context__update(c, st, created, up, CLI, SRV, 0, 0, 1, flags, seglen, &f, ms * 1000000) == 0,
          "update");
    context__values(c);
}

/* values are kept at a resolution of 1e-6 */
#define NEAR(a, b) (fabs((a) - (b)) <= 5.000001e-7)

static void test_session(void)
{
    cap_ctx *c = context__new(16, 0);
    cap_ctx_stream st;
    cap_fields conn, ack, pub1, pub2;
    const double *o;
    CHECK(c != NULL, "new");
    if (!c)
        return;
    o = c->out;
    memset(&st, 0, sizeof st);
    fields_with(&conn, MQTTIDS_F_KALIVE, 60);
    cap_set(&conn, MQTTIDS_F_CONFLAGS, 0xc2);
    cap_set(&conn, MQTTIDS_F_VER, 4);
    fields_with(&ack, MQTTIDS_F_CONACK_VAL, 5);
    fields_with(&pub1, MQTTIDS_F_LEN, 100);
    fields_with(&pub2, MQTTIDS_F_LEN, 300);

    /* t (ms): 0 SYN, 1 SYN-ACK, 3 ACK, 6 CONNECT(30 B), 10 CONNACK(4 B), 15 PUBLISH(102 B), 21 PUBLISH(302 B) */
    pkt(c, &st, 1, 1, 0x002, 0, 0, 0, NULL);
    CHECK(o[CTX_STREAM_PKTS_UP] == 1 && o[CTX_STREAM_PKTS_DOWN] == 0, "first packet up");
    CHECK(o[CTX_STREAM_AGE] == 0 && o[CTX_STREAM_IAT_MEAN] == 0 && o[CTX_STREAM_PKT_RATE] == 0, "first: no gaps");
    CHECK(o[CTX_STREAM_SYN_SEEN] == 1, "syn seen");
    CHECK(o[CTX_SESSION_KALIVE] == -1 && o[CTX_SESSION_CONNACK] == -1 && o[CTX_SESSION_CONFLAGS] == -1,
          "nothing seen yet: -1");
    CHECK(NEAR(o[CTX_SRC_CONN_RATE], 0.1), "one new connection in the window: 1/10 s, got %g", o[CTX_SRC_CONN_RATE]);
    pkt(c, &st, 0, 0, 0x012, 0, 0, 1, NULL);
    pkt(c, &st, 0, 1, 0x010, 0, 0, 3, NULL);
    pkt(c, &st, 0, 1, 0x018, 30, 1, 6, &conn);
    CHECK(o[CTX_MQTT_CONNECT] == 1 && o[CTX_SESSION_KALIVE] == 60 && o[CTX_SESSION_CONFLAGS] == 0xc2 &&
              o[CTX_SESSION_VERSION] == 4,
          "CONNECT state");
    pkt(c, &st, 0, 0, 0x018, 4, 2, 10, &ack);
    CHECK(o[CTX_SESSION_CONNACK] == 5 && o[CTX_SESSION_CONNACK_FAIL] == 1 && o[CTX_MQTT_CONNACK] == 1,
          "CONNACK refused (5)");
    /* source rates at 10 ms: conn 1 event, connect 1, fail 1, pkts 5, each decayed by exp(-dt/10) */
    {
        double fail = 1.0 / 10, conn = exp(-0.010 / 10) / 10;
        CHECK(NEAR(o[CTX_SRC_FAIL_RATE], fail), "fail rate %g", o[CTX_SRC_FAIL_RATE]);
        CHECK(NEAR(o[CTX_SRC_CONN_RATE], conn), "conn rate decayed %g vs %g", o[CTX_SRC_CONN_RATE], conn);
        CHECK(NEAR(o[CTX_SRC_CONNECT_RATE], exp(-0.004 / 10) / 10), "connect rate %g", o[CTX_SRC_CONNECT_RATE]);
    }
    pkt(c, &st, 0, 1, 0x018, 102, 3, 15, &pub1);
    pkt(c, &st, 0, 1, 0x018, 302, 3, 21, &pub2);
    CHECK(o[CTX_STREAM_PKTS_UP] == 5 && o[CTX_STREAM_PKTS_DOWN] == 2, "pkts %g/%g", o[CTX_STREAM_PKTS_UP],
          o[CTX_STREAM_PKTS_DOWN]);
    CHECK(o[CTX_STREAM_BYTES_UP] == 434 && o[CTX_STREAM_BYTES_DOWN] == 4, "bytes");
    CHECK(NEAR(o[CTX_STREAM_AGE], 0.021), "age %g", o[CTX_STREAM_AGE]);
    CHECK(NEAR(o[CTX_STREAM_PKT_RATE], 6 / 0.021), "rate");
    /* gaps 1,2,3,4,5,6 ms: mean 3.5 ms, population std sqrt(17.5/6) ms */
    CHECK(NEAR(o[CTX_STREAM_IAT_MEAN], 0.0035), "iat mean %g", o[CTX_STREAM_IAT_MEAN]);
    CHECK(NEAR(o[CTX_STREAM_IAT_STD], sqrt(17.5 / 6) * 1e-3), "iat std %g", o[CTX_STREAM_IAT_STD]);
    CHECK(o[CTX_MQTT_PUBLISH] == 2 && o[CTX_PUB_SIZE_MEAN] == 200 && o[CTX_PUB_SIZE_MAX] == 300, "publish stats");
    CHECK(o[CTX_MQTT_NONMQTT_DATA] == 0 && o[CTX_STREAM_FIN_RST] == 0, "no junk, no FIN");
    /* the CSV writer's row: the values as context__format writes them, in column order */
    {
        char row[32 * CTX_N + 1], want[32 * CTX_N + 1];
        char *e = context__write_row(row, c);
        size_t n = 0;
        *e = '\0';
        for (int k = 0; k < CTX_N; k++) {
            want[n++] = ',';
            n += context__format(want + n, o[k]);
        }
        want[n] = '\0';
        CHECK(strcmp(row, want) == 0, "row '%s' vs '%s'", row, want);
        CHECK(strstr(row, ",0.0035,") != NULL, "iat mean written as 0.0035: %s", row);
        for (char *t = strtok(row + 1, ","); t; t = strtok(NULL, ","))
            CHECK(strchr(t, '.') != NULL, "each value a decimal: %s", t);
    }
    /* data on the MQTT port with no MQTT message parsed */
    pkt(c, &st, 0, 1, 0x018, 7, 0, 22, NULL);
    CHECK(o[CTX_MQTT_NONMQTT_DATA] == 1, "non-MQTT data counted");
    pkt(c, &st, 0, 0, 0x011, 0, 0, 23, NULL);
    CHECK(o[CTX_STREAM_FIN_RST] == 1, "FIN seen");
    /* the ports reused by a new connection (created again): stream state starts over */
    pkt(c, &st, 1, 1, 0x002, 0, 0, 1000, NULL);
    CHECK(o[CTX_STREAM_PKTS_UP] == 1 && o[CTX_STREAM_PKTS_DOWN] == 0 && o[CTX_MQTT_CONNECT] == 0 &&
              o[CTX_SESSION_CONNACK_FAIL] == 0 && o[CTX_STREAM_AGE] == 0,
          "reset on port reuse");
    /* but the source host remembers: 2 connections, the first decayed by exp(-1/10) */
    CHECK(NEAR(o[CTX_SRC_CONN_RATE], (exp(-1.0 / 10) + 1) / 10), "source conn rate %g", o[CTX_SRC_CONN_RATE]);
    context__free(c);
}

/* Which end is the client: the server side is told by the MQTT port, whichever end sends. */
static void test_direction(void)
{
    cap_ctx *c = context__new(0, 0);
    cap_ctx_stream st;
    cap_fields f;
    memset(&st, 0, sizeof st);
    memset(&f, 0, sizeof f);
    /* first packet seen is the server's (a mid-stream head): key.a is the server here */
    CHECK(context__update(c, &st, 1, 1, SRV, CLI, 0, 1, 0, 0x018, 10, &f, 0) == 0, "update");
    context__values(c);
    CHECK(c->out[CTX_STREAM_PKTS_DOWN] == 1 && c->out[CTX_STREAM_PKTS_UP] == 0, "server packet counted down");
    CHECK(c->out[CTX_STREAM_SYN_SEEN] == 0, "began before the capture");
    context__free(c);
}

/* A flood of new source hosts: never more than the cap in memory; idle ones expire. */
static void test_bounds(void)
{
    cap_ctx *c = context__new(1000, 5);
    cap_fields f;
    memset(&f, 0, sizeof f);
    CHECK(c != NULL, "new");
    if (!c)
        return;
    for (uint32_t i = 0; i < 200000; i++) {
        cap_ctx_stream st;
        uint8_t a[16] = {0}, b[16] = {10, 0, 0, 2};
        memset(&st, 0, sizeof st);
        a[0] = (uint8_t)(i >> 24), a[1] = (uint8_t)(i >> 16), a[2] = (uint8_t)(i >> 8), a[3] = (uint8_t)i;
        context__update(c, &st, 1, 1, a, b, 0, 0, 1, 0x002, 0, &f, (int64_t)i * 1000);
        if (c->count > 1000)
            break;
    }
    CHECK(c->count == 1000, "cap held: %zu sources", c->count);
    CHECK(c->evicted == 199000, "evicted %llu", (unsigned long long)c->evicted);
    CHECK(c->nbuckets <= 2048, "buckets bounded too: %zu", c->nbuckets);
    /* 10 s later (idle 5 s): a new source finds every old one expired */
    {
        cap_ctx_stream st;
        uint8_t a[16] = {192, 168, 1, 1}, b[16] = {10, 0, 0, 2};
        memset(&st, 0, sizeof st);
        context__update(c, &st, 1, 1, a, b, 0, 0, 1, 0x002, 0, &f, (int64_t)10 * 1000000000);
        CHECK(c->count == 1, "idle sources expired: %zu left", c->count);
    }
    context__free(c);
}

/*
 * Through the decoder: a SYN + CONNECT flood from 100000 new hosts and ports against
 * small caps (500 streams, 300 sources) never holds more than the caps; the context of
 * a real session is still right afterwards.
 */
static void test_decoder_flood(void)
{
    mqttids_capture_opts o;
    cap_decoder d;
    uint8_t pkt[128];
    const uint8_t connect[] = {0x10, 0x0c, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 0x3c, 0x00, 0x00};
    size_t maxs = 0, maxsrc = 0;
    mqttids_capture_opts_init(&o);
    o.max_streams = 500;
    CHECK(capture__decoder_init(&d, &o) == 0, "init");
    d.ctx = context__new(300, 0);
    CHECK(d.ctx != NULL, "ctx");
    if (!d.ctx)
        return;
    for (uint32_t i = 0; i < 100000; i++) {
        uint32_t src = 0x0a000000u + i; /* 10.x.y.z */
        size_t n = ipv4_tcp(pkt, src, 0xc0a80001u, (uint16_t)(1024 + i % 60000), 1883, 1000, 0, 0x02, NULL, 0);
        CHECK(capture__decode_packet(&d, 228, pkt, n, (int64_t)i * 1000, NULL) == 1, "syn %u", i);
        n = ipv4_tcp(pkt, src, 0xc0a80001u, (uint16_t)(1024 + i % 60000), 1883, 1001, 0, 0x18, connect,
                     sizeof connect);
        CHECK(capture__decode_packet(&d, 228, pkt, n, (int64_t)i * 1000 + 10, NULL) == 1, "connect %u", i);
        if (d.table.count > maxs)
            maxs = d.table.count;
        if (d.ctx->count > maxsrc)
            maxsrc = d.ctx->count;
        if (th_failed)
            break;
    }
    CHECK(maxs <= 500 && maxsrc <= 300, "bounded: %zu streams, %zu sources", maxs, maxsrc);
    CHECK(d.ctx->evicted >= 100000 - 300, "sources evicted: %llu", (unsigned long long)d.ctx->evicted);
    {
        const double *v = context__values(d.ctx);
        CHECK(v[CTX_MQTT_CONNECT] == 1 && v[CTX_SESSION_KALIVE] == 60 && v[CTX_SESSION_VERSION] == 4 &&
                  v[CTX_STREAM_PKTS_UP] == 2 && v[CTX_STREAM_SYN_SEEN] == 1,
              "the last session's context: connect %g kalive %g", v[CTX_MQTT_CONNECT], v[CTX_SESSION_KALIVE]);
    }
    context__free(d.ctx);
    d.ctx = NULL;
    capture__decoder_free(&d);
}

static void test_names(void)
{
    CHECK(mqttids_capture_ctx_count() == CTX_N, "count");
    for (size_t k = 0; k < mqttids_capture_ctx_count(); k++) {
        const char *n = mqttids_capture_ctx_name(k);
        CHECK(n && strncmp(n, "ctx.", 4) == 0, "name %zu", k);
        for (size_t j = 0; n && j < k; j++)
            CHECK(strcmp(n, mqttids_capture_ctx_name(j)) != 0, "unique %s", n);
    }
    CHECK(mqttids_capture_ctx_name(CTX_N) == NULL, "out of range");
    CHECK(strcmp(mqttids_capture_ctx_name(CTX_SESSION_CONNACK_FAIL), "ctx.session_connack_fail") == 0, "order");
}

/* The CSV form of a value: fixed point, exact round trip through strtod. */
static void test_format(void)
{
    static const struct {
        double v;
        const char *s;
    } cases[] = {{0, "0.0"},          {3, "3.0"},         {-1, "-1.0"},         {0.012345, "0.012345"},
                 {1e-6, "0.000001"}, {123456.5, "123456.5"}, {-0.25, "-0.25"}, {4294967295.0, "4294967295.0"}};
    char buf[64];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = context__format(buf, cases[i].v);
        buf[n] = '\0';
        CHECK(strcmp(buf, cases[i].s) == 0, "%g written as '%s', want '%s'", cases[i].v, buf, cases[i].s);
    }
    /* quantized values (k / 1e6) of many magnitudes come back exactly */
    {
        uint64_t x = 88172645463325252ULL;
        int bad = 0;
        for (int i = 0; i < 100000; i++) {
            double v;
            long long k;
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            k = (long long)(x % 9000000000000000000ULL >> (x % 40)) * ((x >> 63) ? -1 : 1);
            v = (double)k / 1e6;
            {
                size_t n = context__format(buf, v);
                buf[n] = '\0';
                if (strtod(buf, NULL) != v)
                    bad++;
            }
        }
        CHECK(bad == 0, "%d values did not round-trip", bad);
    }
    /* not a multiple of 1e-6: the general shortest form, still exact */
    {
        size_t n = context__format(buf, 1.0 / 3);
        buf[n] = '\0';
        CHECK(strtod(buf, NULL) == 1.0 / 3, "1/3 round trip: %s", buf);
    }
}

/*
 * Protocol violations the decoder sees (ctx.pkt_malformed / _reason), through the decoder: each
 * case is its own connection (SYN, then the bytes, then for the second-message cases the
 * packet under test); the reason is the one the MQTT 3.1.1 rule broken names.
 */
static void test_violations(void)
{
    static const struct {
        const char *what;
        uint8_t pre[16], pre_n; /* a first message in the same connection, or none */
        uint8_t b[24], n;
        int up;                 /* the packet goes client -> server */
        int want;
    } cases[] = {
        {"valid CONNECT", {0}, 0, {0x10, 0x0c, 0, 4, 'M', 'Q', 'T', 'T', 4, 2, 0, 60, 0, 0}, 14, 1, CAP_VIOL_NONE},
        {"valid PUBLISH", {0}, 0, {0x30, 0x05, 0, 3, 'a', '/', 'b'}, 7, 1, CAP_VIOL_NONE},
        {"protocol name MQTX", {0}, 0, {0x10, 0x0c, 0, 4, 'M', 'Q', 'T', 'X', 4, 2, 0, 60, 0, 0}, 14, 1,
         CAP_VIOL_PROTOCOL},
        {"protocol level 9", {0}, 0, {0x10, 0x0c, 0, 4, 'M', 'Q', 'T', 'T', 9, 2, 0, 60, 0, 0}, 14, 1,
         CAP_VIOL_PROTOCOL},
        {"reserved type 0", {0}, 0, {0x00, 0x02, 0x12, 0x34}, 4, 1, CAP_VIOL_RESERVED_TYPE},
        {"reserved type 15", {0}, 0, {0xf0, 0x00}, 2, 1, CAP_VIOL_RESERVED_TYPE},
        {"5-byte remaining length", {0}, 0, {0x10, 0xff, 0xff, 0xff, 0xff, 0x7f}, 6, 1, CAP_VIOL_LENGTH_FIELD},
        {"CONNECT reserved flag", {0}, 0, {0x10, 0x0c, 0, 4, 'M', 'Q', 'T', 'T', 4, 3, 0, 60, 0, 0}, 14, 1,
         CAP_VIOL_CONNECT_FLAGS},
        {"password without user", {0}, 0, {0x10, 0x0c, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x42, 0, 60, 0, 0}, 14, 1,
         CAP_VIOL_CONNECT_FLAGS},
        {"protocol name length past the end", {0}, 0, {0x10, 0x0c, 0xff, 0xf0, 'M', 'Q', 'T', 'T', 4, 2, 0, 60, 0, 0},
         14, 1, CAP_VIOL_TRUNCATED},
        {"PUBLISH QoS 3", {0}, 0, {0x36, 0x09, 0, 3, 'a', '/', 'b', 0, 7, 'x', 'y'}, 11, 1, CAP_VIOL_HEADER_FLAGS},
        {"SUBSCRIBE flags 0", {0}, 0, {0x80, 0x08, 0, 1, 0, 3, 'a', '/', '#', 0}, 10, 1, CAP_VIOL_HEADER_FLAGS},
        {"PUBLISH topic with a wildcard", {0}, 0, {0x30, 0x05, 0, 3, 'a', '/', '#'}, 7, 1, CAP_VIOL_TOPIC},
        {"second CONNECT", {0x10, 0x0c, 0, 4, 'M', 'Q', 'T', 'T', 4, 2, 0, 60, 0, 0}, 14,
         {0x10, 0x0c, 0, 4, 'M', 'Q', 'T', 'T', 4, 2, 0, 60, 0, 0}, 14, 1, CAP_VIOL_SECOND_CONNECT},
        {"CONNACK from the client", {0}, 0, {0x20, 0x02, 0, 0}, 4, 1, CAP_VIOL_DIRECTION},
        {"CONNACK from the server", {0}, 0, {0x20, 0x02, 0, 0}, 4, 0, CAP_VIOL_NONE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mqttids_capture_opts o;
        cap_decoder d;
        uint8_t p[128];
        uint32_t cli = 0x0a000001u, srv = 0x0a000002u, seq = 1001;
        size_t n;
        const double *v;
        mqttids_capture_opts_init(&o);
        CHECK(capture__decoder_init(&d, &o) == 0, "init");
        d.ctx = context__new(0, 0);
        if (!d.ctx)
            return;
        n = ipv4_tcp(p, cli, srv, 40000, 1883, 1000, 0, 0x02, NULL, 0);
        capture__decode_packet(&d, 228, p, n, 0, NULL);
        if (cases[i].pre_n) {
            n = ipv4_tcp(p, cli, srv, 40000, 1883, seq, 0, 0x18, cases[i].pre, cases[i].pre_n);
            capture__decode_packet(&d, 228, p, n, 1000, NULL);
            seq += cases[i].pre_n;
        }
        if (cases[i].up)
            n = ipv4_tcp(p, cli, srv, 40000, 1883, seq, 0, 0x18, cases[i].b, cases[i].n);
        else
            n = ipv4_tcp(p, srv, cli, 1883, 40000, 5000, 0, 0x18, cases[i].b, cases[i].n);
        CHECK(capture__decode_packet(&d, 228, p, n, 2000, NULL) == 1, "%s: decoded", cases[i].what);
        v = context__values(d.ctx);
        CHECK(v[CTX_PKT_MALFORMED_REASON] == cases[i].want && v[CTX_PKT_MALFORMED] == (cases[i].want != 0),
              "%s: reason %g, want %d", cases[i].what, v[CTX_PKT_MALFORMED_REASON], cases[i].want);
        CHECK(v[CTX_CONN_MALFORMED] == (cases[i].want != 0), "%s: counted in the connection", cases[i].what);
        context__free(d.ctx);
        d.ctx = NULL;
        capture__decoder_free(&d);
    }
}

/*
 * The behaviour columns of two sessions of one client host, worked out by hand: a refused
 * CONNECT with keep-alive 65535 closed by the server, then a CONNECT (keep-alive 60) followed
 * by a PUBLISH before the CONNACK. Shares are ratios of counts decayed with tau 60 s.
 */
static void test_behaviour(void)
{
    cap_ctx *c = context__new(16, 0);
    cap_ctx_stream st1, st2;
    cap_fields conn1, conn2, refused, ok, pub;
    const double *o;
    double k;
    if (!c)
        return;
    o = c->out;
    memset(&st1, 0, sizeof st1);
    memset(&st2, 0, sizeof st2);
    fields_with(&conn1, MQTTIDS_F_KALIVE, 65535);
    fields_with(&conn2, MQTTIDS_F_KALIVE, 60);
    fields_with(&refused, MQTTIDS_F_CONACK_VAL, 5);
    fields_with(&ok, MQTTIDS_F_CONACK_VAL, 0);
    fields_with(&pub, MQTTIDS_F_LEN, 30);

    pkt(c, &st1, 1, 1, 0x002, 0, 0, 0, NULL);          /* SYN */
    CHECK(NEAR(o[CTX_SRC_CHURN_LOG2], 0), "churn: 1 connection / max(0 messages, 1): log2 1 = %g",
          o[CTX_SRC_CHURN_LOG2]);
    pkt(c, &st1, 0, 1, 0x018, 20, 1, 1, &conn1);        /* CONNECT, keep-alive 65535 */
    CHECK(o[CTX_CONN_KALIVE_LONG] == 1 && o[CTX_SRC_KALIVE_LONG_SHARE] == 1, "long keep-alive");
    CHECK(o[CTX_PKT_KIND] == 1, "kind CONNECT");
    pkt(c, &st1, 0, 0, 0x018, 4, 2, 2, &refused);       /* CONNACK 5 */
    CHECK(o[CTX_CONN_REFUSED] == 1 && o[CTX_SRC_REFUSED_SHARE] == 1 && o[CTX_PKT_KIND] == 2, "refused");
    pkt(c, &st1, 0, 0, 0x011, 0, 0, 3, NULL);           /* the server closes: no DISCONNECT */
    CHECK(o[CTX_CONN_ABRUPT_CLOSE] == 1 && o[CTX_SRC_ABRUPT_SHARE] == 1, "abrupt close");

    pkt(c, &st2, 1, 1, 0x002, 0, 0, 1000, NULL);        /* a second connection, 1 s later */
    CHECK(o[CTX_CONN_REFUSED] == 0 && o[CTX_CONN_KALIVE_LONG] == 0 && o[CTX_CONN_ABRUPT_CLOSE] == 0,
          "connection state starts over");
    k = exp(-1.0 / 60); /* the first session's events, seen from 1 s later (about) */
    CHECK(NEAR(o[CTX_SRC_REFUSED_SHARE], 1), "host still refused every time: %g", o[CTX_SRC_REFUSED_SHARE]);
    pkt(c, &st2, 0, 1, 0x018, 14, 1, 1001, &conn2);     /* CONNECT, keep-alive 60 */
    /* k / (k + 1) = 0.4958, to the nearest 1/32: 0.5 */
    CHECK(o[CTX_SRC_KALIVE_LONG_SHARE] == 0.5, "long keep-alive share %g (k / (k + 1) = %g)",
          o[CTX_SRC_KALIVE_LONG_SHARE], k / (k + 1));
    pkt(c, &st2, 0, 1, 0x018, 32, 3, 1002, &pub);       /* PUBLISH before the CONNACK */
    CHECK(o[CTX_CONN_EARLY_MSGS] == 1 && o[CTX_SRC_EARLY_SHARE] == 0.5 /* 1 / (k + 1) = 0.504 */,
          "early: %g, share %g", o[CTX_CONN_EARLY_MSGS], o[CTX_SRC_EARLY_SHARE]);
    /* log2(1 + 32) = 5.04, to half an octave 5, under the 64-byte floor: 6 (host: the same) */
    CHECK(o[CTX_STREAM_UP_SEG_LOG2] == 6 && o[CTX_SRC_UP_SEG_LOG2] == 6, "publish segment %g, host %g",
          o[CTX_STREAM_UP_SEG_LOG2], o[CTX_SRC_UP_SEG_LOG2]);
    CHECK(o[CTX_PKT_KIND] == 3, "kind publish flow");
    /* 2 connections per 3 client messages, the first of each decayed by k: log2((k + 1) / (k + 2))
       = -0.589, to half an octave -0.5 */
    CHECK(o[CTX_SRC_CHURN_LOG2] == -0.5, "churn %g", o[CTX_SRC_CHURN_LOG2]);
    pkt(c, &st2, 0, 0, 0x018, 4, 2, 1003, &ok);         /* CONNACK 0 */
    CHECK(o[CTX_CONN_REFUSED] == 0 && o[CTX_SRC_REFUSED_SHARE] == 0.5, "accepted: share %g",
          o[CTX_SRC_REFUSED_SHARE]);
    context__free(c);
}

int main(void)
{
    test_format();
    test_session();
    test_direction();
    test_bounds();
    test_decoder_flood();
    test_names();
    test_violations();
    test_behaviour();
    PASS();
}
