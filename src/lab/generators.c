/*
 * generators.c: the traffic of the lab. Legitimate = MQTTset's smart home (8 sensors, each with
 * its own interval, payload and QoS, and 2 subscribers), libmosquitto clients. Attacks as
 * MQTTset describes them: dos (MQTT-malaria: parallel publishers, short sessions of 345-byte
 * messages), flood (few ~30 KB PUBLISHes on topic "Temperature"), bruteforce (libmosquitto
 * CONNECTs with guessed passwords, refused with CONNACK 5), slowite (plain sockets: CONNECT
 * with keep-alive 65535, then held open with almost no traffic), malformed (plain sockets:
 * invalid MQTT). Each class's clients bind to their own loopback address (lab_int.h).
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

double lab__now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

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
        double now = lab__now();
        if (now >= end)
            return 0;
        if (now >= t)
            return 1;
        nap(t - now < 0.05 ? t - now : 0.05);
    }
}

static int running(lab_ctx *c, int k)
{
    return !atomic_load(&c->stop) && lab__now() < c->end[k];
}

typedef struct worker {
    lab_ctx *c;
    int cls, idx;
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
    if (mosquitto_connect_bind(m, "127.0.0.1", c->port, keepalive, c->addr[w->cls]) != MOSQ_ERR_SUCCESS) {
        mosquitto_destroy(m);
        return NULL;
    }
    atomic_fetch_add(&c->conns[w->cls], 1);
    if (want_connack) {
        double until = lab__now() + 2.0;
        while (atomic_load(&st->connack) < 0 && lab__now() < until && !atomic_load(&c->stop))
            if (mosquitto_loop(m, 20, 1) != MOSQ_ERR_SUCCESS)
                break;
    }
    return m;
}

/* Runs the client's network loop until t (absolute). */
static void mq_pump_until(struct mosquitto *m, lab_ctx *c, double t)
{
    for (;;) {
        double now = lab__now();
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
    double until = lab__now() + 1.0;
    while (atomic_load(&st->published) < npub && lab__now() < until)
        if (mosquitto_loop(m, 10, 1) != MOSQ_ERR_SUCCESS)
            break;
    mosquitto_disconnect(m);
    mosquitto_loop(m, 10, 1);
    mosquitto_destroy(m);
}

/* ---- legitimate: the smart home ---- */

typedef struct sensor {
    const char *name, *topic;
    double interval; /* mean seconds between publishes */
    int jitter;      /* 1: exponential intervals (event sensors), 0: periodic +-10% */
    int qos;
} sensor;

static const sensor SENSORS[8] = {
    {"temperature", "home/room1/temperature", 0.025, 0, 0},
    {"light", "home/room2/light", 0.040, 0, 1},
    {"humidity", "home/room1/humidity", 0.030, 0, 0},
    {"co-gas", "home/room2/co-gas", 0.050, 0, 1},
    {"motion", "home/room1/motion", 0.045, 1, 0},
    {"smoke", "home/room2/smoke", 0.100, 0, 2},
    {"door", "home/room1/door", 0.080, 1, 1},
    {"fan", "home/room2/fan", 0.060, 0, 2},
};

static int sensor_payload(int s, util_rng *r, uint64_t n, char *buf, size_t size)
{
    double u = util__rng_uniform(r);
    switch (s) {
    case 0: return snprintf(buf, size, "%.1f", 20.0 + 3.0 * u);
    case 1: return snprintf(buf, size, "%d", 300 + (int)(200.0 * u));
    case 2: return snprintf(buf, size, "%.0f", 40.0 + 15.0 * u);
    case 3: return snprintf(buf, size, "%.2f", 0.5 + 2.0 * u);
    case 4: return snprintf(buf, size, "%s", u < 0.3 ? "1" : "0");
    case 5: return snprintf(buf, size, "%s", u < 0.02 ? "1" : "0");
    case 6: return snprintf(buf, size, "%s", (n & 1) ? "open" : "closed");
    default: return snprintf(buf, size, "{\"speed\":%d}", (int)(u * 4.0));
    }
}

static void *legit_sensor(void *arg)
{
    worker *w = arg;
    lab_ctx *c = w->c;
    const sensor *s = &SENSORS[w->idx];
    char id[48], payload[64];
    mq_state st;
    snprintf(id, sizeof id, "%s-sensor", s->name);
    if (!lab__sleep_until(c, c->start[w->cls], c->end[w->cls]))
        return NULL;
    struct mosquitto *m = mq_open(w, id, LAB_USER, LAB_PASS, 60, &st, 1);
    if (!m)
        return NULL;
    double next = lab__now() + s->interval * util__rng_uniform(&w->rng);
    int npub = 0;
    uint64_t n = 0;
    while (running(c, w->cls)) {
        mq_pump_until(m, c, next);
        if (!running(c, w->cls))
            break;
        int len = sensor_payload(w->idx, &w->rng, n++, payload, sizeof payload);
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
    char id[32];
    mq_state st;
    snprintf(id, sizeof id, "dashboard-%d", w->idx);
    if (!lab__sleep_until(c, c->start[w->cls], c->end[w->cls]))
        return NULL;
    struct mosquitto *m = mq_open(w, id, LAB_USER, LAB_PASS, 60, &st, 1);
    if (!m)
        return NULL;
    mosquitto_subscribe(m, NULL, w->idx == 0 ? "home/room1/#" : "home/room2/#", w->idx == 0 ? 0 : 1);
    mq_pump_until(m, c, c->end[w->cls]);
    mq_close(m, &st, 0);
    return NULL;
}

/* ---- dos: MQTT-malaria publishers ---- */

static void *dos_worker(void *arg)
{
    worker *w = arg;
    lab_ctx *c = w->c;
    char id[48], topic[96], payload[345];
    mq_state st;
    uint64_t session = 0;
    if (!lab__sleep_until(c, c->start[w->cls], c->end[w->cls]))
        return NULL;
    while (running(c, w->cls)) {
        snprintf(id, sizeof id, "malaria-%d-%llu", w->idx, (unsigned long long)session);
        snprintf(topic, sizeof topic, "mqtt-malaria/%s/data", id);
        struct mosquitto *m = mq_open(w, id, LAB_USER, LAB_PASS, 60, &st, 1);
        session++;
        if (!m) {
            nap(0.05);
            continue;
        }
        int n = 20 + (int)util__rng_below(&w->rng, 40), npub = 0;
        double gap = 1.0 / (150.0 * c->rate[w->cls]), next = lab__now();
        for (int i = 0; i < n && running(c, w->cls); i++) {
            /* malaria's payload: a sequence header and filler to 345 bytes */
            int h = snprintf(payload, sizeof payload, "%d-%llu-%d:", w->idx, (unsigned long long)session, i);
            for (int j = h; j < (int)sizeof payload; j++)
                payload[j] = (char)('a' + (j + i) % 26);
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

/* ---- flood: few very large publishes on topic Temperature ---- */

static void *flood_worker(void *arg)
{
    worker *w = arg;
    lab_ctx *c = w->c;
    char id[48];
    mq_state st;
    size_t cap = 33000;
    char *payload = malloc(cap);
    if (!payload)
        return NULL;
    if (!lab__sleep_until(c, c->start[w->cls], c->end[w->cls])) {
        free(payload);
        return NULL;
    }
    uint64_t session = 0;
    while (running(c, w->cls)) {
        snprintf(id, sizeof id, "flooder-%d-%llu", w->idx, (unsigned long long)session++);
        struct mosquitto *m = mq_open(w, id, LAB_USER, LAB_PASS, 60, &st, 1);
        if (!m) {
            nap(0.1);
            continue;
        }
        int npub = 0;
        double next = lab__now();
        for (int i = 0; i < 10 && running(c, w->cls); i++) {
            size_t len = 28000 + util__rng_below(&w->rng, 4000);
            for (size_t j = 0; j < len; j++)
                payload[j] = (char)('0' + (j + (size_t)i) % 10);
            if (mosquitto_publish(m, NULL, "Temperature", (int)len, payload, 1, false) == MOSQ_ERR_SUCCESS) {
                atomic_fetch_add(&c->msgs[w->cls], 1);
                npub++;
            }
            next += 0.12 / c->rate[w->cls];
            mq_pump_until(m, c, next);
        }
        mq_close(m, &st, npub);
    }
    free(payload);
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
    double next = lab__now();
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
    a.sin_port = htons(c->port);
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
    double *ping = calloc((size_t)target, sizeof *ping);
    int open = 0;
    if (!fds || !ping)
        goto out;
    if (!lab__sleep_until(c, c->start[k], c->end[k]))
        goto out;
    double gap = span * 0.7 / target, next = lab__now();
    uint8_t pkt[128];
    while (running(c, k)) {
        double now = lab__now();
        if (open < target && now >= next) {
            int fd = raw_connect(c, k);
            if (fd >= 0) {
                char id[32];
                snprintf(id, sizeof id, "slowite-%d", open);
                size_t n = connect_pkt(pkt, "MQTT", 4, 0xC2, 65535, id, LAB_USER, LAB_PASS);
                send(fd, pkt, n, MSG_NOSIGNAL);
                atomic_fetch_add(&c->msgs[k], 1);
                fds[open] = fd;
                ping[open] = now + 2.0 + 6.0 * util__rng_uniform(&w->rng);
                open++;
            }
            next += gap;
        }
        /* minimal traffic: a rare PINGREQ; read whatever the broker sent */
        for (int i = 0; i < open; i++) {
            if (fds[i] < 0)
                continue;
            if (now >= ping[i]) {
                static const uint8_t pingreq[2] = {0xC0, 0x00};
                send(fds[i], pingreq, 2, MSG_NOSIGNAL);
                atomic_fetch_add(&c->msgs[k], 1);
                ping[i] = now + 4.0 + 8.0 * util__rng_uniform(&w->rng);
            }
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
    free(ping);
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

static void *malformed_worker(void *arg)
{
    worker *w = arg;
    lab_ctx *c = w->c;
    int k = w->cls;
    uint8_t pkt[128], pre[128];
    if (!lab__sleep_until(c, c->start[k], c->end[k]))
        return NULL;
    double next = lab__now();
    uint64_t n = 0;
    while (running(c, k)) {
        int fd = raw_connect(c, k), first;
        if (fd >= 0) {
            size_t len = malformed_pkt((int)util__rng_below(&w->rng, MALFORMED_KINDS), &w->rng, pkt, &first);
            if (first) {
                char id[32];
                snprintf(id, sizeof id, "mfc-%d-%llu", w->idx, (unsigned long long)n);
                size_t pl = connect_pkt(pre, "MQTT", 4, 0xC2, 60, id, LAB_USER, LAB_PASS);
                send(fd, pre, pl, MSG_NOSIGNAL);
                drain(fd, 100);
            }
            send(fd, pkt, len, MSG_NOSIGNAL);
            atomic_fetch_add(&c->msgs[k], 1);
            /* until the broker closes, at most 0.3 s */
            double until = lab__now() + 0.3;
            while (lab__now() < until && drain(fd, 20))
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
    /* workers per class: legitimate 8 sensors + 2 subscribers; dos 8 (malaria -n 8); flood 2;
     * bruteforce 3; malformed 2; slowite 1 (holds all its sockets) */
    static const int per[MQTTIDS_NCLASS] = {10, 8, 3, 2, 1, 2};
    gen_set *g = calloc(1, sizeof *g);
    if (!g || !(g->w = calloc(32, sizeof *g->w))) {
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
            util__rng_seed(&w->rng, c->seed * 1000003u + (uint64_t)(k * 64 + i));
            switch (k) {
            case MQTTIDS_CLASS_LEGITIMATE: w->fn = i < 8 ? legit_sensor : legit_subscriber; w->idx = i < 8 ? i : i - 8; break;
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
