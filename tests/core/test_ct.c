/*
 * tests/core/test_ct.c - constant-time helpers compute the right values
 * (tests/ct/ct_core.c checks that they do so without secret-dependent
 * branches, under valgrind).
 */
#include "tests/support/unit.h"

#include <string.h>

#include "core/ct.h"

static const uint32_t edge[] = {0,          1,          2,          0x7fffffff,
                                0x80000000, 0x80000001, 0xfffffffe, 0xffffffff};

static void word_predicates_match_plain_c(void **state)
{
    (void)state;
    uint64_t rng = 42;
    for (int i = 0; i < 20000; i++) {
        uint32_t a, b;
        if (i < 64) {
            a = edge[i % 8];
            b = edge[i / 8];
        } else {
            a = (uint32_t)unit_rand(&rng);
            b = i % 3 ? (uint32_t)unit_rand(&rng) : a;
        }
        assert_int_equal(avila_ct_eq_u32(a, b), a == b);
        assert_int_equal(avila_ct_lt_u32(a, b), a < b);
        assert_int_equal(avila_ct_nonzero_u32(a), a != 0);
        assert_int_equal(avila_ct_select_u32(1, a, b), a);
        assert_int_equal(avila_ct_select_u32(0, a, b), b);
        uint64_t wa = (uint64_t)a << 32 | b, wb = ~wa;
        assert_true(avila_ct_select_u64(1, wa, wb) == wa);
        assert_true(avila_ct_select_u64(0, wa, wb) == wb);
    }
    assert_int_equal(avila_ct_mask_u32(1), 0xffffffffu);
    assert_int_equal(avila_ct_mask_u32(0), 0);
    assert_true(avila_ct_mask_u64(1) == UINT64_MAX);
}

static void memeq_finds_any_difference(void **state)
{
    (void)state;
    uint8_t a[67], b[67];
    uint64_t rng = 7;
    unit_rand_fill(&rng, a, sizeof a);
    for (size_t n = 0; n <= sizeof a; n++) {
        memcpy(b, a, sizeof a);
        assert_int_equal(avila_ct_memeq(a, b, n), 1);
        for (size_t i = 0; i < n; i++) {
            for (int bitpos = 0; bitpos < 8; bitpos++) {
                b[i] ^= (uint8_t)(1u << bitpos);
                assert_int_equal(avila_ct_memeq(a, b, n), 0);
                b[i] ^= (uint8_t)(1u << bitpos);
            }
        }
    }
}

static void is_zero_checks_every_byte(void **state)
{
    (void)state;
    uint8_t z[40] = {0};
    assert_int_equal(avila_ct_is_zero(z, 0), 1);
    assert_int_equal(avila_ct_is_zero(z, sizeof z), 1);
    for (size_t i = 0; i < sizeof z; i++) {
        z[i] = 0x80;
        assert_int_equal(avila_ct_is_zero(z, sizeof z), 0);
        assert_int_equal(avila_ct_is_zero(z, i), 1);
        z[i] = 0;
    }
}

static void copy_and_swap_obey_the_bit(void **state)
{
    (void)state;
    uint8_t a[33], b[33], a0[33], b0[33];
    uint64_t rng = 9;
    unit_rand_fill(&rng, a0, sizeof a0);
    unit_rand_fill(&rng, b0, sizeof b0);
    memcpy(a, a0, sizeof a);
    avila_ct_copy_if(0, a, b0, sizeof a);
    assert_memory_equal(a, a0, sizeof a);
    avila_ct_copy_if(1, a, b0, sizeof a);
    assert_memory_equal(a, b0, sizeof a);

    memcpy(a, a0, sizeof a);
    memcpy(b, b0, sizeof b);
    avila_ct_swap_if(0, a, b, sizeof a);
    assert_memory_equal(a, a0, sizeof a);
    assert_memory_equal(b, b0, sizeof b);
    avila_ct_swap_if(1, a, b, sizeof a);
    assert_memory_equal(a, b0, sizeof a);
    assert_memory_equal(b, a0, sizeof b);
}

static void wipe_zeroes_exactly_n_bytes(void **state)
{
    (void)state;
    uint8_t buf[32];
    memset(buf, 0x5c, sizeof buf);
    avila_wipe(buf + 4, 20);
    for (size_t i = 0; i < sizeof buf; i++)
        assert_int_equal(buf[i], (i >= 4 && i < 24) ? 0 : 0x5c);
    avila_wipe(buf, 0);
    assert_int_equal(buf[0], 0x5c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(word_predicates_match_plain_c),
        cmocka_unit_test(memeq_finds_any_difference),
        cmocka_unit_test(is_zero_checks_every_byte),
        cmocka_unit_test(copy_and_swap_obey_the_bit),
        cmocka_unit_test(wipe_zeroes_exactly_n_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
