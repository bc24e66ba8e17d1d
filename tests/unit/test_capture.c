/*
 * test_capture.c: unit tests of the capture internals that the tshark comparisons
 * (tests/integration/capture_*.sh) do not isolate: the stream table's bounds (cap, idle
 * timeout, LRU order, new stream on port reuse), the reassembly cap, tshark's PDU length
 * rule, first-occurrence merging, record conversion, magic detection, API errors, and the
 * dataset source (rows = packets of the shared capture; a failed read leaves ds unchanged).
 * Expected values come from the MQTT 3.1.1/5 specifications and the pcap file layout.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "mqttids/config.h"
#include "capture/capture_int.h"
#include "testhelp.h"
#include "packets.h"

static void test_pdu_len(void)
{
    const uint8_t a[] = {0x30, 0x05};
    const uint8_t b[] = {0x30, 0xc1, 0x02};             /* 321 */
    const uint8_t c[] = {0x30, 0x80};                   /* runs past the data */
    const uint8_t d[] = {0x30, 0xff, 0xff, 0xff, 0x7f}; /* 268435455, the MQTT maximum */
    CHECK(capture__mqtt_pdu_len(a, 2) == 7, "0x05 -> 7");
    CHECK(capture__mqtt_pdu_len(b, 3) == 324, "321 + 2 + 1 = %llu", (unsigned long long)capture__mqtt_pdu_len(b, 3));
    CHECK(capture__mqtt_pdu_len(c, 2) == 0, "incomplete length field");
    CHECK(capture__mqtt_pdu_len(d, 5) == 268435455u + 5, "max length");
    CHECK(capture__mqtt_pdu_len(a, 1) == 0, "one byte");
}

static void test_fields_first_occurrence(void)
{
    cap_fields f;
    cap_stream s;
    /* PUBACK id 7, then PUBLISH QoS 1 id 9 "a/b" "hi" */
    const uint8_t puback[] = {0x40, 0x02, 0x00, 0x07};
    const uint8_t publish[] = {0x32, 0x09, 0x00, 0x03, 'a', '/', 'b', 0x00, 0x09, 'h', 'i'};
    mqttids_record rec;
    char hexbuf[4][12];
    memset(&f, 0, sizeof f);
    memset(&s, 0, sizeof s);
    capture__mqtt_pdu(&f, &s, puback, sizeof puback);
    capture__mqtt_pdu(&f, &s, publish, sizeof publish);
    CHECK(f.v[MQTTIDS_F_MSGTYPE] == 4, "first msgtype kept: %llu", (unsigned long long)f.v[MQTTIDS_F_MSGTYPE]);
    CHECK(f.v[MQTTIDS_F_MSGID] == 7, "first msgid kept");
    CHECK(cap_has(&f, MQTTIDS_F_QOS) && f.v[MQTTIDS_F_QOS] == 1, "qos from the later PUBLISH");
    CHECK(f.msg.len == 4 && memcmp(f.msg.data, "6869", 4) == 0, "payload as hex");
    capture__fields_to_record(&f, &rec, hexbuf);
    CHECK(rec.str[MQTTIDS_F_HDRFLAGS] && memcmp(rec.str[MQTTIDS_F_HDRFLAGS], "0x00000040", 10) == 0, "hdrflags text");
    CHECK(rec.num[MQTTIDS_F_HDRFLAGS] == 64.0, "hdrflags value");
    CHECK(rec.num[MQTTIDS_F_MSG] == 1.0 && rec.str_len[MQTTIDS_F_MSG] == 4, "msg numeric view");
    CHECK(rec.str[MQTTIDS_F_CONFLAGS] == NULL, "absent hex is NULL");
    util__buf_free(&f.msg);
    util__buf_free(&f.protoname);

    /* CONNECT 3.1.1: the protocol level is remembered for the stream; CONNACK then has conack.val */
    {
        const uint8_t con[] = {0x10, 0x0c, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0xc2, 0x00, 0x3c, 0x00, 0x00};
        const uint8_t ack[] = {0x20, 0x02, 0x00, 0x05};
        memset(&f, 0, sizeof f);
        capture__mqtt_pdu(&f, &s, con, sizeof con);
        CHECK(s.mqtt_version == 4, "level 4 remembered");
        CHECK(f.v[MQTTIDS_F_CONFLAG_UNAME] == 1 && f.v[MQTTIDS_F_CONFLAG_PASSWD] == 1 &&
                  f.v[MQTTIDS_F_CONFLAG_CLEANSESS] == 1 && f.v[MQTTIDS_F_KALIVE] == 60,
              "connect flags");
        CHECK(f.protoname.len == 4 && memcmp(f.protoname.data, "MQTT", 4) == 0, "protoname");
        memset(&f.set, 0, sizeof f.set);
        capture__mqtt_pdu(&f, &s, ack, sizeof ack);
        CHECK(cap_has(&f, MQTTIDS_F_CONACK_VAL) && f.v[MQTTIDS_F_CONACK_VAL] == 5, "conack.val 5");
        s.mqtt_version = 0; /* no CONNECT seen: tshark shows a reason code, not conack.val */
        f.set = 0;
        capture__mqtt_pdu(&f, &s, ack, sizeof ack);
        CHECK(!cap_has(&f, MQTTIDS_F_CONACK_VAL) && cap_has(&f, MQTTIDS_F_CONACK_FLAGS), "level unknown");
        /* cut inside the keep-alive: fields before it stay (tshark's exception point) */
        f.set = 0;
        capture__mqtt_pdu(&f, &s, con, 11);
        CHECK(cap_has(&f, MQTTIDS_F_CONFLAGS) && !cap_has(&f, MQTTIDS_F_KALIVE), "stops at the cut");
        util__buf_free(&f.protoname);
    }
}

static void test_table_bounds(void)
{
    cap_table t;
    cap_key k;
    int created;
    cap_stream *s0, *s;
    CHECK(capture__table_init(&t, 3, 10.0) == 0, "init");
    memset(&k, 0, sizeof k);
    for (int i = 0; i < 5; i++) {
        k.pa = (uint16_t)(1000 + i);
        s = capture__table_get(&t, &k, (int64_t)i * 1000000000, &created);
        CHECK(s && created && s->index == (uint64_t)i, "stream %d", i);
        s->last_ns = (int64_t)i * 1000000000;
    }
    CHECK(t.count == 3 && t.evicted == 2, "cap holds: count %zu evicted %llu", t.count, (unsigned long long)t.evicted);
    k.pa = 1000;
    s = capture__table_get(&t, &k, 5000000000, &created);
    CHECK(created && s->index == 5, "an evicted stream comes back as a new one");
    s->last_ns = 5000000000;
    capture__table_expire(&t, 14500000000); /* streams last seen before 4.5 s are idle > 10 s */
    CHECK(t.count == 1 && t.lru_head == s, "idle timeout: %zu left", t.count);
    s0 = s;
    capture__stream_reset(&t, s0);
    CHECK(s0->index == 6 && s0->last_ns == 0, "reset gives a new index");
    capture__table_free(&t);
}

static void test_reassembly_and_cap(void)
{
    mqttids_capture_opts o;
    cap_decoder d;
    mqttids_flow fl;
    uint8_t pkt[2000], msg[1200];
    size_t n;
    mqttids_capture_opts_init(&o);
    o.max_pdu = 1000;
    CHECK(capture__decoder_init(&d, &o) == 0, "init");
    /* PUBLISH of 1100 bytes in two segments: beyond max_pdu, so no fields (and no growth) */
    msg[0] = 0x30, msg[1] = 0xca, msg[2] = 0x08; /* remaining 1098 */
    msg[3] = 0, msg[4] = 1, msg[5] = 't';
    memset(msg + 6, 'x', sizeof msg - 6);
    n = ipv4_tcp(pkt, 0x0a000001, 0x0a000002, 40000, 1883, 100, 1, 0x18, msg, 600);
    CHECK(capture__decode_packet(&d, 12, pkt, n, 1000, &fl) == 1, "first segment");
    CHECK(!cap_has(&d.f, MQTTIDS_F_MSGTYPE), "no fields on a middle segment");
    n = ipv4_tcp(pkt, 0x0a000001, 0x0a000002, 40000, 1883, 700, 1, 0x18, msg + 600, 501);
    CHECK(capture__decode_packet(&d, 12, pkt, n, 2000, &fl) == 1, "second segment");
    CHECK(!cap_has(&d.f, MQTTIDS_F_MSGTYPE), "over the cap: dropped, not reassembled");
    CHECK(fl.stream == 0 && fl.sport == 40000 && fl.dport == 1883 && fl.ip_version == 4, "flow");
    CHECK(d.f.v[MQTTIDS_F_TCP_LEN] == 501 && (int64_t)d.f.v[MQTTIDS_F_TCP_TIME_DELTA] == 1000, "tcp fields");
    capture__decoder_free(&d);

    o.max_pdu = 4096;
    CHECK(capture__decoder_init(&d, &o) == 0, "init");
    n = ipv4_tcp(pkt, 0x0a000001, 0x0a000002, 40000, 1883, 100, 1, 0x18, msg, 600);
    capture__decode_packet(&d, 12, pkt, n, 1000, &fl);
    n = ipv4_tcp(pkt, 0x0a000001, 0x0a000002, 40000, 1883, 700, 1, 0x18, msg + 600, 501);
    capture__decode_packet(&d, 12, pkt, n, 2000, &fl);
    CHECK(cap_has(&d.f, MQTTIDS_F_MSGTYPE) && d.f.v[MQTTIDS_F_LEN] == 1098, "reassembled on the last segment");
    CHECK(d.f.msg.len == 2 * 1095, "whole payload: %zu", d.f.msg.len);
    CHECK(d.table.pend_bytes == 2048, "a small buffer is kept for reuse, counted: %zu", d.table.pend_bytes);
    /* not TCP: skipped */
    pkt[9] = 17;
    CHECK(capture__decode_packet(&d, 12, pkt, n, 3000, &fl) == 0, "UDP skipped");
    CHECK(capture__decode_packet(&d, 1, pkt, 10, 3000, &fl) == 0, "short frame skipped");
    capture__decoder_free(&d);
}

static void test_reassembly_budget(void)
{
    mqttids_capture_opts o;
    cap_decoder d;
    mqttids_flow fl;
    uint8_t pkt[2000], msg[1600];
    size_t n;
    mqttids_capture_opts_init(&o);
    o.max_reassembly = 3000; /* room for one 1.5 KB pending message (2 KB buffer), not two */
    CHECK(capture__decoder_init(&d, &o) == 0, "init");
    msg[0] = 0x30, msg[1] = 0xb0, msg[2] = 0x0c; /* remaining 1584: 1587 bytes in all */
    msg[3] = 0, msg[4] = 1, msg[5] = 't';
    memset(msg + 6, 'y', sizeof msg - 6);
    for (int k = 0; k < 2; k++) {
        n = ipv4_tcp(pkt, 0x0a000001, 0x0a000002, (uint16_t)(40000 + k), 1883, 100, 1, 0x18, msg, 1500);
        capture__decode_packet(&d, 12, pkt, n, 1000 + k, &fl);
    }
    CHECK(d.table.pend_bytes <= 3000 && d.table.pend_bytes > 0, "within the budget: %zu", d.table.pend_bytes);
    for (int k = 0; k < 2; k++) {
        n = ipv4_tcp(pkt, 0x0a000001, 0x0a000002, (uint16_t)(40000 + k), 1883, 1600, 1, 0x18, msg + 1500, 87);
        capture__decode_packet(&d, 12, pkt, n, 2000 + k, &fl);
        CHECK(cap_has(&d.f, MQTTIDS_F_MSGTYPE) == (k == 0), "stream %d: %s", k,
              k == 0 ? "reassembled" : "over the budget, not reassembled");
    }
    capture__decoder_free(&d);
    CHECK(d.table.pend_bytes == 0, "freed");
}

static void test_api(void)
{
    char errbuf[MQTTIDS_ERRBUF_SIZE], path[256];
    mqttids_capture *cap = NULL;
    FILE *fp;
    const unsigned char le[4] = {0xd4, 0xc3, 0xb2, 0xa1}, ng[4] = {0x0a, 0x0d, 0x0d, 0x0a};
    CHECK(mqttids_capture_open_file("/nonexistent/x.pcap", NULL, &cap, errbuf) == MQTTIDS_ERR_IO && !cap,
          "missing file");
    CHECK(strstr(errbuf, "/nonexistent/x.pcap") != NULL, "names the path: %s", errbuf);
    snprintf(path, sizeof path, "%s/test_capture_%ld.bin", MQTTIDS_BINARY_DIR, (long)getpid());
    fp = fopen(path, "wb");
    fwrite(le, 1, 4, fp);
    fclose(fp);
    CHECK(mqttids_capture_is_pcap_file(path) == 1, "pcap magic");
    fp = fopen(path, "wb");
    fwrite(ng, 1, 4, fp);
    fclose(fp);
    CHECK(mqttids_capture_is_pcap_file(path) == 1, "pcapng magic");
    fp = fopen(path, "wb");
    fputs("tcp.flags,x\n", fp);
    fclose(fp);
    CHECK(mqttids_capture_is_pcap_file(path) == 0, "CSV is not pcap");
    CHECK(mqttids_capture_open_file(path, NULL, &cap, errbuf) == MQTTIDS_ERR_PCAP, "CSV refused");
    unlink(path);
}

static void test_dataset_source(void)
{
    char errbuf[MQTTIDS_ERRBUF_SIZE], path[512], tpath[256];
    mqttids_dataset *ds = mqttids_dataset_new();
    uint64_t rows = 0;
    FILE *in, *out;
    char buf[4096];
    size_t n, total = 0;
    snprintf(path, sizeof path, "%s/pcap_l-laura/flood-head.pcap", MQTTIDS_SHARED_DATA);
    if (access(path, R_OK) != 0) {
        mqttids_dataset_free(ds);
        return;
    }
    CHECK(mqttids_capture_read_dataset(ds, path, NULL, MQTTIDS_SPLIT_TRAIN, MQTTIDS_CLASS_FLOOD, &rows, errbuf) ==
              MQTTIDS_OK,
          "read: %s", errbuf);
    CHECK(rows == 56 && mqttids_dataset_nrows(ds) == 56, "56 packets in flood-head: %llu", (unsigned long long)rows);
    CHECK(mqttids_dataset_count(ds, MQTTIDS_SPLIT_TRAIN, MQTTIDS_CLASS_FLOOD) == 56, "labels and split");
    /* a truncated copy fails and leaves the dataset as it was */
    snprintf(tpath, sizeof tpath, "%s/test_capture_trunc_%ld.pcap", MQTTIDS_BINARY_DIR, (long)getpid());
    in = fopen(path, "rb");
    out = fopen(tpath, "wb");
    while ((n = fread(buf, 1, sizeof buf, in)) > 0 && total < 300000) {
        fwrite(buf, 1, n, out);
        total += n;
    }
    fclose(in);
    fclose(out);
    CHECK(mqttids_capture_read_dataset(ds, tpath, NULL, MQTTIDS_SPLIT_TEST, -1, &rows, errbuf) == MQTTIDS_ERR_PCAP,
          "truncated copy fails");
    CHECK(strstr(errbuf, "packet ") != NULL, "names the packet: %s", errbuf);
    CHECK(mqttids_dataset_nrows(ds) == 56, "rows of the failed file removed");
    unlink(tpath);
    mqttids_dataset_free(ds);
}

static void test_host_id(void)
{
    /* id.client: IPv4 as its 32-bit value; IPv6 a 52-bit hash above every IPv4 value */
    mqttids_flow f;
    double a, b;
    memset(&f, 0, sizeof f);
    f.ip_version = 4;
    f.src[0] = 192, f.src[1] = 168, f.src[2] = 0, f.src[3] = 151;
    f.dst[0] = 127, f.dst[3] = 20;
    CHECK(mqttids_flow_host_id(&f, 0) == 3232235671.0, "192.168.0.151 -> %.17g", mqttids_flow_host_id(&f, 0));
    CHECK(mqttids_flow_host_id(&f, 1) == 2130706452.0, "127.0.0.20 -> %.17g", mqttids_flow_host_id(&f, 1));
    /* the client side: the end not on port 1883; else the SYN-ACK's receiver; else the sender */
    f.sport = 1883, f.dport = 40000;
    CHECK(mqttids_flow_client_id(&f, 0x010, NULL) == 2130706452.0, "broker -> client: the destination");
    f.sport = 40000, f.dport = 1883;
    CHECK(mqttids_flow_client_id(&f, 0x012, NULL) == 3232235671.0, "client -> broker: the source, whatever the flags");
    f.sport = 5000, f.dport = 6000;
    CHECK(mqttids_flow_client_id(&f, 0x012, NULL) == 2130706452.0, "no MQTT port, SYN-ACK: its receiver");
    CHECK(mqttids_flow_client_id(&f, 0x002, NULL) == 3232235671.0, "no MQTT port, SYN: its sender");
    /* the stream's SYN seen: its sender, whatever the ports */
    f.sport = 40000, f.dport = 1883, f.syn_client = 2;
    CHECK(mqttids_flow_client_id(&f, 0x018, NULL) == 2130706452.0, "SYN sent by the destination: the destination");
    f.sport = 1883, f.dport = 1883, f.syn_client = 1;
    CHECK(mqttids_flow_client_id(&f, 0x012, NULL) == 3232235671.0, "SYN sent by the source: the source");
    f.syn_client = 0;
    f.ip_version = 6;
    f.src[15] = 1;
    a = mqttids_flow_host_id(&f, 0);
    f.src[15] = 2;
    b = mqttids_flow_host_id(&f, 0);
    CHECK(a >= 4294967296.0 && a < 4503599627370496.0 && a == (double)(uint64_t)a, "IPv6 id in [2^32, 2^52): %.17g", a);
    CHECK(a != b && b >= 4294967296.0, "IPv6 ids differ: %.17g %.17g", a, b);
}

int main(void)
{
    test_host_id();
    test_pdu_len();
    test_fields_first_occurrence();
    test_table_bounds();
    test_reassembly_and_cap();
    test_reassembly_budget();
#if MQTTIDS_WITH_PCAP
    test_api();
    test_dataset_source();
#else
    {
        char errbuf[MQTTIDS_ERRBUF_SIZE];
        mqttids_capture *cap = NULL;
        CHECK(mqttids_capture_open_file("x.pcap", NULL, &cap, errbuf) == MQTTIDS_ERR_UNSUPPORTED && !cap,
              "no libpcap: unsupported");
    }
#endif
    PASS();
}
