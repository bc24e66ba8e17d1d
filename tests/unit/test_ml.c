/*
 * test_ml.c: the model framework: k-fold assignment, metrics against hand-computed
 * values, CV/grid determinism over thread counts, model files (save/load/predict
 * identical, corrupt files refused with the right error), same seed same model on 1 or
 * 2 threads, and the temporal 70/30 split of the six shared head CSVs (prints accuracy
 * and macro-F1 of every learner this build has). Also: the metrics' text table and JSON
 * (hand-written expectations) and the training recipes.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>
#include "ml/ml_int.h"
#include "testhelp.h"

static const char *files[6] = {"legitimate_from_benign_pcap_head.csv", "dos_from_malariados_pcap_head.csv",
                               "bruteforce_from_bruteforce_pcap_head.csv", "malformed_from_malformed_pcap_head.csv",
                               "slowite_from_slowite_pcap_head.csv", "flood_from_flood_pcap_head.csv"};

static mqttids_dataset *ds;
static size_t *tr, ntr, *te, nte;

/* Loads the head CSVs; train = first 70% of each file's rows, test = the rest. */
static int load_split(void)
{
    char path[1024], eb[MQTTIDS_ERRBUF_SIZE];
    ds = mqttids_dataset_new();
    tr = malloc(40000 * sizeof *tr);
    te = malloc(40000 * sizeof *te);
    for (int f = 0; f < 6; f++) {
        size_t start = mqttids_dataset_nrows(ds), end, cut;
        snprintf(path, sizeof path, "%s/derived_from_pcap/%s", MQTTIDS_SHARED_DATA, files[f]);
        if (mqttids_dataset_read_csv(ds, path, NULL, NULL, eb) != MQTTIDS_OK) {
            fprintf(stderr, "%s\n", eb);
            return -1;
        }
        end = mqttids_dataset_nrows(ds);
        cut = start + (end - start) * 7 / 10;
        for (size_t i = start; i < end && ntr + nte < 40000; i++) {
            if (i < cut)
                tr[ntr++] = i;
            else
                te[nte++] = i;
        }
    }
    return 0;
}

static void check_folds(void)
{
    size_t n = 1003;
    int *y = malloc(n * sizeof *y), *f1 = malloc(n * sizeof *f1), *f2 = malloc(n * sizeof *f2);
    for (size_t i = 0; i < n; i++)
        y[i] = (int)(i % 7 == 0 ? 2 : i % 3 == 0);
    for (int strat = 0; strat < 2; strat++) {
        size_t cnt[5] = {0}, cc[3][5] = {{0}};
        int ok = 1;
        CHECK(mqttids_cv_folds(y, n, 5, strat, 7, f1) == MQTTIDS_OK, "folds");
        mqttids_cv_folds(y, n, 5, strat, 7, f2);
        CHECK(memcmp(f1, f2, n * sizeof *f1) == 0, "same seed, same folds");
        for (size_t i = 0; i < n; i++) {
            ok &= f1[i] >= 0 && f1[i] < 5;
            if (f1[i] >= 0 && f1[i] < 5) {
                cnt[f1[i]]++;
                cc[y[i]][f1[i]]++;
            }
        }
        /* every row in exactly one fold: the counts add up and each fold is floor/ceil(n/k) */
        CHECK(ok, "every row has a fold in [0, 5)");
        CHECK(cnt[0] + cnt[1] + cnt[2] + cnt[3] + cnt[4] == n, "folds cover every row");
        for (int k = 0; k < 5; k++)
            CHECK(cnt[k] == n / 5 || cnt[k] == n / 5 + 1, "fold %d has %zu rows", k, cnt[k]);
        if (strat)
            for (int c = 0; c < 3; c++) {
                size_t tot = 0;
                for (int k = 0; k < 5; k++)
                    tot += cc[c][k];
                for (int k = 0; k < 5; k++)
                    CHECK(cc[c][k] == tot / 5 || cc[c][k] == tot / 5 + 1, "stratified: class %d fold %d has %zu", c,
                          k, cc[c][k]);
            }
        mqttids_cv_folds(y, n, 5, strat, 8, f2);
        CHECK(memcmp(f1, f2, n * sizeof *f1) != 0, "another seed, other folds");
    }
    CHECK(mqttids_cv_folds(y, 3, 5, 0, 1, f1) == MQTTIDS_ERR_INVALID, "more folds than rows refused");
    free(y);
    free(f1);
    free(f2);
}

static void check_metrics(void)
{
    /* truth/pred by hand: class 0: 3 rows (2 right, 1 as 1); class 1: 2 rows (1 right, 1 as 0); class 2: 1 row as 1 */
    int t[] = {0, 0, 0, 1, 1, 2}, p[] = {0, 0, 1, 1, 0, 1};
    mqttids_metrics m;
    mqttids_metrics_compute(t, p, 6, &m);
    CHECK(m.n == 6 && fabs(m.accuracy - 3.0 / 6) < 1e-15, "accuracy %g", m.accuracy);
    CHECK(m.confusion[0][1] == 1 && m.confusion[1][0] == 1 && m.confusion[2][1] == 1, "confusion");
    CHECK(fabs(m.precision[0] - 2.0 / 3) < 1e-15 && fabs(m.recall[0] - 2.0 / 3) < 1e-15, "class 0 p/r");
    CHECK(fabs(m.precision[1] - 1.0 / 3) < 1e-15 && fabs(m.recall[1] - 0.5) < 1e-15, "class 1 p/r");
    CHECK(m.precision[2] == 0 && m.recall[2] == 0 && m.f1[2] == 0, "class 2 zero_division=0");
    /* sklearn f1_score(average='macro') over labels {0,1,2}: (2/3 + 0.4 + 0)/3 */
    CHECK(fabs(m.macro_f1 - (2.0 / 3 + 0.4) / 3) < 1e-15, "macro F1 %g", m.macro_f1);
    CHECK(fabs(m.weighted_f1 - (3 * 2.0 / 3 + 2 * 0.4) / 6) < 1e-15, "weighted F1 %g", m.weighted_f1);
}

/* The metrics of check_metrics as the text table and the JSON the tool prints. */
static void check_metrics_out(void)
{
    int t[] = {0, 0, 0, 1, 1, 2}, p[] = {0, 0, 1, 1, 0, 1};
    mqttids_metrics m;
    char text[4096] = "", *js;
    FILE *f = tmpfile();
    size_t n;
    json_object *o, *cl, *cm;
    mqttids_metrics_compute(t, p, 6, &m);
    mqttids_metrics_write_text(f, "test", &m);
    rewind(f);
    n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    static const char title[] = "test: accuracy 0.5000  macro-F1 0.3556  weighted-F1 0.4667  (6 rows)\n";
    CHECK(strncmp(text, title, sizeof title - 1) == 0, "title line: %.80s", text);
    CHECK(strstr(text, "\n  legitimate      0.6667    0.6667    0.6667         3\n") != NULL, "class row: %s", text);
    CHECK(strstr(text, "\n  bruteforce            0          1          0          0          0          0\n") != NULL,
          "confusion row of class 2: %s", text);
    js = mqttids_metrics_json(&m);
    o = js ? json_tokener_parse(js) : NULL;
    CHECK(o != NULL, "metrics JSON parses: %s", js ? js : "(null)");
    if (o) {
        cl = json_object_object_get(o, "classes");
        cm = json_object_object_get(json_object_object_get(o, "confusion"), "rows_true_columns_predicted");
        CHECK(json_object_get_int(json_object_object_get(o, "rows")) == 6, "rows");
        CHECK(json_object_get_double(json_object_object_get(o, "macro_f1")) == m.macro_f1, "macro_f1 exact");
        CHECK(json_object_array_length(cl) == MQTTIDS_NCLASS, "one entry per class");
        CHECK(json_object_get_double(json_object_object_get(json_object_array_get_idx(cl, 1), "recall")) == 0.5,
              "class 1 recall");
        CHECK(json_object_get_int(json_object_array_get_idx(json_object_array_get_idx(cm, 2), 1)) == 1,
              "confusion[2][1]");
        json_object_put(o);
    }
    free(js);
}

/* The detector recipe sets the learner and the pipeline; unknown names are refused. */
static void check_recipes(void)
{
    mqttids_train_opts o;
    const char *const *params = NULL;
    int trees = 0;
    mqttids_train_opts_init(&o);
    CHECK(mqttids_train_recipe("detector", &o, &params) == MQTTIDS_OK, "detector recipe");
    CHECK(strcmp(o.kind, "rf") == 0 && o.balanced == 2, "learner rf, sqrt class weights");
    CHECK(o.pipeline.extra && strstr(o.pipeline.extra, "ctx.pkt_kind") && !strstr(o.pipeline.extra, "tcp.len"),
          "behaviour columns only");
    CHECK(o.pipeline.drop && strstr(o.pipeline.drop, "tcp.time_delta"), "times dropped");
    for (size_t i = 0; params && params[i]; i++)
        trees += strcmp(params[i], "numTrees=100") == 0;
    CHECK(trees == 1, "numTrees=100 among the parameters");
    CHECK(mqttids_train_check(&o, (char[MQTTIDS_ERRBUF_SIZE]){0}) == MQTTIDS_OK, "recipe options valid");
    CHECK(mqttids_train_recipe("nope", &o, &params) == MQTTIDS_ERR_NOT_FOUND, "unknown recipe refused");
}

static void check_balanced(void)
{
    /* sklearn compute_class_weight("balanced"): n / (classes present * n_c) */
    int y[] = {0, 0, 0, 4};
    double w[4];
    ml__balanced_weights(y, 4, MQTTIDS_NCLASS, 1, w);
    CHECK(fabs(w[0] - 4.0 / 6) < 1e-15 && fabs(w[2] - 4.0 / 6) < 1e-15 && fabs(w[3] - 2.0) < 1e-15,
          "balanced weights %g %g", w[0], w[3]);
    /* mode 2 (train --recipe detector): the square roots, sqrt(2/3) and sqrt(2) */
    ml__balanced_weights(y, 4, MQTTIDS_NCLASS, 2, w);
    CHECK(fabs(w[0] - 0.816496580927726) < 1e-15 && fabs(w[3] - 1.4142135623730951) < 1e-15,
          "square-root weights %g %g", w[0], w[3]);
}

static int same_predictions(const mqttids_model *a, const mqttids_model *b, int nthreads)
{
    size_t k = MQTTIDS_NCLASS;
    int *ca = malloc(nte * sizeof *ca), *cb = malloc(nte * sizeof *cb);
    double *pa = malloc(nte * k * sizeof *pa), *pb = malloc(nte * k * sizeof *pb);
    char eb[MQTTIDS_ERRBUF_SIZE];
    int same = mqttids_model_predict_dataset(a, ds, te, nte, ca, pa, nthreads, eb) == MQTTIDS_OK &&
               mqttids_model_predict_dataset(b, ds, te, nte, cb, pb, 1, eb) == MQTTIDS_OK &&
               memcmp(ca, cb, nte * sizeof *ca) == 0 && memcmp(pa, pb, nte * k * sizeof *pa) == 0;
    /* the record path agrees with the dataset path */
    for (size_t i = 0; i < nte && same; i += 101) {
        mqttids_record r;
        int c;
        double pr[MQTTIDS_NCLASS];
        mqttids_dataset_get(ds, te[i], &r);
        same &= mqttids_model_predict_record(a, &r, &c, pr) == MQTTIDS_OK && c == ca[i] &&
                memcmp(pr, pa + i * k, sizeof pr) == 0;
    }
    free(ca);
    free(cb);
    free(pa);
    free(pb);
    return same;
}

static void check_files(const mqttids_model *m, const char *kind)
{
    char path[256], eb[MQTTIDS_ERRBUF_SIZE];
    mqttids_model *l = NULL;
    unsigned char *img;
    long len;
    FILE *f;
    snprintf(path, sizeof path, "%s/test_ml_%s_%ld.model", MQTTIDS_BINARY_DIR, kind, (long)getpid());
    CHECK(mqttids_model_save(m, path, eb) == MQTTIDS_OK, "save: %s", eb);
    CHECK(mqttids_model_load(path, &l, eb) == MQTTIDS_OK, "load: %s", eb);
    if (!l)
        return;
    CHECK(strcmp(mqttids_model_id(l), mqttids_model_id(m)) == 0, "id %s vs %s", mqttids_model_id(l),
          mqttids_model_id(m));
    CHECK(strcmp(mqttids_model_kind(l), kind) == 0 && mqttids_model_nclasses(l) == 6 &&
              strcmp(mqttids_model_class_name(l, 5), "flood") == 0,
          "kind/classes after load");
    CHECK(strcmp(mqttids_model_params(l), mqttids_model_params(m)) == 0, "params survive");
    CHECK(same_predictions(m, l, 2), "%s: save, load, predict gives different outputs", kind);
    mqttids_model_free(l);

    f = fopen(path, "rb");
    fseek(f, 0, SEEK_END);
    len = ftell(f);
    fseek(f, 0, SEEK_SET);
    img = malloc((size_t)len);
    CHECK(fread(img, 1, (size_t)len, f) == (size_t)len, "read back");
    fclose(f);
    /* one flipped byte anywhere is refused; version and checksum errors are named */
    {
        long pos[] = {0, 8, 13, 21, 25, 33, 40, len / 3, len / 2, len - 30, len - 5, len - 1};
        for (size_t q = 0; q < sizeof pos / sizeof pos[0]; q++) {
            mqttids_err e;
            img[pos[q]] ^= 0x10;
            l = NULL;
            e = ml__model_parse("x.model", img, (size_t)len, &l, eb);
            CHECK(e != MQTTIDS_OK && l == NULL, "%s: flipped byte at %ld accepted", kind, pos[q]);
            CHECK(strstr(eb, "x.model: offset ") != NULL, "message names file and offset: %s", eb);
            if (pos[q] == 8)
                CHECK(e == MQTTIDS_ERR_VERSION && strstr(eb, "version 1"), "version: %s", eb);
            if (pos[q] >= 40)
                CHECK(e == MQTTIDS_ERR_CHECKSUM, "checksum expected at %ld: %s", pos[q], eb);
            img[pos[q]] ^= 0x10;
        }
        l = NULL;
        CHECK(ml__model_parse("x.model", img, (size_t)len - 1, &l, eb) != MQTTIDS_OK, "truncated file accepted");
        CHECK(ml__model_parse("x.model", img, (size_t)len, &l, eb) == MQTTIDS_OK, "intact image: %s", eb);
        mqttids_model_free(l);
    }
    free(img);
    unlink(path);
}

static void run_kind(const char *kind, const char *const *params, size_t np)
{
    mqttids_train_opts o;
    mqttids_model *m1 = NULL, *m2 = NULL;
    mqttids_metrics mt;
    char eb[MQTTIDS_ERRBUF_SIZE];
    mqttids_err e;
    mqttids_train_opts_init(&o);
    o.kind = kind;
    o.params = params;
    o.nparams = np;
    o.nthreads = 1;
    e = mqttids_model_train(ds, tr, ntr, &o, &m1, eb);
    if (e == MQTTIDS_ERR_UNSUPPORTED) {
        printf("%s: not in this build (%s)\n", kind, eb);
        return;
    }
    CHECK(e == MQTTIDS_OK, "%s: train: %s", kind, eb);
    if (e != MQTTIDS_OK)
        return;
    o.nthreads = 2;
    CHECK(mqttids_model_train(ds, tr, ntr, &o, &m2, eb) == MQTTIDS_OK, "%s (2 threads): %s", kind, eb);
    if (m2)
        CHECK(same_predictions(m1, m2, 1), "%s: same seed gives a different model on 1 and 2 threads", kind);
    CHECK(mqttids_model_evaluate(m1, ds, te, nte, 2, &mt, NULL, eb) == MQTTIDS_OK, "%s", eb);
    printf("head CSVs, first 70%% -> last 30%% (%zu -> %zu rows): %s accuracy %.4f macro-F1 %.4f\n", ntr, nte, kind,
           mt.accuracy, mt.macro_f1);
    /* better than always answering the largest test class (bruteforce, 30%) */
    CHECK(mt.accuracy > 0.40, "%s: test accuracy %.4f", kind, mt.accuracy);
    check_files(m1, kind);
    mqttids_model_free(m1);
    mqttids_model_free(m2);
}

/* Every space-separated token of want appears as a token of have. */
static int has_all(const char *have, const char *want)
{
    while (*want) {
        const char *e = strchr(want, ' ');
        size_t l = e ? (size_t)(e - want) : strlen(want);
        const char *h = have;
        int found = 0;
        for (; *h; h++)
            if ((h == have || h[-1] == ' ') && strncmp(h, want, l) == 0 && (h[l] == ' ' || h[l] == '\0'))
                found = 1;
        if (!found)
            return 0;
        want += l;
        while (*want == ' ')
            want++;
    }
    return 1;
}

static void check_cv(void)
{
    mqttids_train_opts o;
    mqttids_cv_opts cv;
    mqttids_cv_result *r1 = NULL, *r2 = NULL;
    mqttids_model *best = NULL;
    const char *grid[] = {"regParam=0.01,1", "thresholds=[1,1,1,1,1,1],[1,1,4,1,1,1]"};
    char eb[MQTTIDS_ERRBUF_SIZE];
    mqttids_train_opts_init(&o);
    mqttids_cv_opts_init(&cv);
    cv.folds = 3;
    o.nthreads = 1;
    CHECK(mqttids_cv_grid(ds, tr, ntr, &o, grid, 2, &cv, &r1, &best, eb) == MQTTIDS_OK, "cv: %s", eb);
    o.nthreads = 2;
    CHECK(mqttids_cv_grid(ds, tr, ntr, &o, grid, 2, &cv, &r2, NULL, eb) == MQTTIDS_OK, "cv 2 threads: %s", eb);
    if (r1 && r2) {
        CHECK(r1->npoints == 4 && strcmp(r1->points[1].params, "regParam=0.01 thresholds=[1,1,4,1,1,1]") == 0,
              "grid order: %s", r1->points[1].params);
        for (size_t p = 0; p < 4; p++) {
            CHECK(memcmp(r1->points[p].fold_scores, r2->points[p].fold_scores, 3 * sizeof(double)) == 0,
                  "point %zu: fold scores differ between 1 and 2 threads", p);
            CHECK(r1->points[p].mean <= r1->points[r1->best].mean, "best is the highest mean");
        }
        CHECK(best && has_all(mqttids_model_params(best), r1->points[r1->best].params),
              "refit uses the best point (%s): %s", r1->points[r1->best].params,
              best ? mqttids_model_params(best) : "-");
    }
    mqttids_cv_result_free(r1);
    mqttids_cv_result_free(r2);
    mqttids_model_free(best);
    {
        const char *bad[] = {"regParam=0.1,-3"};
        r1 = NULL;
        CHECK(mqttids_cv_grid(ds, tr, ntr, &o, bad, 1, &cv, &r1, NULL, eb) == MQTTIDS_ERR_INVALID &&
                  strstr(eb, "regParam"),
              "a bad grid value is refused: %s", eb);
        bad[0] = "thresholds=[1,2";
        CHECK(mqttids_cv_grid(ds, tr, ntr, &o, bad, 1, &cv, &r1, NULL, eb) == MQTTIDS_ERR_INVALID,
              "unbalanced brackets refused");
    }
}

/* A model using an extra ctx.* column: named in the model, looked up by name, required. */
static void check_extra_columns(void)
{
    mqttids_dataset *a = mqttids_dataset_new(), *b = mqttids_dataset_new();
    mqttids_train_opts o;
    mqttids_model *m = NULL;
    size_t col;
    char eb[MQTTIDS_ERRBUF_SIZE];
    int cls[200], c;
    double ex;
    mqttids_dataset_add_column(a, "ctx.pkts", &col);
    for (int i = 0; i < 200; i++) {
        mqttids_record r;
        mqttids_record_clear(&r);
        r.num[MQTTIDS_F_TCP_LEN] = (double)(i % 5);
        r.num[MQTTIDS_F_LEN] = (double)(i % 3);
        r.num[MQTTIDS_F_TCP_TIME_DELTA] = 0.001 * i;
        r.label = i % 2;
        ex = r.label ? 10.0 + (i % 3) : (double)(i % 3); /* the extra column separates the classes */
        r.extra = &ex;
        r.n_extra = 1;
        mqttids_dataset_append(a, &r, MQTTIDS_SPLIT_TRAIN, NULL);
        mqttids_dataset_append(b, &r, MQTTIDS_SPLIT_TEST, NULL);
    }
    mqttids_train_opts_init(&o);
    o.pipeline.extra = "ctx";
    CHECK(mqttids_model_train(a, NULL, 0, &o, &m, eb) == MQTTIDS_OK, "train with ctx: %s", eb);
    if (m) {
        mqttids_metrics mt;
        mqttids_record r;
        CHECK(mqttids_model_n_extra(m) == 1 && strcmp(mqttids_model_extra_name(m, 0), "ctx.pkts") == 0,
              "model names its extra column");
        CHECK(mqttids_model_evaluate(m, a, NULL, 0, 2, &mt, NULL, eb) == MQTTIDS_OK && mt.accuracy == 1.0,
              "the extra column is used (accuracy %g): %s", mt.accuracy, eb);
        CHECK(mqttids_model_predict_dataset(m, b, NULL, 0, cls, NULL, 1, eb) == MQTTIDS_ERR_NOT_FOUND &&
                  strstr(eb, "ctx.pkts"),
              "data without the column refused: %s", eb);
        mqttids_dataset_get(a, 1, &r);
        CHECK(mqttids_model_predict_record(m, &r, &c, NULL) == MQTTIDS_ERR_INVALID, "record without extras refused");
        ex = 11;
        r.extra = &ex;
        r.n_extra = 1;
        CHECK(mqttids_model_predict_record(m, &r, &c, NULL) == MQTTIDS_OK && c == 1, "record with extras: %d", c);
    }
    mqttids_model_free(m);
    mqttids_dataset_free(a);
    mqttids_dataset_free(b);
}

/* What every learner shares (learners.c): parameter copies and the checks of a fit's rows,
   refused by each learner with the same message and code before anything is fitted. */
static void check_learner_rows(void)
{
    static const char *const kinds[] = {"lr", "rf", "nn", "gbt"};
    static const char *const kv[][2] = {{"regParam", "0.5"}, {"maxDepth", "3"}, {"epochs", "3"}, {"maxDepth", "3"}};
    const double X[4] = {0.0, 1.0, 2.0, 3.0};
    const int ybad[4] = {0, 1, 2, 1};
    const int y[4] = {0, 1, 0, 1};
    const double wbad[4] = {1.0, NAN, 1.0, 1.0};
    char eb[MQTTIDS_ERRBUF_SIZE], want[128];
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        const ml_learner *L = ml__learner_find(kinds[i]);
        ml_fit_ctx ctx = {.seed = 1, .nthreads = 1};
        void *p = L->params_new(), *s = NULL;
        char a[512], b[512];
        CHECK(L && p, "%s: params", kinds[i]);
        if (!L || !p)
            continue;
        CHECK(L->params_set(p, kv[i][0], kv[i][1], eb) == MQTTIDS_OK, "%s: %s", kinds[i], eb);
        void *c = L->params_copy(p), *dflt = L->params_copy(NULL);
        L->params_describe(p, a, sizeof a);
        L->params_describe(c, b, sizeof b);
        CHECK(strcmp(a, b) == 0 && strstr(a, kv[i][1]), "%s: copy '%s' vs '%s'", kinds[i], b, a);
        L->params_describe(dflt, b, sizeof b);
        free(p);
        p = L->params_new();
        L->params_describe(p, a, sizeof a);
        CHECK(strcmp(a, b) == 0, "%s: copy of NULL '%s', defaults '%s'", kinds[i], b, a);
        snprintf(want, sizeof want, "%s: row 2: class 2 outside [0, 2)", kinds[i]);
        CHECK(L->fit(p, X, 4, 1, ybad, 2, NULL, &ctx, &s, eb) == MQTTIDS_ERR_INVALID && !s && strcmp(eb, want) == 0,
              "%s: '%s'", kinds[i], eb);
        if (strcmp(kinds[i], "lr") != 0) { /* lr does not read weights here */
            snprintf(want, sizeof want, "%s: row 1: sample weight must be finite and >= 0", kinds[i]);
            CHECK(L->fit(p, X, 4, 1, y, 2, wbad, &ctx, &s, eb) == MQTTIDS_ERR_INVALID && !s &&
                      strcmp(eb, want) == 0,
                  "%s: '%s'", kinds[i], eb);
        }
        L->params_free(p);
        L->params_free(c);
        L->params_free(dflt);
    }
}

int main(void)
{
    check_learner_rows();
    check_folds();
    check_metrics();
    check_metrics_out();
    check_recipes();
    check_balanced();
    check_extra_columns();
    if (load_split() != 0) {
        fprintf(stderr, "shared head CSVs not readable: skipped\n");
        return 77;
    }
    {
        const char *lr[] = {"regParam=0.01"};
        const char *rf[] = {"maxDepth=10"};
        const char *nn[] = {"layers=16", "epochs=3"};
        run_kind("lr", lr, 1);
        run_kind("rf", rf, 1);
        run_kind("nn", nn, 2);
    }
    check_cv();
    free(tr);
    free(te);
    mqttids_dataset_free(ds);
    PASS();
}
