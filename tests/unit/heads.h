/*
 * heads.h: the six shared MQTTset head CSVs (../shared/data/mqttset/derived_from_pcap) for the
 * learners' unit tests, split as MQTTset splits: per file the first 70% of rows train, the
 * rest test. Included after testhelp.h (uses CHECK). Test code only.
 */
#ifndef MQTTIDS_TEST_HEADS_H
#define MQTTIDS_TEST_HEADS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mqttids/dataset.h"

static const char *const head_files[] = {
    "legitimate_from_benign_pcap_head.csv", "dos_from_malariados_pcap_head.csv",
    "bruteforce_from_bruteforce_pcap_head.csv", "malformed_from_malformed_pcap_head.csv",
    "slowite_from_slowite_pcap_head.csv", "flood_from_flood_pcap_head.csv"};

/* Reads shared head CSV head_files[fi]; NULL (after saying why test `what` skips) when missing. */
static inline mqttids_dataset *read_head(size_t fi, const char *what)
{
    char err[MQTTIDS_ERRBUF_SIZE], path[1024];
    snprintf(path, sizeof path, "%s/derived_from_pcap/%s", MQTTIDS_SHARED_DATA, head_files[fi]);
    FILE *probe = fopen(path, "r");
    if (!probe) {
        printf("skip %s: %s missing\n", what, path);
        return NULL;
    }
    fclose(probe);
    mqttids_dataset *ds = mqttids_dataset_new();
    CHECK(mqttids_dataset_read_csv(ds, path, NULL, NULL, err) == MQTTIDS_OK, "read %s: %s", path, err);
    return ds;
}

/*
 * The 33 feature columns of the six heads into Xtr (first 70% of each file) and Xte (the
 * rest), rows of D = MQTTIDS_NFEAT doubles, at most cap rows each; labels into ytr/yte,
 * test rows per class into count_te. Returns the majority-class share of the test rows, or
 * -1 (after saying why test `what` skips) when a head is missing.
 */
static inline double heads_split(const char *what, size_t cap, double *Xtr, int *ytr, size_t *ntr, double *Xte,
                                 int *yte, size_t *nte, size_t count_te[MQTTIDS_NCLASS])
{
    const size_t D = MQTTIDS_NFEAT;
    size_t maj = 0;
    *ntr = *nte = 0;
    for (size_t fi = 0; fi < 6; fi++) {
        mqttids_dataset *ds = read_head(fi, what);
        if (!ds)
            return -1;
        size_t n = mqttids_dataset_nrows(ds), cut = n * 7 / 10;
        const int8_t *lab = mqttids_dataset_labels(ds);
        for (size_t i = 0; i < n && *ntr < cap && *nte < cap; i++) {
            double *row = i < cut ? Xtr + *ntr * D : Xte + *nte * D;
            for (size_t j = 0; j < D; j++)
                row[j] = mqttids_dataset_col_num(ds, j)[i];
            if (i < cut)
                ytr[(*ntr)++] = lab[i];
            else {
                yte[(*nte)++] = lab[i];
                count_te[lab[i]]++;
            }
        }
        mqttids_dataset_free(ds);
    }
    for (size_t c = 0; c < MQTTIDS_NCLASS; c++)
        if (count_te[c] > maj)
            maj = count_te[c];
    return *nte ? (double)maj / (double)*nte : -1;
}

/* The heads split (heads_split) in arrays owned by the struct: free with heads_xy_free. */
typedef struct heads_xy {
    double *Xtr, *Xte;                /* (ntr, D), (nte, D) row-major, D = MQTTIDS_NFEAT */
    int *ytr, *yte;
    size_t ntr, nte, count_te[MQTTIDS_NCLASS];
    double base;                      /* majority-class share of the test rows */
} heads_xy;

static inline void heads_xy_free(heads_xy *h)
{
    free(h->Xtr);
    free(h->Xte);
    free(h->ytr);
    free(h->yte);
    memset(h, 0, sizeof *h);
}

/* Loads the split, at most cap rows each side; 0, or -1 (h freed, after saying why test
   `what` skips) when a head is missing. */
static inline int heads_xy_load(heads_xy *h, const char *what, size_t cap)
{
    const size_t D = MQTTIDS_NFEAT;
    memset(h, 0, sizeof *h);
    h->Xtr = malloc(cap * D * sizeof *h->Xtr);
    h->Xte = malloc(cap * D * sizeof *h->Xte);
    h->ytr = malloc(cap * sizeof *h->ytr);
    h->yte = malloc(cap * sizeof *h->yte);
    h->base = heads_split(what, cap, h->Xtr, h->ytr, &h->ntr, h->Xte, h->yte, &h->nte, h->count_te);
    if (h->base < 0) {
        heads_xy_free(h);
        return -1;
    }
    return 0;
}

#endif
