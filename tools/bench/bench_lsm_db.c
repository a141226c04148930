/*
 * tools/bench/bench_lsm_db.c - db_bench-style figures of the LSM store
 * (data/lsm_db.h), the same cases and method as ../shared/anchors/kv
 * (LevelDB and RocksDB), so that anchors/compare can join them:
 *   16-byte keys "%016llu", 100-byte random values, N keys (BENCH_KV_N,
 *   default 1,000,000), bloom 10 bits/key, an 8 MiB block cache;
 *   fillseq, fillrandom, overwrite  ops/s, median of 5 fresh stores after a
 *                                   warm-up one (wall-clock: background
 *                                   threads work too)
 *   readrandom, readseq, seekrandom ops/s on the store the last overwrite
 *                                   left, median of 5 runs of >= 0.2 s
 *   fillrandom/2-compaction-threads fillrandom with compaction_threads 2,
 *                                   median of 3
 *   fillsync                        10,000 synced puts in 6 chunks, the
 *                                   first a warm-up
 *   size/after-fillrandom           MB of the directory after close
 *   write-amp/fillrandom            bytes written (WAL and tables) / user bytes
 * Stores live in a mkdtemp directory under $TMPDIR (default /tmp).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "data/lsm_db.h"
#include "tools/bench/bench.h"

#define RUNS 5

static uint64_t rs = 88172645463325252ULL;
static char key[32], val[104];
static char base[4096], dir[4200];
static long N = 1000000;

static uint64_t rnd(void)
{
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return rs;
}

static struct avila_slice mkkey(uint64_t k)
{
    snprintf(key, sizeof(key), "%016llu", (unsigned long long)k);
    return avila_slice_make(key, 16);
}

static void mkval(void)
{
    for (int b = 0; b < 104; b += 8) {
        uint64_t r = rnd();
        memcpy(val + b, &r, 8);
    }
}

static void die(const char *what, int rc)
{
    fprintf(stderr, "bench_lsm_db: %s: %s\n", what, avila_strerror(rc));
    exit(1);
}

/* Removes the flat store directory d. */
static void remove_dir(const char *d)
{
    DIR *dp = opendir(d);
    if (dp == NULL)
        return;
    struct dirent *de;
    char p[4600];
    while ((de = readdir(dp)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof(p), "%s/%s", d, de->d_name);
        unlink(p);
    }
    closedir(dp);
    rmdir(d);
}

static double dir_mb(const char *d)
{
    DIR *dp = opendir(d);
    double total = 0;
    if (dp == NULL)
        return 0;
    struct dirent *de;
    char p[4600];
    struct stat st;
    while ((de = readdir(dp)) != NULL) {
        snprintf(p, sizeof(p), "%s/%s", d, de->d_name);
        if (de->d_name[0] != '.' && stat(p, &st) == 0)
            total += (double)st.st_size;
    }
    closedir(dp);
    return total / 1e6;
}

/* perm[0 .. N) = a random permutation of 0 .. N - 1. */
static void shuffle(uint64_t *perm)
{
    for (long i = 0; i < N; i++)
        perm[i] = (uint64_t)i;
    for (long i = N - 1; i > 0; i--) {
        long j = (long)(rnd() % (uint64_t)(i + 1));
        uint64_t x = perm[i];
        perm[i] = perm[j];
        perm[j] = x;
    }
}

static struct avila_lsm_db *open_db(const char *name, bool fresh, unsigned compaction_threads)
{
    snprintf(dir, sizeof(dir), "%s/%s", base, name);
    if (fresh)
        remove_dir(dir);
    struct avila_lsm_options o = {.create_if_missing = true,
                                  .cache_bytes = (size_t)8 << 20,
                                  .compaction_threads = compaction_threads};
    struct avila_lsm_db *db;
    int rc = avila_lsm_open(&db, dir, &o, NULL);
    if (rc != 0)
        die("open", rc);
    return db;
}

static void put(struct avila_lsm_db *db, uint64_t k, const struct avila_lsm_write_options *wo)
{
    mkval();
    int rc = avila_lsm_put(db, mkkey(k), avila_slice_make(val, 100), wo);
    if (rc != 0)
        die("put", rc);
}

/* Median seconds per call of body over RUNS runs of >= 0.2 s, after a warm-up. */
#define TIME_MEDIAN(out, body)                                                                     \
    do {                                                                                           \
        double r_[RUNS] = {0};                                                                     \
        for (int k_ = -1; k_ < RUNS; k_++) {                                                       \
            long n_ = 0;                                                                           \
            double t0_ = bench_wall_seconds(), t_;                                                 \
            do {                                                                                   \
                body;                                                                              \
                n_++;                                                                              \
            } while ((t_ = bench_wall_seconds() - t0_) < 0.2);                                     \
            if (k_ >= 0)                                                                           \
                r_[k_] = t_ / (double)n_;                                                          \
        }                                                                                          \
        (out) = bench_median(r_, RUNS);                                                            \
    } while (0)

static struct avila_lsm_db *db;
static struct avila_buf vbuf;
static long found;

static void read_random(void)
{
    for (int i = 0; i < 1000; i++) {
        int rc = avila_lsm_get(db, NULL, mkkey(rnd() % (uint64_t)N), &vbuf);
        if (rc < 0)
            die("get", rc);
        found += rc == 1 && vbuf.len == 100;
    }
}

static long read_seq(void)
{
    struct avila_lsm_db_iter *it;
    int rc = avila_lsm_db_iter_create(db, NULL, &it);
    if (rc != 0)
        die("iterator", rc);
    long cnt = 0;
    for (rc = avila_lsm_db_iter_seek_first(it); rc == 0 && avila_lsm_db_iter_valid(it);
         rc = avila_lsm_db_iter_next(it)) {
        bench_consume(avila_lsm_db_iter_key(it).len + avila_lsm_db_iter_value(it).len);
        cnt++;
    }
    if (rc != 0)
        die("scan", rc);
    avila_lsm_db_iter_destroy(it);
    return cnt;
}

static void seek_random(void)
{
    struct avila_lsm_db_iter *it;
    int rc = avila_lsm_db_iter_create(db, NULL, &it);
    if (rc != 0)
        die("iterator", rc);
    for (int i = 0; i < 100; i++) {
        rc = avila_lsm_db_iter_seek(it, mkkey(rnd() % (uint64_t)N));
        for (int k = 0; rc == 0 && k < 10 && avila_lsm_db_iter_valid(it); k++) {
            bench_consume(avila_lsm_db_iter_key(it).len + avila_lsm_db_iter_value(it).len);
            rc = avila_lsm_db_iter_next(it);
        }
        if (rc != 0)
            die("seek", rc);
    }
    avila_lsm_db_iter_destroy(it);
}

int main(void)
{
    const char *env = getenv("BENCH_KV_N");
    long n_env = env != NULL ? strtol(env, NULL, 10) : 0;
    if (n_env > 0)
        N = n_env;
    if (!bench_selected("kv", "fillrandom") && !bench_selected("kv", "readrandom"))
        return 0;
    const char *tmp = getenv("TMPDIR");
    snprintf(base, sizeof(base), "%s/avila-kv.XXXXXX", tmp != NULL && tmp[0] ? tmp : "/tmp");
    if (mkdtemp(base) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    avila_buf_init(&vbuf, avila_allocator_libc(), SIZE_MAX);
    uint64_t *perm = calloc((size_t)N, sizeof(uint64_t));
    if (perm == NULL) {
        perror("bench_lsm_db");
        return 1;
    }
    double fs[RUNS] = {0}, fr[RUNS] = {0}, ow[RUNS] = {0}, sz[RUNS] = {0}, wa[RUNS] = {0}, t;
    /* fillrandom with two compaction threads (no anchor: LevelDB has one), alone on the machine. */
    double f2[3];
    for (int r = 0; r < 3; r++) {
        shuffle(perm);
        db = open_db("random2", true, 2);
        t = bench_wall_seconds();
        for (long i = 0; i < N; i++)
            put(db, perm[i], NULL);
        f2[r] = (double)N / (bench_wall_seconds() - t);
        avila_lsm_close(db);
        remove_dir(dir);
    }
    for (int r = -1; r < RUNS; r++) {
        db = open_db("seq", true, 1);
        t = bench_wall_seconds();
        for (long i = 0; i < N; i++)
            put(db, (uint64_t)i, NULL);
        if (r >= 0)
            fs[r] = (double)N / (bench_wall_seconds() - t);
        avila_lsm_close(db);
        remove_dir(dir);
        shuffle(perm);
        db = open_db("random", true, 1);
        t = bench_wall_seconds();
        for (long i = 0; i < N; i++)
            put(db, perm[i], NULL);
        if (r >= 0)
            fr[r] = (double)N / (bench_wall_seconds() - t);
        struct avila_lsm_stats st;
        avila_lsm_stats(db, &st);
        avila_lsm_close(db);
        if (r >= 0) {
            sz[r] = dir_mb(dir);
            wa[r] = st.write_amp;
        }
        db = open_db("random", false, 1);
        t = bench_wall_seconds();
        for (long i = 0; i < N; i++)
            put(db, rnd() % (uint64_t)N, NULL);
        if (r >= 0)
            ow[r] = (double)N / (bench_wall_seconds() - t);
        if (r < RUNS - 1)
            avila_lsm_close(db);
    }
    bench_print("kv", "fillseq", bench_median(fs, RUNS), "ops/s");
    bench_print("kv", "fillrandom", bench_median(fr, RUNS), "ops/s");
    bench_print("kv", "overwrite", bench_median(ow, RUNS), "ops/s");
    bench_print("kv", "size/after-fillrandom", bench_median(sz, RUNS), "MB");
    bench_print("kv", "write-amp/fillrandom", bench_median(wa, RUNS), "x");
    bench_print("kv", "fillrandom/2-compaction-threads", bench_median(f2, 3), "ops/s");

    TIME_MEDIAN(t, read_random());
    bench_print("kv", "readrandom", 1000 / t, "ops/s");
    long cnt = 0;
    TIME_MEDIAN(t, cnt = read_seq());
    bench_print("kv", "readseq", (double)cnt / t, "ops/s");
    TIME_MEDIAN(t, seek_random());
    bench_print("kv", "seekrandom", 100 / t, "ops/s");
    avila_lsm_close(db);
    remove_dir(dir);
    if (cnt != N)
        fprintf(stderr, "bench_lsm_db: warning: scan saw %ld entries, expected %ld\n", cnt, N);

    double sy[RUNS] = {0};
    long chunk = 10000 / (RUNS + 1);
    struct avila_lsm_write_options sync = {.sync = 1};
    db = open_db("sync", true, 1);
    for (int r = -1; r < RUNS; r++) {
        t = bench_wall_seconds();
        for (long i = 0; i < chunk; i++)
            put(db, rnd() % (uint64_t)N, &sync);
        if (r >= 0)
            sy[r] = (double)chunk / (bench_wall_seconds() - t);
    }
    bench_print("kv", "fillsync", bench_median(sy, RUNS), "ops/s");
    avila_lsm_close(db);
    remove_dir(dir);
    rmdir(base);
    avila_buf_release(&vbuf);
    free(perm);
    return 0;
}
