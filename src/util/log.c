/* log.c: the process-wide logging callback (default: silent), and the monotonic clock. */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include "util/util_int.h"

static mqttids_log_fn log_fn;
static void *log_user;

void mqttids_set_log(mqttids_log_fn fn, void *user)
{
    log_fn = fn;
    log_user = user;
}

void util__log(mqttids_log_level level, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    if (!log_fn)
        return;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    log_fn(level, buf, log_user);
}

double util__now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double mqttids_clock_s(void)
{
    return util__now_s();
}

double util__wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
