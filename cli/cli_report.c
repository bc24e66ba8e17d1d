/*
 * cli_report.c: the tool's side of the HTML report and the training-curve files: the
 * library writes them (mqttids/report.h, src/report/), these print its error.
 */
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "cli_curves.h"
#include "cli_report.h"
#include "mqttids/report.h"

int cli_report_write(json_object *results, const char *html_path, const char *svg_dir)
{
    char errbuf[MQTTIDS_ERRBUF_SIZE];
    size_t len = 0;
    const char *text = results ? json_object_to_json_string_length(results, JSON_C_TO_STRING_PLAIN, &len) : "null";
    if (!results)
        len = 4;
    if (mqttids_report_write(text, len, html_path, svg_dir, errbuf) != MQTTIDS_OK) {
        cli_err("%s", errbuf);
        return -1;
    }
    return 0;
}

int cli_curves_write(const char *prefix, const char *title, const mqttids_curve *c)
{
    char errbuf[MQTTIDS_ERRBUF_SIZE];
    if (mqttids_curves_write(prefix, title, c, errbuf) != MQTTIDS_OK) {
        cli_err("%s", errbuf);
        return -1;
    }
    return 0;
}
