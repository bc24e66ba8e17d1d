/*
 * mqttids/common.h: error codes, error buffers, logging and progress hooks shared by
 * every module.
 *
 * Not here: anything that allocates. The library never prints and never exits; text
 * reaches the user only through the callbacks set here or through error buffers.
 */
#ifndef MQTTIDS_COMMON_H
#define MQTTIDS_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Size of every caller-provided error buffer (libpcap's PCAP_ERRBUF_SIZE habit). */
#define MQTTIDS_ERRBUF_SIZE 512

/* Append-only: retired values become MQTTIDS_ERR_OBSOLETE<n>. Every public function's
   comment lists the codes its implementation can return (callees included);
   MQTTIDS_ERR_UNSUPPORTED there is a build without that dependency. */
typedef enum mqttids_err {
    MQTTIDS_OK = 0,
    MQTTIDS_ERR_NOMEM = 1,        /* an allocation failed or a hard cap was hit */
    MQTTIDS_ERR_IO = 2,           /* open/read/write/rename failed (errno text in errbuf) */
    MQTTIDS_ERR_MALFORMED = 3,    /* input bytes break a rule (row, packet, record) */
    MQTTIDS_ERR_INVALID = 4,      /* a bad argument or option value from the caller */
    MQTTIDS_ERR_VERSION = 5,      /* a file of another format version */
    MQTTIDS_ERR_CHECKSUM = 6,     /* a file whose checksum does not match: corrupt */
    MQTTIDS_ERR_UNSUPPORTED = 7,  /* compiled out, or not possible on this input */
    MQTTIDS_ERR_NOT_FOUND = 8,    /* a named column, class, table, ... does not exist */
    MQTTIDS_ERR_DB = 9,           /* PostgreSQL said no (libpq text kept verbatim) */
    MQTTIDS_ERR_KAFKA = 10,       /* Kafka said no (librdkafka text kept verbatim) */
    MQTTIDS_ERR_PCAP = 11,        /* libpcap said no (its text kept verbatim) */
    MQTTIDS_ERR_DIVERGED = 12,    /* training produced NaN/Inf or a growing loss */
    MQTTIDS_ERR_INTERRUPTED = 13, /* stopped by the caller (signal, cancel hook) */
    MQTTIDS_NEED_MORE = 14,       /* a streaming decoder needs more bytes: not an error */
    MQTTIDS_ERR_NET = 15,         /* a network transfer failed (curl text kept verbatim) */
} mqttids_err;

/* Returns a static, never-NULL description of an error code. */
const char *mqttids_strerror(mqttids_err err);

/*
 * Outputs are written to "<path>.tmp.<pid>" and renamed into place; a process killed
 * (SIGKILL, power loss) between the two leaves that file behind. This removes every
 * "<path>.tmp.<pid>" beside path whose pid is no longer running (never the caller's own,
 * never a live process's). Called by every output open. Returns how many were removed.
 */
int mqttids_tmp_sweep(const char *path);

/* The library version, e.g. "0.1.0". */
const char *mqttids_version(void);

/* Seconds on the monotonic clock the library times its own work with: for durations only
   (differences of two calls), never a date. Never fails. */
double mqttids_clock_s(void);

/* Log levels for the logging callback. */
typedef enum mqttids_log_level {
    MQTTIDS_LOG_ERROR = 0,
    MQTTIDS_LOG_WARN = 1,
    MQTTIDS_LOG_INFO = 2,
    MQTTIDS_LOG_DEBUG = 3,
} mqttids_log_level;

/*
 * Sets the process-wide logging callback (liblinear's set_print_string_function).
 * Parameters: fn receives a level and one message without a trailing newline; NULL
 * (the default) drops all messages. user is passed back unchanged.
 */
typedef void (*mqttids_log_fn)(mqttids_log_level level, const char *msg, void *user);
void mqttids_set_log(mqttids_log_fn fn, void *user);

/*
 * Progress hook for long work: done and total in the unit the caller was told (rows,
 * bytes, grid points). total is 0 when unknown. Returning non-zero asks the work to stop
 * (it then returns MQTTIDS_ERR_INTERRUPTED).
 */
typedef int (*mqttids_progress_fn)(const char *what, uint64_t done, uint64_t total, void *user);

#ifdef __cplusplus
}
#endif
#endif
