/*
 * core/utf8_x86.c - AVX2 and AVX-512BW UTF-8 validation (x86-64 only).
 *
 * The "lookup" algorithm of J. Keiser and D. Lemire, "Validating UTF-8 in
 * less than one instruction per byte", Software: Practice and Experience 51
 * (2021), checking the well-formed sequences of The Unicode Standard 15.0
 * Table 3-7. For each byte and the byte before it, three 16-entry tables
 * indexed by nibbles (the high and low nibble of the previous byte, the high
 * nibble of the current one) each give the set of 2-byte errors that nibble
 * allows; their AND is the set that actually happens. Bytes that must be the
 * third or fourth of a sequence are then found from the bytes two and three
 * back. Blocks of pure ASCII skip all of that. The contract of the scan
 * functions is in core/utf8_int.h. Pure.
 */
#include "core/utf8_int.h"
#include "core/utf8_x86.h"

#if AVILA_X86_64

/* The error classes, one bit each in the table entries. */
#define TOO_SHORT  (1 << 0) /* lead byte followed by a non-continuation byte */
#define TOO_LONG   (1 << 1) /* ASCII byte followed by a continuation byte */
#define OVERLONG_3 (1 << 2) /* E0 80..9F */
#define TOO_LARGE  (1 << 3) /* F4 90..BF, or F5..FF 90..BF */
#define SURROGATE  (1 << 4) /* ED A0..BF */
#define OVERLONG_2 (1 << 5) /* C0 or C1, then a continuation byte */
/* F0 80..8F (overlong) and F5..FF 80..8F (too large) share one bit. */
#define OVERLONG_4_OR_LARGE_8 (1 << 6)
/* Continuation byte after a continuation byte: fine only inside a 3- or 4-byte sequence. */
#define TWO_CONTS (1 << 7)
/* The low nibble of the previous byte does not matter for these. */
#define ANY_LOW (TOO_SHORT | TOO_LONG | TWO_CONTS)

/*
 * The tables: by the high and by the low nibble of the previous byte, by
 * the high nibble of the current one; then the limits that, subtracted
 * with unsigned saturation from a block, leave nonzero bytes only where its
 * last 3 bytes begin a sequence the block does not finish: a lead of 4
 * bytes third from the end, of 3+ second from the end, of 2+ last.
 */
#define FF8 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF
const struct avila_utf8_lookup avila_utf8_lookup = {
    .prev_high =
        {
            TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG,
            TOO_LONG,                                      /* 0_______ */
            TWO_CONTS, TWO_CONTS, TWO_CONTS, TWO_CONTS,    /* 10______ */
            TOO_SHORT | OVERLONG_2,                        /* 1100____ */
            TOO_SHORT,                                     /* 1101____ */
            TOO_SHORT | OVERLONG_3 | SURROGATE,            /* 1110____ */
            TOO_SHORT | TOO_LARGE | OVERLONG_4_OR_LARGE_8, /* 1111____ */
        },
    .prev_low =
        {
            ANY_LOW | OVERLONG_2 | OVERLONG_3 | OVERLONG_4_OR_LARGE_8, /* C0 E0 F0 */
            ANY_LOW | OVERLONG_2,                                      /* C1 */
            ANY_LOW,
            ANY_LOW,
            ANY_LOW | TOO_LARGE,                         /* F4 */
            ANY_LOW | TOO_LARGE | OVERLONG_4_OR_LARGE_8, /* F5.. */
            ANY_LOW | TOO_LARGE | OVERLONG_4_OR_LARGE_8,
            ANY_LOW | TOO_LARGE | OVERLONG_4_OR_LARGE_8,
            ANY_LOW | TOO_LARGE | OVERLONG_4_OR_LARGE_8,
            ANY_LOW | TOO_LARGE | OVERLONG_4_OR_LARGE_8,
            ANY_LOW | TOO_LARGE | OVERLONG_4_OR_LARGE_8,
            ANY_LOW | TOO_LARGE | OVERLONG_4_OR_LARGE_8,
            ANY_LOW | TOO_LARGE | OVERLONG_4_OR_LARGE_8,
            ANY_LOW | TOO_LARGE | OVERLONG_4_OR_LARGE_8 | SURROGATE, /* ED */
            ANY_LOW | TOO_LARGE | OVERLONG_4_OR_LARGE_8,
            ANY_LOW | TOO_LARGE | OVERLONG_4_OR_LARGE_8,
        },
    .cur_high =
        {
            TOO_SHORT,
            TOO_SHORT,
            TOO_SHORT,
            TOO_SHORT,
            TOO_SHORT,
            TOO_SHORT,
            TOO_SHORT,
            TOO_SHORT,
            TOO_LONG | TWO_CONTS | OVERLONG_2 | OVERLONG_3 | OVERLONG_4_OR_LARGE_8, /* 1000____ */
            TOO_LONG | TWO_CONTS | OVERLONG_2 | OVERLONG_3 | TOO_LARGE,             /* 1001____ */
            TOO_LONG | TWO_CONTS | OVERLONG_2 | SURROGATE | TOO_LARGE,              /* 1010____ */
            TOO_LONG | TWO_CONTS | OVERLONG_2 | SURROGATE | TOO_LARGE,              /* 1011____ */
            TOO_SHORT,
            TOO_SHORT,
            TOO_SHORT,
            TOO_SHORT,
        },
    .unfinished_limit = {FF8, FF8, FF8, FF8, FF8, FF8, FF8, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xF0 - 1,
                         0xE0 - 1, 0xC0 - 1},
};
#undef FF8

/* ---------------------------------------------------------------- AVX2 */

struct tables256 {
    __m256i prev_high, prev_low, cur_high;
};

/* The block cur shifted k bytes later, the last k bytes of prev shifted in. */
#define SHIFT_IN256(cur, prev, k)                                                                  \
    _mm256_alignr_epi8((cur), _mm256_permute2x128_si256((prev), (cur), 0x21), 16 - (k))

AVILA_TARGET("avx2")
static inline __m256i nibble_lookup256(__m256i table, __m256i v, int high)
{
    if (high)
        v = _mm256_srli_epi16(v, 4);
    return _mm256_shuffle_epi8(table, _mm256_and_si256(v, _mm256_set1_epi8(0x0F)));
}

/* Nonzero bytes where the 32-byte block cur, following prev, has an error. */
AVILA_TARGET("avx2")
static inline __m256i errors256(const struct tables256 *t, __m256i cur, __m256i prev)
{
    __m256i prev1 = SHIFT_IN256(cur, prev, 1);
    __m256i two_byte = _mm256_and_si256(_mm256_and_si256(nibble_lookup256(t->prev_high, prev1, 1),
                                                         nibble_lookup256(t->prev_low, prev1, 0)),
                                        nibble_lookup256(t->cur_high, cur, 1));
    __m256i third =
        _mm256_subs_epu8(SHIFT_IN256(cur, prev, 2), _mm256_set1_epi8(AVILA_UTF8_THIRD_BYTE_BIAS));
    __m256i fourth =
        _mm256_subs_epu8(SHIFT_IN256(cur, prev, 3), _mm256_set1_epi8(AVILA_UTF8_FOURTH_BYTE_BIAS));
    __m256i must_continue =
        _mm256_and_si256(_mm256_or_si256(third, fourth), _mm256_set1_epi8((char)0x80));
    return _mm256_xor_si256(must_continue, two_byte);
}

AVILA_TARGET("avx2")
static inline __m256i broadcast256(const uint8_t table[16])
{
    return _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)table));
}

AVILA_TARGET("avx2")
size_t avila_utf8_scan_avx2(const uint8_t *s, size_t n)
{
    if (n == 0)
        return 0;
    const struct avila_utf8_lookup *l = &avila_utf8_lookup;
    const struct tables256 t = {broadcast256(l->prev_high), broadcast256(l->prev_low),
                                broadcast256(l->cur_high)};
    const __m256i limit =
        _mm256_loadu_si256((const __m256i *)(const void *)(l->unfinished_limit + 32));
    __m256i prev = _mm256_setzero_si256(), unfinished = _mm256_setzero_si256();
    size_t i = 0;
    for (; n - i >= 64; i += 64) {
        __m256i a = _mm256_loadu_si256((const __m256i *)(s + i));
        __m256i b = _mm256_loadu_si256((const __m256i *)(s + i + 32));
        __m256i err;
        if (_mm256_movemask_epi8(_mm256_or_si256(a, b)) == 0) {
            /* ASCII: fine unless the previous block left a sequence open. */
            err = unfinished;
            unfinished = _mm256_setzero_si256();
        } else {
            err = _mm256_or_si256(errors256(&t, a, prev), errors256(&t, b, a));
            unfinished = _mm256_subs_epu8(b, limit);
        }
        prev = b;
        if (AVILA_UNLIKELY(!_mm256_testz_si256(err, err)))
            return avila_utf8_boundary_before(s, i);
    }
    /*
     * The last 0..63 bytes, padded with zeros: a sequence left open meets a
     * zero where its next continuation byte should be, which is an error.
     */
    uint8_t tail[64] = {0};
    memcpy(tail, s + i, n - i);
    __m256i a = _mm256_loadu_si256((const __m256i *)tail);
    __m256i b = _mm256_loadu_si256((const __m256i *)(tail + 32));
    __m256i err = _mm256_or_si256(errors256(&t, a, prev), errors256(&t, b, a));
    return _mm256_testz_si256(err, err) ? n : avila_utf8_boundary_before(s, i);
}

/* ---------------------------------------------------------------- AVX-512 */

/* The block step is in core/utf8_x86.h, shared with the JSON parser's index. */

AVILA_TARGET("avx512f,avx512bw")
size_t avila_utf8_scan_avx512(const uint8_t *s, size_t n)
{
    if (n == 0)
        return 0;
    const struct avila_utf8_tables512 t = avila_utf8_tables512();
    __m512i prev = _mm512_setzero_si512(), unfinished = _mm512_setzero_si512();
    size_t i = 0;
    /* 128 bytes per step: the ASCII test and the error test cost less per byte. */
    for (; n - i >= 128; i += 128) {
        __m512i a = _mm512_loadu_si512(s + i), b = _mm512_loadu_si512(s + i + 64);
        __m512i err;
        if (_mm512_movepi8_mask(_mm512_or_si512(a, b)) == 0) {
            err = unfinished;
            unfinished = _mm512_setzero_si512();
        } else {
            err =
                _mm512_or_si512(avila_utf8_errors512(&t, a, prev), avila_utf8_errors512(&t, b, a));
            unfinished = avila_utf8_unfinished512(&t, b);
        }
        prev = b;
        if (AVILA_UNLIKELY(_mm512_test_epi64_mask(err, err) != 0))
            return avila_utf8_boundary_before(s, i);
    }
    /*
     * The last 0..127 bytes, zero-padded by masked loads that read only them:
     * a sequence left open meets a zero where its next continuation byte
     * should be, which is an error.
     */
    size_t rest = n - i;
    __mmask64 keep_a = rest >= 64 ? ~(__mmask64)0 : ((__mmask64)1 << rest) - 1;
    __mmask64 keep_b = rest <= 64 ? 0 : ((__mmask64)1 << (rest - 64)) - 1;
    __m512i a = _mm512_maskz_loadu_epi8(keep_a, s + i);
    __m512i b = _mm512_maskz_loadu_epi8(keep_b, s + i + (rest > 64 ? 64 : 0));
    __m512i err =
        _mm512_or_si512(avila_utf8_errors512(&t, a, prev), avila_utf8_errors512(&t, b, a));
    return _mm512_test_epi64_mask(err, err) == 0 ? n : avila_utf8_boundary_before(s, i);
}

#else
/* ISO C wants at least one declaration in a translation unit. */
typedef int avila_utf8_x86_unused;
#endif
