/*
 * tools/bench/bench_lsm_memtable.c - LSM memtable, data block and bloom
 * filter speed, in ns per operation, with db_bench's shapes (16-byte random
 * keys, 100-byte values):
 *   memtable-insert/256K   256K adds into an empty memtable (arena growth
 *                          included), random keys, increasing seqs
 *   memtable-get/256K      256K gets of present keys in that table
 *   memtable-insert/4K, memtable-get/4K   the same on a 4K-entry table that
 *                          stays in cache (the CPU cost without memory
 *                          latency: the large cases are bound by cache misses)
 *   memtable-scan/256K     a full iteration, per entry
 *   block-seek/4K          seeks of present keys in ~4 KiB blocks (restart
 *                          interval 16), one block per 256 seeks
 *   bloom-query/100K       queries of absent keys against a 100K-key filter
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/lsm_block.h"
#include "data/lsm_bloom.h"
#include "data/lsm_memtable.h"
#include "tools/bench/bench.h"

#define N         (1u << 18)
#define KEY_LEN   16
#define VALUE_LEN 100
#define SMALL     (1u << 12) /* a table that stays in cache */

struct ctx {
    const uint8_t *keys;
    const uint8_t *value;
    struct avila_lsm_memtable mt;
    /* blocks */
    struct avila_buf blocks;
    size_t nblocks;
    size_t *block_off;
    size_t *block_len;
    uint8_t (*block_keys)[KEY_LEN + 8]; /* per block, up to 4 of its keys */
    size_t *block_nkeys;
    /* bloom */
    struct avila_buf filter;
    const uint8_t *absent;
};

static const struct avila_lsm_memtable_config mt_cfg = {.limit_bytes = (size_t)256 << 20};

static void fill(struct avila_lsm_memtable *mt, const struct ctx *c, size_t n)
{
    if (avila_lsm_memtable_init(mt, avila_allocator_libc(), &mt_cfg) != 0)
        abort();
    for (size_t i = 0; i < n; i++)
        if (avila_lsm_memtable_add(mt, i + 1, AVILA_LSM_VALUE,
                                   avila_slice_make(c->keys + i * KEY_LEN, KEY_LEN),
                                   avila_slice_make(c->value, VALUE_LEN)) != 0)
            abort();
}

static void insert_n(struct ctx *c, size_t n)
{
    struct avila_lsm_memtable mt;
    fill(&mt, c, n);
    bench_consume(avila_lsm_memtable_count(&mt));
    avila_lsm_memtable_release(&mt);
}

static void run_insert(void *arg)
{
    insert_n(arg, N);
}

static void run_insert_small(void *arg)
{
    insert_n(arg, SMALL);
}

static void get_n(struct ctx *c, size_t n)
{
    uint64_t acc = 0;
    for (size_t i = 0; i < n; i++) {
        struct avila_slice v;
        acc += (uint64_t)avila_lsm_memtable_get(
            &c->mt, avila_slice_make(c->keys + i * KEY_LEN, KEY_LEN), UINT64_MAX, &v, NULL);
        acc += v.len;
    }
    bench_consume(acc);
}

static void run_get(void *arg)
{
    get_n(arg, N);
}

static void run_get_small(void *arg)
{
    get_n(arg, SMALL);
}

static void run_scan(void *arg)
{
    struct ctx *c = arg;
    struct avila_lsm_memtable_iter it;
    avila_lsm_memtable_iter_init(&it, &c->mt);
    uint64_t acc = 0;
    for (avila_lsm_memtable_iter_seek_first(&it); avila_lsm_memtable_iter_valid(&it);
         avila_lsm_memtable_iter_next(&it))
        acc += avila_lsm_memtable_iter_value(&it).len;
    bench_consume(acc);
}

/* ---------------------------------------------------------------- blocks */

#define BLOCK_TARGET 4096
#define BLOCK_PROBES 256

static uint8_t keybuf[AVILA_LSM_IKEY_MAX];

/* Cuts the memtable's entries (sorted) into ~4 KiB blocks. */
static void make_blocks(struct ctx *c)
{
    struct avila_lsm_block_builder b;
    if (avila_lsm_block_builder_init(&b, avila_allocator_libc(), 0) != 0)
        abort();
    avila_buf_init(&c->blocks, avila_allocator_libc(), SIZE_MAX);
    size_t cap = N / 8;
    c->block_off = malloc(cap * sizeof(size_t));
    c->block_len = malloc(cap * sizeof(size_t));
    c->block_nkeys = malloc(cap * sizeof(size_t));
    c->block_keys = malloc(cap * sizeof(*c->block_keys) * 4);
    if (!c->block_off || !c->block_len || !c->block_nkeys || !c->block_keys)
        abort();
    c->nblocks = 0;
    struct avila_lsm_memtable_iter it;
    avila_lsm_memtable_iter_init(&it, &c->mt);
    size_t nk = 0;
    for (avila_lsm_memtable_iter_seek_first(&it);; avila_lsm_memtable_iter_next(&it)) {
        bool valid = avila_lsm_memtable_iter_valid(&it);
        if (!valid || avila_lsm_block_builder_size(&b) >= BLOCK_TARGET) {
            if (avila_lsm_block_builder_count(&b) > 0) {
                c->block_off[c->nblocks] = c->blocks.len;
                if (avila_lsm_block_builder_finish(&b, &c->blocks) != 0)
                    abort();
                c->block_len[c->nblocks] = c->blocks.len - c->block_off[c->nblocks];
                c->block_nkeys[c->nblocks] = nk;
                c->nblocks++;
                nk = 0;
            }
            if (!valid || c->nblocks == cap / 4)
                break;
        }
        struct avila_slice k = avila_lsm_memtable_iter_key(&it);
        if (avila_lsm_block_builder_add(&b, k, avila_lsm_memtable_iter_value(&it)) != 0)
            abort();
        /* Probe keys spread over the block: entries 0, 8, 16 and 24. */
        if (nk < 4 && avila_lsm_block_builder_count(&b) == 1 + 8 * nk)
            memcpy(c->block_keys[c->nblocks * 4 + nk++], k.ptr, k.len);
    }
    avila_lsm_block_builder_release(&b);
}

static void run_block_seek(void *arg)
{
    struct ctx *c = arg;
    uint64_t acc = 0;
    for (size_t bi = 0; bi < 64; bi++) {
        size_t i = bi * 37 % c->nblocks;
        struct avila_lsm_block blk;
        if (avila_lsm_block_open(&blk, c->blocks.data + c->block_off[i], c->block_len[i]) != 0)
            abort();
        struct avila_lsm_block_iter it;
        avila_lsm_block_iter_init(&it, &blk, keybuf, sizeof(keybuf));
        for (size_t j = 0; j < BLOCK_PROBES; j++) {
            const uint8_t *k = c->block_keys[i * 4 + j % c->block_nkeys[i]];
            if (avila_lsm_block_iter_seek(&it, avila_slice_make(k, KEY_LEN + 8)) != 0)
                abort();
            acc += avila_lsm_block_iter_value(&it).len;
        }
    }
    bench_consume(acc);
}

/* ---------------------------------------------------------------- bloom */

#define BLOOM_KEYS 100000u

static void run_bloom(void *arg)
{
    struct ctx *c = arg;
    uint64_t acc = 0;
    for (size_t i = 0; i < BLOOM_KEYS; i++)
        acc += avila_lsm_bloom_may_match_key(c->filter.data, c->filter.len,
                                             avila_slice_make(c->absent + i * KEY_LEN, KEY_LEN));
    bench_consume(acc);
}

int main(void)
{
    struct ctx c;
    memset(&c, 0, sizeof(c));
    uint8_t *keys = bench_random_bytes((size_t)N * KEY_LEN, 1);
    uint8_t *value = bench_random_bytes(VALUE_LEN, 2);
    uint8_t *absent = bench_random_bytes((size_t)BLOOM_KEYS * KEY_LEN, 3);
    c.keys = keys;
    c.value = value;
    c.absent = absent;
    bench_ns_per_op("lsm", "memtable-insert/256K", run_insert, &c, N);
    bench_ns_per_op("lsm", "memtable-insert/4K", run_insert_small, &c, SMALL);
    fill(&c.mt, &c, SMALL);
    bench_ns_per_op("lsm", "memtable-get/4K", run_get_small, &c, SMALL);
    avila_lsm_memtable_release(&c.mt);
    fill(&c.mt, &c, N);
    bench_ns_per_op("lsm", "memtable-get/256K", run_get, &c, N);
    bench_ns_per_op("lsm", "memtable-scan/256K", run_scan, &c, N);
    if (bench_selected("lsm", "block-seek/4K")) {
        make_blocks(&c);
        bench_ns_per_op("lsm", "block-seek/4K", run_block_seek, &c, 64.0 * BLOCK_PROBES);
        avila_buf_release(&c.blocks);
        free(c.block_off);
        free(c.block_len);
        free(c.block_nkeys);
        free(c.block_keys);
    }
    avila_buf_init(&c.filter, avila_allocator_libc(), SIZE_MAX);
    struct avila_slice *ks = malloc(sizeof(*ks) * BLOOM_KEYS);
    if (ks == NULL)
        abort();
    for (size_t i = 0; i < BLOOM_KEYS; i++)
        ks[i] = avila_slice_make(keys + i * KEY_LEN, KEY_LEN);
    if (avila_lsm_bloom_build_keys(&c.filter, ks, BLOOM_KEYS, 0) != 0)
        abort();
    free(ks);
    bench_ns_per_op("lsm", "bloom-query/100K", run_bloom, &c, BLOOM_KEYS);
    avila_buf_release(&c.filter);
    avila_lsm_memtable_release(&c.mt);
    free(keys);
    free(value);
    free(absent);
    return 0;
}
