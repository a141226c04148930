/*
 * crypto/x25519.c - X25519 (RFC 7748 sections 5 and 6.1): scalar clamping,
 * the Montgomery ladder with constant-time swaps over radix-2^51 limbs, the
 * run-time choice of the mulx/adx ladder (crypto/fe25519_adx.c), and the
 * fixed-base function through the edwards25519 table: u = (1 + y)/(1 - y)
 * (RFC 7748 section 4.1). Pure; constant time.
 */
#include "crypto/x25519.h"

#include "core/cpu.h"
#include "core/error.h"
#include "crypto/fe25519_int.h"
#include "crypto/ge25519_int.h"

/* (A - 2) / 4 for Curve25519's A = 486662 (RFC 7748 section 5). */
#define A24 121665

static void clamp(uint8_t k[32], const uint8_t scalar[32])
{
    memcpy(k, scalar, 32);
    k[0] &= 248;
    k[31] &= 127;
    k[31] |= 64;
}

/*
 * RFC 7748 section 5's ladder: (x2 : z2) walks k u and (x3 : z3) walks
 * (k + 1) u; one differential addition and one doubling per bit, with the
 * swap deferred so each bit costs one conditional swap.
 */
static void ladder_portable(avila_fe25519 *x2, avila_fe25519 *z2, const uint8_t k[32],
                            const uint8_t u[32])
{
    avila_fe25519 x1, x3, z3, a, b, c, d;
    uint32_t swap = 0;
    fe_frombytes(&x1, u);
    fe_1(x2);
    fe_0(z2);
    x3 = x1;
    fe_1(&z3);
    for (int t = 254; t >= 0; t--) {
        uint32_t bit = (uint32_t)(k[t / 8] >> (t % 8)) & 1;
        swap ^= bit;
        fe_cswap(x2, &x3, swap);
        fe_cswap(z2, &z3, swap);
        swap = bit;
        fe_add(&a, x2, z2);
        fe_sub(&b, x2, z2);
        fe_add(&c, &x3, &z3);
        fe_sub(&d, &x3, &z3);
        fe_mul(&d, &d, &a); /* DA */
        fe_mul(&c, &c, &b); /* CB */
        fe_sq(&a, &a);      /* AA */
        fe_sq(&b, &b);      /* BB */
        fe_add(&x3, &d, &c);
        fe_sq(&x3, &x3);
        fe_sub(&z3, &d, &c);
        fe_sq(&z3, &z3);
        fe_mul(&z3, &z3, &x1);
        fe_mul(x2, &a, &b);
        fe_sub(&d, &a, &b); /* E */
        fe_mul_small(&c, &d, A24);
        fe_add(&c, &c, &a);
        fe_mul(z2, &c, &d);
    }
    fe_cswap(x2, &x3, swap);
    fe_cswap(z2, &z3, swap);
    avila_wipe(&x1, sizeof x1);
    avila_wipe(&x3, sizeof x3);
    avila_wipe(&z3, sizeof z3);
    avila_wipe(&a, sizeof a);
    avila_wipe(&b, sizeof b);
    avila_wipe(&c, sizeof c);
    avila_wipe(&d, sizeof d);
}

static int use_adx(void)
{
#if AVILA_X86_64
    const uint32_t need = AVILA_CPU_BMI2 | AVILA_CPU_ADX;
    return (avila_cpu_features() & need) == need;
#else
    return 0;
#endif
}

const char *avila_x25519_impl(void)
{
    return use_adx() ? "adx" : "portable";
}

/* out = x2 / z2, and the AVILA_EAUTH verdict for an all-zero out, without branches. */
static int finish(uint8_t out[32], avila_fe25519 *x2, avila_fe25519 *z2)
{
    avila_fe25519 zi;
    avila_fe25519_invert(&zi, z2);
    fe_mul(x2, x2, &zi);
    avila_fe25519_tobytes(out, x2);
    avila_wipe(&zi, sizeof zi);
    avila_wipe(x2, sizeof *x2);
    avila_wipe(z2, sizeof *z2);
    uint32_t zero = avila_ct_is_zero(out, 32);
    return (int)(avila_ct_mask_u32(zero) & (uint32_t)AVILA_EAUTH);
}

int avila_x25519(uint8_t out[32], const uint8_t scalar[32], const uint8_t point[32])
{
    uint8_t k[32];
    avila_fe25519 x2, z2;
    clamp(k, scalar);
#if AVILA_X86_64
    if (use_adx()) {
        uint8_t xb[32], zb[32];
        avila_fe25519_ladder_adx(xb, zb, k, point);
        fe_frombytes(&x2, xb);
        fe_frombytes(&z2, zb);
        avila_wipe(xb, sizeof xb);
        avila_wipe(zb, sizeof zb);
    } else
#endif
        ladder_portable(&x2, &z2, k, point);
    avila_wipe(k, sizeof k);
    return finish(out, &x2, &z2);
}

void avila_x25519_base(uint8_t pub[32], const uint8_t scalar[32])
{
    uint8_t k[32];
    avila_ge25519_p3 p;
    avila_fe25519 num, den;
    clamp(k, scalar);
    avila_ge25519_scalarmult_base(&p, k);
    /* u = (1 + y) / (1 - y) = (Z + Y) / (Z - Y); Z - Y is never 0 since k B has order L. */
    fe_add(&num, &p.Z, &p.Y);
    fe_sub(&den, &p.Z, &p.Y);
    (void)finish(pub, &num, &den);
    avila_wipe(k, sizeof k);
    avila_wipe(&p, sizeof p);
}
