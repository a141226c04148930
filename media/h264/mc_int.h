/*
 * media/h264/mc_int.h - the variants behind the dispatchers of
 * avila_h264_mc_hpel and avila_h264_mc_chroma, exposed so tests and
 * benchmarks can run and compare each one. Not installed. Each has the
 * contract of its public function and gives identical samples.
 */
#ifndef AVILA_MEDIA_H264_MC_INT_H
#define AVILA_MEDIA_H264_MC_INT_H

#include "media/h264/mc.h"

/* Columns of the half planes computed per pass over a row (bounds a stack buffer). */
#define AVILA_H264_HPEL_CHUNK 256

static inline uint8_t avila_h264_clip1(int v)
{
    return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

/* The 6-tap filter (1, -5, 20, 20, -5, 1) on p[-2 * s] .. p[3 * s] (8.4.2.2.1). */
static inline int avila_h264_tap6(const uint8_t *p, ptrdiff_t s)
{
    return p[-2 * s] + p[3 * s] - 5 * (p[-s] + p[2 * s]) + 20 * (p[0] + p[s]);
}

/* The same filter on unrounded intermediates (j1 from h1 values). */
static inline int avila_h264_tap6_i16(const int16_t *p)
{
    return p[-2] + p[3] - 5 * (p[-1] + p[2]) + 20 * (p[0] + p[1]);
}

/* avila_h264_mc_hpel for the written rows [y0, y1) (from -(pad - 3) to height + pad - 3). */
void avila_h264_mc_hpel_portable(uint8_t *h, uint8_t *v, uint8_t *c, const uint8_t *full,
                                 ptrdiff_t stride, unsigned w, int y0, int y1, unsigned pad);

void avila_h264_mc_chroma_portable(uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *src,
                                   ptrdiff_t stride, int mvx, int mvy, unsigned w, unsigned h);

#if AVILA_X86_64
/* Needs AVILA_CPU_AVX2. */
void avila_h264_mc_hpel_avx2(uint8_t *h, uint8_t *v, uint8_t *c, const uint8_t *full,
                             ptrdiff_t stride, unsigned w, int y0, int y1, unsigned pad);

/*
 * Need AVILA_CPU_SSE42, and AVILA_CPU_AVX2 with AVILA_CPU_SSE42. Vector
 * code for w 8 and 4 (SSE) or w 8 and even h (AVX2, two rows per
 * register); the AVX2 one hands other blocks to the SSE one, which hands
 * widths other than 8 and 4 to the portable code.
 */
void avila_h264_mc_chroma_sse4(uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *src,
                               ptrdiff_t stride, int mvx, int mvy, unsigned w, unsigned h);
void avila_h264_mc_chroma_avx2(uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *src,
                               ptrdiff_t stride, int mvx, int mvy, unsigned w, unsigned h);
#endif

#endif
