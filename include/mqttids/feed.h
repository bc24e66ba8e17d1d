/*
 * mqttids/feed.h: the study's feed job, library side: RSS 2.0 / RSS 1.0 (RDF) / Atom items
 * (title, link) from a file or URL, the word counter with Spark's English stop words, and
 * the job's two ends on Kafka: publish new items into a topic every so often, and count
 * the words of what a topic holds. Word rules: docs/internals/stream.md.
 *
 * The parser needs a build with MQTTIDS_WITH_FEED (libxml2, libcurl); without it
 * mqttids_feed_parse/load return MQTTIDS_ERR_UNSUPPORTED. The word counter always works.
 */
#ifndef MQTTIDS_FEED_H
#define MQTTIDS_FEED_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include "mqttids/common.h"
#include "mqttids/stream.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One feed item: title and link (NUL-terminated, owned by the feed). */
typedef struct mqttids_feed_item {
    char *title;
    char *link;
} mqttids_feed_item;

typedef struct mqttids_feed mqttids_feed;

/*
 * Parses an RSS 2.0, RSS 1.0 (RDF) or Atom document. Items without a title get "".
 * Caller frees with mqttids_feed_free. Not XML or no feed root: MQTTIDS_ERR_MALFORMED.
 * No network access and no external entities during parsing.
 * Returns: MQTTIDS_OK on success, else MQTTIDS_ERR_MALFORMED, MQTTIDS_ERR_NOMEM,
 * MQTTIDS_ERR_UNSUPPORTED (mqttids/common.h).
 */
mqttids_err mqttids_feed_parse(const void *data, size_t len, const char *name /* for messages */,
                               mqttids_feed **out /* OUT */, char errbuf[MQTTIDS_ERRBUF_SIZE]);
/*
 * Reads a feed from a file path or an http(s)/file URL (libcurl; at most 16 MiB, 30 s)
 * and parses it. Transfer errors: MQTTIDS_ERR_NET with curl's text.
 * Returns: MQTTIDS_OK on success, else MQTTIDS_ERR_IO, MQTTIDS_ERR_MALFORMED,
 * MQTTIDS_ERR_NET, MQTTIDS_ERR_NOMEM, MQTTIDS_ERR_UNSUPPORTED (mqttids/common.h).
 */
mqttids_err mqttids_feed_load(const char *path_or_url, mqttids_feed **out /* OUT */,
                              char errbuf[MQTTIDS_ERRBUF_SIZE]);
/* "rss" or "atom". Borrowed. */
const char *mqttids_feed_kind(const mqttids_feed *f);
size_t mqttids_feed_nitems(const mqttids_feed *f);
/* Item i (borrowed, valid until mqttids_feed_free). */
const mqttids_feed_item *mqttids_feed_get(const mqttids_feed *f, size_t i);
void mqttids_feed_free(mqttids_feed *f);

/* Word counter: lower-case, strip punctuation, drop English stop words, count. */
typedef struct mqttids_words mqttids_words;

mqttids_words *mqttids_words_new(void);
void mqttids_words_free(mqttids_words *w);
/*
 * Adds the words of text[0..len): ASCII letters are lower-cased; letters and digits make
 * words; '-' between two word characters stays in the word ("denial-of-service");
 * apostrophes and other ASCII punctuation are deleted ("don't" -> "dont"); whitespace,
 * control bytes and non-ASCII bytes separate words. Words in the stop list (Spark's
 * StopWordsRemover English list) are dropped. Returns MQTTIDS_ERR_NOMEM or MQTTIDS_OK.
 */
mqttids_err mqttids_words_add(mqttids_words *w, const char *text, size_t len);
/* Count of one word (0 if never seen or a stop word). */
uint64_t mqttids_words_count(const mqttids_words *w, const char *word);
/* Total words counted (stop words excluded) and stop words dropped. */
uint64_t mqttids_words_total(const mqttids_words *w);
uint64_t mqttids_words_stopped(const mqttids_words *w);
/* Distinct words, and the k-th by count descending then word ascending (borrowed). */
size_t mqttids_words_ndistinct(const mqttids_words *w);
const char *mqttids_words_nth(mqttids_words *w, size_t k, uint64_t *count /* OUT */);
/* Whether word is a stop word. */
int mqttids_words_is_stop(const char *word);
/* The attack-type terms the study looked for, NULL-terminated. */
extern const char *const mqttids_attack_terms[];

/* ---------------------------------------------------------------------------------- */
/* The job.                                                                           */

/* Which fields of an item count: the title (Kafka key), the link (Kafka value), or both. */
#define MQTTIDS_FEED_TITLE 1
#define MQTTIDS_FEED_LINK 2

/* Adds the words of the given fields of every item of f to w. Errors: MQTTIDS_ERR_NOMEM. */
mqttids_err mqttids_feed_count(mqttids_words *w, const mqttids_feed *f, int fields);

/* Called after each source is read: its kind ("rss"/"atom"), items, and how many were new. */
typedef void (*mqttids_feed_source_fn)(void *user, const char *source, const char *kind, size_t items,
                                       size_t fresh);

typedef struct mqttids_feed_publish_opts {
    const char *topic;
    const char *const *sources;        /* files or URLs (mqttids_feed_load), nsources of them */
    int nsources;
    double every_s;                    /* read the sources again every every_s seconds ... */
    double for_s;                      /* ... for for_s seconds (both 0: once) */
    const volatile sig_atomic_t *stop; /* non-zero: stop at the next item; may be NULL */
    mqttids_feed_source_fn on_source;  /* may be NULL */
    void *user;
} mqttids_feed_publish_opts;

typedef struct mqttids_feed_publish_report {
    uint64_t sent;      /* items queued (each (title, link) once over the whole run) */
    uint64_t delivered; /* acknowledged by the brokers */
    uint64_t failed;    /* delivery failed */
} mqttids_feed_publish_report;

/*
 * Publishes the items of every source into o->topic (key title, value link), an item seen
 * before in this run only once, then flushes. rep (always filled) counts what went out.
 * Errors: those of mqttids_feed_load and mqttids_producer_new/send/flush (errbuf names
 * the source or the delivery error), MQTTIDS_ERR_NOMEM; what was queued is flushed first.
 * Also returns MQTTIDS_ERR_INTERRUPTED, MQTTIDS_ERR_INVALID, MQTTIDS_ERR_IO,
 * MQTTIDS_ERR_KAFKA, MQTTIDS_ERR_MALFORMED, MQTTIDS_ERR_NET, MQTTIDS_ERR_UNSUPPORTED
 * (mqttids/common.h).
 */
mqttids_err mqttids_feed_publish(const mqttids_kconf *kc, const mqttids_feed_publish_opts *o,
                                 mqttids_feed_publish_report *rep /* OUT */, char errbuf[MQTTIDS_ERRBUF_SIZE]);

/*
 * Reads topic from the beginning (mqttids_stream_read_topic: to its end, then until idle_ms
 * without a message) and adds the words of the given fields (title: key, link: value) of
 * every message to w; *messages (may be NULL) receives how many were read. Errors: those of
 * mqttids_stream_read_topic (NOT_FOUND, KAFKA, UNSUPPORTED), MQTTIDS_ERR_NOMEM.
 * Also returns MQTTIDS_ERR_INVALID (mqttids/common.h).
 */
mqttids_err mqttids_feed_consume(const mqttids_kconf *kc, const char *topic, int idle_ms,
                                 const volatile sig_atomic_t *stop, int fields, mqttids_words *w,
                                 uint64_t *messages /* OUT */, char errbuf[MQTTIDS_ERRBUF_SIZE]);

#ifdef __cplusplus
}
#endif
#endif
