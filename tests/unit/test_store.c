/*
 * test_store.c: the PostgreSQL module's API.
 * Without a server: connection-string masking and parsing errors.
 * With MQTTIDS_TEST_PG_DSN (set by tests/integration/pg_api.sh, which starts a
 * throwaway server): the predictions sink (streaming and one-transaction, abort, values
 * checked through a second libpq connection), layout versions, loader abort, reading
 * bad rows with FAIL and SKIP, a missing table, a busy handle.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "mqttids/mqttids.h"
#include "testhelp.h"

#if MQTTIDS_WITH_PG
#include <libpq-fe.h>

#define FLOOD MQTTIDS_SHARED_DATA "/derived_from_pcap/flood_from_flood_pcap_head.csv"

static PGconn *peer;

/* One value from the peer connection (static buffer), "" on error. */
static const char *q1(const char *sql)
{
    static char out[1024];
    PGresult *res = PQexec(peer, sql);
    out[0] = '\0';
    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0)
        snprintf(out, sizeof out, "%s", PQgetvalue(res, 0, 0));
    else if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
        fprintf(stderr, "peer: %s", PQerrorMessage(peer));
    PQclear(res);
    return out;
}

static void test_mask(void)
{
    char out[512];
    CHECK(mqttids_store_mask_conninfo("host=db.example password=hunter2 dbname=ids sslmode=require", out,
                                      sizeof out) == MQTTIDS_OK, "mask kv");
    CHECK(strstr(out, "hunter2") == NULL, "password shown: %s", out);
    CHECK(strstr(out, "password=***") && strstr(out, "host=db.example") && strstr(out, "sslmode=require"),
          "masked form: %s", out);
    CHECK(mqttids_store_mask_conninfo("postgresql://bob:hunter2@db.example:6543/ids?sslmode=verify-full", out,
                                      sizeof out) == MQTTIDS_OK, "mask uri");
    CHECK(strstr(out, "hunter2") == NULL && strstr(out, "user=bob") && strstr(out, "port=6543") &&
          strstr(out, "sslmode=verify-full") && strstr(out, "password=***"), "masked uri: %s", out);
    CHECK(mqttids_store_mask_conninfo("host='a b' password='x y'", out, sizeof out) == MQTTIDS_OK, "quoted");
    CHECK(strstr(out, "host='a b'") && !strstr(out, "x y"), "quoted form: %s", out);
    CHECK(mqttids_store_mask_conninfo("ids", out, sizeof out) == MQTTIDS_OK && !strcmp(out, "dbname=ids"),
          "bare database name: %s", out);
    CHECK(mqttids_store_mask_conninfo("host=x password=hunter2 nosuchkey=1", out, sizeof out) == MQTTIDS_ERR_INVALID,
          "bad conninfo");
    CHECK(strstr(out, "hunter2") == NULL, "bad conninfo shows text: %s", out);
    {
        char errbuf[MQTTIDS_ERRBUF_SIZE];
        mqttids_store *st = (mqttids_store *)1;
        CHECK(mqttids_store_open("host=x password=hunter2 nosuchkey=1", &st, errbuf) == MQTTIDS_ERR_INVALID &&
                  st == NULL, "open bad conninfo");
        CHECK(strstr(errbuf, "nosuchkey") && !strstr(errbuf, "hunter2"), "open error: %s", errbuf);
    }
}

static void test_sink(mqttids_store *st)
{
    mqttids_store_sink *s = NULL;
    mqttids_prediction p;
    uint64_t rows = 0;

    CHECK(mqttids_store_sink_open(st, "p.preds", "rf-1 'tuned'", 0, &s) == MQTTIDS_OK, "sink open: %s",
          mqttids_store_errmsg(st));
    if (!s)
        return;
    CHECK(!strcmp(q1("SELECT obj_description('p.preds'::regclass, 'pg_class')"), "mqttids predictions v1"),
          "predictions comment");
    memset(&p, 0, sizeof p);
    p.row_id = 7;
    p.time = 1600000000.25;
    p.cls = MQTTIDS_CLASS_DOS;
    p.probability = 0.875;
    CHECK(mqttids_store_sink_put(s, &p) == MQTTIDS_OK, "put 1");
    p.row_id = -1;
    p.time = NAN;
    p.cls = MQTTIDS_CLASS_FLOOD;
    p.probability = NAN;
    p.detail = "alert: it's \"big\"; DROP TABLE p.preds;--";
    CHECK(mqttids_store_sink_put(s, &p) == MQTTIDS_OK, "put 2");
    p.cls = 6;
    CHECK(mqttids_store_sink_put(s, &p) == MQTTIDS_ERR_INVALID, "class out of range");
    CHECK(mqttids_store_sink_flush(s) == MQTTIDS_OK, "flush: %s", mqttids_store_errmsg(st));
    CHECK(!strcmp(q1("SELECT count(*) FROM p.preds"), "2"), "2 rows after flush");
    CHECK(!strcmp(q1("SELECT row(model_id, row_id, extract(epoch FROM ts)::float8, class, class_index, probability, "
                     "detail)::text FROM p.preds WHERE row_id = 7"),
                  "(\"rf-1 'tuned'\",7,1600000000.25,dos,1,0.875,)"),
          "row 1 values: %s", q1("SELECT row(p.*) FROM p.preds p WHERE row_id = 7"));
    CHECK(!strcmp(q1("SELECT row(model_id, row_id, ts, class, class_index, probability, detail)::text "
                     "FROM p.preds WHERE row_id IS NULL"),
                  "(\"rf-1 'tuned'\",,,flood,5,,\"alert: it's \"\"big\"\"; DROP TABLE p.preds;--\")"),
          "row 2 values: %s", q1("SELECT row(p.*) FROM p.preds p WHERE row_id IS NULL"));
    {
        mqttids_dataset *ds = mqttids_dataset_new();
        CHECK(mqttids_store_read(st, "p.preds", ds, NULL, NULL) == MQTTIDS_ERR_INVALID, "busy handle refused");
        CHECK(strstr(mqttids_store_errmsg(st), "busy") != NULL, "busy message: %s", mqttids_store_errmsg(st));
        mqttids_dataset_free(ds);
    }
    p.cls = 0;
    p.detail = NULL;
    CHECK(mqttids_store_sink_put(s, &p) == MQTTIDS_OK, "put 3");
    mqttids_store_sink_abort(s); /* the unflushed row is dropped */
    CHECK(!strcmp(q1("SELECT count(*) FROM p.preds"), "2"), "abort drops unflushed rows");

    /* one transaction: nothing visible before close; abort leaves nothing */
    s = NULL;
    CHECK(mqttids_store_sink_open(st, "p.preds", "lr", MQTTIDS_SINK_ONE_TRANSACTION, &s) == MQTTIDS_OK, "open 1tx");
    if (s) {
        for (int i = 0; i < 5000; i++) {
            p.row_id = i;
            p.cls = i % MQTTIDS_NCLASS;
            p.probability = 1.0 / (i + 1);
            mqttids_store_sink_put(s, &p);
        }
        CHECK(mqttids_store_sink_flush(s) == MQTTIDS_OK, "flush 1tx");
        CHECK(!strcmp(q1("SELECT count(*) FROM p.preds"), "2"), "1tx: not visible before close");
        CHECK(mqttids_store_sink_close(s, &rows) == MQTTIDS_OK && rows == 5000, "close 1tx: %s",
              mqttids_store_errmsg(st));
        {
            char want[64];
            long sum = 0;
            double psum = 0;
            for (int i = 0; i < 5000; i++) {
                sum += i % MQTTIDS_NCLASS;
                psum += 1.0 / (i + 1);
            }
            snprintf(want, sizeof want, "5000|%ld|%.6f", sum, psum);
            CHECK(!strcmp(q1("SELECT count(*) || '|' || sum(class_index) || '|' || round(sum(probability)::numeric, 6) "
                             "FROM p.preds WHERE model_id = 'lr'"), want),
                  "1tx rows: %s, want %s", q1("SELECT count(*) FROM p.preds WHERE model_id = 'lr'"), want);
        }
    }
    s = NULL;
    CHECK(mqttids_store_sink_open(st, "p.preds", "nn", MQTTIDS_SINK_ONE_TRANSACTION, &s) == MQTTIDS_OK, "open 1tx b");
    if (s) {
        mqttids_store_sink_put(s, &p);
        mqttids_store_sink_flush(s);
        mqttids_store_sink_abort(s);
    }
    CHECK(!strcmp(q1("SELECT count(*) FROM p.preds WHERE model_id = 'nn'"), "0"), "1tx abort leaves nothing");

    /* layout versions */
    q1("CREATE TABLE p.v7 (x int); COMMENT ON TABLE p.v7 IS 'mqttids predictions v7'");
    s = NULL;
    CHECK(mqttids_store_sink_open(st, "p.v7", "m", 0, &s) == MQTTIDS_ERR_VERSION && !s, "v7 refused");
    CHECK(strstr(mqttids_store_errmsg(st), "'mqttids predictions v7' found, 'mqttids predictions v1' expected") != NULL,
          "version message: %s", mqttids_store_errmsg(st));
}

static void test_load_read(mqttids_store *st)
{
    mqttids_dataset *ds = mqttids_dataset_new(), *nopay = mqttids_dataset_new(), *back = mqttids_dataset_new();
    mqttids_read_opts o;
    mqttids_read_report rep;
    mqttids_store_loader *ld = NULL;
    mqttids_store_sink *s = NULL;
    char errbuf[MQTTIDS_ERRBUF_SIZE];
    uint64_t rows = 0;
    FILE *rej;

    mqttids_read_opts_init(&o);
    o.keep_payload = 1;
    o.split = MQTTIDS_SPLIT_TRAIN;
    CHECK(mqttids_dataset_read_csv(ds, FLOOD, &o, NULL, errbuf) == MQTTIDS_OK, "read flood: %s", errbuf);
    o.keep_payload = 0;
    CHECK(mqttids_dataset_read_csv(nopay, FLOOD, &o, NULL, errbuf) == MQTTIDS_OK, "read flood");
    CHECK(mqttids_store_load(st, "r.t", ds, MQTTIDS_STORE_REPLACE, NULL, NULL, &rows) == MQTTIDS_OK && rows == 56,
          "load: %s", mqttids_store_errmsg(st));
    CHECK(mqttids_store_load(st, "r.t", nopay, MQTTIDS_STORE_REPLACE, NULL, NULL, NULL) == MQTTIDS_ERR_INVALID,
          "a dataset without mqtt.msg text is refused");
    CHECK(strstr(mqttids_store_errmsg(st), "keep_payload") != NULL, "message: %s", mqttids_store_errmsg(st));
    /* a loader aborted after sending rows leaves the table as it was */
    CHECK(mqttids_store_load_begin(st, "r.t", MQTTIDS_STORE_REPLACE, &ld) == MQTTIDS_OK, "begin");
    if (ld) {
        CHECK(mqttids_store_load_rows(ld, ds, 0, 10, NULL, NULL) == MQTTIDS_OK, "rows");
        CHECK(mqttids_store_load_rows(ld, ds, 50, 10, NULL, NULL) == MQTTIDS_ERR_INVALID, "rows out of range");
        mqttids_store_load_abort(ld);
    }
    CHECK(!strcmp(q1("SELECT count(*) FROM r.t"), "56"), "abort kept the table");
    CHECK(!strcmp(q1("SELECT count(*) FROM pg_class WHERE relname LIKE 'mqttids_load_%'"), "0"), "no leftovers");
    /* a records table is not a predictions table */
    CHECK(mqttids_store_sink_open(st, "r.t", "m", 0, &s) == MQTTIDS_ERR_VERSION && !s, "kind refused");

    /* bad rows in the table: FAIL names the row and column and appends nothing */
    q1("INSERT INTO r.t SELECT * FROM r.t WHERE row_id = 1");
    q1("UPDATE r.t SET tcp_flags = 'zz', row_id = 1000 WHERE ctid = (SELECT max(ctid) FROM r.t)");
    q1("ALTER TABLE r.t ALTER mqtt_len DROP NOT NULL"); /* the study's tables allow NULL */
    q1("INSERT INTO r.t SELECT * FROM r.t WHERE row_id = 2");
    q1("UPDATE r.t SET mqtt_len = NULL, row_id = 1001 WHERE ctid = (SELECT max(ctid) FROM r.t)");
    mqttids_read_opts_init(&o);
    CHECK(mqttids_store_read(st, "r.t", back, &o, &rep) == MQTTIDS_ERR_MALFORMED, "bad row fails");
    CHECK(strstr(mqttids_store_errmsg(st), "r.t: row_id 1000 (tcp_flags): 'zz' is not hex") != NULL, "message: %s",
          mqttids_store_errmsg(st));
    CHECK(mqttids_dataset_nrows(back) == 0, "nothing appended on failure");
    rej = tmpfile();
    o.on_error = MQTTIDS_ON_ERROR_SKIP;
    o.reject = rej;
    CHECK(mqttids_store_read(st, "r.t", back, &o, &rep) == MQTTIDS_OK, "skip: %s", mqttids_store_errmsg(st));
    CHECK(rep.rows_read == 58 && rep.rows_kept == 56 && rep.rows_rejected == 2, "skip counts %llu %llu %llu",
          (unsigned long long)rep.rows_read, (unsigned long long)rep.rows_kept, (unsigned long long)rep.rows_rejected);
    if (rej) {
        char buf[2048];
        size_t n;
        rewind(rej);
        n = fread(buf, 1, sizeof buf - 1, rej);
        buf[n] = '\0';
        CHECK(strstr(buf, "row_id 1001 (mqtt_len): NULL") != NULL, "reject text: %s", buf);
        fclose(rej);
    }
    /* the rows read back equal the rows loaded, in order, split from train_flag */
    CHECK(mqttids_dataset_nrows(back) == 56 && mqttids_dataset_count(back, MQTTIDS_SPLIT_TRAIN, -1) == 56, "split");
    {
        int same = 1;
        for (size_t i = 0; i < 56 && same; i++) {
            mqttids_record a, b;
            mqttids_dataset_get(ds, i, &a);
            mqttids_dataset_get(back, i, &b);
            for (int f = 0; f < MQTTIDS_NFEAT; f++)
                if (a.num[f] != b.num[f])
                    same = 0;
            same = same && a.label == b.label;
        }
        CHECK(same, "rows read back differ");
    }
    {
        mqttids_dataset *none = mqttids_dataset_new();
        CHECK(mqttids_store_read(st, "r.no_such_table", none, NULL, NULL) == MQTTIDS_ERR_NOT_FOUND, "missing table");
        CHECK(strstr(mqttids_store_errmsg(st), "does not exist") != NULL, "missing: %s", mqttids_store_errmsg(st));
        mqttids_dataset_free(none);
    }
    mqttids_dataset_free(ds);
    mqttids_dataset_free(nopay);
    mqttids_dataset_free(back);
}

int main(void)
{
    const char *dsn = getenv("MQTTIDS_TEST_PG_DSN");
    test_mask();
    if (dsn && *dsn) {
        mqttids_store *st = NULL;
        char errbuf[MQTTIDS_ERRBUF_SIZE];
        peer = PQconnectdb(dsn);
        CHECK(PQstatus(peer) == CONNECTION_OK, "peer connection: %s", PQerrorMessage(peer));
        CHECK(mqttids_store_open(dsn, &st, errbuf) == MQTTIDS_OK, "open: %s", errbuf);
        if (st && PQstatus(peer) == CONNECTION_OK) {
            test_sink(st);
            test_load_read(st);
        }
        mqttids_store_close(st);
        PQfinish(peer);
    } else {
        printf("MQTTIDS_TEST_PG_DSN not set: server checks run in integration.pg_api\n");
    }
    PASS();
}

#else

int main(void)
{
    printf("built without PostgreSQL support\n");
    return 77;
}

#endif
