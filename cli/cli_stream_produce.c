/*
 * cli_stream_produce.c: "mqttids stream produce": CSV inputs, a pcap, or raw lines into
 * a topic, keyed by flow, at a rate; the report on stderr or as JSON.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli_stream.h"

static int verbose;

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

/* A producer that stops waiting on SIGINT/SIGTERM, once a broker answered (10 s at most). */
static int producer_open(const kopts *k, mqttids_producer **p)
{
    char errbuf[MQTTIDS_ERRBUF_SIZE];
    if (mqttids_producer_new(k->kc, p, errbuf) != MQTTIDS_OK) {
        cli_err("%s", errbuf);
        return CLI_EXIT_FAIL;
    }
    mqttids_producer_set_stop(*p, &cli_stop);
    if (mqttids_producer_ping(*p, 10000, errbuf) != MQTTIDS_OK) {
        cli_err("%s: %s", k->brokers, errbuf);
        return CLI_EXIT_FAIL;
    }
    return CLI_EXIT_OK;
}

/* Records the brokers dropped after acknowledging them: an error, never a quiet loss. */
static int check_lost(const char *topic, const mqttids_produce_report *rep)
{
    if (!rep->lost)
        return CLI_EXIT_OK;
    cli_err("%s: the brokers kept only %llu of the %llu records delivered: %llu were dropped by retention "
            "before anyone read them (librdkafka's mock brokers keep about 5 MB per partition: give the topic "
            "more partitions, e.g. 'stream mock-cluster --topic %s:64')",
            topic, (unsigned long long)(rep->delivered - rep->lost), (unsigned long long)rep->delivered,
            (unsigned long long)rep->lost, topic);
    return CLI_EXIT_FAIL;
}

/* --raw and --pcap: files straight into the topic (mqttids_stream_produce_lines/_captures). */
static int produce_files(kopts *k, cli_inputs *in, const mqttids_produce_opts *po,
                         const mqttids_capture_file_opts *fo, json_object *js)
{
    mqttids_producer *p = NULL;
    mqttids_produce_report rep;
    char errbuf[MQTTIDS_ERRBUF_SIZE];
    const char *paths[256];
    int rc = CLI_EXIT_OK;
    mqttids_err err;
    for (int i = 0; i < in->n; i++)
        paths[i] = in->items[i].path;
    if (producer_open(k, &p) != CLI_EXIT_OK) {
        mqttids_producer_free(p);
        return CLI_EXIT_FAIL;
    }
    err = fo ? mqttids_stream_produce_captures(p, paths, in->n, fo, po, &rep, errbuf)
             : mqttids_stream_produce_lines(p, paths, in->n, po, &rep, errbuf);
    if (err != MQTTIDS_OK) {
        cli_err("%s", errbuf);
        rc = CLI_EXIT_FAIL;
    } else {
        rc = check_lost(k->topic, &rep);
    }
    mqttids_producer_free(p);
    cli_info("%s: %llu %s sent%s, %llu delivered, %llu failed", k->topic, (unsigned long long)rep.sent,
             fo ? "capture rows" : "lines", fo ? " (key: tcp.stream)" : "", (unsigned long long)rep.delivered,
             (unsigned long long)rep.failed);
    if (js) {
        json_object_object_add(js, "topic", json_object_new_string(k->topic));
        if (fo)
            json_object_object_add(js, "key", json_object_new_string("tcp.stream"));
        json_object_object_add(js, "sent", json_object_new_int64((int64_t)rep.sent));
        json_object_object_add(js, "delivered", json_object_new_int64((int64_t)rep.delivered));
        json_object_object_add(js, "failed", json_object_new_int64((int64_t)rep.failed));
        json_object_object_add(js, "lost", json_object_new_int64((int64_t)rep.lost));
        if (fo)
            json_object_object_add(js, "bytes", json_object_new_int64((int64_t)rep.bytes));
    }
    return rc;
}

void cli_stream_produce_report_json(json_object *js, const char *topic, const mqttids_produce_report *rep,
                                mqttids_stream_format fmt)
{
    json_object_object_add(js, "topic", json_object_new_string(topic));
    json_object_object_add(js, "format", json_object_new_string(fmt == MQTTIDS_STREAM_JSON ? "json" : "binary"));
    json_object_object_add(js, "format_version", json_object_new_int(MQTTIDS_STREAM_FORMAT_VERSION));
    json_object_object_add(js, "key", json_object_new_string(rep->key_rule));
    json_object_object_add(js, "sent", json_object_new_int64((int64_t)rep->sent));
    json_object_object_add(js, "delivered", json_object_new_int64((int64_t)rep->delivered));
    json_object_object_add(js, "failed", json_object_new_int64((int64_t)rep->failed));
    json_object_object_add(js, "lost", json_object_new_int64((int64_t)rep->lost));
    json_object_object_add(js, "bytes", json_object_new_int64((int64_t)rep->bytes));
    json_object_object_add(js, "seconds", cli_json_double(rep->seconds));
    json_object_object_add(js, "start_unix", cli_json_double(rep->start_unix));
    json_object_object_add(js, "records_per_second",
                           cli_json_double(rep->seconds > 0 ? (double)rep->delivered / rep->seconds : NAN));
}

/* --format, --rate, --id-base, --label. Returns an exit code. */
static int parse_value(mqttids_produce_opts *po, int *label, const char *sub, int opt, const char *arg)
{
    char *end;
    switch (opt) {
    case 'f':
        if (cli_stream_parse_format(arg, &po->format) != 0)
            return cli_usage_error(sub, "--format takes json or binary, not '%s'", arg);
        break;
    case 'r':
        po->rate = strtod(arg, &end);
        if (*end == '/' && strcmp(end, "/s") == 0)
            end += 2;
        if (*end || !(po->rate > 0))
            return cli_usage_error(sub, "--rate needs a positive number of records per second, not '%s'", arg);
        break;
    case 'i':
        if (cli_parse_u64(arg, &po->id_base) != 0)
            return cli_usage_error(sub, "--id-base needs a non-negative integer, not '%s'", arg);
        break;
    default: /* 'L' */
        *label = mqttids_class_find(arg, strlen(arg));
        if (*label < 0)
            return cli_usage_error(sub, "--label: unknown class '%s'", arg);
    }
    return CLI_EXIT_OK;
}

/* CSV (or PostgreSQL) inputs: loaded into a dataset, then sent row by row. */
static int produce_dataset(kopts *k, cli_inputs *in, mqttids_produce_opts *po, json_object *js)
{
    mqttids_produce_report rep;
    mqttids_dataset *ds = NULL;
    mqttids_producer *p = NULL;
    char errbuf[MQTTIDS_ERRBUF_SIZE];
    int rc;
    /* the brokers first: a wrong address fails before the data is read */
    if (producer_open(k, &p) != CLI_EXIT_OK) {
        mqttids_producer_free(p);
        return CLI_EXIT_FAIL;
    }
    if ((rc = cli_inputs_load(in, &ds, js)) != CLI_EXIT_OK) {
        mqttids_producer_free(p);
        return rc;
    }
    if (!cli_quiet && isatty(2))
        po->progress = cli_progress;
    if (mqttids_stream_produce(p, ds, po, &rep, errbuf) != MQTTIDS_OK) {
        cli_err("%s", errbuf);
        rc = CLI_EXIT_FAIL;
    } else {
        rc = check_lost(k->topic, &rep);
    }
    cli_progress_done();
    cli_info("%s: %llu records sent (%s, key: %s), %llu delivered, %llu failed, %.3f s, %.0f records/s",
             k->topic, (unsigned long long)rep.sent, po->format == MQTTIDS_STREAM_JSON ? "json" : "binary",
             rep.key_rule, (unsigned long long)rep.delivered, (unsigned long long)rep.failed, rep.seconds,
             rep.seconds > 0 ? (double)rep.delivered / rep.seconds : 0.0);
    if (js)
        cli_stream_produce_report_json(js, k->topic, &rep, po->format);
    mqttids_producer_free(p);
    mqttids_dataset_free(ds);
    return rc;
}

int cli_stream_produce(int argc, char **argv)
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
        {"verbose", no_argument, NULL, 'v'},
        {NULL, 0, NULL, 0},
    };
    const char *sub = "stream produce";
    kopts k = {0};
    cli_inputs in;
    mqttids_produce_opts po;
    json_object *js = NULL;
    int json = 0, raw = 0, pcap = 0, context = 0, label = -1, opt, rc = CLI_EXIT_OK;
    cli_opts co;

    if (!(k.kc = cli_kconf_new()))
        return CLI_EXIT_FAIL;
    cli_inputs_init(&in);
    mqttids_produce_opts_init(&po);
    co = CLI_OPTS(.cmd = sub, .help = produce_help, .in = &in, .kafka = &k);
    while ((opt = cli_opts_next(&co, argc, argv, "b:t:X:v", longopts)) != 0) {
        switch (opt) {
        case 'f':
        case 'r':
        case 'i':
        case 'L':
            if ((rc = parse_value(&po, &label, sub, opt, optarg)) != CLI_EXIT_OK)
                goto out;
            break;
        case 'k': po.key_column = optarg; break;
        case 'R': raw = 1; break;
        case 'P': pcap = 1; break;
        case 'C': context = 1; break;
        case 'v': verbose = 1; break;
        }
    }
    if (co.rc != CLI_OPT_NEXT) {
        rc = co.rc;
        goto out;
    }
    json = co.tail.json;
    cli_log_to_stderr(verbose);
    if ((rc = cli_stream_kconf_finish(&k, sub, 1)) != CLI_EXIT_OK)
        goto out;
    cli_signals_install(NULL);
    if ((raw || pcap) && in.n == 0) {
        rc = cli_usage_error(sub, raw ? "--raw needs at least one PATH" : "--pcap needs at least one capture PATH");
        goto out;
    }
    if (json)
        js = json_object_new_object();
    po.topic = k.topic;
    po.stop = &cli_stop;
    if (raw || pcap) {
        mqttids_capture_file_opts fo = {label, context};
        rc = produce_files(&k, &in, &po, raw ? NULL : &fo, js);
    } else {
        rc = produce_dataset(&k, &in, &po, js);
    }
out:
    if (js && rc != CLI_EXIT_USAGE)
        cli_json_print(js);
    json_object_put(js);
    mqttids_kconf_free(k.kc);
    return rc;
}
