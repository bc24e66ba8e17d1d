/* lab_int.h: cross-file internals of the traffic lab (src/lab). */
#ifndef MQTTIDS_LAB_INT_H
#define MQTTIDS_LAB_INT_H

#include <stdatomic.h>
#include <stdint.h>
#include "mqttids/lab.h"
#include "mqttids/capture.h"

/* Client-side loopback address of attack class k: 127.0.0.(LAB_ADDR_BASE + k). Legitimate
 * clients each have their own host in 127.1.0.0/16: sensor i 127.1.0.(1+i), subscriber j
 * 127.1.1.(1+j) (lab__legit_addr). */
#define LAB_ADDR_BASE 20
#define LAB_LEGIT_NET 1 /* 127.LAB_LEGIT_NET.x.y: legitimate */
#define LAB_MAX_SENSORS 250
#define LAB_USER "sensor"
#define LAB_PASS "h0me-Lab-8"

/* Shared state of one run's generators. Times are seconds on CLOCK_MONOTONIC. */
typedef struct lab_ctx {
    uint16_t port;               /* broker port on 127.0.0.1 (captured) */
    uint16_t client_port;        /* the port clients connect to: the broker's, or the relay's */
    int sensors;                 /* legitimate sensors */
    double t0;                   /* traffic start */
    double start[MQTTIDS_NCLASS], end[MQTTIDS_NCLASS]; /* per class window, absolute */
    double rate[MQTTIDS_NCLASS]; /* per class rate factor (scale x weight) */
    uint64_t seed;
    atomic_int stop;             /* set: every generator returns soon */
    atomic_uint_fast64_t conns[MQTTIDS_NCLASS];
    atomic_uint_fast64_t msgs[MQTTIDS_NCLASS];
    char addr[MQTTIDS_NCLASS][16]; /* "127.0.0.2k" */
} lab_ctx;

/* Address of legitimate client i (sensors 0..sensors-1, then subscribers) into buf[16]. */
void lab__legit_addr(const lab_ctx *c, int i, char *buf);

/*
 * The latency relay (relay.c): listens on 127.0.0.1 (a free port, *port), and for every client
 * connection opens one to the broker at 127.0.0.1:broker_port from the client's own address
 * (so labels by address hold where the broker sees the traffic), forwarding bytes both ways
 * after delay_ms + U[0, jitter_ms] (order kept), FIN as FIN and a reset as a reset.
 * Returns a handle (stop with lab__relay_stop) or NULL with errbuf set.
 */
void *lab__relay_start(uint16_t broker_port, double delay_ms, double jitter_ms, uint64_t seed, uint16_t *port,
                       char *errbuf);
/* Closes every relayed connection and stops the relay thread. NULL is fine. */
void lab__relay_stop(void *relay);
/* Sleeps until absolute time t (or stop); returns 0 when stopped or past end. */
int lab__sleep_until(lab_ctx *c, double t, double end);

/* Starts the generator threads of every class with a window (generators.c). Returns the
 * number of threads started (kept in *threads, *n), or -1 with errbuf set. */
int lab__gen_start(lab_ctx *c, void **threads, char *errbuf);
/* Sets stop and joins every thread. */
void lab__gen_join(lab_ctx *c, void *threads);

/* Labels lab.pcap's rows and writes lab.csv, train.csv, test.csv (label.c). */
mqttids_err lab__write_csvs(const char *dir, uint16_t port, int context, mqttids_lab_result *res,
                            mqttids_progress_fn progress, void *user, char *errbuf);

#endif
