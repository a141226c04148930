/*
 * media/h264/pixel.h - block distortion metrics for the H.264 encoder: SAD,
 * SATD (4x4 Hadamard), SSD, and a 4-candidate 16x16 SAD for motion search;
 * and the block copy the other parts share.
 *
 * Not part of ITU-T H.264 itself (an encoder's choice of metrics); the SATD
 * uses the 4x4 Hadamard matrix the standard uses for Intra_16x16 and chroma
 * DC (8.5.10). Three variants exist: portable C, 128-bit SSE (SSSE3/SSE4.1
 * instructions, enabled by AVILA_CPU_SSE42) and AVX2; every one returns
 * bit-identical results. Samples are 8-bit; strides are in bytes and may be
 * negative or odd. Pure.
 */
#ifndef AVILA_MEDIA_H264_PIXEL_H
#define AVILA_MEDIA_H264_PIXEL_H

#include "core/platform.h"

/*
 * Copies h rows of w samples from src to dst (not overlapping). Widths 16
 * and 8 (and any constant width once inlined) are constant-size copies,
 * which compile to plain loads and stores instead of a library call per row.
 */
static inline void avila_h264_copy_block(uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *src,
                                         ptrdiff_t src_stride, unsigned w, unsigned h)
{
    for (unsigned y = 0; y < h; y++, dst += dst_stride, src += src_stride) {
        if (w == 16)
            memcpy(dst, src, 16);
        else if (w == 8)
            memcpy(dst, src, 8);
        else
            memcpy(dst, src, w);
    }
}

/*
 * Compares the block at a with the block at b (same size, fixed by the
 * function). Reads only the block's samples; never fails.
 */
typedef int (*avila_h264_cmp_fn)(const uint8_t *a, ptrdiff_t a_stride, const uint8_t *b,
                                 ptrdiff_t b_stride);

/* Block sizes, width x height. */
enum {
    AVILA_H264_PX_16x16,
    AVILA_H264_PX_16x8,
    AVILA_H264_PX_8x16,
    AVILA_H264_PX_8x8,
    AVILA_H264_PX_4x4,
    AVILA_H264_PX_8x4,
    AVILA_H264_PX_4x8,
    AVILA_H264_PX_SIZES
};

/* One implementation's set of metrics. Tables are static and immutable. */
typedef struct avila_h264_pixel_ops {
    /* Sum of absolute differences. */
    avila_h264_cmp_fn sad[AVILA_H264_PX_SIZES];
    /*
     * Sum over the block's 4x4 sub-blocks of sum |H D H^T| (H the 4x4
     * Hadamard matrix of 8.5.10, D = a - b), halved once at the end with
     * truncation: sum >> 1. Every variant gives exactly this value.
     */
    avila_h264_cmp_fn satd[AVILA_H264_PX_SIZES];
    /* Sum of squared differences of a w x h area (any w, h >= 1), for PSNR. */
    uint64_t (*ssd)(const uint8_t *a, ptrdiff_t a_stride, const uint8_t *b, ptrdiff_t b_stride,
                    unsigned w, unsigned h);
    /* out[i] = SAD of the 16x16 block at a against the one at b[i], i < 4. */
    void (*sad16x16_x4)(const uint8_t *a, ptrdiff_t a_stride, const uint8_t *const b[4],
                        ptrdiff_t b_stride, int out[4]);
} avila_h264_pixel_ops;

/*
 * The fastest implementation avila_cpu_features() allows (AVX2 > SSE >
 * portable). Decided on every call from the (restrictable) feature bits, one
 * atomic load, so tests and AVILA_CPU can steer it; callers keep the pointer.
 * Thread-safe; never NULL.
 */
const avila_h264_pixel_ops *avila_h264_pixel_ops_best(void);

/* The portable C implementation. Never NULL. */
const avila_h264_pixel_ops *avila_h264_pixel_ops_portable(void);

#endif
