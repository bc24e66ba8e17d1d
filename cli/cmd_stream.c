/*
 * cmd_stream.c: "mqttids stream": records through Kafka.
 *   produce       replay CSV inputs (or raw lines) into a topic, keyed by flow, at a rate
 *   detect        consumer-group member: classify each record, alerts to <topic>.alerts
 *                 (and PostgreSQL with --db), offsets committed after the alerts are acked
 *   mock-cluster  a standalone librdkafka mock cluster; prints its bootstrap address
 *   dump          print every message of a topic (from the beginning) and exit
 * Kafka settings pass through as -X key=value (kcat's convention).
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"

const char cmd_stream_summary[] = "Kafka: replay records, detect in a consumer group, alerts, mock cluster";

#include <time.h>
#include "mqttids/capture.h"
#include "mqttids/store.h"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

static int verbose;

static void log_to_stderr(mqttids_log_level level, const char *msg, void *user)
{
    (void)user;
    if ((int)level <= (verbose ? MQTTIDS_LOG_INFO : cli_quiet ? MQTTIDS_LOG_ERROR : MQTTIDS_LOG_WARN))
        fprintf(stderr, "%s: %s\n", cli_prog, msg);
}

/* Options every subcommand takes. */
typedef struct kopts {
    const char *brokers;
    const char *topic;
    mqttids_kconf *kc;
} kopts;

static int parse_format(const char *s, mqttids_stream_format *f)
{
    if (strcmp(s, "json") == 0)
        *f = MQTTIDS_STREAM_JSON;
    else if (strcmp(s, "binary") == 0 || strcmp(s, "bin") == 0)
        *f = MQTTIDS_STREAM_BIN;
    else
        return -1;
    return 0;
}

static int kconf_finish(kopts *k, const char *sub, int need_topic)
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

#define KAFKA_HELP                                                                             \
    "Kafka:\n"                                                                                 \
    "  -b, --brokers B        bootstrap brokers host:port[,...], or 'mock' (embedded mock cluster)\n" \
    "  -t, --topic T          the records topic\n"                                            \
    "  -X key=value           a librdkafka setting (repeatable), e.g. -X security.protocol=ssl\n"

/* ================================================================================== */
/* produce                                                                            */

static void produce_help(void)
{
    printf("Usage: mqttids stream produce --brokers B --topic T [options] PATH...\n"
           "Sends MQTTset records to a Kafka topic, one message per row, in the versioned\n"
           "record format (docs/FORMATS.md). Key: the row's flow, so one TCP stream stays in\n"
           "one partition: the value of --key-column (default: a 'tcp.stream' column when the\n"
           "input has one), else the row index (every row its own flow); --pcap rows carry their\n"
           "TCP stream index. Record ids are\n"
           "--id-base + row index over all inputs.\n\n"
           KAFKA_HELP
           "Options:\n"
           "      --format json|binary   record format (default json)\n"
           "      --rate N            records per second (default: as fast as possible)\n"
           "      --key-column NAME   extra column holding the stream/flow id\n"
           "      --id-base N         first record id (default 0)\n"
           "      --raw               PATHs are text files: send each line as it is (key: line number)\n"
           "      --pcap              PATHs are pcap/pcapng captures: rows as 'mqttids extract' makes\n"
           "                          them, keyed by TCP stream index (tshark tcp.stream)\n"
           "      --label CLASS       --pcap: the class of every row (default: none)\n"
           "      --context           --pcap: add the flow-context columns ctx.* as extra fields\n"
           "      --json              summary as JSON on stdout\n"
           "  -q, --quiet             no progress or info lines\n"
           "  -h, --help              this help\n\n" CLI_INPUT_HELP);
}

static int produce_raw(kopts *k, cli_inputs *in, json_object *js)
{
    mqttids_producer *p = NULL;
    char errbuf[MQTTIDS_ERRBUF_SIZE];
    uint64_t lines = 0, delivered = 0, failed = 0;
    int rc = CLI_EXIT_OK;
    char *line = NULL;
    size_t cap = 0;

    if (mqttids_producer_new(k->kc, &p, errbuf) != MQTTIDS_OK) {
        cli_err("%s", errbuf);
        return CLI_EXIT_FAIL;
    }
    for (int i = 0; i < in->n && rc == CLI_EXIT_OK; i++) {
        FILE *fp = strcmp(in->items[i].path, "-") == 0 ? stdin : fopen(in->items[i].path, "r");
        ssize_t n;
        if (!fp) {
            cli_err("%s: %s", in->items[i].path, strerror(errno));
            rc = CLI_EXIT_FAIL;
            break;
        }
        while ((n = getline(&line, &cap, fp)) >= 0 && !stop_flag) {
            char key[32];
            int kl;
            if (n > 0 && line[n - 1] == '\n')
                line[--n] = '\0';
            kl = snprintf(key, sizeof key, "%llu", (unsigned long long)lines);
            if (mqttids_producer_send(p, k->topic, key, (size_t)kl, line, (size_t)n, errbuf) != MQTTIDS_OK) {
                cli_err("%s", errbuf);
                rc = CLI_EXIT_FAIL;
                break;
            }
            lines++;
        }
        if (fp != stdin)
            fclose(fp);
    }
    free(line);
    if (mqttids_producer_flush(p, 60000, &delivered, &failed, errbuf) != MQTTIDS_OK) {
        cli_err("%s", errbuf);
        rc = CLI_EXIT_FAIL;
    }
    mqttids_producer_free(p);
    cli_info("%s: %llu lines sent, %llu delivered, %llu failed", k->topic, (unsigned long long)lines,
             (unsigned long long)delivered, (unsigned long long)failed);
    if (js) {
        json_object_object_add(js, "topic", json_object_new_string(k->topic));
        json_object_object_add(js, "sent", json_object_new_int64((int64_t)lines));
        json_object_object_add(js, "delivered", json_object_new_int64((int64_t)delivered));
        json_object_object_add(js, "failed", json_object_new_int64((int64_t)failed));
    }
    return rc;
}

/* --pcap: rows straight from captures, keyed by TCP stream so a flow stays in one partition. */
static int produce_pcap(kopts *k, cli_inputs *in, const mqttids_produce_opts *po, int label, int context,
                        json_object *js)
{
    mqttids_producer *p = NULL;
    mqttids_codec *c = mqttids_codec_new();
    char errbuf[MQTTIDS_ERRBUF_SIZE];
    uint64_t rows = 0, delivered = 0, failed = 0, bytes = 0;
    int rc = CLI_EXIT_OK;
    const char *ctx_names[64];
    size_t n_ctx = context ? mqttids_capture_ctx_count() : 0;
    struct timespec t0;

    if (!c || n_ctx > 64) {
        cli_err("out of memory");
        mqttids_codec_free(c);
        return CLI_EXIT_FAIL;
    }
    for (size_t x = 0; x < n_ctx; x++)
        ctx_names[x] = mqttids_capture_ctx_name(x);
    mqttids_codec_set_extras(c, ctx_names, po->format == MQTTIDS_STREAM_JSON ? n_ctx : 0);
    if (mqttids_producer_new(k->kc, &p, errbuf) != MQTTIDS_OK) {
        cli_err("%s", errbuf);
        mqttids_codec_free(c);
        return CLI_EXIT_FAIL;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < in->n && rc == CLI_EXIT_OK && !stop_flag; i++) {
        mqttids_capture_opts co;
        mqttids_capture *cap = NULL;
        mqttids_capture_opts_init(&co);
        co.context = context;
        if (mqttids_capture_open_file(in->items[i].path, &co, &cap, errbuf) != MQTTIDS_OK) {
            cli_err("%s", errbuf);
            rc = CLI_EXIT_FAIL;
            break;
        }
        for (;;) {
            mqttids_record r;
            mqttids_flow fl;
            mqttids_capture_status stt;
            const void *val;
            size_t vlen;
            char key[32];
            int kl;
            if (stop_flag)
                break;
            if (mqttids_capture_next(cap, &r, &fl, &stt, errbuf) != MQTTIDS_OK) {
                cli_err("%s", errbuf);
                rc = CLI_EXIT_FAIL;
                break;
            }
            if (stt == MQTTIDS_CAPTURE_END)
                break;
            if (stt != MQTTIDS_CAPTURE_ROW)
                continue;
            if (po->rate > 0) {
                struct timespec now;
                double due, el;
                clock_gettime(CLOCK_MONOTONIC, &now);
                el = (double)(now.tv_sec - t0.tv_sec) + (double)(now.tv_nsec - t0.tv_nsec) * 1e-9;
                due = (double)rows / po->rate;
                if (due - el > 0.001) {
                    struct timespec ts = {(time_t)(due - el), (long)(((due - el) - (double)(time_t)(due - el)) * 1e9)};
                    nanosleep(&ts, NULL);
                }
            }
            r.label = label;
            if (n_ctx && po->format == MQTTIDS_STREAM_JSON) {
                r.n_extra = n_ctx;
                r.extra = mqttids_capture_ctx_values(cap);
            }
            kl = snprintf(key, sizeof key, "%llu", (unsigned long long)fl.stream);
            if (mqttids_codec_encode(c, po->format, &r, po->id_base + rows, &val, &vlen) != MQTTIDS_OK ||
                mqttids_producer_send(p, k->topic, key, (size_t)kl, val, vlen, errbuf) != MQTTIDS_OK) {
                cli_err("%s: row %llu: %s", in->items[i].path, (unsigned long long)rows, errbuf);
                rc = CLI_EXIT_FAIL;
                break;
            }
            rows++;
            bytes += vlen;
        }
        mqttids_capture_close(cap);
    }
    if (mqttids_producer_flush(p, 60000, &delivered, &failed, errbuf) != MQTTIDS_OK) {
        cli_err("%s", errbuf);
        rc = CLI_EXIT_FAIL;
    }
    mqttids_producer_free(p);
    mqttids_codec_free(c);
    cli_info("%s: %llu capture rows sent (key: tcp.stream), %llu delivered, %llu failed", k->topic,
             (unsigned long long)rows, (unsigned long long)delivered, (unsigned long long)failed);
    if (js) {
        json_object_object_add(js, "topic", json_object_new_string(k->topic));
        json_object_object_add(js, "key", json_object_new_string("tcp.stream"));
        json_object_object_add(js, "sent", json_object_new_int64((int64_t)rows));
        json_object_object_add(js, "delivered", json_object_new_int64((int64_t)delivered));
        json_object_object_add(js, "failed", json_object_new_int64((int64_t)failed));
        json_object_object_add(js, "bytes", json_object_new_int64((int64_t)bytes));
    }
    return rc;
}

static void produce_report_json(json_object *js, const char *topic, const mqttids_produce_report *rep,
                                mqttids_stream_format fmt)
{
    json_object_object_add(js, "topic", json_object_new_string(topic));
    json_object_object_add(js, "format", json_object_new_string(fmt == MQTTIDS_STREAM_JSON ? "json" : "binary"));
    json_object_object_add(js, "format_version", json_object_new_int(MQTTIDS_STREAM_FORMAT_VERSION));
    json_object_object_add(js, "key", json_object_new_string(rep->key_rule));
    json_object_object_add(js, "sent", json_object_new_int64((int64_t)rep->sent));
    json_object_object_add(js, "delivered", json_object_new_int64((int64_t)rep->delivered));
    json_object_object_add(js, "failed", json_object_new_int64((int64_t)rep->failed));
    json_object_object_add(js, "bytes", json_object_new_int64((int64_t)rep->bytes));
    json_object_object_add(js, "seconds", cli_json_double(rep->seconds));
    json_object_object_add(js, "start_unix", cli_json_double(rep->start_unix));
    json_object_object_add(js, "records_per_second",
                           cli_json_double(rep->seconds > 0 ? (double)rep->delivered / rep->seconds : NAN));
}

static int stream_produce(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"brokers", required_argument, NULL, 'b'},
        {"topic", required_argument, NULL, 't'},
        {"format", required_argument, NULL, 'f'},
        {"rate", required_argument, NULL, 'r'},
        {"key-column", required_argument, NULL, 'k'},
        {"id-base", required_argument, NULL, 'i'},
        {"raw", no_argument, NULL, 'R'},
        {"pcap", no_argument, NULL, 'P'},
        {"label", required_argument, NULL, 'L'},
        {"context", no_argument, NULL, 'C'},
        {"json", no_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        CLI_INPUT_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    const char *sub = "stream produce";
    kopts k = {0};
    cli_inputs in;
    mqttids_produce_opts po;
    mqttids_produce_report rep;
    mqttids_dataset *ds = NULL;
    mqttids_producer *p = NULL;
    json_object *js = NULL;
    int json = 0, raw = 0, pcap = 0, context = 0, label = -1, opt, rc = CLI_EXIT_OK;
    char errbuf[MQTTIDS_ERRBUF_SIZE];
    mqttids_err err;

    k.kc = mqttids_kconf_new();
    if (!k.kc) {
        cli_err("this build has no Kafka support");
        return CLI_EXIT_FAIL;
    }
    cli_inputs_init(&in);
    mqttids_produce_opts_init(&po);
    optind = 1;
    while ((opt = getopt_long(argc, argv, "b:t:X:qvh", longopts, NULL)) != -1) {
        int r = cli_inputs_option(&in, sub, opt, optarg);
        if (r < 0) {
            rc = CLI_EXIT_USAGE;
            goto out;
        }
        if (r > 0)
            continue;
        switch (opt) {
        case 'b': k.brokers = optarg; break;
        case 't': k.topic = optarg; break;
        case 'X':
            if ((rc = add_x(&k, sub, optarg)) != CLI_EXIT_OK)
                goto out;
            break;
        case 'f':
            if (parse_format(optarg, &po.format) != 0) {
                rc = cli_usage_error(sub, "--format takes json or binary, not '%s'", optarg);
                goto out;
            }
            break;
        case 'r': {
            char *end;
            po.rate = strtod(optarg, &end);
            if (*end == '/' && strcmp(end, "/s") == 0)
                end += 2;
            if (*end || !(po.rate > 0)) {
                rc = cli_usage_error(sub, "--rate needs a positive number of records per second, not '%s'", optarg);
                goto out;
            }
            break;
        }
        case 'k': po.key_column = optarg; break;
        case 'i':
            if (cli_parse_u64(optarg, &po.id_base) != 0) {
                rc = cli_usage_error(sub, "--id-base needs a non-negative integer, not '%s'", optarg);
                goto out;
            }
            break;
        case 'R': raw = 1; break;
        case 'P': pcap = 1; break;
        case 'L':
            label = mqttids_class_find(optarg, strlen(optarg));
            if (label < 0) {
                rc = cli_usage_error(sub, "--label: unknown class '%s'", optarg);
                goto out;
            }
            break;
        case 'C': context = 1; break;
        case 'j': json = 1; break;
        case 'q': cli_quiet = 1; break;
        case 'v': verbose = 1; break;
        case 'h':
            produce_help();
            rc = CLI_EXIT_OK;
            goto out;
        default:
            rc = cli_usage_error(sub, "unknown option");
            goto out;
        }
    }
    if (cli_inputs_add_positional(&in, sub, argc, argv, optind) < 0) {
        rc = CLI_EXIT_USAGE;
        goto out;
    }
    mqttids_set_log(log_to_stderr, NULL);
    if ((rc = kconf_finish(&k, sub, 1)) != CLI_EXIT_OK)
        goto out;
    install_signals();
    if (json)
        js = json_object_new_object();
    if (raw) {
        if (in.n == 0) {
            rc = cli_usage_error(sub, "--raw needs at least one PATH");
            goto out;
        }
        rc = produce_raw(&k, &in, js);
        goto out;
    }
    if (pcap) {
        if (in.n == 0) {
            rc = cli_usage_error(sub, "--pcap needs at least one capture PATH");
            goto out;
        }
        rc = produce_pcap(&k, &in, &po, label, context, js);
        goto out;
    }
    rc = cli_inputs_load(&in, &ds, js);
    if (rc != CLI_EXIT_OK)
        goto out;
    if (mqttids_producer_new(k.kc, &p, errbuf) != MQTTIDS_OK) {
        cli_err("%s", errbuf);
        rc = CLI_EXIT_FAIL;
        goto out;
    }
    po.topic = k.topic;
    po.stop = &stop_flag;
    if (!cli_quiet && isatty(2))
        po.progress = cli_progress;
    err = mqttids_stream_produce(p, ds, &po, &rep, errbuf);
    cli_progress_done();
    if (err != MQTTIDS_OK) {
        cli_err("%s", errbuf);
        rc = CLI_EXIT_FAIL;
    }
    cli_info("%s: %llu records sent (%s, key: %s), %llu delivered, %llu failed, %.3f s, %.0f records/s",
             k.topic, (unsigned long long)rep.sent, po.format == MQTTIDS_STREAM_JSON ? "json" : "binary",
             rep.key_rule, (unsigned long long)rep.delivered, (unsigned long long)rep.failed, rep.seconds,
             rep.seconds > 0 ? (double)rep.delivered / rep.seconds : 0.0);
    if (js)
        produce_report_json(js, k.topic, &rep, po.format);
out:
    if (js && rc != CLI_EXIT_USAGE)
        cli_json_print(js);
    json_object_put(js);
    mqttids_producer_free(p);
    mqttids_dataset_free(ds);
    mqttids_kconf_free(k.kc);
    return rc;
}

/* ================================================================================== */
/* detect                                                                             */

typedef struct detect_ctx {
    mqttids_model *model;             /* NULL: --model none */
    const char *names[64];            /* class names */
    int nclasses;
    FILE *log;                        /* --log: per-record lines */
    uint64_t malformed_shown;
    int json_progress;
    mqttids_store *db;
    mqttids_store_sink *sink;
    int sink_class[64];               /* model class -> MQTTIDS_CLASS_* (-1 none) */
    int alert_all, quiet_class;
    int sink_failed;
    /* --replay: the replay thread starts at the first assignment */
    struct replay_job *job;
    pthread_t *th;
    int *have_thread;
    int stats_ms;
    double last_print;
} detect_ctx;

static int classify_model(void *user, const mqttids_record *r, int *cls, double *prob)
{
    detect_ctx *c = user;
    double proba[64];
    if (mqttids_model_predict_record(c->model, r, cls, proba) != MQTTIDS_OK)
        return -1;
    *prob = (*cls >= 0 && *cls < c->nclasses) ? proba[*cls] : NAN;
    return 0;
}

/* --model none: the transport alone; the record's own label is passed through. */
static int classify_label(void *user, const mqttids_record *r, int *cls, double *prob)
{
    (void)user;
    *cls = r->label;
    *prob = NAN;
    return 0;
}

static int on_record(void *user, uint64_t id, const char *flow, size_t flow_len, int cls, double prob,
                     int32_t partition, int64_t offset)
{
    detect_ctx *c = user;
    if (c->log) {
        fprintf(c->log, "%llu,%.*s,%s,", (unsigned long long)id, (int)flow_len, flow ? flow : "",
                cls >= 0 && cls < c->nclasses ? c->names[cls] : "unknown");
        if (isfinite(prob))
            fprintf(c->log, "%.6g", prob);
        fprintf(c->log, ",%d,%lld\n", (int)partition, (long long)offset);
    }
    if (c->sink && (c->alert_all || cls != c->quiet_class) && cls >= 0 && cls < c->nclasses &&
        c->sink_class[cls] >= 0) {
        mqttids_prediction pr;
        char detail[160];
        snprintf(detail, sizeof detail, "flow %.*s, partition %d, offset %lld", (int)(flow_len > 100 ? 100 : flow_len),
                 flow ? flow : "", (int)partition, (long long)offset);
        pr.row_id = (int64_t)id;
        pr.time = (double)time(NULL);
        pr.cls = c->sink_class[cls];
        pr.probability = prob;
        pr.detail = detail;
        if (mqttids_store_sink_put(c->sink, &pr) != MQTTIDS_OK) {
            cli_err("PostgreSQL: %s", mqttids_store_errmsg(c->db));
            c->sink_failed = 1;
            return -1;
        }
    }
    return 0;
}

static int on_sync(void *user)
{
    detect_ctx *c = user;
    if (c->log && fflush(c->log) != 0) {
        cli_err("--log: write failed: %s", strerror(errno));
        return -1;
    }
    if (c->sink && mqttids_store_sink_flush(c->sink) != MQTTIDS_OK) {
        cli_err("PostgreSQL: %s", mqttids_store_errmsg(c->db));
        return -1;
    }
    return 0;
}

static void on_malformed(void *user, int32_t partition, int64_t offset, const char *msg)
{
    detect_ctx *c = user;
    (void)partition, (void)offset;
    if (c->malformed_shown < 20)
        cli_err("%s", msg);
    else if (c->malformed_shown == 20)
        cli_err("more malformed records: counted, not shown");
    c->malformed_shown++;
}

static void *replay_thread(void *arg);

static void on_stats(void *user, const mqttids_detect_stats *st)
{
    detect_ctx *c = user;
    if (c->job && !*c->have_thread && st->partitions > 0) {
        if (pthread_create(c->th, NULL, replay_thread, c->job) == 0)
            *c->have_thread = 1;
        else
            cli_err("cannot start the replay thread");
    }
    if (c->stats_ms <= 0 || st->seconds - c->last_print < c->stats_ms / 1000.0)
        return;
    c->last_print = st->seconds;
    if (cli_quiet)
        return;
    fprintf(stderr,
            "%s: consumed %llu, classified %llu, alerted %llu, acked %llu, committed %llu, malformed %llu, "
            "lag %lld, partitions %d\n",
            cli_prog, (unsigned long long)st->consumed, (unsigned long long)st->classified,
            (unsigned long long)st->alerted, (unsigned long long)st->acked, (unsigned long long)st->committed,
            (unsigned long long)st->malformed, (long long)st->lag, (int)st->partitions);
}

struct replay_job {
    mqttids_kconf *kc;
    const mqttids_dataset *ds;
    mqttids_produce_opts po;
    mqttids_produce_report rep;
    mqttids_err err;
    char errbuf[MQTTIDS_ERRBUF_SIZE];
};

static void *replay_thread(void *arg)
{
    struct replay_job *j = arg;
    mqttids_producer *p = NULL;
    j->err = mqttids_producer_new(j->kc, &p, j->errbuf);
    if (j->err == MQTTIDS_OK)
        j->err = mqttids_stream_produce(p, j->ds, &j->po, &j->rep, j->errbuf);
    mqttids_producer_free(p);
    return NULL;
}

static void detect_help(void)
{
    printf("Usage: mqttids stream detect --brokers B --topic T --group G --model MODEL [options]\n"
           "A consumer-group member: reads records from T, classifies each with MODEL and sends an\n"
           "alert (time, id, flow, class, probability, model id) to the alerts topic for every\n"
           "record not of the legitimate class. Offsets are committed only after the alerts they\n"
           "caused were acknowledged (at-least-once). Start several processes with the same group\n"
           "to share the partitions. SIGINT/SIGTERM: flush, commit, leave the group, exit 0.\n"
           "Malformed records are counted and skipped with a message naming partition and offset.\n\n"
           KAFKA_HELP
           "  -g, --group G          consumer group id\n\n"
           "Options:\n"
           "  -m, --model MODEL      a model file (mqttids train), or 'none': no classifier, the\n"
           "                         record's own label is passed through (tests the transport)\n"
           "      --alerts-topic A   where alerts go (default T.alerts)\n"
           "      --alert-all        alert on every record, legitimate too\n"
           "      --log FILE         per-record lines: id,flow,class,probability,partition,offset\n"
           "                         (flushed before each commit)\n"
           "      --db CONNINFO      also write alerts to PostgreSQL (committed before the offsets)\n"
           "      --db-table NAME    predictions table (default mqtt.predictions)\n"
           "      --max-records N    stop after N records\n"
           "      --idle-exit MS     stop when nothing arrived for MS ms (counted from the first\n"
           "                         partition assignment or the last record)\n"
           "      --replay PATH      with --brokers mock: replay this CSV into T from a thread of\n"
           "                         this process while detecting (repeatable; implies --max-records)\n"
           "      --replay-format json|binary\n"
           "      --mock-partitions N   with --brokers mock: partitions of T and of the alerts\n"
           "                         topic (default 32; mock brokers keep ~5 MB per partition)\n"
           "      --stats-interval MS   counters on stderr every MS ms (default 1000; 0: off)\n"
           "      --commit-interval MS  commit acknowledged offsets every MS ms (default 200)\n"
           "      --json             final counters as JSON on stdout\n"
           "  -q, --quiet            no counters or info lines\n"
           "  -v, --verbose          librdkafka's informational lines too\n"
           "  -h, --help             this help\n");
}

static int stream_detect(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"brokers", required_argument, NULL, 'b'},
        {"topic", required_argument, NULL, 't'},
        {"group", required_argument, NULL, 'g'},
        {"model", required_argument, NULL, 'm'},
        {"alerts-topic", required_argument, NULL, 'A'},
        {"alert-all", no_argument, NULL, 'a'},
        {"log", required_argument, NULL, 'l'},
        {"db", required_argument, NULL, 'D'},
        {"db-table", required_argument, NULL, 'T'},
        {"max-records", required_argument, NULL, 'n'},
        {"idle-exit", required_argument, NULL, 'I'},
        {"replay", required_argument, NULL, 'P'},
        {"replay-format", required_argument, NULL, 'F'},
        {"mock-partitions", required_argument, NULL, 'p'},
        {"stats-interval", required_argument, NULL, 's'},
        {"commit-interval", required_argument, NULL, 'c'},
        {"json", no_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *sub = "stream detect";
    kopts k = {0};
    mqttids_detect_opts o;
    mqttids_detect_stats st;
    detect_ctx ctx;
    const char *model_path = NULL, *log_path = NULL, *db = NULL, *db_table = NULL;
    const char *extra_names[64];
    cli_inputs replay;
    mqttids_dataset *rds = NULL;
    struct replay_job job;
    pthread_t th;
    int have_thread = 0, json = 0, opt, rc = CLI_EXIT_OK, stats_ms = 1000, mock_parts = 32;
    mqttids_stream_format replay_fmt = MQTTIDS_STREAM_JSON;
    char errbuf[MQTTIDS_ERRBUF_SIZE];
    mqttids_err err = MQTTIDS_OK;

    memset(&ctx, 0, sizeof ctx);
    memset(&job, 0, sizeof job);
    memset(&st, 0, sizeof st);
    cli_inputs_init(&replay);
    mqttids_detect_opts_init(&o);
    k.kc = mqttids_kconf_new();
    if (!k.kc) {
        cli_err("this build has no Kafka support");
        return CLI_EXIT_FAIL;
    }
    optind = 1;
    while ((opt = getopt_long(argc, argv, "b:t:g:m:X:qvh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'b': k.brokers = optarg; break;
        case 't': k.topic = optarg; break;
        case 'g': o.group = optarg; break;
        case 'm': model_path = optarg; break;
        case 'A': o.alerts_topic = optarg; break;
        case 'a': o.alert_all = 1; break;
        case 'l': log_path = optarg; break;
        case 'D': db = optarg; break;
        case 'T': db_table = optarg; break;
        case 'X':
            if ((rc = add_x(&k, sub, optarg)) != CLI_EXIT_OK)
                goto out;
            break;
        case 'n':
            if (cli_parse_u64(optarg, &o.max_records) != 0) {
                rc = cli_usage_error(sub, "--max-records needs a non-negative integer, not '%s'", optarg);
                goto out;
            }
            break;
        case 'I':
        case 's':
        case 'c': {
            uint64_t v;
            if (cli_parse_u64(optarg, &v) != 0 || v > 86400000 || (opt == 'c' && v < 1)) {
                rc = cli_usage_error(sub, "--%s needs milliseconds, not '%s'",
                                     opt == 'I' ? "idle-exit" : opt == 's' ? "stats-interval" : "commit-interval", optarg);
                goto out;
            }
            if (opt == 'I')
                o.idle_exit_ms = (int)v;
            else if (opt == 's')
                stats_ms = (int)v;
            else
                o.commit_interval_ms = (int)v;
            break;
        }
        case 'P':
            if (cli_inputs_add_positional(&replay, sub, 2, (char *[]){NULL, optarg}, 1) < 0) {
                rc = CLI_EXIT_USAGE;
                goto out;
            }
            break;
        case 'p': {
            uint64_t v;
            if (cli_parse_u64(optarg, &v) != 0 || v < 1 || v > 1024) {
                rc = cli_usage_error(sub, "--mock-partitions takes 1..1024, not '%s'", optarg);
                goto out;
            }
            mock_parts = (int)v;
            break;
        }
        case 'F':
            if (parse_format(optarg, &replay_fmt) != 0) {
                rc = cli_usage_error(sub, "--replay-format takes json or binary, not '%s'", optarg);
                goto out;
            }
            break;
        case 'j': json = 1; break;
        case 'q': cli_quiet = 1; break;
        case 'v': verbose = 1; break;
        case 'h':
            detect_help();
            goto out;
        default:
            rc = cli_usage_error(sub, "unknown option");
            goto out;
        }
    }
    if (optind < argc) {
        rc = cli_usage_error(sub, "unexpected argument '%s'", argv[optind]);
        goto out;
    }
    if (!o.group) {
        rc = cli_usage_error(sub, "--group is required");
        goto out;
    }
    if (!model_path) {
        rc = cli_usage_error(sub, "--model is required (a model file, or 'none')");
        goto out;
    }
    if (replay.n && (!k.brokers || strcmp(k.brokers, "mock") != 0)) {
        rc = cli_usage_error(sub, "--replay works with --brokers mock only (use 'stream produce' otherwise)");
        goto out;
    }
    mqttids_set_log(log_to_stderr, NULL);
    if ((rc = kconf_finish(&k, sub, 1)) != CLI_EXIT_OK)
        goto out;
    if (mqttids_kconf_mock(k.kc)) {
        char alerts[512];
        snprintf(alerts, sizeof alerts, "%s.alerts", k.topic);
        if (mqttids_mock_topic_create(mqttids_kconf_mock(k.kc), k.topic, mock_parts, errbuf) != MQTTIDS_OK ||
            mqttids_mock_topic_create(mqttids_kconf_mock(k.kc), o.alerts_topic ? o.alerts_topic : alerts, mock_parts,
                                      errbuf) != MQTTIDS_OK) {
            cli_err("%s", errbuf);
            rc = CLI_EXIT_FAIL;
            goto out;
        }
    }

    /* the classifier */
    if (strcmp(model_path, "none") == 0) {
        ctx.nclasses = MQTTIDS_NCLASS;
        for (int c = 0; c < MQTTIDS_NCLASS; c++)
            ctx.names[c] = mqttids_class_name(c);
        o.classify = classify_label;
        o.model_id = "none";
        o.quiet_class = MQTTIDS_CLASS_LEGITIMATE;
    } else {
        if (mqttids_model_load(model_path, &ctx.model, errbuf) != MQTTIDS_OK) {
            cli_err("%s", errbuf);
            rc = CLI_EXIT_FAIL;
            goto out;
        }
        ctx.nclasses = mqttids_model_nclasses(ctx.model);
        if (ctx.nclasses < 1 || ctx.nclasses > 64) {
            cli_err("%s: %d classes (1..64 supported)", model_path, ctx.nclasses);
            rc = CLI_EXIT_FAIL;
            goto out;
        }
        o.quiet_class = -1;
        for (int c = 0; c < ctx.nclasses; c++) {
            ctx.names[c] = mqttids_model_class_name(ctx.model, c);
            if (mqttids_class_find(ctx.names[c], strlen(ctx.names[c])) == MQTTIDS_CLASS_LEGITIMATE)
                o.quiet_class = c;
        }
        o.n_extra = mqttids_model_n_extra(ctx.model);
        if (o.n_extra > 64) {
            cli_err("%s: too many extra inputs", model_path);
            rc = CLI_EXIT_FAIL;
            goto out;
        }
        for (size_t x = 0; x < o.n_extra; x++)
            extra_names[x] = mqttids_model_extra_name(ctx.model, x);
        o.extra_names = extra_names;
        o.classify = classify_model;
        o.model_id = mqttids_model_id(ctx.model);
    }
    o.classify_user = &ctx;
    o.class_names = ctx.names;
    o.nclasses = ctx.nclasses;
    ctx.alert_all = o.alert_all;
    ctx.quiet_class = o.quiet_class;

    /* sinks */
    if (log_path) {
        ctx.log = fopen(log_path, "a");
        if (!ctx.log) {
            cli_err("--log %s: %s", log_path, strerror(errno));
            rc = CLI_EXIT_FAIL;
            goto out;
        }
    }
    if (db) {
        /* alerts also go to PostgreSQL through mqttids_store_sink (docs/internals/store.md);
         * a build without libpq answers MQTTIDS_ERR_UNSUPPORTED from mqttids_store_open */
        if (mqttids_store_open(db, &ctx.db, errbuf) != MQTTIDS_OK) {
            char shown[512];
            mqttids_store_mask_conninfo(db, shown, sizeof shown);
            cli_err("%s (connection: %s)", errbuf, shown);
            rc = CLI_EXIT_FAIL;
            goto out;
        }
        if (mqttids_store_sink_open(ctx.db, db_table ? db_table : MQTTIDS_STORE_DEFAULT_PRED_TABLE, o.model_id, 0,
                                    &ctx.sink) != MQTTIDS_OK) {
            cli_err("PostgreSQL: %s", mqttids_store_errmsg(ctx.db));
            rc = CLI_EXIT_FAIL;
            goto out;
        }
        for (int c = 0; c < ctx.nclasses; c++)
            ctx.sink_class[c] = mqttids_class_find(ctx.names[c], strlen(ctx.names[c]));
    }
    o.topic = k.topic;
    o.stop = &stop_flag;
    o.on_record = (ctx.log || ctx.sink) ? on_record : NULL;
    o.on_sync = (ctx.log || ctx.sink) ? on_sync : NULL;
    o.on_malformed = on_malformed;
    o.on_stats = stats_ms > 0 ? on_stats : NULL;
    o.stats_interval_ms = stats_ms > 0 ? stats_ms : 1000;
    ctx.stats_ms = stats_ms;
    ctx.last_print = -1e9;
    o.user = &ctx;
    install_signals();

    if (replay.n) {
        rc = cli_inputs_load(&replay, &rds, NULL);
        if (rc != CLI_EXIT_OK)
            goto out;
        job.kc = k.kc;
        job.ds = rds;
        mqttids_produce_opts_init(&job.po);
        job.po.topic = k.topic;
        job.po.format = replay_fmt;
        job.po.stop = &stop_flag;
        if (!o.max_records)
            o.max_records = mqttids_dataset_nrows(rds);
        /* started by on_stats once this member holds partitions, so the clock of the
         * end-to-end figure does not include joining the group */
        ctx.job = &job;
        ctx.th = &th;
        ctx.have_thread = &have_thread;
        o.on_stats = on_stats;
        o.stats_interval_ms = 20;
    }

    err = mqttids_stream_detect(k.kc, &o, &st, errbuf);
    if (err != MQTTIDS_OK) {
        cli_err("%s", errbuf);
        rc = CLI_EXIT_FAIL;
    }
    if (replay.n && !have_thread) {
        cli_err("replay: never started (no partitions assigned)");
        rc = CLI_EXIT_FAIL;
    }
    if (have_thread) {
        if (err != MQTTIDS_OK)
            stop_flag = 1;
        pthread_join(th, NULL);
        have_thread = 0;
        if (job.err != MQTTIDS_OK) {
            cli_err("replay: %s", job.errbuf);
            rc = CLI_EXIT_FAIL;
        }
    }
    if (ctx.sink) {
        uint64_t rows = 0;
        if (rc == CLI_EXIT_OK && !ctx.sink_failed) {
            if (mqttids_store_sink_close(ctx.sink, &rows) != MQTTIDS_OK) {
                cli_err("PostgreSQL: %s", mqttids_store_errmsg(ctx.db));
                rc = CLI_EXIT_FAIL;
            }
        } else {
            mqttids_store_sink_abort(ctx.sink);
        }
        ctx.sink = NULL;
        cli_info("PostgreSQL: %llu alert rows written", (unsigned long long)rows);
    }
    {
        double busy = st.busy_seconds;
        cli_info("%s: consumed %llu, classified %llu, malformed %llu, classify failed %llu, alerted %llu, acked %llu, "
                 "committed %llu, lag %lld, rebalances %llu; %.3f s busy, %.0f records/s, classifier %.0f records/s",
                 k.topic, (unsigned long long)st.consumed, (unsigned long long)st.classified,
                 (unsigned long long)st.malformed, (unsigned long long)st.classify_failed,
                 (unsigned long long)st.alerted, (unsigned long long)st.acked, (unsigned long long)st.committed,
                 (long long)st.lag, (unsigned long long)st.rebalances, busy,
                 busy > 0 ? (double)st.consumed / busy : 0.0,
                 st.classify_seconds > 0 ? (double)st.classified / st.classify_seconds : 0.0);
        if (json) {
            json_object *js = json_object_new_object();
            json_object_object_add(js, "topic", json_object_new_string(k.topic));
            json_object_object_add(js, "group", json_object_new_string(o.group));
            json_object_object_add(js, "model", json_object_new_string(o.model_id ? o.model_id : ""));
            json_object_object_add(js, "consumed", json_object_new_int64((int64_t)st.consumed));
            json_object_object_add(js, "classified", json_object_new_int64((int64_t)st.classified));
            json_object_object_add(js, "malformed", json_object_new_int64((int64_t)st.malformed));
            json_object_object_add(js, "classify_failed", json_object_new_int64((int64_t)st.classify_failed));
            json_object_object_add(js, "alerted", json_object_new_int64((int64_t)st.alerted));
            json_object_object_add(js, "acked", json_object_new_int64((int64_t)st.acked));
            json_object_object_add(js, "committed", json_object_new_int64((int64_t)st.committed));
            json_object_object_add(js, "lag", json_object_new_int64(st.lag));
            json_object_object_add(js, "rebalances", json_object_new_int64((int64_t)st.rebalances));
            json_object_object_add(js, "seconds", cli_json_double(st.seconds));
            json_object_object_add(js, "busy_seconds", cli_json_double(busy));
            json_object_object_add(js, "first_unix", cli_json_double(st.first_unix));
            json_object_object_add(js, "last_ack_unix", cli_json_double(st.last_ack_unix));
            json_object_object_add(js, "records_per_second",
                                   cli_json_double(busy > 0 ? (double)st.consumed / busy : NAN));
            json_object_object_add(js, "classify_seconds", cli_json_double(st.classify_seconds));
            json_object_object_add(js, "classify_records_per_second",
                                   cli_json_double(st.classify_seconds > 0 ? (double)st.classified / st.classify_seconds
                                                                           : NAN));
            if (replay.n) {
                json_object *rj = json_object_new_object();
                produce_report_json(rj, k.topic, &job.rep, replay_fmt);
                json_object_object_add(js, "replay", rj);
                if (st.last_ack_unix > job.rep.start_unix && job.rep.start_unix > 0)
                    json_object_object_add(js, "end_to_end_records_per_second",
                                           cli_json_double((double)st.consumed / (st.last_ack_unix - job.rep.start_unix)));
            }
            cli_json_print(js);
            json_object_put(js);
        }
    }
out:
    if (have_thread) {
        stop_flag = 1;
        pthread_join(th, NULL);
    }
    if (ctx.sink)
        mqttids_store_sink_abort(ctx.sink);
    if (ctx.db)
        mqttids_store_close(ctx.db);
    if (ctx.log && fclose(ctx.log) != 0 && rc == CLI_EXIT_OK) {
        cli_err("--log %s: write failed", log_path);
        rc = CLI_EXIT_FAIL;
    }
    if (ctx.model)
        mqttids_model_free(ctx.model);
    mqttids_dataset_free(rds);
    mqttids_kconf_free(k.kc);
    return rc;
}

/* ================================================================================== */
/* mock-cluster                                                                       */

static void mock_help(void)
{
    printf("Usage: mqttids stream mock-cluster [--brokers-count N] [--topic NAME[:PARTITIONS]]...\n"
           "Runs librdkafka's mock cluster in this process and prints its bootstrap address on\n"
           "stdout (one line), so other processes can use it as --brokers, until SIGINT/SIGTERM.\n"
           "Topics not created here are auto-created with 4 partitions on first use.\n\n"
           "Options:\n"
           "      --brokers-count N   brokers in the cluster (default 3)\n"
           "  -t, --topic NAME[:P]    create a topic with P partitions (default 4); repeatable\n"
           "      --address-file F    also write the address to F (atomically)\n"
           "  -h, --help              this help\n");
}

static int stream_mock(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"brokers-count", required_argument, NULL, 'n'},
        {"topic", required_argument, NULL, 't'},
        {"address-file", required_argument, NULL, 'a'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *sub = "stream mock-cluster", *topics[64], *addr_file = NULL;
    int ntopics = 0, nbrokers = 3, opt, rc = CLI_EXIT_OK;
    mqttids_mock *m = NULL;
    char errbuf[MQTTIDS_ERRBUF_SIZE];

    optind = 1;
    while ((opt = getopt_long(argc, argv, "t:qh", longopts, NULL)) != -1) {
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
        case 'q': cli_quiet = 1; break;
        case 'h':
            mock_help();
            return CLI_EXIT_OK;
        default:
            return cli_usage_error(sub, "unknown option");
        }
    }
    if (optind < argc)
        return cli_usage_error(sub, "unexpected argument '%s'", argv[optind]);
    mqttids_set_log(log_to_stderr, NULL);
    install_signals();
    if (mqttids_mock_new(nbrokers, &m, errbuf) != MQTTIDS_OK) {
        cli_err("%s", errbuf);
        return CLI_EXIT_FAIL;
    }
    for (int i = 0; i < ntopics; i++) {
        char name[256];
        const char *colon = strrchr(topics[i], ':');
        uint64_t parts = 4;
        if (colon) {
            if (cli_parse_u64(colon + 1, &parts) != 0 || parts < 1 || parts > 1024 ||
                (size_t)(colon - topics[i]) >= sizeof name) {
                rc = cli_usage_error(sub, "--topic %s: expected NAME[:PARTITIONS], 1..1024 partitions", topics[i]);
                goto out;
            }
            snprintf(name, sizeof name, "%.*s", (int)(colon - topics[i]), topics[i]);
        } else {
            snprintf(name, sizeof name, "%s", topics[i]);
        }
        if (mqttids_mock_topic_create(m, name, (int)parts, errbuf) != MQTTIDS_OK) {
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
    printf("%s\n", mqttids_mock_bootstrap(m));
    fflush(stdout);
    cli_info("mock cluster of %d brokers at %s; SIGINT/SIGTERM stops it", nbrokers, mqttids_mock_bootstrap(m));
    while (!stop_flag)
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
} dump_ctx;

static int dump_msg(void *user, const void *key, size_t klen, const void *val, size_t vlen, int32_t partition,
                    int64_t offset)
{
    dump_ctx *d = user;
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

static int stream_dump(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"brokers", required_argument, NULL, 'b'},
        {"topic", required_argument, NULL, 't'},
        {"idle", required_argument, NULL, 'i'},
        {"keys", no_argument, NULL, 'k'},
        {"meta", no_argument, NULL, 'M'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *sub = "stream dump";
    kopts k = {0};
    dump_ctx d = {0, 0};
    int idle = 0, opt, rc = CLI_EXIT_OK;
    uint64_t n = 0;
    char errbuf[MQTTIDS_ERRBUF_SIZE];

    k.kc = mqttids_kconf_new();
    if (!k.kc) {
        cli_err("this build has no Kafka support");
        return CLI_EXIT_FAIL;
    }
    optind = 1;
    while ((opt = getopt_long(argc, argv, "b:t:X:qh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'b': k.brokers = optarg; break;
        case 't': k.topic = optarg; break;
        case 'X':
            if ((rc = add_x(&k, sub, optarg)) != CLI_EXIT_OK)
                goto out;
            break;
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
        case 'q': cli_quiet = 1; break;
        case 'h':
            printf("Usage: mqttids stream dump --brokers B --topic T [--idle MS] [--keys] [--meta]\n"
                   "Prints every message of T from the beginning, one value per line, and exits at\n"
                   "the end of every partition (then waits MS ms of silence with --idle). No group,\n"
                   "nothing committed.\n\n" KAFKA_HELP
                   "      --keys     print key<TAB>value\n"
                   "      --meta     print partition<TAB>offset<TAB> first\n");
            goto out;
        default:
            rc = cli_usage_error(sub, "unknown option");
            goto out;
        }
    }
    mqttids_set_log(log_to_stderr, NULL);
    if ((rc = kconf_finish(&k, sub, 1)) != CLI_EXIT_OK)
        goto out;
    install_signals();
    if (mqttids_stream_read_topic(k.kc, k.topic, idle, &stop_flag, dump_msg, &d, &n, errbuf) != MQTTIDS_OK) {
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
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *sub = "stream create-topic";
    kopts k = {0};
    int opt, rc = CLI_EXIT_OK, replication = -1, if_not = 0;
    char errbuf[MQTTIDS_ERRBUF_SIZE];

    k.kc = mqttids_kconf_new();
    if (!k.kc) {
        cli_err("this build has no Kafka support");
        return CLI_EXIT_FAIL;
    }
    optind = 1;
    while ((opt = getopt_long(argc, argv, "b:X:qh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'b': k.brokers = optarg; break;
        case 'X':
            if ((rc = add_x(&k, sub, optarg)) != CLI_EXIT_OK)
                goto out;
            break;
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
        case 'q': cli_quiet = 1; break;
        case 'h':
            printf("Usage: mqttids stream create-topic --brokers B [--replication R] [--if-not-exists] NAME[:PARTITIONS]...\n"
                   "Creates topics (Admin API) with PARTITIONS partitions (default 4) and the broker's\n"
                   "default replication unless --replication. --if-not-exists: an existing topic is fine.\n\n"
                   KAFKA_HELP);
            goto out;
        default:
            rc = cli_usage_error(sub, "unknown option");
            goto out;
        }
    }
    if (optind >= argc) {
        rc = cli_usage_error(sub, "no topic given");
        goto out;
    }
    mqttids_set_log(log_to_stderr, NULL);
    if ((rc = kconf_finish(&k, sub, 0)) != CLI_EXIT_OK)
        goto out;
    for (int i = optind; i < argc && rc == CLI_EXIT_OK; i++) {
        char name[256];
        const char *colon = strrchr(argv[i], ':');
        uint64_t parts = 4;
        int exists = 0;
        if (colon) {
            if (cli_parse_u64(colon + 1, &parts) != 0 || parts < 1 || parts > 100000 ||
                (size_t)(colon - argv[i]) >= sizeof name) {
                rc = cli_usage_error(sub, "%s: expected NAME[:PARTITIONS]", argv[i]);
                break;
            }
            snprintf(name, sizeof name, "%.*s", (int)(colon - argv[i]), argv[i]);
        } else {
            snprintf(name, sizeof name, "%s", argv[i]);
        }
        if (mqttids_stream_create_topic(k.kc, name, (int)parts, replication, &exists, errbuf) != MQTTIDS_OK) {
            if (exists && if_not) {
                cli_info("%s exists already", name);
                continue;
            }
            cli_err("%s", errbuf);
            rc = CLI_EXIT_FAIL;
            break;
        }
        cli_info("created %s with %llu partitions", name, (unsigned long long)parts);
    }
out:
    mqttids_kconf_free(k.kc);
    return rc;
}

/* ================================================================================== */

int cmd_stream(int argc, char **argv)
{
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
    if (strcmp(argv[1], "produce") == 0)
        return stream_produce(argc - 1, argv + 1);
    if (strcmp(argv[1], "detect") == 0)
        return stream_detect(argc - 1, argv + 1);
    if (strcmp(argv[1], "mock-cluster") == 0)
        return stream_mock(argc - 1, argv + 1);
    if (strcmp(argv[1], "dump") == 0)
        return stream_dump(argc - 1, argv + 1);
    if (strcmp(argv[1], "create-topic") == 0)
        return stream_create_topic(argc - 1, argv + 1);
    return cli_usage_error("stream", "unknown subcommand '%s'", argv[1]);
}
