/*
 * decode.c: one packet -> one row. Link layer (Ethernet + VLAN, Linux cooked SLL/SLL2, raw
 * IP, BSD loopback), IPv4/IPv6, TCP; tshark's per-stream TCP analysis (tcp.time_delta,
 * retransmission / out-of-order classification, which decides whether MQTT is dissected)
 * and its MQTT reassembly (tcp_dissect_pdus + desegment_tcp). The rules and their sources
 * are written down in docs/internals/capture.md.
 *
 * Not here: pcap I/O (capture.c), the MQTT message fields (mqtt.c), CSV text (mqttset.c).
 */
#include <stdlib.h>
#include <string.h>
#include "capture/capture_int.h"

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_ACK 0x10

#define TA_RETRANSMISSION 0x01
#define TA_OUT_OF_ORDER 0x02
#define TA_KEEP_ALIVE 0x04
#define TA_ZERO_WINDOW_PROBE 0x08
#define TA_SPURIOUS 0x10

static inline int32_t seqdiff(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b);
}
static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}
static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int capture__decoder_init(cap_decoder *d, const mqttids_capture_opts *o)
{
    memset(d, 0, sizeof *d);
    d->nports = o->n_mqtt_ports < 0 ? 0
                : o->n_mqtt_ports > MQTTIDS_CAPTURE_MAX_PORTS ? MQTTIDS_CAPTURE_MAX_PORTS
                                                              : o->n_mqtt_ports;
    memcpy(d->ports, o->mqtt_ports, sizeof d->ports);
    d->max_pdu = o->max_pdu ? o->max_pdu : ((size_t)16 << 20);
    if (capture__table_init(&d->table, o->max_streams, o->idle_timeout_s) != 0)
        return -1;
    d->table.pend_max = o->max_reassembly ? o->max_reassembly : ((size_t)256 << 20);
    d->port_rows = calloc(65536, sizeof *d->port_rows); /* only a hint: NULL is fine */
    return 0;
}

void capture__decoder_free(cap_decoder *d)
{
    capture__table_free(&d->table);
    free(d->port_rows);
    util__buf_free(&d->f.msg);
    util__buf_free(&d->f.protoname);
    util__buf_free(&d->f.willmsg);
    util__buf_free(&d->f.willtopic);
    memset(d, 0, sizeof *d);
}

static int is_mqtt_port(const cap_decoder *d, uint16_t a, uint16_t b)
{
    for (int i = 0; i < d->nports; i++)
        if (d->ports[i] == a || d->ports[i] == b)
            return 1;
    return 0;
}

/* ---------------------------------------------------------------------------------- */
/* MQTT over TCP: tcp_dissect_pdus with fixed_len 2 and desegmentation on.             */

static void pend_drop(cap_dir *D)
{
    D->pend_on = 0;
    D->pend_more = 0;
    D->pend_hole = 0;
    D->pend_len = 0;
}

/*
 * A message pending from seq start; the bytes kept (pend_store) reach up to next. more: its
 * length is not known yet (one more segment; end unused, 0), else it ends at end; hole: it
 * started in a snap-truncated segment and never completes.
 */
static void pend_begin(cap_dir *D, int more, int hole, uint32_t start, uint32_t next, uint32_t end)
{
    D->pend_on = 1;
    D->pend_more = (uint8_t)more;
    D->pend_hole = (uint8_t)hole;
    D->pend_start = start;
    D->pend_next = next;
    D->pend_end = end;
}

/* Frees a direction's buffer (accounted in the table's reassembly budget). */
static void pend_release(cap_decoder *d, cap_dir *D)
{
    d->table.pend_bytes -= D->pend_cap;
    free(D->pend);
    D->pend = NULL;
    D->pend_cap = 0;
}

/* After a message completes: big buffers are not kept for the stream's lifetime. */
static void pend_trim(cap_decoder *d, cap_dir *D)
{
    if (!D->pend_on && D->pend_cap > 65536)
        pend_release(d, D);
}

static int pend_store(cap_decoder *d, cap_dir *D, const uint8_t *p, size_t n, size_t keep)
{
    size_t need = keep + n;
    if (need > d->max_pdu) {
        pend_drop(D);
        pend_release(d, D);
        return -1;
    }
    if (need > D->pend_cap) {
        size_t c = D->pend_cap ? D->pend_cap : 256;
        uint8_t *q;
        while (c < need)
            c *= 2;
        if (c > d->max_pdu)
            c = d->max_pdu;
        if (d->table.pend_bytes - D->pend_cap + c > d->table.pend_max) {
            /* over the budget of all streams together: this message is not reassembled */
            pend_drop(D);
            pend_release(d, D);
            return -1;
        }
        q = realloc(D->pend, c);
        if (!q) {
            pend_drop(D);
            pend_release(d, D);
            return -1;
        }
        d->table.pend_bytes += c - D->pend_cap;
        D->pend = q;
        D->pend_cap = c;
    }
    memmove(D->pend + keep, p, n);
    D->pend_len = need;
    return 0;
}

/* The PDU loop over buf[0..n) whose first byte has sequence number seq. */
static void pdu_loop(cap_decoder *d, cap_stream *s, cap_dir *D, const uint8_t *buf, size_t n, uint32_t seq)
{
    size_t off = 0;
    while (off < n) {
        size_t rem = n - off;
        uint64_t plen;
        if (rem < 2) {
            /* DESEGMENT_ONE_MORE_SEGMENT: keep the bytes, retry with the next segment */
            if (pend_store(d, D, buf + off, rem, 0) == 0)
                pend_begin(D, 1, 0, seq + (uint32_t)off, seq + (uint32_t)n, 0);
            return;
        }
        plen = capture__mqtt_pdu_len(buf + off, rem);
        if (plen < 2)
            return; /* length field runs past the data or wraps: tshark stops here */
        if (plen > rem) {
            if (pend_store(d, D, buf + off, rem, 0) == 0)
                pend_begin(D, 0, 0, seq + (uint32_t)off, seq + (uint32_t)n, seq + (uint32_t)off + (uint32_t)plen);
            return;
        }
        capture__mqtt_pdu(&d->f, s, buf + off, (size_t)plen);
        off += (size_t)plen;
    }
}

/*
 * A segment cut by the snap length (captured < on the wire): tshark dissects the captured
 * bytes from the segment's start (even inside a pending message), message after message,
 * each one up to the captured end (a read past it ends the segment). A message that goes on
 * past the segment's end starts a reassembly with a hole (see pend_hole).
 */
static void pdu_loop_cut(cap_decoder *d, cap_stream *s, cap_dir *D, const uint8_t *buf, size_t caplen,
                         size_t replen, uint32_t seq)
{
    size_t off = 0;
    while (off < replen) {
        uint64_t plen;
        if (replen - off < 2 || off + 2 > caplen)
            return;
        plen = capture__mqtt_pdu_len(buf + off, caplen - off);
        if (plen < 2)
            return;
        if (plen > replen - off) {
            /* the message goes on in later segments: tshark starts a reassembly that the
               missing bytes never let complete (later segments up to its end show no MQTT);
               at the segment's start it also shows the captured part ("unreassembled") */
            if (off == 0)
                capture__mqtt_pdu_cut(&d->f, s, buf, (size_t)plen, caplen);
            pend_drop(D);
            pend_begin(D, 0, 1, seq + (uint32_t)off, seq + (uint32_t)replen, seq + (uint32_t)off + (uint32_t)plen);
            return;
        }
        /* whole, cut by the snap length, or (at offset 0) "unreassembled": up to the cut */
        capture__mqtt_pdu_cut(&d->f, s, buf + off, (size_t)plen, caplen - off);
        if (plen > caplen - off)
            return;
        off += (size_t)plen;
    }
}

static void mqtt_segment(cap_decoder *d, cap_stream *s, cap_dir *D, const uint8_t *p, size_t n, uint32_t seq)
{
    if (D->pend_on && D->pend_more) {
        if (seq == D->pend_next) {
            uint8_t *tmp;
            size_t tlen, tcap;
            uint32_t start = D->pend_start;
            if (pend_store(d, D, p, n, D->pend_len) < 0)
                return;
            /* reassembled data = kept bytes + this whole segment, dissected afresh
               (the buffer is taken out: the loop may start a new pending message) */
            tmp = D->pend;
            tlen = D->pend_len;
            tcap = D->pend_cap;
            D->pend = NULL;
            D->pend_cap = 0;
            pend_drop(D);
            pdu_loop(d, s, D, tmp, tlen, start);
            if (!D->pend) {
                D->pend = tmp;
                D->pend_cap = tcap;
            } else {
                free(tmp);
                d->table.pend_bytes -= tcap;
            }
            pend_trim(d, D);
            return;
        }
        pend_drop(D);
    } else if (D->pend_on) {
        uint32_t start = D->pend_start, end = D->pend_end;
        if (seq == D->pend_next && !D->pend_hole) {
            if (seqdiff(seq + (uint32_t)n, end) < 0) {
                /* still incomplete: a middle segment shows no MQTT fields */
                if (pend_store(d, D, p, n, D->pend_len) == 0)
                    D->pend_next = seq + (uint32_t)n;
            } else {
                size_t take = (size_t)(end - seq);
                size_t pdu = (size_t)(end - start);
                if (pend_store(d, D, p, take, D->pend_len) < 0)
                    return;
                pend_drop(D);
                capture__mqtt_pdu(&d->f, s, D->pend, pdu);
                if (take < n)
                    pdu_loop(d, s, D, p + take, n - take, seq + (uint32_t)take);
                pend_trim(d, D);
            }
            return;
        }
        if (seqdiff(seq, start) > 0 && seqdiff(seq, end) < 0) {
            /* inside the pending message but not where the next byte should be: tshark keeps
               the reassembly, which with a hole never completes; segments inside its range
               show nothing, and what follows its end is dissected afresh */
            D->pend_hole = 1;
            D->pend_len = 0;
            if (seqdiff(seq + (uint32_t)n, D->pend_next) > 0)
                D->pend_next = seq + (uint32_t)n;
            if (seqdiff(seq + (uint32_t)n, end) > 0) {
                size_t skip = (size_t)(end - seq);
                pend_drop(D);
                pdu_loop(d, s, D, p + skip, n - skip, end);
            } else if (seq + (uint32_t)n == end) {
                pend_drop(D);
            }
            return;
        }
        pend_drop(D);
    }
    pdu_loop(d, s, D, p, n, seq);
}

/* ---------------------------------------------------------------------------------- */
/* tshark's tcp_analyze_sequence_number, the parts that decide retransmission and     */
/* out-of-order (those segments are not handed to MQTT: tcp.no_subdissector_on_error). */

static int analyze(cap_stream *s, int dir, uint32_t seq, uint32_t ack, uint32_t seglen, uint16_t flags,
                   uint32_t window, int64_t now)
{
    cap_dir *F = &s->d[dir], *R = &s->d[!dir];
    int ta = 0;
    uint32_t nextseq;

    if (!F->base_set) {
        F->base_seq = (flags & TH_SYN) ? seq : seq - 1;
        F->base_set = 1;
    }
    if (!R->base_set && (flags & TH_ACK)) {
        R->base_seq = ack - 1;
        R->base_set = 1;
    }
    if (seglen == 1 && F->nextseq_set && seq == F->nextseq && R->window == 0)
        ta |= TA_ZERO_WINDOW_PROBE;
    if (!(ta & TA_ZERO_WINDOW_PROBE)) {
        if (seglen <= 1 && F->nextseq_set && seq == F->nextseq - 1 && !(flags & (TH_SYN | TH_FIN | TH_RST)))
            ta |= TA_KEEP_ALIVE;
        /* duplicate ACK counting (fast retransmission needs it) */
        if (seglen == 0 && window && window == F->window && F->nextseq_set && seq == F->nextseq &&
            ack == F->lastack && !(flags & (TH_SYN | TH_FIN | TH_RST)) &&
            !(R->last_keepalive && window == F->window))
            F->dupacknum = F->dupacknum < 0 ? 1 : F->dupacknum + 1;
    }
    if (ack != F->lastack)
        F->dupacknum = 0;

    if ((seglen > 0 || (flags & (TH_SYN | TH_FIN))) && !(ta & TA_KEEP_ALIVE)) {
        int not_adv = F->nextseq_set && seqdiff(seq, F->nextseq) < 0;
        if (seglen > 1 && F->nextseq_set && F->nextseq - 1 == seq)
            not_adv = 0;
        if (seglen > 0 && R->lastack && seqdiff(seq + seglen, R->lastack) <= 0) {
            ta |= TA_SPURIOUS; /* all its data ACKed already */
        } else if (not_adv && R->dupacknum >= 2 && R->lastack == seq && now - R->lastack_ns < 20000000) {
            /* fast retransmission: still dissected */
        } else {
            int64_t thres = s->first_rtt_ns ? s->first_rtt_ns : 3000000;
            uint32_t end = seq + seglen + ((flags & (TH_SYN | TH_FIN)) ? 1u : 0u);
            if (not_adv && now - F->nextseq_ns < thres && F->nextseq != end)
                ta |= TA_OUT_OF_ORDER;
            else if (not_adv)
                ta |= TA_RETRANSMISSION;
        }
    }

    nextseq = seq + seglen + ((flags & (TH_SYN | TH_FIN)) ? 1u : 0u);
    if (!F->nextseq_set || seqdiff(nextseq, F->nextseq) > 0) {
        if (!(ta & TA_ZERO_WINDOW_PROBE)) {
            F->nextseq = nextseq;
            F->nextseq_set = 1;
            F->nextseq_ns = now;
        }
    }
    F->window = window;
    F->lastack = ack;
    F->lastack_ns = now;
    F->last_keepalive = (ta & TA_KEEP_ALIVE) != 0;
    return ta;
}

/* ---------------------------------------------------------------------------------- */

/*
 * in_err: the TCP header quoted by an ICMP or ICMPv6 error (destination unreachable, time
 * exceeded, ...). tshark dissects it in its stream, as a row: tcp.flags, tcp.time_delta
 * (the stream's clock moves on), MQTT from the quoted bytes without reassembly, but no
 * tcp.len and no sequence analysis (checked against tshark, capture.edge edge_icmp).
 */
static int tcp_packet(cap_decoder *d, const uint8_t *src, const uint8_t *dst, int v6, const uint8_t *t,
                      size_t cap, size_t reported, int64_t ts, mqttids_flow *flow, int in_err)
{
    uint16_t sport, dport, flags;
    uint32_t seq, ack, window, seglen;
    size_t hlen, alen = v6 ? 16 : 4;
    cap_key key;
    cap_stream *s;
    int created, dir, ta;
    int64_t delta;
    cap_fields *f = &d->f;

    if (reported < 20)
        return 0;
    if (cap < 14) {
        /* TCP header cut before the flags: tshark still prints the frame, every feature missing */
        f->set = 0;
        f->viol = 0;
        if (flow) {
            memset(flow, 0, sizeof *flow);
            flow->ip_version = v6 ? 6 : 4;
            memcpy(flow->src, src, alen);
            memcpy(flow->dst, dst, alen);
            flow->stream = UINT64_MAX;
            if (cap >= 4) {
                flow->sport = rd16(t);
                flow->dport = rd16(t + 2);
            }
        }
        return 1;
    }
    hlen = (size_t)(t[12] >> 4) * 4;
    if (hlen < 20 || hlen > reported)
        return 0;
    sport = rd16(t);
    dport = rd16(t + 2);
    if (d->port_rows && d->port_rows[sport] < UINT32_MAX && d->port_rows[dport] < UINT32_MAX) {
        d->port_rows[sport]++;
        d->port_rows[dport] += dport != sport;
    }
    seq = rd32(t + 4);
    ack = rd32(t + 8);
    flags = rd16(t + 12) & 0x0fff;
    window = cap >= 16 ? rd16(t + 14) : 0;
    seglen = (uint32_t)(reported - hlen);

    memset(&key, 0, sizeof key);
    key.v6 = (uint8_t)v6;
    {
        int c = memcmp(src, dst, alen);
        if (c == 0)
            c = sport < dport ? -1 : sport > dport ? 1 : 0;
        dir = c > 0;
        memcpy(key.a, dir ? dst : src, alen);
        memcpy(key.b, dir ? src : dst, alen);
        key.pa = dir ? dport : sport;
        key.pb = dir ? sport : dport;
    }
    capture__table_expire(&d->table, ts);
    s = capture__table_get(&d->table, &key, ts, &created);
    if (!s)
        return -1;
    if (in_err && cap >= hlen) {
        cap_dir scratch;
        delta = created ? 0 : ts - s->last_ns;
        s->last_ns = ts;
        f->set = 0;
        cap_set(f, MQTTIDS_F_TCP_FLAGS, flags);
        cap_set(f, MQTTIDS_F_TCP_TIME_DELTA, (uint64_t)delta);
        if (seglen > 0 && cap > hlen && is_mqtt_port(d, sport, dport)) {
            memset(&scratch, 0, sizeof scratch);
            pdu_loop_cut(d, s, &scratch, t + hlen, cap - hlen, seglen, seq);
            if (scratch.pend)
                pend_release(d, &scratch);
        }
        if (f->set >> MQTTIDS_F_CONACK_FLAGS)
            d->mqtt_rows++;
        goto out_flow;
    }
    if (cap < hlen) {
        /* TCP header cut by the snap length: tshark shows tcp.flags and tcp.len, then stops
           (no timestamps, no analysis, no MQTT); the stream exists from here on */
        if (created)
            s->last_ns = ts;
        f->set = 0;
        f->viol = 0;
        cap_set(f, MQTTIDS_F_TCP_FLAGS, flags);
        cap_set(f, MQTTIDS_F_TCP_LEN, seglen);
        f->v[MQTTIDS_F_TCP_TIME_DELTA] = 0;
        goto out_flow;
    }
    if (!created && (flags & (TH_SYN | TH_ACK)) == TH_SYN && s->d[dir].base_set && seq != s->d[dir].base_seq) {
        /* a new SYN on the ports of an earlier connection: tshark starts a new stream */
        capture__stream_reset(&d->table, s);
        created = 1;
    }
    delta = created ? 0 : ts - s->last_ns;
    s->last_ns = ts;
    if ((flags & (TH_SYN | TH_ACK)) == TH_SYN && !s->syn_ns) {
        s->syn_ns = ts;
        s->syn_from_a = (uint8_t)(dir == 0);
    } else if (s->syn_ns && !s->first_rtt_ns && (flags & (TH_SYN | TH_ACK)) == TH_ACK &&
               (dir == 0) == (s->syn_from_a != 0) && s->d[!dir].base_set) {
        s->first_rtt_ns = ts - s->syn_ns;
    }

    ta = analyze(s, dir, seq, ack, seglen, flags, window, ts);

    f->set = 0;
    f->viol = 0;
    cap_set(f, MQTTIDS_F_TCP_FLAGS, flags);
    cap_set(f, MQTTIDS_F_TCP_TIME_DELTA, (uint64_t)delta);
    cap_set(f, MQTTIDS_F_TCP_LEN, seglen);

    /* retransmissions and out-of-order segments never reach MQTT; keep-alives and spurious
       retransmissions do not reach it through reassembly, only when cut by the snap length */
    if (seglen > 0 && is_mqtt_port(d, sport, dport) && !(ta & (TA_RETRANSMISSION | TA_OUT_OF_ORDER))) {
        if (cap - hlen < seglen)
            pdu_loop_cut(d, s, &s->d[dir], t + hlen, cap - hlen, seglen, seq); /* cut by the snap length */
        else if (!(ta & (TA_KEEP_ALIVE | TA_SPURIOUS)))
            mqtt_segment(d, s, &s->d[dir], t + hlen, seglen, seq);
    }
    if (f->set >> MQTTIDS_F_CONACK_FLAGS)
        d->mqtt_rows++;

out_flow:
    if (!in_err && !s->syn_opener && (flags & (TH_SYN | TH_ACK)) == TH_SYN)
        s->syn_opener = (uint8_t)(dir == 0 ? 1 : 2); /* the connection's opener: its client */
    /* flow context: the row's fields are final, also for a frame cut by the snap length (context.c) */
    if (d->ctx)
        context__update(d->ctx, &s->ctx, created, dir == 0, key.a, key.b, v6,
                        is_mqtt_port(d, key.pa, key.pa), is_mqtt_port(d, key.pb, key.pb), flags, seglen, f, ts);
    if (flow) {
        flow->stream = s->index;
        flow->ip_version = v6 ? 6 : 4;
        memset(flow->src, 0, sizeof flow->src);
        memset(flow->dst, 0, sizeof flow->dst);
        memcpy(flow->src, src, alen);
        memcpy(flow->dst, dst, alen);
        flow->sport = sport;
        flow->dport = dport;
        flow->is_mqtt = (f->set >> MQTTIDS_F_CONACK_FLAGS) != 0;
        flow->present = f->set;
        flow->syn_client = (uint8_t)(!s->syn_opener ? 0 : (s->syn_opener == 1) == (dir == 0) ? 1 : 2);
    }
    return 1;
}

/* ICMP (v4) and ICMPv6 messages that quote the packet they answer. */
static int icmp_error(int v6, uint8_t type)
{
    if (v6)
        return type >= 1 && type <= 4;
    return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

static int ip_packet(cap_decoder *d, const uint8_t *p, size_t cap, int64_t ts, mqttids_flow *flow, int in_err)
{
    if (cap < 1)
        return 0;
    if ((p[0] >> 4) == 4) {
        size_t ihl, tot;
        if (cap < 20)
            return 0;
        ihl = (size_t)(p[0] & 15) * 4;
        tot = rd16(p + 2);
        if (ihl < 20 || ihl > cap)
            return 0;
        if (tot == 0)
            tot = cap; /* TSO: length not filled in */
        if (tot < ihl)
            return 0;
        if ((rd16(p + 6) & 0x3fff) != 0)
            return 0; /* fragments */
        if (p[9] == 1 && !in_err && (cap < tot ? cap : tot) >= ihl + 8 && icmp_error(0, p[ihl]))
            return ip_packet(d, p + ihl + 8, (cap < tot ? cap : tot) - ihl - 8, ts, flow, 1);
        if (p[9] != 6)
            return 0; /* non-TCP */
        return tcp_packet(d, p + 12, p + 16, 0, p + ihl, (cap < tot ? cap : tot) - ihl, tot - ihl, ts, flow, in_err);
    }
    if ((p[0] >> 4) == 6) {
        size_t off = 40, plen;
        uint8_t nh;
        if (cap < 40)
            return 0;
        plen = rd16(p + 4);
        nh = p[6];
        for (int guard = 0; guard < 16; guard++) {
            if (nh == 0 || nh == 43 || nh == 60 || nh == 51) {
                size_t l;
                if (off + 2 > cap)
                    return 0;
                /* options and routing headers count 8-byte units past the first, AH
                   (51) 4-byte units less 2 */
                l = nh == 51 ? ((size_t)p[off + 1] + 2) * 4 : ((size_t)p[off + 1] + 1) * 8;
                nh = p[off];
                off += l;
            } else {
                break;
            }
        }
        if (nh == 58 && !in_err && off + 8 <= cap && off <= 40 + plen && icmp_error(1, p[off])) {
            size_t end = 40 + plen;
            size_t capend = cap < end ? cap : end;
            if (capend < off + 8)
                return 0;
            return ip_packet(d, p + off + 8, capend - off - 8, ts, flow, 1);
        }
        if (nh != 6 || off > 40 + plen || off > cap)
            return 0;
        {
            size_t end = 40 + plen;
            size_t capend = cap < end ? cap : end;
            return tcp_packet(d, p + 8, p + 24, 1, p + off, capend - off, end - off, ts, flow, in_err);
        }
    }
    return 0;
}

int capture__decode_packet(cap_decoder *d, int dlt, const uint8_t *pkt, size_t caplen, int64_t ts_ns,
                           mqttids_flow *flow)
{
    size_t off;
    uint16_t et;
    switch (dlt) {
    case 1: /* DLT_EN10MB */
        if (caplen < 14)
            return 0;
        et = rd16(pkt + 12);
        off = 14;
        while ((et == 0x8100 || et == 0x88a8 || et == 0x9100) && off + 4 <= caplen) {
            et = rd16(pkt + off + 2);
            off += 4;
        }
        break;
    case 113: /* DLT_LINUX_SLL */
        if (caplen < 16)
            return 0;
        et = rd16(pkt + 14);
        off = 16;
        break;
    case 276: /* DLT_LINUX_SLL2 */
        if (caplen < 20)
            return 0;
        et = rd16(pkt);
        off = 20;
        break;
    case 12:  /* DLT_RAW */
    case 14:  /* DLT_RAW (BSD) */
    case 101: /* LINKTYPE_RAW */
    case 228: /* DLT_IPV4 */
    case 229: /* DLT_IPV6 */
        return ip_packet(d, pkt, caplen, ts_ns, flow, 0);
    case 0:   /* DLT_NULL */
    case 108: /* DLT_LOOP */
        if (caplen < 4)
            return 0;
        return ip_packet(d, pkt + 4, caplen - 4, ts_ns, flow, 0);
    default:
        return 0;
    }
    if (et != 0x0800 && et != 0x86dd)
        return 0;
    return ip_packet(d, pkt + off, caplen - off, ts_ns, flow, 0);
}
