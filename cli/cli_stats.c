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
        if (*arg == '\0' || *end || so->top_flags < 1)
            return cli_usage_error(cmd, "--top needs a positive integer, not '%s'", arg) ? -1 : -1;
        return 1;
    case 'z':
        return cli_parse_unit(cmd, "--zero-threshold", arg, &so->zero_threshold) == 0 ? 1 : -1;
    case 'c':
        return cli_parse_unit(cmd, "--corr-threshold", arg, &so->corr_threshold) == 0 ? 1 : -1;
    default:
        return 0;
    }
}

void cli_stats_print(const mqttids_stats *s)
{
    mqttids_stats_write_text(stdout, s);
}

json_object *cli_stats_json(const mqttids_stats *s, const mqttids_stats_opts *o)
{
    return cli_json_take(mqttids_stats_json(s, o));
}
