/*
 * fuzz_codec.c: the Kafka record decoder (src/stream/codec.c, JSON and binary, record
 * format v1) on arbitrary bytes, with no extras and with two extras expected. Whatever
 * the decoder accepts has passed the dataset's validator; it must then survive a round
 * trip: encoded again as JSON and as binary, each decodes to the same id and the same
 * values (a record the decoder accepts but cannot write back is a bug: abort).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "mqttids/mqttids.h"
#include "mqttids/stream.h"

static int same(const mqttids_record *a, const mqttids_record *b)
{
    for (int f = 0; f < MQTTIDS_NFEAT; f++) {
        int sa = a->str[f] != NULL, sb = b->str[f] != NULL;
        if (memcmp(&a->num[f], &b->num[f], sizeof(double)) != 0 && !(a->num[f] == b->num[f]))
            return 0;
        if (sa != sb || (sa && (a->str_len[f] != b->str_len[f] || memcmp(a->str[f], b->str[f], a->str_len[f]) != 0)))
            return 0;
    }
    if (a->label != b->label || a->n_extra != b->n_extra)
        return 0;
    for (size_t k = 0; k < a->n_extra; k++)
        if (a->extra[k] != b->extra[k])
            return 0;
    return 1;
}

static void one(mqttids_codec *dec, mqttids_codec *enc, const uint8_t *data, size_t size)
{
    mqttids_record r, back;
    uint64_t id, id2;
    char eb[MQTTIDS_ERRBUF_SIZE];
    if (mqttids_codec_decode(dec, data, size, &r, &id, eb) != MQTTIDS_OK)
        return;
    for (int fmt = 0; fmt < 2; fmt++) {
        const void *p;
        size_t len;
        void *copy;
        if (mqttids_codec_encode(enc, (mqttids_stream_format)fmt, &r, id, &p, &len) != MQTTIDS_OK)
            abort();
        /* decode from a private copy: r's strings point into the decoder's buffers */
        copy = malloc(len ? len : 1);
        if (!copy)
            return;
        memcpy(copy, p, len);
        if (mqttids_codec_decode(enc, copy, len, &back, &id2, eb) != MQTTIDS_OK || id2 != id || !same(&r, &back))
            abort();
        free(copy);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static mqttids_codec *plain, *plain_enc, *two, *two_enc;
    static const char *const names[2] = {"ctx.a", "ctx.b"};
    if (!plain) {
        plain = mqttids_codec_new();
        plain_enc = mqttids_codec_new();
        two = mqttids_codec_new();
        two_enc = mqttids_codec_new();
        if (!plain || !plain_enc || !two || !two_enc || mqttids_codec_set_extras(two, names, 2) != MQTTIDS_OK ||
            mqttids_codec_set_extras(two_enc, names, 2) != MQTTIDS_OK)
            abort();
    }
    one(plain, plain_enc, data, size);
    one(two, two_enc, data, size);
    return 0;
}
