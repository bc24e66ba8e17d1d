/*
 * recipe.c: named training recipes (mqttids_train_recipe, mqttids/ml.h).
 */
#include <string.h>
#include "mqttids/ml.h"

/*
 * Recipes: a named choice of features, learner and parameters (docs/internals/detect.md,
 * "The recommended detector"). "detector" is the one that held best between networks in
 * bench/transfer.sh: only columns whose meaning does not depend on the network (no times,
 * no segment sizes, no rates in packets/s, no counters since the capture began), with the
 * behaviour ctx.* columns. The feature names are stored in the model (its pipeline).
 */
typedef struct recipe {
    const char *name;
    const char *learner;         /* the learner: change here (e.g. "gbt") */
    const char *params[8];       /* NULL-terminated */
    int balanced;                /* class weights: 1 n / (k n_c), 2 their square root */
    const char *nominal, *continuous, *drop, *extra;
} recipe;

static const recipe recipes[] = {
    {"detector",
     "rf",
     {"numTrees=100", "maxDepth=12", "maxBins=64", "splits=spark", NULL},
     2,
     "tcp.flags",
     "mqtt.kalive,mqtt.proto_len,mqtt.ver,mqtt.conack.val",
     /* out: times and segment sizes (tcp.time_delta, tcp.len: latency, MTU, offloads), the
        message type and header flags (the QoS a deployment chose: ctx.pkt_kind instead),
        sizes that follow topic names and payload formats (mqtt.len), counters (mqtt.msgid),
        CONNECT flags (whether a broker asks for a password), texts */
     "tcp.time_delta,tcp.len,mqtt.hdrflags,mqtt.msgtype,mqtt.len,mqtt.msgid,mqtt.msg,mqtt.protoname,"
     "mqtt.willmsg,mqtt.willtopic,mqtt.conflags,mqtt.qos,mqtt.dupflag,mqtt.retain,mqtt.conack.flags,"
     "mqtt.conack.flags.reserved,mqtt.conack.flags.sp,mqtt.conflag.cleansess,mqtt.conflag.passwd,"
     "mqtt.conflag.qos,mqtt.conflag.reserved,mqtt.conflag.retain,mqtt.conflag.uname,mqtt.conflag.willflag,"
     "mqtt.sub.qos,mqtt.suback.qos,mqtt.willmsg_len,mqtt.willtopic_len",
     "ctx.pkt_kind,ctx.pkt_malformed,ctx.pkt_malformed_reason,ctx.conn_malformed,ctx.src_malformed_share,"
     "ctx.conn_refused,ctx.src_refused_share,ctx.conn_kalive_long,ctx.src_kalive_long_share,"
     "ctx.conn_early_msgs,ctx.src_early_share,ctx.conn_abrupt_close,ctx.src_abrupt_share,ctx.src_pub_share,"
     "ctx.stream_up_seg_log2,ctx.src_up_seg_log2"},
};

mqttids_err mqttids_train_recipe(const char *name, mqttids_train_opts *o, const char *const **params)
{
    for (size_t i = 0; i < sizeof recipes / sizeof recipes[0]; i++) {
        const recipe *r = &recipes[i];
        if (strcmp(r->name, name) != 0)
            continue;
        o->kind = r->learner;
        o->balanced = r->balanced;
        o->pipeline.zero_threshold = 1;
        o->pipeline.corr_threshold = 1;
        o->pipeline.nominal = r->nominal;
        o->pipeline.continuous = r->continuous;
        o->pipeline.drop = r->drop;
        o->pipeline.extra = r->extra;
        *params = r->params;
        return MQTTIDS_OK;
    }
    return MQTTIDS_ERR_NOT_FOUND;
}
