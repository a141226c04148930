/*
 * crypto/aes_x86.c - AES (FIPS 197) with the x86-64 AES instructions: AES-NI
 * on 128-bit registers (eight CTR blocks in flight, enough to cover the
 * latency of AESENC) and VAES on 512-bit registers (four blocks per
 * instruction, sixteen in flight). CTR mode as in NIST SP 800-38A section
 * 6.5 with SP 800-38D's inc32. Constant-time by construction: the AES
 * instructions take no data-dependent time and nothing here branches on
 * or indexes by secret data. Uses the FIPS 197 round keys from aes.c.
 */
#include "crypto/aes_int.h"

#include "core/cpu.h"
#include "core/ct.h"

#if AVILA_X86_64
#include <immintrin.h>

#define AESNI   AVILA_AESNI_TARGET
#define VAES512 AVILA_TARGET("aes,sse4.1,avx512f,avx512bw,avx512vl,vaes")

/* Reverses the 16 bytes of a block: turns the big-endian counter into lane 0 of epi32. */
#define BYTE_REVERSE 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0

AESNI static __m128i encrypt1(const struct avila_aes *k, __m128i x)
{
    x = _mm_xor_si128(x, avila_aesni_round_key(k, 0));
    for (uint32_t r = 1; r < k->rounds; r++)
        x = _mm_aesenc_si128(x, avila_aesni_round_key(k, r));
    return _mm_aesenclast_si128(x, avila_aesni_round_key(k, k->rounds));
}

AESNI static void aesni_encrypt_block(const struct avila_aes *k, uint8_t out[16],
                                      const uint8_t in[16])
{
    __m128i x = encrypt1(k, _mm_loadu_si128((const __m128i *)(const void *)in));
    _mm_storeu_si128((__m128i *)(void *)out, x);
}

/* The equivalent inverse cipher (FIPS 197 section 5.3.5): middle keys through InvMixColumns. */
AESNI static void aesni_decrypt_block(const struct avila_aes *k, uint8_t out[16],
                                      const uint8_t in[16])
{
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)in);
    x = _mm_xor_si128(x, avila_aesni_round_key(k, k->rounds));
    for (uint32_t r = k->rounds; r-- > 1;)
        x = _mm_aesdec_si128(x, _mm_aesimc_si128(avila_aesni_round_key(k, r)));
    x = _mm_aesdeclast_si128(x, avila_aesni_round_key(k, 0));
    _mm_storeu_si128((__m128i *)(void *)out, x);
}

AESNI static void aesni_ctr(const struct avila_aes *k, uint8_t *out, const uint8_t *in, size_t n,
                            uint8_t counter[16])
{
    const __m128i rev = _mm_setr_epi8(BYTE_REVERSE);
    /* Byte-reversed, the inc32 counter is epi32 lane 0: adding to it never carries out. */
    __m128i c = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)counter), rev);
    __m128i b[8];
    for (; n >= 128; n -= 128, in += 128, out += 128) {
        avila_aesni_keystream8(k, c, b);
        c = _mm_add_epi32(c, _mm_setr_epi32(8, 0, 0, 0));
#pragma GCC unroll 8
        for (size_t i = 0; i < 8; i++) {
            __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(in + 16 * i));
            _mm_storeu_si128((__m128i *)(void *)(out + 16 * i), _mm_xor_si128(x, b[i]));
        }
    }
    if (n > 0) {
        /* The last 1..127 bytes: eight blocks in parallel beat a serial chain of fewer. */
        uint8_t ks[16];
        size_t i = 0;
        avila_aesni_keystream8(k, c, b);
        c = _mm_add_epi32(c, _mm_cvtsi32_si128((int)(n / 16 + (n % 16 != 0))));
        for (; n >= 16; n -= 16, in += 16, out += 16, i++) {
            __m128i x = _mm_loadu_si128((const __m128i *)(const void *)in);
            _mm_storeu_si128((__m128i *)(void *)out, _mm_xor_si128(x, b[i]));
        }
        if (n > 0) {
            _mm_storeu_si128((__m128i *)(void *)ks, b[i]);
            for (size_t j = 0; j < n; j++)
                out[j] = in[j] ^ ks[j];
            avila_wipe(ks, sizeof ks);
        }
    }
    _mm_storeu_si128((__m128i *)(void *)counter, _mm_shuffle_epi8(c, rev));
}

const struct avila_aes_impl avila_aes_aesni = {
    .name = "aesni",
    .needs = AVILA_CPU_AESNI | AVILA_CPU_SSE42,
    .encrypt_block = aesni_encrypt_block,
    .decrypt_block = aesni_decrypt_block,
    .ctr = aesni_ctr,
};

/* ---------------------------------------------------------------- VAES, 512-bit */

/* Round keys broadcast to all four lanes; rk[0..rounds] are set. */
VAES512 static void load_keys512(const struct avila_aes *k, __m512i rk[AVILA_AES_MAX_ROUNDS + 1])
{
    for (uint32_t r = 0; r <= k->rounds; r++)
        rk[r] = _mm512_broadcast_i32x4(avila_aesni_round_key(k, r));
}

/* Encrypts four counter blocks per register, each register on its own lanes. */
VAES512 static inline __m512i encrypt4(const __m512i *rk, uint32_t rounds, __m512i x)
{
    x = _mm512_xor_si512(x, rk[0]);
    for (uint32_t r = 1; r < rounds; r++)
        x = _mm512_aesenc_epi128(x, rk[r]);
    return _mm512_aesenclast_epi128(x, rk[rounds]);
}

VAES512 static void vaes512_ctr(const struct avila_aes *k, uint8_t *out, const uint8_t *in,
                                size_t n, uint8_t counter[16])
{
    /* Below sixteen blocks the 128-bit code wins: no key broadcasts. */
    if (n < 256) {
        aesni_ctr(k, out, in, n, counter);
        return;
    }
    const __m512i rev = _mm512_broadcast_i32x4(_mm_setr_epi8(BYTE_REVERSE));
    const __m512i four = _mm512_broadcast_i32x4(_mm_setr_epi32(4, 0, 0, 0));
    __m512i rk[AVILA_AES_MAX_ROUNDS + 1];
    load_keys512(k, rk);
    uint32_t rounds = k->rounds;
    /* inc32 wraps modulo 2^32, so the block count may be truncated to 32 bits. */
    uint32_t blocks = (uint32_t)(n / 16 + (n % 16 != 0));
    __m128i c1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)counter),
                                  _mm_setr_epi8(BYTE_REVERSE));
    /* Lanes hold counters c, c+1, c+2, c+3 (byte-reversed). */
    __m512i c = _mm512_add_epi32(_mm512_broadcast_i32x4(c1),
                                 _mm512_setr_epi32(0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0));
    for (; n >= 256; n -= 256, in += 256, out += 256) {
        __m512i b[4];
#pragma GCC unroll 8
        for (size_t i = 0; i < 4; i++) {
            b[i] = _mm512_xor_si512(_mm512_shuffle_epi8(c, rev), rk[0]);
            c = _mm512_add_epi32(c, four);
        }
        for (uint32_t r = 1; r < rounds; r++)
#pragma GCC unroll 8
            for (size_t i = 0; i < 4; i++)
                b[i] = _mm512_aesenc_epi128(b[i], rk[r]);
#pragma GCC unroll 8
        for (size_t i = 0; i < 4; i++) {
            __m512i x = _mm512_loadu_si512((const void *)(in + 64 * i));
            x = _mm512_xor_si512(x, _mm512_aesenclast_epi128(b[i], rk[rounds]));
            _mm512_storeu_si512((void *)(out + 64 * i), x);
        }
    }
    /* Up to 255 bytes left: masked loads and stores never touch bytes past n. */
    while (n > 0) {
        size_t m = n < 64 ? n : 64;
        __mmask64 mask = m == 64 ? ~(__mmask64)0 : ((__mmask64)1 << m) - 1;
        __m512i x = _mm512_maskz_loadu_epi8(mask, in);
        x = _mm512_xor_si512(x, encrypt4(rk, rounds, _mm512_shuffle_epi8(c, rev)));
        _mm512_mask_storeu_epi8(out, mask, x);
        c = _mm512_add_epi32(c, four);
        in += m;
        out += m;
        n -= m;
    }
    __m128i next = _mm_add_epi32(c1, _mm_cvtsi32_si128((int)blocks));
    _mm_storeu_si128((__m128i *)(void *)counter,
                     _mm_shuffle_epi8(next, _mm_setr_epi8(BYTE_REVERSE)));
    avila_wipe(rk, sizeof rk);
}

const struct avila_aes_impl avila_aes_vaes512 = {
    .name = "vaes-avx512",
    .needs = AVILA_CPU_AESNI | AVILA_CPU_SSE42 | AVILA_CPU_AVX512F | AVILA_CPU_AVX512BW |
             AVILA_CPU_AVX512VL | AVILA_CPU_VAES,
    .encrypt_block = aesni_encrypt_block,
    .decrypt_block = aesni_decrypt_block,
    .ctr = vaes512_ctr,
};

#endif
