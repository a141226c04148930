/*
 * crypto/gcm_x86.c - AES-GCM (NIST SP 800-38D) fast paths for x86-64:
 *   - AES-NI + PCLMULQDQ: eight blocks per pass, GHASH of the eight with
 *     H^8..H^1 summed unreduced and reduced once (aggregated reduction);
 *   - VAES + VPCLMULQDQ on AVX-512: sixteen blocks per pass, four per
 *     instruction, one reduction per sixteen blocks; tails through masked
 *     loads and stores.
 * The reduction modulo x^128 + x^7 + x^2 + x + 1 takes two carry-less
 * multiplications by 0xc2 << 56 (the polynomial's low terms, bit-reflected).
 * Constant-time by construction: carry-less multiplication and AES
 * instructions take fixed time, nothing branches on or indexes by secrets.
 */
#include "crypto/gcm_int.h"

#include "core/cpu.h"
#include "core/ct.h"

#if AVILA_X86_64
#include <immintrin.h>

#define PCLMUL  AVILA_TARGET("pclmul,aes,sse4.1")
#define VAES512 AVILA_TARGET("pclmul,aes,sse4.1,avx512f,avx512bw,avx512vl,vaes,vpclmulqdq")

#define BYTE_REVERSE 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0

/* ---------------------------------------------------------------- 128-bit GHASH */

/* A field element from 16 block bytes: byte-reversed, low qword = bytes 8-15. */
PCLMUL static inline __m128i load_elem(const uint8_t *p)
{
    return _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)p),
                            _mm_setr_epi8(BYTE_REVERSE));
}

PCLMUL static inline __m128i load_u64x2(const uint64_t v[2])
{
    return _mm_loadu_si128((const __m128i *)(const void *)v);
}

/* Adds x*h (256 bits, as low, middle and high 128-bit parts) to the accumulators. */
PCLMUL static inline void mul_acc(__m128i acc[3], __m128i x, __m128i h)
{
    acc[0] = _mm_xor_si128(acc[0], _mm_clmulepi64_si128(x, h, 0x00));
    acc[1] = _mm_xor_si128(
        acc[1], _mm_xor_si128(_mm_clmulepi64_si128(x, h, 0x01), _mm_clmulepi64_si128(x, h, 0x10)));
    acc[2] = _mm_xor_si128(acc[2], _mm_clmulepi64_si128(x, h, 0x11));
}

/*
 * Reduces lo + mid*2^64 + hi*2^128. Each fold of the lowest 64-bit word w
 * (degrees highest) adds w*(x^7 + x^2 + x + 1) two words up: w itself plus
 * clmul(w, 0xc2 << 56), whose halves land one and two words up.
 */
PCLMUL static inline __m128i reduce(__m128i lo, __m128i mid, __m128i hi)
{
    const __m128i poly = _mm_set_epi64x(0, (long long)0xc200000000000000);
    __m128i l = _mm_xor_si128(lo, _mm_slli_si128(mid, 8));
    __m128i u = _mm_xor_si128(hi, _mm_srli_si128(mid, 8));
    l = _mm_xor_si128(_mm_shuffle_epi32(l, 0x4e), _mm_clmulepi64_si128(l, poly, 0x00));
    l = _mm_xor_si128(_mm_shuffle_epi32(l, 0x4e), _mm_clmulepi64_si128(l, poly, 0x00));
    return _mm_xor_si128(u, l);
}

/* y' = (y + x_0) H^m + x_1 H^(m-1) + ... + x_(m-1) H for m <= 16 blocks, one reduction. */
PCLMUL static inline __attribute__((always_inline)) __m128i
ghash_n(const struct avila_gcm *g, __m128i y, const __m128i *x, size_t m)
{
    const uint64_t(*hp)[2] = g->hpow + (AVILA_GCM_HPOWERS - m);
    __m128i acc[3] = {_mm_setzero_si128(), _mm_setzero_si128(), _mm_setzero_si128()};
    mul_acc(acc, _mm_xor_si128(x[0], y), load_u64x2(hp[0]));
#pragma GCC unroll 8
    for (size_t i = 1; i < m; i++)
        mul_acc(acc, x[i], load_u64x2(hp[i]));
    return reduce(acc[0], acc[1], acc[2]);
}

PCLMUL static void pclmul_ghash(const struct avila_gcm *g, uint64_t y[2], const uint8_t *in,
                                size_t nblocks)
{
    __m128i s = load_u64x2(y), x[8];
    for (; nblocks >= 8; nblocks -= 8, in += 128) {
#pragma GCC unroll 8
        for (size_t i = 0; i < 8; i++)
            x[i] = load_elem(in + 16 * i);
        s = ghash_n(g, s, x, 8);
    }
    if (nblocks > 0) {
        for (size_t i = 0; i < nblocks; i++)
            x[i] = load_elem(in + 16 * i);
        s = ghash_n(g, s, x, nblocks);
    }
    _mm_storeu_si128((__m128i *)(void *)y, s);
}

PCLMUL static void pclmul_mul(uint64_t r[2], const uint64_t a[2], const uint64_t b[2])
{
    __m128i acc[3] = {_mm_setzero_si128(), _mm_setzero_si128(), _mm_setzero_si128()};
    mul_acc(acc, load_u64x2(a), load_u64x2(b));
    _mm_storeu_si128((__m128i *)(void *)r, reduce(acc[0], acc[1], acc[2]));
}

/* out = in ^ ks for one block; returns the ciphertext as a field element. */
PCLMUL static inline __m128i xor_store(uint8_t *out, const uint8_t *in, __m128i ks)
{
    __m128i x = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(const void *)in), ks);
    _mm_storeu_si128((__m128i *)(void *)out, x);
    return _mm_shuffle_epi8(x, _mm_setr_epi8(BYTE_REVERSE));
}

/* CTR over eight blocks at a time, each group hashed as soon as it is written. */
PCLMUL static void pclmul_seal_blocks(const struct avila_gcm *g, uint64_t y[2], uint8_t *out,
                                      const uint8_t *in, size_t nblocks, uint8_t ctr[16])
{
    const struct avila_aes *k = &g->aes;
    const __m128i rev = _mm_setr_epi8(BYTE_REVERSE);
    __m128i c = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)ctr), rev);
    __m128i s = load_u64x2(y), b[8];
    for (; nblocks >= 8; nblocks -= 8, in += 128, out += 128) {
        avila_aesni_keystream8(k, c, b);
        c = _mm_add_epi32(c, _mm_setr_epi32(8, 0, 0, 0));
#pragma GCC unroll 8
        for (size_t i = 0; i < 8; i++)
            b[i] = xor_store(out + 16 * i, in + 16 * i, b[i]);
        s = ghash_n(g, s, b, 8);
    }
    if (nblocks > 0) {
        avila_aesni_keystream8(k, c, b);
        c = _mm_add_epi32(c, _mm_cvtsi32_si128((int)nblocks));
        for (size_t i = 0; i < nblocks; i++)
            b[i] = xor_store(out + 16 * i, in + 16 * i, b[i]);
        s = ghash_n(g, s, b, nblocks);
    }
    _mm_storeu_si128((__m128i *)(void *)y, s);
    _mm_storeu_si128((__m128i *)(void *)ctr, _mm_shuffle_epi8(c, rev));
}

const struct avila_gcm_impl avila_gcm_pclmul = {
    .name = "aesni-pclmul",
    .needs = AVILA_CPU_AESNI | AVILA_CPU_PCLMUL | AVILA_CPU_SSE42,
    .aes = &avila_aes_aesni,
    .ghash = pclmul_ghash,
    .seal_blocks = pclmul_seal_blocks,
    .mul = pclmul_mul,
};

/* ---------------------------------------------------------------- 512-bit */

/* XOR of the four 128-bit lanes. */
VAES512 static inline __m128i fold_lanes(__m512i z)
{
    __m256i t = _mm256_xor_si256(_mm512_castsi512_si256(z), _mm512_extracti64x4_epi64(z, 1));
    return _mm_xor_si128(_mm256_castsi256_si128(t), _mm256_extracti128_si256(t, 1));
}

VAES512 static inline void mul_acc512(__m512i acc[3], __m512i x, __m512i h)
{
    acc[0] = _mm512_xor_si512(acc[0], _mm512_clmulepi64_epi128(x, h, 0x00));
    acc[1] = _mm512_ternarylogic_epi64(acc[1], _mm512_clmulepi64_epi128(x, h, 0x01),
                                       _mm512_clmulepi64_epi128(x, h, 0x10), 0x96);
    acc[2] = _mm512_xor_si512(acc[2], _mm512_clmulepi64_epi128(x, h, 0x11));
}

/*
 * Hashes the m <= 16 blocks in x[0..3] (four per register, zero past m)
 * with powers h[0..3] (H^m .. H^1 in the same places), y added to block 0.
 */
VAES512 static inline __m128i ghash16(__m128i y, const __m512i x[4], const __m512i h[4])
{
    __m512i acc[3] = {_mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512()};
    mul_acc512(acc, _mm512_xor_si512(x[0], _mm512_inserti32x4(_mm512_setzero_si512(), y, 0)), h[0]);
#pragma GCC unroll 8
    for (size_t j = 1; j < 4; j++)
        mul_acc512(acc, x[j], h[j]);
    return reduce(fold_lanes(acc[0]), fold_lanes(acc[1]), fold_lanes(acc[2]));
}

/* Byte mask for the part of a 64-byte register j that holds blocks below m. */
static inline __mmask64 block_mask(size_t m, size_t j)
{
    size_t have = m > 4 * j ? m - 4 * j : 0;
    return have >= 4 ? ~(__mmask64)0 : ((__mmask64)1 << (16 * have)) - 1;
}

/* The powers H^m .. H^1 spread over four registers as ghash16 wants them (zero past m). */
VAES512 static void load_powers(const struct avila_gcm *g, size_t m, __m512i h[4])
{
#pragma GCC unroll 8
    for (size_t j = 0; j < 4; j++) {
        __mmask64 mask = block_mask(m, j);
        /* Only registers holding blocks compute an address, which is inside hpow. */
        h[j] = mask ? _mm512_maskz_loadu_epi8(mask, g->hpow[AVILA_GCM_HPOWERS - m + 4 * j])
                    : _mm512_setzero_si512();
    }
}

VAES512 static void vaes512_ghash(const struct avila_gcm *g, uint64_t y[2], const uint8_t *in,
                                  size_t nblocks)
{
    /* Below sixteen blocks the 128-bit code wins: no broadcasts, no masks. */
    if (nblocks < 16) {
        pclmul_ghash(g, y, in, nblocks);
        return;
    }
    const __m512i rev = _mm512_broadcast_i32x4(_mm_setr_epi8(BYTE_REVERSE));
    __m128i s = load_u64x2(y);
    __m512i h[4], x[4];
    load_powers(g, 16, h);
    for (; nblocks >= 16; nblocks -= 16, in += 256) {
#pragma GCC unroll 8
        for (size_t j = 0; j < 4; j++)
            x[j] = _mm512_shuffle_epi8(_mm512_loadu_si512((const void *)(in + 64 * j)), rev);
        s = ghash16(s, x, h);
    }
    if (nblocks > 0) {
        load_powers(g, nblocks, h);
#pragma GCC unroll 8
        for (size_t j = 0; j < 4; j++)
            x[j] = _mm512_shuffle_epi8(_mm512_maskz_loadu_epi8(block_mask(nblocks, j), in + 64 * j),
                                       rev);
        s = ghash16(s, x, h);
    }
    _mm_storeu_si128((__m128i *)(void *)y, s);
}

/*
 * CTR + GHASH over m <= 16 blocks (masked when fewer): four counter
 * registers from c, XOR with in, store, hash. Returns the new y.
 */
VAES512 static inline __m128i seal16(const __m512i *rk, uint32_t rounds, const __m512i h[4],
                                     __m128i s, __m512i c, uint8_t *out, const uint8_t *in,
                                     size_t m)
{
    const __m512i rev = _mm512_broadcast_i32x4(_mm_setr_epi8(BYTE_REVERSE));
    const __m512i four = _mm512_broadcast_i32x4(_mm_setr_epi32(4, 0, 0, 0));
    __m512i b[4];
#pragma GCC unroll 8
    for (size_t j = 0; j < 4; j++) {
        b[j] = _mm512_xor_si512(_mm512_shuffle_epi8(c, rev), rk[0]);
        c = _mm512_add_epi32(c, four);
    }
    for (uint32_t r = 1; r < rounds; r++)
#pragma GCC unroll 8
        for (size_t j = 0; j < 4; j++)
            b[j] = _mm512_aesenc_epi128(b[j], rk[r]);
#pragma GCC unroll 8
    for (size_t j = 0; j < 4; j++) {
        __mmask64 mask = block_mask(m, j);
        __m512i x = _mm512_maskz_loadu_epi8(mask, in + 64 * j);
        x = _mm512_xor_si512(x, _mm512_aesenclast_epi128(b[j], rk[rounds]));
        _mm512_mask_storeu_epi8(out + 64 * j, mask, x);
        b[j] = _mm512_shuffle_epi8(_mm512_maskz_mov_epi8(mask, x), rev);
    }
    return ghash16(s, b, h);
}

VAES512 static void vaes512_seal_blocks(const struct avila_gcm *g, uint64_t y[2], uint8_t *out,
                                        const uint8_t *in, size_t nblocks, uint8_t ctr[16])
{
    if (nblocks < 16) {
        pclmul_seal_blocks(g, y, out, in, nblocks, ctr);
        return;
    }
    const __m128i rev = _mm_setr_epi8(BYTE_REVERSE);
    const __m512i sixteen = _mm512_broadcast_i32x4(_mm_setr_epi32(16, 0, 0, 0));
    const struct avila_aes *k = &g->aes;
    __m512i rk[AVILA_AES_MAX_ROUNDS + 1], h[4];
    for (uint32_t r = 0; r <= k->rounds; r++)
        rk[r] = _mm512_broadcast_i32x4(avila_aesni_round_key(k, r));
    load_powers(g, 16, h);
    __m128i c1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)ctr), rev);
    __m128i next = _mm_add_epi32(c1, _mm_cvtsi32_si128((int)(uint32_t)nblocks));
    __m512i c = _mm512_add_epi32(_mm512_broadcast_i32x4(c1),
                                 _mm512_setr_epi32(0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0));
    __m128i s = load_u64x2(y);
    for (; nblocks >= 16; nblocks -= 16, in += 256, out += 256) {
        s = seal16(rk, k->rounds, h, s, c, out, in, 16);
        c = _mm512_add_epi32(c, sixteen);
    }
    if (nblocks > 0) {
        load_powers(g, nblocks, h);
        s = seal16(rk, k->rounds, h, s, c, out, in, nblocks);
    }
    _mm_storeu_si128((__m128i *)(void *)y, s);
    _mm_storeu_si128((__m128i *)(void *)ctr, _mm_shuffle_epi8(next, rev));
    avila_wipe(rk, sizeof rk);
}

const struct avila_gcm_impl avila_gcm_vaes512 = {
    .name = "vaes-avx512",
    .needs = AVILA_CPU_AESNI | AVILA_CPU_PCLMUL | AVILA_CPU_SSE42 | AVILA_CPU_AVX512F |
             AVILA_CPU_AVX512BW | AVILA_CPU_AVX512VL | AVILA_CPU_VAES | AVILA_CPU_VPCLMUL,
    .aes = &avila_aes_vaes512,
    .ghash = vaes512_ghash,
    .seal_blocks = vaes512_seal_blocks,
    .mul = pclmul_mul,
};

#endif
