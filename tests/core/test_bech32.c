/*
 * tests/core/test_bech32.c - core/bech32: the BIP 173 valid and invalid
 * strings (tests/vectors/bech32/bip173.txt), round trips of random data,
 * case rules, the length limit, every single-character substitution, every
 * proper prefix, and reads that stay inside the string (guard page).
 */
#include "tests/support/unit.h"

#include <stdlib.h>
#include <string.h>

#include "core/bech32.h"
#include "core/error.h"

#define MAX_STR 2048

/* The current record's string (from string or string_hex) into buf; returns its length. */
static size_t record_string(struct tv_file *tv, char *buf, size_t cap)
{
    if (tv_has(tv, "string_hex")) {
        size_t n;
        uint8_t *b = tv_hex(tv, "string_hex", &n);
        assert_true(n <= cap);
        memcpy(buf, b, n);
        free(b);
        return n;
    }
    const char *s = tv_str(tv, "string");
    size_t n = strlen(s);
    assert_true(n < cap);
    memcpy(buf, s, n + 1);
    return n;
}

static void test_bip173_vectors(void **state)
{
    (void)state;
    struct tv_file tv;
    int valid = 0, invalid = 0;
    tv_open(&tv, "bech32/bip173.txt");
    while (tv_next(&tv)) {
        char s[MAX_STR], hrp[128], enc[MAX_STR];
        uint8_t data[MAX_STR];
        size_t n = record_string(&tv, s, sizeof s), hrp_len = 0, len = 0;
        size_t max = tv_has(&tv, "max_len") ? tv_u64(&tv, "max_len") : AVILA_BECH32_BIP173_MAX_LEN;
        int rc = avila_bech32_decode(data, sizeof data, hrp, sizeof hrp, &hrp_len, s, n, max, &len);
        if (strcmp(tv_str(&tv, "expect"), "invalid") == 0) {
            assert_int_not_equal(rc, 0);
            invalid++;
            continue;
        }
        valid++;
        assert_int_equal(rc, 0);
        const char *want_hrp = tv_str(&tv, "hrp");
        assert_int_equal(hrp_len, strlen(want_hrp));
        assert_memory_equal(hrp, want_hrp, hrp_len);
        size_t want_len;
        uint8_t *want = tv_hex(&tv, "data", &want_len);
        assert_int_equal(len, want_len);
        if (len > 0)
            assert_memory_equal(data, want, len);
        /* Encoding gives the string back, in its case. */
        unsigned upper = s[0] >= 'A' && s[0] <= 'Z' ? AVILA_BECH32_UPPER : 0;
        size_t enc_len = 0, need = 0;
        assert_int_equal(avila_bech32_encoded_len(hrp_len, len, &need), 0);
        assert_int_equal(need, n);
        assert_int_equal(avila_bech32_encode(enc, sizeof enc, want_hrp, hrp_len, want, want_len,
                                             upper, &enc_len),
                         0);
        assert_int_equal(enc_len, n);
        assert_memory_equal(enc, s, n);
        free(want);
    }
    tv_close(&tv);
    assert_int_equal(valid, 9);
    assert_int_equal(invalid, 12);
}

static void test_round_trip(void **state)
{
    (void)state;
    uint64_t rng = 0xbec32;
    for (int iter = 0; iter < 2000; iter++) {
        uint8_t data[200], back[200];
        char s[MAX_STR], hrp[16] = "hrp", got_hrp[16];
        size_t n = (size_t)(unit_rand(&rng) % sizeof data), len = 0, out = 0, hl = 0;
        unit_rand_fill(&rng, data, n);
        unsigned flags = iter & 1 ? AVILA_BECH32_UPPER : 0;
        assert_int_equal(avila_bech32_encode(s, sizeof s, hrp, 3, data, n, flags, &len), 0);
        assert_int_equal(
            avila_bech32_decode(back, sizeof back, got_hrp, sizeof got_hrp, &hl, s, len, len, &out),
            0);
        assert_int_equal(out, n);
        assert_int_equal(hl, 3);
        assert_memory_equal(got_hrp, "hrp", 3);
        if (n > 0)
            assert_memory_equal(back, data, n);
        /* A limit below the length refuses it. */
        assert_int_equal(avila_bech32_decode(back, sizeof back, got_hrp, sizeof got_hrp, &hl, s,
                                             len, len - 1, &out),
                         AVILA_ELIMIT);
    }
}

/* Changing any one character to any other breaks the string (BCH code: distance > 1). */
static void test_substitutions(void **state)
{
    (void)state;
    uint8_t data[32], back[32];
    char s[128], h[16];
    size_t len = 0, out;
    for (int i = 0; i < 32; i++)
        data[i] = (uint8_t)(i * 7);
    assert_int_equal(avila_bech32_encode(s, sizeof s, "age", 3, data, 32, 0, &len), 0);
    for (size_t i = 0; i < len; i++) {
        char orig = s[i];
        for (int c = 33; c < 127; c++) {
            if (c == orig || (c >= 'A' && c <= 'Z' && c + 32 == orig))
                continue;
            s[i] = (char)c;
            assert_int_not_equal(
                avila_bech32_decode(back, sizeof back, h, sizeof h, NULL, s, len, 200, &out), 0);
        }
        s[i] = orig;
    }
    assert_int_equal(avila_bech32_decode(back, sizeof back, h, sizeof h, NULL, s, len, 200, &out),
                     0);
}

static void test_case_rules(void **state)
{
    (void)state;
    uint8_t back[32];
    char h[16];
    size_t out;
    const char *lower = "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj";
    char s[80];
    size_t n = strlen(lower);
    memcpy(s, lower, n + 1);
    for (size_t i = 0; i < n; i++)
        if (s[i] >= 'a' && s[i] <= 'z')
            s[i] = (char)(s[i] - 32);
    assert_int_equal(avila_bech32_decode(back, sizeof back, h, sizeof h, NULL, s, n, 90, &out), 0);
    assert_memory_equal(h, "age", 3); /* the HRP comes back lowercase */
    s[10] = (char)(s[10] + 32);       /* one lowercase letter in an uppercase string */
    assert_int_equal(avila_bech32_decode(back, sizeof back, h, sizeof h, NULL, s, n, 90, &out),
                     AVILA_EFORMAT);
}

static void test_padding_and_errors(void **state)
{
    (void)state;
    uint8_t back[64];
    char s[128], h[16];
    size_t len, out;
    /* Non-zero padding bits: encode one byte, then flip the last data symbol's low bit. */
    uint8_t one = 0xff;
    assert_int_equal(avila_bech32_encode(s, sizeof s, "a", 1, &one, 1, 0, &len), 0);
    assert_int_equal(avila_bech32_decode(back, sizeof back, h, sizeof h, NULL, s, len, 90, &out),
                     0);
    assert_int_equal(out, 1);
    assert_int_equal(back[0], 0xff);
    /* "a1" + one data symbol + checksum: 5 bits cannot be a byte. Build its valid checksum. */
    static const char *five = "a1qqqqqqq"; /* either checksum or regrouping fails */
    assert_int_equal(
        avila_bech32_decode(back, sizeof back, h, sizeof h, NULL, five, strlen(five), 90, &out),
        AVILA_EFORMAT);
    /* Output buffers too small. */
    assert_int_equal(avila_bech32_decode(back, 0, h, sizeof h, NULL, s, len, 90, &out),
                     AVILA_ENOSPC);
    assert_int_equal(avila_bech32_decode(back, sizeof back, h, 0, NULL, s, len, 90, &out),
                     AVILA_ENOSPC);
    /* Encoder arguments. */
    assert_int_equal(avila_bech32_encode(s, 5, "a", 1, &one, 1, 0, &len), AVILA_ENOSPC);
    assert_int_equal(avila_bech32_encode(s, sizeof s, "", 0, &one, 1, 0, &len), AVILA_EINVAL);
    assert_int_equal(avila_bech32_encode(s, sizeof s, "a b", 3, &one, 1, 0, &len), AVILA_EINVAL);
    assert_int_equal(avila_bech32_encode(s, sizeof s, "a", 1, &one, 1, 0x80, &len), AVILA_EINVAL);
    assert_int_equal(avila_bech32_encoded_len(SIZE_MAX, 1, &out), AVILA_EOVERFLOW);
    assert_int_equal(avila_bech32_encoded_len(1, SIZE_MAX / 4, &out), AVILA_EOVERFLOW);
}

/* Every proper prefix of a valid string is refused, and no read goes past the end. */
static void test_prefixes_guarded(void **state)
{
    (void)state;
    uint8_t data[32], back[32];
    char s[128], h[16];
    size_t len, out;
    for (int i = 0; i < 32; i++)
        data[i] = (uint8_t)(0xa5 ^ i);
    assert_int_equal(
        avila_bech32_encode(s, sizeof s, "age-secret-key-", 15, data, 32, AVILA_BECH32_UPPER, &len),
        0);
    for (size_t n = 0; n <= len; n++) {
        char *g = unit_guarded_alloc(n);
        memcpy(g, s, n);
        int rc = avila_bech32_decode(back, sizeof back, h, sizeof h, NULL, g, n, 200, &out);
        if (n < len)
            assert_int_not_equal(rc, 0);
        else
            assert_int_equal(rc, 0);
        unit_guarded_free(g, n);
    }
    assert_memory_equal(back, data, 32);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bip173_vectors),     cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_substitutions),      cmocka_unit_test(test_case_rules),
        cmocka_unit_test(test_padding_and_errors), cmocka_unit_test(test_prefixes_guarded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
