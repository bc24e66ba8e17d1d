/*
 * stream.c: the TCP stream table. A chained hash over the canonical 5-tuple plus an LRU
 * list (least recently seen first) so the idle timeout and the cap evict in O(1).
 * Not here: what a stream's state means (decode.c).
 */
#include <stdlib.h>
#include <string.h>
#include "capture/capture_int.h"

_Static_assert(sizeof(cap_key) == 40, "cap_key is hashed as five 64-bit words");

static uint64_t key_hash(const cap_key *k)
{
    uint64_t w[5], h = 0x9e3779b97f4a7c15ULL;
    memcpy(w, k, sizeof w);
    for (int i = 0; i < 5; i++) {
        h ^= w[i];
        h *= 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    }
    return h ^ (h >> 29);
}

int capture__table_init(cap_table *t, size_t max_streams, double idle_s)
{
    memset(t, 0, sizeof *t);
    t->max = max_streams ? max_streams : ((size_t)1 << 20);
    t->nbuckets = 1024;
    t->idle_ns = idle_s > 0 ? (int64_t)(idle_s * 1e9) : 0;
    t->buckets = calloc(t->nbuckets, sizeof *t->buckets);
    return t->buckets ? 0 : -1;
}

static void stream_free_bufs(cap_table *t, cap_stream *s)
{
    for (int k = 0; k < 2; k++) {
        t->pend_bytes -= s->d[k].pend_cap;
        free(s->d[k].pend);
        s->d[k].pend = NULL;
        s->d[k].pend_cap = 0;
    }
}

void capture__table_free(cap_table *t)
{
    cap_stream *s = t->lru_head;
    while (s) {
        cap_stream *n = s->lru_next;
        stream_free_bufs(t, s);
        free(s);
        s = n;
    }
    free(t->buckets);
    memset(t, 0, sizeof *t);
}

static void lru_unlink(cap_table *t, cap_stream *s)
{
    if (s->lru_prev)
        s->lru_prev->lru_next = s->lru_next;
    else
        t->lru_head = s->lru_next;
    if (s->lru_next)
        s->lru_next->lru_prev = s->lru_prev;
    else
        t->lru_tail = s->lru_prev;
    s->lru_prev = s->lru_next = NULL;
}

static void lru_append(cap_table *t, cap_stream *s)
{
    s->lru_prev = t->lru_tail;
    s->lru_next = NULL;
    if (t->lru_tail)
        t->lru_tail->lru_next = s;
    else
        t->lru_head = s;
    t->lru_tail = s;
}

static void remove_stream(cap_table *t, cap_stream *s)
{
    cap_stream **pp = &t->buckets[key_hash(&s->key) & (t->nbuckets - 1)];
    while (*pp && *pp != s)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = s->hnext;
    lru_unlink(t, s);
    stream_free_bufs(t, s);
    free(s);
    t->count--;
    t->evicted++;
}

static void grow(cap_table *t)
{
    size_t nb = t->nbuckets * 2;
    cap_stream **b = calloc(nb, sizeof *b);
    if (!b)
        return; /* keep the old table: longer chains, still correct */
    for (size_t i = 0; i < t->nbuckets; i++) {
        cap_stream *s = t->buckets[i];
        while (s) {
            cap_stream *n = s->hnext;
            size_t j = key_hash(&s->key) & (nb - 1);
            s->hnext = b[j];
            b[j] = s;
            s = n;
        }
    }
    free(t->buckets);
    t->buckets = b;
    t->nbuckets = nb;
}

void capture__table_expire(cap_table *t, int64_t now_ns)
{
    while (t->lru_head && t->idle_ns && now_ns - t->lru_head->last_ns > t->idle_ns)
        remove_stream(t, t->lru_head);
    while (t->count > t->max && t->lru_head)
        remove_stream(t, t->lru_head);
}

cap_stream *capture__table_get(cap_table *t, const cap_key *key, int64_t now_ns, int *created)
{
    size_t i = key_hash(key) & (t->nbuckets - 1);
    cap_stream *s;
    *created = 0;
    for (s = t->buckets[i]; s; s = s->hnext)
        if (memcmp(&s->key, key, sizeof *key) == 0) {
            if (s != t->lru_tail) {
                lru_unlink(t, s);
                lru_append(t, s);
            }
            return s;
        }
    if (t->count >= t->max)
        capture__table_expire(t, now_ns);
    while (t->count >= t->max && t->lru_head)
        remove_stream(t, t->lru_head);
    if (t->count + 1 > t->nbuckets)
        grow(t);
    s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->key = *key;
    s->index = t->next_index++;
    i = key_hash(key) & (t->nbuckets - 1);
    s->hnext = t->buckets[i];
    t->buckets[i] = s;
    lru_append(t, s);
    t->count++;
    *created = 1;
    return s;
}

void capture__stream_reset(cap_table *t, cap_stream *s)
{
    uint8_t *pend[2] = {s->d[0].pend, s->d[1].pend};
    size_t pcap[2] = {s->d[0].pend_cap, s->d[1].pend_cap};
    memset(s->d, 0, sizeof s->d);
    for (int k = 0; k < 2; k++) {
        s->d[k].pend = pend[k];
        s->d[k].pend_cap = pcap[k];
    }
    s->index = t->next_index++;
    s->last_ns = 0;
    s->syn_ns = 0;
    s->first_rtt_ns = 0;
    s->mqtt_version = 0;
    s->mqtt_connects = 0;
    s->syn_from_a = 0;
    s->syn_opener = 0;
}
