/*
 * bench_io.h: what the benchmark drivers share: numpy .npy output (the peers read the same
 * matrices with numpy.load) and reading a comma-separated list of labeled CSVs. Bench code only.
 */
#ifndef MQTTIDS_BENCH_IO_H
#define MQTTIDS_BENCH_IO_H

#include <stdio.h>
#include <string.h>
#include "mqttids/dataset.h"

/* Writes n rows of d elements (d 0: a vector) of elem bytes as a version 1.0 .npy file. */
static inline int write_npy(const char *path, const void *data, const char *descr, size_t n, size_t d,
                     size_t elem)
{
    char hdr[128];
    int len = d ? snprintf(hdr, sizeof hdr, "{'descr': '%s', 'fortran_order': False, 'shape': (%zu, %zu), }",
                           descr, n, d)
                : snprintf(hdr, sizeof hdr, "{'descr': '%s', 'fortran_order': False, 'shape': (%zu,), }",
                           descr, n);
    size_t total = 10 + (size_t)len + 1;
    size_t pad = (64 - total % 64) % 64;
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0, 0};
    size_t hl = (size_t)len + pad + 1;
    pre[8] = (unsigned char)(hl & 0xff);
    pre[9] = (unsigned char)(hl >> 8);
    fwrite(pre, 1, 10, f);
    fwrite(hdr, 1, (size_t)len, f);
    for (size_t i = 0; i < pad; i++)
        fputc(' ', f);
    fputc('\n', f);
    fwrite(data, elem, n * (d ? d : 1), f);
    return fclose(f);
}

/* Reads every file of a comma-separated list into ds with the given split tag. */
static inline int read_list(mqttids_dataset *ds, const char *list, mqttids_split split, char *err)
{
    char buf[8192];
    mqttids_read_opts o;
    mqttids_read_opts_init(&o);
    o.split = split;
    o.require_label = 1;
    snprintf(buf, sizeof buf, "%s", list);
    for (char *p = buf, *e; p; p = e) {
        e = strchr(p, ',');
        if (e)
            *e++ = '\0';
        if (*p && mqttids_dataset_read_csv(ds, p, &o, NULL, err))
            return -1;
    }
    return 0;
}

#endif
