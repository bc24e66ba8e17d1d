/*
 * detect_int.h: internals shared by the detect module's files: the bounded JSON writer
 * the alert builder uses and ISO-8601 time text.
 */
#ifndef MQTTIDS_DETECT_INT_H
#define MQTTIDS_DETECT_INT_H

#include <stddef.h>
#include "mqttids/detect.h"
#include "util/util_int.h"

/* Writes into buf[0..size) as far as it fits; len counts what the whole text needs. */
typedef struct detect_w {
    char *buf;
    size_t size, len;
} detect_w;

void detect__put(detect_w *w, const char *s, size_t n);
void detect__putf(detect_w *w, const char *fmt, ...) MQTTIDS_PRINTF(2, 3);
/* s[0..n) as JSON string content: '"' and '\\' escaped, control bytes as \u00XX; quoted when quote. */
void detect__json_str(detect_w *w, const char *s, size_t n, int quote);
/* t (seconds since 1970) as "YYYY-MM-DDTHH:MM:SS" + ".ffffff+0000" (micro) or ".fffZ" (milli). */
void detect__iso(detect_w *w, double t, int micro);

#endif
