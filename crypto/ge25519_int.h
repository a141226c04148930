/*
 * crypto/ge25519_int.h - the edwards25519 group and scalars mod its order
 * (RFC 8032 sections 5.1 and 5.1.2-5.1.4; RFC 7748 section 4.1 for the map
 * to Curve25519). Internal to crypto/ (ed25519.c, x25519.c and the tests).
 *
 * The curve is -x^2 + y^2 = 1 + d x^2 y^2 over GF(2^255 - 19), d =
 * -121665/121666; its base point B has prime order
 * L = 2^252 + 27742317777372353535851937790883648493, and the whole group
 * has order 8 L. Points use the coordinates of Hisil, Wong, Carter and
 * Dawson, "Twisted Edwards curves revisited" (ASIACRYPT 2008), section 3:
 *   p3     extended:  x = X/Z, y = Y/Z, x y = T/Z
 *   p2     projective: x = X/Z, y = Y/Z
 *   p1p1   completed: x = X/Z, y = Y/T (what additions and doublings return)
 *   cached an addend:  (Y+X, Y-X, Z, 2 d T)
 *   precomp an affine addend: (y+x, y-x, 2 d x y), what the tables hold.
 *
 * Constant time unless a name says _vartime (those take public data only).
 */
#ifndef AVILA_CRYPTO_GE25519_INT_H
#define AVILA_CRYPTO_GE25519_INT_H

#include "crypto/fe25519_int.h"

typedef struct {
    avila_fe25519 X, Y, Z, T;
} avila_ge25519_p3;

typedef struct {
    avila_fe25519 X, Y, Z;
} avila_ge25519_p2;

typedef struct {
    avila_fe25519 X, Y, Z, T;
} avila_ge25519_p1p1;

typedef struct {
    avila_fe25519 ypx, ymx, Z, T2d;
} avila_ge25519_cached;

typedef struct {
    avila_fe25519 ypx, ymx, xy2d;
} avila_ge25519_precomp;

/*
 * Generated tables (crypto/ge25519_table.c, by tools/gen/gen_ge25519_table.c).
 * A field element is stored as the four little-endian 64-bit words of its
 * canonical residue, a precomp entry as ypx, ymx, xy2d (12 words).
 */
#define AVILA_GE25519_PRECOMP_WORDS 12
#define AVILA_GE25519_ODD_COUNT     64 /* odd multiples 1B, 3B, ..., 127B: a width-8 NAF */

/* The curve constants d, 2d and sqrt(-1) (= 2^((p-1)/4)). */
extern const uint64_t avila_ge25519_d[4];
extern const uint64_t avila_ge25519_d2[4];
extern const uint64_t avila_ge25519_sqrtm1[4];
/* base_table[i][j] = (j + 1) 16^(2i) B, for the fixed-base comb. */
extern const uint64_t avila_ge25519_base_table[32][8][AVILA_GE25519_PRECOMP_WORDS];
/* base_odd[i] = (2i + 1) B, for verification's double-scalar multiplication. */
extern const uint64_t avila_ge25519_base_odd[AVILA_GE25519_ODD_COUNT][AVILA_GE25519_PRECOMP_WORDS];

/* ------------------------------------------------------------------ points */

/* h = the neutral element (0, 1). */
void avila_ge25519_p3_0(avila_ge25519_p3 *h);

/* h = B, the base point of RFC 8032 section 5.1. */
void avila_ge25519_base(avila_ge25519_p3 *h);

/*
 * Decodes a point (RFC 8032 section 5.1.3), strictly: returns 0 and sets h,
 * or AVILA_EFORMAT if y >= p (non-canonical), if no x satisfies the curve
 * equation, or if x = 0 with the sign bit set (the other non-canonical
 * form); h is then unspecified. Constant time up to the final verdict.
 */
int avila_ge25519_frombytes(avila_ge25519_p3 *h, const uint8_t s[32]);

/* Encodes a point (RFC 8032 section 5.1.2): y with the sign of x in bit 255. */
void avila_ge25519_tobytes(uint8_t s[32], const avila_ge25519_p3 *p);
void avila_ge25519_p2_tobytes(uint8_t s[32], const avila_ge25519_p2 *p);

/* r = p + q, and r = 2 p (general formulas, any points). */
void avila_ge25519_add(avila_ge25519_p3 *r, const avila_ge25519_p3 *p, const avila_ge25519_p3 *q);
void avila_ge25519_dbl(avila_ge25519_p3 *r, const avila_ge25519_p3 *p);

/* Writes p in the tables' affine precomp form (12 words of canonical residues). */
void avila_ge25519_to_precomp_words(uint64_t w[AVILA_GE25519_PRECOMP_WORDS],
                                    const avila_ge25519_p3 *p);

/*
 * h = a B for a 256-bit little-endian scalar a with a[31] <= 127 (any value
 * below 2^255, reduced or not). Constant time in a: every table row is read
 * whole and the digits are recoded without branches.
 */
void avila_ge25519_scalarmult_base(avila_ge25519_p3 *h, const uint8_t a[32]);

/*
 * r = a A + b B for public scalars a, b < 2^253 (little-endian), with
 * width-5 NAF for A and the width-8 table for B. Variable time.
 */
void avila_ge25519_double_scalarmult_vartime(avila_ge25519_p2 *r, const uint8_t a[32],
                                             const avila_ge25519_p3 *A, const uint8_t b[32]);

/* 1 if 8 p is the neutral element (p has order 1, 2, 4 or 8), else 0. Variable time. */
uint32_t avila_ge25519_has_small_order_vartime(const avila_ge25519_p2 *p);

/* h = -p. */
void avila_ge25519_neg(avila_ge25519_p3 *h, const avila_ge25519_p3 *p);

/* ------------------------------------------------------------------ scalars mod L */

/* s = x mod L for a 512-bit little-endian x (a SHA-512 output). Constant time. */
void avila_sc25519_reduce(uint8_t s[32], const uint8_t x[64]);

/*
 * s = (a b + c) mod L for 256-bit little-endian a, b, c; a b + c MUST be
 * below 2^512 (true when a or b is below 2^255). Constant time.
 */
void avila_sc25519_muladd(uint8_t s[32], const uint8_t a[32], const uint8_t b[32],
                          const uint8_t c[32]);

/* 1 if the 256-bit little-endian s is below L (a canonical scalar), else 0. Constant time. */
uint32_t avila_sc25519_is_canonical(const uint8_t s[32]);

#endif
