/*
 * media/h264/intra.c - H.264 intra prediction (ITU-T H.264 (08/2021)
 * 8.3.1.2, 8.3.3, 8.3.4 for 4:2:0); the contract is in media/h264/intra.h.
 *
 * Intra_4x4 gathers its 13 neighbours into one line E running from the
 * bottom-left up the left column, through the corner and along the top row:
 *   E[1..4] = p[-1, 3..0], E[5] = p[-1, -1], E[6..13] = p[0..7, -1],
 * padded with E[0] = E[1] and E[14] = E[13]. Every directional equation of
 * 8.3.1.2.4-8.3.1.2.9 is then either a 2-tap average F2(i) = (E[i] + E[i+1]
 * + 1) >> 1 or a 3-tap filter F3(i) = (E[i-1] + 2 E[i] + E[i+1] + 2) >> 2 at
 * an index linear in x and y; the end cases ("x == 3 && y == 3" of DDL,
 * zHU == 5 of HU) are F3 at the padded ends. Each mode below names the
 * equation it implements. Pure.
 */
#include "media/h264/intra.h"

#define LEFT     AVILA_H264_AVAIL_LEFT
#define TOP      AVILA_H264_AVAIL_TOP
#define TOPLEFT  AVILA_H264_AVAIL_TOPLEFT
#define TOPRIGHT AVILA_H264_AVAIL_TOPRIGHT
#define ALL3     (LEFT | TOP | TOPLEFT)

static inline uint8_t clip_pixel(int x)
{
    return (uint8_t)(x < 0 ? 0 : x > 255 ? 255 : x);
}

/* What each mode needs, by mode number. */
static const uint8_t need16[4] = {TOP, LEFT, 0, ALL3};
static const uint8_t need4[9] = {TOP, LEFT, 0, TOP, ALL3, ALL3, ALL3, TOP, LEFT};
static const uint8_t needc[4] = {0, LEFT, TOP, ALL3};

bool avila_h264_pred16x16_ok(int mode, unsigned avail)
{
    return mode >= 0 && mode < 4 && (avail & need16[mode]) == need16[mode];
}

bool avila_h264_pred4x4_ok(int mode, unsigned avail)
{
    return mode >= 0 && mode < 9 && (avail & need4[mode]) == need4[mode];
}

bool avila_h264_pred_chroma_ok(int mode, unsigned avail)
{
    return mode >= 0 && mode < 4 && (avail & needc[mode]) == needc[mode];
}

/* ---------------------------------------------------------------- 4x4 */

/* The neighbour line of one 4x4 block and its two filtered versions. */
struct edge4 {
    uint8_t e[15];
    uint8_t f2[14]; /* f2[i] = F2(i), i = 0..13 */
    uint8_t f3[15]; /* f3[i] = F3(i), i = 1..13 */
    unsigned avail;
};

static void edge4_load(struct edge4 *g, const uint8_t *rec, ptrdiff_t stride, unsigned avail)
{
    /* Unavailable samples are never used by an allowed mode; 128 keeps the
     * filtered lines defined. */
    memset(g->e, 128, sizeof g->e);
    uint8_t *e = g->e;
    if (avail & LEFT)
        for (int y = 0; y < 4; y++)
            e[4 - y] = rec[y * stride - 1];
    if (avail & TOPLEFT)
        e[5] = rec[-stride - 1];
    if (avail & TOP) {
        memcpy(e + 6, rec - stride, 4);
        /* 8.3.1.2: p[4..7, -1] not available but p[3, -1] is: use p[3, -1]. */
        if (avail & TOPRIGHT)
            memcpy(e + 10, rec - stride + 4, 4);
        else
            memset(e + 10, e[9], 4);
    }
    e[0] = e[1];
    e[14] = e[13];
    for (int i = 0; i < 14; i++)
        g->f2[i] = (uint8_t)((e[i] + e[i + 1] + 1) >> 1);
    g->f3[0] = 0;
    for (int i = 1; i < 14; i++)
        g->f3[i] = (uint8_t)((e[i - 1] + 2 * e[i] + e[i + 1] + 2) >> 2);
    g->f3[14] = 0;
    g->avail = avail;
}

/* 8.3.1.2.3: Intra_4x4_DC. */
static uint8_t dc4(const struct edge4 *g)
{
    const uint8_t *e = g->e;
    int st = e[6] + e[7] + e[8] + e[9], sl = e[1] + e[2] + e[3] + e[4];
    switch (g->avail & (LEFT | TOP)) {
    case LEFT | TOP:
        return (uint8_t)((st + sl + 4) >> 3);
    case LEFT:
        return (uint8_t)((sl + 2) >> 2);
    case TOP:
        return (uint8_t)((st + 2) >> 2);
    default:
        return 128;
    }
}

static void pred4_from_edge(uint8_t *o, ptrdiff_t os, const struct edge4 *g, int mode)
{
    const uint8_t *e = g->e, *f2 = g->f2, *f3 = g->f3;
    switch (mode) {
    case AVILA_H264_I4_V: /* 8-41: p[x, -1] */
        for (int y = 0; y < 4; y++)
            memcpy(o + y * os, e + 6, 4);
        break;
    case AVILA_H264_I4_H: /* 8-42: p[-1, y] */
        for (int y = 0; y < 4; y++)
            memset(o + y * os, e[4 - y], 4);
        break;
    case AVILA_H264_I4_DC:
        for (int y = 0; y < 4; y++)
            memset(o + y * os, dc4(g), 4);
        break;
    case AVILA_H264_I4_DDL: /* 8-47, 8-48: centre p[x + y + 1, -1] */
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 4; x++)
                o[y * os + x] = f3[7 + x + y];
        break;
    case AVILA_H264_I4_DDR: /* 8-49..8-51: centre p[x - y - 1, -1] or p[-1, y - x - 1] */
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 4; x++)
                o[y * os + x] = f3[5 + x - y];
        break;
    case AVILA_H264_I4_VR: /* 8-52..8-55, zVR = 2x - y */
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 4; x++) {
                int z = 2 * x - y, i = 5 + x - (y >> 1);
                o[y * os + x] = z >= 0 ? ((z & 1) ? f3[i] : f2[i]) : z == -1 ? f3[5] : f3[6 - y];
            }
        break;
    case AVILA_H264_I4_HD: /* 8-56..8-59, zHD = 2y - x */
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 4; x++) {
                int z = 2 * y - x, i = 4 - y + (x >> 1);
                o[y * os + x] = z >= 0    ? ((z & 1) ? f3[i + 1] : f2[i])
                                : z == -1 ? f3[5]
                                          : f3[4 + x];
            }
        break;
    case AVILA_H264_I4_VL: /* 8-60, 8-61 */
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 4; x++)
                o[y * os + x] = (y & 1) ? f3[7 + x + (y >> 1)] : f2[6 + x + (y >> 1)];
        break;
    default: /* AVILA_H264_I4_HU, 8-62..8-65, zHU = x + 2y */
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 4; x++) {
                int z = x + 2 * y, i = 3 - y - (x >> 1);
                o[y * os + x] = z > 5 ? e[1] : (z & 1) ? f3[i] : f2[i];
            }
        break;
    }
}

void avila_h264_pred4x4(uint8_t *pred, ptrdiff_t pred_stride, const uint8_t *rec, ptrdiff_t stride,
                        int mode, unsigned avail)
{
    struct edge4 g;
    edge4_load(&g, rec, stride, avail);
    pred4_from_edge(pred, pred_stride, &g, mode);
}

unsigned avila_h264_pred4x4_all(uint8_t pred[9][16], const uint8_t *rec, ptrdiff_t stride,
                                unsigned avail)
{
    struct edge4 g;
    unsigned done = 0;
    edge4_load(&g, rec, stride, avail);
    for (int m = 0; m < 9; m++) {
        if ((avail & need4[m]) != need4[m])
            continue;
        pred4_from_edge(pred[m], 4, &g, m);
        done |= 1u << m;
    }
    return done;
}

/* ---------------------------------------------------------------- 16x16 */

/* Plane prediction shared by 16x16 (8.3.3.4) and 4:2:0 chroma (8.3.4.4):
 * n = 16 or 8, top[-1..n-1] and left[-1..n-1] with index -1 the corner. */
/* Always inlined: n is a constant at each call, so the row loop becomes vector code. */
static inline __attribute__((always_inline)) void
pred_plane(uint8_t *o, ptrdiff_t os, const uint8_t *top, const uint8_t *left, int n)
{
    int half = n / 2, h = 0, v = 0;
    for (int k = 0; k < half; k++) {
        h += (k + 1) * (top[half + k] - top[half - 2 - k]);
        v += (k + 1) * (left[half + k] - left[half - 2 - k]);
    }
    int a = 16 * (left[n - 1] + top[n - 1]);
    int b, c;
    if (n == 16) {
        b = (5 * h + 32) >> 6;
        c = (5 * v + 32) >> 6;
    } else {
        b = (34 * h + 32) >> 6;
        c = (34 * v + 32) >> 6;
    }
    /* Every sum below lies within -11456..19648 (16x16) or -10824..19016
     * (chroma): 16-bit lanes hold it, twice as many per vector. */
    int c0 = half - 1;
    for (int y = 0; y < n; y++) {
        int16_t base = (int16_t)(a + c * (y - c0) - b * c0 + 16);
        for (int x = 0; x < n; x++)
            o[y * os + x] = clip_pixel((int16_t)(base + (int16_t)(b * x)) >> 5);
    }
}

/* The neighbours of a 16x16 block, gathered once for any number of modes. */
struct edge16 {
    uint8_t tb[17], lb[17]; /* zero where unavailable, so always defined */
    unsigned avail;
};

static void edge16_load(struct edge16 *g, const uint8_t *rec, ptrdiff_t stride, unsigned avail)
{
    memset(g->tb, 0, sizeof g->tb);
    memset(g->lb, 0, sizeof g->lb);
    g->avail = avail;
    if (avail & TOP)
        memcpy(g->tb + 1, rec - stride, 16);
    if (avail & LEFT)
        for (int y = 0; y < 16; y++)
            g->lb[1 + y] = rec[y * stride - 1];
    if (avail & TOPLEFT)
        g->tb[0] = g->lb[0] = rec[-stride - 1];
}

/* Always inlined: avila_h264_pred16x16_all's loop then has one copy per mode. */
static inline __attribute__((always_inline)) void
pred16_from_edge(uint8_t *pred, ptrdiff_t pred_stride, const struct edge16 *g, int mode)
{
    const uint8_t *top = g->tb + 1, *left = g->lb + 1;
    switch (mode) {
    case AVILA_H264_I16_V: /* 8.3.3.1 */
        for (int y = 0; y < 16; y++)
            memcpy(pred + y * pred_stride, top, 16);
        break;
    case AVILA_H264_I16_H: /* 8.3.3.2 */
        for (int y = 0; y < 16; y++)
            memset(pred + y * pred_stride, left[y], 16);
        break;
    case AVILA_H264_I16_DC: { /* 8.3.3.3 */
        /* Unavailable edges are zero: they add nothing. */
        int st = 0, sl = 0, dc;
        for (int k = 0; k < 16; k++) {
            st += top[k];
            sl += left[k];
        }
        switch (g->avail & (LEFT | TOP)) {
        case LEFT | TOP:
            dc = (st + sl + 16) >> 5;
            break;
        case LEFT:
            dc = (sl + 8) >> 4;
            break;
        case TOP:
            dc = (st + 8) >> 4;
            break;
        default:
            dc = 128;
            break;
        }
        for (int y = 0; y < 16; y++)
            memset(pred + y * pred_stride, dc, 16);
        break;
    }
    default: /* AVILA_H264_I16_PLANE, 8.3.3.4 */
        pred_plane(pred, pred_stride, top, left, 16);
        break;
    }
}

void avila_h264_pred16x16(uint8_t *pred, ptrdiff_t pred_stride, const uint8_t *rec,
                          ptrdiff_t stride, int mode, unsigned avail)
{
    struct edge16 g;
    edge16_load(&g, rec, stride, avail);
    pred16_from_edge(pred, pred_stride, &g, mode);
}

unsigned avila_h264_pred16x16_all(uint8_t pred[4][256], const uint8_t *rec, ptrdiff_t stride,
                                  unsigned avail)
{
    struct edge16 g;
    unsigned done = 0;
    edge16_load(&g, rec, stride, avail);
    for (int m = 0; m < 4; m++) {
        if ((avail & need16[m]) != need16[m])
            continue;
        pred16_from_edge(pred[m], 16, &g, m);
        done |= 1u << m;
    }
    return done;
}

/* ---------------------------------------------------------------- chroma */

void avila_h264_pred_chroma(uint8_t *pred, ptrdiff_t pred_stride, const uint8_t *rec,
                            ptrdiff_t stride, int mode, unsigned avail)
{
    uint8_t tb[9] = {0}, lb[9] = {0};
    uint8_t *top = tb + 1, *left = lb + 1;
    if (avail & TOP)
        memcpy(top, rec - stride, 8);
    if (avail & LEFT)
        for (int y = 0; y < 8; y++)
            left[y] = rec[y * stride - 1];
    if (avail & TOPLEFT)
        top[-1] = left[-1] = rec[-stride - 1];
    switch (mode) {
    case AVILA_H264_IC_DC: { /* 8.3.4.1-8.3.4.3, per 4x4 chroma block */
        bool has_t = (avail & TOP) != 0, has_l = (avail & LEFT) != 0;
        for (int by = 0; by < 2; by++)
            for (int bx = 0; bx < 2; bx++) {
                int st = 0, sl = 0, dc = 128;
                for (int k = 0; k < 4; k++) {
                    st += has_t ? top[4 * bx + k] : 0;
                    sl += has_l ? left[4 * by + k] : 0;
                }
                if (bx == by) { /* (xO, yO) = (0, 0) or both > 0 */
                    if (has_t && has_l)
                        dc = (st + sl + 4) >> 3;
                    else if (has_l)
                        dc = (sl + 2) >> 2;
                    else if (has_t)
                        dc = (st + 2) >> 2;
                } else if (bx) { /* xO > 0, yO == 0: top first */
                    if (has_t)
                        dc = (st + 2) >> 2;
                    else if (has_l)
                        dc = (sl + 2) >> 2;
                } else { /* xO == 0, yO > 0: left first */
                    if (has_l)
                        dc = (sl + 2) >> 2;
                    else if (has_t)
                        dc = (st + 2) >> 2;
                }
                uint8_t *o = pred + (ptrdiff_t)(4 * by) * pred_stride + (ptrdiff_t)4 * bx;
                for (int y = 0; y < 4; y++)
                    memset(o + y * pred_stride, dc, 4);
            }
        break;
    }
    case AVILA_H264_IC_H: /* 8.3.4.2 */
        for (int y = 0; y < 8; y++)
            memset(pred + y * pred_stride, left[y], 8);
        break;
    case AVILA_H264_IC_V: /* 8.3.4.3 */
        for (int y = 0; y < 8; y++)
            memcpy(pred + y * pred_stride, top, 8);
        break;
    default: /* AVILA_H264_IC_PLANE, 8.3.4.4 with xCF = yCF = 0 */
        pred_plane(pred, pred_stride, top, left, 8);
        break;
    }
}
