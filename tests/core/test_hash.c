/*
 * tests/core/test_hash.c - SipHash, xxHash64, XXH3-64 and CRC-32C: published
 * vectors, differential vectors recorded from xxhsum, simple models, every
 * kernel against the portable one, streaming splits and guard pages.
 */
#include "tests/support/unit.h"

#include <stdlib.h>
#include <string.h>

#include "core/cpu.h"
#include "core/endian.h"
#include "core/hash.h"
#include "core/hash_int.h"

/* ------------------------------------------------------------------ helpers */

/* A malloc'd buffer of n deterministic bytes (never NULL). */
static uint8_t *random_bytes(uint64_t *rng, size_t n)
{
    uint8_t *p = malloc(n ? n : 1);
    assert_non_null(p);
    unit_rand_fill(rng, p, n);
    return p;
}

/* Reads an 8-byte little-endian "out" field. */
static uint64_t tv_le64(const struct tv_file *tv, const char *key)
{
    uint8_t b[8];
    assert_int_equal(unit_unhex(tv_str(tv, key), b, sizeof b), 8);
    return avila_load_le64(b);
}

/* Reads a "hash" field in xxHash's canonical (big-endian) hex form. */
static uint64_t tv_be64(const struct tv_file *tv, const char *key)
{
    uint8_t b[8];
    assert_int_equal(unit_unhex(tv_str(tv, key), b, sizeof b), 8);
    return avila_load_be64(b);
}

/*
 * The xxHash sanity-check buffer (xxHash cli/xsum_sanity_check.c,
 * XSUM_fillTestBuffer; also tools/gen/xxh_input.c): byte i is g_i >> 56,
 * g_0 = 0x9E3779B1, g_{i+1} = g_i * 0x9E3779B185EBCA8D.
 */
#define SANITY_LEN 4100
static uint8_t sanity[SANITY_LEN];

static int fill_sanity(void **state)
{
    (void)state;
    uint64_t g = 0x9E3779B1u;
    for (size_t i = 0; i < SANITY_LEN; i++, g *= 0x9E3779B185EBCA8Dull)
        sanity[i] = (uint8_t)(g >> 56);
    return 0;
}

/*
 * Feeds p[0..n) to update in random pieces of 1..max_piece bytes, with an
 * empty update now and then.
 */
typedef void (*update_fn)(void *ctx, const void *p, size_t n);

static void feed_split(update_fn update, void *ctx, const uint8_t *p, size_t n, uint64_t *rng,
                       size_t max_piece)
{
    size_t off = 0;
    while (off < n) {
        uint64_t r = unit_rand(rng);
        if (r % 8 == 0)
            update(ctx, p + off, 0);
        size_t part = 1 + (size_t)((r >> 3) % (max_piece ? max_piece : 1));
        if (part > n - off)
            part = n - off;
        update(ctx, p + off, part);
        off += part;
    }
}

static void siphash_update_fn(void *ctx, const void *p, size_t n)
{
    avila_siphash_update(ctx, p, n);
}

static void xxh64_update_fn(void *ctx, const void *p, size_t n)
{
    avila_xxh64_update(ctx, p, n);
}

static void xxh3_update_fn(void *ctx, const void *p, size_t n)
{
    avila_xxh3_update(ctx, p, n);
}

/* The XXH3 kernels this CPU can run, portable first. */
static size_t xxh3_kernels(const struct avila_xxh3_kernel *out[3])
{
    size_t n = 0;
    out[n++] = &avila_xxh3_kernel_portable;
#if AVILA_X86_64
    const struct avila_xxh3_kernel *fast[] = {&avila_xxh3_kernel_avx2, &avila_xxh3_kernel_avx512};
    for (size_t i = 0; i < AVILA_ARRAY_LEN(fast); i++)
        if ((avila_cpu_detected() & fast[i]->cpu) == fast[i]->cpu)
            out[n++] = fast[i];
#endif
    return n;
}

static int allow_all_cpu(void **state)
{
    (void)state;
    avila_cpu_restrict(AVILA_CPU_ALL);
    return 0;
}

/* ------------------------------------------------------------------ SipHash */

static uint64_t siphash_oneshot(int c, const uint8_t key[16], const void *p, size_t n)
{
    return c == 2 ? avila_siphash24(key, p, n) : avila_siphash13(key, p, n);
}

/*
 * A deliberately plain SipHash-c-d written from the paper's description:
 * pads the message into whole words first, then absorbs them one by one.
 */
static uint64_t model_rotl(uint64_t x, int b)
{
    return (x << b) | (x >> (64 - b));
}

static void model_round(uint64_t v[4])
{
    v[0] += v[1], v[1] = model_rotl(v[1], 13), v[1] ^= v[0], v[0] = model_rotl(v[0], 32);
    v[2] += v[3], v[3] = model_rotl(v[3], 16), v[3] ^= v[2];
    v[0] += v[3], v[3] = model_rotl(v[3], 21), v[3] ^= v[0];
    v[2] += v[1], v[1] = model_rotl(v[1], 17), v[1] ^= v[2], v[2] = model_rotl(v[2], 32);
}

static uint64_t model_siphash(const uint8_t key[16], const uint8_t *msg, size_t n, int c, int d)
{
    size_t words = n / 8 + 1;
    uint8_t *padded = calloc(words, 8);
    assert_non_null(padded);
    if (n)
        memcpy(padded, msg, n);
    padded[words * 8 - 1] = (uint8_t)n;
    uint64_t k0 = avila_load_le64(key), k1 = avila_load_le64(key + 8);
    uint64_t v[4] = {k0 ^ 0x736f6d6570736575ull, k1 ^ 0x646f72616e646f6dull,
                     k0 ^ 0x6c7967656e657261ull, k1 ^ 0x7465646279746573ull};
    for (size_t w = 0; w < words; w++) {
        uint64_t m = avila_load_le64(padded + 8 * w);
        v[3] ^= m;
        for (int r = 0; r < c; r++)
            model_round(v);
        v[0] ^= m;
    }
    v[2] ^= 0xff;
    for (int r = 0; r < d; r++)
        model_round(v);
    free(padded);
    return v[0] ^ v[1] ^ v[2] ^ v[3];
}

/* Runs one SipHash vector file through the one-shot, streaming and model paths. */
static void check_siphash_file(const char *path, int c, int d)
{
    struct tv_file tv;
    int count = 0;
    tv_open(&tv, path);
    while (tv_next(&tv)) {
        uint8_t key[16], msg[64];
        assert_int_equal(unit_unhex(tv_str(&tv, "key"), key, sizeof key), 16);
        size_t n = (size_t)tv_u64(&tv, "len");
        assert_true(n <= sizeof msg);
        for (size_t i = 0; i < n; i++)
            msg[i] = (uint8_t)i;
        uint64_t want = tv_le64(&tv, "out");
        assert_true(siphash_oneshot(c, key, msg, n) == want);
        assert_true(model_siphash(key, msg, n, c, d) == want);
        struct avila_siphash s;
        avila_siphash_init(&s, key, c, d);
        for (size_t i = 0; i < n; i++)
            avila_siphash_update(&s, msg + i, 1);
        assert_true(avila_siphash_final(&s) == want);
        count++;
    }
    tv_close(&tv);
    assert_int_equal(count, 64);
}

static void siphash24_paper_vectors(void **state)
{
    (void)state;
    check_siphash_file("hash/siphash24.txt", 2, 4);
}

static void siphash13_published_vectors(void **state)
{
    (void)state;
    check_siphash_file("hash/siphash13.txt", 1, 3);
}

/* Any split of the input into update() calls gives the one-shot value. */
static void siphash_streaming_splits(void **state)
{
    (void)state;
    uint64_t rng = 0x5195;
    for (int iter = 0; iter < 3000; iter++) {
        size_t n = (size_t)(unit_rand(&rng) % 300);
        uint8_t key[16];
        unit_rand_fill(&rng, key, sizeof key);
        uint8_t *msg = random_bytes(&rng, n);
        int c = iter & 1 ? 2 : 1, d = c + 2;
        struct avila_siphash s;
        avila_siphash_init(&s, key, c, d);
        feed_split(siphash_update_fn, &s, msg, n, &rng, 20);
        assert_true(avila_siphash_final(&s) == siphash_oneshot(c, key, msg, n));
        free(msg);
    }
}

/* Generic SipHash-c-d against the model, and the documented clamping of round counts. */
static void siphash_generic_rounds(void **state)
{
    (void)state;
    uint64_t rng = 0xcd;
    uint8_t key[16], msg[40];
    unit_rand_fill(&rng, key, sizeof key);
    unit_rand_fill(&rng, msg, sizeof msg);
    struct avila_siphash s;
    for (int c = 1; c <= AVILA_SIPHASH_MAX_ROUNDS; c++) {
        for (int d = 1; d <= AVILA_SIPHASH_MAX_ROUNDS; d++) {
            avila_siphash_init(&s, key, c, d);
            avila_siphash_update(&s, msg, sizeof msg);
            assert_true(avila_siphash_final(&s) == model_siphash(key, msg, sizeof msg, c, d));
        }
    }
    avila_siphash_init(&s, key, 0, -5);
    avila_siphash_update(&s, msg, sizeof msg);
    assert_true(avila_siphash_final(&s) == model_siphash(key, msg, sizeof msg, 1, 1));
    avila_siphash_init(&s, key, 1000, AVILA_SIPHASH_MAX_ROUNDS + 1);
    avila_siphash_update(&s, msg, sizeof msg);
    uint64_t max =
        model_siphash(key, msg, sizeof msg, AVILA_SIPHASH_MAX_ROUNDS, AVILA_SIPHASH_MAX_ROUNDS);
    assert_true(avila_siphash_final(&s) == max);
}

/* final() leaves the context usable; NULL with length 0 is the empty message. */
static void siphash_final_is_pure_and_null_is_empty(void **state)
{
    (void)state;
    uint8_t key[16] = {0};
    const uint8_t msg[] = "an intermediate final must not disturb the state";
    struct avila_siphash s;
    avila_siphash_init(&s, key, 2, 4);
    avila_siphash_update(&s, NULL, 0);
    assert_true(avila_siphash_final(&s) == avila_siphash24(key, NULL, 0));
    assert_true(avila_siphash_final(&s) == avila_siphash24(key, "", 0));
    avila_siphash_update(&s, msg, 13);
    assert_true(avila_siphash_final(&s) == avila_siphash24(key, msg, 13));
    avila_siphash_update(&s, msg + 13, sizeof msg - 13);
    assert_true(avila_siphash_final(&s) == avila_siphash24(key, msg, sizeof msg));
    assert_true(avila_siphash13(key, NULL, 0) == model_siphash(key, NULL, 0, 1, 3));
}

/* Inputs that end at an inaccessible page: the overlapping tail loads stay in bounds. */
static void siphash_reads_no_byte_past_the_end(void **state)
{
    (void)state;
    uint64_t rng = 77;
    uint8_t key[16];
    unit_rand_fill(&rng, key, sizeof key);
    for (size_t n = 0; n <= 72; n++) {
        uint8_t *p = unit_guarded_alloc(n);
        unit_rand_fill(&rng, p, n);
        assert_true(avila_siphash24(key, p, n) == model_siphash(key, p, n, 2, 4));
        assert_true(avila_siphash13(key, p, n) == model_siphash(key, p, n, 1, 3));
        struct avila_siphash s;
        avila_siphash_init(&s, key, 1, 3);
        avila_siphash_update(&s, p, n / 3);
        avila_siphash_update(&s, p + n / 3, n - n / 3);
        assert_true(avila_siphash_final(&s) == avila_siphash13(key, p, n));
        unit_guarded_free(p, n);
    }
}

/* ----------------------------------------------------------------- xxHash64 */

static uint64_t xxh64_streamed(const uint8_t *p, size_t n, uint64_t seed, uint64_t *rng,
                               size_t max_piece)
{
    struct avila_xxh64 s;
    avila_xxh64_init(&s, seed);
    feed_split(xxh64_update_fn, &s, p, n, rng, max_piece);
    return avila_xxh64_final(&s);
}

static void xxh64_sanity_vectors(void **state)
{
    (void)state;
    struct tv_file tv;
    uint64_t rng = 64;
    int count = 0;
    tv_open(&tv, "hash/xxh64_sanity.txt");
    while (tv_next(&tv)) {
        size_t n = (size_t)tv_u64(&tv, "len");
        uint64_t seed = tv_u64(&tv, "seed"), want = tv_be64(&tv, "hash");
        assert_true(n <= SANITY_LEN);
        assert_true(avila_xxh64(n ? sanity : NULL, n, seed) == want);
        assert_true(xxh64_streamed(sanity, n, seed, &rng, 1) == want);
        assert_true(xxh64_streamed(sanity, n, seed, &rng, n) == want);
        count++;
    }
    tv_close(&tv);
    assert_int_equal(count, 9);
}

static void xxh64_streaming_splits(void **state)
{
    (void)state;
    uint64_t rng = 0x64;
    for (int iter = 0; iter < 3000; iter++) {
        size_t n = (size_t)(unit_rand(&rng) % 600);
        uint64_t seed = iter & 1 ? unit_rand(&rng) : 0;
        uint8_t *p = random_bytes(&rng, n);
        size_t max_piece = (size_t)(unit_rand(&rng) % 70);
        assert_true(xxh64_streamed(p, n, seed, &rng, max_piece) == avila_xxh64(p, n, seed));
        free(p);
    }
}

/* -------------------------------------------------------------------- XXH3 */

static uint64_t xxh3_streamed(const uint8_t *p, size_t n, uint64_t seed, uint64_t *rng,
                              size_t max_piece)
{
    struct avila_xxh3 s;
    avila_xxh3_init(&s, seed);
    feed_split(xxh3_update_fn, &s, p, n, rng, max_piece);
    return avila_xxh3_final(&s);
}

/* Runs the sanity vectors through every kernel, one-shot and streaming. */
static void xxh3_sanity_vectors(void **state)
{
    (void)state;
    const struct avila_xxh3_kernel *k[3];
    size_t nk = xxh3_kernels(k);
    struct tv_file tv;
    uint64_t rng = 3;
    int count = 0;
    tv_open(&tv, "hash/xxh3_sanity.txt");
    while (tv_next(&tv)) {
        size_t n = (size_t)tv_u64(&tv, "len");
        uint64_t seed = tv_u64(&tv, "seed"), want = tv_be64(&tv, "hash");
        assert_true(n <= SANITY_LEN);
        for (size_t i = 0; i < nk; i++) {
            avila_cpu_restrict(k[i]->cpu);
            assert_string_equal(avila_xxh3_impl(), k[i]->name);
            assert_true(avila_xxh3_64_with(k[i], n ? sanity : NULL, n, seed) == want);
            assert_true(avila_xxh3_64(sanity, n, seed) == want);
            assert_true(xxh3_streamed(sanity, n, seed, &rng, 1) == want);
            assert_true(xxh3_streamed(sanity, n, seed, &rng, 300) == want);
            assert_true(xxh3_streamed(sanity, n, seed, &rng, n) == want);
        }
        count++;
    }
    tv_close(&tv);
    assert_int_equal(count, 26);
}

/* Differential vectors recorded from xxhsum 0.8.1 (tools/gen/hash-vectors.sh). */
static void xxhsum_recorded_vectors(void **state)
{
    (void)state;
    const struct avila_xxh3_kernel *k[3];
    size_t nk = xxh3_kernels(k);
    struct tv_file tv;
    uint64_t rng = 0x5a5;
    int count = 0, all_short = 0;
    tv_open(&tv, "hash/xxhsum.txt");
    while (tv_next(&tv)) {
        size_t n = (size_t)tv_u64(&tv, "len");
        uint64_t want64 = tv_be64(&tv, "xxh64"), want3 = tv_be64(&tv, "xxh3");
        assert_true(n <= SANITY_LEN);
        all_short += n <= 256 && (size_t)count == n;
        assert_true(avila_xxh64(sanity, n, 0) == want64);
        assert_true(xxh64_streamed(sanity, n, 0, &rng, 100) == want64);
        for (size_t i = 0; i < nk; i++) {
            avila_cpu_restrict(k[i]->cpu);
            assert_true(avila_xxh3_64_with(k[i], sanity, n, 0) == want3);
            assert_true(xxh3_streamed(sanity, n, 0, &rng, 700) == want3);
        }
        count++;
    }
    tv_close(&tv);
    assert_int_equal(all_short, 257); /* every length 0..256 is there */
    assert_true(count > 400);
}

/* Every fast kernel agrees with the portable one: all lengths 0..1024, long ones, any alignment. */
static void xxh3_kernels_match_portable(void **state)
{
    (void)state;
    const struct avila_xxh3_kernel *k[3];
    size_t nk = xxh3_kernels(k);
    uint64_t rng = 0xacc;
    size_t cap = 70000 + 64;
    uint8_t *buf = random_bytes(&rng, cap);
    for (size_t n = 0; n <= 1024 + 300; n++) {
        size_t len = n <= 1024 ? n : 1025 + (size_t)(unit_rand(&rng) % 69000);
        const uint8_t *p = buf + unit_rand(&rng) % 64;
        uint64_t seed = n % 3 == 0 ? 0 : unit_rand(&rng);
        uint64_t want = avila_xxh3_64_with(&avila_xxh3_kernel_portable, p, len, seed);
        for (size_t i = 1; i < nk; i++)
            assert_true(avila_xxh3_64_with(k[i], p, len, seed) == want);
    }
    free(buf);
}

/* Streaming under every kernel, random splits and seeds, against one-shot portable. */
static void xxh3_streaming_splits(void **state)
{
    (void)state;
    const struct avila_xxh3_kernel *k[3];
    size_t nk = xxh3_kernels(k);
    uint64_t rng = 0x33;
    for (int iter = 0; iter < 2000; iter++) {
        size_t n = (size_t)(unit_rand(&rng) % (iter < 1000 ? 700 : 5000));
        uint64_t seed = iter & 1 ? unit_rand(&rng) : 0;
        uint8_t *p = random_bytes(&rng, n);
        size_t max_piece = (size_t)(unit_rand(&rng) % (iter & 2 ? 80 : 1200));
        uint64_t want = avila_xxh3_64_with(&avila_xxh3_kernel_portable, p, n, seed);
        const struct avila_xxh3_kernel *kern = k[(size_t)iter % nk];
        avila_cpu_restrict(kern->cpu);
        assert_true(xxh3_streamed(p, n, seed, &rng, max_piece) == want);
        free(p);
    }
}

/* final() leaves both streaming contexts usable; NULL with length 0 is the empty input. */
static void xxh_final_is_pure(void **state)
{
    (void)state;
    struct avila_xxh64 s64;
    struct avila_xxh3 s3;
    avila_xxh64_init(&s64, 7);
    avila_xxh3_init(&s3, 7);
    avila_xxh64_update(&s64, NULL, 0);
    avila_xxh3_update(&s3, NULL, 0);
    assert_true(avila_xxh64_final(&s64) == avila_xxh64(NULL, 0, 7));
    assert_true(avila_xxh3_final(&s3) == avila_xxh3_64(NULL, 0, 7));
    size_t cuts[] = {5, 31, 32, 33, 200, 240, 241, 256, 257, 1024, 1025, 3000, SANITY_LEN};
    size_t done = 0;
    for (size_t i = 0; i < AVILA_ARRAY_LEN(cuts); i++) {
        avila_xxh64_update(&s64, sanity + done, cuts[i] - done);
        avila_xxh3_update(&s3, sanity + done, cuts[i] - done);
        done = cuts[i];
        for (int twice = 0; twice < 2; twice++) {
            assert_true(avila_xxh64_final(&s64) == avila_xxh64(sanity, done, 7));
            assert_true(avila_xxh3_final(&s3) == avila_xxh3_64(sanity, done, 7));
        }
    }
}

/* Inputs ending at an inaccessible page, every kernel: no read past the end. */
static void xxh_reads_no_byte_past_the_end(void **state)
{
    (void)state;
    const struct avila_xxh3_kernel *k[3];
    size_t nk = xxh3_kernels(k);
    uint64_t rng = 0x9a9e;
    for (size_t n = 0; n <= 1100; n += n < 300 ? 1 : 61) {
        uint8_t *p = unit_guarded_alloc(n);
        memcpy(p, sanity, n < SANITY_LEN ? n : SANITY_LEN);
        uint64_t want3 = avila_xxh3_64_with(&avila_xxh3_kernel_portable, sanity, n, 1);
        assert_true(avila_xxh64(p, n, 1) == avila_xxh64(sanity, n, 1));
        for (size_t i = 0; i < nk; i++) {
            avila_cpu_restrict(k[i]->cpu);
            assert_true(avila_xxh3_64_with(k[i], p, n, 1) == want3);
            assert_true(xxh3_streamed(p, n, 1, &rng, 100) == want3);
        }
        unit_guarded_free(p, n);
    }
}

/* The dispatcher honours avila_cpu_restrict and names what it picks. */
static void xxh3_impl_follows_cpu_restrictions(void **state)
{
    (void)state;
    avila_cpu_restrict(0);
    assert_string_equal(avila_xxh3_impl(), "portable");
    avila_cpu_restrict(AVILA_CPU_ALL);
    const struct avila_xxh3_kernel *k[3];
    size_t nk = xxh3_kernels(k);
    assert_string_equal(avila_xxh3_impl(), k[nk - 1]->name);
}

/* ------------------------------------------------------------------ CRC-32C */

/* The CRC-32C kernels this CPU can run, portable first. */
static size_t crc_kernels(const struct avila_crc32c_kernel *out[3])
{
    size_t n = 0;
    out[n++] = &avila_crc32c_kernel_portable;
#if AVILA_X86_64
    const struct avila_crc32c_kernel *fast[] = {&avila_crc32c_kernel_sse42,
                                                &avila_crc32c_kernel_sse42_pclmul};
    for (size_t i = 0; i < AVILA_ARRAY_LEN(fast); i++)
        if ((avila_cpu_detected() & fast[i]->cpu) == fast[i]->cpu)
            out[n++] = fast[i];
#endif
    return n;
}

/* A bit-at-a-time model straight from the definition (reflected, preset and complemented). */
static uint32_t model_crc32c(uint32_t crc, const uint8_t *p, size_t n)
{
    uint32_t r = ~crc;
    for (size_t i = 0; i < n; i++) {
        r ^= p[i];
        for (int b = 0; b < 8; b++)
            r = (r >> 1) ^ (r & 1 ? 0x82F63B78u : 0);
    }
    return ~r;
}

static void crc32c_known_answers(void **state)
{
    (void)state;
    const struct avila_crc32c_kernel *k[3];
    size_t nk = crc_kernels(k);
    struct tv_file tv;
    int count = 0;
    tv_open(&tv, "hash/crc32c.txt");
    while (tv_next(&tv)) {
        size_t n;
        uint8_t *msg = tv_hex(&tv, "msg", &n);
        uint32_t want = (uint32_t)tv_u64(&tv, "crc");
        assert_int_equal(model_crc32c(0, msg, n), want);
        for (size_t i = 0; i < nk; i++) {
            avila_cpu_restrict(k[i]->cpu);
            assert_string_equal(avila_crc32c_impl(), k[i]->name);
            assert_int_equal(avila_crc32c(0, msg, n), want);
            uint32_t crc = 0;
            for (size_t j = 0; j < n; j++)
                crc = k[i]->update(crc, msg + j, 1);
            assert_int_equal(crc, want);
        }
        free(msg);
        count++;
    }
    tv_close(&tv);
    assert_int_equal(count, 6);
}

/* The committed tables and constants are what tools/gen/gen_crc32c.c's math says. */
static uint32_t model_zero_bytes(uint32_t r, size_t n)
{
    for (size_t i = 0; i < 8 * n; i++)
        r = (r >> 1) ^ (r & 1 ? 0x82F63B78u : 0);
    return r;
}

static uint32_t model_x_power(size_t k)
{
    uint32_t r = 0x80000000u;
    for (size_t i = 0; i < k; i++)
        r = (r >> 1) ^ (r & 1 ? 0x82F63B78u : 0);
    return r;
}

static void crc32c_tables_match_the_polynomial(void **state)
{
    (void)state;
    for (uint32_t b = 0; b < 256; b++)
        for (size_t k = 0; k < 8; k++)
            assert_int_equal(avila_crc32c_table[k][b], model_zero_bytes(b, k + 1));
    uint64_t rng = 0x7ab;
    for (int i = 0; i < 64; i++) {
        uint32_t b = (uint32_t)(unit_rand(&rng) & 0xff);
        int j = i % 4;
        assert_int_equal(avila_crc32c_shift_short[j][b],
                         model_zero_bytes(b << (8 * j), AVILA_CRC32C_SHORT));
        assert_int_equal(avila_crc32c_shift_long[j][b],
                         model_zero_bytes(b << (8 * j), AVILA_CRC32C_LONG));
    }
    assert_int_equal(avila_crc32c_clmul_short, model_x_power(8 * AVILA_CRC32C_SHORT - 33));
    assert_int_equal(avila_crc32c_clmul_long, model_x_power(8 * AVILA_CRC32C_LONG - 33));
    assert_int_equal(avila_crc32c_clmul_short2, model_x_power(16 * AVILA_CRC32C_SHORT - 33));
    assert_int_equal(avila_crc32c_clmul_long2, model_x_power(16 * AVILA_CRC32C_LONG - 33));
}

/* Every kernel against the portable one and the model: all lengths 0..1024, long ones, any
 * alignment. */
static void crc32c_kernels_match_portable(void **state)
{
    (void)state;
    const struct avila_crc32c_kernel *k[3];
    size_t nk = crc_kernels(k);
    uint64_t rng = 0xc3c;
    size_t cap = 4 * 3 * AVILA_CRC32C_LONG + 64;
    uint8_t *buf = random_bytes(&rng, cap);
    for (size_t n = 0; n <= 1024 + 200; n++) {
        size_t len = n <= 1024 ? n : 1025 + (size_t)(unit_rand(&rng) % (cap - 1100));
        const uint8_t *p = buf + unit_rand(&rng) % 64;
        uint32_t crc = n % 4 == 0 ? 0 : (uint32_t)unit_rand(&rng);
        uint32_t want = avila_crc32c_kernel_portable.update(crc, p, len);
        if (len <= 2048)
            assert_int_equal(model_crc32c(crc, p, len), want);
        for (size_t i = 1; i < nk; i++)
            assert_int_equal(k[i]->update(crc, p, len), want);
    }
    free(buf);
}

/* crc(crc(0, a), b) == crc(0, ab) for any split, every kernel. */
static void crc32c_chains_across_splits(void **state)
{
    (void)state;
    const struct avila_crc32c_kernel *k[3];
    size_t nk = crc_kernels(k);
    uint64_t rng = 0x5b1;
    for (int iter = 0; iter < 600; iter++) {
        size_t n = (size_t)(unit_rand(&rng) % (iter < 300 ? 2000 : 80000));
        uint8_t *p = random_bytes(&rng, n);
        uint32_t want = avila_crc32c_kernel_portable.update(0, p, n);
        const struct avila_crc32c_kernel *kern = k[(size_t)iter % nk];
        uint32_t crc = 0;
        size_t off = 0;
        while (off < n) {
            size_t part = 1 + (size_t)(unit_rand(&rng) % (iter & 1 ? 100 : 30000));
            if (part > n - off)
                part = n - off;
            crc = kern->update(crc, p + off, part);
            off += part;
        }
        assert_int_equal(crc, want);
        free(p);
    }
}

/* Inputs ending at an inaccessible page, and NULL with length 0. */
static void crc32c_reads_no_byte_past_the_end(void **state)
{
    (void)state;
    const struct avila_crc32c_kernel *k[3];
    size_t nk = crc_kernels(k);
    uint64_t rng = 0x9a9c;
    for (size_t n = 0; n <= (size_t)9 * AVILA_CRC32C_LONG; n += n < 800 ? 1 : 977) {
        uint8_t *p = unit_guarded_alloc(n);
        unit_rand_fill(&rng, p, n);
        uint32_t want = avila_crc32c_kernel_portable.update(0xabcdef, p, n);
        for (size_t i = 0; i < nk; i++) {
            assert_int_equal(k[i]->update(0xabcdef, p, n), want);
            assert_int_equal(k[i]->update(want, NULL, 0), want);
        }
        unit_guarded_free(p, n);
    }
}

static void crc32c_impl_follows_cpu_restrictions(void **state)
{
    (void)state;
    avila_cpu_restrict(0);
    assert_string_equal(avila_crc32c_impl(), "portable");
    assert_int_equal(avila_crc32c(0, "123456789", 9), 0xE3069283u);
    avila_cpu_restrict(AVILA_CPU_ALL);
    const struct avila_crc32c_kernel *k[3];
    size_t nk = crc_kernels(k);
    assert_string_equal(avila_crc32c_impl(), k[nk - 1]->name);
    assert_int_equal(avila_crc32c(0, "123456789", 9), 0xE3069283u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(siphash24_paper_vectors),
        cmocka_unit_test(siphash13_published_vectors),
        cmocka_unit_test(siphash_streaming_splits),
        cmocka_unit_test(siphash_generic_rounds),
        cmocka_unit_test(siphash_final_is_pure_and_null_is_empty),
        cmocka_unit_test(siphash_reads_no_byte_past_the_end),
        cmocka_unit_test(xxh64_sanity_vectors),
        cmocka_unit_test(xxh64_streaming_splits),
        cmocka_unit_test_teardown(xxh3_sanity_vectors, allow_all_cpu),
        cmocka_unit_test_teardown(xxhsum_recorded_vectors, allow_all_cpu),
        cmocka_unit_test(xxh3_kernels_match_portable),
        cmocka_unit_test_teardown(xxh3_streaming_splits, allow_all_cpu),
        cmocka_unit_test(xxh_final_is_pure),
        cmocka_unit_test_teardown(xxh_reads_no_byte_past_the_end, allow_all_cpu),
        cmocka_unit_test_teardown(xxh3_impl_follows_cpu_restrictions, allow_all_cpu),
        cmocka_unit_test_teardown(crc32c_known_answers, allow_all_cpu),
        cmocka_unit_test(crc32c_tables_match_the_polynomial),
        cmocka_unit_test(crc32c_kernels_match_portable),
        cmocka_unit_test(crc32c_chains_across_splits),
        cmocka_unit_test(crc32c_reads_no_byte_past_the_end),
        cmocka_unit_test_teardown(crc32c_impl_follows_cpu_restrictions, allow_all_cpu),
    };
    return cmocka_run_group_tests(tests, fill_sanity, NULL);
}
