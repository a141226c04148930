/*
 * tests/media/test_h264_intra.c - H.264 intra prediction against the
 * equations of ITU-T H.264 (08/2021) 8.3.1.2, 8.3.3 and 8.3.4, written here
 * literally (p[x, y] lookups, the zVR / zHD / zHU case splits), plus values
 * worked by hand on small neighbour patterns.
 */
#include "tests/support/unit.h"

#include <string.h>

#include "media/h264/intra.h"

#define L  AVILA_H264_AVAIL_LEFT
#define T  AVILA_H264_AVAIL_TOP
#define TL AVILA_H264_AVAIL_TOPLEFT
#define TR AVILA_H264_AVAIL_TOPRIGHT

/* A 32x32 picture; blocks are placed at (8, 8) so every neighbour exists in
 * memory. Unavailable neighbours are filled with a poison value the
 * functions must not read into their result. */
#define W   32
#define OFF (8 * W + 8)

static int rnd(uint64_t *s, int lo, int hi)
{
    return lo + (int)(unit_rand(s) % (uint64_t)(hi - lo + 1));
}

/* Neighbours of a 4x4 block for the reference: p[x, -1] x = -1..7, p[-1, y]. */
struct nb4 {
    int top[9]; /* top[x + 1] = p[x, -1] */
    int left[4];
};

static int P(const struct nb4 *n, int x, int y)
{
    return y < 0 ? n->top[x + 1] : n->left[y];
}

/* 8.3.1.2.1..9 literally; n already has the top-right substitution. */
static int ref4(const struct nb4 *n, int mode, unsigned avail, int x, int y)
{
    switch (mode) {
    case 0:
        return P(n, x, -1);
    case 1:
        return P(n, -1, y);
    case 2: {
        int st = 0, sl = 0;
        for (int k = 0; k < 4; k++) {
            st += P(n, k, -1);
            sl += P(n, -1, k);
        }
        if ((avail & (L | T)) == (L | T))
            return (st + sl + 4) >> 3;
        if (avail & L)
            return (sl + 2) >> 2;
        if (avail & T)
            return (st + 2) >> 2;
        return 128;
    }
    case 3:
        if (x == 3 && y == 3)
            return (P(n, 6, -1) + 3 * P(n, 7, -1) + 2) >> 2;
        return (P(n, x + y, -1) + 2 * P(n, x + y + 1, -1) + P(n, x + y + 2, -1) + 2) >> 2;
    case 4:
        if (x > y)
            return (P(n, x - y - 2, -1) + 2 * P(n, x - y - 1, -1) + P(n, x - y, -1) + 2) >> 2;
        if (x < y)
            return (P(n, -1, y - x - 2) + 2 * P(n, -1, y - x - 1) + P(n, -1, y - x) + 2) >> 2;
        return (P(n, 0, -1) + 2 * P(n, -1, -1) + P(n, -1, 0) + 2) >> 2;
    case 5: {
        int z = 2 * x - y;
        if (z >= 0 && !(z & 1))
            return (P(n, x - (y >> 1) - 1, -1) + P(n, x - (y >> 1), -1) + 1) >> 1;
        if (z >= 0)
            return (P(n, x - (y >> 1) - 2, -1) + 2 * P(n, x - (y >> 1) - 1, -1) +
                    P(n, x - (y >> 1), -1) + 2) >>
                   2;
        if (z == -1)
            return (P(n, -1, 0) + 2 * P(n, -1, -1) + P(n, 0, -1) + 2) >> 2;
        return (P(n, -1, y - 1) + 2 * P(n, -1, y - 2) + P(n, -1, y - 3) + 2) >> 2;
    }
    case 6: {
        int z = 2 * y - x;
        if (z >= 0 && !(z & 1))
            return (P(n, -1, y - (x >> 1) - 1) + P(n, -1, y - (x >> 1)) + 1) >> 1;
        if (z >= 0)
            return (P(n, -1, y - (x >> 1) - 2) + 2 * P(n, -1, y - (x >> 1) - 1) +
                    P(n, -1, y - (x >> 1)) + 2) >>
                   2;
        if (z == -1)
            return (P(n, -1, 0) + 2 * P(n, -1, -1) + P(n, 0, -1) + 2) >> 2;
        return (P(n, x - 1, -1) + 2 * P(n, x - 2, -1) + P(n, x - 3, -1) + 2) >> 2;
    }
    case 7:
        if (y == 0 || y == 2)
            return (P(n, x + (y >> 1), -1) + P(n, x + (y >> 1) + 1, -1) + 1) >> 1;
        return (P(n, x + (y >> 1), -1) + 2 * P(n, x + (y >> 1) + 1, -1) +
                P(n, x + (y >> 1) + 2, -1) + 2) >>
               2;
    default: {
        int z = x + 2 * y;
        if (z == 0 || z == 2 || z == 4)
            return (P(n, -1, y + (x >> 1)) + P(n, -1, y + (x >> 1) + 1) + 1) >> 1;
        if (z == 1 || z == 3)
            return (P(n, -1, y + (x >> 1)) + 2 * P(n, -1, y + (x >> 1) + 1) +
                    P(n, -1, y + (x >> 1) + 2) + 2) >>
                   2;
        if (z == 5)
            return (P(n, -1, 2) + 3 * P(n, -1, 3) + 2) >> 2;
        return P(n, -1, 3);
    }
    }
}

/* Fills the picture with random neighbours around (8, 8) and poison where
 * avail says "not available"; returns the reference's view of them. */
static struct nb4 setup4(uint8_t *pic, uint64_t *s, unsigned avail)
{
    struct nb4 n;
    for (int k = 0; k < W * W; k++)
        pic[k] = 0xee;
    uint8_t *b = pic + OFF;
    for (int x = 0; x < 8; x++)
        if ((avail & T) && (x < 4 || (avail & TR)))
            b[-W + x] = (uint8_t)rnd(s, 0, 255);
    if (avail & TL)
        b[-W - 1] = (uint8_t)rnd(s, 0, 255);
    for (int y = 0; y < 4; y++)
        if (avail & L)
            b[y * W - 1] = (uint8_t)rnd(s, 0, 255);
    for (int x = -1; x < 8; x++)
        n.top[x + 1] = b[-W + x];
    /* 8.3.1.2: p[4..7, -1] unavailable, p[3, -1] available: substitute. */
    if ((avail & T) && !(avail & TR))
        for (int x = 4; x < 8; x++)
            n.top[x + 1] = b[-W + 3];
    for (int y = 0; y < 4; y++)
        n.left[y] = b[y * W - 1];
    return n;
}

static void pred4x4_matches_equations(void **state)
{
    (void)state;
    uint64_t s = 3;
    uint8_t pic[W * W], pred[4 * 6], all[9][16];
    for (int it = 0; it < 3000; it++) {
        unsigned avail = (unsigned)it & 15;
        if (!(avail & T))
            avail &= ~(unsigned)TR;
        struct nb4 n = setup4(pic, &s, avail);
        unsigned ok = avila_h264_pred4x4_all(all, pic + OFF, W, avail);
        for (int mode = 0; mode < 9; mode++) {
            bool allowed = avila_h264_pred4x4_ok(mode, avail);
            assert_int_equal((ok >> mode) & 1, allowed);
            if (!allowed)
                continue;
            memset(pred, 0x55, sizeof pred);
            avila_h264_pred4x4(pred, 6, pic + OFF, W, mode, avail);
            for (int y = 0; y < 4; y++)
                for (int x = 0; x < 4; x++) {
                    int want = ref4(&n, mode, avail, x, y);
                    assert_int_equal(pred[y * 6 + x], want);
                    assert_int_equal(all[mode][y * 4 + x], want);
                }
            assert_int_equal(pred[4], 0x55); /* stays inside its 4 columns */
        }
    }
}

static void pred4x4_ok_rules(void **state)
{
    (void)state;
    assert_true(avila_h264_pred4x4_ok(AVILA_H264_I4_DC, 0));
    assert_false(avila_h264_pred4x4_ok(AVILA_H264_I4_V, L | TL));
    assert_true(avila_h264_pred4x4_ok(AVILA_H264_I4_DDL, T));
    assert_true(avila_h264_pred4x4_ok(AVILA_H264_I4_VL, T));
    assert_false(avila_h264_pred4x4_ok(AVILA_H264_I4_HU, T | TL | TR));
    assert_true(avila_h264_pred4x4_ok(AVILA_H264_I4_HU, L));
    assert_false(avila_h264_pred4x4_ok(AVILA_H264_I4_DDR, L | T));
    assert_true(avila_h264_pred4x4_ok(AVILA_H264_I4_VR, L | T | TL));
    assert_false(avila_h264_pred4x4_ok(AVILA_H264_I4_HD, T | TL));
    assert_false(avila_h264_pred4x4_ok(9, L | T | TL | TR));
    assert_false(avila_h264_pred4x4_ok(-1, L | T | TL | TR));
    assert_true(avila_h264_pred16x16_ok(AVILA_H264_I16_DC, 0));
    assert_false(avila_h264_pred16x16_ok(AVILA_H264_I16_PLANE, L | T));
    assert_true(avila_h264_pred16x16_ok(AVILA_H264_I16_H, L));
    assert_false(avila_h264_pred16x16_ok(AVILA_H264_I16_V, L));
    assert_false(avila_h264_pred_chroma_ok(AVILA_H264_IC_V, L | TL));
    assert_true(avila_h264_pred_chroma_ok(AVILA_H264_IC_H, L));
    assert_true(avila_h264_pred_chroma_ok(AVILA_H264_IC_PLANE, L | T | TL));
    assert_false(avila_h264_pred_chroma_ok(4, L | T | TL));
}

/* top p[0..7, -1] = 10, 20, ..., 80; left p[-1, 0..3] = 15, 25, 35, 45;
 * p[-1, -1] = 5. */
static void setup_hand(uint8_t *pic)
{
    memset(pic, 0xee, (size_t)W * W);
    uint8_t *b = pic + OFF;
    for (int x = 0; x < 8; x++)
        b[-W + x] = (uint8_t)(10 * (x + 1));
    for (int y = 0; y < 4; y++)
        b[y * W - 1] = (uint8_t)(15 + 10 * y);
    b[-W - 1] = 5;
}

static void pred4x4_hand_worked(void **state)
{
    (void)state;
    uint8_t pic[W * W], p[16];
    setup_hand(pic);
    /* DDL with top-right: (0,0) = (10 + 2*20 + 30 + 2) >> 2 = 20;
     * (1,0) = (20 + 60 + 40 + 2) >> 2 = 30; (3,3) = (70 + 3*80 + 2) >> 2 = 78. */
    avila_h264_pred4x4(p, 4, pic + OFF, W, AVILA_H264_I4_DDL, T | TR);
    assert_int_equal(p[0], 20);
    assert_int_equal(p[1], 30);
    assert_int_equal(p[15], 78);
    /* Without: p[4..7, -1] = 40. (2,0) = (30 + 80 + 40 + 2) >> 2 = 38;
     * (3,3) = (40 + 120 + 2) >> 2 = 40. */
    avila_h264_pred4x4(p, 4, pic + OFF, W, AVILA_H264_I4_DDL, T);
    assert_int_equal(p[1], 30);
    assert_int_equal(p[2], 38);
    assert_int_equal(p[15], 40);
    /* DDR diagonal: (p[0,-1] + 2 p[-1,-1] + p[-1,0] + 2) >> 2 = (10 + 10 + 15
     * + 2) >> 2 = 9; (1,0) = (5 + 20 + 20 + 2) >> 2 = 11; (0,1) = (5 + 30 +
     * 25 + 2) >> 2 = 15. */
    avila_h264_pred4x4(p, 4, pic + OFF, W, AVILA_H264_I4_DDR, L | T | TL);
    assert_int_equal(p[0], 9);
    assert_int_equal(p[5], 9);
    assert_int_equal(p[1], 11);
    assert_int_equal(p[4], 15);
    /* VR (0,0), zVR 0: (5 + 10 + 1) >> 1 = 8; (0,2), zVR -2: (p[-1,1] +
     * 2 p[-1,0] + p[-1,-1] + 2) >> 2 = (25 + 30 + 5 + 2) >> 2 = 15. */
    avila_h264_pred4x4(p, 4, pic + OFF, W, AVILA_H264_I4_VR, L | T | TL);
    assert_int_equal(p[0], 8);
    assert_int_equal(p[8], 15);
    /* HD (0,0), zHD 0: (5 + 15 + 1) >> 1 = 10; (2,0), zHD -2: (p[1,-1] +
     * 2 p[0,-1] + p[-1,-1] + 2) >> 2 = (20 + 20 + 5 + 2) >> 2 = 11. */
    avila_h264_pred4x4(p, 4, pic + OFF, W, AVILA_H264_I4_HD, L | T | TL);
    assert_int_equal(p[0], 10);
    assert_int_equal(p[2], 11);
    /* VL (0,0) = (10 + 20 + 1) >> 1 = 15; (3,3) = (50 + 120 + 70 + 2) >> 2 = 60. */
    avila_h264_pred4x4(p, 4, pic + OFF, W, AVILA_H264_I4_VL, T | TR);
    assert_int_equal(p[0], 15);
    assert_int_equal(p[15], 60);
    /* HU (1,2), zHU 5: (35 + 3*45 + 2) >> 2 = 43; (3,3): 45; (0,0) = 20. */
    avila_h264_pred4x4(p, 4, pic + OFF, W, AVILA_H264_I4_HU, L);
    assert_int_equal(p[9], 43);
    assert_int_equal(p[15], 45);
    assert_int_equal(p[0], 20);
    /* DC: both (100 + 120 + 4) >> 3 = 28; top only (100 + 2) >> 2 = 25;
     * left only (120 + 2) >> 2 = 30; none 128. */
    avila_h264_pred4x4(p, 4, pic + OFF, W, AVILA_H264_I4_DC, L | T);
    assert_int_equal(p[7], 28);
    avila_h264_pred4x4(p, 4, pic + OFF, W, AVILA_H264_I4_DC, T);
    assert_int_equal(p[7], 25);
    avila_h264_pred4x4(p, 4, pic + OFF, W, AVILA_H264_I4_DC, L);
    assert_int_equal(p[7], 30);
    avila_h264_pred4x4(p, 4, pic + OFF, W, AVILA_H264_I4_DC, 0);
    assert_int_equal(p[7], 128);
}

/* Neighbours from a linear function f(x, y) = 100 + 2x + 3y: plane mode
 * gives f back exactly (8-128..8-133: b = (5*816 + 32) >> 6 = 64,
 * c = (5*1224 + 32) >> 6 = 96, a = 16 * (f(-1,15) + f(15,-1)) = 4320,
 * (3216 + 64x + 96y) >> 5 = floor(100.5 + 2x + 3y)). */
static void pred16x16_plane_on_a_ramp(void **state)
{
    (void)state;
    uint8_t pic[W * W], p[16 * 16];
    memset(pic, 0xee, sizeof pic);
    uint8_t *b = pic + OFF;
    for (int k = -1; k < 16; k++) {
        b[-W + k] = (uint8_t)(100 + 2 * k - 3);
        b[k * W - 1] = (uint8_t)(100 - 2 + 3 * k);
    }
    avila_h264_pred16x16(p, 16, b, W, AVILA_H264_I16_PLANE, L | T | TL);
    for (int y = 0; y < 16; y++)
        for (int x = 0; x < 16; x++)
            assert_int_equal(p[y * 16 + x], 100 + 2 * x + 3 * y);
}

/* 8.3.3.4 literally for random neighbours, with clipping; avila_h264_pred16x16_all gives the same.
 */
static void pred16x16_matches_equations(void **state)
{
    (void)state;
    uint64_t s = 5;
    uint8_t pic[W * W], p[16 * 17], all[4][256];
    for (int it = 0; it < 2000; it++) {
        unsigned avail = (unsigned)it & 7;
        memset(pic, 0xee, sizeof pic);
        uint8_t *b = pic + OFF;
        /* Steep edges, rising or falling each, give the plane's extreme gradients. */
        int steep = it & 8;
        bool top_up = it & 16, left_up = it & 32;
        for (int k = 0; k < 16; k++) {
            if (avail & T)
                b[-W + k] = (uint8_t)(steep ? ((k < 8) == top_up ? 0 : 255) : rnd(&s, 0, 255));
            if (avail & L)
                b[k * W - 1] = (uint8_t)(steep ? ((k < 8) == left_up ? 0 : 255) : rnd(&s, 0, 255));
        }
        if (avail & TL)
            b[-W - 1] = (uint8_t)(steep ? (top_up ? 0 : 255) : rnd(&s, 0, 255));
        unsigned ok = avila_h264_pred16x16_all(all, b, W, avail);
        for (int mode = 0; mode < 4; mode++) {
            bool allowed = avila_h264_pred16x16_ok(mode, avail);
            assert_int_equal((ok >> mode) & 1, allowed);
            if (!allowed)
                continue;
            memset(p, 0x55, sizeof p);
            avila_h264_pred16x16(p, 17, b, W, mode, avail);
            int h = 0, v = 0, st = 0, sl = 0;
            for (int k = 0; k < 16; k++) {
                st += b[-W + k];
                sl += b[k * W - 1];
            }
            for (int k = 0; k <= 7; k++) {
                h += (k + 1) * (b[-W + 8 + k] - b[-W + 6 - k]);
                v += (k + 1) * (b[(8 + k) * W - 1] - b[(6 - k) * W - 1]);
            }
            int a = 16 * (b[15 * W - 1] + b[-W + 15]), bb = (5 * h + 32) >> 6,
                cc = (5 * v + 32) >> 6;
            for (int y = 0; y < 16; y++) {
                for (int x = 0; x < 16; x++) {
                    int want;
                    if (mode == 0)
                        want = b[-W + x];
                    else if (mode == 1)
                        want = b[y * W - 1];
                    else if (mode == 2)
                        want = (avail & 3) == 3 ? (st + sl + 16) >> 5
                               : (avail & L)    ? (sl + 8) >> 4
                               : (avail & T)    ? (st + 8) >> 4
                                                : 128;
                    else {
                        want = (a + bb * (x - 7) + cc * (y - 7) + 16) >> 5;
                        want = want < 0 ? 0 : want > 255 ? 255 : want;
                    }
                    assert_int_equal(p[y * 17 + x], want);
                    assert_int_equal(all[mode][y * 16 + x], want);
                }
                assert_int_equal(p[y * 17 + 16], 0x55);
            }
        }
    }
}

static void pred_chroma_dc_partial_availability(void **state)
{
    (void)state;
    uint8_t pic[W * W], p[64];
    memset(pic, 0xee, sizeof pic);
    uint8_t *b = pic + OFF;
    /* top = 10 x4, 50 x4; left = 20 x4, 90 x4. */
    for (int k = 0; k < 8; k++) {
        b[-W + k] = k < 4 ? 10 : 50;
        b[k * W - 1] = k < 4 ? 20 : 90;
    }
    static const struct {
        unsigned avail;
        int q[4]; /* DC of quarters (0,0), (4,0), (0,4), (4,4) */
    } cases[] = {
        /* (40 + 80 + 4) >> 3 = 15; 50; 90; (200 + 360 + 4) >> 3 = 70. */
        {L | T, {15, 50, 90, 70}},
        /* Top only: the left quarters fall back to the top above them. */
        {T, {10, 50, 10, 50}},
        /* Left only: the top quarters fall back to the left beside them. */
        {L, {20, 20, 90, 90}},
        {0, {128, 128, 128, 128}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        avila_h264_pred_chroma(p, 8, b, W, AVILA_H264_IC_DC, cases[i].avail);
        for (int y = 0; y < 8; y++)
            for (int x = 0; x < 8; x++)
                assert_int_equal(p[y * 8 + x], cases[i].q[(y / 4) * 2 + x / 4]);
    }
}

static void pred_chroma_directional_and_plane(void **state)
{
    (void)state;
    uint64_t s = 9;
    uint8_t pic[W * W], p[8 * 9];
    for (int it = 0; it < 2000; it++) {
        memset(pic, 0xee, sizeof pic);
        uint8_t *b = pic + OFF;
        for (int k = -1; k < 8; k++) {
            b[-W + k] = (uint8_t)rnd(&s, 0, 255);
            b[k * W - 1] = k < 0 ? b[-W - 1] : (uint8_t)rnd(&s, 0, 255);
        }
        avila_h264_pred_chroma(p, 9, b, W, AVILA_H264_IC_H, L);
        for (int y = 0; y < 8; y++)
            for (int x = 0; x < 8; x++)
                assert_int_equal(p[y * 9 + x], b[y * W - 1]);
        avila_h264_pred_chroma(p, 9, b, W, AVILA_H264_IC_V, T);
        for (int y = 0; y < 8; y++)
            for (int x = 0; x < 8; x++)
                assert_int_equal(p[y * 9 + x], b[-W + x]);
        /* 8.3.4.4 with xCF = yCF = 0 (4:2:0). */
        int h = 0, v = 0;
        for (int k = 0; k <= 3; k++) {
            h += (k + 1) * (b[-W + 4 + k] - b[-W + 2 - k]);
            v += (k + 1) * (b[(4 + k) * W - 1] - b[(2 - k) * W - 1]);
        }
        int a = 16 * (b[7 * W - 1] + b[-W + 7]), bb = (34 * h + 32) >> 6, cc = (34 * v + 32) >> 6;
        memset(p, 0x55, sizeof p);
        avila_h264_pred_chroma(p, 9, b, W, AVILA_H264_IC_PLANE, L | T | TL);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                int want = (a + bb * (x - 3) + cc * (y - 3) + 16) >> 5;
                want = want < 0 ? 0 : want > 255 ? 255 : want;
                assert_int_equal(p[y * 9 + x], want);
            }
            assert_int_equal(p[y * 9 + 8], 0x55);
        }
    }
}

/* pred may be the reconstruction itself. */
static void pred_in_place(void **state)
{
    (void)state;
    uint8_t pic[W * W], p[16];
    setup_hand(pic);
    avila_h264_pred4x4(p, 4, pic + OFF, W, AVILA_H264_I4_HD, L | T | TL);
    avila_h264_pred4x4(pic + OFF, W, pic + OFF, W, AVILA_H264_I4_HD, L | T | TL);
    for (ptrdiff_t y = 0; y < 4; y++)
        assert_memory_equal(pic + OFF + y * W, p + y * 4, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pred4x4_matches_equations),
        cmocka_unit_test(pred4x4_ok_rules),
        cmocka_unit_test(pred4x4_hand_worked),
        cmocka_unit_test(pred16x16_plane_on_a_ramp),
        cmocka_unit_test(pred16x16_matches_equations),
        cmocka_unit_test(pred_chroma_dc_partial_availability),
        cmocka_unit_test(pred_chroma_directional_and_plane),
        cmocka_unit_test(pred_in_place),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
