/*
 * data/json_write_x86.c - the AVX2 and AVX-512BW string-copy kernels of
 * data/json_write.c (x86-64 only): 32 or 64 bytes per step are stored
 * unconditionally and tested for the bytes RFC 8259 section 7 makes us
 * escape ('"', '\\', controls) plus, in ASCII mode, 0x7F and above.
 * Contract in data/json_write_int.h. Pure.
 */
#include "data/json_write_int.h"

#if AVILA_X86_64
#include <immintrin.h>

/* The bytes of one 32-byte block that need an escape, as a bit mask (bit k: byte k). */
AVILA_TARGET("avx2")
static inline uint32_t block_hits(__m256i x, int ascii)
{
    const __m256i quote = _mm256_set1_epi8('"'), bslash = _mm256_set1_epi8('\\');
    const __m256i c1f = _mm256_set1_epi8(0x1F), c7f = _mm256_set1_epi8(0x7F);
    __m256i m = _mm256_or_si256(_mm256_cmpeq_epi8(x, quote), _mm256_cmpeq_epi8(x, bslash));
    /* x <= 0x1F unsigned: min(x, 0x1F) == x. */
    m = _mm256_or_si256(m, _mm256_cmpeq_epi8(_mm256_min_epu8(x, c1f), x));
    if (ascii) /* x >= 0x7F unsigned: max(x, 0x7F) == x. */
        m = _mm256_or_si256(m, _mm256_cmpeq_epi8(_mm256_max_epu8(x, c7f), x));
    return (uint32_t)_mm256_movemask_epi8(m);
}

/*
 * Whole 32-byte blocks, then one last block overlapping the one before
 * (its first bytes are known to need no escape, so any hit in it is new);
 * inputs under 32 bytes go to the SWAR code.
 */
AVILA_TARGET("avx2")
size_t avila_json_copy_run_avx2(uint8_t *dst, const uint8_t *src, size_t n, int ascii,
                                unsigned *high)
{
    if (n < 32)
        return avila_json_copy_swar(dst, src, n, ascii, high);
    __m256i seen = _mm256_setzero_si256(), x;
    size_t i = 0;
    uint32_t hits = 0;
    for (;;) {
        x = _mm256_loadu_si256((const __m256i *)(const void *)(src + i));
        _mm256_storeu_si256((__m256i *)(void *)(dst + i), x);
        seen = _mm256_or_si256(seen, x);
        hits = block_hits(x, ascii);
        if (hits != 0 || i + 32 == n)
            break;
        i = n - i >= 64 ? i + 32 : n - 32;
    }
    if (!ascii && _mm256_movemask_epi8(seen) != 0)
        *high = 1;
    return hits != 0 ? i + (size_t)__builtin_ctz(hits) : n;
}

/*
 * 64 bytes per step; the last 1..64 through a masked load that reads only
 * them, so one step serves every short string (most keys and values). The
 * store is whole: the contract's slack of 64 bytes takes its tail.
 */
AVILA_TARGET("avx512f,avx512bw,bmi2")
size_t avila_json_copy_run_avx512(uint8_t *dst, const uint8_t *src, size_t n, int ascii,
                                  unsigned *high)
{
    const __m512i quote = _mm512_set1_epi8('"'), bslash = _mm512_set1_epi8('\\');
    const __m512i c1f = _mm512_set1_epi8(0x1F), c7f = _mm512_set1_epi8(0x7F);
    __mmask64 seen = 0;
    for (size_t i = 0; i < n; i += 64) {
        size_t rest = n - i;
        __mmask64 keep = rest >= 64 ? ~(__mmask64)0 : _bzhi_u64(~(uint64_t)0, (unsigned)rest);
        __m512i x = _mm512_maskz_loadu_epi8(keep, src + i);
        _mm512_storeu_si512((void *)(dst + i), x);
        __mmask64 hits = _mm512_cmpeq_epi8_mask(x, quote) | _mm512_cmpeq_epi8_mask(x, bslash) |
                         _mm512_mask_cmple_epu8_mask(keep, x, c1f);
        if (ascii)
            hits |= _mm512_cmpge_epu8_mask(x, c7f);
        else
            seen |= _mm512_movepi8_mask(x);
        if (hits != 0) {
            if (seen != 0)
                *high = 1;
            return i + (size_t)__builtin_ctzll(hits);
        }
    }
    if (seen != 0)
        *high = 1;
    return n;
}
#endif
