/*
 * cmd_db.c: "mqttids db": PostgreSQL as the study used it: "db load" writes MQTTset
 * CSV inputs into a typed table (one transaction), "db stats" answers the study's
 * questions by SQL on the server and prints them as "mqttids stats" does.
 * Reading a table back is not here: every data command takes --db/--table as a source.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"

const char cmd_db_summary[] = "PostgreSQL: load CSV inputs into a table, answer the study's questions by SQL";

static void help(void)
{
    printf("Usage: mqttids db load  --db CONNINFO [--table NAME] [--replace|--append] --train PATH... --test PATH...\n"
           "       mqttids db stats --db CONNINFO [--table NAME] [--top X] [--json]\n"
           "       mqttids db schema [--table NAME] [--pred-table NAME]\n\n"
           "load   reads the inputs with the CSV reader (--on-error, --reject as everywhere) and\n"
           "       writes them into a typed table (the study's column names, tcp_flags ... target,\n"
           "       train_flag, plus row_id) with COPY, in one transaction: on any failure the\n"
           "       earlier table is left as it was. The schema is created when missing.\n"
           "stats  the study's exploration computed by SQL on the server: rows per split and\n"
           "       class, nulls, zeros and moments per column, distinct values of the nominal\n"
           "       columns, mean mqtt_len over train, mean tcp_len per class, the top X tcp_flags,\n"
           "       the correlation matrix, IQR outliers of tcp_len and the columns the rules\n"
           "       drop: the same tables as 'mqttids stats' prints for the same data.\n"
           "schema prints the SQL that creates the records table and the predictions table as\n"
           "       load and predict --pred-table create them (default: both default names), for\n"
           "       a DBA to run ahead of time; no connection needed.\n\n"
           "Options:\n"
           "      --db CONNINFO   libpq connection string or URI, e.g. 'host=db dbname=ids sslmode=require'\n"
           "                      or postgresql://user@host/db; PG* environment variables fill the rest\n"
           "                      (use PGPASSWORD or ~/.pgpass rather than a password in the string)\n"
           "      --table NAME    [schema.]table, SQL identifier rules (default %s)\n"
           "      --replace       load: the new rows replace the table (default)\n"
           "      --append        load: add the rows after the table's last row_id\n"
           "      --top X         stats: how many tcp_flags values to list (default 5)\n"
           "      --zero-threshold F, --corr-threshold F   stats: the rules' thresholds (0.90, 0.95)\n"
           "      --json          machine-readable output on stdout\n"
           "  -q, --quiet         no progress or info lines on stderr\n"
           "  -h, --help          this help\n\n"
           CLI_FILE_INPUT_HELP "\n"
           "Every data command (stats, train, eval, ...) reads a table with --db CONNINFO --table NAME\n"
           "(split from train_flag: 1 train, 0 test).\n",
           MQTTIDS_STORE_DEFAULT_TABLE);
}

#define DB_CONN_HELP                                                                                      \
    "      --db CONNINFO   libpq connection string or URI, e.g. 'host=db dbname=ids sslmode=require'\n"       \
    "                      or postgresql://user@host/db; PG* environment variables fill the rest\n"          \
    "                      (use PGPASSWORD or ~/.pgpass rather than a password in the string)\n"             \
    "      --table NAME    [schema.]table, SQL identifier rules (default " MQTTIDS_STORE_DEFAULT_TABLE ")\n"

/* Each subcommand's own help: what it does and the options it takes. */
static void help_load(void)
{
    printf("Usage: mqttids db load --db CONNINFO [--table NAME] [--replace|--append] --train PATH... --test PATH...\n"
           "Reads the inputs with the CSV reader (--on-error, --reject as everywhere) and writes them\n"
           "into a typed table (the study's column names, tcp_flags ... target, train_flag, plus\n"
           "row_id) with COPY, in one transaction: on any failure the earlier table is left as it\n"
           "was. The schema is created when missing.\n\n"
           "Options:\n" DB_CONN_HELP
           "      --replace       the new rows replace the table (default)\n"
           "      --append        add the rows after the table's last row_id\n"
           "      --json          machine-readable output on stdout\n"
           "  -q, --quiet         no progress or info lines on stderr\n"
           "  -h, --help          this help\n\n" CLI_FILE_INPUT_HELP);
}

static void help_stats(void)
{
    printf("Usage: mqttids db stats --db CONNINFO [--table NAME] [--top X] [--json]\n"
           "The study's exploration computed by SQL on the server: rows per split and class, nulls,\n"
           "zeros and moments per column, distinct values of the nominal columns, mean mqtt_len over\n"
           "train, mean tcp_len per class, the top X tcp_flags, the correlation matrix, IQR outliers\n"
           "of tcp_len and the columns the rules drop: the same tables as 'mqttids stats' prints.\n\n"
           "Options:\n" DB_CONN_HELP
           "      --top X         how many tcp_flags values to list (default 5)\n"
           "      --zero-threshold F, --corr-threshold F   the rules' thresholds (0.90, 0.95)\n"
           "      --json          machine-readable output on stdout\n"
           "  -q, --quiet         no progress or info lines on stderr\n"
           "  -h, --help          this help\n");
}

static void help_schema(void)
{
    printf("Usage: mqttids db schema [--table NAME] [--pred-table NAME] [--json]\n"
           "Prints the SQL that creates the records table and the predictions table as load and\n"
           "predict --pred-table create them (default: both default names), for a DBA to run ahead\n"
           "of time; no connection needed.\n\n"
           "Options:\n"
           "      --table NAME       the records table\n"
           "      --pred-table NAME  the predictions table\n"
           "      --json             the SQL as a JSON string {\"sql\": ...}\n"
           "  -q, --quiet            no info lines\n"
           "  -h, --help             this help\n");
}

/* cli_store_open's result as an exit code: a malformed conninfo is a usage error. */
static int open_store(const char *conninfo, mqttids_store **st)
{
    mqttids_err err = cli_store_open(conninfo, st);
    return err == MQTTIDS_OK ? CLI_EXIT_OK : err == MQTTIDS_ERR_INVALID ? CLI_EXIT_USAGE : CLI_EXIT_FAIL;
}

/* State of a load that streams rows while the reader reads. */
typedef struct load_ctx {
    mqttids_store_loader *ld;   /* owned until commit */
    mqttids_dataset *ds;        /* borrowed */
    size_t sent;                /* rows of ds handed to the loader */
    int tty;
    int failed;                 /* the loader failed: stop reading */
} load_ctx;

/* The reader's progress hook: hands the rows appended since the last call to the loader. */
static int stream_rows(const char *what, uint64_t done, uint64_t total, void *user)
{
    load_ctx *c = user;
    size_t n = mqttids_dataset_nrows(c->ds);
    if (c->failed)
        return 1;
    if (n > c->sent) {
        if (mqttids_store_load_rows(c->ld, c->ds, c->sent, n - c->sent, NULL, NULL) != MQTTIDS_OK) {
            c->failed = 1;
            return 1;
        }
        c->sent = n;
    }
    if (c->tty && total)
        cli_progress(what, done, total, NULL);
    return 0;
}

/* Reads every input into ds; the reader's progress hook streams the rows to the server. */
static int read_inputs(cli_inputs *in, mqttids_dataset *ds, load_ctx *lc, FILE *rej, mqttids_store *st,
                       json_object *arr, uint64_t *total_rejected)
{
    for (int k = 0; k < in->n; k++) {
        mqttids_read_opts o;
        mqttids_read_report rep;
        char errbuf[MQTTIDS_ERRBUF_SIZE];
        mqttids_read_opts_init(&o);
        o.split = in->items[k].split;
        o.on_error = in->on_error;
        o.reject = rej;
        o.keep_extra = in->keep_extra;
        o.keep_payload = 1; /* the table keeps mqtt.msg */
        o.progress = stream_rows;
        o.progress_user = lc;
        if (mqttids_dataset_read_csv(ds, in->items[k].path, &o, &rep, errbuf) != MQTTIDS_OK) {
            cli_progress_done();
            if (lc->failed)
                cli_err("db load: %s (nothing was changed)", mqttids_store_errmsg(st));
            else
                cli_err("%s (nothing was changed)", errbuf);
            return CLI_EXIT_FAIL;
        }
        if (stream_rows("read", 0, 0, lc) != 0) {
            cli_progress_done();
            cli_err("db load: %s (nothing was changed)", mqttids_store_errmsg(st));
            return CLI_EXIT_FAIL;
        }
        *total_rejected += rep.rows_rejected;
        cli_info("%s (%s): %llu rows read, %llu kept, %llu rejected", in->items[k].path,
                 in->items[k].split == MQTTIDS_SPLIT_TRAIN ? "train"
                 : in->items[k].split == MQTTIDS_SPLIT_TEST ? "test" : "untagged",
                 (unsigned long long)rep.rows_read, (unsigned long long)rep.rows_kept,
                 (unsigned long long)rep.rows_rejected);
        if (arr) {
            json_object *o2 = json_object_new_object();
            json_object_object_add(o2, "path", json_object_new_string(in->items[k].path));
            json_object_object_add(o2, "rows_read", json_object_new_int64((int64_t)rep.rows_read));
            json_object_object_add(o2, "rows_kept", json_object_new_int64((int64_t)rep.rows_kept));
            json_object_object_add(o2, "rows_rejected", json_object_new_int64((int64_t)rep.rows_rejected));
            json_object_array_add(arr, o2);
        }
    }
    return CLI_EXIT_OK;
}

static int db_load(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"replace", no_argument, NULL, 'r'},
        {"append", no_argument, NULL, 'a'},
        {NULL, 0, NULL, 0},
    };
    cli_inputs in;
    const char *conninfo = NULL, *table = MQTTIDS_STORE_DEFAULT_TABLE;
    mqttids_store_mode mode = MQTTIDS_STORE_REPLACE;
    mqttids_store *st = NULL;
    mqttids_dataset *ds = NULL;
    json_object *report = NULL, *arr = NULL;
    int json = 0, opt, rc;
    cli_opts co;
    uint64_t rows = 0, total_rejected = 0;
    double t0, t1, t2;
    char shown[512];
    cli_out rej_out = {NULL, NULL, NULL, 0};
    FILE *rej = NULL;
    load_ctx lc = {NULL, NULL, 0, 0, 0};

    cli_inputs_init(&in);
    co = CLI_OPTS(.cmd = "db load", .help = help_load, .in = &in);
    while ((opt = cli_opts_next(&co, argc, argv, NULL, longopts)) != 0) {
        switch (opt) {
        case 'r':
            mode = MQTTIDS_STORE_REPLACE;
            break;
        case 'a':
            mode = MQTTIDS_STORE_APPEND;
            break;
        }
    }
    if (co.rc != CLI_OPT_NEXT)
        return co.rc;
    json = co.tail.json;
    /* --db/--table name the destination here, not a source */
    conninfo = in.db;
    table = in.table ? in.table : table;
    in.db = in.table = NULL;
    if (!conninfo)
        return cli_usage_error("db load", "--db CONNINFO is required (use --db '' for the PG* environment)");
    if (in.n == 0)
        return cli_usage_error("db load", "no input: give --train PATH, --test PATH or PATH");

    if (in.reject_path && in.on_error != MQTTIDS_ON_ERROR_SKIP)
        return cli_usage_error("db load", "--reject needs --on-error skip");

    rc = open_store(conninfo, &st);
    if (rc != CLI_EXIT_OK)
        return rc;
    mqttids_store_mask_conninfo(conninfo, shown, sizeof shown);
    if (json) {
        report = json_object_new_object();
        arr = json_object_new_array();
        json_object_object_add(report, "inputs", arr);
    }
    ds = mqttids_dataset_new();
    if (!ds) {
        cli_err("out of memory");
        rc = CLI_EXIT_FAIL;
        goto out;
    }
    if (in.reject_path) {
        if (cli_out_open(&rej_out, in.reject_path, "w") != 0) {
            rc = CLI_EXIT_FAIL;
            goto out;
        }
        rej = rej_out.fp;
    }
    t0 = cli_now();
    if (mqttids_store_load_begin(st, table, mode, &lc.ld) != MQTTIDS_OK) {
        cli_err("db load: %s (nothing was changed)", mqttids_store_errmsg(st));
        rc = CLI_EXIT_FAIL;
        goto out;
    }
    /* Rows go to the server while the reader parses on: the reader's progress hook
     * sends what it has appended so far (the loader's thread does the sending). */
    lc.ds = ds;
    lc.tty = !cli_quiet && isatty(2);
    if ((rc = read_inputs(&in, ds, &lc, rej, st, arr, &total_rejected)) != CLI_EXIT_OK)
        goto out;
    t1 = cli_now();
    {
        mqttids_store_loader *ld = lc.ld;
        lc.ld = NULL;
        if (mqttids_store_load_commit(ld, &rows) != MQTTIDS_OK) {
            cli_progress_done();
            cli_err("db load: %s (nothing was changed)", mqttids_store_errmsg(st));
            rc = CLI_EXIT_FAIL;
            goto out;
        }
    }
    cli_progress_done();
    t2 = cli_now();
    if (rej) {
        rej = NULL;
        if (cli_out_commit(&rej_out) != 0) {
            /* the rows are committed; only the reject file is missing */
            rc = CLI_EXIT_FAIL;
        } else if (total_rejected) {
            cli_info("%llu rejected lines written to %s", (unsigned long long)total_rejected, in.reject_path);
        }
    }
    cli_info("%s %llu rows into %s (%s) in %.2f s (%.0f rows/s; the last %.2f s after reading)",
             mode == MQTTIDS_STORE_APPEND ? "appended" : "loaded", (unsigned long long)rows, table, shown, t2 - t0,
             t2 > t0 ? (double)rows / (t2 - t0) : 0.0, t2 - t1);
    if (json) {
        json_object_object_add(report, "table", json_object_new_string(table));
        json_object_object_add(report, "mode", json_object_new_string(mode == MQTTIDS_STORE_APPEND ? "append" : "replace"));
        json_object_object_add(report, "rows", json_object_new_int64((int64_t)rows));
        json_object_object_add(report, "rows_rejected", json_object_new_int64((int64_t)total_rejected));
        json_object_object_add(report, "seconds", cli_json_double(t2 - t0));
        cli_json_print(report);
    }
out:
    mqttids_store_load_abort(lc.ld);
    cli_out_abort(&rej_out);
    json_object_put(report);
    mqttids_dataset_free(ds);
    mqttids_store_close(st);
    return rc;
}

static int db_stats(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"table", required_argument, NULL, 'T'},
        {NULL, 0, NULL, 0},
    };
    const char *conninfo = NULL, *table = MQTTIDS_STORE_DEFAULT_TABLE;
    mqttids_stats_opts so;
    mqttids_store *st = NULL;
    mqttids_stats *s = NULL;
    int json = 0, opt, rc, have_db = 0;
    cli_opts co;

    mqttids_stats_opts_init(&so);
    co = CLI_OPTS(.cmd = "db stats", .help = help_stats, .stats = &so);
    while ((opt = cli_opts_next(&co, argc, argv, NULL, longopts)) != 0) {
        switch (opt) {
        case 'd':
            conninfo = optarg;
            have_db = 1;
            break;
        case 'T':
            table = optarg;
            break;
        }
    }
    if (co.rc != CLI_OPT_NEXT)
        return co.rc;
    json = co.tail.json;
    if (!have_db)
        return cli_usage_error("db stats", "--db CONNINFO is required (use --db '' for the PG* environment)");
    rc = open_store(conninfo, &st);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (mqttids_store_stats(st, table, &so, &s) != MQTTIDS_OK) {
        cli_err("db stats: %s", mqttids_store_errmsg(st));
        rc = CLI_EXIT_FAIL;
        goto out;
    }
    if (json) {
        json_object *o = cli_stats_json(s, &so);
        json_object_object_add(o, "source", json_object_new_string("postgresql"));
        json_object_object_add(o, "table", json_object_new_string(table));
        cli_json_print(o);
        json_object_put(o);
    } else {
        cli_stats_print(s);
    }
out:
    mqttids_stats_free(s);
    mqttids_store_close(st);
    return rc;
}

static int db_schema(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"table", required_argument, NULL, 'T'},
        {"pred-table", required_argument, NULL, 'P'},
        {NULL, 0, NULL, 0},
    };
    const char *table = NULL, *pred = NULL;
    char errbuf[MQTTIDS_ERRBUF_SIZE], *sql = NULL;
    int opt, json = 0;
    cli_opts co;
    co = CLI_OPTS(.cmd = "db schema", .help = help_schema);
    while ((opt = cli_opts_next(&co, argc, argv, NULL, longopts)) != 0) {
        switch (opt) {
        case 'T':
            table = optarg;
            break;
        case 'P':
            pred = optarg;
            break;
        }
    }
    if (co.rc != CLI_OPT_NEXT)
        return co.rc;
    json = co.tail.json;
    if (!table && !pred) {
        table = MQTTIDS_STORE_DEFAULT_TABLE;
        pred = MQTTIDS_STORE_DEFAULT_PRED_TABLE;
    }
    if (mqttids_store_schema_sql(table, pred, &sql, errbuf) != MQTTIDS_OK) {
        cli_err("db schema: %s", errbuf);
        return CLI_EXIT_USAGE;
    }
    if (json) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "sql", json_object_new_string(sql));
        cli_json_print(o);
        json_object_put(o);
    } else {
        fputs(sql, stdout);
    }
    free(sql);
    return CLI_EXIT_OK;
}

int cmd_db(int argc, char **argv)
{
    static const cli_sub subs[] = {{"load", db_load}, {"stats", db_stats}, {"schema", db_schema}};
    int rc;
    if (argc < 2)
        return cli_usage_error("db", "give a subcommand: load, stats or schema");
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        help();
        return CLI_EXIT_OK;
    }
    if ((rc = cli_run_subcommand(subs, sizeof subs / sizeof subs[0], argc, argv)) >= 0)
        return rc;
    return cli_usage_error("db", "unknown subcommand '%s' (load, stats, schema)", argv[1]);
}
