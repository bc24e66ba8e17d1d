/*
 * test_features.c: the feature pipeline on the six shared head CSVs against pandas
 * (tests/data/lr_pipeline/expect.txt, made by tests/data/make_lr_fixture.py): dropped
 * columns, StringIndexer category order, train std, transformed rows; plus unseen
 * categories, record vs dataset transform, save/load, extra (ctx.*) columns, options.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "features/features_int.h"
#include "testhelp.h"

static const char *files[6] = {"legitimate_from_benign_pcap_head.csv", "dos_from_malariados_pcap_head.csv",
                               "bruteforce_from_bruteforce_pcap_head.csv", "malformed_from_malformed_pcap_head.csv",
                               "slowite_from_slowite_pcap_head.csv", "flood_from_flood_pcap_head.csv"};

static mqttids_dataset *load_heads(void)
{
    mqttids_dataset *ds = mqttids_dataset_new();
    char path[1024], eb[MQTTIDS_ERRBUF_SIZE];
    for (int f = 0; f < 6; f++) {
        snprintf(path, sizeof path, "%s/derived_from_pcap/%s", MQTTIDS_SHARED_DATA, files[f]);
        if (mqttids_dataset_read_csv(ds, path, NULL, NULL, eb) != MQTTIDS_OK) {
            fprintf(stderr, "%s\n", eb);
            mqttids_dataset_free(ds);
            return NULL;
        }
    }
    return ds;
}

/* Reads the next whitespace token of f into buf. */
static int tok(FILE *f, char *buf, size_t size)
{
    char fmt[16];
    snprintf(fmt, sizeof fmt, "%%%zus", size - 1);
    return fscanf(f, fmt, buf) == 1 ? 0 : -1;
}

static int has_drop(const mqttids_pipeline *p, const char *name, const char *why_prefix)
{
    for (size_t i = 0; i < mqttids_pipeline_n_dropped(p); i++) {
        const char *n, *w;
        mqttids_pipeline_dropped(p, i, &n, &w);
        if (strcmp(n, name) == 0 && strncmp(w, why_prefix, strlen(why_prefix)) == 0)
            return 1;
    }
    return 0;
}

static void check_against_pandas(const mqttids_dataset *ds, const mqttids_pipeline *p)
{
    FILE *f = fopen(MQTTIDS_TEST_DATA "/lr_pipeline/expect.txt", "r");
    char t[256];
    size_t d = mqttids_pipeline_nfeatures(p), nz = 0;
    double *x = malloc(d * sizeof *x);
    CHECK(f != NULL, "no fixture");
    if (!f || !x) {
        free(x);
        return;
    }
    while (tok(f, t, sizeof t) == 0) {
        if (strcmp(t, "rows") == 0) {
            size_t n;
            CHECK(fscanf(f, "%zu", &n) == 1 && n == mqttids_dataset_nrows(ds), "rows %zu", n);
        } else if (strcmp(t, "drop_zero") == 0 || strcmp(t, "drop_corr") == 0) {
            int zero = t[5] == 'z';
            if (fscanf(f, "%zu", &nz) != 1)
                nz = 0;
            for (size_t i = 0; i < nz && tok(f, t, sizeof t) == 0; i++)
                CHECK(has_drop(p, t, zero ? "zeros" : "correlation"), "%s must be dropped by the %s rule", t,
                      zero ? "zeros" : "correlation");
            if (zero) {
                size_t got = 0;
                for (size_t i = 0; i < mqttids_pipeline_n_dropped(p); i++) {
                    const char *n, *w;
                    mqttids_pipeline_dropped(p, i, &n, &w);
                    got += strncmp(w, "zeros", 5) == 0;
                }
                CHECK(got == nz, "zeros rule dropped %zu columns, pandas %zu", got, nz);
            }
        } else if (strcmp(t, "continuous") == 0) {
            size_t n;
            if (fscanf(f, "%zu", &n) != 1)
                n = 0;
            for (size_t i = 0; i < n && tok(f, t, sizeof t) == 0; i++)
                CHECK(strcmp(mqttids_pipeline_feature_name(p, i), t) == 0, "feature %zu is %s, pandas %s", i,
                      mqttids_pipeline_feature_name(p, i), t);
        } else if (strcmp(t, "cats") == 0) {
            char col[128];
            size_t n;
            const feat_col *c = NULL;
            if (tok(f, col, sizeof col) || fscanf(f, "%zu", &n) != 1)
                break;
            for (size_t i = 0; i < p->ncols; i++)
                if (strcmp(p->cols[i].name, col) == 0)
                    c = &p->cols[i];
            CHECK(c && c->role == FEAT_ROLE_NOMINAL && c->ncat == n, "%s: %zu categories expected", col, n);
            for (size_t i = 0; i < n && tok(f, t, sizeof t) == 0; i++)
                CHECK(c && i < c->ncat && strcmp(c->cats[i], t) == 0, "%s category %zu: %s, pandas %s", col, i,
                      c && i < c->ncat ? c->cats[i] : "-", t);
        } else if (strcmp(t, "d") == 0) {
            size_t dd;
            CHECK(fscanf(f, "%zu", &dd) == 1 && dd == d, "d = %zu, pandas %zu", d, dd);
        } else if (strcmp(t, "std") == 0) {
            for (size_t j = 0; j < d; j++) {
                double s;
                if (fscanf(f, "%lf", &s) != 1)
                    break;
                CHECK(fabs((s > 0 ? 1.0 / s : 0.0) - p->scale[j]) <= 1e-9 * fabs(p->scale[j]) + 1e-300,
                      "feature %zu (%s): scale %.17g, pandas std %.17g", j, p->names[j], p->scale[j], s);
            }
        } else if (strcmp(t, "row") == 0) {
            size_t r;
            mqttids_record rec;
            double e, worst = 0;
            size_t un = 0;
            if (fscanf(f, "%zu", &r) != 1)
                break;
            mqttids_dataset_get(ds, r, &rec);
            CHECK(mqttids_pipeline_transform_record(p, &rec, x, &un) == MQTTIDS_OK, "transform row %zu", r);
            for (size_t j = 0; j < d; j++) {
                if (fscanf(f, "%lf", &e) != 1)
                    break;
                worst = fmax(worst, fabs(x[j] - e) / fmax(1.0, fabs(e)));
            }
            CHECK(worst < 1e-12 && un == 0, "row %zu differs from pandas by %g (unseen %zu)", r, worst, un);
        }
    }
    fclose(f);
    free(x);
}

static void check_record_vs_dataset(const mqttids_dataset *ds, const mqttids_pipeline *p)
{
    size_t n = mqttids_dataset_nrows(ds), d = mqttids_pipeline_nfeatures(p), bad = 0, un = 0;
    double *X = malloc(n * d * sizeof *X), *x = malloc(d * sizeof *x);
    char eb[MQTTIDS_ERRBUF_SIZE];
    CHECK(mqttids_pipeline_transform(p, ds, NULL, n, X, &un, eb) == MQTTIDS_OK, "%s", eb);
    CHECK(un == 0, "train rows cannot hold unseen categories (%zu)", un);
    for (size_t i = 0; i < n; i += 97) {
        mqttids_record r;
        mqttids_dataset_get(ds, i, &r);
        mqttids_pipeline_transform_record(p, &r, x, NULL);
        bad += memcmp(x, X + i * d, d * sizeof *x) != 0;
    }
    CHECK(bad == 0, "%zu rows differ between record and dataset transforms", bad);
    /* save/load */
    {
        util_buf b;
        util_rd r;
        mqttids_pipeline *q = NULL;
        util__buf_init(&b, 0);
        features__save(p, &b);
        util__rd_init(&r, b.data, b.len);
        CHECK(features__load(&r, &q, eb) == MQTTIDS_OK, "load: %s", eb);
        CHECK(q && r.off == b.len, "load consumed %zu of %zu bytes", r.off, b.len);
        if (q) {
            double *Y = malloc(n * d * sizeof *Y);
            CHECK(mqttids_pipeline_schema_hash(q) == mqttids_pipeline_schema_hash(p), "hash changed");
            mqttids_pipeline_transform(q, ds, NULL, n, Y, NULL, eb);
            CHECK(memcmp(X, Y, n * d * sizeof *X) == 0, "loaded pipeline transforms differently");
            free(Y);
        }
        mqttids_pipeline_free(q);
        for (size_t cut = 1; cut < b.len; cut += b.len / 7 + 1) {
            q = NULL;
            util__rd_init(&r, b.data, cut);
            CHECK(features__load(&r, &q, eb) != MQTTIDS_OK, "truncated pipeline (%zu of %zu bytes) accepted", cut,
                  b.len);
            mqttids_pipeline_free(q);
        }
        util__buf_free(&b);
    }
    free(X);
    free(x);
}

static void check_unseen_and_options(const mqttids_dataset *ds)
{
    mqttids_pipeline *p = NULL;
    mqttids_pipeline_opts o;
    mqttids_record r;
    char eb[MQTTIDS_ERRBUF_SIZE];
    size_t un = 0, d;
    double x[256];
    mqttids_pipeline_opts_init(&o);
    CHECK(mqttids_pipeline_fit(ds, NULL, 0, &o, &p, eb) == MQTTIDS_OK, "%s", eb);
    d = mqttids_pipeline_nfeatures(p);
    mqttids_dataset_get(ds, 0, &r);
    r.str[MQTTIDS_F_TCP_FLAGS] = "0x000000ff";
    r.str_len[MQTTIDS_F_TCP_FLAGS] = 10;
    mqttids_pipeline_transform_record(p, &r, x, &un);
    CHECK(un == 1, "an unseen tcp.flags value is counted (%zu)", un);
    for (size_t j = 0; j < d; j++)
        if (strncmp(mqttids_pipeline_feature_name(p, j), "tcp.flags=", 10) == 0)
            CHECK(x[j] == 0.0, "unseen category must encode as zeros (%s = %g)", mqttids_pipeline_feature_name(p, j),
                  x[j]);
    mqttids_pipeline_free(p);

    /* no scaling, no dropLast: one column per category, raw values */
    o.scale = 0;
    o.drop_last = 0;
    p = NULL;
    CHECK(mqttids_pipeline_fit(ds, NULL, 0, &o, &p, eb) == MQTTIDS_OK, "%s", eb);
    if (p) {
        CHECK(mqttids_pipeline_nfeatures(p) == d + 3, "dropLast off adds one column per nominal (%zu vs %zu)",
              mqttids_pipeline_nfeatures(p), d);
        mqttids_dataset_get(ds, 5, &r);
        mqttids_pipeline_transform_record(p, &r, x, NULL);
        CHECK(x[1] == r.num[MQTTIDS_F_TCP_LEN], "unscaled tcp.len %g vs %g", x[1], r.num[MQTTIDS_F_TCP_LEN]);
    }
    mqttids_pipeline_free(p);

    /* explicit roles and errors */
    mqttids_pipeline_opts_init(&o);
    o.continuous = "tcp.len,mqtt.msgtype";
    o.nominal = "tcp.flags";
    o.drop = "mqtt.msg,tcp.time_delta,mqtt.len,mqtt.hdrflags";
    p = NULL;
    CHECK(mqttids_pipeline_fit(ds, NULL, 0, &o, &p, eb) == MQTTIDS_OK, "%s", eb);
    if (p)
        CHECK(mqttids_pipeline_n_inputs(p) == 3 && strcmp(mqttids_pipeline_input_name(p, 1), "mqtt.msgtype") == 0 &&
                  strcmp(mqttids_pipeline_input_role(p, 1), "continuous") == 0,
              "roles from the lists (%zu inputs)", mqttids_pipeline_n_inputs(p));
    mqttids_pipeline_free(p);
    o.continuous = "tcp.nosuch";
    p = NULL;
    CHECK(mqttids_pipeline_fit(ds, NULL, 0, &o, &p, eb) == MQTTIDS_ERR_NOT_FOUND && strstr(eb, "tcp.nosuch"),
          "unknown column named: %s", eb);
    o.continuous = "tcp.len";
    o.nominal = "tcp.len";
    CHECK(mqttids_pipeline_fit(ds, NULL, 0, &o, &p, eb) == MQTTIDS_ERR_INVALID, "column in two lists accepted");
}

static void check_extra(void)
{
    /* a dataset with an extra ctx.rate column: used only when selected, named in the model */
    mqttids_dataset *ds = mqttids_dataset_new();
    mqttids_pipeline *p = NULL;
    mqttids_pipeline_opts o;
    size_t col;
    char eb[MQTTIDS_ERRBUF_SIZE];
    double ex, x[64];
    mqttids_dataset_add_column(ds, "ctx.rate", &col);
    for (int i = 0; i < 100; i++) {
        mqttids_record r;
        mqttids_record_clear(&r);
        r.num[MQTTIDS_F_TCP_LEN] = i % 7;
        r.num[MQTTIDS_F_TCP_TIME_DELTA] = 0.5 + i;
        r.num[MQTTIDS_F_LEN] = i % 3;
        ex = (double)(i % 10);
        r.extra = &ex;
        r.n_extra = 1;
        r.label = i % 2;
        mqttids_dataset_append(ds, &r, MQTTIDS_SPLIT_TRAIN, NULL);
    }
    mqttids_pipeline_opts_init(&o);
    CHECK(mqttids_pipeline_fit(ds, NULL, 0, &o, &p, eb) == MQTTIDS_OK, "%s", eb);
    CHECK(p && mqttids_pipeline_n_extra(p) == 0, "extras unused by default");
    mqttids_pipeline_free(p);
    p = NULL;
    o.extra = "ctx";
    CHECK(mqttids_pipeline_fit(ds, NULL, 0, &o, &p, eb) == MQTTIDS_OK, "%s", eb);
    if (p) {
        mqttids_record r;
        size_t d = mqttids_pipeline_nfeatures(p);
        CHECK(mqttids_pipeline_n_extra(p) == 1 && strcmp(mqttids_pipeline_extra_name(p, 0), "ctx.rate") == 0,
              "ctx prefix selects ctx.rate");
        CHECK(strcmp(mqttids_pipeline_feature_name(p, d - 1), "ctx.rate") == 0, "extra is the last feature");
        mqttids_dataset_get(ds, 3, &r);
        ex = 3.0; /* the dataset's row accessor leaves extras to the caller */
        r.extra = &ex;
        r.n_extra = 1;
        CHECK(mqttids_pipeline_transform_record(p, &r, x, NULL) == MQTTIDS_OK, "record with extras");
        CHECK(fabs(x[d - 1] - 3.0 * p->scale[d - 1]) < 1e-12, "extra value scaled (%g)", x[d - 1]);
        r.n_extra = 0;
        r.extra = NULL;
        CHECK(mqttids_pipeline_transform_record(p, &r, x, NULL) == MQTTIDS_ERR_INVALID, "missing extras refused");
    }
    mqttids_pipeline_free(p);
    p = NULL;
    o.extra = "flow";
    CHECK(mqttids_pipeline_fit(ds, NULL, 0, &o, &p, eb) == MQTTIDS_ERR_NOT_FOUND, "unknown extra refused");
    mqttids_dataset_free(ds);
}

static void check_identity(void)
{
    /* identity columns (extract --ids) are never features: not by prefix, not by name */
    mqttids_dataset *ds = mqttids_dataset_new();
    mqttids_pipeline *p = NULL;
    mqttids_pipeline_opts o;
    size_t col;
    char eb[MQTTIDS_ERRBUF_SIZE];
    double ex[3];
    static const char *const refused[] = {"id", "id.stream", "ctx,ID.client", " id.client "};
    mqttids_dataset_add_column(ds, "ctx.rate", &col);
    mqttids_dataset_add_column(ds, "id.stream", &col);
    mqttids_dataset_add_column(ds, "id.client", &col);
    for (int i = 0; i < 100; i++) {
        mqttids_record r;
        mqttids_record_clear(&r);
        r.num[MQTTIDS_F_TCP_LEN] = i % 7;
        r.num[MQTTIDS_F_TCP_TIME_DELTA] = 0.5 + i;
        ex[0] = (double)(i % 10);
        ex[1] = (double)(i / 10);
        ex[2] = 2130706452.0 + i % 2;
        r.extra = ex;
        r.n_extra = 3;
        r.label = i % 2;
        mqttids_dataset_append(ds, &r, MQTTIDS_SPLIT_TRAIN, NULL);
    }
    mqttids_pipeline_opts_init(&o);
    o.extra = "ctx";
    CHECK(mqttids_pipeline_fit(ds, NULL, 0, &o, &p, eb) == MQTTIDS_OK, "%s", eb);
    CHECK(p && mqttids_pipeline_n_extra(p) == 1, "ctx selects only ctx.* (not id.*)");
    mqttids_pipeline_free(p);
    for (size_t k = 0; k < sizeof refused / sizeof *refused; k++) {
        p = NULL;
        o.extra = refused[k];
        CHECK(mqttids_pipeline_fit(ds, NULL, 0, &o, &p, eb) == MQTTIDS_ERR_INVALID && !p &&
                  strstr(eb, "identity") != NULL,
              "--features '%s' refused (%s)", refused[k], eb);
        mqttids_pipeline_free(p);
    }
    mqttids_pipeline_opts_init(&o);
    o.continuous = "tcp.len,id.client";
    p = NULL;
    CHECK(mqttids_pipeline_fit(ds, NULL, 0, &o, &p, eb) == MQTTIDS_ERR_INVALID && strstr(eb, "identity") != NULL,
          "--continuous id.client refused (%s)", eb);
    mqttids_pipeline_free(p);
    mqttids_dataset_free(ds);
}

int main(void)
{
    mqttids_dataset *ds = load_heads();
    mqttids_pipeline *p = NULL;
    char eb[MQTTIDS_ERRBUF_SIZE];
    if (!ds) {
        fprintf(stderr, "shared head CSVs not readable: skipped\n");
        return 77;
    }
    CHECK(mqttids_pipeline_fit(ds, NULL, 0, NULL, &p, eb) == MQTTIDS_OK, "fit: %s", eb);
    if (p) {
        printf("pipeline on the six head CSVs: %zu features, %zu columns dropped\n", mqttids_pipeline_nfeatures(p),
               mqttids_pipeline_n_dropped(p));
        check_against_pandas(ds, p);
        check_record_vs_dataset(ds, p);
    }
    mqttids_pipeline_free(p);
    check_unseen_and_options(ds);
    check_extra();
    check_identity();
    mqttids_dataset_free(ds);
    PASS();
}
