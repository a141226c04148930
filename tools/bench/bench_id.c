/*
 * tools/bench/bench_id.c - identifiers and their text forms (core/id.h),
 * in nanoseconds per id: formatting and parsing 1024 UUIDs / ULIDs, the
 * pure version 7 and ULID generators, and the OS generators that add a
 * clock read and a getrandom call per id.
 */
#include <stdlib.h>
#include <string.h>

#include "core/id.h"
#include "tools/bench/bench.h"

#define N 1024

static struct avila_uuid uuids[N];
static struct avila_ulid ulids[N];
static char uuid_text[N][AVILA_UUID_TEXT_LEN + 1];
static char ulid_text[N][AVILA_ULID_TEXT_LEN + 1];
static uint8_t random10[N][10];

static void uuid_format(void *ctx)
{
    (void)ctx;
    for (int i = 0; i < N; i++)
        avila_uuid_format(&uuids[i], uuid_text[i]);
    bench_consume((uint8_t)uuid_text[N - 1][35]);
}

static void uuid_parse(void *ctx)
{
    (void)ctx;
    uint64_t acc = 0;
    for (int i = 0; i < N; i++) {
        struct avila_uuid u;
        acc += (uint64_t)avila_uuid_parse(uuid_text[i], AVILA_UUID_TEXT_LEN, &u) + u.bytes[15];
    }
    bench_consume(acc);
}

static void ulid_format(void *ctx)
{
    (void)ctx;
    for (int i = 0; i < N; i++)
        avila_ulid_format(&ulids[i], ulid_text[i]);
    bench_consume((uint8_t)ulid_text[N - 1][25]);
}

static void ulid_parse(void *ctx)
{
    (void)ctx;
    uint64_t acc = 0;
    for (int i = 0; i < N; i++) {
        struct avila_ulid u;
        acc += (uint64_t)avila_ulid_parse(ulid_text[i], AVILA_ULID_TEXT_LEN, &u) + u.bytes[15];
    }
    bench_consume(acc);
}

/* A clock that ticks every 16 ids, so both the new-millisecond and the count-on paths run. */
static void uuid7_next(void *ctx)
{
    struct avila_uuid7_gen *g = ctx;
    static uint64_t ms = 1700000000000;
    struct avila_uuid u;
    for (int i = 0; i < N; i++)
        avila_uuid7_next(g, ms + (uint64_t)(i >> 4), random10[i], &u);
    ms += N >> 4;
    bench_consume(u.bytes[15]);
}

static void ulid_next(void *ctx)
{
    struct avila_ulid_gen *g = ctx;
    static uint64_t ms = 1700000000000;
    struct avila_ulid u;
    for (int i = 0; i < N; i++)
        avila_ulid_next(g, ms + (uint64_t)(i >> 4), random10[i], &u);
    ms += N >> 4;
    bench_consume(u.bytes[15]);
}

static void uuid_v4_os(void *ctx)
{
    (void)ctx;
    struct avila_uuid u;
    avila_uuid_v4(&u);
    bench_consume(u.bytes[0]);
}

static void uuid7_os(void *ctx)
{
    struct avila_uuid u;
    avila_uuid7_generate(ctx, &u);
    bench_consume(u.bytes[15]);
}

int main(void)
{
    uint8_t *r = bench_random_bytes(N * 16 + N * 10, 0x1d);
    for (size_t i = 0; i < N; i++) {
        memcpy(uuids[i].bytes, r + 16 * i, 16);
        memcpy(ulids[i].bytes, r + 16 * i, 16);
        memcpy(random10[i], r + (size_t)N * 16 + 10 * i, 10);
    }
    free(r);
    uuid_format(NULL);
    ulid_format(NULL);

    bench_ns_per_op("core", "uuid-format", uuid_format, NULL, N);
    bench_ns_per_op("core", "uuid-parse", uuid_parse, NULL, N);
    bench_ns_per_op("core", "ulid-format", ulid_format, NULL, N);
    bench_ns_per_op("core", "ulid-parse", ulid_parse, NULL, N);
    struct avila_uuid7_gen g7;
    avila_uuid7_gen_init(&g7);
    bench_ns_per_op("core", "uuid7-next", uuid7_next, &g7, N);
    struct avila_ulid_gen gl;
    avila_ulid_gen_init(&gl);
    bench_ns_per_op("core", "ulid-next", ulid_next, &gl, N);
    bench_ns_per_op("core", "uuid-v4-os", uuid_v4_os, NULL, 1);
    avila_uuid7_gen_init(&g7);
    bench_ns_per_op("core", "uuid7-generate-os", uuid7_os, &g7, 1);
    return 0;
}
