/* SHA-256 known answers and file hashing.
 *
 * Vectors: FIPS 180-2, Appendix B (B.1 "abc", B.2 the 448-bit message, B.3
 * one million 'a'), repeated in the NIST "Cryptographic Standards and
 * Guidelines: Examples with Intermediate Values" for SHA-256.  File digests
 * are compared against coreutils `sha256sum`, run at test time. */
#include "testutil.h"

#include "hedgesim/sha256.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char ABC_HEX[] =
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
static const char MSG448[] =
    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
static const char MSG448_HEX[] =
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1";
static const char MILLION_A_HEX[] =
    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";

static void digest_hex(const void *data, size_t n, char hex[65])
{
    uint8_t d[32];
    hs_sha256(data, n, d);
    hs_sha256_hex(d, hex);
}

START_TEST(test_fips_abc)
{
    char hex[65];
    uint8_t d[32];

    digest_hex("abc", 3, hex);
    ck_assert_str_eq(hex, ABC_HEX);
    /* Raw bytes, first and last word of FIPS 180-2 B.1. */
    hs_sha256("abc", 3, d);
    ck_assert_uint_eq(d[0], 0xba);
    ck_assert_uint_eq(d[31], 0xad);
}
END_TEST

START_TEST(test_fips_448bit)
{
    char hex[65];
    ck_assert_uint_eq(strlen(MSG448), 56); /* 448 bits: two-block padding */
    digest_hex(MSG448, strlen(MSG448), hex);
    ck_assert_str_eq(hex, MSG448_HEX);
}
END_TEST

START_TEST(test_fips_million_a)
{
    char hex[65];
    char *buf = malloc(1000000);
    ck_assert_ptr_nonnull(buf);
    memset(buf, 'a', 1000000);
    digest_hex(buf, 1000000, hex);
    free(buf);
    ck_assert_str_eq(hex, MILLION_A_HEX);
}
END_TEST

/* The same million 'a' fed in awkward, varying chunk sizes: every split
 * must give the one-shot answer. */
START_TEST(test_incremental_splits)
{
    char a[1024]; /* > largest step, 1003 */
    char hex[65];
    uint8_t d[32];
    hs_sha256_ctx ctx;
    size_t left = 1000000, step = 1;

    memset(a, 'a', sizeof a);
    hs_sha256_init(&ctx);
    while (left > 0) {
        size_t k = step < left ? step : left;
        hs_sha256_update(&ctx, a, k);
        left -= k;
        step = step % 997 + 7; /* 1, 8, 15, ... crosses every block offset */
    }
    hs_sha256_final(&ctx, d);
    hs_sha256_hex(d, hex);
    ck_assert_str_eq(hex, MILLION_A_HEX);

    /* "abc" one byte at a time, with empty updates in between. */
    hs_sha256_init(&ctx);
    hs_sha256_update(&ctx, NULL, 0);
    hs_sha256_update(&ctx, "a", 1);
    hs_sha256_update(&ctx, "b", 1);
    hs_sha256_update(&ctx, NULL, 0);
    hs_sha256_update(&ctx, "c", 1);
    hs_sha256_final(&ctx, d);
    hs_sha256_hex(d, hex);
    ck_assert_str_eq(hex, ABC_HEX);

    /* A context is reusable after init. */
    hs_sha256_init(&ctx);
    hs_sha256_update(&ctx, MSG448, 20);
    hs_sha256_update(&ctx, MSG448 + 20, strlen(MSG448) - 20);
    hs_sha256_final(&ctx, d);
    hs_sha256_hex(d, hex);
    ck_assert_str_eq(hex, MSG448_HEX);
}
END_TEST

/* Write n bytes of a fixed pattern to a fresh temp file; returns its path in
 * path[] (caller unlinks). */
static void write_pattern(char *path, size_t pathsz, size_t n)
{
    snprintf(path, pathsz, "/tmp/hs_sha256_XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)((i * 131u + 7u) & 0xffu);
        ck_assert_int_eq(write(fd, &c, 1), 1);
    }
    ck_assert_int_eq(close(fd), 0);
}

/* `sha256sum <path>` run now; returns 0 and the hex digest, or -1. */
static int sha256sum_of(const char *path, char hex[65])
{
    char cmd[512];
    FILE *p;
    int ok;

    snprintf(cmd, sizeof cmd, "sha256sum '%s' 2>/dev/null", path);
    p = popen(cmd, "r");
    if (!p)
        return -1;
    ok = fscanf(p, "%64s", hex) == 1;
    if (pclose(p) != 0 || !ok || strlen(hex) != 64)
        return -1;
    return 0;
}

/* Lengths around the padding boundaries (55/56 bytes leave room for the
 * length field or not; 64 is one whole block) and a multi-buffer file. */
START_TEST(test_file_matches_sha256sum)
{
    static const size_t lens[] = {0,   1,   55,  56,  57,    63,
                                  64,  65,  119, 120, 127,   128,
                                  129, 16383, 16384, 16385, 100000};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        char path[64], want[65], got[65], mem[65];
        write_pattern(path, sizeof path, lens[i]);
        ck_assert_msg(sha256sum_of(path, want) == 0,
                      "sha256sum (coreutils) failed on %s", path);
        ck_assert_int_eq(hs_sha256_file(path, got), 0);
        ck_assert_msg(strcmp(got, want) == 0, "len %zu: %s != sha256sum %s",
                      lens[i], got, want);

        /* The in-memory digest of the same bytes agrees too. */
        unsigned char *buf = malloc(lens[i] + 1);
        ck_assert_ptr_nonnull(buf);
        for (size_t j = 0; j < lens[i]; j++)
            buf[j] = (unsigned char)((j * 131u + 7u) & 0xffu);
        digest_hex(buf, lens[i], mem);
        free(buf);
        ck_assert_str_eq(mem, want);
        unlink(path);
    }
}
END_TEST

/* A FIPS vector through a file, independent of sha256sum. */
START_TEST(test_file_known_vector)
{
    char path[64] = "/tmp/hs_sha256_XXXXXX", hex[65];
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, MSG448, strlen(MSG448)), (int)strlen(MSG448));
    ck_assert_int_eq(close(fd), 0);
    ck_assert_int_eq(hs_sha256_file(path, hex), 0);
    ck_assert_str_eq(hex, MSG448_HEX);
    unlink(path);
}
END_TEST

START_TEST(test_file_errors)
{
    char hex[65] = "x";
    char dir[64] = "/tmp/hs_sha256_dir_XXXXXX";
    const char *missing = "/tmp/hs-sha256-no-such-dir/none.bin";

    ck_assert_int_eq(hs_sha256_file(missing, hex), HS_EIO);
    ck_assert_str_eq(hex, "");
    ck_assert_msg(strstr(hs_error_last(), missing) != NULL,
                  "message does not name the path: %s", hs_error_last());

    /* A directory opens but cannot be read. */
    ck_assert_ptr_nonnull(mkdtemp(dir));
    ck_assert_int_eq(hs_sha256_file(dir, hex), HS_EIO);
    ck_assert_msg(strstr(hs_error_last(), dir) != NULL,
                  "message does not name the path: %s", hs_error_last());
    rmdir(dir);

    ck_assert_int_eq(hs_sha256_file(NULL, hex), HS_EINVAL);
    ck_assert_int_eq(hs_sha256_file("x", NULL), HS_EINVAL);
}
END_TEST

/* The same vectors with the portable code forced (HS_SHA256_PORTABLE), so
 * that it is checked on processors with SHA instructions too, and the
 * native path again after it. */
START_TEST(test_portable_path)
{
    char hex[65];
    char *buf = malloc(1000000);
    ck_assert_ptr_nonnull(buf);
    memset(buf, 'a', 1000000);
    for (int portable = 1; portable >= 0; portable--) {
        if (portable)
            ck_assert_int_eq(setenv("HS_SHA256_PORTABLE", "1", 1), 0);
        else
            ck_assert_int_eq(unsetenv("HS_SHA256_PORTABLE"), 0);
        digest_hex("abc", 3, hex);
        ck_assert_str_eq(hex, ABC_HEX);
        digest_hex(MSG448, strlen(MSG448), hex);
        ck_assert_str_eq(hex, MSG448_HEX);
        digest_hex(buf, 1000000, hex);
        ck_assert_str_eq(hex, MILLION_A_HEX);
    }
    free(buf);
}
END_TEST

static Suite *sha256_suite(void)
{
    Suite *s = suite_create("sha256");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_fips_abc);
    tcase_add_test(tc, test_fips_448bit);
    tcase_add_test(tc, test_fips_million_a);
    tcase_add_test(tc, test_incremental_splits);
    tcase_add_test(tc, test_portable_path);
    tcase_add_test(tc, test_file_matches_sha256sum);
    tcase_add_test(tc, test_file_known_vector);
    tcase_add_test(tc, test_file_errors);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return hs_test_main(sha256_suite()); }
