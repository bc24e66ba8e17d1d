/*
 * mqttids/feed.h: the study's feed job, library side: RSS 2.0 / RSS 1.0 (RDF) / Atom items
 * (title, link) from a file or URL, and the word counter with Spark's English stop words.
 * The job that moves items through Kafka is `mqttids feed` (cli/cmd_feed.c with
 * mqttids/stream.h). Word rules: docs/internals/stream.md.
 *
 * The parser needs a build with MQTTIDS_WITH_FEED (libxml2, libcurl); without it
 * mqttids_feed_parse/load return MQTTIDS_ERR_UNSUPPORTED. The word counter always works.
 */
#ifndef MQTTIDS_FEED_H
#define MQTTIDS_FEED_H

#include <stddef.h>
#include <stdint.h>
#include "mqttids/common.h"

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
 */
mqttids_err mqttids_feed_parse(const void *data, size_t len, const char *name /* for messages */,
                               mqttids_feed **out /* OUT */, char errbuf[MQTTIDS_ERRBUF_SIZE]);
/*
 * Reads a feed from a file path or an http(s)/file URL (libcurl; at most 16 MiB, 30 s)
 * and parses it. Transfer errors: MQTTIDS_ERR_NET with curl's text.
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

#ifdef __cplusplus
}
#endif
#endif
