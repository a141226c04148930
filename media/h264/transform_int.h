/*
 * media/h264/transform_int.h - the variants behind the dispatchers of the
 * 4x4 kernels and the batched ones of media/h264/transform.h, exposed so
 * tests and benchmarks can run and compare each one, and the tables and
 * loop bodies they share. Not installed. Every variant has the contract
 * of the public function of the same name and gives bit-identical results
 * (outputs and the clobbered coefficients alike). Pure.
 */
#ifndef AVILA_MEDIA_H264_TRANSFORM_INT_H
#define AVILA_MEDIA_H264_TRANSFORM_INT_H

#include "media/h264/transform.h"

#include "media/h264/pixel.h"

/* normAdjust4x4(qp % 6, i, j) of 8.5.9 in raster order (see transform.c). */
extern const uint8_t avila_h264_norm_adjust[6][16];

/* The forward quantiser's multipliers MF in raster order (see transform.c). */
extern const uint16_t avila_h264_quant_mf[6][16];

/*
 * The rounding offset of the dead-zone quantiser at qp for a step of
 * 2^shift: a third of a step for intra blocks, and for inter blocks too
 * below QP 36, a quarter from there; not the customary sixth. A sixth zeroes
 * more, and an inter block quantised to nothing is skipped and keeps its
 * error in every later picture: on the 1080p clips of
 * tools/bench/h264_avila.sh (60 pictures, fastest preset) a third gave
 * 0.4 dB (camera) to 1.7 dB (screen) more than a sixth at QP 26 for at most
 * 10% more bits; at QP 42 the camera clip did 0.3 dB better with a quarter.
 */
static inline int32_t avila_h264_quant_rounding(int shift, int qp, bool intra)
{
    /* Two constant divisors, not one variable: no division instruction. */
    return intra || qp < 36 ? ((int32_t)1 << shift) / 3 : ((int32_t)1 << shift) / 4;
}

/* The types of the quantiser and the scaling of one 4x4 block. */
typedef int avila_h264_quant4x4_fn(int16_t c[16], int qp, bool intra, int first);
typedef void avila_h264_dequant4x4_fn(int16_t c[16], int qp, int first);

/* One set of the kernels: the four 4x4 ones and the batched ones. */
typedef struct avila_h264_transform_ops {
    void (*fdct4x4)(int16_t c[16], const uint8_t *src, ptrdiff_t src_stride, const uint8_t *pred,
                    ptrdiff_t pred_stride);
    void (*idct4x4_add)(uint8_t *dst, ptrdiff_t stride, int16_t c[16]);
    avila_h264_quant4x4_fn *quant4x4;
    avila_h264_dequant4x4_fn *dequant4x4;
    void (*fdct8x8)(int16_t c[4][16], const uint8_t *src, ptrdiff_t src_stride, const uint8_t *pred,
                    ptrdiff_t pred_stride);
    uint32_t (*quant_blocks)(int16_t (*c)[16], unsigned n, int qp, bool intra, int first,
                             uint8_t *nz);
    void (*scan_blocks)(int16_t *out, size_t out_stride, const int16_t (*c)[16], unsigned n,
                        uint32_t mask, int first);
    void (*recon8x8)(uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *pred, ptrdiff_t pred_stride,
                     int16_t c[4][16], uint32_t mask, int qp, int first);
} avila_h264_transform_ops;

/*
 * The body of the batched quantiser, shared by every variant: each calls it
 * with its own avila_h264_quant4x4 (a constant, so the compiler inlines it
 * into one loop) and gets the contract of avila_h264_quant_blocks.
 */
static inline uint32_t avila_h264_quant_blocks_with(avila_h264_quant4x4_fn *quant, int16_t (*c)[16],
                                                    unsigned n, int qp, bool intra, int first,
                                                    uint8_t *nz)
{
    uint32_t mask = 0;
    for (unsigned b = 0; b < n; b++) {
        int count = quant(c[b], qp, intra, first);
        nz[b] = (uint8_t)count;
        mask |= (uint32_t)(count != 0) << b;
    }
    return mask;
}

/* Portable C. */
extern const avila_h264_transform_ops avila_h264_transform_portable;

#if AVILA_X86_64
/* Needs AVILA_CPU_SSE42 (the code uses SSSE3 and SSE4.1 instructions). */
extern const avila_h264_transform_ops avila_h264_transform_sse4;
/* Needs AVILA_CPU_AVX2 and AVILA_CPU_SSE42 (its transforms are the SSE4 ones: a block is 128 bits).
 */
extern const avila_h264_transform_ops avila_h264_transform_avx2;
#endif

/*
 * The variant the public functions use: the best one avila_cpu_features()
 * allows when first asked, then the same one for the life of the process.
 */
const avila_h264_transform_ops *avila_h264_transform_best(void);

#endif
