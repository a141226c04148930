/*
 * crypto/p256_fe.c - the out-of-line part of P-256's field and scalar
 * arithmetic (crypto/p256_int.h): byte conversions (big-endian, SEC 1
 * sections 2.3.5-2.3.8), inversion by Fermat's little theorem (mod p by
 * a fixed addition chain, mod n by a fixed-window exponentiation) and the
 * square root for p = 3 mod 4 (a^((p+1)/4)) by the same exponentiation,
 * shared by both moduli. Pure; constant time (the exponents are public
 * constants).
 */
#include "crypto/p256_int.h"

/* R^2 mod p and R^2 mod n, R = 2^256: multiplying by them enters Montgomery form. */
static const avila_p256_fe rr_p = {
    {0x0000000000000003ull, 0xfffffffbffffffffull, 0xfffffffffffffffeull, 0x00000004fffffffdull}};
static const avila_p256_fe rr_n = {
    {0x83244c95be79eea2ull, 0x4699799c49bd6fa6ull, 0x2845b2392b6bec59ull, 0x66e12d94f3d95620ull}};

/* R mod p (1 in Montgomery form) and b R mod p. */
const avila_p256_fe avila_p256_fe_one = {
    {0x0000000000000001ull, 0xffffffff00000000ull, 0xffffffffffffffffull, 0x00000000fffffffeull}};
const avila_p256_fe avila_p256_fe_b = {
    {0xd89cdf6229c4bddfull, 0xacf005cd78843090ull, 0xe5a220abf7212ed6ull, 0xdc30061d04874834ull}};

/* R mod n. */
static const avila_p256_fe sc_one = {
    {0x0c46353d039cdaafull, 0x4319055258e8617bull, 0x0000000000000000ull, 0x00000000ffffffffull}};

/* The public exponents n - 2 and (p + 1) / 4. */
static const uint64_t exp_n_inv[4] = {0xf3b9cac2fc63254full, 0xbce6faada7179e84ull,
                                      0xffffffffffffffffull, 0xffffffff00000000ull};
static const uint64_t exp_sqrt[4] = {0x0000000000000000ull, 0x0000000040000000ull,
                                     0x4000000000000000ull, 0x3fffffffc0000000ull};

typedef void mul_fn(avila_p256_fe *r, const avila_p256_fe *a, const avila_p256_fe *b);
typedef void sqr_fn(avila_p256_fe *r, const avila_p256_fe *a);

static void fe_mul_out(avila_p256_fe *r, const avila_p256_fe *a, const avila_p256_fe *b)
{
    fe_mul(r, a, b);
}

static void fe_sq_out(avila_p256_fe *r, const avila_p256_fe *a)
{
    fe_sq(r, a);
}

static void sc_mul_out(avila_p256_fe *r, const avila_p256_fe *a, const avila_p256_fe *b)
{
    sc_mul(r, a, b);
}

static void sc_sq_out(avila_p256_fe *r, const avila_p256_fe *a)
{
    sc_sq(r, a);
}

/*
 * r = a^e (Montgomery form in and out; one = R mod m) with fixed 4-bit
 * windows. e is public: the table index and the skipped multiplications
 * depend on e only, never on a.
 */
static void mod_pow(avila_p256_fe *r, const avila_p256_fe *a, const uint64_t e[4],
                    const avila_p256_fe *one, mul_fn *mul, sqr_fn *sqr)
{
    avila_p256_fe tab[16], acc;
    tab[0] = *one;
    tab[1] = *a;
    for (int i = 2; i < 16; i++)
        mul(&tab[i], &tab[i - 1], a);
    acc = *one;
    for (int nib = 63; nib >= 0; nib--) {
        for (int s = 0; s < 4; s++)
            sqr(&acc, &acc);
        unsigned d = (unsigned)(e[nib / 16] >> (4 * (nib % 16))) & 15;
        if (d != 0)
            mul(&acc, &acc, &tab[d]);
    }
    *r = acc;
    avila_wipe(tab, sizeof tab);
    avila_wipe(&acc, sizeof acc);
}

static void load_be(uint64_t w[4], const uint8_t s[32])
{
    for (size_t i = 0; i < 4; i++)
        w[i] = avila_load_be64(s + 8 * (3 - i));
}

static void store_be(uint8_t s[32], const uint64_t w[4])
{
    for (size_t i = 0; i < 4; i++)
        avila_store_be64(s + 8 * (3 - i), w[i]);
}

/* 1 if the plain words w are below m, else 0 (constant time). */
static uint32_t below(const uint64_t w[4], const uint64_t m[4])
{
    uint64_t borrow = 0;
    for (int i = 0; i < 4; i++) {
        p256_u128 x = (p256_u128)w[i] - m[i] - borrow;
        borrow = (uint64_t)(x >> 64) & 1;
    }
    return (uint32_t)borrow;
}

uint32_t avila_p256_fe_frombytes(avila_p256_fe *r, const uint8_t s[32])
{
    static const uint64_t p[4] = {P256_P0, P256_P1, P256_P2, P256_P3};
    uint64_t w[4];
    load_be(w, s);
    uint32_t ok = below(w, p);
    mod_final_sub(w, w[0], w[1], w[2], w[3], 0, P256_P_ARGS); /* s < 2^256 < 2p */
    mod_mul(r->v, w, rr_p.v, P256_P_ARGS, P256_P_M0INV);
    return ok;
}

void avila_p256_fe_tobytes(uint8_t s[32], const avila_p256_fe *a)
{
    static const uint64_t one[4] = {1, 0, 0, 0};
    uint64_t w[4];
    mod_mul(w, a->v, one, P256_P_ARGS, P256_P_M0INV);
    store_be(s, w);
}

uint32_t avila_p256_fe_parity(const avila_p256_fe *a)
{
    static const uint64_t one[4] = {1, 0, 0, 0};
    uint64_t w[4];
    mod_mul(w, a->v, one, P256_P_ARGS, P256_P_M0INV);
    return (uint32_t)(w[0] & 1);
}

/* r = f^(2^n) (n >= 1 squarings). */
static void fe_sqn(avila_p256_fe *r, const avila_p256_fe *f, int n)
{
    fe_sq(r, f);
    for (int i = 1; i < n; i++)
        fe_sq(r, r);
}

/*
 * a^(p-2) by a fixed addition chain (255 squarings, 12 multiplications):
 * p - 2 = 2^256 - 2^224 + 2^192 + 2^96 - 3 is, from the top, 32 ones,
 * 31 zeros, a one, 96 zeros, 94 ones, a zero and a one. xN = a^(2^N - 1).
 */
void avila_p256_fe_invert(avila_p256_fe *r, const avila_p256_fe *a)
{
    avila_p256_fe x2, x3, x6, x12, x15, x30, x32, t;
    fe_sq(&t, a);
    fe_mul(&x2, &t, a);
    fe_sq(&t, &x2);
    fe_mul(&x3, &t, a);
    fe_sqn(&t, &x3, 3);
    fe_mul(&x6, &t, &x3);
    fe_sqn(&t, &x6, 6);
    fe_mul(&x12, &t, &x6);
    fe_sqn(&t, &x12, 3);
    fe_mul(&x15, &t, &x3);
    fe_sqn(&t, &x15, 15);
    fe_mul(&x30, &t, &x15);
    fe_sqn(&t, &x30, 2);
    fe_mul(&x32, &t, &x2);
    fe_sqn(&t, &x32, 32); /* 32 ones, then 31 zeros and a one */
    fe_mul(&t, &t, a);
    fe_sqn(&t, &t, 96); /* 96 zeros */
    fe_sqn(&t, &t, 32);
    fe_mul(&t, &t, &x32);
    fe_sqn(&t, &t, 32);
    fe_mul(&t, &t, &x32);
    fe_sqn(&t, &t, 30);
    fe_mul(&t, &t, &x30); /* 94 ones */
    fe_sqn(&t, &t, 2);
    fe_mul(r, &t, a); /* 0, 1 */
    avila_wipe(&x2, sizeof x2);
    avila_wipe(&x3, sizeof x3);
    avila_wipe(&x6, sizeof x6);
    avila_wipe(&x12, sizeof x12);
    avila_wipe(&x15, sizeof x15);
    avila_wipe(&x30, sizeof x30);
    avila_wipe(&x32, sizeof x32);
    avila_wipe(&t, sizeof t);
}

uint32_t avila_p256_fe_sqrt(avila_p256_fe *r, const avila_p256_fe *a)
{
    avila_p256_fe s, check;
    mod_pow(&s, a, exp_sqrt, &avila_p256_fe_one, fe_mul_out, fe_sq_out);
    fe_sq(&check, &s);
    *r = s;
    return fe_equal(&check, a);
}

uint32_t avila_p256_sc_frombytes(avila_p256_fe *r, const uint8_t s[32])
{
    static const uint64_t n[4] = {P256_N0, P256_N1, P256_N2, P256_N3};
    uint64_t w[4];
    load_be(w, s);
    uint32_t ok = below(w, n);
    uint64_t any = w[0] | w[1] | w[2] | w[3];
    ok &= (uint32_t)((any | (0 - any)) >> 63);
    mod_final_sub(w, w[0], w[1], w[2], w[3], 0, P256_N_ARGS); /* s < 2^256 < 2n */
    mod_mul(r->v, w, rr_n.v, P256_N_ARGS, P256_N_M0INV);
    avila_wipe(w, sizeof w);
    return ok;
}

void avila_p256_sc_towords(uint64_t w[4], const avila_p256_fe *a)
{
    static const uint64_t one[4] = {1, 0, 0, 0};
    mod_mul(w, a->v, one, P256_N_ARGS, P256_N_M0INV);
}

void avila_p256_sc_tobytes(uint8_t s[32], const avila_p256_fe *a)
{
    uint64_t w[4];
    avila_p256_sc_towords(w, a);
    store_be(s, w);
    avila_wipe(w, sizeof w);
}

void avila_p256_sc_invert(avila_p256_fe *r, const avila_p256_fe *a)
{
    mod_pow(r, a, exp_n_inv, &sc_one, sc_mul_out, sc_sq_out);
}
