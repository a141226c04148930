/*
 * crypto/sha256_x86.c - the SHA-256 block function (FIPS 180-4 section
 * 6.2.2) with the x86 SHA extensions ("sha-ni").
 *
 * sha256rnds2 runs two rounds on the state split as ABEF / CDGH (in the
 * instruction's lane order) with K[t] + W[t] of both rounds in the low half
 * of its third operand; sha256msg1 and sha256msg2 compute four schedule
 * words W[t..t+3] from W[t-16..t-1] (msg1 adds sigma0 of the next words,
 * msg2 adds sigma1 of the previous ones, and W[t-7..t-4] is added in
 * between). Each group of four rounds keeps four 4-word schedule registers
 * in flight, the newest being the one just computed.
 */
#include "core/cpu.h"
#include "crypto/sha2_int.h"

#if AVILA_X86_64
#include <immintrin.h>

#define SHANI_TARGET AVILA_TARGET("sha,sse4.1,ssse3")

/* Four rounds t..t+3 with schedule words m (W[t..t+3]). */
SHANI_TARGET
static inline __attribute__((always_inline)) void rounds4(__m128i *abef, __m128i *cdgh, __m128i m,
                                                          int t)
{
    __m128i kw = _mm_add_epi32(m, _mm_loadu_si128((const __m128i *)&avila_sha256_k[t]));
    *cdgh = _mm_sha256rnds2_epu32(*cdgh, *abef, kw);
    *abef = _mm_sha256rnds2_epu32(*abef, *cdgh, _mm_shuffle_epi32(kw, 0x0e));
}

/* W[t..t+3] from m0 = W[t-16..], m1 = W[t-12..], m2 = W[t-8..], m3 = W[t-4..]. */
SHANI_TARGET
static inline __attribute__((always_inline)) __m128i schedule4(__m128i m0, __m128i m1, __m128i m2,
                                                               __m128i m3)
{
    __m128i w = _mm_add_epi32(_mm_sha256msg1_epu32(m0, m1), _mm_alignr_epi8(m3, m2, 4));
    return _mm_sha256msg2_epu32(w, m3);
}

SHANI_TARGET
static void blocks_shani(uint32_t h[8], const uint8_t *p, size_t nblocks)
{
    /* Reverses the bytes of each 32-bit word: the message is big-endian. */
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
    /* h[0..3] = a b c d and h[4..7] = e f g h, lane 0 first; rnds2 wants (f e b a), (h g d c). */
    __m128i dcba = _mm_loadu_si128((const __m128i *)&h[0]);
    __m128i hgfe = _mm_loadu_si128((const __m128i *)&h[4]);
    __m128i badc = _mm_shuffle_epi32(dcba, 0xb1);
    __m128i efgh = _mm_shuffle_epi32(hgfe, 0x1b);
    __m128i abef = _mm_alignr_epi8(badc, efgh, 8);
    __m128i cdgh = _mm_blend_epi16(efgh, badc, 0xf0);

    for (; nblocks; nblocks--, p += AVILA_SHA256_BLOCK_LEN) {
        __m128i abef0 = abef, cdgh0 = cdgh;
        __m128i m0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 0)), bswap);
        __m128i m1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16)), bswap);
        __m128i m2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 32)), bswap);
        __m128i m3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 48)), bswap);
        rounds4(&abef, &cdgh, m0, 0);
        rounds4(&abef, &cdgh, m1, 4);
        rounds4(&abef, &cdgh, m2, 8);
        rounds4(&abef, &cdgh, m3, 12);
        for (int t = 16; t < 64; t += 16) {
            m0 = schedule4(m0, m1, m2, m3);
            rounds4(&abef, &cdgh, m0, t);
            m1 = schedule4(m1, m2, m3, m0);
            rounds4(&abef, &cdgh, m1, t + 4);
            m2 = schedule4(m2, m3, m0, m1);
            rounds4(&abef, &cdgh, m2, t + 8);
            m3 = schedule4(m3, m0, m1, m2);
            rounds4(&abef, &cdgh, m3, t + 12);
        }
        abef = _mm_add_epi32(abef, abef0);
        cdgh = _mm_add_epi32(cdgh, cdgh0);
    }

    /* Back to a b c d / e f g h. */
    __m128i feba = _mm_shuffle_epi32(abef, 0x1b);
    __m128i dchg = _mm_shuffle_epi32(cdgh, 0xb1);
    _mm_storeu_si128((__m128i *)&h[0], _mm_blend_epi16(feba, dchg, 0xf0));
    _mm_storeu_si128((__m128i *)&h[4], _mm_alignr_epi8(dchg, feba, 8));
}

const struct avila_sha256_kernel avila_sha256_kernel_shani = {"sha-ni", AVILA_CPU_SHA,
                                                              blocks_shani};

#endif
