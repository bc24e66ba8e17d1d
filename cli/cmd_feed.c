/*
 * cmd_feed.c: "mqttids feed": the study's streaming job.
 *   mqttids feed --brokers B --topic T FEED...        RSS/Atom items into T (key title, value link)
 *   mqttids feed --consume --brokers B --topic T      read T from the beginning, count words
 *   mqttids feed --count FEED...                      the same count straight from feeds (no Kafka)
 * The job runs in the library (mqttids/feed.h: mqttids_feed_publish, mqttids_feed_consume,
 * mqttids_feed_count); this is option parsing, one step per mode, and the report.
 * Word rules: docs/internals/stream.md.
 */
#include <stdlib.h>
#include <string.h>
#include "cli_stream.h" /* cli_kconf_new */

const char cmd_feed_summary[] = "the study's feed job: RSS/Atom items into Kafka, word counts and attack terms out";

static void help(void)
{
    printf("Usage: mqttids feed --brokers B --topic T [--every S --for S] FEED...\n"
           "       mqttids feed --consume --brokers B --topic T [--field F] [--top N] [--json]\n"
           "       mqttids feed --count [--field F] [--top N] [--json] FEED...\n"
           "The study's streaming job. Producing: each item of each RSS/Atom FEED (a file, or an\n"
           "http(s):// or file:// URL) becomes one message, key = title, value = link.\n"
           "Consuming: reads the whole topic, lower-cases, strips punctuation, splits into words,\n"
           "drops English stop words (Spark's StopWordsRemover list), counts the words and reports\n"
           "the attack-type terms (slowite, dos, legitimate, malformed, brute, ddos,\n"
           "denial-of-service). --count does the same straight from the feeds.\n\n"
           "Options:\n"
           "  -b, --brokers B     bootstrap brokers, or 'mock'\n"
           "  -t, --topic T       the feed topic\n"
           "  -X key=value        a librdkafka setting (repeatable)\n"
           "      --every S       re-read the feeds every S seconds, sending only new items...\n"
           "      --for S         ...for S seconds in all (the study ran five minutes: --for 300)\n"
           "      --consume       count the words of the topic's messages\n"
           "      --count         count the words of the FEEDs (no Kafka)\n"
           "      --field F       what is counted: title (the key; default), link (the value), both\n"
           "      --top N         list the N most frequent words (default 20)\n"
           "      --idle MS       consume: after reaching the end, wait for MS ms of silence\n"
           "      --json          machine-readable output on stdout (includes every word's count)\n"
           "  -q, --quiet         no info lines\n"
           "  -h, --help          this help\n");
}

typedef struct feed_args {
    const char *brokers, *topic;
    mqttids_kconf *kc; /* owned */
    int consume, count, json, top, idle, fields;
    double every, duration;
    const char *const *sources;
    int nsources;
} feed_args;

static void report(mqttids_words *w, uint64_t messages, const char *source, int top, int json)
{
    size_t nd = mqttids_words_ndistinct(w);
    if (json) {
        json_object *o = json_object_new_object(), *terms = json_object_new_object(), *arr = json_object_new_array(),
                    *all = json_object_new_object();
        json_object_object_add(o, "source", json_object_new_string(source));
        json_object_object_add(o, "messages", json_object_new_int64((int64_t)messages));
        json_object_object_add(o, "words", json_object_new_int64((int64_t)mqttids_words_total(w)));
        json_object_object_add(o, "stop_words_dropped", json_object_new_int64((int64_t)mqttids_words_stopped(w)));
        json_object_object_add(o, "distinct", json_object_new_int64((int64_t)nd));
        for (int k = 0; mqttids_attack_terms[k]; k++)
            json_object_object_add(terms, mqttids_attack_terms[k],
                                   json_object_new_int64((int64_t)mqttids_words_count(w, mqttids_attack_terms[k])));
        json_object_object_add(o, "attack_terms", terms);
        for (size_t k = 0; k < nd; k++) {
            uint64_t n;
            const char *word = mqttids_words_nth(w, k, &n);
            if (!word)
                break;
            if ((int)k < top) {
                json_object *e = json_object_new_object();
                json_object_object_add(e, "word", json_object_new_string(word));
                json_object_object_add(e, "count", json_object_new_int64((int64_t)n));
                json_object_array_add(arr, e);
            }
            json_object_object_add(all, word, json_object_new_int64((int64_t)n));
        }
        json_object_object_add(o, "top", arr);
        json_object_object_add(o, "counts", all);
        cli_json_print(o);
        json_object_put(o);
        return;
    }
    printf("Feed words (%s): %llu messages, %llu words counted, %llu stop words dropped, %zu distinct\n", source,
           (unsigned long long)messages, (unsigned long long)mqttids_words_total(w),
           (unsigned long long)mqttids_words_stopped(w), nd);
    printf("\nAttack-type terms\n");
    for (int k = 0; mqttids_attack_terms[k]; k++)
        printf("  %-20s %8llu\n", mqttids_attack_terms[k],
               (unsigned long long)mqttids_words_count(w, mqttids_attack_terms[k]));
    printf("\nTop %d words\n", top);
    for (size_t k = 0; k < nd && (int)k < top; k++) {
        uint64_t n;
        const char *word = mqttids_words_nth(w, k, &n);
        if (!word)
            break;
        printf("  %-20s %8llu\n", word, (unsigned long long)n);
    }
}

/* The number options: --every/--for seconds, --top, --idle ms. Returns an exit code. */
static int parse_number(feed_args *a, int opt, const char *arg)
{
    char *end;
    if (opt == 'e' || opt == 'f') {
        double v = strtod(arg, &end);
        if (*end || !(v > 0))
            return cli_usage_error("feed", "--%s needs a positive number of seconds, not '%s'",
                                   opt == 'e' ? "every" : "for", arg);
        *(opt == 'e' ? &a->every : &a->duration) = v;
    } else {
        long v = strtol(arg, &end, 10);
        if (opt == 'T' && (*end || v < 0 || v > 1000000))
            return cli_usage_error("feed", "--top needs a non-negative integer, not '%s'", arg);
        if (opt == 'i' && (*end || v < 0 || v > 3600000))
            return cli_usage_error("feed", "--idle needs milliseconds, not '%s'", arg);
        *(opt == 'T' ? &a->top : &a->idle) = (int)v;
    }
    return CLI_EXIT_OK;
}

/* Options and the rules between them. Returns CLI_OPT_NEXT to go on, else the exit code. */
static int parse_args(feed_args *a, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"brokers", required_argument, NULL, 'b'}, {"topic", required_argument, NULL, 't'},
        {"every", required_argument, NULL, 'e'},   {"for", required_argument, NULL, 'f'},
        {"consume", no_argument, NULL, 'C'},       {"count", no_argument, NULL, 'N'},
        {"field", required_argument, NULL, 'F'},   {"top", required_argument, NULL, 'T'},
        {"idle", required_argument, NULL, 'i'},
        {NULL, 0, NULL, 0},
    };
    char errbuf[MQTTIDS_ERRBUF_SIZE];
    cli_opts co;
    int opt, rc;
    co = CLI_OPTS(.cmd = "feed", .help = help, .args = 1); /* the feeds */
    while ((opt = cli_opts_next(&co, argc, argv, "b:t:X:", longopts)) != 0) {
        switch (opt) {
        case 'b': a->brokers = optarg; break;
        case 't': a->topic = optarg; break;
        case 'X':
            if (!a->kc && !(a->kc = cli_kconf_new()))
                return CLI_EXIT_FAIL;
            if (mqttids_kconf_set(a->kc, optarg, errbuf) != MQTTIDS_OK)
                return cli_usage_error("feed", "%s", errbuf);
            break;
        case 'e':
        case 'f':
        case 'T':
        case 'i':
            if ((rc = parse_number(a, opt, optarg)) != CLI_EXIT_OK)
                return rc;
            break;
        case 'C': a->consume = 1; break;
        case 'N': a->count = 1; break;
        case 'F':
            if (strcmp(optarg, "title") == 0)
                a->fields = MQTTIDS_FEED_TITLE;
            else if (strcmp(optarg, "link") == 0)
                a->fields = MQTTIDS_FEED_LINK;
            else if (strcmp(optarg, "both") == 0)
                a->fields = MQTTIDS_FEED_TITLE | MQTTIDS_FEED_LINK;
            else
                return cli_usage_error("feed", "--field takes title, link or both, not '%s'", optarg);
            break;
        }
    }
    if (co.rc != CLI_OPT_NEXT)
        return co.rc;
    a->json = co.tail.json;
    if (a->consume + a->count > 1)
        return cli_usage_error("feed", "--consume and --count exclude each other");
    if ((a->every > 0) != (a->duration > 0))
        return cli_usage_error("feed", "--every and --for go together");
    if (!a->count && (!a->brokers || !a->topic))
        return cli_usage_error("feed", "--brokers and --topic are required (or --count FEED... without Kafka)");
    if (!a->consume && optind >= argc)
        return cli_usage_error("feed", "no FEED given");
    if (a->consume && optind < argc)
        return cli_usage_error("feed", "--consume reads the topic; unexpected argument '%s'", argv[optind]);
    a->sources = (const char *const *)(argv + optind);
    a->nsources = argc - optind;
    return CLI_OPT_NEXT;
}

/* --count: the words of the feeds themselves. */
static int run_count(const feed_args *a, mqttids_words *w)
{
    char errbuf[MQTTIDS_ERRBUF_SIZE];
    uint64_t items = 0;
    for (int i = 0; i < a->nsources; i++) {
        mqttids_feed *f = NULL;
        mqttids_err err = mqttids_feed_load(a->sources[i], &f, errbuf);
        if (err == MQTTIDS_OK && mqttids_feed_count(w, f, a->fields) != MQTTIDS_OK)
            err = MQTTIDS_ERR_NOMEM, snprintf(errbuf, sizeof errbuf, "out of memory");
        if (err != MQTTIDS_OK) {
            cli_err("%s", errbuf);
            mqttids_feed_free(f);
            return CLI_EXIT_FAIL;
        }
        items += mqttids_feed_nitems(f);
        cli_info("%s (%s): %zu items", a->sources[i], mqttids_feed_kind(f), mqttids_feed_nitems(f));
        mqttids_feed_free(f);
    }
    report(w, items, "feeds", a->top, a->json);
    return CLI_EXIT_OK;
}

/* --consume: the words of the topic's messages. */
static int run_consume(const feed_args *a, mqttids_words *w)
{
    char errbuf[MQTTIDS_ERRBUF_SIZE], src[512];
    uint64_t n = 0;
    if (mqttids_feed_consume(a->kc, a->topic, a->idle, &cli_stop, a->fields, w, &n, errbuf) != MQTTIDS_OK) {
        cli_err("%s", errbuf);
        return CLI_EXIT_FAIL;
    }
    snprintf(src, sizeof src, "topic %s", a->topic);
    report(w, n, src, a->top, a->json);
    return CLI_EXIT_OK;
}

static void on_source(void *user, const char *source, const char *kind, size_t items, size_t fresh)
{
    cli_info("%s (%s): %zu items, %zu new sent to %s", source, kind, items, fresh, (const char *)user);
}

/* Publishing: new items of the feeds into the topic, once or every S seconds. */
static int run_publish(const feed_args *a)
{
    char errbuf[MQTTIDS_ERRBUF_SIZE];
    mqttids_feed_publish_opts o;
    mqttids_feed_publish_report rep;
    int rc = CLI_EXIT_OK;
    memset(&o, 0, sizeof o);
    o.topic = a->topic;
    o.sources = a->sources;
    o.nsources = a->nsources;
    o.every_s = a->every;
    o.for_s = a->duration;
    o.stop = &cli_stop;
    o.on_source = on_source;
    o.user = (void *)a->topic;
    if (mqttids_feed_publish(a->kc, &o, &rep, errbuf) != MQTTIDS_OK) {
        cli_err("%s", errbuf);
        rc = CLI_EXIT_FAIL;
    }
    cli_info("%s: %llu items sent, %llu delivered, %llu failed", a->topic, (unsigned long long)rep.sent,
             (unsigned long long)rep.delivered, (unsigned long long)rep.failed);
    if (a->json) {
        json_object *j = json_object_new_object();
        json_object_object_add(j, "topic", json_object_new_string(a->topic));
        json_object_object_add(j, "sent", json_object_new_int64((int64_t)rep.sent));
        json_object_object_add(j, "delivered", json_object_new_int64((int64_t)rep.delivered));
        json_object_object_add(j, "failed", json_object_new_int64((int64_t)rep.failed));
        cli_json_print(j);
        json_object_put(j);
    }
    return rc;
}

int cmd_feed(int argc, char **argv)
{
    feed_args a;
    mqttids_words *w = NULL;
    char errbuf[MQTTIDS_ERRBUF_SIZE];
    int rc;
    memset(&a, 0, sizeof a);
    a.top = 20;
    a.fields = MQTTIDS_FEED_TITLE;
    if ((rc = parse_args(&a, argc, argv)) != CLI_OPT_NEXT)
        goto out;
    cli_log_to_stderr(0);
    cli_signals_install(NULL);
    if ((a.consume || a.count) && !(w = mqttids_words_new())) {
        cli_err("out of memory");
        rc = CLI_EXIT_FAIL;
        goto out;
    }
    if (a.count) {
        rc = run_count(&a, w);
        goto out;
    }
    if (!a.kc && !(a.kc = cli_kconf_new())) {
        rc = CLI_EXIT_FAIL;
        goto out;
    }
    if (mqttids_kconf_brokers(a.kc, a.brokers, errbuf) != MQTTIDS_OK) {
        cli_err("%s", errbuf);
        rc = CLI_EXIT_FAIL;
        goto out;
    }
    rc = a.consume ? run_consume(&a, w) : run_publish(&a);
out:
    mqttids_words_free(w);
    mqttids_kconf_free(a.kc);
    return rc;
}
