/*
 * media/h264/transform_int.h - the variants behind the dispatchers of
 * avila_h264_fdct4x4, avila_h264_idct4x4_add, avila_h264_quant4x4 and
 * avila_h264_dequant4x4 (media/h264/transform.h), exposed so tests and
 * benchmarks can run and compare each one, and the tables they share. Not
 * installed. Every variant has the contract of the public function of the
 * same name and gives bit-identical results (outputs and the clobbered
 * coefficients alike). Pure.
 */
#ifndef AVILA_MEDIA_H264_TRANSFORM_INT_H
#define AVILA_MEDIA_H264_TRANSFORM_INT_H

#include "media/h264/transform.h"

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

/* One set of the four 4x4 kernels. */
typedef struct avila_h264_transform_ops {
    void (*fdct4x4)(int16_t c[16], const uint8_t *src, ptrdiff_t src_stride, const uint8_t *pred,
                    ptrdiff_t pred_stride);
    void (*idct4x4_add)(uint8_t *dst, ptrdiff_t stride, int16_t c[16]);
    int (*quant4x4)(int16_t c[16], int qp, bool intra, int first);
    void (*dequant4x4)(int16_t c[16], int qp, int first);
} avila_h264_transform_ops;

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
