/* tests/core/test_endian.c - byte-order loads/stores and checked size arithmetic. */
#include "tests/support/unit.h"

#include <string.h>

#include "core/endian.h"
#include "core/size.h"

static const uint8_t seq[8] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};

static void loads_read_the_stated_order(void **state)
{
    (void)state;
    assert_int_equal(avila_load_le16(seq), 0x2301);
    assert_int_equal(avila_load_be16(seq), 0x0123);
    assert_int_equal(avila_load_le32(seq), 0x67452301u);
    assert_int_equal(avila_load_be32(seq), 0x01234567u);
    assert_true(avila_load_le64(seq) == 0xefcdab8967452301ull);
    assert_true(avila_load_be64(seq) == 0x0123456789abcdefull);
}

static void stores_invert_loads_at_every_alignment(void **state)
{
    (void)state;
    uint8_t buf[16];
    uint64_t rng = 1;
    for (int off = 0; off < 8; off++) {
        for (int i = 0; i < 1000; i++) {
            uint64_t v = unit_rand(&rng);
            avila_store_le64(buf + off, v);
            assert_true(avila_load_le64(buf + off) == v);
            avila_store_be64(buf + off, v);
            assert_true(avila_load_be64(buf + off) == v);
            assert_int_equal(buf[off], (uint8_t)(v >> 56));
            avila_store_le32(buf + off, (uint32_t)v);
            assert_int_equal(avila_load_le32(buf + off), (uint32_t)v);
            assert_int_equal(buf[off], (uint8_t)v);
            avila_store_be32(buf + off, (uint32_t)v);
            assert_int_equal(avila_load_be32(buf + off), (uint32_t)v);
            avila_store_le16(buf + off, (uint16_t)v);
            assert_int_equal(avila_load_le16(buf + off), (uint16_t)v);
            avila_store_be16(buf + off, (uint16_t)v);
            assert_int_equal(avila_load_be16(buf + off), (uint16_t)v);
        }
    }
}

static void stores_touch_only_their_width(void **state)
{
    (void)state;
    uint8_t buf[10];
    memset(buf, 0xaa, sizeof buf);
    avila_store_be64(buf + 1, 0x0123456789abcdefull);
    assert_int_equal(buf[0], 0xaa);
    assert_int_equal(buf[9], 0xaa);
    assert_memory_equal(buf + 1, seq, 8);
}

static void size_arithmetic_detects_overflow(void **state)
{
    (void)state;
    size_t r = 7;
    assert_int_equal(avila_size_add(SIZE_MAX - 1, 1, &r), 0);
    assert_true(r == SIZE_MAX);
    r = 7;
    assert_int_equal(avila_size_add(SIZE_MAX, 1, &r), AVILA_EOVERFLOW);
    assert_int_equal(r, 7);
    assert_int_equal(avila_size_mul(SIZE_MAX / 2, 2, &r), 0);
    assert_int_equal(avila_size_mul(SIZE_MAX / 2 + 1, 2, &r), AVILA_EOVERFLOW);
    assert_int_equal(avila_size_mul(0, SIZE_MAX, &r), 0);
    assert_int_equal(r, 0);
    assert_int_equal(avila_size_mul_add(10, 16, 8, &r), 0);
    assert_int_equal(r, 168);
    assert_int_equal(avila_size_mul_add(SIZE_MAX / 16, 16, 16, &r), AVILA_EOVERFLOW);
    assert_int_equal(avila_size_mul_add(SIZE_MAX, 2, 0, &r), AVILA_EOVERFLOW);
}

static void align_up_rounds_to_powers_of_two(void **state)
{
    (void)state;
    size_t r = 0;
    assert_int_equal(avila_size_align_up(0, 16, &r), 0);
    assert_int_equal(r, 0);
    assert_int_equal(avila_size_align_up(1, 16, &r), 0);
    assert_int_equal(r, 16);
    assert_int_equal(avila_size_align_up(16, 16, &r), 0);
    assert_int_equal(r, 16);
    assert_int_equal(avila_size_align_up(4097, 4096, &r), 0);
    assert_int_equal(r, 8192);
    assert_int_equal(avila_size_align_up(5, 1, &r), 0);
    assert_int_equal(r, 5);
    assert_int_equal(avila_size_align_up(SIZE_MAX - 3, 8, &r), AVILA_EOVERFLOW);
    assert_int_equal(avila_size_align_up(8, 0, &r), AVILA_EINVAL);
    assert_int_equal(avila_size_align_up(8, 24, &r), AVILA_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(loads_read_the_stated_order),
        cmocka_unit_test(stores_invert_loads_at_every_alignment),
        cmocka_unit_test(stores_touch_only_their_width),
        cmocka_unit_test(size_arithmetic_detects_overflow),
        cmocka_unit_test(align_up_rounds_to_powers_of_two),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
