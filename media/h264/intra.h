/*
 * media/h264/intra.h - H.264 intra prediction for 8-bit 4:2:0 pictures.
 *
 * Bit-exact with ITU-T H.264 (08/2021): Intra_4x4 (8.3.1.2, all nine modes,
 * with the substitution of p[3, -1] for an unavailable top-right), Intra_16x16
 * (8.3.3, four modes) and 4:2:0 chroma (8.3.4, four modes, DC per 4x4 quarter
 * as 8.3.4.1-8.3.4.3). Mode numbers are the standard's (Intra4x4PredMode,
 * Intra16x16PredMode, intra_chroma_pred_mode).
 *
 * The caller tells which neighbours are "available for Intra prediction"
 * (outside the picture, another slice or, with constrained_intra_pred, an
 * inter macroblock are not); the functions read only available neighbours.
 *
 * Pure: no allocation, no libc.
 */
#ifndef AVILA_MEDIA_H264_INTRA_H
#define AVILA_MEDIA_H264_INTRA_H

#include <stdbool.h>

#include "core/platform.h"

/* Neighbour availability bits. */
enum {
    AVILA_H264_AVAIL_LEFT = 1,    /* column p[-1, y] */
    AVILA_H264_AVAIL_TOP = 2,     /* row p[x, -1], x = 0..N-1 */
    AVILA_H264_AVAIL_TOPLEFT = 4, /* p[-1, -1] */
    AVILA_H264_AVAIL_TOPRIGHT = 8 /* p[x, -1], x = 4..7 (Intra_4x4 only) */
};

/* Intra16x16PredMode (Table 8-4). */
enum { AVILA_H264_I16_V, AVILA_H264_I16_H, AVILA_H264_I16_DC, AVILA_H264_I16_PLANE };

/* Intra4x4PredMode (Table 8-2). */
enum {
    AVILA_H264_I4_V,
    AVILA_H264_I4_H,
    AVILA_H264_I4_DC,
    AVILA_H264_I4_DDL,
    AVILA_H264_I4_DDR,
    AVILA_H264_I4_VR,
    AVILA_H264_I4_HD,
    AVILA_H264_I4_VL,
    AVILA_H264_I4_HU
};

/* intra_chroma_pred_mode (Table 7-16). */
enum { AVILA_H264_IC_DC, AVILA_H264_IC_H, AVILA_H264_IC_V, AVILA_H264_IC_PLANE };

/*
 * Whether mode may be used with the neighbours in avail: the standard
 * forbids a mode that uses samples "not available for Intra prediction".
 * DC is always allowed; an unknown mode number is not.
 *   16x16 and chroma: V needs TOP, H needs LEFT, PLANE needs all three.
 *   4x4: V, DDL and VL need TOP (the top-right is substituted when absent);
 *        H and HU need LEFT; DDR, VR and HD need TOP, LEFT and TOPLEFT.
 */
bool avila_h264_pred16x16_ok(int mode, unsigned avail);
bool avila_h264_pred4x4_ok(int mode, unsigned avail);
bool avila_h264_pred_chroma_ok(int mode, unsigned avail);

/*
 * Writes the prediction of the block whose top-left sample is rec (in the
 * reconstructed picture, row stride stride) into pred (row stride
 * pred_stride). Neighbours are read at rec[y*stride - 1], rec[-stride + x],
 * rec[-stride - 1] and, for 4x4 with TOPRIGHT, rec[-stride + 4..7], only when
 * avail says they exist. mode MUST be ok for avail. pred may equal rec (the
 * neighbours are copied before anything is written).
 */
void avila_h264_pred16x16(uint8_t *pred, ptrdiff_t pred_stride, const uint8_t *rec,
                          ptrdiff_t stride, int mode, unsigned avail);
void avila_h264_pred4x4(uint8_t *pred, ptrdiff_t pred_stride, const uint8_t *rec, ptrdiff_t stride,
                        int mode, unsigned avail);

/* One 8x8 chroma component (4:2:0), same contract; DC per 4x4 quarter. */
void avila_h264_pred_chroma(uint8_t *pred, ptrdiff_t pred_stride, const uint8_t *rec,
                            ptrdiff_t stride, int mode, unsigned avail);

/*
 * For mode decision: writes the prediction of every Intra_4x4 mode that is
 * ok for avail into pred[mode] (4x4 blocks, row stride 4) and returns the
 * bit set of those modes (bit m = mode m written; the others are left
 * untouched). Same reads and results as nine avila_h264_pred4x4 calls, with
 * the neighbours gathered once.
 */
unsigned avila_h264_pred4x4_all(uint8_t pred[9][16], const uint8_t *rec, ptrdiff_t stride,
                                unsigned avail);

/* The same for Intra_16x16: pred[mode] holds a 16x16 block, row stride 16. */
unsigned avila_h264_pred16x16_all(uint8_t pred[4][256], const uint8_t *rec, ptrdiff_t stride,
                                  unsigned avail);

#endif
