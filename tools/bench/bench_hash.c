/*
 * tools/bench/bench_hash.c - core/hash throughput and small-key latency.
 *
 * Throughput cases hash one 102400-byte in-cache buffer (the sample size of
 * ../shared/anchors/hash-xxhsum, so xxh64 and xxh3-64 compare directly with
 * "BENCH core@xxhsum"). The /16B cases hash 16-byte keys, as hash tables do.
 * Cases named <hash>/<kernel> force one kernel through avila_cpu_restrict;
 * the plain names use whatever the dispatcher picks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cpu.h"
#include "core/hash.h"
#include "tools/bench/bench.h"

#define SAMPLE_BYTES 102400
#define SMALL_KEY    16
#define SMALL_KEYS   1024 /* keys per timed call in the /16B cases */

static const uint8_t *sample;
static const uint8_t sip_key[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

static void run_xxh64(void *ctx)
{
    (void)ctx;
    bench_consume(avila_xxh64(sample, SAMPLE_BYTES, 0));
}

static void run_xxh3(void *ctx)
{
    (void)ctx;
    bench_consume(avila_xxh3_64(sample, SAMPLE_BYTES, 0));
}

static void run_crc32c(void *ctx)
{
    (void)ctx;
    bench_consume(avila_crc32c(0, sample, SAMPLE_BYTES));
}

static void run_siphash24(void *ctx)
{
    (void)ctx;
    bench_consume(avila_siphash24(sip_key, sample, SAMPLE_BYTES));
}

static void run_siphash13(void *ctx)
{
    (void)ctx;
    bench_consume(avila_siphash13(sip_key, sample, SAMPLE_BYTES));
}

/* Small keys at varying offsets; each result feeds the next key's offset, like a probe chain. */
static void run_siphash13_small(void *ctx)
{
    (void)ctx;
    uint64_t h = 0;
    for (size_t i = 0; i < SMALL_KEYS; i++)
        h = avila_siphash13(sip_key, sample + ((i * 64 + (h & 7)) % (SAMPLE_BYTES - 64)),
                            SMALL_KEY);
    bench_consume(h);
}

static void run_xxh3_small(void *ctx)
{
    (void)ctx;
    uint64_t h = 0;
    for (size_t i = 0; i < SMALL_KEYS; i++)
        h = avila_xxh3_64(sample + ((i * 64 + (h & 7)) % (SAMPLE_BYTES - 64)), SMALL_KEY, 0);
    bench_consume(h);
}

static void throughput(const char *name, void (*fn)(void *))
{
    bench_throughput("core", name, fn, NULL, SAMPLE_BYTES);
}

/*
 * Times fn once per CPU restriction, naming each case after the kernel it
 * got; a restriction that lands on the previous kernel (feature missing) is
 * skipped.
 */
static void per_kernel(const char *hash, void (*fn)(void *), const uint32_t *masks, size_t n,
                       const char *(*impl)(void))
{
    const char *prev = NULL;
    for (size_t i = 0; i < n; i++) {
        avila_cpu_restrict(masks[i]);
        if (prev != NULL && strcmp(prev, impl()) == 0)
            continue;
        prev = impl();
        char name[64];
        snprintf(name, sizeof name, "%s/%s", hash, prev);
        throughput(name, fn);
    }
    avila_cpu_restrict(AVILA_CPU_ALL);
}

int main(void)
{
    if (avila_cpu_init() != 0) {
        fprintf(stderr, "bench_hash: bad AVILA_CPU value\n");
        return 2;
    }
    uint8_t *buf = bench_random_bytes(SAMPLE_BYTES, 1);
    sample = buf;
    throughput("xxh64", run_xxh64);
    throughput("xxh3-64", run_xxh3);
    throughput("crc32c", run_crc32c);
    throughput("siphash24", run_siphash24);
    throughput("siphash13", run_siphash13);
    bench_ns_per_op("core", "siphash13/16B", run_siphash13_small, NULL, SMALL_KEYS);
    bench_ns_per_op("core", "xxh3-64/16B", run_xxh3_small, NULL, SMALL_KEYS);

    const uint32_t xxh3_masks[] = {0, AVILA_CPU_AVX2, AVILA_CPU_AVX2 | AVILA_CPU_AVX512F};
    per_kernel("xxh3-64", run_xxh3, xxh3_masks, AVILA_ARRAY_LEN(xxh3_masks), avila_xxh3_impl);
    const uint32_t crc_masks[] = {0, AVILA_CPU_SSE42, AVILA_CPU_SSE42 | AVILA_CPU_PCLMUL};
    per_kernel("crc32c", run_crc32c, crc_masks, AVILA_ARRAY_LEN(crc_masks), avila_crc32c_impl);
    free(buf);
    return 0;
}
