/*
 * dataset.c: the columnar dataset: growth, dictionaries, append, subset, and the row
 * validator every source uses.
 *
 * Not here: parsing text (csv_read.c) or formatting it (csv_write.c).
 */
#define _GNU_SOURCE /* mremap */
#include <math.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <stdlib.h>
#include <sys/mman.h>
#include <string.h>
#include "dataset/dataset_int.h"
#include "util/util_int.h"

#define ARENA_CHUNK ((size_t)1 << 20)

static void *col_grow(void *old, size_t old_bytes, size_t new_bytes);
static void col_release(void *p, size_t bytes);

static void dict_free(ds_dict *d)
{
    char *chunk = d->arena;
    while (chunk) {
        char *prev;
        memcpy(&prev, chunk, sizeof prev);
        free(chunk);
        chunk = prev;
    }
    free(d->strs);
    free(d->lens);
    free(d->slots);
    memset(d, 0, sizeof *d);
}

static uint64_t hash_bytes(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static char *arena_copy(ds_dict *d, const char *s, size_t len)
{
    char *p;
    size_t need = len + 1;
    if (!d->arena || d->arena_used + need > d->arena_size) {
        size_t size = need + sizeof(char *) > ARENA_CHUNK ? need + sizeof(char *) : ARENA_CHUNK;
        char *chunk = malloc(size);
        if (!chunk)
            return NULL;
        memcpy(chunk, &d->arena, sizeof(char *));
        d->arena = chunk;
        d->arena_size = size;
        d->arena_used = sizeof(char *);
    }
    p = d->arena + d->arena_used;
    memcpy(p, s, len);
    p[len] = '\0';
    d->arena_used += need;
    return p;
}

static mqttids_err dict_rehash(ds_dict *d, size_t nslots)
{
    uint32_t *slots = calloc(nslots, sizeof *slots);
    if (!slots)
        return MQTTIDS_ERR_NOMEM;
    for (size_t c = 0; c < d->n; c++) {
        size_t i = hash_bytes(d->strs[c], d->lens[c]) & (nslots - 1);
        while (slots[i])
            i = (i + 1) & (nslots - 1);
        slots[i] = (uint32_t)c + 1;
    }
    free(d->slots);
    d->slots = slots;
    d->nslots = nslots;
    return MQTTIDS_OK;
}

mqttids_err dataset__dict_code(ds_dict *d, const char *s, size_t len, uint32_t *code)
{
    size_t i;
    if (d->n && d->lens[d->last] == len && memcmp(d->strs[d->last], s, len) == 0) {
        *code = d->last;
        return MQTTIDS_OK;
    }
    if (d->nslots == 0 && dict_rehash(d, 16) != MQTTIDS_OK)
        return MQTTIDS_ERR_NOMEM;
    i = hash_bytes(s, len) & (d->nslots - 1);
    while (d->slots[i]) {
        uint32_t c = d->slots[i] - 1;
        if (d->lens[c] == len && memcmp(d->strs[c], s, len) == 0) {
            d->last = c;
            *code = c;
            return MQTTIDS_OK;
        }
        i = (i + 1) & (d->nslots - 1);
    }
    if (d->n >= DS_MAX_DICT || len > UINT32_MAX)
        return MQTTIDS_ERR_NOMEM;
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        char **strs = realloc(d->strs, cap * sizeof *strs);
        uint32_t *lens;
        if (!strs)
            return MQTTIDS_ERR_NOMEM;
        d->strs = strs;
        lens = realloc(d->lens, cap * sizeof *lens);
        if (!lens)
            return MQTTIDS_ERR_NOMEM;
        d->lens = lens;
        d->cap = cap;
    }
    d->strs[d->n] = arena_copy(d, s, len);
    if (!d->strs[d->n])
        return MQTTIDS_ERR_NOMEM;
    d->lens[d->n] = (uint32_t)len;
    d->slots[i] = (uint32_t)d->n + 1;
    d->last = (uint32_t)d->n;
    *code = (uint32_t)d->n;
    d->n++;
    if (d->n * 2 > d->nslots)
        return dict_rehash(d, d->nslots * 2);
    return MQTTIDS_OK;
}

static int col_init(ds_col *c, const char *name, mqttids_kind kind, int keep_strings)
{
    memset(c, 0, sizeof *c);
    c->name = strdup(name);
    c->kind = kind;
    c->keep_strings = keep_strings;
    return c->name ? 0 : -1;
}

mqttids_dataset *mqttids_dataset_new(void)
{
    mqttids_dataset *ds = calloc(1, sizeof *ds);
    if (!ds)
        return NULL;
    ds->cols = calloc(MQTTIDS_NFEAT, sizeof *ds->cols);
    if (!ds->cols) {
        free(ds);
        return NULL;
    }
    ds->ncols = MQTTIDS_NFEAT;
    for (int f = 0; f < MQTTIDS_NFEAT; f++) {
        mqttids_kind k = mqttids_feat_kind(f);
        int keep = k != MQTTIDS_KIND_NUM && f != MQTTIDS_F_MSG;
        if (col_init(&ds->cols[f], mqttids_feat_name(f), k, keep) != 0) {
            mqttids_dataset_free(ds);
            return NULL;
        }
    }
    return ds;
}

void mqttids_dataset_free(mqttids_dataset *ds)
{
    if (!ds)
        return;
    for (size_t j = 0; j < ds->ncols; j++) {
        free(ds->cols[j].name);
        col_release(ds->cols[j].num, ds->cap * sizeof(double));
        col_release(ds->cols[j].codes, ds->cap * sizeof(uint32_t));
        dict_free(&ds->cols[j].dict);
    }
    free(ds->cols);
    col_release(ds->labels, ds->cap);
    col_release(ds->splits, ds->cap);
    free(ds);
}

void dataset__set_keep_payload(mqttids_dataset *ds, int keep)
{
    ds_col *c = &ds->cols[MQTTIDS_F_MSG];
    if (ds->nrows == 0 && !c->codes) {
        if (keep && ds->cap) {
            c->codes = col_grow(NULL, 0, ds->cap * sizeof *c->codes);
            if (!c->codes)
                return; /* stays without payload strings */
        }
        c->keep_strings = keep;
    }
    ds->keep_payload = keep;
}

/*
 * Column arrays are always zero-filled beyond the rows written. Large ones are anonymous
 * mappings grown with mremap: pages of a column that stays 0 (most MQTTset columns are 0 in
 * more than 99% of rows) are never written, so the kernel never has to clear them, and
 * growth never copies. The reader relies on this to skip storing zeros.
 */
#define BIG_BYTES ((size_t)256 << 10)

static size_t page_round(size_t n)
{
    size_t pg = 4096;
    return (n + pg - 1) & ~(pg - 1);
}

/*
 * A zero-filled anonymous mapping of n bytes (n a page multiple), 2 MiB aligned and marked
 * for transparent huge pages when it spans one: a dense column then costs one fault and one
 * page clear per 2 MiB instead of 512 faults, and pages of an all-zero column stay unmapped.
 */
#define HUGE_ALIGN ((size_t)2 << 20)
static void *map_zeroed(size_t n)
{
    char *raw, *p;
    size_t span;
    if (n < HUGE_ALIGN) {
        p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        return p == MAP_FAILED ? NULL : p;
    }
    span = n + HUGE_ALIGN;
    raw = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED)
        return NULL;
    p = (char *)(((uintptr_t)raw + HUGE_ALIGN - 1) & ~(uintptr_t)(HUGE_ALIGN - 1));
    if (p > raw)
        munmap(raw, (size_t)(p - raw));
    if (raw + span > p + n)
        munmap(p + n, (size_t)(raw + span - (p + n)));
#ifdef MADV_HUGEPAGE
    madvise(p, n, MADV_HUGEPAGE);
#endif
    return p;
}

static void *col_grow(void *old, size_t old_bytes, size_t new_bytes)
{
    void *p;
    if (new_bytes < BIG_BYTES) {
        p = realloc(old, new_bytes ? new_bytes : 1);
        if (p && new_bytes > old_bytes)
            memset((char *)p + old_bytes, 0, new_bytes - old_bytes);
        return p;
    }
    if (old && old_bytes >= BIG_BYTES) {
        p = mremap(old, page_round(old_bytes), page_round(new_bytes), MREMAP_MAYMOVE);
        return p == MAP_FAILED ? NULL : p;
    }
    p = map_zeroed(page_round(new_bytes));
    if (!p)
        return NULL;
    if (old) {
        memcpy(p, old, old_bytes);
        free(old);
    }
    return p;
}

static void col_release(void *p, size_t bytes)
{
    if (!p)
        return;
    if (bytes >= BIG_BYTES)
        munmap(p, page_round(bytes));
    else
        free(p);
}

void dataset__clear_rows(mqttids_dataset *ds, size_t from, size_t to);

static mqttids_err col_reserve(ds_col *c, size_t old_cap, size_t cap)
{
    double *num = col_grow(c->num, old_cap * sizeof *num, cap * sizeof *num);
    if (!num)
        return MQTTIDS_ERR_NOMEM;
    c->num = num;
    if (c->keep_strings) {
        uint32_t *codes = col_grow(c->codes, old_cap * sizeof *codes, cap * sizeof *codes);
        if (!codes)
            return MQTTIDS_ERR_NOMEM;
        c->codes = codes;
    }
    return MQTTIDS_OK;
}

mqttids_err dataset__reserve(mqttids_dataset *ds, size_t want)
{
    size_t cap;
    if (want <= ds->cap)
        return MQTTIDS_OK;
    if (want > DS_MAX_ROWS)
        return MQTTIDS_ERR_NOMEM;
    cap = ds->cap ? ds->cap : 1024;
    while (cap < want)
        cap *= 2;
    if (cap > DS_MAX_ROWS)
        cap = DS_MAX_ROWS;
    for (size_t j = 0; j < ds->ncols; j++)
        if (col_reserve(&ds->cols[j], ds->cap, cap) != MQTTIDS_OK)
            return MQTTIDS_ERR_NOMEM;
    {
        int8_t *labels = col_grow(ds->labels, ds->cap, cap);
        uint8_t *splits;
        if (!labels)
            return MQTTIDS_ERR_NOMEM;
        ds->labels = labels;
        splits = col_grow(ds->splits, ds->cap, cap);
        if (!splits)
            return MQTTIDS_ERR_NOMEM;
        ds->splits = splits;
    }
    ds->cap = cap;
    return MQTTIDS_OK;
}

size_t mqttids_dataset_nrows(const mqttids_dataset *ds) { return ds->nrows; }
size_t mqttids_dataset_ncols(const mqttids_dataset *ds) { return ds->ncols; }

const char *mqttids_dataset_col_name(const mqttids_dataset *ds, size_t col)
{
    return col < ds->ncols ? ds->cols[col].name : NULL;
}

mqttids_kind mqttids_dataset_col_kind(const mqttids_dataset *ds, size_t col)
{
    return col < ds->ncols ? ds->cols[col].kind : MQTTIDS_KIND_NUM;
}

int mqttids_dataset_col_find(const mqttids_dataset *ds, const char *name)
{
    size_t len = strlen(name);
    int f = mqttids_feat_find(name, len);
    if (f >= 0)
        return f;
    for (size_t j = MQTTIDS_NFEAT; j < ds->ncols; j++) {
        const char *a = ds->cols[j].name;
        size_t i;
        if (strlen(a) != len)
            continue;
        for (i = 0; i < len; i++) {
            char x = a[i] == '.' ? '_' : a[i], y = name[i] == '.' ? '_' : name[i];
            if (x >= 'A' && x <= 'Z')
                x = (char)(x - 'A' + 'a');
            if (y >= 'A' && y <= 'Z')
                y = (char)(y - 'A' + 'a');
            if (x != y)
                break;
        }
        if (i == len)
            return (int)j;
    }
    return -1;
}

const double *mqttids_dataset_col_num(const mqttids_dataset *ds, size_t col)
{
    return col < ds->ncols ? ds->cols[col].num : NULL;
}

const uint32_t *mqttids_dataset_col_codes(const mqttids_dataset *ds, size_t col)
{
    return (col < ds->ncols && ds->cols[col].keep_strings) ? ds->cols[col].codes : NULL;
}

size_t mqttids_dataset_dict_size(const mqttids_dataset *ds, size_t col)
{
    return col < ds->ncols ? ds->cols[col].dict.n : 0;
}

const char *mqttids_dataset_dict_str(const mqttids_dataset *ds, size_t col, uint32_t code)
{
    if (col >= ds->ncols || code >= ds->cols[col].dict.n)
        return NULL;
    return ds->cols[col].dict.strs[code];
}

const int8_t *mqttids_dataset_labels(const mqttids_dataset *ds) { return ds->labels; }
const uint8_t *mqttids_dataset_splits(const mqttids_dataset *ds) { return ds->splits; }
size_t mqttids_dataset_negative_deltas(const mqttids_dataset *ds) { return ds->neg_deltas; }

size_t mqttids_dataset_count(const mqttids_dataset *ds, int split, int cls)
{
    size_t n = 0;
    for (size_t i = 0; i < ds->nrows; i++)
        if (ds->splits[i] == split && (cls < 0 || ds->labels[i] == cls))
            n++;
    return n;
}

mqttids_err mqttids_dataset_add_column(mqttids_dataset *ds, const char *name, size_t *col)
{
    int found = mqttids_dataset_col_find(ds, name);
    ds_col *cols;
    if (found >= 0) {
        *col = (size_t)found;
        return MQTTIDS_OK;
    }
    if (ds->ncols >= DS_MAX_COLS)
        return MQTTIDS_ERR_NOMEM;
    cols = realloc(ds->cols, (ds->ncols + 1) * sizeof *cols);
    if (!cols)
        return MQTTIDS_ERR_NOMEM;
    ds->cols = cols;
    if (col_init(&cols[ds->ncols], name, MQTTIDS_KIND_NUM, 0) != 0)
        return MQTTIDS_ERR_NOMEM;
    if (ds->cap) {
        if (col_reserve(&cols[ds->ncols], 0, ds->cap) != MQTTIDS_OK) {
            free(cols[ds->ncols].name);
            col_release(cols[ds->ncols].num, ds->cap * sizeof(double));
            return MQTTIDS_ERR_NOMEM;
        }
    }
    *col = ds->ncols++;
    return MQTTIDS_OK;
}

static int is_zero_text(const char *s, uint32_t len)
{
    if (!s || len == 0)
        return 1;
    return (len == 1 && s[0] == '0') || (len == 3 && memcmp(s, "0.0", 3) == 0);
}

mqttids_err mqttids_dataset_append(mqttids_dataset *ds, const mqttids_record *r,
                                   mqttids_split split, const size_t *extra_cols)
{
    size_t i = ds->nrows;
    if (dataset__reserve(ds, i + 1) != MQTTIDS_OK)
        return MQTTIDS_ERR_NOMEM;
    for (int f = 0; f < MQTTIDS_NFEAT; f++) {
        ds_col *c = &ds->cols[f];
        if (c->kind == MQTTIDS_KIND_TEXT)
            c->num[i] = is_zero_text(r->str[f], r->str_len[f]) ? 0.0 : 1.0;
        else
            c->num[i] = r->num[f];
        if (c->keep_strings) {
            const char *s = r->str[f];
            size_t len = r->str_len[f];
            char hexbuf[16];
            if (!s) {
                s = "0";
                len = 1;
                if (c->kind == MQTTIDS_KIND_HEX && r->num[f] != 0.0) {
                    int n = snprintf(hexbuf, sizeof hexbuf, "0x%08llx", (unsigned long long)r->num[f]);
                    s = hexbuf;
                    len = (size_t)n;
                }
            }
            if (dataset__dict_code(&c->dict, s, len, &c->codes[i]) != MQTTIDS_OK)
                return MQTTIDS_ERR_NOMEM;
        }
    }
    for (size_t j = MQTTIDS_NFEAT; j < ds->ncols; j++)
        ds->cols[j].num[i] = 0.0;
    for (size_t k = 0; k < r->n_extra; k++) {
        size_t j = extra_cols ? extra_cols[k] : MQTTIDS_NFEAT + k;
        if (j < ds->ncols)
            ds->cols[j].num[i] = r->extra[k];
    }
    ds->labels[i] = (int8_t)(r->label >= 0 && r->label < MQTTIDS_NCLASS ? r->label : -1);
    ds->splits[i] = (uint8_t)split;
    if (r->num[MQTTIDS_F_TCP_TIME_DELTA] < 0)
        ds->neg_deltas++;
    ds->nrows = i + 1;
    return MQTTIDS_OK;
}

void mqttids_dataset_get(const mqttids_dataset *ds, size_t i, mqttids_record *r)
{
    mqttids_record_clear(r);
    if (i >= ds->nrows)
        return;
    for (int f = 0; f < MQTTIDS_NFEAT; f++) {
        const ds_col *c = &ds->cols[f];
        r->num[f] = c->num[i];
        if (c->keep_strings) {
            uint32_t code = c->codes[i];
            r->str[f] = c->dict.strs[code];
            r->str_len[f] = c->dict.lens[code];
        }
    }
    r->label = ds->labels[i];
    r->n_extra = 0;
    r->extra = NULL;
}

void mqttids_dataset_truncate(mqttids_dataset *ds, size_t n)
{
    if (n >= ds->nrows)
        return;
    for (size_t i = n; i < ds->nrows; i++)
        if (ds->cols[MQTTIDS_F_TCP_TIME_DELTA].num[i] < 0)
            ds->neg_deltas--;
    dataset__clear_rows(ds, n, ds->nrows + 1 <= ds->cap ? ds->nrows + 1 : ds->cap);
    ds->nrows = n;
}

void dataset__clear_rows(mqttids_dataset *ds, size_t from, size_t to)
{
    if (to > ds->cap)
        to = ds->cap;
    if (from >= to)
        return;
    for (size_t j = 0; j < ds->ncols; j++) {
        memset(ds->cols[j].num + from, 0, (to - from) * sizeof(double));
        if (ds->cols[j].codes)
            memset(ds->cols[j].codes + from, 0, (to - from) * sizeof(uint32_t));
    }
}

mqttids_dataset *mqttids_dataset_subset(const mqttids_dataset *ds, const size_t *idx, size_t n)
{
    mqttids_dataset *out = mqttids_dataset_new();
    if (!out)
        return NULL;
    dataset__set_keep_payload(out, ds->keep_payload);
    out->cols[MQTTIDS_F_MSG].keep_strings = ds->cols[MQTTIDS_F_MSG].keep_strings;
    for (size_t j = MQTTIDS_NFEAT; j < ds->ncols; j++) {
        size_t col;
        if (mqttids_dataset_add_column(out, ds->cols[j].name, &col) != MQTTIDS_OK)
            goto out_fail;
    }
    if (dataset__reserve(out, n ? n : 1) != MQTTIDS_OK)
        goto out_fail;
    /* Same dictionaries, same codes: copy every string in code order. */
    for (size_t j = 0; j < ds->ncols; j++) {
        const ds_dict *d = &ds->cols[j].dict;
        if (!ds->cols[j].keep_strings)
            continue;
        for (size_t c = 0; c < d->n; c++) {
            uint32_t code;
            if (dataset__dict_code(&out->cols[j].dict, d->strs[c], d->lens[c], &code) != MQTTIDS_OK)
                goto out_fail;
        }
    }
    for (size_t j = 0; j < ds->ncols; j++) {
        const ds_col *src = &ds->cols[j];
        ds_col *dst = &out->cols[j];
        for (size_t k = 0; k < n; k++)
            dst->num[k] = src->num[idx[k]];
        if (src->keep_strings)
            for (size_t k = 0; k < n; k++)
                dst->codes[k] = src->codes[idx[k]];
    }
    for (size_t k = 0; k < n; k++) {
        out->labels[k] = ds->labels[idx[k]];
        out->splits[k] = ds->splits[idx[k]];
        if (out->cols[MQTTIDS_F_TCP_TIME_DELTA].num[k] < 0)
            out->neg_deltas++;
    }
    out->nrows = n;
    return out;
out_fail:
    mqttids_dataset_free(out);
    return NULL;
}

mqttids_err mqttids_dataset_split_rows(const mqttids_dataset *ds, int split, size_t **idx, size_t *n)
{
    size_t cnt = mqttids_dataset_count(ds, split, -1), k = 0;
    size_t *out = malloc((cnt ? cnt : 1) * sizeof *out);
    if (!out)
        return MQTTIDS_ERR_NOMEM;
    for (size_t i = 0; i < ds->nrows; i++)
        if (ds->splits[i] == split)
            out[k++] = i;
    *idx = out;
    *n = cnt;
    return MQTTIDS_OK;
}

/* ---------------------------------------------------------------------------------- */
/* Validation: the column notes of the study's README, widened only where MQTT itself  */
/* allows more (MQTT 5 reason codes, will QoS 0..2, bridge protocol versions).          */

typedef struct rule {
    double min, max;
    int integral;
    const char *text;
} rule;

static const rule rules[MQTTIDS_NFEAT] = {
    [MQTTIDS_F_TCP_FLAGS] = {0, 0xFFF, 1, "tcp.flags must be 0 or 0x... within 12 bits"},
    [MQTTIDS_F_TCP_TIME_DELTA] = {-1e9, 1e9, 0, "tcp.time_delta must be a finite number of seconds"},
    [MQTTIDS_F_TCP_LEN] = {0, 65535, 1, "tcp.len must be an integer 0..65535 (less than 65536)"},
    [MQTTIDS_F_CONACK_FLAGS] = {0, 0xFF, 1, "mqtt.conack.flags must be 0 or 0x... within 8 bits"},
    [MQTTIDS_F_CONACK_FLAGS_RESERVED] = {0, 1, 1, "mqtt.conack.flags.reserved must be 0 or 1"},
    [MQTTIDS_F_CONACK_FLAGS_SP] = {0, 1, 1, "mqtt.conack.flags.sp must be 0 or 1"},
    [MQTTIDS_F_CONACK_VAL] = {0, 255, 1, "mqtt.conack.val must be 0..5 (MQTT 3.1.1) or an MQTT 5 reason code 128..162"},
    [MQTTIDS_F_CONFLAG_CLEANSESS] = {0, 1, 1, "mqtt.conflag.cleansess must be 0 or 1"},
    [MQTTIDS_F_CONFLAG_PASSWD] = {0, 1, 1, "mqtt.conflag.passwd must be 0 or 1"},
    [MQTTIDS_F_CONFLAG_QOS] = {0, 3, 1, "mqtt.conflag.qos must be 0..3 (two bits)"},
    [MQTTIDS_F_CONFLAG_RESERVED] = {0, 1, 1, "mqtt.conflag.reserved must be 0 or 1"},
    [MQTTIDS_F_CONFLAG_RETAIN] = {0, 1, 1, "mqtt.conflag.retain must be 0 or 1"},
    [MQTTIDS_F_CONFLAG_UNAME] = {0, 1, 1, "mqtt.conflag.uname must be 0 or 1"},
    [MQTTIDS_F_CONFLAG_WILLFLAG] = {0, 1, 1, "mqtt.conflag.willflag must be 0 or 1"},
    [MQTTIDS_F_CONFLAGS] = {0, 0xFF, 1, "mqtt.conflags must be 0 or 0x... within 8 bits"},
    [MQTTIDS_F_DUPFLAG] = {0, 1, 1, "mqtt.dupflag must be 0 or 1"},
    [MQTTIDS_F_HDRFLAGS] = {0, 0xFF, 1, "mqtt.hdrflags must be 0 or 0x... within 8 bits"},
    [MQTTIDS_F_KALIVE] = {0, 65535, 1, "mqtt.kalive must be an integer 0..65535"},
    [MQTTIDS_F_LEN] = {0, 268435455, 1, "mqtt.len must be an integer 0..268435455 (MQTT remaining length)"},
    [MQTTIDS_F_MSG] = {0, 1, 1, "mqtt.msg must be 0, hex digits or <MISSING>"},
    [MQTTIDS_F_MSGID] = {0, 65535, 1, "mqtt.msgid must be an integer 0..65535"},
    [MQTTIDS_F_MSGTYPE] = {0, 15, 1, "mqtt.msgtype must be an integer 0..15"},
    [MQTTIDS_F_PROTO_LEN] = {0, 65535, 1, "mqtt.proto_len must be an integer 0..65535"},
    [MQTTIDS_F_PROTONAME] = {0, 1, 1, "mqtt.protoname must be UTF-8 text without NUL bytes"},
    [MQTTIDS_F_QOS] = {0, 3, 1, "mqtt.qos must be an integer 0..3"},
    [MQTTIDS_F_RETAIN] = {0, 1, 1, "mqtt.retain must be 0 or 1"},
    [MQTTIDS_F_SUB_QOS] = {0, 3, 1, "mqtt.sub.qos must be an integer 0..3"},
    [MQTTIDS_F_SUBACK_QOS] = {0, 255, 1, "mqtt.suback.qos must be an integer 0..255"},
    [MQTTIDS_F_VER] = {0, 255, 1, "mqtt.ver must be an integer 0..255"},
    [MQTTIDS_F_WILLMSG] = {0, 1, 1, "mqtt.willmsg must be UTF-8 text without NUL bytes"},
    [MQTTIDS_F_WILLMSG_LEN] = {0, 65535, 1, "mqtt.willmsg_len must be an integer 0..65535"},
    [MQTTIDS_F_WILLTOPIC] = {0, 1, 1, "mqtt.willtopic must be UTF-8 text without NUL bytes"},
    [MQTTIDS_F_WILLTOPIC_LEN] = {0, 65535, 1, "mqtt.willtopic_len must be an integer 0..65535"},
};

int dataset__all_hex(const char *s, size_t len)
{
    size_t i = 0;
#ifdef __SSE2__
    const __m128i lo_digit = _mm_set1_epi8('0' - 1), hi_digit = _mm_set1_epi8('9' + 1);
    const __m128i lo_alpha = _mm_set1_epi8('a' - 1), hi_alpha = _mm_set1_epi8('f' + 1);
    const __m128i to_lower = _mm_set1_epi8(0x20);
    for (; i + 16 <= len; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(v, lo_digit), _mm_cmplt_epi8(v, hi_digit));
        __m128i l = _mm_or_si128(v, to_lower);
        __m128i alpha = _mm_and_si128(_mm_cmpgt_epi8(l, lo_alpha), _mm_cmplt_epi8(l, hi_alpha));
        if (_mm_movemask_epi8(_mm_or_si128(digit, alpha)) != 0xFFFF)
            return 0;
    }
#endif
    for (; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        unsigned char l = (unsigned char)(c | 0x20);
        if (!((c >= '0' && c <= '9') || (l >= 'a' && l <= 'f')))
            return 0;
    }
    return 1;
}

int dataset__valid_utf8(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (p < end) {
        unsigned c = *p;
        size_t n;
        unsigned cp;
        if (c < 0x80) {
            p++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF)
            n = 1, cp = c & 0x1F;
        else if (c >= 0xE0 && c <= 0xEF)
            n = 2, cp = c & 0x0F;
        else if (c >= 0xF0 && c <= 0xF4)
            n = 3, cp = c & 0x07;
        else
            return 0; /* a continuation byte, an overlong lead (C0, C1) or beyond U+10FFFF */
        if ((size_t)(end - p) <= n)
            return 0;
        for (size_t k = 1; k <= n; k++) {
            if ((p[k] & 0xC0) != 0x80)
                return 0;
            cp = cp << 6 | (p[k] & 0x3F);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0; /* overlong, too large, or a UTF-16 surrogate */
        p += n + 1;
    }
    return 1;
}

double dataset__text_num(const char *s, size_t len)
{
    return is_zero_text(s, (uint32_t)len) ? 0.0 : 1.0;
}

int dataset__parse_field(int f, const char *s, size_t len, double *num, int *zero_hex, char *why, size_t why_size)
{
    mqttids_kind k = mqttids_feat_kind(f);
    int l40 = len > 40 ? 40 : (int)len;
    *zero_hex = 0;
    if (len == 0) {
        snprintf(why, why_size, "empty field (MQTTset files write missing values as 0)");
        return 0;
    }
    if (k == MQTTIDS_KIND_NUM) {
        if (util__parse_double(s, len, num) != 0 || !isfinite(*num)) {
            if (memchr(s, '\0', len))
                snprintf(why, why_size, "NUL byte in a number");
            else
                snprintf(why, why_size, "'%.*s' is not a number", l40, s);
            return 0;
        }
    } else if (k == MQTTIDS_KIND_HEX) {
        uint64_t v;
        if (util__parse_hex(s, len, &v) != 0) {
            double d;
            /* Spark/PostgreSQL exports may turn a lone 0 into 0.0 */
            if (util__parse_double(s, len, &d) == 0 && d == 0.0) {
                v = 0;
                *zero_hex = 1;
            } else {
                snprintf(why, why_size, "'%.*s' is not hex (0x...) or 0", l40, s);
                return 0;
            }
        }
        *num = (double)v;
    } else {
        *num = is_zero_text(s, (uint32_t)len) ? 0.0 : 1.0;
    }
    return 1;
}

int dataset__valid_num(int f, double v, char *why, size_t why_size)
{
    const rule *ru = &rules[f];
    int bad = !(v >= ru->min && v <= ru->max) || (ru->integral && v != floor(v));
    if (!bad && f == MQTTIDS_F_CONACK_VAL && v > 5 && (v < 128 || v > 162))
        bad = 1;
    if (bad && why)
        snprintf(why, why_size, "%s", ru->text);
    return !bad;
}

int dataset__valid_text(int f, const char *s, size_t len, char *why, size_t why_size)
{
    int ok = 1;
    if (!s)
        return 1;
    if (f == MQTTIDS_F_MSG)
        /* tshark 4 prints an empty PUBLISH payload as <MISSING> (mqttids extract does too) */
        ok = is_zero_text(s, (uint32_t)len) || dataset__all_hex(s, len) ||
             (len == 9 && memcmp(s, "<MISSING>", 9) == 0);
    else if (memchr(s, '\0', len) || !dataset__valid_utf8(s, len))
        ok = 0; /* control bytes stay: tshark prints them raw in a hostile CONNECT's protoname */
    if (!ok && why)
        snprintf(why, why_size, "%s", rules[f].text);
    return ok;
}

int dataset__validate(const mqttids_record *r, char *why, size_t why_size)
{
    for (int f = 0; f < MQTTIDS_NFEAT; f++) {
        mqttids_kind k = mqttids_feat_kind(f);
        if (k == MQTTIDS_KIND_TEXT && r->str[f]) {
            if (!dataset__valid_text(f, r->str[f], r->str_len[f], why, why_size))
                return f;
            if (r->num[f] != dataset__text_num(r->str[f], r->str_len[f])) {
                /* a model reads the numeric view: it must be the text's 0/1 */
                snprintf(why, why_size, "%s (its numeric view must be 0 for a zero text, else 1)", rules[f].text);
                return f;
            }
        } else if (!dataset__valid_num(f, r->num[f], why, why_size)) {
            /* TEXT without its string: the numeric view must be 0 or 1 */
            return f;
        } else if (k == MQTTIDS_KIND_HEX && r->str[f]) {
            /* the text must say the value the record carries */
            double v;
            int zero;
            char tmp[8];
            if (!dataset__parse_field(f, r->str[f], r->str_len[f], &v, &zero, tmp, sizeof tmp) || v != r->num[f]) {
                snprintf(why, why_size, "%s (its text and value differ)", rules[f].text);
                return f;
            }
        }
    }
    if (r->label < -1 || r->label >= MQTTIDS_NCLASS) {
        snprintf(why, why_size, "label %d is not a class index", r->label);
        return MQTTIDS_NFEAT;
    }
    for (size_t k = 0; k < r->n_extra; k++)
        if (!isfinite(r->extra[k])) {
            snprintf(why, why_size, "extra value %zu must be a finite number", k + 1);
            return MQTTIDS_NFEAT + 1 + (int)k;
        }
    return -1;
}
