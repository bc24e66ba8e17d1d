/*
 * cmd_feed.c: "mqttids feed": the study's streaming job (STUDY.md 2.4).
 *   mqttids feed --brokers B --topic T FEED...        RSS/Atom items into T (key title, value link)
 *   mqttids feed --consume --brokers B --topic T      read T from the beginning, count words
 *   mqttids feed --count FEED...                      the same count straight from feeds (no Kafka)
 * Word rules: mqttids_words_add in mqttids/stream.h; docs/internals/stream.md.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"

const char cmd_feed_summary[] = "the study's feed job: RSS/Atom items into Kafka, word counts and attack terms out";

static volatile sig_atomic_t feed_stop;

static void feed_signal(int sig)
{
    (void)sig;
    feed_stop = 1;
}

static void feed_log(mqttids_log_level level, const char *msg, void *user)
{
    (void)user;
    if (level <= (cli_quiet ? MQTTIDS_LOG_ERROR : MQTTIDS_LOG_WARN))
        fprintf(stderr, "%s: %s\n", cli_prog, msg);
}

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

enum { FIELD_TITLE = 1, FIELD_LINK = 2 };

typedef struct count_ctx {
    mqttids_words *w;
    int field;
    uint64_t messages;
    int nomem;
} count_ctx;

static int count_msg(void *user, const void *key, size_t klen, const void *val, size_t vlen, int32_t partition,
                     int64_t offset)
{
    count_ctx *c = user;
    (void)partition, (void)offset;
    c->messages++;
    if ((c->field & FIELD_TITLE) && key && mqttids_words_add(c->w, key, klen) != MQTTIDS_OK)
        c->nomem = 1;
    if ((c->field & FIELD_LINK) && val && mqttids_words_add(c->w, val, vlen) != MQTTIDS_OK)
        c->nomem = 1;
    return c->nomem;
}

static void report(count_ctx *c, const char *source, int top, int json)
{
    mqttids_words *w = c->w;
    size_t nd = mqttids_words_ndistinct(w);
    if (json) {
        json_object *o = json_object_new_object(), *terms = json_object_new_object(), *arr = json_object_new_array(),
                    *all = json_object_new_object();
        json_object_object_add(o, "source", json_object_new_string(source));
        json_object_object_add(o, "messages", json_object_new_int64((int64_t)c->messages));
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
           (unsigned long long)c->messages, (unsigned long long)mqttids_words_total(w),
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

typedef struct sent_set {
    char **keys;
    size_t n, cap;
} sent_set;

static int sent_has_or_add(sent_set *s, const char *title, const char *link)
{
    size_t need = strlen(title) + strlen(link) + 2;
    char *k;
    for (size_t i = 0; i < s->n; i++) {
        size_t tl = strlen(title);
        if (strncmp(s->keys[i], title, tl) == 0 && s->keys[i][tl] == '\n' && strcmp(s->keys[i] + tl + 1, link) == 0)
            return 1;
    }
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        char **nk = realloc(s->keys, cap * sizeof *nk);
        if (!nk)
            return -1;
        s->keys = nk;
        s->cap = cap;
    }
    k = malloc(need);
    if (!k)
        return -1;
    snprintf(k, need, "%s\n%s", title, link);
    s->keys[s->n++] = k;
    return 0;
}

int cmd_feed(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"brokers", required_argument, NULL, 'b'},
        {"topic", required_argument, NULL, 't'},
        {"every", required_argument, NULL, 'e'},
        {"for", required_argument, NULL, 'f'},
        {"consume", no_argument, NULL, 'C'},
        {"count", no_argument, NULL, 'N'},
        {"field", required_argument, NULL, 'F'},
        {"top", required_argument, NULL, 'T'},
        {"idle", required_argument, NULL, 'i'},
        {"json", no_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *brokers = NULL, *topic = NULL;
    mqttids_kconf *kc = NULL;
    mqttids_producer *p = NULL;
    count_ctx cc = {NULL, FIELD_TITLE, 0, 0};
    sent_set sent = {NULL, 0, 0};
    int consume = 0, count = 0, json = 0, top = 20, idle = 0, opt, rc = CLI_EXIT_OK;
    double every = 0, duration = 0;
    char errbuf[MQTTIDS_ERRBUF_SIZE];
    struct sigaction sa;

    optind = 1;
    while ((opt = getopt_long(argc, argv, "b:t:X:qh", longopts, NULL)) != -1) {
        char *end;
        switch (opt) {
        case 'b': brokers = optarg; break;
        case 't': topic = optarg; break;
        case 'X':
            if (!kc && !(kc = mqttids_kconf_new())) {
                cli_err("this build has no Kafka support");
                return CLI_EXIT_FAIL;
            }
            if (mqttids_kconf_set(kc, optarg, errbuf) != MQTTIDS_OK) {
                rc = cli_usage_error("feed", "%s", errbuf);
                goto out;
            }
            break;
        case 'e':
        case 'f': {
            double v = strtod(optarg, &end);
            if (*end || !(v > 0)) {
                rc = cli_usage_error("feed", "--%s needs a positive number of seconds, not '%s'",
                                     opt == 'e' ? "every" : "for", optarg);
                goto out;
            }
            if (opt == 'e')
                every = v;
            else
                duration = v;
            break;
        }
        case 'C': consume = 1; break;
        case 'N': count = 1; break;
        case 'F':
            if (strcmp(optarg, "title") == 0)
                cc.field = FIELD_TITLE;
            else if (strcmp(optarg, "link") == 0)
                cc.field = FIELD_LINK;
            else if (strcmp(optarg, "both") == 0)
                cc.field = FIELD_TITLE | FIELD_LINK;
            else {
                rc = cli_usage_error("feed", "--field takes title, link or both, not '%s'", optarg);
                goto out;
            }
            break;
        case 'T': {
            long v = strtol(optarg, &end, 10);
            if (*end || v < 0 || v > 1000000) {
                rc = cli_usage_error("feed", "--top needs a non-negative integer, not '%s'", optarg);
                goto out;
            }
            top = (int)v;
            break;
        }
        case 'i': {
            long v = strtol(optarg, &end, 10);
            if (*end || v < 0 || v > 3600000) {
                rc = cli_usage_error("feed", "--idle needs milliseconds, not '%s'", optarg);
                goto out;
            }
            idle = (int)v;
            break;
        }
        case 'j': json = 1; break;
        case 'q': cli_quiet = 1; break;
        case 'h':
            help();
            goto out;
        default:
            rc = cli_usage_error("feed", "unknown option");
            goto out;
        }
    }
    if (consume + count > 1) {
        rc = cli_usage_error("feed", "--consume and --count exclude each other");
        goto out;
    }
    if ((every > 0) != (duration > 0)) {
        rc = cli_usage_error("feed", "--every and --for go together");
        goto out;
    }
    if (!count && (!brokers || !topic)) {
        rc = cli_usage_error("feed", "--brokers and --topic are required (or --count FEED... without Kafka)");
        goto out;
    }
    if (!consume && optind >= argc) {
        rc = cli_usage_error("feed", "no FEED given");
        goto out;
    }
    if (consume && optind < argc) {
        rc = cli_usage_error("feed", "--consume reads the topic; unexpected argument '%s'", argv[optind]);
        goto out;
    }
    mqttids_set_log(feed_log, NULL);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = feed_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    if (consume || count) {
        cc.w = mqttids_words_new();
        if (!cc.w) {
            cli_err("out of memory");
            rc = CLI_EXIT_FAIL;
            goto out;
        }
    }
    if (count) {
        for (int i = optind; i < argc; i++) {
            mqttids_feed *f = NULL;
            if (mqttids_feed_load(argv[i], &f, errbuf) != MQTTIDS_OK) {
                cli_err("%s", errbuf);
                rc = CLI_EXIT_FAIL;
                goto out;
            }
            for (size_t k = 0; k < mqttids_feed_nitems(f); k++) {
                const mqttids_feed_item *it = mqttids_feed_get(f, k);
                count_msg(&cc, it->title, strlen(it->title), it->link, strlen(it->link), 0, 0);
            }
            cli_info("%s (%s): %zu items", argv[i], mqttids_feed_kind(f), mqttids_feed_nitems(f));
            mqttids_feed_free(f);
        }
        if (cc.nomem) {
            cli_err("out of memory");
            rc = CLI_EXIT_FAIL;
            goto out;
        }
        report(&cc, "feeds", top, json);
        goto out;
    }
    if (!kc && !(kc = mqttids_kconf_new())) {
        cli_err("this build has no Kafka support");
        rc = CLI_EXIT_FAIL;
        goto out;
    }
    if (mqttids_kconf_brokers(kc, brokers, errbuf) != MQTTIDS_OK) {
        cli_err("%s", errbuf);
        rc = CLI_EXIT_FAIL;
        goto out;
    }
    if (consume) {
        uint64_t n = 0;
        char src[512];
        if (mqttids_stream_read_topic(kc, topic, idle, &feed_stop, count_msg, &cc, &n, errbuf) != MQTTIDS_OK) {
            cli_err("%s", errbuf);
            rc = CLI_EXIT_FAIL;
            goto out;
        }
        if (cc.nomem) {
            cli_err("out of memory");
            rc = CLI_EXIT_FAIL;
            goto out;
        }
        snprintf(src, sizeof src, "topic %s", topic);
        report(&cc, src, top, json);
        goto out;
    }
    /* produce */
    if (mqttids_producer_new(kc, &p, errbuf) != MQTTIDS_OK) {
        cli_err("%s", errbuf);
        rc = CLI_EXIT_FAIL;
        goto out;
    }
    {
        struct timespec t0, now;
        uint64_t sent_n = 0, delivered = 0, failed = 0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (;;) {
            for (int i = optind; i < argc && !feed_stop; i++) {
                mqttids_feed *f = NULL;
                size_t fresh = 0;
                if (mqttids_feed_load(argv[i], &f, errbuf) != MQTTIDS_OK) {
                    cli_err("%s", errbuf);
                    rc = CLI_EXIT_FAIL;
                    goto flush;
                }
                for (size_t k = 0; k < mqttids_feed_nitems(f); k++) {
                    const mqttids_feed_item *it = mqttids_feed_get(f, k);
                    int seen = sent_has_or_add(&sent, it->title, it->link);
                    if (seen < 0) {
                        cli_err("out of memory");
                        rc = CLI_EXIT_FAIL;
                        mqttids_feed_free(f);
                        goto flush;
                    }
                    if (seen)
                        continue;
                    if (mqttids_producer_send(p, topic, it->title, strlen(it->title), it->link, strlen(it->link),
                                              errbuf) != MQTTIDS_OK) {
                        cli_err("%s", errbuf);
                        rc = CLI_EXIT_FAIL;
                        mqttids_feed_free(f);
                        goto flush;
                    }
                    fresh++;
                    sent_n++;
                }
                cli_info("%s (%s): %zu items, %zu new sent to %s", argv[i], mqttids_feed_kind(f),
                         mqttids_feed_nitems(f), fresh, topic);
                mqttids_feed_free(f);
            }
            if (every <= 0 || feed_stop)
                break;
            clock_gettime(CLOCK_MONOTONIC, &now);
            {
                double el = (double)(now.tv_sec - t0.tv_sec) + (double)(now.tv_nsec - t0.tv_nsec) * 1e-9;
                double wait = every;
                if (el >= duration)
                    break;
                if (el + wait > duration)
                    wait = duration - el;
                for (double w = 0; w < wait && !feed_stop; w += 0.1) {
                    struct timespec ts = {0, 100000000L};
                    nanosleep(&ts, NULL);
                }
                if (feed_stop)
                    break;
            }
        }
    flush:
        if (mqttids_producer_flush(p, 30000, &delivered, &failed, errbuf) != MQTTIDS_OK) {
            cli_err("%s", errbuf);
            rc = CLI_EXIT_FAIL;
        }
        cli_info("%s: %llu items sent, %llu delivered, %llu failed", topic, (unsigned long long)sent_n,
                 (unsigned long long)delivered, (unsigned long long)failed);
        if (json) {
            json_object *o = json_object_new_object();
            json_object_object_add(o, "topic", json_object_new_string(topic));
            json_object_object_add(o, "sent", json_object_new_int64((int64_t)sent_n));
            json_object_object_add(o, "delivered", json_object_new_int64((int64_t)delivered));
            json_object_object_add(o, "failed", json_object_new_int64((int64_t)failed));
            cli_json_print(o);
            json_object_put(o);
        }
    }
out:
    for (size_t i = 0; i < sent.n; i++)
        free(sent.keys[i]);
    free(sent.keys);
    mqttids_producer_free(p);
    mqttids_words_free(cc.w);
    mqttids_kconf_free(kc);
    return rc;
}
