/* cli_ml.c: option parsing shared by train, eval, predict and experiment (their tables and
   JSON are the library's: mqttids_*_write_text, mqttids_*_json). */
#include <stdlib.h>
#include <string.h>
#include "cli_ml.h"

void cli_ml_init(cli_ml_opts *o)
{
    memset(o, 0, sizeof *o);
    mqttids_train_opts_init(&o->train);
    mqttids_cv_opts_init(&o->cv);
    o->train.params = o->params;
}

/* A number in [0, 1] for a pipeline threshold: cli_ml_option's result. */
static int parse_unit(const char *cmd, const char *opt, const char *arg, double *out)
{
    return cli_parse_unit(cmd, opt, arg, out) == 0 ? 1 : -1;
}

int cli_ml_option(cli_ml_opts *o, const char *cmd, int code, const char *arg)
{
    char *end;
    mqttids_pipeline_opts *p = &o->train.pipeline;
    switch (code) {
    case 0x2001:
        if (!strchr(arg, '='))
            return cli_usage_error(cmd, "--param needs KEY=VALUE, not '%s'", arg) ? -1 : -1;
        if (o->nparams >= sizeof o->params / sizeof o->params[0])
            return cli_usage_error(cmd, "too many --param options") ? -1 : -1;
        o->params[o->nparams++] = arg;
        o->train.nparams = o->nparams;
        return 1;
    case 0x2002: {
        unsigned long long v = strtoull(arg, &end, 10);
        if (*end || !*arg || arg[0] == '-')
            return cli_usage_error(cmd, "--seed needs a non-negative integer, not '%s'", arg) ? -1 : -1;
        o->train.seed = v;
        return 1;
    }
    case 0x1100: { /* --threads: the common tail's parser */
        cli_tail t = {0, o->train.nthreads};
        int r = cli_tail_option(&t, cmd, code, arg, NULL);
        o->train.nthreads = t.threads;
        return r;
    }
    case 0x2004:
        o->train.balanced = 1;
        return 1;
    case 0x2005:
        return parse_unit(cmd, "--zero-threshold", arg, &p->zero_threshold);
    case 0x2006:
        return parse_unit(cmd, "--corr-threshold", arg, &p->corr_threshold);
    case 0x2007:
        p->scale = 0;
        return 1;
    case 0x2008:
        p->drop_last = 0;
        return 1;
    case 0x2009: /* --continuous, --nominal, --drop, --features: column lists */
    case 0x200a:
    case 0x200b:
    case 0x200c: {
        const char **list[] = {&p->continuous, &p->nominal, &p->drop, &p->extra};
        *list[code - 0x2009] = arg;
        return 1;
    }
    case 0x200d:
        o->cv.stratified = 1;
        return 1;
    case 0x200e:
        if (strcmp(arg, "accuracy") == 0)
            o->cv.metric = MQTTIDS_METRIC_ACCURACY;
        else if (strcmp(arg, "f1") == 0 || strcmp(arg, "macro-f1") == 0)
            o->cv.metric = MQTTIDS_METRIC_MACRO_F1;
        else
            return cli_usage_error(cmd, "--metric takes accuracy or f1, not '%s'", arg) ? -1 : -1;
        return 1;
    default:
        return 0;
    }
}

int cli_rows_for(const mqttids_dataset *ds, int split, size_t **rows, size_t *n)
{
    if (mqttids_dataset_split_rows(ds, split, rows, n) != MQTTIDS_OK)
        return -1;
    if (*n == 0) {
        free(*rows);
        if (mqttids_dataset_split_rows(ds, MQTTIDS_SPLIT_NONE, rows, n) != MQTTIDS_OK)
            return -1;
    }
    return 0;
}
