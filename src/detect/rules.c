/*
 * rules.c: the class rules every detector shares: which model class is quiet, which
 * MQTTIDS_CLASS_* a model class is stored as, its EVE severity, and the alert-by names.
 * One place, so watch and stream detect cannot disagree again.
 */
#include <string.h>
#include "detect/detect_int.h"

int mqttids_detect_class_index(const char *name)
{
    return name ? mqttids_class_find(name, strlen(name)) : -1;
}

int mqttids_detect_quiet_class(const char *const *names, int n)
{
    for (int c = 0; c < n; c++)
        if (mqttids_detect_class_index(names[c]) == MQTTIDS_CLASS_LEGITIMATE)
            return c;
    return -1;
}

int mqttids_detect_severity(const char *name)
{
    switch (mqttids_detect_class_index(name)) {
    case MQTTIDS_CLASS_DOS:
    case MQTTIDS_CLASS_FLOOD:
        return 1;
    case MQTTIDS_CLASS_BRUTEFORCE:
    case MQTTIDS_CLASS_MALFORMED:
    case MQTTIDS_CLASS_SLOWITE:
        return 2;
    default:
        return 3;
    }
}

static const char *const by_names[] = {"packet", "connection", "host"};

mqttids_err mqttids_alert_by_parse(const char *s, mqttids_alert_by *out)
{
    for (int k = 0; k < 3; k++)
        if (s && strcmp(s, by_names[k]) == 0) {
            *out = (mqttids_alert_by)k;
            return MQTTIDS_OK;
        }
    return MQTTIDS_ERR_INVALID;
}

const char *mqttids_alert_by_name(mqttids_alert_by by)
{
    return (int)by >= 0 && (int)by < 3 ? by_names[by] : "packet";
}
