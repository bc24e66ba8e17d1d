/*
 * report.c: the HTML report of an experiment (see mqttids/report.h).
 *
 * Reads only the JSON that `experiment --json` prints, so `experiment --report` and
 * `report RESULTS.json` give the same bytes for the same results (no dates, no paths of
 * the output). Each chart is drawn into a memory stream, then copied into the page and,
 * with an SVG folder, into its own file. Not here: running anything, scripts, fetching.
 *
 * Invariants: every string from the results goes through report__esc() before it reaches HTML or
 * SVG; element ids are built from [a-z0-9-] only (model names are slugged), so they are
 * safe as file names too; SVG pattern ids are prefixed by the chart id, because inline
 * SVGs share the page's id space.
 */
#define _GNU_SOURCE /* open_memstream */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>
#include "report/report_int.h"

/* Okabe-Ito, in the order used for series (yellow last: weakest on white). */
static const char *const OI[8] = {"#0072B2", "#E69F00", "#009E73", "#CC79A7",
                                  "#D55E00", "#56B4E9", "#000000", "#F0E442"};
static const char *const DASH[4] = {"", " stroke-dasharray=\"6,3\"", " stroke-dasharray=\"2,3\"",
                                    " stroke-dasharray=\"9,3,2,3\""};
#define FONT "DejaVu Sans, Arial, sans-serif"

typedef struct rep {
    FILE *html;            /* memory stream of the page */
    char *hbuf;
    size_t hlen;
    FILE *c;               /* memory stream of the chart being drawn */
    char *cbuf;
    size_t clen;
    const char *svg_dir;   /* borrowed, may be NULL */
    int failed;            /* an SVG file could not be written (err, errbuf) */
    mqttids_err err;
    char *errbuf;          /* borrowed: the caller's */
    char ids[64][64];      /* ids handed out (kept unique) */
    int nids;
} rep;

/* ------------------------------------------------------------------ JSON helpers */

static json_object *jget(json_object *o, const char *k)
{
    json_object *v = NULL;
    if (o && json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, k, &v))
        return v;
    return NULL;
}

static double jnum_of(json_object *v)
{
    if (!v || !(json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)))
        return NAN;
    return json_object_get_double(v);
}

static double jnum(json_object *o, const char *k)
{
    return jnum_of(jget(o, k));
}

static const char *jstr(json_object *o, const char *k)
{
    json_object *v = jget(o, k);
    return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static size_t jlen(json_object *a)
{
    return a && json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;
}

static json_object *jat(json_object *a, size_t i)
{
    return i < jlen(a) ? json_object_array_get_idx(a, i) : NULL;
}

/* ------------------------------------------------------------------ text */

void report__esc(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default:
            if ((unsigned char)*s >= 0x20 || *s == '\t')
                fputc(*s, f);
        }
    }
}

/*
 * A label drawn right-aligned into a margin of room px at font px: escaped, cut with an
 * ellipsis when its estimated width (0.68 em a character, wider than DejaVu Sans' average)
 * would run past the picture's left edge; a cut label carries the whole text as its <title>.
 */
static void label_fit(FILE *f, const char *s, double room, double font)
{
    size_t chars = 0, fit = room > font ? (size_t)(room / (0.68 * font)) : 1, cut = 0;
    s = s ? s : "?";
    for (const char *p = s; *p; p++)
        if (((unsigned char)*p & 0xC0) != 0x80 && ++chars == fit)
            cut = (size_t)(p - s); /* the byte where the last character that fits with "..." starts */
    if (chars <= fit) {
        report__esc(f, s);
        return;
    }
    fputs("<title>", f);
    report__esc(f, s);
    fputs("</title>", f);
    {
        char buf[512];
        size_t n = cut < sizeof buf ? cut : sizeof buf - 1;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--; /* never half a UTF-8 character */
        memcpy(buf, s, n);
        buf[n] = '\0';
        report__esc(f, buf);
    }
    fputs("&#8230;", f);
}

/* A number with d decimals, or an en dash when not finite. */
static void fnum(FILE *f, double v, int d)
{
    if (isfinite(v))
        fprintf(f, "%.*f", d, v);
    else
        fputs("&#8211;", f);
}

/* A unique id "<prefix>-<slug of name>" of [a-z0-9-] into out. */
static void make_id(rep *r, const char *prefix, const char *name, char out[64])
{
    size_t k = (size_t)snprintf(out, 64, "%s", prefix);
    int dash = 1;
    if (name && *name && k < 62)
        out[k++] = '-';
    for (const char *c = name; c && *c && k < 48; c++) {
        char ch = *c;
        if (ch >= 'A' && ch <= 'Z')
            ch = (char)(ch - 'A' + 'a');
        if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) {
            out[k++] = ch;
            dash = 0;
        } else if (!dash) {
            out[k++] = '-';
            dash = 1;
        }
    }
    while (k > 0 && out[k - 1] == '-')
        k--;
    out[k] = '\0';
    for (int n = 2;; n++) {
        int used = 0;
        for (int i = 0; i < r->nids; i++)
            used |= strcmp(r->ids[i], out) == 0;
        if (!used)
            break;
        snprintf(out + k, 64 - k, "-%d", n);
    }
    if (r->nids < 64)
        snprintf(r->ids[r->nids++], 64, "%s", out);
}

/* "nice" tick step (1, 2, 2.5 or 5 x 10^k) giving about n ticks over range */
static double nice_step(double range, int n)
{
    double raw = range / n, p = pow(10.0, floor(log10(raw))), m = raw / p;
    return (m <= 1.0 ? 1.0 : m <= 2.0 ? 2.0 : m <= 2.5 ? 2.5 : m <= 5.0 ? 5.0 : 10.0) * p;
}

/* Viridis at t in [0, 1] as #rrggbb (9 stops, linear between them). */
static void viridis(double t, char out[8])
{
    static const unsigned char st[9][3] = {{68, 1, 84},    {71, 45, 123},  {59, 82, 139},
                                           {44, 114, 142}, {33, 145, 140}, {40, 174, 128},
                                           {94, 201, 98},  {173, 220, 48}, {253, 231, 37}};
    double x = (t < 0 ? 0 : t > 1 ? 1 : t) * 8.0;
    int i = (int)floor(x);
    if (i >= 8)
        i = 7;
    double u = x - i;
    int c[3];
    for (int k = 0; k < 3; k++)
        c[k] = (int)lround(st[i][k] + (st[i + 1][k] - st[i][k]) * u);
    snprintf(out, 8, "#%02x%02x%02x", c[0], c[1], c[2]);
}

/* ------------------------------------------------------------------ files */

mqttids_err report__write_file(const char *path, const char *a, size_t alen, const char *b, size_t blen,
                               char *errbuf)
{
    util_atomic_file af;
    mqttids_err err = util__atomic_open(&af, path, errbuf);
    if (err != MQTTIDS_OK)
        return err;
    if (fwrite(a, 1, alen, af.fp) != alen || (b && fwrite(b, 1, blen, af.fp) != blen)) {
        util__atomic_abort(&af);
        return util__fail(errbuf, MQTTIDS_ERR_IO, "%s: cannot write: %s", path, strerror(errno ? errno : EIO));
    }
    return util__atomic_commit(&af, errbuf);
}

/* ------------------------------------------------------------------ charts */

static FILE *chart_open(rep *r)
{
    r->cbuf = NULL;
    r->clen = 0;
    r->c = open_memstream(&r->cbuf, &r->clen);
    return r->c;
}

/* Opening tag, <title>, background and the visible title of a chart. */
static void svg_head(FILE *f, const char *id, double w, double h, const char *title)
{
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"%s\" class=\"chart\" width=\"%.0f\" height=\"%.0f\" "
            "viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-labelledby=\"%s-title\" font-family=\"" FONT "\">\n"
            "<title id=\"%s-title\">",
            id, w, h, w, h, id, id);
    report__esc(f, title);
    fprintf(f, "</title>\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    double fs = (w - 20) / (0.62 * (double)strlen(title));
    fs = fs > 16 ? 16 : fs < 9 ? 9 : fs;
    fprintf(f, "<text class=\"chart-title\" x=\"%.1f\" y=\"24\" text-anchor=\"middle\" font-size=\"%.1f\" "
               "font-weight=\"bold\">",
            w / 2, fs);
    report__esc(f, title);
    fputs("</text>\n", f);
}

/* A hatch pattern id-hatchN: colour with white diagonal (kind 0) or horizontal (1) stripes. */
static void hatch_def(FILE *f, const char *id, int n, const char *col, int kind)
{
    fprintf(f,
            "<defs><pattern id=\"%s-hatch%d\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\"%s>"
            "<rect width=\"6\" height=\"6\" fill=\"%s\"/><line x1=\"0\" y1=\"0\" x2=\"6\" y2=\"0\" stroke=\"white\" "
            "stroke-width=\"2.5\"/></pattern></defs>\n",
            id, n, kind == 0 ? " patternTransform=\"rotate(45)\"" : "", col);
}

static void axis_label_x(FILE *f, double x, double y, const char *s)
{
    fprintf(f, "<text class=\"axis-label\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"13\">", x, y);
    report__esc(f, s);
    fputs("</text>\n", f);
}

static void axis_label_y(FILE *f, double x, double y, const char *s)
{
    fprintf(f,
            "<text class=\"axis-label\" transform=\"translate(%.1f,%.1f) rotate(-90)\" text-anchor=\"middle\" "
            "font-size=\"13\">",
            x, y);
    report__esc(f, s);
    fputs("</text>\n", f);
}

/* Legend entry: a swatch (fill, maybe a pattern) and a label at (x, y). */
static void legend_box(FILE *f, double x, double y, const char *fill, const char *label)
{
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"16\" height=\"12\" fill=\"%s\" stroke=\"#333\" stroke-width=\"0.8\"/>"
               "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\">",
            x, y - 10, fill, x + 21, y);
    report__esc(f, label);
    fputs("</text>\n", f);
}

/* Closes the chart: into the page as a <figure> with caption, and into svg_dir/<id>.svg. */
static void chart_close(rep *r, const char *id, const char *caption)
{
    if (!r->c)
        return;
    fclose(r->c);
    r->c = NULL;
    fprintf(r->html, "<figure id=\"fig-%s\">\n", id);
    fwrite(r->cbuf, 1, r->clen, r->html);
    if (caption) {
        fputs("<figcaption>", r->html);
        report__esc(r->html, caption);
        fputs("</figcaption>\n", r->html);
    }
    fputs("</figure>\n", r->html);
    if (r->svg_dir) {
        static const char decl[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
        size_t len = strlen(r->svg_dir) + strlen(id) + 8;
        char *path = malloc(len);
        if (r->failed) {
            /* the first failure is the one reported */
        } else if (!path) {
            r->err = util__fail(r->errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
            r->failed = 1;
        } else {
            snprintf(path, len, "%s/%s.svg", r->svg_dir, id);
            r->err = report__write_file(path, decl, sizeof decl - 1, r->cbuf, r->clen, r->errbuf);
            r->failed = r->err != MQTTIDS_OK;
        }
        free(path);
    }
    free(r->cbuf);
    r->cbuf = NULL;
}

/* y axis with grid for a vertical panel: ticks over [lo, hi] with step. */
static void y_axis(FILE *f, double x0, double y0, double w, double h, double lo, double hi, double step, int dec)
{
    for (double t = lo; t <= hi + step * 1e-6; t += step) {
        double y = y0 + h - (t - lo) / (hi - lo) * h;
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", x0, y, x0 + w, y);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" font-size=\"11\">%.*f</text>\n", x0 - 5, y + 4,
                dec, fabs(t) < step * 1e-6 ? 0.0 : t);
    }
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#333\"/>\n", x0, y0,
            w, h);
}

/* ---- dataset: class counts per split (log scale) */

static void chart_class_counts(rep *r, json_object *stats)
{
    json_object *counts = jget(stats, "counts");
    json_object *tr = jget(counts, "train"), *te = jget(counts, "test");
    const char *names[16];
    double v[16][2], mx = 1;
    int k = 0;
    char id[64];
    if (!tr || !json_object_is_type(tr, json_type_object))
        return;
    json_object_object_foreach(tr, key, val)
    {
        if (k >= 16)
            break;
        names[k] = key;
        v[k][0] = jnum_of(val);
        v[k][1] = jnum(te, key);
        for (int s = 0; s < 2; s++) {
            if (!isfinite(v[k][s]))
                v[k][s] = 0;
            mx = v[k][s] > mx ? v[k][s] : mx;
        }
        k++;
    }
    make_id(r, "class-counts", NULL, id);
    double top = pow(10.0, ceil(log10(mx)));
    double x0 = 130, y0 = 80, w = 520, gh = 40, h = gh * k, W = 760, H = y0 + h + 60;
    FILE *f = chart_open(r);
    svg_head(f, id, W, H, "Rows per class and split");
    hatch_def(f, id, 1, OI[1], 0);
    legend_box(f, x0, 54, OI[0], "train rows");
    char pat[96];
    snprintf(pat, sizeof pat, "url(#%s-hatch1)", id);
    legend_box(f, x0 + 140, 54, pat, "test rows (hatched)");
    for (double t = 1; t <= top * 1.0001; t *= 10) {
        double x = x0 + log10(t) / log10(top) * w;
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", x, y0, x, y0 + h);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"11\">%.0f</text>\n", x,
                y0 + h + 16, t);
    }
    for (int i = 0; i < k; i++) {
        double y = y0 + gh * i + 5;
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" font-size=\"12\">", x0 - 6, y + 19);
        label_fit(f, names[i], x0 - 10, 12);
        fputs("</text>\n", f);
        for (int s = 0; s < 2; s++) {
            double bw = v[i][s] >= 1 ? log10(v[i][s]) / log10(top) * w : 0;
            double by = y + s * 15;
            fprintf(f, "<rect class=\"mark\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"14\" fill=\"%s\" "
                       "stroke=\"#333\" stroke-width=\"0.5\"><title>",
                    x0, by, bw < 1 ? 1 : bw, s ? pat : OI[0]);
            report__esc(f, names[i]);
            fprintf(f, ", %s: %.0f rows</title></rect>\n", s ? "test" : "train", v[i][s]);
            fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">%.0f</text>\n", x0 + bw + 4, by + 11, v[i][s]);
        }
    }
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#333\"/>\n", x0, y0, w,
            h);
    axis_label_x(f, x0 + w / 2, y0 + h + 38, "rows (count, log scale)");
    axis_label_y(f, 22, y0 + h / 2, "class");
    fputs("</svg>\n", f);
    chart_close(r, id, "Labelled rows of every class in the train and test splits. The axis is logarithmic so "
                       "that the small classes stay visible; the exact counts are printed beside the bars.");
}

/* ---- dataset: share of zeros per column */

/* The pipeline's own drop list (of the first model that has one), or NULL. */
static json_object *pipeline_dropped(json_object *res)
{
    json_object *models = jget(res, "models");
    for (size_t i = 0; i < jlen(models); i++)
        if (jget(jat(models, i), "dropped"))
            return jget(jat(models, i), "dropped");
    return NULL;
}

/* Why the pipeline drops column name when the rules on all rows keep it ("listed": mqtt.msg). */
static const char *pipeline_why(json_object *dr, const char *name)
{
    for (size_t i = 0; name && i < jlen(dr); i++)
        if (jstr(jat(dr, i), "column") && strcmp(jstr(jat(dr, i), "column"), name) == 0)
            return jstr(jat(dr, i), "why");
    return NULL;
}

static void chart_zero_share(rep *r, json_object *stats, json_object *res)
{
    json_object *cols = jget(stats, "columns"), *dr = pipeline_dropped(res);
    size_t n = jlen(cols);
    double thr = jnum(stats, "zero_threshold");
    char id[64], pz[96], pc[96], pl[96];
    if (n == 0)
        return;
    make_id(r, "zero-share", NULL, id);
    /* the notes stand in their own column right of the frame, so none runs past the picture */
    double x0 = 230, y0 = 80, rh = 16, w = 440, h = rh * (double)n, W = x0 + w + 330, H = y0 + h + 60;
    FILE *f = chart_open(r);
    svg_head(f, id, W, H, "Share of zeros per column (all rows)");
    hatch_def(f, id, 1, OI[4], 0);
    hatch_def(f, id, 2, OI[3], 1);
    snprintf(pz, sizeof pz, "url(#%s-hatch1)", id);
    snprintf(pc, sizeof pc, "url(#%s-hatch2)", id);
    hatch_def(f, id, 3, OI[6], 0);
    snprintf(pl, sizeof pl, "url(#%s-hatch3)", id);
    legend_box(f, x0, 54, OI[0], "kept");
    legend_box(f, x0 + 70, 54, pz, "dropped: zeros rule");
    legend_box(f, x0 + 230, 54, pc, "dropped: correlation rule");
    if (dr)
        legend_box(f, x0 + 420, 54, pl, "dropped by the pipeline (named)");
    for (int t = 0; t <= 100; t += 20) {
        double x = x0 + t / 100.0 * w;
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", x, y0, x, y0 + h);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"11\">%d</text>\n", x, y0 + h + 16, t);
    }
    for (size_t i = 0; i < n; i++) {
        json_object *c = jat(cols, i);
        const char *name = jstr(c, "name"), *why = jstr(c, "dropped"), *listed = NULL;
        double z = jnum(c, "zero_share"), y = y0 + rh * (double)i;
        if (!why)
            listed = pipeline_why(dr, name);
        const char *fill = listed ? pl : !why ? OI[0] : strncmp(why, "zeros", 5) == 0 ? pz : pc;
        if (!isfinite(z))
            z = 0;
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" font-size=\"11\">", x0 - 6, y + 12);
        label_fit(f, name, x0 - 10, 11);
        fputs("</text>\n", f);
        fprintf(f, "<rect class=\"mark\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" stroke=\"#333\" "
                   "stroke-width=\"0.5\"><title>",
                x0, y + 2, z * w < 1 ? 1 : z * w, rh - 4, fill);
        report__esc(f, name ? name : "?");
        fprintf(f, ": %.2f%% zeros</title></rect>\n", 100 * z);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10.5\">%.1f%%", x0 + w + 8, y + 12, 100 * z);
        if (listed) {
            fputs(" dropped: ", f);
            report__esc(f, strcmp(listed, "listed") == 0 ? "named (payload text)" : listed);
        } else if (why && strncmp(why, "zeros", 5) == 0) {
            fputs(" dropped (zeros)", f);
        } else if (why) {
            fputs(" dropped: ", f);
            report__esc(f, why);
        }
        fputs("</text>\n", f);
    }
    if (isfinite(thr) && thr < 1) {
        double x = x0 + thr * w;
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000\" stroke-dasharray=\"5,3\"/>\n"
                   "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"11\">drop above %.0f%%</text>\n",
                x, y0 - 4, x, y0 + h, x, y0 - 6, 100 * thr);
    }
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#333\"/>\n", x0, y0, w,
            h);
    axis_label_x(f, x0 + w / 2, y0 + h + 38, "rows whose value is zero (% of all rows)");
    axis_label_y(f, 18, y0 + h / 2, "column");
    fputs("</svg>\n", f);
    chart_close(r, id, "Share of rows in which each column is zero (text columns: the text \"0\"), and which "
                       "columns the study's rules drop (the rules the pipeline applies to the train rows).");
}

/* ---- per model: confusion matrix heat map (row-normalised) */

static void chart_confusion(rep *r, json_object *m, const char *name)
{
    json_object *test = jget(m, "test"), *cm = jget(test, "confusion");
    json_object *labels = jget(cm, "labels"), *rows = jget(cm, "rows_true_columns_predicted");
    size_t k = jlen(labels);
    char id[64], title[256], col[8];
    if (k == 0 || k > 32 || jlen(rows) != k)
        return;
    make_id(r, "confusion", name, id);
    snprintf(title, sizeof title, "Confusion matrix: %s (test rows)", name);
    double cs = 58, x0 = 110, y0 = 110, W = x0 + cs * (double)k + 120, H = y0 + cs * (double)k + 70;
    FILE *f = chart_open(r);
    svg_head(f, id, W, H, title);
    for (size_t t = 0; t < k; t++) {
        json_object *row = jat(rows, t);
        double tot = 0;
        for (size_t p = 0; p < k; p++) {
            double v = jnum_of(jat(row, p));
            tot += isfinite(v) ? v : 0;
        }
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" font-size=\"12\">", x0 - 6,
                y0 + cs * (double)t + cs / 2 + 4);
        label_fit(f, json_object_get_string(jat(labels, t)), x0 - 10, 12);
        fputs("</text>\n", f);
        for (size_t p = 0; p < k; p++) {
            double v = jnum_of(jat(row, p)), share = tot > 0 && isfinite(v) ? v / tot : 0;
            double x = x0 + cs * (double)p, y = y0 + cs * (double)t;
            viridis(share, col);
            fprintf(f, "<rect class=\"mark cell\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" "
                       "stroke=\"white\"><title>true ",
                    x, y, cs, cs, col);
            report__esc(f, json_object_get_string(jat(labels, t)));
            fputs(", predicted ", f);
            report__esc(f, json_object_get_string(jat(labels, p)));
            fprintf(f, ": %.0f rows (%.1f%% of the true class)</title></rect>\n", isfinite(v) ? v : 0, 100 * share);
            const char *tc = share < 0.55 ? "white" : "black";
            fprintf(f, "<text class=\"count\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"13\" "
                       "font-weight=\"bold\" fill=\"%s\">%.0f</text>\n",
                    x + cs / 2, y + cs / 2, tc, isfinite(v) ? v : 0);
            fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"10\" fill=\"%s\">%.1f%%</text>\n",
                    x + cs / 2, y + cs / 2 + 15, tc, 100 * share);
        }
    }
    for (size_t p = 0; p < k; p++) {
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" transform=\"rotate(-30 %.1f %.1f)\">",
                x0 + cs * (double)p + cs / 2 - 4, y0 - 6, x0 + cs * (double)p + cs / 2 - 4, y0 - 6);
        /* up at 30 degrees: below the title (y 36) and left of the right edge */
        label_fit(f, json_object_get_string(jat(labels, p)),
                  fmin((y0 - 6 - 36) / 0.5, (W - 4 - (x0 + cs * (double)p + cs / 2 - 4)) / 0.866), 11);
        fputs("</text>\n", f);
    }
    axis_label_x(f, x0 + cs * (double)k / 2, y0 - 56, "predicted class");
    axis_label_y(f, 20, y0 + cs * (double)k / 2, "true class");
    /* colour bar */
    double bx = x0 + cs * (double)k + 28, bh = cs * (double)k;
    for (int i = 0; i < 50; i++) {
        viridis((49 - i) / 49.0, col);
        fprintf(f, "<rect x=\"%.1f\" y=\"%.2f\" width=\"18\" height=\"%.2f\" fill=\"%s\"/>\n", bx, y0 + bh * i / 50.0,
                bh / 50.0 + 0.5, col);
    }
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"18\" height=\"%.1f\" fill=\"none\" stroke=\"#333\"/>\n", bx, y0, bh);
    for (int t = 0; t <= 100; t += 25)
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">%d%%</text>\n", bx + 22, y0 + bh - bh * t / 100.0 + 4, t);
    axis_label_y(f, bx + 64, y0 + bh / 2, "share of the true class (%)");
    axis_label_x(f, x0 + cs * (double)k / 2, y0 + bh + 30, "cells: rows (count) and % of the row's true class");
    fputs("</svg>\n", f);
    chart_close(r, id, NULL);
}

/* ---- per model: per-class recall and F1 bars */

static void chart_per_class(rep *r, json_object *m, const char *name)
{
    json_object *cl = jget(jget(m, "test"), "classes");
    size_t k = jlen(cl);
    char id[64], title[256], pat[96];
    if (k == 0)
        return;
    make_id(r, "per-class", name, id);
    snprintf(title, sizeof title, "Recall and F1 per class: %s (test rows)", name);
    double x0 = 70, y0 = 78, w = 80 * (double)k, h = 260, W = x0 + w + 30, H = y0 + h + 70;
    if (W < 420)
        W = 420;
    FILE *f = chart_open(r);
    svg_head(f, id, W, H, title);
    hatch_def(f, id, 1, OI[1], 0);
    snprintf(pat, sizeof pat, "url(#%s-hatch1)", id);
    legend_box(f, x0, 52, OI[0], "recall");
    legend_box(f, x0 + 100, 52, pat, "F1 (hatched)");
    y_axis(f, x0, y0, w, h, 0, 1, 0.2, 1);
    double gw = w / (double)k, bw = gw * 0.36;
    for (size_t c = 0; c < k; c++) {
        json_object *e = jat(cl, c);
        const char *cn = jstr(e, "class");
        double gx = x0 + gw * (double)c;
        for (int s = 0; s < 2; s++) {
            double v = jnum(e, s ? "f1" : "recall"), bh = isfinite(v) ? v * h : 0;
            double bx = gx + gw * 0.12 + bw * s;
            fprintf(f, "<rect class=\"mark\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" "
                       "stroke=\"#333\" stroke-width=\"0.5\"><title>",
                    bx, y0 + h - bh, bw, bh, s ? pat : OI[0]);
            report__esc(f, cn);
            fprintf(f, " %s: ", s ? "F1" : "recall");
            fnum(f, v, 4);
            fputs("</title></rect>\n", f);
            fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"10\">", bx + bw / 2,
                    y0 + h - bh - 4);
            fnum(f, v, 2);
            fputs("</text>\n", f);
        }
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"12\">", gx + gw / 2, y0 + h + 17);
        report__esc(f, cn);
        fputs("</text>\n", f);
    }
    axis_label_x(f, x0 + w / 2, y0 + h + 42, "class");
    axis_label_y(f, 22, y0 + h / 2, "score (fraction, 0-1)");
    fputs("</svg>\n", f);
    chart_close(r, id, NULL);
}

/* ---- per model: cross-validation grid, metric against each parameter */

#define CV_MAXP 256
#define CV_MAXK 6

typedef struct cv_pt {
    char *kv[CV_MAXK];   /* owned copy of the params split at spaces, "key=value" */
    int nkv;
    double mean, std;
} cv_pt;

static int key_eq(const char *kv, const char *key)
{
    size_t n = strcspn(kv, "=");
    return strlen(key) == n && strncmp(kv, key, n) == 0;
}

/* The value of key in point p ("" when absent). */
static const char *pt_val(const cv_pt *p, const char *key)
{
    for (int i = 0; i < p->nkv; i++)
        if (key_eq(p->kv[i], key))
            return p->kv[i] + strlen(key) + 1;
    return "";
}

/* The point's values of every key but skip, joined by spaces, into buf. */
static void pt_others(const cv_pt *p, const char *skip, char *buf, size_t size)
{
    size_t k = 0;
    buf[0] = '\0';
    for (int i = 0; i < p->nkv && k < size; i++)
        if (!key_eq(p->kv[i], skip))
            k += (size_t)snprintf(buf + k, size - k, "%s%s", k ? " " : "", p->kv[i]);
}

/* A series marker; cls "mark" for data points, "key" in legends (not counted as marks). */
static void marker(FILE *f, int shape, double x, double y, const char *col, const char *cls)
{
    switch (shape % 4) {
    case 0:
        fprintf(f, "<circle class=\"%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\" fill=\"%s\" stroke=\"#000\" stroke-width=\"0.6\"/>\n",
                cls, x, y, col);
        break;
    case 1:
        fprintf(f, "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"8\" height=\"8\" fill=\"%s\" stroke=\"#000\" stroke-width=\"0.6\"/>\n",
                cls, x - 4, y - 4, col);
        break;
    case 2:
        fprintf(f, "<path class=\"%s\" d=\"M%.1f,%.1f l5,9 h-10 z\" fill=\"%s\" stroke=\"#000\" stroke-width=\"0.6\"/>\n",
                cls, x, y - 5.5, col);
        break;
    default:
        fprintf(f, "<path class=\"%s\" d=\"M%.1f,%.1f l5.5,5.5 l-5.5,5.5 l-5.5,-5.5 z\" fill=\"%s\" stroke=\"#000\" "
                   "stroke-width=\"0.6\"/>\n",
                cls, x, y - 5.5, col);
    }
}

/* A CV chart's data and shared scales: the grid points, the parameter names, the y range. */
typedef struct cv_chart {
    cv_pt *p;                  /* owned, np points */
    size_t np, best;
    char keys[CV_MAXK][64];    /* parameter names, in first-seen order */
    int nk;
    double lo, hi, step;       /* y axis */
    int dec;
    double pw, ph;             /* panel size */
    char ylab[160];
} cv_chart;

/* Reads the points ("params" split into key=value, mean, std) and the y range. 0, or -1 for no chart. */
static int cv_read(cv_chart *c, json_object *pts)
{
    c->lo = INFINITY;
    c->hi = -INFINITY;
    for (size_t i = 0; i < c->np; i++) {
        json_object *e = jat(pts, i);
        const char *ps = jstr(e, "params");
        cv_pt *q = &c->p[i];
        q->mean = jnum(e, "mean");
        q->std = jnum(e, "std");
        if (!isfinite(q->std))
            q->std = 0;
        if (isfinite(q->mean)) {
            c->lo = fmin(c->lo, q->mean - q->std);
            c->hi = fmax(c->hi, q->mean + q->std);
        }
        for (const char *s = ps ? ps : ""; *s && q->nkv < CV_MAXK;) {
            size_t n = strcspn(s, " ");
            if (n && memchr(s, '=', n) && (q->kv[q->nkv] = strndup(s, n)) != NULL) {
                int known = 0;
                size_t kl = strcspn(q->kv[q->nkv], "=");
                for (int j = 0; j < c->nk; j++)
                    known |= key_eq(q->kv[q->nkv], c->keys[j]);
                if (!known && c->nk < CV_MAXK && kl < 64)
                    snprintf(c->keys[c->nk++], 64, "%.*s", (int)kl, q->kv[q->nkv]);
                q->nkv++;
            }
            s += n;
            while (*s == ' ')
                s++;
        }
    }
    if (c->nk == 0 || !isfinite(c->lo))
        return -1;
    if (c->hi - c->lo < 1e-6) {
        c->lo -= 0.005;
        c->hi += 0.005;
    }
    c->step = nice_step(c->hi - c->lo, 5);
    c->lo = floor(c->lo / c->step) * c->step;
    c->hi = ceil(c->hi / c->step) * c->step;
    /* as many decimals as the step needs to be exact (0.025: 3), so no tick is rounded */
    for (c->dec = 0; c->dec < 6; c->dec++) {
        double sc = c->step * pow(10.0, c->dec);
        if (fabs(sc - round(sc)) < 1e-6 * sc)
            break;
    }
    return 0;
}

/* The most series (combinations of the other parameters) any panel has, at most 8. */
static size_t cv_max_series(const cv_chart *c)
{
    size_t maxser = 1;
    for (int j = 0; j < c->nk; j++) {
        char x[512], y[512];
        size_t ns = 0;
        for (size_t i = 0; i < c->np; i++) {
            int seen = 0;
            pt_others(&c->p[i], c->keys[j], x, sizeof x);
            for (size_t q = 0; q < i && !seen; q++) {
                pt_others(&c->p[q], c->keys[j], y, sizeof y);
                seen = strcmp(x, y) == 0;
            }
            ns += !seen;
        }
        maxser = ns > maxser ? ns : maxser;
    }
    return maxser > 8 ? 8 : maxser;
}

/* One series of a panel: the line through its points in value order, then error bars and markers. */
static void cv_series(FILE *f, const cv_chart *c, int j, const char *ser, size_t s, size_t ns,
                      const char *const *vals, size_t nv, double x0, double y0)
{
    const char *col = OI[s % 8];
    double slot = c->pw / (double)nv, dodge = ns > 1 ? fmin(6.0, slot * 0.5 / (double)ns) : 0;
    double off = ((double)s - (double)(ns - 1) / 2.0) * dodge, lo = c->lo, hi = c->hi, ph = c->ph;
    char a[512];
    int open = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t q = 0; q < nv; q++)
            for (size_t i = 0; i < c->np; i++) {
                const cv_pt *pt = &c->p[i];
                double x = x0 + slot * ((double)q + 0.5) + off, ym = y0 + ph - (pt->mean - lo) / (hi - lo) * ph;
                pt_others(pt, c->keys[j], a, sizeof a);
                if (strcmp(a, ser) || strcmp(pt_val(pt, c->keys[j]), vals[q]) || !isfinite(pt->mean))
                    continue;
                if (pass == 0) {
                    if (!open)
                        fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.8\"%s points=\"", col,
                                DASH[s % 4]);
                    fprintf(f, "%s%.1f,%.1f", open ? " " : "", x, ym);
                    open = 1;
                    continue;
                }
                double y1 = y0 + ph - (pt->mean - pt->std - lo) / (hi - lo) * ph;
                double y2 = y0 + ph - (pt->mean + pt->std - lo) / (hi - lo) * ph;
                fprintf(f, "<path class=\"errorbar\" d=\"M%.1f,%.1f V%.1f M%.1f,%.1f h6 M%.1f,%.1f h6\" "
                           "stroke=\"%s\" stroke-width=\"1.5\" fill=\"none\"/>\n",
                        x, y1, y2, x - 3, y1, x - 3, y2, col);
                marker(f, (int)s, x, ym, col, "mark");
                if (i == c->best)
                    /* the label above the ring, haloed, clear of the markers beside it */
                    fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"9\" fill=\"none\" stroke=\"#000\" "
                               "stroke-width=\"1.5\"/><text class=\"best\" x=\"%.1f\" y=\"%.1f\" font-size=\"10\" "
                               "font-weight=\"bold\" text-anchor=\"middle\" stroke=\"#fff\" stroke-width=\"3\" "
                               "paint-order=\"stroke\">best</text>\n",
                            x, ym, x, ym - 13);
            }
        if (pass == 0 && open)
            fputs("\"/>\n", f);
    }
}

/* Panel j: the metric against parameter keys[j], one series per combination of the others. */
static void cv_panel(FILE *f, const cv_chart *c, int j, int first_in_row, double x0, double y0)
{
    const char *vals[CV_MAXP];
    char ser[8][512], a[512];
    size_t nv = 0, ns = 0;
    double pw = c->pw, ph = c->ph, slot;
    for (size_t i = 0; i < c->np; i++) {
        const char *v = pt_val(&c->p[i], c->keys[j]);
        int seen = 0;
        for (size_t q = 0; q < nv; q++)
            seen |= strcmp(vals[q], v) == 0;
        if (!seen)
            vals[nv++] = v;
        pt_others(&c->p[i], c->keys[j], a, sizeof a);
        seen = 0;
        for (size_t q = 0; q < ns; q++)
            seen |= strcmp(ser[q], a) == 0;
        if (!seen && ns < 8)
            snprintf(ser[ns++], sizeof ser[0], "%s", a);
    }
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">",
            x0 + pw / 2, y0 - 10);
    report__esc(f, c->keys[j]);
    fputs("</text>\n", f);
    y_axis(f, x0, y0, pw, ph, c->lo, c->hi, c->step, c->dec);
    slot = pw / (double)nv;
    for (size_t q = 0; q < nv; q++) {
        double x = x0 + slot * ((double)q + 0.5);
        size_t len = strlen(vals[q]);
        if ((double)len * 6.2 > slot)
            fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" font-size=\"10\" "
                       "transform=\"rotate(-25 %.1f %.1f)\">",
                    x, y0 + ph + 14, x, y0 + ph + 14);
        else
            fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"11\">", x, y0 + ph + 15);
        report__esc(f, vals[q]);
        fputs("</text>\n", f);
    }
    axis_label_x(f, x0 + pw / 2, y0 + ph + 62, c->keys[j]);
    if (first_in_row)
        axis_label_y(f, x0 - 52, y0 + ph / 2, c->ylab);
    for (size_t s = 0; s < ns; s++)
        cv_series(f, c, j, ser[s], s, ns, vals, nv, x0, y0);
    for (size_t s = 0; s < ns; s++) { /* this panel's series: line, marker, the other parameters */
        double ly = y0 + ph + 84 + 15 * (double)s;
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1.8\"%s/>\n",
                x0 - 60, ly - 4, x0 - 36, ly - 4, OI[s % 8], DASH[s % 4]);
        marker(f, (int)s, x0 - 48, ly - 4, OI[s % 8], "key");
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\">", x0 - 30, ly);
        report__esc(f, *ser[s] ? ser[s] : "(no other parameter)");
        fputs("</text>\n", f);
    }
}

static void chart_cv(rep *r, json_object *m, const char *name)
{
    json_object *cv = jget(m, "cv"), *pts = jget(cv, "points");
    cv_chart c;
    char id[64], title[256], cap[1024];
    int folds = (int)jnum(cv, "folds"), per_row, prow;
    const char *metric = jstr(cv, "metric");
    const char *mname = metric && strcmp(metric, "macro_f1") == 0 ? "macro-F1" : "accuracy";
    double cellw, cellh, top = 50, W, H;
    FILE *f;
    memset(&c, 0, sizeof c);
    c.np = jlen(pts);
    c.best = (size_t)(isfinite(jnum(cv, "best")) ? jnum(cv, "best") : 0);
    if (c.np < 2 || c.np > CV_MAXP || !(c.p = calloc(c.np, sizeof *c.p)))
        return;
    if (cv_read(&c, pts) != 0)
        goto out;
    make_id(r, "cv", name, id);
    snprintf(title, sizeof title, "Cross-validation grid: %s (%d folds, %s)", name, folds, mname);
    snprintf(c.ylab, sizeof c.ylab, "mean CV %s (fraction), bars: +-1 s.d.", mname);
    per_row = c.nk < 3 ? c.nk : 3;
    prow = (c.nk + per_row - 1) / per_row;
    c.pw = 270;
    c.ph = 240;
    cellw = c.pw + 110;
    cellh = c.ph + 96 + 15 * (double)cv_max_series(&c);
    W = cellw * per_row + 20;
    H = top + cellh * prow + 10;
    if (W < 760)
        W = 760;
    f = chart_open(r);
    svg_head(f, id, W, H, title);
    for (int j = 0; j < c.nk; j++)
        cv_panel(f, &c, j, j % per_row == 0, 80 + cellw * (j % per_row), top + 30 + cellh * (j / per_row));
    fputs("</svg>\n", f);
    snprintf(cap, sizeof cap,
             "Each panel: the metric against one parameter; one line (colour, marker shape and dash) per "
             "combination of the other parameters (legend below each panel). Error bars: "
             "+-1 sample standard deviation over the %d folds. Ringed: the best point.",
             folds);
    chart_close(r, id, cap);
out:
    for (size_t i = 0; i < c.np; i++)
        for (int j = 0; j < c.p[i].nkv; j++)
            free(c.p[i].kv[j]);
    free(c.p);
}

/* ---- per model: feature importances (top 20) */

static int cmp_desc(const void *a, const void *b, void *ctx)
{
    const double *v = ctx;
    double x = v[*(const size_t *)a], y = v[*(const size_t *)b];
    return x < y ? 1 : x > y ? -1 : 0;
}

static void chart_importances(rep *r, json_object *m, const char *name)
{
    json_object *imp = jget(m, "importances"), *fe = jget(m, "features");
    size_t n = jlen(imp), show;
    char id[64], title[256];
    if (n == 0 || jlen(fe) != n)
        return;
    double *v = malloc(n * sizeof *v);
    size_t *ix = malloc(n * sizeof *ix);
    if (!v || !ix) {
        free(v);
        free(ix);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        v[i] = jnum_of(jat(imp, i));
        if (!isfinite(v[i]))
            v[i] = 0;
        ix[i] = i;
    }
    qsort_r(ix, n, sizeof *ix, cmp_desc, v);
    show = n < 20 ? n : 20;
    double mx = v[ix[0]] > 0 ? v[ix[0]] : 1, step = nice_step(mx, 5), top = ceil(mx / step) * step;
    make_id(r, "importances", name, id);
    snprintf(title, sizeof title, "Feature importances: %s (top %zu of %zu)", name, show, n);
    double x0 = 250, y0 = 60, rh = 20, w = 440, h = rh * (double)show, W = 780, H = y0 + h + 60;
    FILE *f = chart_open(r);
    svg_head(f, id, W, H, title);
    for (double t = 0; t <= top + step * 1e-6; t += step) {
        double x = x0 + t / top * w;
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", x, y0, x, y0 + h);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"11\">%.3g</text>\n", x, y0 + h + 16, t);
    }
    for (size_t i = 0; i < show; i++) {
        double y = y0 + rh * (double)i, bw = v[ix[i]] / top * w;
        const char *fn = json_object_get_string(jat(fe, ix[i]));
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" font-size=\"11\">", x0 - 6, y + 14);
        label_fit(f, fn, x0 - 10, 11);
        fputs("</text>\n", f);
        fprintf(f, "<rect class=\"mark\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" stroke=\"#333\" "
                   "stroke-width=\"0.5\"><title>",
                x0, y + 3, bw < 1 ? 1 : bw, rh - 6, OI[2]);
        report__esc(f, fn);
        fprintf(f, ": %.4f</title></rect>\n<text x=\"%.1f\" y=\"%.1f\" font-size=\"10.5\">%.4f</text>\n", v[ix[i]],
                x0 + bw + 4, y + 14, v[ix[i]]);
    }
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#333\"/>\n", x0, y0, w,
            h);
    axis_label_x(f, x0 + w / 2, y0 + h + 38, "importance (share of the total impurity decrease, 0-1)");
    axis_label_y(f, 18, y0 + h / 2, "feature (after the pipeline)");
    fputs("</svg>\n", f);
    chart_close(r, id, "Mean decrease in impurity of each feature, normalised to sum to 1 over all features. "
                       "Names are the pipeline's: one-hot columns read column=value.");
    free(v);
    free(ix);
}

/* ---- per model: a network's training curves (mqttids_curves_svg's chart, given an id and a <title>) */

static void chart_curves(rep *r, json_object *m, const char *name)
{
    json_object *cj = jget(m, "curve"), *ep = jget(cj, "epochs");
    size_t n = jlen(ep);
    mqttids_curve c = {NULL, n, (int)jnum(cj, "best_epoch"), 0};
    char id[64], title[512], *buf = NULL;
    size_t len = 0;
    FILE *mf;
    if (!cj)
        return;
    json_object *dv = jget(cj, "diverged");
    c.diverged = dv ? json_object_get_boolean(dv) : 0;
    if (!isfinite(jnum(cj, "best_epoch")))
        c.best_epoch = -1;
    c.epochs = calloc(n ? n : 1, sizeof *c.epochs);
    if (!c.epochs)
        return;
    for (size_t i = 0; i < n; i++) {
        json_object *e = jat(ep, i);
        c.epochs[i].train_loss = jnum(e, "train_loss");
        c.epochs[i].train_acc = jnum(e, "train_acc");
        c.epochs[i].val_loss = jnum(e, "val_loss");
        c.epochs[i].val_acc = jnum(e, "val_acc");
        c.epochs[i].lr = jnum(e, "lr");
    }
    make_id(r, "curves", name, id);
    if (jstr(m, "best_params") && *jstr(m, "best_params"))
        snprintf(title, sizeof title, "Training curves: %s (%s)", name, jstr(m, "best_params"));
    else
        snprintf(title, sizeof title, "Training curves: %s", name);
    mf = open_memstream(&buf, &len);
    if (!mf) {
        free(c.epochs);
        return;
    }
    mqttids_curves_svg(mf, title, &c);
    fclose(mf);
    free(c.epochs);
    const char *s = buf;
    if (strncmp(s, "<?xml", 5) == 0 && strchr(s, '\n'))
        s = strchr(s, '\n') + 1;
    if (strncmp(s, "<svg ", 5) != 0 || !strchr(s, '>')) {
        free(buf);
        return;
    }
    const char *gt = strchr(s, '>');
    FILE *f = chart_open(r);
    fprintf(f, "<svg id=\"%s\" class=\"chart\" role=\"img\" aria-labelledby=\"%s-title\" ", id, id);
    fwrite(s + 5, 1, (size_t)(gt - (s + 5)) + 1, f);
    fprintf(f, "\n<title id=\"%s-title\">", id);
    report__esc(f, title);
    fputs("</title>", f);
    fputs(gt + 1, f);
    free(buf);
    chart_close(r, id, "Loss (cross-entropy) and accuracy per epoch on the train rows and on the validation "
                       "rows (the test rows, as the study's checkpoint); the dotted line marks the kept epoch.");
}

/* ---- comparison: test accuracy beside the study's */

static void chart_comparison(rep *r, json_object *models)
{
    size_t n = jlen(models), k = 0;
    char id[64], pat[96];
    for (size_t i = 0; i < n; i++)
        k += jget(jat(models, i), "test") != NULL;
    if (k == 0)
        return;
    make_id(r, "comparison", NULL, id);
    double x0 = 160, y0 = 80, gh = 40, w = 480, h = gh * (double)k, W = 780, H = y0 + h + 60;
    FILE *f = chart_open(r);
    svg_head(f, id, W, H, "Test accuracy: this run beside the study's published figure");
    hatch_def(f, id, 1, OI[1], 0);
    snprintf(pat, sizeof pat, "url(#%s-hatch1)", id);
    legend_box(f, x0, 54, OI[0], "this run (test rows)");
    legend_box(f, x0 + 180, 54, pat, "study (published, hatched)");
    for (int t = 0; t <= 10; t += 2) {
        double x = x0 + t / 10.0 * w;
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", x, y0, x, y0 + h);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"11\">%.1f</text>\n", x, y0 + h + 16,
                t / 10.0);
    }
    size_t row = 0;
    for (size_t i = 0; i < n; i++) {
        json_object *m = jat(models, i);
        const char *name = jstr(m, "name");
        if (!jget(m, "test"))
            continue;
        double y = y0 + gh * (double)row++ + 5;
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" font-size=\"12\">", x0 - 6, y + 19);
        label_fit(f, name, x0 - 10, 12);
        fputs("</text>\n", f);
        for (int s = 0; s < 2; s++) {
            double v = s ? jnum(m, "study_test_accuracy") : jnum(jget(m, "test"), "accuracy"), by = y + s * 15;
            if (!isfinite(v)) {
                fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">(no published figure)</text>\n", x0 + 4,
                        by + 11);
                continue;
            }
            fprintf(f, "<rect class=\"mark\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"14\" fill=\"%s\" "
                       "stroke=\"#333\" stroke-width=\"0.5\"/>\n"
                       "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">%.4f</text>\n",
                    x0, by, v * w, s ? pat : OI[0], x0 + v * w + 4, by + 11, v);
        }
    }
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#333\"/>\n", x0, y0, w,
            h);
    axis_label_x(f, x0 + w / 2, y0 + h + 38, "test accuracy (fraction, 0-1)");
    axis_label_y(f, 18, y0 + h / 2, "model");
    fputs("</svg>\n", f);
    chart_close(r, id, NULL);
}

/* ------------------------------------------------------------------ page */

static const char CSS[] =
    "body{font-family:" FONT ";margin:0 auto;max-width:1260px;padding:16px 24px;color:#111;background:#fff}"
    "h1{font-size:26px;margin:8px 0}h2{border-bottom:2px solid #0072B2;padding-bottom:4px;margin-top:36px}"
    "h3{margin:20px 0 6px}figure{margin:12px 16px 20px 0;display:inline-block;vertical-align:top}figcaption{font-size:13px;color:#333;max-width:900px}"
    "svg.chart{max-width:100%;height:auto;display:block}"
    /* narrow windows (800 px): pictures shrink, wide tables scroll inside themselves */
    "figure{max-width:100%}table{display:block;max-width:100%;overflow-x:auto}"
    "table{border-collapse:collapse;font-size:13px;margin:8px 0 16px}"
    "th,td{border:1px solid #999;padding:3px 8px;text-align:left}td.n{text-align:right;white-space:nowrap;"
    "font-variant-numeric:tabular-nums}th{background:#e8eef5}tr:nth-child(even) td{background:#f6f6f6}"
    ".legend{font-size:12px}.legend p{margin:2px 0}.key{margin-right:12px;white-space:normal}"
    "nav ul{columns:2;font-size:14px}.small{font-size:12px;color:#444}code{font-size:12px}";

static void table_row_num(FILE *h, double v, int d)
{
    fputs("<td class=\"n\">", h);
    fnum(h, v, d);
    fputs("</td>", h);
}

static void page_head(rep *r, json_object *res)
{
    FILE *h = r->html;
    json_object *stats = jget(res, "stats"), *models = jget(res, "models"), *inputs = jget(res, "inputs");
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<title>mqttids experiment report</title>\n<style>",
          h);
    fputs(CSS, h);
    fputs("</style>\n</head>\n<body>\n<h1>mqttids experiment report</h1>\n<p>", h);
    fprintf(h, "%.0f rows read; %zu model rows", isfinite(jnum(stats, "rows")) ? jnum(stats, "rows") : 0.0,
            jlen(models));
    if (isfinite(jnum(res, "seconds")))
        fprintf(h, "; the experiment took %.1f s", jnum(res, "seconds"));
    fputs(". The study's method: MQTTset, Spark LR/RF, PyTorch networks.</p>\n", h);
    if (jlen(inputs)) {
        fputs("<table id=\"inputs\"><tr><th>input</th><th>split</th><th>rows kept</th><th>rows rejected</th></tr>\n", h);
        for (size_t i = 0; i < jlen(inputs); i++) {
            json_object *e = jat(inputs, i);
            fputs("<tr><td><code>", h);
            report__esc(h, jstr(e, "path"));
            fputs("</code></td><td>", h);
            report__esc(h, jstr(e, "split"));
            fputs("</td>", h);
            table_row_num(h, jnum(e, "rows_kept"), 0);
            table_row_num(h, jnum(e, "rows_rejected"), 0);
            fputs("</tr>\n", h);
        }
        fputs("</table>\n", h);
    }
    fputs("<nav><ul><li><a href=\"#dataset\">Dataset overview</a></li><li><a href=\"#confusion\">Confusion matrices</a></li>"
          "<li><a href=\"#per-class\">Recall and F1 per class</a></li><li><a href=\"#cv\">Cross-validation grids</a></li>"
          "<li><a href=\"#curves\">Training curves</a></li><li><a href=\"#importances\">Feature importances</a></li>"
          "<li><a href=\"#comparison\">Comparison with the study</a></li></ul></nav>\n",
          h);
}

static void dropped_table(rep *r, json_object *res)
{
    FILE *h = r->html;
    json_object *models = jget(res, "models"), *dr = NULL;
    const char *who = NULL;
    for (size_t i = 0; i < jlen(models) && !dr; i++)
        if (jget(jat(models, i), "dropped")) {
            dr = jget(jat(models, i), "dropped");
            who = jstr(jat(models, i), "name");
        }
    fputs("<h3>Columns dropped and why</h3>\n", h);
    if (dr) {
        fputs("<p class=\"small\">As fitted on the train rows by the pipeline of ", h);
        report__esc(h, who ? who : "the first model");
        fputs(" (every model uses the same pipeline options).</p>\n<table id=\"dropped\"><tr><th>column</th><th>why</th></tr>\n",
              h);
        for (size_t i = 0; i < jlen(dr); i++) {
            fputs("<tr><td><code>", h);
            report__esc(h, jstr(jat(dr, i), "column"));
            fputs("</code></td><td>", h);
            report__esc(h, jstr(jat(dr, i), "why"));
            if (jstr(jat(dr, i), "why") && strcmp(jstr(jat(dr, i), "why"), "listed") == 0)
                fputs(" (named by --drop; by default the payload text mqtt.msg)", h);
            fputs("</td></tr>\n", h);
        }
        fputs("</table>\n", h);
        return;
    }
    json_object *cols = jget(jget(res, "stats"), "columns");
    fputs("<p class=\"small\">By the rules applied to all rows (no model's pipeline in these results).</p>\n"
          "<table id=\"dropped\"><tr><th>column</th><th>why</th></tr>\n",
          h);
    for (size_t i = 0; i < jlen(cols); i++) {
        const char *why = jstr(jat(cols, i), "dropped");
        if (!why)
            continue;
        fputs("<tr><td><code>", h);
        report__esc(h, jstr(jat(cols, i), "name"));
        fputs("</code></td><td>", h);
        report__esc(h, why);
        fputs("</td></tr>\n", h);
    }
    fputs("</table>\n", h);
}

static void comparison_table(rep *r, json_object *models)
{
    FILE *h = r->html;
    fputs("<table id=\"comparison-table\"><tr><th>model</th><th>kind</th><th>CV mean &#177; s.d.</th>"
          "<th>train accuracy</th><th>test accuracy</th><th>test macro-F1</th><th>study's test accuracy</th>"
          "<th>difference (points)</th><th>best parameters</th></tr>\n",
          h);
    for (size_t i = 0; i < jlen(models); i++) {
        json_object *m = jat(models, i), *cv = jget(m, "cv"), *test = jget(m, "test");
        double st = jnum(m, "study_test_accuracy"), ta = jnum(test, "accuracy");
        fputs("<tr><td>", h);
        report__esc(h, jstr(m, "name"));
        fputs("</td><td>", h);
        report__esc(h, jstr(m, "kind"));
        fputs("</td>", h);
        if (!test) {
            fputs("<td colspan=\"7\">", h);
            report__esc(h, jstr(m, "skipped") ? jstr(m, "skipped") : "not run");
            fputs("</td></tr>\n", h);
            continue;
        }
        json_object *bp = jat(jget(cv, "points"), (size_t)(isfinite(jnum(cv, "best")) ? jnum(cv, "best") : 0));
        fputs("<td class=\"n\">", h);
        fnum(h, jnum(bp, "mean"), 4);
        fputs(" &#177; ", h);
        fnum(h, jnum(bp, "std"), 4);
        fputs("</td>", h);
        table_row_num(h, jnum(m, "train_accuracy"), 4);
        table_row_num(h, ta, 4);
        table_row_num(h, jnum(test, "macro_f1"), 4);
        table_row_num(h, st, 4);
        table_row_num(h, isfinite(st) && isfinite(ta) ? 100 * (ta - st) : NAN, 2);
        fputs("<td><code>", h);
        report__esc(h, jstr(m, "best_params") && *jstr(m, "best_params") ? jstr(m, "best_params") : "(baseline parameters)");
        fputs("</code></td></tr>\n", h);
    }
    fputs("</table>\n", h);
}

/* The page, drawn into r->html. */
static void draw_page(rep *r, json_object *res, json_object *stats, json_object *models)
{
    size_t nm = jlen(models);

    page_head(r, res);

    fputs("<h2 id=\"dataset\">Dataset overview</h2>\n", r->html);
    if (stats) {
        chart_class_counts(r, stats);
        chart_zero_share(r, stats, res);
    }
    dropped_table(r, res);

    fputs("<h2 id=\"confusion\">Confusion matrices (test rows)</h2>\n", r->html);
    for (size_t i = 0; i < nm; i++)
        chart_confusion(r, jat(models, i), jstr(jat(models, i), "name") ? jstr(jat(models, i), "name") : "model");
    fputs("<h2 id=\"per-class\">Recall and F1 per class (test rows)</h2>\n", r->html);
    for (size_t i = 0; i < nm; i++)
        chart_per_class(r, jat(models, i), jstr(jat(models, i), "name") ? jstr(jat(models, i), "name") : "model");
    fputs("<h2 id=\"cv\">Cross-validation grids (train rows)</h2>\n", r->html);
    {
        int any = 0;
        for (size_t i = 0; i < nm; i++) {
            int before = r->nids;
            chart_cv(r, jat(models, i), jstr(jat(models, i), "name") ? jstr(jat(models, i), "name") : "model");
            any |= r->nids > before;
        }
        if (!any)
            fputs("<p>No model of these results had a grid (a single parameter set each).</p>\n", r->html);
    }
    fputs("<h2 id=\"curves\">Training curves of the networks</h2>\n", r->html);
    {
        int any = 0;
        for (size_t i = 0; i < nm; i++) {
            int before = r->nids;
            chart_curves(r, jat(models, i), jstr(jat(models, i), "name") ? jstr(jat(models, i), "name") : "model");
            any |= r->nids > before;
        }
        if (!any)
            fputs("<p>No network ran in this experiment (run it with <code>--nn</code>).</p>\n", r->html);
    }
    fputs("<h2 id=\"importances\">Feature importances</h2>\n", r->html);
    {
        int any = 0;
        for (size_t i = 0; i < nm; i++) {
            int before = r->nids;
            chart_importances(r, jat(models, i), jstr(jat(models, i), "name") ? jstr(jat(models, i), "name") : "model");
            any |= r->nids > before;
        }
        if (!any)
            fputs("<p>No model of these results reports feature importances (the random forest does).</p>\n", r->html);
    }
    fputs("<h2 id=\"comparison\">Comparison with the study</h2>\n", r->html);
    comparison_table(r, models);
    chart_comparison(r, models);
    fputs("<p class=\"small\">Written by mqttids report. Colours: Okabe-Ito for categories (doubled by hatching, "
          "marker shapes and printed values), viridis for the heat maps (the counts are printed in the cells).</p>\n"
          "</body>\n</html>\n",
          r->html);
}

mqttids_err mqttids_report_write(const char *json, size_t len, const char *html_path, const char *svg_dir,
                                 char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    rep r;
    json_tokener *tok = json_tokener_new();
    json_object *res = tok ? json_tokener_parse_ex(tok, json, (int)(len > INT32_MAX ? INT32_MAX : len)) : NULL;
    json_object *stats = jget(res, "stats"), *models = jget(res, "models");
    mqttids_err err;
    if (tok)
        json_tokener_free(tok);
    if (!res || !json_object_is_type(res, json_type_object) || (!stats && !models)) {
        json_object_put(res);
        return util__fail(errbuf, MQTTIDS_ERR_MALFORMED,
                          "not the results of 'mqttids experiment --json' (no \"stats\" or \"models\")");
    }
    memset(&r, 0, sizeof r);
    r.svg_dir = svg_dir;
    r.errbuf = errbuf;
    r.html = open_memstream(&r.hbuf, &r.hlen);
    if (!r.html) {
        json_object_put(res);
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
    }
    draw_page(&r, res, stats, models);
    json_object_put(res);
    if (fclose(r.html) != 0 || !r.hbuf) {
        free(r.hbuf);
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
    }
    err = r.failed ? r.err : report__write_file(html_path, r.hbuf, r.hlen, NULL, 0, errbuf);
    free(r.hbuf);
    return err;
}
