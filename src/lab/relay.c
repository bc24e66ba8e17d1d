/*
 * relay.c: the lab's added latency (`mqttids lab --latency MS[,JITTER]`), in user space since
 * tc netem is not always there. A delaying TCP relay: clients connect to it on 127.0.0.1; for
 * each it opens a connection to the broker FROM THE CLIENT'S OWN ADDRESS (bind before
 * connect; all of 127/8 is local), so the capture on the broker's port labels by address as
 * without latency. Every chunk read from one side is written to the other side at read time
 * + delay (+ U[0, jitter], never before the chunk ahead of it), the connection itself is
 * opened after one delay (the SYN's trip), an end of stream is passed on as FIN after the same
 * delay, a reset as a reset (SO_LINGER 0).
 *
 * What it does not delay: the TCP handshake and the pure ACKs of each leg (the kernel makes
 * them), so the broker-side capture shows the delay between a broker message and the client's
 * answer (CONNACK -> first PUBLISH/SUBSCRIBE, PUBLISH -> PUBACK), not on TCP's own packets.
 * One thread, epoll, non-blocking sockets; queued bytes per direction capped (reading pauses).
 * Not here: the capture (lab.c), the clients (generators.c). Needs neither libpcap nor
 * libmosquitto (unit-tested alone: tests/unit/test_lab.c).
 */
#define _GNU_SOURCE /* accept4 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include "lab_int.h"
#include "util/util_int.h"

enum { CH_DATA = 0, CH_FIN = 1, CH_RESET = 2 };
#define RELAY_QUEUE_MAX ((size_t)16 << 20) /* bytes queued per direction before reading pauses */
#define RELAY_READ 65536

typedef struct chunk {
    struct chunk *next;
    double due;          /* monotonic seconds */
    size_t len, off;
    int kind;            /* CH_* */
    uint8_t data[];
} chunk;

struct pair;
typedef struct endpoint {
    struct pair *p;
    int side;            /* 0: client leg, 1: broker leg */
    int fd;
    uint32_t mask;       /* events registered (0: not in the epoll set) */
    int eof;             /* read side ended (FIN or reset seen) */
    int want_out;        /* a due chunk for this socket could not be written at once */
} endpoint;

/* Direction d carries bytes read from ep[d] to ep[1 - d]. */
typedef struct pair {
    struct pair *prev, *next;
    endpoint ep[2];
    chunk *head[2], *tail[2];
    size_t queued[2];
    double last_due[2];
    double connect_due;  /* when the broker leg is opened */
    int connecting;      /* broker leg: 0 not started, 1 in progress, 2 up, 3 failed */
    int done[2];         /* direction d delivered its FIN */
    struct sockaddr_in client; /* the client's address (the broker leg binds to it) */
} pair;

typedef struct relay {
    int lfd, epfd;
    uint16_t broker_port;
    double delay_s, jitter_s;
    util_rng rng;
    atomic_int stop;
    pthread_t th;
    pair *pairs;
} relay;

static double delay(relay *r)
{
    return r->delay_s + (r->jitter_s > 0 ? r->jitter_s * util__rng_uniform(&r->rng) : 0);
}

static void set_mask(relay *r, endpoint *e, uint32_t mask)
{
    if (e->fd < 0 || mask == e->mask)
        return;
    if (!mask) { /* out of the set: an ended socket would report HUP forever */
        epoll_ctl(r->epfd, EPOLL_CTL_DEL, e->fd, NULL);
        e->mask = 0;
        return;
    }
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = mask;
    ev.data.ptr = e;
    if (epoll_ctl(r->epfd, e->mask ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, e->fd, &ev) == 0)
        e->mask = mask;
}

static void pair_free(relay *r, pair *p, int reset)
{
    for (int s = 0; s < 2; s++) {
        chunk *c = p->head[s];
        while (c) {
            chunk *n = c->next;
            free(c);
            c = n;
        }
        if (p->ep[s].fd >= 0) {
            if (reset) {
                struct linger lg = {1, 0};
                setsockopt(p->ep[s].fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
            }
            epoll_ctl(r->epfd, EPOLL_CTL_DEL, p->ep[s].fd, NULL);
            close(p->ep[s].fd);
        }
    }
    if (p->prev)
        p->prev->next = p->next;
    else
        r->pairs = p->next;
    if (p->next)
        p->next->prev = p->prev;
    free(p);
}

static int enqueue(relay *r, pair *p, int d, int kind, const uint8_t *data, size_t len)
{
    chunk *c = malloc(sizeof *c + len);
    double due = util__now_s() + delay(r);
    if (!c)
        return -1;
    if (due < p->last_due[d])
        due = p->last_due[d]; /* order kept */
    p->last_due[d] = due;
    c->next = NULL;
    c->due = due;
    c->len = len;
    c->off = 0;
    c->kind = kind;
    if (len)
        memcpy(c->data, data, len);
    if (p->tail[d])
        p->tail[d]->next = c;
    else
        p->head[d] = c;
    p->tail[d] = c;
    p->queued[d] += len;
    return 0;
}

/* The events endpoint e waits for: reads unless ended or its queue is full, writes when the
 * chunk due for it could not be written at once. */
static void update(relay *r, pair *p, int s)
{
    endpoint *e = &p->ep[s];
    uint32_t m = 0;
    if (!e->eof && p->queued[s] < RELAY_QUEUE_MAX && (s == 0 || p->connecting == 2))
        m |= EPOLLIN;
    if (e->want_out || (s == 1 && p->connecting == 1)) /* or the broker leg's connect to finish */
        m |= EPOLLOUT;
    set_mask(r, e, m);
}

/* Writes what is due in direction d. Returns -1 when the pair was freed. */
static int flush(relay *r, pair *p, int d, double now)
{
    endpoint *to = &p->ep[1 - d];
    int want_out = 0;
    if (to->fd < 0 || (d == 0 && p->connecting != 2))
        return 0;
    while (p->head[d] && p->head[d]->due <= now) {
        chunk *c = p->head[d];
        if (c->kind == CH_RESET) {
            pair_free(r, p, 1);
            return -1;
        }
        if (c->kind == CH_FIN) {
            shutdown(to->fd, SHUT_WR);
            p->done[d] = 1;
        } else {
            ssize_t w = send(to->fd, c->data + c->off, c->len - c->off, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
                want_out = 1;
                break;
            }
            if (w < 0) { /* the other side is gone: reset this connection */
                pair_free(r, p, 1);
                return -1;
            }
            c->off += (size_t)w;
            p->queued[d] -= (size_t)w;
            if (c->off < c->len) {
                want_out = 1;
                break;
            }
        }
        p->head[d] = c->next;
        if (!p->head[d])
            p->tail[d] = NULL;
        free(c);
    }
    to->want_out = want_out;
    update(r, p, 1 - d);
    update(r, p, d);
    if (p->done[0] && p->done[1]) {
        pair_free(r, p, 0);
        return -1;
    }
    return 0;
}

/* A non-blocking TCP socket bound to address b (a kernel-chosen port) whose port is not avoid,
   the broker's: a connection with the broker's port at both ends would have no client side by
   ports (extract --ids, the labels). Returns the socket, or -1. */
static int socket_bound_not(struct sockaddr_in b, uint16_t avoid)
{
    for (int tries = 0; tries < 4; tries++) {
        struct sockaddr_in got;
        socklen_t gl = sizeof got;
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), one = 1;
        if (fd < 0)
            return -1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        b.sin_port = 0;
        if (bind(fd, (struct sockaddr *)&b, sizeof b) != 0 ||
            getsockname(fd, (struct sockaddr *)&got, &gl) != 0) {
            close(fd);
            return -1;
        }
        if (ntohs(got.sin_port) != avoid)
            return fd;
        close(fd);
    }
    return -1;
}

static void start_connect(relay *r, pair *p)
{
    struct sockaddr_in a;
    int fd = socket_bound_not(p->client, r->broker_port);
    p->connecting = 1;
    if (fd < 0) {
        p->connecting = 3;
        enqueue(r, p, 1, CH_RESET, NULL, 0);
        return;
    }
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(r->broker_port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    p->ep[1].fd = fd;
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0 && errno != EINPROGRESS) {
        p->connecting = 3;
        enqueue(r, p, 1, CH_RESET, NULL, 0);
        return;
    }
    set_mask(r, &p->ep[1], EPOLLOUT);
}

static void on_accept(relay *r)
{
    for (;;) {
        struct sockaddr_in ca;
        socklen_t cl = sizeof ca;
        int fd = accept4(r->lfd, (struct sockaddr *)&ca, &cl, SOCK_CLOEXEC | SOCK_NONBLOCK), one = 1;
        pair *p;
        if (fd < 0)
            return;
        p = calloc(1, sizeof *p);
        if (!p) {
            close(fd);
            continue;
        }
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        p->client = ca;
        p->ep[0].p = p->ep[1].p = p;
        p->ep[0].side = 0;
        p->ep[1].side = 1;
        p->ep[0].fd = fd;
        p->ep[1].fd = -1;
        p->connect_due = util__now_s() + delay(r);
        p->last_due[0] = p->last_due[1] = p->connect_due;
        p->next = r->pairs;
        if (r->pairs)
            r->pairs->prev = p;
        r->pairs = p;
        update(r, p, 0);
    }
}

/* Reads from endpoint e; returns -1 when the pair was freed. */
static int on_read(relay *r, endpoint *e)
{
    pair *p = e->p;
    int d = e->side;
    uint8_t buf[RELAY_READ];
    for (int i = 0; i < 4 && !e->eof && p->queued[d] < RELAY_QUEUE_MAX; i++) {
        ssize_t n = recv(e->fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0) {
            if (enqueue(r, p, d, CH_DATA, buf, (size_t)n) != 0)
                break;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            break;
        e->eof = 1;
        enqueue(r, p, d, n == 0 ? CH_FIN : CH_RESET, NULL, 0);
    }
    update(r, p, d);
    return 0;
}

static void on_connected(relay *r, pair *p)
{
    int err = 0;
    socklen_t l = sizeof err;
    if (getsockopt(p->ep[1].fd, SOL_SOCKET, SO_ERROR, &err, &l) != 0 || err != 0) {
        /* the broker refused: the client sees a reset after the delay */
        p->ep[1].eof = 1;
        p->connecting = 3; /* failed */
        enqueue(r, p, 1, CH_RESET, NULL, 0);
        set_mask(r, &p->ep[1], 0);
        return;
    }
    p->connecting = 2;
    update(r, p, 1);
}

static void *relay_main(void *arg)
{
    relay *r = arg;
    struct epoll_event evs[64];
    double deadline = 0;
    for (;;) {
        double now = util__now_s(), next = now + 0.02;
        if (atomic_load(&r->stop)) {
            if (deadline == 0) {
                deadline = now + r->delay_s + r->jitter_s + 0.5;
                epoll_ctl(r->epfd, EPOLL_CTL_DEL, r->lfd, NULL);
            }
            if (now >= deadline || !r->pairs)
                break;
        }
        for (pair *p = r->pairs, *nx; p; p = nx) {
            nx = p->next;
            if (!p->connecting && now >= p->connect_due)
                start_connect(r, p);
            if (flush(r, p, 0, now) < 0 || flush(r, p, 1, now) < 0)
                continue;
            for (int d = 0; d < 2; d++)
                if (p->head[d] && p->head[d]->due < next)
                    next = p->head[d]->due;
            if (!p->connecting && p->connect_due < next)
                next = p->connect_due;
        }
        int ms = (int)((next - util__now_s()) * 1000.0 + 0.999);
        int n = epoll_wait(r->epfd, evs, 64, ms < 0 ? 0 : ms);
        for (int i = 0; i < n; i++) {
            endpoint *e = evs[i].data.ptr;
            if (!e) {
                on_accept(r);
                continue;
            }
            if (e->side == 1 && e->p->connecting == 1 && (evs[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
                on_connected(r, e->p);
                continue;
            }
            if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP))
                on_read(r, e);
            /* EPOLLOUT: the next flush pass writes */
        }
    }
    while (r->pairs)
        pair_free(r, r->pairs, 0);
    return NULL;
}

void *lab__relay_start(uint16_t broker_port, double delay_ms, double jitter_ms, uint64_t seed, uint16_t *port,
                       char *errbuf)
{
    relay *r = calloc(1, sizeof *r);
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    struct epoll_event ev;
    if (!r) {
        util__fail(errbuf, MQTTIDS_ERR_NOMEM, "lab: out of memory");
        return NULL;
    }
    r->broker_port = broker_port;
    r->delay_s = delay_ms / 1000.0;
    r->jitter_s = jitter_ms / 1000.0;
    util__rng_seed(&r->rng, seed * 7919u + 17u);
    r->epfd = epoll_create1(EPOLL_CLOEXEC);
    r->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    memset(&ev, 0, sizeof ev);
    ev.events = EPOLLIN;
    ev.data.ptr = NULL;
    if (r->epfd < 0 || r->lfd < 0 || bind(r->lfd, (struct sockaddr *)&a, sizeof a) != 0 || listen(r->lfd, 4096) != 0 ||
        getsockname(r->lfd, (struct sockaddr *)&a, &len) != 0 || epoll_ctl(r->epfd, EPOLL_CTL_ADD, r->lfd, &ev) != 0) {
        util__fail(errbuf, MQTTIDS_ERR_IO, "lab: latency relay on 127.0.0.1: %s", strerror(errno));
        goto fail;
    }
    *port = ntohs(a.sin_port);
    if (pthread_create(&r->th, NULL, relay_main, r) != 0) {
        util__fail(errbuf, MQTTIDS_ERR_NOMEM, "lab: cannot start the latency relay thread");
        goto fail;
    }
    return r;
fail:
    if (r->lfd >= 0)
        close(r->lfd);
    if (r->epfd >= 0)
        close(r->epfd);
    free(r);
    return NULL;
}

void lab__relay_stop(void *arg)
{
    relay *r = arg;
    if (!r)
        return;
    atomic_store(&r->stop, 1);
    pthread_join(r->th, NULL);
    close(r->lfd);
    close(r->epfd);
    free(r);
}
