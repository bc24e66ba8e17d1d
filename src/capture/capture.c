/*
 * capture.c: the public capture API: libpcap files and live interfaces, packet loop,
 * counters, record conversion, and the dataset source (a pcap path as an input of the
 * data commands). Errors name the file, the packet number and the byte offset.
 */
#define _GNU_SOURCE /* fopencookie */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include "mqttids/config.h"
#include "mqttids/fetch.h"
#include "capture/capture_int.h"
#include "capture/context_int.h"
#include "util/util_int.h"
#if MQTTIDS_WITH_PCAP
#include <pcap/pcap.h>
#endif

/*
 * Files are read through a stdio cookie that counts the bytes read, so the byte offset of
 * each record (for error messages) costs no lseek system call per packet.
 */
typedef struct count_file {
    int fd;
    int64_t pos;
} count_file;

struct mqttids_capture {
#if MQTTIDS_WITH_PCAP
    pcap_t *p;               /* owned */
#endif
    char *name;              /* owned: path or interface */
    mqttids_fetch *fetch;    /* owned: a URL input's transfer (mqttids/fetch.h), NULL for files */
    int live, dlt;
    int fd, timeout_ms;      /* live: selectable descriptor, poll timeout */
    volatile int stop;
    cap_decoder dec;
    mqttids_capture_stats st;
    char hexbuf[4][12];
};

void mqttids_capture_opts_init(mqttids_capture_opts *o)
{
    memset(o, 0, sizeof *o);
    o->mqtt_ports[0] = 1883;
    o->n_mqtt_ports = 1;
    o->snaplen = 262144;
    o->timeout_ms = 200;
    o->max_streams = (size_t)1 << 20;
    o->max_pdu = (size_t)16 << 20;
    o->max_reassembly = (size_t)256 << 20;
}

#if MQTTIDS_WITH_PCAP
static int dlt_supported(int dlt)
{
    switch (dlt) {
    case 0: case 1: case 12: case 14: case 101: case 108: case 113: case 228: case 229: case 276:
        return 1;
    default:
        return 0;
    }
}

#endif

void mqttids_capture_close(mqttids_capture *cap)
{
    if (!cap)
        return;
#if MQTTIDS_WITH_PCAP
    if (cap->p)
        pcap_close(cap->p); /* closes a URL's socket first: a transfer still running stops */
#endif
    mqttids_fetch_finish(cap->fetch, NULL);
    context__free(cap->dec.ctx); /* flow context (context.c) */
    cap->dec.ctx = NULL;
    capture__decoder_free(&cap->dec);
    free(cap->name);
    free(cap);
}

#if MQTTIDS_WITH_PCAP
/* o, or the defaults written to *def when o is NULL (live: idle streams expire after 600 s). */
static const mqttids_capture_opts *opts_or_default(const mqttids_capture_opts *o, mqttids_capture_opts *def, int live)
{
    if (o)
        return o;
    mqttids_capture_opts_init(def);
    if (live)
        def->idle_timeout_s = 600;
    return def;
}

static mqttids_err new_cap(const char *name, const mqttids_capture_opts *o, mqttids_capture **out, char *errbuf)
{
    mqttids_capture *cap = calloc(1, sizeof *cap);
    *out = NULL;
    if (!cap || !(cap->name = strdup(name)) || capture__decoder_init(&cap->dec, o) != 0 ||
        (o->context && !(cap->dec.ctx = context__new(o->max_sources, 0)))) {
        mqttids_capture_close(cap);
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "%s: out of memory", name);
    }
    *out = cap;
    return MQTTIDS_OK;
}
#endif

#if MQTTIDS_WITH_PCAP
static mqttids_err set_filter(mqttids_capture *cap, const char *filter, char *errbuf)
{
    struct bpf_program prog;
    if (!filter || !*filter)
        return MQTTIDS_OK;
    if (pcap_compile(cap->p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0)
        return util__fail(errbuf, MQTTIDS_ERR_INVALID, "%s: bad filter '%s': %s", cap->name, filter,
                          pcap_geterr(cap->p));
    if (pcap_setfilter(cap->p, &prog) != 0) {
        pcap_freecode(&prog);
        return util__fail(errbuf, MQTTIDS_ERR_PCAP, "%s: cannot set filter: %s", cap->name, pcap_geterr(cap->p));
    }
    pcap_freecode(&prog);
    return MQTTIDS_OK;
}

/* The last steps of both openers: a link type we decode, then the filter; *out = cap, or cap
   closed on error. name_dlt: the message names the link type (files; live names only its number). */
static mqttids_err open_finish(mqttids_capture *cap, const char *filter, int name_dlt, mqttids_capture **out,
                               char *errbuf)
{
    mqttids_err err;
    cap->dlt = pcap_datalink(cap->p);
    if (!dlt_supported(cap->dlt)) {
        const char *dn = pcap_datalink_val_to_name(cap->dlt);
        if (name_dlt)
            err = util__fail(errbuf, MQTTIDS_ERR_UNSUPPORTED, "%s: link type %d (%s) is not supported", cap->name,
                             cap->dlt, dn ? dn : "?");
        else
            err = util__fail(errbuf, MQTTIDS_ERR_UNSUPPORTED, "%s: link type %d is not supported", cap->name, cap->dlt);
    } else {
        err = set_filter(cap, filter, errbuf);
    }
    if (err != MQTTIDS_OK) {
        mqttids_capture_close(cap);
        return err;
    }
    *out = cap;
    return MQTTIDS_OK;
}
#endif

#if MQTTIDS_WITH_PCAP
static ssize_t cf_read(void *c, char *buf, size_t n)
{
    count_file *cf = c;
    ssize_t r;
    do
        r = read(cf->fd, buf, n);
    while (r < 0 && errno == EINTR);
    if (r > 0)
        cf->pos += r;
    return r;
}

static int cf_seek(void *c, off64_t *off, int whence)
{
    count_file *cf = c;
    off64_t r;
    if (whence == SEEK_CUR && *off == 0) {
        *off = cf->pos; /* ftell: answered without a system call */
        return 0;
    }
    r = lseek(cf->fd, *off, whence);
    if (r < 0)
        return -1;
    cf->pos = r;
    *off = r;
    return 0;
}

static int cf_close(void *c)
{
    count_file *cf = c;
    int r = cf->fd > 2 ? close(cf->fd) : 0;
    free(cf);
    return r;
}

static FILE *counting_fdopen(int fd)
{
    cookie_io_functions_t io = {cf_read, NULL, cf_seek, cf_close};
    count_file *cf = malloc(sizeof *cf);
    FILE *fp;
    if (!cf) {
        if (fd > 0)
            close(fd);
        return NULL;
    }
    cf->pos = 0;
    cf->fd = fd;
    fp = fopencookie(cf, "rb", io);
    if (!fp) {
        cf_close(cf);
        return NULL;
    }
    setvbuf(fp, NULL, _IOFBF, 1 << 16);
    return fp;
}

static FILE *counting_fopen(const char *path)
{
    int fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY | O_CLOEXEC);
    return fd < 0 ? NULL : counting_fdopen(fd);
}

/* A URL's transfer at the end of its data: its error, if any, replaces libpcap's. */
static mqttids_err fetch_done(mqttids_capture *cap, char *errbuf)
{
    mqttids_err err = mqttids_fetch_finish(cap->fetch, errbuf);
    cap->fetch = NULL;
    return err;
}
#endif

/* PATH.port (written by 'mqttids lab': the broker ran on a free port): its ports are decoded too. */
static void add_side_ports(mqttids_capture *cap, const char *path)
{
    size_t n = strlen(path) + sizeof MQTTIDS_CAPTURE_PORT_SUFFIX;
    char *side = malloc(n), line[32];
    FILE *fp;
    if (!side)
        return;
    snprintf(side, n, "%s%s", path, MQTTIDS_CAPTURE_PORT_SUFFIX);
    fp = fopen(side, "r");
    free(side);
    if (!fp)
        return;
    for (int lines = 0; lines < 64 && fgets(line, sizeof line, fp); lines++) {
        int64_t v;
        size_t l = strcspn(line, "\r\n");
        int have = 0;
        if (util__parse_int(line, l, &v) != 0 || v < 1 || v > 65535)
            continue;
        for (int i = 0; i < cap->dec.nports; i++)
            have |= cap->dec.ports[i] == (uint16_t)v;
        if (!have && cap->dec.nports < MQTTIDS_CAPTURE_MAX_PORTS)
            cap->dec.ports[cap->dec.nports++] = (uint16_t)v;
    }
    fclose(fp);
}

mqttids_err mqttids_capture_open_file(const char *path, const mqttids_capture_opts *o, mqttids_capture **out,
                                      char errbuf[MQTTIDS_ERRBUF_SIZE])
{
#if MQTTIDS_WITH_PCAP
    mqttids_capture_opts def;
    mqttids_capture *cap;
    char pe[PCAP_ERRBUF_SIZE];
    mqttids_err err;
    FILE *fp;

    o = opts_or_default(o, &def, 0);
    if ((err = new_cap(path, o, &cap, errbuf)) != MQTTIDS_OK)
        return err;
    add_side_ports(cap, path);
    if (mqttids_fetch_is_url(path)) {
        int fd;
        if ((err = mqttids_fetch_open(path, &cap->fetch, &fd, errbuf)) != MQTTIDS_OK) {
            mqttids_capture_close(cap);
            return err;
        }
        fp = counting_fdopen(fd);
    } else {
        fp = counting_fopen(path);
    }
    if (!fp) {
        err = util__fail(errbuf, MQTTIDS_ERR_IO, "%s: %s", path, strerror(errno));
        mqttids_capture_close(cap);
        return err;
    }
    pe[0] = '\0';
    cap->p = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, pe);
    if (!cap->p) {
        fclose(fp);
        if (cap->fetch && fetch_done(cap, errbuf) != MQTTIDS_OK) {
            mqttids_capture_close(cap);
            return MQTTIDS_ERR_NET;
        }
        err = util__fail(errbuf, MQTTIDS_ERR_PCAP, "%s: not a readable pcap/pcapng file: %s", path, pe);
        mqttids_capture_close(cap);
        return err;
    }
    return open_finish(cap, o->filter, 1, out, errbuf);
#else
    (void)o;
    *out = NULL;
    return util__fail(errbuf, MQTTIDS_ERR_UNSUPPORTED, "%s: this build has no libpcap", path);
#endif
}

mqttids_err mqttids_capture_open_live(const char *iface, const mqttids_capture_opts *o, mqttids_capture **out,
                                      char errbuf[MQTTIDS_ERRBUF_SIZE])
{
#if MQTTIDS_WITH_PCAP
    mqttids_capture_opts def;
    mqttids_capture *cap;
    char pe[PCAP_ERRBUF_SIZE];
    mqttids_err err;
    int rc;

    o = opts_or_default(o, &def, 1);
    if ((err = new_cap(iface, o, &cap, errbuf)) != MQTTIDS_OK)
        return err;
    cap->live = 1;
    pe[0] = '\0';
    cap->p = pcap_create(iface, pe);
    if (!cap->p) {
        err = util__fail(errbuf, MQTTIDS_ERR_PCAP, "%s: %s", iface, pe);
        mqttids_capture_close(cap);
        return err;
    }
    pcap_set_snaplen(cap->p, o->snaplen > 0 ? o->snaplen : 262144);
    pcap_set_promisc(cap->p, o->promisc);
    pcap_set_timeout(cap->p, o->timeout_ms > 0 ? o->timeout_ms : 200);
    pcap_set_tstamp_precision(cap->p, PCAP_TSTAMP_PRECISION_NANO);
    pcap_set_buffer_size(cap->p, 8 << 20);
    /* an IDS wants each packet now, not when a kernel ring block fills or times out */
    pcap_set_immediate_mode(cap->p, 1);
    rc = pcap_activate(cap->p);
    if (rc < 0) {
        err = util__fail(errbuf, MQTTIDS_ERR_PCAP, "%s: cannot start capture: %s", iface,
                         rc == PCAP_ERROR ? pcap_geterr(cap->p) : pcap_statustostr(rc));
        mqttids_capture_close(cap);
        return err;
    }
    /* non-blocking + poll(): immediate mode alone would block with no timeout */
    cap->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 200;
    cap->fd = pcap_get_selectable_fd(cap->p);
    if (cap->fd < 0 || pcap_setnonblock(cap->p, 1, pe) != 0) {
        err = util__fail(errbuf, MQTTIDS_ERR_PCAP, "%s: cannot poll the capture: %s", iface, pe);
        mqttids_capture_close(cap);
        return err;
    }
    return open_finish(cap, o->filter ? o->filter : "tcp port 1883", 0, out, errbuf);
#else
    (void)o;
    *out = NULL;
    return util__fail(errbuf, MQTTIDS_ERR_UNSUPPORTED, "%s: this build has no libpcap", iface);
#endif
}

void mqttids_capture_breakloop(mqttids_capture *cap)
{
    if (!cap)
        return;
    cap->stop = 1;
#if MQTTIDS_WITH_PCAP
    if (cap->p)
        pcap_breakloop(cap->p);
#endif
}

void capture__fields_to_record(const cap_fields *f, mqttids_record *rec, char hexbuf[4][12])
{
    static const int hexf[4] = {MQTTIDS_F_TCP_FLAGS, MQTTIDS_F_CONACK_FLAGS, MQTTIDS_F_CONFLAGS, MQTTIDS_F_HDRFLAGS};
    static const char hx[] = "0123456789abcdef";
    memset(rec, 0, sizeof *rec);
    rec->label = -1;
    for (int f2 = 0; f2 < MQTTIDS_NFEAT; f2++)
        if (cap_has(f, f2))
            rec->num[f2] = (double)f->v[f2];
    /* a division, not * 1e-9: the correctly rounded value, as parsing "S.NNNNNNNNN" gives */
    rec->num[MQTTIDS_F_TCP_TIME_DELTA] = (double)(int64_t)f->v[MQTTIDS_F_TCP_TIME_DELTA] / 1e9;
    for (int k = 0; k < 4; k++) {
        int ff = hexf[k];
        if (cap_has(f, ff)) {
            uint32_t v = (uint32_t)f->v[ff];
            char *b = hexbuf[k];
            b[0] = '0';
            b[1] = 'x';
            for (int i = 0; i < 8; i++)
                b[2 + i] = hx[(v >> (28 - 4 * i)) & 15];
            b[10] = '\0';
            rec->str[ff] = b;
            rec->str_len[ff] = 10;
        }
    }
    {
        const cap_text *tx[4] = {&f->msg, &f->protoname, &f->willmsg, &f->willtopic};
        const int tf[4] = {MQTTIDS_F_MSG, MQTTIDS_F_PROTONAME, MQTTIDS_F_WILLMSG, MQTTIDS_F_WILLTOPIC};
        for (int k = 0; k < 4; k++) {
            rec->num[tf[k]] = 0;
            if (cap_has(f, tf[k]) && tx[k]->len > 0) {
                rec->str[tf[k]] = (const char *)tx[k]->data;
                rec->str_len[tf[k]] = (uint32_t)tx[k]->len;
                rec->num[tf[k]] = 1;
            }
        }
    }
}

#define TS_MAX_SEC ((int64_t)9223372035) /* INT64_MAX / 1e9 - 1 */

mqttids_err capture__next_fields(mqttids_capture *cap, mqttids_flow *flow, mqttids_capture_status *status,
                                 char *errbuf)
{
#if MQTTIDS_WITH_PCAP
    for (;;) {
        struct pcap_pkthdr *h;
        const u_char *data;
        long off = -1;
        int rc, r;
        int64_t ts, ts_sec;
        uint32_t ts_nsec;
        if (cap->stop) {
            *status = MQTTIDS_CAPTURE_END;
            return MQTTIDS_OK;
        }
        if (!cap->live && pcap_file(cap->p))
            off = ftell(pcap_file(cap->p));
        rc = pcap_next_ex(cap->p, &h, &data);
        if (rc == 0) {
            if (cap->live) {
                struct pollfd pfd;
                pfd.fd = cap->fd;
                pfd.events = POLLIN;
                pfd.revents = 0;
                if (poll(&pfd, 1, cap->timeout_ms) > 0 && !cap->stop)
                    continue;
            }
            *status = cap->stop ? MQTTIDS_CAPTURE_END : MQTTIDS_CAPTURE_TIMEOUT;
            return MQTTIDS_OK;
        }
        if (rc < 0 && cap->fetch && fetch_done(cap, errbuf) != MQTTIDS_OK)
            return MQTTIDS_ERR_NET; /* a transfer cut short: nothing half-read is kept */
        if (rc == PCAP_ERROR_BREAK) {
            *status = MQTTIDS_CAPTURE_END;
            return MQTTIDS_OK;
        }
        if (rc < 0) {
            if (off >= 0)
                return util__fail(errbuf, MQTTIDS_ERR_PCAP, "%s: packet %llu (record at byte offset %ld): %s",
                                  cap->name, (unsigned long long)cap->st.packets + 1, off, pcap_geterr(cap->p));
            return util__fail(errbuf, MQTTIDS_ERR_PCAP, "%s: packet %llu: %s", cap->name,
                              (unsigned long long)cap->st.packets + 1, pcap_geterr(cap->p));
        }
        cap->st.packets++;
        {
            /* Hostile timestamps: a nanosecond field of 1e9 or more carries into the seconds,
               and the seconds are held to [0, 9223372035] (1970 to 2262) so the nanosecond
               count fits int64 and every alert prints a four-digit year. */
            int64_t sec = (int64_t)h->ts.tv_sec;
            uint64_t nsec = (uint64_t)(h->ts.tv_usec < 0 ? 0 : h->ts.tv_usec);
            if (sec < 0)
                sec = 0, nsec = 0;
            if (nsec >= 1000000000u) {
                uint64_t carry = nsec / 1000000000u;
                nsec %= 1000000000u;
                sec = sec > TS_MAX_SEC - (int64_t)carry ? TS_MAX_SEC : sec + (int64_t)carry;
            }
            if (sec > TS_MAX_SEC)
                sec = TS_MAX_SEC, nsec = 0;
            ts_sec = sec;
            ts_nsec = (uint32_t)nsec;
            ts = sec * 1000000000 + (int64_t)nsec; /* nano precision */
        }
        r = capture__decode_packet(&cap->dec, cap->dlt, data, h->caplen, ts, flow);
        if (r < 0)
            return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "%s: packet %llu: out of memory", cap->name,
                              (unsigned long long)cap->st.packets);
        if (r == 0) {
            cap->st.skipped++;
            continue;
        }
        cap->st.rows++;
        if (flow) {
            flow->ts_sec = ts_sec;
            flow->ts_nsec = ts_nsec;
            flow->frame = cap->st.packets;
        }
        *status = MQTTIDS_CAPTURE_ROW;
        return MQTTIDS_OK;
    }
#else
    (void)cap;
    (void)flow;
    *status = MQTTIDS_CAPTURE_END;
    return util__fail(errbuf, MQTTIDS_ERR_UNSUPPORTED, "this build has no libpcap");
#endif
}

const cap_fields *capture__fields(const mqttids_capture *cap)
{
    return &cap->dec.f;
}

size_t mqttids_capture_ctx_count(void)
{
    return CTX_N;
}

const char *mqttids_capture_ctx_name(size_t k)
{
    return k < CTX_N ? context__name((int)k) : NULL;
}

const double *mqttids_capture_ctx_values(const mqttids_capture *cap)
{
    return cap && cap->dec.ctx ? context__values(cap->dec.ctx) : NULL;
}

const cap_ctx *capture__ctx(const mqttids_capture *cap)
{
    return cap->dec.ctx;
}

mqttids_err mqttids_capture_next(mqttids_capture *cap, mqttids_record *rec, mqttids_flow *flow,
                                 mqttids_capture_status *status, char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    mqttids_err err = capture__next_fields(cap, flow, status, errbuf);
    if (err == MQTTIDS_OK && *status == MQTTIDS_CAPTURE_ROW)
        capture__fields_to_record(&cap->dec.f, rec, cap->hexbuf);
    return err;
}

void mqttids_capture_get_stats(mqttids_capture *cap, mqttids_capture_stats *st)
{
    *st = cap->st;
    st->mqtt_rows = cap->dec.mqtt_rows;
    st->streams = cap->dec.table.next_index;
    st->streams_evicted = cap->dec.table.evicted;
    st->busiest_port = 0;
    st->busiest_port_packets = 0;
    if (cap->dec.port_rows)
        for (unsigned pt = 0; pt < 65536; pt++)
            if (cap->dec.port_rows[pt] > st->busiest_port_packets) {
                st->busiest_port_packets = cap->dec.port_rows[pt];
                st->busiest_port = (uint16_t)pt;
            }
#if MQTTIDS_WITH_PCAP
    if (cap->live && cap->p) {
        struct pcap_stat ps;
        if (pcap_stats(cap->p, &ps) == 0) {
            st->drops = ps.ps_drop;
            st->if_drops = ps.ps_ifdrop;
        }
    }
#endif
}

double mqttids_flow_host_id(const mqttids_flow *f, int dst)
{
    const uint8_t *a = dst ? f->dst : f->src;
    uint64_t h = 14695981039346656037ULL; /* FNV-1a 64 */
    if (f->ip_version != 6)
        return (double)((uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3]);
    for (int i = 0; i < 16; i++) {
        h ^= a[i];
        h *= 1099511628211ULL;
    }
    /* 2^32 .. 2^52 - 1: exact in a double, above every IPv4 value */
    return (double)((h % ((1ULL << 52) - (1ULL << 32))) + (1ULL << 32));
}

double mqttids_flow_client_id(const mqttids_flow *f, uint32_t tcp_flags, const mqttids_capture_opts *o)
{
    int s_mqtt = 0, d_mqtt = 0;
    if (f->syn_client == 1 || f->syn_client == 2) /* the stream's SYN: its sender opened it */
        return mqttids_flow_host_id(f, f->syn_client == 2);
    if (!o) {
        s_mqtt = f->sport == 1883;
        d_mqtt = f->dport == 1883;
    }
    for (int i = 0; o && i < o->n_mqtt_ports && i < MQTTIDS_CAPTURE_MAX_PORTS; i++) {
        s_mqtt |= o->mqtt_ports[i] == f->sport;
        d_mqtt |= o->mqtt_ports[i] == f->dport;
    }
    /* no SYN seen: the end not on an MQTT port; else the receiver of a SYN-ACK; else the sender */
    return mqttids_flow_host_id(f, s_mqtt != d_mqtt ? s_mqtt : (tcp_flags & 0x012) == 0x012);
}

int mqttids_capture_port_hint(const mqttids_capture_stats *st, const mqttids_capture_opts *o, char *buf,
                              size_t size)
{
    char ports[MQTTIDS_CAPTURE_MAX_PORTS * 7] = "";
    size_t k = 0;
    int n = o ? o->n_mqtt_ports : 1;
    if (!st->rows || st->mqtt_rows || !st->busiest_port_packets)
        return 0;
    for (int i = 0; i < n && i < MQTTIDS_CAPTURE_MAX_PORTS; i++) {
        uint16_t p = o ? o->mqtt_ports[i] : 1883;
        if (p == st->busiest_port)
            return 0;
        k += (size_t)snprintf(ports + k, sizeof ports - k, "%s%u", i ? "," : "", (unsigned)p);
        if (k >= sizeof ports)
            break;
    }
    snprintf(buf, size,
             "%llu TCP packets but none decoded as MQTT on port %s; the busiest TCP port is %u (%llu packets): "
             "try --port %u",
             (unsigned long long)st->rows, n ? ports : "(none)", (unsigned)st->busiest_port,
             (unsigned long long)st->busiest_port_packets, (unsigned)st->busiest_port);
    return 1;
}

const char *mqttids_flow_addr(const mqttids_flow *f, int dst, char *buf, size_t size)
{
    const uint8_t *a = dst ? f->dst : f->src;
    if (!inet_ntop(f->ip_version == 6 ? AF_INET6 : AF_INET, a, buf, (socklen_t)size))
        snprintf(buf, size, "?");
    return buf;
}

int mqttids_capture_is_pcap_file(const char *path)
{
    unsigned char m[4];
    FILE *fp;
    size_t n;
    uint32_t be, le;
    if (!path || strcmp(path, "-") == 0)
        return 0;
    if (mqttids_fetch_is_url(path)) {
        /* a URL cannot be peeked at without fetching it: its name says (.pcap, .pcapng, .cap) */
        size_t l = strcspn(path, "?#");
        return (l > 5 && strncmp(path + l - 5, ".pcap", 5) == 0) ||
               (l > 7 && strncmp(path + l - 7, ".pcapng", 7) == 0) || (l > 4 && strncmp(path + l - 4, ".cap", 4) == 0);
    }
    fp = fopen(path, "rb");
    if (!fp)
        return 0;
    n = fread(m, 1, 4, fp);
    fclose(fp);
    if (n != 4)
        return 0;
    be = (uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 | (uint32_t)m[2] << 8 | m[3];
    le = (uint32_t)m[3] << 24 | (uint32_t)m[2] << 16 | (uint32_t)m[1] << 8 | m[0];
    if (be == 0x0a0d0d0a) /* pcapng section header block */
        return 1;
    return be == 0xa1b2c3d4 || le == 0xa1b2c3d4 || be == 0xa1b23c4d || le == 0xa1b23c4d;
}

mqttids_err mqttids_capture_read_dataset(mqttids_dataset *ds, const char *path, const mqttids_capture_opts *o,
                                         mqttids_split split, int label, uint64_t *rows,
                                         char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    mqttids_capture *cap;
    mqttids_err err;
    size_t n0 = mqttids_dataset_nrows(ds);
    uint64_t nr = 0;
    if (rows)
        *rows = 0;
    if ((err = mqttids_capture_open_file(path, o, &cap, errbuf)) != MQTTIDS_OK)
        return err;
    for (;;) {
        mqttids_record rec;
        mqttids_capture_status stt;
        err = mqttids_capture_next(cap, &rec, NULL, &stt, errbuf);
        if (err != MQTTIDS_OK || stt != MQTTIDS_CAPTURE_ROW)
            break;
        rec.label = label;
        if (mqttids_dataset_append(ds, &rec, split, NULL) != MQTTIDS_OK) {
            err = util__fail(errbuf, MQTTIDS_ERR_NOMEM, "%s: out of memory after %llu rows", path,
                             (unsigned long long)nr);
            break;
        }
        nr++;
    }
    if (err == MQTTIDS_OK) {
        /* TCP but no MQTT on the decoded ports: the caller's log callback says so, once per capture */
        mqttids_capture_stats st;
        char hint[256];
        mqttids_capture_get_stats(cap, &st);
        if (mqttids_capture_port_hint(&st, o, hint, sizeof hint))
            util__log(MQTTIDS_LOG_WARN, "warning: %s: %s", path, hint);
    }
    mqttids_capture_close(cap);
    if (err != MQTTIDS_OK) {
        mqttids_dataset_truncate(ds, n0);
        return err;
    }
    if (rows)
        *rows = nr;
    return MQTTIDS_OK;
}
