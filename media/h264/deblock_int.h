/*
 * media/h264/deblock_int.h - the edge filters behind
 * avila_h264_deblock_rows (media/h264/deblock.h), exposed so tests and
 * benchmarks can run and compare each one. Not installed. Every variant
 * gives exactly the samples of the portable one. Pure.
 */
#ifndef AVILA_MEDIA_H264_DEBLOCK_INT_H
#define AVILA_MEDIA_H264_DEBLOCK_INT_H

#include "media/h264/deblock.h"

/* Thresholds of one edge (8.7.2.2): alpha', beta' and indexA (0..51). */
typedef struct avila_h264_edge_th {
    int alpha, beta, index_a;
} avila_h264_edge_th;

/* Table 8-17: tC0' by indexA, for bS = 1, 2, 3. */
extern const uint8_t avila_h264_tc0_tab[52][3];

/* The edge filters of one variant. */
typedef struct avila_h264_deblock_ops {
    /*
     * Filters one luma edge of 16 sample lines in place (8.7.2.3 for bS
     * 1..3, 8.7.2.4 for bS 4): pix is q0 of the first line, xs the step
     * across the edge (from p0 to q0), ys the step along it; bs[k] (0..4)
     * applies to lines 4k..4k+3. Unless every bS is 0, may read p3..q3
     * (pix - 4 xs .. pix + 3 xs) of every line.
     */
    void (*luma_edge)(uint8_t *pix, ptrdiff_t xs, ptrdiff_t ys, const uint8_t bs[4],
                      avila_h264_edge_th t);
    /*
     * Filters the same chroma edge of 8 lines in Cb (u) and in Cr (v)
     * (chromaStyleFilteringFlag 1): u and v are q0 of their first line,
     * lines 2k and 2k + 1 use bs[k]. Unless every bS is 0, may read
     * p1..q1 of every line.
     */
    void (*chroma_edge)(uint8_t *u, uint8_t *v, ptrdiff_t xs, ptrdiff_t ys, const uint8_t bs[4],
                        avila_h264_edge_th t);
} avila_h264_deblock_ops;

/* The portable luma edge filter (any xs and ys), for the vector code's other steps. */
void avila_h264_luma_edge_portable(uint8_t *pix, ptrdiff_t xs, ptrdiff_t ys, const uint8_t bs[4],
                                   avila_h264_edge_th t);

/* Portable C. In every variant t.alpha and t.beta are those of Table 8-16
 * at t.index_a and some indexB (alpha <= 255, beta <= 18). */
extern const avila_h264_deblock_ops avila_h264_deblock_portable;

#if AVILA_X86_64
/* Needs AVILA_CPU_AVX2. Vector code where xs or ys is 1 (vertical edges
 * through transposes), the portable code otherwise. */
extern const avila_h264_deblock_ops avila_h264_deblock_avx2;
#endif

/* The variant avila_h264_deblock_rows uses: the best avila_cpu_features() allows. */
const avila_h264_deblock_ops *avila_h264_deblock_best(void);

#endif
