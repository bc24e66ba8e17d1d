/*
 * cli_stats.c: the options and JSON of the study's exploration (mqttids_stats), shared by
 * "mqttids stats" (computed in memory) and "mqttids db stats" (computed by SQL), so both
 * print the same output for the same data; the tables are mqttids_stats_write_text.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

int cli_stats_option(mqttids_stats_opts *so, const char *cmd, int code, const char *arg)
{
    char *end;
    switch (code) {
    case 't':
        so->top_flags = (int)strtol(arg, &end, 10);
        if (*arg == '\0' || *end || so->top_flags < 1) {
            cli_usage_error(cmd, "--top needs a positive integer, not '%s'", arg);
            return -1;
        }
        return 0;
    case 'z':
        so->zero_threshold = strtod(arg, &end);
        if (*arg == '\0' || *end || !(so->zero_threshold >= 0 && so->zero_threshold <= 1)) {
            cli_usage_error(cmd, "--zero-threshold needs a number in [0, 1], not '%s'", arg);
            return -1;
        }
        return 0;
    case 'c':
        so->corr_threshold = strtod(arg, &end);
        if (*arg == '\0' || *end || !(so->corr_threshold >= 0 && so->corr_threshold <= 1)) {
            cli_usage_error(cmd, "--corr-threshold needs a number in [0, 1], not '%s'", arg);
            return -1;
        }
        return 0;
    default:
        return -1;
    }
}

void cli_stats_print(const mqttids_stats *s)
{
    mqttids_stats_write_text(stdout, s);
}

json_object *cli_stats_json(const mqttids_stats *s, const mqttids_stats_opts *o)
{
    char *text = mqttids_stats_json(s, o);
    json_object *j = text ? json_tokener_parse(text) : NULL;
    free(text);
    return j ? j : json_object_new_object();
}

