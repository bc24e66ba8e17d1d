/*
 * cli_options.c: the options every command shares and what the tool says about a bad one.
 * A command's getopt switch handles its own codes and gives every other code to
 * cli_opts_other, which offers it to the command's option groups (the tail always; inputs,
 * training, exploration, alerts and Kafka where the command has them). getopt names a bad
 * option itself ("mqttids stream dump: unrecognized option '--bar'", its prefix being
 * argv[0], which the dispatchers set to the full command name); the command adds only the
 * way to its help.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli_ml.h"
#include "cli_stream.h"

int cli_bad_option(const char *cmd)
{
    fprintf(stderr, "Try '%s %s --help'.\n", cli_prog, cmd);
    return CLI_EXIT_USAGE;
}

void cli_name_command(char **argv, char *buf, size_t size, const char *prefix)
{
    snprintf(buf, size, "%s %s", prefix, argv[0]);
    argv[0] = buf;
}

void cli_opts_init(cli_opts *o, const char *cmd, void (*help)(void))
{
    memset(o, 0, sizeof *o);
    o->cmd = cmd;
    o->help = help;
    o->tail.threads = 2;
}

/* A group's answer (1 handled, 0 not ours, -1 usage error shown) as cli_opts_other's. */
static int group_result(int r)
{
    return r > 0 ? CLI_OPT_NEXT : CLI_EXIT_USAGE;
}

int cli_opts_other(cli_opts *o, int code, const char *arg)
{
    int r = 0, rc;
    if (o->in && (r = cli_inputs_option(o->in, o->cmd, code, arg)) != 0)
        return group_result(r);
    if (o->ml && (r = cli_ml_option(o->ml, o->cmd, code, arg)) != 0)
        return group_result(r);
    if (o->stats && (r = cli_stats_option(o->stats, o->cmd, code, arg)) != 0)
        return group_result(r);
    if (o->rule && (r = cli_detect_option(o->rule, o->cmd, code, arg)) != 0)
        return group_result(r);
    if (o->kafka && cli_stream_kafka_option(o->kafka, o->cmd, code, arg, &rc))
        return rc == CLI_EXIT_OK ? CLI_OPT_NEXT : rc;
    r = cli_tail_option(&o->tail, o->cmd, code, arg, o->help);
    if (r == 0)
        return cli_bad_option(o->cmd);
    return r == 1 ? CLI_OPT_NEXT : CLI_TAIL_EXIT(r);
}

int cli_opts_end(cli_opts *o, int argc, char **argv)
{
    if (o->in)
        return cli_inputs_add_positional(o->in, o->cmd, argc, argv, optind) < 0 ? CLI_EXIT_USAGE : CLI_OPT_NEXT;
    if (optind < argc)
        return cli_usage_error(o->cmd, "unexpected argument '%s'", argv[optind]);
    return CLI_OPT_NEXT;
}

int cli_parse_unit(const char *cmd, const char *opt, const char *arg, double *out)
{
    char *end;
    double v = strtod(arg, &end);
    if (end == arg || *end || !(v >= 0 && v <= 1))
        return cli_usage_error(cmd, "%s needs a number in [0, 1], not '%s'", opt, arg) ? -1 : -1;
    *out = v;
    return 0;
}

int cli_parse_int_in(const char *cmd, const char *opt, const char *arg, int lo, int hi, int *out)
{
    char *end;
    long v;
    errno = 0;
    v = strtol(arg, &end, 10);
    if (end == arg || *end || errno || v < lo || v > hi)
        return cli_usage_error(cmd, "%s needs an integer in [%d, %d], not '%s'", opt, lo, hi, arg) ? -1 : -1;
    *out = (int)v;
    return 0;
}
