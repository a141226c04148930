/*
 * tests/crypto/test_p256.c - P-256 (crypto/p256.h) and the arithmetic under
 * it (crypto/p256_int.h): field and scalar operations against a plain
 * big-integer model, the complete formulas on their edge cases, the
 * generated base-point table recomputed with our own point code, fixed-base
 * against generic multiplication, RFC 6979 A.2.5 (exact k, r, s for
 * SHA-256/384/512), RFC 5903 section 8.1 ECDH, NIST CAVP ECC CDH, Wycheproof
 * ecdsa_secp256r1_sha256_p1363_test and ecdh_secp256r1_ecpoint_test with
 * every case's result checked, point encodings, keys, and sign/verify
 * properties (round trips, tampering, hedged nonces).
 *
 * Wycheproof "acceptable" ECDH cases are the compressed public keys: we
 * accept compressed points, so they must give the expected secret.
 */
#include "tests/support/unit.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "crypto/p256.h"
#include "crypto/p256_int.h"
#include "crypto/sha2.h"

typedef unsigned __int128 u128;

/* ------------------------------------------------------------------ big-integer model */

static const uint64_t P[4] = {0xffffffffffffffffull, 0x00000000ffffffffull, 0,
                              0xffffffff00000001ull};
static const uint64_t N[4] = {0xf3b9cac2fc632551ull, 0xbce6faada7179e84ull, 0xffffffffffffffffull,
                              0xffffffff00000000ull};

static int cmp4(const uint64_t a[4], const uint64_t b[4])
{
    for (int i = 3; i >= 0; i--)
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    return 0;
}

/* a -= b (no borrow out expected by callers) */
static void sub4(uint64_t a[4], const uint64_t b[4])
{
    u128 borrow = 0;
    for (int i = 0; i < 4; i++) {
        u128 d = (u128)a[i] - b[i] - (uint64_t)borrow;
        a[i] = (uint64_t)d;
        borrow = (d >> 64) & 1;
    }
}

/* r = (a + b) mod m for a, b < m; plain and slow on purpose. */
static void model_add(uint64_t r[4], const uint64_t a[4], const uint64_t b[4], const uint64_t m[4])
{
    uint64_t t[4];
    u128 c = 0;
    for (int i = 0; i < 4; i++) {
        c += (u128)a[i] + b[i];
        t[i] = (uint64_t)c;
        c >>= 64;
    }
    if (c != 0 || cmp4(t, m) >= 0)
        sub4(t, m);
    memcpy(r, t, 32);
}

/* r = a b mod m by double-and-add over a's bits. */
static void model_mul(uint64_t r[4], const uint64_t a[4], const uint64_t b[4], const uint64_t m[4])
{
    uint64_t acc[4] = {0};
    for (int bit = 255; bit >= 0; bit--) {
        model_add(acc, acc, acc, m);
        if ((a[bit / 64] >> (bit % 64)) & 1)
            model_add(acc, acc, b, m);
    }
    memcpy(r, acc, 32);
}

static void model_sub(uint64_t r[4], const uint64_t a[4], const uint64_t b[4], const uint64_t m[4])
{
    uint64_t nb[4] = {0};
    if (b[0] | b[1] | b[2] | b[3]) {
        memcpy(nb, m, 32);
        sub4(nb, b);
    }
    model_add(r, a, nb, m);
}

/* a^e mod m by square and multiply. */
static void model_pow(uint64_t r[4], const uint64_t a[4], const uint64_t e[4], const uint64_t m[4])
{
    uint64_t acc[4] = {1, 0, 0, 0};
    for (int bit = 255; bit >= 0; bit--) {
        model_mul(acc, acc, acc, m);
        if ((e[bit / 64] >> (bit % 64)) & 1)
            model_mul(acc, acc, a, m);
    }
    memcpy(r, acc, 32);
}

static void words_to_be(uint8_t s[32], const uint64_t w[4])
{
    for (size_t i = 0; i < 4; i++)
        avila_store_be64(s + 8 * (3 - i), w[i]);
}

static void be_to_words(uint64_t w[4], const uint8_t s[32])
{
    for (size_t i = 0; i < 4; i++)
        w[i] = avila_load_be64(s + 8 * (3 - i));
}

/* A random value below m, often an edge (0, 1, m - 1, m - 2, small, near 2^255). */
static void rand_below(uint64_t *rng, uint64_t w[4], const uint64_t m[4])
{
    uint64_t r = unit_rand(rng);
    switch (r % 8) {
    case 0:
        memset(w, 0, 32);
        w[0] = (r >> 8) % 3;
        return;
    case 1:
        memcpy(w, m, 32);
        w[0] -= 1 + (r >> 8) % 3;
        return;
    case 2:
        memset(w, 0, 32);
        w[3] = 0x8000000000000000ull;
        w[0] = (r >> 8) % 3;
        return;
    default:
        for (int i = 0; i < 4; i++)
            w[i] = unit_rand(rng);
        while (cmp4(w, m) >= 0)
            w[3] >>= 1;
    }
}

static void fe_of(avila_p256_fe *f, const uint64_t w[4])
{
    uint8_t s[32];
    words_to_be(s, w);
    assert_int_equal(avila_p256_fe_frombytes(f, s), 1);
}

static void assert_fe(const avila_p256_fe *f, const uint64_t want[4])
{
    uint8_t got[32], exp[32];
    avila_p256_fe_tobytes(got, f);
    words_to_be(exp, want);
    assert_memory_equal(got, exp, 32);
    for (int i = 0; i < 4; i++) /* kept fully reduced */
        assert_true(cmp4(f->v, P) < 0);
}

static void sc_of(avila_p256_fe *f, const uint64_t w[4])
{
    uint8_t s[32];
    words_to_be(s, w);
    (void)avila_p256_sc_frombytes(f, s);
}

static void assert_sc(const avila_p256_fe *f, const uint64_t want[4])
{
    uint64_t got[4];
    avila_p256_sc_towords(got, f);
    assert_memory_equal(got, want, 32);
    assert_true(cmp4(f->v, N) < 0);
}

static void hexn(const struct tv_file *tv, const char *key, uint8_t *out, size_t n)
{
    assert_int_equal(unit_unhex(tv_str(tv, key), out, n), n);
}

/* ------------------------------------------------------------------ field and scalars vs model */

static void test_field_model(void **state)
{
    (void)state;
    uint64_t rng = 0x256;
    for (int iter = 0; iter < 3000; iter++) {
        uint64_t a[4], b[4], want[4];
        avila_p256_fe fa, fb, fr;
        rand_below(&rng, a, P);
        rand_below(&rng, b, P);
        fe_of(&fa, a);
        fe_of(&fb, b);
        fe_mul(&fr, &fa, &fb);
        model_mul(want, a, b, P);
        assert_fe(&fr, want);
        fe_sq(&fr, &fa);
        model_mul(want, a, a, P);
        assert_fe(&fr, want);
        /* the portable C path (the x86-64 build's fe_* use assembly) */
        avila_p256_fe fc;
        fe_mul_c(&fc, &fa, &fb);
        model_mul(want, a, b, P);
        assert_fe(&fc, want);
        fe_sq_c(&fc, &fa);
        model_mul(want, a, a, P);
        assert_fe(&fc, want);
        mod_mul(fc.v, fa.v, fb.v, P256_P_ARGS, P256_P_M0INV); /* the generic CIOS on p */
        model_mul(want, a, b, P);
        assert_fe(&fc, want);
        mod_sqr(fc.v, fa.v, P256_P_ARGS, P256_P_M0INV);
        model_mul(want, a, a, P);
        assert_fe(&fc, want);
        mod_add(fc.v, fa.v, fb.v, P256_P_ARGS);
        model_add(want, a, b, P);
        assert_fe(&fc, want);
        mod_sub(fc.v, fa.v, fb.v, P256_P_ARGS);
        model_sub(want, a, b, P);
        assert_fe(&fc, want);
        fe_add(&fr, &fa, &fb);
        model_add(want, a, b, P);
        assert_fe(&fr, want);
        fe_sub(&fr, &fa, &fb);
        model_sub(want, a, b, P);
        assert_fe(&fr, want);
        fe_neg(&fr, &fa);
        uint64_t zero[4] = {0};
        model_sub(want, zero, a, P);
        assert_fe(&fr, want);
        assert_int_equal(fe_iszero(&fa), (a[0] | a[1] | a[2] | a[3]) == 0);
        assert_int_equal(fe_equal(&fa, &fb), cmp4(a, b) == 0);
        assert_int_equal(avila_p256_fe_parity(&fa), a[0] & 1);

        /* the same code with n */
        rand_below(&rng, a, N);
        rand_below(&rng, b, N);
        sc_of(&fa, a);
        sc_of(&fb, b);
        sc_mul(&fr, &fa, &fb);
        model_mul(want, a, b, N);
        assert_sc(&fr, want);
        sc_sq(&fr, &fa);
        model_mul(want, a, a, N);
        assert_sc(&fr, want);
        mod_mul(fc.v, fa.v, fb.v, P256_N_ARGS, P256_N_M0INV); /* the portable path */
        model_mul(want, a, b, N);
        assert_sc(&fc, want);
        mod_sqr(fc.v, fa.v, P256_N_ARGS, P256_N_M0INV);
        model_mul(want, a, a, N);
        assert_sc(&fc, want);
        sc_add(&fr, &fa, &fb);
        model_add(want, a, b, N);
        assert_sc(&fr, want);
        sc_sub(&fr, &fa, &fb);
        model_sub(want, a, b, N);
        assert_sc(&fr, want);
    }
}

static void test_field_bytes(void **state)
{
    (void)state;
    uint64_t rng = 31;
    for (int iter = 0; iter < 2000; iter++) {
        uint64_t w[4], want[4];
        uint8_t s[32];
        avila_p256_fe f;
        for (int i = 0; i < 4; i++)
            w[i] = unit_rand(&rng);
        if (iter % 4 == 0) { /* right at p and n */
            memcpy(w, iter % 8 ? P : N, 32);
            w[0] += (uint64_t)(iter % 3) - 1;
        }
        words_to_be(s, w);
        memcpy(want, w, 32);
        int below_p = cmp4(w, P) < 0, below_n = cmp4(w, N) < 0;
        if (!below_p)
            sub4(want, P);
        assert_int_equal(avila_p256_fe_frombytes(&f, s), below_p);
        assert_fe(&f, want);
        memcpy(want, w, 32);
        if (!below_n)
            sub4(want, N);
        int nonzero = (w[0] | w[1] | w[2] | w[3]) != 0;
        assert_int_equal(avila_p256_sc_frombytes(&f, s), below_n && nonzero);
        assert_sc(&f, want);
        uint8_t out[32], exp[32];
        avila_p256_sc_tobytes(out, &f);
        words_to_be(exp, want);
        assert_memory_equal(out, exp, 32);
    }
}

static void test_field_invert_sqrt(void **state)
{
    (void)state;
    uint64_t rng = 77;
    const uint64_t pm2[4] = {P[0] - 2, P[1], P[2], P[3]};
    const uint64_t nm2[4] = {N[0] - 2, N[1], N[2], N[3]};
    unsigned squares = 0;
    for (int iter = 0; iter < 60; iter++) {
        uint64_t a[4], want[4];
        avila_p256_fe f, r, c;
        rand_below(&rng, a, P);
        fe_of(&f, a);
        avila_p256_fe_invert(&r, &f);
        model_pow(want, a, pm2, P);
        assert_fe(&r, want);
        uint32_t sq = avila_p256_fe_sqrt(&r, &f);
        fe_sq(&c, &r);
        /* Euler: a is a square iff a^((p-1)/2) != p - 1 */
        const uint64_t half[4] = {0xffffffffffffffffull, 0x000000007fffffffull,
                                  0x8000000000000000ull, 0x7fffffff80000000ull};
        uint64_t leg[4];
        model_pow(leg, a, half, P);
        uint64_t pm1[4] = {P[0] - 1, P[1], P[2], P[3]};
        assert_int_equal(sq, cmp4(leg, pm1) != 0);
        if (sq)
            assert_true(fe_equal(&c, &f));
        squares += sq;

        rand_below(&rng, a, N);
        sc_of(&f, a);
        avila_p256_sc_invert(&r, &f);
        model_pow(want, a, nm2, N);
        assert_sc(&r, want);
    }
    assert_true(squares > 10 && squares < 60);
}

/* ------------------------------------------------------------------ points */

static void affine_bytes(uint8_t out[64], const avila_p256_point *p)
{
    avila_p256_affine a;
    avila_p256_point_to_affine(&a, p);
    avila_p256_fe_tobytes(out, &a.x);
    avila_p256_fe_tobytes(out + 32, &a.y);
}

#define assert_same_point(p, q) same_point(p, q, __LINE__)
static void same_point(const avila_p256_point *p, const avila_p256_point *q, int line)
{
    if (avila_p256_point_is_zero(p) != avila_p256_point_is_zero(q))
        print_message("points differ at line %d\n", line);
    uint8_t a[64], b[64];
    assert_int_equal(avila_p256_point_is_zero(p), avila_p256_point_is_zero(q));
    affine_bytes(a, p);
    affine_bytes(b, q);
    if (memcmp(a, b, 64) != 0)
        print_message("points differ at line %d\n", line);
    assert_memory_equal(a, b, 64);
}

static void assert_on_curve(const avila_p256_point *p)
{
    avila_p256_affine a;
    avila_p256_point_to_affine(&a, p);
    assert_true(avila_p256_on_curve(&a.x, &a.y));
}

static void random_point(uint64_t *rng, avila_p256_point *p)
{
    uint64_t k[4];
    rand_below(rng, k, N);
    k[0] |= 1; /* never 0 */
    if (cmp4(k, N) >= 0)
        k[0] = 5; /* n itself (n - 1 with the low bit set): not a point */
    avila_p256_scalarmult_base(p, k);
}

static void test_complete_formulas(void **state)
{
    (void)state;
    uint64_t rng = 5;
    avila_p256_point O, G, P1, Q, R, S, negP;
    avila_p256_point_zero(&O);
    avila_p256_point_base(&G);
    assert_on_curve(&G);
    for (int iter = 0; iter < 50; iter++) {
        random_point(&rng, &P1);
        random_point(&rng, &Q);
        assert_on_curve(&P1);
        /* P + P = 2P */
        avila_p256_point_add(&R, &P1, &P1);
        avila_p256_point_dbl(&S, &P1);
        assert_same_point(&R, &S);
        assert_on_curve(&R);
        /* P + (-P) = O, also through the mixed formula */
        negP = P1;
        fe_neg(&negP.Y, &negP.Y);
        avila_p256_point_add(&R, &P1, &negP);
        assert_true(avila_p256_point_is_zero(&R));
        avila_p256_affine a;
        avila_p256_point_to_affine(&a, &negP);
        avila_p256_point_add_affine(&R, &P1, &a);
        assert_true(avila_p256_point_is_zero(&R));
        /* P + O = O + P = P; O + affine Q = Q */
        avila_p256_point_add(&R, &P1, &O);
        assert_same_point(&R, &P1);
        avila_p256_point_add(&R, &O, &P1);
        assert_same_point(&R, &P1);
        avila_p256_point_to_affine(&a, &P1);
        avila_p256_point_add_affine(&R, &O, &a);
        assert_same_point(&R, &P1);
        avila_p256_point_add_affine(&R, &P1, &a);
        avila_p256_point_dbl(&S, &P1);
        assert_same_point(&R, &S);
        /* commutativity and mixed = projective */
        avila_p256_point_add(&R, &P1, &Q);
        avila_p256_point_add(&S, &Q, &P1);
        assert_same_point(&R, &S);
        avila_p256_point_to_affine(&a, &Q);
        avila_p256_point_add_affine(&S, &P1, &a);
        assert_same_point(&R, &S);
        assert_on_curve(&R);
    }
    avila_p256_point_add(&R, &O, &O);
    assert_true(avila_p256_point_is_zero(&R));
    avila_p256_point_dbl(&R, &O);
    assert_true(avila_p256_point_is_zero(&R));
}

/* Every entry of the generated tables, recomputed with our own formulas. */
static void test_table(void **state)
{
    (void)state;
    avila_p256_point row, pt, want;
    avila_p256_point_base(&row);
    for (int i = 0; i < AVILA_P256_BASE_ROWS; i++) {
        pt = row;
        for (int j = 0; j < AVILA_P256_BASE_COLS; j++) {
            avila_p256_affine a;
            avila_p256_point_to_affine(&a, &pt);
            assert_true(fe_equal(&a.x, &avila_p256_base_table[i][j].x));
            assert_true(fe_equal(&a.y, &avila_p256_base_table[i][j].y));
            avila_p256_point_add(&pt, &pt, &row);
        }
        for (int s = 0; s < 4; s++)
            avila_p256_point_dbl(&row, &row);
    }
    avila_p256_point G2;
    avila_p256_point_base(&pt);
    avila_p256_point_dbl(&G2, &pt);
    for (int i = 0; i < AVILA_P256_ODD_COUNT; i++) {
        uint64_t k[4] = {(uint64_t)(2 * i + 1), 0, 0, 0};
        avila_p256_affine a;
        avila_p256_point_to_affine(&a, &pt);
        assert_true(fe_equal(&a.x, &avila_p256_base_odd[i].x));
        assert_true(fe_equal(&a.y, &avila_p256_base_odd[i].y));
        avila_p256_point_base(&want);
        avila_p256_scalarmult(&want, k, &want);
        assert_same_point(&pt, &want);
        avila_p256_point_add(&pt, &pt, &G2);
    }
}

/* k G by the table equals k G by the variable-point windows, and linearity holds. */
static void test_base_vs_generic(void **state)
{
    (void)state;
    uint64_t rng = 1234;
    avila_p256_point G, A, B, C, D;
    avila_p256_point_base(&G);
    for (int iter = 0; iter < 200; iter++) {
        uint64_t k[4], l[4], kl[4];
        rand_below(&rng, k, N);
        if (iter == 0)
            memset(k, 0, 32);
        if (iter == 1) { /* n - 1 */
            memcpy(k, N, 32);
            k[0] -= 1;
        }
        if (iter == 2) { /* 2^255 exactly: the negation path */
            memset(k, 0, 32);
            k[3] = 0x8000000000000000ull;
        }
        avila_p256_scalarmult_base(&A, k);
        avila_p256_scalarmult(&B, k, &G);
        assert_same_point(&A, &B);
        if (!avila_p256_point_is_zero(&A))
            assert_on_curve(&A);
        /* (k + l) G = k G + l G, l random */
        rand_below(&rng, l, N);
        model_add(kl, k, l, N);
        avila_p256_scalarmult_base(&C, l);
        avila_p256_point_add(&C, &A, &C);
        avila_p256_scalarmult_base(&D, kl);
        assert_same_point(&C, &D);
        /* k (l G) = (k l) G */
        uint64_t kxl[4];
        model_mul(kxl, k, l, N);
        avila_p256_scalarmult_base(&C, l);
        avila_p256_scalarmult(&C, k, &C);
        avila_p256_scalarmult_base(&D, kxl);
        assert_same_point(&C, &D);
        /* the variable-time double multiplication agrees: k G + l Q */
        avila_p256_point Q;
        random_point(&rng, &Q);
        avila_p256_double_scalarmult_vartime(&C, k, l, &Q);
        avila_p256_scalarmult(&D, l, &Q);
        avila_p256_point_add(&D, &D, &A);
        assert_same_point(&C, &D);
    }
    /* the variable-time double multiplication's special cases: a G + b G with b = -a, b = a */
    for (int iter = 0; iter < 20; iter++) {
        uint64_t a[4], b[4], a2[4];
        rand_below(&rng, a, N);
        a[0] |= 1;
        memcpy(b, N, 32);
        sub4(b, a);
        avila_p256_double_scalarmult_vartime(&A, a, b, &G);
        assert_true(avila_p256_point_is_zero(&A));
        avila_p256_double_scalarmult_vartime(&A, a, a, &G);
        model_add(a2, a, a, N);
        avila_p256_scalarmult_base(&B, a2);
        assert_same_point(&A, &B);
        const uint64_t zero4[4] = {0};
        avila_p256_double_scalarmult_vartime(&A, zero4, zero4, &G);
        assert_true(avila_p256_point_is_zero(&A));
        avila_p256_double_scalarmult_vartime(&A, zero4, a, &G);
        avila_p256_scalarmult_base(&B, a);
        assert_same_point(&A, &B);
    }
    /* 0 P = O and (n - 1) P = -P through the generic path */
    const uint64_t zero[4] = {0}, nm1[4] = {N[0] - 1, N[1], N[2], N[3]};
    random_point(&rng, &B);
    avila_p256_scalarmult(&A, zero, &B);
    assert_true(avila_p256_point_is_zero(&A));
    avila_p256_scalarmult(&A, nm1, &B);
    fe_neg(&B.Y, &B.Y);
    assert_same_point(&A, &B);
}

/* ------------------------------------------------------------------ RFC vectors */

static size_t hash_message(const char *name, const char *text, uint8_t h[64])
{
    size_t n = strlen(text);
    if (strcmp(name, "sha256") == 0) {
        avila_sha256(text, n, h);
        return 32;
    }
    if (strcmp(name, "sha384") == 0) {
        avila_sha384(text, n, h);
        return 48;
    }
    assert_string_equal(name, "sha512");
    avila_sha512(text, n, h);
    return 64;
}

static const struct avila_digest *digest_of(size_t len)
{
    return len == 32   ? &avila_digest_sha256
           : len == 48 ? &avila_digest_sha384
                       : &avila_digest_sha512;
}

static void test_rfc6979(void **state)
{
    (void)state;
    struct tv_file tv;
    int count = 0;
    tv_open(&tv, "p256/rfc6979.txt");
    while (tv_next(&tv)) {
        uint8_t x[32], pub[65], want_pub[65], k[32], rs[64], sig[64], h[64], got_k[32];
        hexn(&tv, "x", x, 32);
        want_pub[0] = 4;
        hexn(&tv, "Ux", want_pub + 1, 32);
        hexn(&tv, "Uy", want_pub + 33, 32);
        hexn(&tv, "k", k, 32);
        hexn(&tv, "r", rs, 32);
        hexn(&tv, "s", rs + 32, 32);
        size_t hl = hash_message(tv_str(&tv, "hash"), tv_str(&tv, "text"), h);
        assert_int_equal(avila_p256_public_from_private(pub, x), 0);
        assert_memory_equal(pub, want_pub, 65);
        /* the exact nonce */
        struct avila_p256_rfc6979 st;
        avila_p256_rfc6979_init(&st, digest_of(hl), x, h, hl, NULL, 0);
        assert_int_equal(avila_p256_rfc6979_next(&st, got_k), 1);
        assert_memory_equal(got_k, k, 32);
        /* the signature */
        memset(sig, 0, 64);
        assert_int_equal(avila_p256_sign(sig, x, h, hl), 0);
        assert_memory_equal(sig, rs, 64);
        assert_int_equal(avila_p256_verify(sig, h, hl, pub, 65), 0);
        /* and through the compressed key */
        uint8_t cpub[33];
        assert_int_equal(avila_p256_public_encode(cpub, 33, pub, 65), 33);
        assert_int_equal(avila_p256_verify(sig, h, hl, cpub, 33), 0);
        count++;
    }
    tv_close(&tv);
    assert_int_equal(count, 6);
}

static void test_rfc5903_ecdh(void **state)
{
    (void)state;
    struct tv_file tv;
    int count = 0;
    tv_open(&tv, "p256/ecdh.txt");
    while (tv_next(&tv)) {
        uint8_t i[32], r[32], gi[65], gr[65], want[32], pub[65], out[32];
        hexn(&tv, "i", i, 32);
        hexn(&tv, "r", r, 32);
        gi[0] = gr[0] = 4;
        hexn(&tv, "gix", gi + 1, 32);
        hexn(&tv, "giy", gi + 33, 32);
        hexn(&tv, "grx", gr + 1, 32);
        hexn(&tv, "gry", gr + 33, 32);
        hexn(&tv, "girx", want, 32);
        assert_int_equal(avila_p256_public_from_private(pub, i), 0);
        assert_memory_equal(pub, gi, 65);
        assert_int_equal(avila_p256_public_from_private(pub, r), 0);
        assert_memory_equal(pub, gr, 65);
        assert_int_equal(avila_p256_ecdh(out, i, gr, 65), 0);
        assert_memory_equal(out, want, 32);
        assert_int_equal(avila_p256_ecdh(out, r, gi, 65), 0);
        assert_memory_equal(out, want, 32);
        count++;
    }
    tv_close(&tv);
    assert_int_equal(count, 1);
}

static void test_cavp_ecc_cdh(void **state)
{
    (void)state;
    struct tv_file tv;
    int count = 0;
    tv_open(&tv, "p256/ecc_cdh.txt");
    while (tv_next(&tv)) {
        uint8_t q[65], d[32], z[32], pub[65], out[32];
        q[0] = 4;
        hexn(&tv, "QCAVSx", q + 1, 32);
        hexn(&tv, "QCAVSy", q + 33, 32);
        hexn(&tv, "dIUT", d, 32);
        hexn(&tv, "ZIUT", z, 32);
        assert_int_equal(avila_p256_ecdh(out, d, q, 65), 0);
        assert_memory_equal(out, z, 32);
        if (tv_has(&tv, "QIUTx")) {
            uint8_t want[65];
            want[0] = 4;
            hexn(&tv, "QIUTx", want + 1, 32);
            hexn(&tv, "QIUTy", want + 33, 32);
            assert_int_equal(avila_p256_public_from_private(pub, d), 0);
            assert_memory_equal(pub, want, 65);
        }
        count++;
    }
    tv_close(&tv);
    assert_int_equal(count, 2);
}

/* ------------------------------------------------------------------ Wycheproof */

/* A Wycheproof integer (big-endian hex, maybe with a leading 00, maybe short) as 32 bytes. */
static int wp_scalar(const char *hex, uint8_t out[32])
{
    uint8_t buf[80];
    size_t n = unit_unhex(hex, buf, sizeof buf);
    size_t skip = 0;
    while (n - skip > 32 && buf[skip] == 0)
        skip++;
    if (n - skip > 32)
        return -1;
    memset(out, 0, 32);
    memcpy(out + 32 - (n - skip), buf + skip, n - skip);
    return 0;
}

static void test_wycheproof_ecdsa(void **state)
{
    (void)state;
    const char *path = "wycheproof/ecdsa_secp256r1_sha256_p1363_test.txt";
    unsigned counts[3] = {0}, total = 0;
    struct tv_file tv;
    tv_open(&tv, path);
    while (tv_next(&tv)) {
        assert_string_equal(tv_str(&tv, "publicKey.curve"), "secp256r1");
        assert_string_equal(tv_str(&tv, "sha"), "SHA-256");
        size_t pub_len, msg_len, sig_len;
        uint8_t *pub = tv_hex(&tv, "publicKey.uncompressed", &pub_len);
        uint8_t *msg = tv_hex(&tv, "msg", &msg_len);
        uint8_t *sig = tv_hex(&tv, "sig", &sig_len);
        uint8_t h[32];
        avila_sha256(msg, msg_len, h);
        enum wp_result r = wp_result(&tv);
        int rc = sig_len == 64 ? avila_p256_verify(sig, h, 32, pub, pub_len) : AVILA_EAUTH;
        assert_true(r != WP_ACCEPTABLE); /* the file has none */
        if (r == WP_VALID)
            assert_int_equal(rc, 0);
        else
            assert_int_equal(rc, AVILA_EAUTH);
        counts[r]++;
        total++;
        free(pub);
        free(msg);
        free(sig);
    }
    tv_close(&tv);
    assert_int_equal(total, wp_number_of_tests(path));
    print_message("wycheproof ecdsa p256 sha256 p1363: %u tests (valid %u, invalid %u)\n", total,
                  counts[WP_VALID], counts[WP_INVALID]);
}

static void test_wycheproof_ecdh(void **state)
{
    (void)state;
    const char *path = "wycheproof/ecdh_secp256r1_ecpoint_test.txt";
    unsigned counts[3] = {0}, total = 0;
    struct tv_file tv;
    tv_open(&tv, path);
    while (tv_next(&tv)) {
        assert_string_equal(tv_str(&tv, "curve"), "secp256r1");
        size_t pub_len, shared_len;
        uint8_t priv[32], out[32];
        uint8_t *pub = tv_hex(&tv, "public", &pub_len);
        uint8_t *shared = tv_hex(&tv, "shared", &shared_len);
        assert_int_equal(wp_scalar(tv_str(&tv, "private"), priv), 0);
        enum wp_result r = wp_result(&tv);
        memset(out, 0x5a, 32);
        int rc = avila_p256_ecdh(out, priv, pub, pub_len);
        if (r == WP_INVALID) {
            assert_true(rc < 0);
        } else {
            /* valid, and acceptable = compressed points, which we accept */
            assert_int_equal(rc, 0);
            assert_int_equal(shared_len, 32);
            assert_memory_equal(out, shared, 32);
        }
        counts[r]++;
        total++;
        free(pub);
        free(shared);
    }
    tv_close(&tv);
    assert_int_equal(total, wp_number_of_tests(path));
    print_message("wycheproof ecdh p256 ecpoint: %u tests (valid %u, invalid %u, acceptable %u)\n",
                  total, counts[WP_VALID], counts[WP_INVALID], counts[WP_ACCEPTABLE]);
}

/* ------------------------------------------------------------------ encodings and keys */

static void test_point_encoding(void **state)
{
    (void)state;
    uint64_t rng = 42;
    for (int iter = 0; iter < 100; iter++) {
        uint8_t priv[32], pub[65], c[33], u[65];
        unit_rand_fill(&rng, priv, 32);
        priv[0] &= 0x7f;
        assert_int_equal(avila_p256_public_from_private(pub, priv), 0);
        assert_int_equal(pub[0], 4);
        assert_int_equal(avila_p256_public_check(pub, 65), 0);
        assert_int_equal(avila_p256_public_encode(c, 33, pub, 65), 33);
        assert_int_equal(c[0], 2 | (pub[64] & 1));
        assert_memory_equal(c + 1, pub + 1, 32);
        assert_int_equal(avila_p256_public_check(c, 33), 0);
        assert_int_equal(avila_p256_public_encode(u, 65, c, 33), 65);
        assert_memory_equal(u, pub, 65);
        /* in place */
        memcpy(u, c, 33);
        assert_int_equal(avila_p256_public_encode(u, 65, u, 33), 65);
        assert_memory_equal(u, pub, 65);
        /* broken forms */
        memcpy(u, pub, 65);
        u[64] ^= 1; /* off the curve */
        assert_int_equal(avila_p256_public_check(u, 65), AVILA_EFORMAT);
        for (int prefix = 0; prefix < 256; prefix += 1) {
            if (prefix == 4)
                continue;
            memcpy(u, pub, 65);
            u[0] = (uint8_t)prefix;
            assert_int_equal(avila_p256_public_check(u, 65), AVILA_EFORMAT);
            if (prefix == 2 || prefix == 3)
                continue;
            memcpy(u, c, 33);
            u[0] = (uint8_t)prefix;
            assert_int_equal(avila_p256_public_check(u, 33), AVILA_EFORMAT);
        }
        assert_int_equal(avila_p256_public_check(pub, 64), AVILA_EFORMAT);
        assert_int_equal(avila_p256_public_check(c, 32), AVILA_EFORMAT);
        assert_int_equal(avila_p256_public_check(c, 34), AVILA_EFORMAT);
        assert_int_equal(avila_p256_public_encode(u, 64, pub, 65), AVILA_EINVAL);
    }
    /* infinity, x >= p, an x with no y */
    uint8_t z[65] = {0};
    assert_int_equal(avila_p256_public_check(z, 1), AVILA_EFORMAT);
    assert_int_equal(avila_p256_public_check(z, 65), AVILA_EFORMAT);
    assert_int_equal(avila_p256_public_check(NULL, 0), AVILA_EFORMAT);
    uint8_t c[33];
    c[0] = 2;
    words_to_be(c + 1, P);
    assert_int_equal(avila_p256_public_check(c, 33), AVILA_EFORMAT);
    unsigned none = 0;
    for (int x = 0; x < 20; x++) {
        memset(c + 1, 0, 32);
        c[32] = (uint8_t)x;
        none += avila_p256_public_check(c, 33) != 0;
    }
    assert_true(none > 0 && none < 20); /* about half the x have a point */
    /* a y >= p with the right residue is rejected: (x, y + p) when y + p < 2^256 */
    uint8_t priv[32] = {0}, pub[65];
    for (priv[31] = 1; priv[31] < 200; priv[31]++) {
        assert_int_equal(avila_p256_public_from_private(pub, priv), 0);
        uint64_t y[4];
        be_to_words(y, pub + 33);
        u128 cc = 0;
        for (int i = 0; i < 4; i++) {
            cc += (u128)y[i] + P[i];
            y[i] = (uint64_t)cc;
            cc >>= 64;
        }
        if (cc == 0) {
            words_to_be(pub + 33, y);
            assert_int_equal(avila_p256_public_check(pub, 65), AVILA_EFORMAT);
            break;
        }
    }
}

static void test_keys(void **state)
{
    (void)state;
    uint8_t r[32], priv[32], pub[65], pub2[65];
    /* 0, n, n + 1, 2^256 - 1 are rejected and nothing is written */
    const uint64_t bad[][4] = {{0, 0, 0, 0},
                               {N[0], N[1], N[2], N[3]},
                               {N[0] + 1, N[1], N[2], N[3]},
                               {~0ull, ~0ull, ~0ull, ~0ull}};
    for (size_t i = 0; i < AVILA_ARRAY_LEN(bad); i++) {
        words_to_be(r, bad[i]);
        memset(priv, 0xcc, 32);
        memset(pub, 0xcc, 65);
        assert_int_equal(avila_p256_keygen(priv, pub, r), AVILA_ERANGE);
        for (int j = 0; j < 32; j++)
            assert_int_equal(priv[j], 0xcc);
        for (int j = 0; j < 65; j++)
            assert_int_equal(pub[j], 0xcc);
        assert_int_equal(avila_p256_private_check(r), AVILA_ERANGE);
        assert_int_equal(avila_p256_public_from_private(pub, r), AVILA_ERANGE);
        assert_int_equal(avila_p256_ecdh(pub, r, pub2, 0), AVILA_EFORMAT);
        uint8_t h[32] = {1}, sig[64];
        assert_int_equal(avila_p256_sign(sig, r, h, 32), AVILA_ERANGE);
    }
    /* 1 and n - 1 are fine: G and -G */
    const uint64_t one[4] = {1, 0, 0, 0}, nm1[4] = {N[0] - 1, N[1], N[2], N[3]};
    words_to_be(r, one);
    assert_int_equal(avila_p256_keygen(priv, pub, r), 0);
    assert_memory_equal(priv, r, 32);
    words_to_be(r, nm1);
    assert_int_equal(avila_p256_keygen(priv, pub2, r), 0);
    assert_memory_equal(pub + 1, pub2 + 1, 32); /* same x */
    assert_memory_not_equal(pub + 33, pub2 + 33, 32);
    assert_int_equal(avila_p256_private_check(r), 0);
    /* keygen = from_private; priv may alias random */
    uint64_t rng = 9;
    for (int i = 0; i < 20; i++) {
        unit_rand_fill(&rng, r, 32);
        memcpy(priv, r, 32);
        int rc = avila_p256_keygen(priv, pub, priv);
        assert_int_equal(rc, 0);
        assert_memory_equal(priv, r, 32);
        assert_int_equal(avila_p256_public_from_private(pub2, r), 0);
        assert_memory_equal(pub, pub2, 65);
    }
}

static void test_ecdh_agreement(void **state)
{
    (void)state;
    uint64_t rng = 17;
    for (int i = 0; i < 50; i++) {
        uint8_t a[32], b[32], pa[65], pb[65], ca[33], s1[32], s2[32], s3[32];
        unit_rand_fill(&rng, a, 32);
        unit_rand_fill(&rng, b, 32);
        assert_int_equal(avila_p256_public_from_private(pa, a), 0);
        assert_int_equal(avila_p256_public_from_private(pb, b), 0);
        assert_int_equal(avila_p256_ecdh(s1, a, pb, 65), 0);
        assert_int_equal(avila_p256_ecdh(s2, b, pa, 65), 0);
        assert_memory_equal(s1, s2, 32);
        assert_int_equal(avila_p256_public_encode(ca, 33, pa, 65), 33);
        assert_int_equal(avila_p256_ecdh(s3, b, ca, 33), 0);
        assert_memory_equal(s3, s2, 32);
        /* shared may alias priv */
        memcpy(s3, a, 32);
        assert_int_equal(avila_p256_ecdh(s3, s3, pb, 65), 0);
        assert_memory_equal(s3, s1, 32);
        /* an invalid peer point */
        pb[40] ^= 4;
        assert_int_equal(avila_p256_ecdh(s3, a, pb, 65), AVILA_EFORMAT);
    }
}

/* ------------------------------------------------------------------ ECDSA properties */

static void test_sign_verify(void **state)
{
    (void)state;
    uint64_t rng = 2024;
    static const size_t lens[3] = {32, 48, 64};
    for (int i = 0; i < 60; i++) {
        uint8_t priv[32], pub[65], h[64], sig[64], sig2[64], bad[64], extra[64];
        unit_rand_fill(&rng, priv, 32);
        unit_rand_fill(&rng, h, 64);
        unit_rand_fill(&rng, extra, 64);
        size_t hl = lens[i % 3];
        assert_int_equal(avila_p256_public_from_private(pub, priv), 0);
        assert_int_equal(avila_p256_sign(sig, priv, h, hl), 0);
        assert_int_equal(avila_p256_verify(sig, h, hl, pub, 65), 0);
        /* deterministic */
        assert_int_equal(avila_p256_sign(sig2, priv, h, hl), 0);
        assert_memory_equal(sig, sig2, 64);
        /* hedged: different, valid; no extra = deterministic */
        assert_int_equal(avila_p256_sign_hedged(sig2, priv, h, hl, extra, 1 + i % 64), 0);
        assert_memory_not_equal(sig, sig2, 64);
        assert_int_equal(avila_p256_verify(sig2, h, hl, pub, 65), 0);
        assert_int_equal(avila_p256_sign_hedged(sig2, priv, h, hl, NULL, 0), 0);
        assert_memory_equal(sig, sig2, 64);
        /* a flipped bit anywhere in the signature */
        size_t bit = unit_rand(&rng) % 512;
        memcpy(bad, sig, 64);
        bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        assert_int_equal(avila_p256_verify(bad, h, hl, pub, 65), AVILA_EAUTH);
        /* another hash */
        h[unit_rand(&rng) % 32] ^= 0x10;
        assert_int_equal(avila_p256_verify(sig, h, hl, pub, 65), AVILA_EAUTH);
        /* another key */
        uint8_t other[65];
        priv[31] ^= 1;
        assert_int_equal(avila_p256_public_from_private(other, priv), 0);
        assert_int_equal(avila_p256_verify(sig, h, hl, other, 65), AVILA_EAUTH);
    }
    /* bad hash lengths and extra lengths */
    uint8_t priv[32] = {1}, h[64] = {0}, sig[64], extra[65] = {0};
    assert_int_equal(avila_p256_sign(sig, priv, h, 20), AVILA_EINVAL);
    assert_int_equal(avila_p256_sign(sig, priv, h, 33), AVILA_EINVAL);
    assert_int_equal(avila_p256_sign_hedged(sig, priv, h, 32, extra, 65), AVILA_EINVAL);
    /* the hash's bits beyond 256 are ignored (bits2int), bytes before are not */
    uint8_t pub[65], h2[64];
    assert_int_equal(avila_p256_public_from_private(pub, priv), 0);
    memset(h2, 0x33, 64);
    assert_int_equal(avila_p256_sign(sig, priv, h2, 64), 0);
    h2[40] ^= 1;
    assert_int_equal(avila_p256_verify(sig, h2, 64, pub, 65), 0);
    assert_int_equal(avila_p256_verify(sig, h2, 32, pub, 65), 0);
    h2[5] ^= 1;
    assert_int_equal(avila_p256_verify(sig, h2, 64, pub, 65), AVILA_EAUTH);
}

/* r or s of 0 or n never verify, nor n - s style neighbours that are out of range. */
static void test_verify_ranges(void **state)
{
    (void)state;
    uint8_t priv[32] = {0}, pub[65], h[32] = {7}, sig[64], bad[64];
    priv[31] = 42;
    assert_int_equal(avila_p256_public_from_private(pub, priv), 0);
    assert_int_equal(avila_p256_sign(sig, priv, h, 32), 0);
    assert_int_equal(avila_p256_verify(sig, h, 32, pub, 65), 0);
    const uint64_t zero[4] = {0};
    for (size_t half = 0; half < 2; half++) {
        memcpy(bad, sig, 64);
        words_to_be(bad + 32 * half, zero);
        assert_int_equal(avila_p256_verify(bad, h, 32, pub, 65), AVILA_EAUTH);
        words_to_be(bad + 32 * half, N);
        assert_int_equal(avila_p256_verify(bad, h, 32, pub, 65), AVILA_EAUTH);
    }
    /* s -> n - s is the other valid signature; s + n (when it fits) is out of range */
    uint64_t s[4], ns[4];
    be_to_words(s, sig + 32);
    memcpy(ns, N, 32);
    sub4(ns, s);
    memcpy(bad, sig, 64);
    words_to_be(bad + 32, ns);
    assert_int_equal(avila_p256_verify(bad, h, 32, pub, 65), 0);
    assert_int_equal(avila_p256_verify(sig, h, 0, pub, 65), AVILA_EAUTH);
}

static void test_guard_pages(void **state)
{
    (void)state;
    uint8_t *priv = unit_guarded_alloc(32), *pub = unit_guarded_alloc(65),
            *h = unit_guarded_alloc(32), *sig = unit_guarded_alloc(64),
            *cpub = unit_guarded_alloc(33), *sh = unit_guarded_alloc(32);
    memset(priv, 0x42, 32);
    memset(h, 0x17, 32);
    assert_int_equal(avila_p256_public_from_private(pub, priv), 0);
    assert_int_equal(avila_p256_public_encode(cpub, 33, pub, 65), 33);
    assert_int_equal(avila_p256_sign(sig, priv, h, 32), 0);
    assert_int_equal(avila_p256_verify(sig, h, 32, cpub, 33), 0);
    assert_int_equal(avila_p256_ecdh(sh, priv, cpub, 33), 0);
    unit_guarded_free(priv, 32);
    unit_guarded_free(pub, 65);
    unit_guarded_free(h, 32);
    unit_guarded_free(sig, 64);
    unit_guarded_free(cpub, 33);
    unit_guarded_free(sh, 32);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_field_model),
        cmocka_unit_test(test_field_bytes),
        cmocka_unit_test(test_field_invert_sqrt),
        cmocka_unit_test(test_complete_formulas),
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_base_vs_generic),
        cmocka_unit_test(test_rfc6979),
        cmocka_unit_test(test_rfc5903_ecdh),
        cmocka_unit_test(test_cavp_ecc_cdh),
        cmocka_unit_test(test_wycheproof_ecdsa),
        cmocka_unit_test(test_wycheproof_ecdh),
        cmocka_unit_test(test_point_encoding),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_ecdh_agreement),
        cmocka_unit_test(test_sign_verify),
        cmocka_unit_test(test_verify_ranges),
        cmocka_unit_test(test_guard_pages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
