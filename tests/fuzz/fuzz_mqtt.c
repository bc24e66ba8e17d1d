/*
 * fuzz_mqtt.c: libFuzzer target for the capture decoder (link layer, IPv4/IPv6, TCP
 * analysis and reassembly, MQTT fields). The first byte picks the mode:
 *   0  one raw MQTT message (byte 1: the stream's protocol level), capture__mqtt_pdu
 *   1  packets of a link type (byte 1 picks it): records [u16 length, bytes]
 *   2  TCP segments between two fixed hosts on port 1883, synthesized around records
 *      [u8 dir|flags, i8 seq delta, u16 length, payload]: reaches reassembly quickly
 * Every row is turned into a record, as the tool does. No input may read out of bounds
 * (ASan) or leak; nothing is checked beyond that.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "capture/capture_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int dlts[] = {1, 113, 276, 12, 101, 228, 229, 0, 108, 147};

static void row(cap_decoder *d)
{
    mqttids_record rec;
    char hexbuf[4][12];
    capture__fields_to_record(&d->f, &rec, hexbuf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mqttids_capture_opts o;
    cap_decoder d;
    mqttids_flow fl;
    int64_t ts = 1000000000;
    size_t off = 2;

    if (size < 2)
        return 0;
    mqttids_capture_opts_init(&o);
    o.max_streams = 8;        /* exercise eviction */
    o.max_pdu = 1 << 16;      /* and the reassembly caps */
    o.max_reassembly = 1 << 17;
    o.idle_timeout_s = 0.5;
    if (capture__decoder_init(&d, &o) != 0)
        return 0;
    switch (data[0] % 3) {
    case 0: {
        cap_stream s;
        memset(&s, 0, sizeof s);
        s.mqtt_version = (uint8_t)(data[1] % 7);
        d.f.set = 0;
        capture__mqtt_pdu(&d.f, &s, data + 2, size - 2);
        (void)capture__mqtt_pdu_len(data + 2, size - 2);
        row(&d);
        break;
    }
    case 1: {
        int dlt = dlts[data[1] % (sizeof dlts / sizeof dlts[0])];
        while (off + 2 <= size) {
            size_t n = (size_t)data[off] << 8 | data[off + 1];
            off += 2;
            if (n > size - off)
                n = size - off;
            ts += (int64_t)(data[off - 1] & 15) * 1000000;
            if (capture__decode_packet(&d, dlt, data + off, n, ts, &fl) == 1)
                row(&d);
            off += n;
        }
        break;
    }
    default: {
        uint32_t seq[2] = {1000, 5000};
        uint8_t pkt[20 + 20 + 2048];
        while (off + 4 <= size) {
            uint8_t ctl = data[off];
            int dir = ctl & 1;
            int8_t delta = (int8_t)data[off + 1];
            size_t n = (size_t)(data[off + 2] << 8 | data[off + 3]) % 2048, tot;
            off += 4;
            if (n > size - off)
                n = size - off;
            tot = 40 + n;
            memset(pkt, 0, 40);
            pkt[0] = 0x45;
            pkt[2] = (uint8_t)(tot >> 8);
            pkt[3] = (uint8_t)tot;
            pkt[9] = 6;
            pkt[12] = 10, pkt[15] = (uint8_t)(1 + dir);
            pkt[16] = 10, pkt[19] = (uint8_t)(2 - dir);
            pkt[20] = dir ? 0x07 : 0x9c, pkt[21] = dir ? 0x5b : 0x41; /* 1883 <-> 40001 */
            pkt[22] = dir ? 0x9c : 0x07, pkt[23] = dir ? 0x41 : 0x5b;
            seq[dir] += (uint32_t)(int32_t)delta;
            pkt[24] = (uint8_t)(seq[dir] >> 24), pkt[25] = (uint8_t)(seq[dir] >> 16);
            pkt[26] = (uint8_t)(seq[dir] >> 8), pkt[27] = (uint8_t)seq[dir];
            pkt[28] = (uint8_t)(seq[!dir] >> 24), pkt[29] = (uint8_t)(seq[!dir] >> 16);
            pkt[30] = (uint8_t)(seq[!dir] >> 8), pkt[31] = (uint8_t)seq[!dir];
            pkt[32] = 0x50;
            pkt[33] = (uint8_t)(0x10 | (ctl >> 1 & 0x0f));
            pkt[34] = 0x01;
            memcpy(pkt + 40, data + off, n);
            ts += (ctl >> 5) * 1000000;
            if (capture__decode_packet(&d, 12, pkt, tot, ts, &fl) == 1)
                row(&d);
            seq[dir] += (uint32_t)n + ((pkt[33] & 0x03) ? 1u : 0u);
            off += n;
        }
        break;
    }
    }
    {
        /* invariant: the reassembly budget counts exactly the live buffers, within bounds */
        size_t sum = 0;
        for (cap_stream *s = d.table.lru_head; s; s = s->lru_next)
            sum += s->d[0].pend_cap + s->d[1].pend_cap;
        if (sum != d.table.pend_bytes || sum > d.table.pend_max || d.table.count > d.table.max)
            abort();
    }
    capture__decoder_free(&d);
    return 0;
}
