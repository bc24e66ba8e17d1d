/*
 * groups.c: evaluation by packet, connection and host (mqttids/ml.h): rows grouped by an
 * identity (id.stream, id.client of `extract --ids`, per input file), the alert threshold,
 * and per-group scores: a group's true class is the majority class of its labeled rows, it
 * is alerted when any of its rows is, and its predicted class is the most frequent alerted
 * class. Definitions: docs/internals/ml.md "Evaluation by connection and host".
 *
 * Not here: printing (cmd_eval.c), the identity columns themselves (capture/mqttset.c).
 * Invariants: group indices are dense, in order of first appearance; memory is O(groups)
 * for the index and O(groups x classes) for the scores.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "ml/ml_int.h"

const char *mqttids_level_name(int level)
{
    static const char *const names[MQTTIDS_NLEVEL] = {"packet", "connection", "host"};
    return level >= 0 && level < MQTTIDS_NLEVEL ? names[level] : NULL;
}

/* One slot of the open-addressing table: (part, key bits) -> group index + 1 (0: empty). */
typedef struct group_slot {
    uint64_t key;
    uint32_t part;
    uint32_t pad;
    size_t group1;
} group_slot;

static uint64_t slot_hash(uint32_t part, uint64_t key)
{
    uint64_t h = key ^ ((uint64_t)part * 0x9e3779b97f4a7c15ULL);
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

static int table_grow(group_slot **tab, size_t *cap)
{
    size_t nc = *cap ? *cap * 2 : 1024;
    group_slot *t = calloc(nc, sizeof *t);
    if (!t)
        return -1;
    for (size_t i = 0; i < *cap; i++) {
        const group_slot *s = &(*tab)[i];
        size_t j;
        if (!s->group1)
            continue;
        for (j = slot_hash(s->part, s->key) & (nc - 1); t[j].group1; j = (j + 1) & (nc - 1))
            ;
        t[j] = *s;
    }
    free(*tab);
    *tab = t;
    *cap = nc;
    return 0;
}

mqttids_err mqttids_group_index(const uint32_t *part, const double *key, size_t n, size_t *group, size_t *ngroups)
{
    group_slot *tab = NULL;
    size_t cap = 0, ng = 0;
    *ngroups = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t p = part ? part[i] : 0;
        double k = key[i];
        uint64_t bits;
        size_t j;
        if (!(k >= 0)) { /* negative or NaN: no identity */
            group[i] = MQTTIDS_GROUP_NONE;
            continue;
        }
        k += 0.0; /* -0.0 and 0.0 are one key */
        memcpy(&bits, &k, sizeof bits);
        if ((ng + 1) * 2 > cap && table_grow(&tab, &cap) < 0) {
            free(tab);
            return MQTTIDS_ERR_NOMEM;
        }
        for (j = slot_hash(p, bits) & (cap - 1); tab[j].group1; j = (j + 1) & (cap - 1))
            if (tab[j].key == bits && tab[j].part == p)
                break;
        if (!tab[j].group1) {
            tab[j].key = bits;
            tab[j].part = p;
            tab[j].group1 = ++ng;
        }
        group[i] = tab[j].group1 - 1;
    }
    free(tab);
    *ngroups = ng;
    return MQTTIDS_OK;
}

void mqttids_alert_threshold(int *pred, const double *proba, size_t n, int nclasses, double min_probability)
{
    if (!(min_probability > 0) || !proba)
        return;
    for (size_t i = 0; i < n; i++) {
        int c = pred[i];
        if (c != MQTTIDS_CLASS_LEGITIMATE && c >= 0 && c < nclasses &&
            !(proba[i * (size_t)nclasses + (size_t)c] >= min_probability))
            pred[i] = MQTTIDS_CLASS_LEGITIMATE;
    }
}

/* The most frequent class among cnt[from..k) with a non-zero count (ties: the lower index), or -1. */
static int argmax_from(const uint32_t *cnt, int from, int k)
{
    int best = -1;
    for (int c = from; c < k; c++)
        if (cnt[c] && (best < 0 || cnt[c] > cnt[best]))
            best = c;
    return best;
}

mqttids_err mqttids_group_metrics_compute(const int *truth, const int *pred, const size_t *group, size_t n,
                                          size_t ngroups, mqttids_group_metrics *out)
{
    const int k = MQTTIDS_NCLASS;
    uint32_t *tc = NULL, *pc = NULL;
    int *gt = NULL, *gp = NULL;

    memset(out, 0, sizeof *out);
    if (!group) { /* one group per row: the packet level */
        for (size_t i = 0; i < n; i++) {
            if (truth[i] < 0 || truth[i] >= k || pred[i] < 0 || pred[i] >= k)
                continue;
            out->support[truth[i]]++;
            out->alerted[truth[i]] += pred[i] != MQTTIDS_CLASS_LEGITIMATE;
            out->rows++;
        }
        out->groups = out->rows;
        mqttids_metrics_compute(truth, pred, n, &out->m);
    } else {
        size_t ng = ngroups ? ngroups : 1;
        tc = calloc(ng * (size_t)k, sizeof *tc);
        pc = calloc(ng * (size_t)k, sizeof *pc);
        gt = malloc(ng * sizeof *gt);
        gp = malloc(ng * sizeof *gp);
        if (!tc || !pc || !gt || !gp) {
            free(tc);
            free(pc);
            free(gt);
            free(gp);
            return MQTTIDS_ERR_NOMEM;
        }
        for (size_t i = 0; i < n; i++) {
            if (truth[i] < 0 || truth[i] >= k || pred[i] < 0 || pred[i] >= k)
                continue;
            if (group[i] >= ngroups) {
                out->rows_no_group++;
                continue;
            }
            tc[group[i] * (size_t)k + (size_t)truth[i]]++;
            pc[group[i] * (size_t)k + (size_t)pred[i]]++;
            out->rows++;
        }
        for (size_t g = 0; g < ngroups; g++) {
            const uint32_t *t = tc + g * (size_t)k, *p = pc + g * (size_t)k;
            int classes = 0, alert;
            gt[g] = argmax_from(t, 0, k);
            if (gt[g] < 0) { /* no labeled row: not scored */
                gp[g] = -1;
                continue;
            }
            for (int c = 0; c < k; c++)
                classes += t[c] != 0;
            out->mixed += classes > 1;
            alert = argmax_from(p, MQTTIDS_CLASS_LEGITIMATE + 1, k);
            gp[g] = alert >= 0 ? alert : MQTTIDS_CLASS_LEGITIMATE;
            out->groups++;
            out->support[gt[g]]++;
            out->alerted[gt[g]] += alert >= 0;
        }
        mqttids_metrics_compute(gt, gp, ngroups, &out->m);
        free(tc);
        free(pc);
        free(gt);
        free(gp);
    }
    for (int c = 0; c < k; c++)
        out->alerted_share[c] = out->support[c] ? (double)out->alerted[c] / (double)out->support[c] : 0.0;
    return MQTTIDS_OK;
}

mqttids_err mqttids_model_evaluate_by(const mqttids_model *m, const mqttids_dataset *ds, const size_t *rows,
                                      size_t n, const uint32_t *part, unsigned levels, double min_probability,
                                      int nthreads, mqttids_eval_by *out, size_t *unseen,
                                      char errbuf[MQTTIDS_ERRBUF_SIZE])
{
    static const char *const id_col[MQTTIDS_NLEVEL] = {NULL, "id.stream", "id.client"};
    const int8_t *lab = mqttids_dataset_labels(ds);
    int k = mqttids_model_nclasses(m), col[MQTTIDS_NLEVEL] = {-1, -1, -1};
    int *cls = NULL, *truth = NULL;
    double *proba = NULL, *key = NULL;
    size_t *group = NULL, ngroups;
    mqttids_err err;

    memset(out, 0, sizeof *out);
    levels |= 1u << MQTTIDS_LEVEL_PACKET; /* always: the plain metrics come with every evaluation */
    out->levels = levels;
    out->min_probability = min_probability > 0 ? min_probability : 0;
    for (int l = MQTTIDS_LEVEL_CONNECTION; l < MQTTIDS_NLEVEL; l++) {
        if (!(levels & (1u << l)))
            continue;
        col[l] = mqttids_dataset_col_find(ds, id_col[l]);
        if (col[l] < 0)
            return util__fail(errbuf, MQTTIDS_ERR_NOT_FOUND,
                              "evaluation by %s needs the %s column in every input (mqttids extract --ids; "
                              "the lab's CSVs carry it)",
                              mqttids_level_name(l), id_col[l]);
    }
    if (!rows)
        n = mqttids_dataset_nrows(ds);
    cls = malloc((n ? n : 1) * sizeof *cls);
    truth = malloc((n ? n : 1) * sizeof *truth);
    proba = out->min_probability > 0 ? malloc((n ? n : 1) * (size_t)(k > 0 ? k : 1) * sizeof *proba) : NULL;
    if (!cls || !truth || (out->min_probability > 0 && !proba)) {
        err = util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
        goto out;
    }
    err = ml__predict_rows(m, ds, rows, n, cls, proba, nthreads, unseen, errbuf);
    if (err != MQTTIDS_OK)
        goto out;
    mqttids_alert_threshold(cls, proba, n, k, out->min_probability);
    for (size_t i = 0; i < n; i++)
        truth[i] = lab[rows ? rows[i] : i];
    for (int l = 0; l < MQTTIDS_NLEVEL; l++) {
        const double *v;
        if (!(levels & (1u << l)))
            continue;
        if (l == MQTTIDS_LEVEL_PACKET) {
            err = mqttids_group_metrics_compute(truth, cls, NULL, n, 0, &out->level[l]);
        } else {
            if (!key && (!(key = malloc((n ? n : 1) * sizeof *key)) || !(group = malloc((n ? n : 1) * sizeof *group)))) {
                err = util__fail(errbuf, MQTTIDS_ERR_NOMEM, "out of memory");
                goto out;
            }
            v = mqttids_dataset_col_num(ds, (size_t)col[l]);
            for (size_t i = 0; i < n; i++)
                key[i] = v[rows ? rows[i] : i];
            err = mqttids_group_index(part, key, n, group, &ngroups);
            if (err == MQTTIDS_OK)
                err = mqttids_group_metrics_compute(truth, cls, group, n, ngroups, &out->level[l]);
        }
        if (err != MQTTIDS_OK) {
            err = util__fail(errbuf, err, "out of memory");
            goto out;
        }
    }
out:
    free(cls);
    free(truth);
    free(proba);
    free(key);
    free(group);
    return err;
}
