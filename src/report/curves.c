/*
 * curves.c: training curves of the networks as CSV and SVG (see mqttids/report.h).
 * Plain SVG 1.1 text, no scripts or external fonts; colours chosen to stay apart in
 * greyscale (dark blue vs light orange) and doubled by line style and marker shape.
 */
#define _GNU_SOURCE /* open_memstream */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "report/report_int.h"

static void num(FILE *f, double v)
{
    if (isnan(v))
        fputs("nan", f);
    else
        fprintf(f, "%.9g", v);
}

void mqttids_curves_csv(FILE *f, const mqttids_curve *c)
{
    fputs("epoch,train_loss,train_acc,val_loss,val_acc,lr\n", f);
    for (size_t i = 0; i < c->n; i++) {
        const mqttids_epoch *e = &c->epochs[i];
        fprintf(f, "%zu,", i + 1);
        num(f, e->train_loss);
        fputc(',', f);
        num(f, e->train_acc);
        fputc(',', f);
        num(f, e->val_loss);
        fputc(',', f);
        num(f, e->val_acc);
        fputc(',', f);
        num(f, e->lr);
        fputc('\n', f);
    }
}

/* A "nice" tick step (1, 2, 2.5 or 5 x 10^k) giving about n ticks over range. */
static double nice_step(double range, int n)
{
    double raw = range / n, p = pow(10.0, floor(log10(raw))), m = raw / p;
    return (m <= 1.0 ? 1.0 : m <= 2.0 ? 2.0 : m <= 2.5 ? 2.5 : m <= 5.0 ? 5.0 : 10.0) * p;
}

typedef struct panel {
    double x0, y0, w, h;        /* plot area in pixels */
    double lo, hi;              /* y range */
    size_t n;                   /* epochs */
} panel;

static double px(const panel *p, double epoch) /* epoch is 1-based */
{
    return p->x0 + (p->n > 1 ? (epoch - 1.0) / (double)(p->n - 1) : 0.5) * p->w;
}

static double py(const panel *p, double v)
{
    return p->y0 + p->h - (v - p->lo) / (p->hi - p->lo) * p->h;
}

static const char *const COL_TRAIN = "#1b3a6b"; /* dark blue: ~22% grey */
static const char *const COL_VAL = "#f0a030";   /* light orange: ~70% grey */

/* One series: polyline (solid or dashed) + markers (circles or squares); NaN/Inf skipped. */
static void series(FILE *f, const panel *p, const mqttids_curve *c, int loss, int val)
{
    const char *col = val ? COL_VAL : COL_TRAIN;
    int open = 0;
    for (size_t i = 0; i < c->n; i++) {
        const mqttids_epoch *e = &c->epochs[i];
        double v = loss ? (val ? e->val_loss : e->train_loss) : (val ? e->val_acc : e->train_acc);
        if (!isfinite(v)) {
            if (open)
                fputs("\"/>\n", f);
            open = 0;
            continue;
        }
        if (!open)
            fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2.5\"%s points=\"", col,
                    val ? " stroke-dasharray=\"8,4\"" : "");
        fprintf(f, "%s%.1f,%.1f", open ? " " : "", px(p, (double)i + 1), py(p, v));
        open = 1;
    }
    if (open)
        fputs("\"/>\n", f);
    for (size_t i = 0; i < c->n && c->n <= 30; i++) { /* markers only while they stay apart */
        const mqttids_epoch *e = &c->epochs[i];
        double v = loss ? (val ? e->val_loss : e->train_loss) : (val ? e->val_acc : e->train_acc);
        if (!isfinite(v))
            continue;
        double x = px(p, (double)i + 1), y = py(p, v);
        if (val)
            fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"7\" height=\"7\" fill=\"white\" stroke=\"%s\" stroke-width=\"2\"/>\n",
                    x - 3.5, y - 3.5, col);
        else
            fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"/>\n", x, y, col);
    }
}

static void draw_panel(FILE *f, panel *p, const mqttids_curve *c, int loss, const char *ylabel)
{
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < c->n; i++) {
        const mqttids_epoch *e = &c->epochs[i];
        double v[2] = {loss ? e->train_loss : e->train_acc, loss ? e->val_loss : e->val_acc};
        for (int k = 0; k < 2; k++)
            if (isfinite(v[k])) {
                lo = v[k] < lo ? v[k] : lo;
                hi = v[k] > hi ? v[k] : hi;
            }
    }
    if (!isfinite(lo)) {
        lo = 0.0;
        hi = 1.0;
    }
    if (hi - lo < 1e-9) {
        lo -= 0.05 * (fabs(lo) + 1e-3);
        hi += 0.05 * (fabs(hi) + 1e-3);
    }
    double step = nice_step(hi - lo, 5);
    p->lo = floor(lo / step) * step;
    p->hi = ceil(hi / step) * step;
    if (!loss && p->hi > 1.0 && hi <= 1.0)
        p->hi = 1.0;
    p->n = c->n;

    /* frame, grid and y ticks */
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"white\" stroke=\"#333\"/>\n",
            p->x0, p->y0, p->w, p->h);
    for (double t = p->lo; t <= p->hi + step * 1e-6; t += step) {
        double y = py(p, t);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", p->x0, y,
                p->x0 + p->w, y);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" font-size=\"12\">%.4g</text>\n", p->x0 - 6,
                y + 4, fabs(t) < step * 1e-6 ? 0.0 : t);
    }
    /* x ticks: integer epochs, about 10 */
    size_t xs = c->n <= 10 ? 1 : (size_t)ceil(nice_step((double)c->n, 10));
    /* ticks at multiples of the step; epoch 1 too unless it would crowd the first one */
    for (size_t e = (xs == 1 || xs >= 4) ? 1 : xs; e <= c->n; e = (e == 1 && xs > 1) ? xs : e + xs) {
        double x = px(p, (double)e);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>\n", x,
                p->y0 + p->h, x, p->y0 + p->h + 5);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"12\">%zu</text>\n", x,
                p->y0 + p->h + 19, e);
    }
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"13\">epoch</text>\n",
            p->x0 + p->w / 2, p->y0 + p->h + 38);
    fprintf(f, "<text transform=\"translate(%.1f,%.1f) rotate(-90)\" text-anchor=\"middle\" font-size=\"13\">%s</text>\n",
            p->x0 - 48, p->y0 + p->h / 2, ylabel);
    /* the kept epoch */
    if (c->best_epoch >= 0 && (size_t)c->best_epoch < c->n) {
        double x = px(p, (double)c->best_epoch + 1);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#555\" stroke-dasharray=\"2,3\"/>\n",
                x, p->y0, x, p->y0 + p->h);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" fill=\"#333\"%s>kept: epoch %d</text>\n",
                x + (x > p->x0 + p->w * 0.8 ? -4 : 4), p->y0 + 14, x > p->x0 + p->w * 0.8 ? " text-anchor=\"end\"" : "",
                c->best_epoch + 1);
    }
    series(f, p, c, loss, 0);
    series(f, p, c, loss, 1);
}

void mqttids_curves_svg(FILE *f, const char *title, const mqttids_curve *c)
{
    const double W = 960, H = 440;
    int has_val = 0;
    for (size_t i = 0; i < c->n; i++)
        has_val |= isfinite(c->epochs[i].val_loss) || isfinite(c->epochs[i].val_acc);
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
               "font-family=\"DejaVu Sans, Arial, sans-serif\">\n",
            W, H, W, H);
    fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    /* shrink a long title to fit the width (bold DejaVu Sans: about 0.66 em per character) */
    const char *tt = title && *title ? title : "training curves";
    double fs = 900.0 / (0.66 * (double)strlen(tt));
    fs = fs > 17.0 ? 17.0 : fs < 9.0 ? 9.0 : fs;
    fprintf(f, "<text x=\"480\" y=\"26\" text-anchor=\"middle\" font-size=\"%.1f\" font-weight=\"bold\">", fs);
    report__esc(f, tt);
    fputs("</text>\n", f);
    /* legend */
    fprintf(f, "<g font-size=\"13\">\n"
               "<line x1=\"330\" y1=\"48\" x2=\"370\" y2=\"48\" stroke=\"%s\" stroke-width=\"2.5\"/>"
               "<circle cx=\"350\" cy=\"48\" r=\"3.5\" fill=\"%s\"/>"
               "<text x=\"378\" y=\"52\">train</text>\n",
            COL_TRAIN, COL_TRAIN);
    if (has_val || c->diverged) /* a diverged epoch has no validation figures, the run may have */
        fprintf(f, "<line x1=\"470\" y1=\"48\" x2=\"510\" y2=\"48\" stroke=\"%s\" stroke-width=\"2.5\" stroke-dasharray=\"8,4\"/>"
                   "<rect x=\"486.5\" y=\"44.5\" width=\"7\" height=\"7\" fill=\"white\" stroke=\"%s\" stroke-width=\"2\"/>"
                   "<text x=\"518\" y=\"52\">validation</text>\n",
                COL_VAL, COL_VAL);
    else
        fputs("<text x=\"470\" y=\"52\" fill=\"#555\">(no validation set)</text>\n", f);
    fputs("</g>\n", f);
    if (c->diverged)
        fprintf(f, "<text x=\"480\" y=\"68\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\" "
                   "fill=\"#b00000\">training diverged (NaN/Inf loss) in epoch %zu</text>\n",
                c->n);
    if (c->n == 0) {
        fputs("<text x=\"480\" y=\"220\" text-anchor=\"middle\" font-size=\"14\">no epochs</text>\n</svg>\n", f);
        return;
    }
    panel pl = {75, 85, 360, 290, 0, 1, 0}, pa = {560, 85, 360, 290, 0, 1, 0};
    fputs("<text x=\"255\" y=\"80\" text-anchor=\"middle\" font-size=\"14\">Loss</text>\n", f);
    fputs("<text x=\"740\" y=\"80\" text-anchor=\"middle\" font-size=\"14\">Accuracy</text>\n", f);
    draw_panel(f, &pl, c, 1, "cross-entropy loss");
    draw_panel(f, &pa, c, 0, "accuracy");
    fputs("</svg>\n", f);
}

/* Writes one file whole or not at all. */
static mqttids_err write_file(const char *path, const char *title, const mqttids_curve *c, int svg, char *errbuf)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    mqttids_err err;
    if (!f)
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
    if (svg)
        mqttids_curves_svg(f, title, c);
    else
        mqttids_curves_csv(f, c);
    if (fclose(f) != 0 || !buf) {
        free(buf);
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
    }
    err = report__write_file(path, buf, len, NULL, 0, errbuf);
    free(buf);
    return err;
}

mqttids_err mqttids_curves_write(const char *prefix, const char *title, const mqttids_curve *c,
                                 char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    size_t len = strlen(prefix) + 8;
    char *path = malloc(len);
    mqttids_err err;
    if (!path)
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
    snprintf(path, len, "%s.csv", prefix);
    err = write_file(path, title, c, 0, errbuf);
    snprintf(path, len, "%s.svg", prefix);
    if (err == MQTTIDS_OK)
        err = write_file(path, title, c, 1, errbuf);
    free(path);
    return err;
}
