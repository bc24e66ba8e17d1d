/*
 * cmd_watch.c: "mqttids watch": live capture (or a pcap replayed through the same path)
 * -> MQTTset features -> a trained model -> one JSON alert line per detection, shaped
 * like Suricata EVE alerts so log pipelines take them as is.
 *
 * Sinks: alerts go through the watch_sink list below; the JSON-lines sink (stdout or
 * --output) is built in. SINK HOOK (Kafka / PostgreSQL): those modules add a sink there.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"
#include "mqttids/capture.h"
#include "mqttids/model.h"
#include "mqttids/config.h"
#if MQTTIDS_WITH_PG
#include "mqttids/store.h"
#endif
#if MQTTIDS_WITH_KAFKA
#include "mqttids/stream.h"
#endif

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
           "same bounded stream and source tables.\n\n"
           "Options:\n"
           "  -i, --interface IFACE  capture live on IFACE (needs root or CAP_NET_RAW)\n"
           "  -r, --read FILE        replay a pcap/pcapng file through the same path\n"
           "  -m, --model MODEL      model file (mqttids model format)\n"
           "  -f, --filter BPF       capture filter (default live: 'tcp port 1883')\n"
           "      --port N           TCP port decoded as MQTT (repeatable; default 1883)\n"
           "  -o, --output FILE      alerts to FILE (appended; default stdout)\n"
           "      --alert-all        an event for every packet, legitimate too\n"
           "      --stats            per-second counters on stderr even when not a terminal\n"
           "      --max-streams N    stream table cap (default 1048576)\n"
           "      --idle-timeout S   forget TCP streams idle for S seconds (live default 600)\n"
           "      --json             the final summary as JSON on stdout (needs -o FILE)\n"
           "      --db CONNINFO      also write each alert to PostgreSQL (libpq string or URI)\n"
           "      --pred-table NAME  ... into this [schema.]table (default mqtt.alerts), created\n"
           "                         when missing; live, committed at most once a second\n"
           "      --brokers B        also produce each alert to Kafka (host:port list)\n"
           "      --alerts-topic T   ... to this topic (default mqttids.alerts), keyed by TCP stream\n"
           "  -X key=value           a librdkafka setting for that producer (repeatable)\n"
           "  -q, --quiet            no summary\n"
           "  -h, --help             this help\n");
}

/* ---------------------------------------------------------------------------------- */
/* Sinks. */

typedef struct watch_alert {
    const mqttids_flow *flow;
    const mqttids_record *rec;
    int cls;
    const char *cls_name;
    double probability;
    const char *model_id;
    const char *json; /* the EVE line, without newline */
} watch_alert;

typedef struct watch_sink {
    const char *name;
    int (*put)(void *user, const watch_alert *a); /* 0 ok, -1 failed */
    int (*flush)(void *user);
    void (*close)(void *user);
    void *user;
} watch_sink;

typedef struct json_sink {
    FILE *fp;
    int owned;
} json_sink;

static int json_put(void *u, const watch_alert *a)
{
    json_sink *s = u;
    fputs(a->json, s->fp);
    fputc('\n', s->fp);
    return ferror(s->fp) ? -1 : 0;
}
static int json_flush(void *u)
{
    json_sink *s = u;
    return fflush(s->fp) == 0 ? 0 : -1;
}
static void json_close(void *u)
{
    json_sink *s = u;
    if (s->owned)
        fclose(s->fp);
    else
        fflush(s->fp);
}

#if MQTTIDS_WITH_PG
/*
 * PostgreSQL sink: one predictions-table row per alert (row_id = the frame number, time =
 * the packet time). Live, rows are committed at most once a second, so a flood of alerts
 * does not become a flood of transactions; everything queued is committed at the end.
 */
typedef struct pg_sink {
    mqttids_store *st;
    mqttids_store_sink *s;
    double last_flush;
} pg_sink;

static int pg_put(void *u, const watch_alert *a)
{
    pg_sink *p = u;
    mqttids_prediction pr;
    pr.row_id = (int64_t)a->flow->frame;
    pr.time = (double)a->flow->ts_sec + (double)a->flow->ts_nsec * 1e-9;
    pr.cls = a->cls;
    pr.probability = a->probability;
    pr.detail = a->json;
    return mqttids_store_sink_put(p->s, &pr) == MQTTIDS_OK ? 0 : -1;
}

static int pg_flush(void *u)
{
    pg_sink *p = u;
    double t = cli_now();
    if (t - p->last_flush < 1.0)
        return 0;
    p->last_flush = t;
    return mqttids_store_sink_flush(p->s) == MQTTIDS_OK ? 0 : -1;
}

static void pg_close(void *u)
{
    pg_sink *p = u;
    if (mqttids_store_sink_close(p->s, NULL) != MQTTIDS_OK)
        cli_err("PostgreSQL sink: %s", mqttids_store_errmsg(p->st));
    mqttids_store_close(p->st);
}
#endif

#if MQTTIDS_WITH_KAFKA
/*
 * Kafka sink: each alert's EVE line is one message, keyed by the TCP stream index so a
 * flow's alerts stay in one partition. Delivery is checked at every flush (live: at most
 * once a second) and at the end; a failed delivery fails the run.
 */
typedef struct kafka_sink {
    mqttids_kconf *kc;
    mqttids_producer *p;
    const char *topic;
    double last_flush;
} kafka_sink;

static int kafka_put(void *u, const watch_alert *a)
{
    kafka_sink *k = u;
    char key[24], errbuf[MQTTIDS_ERRBUF_SIZE];
    int kl = snprintf(key, sizeof key, "%llu", (unsigned long long)a->flow->stream);
    if (mqttids_producer_send(k->p, k->topic, key, (size_t)kl, a->json, strlen(a->json), errbuf) != MQTTIDS_OK) {
        cli_err("Kafka sink: %s", errbuf);
        return -1;
    }
    return 0;
}

static int kafka_flush(void *u)
{
    kafka_sink *k = u;
    char errbuf[MQTTIDS_ERRBUF_SIZE];
    double t = cli_now();
    if (t - k->last_flush < 1.0)
        return 0;
    k->last_flush = t;
    if (mqttids_producer_flush(k->p, 10000, NULL, NULL, errbuf) != MQTTIDS_OK) {
        cli_err("Kafka sink: %s", errbuf);
        return -1;
    }
    return 0;
}

static void kafka_close(void *u)
{
    kafka_sink *k = u;
    char errbuf[MQTTIDS_ERRBUF_SIZE];
    uint64_t delivered = 0, failed = 0;
    if (mqttids_producer_flush(k->p, 10000, &delivered, &failed, errbuf) != MQTTIDS_OK)
        cli_err("Kafka sink: %s", errbuf);
    else if (!cli_quiet)
        cli_info("watch: %llu alerts delivered to Kafka topic %s", (unsigned long long)delivered, k->topic);
    mqttids_producer_free(k->p);
    mqttids_kconf_free(k->kc);
}
#endif

/* ---------------------------------------------------------------------------------- */

static mqttids_capture *g_cap;
static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
    if (g_cap)
        mqttids_capture_breakloop(g_cap);
}

static int severity_of(const char *cls)
{
    if (!cls)
        return 3;
    if (strcmp(cls, "dos") == 0 || strcmp(cls, "flood") == 0)
        return 1;
    if (strcmp(cls, "bruteforce") == 0 || strcmp(cls, "malformed") == 0 || strcmp(cls, "slowite") == 0)
        return 2;
    return 3;
}

static void eve_json(char *buf, size_t size, const mqttids_flow *fl, const mqttids_record *rec, int cls,
                     const char *cls_name, double prob, const char *model_id)
{
    char ts[64], src[64], dst[64], pbuf[32];
    struct tm tm;
    time_t t = (time_t)fl->ts_sec;
    gmtime_r(&t, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    mqttids_flow_addr(fl, 0, src, sizeof src);
    mqttids_flow_addr(fl, 1, dst, sizeof dst);
    snprintf(pbuf, sizeof pbuf, "%.6f", prob);
    snprintf(buf, size,
             "{\"timestamp\":\"%s.%06u+0000\",\"flow_id\":%llu,\"event_type\":\"alert\","
             "\"src_ip\":\"%s\",\"src_port\":%u,\"dest_ip\":\"%s\",\"dest_port\":%u,\"proto\":\"TCP\","
             "\"app_proto\":\"mqtt\",\"alert\":{\"action\":\"allowed\",\"gid\":1,\"signature_id\":%d,\"rev\":1,"
             "\"signature\":\"MQTTIDS %s traffic detected by model %s\",\"category\":\"%s\",\"severity\":%d},"
             "\"probability\":%s,\"model\":\"%s\","
             "\"mqttids\":{\"frame\":%llu,\"tcp_stream\":%llu,\"tcp_len\":%.0f,\"mqtt_msgtype\":%.0f}}",
             ts, fl->ts_nsec / 1000, (unsigned long long)fl->stream, src, fl->sport, dst, fl->dport,
             9100000 + (cls < 0 ? 0 : cls), cls_name, model_id, cls_name, severity_of(cls_name), pbuf, model_id,
             (unsigned long long)fl->frame, (unsigned long long)fl->stream, rec->num[MQTTIDS_F_TCP_LEN],
             rec->num[MQTTIDS_F_MSGTYPE]);
}

int cmd_watch(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"interface", required_argument, NULL, 'i'},
        {"read", required_argument, NULL, 'r'},
        {"model", required_argument, NULL, 'm'},
        {"filter", required_argument, NULL, 'f'},
        {"port", required_argument, NULL, 'P'},
        {"output", required_argument, NULL, 'o'},
        {"alert-all", no_argument, NULL, 'A'},
        {"stats", no_argument, NULL, 'S'},
        {"max-streams", required_argument, NULL, 'M'},
        {"idle-timeout", required_argument, NULL, 'I'},
        {"json", no_argument, NULL, 'J'},
        {"db", required_argument, NULL, 'D'},
        {"pred-table", required_argument, NULL, 'T'},
        {"brokers", required_argument, NULL, 'B'},
        {"alerts-topic", required_argument, NULL, 'K'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *iface = NULL, *file = NULL, *model_path = NULL, *out_path = NULL;
    const char *db = NULL, *pred_table = NULL, *brokers = NULL, *alerts_topic = NULL;
    const char *xset[32];
    int nx = 0;
    int alert_all = 0, stats = 0, json = 0, c, nports = 0, rc = CLI_EXIT_OK;
    mqttids_capture_opts o;
    char errbuf[MQTTIDS_ERRBUF_SIZE];
    mqttids_model *model = NULL;
    mqttids_capture *cap = NULL;
    mqttids_err err;
    json_sink js = {NULL, 0};
#if MQTTIDS_WITH_PG
    pg_sink pg = {NULL, NULL, 0};
#endif
#if MQTTIDS_WITH_KAFKA
    kafka_sink ks = {NULL, NULL, NULL, 0};
#endif
    watch_sink sinks[4];
    int nsinks = 0, nclasses;
    uint64_t per_class[64], alerts = 0, rows = 0, sink_errors = 0;
    double *proba = NULL, t0, last_tick;
    char line[2048];
    struct sigaction sa;
    double idle = -1;
    size_t n_extra = 0, *extra_idx = NULL;
    double *extra_val = NULL;

    mqttids_capture_opts_init(&o);
    memset(per_class, 0, sizeof per_class);
    optind = 1;
    while ((c = getopt_long(argc, argv, "i:r:m:f:o:X:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'i': iface = optarg; break;
        case 'r': file = optarg; break;
        case 'm': model_path = optarg; break;
        case 'f': o.filter = optarg; break;
        case 'o': out_path = optarg; break;
        case 'A': alert_all = 1; break;
        case 'S': stats = 1; break;
        case 'J': json = 1; break;
        case 'D': db = optarg; break;
        case 'T': pred_table = optarg; break;
        case 'B': brokers = optarg; break;
        case 'K': alerts_topic = optarg; break;
        case 'X':
            if (nx == (int)(sizeof xset / sizeof xset[0]))
                return cli_usage_error("watch", "at most 32 -X settings");
            xset[nx++] = optarg;
            break;
        case 'q': cli_quiet = 1; break;
        case 'P': {
            uint64_t v;
            if (nports >= MQTTIDS_CAPTURE_MAX_PORTS || cli_parse_u64(optarg, &v) < 0 || v < 1 || v > 65535)
                return cli_usage_error("watch", "--port takes a port number 1-65535, not '%s'", optarg);
            o.mqtt_ports[nports++] = (uint16_t)v;
            o.n_mqtt_ports = nports;
            break;
        }
        case 'M': {
            uint64_t v;
            if (cli_parse_u64(optarg, &v) < 0 || v == 0)
                return cli_usage_error("watch", "--max-streams takes a positive number, not '%s'", optarg);
            o.max_streams = (size_t)v;
            break;
        }
        case 'I': {
            char *e;
            idle = strtod(optarg, &e);
            if (*optarg == '\0' || *e || idle < 0)
                return cli_usage_error("watch", "--idle-timeout takes seconds >= 0, not '%s'", optarg);
            break;
        }
        case 'h': help(); return CLI_EXIT_OK;
        default: return cli_usage_error("watch", "unknown option");
        }
    }
    if (optind < argc)
        return cli_usage_error("watch", "unexpected argument '%s'", argv[optind]);
    if (!iface == !file)
        return cli_usage_error("watch", "give exactly one of -i IFACE or -r FILE");
    if (!model_path)
        return cli_usage_error("watch", "--model MODEL is required");
    if (pred_table && !db)
        return cli_usage_error("watch", "--pred-table needs --db CONNINFO");
#if !MQTTIDS_WITH_PG
    if (db)
        return cli_usage_error("watch", "--db: this build has no PostgreSQL support");
#endif
    if ((alerts_topic || nx) && !brokers)
        return cli_usage_error("watch", "--alerts-topic and -X need --brokers B");
#if !MQTTIDS_WITH_KAFKA
    if (brokers)
        return cli_usage_error("watch", "--brokers: this build has no Kafka support");
#endif
    if (json && !out_path)
        return cli_usage_error("watch", "--json prints the summary on stdout: give alerts with -o FILE");
    o.idle_timeout_s = idle >= 0 ? idle : (iface ? 600 : 0);

    if (mqttids_model_load(model_path, &model, errbuf) != MQTTIDS_OK) {
        cli_err("%s", errbuf);
        return CLI_EXIT_FAIL;
    }
    /* flow context: a model trained with ctx.* columns gets them computed live (context.c) */
    n_extra = mqttids_model_n_extra(model);
    if (n_extra > 0) {
        extra_idx = calloc(n_extra, sizeof *extra_idx);
        extra_val = calloc(n_extra, sizeof *extra_val);
        if (!extra_idx || !extra_val) {
            cli_err("out of memory");
            rc = CLI_EXIT_FAIL;
            goto out;
        }
        for (size_t k = 0; k < n_extra; k++) {
            const char *nm = mqttids_model_extra_name(model, k);
            size_t j = 0;
            while (j < mqttids_capture_ctx_count() && strcmp(mqttids_capture_ctx_name(j), nm) != 0)
                j++;
            if (j == mqttids_capture_ctx_count()) {
                cli_err("%s: the model needs the input column '%s', which capture does not make", model_path, nm);
                rc = CLI_EXIT_FAIL;
                goto out;
            }
            extra_idx[k] = j;
        }
        o.context = 1;
    }
    nclasses = mqttids_model_nclasses(model);
    proba = calloc((size_t)(nclasses > 0 ? nclasses : 1), sizeof *proba);
    if (!proba || nclasses > 64) {
        cli_err("%s: unusable model (%d classes)", model_path, nclasses);
        free(proba);
        mqttids_model_free(model);
        return CLI_EXIT_FAIL;
    }

    if (out_path && strcmp(out_path, "-") != 0) {
        js.fp = fopen(out_path, "a");
        js.owned = 1;
        if (!js.fp) {
            cli_err("%s: cannot open for appending", out_path);
            rc = CLI_EXIT_FAIL;
            goto out;
        }
    } else {
        js.fp = stdout;
    }
    sinks[nsinks++] = (watch_sink){"json", json_put, json_flush, json_close, &js};
    /* SINK HOOK (Kafka / PostgreSQL): append further sinks here (stream.h, store.h). */
#if MQTTIDS_WITH_PG
    if (db) {
        pg.last_flush = cli_now();
        if (mqttids_store_open(db, &pg.st, errbuf) != MQTTIDS_OK) {
            cli_err("%s", errbuf);
            rc = CLI_EXIT_FAIL;
            goto out;
        }
        if (mqttids_store_sink_open(pg.st, pred_table ? pred_table : "mqtt.alerts", mqttids_model_id(model), 0,
                                    &pg.s) != MQTTIDS_OK) {
            cli_err("%s", mqttids_store_errmsg(pg.st));
            mqttids_store_close(pg.st);
            rc = CLI_EXIT_FAIL;
            goto out;
        }
        sinks[nsinks++] = (watch_sink){"postgresql", pg_put, pg_flush, pg_close, &pg};
    }
#endif
#if MQTTIDS_WITH_KAFKA
    if (brokers) {
        ks.topic = alerts_topic ? alerts_topic : "mqttids.alerts";
        ks.last_flush = cli_now();
        ks.kc = mqttids_kconf_new();
        if (!ks.kc || mqttids_kconf_brokers(ks.kc, brokers, errbuf) != MQTTIDS_OK) {
            cli_err("%s", ks.kc ? errbuf : "out of memory");
            mqttids_kconf_free(ks.kc);
            rc = CLI_EXIT_FAIL;
            goto out;
        }
        for (int q = 0; q < nx; q++)
            if (mqttids_kconf_set(ks.kc, xset[q], errbuf) != MQTTIDS_OK) {
                mqttids_kconf_free(ks.kc);
                rc = cli_usage_error("watch", "-X %s: %s", xset[q], errbuf);
                goto out;
            }
        if (mqttids_producer_new(ks.kc, &ks.p, errbuf) != MQTTIDS_OK) {
            cli_err("%s", errbuf);
            mqttids_kconf_free(ks.kc);
            rc = CLI_EXIT_FAIL;
            goto out;
        }
        sinks[nsinks++] = (watch_sink){"kafka", kafka_put, kafka_flush, kafka_close, &ks};
    }
#endif

    err = iface ? mqttids_capture_open_live(iface, &o, &cap, errbuf) : mqttids_capture_open_file(file, &o, &cap, errbuf);
    if (err != MQTTIDS_OK) {
        cli_err("%s", errbuf);
        rc = CLI_EXIT_FAIL;
        goto out;
    }
    g_cap = cap;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    if (!cli_quiet)
        cli_info("watch: %s %s, model %s (%s), filter '%s'", iface ? "interface" : "file", iface ? iface : file,
                 mqttids_model_id(model), mqttids_model_kind(model),
                 o.filter ? o.filter : iface ? "tcp port 1883" : "");
    stats = stats || (!cli_quiet && isatty(2));
    t0 = last_tick = cli_now();

    while (!g_stop) {
        mqttids_record rec;
        mqttids_flow fl;
        mqttids_capture_status st;
        int cls = -1;
        double t;
        err = mqttids_capture_next(cap, &rec, &fl, &st, errbuf);
        if (err != MQTTIDS_OK) {
            cli_err("%s", errbuf);
            rc = CLI_EXIT_FAIL;
            break;
        }
        if (st == MQTTIDS_CAPTURE_END)
            break;
        if (st == MQTTIDS_CAPTURE_ROW) {
            rows++;
            if (n_extra > 0) {
                const double *cv = mqttids_capture_ctx_values(cap);
                for (size_t k = 0; k < n_extra; k++)
                    extra_val[k] = cv ? cv[extra_idx[k]] : 0;
                rec.n_extra = n_extra;
                rec.extra = extra_val;
            }
            if (mqttids_model_predict_record(model, &rec, &cls, proba) != MQTTIDS_OK || cls < 0 || cls >= nclasses) {
                cli_err("frame %llu: the model could not classify the row", (unsigned long long)fl.frame);
                rc = CLI_EXIT_FAIL;
                break;
            }
            {
                const char *name = mqttids_model_class_name(model, cls);
                if (alert_all || !name || strcmp(name, "legitimate") != 0) {
                    watch_alert a;
                    eve_json(line, sizeof line, &fl, &rec, cls, name ? name : "?", proba[cls], mqttids_model_id(model));
                    a.flow = &fl;
                    a.rec = &rec;
                    a.cls = cls;
                    a.cls_name = name;
                    a.probability = proba[cls];
                    a.model_id = mqttids_model_id(model);
                    a.json = line;
                    for (int k = 0; k < nsinks; k++)
                        if (sinks[k].put(sinks[k].user, &a) != 0)
                            sink_errors++;
                    alerts++;
                    per_class[cls]++;
                    if (iface)
                        for (int k = 0; k < nsinks; k++)
                            sinks[k].flush(sinks[k].user);
                }
            }
        }
        t = cli_now();
        if (stats && t - last_tick >= 1.0) {
            mqttids_capture_stats cs;
            char buf[512];
            size_t n = 0;
            mqttids_capture_get_stats(cap, &cs);
            n += (size_t)snprintf(buf + n, sizeof buf - n, "[%6.0fs] packets %llu rows %llu alerts %llu (", t - t0,
                                  (unsigned long long)cs.packets, (unsigned long long)rows, (unsigned long long)alerts);
            for (int k = 0; k < nclasses && n < sizeof buf - 64; k++)
                n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s %llu", k ? ", " : "",
                                      mqttids_model_class_name(model, k), (unsigned long long)per_class[k]);
            snprintf(buf + n, sizeof buf - n, ") drops %llu/%llu", (unsigned long long)cs.drops,
                     (unsigned long long)cs.if_drops);
            fprintf(stderr, "%s\n", buf);
            last_tick = t;
        }
    }

    {
        mqttids_capture_stats cs;
        double secs = cli_now() - t0;
        mqttids_capture_get_stats(cap, &cs);
        if (!cli_quiet) {
            fprintf(stderr, "watch: %s%llu packets, %llu rows, %llu alerts in %.1f s; drops %llu (interface %llu)",
                    g_stop ? "stopped by signal; " : "", (unsigned long long)cs.packets, (unsigned long long)rows,
                    (unsigned long long)alerts, secs, (unsigned long long)cs.drops, (unsigned long long)cs.if_drops);
            for (int k = 0; k < nclasses; k++)
                if (per_class[k])
                    fprintf(stderr, "%s%s %llu", k ? ", " : "; ", mqttids_model_class_name(model, k),
                            (unsigned long long)per_class[k]);
            fputc('\n', stderr);
        }
        if (sink_errors) {
            cli_err("%llu alerts could not be written", (unsigned long long)sink_errors);
            rc = CLI_EXIT_FAIL;
        }
        if (json) {
            json_object *j = json_object_new_object(), *pc = json_object_new_object();
            json_object_object_add(j, "source", json_object_new_string(iface ? iface : file));
            json_object_object_add(j, "model", json_object_new_string(mqttids_model_id(model)));
            json_object_object_add(j, "packets", json_object_new_int64((int64_t)cs.packets));
            json_object_object_add(j, "rows", json_object_new_int64((int64_t)rows));
            json_object_object_add(j, "alerts", json_object_new_int64((int64_t)alerts));
            for (int k = 0; k < nclasses; k++)
                json_object_object_add(pc, mqttids_model_class_name(model, k), json_object_new_int64((int64_t)per_class[k]));
            json_object_object_add(j, "alerts_per_class", pc);
            json_object_object_add(j, "drops", json_object_new_int64((int64_t)cs.drops));
            json_object_object_add(j, "if_drops", json_object_new_int64((int64_t)cs.if_drops));
            json_object_object_add(j, "stopped_by_signal", json_object_new_boolean(g_stop != 0));
            json_object_object_add(j, "seconds", cli_json_double(secs));
            cli_json_print(j);
            json_object_put(j);
        }
    }

out:
    g_cap = NULL;
    for (int k = 0; k < nsinks; k++) {
        if (sinks[k].flush(sinks[k].user) != 0 && rc == CLI_EXIT_OK) {
            if (strcmp(sinks[k].name, "json") == 0)
                cli_err("%s: write error", out_path ? out_path : "stdout");
            rc = CLI_EXIT_FAIL;
        }
        sinks[k].close(sinks[k].user);
    }
    mqttids_capture_close(cap);
    mqttids_model_free(model);
    free(proba);
    free(extra_idx);
    free(extra_val);
    return rc;
}
