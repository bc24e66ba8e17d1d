/*
 * mqttids/report.h: the HTML report of an experiment and the networks' training-curve
 * charts (sinks at the end of the data flow: results -> HTML/SVG/CSV files).
 *
 * The report reads only the JSON that `mqttids experiment --json` prints (stats, models[],
 * inputs, seconds); parts it lacks leave their charts out. Output: one self-contained HTML
 * file (inline CSS and SVG, no scripts, no network: a Content-Security-Policy forbids any
 * fetch), and optionally each chart as a standalone SVG file DIR/<chart id>.svg. Every
 * file goes to a temporary name and is renamed into place (nothing half-written).
 * Layout and charts: docs/internals/report.md, docs/FORMATS.md "HTML report".
 */
#ifndef MQTTIDS_REPORT_H
#define MQTTIDS_REPORT_H

#include <stdio.h>
#include "mqttids/common.h"
#include "mqttids/ml.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Writes the report of the results in json[0..len) (the text `experiment --json` prints)
 * to html_path; with svg_dir (may be NULL; must exist) also every chart as
 * svg_dir/<id>.svg. The same results give the same bytes (no dates, no output paths).
 * Errors: MQTTIDS_ERR_MALFORMED (not JSON, or no "stats" nor "models"; errbuf names no
 * file: the caller names its input), MQTTIDS_ERR_IO (a file could not be written, named in
 * errbuf; the page is not written when any chart failed), MQTTIDS_ERR_NOMEM.
 */
mqttids_err mqttids_report_write(const char *json, size_t len, const char *html_path, const char *svg_dir,
                                 char errbuf[MQTTIDS_ERRBUF_SIZE]);

/*
 * A network's training curves:
 *   CSV  epoch,train_loss,train_acc,val_loss,val_acc,lr   (epoch 1-based; "nan" where
 *        there is no validation set)
 *   SVG  two panels, loss and accuracy vs epoch, train (solid, circles) and validation
 *        (dashed, squares), the kept epoch marked; readable in greyscale.
 */
void mqttids_curves_csv(FILE *f, const mqttids_curve *c);
/* The SVG chart of c to f; title is escaped (may be NULL). */
void mqttids_curves_svg(FILE *f, const char *title, const mqttids_curve *c);
/* Writes PREFIX.csv and PREFIX.svg, each whole or not at all. Errors: MQTTIDS_ERR_IO
 * (errbuf names the file), MQTTIDS_ERR_NOMEM.
 * Also returns MQTTIDS_ERR_INVALID (mqttids/common.h). */
mqttids_err mqttids_curves_write(const char *prefix, const char *title, const mqttids_curve *c,
                                 char errbuf[MQTTIDS_ERRBUF_SIZE]);

#ifdef __cplusplus
}
#endif
#endif
