/*
 * tests/core/test_utf8.c - UTF-8 validation, decoding and encoding, every
 * variant (portable, AVX2, AVX-512) against tests/vectors/utf8/ and against a
 * naive reference decoder written here from Table 3-7 in a different style.
 */
#include "tests/support/unit.h"

#include <stdlib.h>
#include <string.h>

#include "core/cpu.h"
#include "core/error.h"
#include "core/utf8.h"
#include "core/utf8_int.h"

/* ---------------------------------------------------------------- reference */

/*
 * Naive decoder: read the bit pattern, gather the payload, then reject what
 * Unicode excludes (overlongs, surrogates, > U+10FFFF). An unfinished
 * sequence is "incomplete" if some completion of it is a valid code point:
 * the completions cover one interval of values.
 */
static int ref_decode(const uint8_t *s, size_t n, uint32_t *cp)
{
    if (n == 0)
        return AVILA_EAGAIN;
    uint32_t b = s[0], v, min;
    int len;
    if (b < 0x80) {
        *cp = b;
        return 1;
    } else if ((b & 0xE0) == 0xC0) {
        len = 2, v = b & 0x1F, min = 0x80;
    } else if ((b & 0xF0) == 0xE0) {
        len = 3, v = b & 0x0F, min = 0x800;
    } else if ((b & 0xF8) == 0xF0) {
        len = 4, v = b & 0x07, min = 0x10000;
    } else {
        return AVILA_EFORMAT;
    }
    int have = 1;
    for (; have < len && (size_t)have < n; have++) {
        if ((s[have] & 0xC0) != 0x80)
            return AVILA_EFORMAT;
        v = v << 6 | (s[have] & 0x3F);
    }
    int missing_bits = 6 * (len - have);
    uint32_t lo = v << missing_bits, hi = lo | ((1u << missing_bits) - 1);
    /* Any value of [lo, hi] in [min, 0x10FFFF] outside D800..DFFF? */
    if (hi < min || lo > 0x10FFFF || (lo >= 0xD800 && hi <= 0xDFFF))
        return AVILA_EFORMAT;
    if (have < len)
        return AVILA_EAGAIN;
    *cp = v;
    return len;
}

static int ref_check(const uint8_t *s, size_t n, size_t *valid_len)
{
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        int r = ref_decode(s + i, n - i, &cp);
        if (r < 0) {
            *valid_len = i;
            return r;
        }
        i += (size_t)r;
    }
    *valid_len = n;
    return 0;
}

/* ---------------------------------------------------------------- variants */

struct variant {
    const char *name;
    uint32_t cpu; /* what avila_cpu_restrict allows to select it */
    size_t (*scan)(const uint8_t *s, size_t n);
};

static const struct variant variants[] = {
    {"portable", 0, avila_utf8_scan_portable},
#if AVILA_X86_64
    {"avx2", AVILA_CPU_AVX2, avila_utf8_scan_avx2},
    {"avx512", AVILA_CPU_AVX2 | AVILA_CPU_AVX512F | AVILA_CPU_AVX512BW, avila_utf8_scan_avx512},
#endif
};

#define NVARIANTS AVILA_ARRAY_LEN(variants)

static int available(const struct variant *v)
{
    return (avila_cpu_detected() & v->cpu) == v->cpu;
}

/* Makes the dispatcher pick v. */
static void select_variant(const struct variant *v)
{
    avila_cpu_restrict(v->cpu);
    assert_string_equal(avila_utf8_impl(), v->name);
}

static int restore_cpu(void **state)
{
    (void)state;
    avila_cpu_restrict(AVILA_CPU_ALL);
    return 0;
}

/*
 * Checks s against the reference through the public API under every
 * available variant, and each raw scan against its contract.
 */
static void expect_like_reference(const uint8_t *s, size_t n)
{
    size_t want_len;
    int want = ref_check(s, n, &want_len);
    for (size_t k = 0; k < NVARIANTS; k++) {
        const struct variant *v = &variants[k];
        if (!available(v))
            continue;
        size_t b = v->scan(s, n);
        if (want == 0) {
            assert_int_equal(b, n);
        } else {
            size_t prefix_len;
            assert_true(b <= want_len);
            assert_int_equal(ref_check(s, b, &prefix_len), 0);
            /* A boundary: decoding from b finds the same first error. */
            size_t from_b;
            assert_int_equal(ref_check(s + b, n - b, &from_b), want);
            assert_int_equal(b + from_b, want_len);
        }
        select_variant(v);
        size_t got_len = 12345;
        int got = avila_utf8_check(s, n, &got_len);
        if (got != want || got_len != want_len)
            fail_msg("%s: check gives %d at %zu, expected %d at %zu (n %zu)", v->name, got, got_len,
                     want, want_len, n);
        assert_int_equal(avila_utf8_validate(s, n), want == 0 ? 0 : AVILA_EFORMAT);
    }
    avila_cpu_restrict(AVILA_CPU_ALL);
}

/* ---------------------------------------------------------------- vectors */

static int status_code(const char *status)
{
    if (strcmp(status, "valid") == 0)
        return 0;
    if (strcmp(status, "invalid") == 0)
        return AVILA_EFORMAT;
    if (strcmp(status, "incomplete") == 0)
        return AVILA_EAGAIN;
    fail_msg("unknown status %s", status);
    return 1;
}

static void vectors_every_variant(void **state)
{
    (void)state;
    struct tv_file tv;
    tv_open(&tv, "utf8/sequences.txt");
    int records = 0;
    while (tv_next(&tv)) {
        size_t n;
        uint8_t *s = tv_hex(&tv, "bytes", &n);
        int want = status_code(tv_str(&tv, "status"));
        size_t want_len = want == 0 ? n : (size_t)tv_u64(&tv, "offset");
        /* The reference agrees with the file, so it can judge what the file does not list. */
        size_t ref_len;
        assert_int_equal(ref_check(s, n, &ref_len), want);
        assert_int_equal(ref_len, want_len);
        for (size_t k = 0; k < NVARIANTS; k++) {
            if (!available(&variants[k]))
                continue;
            select_variant(&variants[k]);
            size_t got_len;
            int got = avila_utf8_check(s, n, &got_len);
            if (got != want || got_len != want_len)
                fail_msg("%s: '%s': got %d at %zu", variants[k].name, tv_str(&tv, "name"), got,
                         got_len);
            assert_int_equal(avila_utf8_validate(s, n), want == 0 ? 0 : AVILA_EFORMAT);
        }
        avila_cpu_restrict(AVILA_CPU_ALL);
        if (tv_has(&tv, "cp")) {
            uint32_t cp = (uint32_t)tv_u64(&tv, "cp"), got_cp = 0;
            uint8_t enc[AVILA_UTF8_MAX_LEN];
            assert_int_equal(avila_utf8_decode(s, n, &got_cp), (int)n);
            assert_int_equal(got_cp, cp);
            assert_int_equal(avila_utf8_encode(cp, enc), (int)n);
            assert_memory_equal(enc, s, n);
        }
        free(s);
        records++;
    }
    tv_close(&tv);
    assert_true(records >= 70);
}

/* ---------------------------------------------------------------- exhaustive */

/* Every scalar value encodes, validates and decodes back; the rest do not encode. */
static void every_code_point_round_trips(void **state)
{
    (void)state;
    for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
        uint8_t enc[AVILA_UTF8_MAX_LEN] = {0};
        int len = avila_utf8_encode(cp, enc);
        if (cp >= 0xD800 && cp <= 0xDFFF) {
            assert_int_equal(len, AVILA_ERANGE);
            continue;
        }
        int want_len = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        assert_int_equal(len, want_len);
        uint32_t back = 0, ref = 0;
        assert_int_equal(ref_decode(enc, (size_t)len, &ref), len);
        assert_int_equal(ref, cp);
        assert_int_equal(avila_utf8_decode(enc, (size_t)len, &back), len);
        assert_int_equal(back, cp);
        assert_int_equal(avila_utf8_validate(enc, (size_t)len), 0);
        /* Every proper prefix of a multi-byte sequence is incomplete. */
        for (int k = 0; k < len; k++) {
            size_t at = 99;
            assert_int_equal(avila_utf8_decode(enc, (size_t)k, &back), AVILA_EAGAIN);
            assert_int_equal(avila_utf8_check(enc, (size_t)k, &at), k == 0 ? 0 : AVILA_EAGAIN);
            assert_int_equal(at, 0);
        }
    }
    uint8_t out[AVILA_UTF8_MAX_LEN] = {1, 2, 3, 4};
    const uint32_t outside[] = {0x110000, 0x1FFFFF, 0x7FFFFFFF, 0x80000000, UINT32_MAX};
    for (size_t i = 0; i < AVILA_ARRAY_LEN(outside); i++)
        assert_int_equal(avila_utf8_encode(outside[i], out), AVILA_ERANGE);
    assert_int_equal(out[0], 1); /* nothing written on error */
}

/* decode agrees with the reference on s[0..n), result and value. */
static void expect_decode_like_reference(const uint8_t *s, size_t n)
{
    uint32_t got = 0xFFFFFFFF, want = 0xFFFFFFFF;
    int r = avila_utf8_decode(s, n, &got);
    int w = ref_decode(s, n, &want);
    if (r != w || got != want)
        fail_msg("decode of %zu bytes %02x %02x %02x %02x: %d U+%04X, expected %d U+%04X", n,
                 n > 0 ? s[0] : 0, n > 1 ? s[1] : 0, n > 2 ? s[2] : 0, n > 3 ? s[3] : 0, r, got, w,
                 want);
}

static void every_short_sequence(void **state)
{
    (void)state;
    uint8_t s[3];
    for (unsigned a = 0; a < 256; a++) {
        s[0] = (uint8_t)a;
        expect_decode_like_reference(s, 1);
        expect_like_reference(s, 1);
        for (unsigned b = 0; b < 256; b++) {
            s[1] = (uint8_t)b;
            expect_decode_like_reference(s, 2);
            expect_like_reference(s, 2);
        }
    }
    /* All three-byte strings starting with a lead byte, through the dispatched API. */
    for (unsigned a = 0xC0; a < 256; a++) {
        for (unsigned b = 0; b < 256; b++) {
            for (unsigned c = 0; c < 256; c++) {
                s[0] = (uint8_t)a, s[1] = (uint8_t)b, s[2] = (uint8_t)c;
                uint32_t got = 0, want = 0;
                size_t got_len, want_len;
                assert_int_equal(avila_utf8_decode(s, 3, &got), ref_decode(s, 3, &want));
                assert_int_equal(got, want);
                assert_int_equal(avila_utf8_check(s, 3, &got_len), ref_check(s, 3, &want_len));
                assert_int_equal(got_len, want_len);
            }
        }
    }
}

/* A byte likely to matter: a continuation byte half the time, else anything. */
static uint8_t interesting_byte(uint64_t *rng)
{
    uint64_t r = unit_rand(rng);
    return (uint8_t)(r & 1 ? 0x80 | (r >> 8 & 0x3F) : r >> 8);
}

static void sampled_four_byte_sequences(void **state)
{
    (void)state;
    uint64_t rng = 4;
    uint8_t s[4];
    for (int i = 0; i < 200000; i++) {
        s[0] = (uint8_t)(0xE0 + unit_rand(&rng) % 32);
        for (int k = 1; k < 4; k++)
            s[k] = interesting_byte(&rng);
        for (size_t n = 1; n <= 4; n++)
            expect_decode_like_reference(s, n);
        if (i % 8 == 0)
            expect_like_reference(s, 4);
    }
}

/* ---------------------------------------------------------------- random text */

/* Appends one random code point (of a random length) if it fits; returns the new length. */
static size_t append_random_char(uint8_t *buf, size_t len, size_t cap, uint64_t *rng)
{
    uint64_t r = unit_rand(rng);
    uint32_t cp;
    switch (r % 5) {
    case 0:
        cp = (uint32_t)(0x80 + (r >> 8) % 0x780);
        break;
    case 1:
        cp = (uint32_t)(0x800 + (r >> 8) % 0xF800);
        break;
    case 2:
        cp = (uint32_t)(0x10000 + (r >> 8) % 0x100000);
        break;
    default:
        cp = (uint32_t)((r >> 8) % 0x80);
        break;
    }
    uint8_t enc[AVILA_UTF8_MAX_LEN];
    int n = avila_utf8_encode(cp, enc);
    if (n < 0 || len + (size_t)n > cap)
        return len;
    memcpy(buf + len, enc, (size_t)n);
    return len + (size_t)n;
}

/* Valid text of exactly n bytes (ASCII fills the last gap). */
static void random_text(uint8_t *buf, size_t n, uint64_t *rng)
{
    size_t len = 0;
    for (int tries = 0; len < n && tries < 4 * (int)n + 8; tries++)
        len = append_random_char(buf, len, n, rng);
    while (len < n)
        buf[len++] = 'a';
}

/* Damages text the ways that matter: a random byte, a cut, a stray or missing continuation. */
static size_t damage(uint8_t *buf, size_t n, uint64_t *rng)
{
    if (n == 0)
        return 0;
    uint64_t r = unit_rand(rng);
    size_t at = (size_t)(r >> 8) % n;
    switch (r % 5) {
    case 0:
        buf[at] = (uint8_t)(r >> 40);
        break;
    case 1:
        buf[at] = (uint8_t)(0x80 | (r >> 40 & 0x3F));
        break;
    case 2:
        buf[at] = (uint8_t)(0xC0 | (r >> 40 & 0x3F));
        break;
    case 3:
        return n - 1 - (size_t)(r >> 40) % (n < 3 ? n : 3);
    default:
        buf[at] = (uint8_t)(r >> 40 & 0x7F);
        break;
    }
    return n;
}

static void random_text_every_variant(void **state)
{
    (void)state;
    uint64_t rng = 1;
    uint8_t *buf = malloc(1200 + 64);
    assert_non_null(buf);
    for (int iter = 0; iter < 20000; iter++) {
        size_t n = (size_t)(unit_rand(&rng) % (iter % 10 == 0 ? 1200 : 300));
        size_t align = (size_t)(unit_rand(&rng) % 64);
        uint8_t *s = buf + align;
        random_text(s, n, &rng);
        if (iter % 4 != 0) {
            int hits = 1 + (int)(unit_rand(&rng) % 3);
            for (int h = 0; h < hits; h++)
                n = damage(s, n, &rng);
        }
        expect_like_reference(s, n);
    }
    free(buf);
}

/* One bad or cut sequence at every offset of an ASCII run, around every block edge. */
static void errors_at_every_offset(void **state)
{
    (void)state;
    static const struct {
        const char *hex;
        int status;
    } bad[] = {
        {"80", AVILA_EFORMAT},       {"c0af", AVILA_EFORMAT},       {"eda080", AVILA_EFORMAT},
        {"f4908080", AVILA_EFORMAT}, {"e28241", AVILA_EFORMAT},     {"ff", AVILA_EFORMAT},
        {"e0", AVILA_EAGAIN},        {"f09080", AVILA_EAGAIN},      {"c2", AVILA_EAGAIN},
        {"c3a980", AVILA_EFORMAT},   {"f0908080bf", AVILA_EFORMAT},
    };
    uint8_t buf[260 + 70], seq[8];
    for (size_t b = 0; b < AVILA_ARRAY_LEN(bad); b++) {
        size_t len = unit_unhex(bad[b].hex, seq, sizeof seq);
        for (size_t at = 0; at + len <= 260; at++) {
            memset(buf, 'x', sizeof buf);
            memcpy(buf + at, seq, len);
            /* Incomplete sequences are only incomplete at the very end. */
            size_t n = bad[b].status == AVILA_EAGAIN ? at + len : at + len + at % 70;
            expect_like_reference(buf, n);
            size_t got;
            int rc = avila_utf8_check(buf, n, &got);
            assert_int_equal(rc, bad[b].status == AVILA_EAGAIN ? AVILA_EAGAIN : AVILA_EFORMAT);
            /* Invalid sequences are flagged at their lead, or at the stray byte. */
            assert_true(got >= at && got < at + len);
        }
    }
}

/* ---------------------------------------------------------------- guard pages */

/* Inputs that end exactly at an unreadable page: no variant reads past n. */
static void no_variant_reads_past_the_end(void **state)
{
    (void)state;
    uint64_t rng = 9;
    for (size_t n = 0; n <= 300; n++) {
        for (int kind = 0; kind < 4; kind++) {
            uint8_t *s = unit_guarded_alloc(n);
            random_text(s, n, &rng);
            if (n > 0 && kind == 1)
                s[n - 1] = 0xE2; /* cut 3-byte sequence */
            if (n > 0 && kind == 2)
                s[n - 1] = 0x80;
            if (n > 1 && kind == 3)
                s[n - 2] = 0xF0, s[n - 1] = 0x90;
            expect_like_reference(s, n);
            uint32_t cp;
            if (n > 0)
                (void)avila_utf8_decode(s + n - 1, 1, &cp);
            unit_guarded_free(s, n);
        }
    }
    assert_int_equal(avila_utf8_validate(NULL, 0), 0);
    assert_int_equal(avila_utf8_check(NULL, 0, NULL), 0);
}

/* ---------------------------------------------------------------- API details */

static void streaming_with_check(void **state)
{
    (void)state;
    uint64_t rng = 77;
    uint8_t text[4000], out[4000 + 4];
    random_text(text, sizeof text, &rng);
    for (int round = 0; round < 50; round++) {
        /* Feed random pieces; carry the unfinished tail in front of the next piece. */
        uint8_t carry[8 + 64];
        size_t ncarry = 0, done = 0, pos = 0;
        while (pos < sizeof text) {
            size_t piece = 1 + (size_t)(unit_rand(&rng) % 64);
            if (piece > sizeof text - pos)
                piece = sizeof text - pos;
            memcpy(carry + ncarry, text + pos, piece);
            pos += piece;
            size_t n = ncarry + piece, valid;
            int rc = avila_utf8_check(carry, n, &valid);
            assert_true(rc == 0 || rc == AVILA_EAGAIN);
            assert_true(n - valid <= 3);
            memcpy(out + done, carry, valid);
            done += valid;
            memmove(carry, carry + valid, n - valid);
            ncarry = n - valid;
        }
        assert_int_equal(ncarry, 0);
        assert_int_equal(done, sizeof text);
        assert_memory_equal(out, text, sizeof text);
    }
}

static void decode_details(void **state)
{
    (void)state;
    uint32_t cp = 0x12345678;
    assert_int_equal(avila_utf8_decode(NULL, 0, &cp), AVILA_EAGAIN);
    assert_int_equal(avila_utf8_decode("\xC3", 1, &cp), AVILA_EAGAIN);
    assert_int_equal(avila_utf8_decode("\xC3\x28", 2, &cp), AVILA_EFORMAT);
    assert_int_equal(avila_utf8_decode("\xE0\x80", 2, &cp), AVILA_EFORMAT);
    assert_int_equal(avila_utf8_decode("\xF4\x8F\xBF", 3, &cp), AVILA_EAGAIN);
    assert_int_equal(cp, 0x12345678); /* untouched on failure */
    /* Only the first sequence counts; what follows is not looked at. */
    assert_int_equal(avila_utf8_decode("\xC3\xA9\xFF", 3, &cp), 2);
    assert_int_equal(cp, 0xE9);
    assert_int_equal(avila_utf8_decode("A\x80", 2, &cp), 1);
    assert_int_equal(cp, 'A');
}

static void impl_follows_restriction(void **state)
{
    (void)state;
    avila_cpu_restrict(0);
    assert_string_equal(avila_utf8_impl(), "portable");
    avila_cpu_restrict(AVILA_CPU_ALL);
    const char *impl = avila_utf8_impl();
    uint32_t f = avila_cpu_detected();
    if (AVILA_X86_64 && (f & AVILA_CPU_AVX512BW))
        assert_string_equal(impl, "avx512");
    else if (AVILA_X86_64 && (f & AVILA_CPU_AVX2))
        assert_string_equal(impl, "avx2");
    else
        assert_string_equal(impl, "portable");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(vectors_every_variant, restore_cpu),
        cmocka_unit_test(every_code_point_round_trips),
        cmocka_unit_test_teardown(every_short_sequence, restore_cpu),
        cmocka_unit_test_teardown(sampled_four_byte_sequences, restore_cpu),
        cmocka_unit_test_teardown(random_text_every_variant, restore_cpu),
        cmocka_unit_test_teardown(errors_at_every_offset, restore_cpu),
        cmocka_unit_test_teardown(no_variant_reads_past_the_end, restore_cpu),
        cmocka_unit_test(streaming_with_check),
        cmocka_unit_test(decode_details),
        cmocka_unit_test_teardown(impl_follows_restriction, restore_cpu),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
