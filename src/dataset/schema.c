/* schema.c: the MQTTset feature list, kinds, and class names. */
#include <string.h>
#include "mqttids/schema.h"

static const char *const feat_names[MQTTIDS_NFEAT] = {
    "tcp.flags", "tcp.time_delta", "tcp.len", "mqtt.conack.flags",
    "mqtt.conack.flags.reserved", "mqtt.conack.flags.sp", "mqtt.conack.val",
    "mqtt.conflag.cleansess", "mqtt.conflag.passwd", "mqtt.conflag.qos",
    "mqtt.conflag.reserved", "mqtt.conflag.retain", "mqtt.conflag.uname",
    "mqtt.conflag.willflag", "mqtt.conflags", "mqtt.dupflag", "mqtt.hdrflags",
    "mqtt.kalive", "mqtt.len", "mqtt.msg", "mqtt.msgid", "mqtt.msgtype",
    "mqtt.proto_len", "mqtt.protoname", "mqtt.qos", "mqtt.retain", "mqtt.sub.qos",
    "mqtt.suback.qos", "mqtt.ver", "mqtt.willmsg", "mqtt.willmsg_len",
    "mqtt.willtopic", "mqtt.willtopic_len",
};

static const char *const class_names[MQTTIDS_NCLASS] = {
    "legitimate", "dos", "bruteforce", "malformed", "slowite", "flood",
};

const char *mqttids_feat_name(int f)
{
    return (f >= 0 && f < MQTTIDS_NFEAT) ? feat_names[f] : NULL;
}

mqttids_kind mqttids_feat_kind(int f)
{
    switch (f) {
    case MQTTIDS_F_TCP_FLAGS:
    case MQTTIDS_F_CONACK_FLAGS:
    case MQTTIDS_F_CONFLAGS:
    case MQTTIDS_F_HDRFLAGS:
        return MQTTIDS_KIND_HEX;
    case MQTTIDS_F_MSG:
    case MQTTIDS_F_PROTONAME:
    case MQTTIDS_F_WILLMSG:
    case MQTTIDS_F_WILLTOPIC:
        return MQTTIDS_KIND_TEXT;
    default:
        return MQTTIDS_KIND_NUM;
    }
}

/* Equal ignoring case, with '.' and '_' treated as the same character. */
static int name_eq(const char *canon, const char *s, size_t len)
{
    size_t i;
    for (i = 0; i < len; i++) {
        char a = canon[i], b = s[i];
        if (a == '\0')
            return 0;
        if (b >= 'A' && b <= 'Z')
            b = (char)(b - 'A' + 'a');
        if (a == '.')
            a = '_';
        if (b == '.')
            b = '_';
        if (a != b)
            return 0;
    }
    return canon[len] == '\0';
}

int mqttids_feat_find(const char *name, size_t len)
{
    for (int f = 0; f < MQTTIDS_NFEAT; f++)
        if (name_eq(feat_names[f], name, len))
            return f;
    return -1;
}

const char *mqttids_class_name(int c)
{
    return (c >= 0 && c < MQTTIDS_NCLASS) ? class_names[c] : NULL;
}

int mqttids_class_find(const char *name, size_t len)
{
    for (int c = 0; c < MQTTIDS_NCLASS; c++)
        if (name_eq(class_names[c], name, len))
            return c;
    /* pcap file names of the original captures */
    if (name_eq("benign", name, len))
        return MQTTIDS_CLASS_LEGITIMATE;
    if (name_eq("malariados", name, len))
        return MQTTIDS_CLASS_DOS;
    return -1;
}

void mqttids_record_clear(mqttids_record *r)
{
    memset(r, 0, sizeof *r);
    r->label = -1;
}
