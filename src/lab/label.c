/*
 * label.c: lab.pcap -> lab.csv, train.csv, test.csv. The rows are those of
 * mqttids_capture_write_mqttset_csv (what `mqttids extract --port PORT` writes) with a
 * placeholder target, which is then replaced row by row by the class of the row's
 * client-side address (127.0.0.(20+k) for attack k, 127.1.x.y legitimate: lab_int.h), found by a second pass over the capture
 * with mqttids_capture_next. Split: per class, the first 70% of its rows (capture order) train.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lab_int.h"
#include "util/util_int.h"

#define TOKEN "@mqttids-lab-label@"

static int class_of(const mqttids_flow *f)
{
    if (f->ip_version != 4)
        return -1;
    for (int side = 0; side < 2; side++) {
        const uint8_t *a = side ? f->dst : f->src;
        if (a[0] == 127 && a[1] == 0 && a[2] == 0 && a[3] >= LAB_ADDR_BASE && a[3] < LAB_ADDR_BASE + MQTTIDS_NCLASS)
            return a[3] - LAB_ADDR_BASE;
        if (a[0] == 127 && a[1] == LAB_LEGIT_NET) /* each legitimate client its own host */
            return MQTTIDS_CLASS_LEGITIMATE;
    }
    return -1;
}

static mqttids_err put(FILE *f, const char *p, size_t n, const char *path, char *errbuf)
{
    if (n && fwrite(p, 1, n, f) != n)
        return util__fail(errbuf, MQTTIDS_ERR_IO, "lab: cannot write %s: %s", path, strerror(errno));
    return MQTTIDS_OK;
}

/* Pass 1: the class of every row of pcap (-1: unlabeled) into *clsp (*np rows), counted
   into res. */
static mqttids_err classify_rows(const char *pcap, const mqttids_capture_opts *o, mqttids_lab_result *res,
                                 signed char **clsp, size_t *np, char *errbuf)
{
    mqttids_capture *cap = NULL;
    signed char *cls = NULL;
    size_t n = 0, size = 0;
    mqttids_err err = mqttids_capture_open_file(pcap, o, &cap, errbuf);
    if (err)
        return err;
    for (;;) {
        mqttids_record rec;
        mqttids_flow fl;
        mqttids_capture_status st;
        err = mqttids_capture_next(cap, &rec, &fl, &st, errbuf);
        if (err || st == MQTTIDS_CAPTURE_END)
            break;
        if (st != MQTTIDS_CAPTURE_ROW)
            continue;
        if (n == size) {
            size = size ? size * 2 : 1 << 16;
            signed char *g = realloc(cls, size);
            if (!g) {
                err = util__fail(errbuf, MQTTIDS_ERR_NOMEM, "lab: out of memory");
                break;
            }
            cls = g;
        }
        int k = class_of(&fl);
        cls[n++] = (signed char)k;
        if (k < 0)
            res->unlabeled++;
        else
            res->rows_class[k]++;
    }
    mqttids_capture_close(cap);
    *clsp = cls;
    *np = n;
    return err;
}

mqttids_err lab__write_csvs(const char *dir, uint16_t port, int context, mqttids_lab_result *res,
                            mqttids_progress_fn progress, void *user, char *errbuf)
{
    char pcap[4096], tmp[4200], path[3][4096];
    static const char *names[3] = {"lab.csv", "train.csv", "test.csv"};
    mqttids_capture_opts o;
    mqttids_err err;
    signed char *cls = NULL;
    size_t n = 0;
    FILE *csv = NULL;
    util_atomic_file out[3];
    int opened = 0;
    char *line = NULL, *row = NULL;
    size_t line_cap = 0, row_len = 0, row_cap = 0;

    memset(out, 0, sizeof out);
    snprintf(pcap, sizeof pcap, "%s/lab.pcap", dir);
    snprintf(tmp, sizeof tmp, "%s/.lab-rows.tmp.%ld", dir, (long)getpid());
    {
        char base[sizeof tmp];
        snprintf(base, sizeof base, "%s/.lab-rows", dir);
        mqttids_tmp_sweep(base); /* leftovers of a killed run */
    }
    mqttids_capture_opts_init(&o);
    o.mqtt_ports[0] = port;
    o.n_mqtt_ports = 1;
    o.context = context;
    o.ids = 1; /* id.stream, id.client: for evaluation by connection and host */

    /* pass 1: the class of every row */
    err = classify_rows(pcap, &o, res, &cls, &n, errbuf);
    if (err)
        goto out;

    /* pass 2: the rows extract writes, with a placeholder target */
    csv = fopen(tmp, "w+");
    if (!csv) {
        err = util__fail(errbuf, MQTTIDS_ERR_IO, "lab: cannot write %s: %s", tmp, strerror(errno));
        goto out;
    }
    uint64_t rows = 0;
    err = mqttids_capture_write_mqttset_csv(pcap, &o, csv, TOKEN, &rows, NULL, NULL, NULL, errbuf);
    if (err)
        goto out;
    if (rows != n) {
        err = util__fail(errbuf, MQTTIDS_ERR_MALFORMED, "lab: %s: %llu rows from the CSV writer, %zu from the reader",
                         pcap, (unsigned long long)rows, n);
        goto out;
    }
    rewind(csv);

    for (int i = 0; i < 3; i++) {
        snprintf(path[i], sizeof path[i], "%s/%s", dir, names[i]);
        err = util__atomic_open(&out[i], path[i], errbuf);
        if (err)
            goto out;
        opened = i + 1;
    }
    /* header */
    ssize_t got = getline(&line, &line_cap, csv);
    if (got <= 0) {
        err = util__fail(errbuf, MQTTIDS_ERR_IO, "lab: %s: no header", tmp);
        goto out;
    }
    for (int i = 0; i < 3; i++)
        if ((err = put(out[i].fp, line, (size_t)got, path[i], errbuf)))
            goto out;
    /* rows: a row ends with ",TOKEN\n" (a text field may hold a newline) */
    uint64_t seen[MQTTIDS_NCLASS] = {0};
    size_t r = 0, tl = strlen(TOKEN) + 2;
    while ((got = getline(&line, &line_cap, csv)) > 0) {
        if (row_len + (size_t)got + 1 > row_cap) {
            row_cap = (row_len + (size_t)got + 1) * 2;
            char *g = realloc(row, row_cap);
            if (!g) {
                err = util__fail(errbuf, MQTTIDS_ERR_NOMEM, "lab: out of memory");
                goto out;
            }
            row = g;
        }
        memcpy(row + row_len, line, (size_t)got);
        row_len += (size_t)got;
        if (row_len < tl || memcmp(row + row_len - tl, "," TOKEN "\n", tl) != 0)
            continue;
        if (r >= n) {
            err = util__fail(errbuf, MQTTIDS_ERR_MALFORMED, "lab: more CSV rows than packets rows");
            goto out;
        }
        int k = cls[r++];
        if (k >= 0) {
            const char *name = mqttids_class_name(k);
            int train = seen[k] < res->rows_class[k] * 7 / 10;
            seen[k]++;
            if (train)
                res->train_class[k]++;
            size_t keep = row_len - tl + 1; /* up to and with the comma */
            int dst[2] = {0, train ? 1 : 2};
            for (int i = 0; i < 2; i++) {
                int j = dst[i];
                if ((err = put(out[j].fp, row, keep, path[j], errbuf)) ||
                    (err = put(out[j].fp, name, strlen(name), path[j], errbuf)) ||
                    (err = put(out[j].fp, "\n", 1, path[j], errbuf)))
                    goto out;
            }
            res->rows++;
        }
        row_len = 0;
        if (progress && (r & 0xffff) == 0 && progress("label", r, n, user)) {
            err = util__fail(errbuf, MQTTIDS_ERR_INTERRUPTED, "lab: interrupted");
            goto out;
        }
    }
    if (r != n || row_len) {
        err = util__fail(errbuf, MQTTIDS_ERR_MALFORMED, "lab: %zu CSV rows for %zu packet rows", r, n);
        goto out;
    }
    for (int i = 0; i < 3; i++) {
        err = util__atomic_commit(&out[i], errbuf);
        if (err) {
            for (int j = i + 1; j < 3; j++)
                util__atomic_abort(&out[j]);
            opened = 0;
            goto out;
        }
    }
    opened = 0;
out:
    for (int i = 0; i < opened; i++)
        util__atomic_abort(&out[i]);
    if (csv) {
        fclose(csv);
        unlink(tmp);
    }
    free(cls);
    free(line);
    free(row);
    return err;
}
