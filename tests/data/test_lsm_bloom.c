/*
 * tests/data/test_lsm_bloom.c - data/lsm_bloom.h: the filter's bytes against
 * a reference builder written from the header's format (bit positions by
 * 128-bit arithmetic, k from ln 2 in floating point), no false negatives for
 * tables of 0 to 100,000 keys, the false-positive rate over 100,000 absent
 * keys (about 1% at 10 bits per key; asserted below 2%), build from keys
 * and from hashes giving the same bytes, and malformed filters answering
 * "may match".
 */
#include "tests/support/unit.h"

#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "data/lsm_bloom.h"

/* The format, from the header's words, with other arithmetic than the code's. */
static uint8_t *ref_filter(const uint64_t *h, size_t n, unsigned bpk, size_t *len)
{
    size_t bits = n * bpk < 64 ? 64 : n * bpk;
    size_t bytes = (bits + 7) / 8;
    unsigned k = (unsigned)(bpk * 0.69314718055994531 + 0.5); /* round(bpk ln 2) */
    if (k < 1)
        k = 1;
    if (k > 30)
        k = 30;
    uint8_t *f = calloc(bytes + 1, 1);
    assert_non_null(f);
    unsigned __int128 m = (unsigned __int128)bytes * 8;
    for (size_t i = 0; i < n; i++) {
        uint64_t a = h[i] & 0xffffffffu, d = h[i] >> 32;
        for (unsigned j = 0; j < k; j++) {
            uint64_t x = (a + (uint64_t)j * d) % ((uint64_t)1 << 32);
            size_t bit = (size_t)((x * m) / ((unsigned __int128)1 << 32));
            f[bit / 8] |= (uint8_t)(1u << (bit % 8));
        }
    }
    f[bytes] = (uint8_t)k;
    *len = bytes + 1;
    return f;
}

/* Key i of a family: 16 bytes, family in the first byte so families never meet. */
static void key_of(uint8_t fam, uint32_t i, uint8_t out[16])
{
    memset(out, 0, 16);
    out[0] = fam;
    avila_store_be32(out + 4, i);
    avila_store_le32(out + 12, i * 2654435761u);
}

static void no_false_negatives_and_rate(void **state)
{
    (void)state;
    static const size_t sizes[] = {0, 1, 10, 100, 1000, 10000, 100000};
    enum { ABSENT = 100000 };
    uint64_t *h = malloc(sizeof(*h) * 100000);
    assert_non_null(h);
    for (size_t s = 0; s < AVILA_ARRAY_LEN(sizes); s++) {
        size_t n = sizes[s];
        for (size_t i = 0; i < n; i++) {
            uint8_t k[16];
            key_of(1, (uint32_t)i, k);
            h[i] = avila_lsm_bloom_hash(avila_slice_make(k, 16));
        }
        struct avila_buf f;
        avila_buf_init(&f, avila_allocator_libc(), SIZE_MAX);
        assert_int_equal(avila_lsm_bloom_build(&f, h, n, 0), 0);
        assert_int_equal(f.len, avila_lsm_bloom_size(n, AVILA_LSM_BLOOM_DEFAULT_BITS_PER_KEY));
        size_t rlen;
        uint8_t *ref = ref_filter(h, n, 10, &rlen);
        assert_int_equal(f.len, rlen);
        assert_memory_equal(f.data, ref, rlen);
        free(ref);
        for (size_t i = 0; i < n; i++) {
            uint8_t k[16];
            key_of(1, (uint32_t)i, k);
            assert_true(avila_lsm_bloom_may_match_key(f.data, f.len, avila_slice_make(k, 16)));
        }
        size_t fp = 0;
        for (uint32_t i = 0; i < ABSENT; i++) {
            uint8_t k[16];
            key_of(2, i, k);
            fp += avila_lsm_bloom_may_match_key(f.data, f.len, avila_slice_make(k, 16));
        }
        double rate = (double)fp / ABSENT;
        print_message("# %6zu keys: %zu bytes, false positives %.3f%%\n", n, f.len, 100 * rate);
        if (n == 0)
            assert_int_equal(fp, 0);
        if (n >= 1000)
            assert_true(rate < 0.02);
        avila_buf_release(&f);
    }
    free(h);
}

static void keys_and_hashes_agree(void **state)
{
    (void)state;
    enum { N = 777 };
    static uint8_t store[N][20];
    struct avila_slice keys[N];
    uint64_t h[N];
    uint64_t rng = 17;
    for (size_t i = 0; i < N; i++) {
        size_t len = (size_t)(unit_rand(&rng) % 21); /* the empty key too */
        unit_rand_fill(&rng, store[i], len);
        keys[i] = avila_slice_make(store[i], len);
        h[i] = avila_xxh3_64(store[i], len, 0); /* the documented hash */
        assert_true(h[i] == avila_lsm_bloom_hash(keys[i]));
    }
    for (unsigned bpk = 1; bpk <= 20; bpk++) {
        struct avila_buf a, b;
        avila_buf_init(&a, avila_allocator_libc(), SIZE_MAX);
        avila_buf_init(&b, avila_allocator_libc(), SIZE_MAX);
        assert_int_equal(avila_buf_append(&a, "pre", 3), 0); /* appended after what is there */
        assert_int_equal(avila_lsm_bloom_build(&a, h, N, bpk), 0);
        assert_int_equal(avila_lsm_bloom_build_keys(&b, keys, N, bpk), 0);
        assert_int_equal(a.len, b.len + 3);
        assert_memory_equal(a.data + 3, b.data, b.len);
        size_t rlen;
        uint8_t *ref = ref_filter(h, N, bpk, &rlen);
        assert_int_equal(rlen, b.len);
        assert_memory_equal(ref, b.data, rlen);
        free(ref);
        for (size_t i = 0; i < N; i++)
            assert_true(avila_lsm_bloom_may_match(b.data, b.len, h[i]));
        avila_buf_release(&a);
        avila_buf_release(&b);
    }
}

static void malformed_filters(void **state)
{
    (void)state;
    uint8_t f[9] = {0};
    uint64_t h = avila_lsm_bloom_hash(avila_slice_make("x", 1));
    f[8] = 7; /* all bits clear, k = 7: a valid filter of no keys */
    assert_false(avila_lsm_bloom_may_match(f, 9, h));
    f[8] = 30;
    assert_false(avila_lsm_bloom_may_match(f, 9, h));
    f[8] = 0;
    assert_true(avila_lsm_bloom_may_match(f, 9, h));
    f[8] = 31;
    assert_true(avila_lsm_bloom_may_match(f, 9, h));
    f[8] = 255;
    assert_true(avila_lsm_bloom_may_match(f, 9, h));
    f[0] = 7;
    assert_true(avila_lsm_bloom_may_match(f, 1, h)); /* only k */
    assert_true(avila_lsm_bloom_may_match(f, 0, h));
    assert_true(avila_lsm_bloom_may_match(NULL, 0, h));
    assert_true(avila_lsm_bloom_may_match_key(NULL, 0, avila_slice_make("x", 1)));
    /* A too-long filter is not read at all. */
    assert_true(avila_lsm_bloom_may_match(f, AVILA_LSM_BLOOM_MAX_BIT_BYTES + 2, h));
}

static void arguments_and_limits(void **state)
{
    (void)state;
    struct avila_buf f;
    avila_buf_init(&f, avila_allocator_libc(), SIZE_MAX);
    uint64_t h = 1;
    assert_int_equal(avila_lsm_bloom_build(&f, NULL, 1, 10), AVILA_EINVAL);
    assert_int_equal(avila_lsm_bloom_build(&f, &h, 1, AVILA_LSM_BLOOM_MAX_BITS_PER_KEY + 1),
                     AVILA_EINVAL);
    assert_int_equal(avila_lsm_bloom_build_keys(&f, NULL, 1, 10), AVILA_EINVAL);
    assert_int_equal(avila_lsm_bloom_build(&f, &h, SIZE_MAX / 4, 10), AVILA_ELIMIT);
    assert_int_equal(f.len, 0);
    assert_int_equal(avila_lsm_bloom_size(SIZE_MAX / 4, 10), 0);
    assert_int_equal(avila_lsm_bloom_size(1, 0), 0);
    assert_int_equal(avila_lsm_bloom_size(0, 10), 9);     /* 64 bits minimum, and k */
    assert_int_equal(avila_lsm_bloom_size(100, 10), 126); /* 1000 bits */
    /* The largest filter the limit allows is accepted by the size function. */
    size_t most = AVILA_LSM_BLOOM_MAX_BIT_BYTES * 8 / 10;
    assert_int_equal(avila_lsm_bloom_size(most, 10), (most * 10 + 7) / 8 + 1);
    assert_int_equal(avila_lsm_bloom_size(most + 1, 10), 0);
    /* A fixed buffer too small: ENOSPC, unchanged. */
    uint8_t small[4];
    struct avila_buf fx;
    avila_buf_init_fixed(&fx, small, sizeof(small));
    assert_int_equal(avila_lsm_bloom_build(&fx, &h, 1, 10), AVILA_ENOSPC);
    assert_int_equal(fx.len, 0);
    avila_buf_release(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(no_false_negatives_and_rate),
        cmocka_unit_test(keys_and_hashes_agree),
        cmocka_unit_test(malformed_filters),
        cmocka_unit_test(arguments_and_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
