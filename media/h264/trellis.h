/*
 * media/h264/trellis.h - rate-distortion optimised quantisation of one 4x4
 * block for CAVLC (the encoder's optional "trellis" quantiser).
 *
 * The dead-zone quantiser of media/h264/transform.h rounds each coefficient
 * on its own. This one picks a block's levels together, for the least
 * squared error + lambda x bits, the bits counted exactly by the CAVLC coder
 * (media/h264/cavlc.h) in the block's nC context: it drops lone
 * high-frequency levels whose run_before, total_zeros and coeff_token cost
 * more than the error they remove, and rounds down levels just past a step
 * in their code's length.
 *
 * Distortion: the flat-matrix quantiser's multipliers make one unit of level
 * worth one quantiser step Qstep(qp) of orthonormal-transform error in every
 * position, so a block's squared error is Qstep^2 x the sum over its
 * positions of (unrounded level - level)^2, within the multipliers' rounding.
 *
 * Pure: no allocation, no libc.
 */
#ifndef AVILA_MEDIA_H264_TRELLIS_H
#define AVILA_MEDIA_H264_TRELLIS_H

#include <stdbool.h>

#include "core/platform.h"

/*
 * The Lagrange multiplier for squared error at luma QP qp (0..51):
 * 0.85 x 2^((qp - 12) / 3), in 1/256 units (13 at QP 0, 217 at QP 12,
 * 1782784 at QP 51).
 */
uint32_t avila_h264_trellis_lambda(int qp);

/*
 * Quantises the transform coefficients c (raster, as avila_h264_fdct4x4
 * leaves them) of one 4x4 block in place to levels (raster, within
 * +-AVILA_H264_LEVEL_MAX) that cost as little squared error + lambda x bits
 * of residual_block_cavlc at nC as a greedy search finds. It starts from the
 * cheaper of rounding to nearest and avila_h264_quant4x4(c, qp, intra,
 * first), lowers levels' magnitudes by one, highest frequency first, while
 * that lowers the cost, and quantises the block to nothing when that costs
 * less still; the result never costs more than either start.
 *
 * first: 0 to quantise all 16 coefficients (max_coeff 16), 1 to leave c[0]
 * (a DC coded elsewhere) as it is and quantise the 15 AC ones (max_coeff 15).
 * qp is the block's QP (0..51; QPc for chroma), lambda the value of
 * avila_h264_trellis_lambda for the macroblock's luma QP (a larger one is
 * taken as that of QP 51), nC as for avila_h264_cavlc_block (>= 0). Returns
 * the number of nonzero levels.
 */
int avila_h264_trellis4x4(int16_t c[16], int qp, bool intra, int first, int nC, uint32_t lambda);

#endif
