/*
 * test_groups.c: evaluation by packet, connection and host (src/ml/groups.c) on hand-built
 * rows whose expected figures are worked out by hand in the comments: group indices per
 * (file, id), the alert threshold, group true/predicted classes, alerted shares, macro-F1.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "mqttids/ml.h"
#include "testhelp.h"

enum { L = MQTTIDS_CLASS_LEGITIMATE, D = MQTTIDS_CLASS_DOS, B = MQTTIDS_CLASS_BRUTEFORCE,
       M = MQTTIDS_CLASS_MALFORMED, F = MQTTIDS_CLASS_FLOOD };

static int near(double a, double b)
{
    return fabs(a - b) < 1e-12;
}

static void test_index(void)
{
    /* (part, key): (0,5) (0,7) (1,5) (1,NaN) (0,5) (0,-1) (0,-0.0) (0,0) -> 0 1 2 - 0 - 3 3 */
    const uint32_t part[8] = {0, 0, 1, 1, 0, 0, 0, 0};
    const double key[8] = {5, 7, 5, NAN, 5, -1, -0.0, 0};
    const size_t want[8] = {0, 1, 2, MQTTIDS_GROUP_NONE, 0, MQTTIDS_GROUP_NONE, 3, 3};
    size_t g[8], ng = 99;
    CHECK(mqttids_group_index(part, key, 8, g, &ng) == MQTTIDS_OK, "group_index");
    CHECK(ng == 4, "4 groups (%zu)", ng);
    for (int i = 0; i < 8; i++)
        CHECK(g[i] == want[i], "row %d: group %zu, want %zu", i, g[i], want[i]);
    /* without part every file is one: (5) (7) (5) -> 0 1 0 */
    CHECK(mqttids_group_index(NULL, key, 3, g, &ng) == MQTTIDS_OK && ng == 2 && g[0] == 0 && g[1] == 1 && g[2] == 0,
          "no part: %zu groups", ng);
    /* many groups: the table grows; indices stay dense in order of first appearance */
    {
        static double k2[5000];
        static size_t g2[5000];
        int ok = 1;
        for (int i = 0; i < 5000; i++)
            k2[i] = (double)((i % 2500) * 3 + 1);
        CHECK(mqttids_group_index(NULL, k2, 5000, g2, &ng) == MQTTIDS_OK && ng == 2500, "2500 groups (%zu)", ng);
        for (int i = 0; i < 5000; i++)
            ok &= g2[i] == (size_t)(i % 2500);
        CHECK(ok, "dense indices in order of first appearance");
    }
}

static void test_threshold(void)
{
    /* k = 6; row 0 dos p 0.9 stays; row 1 dos p 0.4 -> legitimate; row 2 legitimate stays;
       row 3 malformed p 0.5 stays (>= P) */
    int pred[4] = {D, D, L, M};
    double proba[4 * 6];
    memset(proba, 0, sizeof proba);
    proba[0 * 6 + D] = 0.9;
    proba[1 * 6 + D] = 0.4;
    proba[2 * 6 + L] = 0.3;
    proba[3 * 6 + M] = 0.5;
    mqttids_alert_threshold(pred, proba, 4, 6, 0.5);
    CHECK(pred[0] == D && pred[1] == L && pred[2] == L && pred[3] == M, "threshold: %d %d %d %d", pred[0], pred[1],
          pred[2], pred[3]);
    pred[1] = D;
    mqttids_alert_threshold(pred, proba, 4, 6, 0);
    CHECK(pred[1] == D, "P = 0 changes nothing");
}

static void test_connections(void)
{
    /*
     * file 0, stream 0: truth L L L (+1 unlabeled row predicted dos), pred L L L -> L, not alerted
     * file 0, stream 1: truth D D D D, pred L D F D      -> alerted, predicted dos (2 vs 1)
     * file 0, stream 2: truth B B, pred L L               -> missed, predicted legitimate
     * file 1, stream 0: truth L L, pred L M               -> false alarm, predicted malformed
     * file 1, stream 1: truth F F L (mixed), pred F D L   -> true flood; dos/flood tie -> dos
     * file 0, stream -1: truth D, pred D                  -> no group (left out)
     * Connections: true L D B L F, predicted L D L M D.
     * support L 2, D 1, B 1, F 1; alerted L 1 (0.5), D 1, B 0, F 1; mixed 1; rows 14, 1 without id.
     * Confusion: L tp 1, predicted 2, support 2 -> P .5 R .5 F1 .5; D tp 1, predicted 2, support 1
     * -> P .5 R 1 F1 2/3; B, M (predicted once, support 0), F: F1 0. Macro over the 5 labels
     * present: (0.5 + 2/3) / 5 = 0.2333...; accuracy 2/5.
     */
    const uint32_t part[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0};
    const double stream[16] = {0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 0, 0, 1, 1, 1, -1};
    const int truth[16] = {L, L, L, -1, D, D, D, D, B, B, L, L, F, F, L, D};
    const int pred[16] = {L, L, L, D, L, D, F, D, L, L, L, M, F, D, L, D};
    size_t g[16], ng;
    mqttids_group_metrics gm;
    CHECK(mqttids_group_index(part, stream, 16, g, &ng) == MQTTIDS_OK && ng == 5, "5 connections (%zu)", ng);
    CHECK(mqttids_group_metrics_compute(truth, pred, g, 16, ng, &gm) == MQTTIDS_OK, "compute");
    CHECK(gm.groups == 5 && gm.rows == 14 && gm.rows_no_group == 1 && gm.mixed == 1, "groups %zu rows %zu none %zu mixed %zu",
          gm.groups, gm.rows, gm.rows_no_group, gm.mixed);
    CHECK(gm.support[L] == 2 && gm.support[D] == 1 && gm.support[B] == 1 && gm.support[F] == 1 && gm.support[M] == 0,
          "support");
    CHECK(gm.alerted[L] == 1 && gm.alerted[D] == 1 && gm.alerted[B] == 0 && gm.alerted[F] == 1, "alerted");
    CHECK(near(gm.alerted_share[L], 0.5) && near(gm.alerted_share[D], 1) && near(gm.alerted_share[B], 0) &&
              near(gm.alerted_share[F], 1),
          "shares %g %g %g %g", gm.alerted_share[L], gm.alerted_share[D], gm.alerted_share[B], gm.alerted_share[F]);
    CHECK(gm.m.confusion[L][L] == 1 && gm.m.confusion[D][D] == 1 && gm.m.confusion[B][L] == 1 &&
              gm.m.confusion[L][M] == 1 && gm.m.confusion[F][D] == 1,
          "confusion");
    CHECK(near(gm.m.precision[L], 0.5) && near(gm.m.recall[L], 0.5) && near(gm.m.f1[L], 0.5), "legitimate P/R/F1");
    CHECK(near(gm.m.precision[D], 0.5) && near(gm.m.recall[D], 1) && near(gm.m.f1[D], 2.0 / 3), "dos P/R/F1");
    CHECK(near(gm.m.macro_f1, (0.5 + 2.0 / 3) / 5), "macro-F1 %.17g", gm.m.macro_f1);
    CHECK(near(gm.m.accuracy, 0.4), "accuracy %g", gm.m.accuracy);

    /* packet level (one group per row): 15 labeled rows; alerted rows per true class:
       L 1 of 6 (row 11), D 4 of 5 (rows 5-7 and 15), B 0 of 2, F 2 of 2 */
    CHECK(mqttids_group_metrics_compute(truth, pred, NULL, 16, 0, &gm) == MQTTIDS_OK, "packet level");
    CHECK(gm.groups == 15 && gm.support[L] == 6 && gm.alerted[L] == 1 && gm.support[D] == 5 && gm.alerted[D] == 4 &&
              gm.alerted[B] == 0 && gm.alerted[F] == 2,
          "packet support/alerted");
    {
        mqttids_metrics ref;
        mqttids_metrics_compute(truth, pred, 16, &ref);
        CHECK(near(gm.m.macro_f1, ref.macro_f1) && gm.m.n == ref.n, "packet level = the plain metrics");
    }
}

static void test_hosts(void)
{
    /* host ids 2130706452 (127.0.0.20) in files 0 and 1 are two hosts: file 0's is legitimate
       with one alert (false alarm), file 1's dos with alerts; file 0's 2130706453 is a missed
       bruteforce host. Hosts: true L D B, predicted D D L; alerted L 1/1, D 1/1, B 0/1. */
    const uint32_t part[6] = {0, 0, 1, 1, 0, 0};
    const double host[6] = {2130706452.0, 2130706452.0, 2130706452.0, 2130706452.0, 2130706453.0, 2130706453.0};
    const int truth[6] = {L, L, D, D, B, B};
    const int pred[6] = {L, D, D, L, L, L};
    size_t g[6], ng;
    mqttids_group_metrics gm;
    CHECK(mqttids_group_index(part, host, 6, g, &ng) == MQTTIDS_OK && ng == 3, "3 hosts (%zu)", ng);
    CHECK(mqttids_group_metrics_compute(truth, pred, g, 6, ng, &gm) == MQTTIDS_OK, "compute");
    CHECK(gm.alerted[L] == 1 && gm.alerted[D] == 1 && gm.alerted[B] == 0 && gm.m.confusion[L][D] == 1 &&
              gm.m.confusion[D][D] == 1 && gm.m.confusion[B][L] == 1,
          "hosts");
    CHECK(strcmp(mqttids_level_name(MQTTIDS_LEVEL_HOST), "host") == 0 && mqttids_level_name(3) == NULL, "names");
}

int main(void)
{
    test_index();
    test_threshold();
    test_connections();
    test_hosts();
    PASS();
}
