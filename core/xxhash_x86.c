/*
 * core/xxhash_x86.c - AVX2 and AVX-512 kernels for XXH3's large-input loop.
 *
 * The same accumulate and scramble steps as the portable kernel in
 * core/xxhash.c (xxHash specification, doc/xxhash_spec.md, "XXH3 Algorithm
 * Description (for large inputs)", steps 2-1 and 2-2), with four (AVX2) or
 * eight (AVX-512) 64-bit lanes per instruction. The blocks entry point keeps
 * the accumulators in registers across whole blocks and their scrambles,
 * which is most of the speed. Chosen at run time by avila_xxh3_kernel();
 * each is compared with the portable kernel in tests/core/test_hash.c. x86 is
 * little-endian, so plain vector loads read the lanes in the specification's
 * little-endian order.
 */
#include "core/cpu.h"
#include "core/hash_int.h"

#if AVILA_X86_64
#include <immintrin.h>

#define P32_1 0x9E3779B1u

/* ------------------------------------------------------------------ AVX2 */

/* The accumulators as two 256-bit halves. */
struct acc256 {
    __m256i lo, hi;
};

/* One half-stripe: lanes acc[j] += data[j ^ 1] + lo32(dk[j]) * hi32(dk[j]), dk = data ^ key. */
AVILA_TARGET("avx2")
static inline __m256i stripe256(__m256i acc, const uint8_t *in, const uint8_t *secret)
{
    __m256i data = _mm256_loadu_si256((const __m256i *)in);
    __m256i dk = _mm256_xor_si256(data, _mm256_loadu_si256((const __m256i *)secret));
    __m256i product = _mm256_mul_epu32(dk, _mm256_srli_epi64(dk, 32));
    __m256i swapped = _mm256_shuffle_epi32(data, _MM_SHUFFLE(1, 0, 3, 2));
    return _mm256_add_epi64(acc, _mm256_add_epi64(product, swapped));
}

AVILA_TARGET("avx2")
static inline void stripes256(struct acc256 *a, const uint8_t *in, const uint8_t *secret,
                              size_t nstripes)
{
    for (size_t s = 0; s < nstripes; s++) {
        const uint8_t *p = in + s * AVILA_XXH3_STRIPE_LEN, *k = secret + 8 * s;
        a->lo = stripe256(a->lo, p, k);
        a->hi = stripe256(a->hi, p + 32, k + 32);
    }
}

/* (a ^ (a >> 47) ^ key) * P32_1, the 64x32-bit product built from two 32x32 ones. */
AVILA_TARGET("avx2")
static inline __m256i scramble256(__m256i a, const uint8_t *secret)
{
    const __m256i prime = _mm256_set1_epi64x(P32_1);
    a = _mm256_xor_si256(a, _mm256_srli_epi64(a, 47));
    a = _mm256_xor_si256(a, _mm256_loadu_si256((const __m256i *)secret));
    __m256i lo = _mm256_mul_epu32(a, prime);
    __m256i hi = _mm256_mul_epu32(_mm256_srli_epi64(a, 32), prime);
    return _mm256_add_epi64(lo, _mm256_slli_epi64(hi, 32));
}

AVILA_TARGET("avx2")
static inline struct acc256 load256(const uint64_t acc[8])
{
    return (struct acc256){_mm256_loadu_si256((const __m256i *)acc),
                           _mm256_loadu_si256((const __m256i *)(acc + 4))};
}

AVILA_TARGET("avx2")
static inline void store256(uint64_t acc[8], struct acc256 a)
{
    _mm256_storeu_si256((__m256i *)acc, a.lo);
    _mm256_storeu_si256((__m256i *)(acc + 4), a.hi);
}

AVILA_TARGET("avx2")
static void accumulate_avx2(uint64_t acc[8], const uint8_t *in, const uint8_t *secret,
                            size_t nstripes)
{
    struct acc256 a = load256(acc);
    stripes256(&a, in, secret, nstripes);
    store256(acc, a);
}

AVILA_TARGET("avx2")
static void scramble_avx2(uint64_t acc[8], const uint8_t *secret)
{
    struct acc256 a = load256(acc);
    a.lo = scramble256(a.lo, secret);
    a.hi = scramble256(a.hi, secret + 32);
    store256(acc, a);
}

AVILA_TARGET("avx2")
static void blocks_avx2(uint64_t acc[8], const uint8_t *in, size_t nblocks, const uint8_t *secret)
{
    struct acc256 a = load256(acc);
    for (size_t b = 0; b < nblocks; b++) {
        stripes256(&a, in + b * AVILA_XXH3_BLOCK_LEN, secret, AVILA_XXH3_STRIPES_PER_BLOCK);
        a.lo = scramble256(a.lo, secret + AVILA_XXH3_SCRAMBLE_OFFSET);
        a.hi = scramble256(a.hi, secret + AVILA_XXH3_SCRAMBLE_OFFSET + 32);
    }
    store256(acc, a);
}

const struct avila_xxh3_kernel avila_xxh3_kernel_avx2 = {
    "avx2", AVILA_CPU_AVX2, accumulate_avx2, scramble_avx2, blocks_avx2,
};

/* --------------------------------------------------------------- AVX-512 */

/* The same stripe step as stripe256 on all eight lanes at once. */
AVILA_TARGET("avx512f")
static inline __m512i stripes512(__m512i a, const uint8_t *in, const uint8_t *secret,
                                 size_t nstripes)
{
    for (size_t s = 0; s < nstripes; s++) {
        __m512i data = _mm512_loadu_si512(in + s * AVILA_XXH3_STRIPE_LEN);
        __m512i dk = _mm512_xor_si512(data, _mm512_loadu_si512(secret + 8 * s));
        __m512i product = _mm512_mul_epu32(dk, _mm512_srli_epi64(dk, 32));
        __m512i swapped = _mm512_shuffle_epi32(data, (_MM_PERM_ENUM)_MM_SHUFFLE(1, 0, 3, 2));
        a = _mm512_add_epi64(a, _mm512_add_epi64(product, swapped));
    }
    return a;
}

AVILA_TARGET("avx512f")
static inline __m512i scramble512(__m512i a, const uint8_t *secret)
{
    const __m512i prime = _mm512_set1_epi64(P32_1);
    /* 0x96 is three-way XOR: a ^ (a >> 47) ^ key in one instruction. */
    a = _mm512_ternarylogic_epi64(a, _mm512_srli_epi64(a, 47), _mm512_loadu_si512(secret), 0x96);
    __m512i lo = _mm512_mul_epu32(a, prime);
    __m512i hi = _mm512_mul_epu32(_mm512_srli_epi64(a, 32), prime);
    return _mm512_add_epi64(lo, _mm512_slli_epi64(hi, 32));
}

AVILA_TARGET("avx512f")
static void accumulate_avx512(uint64_t acc[8], const uint8_t *in, const uint8_t *secret,
                              size_t nstripes)
{
    _mm512_storeu_si512(acc, stripes512(_mm512_loadu_si512(acc), in, secret, nstripes));
}

AVILA_TARGET("avx512f")
static void scramble_avx512(uint64_t acc[8], const uint8_t *secret)
{
    _mm512_storeu_si512(acc, scramble512(_mm512_loadu_si512(acc), secret));
}

AVILA_TARGET("avx512f")
static void blocks_avx512(uint64_t acc[8], const uint8_t *in, size_t nblocks, const uint8_t *secret)
{
    __m512i a = _mm512_loadu_si512(acc);
    for (size_t b = 0; b < nblocks; b++) {
        a = stripes512(a, in + b * AVILA_XXH3_BLOCK_LEN, secret, AVILA_XXH3_STRIPES_PER_BLOCK);
        a = scramble512(a, secret + AVILA_XXH3_SCRAMBLE_OFFSET);
    }
    _mm512_storeu_si512(acc, a);
}

const struct avila_xxh3_kernel avila_xxh3_kernel_avx512 = {
    "avx512", AVILA_CPU_AVX512F, accumulate_avx512, scramble_avx512, blocks_avx512,
};

#endif
