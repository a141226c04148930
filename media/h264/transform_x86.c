/*
 * media/h264/transform_x86.c - SSE (SSSE3/SSE4.1) and AVX2 versions of the
 * 4x4 kernels of media/h264/transform.h (x86-64 only), bit-identical to the
 * portable C of media/h264/transform.c:
 *
 * - forward core transform: the residual in 16-bit lanes, two rows per
 *   register; one butterfly pass down the columns, a transpose, the same
 *   pass again, a transpose back. The transform has no rounding, so the
 *   order of the passes does not matter, and every intermediate is within
 *   +-9180 (transform.h), so 16 bits are exact;
 * - quantiser: |c| * MF + f formed exactly in 32-bit lanes from PMULLW and
 *   PMULHUW (|c| <= 32768, MF < 2^14: below 2^31), shifted, packed back,
 *   clamped, signed with PSIGNW; the nonzero count from a compare mask;
 * - scaling (8.5.12.1): c * v in 32 bits from PMULLW / PMULHW, shifted and
 *   packed with signed saturation, which is the int16 clamp;
 * - inverse transform (8.5.12.2): 16-bit lanes when every coefficient is
 *   within +-2048 (intermediates then stay below 2^15), otherwise 32-bit
 *   lanes as the portable code, so that even coefficients far outside a
 *   conforming stream's range give the same result; Clip1 by saturating
 *   packs.
 *
 * - the batched kernels: the forward transform of two blocks side by side
 *   in each vector (a pass down the columns, a transpose, a pass along the
 *   rows, a transpose back); the quantiser and the reconstruction as loops
 *   over the 4x4 kernels; the zig-zag scan by byte shuffles.
 *
 * The AVX2 set quantises and scales all 16 coefficients in one register and
 * shares the transforms and the scan with the SSE set. Pure.
 */
#include "media/h264/transform_int.h"

#if AVILA_X86_64
#include "media/h264/simd_x86_int.h"

/* ---------------------------------------------------------------- SSE */

/* Two rows of 4 samples (p and p + s), widened to 16 bits: row 0 | row 1. */
static inline SSE __m128i rows2(const uint8_t *p, ptrdiff_t s)
{
    return _mm_cvtepu8_epi16(_mm_unpacklo_epi32(load32(p), load32(p + s)));
}

/*
 * Transposes the 4x4 block of 16-bit values held as *a = row 0 | row 1,
 * *b = row 2 | row 3 into *a = column 0 | column 1, *b = column 2 | column 3.
 */
static inline SSE void transpose16(__m128i *a, __m128i *b)
{
    __m128i t0 = _mm_unpacklo_epi16(*a, *b); /* r0[0] r2[0] r0[1] r2[1] ... */
    __m128i t1 = _mm_unpackhi_epi16(*a, *b); /* r1[0] r3[0] r1[1] r3[1] ... */
    *a = _mm_unpacklo_epi16(t0, t1);
    *b = _mm_unpackhi_epi16(t0, t1);
}

/*
 * One pass of the forward core transform Cf down the columns of the block
 * held as *a = row 0 | row 1, *b = row 2 | row 3; the result rows (vertical
 * frequencies 0..3) in the same layout.
 */
static inline SSE void forward_pass(__m128i *a, __m128i *b)
{
    __m128i r32 = _mm_shuffle_epi32(*b, 0x4E);                  /* row 3 | row 2 */
    __m128i s = _mm_add_epi16(*a, r32);                         /* s03 | s12 */
    __m128i d = _mm_sub_epi16(*a, r32);                         /* d03 | d12 */
    __m128i u = _mm_unpacklo_epi64(s, d);                       /* s03 | d03 */
    __m128i v = _mm_unpackhi_epi64(s, d);                       /* s12 | d12 */
    __m128i u2 = _mm_blend_epi16(u, _mm_add_epi16(u, u), 0xF0); /* s03 | 2 d03 */
    __m128i v2 = _mm_blend_epi16(v, _mm_add_epi16(v, v), 0xF0); /* s12 | 2 d12 */
    *a = _mm_add_epi16(u2, v);                                  /* s03 + s12 | 2 d03 + d12 */
    *b = _mm_sub_epi16(u, v2);                                  /* s03 - s12 | d03 - 2 d12 */
}

static SSE void sse_fdct4x4(int16_t c[16], const uint8_t *src, ptrdiff_t src_stride,
                            const uint8_t *pred, ptrdiff_t pred_stride)
{
    __m128i a = _mm_sub_epi16(rows2(src, src_stride), rows2(pred, pred_stride));
    __m128i b = _mm_sub_epi16(rows2(src + 2 * src_stride, src_stride),
                              rows2(pred + 2 * pred_stride, pred_stride));
    forward_pass(&a, &b);
    transpose16(&a, &b);
    forward_pass(&a, &b);
    transpose16(&a, &b);
    storeu128(c, a);
    storeu128(c + 8, b);
}

/* Transposes the 4x4 block of 32-bit values r[0..3] (one row each) in place. */
static inline SSE void transpose32(__m128i r[4])
{
    __m128i t0 = _mm_unpacklo_epi32(r[0], r[1]), t1 = _mm_unpacklo_epi32(r[2], r[3]);
    __m128i t2 = _mm_unpackhi_epi32(r[0], r[1]), t3 = _mm_unpackhi_epi32(r[2], r[3]);
    r[0] = _mm_unpacklo_epi64(t0, t1);
    r[1] = _mm_unpackhi_epi64(t0, t1);
    r[2] = _mm_unpacklo_epi64(t2, t3);
    r[3] = _mm_unpackhi_epi64(t2, t3);
}

/*
 * The 1-D inverse transform of 8.5.12.2 across four 32-bit vectors
 * x[0..3] (element k of the transform in x[k], four transforms side by side).
 */
static inline SSE void inverse_pass(__m128i x[4])
{
    __m128i e0 = _mm_add_epi32(x[0], x[2]);
    __m128i e1 = _mm_sub_epi32(x[0], x[2]);
    __m128i e2 = _mm_sub_epi32(_mm_srai_epi32(x[1], 1), x[3]);
    __m128i e3 = _mm_add_epi32(x[1], _mm_srai_epi32(x[3], 1));
    x[0] = _mm_add_epi32(e0, e3);
    x[1] = _mm_add_epi32(e1, e2);
    x[2] = _mm_sub_epi32(e1, e2);
    x[3] = _mm_sub_epi32(e0, e3);
}

/*
 * The 1-D inverse transform of 8.5.12.2 in 16-bit lanes on *a = x0 | x1,
 * *b = x2 | x3 (four transforms side by side in each quarter), result
 * *a = y0 | y1, *b = y2 | y3.
 */
static inline SSE void inverse_pass16(__m128i *a, __m128i *b)
{
    __m128i ah = _mm_blend_epi16(*a, _mm_srai_epi16(*a, 1), 0xF0); /* x0 | x1 >> 1 */
    __m128i bh = _mm_blend_epi16(*b, _mm_srai_epi16(*b, 1), 0xF0); /* x2 | x3 >> 1 */
    __m128i p = _mm_add_epi16(*a, bh);                             /* e0 | e3 */
    __m128i q = _mm_sub_epi16(ah, *b);                             /* e1 | e2 */
    __m128i ps = _mm_shuffle_epi32(p, 0x4E), qs = _mm_shuffle_epi32(q, 0x4E);
    *a = _mm_unpacklo_epi64(_mm_add_epi16(p, ps), _mm_add_epi16(q, qs)); /* e0 + e3 | e1 + e2 */
    *b = _mm_unpacklo_epi64(_mm_sub_epi16(q, qs), _mm_sub_epi16(p, ps)); /* e1 - e2 | e0 - e3 */
}

/* Stores the four 32-bit lanes of px (a 4x4 block of samples) as four rows. */
static inline SSE void store_rows4(uint8_t *dst, ptrdiff_t stride, __m128i px)
{
    store32(dst, _mm_cvtsi128_si32(px));
    store32(dst + stride, _mm_extract_epi32(px, 1));
    store32(dst + 2 * stride, _mm_extract_epi32(px, 2));
    store32(dst + 3 * stride, _mm_extract_epi32(px, 3));
}

/*
 * The inverse transform and reconstruction in 16-bit lanes, exact when every
 * |c| <= 2048: then |f| <= 3.5 * 2048 + 1 after the rows and
 * |r| + 32 <= 3.5 * 7169 + 33 < 2^15 after the columns.
 */
static inline SSE void idct_add16(uint8_t *dst, ptrdiff_t ds, const uint8_t *pred, ptrdiff_t ps,
                                  int16_t c[16], __m128i a, __m128i b)
{
    transpose16(&a, &b); /* column 0 | column 1, column 2 | column 3 */
    inverse_pass16(&a, &b);
    transpose16(&a, &b); /* rows of f */
    storeu128(c, a);
    storeu128(c + 8, b);
    inverse_pass16(&a, &b); /* rows of r */
    const __m128i rnd = _mm_set1_epi16(32);
    a = _mm_srai_epi16(_mm_add_epi16(a, rnd), 6);
    b = _mm_srai_epi16(_mm_add_epi16(b, rnd), 6);
    __m128i z = _mm_setzero_si128();
    __m128i p01 = _mm_unpacklo_epi32(load32(pred), load32(pred + ps));
    __m128i p23 = _mm_unpacklo_epi32(load32(pred + 2 * ps), load32(pred + 3 * ps));
    a = _mm_add_epi16(a, _mm_unpacklo_epi8(p01, z));
    b = _mm_add_epi16(b, _mm_unpacklo_epi8(p23, z));
    store_rows4(dst, ds, _mm_packus_epi16(a, b)); /* Clip1 */
}

/* True when every coefficient of the block held in a and b is within -2048..2047 (idct_add16). */
static inline SSE bool fits16(__m128i a, __m128i b)
{
    /* c ^ (c >> 15) is c for c >= 0 and -c - 1 below: all in 0..2047 iff every c in -2048..2047. */
    __m128i m = _mm_or_si128(_mm_xor_si128(a, _mm_srai_epi16(a, 15)),
                             _mm_xor_si128(b, _mm_srai_epi16(b, 15)));
    return _mm_testz_si128(m, _mm_set1_epi16((int16_t)0xF800));
}

/* sse_idct4x4_add with the prediction read from pred: dst = Clip1(pred + residual); pred may be
 * dst. */
static inline SSE void sse_idct4x4_pred(uint8_t *dst, ptrdiff_t ds, const uint8_t *pred,
                                        ptrdiff_t ps, int16_t c[16])
{
    __m128i a = loadu128(c), b = loadu128(c + 8);
    if (AVILA_LIKELY(fits16(a, b))) {
        idct_add16(dst, ds, pred, ps, c, a, b);
        return;
    }
    /* Larger coefficients (high QPs, strong residuals): 32-bit lanes. */
    transpose16(&a, &b); /* column 0 | column 1, column 2 | column 3 */
    /* x[j] lane i = c[i*4 + j], widened: the row transforms side by side. */
    __m128i x[4] = {
        _mm_cvtepi16_epi32(a),
        _mm_srai_epi32(_mm_unpackhi_epi16(a, a), 16),
        _mm_cvtepi16_epi32(b),
        _mm_srai_epi32(_mm_unpackhi_epi16(b, b), 16),
    };
    inverse_pass(x);
    transpose32(x); /* x[i] = row i of f (raster f[i*4 + j] in lane j) */
    storeu128(c, _mm_packs_epi32(x[0], x[1]));
    storeu128(c + 8, _mm_packs_epi32(x[2], x[3]));
    inverse_pass(x); /* the column transforms side by side: x[i] = row i of r */
    const __m128i rnd = _mm_set1_epi32(32);
    __m128i o[4];
    for (int i = 0; i < 4; i++)
        o[i] = _mm_add_epi32(_mm_srai_epi32(_mm_add_epi32(x[i], rnd), 6),
                             _mm_cvtepu8_epi32(load32(pred + i * ps)));
    /* Both packs saturate, which is Clip1 (the sums are within int32). */
    store_rows4(dst, ds,
                _mm_packus_epi16(_mm_packs_epi32(o[0], o[1]), _mm_packs_epi32(o[2], o[3])));
}

static SSE void sse_idct4x4_add(uint8_t *dst, ptrdiff_t stride, int16_t c[16])
{
    sse_idct4x4_pred(dst, stride, dst, stride, c);
}

/*
 * sign(x) * min(LEVEL_MAX, (|x| * mf + f) >> shift) of 8 coefficients, sh
 * holding the shift count. |x| is read unsigned, so -32768 gives 32768 as
 * in the portable code.
 */
static inline SSE __m128i quant8(__m128i x, __m128i mf, __m128i f, __m128i sh)
{
    __m128i a = _mm_abs_epi16(x);
    __m128i lo = _mm_mullo_epi16(a, mf), hi = _mm_mulhi_epu16(a, mf);
    __m128i p0 = _mm_srl_epi32(_mm_add_epi32(_mm_unpacklo_epi16(lo, hi), f), sh);
    __m128i p1 = _mm_srl_epi32(_mm_add_epi32(_mm_unpackhi_epi16(lo, hi), f), sh);
    /* (2^15 * 2^14 + f) >> 15 < 2^15: the pack does not saturate. */
    __m128i l = _mm_min_epi16(_mm_packs_epi32(p0, p1), _mm_set1_epi16(AVILA_H264_LEVEL_MAX));
    return _mm_sign_epi16(l, x);
}

/* A vector keeping lane 0 (16 bits) when first is 1, nothing when it is 0. */
static inline SSE __m128i first_mask(int first)
{
    return _mm_cvtsi32_si128(first ? 0xFFFF : 0);
}

static inline SSE int sse_quant4x4(int16_t c[16], int qp, bool intra, int first)
{
    const uint16_t *mft = avila_h264_quant_mf[qp % 6];
    int shift = 15 + qp / 6;
    __m128i f = _mm_set1_epi32(avila_h264_quant_rounding(shift, qp, intra));
    __m128i sh = _mm_cvtsi32_si128(shift);
    __m128i x0 = loadu128(c), x1 = loadu128(c + 8);
    __m128i l0 = quant8(x0, loadu128(mft), f, sh);
    __m128i l1 = quant8(x1, loadu128(mft + 8), f, sh);
    l0 = _mm_blendv_epi8(l0, x0, first_mask(first));
    storeu128(c, l0);
    storeu128(c + 8, l1);
    __m128i z = _mm_setzero_si128();
    /* One bit per zero level; position 0 counts as zero when it was kept. */
    unsigned zeros = (unsigned)_mm_movemask_epi8(
        _mm_packs_epi16(_mm_cmpeq_epi16(l0, z), _mm_cmpeq_epi16(l1, z)));
    return 16 - __builtin_popcount(zeros | (unsigned)first);
}

/* (x * v) << q6 of 8 coefficients in 32 bits, clamped to int16 (sh holds q6). */
static inline SSE __m128i dequant8(__m128i x, __m128i v, __m128i sh)
{
    __m128i lo = _mm_mullo_epi16(x, v), hi = _mm_mulhi_epi16(x, v);
    __m128i p0 = _mm_sll_epi32(_mm_unpacklo_epi16(lo, hi), sh);
    __m128i p1 = _mm_sll_epi32(_mm_unpackhi_epi16(lo, hi), sh);
    return _mm_packs_epi32(p0, p1);
}

static inline SSE void sse_dequant4x4(int16_t c[16], int qp, int first)
{
    const uint8_t *v = avila_h264_norm_adjust[qp % 6];
    __m128i sh = _mm_cvtsi32_si128(qp / 6);
    __m128i x0 = loadu128(c), x1 = loadu128(c + 8);
    __m128i v0 = _mm_cvtepu8_epi16(_mm_loadl_epi64((const __m128i *)(const void *)v));
    __m128i v1 = _mm_cvtepu8_epi16(_mm_loadl_epi64((const __m128i *)(const void *)(v + 8)));
    storeu128(c, _mm_blendv_epi8(dequant8(x0, v0, sh), x0, first_mask(first)));
    storeu128(c + 8, dequant8(x1, v1, sh));
}

/* The 1-D forward core transform Cf across x[0..3] (element k in x[k], lanes side by side). */
static inline SSE void forward_pass4(__m128i x[4])
{
    __m128i s03 = _mm_add_epi16(x[0], x[3]), s12 = _mm_add_epi16(x[1], x[2]);
    __m128i d03 = _mm_sub_epi16(x[0], x[3]), d12 = _mm_sub_epi16(x[1], x[2]);
    x[0] = _mm_add_epi16(s03, s12);
    x[1] = _mm_add_epi16(_mm_add_epi16(d03, d03), d12);
    x[2] = _mm_sub_epi16(s03, s12);
    x[3] = _mm_sub_epi16(d03, _mm_add_epi16(d12, d12));
}

/*
 * Transposes two 4x4 blocks A and B of 16-bit values held side by side,
 * x[i] = row i of A | row i of B, into u[0] = column 0 | column 1 of A,
 * u[1] = columns 2 | 3 of A, u[2], u[3] the same of B.
 */
static inline SSE void transpose_pair(const __m128i x[4], __m128i u[4])
{
    __m128i t0 = _mm_unpacklo_epi16(x[0], x[1]), t1 = _mm_unpackhi_epi16(x[0], x[1]);
    __m128i t2 = _mm_unpacklo_epi16(x[2], x[3]), t3 = _mm_unpackhi_epi16(x[2], x[3]);
    u[0] = _mm_unpacklo_epi32(t0, t2);
    u[1] = _mm_unpackhi_epi32(t0, t2);
    u[2] = _mm_unpacklo_epi32(t1, t3);
    u[3] = _mm_unpackhi_epi32(t1, t3);
}

/*
 * From u as transpose_pair leaves it, x[k] = column k of A | column k of B
 * (applied to blocks held as rows 0 | 1, rows 2 | 3: row k of A | of B).
 */
static inline SSE void join_pair(const __m128i u[4], __m128i x[4])
{
    x[0] = _mm_unpacklo_epi64(u[0], u[2]);
    x[1] = _mm_unpackhi_epi64(u[0], u[2]);
    x[2] = _mm_unpacklo_epi64(u[1], u[3]);
    x[3] = _mm_unpackhi_epi64(u[1], u[3]);
}

/*
 * The forward transforms of the two 4x4 blocks side by side at src / pred
 * into c[0] (left) and c[1]: both blocks in each vector, a pass down the
 * columns, a transpose, a pass along the rows, a transpose back; exact in
 * 16 bits as sse_fdct4x4.
 */
static inline SSE void fdct_pair(int16_t c[2][16], const uint8_t *src, ptrdiff_t src_stride,
                                 const uint8_t *pred, ptrdiff_t pred_stride)
{
    __m128i x[4], u[4];
    for (int i = 0; i < 4; i++)
        x[i] = _mm_sub_epi16(_mm_cvtepu8_epi16(load64(src + i * src_stride)),
                             _mm_cvtepu8_epi16(load64(pred + i * pred_stride)));
    forward_pass4(x); /* x[v]: vertical frequency v of each column */
    transpose_pair(x, u);
    join_pair(u, x);      /* x[j]: column j of A | column j of B */
    forward_pass4(x);     /* x[h] lane v = c[v*4 + h] */
    transpose_pair(x, u); /* u: rows 0 | 1, rows 2 | 3 of each block */
    storeu128(c[0], u[0]);
    storeu128(c[0] + 8, u[1]);
    storeu128(c[1], u[2]);
    storeu128(c[1] + 8, u[3]);
}

static SSE void sse_fdct8x8(int16_t c[4][16], const uint8_t *src, ptrdiff_t src_stride,
                            const uint8_t *pred, ptrdiff_t pred_stride)
{
    fdct_pair(c, src, src_stride, pred, pred_stride);
    fdct_pair(c + 2, src + 4 * src_stride, src_stride, pred + 4 * pred_stride, pred_stride);
}

static SSE uint32_t sse_quant_blocks(int16_t (*c)[16], unsigned n, int qp, bool intra, int first,
                                     uint8_t *nz)
{
    return avila_h264_quant_blocks_with(sse_quant4x4, c, n, qp, intra, first, nz);
}

/*
 * The zig-zag scan by byte shuffles: scan positions 0..7 take raster 0..7
 * but 8 (position 3), positions 8..15 raster 8..15 but 7 (position 12).
 */
static SSE void sse_scan_blocks(int16_t *out, size_t out_stride, const int16_t (*c)[16], unsigned n,
                                uint32_t mask, int first)
{
    const __m128i lo_a = _mm_setr_epi8(0, 1, 2, 3, 8, 9, -1, -1, 10, 11, 4, 5, 6, 7, 12, 13);
    const __m128i lo_b =
        _mm_setr_epi8(-1, -1, -1, -1, -1, -1, 0, 1, -1, -1, -1, -1, -1, -1, -1, -1);
    const __m128i hi_a =
        _mm_setr_epi8(-1, -1, -1, -1, -1, -1, -1, -1, 14, 15, -1, -1, -1, -1, -1, -1);
    const __m128i hi_b = _mm_setr_epi8(2, 3, 8, 9, 10, 11, 4, 5, -1, -1, 6, 7, 12, 13, 14, 15);
    for (unsigned b = 0; b < n; b++) {
        if (!(mask >> b & 1))
            continue;
        __m128i x0 = loadu128(c[b]), x1 = loadu128(c[b] + 8);
        __m128i lo = _mm_or_si128(_mm_shuffle_epi8(x0, lo_a), _mm_shuffle_epi8(x1, lo_b));
        __m128i hi = _mm_or_si128(_mm_shuffle_epi8(x0, hi_a), _mm_shuffle_epi8(x1, hi_b));
        int16_t *o = out + b * out_stride;
        /* first = 1: scan positions 1..8, then 8..15 over the last one (15 values). */
        storeu128(o, first ? _mm_alignr_epi8(hi, lo, 2) : lo);
        storeu128(o + 8 - first, hi);
    }
}

/* The 1-D inverse transform of 8.5.12.2 across x[0..3] in 16-bit lanes (inverse_pass16's). */
static inline SSE void inverse_pass4(__m128i x[4])
{
    __m128i e0 = _mm_add_epi16(x[0], x[2]), e1 = _mm_sub_epi16(x[0], x[2]);
    __m128i e2 = _mm_sub_epi16(_mm_srai_epi16(x[1], 1), x[3]);
    __m128i e3 = _mm_add_epi16(x[1], _mm_srai_epi16(x[3], 1));
    x[0] = _mm_add_epi16(e0, e3);
    x[1] = _mm_add_epi16(e1, e2);
    x[2] = _mm_sub_epi16(e1, e2);
    x[3] = _mm_sub_epi16(e0, e3);
}

/*
 * sse_idct4x4_pred of the two blocks side by side, c[0] left and c[1], at
 * once (rows of 8 samples), when fits16 holds for both: the same 16-bit
 * arithmetic as idct_add16, both blocks in each vector.
 */
static inline SSE void idct_pair16(uint8_t *dst, ptrdiff_t ds, const uint8_t *pred, ptrdiff_t ps,
                                   int16_t c[2][16])
{
    __m128i u[4] = {loadu128(c[0]), loadu128(c[0] + 8), loadu128(c[1]), loadu128(c[1] + 8)};
    __m128i x[4];
    transpose16(&u[0], &u[1]);
    transpose16(&u[2], &u[3]);
    join_pair(u, x);      /* x[j]: coefficient column j of A | of B */
    inverse_pass4(x);     /* the row transforms: x[j] lane i = f[i*4 + j] */
    transpose_pair(x, u); /* rows 0 | 1, rows 2 | 3 of f, for A then B */
    storeu128(c[0], u[0]);
    storeu128(c[0] + 8, u[1]);
    storeu128(c[1], u[2]);
    storeu128(c[1] + 8, u[3]);
    join_pair(u, x);  /* x[i]: row i of f, A | B */
    inverse_pass4(x); /* the column transforms: x[i] = row i of r */
    const __m128i rnd = _mm_set1_epi16(32);
    for (int i = 0; i < 4; i += 2) {
        __m128i r0 = _mm_srai_epi16(_mm_add_epi16(x[i], rnd), 6);
        __m128i r1 = _mm_srai_epi16(_mm_add_epi16(x[i + 1], rnd), 6);
        r0 = _mm_add_epi16(r0, _mm_cvtepu8_epi16(load64(pred + i * ps)));
        r1 = _mm_add_epi16(r1, _mm_cvtepu8_epi16(load64(pred + (i + 1) * ps)));
        __m128i px = _mm_packus_epi16(r0, r1); /* Clip1 */
        _mm_storel_epi64((__m128i *)(void *)(dst + i * ds), px);
        _mm_storel_epi64((__m128i *)(void *)(dst + (i + 1) * ds), _mm_unpackhi_epi64(px, px));
    }
}

/*
 * recon8x8 with the dequantiser dequant: a quadrant without residual is
 * copied whole; a row of two blocks that both have residual goes through
 * idct_pair16 when their coefficients allow, otherwise block by block.
 */
static inline SSE void recon8x8_x86(avila_h264_dequant4x4_fn *dequant, uint8_t *dst, ptrdiff_t ds,
                                    const uint8_t *pred, ptrdiff_t ps, int16_t c[4][16],
                                    uint32_t mask, int qp, int first)
{
    if (!(mask & 15)) {
        avila_h264_copy_block(dst, ds, pred, ps, 8, 8);
        return;
    }
    for (ptrdiff_t row = 0; row < 2; row++) {
        int16_t(*cr)[16] = c + 2 * row;
        uint8_t *d = dst + row * 4 * ds;
        const uint8_t *p = pred + row * 4 * ps;
        unsigned bits = mask >> (2 * row) & 3;
        for (int h = 0; h < 2; h++)
            if (bits >> h & 1)
                dequant(cr[h], qp, first);
        if (bits == 3 && fits16(loadu128(cr[0]), loadu128(cr[0] + 8)) &&
            fits16(loadu128(cr[1]), loadu128(cr[1] + 8))) {
            idct_pair16(d, ds, p, ps, cr);
            continue;
        }
        for (ptrdiff_t h = 0; h < 2; h++) {
            if (bits >> h & 1)
                sse_idct4x4_pred(d + 4 * h, ds, p + 4 * h, ps, cr[h]);
            else
                avila_h264_copy_block(d + 4 * h, ds, p + 4 * h, ps, 4, 4);
        }
    }
}

static SSE void sse_recon8x8(uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *pred,
                             ptrdiff_t pred_stride, int16_t c[4][16], uint32_t mask, int qp,
                             int first)
{
    recon8x8_x86(sse_dequant4x4, dst, dst_stride, pred, pred_stride, c, mask, qp, first);
}

const avila_h264_transform_ops avila_h264_transform_sse4 = {
    .fdct4x4 = sse_fdct4x4,
    .idct4x4_add = sse_idct4x4_add,
    .quant4x4 = sse_quant4x4,
    .dequant4x4 = sse_dequant4x4,
    .fdct8x8 = sse_fdct8x8,
    .quant_blocks = sse_quant_blocks,
    .scan_blocks = sse_scan_blocks,
    .recon8x8 = sse_recon8x8,
};

/* ---------------------------------------------------------------- AVX2 */

static inline AVX2 __m256i loadu256(const void *p)
{
    return _mm256_loadu_si256((const __m256i *)p);
}

/* Stores the 16 coefficients as two 128-bit halves, for the loads of the SSE inverse transform. */
static inline AVX2 void store_coefs(int16_t c[16], __m256i x)
{
    storeu128(c, _mm256_castsi256_si128(x));
    storeu128(c + 8, _mm256_extracti128_si256(x, 1));
}

/*
 * The 16 coefficients as two 128-bit loads: the SSE transforms store them
 * so, and a 256-bit load of two 128-bit stores would wait for them to
 * reach the cache rather than take them from the store buffer.
 */
static inline AVX2 __m256i load_coefs(const int16_t c[16])
{
    return _mm256_inserti128_si256(_mm256_castsi128_si256(loadu128(c)), loadu128(c + 8), 1);
}

/* A vector keeping lane 0 (16 bits) when first is 1, nothing when it is 0. */
static inline AVX2 __m256i first_mask256(int first)
{
    return _mm256_setr_epi32(first ? 0xFFFF : 0, 0, 0, 0, 0, 0, 0, 0);
}

static inline AVX2 int avx2_quant4x4(int16_t c[16], int qp, bool intra, int first)
{
    const uint16_t *mft = avila_h264_quant_mf[qp % 6];
    int shift = 15 + qp / 6;
    __m256i f = _mm256_set1_epi32(avila_h264_quant_rounding(shift, qp, intra));
    __m128i sh = _mm_cvtsi32_si128(shift);
    __m256i x = load_coefs(c), mf = loadu256(mft);
    __m256i a = _mm256_abs_epi16(x);
    __m256i lo = _mm256_mullo_epi16(a, mf), hi = _mm256_mulhi_epu16(a, mf);
    /* The unpacks and the pack work within 128-bit lanes, so the order returns. */
    __m256i p0 = _mm256_srl_epi32(_mm256_add_epi32(_mm256_unpacklo_epi16(lo, hi), f), sh);
    __m256i p1 = _mm256_srl_epi32(_mm256_add_epi32(_mm256_unpackhi_epi16(lo, hi), f), sh);
    __m256i l =
        _mm256_min_epi16(_mm256_packs_epi32(p0, p1), _mm256_set1_epi16(AVILA_H264_LEVEL_MAX));
    l = _mm256_blendv_epi8(_mm256_sign_epi16(l, x), x, first_mask256(first));
    store_coefs(c, l);
    /* Two bits per zero level; position 0 counts as zero when it was kept. */
    unsigned zeros = (unsigned)_mm256_movemask_epi8(_mm256_cmpeq_epi16(l, _mm256_setzero_si256()));
    return 16 - __builtin_popcount(zeros | (first ? 3u : 0u)) / 2;
}

static inline AVX2 void avx2_dequant4x4(int16_t c[16], int qp, int first)
{
    __m128i sh = _mm_cvtsi32_si128(qp / 6);
    __m256i x = load_coefs(c);
    __m256i v = _mm256_cvtepu8_epi16(loadu128(avila_h264_norm_adjust[qp % 6]));
    __m256i lo = _mm256_mullo_epi16(x, v), hi = _mm256_mulhi_epi16(x, v);
    __m256i p0 = _mm256_sll_epi32(_mm256_unpacklo_epi16(lo, hi), sh);
    __m256i p1 = _mm256_sll_epi32(_mm256_unpackhi_epi16(lo, hi), sh);
    __m256i d = _mm256_blendv_epi8(_mm256_packs_epi32(p0, p1), x, first_mask256(first));
    store_coefs(c, d);
}

static AVX2 uint32_t avx2_quant_blocks(int16_t (*c)[16], unsigned n, int qp, bool intra, int first,
                                       uint8_t *nz)
{
    return avila_h264_quant_blocks_with(avx2_quant4x4, c, n, qp, intra, first, nz);
}

static AVX2 void avx2_recon8x8(uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *pred,
                               ptrdiff_t pred_stride, int16_t c[4][16], uint32_t mask, int qp,
                               int first)
{
    recon8x8_x86(avx2_dequant4x4, dst, dst_stride, pred, pred_stride, c, mask, qp, first);
}

const avila_h264_transform_ops avila_h264_transform_avx2 = {
    .fdct4x4 = sse_fdct4x4,
    .idct4x4_add = sse_idct4x4_add,
    .quant4x4 = avx2_quant4x4,
    .dequant4x4 = avx2_dequant4x4,
    .fdct8x8 = sse_fdct8x8,
    .quant_blocks = avx2_quant_blocks,
    .scan_blocks = sse_scan_blocks,
    .recon8x8 = avx2_recon8x8,
};

#endif
