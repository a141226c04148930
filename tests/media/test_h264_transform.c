/*
 * tests/media/test_h264_transform.c - H.264 transform and quantisation
 * against the equations of ITU-T H.264 (08/2021) 8.5.6-8.5.12, written here
 * independently (matrix forms instead of the butterflies of the module), plus
 * encoder round trips at every QP.
 */
#include "tests/support/unit.h"

#include <stdlib.h>
#include <string.h>

#include "core/cpu.h"
#include "media/h264/transform.h"

/* 8-315..8-317: the v matrix, rows m = 0..5, columns v0 v1 v2. */
static const int vtab[6][3] = {{10, 16, 13}, {11, 18, 14}, {13, 20, 16},
                               {14, 23, 18}, {16, 25, 20}, {18, 29, 23}};

/* LevelScale4x4(m, i, j) with flat weightScale 16 (8.5.9). */
static int level_scale(int m, int i, int j)
{
    int v;
    if (i % 2 == 0 && j % 2 == 0)
        v = vtab[m][0];
    else if (i % 2 == 1 && j % 2 == 1)
        v = vtab[m][1];
    else
        v = vtab[m][2];
    return 16 * v;
}

/* The module's documented clamp of scaled values to int16. */
static int16_t clamp16(int32_t x)
{
    return (int16_t)(x < -32768 ? -32768 : x > 32767 ? 32767 : x);
}

static int rnd(uint64_t *s, int lo, int hi)
{
    return lo + (int)(unit_rand(s) % (uint64_t)(hi - lo + 1));
}

static uint8_t clip255(int x)
{
    return (uint8_t)(x < 0 ? 0 : x > 255 ? 255 : x);
}

static void zigzag_follows_figure_8_8(void **state)
{
    (void)state;
    /* Table 8-13, zig-zag column, as raster index v*4 + u. */
    static const uint8_t table[16] = {0, 1, 4, 8, 5, 2, 3, 6, 9, 12, 13, 10, 7, 11, 14, 15};
    assert_memory_equal(avila_h264_zigzag4x4, table, 16);
    /* Figure 8-8: anti-diagonals u + v = d, walked with u falling on odd d
     * and rising on even d. */
    int idx = 0;
    for (int d = 0; d <= 6; d++)
        for (int s = 0; s <= d; s++) {
            int u = (d & 1) ? d - s : s, v = d - u;
            if (u > 3 || v > 3)
                continue;
            assert_int_equal(avila_h264_zigzag4x4[idx], v * 4 + u);
            idx++;
        }
    assert_int_equal(idx, 16);
}

static void chroma_qp_follows_table_8_15(void **state)
{
    (void)state;
    for (int q = 0; q < 30; q++)
        assert_int_equal(avila_h264_chroma_qp(q, 0), q);
    static const struct {
        int qp, off, qpc;
    } spot[] = {{30, 0, 29}, {31, 0, 30}, {33, 0, 32},   {34, 0, 32},  {36, 0, 34},
                {37, 0, 34}, {39, 0, 35}, {42, 0, 37},   {44, 0, 37},  {45, 0, 38},
                {47, 0, 38}, {48, 0, 39}, {51, 0, 39},   {51, 12, 39}, {45, 6, 39},
                {0, -12, 0}, {5, -12, 0}, {40, -12, 28}, {25, 5, 29},  {26, 12, 35}};
    for (size_t k = 0; k < sizeof spot / sizeof spot[0]; k++)
        assert_int_equal(avila_h264_chroma_qp(spot[k].qp, spot[k].off), spot[k].qpc);
}

/* 8.5.12.2 written as two matrix products: the 1-D inverse of a row d is
 * x = (d0 + d1 + d2 + d3/2, d0 + d1/2 - d2 - d3, d0 - d1/2 - d2 + d3,
 *      d0 - d1 + d2 - d3/2), halves by arithmetic shift; rows first. */
static void ref_inverse_1d(const int32_t d[4], int32_t x[4])
{
    x[0] = d[0] + d[1] + d[2] + (d[3] >> 1);
    x[1] = d[0] + (d[1] >> 1) - d[2] - d[3];
    x[2] = d[0] - (d[1] >> 1) - d[2] + d[3];
    x[3] = d[0] - d[1] + d[2] - (d[3] >> 1);
}

static void ref_idct_add(uint8_t *dst, ptrdiff_t stride, const int16_t c[16])
{
    int32_t f[4][4], r[4][4];
    for (int i = 0; i < 4; i++) {
        const int16_t *row = c + (ptrdiff_t)i * 4;
        int32_t d[4] = {row[0], row[1], row[2], row[3]};
        ref_inverse_1d(d, f[i]);
    }
    for (int j = 0; j < 4; j++) {
        int32_t d[4] = {f[0][j], f[1][j], f[2][j], f[3][j]}, g[4];
        ref_inverse_1d(d, g);
        for (int i = 0; i < 4; i++)
            r[i][j] = (g[i] + 32) >> 6;
    }
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            int x = dst[i * stride + j] + r[i][j];
            dst[i * stride + j] = (uint8_t)(x < 0 ? 0 : x > 255 ? 255 : x);
        }
}

static void idct_matches_equations(void **state)
{
    (void)state;
    uint64_t s = 1;
    for (int n = 0; n < 200000; n++) {
        int16_t c[16], c2[16];
        /* Conforming dequantised values keep every intermediate within 16
         * bits (8.5.12.1): |d| <= 2^12 does. Mix small and sparse blocks. */
        int lim = (n & 3) == 0 ? 4096 : (n & 3) == 1 ? 300 : 40;
        for (int k = 0; k < 16; k++)
            c[k] = (int16_t)((n & 4) && rnd(&s, 0, 3) ? 0 : rnd(&s, -lim, lim));
        memcpy(c2, c, sizeof c);
        uint8_t a[4 * 7], b[4 * 7];
        for (int k = 0; k < 28; k++)
            a[k] = b[k] = (uint8_t)rnd(&s, 0, 255);
        avila_h264_idct4x4_add(a, 7, c);
        ref_idct_add(b, 7, c2);
        assert_memory_equal(a, b, sizeof a);
    }
}

static void idct_known_answers(void **state)
{
    (void)state;
    /* DC only: (d + 32) >> 6 everywhere. */
    int16_t c[16] = {64 * 5};
    uint8_t px[16];
    memset(px, 100, sizeof px);
    avila_h264_idct4x4_add(px, 4, c);
    for (int k = 0; k < 16; k++)
        assert_int_equal(px[k], 105);
    /* d01 = 64 (first horizontal frequency): columns get 64*(1, 1/2, -1/2, -1)
     * >> 6 with rounding: +1, +1 (32+32 >> 6), 0 ((-32+32) >> 6), -1. */
    memset(c, 0, sizeof c);
    c[1] = 64;
    memset(px, 100, sizeof px);
    avila_h264_idct4x4_add(px, 4, c);
    for (int y = 0; y < 4; y++) {
        assert_int_equal(px[y * 4 + 0], 101);
        assert_int_equal(px[y * 4 + 1], 101);
        assert_int_equal(px[y * 4 + 2], 100);
        assert_int_equal(px[y * 4 + 3], 99);
    }
    /* The same on d10 moves along rows instead. */
    memset(c, 0, sizeof c);
    c[4] = 64;
    memset(px, 100, sizeof px);
    avila_h264_idct4x4_add(px, 4, c);
    for (int x = 0; x < 4; x++) {
        assert_int_equal(px[0 * 4 + x], 101);
        assert_int_equal(px[3 * 4 + x], 99);
    }
    /* Clipping at both ends. */
    memset(c, 0, sizeof c);
    c[0] = 64 * 100;
    memset(px, 200, sizeof px);
    avila_h264_idct4x4_add(px, 4, c);
    assert_int_equal(px[5], 255);
    c[0] = -64 * 100;
    memset(px, 50, sizeof px);
    memset(c + 1, 0, 15 * sizeof c[0]);
    avila_h264_idct4x4_add(px, 4, c);
    assert_int_equal(px[5], 0);
}

static void dequant_matches_8_5_12_1(void **state)
{
    (void)state;
    uint64_t s = 7;
    for (int qp = 0; qp <= 51; qp++)
        for (int n = 0; n < 500; n++) {
            int16_t c[16], ref[16];
            /* Levels whose scaled value fits 16 bits (8.5.12.1 requires it of
             * conforming streams), plus now and then one that needs the
             * documented clamp. */
            int lim = 32767 / (29 << (qp / 6));
            for (int k = 0; k < 16; k++)
                c[k] = (int16_t)rnd(&s, -lim, lim);
            if (n % 50 == 0)
                c[5] = (int16_t)(n & 2 ? 2063 : -2063);
            int first = n & 1;
            for (int i = 0; i < 4; i++)
                for (int j = 0; j < 4; j++) {
                    int32_t x = c[i * 4 + j], ls = level_scale(qp % 6, i, j), d;
                    if (qp >= 24)
                        d = (x * ls) * (1 << (qp / 6 - 4));
                    else
                        d = (x * ls + (1 << (3 - qp / 6))) >> (4 - qp / 6);
                    ref[i * 4 + j] = clamp16(d);
                }
            if (first)
                ref[0] = c[0];
            avila_h264_dequant4x4(c, qp, first);
            assert_memory_equal(c, ref, sizeof c);
        }
}

/* 8.5.10 written out: f = A c A, then the two scaling branches; the
 * spatial block (by, bx) gets dcY[by][bx]. */
static void ref_luma_dc(const int16_t c[16], int qp, int16_t out[16])
{
    static const int a[4][4] = {{1, 1, 1, 1}, {1, 1, -1, -1}, {1, -1, -1, 1}, {1, -1, 1, -1}};
    int32_t t[4][4], f[4][4];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            t[i][j] = 0;
            for (int k = 0; k < 4; k++)
                t[i][j] += a[i][k] * c[k * 4 + j];
        }
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            f[i][j] = 0;
            for (int k = 0; k < 4; k++)
                f[i][j] += t[i][k] * a[k][j];
        }
    int32_t ls = level_scale(qp % 6, 0, 0);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            int32_t d;
            if (qp >= 36)
                d = (f[i][j] * ls) * (1 << (qp / 6 - 6));
            else
                d = (f[i][j] * ls + (1 << (5 - qp / 6))) >> (6 - qp / 6);
            out[i * 4 + j] = clamp16(d);
        }
}

static void luma_dc_dequant_matches_8_5_10(void **state)
{
    (void)state;
    uint64_t s = 11;
    for (int qp = 0; qp <= 51; qp++)
        for (int n = 0; n < 300; n++) {
            int16_t c[16], ref[16];
            /* 16 * lim * 288 * 2^(qp/6 - 6) must fit 16 bits, mostly. */
            int lim = qp >= 36 ? 32767 / (16 * 288 << (qp / 6 - 6)) + 1 : 40;
            for (int k = 0; k < 16; k++)
                c[k] = (int16_t)rnd(&s, -lim, lim);
            ref_luma_dc(c, qp, ref);
            avila_h264_luma_dc_dequant(c, qp);
            assert_memory_equal(c, ref, sizeof c);
        }
    /* Known answers: one level at the first horizontal frequency gives
     * +, +, -, - across the block columns; qp 36: LevelScale 160, shift 0. */
    int16_t c[16] = {0};
    c[1] = 1;
    avila_h264_luma_dc_dequant(c, 36);
    for (int by = 0; by < 4; by++) {
        assert_int_equal(c[by * 4 + 0], 160);
        assert_int_equal(c[by * 4 + 1], 160);
        assert_int_equal(c[by * 4 + 2], -160);
        assert_int_equal(c[by * 4 + 3], -160);
    }
    /* qp 12 (< 36): (f * 160 + 2^3) >> 4 = 10 for f = 1. */
    memset(c, 0, sizeof c);
    c[0] = 1;
    avila_h264_luma_dc_dequant(c, 12);
    for (int k = 0; k < 16; k++)
        assert_int_equal(c[k], 10);
}

static void chroma_dc_dequant_matches_8_5_11(void **state)
{
    (void)state;
    uint64_t s = 13;
    for (int qpc = 0; qpc <= 39; qpc++)
        for (int n = 0; n < 300; n++) {
            int16_t c[4], ref[4];
            int lim = 32767 * 32 / (4 * 288 << (qpc / 6)) + 1;
            for (int k = 0; k < 4; k++)
                c[k] = (int16_t)rnd(&s, -lim, lim);
            int32_t f[4] = {c[0] + c[1] + c[2] + c[3], c[0] - c[1] + c[2] - c[3],
                            c[0] + c[1] - c[2] - c[3], c[0] - c[1] - c[2] + c[3]};
            for (int k = 0; k < 4; k++)
                ref[k] = clamp16(((f[k] * level_scale(qpc % 6, 0, 0)) * (1 << (qpc / 6))) >> 5);
            avila_h264_chroma_dc_dequant(c, qpc);
            assert_memory_equal(c, ref, sizeof c);
        }
    /* c = [1 0; 0 0] at qpc 0: ((1 * 160) << 0) >> 5 = 5 in every block;
     * c = [0 1; 0 0]: +5 left column, -5 right column. */
    int16_t c[4] = {1, 0, 0, 0};
    avila_h264_chroma_dc_dequant(c, 0);
    for (int k = 0; k < 4; k++)
        assert_int_equal(c[k], 5);
    int16_t d[4] = {0, 1, 0, 0};
    avila_h264_chroma_dc_dequant(d, 0);
    assert_int_equal(d[0], 5);
    assert_int_equal(d[1], -5);
    assert_int_equal(d[2], 5);
    assert_int_equal(d[3], -5);
}

static void fdct_is_cf_x_cft(void **state)
{
    (void)state;
    static const int cf[4][4] = {{1, 1, 1, 1}, {2, 1, -1, -2}, {1, -1, -1, 1}, {1, -2, 2, -1}};
    uint64_t s = 17;
    for (int n = 0; n < 20000; n++) {
        uint8_t src[4 * 9], pred[4 * 5];
        for (size_t k = 0; k < sizeof src; k++)
            src[k] = (uint8_t)rnd(&s, 0, 255);
        for (size_t k = 0; k < sizeof pred; k++)
            pred[k] = (uint8_t)(n & 1 ? rnd(&s, 0, 255) : 255 - src[(k / 5) * 9 + k % 5]);
        int16_t c[16];
        avila_h264_fdct4x4(c, src, 9, pred, 5);
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++) {
                int32_t y = 0;
                for (int a = 0; a < 4; a++)
                    for (int b = 0; b < 4; b++)
                        y += cf[i][a] * (src[a * 9 + b] - pred[a * 5 + b]) * cf[j][b];
                assert_int_equal(c[i * 4 + j], y);
            }
    }
}

static void quant_properties(void **state)
{
    (void)state;
    uint64_t s = 19;
    for (int qp = 0; qp <= 51; qp++)
        for (int n = 0; n < 400; n++) {
            int16_t c[16], neg[16];
            for (int k = 0; k < 16; k++) {
                c[k] = (int16_t)rnd(&s, -9180, 9180);
                neg[k] = (int16_t)-c[k];
            }
            int16_t orig = c[0];
            bool intra = n & 1;
            int first = (n >> 1) & 1;
            int nz = avila_h264_quant4x4(c, qp, intra, first);
            int nz2 = avila_h264_quant4x4(neg, qp, intra, first);
            int count = 0;
            for (int k = first; k < 16; k++) {
                assert_int_equal(c[k], -neg[k]); /* odd symmetry */
                assert_true(c[k] <= AVILA_H264_LEVEL_MAX && c[k] >= -AVILA_H264_LEVEL_MAX);
                count += c[k] != 0;
            }
            assert_int_equal(nz, count);
            assert_int_equal(nz2, count);
            if (first)
                assert_int_equal(c[0], orig);
        }
    /* Large coefficients at qp 0 clamp; levels round up from 2/3 of a step
     * (inter from QP 36: 3/4): at qp 0 a DC of 1.6 steps (step = 2^15 / 13107). */
    int16_t c[16] = {9180};
    avila_h264_quant4x4(c, 0, true, 0);
    assert_int_equal(c[0], AVILA_H264_LEVEL_MAX);
    int16_t d1[16] = {4}, d2[16] = {4}; /* 4 * 13107 / 32768 = 1.6 */
    avila_h264_quant4x4(d1, 0, true, 0);
    avila_h264_quant4x4(d2, 0, false, 0);
    assert_int_equal(d1[0], 1);
    assert_int_equal(d2[0], 1);
    /* Position 1 at QP 36 (MF 8066, step 2^21 / 8066 = 260): -192 is 0.74
     * steps: intra rounds it to -1, inter (a quarter from QP 36) to 0. */
    int16_t e1[16] = {0, -192}, e2[16] = {0, -192};
    avila_h264_quant4x4(e1, 36, true, 0);
    avila_h264_quant4x4(e2, 36, false, 0);
    assert_int_equal(e1[1], -1);
    assert_int_equal(e2[1], 0);
    /* Below QP 36 inter rounds as intra: at QP 0 (MF 8066, step 4.06) -3 is 0.74 steps. */
    int16_t e3[16] = {0, -3};
    avila_h264_quant4x4(e3, 0, false, 0);
    assert_int_equal(e3[1], -1);
}

/* Residual blocks reconstruct to within the quantiser's error. */
static double qstep(int qp)
{
    static const double base[6] = {0.625, 0.6875, 0.8125, 0.875, 1.0, 1.125};
    return base[qp % 6] * (double)(1 << (qp / 6));
}

static void check_error(int qp, const uint8_t *src, const uint8_t *rec, int n, ptrdiff_t stride,
                        double *sq, int *maxe)
{
    for (int y = 0; y < n; y++)
        for (int x = 0; x < n; x++) {
            int e = abs(src[y * stride + x] - rec[y * stride + x]);
            *sq += (double)e * e;
            if (e > *maxe)
                *maxe = e;
        }
    (void)qp;
}

static void round_trip_4x4_every_qp(void **state)
{
    (void)state;
    uint64_t s = 23;
    for (int qp = 0; qp <= 51; qp++) {
        double sq = 0;
        int maxe = 0, blocks = 3000;
        for (int n = 0; n < blocks; n++) {
            uint8_t src[16], pred[16], rec[16];
            /* Fully random residuals only where their levels stay below
             * AVILA_H264_LEVEL_MAX (9180 * 13107 >> 21 < 2063 from qp 6). */
            bool wild = (n & 1) && qp >= 6;
            for (int k = 0; k < 16; k++) {
                src[k] = (uint8_t)rnd(&s, 0, 255);
                pred[k] = wild ? (uint8_t)rnd(&s, 0, 255) : clip255(src[k] + rnd(&s, -30, 30));
            }
            int16_t c[16];
            avila_h264_fdct4x4(c, src, 4, pred, 4);
            avila_h264_quant4x4(c, qp, n & 2, 0);
            avila_h264_dequant4x4(c, qp, 0);
            memcpy(rec, pred, 16);
            avila_h264_idct4x4_add(rec, 4, c);
            check_error(qp, src, rec, 4, 4, &sq, &maxe);
        }
        double ms = sq / (blocks * 16.0), st = qstep(qp);
        /* A uniform quantiser's mean squared error is step^2 / 12 per
         * coefficient; the dead zone adds to it (measured: up to 0.21
         * step^2 here), and quantising must lose something. */
        assert_true(ms <= 0.25 + st * st * 0.25);
        assert_true(ms >= st * st * 0.02 || qp < 6);
        if (qp < 2)
            assert_true(maxe <= 1);
    }
}

static void round_trip_luma16_and_chroma_every_qp(void **state)
{
    (void)state;
    uint64_t s = 29;
    for (int qp = 0; qp <= 51; qp++) {
        double sq = 0, sqc = 0;
        int maxe = 0, maxc = 0, mbs = 150;
        int qpc = avila_h264_chroma_qp(qp, 0);
        for (int n = 0; n < mbs; n++) {
            uint8_t src[256], rec[256];
            /* As above: a flat prediction far from random samples gives DC
             * levels above AVILA_H264_LEVEL_MAX below qp 12. */
            bool wild = (n & 1) && qp >= 12;
            int base = rnd(&s, 20, 235);
            for (int k = 0; k < 256; k++)
                src[k] = wild ? (uint8_t)rnd(&s, 0, 255) : clip255(base + rnd(&s, -20, 20));
            int pv = wild ? rnd(&s, 0, 255) : base + rnd(&s, -20, 20);
            memset(rec, pv, sizeof rec); /* flat prediction, as DC mode gives */
            int16_t c[16][16], dc[16];
            for (int b = 0; b < 16; b++) {
                ptrdiff_t by = b / 4, bx = b % 4;
                avila_h264_fdct4x4(c[b], src + by * 64 + bx * 4, 16, rec + by * 64 + bx * 4, 16);
                dc[b] = c[b][0];
                avila_h264_quant4x4(c[b], qp, true, 1);
                avila_h264_dequant4x4(c[b], qp, 1);
            }
            avila_h264_luma_dc_forward(dc);
            avila_h264_luma_dc_quant(dc, qp, true);
            avila_h264_luma_dc_dequant(dc, qp);
            for (int b = 0; b < 16; b++) {
                ptrdiff_t by = b / 4, bx = b % 4;
                c[b][0] = dc[b];
                avila_h264_idct4x4_add(rec + by * 64 + bx * 4, 16, c[b]);
            }
            check_error(qp, src, rec, 16, 16, &sq, &maxe);

            /* One 8x8 chroma component, same idea with the 2x2 DC. */
            uint8_t cs[64], cr[64];
            for (int k = 0; k < 64; k++)
                cs[k] = clip255(base + rnd(&s, -30, 30));
            memset(cr, pv, sizeof cr);
            int16_t cc[4][16], cdc[4];
            for (int b = 0; b < 4; b++) {
                ptrdiff_t by = b / 2, bx = b % 2;
                avila_h264_fdct4x4(cc[b], cs + by * 32 + bx * 4, 8, cr + by * 32 + bx * 4, 8);
                cdc[b] = cc[b][0];
                avila_h264_quant4x4(cc[b], qpc, true, 1);
                avila_h264_dequant4x4(cc[b], qpc, 1);
            }
            avila_h264_chroma_dc_forward(cdc);
            avila_h264_chroma_dc_quant(cdc, qpc, true);
            avila_h264_chroma_dc_dequant(cdc, qpc);
            for (int b = 0; b < 4; b++) {
                ptrdiff_t by = b / 2, bx = b % 2;
                cc[b][0] = cdc[b];
                avila_h264_idct4x4_add(cr + by * 32 + bx * 4, 8, cc[b]);
            }
            check_error(qpc, cs, cr, 8, 8, &sqc, &maxc);
        }
        double ms = sq / (mbs * 256.0), msc = sqc / (mbs * 64.0);
        double st = qstep(qp), stc = qstep(qpc);
        assert_true(ms <= 0.25 + st * st * 0.25);
        assert_true(msc <= 0.25 + stc * stc * 0.25);
        if (qp < 2) {
            assert_true(maxe <= 1);
            assert_true(maxc <= 1);
        }
    }
}

static void dc_forward_known_answers(void **state)
{
    (void)state;
    /* Equal DCs: all energy in the first coefficient, 16 * x / 2. */
    int16_t dc[16];
    for (int k = 0; k < 16; k++)
        dc[k] = 4080;
    avila_h264_luma_dc_forward(dc);
    assert_int_equal(dc[0], 32640);
    for (int k = 1; k < 16; k++)
        assert_int_equal(dc[k], 0);
    /* Left half +1, right half -1: horizontal frequency 1 = 16 / 2 = 8, with
     * the block columns in raster order. */
    for (int k = 0; k < 16; k++)
        dc[k] = (k % 4) < 2 ? 1 : -1;
    avila_h264_luma_dc_forward(dc);
    assert_int_equal(dc[1], 8);
    for (int k = 0; k < 16; k++)
        if (k != 1)
            assert_int_equal(dc[k], 0);
    /* Odd sums round half away from zero: one block at 1 gives 1/2 -> +-1. */
    memset(dc, 0, sizeof dc);
    dc[0] = 1;
    avila_h264_luma_dc_forward(dc);
    for (int k = 0; k < 16; k++)
        assert_int_equal(abs(dc[k]), 1);
    int16_t c4[4] = {1, 2, 3, 4};
    avila_h264_chroma_dc_forward(c4);
    assert_int_equal(c4[0], 10);
    assert_int_equal(c4[1], -2);
    assert_int_equal(c4[2], -4);
    assert_int_equal(c4[3], 0);
    /* Quantisers clamp and count. */
    for (int k = 0; k < 16; k++)
        dc[k] = (int16_t)(k < 3 ? 32640 : 0);
    assert_int_equal(avila_h264_luma_dc_quant(dc, 0, true), 3);
    assert_int_equal(dc[0], AVILA_H264_LEVEL_MAX);
    int16_t c5[4] = {0, 0, -16320, 3};
    assert_int_equal(avila_h264_chroma_dc_quant(c5, 0, false), 1);
    assert_int_equal(c5[2], -AVILA_H264_LEVEL_MAX);
}

/*
 * avila_h264_zero_sad4x4: residuals within the bound quantise to nothing
 * (random ones, and the worst case: the whole SAD in one corner sample,
 * which puts 4 x SAD on an odd/odd coefficient); one more in that corner
 * gives a level, so the bound is tight. Likewise the chroma DC bound.
 */
static void zero_sad_bounds(void **state)
{
    (void)state;
    uint64_t seed = 99;
    for (int qp = 0; qp < 52; qp++) {
        for (int intra = 0; intra < 2; intra++) {
            int bound = avila_h264_zero_sad4x4(qp, intra);
            assert_true(bound >= 0);
            uint8_t src[16], pred[16];
            int16_t c[16];
            for (int t = 0; t < 2000; t++) {
                int left = bound;
                for (int i = 0; i < 16; i++) {
                    int d = rnd(&seed, -left, left) / (t % 4 + 1);
                    if (d > 127)
                        d = 127;
                    if (d < -127)
                        d = -127;
                    left -= d < 0 ? -d : d;
                    pred[i] = 128;
                    src[i] = (uint8_t)(128 + d);
                }
                avila_h264_fdct4x4(c, src, 4, pred, 4);
                assert_int_equal(avila_h264_quant4x4(c, qp, intra, 0), 0);
            }
            if (bound + 1 <= 255) {
                memset(pred, 0, sizeof pred);
                memset(src, 0, sizeof src);
                src[0] = (uint8_t)bound;
                avila_h264_fdct4x4(c, src, 4, pred, 4);
                assert_int_equal(avila_h264_quant4x4(c, qp, intra, 0), 0);
                src[0] = (uint8_t)(bound + 1);
                avila_h264_fdct4x4(c, src, 4, pred, 4);
                assert_true(avila_h264_quant4x4(c, qp, intra, 0) > 0);
            }
            /* Chroma DC: the four blocks' DCs sum to at most the 8x8 SAD. */
            int dcb = avila_h264_zero_sad_chroma_dc(qp, intra);
            int16_t dc[4] = {(int16_t)(dcb / 4), (int16_t)(dcb / 4), (int16_t)(dcb / 4),
                             (int16_t)(dcb - 3 * (dcb / 4))};
            avila_h264_chroma_dc_forward(dc);
            assert_int_equal(avila_h264_chroma_dc_quant(dc, qp, intra), 0);
            int16_t over[4] = {(int16_t)(dcb + 1), 0, 0, 0};
            avila_h264_chroma_dc_forward(over);
            assert_true(avila_h264_chroma_dc_quant(over, qp, intra) > 0);
        }
    }
}

int main(void)
{
    avila_cpu_init(); /* AVILA_CPU=portable covers the portable code */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(zigzag_follows_figure_8_8),
        cmocka_unit_test(chroma_qp_follows_table_8_15),
        cmocka_unit_test(idct_matches_equations),
        cmocka_unit_test(idct_known_answers),
        cmocka_unit_test(dequant_matches_8_5_12_1),
        cmocka_unit_test(luma_dc_dequant_matches_8_5_10),
        cmocka_unit_test(chroma_dc_dequant_matches_8_5_11),
        cmocka_unit_test(fdct_is_cf_x_cft),
        cmocka_unit_test(quant_properties),
        cmocka_unit_test(dc_forward_known_answers),
        cmocka_unit_test(round_trip_4x4_every_qp),
        cmocka_unit_test(round_trip_luma16_and_chroma_every_qp),
        cmocka_unit_test(zero_sad_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
