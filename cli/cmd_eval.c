/*
 * cmd_eval.c: "mqttids eval": score a model file on labeled test rows: accuracy,
 * per-class precision/recall/F1, macro and weighted F1, confusion matrix; per packet, and
 * per connection and client host for rows that carry id.stream / id.client (the grouping
 * and scores are the library's mqttids_model_evaluate_by, src/ml/groups.c).
 */
#include <stdlib.h>
#include <string.h>
#include "cli_ml.h"

const char cmd_eval_summary[] = "score a model on labeled rows: accuracy, per-class F1, confusion matrix";

static void help(void)
{
    printf("Usage: mqttids eval --model MODEL [--by LEVEL]... [--test PATH]... [PATH]...\n"
           "Predicts the test rows (rows given with --test; untagged rows when there are none)\n"
           "and compares with their labels.\n\n"
           "Options:\n"
           "  -m, --model MODEL   the model file\n"
           "      --by LEVEL      packet (default), connection, host, or all; repeatable or\n"
           "                      comma-separated. connection/host group the rows by id.stream /\n"
           "                      id.client of each input file (extract --ids; lab CSVs): a\n"
           "                      connection is alerted when any of its rows is predicted as an\n"
           "                      attack; its class is the most frequent predicted attack class\n"
           "      --min-probability P  an alert needs the predicted attack class's probability\n"
           "                      >= P (else the row counts as legitimate; default 0)\n"
           "      --threads N     threads (default 2)\n"
           "      --json          machine-readable result on stdout\n"
           "  -q, --quiet         no progress or info lines\n"
           "  -h, --help          this help\n\n" CLI_INPUT_HELP);
}

/* "packet,connection", "all": bits (1 << mqttids_level) added to *levels. */
static int parse_levels(const char *arg, unsigned *levels)
{
    const char *s = arg;
    while (*s) {
        size_t len = strcspn(s, ",");
        int found = 0;
        if (len == 3 && strncmp(s, "all", 3) == 0) {
            *levels |= (1u << MQTTIDS_NLEVEL) - 1;
            found = 1;
        }
        for (int l = 0; l < MQTTIDS_NLEVEL && !found; l++)
            if (strlen(mqttids_level_name(l)) == len && strncmp(s, mqttids_level_name(l), len) == 0) {
                *levels |= 1u << l;
                found = 1;
            }
        if (!found)
            return -1;
        s += len;
        if (*s == ',')
            s++;
    }
    return 0;
}

/* The input file of each of the n rows (indices into the dataset), from the loader's report:
 * inputs were appended in order, each with rows_kept rows. Caller frees; NULL on no memory. */
static uint32_t *input_of_rows(json_object *report, const size_t *rows, size_t n)
{
    json_object *arr = json_object_object_get(report, "inputs");
    size_t k = arr ? json_object_array_length(arr) : 0, *end = calloc(k + 1, sizeof *end), acc = 0;
    uint32_t *part = malloc((n ? n : 1) * sizeof *part);
    if (!end || !part) {
        free(end);
        free(part);
        return NULL;
    }
    for (size_t j = 0; j < k; j++) {
        acc += (size_t)json_object_get_int64(json_object_object_get(json_object_array_get_idx(arr, j), "rows_kept"));
        end[j] = acc;
    }
    for (size_t i = 0, j = 0; i < n; i++) { /* rows are in dataset order */
        while (j < k && rows[i] >= end[j])
            j++;
        part[i] = (uint32_t)j;
    }
    free(end);
    return part;
}

/*
 * Every input must carry the identity columns the levels need: rows of a file without them
 * would otherwise read as id 0 and merge into one connection. Checks each file's header (a
 * one-row read). Returns 0, or -1 with the message printed.
 */
static int inputs_have_ids(const cli_inputs *in, unsigned levels)
{
    static const char *const need[MQTTIDS_NLEVEL] = {NULL, "id.stream", "id.client"};
    for (int k = 0; k < in->n; k++) {
        const char *path = in->items[k].path;
        mqttids_dataset *ds;
        mqttids_read_opts o;
        char errbuf[MQTTIDS_ERRBUF_SIZE];
        int missing = -1;
        if (mqttids_capture_is_pcap_file(path)) {
            cli_err("eval: %s: a capture has no identity columns for --by %s: make labeled rows with "
                    "`mqttids extract --ids --label CLASS`", path, levels & 2u ? "connection" : "host");
            return -1;
        }
        if (strcmp(path, "-") == 0)
            continue; /* stdin cannot be read twice; the loader's columns decide */
        ds = mqttids_dataset_new();
        mqttids_read_opts_init(&o);
        o.max_rows = 1;
        if (!ds || mqttids_dataset_read_csv(ds, path, &o, NULL, errbuf) != MQTTIDS_OK) {
            mqttids_dataset_free(ds);
            continue; /* the loader reports the file's problem */
        }
        for (int l = MQTTIDS_LEVEL_CONNECTION; l < MQTTIDS_NLEVEL && missing < 0; l++)
            if ((levels & (1u << l)) && mqttids_dataset_col_find(ds, need[l]) < 0)
                missing = l;
        mqttids_dataset_free(ds);
        if (missing >= 0) {
            cli_err("eval: %s has no %s column, needed by --by %s (make the rows with `mqttids extract --ids`; "
                    "the lab's CSVs carry it)", path, need[missing], mqttids_level_name(missing));
            return -1;
        }
    }
    return 0;
}

int cmd_eval(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"model", required_argument, NULL, 'm'},
        {"by", required_argument, NULL, 'B'},
        {"min-probability", required_argument, NULL, 'P'},
        {NULL, 0, NULL, 0},
    };
    cli_inputs in;
    const char *path = NULL;
    int opt, rc;
    cli_opts co;
    mqttids_dataset *ds = NULL;
    mqttids_model *m = NULL;
    json_object *report = NULL;
    size_t *rows = NULL, n = 0, unseen = 0;
    uint32_t *part = NULL;
    unsigned levels = 0;
    double min_p = 0;
    mqttids_eval_by ev;
    const mqttids_metrics *mt = &ev.level[MQTTIDS_LEVEL_PACKET].m;
    char errbuf[MQTTIDS_ERRBUF_SIZE];

    cli_inputs_init(&in);
    co = CLI_OPTS(.cmd = "eval", .help = help, .in = &in, .threads = 1);
    while ((opt = cli_opts_next(&co, argc, argv, "m:", longopts)) != 0) {
        switch (opt) {
        case 'm':
            path = optarg;
            break;
        case 'B':
            if (parse_levels(optarg, &levels) != 0)
                return cli_usage_error("eval", "--by takes packet, connection, host or all, not '%s'", optarg);
            break;
        case 'P':
            if (cli_parse_unit("eval", "--min-probability", optarg, &min_p) != 0)
                return CLI_EXIT_USAGE;
            break;
        }
    }
    if (co.rc != CLI_OPT_NEXT)
        return co.rc;
    if (!path)
        return cli_usage_error("eval", "give the model file with --model MODEL");
    if (mqttids_model_load(path, &m, errbuf) != MQTTIDS_OK) {
        cli_err("%s", errbuf);
        return CLI_EXIT_FAIL;
    }
    if (!levels)
        levels = 1u << MQTTIDS_LEVEL_PACKET;
    if ((levels & ~1u) && inputs_have_ids(&in, levels) != 0) {
        rc = CLI_EXIT_FAIL;
        goto out;
    }
    report = json_object_new_object(); /* also gives each input's row count (ids are per file) */
    rc = cli_inputs_load(&in, &ds, report);
    if (rc != CLI_EXIT_OK)
        goto out;
    if (cli_rows_for(ds, MQTTIDS_SPLIT_TEST, &rows, &n) != 0) {
        cli_err("out of memory");
        rc = CLI_EXIT_FAIL;
        goto out;
    }
    if ((levels & ~1u) && (part = input_of_rows(report, rows, n)) == NULL) {
        cli_err("out of memory");
        rc = CLI_EXIT_FAIL;
        goto out;
    }
    if (mqttids_model_evaluate_by(m, ds, rows, n, part, levels, min_p, co.tail.threads, &ev, &unseen, errbuf) !=
        MQTTIDS_OK) {
        cli_err("%s", errbuf);
        rc = CLI_EXIT_FAIL;
        goto out;
    }
    if (mt->n == 0) {
        cli_err("eval: none of the %zu rows has a label (target column)", n);
        rc = CLI_EXIT_FAIL;
        goto out;
    }
    if (co.tail.json) {
        json_object *o = json_object_new_object(), *by = json_object_new_object();
        json_object_object_add(o, "model", cli_json_take(mqttids_model_json(m)));
        json_object_object_add(o, "metrics", cli_json_take(mqttids_metrics_json(mt)));
        json_object_object_add(o, "min_probability", cli_json_double(ev.min_probability));
        for (int l = 0; l < MQTTIDS_NLEVEL; l++)
            if (levels & (1u << l))
                json_object_object_add(by, mqttids_level_name(l),
                                       cli_json_take(mqttids_group_metrics_json(&ev.level[l])));
        json_object_object_add(o, "by", by);
        json_object_object_add(o, "unseen_categories", json_object_new_int64((int64_t)unseen));
        json_object_object_add(o, "inputs", json_object_get(json_object_object_get(report, "inputs")));
        cli_json_print(o);
        json_object_put(o);
    } else {
        printf("model %s (%s): %s\n", mqttids_model_id(m), mqttids_model_kind(m), mqttids_model_params(m));
        if (ev.min_probability > 0)
            printf("alerts need a predicted attack probability >= %g (rows below count as legitimate)\n",
                   ev.min_probability);
        if (levels & (1u << MQTTIDS_LEVEL_PACKET))
            mqttids_metrics_write_text(stdout, "test", mt);
        for (int l = MQTTIDS_LEVEL_CONNECTION; l < MQTTIDS_NLEVEL; l++)
            if (levels & (1u << l))
                mqttids_group_metrics_write_text(stdout, l, &ev.level[l]);
        if (unseen)
            printf("  nominal values never seen in train (encoded as all zeros): %zu\n", unseen);
    }
out:
    json_object_put(report);
    free(part);
    free(rows);
    mqttids_model_free(m);
    mqttids_dataset_free(ds);
    return rc;
}
