/*
 * tools/bench/bench_hashmap.c - core/hashmap speed with 16-byte random keys
 * (stored inline) over the libc allocator, in ns per operation:
 *   hashmap-insert/1M       1M inserts into an empty map (growth included)
 *   hashmap-lookup-hit/1M   1M lookups of present keys in a 1M-entry map
 *   hashmap-lookup-miss/1M  1M lookups of absent keys in the same map
 */
#include <stdio.h>
#include <stdlib.h>

#include "core/hashmap.h"
#include "tools/bench/bench.h"

#define N       (1u << 20)
#define KEY_LEN 16

struct ctx {
    const uint8_t *keys;   /* N present keys */
    const uint8_t *absent; /* N absent keys */
    struct avila_hashmap map;
};

static const uint8_t seed[16] = {7, 6, 5, 4, 3, 2, 1, 0, 8, 9, 10, 11, 12, 13, 14, 15};
static const struct avila_hashmap_config cfg = {.max_entries = (size_t)2 * N};

static void fill(struct avila_hashmap *m, const uint8_t *keys)
{
    if (avila_hashmap_init(m, avila_allocator_libc(), &cfg, seed) != 0)
        abort();
    for (size_t i = 0; i < N; i++)
        if (avila_hashmap_put(m, keys + i * KEY_LEN, KEY_LEN, (void *)(uintptr_t)(i + 1), NULL) !=
            0)
            abort();
}

static void run_insert(void *arg)
{
    struct ctx *c = arg;
    struct avila_hashmap m;
    fill(&m, c->keys);
    bench_consume(avila_hashmap_count(&m));
    avila_hashmap_release(&m);
}

static void lookup_all(const struct avila_hashmap *m, const uint8_t *keys)
{
    uint64_t acc = 0;
    for (size_t i = 0; i < N; i++) {
        void *v = NULL;
        acc += (uint64_t)avila_hashmap_get(m, keys + i * KEY_LEN, KEY_LEN, &v);
        acc += (uintptr_t)v;
    }
    bench_consume(acc);
}

static void run_hit(void *arg)
{
    struct ctx *c = arg;
    lookup_all(&c->map, c->keys);
}

static void run_miss(void *arg)
{
    struct ctx *c = arg;
    lookup_all(&c->map, c->absent);
}

int main(void)
{
    struct ctx c;
    uint8_t *keys = bench_random_bytes((size_t)N * KEY_LEN, 1);
    uint8_t *absent = bench_random_bytes((size_t)N * KEY_LEN, 2);
    c.keys = keys;
    c.absent = absent;
    bench_ns_per_op("core", "hashmap-insert/1M", run_insert, &c, N);
    fill(&c.map, keys);
    /* Random 16-byte keys from two streams do not meet; make sure. */
    for (size_t i = 0; i < N; i++)
        if (avila_hashmap_get(&c.map, absent + i * KEY_LEN, KEY_LEN, NULL) == 0)
            abort();
    bench_ns_per_op("core", "hashmap-lookup-hit/1M", run_hit, &c, N);
    bench_ns_per_op("core", "hashmap-lookup-miss/1M", run_miss, &c, N);
    avila_hashmap_release(&c.map);
    free(keys);
    free(absent);
    return 0;
}
