/*
 * cli_stream.h: what the `stream` subcommands share: Kafka options (--brokers, --topic,
 * -X), the record format names and the produce report. produce is cli_stream_produce.c,
 * detect cli_stream_detect.c, the admin subcommands (mock-cluster, dump, create-topic)
 * and the dispatcher cmd_stream.c.
 */
#ifndef MQTTIDS_CLI_STREAM_H
#define MQTTIDS_CLI_STREAM_H

#include "cli_detect.h"

/* Options every subcommand takes. */
typedef struct kopts {
    const char *brokers;
    const char *topic;
    mqttids_kconf *kc;
} kopts;

#define KAFKA_HELP                                                                             \
    "Kafka:\n"                                                                                 \
    "  -b, --brokers B        bootstrap brokers host:port[,...], or 'mock' (embedded mock cluster)\n" \
    "  -t, --topic T          the records topic\n"                                            \
    "  -X key=value           a librdkafka setting (repeatable), e.g. -X security.protocol=ssl\n"

/* A new Kafka configuration, or NULL after saying "this build has no Kafka support". */
mqttids_kconf *cli_kconf_new(void);
/* "json" or "binary"/"bin". Returns 0, or -1 for another name. */
int cli_stream_parse_format(const char *s, mqttids_stream_format *f);
/* Checks --brokers (and --topic when need_topic) and applies them to k->kc. Returns an exit code. */
int cli_stream_kconf_finish(kopts *k, const char *sub, int need_topic);
/* -b/--brokers, -t/--topic and -X key=value: returns 1 when opt is one of them (*rc: the
   exit code of a bad -X), 0 when it is not. */
int cli_stream_kafka_option(kopts *k, const char *sub, int opt, const char *arg, int *rc);
/* The produce report's JSON fields into js. */
void cli_stream_produce_report_json(json_object *js, const char *topic, const mqttids_produce_report *rep,
                                    mqttids_stream_format fmt);

int cli_stream_produce(int argc, char **argv);
int cli_stream_detect(int argc, char **argv);

#endif
