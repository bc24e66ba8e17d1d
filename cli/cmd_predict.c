/*
 * cmd_predict.c: "mqttids predict": one predicted label and the class probabilities per
 * input row, as CSV (stdout or -o FILE, written atomically).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli_ml.h"

const char cmd_predict_summary[] = "classify rows with a model: label and class probabilities per row (CSV)";

static void help(void)
{
    printf("Usage: mqttids predict --model MODEL [-o FILE] PATH...\n"
           "Writes one CSV line per input row: row (0-based, over all inputs), predicted label,\n"
           "the probability of each class, and the true label when the input has one.\n\n"
           "Options:\n"
           "  -m, --model MODEL   the model file\n"
           "  -o, --output FILE   write the CSV here (default stdout)\n"
           "      --threads N     threads (default 2)\n"
           "      --json          print a JSON summary (counts per predicted class) on stdout;\n"
           "                      the CSV then needs -o\n"
           "  -q, --quiet         no progress or info lines\n"
           "  -h, --help          this help\n"
           "PostgreSQL sink:\n"
           "      --pred-table NAME  also write (model id, row, class, probability) rows to this\n"
           "                      [schema.]table of the --db database, in one transaction; the CSV\n"
           "                      is then written only with -o. With file inputs and no --table,\n"
           "                      --db names only this sink, not a source.\n\n" CLI_INPUT_HELP);
}

/*
 * PostgreSQL sink: one row per prediction (row = the CSV's row number), all or nothing.
 * Returns an exit code.
 */
static int write_pred_table(const char *conninfo, const char *table, const mqttids_model *m, const int *cls,
                            const double *proba, size_t n, int k)
{
    mqttids_store *st = NULL;
    mqttids_store_sink *sink = NULL;
    uint64_t rows = 0;
    int map[256];

    for (int c = 0; c < k && c < 256; c++)
        map[c] = mqttids_detect_class_index(mqttids_model_class_name(m, c));
    if (cli_store_open(conninfo, &st) != MQTTIDS_OK)
        return CLI_EXIT_FAIL;
    if (mqttids_store_sink_open(st, table, mqttids_model_id(m), MQTTIDS_SINK_ONE_TRANSACTION, &sink) != MQTTIDS_OK)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        mqttids_prediction p;
        if (cls[i] < 0 || cls[i] >= k || cls[i] >= 256 || map[cls[i]] < 0) {
            cli_err("--pred-table: row %zu: class %d of the model is not an MQTTset class", i, cls[i]);
            mqttids_store_sink_abort(sink);
            mqttids_store_close(st);
            return CLI_EXIT_FAIL;
        }
        p.row_id = (int64_t)i;
        p.time = NAN;
        p.cls = map[cls[i]];
        p.probability = proba[i * (size_t)k + (size_t)cls[i]];
        p.detail = NULL;
        if (mqttids_store_sink_put(sink, &p) != MQTTIDS_OK) {
            mqttids_store_sink_abort(sink);
            goto fail;
        }
    }
    if (mqttids_store_sink_close(sink, &rows) != MQTTIDS_OK)
        goto fail;
    cli_info("wrote %llu predictions to table %s", (unsigned long long)rows, table);
    mqttids_store_close(st);
    return CLI_EXIT_OK;
fail:
    cli_err("--pred-table %s: %s (nothing was written)", table, mqttids_store_errmsg(st));
    mqttids_store_close(st);
    return CLI_EXIT_FAIL;
}

int cmd_predict(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"model", required_argument, NULL, 'm'},
        {"output", required_argument, NULL, 'o'},
        {"pred-table", required_argument, NULL, 0x2001},
        {NULL, 0, NULL, 0},
    };
    cli_inputs in;
    const char *path = NULL, *out = NULL, *pred_table = NULL, *pred_db = NULL;
    int opt, rc, k;
    cli_opts co;
    mqttids_dataset *ds = NULL;
    mqttids_model *m = NULL;
    json_object *report = NULL;
    int *cls = NULL;
    double *proba = NULL;
    size_t n, counts[256] = {0};
    char errbuf[MQTTIDS_ERRBUF_SIZE];
    FILE *f = NULL;
    cli_out of = {NULL, NULL, NULL, 0};

    cli_inputs_init(&in);
    co = CLI_OPTS(.cmd = "predict", .help = help, .in = &in, .threads = 1);
    while ((opt = cli_opts_next(&co, argc, argv, "m:o:", longopts)) != 0) {
        switch (opt) {
        case 'm':
            path = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 0x2001:
            pred_table = optarg;
            break;
        }
    }
    if (co.rc != CLI_OPT_NEXT)
        return co.rc;
    if (!path)
        return cli_usage_error("predict", "give the model file with --model MODEL");
    if (cli_out_check(out) != 0) /* before the model and the data are read */
        return CLI_EXIT_FAIL;
    if (pred_table) {
        if (!in.db)
            return cli_usage_error("predict", "--pred-table needs --db CONNINFO");
        pred_db = in.db;
        if (in.n > 0 && !in.table)
            in.db = NULL; /* --db names only the sink */
    }
    if (out && (cli_refuse_overwrite("predict", "-o", out, path) != 0 ||
                cli_inputs_refuse_overwrite(&in, "predict", "-o", out) != 0))
        return CLI_EXIT_USAGE;
    if (co.tail.json && (!out || strcmp(out, "-") == 0))
        return cli_usage_error("predict", "--json prints a summary on stdout: give the CSV a file with -o FILE");
    if (mqttids_model_load(path, &m, errbuf) != MQTTIDS_OK) {
        cli_err("%s", errbuf);
        return CLI_EXIT_FAIL;
    }
    k = mqttids_model_nclasses(m);
    if (co.tail.json)
        report = json_object_new_object();
    rc = cli_inputs_load(&in, &ds, report);
    if (rc != CLI_EXIT_OK)
        goto out;
    n = mqttids_dataset_nrows(ds);
    cls = malloc((n ? n : 1) * sizeof *cls);
    proba = malloc((n ? n : 1) * (size_t)k * sizeof *proba);
    if (!cls || !proba) {
        cli_err("out of memory");
        rc = CLI_EXIT_FAIL;
        goto out;
    }
    if (mqttids_model_predict_dataset(m, ds, NULL, n, cls, proba, co.tail.threads, errbuf) != MQTTIDS_OK) {
        cli_err("%s", errbuf);
        rc = CLI_EXIT_FAIL;
        goto out;
    }
    if (pred_table) {
        rc = write_pred_table(pred_db, pred_table, m, cls, proba, n, k);
        if (rc != CLI_EXIT_OK || !out)
            goto out;
    }
    if (cli_out_open(&of, out ? out : "-", "w") != 0) {
        rc = CLI_EXIT_FAIL;
        goto out;
    }
    f = of.fp;
    {
        const int8_t *lab = mqttids_dataset_labels(ds);
        int labeled = 0;
        for (size_t i = 0; i < n && !labeled; i++)
            labeled = lab[i] >= 0;
        fprintf(f, "row,predicted");
        for (int c = 0; c < k; c++)
            fprintf(f, ",p_%s", mqttids_model_class_name(m, c));
        fprintf(f, "%s\n", labeled ? ",target" : "");
        for (size_t i = 0; i < n; i++) {
            fprintf(f, "%zu,%s", i, mqttids_model_class_name(m, cls[i]));
            for (int c = 0; c < k; c++)
                fprintf(f, ",%.6g", proba[i * (size_t)k + (size_t)c]);
            if (labeled)
                fprintf(f, ",%s", lab[i] >= 0 ? mqttids_class_name(lab[i]) : "");
            fprintf(f, "\n");
            if (cls[i] >= 0 && cls[i] < 256)
                counts[cls[i]]++;
        }
    }
    f = NULL;
    if (cli_out_commit(&of) != 0) {
        rc = CLI_EXIT_FAIL;
        goto out;
    }
    if (co.tail.json) {
        json_object *o = json_object_new_object(), *pc = json_object_new_object();
        json_object_object_add(o, "model", json_object_new_string(mqttids_model_id(m)));
        json_object_object_add(o, "rows", json_object_new_int64((int64_t)n));
        json_object_object_add(o, "output", json_object_new_string(out));
        for (int c = 0; c < k; c++)
            json_object_object_add(pc, mqttids_model_class_name(m, c), json_object_new_int64((int64_t)counts[c]));
        json_object_object_add(o, "predicted", pc);
        json_object_object_add(o, "inputs", json_object_get(json_object_object_get(report, "inputs")));
        cli_json_print(o);
        json_object_put(o);
    } else if (out && strcmp(out, "-") != 0) {
        cli_info("wrote %zu predictions to %s", n, out);
    }
out:
    cli_out_abort(&of);
    json_object_put(report);
    free(cls);
    free(proba);
    mqttids_model_free(m);
    mqttids_dataset_free(ds);
    return rc;
}
