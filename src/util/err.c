/* err.c: error codes to text, and the error-buffer formatter every module uses. */
#include <stdio.h>
#include <stdarg.h>
#include "mqttids/common.h"
#include "mqttids/config.h"
#include "util/util_int.h"

const char *mqttids_strerror(mqttids_err err)
{
    switch (err) {
    case MQTTIDS_OK: return "success";
    case MQTTIDS_ERR_NOMEM: return "out of memory or over a size limit";
    case MQTTIDS_ERR_IO: return "input/output error";
    case MQTTIDS_ERR_MALFORMED: return "malformed input";
    case MQTTIDS_ERR_INVALID: return "invalid argument";
    case MQTTIDS_ERR_VERSION: return "unsupported file format version";
    case MQTTIDS_ERR_CHECKSUM: return "checksum mismatch (corrupt file)";
    case MQTTIDS_ERR_UNSUPPORTED: return "not supported by this build";
    case MQTTIDS_ERR_NOT_FOUND: return "not found";
    case MQTTIDS_ERR_DB: return "database error";
    case MQTTIDS_ERR_KAFKA: return "Kafka error";
    case MQTTIDS_ERR_PCAP: return "packet capture error";
    case MQTTIDS_ERR_DIVERGED: return "training diverged";
    case MQTTIDS_ERR_INTERRUPTED: return "interrupted";
    case MQTTIDS_NEED_MORE: return "more input needed";
    case MQTTIDS_ERR_NET: return "network error";
    }
    return "unknown error";
}

const char *mqttids_version(void)
{
    return MQTTIDS_VERSION_STRING;
}

mqttids_err util__fail(char *errbuf, mqttids_err err, const char *fmt, ...)
{
    if (errbuf) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(errbuf, MQTTIDS_ERRBUF_SIZE, fmt, ap);
        va_end(ap);
    }
    return err;
}

#ifndef NDEBUG
mqttids_err util__malformed_at(const char *file, int line)
{
    util__log(MQTTIDS_LOG_DEBUG, "malformed input detected at %s:%d", file, line);
    return MQTTIDS_ERR_MALFORMED;
}
#endif
