/*
 * tests/crypto/test_poly1305.c - Poly1305: RFC 8439 section 2.5.2 and
 * Appendix A.3 vectors through every kernel (radix 2^26, radix 2^64, AVX2, AVX-512),
 * a plain big-number model on random and extreme inputs, kernels compared
 * from extreme accumulator states, streaming splits, wiping and guard pages.
 */
#include "tests/support/unit.h"

#include <stdlib.h>
#include <string.h>

#include "core/cpu.h"
#include "core/endian.h"
#include "crypto/chacha20_int.h"
#include "crypto/poly1305.h"

/* ------------------------------------------------------------------ helpers */

/* The Poly1305 kernels this CPU can run, portable ones first. */
static size_t kernels(const struct avila_poly1305_kernel *out[4])
{
    size_t n = 0;
    out[n++] = &avila_poly1305_kernel_portable32;
#if AVILA_POLY1305_HAVE_INT128
    out[n++] = &avila_poly1305_kernel_portable64;
#endif
#if AVILA_X86_64
    const struct avila_poly1305_kernel *fast[] = {&avila_poly1305_kernel_avx2,
                                                  &avila_poly1305_kernel_avx512};
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

/*
 * The model: Poly1305 written from RFC 8439 section 2.5.1's pseudocode with
 * schoolbook big numbers (32-bit words, little-endian), reducing by repeated
 * folding x = (x mod 2^130) + 5 (x >> 130). Slow and variable-time on purpose.
 */
#define W 10 /* words: room for a 288-bit product */

static void bn_add(uint32_t a[W], const uint32_t b[W])
{
    uint64_t c = 0;
    for (int i = 0; i < W; i++) {
        c += (uint64_t)a[i] + b[i];
        a[i] = (uint32_t)c;
        c >>= 32;
    }
}

static void bn_mul(uint32_t out[W], const uint32_t a[W], const uint32_t b[W])
{
    uint32_t t[2 * W] = {0};
    for (int i = 0; i < W; i++) {
        uint64_t c = 0;
        for (int j = 0; j < W; j++) {
            c += (uint64_t)a[i] * b[j] + t[i + j];
            t[i + j] = (uint32_t)c;
            c >>= 32;
        }
        t[i + W] = (uint32_t)c;
    }
    memcpy(out, t, sizeof(uint32_t) * W);
}

/* x mod 2^130 - 5, fully reduced. */
static void bn_reduce(uint32_t x[W])
{
    for (;;) {
        uint32_t hi[W] = {0}, five[W] = {5};
        for (int i = 0; i < W - 4; i++)
            hi[i] = (x[4 + i] >> 2) | (i + 5 < W ? x[5 + i] << 30 : 0);
        int zero = 1;
        for (int i = 0; i < W; i++)
            zero &= hi[i] == 0;
        if (zero)
            break;
        x[4] &= 3;
        for (int i = 5; i < W; i++)
            x[i] = 0;
        bn_mul(hi, hi, five);
        bn_add(x, hi);
    }
    /* x < 2^130: x >= p exactly when x + 5 >= 2^130. */
    uint32_t g[W] = {5};
    bn_add(g, x);
    if (g[4] >> 2) {
        g[4] &= 3;
        memcpy(x, g, sizeof g);
    }
}

static void model_mac(uint8_t tag[16], const uint8_t *msg, size_t n, const uint8_t key[32])
{
    uint8_t rb[16];
    memcpy(rb, key, 16);
    rb[3] &= 15, rb[7] &= 15, rb[11] &= 15, rb[15] &= 15;
    rb[4] &= 252, rb[8] &= 252, rb[12] &= 252;
    uint32_t r[W] = {0}, acc[W] = {0}, s[W] = {0};
    for (size_t i = 0; i < 4; i++) {
        r[i] = avila_load_le32(rb + 4 * i);
        s[i] = avila_load_le32(key + 16 + 4 * i);
    }
    for (size_t off = 0; off < n; off += 16) {
        size_t len = n - off < 16 ? n - off : 16;
        uint8_t b[20] = {0};
        memcpy(b, msg + off, len);
        b[len] = 1;
        uint32_t blk[W] = {0};
        for (size_t i = 0; i < 5; i++)
            blk[i] = avila_load_le32(b + 4 * i);
        bn_add(acc, blk);
        bn_mul(acc, acc, r);
        bn_reduce(acc);
    }
    bn_add(acc, s);
    for (size_t i = 0; i < 4; i++)
        avila_store_le32(tag + 4 * i, acc[i]);
}

/* h (a kernel's accumulator) fully reduced mod p, as four words + top bits. */
static void normalize(uint32_t out[W], const uint64_t h[3])
{
    memset(out, 0, sizeof(uint32_t) * W);
    for (size_t i = 0; i < 3; i++) {
        out[2 * i] = (uint32_t)h[i];
        out[2 * i + 1] = (uint32_t)(h[i] >> 32);
    }
    bn_reduce(out);
}

/* Every way to compute one tag must agree with want. */
static void check_all_ways(const uint8_t key[32], const uint8_t *msg, size_t n,
                           const uint8_t want[16])
{
    const struct avila_poly1305_kernel *ks[4];
    size_t nk = kernels(ks);
    uint8_t got[16];
    for (size_t i = 0; i < nk; i++) {
        avila_poly1305_mac_with(ks[i], got, msg, n, key);
        assert_memory_equal(got, want, 16);
    }
    avila_poly1305_mac(got, msg, n, key);
    assert_memory_equal(got, want, 16);
    struct avila_poly1305 ctx;
    avila_poly1305_init(&ctx, key);
    for (size_t i = 0; i < n; i++)
        avila_poly1305_update(&ctx, msg + i, 1);
    avila_poly1305_final(&ctx, got);
    assert_memory_equal(got, want, 16);
}

static uint8_t *random_bytes(uint64_t *rng, size_t n)
{
    uint8_t *p = malloc(n ? n : 1);
    assert_non_null(p);
    unit_rand_fill(rng, p, n);
    return p;
}

/* ------------------------------------------------------------------ vectors */

/* RFC 8439 2.5.2 and A.3 #1-#11, every kernel, the model, one-shot and byte-by-byte. */
static void rfc8439_vectors(void **state)
{
    (void)state;
    struct tv_file tv;
    int count = 0;
    tv_open(&tv, "chacha20/poly1305.txt");
    while (tv_next(&tv)) {
        uint8_t key[32], want[16], got[16];
        size_t n;
        assert_int_equal(unit_unhex(tv_str(&tv, "key"), key, 32), 32);
        assert_int_equal(unit_unhex(tv_str(&tv, "tag"), want, 16), 16);
        uint8_t *msg = tv_hex(&tv, "msg", &n);
        model_mac(got, msg, n, key);
        assert_memory_equal(got, want, 16);
        check_all_ways(key, msg, n, want);
        avila_cpu_restrict(0);
        check_all_ways(key, msg, n, want);
        avila_cpu_restrict(AVILA_CPU_ALL);
        free(msg);
        count++;
    }
    tv_close(&tv);
    assert_int_equal(count, 12);
}

/* ---------------------------------------------------------------- properties */

/* Random keys and messages of every length up to 1100 bytes: all kernels equal the model. */
static void kernels_match_model(void **state)
{
    (void)state;
    uint64_t rng = 0x1305;
    uint8_t *msg = random_bytes(&rng, 1100 + 16);
    for (size_t n = 0; n <= 1100; n++) {
        uint8_t key[32], want[16];
        unit_rand_fill(&rng, key, sizeof key);
        size_t off = unit_rand(&rng) % 16;
        model_mac(want, msg + off, n, key);
        check_all_ways(key, msg + off, n, want);
    }
    free(msg);
}

/*
 * Extreme inputs stress the limb bounds of every kernel: the largest clamped
 * r, all-ones s, all-ones messages (the largest blocks), long enough for the
 * vector loop's two-group steps, odd group counts and scalar leftovers.
 */
static void extreme_inputs_match_model(void **state)
{
    (void)state;
    enum { MAX = 4200 };
    uint8_t *ones = malloc(MAX);
    assert_non_null(ones);
    memset(ones, 0xff, MAX);
    uint8_t key[32], want[16];
    memset(key, 0xff, sizeof key);
    const size_t lens[] = {16, 511, 512, 513, 528, 576, 640, 704, 768, 1024, 1040, 1056, 4096, MAX};
    for (size_t i = 0; i < AVILA_ARRAY_LEN(lens); i++) {
        model_mac(want, ones, lens[i], key);
        check_all_ways(key, ones, lens[i], want);
    }
    /* r = 0 gives s whatever the message. */
    memset(key, 0, 16);
    model_mac(want, ones, 1000, key);
    assert_memory_equal(want, key + 16, 16);
    check_all_ways(key, ones, 1000, want);
    free(ones);
}

/*
 * Kernels started from the largest accumulator they accept (h[2] = 7, the
 * rest all ones) and from random ones, over random and all-ones blocks,
 * with and without the 2^128 bit: the results agree modulo p.
 */
static void kernels_agree_from_extreme_states(void **state)
{
    (void)state;
    const struct avila_poly1305_kernel *ks[4];
    size_t nk = kernels(ks);
    uint64_t rng = 0xface;
    enum { BLOCKS = 100 };
    uint8_t *blocks = random_bytes(&rng, (size_t)16 * BLOCKS);
    uint8_t ones[16 * BLOCKS];
    memset(ones, 0xff, sizeof ones);
    for (int round = 0; round < 200; round++) {
        uint64_t h0[3], r[2];
        if (round % 2) {
            h0[0] = h0[1] = ~(uint64_t)0, h0[2] = 7;
        } else {
            h0[0] = unit_rand(&rng), h0[1] = unit_rand(&rng), h0[2] = unit_rand(&rng) % 8;
        }
        r[0] = (round % 3 ? unit_rand(&rng) : ~(uint64_t)0) & 0x0ffffffc0fffffffull;
        r[1] = (round % 3 ? unit_rand(&rng) : ~(uint64_t)0) & 0x0ffffffc0ffffffcull;
        const uint8_t *m = round % 4 < 2 ? ones : blocks;
        size_t nb = 1 + (size_t)(unit_rand(&rng) % BLOCKS);
        uint32_t hibit = round % 5 != 0;
        uint32_t want[W], got[W];
        for (size_t i = 0; i < nk; i++) {
            uint64_t h[3] = {h0[0], h0[1], h0[2]};
            ks[i]->blocks(h, r, m, nb, hibit);
            assert_true(h[2] < 8);
            normalize(i == 0 ? want : got, h);
            if (i)
                assert_memory_equal(got, want, sizeof want);
        }
    }
    free(blocks);
}

/* Any split of the message into updates gives the one-shot tag. */
static void streaming_splits(void **state)
{
    (void)state;
    uint64_t rng = 77;
    enum { N = 3000 };
    uint8_t *msg = random_bytes(&rng, N);
    for (int round = 0; round < 60; round++) {
        uint8_t key[32], want[16], got[16];
        unit_rand_fill(&rng, key, sizeof key);
        size_t n = unit_rand(&rng) % N;
        avila_poly1305_mac(want, msg, n, key);
        struct avila_poly1305 ctx;
        avila_poly1305_init(&ctx, key);
        size_t off = 0, max_piece = round % 3 == 0 ? 17 : 600;
        while (off < n) {
            size_t part = unit_rand(&rng) % (max_piece + 1);
            if (part > n - off)
                part = n - off;
            avila_poly1305_update(&ctx, part ? msg + off : NULL, part);
            off += part;
        }
        avila_poly1305_final(&ctx, got);
        assert_memory_equal(got, want, 16);
    }
    free(msg);
}

/* final() leaves the context all zero (key, accumulator and buffer wiped). */
static void final_wipes_context(void **state)
{
    (void)state;
    uint8_t key[32], tag[16], zero[sizeof(struct avila_poly1305)] = {0};
    memset(key, 0xa5, sizeof key);
    struct avila_poly1305 ctx;
    avila_poly1305_init(&ctx, key);
    avila_poly1305_update(&ctx, key, 21);
    avila_poly1305_final(&ctx, tag);
    assert_memory_equal(&ctx, zero, sizeof ctx);
}

/* Messages ending at an inaccessible page: no kernel reads past the end. */
static void guard_pages(void **state)
{
    (void)state;
    const struct avila_poly1305_kernel *ks[4];
    size_t nk = kernels(ks);
    uint8_t key[32] = {9}, tag[16];
    for (size_t n = 0; n <= 1200; n += (n < 300 ? 1 : 29)) {
        uint8_t *msg = unit_guarded_alloc(n);
        memset(msg, 0x42, n);
        for (size_t i = 0; i < nk; i++)
            avila_poly1305_mac_with(ks[i], tag, msg, n, key);
        unit_guarded_free(msg, n);
    }
}

static void impl_names(void **state)
{
    (void)state;
    avila_cpu_restrict(0);
    assert_string_equal(avila_poly1305_impl(), avila_poly1305_kernel_scalar()->name);
    avila_cpu_restrict(AVILA_CPU_ALL);
    print_message("poly1305 implementation: %s\n", avila_poly1305_impl());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(rfc8439_vectors, allow_all_cpu),
        cmocka_unit_test_teardown(kernels_match_model, allow_all_cpu),
        cmocka_unit_test_teardown(extreme_inputs_match_model, allow_all_cpu),
        cmocka_unit_test_teardown(kernels_agree_from_extreme_states, allow_all_cpu),
        cmocka_unit_test_teardown(streaming_splits, allow_all_cpu),
        cmocka_unit_test_teardown(final_wipes_context, allow_all_cpu),
        cmocka_unit_test_teardown(guard_pages, allow_all_cpu),
        cmocka_unit_test_teardown(impl_names, allow_all_cpu),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
