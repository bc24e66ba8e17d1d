/*
 * mqtt.c: the MQTT field decoder, reproducing what tshark 4.0's packet-mqtt.c puts in the
 * tree for one message, for the 33 MQTTset features (docs/internals/capture.md).
 *
 * tshark adds fields in message order and stops at the first read past the end of the
 * message (an exception; fields added before stay). need() below is that point: every
 * read checks it first, so no input can read out of bounds.
 */
#include <stdlib.h>
#include <string.h>
#include "capture/capture_int.h"

#define MQTT_CONNECT 1
#define MQTT_CONNACK 2
#define MQTT_PUBLISH 3
#define MQTT_PUBACK 4
#define MQTT_PUBREC 5
#define MQTT_PUBREL 6
#define MQTT_PUBCOMP 7
#define MQTT_SUBSCRIBE 8
#define MQTT_SUBACK 9
#define MQTT_UNSUBSCRIBE 10
#define MQTT_UNSUBACK 11

#define TEXT_MAX ((size_t)64 << 20)

/* tvb_get_varint(ENC_VARINT_PROTOBUF): *used = bytes (0 when 10 bytes had no end);
   returns -1 when it would read past avail. */
static int varint(const uint8_t *p, size_t avail, uint64_t *v, unsigned *used)
{
    *v = 0;
    for (unsigned i = 0; i < 10; i++) {
        if (i >= avail)
            return -1;
        *v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
        if (p[i] < 0x80) {
            *used = i + 1;
            return 0;
        }
    }
    *used = 0;
    return 0;
}

uint64_t capture__mqtt_pdu_len(const uint8_t *p, size_t avail)
{
    uint64_t v;
    unsigned used;
    if (avail < 2 || varint(p + 1, avail - 1, &v, &used) < 0)
        return 0;
    /* tshark keeps this in a guint: the sum wraps at 32 bits */
    return (uint32_t)(v + used + 1);
}

/* t emptied, with room for size bytes; its text, or NULL when out of memory. */
static char *text_room(cap_text *t, size_t size)
{
    util__buf_clear(t);
    if (util__buf_reserve(t, size) != 0)
        return NULL;
    return (char *)t->data;
}

int capture__text_set_hex(cap_text *t, const uint8_t *p, size_t n, size_t max)
{
    static const char hx[] = "0123456789abcdef";
    size_t need = 2 * n;
    if (n == 0) {
        /* tshark 4.0 -T fields prints an empty FT_BYTES field as "<MISSING>" */
        if (capture__text_set_utf8(t, (const uint8_t *)"<MISSING>", 9, max) != 0)
            return -1;
        return 0;
    }
    char *s;
    if (need > max || !(s = text_room(t, need + 1)))
        return -1;
    for (size_t i = 0; i < n; i++) {
        s[2 * i] = hx[p[i] >> 4];
        s[2 * i + 1] = hx[p[i] & 15];
    }
    t->len = need;
    s[need] = '\0';
    return 0;
}

/* Length of a valid UTF-8 sequence at p (avail bytes), 0 if invalid. */
static size_t utf8_seq(const uint8_t *p, size_t avail)
{
    uint8_t c = p[0];
    size_t n;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        n = 2, cp = c & 0x1f;
    else if (c >= 0xe0 && c <= 0xef)
        n = 3, cp = c & 0x0f;
    else if (c >= 0xf0 && c <= 0xf4)
        n = 4, cp = c & 0x07;
    else
        return 0;
    if (n > avail)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

int capture__text_set_utf8(cap_text *t, const uint8_t *p, size_t n, size_t max)
{
    size_t need = 3 * n + 1, o = 0;
    char *s;
    if (need > max || !(s = text_room(t, need)))
        return -1;
    /* ENC_UTF_8: invalid bytes become U+FFFD; a NUL ends the string as tshark prints it;
       -T fields writes \b \t \n \f \r as backslash escapes, other control bytes raw */
    for (size_t i = 0; i < n;) {
        size_t k = utf8_seq(p + i, n - i);
        const char *esc = "btn\0fr";
        if (p[i] == 0)
            break;
        if (p[i] >= 0x08 && p[i] <= 0x0d && p[i] != 0x0b) {
            s[o++] = '\\';
            s[o++] = esc[p[i] - 0x08];
            i++;
        } else if (k == 0) {
            s[o++] = (char)0xef;
            s[o++] = (char)0xbf;
            s[o++] = (char)0xbd;
            i++;
        } else {
            memcpy(s + o, p + i, k);
            o += k;
            i += k;
        }
    }
    t->len = o;
    s[o] = '\0';
    return 0;
}

static long properties(const uint8_t *p, size_t len, size_t off);

/* Skips the MQTT 5 properties at *off (nothing before version 5). Returns -1 on exception. */
static int skip_v5_properties(const uint8_t *p, size_t len, int ver, size_t *off)
{
    long adv;
    if (ver != 5)
        return 0;
    if ((adv = properties(p, len, *off)) < 0)
        return -1;
    *off += (size_t)adv;
    return 0;
}

/* A string (u16 length + bytes) at *o within p[0..len): *o moved past it, or -1 when it runs past len. */
static int skip_string(const uint8_t *p, size_t len, size_t *o)
{
    size_t sl;
    if (*o + 2 > len)
        return -1;
    sl = (size_t)p[*o] << 8 | p[*o + 1];
    if (*o + 2 + sl > len)
        return -1;
    *o += 2 + sl;
    return 0;
}

/* MQTT 5 properties (dissect_mqtt_properties): returns bytes advanced, -1 on exception. */
static long properties(const uint8_t *p, size_t len, size_t off)
{
    uint64_t plen;
    unsigned used;
    size_t end, o;
    if (off > len || varint(p + off, len - off, &plen, &used) < 0)
        return -1;
    /* the property tree item covers used + plen bytes: past the end is an exception */
    if (plen > len || off + used + plen > len)
        return -1;
    plen = (uint32_t)plen;
    o = off + used;
    end = o + plen;
    while (o < end) {
        uint8_t id;
        if (o + 1 > len)
            return -1;
        id = p[o++];
        switch (id) {
        case 0x01: case 0x17: case 0x19: case 0x25: case 0x28: case 0x29: case 0x2a: case 0x24:
            if (o + 1 > len)
                return -1;
            o += 1;
            break;
        case 0x23: case 0x13: case 0x21: case 0x22:
            if (o + 2 > len)
                return -1;
            o += 2;
            break;
        case 0x02: case 0x11: case 0x18: case 0x27:
            if (o + 4 > len)
                return -1;
            o += 4;
            break;
        case 0x0b: {
            uint64_t v;
            unsigned u;
            if (varint(p + o, len - o, &v, &u) < 0)
                return -1;
            o += u;
            break;
        }
        case 0x03: case 0x08: case 0x09: case 0x12: case 0x15: case 0x16: case 0x1a: case 0x1c: case 0x1f:
            if (skip_string(p, len, &o) < 0)
                return -1;
            break;
        case 0x26: /* user property: a name and a value */
            if (skip_string(p, len, &o) < 0 || skip_string(p, len, &o) < 0)
                return -1;
            break;
        default:
            o = end; /* unknown: the rest as one item */
            break;
        }
    }
    return (long)(used + plen);
}

/* A read past the message's end: tshark stops there; when the whole message was captured
   (not cut by the snap length), the message's own lengths disagree: a violation. */
#define NEED(n)                                   \
    do {                                          \
        if ((size_t)(n) > len || off + (size_t)(n) > len) { \
            if (caplen >= replen)                 \
                cap_viol(f, CAP_VIOL_TRUNCATED);  \
            return;                               \
        }                                         \
    } while (0)

/* MQTT 5 properties at off, skipped; running past the end is handled as NEED does */
#define PROPS()                                               \
    do {                                                      \
        if (skip_v5_properties(p, len, ver, &off) < 0) {      \
            if (caplen >= replen)                             \
                cap_viol(f, CAP_VIOL_TRUNCATED);              \
            return;                                           \
        }                                                     \
    } while (0)

static uint16_t u16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* The message id (u16) at off, read into the row */
#define MSGID()                                         \
    do {                                                \
        NEED(2);                                        \
        cap_set(f, MQTTIDS_F_MSGID, u16(p + off));      \
        off += 2;                                       \
    } while (0)

void capture__mqtt_pdu(cap_fields *f, cap_stream *s, const uint8_t *p, size_t len)
{
    capture__mqtt_pdu_cut(f, s, p, len, len);
}

/* CONNECT's variable header and payload from off: protocol name and level, flags, keep
   alive, client id, will topic and message (NEED and PROPS return on short bytes). */
static void cut_connect(cap_fields *f, cap_stream *s, const uint8_t *p, size_t off, size_t len, size_t replen,
                        size_t caplen)
{
    uint8_t ver;
    size_t n;
    uint8_t fl;
    NEED(2);
    n = u16(p + off);
    cap_set(f, MQTTIDS_F_PROTO_LEN, n);
    off += 2;
    NEED(n);
    if (!cap_has(f, MQTTIDS_F_PROTONAME)) {
        if (capture__text_set_utf8(&f->protoname, p + off, n, TEXT_MAX) == 0)
            cap_set(f, MQTTIDS_F_PROTONAME, 0);
    }
    if (s->mqtt_connects)
        cap_viol(f, CAP_VIOL_SECOND_CONNECT);
    if (s->mqtt_connects < 255)
        s->mqtt_connects++;
    off += n;
    NEED(1);
    {
        /* MQTT 3.1 says MQIsdp, 3.1.1 and 5 say MQTT */
        int name_ok = (n == 4 && memcmp(p + off - n, "MQTT", 4) == 0 && (p[off] == 4 || p[off] == 5)) ||
                      (n == 6 && memcmp(p + off - n, "MQIsdp", 6) == 0 && p[off] == 3);
        if (!name_ok)
            cap_viol(f, CAP_VIOL_PROTOCOL);
    }
    ver = s->mqtt_version = p[off];
    cap_set(f, MQTTIDS_F_VER, ver);
    off += 1;
    NEED(1);
    fl = p[off];
    cap_set(f, MQTTIDS_F_CONFLAGS, fl);
    cap_set(f, MQTTIDS_F_CONFLAG_UNAME, (fl >> 7) & 1);
    cap_set(f, MQTTIDS_F_CONFLAG_PASSWD, (fl >> 6) & 1);
    cap_set(f, MQTTIDS_F_CONFLAG_RETAIN, (fl >> 5) & 1);
    cap_set(f, MQTTIDS_F_CONFLAG_QOS, (fl >> 3) & 3);
    cap_set(f, MQTTIDS_F_CONFLAG_WILLFLAG, (fl >> 2) & 1);
    cap_set(f, MQTTIDS_F_CONFLAG_CLEANSESS, (fl >> 1) & 1);
    cap_set(f, MQTTIDS_F_CONFLAG_RESERVED, fl & 1);
    /* reserved bit; will QoS 3; will QoS or retain without the will flag; (before 5) a
       password without a user name */
    if ((fl & 1) || ((fl >> 3) & 3) == 3 || (!(fl & 0x04) && (fl & 0x38)) ||
        (ver != 5 && (fl & 0x40) && !(fl & 0x80)))
        cap_viol(f, CAP_VIOL_CONNECT_FLAGS);
    off += 1;
    NEED(2);
    cap_set(f, MQTTIDS_F_KALIVE, u16(p + off));
    off += 2;
    PROPS();
    NEED(2);
    n = u16(p + off);
    off += 2;
    NEED(n); /* client id */
    off += n;
    if (fl & 0x04) {
        PROPS();
        NEED(2);
        n = u16(p + off);
        cap_set(f, MQTTIDS_F_WILLTOPIC_LEN, n);
        off += 2;
        if (n > 0) {
            NEED(n);
            if (!cap_has(f, MQTTIDS_F_WILLTOPIC) &&
                capture__text_set_utf8(&f->willtopic, p + off, n, TEXT_MAX) == 0)
                cap_set(f, MQTTIDS_F_WILLTOPIC, 0);
            off += n;
        }
        NEED(2);
        n = u16(p + off);
        cap_set(f, MQTTIDS_F_WILLMSG_LEN, n);
        off += 2;
        NEED(n);
        if (!cap_has(f, MQTTIDS_F_WILLMSG) && capture__text_set_hex(&f->willmsg, p + off, n, TEXT_MAX) == 0)
            cap_set(f, MQTTIDS_F_WILLMSG, 0);
    }
}

void capture__mqtt_pdu_cut(cap_fields *f, cap_stream *s, const uint8_t *p, size_t replen, size_t caplen)
{
    /* reads stop at the message's end or at the end of the captured bytes, whichever is first */
    size_t len = caplen < replen ? caplen : replen;
    uint8_t hdr, type, ver = s->mqtt_version;
    uint64_t msg_len;
    unsigned used;
    size_t off = 0;

    if (len < 1)
        return;
    hdr = p[0];
    type = hdr >> 4;
    /* protocol violations (ctx.pkt_malformed_reason): checked on the bytes, never change the fields */
    if (len >= 5 && (p[1] & p[2] & p[3] & p[4] & 0x80))
        cap_viol(f, CAP_VIOL_LENGTH_FIELD);
    if (type == 0 || (type == 15 && ver != 5))
        cap_viol(f, CAP_VIOL_RESERVED_TYPE);
    else if (type == MQTT_PUBLISH ? (hdr & 0x06) == 0x06
             : (type == MQTT_PUBREL || type == MQTT_SUBSCRIBE || type == MQTT_UNSUBSCRIBE) ? (hdr & 0x0f) != 0x02
                                                                                          : (hdr & 0x0f) != 0)
        cap_viol(f, CAP_VIOL_HEADER_FLAGS);
    if (varint(p + 1, len - 1, &msg_len, &used) < 0)
        return;
    cap_set(f, MQTTIDS_F_HDRFLAGS, hdr);
    cap_set(f, MQTTIDS_F_MSGTYPE, type);
    if (type == MQTT_PUBLISH) {
        cap_set(f, MQTTIDS_F_DUPFLAG, (hdr >> 3) & 1);
        cap_set(f, MQTTIDS_F_QOS, (hdr >> 1) & 3);
        cap_set(f, MQTTIDS_F_RETAIN, hdr & 1);
    } else if (ver == 3 && (type == MQTT_PUBREL || type == MQTT_SUBSCRIBE || type == MQTT_UNSUBSCRIBE)) {
        cap_set(f, MQTTIDS_F_DUPFLAG, (hdr >> 3) & 1);
        cap_set(f, MQTTIDS_F_QOS, (hdr >> 1) & 3);
    }
    off = 1;
    cap_set(f, MQTTIDS_F_LEN, msg_len);
    off += used;

    switch (type) {
    case MQTT_CONNECT:
        cut_connect(f, s, p, off, len, replen, caplen);
        break;
    case MQTT_CONNACK:
        NEED(1);
        if (ver == 3) {
            cap_set(f, MQTTIDS_F_CONACK_FLAGS_RESERVED, p[off] != 0);
        } else {
            cap_set(f, MQTTIDS_F_CONACK_FLAGS, p[off]);
            cap_set(f, MQTTIDS_F_CONACK_FLAGS_RESERVED, (p[off] & 0xfe) != 0);
            cap_set(f, MQTTIDS_F_CONACK_FLAGS_SP, p[off] & 1);
        }
        off += 1;
        NEED(1);
        if (ver == 3 || ver == 4)
            cap_set(f, MQTTIDS_F_CONACK_VAL, p[off]);
        break;
    case MQTT_PUBLISH: {
        size_t n;
        NEED(2);
        n = u16(p + off);
        off += 2;
        if (n == 0 && ver != 5)
            cap_viol(f, CAP_VIOL_TOPIC); /* only MQTT 5 (topic alias) may leave it empty */
        if (n > 0) {
            NEED(n);
            if (memchr(p + off, '+', n) || memchr(p + off, '#', n) || memchr(p + off, 0, n))
                cap_viol(f, CAP_VIOL_TOPIC);
            off += n;
        }
        if (hdr & 0x06)
            MSGID();
        PROPS();
        if (off > replen && caplen >= replen)
            cap_viol(f, CAP_VIOL_TRUNCATED); /* topic and id longer than the message */
        if (off > replen || replen > len)
            return; /* negative payload length, or payload cut by the snap length: exception */
        if (!cap_has(f, MQTTIDS_F_MSG) && capture__text_set_hex(&f->msg, p + off, len - off, TEXT_MAX) == 0)
            cap_set(f, MQTTIDS_F_MSG, 0);
        break;
    }
    case MQTT_SUBSCRIBE: {
        MSGID();
        PROPS();
        if (off >= replen)
            cap_viol(f, CAP_VIOL_TOPIC); /* no topic filter */
        while (off < replen) {
            size_t n;
            NEED(2);
            n = u16(p + off);
            off += 2;
            if (n > 0) {
                NEED(n);
                off += n;
            }
            NEED(1);
            if (ver != 5 && p[off] > 2)
                cap_viol(f, CAP_VIOL_TOPIC); /* requested QoS 3 or reserved bits */
            if (ver != 5)
                cap_set(f, MQTTIDS_F_SUB_QOS, p[off]);
            off += 1;
        }
        break;
    }
    case MQTT_SUBACK: {
        MSGID();
        PROPS();
        if (off < replen && off < len && (ver == 3 || ver == 4))
            cap_set(f, MQTTIDS_F_SUBACK_QOS, p[off]);
        break;
    }
    case MQTT_UNSUBSCRIBE:
    case MQTT_UNSUBACK:
    case MQTT_PUBACK:
    case MQTT_PUBREC:
    case MQTT_PUBREL:
    case MQTT_PUBCOMP:
        MSGID();
        break;
    default:
        break;
    }
}
