/*
 * csv_bench.c: times the MQTTset CSV reader on one file (best of N runs, one core).
 * usage: csv_bench FILE [RUNS] [--payload]   prints: rows, bytes, seconds, MB/s
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "mqttids/dataset.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    int runs = argc > 2 ? atoi(argv[2]) : 3;
    int payload = argc > 3 && strcmp(argv[3], "--payload") == 0;
    double best = 1e30;
    size_t rows = 0;
    unsigned long long bytes = 0;
    if (argc < 2) {
        fprintf(stderr, "usage: csv_bench FILE [RUNS] [--payload]\n");
        return 2;
    }
    for (int r = 0; r < runs; r++) {
        mqttids_dataset *ds = mqttids_dataset_new();
        mqttids_read_opts o;
        mqttids_read_report rep;
        char errbuf[MQTTIDS_ERRBUF_SIZE];
        double t0 = now(), t;
        mqttids_read_opts_init(&o);
        o.keep_payload = payload;
        if (mqttids_dataset_read_csv(ds, argv[1], &o, &rep, errbuf) != MQTTIDS_OK) {
            fprintf(stderr, "%s\n", errbuf);
            return 1;
        }
        t = now() - t0;
        if (t < best)
            best = t;
        rows = mqttids_dataset_nrows(ds);
        bytes = rep.bytes;
        mqttids_dataset_free(ds);
    }
    printf("rows %zu bytes %llu seconds %.4f MB/s %.1f\n", rows, bytes, best, (double)bytes / best / 1e6);
    return 0;
}
