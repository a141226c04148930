/*
 * tests/crypto/test_chacha20.c - ChaCha20, HChaCha20 and XChaCha20: RFC 8439
 * and draft-irtf-cfrg-xchacha-03 vectors through every kernel, every fast
 * kernel against the portable one on random lengths, alignments and
 * counters (crossing each SIMD group size), counter wrap, the streaming
 * context against one-shot calls, and guard pages.
 */
#include "tests/support/unit.h"

#include <stdlib.h>
#include <string.h>

#include "core/cpu.h"
#include "crypto/chacha20.h"
#include "crypto/chacha20_int.h"

/* ------------------------------------------------------------------ helpers */

/* The ChaCha20 kernels this CPU can run, portable first. */
static size_t kernels(const struct avila_chacha20_kernel *out[3])
{
    size_t n = 0;
    out[n++] = &avila_chacha20_kernel_portable;
#if AVILA_X86_64
    const struct avila_chacha20_kernel *fast[] = {&avila_chacha20_kernel_avx2,
                                                  &avila_chacha20_kernel_avx512};
    for (size_t i = 0; i < AVILA_ARRAY_LEN(fast); i++)
        if ((avila_cpu_detected() & fast[i]->cpu) == fast[i]->cpu)
            out[n++] = fast[i];
#endif
    return n;
}

/* Runs kernel k over n bytes; checks it advanced the counter by ceil(n / 64). */
static void run_kernel(const struct avila_chacha20_kernel *k, const uint8_t key[32],
                       const uint8_t nonce[12], uint32_t counter, uint8_t *out, const uint8_t *in,
                       size_t n)
{
    uint32_t st[16];
    avila_chacha20_setup(st, key, nonce, counter);
    k->stream(st, out, in, n);
    assert_int_equal(st[12], (uint32_t)(counter + (n + 63) / 64));
}

static uint8_t *random_bytes(uint64_t *rng, size_t n)
{
    uint8_t *p = malloc(n ? n : 1);
    assert_non_null(p);
    unit_rand_fill(rng, p, n);
    return p;
}

static int allow_all_cpu(void **state)
{
    (void)state;
    avila_cpu_restrict(AVILA_CPU_ALL);
    return 0;
}

/* ------------------------------------------------------------------ vectors */

/* RFC 8439 2.3.2 and A.1: one block of keystream, through every kernel and the public call. */
static void rfc8439_block_function(void **state)
{
    (void)state;
    const struct avila_chacha20_kernel *ks[3];
    size_t nk = kernels(ks);
    struct tv_file tv;
    int count = 0;
    tv_open(&tv, "chacha20/block.txt");
    while (tv_next(&tv)) {
        uint8_t key[32], nonce[12], want[64], zero[64] = {0}, got[64];
        assert_int_equal(unit_unhex(tv_str(&tv, "key"), key, 32), 32);
        assert_int_equal(unit_unhex(tv_str(&tv, "nonce"), nonce, 12), 12);
        assert_int_equal(unit_unhex(tv_str(&tv, "out"), want, 64), 64);
        uint32_t counter = (uint32_t)tv_u64(&tv, "counter");
        for (size_t i = 0; i < nk; i++) {
            run_kernel(ks[i], key, nonce, counter, got, zero, 64);
            assert_memory_equal(got, want, 64);
        }
        avila_chacha20_xor(got, zero, 64, key, nonce, counter);
        assert_memory_equal(got, want, 64);
        count++;
    }
    tv_close(&tv);
    assert_int_equal(count, 6);
}

/* RFC 8439 2.4.2 and A.2: encryption, every kernel, out of place and in place. */
static void rfc8439_encryption(void **state)
{
    (void)state;
    const struct avila_chacha20_kernel *ks[3];
    size_t nk = kernels(ks);
    struct tv_file tv;
    int count = 0;
    tv_open(&tv, "chacha20/chacha20.txt");
    while (tv_next(&tv)) {
        uint8_t key[32], nonce[12];
        size_t n, n2;
        assert_int_equal(unit_unhex(tv_str(&tv, "key"), key, 32), 32);
        assert_int_equal(unit_unhex(tv_str(&tv, "nonce"), nonce, 12), 12);
        uint32_t counter = (uint32_t)tv_u64(&tv, "counter");
        uint8_t *pt = tv_hex(&tv, "pt", &n), *ct = tv_hex(&tv, "ct", &n2);
        assert_int_equal(n, n2);
        uint8_t *buf = malloc(n);
        assert_non_null(buf);
        for (size_t i = 0; i < nk; i++) {
            run_kernel(ks[i], key, nonce, counter, buf, pt, n);
            assert_memory_equal(buf, ct, n);
            run_kernel(ks[i], key, nonce, counter, buf, buf, n);
            assert_memory_equal(buf, pt, n);
        }
        avila_chacha20_xor(buf, ct, n, key, nonce, counter);
        assert_memory_equal(buf, pt, n);
        free(buf);
        free(pt);
        free(ct);
        count++;
    }
    tv_close(&tv);
    assert_int_equal(count, 4);
}

/* draft-irtf-cfrg-xchacha-03 2.2.1. */
static void hchacha20_vector(void **state)
{
    (void)state;
    struct tv_file tv;
    int count = 0;
    tv_open(&tv, "chacha20/hchacha20.txt");
    while (tv_next(&tv)) {
        uint8_t key[32], nonce[16], want[32], got[32];
        assert_int_equal(unit_unhex(tv_str(&tv, "key"), key, 32), 32);
        assert_int_equal(unit_unhex(tv_str(&tv, "nonce"), nonce, 16), 16);
        assert_int_equal(unit_unhex(tv_str(&tv, "out"), want, 32), 32);
        avila_hchacha20(got, key, nonce);
        assert_memory_equal(got, want, 32);
        /* out may alias key. */
        avila_hchacha20(key, key, nonce);
        assert_memory_equal(key, want, 32);
        count++;
    }
    tv_close(&tv);
    assert_int_equal(count, 1);
}

/* draft-irtf-cfrg-xchacha-03 A.3.2.1 and A.3.2.2, with the portable kernel and the dispatched one.
 */
static void xchacha20_vectors(void **state)
{
    (void)state;
    struct tv_file tv;
    int count = 0;
    tv_open(&tv, "chacha20/xchacha20.txt");
    while (tv_next(&tv)) {
        uint8_t key[32], nonce[24];
        size_t n, n2;
        assert_int_equal(unit_unhex(tv_str(&tv, "key"), key, 32), 32);
        assert_int_equal(unit_unhex(tv_str(&tv, "nonce"), nonce, 24), 24);
        uint32_t counter = (uint32_t)tv_u64(&tv, "counter");
        uint8_t *pt = tv_hex(&tv, "pt", &n), *ct = tv_hex(&tv, "ct", &n2);
        assert_int_equal(n, n2);
        uint8_t *buf = malloc(n);
        assert_non_null(buf);
        for (int portable = 0; portable < 2; portable++) {
            avila_cpu_restrict(portable ? 0 : AVILA_CPU_ALL);
            avila_xchacha20_xor(buf, pt, n, key, nonce, counter);
            assert_memory_equal(buf, ct, n);
            avila_xchacha20_xor(buf, buf, n, key, nonce, counter);
            assert_memory_equal(buf, pt, n);
        }
        avila_cpu_restrict(AVILA_CPU_ALL);
        free(buf);
        free(pt);
        free(ct);
        count++;
    }
    tv_close(&tv);
    assert_int_equal(count, 2);
}

/* ---------------------------------------------------------------- properties */

/*
 * Every fast kernel against the portable one: every length 0..2200 (so each
 * of the 8- and 16-block group boundaries and the tails in between), at a
 * random input and output misalignment, with random keys and counters.
 */
static void kernels_match_portable(void **state)
{
    (void)state;
    const struct avila_chacha20_kernel *ks[3];
    size_t nk = kernels(ks);
    uint64_t rng = 0xc3c4a20;
    enum { MAX = 2200 };
    uint8_t *in = random_bytes(&rng, MAX + 64);
    uint8_t *want = malloc(MAX + 64), *got = malloc(MAX + 64);
    assert_non_null(want);
    assert_non_null(got);
    for (size_t n = 0; n <= MAX; n++) {
        uint8_t key[32], nonce[12];
        unit_rand_fill(&rng, key, sizeof key);
        unit_rand_fill(&rng, nonce, sizeof nonce);
        uint32_t counter = (uint32_t)unit_rand(&rng);
        size_t ia = unit_rand(&rng) % 64, oa = unit_rand(&rng) % 64;
        run_kernel(&avila_chacha20_kernel_portable, key, nonce, counter, want, in + ia, n);
        for (size_t i = 1; i < nk; i++) {
            memset(got, 0x5a, MAX + 64);
            run_kernel(ks[i], key, nonce, counter, got + oa, in + ia, n);
            assert_memory_equal(got + oa, want, n);
            /* Not one byte past the end is written. */
            assert_int_equal(got[oa + n], 0x5a);
        }
    }
    free(in);
    free(want);
    free(got);
}

/*
 * The 32-bit counter wraps to 0 after 0xffffffff, in every kernel and in
 * every lane position (counters just below the wrap, long enough to cross it
 * inside a SIMD group).
 */
static void counter_wraps_to_zero(void **state)
{
    (void)state;
    const struct avila_chacha20_kernel *ks[3];
    size_t nk = kernels(ks);
    uint8_t key[32], nonce[12], zero[64] = {0}, last[64], first[64];
    uint64_t rng = 7;
    unit_rand_fill(&rng, key, sizeof key);
    unit_rand_fill(&rng, nonce, sizeof nonce);
    run_kernel(&avila_chacha20_kernel_portable, key, nonce, 0xffffffffu, last, zero, 64);
    run_kernel(&avila_chacha20_kernel_portable, key, nonce, 0, first, zero, 64);
    enum { N = 64 * 40 };
    uint8_t *zeros = calloc(N, 1), *got = malloc(N);
    assert_non_null(zeros);
    assert_non_null(got);
    for (size_t i = 0; i < nk; i++) {
        for (size_t back = 1; back <= 20; back++) {
            uint32_t counter = 0u - (uint32_t)back;
            run_kernel(ks[i], key, nonce, counter, got, zeros, N);
            /* Block `back - 1` is counter 0xffffffff, the next one counter 0. */
            assert_memory_equal(got + 64 * (back - 1), last, 64);
            assert_memory_equal(got + 64 * back, first, 64);
        }
    }
    free(zeros);
    free(got);
}

/* The streaming context over random splits equals one call, for the portable and the native kernel.
 */
static void streaming_matches_oneshot(void **state)
{
    (void)state;
    uint64_t rng = 99;
    enum { N = 5000 };
    uint8_t *in = random_bytes(&rng, N);
    uint8_t *want = malloc(N), *got = malloc(N);
    assert_non_null(want);
    assert_non_null(got);
    for (int round = 0; round < 40; round++) {
        avila_cpu_restrict(round % 2 ? 0 : AVILA_CPU_ALL);
        uint8_t key[32], nonce[12];
        unit_rand_fill(&rng, key, sizeof key);
        unit_rand_fill(&rng, nonce, sizeof nonce);
        uint32_t counter = round < 20 ? (uint32_t)round : 0xfffffff0u;
        size_t n = unit_rand(&rng) % N;
        avila_chacha20_xor(want, in, n, key, nonce, counter);
        struct avila_chacha20 ctx;
        avila_chacha20_init(&ctx, key, nonce, counter);
        size_t off = 0, max_piece = round % 4 == 0 ? 3 : 700;
        while (off < n) {
            size_t part = unit_rand(&rng) % (max_piece + 1);
            if (part > n - off)
                part = n - off;
            avila_chacha20_update(&ctx, got + off, in + off, part);
            off += part;
        }
        avila_chacha20_wipe(&ctx);
        assert_memory_equal(got, want, n);
    }
    avila_cpu_restrict(AVILA_CPU_ALL);
    uint8_t zero[sizeof(struct avila_chacha20)] = {0};
    struct avila_chacha20 ctx;
    avila_chacha20_init(&ctx, in, in, 0);
    avila_chacha20_wipe(&ctx);
    assert_memory_equal(&ctx, zero, sizeof ctx);
    free(in);
    free(want);
    free(got);
}

/* Input and output end at an inaccessible page: no kernel reads or writes past n bytes. */
static void guard_pages(void **state)
{
    (void)state;
    const struct avila_chacha20_kernel *ks[3];
    size_t nk = kernels(ks);
    const size_t lens[] = {0, 1, 15, 63, 64, 65, 511, 512, 513, 1023, 1024, 1025, 1600};
    uint8_t key[32] = {1}, nonce[12] = {2};
    for (size_t l = 0; l < AVILA_ARRAY_LEN(lens); l++) {
        size_t n = lens[l];
        uint8_t *in = unit_guarded_alloc(n), *out = unit_guarded_alloc(n);
        memset(in, 0x33, n);
        for (size_t i = 0; i < nk; i++)
            run_kernel(ks[i], key, nonce, 5, out, in, n);
        unit_guarded_free(in, n);
        unit_guarded_free(out, n);
    }
}

/* XChaCha20 is ChaCha20 under the HChaCha20 subkey with nonce 0^4 | nonce[16..24). */
static void xchacha20_is_chacha20_with_subkey(void **state)
{
    (void)state;
    uint64_t rng = 1234;
    uint8_t key[32], nonce[24], subkey[32], nonce12[12] = {0};
    uint8_t *in = random_bytes(&rng, 777);
    uint8_t want[777], got[777];
    unit_rand_fill(&rng, key, sizeof key);
    unit_rand_fill(&rng, nonce, sizeof nonce);
    avila_hchacha20(subkey, key, nonce);
    memcpy(nonce12 + 4, nonce + 16, 8);
    avila_chacha20_xor(want, in, sizeof want, subkey, nonce12, 3);
    avila_xchacha20_xor(got, in, sizeof got, key, nonce, 3);
    assert_memory_equal(got, want, sizeof got);
    /* And it differs from plain ChaCha20 under the outer key. */
    avila_chacha20_xor(want, in, sizeof want, key, nonce12, 3);
    assert_memory_not_equal(got, want, sizeof got);
    free(in);
}

/* avila_chacha20_impl names what the dispatcher picks, and portable when restricted. */
static void impl_names(void **state)
{
    (void)state;
    avila_cpu_restrict(0);
    assert_string_equal(avila_chacha20_impl(), "portable");
    avila_cpu_restrict(AVILA_CPU_ALL);
    const char *name = avila_chacha20_impl();
    assert_string_equal(name, avila_chacha20_kernel()->name);
#if AVILA_X86_64
    if (avila_cpu_detected() & AVILA_CPU_AVX512F)
        assert_string_equal(name, "avx512");
    else if (avila_cpu_detected() & AVILA_CPU_AVX2)
        assert_string_equal(name, "avx2");
#endif
    print_message("chacha20 implementation: %s\n", name);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(rfc8439_block_function, allow_all_cpu),
        cmocka_unit_test_teardown(rfc8439_encryption, allow_all_cpu),
        cmocka_unit_test_teardown(hchacha20_vector, allow_all_cpu),
        cmocka_unit_test_teardown(xchacha20_vectors, allow_all_cpu),
        cmocka_unit_test_teardown(kernels_match_portable, allow_all_cpu),
        cmocka_unit_test_teardown(counter_wraps_to_zero, allow_all_cpu),
        cmocka_unit_test_teardown(streaming_matches_oneshot, allow_all_cpu),
        cmocka_unit_test_teardown(guard_pages, allow_all_cpu),
        cmocka_unit_test_teardown(xchacha20_is_chacha20_with_subkey, allow_all_cpu),
        cmocka_unit_test_teardown(impl_names, allow_all_cpu),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
