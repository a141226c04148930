/*
 * media/h264/transform.c - H.264 4x4 transform, quantisation and scaling
 * (ITU-T H.264 (08/2021) 8.5.6, 8.5.8-8.5.12); the contract is in
 * media/h264/transform.h. Portable C, and the run-time choice between it and
 * the x86 variants of the 4x4 and batched kernels (media/h264/transform_x86.c),
 * made once per process. Pure.
 */
#include "media/h264/transform.h"

#include "core/cpu.h"
#include "media/h264/transform_int.h"

/* Table 8-13, zig-zag column: scan index -> raster index v*4 + u. */
const uint8_t avila_h264_zigzag4x4[16] = {0, 1, 4, 8, 5, 2, 3, 6, 9, 12, 13, 10, 7, 11, 14, 15};

/* Table 8-15: QPc for qPI = 30..51 (below 30, QPc = qPI). */
static const uint8_t qpc_high[22] = {29, 30, 31, 32, 32, 33, 34, 34, 35, 35, 36,
                                     36, 37, 37, 37, 38, 38, 38, 39, 39, 39, 39};

/*
 * normAdjust4x4(m, i, j) (8.5.9, equation 8-315) expanded to the 16 raster
 * positions: v0 where both indices are even, v1 where both are odd, v2
 * elsewhere, with (v0, v1, v2) per m = qp % 6 from Table 8-14's v matrix.
 */
#define NA_ROW(a, b, c)                                                                            \
    {                                                                                              \
        a, c, a, c, c, b, c, b, a, c, a, c, c, b, c, b                                             \
    }
const uint8_t avila_h264_norm_adjust[6][16] = {
    NA_ROW(10, 16, 13), NA_ROW(11, 18, 14), NA_ROW(13, 20, 16),
    NA_ROW(14, 23, 18), NA_ROW(16, 25, 20), NA_ROW(18, 29, 23),
};

/*
 * Forward multipliers MF, the encoder's counterpart of normAdjust4x4, same
 * position classes: MF * v ~ 2^17 * w with w = 1, 16/25, 4/5 for the three
 * classes (the squared norms of the rows of Cf relative to the inverse
 * transform's), so that dequantising a level (c * MF) >> (15 + qp/6) gives
 * c * 64 / (squared norm) back, which the >> 6 of 8.5.12.2 expects.
 */
const uint16_t avila_h264_quant_mf[6][16] = {
    NA_ROW(13107, 5243, 8066), NA_ROW(11916, 4660, 7490), NA_ROW(10082, 4194, 6554),
    NA_ROW(9362, 3647, 5825),  NA_ROW(8192, 3355, 5243),  NA_ROW(7282, 2893, 4559),
};

static inline int32_t clamp_i16(int32_t x)
{
    return x < -32768 ? -32768 : x > 32767 ? 32767 : x;
}

static inline uint8_t clip_pixel(int32_t x)
{
    return (uint8_t)(x < 0 ? 0 : x > 255 ? 255 : x);
}

int avila_h264_chroma_qp(int qp, int chroma_qp_index_offset)
{
    int qpi = qp + chroma_qp_index_offset;
    if (qpi < 0)
        qpi = 0;
    if (qpi > 51)
        qpi = 51;
    return qpi < 30 ? qpi : qpc_high[qpi - 30];
}

static inline void fdct4x4_portable(int16_t c[16], const uint8_t *src, ptrdiff_t src_stride,
                                    const uint8_t *pred, ptrdiff_t pred_stride)
{
    int32_t t[16];
    /* Rows: horizontal 1-D transform of each residual row. */
    for (int y = 0; y < 4; y++) {
        const uint8_t *s = src + y * src_stride;
        const uint8_t *p = pred + y * pred_stride;
        int32_t d0 = s[0] - p[0], d1 = s[1] - p[1], d2 = s[2] - p[2], d3 = s[3] - p[3];
        int32_t s03 = d0 + d3, s12 = d1 + d2, d03 = d0 - d3, d12 = d1 - d2;
        t[y * 4 + 0] = s03 + s12;
        t[y * 4 + 1] = 2 * d03 + d12;
        t[y * 4 + 2] = s03 - s12;
        t[y * 4 + 3] = d03 - 2 * d12;
    }
    /* Columns. */
    for (int x = 0; x < 4; x++) {
        int32_t s03 = t[x] + t[12 + x], s12 = t[4 + x] + t[8 + x];
        int32_t d03 = t[x] - t[12 + x], d12 = t[4 + x] - t[8 + x];
        c[x] = (int16_t)(s03 + s12);
        c[4 + x] = (int16_t)(2 * d03 + d12);
        c[8 + x] = (int16_t)(s03 - s12);
        c[12 + x] = (int16_t)(d03 - 2 * d12);
    }
}

/* idct4x4_add with the prediction read from pred: dst = Clip1(pred + residual); pred may be dst. */
static inline void idct4x4_pred_portable(uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *pred,
                                         ptrdiff_t pred_stride, int16_t c[16])
{
    int32_t f[16];
    /* 8.5.12.2: each (horizontal) row first, equations 8-338..8-345. */
    for (int i = 0; i < 4; i++) {
        const int16_t *d = c + (ptrdiff_t)i * 4;
        int32_t e0 = d[0] + d[2];
        int32_t e1 = d[0] - d[2];
        int32_t e2 = (d[1] >> 1) - d[3];
        int32_t e3 = d[1] + (d[3] >> 1);
        f[i * 4 + 0] = e0 + e3;
        f[i * 4 + 1] = e1 + e2;
        f[i * 4 + 2] = e1 - e2;
        f[i * 4 + 3] = e0 - e3;
    }
    /* Then each (vertical) column, 8-346..8-353, and 8-354 with Clip1. */
    for (int j = 0; j < 4; j++) {
        int32_t g0 = f[j] + f[8 + j];
        int32_t g1 = f[j] - f[8 + j];
        int32_t g2 = (f[4 + j] >> 1) - f[12 + j];
        int32_t g3 = f[4 + j] + (f[12 + j] >> 1);
        int32_t r[4] = {g0 + g3, g1 + g2, g1 - g2, g0 - g3};
        for (int i = 0; i < 4; i++)
            dst[i * dst_stride + j] = clip_pixel(pred[i * pred_stride + j] + ((r[i] + 32) >> 6));
    }
    for (int k = 0; k < 16; k++)
        c[k] = (int16_t)clamp_i16(f[k]);
}

static void idct4x4_add_portable(uint8_t *dst, ptrdiff_t stride, int16_t c[16])
{
    idct4x4_pred_portable(dst, stride, dst, stride, c);
}

/* One dead-zone quantisation: sign(x) * min(LEVEL_MAX, (|x| * mf + f) >> shift). */
static inline int32_t quant1(int32_t x, int32_t mf, int32_t f, int shift)
{
    int32_t a = x < 0 ? -x : x;
    int32_t l = (a * mf + f) >> shift;
    if (l > AVILA_H264_LEVEL_MAX)
        l = AVILA_H264_LEVEL_MAX;
    return x < 0 ? -l : l;
}

static inline int quant4x4_portable(int16_t c[16], int qp, bool intra, int first)
{
    const uint16_t *mf = avila_h264_quant_mf[qp % 6];
    int shift = 15 + qp / 6;
    int32_t f = avila_h264_quant_rounding(shift, qp, intra);
    int nz = 0;
    for (int k = first; k < 16; k++) {
        int32_t l = quant1(c[k], mf[k], f, shift);
        c[k] = (int16_t)l;
        nz += l != 0;
    }
    return nz;
}

static inline void dequant4x4_portable(int16_t c[16], int qp, int first)
{
    const uint8_t *v = avila_h264_norm_adjust[qp % 6];
    int q6 = qp / 6;
    /* 8.5.12.1 with LevelScale4x4 = 16 * v: for qp >= 24 the result is
     * (c * 16v) << (q6 - 4); below, (c * 16v + 2^(3 - q6)) >> (4 - q6). Both
     * equal (c * v) << q6 exactly, since 16v is a multiple of 2^(4 - q6) and
     * the rounding term is below that divisor. */
    for (int k = first; k < 16; k++)
        c[k] = (int16_t)clamp_i16((int32_t)(c[k] * v[k]) * (1 << q6));
}

static void fdct8x8_portable(int16_t c[4][16], const uint8_t *src, ptrdiff_t src_stride,
                             const uint8_t *pred, ptrdiff_t pred_stride)
{
    for (unsigned b = 0; b < 4; b++) {
        ptrdiff_t ox = (ptrdiff_t)(b & 1) * 4, oy = (ptrdiff_t)(b >> 1) * 4;
        fdct4x4_portable(c[b], src + oy * src_stride + ox, src_stride, pred + oy * pred_stride + ox,
                         pred_stride);
    }
}

static uint32_t quant_blocks_portable(int16_t (*c)[16], unsigned n, int qp, bool intra, int first,
                                      uint8_t *nz)
{
    return avila_h264_quant_blocks_with(quant4x4_portable, c, n, qp, intra, first, nz);
}

static void scan_blocks_portable(int16_t *out, size_t out_stride, const int16_t (*c)[16],
                                 unsigned n, uint32_t mask, int first)
{
    for (unsigned b = 0; b < n; b++)
        if (mask >> b & 1)
            for (int k = first; k < 16; k++)
                out[b * out_stride + (size_t)(k - first)] = c[b][avila_h264_zigzag4x4[k]];
}

static void recon8x8_portable(uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *pred,
                              ptrdiff_t pred_stride, int16_t c[4][16], uint32_t mask, int qp,
                              int first)
{
    /* A quadrant without residual (common in inter pictures): eight row copies. */
    if (!(mask & 15)) {
        avila_h264_copy_block(dst, dst_stride, pred, pred_stride, 8, 8);
        return;
    }
    for (unsigned b = 0; b < 4; b++) {
        ptrdiff_t ox = (ptrdiff_t)(b & 1) * 4, oy = (ptrdiff_t)(b >> 1) * 4;
        uint8_t *d = dst + oy * dst_stride + ox;
        const uint8_t *p = pred + oy * pred_stride + ox;
        if (mask >> b & 1) {
            dequant4x4_portable(c[b], qp, first);
            idct4x4_pred_portable(d, dst_stride, p, pred_stride, c[b]);
        } else {
            avila_h264_copy_block(d, dst_stride, p, pred_stride, 4, 4);
        }
    }
}

const avila_h264_transform_ops avila_h264_transform_portable = {
    .fdct4x4 = fdct4x4_portable,
    .idct4x4_add = idct4x4_add_portable,
    .quant4x4 = quant4x4_portable,
    .dequant4x4 = dequant4x4_portable,
    .fdct8x8 = fdct8x8_portable,
    .quant_blocks = quant_blocks_portable,
    .scan_blocks = scan_blocks_portable,
    .recon8x8 = recon8x8_portable,
};

/* The chosen variant, NULL until the first call of avila_h264_transform_best. */
static const avila_h264_transform_ops *chosen;

static const avila_h264_transform_ops *choose(void)
{
    const avila_h264_transform_ops *ops = &avila_h264_transform_portable;
#if AVILA_X86_64
    uint32_t f = avila_cpu_features();
    /* The AVX2 set includes SSE4 functions. */
    if ((f & (AVILA_CPU_AVX2 | AVILA_CPU_SSE42)) == (AVILA_CPU_AVX2 | AVILA_CPU_SSE42))
        ops = &avila_h264_transform_avx2;
    else if (f & AVILA_CPU_SSE42)
        ops = &avila_h264_transform_sse4;
#endif
    /* Racing threads store the same pointer. */
    __atomic_store_n(&chosen, ops, __ATOMIC_RELAXED);
    return ops;
}

const avila_h264_transform_ops *avila_h264_transform_best(void)
{
    const avila_h264_transform_ops *ops = __atomic_load_n(&chosen, __ATOMIC_RELAXED);
    return AVILA_LIKELY(ops != NULL) ? ops : choose();
}

void avila_h264_fdct4x4(int16_t c[16], const uint8_t *src, ptrdiff_t src_stride,
                        const uint8_t *pred, ptrdiff_t pred_stride)
{
    avila_h264_transform_best()->fdct4x4(c, src, src_stride, pred, pred_stride);
}

void avila_h264_idct4x4_add(uint8_t *dst, ptrdiff_t stride, int16_t c[16])
{
    avila_h264_transform_best()->idct4x4_add(dst, stride, c);
}

int avila_h264_quant4x4(int16_t c[16], int qp, bool intra, int first)
{
    return avila_h264_transform_best()->quant4x4(c, qp, intra, first);
}

void avila_h264_dequant4x4(int16_t c[16], int qp, int first)
{
    avila_h264_transform_best()->dequant4x4(c, qp, first);
}

void avila_h264_fdct8x8(int16_t c[4][16], const uint8_t *src, ptrdiff_t src_stride,
                        const uint8_t *pred, ptrdiff_t pred_stride)
{
    avila_h264_transform_best()->fdct8x8(c, src, src_stride, pred, pred_stride);
}

void avila_h264_fdct16x16(int16_t c[16][16], const uint8_t *src, ptrdiff_t src_stride,
                          const uint8_t *pred, ptrdiff_t pred_stride)
{
    const avila_h264_transform_ops *ops = avila_h264_transform_best();
    for (size_t q = 0; q < 4; q++) {
        ptrdiff_t ox = (ptrdiff_t)(q & 1) * 8, oy = (ptrdiff_t)(q >> 1) * 8;
        ops->fdct8x8(c + 4 * q, src + oy * src_stride + ox, src_stride,
                     pred + oy * pred_stride + ox, pred_stride);
    }
}

uint32_t avila_h264_quant_blocks(int16_t (*c)[16], unsigned n, int qp, bool intra, int first,
                                 uint8_t *nz)
{
    return avila_h264_transform_best()->quant_blocks(c, n, qp, intra, first, nz);
}

void avila_h264_scan_blocks(int16_t *out, size_t out_stride, const int16_t (*c)[16], unsigned n,
                            uint32_t mask, int first)
{
    avila_h264_transform_best()->scan_blocks(out, out_stride, c, n, mask, first);
}

void avila_h264_recon8x8(uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *pred,
                         ptrdiff_t pred_stride, int16_t c[4][16], uint32_t mask, int qp, int first)
{
    avila_h264_transform_best()->recon8x8(dst, dst_stride, pred, pred_stride, c, mask, qp, first);
}

void avila_h264_recon16x16(uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *pred,
                           ptrdiff_t pred_stride, int16_t c[16][16], uint32_t mask, int qp,
                           int first)
{
    const avila_h264_transform_ops *ops = avila_h264_transform_best();
    for (size_t q = 0; q < 4; q++) {
        ptrdiff_t ox = (ptrdiff_t)(q & 1) * 8, oy = (ptrdiff_t)(q >> 1) * 8;
        ops->recon8x8(dst + oy * dst_stride + ox, dst_stride, pred + oy * pred_stride + ox,
                      pred_stride, c + 4 * q, mask >> (4 * q), qp, first);
    }
}

/* The 4x4 Hadamard of 8.5.10 (rows of the matrix in frequency order), in
 * place on 32-bit values: out = H * in * H (H symmetric). */
static void hadamard4x4(int32_t m[16])
{
    for (int i = 0; i < 4; i++) {
        int32_t *r = m + (ptrdiff_t)i * 4;
        int32_t a = r[0] + r[1], b = r[2] + r[3], d = r[0] - r[1], e = r[2] - r[3];
        r[0] = a + b;
        r[1] = a - b;
        r[2] = d - e;
        r[3] = d + e;
    }
    for (int j = 0; j < 4; j++) {
        int32_t a = m[j] + m[4 + j], b = m[8 + j] + m[12 + j];
        int32_t d = m[j] - m[4 + j], e = m[8 + j] - m[12 + j];
        m[j] = a + b;
        m[4 + j] = a - b;
        m[8 + j] = d - e;
        m[12 + j] = d + e;
    }
}

void avila_h264_luma_dc_forward(int16_t dc[16])
{
    int32_t m[16];
    for (int k = 0; k < 16; k++)
        m[k] = dc[k];
    hadamard4x4(m);
    for (int k = 0; k < 16; k++) {
        int32_t x = m[k];
        x = x < 0 ? -((1 - x) >> 1) : (x + 1) >> 1;
        dc[k] = (int16_t)clamp_i16(x);
    }
}

/* Quantises n DC coefficients in place, one step coarser than AC (the DC transforms' gain). */
static int quant_dc(int16_t *dc, int n, int qp, bool intra)
{
    int32_t mf = avila_h264_quant_mf[qp % 6][0];
    int shift = 16 + qp / 6;
    int32_t f = avila_h264_quant_rounding(shift, qp, intra);
    int nz = 0;
    for (int k = 0; k < n; k++) {
        int32_t l = quant1(dc[k], mf, f, shift);
        dc[k] = (int16_t)l;
        nz += l != 0;
    }
    return nz;
}

int avila_h264_luma_dc_quant(int16_t dc[16], int qp, bool intra)
{
    return quant_dc(dc, 16, qp, intra);
}

void avila_h264_luma_dc_dequant(int16_t dc[16], int qp)
{
    int32_t m[16];
    for (int k = 0; k < 16; k++)
        m[k] = dc[k];
    hadamard4x4(m);
    int32_t ls = 16 * avila_h264_norm_adjust[qp % 6][0];
    int q6 = qp / 6;
    for (int k = 0; k < 16; k++) {
        int32_t x;
        if (qp >= 36)
            x = (m[k] * ls) * (1 << (q6 - 6));
        else
            x = (m[k] * ls + (1 << (5 - q6))) >> (6 - q6);
        dc[k] = (int16_t)clamp_i16(x);
    }
}

void avila_h264_chroma_dc_forward(int16_t dc[4])
{
    int32_t a = dc[0] + dc[1], b = dc[2] + dc[3], d = dc[0] - dc[1], e = dc[2] - dc[3];
    dc[0] = (int16_t)(a + b);
    dc[1] = (int16_t)(d + e);
    dc[2] = (int16_t)(a - b);
    dc[3] = (int16_t)(d - e);
}

int avila_h264_chroma_dc_quant(int16_t dc[4], int qpc, bool intra)
{
    return quant_dc(dc, 4, qpc, intra);
}

/* Largest a with (a * weight + f) >> shift == 0 (f < 2^shift, so at least 0). */
static int zero_bound(int32_t weight, int32_t f, int shift)
{
    return (int)(((int32_t)1 << shift) - f - 1) / weight;
}

int avila_h264_zero_sad4x4(int qp, bool intra)
{
    const uint16_t *mf = avila_h264_quant_mf[qp % 6];
    int shift = 15 + qp / 6;
    int32_t worst = 0;
    for (int k = 0; k < 16; k++) {
        int32_t w = (int32_t)mf[k] * ((k & 1) ? 2 : 1) * ((k & 4) ? 2 : 1);
        worst = w > worst ? w : worst;
    }
    int32_t f = avila_h264_quant_rounding(shift, qp, intra);
    return zero_bound(worst, f, shift);
}

int avila_h264_zero_sad_chroma_dc(int qpc, bool intra)
{
    int shift = 16 + qpc / 6;
    int32_t f = avila_h264_quant_rounding(shift, qpc, intra);
    return zero_bound(avila_h264_quant_mf[qpc % 6][0], f, shift);
}

void avila_h264_chroma_dc_dequant(int16_t dc[4], int qpc)
{
    int32_t a = dc[0] + dc[1], b = dc[2] + dc[3], d = dc[0] - dc[1], e = dc[2] - dc[3];
    int32_t f[4] = {a + b, d + e, a - b, d - e};
    int32_t ls = 16 * avila_h264_norm_adjust[qpc % 6][0];
    int q6 = qpc / 6;
    for (int k = 0; k < 4; k++)
        dc[k] = (int16_t)clamp_i16(((f[k] * ls) * (1 << q6)) >> 5);
}
