/*
 * crypto/poly1305_x86.c - Poly1305 (RFC 8439 section 2.5) block kernels for
 * x86-64: AVX2 with four lanes and AVX-512F with eight, in radix 2^26.
 *
 * With L lanes, lane j accumulates blocks j, j + L, j + 2L, ... of the
 * message: the accumulator h joins lane 0's first block, every step
 * multiplies all lanes by r^L and adds the next L blocks, and the last step
 * multiplies the lanes by r^L, ..., r^1 (in the order the lanes hold their
 * blocks) before summing them: the same polynomial as one block at a time.
 * The loop takes two groups of L blocks per step, H = H r^2L + A r^L + B,
 * so one carry chain serves 2L blocks and the two products overlap.
 *
 * Limbs are 26 bits in the low half of 64-bit lanes, so vpmuludq gives
 * exact products. Bounds: accumulator and message limbs < 2^27.5, key
 * limbs < 2^27 and their multiples by 5 < 2^29.5, so a product is < 2^57
 * and a sum of ten (two products per carry) < 2^61 < 2^64.
 *
 * The arithmetic is written once, in macros over VMUL / VADD / ... that
 * each kernel defines for its register width. Inputs shorter than
 * MIN_BLOCKS (for which the key powers cost more than they save) and the
 * blocks left over after whole groups go through the scalar kernel.
 */
#include "core/cpu.h"
#include "core/ct.h"
#include "crypto/chacha20_int.h"

#if AVILA_X86_64
#include <immintrin.h>

#define MIN_BLOCKS 32

/*
 * pw[k] = r^(k + 1) in radix 2^26 for k < n: successive multiplications by
 * the clamped r in radix 2^64 are the cheapest way to get them.
 */
static void key_powers(uint32_t pw[][5], int n, const uint64_t r[2])
{
    uint64_t p[3] = {r[0], r[1], 0};
    avila_poly1305_to26(pw[0], p);
    for (int k = 1; k < n; k++) {
        avila_poly1305_mul_r(p, r);
        avila_poly1305_to26(pw[k], p);
    }
    avila_wipe(p, sizeof p);
}

/*
 * Shared arithmetic on named vector locals: X##0..X##4 are limbs, and a
 * multiplier K has limbs K##r0..K##r4 and fivefold K##s1..K##s4.
 */

/* Splits the 128-bit blocks whose low and high halves are in LO and HI into limbs L##0..L##4. */
#define POLY_SPLIT(L, LO, HI)                                                                      \
    L##0 = VAND(LO, mask26);                                                                       \
    L##1 = VAND(VSRL(LO, 26), mask26);                                                             \
    L##2 = VAND(VOR(VSRL(LO, 52), VSLL(HI, 12)), mask26);                                          \
    L##3 = VAND(VSRL(HI, 14), mask26);                                                             \
    L##4 = VOR(VSRL(HI, 40), hibit)

/*
 * Limb i of H * K, unreduced: the sum over j of H_j times K's limb i - j,
 * or 5 times limb i - j + 5 where that wraps past 2^130. Each limb is
 * summed on its own so that few products are live at once.
 */
#define POLY_P0(H, K)                                                                              \
    VADD(VADD(VADD(VADD(VMUL(H##0, K##r0), VMUL(H##1, K##s4)), VMUL(H##2, K##s3)),                 \
              VMUL(H##3, K##s2)),                                                                  \
         VMUL(H##4, K##s1))
#define POLY_P1(H, K)                                                                              \
    VADD(VADD(VADD(VADD(VMUL(H##0, K##r1), VMUL(H##1, K##r0)), VMUL(H##2, K##s4)),                 \
              VMUL(H##3, K##s3)),                                                                  \
         VMUL(H##4, K##s2))
#define POLY_P2(H, K)                                                                              \
    VADD(VADD(VADD(VADD(VMUL(H##0, K##r2), VMUL(H##1, K##r1)), VMUL(H##2, K##r0)),                 \
              VMUL(H##3, K##s4)),                                                                  \
         VMUL(H##4, K##s3))
#define POLY_P3(H, K)                                                                              \
    VADD(VADD(VADD(VADD(VMUL(H##0, K##r3), VMUL(H##1, K##r2)), VMUL(H##2, K##r1)),                 \
              VMUL(H##3, K##r0)),                                                                  \
         VMUL(H##4, K##s4))
#define POLY_P4(H, K)                                                                              \
    VADD(VADD(VADD(VADD(VMUL(H##0, K##r4), VMUL(H##1, K##r3)), VMUL(H##2, K##r2)),                 \
              VMUL(H##3, K##r1)),                                                                  \
         VMUL(H##4, K##r0))

/* D = H * K. */
#define POLY_MUL(D, H, K)                                                                          \
    D##0 = POLY_P0(H, K), D##1 = POLY_P1(H, K), D##2 = POLY_P2(H, K), D##3 = POLY_P3(H, K),        \
    D##4 = POLY_P4(H, K)

/* D += H * K. */
#define POLY_MULADD(D, H, K)                                                                       \
    D##0 = VADD(D##0, POLY_P0(H, K)), D##1 = VADD(D##1, POLY_P1(H, K)),                            \
    D##2 = VADD(D##2, POLY_P2(H, K)), D##3 = VADD(D##3, POLY_P3(H, K)),                            \
    D##4 = VADD(D##4, POLY_P4(H, K))

/*
 * H = D partially reduced (limbs < 2^26 + 2^12) plus A: two carry chains,
 * 0->1->2->3 and 3->4->0 (times 5), run side by side.
 */
#define POLY_CARRY_ADD(H, D, A)                                                                    \
    do {                                                                                           \
        V ca_ = VSRL(D##0, 26), cb_ = VSRL(D##3, 26);                                              \
        D##0 = VAND(D##0, mask26), D##3 = VAND(D##3, mask26);                                      \
        D##1 = VADD(D##1, ca_), D##4 = VADD(D##4, cb_);                                            \
        ca_ = VSRL(D##1, 26), cb_ = VSRL(D##4, 26);                                                \
        D##1 = VAND(D##1, mask26), D##4 = VAND(D##4, mask26);                                      \
        D##2 = VADD(D##2, ca_), D##0 = VADD(D##0, VADD(cb_, VSLL(cb_, 2)));                        \
        ca_ = VSRL(D##2, 26), cb_ = VSRL(D##0, 26);                                                \
        D##2 = VAND(D##2, mask26), D##0 = VAND(D##0, mask26);                                      \
        D##3 = VADD(D##3, ca_), D##1 = VADD(D##1, cb_);                                            \
        ca_ = VSRL(D##3, 26);                                                                      \
        D##3 = VAND(D##3, mask26), D##4 = VADD(D##4, ca_);                                         \
        H##0 = VADD(D##0, A##0), H##1 = VADD(D##1, A##1), H##2 = VADD(D##2, A##2);                 \
        H##3 = VADD(D##3, A##3), H##4 = VADD(D##4, A##4);                                          \
    } while (0)

/*
 * Declares multiplier K with limb vectors F(i, X), i = 0..4: BCAST for one
 * value in every lane (X: its limbs), TABLE for a value per lane (X[i]: limb
 * i of every lane, 64 bits each).
 */
#define POLY_DECLARE_MUL(K, F, X)                                                                  \
    const V K##r0 = F(0, X), K##r1 = F(1, X), K##r2 = F(2, X), K##r3 = F(3, X), K##r4 = F(4, X);   \
    const V K##s1 = VADD(K##r1, VSLL(K##r1, 2)), K##s2 = VADD(K##r2, VSLL(K##r2, 2));              \
    const V K##s3 = VADD(K##r3, VSLL(K##r3, 2)), K##s4 = VADD(K##r4, VSLL(K##r4, 2))
#define BCAST(i, X) VSET1((X)[i])
#define TABLE(i, X) VLOAD((X)[i])

/*
 * The whole kernel body, for L lanes loaded L blocks at a time by LOAD,
 * which leaves in lane j the block at offset L - 1 - LAST_ORDER[j] of its
 * group: the last step multiplies lane j by r^(LAST_ORDER[j] + 1), i.e.
 * pw[LAST_ORDER[j]] (pw holds r^1..r^L). k1 multiplies by r^L, k2 by r^2L.
 */
#define POLY_KERNEL_BODY(L, LOAD)                                                                  \
    uint32_t pw[L][5], step2[5], hl[5];                                                            \
    uint64_t last_tab[5][L], sum[5];                                                               \
    const int order[L] = LAST_ORDER;                                                               \
    key_powers(pw, L, r);                                                                          \
    avila_poly1305_mul26(step2, pw[(L)-1], pw[(L)-1]);                                             \
    avila_poly1305_to26(hl, h);                                                                    \
    for (int i_ = 0; i_ < 5; i_++)                                                                 \
        for (int j_ = 0; j_ < (L); j_++)                                                           \
            last_tab[i_][j_] = pw[order[j_]][i_];                                                  \
    POLY_DECLARE_MUL(k1, BCAST, pw[(L)-1]);                                                        \
    POLY_DECLARE_MUL(k2, BCAST, step2);                                                            \
    POLY_DECLARE_MUL(last, TABLE, last_tab);                                                       \
    V h0, h1, h2, h3, h4, a0, a1, a2, a3, a4, d0, d1, d2, d3, d4, lo, hi;                          \
    LOAD(m, lo, hi);                                                                               \
    POLY_SPLIT(a, lo, hi);                                                                         \
    h0 = VADD(a0, VFIRST(hl[0])), h1 = VADD(a1, VFIRST(hl[1])), h2 = VADD(a2, VFIRST(hl[2]));      \
    h3 = VADD(a3, VFIRST(hl[3])), h4 = VADD(a4, VFIRST(hl[4]));                                    \
    m += (size_t)16 * (L);                                                                         \
    groups--;                                                                                      \
    for (; groups >= 2; groups -= 2, m += (size_t)32 * (L)) {                                      \
        POLY_MUL(d, h, k2);                                                                        \
        LOAD(m, lo, hi);                                                                           \
        POLY_SPLIT(a, lo, hi);                                                                     \
        POLY_MULADD(d, a, k1);                                                                     \
        LOAD(m + (size_t)16 * (L), lo, hi);                                                        \
        POLY_SPLIT(a, lo, hi);                                                                     \
        POLY_CARRY_ADD(h, d, a);                                                                   \
    }                                                                                              \
    if (groups) {                                                                                  \
        POLY_MUL(d, h, k1);                                                                        \
        LOAD(m, lo, hi);                                                                           \
        POLY_SPLIT(a, lo, hi);                                                                     \
        POLY_CARRY_ADD(h, d, a);                                                                   \
    }                                                                                              \
    {                                                                                              \
        const V z0 = VZERO, z1 = VZERO, z2 = VZERO, z3 = VZERO, z4 = VZERO;                        \
        POLY_MUL(d, h, last);                                                                      \
        POLY_CARRY_ADD(h, d, z);                                                                   \
    }                                                                                              \
    sum[0] = VSUM(h0), sum[1] = VSUM(h1), sum[2] = VSUM(h2), sum[3] = VSUM(h3);                    \
    sum[4] = VSUM(h4);                                                                             \
    avila_poly1305_from26(h, sum);                                                                 \
    avila_wipe(pw, sizeof pw);                                                                     \
    avila_wipe(step2, sizeof step2);                                                               \
    avila_wipe(hl, sizeof hl);                                                                     \
    avila_wipe(last_tab, sizeof last_tab);                                                         \
    avila_wipe(sum, sizeof sum)

/* ------------------------------------------------------------------- AVX2 */

#define V         __m256i
#define VADD      _mm256_add_epi64
#define VMUL      _mm256_mul_epu32
#define VAND      _mm256_and_si256
#define VOR       _mm256_or_si256
#define VSRL      _mm256_srli_epi64
#define VSLL      _mm256_slli_epi64
#define VZERO     _mm256_setzero_si256()
#define VFIRST(x) _mm256_setr_epi64x(x, 0, 0, 0)
#define VSUM(x)   sum4(x)
#define VSET1(x)  _mm256_set1_epi64x(x)
#define VLOAD(p)  _mm256_loadu_si256((const __m256i *)(p))
/* Blocks 0-3 at p: lanes hold blocks 0, 2, 1, 3. */
#define LOAD4(p, LO, HI)                                                                           \
    do {                                                                                           \
        V x_ = _mm256_loadu_si256((const __m256i *)(p));                                           \
        V y_ = _mm256_loadu_si256((const __m256i *)((p) + 32));                                    \
        (LO) = _mm256_unpacklo_epi64(x_, y_), (HI) = _mm256_unpackhi_epi64(x_, y_);                \
    } while (0)
/* Lanes hold blocks 0, 2, 1, 3 of a group: the last group needs r^4, r^2, r^3, r^1. */
#define LAST_ORDER                                                                                 \
    {                                                                                              \
        3, 1, 2, 0                                                                                 \
    }

AVILA_TARGET("avx2") static inline uint64_t sum4(__m256i x)
{
    __m128i s = _mm_add_epi64(_mm256_castsi256_si128(x), _mm256_extracti128_si256(x, 1));
    return (uint64_t)_mm_cvtsi128_si64(_mm_add_epi64(s, _mm_unpackhi_epi64(s, s)));
}

/* Absorbs 4 * groups full blocks at m (groups >= 1) into h. */
AVILA_TARGET("avx2")
static void lanes4(uint64_t h[3], const uint64_t r[2], const uint8_t *m, size_t groups)
{
    const V mask26 = _mm256_set1_epi64x(0x3ffffff), hibit = _mm256_set1_epi64x(1 << 24);
    POLY_KERNEL_BODY(4, LOAD4);
}

#undef V
#undef VADD
#undef VMUL
#undef VAND
#undef VOR
#undef VSRL
#undef VSLL
#undef VZERO
#undef VFIRST
#undef VSUM
#undef VSET1
#undef VLOAD
#undef LAST_ORDER

/* ---------------------------------------------------------------- AVX-512 */

#define V         __m512i
#define VADD      _mm512_add_epi64
#define VMUL      _mm512_mul_epu32
#define VAND      _mm512_and_si512
#define VOR       _mm512_or_si512
#define VSRL      _mm512_srli_epi64
#define VSLL      _mm512_slli_epi64
#define VZERO     _mm512_setzero_si512()
#define VFIRST(x) _mm512_setr_epi64(x, 0, 0, 0, 0, 0, 0, 0)
#define VSUM(x)   (uint64_t) _mm512_reduce_add_epi64(x)
#define VSET1(x)  _mm512_set1_epi64(x)
#define VLOAD(p)  _mm512_loadu_si512((const void *)(p))
/* Blocks 0-7 at p: lanes hold blocks 0, 4, 1, 5, 2, 6, 3, 7. */
#define LOAD8(p, LO, HI)                                                                           \
    do {                                                                                           \
        V x_ = _mm512_loadu_si512((const void *)(p));                                              \
        V y_ = _mm512_loadu_si512((const void *)((p) + 64));                                       \
        (LO) = _mm512_unpacklo_epi64(x_, y_), (HI) = _mm512_unpackhi_epi64(x_, y_);                \
    } while (0)
/* Lanes hold blocks 0, 4, 1, 5, 2, 6, 3, 7: the last group needs r^8, r^4, r^7, ..., r^1. */
#define LAST_ORDER                                                                                 \
    {                                                                                              \
        7, 3, 6, 2, 5, 1, 4, 0                                                                     \
    }

/* Absorbs 8 * groups full blocks at m (groups >= 1) into h. */
AVILA_TARGET("avx512f")
static void lanes8(uint64_t h[3], const uint64_t r[2], const uint8_t *m, size_t groups)
{
    const V mask26 = _mm512_set1_epi64(0x3ffffff), hibit = _mm512_set1_epi64(1 << 24);
    POLY_KERNEL_BODY(8, LOAD8);
}

#undef V
#undef VADD
#undef VMUL
#undef VAND
#undef VOR
#undef VSRL
#undef VSLL
#undef VZERO
#undef VFIRST
#undef VSUM
#undef VSET1
#undef VLOAD
#undef LAST_ORDER

/* ------------------------------------------------------------- dispatching */

typedef void (*lanes_fn)(uint64_t h[3], const uint64_t r[2], const uint8_t *m, size_t groups);

/* Whole groups of full blocks go to fn; the rest, and short inputs, to the scalar kernel. */
static inline void blocks_with(lanes_fn fn, size_t lanes, uint64_t h[3], const uint64_t r[2],
                               const uint8_t *m, size_t nblocks, uint32_t hibit)
{
    if (nblocks >= MIN_BLOCKS && hibit) {
        fn(h, r, m, nblocks / lanes);
        m += 16 * (nblocks - nblocks % lanes);
        nblocks %= lanes;
    }
    if (nblocks)
        avila_poly1305_kernel_scalar()->blocks(h, r, m, nblocks, hibit);
}

static void blocks_avx2(uint64_t h[3], const uint64_t r[2], const uint8_t *m, size_t nblocks,
                        uint32_t hibit)
{
    blocks_with(lanes4, 4, h, r, m, nblocks, hibit);
}

static void blocks_avx512(uint64_t h[3], const uint64_t r[2], const uint8_t *m, size_t nblocks,
                          uint32_t hibit)
{
    blocks_with(lanes8, 8, h, r, m, nblocks, hibit);
}

const struct avila_poly1305_kernel avila_poly1305_kernel_avx2 = {"avx2", AVILA_CPU_AVX2,
                                                                 blocks_avx2};
const struct avila_poly1305_kernel avila_poly1305_kernel_avx512 = {"avx512", AVILA_CPU_AVX512F,
                                                                   blocks_avx512};

#endif
