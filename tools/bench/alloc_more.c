/*
 * tools/bench/alloc_more.c - allocator workloads that ../shared/anchors/alloc
 * lacks, for whichever malloc LD_PRELOAD puts in front: a standalone program
 * (libc and pthreads only, never linked with Avila) that uses only the
 * standard interface, so every allocator runs on equal terms. One case per
 * process, so the memory figures are the case's own:
 *
 *   alloc_more larson [THREADS]
 *     BENCH alloc@$ALLOC_IMPL larson/t<THREADS> <ns> ns/op
 *     a larson-like server: THREADS (default 2) lineages of threads, each
 *     lineage owning SLOTS blocks; a round frees a random slot and mallocs a
 *     new block into it (2 ops; 8..1024 B skewed small, one in 16 up to
 *     16 KiB). Every GEN_ROUNDS rounds the thread starts a fresh thread on
 *     its slots and exits, so blocks are freed by threads that did not
 *     allocate them. Fixed seeds and LARSON_ROUNDS rounds per lineage; ns/op
 *     = wall time / ops per lineage, median of RUNS runs after a warm-up.
 *
 *   alloc_more hungry
 *     BENCH alloc@$ALLOC_IMPL hungry <ns> ns/op            (malloc + touch)
 *     BENCH alloc@$ALLOC_IMPL hungry/malloc <ns> ns/op     (malloc alone)
 *     BENCH alloc@$ALLOC_IMPL hungry/peak-rss <MB> MB      (VmHWM)
 *     BENCH alloc@$ALLOC_IMPL hungry/rss-freed <MB> MB     (VmRSS at the end)
 *     mallocs HUNGRY_BYTES in blocks of 64 B..256 KiB (log-uniform), touches
 *     every page, frees them all in random order, then idles IDLE_MS (some
 *     allocators return memory after a decay delay) and reads
 *     /proc/self/status. ns/op = time to malloc (and touch) the blocks / their
 *     count: the pages fault in whether malloc or the program writes them
 *     first, so only hungry charges every allocator for the same faults. MB =
 *     10^6 bytes, as the anchor's peak-rss.
 *
 *   alloc_more big
 *     BENCH alloc@$ALLOC_IMPL big <ns> ns/op
 *     a buffer of 2..8 MiB (random) malloced, its first and last bytes
 *     written, and freed, BIG_ROUNDS times: the large blocks a program
 *     allocates and frees again and again (file buffers, a parser's node
 *     array). ns/op = wall time / (2 * BIG_ROUNDS), median of RUNS runs
 *     after a warm-up.
 *
 * ALLOC_IMPL names the allocator in the output (default "unknown").
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RUNS          5
#define MAX_THREADS   64
#define SLOTS         10000
#define LARSON_ROUNDS 2000000L /* per lineage and run */
#define GEN_ROUNDS    20000L   /* rounds before a thread hands its slots on */
#define GENERATIONS   (LARSON_ROUNDS / GEN_ROUNDS)
#define SMALL_MAX     1024
#define MEDIUM_MAX    (16 * 1024)

#define HUNGRY_BYTES      ((size_t)1 << 30)
#define HUNGRY_MIN_SHIFT  6  /* 64 B */
#define HUNGRY_OCTAVES    12 /* up to 256 KiB */
#define HUNGRY_MAX_BLOCKS (1u << 17)
#define TOUCH_STEP        4096
#define IDLE_MS           300

#define BIG_ROUNDS 20000
#define BIG_MIN    ((size_t)2 << 20)

_Static_assert(LARSON_ROUNDS % GEN_ROUNDS == 0, "every generation runs GEN_ROUNDS rounds");

static const char *impl;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static uint64_t xorshift(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

static _Noreturn void die(const char *what)
{
    fprintf(stderr, "alloc_more: %s failed\n", what);
    exit(1);
}

static void *malloc_or_die(size_t n)
{
    void *p = malloc(n);
    if (p == NULL)
        die("malloc");
    return p;
}

/* malloc(n) with its first and last bytes written, as a program would. */
static void *malloc_touched(size_t n)
{
    char *p = malloc_or_die(n);
    p[0] = (char)n;
    p[n - 1] = 1;
    return p;
}

/* ---------------------------------------------------------------- larson */

struct lineage {
    void **slot;                /* SLOTS blocks, owned by the running generation */
    uint64_t seed;              /* likewise */
    unsigned gen;               /* index of the running generation; likewise */
    pthread_t tid[GENERATIONS]; /* [g] written by generation g - 1 (by main for 0),
                                   read by main once it joined g - 1 */
};

/* 8..1024 bytes skewed small (as the anchor's local case), one in 16 up to 16 KiB. */
static size_t larson_size(uint64_t *s)
{
    uint64_t r = xorshift(s);
    if ((r & 15) == 0)
        return SMALL_MAX + 1 + (size_t)((r >> 4) % (MEDIUM_MAX - SMALL_MAX));
    double u = (double)(r >> 11) * (1.0 / 9007199254740992.0);
    return 8 + (size_t)((SMALL_MAX - 8) * u * u * u);
}

static void *generation(void *arg)
{
    struct lineage *ln = arg;
    for (long i = 0; i < GEN_ROUNDS; i++) {
        size_t k = (size_t)(xorshift(&ln->seed) % SLOTS);
        free(ln->slot[k]);
        ln->slot[k] = malloc_touched(larson_size(&ln->seed));
    }
    unsigned next = ++ln->gen;
    if (next < GENERATIONS && pthread_create(&ln->tid[next], NULL, generation, ln) != 0)
        die("pthread_create");
    return NULL;
}

/* One run of every lineage; returns the wall time in seconds. */
static double larson_run(struct lineage *ln, int threads)
{
    double t0 = now_s();
    for (int i = 0; i < threads; i++) {
        ln[i].gen = 0;
        if (pthread_create(&ln[i].tid[0], NULL, generation, &ln[i]) != 0)
            die("pthread_create");
    }
    for (int i = 0; i < threads; i++)
        for (unsigned g = 0; g < GENERATIONS; g++)
            pthread_join(ln[i].tid[g], NULL);
    return now_s() - t0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void larson(int threads)
{
    static struct lineage ln[MAX_THREADS];
    for (int i = 0; i < threads; i++) {
        ln[i].seed = 0x9E3779B97F4A7C15ull * (uint64_t)(i + 1);
        ln[i].slot = malloc_or_die(SLOTS * sizeof(*ln[i].slot));
        for (size_t k = 0; k < SLOTS; k++)
            ln[i].slot[k] = malloc_touched(larson_size(&ln[i].seed));
    }
    double secs[RUNS];
    larson_run(ln, threads); /* warm-up */
    for (int r = 0; r < RUNS; r++)
        secs[r] = larson_run(ln, threads);
    qsort(secs, RUNS, sizeof(secs[0]), cmp_double);
    printf("BENCH alloc@%s larson/t%d %.2f ns/op\n", impl, threads,
           secs[RUNS / 2] * 1e9 / (2.0 * LARSON_ROUNDS));
    for (int i = 0; i < threads; i++) {
        for (size_t k = 0; k < SLOTS; k++)
            free(ln[i].slot[k]);
        free(ln[i].slot);
    }
}

/* ---------------------------------------------------------------- hungry */

static void *blk[HUNGRY_MAX_BLOCKS];
static size_t blk_len[HUNGRY_MAX_BLOCKS];

/* Log-uniform: as many blocks in each octave 64..128 B, ..., 128..256 KiB. */
static size_t hungry_size(uint64_t *s)
{
    uint64_t r = xorshift(s);
    size_t low = (size_t)1 << (HUNGRY_MIN_SHIFT + r % HUNGRY_OCTAVES);
    return low + (size_t)((r >> 8) % low);
}

/* Writes every page of the n bytes at p, so all of them are resident. */
static void touch_pages(char *p, size_t n)
{
    for (size_t o = 0; o < n; o += TOUCH_STEP)
        p[o] = 1;
    p[n - 1] = 1;
}

/* Reads the "Name:   N kB" line of /proc/self/status, in 10^6 bytes. */
static double status_mb(const char *name)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (f == NULL)
        die("/proc/self/status");
    char line[256];
    size_t n = strlen(name);
    unsigned long kb = 0;
    int found = 0;
    while (!found && fgets(line, sizeof(line), f) != NULL) {
        if (strncmp(line, name, n) != 0 || line[n] != ':')
            continue;
        char *end;
        kb = strtoul(line + n + 1, &end, 10);
        found = end != line + n + 1;
    }
    fclose(f);
    if (!found)
        die(name);
    return (double)kb * 1024.0 / 1e6;
}

static void shuffle_blocks(size_t n, uint64_t *s)
{
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = (size_t)(xorshift(s) % (i + 1));
        void *p = blk[i];
        blk[i] = blk[j];
        blk[j] = p;
    }
}

static void hungry(void)
{
    uint64_t seed = 0x2545F4914F6CDD1Dull;
    size_t n = 0, total = 0;
    while (total < HUNGRY_BYTES && n < HUNGRY_MAX_BLOCKS) {
        blk_len[n] = hungry_size(&seed);
        total += blk_len[n++];
    }
    double t0 = now_s();
    for (size_t i = 0; i < n; i++)
        blk[i] = malloc_or_die(blk_len[i]);
    double t1 = now_s();
    for (size_t i = 0; i < n; i++)
        touch_pages(blk[i], blk_len[i]);
    double t2 = now_s();
    shuffle_blocks(n, &seed);
    for (size_t i = 0; i < n; i++)
        free(blk[i]);
    struct timespec idle = {.tv_sec = IDLE_MS / 1000, .tv_nsec = (IDLE_MS % 1000) * 1000000L};
    nanosleep(&idle, NULL);
    printf("BENCH alloc@%s hungry %.2f ns/op\n", impl, (t2 - t0) * 1e9 / (double)n);
    printf("BENCH alloc@%s hungry/malloc %.2f ns/op\n", impl, (t1 - t0) * 1e9 / (double)n);
    printf("BENCH alloc@%s hungry/peak-rss %.1f MB\n", impl, status_mb("VmHWM"));
    printf("BENCH alloc@%s hungry/rss-freed %.1f MB\n", impl, status_mb("VmRSS"));
}

/* ---------------------------------------------------------------- big */

static double big_run(uint64_t *s)
{
    double t0 = now_s();
    for (long i = 0; i < BIG_ROUNDS; i++)
        free(malloc_touched(BIG_MIN + (size_t)(xorshift(s) % (3 * BIG_MIN))));
    return now_s() - t0;
}

static void big(void)
{
    uint64_t seed = 0x9E3779B97F4A7C15ull;
    double secs[RUNS];
    big_run(&seed); /* warm-up */
    for (int r = 0; r < RUNS; r++)
        secs[r] = big_run(&seed);
    qsort(secs, RUNS, sizeof(secs[0]), cmp_double);
    printf("BENCH alloc@%s big %.2f ns/op\n", impl, secs[RUNS / 2] * 1e9 / (2.0 * BIG_ROUNDS));
}

/* ---------------------------------------------------------------- main */

static int usage(void)
{
    fprintf(stderr, "usage: alloc_more larson [THREADS (1..%d, default 2)] | hungry | big\n",
            MAX_THREADS);
    return 2;
}

int main(int argc, char **argv)
{
    impl = getenv("ALLOC_IMPL") != NULL ? getenv("ALLOC_IMPL") : "unknown";
    if (argc == 2 && strcmp(argv[1], "hungry") == 0) {
        hungry();
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "big") == 0) {
        big();
        return 0;
    }
    if (argc < 2 || argc > 3 || strcmp(argv[1], "larson") != 0)
        return usage();
    long threads = 2;
    if (argc == 3) {
        char *end;
        threads = strtol(argv[2], &end, 10);
        if (*argv[2] == '\0' || *end != '\0' || threads < 1 || threads > MAX_THREADS)
            return usage();
    }
    larson((int)threads);
    return 0;
}
