/*
 * fuzz_csv.c: libFuzzer target for the MQTTset CSV reader (header mapping, row parser,
 * validation, skip mode with a reject sink). The input is used as a whole CSV file.
 * Checks beyond "no crash": a successful read keeps rows_kept == nrows, and on failure
 * the dataset is left empty (nothing half-appended).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "mqttids/dataset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[] = "/tmp/mqttids_fuzz_csv_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return 0;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        unlink(path);
        return 0;
    }
    close(fd);
    for (int mode = 0; mode < 2; mode++) {
        mqttids_dataset *ds = mqttids_dataset_new();
        mqttids_read_opts o;
        mqttids_read_report rep;
        char errbuf[MQTTIDS_ERRBUF_SIZE];
        FILE *rej = fopen("/dev/null", "w");
        mqttids_err err;
        mqttids_read_opts_init(&o);
        o.on_error = mode ? MQTTIDS_ON_ERROR_SKIP : MQTTIDS_ON_ERROR_FAIL;
        o.keep_payload = mode;
        o.reject = rej;
        err = mqttids_dataset_read_csv(ds, path, &o, &rep, errbuf);
        if (err == MQTTIDS_OK && rep.rows_kept != mqttids_dataset_nrows(ds))
            abort();
        if (err != MQTTIDS_OK && mqttids_dataset_nrows(ds) != 0)
            abort();
        if (rej)
            fclose(rej);
        mqttids_dataset_free(ds);
    }
    unlink(path);
    return 0;
}
