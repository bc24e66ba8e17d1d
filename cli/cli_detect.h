/*
 * cli_detect.h: what `watch` and `stream detect` share in the tool: the alert options
 * (--alert-by, --alert-window, --min-probability, --alert-all, --max-groups).
 */
#ifndef MQTTIDS_CLI_DETECT_H
#define MQTTIDS_CLI_DETECT_H

#include "cli.h"
#include "mqttids/detect.h"

#define CLI_DETECT_LONGOPTS                                   \
    {"alert-all", no_argument, NULL, 0x3001},                 \
    {"alert-by", required_argument, NULL, 0x3002},            \
    {"alert-window", required_argument, NULL, 0x3003},        \
    {"min-probability", required_argument, NULL, 0x3004},     \
    {"max-groups", required_argument, NULL, 0x3005}

#define CLI_DETECT_HELP                                                                          \
    "Alerts (docs/internals/detect.md):\n"                                                       \
    "      --alert-by packet|connection|host  one alert per packet (default), or per TCP\n"      \
    "                         connection / client host and class, carrying a \"group\" object\n" \
    "                         with the count and the first and last time\n"                      \
    "      --alert-window S   connection/host: a group alerts again, with its counts so far,\n"  \
    "                         once S seconds passed since its last alert (default 0: once)\n"    \
    "      --min-probability P   no alert below this class probability (default 0)\n"          \
    "      --alert-all        alert on legitimate rows too\n"                                   \
    "      --max-groups N     connection/host groups remembered (default 65536; least\n"        \
    "                         recently seen forgotten beyond)\n"

/* Handles one CLI_DETECT_LONGOPTS code. Returns 1 if handled, 0 if not ours, -1 usage error (printed). */
int cli_detect_option(mqttids_alert_rule *r, const char *cmd, int code, const char *arg);

#endif
