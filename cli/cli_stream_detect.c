/*
 * cli_stream_detect.c: "mqttids stream detect": option parsing, the classifier callback
 * and the summary around the library's Kafka detector (mqttids_stream_detect), whose
 * decisions and alert lines come from src/detect (one path with watch).
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli_stream.h"

static int verbose;

/* ================================================================================== */
/* detect                                                                             */

typedef struct detect_ctx {
    mqttids_model *model;             /* NULL: --model none */
    mqttids_detect_classifier cl;     /* the record -> model step (src/detect/classifier.c) */
    FILE *log;                        /* --log: per-record lines */
    uint64_t malformed_shown;
    mqttids_alert_out *out;           /* --db: the library's PostgreSQL alert output */
    int out_failed;
    /* --replay: the replay thread starts at the first assignment */
    struct replay_job *job;
    pthread_t th;
    int have_thread;
    int stats_ms;
    double last_print;
} detect_ctx;

static int on_record(void *user, uint64_t id, const char *flow, size_t flow_len, int cls, double prob,
                     int32_t partition, int64_t offset)
{
    detect_ctx *c = user;
    if (c->log) {
        fprintf(c->log, "%llu,%.*s,%s,", (unsigned long long)id, (int)flow_len, flow ? flow : "",
                cls >= 0 && cls < c->cl.nclasses ? c->cl.names[cls] : "unknown");
        if (isfinite(prob))
            fprintf(c->log, "%.6g", prob);
        fprintf(c->log, ",%d,%lld\n", (int)partition, (long long)offset);
    }
    return 0;
}

/* An alert the detector decided on: to PostgreSQL (row id, class, probability, detail). */
static int on_alert(void *user, const mqttids_alert *a)
{
    detect_ctx *c = user;
    if (mqttids_alert_out_put(c->out, a, MQTTIDS_ALERT_RECORD) != MQTTIDS_OK) {
        c->out_failed = 1;
        return -1;
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
    if (c->out && mqttids_alert_out_flush(c->out, 1) != MQTTIDS_OK)
        return -1;
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
    if (c->job && !c->have_thread && st->partitions > 0) {
        if (pthread_create(&c->th, NULL, replay_thread, c->job) == 0)
            c->have_thread = 1;
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
           "      --log FILE         per-record lines: id,flow,class,probability,partition,offset\n"
           "                         (flushed before each commit)\n"
           "      --db CONNINFO      also write alerts to PostgreSQL (committed before the offsets)\n"
           "      --db-table NAME    alerts table (default " MQTTIDS_DETECT_DEFAULT_TABLE ")\n"
           "      --max-records N    stop after N records\n"
           "      --idle-exit MS     stop when nothing arrived for MS ms (counted from the first\n"
           "                         partition assignment or the last record)\n"
           "      --replay PATH      with --brokers mock: replay this CSV into T from a thread of\n"
           "                         this process while detecting (repeatable; implies --max-records)\n"
           "      --replay-format json|binary\n"
           "      --mock-partitions N   with --brokers mock: partitions of T and of the alerts\n"
           "                         topic (default 32; mock brokers keep ~5 MB per partition)\n"
           "      --stats-interval MS   counters on stderr every MS ms (default: 1000 when stderr\n"
           "                         is a terminal, else off; 0: off)\n"
           "      --commit-interval MS  commit acknowledged offsets every MS ms (default 200)\n"
           "      --json             final counters as JSON on stdout\n"
           "  -q, --quiet            no counters or info lines\n"
           "  -v, --verbose          librdkafka's informational lines too\n"
           "  -h, --help             this help\n\n" CLI_DETECT_HELP
           "  (--alert-by host is not available: records carry no client address)\n");
}

/* Everything the options say. */
typedef struct detect_args {
    kopts k;
    mqttids_detect_opts o;
    mqttids_alert_rule rule;
    const char *model_path, *log_path, *db, *db_table;
    cli_inputs replay;
    mqttids_stream_format replay_fmt;
    int json, stats_ms, mock_parts;
} detect_args;

/* --max-records N, --idle-exit/--stats-interval/--commit-interval MS, --mock-partitions N. */
static int parse_number(detect_args *a, const char *sub, int opt, const char *arg)
{
    uint64_t v;
    if (opt == 'n') {
        if (cli_parse_u64(arg, &a->o.max_records) != 0)
            return cli_usage_error(sub, "--max-records needs a non-negative integer, not '%s'", arg);
    } else if (opt == 'p') {
        if (cli_parse_u64(arg, &v) != 0 || v < 1 || v > 1024)
            return cli_usage_error(sub, "--mock-partitions takes 1..1024, not '%s'", arg);
        a->mock_parts = (int)v;
    } else {
        if (cli_parse_u64(arg, &v) != 0 || v > 86400000 || (opt == 'c' && v < 1))
            return cli_usage_error(sub, "--%s needs milliseconds, not '%s'",
                                   opt == 'I' ? "idle-exit" : opt == 's' ? "stats-interval" : "commit-interval", arg);
        *(opt == 'I' ? &a->o.idle_exit_ms : opt == 's' ? &a->stats_ms : &a->o.commit_interval_ms) = (int)v;
    }
    return CLI_EXIT_OK;
}

/* The rules between options, and the alert rule into the detector's options. */
static int check_args(detect_args *a, const char *sub)
{
    if (!a->o.group)
        return cli_usage_error(sub, "--group is required");
    if (!a->model_path)
        return cli_usage_error(sub, "--model is required (a model file, or 'none')");
    if (a->rule.by == MQTTIDS_ALERT_BY_HOST)
        return cli_usage_error(sub, "--alert-by host: records carry no client address; use connection (the record key)");
    if (a->replay.n && (!a->k.brokers || strcmp(a->k.brokers, "mock") != 0))
        return cli_usage_error(sub, "--replay works with --brokers mock only (use 'stream produce' otherwise)");
    a->o.alert_all = a->rule.alert_all;
    a->o.alert_by = (int)a->rule.by;
    a->o.alert_window_s = a->rule.window_s;
    a->o.min_probability = a->rule.min_probability;
    a->o.max_groups = a->rule.max_groups;
    return CLI_EXIT_OK;
}

/* getopt loop and the checks. Returns CLI_OPT_NEXT to go on, else the exit code. */
static int parse_args(detect_args *a, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"brokers", required_argument, NULL, 'b'},         {"topic", required_argument, NULL, 't'},
        {"group", required_argument, NULL, 'g'},           {"model", required_argument, NULL, 'm'},
        {"alerts-topic", required_argument, NULL, 'A'},    {"log", required_argument, NULL, 'l'},
        {"db", required_argument, NULL, 'D'},              {"db-table", required_argument, NULL, 'T'},
        {"max-records", required_argument, NULL, 'n'},     {"idle-exit", required_argument, NULL, 'I'},
        {"replay", required_argument, NULL, 'P'},          {"replay-format", required_argument, NULL, 'F'},
        {"mock-partitions", required_argument, NULL, 'p'}, {"stats-interval", required_argument, NULL, 's'},
        {"commit-interval", required_argument, NULL, 'c'}, {"verbose", no_argument, NULL, 'v'},
        {NULL, 0, NULL, 0},
    };
    const char *sub = "stream detect";
    cli_opts co;
    int opt, rc;
    co = CLI_OPTS(.cmd = sub, .help = detect_help, .rule = &a->rule, .kafka = &a->k);
    while ((opt = cli_opts_next(&co, argc, argv, "b:t:g:m:X:v", longopts)) != 0) {
        switch (opt) {
        case 'g': a->o.group = optarg; break;
        case 'm': a->model_path = optarg; break;
        case 'A': a->o.alerts_topic = optarg; break;
        case 'l': a->log_path = optarg; break;
        case 'D': a->db = optarg; break;
        case 'T': a->db_table = optarg; break;
        case 'v': verbose = 1; break;
        case 'n':
        case 'I':
        case 's':
        case 'c':
        case 'p':
            if ((rc = parse_number(a, sub, opt, optarg)) != CLI_EXIT_OK)
                return rc;
            break;
        case 'P':
            if (cli_inputs_add_positional(&a->replay, sub, 2, (char *[]){NULL, optarg}, 1) < 0)
                return CLI_EXIT_USAGE;
            break;
        case 'F':
            if (cli_stream_parse_format(optarg, &a->replay_fmt) != 0)
                return cli_usage_error(sub, "--replay-format takes json or binary, not '%s'", optarg);
            break;
        }
    }
    if (co.rc != CLI_OPT_NEXT)
        return co.rc;
    a->json = co.tail.json;
    if ((rc = check_args(a, sub)) != CLI_EXIT_OK)
        return rc;
    return CLI_OPT_NEXT;
}

/* With --brokers mock: the records and alerts topics with their partitions. */
static int make_mock_topics(detect_args *a)
{
    char alerts[512], errbuf[MQTTIDS_ERRBUF_SIZE];
    mqttids_mock *m = mqttids_kconf_mock(a->k.kc);
    if (!m)
        return CLI_EXIT_OK;
    snprintf(alerts, sizeof alerts, "%s.alerts", a->k.topic);
    if (mqttids_mock_topic_create(m, a->k.topic, a->mock_parts, errbuf) != MQTTIDS_OK ||
        mqttids_mock_topic_create(m, a->o.alerts_topic ? a->o.alerts_topic : alerts, a->mock_parts, errbuf) !=
            MQTTIDS_OK) {
        cli_err("%s", errbuf);
        return CLI_EXIT_FAIL;
    }
    return CLI_EXIT_OK;
}

/* The classifier (model or 'none'), --log and --db, and the callbacks that use them. */
static int setup(detect_args *a, detect_ctx *ctx)
{
    char errbuf[MQTTIDS_ERRBUF_SIZE];
    if (strcmp(a->model_path, "none") != 0 && mqttids_model_load(a->model_path, &ctx->model, errbuf) != MQTTIDS_OK) {
        cli_err("%s", errbuf);
        return CLI_EXIT_FAIL;
    }
    if (mqttids_detect_classifier_init(&ctx->cl, ctx->model, &a->o, errbuf) != MQTTIDS_OK) {
        cli_err("%s: %s", a->model_path, errbuf);
        return CLI_EXIT_FAIL;
    }
    if (a->log_path && !(ctx->log = fopen(a->log_path, "a"))) {
        cli_err("--log %s: %s", a->log_path, strerror(errno));
        return CLI_EXIT_FAIL;
    }
    /* alerts also go to PostgreSQL through the library's alert output (src/detect); a build
     * without libpq answers MQTTIDS_ERR_UNSUPPORTED */
    if (a->db && (mqttids_alert_out_new(&ctx->out) != MQTTIDS_OK ||
                  mqttids_alert_out_pg(ctx->out, a->db, a->db_table, a->o.model_id, errbuf) != MQTTIDS_OK)) {
        cli_err("%s", ctx->out ? errbuf : "out of memory");
        return CLI_EXIT_FAIL;
    }
    a->o.topic = a->k.topic;
    a->o.stop = &cli_stop;
    a->o.on_record = ctx->log ? on_record : NULL;
    a->o.on_sync = (ctx->log || ctx->out) ? on_sync : NULL;
    a->o.on_alert = ctx->out ? on_alert : NULL;
    a->o.on_malformed = on_malformed;
    if (a->stats_ms < 0) /* counters are for people: by default only on a terminal, never into logs */
        a->stats_ms = isatty(2) ? 1000 : 0;
    /* the replay thread starts from on_stats, so it runs even when nothing is printed */
    a->o.on_stats = a->stats_ms > 0 || a->replay.n ? on_stats : NULL;
    a->o.stats_interval_ms = a->stats_ms > 0 ? a->stats_ms : 1000;
    ctx->stats_ms = a->stats_ms;
    ctx->last_print = -1e9;
    a->o.user = ctx;
    return CLI_EXIT_OK;
}

/* --replay: the records to send from a thread, started by on_stats once this member holds
 * partitions, so the clock of the end-to-end figure does not include joining the group. */
static int prepare_replay(detect_args *a, detect_ctx *ctx, struct replay_job *job, mqttids_dataset **rds)
{
    int rc = cli_inputs_load(&a->replay, rds, NULL);
    if (rc != CLI_EXIT_OK)
        return rc;
    job->kc = a->k.kc;
    job->ds = *rds;
    mqttids_produce_opts_init(&job->po);
    job->po.topic = a->k.topic;
    job->po.format = a->replay_fmt;
    job->po.stop = &cli_stop;
    if (!a->o.max_records)
        a->o.max_records = mqttids_dataset_nrows(*rds);
    ctx->job = job;
    a->o.on_stats = on_stats;
    a->o.stats_interval_ms = 20;
    return CLI_EXIT_OK;
}

/* Closes the PostgreSQL output (committing only when all went well). Returns rc or FAIL. */
static int close_db(detect_ctx *ctx, int rc)
{
    char errbuf[MQTTIDS_ERRBUF_SIZE];
    mqttids_alert_out_stats os;
    memset(&os, 0, sizeof os);
    if (rc == CLI_EXIT_OK && !ctx->out_failed) {
        if (mqttids_alert_out_close(ctx->out, &os, errbuf) != MQTTIDS_OK) {
            cli_err("%s", errbuf);
            rc = CLI_EXIT_FAIL;
        }
    } else {
        mqttids_alert_out_free(ctx->out);
    }
    ctx->out = NULL;
    cli_info("PostgreSQL: %llu alert rows written", (unsigned long long)os.db_rows);
    return rc;
}

static void summary(const detect_args *a, const mqttids_detect_stats *st, const struct replay_job *job)
{
    double busy = st->busy_seconds;
    json_object *js;
    cli_info("%s: consumed %llu, classified %llu, malformed %llu, classify failed %llu, alerted %llu, acked %llu, "
             "committed %llu, lag %lld, rebalances %llu; %.3f s busy, %.0f records/s, classifier %.0f records/s",
             a->k.topic, (unsigned long long)st->consumed, (unsigned long long)st->classified,
             (unsigned long long)st->malformed, (unsigned long long)st->classify_failed,
             (unsigned long long)st->alerted, (unsigned long long)st->acked, (unsigned long long)st->committed,
             (long long)st->lag, (unsigned long long)st->rebalances, busy, busy > 0 ? (double)st->consumed / busy : 0.0,
             st->classify_seconds > 0 ? (double)st->classified / st->classify_seconds : 0.0);
    if (st->retention_skipped)
        cli_err("warning: %s: %llu records were lost to retention before they were read (the partitions' low "
                "watermarks were above the offsets reading started from)",
                a->k.topic, (unsigned long long)st->retention_skipped);
    if (!a->json)
        return;
    js = json_object_new_object();
    json_object_object_add(js, "topic", json_object_new_string(a->k.topic));
    json_object_object_add(js, "group", json_object_new_string(a->o.group));
    json_object_object_add(js, "model", json_object_new_string(a->o.model_id ? a->o.model_id : ""));
    json_object_object_add(js, "consumed", json_object_new_int64((int64_t)st->consumed));
    json_object_object_add(js, "classified", json_object_new_int64((int64_t)st->classified));
    json_object_object_add(js, "malformed", json_object_new_int64((int64_t)st->malformed));
    json_object_object_add(js, "classify_failed", json_object_new_int64((int64_t)st->classify_failed));
    json_object_object_add(js, "alerted", json_object_new_int64((int64_t)st->alerted));
    json_object_object_add(js, "acked", json_object_new_int64((int64_t)st->acked));
    json_object_object_add(js, "committed", json_object_new_int64((int64_t)st->committed));
    json_object_object_add(js, "lag", json_object_new_int64(st->lag));
    json_object_object_add(js, "rebalances", json_object_new_int64((int64_t)st->rebalances));
    json_object_object_add(js, "retention_skipped", json_object_new_int64((int64_t)st->retention_skipped));
    json_object_object_add(js, "seconds", cli_json_double(st->seconds));
    json_object_object_add(js, "busy_seconds", cli_json_double(busy));
    json_object_object_add(js, "first_unix", cli_json_double(st->first_unix));
    json_object_object_add(js, "last_ack_unix", cli_json_double(st->last_ack_unix));
    json_object_object_add(js, "records_per_second", cli_json_double(busy > 0 ? (double)st->consumed / busy : NAN));
    json_object_object_add(js, "classify_seconds", cli_json_double(st->classify_seconds));
    json_object_object_add(js, "classify_records_per_second",
                           cli_json_double(st->classify_seconds > 0 ? (double)st->classified / st->classify_seconds : NAN));
    if (a->replay.n) {
        json_object *rj = json_object_new_object();
        cli_stream_produce_report_json(rj, a->k.topic, &job->rep, a->replay_fmt);
        json_object_object_add(js, "replay", rj);
        if (st->last_ack_unix > job->rep.start_unix && job->rep.start_unix > 0)
            json_object_object_add(js, "end_to_end_records_per_second",
                                   cli_json_double((double)st->consumed / (st->last_ack_unix - job->rep.start_unix)));
    }
    cli_json_print(js);
    json_object_put(js);
}

int cli_stream_detect(int argc, char **argv)
{
    detect_args a;
    detect_ctx ctx;
    mqttids_detect_stats st;
    mqttids_dataset *rds = NULL;
    struct replay_job job;
    char errbuf[MQTTIDS_ERRBUF_SIZE];
    mqttids_err err;
    int rc;

    memset(&a, 0, sizeof a);
    memset(&ctx, 0, sizeof ctx);
    memset(&job, 0, sizeof job);
    memset(&st, 0, sizeof st);
    cli_inputs_init(&a.replay);
    mqttids_detect_opts_init(&a.o);
    mqttids_alert_rule_init(&a.rule);
    a.replay_fmt = MQTTIDS_STREAM_JSON;
    a.stats_ms = -1;
    a.mock_parts = 32;
    if (!(a.k.kc = cli_kconf_new()))
        return CLI_EXIT_FAIL;
    if ((rc = parse_args(&a, argc, argv)) != CLI_OPT_NEXT)
        goto out;
    cli_log_to_stderr(verbose);
    if ((rc = cli_stream_kconf_finish(&a.k, "stream detect", 1)) != CLI_EXIT_OK || (rc = make_mock_topics(&a)) ||
        (rc = setup(&a, &ctx)) != CLI_EXIT_OK)
        goto out;
    cli_signals_install(NULL);
    if (a.replay.n && (rc = prepare_replay(&a, &ctx, &job, &rds)) != CLI_EXIT_OK)
        goto out;

    err = mqttids_stream_detect(a.k.kc, &a.o, &st, errbuf);
    if (err != MQTTIDS_OK) {
        cli_err("%s", errbuf);
        rc = CLI_EXIT_FAIL;
    }
    if (a.replay.n && !ctx.have_thread) {
        cli_err("replay: never started (no partitions assigned)");
        rc = CLI_EXIT_FAIL;
    }
    if (ctx.have_thread) {
        if (err != MQTTIDS_OK)
            cli_stop = 1;
        pthread_join(ctx.th, NULL);
        ctx.have_thread = 0;
        if (job.err != MQTTIDS_OK) {
            cli_err("replay: %s", job.errbuf);
            rc = CLI_EXIT_FAIL;
        }
    }
    if (ctx.out)
        rc = close_db(&ctx, rc);
    summary(&a, &st, &job);
out:
    if (ctx.have_thread) {
        cli_stop = 1;
        pthread_join(ctx.th, NULL);
    }
    mqttids_alert_out_free(ctx.out);
    if (ctx.log && fclose(ctx.log) != 0 && rc == CLI_EXIT_OK) {
        cli_err("--log %s: write failed", a.log_path);
        rc = CLI_EXIT_FAIL;
    }
    mqttids_model_free(ctx.model);
    mqttids_dataset_free(rds);
    mqttids_kconf_free(a.k.kc);
    return rc;
}
