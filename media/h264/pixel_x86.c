/*
 * media/h264/pixel_x86.c - SSE (SSSE3/SSE4.1) and AVX2 versions of the
 * metrics of media/h264/pixel.h (x86-64 only). Results are bit-identical to
 * the portable C: SAD sums with PSADBW; SATD runs the 4x4 Hadamard transform
 * on 16-bit differences, two 4x4 blocks per 128-bit lane (the vertical pass
 * on rows, a transpose, the horizontal pass on columns; the transform is
 * separable and exact in 16 bits: |coefficient| <= 16 * 255), then sums
 * magnitudes into 32-bit lanes. Pure.
 */
#include "media/h264/pixel_int.h"

#if AVILA_X86_64
#include "media/h264/simd_x86_int.h"

/* ---------------------------------------------------------------- SSE */

/* The sum of the two 64-bit lanes of a PSADBW accumulator. */
static inline SSE int sum64x2(__m128i v)
{
    return _mm_cvtsi128_si32(_mm_add_epi64(v, _mm_unpackhi_epi64(v, v)));
}

static inline SSE int sum32x4(__m128i v)
{
    v = _mm_add_epi32(v, _mm_unpackhi_epi64(v, v));
    v = _mm_add_epi32(v, _mm_shuffle_epi32(v, 0x55));
    return _mm_cvtsi128_si32(v);
}

static inline SSE int sad16_rows(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs,
                                 unsigned h)
{
    __m128i acc = _mm_setzero_si128();
    for (unsigned y = 0; y < h; y++, a += as, b += bs)
        acc = _mm_add_epi64(acc, _mm_sad_epu8(loadu128(a), loadu128(b)));
    return sum64x2(acc);
}

static inline SSE int sad8_rows(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs,
                                unsigned h)
{
    __m128i acc = _mm_setzero_si128();
    for (unsigned y = 0; y < h; y += 2, a += 2 * as, b += 2 * bs) {
        __m128i va = _mm_unpacklo_epi64(load64(a), load64(a + as));
        __m128i vb = _mm_unpacklo_epi64(load64(b), load64(b + bs));
        acc = _mm_add_epi64(acc, _mm_sad_epu8(va, vb));
    }
    return sum64x2(acc);
}

static SSE int sse_sad_16x16(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs)
{
    return sad16_rows(a, as, b, bs, 16);
}

static SSE int sse_sad_16x8(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs)
{
    return sad16_rows(a, as, b, bs, 8);
}

static SSE int sse_sad_8x16(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs)
{
    return sad8_rows(a, as, b, bs, 16);
}

static SSE int sse_sad_8x8(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs)
{
    return sad8_rows(a, as, b, bs, 8);
}

static SSE int sse_sad_4x4(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs)
{
    __m128i va = _mm_unpacklo_epi64(_mm_unpacklo_epi32(load32(a), load32(a + as)),
                                    _mm_unpacklo_epi32(load32(a + 2 * as), load32(a + 3 * as)));
    __m128i vb = _mm_unpacklo_epi64(_mm_unpacklo_epi32(load32(b), load32(b + bs)),
                                    _mm_unpacklo_epi32(load32(b + 2 * bs), load32(b + 3 * bs)));
    return sum64x2(_mm_sad_epu8(va, vb));
}

static SSE int sse_sad_8x4(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs)
{
    return sad8_rows(a, as, b, bs, 4);
}

static SSE int sse_sad_4x8(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs)
{
    return sse_sad_4x4(a, as, b, bs) + sse_sad_4x4(a + 4 * as, as, b + 4 * bs, bs);
}

/* One pass of the 4-point Hadamard transform across x[0..3], lane by lane. */
static inline SSE void hadamard4(__m128i x[4])
{
    __m128i s01 = _mm_add_epi16(x[0], x[1]), m01 = _mm_sub_epi16(x[0], x[1]);
    __m128i s23 = _mm_add_epi16(x[2], x[3]), m23 = _mm_sub_epi16(x[2], x[3]);
    x[0] = _mm_add_epi16(s01, s23);
    x[1] = _mm_sub_epi16(s01, s23);
    x[2] = _mm_sub_epi16(m01, m23);
    x[3] = _mm_add_epi16(m01, m23);
}

/*
 * d[0..3]: 16-bit differences of 4 rows, each 128-bit lane holding two 4x4
 * blocks side by side. Returns, per 32-bit lane, partial sums of |H D H^T|
 * of those blocks (the lanes add up to the blocks' total).
 */
static inline SSE __m128i satd_core(__m128i d[4])
{
    hadamard4(d);
    /* Transpose: c[k] = column k of the left block's 4 rows, then the right block's. */
    __m128i lo01 = _mm_unpacklo_epi16(d[0], d[1]), hi01 = _mm_unpackhi_epi16(d[0], d[1]);
    __m128i lo23 = _mm_unpacklo_epi16(d[2], d[3]), hi23 = _mm_unpackhi_epi16(d[2], d[3]);
    __m128i l01 = _mm_unpacklo_epi32(lo01, lo23), l23 = _mm_unpackhi_epi32(lo01, lo23);
    __m128i r01 = _mm_unpacklo_epi32(hi01, hi23), r23 = _mm_unpackhi_epi32(hi01, hi23);
    __m128i c[4] = {_mm_unpacklo_epi64(l01, r01), _mm_unpackhi_epi64(l01, r01),
                    _mm_unpacklo_epi64(l23, r23), _mm_unpackhi_epi64(l23, r23)};
    hadamard4(c);
    /* Each magnitude <= 4080, so four of them fit in a signed 16-bit lane. */
    __m128i s = _mm_add_epi16(_mm_add_epi16(_mm_abs_epi16(c[0]), _mm_abs_epi16(c[1])),
                              _mm_add_epi16(_mm_abs_epi16(c[2]), _mm_abs_epi16(c[3])));
    return _mm_madd_epi16(s, _mm_set1_epi16(1));
}

static inline SSE __m128i diff8(const uint8_t *a, const uint8_t *b)
{
    return _mm_sub_epi16(_mm_cvtepu8_epi16(load64(a)), _mm_cvtepu8_epi16(load64(b)));
}

/* Partial sums for the 8x4 area at a, b. */
static inline SSE __m128i satd8x4(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs)
{
    __m128i d[4] = {diff8(a, b), diff8(a + as, b + bs), diff8(a + 2 * as, b + 2 * bs),
                    diff8(a + 3 * as, b + 3 * bs)};
    return satd_core(d);
}

static inline SSE int satd_w8(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs,
                              unsigned w, unsigned h)
{
    __m128i acc = _mm_setzero_si128();
    for (unsigned y = 0; y < h; y += 4)
        for (unsigned x = 0; x < w; x += 8)
            acc = _mm_add_epi32(
                acc, satd8x4(a + (ptrdiff_t)y * as + x, as, b + (ptrdiff_t)y * bs + x, bs));
    return sum32x4(acc) >> 1;
}

static SSE int sse_satd_16x16(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs)
{
    return satd_w8(a, as, b, bs, 16, 16);
}

static SSE int sse_satd_16x8(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs)
{
    return satd_w8(a, as, b, bs, 16, 8);
}

static SSE int sse_satd_8x16(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs)
{
    return satd_w8(a, as, b, bs, 8, 16);
}

static SSE int sse_satd_8x8(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs)
{
    return satd_w8(a, as, b, bs, 8, 8);
}

static inline SSE __m128i diff4(const uint8_t *a, const uint8_t *b)
{
    return _mm_sub_epi16(_mm_cvtepu8_epi16(load32(a)), _mm_cvtepu8_epi16(load32(b)));
}

static SSE int sse_satd_4x4(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs)
{
    /* The right block is all zero differences and adds nothing. */
    __m128i d[4] = {diff4(a, b), diff4(a + as, b + bs), diff4(a + 2 * as, b + 2 * bs),
                    diff4(a + 3 * as, b + 3 * bs)};
    __m128i s = satd_core(d);
    return sum32x4(s) >> 1;
}

static SSE int sse_satd_8x4(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs)
{
    return satd_w8(a, as, b, bs, 8, 4);
}

static SSE int sse_satd_4x8(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs)
{
    /* The upper 4x4 block in the low half of each lane, the lower one in the high half. */
    __m128i d[4];
    for (int y = 0; y < 4; y++)
        d[y] = _mm_unpacklo_epi64(diff4(a + y * as, b + y * bs),
                                  diff4(a + (y + 4) * as, b + (y + 4) * bs));
    return sum32x4(satd_core(d)) >> 1;
}

/* Columns are taken in runs of at most this many, so 32-bit lanes cannot overflow. */
#define SSD_RUN 4096

static inline uint64_t ssd_tail(const uint8_t *a, const uint8_t *b, unsigned from, unsigned to)
{
    uint64_t sum = 0;
    for (unsigned x = from; x < to; x++) {
        int d = a[x] - b[x];
        sum += (uint64_t)(d * d);
    }
    return sum;
}

static SSE uint64_t sse_ssd(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs,
                            unsigned w, unsigned h)
{
    uint64_t sum = 0;
    const __m128i zero = _mm_setzero_si128();
    for (unsigned y = 0; y < h; y++, a += as, b += bs) {
        unsigned x = 0;
        while (x + 16 <= w) {
            unsigned end = w - x > SSD_RUN ? x + SSD_RUN : w;
            __m128i acc = _mm_setzero_si128();
            for (; x + 16 <= end; x += 16) {
                __m128i va = loadu128(a + x), vb = loadu128(b + x);
                __m128i dl =
                    _mm_sub_epi16(_mm_unpacklo_epi8(va, zero), _mm_unpacklo_epi8(vb, zero));
                __m128i dh =
                    _mm_sub_epi16(_mm_unpackhi_epi8(va, zero), _mm_unpackhi_epi8(vb, zero));
                acc = _mm_add_epi32(acc, _mm_madd_epi16(dl, dl));
                acc = _mm_add_epi32(acc, _mm_madd_epi16(dh, dh));
            }
            sum += (uint32_t)sum32x4(acc);
        }
        sum += ssd_tail(a, b, x, w);
    }
    return sum;
}

static SSE void sse_sad16x16_x4(const uint8_t *a, ptrdiff_t as, const uint8_t *const b[4],
                                ptrdiff_t bs, int out[4])
{
    __m128i s0 = _mm_setzero_si128(), s1 = s0, s2 = s0, s3 = s0;
    const uint8_t *b0 = b[0], *b1 = b[1], *b2 = b[2], *b3 = b[3];
    for (int y = 0; y < 16; y++, a += as, b0 += bs, b1 += bs, b2 += bs, b3 += bs) {
        __m128i va = loadu128(a);
        s0 = _mm_add_epi64(s0, _mm_sad_epu8(va, loadu128(b0)));
        s1 = _mm_add_epi64(s1, _mm_sad_epu8(va, loadu128(b1)));
        s2 = _mm_add_epi64(s2, _mm_sad_epu8(va, loadu128(b2)));
        s3 = _mm_add_epi64(s3, _mm_sad_epu8(va, loadu128(b3)));
    }
    out[0] = sum64x2(s0);
    out[1] = sum64x2(s1);
    out[2] = sum64x2(s2);
    out[3] = sum64x2(s3);
}

const avila_h264_pixel_ops avila_h264_pixel_sse4 = {
    .sad = {sse_sad_16x16, sse_sad_16x8, sse_sad_8x16, sse_sad_8x8, sse_sad_4x4, sse_sad_8x4,
            sse_sad_4x8},
    .satd = {sse_satd_16x16, sse_satd_16x8, sse_satd_8x16, sse_satd_8x8, sse_satd_4x4, sse_satd_8x4,
             sse_satd_4x8},
    .ssd = sse_ssd,
    .sad16x16_x4 = sse_sad16x16_x4,
};

/* ---------------------------------------------------------------- AVX2 */

/* Row p in the low 128 bits, row q in the high. */
static inline AVX2 __m256i load2x16(const uint8_t *p, const uint8_t *q)
{
    return _mm256_inserti128_si256(_mm256_castsi128_si256(loadu128(p)), loadu128(q), 1);
}

static inline AVX2 int sum64x4(__m256i v)
{
    return sum64x2(_mm_add_epi64(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1)));
}

static inline AVX2 int sum32x8(__m256i v)
{
    return sum32x4(_mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1)));
}

static inline AVX2 int avx2_sad16_rows(const uint8_t *a, ptrdiff_t as, const uint8_t *b,
                                       ptrdiff_t bs, unsigned h)
{
    __m256i acc = _mm256_setzero_si256();
    for (unsigned y = 0; y < h; y += 2, a += 2 * as, b += 2 * bs)
        acc = _mm256_add_epi64(acc, _mm256_sad_epu8(load2x16(a, a + as), load2x16(b, b + bs)));
    return sum64x4(acc);
}

static AVX2 int avx2_sad_16x16(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs)
{
    return avx2_sad16_rows(a, as, b, bs, 16);
}

static AVX2 int avx2_sad_16x8(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs)
{
    return avx2_sad16_rows(a, as, b, bs, 8);
}

static inline AVX2 void hadamard4_256(__m256i x[4])
{
    __m256i s01 = _mm256_add_epi16(x[0], x[1]), m01 = _mm256_sub_epi16(x[0], x[1]);
    __m256i s23 = _mm256_add_epi16(x[2], x[3]), m23 = _mm256_sub_epi16(x[2], x[3]);
    x[0] = _mm256_add_epi16(s01, s23);
    x[1] = _mm256_sub_epi16(s01, s23);
    x[2] = _mm256_sub_epi16(m01, m23);
    x[3] = _mm256_add_epi16(m01, m23);
}

/* satd_core on four 4x4 blocks, two per 128-bit lane (unpacks stay in lanes). */
static inline AVX2 __m256i satd_core256(__m256i d[4])
{
    hadamard4_256(d);
    __m256i lo01 = _mm256_unpacklo_epi16(d[0], d[1]), hi01 = _mm256_unpackhi_epi16(d[0], d[1]);
    __m256i lo23 = _mm256_unpacklo_epi16(d[2], d[3]), hi23 = _mm256_unpackhi_epi16(d[2], d[3]);
    __m256i l01 = _mm256_unpacklo_epi32(lo01, lo23), l23 = _mm256_unpackhi_epi32(lo01, lo23);
    __m256i r01 = _mm256_unpacklo_epi32(hi01, hi23), r23 = _mm256_unpackhi_epi32(hi01, hi23);
    __m256i c[4] = {_mm256_unpacklo_epi64(l01, r01), _mm256_unpackhi_epi64(l01, r01),
                    _mm256_unpacklo_epi64(l23, r23), _mm256_unpackhi_epi64(l23, r23)};
    hadamard4_256(c);
    __m256i s = _mm256_add_epi16(_mm256_add_epi16(_mm256_abs_epi16(c[0]), _mm256_abs_epi16(c[1])),
                                 _mm256_add_epi16(_mm256_abs_epi16(c[2]), _mm256_abs_epi16(c[3])));
    return _mm256_madd_epi16(s, _mm256_set1_epi16(1));
}

/* 16 differences of one 16-wide row. */
static inline AVX2 __m256i diff16(const uint8_t *a, const uint8_t *b)
{
    return _mm256_sub_epi16(_mm256_cvtepu8_epi16(loadu128(a)), _mm256_cvtepu8_epi16(loadu128(b)));
}

static inline AVX2 int avx2_satd16(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs,
                                   unsigned h)
{
    __m256i acc = _mm256_setzero_si256();
    for (unsigned y = 0; y < h; y += 4, a += 4 * as, b += 4 * bs) {
        __m256i d[4] = {diff16(a, b), diff16(a + as, b + bs), diff16(a + 2 * as, b + 2 * bs),
                        diff16(a + 3 * as, b + 3 * bs)};
        acc = _mm256_add_epi32(acc, satd_core256(d));
    }
    return sum32x8(acc) >> 1;
}

/* Row p's 8 differences in the low lane, row q's in the high. */
static inline AVX2 __m256i diff8x2(const uint8_t *ap, const uint8_t *aq, const uint8_t *bp,
                                   const uint8_t *bq)
{
    __m256i va = _mm256_cvtepu8_epi16(_mm_unpacklo_epi64(load64(ap), load64(aq)));
    __m256i vb = _mm256_cvtepu8_epi16(_mm_unpacklo_epi64(load64(bp), load64(bq)));
    /* cvtepu8 puts row p in the low 8 words, row q in the high 8: lanes = rows. */
    return _mm256_sub_epi16(va, vb);
}

/* 8 wide: rows y..y+3 in the low lane, y+4..y+7 in the high lane. */
static inline AVX2 int avx2_satd8(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs,
                                  unsigned h)
{
    __m256i acc = _mm256_setzero_si256();
    for (unsigned y = 0; y < h; y += 8, a += 8 * as, b += 8 * bs) {
        __m256i d[4];
        for (int r = 0; r < 4; r++)
            d[r] = diff8x2(a + r * as, a + (r + 4) * as, b + r * bs, b + (r + 4) * bs);
        acc = _mm256_add_epi32(acc, satd_core256(d));
    }
    return sum32x8(acc) >> 1;
}

static AVX2 int avx2_satd_16x16(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs)
{
    return avx2_satd16(a, as, b, bs, 16);
}

static AVX2 int avx2_satd_16x8(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs)
{
    return avx2_satd16(a, as, b, bs, 8);
}

static AVX2 int avx2_satd_8x16(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs)
{
    return avx2_satd8(a, as, b, bs, 16);
}

static AVX2 int avx2_satd_8x8(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs)
{
    return avx2_satd8(a, as, b, bs, 8);
}

static AVX2 uint64_t avx2_ssd(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs,
                              unsigned w, unsigned h)
{
    uint64_t sum = 0;
    for (unsigned y = 0; y < h; y++, a += as, b += bs) {
        unsigned x = 0;
        while (x + 16 <= w) {
            unsigned end = w - x > SSD_RUN ? x + SSD_RUN : w;
            __m256i acc = _mm256_setzero_si256();
            for (; x + 32 <= end; x += 32) {
                __m256i d0 = diff16(a + x, b + x), d1 = diff16(a + x + 16, b + x + 16);
                acc = _mm256_add_epi32(acc, _mm256_madd_epi16(d0, d0));
                acc = _mm256_add_epi32(acc, _mm256_madd_epi16(d1, d1));
            }
            if (x + 16 <= end) {
                __m256i d0 = diff16(a + x, b + x);
                acc = _mm256_add_epi32(acc, _mm256_madd_epi16(d0, d0));
                x += 16;
            }
            sum += (uint32_t)sum32x8(acc);
        }
        sum += ssd_tail(a, b, x, w);
    }
    return sum;
}

static AVX2 void avx2_sad16x16_x4(const uint8_t *a, ptrdiff_t as, const uint8_t *const b[4],
                                  ptrdiff_t bs, int out[4])
{
    __m256i s0 = _mm256_setzero_si256(), s1 = s0, s2 = s0, s3 = s0;
    const uint8_t *b0 = b[0], *b1 = b[1], *b2 = b[2], *b3 = b[3];
    for (int y = 0; y < 16; y += 2) {
        __m256i va = load2x16(a, a + as);
        s0 = _mm256_add_epi64(s0, _mm256_sad_epu8(va, load2x16(b0, b0 + bs)));
        s1 = _mm256_add_epi64(s1, _mm256_sad_epu8(va, load2x16(b1, b1 + bs)));
        s2 = _mm256_add_epi64(s2, _mm256_sad_epu8(va, load2x16(b2, b2 + bs)));
        s3 = _mm256_add_epi64(s3, _mm256_sad_epu8(va, load2x16(b3, b3 + bs)));
        a += 2 * as;
        b0 += 2 * bs;
        b1 += 2 * bs;
        b2 += 2 * bs;
        b3 += 2 * bs;
    }
    out[0] = sum64x4(s0);
    out[1] = sum64x4(s1);
    out[2] = sum64x4(s2);
    out[3] = sum64x4(s3);
}

const avila_h264_pixel_ops avila_h264_pixel_avx2 = {
    .sad = {avx2_sad_16x16, avx2_sad_16x8, sse_sad_8x16, sse_sad_8x8, sse_sad_4x4, sse_sad_8x4,
            sse_sad_4x8},
    .satd = {avx2_satd_16x16, avx2_satd_16x8, avx2_satd_8x16, avx2_satd_8x8, sse_satd_4x4,
             sse_satd_8x4, sse_satd_4x8},
    .ssd = avx2_ssd,
    .sad16x16_x4 = avx2_sad16x16_x4,
};

#endif
