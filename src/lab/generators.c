/*
 * generators.c: the traffic of the lab, calibrated against the MQTTset captures (tshark on
 * the shared heads; docs/internals/lab.md "Calibration"). Legitimate = MQTTset's smart home
 * (N sensors, each with its own interval, payload and QoS, and 2 subscribers, each client its
 * own host, anonymous with random 23-hex client ids), libmosquitto clients. Attacks as MQTTset's
 * tools make them: dos (MQTT-malaria: 8 parallel publishers, long sessions of ~100-byte QoS 1
 * messages on mqtt-malaria/<client>/data/<i>/<n>), flood (one connection, bursts of thousands of
 * tiny QoS 0 PUBLISHes on "Temperature" written in 32 KB chunks), bruteforce (libmosquitto
 * CONNECTs with guessed passwords, refused with CONNACK 5), slowite (plain sockets: a burst of
 * anonymous CONNECTs with keep-alive 65535, then held open silent), malformed (plain sockets:
 * MQTTset's fuzzed field values - odd client id lengths and keep-alives, a PUBLISH before the
 * CONNACK, FIN then reset - and protocol-invalid packets). Each attack's clients bind to their
 * class's loopback address, each legitimate client to its own (lab_int.h).
 */
#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "lab_int.h"
#include "util/util_int.h"

#if MQTTIDS_LAB_MOSQ
#include <mosquitto.h>

static void nap(double s)
{
    if (s <= 0)
        return;
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

int lab__sleep_until(lab_ctx *c, double t, double end)
{
    for (;;) {
        if (atomic_load(&c->stop))
            return 0;
        double now = util__now_s();
        if (now >= end)
            return 0;
        if (now >= t)
            return 1;
        nap(t - now < 0.05 ? t - now : 0.05);
    }
}

static int running(lab_ctx *c, int k)
{
    return !atomic_load(&c->stop) && util__now_s() < c->end[k];
}

typedef struct worker {
    lab_ctx *c;
    int cls, idx;
    char addr[16];      /* the client host this worker binds to */
    util_rng rng;
    pthread_t th;
    void *(*fn)(void *);
} worker;

/* ---- libmosquitto helpers ---- */

typedef struct mq_state {
    atomic_int connack; /* -1 none yet, else the CONNACK return code */
    atomic_int published;
} mq_state;

static void on_connect(struct mosquitto *m, void *u, int rc)
{
    (void)m;
    atomic_store(&((mq_state *)u)->connack, rc);
}

static void on_publish(struct mosquitto *m, void *u, int mid)
{
    (void)m;
    (void)mid;
    atomic_fetch_add(&((mq_state *)u)->published, 1);
}

/* New client of class k, connected (CONNACK read) with user/pass; NULL on failure. st must
 * outlive the client. keepalive in seconds. */
static struct mosquitto *mq_open(worker *w, const char *id, const char *user, const char *pass,
                                 int keepalive, mq_state *st, int want_connack)
{
    lab_ctx *c = w->c;
    atomic_store(&st->connack, -1);
    atomic_store(&st->published, 0);
    struct mosquitto *m = mosquitto_new(id, true, st);
    if (!m)
        return NULL;
    mosquitto_int_option(m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
    mosquitto_connect_callback_set(m, on_connect);
    mosquitto_publish_callback_set(m, on_publish);
    if (user)
        mosquitto_username_pw_set(m, user, pass);
    if (mosquitto_connect_bind(m, "127.0.0.1", c->client_port, keepalive, w->addr) != MOSQ_ERR_SUCCESS) {
        mosquitto_destroy(m);
        return NULL;
    }
    atomic_fetch_add(&c->conns[w->cls], 1);
    if (want_connack) {
        double until = util__now_s() + 2.0;
        while (atomic_load(&st->connack) < 0 && util__now_s() < until && !atomic_load(&c->stop))
            if (mosquitto_loop(m, 20, 1) != MOSQ_ERR_SUCCESS)
                break;
    }
    return m;
}

/* Runs the client's network loop until t (absolute). */
static void mq_pump_until(struct mosquitto *m, lab_ctx *c, double t)
{
    for (;;) {
        double now = util__now_s();
        if (now >= t || atomic_load(&c->stop))
            return;
        int ms = (int)((t - now) * 1000.0);
        if (mosquitto_loop(m, ms < 1 ? 1 : (ms > 50 ? 50 : ms), 1) != MOSQ_ERR_SUCCESS)
            nap(0.005);
    }
}

/* Clean end: waits (at most 1 s) for the acknowledgements of npub messages, DISCONNECT. */
static void mq_close(struct mosquitto *m, mq_state *st, int npub)
{
    double until = util__now_s() + 1.0;
    while (atomic_load(&st->published) < npub && util__now_s() < until)
        if (mosquitto_loop(m, 10, 1) != MOSQ_ERR_SUCCESS)
            break;
    mosquitto_disconnect(m);
    mosquitto_loop(m, 10, 1);
    mosquitto_destroy(m);
}

/* A client id as MQTTset's clients have them: n random hex digits (n < size). */
static void hex_id(util_rng *r, char *buf, size_t n)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++)
        buf[i] = hx[util__rng_below(r, 16)];
    buf[n] = '\0';
}

void lab__legit_addr(const lab_ctx *c, int i, char *buf)
{
    unsigned host = (unsigned)(i < c->sensors ? i : i - c->sensors) % 250u + 1u;
    snprintf(buf, 16, "127.%d.%d.%u", LAB_LEGIT_NET, i < c->sensors ? 0 : 1, host);
}

/* ---- legitimate: the smart home ---- */

typedef struct sensor {
    const char *name, *topic;
    double interval; /* mean seconds between publishes */
    int jitter;      /* 1: exponential intervals (event sensors), 0: periodic +-10% */
    int qos;
} sensor;

/* MQTTset's sensor topics (benign capture); QoS 0/1/2 kept on purpose (real networks mix them) */
static const sensor SENSORS[8] = {
    {"temperature", "Temperature", 0.025, 0, 0},
    {"light", "Light Intensity", 0.040, 0, 1},
    {"humidity", "Humidity", 0.030, 0, 0},
    {"co-gas", "CO-GAS", 0.050, 0, 1},
    {"motion", "Movement", 0.045, 1, 0},
    {"smoke", "Smoke", 0.100, 0, 2},
    {"door", "Door Lock", 0.080, 1, 1},
    {"fan", "Fan Speed", 0.060, 0, 2},
};

static int sensor_payload(int s, util_rng *r, uint64_t n, char *buf, size_t size)
{
    double u = util__rng_uniform(r);
    switch (s) {
    /* short numbers, as MQTTset's sensors send ("-42", "78", "1") */
    case 0: return snprintf(buf, size, "%d", -50 + (int)(100.0 * u));
    case 1: return snprintf(buf, size, "%d", (int)(100.0 * u));
    case 2: return snprintf(buf, size, "%d", 40 + (int)(50.0 * u));
    case 3: return snprintf(buf, size, "%d", (int)(60.0 * u));
    case 4: return snprintf(buf, size, "%s", u < 0.3 ? "1" : "0");
    case 5: return snprintf(buf, size, "%s", u < 0.02 ? "1" : "0");
    case 6: return snprintf(buf, size, "%d", (int)(n & 1));
    default: return snprintf(buf, size, "%d", (int)(u * 4.0));
    }
}

/* A legitimate client: a random 23-character id, then (in its class's window) connected
   with keepalive 60 and its CONNACK awaited. NULL when the window ended or it failed. */
static struct mosquitto *legit_open(worker *w, mq_state *st)
{
    lab_ctx *c = w->c;
    char id[32];
    hex_id(&w->rng, id, 23);
    if (!lab__sleep_until(c, c->start[w->cls], c->end[w->cls]))
        return NULL;
    return mq_open(w, id, NULL, NULL, 60, st, 1);
}

static void *legit_sensor(void *arg)
{
    worker *w = arg;
    lab_ctx *c = w->c;
    const sensor *s = &SENSORS[w->idx % 8];
    char payload[64];
    mq_state st;
    struct mosquitto *m = legit_open(w, &st);
    if (!m)
        return NULL;
    double next = util__now_s() + s->interval * util__rng_uniform(&w->rng);
    int npub = 0;
    uint64_t n = 0;
    while (running(c, w->cls)) {
        mq_pump_until(m, c, next);
        if (!running(c, w->cls))
            break;
        int len = sensor_payload(w->idx % 8, &w->rng, n++, payload, sizeof payload);
        if (mosquitto_publish(m, NULL, s->topic, len, payload, s->qos, false) == MOSQ_ERR_SUCCESS) {
            atomic_fetch_add(&c->msgs[w->cls], 1);
            npub++;
        }
        double mean = s->interval / c->rate[w->cls];
        double u = util__rng_uniform(&w->rng);
        next += s->jitter ? -mean * log1p(-u * 0.999) : mean * (0.9 + 0.2 * u);
    }
    mq_close(m, &st, s->qos ? npub : 0);
    return NULL;
}

static void *legit_subscriber(void *arg)
{
    worker *w = arg;
    lab_ctx *c = w->c;
    mq_state st;
    struct mosquitto *m = legit_open(w, &st);
    if (!m)
        return NULL;
    /* dashboard 0: odd sensor kinds at QoS 0, dashboard 1: even kinds but Temperature (the
       flood's topic) at QoS 1; one SUBSCRIBE per topic */
    for (int k = w->idx == 0 ? 1 : 2; k < 8; k += 2)
        mosquitto_subscribe(m, NULL, SENSORS[k].topic, w->idx == 0 ? 0 : 1);
    mq_pump_until(m, c, c->end[w->cls]);
    mq_close(m, &st, 0);
    return NULL;
}

/* ---- dos: MQTT-malaria publishers ---- */

static void *dos_worker(void *arg)
{
    worker *w = arg;
    lab_ctx *c = w->c;
    char id[64], topic[128], payload[100];
    mq_state st;
    uint64_t session = 0;
    if (!lab__sleep_until(c, c->start[w->cls], c->end[w->cls]))
        return NULL;
    while (running(c, w->cls)) {
        /* malaria: "<host>-<pid>-<n>" ids, topic .../data/<i>/<count>, 100-byte payloads (hex
           text), sessions of -N 10000 messages (so one connection per publisher and phase) */
        snprintf(id, sizeof id, "mqttids-lab.local-%d-%llu", 40000 + w->idx, (unsigned long long)session);
        struct mosquitto *m = mq_open(w, id, NULL, NULL, 60, &st, 1);
        session++;
        if (!m) {
            nap(0.05);
            continue;
        }
        int n = 10000, npub = 0;
        double gap = 1.0 / (150.0 * c->rate[w->cls]), next = util__now_s();
        for (int i = 0; i < n && running(c, w->cls); i++) {
            static const char hx[] = "0123456789abcdef";
            snprintf(topic, sizeof topic, "mqtt-malaria/%s/data/%d/%d", id, i + 1, n);
            for (size_t j = 0; j < sizeof payload; j++)
                payload[j] = hx[util__rng_below(&w->rng, 16)];
            if (mosquitto_publish(m, NULL, topic, (int)sizeof payload, payload, 1, false) == MOSQ_ERR_SUCCESS) {
                atomic_fetch_add(&c->msgs[w->cls], 1);
                npub++;
            }
            next += gap;
            mq_pump_until(m, c, next);
        }
        mq_close(m, &st, npub);
    }
    return NULL;
}

/* ---- bruteforce: guessed credentials ---- */

static void *brute_worker(void *arg)
{
    worker *w = arg;
    lab_ctx *c = w->c;
    static const char *users[] = {"admin", "root", "mqtt", "sensor", "user", "guest", "pi", "test"};
    static const char *words[] = {"password", "123456", "admin", "mosquitto", "qwerty", "letmein",
                                  "raspberry", "iot", "secret", "changeme", "toor", "default"};
    char id[48], user[32], pass[48];
    mq_state st;
    uint64_t n = 0;
    if (!lab__sleep_until(c, c->start[w->cls], c->end[w->cls]))
        return NULL;
    double next = util__now_s();
    while (running(c, w->cls)) {
        snprintf(id, sizeof id, "bf-%d-%llu", w->idx, (unsigned long long)n);
        snprintf(user, sizeof user, "%s", users[util__rng_below(&w->rng, 8)]);
        snprintf(pass, sizeof pass, "%s%u", words[util__rng_below(&w->rng, 12)],
                 (unsigned)util__rng_below(&w->rng, 1000));
        struct mosquitto *m = mq_open(w, id, user, pass, 60, &st, 1);
        n++;
        atomic_fetch_add(&c->msgs[w->cls], 1);
        if (m)
            mosquitto_destroy(m); /* refused: the broker closes; we close too */
        next += 1.0 / (30.0 * c->rate[w->cls]);
        lab__sleep_until(c, next, c->end[w->cls]);
    }
    /* the last guess is right: CONNACK 0, then a clean DISCONNECT */
    if (!atomic_load(&c->stop)) {
        snprintf(id, sizeof id, "bf-%d-found", w->idx);
        struct mosquitto *m = mq_open(w, id, LAB_USER, LAB_PASS, 60, &st, 1);
        if (m)
            mq_close(m, &st, 0);
    }
    return NULL;
}

/* ---- plain-socket helpers (slowite, malformed) ---- */

static int raw_connect(lab_ctx *c, int k)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    inet_pton(AF_INET, c->addr[k], &a.sin_addr);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0)
        goto fail;
    a.sin_port = htons(c->client_port);
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0)
        goto fail;
    atomic_fetch_add(&c->conns[k], 1);
    return fd;
fail:
    close(fd);
    return -1;
}

static void put16(uint8_t *p, size_t *n, uint16_t v)
{
    p[(*n)++] = (uint8_t)(v >> 8);
    p[(*n)++] = (uint8_t)v;
}

static void putstr(uint8_t *p, size_t *n, const char *s)
{
    size_t l = strlen(s);
    put16(p, n, (uint16_t)l);
    memcpy(p + *n, s, l);
    *n += l;
}

/* A CONNECT (3.1.1) into p; returns its length. Remaining length < 128 assumed. */
static size_t connect_pkt(uint8_t *p, const char *proto, int level, int flags, int keepalive,
                          const char *id, const char *user, const char *pass)
{
    size_t n = 2;
    putstr(p, &n, proto);
    p[n++] = (uint8_t)level;
    p[n++] = (uint8_t)flags;
    put16(p, &n, (uint16_t)keepalive);
    putstr(p, &n, id);
    if (user)
        putstr(p, &n, user);
    if (pass)
        putstr(p, &n, pass);
    p[0] = 0x10;
    p[1] = (uint8_t)(n - 2);
    return n;
}

/* Puts a fixed header (type/flags byte, remaining length rl as a varint) at p; returns its size. */
static size_t fixed_hdr(uint8_t *p, uint8_t first, size_t rl)
{
    size_t n = 0;
    p[n++] = first;
    do {
        uint8_t b = (uint8_t)(rl % 128);
        rl /= 128;
        p[n++] = (uint8_t)(b | (rl ? 0x80 : 0));
    } while (rl);
    return n;
}

/* Reads what is there within ms milliseconds (discarded); returns 0 when the peer closed. */
static int drain(int fd, int ms)
{
    struct pollfd pf = {fd, POLLIN, 0};
    char buf[512];
    if (poll(&pf, 1, ms) <= 0)
        return 1;
    ssize_t r = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    return r == 0 ? 0 : 1;
}

/* ---- slowite: many connections held open with keep-alive 65535 ---- */

static void *slowite_worker(void *arg)
{
    worker *w = arg;
    lab_ctx *c = w->c;
    int k = w->cls;
    double span = c->end[k] - c->start[k];
    int target = (int)(span * 60.0 * c->rate[k]); /* connections over the first 70% of the phase */
    if (target < 1)
        target = 1;
    int *fds = calloc((size_t)target, sizeof *fds);
    int open = 0;
    if (!fds)
        goto out;
    if (!lab__sleep_until(c, c->start[k], c->end[k]))
        goto out;
    /* the tool opens them as fast as it can (MQTTset: 909 connections in 0.5 s): at most 1000/s */
    double gap = span * 0.7 / target, next = util__now_s();
    uint8_t pkt[128];
    if (gap > 0.001)
        gap = 0.001;
    while (running(c, k)) {
        double now = util__now_s();
        if (open < target && now >= next) {
            int fd = raw_connect(c, k);
            if (fd >= 0) {
                char id[32];
                hex_id(&w->rng, id, 18); /* MQTTset's slowite ids: 18 characters */
                size_t n = connect_pkt(pkt, "MQTT", 4, 0x02, 65535, id, NULL, NULL);
                send(fd, pkt, n, MSG_NOSIGNAL);
                atomic_fetch_add(&c->msgs[k], 1);
                fds[open] = fd;
                open++;
            }
            next += gap;
        }
        /* silent: keep-alive 65535 needs no PINGREQ; read whatever the broker sent */
        for (int i = 0; i < open; i++) {
            if (fds[i] < 0)
                continue;
            if (!drain(fds[i], 0)) {
                close(fds[i]);
                fds[i] = -1;
            }
        }
        nap(0.005);
    }
out:
    for (int i = 0; i < open; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    free(fds);
    return NULL;
}

/* ---- flood: one connection, bursts of tiny QoS 0 PUBLISHes on topic Temperature ---- */

/*
 * MQTTset's flood: an anonymous client (23-hex id, keep-alive 60) that, every ~2 s, writes
 * thousands of 15-16 byte QoS 0 PUBLISHes on "Temperature" at once; on the wire they are
 * 32760-byte segments, each holding ~2000 messages. Here: a burst of 5000 messages every
 * 2 s / rate, written in 32760-byte chunks (the socket's TCP_NODELAY keeps the chunks apart).
 */
static void *flood_worker(void *arg)
{
    worker *w = arg;
    lab_ctx *c = w->c;
    int k = w->cls, one = 1;
    enum { BURST = 5000, CHUNK = 32760 };
    uint8_t *buf = malloc((size_t)BURST * 24), pkt[64];
    if (!buf)
        return NULL;
    if (!lab__sleep_until(c, c->start[k], c->end[k])) {
        free(buf);
        return NULL;
    }
    while (running(c, k)) {
        int fd = raw_connect(c, k);
        char id[32];
        if (fd < 0) {
            nap(0.1);
            continue;
        }
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        hex_id(&w->rng, id, 23);
        size_t n = connect_pkt(pkt, "MQTT", 4, 0x02, 60, id, NULL, NULL);
        int alive = send(fd, pkt, n, MSG_NOSIGNAL) == (ssize_t)n;
        atomic_fetch_add(&c->msgs[k], 1);
        drain(fd, 200); /* the CONNACK */
        double next = util__now_s() + 0.2 + 0.3 * util__rng_uniform(&w->rng);
        while (alive && running(c, k)) {
            if (!lab__sleep_until(c, next, c->end[k]))
                break;
            size_t len = 0;
            for (int i = 0; i < BURST; i++) {
                char v[8];
                int vl = snprintf(v, sizeof v, "%d", -50 + (int)util__rng_below(&w->rng, 100));
                len += fixed_hdr(buf + len, 0x30, 2 + 11 + (size_t)vl);
                put16(buf, &len, 11);
                memcpy(buf + len, "Temperature", 11);
                len += 11;
                memcpy(buf + len, v, (size_t)vl);
                len += (size_t)vl;
            }
            for (size_t off = 0; off < len && alive; off += CHUNK) {
                size_t part = len - off < CHUNK ? len - off : CHUNK;
                alive = send(fd, buf + off, part, MSG_NOSIGNAL) == (ssize_t)part;
            }
            atomic_fetch_add(&c->msgs[k], BURST);
            if (!drain(fd, 0)) /* nothing comes back for QoS 0 but a close */
                alive = 0;
            next += 2.0 / c->rate[k];
        }
        if (alive) {
            static const uint8_t disc[2] = {0xE0, 0x00};
            send(fd, disc, 2, MSG_NOSIGNAL);
        }
        close(fd);
    }
    free(buf);
    return NULL;
}

/* ---- malformed: syntactically invalid MQTT on plain sockets ---- */

#define MALFORMED_KINDS 14

/* Writes malformed packet number kind into p; *pre = 1 when a valid CONNECT goes first. */
static size_t malformed_pkt(int kind, util_rng *r, uint8_t *p, int *pre)
{
    size_t n = 0;
    *pre = 0;
    switch (kind) {
    case 0: /* protocol name that is not MQTT */
        return connect_pkt(p, "MQTX", 4, 0x02, 60, "mf0", NULL, NULL);
    case 1: /* unknown protocol level */
        return connect_pkt(p, "MQTT", 9, 0x02, 60, "mf1", NULL, NULL);
    case 2: /* reserved packet type 0 */
        p[0] = 0x00, p[1] = 0x02, p[2] = 0x12, p[3] = 0x34;
        return 4;
    case 3: /* reserved packet type 15 first */
        p[0] = 0xF0, p[1] = 0x00;
        return 2;
    case 4: /* remaining length longer than 4 bytes */
        p[0] = 0x10, p[1] = 0xFF, p[2] = 0xFF, p[3] = 0xFF, p[4] = 0xFF, p[5] = 0x7F;
        return 6;
    case 5: /* CONNECT reserved flag set */
        return connect_pkt(p, "MQTT", 4, 0x03, 60, "mf5", NULL, NULL);
    case 6: /* protocol name length past the packet */
        n = connect_pkt(p, "MQTT", 4, 0x02, 60, "mf6", NULL, NULL);
        p[2] = 0xFF, p[3] = 0xF0;
        return n;
    case 7: /* PUBLISH with QoS 3 */
        *pre = 1;
        p[0] = 0x36, p[1] = 0x09;
        n = 2;
        putstr(p, &n, "a/b");
        put16(p, &n, 7);
        p[n++] = 'x', p[n++] = 'y';
        return n;
    case 8: /* SUBSCRIBE with wrong fixed-header flags */
        *pre = 1;
        p[0] = 0x80, p[1] = 0x08;
        n = 2;
        put16(p, &n, 1);
        putstr(p, &n, "a/#");
        p[n++] = 0x00;
        return n;
    case 9: /* PUBLISH whose topic length is past the packet */
        *pre = 1;
        p[0] = 0x30, p[1] = 0x06;
        n = 2;
        put16(p, &n, 0x0400);
        p[n++] = 't', p[n++] = 'o', p[n++] = 'p', p[n++] = 'i';
        return n;
    case 10: /* random bytes */
        n = 8 + util__rng_below(r, 40);
        for (size_t i = 0; i < n; i++)
            p[i] = (uint8_t)util__rng_below(r, 256);
        return n;
    case 11: /* a CONNECT cut short (remaining length says more) */
        n = connect_pkt(p, "MQTT", 4, 0x02, 60, "mf11", NULL, NULL);
        p[1] = (uint8_t)(p[1] + 20);
        return n;
    case 12: /* a second CONNECT on the same connection */
        *pre = 1;
        return connect_pkt(p, "MQTT", 4, 0x02, 60, "mf12", NULL, NULL);
    default: /* password flag without user name flag */
        return connect_pkt(p, "MQTT", 4, 0x42, 60, "mf13", NULL, "pw");
    }
}

/*
 * MQTTset's malformed tool (fuzzed field values, not broken framing): a CONNECT whose client id
 * length and keep-alive are fuzzed (ids of 0, 1, 4, 6 or 680 characters; keep-alive 60 or 1, 2,
 * 3, 234), then at once - without waiting for the CONNACK - a PUBLISH (QoS 0, short fuzzed
 * topic and payload), a SUBSCRIBE or a PUBREC, and close(): FIN with the last packet, and a
 * reset when the broker's CONNACK reaches the closed socket. Writes the bytes into p.
 */
static size_t fuzz_session(util_rng *r, uint8_t *p, size_t *connect_len)
{
    static const int idlen[8] = {0, 0, 0, 0, 1, 4, 6, 680};
    static const int kalive[8] = {60, 60, 60, 60, 1, 2, 3, 234};
    static const char al[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    int il = idlen[util__rng_below(r, 8)], ka = kalive[util__rng_below(r, 8)];
    size_t n = fixed_hdr(p, 0x10, 12 + (size_t)il);
    putstr(p, &n, "MQTT");
    p[n++] = 4;
    p[n++] = 0x02;
    put16(p, &n, (uint16_t)ka);
    put16(p, &n, (uint16_t)il);
    for (int i = 0; i < il; i++)
        p[n++] = (uint8_t)al[util__rng_below(r, sizeof al - 1)];
    *connect_len = n;
    uint64_t kind = util__rng_below(r, 10);
    if (kind < 8) { /* PUBLISH QoS 0: topic of 1-6 characters, payload of 1-8 */
        int tl = 1 + (int)util__rng_below(r, 6), pl = 1 + (int)util__rng_below(r, 8);
        n += fixed_hdr(p + n, 0x30, 2 + (size_t)(tl + pl));
        put16(p, &n, (uint16_t)tl);
        for (int i = 0; i < tl + pl; i++)
            p[n++] = (uint8_t)al[util__rng_below(r, sizeof al - 1)];
    } else if (kind == 8) { /* SUBSCRIBE to a fuzzed filter */
        int tl = 1 + (int)util__rng_below(r, 6);
        n += fixed_hdr(p + n, 0x82, 2 + 2 + (size_t)tl + 1);
        put16(p, &n, (uint16_t)(1 + util__rng_below(r, 65535)));
        put16(p, &n, (uint16_t)tl);
        for (int i = 0; i < tl; i++)
            p[n++] = (uint8_t)al[util__rng_below(r, sizeof al - 1)];
        p[n++] = (uint8_t)util__rng_below(r, 3);
    } else { /* PUBREC of a message id never sent */
        n += fixed_hdr(p + n, 0x50, 2);
        put16(p, &n, (uint16_t)(1 + util__rng_below(r, 65535)));
    }
    return n;
}

static void *malformed_worker(void *arg)
{
    worker *w = arg;
    lab_ctx *c = w->c;
    int k = w->cls;
    uint8_t pkt[1024], pre[128];
    if (!lab__sleep_until(c, c->start[k], c->end[k]))
        return NULL;
    double next = util__now_s();
    uint64_t n = 0;
    while (running(c, k)) {
        int fd = raw_connect(c, k), first;
        if (fd >= 0 && util__rng_uniform(&w->rng) < 0.6) {
            /* 60%: MQTTset's fuzzed values; 40%: protocol-invalid packets (below) */
            size_t cl, len = fuzz_session(&w->rng, pkt, &cl);
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            send(fd, pkt, cl, MSG_NOSIGNAL); /* two segments, as the tool writes them */
            send(fd, pkt + cl, len - cl, MSG_NOSIGNAL);
            atomic_fetch_add(&c->msgs[k], 2);
            close(fd);
        } else if (fd >= 0) {
            size_t len = malformed_pkt((int)util__rng_below(&w->rng, MALFORMED_KINDS), &w->rng, pkt, &first);
            if (first) {
                char id[32];
                snprintf(id, sizeof id, "mfc-%d-%llu", w->idx, (unsigned long long)n);
                size_t pl = connect_pkt(pre, "MQTT", 4, 0x02, 60, id, NULL, NULL);
                send(fd, pre, pl, MSG_NOSIGNAL);
                drain(fd, 100);
            }
            send(fd, pkt, len, MSG_NOSIGNAL);
            atomic_fetch_add(&c->msgs[k], 1);
            /* until the broker closes, at most 0.3 s */
            double until = util__now_s() + 0.3;
            while (util__now_s() < until && drain(fd, 20))
                ;
            close(fd);
        }
        n++;
        next += 1.0 / (40.0 * c->rate[k]);
        lab__sleep_until(c, next, c->end[k]);
    }
    return NULL;
}

/* ---- start / join ---- */

typedef struct gen_set {
    worker *w;
    int n;
} gen_set;

int lab__gen_start(lab_ctx *c, void **threads, char *errbuf)
{
    /* workers per class: legitimate N sensors + 2 subscribers; dos 8 (malaria -n 8); flood 1;
     * bruteforce 3; malformed 2; slowite 1 (holds all its sockets) */
    const int per[MQTTIDS_NCLASS] = {c->sensors + 2, 8, 3, 2, 1, 1};
    gen_set *g = calloc(1, sizeof *g);
    if (!g || !(g->w = calloc((size_t)c->sensors + 32, sizeof *g->w))) {
        free(g);
        util__fail(errbuf, MQTTIDS_ERR_NOMEM, "lab: out of memory");
        return -1;
    }
    mosquitto_lib_init();
    for (int k = 0; k < MQTTIDS_NCLASS; k++) {
        if (c->end[k] <= c->start[k])
            continue;
        for (int i = 0; i < per[k]; i++) {
            worker *w = &g->w[g->n];
            w->c = c;
            w->cls = k;
            w->idx = i;
            util__rng_seed(&w->rng, c->seed * 1000003u + (uint64_t)(k * 1024 + i));
            if (k == MQTTIDS_CLASS_LEGITIMATE)
                lab__legit_addr(c, i, w->addr);
            else
                snprintf(w->addr, sizeof w->addr, "%s", c->addr[k]);
            switch (k) {
            case MQTTIDS_CLASS_LEGITIMATE:
                w->fn = i < c->sensors ? legit_sensor : legit_subscriber;
                w->idx = i < c->sensors ? i : i - c->sensors;
                break;
            case MQTTIDS_CLASS_DOS: w->fn = dos_worker; break;
            case MQTTIDS_CLASS_BRUTEFORCE: w->fn = brute_worker; break;
            case MQTTIDS_CLASS_MALFORMED: w->fn = malformed_worker; break;
            case MQTTIDS_CLASS_SLOWITE: w->fn = slowite_worker; break;
            default: w->fn = flood_worker; break;
            }
            if (pthread_create(&w->th, NULL, w->fn, w) != 0) {
                atomic_store(&c->stop, 1);
                *threads = g;
                lab__gen_join(c, g);
                util__fail(errbuf, MQTTIDS_ERR_NOMEM, "lab: cannot start a generator thread");
                return -1;
            }
            g->n++;
        }
    }
    *threads = g;
    return g->n;
}

void lab__gen_join(lab_ctx *c, void *threads)
{
    gen_set *g = threads;
    if (!g)
        return;
    atomic_store(&c->stop, 1);
    for (int i = 0; i < g->n; i++)
        pthread_join(g->w[i].th, NULL);
    free(g->w);
    free(g);
    mosquitto_lib_cleanup();
}

#endif /* MQTTIDS_LAB_MOSQ */
