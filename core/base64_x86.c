/*
 * core/base64_x86.c - AVX2 base64 kernels (x86-64 only), RFC 4648 sections 4
 * and 5 alphabets, after W. Muła and D. Lemire, "Faster Base64 Encoding and
 * Decoding Using AVX2 Instructions", ACM Transactions on the Web 12(3), 2018.
 * Contracts in core/encoding_int.h. Pure.
 */
#include "core/encoding_int.h"

#if AVILA_X86_64
#include <immintrin.h>

#include "core/error.h"

/* ---------------------------------------------------------------- encoding */

/*
 * 24 bytes, 12 per 128-bit lane, to the 32 sextet values 0..63 in output
 * order. Each 32-bit word gets its 3 bytes as (b1, b0, b2, b1), which puts
 * every sextet in one contiguous bit field; a 16-bit multiply-high and a
 * multiply-low then move the four fields to the bottom of their bytes.
 */
AVILA_TARGET("avx2")
static inline __m256i sextets(__m256i in)
{
    const __m256i spread = _mm256_setr_epi8(1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10, 1, 0,
                                            2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10);
    __m256i w = _mm256_shuffle_epi8(in, spread);
    /* First and third sextets (bits 10..15 and 22..27): shift right by 10 and 6. */
    __m256i ac = _mm256_mulhi_epu16(_mm256_and_si256(w, _mm256_set1_epi32(0x0FC0FC00)),
                                    _mm256_set1_epi32(0x04000040));
    /* Second and fourth (bits 4..9 and 16..21): shift left by 4 and 8. */
    __m256i bd = _mm256_mullo_epi16(_mm256_and_si256(w, _mm256_set1_epi32(0x003F03F0)),
                                    _mm256_set1_epi32(0x01000010));
    return _mm256_or_si256(ac, bd);
}

/*
 * Sextet values to characters: add the distance from value to character of
 * the value's range. The range index is 13 for 0..25, 0 for 26..51, and
 * value - 51 for 52..63 (digits 1..10, then the two alphabet-specific ones).
 */
AVILA_TARGET("avx2")
static inline __m256i to_chars(__m256i v, __m256i offsets)
{
    __m256i index = _mm256_subs_epu8(v, _mm256_set1_epi8(51));
    __m256i upper = _mm256_cmpgt_epi8(_mm256_set1_epi8(26), v);
    index = _mm256_or_si256(index, _mm256_and_si256(upper, _mm256_set1_epi8(13)));
    return _mm256_add_epi8(v, _mm256_shuffle_epi8(offsets, index));
}

AVILA_TARGET("avx2")
void avila_base64_encode_avx2(char *dst, const uint8_t *src, size_t blocks, int url)
{
    /* Index: 0 'a'-26, 1..10 '0'-52, 11 and 12 the two last characters, 13 'A'. */
    const int8_t c62 = url ? '-' - 62 : '+' - 62, c63 = url ? '_' - 63 : '/' - 63;
    const __m128i lane =
        _mm_setr_epi8('a' - 26, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52,
                      '0' - 52, '0' - 52, '0' - 52, '0' - 52, c62, c63, 'A', 0, 0);
    const __m256i offsets = _mm256_broadcastsi128_si256(lane);
    for (size_t b = 0; b < blocks; b++) {
        const uint8_t *s = src + 24 * b;
        /* Lane 0 takes bytes 0..11, lane 1 bytes 12..23 (16-byte loads: 4 bytes extra read). */
        __m256i in =
            _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)s)),
                                    _mm_loadu_si128((const __m128i *)(s + 12)), 1);
        _mm256_storeu_si256((__m256i *)(dst + 32 * b), to_chars(sextets(in), offsets));
    }
}

/* ---------------------------------------------------------------- decoding */

/*
 * Validation: a character is in the alphabet iff its low-nibble entry and its
 * high-nibble entry share a bit. Bit k of the low-nibble entry l says that
 * the character (k + 2) * 16 + l is in the alphabet; the high-nibble entry
 * of h is bit h - 2 for h in 2..7 and 0 otherwise.
 */
#define H2 0x01 /* 0x2_ : '+' '/' (standard), '-' (URL) */
#define H3 0x02 /* 0x3_ : '0'..'9' */
#define H4 0x04 /* 0x4_ : 'A'..'O' */
#define H5 0x08 /* 0x5_ : 'P'..'Z', '_' (URL) */
#define H6 0x10 /* 0x6_ : 'a'..'o' */
#define H7 0x20 /* 0x7_ : 'p'..'z' */

struct alphabet_tables {
    __m256i low, high, offsets;
    __m256i special; /* the one character with its own offset in a shared high nibble */
};

AVILA_TARGET("avx2")
static struct alphabet_tables decode_tables(int url)
{
    /* clang-format off */
    const uint8_t low_std[16] = {
        H3 | H5 | H7,           /* 0: '0' 'P' 'p' */
        H3 | H4 | H5 | H6 | H7, /* 1..9: digits and letters */
        H3 | H4 | H5 | H6 | H7,
        H3 | H4 | H5 | H6 | H7,
        H3 | H4 | H5 | H6 | H7,
        H3 | H4 | H5 | H6 | H7,
        H3 | H4 | H5 | H6 | H7,
        H3 | H4 | H5 | H6 | H7,
        H3 | H4 | H5 | H6 | H7,
        H3 | H4 | H5 | H6 | H7,
        H4 | H5 | H6 | H7,      /* A: 'J' 'Z' 'j' 'z' */
        H2 | H4 | H6,           /* B: '+' 'K' 'k' */
        H4 | H6,                /* C..E: 'L'..'N', 'l'..'n' */
        H4 | H6,
        H4 | H6,
        H2 | H4 | H6,           /* F: '/' 'O' 'o' */
    };
    /* clang-format on */
    uint8_t low[16];
    memcpy(low, low_std, sizeof low);
    if (url) {
        low[0xB] = H4 | H6;      /* no '+' */
        low[0xD] = H2 | H4 | H6; /* '-' */
        low[0xF] = H4 | H5 | H6; /* '_' instead of '/' */
    }
    /*
     * Offsets (value - character) by high nibble; the special character gets
     * index h ^ 8, which no valid character has. Standard: '+' is alone in
     * 0x2_ (62 - 43), '/' special (63 - 47). URL: '-' alone in 0x2_ (62 - 45),
     * '_' special in 0x5_ (63 - 95).
     */
    const int8_t off2 = url ? 62 - '-' : 62 - '+';
    const int8_t special_off = url ? 63 - '_' : 63 - '/';
    const int special_index = url ? 0x5 ^ 8 : 0x2 ^ 8;
    int8_t offsets[16] = {0, 0, off2, 52 - '0', -'A', -'A', 26 - 'a', 26 - 'a'};
    offsets[special_index] = special_off;
    const uint8_t high[16] = {0, 0, H2, H3, H4, H5, H6, H7};
    struct alphabet_tables t;
    t.low = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)low));
    t.high = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)high));
    t.offsets = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)offsets));
    t.special = _mm256_set1_epi8(url ? '_' : '/');
    return t;
}

#undef H2
#undef H3
#undef H4
#undef H5
#undef H6
#undef H7

/* 32 sextet values (one per byte) to 24 bytes in the low 24 bytes. */
AVILA_TARGET("avx2")
static inline __m256i pack(__m256i v)
{
    /* a << 6 | b and c << 6 | d in 16 bits, then (ab << 12 | cd) in 32 bits. */
    __m256i pairs = _mm256_maddubs_epi16(v, _mm256_set1_epi32(0x01400140));
    __m256i words = _mm256_madd_epi16(pairs, _mm256_set1_epi32(0x00011000));
    /* The 3 bytes of each word, most significant first, 12 per lane, then joined. */
    const __m256i order = _mm256_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1,
                                           2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1);
    __m256i bytes = _mm256_shuffle_epi8(words, order);
    return _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 3, 7));
}

AVILA_TARGET("avx2")
uint32_t avila_base64_decode_avx2(uint8_t *dst, const char *src, size_t blocks, int url)
{
    const struct alphabet_tables t = decode_tables(url);
    const __m256i nibble = _mm256_set1_epi8(0x0F);
    __m256i bad = _mm256_setzero_si256();
    for (size_t b = 0; b < blocks; b++) {
        __m256i in = _mm256_loadu_si256((const __m256i *)(src + 32 * b));
        __m256i hi = _mm256_and_si256(_mm256_srli_epi32(in, 4), nibble);
        __m256i lo_class = _mm256_shuffle_epi8(t.low, _mm256_and_si256(in, nibble));
        __m256i hi_class = _mm256_shuffle_epi8(t.high, hi);
        /* Characters >= 0x80 have hi >= 8, whose entries are 0. */
        bad = _mm256_or_si256(
            bad, _mm256_cmpeq_epi8(_mm256_and_si256(lo_class, hi_class), _mm256_setzero_si256()));
        __m256i index = _mm256_xor_si256(
            hi, _mm256_and_si256(_mm256_cmpeq_epi8(in, t.special), _mm256_set1_epi8(8)));
        __m256i v = _mm256_add_epi8(in, _mm256_shuffle_epi8(t.offsets, index));
        __m256i out = pack(v);
        _mm_storeu_si128((__m128i *)(dst + 24 * b), _mm256_castsi256_si128(out));
        _mm_storel_epi64((__m128i *)(dst + 24 * b + 16), _mm256_extracti128_si256(out, 1));
    }
    return (uint32_t)(1 - _mm256_testz_si256(bad, bad)) << 8;
}

#else
/* ISO C wants at least one declaration in a translation unit. */
typedef int avila_base64_x86_unused;
#endif
