/*
 * media/h264/me.c - MV prediction (ITU-T H.264 8.4.1.1, 8.4.1.3) and motion
 * search (see media/h264/me.h). Pure.
 */
#include "media/h264/me.h"

#include "media/h264/mc.h"

static inline int min_i(int a, int b)
{
    return a < b ? a : b;
}

static inline int max_i(int a, int b)
{
    return a > b ? a : b;
}

static inline int16_t median3(int16_t a, int16_t b, int16_t c)
{
    return (int16_t)max_i(min_i(a, b), min_i(max_i(a, b), c));
}

static void set_mv(int16_t out[2], const int16_t mv[2])
{
    out[0] = mv[0];
    out[1] = mv[1];
}

/* 8.4.1.3.1. */
static void median_predict(int16_t out[2], const avila_h264_mv_cand *a, const avila_h264_mv_cand *b,
                           const avila_h264_mv_cand *c, int ref)
{
    if (!b->available && !c->available && a->available)
        b = c = a;
    int match = (a->ref == ref) + (b->ref == ref) + (c->ref == ref);
    if (match == 1) {
        set_mv(out, a->ref == ref ? a->mv : b->ref == ref ? b->mv : c->mv);
        return;
    }
    out[0] = median3(a->mv[0], b->mv[0], c->mv[0]);
    out[1] = median3(a->mv[1], b->mv[1], c->mv[1]);
}

void avila_h264_mv_predict(int16_t out[2], const avila_h264_mv_cand *a, const avila_h264_mv_cand *b,
                           const avila_h264_mv_cand *c, int part, int ref)
{
    /* The directional rules of 8.4.1.3 look at the neighbours before 8.4.1.3.1's substitution. */
    const avila_h264_mv_cand *dir = NULL;
    switch (part) {
    case AVILA_H264_PART_16x8_TOP:
        dir = b;
        break;
    case AVILA_H264_PART_16x8_BOTTOM:
    case AVILA_H264_PART_8x16_LEFT:
        dir = a;
        break;
    case AVILA_H264_PART_8x16_RIGHT:
        dir = c;
        break;
    default:
        break;
    }
    if (dir && dir->ref == ref) {
        set_mv(out, dir->mv);
        return;
    }
    median_predict(out, a, b, c, ref);
}

static bool zero_ref0(const avila_h264_mv_cand *n)
{
    return n->ref == 0 && n->mv[0] == 0 && n->mv[1] == 0;
}

void avila_h264_mv_predict_skip(int16_t out[2], const avila_h264_mv_cand *a,
                                const avila_h264_mv_cand *b, const avila_h264_mv_cand *c)
{
    if (!a->available || !b->available || zero_ref0(a) || zero_ref0(b)) {
        out[0] = out[1] = 0;
        return;
    }
    avila_h264_mv_predict(out, a, b, c, AVILA_H264_PART_16x16, 0);
}

/* Length of the se(v) code of v (9.1.1: codeNum 2|v| - (v > 0), 2 * floor(log2(k + 1)) + 1). */
static inline unsigned se_bits(int v)
{
    uint32_t k = v > 0 ? 2u * (uint32_t)v - 1 : 2u * (uint32_t)-v;
    return 2u * (31u - (unsigned)__builtin_clz(k + 1)) + 1;
}

unsigned avila_h264_mvd_bits(int16_t mvx, int16_t mvy, const int16_t mvp[2])
{
    return se_bits(mvx - mvp[0]) + se_bits(mvy - mvp[1]);
}

/* ---------------------------------------------------------------- search */

/* State of one search. Integer positions are in full samples. */
struct search {
    const avila_h264_me_query *q;
    avila_h264_cmp_fn sad;
    int lo[2], hi[2]; /* integer window (bounds and range) */
    int bx, by;       /* best integer position */
    int bcost;
};

static int size_index(unsigned w, unsigned h)
{
    if (w == 16)
        return h == 16 ? AVILA_H264_PX_16x16 : AVILA_H264_PX_16x8;
    if (w == 8)
        return h == 16 ? AVILA_H264_PX_8x16 : h == 8 ? AVILA_H264_PX_8x8 : AVILA_H264_PX_8x4;
    return h == 8 ? AVILA_H264_PX_4x8 : AVILA_H264_PX_4x4;
}

static inline int rate(const avila_h264_me_query *q, int mvx, int mvy)
{
    return (int)(q->lambda * avila_h264_mvd_bits((int16_t)mvx, (int16_t)mvy, q->mvp));
}

/* Cost of integer position (x, y), which the caller has checked is in the window. */
static inline int int_cost(const struct search *s, int x, int y)
{
    const avila_h264_me_query *q = s->q;
    const uint8_t *ref = q->planes[0] + (ptrdiff_t)y * q->ref_stride + x;
    return s->sad(q->src, q->src_stride, ref, q->ref_stride) + rate(q, 4 * x, 4 * y);
}

static inline bool in_window(const struct search *s, int x, int y)
{
    return x >= s->lo[0] && x <= s->hi[0] && y >= s->lo[1] && y <= s->hi[1];
}

/* Moves the best to (x, y) if that is in the window and cheaper. */
static inline bool try_int(struct search *s, int x, int y)
{
    if (!in_window(s, x, y))
        return false;
    int c = int_cost(s, x, y);
    if (c >= s->bcost)
        return false;
    s->bcost = c;
    s->bx = x;
    s->by = y;
    return true;
}

/* A qpel component rounded to full samples (halves upwards), clamped to [lo, hi]. */
static inline int round_clamp(int v, int lo, int hi)
{
    int r = (v + 2) >> 2;
    return r < lo ? lo : r > hi ? hi : r;
}

/* Repeats pattern (n offsets) around the best while it improves; at most limit moves. */
static void pattern_search(struct search *s, const int8_t (*pat)[2], int n, int limit)
{
    for (int it = 0; it < limit; it++) {
        int cx = s->bx, cy = s->by;
        for (int i = 0; i < n; i++)
            try_int(s, cx + pat[i][0], cy + pat[i][1]);
        if (s->bx == cx && s->by == cy)
            break;
    }
}

static const int8_t diamond[4][2] = {{0, -1}, {-1, 0}, {1, 0}, {0, 1}};
static const int8_t hexagon[6][2] = {{-2, 0}, {-1, -2}, {1, -2}, {2, 0}, {1, 2}, {-1, 2}};
static const int8_t square[8][2] = {{-1, -1}, {0, -1}, {1, -1}, {-1, 0},
                                    {1, 0},   {-1, 1}, {0, 1},  {1, 1}};

static void exhaustive(struct search *s)
{
    const avila_h264_me_query *q = s->q;
    bool x4 = q->w == 16 && q->h == 16 && q->ops->sad16x16_x4;
    for (int y = s->lo[1]; y <= s->hi[1]; y++) {
        int x = s->lo[0];
        if (x4) {
            const uint8_t *row = q->planes[0] + (ptrdiff_t)y * q->ref_stride;
            for (; x + 3 <= s->hi[0]; x += 4) {
                const uint8_t *const b[4] = {row + x, row + x + 1, row + x + 2, row + x + 3};
                int d[4];
                q->ops->sad16x16_x4(q->src, q->src_stride, b, q->ref_stride, d);
                for (int i = 0; i < 4; i++) {
                    int c = d[i] + rate(q, 4 * (x + i), 4 * y);
                    if (c < s->bcost) {
                        s->bcost = c;
                        s->bx = x + i;
                        s->by = y;
                    }
                }
            }
        }
        for (; x <= s->hi[0]; x++)
            try_int(s, x, y);
    }
}

/* Integer stage: the starts, then the pattern within range of the best start. */
static void integer_search(struct search *s)
{
    const avila_h264_me_query *q = s->q;
    /* Integer bounds: ceil(mv_min / 4) .. floor(mv_max / 4). */
    int blo[2], bhi[2];
    for (int k = 0; k < 2; k++) {
        blo[k] = -((-q->mv_min[k]) >> 2);
        bhi[k] = q->mv_max[k] >> 2;
        s->lo[k] = blo[k];
        s->hi[k] = bhi[k];
    }
    /* The zero vector, or the nearest position to it where the bounds exclude it (an
     * intra refresh front, say). */
    s->bx = max_i(blo[0], min_i(bhi[0], 0));
    s->by = max_i(blo[1], min_i(bhi[1], 0));
    s->bcost = int_cost(s, s->bx, s->by);
    try_int(s, round_clamp(q->mvp[0], blo[0], bhi[0]), round_clamp(q->mvp[1], blo[1], bhi[1]));
    for (unsigned i = 0; i < q->ncands; i++)
        try_int(s, round_clamp(q->cands[i][0], blo[0], bhi[0]),
                round_clamp(q->cands[i][1], blo[1], bhi[1]));
    int range = (int)q->range;
    s->lo[0] = max_i(blo[0], s->bx - range);
    s->hi[0] = min_i(bhi[0], s->bx + range);
    s->lo[1] = max_i(blo[1], s->by - range);
    s->hi[1] = min_i(bhi[1], s->by + range);
    /* A perfect match costing only the start's rate is not worth searching around. */
    if (range == 0 || s->bcost == rate(q, 4 * s->bx, 4 * s->by))
        return;
    switch (q->method) {
    case AVILA_H264_ME_ESA:
        exhaustive(s);
        break;
    case AVILA_H264_ME_HEX:
        pattern_search(s, hexagon, 6, range);
        /* Repeated while it moves: hexagons skip diagonal valleys a single square misses. */
        pattern_search(s, square, 8, range);
        break;
    default:
        pattern_search(s, diamond, 4, 2 * range);
        break;
    }
}

/* Sub-sample stage state: qpel positions, distortion by SAD or SATD. */
struct refine {
    const avila_h264_me_query *q;
    avila_h264_cmp_fn cmp;
    int mv[2], cost, dist;
};

static void sub_eval(struct refine *r, int mvx, int mvy)
{
    const avila_h264_me_query *q = r->q;
    if (mvx < q->mv_min[0] || mvx > q->mv_max[0] || mvy < q->mv_min[1] || mvy > q->mv_max[1])
        return;
    int d;
    if (((mvx | mvy) & 1) == 0) {
        /* Full and half positions are plain samples of one plane. */
        unsigned plane = (unsigned)(mvx & 2) / 2 + (unsigned)(mvy & 2);
        const uint8_t *p = q->planes[plane] + (ptrdiff_t)(mvy >> 2) * q->ref_stride + (mvx >> 2);
        d = r->cmp(q->src, q->src_stride, p, q->ref_stride);
    } else {
        uint8_t pred[16 * 16];
        avila_h264_mc_luma(pred, 16, q->planes, q->ref_stride, mvx, mvy, q->w, q->h);
        d = r->cmp(q->src, q->src_stride, pred, 16);
    }
    int c = d + rate(q, mvx, mvy);
    if (c < r->cost) {
        r->cost = c;
        r->dist = d;
        r->mv[0] = mvx;
        r->mv[1] = mvy;
    }
}

/* One ring of the 8 neighbours at distance step around the best. */
static void sub_ring(struct refine *r, int step)
{
    int cx = r->mv[0], cy = r->mv[1];
    for (int i = 0; i < 8; i++)
        sub_eval(r, cx + step * square[i][0], cy + step * square[i][1]);
}

void avila_h264_me_search(const avila_h264_me_query *q, avila_h264_me_result *res)
{
    int size = size_index(q->w, q->h);
    struct search s = {.q = q, .sad = q->ops->sad[size]};
    integer_search(&s);
    struct refine r = {
        .q = q,
        .cmp = q->subpel >= 3 ? q->ops->satd[size] : q->ops->sad[size],
        .mv = {4 * s.bx, 4 * s.by},
        .cost = s.bcost,
        .dist = s.bcost - rate(q, 4 * s.bx, 4 * s.by),
    };
    if (q->subpel > 0) {
        if (q->subpel >= 3) {
            /* Costs change metric: start over from the integer best (which is in bounds). */
            r.cost = INT32_MAX;
            sub_eval(&r, 4 * s.bx, 4 * s.by);
        }
        if (q->mvp[0] != r.mv[0] || q->mvp[1] != r.mv[1])
            sub_eval(&r, q->mvp[0], q->mvp[1]);
        sub_ring(&r, 2);
        if (q->subpel >= 2)
            sub_ring(&r, 1);
    }
    res->mv[0] = (int16_t)r.mv[0];
    res->mv[1] = (int16_t)r.mv[1];
    res->cost = r.cost;
    res->distortion = r.dist;
}
