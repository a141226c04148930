/*
 * media/h264/deblock.h - H.264 deblocking filter for 8-bit 4:2:0 frames.
 *
 * Bit-exact with ITU-T H.264 (08/2021) clause 8.7 for progressive frames
 * (no MBAFF, no 8x8 transform), P and I slices with one reference picture,
 * disable_deblocking_filter_idc 0: boundary strength (8.7.2.1), thresholds
 * alpha/beta and tC0 (8.7.2.2, Tables 8-16 and 8-17), the bS < 4 filter
 * (8.7.2.3) and the bS == 4 filter (8.7.2.4), luma and chroma
 * (chromaStyleFilteringFlag), with chroma bS taken from the co-located luma
 * edge and chroma qPav from the QPc of each side (8.7.2.2 with
 * chromaEdgeFlag 1).
 *
 * Pure: no allocation, no libc.
 */
#ifndef AVILA_MEDIA_H264_DEBLOCK_H
#define AVILA_MEDIA_H264_DEBLOCK_H

#include "core/platform.h"

/* What the filter needs to know about one decoded macroblock. One reference
 * picture only (ref idx 0). */
typedef struct avila_h264_mb_deblock {
    uint8_t qp;        /* QP_Y of the macroblock (I_PCM: 0), 0..51 */
    uint8_t intra;     /* 1: intra macroblock */
    uint16_t nonzero;  /* bit (by*4 + bx): that 4x4 luma block has nonzero coefficients */
    int16_t mv[16][2]; /* quarter-pel MV per 4x4 block (raster in MB); ignored for intra */
} avila_h264_mb_deblock;

typedef struct avila_h264_deblock_params {
    unsigned mb_width, mb_height;  /* picture size in macroblocks */
    int chroma_qp_index_offset;    /* -12..12 (Cb and Cr alike) */
    int alpha_offset, beta_offset; /* FilterOffsetA/B (even, -12..12) */
} avila_h264_deblock_params;

/*
 * Filters macroblock rows [row0, row1) of a 4:2:0 picture in place, in the
 * order of 8.7: macroblocks in raster order, in each the luma vertical edges
 * left to right, then the horizontal ones top to bottom, then chroma (Cb and
 * Cr) likewise; picture edges are not filtered, slice edges are
 * (disable_deblocking_filter_idc 0). Filtering row r also changes the three
 * luma rows and one chroma row above it, which belong to row r - 1: so
 * calling it for rows 0..k and then k..H equals one call for 0..H, but row r
 * MUST have been filtered before row r + 1 is.
 *
 * y, u, v: the planes (luma mb_width*16 x mb_height*16, chroma half each
 * way), row strides y_stride and c_stride; mbs: mb_width*mb_height entries in
 * raster order, only read. row0 <= row1 <= mb_height.
 */
void avila_h264_deblock_rows(uint8_t *y, ptrdiff_t y_stride, uint8_t *u, uint8_t *v,
                             ptrdiff_t c_stride, const avila_h264_mb_deblock *mbs,
                             const avila_h264_deblock_params *p, unsigned row0, unsigned row1);

/*
 * The boundary strengths 8.7.2.1 gives the macroblock mbs[mb_y*mb_width +
 * mb_x] (for tests and analysis): bs[0][e][k] for the vertical edge x = 4e,
 * segment k (luma rows 4k..4k+3), bs[1][e][k] for the horizontal edge y = 4e,
 * segment k (luma columns 4k..4k+3). Edges on the picture border get 0 (they
 * are not filtered). Returns 1 if any strength is nonzero, else 0.
 */
int avila_h264_deblock_bs(uint8_t bs[2][4][4], const avila_h264_mb_deblock *mbs,
                          const avila_h264_deblock_params *p, unsigned mb_x, unsigned mb_y);

#endif
