/*
 * report_int.h: what the report module's files share: the one HTML/XML escaper and the
 * whole-or-nothing file writer.
 */
#ifndef MQTTIDS_REPORT_INT_H
#define MQTTIDS_REPORT_INT_H

#include <stdio.h>
#include "mqttids/report.h"
#include "util/util_int.h"

/* Escapes s for HTML text and attribute values (also SVG/XML); drops control bytes but tab. */
void report__esc(FILE *f, const char *s);
/* Writes a[0..alen) then b[0..blen) (b may be NULL) to path through a temporary file and a
 * rename (util__atomic_*). Returns MQTTIDS_OK or MQTTIDS_ERR_IO/NOMEM with errbuf set. */
mqttids_err report__write_file(const char *path, const char *a, size_t alen, const char *b, size_t blen,
                               char *errbuf);

#endif
