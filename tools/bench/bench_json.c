/*
 * tools/bench/bench_json.c - JSON document parse throughput (MB/s of input)
 * on twitter.json, canada.json and citm_catalog.json, the files
 * ../shared/anchors/json times simdjson and cJSON on, and the parser's peak
 * memory per MB of input.
 *
 *   BENCH json parse/<file> <MB/s> MB/s          parse into an arena reset
 *                                                 between runs: the memory is
 *                                                 reused, as the anchor reuses
 *                                                 its simdjson dom::parser
 *   BENCH json parse-malloc/<file> <MB/s> MB/s   parse + release on the libc
 *                                                 heap (fresh pages each run)
 *   BENCH json peak-memory/<file> <MB per MB> MB/MB  bytes the allocator held
 *                                                 at peak during one parse,
 *                                                 divided by the input size
 *
 * The files come from ../shared/data/json/ (bench_read_shared); absent ones
 * are skipped with a note. AVILA_CPU=portable (or -avx512bw, ...) picks the scan kernel.
 */
#include <stdio.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "core/cpu.h"
#include "core/error.h"
#include "data/json.h"
#include "data/json_int.h"
#include "tools/bench/bench.h"

struct input {
    const uint8_t *data;
    size_t len;
    const struct avila_allocator *a;
    struct avila_arena *arena;
};

static void parse_once(void *ctx)
{
    const struct input *in = ctx;
    struct avila_json_doc doc;
    if (avila_json_parse(&doc, in->data, in->len, NULL, in->a, NULL) != 0) {
        fprintf(stderr, "bench_json: parse failed\n");
        exit(1);
    }
    bench_consume(doc.count);
    avila_json_doc_release(&doc);
    if (in->arena)
        avila_arena_reset(in->arena);
}

/* A libc allocator that counts the bytes it holds, and their peak. */
struct counting {
    size_t live, peak;
};

static void note(struct counting *c, size_t add, size_t sub)
{
    c->live = c->live + add - sub;
    if (c->live > c->peak)
        c->peak = c->live;
}

static void *count_alloc(void *ctx, size_t size, size_t align)
{
    void *p = avila_alloc(avila_allocator_libc(), size, align);
    if (p)
        note(ctx, size, 0);
    return p;
}

static void *count_realloc(void *ctx, void *p, size_t old, size_t size, size_t align)
{
    void *q = avila_realloc(avila_allocator_libc(), p, old, size, align);
    if (q)
        note(ctx, size, old);
    return q;
}

static void count_free(void *ctx, void *p, size_t size, size_t align)
{
    if (p)
        note(ctx, 0, size);
    avila_free(avila_allocator_libc(), p, size, align);
}

int main(void)
{
    const char *names[] = {"twitter.json", "canada.json", "citm_catalog.json"};
    const char *impl;
    avila_cpu_init();
    avila_json_scan_pick(&impl);
    fprintf(stderr, "bench_json: scan kernel %s\n", impl);
    for (size_t i = 0; i < AVILA_ARRAY_LEN(names); i++) {
        char rel[64], name[64];
        snprintf(rel, sizeof rel, "data/json/%s", names[i]);
        size_t len = 0;
        uint8_t *data = (uint8_t *)bench_read_shared(rel, &len);
        if (!data)
            continue;
        struct input in = {data, len, avila_allocator_libc(), NULL};
        struct avila_arena arena;
        struct avila_arena_config cfg = {.chunk_bytes = 4 * len + 65536,
                                         .max_chunk_bytes = 4 * len + 65536,
                                         .max_bytes = (size_t)1 << 34};
        if (avila_arena_init(&arena, avila_allocator_libc(), &cfg) != 0)
            return 1;
        struct avila_allocator view = avila_arena_allocator(&arena);
        in.a = &view;
        in.arena = &arena;
        snprintf(name, sizeof name, "parse/%s", names[i]);
        bench_throughput("json", name, parse_once, &in, (double)len);
        avila_arena_release(&arena);

        in.a = avila_allocator_libc();
        in.arena = NULL;
        snprintf(name, sizeof name, "parse-malloc/%s", names[i]);
        bench_throughput("json", name, parse_once, &in, (double)len);

        struct counting c = {0, 0};
        struct avila_allocator counter = {count_alloc, count_realloc, count_free, &c};
        in.a = &counter;
        in.arena = NULL;
        parse_once(&in);
        snprintf(name, sizeof name, "peak-memory/%s", names[i]);
        bench_print("json", name, (double)c.peak / (double)len, "MB/MB");
        free(data);
    }
    return 0;
}
