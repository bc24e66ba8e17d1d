/*
 * mqttids/fetch.h: remote inputs. Every data command reads an MQTTset CSV (plain or gzip),
 * or a capture whose URL ends in .pcap/.pcapng/.cap, from a URL as it reads a file: http:// and https:// (libcurl), s3://bucket/key (S3 GET
 * signed with libcurl's AWS SigV4) and gs://bucket/object (the Google Cloud Storage XML
 * API). The body is streamed, never held whole: a transfer thread writes it into one end
 * of a socket pair and the reader reads the other end like a file.
 *
 * Environment (read when a transfer starts):
 *   s3://  AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (both, or neither: an unsigned request
 *          for public objects), AWS_SESSION_TOKEN (optional), AWS_REGION or
 *          AWS_DEFAULT_REGION (default us-east-1), AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL
 *          (an S3-compatible server, addressed path-style: ENDPOINT/bucket/key).
 *   gs://  GOOGLE_OAUTH_ACCESS_TOKEN (a bearer token; unset: public objects only),
 *          STORAGE_EMULATOR_HOST (another server: http://host:port, path-style).
 *   https  CURL_CA_BUNDLE (a CA file other than the system's).
 * Credentials are never written into messages.
 *
 * Needs a build with MQTTIDS_WITH_FETCH (libcurl); without it mqttids_fetch_open returns
 * MQTTIDS_ERR_UNSUPPORTED. Not here: parsing what arrives (the CSV reader does that).
 */
#ifndef MQTTIDS_FETCH_H
#define MQTTIDS_FETCH_H

#include "mqttids/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* 1 when path names a remote input (http://, https://, s3://, gs://), else 0. */
int mqttids_fetch_is_url(const char *path);

typedef struct mqttids_fetch mqttids_fetch;

/*
 * Starts fetching url. On success *fd is the read end of the body (the caller owns it and
 * closes it when done or on giving up; closing early stops the transfer) and *out the
 * transfer, to be ended with mqttids_fetch_finish. End of data on *fd does not mean
 * success: call mqttids_fetch_finish to learn whether the whole body arrived.
 * Errors: MQTTIDS_ERR_INVALID (s3:// or gs:// without bucket or object),
 * MQTTIDS_ERR_UNSUPPORTED (built without libcurl), MQTTIDS_ERR_NOMEM, MQTTIDS_ERR_NET.
 * Also returns MQTTIDS_ERR_IO, MQTTIDS_ERR_NOT_FOUND (mqttids/common.h).
 */
mqttids_err mqttids_fetch_open(const char *url,
                               mqttids_fetch **out, /* OUT: caller ends with mqttids_fetch_finish */
                               int *fd,             /* OUT: read end, caller closes */
                               char errbuf[MQTTIDS_ERRBUF_SIZE]);
/*
 * Waits for the transfer to end (close *fd first when giving up early) and frees it.
 * Returns MQTTIDS_OK when the whole body arrived, else MQTTIDS_ERR_NET with the URL,
 * the bytes received and curl's text or the HTTP status. NULL: MQTTIDS_OK.
 */
mqttids_err mqttids_fetch_finish(mqttids_fetch *f, char errbuf[MQTTIDS_ERRBUF_SIZE]);

#ifdef __cplusplus
}
#endif
#endif
