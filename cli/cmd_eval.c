/*
 * cmd_eval.c: "mqttids eval": score a model file on labeled test rows: accuracy,
 * per-class precision/recall/F1, macro and weighted F1, confusion matrix.
 */
#include <stdlib.h>
#include <string.h>
#include "cli_ml.h"

const char cmd_eval_summary[] = "score a model on labeled rows: accuracy, per-class F1, confusion matrix";

static void help(void)
{
    printf("Usage: mqttids eval --model MODEL [--test PATH]... [PATH]...\n"
           "Predicts the test rows (rows given with --test; untagged rows when there are none)\n"
           "and compares with their labels.\n\n"
           "Options:\n"
           "  -m, --model MODEL   the model file\n"
           "      --threads N     threads (default 2)\n"
           "      --json          machine-readable result on stdout\n"
           "  -q, --quiet         no progress or info lines\n"
           "  -h, --help          this help\n\n" CLI_INPUT_HELP);
}

int cmd_eval(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"model", required_argument, NULL, 'm'},
        {"threads", required_argument, NULL, 't'},
        {"json", no_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        CLI_INPUT_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    cli_inputs in;
    const char *path = NULL;
    int json = 0, opt, rc, nthreads = 2;
    mqttids_dataset *ds = NULL;
    mqttids_model *m = NULL;
    json_object *report = NULL;
    size_t *rows = NULL, n = 0, unseen = 0;
    mqttids_metrics mt;
    char errbuf[MQTTIDS_ERRBUF_SIZE];

    cli_inputs_init(&in);
    optind = 1;
    while ((opt = getopt_long(argc, argv, "m:qh", longopts, NULL)) != -1) {
        char *end;
        int r = cli_inputs_option(&in, "eval", opt, optarg);
        if (r < 0)
            return CLI_EXIT_USAGE;
        if (r > 0)
            continue;
        switch (opt) {
        case 'm':
            path = optarg;
            break;
        case 't':
            nthreads = (int)strtol(optarg, &end, 10);
            if (*end || nthreads < 1 || nthreads > 64)
                return cli_usage_error("eval", "--threads needs an integer in [1, 64], not '%s'", optarg);
            break;
        case 'j':
            json = 1;
            break;
        case 'q':
            cli_quiet = 1;
            break;
        case 'h':
            help();
            return CLI_EXIT_OK;
        default:
            return cli_bad_option("eval");
        }
    }
    if (cli_inputs_add_positional(&in, "eval", argc, argv, optind) < 0)
        return CLI_EXIT_USAGE;
    if (!path)
        return cli_usage_error("eval", "give the model file with --model MODEL");
    if (mqttids_model_load(path, &m, errbuf) != MQTTIDS_OK) {
        cli_err("%s", errbuf);
        return CLI_EXIT_FAIL;
    }
    if (json)
        report = json_object_new_object();
    rc = cli_inputs_load(&in, &ds, report);
    if (rc != CLI_EXIT_OK)
        goto out;
    if (cli_rows_for(ds, MQTTIDS_SPLIT_TEST, &rows, &n) != 0) {
        cli_err("out of memory");
        rc = CLI_EXIT_FAIL;
        goto out;
    }
    if (mqttids_model_evaluate(m, ds, rows, n, nthreads, &mt, &unseen, errbuf) != MQTTIDS_OK) {
        cli_err("%s", errbuf);
        rc = CLI_EXIT_FAIL;
        goto out;
    }
    if (mt.n == 0) {
        cli_err("eval: none of the %zu rows has a label (target column)", n);
        rc = CLI_EXIT_FAIL;
        goto out;
    }
    if (json) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "model", cli_model_json(m));
        json_object_object_add(o, "metrics", cli_metrics_json(&mt));
        json_object_object_add(o, "unseen_categories", json_object_new_int64((int64_t)unseen));
        json_object_object_add(o, "inputs", json_object_get(json_object_object_get(report, "inputs")));
        cli_json_print(o);
        json_object_put(o);
    } else {
        printf("model %s (%s): %s\n", mqttids_model_id(m), mqttids_model_kind(m), mqttids_model_params(m));
        cli_print_metrics("test", &mt);
        if (unseen)
            printf("  nominal values never seen in train (encoded as all zeros): %zu\n", unseen);
    }
out:
    json_object_put(report);
    free(rows);
    mqttids_model_free(m);
    mqttids_dataset_free(ds);
    return rc;
}
