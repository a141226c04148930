/*
 * tests/media/test_h264_mc.c - media/h264/mc.h against a direct reading of
 * ITU-T H.264 8.4.2.2: luma samples computed here from the unpadded picture
 * with the Clip3 of reference coordinates, the named samples b, h, j (j from
 * the horizontal intermediates aa, bb, b1, s1, gg, hh, the other of the two
 * equivalent ways the standard gives) and the quarter positions a .. s; 4:2:0
 * chroma by the bilinear equation of 8.4.2.2.2. Covers all 16 fractional
 * positions, blocks touching the picture edges, the MV bounds, and padding.
 */
#include "tests/support/unit.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/cpu.h"
#include "media/h264/mc.h"
#include "media/h264/mc_int.h"

/* ---------------------------------------------------------------- reference */

struct pic {
    const uint8_t *s;
    int w, h;
};

static int clip3(int lo, int hi, int v)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* Full sample at (x, y) with the decoder's coordinate clamp. */
static int full_at(const struct pic *p, int x, int y)
{
    return p->s[clip3(0, p->h - 1, y) * p->w + clip3(0, p->w - 1, x)];
}

static int clip1(int v)
{
    return clip3(0, 255, v);
}

/* b1: horizontal 6-tap between (x, y) and (x + 1, y): E F G H I J. */
static int b1_at(const struct pic *p, int x, int y)
{
    return full_at(p, x - 2, y) - 5 * full_at(p, x - 1, y) + 20 * full_at(p, x, y) +
           20 * full_at(p, x + 1, y) - 5 * full_at(p, x + 2, y) + full_at(p, x + 3, y);
}

/* h1: vertical 6-tap between (x, y) and (x, y + 1): A C G M R T. */
static int h1_at(const struct pic *p, int x, int y)
{
    return full_at(p, x, y - 2) - 5 * full_at(p, x, y - 1) + 20 * full_at(p, x, y) +
           20 * full_at(p, x, y + 1) - 5 * full_at(p, x, y + 2) + full_at(p, x, y + 3);
}

static int b_at(const struct pic *p, int x, int y)
{
    return clip1((b1_at(p, x, y) + 16) >> 5);
}

static int h_at(const struct pic *p, int x, int y)
{
    return clip1((h1_at(p, x, y) + 16) >> 5);
}

/* j1 = aa - 5 bb + 20 b1 + 20 s1 - 5 gg + hh (vertical over horizontal intermediates). */
static int j_at(const struct pic *p, int x, int y)
{
    int j1 = b1_at(p, x, y - 2) - 5 * b1_at(p, x, y - 1) + 20 * b1_at(p, x, y) +
             20 * b1_at(p, x, y + 1) - 5 * b1_at(p, x, y + 2) + b1_at(p, x, y + 3);
    return clip1((j1 + 512) >> 10);
}

static int avg(int u, int v)
{
    return (u + v + 1) >> 1;
}

/* predPartLXL at integer (xi, yi) and fraction (xf, yf), the names of 8.4.2.2.1. */
static int ref_luma(const struct pic *p, int xi, int yi, int xf, int yf)
{
    int G = full_at(p, xi, yi), H = full_at(p, xi + 1, yi), M = full_at(p, xi, yi + 1);
    int b = b_at(p, xi, yi), h = h_at(p, xi, yi), j = j_at(p, xi, yi);
    int m = h_at(p, xi + 1, yi), s = b_at(p, xi, yi + 1);
    static const char names[4][5] = {"Gdhn", "aeip", "bfjq", "cgkr"}; /* [xf][yf] */
    switch (names[xf][yf]) {
    case 'G':
        return G;
    case 'a':
        return avg(G, b);
    case 'b':
        return b;
    case 'c':
        return avg(H, b);
    case 'd':
        return avg(G, h);
    case 'h':
        return h;
    case 'n':
        return avg(M, h);
    case 'e':
        return avg(b, h);
    case 'g':
        return avg(b, m);
    case 'p':
        return avg(h, s);
    case 'r':
        return avg(m, s);
    case 'f':
        return avg(b, j);
    case 'i':
        return avg(h, j);
    case 'j':
        return j;
    case 'k':
        return avg(j, m);
    case 'q':
        return avg(j, s);
    default:
        return -1;
    }
}

/* 8.4.2.2.2 at chroma integer (xi, yi), eighth fractions (xf, yf). */
static int ref_chroma(const struct pic *p, int xi, int yi, int xf, int yf)
{
    int A = full_at(p, xi, yi), B = full_at(p, xi + 1, yi);
    int C = full_at(p, xi, yi + 1), D = full_at(p, xi + 1, yi + 1);
    return ((8 - xf) * (8 - yf) * A + xf * (8 - yf) * B + (8 - xf) * yf * C + xf * yf * D + 32) >>
           6;
}

/* ---------------------------------------------------------------- fixtures */

#define PAD AVILA_H264_PAD_LUMA

/* A padded plane: memory for the picture and its border, p at sample (0, 0). */
struct plane {
    uint8_t *mem, *p;
    ptrdiff_t stride;
};

static void plane_alloc(struct plane *pl, int w, int h, int pad, uint8_t fill)
{
    pl->stride = w + 2 * pad + 3; /* odd on purpose */
    size_t n = (size_t)pl->stride * (size_t)(h + 2 * pad);
    pl->mem = malloc(n);
    assert_non_null(pl->mem);
    memset(pl->mem, fill, n);
    pl->p = pl->mem + pad * pl->stride + pad;
}

struct ref_frame {
    int w, h;
    uint8_t *pic;       /* unpadded w x h */
    struct plane pl[4]; /* full, h, v, c */
};

typedef void hpel_fn(uint8_t *h, uint8_t *v, uint8_t *c, const uint8_t *full, ptrdiff_t stride,
                     unsigned w, unsigned height, unsigned pad);

static void frame_make_with(struct ref_frame *f, int w, int h, uint64_t seed, uint8_t sentinel,
                            hpel_fn *hpel)
{
    f->w = w;
    f->h = h;
    f->pic = malloc((size_t)w * (size_t)h);
    assert_non_null(f->pic);
    unit_rand_fill(&seed, f->pic, (size_t)w * (size_t)h);
    for (int i = 0; i < 4; i++)
        plane_alloc(&f->pl[i], w, h, PAD, sentinel);
    for (int y = 0; y < h; y++)
        memcpy(f->pl[0].p + y * f->pl[0].stride, f->pic + (ptrdiff_t)y * w, (size_t)w);
    avila_h264_pad_plane(f->pl[0].p, f->pl[0].stride, (unsigned)w, (unsigned)h, PAD);
    hpel(f->pl[1].p, f->pl[2].p, f->pl[3].p, f->pl[0].p, f->pl[0].stride, (unsigned)w, (unsigned)h,
         PAD);
}

/* With the dispatcher's choice. */
static void frame_make(struct ref_frame *f, int w, int h, uint64_t seed, uint8_t sentinel)
{
    frame_make_with(f, w, h, seed, sentinel, avila_h264_mc_hpel);
}

struct hpel_variant {
    const char *name;
    hpel_fn *fn;
    uint32_t cpu; /* needed to run it */
};

/* The variants over all the rows they write, and the dispatcher's in bands (5, or 64: more
 * bands than rows for the small pictures, so some are empty). */
static void hpel_portable(uint8_t *h, uint8_t *v, uint8_t *c, const uint8_t *full, ptrdiff_t stride,
                          unsigned w, unsigned height, unsigned pad)
{
    int e = (int)pad - 3;
    avila_h264_mc_hpel_portable(h, v, c, full, stride, w, -e, (int)height + e, pad);
}

#if AVILA_X86_64
static void hpel_avx2(uint8_t *h, uint8_t *v, uint8_t *c, const uint8_t *full, ptrdiff_t stride,
                      unsigned w, unsigned height, unsigned pad)
{
    int e = (int)pad - 3;
    avila_h264_mc_hpel_avx2(h, v, c, full, stride, w, -e, (int)height + e, pad);
}
#endif

static void hpel_bands(uint8_t *h, uint8_t *v, uint8_t *c, const uint8_t *full, ptrdiff_t stride,
                       unsigned w, unsigned height, unsigned pad, unsigned bands)
{
    /* Last band first: the bands must not depend on each other's order. */
    for (unsigned b = bands; b-- > 0;)
        avila_h264_mc_hpel_band(h, v, c, full, stride, w, height, pad, b, bands);
}

static void hpel_bands5(uint8_t *h, uint8_t *v, uint8_t *c, const uint8_t *full, ptrdiff_t stride,
                        unsigned w, unsigned height, unsigned pad)
{
    hpel_bands(h, v, c, full, stride, w, height, pad, 5);
}

static void hpel_bands64(uint8_t *h, uint8_t *v, uint8_t *c, const uint8_t *full, ptrdiff_t stride,
                         unsigned w, unsigned height, unsigned pad)
{
    hpel_bands(h, v, c, full, stride, w, height, pad, 64);
}

static const struct hpel_variant hpel_variants[] = {
    {"dispatched", avila_h264_mc_hpel, 0}, {"portable", hpel_portable, 0},
#if AVILA_X86_64
    {"avx2", hpel_avx2, AVILA_CPU_AVX2},
#endif
    {"5 bands", hpel_bands5, 0},           {"64 bands", hpel_bands64, 0},
};

static void frame_free(struct ref_frame *f)
{
    free(f->pic);
    for (int i = 0; i < 4; i++)
        free(f->pl[i].mem);
}

/* ---------------------------------------------------------------- tests */

/* The border replicates the edges, padded at once or band by band. */
static void pad_replicates_edges(void **state)
{
    (void)state;
    const int sizes[][2] = {{1, 1}, {5, 3}, {16, 16}, {37, 29}};
    const int pads[] = {1, 4, 16, 32};
    /* Band: 0 the whole plane at once; else avila_h264_pad_rows in bands of that many rows,
     * the last band first. */
    const int bands[] = {0, 1, 3};
    for (size_t i = 0; i < AVILA_ARRAY_LEN(sizes) * AVILA_ARRAY_LEN(bands); i++)
        for (size_t k = 0; k < AVILA_ARRAY_LEN(pads); k++) {
            size_t nb = AVILA_ARRAY_LEN(bands);
            int w = sizes[i / nb][0], h = sizes[i / nb][1], pad = pads[k], band = bands[i % nb];
            struct plane pl;
            plane_alloc(&pl, w, h, pad, 0xAA);
            uint64_t rng = i * 10 + k + 1;
            uint8_t *pic = malloc((size_t)w * (size_t)h);
            assert_non_null(pic);
            unit_rand_fill(&rng, pic, (size_t)w * (size_t)h);
            for (int y = 0; y < h; y++)
                memcpy(pl.p + y * pl.stride, pic + (ptrdiff_t)y * w, (size_t)w);
            if (band == 0)
                avila_h264_pad_plane(pl.p, pl.stride, (unsigned)w, (unsigned)h, (unsigned)pad);
            else
                for (int y0 = (h - 1) / band * band; y0 >= 0; y0 -= band)
                    avila_h264_pad_rows(pl.p, pl.stride, (unsigned)w, (unsigned)h, (unsigned)pad,
                                        (unsigned)y0, (unsigned)(y0 + band < h ? y0 + band : h));
            struct pic p = {pic, w, h};
            for (int y = -pad; y < h + pad; y++)
                for (int x = -pad; x < w + pad; x++)
                    if (pl.p[y * pl.stride + x] != full_at(&p, x, y))
                        fail_msg("%dx%d pad %d band %d: sample (%d, %d)", w, h, pad, band, x, y);
            /* The stride's slack past the border is untouched. */
            for (int y = -pad; y < h + pad; y++)
                for (int x = w + pad; x < pl.stride - pad; x++)
                    assert_int_equal(pl.p[y * pl.stride + x], 0xAA);
            free(pic);
            free(pl.mem);
        }
}

/*
 * Every written half sample equals b, h, j, in every variant; nothing
 * outside pad - 3 is written. 300 wide spans two column chunks; extreme
 * pictures (all 0 / 255 stripes) push the filters to their ranges.
 */
static void hpel_planes(void **state)
{
    (void)state;
    const int sizes[][2] = {{37, 29}, {16, 16}, {300, 9}, {1, 1}, {45, 6}, {45, 6}};
    for (size_t i = 0; i < AVILA_ARRAY_LEN(sizes) * AVILA_ARRAY_LEN(hpel_variants); i++) {
        const struct hpel_variant *hv = &hpel_variants[i % AVILA_ARRAY_LEN(hpel_variants)];
        size_t si = i / AVILA_ARRAY_LEN(hpel_variants);
        if ((avila_cpu_detected() & hv->cpu) != hv->cpu)
            continue;
        struct ref_frame f;
        frame_make_with(&f, sizes[si][0], sizes[si][1], 100 + si, 0x5A, hv->fn);
        if (si >= 4) { /* stripes of 0 and 255, two ways */
            for (int y = 0; y < f.h; y++)
                for (int x = 0; x < f.w; x++)
                    f.pic[y * f.w + x] = (uint8_t)(((si == 4 ? x / 2 + y : x + y / 2) & 1) * 255);
            for (int y = 0; y < f.h; y++)
                memcpy(f.pl[0].p + y * f.pl[0].stride, f.pic + (ptrdiff_t)y * f.w, (size_t)f.w);
            avila_h264_pad_plane(f.pl[0].p, f.pl[0].stride, (unsigned)f.w, (unsigned)f.h, PAD);
            hv->fn(f.pl[1].p, f.pl[2].p, f.pl[3].p, f.pl[0].p, f.pl[0].stride, (unsigned)f.w,
                   (unsigned)f.h, PAD);
        }
        struct pic p = {f.pic, f.w, f.h};
        const int e = PAD - 3;
        for (int y = -PAD; y < f.h + PAD; y++)
            for (int x = -PAD; x < f.w + PAD; x++) {
                ptrdiff_t o = y * f.pl[0].stride + x;
                bool inside = x >= -e && x < f.w + e && y >= -e && y < f.h + e;
                int wb = inside ? b_at(&p, x, y) : 0x5A, wh = inside ? h_at(&p, x, y) : 0x5A;
                int wj = inside ? j_at(&p, x, y) : 0x5A;
                if (f.pl[1].p[o] != wb || f.pl[2].p[o] != wh || f.pl[3].p[o] != wj)
                    fail_msg("%s %dx%d at (%d, %d): b %d/%d h %d/%d j %d/%d", hv->name, f.w, f.h, x,
                             y, f.pl[1].p[o], wb, f.pl[2].p[o], wh, f.pl[3].p[o], wj);
            }
        frame_free(&f);
    }
}

static void check_luma_block(const struct ref_frame *f, int x, int y, int w, int h, int mvx,
                             int mvy)
{
    const uint8_t *planes[4];
    for (int i = 0; i < 4; i++)
        planes[i] = f->pl[i].p + y * f->pl[i].stride + x;
    uint8_t dst[16 * 20];
    memset(dst, 0xEE, sizeof(dst));
    avila_h264_mc_luma(dst, 20, planes, f->pl[0].stride, mvx, mvy, (unsigned)w, (unsigned)h);
    struct pic p = {f->pic, f->w, f->h};
    for (int yy = 0; yy < h; yy++)
        for (int xx = 0; xx < w; xx++) {
            /* xIntL = xAL + (mvLX[0] >> 2) + xL, xFracL = mvLX[0] & 3 (8.4.2.2). */
            int want = ref_luma(&p, x + xx + (mvx >> 2), y + yy + (mvy >> 2), mvx & 3, mvy & 3);
            if (dst[yy * 20 + xx] != want)
                fail_msg("block %dx%d at (%d, %d) mv (%d, %d): sample (%d, %d) %d != %d", w, h, x,
                         y, mvx, mvy, xx, yy, dst[yy * 20 + xx], want);
        }
    for (int yy = 0; yy < 16; yy++) /* nothing written outside the block */
        for (int xx = 0; xx < 20; xx++)
            if (xx >= w || yy >= h)
                assert_int_equal(dst[yy * 20 + xx], 0xEE);
    /* In place exactly at whole and half samples, and then the same block. */
    const uint8_t *at = avila_h264_mc_luma_at(planes, f->pl[0].stride, mvx, mvy);
    if ((mvx | mvy) & 1) {
        assert_null(at);
        return;
    }
    assert_non_null(at);
    for (int yy = 0; yy < h; yy++)
        assert_memory_equal(at + yy * f->pl[0].stride, dst + (ptrdiff_t)yy * 20, (size_t)w);
}

/* All 16 fractions, random integer parts within the bounds, blocks at the edges. */
static void luma_all_fractions(void **state)
{
    (void)state;
    struct ref_frame f;
    frame_make(&f, 48, 40, 7, 0x33);
    const int dims[] = {4, 8, 16};
    uint64_t rng = 3;
    for (int iter = 0; iter < 400; iter++) {
        int w = dims[unit_rand(&rng) % 3], h = dims[unit_rand(&rng) % 3];
        int x = (int)(unit_rand(&rng) % (unsigned)(f.w - w + 1));
        int y = (int)(unit_rand(&rng) % (unsigned)(f.h - h + 1));
        if (iter % 4 == 0)
            x = iter % 8 ? 0 : f.w - w;
        int16_t lo[2], hi[2];
        avila_h264_mv_bounds(lo, hi, (unsigned)x, (unsigned)y, (unsigned)w, (unsigned)h,
                             (unsigned)f.w, (unsigned)f.h, PAD, 2048);
        for (int frac = 0; frac < 16; frac++) {
            int mvx = lo[0] + (int)(unit_rand(&rng) % (unsigned)(hi[0] - lo[0] + 1));
            int mvy = lo[1] + (int)(unit_rand(&rng) % (unsigned)(hi[1] - lo[1] + 1));
            mvx = (mvx & ~3) | (frac & 3);
            mvy = (mvy & ~3) | (frac >> 2);
            if (mvx > hi[0] || mvy > hi[1] || mvx < lo[0] || mvy < lo[1])
                continue;
            check_luma_block(&f, x, y, w, h, mvx, mvy);
        }
    }
    frame_free(&f);
}

/*
 * At the extreme MVs the bounds allow (and every fraction next to them), the
 * prediction still matches the clamped reference: reads stay in the written
 * part of the planes (the sentinel border would show otherwise).
 */
static void luma_at_bounds(void **state)
{
    (void)state;
    struct ref_frame f;
    frame_make(&f, 40, 24, 8, 0x00);
    const int dims[] = {4, 8, 16};
    for (int wi = 0; wi < 3; wi++)
        for (int hi_ = 0; hi_ < 3; hi_++) {
            int w = dims[wi], h = dims[hi_];
            const int xs[] = {0, 4, f.w - w}, ys[] = {0, f.h - h};
            for (int a = 0; a < 3; a++)
                for (int b = 0; b < 2; b++) {
                    int16_t lo[2], hi[2];
                    avila_h264_mv_bounds(lo, hi, (unsigned)xs[a], (unsigned)ys[b], (unsigned)w,
                                         (unsigned)h, (unsigned)f.w, (unsigned)f.h, PAD, 4096);
                    /* The block can leave the picture entirely on every side. */
                    assert_true(lo[0] <= -4 * (xs[a] + w) && hi[0] >= 4 * (f.w - xs[a]));
                    assert_true(lo[1] <= -4 * (ys[b] + h) && hi[1] >= 4 * (f.h - ys[b]));
                    const int mxs[] = {lo[0], lo[0] + 1, lo[0] + 2, lo[0] + 3,
                                       hi[0], hi[0] - 1, hi[0] - 2, hi[0] - 3};
                    const int mys[] = {lo[1], lo[1] + 1, lo[1] + 2, lo[1] + 3,
                                       hi[1], hi[1] - 1, hi[1] - 2, hi[1] - 3};
                    for (int i = 0; i < 8; i++)
                        for (int k = 0; k < 8; k++)
                            check_luma_block(&f, xs[a], ys[b], w, h, mxs[i], mys[k]);
                }
        }
    frame_free(&f);
}

static void bounds_limits(void **state)
{
    (void)state;
    int16_t lo[2], hi[2];
    /* A wide picture: Table A-1's horizontal range [-2048, 2047.75] decides. */
    avila_h264_mv_bounds(lo, hi, 4000, 0, 16, 16, 8192, 64, PAD, 512);
    assert_int_equal(lo[0], -8192);
    assert_int_equal(hi[0], 8191);
    /* The vertical range: [-max_vmv, max_vmv - 1] when the picture allows more. */
    avila_h264_mv_bounds(lo, hi, 0, 2000, 16, 16, 64, 4320, PAD, 512);
    assert_int_equal(lo[1], -512);
    assert_int_equal(hi[1], 511);
    /* Picture-limited: 16x16 at (0, 0) of 64x48, pad 32 (written half border 29). */
    avila_h264_mv_bounds(lo, hi, 0, 0, 16, 16, 64, 48, PAD, 2048);
    assert_int_equal(lo[0], -4 * 29);
    assert_int_equal(lo[1], -4 * 29);
    /* Last reads at position 64 + 28: 16 + 1 samples from integer offset 75. */
    assert_int_equal(hi[0], 4 * (64 + 28 - 16 - 0) + 3);
    assert_int_equal(hi[1], 4 * (48 + 28 - 16 - 0) + 3);
}

static void chroma_block(void **state)
{
    (void)state;
    const int cw = 24, ch = 20; /* the chroma of a 48x40 picture */
    uint8_t *pic = malloc((size_t)cw * (size_t)ch);
    assert_non_null(pic);
    uint64_t rng = 11;
    unit_rand_fill(&rng, pic, (size_t)cw * (size_t)ch);
    struct plane pl;
    plane_alloc(&pl, cw, ch, AVILA_H264_PAD_CHROMA, 0);
    for (int y = 0; y < ch; y++)
        memcpy(pl.p + y * pl.stride, pic + (ptrdiff_t)y * cw, (size_t)cw);
    avila_h264_pad_plane(pl.p, pl.stride, (unsigned)cw, (unsigned)ch, AVILA_H264_PAD_CHROMA);
    struct pic p = {pic, cw, ch};
    const int dims[] = {2, 4, 8};
    unsigned in_place = 0;
    for (int iter = 0; iter < 600; iter++) {
        int w = dims[unit_rand(&rng) % 3], h = dims[unit_rand(&rng) % 3];
        /* The luma block of this chroma block, and its MV bounds. */
        int x = (int)(unit_rand(&rng) % (unsigned)(cw - w + 1));
        int y = (int)(unit_rand(&rng) % (unsigned)(ch - h + 1));
        int16_t lo[2], hi[2];
        avila_h264_mv_bounds(lo, hi, (unsigned)(2 * x), (unsigned)(2 * y), (unsigned)(2 * w),
                             (unsigned)(2 * h), (unsigned)(2 * cw), (unsigned)(2 * ch), PAD, 2048);
        int mvx, mvy;
        if (iter < 64) { /* the corners of the bounds */
            mvx = iter & 1 ? lo[0] : hi[0];
            mvy = iter & 2 ? lo[1] : hi[1];
        } else {
            mvx = lo[0] + (int)(unit_rand(&rng) % (unsigned)(hi[0] - lo[0] + 1));
            mvy = lo[1] + (int)(unit_rand(&rng) % (unsigned)(hi[1] - lo[1] + 1));
            if (iter % 4 == 0) { /* whole chroma samples, which it can read in place */
                mvx = (mvx & ~7) < lo[0] ? (mvx & ~7) + 8 : mvx & ~7;
                mvy = (mvy & ~7) < lo[1] ? (mvy & ~7) + 8 : mvy & ~7;
                assert_true(mvx <= hi[0] && mvy <= hi[1]);
            }
        }
        uint8_t dst[8 * 9];
        avila_h264_mc_chroma(dst, 9, pl.p + y * pl.stride + x, pl.stride, mvx, mvy, (unsigned)w,
                             (unsigned)h);
        for (int yy = 0; yy < h; yy++)
            for (int xx = 0; xx < w; xx++) {
                /* xIntC = xAL / SubWidthC + (mvCLX[0] >> 3) + xC, xFracC = mvCLX[0] & 7. */
                int want =
                    ref_chroma(&p, x + xx + (mvx >> 3), y + yy + (mvy >> 3), mvx & 7, mvy & 7);
                if (dst[yy * 9 + xx] != want)
                    fail_msg("chroma %dx%d at (%d, %d) mv (%d, %d): %d != %d", w, h, x, y, mvx, mvy,
                             dst[yy * 9 + xx], want);
            }
        const uint8_t *at = avila_h264_mc_chroma_at(pl.p + y * pl.stride + x, pl.stride, mvx, mvy);
        if ((mvx | mvy) & 7) {
            assert_null(at);
            continue;
        }
        in_place++;
        assert_non_null(at);
        for (int yy = 0; yy < h; yy++)
            assert_memory_equal(at + yy * pl.stride, dst + (ptrdiff_t)yy * 9, (size_t)w);
    }
    assert_true(in_place >= 100);
    /* By hand: A 0, B 64, C 128, D 255 at xF 3, yF 5 weigh 15, 9, 25, 15. */
    const uint8_t sq[2 * 2] = {0, 64, 128, 255};
    uint8_t one;
    avila_h264_mc_chroma(&one, 1, sq, 2, 3, 5, 1, 1);
    assert_int_equal(one, (9 * 64 + 25 * 128 + 15 * 255 + 32) >> 6);
    free(pl.mem);
    free(pic);
}

/* ------------------------------------------------------------- chroma variants */

typedef void chroma_fn(uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *src, ptrdiff_t stride,
                       int mvx, int mvy, unsigned w, unsigned h);

struct chroma_variant {
    const char *name;
    chroma_fn *fn;
    uint32_t cpu; /* needed to run it */
};

static const struct chroma_variant chroma_variants[] = {
    {"dispatched", avila_h264_mc_chroma, 0},
    {"portable", avila_h264_mc_chroma_portable, 0},
#if AVILA_X86_64
    {"sse4", avila_h264_mc_chroma_sse4, AVILA_CPU_SSE42},
    {"avx2", avila_h264_mc_chroma_avx2, AVILA_CPU_AVX2 | AVILA_CPU_SSE42},
#endif
};

/*
 * Every variant against 8-270 computed here, for every fraction and block
 * size 1..8 x 1..9, on random, constant 0 / 255 and 0-255 checkerboard
 * sources. The source is exactly the (w + 1) x (h + 1) samples the block
 * needs, at the end of a guarded buffer with a stride of w + 1, so reading
 * past the last one crashes; the destination has a sentinel border that
 * must stay untouched.
 */
static void chroma_variants_agree(void **state)
{
    (void)state;
    uint64_t rng = 77;
    for (size_t vi = 0; vi < AVILA_ARRAY_LEN(chroma_variants); vi++) {
        const struct chroma_variant *cv = &chroma_variants[vi];
        if ((avila_cpu_detected() & cv->cpu) != cv->cpu)
            continue;
        for (unsigned w = 1; w <= 8; w++)
            for (unsigned h = 1; h <= 9; h++) {
                size_t n = (size_t)(w + 1) * (h + 1);
                uint8_t *src = unit_guarded_alloc(n);
                for (int kind = 0; kind < 4; kind++) {
                    for (size_t i = 0; i < n; i++)
                        src[i] = kind == 0   ? (uint8_t)unit_rand(&rng)
                                 : kind == 1 ? 0
                                 : kind == 2 ? 255
                                             : (uint8_t)(((i % (w + 1)) + i / (w + 1)) & 1) * 255;
                    struct pic p = {src, (int)w + 1, (int)h + 1};
                    for (int frac = 0; frac < 64; frac++) {
                        int xf = frac & 7, yf = frac >> 3;
                        /* mv = 8 * integer + fraction; integer parts of -1 and +1 too. */
                        int ix = (frac % 3) - 1, iy = (frac / 3 % 3) - 1;
                        const uint8_t *origin = src - iy * (ptrdiff_t)(w + 1) - ix;
                        uint8_t dst[12 * 12];
                        memset(dst, 0xA5, sizeof dst);
                        cv->fn(dst + 12 + 1, 12, origin, (ptrdiff_t)w + 1, 8 * ix + xf, 8 * iy + yf,
                               w, h);
                        for (unsigned y = 0; y < 12; y++)
                            for (unsigned x = 0; x < 12; x++) {
                                bool in = x >= 1 && x <= w && y >= 1 && y <= h;
                                int want =
                                    in ? ref_chroma(&p, (int)x - 1, (int)y - 1, xf, yf) : 0xA5;
                                if (dst[y * 12 + x] != want)
                                    fail_msg("%s %ux%u kind %d frac (%d, %d) at (%u, %u): %d != %d",
                                             cv->name, w, h, kind, xf, yf, x, y, dst[y * 12 + x],
                                             want);
                            }
                    }
                }
                unit_guarded_free(src, n);
            }
    }
}

int main(void)
{
    avila_cpu_init(); /* AVILA_CPU=portable covers the portable code */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pad_replicates_edges),  cmocka_unit_test(hpel_planes),
        cmocka_unit_test(luma_all_fractions),    cmocka_unit_test(luma_at_bounds),
        cmocka_unit_test(bounds_limits),         cmocka_unit_test(chroma_block),
        cmocka_unit_test(chroma_variants_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
