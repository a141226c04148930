/*
 * media/h264/me.h - motion vector prediction and motion search for the
 * H.264 encoder (P slices, one list).
 *
 * MV prediction follows ITU-T H.264 (08/2021) 8.4.1.3 (luma motion vector
 * prediction: the directional rules for 16x8 and 8x16 partitions and the
 * median of 8.4.1.3.1) and 8.4.1.1 (P_Skip); the caller derives the
 * neighbours A, B, C (or D) as 8.4.1.3.2 says. Motion search is an encoder
 * choice: start candidates, integer search by SAD (small diamond, hexagon
 * with square refinement, or exhaustive), then half / quarter sample
 * refinement by SAD or SATD with an mvd rate term. Pure; nothing fails.
 */
#ifndef AVILA_MEDIA_H264_ME_H
#define AVILA_MEDIA_H264_ME_H

#include <stdbool.h>

#include "core/platform.h"
#include "media/h264/pixel.h"

/* One neighbouring partition, as 8.4.1.3.2 derives it. */
typedef struct avila_h264_mv_cand {
    bool available; /* the partition exists (inside the picture and slice, already coded) */
    int8_t ref;     /* reference index; -1 for intra or unavailable */
    int16_t mv[2];  /* quarter samples; 0 when ref is -1 */
} avila_h264_mv_cand;

/* The partition shape for the directional rules of 8.4.1.3. */
enum {
    AVILA_H264_PART_16x16,
    AVILA_H264_PART_16x8_TOP,
    AVILA_H264_PART_16x8_BOTTOM,
    AVILA_H264_PART_8x16_LEFT,
    AVILA_H264_PART_8x16_RIGHT,
    AVILA_H264_PART_OTHER
};

/*
 * mvpLX for reference index ref (8.4.1.3): for 16x8 top / bottom, B / A if
 * its ref equals ref; for 8x16 left / right, A / C likewise; otherwise the
 * median of 8.4.1.3.1, including its rules (B and C unavailable and A
 * available: A is used for both; exactly one of A, B, C with ref equal to
 * ref: its mv). c is C, or D when C is not available (the caller
 * substitutes, 8.4.1.3.2); unavailable ones have available = false,
 * ref = -1, mv 0. Writes out.
 */
void avila_h264_mv_predict(int16_t out[2], const avila_h264_mv_cand *a, const avila_h264_mv_cand *b,
                           const avila_h264_mv_cand *c, int part, int ref);

/*
 * The P_Skip motion vector (8.4.1.1): zero when A or B is not available, or
 * either has ref 0 and a zero mv; else the 16x16 prediction for ref 0.
 */
void avila_h264_mv_predict_skip(int16_t out[2], const avila_h264_mv_cand *a,
                                const avila_h264_mv_cand *b, const avila_h264_mv_cand *c);

/* Search methods for avila_h264_me_query.method. */
enum {
    AVILA_H264_ME_DIA, /* small diamond, repeated while the centre moves */
    AVILA_H264_ME_HEX, /* hexagon, repeated, then 3x3 squares while the centre moves */
    AVILA_H264_ME_ESA, /* every integer position within range (16x16 uses sad16x16_x4) */
};

/* One search. All pointers are borrowed for the call. */
typedef struct avila_h264_me_query {
    const uint8_t *src; /* block of the current picture */
    ptrdiff_t src_stride;
    const uint8_t *planes[4]; /* co-located sample in the full, h, v, c planes (mc.h) */
    ptrdiff_t ref_stride;
    unsigned w, h;                /* 16x16, 16x8, 8x16, 8x8, 8x4, 4x8, 4x4 */
    int16_t mvp[2];               /* predicted mv (qpel): mvd is counted from it */
    int16_t mv_min[2], mv_max[2]; /* qpel bounds (avila_h264_mv_bounds), inclusive */
    const int16_t (*cands)[2];    /* extra start candidates (qpel), may be NULL if ncands 0 */
    unsigned ncands;
    unsigned lambda; /* cost = distortion + lambda * avila_h264_mvd_bits; < 2^24 */
    unsigned method; /* AVILA_H264_ME_* */
    unsigned range;  /* integer search range (samples) around the best start */
    unsigned subpel; /* 0 integer; 1 half; 2 half then quarter; 3 as 2 but by SATD */
    const avila_h264_pixel_ops *ops;
} avila_h264_me_query;

/* The chosen mv (qpel, within the bounds), its cost, and its distortion. */
typedef struct avila_h264_me_result {
    int16_t mv[2];
    int cost;       /* distortion + lambda * mvd bits */
    int distortion; /* SATD when subpel >= 3, else SAD */
} avila_h264_me_result;

/*
 * Searches from the starts (mvp rounded to full samples, the zero mv, and
 * the candidates, each clamped into the bounds): integer search by SAD with
 * early exit on a zero SAD, then sub-sample refinement by SATD (subpel >= 3)
 * or SAD. The bounds must hold a full-sample vector (a multiple of 4 in
 * [mv_min, mv_max] on each axis); they need not hold the zero vector.
 * Writes r, whose vector is always within the bounds.
 */
void avila_h264_me_search(const avila_h264_me_query *q, avila_h264_me_result *r);

/* The bits of the two se(v) codes (9.1.1) of the mvd mv - mvp. */
unsigned avila_h264_mvd_bits(int16_t mvx, int16_t mvy, const int16_t mvp[2]);

#endif
