/*
 * cli_report.h: the HTML report of an experiment (`mqttids experiment --report`,
 * `mqttids report RESULTS.json`).
 *
 * Input: the object `experiment --json` prints (stats, models[], inputs, seconds); parts
 * it lacks (older results: no "columns", "importances", "curve") leave their charts out.
 * Output: one self-contained HTML file (inline CSS and SVG, no scripts, no network: a
 * Content-Security-Policy forbids any fetch), and optionally each chart as a standalone
 * SVG file DIR/<chart id>.svg. Every chart is an <svg id="..." class="chart"> with a
 * <title>, axis labels with units, and marks of class "mark" (what the browser test
 * counts). Colours: Okabe-Ito for categories, doubled by hatching/markers and labels;
 * a viridis ramp for the heat maps, with the numbers printed in the cells.
 * Every file is written to a temporary name and renamed into place. The library draws
 * it (mqttids_report_write, src/report/); this prints its error.
 */
#ifndef MQTTIDS_CLI_REPORT_H
#define MQTTIDS_CLI_REPORT_H

#include <json-c/json.h>

/*
 * Writes the report of results (borrowed) to html_path; with svg_dir (may be NULL; must
 * exist) also every chart as svg_dir/<id>.svg. Returns 0, or -1 after printing the error.
 */
int cli_report_write(json_object *results, const char *html_path, const char *svg_dir);

#endif
