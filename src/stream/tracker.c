/*
 * tracker.c: the at-least-once offset tracker (see stream_int.h and
 * docs/internals/stream.md). Messages enter in consumption order; each waits for its
 * alerts' delivery reports; the done prefix is popped and becomes commit points.
 */
#include <stdlib.h>
#include <string.h>
#include "stream/stream_int.h"

void stream__tracker_init(stream_tracker *t)
{
    memset(t, 0, sizeof *t);
}

void stream__tracker_free(stream_tracker *t)
{
    free(t->ring);
    free(t->commit);
    free(t->dirty);
    memset(t, 0, sizeof *t);
}

static int grow_parts(stream_tracker *t, int32_t partition)
{
    int32_t n = t->npart ? t->npart : 8;
    int64_t *c;
    uint8_t *d;
    while (n <= partition)
        n *= 2;
    c = realloc(t->commit, (size_t)n * sizeof *c);
    if (!c)
        return -1;
    t->commit = c;
    d = realloc(t->dirty, (size_t)n);
    if (!d)
        return -1;
    t->dirty = d;
    for (int32_t k = t->npart; k < n; k++) {
        t->commit[k] = -1;
        t->dirty[k] = 0;
    }
    t->npart = n;
    return 0;
}

static int grow_ring(stream_tracker *t)
{
    size_t cap = t->cap ? t->cap * 2 : 4096;
    stream_tracker_ent *r = malloc(cap * sizeof *r);
    if (!r)
        return -1;
    for (uint64_t s = t->head; s < t->tail; s++)
        r[s & (cap - 1)] = t->ring[s & (t->cap - 1)];
    free(t->ring);
    t->ring = r;
    t->cap = cap;
    return 0;
}

int stream__tracker_add(stream_tracker *t, int32_t partition, int64_t offset, uint32_t pending, uint64_t *seq)
{
    stream_tracker_ent *e;
    if (partition < 0)
        return -1;
    if (partition >= t->npart && grow_parts(t, partition) != 0)
        return -1;
    if (t->tail - t->head >= t->cap && grow_ring(t) != 0)
        return -1;
    e = &t->ring[t->tail & (t->cap - 1)];
    e->partition = partition;
    e->offset = offset;
    e->pending = pending;
    e->failed = 0;
    *seq = t->tail++;
    return 0;
}

void stream__tracker_ack(stream_tracker *t, uint64_t seq, int ok)
{
    stream_tracker_ent *e;
    if (seq < t->head || seq >= t->tail)
        return; /* not ours (reset after a revoke): ignore */
    e = &t->ring[seq & (t->cap - 1)];
    if (!ok)
        e->failed = 1;
    if (e->pending)
        e->pending--;
}

uint64_t stream__tracker_advance(stream_tracker *t)
{
    uint64_t n = 0;
    while (t->head < t->tail) {
        stream_tracker_ent *e = &t->ring[t->head & (t->cap - 1)];
        if (e->pending || e->failed)
            break;
        t->commit[e->partition] = e->offset + 1;
        t->dirty[e->partition] = 1;
        t->head++;
        n++;
    }
    t->done_total += n;
    return n;
}

int stream__tracker_head_failed(const stream_tracker *t)
{
    return t->head < t->tail && t->ring[t->head & (t->cap - 1)].failed;
}

void stream__tracker_reset(stream_tracker *t)
{
    t->head = t->tail;
    for (int32_t k = 0; k < t->npart; k++) {
        t->commit[k] = -1;
        t->dirty[k] = 0;
    }
}
