/*
 * fuzz_model.c: the model-file reader (ml__model_parse: header, pipeline, class names,
 * metadata, learner state) on arbitrary bytes. Each input is tried twice: as is (so the
 * magic/version/length/checksum checks are exercised) and with the payload length and
 * CRC-32C repaired (so mutations reach the payload parsers behind the checksum).
 * Any model that parses is also asked to predict one all-zero record.
 */
#include <stdlib.h>
#include <string.h>
#include "ml/ml_int.h"

static void try_parse(const uint8_t *data, size_t size)
{
    mqttids_model *m = NULL;
    char eb[MQTTIDS_ERRBUF_SIZE];
    if (ml__model_parse("fuzz.model", data, size, &m, eb) == MQTTIDS_OK) {
        mqttids_record r;
        double p[256], ex[4096] = {0};
        int c;
        mqttids_record_clear(&r);
        r.n_extra = mqttids_model_n_extra(m) <= 4096 ? mqttids_model_n_extra(m) : 0;
        r.extra = ex;
        (void)mqttids_model_predict_record(m, &r, &c, mqttids_model_nclasses(m) <= 256 ? p : NULL);
        mqttids_model_free(m);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *fix;
    try_parse(data, size);
    if (size < 44 || size > ((size_t)1 << 24))
        return 0;
    fix = malloc(size);
    if (!fix)
        return 0;
    memcpy(fix, data, size);
    {
        uint64_t plen = size - 44;
        uint32_t crc;
        for (int i = 0; i < 8; i++)
            fix[32 + i] = (uint8_t)(plen >> (8 * i));
        crc = util__crc32c(0, fix, size - 4);
        for (int i = 0; i < 4; i++)
            fix[size - 4 + (size_t)i] = (uint8_t)(crc >> (8 * i));
    }
    try_parse(fix, size);
    free(fix);
    return 0;
}
