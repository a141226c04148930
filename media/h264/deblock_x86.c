/*
 * media/h264/deblock_x86.c - AVX2 luma and chroma edge filters (ITU-T H.264
 * 8.7.2.3 and 8.7.2.4) for media/h264/deblock.c, contract in
 * media/h264/deblock_int.h.
 *
 * All sample lines of an edge at once, 16 of luma or 8 of Cb with the same
 * 8 of Cr, each of p3..q3 one register of 16-bit lanes (lane i: line i),
 * bS and tC0 per lane. Every intermediate of both filters lies in
 * [-510, 2044], exact in 16 bits; every candidate value of each sample is
 * computed and the right one selected by masks, and the final pack to bytes
 * saturates, which is Clip1 of p0 + delta and q0 - delta (the other
 * candidates are within 0..255 already). Horizontal edges load the lines
 * as rows; vertical edges load 16 rows of 8 samples (chroma: 4) and
 * transpose them to lines of 16, and back. Pure.
 */
#include "media/h264/deblock_int.h"

#include <stdbool.h>

#if AVILA_X86_64
#include "media/h264/simd_x86_int.h"

/* Lanes a < b as all-ones words. */
static inline AVX2 __m256i less(__m256i a, __m256i b)
{
    return _mm256_cmpgt_epi16(b, a);
}

static inline AVX2 __m256i absdiff(__m256i a, __m256i b)
{
    return _mm256_abs_epi16(_mm256_sub_epi16(a, b));
}

/* Clip3(-c, c, x) per lane. */
static inline AVX2 __m256i clip_pm(__m256i x, __m256i c)
{
    return _mm256_min_epi16(_mm256_max_epi16(x, _mm256_sub_epi16(_mm256_setzero_si256(), c)), c);
}

/* m ? a : b per lane (m all-ones or zero words). */
static inline AVX2 __m256i pick(__m256i m, __m256i a, __m256i b)
{
    return _mm256_blendv_epi8(b, a, m);
}

/* 16 bytes widened to words. */
static inline AVX2 __m256i widen(__m128i v)
{
    return _mm256_cvtepu8_epi16(v);
}

/* v[idx[i]] in lane i. */
static inline AVX2 __m256i spread(const uint8_t v[4], __m128i idx)
{
    uint32_t w;
    memcpy(&w, v, sizeof w);
    return widen(_mm_shuffle_epi8(_mm_cvtsi32_si128((int)w), idx));
}

/* v[k] in lanes 4k..4k+3: a luma line's bS or tC0. */
static inline AVX2 __m256i per_segment(const uint8_t v[4])
{
    return spread(v, _mm_setr_epi8(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3));
}

/* filterSamplesFlag (8-460) and bS != 0, per lane. */
static inline AVX2 __m256i passes(__m256i p1, __m256i p0, __m256i q0, __m256i q1, __m256i bs,
                                  avila_h264_edge_th t)
{
    const __m256i beta = _mm256_set1_epi16((short)t.beta);
    __m256i m = _mm256_andnot_si256(_mm256_cmpeq_epi16(bs, _mm256_setzero_si256()),
                                    less(absdiff(p0, q0), _mm256_set1_epi16((short)t.alpha)));
    return _mm256_and_si256(
        m, _mm256_and_si256(less(absdiff(p1, p0), beta), less(absdiff(q1, q0), beta)));
}

/* delta of the bS < 4 filter (8.7.2.3), clipped to +-tc. */
static inline AVX2 __m256i bs3_delta(__m256i p1, __m256i p0, __m256i q0, __m256i q1, __m256i tc)
{
    __m256i d =
        _mm256_add_epi16(_mm256_slli_epi16(_mm256_sub_epi16(q0, p0), 2), _mm256_sub_epi16(p1, q1));
    return clip_pm(_mm256_srai_epi16(_mm256_add_epi16(d, _mm256_set1_epi16(4)), 3), tc);
}

/* (2 x1 + x0 + y1 + 2) >> 2: p0 or q0 of the bS == 4 filter off its strong branch (8.7.2.4). */
static inline AVX2 __m256i weak0(__m256i x1, __m256i x0, __m256i y1)
{
    return _mm256_srli_epi16(_mm256_add_epi16(_mm256_add_epi16(_mm256_slli_epi16(x1, 1), x0),
                                              _mm256_add_epi16(y1, _mm256_set1_epi16(2))),
                             2);
}

/* What both sides of an edge share. */
struct edge_masks {
    __m256i on;     /* filterSamplesFlag and bS != 0 */
    __m256i bs4;    /* bS == 4 */
    __m256i strong; /* |p0 - q0| < (alpha >> 2) + 2 */
    __m256i tc0;
};

/*
 * Filters one side of the edge in place: x[0..3] are its samples from the
 * edge outwards (p0..p3 or q0..q3), y0 and y1 the nearest two across it
 * (unfiltered), d the bS < 4 change of x0 (delta for p0, -delta for q0),
 * a whether |x2 - x0| < beta (ap or aq).
 */
static inline AVX2 void filter_side(__m256i x[4], __m256i y0, __m256i y1, __m256i d, __m256i a,
                                    const struct edge_masks *m)
{
    const __m256i two = _mm256_set1_epi16(2), four = _mm256_set1_epi16(4);
    /* bS < 4 (8.7.2.3): x0 (Clip1 left to the pack), and x1 where a. */
    __m256i avg = _mm256_avg_epu16(x[0], y0); /* (p0 + q0 + 1) >> 1 */
    __m256i n0 = _mm256_add_epi16(x[0], d);
    __m256i n1 = _mm256_sub_epi16(_mm256_add_epi16(x[2], avg), _mm256_slli_epi16(x[1], 1));
    n1 = pick(a, _mm256_add_epi16(x[1], clip_pm(_mm256_srai_epi16(n1, 1), m->tc0)), x[1]);
    /* bS == 4 (8.7.2.4; 8-477..8-479 for p) with t = x1 + x0 + y0. */
    __m256i t = _mm256_add_epi16(_mm256_add_epi16(x[1], x[0]), y0);
    __m256i s0 = _mm256_add_epi16(_mm256_add_epi16(x[2], _mm256_slli_epi16(t, 1)),
                                  _mm256_add_epi16(y1, four));
    __m256i s1 = _mm256_add_epi16(_mm256_add_epi16(x[2], t), two);
    __m256i s2 =
        _mm256_add_epi16(_mm256_add_epi16(_mm256_slli_epi16(x[3], 1), x[2]),
                         _mm256_add_epi16(_mm256_slli_epi16(x[2], 1), _mm256_add_epi16(t, four)));
    __m256i full = _mm256_and_si256(m->strong, a);
    __m256i f0 = pick(full, _mm256_srli_epi16(s0, 3), weak0(x[1], x[0], y1));
    __m256i f1 = pick(full, _mm256_srli_epi16(s1, 2), x[1]);
    __m256i f2 = pick(_mm256_and_si256(full, m->bs4), _mm256_srli_epi16(s2, 3), x[2]);
    x[0] = pick(m->on, pick(m->bs4, f0, n0), x[0]);
    x[1] = pick(m->on, pick(m->bs4, f1, n1), x[1]);
    x[2] = pick(m->on, f2, x[2]);
}

/*
 * Filters the 16 lines p[i] = p_i, q[i] = q_i in place. Returns false (and
 * changes nothing) if no line passes filterSamplesFlag.
 */
static AVX2 bool filter16(__m256i p[4], __m256i q[4], const uint8_t bs[4], avila_h264_edge_th t)
{
    uint8_t tc0[4];
    for (int k = 0; k < 4; k++)
        tc0[k] = bs[k] >= 1 && bs[k] <= 3 ? avila_h264_tc0_tab[t.index_a][bs[k] - 1] : 0;
    const __m256i beta = _mm256_set1_epi16((short)t.beta), vbs = per_segment(bs);
    struct edge_masks m;
    m.on = passes(p[1], p[0], q[0], q[1], vbs, t);
    if (_mm256_testz_si256(m.on, m.on))
        return false;
    m.bs4 = _mm256_cmpeq_epi16(vbs, _mm256_set1_epi16(4));
    m.strong = less(absdiff(p[0], q[0]), _mm256_set1_epi16((short)((t.alpha >> 2) + 2)));
    m.tc0 = per_segment(tc0);
    __m256i ap = less(absdiff(p[2], p[0]), beta), aq = less(absdiff(q[2], q[0]), beta);
    /* tC = tC0 + ap + aq (8.7.2.3), the masks being -1. */
    __m256i tc = _mm256_sub_epi16(_mm256_sub_epi16(m.tc0, ap), aq);
    __m256i delta = bs3_delta(p[1], p[0], q[0], q[1], tc);
    __m256i p0 = p[0], p1 = p[1];
    filter_side(p, q[0], q[1], delta, ap, &m);
    filter_side(q, p0, p1, _mm256_sub_epi16(_mm256_setzero_si256(), delta), aq, &m);
    return true;
}

/* 16 words to bytes with unsigned saturation, in order. */
static inline AVX2 __m128i narrow(__m256i v)
{
    return _mm256_castsi256_si128(_mm256_permute4x64_epi64(_mm256_packus_epi16(v, v), 0x08));
}

/* Whether an edge can change: no sample passes 8-460 if alpha or beta is 0. */
static inline bool any_filtering(const uint8_t bs[4], avila_h264_edge_th t)
{
    uint32_t any;
    memcpy(&any, bs, sizeof any);
    return t.alpha != 0 && t.beta != 0 && any != 0;
}

/* Horizontal edge: the lines are rows 16 samples wide, xs apart. */
static AVX2 void edge_rows(uint8_t *pix, ptrdiff_t xs, const uint8_t bs[4], avila_h264_edge_th t)
{
    __m256i p[4], q[4];
    for (ptrdiff_t i = 0; i < 4; i++) {
        p[i] = widen(_mm_loadu_si128((const __m128i *)(const void *)(pix - (i + 1) * xs)));
        q[i] = widen(_mm_loadu_si128((const __m128i *)(const void *)(pix + i * xs)));
    }
    if (!filter16(p, q, bs, t))
        return;
    for (ptrdiff_t i = 0; i < 3; i++) {
        _mm_storeu_si128((__m128i *)(void *)(pix - (i + 1) * xs), narrow(p[i]));
        _mm_storeu_si128((__m128i *)(void *)(pix + i * xs), narrow(q[i]));
    }
}

/*
 * Transposes the 8x8 bytes in the low halves of r[0..7]: out[j] holds
 * column 2j in its low half and column 2j + 1 in its high half.
 */
static inline AVX2 void transpose8x8(__m128i out[4], const __m128i r[8])
{
    __m128i t0 = _mm_unpacklo_epi8(r[0], r[1]), t1 = _mm_unpacklo_epi8(r[2], r[3]);
    __m128i t2 = _mm_unpacklo_epi8(r[4], r[5]), t3 = _mm_unpacklo_epi8(r[6], r[7]);
    __m128i u0 = _mm_unpacklo_epi16(t0, t1), u1 = _mm_unpackhi_epi16(t0, t1);
    __m128i u2 = _mm_unpacklo_epi16(t2, t3), u3 = _mm_unpackhi_epi16(t2, t3);
    out[0] = _mm_unpacklo_epi32(u0, u2);
    out[1] = _mm_unpackhi_epi32(u0, u2);
    out[2] = _mm_unpacklo_epi32(u1, u3);
    out[3] = _mm_unpackhi_epi32(u1, u3);
}

/* Writes the 8x8 transpose of the low halves of c[0..7] as 8 rows of 8 bytes from dst. */
static inline AVX2 void store_transposed(uint8_t *dst, ptrdiff_t stride, const __m128i c[8])
{
    __m128i r[4];
    transpose8x8(r, c);
    for (ptrdiff_t j = 0; j < 4; j++) {
        _mm_storel_epi64((__m128i *)(void *)(dst + 2 * j * stride), r[j]);
        _mm_storel_epi64((__m128i *)(void *)(dst + (2 * j + 1) * stride),
                         _mm_unpackhi_epi64(r[j], r[j]));
    }
}

/* Vertical edge: 16 rows ys apart, p3..q3 the 8 bytes from pix - 4 of each. */
static AVX2 void edge_columns(uint8_t *pix, ptrdiff_t ys, const uint8_t bs[4], avila_h264_edge_th t)
{
    __m128i r[16], a[4], b[4], c[8];
    for (ptrdiff_t i = 0; i < 16; i++)
        r[i] = _mm_loadl_epi64((const __m128i *)(const void *)(pix - 4 + i * ys));
    transpose8x8(a, r);
    transpose8x8(b, r + 8);
    for (ptrdiff_t j = 0; j < 4; j++) {
        c[2 * j] = _mm_unpacklo_epi64(a[j], b[j]);
        c[2 * j + 1] = _mm_unpackhi_epi64(a[j], b[j]);
    }
    __m256i p[4], q[4];
    for (int i = 0; i < 4; i++) {
        p[i] = widen(c[3 - i]);
        q[i] = widen(c[4 + i]);
    }
    if (!filter16(p, q, bs, t))
        return;
    for (int i = 0; i < 3; i++) {
        c[3 - i] = narrow(p[i]);
        c[4 + i] = narrow(q[i]);
    }
    store_transposed(pix - 4, ys, c);
    for (int j = 0; j < 8; j++)
        c[j] = _mm_unpackhi_epi64(c[j], c[j]);
    store_transposed(pix - 4 + 8 * ys, ys, c);
}

static AVX2 void luma_edge(uint8_t *pix, ptrdiff_t xs, ptrdiff_t ys, const uint8_t bs[4],
                           avila_h264_edge_th t)
{
    if (!any_filtering(bs, t))
        return;
    if (ys == 1)
        edge_rows(pix, xs, bs, t);
    else if (xs == 1)
        edge_columns(pix, ys, bs, t);
    else
        avila_h264_luma_edge_portable(pix, xs, ys, bs, t);
}

/* ------------------------------------------------------------- chroma */

/* v[k] in lanes 2k, 2k + 1, 8 + 2k and 9 + 2k: a chroma line's bS or tC in Cb (lanes 0..7) and Cr.
 */
static inline AVX2 __m256i per_line_pair(const uint8_t v[4])
{
    return spread(v, _mm_setr_epi8(0, 0, 1, 1, 2, 2, 3, 3, 0, 0, 1, 1, 2, 2, 3, 3));
}

/*
 * Filters p0 and q0 of 16 chroma lines (8 of Cb, then 8 of Cr) in place,
 * 8.7.2.3 and 8.7.2.4 with chromaStyleFilteringFlag 1. Returns false (and
 * changes nothing) if no line passes filterSamplesFlag.
 */
static AVX2 bool chroma_filter16(__m256i *p0, __m256i *q0, __m256i p1, __m256i q1,
                                 const uint8_t bs[4], avila_h264_edge_th t)
{
    uint8_t tc[4]; /* chroma: tC = tC0 + 1 (8.7.2.3) */
    for (int k = 0; k < 4; k++)
        tc[k] = bs[k] >= 1 && bs[k] <= 3 ? avila_h264_tc0_tab[t.index_a][bs[k] - 1] + 1 : 0;
    const __m256i vbs = per_line_pair(bs);
    __m256i on = passes(p1, *p0, *q0, q1, vbs, t);
    if (_mm256_testz_si256(on, on))
        return false;
    __m256i bs4 = _mm256_cmpeq_epi16(vbs, _mm256_set1_epi16(4));
    __m256i delta = bs3_delta(p1, *p0, *q0, q1, per_line_pair(tc));
    __m256i np = pick(bs4, weak0(p1, *p0, q1), _mm256_add_epi16(*p0, delta));
    __m256i nq = pick(bs4, weak0(q1, *q0, p1), _mm256_sub_epi16(*q0, delta));
    *p0 = pick(on, np, *p0);
    *q0 = pick(on, nq, *q0);
    return true;
}

/* The 8 bytes at u then the 8 at v, widened. */
static inline AVX2 __m256i load_uv(const uint8_t *u, const uint8_t *v)
{
    return widen(_mm_unpacklo_epi64(_mm_loadl_epi64((const __m128i *)(const void *)u),
                                    _mm_loadl_epi64((const __m128i *)(const void *)v)));
}

static inline AVX2 void store_uv(uint8_t *u, uint8_t *v, __m256i x)
{
    __m128i b = narrow(x);
    _mm_storel_epi64((__m128i *)(void *)u, b);
    _mm_storel_epi64((__m128i *)(void *)v, _mm_unpackhi_epi64(b, b));
}

/* 4 rows of 4 bytes from p, transposed: dword j holds column j. */
static inline AVX2 __m128i load_4x4_transposed(const uint8_t *p, ptrdiff_t stride)
{
    uint32_t r[4];
    for (ptrdiff_t i = 0; i < 4; i++)
        memcpy(&r[i], p + i * stride, sizeof r[i]);
    __m128i m = _mm_setr_epi32((int)r[0], (int)r[1], (int)r[2], (int)r[3]);
    return _mm_shuffle_epi8(m, _mm_setr_epi8(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15));
}

/* Writes byte pairs (a[i], b[i]) of lanes 0..7 to the rows of u and lanes 8..15 to those of v. */
static inline AVX2 void store_pairs(uint8_t *u, uint8_t *v, ptrdiff_t stride, __m128i a, __m128i b)
{
    uint16_t pair[16];
    _mm_storeu_si128((__m128i *)(void *)pair, _mm_unpacklo_epi8(a, b));
    _mm_storeu_si128((__m128i *)(void *)(pair + 8), _mm_unpackhi_epi8(a, b));
    for (ptrdiff_t i = 0; i < 8; i++) {
        memcpy(u + i * stride, &pair[i], sizeof pair[i]);
        memcpy(v + i * stride, &pair[8 + i], sizeof pair[8 + i]);
    }
}

static AVX2 void chroma_edge(uint8_t *u, uint8_t *v, ptrdiff_t xs, ptrdiff_t ys,
                             const uint8_t bs[4], avila_h264_edge_th t)
{
    if (!any_filtering(bs, t))
        return;
    __m256i p1, p0, q0, q1;
    if (ys == 1) { /* horizontal edge: lines are rows */
        p1 = load_uv(u - 2 * xs, v - 2 * xs);
        p0 = load_uv(u - xs, v - xs);
        q0 = load_uv(u, v);
        q1 = load_uv(u + xs, v + xs);
        if (chroma_filter16(&p0, &q0, p1, q1, bs, t)) {
            store_uv(u - xs, v - xs, p0);
            store_uv(u, v, q0);
        }
    } else if (xs == 1) { /* vertical edge: p1..q1 are 4 bytes of each row */
        __m128i g0 = load_4x4_transposed(u - 2, ys), g1 = load_4x4_transposed(u - 2 + 4 * ys, ys);
        __m128i g2 = load_4x4_transposed(v - 2, ys), g3 = load_4x4_transposed(v - 2 + 4 * ys, ys);
        __m128i lo_u = _mm_unpacklo_epi32(g0, g1), lo_v = _mm_unpacklo_epi32(g2, g3);
        __m128i hi_u = _mm_unpackhi_epi32(g0, g1), hi_v = _mm_unpackhi_epi32(g2, g3);
        p1 = widen(_mm_unpacklo_epi64(lo_u, lo_v));
        p0 = widen(_mm_unpackhi_epi64(lo_u, lo_v));
        q0 = widen(_mm_unpacklo_epi64(hi_u, hi_v));
        q1 = widen(_mm_unpackhi_epi64(hi_u, hi_v));
        if (chroma_filter16(&p0, &q0, p1, q1, bs, t))
            store_pairs(u - 1, v - 1, ys, narrow(p0), narrow(q0));
    } else {
        avila_h264_deblock_portable.chroma_edge(u, v, xs, ys, bs, t);
    }
}

const avila_h264_deblock_ops avila_h264_deblock_avx2 = {
    .luma_edge = luma_edge,
    .chroma_edge = chroma_edge,
};
#endif
