/*
 * crypto/sha512_x86.c - the SHA-512 block function (FIPS 180-4 section
 * 6.4.2) with an AVX2 message schedule and BMI2 rounds ("avx2").
 *
 * There are no SHA-512 instructions here, so the rounds stay scalar (BMI2's
 * rorx rotates without destroying its source) and the vector unit computes
 * the message schedule: two blocks at a time, each 256-bit register holding
 * W[t], W[t+1] of the first block in its low half and of the second block in
 * its high half. One step (section 6.4.2 step 1) makes two words of each
 * block, since W[t+2] needs W[t]. K[t] is added before storing, so a round
 * reads one precomputed K[t] + W[t].
 *
 * The vector and integer units work in parallel, so the schedule is
 * computed between the rounds of the pair's first block, one 16-round
 * group ahead of the rounds that read it; only the 16 loaded words come
 * first.
 */
#include "core/cpu.h"
#include "core/ct.h"
#include "crypto/sha2_int.h"

#if AVILA_X86_64
#include <immintrin.h>

#define TARGET AVILA_TARGET("avx2,bmi2")

/* Each 64-bit lane rotated right by n (a constant). */
#define ROR64(x, n) _mm256_or_si256(_mm256_srli_epi64(x, n), _mm256_slli_epi64(x, 64 - (n)))

TARGET static inline __m256i ssig0(__m256i x)
{
    return _mm256_xor_si256(_mm256_xor_si256(ROR64(x, 1), ROR64(x, 8)), _mm256_srli_epi64(x, 7));
}

TARGET static inline __m256i ssig1(__m256i x)
{
    return _mm256_xor_si256(_mm256_xor_si256(ROR64(x, 19), ROR64(x, 61)), _mm256_srli_epi64(x, 6));
}

/* K[t], K[t+1] in both halves. */
TARGET static inline __m256i k_pair(int t)
{
    return _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)&avila_sha512_k[t]));
}

/*
 * The schedule of a pair of blocks p0, p1 (p1 may equal p0) is stored in
 * out[160]: out[4i .. 4i+3] = K + W at t = 2i, 2i+1 of p0, then of p1. It
 * is computed in 40 units: unit i < 8 loads W[2i], W[2i+1]; unit i >= 8
 * computes them from the 16 before. x[i % 8] holds the last 8 units' words.
 * j = i % 8 must be a constant, so that x stays in registers.
 */
#define SCHED_LOAD(i)                                                                              \
    do {                                                                                           \
        __m256i m_ = _mm256_inserti128_si256(                                                      \
            _mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(p0 + 16 * (size_t)(i)))),     \
            _mm_loadu_si128((const __m128i *)(p1 + 16 * (size_t)(i))), 1);                         \
        x[i] = _mm256_shuffle_epi8(m_, bswap);                                                     \
        _mm256_store_si256((__m256i *)&out[4 * (size_t)(i)],                                       \
                           _mm256_add_epi64(x[i], k_pair(2 * (i))));                               \
    } while (0)

/*
 * W[t] = ssig1(W[t-2]) + W[t-7] + ssig0(W[t-15]) + W[t-16] for t = 2i,
 * 2i + 1. W[t-15] and W[t-7] straddle two registers: alignr joins the high
 * word of one with the low word of the next, in each half.
 */
#define SCHED_STEP(i, j)                                                                           \
    do {                                                                                           \
        __m256i w15_ = _mm256_alignr_epi8(x[((j) + 1) % 8], x[j], 8);                              \
        __m256i w7_ = _mm256_alignr_epi8(x[((j) + 5) % 8], x[((j) + 4) % 8], 8);                   \
        x[j] = _mm256_add_epi64(_mm256_add_epi64(x[j], ssig0(w15_)),                               \
                                _mm256_add_epi64(w7_, ssig1(x[((j) + 7) % 8])));                   \
        _mm256_store_si256((__m256i *)&out[4 * (size_t)(i)],                                       \
                           _mm256_add_epi64(x[j], k_pair(2 * (i))));                               \
    } while (0)

/* Reverses the bytes of each 64-bit lane: the message is big-endian. */
#define BSWAP64_MASK                                                                               \
    _mm256_broadcastsi128_si256(_mm_set_epi8(8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7))

/* K[t] + W[t] of one block, t relative to the 16-round group at kw. */
#define KW_AT(t) (kw[4 * ((t) >> 1) + ((t)&1)])

/*
 * The 80 rounds of one block whose K + W are at wk (as the SCHED_ macros
 * store them, so wk + 2 is the second block of a pair). If x is not NULL,
 * wk holds only the first 8 units of a pair, loaded into x, and the other 32
 * are computed into wk during the rounds, 8 units per group of 16 rounds,
 * each one group ahead of its use.
 */
TARGET static inline __attribute__((always_inline)) void rounds(uint64_t st[8], uint64_t *wk,
                                                                __m256i *x)
{
    uint64_t *out = wk;
    uint64_t a = st[0], b = st[1], c = st[2], d = st[3];
    uint64_t e = st[4], f = st[5], g = st[6], h = st[7];
    uint64_t x0 = b ^ c, x1;
    const uint64_t *kw = wk;
    /* Group grp reads units 8 grp .. 8 grp + 7 and computes units i .. i+7, i = 8 grp + 8. */
    for (int grp = 0; grp < 5; grp++, kw += 32) {
        int i = 8 * grp + 8;
        AVILA_SHA512_ROUNDS8(0, KW_AT);
        if (x && grp < 4) {
            SCHED_STEP(i + 0, 0);
            SCHED_STEP(i + 1, 1);
            SCHED_STEP(i + 2, 2);
            SCHED_STEP(i + 3, 3);
        }
        AVILA_SHA512_ROUNDS8(8, KW_AT);
        if (x && grp < 4) {
            SCHED_STEP(i + 4, 4);
            SCHED_STEP(i + 5, 5);
            SCHED_STEP(i + 6, 6);
            SCHED_STEP(i + 7, 7);
        }
    }
    st[0] += a, st[1] += b, st[2] += c, st[3] += d;
    st[4] += e, st[5] += f, st[6] += g, st[7] += h;
}

TARGET static void blocks_avx2(uint64_t st[8], const uint8_t *p, size_t nblocks)
{
    _Alignas(32) uint64_t wk[160];
    const __m256i bswap = BSWAP64_MASK;
    while (nblocks) {
        /* A lone block runs as its own pair partner; only its first half is used. */
        const uint8_t *p0 = p, *p1 = nblocks > 1 ? p + AVILA_SHA512_BLOCK_LEN : p;
        uint64_t *out = wk;
        __m256i x[8];
        for (int i = 0; i < 8; i++)
            SCHED_LOAD(i);
        rounds(st, wk, x);
        if (p1 == p0)
            break;
        rounds(st, wk + 2, NULL);
        p += 2 * (size_t)AVILA_SHA512_BLOCK_LEN;
        nblocks -= 2;
    }
    /* The schedule is message-derived and may be secret (an HMAC key). */
    avila_wipe(wk, sizeof wk);
}

const struct avila_sha512_kernel avila_sha512_kernel_avx2 = {
    "avx2", AVILA_CPU_AVX2 | AVILA_CPU_BMI2, blocks_avx2};

#endif
