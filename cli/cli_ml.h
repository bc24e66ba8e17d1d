/*
 * cli_ml.h: helpers shared by the model commands (train, eval, predict, experiment):
 * pipeline/training options and the train/test rows (tables and JSON: mqttids/ml.h).
 */
#ifndef MQTTIDS_CLI_ML_H
#define MQTTIDS_CLI_ML_H

#include "cli.h"
#include "mqttids/ml.h"

/* The training group's long options (pipeline, learner, CV; codes 0x2001..); cli_opts_next adds them. */
#define CLI_ML_LONGOPTS                                       \
    {"param", required_argument, NULL, 0x2001},               \
    {"seed", required_argument, NULL, 0x2002},                \
    CLI_THREADS_LONGOPT,                                      \
    {"balanced", no_argument, NULL, 0x2004},                  \
    {"zero-threshold", required_argument, NULL, 0x2005},      \
    {"corr-threshold", required_argument, NULL, 0x2006},      \
    {"no-scale", no_argument, NULL, 0x2007},                  \
    {"no-drop-last", no_argument, NULL, 0x2008},              \
    {"continuous", required_argument, NULL, 0x2009},          \
    {"nominal", required_argument, NULL, 0x200a},             \
    {"drop", required_argument, NULL, 0x200b},                \
    {"features", required_argument, NULL, 0x200c},            \
    {"stratified", no_argument, NULL, 0x200d},                \
    {"metric", required_argument, NULL, 0x200e}

#define CLI_ML_HELP                                                                                 \
    "Training:\n"                                                                                   \
    "      --param KEY=VALUE   learner parameter, Spark's names (repeatable), e.g. regParam=0.5\n"  \
    "      --seed N            seed of every random choice (default 42)\n"                         \
    "      --threads N         threads (default 2)\n"                                              \
    "      --balanced          class weights n/(classes*n_c) (default: all 1, as the study)\n"     \
    "Feature pipeline (fitted on train rows only; default: the study's):\n"                        \
    "      --zero-threshold F  drop columns with a zero share above F (0.90; 1 keeps all)\n"       \
    "      --corr-threshold F  drop the later of two columns with |r| above F (0.95; 1: off)\n"    \
    "      --continuous LIST   continuous columns (default tcp.time_delta,tcp.len,mqtt.len,mqtt.msgid)\n" \
    "      --nominal LIST      one-hot columns (default mqtt.hdrflags,tcp.flags,mqtt.msgtype)\n"   \
    "      --drop LIST         columns always dropped (default mqtt.msg)\n"                        \
    "      --features LIST     extra columns used as continuous features: names or a prefix\n"     \
    "                          such as ctx (every ctx.* column)\n"                                 \
    "      --no-scale          do not divide by the train standard deviation\n"                    \
    "      --no-drop-last      keep a column for every category (Spark's dropLast=false)\n"

/* The training options; --stratified and --metric go to cv (each command's help lists them). */
typedef struct cli_ml_opts {
    mqttids_train_opts train;
    mqttids_cv_opts cv;
    const char *params[64];
    size_t nparams;
} cli_ml_opts;

void cli_ml_init(cli_ml_opts *o);
/* Handles one of the CLI_ML_LONGOPTS codes: 1 handled, 0 not ours, -1 usage error (printed). */
int cli_ml_option(cli_ml_opts *o, const char *cmd, int code, const char *arg);

/* Rows of ds tagged split (train/test); when none are tagged so, the untagged rows. Caller frees. */
int cli_rows_for(const mqttids_dataset *ds, int split, size_t **rows, size_t *n);

#endif
