/*
 * media/h264/transform.h - H.264 4x4 residual transform and quantisation.
 *
 * The decoding side is normative and bit-exact with ITU-T H.264 (08/2021):
 * the inverse zig-zag scan (8.5.6, Table 8-13), the chroma quantisation
 * parameter (8.5.8, Table 8-15), flat-matrix scaling (8.5.9, LevelScale4x4 =
 * 16 * normAdjust4x4, equations 8-315..8-317), the Intra16x16 luma DC
 * inverse Hadamard and scaling (8.5.10), the 4:2:0 chroma DC 2x2 transform
 * and scaling (8.5.11), and the 4x4 residual scaling and inverse transform
 * with reconstruction (8.5.12). The forward transform and quantiser are the
 * encoder's choice; they are written so that quantise-then-dequantise gives
 * the standard's scaled coefficients back to within one quantiser step.
 *
 * Coefficient blocks are int16_t c[16] in raster order, c[v*4 + u] with u the
 * horizontal frequency (column) and v the vertical one (row).
 *
 * Ranges (all 8-bit samples): residuals are -255..255; avila_h264_fdct4x4
 * output stays within +-9180 (DC within +-4080); levels are clamped to
 * +-AVILA_H264_LEVEL_MAX; dequantised values are computed in 32 bits and
 * clamped to int16 (a conforming stream never needs the clamp, 8.5.12.1);
 * the inverse transforms keep their intermediates in 32 bits.
 *
 * Pure: no allocation, no libc.
 */
#ifndef AVILA_MEDIA_H264_TRANSFORM_H
#define AVILA_MEDIA_H264_TRANSFORM_H

#include <stdbool.h>

#include "core/platform.h"

/* Largest |level| the quantisers produce (same value as media/h264/cavlc.h). */
#ifndef AVILA_H264_LEVEL_MAX
#define AVILA_H264_LEVEL_MAX 2063
#endif

/* Frame zig-zag scan: scan index -> raster index (Table 8-13, Figure 8-8). */
extern const uint8_t avila_h264_zigzag4x4[16];

/*
 * QPc for a luma QP and chroma_qp_index_offset (8.5.8, Table 8-15):
 * qPI = Clip3(0, 51, qp + chroma_qp_index_offset), mapped through the table.
 * qp MUST be 0..51, the offset -12..12.
 */
int avila_h264_chroma_qp(int qp, int chroma_qp_index_offset);

/*
 * Forward core transform Cf * X * CfT of the residual X = src - pred of one
 * 4x4 block, result in c (raster, range above). src and pred are only read.
 */
void avila_h264_fdct4x4(int16_t c[16], const uint8_t *src, ptrdiff_t src_stride,
                        const uint8_t *pred, ptrdiff_t pred_stride);

/*
 * Adds the inverse transform (8.5.12.2, rows then columns) of the
 * dequantised coefficients c (raster, c[0] included) to the 4x4 block at dst,
 * which holds the prediction: dst = Clip1(dst + ((r + 32) >> 6)) (8.5.12,
 * 8.5.14). c is clobbered (it holds intermediate values on return).
 */
void avila_h264_idct4x4_add(uint8_t *dst, ptrdiff_t stride, int16_t c[16]);

/*
 * Quantises c (raster, from avila_h264_fdct4x4) in place for qp 0..51 with a
 * dead zone: level = sign(c) * ((|c| * MF + f) >> (15 + qp/6)) with MF the
 * usual multiplier (2^15 * 16 / (normAdjust * scale^2), rounded) and
 * f = 2^(15 + qp/6) / 3 (inter blocks from QP 36: / 4); |level| is
 * clamped to AVILA_H264_LEVEL_MAX. first = 1 leaves c[0] untouched (the AC
 * blocks of Intra16x16 and chroma, whose DC goes through the DC path);
 * first MUST be 0 or 1. Returns the number of nonzero levels among the
 * positions it quantised (0..16).
 */
int avila_h264_quant4x4(int16_t c[16], int qp, bool intra, int first);

/*
 * Scales levels back in place (8.5.12.1 with flat scaling lists) for qp
 * 0..51: d = (c * LevelScale4x4) << (qp/6 - 4) when qp >= 24, else
 * (c * LevelScale4x4 + 2^(3 - qp/6)) >> (4 - qp/6). first = 1 leaves c[0]
 * alone (it already holds a dequantised DC).
 */
void avila_h264_dequant4x4(int16_t c[16], int qp, int first);

/*
 * Batched kernels for a whole macroblock's residual: the 4x4 functions
 * above applied to many blocks with one dispatch, with the same results
 * bit for bit.
 *
 * Block order: the four 4x4 blocks of an 8x8 area are c[by*2 + bx] (raster,
 * which is also the decoding order within an 8x8 quadrant and
 * chroma4x4BlkIdx); the sixteen of a 16x16 area are c[luma4x4BlkIdx]
 * (6.4.3: 8x8 quadrants in raster order, raster within each), so a
 * quadrant's blocks are c[4q .. 4q+3] and a mask's bits 4q .. 4q+3.
 */

/*
 * avila_h264_fdct4x4 of each 4x4 block of the 8x8 (16x16) residual
 * src - pred into c, in the block order above. src and pred are only read.
 */
void avila_h264_fdct8x8(int16_t c[4][16], const uint8_t *src, ptrdiff_t src_stride,
                        const uint8_t *pred, ptrdiff_t pred_stride);
void avila_h264_fdct16x16(int16_t c[16][16], const uint8_t *src, ptrdiff_t src_stride,
                          const uint8_t *pred, ptrdiff_t pred_stride);

/*
 * avila_h264_quant4x4(c[b], qp, intra, first) for b = 0..n-1, n 1..32:
 * stores its nonzero count in nz[b] (nz holds n bytes) and returns the mask
 * of the blocks with a nonzero level (bit b: nz[b] != 0).
 */
uint32_t avila_h264_quant_blocks(int16_t (*c)[16], unsigned n, int qp, bool intra, int first,
                                 uint8_t *nz);

/*
 * The levels of the blocks b < n (n 1..32) whose bit is set in mask, in
 * scan order (Table 8-13): out[b * out_stride + k - first] =
 * c[b][avila_h264_zigzag4x4[k]] for k = first..15, so first = 1 (AC
 * blocks) writes 15 values a block and out_stride may be 15. The other
 * values of out are left alone; out holds n * out_stride values and MUST
 * NOT overlap c.
 */
void avila_h264_scan_blocks(int16_t *out, size_t out_stride, const int16_t (*c)[16], unsigned n,
                            uint32_t mask, int first);

/*
 * Reconstructs the 8x8 (16x16) area dst from its prediction pred and the
 * levels c (block order above): a block whose bit is set in mask is
 * dequantised as avila_h264_dequant4x4(c[b], qp, first) (first = 1: c[b][0]
 * already holds the dequantised DC) and its inverse transform added to the
 * prediction as avila_h264_idct4x4_add, which also clobbers c[b] the same
 * way; any other block is the prediction copied and c[b] left alone, which
 * is what the inverse transform gives for all-zero coefficients (the
 * caller's mask must not leave out a block that has any). dst and pred
 * MUST NOT overlap; qp 0..51, first 0 or 1.
 */
void avila_h264_recon8x8(uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *pred,
                         ptrdiff_t pred_stride, int16_t c[4][16], uint32_t mask, int qp, int first);
void avila_h264_recon16x16(uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *pred,
                           ptrdiff_t pred_stride, int16_t c[16][16], uint32_t mask, int qp,
                           int first);

/*
 * Intra16x16 luma DC (8.5.10), three steps.
 *
 * avila_h264_luma_dc_forward: in, dc[by*4 + bx] = c[0] of the 16 4x4 blocks
 * (spatial raster of blocks in the macroblock, from avila_h264_fdct4x4); out,
 * (H * dc * H) / 2 rounded half away from zero, in frequency raster order
 * (ready for avila_h264_zigzag4x4), H the 4x4 Hadamard matrix of 8.5.10.
 * Range: within +-32640. The halving plus the extra bit of quantiser shift
 * below give levels that 8.5.10 scales back to 16 * (the DC a plain 4x4
 * block would have), matching the /16 of H * H.
 *
 * avila_h264_luma_dc_quant: in place, level = sign * ((|x| * MF(qp, 0, 0) +
 * 2f) >> (16 + qp/6)), f as avila_h264_quant4x4, clamped; returns the number
 * of nonzero levels.
 *
 * avila_h264_luma_dc_dequant: in, levels in frequency raster (the inverse
 * zig-zag of Intra16x16DCLevel); out, dcY in spatial raster dc[by*4 + bx],
 * exactly 8.5.10 (inverse Hadamard, then the qp >= 36 / qp < 36 scaling):
 * the values to store in c[0] of each block before avila_h264_idct4x4_add.
 */
void avila_h264_luma_dc_forward(int16_t dc[16]);
int avila_h264_luma_dc_quant(int16_t dc[16], int qp, bool intra);
void avila_h264_luma_dc_dequant(int16_t dc[16], int qp);

/*
 * 4:2:0 chroma DC (8.5.11) of one 8x8 chroma component: dc[by*2 + bx] = c[0]
 * of its four 4x4 blocks (raster). forward: H2 * dc * H2 with H2 = [1 1; 1 -1]
 * (range +-16320; no halving: H2 * H2 = 2I and 8.5.11.2 divides by 32 rather
 * than 64). quant: as the luma DC (shift 16 + qpc/6, clamped), returns the
 * nonzero count. dequant: dcC = ((H2 * c * H2) * LevelScale4x4(qpc % 6, 0, 0)
 * << (qpc / 6)) >> 5, exactly 8.5.11.2, raster out. qpc = QPc (0..39).
 */
void avila_h264_chroma_dc_forward(int16_t dc[4]);
int avila_h264_chroma_dc_quant(int16_t dc[4], int qpc, bool intra);

/*
 * The largest SAD of a 4x4 residual block for which avila_h264_quant4x4 at
 * qp certainly gives only zero levels, and the largest SAD of an 8x8 chroma
 * residual for which avila_h264_chroma_dc_quant at qpc does. A coefficient
 * of the core transform is at most the SAD times the largest product of
 * its basis rows (1, 2 or 4 by position class), and the DC of the 2x2 chroma
 * transform at most the 8x8 SAD, so a skip decision can avoid the
 * transform for small residuals.
 */
int avila_h264_zero_sad4x4(int qp, bool intra);
int avila_h264_zero_sad_chroma_dc(int qpc, bool intra);
void avila_h264_chroma_dc_dequant(int16_t dc[4], int qpc);

#endif
