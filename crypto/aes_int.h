/*
 * crypto/aes_int.h - AES internals shared by aes.c, aes_x86.c, the GCM code
 * and the tests (not installed). Each implementation is a table of function
 * pointers; the tests run every one the CPU has on the same vectors.
 */
#ifndef AVILA_CRYPTO_AES_INT_H
#define AVILA_CRYPTO_AES_INT_H

#include "crypto/aes.h"

struct avila_aes_impl {
    const char *name;
    uint32_t needs; /* AVILA_CPU_* bits that must all be present */
    void (*encrypt_block)(const struct avila_aes *k, uint8_t out[16], const uint8_t in[16]);
    void (*decrypt_block)(const struct avila_aes *k, uint8_t out[16], const uint8_t in[16]);
    /* As avila_aes_ctr. */
    void (*ctr)(const struct avila_aes *k, uint8_t *out, const uint8_t *in, size_t n,
                uint8_t counter[16]);
};

/* Bitsliced, constant-time, four blocks per pass (aes.c). */
extern const struct avila_aes_impl avila_aes_portable;
#if AVILA_X86_64
/* AES-NI, eight blocks in flight for CTR (aes_x86.c). */
extern const struct avila_aes_impl avila_aes_aesni;
/* AES-NI blocks; CTR with VAES on 512-bit registers, sixteen blocks per pass (aes_x86.c). */
extern const struct avila_aes_impl avila_aes_vaes512;
#endif

/* Every implementation built in, best first, NULL-terminated. */
extern const struct avila_aes_impl *const avila_aes_impls[];

/* The best implementation whose needs avila_cpu_features() meets. */
const struct avila_aes_impl *avila_aes_pick(void);

#if AVILA_X86_64
#include <immintrin.h>

/* AES-NI helpers shared by aes_x86.c and gcm_x86.c (inlined into their callers). */
#define AVILA_AESNI_TARGET AVILA_TARGET("aes,sse4.1")

/* Round key r of the FIPS 197 schedule. */
AVILA_AESNI_TARGET static inline __m128i avila_aesni_round_key(const struct avila_aes *k,
                                                               uint32_t r)
{
    return _mm_load_si128((const __m128i *)(const void *)k->rk[r]);
}

/*
 * Eight CTR keystream blocks for the counters c, c + 1, ..., c + 7, where
 * c is the counter block byte-reversed (so inc32 is an add to epi32 lane 0).
 * Eight independent chains hide AESENC's latency.
 */
AVILA_AESNI_TARGET static inline void avila_aesni_keystream8(const struct avila_aes *k, __m128i c,
                                                             __m128i b[8])
{
    const __m128i rev = _mm_setr_epi8(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    __m128i rk = avila_aesni_round_key(k, 0);
#pragma GCC unroll 8
    for (size_t i = 0; i < 8; i++)
        b[i] = _mm_xor_si128(
            _mm_shuffle_epi8(_mm_add_epi32(c, _mm_setr_epi32((int)i, 0, 0, 0)), rev), rk);
    for (uint32_t r = 1; r < k->rounds; r++) {
        rk = avila_aesni_round_key(k, r);
#pragma GCC unroll 8
        for (size_t i = 0; i < 8; i++)
            b[i] = _mm_aesenc_si128(b[i], rk);
    }
    rk = avila_aesni_round_key(k, k->rounds);
#pragma GCC unroll 8
    for (size_t i = 0; i < 8; i++)
        b[i] = _mm_aesenclast_si128(b[i], rk);
}
#endif

/* SubWord of FIPS 197 (the S-box on each byte of w), constant-time; exposed for tests. */
uint32_t avila_aes_sub_word(uint32_t w);

#endif
