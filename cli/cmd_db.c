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
           CLI_INPUT_HELP "\n"
           "Every data command (stats, train, eval, ...) reads a table with --db CONNINFO --table NAME\n"
           "(split from train_flag: 1 train, 0 test).\n",
           MQTTIDS_STORE_DEFAULT_TABLE);
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int open_store(const char *conninfo, mqttids_store **st)
{
    char errbuf[MQTTIDS_ERRBUF_SIZE], shown[512];
    mqttids_err err = mqttids_store_open(conninfo, st, errbuf);
    if (err != MQTTIDS_OK) {
        mqttids_store_mask_conninfo(conninfo, shown, sizeof shown);
        cli_err("%s (connection: %s)", errbuf, shown);
        return err == MQTTIDS_ERR_INVALID ? CLI_EXIT_USAGE : CLI_EXIT_FAIL;
    }
    return CLI_EXIT_OK;
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

static int db_load(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"replace", no_argument, NULL, 'r'},
        {"append", no_argument, NULL, 'a'},
        {"json", no_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        CLI_INPUT_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    cli_inputs in;
    const char *conninfo = NULL, *table = MQTTIDS_STORE_DEFAULT_TABLE;
    mqttids_store_mode mode = MQTTIDS_STORE_REPLACE;
    mqttids_store *st = NULL;
    mqttids_dataset *ds = NULL;
    json_object *report = NULL, *arr = NULL;
    int json = 0, opt, rc, have_db = 0;
    uint64_t rows = 0, total_rejected = 0;
    double t0, t1, t2;
    char shown[512];
    cli_out rej_out = {NULL, NULL, NULL, 0};
    FILE *rej = NULL;
    load_ctx lc = {NULL, NULL, 0, 0, 0};

    cli_inputs_init(&in);
    optind = 1;
    while ((opt = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
        int r;
        /* --db/--table name the destination here, not a source */
        if (opt == 0x1007) {
            conninfo = optarg;
            have_db = 1;
            continue;
        }
        if (opt == 0x1008) {
            table = optarg;
            continue;
        }
        r = cli_inputs_option(&in, "db load", opt, optarg);
        if (r < 0)
            return CLI_EXIT_USAGE;
        if (r > 0)
            continue;
        switch (opt) {
        case 'r':
            mode = MQTTIDS_STORE_REPLACE;
            break;
        case 'a':
            mode = MQTTIDS_STORE_APPEND;
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
            return cli_usage_error("db load", "unknown option");
        }
    }
    if (cli_inputs_add_positional(&in, "db load", argc, argv, optind) < 0)
        return CLI_EXIT_USAGE;
    if (!have_db)
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
    t0 = now_s();
    if (mqttids_store_load_begin(st, table, mode, &lc.ld) != MQTTIDS_OK) {
        cli_err("db load: %s (nothing was changed)", mqttids_store_errmsg(st));
        rc = CLI_EXIT_FAIL;
        goto out;
    }
    /* Rows go to the server while the reader parses on: the reader's progress hook
     * sends what it has appended so far (the loader's thread does the sending). */
    lc.ds = ds;
    lc.tty = !cli_quiet && isatty(2);
    for (int k = 0; k < in.n; k++) {
        mqttids_read_opts o;
        mqttids_read_report rep;
        char errbuf[MQTTIDS_ERRBUF_SIZE];
        mqttids_read_opts_init(&o);
        o.split = in.items[k].split;
        o.on_error = in.on_error;
        o.reject = rej;
        o.keep_extra = in.keep_extra;
        o.keep_payload = 1; /* the table keeps mqtt.msg */
        o.progress = stream_rows;
        o.progress_user = &lc;
        if (mqttids_dataset_read_csv(ds, in.items[k].path, &o, &rep, errbuf) != MQTTIDS_OK) {
            cli_progress_done();
            if (lc.failed)
                cli_err("db load: %s (nothing was changed)", mqttids_store_errmsg(st));
            else
                cli_err("%s (nothing was changed)", errbuf);
            rc = CLI_EXIT_FAIL;
            goto out;
        }
        if (stream_rows("read", 0, 0, &lc) != 0) {
            cli_progress_done();
            cli_err("db load: %s (nothing was changed)", mqttids_store_errmsg(st));
            rc = CLI_EXIT_FAIL;
            goto out;
        }
        total_rejected += rep.rows_rejected;
        cli_info("%s (%s): %llu rows read, %llu kept, %llu rejected", in.items[k].path,
                 in.items[k].split == MQTTIDS_SPLIT_TRAIN ? "train"
                 : in.items[k].split == MQTTIDS_SPLIT_TEST ? "test" : "untagged",
                 (unsigned long long)rep.rows_read, (unsigned long long)rep.rows_kept,
                 (unsigned long long)rep.rows_rejected);
        if (arr) {
            json_object *o2 = json_object_new_object();
            json_object_object_add(o2, "path", json_object_new_string(in.items[k].path));
            json_object_object_add(o2, "rows_read", json_object_new_int64((int64_t)rep.rows_read));
            json_object_object_add(o2, "rows_kept", json_object_new_int64((int64_t)rep.rows_kept));
            json_object_object_add(o2, "rows_rejected", json_object_new_int64((int64_t)rep.rows_rejected));
            json_object_array_add(arr, o2);
        }
    }
    t1 = now_s();
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
    t2 = now_s();
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

/*
 * The tables and JSON of "mqttids stats" (copied from cmd_stats.c, which keeps them
 * static): the library fills the same mqttids_stats from SQL, so the output is the same.
 */
static const char *short_name(const char *n)
{
    return strncmp(n, "mqtt.", 5) == 0 ? n + 5 : n;
}

static void fmt_num(char *buf, size_t size, double v)
{
    if (isnan(v))
        snprintf(buf, size, "-");
    else if (v == floor(v) && fabs(v) < 1e15)
        snprintf(buf, size, "%.0f", v);
    else
        snprintf(buf, size, "%.6g", v);
}

static void print_tables(const mqttids_stats *s)
{
    static const char *splits[3] = {"untagged", "train", "test"};
    char a[32], b[32], c[32], d[32], e[32];

    printf("Rows per split and class (%zu rows)\n", s->nrows);
    printf("  %-12s %10s %10s %10s %10s\n", "class", "train", "test", "untagged", "total");
    for (int k = 0; k <= MQTTIDS_NCLASS; k++) {
        size_t tot = s->counts[0][k] + s->counts[1][k] + s->counts[2][k];
        if (k == MQTTIDS_NCLASS && tot == 0)
            continue;
        printf("  %-12s %10zu %10zu %10zu %10zu\n", k < MQTTIDS_NCLASS ? mqttids_class_name(k) : "(unlabeled)",
               s->counts[1][k], s->counts[2][k], s->counts[0][k], tot);
    }
    {
        size_t t[3] = {0, 0, 0};
        for (int p = 0; p < 3; p++)
            for (int k = 0; k <= MQTTIDS_NCLASS; k++)
                t[p] += s->counts[p][k];
        printf("  %-12s %10zu %10zu %10zu %10zu\n", "all", t[1], t[2], t[0], s->nrows);
    }
    if (s->negative_deltas)
        printf("  rows with negative tcp.time_delta (kept): %zu\n", s->negative_deltas);

    printf("\nColumns: nulls, share of zeros, numeric summary, rule that drops it\n");
    printf("  %-28s %-5s %6s %8s %12s %12s %12s %12s  %s\n", "column", "kind", "nulls", "zeros%", "mean", "std",
           "min", "max", "dropped by");
    for (size_t j = 0; j < s->ncols; j++) {
        const mqttids_column_stats *col = &s->cols[j];
        char drop[96] = "";
        fmt_num(a, sizeof a, col->mean);
        fmt_num(b, sizeof b, col->std);
        fmt_num(c, sizeof c, col->min);
        fmt_num(d, sizeof d, col->max);
        if (col->dropped_zero)
            snprintf(drop, sizeof drop, "zeros");
        else if (col->dropped_corr)
            snprintf(drop, sizeof drop, "correlation (r=%.3f with %s)", col->corr_r,
                     s->cols[col->corr_with].name);
        printf("  %-28s %-5s %6zu %8.2f %12s %12s %12s %12s  %s\n", col->name,
               col->kind == MQTTIDS_KIND_HEX ? "hex" : col->kind == MQTTIDS_KIND_TEXT ? "text" : "num",
               col->nulls, 100.0 * col->zero_share, a, b, c, d, drop);
    }

    printf("\nDistinct values of the nominal columns\n");
    for (size_t j = 0; j < s->ncols; j++) {
        const mqttids_column_stats *col = &s->cols[j];
        if (!col->nominal)
            continue;
        printf("  %s (%zu distinct)\n", col->name, col->nvalues);
        for (size_t k = 0; k < col->nvalues && k < 20; k++)
            printf("    %-14s %10zu\n", col->values[k].value, col->values[k].count);
        if (col->nvalues > 20)
            printf("    ... %zu more\n", col->nvalues - 20);
    }

    fmt_num(a, sizeof a, s->mean_mqtt_len_train);
    printf("\nMean mqtt.len over train rows: %s\n", isnan(s->mean_mqtt_len_train) ? "- (no train rows)" : "");
    if (!isnan(s->mean_mqtt_len_train))
        printf("  %.6f\n", s->mean_mqtt_len_train);

    printf("\nMean tcp.len per class\n");
    printf("  %-12s %14s %14s %14s\n", "class", "all", "train", "test");
    for (int k = 0; k < MQTTIDS_NCLASS; k++) {
        if (isnan(s->mean_tcp_len[0][k]))
            continue;
        snprintf(a, sizeof a, "%.5f", s->mean_tcp_len[0][k]);
        if (isnan(s->mean_tcp_len[1][k]))
            snprintf(b, sizeof b, "-");
        else
            snprintf(b, sizeof b, "%.5f", s->mean_tcp_len[1][k]);
        if (isnan(s->mean_tcp_len[2][k]))
            snprintf(c, sizeof c, "-");
        else
            snprintf(c, sizeof c, "%.5f", s->mean_tcp_len[2][k]);
        printf("  %-12s %14s %14s %14s\n", mqttids_class_name(k), a, b, c);
    }

    printf("\nTop %zu tcp.flags\n", s->ntop);
    for (size_t k = 0; k < s->ntop; k++)
        printf("  %-12s %10zu %7.2f%%\n", s->top_flags[k].value, s->top_flags[k].count,
               s->nrows ? 100.0 * (double)s->top_flags[k].count / (double)s->nrows : 0.0);

    printf("\nCorrelation matrix (Pearson r; constant columns left out: %s)\n", "");
    {
        int shown[64];
        size_t ns = 0, constant = 0;
        for (size_t q = 0; q < s->ncorr; q++) {
            if (isnan(s->corr[q * s->ncorr + q]))
                constant++;
            else
                shown[ns++] = (int)q;
        }
        printf("  %-16s", "");
        for (size_t x = 0; x < ns; x++)
            printf(" %8.8s", short_name(s->cols[s->corr_cols[shown[x]]].name));
        printf("\n");
        for (size_t y = 0; y < ns; y++) {
            printf("  %-16.16s", short_name(s->cols[s->corr_cols[shown[y]]].name));
            for (size_t x = 0; x < ns; x++) {
                double r = s->corr[(size_t)shown[y] * s->ncorr + (size_t)shown[x]];
                if (isnan(r))
                    printf(" %8s", "-");
                else
                    printf(" %8.3f", r);
            }
            printf("\n");
        }
        printf("  (%zu constant numeric columns)\n", constant);
    }

    printf("\nIQR outliers (tcp.len, the study's integer column)\n");
    fmt_num(a, sizeof a, s->iqr_q1[0]);
    fmt_num(b, sizeof b, s->iqr_q3[0]);
    printf("  Q1 %s, Q3 %s\n", a, b);
    printf("  rows with 0 outlying columns: %zu\n", s->outlier_rows[0]);
    printf("  rows with 1 outlying column:  %zu\n", s->outlier_rows[1]);

    printf("\nColumns the rules drop\n");
    {
        size_t nz = 0, nc = 0;
        printf("  >%s zeros:", "threshold");
        for (size_t j = 0; j < s->ncols; j++)
            if (s->cols[j].dropped_zero) {
                printf(" %s", s->cols[j].name);
                nz++;
            }
        printf("\n  (%zu columns)\n  correlation:", nz);
        for (size_t j = 0; j < s->ncols; j++)
            if (s->cols[j].dropped_corr) {
                printf(" %s", s->cols[j].name);
                nc++;
            }
        printf("%s\n", nc ? "" : " none");
    }
    (void)e;
    (void)splits;
}

static json_object *stats_json(const mqttids_stats *s, const mqttids_stats_opts *o)
{
    json_object *root = json_object_new_object(), *counts = json_object_new_object();
    static const char *splits[3] = {"untagged", "train", "test"};
    json_object_object_add(root, "rows", json_object_new_int64((int64_t)s->nrows));
    for (int p = 0; p < 3; p++) {
        json_object *per = json_object_new_object();
        for (int k = 0; k <= MQTTIDS_NCLASS; k++)
            if (k < MQTTIDS_NCLASS || s->counts[p][k])
                json_object_object_add(per, k < MQTTIDS_NCLASS ? mqttids_class_name(k) : "unlabeled",
                                       json_object_new_int64((int64_t)s->counts[p][k]));
        json_object_object_add(counts, splits[p], per);
    }
    json_object_object_add(root, "counts", counts);
    json_object_object_add(root, "negative_time_deltas", json_object_new_int64((int64_t)s->negative_deltas));
    {
        json_object *cols = json_object_new_array();
        for (size_t j = 0; j < s->ncols; j++) {
            const mqttids_column_stats *c = &s->cols[j];
            json_object *jc = json_object_new_object();
            json_object_object_add(jc, "name", json_object_new_string(c->name));
            json_object_object_add(jc, "kind", json_object_new_string(
                c->kind == MQTTIDS_KIND_HEX ? "hex" : c->kind == MQTTIDS_KIND_TEXT ? "text" : "num"));
            json_object_object_add(jc, "nulls", json_object_new_int64((int64_t)c->nulls));
            json_object_object_add(jc, "zeros", json_object_new_int64((int64_t)c->zeros));
            json_object_object_add(jc, "zero_share", cli_json_double(c->zero_share));
            json_object_object_add(jc, "mean", cli_json_double(c->mean));
            json_object_object_add(jc, "std", cli_json_double(c->std));
            json_object_object_add(jc, "min", cli_json_double(c->min));
            json_object_object_add(jc, "max", cli_json_double(c->max));
            json_object_object_add(jc, "dropped_by", c->dropped_zero ? json_object_new_string("zeros")
                                                     : c->dropped_corr ? json_object_new_string("correlation")
                                                                       : NULL);
            if (c->dropped_corr) {
                json_object_object_add(jc, "correlated_with", json_object_new_string(s->cols[c->corr_with].name));
                json_object_object_add(jc, "r", cli_json_double(c->corr_r));
            }
            if (c->nominal) {
                json_object *vals = json_object_new_array();
                for (size_t k = 0; k < c->nvalues; k++) {
                    json_object *v = json_object_new_object();
                    json_object_object_add(v, "value", json_object_new_string(c->values[k].value));
                    json_object_object_add(v, "count", json_object_new_int64((int64_t)c->values[k].count));
                    json_object_array_add(vals, v);
                }
                json_object_object_add(jc, "values", vals);
            }
            json_object_array_add(cols, jc);
        }
        json_object_object_add(root, "columns", cols);
    }
    json_object_object_add(root, "mean_mqtt_len_train", cli_json_double(s->mean_mqtt_len_train));
    {
        json_object *m = json_object_new_object();
        for (int p = 0; p < 3; p++) {
            json_object *per = json_object_new_object();
            for (int k = 0; k < MQTTIDS_NCLASS; k++)
                if (!isnan(s->mean_tcp_len[p][k]))
                    json_object_object_add(per, mqttids_class_name(k), cli_json_double(s->mean_tcp_len[p][k]));
            json_object_object_add(m, p == 0 ? "all" : splits[p], per);
        }
        json_object_object_add(root, "mean_tcp_len", m);
    }
    {
        json_object *t = json_object_new_array();
        for (size_t k = 0; k < s->ntop; k++) {
            json_object *v = json_object_new_object();
            json_object_object_add(v, "value", json_object_new_string(s->top_flags[k].value));
            json_object_object_add(v, "count", json_object_new_int64((int64_t)s->top_flags[k].count));
            json_object_array_add(t, v);
        }
        json_object_object_add(root, "top_tcp_flags", t);
    }
    {
        json_object *corr = json_object_new_object(), *names = json_object_new_array(), *mat = json_object_new_array();
        for (size_t a = 0; a < s->ncorr; a++) {
            json_object *row = json_object_new_array();
            json_object_array_add(names, json_object_new_string(s->cols[s->corr_cols[a]].name));
            for (size_t b = 0; b < s->ncorr; b++)
                json_object_array_add(row, cli_json_double(s->corr[a * s->ncorr + b]));
            json_object_array_add(mat, row);
        }
        json_object_object_add(corr, "columns", names);
        json_object_object_add(corr, "r", mat);
        json_object_object_add(root, "correlation", corr);
    }
    {
        json_object *iqr = json_object_new_object();
        json_object_object_add(iqr, "column", json_object_new_string("tcp.len"));
        json_object_object_add(iqr, "q1", cli_json_double(s->iqr_q1[0]));
        json_object_object_add(iqr, "q3", cli_json_double(s->iqr_q3[0]));
        json_object_object_add(iqr, "k", cli_json_double(o->iqr_k));
        json_object_object_add(iqr, "rows_with_0_outliers", json_object_new_int64((int64_t)s->outlier_rows[0]));
        json_object_object_add(iqr, "rows_with_1_outlier", json_object_new_int64((int64_t)s->outlier_rows[1]));
        json_object_object_add(root, "iqr_outliers", iqr);
    }
    {
        json_object *dz = json_object_new_array(), *dc = json_object_new_array(), *d = json_object_new_object();
        for (size_t j = 0; j < s->ncols; j++) {
            if (s->cols[j].dropped_zero)
                json_object_array_add(dz, json_object_new_string(s->cols[j].name));
            if (s->cols[j].dropped_corr)
                json_object_array_add(dc, json_object_new_string(s->cols[j].name));
        }
        json_object_object_add(d, "zeros", dz);
        json_object_object_add(d, "correlation", dc);
        json_object_object_add(d, "zero_threshold", cli_json_double(o->zero_threshold));
        json_object_object_add(d, "corr_threshold", cli_json_double(o->corr_threshold));
        json_object_object_add(root, "dropped", d);
    }
    return root;
}

static int db_stats(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"table", required_argument, NULL, 'T'},
        {"top", required_argument, NULL, 't'},
        {"zero-threshold", required_argument, NULL, 'z'},
        {"corr-threshold", required_argument, NULL, 'c'},
        {"json", no_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *conninfo = NULL, *table = MQTTIDS_STORE_DEFAULT_TABLE;
    mqttids_stats_opts so;
    mqttids_store *st = NULL;
    mqttids_stats *s = NULL;
    int json = 0, opt, rc, have_db = 0;

    mqttids_stats_opts_init(&so);
    optind = 1;
    while ((opt = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
        char *end;
        switch (opt) {
        case 'd':
            conninfo = optarg;
            have_db = 1;
            break;
        case 'T':
            table = optarg;
            break;
        case 't':
            so.top_flags = (int)strtol(optarg, &end, 10);
            if (*end || so.top_flags < 1)
                return cli_usage_error("db stats", "--top needs a positive integer, not '%s'", optarg);
            break;
        case 'z':
            so.zero_threshold = strtod(optarg, &end);
            if (*end || !(so.zero_threshold >= 0 && so.zero_threshold <= 1))
                return cli_usage_error("db stats", "--zero-threshold needs a number in [0, 1], not '%s'", optarg);
            break;
        case 'c':
            so.corr_threshold = strtod(optarg, &end);
            if (*end || !(so.corr_threshold >= 0 && so.corr_threshold <= 1))
                return cli_usage_error("db stats", "--corr-threshold needs a number in [0, 1], not '%s'", optarg);
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
            return cli_usage_error("db stats", "unknown option");
        }
    }
    if (optind < argc)
        return cli_usage_error("db stats", "unexpected argument '%s'", argv[optind]);
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
        json_object *o = stats_json(s, &so);
        json_object_object_add(o, "source", json_object_new_string("postgresql"));
        json_object_object_add(o, "table", json_object_new_string(table));
        cli_json_print(o);
        json_object_put(o);
    } else {
        print_tables(s);
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
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *table = NULL, *pred = NULL;
    char errbuf[MQTTIDS_ERRBUF_SIZE], *sql = NULL;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'T':
            table = optarg;
            break;
        case 'P':
            pred = optarg;
            break;
        case 'h':
            help();
            return CLI_EXIT_OK;
        default:
            return cli_usage_error("db schema", "unknown option");
        }
    }
    if (optind < argc)
        return cli_usage_error("db schema", "unexpected argument '%s'", argv[optind]);
    if (!table && !pred) {
        table = MQTTIDS_STORE_DEFAULT_TABLE;
        pred = MQTTIDS_STORE_DEFAULT_PRED_TABLE;
    }
    if (mqttids_store_schema_sql(table, pred, &sql, errbuf) != MQTTIDS_OK) {
        cli_err("db schema: %s", errbuf);
        return CLI_EXIT_USAGE;
    }
    fputs(sql, stdout);
    free(sql);
    return CLI_EXIT_OK;
}

int cmd_db(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage_error("db", "give a subcommand: load, stats or schema");
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        help();
        return CLI_EXIT_OK;
    }
    if (strcmp(argv[1], "load") == 0)
        return db_load(argc - 1, argv + 1);
    if (strcmp(argv[1], "stats") == 0)
        return db_stats(argc - 1, argv + 1);
    if (strcmp(argv[1], "schema") == 0)
        return db_schema(argc - 1, argv + 1);
    return cli_usage_error("db", "unknown subcommand '%s' (load, stats, schema)", argv[1]);
}
