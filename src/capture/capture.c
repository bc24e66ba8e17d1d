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
        pcap_close(cap->p);
#endif
    context__free(cap->dec.ctx); /* flow context (context.c) */
    cap->dec.ctx = NULL;
    capture__decoder_free(&cap->dec);
    free(cap->name);
    free(cap);
}

#if MQTTIDS_WITH_PCAP
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

static FILE *counting_fopen(const char *path)
{
    cookie_io_functions_t io = {cf_read, NULL, cf_seek, cf_close};
    count_file *cf = malloc(sizeof *cf);
    FILE *fp;
    if (!cf)
        return NULL;
    cf->pos = 0;
    cf->fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY | O_CLOEXEC);
    if (cf->fd < 0) {
        free(cf);
        return NULL;
    }
    fp = fopencookie(cf, "rb", io);
    if (!fp) {
        cf_close(cf);
        return NULL;
    }
    setvbuf(fp, NULL, _IOFBF, 1 << 16);
    return fp;
}
#endif

mqttids_err mqttids_capture_open_file(const char *path, const mqttids_capture_opts *o, mqttids_capture **out,
                                      char errbuf[MQTTIDS_ERRBUF_SIZE])
{
#if MQTTIDS_WITH_PCAP
    mqttids_capture_opts def;
    mqttids_capture *cap;
    char pe[PCAP_ERRBUF_SIZE];
    mqttids_err err;
    FILE *fp;

    if (!o) {
        mqttids_capture_opts_init(&def);
        o = &def;
    }
    if ((err = new_cap(path, o, &cap, errbuf)) != MQTTIDS_OK)
        return err;
    fp = counting_fopen(path);
    if (!fp) {
        err = util__fail(errbuf, MQTTIDS_ERR_IO, "%s: %s", path, strerror(errno));
        mqttids_capture_close(cap);
        return err;
    }
    pe[0] = '\0';
    cap->p = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, pe);
    if (!cap->p) {
        fclose(fp);
        err = util__fail(errbuf, MQTTIDS_ERR_PCAP, "%s: not a readable pcap/pcapng file: %s", path, pe);
        mqttids_capture_close(cap);
        return err;
    }
    cap->dlt = pcap_datalink(cap->p);
    if (!dlt_supported(cap->dlt)) {
        err = util__fail(errbuf, MQTTIDS_ERR_UNSUPPORTED, "%s: link type %d (%s) is not supported", path, cap->dlt,
                         pcap_datalink_val_to_name(cap->dlt) ? pcap_datalink_val_to_name(cap->dlt) : "?");
        mqttids_capture_close(cap);
        return err;
    }
    if ((err = set_filter(cap, o->filter, errbuf)) != MQTTIDS_OK) {
        mqttids_capture_close(cap);
        return err;
    }
    *out = cap;
    return MQTTIDS_OK;
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

    if (!o) {
        mqttids_capture_opts_init(&def);
        def.idle_timeout_s = 600;
        o = &def;
    }
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
    cap->dlt = pcap_datalink(cap->p);
    if (!dlt_supported(cap->dlt)) {
        err = util__fail(errbuf, MQTTIDS_ERR_UNSUPPORTED, "%s: link type %d is not supported", iface, cap->dlt);
        mqttids_capture_close(cap);
        return err;
    }
    if ((err = set_filter(cap, o->filter ? o->filter : "tcp port 1883", errbuf)) != MQTTIDS_OK) {
        mqttids_capture_close(cap);
        return err;
    }
    *out = cap;
    return MQTTIDS_OK;
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
                rec->str[tf[k]] = tx[k]->p;
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
    if (!o) {
        s_mqtt = f->sport == 1883;
        d_mqtt = f->dport == 1883;
    }
    for (int i = 0; o && i < o->n_mqtt_ports && i < MQTTIDS_CAPTURE_MAX_PORTS; i++) {
        s_mqtt |= o->mqtt_ports[i] == f->sport;
        d_mqtt |= o->mqtt_ports[i] == f->dport;
    }
    /* the end not on an MQTT port; else the receiver of a SYN-ACK; else the sender */
    return mqttids_flow_host_id(f, s_mqtt != d_mqtt ? s_mqtt : (tcp_flags & 0x012) == 0x012);
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
    mqttids_capture_close(cap);
    if (err != MQTTIDS_OK) {
        mqttids_dataset_truncate(ds, n0);
        return err;
    }
    if (rows)
        *rows = nr;
    return MQTTIDS_OK;
}
