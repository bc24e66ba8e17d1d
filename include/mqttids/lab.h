/*
 * mqttids/lab.h: the traffic lab. Makes labeled MQTT traffic the way MQTTset was made: a
 * real Mosquitto broker (Debian's /usr/sbin/mosquitto, started on a free loopback port with
 * a password file), the 8 smart-home sensors of MQTTset plus subscribers (legitimate), and
 * the five attacks (dos, flood, slowite, bruteforce, malformed), captured on the loopback
 * interface with libpcap. Every packet is labeled by the generator that owns its TCP
 * connection: each attack's clients connect from their own loopback address 127.0.0.(20+class)
 * (mqttids_class order), legitimate clients each from their own 127.1.x.y, so a row's class
 * is the class of its client-side address (broker->client packets included), whatever source
 * port the kernel picked.
 *
 * Outputs in opts.out_dir: lab.pcap (nanosecond pcap), lab.csv (the rows `mqttids extract
 * --port PORT` writes for lab.pcap, target = the row's class), train.csv / test.csv (per
 * class, the first 70% of that class's rows in capture order train, the rest test, as
 * MQTTset's reduced files are split). Needs capture rights on the loopback interface (root).
 * Details: docs/internals/lab.md. Without libpcap or libmosquitto: MQTTIDS_ERR_UNSUPPORTED.
 */
#ifndef MQTTIDS_LAB_H
#define MQTTIDS_LAB_H

#include <stdint.h>
#include "mqttids/common.h"
#include "mqttids/schema.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How the classes share the run. */
typedef enum mqttids_lab_mode {
    MQTTIDS_LAB_PHASES = 0, /* legitimate all along; each attack in its own phase, one after another */
    MQTTIDS_LAB_MIXED = 1,  /* legitimate and every attack at the same time, all along */
} mqttids_lab_mode;

/* Options of a lab run; start from mqttids_lab_opts_init(). */
typedef struct mqttids_lab_opts {
    const char *out_dir;       /* output folder, created if missing (required) */
    double duration_s;         /* traffic time in seconds (default 60; > 0) */
    mqttids_lab_mode mode;     /* default MQTTIDS_LAB_PHASES */
    double weight[MQTTIDS_NCLASS]; /* per class (mqttids_class index): phases: share of the attack
                                  time; both modes: intensity factor; 0 leaves the class out
                                  (default 1 each; legitimate's weight only scales its rate) */
    double scale;              /* rate factor for every generator (default 1) */
    double rate[MQTTIDS_NCLASS]; /* per class rate factor, on top of scale and weight (default 1;
                                  (0, 100]): messages, attempts or connections per second */
    int sensors;               /* legitimate sensors (default 8, [1, 250]); each sensor and each of
                                  the 2 subscribers is its own client host 127.1.x.y */
    double latency_ms;         /* added one-way latency between the clients and the broker
                                  (default 0: none; [0, 5000]), by a delaying TCP relay: see
                                  docs/internals/lab.md "Latency" */
    double jitter_ms;          /* uniform jitter added to each delay, [0, jitter] (default 0) */
    uint64_t seed;             /* payloads, guesses, timing jitter (default 1) */
    int context;               /* 1: CSVs carry the flow-context columns ctx.* (default 0) */
    const char *mosquitto;     /* broker binary (default "/usr/sbin/mosquitto") */
    const char *mosquitto_passwd; /* password tool (default "/usr/bin/mosquitto_passwd") */
    const char *iface;         /* capture interface (default "lo") */
} mqttids_lab_opts;

/* Fills o with the defaults above. */
void mqttids_lab_opts_init(mqttids_lab_opts *o);

/* What a run made. */
typedef struct mqttids_lab_result {
    uint16_t port;                        /* the broker's TCP port */
    uint64_t packets;                     /* packets in lab.pcap */
    uint64_t drops;                       /* packets the kernel dropped (pcap_stats); 0 is expected */
    uint64_t rows;                        /* rows in lab.csv */
    uint64_t unlabeled;                   /* rows of no generator (dropped from the CSVs; 0 is expected) */
    uint64_t rows_class[MQTTIDS_NCLASS];  /* rows per class */
    uint64_t train_class[MQTTIDS_NCLASS]; /* train.csv rows per class */
    uint64_t conns_class[MQTTIDS_NCLASS]; /* TCP connections the generators opened */
    uint64_t msgs_class[MQTTIDS_NCLASS];  /* MQTT messages (or attempts) the generators sent */
    double seconds;                       /* traffic time actually run */
} mqttids_lab_result;

/*
 * Runs the lab: broker, capture, generators for o->duration_s, then writes the outputs
 * (each written to a temporary file and renamed into place). progress (may be NULL) is
 * called about every 0.2 s with ("lab", elapsed s, duration s) and then with ("label",
 * rows, 0); a non-zero return stops the traffic early and the run returns
 * MQTTIDS_ERR_INTERRUPTED without writing the CSVs. The broker and every generator are
 * stopped and the broker's temporary folder removed before returning.
 * Returns MQTTIDS_OK, MQTTIDS_ERR_INVALID (bad options), MQTTIDS_ERR_UNSUPPORTED (no
 * libpcap / libmosquitto in this build), MQTTIDS_ERR_PCAP (no capture rights: errbuf says
 * so), MQTTIDS_ERR_IO (broker or output trouble: errbuf names the file or the broker log line).
 * Also returns MQTTIDS_ERR_MALFORMED, MQTTIDS_ERR_NET, MQTTIDS_ERR_NOMEM,
 * MQTTIDS_ERR_NOT_FOUND (mqttids/common.h).
 */
mqttids_err mqttids_lab_run(const mqttids_lab_opts *o, mqttids_lab_result *res /* OUT */,
                            mqttids_progress_fn progress, void *progress_user,
                            char errbuf[MQTTIDS_ERRBUF_SIZE]);

#ifdef __cplusplus
}
#endif
#endif
