/*
 * testhelp.h: the two test macros (Redis testhelp.h / Suricata FAIL_IF habit).
 *   CHECK(cond, fmt, ...)  counts a check; on failure prints file:line and the message.
 *   PASS()                 ends main(): prints "N passed, N failed", exit 0 only if none failed.
 * A test that needs a resource it cannot have returns 77 (CTest SKIP_RETURN_CODE).
 */
#ifndef MQTTIDS_TESTHELP_H
#define MQTTIDS_TESTHELP_H
#include <stdio.h>

static int th_passed, th_failed;

#define CHECK(cond, ...)                                                  \
    do {                                                                  \
        if (cond) {                                                       \
            th_passed++;                                                  \
        } else {                                                          \
            th_failed++;                                                  \
            fprintf(stderr, "%s:%d: CHECK(%s) failed: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                 \
            fputc('\n', stderr);                                          \
        }                                                                 \
    } while (0)

#define PASS()                                                            \
    do {                                                                  \
        printf("%d passed, %d failed\n", th_passed, th_failed);           \
        return th_failed ? 1 : (th_passed ? 0 : 1);                       \
    } while (0)

#endif
