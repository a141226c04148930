/*
 * media/h264/cavlc.h - CAVLC residual coding and the macroblock-level
 * codes of the H.264 encoder (ITU-T H.264 (08/2021): 7.3.5.3.2
 * residual_block_cavlc, 9.2 coeff_token (Table 9-5), level_prefix and
 * level_suffix (9.2.2.1), total_zeros (Tables 9-7, 9-8, 9-9 a) and
 * run_before (Table 9-10); 9.1.2 coded_block_pattern mapping (Table 9-4)).
 *
 * Levels come in scan order (zig-zag for frame macroblocks): the caller
 * scans its raster blocks. Pure code; no allocation; nothing can fail.
 */
#ifndef AVILA_MEDIA_H264_CAVLC_H
#define AVILA_MEDIA_H264_CAVLC_H

#include <stdbool.h>

#include "core/platform.h"
#include "media/h264/bits.h"

/*
 * The largest |level| encodable in every state of the level code with
 * level_prefix <= 15 (the Baseline, Main and Extended limit, 9.2.2.1):
 * with suffixLength 0 or 1 the longest escape (level_prefix 15, a 12-bit
 * level_suffix) reaches levelCode 4125, that is level 2063 or -2063.
 */
#define AVILA_H264_LEVEL_MAX 2063

/*
 * Writes residual_block_cavlc (7.3.5.3.2) for the levels in scan order
 * coeffs[0..max_coeff-1] (only read). max_coeff MUST be 4 (chroma DC
 * 4:2:0, with nC -1), 15 (Intra16x16 AC or chroma AC: the 15 AC levels,
 * scan positions 1..15) or 16 (a 4x4 block or Intra16x16 DC). nC is -1
 * for chroma DC, else the value of 9.2.1 (>= 0; avila_h264_cavlc_nc).
 * Every |level| MUST be <= AVILA_H264_LEVEL_MAX (a larger one is clamped
 * to the largest the code can carry, so the stream stays decodable but
 * the level is wrong). Returns TotalCoeff (0..16), which the caller keeps
 * for its neighbours' nC.
 */
int avila_h264_cavlc_block(avila_h264_bits *b, const int16_t *coeffs, int max_coeff, int nC);

/*
 * The number of bits avila_h264_cavlc_block would write for the same
 * arguments, without writing (for rate-distortion decisions).
 */
int avila_h264_cavlc_block_bits(const int16_t *coeffs, int max_coeff, int nC);

/*
 * nC for a luma or chroma AC block from its neighbours (9.2.1): na and nb
 * are the TotalCoeff of the left and upper 4x4 blocks (16 for an I_PCM
 * macroblock, 0 for a skipped one), or -1 when that block is not
 * available. Returns (na + nb + 1) >> 1 when both are available, the one
 * available value, or 0.
 */
int avila_h264_cavlc_nc(int na, int nb);

/*
 * The codeNum of coded_block_pattern me(v) (9.1.2, Table 9-4, ChromaArrayType
 * 1 or 2) for cbp (0..47: luma bits 0-3, chroma 0..2 times 16); intra is true
 * for Intra_4x4 macroblocks (prediction mode Intra_4x4 or Intra_8x8), false
 * for inter ones. Write it with avila_h264_bits_ue.
 */
unsigned avila_h264_cbp_code(unsigned cbp, bool intra);

#endif
