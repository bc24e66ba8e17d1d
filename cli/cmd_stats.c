/*
 * cmd_stats.c: "mqttids stats": everything the study's exploration printed, for any
 * inputs, as aligned tables or --json.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

const char cmd_stats_summary[] = "explore a dataset: counts, zeros, nominal values, means, correlation, outliers";

static void help(void)
{
    printf("Usage: mqttids stats [options] [--train PATH]... [--test PATH]... [PATH]...\n"
           "Prints the study's exploration of MQTTset data: rows per split and class, nulls and\n"
           "share of zeros per column, distinct values of the nominal columns, mean mqtt.len over\n"
           "train, mean tcp.len per class, the top X tcp.flags, the correlation matrix, IQR\n"
           "outliers of tcp.len, and the columns the >90%%-zeros and correlation rules drop.\n\n"
           "Options:\n"
           "      --top X              how many tcp.flags values to list (default 5)\n"
           "      --zero-threshold F   zeros rule: drop columns with a zero share above F (0.90)\n"
           "      --corr-threshold F   correlation rule: |r| above F drops the later column (0.95)\n"
           "      --json               machine-readable output on stdout\n"
           "  -q, --quiet              no progress or per-input lines on stderr\n"
           "  -h, --help               this help\n\n"
           CLI_INPUT_HELP);
}

int cmd_stats(int argc, char **argv)
{
    cli_inputs in;
    mqttids_stats_opts so;
    mqttids_dataset *ds = NULL;
    mqttids_stats *st = NULL;
    json_object *report = NULL;
    int json = 0, rc;
    cli_opts co;
    char errbuf[MQTTIDS_ERRBUF_SIZE];

    cli_inputs_init(&in);
    mqttids_stats_opts_init(&so);
    co = CLI_OPTS(.cmd = "stats", .help = help, .in = &in, .stats = &so);
    cli_opts_next(&co, argc, argv, NULL, NULL); /* every option is a group's */
    if (co.rc != CLI_OPT_NEXT)
        return co.rc;
    json = co.tail.json;
    if (json)
        report = json_object_new_object();
    rc = cli_inputs_load(&in, &ds, report);
    if (rc != CLI_EXIT_OK)
        goto out;
    if (mqttids_stats_compute(ds, &so, &st, errbuf) != MQTTIDS_OK) {
        cli_err("%s", errbuf);
        rc = CLI_EXIT_FAIL;
        goto out;
    }
    if (json) {
        json_object *o = cli_stats_json(st, &so);
        json_object_object_add(o, "inputs", json_object_get(json_object_object_get(report, "inputs")));
        cli_json_print(o);
        json_object_put(o);
    } else {
        cli_stats_print(st);
    }
out:
    json_object_put(report);
    mqttids_stats_free(st);
    mqttids_dataset_free(ds);
    return rc;
}
