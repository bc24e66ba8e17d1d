/*
 * metrics.c: classification metrics (mqttids/ml.h): accuracy, confusion matrix,
 * per-class precision/recall/F1, macro and weighted F1, with sklearn's conventions
 * (zero_division=0; macro over the labels present in truth or predictions).
 */
#include <string.h>
#include "ml/ml_int.h"

void mqttids_metrics_compute(const int *truth, const int *pred, size_t n, mqttids_metrics *m)
{
    const int k = MQTTIDS_NCLASS;
    size_t correct = 0, labels = 0, tot = 0;
    double msum = 0, wsum = 0;
    memset(m, 0, sizeof *m);
    m->k = k;
    for (size_t i = 0; i < n; i++) {
        if (truth[i] < 0 || truth[i] >= k || pred[i] < 0 || pred[i] >= k)
            continue;
        m->confusion[truth[i]][pred[i]]++;
        m->support[truth[i]]++;
        m->predicted[pred[i]]++;
        correct += truth[i] == pred[i];
        tot++;
    }
    m->n = tot;
    m->accuracy = tot ? (double)correct / (double)tot : 0.0;
    for (int c = 0; c < k; c++) {
        double tp = (double)m->confusion[c][c];
        m->precision[c] = m->predicted[c] ? tp / (double)m->predicted[c] : 0.0;
        m->recall[c] = m->support[c] ? tp / (double)m->support[c] : 0.0;
        m->f1[c] = m->precision[c] + m->recall[c] > 0
                       ? 2 * m->precision[c] * m->recall[c] / (m->precision[c] + m->recall[c])
                       : 0.0;
        if (m->support[c] || m->predicted[c]) {
            labels++;
            msum += m->f1[c];
        }
        wsum += m->f1[c] * (double)m->support[c];
    }
    m->macro_f1 = labels ? msum / (double)labels : 0.0;
    m->weighted_f1 = tot ? wsum / (double)tot : 0.0;
}

double mqttids_metrics_get(const mqttids_metrics *m, mqttids_metric which)
{
    return which == MQTTIDS_METRIC_MACRO_F1 ? m->macro_f1 : m->accuracy;
}
