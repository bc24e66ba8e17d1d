/*
 * test_util.c: the one growable buffer (util_buf) that model files, COPY data, Kafka records
 * and the extract CSV writer share: its contract, as util_int.h states it. Expected bytes come
 * from the byte orders themselves (little-endian: least significant byte first).
 */
#include <stdlib.h>
#include <string.h>
#include "util/util_int.h"
#include "testhelp.h"

/* A zeroed struct is an empty buffer; writers append little-endian bytes. */
static void test_zeroed_and_writers(void)
{
    static const unsigned char want[] = {0x2a, 0x04, 0x03, 0x02, 0x01, 0x08, 0x07, 0x06, 0x05,
                                         0x04, 0x03, 0x02, 0x01, 2, 0, 0, 0, 'h', 'i'};
    util_buf b;
    memset(&b, 0, sizeof b);
    CHECK(util__buf_u8(&b, 0x2a) == 0, "u8");
    CHECK(util__buf_u32(&b, 0x01020304u) == 0, "u32");
    CHECK(util__buf_u64(&b, 0x0102030405060708ull) == 0, "u64");
    CHECK(util__buf_str(&b, "hi") == 0, "str");
    CHECK(!b.failed && b.len == sizeof want && memcmp(b.data, want, sizeof want) == 0, "bytes (len %zu)", b.len);
    util__buf_free(&b);
    CHECK(b.data == NULL && b.len == 0 && b.cap == 0, "free empties");
}

/* Reserve gives room at data + len without moving len; clear keeps the memory. */
static void test_reserve_clear(void)
{
    util_buf b;
    unsigned char *keep;
    size_t cap;
    util__buf_init(&b, 0);
    CHECK(util__buf_reserve(&b, 100) == 0 && b.len == 0 && b.cap >= 100, "reserve 100: cap %zu", b.cap);
    memcpy(b.data + b.len, "abc", 3);
    b.len += 3;
    CHECK(util__buf_put(&b, "def", 3) == 0 && b.len == 6 && memcmp(b.data, "abcdef", 6) == 0, "direct + put");
    keep = b.data;
    cap = b.cap;
    util__buf_clear(&b);
    CHECK(b.len == 0 && b.data == keep && b.cap == cap, "clear keeps the memory");
    util__buf_printf(&b, "%d-%s", 12, "x");
    CHECK(b.len == 4 && strcmp((const char *)b.data, "12-x") == 0, "printf keeps a NUL");
    /* printf that has to grow: longer than what is left */
    {
        char big[6000];
        memset(big, 'z', sizeof big - 1);
        big[sizeof big - 1] = '\0';
        util__buf_printf(&b, "%s!", big);
        CHECK(!b.failed && b.len == 4 + 6000 && b.data[b.len - 1] == '!' && b.data[b.len] == '\0',
              "printf grows (len %zu)", b.len);
    }
    util__buf_free(&b);
}

/* The hard cap: a failed grow frees the data and every later write fails until clear. */
static void test_cap_and_failure(void)
{
    util_buf b;
    util__buf_init(&b, 16);
    CHECK(util__buf_put(&b, "0123456789", 10) == 0, "under the cap");
    CHECK(util__buf_reserve(&b, 6) == 0, "exactly the cap");
    CHECK(util__buf_put(&b, "0123456", 7) == -1 && b.failed, "over the cap fails");
    CHECK(b.data == NULL && b.len == 0 && b.cap == 0, "a failed grow frees the data");
    CHECK(util__buf_put(&b, "x", 1) == -1 && util__buf_reserve(&b, 0) == -1, "later writes fail too");
    CHECK(util__buf_u32(&b, 1) == -1 && util__buf_str(&b, "a") == -1, "writers fail too");
    util__buf_printf(&b, "x");
    CHECK(b.failed && b.len == 0, "printf after failure writes nothing");
    util__buf_clear(&b);
    CHECK(!b.failed && util__buf_put(&b, "ok", 2) == 0 && b.len == 2 && memcmp(b.data, "ok", 2) == 0,
          "clear makes it usable again");
    CHECK(b.max == 16, "clear keeps the cap");
    util__buf_free(&b);
    /* the default cap of a zeroed struct is 1 GiB: one byte over fails without allocating */
    memset(&b, 0, sizeof b);
    CHECK(util__buf_reserve(&b, ((size_t)1 << 30) + 1) == -1 && b.failed, "1 GiB default cap");
    util__buf_free(&b);
}

int main(void)
{
    test_zeroed_and_writers();
    test_reserve_clear();
    test_cap_and_failure();
    PASS();
}
