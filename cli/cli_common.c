/* cli_common.c: input options, loading, progress and JSON helpers for every command. */
#include <errno.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"

const char *cli_prog = "mqttids";
int cli_quiet;

void cli_err(const char *fmt, ...)
{
    va_list ap;
    cli_progress_done();
    fprintf(stderr, "%s: ", cli_prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void cli_info(const char *fmt, ...)
{
    va_list ap;
    if (cli_quiet)
        return;
    cli_progress_done();
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s %s: ", cli_prog, cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry '%s %s --help'.\n", cli_prog, cmd);
    return CLI_EXIT_USAGE;
}

void cli_inputs_init(cli_inputs *in)
{
    memset(in, 0, sizeof *in);
    in->on_error = MQTTIDS_ON_ERROR_FAIL;
    in->keep_extra = 1;
}

static int add_input(cli_inputs *in, const char *cmd, const char *path, mqttids_split split)
{
    if (in->n >= (int)(sizeof in->items / sizeof in->items[0]))
        return cli_usage_error(cmd, "too many inputs (at most 256)") ? -1 : -1;
    in->items[in->n].path = path;
    in->items[in->n].split = split;
    in->n++;
    return 1;
}

int cli_inputs_option(cli_inputs *in, const char *cmd, int code, const char *arg)
{
    switch (code) {
    case 0x1001:
        return add_input(in, cmd, arg, MQTTIDS_SPLIT_TRAIN);
    case 0x1002:
        return add_input(in, cmd, arg, MQTTIDS_SPLIT_TEST);
    case 0x1003:
        if (strcmp(arg, "fail") == 0)
            in->on_error = MQTTIDS_ON_ERROR_FAIL;
        else if (strcmp(arg, "skip") == 0)
            in->on_error = MQTTIDS_ON_ERROR_SKIP;
        else {
            cli_usage_error(cmd, "--on-error takes fail or skip, not '%s'", arg);
            return -1;
        }
        return 1;
    case 0x1004:
        in->reject_path = arg;
        return 1;
    case 0x1005:
        if (strcmp(arg, "keep") == 0)
            in->keep_extra = 1;
        else if (strcmp(arg, "ignore") == 0)
            in->keep_extra = 0;
        else {
            cli_usage_error(cmd, "--extra takes keep or ignore, not '%s'", arg);
            return -1;
        }
        return 1;
    case 0x1006:
        in->keep_payload = 1;
        return 1;
    case 0x1007:
        in->db = arg;
        return 1;
    case 0x1008:
        in->table = arg;
        return 1;
    default:
        return 0;
    }
}

int cli_inputs_add_positional(cli_inputs *in, const char *cmd, int argc, char **argv, int first)
{
    for (int i = first; i < argc; i++)
        if (add_input(in, cmd, argv[i], MQTTIDS_SPLIT_NONE) < 0)
            return -1;
    return 1;
}

static const char *split_name(mqttids_split s)
{
    return s == MQTTIDS_SPLIT_TRAIN ? "train" : s == MQTTIDS_SPLIT_TEST ? "test" : "untagged";
}

/* The read options every input of in shares. */
static void inputs_read_opts(const cli_inputs *in, FILE *rej, mqttids_read_opts *o)
{
    mqttids_read_opts_init(o);
    o->on_error = in->on_error;
    o->reject = rej;
    o->keep_extra = in->keep_extra;
    o->keep_payload = in->keep_payload;
    o->require_label = in->require_label;
    if (!cli_quiet && isatty(2))
        o->progress = cli_progress;
}

/* One input's figures in the JSON "inputs" array: keyed by "path" or "table". */
static void input_json(json_object *arr, const char *key, const char *name, const char *split,
                       const mqttids_read_report *rep)
{
    json_object *o2;
    if (!arr)
        return;
    o2 = json_object_new_object();
    json_object_object_add(o2, key, json_object_new_string(name));
    json_object_object_add(o2, "split", json_object_new_string(split));
    json_object_object_add(o2, "rows_read", json_object_new_int64((int64_t)rep->rows_read));
    json_object_object_add(o2, "rows_kept", json_object_new_int64((int64_t)rep->rows_kept));
    json_object_object_add(o2, "rows_rejected", json_object_new_int64((int64_t)rep->rows_rejected));
    json_object_object_add(o2, "negative_time_deltas", json_object_new_int64((int64_t)rep->negative_deltas));
    json_object_array_add(arr, o2);
}

mqttids_err cli_store_open(const char *conninfo, mqttids_store **st)
{
    char errbuf[MQTTIDS_ERRBUF_SIZE], shown[512];
    mqttids_err err = mqttids_store_open(conninfo, st, errbuf);
    if (err != MQTTIDS_OK) {
        mqttids_store_mask_conninfo(conninfo, shown, sizeof shown);
        cli_err("%s (connection: %s)", errbuf, shown);
    }
    return err;
}

/* --db/--table: the table's rows into ds (split from train_flag); returns an exit code. */
static int inputs_load_db(const cli_inputs *in, mqttids_dataset *ds, FILE *rej, json_object *arr,
                          uint64_t *rejected)
{
    mqttids_store *st = NULL;
    mqttids_read_opts o;
    mqttids_read_report rep;
    const char *table = in->table ? in->table : MQTTIDS_STORE_DEFAULT_TABLE;
    mqttids_err err;
    if (cli_store_open(in->db, &st) != MQTTIDS_OK)
        return CLI_EXIT_FAIL;
    inputs_read_opts(in, rej, &o);
    err = mqttids_store_read(st, table, ds, &o, &rep);
    cli_progress_done();
    if (err != MQTTIDS_OK) {
        cli_err("%s", mqttids_store_errmsg(st));
        mqttids_store_close(st);
        return CLI_EXIT_FAIL;
    }
    mqttids_store_close(st);
    *rejected += rep.rows_rejected;
    cli_info("%s (PostgreSQL, split from train_flag): %llu rows read, %llu kept, %llu rejected", table,
             (unsigned long long)rep.rows_read, (unsigned long long)rep.rows_kept,
             (unsigned long long)rep.rows_rejected);
    input_json(arr, "table", table, "train_flag", &rep);
    return CLI_EXIT_OK;
}

/* Input k (CSV, or pcap/pcapng by its magic bytes) into ds; returns an exit code. */
static int inputs_load_file(const cli_inputs *in, int k, mqttids_dataset *ds, FILE *rej, json_object *arr,
                            uint64_t *rejected)
{
    mqttids_read_opts o;
    mqttids_read_report rep;
    char errbuf[MQTTIDS_ERRBUF_SIZE];
    mqttids_err err;
    const char *path = in->items[k].path;
    inputs_read_opts(in, rej, &o);
    o.split = in->items[k].split;
    if (mqttids_capture_is_pcap_file(path)) {
        uint64_t nr = 0;
        memset(&rep, 0, sizeof rep);
        cli_log_ensure(); /* the reader warns through the log when no MQTT is on its ports */
        err = mqttids_capture_read_dataset(ds, path, NULL, o.split, -1, &nr, errbuf);
        rep.rows_read = rep.rows_kept = nr;
    } else {
        err = mqttids_dataset_read_csv(ds, path, &o, &rep, errbuf);
    }
    cli_progress_done();
    if (err != MQTTIDS_OK) {
        cli_err("%s", errbuf);
        return CLI_EXIT_FAIL;
    }
    *rejected += rep.rows_rejected;
    cli_info("%s (%s): %llu rows read, %llu kept, %llu rejected", path, split_name(in->items[k].split),
             (unsigned long long)rep.rows_read, (unsigned long long)rep.rows_kept,
             (unsigned long long)rep.rows_rejected);
    if (rep.negative_deltas)
        cli_info("%s: %llu rows with negative tcp.time_delta (kept)", path, (unsigned long long)rep.negative_deltas);
    input_json(arr, "path", path, split_name(in->items[k].split), &rep);
    return CLI_EXIT_OK;
}

int cli_inputs_load(cli_inputs *in, mqttids_dataset **out, json_object *report)
{
    mqttids_dataset *ds;
    FILE *rej = NULL;
    cli_out rej_out = {NULL, NULL, NULL, 0};
    json_object *arr = NULL;
    int rc = CLI_EXIT_OK;
    uint64_t total_rejected = 0;

    *out = NULL;
    if (in->n == 0 && !in->db) {
        cli_err("no input: give --train PATH, --test PATH or PATH (see --help)");
        return CLI_EXIT_USAGE;
    }
    if (in->reject_path && in->on_error != MQTTIDS_ON_ERROR_SKIP) {
        cli_err("--reject needs --on-error skip");
        return CLI_EXIT_USAGE;
    }
    ds = mqttids_dataset_new();
    if (!ds) {
        cli_err("out of memory");
        return CLI_EXIT_FAIL;
    }
    if (in->reject_path) {
        for (int i = 0; i < in->n; i++)
            if (cli_refuse_overwrite("input", "--reject", in->reject_path, in->items[i].path) != 0) {
                mqttids_dataset_free(ds);
                return CLI_EXIT_USAGE;
            }
        if (cli_out_open(&rej_out, in->reject_path, "w") != 0) {
            mqttids_dataset_free(ds);
            return CLI_EXIT_FAIL;
        }
        rej = rej_out.fp;
    }
    if (report) {
        arr = json_object_new_array();
        json_object_object_add(report, "inputs", arr);
    }
    if (in->table && !in->db) {
        cli_err("--table %s: give the database with --db CONNINFO", in->table);
        rc = CLI_EXIT_USAGE;
        goto out;
    }
    if (in->db && (rc = inputs_load_db(in, ds, rej, arr, &total_rejected)) != CLI_EXIT_OK)
        goto out;
    for (int k = 0; k < in->n; k++)
        if ((rc = inputs_load_file(in, k, ds, rej, arr, &total_rejected)) != CLI_EXIT_OK)
            goto out;
out:
    if (rej) {
        if (rc != CLI_EXIT_OK)
            cli_out_abort(&rej_out);
        else if (cli_out_commit(&rej_out) != 0)
            rc = CLI_EXIT_FAIL;
        else if (total_rejected)
            cli_info("%llu rejected lines written to %s", (unsigned long long)total_rejected, in->reject_path);
    }
    if (rc != CLI_EXIT_OK) {
        mqttids_dataset_free(ds);
        return rc;
    }
    *out = ds;
    return CLI_EXIT_OK;
}

double cli_now(void)
{
    return mqttids_clock_s();
}

int cli_parse_u64(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v;
    if (!*s || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (*end || errno)
        return -1;
    *out = v;
    return 0;
}

static int progress_drawn;
static double progress_last;

int cli_progress(const char *what, uint64_t done, uint64_t total, void *user)
{
    static int tty = -1;
    double now;
    (void)user;
    /* progress is for people: drawn only when stderr is a terminal, never into logs */
    if (tty < 0)
        tty = isatty(2);
    if (!tty || cli_quiet)
        return 0;
    now = cli_now();
    if (progress_drawn && now - progress_last < 0.2)
        return 0;
    progress_last = now;
    if (total)
        fprintf(stderr, "\r%s: %.1f%% (%llu of %llu)", what, 100.0 * (double)done / (double)total,
                (unsigned long long)done, (unsigned long long)total);
    else
        fprintf(stderr, "\r%s: %llu", what, (unsigned long long)done);
    progress_drawn = 1;
    return 0;
}

void cli_progress_done(void)
{
    if (progress_drawn) {
        fputs("\r\033[K", stderr);
        progress_drawn = 0;
    }
}

int cli_out_open(cli_out *o, const char *path, const char *mode)
{
    struct stat st;
    memset(o, 0, sizeof *o);
    if (strcmp(path, "-") == 0) {
        o->fp = stdout;
        return 0;
    }
    o->path = strdup(path);
    if (!o->path) {
        cli_err("out of memory");
        return -1;
    }
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        /* a device or a pipe: renaming over it would replace it */
        o->fp = fopen(path, mode);
        if (!o->fp) {
            cli_err("%s: cannot open for writing: %s", path, strerror(errno));
            cli_out_abort(o);
            return -1;
        }
        o->owned = 1;
        return 0;
    }
    mqttids_tmp_sweep(path); /* leftovers of a killed run */
    {
        size_t n = strlen(path) + 32;
        o->tmp = malloc(n);
        if (!o->tmp) {
            cli_err("out of memory");
            cli_out_abort(o);
            return -1;
        }
        snprintf(o->tmp, n, "%s.tmp.%ld", path, (long)getpid());
    }
    o->fp = fopen(o->tmp, mode);
    if (!o->fp) {
        cli_err("%s: cannot create: %s", path, strerror(errno));
        free(o->tmp);
        o->tmp = NULL;
        cli_out_abort(o);
        return -1;
    }
    o->owned = 1;
    return 0;
}

int cli_out_commit(cli_out *o)
{
    int bad = 0;
    const char *name = o->path ? o->path : "stdout";
    if (!o->fp)
        return -1;
    if (fflush(o->fp) != 0 || ferror(o->fp))
        bad = 1;
    if (o->owned && fclose(o->fp) != 0)
        bad = 1;
    o->fp = NULL;
    if (!bad && o->tmp && rename(o->tmp, o->path) != 0)
        bad = 1;
    if (bad) {
        cli_err("%s: write failed: %s", name, strerror(errno));
        cli_out_abort(o);
        return -1;
    }
    free(o->tmp);
    free(o->path);
    o->tmp = o->path = NULL;
    return 0;
}

void cli_out_abort(cli_out *o)
{
    if (o->fp && o->owned)
        fclose(o->fp);
    o->fp = NULL;
    if (o->tmp)
        unlink(o->tmp);
    free(o->tmp);
    free(o->path);
    o->tmp = o->path = NULL;
}

int cli_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (!a || !b || strcmp(a, "-") == 0 || strcmp(b, "-") == 0)
        return 0;
    if (stat(a, &sa) != 0 || stat(b, &sb) != 0)
        return 0;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int cli_refuse_overwrite(const char *cmd, const char *opt, const char *out, const char *in)
{
    if (!cli_same_file(out, in))
        return 0;
    cli_err("%s: %s %s is the input file %s itself (same device and inode): writing it would destroy "
            "the input; give another output", cmd, opt, out, in);
    return -1;
}

int cli_inputs_refuse_overwrite(const cli_inputs *in, const char *cmd, const char *opt, const char *out)
{
    for (int i = 0; i < in->n; i++)
        if (cli_refuse_overwrite(cmd, opt, out, in->items[i].path) != 0)
            return -1;
    if (in->reject_path && cli_refuse_overwrite(cmd, opt, out, in->reject_path) != 0)
        return -1;
    return 0;
}

int cli_stdout_close(void)
{
    int e = 0;
    if (fflush(stdout) != 0)
        e = errno;
    if (ferror(stdout) || e) {
        cli_err("standard output: write failed: %s", e ? strerror(e) : "write error");
        return -1;
    }
    if (fclose(stdout) != 0) {
        cli_err("standard output: write failed: %s", strerror(errno));
        return -1;
    }
    return 0;
}

void cli_json_print(json_object *o)
{
    fputs(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE), stdout);
    fputc('\n', stdout);
}

json_object *cli_json_double(double v)
{
    if (v != v || v > 1.7e308 || v < -1.7e308)
        return NULL;
    return json_object_new_double(v);
}

json_object *cli_json_take(char *text)
{
    json_object *j = text ? json_tokener_parse(text) : NULL;
    free(text);
    return j ? j : json_object_new_object();
}
