/*
 * tools/bench/bench_lsm_table.c - SSTable speed (data/lsm_table.h) over the
 * in-memory VFS, with db_bench's shapes (16-byte random keys, 100-byte
 * values, 4 KiB blocks, 10 bloom bits per key), 256K entries:
 *   table-build/256K      build the table, in MB/s of key and value bytes
 *   table-get-hit/256K    gets of present keys, every block in the cache
 *                         (ops/s)
 *   table-get-absent/256K gets of absent keys, answered by the bloom
 *                         filter (ops/s; ~1% are false positives that read a
 *                         cached block)
 *   table-get-nocache/256K gets of present keys without a cache (each reads
 *                         and verifies a block; ops/s)
 *   table-scan/256K       a full forward iteration (entries/s)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/lsm_table.h"
#include "tools/bench/bench.h"

#define N         (1u << 18)
#define KEY_LEN   16
#define VALUE_LEN 100
#define GETS      (1u << 16)

struct ctx {
    uint8_t *keys;   /* N sorted distinct keys */
    uint8_t *absent; /* GETS keys not among them */
    const uint8_t *value;
    struct avila_lsm_vfs_mem m;
    struct avila_lsm_vfs vfs;
    struct avila_lsm_cache cache;
    struct avila_lsm_file *f;
    struct avila_lsm_table *cached;
    struct avila_lsm_table *uncached;
    uint32_t *order; /* random probe order */
};

static int key_cmp(const void *a, const void *b)
{
    return memcmp(a, b, KEY_LEN);
}

static void build(void *arg)
{
    struct ctx *c = arg;
    struct avila_lsm_file *f;
    if (avila_lsm_vfs_open_append(&c->vfs, "/t", &f) != 0)
        abort();
    struct avila_lsm_table_builder b;
    if (avila_lsm_table_builder_init(&b, &c->vfs, f, NULL, avila_allocator_libc()) != 0)
        abort();
    uint8_t ik[KEY_LEN + 8];
    for (size_t i = 0; i < N; i++) {
        memcpy(ik, c->keys + i * KEY_LEN, KEY_LEN);
        avila_store_le64(ik + KEY_LEN, avila_lsm_trailer(i + 1, AVILA_LSM_VALUE));
        if (avila_lsm_table_builder_add(&b, avila_slice_make(ik, sizeof(ik)),
                                        avila_slice_make(c->value, VALUE_LEN)) != 0)
            abort();
    }
    struct avila_lsm_table_props p;
    if (avila_lsm_table_builder_finish(&b, &p) != 0)
        abort();
    bench_consume(p.file_size);
    avila_lsm_table_builder_release(&b);
    avila_lsm_vfs_close(&c->vfs, f);
}

static void gets(const struct avila_lsm_table *t, const uint8_t *keys, const uint32_t *order)
{
    struct avila_buf val;
    avila_buf_init(&val, avila_allocator_libc(), SIZE_MAX);
    uint64_t acc = 0;
    for (size_t i = 0; i < GETS; i++) {
        const uint8_t *k = keys + (size_t)order[i] * KEY_LEN;
        acc +=
            (uint64_t)avila_lsm_table_get(t, avila_slice_make(k, KEY_LEN), UINT64_MAX, &val, NULL);
        acc += val.len;
    }
    avila_buf_release(&val);
    bench_consume(acc);
}

static void run_get_hit(void *arg)
{
    struct ctx *c = arg;
    gets(c->cached, c->keys, c->order);
}

static void run_get_nocache(void *arg)
{
    struct ctx *c = arg;
    gets(c->uncached, c->keys, c->order);
}

static void run_get_absent(void *arg)
{
    struct ctx *c = arg;
    static uint32_t seq[GETS];
    for (uint32_t i = 0; i < GETS; i++)
        seq[i] = i;
    gets(c->cached, c->absent, seq);
}

static void run_scan(void *arg)
{
    struct ctx *c = arg;
    struct avila_lsm_table_iter it;
    struct avila_lsm_table_iter_options o = {.no_fill_cache = true};
    if (avila_lsm_table_iter_init(&it, c->uncached, &o) != 0)
        abort();
    uint64_t acc = 0;
    for (int rc = avila_lsm_table_iter_seek_first(&it); rc == 0 && avila_lsm_table_iter_valid(&it);
         rc = avila_lsm_table_iter_next(&it))
        acc += avila_lsm_table_iter_value(&it).len;
    if (avila_lsm_table_iter_status(&it) != 0 || acc != (uint64_t)N * VALUE_LEN)
        abort();
    avila_lsm_table_iter_release(&it);
    bench_consume(acc);
}

int main(void)
{
    static struct ctx c;
    c.keys = bench_random_bytes((size_t)N * KEY_LEN, 1);
    for (size_t i = 0; i < N; i++)
        c.keys[i * KEY_LEN] &= 0x7f; /* present keys start below 0x80, absent ones above */
    qsort(c.keys, N, KEY_LEN, key_cmp);
    for (size_t i = 1; i < N; i++) /* distinct: random 16-byte keys practically are; make sure */
        if (memcmp(c.keys + (i - 1) * KEY_LEN, c.keys + i * KEY_LEN, KEY_LEN) == 0)
            abort();
    c.absent = bench_random_bytes((size_t)GETS * KEY_LEN, 2);
    for (size_t i = 0; i < GETS; i++)
        c.absent[i * KEY_LEN] |= 0x80;
    c.value = bench_random_bytes(VALUE_LEN, 3);
    c.order = malloc(GETS * sizeof(uint32_t));
    if (c.order == NULL)
        abort();
    uint64_t r = 4;
    for (size_t i = 0; i < GETS; i++) {
        r = r * 6364136223846793005u + 1442695040888963407u;
        c.order[i] = (uint32_t)(r >> 33) % N;
    }
    if (avila_lsm_vfs_mem_init(&c.m, avila_allocator_libc(), NULL) != 0)
        abort();
    avila_lsm_vfs_mem_vfs(&c.m, &c.vfs);

    bench_throughput("lsm", "table-build/256K", build, &c, (double)N * (KEY_LEN + VALUE_LEN));
    build(&c); /* the table the read cases use */

    struct avila_lsm_cache_config cc = {.capacity_bytes = (size_t)128 << 20};
    if (avila_lsm_cache_init(&c.cache, avila_allocator_libc(), &cc) != 0)
        abort();
    uint64_t size;
    if (avila_lsm_vfs_open_read(&c.vfs, "/t", &c.f) != 0 ||
        avila_lsm_vfs_size(&c.vfs, c.f, &size) != 0 ||
        avila_lsm_table_open(&c.vfs, c.f, size, 1, &c.cache, avila_allocator_libc(), &c.cached) !=
            0 ||
        avila_lsm_table_open(&c.vfs, c.f, size, 2, NULL, avila_allocator_libc(), &c.uncached) != 0)
        abort();
    /* Warm the cache with every block. */
    struct avila_lsm_table_iter it;
    if (avila_lsm_table_iter_init(&it, c.cached, NULL) != 0)
        abort();
    for (int rc = avila_lsm_table_iter_seek_first(&it); rc == 0 && avila_lsm_table_iter_valid(&it);
         rc = avila_lsm_table_iter_next(&it))
        ;
    avila_lsm_table_iter_release(&it);

    bench_rate("lsm", "table-get-hit/256K", run_get_hit, &c, GETS, "ops/s");
    bench_rate("lsm", "table-get-absent/256K", run_get_absent, &c, GETS, "ops/s");
    bench_rate("lsm", "table-get-nocache/256K", run_get_nocache, &c, GETS, "ops/s");
    bench_rate("lsm", "table-scan/256K", run_scan, &c, N, "entries/s");

    avila_lsm_table_release(c.cached);
    avila_lsm_table_release(c.uncached);
    avila_lsm_vfs_close(&c.vfs, c.f);
    avila_lsm_cache_release_all(&c.cache);
    avila_lsm_vfs_mem_release(&c.m);
    free(c.keys);
    free(c.absent);
    free((void *)c.value);
    free(c.order);
    return 0;
}
