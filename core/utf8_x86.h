/*
 * core/utf8_x86.h - the block step of the AVX-512 UTF-8 validator, for
 * other vector passes over text that validate as they go (the JSON
 * parser's structural index) instead of a second pass. x86-64 only; the
 * algorithm and its tables are described in core/utf8_x86.c. Not
 * installed.
 *
 * Use: load the tables once (avila_utf8_tables512), then for each 64-byte
 * block cur after the block prev (zero before the first), OR
 * avila_utf8_errors512(&t, cur, prev) into an error vector when cur has a
 * byte of 0x80 or above, else OR avila_utf8_unfinished512(&t, prev) (an
 * ASCII block is fine unless prev left a sequence open). The text is valid
 * UTF-8 when the error vector ends all zero, provided its end was checked
 * too: a last block zero-padded by its load does that by itself (the
 * padding cuts what is left open); after a full last block, OR in
 * avila_utf8_unfinished512 of it.
 */
#ifndef AVILA_CORE_UTF8_X86_H
#define AVILA_CORE_UTF8_X86_H

#include "core/platform.h"

#if AVILA_X86_64
#include <immintrin.h>

/* The lookup tables (core/utf8_x86.c): three nibble tables and the unfinished-sequence limits. */
struct avila_utf8_lookup {
    uint8_t prev_high[16]; /* by the high nibble of the byte before */
    uint8_t prev_low[16];  /* by the low nibble of the byte before */
    uint8_t cur_high[16];  /* by the high nibble of the byte */
    uint8_t unfinished_limit[64];
};
extern const struct avila_utf8_lookup avila_utf8_lookup;

/*
 * Subtracted with unsigned saturation from the bytes two and three back, these
 * leave the top bit set exactly for E0..FF (a 3- or 4-byte lead two back) and
 * F0..FF (a 4-byte lead three back): then the current byte must be a
 * continuation byte, and it is the table's two-continuations bit that flags it.
 */
#define AVILA_UTF8_THIRD_BYTE_BIAS  (0xE0 - 0x80)
#define AVILA_UTF8_FOURTH_BYTE_BIAS (0xF0 - 0x80)

struct avila_utf8_tables512 {
    __m512i prev_high, prev_low, cur_high, limit;
};

AVILA_TARGET("avx512f,avx512bw")
static inline struct avila_utf8_tables512 avila_utf8_tables512(void)
{
    const struct avila_utf8_lookup *l = &avila_utf8_lookup;
    struct avila_utf8_tables512 t = {
        _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(const void *)l->prev_high)),
        _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(const void *)l->prev_low)),
        _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(const void *)l->cur_high)),
        _mm512_loadu_si512((const void *)l->unfinished_limit)};
    return t;
}

/*
 * The block cur shifted k bytes later, the last k bytes of prev shifted in:
 * alignr_epi64 by 6 quadwords gives each 128-bit lane the lane before it
 * (prev's last lane for the first), then alignr_epi8 shifts within lanes.
 * AVX-512F/BW only (no VBMI).
 */
#define AVILA_UTF8_SHIFT_IN512(cur, prev, k)                                                       \
    _mm512_alignr_epi8((cur), _mm512_alignr_epi64((cur), (prev), 6), 16 - (k))

AVILA_TARGET("avx512f,avx512bw")
static inline __m512i avila_utf8_nibble_lookup512(__m512i table, __m512i v, int high)
{
    if (high)
        v = _mm512_srli_epi16(v, 4);
    return _mm512_shuffle_epi8(table, _mm512_and_si512(v, _mm512_set1_epi8(0x0F)));
}

/* Nonzero bytes where the 64-byte block cur, following prev, has an error. */
AVILA_TARGET("avx512f,avx512bw")
static inline __m512i avila_utf8_errors512(const struct avila_utf8_tables512 *t, __m512i cur,
                                           __m512i prev)
{
    __m512i prev1 = AVILA_UTF8_SHIFT_IN512(cur, prev, 1);
    __m512i two_byte =
        _mm512_and_si512(_mm512_and_si512(avila_utf8_nibble_lookup512(t->prev_high, prev1, 1),
                                          avila_utf8_nibble_lookup512(t->prev_low, prev1, 0)),
                         avila_utf8_nibble_lookup512(t->cur_high, cur, 1));
    __m512i third = _mm512_subs_epu8(AVILA_UTF8_SHIFT_IN512(cur, prev, 2),
                                     _mm512_set1_epi8(AVILA_UTF8_THIRD_BYTE_BIAS));
    __m512i fourth = _mm512_subs_epu8(AVILA_UTF8_SHIFT_IN512(cur, prev, 3),
                                      _mm512_set1_epi8(AVILA_UTF8_FOURTH_BYTE_BIAS));
    __m512i must_continue =
        _mm512_and_si512(_mm512_or_si512(third, fourth), _mm512_set1_epi8((char)0x80));
    return _mm512_xor_si512(must_continue, two_byte);
}

/* Nonzero bytes where the block prev's last 3 bytes begin a sequence it does not finish. */
AVILA_TARGET("avx512f,avx512bw")
static inline __m512i avila_utf8_unfinished512(const struct avila_utf8_tables512 *t, __m512i prev)
{
    return _mm512_subs_epu8(prev, t->limit);
}
#endif

#endif
