/*
 * crypto/fe25519_int.h - arithmetic in GF(p), p = 2^255 - 19, the field of
 * Curve25519 and edwards25519 (RFC 7748 section 4.1, RFC 8032 section 5.1).
 * Internal to crypto/ (x25519.c, ge25519.c, ed25519.c and the tests).
 *
 * Portable representation: five unsigned 64-bit limbs in radix 2^51,
 * value = v[0] + v[1] 2^51 + v[2] 2^102 + v[3] 2^153 + v[4] 2^204, products
 * in unsigned __int128. Elements are not kept reduced; two bounds matter:
 *   tight - every limb < 2^51 + 2^18: what fe_mul, fe_sq, fe_mul_small,
 *           fe_carry and fe_frombytes return;
 *   loose - every limb < 2^54: what fe_mul, fe_sq and fe_mul_small accept.
 * fe_add of two tight elements and fe_sub/fe_neg with a tight subtrahend
 * and a minuend below 2^53 per limb give loose results. The header comment
 * of each operation states what it needs; callers in ge25519.c and x25519.c
 * respect these bounds (the tests check the formulas on random inputs).
 *
 * Every operation here runs in time independent of the values (no
 * value-dependent branch or index): all of them may take secrets.
 *
 * Compilers without unsigned __int128 (32-bit targets) are not supported
 * yet: a radix-2^25.5 path would slot in behind this same interface.
 *
 * The mulx/adx variant (4 x 64-bit limbs) used by the X25519 ladder is
 * declared at the end; it lives in fe25519_adx.c.
 */
#ifndef AVILA_CRYPTO_FE25519_INT_H
#define AVILA_CRYPTO_FE25519_INT_H

#include "core/ct.h"
#include "core/endian.h"
#include "core/platform.h"

/* (x86-64 compilers all have it; the second test only helps analysers that miss the macro.) */
#if !defined(__SIZEOF_INT128__) && !defined(__x86_64__)
#error "crypto/fe25519: this compiler has no unsigned __int128 (no 32-bit limb path yet)"
#endif

typedef unsigned __int128 fe_u128;

/* An element of GF(2^255 - 19) in radix 2^51. */
typedef struct {
    uint64_t v[5];
} avila_fe25519;

#define FE_MASK51 ((UINT64_C(1) << 51) - 1)

static inline void fe_0(avila_fe25519 *h)
{
    for (int i = 0; i < 5; i++)
        h->v[i] = 0;
}

static inline void fe_1(avila_fe25519 *h)
{
    fe_0(h);
    h->v[0] = 1;
}

/* h = f + g; no carry: limbs grow by the other's. */
static inline void fe_add(avila_fe25519 *h, const avila_fe25519 *f, const avila_fe25519 *g)
{
    for (int i = 0; i < 5; i++)
        h->v[i] = f->v[i] + g->v[i];
}

/* h = f - g, computed as f + 2p - g: g MUST be tight; h's limbs are below f's + 2^52. */
static inline void fe_sub(avila_fe25519 *h, const avila_fe25519 *f, const avila_fe25519 *g)
{
    h->v[0] = f->v[0] + UINT64_C(0xfffffffffffda) - g->v[0];
    for (int i = 1; i < 5; i++)
        h->v[i] = f->v[i] + UINT64_C(0xffffffffffffe) - g->v[i];
}

/* h = -f (f MUST be tight); h's limbs are below 2^52. */
static inline void fe_neg(avila_fe25519 *h, const avila_fe25519 *f)
{
    avila_fe25519 zero;
    fe_0(&zero);
    fe_sub(h, &zero, f);
}

/*
 * Carries the five 128-bit column sums of a product into a tight element.
 * Each r[i] MUST be below 2^115 (true for loose operands: at most
 * 77 * 2^108), so the carry out of the top limb fits in 64 bits.
 */
static inline void fe_carry_wide(avila_fe25519 *h, fe_u128 r0, fe_u128 r1, fe_u128 r2, fe_u128 r3,
                                 fe_u128 r4)
{
    r1 += (uint64_t)(r0 >> 51);
    r2 += (uint64_t)(r1 >> 51);
    r3 += (uint64_t)(r2 >> 51);
    r4 += (uint64_t)(r3 >> 51);
    /* 2^255 = 19 (mod p): the top carry re-enters at the bottom, times 19. */
    fe_u128 t = (fe_u128)(uint64_t)(r4 >> 51) * 19 + ((uint64_t)r0 & FE_MASK51);
    h->v[0] = (uint64_t)t & FE_MASK51;
    h->v[1] = ((uint64_t)r1 & FE_MASK51) + (uint64_t)(t >> 51);
    h->v[2] = (uint64_t)r2 & FE_MASK51;
    h->v[3] = (uint64_t)r3 & FE_MASK51;
    h->v[4] = (uint64_t)r4 & FE_MASK51;
}

/* h = f * g; f and g loose (h may alias either); h tight. */
static inline void fe_mul(avila_fe25519 *h, const avila_fe25519 *f, const avila_fe25519 *g)
{
    const uint64_t f0 = f->v[0], f1 = f->v[1], f2 = f->v[2], f3 = f->v[3], f4 = f->v[4];
    const uint64_t g0 = g->v[0], g1 = g->v[1], g2 = g->v[2], g3 = g->v[3], g4 = g->v[4];
    /* Limbs that wrap past 2^255 come back multiplied by 19. */
    const uint64_t g1_19 = 19 * g1, g2_19 = 19 * g2, g3_19 = 19 * g3, g4_19 = 19 * g4;
    fe_u128 r0 = (fe_u128)f0 * g0 + (fe_u128)f1 * g4_19 + (fe_u128)f2 * g3_19 +
                 (fe_u128)f3 * g2_19 + (fe_u128)f4 * g1_19;
    fe_u128 r1 = (fe_u128)f0 * g1 + (fe_u128)f1 * g0 + (fe_u128)f2 * g4_19 + (fe_u128)f3 * g3_19 +
                 (fe_u128)f4 * g2_19;
    fe_u128 r2 = (fe_u128)f0 * g2 + (fe_u128)f1 * g1 + (fe_u128)f2 * g0 + (fe_u128)f3 * g4_19 +
                 (fe_u128)f4 * g3_19;
    fe_u128 r3 = (fe_u128)f0 * g3 + (fe_u128)f1 * g2 + (fe_u128)f2 * g1 + (fe_u128)f3 * g0 +
                 (fe_u128)f4 * g4_19;
    fe_u128 r4 = (fe_u128)f0 * g4 + (fe_u128)f1 * g3 + (fe_u128)f2 * g2 + (fe_u128)f3 * g1 +
                 (fe_u128)f4 * g0;
    fe_carry_wide(h, r0, r1, r2, r3, r4);
}

/* h = f^2; f loose (h may alias f); h tight. */
static inline void fe_sq(avila_fe25519 *h, const avila_fe25519 *f)
{
    const uint64_t f0 = f->v[0], f1 = f->v[1], f2 = f->v[2], f3 = f->v[3], f4 = f->v[4];
    const uint64_t f0_2 = 2 * f0, f1_2 = 2 * f1;
    const uint64_t f3_19 = 19 * f3, f3_38 = 38 * f3, f4_19 = 19 * f4, f4_38 = 38 * f4;
    fe_u128 r0 = (fe_u128)f0 * f0 + (fe_u128)f1 * f4_38 + (fe_u128)f2 * f3_38;
    fe_u128 r1 = (fe_u128)f0_2 * f1 + (fe_u128)f2 * f4_38 + (fe_u128)f3 * f3_19;
    fe_u128 r2 = (fe_u128)f0_2 * f2 + (fe_u128)f1 * f1 + (fe_u128)f3 * f4_38;
    fe_u128 r3 = (fe_u128)f0_2 * f3 + (fe_u128)f1_2 * f2 + (fe_u128)f4 * f4_19;
    fe_u128 r4 = (fe_u128)f0_2 * f4 + (fe_u128)f1_2 * f3 + (fe_u128)f2 * f2;
    fe_carry_wide(h, r0, r1, r2, r3, r4);
}

/* h = f^(2^n) (n >= 1 squarings); f loose; h tight. */
static inline void fe_sqn(avila_fe25519 *h, const avila_fe25519 *f, int n)
{
    fe_sq(h, f);
    for (int i = 1; i < n; i++)
        fe_sq(h, h);
}

/* h = f * k for a small constant k < 2^17; f loose; h tight. */
static inline void fe_mul_small(avila_fe25519 *h, const avila_fe25519 *f, uint32_t k)
{
    fe_carry_wide(h, (fe_u128)f->v[0] * k, (fe_u128)f->v[1] * k, (fe_u128)f->v[2] * k,
                  (fe_u128)f->v[3] * k, (fe_u128)f->v[4] * k);
}

/* Makes a loose element tight (same value mod p). */
static inline void fe_carry(avila_fe25519 *h)
{
    fe_carry_wide(h, h->v[0], h->v[1], h->v[2], h->v[3], h->v[4]);
}

/* h = f if bit is 1, unchanged if 0; constant time. */
static inline void fe_cmov(avila_fe25519 *h, const avila_fe25519 *f, uint32_t bit)
{
    uint64_t mask = avila_ct_mask_u64(bit);
    for (int i = 0; i < 5; i++)
        h->v[i] ^= mask & (h->v[i] ^ f->v[i]);
}

/* Swaps f and g if bit is 1; constant time. */
static inline void fe_cswap(avila_fe25519 *f, avila_fe25519 *g, uint32_t bit)
{
    uint64_t mask = avila_ct_mask_u64(bit);
    for (int i = 0; i < 5; i++) {
        uint64_t t = mask & (f->v[i] ^ g->v[i]);
        f->v[i] ^= t;
        g->v[i] ^= t;
    }
}

/*
 * h = the 255 low bits of the 256-bit value w0 + w1 2^64 + w2 2^128 + w3 2^192
 * (bit 255 is ignored), unreduced: values in [p, 2^255) are accepted and act
 * as their residue. h is tight.
 */
static inline void fe_fromwords(avila_fe25519 *h, uint64_t w0, uint64_t w1, uint64_t w2,
                                uint64_t w3)
{
    h->v[0] = w0 & FE_MASK51;
    h->v[1] = (w0 >> 51 | w1 << 13) & FE_MASK51;
    h->v[2] = (w1 >> 38 | w2 << 26) & FE_MASK51;
    h->v[3] = (w2 >> 25 | w3 << 39) & FE_MASK51;
    h->v[4] = (w3 >> 12) & FE_MASK51;
}

/* fe_fromwords of the little-endian bytes s[0..32). */
static inline void fe_frombytes(avila_fe25519 *h, const uint8_t s[32])
{
    fe_fromwords(h, avila_load_le64(s), avila_load_le64(s + 8), avila_load_le64(s + 16),
                 avila_load_le64(s + 24));
}

/* Writes the canonical encoding of f (loose): the residue in [0, p), little-endian. */
void avila_fe25519_tobytes(uint8_t s[32], const avila_fe25519 *f);

/* h = 1/f (0 for f = 0), by Fermat: f^(p-2) through a fixed addition chain. f loose. */
void avila_fe25519_invert(avila_fe25519 *h, const avila_fe25519 *f);

/* h = f^((p-5)/8) = f^(2^252 - 3), the exponent of square roots mod p. f loose. */
void avila_fe25519_pow22523(avila_fe25519 *h, const avila_fe25519 *f);

/* 1 if f (loose) is 0 mod p, else 0. */
uint32_t avila_fe25519_iszero(const avila_fe25519 *f);

/* The low bit of f's canonical residue: the "sign" of RFC 8032 section 5.1.2. */
uint32_t avila_fe25519_isnegative(const avila_fe25519 *f);

/* ------------------------------------------------------------ mulx/adx path */

#if AVILA_X86_64
/*
 * The X25519 Montgomery ladder (RFC 7748 section 5) over 4 x 64-bit limbs
 * with mulx/adcx/adox: from the clamped scalar k and the u-coordinate u
 * (bit 255 ignored), writes the canonical encodings of the projective
 * result x2 and z2 (u = x2 / z2). Constant time. The CPU MUST have BMI2 and
 * ADX (AVILA_CPU_BMI2 | AVILA_CPU_ADX).
 */
void avila_fe25519_ladder_adx(uint8_t x2[32], uint8_t z2[32], const uint8_t k[32],
                              const uint8_t u[32]);

/*
 * Single operations of that path, for the differential tests: the inputs
 * are any 256-bit values (four little-endian words, bit 255 included, as
 * the ladder's intermediate values are); h gets the canonical residue.
 */
void avila_fe25519_mul_adx(uint8_t h[32], const uint64_t f[4], const uint64_t g[4]);
void avila_fe25519_sq_adx(uint8_t h[32], const uint64_t f[4]);
void avila_fe25519_add_adx(uint8_t h[32], const uint64_t f[4], const uint64_t g[4]);
void avila_fe25519_sub_adx(uint8_t h[32], const uint64_t f[4], const uint64_t g[4]);
/* h = 121665 f, the ladder's (A - 2)/4 multiple. */
void avila_fe25519_mul_a24_adx(uint8_t h[32], const uint64_t f[4]);
#endif

#endif
