/* SHA-256 (FIPS 180-4, section 6.2): one-shot, incremental and file hashing.
 *
 * Used to fingerprint the market store and other inputs a run depends on, so
 * a results file records exactly which data produced it.  The digest is 32
 * bytes; its hex form is 64 lowercase characters plus a terminating NUL, the
 * same text `sha256sum` prints. */
#ifndef HEDGESIM_SHA256_H
#define HEDGESIM_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define HS_SHA256_DIGEST_SIZE 32 /* bytes in a digest */
#define HS_SHA256_HEX_SIZE 65    /* chars in a hex digest, NUL included */

/* Incremental state: a plain record the caller owns (stack is fine).  The
 * fields are private to sha256.c; use the functions below. */
typedef struct hs_sha256_ctx {
    uint32_t h[8];      /* chaining value */
    uint64_t nbytes;    /* message length so far, in bytes */
    uint8_t block[64];  /* pending partial block */
    size_t nblock;      /* bytes used in block, 0..63 */
} hs_sha256_ctx;

/* Start a new message. */
void hs_sha256_init(hs_sha256_ctx *ctx);

/* Append n bytes of data (data may be NULL when n is 0).  Any split of a
 * message into updates gives the same digest. */
void hs_sha256_update(hs_sha256_ctx *ctx, const void *data, size_t n);

/* Finish the message and write its 32-byte digest to out.  The context must
 * be re-initialised with hs_sha256_init before it is used again. */
void hs_sha256_final(hs_sha256_ctx *ctx, uint8_t out[32]);

/* One-shot digest of n bytes at data (NULL allowed when n is 0). */
void hs_sha256(const void *data, size_t n, uint8_t out[32]);

/* Lowercase hex of a digest, NUL-terminated, into the caller's hex[65]. */
void hs_sha256_hex(const uint8_t digest[32], char hex[65]);

/* Hash the contents of the file at path and write its lowercase hex digest to
 * hex[65].  Returns 0, HS_EINVAL for NULL arguments, or HS_EIO when the file
 * cannot be opened or read (the message names the path and the reason); on
 * failure hex is set to "". */
int hs_sha256_file(const char *path, char hex[65]);

#endif
