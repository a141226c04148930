/*
 * media/h264/cavlc.c - residual_block_cavlc (ITU-T H.264 7.3.5.3.2, 9.2)
 * and the coded_block_pattern mapping (9.1.2, Table 9-4).
 *
 * One routine codes a block; it is instantiated twice by the compiler,
 * once writing and once only counting bits, from the same source, so the
 * bit count used for decisions cannot drift from what is written.
 */
#include "media/h264/cavlc.h"

#if AVILA_X86_64
#include <emmintrin.h>
#endif

/* One variable-length code: its length in bits and its value. */
struct vlc {
    uint8_t len;
    uint16_t code;
};

/* coeff_token (Table 9-5): [nC class][TotalCoeff][TrailingOnes] = {length, code};
 * classes 0 <= nC < 2, 2 <= nC < 4, 4 <= nC < 8 (8 <= nC is a 6-bit FLC). */
static const struct vlc coeff_token_tab[3][17][4] = {
    {
        {{1, 0x1}},
        {{6, 0x5}, {2, 0x1}},
        {{8, 0x7}, {6, 0x4}, {3, 0x1}},
        {{9, 0x7}, {8, 0x6}, {7, 0x5}, {5, 0x3}},
        {{10, 0x7}, {9, 0x6}, {8, 0x5}, {6, 0x3}},
        {{11, 0x7}, {10, 0x6}, {9, 0x5}, {7, 0x4}},
        {{13, 0xf}, {11, 0x6}, {10, 0x5}, {8, 0x4}},
        {{13, 0xb}, {13, 0xe}, {11, 0x5}, {9, 0x4}},
        {{13, 0x8}, {13, 0xa}, {13, 0xd}, {10, 0x4}},
        {{14, 0xf}, {14, 0xe}, {13, 0x9}, {11, 0x4}},
        {{14, 0xb}, {14, 0xa}, {14, 0xd}, {13, 0xc}},
        {{15, 0xf}, {15, 0xe}, {14, 0x9}, {14, 0xc}},
        {{15, 0xb}, {15, 0xa}, {15, 0xd}, {14, 0x8}},
        {{16, 0xf}, {15, 0x1}, {15, 0x9}, {15, 0xc}},
        {{16, 0xb}, {16, 0xe}, {16, 0xd}, {15, 0x8}},
        {{16, 0x7}, {16, 0xa}, {16, 0x9}, {16, 0xc}},
        {{16, 0x4}, {16, 0x6}, {16, 0x5}, {16, 0x8}},
    },
    {
        {{2, 0x3}},
        {{6, 0xb}, {2, 0x2}},
        {{6, 0x7}, {5, 0x7}, {3, 0x3}},
        {{7, 0x7}, {6, 0xa}, {6, 0x9}, {4, 0x5}},
        {{8, 0x7}, {6, 0x6}, {6, 0x5}, {4, 0x4}},
        {{8, 0x4}, {7, 0x6}, {7, 0x5}, {5, 0x6}},
        {{9, 0x7}, {8, 0x6}, {8, 0x5}, {6, 0x8}},
        {{11, 0xf}, {9, 0x6}, {9, 0x5}, {6, 0x4}},
        {{11, 0xb}, {11, 0xe}, {11, 0xd}, {7, 0x4}},
        {{12, 0xf}, {11, 0xa}, {11, 0x9}, {9, 0x4}},
        {{12, 0xb}, {12, 0xe}, {12, 0xd}, {11, 0xc}},
        {{12, 0x8}, {12, 0xa}, {12, 0x9}, {11, 0x8}},
        {{13, 0xf}, {13, 0xe}, {13, 0xd}, {12, 0xc}},
        {{13, 0xb}, {13, 0xa}, {13, 0x9}, {13, 0xc}},
        {{13, 0x7}, {14, 0xb}, {13, 0x6}, {13, 0x8}},
        {{14, 0x9}, {14, 0x8}, {14, 0xa}, {13, 0x1}},
        {{14, 0x7}, {14, 0x6}, {14, 0x5}, {14, 0x4}},
    },
    {
        {{4, 0xf}},
        {{6, 0xf}, {4, 0xe}},
        {{6, 0xb}, {5, 0xf}, {4, 0xd}},
        {{6, 0x8}, {5, 0xc}, {5, 0xe}, {4, 0xc}},
        {{7, 0xf}, {5, 0xa}, {5, 0xb}, {4, 0xb}},
        {{7, 0xb}, {5, 0x8}, {5, 0x9}, {4, 0xa}},
        {{7, 0x9}, {6, 0xe}, {6, 0xd}, {4, 0x9}},
        {{7, 0x8}, {6, 0xa}, {6, 0x9}, {4, 0x8}},
        {{8, 0xf}, {7, 0xe}, {7, 0xd}, {5, 0xd}},
        {{8, 0xb}, {8, 0xe}, {7, 0xa}, {6, 0xc}},
        {{9, 0xf}, {8, 0xa}, {8, 0xd}, {7, 0xc}},
        {{9, 0xb}, {9, 0xe}, {8, 0x9}, {8, 0xc}},
        {{9, 0x8}, {9, 0xa}, {9, 0xd}, {8, 0x8}},
        {{10, 0xd}, {9, 0x7}, {9, 0x9}, {9, 0xc}},
        {{10, 0x9}, {10, 0xc}, {10, 0xb}, {10, 0xa}},
        {{10, 0x5}, {10, 0x8}, {10, 0x7}, {10, 0x6}},
        {{10, 0x1}, {10, 0x4}, {10, 0x3}, {10, 0x2}},
    },
};

/* coeff_token for nC == -1 (chroma DC 4:2:0, Table 9-5): [TotalCoeff][TrailingOnes]. */
static const struct vlc coeff_token_cdc[5][4] = {
    {{2, 0x1}},
    {{6, 0x7}, {1, 0x1}},
    {{6, 0x4}, {6, 0x6}, {3, 0x1}},
    {{6, 0x3}, {7, 0x3}, {7, 0x2}, {6, 0x5}},
    {{6, 0x2}, {8, 0x3}, {8, 0x2}, {7, 0x0}},
};

/* total_zeros for 4x4 blocks (Tables 9-7, 9-8): [tzVlcIndex - 1][total_zeros]. */
static const struct vlc total_zeros_tab[15][16] = {
    {{1, 0x1},
     {3, 0x3},
     {3, 0x2},
     {4, 0x3},
     {4, 0x2},
     {5, 0x3},
     {5, 0x2},
     {6, 0x3},
     {6, 0x2},
     {7, 0x3},
     {7, 0x2},
     {8, 0x3},
     {8, 0x2},
     {9, 0x3},
     {9, 0x2},
     {9, 0x1}},
    {{3, 0x7},
     {3, 0x6},
     {3, 0x5},
     {3, 0x4},
     {3, 0x3},
     {4, 0x5},
     {4, 0x4},
     {4, 0x3},
     {4, 0x2},
     {5, 0x3},
     {5, 0x2},
     {6, 0x3},
     {6, 0x2},
     {6, 0x1},
     {6, 0x0}},
    {{4, 0x5},
     {3, 0x7},
     {3, 0x6},
     {3, 0x5},
     {4, 0x4},
     {4, 0x3},
     {3, 0x4},
     {3, 0x3},
     {4, 0x2},
     {5, 0x3},
     {5, 0x2},
     {6, 0x1},
     {5, 0x1},
     {6, 0x0}},
    {{5, 0x3},
     {3, 0x7},
     {4, 0x5},
     {4, 0x4},
     {3, 0x6},
     {3, 0x5},
     {3, 0x4},
     {4, 0x3},
     {3, 0x3},
     {4, 0x2},
     {5, 0x2},
     {5, 0x1},
     {5, 0x0}},
    {{4, 0x5},
     {4, 0x4},
     {4, 0x3},
     {3, 0x7},
     {3, 0x6},
     {3, 0x5},
     {3, 0x4},
     {3, 0x3},
     {4, 0x2},
     {5, 0x1},
     {4, 0x1},
     {5, 0x0}},
    {{6, 0x1},
     {5, 0x1},
     {3, 0x7},
     {3, 0x6},
     {3, 0x5},
     {3, 0x4},
     {3, 0x3},
     {3, 0x2},
     {4, 0x1},
     {3, 0x1},
     {6, 0x0}},
    {{6, 0x1},
     {5, 0x1},
     {3, 0x5},
     {3, 0x4},
     {3, 0x3},
     {2, 0x3},
     {3, 0x2},
     {4, 0x1},
     {3, 0x1},
     {6, 0x0}},
    {{6, 0x1}, {4, 0x1}, {5, 0x1}, {3, 0x3}, {2, 0x3}, {2, 0x2}, {3, 0x2}, {3, 0x1}, {6, 0x0}},
    {{6, 0x1}, {6, 0x0}, {4, 0x1}, {2, 0x3}, {2, 0x2}, {3, 0x1}, {2, 0x1}, {5, 0x1}},
    {{5, 0x1}, {5, 0x0}, {3, 0x1}, {2, 0x3}, {2, 0x2}, {2, 0x1}, {4, 0x1}},
    {{4, 0x0}, {4, 0x1}, {3, 0x1}, {3, 0x2}, {1, 0x1}, {3, 0x3}},
    {{4, 0x0}, {4, 0x1}, {2, 0x1}, {1, 0x1}, {3, 0x1}},
    {{3, 0x0}, {3, 0x1}, {1, 0x1}, {2, 0x1}},
    {{2, 0x0}, {2, 0x1}, {1, 0x1}},
    {{1, 0x0}, {1, 0x1}},
};

/* total_zeros for chroma DC 4:2:0 (Table 9-9 a): [tzVlcIndex - 1][total_zeros]. */
static const struct vlc total_zeros_cdc[3][4] = {
    {{1, 0x1}, {2, 0x1}, {3, 0x1}, {3, 0x0}},
    {{1, 0x1}, {2, 0x1}, {2, 0x0}},
    {{1, 0x1}, {1, 0x0}},
};

/* run_before (Table 9-10): [min(zerosLeft, 7)][run_before]; zerosLeft 0 codes nothing. */
static const struct vlc run_before_tab[8][15] = {
    {{0, 0}},
    {{1, 0x1}, {1, 0x0}},
    {{1, 0x1}, {2, 0x1}, {2, 0x0}},
    {{2, 0x3}, {2, 0x2}, {2, 0x1}, {2, 0x0}},
    {{2, 0x3}, {2, 0x2}, {2, 0x1}, {3, 0x1}, {3, 0x0}},
    {{2, 0x3}, {2, 0x2}, {3, 0x3}, {3, 0x2}, {3, 0x1}, {3, 0x0}},
    {{2, 0x3}, {3, 0x0}, {3, 0x1}, {3, 0x3}, {3, 0x2}, {3, 0x5}, {3, 0x4}},
    {{3, 0x7},
     {3, 0x6},
     {3, 0x5},
     {3, 0x4},
     {3, 0x3},
     {3, 0x2},
     {3, 0x1},
     {4, 0x1},
     {5, 0x1},
     {6, 0x1},
     {7, 0x1},
     {8, 0x1},
     {9, 0x1},
     {10, 0x1},
     {11, 0x1}},
};

/* Table 9-4 inverted: [intra][cbp] = codeNum (row 0 inter, row 1 Intra_4x4). */
static const uint8_t cbp_code_tab[2][48] = {
    {0,  2,  3,  7,  4,  8,  17, 13, 5, 18, 9,  14, 10, 15, 16, 11, 1,  32, 33, 36, 34, 37, 44, 40,
     35, 45, 38, 41, 39, 42, 43, 19, 6, 24, 25, 20, 26, 21, 46, 28, 27, 47, 22, 29, 23, 30, 31, 12},
    {3,  29, 30, 17, 31, 18, 37, 8, 32, 38, 19, 9,  20, 10, 11, 2,  16, 33, 34, 21, 35, 22, 39, 4,
     36, 40, 23, 5,  24, 6,  7,  1, 41, 42, 43, 25, 44, 26, 46, 12, 45, 47, 27, 13, 28, 14, 15, 0},
};

unsigned avila_h264_cbp_code(unsigned cbp, bool intra)
{
    return cbp_code_tab[intra ? 1 : 0][cbp % 48];
}

int avila_h264_cavlc_nc(int na, int nb)
{
    if (na >= 0 && nb >= 0)
        return (na + nb + 1) >> 1;
    if (na >= 0)
        return na;
    if (nb >= 0)
        return nb;
    return 0;
}

/*
 * Bit i set when coeffs[i] != 0, for i < max_coeff. On x86-64 the levels
 * are packed to bytes with signed saturation (a non-zero level stays
 * non-zero) and compared with zero in one vector; SSE2 is part of the
 * x86-64 baseline, so no target attribute or run-time choice is needed.
 * Only coeffs[0..max_coeff-1] is read: 15 levels load as 0..7 and 7..14.
 */
static inline unsigned nonzero_mask(const int16_t *coeffs, int max_coeff)
{
#if AVILA_X86_64
    const __m128i zero = _mm_setzero_si128();
    if (max_coeff == 16 || max_coeff == 15) {
        __m128i lo = _mm_loadu_si128((const __m128i *)(const void *)coeffs);
        __m128i hi = _mm_loadu_si128((const __m128i *)(const void *)(coeffs + max_coeff - 8));
        __m128i z = _mm_cmpeq_epi8(_mm_packs_epi16(lo, hi), zero);
        unsigned m = ~(unsigned)_mm_movemask_epi8(z) & 0xffff;
        return max_coeff == 16 ? m : (m & 0x7f) | (m >> 8) << 7;
    }
    if (max_coeff == 4) {
        __m128i v = _mm_loadl_epi64((const __m128i *)(const void *)coeffs);
        __m128i z = _mm_cmpeq_epi8(_mm_packs_epi16(v, zero), zero);
        return ~(unsigned)_mm_movemask_epi8(z) & 0xf;
    }
#endif
    unsigned m = 0;
    for (int i = 0; i < max_coeff; i++)
        m |= (unsigned)(coeffs[i] != 0) << i;
    return m;
}

/* The number of set bits of m (m < 2^16). */
static inline int popcount16(unsigned m)
{
    m -= (m >> 1) & 0x5555;
    m = (m & 0x3333) + ((m >> 2) & 0x3333);
    m = (m + (m >> 4)) & 0x0f0f;
    return (int)((m + (m >> 8)) & 0x1f);
}

/* The highest set bit of m (m != 0). */
static inline int top_bit(unsigned m)
{
    return 31 - __builtin_clz(m);
}

/*
 * A block's codes gather in a local 64-bit word and reach the writer when
 * it would overflow and at the end: most blocks take one or two puts.
 */
struct acc {
    uint64_t bits;
    unsigned n;
};

/* Hands the pending bits to the writer (one or two puts) and empties a. */
static inline void spill(avila_h264_bits *b, struct acc *a)
{
    if (a->n > 32)
        avila_h264_bits_put(b, a->n - 32, (uint32_t)(a->bits >> 32));
    avila_h264_bits_put(b, a->n < 32 ? a->n : 32, (uint32_t)a->bits);
    a->bits = 0;
    a->n = 0;
}

/* Appends a code of up to 32 bits when writing; always returns its length. */
static inline int emit(avila_h264_bits *b, bool write, struct acc *a, unsigned len, uint32_t code)
{
    if (write) {
        if (AVILA_UNLIKELY(a->n + len > 64))
            spill(b, a);
        a->bits = a->bits << len | code;
        a->n += len;
    }
    return (int)len;
}

/*
 * levelCode below short_code_end[suffixLength] is level_prefix
 * levelCode >> suffixLength then a suffixLength-bit level_suffix; the rest
 * take level_prefix 14 (suffixLength 0) or 15 (9.2.2.1).
 */
static const int short_code_end[7] = {14, 15 << 1, 15 << 2, 15 << 3, 15 << 4, 15 << 5, 15 << 6};

/* suffixLength grows past a |level| above this (9.2.2.1); 6 is the largest. */
static const int suffix_grow_above[7] = {3, 3, 6, 12, 24, 48, INT32_MAX};

/*
 * A levelCode of level_prefix 14 at suffixLength 0 (4-bit level_suffix)
 * or of the escape level_prefix 15 (12-bit level_suffix), clamped to the
 * largest the escape carries. Returns the code; *len gets its length.
 */
static uint32_t long_level(int code, int suffix_len, unsigned *len)
{
    if (suffix_len == 0 && code < 30) {
        *len = 15 + 4;
        return 1u << 4 | (uint32_t)(code - 14);
    }
    int base = (15 << suffix_len) + (suffix_len == 0 ? 15 : 0);
    int esc_max = base + 4095;
    if (code > esc_max)
        code = esc_max - ((esc_max - code) & 1); /* keep the sign (parity) */
    *len = 16 + 12;
    return 1u << 12 | (uint32_t)(code - base);
}

/*
 * coeff_token (9.2.1, Table 9-5) for TotalCoeff n and TrailingOnes t1 in
 * nC class ct_class: 0..2 the classes of coeff_token_tab, 3 chroma DC
 * (nC -1), 4 the 6-bit code of 8 <= nC (TotalCoeff - 1 then
 * TrailingOnes, or 3 for no level).
 */
static inline struct vlc coeff_token(int ct_class, int n, int t1)
{
    if (ct_class == 4)
        return (struct vlc){6, (uint16_t)(n == 0 ? 3 : (n - 1) << 2 | t1)};
    if (ct_class == 3)
        return coeff_token_cdc[n > 4 ? 4 : n][t1];
    return coeff_token_tab[ct_class][n][t1];
}

/*
 * Codes one block (9.2 read backwards): coeff_token with the trailing-one
 * signs, the remaining levels with the adaptive suffix length,
 * total_zeros and the run_before values. The non-zero levels are found
 * from a bit map, highest frequency first, without a test per
 * coefficient. Returns the bits; *total gets TotalCoeff. Always inlined,
 * so that each instance is compiled for its constant write.
 */
static inline __attribute__((always_inline)) int
code_block(avila_h264_bits *b, bool write, const int16_t *coeffs, int max_coeff, int nC, int *total)
{
    if (max_coeff < 1 || max_coeff > 16)
        max_coeff = 16; /* outside the contract: stay inside the tables */
    unsigned rest = nonzero_mask(coeffs, max_coeff);
    struct acc a = {0, 0};
    int ct_class = nC < 0 ? 3 : nC < 2 ? 0 : nC < 4 ? 1 : nC < 8 ? 2 : 4;
    if (rest == 0) {
        *total = 0;
        struct vlc ct = coeff_token(ct_class, 0, 0);
        if (write)
            avila_h264_bits_put(b, ct.len, ct.code);
        return ct.len;
    }

    int last = top_bit(rest);
    int total_zeros = last + 1 - popcount16(rest);

    /* The walk gathers the levels and codes the run_before values (Table
     * 9-10, none for the lowest-frequency level) in tail, written after the
     * levels behind total_zeros (Tables 9-7, 9-8; 9-9 a for chroma DC); tail
     * holds at most 30 bits (the most over every non-zero map). */
    uint32_t tail = 0;
    unsigned tail_len = 0;
    int lv[16]; /* non-zero levels, highest frequency first */
    int n = 0, left = total_zeros;
    for (int pos = last;;) {
        lv[n++] = coeffs[pos];
        rest ^= 1u << pos;
        if (rest == 0)
            break;
        int next = top_bit(rest);
        int run = pos - next - 1;
        const struct vlc *rb = &run_before_tab[left > 7 ? 7 : left][run];
        tail = tail << rb->len | rb->code;
        tail_len += rb->len;
        left -= run;
        pos = next;
    }
    *total = n;
    if (n < max_coeff) {
        const struct vlc *tz = max_coeff == 4 ? &total_zeros_cdc[n - 1][total_zeros]
                                              : &total_zeros_tab[n - 1][total_zeros];
        tail |= (uint32_t)tz->code << tail_len;
        tail_len += tz->len;
    }
    int t1 = 0;
    uint32_t signs = 0; /* trailing_ones_sign_flag: 1 for a negative level */
    while (t1 < n && t1 < 3 && (lv[t1] == 1 || lv[t1] == -1))
        signs = signs << 1 | (lv[t1++] < 0);

    /* coeff_token and the trailing-one signs as one code. */
    struct vlc ct = coeff_token(ct_class, n, t1);
    int bits = emit(b, write, &a, ct.len + (unsigned)t1, (uint32_t)ct.code << t1 | signs);

    /* level_prefix and level_suffix (9.2.2.1, read as an encoder). */
    int suffix_len = n > 10 && t1 < 3 ? 1 : 0;
    /* The first level after fewer than 3 trailing ones is not +-1: its levelCode is 2 less. */
    int first_adjust = t1 < 3 ? 2 : 0;
    for (int k = t1; k < n; k++) {
        int level = lv[k];
        int mag = level < 0 ? -level : level;
        int code = 2 * mag - (level > 0 ? 2 : 1) - first_adjust;
        first_adjust = 0;
        unsigned len;
        uint32_t word;
        if (AVILA_LIKELY(code < short_code_end[suffix_len])) {
            len = (unsigned)(code >> suffix_len) + 1 + (unsigned)suffix_len;
            word = 1u << suffix_len | (uint32_t)(code & ((1 << suffix_len) - 1));
        } else {
            word = long_level(code, suffix_len, &len);
        }
        bits += emit(b, write, &a, len, word);
        int grow = mag > suffix_grow_above[suffix_len];
        suffix_len = (suffix_len == 0 ? 1 : suffix_len) + grow;
    }

    bits += emit(b, write, &a, tail_len, tail);
    if (write)
        spill(b, &a);
    return bits;
}

int avila_h264_cavlc_block(avila_h264_bits *b, const int16_t *coeffs, int max_coeff, int nC)
{
    int total;
    code_block(b, true, coeffs, max_coeff, nC, &total);
    return total;
}

int avila_h264_cavlc_block_bits(const int16_t *coeffs, int max_coeff, int nC)
{
    int total;
    return code_block(NULL, false, coeffs, max_coeff, nC, &total); /* NULL: never written */
}
