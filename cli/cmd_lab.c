/*
 * cmd_lab.c: "mqttids lab": labeled MQTT traffic from a real broker (Debian's mosquitto on
 * loopback), captured with libpcap and written as pcap + MQTTset CSV + 70/30 split
 * (include/mqttids/lab.h, docs/internals/lab.md).
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "mqttids/lab.h"

const char cmd_lab_summary[] = "labeled MQTT traffic from a real mosquitto broker (pcap + MQTTset CSV)";

static void help(void)
{
    printf("Usage: mqttids lab [--duration S] [--out DIR] [--mode phases|mixed] [--mix CLASS=W,...] [options]\n"
           "Starts Debian's mosquitto on a free loopback port with a password file, drives it with\n"
           "MQTTset's smart home (8 sensors + 2 subscribers: legitimate) and the five MQTTset attacks\n"
           "(dos, flood, slowite, bruteforce, malformed), captures on the loopback interface with\n"
           "libpcap and labels every packet by the generator owning its TCP connection (each\n"
           "attack class uses its own address 127.0.0.20+k, each legitimate client its own 127.1.x.y).\n"
           "Needs root (capture on lo).\n\n"
           "Writes into DIR: lab.pcap, lab.csv (the rows `mqttids extract --port PORT --ids` writes,\n"
           "target = label), train.csv / test.csv (per class the first 70%% of its rows in capture order train,\n"
           "the rest test, as MQTTset's reduced files are split), mosquitto.log.\n\n"
           "Options:\n"
           "  -d, --duration S       traffic time in seconds (default 60: about 100k+ rows)\n"
           "  -o, --out DIR          output folder (default lab-out)\n"
           "      --mode phases|mixed  phases (default): legitimate all along, each attack in its own\n"
           "                         phase in turn; mixed: everything at once\n"
           "      --mix CLASS=W,...  per class weight (default 1): phases: share of attack time and\n"
           "                         rate, mixed: rate; 0 leaves the class out (e.g. flood=0,dos=2)\n"
           "      --scale X          rate factor for every generator (default 1)\n"
           "      --rate CLASS=F,... per class rate factor (default 1, (0, 100]): messages,\n"
           "                         attempts or connections per second, e.g. bruteforce=0.1\n"
           "      --sensors N        legitimate sensors (default 8, at most 250); every sensor and\n"
           "                         each of the 2 subscribers is its own client host 127.1.x.y\n"
           "      --latency MS[,J]   added one-way latency between clients and broker, plus a\n"
           "                         uniform jitter up to J ms, by a delaying TCP relay; captured\n"
           "                         where the broker sees the traffic (docs/internals/lab.md)\n"
           "      --seed N           payloads, guesses and timing jitter (default 1)\n"
           "      --context          the CSVs also carry the flow-context columns ctx.*\n"
           "      --mosquitto PATH   broker binary (default /usr/sbin/mosquitto)\n"
           "      --json             print the summary as JSON on stdout\n"
           "  -q, --quiet            no progress, no summary on stderr\n"
           "  -h, --help             this help\n");
}

static int progress(const char *what, uint64_t done, uint64_t total, void *user)
{
    if (cli_stop)
        return 1;
    if (cli_quiet || !isatty(2))
        return 0;
    return cli_progress(what, done, total, user);
}

/* "CLASS=W,..." into wt[class]; W in [0, 100] (zero_ok) or (0, 100]. */
static int parse_mix(const char *s, double *wt, int zero_ok)
{
    char *copy = strdup(s), *save = NULL;
    if (!copy)
        return -1;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '='), *e;
        if (!eq)
            goto bad;
        int k = mqttids_class_find(tok, (size_t)(eq - tok));
        double w = strtod(eq + 1, &e);
        if (k < 0 || eq[1] == '\0' || *e || !(w >= 0) || w > 100 || (!zero_ok && !(w > 0)))
            goto bad;
        wt[k] = w;
    }
    free(copy);
    return 0;
bad:
    free(copy);
    return -1;
}

/* Parses the options into o; returns -1 to go on, else the exit code. */
static int lab_options(int argc, char **argv, mqttids_lab_opts *o, int *json)
{
    static const struct option longopts[] = {
        {"duration", required_argument, NULL, 'd'},
        {"out", required_argument, NULL, 'o'},
        {"mode", required_argument, NULL, 'M'},
        {"mix", required_argument, NULL, 'X'},
        {"scale", required_argument, NULL, 'S'},
        {"rate", required_argument, NULL, 'R'},
        {"sensors", required_argument, NULL, 'N'},
        {"latency", required_argument, NULL, 'L'},
        {"seed", required_argument, NULL, 's'},
        {"context", no_argument, NULL, 'C'},
        {"mosquitto", required_argument, NULL, 'B'},
        {NULL, 0, NULL, 0},
    };
    cli_opts co;
    char *e;
    int c;

    co = CLI_OPTS(.cmd = "lab", .help = help);
    while ((c = cli_opts_next(&co, argc, argv, "d:o:", longopts)) != 0) {
        switch (c) {
        case 'd':
            o->duration_s = strtod(optarg, &e);
            if (*optarg == '\0' || *e || !(o->duration_s > 0) || o->duration_s > 86400)
                return cli_usage_error("lab", "--duration takes seconds in (0, 86400], not '%s'", optarg);
            break;
        case 'o':
            o->out_dir = optarg;
            break;
        case 'M':
            if (strcmp(optarg, "phases") == 0)
                o->mode = MQTTIDS_LAB_PHASES;
            else if (strcmp(optarg, "mixed") == 0)
                o->mode = MQTTIDS_LAB_MIXED;
            else
                return cli_usage_error("lab", "--mode takes phases or mixed, not '%s'", optarg);
            break;
        case 'X':
            if (parse_mix(optarg, o->weight, 1) != 0)
                return cli_usage_error("lab", "--mix takes CLASS=WEIGHT[,...] with classes legitimate, dos, "
                                              "bruteforce, malformed, slowite, flood and weights in [0, 100], "
                                              "not '%s'", optarg);
            break;
        case 'R':
            if (parse_mix(optarg, o->rate, 0) != 0)
                return cli_usage_error("lab", "--rate takes CLASS=FACTOR[,...] with classes legitimate, dos, "
                                              "bruteforce, malformed, slowite, flood and factors in (0, 100], "
                                              "not '%s'", optarg);
            break;
        case 'N': {
            long v = strtol(optarg, &e, 10);
            if (*optarg == '\0' || *e || v < 1 || v > 250)
                return cli_usage_error("lab", "--sensors takes a count in [1, 250], not '%s'", optarg);
            o->sensors = (int)v;
            break;
        }
        case 'L':
            o->latency_ms = strtod(optarg, &e);
            o->jitter_ms = 0;
            if (*e == ',')
                o->jitter_ms = strtod(e + 1, &e);
            if (*optarg == '\0' || *e || !(o->latency_ms >= 0) || o->latency_ms > 5000 || !(o->jitter_ms >= 0) ||
                o->jitter_ms > 5000)
                return cli_usage_error("lab", "--latency takes MS[,JITTER] in [0, 5000] ms, not '%s'", optarg);
            break;
        case 'S':
            o->scale = strtod(optarg, &e);
            if (*optarg == '\0' || *e || !(o->scale > 0) || o->scale > 100)
                return cli_usage_error("lab", "--scale takes a factor in (0, 100], not '%s'", optarg);
            break;
        case 's': {
            unsigned long long v = strtoull(optarg, &e, 10);
            if (*optarg == '\0' || *e)
                return cli_usage_error("lab", "--seed takes a whole number, not '%s'", optarg);
            o->seed = v;
            break;
        }
        case 'C':
            o->context = 1;
            break;
        case 'B':
            o->mosquitto = optarg;
            break;
        }
    }
    *json = co.tail.json;
    return co.rc;
}

/* The run's summary as text on stdout (the banner went to stderr). */
static void print_summary(const mqttids_lab_result *r)
{
    printf("lab: broker port %u, %.1f s, %llu packets (kernel drops %llu), %llu rows "
                    "(unlabeled %llu)\n", (unsigned)r->port, r->seconds, (unsigned long long)r->packets,
            (unsigned long long)r->drops, (unsigned long long)r->rows, (unsigned long long)r->unlabeled);
    for (int k = 0; k < MQTTIDS_NCLASS; k++)
        printf("  %-11s rows %8llu (train %llu, test %llu)  connections %llu  messages %llu\n",
                mqttids_class_name(k), (unsigned long long)r->rows_class[k], (unsigned long long)r->train_class[k],
                (unsigned long long)(r->rows_class[k] - r->train_class[k]), (unsigned long long)r->conns_class[k],
                (unsigned long long)r->msgs_class[k]);
}

/* The run's summary as JSON on stdout. */
static void print_summary_json(const mqttids_lab_opts *o, const mqttids_lab_result *r)
{
    json_object *j = json_object_new_object(), *cls = json_object_new_object();
    json_object_object_add(j, "out", json_object_new_string(o->out_dir));
    json_object_object_add(j, "port", json_object_new_int(r->port));
    json_object_object_add(j, "sensors", json_object_new_int(o->sensors));
    json_object_object_add(j, "latency_ms", cli_json_double(o->latency_ms));
    json_object_object_add(j, "jitter_ms", cli_json_double(o->jitter_ms));
    json_object_object_add(j, "seconds", cli_json_double(r->seconds));
    json_object_object_add(j, "packets", json_object_new_int64((int64_t)r->packets));
    json_object_object_add(j, "drops", json_object_new_int64((int64_t)r->drops));
    json_object_object_add(j, "rows", json_object_new_int64((int64_t)r->rows));
    json_object_object_add(j, "unlabeled", json_object_new_int64((int64_t)r->unlabeled));
    for (int k = 0; k < MQTTIDS_NCLASS; k++) {
        json_object *x = json_object_new_object();
        json_object_object_add(x, "rows", json_object_new_int64((int64_t)r->rows_class[k]));
        json_object_object_add(x, "train", json_object_new_int64((int64_t)r->train_class[k]));
        json_object_object_add(x, "test", json_object_new_int64((int64_t)(r->rows_class[k] - r->train_class[k])));
        json_object_object_add(x, "connections", json_object_new_int64((int64_t)r->conns_class[k]));
        json_object_object_add(x, "messages", json_object_new_int64((int64_t)r->msgs_class[k]));
        json_object_object_add(cls, mqttids_class_name(k), x);
    }
    json_object_object_add(j, "classes", cls);
    cli_json_print(j);
    json_object_put(j);
}

int cmd_lab(int argc, char **argv)
{
    mqttids_lab_opts o;
    mqttids_lab_result r;
    char errbuf[MQTTIDS_ERRBUF_SIZE];
    int json = 0, rc;

    mqttids_lab_opts_init(&o);
    o.out_dir = "lab-out";
    if ((rc = lab_options(argc, argv, &o, &json)) >= 0)
        return rc;
    if (geteuid() != 0) {
        cli_err("lab: needs root: it captures on the loopback interface with libpcap (run it as root, "
                "e.g. sudo mqttids lab ...)");
        return CLI_EXIT_FAIL;
    }

    cli_signals_install(NULL);
    signal(SIGPIPE, SIG_IGN);

    cli_info("lab: %s run of %g s into %s (mosquitto %s, %d sensors, latency %g ms + jitter %g ms)",
             o.mode == MQTTIDS_LAB_MIXED ? "mixed" : "phased", o.duration_s, o.out_dir, o.mosquitto, o.sensors,
             o.latency_ms, o.jitter_ms);
    mqttids_err err = mqttids_lab_run(&o, &r, progress, NULL, errbuf);
    cli_progress_done();
    if (err) {
        cli_err("%s", errbuf);
        return CLI_EXIT_FAIL;
    }
    if (json)
        print_summary_json(&o, &r);
    else
        print_summary(&r);
    return cli_stop ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}
