/*
 * test_stream.c: the Kafka record codec (round trips of real MQTTset rows through JSON
 * and binary, the JSON checked by json-c as an independent parser, every malformed form
 * and every truncation refused), the at-least-once tracker, the word rules and stop list,
 * and the feed parser on the committed feeds.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "mqttids/mqttids.h"
#include "stream/stream_int.h"
#include "testhelp.h"

static int same_double(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0 || (a == b);
}

static int same_record(const mqttids_record *a, const mqttids_record *b, char *why, size_t n)
{
    for (int f = 0; f < MQTTIDS_NFEAT; f++) {
        if (!same_double(a->num[f], b->num[f])) {
            snprintf(why, n, "%s: %.17g vs %.17g", mqttids_feat_name(f), a->num[f], b->num[f]);
            return 0;
        }
        if (mqttids_feat_kind(f) != MQTTIDS_KIND_NUM) {
            const char *sa = a->str[f], *sb = b->str[f];
            uint32_t la = sa ? a->str_len[f] : 0, lb = sb ? b->str_len[f] : 0;
            if ((sa == NULL) != (sb == NULL) || la != lb || (la && memcmp(sa, sb, la) != 0)) {
                snprintf(why, n, "%s: string differs", mqttids_feat_name(f));
                return 0;
            }
        }
    }
    if (a->label != b->label) {
        snprintf(why, n, "label %d vs %d", a->label, b->label);
        return 0;
    }
    return 1;
}

static void test_roundtrip_real(void)
{
    char path[1024], errbuf[MQTTIDS_ERRBUF_SIZE], why[256];
    mqttids_dataset *ds = mqttids_dataset_new();
    mqttids_read_opts o;
    mqttids_codec *c = mqttids_codec_new(), *d = mqttids_codec_new();
    size_t n, bad_json = 0, bad_bin = 0, bad_jsonc = 0;

    mqttids_read_opts_init(&o);
    o.keep_payload = 1;
    o.max_rows = 3000;
    snprintf(path, sizeof path, "%s/derived_from_pcap/reconstructed_train70_reduced_subset.csv", MQTTIDS_SHARED_DATA);
    CHECK(mqttids_dataset_read_csv(ds, path, &o, NULL, errbuf) == MQTTIDS_OK, "read %s: %s", path, errbuf);
    snprintf(path, sizeof path, "%s/derived_from_pcap/dos_from_malariados_pcap_head.csv", MQTTIDS_SHARED_DATA);
    CHECK(mqttids_dataset_read_csv(ds, path, &o, NULL, errbuf) == MQTTIDS_OK, "read %s: %s", path, errbuf);
    n = mqttids_dataset_nrows(ds);
    CHECK(n > 4000, "rows %zu", n);
    for (size_t i = 0; i < n; i++) {
        mqttids_record r, back;
        const void *p;
        size_t len;
        uint64_t id = 0;
        mqttids_dataset_get(ds, i, &r);
        r.n_extra = 0;
        /* JSON */
        if (mqttids_codec_encode(c, MQTTIDS_STREAM_JSON, &r, 1000000 + i, &p, &len) != MQTTIDS_OK) {
            bad_json++;
            continue;
        }
        {
            /* json-c, an independent parser, must accept it and see the same numbers */
            json_object *jo;
            char *copy = malloc(len + 1);
            memcpy(copy, p, len);
            copy[len] = '\0';
            jo = json_tokener_parse(copy);
            free(copy);
            if (!jo || json_object_object_length(jo) != MQTTIDS_NFEAT + 3) {
                bad_jsonc++;
            } else {
                json_object *v;
                if (!json_object_object_get_ex(jo, "tcp.len", &v) || json_object_get_double(v) != r.num[MQTTIDS_F_TCP_LEN])
                    bad_jsonc++;
                if (!json_object_object_get_ex(jo, "tcp.time_delta", &v) ||
                    json_object_get_double(v) != r.num[MQTTIDS_F_TCP_TIME_DELTA])
                    bad_jsonc++;
                if (!json_object_object_get_ex(jo, "id", &v) || json_object_get_int64(v) != (int64_t)(1000000 + i))
                    bad_jsonc++;
            }
            json_object_put(jo);
        }
        if (mqttids_codec_decode(d, p, len, &back, &id, errbuf) != MQTTIDS_OK || id != 1000000 + i ||
            !same_record(&r, &back, why, sizeof why)) {
            if (bad_json++ < 3)
                CHECK(0, "row %zu JSON round trip: %s / %s", i, errbuf, why);
        }
        /* binary */
        if (mqttids_codec_encode(c, MQTTIDS_STREAM_BIN, &r, i, &p, &len) != MQTTIDS_OK ||
            mqttids_codec_decode(d, p, len, &back, &id, errbuf) != MQTTIDS_OK || id != i ||
            !same_record(&r, &back, why, sizeof why)) {
            if (bad_bin++ < 3)
                CHECK(0, "row %zu binary round trip: %s / %s", i, errbuf, why);
        }
    }
    CHECK(bad_json == 0, "%zu JSON round trips failed", bad_json);
    CHECK(bad_bin == 0, "%zu binary round trips failed", bad_bin);
    CHECK(bad_jsonc == 0, "%zu records json-c disagreed with", bad_jsonc);
    mqttids_codec_free(c);
    mqttids_codec_free(d);
    mqttids_dataset_free(ds);
}

/* A record with awkward strings, extras and an unusual double. */
static void test_escapes_extras(void)
{
    static const char msg[] = "q\"uo\\te\n\t\x01" "end";
    const char *names[2] = {"ctx.count", "ctx.rate"};
    double extra[2] = {3, 0.1};
    mqttids_codec *c = mqttids_codec_new();
    mqttids_record r, back;
    const void *p;
    size_t len;
    uint64_t id;
    char errbuf[MQTTIDS_ERRBUF_SIZE], why[256];

    mqttids_record_clear(&r);
    r.num[MQTTIDS_F_TCP_TIME_DELTA] = 6.7e-05;
    r.num[MQTTIDS_F_TCP_LEN] = 32768;
    r.num[MQTTIDS_F_WILLTOPIC] = 1; /* text with quotes and control bytes (mqtt.msg is hex only) */
    r.str[MQTTIDS_F_WILLTOPIC] = msg;
    r.str_len[MQTTIDS_F_WILLTOPIC] = (uint32_t)strlen(msg);
    r.num[MQTTIDS_F_TCP_FLAGS] = 0x18;
    r.str[MQTTIDS_F_TCP_FLAGS] = "0x00000018";
    r.str_len[MQTTIDS_F_TCP_FLAGS] = 10;
    r.num[MQTTIDS_F_MSGID] = -0.0;
    r.label = MQTTIDS_CLASS_FLOOD;
    r.n_extra = 2;
    r.extra = extra;
    CHECK(mqttids_codec_set_extras(c, names, 2) == MQTTIDS_OK, "extras");
    CHECK(mqttids_codec_encode(c, MQTTIDS_STREAM_JSON, &r, 42, &p, &len) == MQTTIDS_OK, "encode");
    {
        char *s = strndup(p, len);
        CHECK(strstr(s, "\"mqtt.willtopic\":\"q\\\"uo\\\\te\\u000a\\u0009\\u0001end\"") != NULL, "escaped: %s", s);
        CHECK(strstr(s, "\"tcp.time_delta\":6.7e-05") != NULL, "repr float: %s", s);
        CHECK(strstr(s, "\"target\":\"flood\"") != NULL, "target: %s", s);
        CHECK(strstr(s, "\"ctx.rate\":0.1") != NULL, "extra: %s", s);
        free(s);
    }
    CHECK(mqttids_codec_decode(c, p, len, &back, &id, errbuf) == MQTTIDS_OK, "decode: %s", errbuf);
    CHECK(id == 42, "id %llu", (unsigned long long)id);
    CHECK(same_record(&r, &back, why, sizeof why), "%s", why);
    CHECK(back.n_extra == 2 && back.extra[0] == 3 && back.extra[1] == 0.1, "extras back");
    /* a reader that wants an extra the record lacks */
    {
        const char *more[3] = {"ctx.count", "ctx.rate", "ctx.other"};
        mqttids_codec *d = mqttids_codec_new();
        mqttids_codec_set_extras(d, more, 3);
        CHECK(mqttids_codec_decode(d, p, len, &back, &id, errbuf) == MQTTIDS_ERR_MALFORMED &&
                  strstr(errbuf, "missing extra field \"ctx.other\""),
              "missing extra: %s", errbuf);
        mqttids_codec_free(d);
    }
    /* binary with extras */
    CHECK(mqttids_codec_encode(c, MQTTIDS_STREAM_BIN, &r, 43, &p, &len) == MQTTIDS_OK, "encode bin");
    CHECK(mqttids_codec_decode(c, p, len, &back, &id, errbuf) == MQTTIDS_OK && id == 43, "decode bin: %s", errbuf);
    CHECK(same_record(&r, &back, why, sizeof why) && back.extra[1] == 0.1, "bin: %s", why);
    mqttids_codec_free(c);
}

/* A record over the 64 MiB record cap (a 12 MiB string escapes to at most 72 MiB) fails
   with MQTTIDS_ERR_NOMEM, and the codec's next record encodes as if it had not happened. */
static void test_too_big_then_next(void)
{
    size_t n = (size_t)12 << 20;
    char *big = malloc(n);
    mqttids_codec *c = mqttids_codec_new();
    mqttids_record r, back;
    const void *p;
    size_t len;
    uint64_t id;
    char errbuf[MQTTIDS_ERRBUF_SIZE];
    CHECK(big && c, "alloc");
    if (!big || !c) {
        free(big);
        mqttids_codec_free(c);
        return;
    }
    memset(big, 'a', n);
    mqttids_record_clear(&r);
    r.num[MQTTIDS_F_WILLTOPIC] = 1;
    r.str[MQTTIDS_F_WILLTOPIC] = big;
    r.str_len[MQTTIDS_F_WILLTOPIC] = (uint32_t)n;
    CHECK(mqttids_codec_encode(c, MQTTIDS_STREAM_JSON, &r, 1, &p, &len) == MQTTIDS_ERR_NOMEM, "too big: NOMEM");
    r.str_len[MQTTIDS_F_WILLTOPIC] = 5;
    CHECK(mqttids_codec_encode(c, MQTTIDS_STREAM_JSON, &r, 2, &p, &len) == MQTTIDS_OK, "next record encodes");
    CHECK(mqttids_codec_decode(c, p, len, &back, &id, errbuf) == MQTTIDS_OK && id == 2 &&
              back.str_len[MQTTIDS_F_WILLTOPIC] == 5 && memcmp(back.str[MQTTIDS_F_WILLTOPIC], "aaaaa", 5) == 0,
          "and reads back: %s", errbuf);
    free(big);
    mqttids_codec_free(c);
}

/* Other producers' JSON: underscore names, any order, hex as numbers, text as numbers. */
static void test_foreign_json(void)
{
    mqttids_codec *c = mqttids_codec_new();
    mqttids_record r;
    uint64_t id;
    char errbuf[MQTTIDS_ERRBUF_SIZE], buf[4096];
    size_t n = 0;

    n += (size_t)snprintf(buf + n, sizeof buf - n, "{ \"id\" : 7 , \"target\": 2");
    for (int f = MQTTIDS_NFEAT - 1; f >= 0; f--) {
        char name[64];
        snprintf(name, sizeof name, "%s", mqttids_feat_name(f));
        for (char *q = name; *q; q++)
            if (*q == '.')
                *q = '_';
        if (f == MQTTIDS_F_TCP_FLAGS)
            n += (size_t)snprintf(buf + n, sizeof buf - n, ",\n \"%s\": 24", name);
        else if (f == MQTTIDS_F_PROTONAME)
            n += (size_t)snprintf(buf + n, sizeof buf - n, ", \"%s\": \"MQTT\"", name);
        else if (f == MQTTIDS_F_KALIVE)
            n += (size_t)snprintf(buf + n, sizeof buf - n, ", \"%s\": \"65535\"", name);
        else
            n += (size_t)snprintf(buf + n, sizeof buf - n, ", \"%s\": 0.0", name);
    }
    n += (size_t)snprintf(buf + n, sizeof buf - n, ", \"v\": 1, \"extra\": \"ignored\", \"t\\u00e9\": true }\n");
    CHECK(mqttids_codec_decode(c, buf, n, &r, &id, errbuf) == MQTTIDS_OK, "foreign: %s", errbuf);
    CHECK(id == 7 && r.label == MQTTIDS_CLASS_BRUTEFORCE, "id/label");
    CHECK(r.num[MQTTIDS_F_TCP_FLAGS] == 24 && r.str[MQTTIDS_F_TCP_FLAGS] == NULL, "hex as number");
    CHECK(r.num[MQTTIDS_F_PROTONAME] == 1 && r.str_len[MQTTIDS_F_PROTONAME] == 4 &&
              memcmp(r.str[MQTTIDS_F_PROTONAME], "MQTT", 4) == 0,
          "text");
    CHECK(r.num[MQTTIDS_F_KALIVE] == 65535, "number as text");
    mqttids_codec_free(c);
}

static void test_malformed(void)
{
    static const struct {
        const char *text, *rule;
    } cases[] = {
        {"", "empty record"},
        {"   ", "not a JSON object"},
        {"[1,2]", "not a JSON object"},
        {"{\"v\":1,\"id\":1}", "missing field \"tcp.flags\""},
        {"{\"id\":1}", "no \"v\""},
        {"{\"v\":1}", "no \"id\""},
        {"{\"v\":2,\"id\":1}", "format version 2"},
        {"{\"v\":1,\"id\":-1}", "non-negative integer"},
        {"{\"v\":1,\"id\":1.5}", "non-negative integer"},
        {"{\"v\":1,\"id\":1,\"tcp.len\":{}}", "nested"},
        {"{\"v\":1,\"id\":1,\"tcp.len\":[0]}", "nested"},
        {"{\"v\":1,\"id\":1,\"tcp.len\":1,\"tcp.len\":2}", "duplicate field"},
        {"{\"v\":1,\"id\":1,\"tcp.len\":\"x\"}", "not a number"},
        {"{\"v\":1,\"id\":1,\"tcp.flags\":\"0xZZ\"}", "'0xZZ' is not hex (0x...) or 0"},
        {"{\"v\":1,\"id\":1,\"target\":\"nope\"}", "unknown class"},
        {"{\"v\":1,\"id\":1,\"tcp.len\":1e}", "bad number"},
        {"{\"v\":1,\"id\":1,\"tcp.len\":tru}", "expected a value"},
        {"{\"v\":1,\"id\":1,}", "expected a field name"},
        {"{\"v\":1 \"id\":1}", "expected ',' or '}'"},
        {"{\"v\":1,\"id\":1}x", "bytes after the object"},
        {"{\"v\":1,\"id\":1,\"a\\q\":1}", "bad escape"},
        {"{\"v\":1,\"id\":1,\"a\\u12\":1}", "escape"},
        {"{\"v\":1,\"id\":1,\"a\x01\":1}", "control character"},
        {"{\"v\":1,\"id\":1,\"a", "unterminated string"},
        {"MQR", "shorter than the 16-byte header"},
        {"MQR\x02xxxxxxxxxxxx", "format version 2"},
    };
    mqttids_codec *c = mqttids_codec_new();
    mqttids_record r;
    uint64_t id;
    char errbuf[MQTTIDS_ERRBUF_SIZE];
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        mqttids_err e;
        errbuf[0] = '\0';
        e = mqttids_codec_decode(c, cases[k].text, strlen(cases[k].text), &r, &id, errbuf);
        CHECK(e == MQTTIDS_ERR_MALFORMED && strstr(errbuf, cases[k].rule), "case %zu '%s': err %d, '%s'", k,
              cases[k].text, (int)e, errbuf);
    }
    mqttids_codec_free(c);
}

/* Every truncation of a valid record is refused, never read past (ASan watches). */
static void test_truncations(void)
{
    mqttids_codec *c = mqttids_codec_new(), *d = mqttids_codec_new();
    mqttids_record r, back;
    const void *p;
    size_t len;
    uint64_t id;
    char errbuf[MQTTIDS_ERRBUF_SIZE];
    size_t accepted = 0;

    mqttids_record_clear(&r);
    r.str[MQTTIDS_F_WILLMSG] = "\"abc\"";
    r.str_len[MQTTIDS_F_WILLMSG] = 5;
    r.num[MQTTIDS_F_WILLMSG] = 1;
    r.label = 1;
    for (int fmt = 0; fmt < 2; fmt++) {
        CHECK(mqttids_codec_encode(c, (mqttids_stream_format)fmt, &r, 99, &p, &len) == MQTTIDS_OK, "encode");
        for (size_t cut = 0; cut < len; cut++) {
            char *copy = malloc(cut ? cut : 1); /* exact size: ASan flags any overread */
            memcpy(copy, p, cut);
            if (mqttids_codec_decode(d, copy, cut, &back, &id, errbuf) != MQTTIDS_ERR_MALFORMED)
                accepted++;
            free(copy);
        }
        CHECK(mqttids_codec_decode(d, p, len, &back, &id, errbuf) == MQTTIDS_OK, "whole: %s", errbuf);
    }
    CHECK(accepted == 0, "%zu truncated records accepted", accepted);
    mqttids_codec_free(c);
    mqttids_codec_free(d);
}

static void test_tracker(void)
{
    stream_tracker t;
    uint64_t s[6];
    stream__tracker_init(&t);
    /* p0: offsets 10, 11 (alert each); p1: 5 (no alert), 6 (alert); p0: 12 (no alert) */
    CHECK(stream__tracker_add(&t, 0, 10, 1, &s[0]) == 0, "add");
    stream__tracker_add(&t, 1, 5, 0, &s[1]);
    stream__tracker_add(&t, 0, 11, 1, &s[2]);
    stream__tracker_add(&t, 1, 6, 1, &s[3]);
    stream__tracker_add(&t, 0, 12, 0, &s[4]);
    CHECK(stream__tracker_advance(&t) == 0 && t.commit[0] == -1 && t.commit[1] == -1, "nothing acked, nothing done");
    stream__tracker_ack(&t, s[2], 1); /* out of order */
    CHECK(stream__tracker_advance(&t) == 0, "a later ack does not pass an earlier pending one");
    stream__tracker_ack(&t, s[0], 1);
    CHECK(stream__tracker_advance(&t) == 3, "10, 5, 11 done");
    CHECK(t.commit[0] == 12 && t.commit[1] == 6, "commit points %lld %lld", (long long)t.commit[0],
          (long long)t.commit[1]);
    CHECK(t.dirty[0] && t.dirty[1], "dirty");
    stream__tracker_ack(&t, s[3], 0); /* a failed alert */
    CHECK(stream__tracker_advance(&t) == 0 && stream__tracker_head_failed(&t), "failure blocks");
    CHECK(t.commit[1] == 6, "never committed past a failed alert");
    stream__tracker_reset(&t);
    stream__tracker_ack(&t, s[4], 1); /* stale handle after a reset: ignored */
    CHECK(stream__tracker_held(&t) == 0, "reset");
    /* growth keeps handles valid */
    for (int64_t o = 0; o < 20000; o++) {
        uint64_t q;
        stream__tracker_add(&t, 3, o, 1, &q);
    }
    for (uint64_t q = t.head; q < t.tail; q += 2)
        stream__tracker_ack(&t, q, 1);
    CHECK(stream__tracker_advance(&t) == 1, "only the first of each pair");
    for (uint64_t q = t.head; q < t.tail; q += 2)
        stream__tracker_ack(&t, q, 1);
    CHECK(stream__tracker_advance(&t) == 19999 && t.commit[3] == 20000, "all done: %lld", (long long)t.commit[3]);
    stream__tracker_free(&t);
}

static void test_words(void)
{
    mqttids_words *w = mqttids_words_new();
    char path[1024], line[128];
    FILE *fp;
    size_t nfile = 0, missing = 0;
    const char *t = "The DoS-attack: don't PANIC!! denial-of-service -- x-  -y caf\xc3\xa9 a.b 40% MQTT";
    mqttids_words_add(w, t, strlen(t));
    CHECK(mqttids_words_count(w, "dos-attack") == 1, "hyphen kept inside a word");
    CHECK(mqttids_words_count(w, "dont") == 1, "apostrophe deleted");
    CHECK(mqttids_words_count(w, "panic") == 1, "lower-cased, ! deleted");
    CHECK(mqttids_words_count(w, "denial-of-service") == 1, "attack term");
    CHECK(mqttids_words_count(w, "x") == 1, "dangling hyphens deleted");
    CHECK(mqttids_words_count(w, "y") == 0, "'y' is on Spark's list");
    CHECK(mqttids_words_count(w, "caf") == 1, "non-ASCII separates");
    CHECK(mqttids_words_count(w, "ab") == 1 && mqttids_words_count(w, "40") == 1, "punctuation deleted");
    CHECK(mqttids_words_count(w, "the") == 0 && mqttids_words_stopped(w) == 2, "stop words the, y");
    CHECK(mqttids_words_total(w) == 9, "total %llu", (unsigned long long)mqttids_words_total(w));
    mqttids_words_free(w);
    /* the stop list equals the committed file (Spark's English list) */
    snprintf(path, sizeof path, "%s/feed/stopwords_en.txt", MQTTIDS_TEST_DATA);
    fp = fopen(path, "r");
    CHECK(fp != NULL, "open %s", path);
    while (fp && fgets(line, sizeof line, fp)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0])
            continue;
        nfile++;
        if (!mqttids_words_is_stop(line)) {
            missing++;
            CHECK(0, "'%s' not a stop word", line);
        }
    }
    if (fp)
        fclose(fp);
    CHECK(nfile == 153 && missing == 0, "stop list: %zu in file, %zu missing", nfile, missing);
    CHECK(!mqttids_words_is_stop("dos") && !mqttids_words_is_stop("brute"), "attack terms are not stop words");
}

static void test_feeds(void)
{
    char path[1024], errbuf[MQTTIDS_ERRBUF_SIZE];
    mqttids_feed *f = NULL;
    snprintf(path, sizeof path, "%s/feed/sample.rss", MQTTIDS_TEST_DATA);
    if (mqttids_feed_load(path, &f, errbuf) == MQTTIDS_ERR_UNSUPPORTED)
        return; /* built without libxml2 */
    CHECK(f && strcmp(mqttids_feed_kind(f), "rss") == 0 && mqttids_feed_nitems(f) == 8, "rss: %s", errbuf);
    if (f) {
        CHECK(strcmp(mqttids_feed_get(f, 2)->title, "Brute force & credential stuffing against IoT brokers") == 0,
              "CDATA title '%s'", mqttids_feed_get(f, 2)->title);
        CHECK(strcmp(mqttids_feed_get(f, 3)->title, "Malformed packets crash broker \xe2\x80\x94 patch now!") == 0,
              "entity title");
        CHECK(strcmp(mqttids_feed_get(f, 5)->link, "https://news.example.org/2024/keepalive") == 0, "guid as link");
    }
    mqttids_feed_free(f);
    snprintf(path, sizeof path, "%s/feed/sample.atom", MQTTIDS_TEST_DATA);
    CHECK(mqttids_feed_load(path, &f, errbuf) == MQTTIDS_OK, "atom: %s", errbuf);
    CHECK(f && strcmp(mqttids_feed_kind(f), "atom") == 0 && mqttids_feed_nitems(f) == 5, "atom items");
    if (f)
        CHECK(strcmp(mqttids_feed_get(f, 0)->link, "https://threats.example.net/2024/flood") == 0, "alternate link");
    mqttids_feed_free(f);
    f = NULL;
    CHECK(mqttids_feed_parse("<rss><channel><item>", 20, "cut.xml", &f, errbuf) == MQTTIDS_ERR_MALFORMED &&
              strstr(errbuf, "cut.xml: not well-formed XML"),
          "cut: %s", errbuf);
    CHECK(mqttids_feed_parse("<html/>", 7, "page.html", &f, errbuf) == MQTTIDS_ERR_MALFORMED &&
              strstr(errbuf, "root element <html>"),
          "html: %s", errbuf);
    {
        /* an external entity is not fetched or expanded */
        const char *xxe = "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/hostname\">]>"
                          "<rss><channel><item><title>a&x;b</title><link>l</link></item></channel></rss>";
        CHECK(mqttids_feed_parse(xxe, strlen(xxe), "xxe.xml", &f, errbuf) == MQTTIDS_OK, "xxe parse: %s", errbuf);
        if (f)
            CHECK(strcmp(mqttids_feed_get(f, 0)->title, "ab") == 0, "entity not expanded: '%s'",
                  mqttids_feed_get(f, 0)->title);
        mqttids_feed_free(f);
    }
    CHECK(mqttids_feed_load("/nonexistent/feed.xml", &f, errbuf) == MQTTIDS_ERR_IO, "missing file");
    CHECK(mqttids_feed_load("file:///nonexistent/feed.xml", &f, errbuf) == MQTTIDS_ERR_NET &&
              strstr(errbuf, "file:///nonexistent/feed.xml"),
          "missing URL: %s", errbuf);
}

/*
 * Issue 16, item 2: records that break the CSV reader's rules are refused in JSON and in
 * binary, naming the field and the rule (dataset__validate, the one validator); ids are
 * exact up to 2^64 - 1.
 */
static char *json_with(mqttids_codec *c, const char *field, const char *value)
{
    static char out[8192];
    mqttids_record r;
    const void *p;
    size_t len;
    char key[64];
    const char *k, *v, *e;
    mqttids_record_clear(&r);
    r.label = 0;
    if (mqttids_codec_encode(c, MQTTIDS_STREAM_JSON, &r, 5, &p, &len) != MQTTIDS_OK || len >= sizeof out)
        return NULL;
    memcpy(out, p, len);
    out[len] = '\0';
    snprintf(key, sizeof key, "\"%s\":", field);
    k = strstr(out, key);
    if (!k)
        return NULL;
    v = k + strlen(key);
    e = v + strcspn(v, ",}");
    {
        char tail[8192];
        snprintf(tail, sizeof tail, "%s", e);
        snprintf(out + (v - out), sizeof out - (size_t)(v - out), "%s%s", value, tail);
    }
    return out;
}

static void test_validation(void)
{
    static const struct {
        const char *field, *value, *rule;
    } bad[] = {
        {"mqtt.qos", "7", "mqtt.qos must be an integer 0..3"},
        {"tcp.len", "-5", "tcp.len must be an integer 0..65535"},
        {"tcp.len", "70000", "tcp.len must be an integer 0..65535"},
        {"tcp.len", "1.5", "tcp.len must be an integer 0..65535"},
        {"tcp.len", "1e999", "tcp.len"},
        {"mqtt.msgtype", "99", "mqtt.msgtype must be an integer 0..15"},
        {"mqtt.dupflag", "2", "mqtt.dupflag must be 0 or 1"},
        {"mqtt.hdrflags", "\"0x1000\"", "mqtt.hdrflags must be 0 or 0x... within 8 bits"},
        {"mqtt.hdrflags", "4096", "mqtt.hdrflags must be 0 or 0x... within 8 bits"},
        {"mqtt.msg", "\"zz\"", "mqtt.msg must be 0, hex digits or <MISSING>"},
        {"tcp.time_delta", "null", "tcp.time_delta must be a finite number"},
        {"tcp.time_delta", "\"nan\"", "'nan' is not a number"},
        {"tcp.time_delta", "\"inf\"", "'inf' is not a number"},
        {"mqtt.protoname", "\"MQ\\u0000TT\"", "mqtt.protoname must be UTF-8 text without NUL bytes"},
        {"mqtt.protoname", "\"MQ\xff\"", "mqtt.protoname must be UTF-8 text without NUL bytes"},
        {"mqtt.willtopic", "\"\xc3\"", "mqtt.willtopic must be UTF-8 text"},
        {"mqtt.willtopic", "\"\\ud800\"", "mqtt.willtopic must be UTF-8 text"},
        {"mqtt.len", "null", "mqtt.len must be an integer"},
        {"mqtt.protoname", "null", "mqtt.protoname"},
        {"tcp.flags", "\"\"", "empty field"},
    };
    mqttids_codec *c = mqttids_codec_new();
    mqttids_record r;
    uint64_t id;
    char errbuf[MQTTIDS_ERRBUF_SIZE];
    const void *p;
    size_t len;

    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        char *j = json_with(c, bad[k].field, bad[k].value);
        mqttids_err e;
        CHECK(j != NULL, "build %zu", k);
        if (!j)
            continue;
        errbuf[0] = '\0';
        e = mqttids_codec_decode(c, j, strlen(j), &r, &id, errbuf);
        CHECK(e == MQTTIDS_ERR_MALFORMED && strstr(errbuf, bad[k].field) && strstr(errbuf, bad[k].rule),
              "JSON %s=%s: err %d '%s'", bad[k].field, bad[k].value, (int)e, errbuf);
    }
    /* the unchanged record is fine */
    {
        char *j = json_with(c, "mqtt.qos", "3");
        CHECK(j && mqttids_codec_decode(c, j, strlen(j), &r, &id, errbuf) == MQTTIDS_OK && id == 5, "valid: %s",
              errbuf);
    }
    /* ids above 2^53 are exact, or refused past 2^64 - 1 */
    {
        char j[8192];
        char *base = json_with(c, "mqtt.qos", "0");
        const char *rest = strstr(base, ",\"tcp.flags\"");
        snprintf(j, sizeof j, "{\"v\":1,\"id\":9007199254740993%s", rest);
        CHECK(mqttids_codec_decode(c, j, strlen(j), &r, &id, errbuf) == MQTTIDS_OK && id == 9007199254740993ULL,
              "id 2^53+1: %llu %s", (unsigned long long)id, errbuf);
        snprintf(j, sizeof j, "{\"v\":1,\"id\":18446744073709551615%s", rest);
        CHECK(mqttids_codec_decode(c, j, strlen(j), &r, &id, errbuf) == MQTTIDS_OK && id == UINT64_MAX, "id max");
        snprintf(j, sizeof j, "{\"v\":1,\"id\":18446744073709551616%s", rest);
        CHECK(mqttids_codec_decode(c, j, strlen(j), &r, &id, errbuf) == MQTTIDS_ERR_MALFORMED, "id 2^64");
        snprintf(j, sizeof j, "{\"v\":1,\"id\":1e3%s", rest);
        CHECK(mqttids_codec_decode(c, j, strlen(j), &r, &id, errbuf) == MQTTIDS_ERR_MALFORMED, "id 1e3");
    }
    /* binary: NaN values, out-of-range values, invalid UTF-8 */
    {
        static const struct {
            int f;
            double v;
            const char *rule;
        } bin[] = {
            {MQTTIDS_F_TCP_TIME_DELTA, NAN, "tcp.time_delta must be a finite number"},
            {MQTTIDS_F_LEN, NAN, "mqtt.len must be an integer"},
            {MQTTIDS_F_QOS, 7, "mqtt.qos must be an integer 0..3"},
            {MQTTIDS_F_TCP_LEN, INFINITY, "tcp.len must be an integer"},
            {MQTTIDS_F_HDRFLAGS, 0x1000, "mqtt.hdrflags must be 0 or 0x... within 8 bits"},
        };
        mqttids_record v;
        for (size_t k = 0; k < sizeof bin / sizeof bin[0]; k++) {
            mqttids_record_clear(&v);
            v.num[bin[k].f] = bin[k].v;
            CHECK(mqttids_codec_encode(c, MQTTIDS_STREAM_BIN, &v, 9, &p, &len) == MQTTIDS_OK, "encode bin");
            errbuf[0] = '\0';
            CHECK(mqttids_codec_decode(c, p, len, &r, &id, errbuf) == MQTTIDS_ERR_MALFORMED &&
                      strstr(errbuf, "binary record") && strstr(errbuf, bin[k].rule),
                  "bin %s=%g: '%s'", mqttids_feat_name(bin[k].f), bin[k].v, errbuf);
        }
        mqttids_record_clear(&v);
        v.str[MQTTIDS_F_PROTONAME] = "MQ\xfe";
        v.str_len[MQTTIDS_F_PROTONAME] = 3;
        v.num[MQTTIDS_F_PROTONAME] = 1;
        CHECK(mqttids_codec_encode(c, MQTTIDS_STREAM_BIN, &v, 9, &p, &len) == MQTTIDS_OK, "encode bin");
        CHECK(mqttids_codec_decode(c, p, len, &r, &id, errbuf) == MQTTIDS_ERR_MALFORMED &&
                  strstr(errbuf, "UTF-8"),
              "bin utf8: '%s'", errbuf);
    }
    /* extras: NaN refused in both forms */
    {
        const char *names[] = {"ctx.rate"};
        double ex[1] = {NAN};
        mqttids_record v;
        mqttids_record_clear(&v);
        v.n_extra = 1;
        v.extra = ex;
        CHECK(mqttids_codec_set_extras(c, names, 1) == MQTTIDS_OK, "extras");
        for (int fmt = 0; fmt < 2; fmt++) {
            CHECK(mqttids_codec_encode(c, (mqttids_stream_format)fmt, &v, 9, &p, &len) == MQTTIDS_OK, "encode");
            CHECK(mqttids_codec_decode(c, p, len, &r, &id, errbuf) == MQTTIDS_ERR_MALFORMED &&
                      strstr(errbuf, "ctx.rate"),
                  "extra nan (%d): '%s'", fmt, errbuf);
        }
    }
    mqttids_codec_free(c);
}

int main(void)
{
    test_roundtrip_real();
    test_escapes_extras();
    test_too_big_then_next();
    test_foreign_json();
    test_malformed();
    test_validation();
    test_truncations();
    test_tracker();
    test_words();
    test_feeds();
    PASS();
}
