/*
 * cli_detect.c: the alert options that the detecting commands (watch, stream detect) share.
 */
#include <stdlib.h>
#include <string.h>
#include "cli_detect.h"

static int parse_seconds(const char *s, double *out)
{
    char *e;
    double v = strtod(s, &e);
    if (*s == '\0' || *e || !(v >= 0) || v > 1e9)
        return -1;
    *out = v;
    return 0;
}

int cli_detect_option(mqttids_alert_rule *r, const char *cmd, int code, const char *arg)
{
    uint64_t n;
    switch (code) {
    case 0x3001:
        r->alert_all = 1;
        return 1;
    case 0x3002:
        if (mqttids_alert_by_parse(arg, &r->by) != MQTTIDS_OK)
            return cli_usage_error(cmd, "--alert-by takes packet, connection or host, not '%s'", arg), -1;
        return 1;
    case 0x3003:
        if (parse_seconds(arg, &r->window_s) != 0)
            return cli_usage_error(cmd, "--alert-window takes seconds >= 0, not '%s'", arg), -1;
        return 1;
    case 0x3004:
        if (parse_seconds(arg, &r->min_probability) != 0 || r->min_probability > 1)
            return cli_usage_error(cmd, "--min-probability takes a number 0..1, not '%s'", arg), -1;
        return 1;
    case 0x3005:
        if (cli_parse_u64(arg, &n) != 0 || n < 1 || n > ((uint64_t)1 << 24))
            return cli_usage_error(cmd, "--max-groups takes 1..16777216, not '%s'", arg), -1;
        r->max_groups = (size_t)n;
        return 1;
    default:
        return 0;
    }
}
