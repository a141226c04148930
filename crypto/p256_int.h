/*
 * crypto/p256_int.h - arithmetic of the NIST P-256 curve (FIPS 186-5
 * section 3.2.1.3, SP 800-186 section 3.2.1.3): the field GF(p),
 * p = 2^256 - 2^224 + 2^192 + 2^96 - 1, the scalars mod the group order n,
 * and the points of y^2 = x^3 - 3x + b. Internal to crypto/ (p256.c,
 * p256_point.c, p256_table.c) and the tests.
 *
 * Numbers are four little-endian 64-bit words. Both moduli use Montgomery
 * form (x R mod m, R = 2^256) through ONE generic 4-limb routine, mod_mul,
 * instantiated with the modulus as constant arguments: for p, whose low
 * word is 2^64 - 1, the Montgomery factor -1/p mod 2^64 is 1 and p's zero
 * word and all-ones word fold away in the compiler, which is the special
 * shape of p used for the reduction; for n it is a plain CIOS reduction
 * with n's factor. Elements are always kept fully reduced (< m).
 *
 * On x86-64 (unless AVILA_NO_ASM; optimised builds) the hot operations - multiplication,
 * squaring, addition and subtraction mod p, multiplication mod n - run as
 * inline assembly of baseline x86-64 instructions (mul, adc, sbb, cmov: no
 * extension, hence no run-time dispatch), because GCC compiles the 128-bit
 * carry chains of the C version poorly. The C versions (fe_mul_c, fe_sq_c,
 * mod_mul, mod_sqr, mod_add, mod_sub) are the portable path, and the tests
 * check both against a plain big-integer model.
 *
 * Every operation here runs in time independent of the values (no
 * value-dependent branch or index) unless its name ends in _vartime.
 */
#ifndef AVILA_CRYPTO_P256_INT_H
#define AVILA_CRYPTO_P256_INT_H

#include "core/ct.h"
#include "core/endian.h"
#include "core/platform.h"
#include "crypto/digest.h"

#if !defined(__SIZEOF_INT128__) && !defined(__x86_64__)
#error "crypto/p256: this compiler has no unsigned __int128 (no 32-bit limb path yet)"
#endif

typedef unsigned __int128 p256_u128;

/*
 * 1 when the x86-64 assembly below is used: x86-64 builds with
 * optimisation (unoptimised code has too few free registers for the
 * operands) and without AVILA_NO_ASM.
 */
#if AVILA_X86_64 && defined(__OPTIMIZE__)
#define P256_ASM 1
#else
#define P256_ASM 0
#endif

/* An element of GF(p) or of Z/nZ, in Montgomery form, fully reduced. */
typedef struct {
    uint64_t v[4];
} avila_p256_fe;

/* The field prime p and the group order n (little-endian words). */
#define P256_P0 UINT64_C(0xffffffffffffffff)
#define P256_P1 UINT64_C(0x00000000ffffffff)
#define P256_P2 UINT64_C(0x0000000000000000)
#define P256_P3 UINT64_C(0xffffffff00000001)
#define P256_N0 UINT64_C(0xf3b9cac2fc632551)
#define P256_N1 UINT64_C(0xbce6faada7179e84)
#define P256_N2 UINT64_C(0xffffffffffffffff)
#define P256_N3 UINT64_C(0xffffffff00000000)
/* -1/m mod 2^64 for the two moduli. */
#define P256_P_M0INV UINT64_C(1)
#define P256_N_M0INV UINT64_C(0xccd1c8aaee00bc4f)

/* ------------------------------------------------------------------ generic 4-limb code */

/*
 * Written out word by word (no loops, no arrays): compilers at -O2 keep
 * everything in registers and turn the carry expressions into adc/sbb.
 */

/* a + b + *c, with the carry out (0 or 1) in *c. */
static inline uint64_t p256_adc(uint64_t a, uint64_t b, uint64_t *c)
{
    p256_u128 t = (p256_u128)a + b + *c;
    *c = (uint64_t)(t >> 64);
    return (uint64_t)t;
}

/* a - b - *br, with the borrow out (0 or 1) in *br. */
static inline uint64_t p256_sbb(uint64_t a, uint64_t b, uint64_t *br)
{
    p256_u128 t = (p256_u128)a - b - *br;
    *br = (uint64_t)(t >> 64) & 1;
    return (uint64_t)t;
}

/*
 * r = t - m if the 257-bit value t4:t0..t3 (below 2m) is >= m, else t.
 * Constant time.
 */
static inline void mod_final_sub(uint64_t r[4], uint64_t t0, uint64_t t1, uint64_t t2, uint64_t t3,
                                 uint64_t t4, uint64_t m0, uint64_t m1, uint64_t m2, uint64_t m3)
{
    uint64_t br = 0;
    const uint64_t d0 = p256_sbb(t0, m0, &br), d1 = p256_sbb(t1, m1, &br);
    const uint64_t d2 = p256_sbb(t2, m2, &br), d3 = p256_sbb(t3, m3, &br);
    (void)p256_sbb(t4, 0, &br);
    /* br = 1: t < m, keep t. */
    const uint64_t keep = avila_ct_barrier_u64(0 - br);
    r[0] = (t0 & keep) | (d0 & ~keep);
    r[1] = (t1 & keep) | (d1 & ~keep);
    r[2] = (t2 & keep) | (d2 & ~keep);
    r[3] = (t3 & keep) | (d3 & ~keep);
}

/*
 * One step of Montgomery multiplication: t += ai b, then t += q m with
 * q = t0 m0inv mod 2^64 (so the low word becomes 0), then t >>= 64.
 */
static inline void mont_step(uint64_t t[5], uint64_t ai, const uint64_t b[4], uint64_t m0,
                             uint64_t m1, uint64_t m2, uint64_t m3, uint64_t m0inv)
{
    p256_u128 c = (p256_u128)ai * b[0] + t[0];
    const uint64_t u0 = (uint64_t)c;
    c = (c >> 64) + (p256_u128)ai * b[1] + t[1];
    const uint64_t u1 = (uint64_t)c;
    c = (c >> 64) + (p256_u128)ai * b[2] + t[2];
    const uint64_t u2 = (uint64_t)c;
    c = (c >> 64) + (p256_u128)ai * b[3] + t[3];
    const uint64_t u3 = (uint64_t)c;
    c = (c >> 64) + t[4];
    const uint64_t u4 = (uint64_t)c, u5 = (uint64_t)(c >> 64);
    const uint64_t q = u0 * m0inv;
    c = ((p256_u128)q * m0 + u0) >> 64;
    c += (p256_u128)q * m1 + u1;
    t[0] = (uint64_t)c;
    c = (c >> 64) + (p256_u128)q * m2 + u2;
    t[1] = (uint64_t)c;
    c = (c >> 64) + (p256_u128)q * m3 + u3;
    t[2] = (uint64_t)c;
    c = (c >> 64) + u4;
    t[3] = (uint64_t)c;
    t[4] = u5 + (uint64_t)(c >> 64);
}

/*
 * r = a b / 2^256 mod m (Montgomery multiplication, coarsely integrated
 * operand scanning). a, b < m < 2^256; m odd; m0inv = -1/m mod 2^64.
 * r may alias a or b. Constant time.
 */
static inline void mod_mul(uint64_t r[4], const uint64_t a[4], const uint64_t b[4], uint64_t m0,
                           uint64_t m1, uint64_t m2, uint64_t m3, uint64_t m0inv)
{
    uint64_t t[5] = {0, 0, 0, 0, 0};
    const uint64_t a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
    const uint64_t bb[4] = {b[0], b[1], b[2], b[3]};
    mont_step(t, a0, bb, m0, m1, m2, m3, m0inv);
    mont_step(t, a1, bb, m0, m1, m2, m3, m0inv);
    mont_step(t, a2, bb, m0, m1, m2, m3, m0inv);
    mont_step(t, a3, bb, m0, m1, m2, m3, m0inv);
    mod_final_sub(r, t[0], t[1], t[2], t[3], t[4], m0, m1, m2, m3);
}

/*
 * r = t / 2^256 mod m for the 512-bit t (t < m 2^256): four Montgomery
 * reduction steps. Constant time.
 */
static inline void mont_reduce(uint64_t r[4], uint64_t t[8], uint64_t m0, uint64_t m1, uint64_t m2,
                               uint64_t m3, uint64_t m0inv)
{
    uint64_t hi = 0; /* the carry past t[i + 4] */
#define P256_REDUCE_STEP(i)                                                                        \
    do {                                                                                           \
        const uint64_t q = t[i] * m0inv;                                                           \
        p256_u128 c = ((p256_u128)q * m0 + t[i]) >> 64;                                            \
        c += (p256_u128)q * m1 + t[(i) + 1];                                                       \
        t[(i) + 1] = (uint64_t)c;                                                                  \
        c = (c >> 64) + (p256_u128)q * m2 + t[(i) + 2];                                            \
        t[(i) + 2] = (uint64_t)c;                                                                  \
        c = (c >> 64) + (p256_u128)q * m3 + t[(i) + 3];                                            \
        t[(i) + 3] = (uint64_t)c;                                                                  \
        c = (c >> 64) + t[(i) + 4] + hi;                                                           \
        t[(i) + 4] = (uint64_t)c;                                                                  \
        hi = (uint64_t)(c >> 64);                                                                  \
    } while (0)
    P256_REDUCE_STEP(0);
    P256_REDUCE_STEP(1);
    P256_REDUCE_STEP(2);
    P256_REDUCE_STEP(3);
#undef P256_REDUCE_STEP
    mod_final_sub(r, t[4], t[5], t[6], t[7], hi, m0, m1, m2, m3);
}

/* t = a b, the full 512-bit product (schoolbook rows). */
static inline void wide_mul(uint64_t t[8], const uint64_t a[4], const uint64_t b[4])
{
    const uint64_t b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3];
    p256_u128 c;
    uint64_t ai = a[0];
    c = (p256_u128)ai * b0;
    t[0] = (uint64_t)c;
    c = (c >> 64) + (p256_u128)ai * b1;
    t[1] = (uint64_t)c;
    c = (c >> 64) + (p256_u128)ai * b2;
    t[2] = (uint64_t)c;
    c = (c >> 64) + (p256_u128)ai * b3;
    t[3] = (uint64_t)c;
    t[4] = (uint64_t)(c >> 64);
#define P256_ROW(i)                                                                                \
    do {                                                                                           \
        ai = a[i];                                                                                 \
        c = (p256_u128)ai * b0 + t[i];                                                             \
        t[i] = (uint64_t)c;                                                                        \
        c = (c >> 64) + (p256_u128)ai * b1 + t[(i) + 1];                                           \
        t[(i) + 1] = (uint64_t)c;                                                                  \
        c = (c >> 64) + (p256_u128)ai * b2 + t[(i) + 2];                                           \
        t[(i) + 2] = (uint64_t)c;                                                                  \
        c = (c >> 64) + (p256_u128)ai * b3 + t[(i) + 3];                                           \
        t[(i) + 3] = (uint64_t)c;                                                                  \
        t[(i) + 4] = (uint64_t)(c >> 64);                                                          \
    } while (0)
    P256_ROW(1);
    P256_ROW(2);
    P256_ROW(3);
#undef P256_ROW
}

/* t = a^2: the six cross products once, doubled, plus the four squares. */
static inline void wide_sqr(uint64_t t[8], const uint64_t a[4])
{
    const uint64_t a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
    p256_u128 c, p;
    c = (p256_u128)a0 * a1;
    t[1] = (uint64_t)c;
    c = (c >> 64) + (p256_u128)a0 * a2;
    t[2] = (uint64_t)c;
    c = (c >> 64) + (p256_u128)a0 * a3;
    t[3] = (uint64_t)c;
    t[4] = (uint64_t)(c >> 64);
    c = (p256_u128)a1 * a2 + t[3];
    t[3] = (uint64_t)c;
    c = (c >> 64) + (p256_u128)a1 * a3 + t[4];
    t[4] = (uint64_t)c;
    t[5] = (uint64_t)(c >> 64);
    c = (p256_u128)a2 * a3 + t[5];
    t[5] = (uint64_t)c;
    t[6] = (uint64_t)(c >> 64);
    /* double the cross products */
    t[7] = t[6] >> 63;
    t[6] = t[6] << 1 | t[5] >> 63;
    t[5] = t[5] << 1 | t[4] >> 63;
    t[4] = t[4] << 1 | t[3] >> 63;
    t[3] = t[3] << 1 | t[2] >> 63;
    t[2] = t[2] << 1 | t[1] >> 63;
    t[1] <<= 1;
    /* add the squares on the diagonal */
    p = (p256_u128)a0 * a0;
    t[0] = (uint64_t)p;
    c = (p256_u128)t[1] + (uint64_t)(p >> 64);
    t[1] = (uint64_t)c;
    p = (p256_u128)a1 * a1;
    c = (c >> 64) + t[2] + (uint64_t)p;
    t[2] = (uint64_t)c;
    c = (c >> 64) + t[3] + (uint64_t)(p >> 64);
    t[3] = (uint64_t)c;
    p = (p256_u128)a2 * a2;
    c = (c >> 64) + t[4] + (uint64_t)p;
    t[4] = (uint64_t)c;
    c = (c >> 64) + t[5] + (uint64_t)(p >> 64);
    t[5] = (uint64_t)c;
    p = (p256_u128)a3 * a3;
    c = (c >> 64) + t[6] + (uint64_t)p;
    t[6] = (uint64_t)c;
    c = (c >> 64) + t[7] + (uint64_t)(p >> 64);
    t[7] = (uint64_t)c;
}

/* r = a^2 / 2^256 mod m (a < m). r may alias a. Constant time. */
static inline void mod_sqr(uint64_t r[4], const uint64_t a[4], uint64_t m0, uint64_t m1,
                           uint64_t m2, uint64_t m3, uint64_t m0inv)
{
    uint64_t t[8];
    wide_sqr(t, a);
    mont_reduce(r, t, m0, m1, m2, m3, m0inv);
}

/*
 * r = t / 2^256 mod p: Montgomery reduction with p's shape. As
 * -1/p = 1 mod 2^64, each step's multiplier q is the low word itself, and
 * q p = q 2^256 - q 2^224 + q 2^192 + q 2^96 - q, so adding it clears the
 * low word, adds q 2^32 to the next one (q (2^32 - 1) plus the carry q)
 * and q (2^64 - 2^32 + 1), p's top word, three words up: one real
 * multiplication per step instead of four. t < p 2^256. Constant time.
 */
static inline void p_reduce(uint64_t r[4], uint64_t t[8])
{
    uint64_t hi = 0;
#define P256_PSTEP(i)                                                                              \
    do {                                                                                           \
        const uint64_t q = t[i];                                                                   \
        p256_u128 c = (p256_u128)t[(i) + 1] + (q << 32);                                           \
        t[(i) + 1] = (uint64_t)c;                                                                  \
        c = (c >> 64) + t[(i) + 2] + (q >> 32);                                                    \
        t[(i) + 2] = (uint64_t)c;                                                                  \
        const p256_u128 qm = (p256_u128)q * P256_P3;                                               \
        c = (c >> 64) + t[(i) + 3] + (uint64_t)qm;                                                 \
        t[(i) + 3] = (uint64_t)c;                                                                  \
        c = (c >> 64) + t[(i) + 4] + (uint64_t)(qm >> 64) + hi;                                    \
        t[(i) + 4] = (uint64_t)c;                                                                  \
        hi = (uint64_t)(c >> 64);                                                                  \
    } while (0)
    P256_PSTEP(0);
    P256_PSTEP(1);
    P256_PSTEP(2);
    P256_PSTEP(3);
#undef P256_PSTEP
    mod_final_sub(r, t[4], t[5], t[6], t[7], hi, P256_P0, P256_P1, P256_P2, P256_P3);
}

/* r = a + b mod m (a, b < m). r may alias either. Constant time. */
static inline void mod_add(uint64_t r[4], const uint64_t a[4], const uint64_t b[4], uint64_t m0,
                           uint64_t m1, uint64_t m2, uint64_t m3)
{
    uint64_t c = 0;
    const uint64_t t0 = p256_adc(a[0], b[0], &c), t1 = p256_adc(a[1], b[1], &c);
    const uint64_t t2 = p256_adc(a[2], b[2], &c), t3 = p256_adc(a[3], b[3], &c);
    mod_final_sub(r, t0, t1, t2, t3, c, m0, m1, m2, m3);
}

/* r = a - b mod m (a, b < m). r may alias either. Constant time. */
static inline void mod_sub(uint64_t r[4], const uint64_t a[4], const uint64_t b[4], uint64_t m0,
                           uint64_t m1, uint64_t m2, uint64_t m3)
{
    uint64_t br = 0;
    const uint64_t t0 = p256_sbb(a[0], b[0], &br), t1 = p256_sbb(a[1], b[1], &br);
    const uint64_t t2 = p256_sbb(a[2], b[2], &br), t3 = p256_sbb(a[3], b[3], &br);
    /* On a borrow, add m back (masked, no branch). */
    const uint64_t mask = avila_ct_barrier_u64(0 - br);
    uint64_t c = 0;
    r[0] = p256_adc(t0, m0 & mask, &c);
    r[1] = p256_adc(t1, m1 & mask, &c);
    r[2] = p256_adc(t2, m2 & mask, &c);
    r[3] = p256_adc(t3, m3 & mask, &c);
}

/* ------------------------------------------------------------------ x86-64 assembly */

#if P256_ASM
/* The row both Montgomery steps share: A0..A4 += a[I] b (four products), the carry into A5. */
#define P256_ASM_ROW(I, A0, A1, A2, A3, A4, A5)                                                    \
    "movq " #I "*8(%[a]), %%rax\n\t"                                                               \
    "mulq 0(%[b])\n\t"                                                                             \
    "addq %%rax, %[" #A0 "]\n\t"                                                                   \
    "adcq $0, %%rdx\n\t"                                                                           \
    "movq %%rdx, %[t]\n\t"                                                                         \
    "movq " #I "*8(%[a]), %%rax\n\t"                                                               \
    "mulq 8(%[b])\n\t"                                                                             \
    "addq %[t], %%rax\n\t"                                                                         \
    "adcq $0, %%rdx\n\t"                                                                           \
    "addq %%rax, %[" #A1 "]\n\t"                                                                   \
    "adcq $0, %%rdx\n\t"                                                                           \
    "movq %%rdx, %[t]\n\t"                                                                         \
    "movq " #I "*8(%[a]), %%rax\n\t"                                                               \
    "mulq 16(%[b])\n\t"                                                                            \
    "addq %[t], %%rax\n\t"                                                                         \
    "adcq $0, %%rdx\n\t"                                                                           \
    "addq %%rax, %[" #A2 "]\n\t"                                                                   \
    "adcq $0, %%rdx\n\t"                                                                           \
    "movq %%rdx, %[t]\n\t"                                                                         \
    "movq " #I "*8(%[a]), %%rax\n\t"                                                               \
    "mulq 24(%[b])\n\t"                                                                            \
    "addq %[t], %%rax\n\t"                                                                         \
    "adcq $0, %%rdx\n\t"                                                                           \
    "addq %%rax, %[" #A3 "]\n\t"                                                                   \
    "adcq $0, %%rdx\n\t"                                                                           \
    "addq %%rdx, %[" #A4 "]\n\t"                                                                   \
    "adcq $0, %[" #A5 "]\n\t"

/*
 * The blocks below read their inputs through pointer registers and declare
 * a "memory" clobber rather than one memory operand per word: that keeps
 * the register count low enough for sanitizer and PIC builds. Each block
 * reads all of its inputs before the C code writes r, so r may alias a or b.
 *
 * The same Montgomery multiplication mod p as wide_mul + p_reduce, one
 * row of a[i] b followed by one p-shaped reduction step at a time, in
 * baseline x86-64 (mul, add, adc: no CPU extension, so no dispatch).
 * GCC turns the C version's 128-bit carries into many moves and spills;
 * this runs about 1.6 times faster. The C version stays the portable path
 * (AVILA_NO_ASM, other CPUs) and the tests compare the two.
 *
 * Six accumulator registers rotate: step i works on (A0..A5) and leaves
 * the next step's A0..A4 in its A1..A5 with A0 cleared (the new A5).
 */
#define P256_ASM_STEP(I, A0, A1, A2, A3, A4, A5)                                                   \
    /* The row, then q = A0; A += q p: A1 += q << 32, A2 += q >> 32, A3:A4 += q p3 */              \
    P256_ASM_ROW(I, A0, A1, A2, A3, A4, A5)                                                        \
    "movq %[" #A0 "], %%rax\n\t"                                                                   \
    "mulq %[p3]\n\t"                                                                               \
    "movq %[" #A0 "], %[t]\n\t"                                                                    \
    "shlq $32, %[t]\n\t"                                                                           \
    "shrq $32, %[" #A0 "]\n\t"                                                                     \
    "addq %[t], %[" #A1 "]\n\t"                                                                    \
    "adcq %[" #A0 "], %[" #A2 "]\n\t"                                                              \
    "adcq %%rax, %[" #A3 "]\n\t"                                                                   \
    "adcq %%rdx, %[" #A4 "]\n\t"                                                                   \
    "adcq $0, %[" #A5 "]\n\t"                                                                      \
    "xorl %k[" #A0 "], %k[" #A0 "]\n\t"

static inline void fe_mul_x86(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
    static const uint64_t p3 = P256_P3;
    uint64_t x0 = 0, x1 = 0, x2 = 0, x3 = 0, x4 = 0, x5 = 0, t;
    __asm__(P256_ASM_STEP(0, x0, x1, x2, x3, x4, x5) P256_ASM_STEP(1, x1, x2, x3, x4, x5, x0)
                P256_ASM_STEP(2, x2, x3, x4, x5, x0, x1) P256_ASM_STEP(3, x3, x4, x5, x0, x1, x2)
            : [x0] "+&r"(x0), [x1] "+&r"(x1), [x2] "+&r"(x2), [x3] "+&r"(x3), [x4] "+&r"(x4),
              [x5] "+&r"(x5), [t] "=&r"(t)
            : [a] "r"(a), [b] "r"(b), [p3] "m"(p3)
            : "rax", "rdx", "cc", "memory");
    mod_final_sub(r, x4, x5, x0, x1, x2, P256_P0, P256_P1, P256_P2, P256_P3);
}
#undef P256_ASM_STEP

/*
 * One p-shaped reduction step on a rolling four-word window (W0..W3):
 * q = W0; the window plus q p, divided by 2^64, lands in (W1, W2, W3, W0).
 * After four steps on the low half of a 512-bit value the window holds
 * (low half + Q p) / 2^256 < 2^192 + p, which is added to the high half.
 */
#define P256_ASM_FOLD(W0, W1, W2, W3)                                                              \
    "movq %[" #W0 "], %%rax\n\t"                                                                   \
    "mulq %[p3]\n\t"                                                                               \
    "movq %[" #W0 "], %[c]\n\t"                                                                    \
    "shlq $32, %[c]\n\t"                                                                           \
    "shrq $32, %[" #W0 "]\n\t"                                                                     \
    "addq %[c], %[" #W1 "]\n\t"                                                                    \
    "adcq %[" #W0 "], %[" #W2 "]\n\t"                                                              \
    "adcq %%rax, %[" #W3 "]\n\t"                                                                   \
    "adcq $0, %%rdx\n\t"                                                                           \
    "movq %%rdx, %[" #W0 "]\n\t"

/*
 * t = a^2 (eight words): the six cross products, doubled, then the four
 * squares, whose carries are saved across mul with sbb / neg.
 */
static inline void sqr_product_x86(uint64_t t[8], const uint64_t a[4])
{
    uint64_t t0, t1, t2, t3, t4, t5, t6, t7, c;
    __asm__("movq 8(%[a]), %%rax\n\t"
            "mulq 0(%[a])\n\t"
            "movq %%rax, %[t1]\n\t"
            "movq %%rdx, %[t2]\n\t"
            "movq 16(%[a]), %%rax\n\t"
            "mulq 0(%[a])\n\t"
            "addq %%rax, %[t2]\n\t"
            "adcq $0, %%rdx\n\t"
            "movq %%rdx, %[t3]\n\t"
            "movq 24(%[a]), %%rax\n\t"
            "mulq 0(%[a])\n\t"
            "addq %%rax, %[t3]\n\t"
            "adcq $0, %%rdx\n\t"
            "movq %%rdx, %[t4]\n\t"
            "movq 16(%[a]), %%rax\n\t"
            "mulq 8(%[a])\n\t"
            "addq %%rax, %[t3]\n\t"
            "adcq %%rdx, %[t4]\n\t"
            "movl $0, %k[t5]\n\t"
            "adcq $0, %[t5]\n\t"
            "movq 24(%[a]), %%rax\n\t"
            "mulq 8(%[a])\n\t"
            "addq %%rax, %[t4]\n\t"
            "adcq %%rdx, %[t5]\n\t"
            "movl $0, %k[t6]\n\t"
            "adcq $0, %[t6]\n\t"
            "movq 24(%[a]), %%rax\n\t"
            "mulq 16(%[a])\n\t"
            "addq %%rax, %[t5]\n\t"
            "adcq %%rdx, %[t6]\n\t" /* the cross products stay below 2^448 */
            "movl $0, %k[t7]\n\t"
            "addq %[t1], %[t1]\n\t"
            "adcq %[t2], %[t2]\n\t"
            "adcq %[t3], %[t3]\n\t"
            "adcq %[t4], %[t4]\n\t"
            "adcq %[t5], %[t5]\n\t"
            "adcq %[t6], %[t6]\n\t"
            "adcq $0, %[t7]\n\t"
            "movq 0(%[a]), %%rax\n\t"
            "mulq %%rax\n\t"
            "movq %%rax, %[t0]\n\t"
            "addq %%rdx, %[t1]\n\t"
            "sbbq %[c], %[c]\n\t"
            "movq 8(%[a]), %%rax\n\t"
            "mulq %%rax\n\t"
            "negq %[c]\n\t"
            "adcq %%rax, %[t2]\n\t"
            "adcq %%rdx, %[t3]\n\t"
            "sbbq %[c], %[c]\n\t"
            "movq 16(%[a]), %%rax\n\t"
            "mulq %%rax\n\t"
            "negq %[c]\n\t"
            "adcq %%rax, %[t4]\n\t"
            "adcq %%rdx, %[t5]\n\t"
            "sbbq %[c], %[c]\n\t"
            "movq 24(%[a]), %%rax\n\t"
            "mulq %%rax\n\t"
            "negq %[c]\n\t"
            "adcq %%rax, %[t6]\n\t"
            "adcq %%rdx, %[t7]\n\t"
            : [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2), [t3] "=&r"(t3), [t4] "=&r"(t4),
              [t5] "=&r"(t5), [t6] "=&r"(t6), [t7] "=&r"(t7), [c] "=&r"(c)
            : [a] "r"(a)
            : "rax", "rdx", "cc", "memory");
    t[0] = t0;
    t[1] = t1;
    t[2] = t2;
    t[3] = t3;
    t[4] = t4;
    t[5] = t5;
    t[6] = t6;
    t[7] = t7;
}

/* r = a^2 / 2^256 mod p: sqr_product_x86, then four p-shaped folds. */
static inline void fe_sq_x86(uint64_t r[4], const uint64_t a[4])
{
    static const uint64_t p3 = P256_P3;
    uint64_t t[8], c;
    sqr_product_x86(t, a);
    uint64_t t0 = t[0], t1 = t[1], t2 = t[2], t3 = t[3], t4 = t[4], t5 = t[5], t6 = t[6], t7 = t[7];
    __asm__(P256_ASM_FOLD(t0, t1, t2, t3) P256_ASM_FOLD(t1, t2, t3, t0)
                P256_ASM_FOLD(t2, t3, t0, t1) P256_ASM_FOLD(t3, t0, t1, t2) "addq %[t0], %[t4]\n\t"
                                                                            "adcq %[t1], %[t5]\n\t"
                                                                            "adcq %[t2], %[t6]\n\t"
                                                                            "adcq %[t3], %[t7]\n\t"
                                                                            "movl $0, %k[c]\n\t"
                                                                            "adcq $0, %[c]\n\t"
            : [t0] "+&r"(t0), [t1] "+&r"(t1), [t2] "+&r"(t2), [t3] "+&r"(t3), [t4] "+&r"(t4),
              [t5] "+&r"(t5), [t6] "+&r"(t6), [t7] "+&r"(t7), [c] "=&r"(c)
            : [p3] "m"(p3)
            : "rax", "rdx", "cc");
    mod_final_sub(r, t4, t5, t6, t7, c, P256_P0, P256_P1, P256_P2, P256_P3);
}

/*
 * The generic fold (any odd m with m < 2^256 - 2^192, m0inv = -1/m mod
 * 2^64): q = W0 m0inv; the window plus q m, divided by 2^64, lands in
 * (W1, W2, W3, W0).
 */
#define P256_ASM_GFOLD(W0, W1, W2, W3)                                                             \
    "movq %[" #W0 "], %[q]\n\t"                                                                    \
    "imulq %[m0inv], %[q]\n\t"                                                                     \
    "movq %[q], %%rax\n\t"                                                                         \
    "mulq %[m0]\n\t"                                                                               \
    "addq %%rax, %[" #W0 "]\n\t"                                                                   \
    "adcq $0, %%rdx\n\t"                                                                           \
    "movq %%rdx, %[c]\n\t"                                                                         \
    "movq %[q], %%rax\n\t"                                                                         \
    "mulq %[m1]\n\t"                                                                               \
    "addq %[c], %%rax\n\t"                                                                         \
    "adcq $0, %%rdx\n\t"                                                                           \
    "addq %%rax, %[" #W1 "]\n\t"                                                                   \
    "adcq $0, %%rdx\n\t"                                                                           \
    "movq %%rdx, %[c]\n\t"                                                                         \
    "movq %[q], %%rax\n\t"                                                                         \
    "mulq %[m2]\n\t"                                                                               \
    "addq %[c], %%rax\n\t"                                                                         \
    "adcq $0, %%rdx\n\t"                                                                           \
    "addq %%rax, %[" #W2 "]\n\t"                                                                   \
    "adcq $0, %%rdx\n\t"                                                                           \
    "movq %%rdx, %[c]\n\t"                                                                         \
    "movq %[q], %%rax\n\t"                                                                         \
    "mulq %[m3]\n\t"                                                                               \
    "addq %[c], %%rax\n\t"                                                                         \
    "adcq $0, %%rdx\n\t"                                                                           \
    "addq %%rax, %[" #W3 "]\n\t"                                                                   \
    "adcq $0, %%rdx\n\t"                                                                           \
    "movq %%rdx, %[" #W0 "]\n\t"

/* r = a^2 / 2^256 mod n: sqr_product_x86, then four generic folds. */
static inline void sc_sq_x86(uint64_t r[4], const uint64_t a[4])
{
    static const uint64_t n[4] = {P256_N0, P256_N1, P256_N2, P256_N3};
    static const uint64_t m0inv = P256_N_M0INV;
    uint64_t t[8], c, q;
    sqr_product_x86(t, a);
    uint64_t t0 = t[0], t1 = t[1], t2 = t[2], t3 = t[3], t4 = t[4], t5 = t[5], t6 = t[6], t7 = t[7];
    __asm__(P256_ASM_GFOLD(t0, t1, t2, t3) P256_ASM_GFOLD(t1, t2, t3, t0)
                P256_ASM_GFOLD(t2, t3, t0, t1)
                    P256_ASM_GFOLD(t3, t0, t1, t2) "addq %[t0], %[t4]\n\t"
                                                   "adcq %[t1], %[t5]\n\t"
                                                   "adcq %[t2], %[t6]\n\t"
                                                   "adcq %[t3], %[t7]\n\t"
                                                   "movl $0, %k[c]\n\t"
                                                   "adcq $0, %[c]\n\t"
            : [t0] "+&r"(t0), [t1] "+&r"(t1), [t2] "+&r"(t2), [t3] "+&r"(t3), [t4] "+&r"(t4),
              [t5] "+&r"(t5), [t6] "+&r"(t6), [t7] "+&r"(t7), [c] "=&r"(c), [q] "=&r"(q)
            : [m0] "m"(n[0]), [m1] "m"(n[1]), [m2] "m"(n[2]), [m3] "m"(n[3]), [m0inv] "m"(m0inv)
            : "rax", "rdx", "cc");
    mod_final_sub(r, t4, t5, t6, t7, c, P256_N0, P256_N1, P256_N2, P256_N3);
}
#undef P256_ASM_GFOLD
#undef P256_ASM_FOLD

/*
 * The generic Montgomery step (any odd m < 2^256, m0inv = -1/m mod 2^64),
 * for the scalars mod n: the same row, then q = A0 m0inv and A += q m with
 * four multiplications.
 */
#define P256_ASM_GSTEP(I, A0, A1, A2, A3, A4, A5)                                                  \
    P256_ASM_ROW(I, A0, A1, A2, A3, A4, A5)                                                        \
    "movq %[" #A0 "], %[q]\n\t"                                                                    \
    "imulq %[m0inv], %[q]\n\t"                                                                     \
    "movq %[q], %%rax\n\t"                                                                         \
    "mulq %[m0]\n\t"                                                                               \
    "addq %%rax, %[" #A0 "]\n\t" /* now 0 */                                                       \
    "adcq $0, %%rdx\n\t"                                                                           \
    "movq %%rdx, %[t]\n\t"                                                                         \
    "movq %[q], %%rax\n\t"                                                                         \
    "mulq %[m1]\n\t"                                                                               \
    "addq %[t], %%rax\n\t"                                                                         \
    "adcq $0, %%rdx\n\t"                                                                           \
    "addq %%rax, %[" #A1 "]\n\t"                                                                   \
    "adcq $0, %%rdx\n\t"                                                                           \
    "movq %%rdx, %[t]\n\t"                                                                         \
    "movq %[q], %%rax\n\t"                                                                         \
    "mulq %[m2]\n\t"                                                                               \
    "addq %[t], %%rax\n\t"                                                                         \
    "adcq $0, %%rdx\n\t"                                                                           \
    "addq %%rax, %[" #A2 "]\n\t"                                                                   \
    "adcq $0, %%rdx\n\t"                                                                           \
    "movq %%rdx, %[t]\n\t"                                                                         \
    "movq %[q], %%rax\n\t"                                                                         \
    "mulq %[m3]\n\t"                                                                               \
    "addq %[t], %%rax\n\t"                                                                         \
    "adcq $0, %%rdx\n\t"                                                                           \
    "addq %%rax, %[" #A3 "]\n\t"                                                                   \
    "adcq $0, %%rdx\n\t"                                                                           \
    "addq %%rdx, %[" #A4 "]\n\t"                                                                   \
    "adcq $0, %[" #A5 "]\n\t"                                                                      \
    "xorl %k[" #A0 "], %k[" #A0 "]\n\t"

/* r = a b / 2^256 mod n, the assembly twin of mod_mul(..., P256_N_ARGS, P256_N_M0INV). */
static inline void sc_mul_x86(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
    static const uint64_t n[4] = {P256_N0, P256_N1, P256_N2, P256_N3};
    static const uint64_t m0inv = P256_N_M0INV;
    uint64_t x0 = 0, x1 = 0, x2 = 0, x3 = 0, x4 = 0, x5 = 0, t, q;
    __asm__(P256_ASM_GSTEP(0, x0, x1, x2, x3, x4, x5) P256_ASM_GSTEP(1, x1, x2, x3, x4, x5, x0)
                P256_ASM_GSTEP(2, x2, x3, x4, x5, x0, x1) P256_ASM_GSTEP(3, x3, x4, x5, x0, x1, x2)
            : [x0] "+&r"(x0), [x1] "+&r"(x1), [x2] "+&r"(x2), [x3] "+&r"(x3), [x4] "+&r"(x4),
              [x5] "+&r"(x5), [t] "=&r"(t), [q] "=&r"(q)
            : [a] "r"(a), [b] "r"(b), [m0] "m"(n[0]), [m1] "m"(n[1]), [m2] "m"(n[2]),
              [m3] "m"(n[3]), [m0inv] "m"(m0inv)
            : "rax", "rdx", "cc", "memory");
    mod_final_sub(r, x4, x5, x0, x1, x2, P256_N0, P256_N1, P256_N2, P256_N3);
}
#undef P256_ASM_GSTEP

/* r = a + b mod p (a, b < p): add, subtract p, keep the sum on a borrow (cmov). */
static inline void fe_add_x86(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
    static const uint64_t p1 = P256_P1, p3 = P256_P3;
    uint64_t x0, x1, x2, x3, y0, y1, y2, y3, c;
    __asm__("movq 0(%[a]), %[x0]\n\t"
            "movq 8(%[a]), %[x1]\n\t"
            "movq 16(%[a]), %[x2]\n\t"
            "movq 24(%[a]), %[x3]\n\t"
            "xorl %k[c], %k[c]\n\t"
            "addq 0(%[b]), %[x0]\n\t"
            "adcq 8(%[b]), %[x1]\n\t"
            "adcq 16(%[b]), %[x2]\n\t"
            "adcq 24(%[b]), %[x3]\n\t"
            "adcq $0, %[c]\n\t"
            "movq %[x0], %[y0]\n\t"
            "movq %[x1], %[y1]\n\t"
            "movq %[x2], %[y2]\n\t"
            "movq %[x3], %[y3]\n\t"
            "subq $-1, %[y0]\n\t"
            "sbbq %[p1], %[y1]\n\t"
            "sbbq $0, %[y2]\n\t"
            "sbbq %[p3], %[y3]\n\t"
            /* CF now: the 257-bit sum was below p */
            "sbbq $0, %[c]\n\t"
            "cmovcq %[x0], %[y0]\n\t"
            "cmovcq %[x1], %[y1]\n\t"
            "cmovcq %[x2], %[y2]\n\t"
            "cmovcq %[x3], %[y3]\n\t"
            : [x0] "=&r"(x0), [x1] "=&r"(x1), [x2] "=&r"(x2), [x3] "=&r"(x3), [y0] "=&r"(y0),
              [y1] "=&r"(y1), [y2] "=&r"(y2), [y3] "=&r"(y3), [c] "=&r"(c)
            : [a] "r"(a), [b] "r"(b), [p1] "m"(p1), [p3] "m"(p3)
            : "cc", "memory");
    r[0] = y0;
    r[1] = y1;
    r[2] = y2;
    r[3] = y3;
}

/* r = a - b mod p (a, b < p): subtract, then add p masked by the borrow. */
static inline void fe_sub_x86(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
    static const uint64_t p1 = P256_P1, p3 = P256_P3;
    uint64_t x0, x1, x2, x3, y1, y3, c;
    __asm__("movq 0(%[a]), %[x0]\n\t"
            "movq 8(%[a]), %[x1]\n\t"
            "movq 16(%[a]), %[x2]\n\t"
            "movq 24(%[a]), %[x3]\n\t"
            "subq 0(%[b]), %[x0]\n\t"
            "sbbq 8(%[b]), %[x1]\n\t"
            "sbbq 16(%[b]), %[x2]\n\t"
            "sbbq 24(%[b]), %[x3]\n\t"
            "sbbq %[c], %[c]\n\t" /* all-ones on a borrow */
            "movq %[p1], %[y1]\n\t"
            "movq %[p3], %[y3]\n\t"
            "andq %[c], %[y1]\n\t"
            "andq %[c], %[y3]\n\t"
            "addq %[c], %[x0]\n\t"
            "adcq %[y1], %[x1]\n\t"
            "adcq $0, %[x2]\n\t"
            "adcq %[y3], %[x3]\n\t"
            : [x0] "=&r"(x0), [x1] "=&r"(x1), [x2] "=&r"(x2), [x3] "=&r"(x3), [y1] "=&r"(y1),
              [y3] "=&r"(y3), [c] "=&r"(c)
            : [a] "r"(a), [b] "r"(b), [p1] "m"(p1), [p3] "m"(p3)
            : "cc", "memory");
    r[0] = x0;
    r[1] = x1;
    r[2] = x2;
    r[3] = x3;
}
#endif

/* ------------------------------------------------------------------ GF(p) */

#define P256_P_ARGS P256_P0, P256_P1, P256_P2, P256_P3
#define P256_N_ARGS P256_N0, P256_N1, P256_N2, P256_N3

/* The portable Montgomery multiplication and squaring mod p (also the tests' reference). */
static inline void fe_mul_c(avila_p256_fe *r, const avila_p256_fe *a, const avila_p256_fe *b)
{
    uint64_t t[8];
    wide_mul(t, a->v, b->v);
    p_reduce(r->v, t);
}

static inline void fe_sq_c(avila_p256_fe *r, const avila_p256_fe *a)
{
    uint64_t t[8];
    wide_sqr(t, a->v);
    p_reduce(r->v, t);
}

static inline void fe_mul(avila_p256_fe *r, const avila_p256_fe *a, const avila_p256_fe *b)
{
#if P256_ASM
    fe_mul_x86(r->v, a->v, b->v);
#else
    fe_mul_c(r, a, b);
#endif
}

static inline void fe_sq(avila_p256_fe *r, const avila_p256_fe *a)
{
#if P256_ASM
    fe_sq_x86(r->v, a->v);
#else
    fe_sq_c(r, a);
#endif
}

static inline void fe_add(avila_p256_fe *r, const avila_p256_fe *a, const avila_p256_fe *b)
{
#if P256_ASM
    fe_add_x86(r->v, a->v, b->v);
#else
    mod_add(r->v, a->v, b->v, P256_P_ARGS);
#endif
}

static inline void fe_sub(avila_p256_fe *r, const avila_p256_fe *a, const avila_p256_fe *b)
{
#if P256_ASM
    fe_sub_x86(r->v, a->v, b->v);
#else
    mod_sub(r->v, a->v, b->v, P256_P_ARGS);
#endif
}

/* r = a if bit is 1, unchanged if 0; constant time. */
static inline void fe_cmov(avila_p256_fe *r, const avila_p256_fe *a, uint32_t bit)
{
    const uint64_t mask = avila_ct_mask_u64(bit);
    for (int i = 0; i < 4; i++)
        r->v[i] ^= mask & (r->v[i] ^ a->v[i]);
}

/* 1 if a is zero, else 0 (elements are reduced, so this is "== 0 mod m"). */
static inline uint32_t fe_iszero(const avila_p256_fe *a)
{
    uint64_t x = a->v[0] | a->v[1] | a->v[2] | a->v[3];
    return (uint32_t)((x | (0 - x)) >> 63) ^ 1;
}

/* 1 if a == b, else 0; constant time. */
static inline uint32_t fe_equal(const avila_p256_fe *a, const avila_p256_fe *b)
{
    uint64_t x =
        (a->v[0] ^ b->v[0]) | (a->v[1] ^ b->v[1]) | (a->v[2] ^ b->v[2]) | (a->v[3] ^ b->v[3]);
    return (uint32_t)((x | (0 - x)) >> 63) ^ 1;
}

/* r = -a mod p. */
static inline void fe_neg(avila_p256_fe *r, const avila_p256_fe *a)
{
    const avila_p256_fe zero = {{0, 0, 0, 0}};
    fe_sub(r, &zero, a);
}

/* Montgomery-form constants: 1, b (the curve coefficient), R^2 mod p. */
extern const avila_p256_fe avila_p256_fe_one;
extern const avila_p256_fe avila_p256_fe_b;

/*
 * Reads the 32-byte big-endian s into r (Montgomery form of s mod p).
 * Returns 1 if s was below p (canonical), 0 if not. Constant time.
 */
uint32_t avila_p256_fe_frombytes(avila_p256_fe *r, const uint8_t s[32]);

/* Writes a's value (out of Montgomery form) as 32 big-endian bytes. */
void avila_p256_fe_tobytes(uint8_t s[32], const avila_p256_fe *a);

/* r = 1/a mod p (0 for a = 0), by Fermat (a^(p-2)). Constant time. */
void avila_p256_fe_invert(avila_p256_fe *r, const avila_p256_fe *a);

/*
 * r = a^((p+1)/4), a square root of a when a is a square (p = 3 mod 4).
 * Returns 1 if r^2 = a (a was a square), else 0. Constant time.
 */
uint32_t avila_p256_fe_sqrt(avila_p256_fe *r, const avila_p256_fe *a);

/* The low bit of a's value (out of Montgomery form): the "parity" of SEC 1 2.3.3. */
uint32_t avila_p256_fe_parity(const avila_p256_fe *a);

/* ------------------------------------------------------------------ scalars mod n */

static inline void sc_mul(avila_p256_fe *r, const avila_p256_fe *a, const avila_p256_fe *b)
{
#if P256_ASM
    sc_mul_x86(r->v, a->v, b->v);
#else
    mod_mul(r->v, a->v, b->v, P256_N_ARGS, P256_N_M0INV);
#endif
}

static inline void sc_sq(avila_p256_fe *r, const avila_p256_fe *a)
{
#if P256_ASM
    sc_sq_x86(r->v, a->v);
#else
    mod_sqr(r->v, a->v, P256_N_ARGS, P256_N_M0INV);
#endif
}

static inline void sc_add(avila_p256_fe *r, const avila_p256_fe *a, const avila_p256_fe *b)
{
    mod_add(r->v, a->v, b->v, P256_N_ARGS);
}

static inline void sc_sub(avila_p256_fe *r, const avila_p256_fe *a, const avila_p256_fe *b)
{
    mod_sub(r->v, a->v, b->v, P256_N_ARGS);
}

/*
 * Reads the 32-byte big-endian s as an integer x < 2^256 into r (Montgomery
 * form of x mod n). Returns 1 if 0 < x < n (a valid private key or nonce),
 * else 0. Constant time.
 */
uint32_t avila_p256_sc_frombytes(avila_p256_fe *r, const uint8_t s[32]);

/* Writes a's value (out of Montgomery form) as 32 big-endian bytes. */
void avila_p256_sc_tobytes(uint8_t s[32], const avila_p256_fe *a);

/* r = 1/a mod n (0 for a = 0), by Fermat (a^(n-2)). Constant time. */
void avila_p256_sc_invert(avila_p256_fe *r, const avila_p256_fe *a);

/* The plain (non-Montgomery) words of a scalar, for recoding. */
void avila_p256_sc_towords(uint64_t w[4], const avila_p256_fe *a);

/* ------------------------------------------------------------------ points */

/*
 * A point in homogeneous projective coordinates: x = X/Z, y = Y/Z; the
 * point at infinity is (0 : 1 : 0) (any Z = 0). The complete formulas of
 * Renes, Costello and Batina ("Complete addition formulas for prime order
 * elliptic curves", EUROCRYPT 2016, algorithms 4, 5 and 6 for a = -3) work
 * for every input, infinity and P = Q included, with no branch.
 */
typedef struct {
    avila_p256_fe X, Y, Z;
} avila_p256_point;

/* An affine point (x, y), never infinity: what the tables hold. */
typedef struct {
    avila_p256_fe x, y;
} avila_p256_affine;

/* Generated tables (crypto/p256_table.c by tools/gen/p256_table.py), Montgomery form. */
#define AVILA_P256_BASE_ROWS 64 /* one row per radix-16 digit of a 256-bit scalar */
#define AVILA_P256_BASE_COLS 8  /* base_table[i][j] = (j + 1) 16^i G */
#define AVILA_P256_ODD_COUNT 32 /* base_odd[i] = (2i + 1) G: a width-7 NAF */
extern const avila_p256_affine avila_p256_base_table[AVILA_P256_BASE_ROWS][AVILA_P256_BASE_COLS];
extern const avila_p256_affine avila_p256_base_odd[AVILA_P256_ODD_COUNT];

/* r = infinity; r = G (the base point). */
void avila_p256_point_zero(avila_p256_point *r);
void avila_p256_point_base(avila_p256_point *r);

/* r = p + q, r = p + (affine q), r = 2 p: complete, constant time; r may alias inputs. */
void avila_p256_point_add(avila_p256_point *r, const avila_p256_point *p,
                          const avila_p256_point *q);
void avila_p256_point_add_affine(avila_p256_point *r, const avila_p256_point *p,
                                 const avila_p256_affine *q);
void avila_p256_point_dbl(avila_p256_point *r, const avila_p256_point *p);

/* 1 if p is the point at infinity (Z = 0), else 0. Constant time. */
uint32_t avila_p256_point_is_zero(const avila_p256_point *p);

/*
 * Writes the affine x and y of p (not infinity) as Montgomery elements;
 * one constant-time inversion. For infinity both come out 0.
 */
void avila_p256_point_to_affine(avila_p256_affine *a, const avila_p256_point *p);

/* 1 if the affine (x, y) satisfies y^2 = x^3 - 3x + b, else 0. Constant time. */
uint32_t avila_p256_on_curve(const avila_p256_fe *x, const avila_p256_fe *y);

/*
 * r = k P for a scalar k < n (plain words) and a point P of order n (any
 * point but infinity), by signed 5-bit windows over a 16-entry table of P
 * with constant-time lookups: Jacobian doublings between the windows, the
 * complete addition for the table points. Constant time in k and P.
 */
void avila_p256_scalarmult(avila_p256_point *r, const uint64_t k[4], const avila_p256_point *p);

/*
 * r = k G for a scalar k < n (plain words) with the comb table: 64 mixed
 * additions, no doubling. Constant time in k.
 */
void avila_p256_scalarmult_base(avila_p256_point *r, const uint64_t k[4]);

/*
 * r = a G + b Q for public a, b < 2^256 (plain words) and a point Q (not
 * infinity): interleaved wNAF (width 7 for G from base_odd, width 5 for Q)
 * in Jacobian coordinates with the usual incomplete formulas and branches
 * for their special cases. VARIABLE TIME: only for verification, where
 * every input is public. r comes back in homogeneous coordinates.
 */
void avila_p256_double_scalarmult_vartime(avila_p256_point *r, const uint64_t a[4],
                                          const uint64_t b[4], const avila_p256_point *q);

/* ------------------------------------------------------------------ ECDSA internals */

/*
 * RFC 6979 section 3.2's HMAC_DRBG nonce generator (with the section 3.6
 * additional data for hedged signing). Split from signing so the
 * constant-time test can declassify the rejection verdict, the one value
 * the loop in avila_p256_sign branches on (a rejected candidate says
 * nothing about the accepted one). All fields are private.
 */
struct avila_p256_rfc6979 {
    const struct avila_digest *d; /* SHA-256, SHA-384 or SHA-512 (by hash length) */
    uint8_t K[64], V[64];
    uint32_t started; /* a candidate was drawn: the next one updates K, V first (step h.3) */
};

/*
 * Seeds st with the private key x (32 bytes, in [1, n - 1]), the message
 * hash h (32, 48 or 64 bytes; d MUST be the hash of that length) and
 * extra_len bytes of additional data (RFC 6979 section 3.6; NULL when 0).
 */
void avila_p256_rfc6979_init(struct avila_p256_rfc6979 *st, const struct avila_digest *d,
                             const uint8_t x[32], const uint8_t *h, size_t h_len,
                             const uint8_t *extra, size_t extra_len);

/*
 * Draws the next candidate nonce into k (32 big-endian bytes, step h).
 * Returns 1 if it is in [1, n - 1] (usable), 0 if it must be rejected.
 * Constant time.
 */
uint32_t avila_p256_rfc6979_next(struct avila_p256_rfc6979 *st, uint8_t k[32]);

/*
 * The ECDSA signing equation (FIPS 186-5 section 6.4.1 steps 5-11): with
 * the private key d (Montgomery scalar, in [1, n - 1]), the hash integer e
 * (Montgomery scalar, already reduced mod n) and the nonce k (32 bytes,
 * in [1, n - 1]), writes r || s to sig. Returns 1 if r and s are non-zero
 * (a usable signature), 0 if the nonce must be replaced. Constant time.
 */
uint32_t avila_p256_sign_with_nonce(uint8_t sig[64], const avila_p256_fe *d, const avila_p256_fe *e,
                                    const uint8_t k[32]);

#endif
