/*
 * cli.h: helpers shared by the tool's commands: input options (--train/--test/plain
 * paths, --on-error, --reject), loading them into one dataset, JSON output, progress
 * on a terminal, and the check-and-exit helpers that only the tool may use.
 *
 * Exit codes: 0 ok, 1 runtime failure, 2 usage error.
 */
#ifndef MQTTIDS_CLI_H
#define MQTTIDS_CLI_H

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <json-c/json.h>
#include "mqttids/mqttids.h"

#define CLI_EXIT_OK 0
#define CLI_EXIT_FAIL 1
#define CLI_EXIT_USAGE 2

extern const char *cli_prog; /* "mqttids" */
extern int cli_quiet;        /* --quiet: no progress, no info lines */

/* Prints "mqttids: <msg>" to stderr. */
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints an info line to stderr unless quiet. */
void cli_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Usage error: prints the message and "Try 'mqttids CMD --help'", returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Before running a (sub)command: argv[0] becomes "PREFIX argv[0]" (kept in buf) so getopt's
   messages name the whole command ("mqttids stream dump: ..."). */
void cli_name_command(char **argv, char *buf, size_t size, const char *prefix);

/* A subcommand of a command that has several ("db load", "stream dump"). */
typedef struct cli_sub {
    const char *name;
    int (*fn)(int argc, char **argv);
} cli_sub;
/* Runs argv[1]'s subcommand among subs[0..n) with argv + 1, its argv[0] named "ARGV0 SUB" for
   getopt's messages. Returns its exit code, or -1 when argv[1] names none of them. */
int cli_run_subcommand(const cli_sub *subs, size_t n, int argc, char **argv);

/* One input: a path with a split tag. */
typedef struct cli_input {
    const char *path;
    mqttids_split split;
} cli_input;

/*
 * Input options every data command takes: the inputs group of cli_opts (which parses them
 * with cli_inputs_option and adds the leftover arguments with cli_inputs_add_positional).
 */
typedef struct cli_inputs {
    cli_input items[256];
    int n;
    mqttids_on_error on_error;
    const char *reject_path;
    int keep_extra;
    int keep_payload;
    int require_label;
    const char *db;     /* --db CONNINFO (PostgreSQL source, when built) */
    const char *table;  /* --table NAME */
} cli_inputs;

/* The inputs group's long options (cli_opts_next adds them to a command's own). */
#define CLI_INPUT_LONGOPTS                                  \
    {"train", required_argument, NULL, 0x1001},             \
    {"test", required_argument, NULL, 0x1002},              \
    {"on-error", required_argument, NULL, 0x1003},          \
    {"reject", required_argument, NULL, 0x1004},            \
    {"extra", required_argument, NULL, 0x1005},             \
    {"keep-payload", no_argument, NULL, 0x1006},            \
    {"db", required_argument, NULL, 0x1007},                \
    {"table", required_argument, NULL, 0x1008}

/* The help text for those options: files (CLI_FILE_INPUT_HELP, db load's inputs) and a table. */
#define CLI_INPUT_HELP                                                                   \
    CLI_FILE_INPUT_HELP                                                                  \
    "      --db CONNINFO      read a PostgreSQL table instead (loaded by 'mqttids db load';\n" \
    "                         rows split by its train_flag column)\n"                    \
    "      --table NAME       that table (default " MQTTIDS_STORE_DEFAULT_TABLE ")\n"
#define CLI_FILE_INPUT_HELP                                                              \
    "Inputs (MQTTset CSV, plain or .gz, or a pcap/pcapng capture; '-' is stdin; a CSV\n" \
    "may be a URL: https://..., s3://BUCKET/KEY, gs://BUCKET/OBJECT, see README):\n"    \
    "      --train PATH       rows tagged train (repeatable)\n"                          \
    "      --test PATH        rows tagged test (repeatable)\n"                           \
    "      PATH...            untagged rows (a train_flag column, if any, tags them)\n"  \
    "      --on-error fail|skip  stop at the first bad row (default) or skip it\n"      \
    "      --reject FILE      with skip: write each rejected line and its reason here\n" \
    "      --extra keep|ignore   keep non-feature numeric columns (default keep)\n"     \
    "      --keep-payload     keep mqtt.msg strings in memory (off: saves memory)\n"

void cli_inputs_init(cli_inputs *in);
/* Handles one of the CLI_INPUT_LONGOPTS codes. Returns 1 if handled, 0 if not ours, -1 usage error. */
int cli_inputs_option(cli_inputs *in, const char *cmd, int code, const char *arg);
/* Adds argv[optind..argc) as untagged inputs. */
int cli_inputs_add_positional(cli_inputs *in, const char *cmd, int argc, char **argv, int first);

/*
 * Loads every input into a new dataset, printing a read/kept/rejected line per input
 * (unless quiet) and progress on a terminal. Returns CLI_EXIT_OK with *out set, or an
 * exit code after printing the error.
 */
int cli_inputs_load(cli_inputs *in, mqttids_dataset **out, json_object *report /* may be NULL */);

/* Seconds on the monotonic clock (durations, rate limits). */
double cli_now(void);
/* A plain decimal unsigned integer (no sign, no junk, no overflow). Returns 0 or -1. */
int cli_parse_u64(const char *s, uint64_t *out);

/* Progress callback: draws on stderr only when it is a terminal (and not -q); never stops the work. */
int cli_progress(const char *what, uint64_t done, uint64_t total, void *user);
void cli_progress_done(void);

/*
 * Output files are written whole or not at all: a regular (or new) file goes to
 * "<path>.tmp.<pid>" and is renamed into place by cli_out_commit; "-" is stdout; a device
 * or FIFO (/dev/null, /dev/stdout, a named pipe) is written in place, never replaced.
 */
typedef struct cli_out {
    FILE *fp;    /* write here */
    char *path;  /* owned */
    char *tmp;   /* owned; NULL when writing in place */
    int owned;   /* fp is ours to close (not stdout) */
} cli_out;
/* Opens path with mode ("w", "wb", "w+b"). Returns 0, or -1 after printing the error. */
int cli_out_open(cli_out *o, const char *path, const char *mode);
/* Flushes, closes and renames into place. Returns 0, or -1 after printing the error
   (the temporary file is removed). */
int cli_out_commit(cli_out *o);
/* Drops the output: closes and removes the temporary file. Safe after commit and twice. */
void cli_out_abort(cli_out *o);
/* Before any work (cli_outcheck.c): path ("-": stdout) can be created: its folder exists and
   is writable and it is no folder. cli_dir_make creates a folder and its parents (--svg-dir).
   Both return 0, or -1 after printing the error (exit CLI_EXIT_FAIL). */
int cli_out_check(const char *path);
int cli_dir_make(const char *dir);
/* cli_out_check of PREFIX.csv (--curves PREFIX writes PREFIX.csv and PREFIX.svg). */
int cli_out_check_prefix(const char *prefix);

/* The exploration's options (--top X, --zero-threshold F, --corr-threshold F), shared by
   stats and db stats: codes 't', 'z', 'c'. Returns 1 if handled, 0 if not ours, -1 usage error (printed). */
#define CLI_STATS_LONGOPTS                                  \
    {"top", required_argument, NULL, 't'},                  \
    {"zero-threshold", required_argument, NULL, 'z'},       \
    {"corr-threshold", required_argument, NULL, 'c'}
int cli_stats_option(mqttids_stats_opts *so, const char *cmd, int code, const char *arg);

/* The exploration's aligned tables on stdout, and its JSON (cli_stats.c). */
void cli_stats_print(const mqttids_stats *s);
json_object *cli_stats_json(const mqttids_stats *s, const mqttids_stats_opts *o);

/* Opens the PostgreSQL store at conninfo; on failure says why on stderr, with the password
   masked in the conninfo shown, and returns the error (*st NULL). */
mqttids_err cli_store_open(const char *conninfo, mqttids_store **st);

/* 1 when paths a and b name one existing file (same device and inode), else 0. */
int cli_same_file(const char *a, const char *b);
/* Refuses to write output `out` (given with option opt) when it is the file `in` that
   the command reads: prints why and returns -1; 0 when they differ. "-" never matches. */
int cli_refuse_overwrite(const char *cmd, const char *opt, const char *out, const char *in);
/* cli_refuse_overwrite against every input path of in (and --reject). */
int cli_inputs_refuse_overwrite(const cli_inputs *in, const char *cmd, const char *opt, const char *out);

/* Flushes and closes stdout; on a write error (full disk, /dev/full) prints it with errno
   and returns -1. main() calls it after every command. */
int cli_stdout_close(void);

/*
 * The option tail every command takes (cli_run.c; cli_opts_next adds it): --json,
 * -q/--quiet, -h/--help, and --threads N (1..64, default 2) where the command has it.
 * cli_tail_option returns 0 (not a tail option), 1 (handled), 2 (help was shown: exit
 * CLI_EXIT_OK) or -1 (usage error shown: exit CLI_EXIT_USAGE).
 */
#define CLI_TAIL_LONGOPTS                                   \
    {"json", no_argument, NULL, 'j'},                       \
    {"quiet", no_argument, NULL, 'q'},                      \
    {"help", no_argument, NULL, 'h'}
#define CLI_THREADS_LONGOPT {"threads", required_argument, NULL, 0x1100}
typedef struct cli_tail {
    int json;
    int threads;
} cli_tail;
int cli_tail_option(cli_tail *t, const char *cmd, int code, const char *arg, void (*help)(void));

/*
 * The option groups a command takes besides its own (cli_options.c): the tail always, the
 * others where not NULL. The command loops on cli_opts_next, which hands the groups' options
 * to them and returns only the command's own. Group codes: tail 'j' 'q' 'h' 0x1100, inputs
 * 0x1001.., training 0x2001.. (and 0x1100), exploration 't' 'z' 'c', alerts 0x3001..,
 * Kafka 'b' 't' 'X'.
 */
typedef struct cli_opts {
    const char *cmd;           /* "train", "db load": names the command in messages */
    void (*help)(void);        /* prints --help */
    cli_tail tail;             /* OUT: --json, --threads */
    cli_inputs *in;            /* CLI_INPUT_LONGOPTS; leftover arguments are inputs */
    struct cli_ml_opts *ml;    /* CLI_ML_LONGOPTS (cli_ml.h); progress unless -q */
    mqttids_stats_opts *stats; /* CLI_STATS_LONGOPTS */
    mqttids_alert_rule *rule;  /* CLI_DETECT_LONGOPTS (cli_detect.h) */
    struct kopts *kafka;       /* -b, -t, -X (cli_stream.h); the command lists --brokers and
                                  --topic itself (create-topic has no --topic) */
    int threads;               /* --threads N (CLI_THREADS_LONGOPT; the training group has it) */
    int args;                  /* the command reads leftover arguments (argv[optind..]) itself;
                                  else, without in, they are refused */
    int rc;                    /* OUT: once cli_opts_next returned 0: CLI_OPT_NEXT, or the exit code */
    int started;
    struct option all[64];     /* the command's long options, then its groups' */
    char shorts[32];           /* the command's short options, then the tail's ("qh") */
} cli_opts;
/* "Go on" (cli_opts.rc, and the option functions of the commands); any other is an exit code. */
#define CLI_OPT_NEXT (-1)
/* A command's cli_opts: the fields given as designated initializers, the tail's threads 2,
   e.g. CLI_OPTS(.cmd = "train", .help = help, .in = &in, .ml = &mo). */
#define CLI_OPTS(...) ((cli_opts){.tail = {0, 2}, .rc = CLI_OPT_NEXT, __VA_ARGS__})
/*
 * The getopt loop over the command's own options (shortopts, longopts: NULL-terminated; either
 * may be NULL) and its groups' (their tables are added here, the tail's -q and -h too; optind
 * starts at 1 on the first call): returns the code of the command's next own option (optarg
 * is its value), or 0 when there are none left: then o->rc is CLI_OPT_NEXT, or the exit code
 * when --help was shown (CLI_EXIT_OK) or an option, its value or a leftover argument was bad
 * (CLI_EXIT_USAGE, said on stderr).
 */
int cli_opts_next(cli_opts *o, int argc, char **argv, const char *shortopts, const struct option *longopts);
/* An option's value as a number in [0, 1] / an integer in [lo, hi]. Return 0, or -1 after
   the usage error "OPT needs a number in [0, 1] (an integer in [LO, HI]), not 'ARG'". */
int cli_parse_unit(const char *cmd, const char *opt, const char *arg, double *out);
int cli_parse_int_in(const char *cmd, const char *opt, const char *arg, int lo, int hi, int *out);

/* Set to 1 by SIGINT/SIGTERM once cli_signals_install ran (every long-running command). */
extern volatile sig_atomic_t cli_stop;
/* Installs the handlers; on_stop (may be NULL) also runs in the handler (async-signal-safe only). */
void cli_signals_install(void (*on_stop)(void));
/* Library log lines on stderr: errors always, warnings unless quiet, info when verbose. */
void cli_log_to_stderr(int verbose);
/* The library's warnings to stderr, unless a command already chose its verbosity. */
void cli_log_ensure(void);

/* Prints a json object to stdout, pretty, with a trailing newline. */
void cli_json_print(json_object *o);
/* A JSON number that is null when not finite. */
json_object *cli_json_double(double v);
/* The library's JSON text (mqttids_*_json) as an object, freeing text; {} when NULL or unparsable. */
json_object *cli_json_take(char *text);

#endif
