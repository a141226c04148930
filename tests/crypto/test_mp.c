/*
 * tests/crypto/test_mp.c - constant-time multi-precision integers
 * (crypto/mp.h): number-theory known answers (Fermat's little theorem on
 * Mersenne primes up to 2^3217 - 1 and on the largest 64-bit prime), edge
 * cases (0, 1, m - 1, all-ones limbs, moduli 2^k +- small, one-limb and
 * m = 1 moduli), algebraic properties on random values (montmul against
 * schoolbook-then-reduce, a a^-1 = 1, x^(a+b) = x^a x^b, CRT against the
 * direct exponentiation, e d = 1 mod lambda, ct and vartime exponentiation
 * agreeing), the portable and mulx/adx kernels on the same random inputs,
 * the AVX-512 IFMA exponentiation against the 64-bit one on edge moduli,
 * aliasing, and the rejects (even or zero modulus, sizes out of range,
 * non-invertible elements, numbers that do not fit). The exhaustive
 * comparison with Python's integers is tests/crypto/test_mp_python.sh.
 */
#include "tests/support/unit.h"

#include <string.h>

#include "core/cpu.h"
#include "core/error.h"
#include "crypto/mp.h"
#include "crypto/mp_int.h"

#define MAXL AVILA_MP_MAX_LIMBS

static uint64_t work[AVILA_MP_MODEXP_WORK_LIMBS(MAXL)];

/* Limb counts the property tests walk through. */
static const size_t sizes[] = {1, 2, 3, 4, 5, 8, 9, 12, 16, 17, 24, 32, 33, 48, 64};

static int allow_all_cpu(void **state)
{
    (void)state;
    avila_cpu_restrict(AVILA_CPU_ALL);
    return 0;
}

static int have_adx(void)
{
#if AVILA_X86_64
    const uint32_t adx = AVILA_CPU_BMI2 | AVILA_CPU_ADX;
    return (avila_cpu_detected() & adx) == adx;
#else
    return 0;
#endif
}

/* Runs a property test with the dispatcher restricted to the portable path, then free. */
static void both_paths(void (*fn)(void))
{
    avila_cpu_restrict(0);
    fn();
    avila_cpu_restrict(AVILA_CPU_ALL);
    fn();
}

static void rand_limbs(uint64_t *st, uint64_t *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        a[i] = unit_rand(st);
}

/* A random n-limb value, sometimes an edge value: 0, 1, all ones, sparse limbs. */
static void rand_value(uint64_t *st, uint64_t *a, size_t n)
{
    uint64_t k = unit_rand(st) % 8;
    rand_limbs(st, a, n);
    for (size_t i = 0; i < n; i++) {
        if (k == 0 || (k == 1 && i > 0))
            a[i] = 0;
        else if (k == 1)
            a[i] = 1;
        else if (k == 2)
            a[i] = ~(uint64_t)0;
        else if (k == 3 && (unit_rand(st) & 1))
            a[i] = unit_rand(st) & 1 ? 0 : ~(uint64_t)0;
    }
}

/* A random odd modulus of n limbs with its top bit set. */
static void rand_modulus(uint64_t *st, uint64_t *m, size_t n)
{
    rand_limbs(st, m, n);
    m[0] |= 1;
    m[n - 1] |= UINT64_C(1) << 63;
}

static void set_word(uint64_t *a, size_t n, uint64_t v)
{
    memset(a, 0, n * sizeof a[0]);
    a[0] = v;
}

static int is_word(const uint64_t *a, size_t n, uint64_t v)
{
    for (size_t i = 1; i < n; i++)
        if (a[i] != 0)
            return 0;
    return a[0] == v;
}

/* r = a mod m by schoolbook: through avila_mp_reduce on a 2n-limb value. */
static void modmul_school(const struct avila_mp_mont *c, uint64_t *r, const uint64_t *a,
                          const uint64_t *b)
{
    uint64_t p[2 * MAXL];
    avila_mp_mul(p, a, c->n, b, c->n);
    assert_int_equal(avila_mp_reduce(c, r, p, 2 * c->n), 0);
}

/* ------------------------------------------------------------------ known answers */

/* 2^p - 1 for the Mersenne exponents p: prime, so a^(m - 1) = 1 and a a^(m - 2) = 1. */
static void test_fermat_mersenne(void **state)
{
    (void)state;
    static const unsigned exps[] = {61, 89, 127, 521, 607, 1279, 2203, 2281, 3217};
    uint64_t st = 1;
    for (size_t k = 0; k < AVILA_ARRAY_LEN(exps); k++) {
        unsigned p = exps[k];
        size_t n = AVILA_MP_LIMBS(p);
        uint64_t m[MAXL] = {0}, e[MAXL], a[MAXL], r[MAXL], inv[MAXL], one[MAXL];
        for (unsigned i = 0; i < p; i++)
            m[i / 64] |= UINT64_C(1) << (i % 64);
        struct avila_mp_mont c;
        assert_int_equal(avila_mp_mont_init(&c, m, n), 0);
        set_word(one, n, 1);
        avila_mp_sub(e, m, one, n);
        for (int t = 0; t < 3; t++) {
            rand_limbs(&st, a, n);
            a[n - 1] &= m[n - 1] >> 1;
            if (t == 0)
                set_word(a, n, 3);
            assert_int_equal(avila_mp_modexp(&c, r, a, e, n, work, AVILA_ARRAY_LEN(work)), 0);
            assert_true(is_word(r, n, 1));
            assert_int_equal(avila_mp_modexp_vartime(&c, r, a, e, n), 0);
            assert_true(is_word(r, n, 1));
            assert_int_equal(avila_mp_modinv_prime(&c, inv, a, work, AVILA_ARRAY_LEN(work)), 0);
            modmul_school(&c, r, inv, a);
            assert_true(is_word(r, n, 1));
            if (n <= 20) {
                assert_int_equal(avila_mp_modinv(&c, r, a), 0);
                assert_memory_equal(r, inv, n * sizeof r[0]);
            }
        }
    }
}

/* 2^64 - 59, the largest 64-bit prime: 2^64 mod m = 59, and 2^(m-1) = 1. */
static void test_one_limb_prime(void **state)
{
    (void)state;
    uint64_t m = UINT64_C(0xffffffffffffffc5), r, two = 2, e = m - 1;
    struct avila_mp_mont c;
    assert_int_equal(avila_mp_mont_init(&c, &m, 1), 0);
    uint64_t one = 1;
    avila_mp_to_mont(&c, &r, &one);
    assert_true(r == 59); /* R mod m */
    assert_int_equal(avila_mp_modexp(&c, &r, &two, &e, 1, work, AVILA_ARRAY_LEN(work)), 0);
    assert_true(r == 1);
    assert_true(avila_mp_mod_word(&e, 1, 7) == (m - 1) % 7);
}

/* ------------------------------------------------------------------ edges and rejects */

static void test_rejects(void **state)
{
    (void)state;
    struct avila_mp_mont c;
    uint64_t m[MAXL + 1] = {0}, r[MAXL], a[MAXL] = {0};
    assert_int_equal(avila_mp_mont_init(&c, m, 4), AVILA_EINVAL); /* zero */
    m[0] = 10;
    assert_int_equal(avila_mp_mont_init(&c, m, 4), AVILA_EINVAL); /* even */
    m[0] = 11;
    assert_int_equal(avila_mp_mont_init(&c, m, 0), AVILA_EINVAL);
    assert_int_equal(avila_mp_mont_init(&c, m, MAXL + 1), AVILA_EINVAL);
    assert_int_equal(avila_mp_mont_init(&c, m, 1), 0);
    /* gcd(22, 11) = 11: no inverse, and r is zeroed. */
    a[0] = 22;
    r[0] = 5;
    assert_int_equal(avila_mp_modinv(&c, r, a), AVILA_EINVAL);
    assert_true(r[0] == 0);
    a[0] = 0;
    assert_int_equal(avila_mp_modinv_prime(&c, r, a, work, AVILA_ARRAY_LEN(work)), AVILA_EINVAL);
    assert_int_equal(avila_mp_modexp(&c, r, a, a, 1, work, 33), AVILA_EINVAL);
    assert_int_equal(avila_mp_modexp(&c, r, a, a, 0, work, AVILA_ARRAY_LEN(work)), AVILA_EINVAL);
    assert_int_equal(avila_mp_modexp_vartime(&c, r, a, a, 0), AVILA_EINVAL);
    assert_int_equal(avila_mp_reduce(&c, r, a, 3), AVILA_EINVAL);
    /* The RSA exponent: e even or too small, gcd(e, lambda) != 1. */
    uint64_t lam[2] = {60, 0}, d[2];
    assert_int_equal(avila_mp_rsa_private_exponent(d, lam, 2, 4), AVILA_EINVAL);
    assert_int_equal(avila_mp_rsa_private_exponent(d, lam, 2, 1), AVILA_EINVAL);
    assert_int_equal(avila_mp_rsa_private_exponent(d, lam, 0, 7), AVILA_EINVAL);
    assert_int_equal(avila_mp_rsa_private_exponent(d, lam, 2, 5), AVILA_EINVAL);
    assert_true(d[0] == 0 && d[1] == 0);
    assert_int_equal(avila_mp_rsa_private_exponent(d, lam, 2, 7), 0);
    assert_true(d[0] == 43 && d[1] == 0); /* 7 * 43 = 301 = 5 * 60 + 1 */
}

static void test_bytes(void **state)
{
    (void)state;
    uint8_t in[24], out[24];
    uint64_t a[3];
    for (int i = 0; i < 24; i++)
        in[i] = (uint8_t)(i + 1);
    assert_int_equal(avila_mp_from_bytes(a, 3, in, 24), 0);
    assert_true(a[2] == UINT64_C(0x0102030405060708) && a[0] == UINT64_C(0x1112131415161718));
    assert_int_equal(avila_mp_to_bytes(out, 24, a, 3), 0);
    assert_memory_equal(in, out, 24);
    /* Too long for two limbs, fine once the excess is zero. */
    assert_int_equal(avila_mp_from_bytes(a, 2, in, 24), AVILA_ERANGE);
    memset(in, 0, 8);
    assert_int_equal(avila_mp_from_bytes(a, 2, in, 24), 0);
    assert_int_equal(avila_mp_from_bytes(a, 3, in, 0), 0);
    assert_true(a[0] == 0 && a[1] == 0 && a[2] == 0);
    /* Shorter output: leading zeros pad, a value too big zeroes the output. */
    a[0] = 0x1234;
    assert_int_equal(avila_mp_to_bytes(out, 2, a, 3), 0);
    assert_true(out[0] == 0x12 && out[1] == 0x34);
    assert_int_equal(avila_mp_to_bytes(out, 1, a, 3), AVILA_ERANGE);
    assert_true(out[0] == 0);
    assert_int_equal(avila_mp_to_bytes(out, 0, a, 3), AVILA_ERANGE);
}

static void test_basics(void **state)
{
    (void)state;
    uint64_t a[4] = {~(uint64_t)0, ~(uint64_t)0, 0, 0}, b[4] = {1, 0, 0, 0}, r[4];
    assert_true(avila_mp_add(r, a, b, 2) == 1 && r[0] == 0 && r[1] == 0);
    assert_true(avila_mp_sub(r, b, a, 2) == 1 && r[0] == 2 && r[1] == 0);
    assert_int_equal(avila_mp_cmp(a, b, 4), 1);
    assert_int_equal(avila_mp_cmp(b, a, 4), -1);
    assert_int_equal(avila_mp_cmp(a, a, 4), 0);
    assert_true(avila_mp_lt_mask(b, a, 4) == ~(uint64_t)0 && avila_mp_lt_mask(a, b, 4) == 0);
    assert_true(avila_mp_zero_mask(a + 2, 2) == ~(uint64_t)0 && avila_mp_zero_mask(a, 4) == 0);
    assert_int_equal(avila_mp_bitlen(a, 4), 128);
    assert_int_equal(avila_mp_bitlen(b, 4), 1);
    assert_int_equal(avila_mp_bitlen(a + 2, 2), 0);
    avila_mp_select(r, 0, a, b, 4);
    assert_memory_equal(r, b, sizeof b);
    avila_mp_cswap(~(uint64_t)0, r, a, 4);
    assert_true(r[0] == ~(uint64_t)0 && a[0] == 1);
    /* Shifts by public amounts, across limbs, past the end, in place. */
    uint64_t st = 7, x[5], y[5], z[5];
    for (size_t s = 0; s <= 5 * 64 + 3; s += 1 + s % 13) {
        rand_limbs(&st, x, 5);
        avila_mp_shr(y, x, 5, s);
        avila_mp_shl(z, y, 5, s);
        avila_mp_shr(z, z, 5, s);
        assert_memory_equal(y, z, sizeof y);
        size_t bx = avila_mp_bitlen(x, 5);
        assert_int_equal(avila_mp_bitlen(y, 5), bx > s ? bx - s : 0);
    }
}

/* mod_word against the Montgomery reduction of the same number by the same odd word. */
static void test_mod_word(void **state)
{
    (void)state;
    uint64_t st = 3, a[MAXL], r;
    const uint64_t ds[] = {
        3, 7, 65537, UINT64_C(0xffffffffffffffc5), UINT64_C(0x8000000000000001), 12345678901};
    for (size_t k = 0; k < AVILA_ARRAY_LEN(ds); k++) {
        struct avila_mp_mont c;
        assert_int_equal(avila_mp_mont_init(&c, &ds[k], 1), 0);
        for (size_t t = 0; t < 200; t++) {
            size_t n = 1 + t % 2;
            rand_value(&st, a, n);
            assert_int_equal(avila_mp_reduce(&c, &r, a, n), 0);
            assert_true(avila_mp_mod_word(a, n, ds[k]) == r);
        }
    }
    a[0] = 100;
    assert_true(avila_mp_mod_word(a, 1, 0) == 0);
    assert_true(avila_mp_mod_word(a, 1, 8) == 4);
    assert_true(avila_mp_mod_word(a, 1, 1) == 0);
}

/* Moduli 1, 3, 2^k - 1, 2^k + 1, with values 0, 1, m - 1. */
static void test_edge_moduli_once(void)
{
    for (size_t k = 0; k < AVILA_ARRAY_LEN(sizes); k++) {
        size_t n = sizes[k];
        for (int kind = 0; kind < 5; kind++) {
            uint64_t m[MAXL], a[MAXL], r[MAXL], s[MAXL], one[MAXL], e[MAXL];
            struct avila_mp_mont c;
            set_word(m, n, kind == 0 ? 1 : 3);
            if (kind == 2)
                memset(m, 0xff, n * sizeof m[0]);
            if (kind == 3)
                m[n - 1] |= UINT64_C(1) << 63; /* 2^(64n - 1) + 3 */
            if (kind == 4)
                m[n - 1] = 1, m[0] = 0xffffffffffffffff; /* a small top limb */
            if (kind == 4 && n == 1)
                m[0] = 0xfffffffffffffff1;
            assert_int_equal(avila_mp_mont_init(&c, m, n), 0);
            set_word(one, n, 1);
            for (int v = 0; v < 3; v++) {
                if (v == 0)
                    set_word(a, n, 0);
                else if (v == 1)
                    set_word(a, n, 1);
                else
                    avila_mp_sub(a, m, one, n);
                /* (m - 1)^2 = 1, 0^2 = 0, 1^2 = 1 (all mod m; everything is 0 mod 1). */
                avila_mp_to_mont(&c, r, a);
                avila_mp_montsqr(&c, r, r);
                avila_mp_from_mont(&c, r, r);
                uint64_t want = kind == 0 ? 0 : v == 0 ? 0 : 1;
                assert_true(is_word(r, n, want));
                modmul_school(&c, s, a, a);
                assert_memory_equal(r, s, n * sizeof r[0]);
                set_word(e, n, 2);
                assert_int_equal(avila_mp_modexp(&c, s, a, e, n, work, AVILA_ARRAY_LEN(work)), 0);
                assert_memory_equal(r, s, n * sizeof r[0]);
            }
        }
    }
}

/* ------------------------------------------------------------------ random properties */

static void test_montmul_school_once(void)
{
    uint64_t st = 11;
    for (size_t k = 0; k < AVILA_ARRAY_LEN(sizes); k++) {
        size_t n = sizes[k];
        uint64_t m[MAXL], a[MAXL], b[MAXL], am[MAXL], bm[MAXL], r[MAXL], s[MAXL];
        struct avila_mp_mont c;
        for (int t = 0; t < 40; t++) {
            if (t % 10 == 0) {
                rand_modulus(&st, m, n);
                if (t == 10 && n > 1)
                    m[n - 1] = 1; /* a small top limb */
                assert_int_equal(avila_mp_mont_init(&c, m, n), 0);
            }
            rand_value(&st, a, n);
            rand_value(&st, b, n);
            avila_mp_to_mont(&c, am, a);
            avila_mp_to_mont(&c, bm, b);
            avila_mp_montmul(&c, r, am, bm);
            avila_mp_from_mont(&c, r, r);
            modmul_school(&c, s, a, b);
            assert_memory_equal(r, s, n * sizeof r[0]);
            /* montsqr = montmul(a, a), and both are below m. */
            avila_mp_montsqr(&c, r, am);
            avila_mp_montmul(&c, s, am, am);
            assert_memory_equal(r, s, n * sizeof r[0]);
            assert_true(avila_mp_lt_mask(r, m, n) != 0);
            /* modadd / modsub inverse each other. */
            avila_mp_modadd(&c, r, am, bm);
            avila_mp_modsub(&c, r, r, bm);
            assert_memory_equal(r, am, n * sizeof r[0]);
        }
    }
}

/* The portable and mulx/adx kernels on the same inputs, at every multiple of 4 limbs. */
static void test_kernels_agree(void **state)
{
    (void)state;
    if (!have_adx())
        skip();
#if AVILA_X86_64
    uint64_t st = 5, t[AVILA_MP_SCRATCH_LIMBS];
    for (size_t n = 4; n <= MAXL; n += 4) {
        uint64_t m[MAXL], a[MAXL], b[MAXL], r1[MAXL], r2[MAXL];
        struct avila_mp_mont c;
        for (int t2 = 0; t2 < 30; t2++) {
            if (t2 % 10 == 0) {
                rand_modulus(&st, m, n);
                if (t2 == 10)
                    memset(m, 0xff, n * sizeof m[0]);
                assert_int_equal(avila_mp_mont_init(&c, m, n), 0);
            }
            rand_value(&st, a, n);
            rand_value(&st, b, n);
            avila_mp_reduce(&c, a, a, n);
            if (t2 % 3)
                avila_mp_reduce(&c, b, b, n); /* else b is any n-limb value */
            avila_mp_montmul_portable(&c, r1, a, b, t);
            avila_mp_montmul_adx(&c, r2, a, b, t);
            assert_memory_equal(r1, r2, n * sizeof r1[0]);
            avila_mp_montsqr_portable(&c, r1, a, t);
            avila_mp_montsqr_adx(&c, r2, a, t);
            assert_memory_equal(r1, r2, n * sizeof r1[0]);
        }
    }
#endif
}

/*
 * The AVX-512 IFMA exponentiation (radix 2^52) against the 64-bit limb path
 * at the sizes it serves, on moduli at the edges of its bound 4 m < 2^(52 K)
 * (all ones, 2^(64 n - 1) + 1, a top limb of 1, a one-limb value) and
 * exponents 0, 1, all ones and random, bases 0, 1, m - 1 and beyond m.
 */
static void test_ifma_agrees(void **state)
{
    (void)state;
    if (!avila_mp_ifma_digits(16))
        skip();
    uint64_t st = 23;
    const size_t ns[] = {16, 24, 32};
    for (size_t k = 0; k < AVILA_ARRAY_LEN(ns); k++) {
        size_t n = ns[k], wl = AVILA_ARRAY_LEN(work);
        for (int mk = 0; mk < 6; mk++) {
            uint64_t m[MAXL] = {0}, x[MAXL], e[MAXL], r1[MAXL], r2[MAXL];
            struct avila_mp_mont c;
            rand_modulus(&st, m, n);
            if (mk == 1)
                memset(m, 0xff, n * sizeof m[0]);
            if (mk == 2) {
                memset(m, 0, n * sizeof m[0]);
                m[0] = 1;
                m[n - 1] = (uint64_t)1 << 63;
            }
            if (mk == 3)
                m[n - 1] = 1;
            if (mk == 4) {
                memset(m, 0, n * sizeof m[0]);
                m[0] = unit_rand(&st) | 1;
            }
            assert_int_equal(avila_mp_mont_init(&c, m, n), 0);
            for (int t = 0; t < 8; t++) {
                size_t el = t < 4 ? n : 1 + unit_rand(&st) % n;
                rand_value(&st, x, n);
                rand_value(&st, e, el);
                if (t == 0)
                    memset(e, 0, el * sizeof e[0]);
                if (t == 1) {
                    memset(e, 0, el * sizeof e[0]);
                    e[0] = 1;
                }
                if (t == 2)
                    memset(e, 0xff, el * sizeof e[0]);
                if (t == 3) {
                    memcpy(x, m, n * sizeof m[0]);
                    x[0]--;
                }
                avila_cpu_restrict(AVILA_CPU_ALL);
                assert_int_equal(avila_mp_modexp(&c, r1, x, e, el, work, wl), 0);
                avila_cpu_restrict(AVILA_CPU_ALL & ~(uint32_t)AVILA_CPU_AVX512IFMA);
                assert_int_equal(avila_mp_modexp(&c, r2, x, e, el, work, wl), 0);
                assert_memory_equal(r1, r2, n * sizeof r1[0]);
            }
        }
    }
}

static void test_inverse_once(void)
{
    uint64_t st = 13;
    for (size_t k = 0; k < AVILA_ARRAY_LEN(sizes); k++) {
        size_t n = sizes[k];
        uint64_t m[MAXL], a[MAXL], inv[MAXL], r[MAXL];
        struct avila_mp_mont c;
        rand_modulus(&st, m, n);
        assert_int_equal(avila_mp_mont_init(&c, m, n), 0);
        for (int t = 0; t < (n > 16 ? 3 : 10); t++) {
            rand_value(&st, a, n);
            int rc = avila_mp_modinv(&c, inv, a);
            if (rc == 0) {
                modmul_school(&c, r, inv, a);
                assert_true(is_word(r, n, 1));
            } else {
                /* Refused: then a really shares a factor with m (a a' = 1 is impossible). */
                assert_int_equal(rc, AVILA_EINVAL);
                assert_true(avila_mp_zero_mask(inv, n) != 0);
            }
        }
        /* A shared factor of 3: m = 3 m', a = 3. */
        uint64_t three[MAXL], p[MAXL + 1];
        set_word(three, n, 3);
        rand_modulus(&st, m, n);
        m[n - 1] >>= 2;
        m[0] |= 1;
        avila_mp_mul(p, m, n, three, 1);
        assert_int_equal(avila_mp_mont_init(&c, p, n), 0);
        assert_int_equal(avila_mp_modinv(&c, inv, three), AVILA_EINVAL);
    }
}

static void test_exp_laws_once(void)
{
    uint64_t st = 17;
    for (size_t k = 0; k < AVILA_ARRAY_LEN(sizes); k++) {
        size_t n = sizes[k];
        uint64_t m[MAXL], x[MAXL], ea[MAXL], eb[MAXL], es[MAXL], ra[MAXL], rb[MAXL], rs[MAXL];
        struct avila_mp_mont c;
        rand_modulus(&st, m, n);
        assert_int_equal(avila_mp_mont_init(&c, m, n), 0);
        for (int t = 0; t < (n > 16 ? 2 : 6); t++) {
            size_t el = 1 + unit_rand(&st) % n;
            rand_value(&st, x, n);
            rand_value(&st, ea, el);
            rand_value(&st, eb, el);
            ea[el - 1] >>= 1;
            eb[el - 1] >>= 1;
            avila_mp_add(es, ea, eb, el);
            size_t wl = AVILA_ARRAY_LEN(work);
            assert_int_equal(avila_mp_modexp(&c, ra, x, ea, el, work, wl), 0);
            assert_int_equal(avila_mp_modexp(&c, rb, x, eb, el, work, wl), 0);
            assert_int_equal(avila_mp_modexp(&c, rs, x, es, el, work, wl), 0);
            modmul_school(&c, ra, ra, rb);
            assert_memory_equal(ra, rs, n * sizeof ra[0]);
            assert_int_equal(avila_mp_modexp_vartime(&c, rb, x, es, el), 0);
            assert_memory_equal(rb, rs, n * sizeof rb[0]);
            /* In place: r aliasing the base, then the exponent. */
            memcpy(rb, x, n * sizeof x[0]);
            assert_int_equal(avila_mp_modexp(&c, rb, rb, es, el, work, wl), 0);
            assert_memory_equal(rb, rs, n * sizeof rb[0]);
        }
    }
}

/* c^d mod pq directly and through the CRT halves mod p and mod q. */
static void test_crt_once(void)
{
    uint64_t st = 19;
    const size_t halves[] = {1, 2, 4, 8, 16, 32};
    for (size_t k = 0; k < AVILA_ARRAY_LEN(halves); k++) {
        size_t h = halves[k], n = 2 * h;
        uint64_t p[MAXL], q[MAXL], pq[MAXL], cc[MAXL], d[MAXL], want[MAXL], mp[MAXL], mq[MAXL],
            qinv[MAXL], t[MAXL], got[MAXL] = {0}, qq[MAXL];
        struct avila_mp_mont cp, cq, cn;
        do {
            rand_modulus(&st, p, h);
            rand_modulus(&st, q, h);
            assert_int_equal(avila_mp_mont_init(&cp, p, h), 0);
            assert_int_equal(avila_mp_mont_init(&cq, q, h), 0);
            assert_int_equal(avila_mp_reduce(&cp, t, q, h), 0);
        } while (avila_mp_modinv(&cp, qinv, t) != 0);
        avila_mp_mul(pq, p, h, q, h);
        assert_int_equal(avila_mp_mont_init(&cn, pq, n), 0);
        rand_limbs(&st, cc, n);
        rand_limbs(&st, d, n);
        avila_mp_reduce(&cn, cc, cc, n);
        size_t wl = AVILA_ARRAY_LEN(work);
        assert_int_equal(avila_mp_modexp(&cn, want, cc, d, n, work, wl), 0);
        /* m_p = c^d mod p (c and d reduced mod p only through the wide reduction of c). */
        assert_int_equal(avila_mp_reduce(&cp, t, cc, n), 0);
        assert_int_equal(avila_mp_modexp(&cp, mp, t, d, n, work, wl), 0);
        assert_int_equal(avila_mp_reduce(&cq, t, cc, n), 0);
        assert_int_equal(avila_mp_modexp(&cq, mq, t, d, n, work, wl), 0);
        /* result = m_q + q ((m_p - m_q) qinv mod p) */
        assert_int_equal(avila_mp_reduce(&cp, t, mq, h), 0);
        avila_mp_modsub(&cp, t, mp, t);
        modmul_school(&cp, t, t, qinv);
        avila_mp_mul(qq, t, h, q, h);
        memcpy(got, mq, h * sizeof mq[0]);
        avila_mp_add(got, got, qq, n);
        assert_memory_equal(got, want, n * sizeof got[0]);
    }
}

/* e d = 1 mod lambda, checked as e d = 1 mod lambda / 2 (odd, by Montgomery) and d odd. */
static void test_rsa_exponent_once(void)
{
    uint64_t st = 23;
    /* Prime exponents: gcd(e, lambda) != 1 exactly when e divides lambda. */
    const uint64_t es[] = {3, 17, 65537, UINT64_C(0xffffffffffffffc5)};
    for (size_t k = 0; k < AVILA_ARRAY_LEN(sizes); k++) {
        size_t n = sizes[k];
        if (n > 32)
            continue;
        for (size_t j = 0; j < AVILA_ARRAY_LEN(es); j++) {
            uint64_t half[MAXL], lam[MAXL], d[MAXL], ed[MAXL + 1], r[MAXL], one[MAXL];
            struct avila_mp_mont c;
            rand_modulus(&st, half, n);
            half[n - 1] >>= 1;
            avila_mp_shl(lam, half, n, 1);
            int rc = avila_mp_rsa_private_exponent(d, lam, n, es[j]);
            if (rc != 0) {
                assert_int_equal(rc, AVILA_EINVAL);
                assert_true(avila_mp_mod_word(lam, n, es[j]) == 0);
                continue;
            }
            assert_true(d[0] & 1);
            assert_true(avila_mp_lt_mask(d, lam, n) != 0);
            avila_mp_mul(ed, d, n, &es[j], 1);
            assert_int_equal(avila_mp_mont_init(&c, half, n), 0);
            assert_int_equal(avila_mp_reduce(&c, r, ed, n + 1), 0);
            set_word(one, n, 1);
            assert_memory_equal(r, one, n * sizeof r[0]);
        }
    }
}

static void test_edge_moduli(void **state)
{
    (void)state;
    both_paths(test_edge_moduli_once);
}

static void test_montmul_school(void **state)
{
    (void)state;
    both_paths(test_montmul_school_once);
}

static void test_inverse(void **state)
{
    (void)state;
    both_paths(test_inverse_once);
}

static void test_exp_laws(void **state)
{
    (void)state;
    both_paths(test_exp_laws_once);
}

static void test_crt(void **state)
{
    (void)state;
    both_paths(test_crt_once);
}

static void test_rsa_exponent(void **state)
{
    (void)state;
    both_paths(test_rsa_exponent_once);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_fermat_mersenne, allow_all_cpu),
        cmocka_unit_test_teardown(test_one_limb_prime, allow_all_cpu),
        cmocka_unit_test_teardown(test_rejects, allow_all_cpu),
        cmocka_unit_test_teardown(test_bytes, allow_all_cpu),
        cmocka_unit_test_teardown(test_basics, allow_all_cpu),
        cmocka_unit_test_teardown(test_mod_word, allow_all_cpu),
        cmocka_unit_test_teardown(test_edge_moduli, allow_all_cpu),
        cmocka_unit_test_teardown(test_montmul_school, allow_all_cpu),
        cmocka_unit_test_teardown(test_kernels_agree, allow_all_cpu),
        cmocka_unit_test_teardown(test_ifma_agrees, allow_all_cpu),
        cmocka_unit_test_teardown(test_inverse, allow_all_cpu),
        cmocka_unit_test_teardown(test_exp_laws, allow_all_cpu),
        cmocka_unit_test_teardown(test_crt, allow_all_cpu),
        cmocka_unit_test_teardown(test_rsa_exponent, allow_all_cpu),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
