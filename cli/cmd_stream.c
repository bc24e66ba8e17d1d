/*
 * cmd_stream.c: "mqttids stream": records through Kafka.
 *   produce       replay CSV inputs (or raw lines) into a topic, keyed by flow, at a rate
 *                 (cli_stream_produce.c)
 *   detect        consumer-group member: classify each record, alerts to <topic>.alerts
 *                 (and PostgreSQL with --db), offsets committed after the alerts are acked
 *                 (cli_stream_detect.c)
 *   mock-cluster  a standalone librdkafka mock cluster; prints its bootstrap address
 *   dump          print every message of a topic (from the beginning) and exit
 *   create-topic  create topics (Admin API)
 * This file: the dispatcher, the admin subcommands and the Kafka option helpers.
 * Kafka settings pass through as -X key=value (kcat's convention).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli_stream.h"

const char cmd_stream_summary[] = "Kafka: replay records, detect in a consumer group, alerts, mock cluster";

static int verbose;

int cli_stream_parse_format(const char *s, mqttids_stream_format *f)
{
    if (strcmp(s, "json") == 0)
        *f = MQTTIDS_STREAM_JSON;
    else if (strcmp(s, "binary") == 0 || strcmp(s, "bin") == 0)
        *f = MQTTIDS_STREAM_BIN;
    else
        return -1;
    return 0;
}

mqttids_kconf *cli_kconf_new(void)
{
    mqttids_kconf *kc = mqttids_kconf_new();
    if (!kc)
        cli_err("this build has no Kafka support");
    return kc;
}

int cli_stream_kconf_finish(kopts *k, const char *sub, int need_topic)
{
    char errbuf[MQTTIDS_ERRBUF_SIZE];
    if (!k->brokers)
        return cli_usage_error(sub, "--brokers is required (host:port,... or 'mock')");
    if (need_topic && !k->topic)
        return cli_usage_error(sub, "--topic is required");
    if (mqttids_kconf_brokers(k->kc, k->brokers, errbuf) != MQTTIDS_OK) {
        cli_err("%s", errbuf);
        return CLI_EXIT_FAIL;
    }
    if (strcmp(k->brokers, "mock") == 0)
        cli_info("embedded mock cluster at %s", mqttids_kconf_bootstrap(k->kc));
    return CLI_EXIT_OK;
}

/* One -X key=value. Returns an exit code. */
static int add_x(kopts *k, const char *sub, const char *arg)
{
    char errbuf[MQTTIDS_ERRBUF_SIZE];
    mqttids_err err = mqttids_kconf_set(k->kc, arg, errbuf);
    if (err == MQTTIDS_ERR_UNSUPPORTED) {
        cli_err("%s", errbuf);
        return CLI_EXIT_FAIL;
    }
    if (err != MQTTIDS_OK)
        return cli_usage_error(sub, "%s", errbuf);
    return CLI_EXIT_OK;
}

int cli_stream_kafka_option(kopts *k, const char *sub, int opt, const char *arg, int *rc)
{
    *rc = CLI_EXIT_OK;
    if (opt == 'b')
        k->brokers = arg;
    else if (opt == 't')
        k->topic = arg;
    else if (opt == 'X')
        *rc = add_x(k, sub, arg);
    else
        return 0;
    return 1;
}

/* "NAME[:PARTITIONS]" (default 4 partitions, at most max_parts) into name and *parts. Returns 0 or -1. */
static int parse_topic(const char *spec, uint64_t max_parts, char name[256], int *parts)
{
    const char *colon = strrchr(spec, ':');
    uint64_t n = 4;
    if (colon && (cli_parse_u64(colon + 1, &n) != 0 || n < 1 || n > max_parts || colon - spec >= 256))
        return -1;
    snprintf(name, 256, "%.*s", colon ? (int)(colon - spec) : 255, spec);
    *parts = (int)n;
    return 0;
}

/* ================================================================================== */
/* mock-cluster                                                                       */

static void mock_help(void)
{
    printf("Usage: mqttids stream mock-cluster [--brokers-count N] [--topic NAME[:PARTITIONS]]...\n"
           "Runs librdkafka's mock cluster in this process and prints its bootstrap address on\n"
           "stdout (one line), so other processes can use it as --brokers, until SIGINT/SIGTERM.\n"
           "Topics not created here are auto-created with 4 partitions on first use. Mock\n"
           "brokers keep about 5 MB per partition and drop the oldest records beyond: give a\n"
           "topic enough partitions for the data (MQTTset's test30 as JSON: --topic mqtt:64);\n"
           "'stream produce' fails when records it delivered were dropped.\n\n"
           "Options:\n"
           "      --brokers-count N   brokers in the cluster (default 3)\n"
           "  -t, --topic NAME[:P]    create a topic with P partitions (default 4); repeatable\n"
           "      --address-file F    also write the address to F (atomically)\n"
           "      --json              print {\"brokers\": ADDRESS, \"brokers_count\": N} (one line)\n"
           "  -q, --quiet             no info lines\n"
           "  -h, --help              this help\n");
}

static int stream_mock(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"brokers-count", required_argument, NULL, 'n'},
        {"topic", required_argument, NULL, 't'},
        {"address-file", required_argument, NULL, 'a'},
        {NULL, 0, NULL, 0},
    };
    const char *sub = "stream mock-cluster", *topics[64], *addr_file = NULL;
    int ntopics = 0, nbrokers = 3, opt, rc = CLI_EXIT_OK, json = 0;
    mqttids_mock *m = NULL;
    char errbuf[MQTTIDS_ERRBUF_SIZE];
    cli_opts co;

    co = CLI_OPTS(.cmd = sub, .help = mock_help);
    while ((opt = cli_opts_next(&co, argc, argv, "t:", longopts)) != 0) {
        switch (opt) {
        case 'n': {
            uint64_t v;
            if (cli_parse_u64(optarg, &v) != 0 || v < 1 || v > 16)
                return cli_usage_error(sub, "--brokers-count takes 1..16, not '%s'", optarg);
            nbrokers = (int)v;
            break;
        }
        case 't':
            if (ntopics == 64)
                return cli_usage_error(sub, "at most 64 topics");
            topics[ntopics++] = optarg;
            break;
        case 'a': addr_file = optarg; break;
        }
    }
    if (co.rc != CLI_OPT_NEXT)
        return co.rc;
    json = co.tail.json;
    rc = CLI_EXIT_OK;
    cli_log_to_stderr(verbose);
    cli_signals_install(NULL);
    if (mqttids_mock_new(nbrokers, &m, errbuf) != MQTTIDS_OK) {
        cli_err("%s", errbuf);
        return CLI_EXIT_FAIL;
    }
    for (int i = 0; i < ntopics; i++) {
        char name[256];
        int parts;
        if (parse_topic(topics[i], 1024, name, &parts) != 0) {
            rc = cli_usage_error(sub, "--topic %s: expected NAME[:PARTITIONS], 1..1024 partitions", topics[i]);
            goto out;
        }
        if (mqttids_mock_topic_create(m, name, parts, errbuf) != MQTTIDS_OK) {
            cli_err("%s", errbuf);
            rc = CLI_EXIT_FAIL;
            goto out;
        }
    }
    if (addr_file) {
        cli_out ao;
        if (cli_out_open(&ao, addr_file, "w") != 0) {
            rc = CLI_EXIT_FAIL;
            goto out;
        }
        fprintf(ao.fp, "%s\n", mqttids_mock_bootstrap(m));
        if (cli_out_commit(&ao) != 0) {
            rc = CLI_EXIT_FAIL;
            goto out;
        }
    }
    if (json) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "brokers", json_object_new_string(mqttids_mock_bootstrap(m)));
        json_object_object_add(o, "brokers_count", json_object_new_int(nbrokers));
        puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(o);
    } else {
        printf("%s\n", mqttids_mock_bootstrap(m));
    }
    fflush(stdout);
    cli_info("mock cluster of %d brokers at %s; SIGINT/SIGTERM stops it", nbrokers, mqttids_mock_bootstrap(m));
    while (!cli_stop)
        pause();
out:
    mqttids_mock_free(m);
    return rc;
}

/* ================================================================================== */
/* dump                                                                               */

typedef struct dump_ctx {
    int keys;
    int meta;
    int json; /* one JSON object per message: partition, offset, key, value */
} dump_ctx;

static int dump_msg(void *user, const void *key, size_t klen, const void *val, size_t vlen, int32_t partition,
                    int64_t offset)
{
    dump_ctx *d = user;
    if (d->json) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "partition", json_object_new_int(partition));
        json_object_object_add(o, "offset", json_object_new_int64(offset));
        json_object_object_add(o, "key", key ? json_object_new_string_len(key, (int)klen) : NULL);
        json_object_object_add(o, "value", val ? json_object_new_string_len(val, (int)vlen) : NULL);
        puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(o);
        return 0;
    }
    if (d->meta)
        printf("%d\t%lld\t", (int)partition, (long long)offset);
    if (d->keys) {
        fwrite(key ? key : "", 1, key ? klen : 0, stdout);
        fputc('\t', stdout);
    }
    fwrite(val ? val : "", 1, val ? vlen : 0, stdout);
    fputc('\n', stdout);
    return 0;
}

static void dump_help(void)
{
    printf("Usage: mqttids stream dump --brokers B --topic T [--idle MS] [--keys] [--meta]\n"
           "Prints every message of T from the beginning, one value per line, and exits at\n"
           "the end of every partition (then waits MS ms of silence with --idle). No group,\n"
           "nothing committed.\n\n" KAFKA_HELP
           "      --keys     print key<TAB>value\n"
           "      --meta     print partition<TAB>offset<TAB> first\n"
           "      --json     one JSON object per message (JSON Lines): partition, offset, key, value\n"
           "  -q, --quiet    no info lines\n");
}

static void create_topic_help(void)
{
    printf("Usage: mqttids stream create-topic --brokers B [--replication R] [--if-not-exists] NAME[:PARTITIONS]...\n"
           "Creates topics (Admin API) with PARTITIONS partitions (default 4) and the broker's\n"
           "default replication unless --replication. --if-not-exists: an existing topic is fine.\n"
           "--json: {\"created\": [...], \"existing\": [...]} on stdout.\n\n"
           KAFKA_HELP);
}

static int stream_dump(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"brokers", required_argument, NULL, 'b'},
        {"topic", required_argument, NULL, 't'},
        {"idle", required_argument, NULL, 'i'},
        {"keys", no_argument, NULL, 'k'},
        {"meta", no_argument, NULL, 'M'},
        {NULL, 0, NULL, 0},
    };
    const char *sub = "stream dump";
    kopts k = {0};
    dump_ctx d = {0, 0, 0};
    int idle = 0, opt, rc = CLI_EXIT_OK;
    uint64_t n = 0;
    char errbuf[MQTTIDS_ERRBUF_SIZE];
    cli_opts co;

    if (!(k.kc = cli_kconf_new()))
        return CLI_EXIT_FAIL;
    co = CLI_OPTS(.cmd = sub, .help = dump_help, .kafka = &k);
    while ((opt = cli_opts_next(&co, argc, argv, "b:t:X:", longopts)) != 0) {
        switch (opt) {
        case 'i': {
            uint64_t v;
            if (cli_parse_u64(optarg, &v) != 0 || v > 3600000) {
                rc = cli_usage_error(sub, "--idle needs milliseconds, not '%s'", optarg);
                goto out;
            }
            idle = (int)v;
            break;
        }
        case 'k': d.keys = 1; break;
        case 'M': d.meta = 1; break;
        }
    }
    if (co.rc != CLI_OPT_NEXT) {
        rc = co.rc;
        goto out;
    }
    d.json = co.tail.json;
    cli_log_to_stderr(verbose);
    if ((rc = cli_stream_kconf_finish(&k, sub, 1)) != CLI_EXIT_OK)
        goto out;
    cli_signals_install(NULL);
    if (mqttids_stream_read_topic(k.kc, k.topic, idle, &cli_stop, dump_msg, &d, &n, errbuf) != MQTTIDS_OK) {
        cli_err("%s", errbuf);
        rc = CLI_EXIT_FAIL;
    }
    fflush(stdout);
    cli_info("%s: %llu messages", k.topic, (unsigned long long)n);
out:
    mqttids_kconf_free(k.kc);
    return rc;
}

/* ================================================================================== */
/* create-topic                                                                       */

static int stream_create_topic(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"brokers", required_argument, NULL, 'b'},
        {"replication", required_argument, NULL, 'r'},
        {"if-not-exists", no_argument, NULL, 'i'},
        {NULL, 0, NULL, 0},
    };
    const char *sub = "stream create-topic";
    kopts k = {0};
    int opt, rc = CLI_EXIT_OK, replication = -1, if_not = 0, json = 0;
    json_object *js = NULL, *created = NULL, *existed = NULL;
    char errbuf[MQTTIDS_ERRBUF_SIZE];
    cli_opts co;

    if (!(k.kc = cli_kconf_new()))
        return CLI_EXIT_FAIL;
    /* -b and -X (no --topic here); the topics are the arguments */
    co = CLI_OPTS(.cmd = sub, .help = create_topic_help, .kafka = &k, .args = 1);
    while ((opt = cli_opts_next(&co, argc, argv, "b:X:", longopts)) != 0) {
        switch (opt) {
        case 'r': {
            uint64_t v;
            if (cli_parse_u64(optarg, &v) != 0 || v < 1 || v > 100) {
                rc = cli_usage_error(sub, "--replication takes 1..100, not '%s'", optarg);
                goto out;
            }
            replication = (int)v;
            break;
        }
        case 'i': if_not = 1; break;
        }
    }
    if (co.rc != CLI_OPT_NEXT) {
        rc = co.rc;
        goto out;
    }
    rc = CLI_EXIT_OK;
    json = co.tail.json;
    if (optind >= argc) {
        rc = cli_usage_error(sub, "no topic given");
        goto out;
    }
    cli_log_to_stderr(verbose);
    if ((rc = cli_stream_kconf_finish(&k, sub, 0)) != CLI_EXIT_OK)
        goto out;
    if (json) {
        js = json_object_new_object();
        created = json_object_new_array();
        existed = json_object_new_array();
        json_object_object_add(js, "created", created);
        json_object_object_add(js, "existing", existed);
    }
    for (int i = optind; i < argc && rc == CLI_EXIT_OK; i++) {
        char name[256];
        int parts, exists = 0;
        if (parse_topic(argv[i], 100000, name, &parts) != 0) {
            rc = cli_usage_error(sub, "%s: expected NAME[:PARTITIONS]", argv[i]);
            break;
        }
        if (mqttids_stream_create_topic(k.kc, name, parts, replication, &exists, errbuf) != MQTTIDS_OK) {
            if (exists && if_not) {
                cli_info("%s exists already", name);
                if (existed)
                    json_object_array_add(existed, json_object_new_string(name));
                continue;
            }
            cli_err("%s", errbuf);
            rc = CLI_EXIT_FAIL;
            break;
        }
        cli_info("created %s with %d partitions", name, parts);
        if (created)
            json_object_array_add(created, json_object_new_string(name));
    }
    if (js && rc == CLI_EXIT_OK)
        cli_json_print(js);
out:
    json_object_put(js);
    mqttids_kconf_free(k.kc);
    return rc;
}

/* ================================================================================== */

int cmd_stream(int argc, char **argv)
{
    static const cli_sub subs[] = {{"produce", cli_stream_produce},   {"detect", cli_stream_detect},
                                   {"mock-cluster", stream_mock},      {"dump", stream_dump},
                                   {"create-topic", stream_create_topic}};
    int rc;
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        printf("Usage: mqttids stream <produce|detect|mock-cluster|dump|create-topic> [options]\n"
               "  produce       send CSV records (or raw lines) to a topic, keyed by flow\n"
               "  detect        consumer-group detector: classify, alert, commit after acks\n"
               "  mock-cluster  run librdkafka's mock cluster and print its address\n"
               "  dump          print a topic's messages from the beginning\n"
               "  create-topic  create topics with a number of partitions (Admin API)\n"
               "Record format: docs/FORMATS.md. 'mqttids stream <sub> --help' for options.\n");
        return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
    }
    if ((rc = cli_run_subcommand(subs, sizeof subs / sizeof subs[0], argc, argv)) >= 0)
        return rc;
    return cli_usage_error("stream", "unknown subcommand '%s'", argv[1]);
}
