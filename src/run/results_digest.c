/* The digest of the rows a run loaded (hs_results_panel_sha256,
 * results_run.h): what a results file records instead of hashing the whole
 * store, so that a run's cost does not grow with the store. */
#include "hedgesim/results_run.h"
#include "hedgesim/sha256.h"

#include <math.h>
#include <string.h>

/* Bytes hashed per update. */
#define CHUNK 512

static void put_u64s(hs_sha256_ctx *c, const uint64_t *v, size_t n)
{
    uint8_t buf[CHUNK * 8];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        for (int b = 0; b < 8; b++)
            buf[8 * k + (size_t)b] = (uint8_t)(v[i] >> (8 * b));
        if (++k == CHUNK) {
            hs_sha256_update(c, buf, 8 * k);
            k = 0;
        }
    }
    hs_sha256_update(c, buf, 8 * k);
}

static void put_i64s(hs_sha256_ctx *c, const int64_t *v, size_t n)
{
    uint64_t u[CHUNK];
    for (size_t i = 0; i < n; i += CHUNK) {
        size_t m = n - i < CHUNK ? n - i : CHUNK;
        for (size_t j = 0; j < m; j++)
            u[j] = (uint64_t)v[i + j];
        put_u64s(c, u, m);
    }
}

/* Doubles by their IEEE bits, every NaN as 0x7ff8000000000000. */
static void put_f64s(hs_sha256_ctx *c, const double *v, size_t n)
{
    uint64_t u[CHUNK];
    for (size_t i = 0; i < n; i += CHUNK) {
        size_t m = n - i < CHUNK ? n - i : CHUNK;
        for (size_t j = 0; j < m; j++) {
            u[j] = 0x7ff8000000000000ull;
            if (!isnan(v[i + j]))
                memcpy(&u[j], &v[i + j], 8);
        }
        put_u64s(c, u, m);
    }
}

void hs_results_panel_sha256(const hs_panel *p, char hex[65])
{
    const size_t n = p->n_steps, na = p->n_assets, nn = n * na;
    const int64_t shape[3] = {(int64_t)n, (int64_t)na, p->step_ms};
    uint8_t d[HS_SHA256_DIGEST_SIZE];
    hs_sha256_ctx c;
    hs_sha256_init(&c);
    put_i64s(&c, shape, 3);
    put_i64s(&c, p->time, n);
    for (size_t a = 0; a < na; a++)
        hs_sha256_update(&c, p->symbol[a], strlen(p->symbol[a]) + 1);
    const double *const cols[] = {p->open,   p->high,   p->low, p->close,
                                  p->volume, p->funding};
    for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++)
        put_f64s(&c, cols[k], nn);
    hs_sha256_update(&c, p->state, nn);
    put_f64s(&c, p->rate, n);
    hs_sha256_final(&c, d);
    hs_sha256_hex(d, hex);
}
