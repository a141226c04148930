/*
 * media/h264/mc.h - inter prediction samples for the H.264 encoder: edge
 * padding of reference planes, the half-sample planes of a reference
 * picture, luma quarter-sample and chroma eighth-sample prediction, and the
 * motion vector bounds that keep every read inside the padding.
 *
 * Follows ITU-T H.264 (08/2021) 8.4.2.2 (fractional sample interpolation):
 * 8.4.2.2.1 for luma (6-tap half samples b, h, j; quarter samples as the
 * rounded average of two neighbours) and 8.4.2.2.2 for 4:2:0 chroma
 * (bilinear in eighths). The decoder clamps reference coordinates into the
 * picture (Clip3 of xIntL + xDZL in 8.4.2.2.1); edge replication into a border gives
 * the same samples, so an encoder that reads within the border predicts
 * exactly what a decoder will. Pure; no function fails.
 */
#ifndef AVILA_MEDIA_H264_MC_H
#define AVILA_MEDIA_H264_MC_H

#include "core/platform.h"

/* Border samples around each reference luma plane (full and half planes). */
#define AVILA_H264_PAD_LUMA 32
/* Border samples around each reference chroma plane (>= AVILA_H264_PAD_LUMA / 2). */
#define AVILA_H264_PAD_CHROMA 16
/* The horizontal motion vector range of Table A-1, in quarter samples. */
#define AVILA_H264_MV_H_MIN (-8192)
#define AVILA_H264_MV_H_MAX 8191

/*
 * Replicates the edge samples of the w x h picture at p (sample (0, 0); rows
 * stride bytes apart) into a border of pad samples on every side: the plane's
 * memory must cover rows -pad .. h + pad - 1 and columns -pad .. w + pad - 1.
 * w, h >= 1.
 */
void avila_h264_pad_plane(uint8_t *p, ptrdiff_t stride, unsigned w, unsigned h, unsigned pad);

/*
 * avila_h264_pad_plane for rows [y0, y1) of the picture only (y0 < y1 <= h):
 * their side borders, and the top border if y0 is 0, the bottom one if y1
 * is h. Bands of rows may be padded apart, each once it is final; together
 * they write what one avila_h264_pad_plane call does.
 */
void avila_h264_pad_rows(uint8_t *p, ptrdiff_t stride, unsigned w, unsigned h, unsigned pad,
                         unsigned y0, unsigned y1);

/*
 * Computes the three half-sample planes of a padded full-sample plane
 * (8.4.2.2.1): h gets b (horizontal half, Clip1((b1 + 16) >> 5)), v gets h
 * (vertical half), c gets j (centre, from the unrounded intermediates:
 * Clip1((j1 + 512) >> 10)); sample (x, y) of each is the half sample right
 * of / below / right of and below full sample (x, y). Written for every
 * position of the w x height picture extended by pad - 3 on each side (so MVs
 * that reach into the border stay valid); the outer 3 border samples of h, v,
 * c are left untouched. All four planes share stride and the layout of full
 * (pointers at sample (0, 0), border pad >= 4, full already padded).
 */
void avila_h264_mc_hpel(uint8_t *h, uint8_t *v, uint8_t *c, const uint8_t *full, ptrdiff_t stride,
                        unsigned w, unsigned height, unsigned pad);

/*
 * avila_h264_mc_hpel for band `band` (0 .. bands - 1) of the rows it
 * writes, cut in bands of near-equal height: each row depends only on full,
 * so bands may run on different threads at once, and all of them together
 * write what one avila_h264_mc_hpel call does.
 */
void avila_h264_mc_hpel_band(uint8_t *h, uint8_t *v, uint8_t *c, const uint8_t *full,
                             ptrdiff_t stride, unsigned w, unsigned height, unsigned pad,
                             unsigned band, unsigned bands);

/*
 * Luma prediction of a w x h block (w, h in {4, 8, 16}) at quarter-sample mv
 * (mvx, mvy), relative to the block: planes[0..3] = full, h, v, c (as made by
 * avila_h264_mc_hpel), each pointing at the block's co-located sample (x, y)
 * in its plane. Writes w x h samples to dst. The caller guarantees the MV is
 * within avila_h264_mv_bounds for this block.
 */
void avila_h264_mc_luma(uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *const planes[4],
                        ptrdiff_t stride, int mvx, int mvy, unsigned w, unsigned h);

/*
 * The luma prediction at quarter-sample mv (mvx, mvy) in place, as
 * avila_h264_mc_luma takes planes and stride: when both components are
 * even (whole and half samples, which the planes hold), a pointer into one
 * of the planes to read the block from, rows stride apart, with no copy.
 * NULL when the position averages two planes (avila_h264_mc_luma then).
 */
const uint8_t *avila_h264_mc_luma_at(const uint8_t *const planes[4], ptrdiff_t stride, int mvx,
                                     int mvy);

/*
 * The chroma prediction at the luma quarter-sample mv in place, as
 * avila_h264_mc_chroma takes src and stride: when the vector points at
 * whole chroma samples (both components multiples of 8), a pointer into
 * the plane; NULL otherwise (avila_h264_mc_chroma then).
 */
const uint8_t *avila_h264_mc_chroma_at(const uint8_t *src, ptrdiff_t stride, int mvx, int mvy);

/*
 * Chroma (4:2:0, frame) prediction of a w x h block (w, h in {2, 4, 8}) at
 * the LUMA quarter-sample mv, which is the chroma mv in eighths (8.4.1.4):
 * ((8 - xF)(8 - yF) A + xF (8 - yF) B + (8 - xF) yF C + xF yF D + 32) >> 6
 * (8.4.2.2.2). src points at the block's co-located sample in a padded chroma
 * plane; the mv must be within the luma block's avila_h264_mv_bounds.
 */
void avila_h264_mc_chroma(uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *src, ptrdiff_t stride,
                          int mvx, int mvy, unsigned w, unsigned h);

/*
 * Quarter-sample MV bounds (inclusive) for the luma block at (x, y) of size
 * w x h in a pic_w x pic_h picture whose planes have pad (>= 4) samples of
 * border: every mv in [mv_min, mv_max] makes avila_h264_mc_luma read only
 * the written part of the half planes, and avila_h264_mc_chroma only a
 * border of pad / 2 around the chroma planes. Also intersected with the
 * horizontal range of Table A-1 ([-2048, 2047.75] samples: [-8192, 8191])
 * and the level's vertical range max_vmv (quarter samples, MaxVmvR * 4:
 * mv_y in [-max_vmv, max_vmv - 1]). The zero mv is always inside.
 */
void avila_h264_mv_bounds(int16_t mv_min[2], int16_t mv_max[2], unsigned x, unsigned y, unsigned w,
                          unsigned h, unsigned pic_w, unsigned pic_h, unsigned pad, int max_vmv);

#endif
