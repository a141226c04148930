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
 * The rows may also be filtered as a wavefront, several jobs at once
 * (avila_h264_deblock_wave), with the same result.
 *
 * Pure: no allocation, no libc (C11 atomics from the freestanding
 * <stdatomic.h>).
 */
#ifndef AVILA_MEDIA_H264_DEBLOCK_H
#define AVILA_MEDIA_H264_DEBLOCK_H

#include <stdatomic.h>

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

/*
 * A row wavefront: jobs (threads) claim macroblock rows in order and filter
 * them side by side, each macroblock x of row r once row r - 1 is filtered
 * through macroblock x + 1 (whose left edge changes the samples above x
 * that row r's top edge reads and writes). A job waits only for the row
 * claimed just before its own, by a job that is running or done: so the
 * wavefront never deadlocks, even when the jobs run one after another.
 * Fields private.
 */
typedef struct avila_h264_deblock_row {
    /* On a cache line of its own: the job of the next row polls it. */
    _Alignas(64) atomic_uint done; /* macroblocks filtered */
} avila_h264_deblock_row;

typedef struct avila_h264_deblock_wave {
    atomic_uint next_row; /* the next row to claim */
    avila_h264_deblock_row *rows;
    unsigned mb_height;
    void (*wait)(void *ctx);
    void *wait_ctx;
} avila_h264_deblock_wave;

/*
 * Starts a wavefront over mb_height rows: rows (mb_height entries, owned by
 * the caller, in use until the last job returns) are reset. A job that has
 * to wait spins a little, then calls wait(wait_ctx) between looks if wait
 * is not NULL (struct avila_h264_parallel's wait). Call it before any job
 * starts; the runner's start and join order the rest.
 */
void avila_h264_deblock_wave_init(avila_h264_deblock_wave *w, avila_h264_deblock_row *rows,
                                  unsigned mb_height, void (*wait)(void *ctx), void *wait_ctx);

/* Claims the next row for the calling job: returns it, or mb_height when every row is
 * claimed. A job MUST filter each row it claims (avila_h264_deblock_wave_row). */
unsigned avila_h264_deblock_wave_claim(avila_h264_deblock_wave *w);

/*
 * Filters the claimed row `row` as avila_h264_deblock_rows(.., row, row + 1)
 * does (same arguments), publishing its progress per macroblock and, before
 * each macroblock, spinning until row - 1 is filtered far enough. Once it
 * returns, row - 1 is final (and row too if it is the last). p->mb_height
 * MUST be the wavefront's.
 */
void avila_h264_deblock_wave_row(avila_h264_deblock_wave *w, uint8_t *y, ptrdiff_t y_stride,
                                 uint8_t *u, uint8_t *v, ptrdiff_t c_stride,
                                 const avila_h264_mb_deblock *mbs,
                                 const avila_h264_deblock_params *p, unsigned row);

#endif
