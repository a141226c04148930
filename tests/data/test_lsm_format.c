/*
 * tests/data/test_lsm_format.c - data/lsm_format.h: varints at every
 * length boundary and every malformed form (truncated, over 10 bytes,
 * beyond 64 bits), internal keys (trailer layout, parse errors) and their
 * order against a reference written from the definition, and the CRC mask
 * (round trip, and a known CRC32C value).
 */
#include "tests/support/unit.h"

#include <string.h>

#include "data/lsm_format.h"

static void varint_boundaries(void **state)
{
    (void)state;
    static const struct {
        uint64_t v;
        size_t len;
    } cases[] = {
        {0, 1},
        {127, 1},
        {128, 2},
        {16383, 2},
        {16384, 3},
        {(UINT64_C(1) << 21) - 1, 3},
        {UINT64_C(1) << 21, 4},
        {(UINT64_C(1) << 35) - 1, 5},
        {UINT64_C(1) << 35, 6},
        {(UINT64_C(1) << 56) - 1, 8},
        {UINT64_C(1) << 56, 9},
        {(UINT64_C(1) << 63) - 1, 9},
        {UINT64_C(1) << 63, 10},
        {UINT64_MAX, 10},
    };
    for (size_t i = 0; i < AVILA_ARRAY_LEN(cases); i++) {
        uint8_t b[AVILA_LSM_VARINT64_MAX];
        size_t n = avila_lsm_varint_put(b, cases[i].v);
        assert_int_equal(n, cases[i].len);
        for (size_t k = 0; k + 1 < n; k++)
            assert_true(b[k] & 0x80);
        assert_false(b[n - 1] & 0x80);
        uint64_t back = 0;
        assert_int_equal(avila_lsm_varint_get(b, n, &back), n);
        assert_true(back == cases[i].v);
        for (size_t cut = 0; cut < n; cut++) /* every truncation is incomplete */
            assert_int_equal(avila_lsm_varint_get(b, cut, &back), 0);
    }
    /* 300 = 0b1_0010_1100: 0xac 0x02 (the usual worked example). */
    uint8_t b[AVILA_LSM_VARINT64_MAX];
    assert_int_equal(avila_lsm_varint_put(b, 300), 2);
    assert_int_equal(b[0], 0xac);
    assert_int_equal(b[1], 0x02);
}

static void varint_malformed(void **state)
{
    (void)state;
    uint64_t v;
    /* eleven continuation bytes: never a value */
    uint8_t longer[11];
    memset(longer, 0x80, sizeof(longer));
    longer[10] = 0;
    assert_int_equal(avila_lsm_varint_get(longer, sizeof(longer), &v), 0);
    /* ten bytes whose last carries bits beyond 64 */
    uint8_t over[10];
    memset(over, 0xff, 9);
    over[9] = 0x02;
    assert_int_equal(avila_lsm_varint_get(over, sizeof(over), &v), 0);
    over[9] = 0x01; /* exactly UINT64_MAX */
    assert_int_equal(avila_lsm_varint_get(over, sizeof(over), &v), 10);
    assert_true(v == UINT64_MAX);
    /* non-minimal forms decode (0x80 0x00 is 0): the reader is not a canonicality check */
    uint8_t padded[2] = {0x80, 0x00};
    assert_int_equal(avila_lsm_varint_get(padded, 2, &v), 2);
    assert_true(v == 0);
}

/* A reference order written straight from the header's definition. */
static int ref_cmp(const char *ka, uint64_t sa, int kinda, const char *kb, uint64_t sb, int kindb)
{
    size_t la = strlen(ka), lb = strlen(kb), n = la < lb ? la : lb;
    int c = memcmp(ka, kb, n);
    if (c != 0)
        return c < 0 ? -1 : 1;
    if (la != lb)
        return la < lb ? -1 : 1;
    if (sa != sb)
        return sa > sb ? -1 : 1;
    if (kinda != kindb)
        return kinda > kindb ? -1 : 1;
    return 0;
}

/*
 * avila_lsm_user_cmp compares eight bytes at a time: against a byte loop on
 * random keys that share long prefixes and differ at every position, with
 * bytes on both sides of 0x80 (a signed compare would misorder them).
 */
static int bytewise(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
    for (size_t i = 0; i < an && i < bn; i++)
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    return an < bn ? -1 : an > bn ? 1 : 0;
}

static void user_key_order(void **state)
{
    (void)state;
    uint64_t rng = 0x75636d70;
    uint8_t a[48], b[48];
    for (int i = 0; i < 200000; i++) {
        size_t an = (size_t)(unit_rand(&rng) % 41), bn = (size_t)(unit_rand(&rng) % 41);
        unit_rand_fill(&rng, a, sizeof(a));
        memcpy(b, a, sizeof(b)); /* shared prefix ... */
        size_t at = (size_t)(unit_rand(&rng) % 41);
        if (unit_rand(&rng) % 4 != 0)
            b[at] = (uint8_t)unit_rand(&rng); /* ... up to one differing byte, or none */
        int got = avila_lsm_user_cmp(avila_slice_make(a, an), avila_slice_make(b, bn));
        int want = bytewise(a, an, b, bn);
        assert_int_equal(got < 0 ? -1 : got > 0, want);
    }
}

static void internal_keys(void **state)
{
    (void)state;
    static const char *keys[] = {"", "a", "ab", "b", "\xff", "a\x00"};
    static const uint64_t seqs[] = {0, 1, 255, 256, AVILA_LSM_MAX_SEQ};
    struct avila_buf b[2];
    for (int i = 0; i < 2; i++)
        avila_buf_init(&b[i], avila_allocator_libc(), SIZE_MAX);
    size_t nk = AVILA_ARRAY_LEN(keys), ns = AVILA_ARRAY_LEN(seqs);
    for (size_t x = 0; x < nk * ns * 3; x++) {
        for (size_t y = 0; y < nk * ns * 3; y++) {
            size_t kx = x / (ns * 3), sx = x / 3 % ns, tx = x % 3;
            size_t ky = y / (ns * 3), sy = y / 3 % ns, ty = y % 3;
            /* "a\x00" is two bytes: give it its real length */
            struct avila_slice ux = avila_slice_make(keys[kx], kx == 5 ? 2 : strlen(keys[kx]));
            struct avila_slice uy = avila_slice_make(keys[ky], ky == 5 ? 2 : strlen(keys[ky]));
            avila_buf_clear(&b[0]);
            avila_buf_clear(&b[1]);
            assert_int_equal(avila_lsm_ikey_append(&b[0], ux, seqs[sx], (enum avila_lsm_kind)tx),
                             0);
            assert_int_equal(avila_lsm_ikey_append(&b[1], uy, seqs[sy], (enum avila_lsm_kind)ty),
                             0);
            int got = avila_lsm_ikey_cmp(avila_slice_make(b[0].data, b[0].len),
                                         avila_slice_make(b[1].data, b[1].len));
            int want;
            if (kx == 5 || ky == 5) { /* compare by bytes with explicit lengths */
                int c = avila_lsm_user_cmp(ux, uy);
                want = c != 0                 ? c
                       : seqs[sx] != seqs[sy] ? (seqs[sx] > seqs[sy] ? -1 : 1)
                       : tx != ty             ? (tx > ty ? -1 : 1)
                                              : 0;
            } else {
                want = ref_cmp(keys[kx], seqs[sx], (int)tx, keys[ky], seqs[sy], (int)ty);
            }
            assert_int_equal(got < 0 ? -1 : got > 0, want < 0 ? -1 : want > 0);
            struct avila_lsm_ikey p = {0};
            assert_int_equal(avila_lsm_ikey_parse(b[0].data, b[0].len, &p), 0);
            assert_true(avila_slice_equal(p.user_key, ux));
            assert_true(p.seq == seqs[sx]);
            assert_int_equal(p.kind, tx);
        }
    }
    /* The trailer is little-endian (seq << 8 | kind). */
    avila_buf_clear(&b[0]);
    assert_int_equal(
        avila_lsm_ikey_append(&b[0], avila_slice_from_cstr("k"), 0x010203, AVILA_LSM_VALUE), 0);
    static const uint8_t want[] = {'k', 0x01, 0x03, 0x02, 0x01, 0, 0, 0, 0};
    assert_int_equal(b[0].len, sizeof(want));
    assert_memory_equal(b[0].data, want, sizeof(want));
    /* Refused: seq too large, key too long; malformed: too short, unknown kind. */
    assert_int_equal(avila_lsm_ikey_append(&b[0], avila_slice_from_cstr("k"), AVILA_LSM_MAX_SEQ + 1,
                                           AVILA_LSM_VALUE),
                     AVILA_EINVAL);
    static uint8_t big[AVILA_LSM_MAX_KEY_LEN + 1];
    assert_int_equal(
        avila_lsm_ikey_append(&b[0], avila_slice_make(big, sizeof(big)), 1, AVILA_LSM_VALUE),
        AVILA_EINVAL);
    struct avila_lsm_ikey p;
    assert_int_equal(avila_lsm_ikey_parse(want, 7, &p), AVILA_EFORMAT);
    uint8_t bad[9] = {'k', 3, 0, 0, 0, 0, 0, 0, 0};
    assert_int_equal(avila_lsm_ikey_parse(bad, sizeof(bad), &p), AVILA_EFORMAT);
    for (int i = 0; i < 2; i++)
        avila_buf_release(&b[i]);
}

static void crc_mask(void **state)
{
    (void)state;
    uint32_t crc = avila_crc32c(0, "123456789", 9);
    assert_int_equal(crc, 0xE3069283u); /* the CRC-32C check value */
    assert_int_not_equal(avila_lsm_crc_mask(crc), crc);
    uint32_t x = 0x9e3779b9u;
    for (int i = 0; i < 100000; i++) {
        assert_int_equal(avila_lsm_crc_unmask(avila_lsm_crc_mask(x)), x);
        x = x * 1664525u + 1013904223u;
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(varint_boundaries), cmocka_unit_test(varint_malformed),
        cmocka_unit_test(user_key_order),    cmocka_unit_test(internal_keys),
        cmocka_unit_test(crc_mask),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
