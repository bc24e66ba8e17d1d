/*
 * gate.c: the decision gate. A classified row becomes an alert when its class is not the
 * quiet one (or alert_all) and its probability reaches the minimum; by connection or by
 * host, only the first row of a (group, class) alerts, the others add to its counts, and
 * once window_s has passed since the group's last alert the next row alerts again with
 * the counts so far.
 *
 * Memory is bounded: at most max_groups groups, kept in a hash table (chained, bucket
 * heads and links are indices into one entry array that grows by doubling up to the cap)
 * with a least-recently-seen list; the group at its tail is forgotten to make room.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "detect/detect_int.h"

#define KEY_MAX 64   /* key bytes kept per group (longer keys: their first 64 bytes) */
#define NIL UINT32_MAX
#define MAX_GROUPS_CAP ((size_t)1 << 24)

typedef struct group {
    char key[KEY_MAX];
    uint8_t klen;
    int cls;
    uint32_t hash;
    uint32_t next;          /* bucket chain */
    uint32_t newer, older;  /* LRU list */
    double last_emit;
    mqttids_alert_group g;
} group;

struct mqttids_alert_gate {
    mqttids_alert_rule r;
    group *e;               /* owned; n used of cap allocated */
    uint32_t n, cap;
    uint32_t *bucket;       /* owned; nbucket heads (power of two) */
    uint32_t nbucket;
    uint32_t newest, oldest;
    uint64_t suppressed, evicted;
};

void mqttids_alert_rule_init(mqttids_alert_rule *r)
{
    memset(r, 0, sizeof *r);
    r->by = MQTTIDS_ALERT_BY_PACKET;
    r->quiet_class = 0;
    r->max_groups = MQTTIDS_DETECT_DEFAULT_MAX_GROUPS;
}

mqttids_err mqttids_alert_gate_new(const mqttids_alert_rule *r, mqttids_alert_gate **out, char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    mqttids_alert_gate *g;
    *out = NULL;
    if (!(r->window_s >= 0) || !isfinite(r->window_s))
        return util__fail(errbuf, MQTTIDS_ERR_INVALID, "alert window: seconds >= 0, not %g", r->window_s);
    if (!(r->min_probability >= 0 && r->min_probability <= 1))
        return util__fail(errbuf, MQTTIDS_ERR_INVALID, "minimum probability: 0..1, not %g", r->min_probability);
    if (r->max_groups == 0 || r->max_groups > MAX_GROUPS_CAP)
        return util__fail(errbuf, MQTTIDS_ERR_INVALID, "alert groups: 1..%zu, not %zu", MAX_GROUPS_CAP,
                          r->max_groups);
    g = calloc(1, sizeof *g);
    if (!g)
        return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
    g->r = *r;
    g->newest = g->oldest = NIL;
    if (r->by != MQTTIDS_ALERT_BY_PACKET) {
        g->nbucket = 16;
        while (g->nbucket < r->max_groups)
            g->nbucket *= 2;
        g->bucket = malloc(g->nbucket * sizeof *g->bucket);
        if (!g->bucket) {
            free(g);
            return util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
        }
        memset(g->bucket, 0xff, g->nbucket * sizeof *g->bucket);
    }
    *out = g;
    return MQTTIDS_OK;
}

void mqttids_alert_gate_free(mqttids_alert_gate *g)
{
    if (!g)
        return;
    free(g->e);
    free(g->bucket);
    free(g);
}

uint64_t mqttids_alert_gate_suppressed(const mqttids_alert_gate *g) { return g->suppressed; }
size_t mqttids_alert_gate_groups(const mqttids_alert_gate *g) { return g->n; }
uint64_t mqttids_alert_gate_evicted(const mqttids_alert_gate *g) { return g->evicted; }

/* FNV-1a over the key and the class. */
static uint32_t hash_of(const char *key, size_t klen, int cls)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < klen; i++)
        h = (h ^ (unsigned char)key[i]) * 16777619u;
    return (h ^ (uint32_t)cls) * 16777619u;
}

static void lru_unlink(mqttids_alert_gate *g, uint32_t i)
{
    group *x = &g->e[i];
    if (x->newer != NIL)
        g->e[x->newer].older = x->older;
    else
        g->newest = x->older;
    if (x->older != NIL)
        g->e[x->older].newer = x->newer;
    else
        g->oldest = x->newer;
}

static void lru_push(mqttids_alert_gate *g, uint32_t i)
{
    group *x = &g->e[i];
    x->newer = NIL;
    x->older = g->newest;
    if (g->newest != NIL)
        g->e[g->newest].newer = i;
    g->newest = i;
    if (g->oldest == NIL)
        g->oldest = i;
}

static uint32_t find(const mqttids_alert_gate *g, const char *key, size_t klen, int cls, uint32_t h)
{
    for (uint32_t i = g->bucket[h & (g->nbucket - 1)]; i != NIL; i = g->e[i].next) {
        const group *x = &g->e[i];
        if (x->hash == h && x->cls == cls && x->klen == klen && memcmp(x->key, key, klen) == 0)
            return i;
    }
    return NIL;
}

/* Forgets the least recently seen group; returns its slot. */
static uint32_t evict(mqttids_alert_gate *g)
{
    uint32_t i = g->oldest, *link = &g->bucket[g->e[i].hash & (g->nbucket - 1)];
    while (*link != i)
        link = &g->e[*link].next;
    *link = g->e[i].next;
    lru_unlink(g, i);
    g->evicted++;
    return i;
}

/* A slot for a new group: a fresh one while under the cap (growing the array), else the LRU's.
 * NIL when memory runs out (the row then alerts on its own, as by packet). */
static uint32_t take_slot(mqttids_alert_gate *g)
{
    if (g->n == g->cap && g->cap < g->r.max_groups) {
        size_t nc = g->cap ? (size_t)g->cap * 2 : 64;
        group *ne;
        if (nc > g->r.max_groups)
            nc = g->r.max_groups;
        ne = realloc(g->e, nc * sizeof *ne);
        if (ne) {
            g->e = ne;
            g->cap = (uint32_t)nc;
        }
    }
    if (g->n < g->cap)
        return g->n++;
    return g->n > 0 ? evict(g) : NIL;
}

static int decide_group(mqttids_alert_gate *g, const char *key, size_t klen, int cls, double t,
                        mqttids_alert_group *out)
{
    uint32_t h, i;
    group *x;
    if (klen > KEY_MAX)
        klen = KEY_MAX;
    h = hash_of(key, klen, cls);
    i = find(g, key, klen, cls, h);
    if (i != NIL) {
        x = &g->e[i];
        lru_unlink(g, i);
        lru_push(g, i);
        x->g.count++;
        x->g.last = t;
        if (!(g->r.window_s > 0 && t - x->last_emit >= g->r.window_s)) {
            g->suppressed++;
            return 0;
        }
        x->last_emit = t;
        x->g.emitted++;
        *out = x->g;
        return 1;
    }
    i = take_slot(g);
    if (i == NIL) {
        *out = (mqttids_alert_group){1, t, t, 1};
        return 1;
    }
    x = &g->e[i];
    memcpy(x->key, key, klen);
    x->klen = (uint8_t)klen;
    x->cls = cls;
    x->hash = h;
    x->next = g->bucket[h & (g->nbucket - 1)];
    g->bucket[h & (g->nbucket - 1)] = i;
    x->last_emit = t;
    x->g = (mqttids_alert_group){1, t, t, 1};
    lru_push(g, i);
    *out = x->g;
    return 1;
}

int mqttids_alert_gate_decide(mqttids_alert_gate *g, const char *key, size_t klen, int cls, double prob, double t,
                              mqttids_alert_group *grp)
{
    mqttids_alert_group tmp;
    if (!grp)
        grp = &tmp;
    if (!g->r.alert_all && cls == g->r.quiet_class)
        return 0;
    if (g->r.min_probability > 0 && prob < g->r.min_probability)
        return 0; /* NaN compares false: an unknown probability passes */
    if (g->r.by == MQTTIDS_ALERT_BY_PACKET) {
        *grp = (mqttids_alert_group){1, t, t, 1};
        return 1;
    }
    return decide_group(g, key ? key : "", key ? klen : 0, cls, t, grp);
}
