/*
 * cli_options.c: the options every command shares and what the tool says about a bad one.
 * A command's option loop is cli_opts_next, which gives every option to the command's option
 * groups (the tail always; inputs, training, exploration, alerts and Kafka where the command
 * has them) and returns the command's own ones to its switch. getopt names a bad
 * option itself ("mqttids stream dump: unrecognized option '--bar'", its prefix being
 * argv[0], which the dispatchers set to the full command name); the command adds only the
 * way to its help.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli_ml.h"
#include "cli_stream.h"

/* After getopt said what is wrong with an option (naming it, prefixed by argv[0]): the way
   to the command's help. */
static int bad_option(const char *cmd)
{
    fprintf(stderr, "Try '%s %s --help'.\n", cli_prog, cmd);
    return CLI_EXIT_USAGE;
}

void cli_name_command(char **argv, char *buf, size_t size, const char *prefix)
{
    snprintf(buf, size, "%s %s", prefix, argv[0]);
    argv[0] = buf;
}

int cli_run_subcommand(const cli_sub *subs, size_t n, int argc, char **argv)
{
    static char name[80]; /* "mqttids stream create-topic" */
    for (size_t i = 0; i < n; i++)
        if (strcmp(argv[1], subs[i].name) == 0) {
            cli_name_command(argv + 1, name, sizeof name, argv[0]);
            return subs[i].fn(argc - 1, argv + 1);
        }
    return -1;
}

/* A group's answer (1 handled, 0 not ours, -1 usage error shown) as shared_option's. */
static int group_result(int r)
{
    return r > 0 ? CLI_OPT_NEXT : CLI_EXIT_USAGE;
}

#define OWN_OPTION (-2)

/* Offers code to the groups: CLI_OPT_NEXT when one took it, OWN_OPTION when none has it, else
   the exit code (CLI_EXIT_OK after --help; CLI_EXIT_USAGE after a bad value or option, said). */
static int shared_option(cli_opts *o, int code, const char *arg)
{
    int r = 0, rc;
    if (code == '?') /* getopt named the bad option */
        return bad_option(o->cmd);
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
    return r == 0 ? OWN_OPTION : r == 1 ? CLI_OPT_NEXT : r == 2 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
}

/* After the last option: argv[optind..] become untagged inputs (with o->in), stay for the
   command (o->args) or are refused. */
static int leftover_args(cli_opts *o, int argc, char **argv)
{
    if (o->in)
        return cli_inputs_add_positional(o->in, o->cmd, argc, argv, optind) < 0 ? CLI_EXIT_USAGE : CLI_OPT_NEXT;
    if (!o->args && optind < argc)
        return cli_usage_error(o->cmd, "unexpected argument '%s'", argv[optind]);
    return CLI_OPT_NEXT;
}

/* The long options of each group: appended to a command's own. */
static const struct option tail_opts[] = {CLI_TAIL_LONGOPTS, {NULL, 0, NULL, 0}};
static const struct option threads_opts[] = {CLI_THREADS_LONGOPT, {NULL, 0, NULL, 0}};
static const struct option input_opts[] = {CLI_INPUT_LONGOPTS, {NULL, 0, NULL, 0}};
static const struct option ml_opts[] = {CLI_ML_LONGOPTS, {NULL, 0, NULL, 0}};
static const struct option stats_opts[] = {CLI_STATS_LONGOPTS, {NULL, 0, NULL, 0}};
static const struct option detect_opts[] = {CLI_DETECT_LONGOPTS, {NULL, 0, NULL, 0}};

static void append_options(cli_opts *o, size_t *n, const struct option *t)
{
    for (; t && t->name; t++) {
        assert(*n + 1 < sizeof o->all / sizeof o->all[0]); /* room for the terminator */
        o->all[(*n)++] = *t;
    }
}

/* o->all and o->shorts: the command's options, then its groups'. */
static void build_options(cli_opts *o, const char *shortopts, const struct option *longopts)
{
    size_t n = 0;
    append_options(o, &n, longopts);
    append_options(o, &n, tail_opts);
    append_options(o, &n, o->threads ? threads_opts : NULL);
    append_options(o, &n, o->in ? input_opts : NULL);
    append_options(o, &n, o->ml ? ml_opts : NULL);
    append_options(o, &n, o->stats ? stats_opts : NULL);
    append_options(o, &n, o->rule ? detect_opts : NULL);
    memset(&o->all[n], 0, sizeof o->all[n]);
    assert(strlen(shortopts ? shortopts : "") + 3 <= sizeof o->shorts);
    snprintf(o->shorts, sizeof o->shorts, "%sqh", shortopts ? shortopts : "");
}

int cli_opts_next(cli_opts *o, int argc, char **argv, const char *shortopts, const struct option *longopts)
{
    int code;
    if (!o->started) {
        o->started = 1;
        optind = 1;
        build_options(o, shortopts, longopts);
    }
    while ((code = getopt_long(argc, argv, o->shorts, o->all, NULL)) != -1) {
        int r = shared_option(o, code, optarg);
        if (r == OWN_OPTION)
            return code;
        if (r != CLI_OPT_NEXT) {
            o->rc = r;
            return 0;
        }
    }
    o->rc = leftover_args(o, argc, argv);
    if (o->ml && !cli_quiet) /* after -q: training draws its progress on a terminal */
        o->ml->train.progress = cli_progress;
    return 0;
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
