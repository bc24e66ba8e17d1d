/*
 * cli_run.c: what every command shares while it runs: the option tail (--json, --quiet,
 * --help, --threads), the stop flag set by SIGINT/SIGTERM, and library log lines on stderr.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

int cli_tail_option(cli_tail *t, const char *cmd, int code, const char *arg, void (*help)(void))
{
    uint64_t v;
    switch (code) {
    case 'j':
        t->json = 1;
        return 1;
    case 'q':
        cli_quiet = 1;
        return 1;
    case 'h':
        if (help)
            help();
        return 2;
    case 0x1100:
        if (cli_parse_u64(arg, &v) != 0 || v < 1 || v > 64) {
            cli_usage_error(cmd, "--threads needs an integer in [1, 64], not '%s'", arg);
            return -1;
        }
        t->threads = (int)v;
        return 1;
    default:
        return 0;
    }
}

volatile sig_atomic_t cli_stop;
static void (*stop_hook)(void);

static void on_signal(int sig)
{
    (void)sig;
    cli_stop = 1;
    if (stop_hook)
        stop_hook();
}

void cli_signals_install(void (*on_stop)(void))
{
    struct sigaction sa;
    stop_hook = on_stop;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

static int log_verbose;

static void log_line(mqttids_log_level level, const char *msg, void *user)
{
    (void)user;
    if ((int)level <= (log_verbose ? MQTTIDS_LOG_INFO : cli_quiet ? MQTTIDS_LOG_ERROR : MQTTIDS_LOG_WARN))
        fprintf(stderr, "%s: %s\n", cli_prog, msg);
}

static int log_installed;

void cli_log_to_stderr(int verbose)
{
    log_verbose = verbose;
    log_installed = 1;
    mqttids_set_log(log_line, NULL);
}

void cli_log_ensure(void)
{
    if (!log_installed)
        cli_log_to_stderr(0);
}

