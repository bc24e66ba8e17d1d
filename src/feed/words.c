/*
 * words.c: the study's word count over feed titles: lower-case, strip punctuation,
 * split, drop English stop words, count (mqttids_words_add documents the exact rules;
 * tests/data/feed/expected.py implements them independently).
 *
 * The stop list is Spark's StopWordsRemover English default (the study ran on Spark),
 * also committed as tests/data/feed/stopwords_en.txt; test_stream checks they agree.
 */
#include <stdlib.h>
#include <string.h>
#include "mqttids/feed.h"

const char *const mqttids_attack_terms[] = {
    "slowite", "dos", "legitimate", "malformed", "brute", "ddos", "denial-of-service", NULL,
};

static const char *const stop_en[] = {
    "i", "me", "my", "myself", "we", "our", "ours", "ourselves", "you", "your", "yours", "yourself",
    "yourselves", "he", "him", "his", "himself", "she", "her", "hers", "herself", "it", "its", "itself",
    "they", "them", "their", "theirs", "themselves", "what", "which", "who", "whom", "this", "that",
    "these", "those", "am", "is", "are", "was", "were", "be", "been", "being", "have", "has", "had",
    "having", "do", "does", "did", "doing", "a", "an", "the", "and", "but", "if", "or", "because", "as",
    "until", "while", "of", "at", "by", "for", "with", "about", "against", "between", "into", "through",
    "during", "before", "after", "above", "below", "to", "from", "up", "down", "in", "out", "on", "off",
    "over", "under", "again", "further", "then", "once", "here", "there", "when", "where", "why", "how",
    "all", "any", "both", "each", "few", "more", "most", "other", "some", "such", "no", "nor", "not",
    "only", "own", "same", "so", "than", "too", "very", "s", "t", "can", "will", "just", "don", "should",
    "now", "d", "ll", "m", "o", "re", "ve", "y", "ain", "aren", "couldn", "didn", "doesn", "hadn",
    "hasn", "haven", "isn", "ma", "mightn", "mustn", "needn", "shan", "shouldn", "wasn", "weren", "won",
    "wouldn",
};
#define NSTOP (sizeof stop_en / sizeof stop_en[0])

typedef struct wslot {
    char *word;     /* owned; NULL: empty */
    uint64_t count;
    uint32_t hash;
} wslot;

struct mqttids_words {
    wslot *tab;
    size_t cap, n;
    uint64_t total, stopped;
    wslot **sorted; /* cache for _nth; NULL when stale */
};

static uint32_t fnv(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

int mqttids_words_is_stop(const char *word)
{
    for (size_t k = 0; k < NSTOP; k++)
        if (strcmp(stop_en[k], word) == 0)
            return 1;
    return 0;
}

static int is_stop_n(const char *w, size_t n)
{
    for (size_t k = 0; k < NSTOP; k++)
        if (strlen(stop_en[k]) == n && memcmp(stop_en[k], w, n) == 0)
            return 1;
    return 0;
}

mqttids_words *mqttids_words_new(void)
{
    mqttids_words *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->cap = 256;
    w->tab = calloc(w->cap, sizeof *w->tab);
    if (!w->tab) {
        free(w);
        return NULL;
    }
    return w;
}

void mqttids_words_free(mqttids_words *w)
{
    if (!w)
        return;
    for (size_t k = 0; k < w->cap; k++)
        free(w->tab[k].word);
    free(w->tab);
    free(w->sorted);
    free(w);
}

static wslot *find(wslot *tab, size_t cap, const char *s, size_t n, uint32_t h)
{
    size_t i = h & (cap - 1);
    for (;;) {
        wslot *e = &tab[i];
        if (!e->word || (e->hash == h && strlen(e->word) == n && memcmp(e->word, s, n) == 0))
            return e;
        i = (i + 1) & (cap - 1);
    }
}

static int grow(mqttids_words *w)
{
    size_t cap = w->cap * 2;
    wslot *tab = calloc(cap, sizeof *tab);
    if (!tab)
        return -1;
    for (size_t k = 0; k < w->cap; k++)
        if (w->tab[k].word)
            *find(tab, cap, w->tab[k].word, strlen(w->tab[k].word), w->tab[k].hash) = w->tab[k];
    free(w->tab);
    w->tab = tab;
    w->cap = cap;
    return 0;
}

static int add_word(mqttids_words *w, const char *s, size_t n)
{
    uint32_t h;
    wslot *e;
    if (is_stop_n(s, n)) {
        w->stopped++;
        return 0;
    }
    if ((w->n + 1) * 2 > w->cap && grow(w) != 0)
        return -1;
    h = fnv(s, n);
    e = find(w->tab, w->cap, s, n, h);
    if (!e->word) {
        e->word = strndup(s, n);
        if (!e->word)
            return -1;
        e->hash = h;
        w->n++;
        free(w->sorted);
        w->sorted = NULL;
    }
    e->count++;
    w->total++;
    if (w->sorted) {
        free(w->sorted);
        w->sorted = NULL;
    }
    return 0;
}

static int is_word_ch(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

mqttids_err mqttids_words_add(mqttids_words *w, const char *text, size_t len)
{
    char buf[256];
    size_t n = 0;
    int over = 0;
    for (size_t i = 0; i <= len; i++) {
        unsigned char ch = i < len ? (unsigned char)text[i] : ' ';
        if (is_word_ch(ch)) {
            if (n < sizeof buf)
                buf[n++] = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
            else
                over = 1;
        } else if (ch == '-' && n > 0 && i + 1 < len && is_word_ch((unsigned char)text[i + 1]) &&
                   is_word_ch((unsigned char)text[i - 1])) {
            if (n < sizeof buf)
                buf[n++] = '-';
            else
                over = 1;
        } else if (ch >= 0x80 || ch <= 0x20 || ch == 0x7f) {
            /* separator: end the word */
            if (n && !over && add_word(w, buf, n) != 0)
                return MQTTIDS_ERR_NOMEM;
            n = 0;
            over = 0;
        }
        /* other ASCII punctuation: deleted, the word goes on */
    }
    return MQTTIDS_OK;
}

uint64_t mqttids_words_count(const mqttids_words *w, const char *word)
{
    size_t n = strlen(word);
    wslot *e = find(w->tab, w->cap, word, n, fnv(word, n));
    return e->word ? e->count : 0;
}

uint64_t mqttids_words_total(const mqttids_words *w) { return w->total; }
uint64_t mqttids_words_stopped(const mqttids_words *w) { return w->stopped; }
size_t mqttids_words_ndistinct(const mqttids_words *w) { return w->n; }

static int by_count(const void *a, const void *b)
{
    const wslot *x = *(wslot *const *)a, *y = *(wslot *const *)b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->word, y->word);
}

const char *mqttids_words_nth(mqttids_words *w, size_t k, uint64_t *count)
{
    if (k >= w->n)
        return NULL;
    if (!w->sorted) {
        size_t j = 0;
        w->sorted = malloc(w->n * sizeof *w->sorted);
        if (!w->sorted)
            return NULL;
        for (size_t i = 0; i < w->cap; i++)
            if (w->tab[i].word)
                w->sorted[j++] = &w->tab[i];
        qsort(w->sorted, w->n, sizeof *w->sorted, by_count);
    }
    if (count)
        *count = w->sorted[k]->count;
    return w->sorted[k]->word;
}
