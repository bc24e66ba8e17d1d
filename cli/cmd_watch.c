/*
 * cmd_watch.c: "mqttids watch": option parsing and the summary around the library's
 * capture detector (mqttids_detect_capture, src/detect/): live capture or a pcap replayed
 * through the same path -> features -> model -> decision -> EVE alerts to JSON lines,
 * PostgreSQL and Kafka.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli_detect.h"

const char cmd_watch_summary[] = "live capture (or pcap replay) -> features -> model -> EVE-style JSON alerts";

static void help(void)
{
    printf("Usage: mqttids watch (-i IFACE | -r FILE) --model MODEL [options]\n"
           "Captures MQTT traffic (libpcap), turns every TCP packet into the 33 MQTTset\n"
           "features (the rows `mqttids extract` writes), classifies it with MODEL and writes one\n"
           "JSON line per detection (a class other than legitimate), shaped like a Suricata EVE\n"
           "alert: timestamp, flow_id, event_type \"alert\", src_ip/src_port/dest_ip/dest_port,\n"
           "proto, alert {signature, category (the class), severity}, probability, model.\n"
           "Per-second counters (packets, alerts per class, drops) go to stderr on a terminal or\n"
           "with --stats; SIGINT/SIGTERM stop cleanly with a summary. A model trained with\n"
           "flow-context columns (ctx.*, `extract --context`) gets them computed live, with the\n"
           "same bounded stream and source tables. For a model to deploy, see\n"
           "`mqttids train --recipe detector` (docs/internals/detect.md).\n\n"
           "Options:\n"
           "  -i, --interface IFACE  capture live on IFACE (needs root or CAP_NET_RAW)\n"
           "  -r, --read FILE        replay a pcap/pcapng file through the same path\n"
           "  -m, --model MODEL      model file (mqttids model format)\n"
           "  -f, --filter BPF       capture filter (default live: 'tcp port 1883')\n"
           "      --port N           TCP port decoded as MQTT (repeatable; default 1883)\n"
           "  -o, --output FILE      alerts to FILE (appended; default stdout)\n"
           "      --stats            per-second counters on stderr even when not a terminal\n"
           "      --max-streams N    stream table cap (default 1048576)\n"
           "      --idle-timeout S   forget TCP streams idle for S seconds (live default 600)\n"
           "      --json             the final summary as JSON on stdout (needs -o FILE)\n"
           "      --db CONNINFO      also write each alert to PostgreSQL (libpq string or URI)\n"
           "      --pred-table NAME  ... into this [schema.]table (default " MQTTIDS_DETECT_DEFAULT_TABLE "), created\n"
           "                         when missing; live, committed at most once a second\n"
           "      --brokers B        also produce each alert to Kafka (host:port list)\n"
           "      --alerts-topic T   ... to this topic (default " MQTTIDS_DETECT_DEFAULT_TOPIC "), keyed by TCP stream\n"
           "  -X key=value           a librdkafka setting for that producer (repeatable)\n"
           "  -q, --quiet            no summary\n"
           "  -h, --help             this help\n\n" CLI_DETECT_HELP);
}

typedef struct watch_args {
    const char *iface, *file, *model_path, *out_path, *db, *pred_table, *brokers, *alerts_topic;
    const char *xset[32];
    int nx, nports, stats, json;
    double idle;
    mqttids_capture_opts co;
    mqttids_detect_capture_opts dopts;
} watch_args;

static int parse_number_opt(watch_args *w, int c, const char *arg)
{
    uint64_t v;
    char *e;
    switch (c) {
    case 'P':
        if (w->nports >= MQTTIDS_CAPTURE_MAX_PORTS || cli_parse_u64(arg, &v) < 0 || v < 1 || v > 65535)
            return cli_usage_error("watch", "--port takes a port number 1-65535, not '%s'", arg);
        w->co.mqtt_ports[w->nports++] = (uint16_t)v; /* the first --port replaces the default */
        w->co.n_mqtt_ports = w->nports;
        return CLI_EXIT_OK;
    case 'M':
        if (cli_parse_u64(arg, &v) < 0 || v == 0)
            return cli_usage_error("watch", "--max-streams takes a positive number, not '%s'", arg);
        w->co.max_streams = (size_t)v;
        return CLI_EXIT_OK;
    default: /* 'I' */
        w->idle = strtod(arg, &e);
        if (*arg == '\0' || *e || w->idle < 0)
            return cli_usage_error("watch", "--idle-timeout takes seconds >= 0, not '%s'", arg);
        return CLI_EXIT_OK;
    }
}

/* getopt loop and the checks between options. Returns CLI_OPT_NEXT to go on, else the exit code. */
static int parse_args(watch_args *w, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"interface", required_argument, NULL, 'i'}, {"read", required_argument, NULL, 'r'},
        {"model", required_argument, NULL, 'm'},     {"filter", required_argument, NULL, 'f'},
        {"port", required_argument, NULL, 'P'},      {"output", required_argument, NULL, 'o'},
        {"stats", no_argument, NULL, 'S'},           {"max-streams", required_argument, NULL, 'M'},
        {"idle-timeout", required_argument, NULL, 'I'},
        {"db", required_argument, NULL, 'D'},        {"pred-table", required_argument, NULL, 'T'},
        {"brokers", required_argument, NULL, 'B'},   {"alerts-topic", required_argument, NULL, 'K'},
        {NULL, 0, NULL, 0},
    };
    cli_opts co;
    int c, r;
    co = CLI_OPTS(.cmd = "watch", .help = help, .rule = &w->dopts.rule);
    while ((c = cli_opts_next(&co, argc, argv, "i:r:m:f:o:X:", longopts)) != 0) {
        switch (c) {
        case 'i': w->iface = optarg; break;
        case 'r': w->file = optarg; break;
        case 'm': w->model_path = optarg; break;
        case 'f': w->co.filter = optarg; break;
        case 'o': w->out_path = optarg; break;
        case 'S': w->stats = 1; break;
        case 'D': w->db = optarg; break;
        case 'T': w->pred_table = optarg; break;
        case 'B': w->brokers = optarg; break;
        case 'K': w->alerts_topic = optarg; break;
        case 'X':
            if (w->nx == (int)(sizeof w->xset / sizeof w->xset[0]))
                return cli_usage_error("watch", "at most 32 -X settings");
            w->xset[w->nx++] = optarg;
            break;
        case 'P':
        case 'M':
        case 'I':
            if ((r = parse_number_opt(w, c, optarg)) != CLI_EXIT_OK)
                return r;
            break;
        }
    }
    if (co.rc != CLI_OPT_NEXT)
        return co.rc;
    w->json = co.tail.json;
    if (!w->iface == !w->file)
        return cli_usage_error("watch", "give exactly one of -i IFACE or -r FILE");
    if (!w->model_path)
        return cli_usage_error("watch", "--model MODEL is required");
    if (w->pred_table && !w->db)
        return cli_usage_error("watch", "--pred-table needs --db CONNINFO");
#if !MQTTIDS_WITH_PG
    if (w->db)
        return cli_usage_error("watch", "--db: this build has no PostgreSQL support");
#endif
    if ((w->alerts_topic || w->nx) && !w->brokers)
        return cli_usage_error("watch", "--alerts-topic and -X need --brokers B");
#if !MQTTIDS_WITH_KAFKA
    if (w->brokers)
        return cli_usage_error("watch", "--brokers: this build has no Kafka support");
#endif
    if (w->json && !w->out_path)
        return cli_usage_error("watch", "--json prints the summary on stdout: give alerts with -o FILE");
    w->co.idle_timeout_s = w->idle >= 0 ? w->idle : (w->iface ? 600 : 0);
    if (cli_out_check(w->out_path) != 0) /* before the capture starts */
        return CLI_EXIT_FAIL;
    return CLI_OPT_NEXT;
}

/* The Kafka output: settings from --brokers and -X. Returns an exit code. */
static int open_kafka(const watch_args *w, mqttids_alert_out *out)
{
    char errbuf[MQTTIDS_ERRBUF_SIZE];
    mqttids_kconf *kc = mqttids_kconf_new();
    int rc = CLI_EXIT_OK;
    if (!kc || mqttids_kconf_brokers(kc, w->brokers, errbuf) != MQTTIDS_OK) {
        cli_err("%s", kc ? errbuf : "out of memory");
        rc = CLI_EXIT_FAIL;
    }
    for (int q = 0; q < w->nx && rc == CLI_EXIT_OK; q++)
        if (mqttids_kconf_set(kc, w->xset[q], errbuf) != MQTTIDS_OK)
            rc = cli_usage_error("watch", "-X %s: %s", w->xset[q], errbuf);
    if (rc == CLI_EXIT_OK && mqttids_alert_out_kafka(out, kc, w->alerts_topic, errbuf) != MQTTIDS_OK) {
        cli_err("%s", errbuf);
        rc = CLI_EXIT_FAIL;
    }
    mqttids_kconf_free(kc);
    return rc;
}

/* JSON lines (stdout or -o, appended), PostgreSQL, Kafka. Returns an exit code. */
static int open_outputs(const watch_args *w, const mqttids_model *model, FILE **fp, mqttids_alert_out **out)
{
    char errbuf[MQTTIDS_ERRBUF_SIZE];
    if (mqttids_alert_out_new(out) != MQTTIDS_OK) {
        cli_err("out of memory");
        return CLI_EXIT_FAIL;
    }
    *fp = stdout;
    if (w->out_path && strcmp(w->out_path, "-") != 0 && !(*fp = fopen(w->out_path, "a"))) {
        cli_err("%s: cannot open for appending", w->out_path);
        return CLI_EXIT_FAIL;
    }
    mqttids_alert_out_json(*out, *fp);
    if (w->db && mqttids_alert_out_pg(*out, w->db, w->pred_table, mqttids_model_id(model), errbuf) != MQTTIDS_OK) {
        cli_err("%s", errbuf);
        return CLI_EXIT_FAIL;
    }
    return w->brokers ? open_kafka(w, *out) : CLI_EXIT_OK;
}

typedef struct tick_ctx {
    mqttids_capture *cap;
    const mqttids_model *model;
} tick_ctx;

/* Per-second counters on stderr. */
static void tick(void *user, const mqttids_detect_run *run)
{
    tick_ctx *t = user;
    mqttids_capture_stats cs;
    int nc = mqttids_model_nclasses(t->model);
    mqttids_capture_get_stats(t->cap, &cs);
    fprintf(stderr, "[%6.0fs] packets %llu rows %llu alerts %llu (", run->seconds, (unsigned long long)cs.packets,
            (unsigned long long)run->rows, (unsigned long long)run->alerts);
    for (int k = 0; k < nc; k++)
        fprintf(stderr, "%s%s %llu", k ? ", " : "", mqttids_model_class_name(t->model, k),
                (unsigned long long)run->per_class[k]);
    fprintf(stderr, ") drops %llu/%llu\n", (unsigned long long)cs.drops, (unsigned long long)cs.if_drops);
}

static void summary(const watch_args *w, mqttids_capture *cap, const mqttids_model *model,
                    const mqttids_detect_run *run, const mqttids_alert_out_stats *os)
{
    mqttids_capture_stats cs;
    int nc = mqttids_model_nclasses(model);
    mqttids_capture_get_stats(cap, &cs);
    {
        /* rows without MQTT make every packet look alike to the model: say so */
        char hint[256];
        if (mqttids_capture_port_hint(&cs, &w->co, hint, sizeof hint))
            cli_err("warning: %s: %s (the alerts above were raised without MQTT fields)", w->file ? w->file : w->iface,
                    hint);
    }
    if (!cli_quiet) {
        fprintf(stderr, "watch: %s%llu packets, %llu rows, %llu alerts in %.1f s; drops %llu (interface %llu)",
                cli_stop ? "stopped by signal; " : "", (unsigned long long)cs.packets, (unsigned long long)run->rows,
                (unsigned long long)run->alerts, run->seconds, (unsigned long long)cs.drops,
                (unsigned long long)cs.if_drops);
        for (int k = 0; k < nc; k++)
            if (run->per_class[k])
                fprintf(stderr, "%s%s %llu", k ? ", " : "; ", mqttids_model_class_name(model, k),
                        (unsigned long long)run->per_class[k]);
        fputc('\n', stderr);
        if (w->dopts.rule.by != MQTTIDS_ALERT_BY_PACKET)
            cli_info("watch: by %s: %zu groups, %llu alerting rows folded into them, %llu groups forgotten",
                     mqttids_alert_by_name(w->dopts.rule.by), run->groups, (unsigned long long)run->suppressed,
                     (unsigned long long)run->evicted);
        if (w->brokers)
            cli_info("watch: %llu alerts delivered to Kafka topic %s", (unsigned long long)os->kafka_sent,
                     w->alerts_topic ? w->alerts_topic : MQTTIDS_DETECT_DEFAULT_TOPIC);
    }
    if (w->json) {
        json_object *j = json_object_new_object(), *pc = json_object_new_object();
        json_object_object_add(j, "source", json_object_new_string(w->iface ? w->iface : w->file));
        json_object_object_add(j, "model", json_object_new_string(mqttids_model_id(model)));
        json_object_object_add(j, "packets", json_object_new_int64((int64_t)cs.packets));
        json_object_object_add(j, "rows", json_object_new_int64((int64_t)run->rows));
        json_object_object_add(j, "alerts", json_object_new_int64((int64_t)run->alerts));
        for (int k = 0; k < nc; k++)
            json_object_object_add(pc, mqttids_model_class_name(model, k), json_object_new_int64((int64_t)run->per_class[k]));
        json_object_object_add(j, "alerts_per_class", pc);
        json_object_object_add(j, "alert_by", json_object_new_string(mqttids_alert_by_name(w->dopts.rule.by)));
        json_object_object_add(j, "suppressed", json_object_new_int64((int64_t)run->suppressed));
        json_object_object_add(j, "groups", json_object_new_int64((int64_t)run->groups));
        json_object_object_add(j, "drops", json_object_new_int64((int64_t)cs.drops));
        json_object_object_add(j, "if_drops", json_object_new_int64((int64_t)cs.if_drops));
        json_object_object_add(j, "stopped_by_signal", json_object_new_boolean(cli_stop != 0));
        json_object_object_add(j, "seconds", cli_json_double(run->seconds));
        cli_json_print(j);
        json_object_put(j);
    }
}

static mqttids_capture *g_cap;
static void break_capture(void)
{
    if (g_cap)
        mqttids_capture_breakloop(g_cap);
}

int cmd_watch(int argc, char **argv)
{
    watch_args w;
    char errbuf[MQTTIDS_ERRBUF_SIZE];
    mqttids_model *model = NULL;
    mqttids_capture *cap = NULL;
    mqttids_alert_out *out = NULL;
    mqttids_alert_out_stats os;
    mqttids_detect_run run;
    tick_ctx tc;
    FILE *fp = NULL;
    mqttids_err err;
    int rc;

    memset(&w, 0, sizeof w);
    memset(&os, 0, sizeof os);
    w.idle = -1;
    mqttids_capture_opts_init(&w.co);
    mqttids_detect_capture_opts_init(&w.dopts);
    if ((rc = parse_args(&w, argc, argv)) != CLI_OPT_NEXT)
        return rc;
    cli_log_to_stderr(0);
    if (mqttids_model_load(w.model_path, &model, errbuf) != MQTTIDS_OK) {
        cli_err("%s", errbuf);
        return CLI_EXIT_FAIL;
    }
    if (mqttids_detect_model_check(model, &w.co.context, errbuf) != MQTTIDS_OK) {
        cli_err("%s: %s", w.model_path, errbuf);
        rc = CLI_EXIT_FAIL;
        goto out;
    }
    if ((rc = open_outputs(&w, model, &fp, &out)) != CLI_EXIT_OK)
        goto out;
    err = w.iface ? mqttids_capture_open_live(w.iface, &w.co, &cap, errbuf)
                  : mqttids_capture_open_file(w.file, &w.co, &cap, errbuf);
    if (err != MQTTIDS_OK) {
        cli_err("%s", errbuf);
        rc = CLI_EXIT_FAIL;
        goto out;
    }
    g_cap = cap;
    cli_signals_install(break_capture);
    if (!cli_quiet)
        cli_info("watch: %s %s, model %s (%s), filter '%s'", w.iface ? "interface" : "file",
                 w.iface ? w.iface : w.file, mqttids_model_id(model), mqttids_model_kind(model),
                 w.co.filter ? w.co.filter : w.iface ? "tcp port 1883" : "");
    tc.cap = cap;
    tc.model = model;
    w.dopts.live = w.iface != NULL;
    w.dopts.mqtt_ports = w.co.mqtt_ports;
    w.dopts.n_mqtt_ports = w.co.n_mqtt_ports;
    w.dopts.stop = &cli_stop;
    w.dopts.tick = (w.stats || (!cli_quiet && isatty(2))) ? tick : NULL;
    w.dopts.tick_user = &tc;
    err = mqttids_detect_capture(cap, model, out, &w.dopts, &run, errbuf);
    if (err != MQTTIDS_OK) {
        cli_err("%s", errbuf);
        rc = CLI_EXIT_FAIL;
    }
    g_cap = NULL;
    if (mqttids_alert_out_close(out, &os, errbuf) != MQTTIDS_OK) {
        cli_err("%s", errbuf);
        rc = CLI_EXIT_FAIL;
    }
    out = NULL;
    if (run.output_errors) {
        cli_err("%llu alerts could not be written", (unsigned long long)run.output_errors);
        rc = CLI_EXIT_FAIL;
    }
    summary(&w, cap, model, &run, &os);
out:
    g_cap = NULL;
    mqttids_alert_out_free(out);
    if (fp && fp != stdout)
        fclose(fp);
    mqttids_capture_close(cap);
    mqttids_model_free(model);
    return rc;
}
