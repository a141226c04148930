/*
 * tests/media/test_h264_cavlc.c - media/h264/cavlc.h: residual blocks
 * worked by hand from ITU-T H.264 9.2 and Tables 9-5 to 9-10 (including
 * level_prefix 14 and 15 escapes, chroma DC and the 6-bit coeff_token of
 * 8 <= nC), single coeff_token codewords per nC range typed from Table
 * 9-5, the coded_block_pattern mapping against Table 9-4 typed as codeNum
 * rows, nC from neighbours (9.2.1), and a decoder written here from the
 * parsing process of 9.2 (coeff_token, level_prefix/level_suffix with
 * suffixLength adaptation, total_zeros, run_before) with its own copy of
 * the tables as bit strings, run over 100,000 random blocks for every
 * maxNumCoeff and nC class; the counted bits equal the written bits; and
 * the writer against a plain encoder written here from the same bit
 * strings, bit for bit over 2.7 million random blocks (levels up to
 * +-32767, past the clamp) at every writer alignment and over every map
 * of non-zero positions.
 */
#include "tests/support/unit.h"

#include <stdlib.h>
#include <string.h>

#include "media/h264/cavlc.h"

/* Tables 9-5, 9-7, 9-8, 9-9 a and 9-10 as bit strings ([TotalCoeff][TrailingOnes], ...). */
static const char *const ct0[17][4] = {
    {"1"},
    {"000101", "01"},
    {"00000111", "000100", "001"},
    {"000000111", "00000110", "0000101", "00011"},
    {"0000000111", "000000110", "00000101", "000011"},
    {"00000000111", "0000000110", "000000101", "0000100"},
    {"0000000001111", "00000000110", "0000000101", "00000100"},
    {"0000000001011", "0000000001110", "00000000101", "000000100"},
    {"0000000001000", "0000000001010", "0000000001101", "0000000100"},
    {"00000000001111", "00000000001110", "0000000001001", "00000000100"},
    {"00000000001011", "00000000001010", "00000000001101", "0000000001100"},
    {"000000000001111", "000000000001110", "00000000001001", "00000000001100"},
    {"000000000001011", "000000000001010", "000000000001101", "00000000001000"},
    {"0000000000001111", "000000000000001", "000000000001001", "000000000001100"},
    {"0000000000001011", "0000000000001110", "0000000000001101", "000000000001000"},
    {"0000000000000111", "0000000000001010", "0000000000001001", "0000000000001100"},
    {"0000000000000100", "0000000000000110", "0000000000000101", "0000000000001000"},
};
static const char *const ct1[17][4] = {
    {"11"},
    {"001011", "10"},
    {"000111", "00111", "011"},
    {"0000111", "001010", "001001", "0101"},
    {"00000111", "000110", "000101", "0100"},
    {"00000100", "0000110", "0000101", "00110"},
    {"000000111", "00000110", "00000101", "001000"},
    {"00000001111", "000000110", "000000101", "000100"},
    {"00000001011", "00000001110", "00000001101", "0000100"},
    {"000000001111", "00000001010", "00000001001", "000000100"},
    {"000000001011", "000000001110", "000000001101", "00000001100"},
    {"000000001000", "000000001010", "000000001001", "00000001000"},
    {"0000000001111", "0000000001110", "0000000001101", "000000001100"},
    {"0000000001011", "0000000001010", "0000000001001", "0000000001100"},
    {"0000000000111", "00000000001011", "0000000000110", "0000000001000"},
    {"00000000001001", "00000000001000", "00000000001010", "0000000000001"},
    {"00000000000111", "00000000000110", "00000000000101", "00000000000100"},
};
static const char *const ct2[17][4] = {
    {"1111"},
    {"001111", "1110"},
    {"001011", "01111", "1101"},
    {"001000", "01100", "01110", "1100"},
    {"0001111", "01010", "01011", "1011"},
    {"0001011", "01000", "01001", "1010"},
    {"0001001", "001110", "001101", "1001"},
    {"0001000", "001010", "001001", "1000"},
    {"00001111", "0001110", "0001101", "01101"},
    {"00001011", "00001110", "0001010", "001100"},
    {"000001111", "00001010", "00001101", "0001100"},
    {"000001011", "000001110", "00001001", "00001100"},
    {"000001000", "000001010", "000001101", "00001000"},
    {"0000001101", "000000111", "000001001", "000001100"},
    {"0000001001", "0000001100", "0000001011", "0000001010"},
    {"0000000101", "0000001000", "0000000111", "0000000110"},
    {"0000000001", "0000000100", "0000000011", "0000000010"},
};
static const char *const ctm1[5][4] = {
    {"01"},
    {"000111", "1"},
    {"000100", "000110", "001"},
    {"000011", "0000011", "0000010", "000101"},
    {"000010", "00000011", "00000010", "0000000"},
};
static const char *const tz4[15][16] = {
    {"1", "011", "010", "0011", "0010", "00011", "00010", "000011", "000010", "0000011", "0000010",
     "00000011", "00000010", "000000011", "000000010", "000000001"},
    {"111", "110", "101", "100", "011", "0101", "0100", "0011", "0010", "00011", "00010", "000011",
     "000010", "000001", "000000"},
    {"0101", "111", "110", "101", "0100", "0011", "100", "011", "0010", "00011", "00010", "000001",
     "00001", "000000"},
    {"00011", "111", "0101", "0100", "110", "101", "100", "0011", "011", "0010", "00010", "00001",
     "00000"},
    {"0101", "0100", "0011", "111", "110", "101", "100", "011", "0010", "00001", "0001", "00000"},
    {"000001", "00001", "111", "110", "101", "100", "011", "010", "0001", "001", "000000"},
    {"000001", "00001", "101", "100", "011", "11", "010", "0001", "001", "000000"},
    {"000001", "0001", "00001", "011", "11", "10", "010", "001", "000000"},
    {"000001", "000000", "0001", "11", "10", "001", "01", "00001"},
    {"00001", "00000", "001", "11", "10", "01", "0001"},
    {"0000", "0001", "001", "010", "1", "011"},
    {"0000", "0001", "01", "1", "001"},
    {"000", "001", "1", "01"},
    {"00", "01", "1"},
    {"0", "1"},
};
static const char *const tzc[3][4] = {
    {"1", "01", "001", "000"},
    {"1", "01", "00"},
    {"1", "0"},
};
static const char *const rbt[7][15] = {
    {"1", "0"},
    {"1", "01", "00"},
    {"11", "10", "01", "00"},
    {"11", "10", "01", "001", "000"},
    {"11", "10", "011", "010", "001", "000"},
    {"11", "000", "001", "011", "010", "101", "100"},
    {"111", "110", "101", "100", "011", "010", "001", "0001", "00001", "000001", "0000001",
     "00000001", "000000001", "0000000001", "00000000001"},
};

/* Table 9-4 rows: codeNum -> {Intra_4x4 cbp, Inter cbp}. */
static const uint8_t table_9_4[48][2] = {
    {47, 0},  {31, 16}, {15, 1},  {0, 2},   {23, 4},  {27, 8},  {29, 32}, {30, 3},
    {7, 5},   {11, 10}, {13, 12}, {14, 15}, {39, 47}, {43, 7},  {45, 11}, {46, 13},
    {16, 14}, {3, 6},   {5, 9},   {10, 31}, {12, 35}, {19, 37}, {21, 42}, {26, 44},
    {28, 33}, {35, 34}, {37, 36}, {42, 40}, {44, 39}, {1, 43},  {2, 45},  {4, 46},
    {8, 17},  {17, 18}, {18, 20}, {20, 24}, {24, 19}, {6, 21},  {9, 26},  {22, 28},
    {25, 23}, {32, 27}, {33, 29}, {34, 30}, {36, 22}, {40, 25}, {38, 38}, {41, 41},
};

/* An MSB-first bit reader over a byte buffer. */
struct reader {
    const uint8_t *p;
    size_t nbits, pos;
};

static int rd_bit(struct reader *r)
{
    assert_true(r->pos < r->nbits);
    int b = (r->p[r->pos / 8] >> (7 - r->pos % 8)) & 1;
    r->pos++;
    return b;
}

static unsigned rd_bits(struct reader *r, unsigned n)
{
    unsigned v = 0;
    while (n-- > 0)
        v = v << 1 | (unsigned)rd_bit(r);
    return v;
}

/* True if the bits at the reader's position start with the string s. */
static int rd_match(const struct reader *r, const char *s)
{
    size_t n = strlen(s);
    if (r->pos + n > r->nbits)
        return 0;
    for (size_t i = 0; i < n; i++) {
        size_t q = r->pos + i;
        if (((r->p[q / 8] >> (7 - q % 8)) & 1) != (s[i] - '0'))
            return 0;
    }
    return 1;
}

/* Reads one code from a row of strings; returns its index (the value). */
static int rd_table(struct reader *r, const char *const *row, int n)
{
    for (int i = 0; i < n; i++) {
        if (row[i] != NULL && rd_match(r, row[i])) {
            r->pos += strlen(row[i]);
            return i;
        }
    }
    fail_msg("no code of the table matches at bit %zu", r->pos);
    return -1;
}

/*
 * residual_block_cavlc parsing (9.2): fills coeff[0..max_coeff-1] and
 * returns TotalCoeff.
 */
static int decode_block(struct reader *r, int16_t *coeff, int max_coeff, int nC)
{
    int total = -1, t1 = -1;
    memset(coeff, 0, sizeof(int16_t) * (size_t)max_coeff);
    /* coeff_token (9.2.1). */
    if (nC >= 8) {
        unsigned v = rd_bits(r, 6);
        if (v == 3) {
            total = 0;
            t1 = 0;
        } else {
            total = (int)(v >> 2) + 1;
            t1 = (int)(v & 3);
            assert_true(t1 <= total);
        }
    } else {
        const char *const(*tab)[4] = nC < 0 ? ctm1 : nC < 2 ? ct0 : nC < 4 ? ct1 : ct2;
        int rows = nC < 0 ? 5 : 17;
        for (int tc = 0; tc < rows && total < 0; tc++) {
            for (int t = 0; t <= (tc < 3 ? tc : 3); t++) {
                if (rd_match(r, tab[tc][t])) {
                    r->pos += strlen(tab[tc][t]);
                    total = tc;
                    t1 = t;
                    break;
                }
            }
        }
        assert_true(total >= 0);
    }
    assert_true(total <= max_coeff);
    if (total == 0)
        return 0;
    /* Levels (9.2.2). */
    int level[16];
    int suffix_len = total > 10 && t1 < 3 ? 1 : 0;
    for (int i = 0; i < total; i++) {
        if (i < t1) {
            level[i] = rd_bit(r) ? -1 : 1;
            continue;
        }
        int prefix = 0;
        while (rd_bit(r) == 0)
            prefix++;
        assert_true(prefix <= 15); /* Baseline limit (9.2.2.1) */
        int size = prefix == 14 && suffix_len == 0 ? 4 : prefix >= 15 ? prefix - 3 : suffix_len;
        int code = ((prefix < 15 ? prefix : 15) << suffix_len);
        if (size > 0)
            code += (int)rd_bits(r, (unsigned)size);
        if (prefix >= 15 && suffix_len == 0)
            code += 15;
        if (i == t1 && t1 < 3)
            code += 2;
        level[i] = code % 2 == 0 ? (code + 2) >> 1 : (-code - 1) >> 1;
        if (suffix_len == 0)
            suffix_len = 1;
        if (abs(level[i]) > (3 << (suffix_len - 1)) && suffix_len < 6)
            suffix_len++;
    }
    /* total_zeros (9.2.3). */
    int zeros_left = 0;
    if (total < max_coeff) {
        if (max_coeff == 4)
            zeros_left = rd_table(r, tzc[total - 1], 4 - total + 1);
        else
            zeros_left = rd_table(r, tz4[total - 1], 16 - total + 1);
    }
    assert_true(zeros_left <= max_coeff - total);
    /* run_before (9.2.3), then placement (9.2.4). */
    int run[16];
    for (int i = 0; i < total - 1; i++) {
        run[i] = 0;
        if (zeros_left > 0) {
            int idx = zeros_left > 6 ? 6 : zeros_left - 1;
            run[i] = rd_table(r, rbt[idx], idx == 6 ? 15 : zeros_left + 1);
            assert_true(run[i] <= zeros_left);
        }
        zeros_left -= run[i];
    }
    run[total - 1] = zeros_left;
    int pos = -1;
    for (int i = total - 1; i >= 0; i--) {
        pos += run[i] + 1;
        coeff[pos] = (int16_t)level[i];
    }
    return total;
}

/* Encodes one block and returns its bits as a '0'/'1' string (static buffer). */
static const char *encode_str(const int16_t *c, int max_coeff, int nC, int *total)
{
    static char out[1024];
    uint8_t buf[128];
    avila_h264_bits b;
    avila_h264_bits_init(&b, buf, sizeof(buf));
    *total = avila_h264_cavlc_block(&b, c, max_coeff, nC);
    size_t n = avila_h264_bits_count(&b);
    assert_int_equal(avila_h264_cavlc_block_bits(c, max_coeff, nC), n);
    assert_true(avila_h264_bits_finish(&b) >= 0);
    for (size_t i = 0; i < n; i++)
        out[i] = (char)('0' + ((buf[i / 8] >> (7 - i % 8)) & 1));
    out[n] = 0;
    return out;
}

static void expect_block(const int16_t *c, int max_coeff, int nC, const char *want, int want_total)
{
    int total;
    assert_string_equal(encode_str(c, max_coeff, nC, &total), want);
    assert_int_equal(total, want_total);
}

static void hand_worked(void **state)
{
    (void)state;
    /* The 4x4 block 0 3 -1 0 / 0 -1 1 0 / 1 0 0 0 / 0 0 0 0 in zig-zag order:
     * TotalCoeff 5, TrailingOnes 3 (0000100), signs 011, levels 1 (1) and
     * 3 (0010, suffixLength 1), total_zeros 3 (111), runs 1 0 0 1 (10 1 1 01). */
    const int16_t ex1[16] = {0, 3, 0, 1, -1, -1, 0, 1};
    expect_block(ex1, 16, 0, "000010001110010111101101", 5);
    /* The same at 8 <= nC: coeff_token 010011 (TotalCoeff - 1 = 4, TrailingOnes 3). */
    expect_block(ex1, 16, 8,
                 "010011"
                 "01110010111101101",
                 5);
    /* -2 4 3 -3 0 0 -1: TotalCoeff 5, TrailingOnes 1 (0000000110), sign 1;
     * -3 as levelCode 5 - 2 = 3 (0001); suffixLength 1: 3 -> 4 (001 0), 4 -> 6
     * (0001 0) and 4 > 3 makes suffixLength 2; -2 -> 3 (1 11); total_zeros 2 of
     * tzVlcIndex 5 (0011); run_before 2 with zerosLeft 2 (00). */
    const int16_t ex2[16] = {-2, 4, 3, -3, 0, 0, -1};
    expect_block(ex2, 16, 0,
                 "0000000110"
                 "1"
                 "0001"
                 "0010"
                 "00010"
                 "111"
                 "0011"
                 "00",
                 5);
    /* level_prefix 14: a lone 9 is levelCode 16 - 2 = 14 at suffixLength 0:
     * 14 zeros, 1, 4-bit level_suffix 0000; total_zeros 0 (1). */
    const int16_t ex3[16] = {9};
    expect_block(ex3, 16, 0,
                 "000101"
                 "000000000000001"
                 "0000"
                 "1",
                 1);
    /* ... and -16 (levelCode 31 - 2 = 29): level_suffix 1111. */
    const int16_t ex3b[16] = {-16};
    expect_block(ex3b, 16, 1,
                 "000101"
                 "000000000000001"
                 "1111"
                 "1",
                 1);
    /* level_prefix 15: a lone -20 at scan position 3 is levelCode 39 - 2 = 37:
     * 15 zeros, 1, 12-bit level_suffix 37 - 30 = 7; total_zeros 3 (0011). */
    const int16_t ex4[16] = {0, 0, 0, -20};
    expect_block(ex4, 16, 0,
                 "000101"
                 "0000000000000001"
                 "000000000111"
                 "0011",
                 1);
    /* level_prefix 15 at suffixLength 1: 1 1 then 40 at position 0 of an AC block:
     * TotalCoeff 3, TrailingOnes 2 (0000101 at nC 0), signs 00; 40 is levelCode
     * 78 - 2 = 76 >= 15 << 1: 15 zeros, 1, suffix 76 - 30 = 46; total_zeros 0
     * of tzVlcIndex 3 (0101). */
    const int16_t ex5[15] = {40, 1, 1};
    expect_block(ex5, 15, 0,
                 "0000101"
                 "00"
                 "0000000000000001"
                 "000000101110"
                 "0101",
                 3);
    /* The largest level, 2063 and -2063, alone: levelCode 4124 - 2 and 4125 - 2. */
    const int16_t ex6[16] = {2063};
    expect_block(ex6, 16, 0,
                 "000101"
                 "0000000000000001"
                 "111111111100"
                 "1",
                 1);
    const int16_t ex6b[16] = {-2063};
    expect_block(ex6b, 16, 0,
                 "000101"
                 "0000000000000001"
                 "111111111101"
                 "1",
                 1);
    /* Chroma DC 2 0 -1 0: TotalCoeff 2, TrailingOnes 1 (000110 at nC -1), sign 1,
     * 2 as levelCode 0 (1), total_zeros 1 of Table 9-9 a row 2 (01), run 1 (0). */
    const int16_t ex7[4] = {2, 0, -1, 0};
    expect_block(ex7, 4, -1,
                 "000110"
                 "1"
                 "1"
                 "01"
                 "0",
                 2);
    /* Chroma DC 0 0 0 -1: TotalCoeff 1, TrailingOnes 1 (1), sign 1, total_zeros 3 (000). */
    const int16_t ex8[4] = {0, 0, 0, -1};
    expect_block(ex8, 4, -1,
                 "1"
                 "1"
                 "000",
                 1);
    /* Sixteen ones: 0000000000001000 (TotalCoeff 16, TrailingOnes 3), signs 000,
     * then 13 levels 1 (1 at suffixLength 0, then 10 at suffixLength 1), no
     * total_zeros. */
    int16_t ones[16];
    for (int i = 0; i < 16; i++)
        ones[i] = 1;
    char want[64] = "0000000000001000"
                    "000"
                    "1";
    size_t at = strlen(want);
    for (int i = 0; i < 12; i++, at += 2)
        memcpy(want + at, "10", 3);
    expect_block(ones, 16, 0, want, 16);
    /* Eleven levels 2 (TotalCoeff > 10, no trailing ones: suffixLength starts at 1). */
    int16_t twos[16] = {0};
    for (int i = 0; i < 11; i++)
        twos[i] = 2;
    /* coeff_token 000000000001111 (11, 0); first level levelCode 2 - 2 = 0 at
     * suffixLength 1 (10), then levelCode 2 (010) ten times; total_zeros 0 of
     * tzVlcIndex 11 (0000). */
    char want2[128] = "000000000001111"
                      "10";
    at = strlen(want2);
    for (int i = 0; i < 10; i++, at += 3)
        memcpy(want2 + at, "010", 4);
    memcpy(want2 + at, "0000", 5);
    expect_block(twos, 16, 0, want2, 11);
}

static void coeff_token_codewords(void **state)
{
    (void)state;
    /* Empty blocks: TotalCoeff 0 per nC range (Table 9-5). */
    const int16_t zero[16] = {0};
    expect_block(zero, 16, 0, "1", 0);
    expect_block(zero, 16, 1, "1", 0);
    expect_block(zero, 16, 2, "11", 0);
    expect_block(zero, 15, 3, "11", 0);
    expect_block(zero, 16, 4, "1111", 0);
    expect_block(zero, 16, 7, "1111", 0);
    expect_block(zero, 16, 8, "000011", 0);
    expect_block(zero, 16, 16, "000011", 0);
    expect_block(zero, 4, -1, "01", 0);
    /* A lone +1 at position 0: coeff_token (1, 1), sign 0, total_zeros 0 (1). */
    const int16_t one[16] = {1};
    expect_block(one, 16, 0,
                 "01"
                 "0"
                 "1",
                 1);
    expect_block(one, 16, 2,
                 "10"
                 "0"
                 "1",
                 1);
    expect_block(one, 16, 4,
                 "1110"
                 "0"
                 "1",
                 1);
    expect_block(one, 16, 8,
                 "000001"
                 "0"
                 "1",
                 1);
    expect_block(one, 4, -1,
                 "1"
                 "0"
                 "1",
                 1);
    /* Three ones at 0..2: coeff_token (3, 3), signs 000, total_zeros 0 of
     * tzVlcIndex 3 (0101; chroma DC: 1). */
    const int16_t three[16] = {1, 1, 1};
    expect_block(three, 16, 0,
                 "00011"
                 "000"
                 "0101",
                 3);
    expect_block(three, 16, 3,
                 "0101"
                 "000"
                 "0101",
                 3);
    expect_block(three, 16, 5,
                 "1100"
                 "000"
                 "0101",
                 3);
    expect_block(three, 16, 9,
                 "001011"
                 "000"
                 "0101",
                 3);
    expect_block(three, 4, -1,
                 "000101"
                 "000"
                 "1",
                 3);
    /* 2 at position 0: coeff_token (1, 0), level 2 -> levelCode 2 - 2 = 0 (1). */
    const int16_t two[16] = {2};
    expect_block(two, 16, 0,
                 "000101"
                 "1"
                 "1",
                 1);
    expect_block(two, 16, 2,
                 "001011"
                 "1"
                 "1",
                 1);
    expect_block(two, 16, 6,
                 "001111"
                 "1"
                 "1",
                 1);
    expect_block(two, 16, 8,
                 "000000"
                 "1"
                 "1",
                 1);
    expect_block(two, 4, -1,
                 "000111"
                 "1"
                 "1",
                 1);
}

static void cbp_and_nc(void **state)
{
    (void)state;
    for (unsigned k = 0; k < 48; k++) {
        assert_int_equal(avila_h264_cbp_code(table_9_4[k][0], true), k);
        assert_int_equal(avila_h264_cbp_code(table_9_4[k][1], false), k);
    }
    assert_int_equal(avila_h264_cavlc_nc(-1, -1), 0);
    assert_int_equal(avila_h264_cavlc_nc(5, -1), 5);
    assert_int_equal(avila_h264_cavlc_nc(-1, 7), 7);
    assert_int_equal(avila_h264_cavlc_nc(2, 3), 3);
    assert_int_equal(avila_h264_cavlc_nc(2, 2), 2);
    assert_int_equal(avila_h264_cavlc_nc(0, 1), 1);
    assert_int_equal(avila_h264_cavlc_nc(16, 16), 16);
    assert_int_equal(avila_h264_cavlc_nc(0, 0), 0);
}

/* A random level with a mix of magnitudes that reaches every code path. */
static int16_t random_level(uint64_t *rng, int style)
{
    uint64_t r = unit_rand(rng);
    int mag;
    switch (style) {
    case 0: /* ones and twos: trailing ones, small codes */
        mag = 1 + (int)(r % 2);
        break;
    case 1: /* moderate */
        mag = 1 + (int)(r % 20);
        break;
    case 2: /* escapes */
        mag = 1 + (int)(r % AVILA_H264_LEVEL_MAX);
        break;
    default: /* anything, weighted to small */
        mag = (int)((r % 4 == 0) ? 1 + (r >> 8) % AVILA_H264_LEVEL_MAX : 1 + (r >> 8) % 6);
        break;
    }
    return (int16_t)((r >> 40) & 1 ? -mag : mag);
}

static void random_round_trip(void **state)
{
    (void)state;
    enum { BLOCKS = 100000, BATCH = 1000 };
    static const int nc_of_class[5][3] = {
        {0, 1, 1}, {2, 3, 3}, {4, 5, 7}, {8, 9, 16}, {-1, -1, -1}};
    static const int max_of_class[3] = {16, 15, 4};
    uint64_t rng = 0xcab1c;
    size_t cap = (size_t)BATCH * 200;
    uint8_t *buf = malloc(cap);
    int16_t(*blocks)[16] = malloc(sizeof(*blocks) * BATCH);
    int *nc = malloc(sizeof(int) * BATCH);
    assert_non_null(buf);
    assert_non_null(blocks);
    assert_non_null(nc);
    for (int mc = 0; mc < 3; mc++) {
        int max_coeff = max_of_class[mc];
        for (int cls = 0; cls < 5; cls++) {
            if ((max_coeff == 4) != (cls == 4))
                continue;
            for (int done = 0; done < BLOCKS; done += BATCH) {
                avila_h264_bits b;
                avila_h264_bits_init(&b, buf, cap);
                for (int k = 0; k < BATCH; k++) {
                    uint64_t r = unit_rand(&rng);
                    nc[k] = nc_of_class[cls][r % 3];
                    int style = (int)((r >> 8) % 4);
                    /* density: empty, sparse, half, full */
                    unsigned density = (unsigned)((r >> 16) % 5);
                    memset(blocks[k], 0, sizeof(blocks[k]));
                    for (int i = 0; i < max_coeff; i++) {
                        uint64_t q = unit_rand(&rng) % 8;
                        int on = density == 0   ? 0
                                 : density == 1 ? q == 0
                                 : density == 2 ? q < 4
                                 : density == 3 ? q < 7
                                                : 1;
                        if (on)
                            blocks[k][i] = random_level(&rng, style);
                    }
                    size_t before = avila_h264_bits_count(&b);
                    int total = avila_h264_cavlc_block(&b, blocks[k], max_coeff, nc[k]);
                    int want_total = 0;
                    for (int i = 0; i < max_coeff; i++)
                        want_total += blocks[k][i] != 0;
                    assert_int_equal(total, want_total);
                    assert_int_equal(avila_h264_bits_count(&b) - before,
                                     avila_h264_cavlc_block_bits(blocks[k], max_coeff, nc[k]));
                }
                size_t nbits = avila_h264_bits_count(&b);
                assert_true(avila_h264_bits_finish(&b) > 0);
                struct reader rd = {buf, nbits, 0};
                for (int k = 0; k < BATCH; k++) {
                    int16_t got[16];
                    int total = decode_block(&rd, got, max_coeff, nc[k]);
                    (void)total;
                    assert_memory_equal(got, blocks[k], sizeof(int16_t) * (size_t)max_coeff);
                }
                assert_int_equal(rd.pos, nbits);
            }
        }
    }
    free(buf);
    free(blocks);
    free(nc);
}

/* Appends the n low bits of v to the string at *at as '0'/'1' characters. */
static void ref_bits(char **at, unsigned n, uint32_t v)
{
    while (n-- > 0)
        *(*at)++ = (char)('0' + ((v >> n) & 1));
    **at = 0;
}

/* Appends a codeword of the tables above. */
static void ref_code(char **at, const char *code)
{
    assert_non_null(code);
    size_t n = strlen(code);
    memcpy(*at, code, n + 1);
    *at += n;
}

/*
 * One level (9.2.2.1 read as an encoder): levelCode, then the level_prefix
 * and level_suffix that the parsing process turns back into it; an escape
 * level_suffix beyond 12 bits is clamped to the largest of the same parity
 * (the same sign).
 */
static void ref_level(char **at, int level, int suffix_len, bool after_few_ones)
{
    int code = level > 0 ? 2 * level - 2 : -2 * level - 1;
    if (after_few_ones)
        code -= 2;
    int prefix, size, suffix;
    if (suffix_len == 0 && code < 14) {
        prefix = code;
        size = 0;
        suffix = 0;
    } else if (suffix_len == 0 && code < 30) {
        prefix = 14;
        size = 4;
        suffix = code - 14;
    } else if (suffix_len > 0 && code < (15 << suffix_len)) {
        prefix = code >> suffix_len;
        size = suffix_len;
        suffix = code - (prefix << suffix_len);
    } else {
        prefix = 15;
        size = 12;
        suffix = code - (15 << suffix_len) - (suffix_len == 0 ? 15 : 0);
        if (suffix > 4095)
            suffix = 4095 - ((suffix - 4095) & 1);
    }
    for (int i = 0; i < prefix; i++)
        ref_bits(at, 1, 0);
    ref_bits(at, 1, 1);
    ref_bits(at, (unsigned)size, (uint32_t)suffix);
}

/*
 * residual_block_cavlc (7.3.5.3.2) written the plain way from the bit
 * strings of Tables 9-5 to 9-10: the levels collected one coefficient at a
 * time from the highest frequency down. Appends to *at; returns TotalCoeff.
 */
static int ref_block(char **at, const int16_t *c, int max_coeff, int nC)
{
    int level[16], run[16], total = 0, zeros = 0, seen = 0;
    for (int i = max_coeff - 1; i >= 0; i--) {
        if (c[i] == 0) {
            zeros += seen; /* zeros above the last level are not coded */
            continue;
        }
        if (total > 0)
            run[total - 1] = zeros;
        level[total++] = c[i];
        zeros = 0;
        seen = 1;
    }
    int total_zeros = 0;
    for (int k = 0; k < total - 1; k++)
        total_zeros += run[k];
    total_zeros += zeros;
    int t1 = 0;
    while (t1 < total && t1 < 3 && abs(level[t1]) == 1)
        t1++;
    if (nC >= 8) {
        ref_bits(at, 6, total == 0 ? 3 : (uint32_t)((total - 1) << 2 | t1));
    } else {
        const char *const(*tab)[4] = nC < 0 ? ctm1 : nC < 2 ? ct0 : nC < 4 ? ct1 : ct2;
        ref_code(at, tab[total][t1]);
    }
    if (total == 0)
        return 0;
    for (int k = 0; k < t1; k++)
        ref_bits(at, 1, level[k] < 0);
    int suffix_len = total > 10 && t1 < 3 ? 1 : 0;
    for (int k = t1; k < total; k++) {
        ref_level(at, level[k], suffix_len, k == t1 && t1 < 3);
        if (suffix_len == 0)
            suffix_len = 1;
        if (abs(level[k]) > (3 << (suffix_len - 1)) && suffix_len < 6)
            suffix_len++;
    }
    if (total < max_coeff)
        ref_code(at, max_coeff == 4 ? tzc[total - 1][total_zeros] : tz4[total - 1][total_zeros]);
    int left = total_zeros;
    for (int k = 0; k < total - 1 && left > 0; k++) {
        ref_code(at, rbt[left > 7 ? 6 : left - 1][run[k]]);
        left -= run[k];
    }
    return total;
}

/* A random level for the differential test: mostly small, some escapes, some past the clamp. */
static int16_t diff_level(uint64_t *rng)
{
    uint64_t r = unit_rand(rng);
    int mag;
    switch (r % 16) {
    case 0:
        mag = 1 + (int)((r >> 8) % 32768); /* anything, often past AVILA_H264_LEVEL_MAX */
        break;
    case 1:
        mag = AVILA_H264_LEVEL_MAX - 8 + (int)((r >> 8) % 16); /* around the clamp */
        break;
    case 2:
    case 3:
        mag = 1 + (int)((r >> 8) % 64); /* prefix 14 and suffixLength growth */
        break;
    default:
        mag = 1 + (int)((r >> 8) % 4);
        break;
    }
    if ((r >> 40) & 1)
        return (int16_t)(mag == 32768 ? -32768 : -mag);
    return (int16_t)(mag > 32767 ? 32767 : mag);
}

/*
 * Writes c after lead bits of lead_bits, so any alignment of the writer can
 * be tried, and checks the bits, TotalCoeff and the counted length against
 * ref_block.
 */
static void expect_reference(const int16_t *c, int max_coeff, int nC, unsigned lead,
                             uint32_t lead_bits)
{
    char want[1024], *at = want;
    ref_bits(&at, lead, lead_bits);
    int want_total = ref_block(&at, c, max_coeff, nC);

    uint8_t buf[128];
    avila_h264_bits b;
    avila_h264_bits_init(&b, buf, sizeof(buf));
    avila_h264_bits_put(&b, lead, lead_bits);
    int total = avila_h264_cavlc_block(&b, c, max_coeff, nC);
    size_t n = avila_h264_bits_count(&b);
    assert_true(avila_h264_bits_finish(&b) >= 0);
    char got[1024];
    for (size_t i = 0; i < n; i++)
        got[i] = (char)('0' + ((buf[i / 8] >> (7 - i % 8)) & 1));
    got[n] = 0;
    assert_string_equal(got, want);
    assert_int_equal(total, want_total);
    assert_int_equal(avila_h264_cavlc_block_bits(c, max_coeff, nC), n - lead);
}

/*
 * The writer against ref_block over 2.7 million random blocks, each
 * written after 0..31 random bits so every alignment of the writer is
 * crossed.
 */
static void differential_vs_reference(void **state)
{
    (void)state;
    enum { BLOCKS = 300000 };
    static const int nc_of_class[5][4] = {
        {0, 1, 1, 0}, {2, 3, 3, 2}, {4, 5, 6, 7}, {8, 9, 16, 12}, {-1, -1, -1, -1}};
    static const int max_of_class[3] = {16, 15, 4};
    uint64_t rng = 0xd1ff;
    for (int mc = 0; mc < 3; mc++) {
        int max_coeff = max_of_class[mc];
        for (int cls = 0; cls < 5; cls++) {
            if ((max_coeff == 4) != (cls == 4))
                continue;
            for (int done = 0; done < BLOCKS; done++) {
                uint64_t r = unit_rand(&rng);
                unsigned chance = (unsigned)(r >> 8) % 9; /* of a level per position, in 8ths */
                int16_t c[16] = {0};
                for (int i = 0; i < max_coeff; i++)
                    if (unit_rand(&rng) % 8 < chance)
                        c[i] = diff_level(&rng);
                unsigned lead = (unsigned)(r >> 16) % 32;
                expect_reference(c, max_coeff, nc_of_class[cls][r % 4], lead,
                                 (uint32_t)(r >> 32) & ((1u << lead) - 1));
            }
        }
    }
}

/*
 * Every map of non-zero positions of every maxNumCoeff (the runs and
 * total_zeros of each), with random small levels and nC, against ref_block.
 */
static void every_nonzero_map(void **state)
{
    (void)state;
    static const int max_of_class[3] = {16, 15, 4};
    static const int nc_any[8] = {0, 1, 2, 3, 4, 7, 8, 13};
    uint64_t rng = 0x3a9;
    for (int mc = 0; mc < 3; mc++) {
        int max_coeff = max_of_class[mc];
        for (unsigned map = 0; map < 1u << max_coeff; map++) {
            uint64_t r = unit_rand(&rng);
            int16_t c[16] = {0};
            for (int i = 0; i < max_coeff; i++)
                if (map >> i & 1)
                    c[i] = (int16_t)((r >> (2 * i) & 3) == 0 ? -1 - (int)(r >> 40 & 7) : 1);
            expect_reference(c, max_coeff, max_coeff == 4 ? -1 : nc_any[r >> 60 & 7],
                             (unsigned)(r >> 32) % 32, 0);
        }
    }
}

/* Only coeffs[0..max_coeff-1] is read: each block ends at a guard page. */
static void reads_only_max_coeff(void **state)
{
    (void)state;
    static const int max_of_class[3] = {16, 15, 4};
    for (int mc = 0; mc < 3; mc++) {
        int max_coeff = max_of_class[mc];
        size_t size = sizeof(int16_t) * (size_t)max_coeff;
        int16_t *c = unit_guarded_alloc(size);
        for (int i = 0; i < max_coeff; i++)
            c[i] = (int16_t)(i % 3 == 0 ? 0 : i - 7);
        expect_reference(c, max_coeff, max_coeff == 4 ? -1 : 2, 5, 0x11);
        unit_guarded_free(c, size);
    }
}

/* Levels beyond the limit are clamped, keep their sign, and the stream stays in step. */
static void clamped_levels(void **state)
{
    (void)state;
    static const int16_t big[] = {2064, -2064, 3000, -30000, 32767};
    for (size_t i = 0; i < AVILA_ARRAY_LEN(big); i++) {
        for (int first = 0; first < 2; first++) {
            int16_t c[16] = {0};
            /* alone (first non-trailing level, levelCode - 2) or after a 5 */
            c[0] = big[i];
            if (!first)
                c[1] = 5;
            uint8_t buf[64];
            avila_h264_bits b;
            avila_h264_bits_init(&b, buf, sizeof(buf));
            avila_h264_cavlc_block(&b, c, 16, 0);
            const int16_t after[16] = {3, 0, 1};
            avila_h264_cavlc_block(&b, after, 16, 0);
            size_t nbits = avila_h264_bits_count(&b);
            assert_true(avila_h264_bits_finish(&b) > 0);
            struct reader rd = {buf, nbits, 0};
            int16_t got[16];
            decode_block(&rd, got, 16, 0);
            assert_true(got[0] * big[i] > 0);
            assert_true(abs(got[0]) >= AVILA_H264_LEVEL_MAX);
            decode_block(&rd, got, 16, 0);
            assert_memory_equal(got, after, sizeof(after));
            assert_int_equal(rd.pos, nbits);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hand_worked),
        cmocka_unit_test(coeff_token_codewords),
        cmocka_unit_test(cbp_and_nc),
        cmocka_unit_test(random_round_trip),
        cmocka_unit_test(differential_vs_reference),
        cmocka_unit_test(every_nonzero_map),
        cmocka_unit_test(reads_only_max_coeff),
        cmocka_unit_test(clamped_levels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
