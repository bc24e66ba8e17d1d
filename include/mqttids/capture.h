/*
 * mqttids/capture.h: MQTTset rows from packet captures (pcap / pcapng files) and from live
 * traffic (libpcap), the same rows tshark 4.0 + the MQTTset scripts make.
 *
 * One row per TCP packet (IPv4 or IPv6 over Ethernet, Linux cooked SLL/SLL2, raw IP or BSD
 * loopback): tcp.flags, tcp.time_delta (time since the previous packet of the same TCP
 * stream) and tcp.len, plus the MQTT fields of the packet when TCP port 1883 (or the
 * configured ports) carries MQTT 3.1 / 3.1.1 / 5. As in tshark with `-E occurrence=f`, each
 * MQTT field holds its FIRST occurrence in the packet; an MQTT message split over segments
 * shows on the segment that completes it. The exact rules: docs/internals/capture.md.
 *
 * Flow context (opts.context): named ctx.* columns computed causally from the packet's TCP
 * stream, MQTT session and source host (docs/internals/context.md); never identities.
 *
 * Not here: models (model.h), sinks.
 * Without libpcap (MQTTIDS_WITH_PCAP off) the open functions return MQTTIDS_ERR_UNSUPPORTED.
 */
#ifndef MQTTIDS_CAPTURE_H
#define MQTTIDS_CAPTURE_H

#include <stdio.h>
#include "mqttids/common.h"
#include "mqttids/schema.h"
#include "mqttids/dataset.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mqttids_capture mqttids_capture;

#define MQTTIDS_CAPTURE_MAX_PORTS 16

/* Options for opening a capture; start from mqttids_capture_opts_init(). */
typedef struct mqttids_capture_opts {
    uint16_t mqtt_ports[MQTTIDS_CAPTURE_MAX_PORTS]; /* TCP ports decoded as MQTT (default {1883}) */
    int n_mqtt_ports;          /* how many of mqtt_ports are used (0: no MQTT decoding) */
    const char *filter;        /* BPF filter; live default "tcp port 1883", files default none */
    int snaplen;               /* live: bytes captured per packet (default 262144) */
    int promisc;               /* live: promiscuous mode (default 0) */
    int timeout_ms;            /* live: read timeout; next() returns TIMEOUT after it (default 200) */
    size_t max_streams;        /* stream table cap; the least recently seen is dropped (default 1M) */
    double idle_timeout_s;     /* drop streams idle this long (0: never; default 0 files, 600 live) */
    size_t max_pdu;            /* largest MQTT message reassembled, bytes (default 16 MiB) */
    size_t max_reassembly;     /* all streams' reassembly buffers together (default 256 MiB) */
    int context;               /* 1: also compute the flow-context columns ctx.* (default 0) */
    size_t max_sources;        /* context: source-host table cap (default 65536) */
    int ids;                   /* CSV writer: also write the identity columns id.stream and
                                  id.client, for evaluation only (default 0; never features) */
} mqttids_capture_opts;

/* Fills o with the defaults above (files; the live defaults apply when opening live). */
void mqttids_capture_opts_init(mqttids_capture_opts *o);

/*
 * Opens a pcap or pcapng file ("-" is stdin) with nanosecond timestamps.
 * Returns MQTTIDS_OK with *out set (caller closes with mqttids_capture_close),
 * MQTTIDS_ERR_IO / MQTTIDS_ERR_PCAP (libpcap text kept, path named) or
 * MQTTIDS_ERR_UNSUPPORTED (no libpcap in this build, or an unsupported link type).
 * Also returns MQTTIDS_ERR_INVALID, MQTTIDS_ERR_NET, MQTTIDS_ERR_NOMEM,
 * MQTTIDS_ERR_NOT_FOUND (mqttids/common.h).
 */
mqttids_err mqttids_capture_open_file(const char *path,
                                      const mqttids_capture_opts *o, /* NULL: defaults */
                                      mqttids_capture **out,         /* OUT */
                                      char errbuf[MQTTIDS_ERRBUF_SIZE]);

/*
 * Opens a live capture on interface iface (pcap_create + pcap_activate) with o->filter
 * (NULL: "tcp port 1883"). Needs capture rights (root or CAP_NET_RAW).
 * Returns: MQTTIDS_OK on success, else MQTTIDS_ERR_INVALID, MQTTIDS_ERR_NOMEM,
 * MQTTIDS_ERR_PCAP, MQTTIDS_ERR_UNSUPPORTED (mqttids/common.h).
 */
mqttids_err mqttids_capture_open_live(const char *iface,
                                      const mqttids_capture_opts *o, /* NULL: defaults */
                                      mqttids_capture **out,         /* OUT */
                                      char errbuf[MQTTIDS_ERRBUF_SIZE]);

/* Closes cap and frees everything it owns; NULL is fine. */
void mqttids_capture_close(mqttids_capture *cap);

/* Flow metadata of one row, for alerts. Addresses are in network byte order. */
typedef struct mqttids_flow {
    int64_t ts_sec;            /* packet time, seconds since the epoch */
    uint32_t ts_nsec;          /* and nanoseconds */
    uint64_t frame;            /* packet number in the capture, from 1 (tshark frame.number) */
    uint64_t stream;           /* TCP stream index, from 0 (tshark tcp.stream) */
    int ip_version;            /* 4 or 6 */
    uint8_t src[16], dst[16];  /* IPv4 addresses use the first 4 bytes */
    uint16_t sport, dport;
    int is_mqtt;               /* at least one MQTT field is present */
    uint64_t present;          /* bit f set: feature f was printed by tshark (not missing) */
    uint8_t syn_client;        /* who opened the connection: the sender of its stream's first SYN
                                  without ACK; 1: this packet's source, 2: its destination,
                                  0: no such SYN seen (the capture began mid-connection) */
} mqttids_flow;

/* What mqttids_capture_next found. */
typedef enum mqttids_capture_status {
    MQTTIDS_CAPTURE_ROW = 0,     /* a row: rec and flow are filled */
    MQTTIDS_CAPTURE_TIMEOUT = 1, /* live: no packet within timeout_ms (call again) */
    MQTTIDS_CAPTURE_END = 2,     /* end of file, or stopped by mqttids_capture_breakloop */
} mqttids_capture_status;

/*
 * Reads packets until the next TCP packet and fills rec (33 features; HEX/TEXT strings
 * borrowed from cap, valid until the next call) and flow (may be NULL). Packets that are
 * not TCP over IP are counted and skipped. rec->label is left at -1.
 * Returns MQTTIDS_OK with *status set, or MQTTIDS_ERR_PCAP / MQTTIDS_ERR_MALFORMED for a
 * truncated or corrupt file: errbuf then names the file, the packet number and the byte
 * offset of the record that could not be read.
 * Also returns MQTTIDS_ERR_NET, MQTTIDS_ERR_NOMEM, MQTTIDS_ERR_UNSUPPORTED
 * (mqttids/common.h).
 */
mqttids_err mqttids_capture_next(mqttids_capture *cap,
                                 mqttids_record *rec,          /* OUT */
                                 mqttids_flow *flow,           /* OUT, may be NULL */
                                 mqttids_capture_status *status, /* OUT */
                                 char errbuf[MQTTIDS_ERRBUF_SIZE]);

/* Asks a running mqttids_capture_next to return END soon. Async-signal-safe. */
void mqttids_capture_breakloop(mqttids_capture *cap);

/* Number of flow-context columns (the ctx.* columns, same on every capture). */
size_t mqttids_capture_ctx_count(void);
/* Name of context column k ("ctx.stream_pkts_up", ...), NULL when k is out of range. Static. */
const char *mqttids_capture_ctx_name(size_t k);
/*
 * The context values of the row mqttids_capture_next returned last (mqttids_capture_ctx_count
 * of them, in name order), borrowed, valid until the next call; NULL when the capture was
 * opened without opts.context.
 */
const double *mqttids_capture_ctx_values(const mqttids_capture *cap);

/* Counters of a capture. */
typedef struct mqttids_capture_stats {
    uint64_t packets;       /* packets read */
    uint64_t rows;          /* TCP packets turned into rows */
    uint64_t skipped;       /* packets that are not TCP over IPv4/IPv6 (or IP fragments) */
    uint64_t mqtt_rows;     /* rows with MQTT fields */
    uint64_t streams;       /* TCP streams seen */
    uint64_t streams_evicted; /* streams dropped by the cap or the idle timeout */
    uint64_t drops;         /* live: packets the kernel dropped (pcap_stats ps_drop) */
    uint64_t if_drops;      /* live: packets the interface dropped (ps_ifdrop) */
    uint16_t busiest_port;  /* the TCP port in most packets (either end): the server's, mostly */
    uint64_t busiest_port_packets;
} mqttids_capture_stats;

/* Fills st with the counters so far (drops are queried from libpcap for live captures). */
void mqttids_capture_get_stats(mqttids_capture *cap, mqttids_capture_stats *st /* OUT */);
/*
 * The port hint: when st shows TCP rows but no MQTT ones and the busiest TCP port is not
 * decoded as MQTT, writes a one-line suggestion ("... the busiest TCP port is 40123 (N
 * packets): try --port 40123") into buf and returns 1; else returns 0 (buf untouched).
 */
int mqttids_capture_port_hint(const mqttids_capture_stats *st, const mqttids_capture_opts *o, char *buf,
                              size_t size);

/* The side file of a capture (PATH.port, one TCP port per line, written by 'mqttids lab'):
   mqttids_capture_open_file adds those ports to the ports decoded as MQTT. */
#define MQTTIDS_CAPTURE_PORT_SUFFIX ".port"

/*
 * A host address of the flow (dst 0: source, 1: destination) as a number that a double holds
 * exactly: an IPv4 address is its 32-bit value (127.0.0.1 -> 2130706433), an IPv6 address a
 * 52-bit hash of its 16 bytes, at least 2^32 (never equal to an IPv4 value). Used as the
 * id.client column (evaluation by host, alert grouping); never a feature.
 */
double mqttids_flow_host_id(const mqttids_flow *f, int dst);

/*
 * The host id (as mqttids_flow_host_id) of the client side of f's connection, the rule of
 * tshark-like tools: the sender of the stream's first SYN without ACK (f->syn_client). When
 * that SYN was not seen (the capture began mid-connection), the port rule: the end not on an
 * MQTT port of o (NULL: 1883); when neither or both are, the receiver of a SYN-ACK (tcp_flags
 * has SYN and ACK), else the sender. The port rule holds for the connection's first packet
 * only when neither end is on an MQTT port: keep the answer per stream (as `extract --ids` does).
 */
double mqttids_flow_client_id(const mqttids_flow *f, uint32_t tcp_flags, const mqttids_capture_opts *o);

/* Formats a flow address as text (inet_ntop) into buf; returns buf. */
const char *mqttids_flow_addr(const mqttids_flow *f, int dst, char *buf, size_t size);

/*
 * 1 when the file starts with a pcap or pcapng magic number, 0 otherwise (also when it
 * cannot be read).
 */
int mqttids_capture_is_pcap_file(const char *path);

/*
 * Extracts every row of a capture file and appends it to ds with the given split tag and
 * label (class index or -1). rows (may be NULL) receives the number of rows appended.
 * On failure the rows of this file already appended are removed again. A capture with TCP
 * but no MQTT on the decoded ports is logged (MQTTIDS_LOG_WARN, see mqttids_set_log) with the
 * mqttids_capture_port_hint suggestion.
 * Returns: MQTTIDS_OK on success, else MQTTIDS_ERR_INVALID, MQTTIDS_ERR_IO, MQTTIDS_ERR_NET,
 * MQTTIDS_ERR_NOMEM, MQTTIDS_ERR_NOT_FOUND, MQTTIDS_ERR_PCAP, MQTTIDS_ERR_UNSUPPORTED
 * (mqttids/common.h).
 */
mqttids_err mqttids_capture_read_dataset(mqttids_dataset *ds, const char *path,
                                         const mqttids_capture_opts *o, /* NULL: defaults */
                                         mqttids_split split, int label,
                                         uint64_t *rows /* OUT, may be NULL */,
                                         char errbuf[MQTTIDS_ERRBUF_SIZE]);

/*
 * Writes a capture file as MQTTset CSV exactly as tshark 4.0 -T fields + the MQTTset
 * pandas steps do (emulate_mqttset.py): per-file column types (a column all of whose
 * values are integers and never missing is written as integers, other numeric columns
 * as Python floats, missing text as "0", an all-missing column as "0.0"), hex as 0x%08x.
 * label: class name written in the target column (NULL: no target column).
 * With o->context the ctx.* columns follow the 33 features (before target), as decimals
 * (fixed point, at most 6 fraction digits, read back exactly). With o->ids the identity
 * columns id.stream (tshark's tcp.stream, -1 for a frame whose TCP header was cut before
 * the ports' stream could be found) and id.client (mqttids_flow_host_id of the connection's
 * client side, decided as the flow context does: docs/internals/context.md) follow them.
 * out must be seekable when the file's column types differ from the common case (the
 * rows are then written a second time); pass a regular file. rows (may be NULL) gets the
 * row count. progress (may be NULL) is called with packets done.
 * Returns: MQTTIDS_OK on success, else MQTTIDS_ERR_INTERRUPTED, MQTTIDS_ERR_INVALID,
 * MQTTIDS_ERR_IO, MQTTIDS_ERR_NET, MQTTIDS_ERR_NOMEM, MQTTIDS_ERR_NOT_FOUND,
 * MQTTIDS_ERR_PCAP, MQTTIDS_ERR_UNSUPPORTED (mqttids/common.h).
 */
mqttids_err mqttids_capture_write_mqttset_csv(const char *path,
                                              const mqttids_capture_opts *o, /* NULL: defaults */
                                              FILE *out, const char *label,
                                              uint64_t *rows /* OUT, may be NULL */,
                                              mqttids_capture_stats *st /* OUT, may be NULL */,
                                              mqttids_progress_fn progress, void *progress_user,
                                              char errbuf[MQTTIDS_ERRBUF_SIZE]);

#ifdef __cplusplus
}
#endif
#endif
