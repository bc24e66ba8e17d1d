/*
 * test_lab.c: unit tests of the lab module without a broker or root: option checks of
 * mqttids_lab_run, and the labeler (label.c) on a hand-built pcap whose packets come from
 * the class addresses 127.0.0.20..25 (both directions, interleaved across classes) plus one
 * packet of no generator: every row gets its class in capture order, the unlabeled one is
 * left out and counted, and train.csv holds exactly the first floor(70%) of each class's rows.
 * The latency relay (relay.c) on loopback: an echo server behind it sees the client's own
 * address, the echo comes back no sooner than two delays, bytes stay in order, and the
 * client's end of stream reaches the server as an end of stream.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lab/lab_int.h"
#include "mqttids/config.h"
#include "mqttids/lab.h"
#include "testhelp.h"

static void put32(FILE *f, uint32_t v) { fwrite(&v, 4, 1, f); }

/* one Ethernet/IPv4/TCP packet, no payload, ACK */
static void packet(FILE *f, uint32_t sec, int src_last, int dst_last, uint16_t sport, uint16_t dport, uint32_t seq)
{
    uint8_t p[54];
    memset(p, 0, sizeof p);
    p[12] = 0x08;                                   /* ethertype IPv4 */
    uint8_t *ip = p + 14, *tcp = p + 34;
    ip[0] = 0x45;
    ip[3] = 40;                                     /* total length */
    ip[8] = 64;
    ip[9] = 6;                                      /* TCP */
    ip[12] = 127, ip[15] = (uint8_t)src_last;
    ip[16] = 127, ip[19] = (uint8_t)dst_last;
    tcp[0] = (uint8_t)(sport >> 8), tcp[1] = (uint8_t)sport;
    tcp[2] = (uint8_t)(dport >> 8), tcp[3] = (uint8_t)dport;
    tcp[4] = (uint8_t)(seq >> 24), tcp[5] = (uint8_t)(seq >> 16), tcp[6] = (uint8_t)(seq >> 8), tcp[7] = (uint8_t)seq;
    tcp[12] = 0x50;
    tcp[13] = 0x10;                                 /* ACK */
    tcp[14] = 0xff;
    put32(f, sec);
    put32(f, 0);
    put32(f, sizeof p);
    put32(f, sizeof p);
    fwrite(p, sizeof p, 1, f);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *s = calloc((size_t)n + 1, 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    fclose(f);
    return s;
}

/* the targets of a CSV's rows (after the header), in order, into out; returns the count */
static int targets(const char *csv, int *out, int max)
{
    int n = 0;
    const char *p = strchr(csv, '\n');
    while (p && p[1] && n < max) {
        const char *e = strchr(p + 1, '\n');
        if (!e)
            break;
        const char *c = e;
        while (c > p && *c != ',')
            c--;
        out[n++] = mqttids_class_find(c + 1, (size_t)(e - c - 1));
        p = e;
    }
    return n;
}

/* ---- the latency relay ---- */

typedef struct echo_srv {
    int lfd;
    char peer[16];   /* the address the server saw */
    size_t bytes;    /* echoed */
    int got_eof;
} echo_srv;

static void *echo_main(void *arg)
{
    echo_srv *e = arg;
    struct sockaddr_in a;
    socklen_t l = sizeof a;
    int fd = accept(e->lfd, (struct sockaddr *)&a, &l);
    char buf[4096];
    if (fd < 0)
        return NULL;
    inet_ntop(AF_INET, &a.sin_addr, e->peer, sizeof e->peer);
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0) {
            e->got_eof = n == 0;
            break;
        }
        e->bytes += (size_t)n;
        send(fd, buf, (size_t)n, MSG_NOSIGNAL);
    }
    close(fd);
    return NULL;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void test_relay(void)
{
    echo_srv e;
    struct sockaddr_in a;
    socklen_t l = sizeof a;
    pthread_t th;
    uint16_t rport = 0;
    char errbuf[MQTTIDS_ERRBUF_SIZE], got[64];
    const char msg1[] = "CONNECT", msg2[] = "PUBLISH-0123456789";
    size_t have = 0;
    double t0, t1;
    void *r;
    memset(&e, 0, sizeof e);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    e.lfd = socket(AF_INET, SOCK_STREAM, 0);
    if (e.lfd < 0 || bind(e.lfd, (struct sockaddr *)&a, sizeof a) != 0 || listen(e.lfd, 4) != 0 ||
        getsockname(e.lfd, (struct sockaddr *)&a, &l) != 0) {
        fprintf(stderr, "no loopback socket: relay test skipped\n");
        return;
    }
    r = lab__relay_start(ntohs(a.sin_port), 60.0, 10.0, 1, &rport, errbuf);
    CHECK(r != NULL && rport != 0, "relay start: %s", errbuf);
    if (!r)
        return;
    pthread_create(&th, NULL, echo_main, &e);
    /* a client from 127.0.0.23 (a lab class address) through the relay */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in c;
    memset(&c, 0, sizeof c);
    c.sin_family = AF_INET;
    inet_pton(AF_INET, "127.0.0.23", &c.sin_addr);
    CHECK(bind(fd, (struct sockaddr *)&c, sizeof c) == 0, "bind 127.0.0.23");
    c.sin_port = htons(rport);
    inet_pton(AF_INET, "127.0.0.1", &c.sin_addr);
    CHECK(connect(fd, (struct sockaddr *)&c, sizeof c) == 0, "connect to the relay");
    t0 = now_s();
    send(fd, msg1, strlen(msg1), MSG_NOSIGNAL);
    send(fd, msg2, strlen(msg2), MSG_NOSIGNAL);
    shutdown(fd, SHUT_WR); /* the end of stream follows the bytes */
    while (have < sizeof got - 1) {
        struct pollfd pf = {fd, POLLIN, 0};
        if (poll(&pf, 1, 3000) <= 0)
            break;
        ssize_t n = recv(fd, got + have, sizeof got - 1 - have, 0);
        if (n <= 0)
            break;
        have += (size_t)n;
        if (have >= strlen(msg1) + strlen(msg2))
            break;
    }
    t1 = now_s();
    got[have] = '\0';
    CHECK(strcmp(got, "CONNECTPUBLISH-0123456789") == 0, "echo in order through the relay: '%s'", got);
    /* lower bound only (never an upper one): there and back, each at least the 60 ms delay */
    CHECK(t1 - t0 >= 0.120, "round trip %.3f s >= 2 x 60 ms", t1 - t0);
    close(fd);
    pthread_join(th, NULL);
    CHECK(strcmp(e.peer, "127.0.0.23") == 0, "the server sees the client's own address (%s)", e.peer);
    CHECK(e.got_eof && e.bytes == strlen(msg1) + strlen(msg2), "FIN passed on after the bytes (%zu bytes)", e.bytes);
    lab__relay_stop(r);
    close(e.lfd);
    lab__relay_stop(NULL);
}

int main(void)
{
    char errbuf[MQTTIDS_ERRBUF_SIZE];
    mqttids_lab_opts o;
    mqttids_lab_result r;

    test_relay();
    mqttids_lab_opts_init(&o);
    CHECK(o.sensors == 8 && o.rate[MQTTIDS_CLASS_DOS] == 1.0 && o.latency_ms == 0, "knob defaults");
    CHECK(o.duration_s == 60.0 && o.mode == MQTTIDS_LAB_PHASES && o.scale == 1.0 && o.weight[5] == 1.0,
          "defaults");
    CHECK(strcmp(o.mosquitto, "/usr/sbin/mosquitto") == 0 && strcmp(o.iface, "lo") == 0, "default paths");
#if MQTTIDS_WITH_PCAP
    CHECK(mqttids_lab_run(&o, &r, NULL, NULL, errbuf) == MQTTIDS_ERR_INVALID, "no out_dir");
    o.out_dir = "/nonexistent-dir/x";
    o.duration_s = -1;
    CHECK(mqttids_lab_run(&o, &r, NULL, NULL, errbuf) == MQTTIDS_ERR_INVALID, "negative duration");
    o.duration_s = 1;
    o.weight[2] = -1;
    CHECK(mqttids_lab_run(&o, &r, NULL, NULL, errbuf) == MQTTIDS_ERR_INVALID &&
              strstr(errbuf, "bruteforce"), "bad weight: %s", errbuf);
    o.weight[2] = 1;
    o.rate[MQTTIDS_CLASS_FLOOD] = 0;
    CHECK(mqttids_lab_run(&o, &r, NULL, NULL, errbuf) == MQTTIDS_ERR_INVALID && strstr(errbuf, "rate of flood"),
          "zero rate: %s", errbuf);
    o.rate[MQTTIDS_CLASS_FLOOD] = 1;
    o.sensors = 251;
    CHECK(mqttids_lab_run(&o, &r, NULL, NULL, errbuf) == MQTTIDS_ERR_INVALID && strstr(errbuf, "sensors"),
          "too many sensors: %s", errbuf);
    o.sensors = 8;
    o.latency_ms = -5;
    CHECK(mqttids_lab_run(&o, &r, NULL, NULL, errbuf) == MQTTIDS_ERR_INVALID && strstr(errbuf, "latency"),
          "negative latency: %s", errbuf);
    o.latency_ms = 0;
    o.mosquitto = "/nonexistent/mosquitto";
    mqttids_err e = mqttids_lab_run(&o, &r, NULL, NULL, errbuf);
    CHECK(e == MQTTIDS_ERR_IO || e == MQTTIDS_ERR_UNSUPPORTED, "missing broker: %d %s", e, errbuf);
    if (e == MQTTIDS_ERR_IO)
        CHECK(strstr(errbuf, "/nonexistent/mosquitto") != NULL, "names the broker path: %s", errbuf);

    /* the labeler on a hand-built capture */
    char dir[] = "/tmp/mqttids-test-lab.XXXXXX", path[256];
    CHECK(mkdtemp(dir) != NULL, "mkdtemp");
    snprintf(path, sizeof path, "%s/lab.pcap", dir);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL, "create %s", path);
    if (!f)
        PASS();
    put32(f, 0xa1b2c3d4);
    put32(f, 0x00040002);
    put32(f, 0);
    put32(f, 0);
    put32(f, 65535);
    put32(f, 1);
    int n_cls[MQTTIDS_NCLASS], expect[128], ne = 0, left[MQTTIDS_NCLASS];
    for (int k = 0; k < MQTTIDS_NCLASS; k++)
        left[k] = n_cls[k] = 10 + k;
    uint32_t t = 1000;
    for (int round = 0; ne < 75; round++)
        for (int k = MQTTIDS_NCLASS - 1; k >= 0; k--) {
            if (!left[k])
                continue;
            int up = (left[k] & 1) != 0;
            uint16_t cport = (uint16_t)(40000 + k);
            if (up)
                packet(f, t++, LAB_ADDR_BASE + k, 1, cport, 1883, (uint32_t)round);
            else
                packet(f, t++, 1, LAB_ADDR_BASE + k, 1883, cport, (uint32_t)round);
            expect[ne++] = k;
            left[k]--;
            if (round == 3 && k == 2)
                packet(f, t++, 9, 1, 45000, 1883, 1); /* no generator's */
        }
    fclose(f);
    memset(&r, 0, sizeof r);
    e = lab__write_csvs(dir, 1883, 0, &r, NULL, NULL, errbuf);
    CHECK(e == MQTTIDS_OK, "write_csvs: %s", errbuf);
    CHECK(r.rows == 75 && r.unlabeled == 1, "rows %llu unlabeled %llu", (unsigned long long)r.rows,
          (unsigned long long)r.unlabeled);
    char *names[3] = {"lab.csv", "train.csv", "test.csv"}, *txt[3];
    int got[3][128], ng[3];
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        txt[i] = slurp(path);
        CHECK(txt[i] != NULL, "read %s", path);
        ng[i] = txt[i] ? targets(txt[i], got[i], 128) : 0;
    }
    CHECK(ng[0] == 75, "lab.csv rows %d", ng[0]);
    int same = ng[0] == 75;
    for (int i = 0; same && i < 75; i++)
        same = got[0][i] == expect[i];
    CHECK(same, "lab.csv targets follow the packets' class addresses in capture order");
    /* split: walk the expected order; the first floor(70%) of each class go to train */
    int seen[MQTTIDS_NCLASS] = {0}, wt[128], we[128], nt = 0, nte = 0;
    for (int i = 0; i < 75; i++) {
        int k = expect[i];
        if (seen[k]++ < n_cls[k] * 7 / 10)
            wt[nt++] = k;
        else
            we[nte++] = k;
    }
    CHECK(ng[1] == nt && ng[2] == nte, "train %d (want %d), test %d (want %d)", ng[1], nt, ng[2], nte);
    same = ng[1] == nt && ng[2] == nte;
    for (int i = 0; same && i < nt; i++)
        same = got[1][i] == wt[i];
    for (int i = 0; same && i < nte; i++)
        same = got[2][i] == we[i];
    CHECK(same, "train/test rows per class in capture order");
    for (int k = 0; k < MQTTIDS_NCLASS; k++)
        CHECK(r.rows_class[k] == (uint64_t)n_cls[k] && r.train_class[k] == (uint64_t)(n_cls[k] * 7 / 10),
              "class %d: rows %llu train %llu", k, (unsigned long long)r.rows_class[k],
              (unsigned long long)r.train_class[k]);
    /* the three CSVs share extract's header */
    CHECK(txt[0] && txt[1] && txt[2] && strncmp(txt[0], "tcp.flags,tcp.time_delta,tcp.len,", 33) == 0 &&
              strcspn(txt[0], "\n") == strcspn(txt[1], "\n") && strncmp(txt[0], txt[1], strcspn(txt[0], "\n")) == 0,
          "headers");
    for (int i = 0; i < 3; i++) {
        free(txt[i]);
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    snprintf(path, sizeof path, "%s/lab.pcap", dir);
    unlink(path);
    rmdir(dir);
#endif
    PASS();
}
