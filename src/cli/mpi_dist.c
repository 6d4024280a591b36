/* hedgesim-mpi: the paths of `mc` and the grid points of `sweep` shared
 * over MPI processes (Open MPI), docs/scale.md.  Built only with
 * `make MPI=1`; the library knows nothing of MPI: it asks for chunks of
 * work through hs_mc_opts / hs_sweep_opts.next_chunk and packs and unpacks
 * the results of one path or point.
 *
 * Rank 0 hands out chunks on request (a server thread answers the other
 * ranks while its own worker threads take chunks from the same counter),
 * so a slow rank takes fewer chunks and does not hold the run.  At the end
 * every other rank sends the results of the chunks it ran to rank 0 in one
 * message (in pieces of at most 1 GiB); rank 0 stores them by index and
 * writes the file.  Placement by index makes the results independent of
 * who ran what.
 *
 * MPI calls: rank 0's server thread alone during the run, the main thread
 * after it; on the other ranks the worker threads, one at a time (the
 * runner serialises next_chunk).  So MPI_THREAD_SERIALIZED is enough. */
#include "cli_int.h"
#include "hedgesim/errors.h"

#include <mpi.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { TAG_REQUEST = 1, TAG_CHUNK, TAG_SIZE, TAG_DATA };

/* The largest chunk handed out, and the most bytes in one message. */
#define CHUNK_MAX 64
#define PIECE_MAX ((size_t)1 << 30)

/* The process's share of the work: one per process, like MPI itself. */
static struct {
    int rank, size;
    pthread_mutex_t lock; /* next, on rank 0 (server and local threads) */
    size_t total, next;
    int serving;          /* rank 0: the server thread runs */
    pthread_t server;
    int exhausted;        /* other ranks: rank 0 said no work is left */
    uint64_t *chunks;     /* other ranks: [2 * n_chunks] first, count */
    size_t n_chunks, cap_chunks;
    /* $HEDGESIM_MPI_STATS: the communication, measured (docs/scale.md) */
    int stats;
    double wait_s;        /* other ranks: waiting for chunks */
    double t_init, t_first; /* MPI_Wtime at start, at the first chunk */
    size_t served;        /* rank 0: chunks handed out */
} g = {.size = 1, .lock = PTHREAD_MUTEX_INITIALIZER};

int hs_cli_mpi_init(int *argc, char ***argv)
{
    int provided = 0;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_SERIALIZED, &provided) !=
        MPI_SUCCESS) {
        fprintf(stderr, "hedgesim-mpi: MPI_Init_thread failed\n");
        return -1;
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &g.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g.size);
    if (provided < MPI_THREAD_SERIALIZED) {
        if (g.rank == 0)
            fprintf(stderr, "hedgesim-mpi: this MPI library offers thread "
                            "level %d, MPI_THREAD_SERIALIZED (%d) is needed\n",
                    provided, MPI_THREAD_SERIALIZED);
        MPI_Finalize();
        return -1;
    }
    g.t_init = MPI_Wtime();
    const char *st = getenv("HEDGESIM_MPI_STATS");
    g.stats = st && *st && strcmp(st, "0") != 0;
    return 0;
}

int hs_cli_rank(void) { return g.rank; }
int hs_cli_ranks(void) { return g.size; }

/* Guided sizes: a share of what is left, so the last chunks are small and
 * the ranks finish together; at most CHUNK_MAX. */
static void claim(size_t *first, size_t *count)
{
    pthread_mutex_lock(&g.lock);
    size_t left = g.total - g.next, c = left / (4 * (size_t)g.size);
    if (c > CHUNK_MAX)
        c = CHUNK_MAX;
    if (c == 0)
        c = left ? 1 : 0;
    *first = g.next;
    *count = c;
    g.next += c;
    g.served += c > 0;
    pthread_mutex_unlock(&g.lock);
}

static void nap_us(long us)
{
    struct timespec ts = {0, us * 1000};
    nanosleep(&ts, NULL);
}

/* Rank 0: answer every request until each other rank has been told that
 * no work is left.  Polls (with short naps) rather than blocking, so that
 * the thread does not spin a core away from the workers. */
static void *serve(void *arg)
{
    (void)arg;
    int open = g.size - 1;
    while (open > 0) {
        MPI_Request req;
        MPI_Status st;
        int dummy = 0, flag = 0;
        MPI_Irecv(&dummy, 1, MPI_INT, MPI_ANY_SOURCE, TAG_REQUEST,
                  MPI_COMM_WORLD, &req);
        for (;;) {
            MPI_Test(&req, &flag, &st);
            if (flag)
                break;
            nap_us(50);
        }
        size_t first, count;
        claim(&first, &count);
        uint64_t reply[2] = {first, count};
        MPI_Send(reply, 2, MPI_UINT64_T, st.MPI_SOURCE, TAG_CHUNK,
                 MPI_COMM_WORLD);
        if (count == 0)
            open--;
    }
    return NULL;
}

/* next_chunk of hs_mc_opts / hs_sweep_opts. */
static int next_chunk(void *ctx, size_t *first, size_t *count)
{
    (void)ctx;
    if (g.rank == 0) {
        claim(first, count);
        return 0;
    }
    *first = *count = 0;
    if (g.exhausted)
        return 0;
    if (g.n_chunks == g.cap_chunks) {
        size_t cap = g.cap_chunks ? 2 * g.cap_chunks : 256;
        uint64_t *c = realloc(g.chunks, 2 * cap * sizeof *c);
        if (!c)
            return hs_error_set(HS_ENOMEM, "out of memory for the chunk list");
        g.chunks = c;
        g.cap_chunks = cap;
    }
    int dummy = 0;
    uint64_t reply[2];
    double t0 = MPI_Wtime();
    MPI_Send(&dummy, 1, MPI_INT, 0, TAG_REQUEST, MPI_COMM_WORLD);
    MPI_Recv(reply, 2, MPI_UINT64_T, 0, TAG_CHUNK, MPI_COMM_WORLD,
             MPI_STATUS_IGNORE);
    g.wait_s += MPI_Wtime() - t0;
    if (!g.t_first)
        g.t_first = t0;
    if (reply[1] == 0) {
        g.exhausted = 1;
        return 0;
    }
    g.chunks[2 * g.n_chunks] = reply[0];
    g.chunks[2 * g.n_chunks + 1] = reply[1];
    g.n_chunks++;
    *first = (size_t)reply[0];
    *count = (size_t)reply[1];
    return 0;
}

static int start(size_t total)
{
    g.total = total;
    g.next = 0;
    g.exhausted = 0;
    g.n_chunks = 0;
    g.served = 0;
    g.wait_s = 0;
    if (g.rank == 0 && g.size > 1) {
        if (pthread_create(&g.server, NULL, serve, NULL))
            return hs_error_set(HS_ENOMEM, "cannot start the chunk server");
        g.serving = 1;
    }
    return 0;
}

void hs_cli_share_mc(hs_mc_opts *o)
{
    if (g.size < 2)
        return;
    o->next_chunk = next_chunk;
    o->chunk_ctx = NULL;
    o->progress = NULL; /* rank 0 sees only its own paths */
}

void hs_cli_share_sweep(hs_sweep_opts *o)
{
    if (g.size < 2)
        return;
    o->next_chunk = next_chunk;
    o->chunk_ctx = NULL;
    o->progress = NULL;
}

int hs_cli_share_start(size_t total)
{
    return g.size < 2 ? 0 : start(total);
}

/* One path or grid point, by work item. */
typedef struct items {
    size_t (*bytes)(void *obj, size_t item);
    void (*pack)(void *obj, size_t item, void *buf);
    int (*unpack)(void *obj, size_t item, const void *buf);
    void *obj;
} items;

/* Send `n` bytes to rank 0 in pieces that fit an int count. */
static void send_bytes(const unsigned char *buf, size_t n)
{
    uint64_t size = n;
    MPI_Send(&size, 1, MPI_UINT64_T, 0, TAG_SIZE, MPI_COMM_WORLD);
    for (size_t off = 0; off < n; off += PIECE_MAX) {
        size_t k = n - off < PIECE_MAX ? n - off : PIECE_MAX;
        MPI_Send(buf + off, (int)k, MPI_BYTE, 0, TAG_DATA, MPI_COMM_WORLD);
    }
}

/* Other ranks: [n_chunks][first, count]... then the items' bytes. */
static int send_results(const items *it)
{
    size_t n = 8 + 16 * g.n_chunks;
    for (size_t c = 0; c < g.n_chunks; c++)
        for (uint64_t w = 0; w < g.chunks[2 * c + 1]; w++)
            n += it->bytes(it->obj, (size_t)(g.chunks[2 * c] + w));
    unsigned char *buf = malloc(n), *at;
    if (!buf)
        return hs_error_set(HS_ENOMEM, "rank %d: out of memory for %zu bytes "
                            "of results", g.rank, n);
    uint64_t nc = g.n_chunks;
    memcpy(buf, &nc, 8);
    if (g.n_chunks)
        memcpy(buf + 8, g.chunks, 16 * g.n_chunks);
    at = buf + 8 + 16 * g.n_chunks;
    for (size_t c = 0; c < g.n_chunks; c++)
        for (uint64_t w = 0; w < g.chunks[2 * c + 1]; w++) {
            size_t item = (size_t)(g.chunks[2 * c] + w);
            it->pack(it->obj, item, at);
            at += it->bytes(it->obj, item);
        }
    send_bytes(buf, n);
    free(buf);
    if (g.stats)
        fprintf(stderr, "hedgesim-mpi: rank %d: first chunk asked %.3f s "
                        "after start, work done %.3f s after; %zu chunks, "
                        "%.6f s waiting for them (%.1f us a chunk), %zu bytes "
                        "of results\n",
                g.rank, g.t_first - g.t_init, MPI_Wtime() - g.t_first,
                g.n_chunks, g.wait_s,
                g.n_chunks ? 1e6 * g.wait_s / (double)(g.n_chunks + 1) : 0.0,
                n);
    return 0;
}

/* Rank 0: the results of rank r, stored by item. */
static int recv_results(const items *it, int r, size_t *bytes)
{
    uint64_t size = 0;
    int rc = 0;
    MPI_Recv(&size, 1, MPI_UINT64_T, r, TAG_SIZE, MPI_COMM_WORLD,
             MPI_STATUS_IGNORE);
    unsigned char *buf = malloc(size ? (size_t)size : 1);
    if (!buf)
        return hs_error_set(HS_ENOMEM, "out of memory for %llu bytes of "
                            "results of rank %d", (unsigned long long)size, r);
    for (size_t off = 0; off < size; off += PIECE_MAX) {
        size_t k = size - off < PIECE_MAX ? (size_t)size - off : PIECE_MAX;
        MPI_Recv(buf + off, (int)k, MPI_BYTE, r, TAG_DATA, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
    }
    *bytes += (size_t)size;
    uint64_t nc;
    memcpy(&nc, buf, 8);
    const unsigned char *at = buf + 8 + 16 * nc, *end = buf + size;
    for (uint64_t c = 0; c < nc && !rc; c++) {
        uint64_t fc[2];
        memcpy(fc, buf + 8 + 16 * c, 16);
        for (uint64_t w = 0; w < fc[1] && !rc; w++) {
            size_t item = (size_t)(fc[0] + w);
            if (item >= g.total || at + it->bytes(it->obj, item) > end) {
                rc = hs_error_set(HS_EDATA, "the results of rank %d do not "
                                  "match the work it was given", r);
                break;
            }
            rc = it->unpack(it->obj, item, at);
            at += it->bytes(it->obj, item);
        }
    }
    free(buf);
    return rc;
}

static int gather(const items *it)
{
    int rc = 0;
    if (g.size < 2)
        return 0;
    if (g.rank != 0)
        return send_results(it);
    if (g.serving) {
        pthread_join(g.server, NULL);
        g.serving = 0;
    }
    double t0 = MPI_Wtime();
    size_t bytes = 0;
    for (int r = 1; r < g.size && !rc; r++)
        rc = recv_results(it, r, &bytes);
    if (g.stats && !rc) {
        double s = MPI_Wtime() - t0;
        fprintf(stderr, "hedgesim-mpi: rank 0: %zu chunks handed out to %d "
                        "ranks, gathered %zu bytes in %.6f s (%.1f MB/s)\n",
                g.served, g.size, bytes, s, s > 0 ? (double)bytes / s / 1e6 : 0);
    }
    return rc;
}

static size_t mc_bytes(void *obj, size_t p) { return hs_mc_path_bytes(obj, p); }
static void mc_pack(void *obj, size_t p, void *buf)
{
    hs_mc_path_pack(obj, p, buf);
}
static int mc_unpack(void *obj, size_t p, const void *buf)
{
    return hs_mc_path_unpack(obj, p, buf);
}

int hs_cli_gather_mc(hs_mc *mc)
{
    items it = {mc_bytes, mc_pack, mc_unpack, mc};
    return gather(&it);
}

static size_t sw_bytes(void *obj, size_t w)
{
    (void)obj;
    (void)w;
    return hs_sweep_point_bytes();
}
static void sw_pack(void *obj, size_t w, void *buf)
{
    hs_sweep_point_pack(obj, hs_sweep_point_of_work(obj, w), buf);
}
static int sw_unpack(void *obj, size_t w, const void *buf)
{
    return hs_sweep_point_unpack(obj, hs_sweep_point_of_work(obj, w), buf);
}

int hs_cli_gather_sweep(hs_sweep *sw)
{
    items it = {sw_bytes, sw_pack, sw_unpack, sw};
    return gather(&it);
}

void hs_cli_mpi_end(int code)
{
    fflush(stdout);
    fflush(stderr);
    free(g.chunks);
    g.chunks = NULL;
    if (code != 0 && g.size > 1) {
        fprintf(stderr, "hedgesim-mpi: rank %d of %d failed (exit status "
                        "%d): stopping every rank, no results written\n",
                g.rank, g.size, code);
        fflush(stderr);
        MPI_Abort(MPI_COMM_WORLD, code);
    }
    MPI_Finalize();
}
