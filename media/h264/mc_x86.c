/*
 * media/h264/mc_x86.c - x86-64 versions of media/h264/mc.h's kernels.
 *
 * AVX2 half-sample planes: the 6-tap filter of ITU-T H.264 8.4.2.2.1 on 16
 * samples at once in 16-bit lanes (b1 and h1 lie in [-2550, 10710]);
 * j1 = a - 5 b + 20 c over sums of mirrored h1 pairs, which needs 32 bits,
 * is formed with PMADDWD on interleaved (a, b) and (c, 1) pairs, the
 * rounding constant folded into the weights. Same planes as the portable
 * code, which also does the columns left over at each row's end.
 *
 * SSE (SSSE3) and AVX2 chroma prediction (8.4.2.2.2, equation 8-270): each
 * row's samples interleaved with their right neighbours, so PMADDUBSW forms
 * (8 - xFrac) A + xFrac B of a row with the weights of the upper row and of
 * the lower one; every product sum is at most 64 * 255, exact in 16 bits.
 * Pure.
 */
#include "media/h264/mc_int.h"

#if AVILA_X86_64
#include "media/h264/simd_x86_int.h"

/* 16 samples from p, widened to 16 bits. */
static inline AVX2 __m256i load16(const uint8_t *p)
{
    return _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(const void *)p));
}

/* The unrounded 6-tap of 16 consecutive positions, taps s bytes apart. */
static inline AVX2 __m256i tap6x16(const uint8_t *p, ptrdiff_t s)
{
    __m256i a = _mm256_add_epi16(load16(p - 2 * s), load16(p + 3 * s));
    __m256i b = _mm256_add_epi16(load16(p - s), load16(p + 2 * s));
    __m256i c = _mm256_add_epi16(load16(p), load16(p + s));
    /* a - 5b + 20c = a + 5 (4c - b), every step within 16 bits. */
    __m256i d = _mm256_sub_epi16(_mm256_slli_epi16(c, 2), b);
    return _mm256_add_epi16(a, _mm256_add_epi16(d, _mm256_slli_epi16(d, 2)));
}

/* Clip1 of 16 words in order to 16 bytes at dst. */
static inline AVX2 void store_clip16(uint8_t *dst, __m256i v)
{
    __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi16(v, v), 0x08);
    _mm_storeu_si128((__m128i *)(void *)dst, _mm256_castsi256_si128(packed));
}

/* Clip1((x + 16) >> 5) of 16 unrounded half samples. */
static inline AVX2 void store_half16(uint8_t *dst, __m256i x)
{
    store_clip16(dst, _mm256_srai_epi16(_mm256_add_epi16(x, _mm256_set1_epi16(16)), 5));
}

static inline AVX2 __m256i load_i16(const int16_t *p)
{
    return _mm256_loadu_si256((const __m256i *)(const void *)p);
}

/* Clip1((j1 + 512) >> 10) for the 16 centre samples between t[0..15] and t[1..16]. */
static inline AVX2 void store_centre16(uint8_t *dst, const int16_t *t)
{
    /* |a|, |b|, |c| <= 2 * 10710: still 16-bit. */
    __m256i a = _mm256_add_epi16(load_i16(t - 2), load_i16(t + 3));
    __m256i b = _mm256_add_epi16(load_i16(t - 1), load_i16(t + 2));
    __m256i c = _mm256_add_epi16(load_i16(t), load_i16(t + 1));
    const __m256i w_ab = _mm256_set1_epi32((int)(((uint32_t)(uint16_t)-5 << 16) | 1u));
    const __m256i w_c1 = _mm256_set1_epi32((512 << 16) | 20);
    const __m256i one = _mm256_set1_epi16(1);
    __m256i lo = _mm256_add_epi32(_mm256_madd_epi16(_mm256_unpacklo_epi16(a, b), w_ab),
                                  _mm256_madd_epi16(_mm256_unpacklo_epi16(c, one), w_c1));
    __m256i hi = _mm256_add_epi32(_mm256_madd_epi16(_mm256_unpackhi_epi16(a, b), w_ab),
                                  _mm256_madd_epi16(_mm256_unpackhi_epi16(c, one), w_c1));
    /* The unpacks split each lane in halves; packing lo with hi puts them back in order. */
    store_clip16(dst, _mm256_packs_epi32(_mm256_srai_epi32(lo, 10), _mm256_srai_epi32(hi, 10)));
}

AVX2 void avila_h264_mc_hpel_avx2(uint8_t *h, uint8_t *v, uint8_t *c, const uint8_t *full,
                                  ptrdiff_t stride, unsigned w, int y0, int y1, unsigned pad)
{
    const int e = (int)pad - 3;
    const int x0 = -e, x1 = (int)w + e;
    /* h1 for columns xs - 2 .. xs + n + 2 of a chunk (t = tmp + 2 is column xs). */
    int16_t tmp[AVILA_H264_HPEL_CHUNK + 5];
    for (int y = y0; y < y1; y++) {
        const uint8_t *f = full + (ptrdiff_t)y * stride;
        uint8_t *hr = h + (ptrdiff_t)y * stride;
        uint8_t *vr = v + (ptrdiff_t)y * stride;
        uint8_t *cr = c + (ptrdiff_t)y * stride;
        int x = x0;
        for (; x + 16 <= x1; x += 16)
            store_half16(hr + x, tap6x16(f + x, 1));
        for (; x < x1; x++)
            hr[x] = avila_h264_clip1((avila_h264_tap6(f + x, 1) + 16) >> 5);
        for (int xs = x0; xs < x1; xs += AVILA_H264_HPEL_CHUNK) {
            int n = x1 - xs < AVILA_H264_HPEL_CHUNK ? x1 - xs : AVILA_H264_HPEL_CHUNK;
            int16_t *t = tmp + 2;
            int i = -2;
            for (; i + 16 <= n + 3; i += 16)
                _mm256_storeu_si256((__m256i *)(void *)(t + i), tap6x16(f + xs + i, stride));
            for (; i < n + 3; i++)
                t[i] = (int16_t)avila_h264_tap6(f + xs + i, stride);
            i = 0;
            for (; i + 16 <= n; i += 16) {
                store_half16(vr + xs + i, load_i16(t + i));
                store_centre16(cr + xs + i, t + i);
            }
            for (; i < n; i++) {
                vr[xs + i] = avila_h264_clip1((t[i] + 16) >> 5);
                cr[xs + i] = avila_h264_clip1((avila_h264_tap6_i16(t + i) + 512) >> 10);
            }
        }
    }
}

/* ------------------------------------------------------------- chroma */

/* The four weights of 8-270 for a chroma mv, as byte pairs for PMADDUBSW. */
struct chroma_weights {
    int16_t ab, cd; /* (8 - xF)(8 - yF) | xF (8 - yF) << 8, (8 - xF) yF | xF yF << 8 */
};

static inline struct chroma_weights chroma_weights(int mvx, int mvy)
{
    int xf = mvx & 7, yf = mvy & 7;
    struct chroma_weights w = {
        .ab = (int16_t)((8 - xf) * (8 - yf) | (xf * (8 - yf)) << 8),
        .cd = (int16_t)((8 - xf) * yf | (xf * yf) << 8),
    };
    return w;
}

static inline const uint8_t *chroma_origin(const uint8_t *src, ptrdiff_t stride, int mvx, int mvy)
{
    return src + (ptrdiff_t)(mvy >> 3) * stride + (mvx >> 3);
}

/* p[0] p[1] p[1] p[2] ... p[7] p[8]: a row of 8 with its right neighbours. */
static inline SSE __m128i pairs8(const uint8_t *p)
{
    return _mm_unpacklo_epi8(load64(p), load64(p + 1));
}

/* The same for a row of 4 (8 bytes, upper half zero). */
static inline SSE __m128i pairs4(const uint8_t *p)
{
    return _mm_unpacklo_epi8(load32(p), load32(p + 1));
}

/* (upper . ab + lower . cd + 32) >> 6 in 16-bit lanes, packed to bytes. */
static inline SSE __m128i chroma_sse(__m128i upper, __m128i lower, __m128i ab, __m128i cd)
{
    __m128i r = _mm_add_epi16(_mm_maddubs_epi16(upper, ab), _mm_maddubs_epi16(lower, cd));
    r = _mm_srli_epi16(_mm_add_epi16(r, _mm_set1_epi16(32)), 6);
    return _mm_packus_epi16(r, r);
}

SSE void avila_h264_mc_chroma_sse4(uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *src,
                                   ptrdiff_t stride, int mvx, int mvy, unsigned w, unsigned h)
{
    if (w != 8 && w != 4) {
        avila_h264_mc_chroma_portable(dst, dst_stride, src, stride, mvx, mvy, w, h);
        return;
    }
    const uint8_t *s = chroma_origin(src, stride, mvx, mvy);
    struct chroma_weights cw = chroma_weights(mvx, mvy);
    const __m128i ab = _mm_set1_epi16(cw.ab), cd = _mm_set1_epi16(cw.cd);
    unsigned y = 0;
    if (w == 8) {
        __m128i upper = pairs8(s);
        for (; y < h; y++, dst += dst_stride) {
            s += stride;
            __m128i lower = pairs8(s);
            _mm_storel_epi64((__m128i *)(void *)dst, chroma_sse(upper, lower, ab, cd));
            upper = lower;
        }
        return;
    }
    /* w 4: two rows per register. */
    __m128i upper = pairs4(s);
    for (; y + 2 <= h; y += 2, dst += 2 * dst_stride) {
        __m128i mid = pairs4(s + stride), lower = pairs4(s + 2 * stride);
        s += 2 * stride;
        __m128i px =
            chroma_sse(_mm_unpacklo_epi64(upper, mid), _mm_unpacklo_epi64(mid, lower), ab, cd);
        store32(dst, _mm_cvtsi128_si32(px));
        store32(dst + dst_stride, _mm_extract_epi32(px, 1));
        upper = lower;
    }
    if (y < h)
        store32(dst, _mm_cvtsi128_si32(chroma_sse(upper, pairs4(s + stride), ab, cd)));
}

AVX2 void avila_h264_mc_chroma_avx2(uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *src,
                                    ptrdiff_t stride, int mvx, int mvy, unsigned w, unsigned h)
{
    if (w != 8 || (h & 1)) {
        avila_h264_mc_chroma_sse4(dst, dst_stride, src, stride, mvx, mvy, w, h);
        return;
    }
    const uint8_t *s = chroma_origin(src, stride, mvx, mvy);
    struct chroma_weights cw = chroma_weights(mvx, mvy);
    const __m256i ab = _mm256_set1_epi16(cw.ab), cd = _mm256_set1_epi16(cw.cd);
    const __m256i rnd = _mm256_set1_epi16(32);
    /* Rows y and y + 1 in the two 128-bit lanes. */
    __m128i upper = pairs8(s);
    for (unsigned y = 0; y < h; y += 2, dst += 2 * dst_stride) {
        __m128i mid = pairs8(s + stride), lower = pairs8(s + 2 * stride);
        s += 2 * stride;
        __m256i top = _mm256_inserti128_si256(_mm256_castsi128_si256(upper), mid, 1);
        __m256i bot = _mm256_inserti128_si256(_mm256_castsi128_si256(mid), lower, 1);
        __m256i r = _mm256_add_epi16(_mm256_maddubs_epi16(top, ab), _mm256_maddubs_epi16(bot, cd));
        r = _mm256_srli_epi16(_mm256_add_epi16(r, rnd), 6);
        __m256i px = _mm256_packus_epi16(r, r);
        _mm_storel_epi64((__m128i *)(void *)dst, _mm256_castsi256_si128(px));
        _mm_storel_epi64((__m128i *)(void *)(dst + dst_stride), _mm256_extracti128_si256(px, 1));
        upper = lower;
    }
}

#endif
