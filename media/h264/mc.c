/*
 * media/h264/mc.c - padding, half-sample planes and luma / chroma inter
 * prediction (ITU-T H.264 8.4.2.2; see media/h264/mc.h). Pure.
 */
#include "media/h264/mc.h"

#include "core/cpu.h"
#include "media/h264/mc_int.h"
#include "media/h264/pixel.h"

void avila_h264_pad_rows(uint8_t *p, ptrdiff_t stride, unsigned w, unsigned h, unsigned pad,
                         unsigned y0, unsigned y1)
{
    for (unsigned y = y0; y < y1; y++) {
        uint8_t *row = p + (ptrdiff_t)y * stride;
        memset(row - pad, row[0], pad);
        memset(row + w, row[w - 1], pad);
    }
    size_t len = (size_t)w + 2 * (size_t)pad;
    const uint8_t *top = p - pad, *bottom = p + (ptrdiff_t)(h - 1) * stride - pad;
    for (unsigned i = 1; i <= pad; i++) {
        if (y0 == 0)
            memcpy(p - (ptrdiff_t)i * stride - pad, top, len);
        if (y1 == h)
            memcpy(p + (ptrdiff_t)(h - 1 + i) * stride - pad, bottom, len);
    }
}

void avila_h264_pad_plane(uint8_t *p, ptrdiff_t stride, unsigned w, unsigned h, unsigned pad)
{
    avila_h264_pad_rows(p, stride, w, h, pad, 0, h);
}

void avila_h264_mc_hpel_portable(uint8_t *h, uint8_t *v, uint8_t *c, const uint8_t *full,
                                 ptrdiff_t stride, unsigned w, int y0, int y1, unsigned pad)
{
    const int e = (int)pad - 3; /* written border */
    const int x0 = -e, x1 = (int)w + e;
    /* h1 of 8.4.2.2.1 (vertical, unrounded) for columns x - 2 .. x + 3 of a chunk. */
    int16_t tmp[AVILA_H264_HPEL_CHUNK + 5];
    for (int y = y0; y < y1; y++) {
        const uint8_t *f = full + (ptrdiff_t)y * stride;
        uint8_t *hr = h + (ptrdiff_t)y * stride;
        uint8_t *vr = v + (ptrdiff_t)y * stride;
        uint8_t *cr = c + (ptrdiff_t)y * stride;
        for (int x = x0; x < x1; x++)
            hr[x] = avila_h264_clip1((avila_h264_tap6(f + x, 1) + 16) >> 5);
        for (int xs = x0; xs < x1; xs += AVILA_H264_HPEL_CHUNK) {
            int n = x1 - xs < AVILA_H264_HPEL_CHUNK ? x1 - xs : AVILA_H264_HPEL_CHUNK;
            int16_t *t = tmp + 2; /* t[i] is column xs + i */
            /* |h1| <= 42 * 255, so int16 holds it. */
            for (int i = -2; i < n + 3; i++)
                t[i] = (int16_t)avila_h264_tap6(f + xs + i, stride);
            for (int i = 0; i < n; i++) {
                vr[xs + i] = avila_h264_clip1((t[i] + 16) >> 5);
                cr[xs + i] = avila_h264_clip1((avila_h264_tap6_i16(t + i) + 512) >> 10);
            }
        }
    }
}

void avila_h264_mc_hpel_band(uint8_t *h, uint8_t *v, uint8_t *c, const uint8_t *full,
                             ptrdiff_t stride, unsigned w, unsigned height, unsigned pad,
                             unsigned band, unsigned bands)
{
    const int e = (int)pad - 3, rows = (int)height + 2 * e;
    int y0 = -e + (int)((int64_t)rows * band / bands),
        y1 = -e + (int)((int64_t)rows * (band + 1) / bands);
#if AVILA_X86_64
    if (avila_cpu_features() & AVILA_CPU_AVX2) {
        avila_h264_mc_hpel_avx2(h, v, c, full, stride, w, y0, y1, pad);
        return;
    }
#endif
    avila_h264_mc_hpel_portable(h, v, c, full, stride, w, y0, y1, pad);
}

void avila_h264_mc_hpel(uint8_t *h, uint8_t *v, uint8_t *c, const uint8_t *full, ptrdiff_t stride,
                        unsigned w, unsigned height, unsigned pad)
{
    avila_h264_mc_hpel_band(h, v, c, full, stride, w, height, pad, 0, 1);
}

/* (p + q + 1) >> 1 over a W x h block; W a constant, so the compiler can vectorise. */
static inline void avg2_w(uint8_t *restrict dst, ptrdiff_t ds, const uint8_t *restrict p,
                          const uint8_t *restrict q, ptrdiff_t s, unsigned W, unsigned h)
{
    for (unsigned y = 0; y < h; y++, dst += ds, p += s, q += s)
        for (unsigned x = 0; x < W; x++)
            dst[x] = (uint8_t)((p[x] + q[x] + 1) >> 1);
}

static void avg2(uint8_t *dst, ptrdiff_t ds, const uint8_t *p, const uint8_t *q, ptrdiff_t s,
                 unsigned w, unsigned h)
{
    if (w == 16)
        avg2_w(dst, ds, p, q, s, 16, h);
    else if (w == 8)
        avg2_w(dst, ds, p, q, s, 8, h);
    else
        avg2_w(dst, ds, p, q, s, w, h);
}

/*
 * For each fractional position (yFrac * 4 + xFrac), the two samples averaged
 * (8.4.2.2.1, Figure 8-4 names): plane (0 full G, 1 b, 2 h, 3 j) and offset
 * (dx, dy) in full samples from G. A position with one source lists it twice.
 */
static const struct {
    uint8_t p0, dx0, dy0, p1, dx1, dy1;
} qpel_src[16] = {
    {0, 0, 0, 0, 0, 0}, /* G */
    {0, 0, 0, 1, 0, 0}, /* a = (G + b + 1) >> 1 */
    {1, 0, 0, 1, 0, 0}, /* b */
    {0, 1, 0, 1, 0, 0}, /* c = (H + b + 1) >> 1 */
    {0, 0, 0, 2, 0, 0}, /* d = (G + h + 1) >> 1 */
    {1, 0, 0, 2, 0, 0}, /* e = (b + h + 1) >> 1 */
    {1, 0, 0, 3, 0, 0}, /* f = (b + j + 1) >> 1 */
    {1, 0, 0, 2, 1, 0}, /* g = (b + m + 1) >> 1 */
    {2, 0, 0, 2, 0, 0}, /* h */
    {2, 0, 0, 3, 0, 0}, /* i = (h + j + 1) >> 1 */
    {3, 0, 0, 3, 0, 0}, /* j */
    {3, 0, 0, 2, 1, 0}, /* k = (j + m + 1) >> 1 */
    {0, 0, 1, 2, 0, 0}, /* n = (M + h + 1) >> 1 */
    {2, 0, 0, 1, 0, 1}, /* p = (h + s + 1) >> 1 */
    {3, 0, 0, 1, 0, 1}, /* q = (j + s + 1) >> 1 */
    {2, 1, 0, 1, 0, 1}, /* r = (m + s + 1) >> 1 */
};

const uint8_t *avila_h264_mc_luma_at(const uint8_t *const planes[4], ptrdiff_t stride, int mvx,
                                     int mvy)
{
    if ((mvx | mvy) & 1)
        return NULL;
    /* Arithmetic shifts floor negative MVs, as xIntL = xAL + (mvLX[0] >> 2) wants. */
    unsigned frac = (unsigned)(mvy & 3) * 4 + (unsigned)(mvx & 3);
    return planes[qpel_src[frac].p0] + (ptrdiff_t)(mvy >> 2) * stride + (mvx >> 2);
}

void avila_h264_mc_luma(uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *const planes[4],
                        ptrdiff_t stride, int mvx, int mvy, unsigned w, unsigned h)
{
    const uint8_t *at = avila_h264_mc_luma_at(planes, stride, mvx, mvy);
    if (at) {
        avila_h264_copy_block(dst, dst_stride, at, stride, w, h);
        return;
    }
    ptrdiff_t base = (ptrdiff_t)(mvy >> 2) * stride + (mvx >> 2);
    unsigned frac = (unsigned)(mvy & 3) * 4 + (unsigned)(mvx & 3);
    const uint8_t *p =
        planes[qpel_src[frac].p0] + base + qpel_src[frac].dy0 * stride + qpel_src[frac].dx0;
    const uint8_t *q =
        planes[qpel_src[frac].p1] + base + qpel_src[frac].dy1 * stride + qpel_src[frac].dx1;
    avg2(dst, dst_stride, p, q, stride, w, h);
}

void avila_h264_mc_chroma_portable(uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *src,
                                   ptrdiff_t stride, int mvx, int mvy, unsigned w, unsigned h)
{
    const uint8_t *s = src + (ptrdiff_t)(mvy >> 3) * stride + (mvx >> 3);
    int xf = mvx & 7, yf = mvy & 7;
    int wa = (8 - xf) * (8 - yf), wb = xf * (8 - yf), wc = (8 - xf) * yf, wd = xf * yf;
    for (unsigned y = 0; y < h; y++, dst += dst_stride, s += stride) {
        const uint8_t *n = s + stride;
        for (unsigned x = 0; x < w; x++)
            dst[x] = (uint8_t)((wa * s[x] + wb * s[x + 1] + wc * n[x] + wd * n[x + 1] + 32) >> 6);
    }
}

const uint8_t *avila_h264_mc_chroma_at(const uint8_t *src, ptrdiff_t stride, int mvx, int mvy)
{
    return (mvx | mvy) & 7 ? NULL : src + (ptrdiff_t)(mvy >> 3) * stride + (mvx >> 3);
}

void avila_h264_mc_chroma(uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *src, ptrdiff_t stride,
                          int mvx, int mvy, unsigned w, unsigned h)
{
#if AVILA_X86_64
    if (w == 8 || w == 4) {
        uint32_t f = avila_cpu_features();
        if ((f & (AVILA_CPU_AVX2 | AVILA_CPU_SSE42)) == (AVILA_CPU_AVX2 | AVILA_CPU_SSE42) &&
            w == 8) {
            avila_h264_mc_chroma_avx2(dst, dst_stride, src, stride, mvx, mvy, w, h);
            return;
        }
        if (f & AVILA_CPU_SSE42) {
            avila_h264_mc_chroma_sse4(dst, dst_stride, src, stride, mvx, mvy, w, h);
            return;
        }
    }
#endif
    avila_h264_mc_chroma_portable(dst, dst_stride, src, stride, mvx, mvy, w, h);
}

static inline int clampi(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

void avila_h264_mv_bounds(int16_t mv_min[2], int16_t mv_max[2], unsigned x, unsigned y, unsigned w,
                          unsigned h, unsigned pic_w, unsigned pic_h, unsigned pad, int max_vmv)
{
    /*
     * Half planes are valid for positions -(pad - 3) .. dim + pad - 4; a
     * block at integer offset i reads positions pos + i .. pos + i + size
     * (the + 1 for the quarter samples c, g, k, n, r). The chroma block then
     * stays within pad / 2 of its plane (see mc.h).
     */
    int e = (int)pad - 3;
    int xmin = 4 * (-e - (int)x), xmax = 4 * ((int)pic_w + e - 1 - (int)w - (int)x) + 3;
    int ymin = 4 * (-e - (int)y), ymax = 4 * ((int)pic_h + e - 1 - (int)h - (int)y) + 3;
    if (max_vmv < 1)
        max_vmv = 1;
    mv_min[0] = (int16_t)clampi(xmin, AVILA_H264_MV_H_MIN, 0);
    mv_max[0] = (int16_t)clampi(xmax, 0, AVILA_H264_MV_H_MAX);
    mv_min[1] = (int16_t)clampi(ymin, clampi(-max_vmv, INT16_MIN, 0), 0);
    mv_max[1] = (int16_t)clampi(ymax, 0, clampi(max_vmv - 1, 0, INT16_MAX));
}
