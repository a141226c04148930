/*
 * media/h264/cavlc.c - residual_block_cavlc (ITU-T H.264 7.3.5.3.2, 9.2)
 * and the coded_block_pattern mapping (9.1.2, Table 9-4).
 *
 * One routine codes a block; it is instantiated twice by the compiler,
 * once writing and once only counting bits, from the same source, so the
 * bit count used for decisions cannot drift from what is written.
 */
#include "media/h264/cavlc.h"

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

/* run_before (Table 9-10): [min(zerosLeft, 7) - 1][run_before]. */
static const struct vlc run_before_tab[7][15] = {
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
 * Codes gather in a local 64-bit word (fewer than 32 bits pending between
 * codes, each code at most 28 bits) and reach the writer 32 bits at a time.
 */
struct acc {
    uint64_t bits;
    unsigned n;
};

/* Appends a code when writing; always returns its length. */
static inline int emit(avila_h264_bits *b, bool write, struct acc *a, unsigned len, uint32_t code)
{
    if (write) {
        a->bits = a->bits << len | code;
        a->n += len;
        if (a->n >= 32) {
            a->n -= 32;
            avila_h264_bits_put(b, 32, (uint32_t)(a->bits >> a->n));
        }
    }
    return (int)len;
}

/* Hands the last pending bits to the writer. */
static inline void emit_flush(avila_h264_bits *b, bool write, const struct acc *a)
{
    if (write && a->n > 0)
        avila_h264_bits_put(b, a->n, (uint32_t)(a->bits & (((uint64_t)1 << a->n) - 1)));
}

/* The largest levelCode the level_prefix 15 escape carries (12-bit level_suffix). */
static inline int escape_max(int suffix_len)
{
    return (15 << suffix_len) + (suffix_len == 0 ? 15 : 0) + 4095;
}

/*
 * Codes one block (9.2 read backwards): coeff_token, trailing-one signs,
 * the remaining levels with the adaptive suffix length, total_zeros and
 * the run_before values. Returns the bits; *total gets TotalCoeff.
 */
static inline int code_block(avila_h264_bits *b, bool write, const int16_t *coeffs, int max_coeff,
                             int nC, int *total)
{
    int lv[16];      /* non-zero levels, highest frequency first */
    uint8_t run[16]; /* zeros between lv[k] and the next lower non-zero level */
    if (max_coeff < 1 || max_coeff > 16)
        max_coeff = 16; /* outside the contract: stay inside the tables */
    int last = max_coeff - 1;
    while (last >= 0 && coeffs[last] == 0)
        last--;
    int n = 0, zeros = 0;
    for (int i = last; i >= 0; i--) {
        int c = coeffs[i];
        if (c != 0) {
            if (n > 0)
                run[n - 1] = (uint8_t)zeros;
            lv[n++] = c;
            zeros = 0;
        } else {
            zeros++;
        }
    }
    *total = n;
    int t1 = 0;
    while (t1 < n && t1 < 3 && (lv[t1] == 1 || lv[t1] == -1))
        t1++;

    /* coeff_token (9.2.1, Table 9-5); 8 <= nC is xxxxyy: TotalCoeff - 1, TrailingOnes. */
    struct acc a = {0, 0};
    int bits;
    if (nC >= 8) {
        bits = emit(b, write, &a, 6, n == 0 ? 3 : (uint32_t)((n - 1) << 2 | t1));
    } else {
        const struct vlc *ct = nC < 0 ? &coeff_token_cdc[n > 4 ? 4 : n][t1]
                                      : &coeff_token_tab[nC < 2   ? 0
                                                         : nC < 4 ? 1
                                                                  : 2][n][t1];
        bits = emit(b, write, &a, ct->len, ct->code);
    }
    if (n == 0) {
        emit_flush(b, write, &a);
        return bits;
    }

    /* trailing_ones_sign_flag: 1 for a negative level. */
    uint32_t signs = 0;
    for (int k = 0; k < t1; k++)
        signs = signs << 1 | (lv[k] < 0);
    bits += emit(b, write, &a, (unsigned)t1, signs);

    /* level_prefix and level_suffix (9.2.2.1, read as an encoder). */
    int suffix_len = n > 10 && t1 < 3 ? 1 : 0;
    for (int k = t1; k < n; k++) {
        int level = lv[k];
        int mag = level < 0 ? -level : level;
        int code = level > 0 ? 2 * level - 2 : -2 * level - 1;
        if (k == t1 && t1 < 3)
            code -= 2; /* the first level after fewer than 3 trailing ones is not +-1 */
        unsigned len;
        uint32_t word;
        if (suffix_len == 0 && code < 14) {
            len = (unsigned)code + 1; /* level_prefix alone */
            word = 1;
        } else if (suffix_len == 0 && code < 30) {
            len = 15 + 4; /* level_prefix 14, 4-bit level_suffix */
            word = 1u << 4 | (uint32_t)(code - 14);
        } else if (suffix_len > 0 && code < 15 << suffix_len) {
            len = (unsigned)(code >> suffix_len) + 1 + (unsigned)suffix_len;
            word = 1u << suffix_len | (uint32_t)(code & ((1 << suffix_len) - 1));
        } else {
            /* level_prefix 15, 12-bit level_suffix; too large a level is clamped. */
            int esc_max = escape_max(suffix_len);
            if (code > esc_max)
                code = esc_max - ((esc_max - code) & 1); /* keep the sign (parity) */
            len = 16 + 12;
            word = 1u << 12 | (uint32_t)(code - (15 << suffix_len) - (suffix_len == 0 ? 15 : 0));
        }
        bits += emit(b, write, &a, len, word);
        if (suffix_len == 0)
            suffix_len = 1;
        if (mag > 3 << (suffix_len - 1) && suffix_len < 6)
            suffix_len++;
    }

    /* total_zeros (Tables 9-7, 9-8; 9-9 a for chroma DC). */
    int total_zeros = last + 1 - n;
    if (n < max_coeff) {
        const struct vlc *tz = max_coeff == 4 ? &total_zeros_cdc[n - 1][total_zeros]
                                              : &total_zeros_tab[n - 1][total_zeros];
        bits += emit(b, write, &a, tz->len, tz->code);
    }

    /* run_before (Table 9-10), none for the lowest-frequency level. */
    int left = total_zeros;
    for (int k = 0; k < n - 1 && left > 0; k++) {
        const struct vlc *rb = &run_before_tab[(left > 7 ? 7 : left) - 1][run[k]];
        bits += emit(b, write, &a, rb->len, rb->code);
        left -= run[k];
    }
    emit_flush(b, write, &a);
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
    avila_h264_bits none; /* never written: write is false */
    avila_h264_bits_init(&none, NULL, 0);
    return code_block(&none, false, coeffs, max_coeff, nC, &total);
}
