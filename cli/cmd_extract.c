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

int cmd_extract(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"read", required_argument, NULL, 'r'},
        {"output", required_argument, NULL, 'o'},
        {"label", required_argument, NULL, 'L'},
        {"port", required_argument, NULL, 'P'},
        {"filter", required_argument, NULL, 'F'},
        {"max-streams", required_argument, NULL, 'M'},
        {"json", no_argument, NULL, 'J'},
        {"context", no_argument, NULL, 'C'},
        {"ids", no_argument, NULL, 'I'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *in = NULL, *out = "-", *label = NULL;
    int json = 0, c, nports = 0;
    mqttids_capture_opts o;
    char errbuf[MQTTIDS_ERRBUF_SIZE];
    mqttids_capture_stats st;
    uint64_t rows = 0;
    mqttids_err err;
    FILE *fp = NULL;
    cli_out of = {NULL, NULL, NULL, 0};
    int in_place;
    struct stat sb;
    struct timespec t0, t1;

    mqttids_capture_opts_init(&o);
    optind = 1;
    while ((c = getopt_long(argc, argv, "r:o:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'r':
            in = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 'L':
            if (mqttids_class_find(optarg, strlen(optarg)) < 0)
                return cli_usage_error("extract", "unknown class '%s' (legitimate, dos, bruteforce, malformed, "
                                                  "slowite, flood)", optarg);
            label = mqttids_class_name(mqttids_class_find(optarg, strlen(optarg)));
            break;
        case 'P':
            if (nports >= MQTTIDS_CAPTURE_MAX_PORTS || parse_port(optarg, &o.mqtt_ports[nports]) < 0)
                return cli_usage_error("extract", "--port takes a port number 1-65535 (at most %d), not '%s'",
                                       MQTTIDS_CAPTURE_MAX_PORTS, optarg);
            nports++;
            o.n_mqtt_ports = nports;
            break;
        case 'F':
            o.filter = optarg;
            break;
        case 'M': {
            char *e;
            unsigned long long v = strtoull(optarg, &e, 10);
            if (*optarg == '\0' || *e || v == 0)
                return cli_usage_error("extract", "--max-streams takes a positive number, not '%s'", optarg);
            o.max_streams = (size_t)v;
            break;
        }
        case 'J':
            json = 1;
            break;
        case 'C':
            o.context = 1;
            break;
        case 'I':
            o.ids = 1;
            break;
        case 'q':
            cli_quiet = 1;
            break;
        case 'h':
            help();
            return CLI_EXIT_OK;
        default:
            return cli_usage_error("extract", "unknown option");
        }
    }
    if (!in && optind < argc)
        in = argv[optind++];
    if (!in)
        return cli_usage_error("extract", "no capture given (-r FILE)");
    if (optind < argc)
        return cli_usage_error("extract", "unexpected argument '%s'", argv[optind]);
    if (json && strcmp(out, "-") == 0)
        return cli_usage_error("extract", "--json prints on stdout: give the CSV with -o FILE");
    if (cli_refuse_overwrite("extract", "-o", out, in) != 0)
        return CLI_EXIT_USAGE;

    /* The CSV is written to a seekable file (MQTTset's column forms are known only at the
       end): a temporary file copied out for stdout, a device or a pipe; else a temporary
       file renamed into place. */
    in_place = strcmp(out, "-") == 0 || (stat(out, &sb) == 0 && !S_ISREG(sb.st_mode));
    if (in_place) {
        fp = tmpfile();
        if (!fp) {
            cli_err("cannot create a temporary file");
            return CLI_EXIT_FAIL;
        }
    } else {
        if (cli_out_open(&of, out, "w+b") != 0)
            return CLI_EXIT_FAIL;
        fp = of.fp;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    err = mqttids_capture_write_mqttset_csv(in, &o, fp, label, &rows, &st,
                                            !cli_quiet && isatty(2) ? cli_progress : NULL, NULL, errbuf);
    cli_progress_done();
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (in_place) {
        if (err == MQTTIDS_OK) {
            if (cli_out_open(&of, out, "wb") != 0) {
                fclose(fp);
                return CLI_EXIT_FAIL;
            }
            if (copy_stream(fp, of.fp) != 0)
                err = MQTTIDS_ERR_IO, snprintf(errbuf, sizeof errbuf, "%s: write failed: %s", out, strerror(errno));
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
    {
        double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
        cli_info("%s: %llu packets, %llu rows (%llu with MQTT), %llu skipped (not TCP), %llu TCP streams, "
                 "%.3f s",
                 in, (unsigned long long)st.packets, (unsigned long long)rows, (unsigned long long)st.mqtt_rows,
                 (unsigned long long)st.skipped, (unsigned long long)st.streams, secs);
        if (json) {
            json_object *j = json_object_new_object();
            json_object_object_add(j, "input", json_object_new_string(in));
            json_object_object_add(j, "output", json_object_new_string(out));
            json_object_object_add(j, "packets", json_object_new_int64((int64_t)st.packets));
            json_object_object_add(j, "rows", json_object_new_int64((int64_t)rows));
            json_object_object_add(j, "mqtt_rows", json_object_new_int64((int64_t)st.mqtt_rows));
            json_object_object_add(j, "skipped", json_object_new_int64((int64_t)st.skipped));
            json_object_object_add(j, "tcp_streams", json_object_new_int64((int64_t)st.streams));
            json_object_object_add(j, "streams_evicted", json_object_new_int64((int64_t)st.streams_evicted));
            json_object_object_add(j, "label", label ? json_object_new_string(label) : NULL);
            json_object_object_add(j, "context_columns",
                                   json_object_new_int64(o.context ? (int64_t)mqttids_capture_ctx_count() : 0));
            json_object_object_add(j, "id_columns", json_object_new_boolean(o.ids));
            json_object_object_add(j, "seconds", cli_json_double(secs));
            cli_json_print(j);
            json_object_put(j);
        }
    }
    return CLI_EXIT_OK;
}
