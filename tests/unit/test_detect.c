/*
 * test_detect.c: the detection path's pieces with independent expectations: the alert
 * builder's JSON parsed back by json-c (escaped class names, model ids and flow keys in
 * both shapes, snprintf-like truncation), the class rules, and the decision gate's
 * grouping (per connection, per host, suppression window, minimum probability, LRU cap).
 */
#include <math.h>
#include <string.h>
#include <json-c/json.h>
#include "mqttids/detect.h"
#include "testhelp.h"

static const char *jstr(json_object *o, const char *path1, const char *path2)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(o, path1, &v))
        return NULL;
    if (path2 && !json_object_object_get_ex(v, path2, &v))
        return NULL;
    return json_object_get_string(v);
}

static void test_builder(void)
{
    static const char evil[] = "dos\"\\\n\x01x";
    char buf[2048], small[16];
    mqttids_alert a;
    mqttids_flow fl;
    mqttids_record rec;
    json_object *o;
    size_t n;

    memset(&fl, 0, sizeof fl);
    memset(&rec, 0, sizeof rec);
    fl.ts_sec = 1592812177; /* 2020-06-22T07:49:37 */
    fl.ts_nsec = 370830999;
    fl.frame = 7;
    fl.stream = 3;
    fl.ip_version = 4;
    fl.src[0] = 10, fl.src[3] = 1, fl.dst[0] = 10, fl.dst[3] = 2;
    fl.sport = 5555, fl.dport = 1883;
    mqttids_alert_init(&a);
    a.cls = 1;
    a.class_name = evil;
    a.probability = 0.25;
    a.model_id = "rf-\"x\"";
    a.packet = &fl;
    a.rec = &rec;
    n = mqttids_alert_format(&a, MQTTIDS_ALERT_EVE, buf, sizeof buf);
    CHECK(n == strlen(buf), "length %zu vs %zu", n, strlen(buf));
    o = json_tokener_parse(buf);
    CHECK(o != NULL, "EVE line is not JSON: %s", buf);
    if (o) {
        CHECK(strcmp(jstr(o, "alert", "category"), evil) == 0, "category round trip");
        CHECK(strcmp(jstr(o, "model", NULL), "rf-\"x\"") == 0, "model round trip");
        CHECK(strstr(jstr(o, "alert", "signature"), evil) != NULL, "signature holds the class");
        CHECK(strcmp(jstr(o, "timestamp", NULL), "2020-06-22T07:49:37.370830+0000") == 0, "timestamp %s",
              jstr(o, "timestamp", NULL));
        CHECK(strcmp(jstr(o, "src_ip", NULL), "10.0.0.1") == 0, "src_ip");
        CHECK(!json_object_object_get_ex(o, "group", NULL), "no group object by packet");
        json_object_put(o);
    }
    /* snprintf-like: the needed length, a NUL-terminated prefix */
    CHECK(mqttids_alert_format(&a, MQTTIDS_ALERT_EVE, small, sizeof small) == n, "needed length");
    CHECK(strlen(small) == sizeof small - 1 && memcmp(small, buf, sizeof small - 1) == 0, "prefix");

    mqttids_alert_init(&a);
    a.time = 1592812177.5;
    a.flow = "k\"1";
    a.flow_len = 3;
    a.class_name = evil;
    a.model_id = "m";
    a.topic = "t";
    a.partition = 2;
    a.offset = 9;
    a.id = 42;
    a.by = MQTTIDS_ALERT_BY_CONNECTION;
    a.group_key = a.flow;
    a.group_key_len = a.flow_len;
    a.group = (mqttids_alert_group){5, 1592812170.0, 1592812177.5, 2};
    mqttids_alert_format(&a, MQTTIDS_ALERT_RECORD, buf, sizeof buf);
    o = json_tokener_parse(buf);
    CHECK(o != NULL, "record line is not JSON: %s", buf);
    if (o) {
        json_object *p = NULL;
        CHECK(strcmp(jstr(o, "class", NULL), evil) == 0, "class round trip");
        CHECK(strcmp(jstr(o, "flow", NULL), "k\"1") == 0, "flow round trip");
        CHECK(strcmp(jstr(o, "time", NULL), "2020-06-22T07:49:37.500Z") == 0, "time %s", jstr(o, "time", NULL));
        CHECK(json_object_object_get_ex(o, "probability", &p) && p == NULL, "unknown probability is null");
        CHECK(strcmp(jstr(o, "group", "count"), "5") == 0 && strcmp(jstr(o, "group", "by"), "connection") == 0,
              "group counts");
        CHECK(strcmp(jstr(o, "group", "first"), "2020-06-22T07:49:30.000Z") == 0, "group first");
        json_object_put(o);
    }
}

static void test_rules(void)
{
    const char *a[] = {"dos", "Benign", "flood"}, *b[] = {"dos", "flood"};
    mqttids_alert_by by;
    CHECK(mqttids_detect_quiet_class(a, 3) == 1, "benign is the quiet class");
    CHECK(mqttids_detect_quiet_class(b, 2) == -1, "no quiet class");
    CHECK(mqttids_detect_class_index("Flood") == MQTTIDS_CLASS_FLOOD, "class index");
    CHECK(mqttids_detect_class_index("x\"y") == -1, "unknown class");
    CHECK(mqttids_detect_severity("dos") == 1 && mqttids_detect_severity("slowite") == 2 &&
              mqttids_detect_severity("legitimate") == 3, "severities");
    CHECK(mqttids_alert_by_parse("host", &by) == MQTTIDS_OK && by == MQTTIDS_ALERT_BY_HOST, "parse host");
    CHECK(mqttids_alert_by_parse("flow", &by) == MQTTIDS_ERR_INVALID, "parse refuses flow");
}

static void test_gate(void)
{
    mqttids_alert_rule r;
    mqttids_alert_gate *g = NULL;
    mqttids_alert_group grp;
    char eb[MQTTIDS_ERRBUF_SIZE];
    int n;

    /* by packet: quiet class and minimum probability */
    mqttids_alert_rule_init(&r);
    r.min_probability = 0.5;
    CHECK(mqttids_alert_gate_new(&r, &g, eb) == MQTTIDS_OK, "%s", eb);
    CHECK(mqttids_alert_gate_decide(g, "s", 1, 0, 0.9, 1, &grp) == 0, "quiet class");
    CHECK(mqttids_alert_gate_decide(g, "s", 1, 2, 0.4, 1, &grp) == 0, "below the minimum");
    CHECK(mqttids_alert_gate_decide(g, "s", 1, 2, NAN, 1, &grp) == 1, "unknown probability passes");
    CHECK(mqttids_alert_gate_decide(g, "s", 1, 2, 0.5, 1, &grp) == 1 && grp.count == 1, "every row");
    mqttids_alert_gate_free(g);

    /* by connection with a 10 s window: 1 alert, then suppressed, then again with counts */
    mqttids_alert_rule_init(&r);
    r.by = MQTTIDS_ALERT_BY_CONNECTION;
    r.window_s = 10;
    CHECK(mqttids_alert_gate_new(&r, &g, eb) == MQTTIDS_OK, "%s", eb);
    n = 0;
    for (int t = 0; t < 25; t++)
        n += mqttids_alert_gate_decide(g, "7", 1, 3, 0.9, 100 + t, &grp);
    CHECK(n == 3, "alerts at t=0, 10, 20: %d", n);
    CHECK(grp.count == 21 && grp.first == 100 && grp.last == 120 && grp.emitted == 3, "counts %llu %g %g %llu",
          (unsigned long long)grp.count, grp.first, grp.last, (unsigned long long)grp.emitted);
    CHECK(mqttids_alert_gate_suppressed(g) == 22, "suppressed %llu", (unsigned long long)mqttids_alert_gate_suppressed(g));
    CHECK(mqttids_alert_gate_decide(g, "7", 1, 5, 0.9, 125, &grp) == 1, "another class is another group");
    CHECK(mqttids_alert_gate_decide(g, "8", 1, 3, 0.9, 125, &grp) == 1, "another connection");
    CHECK(mqttids_alert_gate_groups(g) == 3, "three groups");
    mqttids_alert_gate_free(g);

    /* LRU cap: 2 groups; a third forgets the least recently seen, which alerts again later */
    mqttids_alert_rule_init(&r);
    r.by = MQTTIDS_ALERT_BY_HOST;
    r.max_groups = 2;
    CHECK(mqttids_alert_gate_new(&r, &g, eb) == MQTTIDS_OK, "%s", eb);
    CHECK(mqttids_alert_gate_decide(g, "a", 1, 1, 1, 1, NULL) == 1, "a");
    CHECK(mqttids_alert_gate_decide(g, "b", 1, 1, 1, 2, NULL) == 1, "b");
    CHECK(mqttids_alert_gate_decide(g, "a", 1, 1, 1, 3, NULL) == 0, "a again: suppressed, now most recent");
    CHECK(mqttids_alert_gate_decide(g, "c", 1, 1, 1, 4, NULL) == 1, "c evicts b");
    CHECK(mqttids_alert_gate_decide(g, "a", 1, 1, 1, 5, NULL) == 0, "a kept");
    CHECK(mqttids_alert_gate_decide(g, "b", 1, 1, 1, 6, NULL) == 1, "b forgotten, alerts again");
    CHECK(mqttids_alert_gate_evicted(g) == 2 && mqttids_alert_gate_groups(g) == 2, "evicted %llu",
          (unsigned long long)mqttids_alert_gate_evicted(g));
    mqttids_alert_gate_free(g);

    r.window_s = -1;
    CHECK(mqttids_alert_gate_new(&r, &g, eb) == MQTTIDS_ERR_INVALID && g == NULL, "negative window refused");
}

int main(void)
{
    test_builder();
    test_rules();
    test_gate();
    PASS();
}
