/*
 * crypto/mp_ifma.c - Montgomery multiplication in radix 2^52 with the
 * AVX-512 IFMA instructions (vpmadd52luq/vpmadd52huq), for the modular
 * exponentiations behind RSA 2048-4096 private keys (moduli of 16, 24 and
 * 32 limbs: the CRT primes).
 *
 * A residue is held as K digits of 52 bits in 64-bit lanes, K the least
 * count with 52 K >= 64 n + 2, so R' = 2^(52 K) > 4 m. The multiplication is
 * "almost Montgomery" (Gueron and Krasnov, "Software Implementation of
 * Modular Exponentiation, Using Advanced Vector Instructions Architectures",
 * WAIFI 2012; and "Fast Modular Exponentiation with AVX-512 IFMA", 2018):
 * operands below 2 m give a result below 2 m, congruent to a b / R', and only
 * the final conversion reduces fully. Each of the K steps adds b[i] a and
 * q m (q chosen so the lowest digit vanishes) and shifts one digit down.
 * The 52-bit products split into a low half that stays in the lane and a
 * high half that lands one digit up, which after the shift is the same lane:
 * lanes carry lazily (each collects at most 4 K values below 2^52, under
 * 2^60), and one normalisation per multiplication settles them.
 *
 * The serial part of each step is q = (lowest digit) k mod 2^52. The vector
 * lanes take several cycles to produce the next lowest digit, so the two
 * lowest digits are mirrored in scalar registers: the chain from one q to
 * the next is a few scalar multiplications, and the vector unit only has
 * to deliver the third digit, two steps ahead of its use.
 *
 * x86-64 only; crypto/mp.c uses it when the CPU has AVX-512F and IFMA.
 * Pure. Constant time: no branch or memory index depends on values; masks
 * derived from values only select lanes (k-register moves and adds).
 */
#include "core/cpu.h"
#include "crypto/mp_int.h"

#if AVILA_X86_64
#include <immintrin.h>

#define IFMA        AVILA_TARGET("avx512f,avx512ifma")
#define IFMA_INLINE static inline __attribute__((always_inline)) IFMA

#define DIGIT_BITS 52
#define DIGIT_MASK ((UINT64_C(1) << DIGIT_BITS) - 1)
/* The loops over registers run 3 to 5 times: unrolled, their arrays live in registers. */
#if defined(__clang__)
#define UNROLL _Pragma("clang loop unroll(full)")
#else
#define UNROLL _Pragma("GCC unroll 8")
#endif
/* 64-bit lanes in a 512-bit register. */
#define LANES_PER_REG ((size_t)8)
#define MAX_REGS      (AVILA_MP_IFMA_MAX_LANES / LANES_PER_REG)

size_t avila_mp_ifma_digits(size_t n)
{
    const uint32_t need = AVILA_CPU_AVX512F | AVILA_CPU_AVX512IFMA;
    if ((n != 16 && n != 24 && n != 32) || (avila_cpu_features() & need) != need)
        return 0;
    return (64 * n + 2 + DIGIT_BITS - 1) / DIGIT_BITS;
}

void avila_mp_to_digits(uint64_t *d, size_t lanes, const uint64_t *x, size_t n)
{
    for (size_t j = 0; j < lanes; j++) {
        size_t bit = DIGIT_BITS * j, limb = bit / 64, shift = bit % 64;
        uint64_t v = 0;
        if (limb < n)
            v = x[limb] >> shift;
        if (shift > 64 - DIGIT_BITS && limb + 1 < n)
            v |= x[limb + 1] << (64 - shift);
        d[j] = v & DIGIT_MASK;
    }
}

void avila_mp_from_digits(uint64_t *x, size_t n, const uint64_t *d, size_t digits)
{
    for (size_t i = 0; i < n; i++)
        x[i] = 0;
    for (size_t j = 0; j < digits; j++) {
        size_t bit = DIGIT_BITS * j, limb = bit / 64, shift = bit % 64;
        if (limb < n)
            x[limb] |= d[j] << shift;
        if (shift > 64 - DIGIT_BITS && limb + 1 < n)
            x[limb + 1] |= d[j] >> (64 - shift);
    }
}

void avila_mp_ifma_init(struct avila_mp_ifma *f, const struct avila_mp_mont *ctx, size_t digits)
{
    f->digits = digits;
    f->lanes = (digits + LANES_PER_REG - 1) / LANES_PER_REG * LANES_PER_REG;
    f->k = ctx->m0inv & DIGIT_MASK;
    avila_mp_to_digits(f->m, f->lanes, ctx->m, ctx->n);
}

/*
 * Carries every lane above 52 bits into the next one, leaving digits below
 * 2^52 (the value is below 2^(52 lanes), so nothing leaves the top). One
 * vector step moves each lane's excess up; what remains is at most a 1 per
 * lane, resolved like a carry-lookahead adder on lane bitmasks: lanes above
 * the mask generate a carry, lanes equal to it propagate one.
 */
IFMA_INLINE void normalize(__m512i *u, int regs)
{
    const __m512i mask = _mm512_set1_epi64((long long)DIGIT_MASK);
    const __m512i zero = _mm512_setzero_si512();
    __m512i hi[MAX_REGS];
    UNROLL
    for (int z = 0; z < regs; z++) {
        hi[z] = _mm512_srli_epi64(u[z], DIGIT_BITS);
        u[z] = _mm512_and_si512(u[z], mask);
    }
    uint64_t gen = 0, prop = 0;
    UNROLL
    for (int z = 0; z < regs; z++) {
        __m512i below = z > 0 ? hi[z - 1] : zero;
        u[z] = _mm512_add_epi64(u[z], _mm512_alignr_epi64(hi[z], below, 7));
        gen |= (uint64_t)_mm512_cmpgt_epu64_mask(u[z], mask) << (LANES_PER_REG * z);
        prop |= (uint64_t)_mm512_cmpeq_epu64_mask(u[z], mask) << (LANES_PER_REG * z);
    }
    uint64_t carry_in = ((gen << 1) + prop) ^ prop;
    const __m512i one = _mm512_set1_epi64(1);
    UNROLL
    for (int z = 0; z < regs; z++) {
        __mmask8 c = (__mmask8)(carry_in >> (LANES_PER_REG * z));
        u[z] = _mm512_and_si512(_mm512_mask_add_epi64(u[z], c, u[z], one), mask);
    }
}

static inline uint64_t lo52(uint64_t x, uint64_t y)
{
    return (x * y) & DIGIT_MASK;
}

static inline uint64_t hi52(uint64_t x, uint64_t y)
{
    return (uint64_t)(((mp_u128)x * y) >> DIGIT_BITS);
}

/* r = a b / R' mod m, almost (below 2 m), for regs registers of digits. */
IFMA_INLINE void amm(const struct avila_mp_ifma *f, uint64_t *r, const uint64_t *a,
                     const uint64_t *b, int regs)
{
    const __m512i zero = _mm512_setzero_si512();
    __m512i av[MAX_REGS], mv[MAX_REGS], u[MAX_REGS];
    UNROLL
    for (int z = 0; z < regs; z++) {
        av[z] = _mm512_loadu_si512(a + LANES_PER_REG * z);
        mv[z] = _mm512_loadu_si512(f->m + LANES_PER_REG * z);
        u[z] = zero;
    }
    const uint64_t a0 = a[0], a1 = a[1], a2 = a[2], m0 = f->m[0], m1 = f->m[1], m2 = f->m[2];
    /* Scalar mirrors of u's two lowest lanes; the vector's lane 0 misses the carries. */
    uint64_t t0 = 0, t1 = 0;
    for (size_t i = 0; i < f->digits; i++) {
        const uint64_t bi = b[i];
        const __m512i bv = _mm512_set1_epi64((long long)bi);
        uint64_t x2 =
            (uint64_t)_mm_cvtsi128_si64(_mm256_extracti128_si256(_mm512_castsi512_si256(u[0]), 1));
        uint64_t s0 = t0 + lo52(a0, bi);
        uint64_t q = (s0 * f->k) & DIGIT_MASK;
        const __m512i qv = _mm512_set1_epi64((long long)q);
        uint64_t carry = (s0 + lo52(m0, q)) >> DIGIT_BITS;
        t0 = t1 + lo52(a1, bi) + lo52(m1, q) + hi52(a0, bi) + hi52(m0, q) + carry;
        t1 = x2 + lo52(a2, bi) + lo52(m2, q) + hi52(a1, bi) + hi52(m1, q);
        __m512i s[MAX_REGS], h[MAX_REGS];
        UNROLL
        for (int z = 0; z < regs; z++) {
            __m512i lo = _mm512_madd52lo_epu64(_mm512_madd52lo_epu64(zero, av[z], bv), mv[z], qv);
            s[z] = _mm512_add_epi64(u[z], lo);
            h[z] = _mm512_madd52hi_epu64(_mm512_madd52hi_epu64(zero, av[z], bv), mv[z], qv);
        }
        /* Shift down one lane (lane 0 is the vanished digit) and add the high halves. */
        UNROLL
        for (int z = 0; z < regs - 1; z++)
            u[z] = _mm512_add_epi64(_mm512_alignr_epi64(s[z + 1], s[z], 1), h[z]);
        u[regs - 1] = _mm512_add_epi64(_mm512_alignr_epi64(zero, s[regs - 1], 1), h[regs - 1]);
    }
    u[0] = _mm512_mask_set1_epi64(u[0], 1, (long long)t0);
    normalize(u, regs);
    UNROLL
    for (int z = 0; z < regs; z++)
        _mm512_storeu_si512(r + LANES_PER_REG * z, u[z]);
}

IFMA void avila_mp_ifma_mul(const struct avila_mp_ifma *f, uint64_t *r, const uint64_t *a,
                            const uint64_t *b)
{
    switch (f->lanes) {
    case 24:
        amm(f, r, a, b, 3);
        break;
    case 32:
        amm(f, r, a, b, 4);
        break;
    default:
        amm(f, r, a, b, 5);
        break;
    }
}

#endif
