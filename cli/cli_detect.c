/*
 * cli_detect.c: the alert options, the stop signal and the log sink that the detecting
 * commands (watch, stream detect) share.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include "cli_detect.h"

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

void cli_log_to_stderr(int verbose)
{
    log_verbose = verbose;
    mqttids_set_log(log_line, NULL);
}

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
    case 0x2001:
        r->alert_all = 1;
        return 1;
    case 0x2002:
        if (mqttids_alert_by_parse(arg, &r->by) != MQTTIDS_OK)
            return cli_usage_error(cmd, "--alert-by takes packet, connection or host, not '%s'", arg), -1;
        return 1;
    case 0x2003:
        if (parse_seconds(arg, &r->window_s) != 0)
            return cli_usage_error(cmd, "--alert-window takes seconds >= 0, not '%s'", arg), -1;
        return 1;
    case 0x2004:
        if (parse_seconds(arg, &r->min_probability) != 0 || r->min_probability > 1)
            return cli_usage_error(cmd, "--min-probability takes a number 0..1, not '%s'", arg), -1;
        return 1;
    case 0x2005:
        if (cli_parse_u64(arg, &n) != 0 || n < 1 || n > ((uint64_t)1 << 24))
            return cli_usage_error(cmd, "--max-groups takes 1..16777216, not '%s'", arg), -1;
        r->max_groups = (size_t)n;
        return 1;
    default:
        return 0;
    }
}
