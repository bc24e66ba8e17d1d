/*
 * cmd_report.c: "mqttids report": the HTML report (cli_report.h) of saved results of
 * `mqttids experiment --json`.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "cli_report.h"

const char cmd_report_summary[] = "write the HTML report of saved 'experiment --json' results";

static void help(void)
{
    printf("Usage: mqttids report RESULTS.json [-o OUT.html] [--svg-dir DIR]\n"
           "Writes one self-contained HTML file (inline SVG and CSS, no scripts, nothing fetched) from the\n"
           "results that 'mqttids experiment --json' printed: the dataset overview (rows per class and\n"
           "split, share of zeros per column, the columns dropped and why), a confusion-matrix heat map\n"
           "and recall/F1 bars per model, the cross-validation grids, the networks' training curves,\n"
           "the random forest's feature importances, and the comparison with the study's figures.\n"
           "'mqttids experiment ... --report OUT.html' writes the same page directly.\n\n"
           "Options:\n"
           "  -o, --output FILE   the HTML file (default report.html)\n"
           "      --svg-dir DIR   also write each chart as DIR/<chart id>.svg (DIR is created)\n"
           "      --json          print {\"input\", \"output\", \"svg_dir\"} on stdout when written\n"
           "  -q, --quiet         no info line\n"
           "  -h, --help          this help\n");
}

/* Reads RESULTS.json (a bad byte named by offset and rule) and writes the page. */
static int write_report(const char *in, const char *out, const char *svg_dir)
{
    char errbuf[MQTTIDS_ERRBUF_SIZE], *text = NULL;
    size_t len = 0, cap = 0, n;
    FILE *fp = strcmp(in, "-") == 0 ? stdin : fopen(in, "rb");
    json_tokener *tok = NULL;
    json_object *res = NULL;
    int rc = CLI_EXIT_FAIL;
    mqttids_err err;
    if (!fp) {
        cli_err("%s: cannot open: %s", in, strerror(errno));
        return CLI_EXIT_FAIL;
    }
    do {
        if (len + 65536 > cap) {
            char *t = cap > ((size_t)1 << 30) ? NULL : realloc(text, cap = cap * 2 + 65536);
            if (!t) {
                cli_err("%s: too large or out of memory", in);
                goto out;
            }
            text = t;
        }
        n = fread(text + len, 1, cap - len - 1, fp);
        len += n;
    } while (n > 0);
    if (ferror(fp)) {
        cli_err("%s: read failed: %s", in, strerror(errno));
        goto out;
    }
    tok = json_tokener_new();
    if (!tok) {
        cli_err("out of memory");
        goto out;
    }
    res = json_tokener_parse_ex(tok, text, (int)(len > INT32_MAX ? INT32_MAX : len));
    if (!res) {
        enum json_tokener_error je = json_tokener_get_error(tok);
        cli_err("%s: byte %zu: not JSON: %s", in, json_tokener_get_parse_end(tok),
                je == json_tokener_continue ? "the text ends inside a value" : json_tokener_error_desc(je));
        goto out;
    }
    err = mqttids_report_write(text, len, out, svg_dir, errbuf);
    if (err == MQTTIDS_ERR_MALFORMED)
        cli_err("%s: %s", in, errbuf);
    else if (err != MQTTIDS_OK)
        cli_err("%s", errbuf);
    else
        rc = CLI_EXIT_OK;
    if (rc == CLI_EXIT_OK)
        cli_info("wrote %s", out);
out:
    json_object_put(res);
    if (tok)
        json_tokener_free(tok);
    free(text);
    if (fp != stdin)
        fclose(fp);
    return rc;
}

int cmd_report(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"svg-dir", required_argument, NULL, 'S'},
        {NULL, 0, NULL, 0},
    };
    const char *out = "report.html", *svg_dir = NULL, *in;
    int opt, json = 0, rc;
    cli_opts co;

    co = CLI_OPTS(.cmd = "report", .help = help, .args = 1); /* the results file */
    while ((opt = cli_opts_next(&co, argc, argv, "o:", longopts)) != 0) {
        switch (opt) {
        case 'o':
            out = optarg;
            break;
        case 'S':
            svg_dir = optarg;
            break;
        }
    }
    if (co.rc != CLI_OPT_NEXT)
        return co.rc;
    json = co.tail.json;
    if (argc - optind != 1)
        return cli_usage_error("report", "needs exactly one RESULTS.json (from 'mqttids experiment --json')");
    in = argv[optind];
    /* every output checked (and --svg-dir made) before anything is read */
    if (cli_out_check(out) != 0 || (svg_dir && cli_dir_make(svg_dir) != 0))
        return CLI_EXIT_FAIL;
    rc = write_report(in, out, svg_dir);
    if (rc == CLI_EXIT_OK && json) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "input", json_object_new_string(in));
        json_object_object_add(o, "output", json_object_new_string(out));
        json_object_object_add(o, "svg_dir", svg_dir ? json_object_new_string(svg_dir) : NULL);
        cli_json_print(o);
        json_object_put(o);
    }
    return rc;
}
