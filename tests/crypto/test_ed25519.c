/*
 * tests/crypto/test_ed25519.c - Ed25519 (crypto/ed25519.h) and the group
 * and scalar code under it (crypto/ge25519_int.h): RFC 8032 section 7.1,
 * Wycheproof ed25519_test.json, the generated tables recomputed with the
 * library's own formulas, scalars mod L against a shift-and-subtract model,
 * group-law identities, the verification rules of crypto/ed25519.h one by
 * one, round trips, mutations and guard pages.
 *
 * Wycheproof's ed25519 file has no "acceptable" case; every valid case must
 * verify and every invalid one must not (signatures of the wrong length
 * cannot be passed to avila_ed25519_verify and count as rejected).
 */
#include "tests/support/unit.h"

#include <stdlib.h>
#include <string.h>

#include "core/cpu.h"
#include "core/endian.h"
#include "core/error.h"
#include "crypto/ed25519.h"
#include "crypto/ge25519_int.h"
#include "crypto/sha2.h"

/* ------------------------------------------------------------------ helpers */

static int allow_all_cpu(void **state)
{
    (void)state;
    avila_cpu_restrict(AVILA_CPU_ALL);
    return 0;
}

/* CPU masks to run every case under: whatever SHA-512 dispatches to, and portable. */
static const uint32_t cpu_masks[2] = {AVILA_CPU_ALL, 0};

static const uint8_t L_bytes[32] = {
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0x10};

static void point_bytes(uint8_t s[32], const avila_ge25519_p3 *p)
{
    avila_ge25519_tobytes(s, p);
}

static void assert_points_equal(const avila_ge25519_p3 *a, const avila_ge25519_p3 *b)
{
    uint8_t x[32], y[32];
    point_bytes(x, a);
    point_bytes(y, b);
    assert_memory_equal(x, y, 32);
}

/* A random scalar below L (or an edge: 0, 1, L - 1). */
static void rand_scalar(uint64_t *rng, uint8_t s[32])
{
    uint8_t wide[64];
    unit_rand_fill(rng, wide, 64);
    avila_sc25519_reduce(s, wide);
    uint64_t r = unit_rand(rng) % 16;
    if (r == 0)
        memset(s, 0, 32);
    else if (r == 1) {
        memset(s, 0, 32);
        s[0] = 1;
    } else if (r == 2) {
        memcpy(s, L_bytes, 32);
        s[0]--;
    }
}

/* ------------------------------------------------------------------ scalars: model mod L */

/* x mod L by shift and subtract, one bit at a time: n_words little-endian words. */
static void model_mod_L(uint8_t out[32], const uint64_t *x, int n_words)
{
    uint64_t L[5] = {0}, r[5] = {0};
    for (size_t i = 0; i < 4; i++)
        L[i] = avila_load_le64(L_bytes + 8 * i);
    for (int bit = 64 * n_words - 1; bit >= 0; bit--) {
        for (int i = 4; i > 0; i--)
            r[i] = r[i] << 1 | r[i - 1] >> 63;
        r[0] = r[0] << 1 | ((x[bit / 64] >> (bit % 64)) & 1);
        int ge = 1;
        for (int i = 4; i >= 0; i--)
            if (r[i] != L[i]) {
                ge = r[i] > L[i];
                break;
            }
        if (ge) {
            unsigned __int128 b = 0;
            for (int i = 0; i < 5; i++) {
                unsigned __int128 t = (unsigned __int128)r[i] - L[i] - (uint64_t)b;
                r[i] = (uint64_t)t;
                b = (t >> 64) & 1;
            }
        }
    }
    assert_int_equal(r[4], 0);
    for (size_t i = 0; i < 4; i++)
        avila_store_le64(out + 8 * i, r[i]);
}

static void test_sc_reduce(void **state)
{
    (void)state;
    uint64_t rng = 8032;
    for (int iter = 0; iter < 3000; iter++) {
        uint8_t x[64], got[32], want[32];
        uint64_t w[8];
        unit_rand_fill(&rng, x, 64);
        switch (iter % 8) {
        case 0: /* below 2^256 */
            memset(x + 32, 0, 32);
            break;
        case 1: /* all ones, or a multiple of L nudged */
            if (iter < 800)
                memset(x, 0xff, 64);
            else {
                memset(x, 0, 64);
                memcpy(x, L_bytes, 32);
                x[0] = (uint8_t)(x[0] + (iter % 3) - 1);
            }
            break;
        case 2: /* sparse top words */
            memset(x + 40, 0, 24);
            break;
        default:
            break;
        }
        for (size_t i = 0; i < 8; i++)
            w[i] = avila_load_le64(x + 8 * i);
        avila_sc25519_reduce(got, x);
        model_mod_L(want, w, 8);
        assert_memory_equal(got, want, 32);
        assert_true(avila_sc25519_is_canonical(got));
    }
}

/* w -= v (n words each), with the borrow dropped. */
static void sub_words(uint64_t *w, const uint64_t *v, int n)
{
    unsigned __int128 b = 0;
    for (int i = 0; i < n; i++) {
        unsigned __int128 t = (unsigned __int128)w[i] - v[i] - (uint64_t)b;
        w[i] = (uint64_t)t;
        b = (t >> 64) & 1;
    }
}

/*
 * The multiples of L just below 2^512, and one below each: where Barrett's
 * quotient estimate is furthest off.
 */
static void test_sc_reduce_top(void **state)
{
    (void)state;
    uint64_t x[8], L[8] = {0}, m[8] = {0}, y[8];
    uint8_t mb[32], got[32], want[32], xb[64];
    for (size_t i = 0; i < 4; i++)
        L[i] = avila_load_le64(L_bytes + 8 * i);
    memset(x, 0xff, sizeof x);
    model_mod_L(mb, x, 8);
    for (size_t i = 0; i < 4; i++)
        m[i] = avila_load_le64(mb + 8 * i);
    sub_words(x, m, 8); /* the largest multiple of L below 2^512 */
    for (int j = 0; j < 64; j++) {
        for (int minus_one = 0; minus_one < 2; minus_one++) {
            memcpy(y, x, sizeof y);
            if (minus_one) {
                uint64_t one[8] = {1};
                sub_words(y, one, 8);
            }
            for (size_t i = 0; i < 8; i++)
                avila_store_le64(xb + 8 * i, y[i]);
            avila_sc25519_reduce(got, xb);
            model_mod_L(want, y, 8);
            assert_memory_equal(got, want, 32);
        }
        sub_words(x, L, 8);
    }
}

static void test_sc_muladd(void **state)
{
    (void)state;
    uint64_t rng = 314;
    for (int iter = 0; iter < 3000; iter++) {
        uint8_t a[32], b[32], c[32], got[32], want[32];
        unit_rand_fill(&rng, a, 32);
        unit_rand_fill(&rng, b, 32);
        unit_rand_fill(&rng, c, 32);
        b[31] &= 0x7f; /* b < 2^255 (a clamped secret scalar, as signing passes) */
        if (iter % 5 == 0)
            memset(a, 0xff, 32);
        if (iter % 7 == 0) {
            memset(b, 0xff, 31);
            b[31] = 0x7f;
            memset(c, 0xff, 32);
        }
        uint64_t aw[4], bw[4], prod[8] = {0};
        for (size_t i = 0; i < 4; i++) {
            aw[i] = avila_load_le64(a + 8 * i);
            bw[i] = avila_load_le64(b + 8 * i);
        }
        for (int i = 0; i < 4; i++) {
            unsigned __int128 carry = 0;
            for (int j = 0; j < 4; j++) {
                carry += (unsigned __int128)aw[i] * bw[j] + prod[i + j];
                prod[i + j] = (uint64_t)carry;
                carry >>= 64;
            }
            prod[i + 4] = (uint64_t)carry;
        }
        unsigned __int128 carry = 0;
        for (size_t i = 0; i < 8; i++) {
            carry += (unsigned __int128)prod[i] + (i < 4 ? avila_load_le64(c + 8 * i) : 0);
            prod[i] = (uint64_t)carry;
            carry >>= 64;
        }
        assert_true(carry == 0);
        avila_sc25519_muladd(got, a, b, c);
        model_mod_L(want, prod, 8);
        assert_memory_equal(got, want, 32);
    }
}

static void test_sc_canonical(void **state)
{
    (void)state;
    uint8_t s[32];
    memcpy(s, L_bytes, 32);
    assert_false(avila_sc25519_is_canonical(s)); /* L */
    s[0]--;
    assert_true(avila_sc25519_is_canonical(s)); /* L - 1 */
    s[0] += 2;
    assert_false(avila_sc25519_is_canonical(s)); /* L + 1 */
    memset(s, 0, 32);
    assert_true(avila_sc25519_is_canonical(s));
    s[31] = 0x10; /* 2^252 < L */
    assert_true(avila_sc25519_is_canonical(s));
    memset(s, 0xff, 32);
    assert_false(avila_sc25519_is_canonical(s));
    memset(s, 0, 32);
    s[31] = 0x20; /* 2^253 */
    assert_false(avila_sc25519_is_canonical(s));
}

/* ------------------------------------------------------------------ constants and tables */

static void test_constants(void **state)
{
    (void)state;
    avila_fe25519 d, d2, sqrtm1, t, u;
    fe_fromwords(&d, avila_ge25519_d[0], avila_ge25519_d[1], avila_ge25519_d[2],
                 avila_ge25519_d[3]);
    fe_fromwords(&d2, avila_ge25519_d2[0], avila_ge25519_d2[1], avila_ge25519_d2[2],
                 avila_ge25519_d2[3]);
    fe_fromwords(&sqrtm1, avila_ge25519_sqrtm1[0], avila_ge25519_sqrtm1[1], avila_ge25519_sqrtm1[2],
                 avila_ge25519_sqrtm1[3]);
    /* d * 121666 + 121665 = 0 (RFC 8032 section 5.1: d = -121665/121666) */
    fe_mul_small(&t, &d, 121666);
    fe_0(&u);
    u.v[0] = 121665;
    fe_add(&t, &t, &u);
    assert_true(avila_fe25519_iszero(&t));
    fe_add(&t, &d, &d);
    fe_neg(&u, &d2);
    fe_add(&t, &t, &u);
    assert_true(avila_fe25519_iszero(&t));
    fe_sq(&t, &sqrtm1);
    fe_1(&u);
    fe_add(&t, &t, &u);
    assert_true(avila_fe25519_iszero(&t));
}

/* The base point encodes as RFC 8032 section 5.1 gives it: y = 4/5, x even. */
static void test_base_point(void **state)
{
    (void)state;
    uint8_t want[32], got[32];
    memset(want, 0x66, 32);
    want[0] = 0x58;
    avila_ge25519_p3 B, B2;
    avila_ge25519_base(&B);
    point_bytes(got, &B);
    assert_memory_equal(got, want, 32);
    assert_int_equal(avila_ge25519_frombytes(&B2, want), 0);
    assert_points_equal(&B, &B2);
    /* [L]B is the neutral element; [L-1]B is -B. */
    avila_ge25519_p2 r;
    uint8_t zero[32] = {0}, lm1[32];
    avila_ge25519_double_scalarmult_vartime(&r, zero, &B, L_bytes);
    avila_ge25519_p2_tobytes(got, &r);
    memset(want, 0, 32);
    want[0] = 1;
    assert_memory_equal(got, want, 32);
    memcpy(lm1, L_bytes, 32);
    lm1[0]--;
    avila_ge25519_scalarmult_base(&B2, lm1);
    avila_ge25519_neg(&B, &B);
    assert_points_equal(&B, &B2);
}

/*
 * The committed tables (crypto/ge25519_table.c, made by the affine-formula
 * generator tools/gen/gen_ge25519_table.c) equal the same multiples of B
 * computed with this library's projective formulas.
 */
static void test_tables_reproduce(void **state)
{
    (void)state;
    avila_ge25519_p3 B, row, m, twice;
    uint64_t w[AVILA_GE25519_PRECOMP_WORDS];
    avila_ge25519_base(&B);
    row = B;
    for (int i = 0; i < 32; i++) {
        m = row;
        for (int j = 0; j < 8; j++) {
            avila_ge25519_to_precomp_words(w, &m);
            assert_memory_equal(w, avila_ge25519_base_table[i][j], sizeof w);
            avila_ge25519_add(&m, &m, &row);
        }
        for (int k = 0; k < 8; k++)
            avila_ge25519_dbl(&row, &row);
    }
    m = B;
    avila_ge25519_dbl(&twice, &B);
    for (int i = 0; i < AVILA_GE25519_ODD_COUNT; i++) {
        avila_ge25519_to_precomp_words(w, &m);
        assert_memory_equal(w, avila_ge25519_base_odd[i], sizeof w);
        avila_ge25519_add(&m, &m, &twice);
    }
}

/* ------------------------------------------------------------------ group law */

static void test_group_identities(void **state)
{
    (void)state;
    uint64_t rng = 1;
    for (int iter = 0; iter < 200; iter++) {
        uint8_t a[32], b[32], c[32], ab[32], zero[32] = {0};
        rand_scalar(&rng, a);
        rand_scalar(&rng, b);
        rand_scalar(&rng, c);
        avila_ge25519_p3 A, Bp, sum, want, C;
        /* [a]B + [b]B = [a + b]B */
        avila_ge25519_scalarmult_base(&A, a);
        avila_ge25519_scalarmult_base(&Bp, b);
        avila_ge25519_add(&sum, &A, &Bp);
        uint8_t one[32] = {1};
        avila_sc25519_muladd(ab, a, one, b);
        avila_ge25519_scalarmult_base(&want, ab);
        assert_points_equal(&sum, &want);
        /* 2 [a]B = [2a]B */
        avila_ge25519_dbl(&sum, &A);
        uint8_t two[32] = {2};
        avila_sc25519_muladd(ab, a, two, zero);
        avila_ge25519_scalarmult_base(&want, ab);
        assert_points_equal(&sum, &want);
        /* [a]([c]B) + [b]B = [a c + b]B: the verification path against the signing path */
        avila_ge25519_scalarmult_base(&C, c);
        avila_ge25519_p2 r;
        avila_ge25519_double_scalarmult_vartime(&r, a, &C, b);
        avila_sc25519_muladd(ab, a, c, b);
        avila_ge25519_scalarmult_base(&want, ab);
        uint8_t x[32], y[32];
        avila_ge25519_p2_tobytes(x, &r);
        point_bytes(y, &want);
        assert_memory_equal(x, y, 32);
        /* encodings round-trip */
        point_bytes(x, &A);
        assert_int_equal(avila_ge25519_frombytes(&sum, x), 0);
        assert_points_equal(&sum, &A);
    }
    /* unreduced scalars up to 2^255 - 1 (what keypair passes) */
    uint8_t big[32], red[64] = {0}, small[32];
    memset(big, 0xff, 32);
    big[31] = 0x7f;
    memcpy(red, big, 32);
    avila_sc25519_reduce(small, red);
    avila_ge25519_p3 P, Q;
    avila_ge25519_scalarmult_base(&P, big);
    avila_ge25519_scalarmult_base(&Q, small);
    assert_points_equal(&P, &Q);
}

/* The eight points of order dividing 8, canonically encoded. */
static const char *const small_order_points[8] = {
    "0100000000000000000000000000000000000000000000000000000000000000", /* neutral */
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", /* order 2 */
    "0000000000000000000000000000000000000000000000000000000000000000", /* order 4 */
    "0000000000000000000000000000000000000000000000000000000000000080", /* order 4 */
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", /* order 8 */
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa", /* order 8 */
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", /* order 8 */
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85", /* order 8 */
};

static int is_small_order_encoding(const uint8_t s[32])
{
    for (int i = 0; i < 8; i++) {
        uint8_t p[32];
        unit_unhex(small_order_points[i], p, 32);
        if (memcmp(p, s, 32) == 0)
            return 1;
    }
    return 0;
}

/* [L]P over random points P finds exactly the 8 listed points, all flagged small. */
static void test_small_order_points(void **state)
{
    (void)state;
    uint64_t rng = 8;
    int seen[8] = {0}, tries = 0, found = 0;
    uint8_t zero[32] = {0};
    while (found < 8 && tries < 2000) {
        uint8_t y[32], enc[32];
        avila_ge25519_p3 P;
        avila_ge25519_p2 T;
        unit_rand_fill(&rng, y, 32);
        y[31] &= 0x7f;
        tries++;
        if (avila_ge25519_frombytes(&P, y) != 0)
            continue;
        avila_ge25519_double_scalarmult_vartime(&T, L_bytes, &P, zero);
        avila_ge25519_p2_tobytes(enc, &T);
        assert_true(is_small_order_encoding(enc));
        assert_true(avila_ge25519_has_small_order_vartime(&T));
        for (int i = 0; i < 8; i++) {
            uint8_t p[32];
            unit_unhex(small_order_points[i], p, 32);
            if (memcmp(p, enc, 32) == 0 && !seen[i]) {
                seen[i] = 1;
                found++;
            }
        }
    }
    assert_int_equal(found, 8);
    /* and a point of order L is not small */
    avila_ge25519_p3 B;
    avila_ge25519_base(&B);
    avila_ge25519_p2 b2 = {B.X, B.Y, B.Z};
    assert_false(avila_ge25519_has_small_order_vartime(&b2));
}

static void test_decode_strict(void **state)
{
    (void)state;
    avila_ge25519_p3 P;
    uint8_t s[32];
    /* y = p, p + 1 (non-canonical forms of y = 0 and y = 1), 2^255 - 1 */
    static const char *const bad[] = {
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "0100000000000000000000000000000000000000000000000000000000000080", /* -0 for y=1 */
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", /* -0 for y=-1 */
        "0200000000000000000000000000000000000000000000000000000000000000", /* y = 2: no x */
    };
    for (size_t i = 0; i < AVILA_ARRAY_LEN(bad); i++) {
        unit_unhex(bad[i], s, 32);
        assert_int_equal(avila_ge25519_frombytes(&P, s), AVILA_EFORMAT);
    }
    /* random y: about half decode, and those re-encode to themselves */
    uint64_t rng = 3;
    int ok = 0;
    for (int iter = 0; iter < 1000; iter++) {
        uint8_t back[32];
        unit_rand_fill(&rng, s, 32);
        s[31] &= 0x7f;
        s[31] |= (uint8_t)((iter & 1) << 7);
        if (avila_ge25519_frombytes(&P, s) != 0)
            continue;
        ok++;
        point_bytes(back, &P);
        assert_memory_equal(back, s, 32);
    }
    assert_in_range(ok, 400, 600);
}

/* ------------------------------------------------------------------ RFC 8032 */

static void test_rfc8032(void **state)
{
    (void)state;
    struct tv_file tv;
    int count = 0;
    tv_open(&tv, "ed25519/rfc8032.txt");
    while (tv_next(&tv)) {
        uint8_t seed[32], pub[32], sig[64], p[32], secret[64], s[64];
        size_t mlen;
        assert_int_equal(unit_unhex(tv_str(&tv, "seed"), seed, 32), 32);
        assert_int_equal(unit_unhex(tv_str(&tv, "pub"), pub, 32), 32);
        assert_int_equal(unit_unhex(tv_str(&tv, "sig"), sig, 64), 64);
        uint8_t *msg = tv_hex(&tv, "msg", &mlen);
        for (size_t c = 0; c < AVILA_ARRAY_LEN(cpu_masks); c++) {
            avila_cpu_restrict(cpu_masks[c]);
            avila_ed25519_keypair(p, secret, seed);
            assert_memory_equal(p, pub, 32);
            assert_memory_equal(secret, seed, 32);
            assert_memory_equal(secret + 32, pub, 32);
            avila_ed25519_sign(s, msg, mlen, secret);
            assert_memory_equal(s, sig, 64);
            assert_int_equal(avila_ed25519_verify(sig, msg, mlen, pub), 0);
            /* a flipped bit anywhere in the signature, or in the message, fails */
            for (int bit = 0; bit < 512; bit += 7) {
                s[bit / 8] ^= (uint8_t)(1u << (bit % 8));
                assert_int_equal(avila_ed25519_verify(s, msg, mlen, pub), AVILA_EAUTH);
                s[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            }
            if (mlen > 0) {
                msg[mlen / 2] ^= 0x10;
                assert_int_equal(avila_ed25519_verify(sig, msg, mlen, pub), AVILA_EAUTH);
                msg[mlen / 2] ^= 0x10;
            }
            /* seed may alias the secret key's first half */
            memcpy(secret, seed, 32);
            avila_ed25519_keypair(p, secret, secret);
            assert_memory_equal(secret + 32, pub, 32);
        }
        if (strcmp(tv_str(&tv, "name"), "TEST 1024") == 0)
            assert_int_equal(mlen, 1023);
        free(msg);
        count++;
    }
    tv_close(&tv);
    assert_int_equal(count, 5);
}

/* ------------------------------------------------------------------ Wycheproof */

static void test_wycheproof(void **state)
{
    (void)state;
    const char *path = "wycheproof/ed25519_test.txt";
    unsigned counts[3] = {0}, total = 0, bad_length = 0;
    struct tv_file tv;
    tv_open(&tv, path);
    while (tv_next(&tv)) {
        size_t pklen, mlen, slen;
        assert_string_equal(tv_str(&tv, "publicKey.curve"), "edwards25519");
        uint8_t *pk = tv_hex(&tv, "publicKey.pk", &pklen);
        uint8_t *msg = tv_hex(&tv, "msg", &mlen);
        uint8_t *sig = tv_hex(&tv, "sig", &slen);
        enum wp_result r = wp_result(&tv);
        assert_true(r != WP_ACCEPTABLE);
        assert_int_equal(pklen, 32);
        for (size_t c = 0; c < AVILA_ARRAY_LEN(cpu_masks); c++) {
            avila_cpu_restrict(cpu_masks[c]);
            int rc = slen == 64 ? avila_ed25519_verify(sig, msg, mlen, pk) : AVILA_EAUTH;
            if (rc != (r == WP_VALID ? 0 : AVILA_EAUTH))
                fail_msg("wycheproof ed25519 tcId %s: got %d, expected %s", tv_str(&tv, "tcId"), rc,
                         tv_str(&tv, "result"));
        }
        bad_length += slen != 64;
        counts[r]++;
        total++;
        free(pk);
        free(msg);
        free(sig);
    }
    tv_close(&tv);
    assert_int_equal(total, wp_number_of_tests(path));
    print_message("wycheproof ed25519: %u tests (valid %u, invalid %u, acceptable %u; "
                  "%u with a signature length other than 64)\n",
                  total, counts[WP_VALID], counts[WP_INVALID], counts[WP_ACCEPTABLE], bad_length);
}

/* ------------------------------------------------------------------ verification rules */

/* Rule 1: S + L (the malleable twin of a valid S) is rejected. */
static void test_rule_noncanonical_s(void **state)
{
    (void)state;
    uint8_t seed[32] = {1}, pub[32], secret[64], sig[64], msg[3] = "abc";
    avila_ed25519_keypair(pub, secret, seed);
    avila_ed25519_sign(sig, msg, 3, secret);
    assert_int_equal(avila_ed25519_verify(sig, msg, 3, pub), 0);
    unsigned carry = 0;
    for (int i = 0; i < 32; i++) {
        carry += (unsigned)sig[32 + i] + L_bytes[i];
        sig[32 + i] = (uint8_t)carry;
        carry >>= 8;
    }
    assert_int_equal(carry, 0);
    assert_int_equal(avila_ed25519_verify(sig, msg, 3, pub), AVILA_EAUTH);
}

/* Rules 2 and 4: bad and small-order public keys never verify. */
static void test_rule_bad_keys(void **state)
{
    (void)state;
    uint8_t sig[64], pk[32], msg[1] = {0};
    uint64_t rng = 4;
    for (int i = 0; i < 8; i++) {
        unit_unhex(small_order_points[i], pk, 32);
        for (int k = 0; k < 16; k++) {
            unit_rand_fill(&rng, sig, 64);
            sig[63] &= 0x0f;
            if (k == 0) /* R = A, S = 0: the classic small-key forgery */
                memcpy(sig, pk, 32), memset(sig + 32, 0, 32);
            assert_int_equal(avila_ed25519_verify(sig, msg, 1, pk), AVILA_EAUTH);
        }
    }
    memset(pk, 0xff, 32); /* y >= p */
    memset(sig, 0, 64);
    assert_int_equal(avila_ed25519_verify(sig, msg, 1, pk), AVILA_EAUTH);
}

/*
 * A key owner can make [S]B - [k]A the neutral element: S = k a with
 * k = SHA-512(R || A || msg) for any chosen 32 bytes R. Writes R || S to
 * sig for the key of seed (public key to pub).
 */
static void forge_neutral(uint8_t sig[64], uint8_t pub[32], const uint8_t R[32],
                          const uint8_t seed[32], const uint8_t *msg, size_t n)
{
    uint8_t secret[64], h[64], k[32], zero[32] = {0};
    struct avila_sha512 c;
    avila_ed25519_keypair(pub, secret, seed);
    memcpy(sig, R, 32);
    avila_sha512_init(&c);
    avila_sha512_update(&c, R, 32);
    avila_sha512_update(&c, pub, 32);
    avila_sha512_update(&c, msg, n);
    avila_sha512_final(&c, h);
    avila_sc25519_reduce(k, h);
    avila_sha512(seed, 32, h); /* the secret scalar, clamped (RFC 8032 section 5.1.5) */
    h[0] &= 248;
    h[31] &= 127;
    h[31] |= 64;
    avila_sc25519_muladd(sig + 32, k, h, zero);
}

/* The encoding of [S]B - [k]A for sig under pub: what verification compares with R. */
static void recompute_r(uint8_t out[32], const uint8_t sig[64], const uint8_t pub[32],
                        const uint8_t *msg, size_t n)
{
    uint8_t h[64], k[32];
    struct avila_sha512 c;
    avila_sha512_init(&c);
    avila_sha512_update(&c, sig, 32);
    avila_sha512_update(&c, pub, 32);
    avila_sha512_update(&c, msg, n);
    avila_sha512_final(&c, h);
    avila_sc25519_reduce(k, h);
    avila_ge25519_p3 A;
    avila_ge25519_p2 r;
    assert_int_equal(avila_ge25519_frombytes(&A, pub), 0);
    avila_ge25519_neg(&A, &A);
    avila_ge25519_double_scalarmult_vartime(&r, k, &A, sig + 32);
    avila_ge25519_p2_tobytes(out, &r);
}

/* Rule 4 for R: R = the neutral element satisfies the equation but is refused. */
static void test_rule_small_order_r(void **state)
{
    (void)state;
    uint8_t seed[32] = {9}, pub[32], sig[64], R[32] = {1}, enc[32], msg[5] = "hello";
    forge_neutral(sig, pub, R, seed, msg, 5);
    recompute_r(enc, sig, pub, msg, 5);
    assert_memory_equal(enc, R, 32); /* the cofactorless equation holds ... */
    assert_int_equal(avila_ed25519_verify(sig, msg, 5, pub), AVILA_EAUTH); /* ... refused */
}

/*
 * Rule 3: R = p + 1, a non-canonical encoding of the neutral element; the
 * same forgery makes the points equal, but the encodings differ.
 */
static void test_rule_noncanonical_r(void **state)
{
    (void)state;
    uint8_t seed[32] = {5}, pub[32], secret[64], sig[64], R[32], enc[32], msg[2] = "hi";
    unit_unhex("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", R, 32);
    forge_neutral(sig, pub, R, seed, msg, 2);
    recompute_r(enc, sig, pub, msg, 2);
    uint8_t neutral[32] = {1};
    assert_memory_equal(enc, neutral, 32);
    assert_int_equal(avila_ed25519_verify(sig, msg, 2, pub), AVILA_EAUTH);
    /* and the sign-bit twin of a real R fails too */
    avila_ed25519_keypair(pub, secret, seed);
    avila_ed25519_sign(sig, msg, 2, secret);
    sig[31] ^= 0x80;
    assert_int_equal(avila_ed25519_verify(sig, msg, 2, pub), AVILA_EAUTH);
}

/* ------------------------------------------------------------------ round trips */

static void test_round_trips(void **state)
{
    (void)state;
    uint64_t rng = 2024;
    uint8_t *msg = malloc(300);
    assert_non_null(msg);
    for (int iter = 0; iter < 300; iter++) {
        uint8_t seed[32], pub[32], secret[64], sig[64], sig2[64], other[32], osec[64];
        size_t n = (size_t)(unit_rand(&rng) % 300);
        unit_rand_fill(&rng, seed, 32);
        unit_rand_fill(&rng, msg, n);
        avila_cpu_restrict(cpu_masks[iter % 2]);
        avila_ed25519_keypair(pub, secret, seed);
        avila_ed25519_sign(sig, n ? msg : NULL, n, secret);
        assert_int_equal(avila_ed25519_verify(sig, n ? msg : NULL, n, pub), 0);
        /* deterministic */
        avila_ed25519_sign(sig2, msg, n, secret);
        assert_memory_equal(sig, sig2, 64);
        /* a random bit flip in the signature fails */
        size_t bit = (size_t)(unit_rand(&rng) % 512);
        sig2[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        assert_int_equal(avila_ed25519_verify(sig2, msg, n, pub), AVILA_EAUTH);
        /* another key fails */
        seed[0] ^= 1;
        avila_ed25519_keypair(other, osec, seed);
        assert_int_equal(avila_ed25519_verify(sig, msg, n, other), AVILA_EAUTH);
        /* a longer message fails */
        if (n < 299)
            assert_int_equal(avila_ed25519_verify(sig, msg, n + 1, pub), AVILA_EAUTH);
    }
    free(msg);
}

/* sig may overlap msg and secret: the signature is the same as with separate buffers. */
static void test_sign_aliasing(void **state)
{
    (void)state;
    uint8_t seed[32] = {3}, pub[32], secret[64], want[64], buf[128];
    avila_ed25519_keypair(pub, secret, seed);
    for (int i = 0; i < 128; i++)
        buf[i] = (uint8_t)(i * 13);
    avila_ed25519_sign(want, buf, 128, secret);
    avila_ed25519_sign(buf, buf, 128, secret);
    assert_memory_equal(buf, want, 64);
    uint8_t s2[64];
    memcpy(s2, secret, 64);
    avila_ed25519_sign(want, "m", 1, secret);
    avila_ed25519_sign(s2, "m", 1, s2);
    assert_memory_equal(s2, want, 64);
}

/* Inputs ending at a guard page: exactly 32, 64 and n bytes are read. */
static void test_guard_pages(void **state)
{
    (void)state;
    uint8_t *seed = unit_guarded_alloc(32), *pub = unit_guarded_alloc(32);
    uint8_t *secret = unit_guarded_alloc(64), *sig = unit_guarded_alloc(64);
    memset(seed, 0x17, 32);
    avila_ed25519_keypair(pub, secret, seed);
    for (size_t n = 0; n < 200; n += 37) {
        uint8_t *msg = unit_guarded_alloc(n);
        memset(msg, 0x33, n);
        avila_ed25519_sign(sig, msg, n, secret);
        assert_int_equal(avila_ed25519_verify(sig, msg, n, pub), 0);
        unit_guarded_free(msg, n);
    }
    unit_guarded_free(seed, 32);
    unit_guarded_free(pub, 32);
    unit_guarded_free(secret, 64);
    unit_guarded_free(sig, 64);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sc_reduce),
        cmocka_unit_test(test_sc_reduce_top),
        cmocka_unit_test(test_sc_muladd),
        cmocka_unit_test(test_sc_canonical),
        cmocka_unit_test(test_constants),
        cmocka_unit_test(test_base_point),
        cmocka_unit_test(test_tables_reproduce),
        cmocka_unit_test(test_group_identities),
        cmocka_unit_test(test_small_order_points),
        cmocka_unit_test(test_decode_strict),
        cmocka_unit_test_teardown(test_rfc8032, allow_all_cpu),
        cmocka_unit_test_teardown(test_wycheproof, allow_all_cpu),
        cmocka_unit_test(test_rule_noncanonical_s),
        cmocka_unit_test(test_rule_bad_keys),
        cmocka_unit_test(test_rule_small_order_r),
        cmocka_unit_test(test_rule_noncanonical_r),
        cmocka_unit_test_teardown(test_round_trips, allow_all_cpu),
        cmocka_unit_test(test_sign_aliasing),
        cmocka_unit_test(test_guard_pages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
