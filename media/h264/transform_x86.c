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
 * The AVX2 set quantises and scales all 16 coefficients in one register and
 * shares the transforms with the SSE set. Pure.
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

/*
 * The inverse transform and reconstruction in 16-bit lanes, exact when every
 * |c| <= 2048: then |f| <= 3.5 * 2048 + 1 after the rows and
 * |r| + 32 <= 3.5 * 7169 + 33 < 2^15 after the columns.
 */
static inline SSE void idct_add16(uint8_t *dst, ptrdiff_t stride, int16_t c[16], __m128i a,
                                  __m128i b)
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
    __m128i p01 = _mm_unpacklo_epi32(load32(dst), load32(dst + stride));
    __m128i p23 = _mm_unpacklo_epi32(load32(dst + 2 * stride), load32(dst + 3 * stride));
    a = _mm_add_epi16(a, _mm_unpacklo_epi8(p01, z));
    b = _mm_add_epi16(b, _mm_unpacklo_epi8(p23, z));
    __m128i px = _mm_packus_epi16(a, b); /* Clip1 */
    store32(dst, _mm_cvtsi128_si32(px));
    store32(dst + stride, _mm_extract_epi32(px, 1));
    store32(dst + 2 * stride, _mm_extract_epi32(px, 2));
    store32(dst + 3 * stride, _mm_extract_epi32(px, 3));
}

static SSE void sse_idct4x4_add(uint8_t *dst, ptrdiff_t stride, int16_t c[16])
{
    __m128i a = loadu128(c), b = loadu128(c + 8);
    /* c ^ (c >> 15) is c for c >= 0 and -c - 1 below: all in 0..2047 iff every c in -2048..2047. */
    __m128i m = _mm_or_si128(_mm_xor_si128(a, _mm_srai_epi16(a, 15)),
                             _mm_xor_si128(b, _mm_srai_epi16(b, 15)));
    if (AVILA_LIKELY(_mm_testz_si128(m, _mm_set1_epi16((int16_t)0xF800)))) {
        idct_add16(dst, stride, c, a, b);
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
                             _mm_cvtepu8_epi32(load32(dst + i * stride)));
    /* Both packs saturate, which is Clip1 (the sums are within int32). */
    __m128i px = _mm_packus_epi16(_mm_packs_epi32(o[0], o[1]), _mm_packs_epi32(o[2], o[3]));
    store32(dst, _mm_cvtsi128_si32(px));
    store32(dst + stride, _mm_extract_epi32(px, 1));
    store32(dst + 2 * stride, _mm_extract_epi32(px, 2));
    store32(dst + 3 * stride, _mm_extract_epi32(px, 3));
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

static SSE int sse_quant4x4(int16_t c[16], int qp, bool intra, int first)
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

static SSE void sse_dequant4x4(int16_t c[16], int qp, int first)
{
    const uint8_t *v = avila_h264_norm_adjust[qp % 6];
    __m128i sh = _mm_cvtsi32_si128(qp / 6);
    __m128i x0 = loadu128(c), x1 = loadu128(c + 8);
    __m128i v0 = _mm_cvtepu8_epi16(_mm_loadl_epi64((const __m128i *)(const void *)v));
    __m128i v1 = _mm_cvtepu8_epi16(_mm_loadl_epi64((const __m128i *)(const void *)(v + 8)));
    storeu128(c, _mm_blendv_epi8(dequant8(x0, v0, sh), x0, first_mask(first)));
    storeu128(c + 8, dequant8(x1, v1, sh));
}

const avila_h264_transform_ops avila_h264_transform_sse4 = {
    .fdct4x4 = sse_fdct4x4,
    .idct4x4_add = sse_idct4x4_add,
    .quant4x4 = sse_quant4x4,
    .dequant4x4 = sse_dequant4x4,
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

static AVX2 int avx2_quant4x4(int16_t c[16], int qp, bool intra, int first)
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

static AVX2 void avx2_dequant4x4(int16_t c[16], int qp, int first)
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

const avila_h264_transform_ops avila_h264_transform_avx2 = {
    .fdct4x4 = sse_fdct4x4,
    .idct4x4_add = sse_idct4x4_add,
    .quant4x4 = avx2_quant4x4,
    .dequant4x4 = avx2_dequant4x4,
};

#endif
