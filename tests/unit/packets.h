/*
 * packets.h: packet builders for the capture unit tests (test_capture.c, test_context.c).
 * Layouts from RFC 791 and RFC 9293; test code only.
 */
#ifndef MQTTIDS_TEST_PACKETS_H
#define MQTTIDS_TEST_PACKETS_H

#include <stdint.h>
#include <string.h>

/* IPv4 + TCP header (no options, window 0x1000) + data into p (40 + n bytes), for the
   decoder's raw IPv4 link type (DLT 228). Returns the packet's length. */
static inline size_t ipv4_tcp(uint8_t *p, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
                              uint32_t seq, uint32_t ack, uint8_t flags, const uint8_t *data, size_t n)
{
    size_t tot = 40 + n;
    memset(p, 0, 40);
    p[0] = 0x45;
    p[2] = (uint8_t)(tot >> 8), p[3] = (uint8_t)tot;
    p[9] = 6;
    for (int i = 0; i < 4; i++) {
        p[12 + i] = (uint8_t)(src >> (24 - 8 * i));
        p[16 + i] = (uint8_t)(dst >> (24 - 8 * i));
        p[24 + i] = (uint8_t)(seq >> (24 - 8 * i));
        p[28 + i] = (uint8_t)(ack >> (24 - 8 * i));
    }
    p[20] = (uint8_t)(sport >> 8), p[21] = (uint8_t)sport;
    p[22] = (uint8_t)(dport >> 8), p[23] = (uint8_t)dport;
    p[32] = 0x50;
    p[33] = flags;
    p[34] = 0x10;
    if (n)
        memcpy(p + 40, data, n);
    return tot;
}

#endif
