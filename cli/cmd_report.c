/*
 * cmd_report.c: "mqttids report": the HTML report (cli_report.h) of saved results of
 * `mqttids experiment --json`.
 */
#include <errno.h>
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
           "      --svg-dir DIR   also write each chart as DIR/<chart id>.svg (DIR must exist)\n"
           "  -q, --quiet         no info line\n"
           "  -h, --help          this help\n");
}

int cmd_report(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"svg-dir", required_argument, NULL, 'S'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *out = "report.html", *svg_dir = NULL, *in;
    json_object *res;
    int opt, rc;

    optind = 1;
    while ((opt = getopt_long(argc, argv, "o:qh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'o':
            out = optarg;
            break;
        case 'S':
            svg_dir = optarg;
            break;
        case 'q':
            cli_quiet = 1;
            break;
        case 'h':
            help();
            return CLI_EXIT_OK;
        default:
            return cli_usage_error("report", "unknown option");
        }
    }
    if (argc - optind != 1)
        return cli_usage_error("report", "needs exactly one RESULTS.json (from 'mqttids experiment --json')");
    in = argv[optind];
    errno = 0;
    res = json_object_from_file(in);
    if (!res) {
        cli_err("%s: cannot read JSON: %s", in, errno ? strerror(errno) : json_util_get_last_err());
        return CLI_EXIT_FAIL;
    }
    rc = cli_report_write(res, out, svg_dir) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
    if (rc == CLI_EXIT_OK)
        cli_info("wrote %s", out);
    json_object_put(res);
    return rc;
}
