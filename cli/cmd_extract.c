/*
 * cmd_extract.c: "mqttids extract": a pcap/pcapng file as MQTTset CSV rows, the rows
 * tshark 4.0 + the MQTTset scripts make (docs/internals/capture.md).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"
#include "mqttids/capture.h"

const char cmd_extract_summary[] = "pcap/pcapng -> MQTTset CSV rows (the rows tshark makes)";

static void help(void)
{
    printf("Usage: mqttids extract -r FILE [-o OUT.csv] [--label CLASS] [options]\n"
           "Reads a pcap or pcapng capture and writes one MQTTset CSV row per TCP packet: the\n"
           "33 features as tshark 4.0 (-E occurrence=f, TCP reassembly on) and the MQTTset\n"
           "pandas steps write them. The output is written to a temporary file and renamed\n"
           "into place, so a failure leaves nothing half-written.\n\n"
           "Options:\n"
           "  -r, --read FILE        capture to read (pcap or pcapng; '-' is stdin)\n"
           "  -o, --output FILE      CSV to write (default '-': stdout)\n"
           "      --label CLASS      add a target column with this class (legitimate, dos, ...)\n"
           "      --port N           TCP port decoded as MQTT (repeatable; default 1883)\n"
           "      --filter BPF       only packets matching this filter\n"
           "      --max-streams N    stream table cap (default 1048576)\n"
           "      --context          append the flow-context columns ctx.* after the 33 features\n"
           "                         (causal, per TCP stream / MQTT session / source host;\n"
           "                         docs/internals/context.md)\n"
           "      --ids              append the identity columns id.stream (tshark's tcp.stream)\n"
           "                         and id.client (the connection's client host as a number),\n"
           "                         for `mqttids eval --by connection|host`; never features\n"
           "      --json             print a summary as JSON on stdout (needs -o FILE)\n"
           "  -q, --quiet            no summary line on stderr\n"
           "  -h, --help             this help\n");
}

static int parse_port(const char *s, uint16_t *out)
{
    char *e;
    long v = strtol(s, &e, 10);
    if (*s == '\0' || *e != '\0' || v < 1 || v > 65535)
        return -1;
    *out = (uint16_t)v;
    return 0;
}

static int copy_stream(FILE *from, FILE *to)
{
    char buf[1 << 16];
    size_t n;
    rewind(from);
    while ((n = fread(buf, 1, sizeof buf, from)) > 0)
        if (fwrite(buf, 1, n, to) != n)
            return -1;
    return ferror(from) || fflush(to) != 0 ? -1 : 0;
}

/* What one run of the command was asked. */
typedef struct extract_cfg {
    const char *in, *out, *label;
    int json;
    mqttids_capture_opts o;
} extract_cfg;

/* Parses the options into c; returns -1 to go on, else the exit code. */
static int extract_options(int argc, char **argv, extract_cfg *c)
{
    static const struct option longopts[] = {
        {"read", required_argument, NULL, 'r'},
        {"output", required_argument, NULL, 'o'},
        {"label", required_argument, NULL, 'L'},
        {"port", required_argument, NULL, 'P'},
        {"filter", required_argument, NULL, 'F'},
        {"max-streams", required_argument, NULL, 'M'},
        {"context", no_argument, NULL, 'C'},
        {"ids", no_argument, NULL, 'I'},
        {NULL, 0, NULL, 0},
    };
    cli_opts co;
    int opt, nports = 0;

    co = CLI_OPTS(.cmd = "extract", .help = help, .args = 1); /* the capture */
    while ((opt = cli_opts_next(&co, argc, argv, "r:o:", longopts)) != 0) {
        switch (opt) {
        case 'r':
            c->in = optarg;
            break;
        case 'o':
            c->out = optarg;
            break;
        case 'L':
            if (mqttids_class_find(optarg, strlen(optarg)) < 0)
                return cli_usage_error("extract", "unknown class '%s' (legitimate, dos, bruteforce, malformed, "
                                                  "slowite, flood)", optarg);
            c->label = mqttids_class_name(mqttids_class_find(optarg, strlen(optarg)));
            break;
        case 'P':
            if (nports >= MQTTIDS_CAPTURE_MAX_PORTS || parse_port(optarg, &c->o.mqtt_ports[nports]) < 0)
                return cli_usage_error("extract", "--port takes a port number 1-65535 (at most %d), not '%s'",
                                       MQTTIDS_CAPTURE_MAX_PORTS, optarg);
            nports++;
            c->o.n_mqtt_ports = nports;
            break;
        case 'F':
            c->o.filter = optarg;
            break;
        case 'M': {
            char *e;
            unsigned long long v = strtoull(optarg, &e, 10);
            if (*optarg == '\0' || *e || v == 0)
                return cli_usage_error("extract", "--max-streams takes a positive number, not '%s'", optarg);
            c->o.max_streams = (size_t)v;
            break;
        }
        case 'C':
            c->o.context = 1;
            break;
        case 'I':
            c->o.ids = 1;
            break;
        }
    }
    if (co.rc != CLI_OPT_NEXT)
        return co.rc;
    c->json = co.tail.json;
    if (!c->in && optind < argc)
        c->in = argv[optind++];
    if (!c->in)
        return cli_usage_error("extract", "no capture given (-r FILE)");
    if (optind < argc)
        return cli_usage_error("extract", "unexpected argument '%s'", argv[optind]);
    if (c->json && strcmp(c->out, "-") == 0)
        return cli_usage_error("extract", "--json prints on stdout: give the CSV with -o FILE");
    if (cli_refuse_overwrite("extract", "-o", c->out, c->in) != 0)
        return CLI_EXIT_USAGE;
    if (cli_out_check(c->out) != 0) /* before the capture is read */
        return CLI_EXIT_FAIL;
    return -1;
}

/*
 * Writes the CSV. It goes to a seekable file (MQTTset's column forms are known only at
 * the end): a temporary file copied out for stdout, a device or a pipe; else a temporary
 * file renamed into place. secs: the time the capture took. Returns an exit code (errors
 * printed).
 */
static int write_csv(const extract_cfg *c, uint64_t *rows, mqttids_capture_stats *st, double *secs)
{
    char errbuf[MQTTIDS_ERRBUF_SIZE];
    cli_out of = {NULL, NULL, NULL, 0};
    struct stat sb;
    FILE *fp;
    mqttids_err err;
    double t0;
    int in_place = strcmp(c->out, "-") == 0 || (stat(c->out, &sb) == 0 && !S_ISREG(sb.st_mode));

    if (in_place) {
        fp = tmpfile();
        if (!fp) {
            cli_err("cannot create a temporary file");
            return CLI_EXIT_FAIL;
        }
    } else {
        if (cli_out_open(&of, c->out, "w+b") != 0)
            return CLI_EXIT_FAIL;
        fp = of.fp;
    }
    t0 = cli_now();
    err = mqttids_capture_write_mqttset_csv(c->in, &c->o, fp, c->label, rows, st,
                                            !cli_quiet && isatty(2) ? cli_progress : NULL, NULL, errbuf);
    cli_progress_done();
    *secs = cli_now() - t0;
    if (in_place) {
        if (err == MQTTIDS_OK) {
            if (cli_out_open(&of, c->out, "wb") != 0) {
                fclose(fp);
                return CLI_EXIT_FAIL;
            }
            if (copy_stream(fp, of.fp) != 0)
                err = MQTTIDS_ERR_IO,
                snprintf(errbuf, sizeof errbuf, "%s: write failed: %s", c->out, strerror(errno));
        }
        fclose(fp);
    }
    if (err != MQTTIDS_OK)
        cli_out_abort(&of);
    else if (cli_out_commit(&of) != 0)
        return CLI_EXIT_FAIL;
    if (err != MQTTIDS_OK) {
        cli_err("%s", errbuf);
        return CLI_EXIT_FAIL;
    }
    return CLI_EXIT_OK;
}

/* The summary: a line on stderr, the port hint, and with --json the figures on stdout. */
static void print_summary(const extract_cfg *c, uint64_t rows, const mqttids_capture_stats *st, double secs)
{
    char hint[256];
    cli_info("%s: %llu packets, %llu rows (%llu with MQTT), %llu skipped (not TCP), %llu TCP streams, %.3f s",
             c->in, (unsigned long long)st->packets, (unsigned long long)rows, (unsigned long long)st->mqtt_rows,
             (unsigned long long)st->skipped, (unsigned long long)st->streams, secs);
    if (mqttids_capture_port_hint(st, &c->o, hint, sizeof hint))
        cli_err("warning: %s: %s", c->in, hint);
    if (c->json) {
        json_object *j = json_object_new_object();
        json_object_object_add(j, "input", json_object_new_string(c->in));
        json_object_object_add(j, "output", json_object_new_string(c->out));
        json_object_object_add(j, "packets", json_object_new_int64((int64_t)st->packets));
        json_object_object_add(j, "rows", json_object_new_int64((int64_t)rows));
        json_object_object_add(j, "mqtt_rows", json_object_new_int64((int64_t)st->mqtt_rows));
        json_object_object_add(j, "skipped", json_object_new_int64((int64_t)st->skipped));
        json_object_object_add(j, "tcp_streams", json_object_new_int64((int64_t)st->streams));
        json_object_object_add(j, "streams_evicted", json_object_new_int64((int64_t)st->streams_evicted));
        json_object_object_add(j, "label", c->label ? json_object_new_string(c->label) : NULL);
        json_object_object_add(j, "context_columns",
                               json_object_new_int64(c->o.context ? (int64_t)mqttids_capture_ctx_count() : 0));
        json_object_object_add(j, "id_columns", json_object_new_boolean(c->o.ids));
        json_object_object_add(j, "seconds", cli_json_double(secs));
        cli_json_print(j);
        json_object_put(j);
    }
}

int cmd_extract(int argc, char **argv)
{
    extract_cfg c;
    mqttids_capture_stats st;
    uint64_t rows = 0;
    double secs = 0;
    int rc;

    memset(&c, 0, sizeof c);
    c.out = "-";
    mqttids_capture_opts_init(&c.o);
    if ((rc = extract_options(argc, argv, &c)) >= 0)
        return rc;
    if ((rc = write_csv(&c, &rows, &st, &secs)) != CLI_EXIT_OK)
        return rc;
    print_summary(&c, rows, &st, secs);
    return CLI_EXIT_OK;
}
