/*
 * cli_curves.h: a network's training curves (mqttids_curve) as CSV and as an SVG chart
 * (drawn by the library: mqttids/report.h).
 *
 *   PREFIX.csv  epoch,train_loss,train_acc,val_loss,val_acc,lr   (epoch 1-based; "nan"
 *               where there is no validation set)
 *   PREFIX.svg  two panels, loss and accuracy vs epoch, train (solid, circles) and
 *               validation (dashed, squares), the kept epoch marked; readable in greyscale.
 * Both files are written to a temporary name and renamed into place.
 */
#ifndef MQTTIDS_CLI_CURVES_H
#define MQTTIDS_CLI_CURVES_H

#include <stdio.h>
#include "mqttids/ml.h"

/* Writes PREFIX.csv and PREFIX.svg atomically (mqttids_curves_write, cli_report.c).
   Returns 0, or -1 after printing the error. */
int cli_curves_write(const char *prefix, const char *title, const mqttids_curve *c);

#endif
