/* SHA-256 as specified in FIPS 180-4 (section 4.1.2 functions, 4.2.2
 * constants, 5.1.1 padding, 5.3.3 initial value, 6.2.2 computation). */
#include "hedgesim/sha256.h"

#include "hedgesim/errors.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* x86-64 with GCC: the SHA extensions (SHA-NI) when the processor has them,
 * chosen at run time; every other case uses the portable compress(). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define HS_SHA_NI 1
#include <immintrin.h>
#endif

/* FIPS 180-4 section 4.2.2: the first 32 bits of the fractional parts of the
 * cube roots of the first 64 primes. */
static const uint32_t K[64] = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu,
    0x59f111f1u, 0x923f82a4u, 0xab1c5ed5u, 0xd807aa98u, 0x12835b01u,
    0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u,
    0xc19bf174u, 0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu,
    0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau, 0x983e5152u,
    0xa831c66du, 0xb00327c8u, 0xbf597fc7u, 0xc6e00bf3u, 0xd5a79147u,
    0x06ca6351u, 0x14292967u, 0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu,
    0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u,
    0xa2bfe8a1u, 0xa81a664bu, 0xc24b8b70u, 0xc76c51a3u, 0xd192e819u,
    0xd6990624u, 0xf40e3585u, 0x106aa070u, 0x19a4c116u, 0x1e376c08u,
    0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu,
    0x682e6ff3u, 0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u,
    0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u};

static uint32_t rotr(uint32_t x, unsigned n) { return (x >> n) | (x << (32u - n)); }

static uint32_t load_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
           ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static void store_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Process one 64-byte block (section 6.2.2). */
static void compress(uint32_t h[8], const uint8_t *blk)
{
    uint32_t w[64];
    uint32_t a, b, c, d, e, f, g, hh;
    int t;

    for (t = 0; t < 16; t++)
        w[t] = load_be32(blk + 4 * t);
    for (t = 16; t < 64; t++) {
        uint32_t s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
        uint32_t s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
        w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }

    a = h[0], b = h[1], c = h[2], d = h[3];
    e = h[4], f = h[5], g = h[6], hh = h[7];
    for (t = 0; t < 64; t++) {
        uint32_t S1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
        uint32_t ch = (e & f) ^ (~e & g);
        uint32_t t1 = hh + S1 + ch + K[t] + w[t];
        uint32_t S0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
        uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
        uint32_t t2 = S0 + maj;
        hh = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d;
    h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
}

#ifdef HS_SHA_NI
/* The same computation as compress() on n consecutive blocks with the SHA
 * extensions, following Intel's description of them ("Intel SHA
 * Extensions", Gulley et al., Intel, 2013): the state is held as the word
 * pairs (A,B,E,F) and (C,D,G,H); sha256rnds2 does two rounds, sha256msg1 and
 * sha256msg2 the message schedule of section 6.2.2 step 1, four words at a
 * time (W[t] for t >= 16 from W[t-16], W[t-15], W[t-7], W[t-2]). */
__attribute__((target("sha,sse4.1,ssse3"))) static void
compress_ni(uint32_t h[8], const uint8_t *blk, size_t n)
{
    /* Big-endian words of the block into the lanes. */
    const __m128i bswap =
        _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
    __m128i t = _mm_loadu_si128((const __m128i *)(const void *)h);
    __m128i s1 = _mm_loadu_si128((const __m128i *)(const void *)(h + 4));
    t = _mm_shuffle_epi32(t, 0xb1);         /* C D A B */
    s1 = _mm_shuffle_epi32(s1, 0x1b);       /* E F G H */
    __m128i s0 = _mm_alignr_epi8(t, s1, 8); /* A B E F */
    s1 = _mm_blend_epi16(s1, t, 0xf0);      /* C D G H */

    for (; n > 0; n--, blk += 64) {
        const __m128i save0 = s0, save1 = s1;
        __m128i m[4];
#pragma GCC unroll 4
        for (int i = 0; i < 4; i++)
            m[i] = _mm_shuffle_epi8(
                _mm_loadu_si128((const __m128i *)(const void *)(blk + 16 * i)),
                bswap);
#pragma GCC unroll 16
        for (int q = 0; q < 16; q++) {
            /* Sixteen groups of four rounds; m[q & 3] holds W[4q .. 4q+3]
             * (the loop unrolled, so that m[] lives in registers). */
            __m128i w = _mm_add_epi32(
                m[q & 3],
                _mm_loadu_si128((const __m128i *)(const void *)(K + 4 * q)));
            s1 = _mm_sha256rnds2_epu32(s1, s0, w);
            if (q >= 3 && q < 15) {
                /* W[4q+4 .. 4q+7]: the W[t-7] terms, then the W[t-2]. */
                __m128i next = m[(q + 1) & 3];
                next = _mm_add_epi32(
                    next, _mm_alignr_epi8(m[q & 3], m[(q + 3) & 3], 4));
                m[(q + 1) & 3] = _mm_sha256msg2_epu32(next, m[q & 3]);
            }
            w = _mm_shuffle_epi32(w, 0x0e);
            s0 = _mm_sha256rnds2_epu32(s0, s1, w);
            if (q >= 1 && q < 13) /* the W[t-16] and W[t-15] terms */
                m[(q - 1) & 3] = _mm_sha256msg1_epu32(m[(q - 1) & 3], m[q & 3]);
        }
        s0 = _mm_add_epi32(s0, save0);
        s1 = _mm_add_epi32(s1, save1);
    }

    t = _mm_shuffle_epi32(s0, 0x1b);   /* F E B A */
    s1 = _mm_shuffle_epi32(s1, 0xb1);  /* D C H G */
    s0 = _mm_blend_epi16(t, s1, 0xf0); /* D C B A */
    s1 = _mm_alignr_epi8(s1, t, 8);    /* H G F E */
    _mm_storeu_si128((__m128i *)(void *)h, s0);
    _mm_storeu_si128((__m128i *)(void *)(h + 4), s1);
}
#endif

/* compress() on n consecutive blocks: with the processor's SHA instructions
 * when it has them, unless HS_SHA256_PORTABLE is set in the environment (a
 * testing aid: the test suite checks both paths against the FIPS vectors). */
static void compress_blocks(uint32_t h[8], const uint8_t *blk, size_t n)
{
#ifdef HS_SHA_NI
    if (__builtin_cpu_supports("sha") && __builtin_cpu_supports("sse4.1") &&
        !getenv("HS_SHA256_PORTABLE")) {
        compress_ni(h, blk, n);
        return;
    }
#endif
    for (; n > 0; n--, blk += 64)
        compress(h, blk);
}

void hs_sha256_init(hs_sha256_ctx *ctx)
{
    /* Section 5.3.3: fractional parts of the square roots of the first 8
     * primes. */
    static const uint32_t H0[8] = {0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u,
                                   0xa54ff53au, 0x510e527fu, 0x9b05688cu,
                                   0x1f83d9abu, 0x5be0cd19u};
    memcpy(ctx->h, H0, sizeof H0);
    ctx->nbytes = 0;
    ctx->nblock = 0;
}

void hs_sha256_update(hs_sha256_ctx *ctx, const void *data, size_t n)
{
    const uint8_t *p = data;

    if (n == 0)
        return;
    ctx->nbytes += (uint64_t)n;
    if (ctx->nblock > 0) {
        size_t take = 64 - ctx->nblock;
        if (take > n)
            take = n;
        memcpy(ctx->block + ctx->nblock, p, take);
        ctx->nblock += take;
        p += take;
        n -= take;
        if (ctx->nblock < 64)
            return;
        compress_blocks(ctx->h, ctx->block, 1);
        ctx->nblock = 0;
    }
    if (n >= 64) {
        compress_blocks(ctx->h, p, n / 64);
        p += n / 64 * 64;
        n %= 64;
    }
    if (n > 0) {
        memcpy(ctx->block, p, n);
        ctx->nblock = n;
    }
}

void hs_sha256_final(hs_sha256_ctx *ctx, uint8_t out[32])
{
    /* Section 5.1.1: append 0x80, zeros to 56 mod 64, then the message
     * length in bits as a 64-bit big-endian integer. */
    uint64_t bits = ctx->nbytes * 8u;
    int i;

    ctx->block[ctx->nblock++] = 0x80;
    if (ctx->nblock > 56) {
        memset(ctx->block + ctx->nblock, 0, 64 - ctx->nblock);
        compress_blocks(ctx->h, ctx->block, 1);
        ctx->nblock = 0;
    }
    memset(ctx->block + ctx->nblock, 0, 56 - ctx->nblock);
    for (i = 0; i < 8; i++)
        ctx->block[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
    compress_blocks(ctx->h, ctx->block, 1);
    for (i = 0; i < 8; i++)
        store_be32(out + 4 * i, ctx->h[i]);
    memset(ctx, 0, sizeof *ctx);
}

void hs_sha256(const void *data, size_t n, uint8_t out[32])
{
    hs_sha256_ctx ctx;
    hs_sha256_init(&ctx);
    hs_sha256_update(&ctx, data, n);
    hs_sha256_final(&ctx, out);
}

void hs_sha256_hex(const uint8_t digest[32], char hex[65])
{
    static const char xd[] = "0123456789abcdef";
    int i;
    for (i = 0; i < 32; i++) {
        hex[2 * i] = xd[digest[i] >> 4];
        hex[2 * i + 1] = xd[digest[i] & 0x0f];
    }
    hex[64] = '\0';
}

int hs_sha256_file(const char *path, char hex[65])
{
    uint8_t buf[16384];
    uint8_t digest[32];
    hs_sha256_ctx ctx;
    FILE *fp = NULL;
    size_t got;
    int rc = 0;

    if (hex)
        hex[0] = '\0';
    if (!path || !hex)
        return hs_error_set(HS_EINVAL, "hs_sha256_file: NULL argument");

    fp = fopen(path, "rb");
    if (!fp) {
        rc = hs_error_set(HS_EIO, "cannot open '%s' to hash it: %s", path,
                          strerror(errno));
        goto done;
    }
    hs_sha256_init(&ctx);
    while ((got = fread(buf, 1, sizeof buf, fp)) > 0)
        hs_sha256_update(&ctx, buf, got);
    if (ferror(fp)) {
        rc = hs_error_set(HS_EIO, "cannot read '%s' to hash it: %s", path,
                          strerror(errno));
        goto done;
    }
    hs_sha256_final(&ctx, digest);
    hs_sha256_hex(digest, hex);

done:
    if (fp)
        fclose(fp);
    return rc;
}
