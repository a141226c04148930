/*
 * data/json_x86.c - AVX2 and AVX-512BW string-scan kernels for the JSON
 * parser (x86-64 only; contract in data/json_int.h). A block of 32 or 64
 * bytes is compared at once against '"', '\\' and the control characters
 * below 0x20 (RFC 8259 section 7: what ends or interrupts a plain run of a
 * string); the sign bits collect whether any byte was not ASCII. Pure.
 */
#include "data/json_int.h"

#if AVILA_X86_64
#include <immintrin.h>

AVILA_TARGET("avx2")
size_t avila_json_scan_avx2(const uint8_t *s, size_t n, unsigned *high)
{
    const __m256i quote = _mm256_set1_epi8('"'), bslash = _mm256_set1_epi8('\\');
    const __m256i ctl = _mm256_set1_epi8(0x1F);
    __m256i seen = _mm256_setzero_si256();
    size_t i = 0;
    for (; n - i >= 32; i += 32) {
        __m256i v = _mm256_loadu_si256((const __m256i *)(s + i));
        /* v <= 0x1F (unsigned) exactly where min(v, 0x1F) == v. */
        __m256i hit = _mm256_or_si256(
            _mm256_or_si256(_mm256_cmpeq_epi8(v, quote), _mm256_cmpeq_epi8(v, bslash)),
            _mm256_cmpeq_epi8(_mm256_min_epu8(v, ctl), v));
        seen = _mm256_or_si256(seen, v);
        uint32_t mask = (uint32_t)_mm256_movemask_epi8(hit);
        if (mask) {
            if (_mm256_movemask_epi8(seen))
                *high = 1;
            return i + (size_t)__builtin_ctz(mask);
        }
    }
    if (_mm256_movemask_epi8(seen))
        *high = 1;
    return i + avila_json_scan_portable(s + i, n - i, high);
}

AVILA_TARGET("avx512f,avx512bw")
size_t avila_json_scan_avx512(const uint8_t *s, size_t n, unsigned *high)
{
    const __m512i quote = _mm512_set1_epi8('"'), bslash = _mm512_set1_epi8('\\');
    const __m512i ctl = _mm512_set1_epi8(0x1F);
    __m512i seen = _mm512_setzero_si512();
    size_t i = 0;
    for (;;) {
        /* The last 0..63 bytes through a masked load that reads only them. */
        size_t rest = n - i;
        __mmask64 keep = rest >= 64 ? ~(__mmask64)0 : ((__mmask64)1 << rest) - 1;
        __m512i v = _mm512_maskz_loadu_epi8(keep, s + i);
        __mmask64 hit = (_mm512_cmpeq_epi8_mask(v, quote) | _mm512_cmpeq_epi8_mask(v, bslash) |
                         _mm512_cmple_epu8_mask(v, ctl)) &
                        keep;
        seen = _mm512_or_si512(seen, v);
        if (hit) {
            if (_mm512_movepi8_mask(seen))
                *high = 1;
            return i + (size_t)__builtin_ctzll(hit);
        }
        if (rest <= 64)
            break;
        i += 64;
    }
    if (_mm512_movepi8_mask(seen))
        *high = 1;
    return n;
}

#else
/* ISO C wants at least one declaration in a translation unit. */
typedef int avila_json_x86_unused;
#endif
