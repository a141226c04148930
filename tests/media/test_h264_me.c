/*
 * tests/media/test_h264_me.c - media/h264/me.h: MV prediction cases worked
 * from ITU-T H.264 8.4.1.3 / 8.4.1.3.1 / 8.4.1.1, se(v) lengths against a
 * bit-counting Exp-Golomb writer (9.1), and motion search on a smooth random
 * picture: planted integer and quarter-sample translations are found, the
 * reported cost and distortion are recomputed independently, and the result
 * never leaves the bounds, whatever mvp and candidates say.
 */
#include "tests/support/unit.h"

#include <stdlib.h>
#include <string.h>

#include "core/cpu.h"
#include "media/h264/mc.h"
#include "media/h264/me.h"
#include "media/h264/pixel.h"

/* ---------------------------------------------------------------- prediction */

static avila_h264_mv_cand cand(int ref, int x, int y)
{
    avila_h264_mv_cand c = {.available = true, .ref = (int8_t)ref, .mv = {(int16_t)x, (int16_t)y}};
    return c;
}

static const avila_h264_mv_cand none = {.available = false, .ref = -1, .mv = {0, 0}};
static const avila_h264_mv_cand intra = {.available = true, .ref = -1, .mv = {0, 0}};

static void expect_pred(const avila_h264_mv_cand *a, const avila_h264_mv_cand *b,
                        const avila_h264_mv_cand *c, int part, int ref, int x, int y)
{
    int16_t out[2] = {0x7777, 0x7777};
    avila_h264_mv_predict(out, a, b, c, part, ref);
    if (out[0] != x || out[1] != y)
        fail_msg("part %d ref %d: got (%d, %d), want (%d, %d)", part, ref, out[0], out[1], x, y);
}

static void predict_median(void **state)
{
    (void)state;
    avila_h264_mv_cand a = cand(0, 1, 2), b = cand(0, 5, -3), c = cand(0, 3, 7);
    /* All three refs match: component-wise median. */
    expect_pred(&a, &b, &c, AVILA_H264_PART_16x16, 0, 3, 2);
    expect_pred(&a, &b, &c, AVILA_H264_PART_OTHER, 0, 3, 2);
    /* None match ref 1: still the median. */
    expect_pred(&a, &b, &c, AVILA_H264_PART_16x16, 1, 3, 2);
    /* Two match: the median, which may come from the third. */
    avila_h264_mv_cand c1 = cand(1, -9, 40);
    expect_pred(&a, &b, &c1, AVILA_H264_PART_16x16, 0, 1, 2);
    /* Intra neighbours count as mv 0 in the median. */
    expect_pred(&a, &b, &intra, AVILA_H264_PART_16x16, 0, 1, 0);
}

static void predict_single_match(void **state)
{
    (void)state;
    avila_h264_mv_cand a = cand(1, 4, 4), b = cand(0, 8, 8), c = cand(1, -4, 0);
    expect_pred(&a, &b, &c, AVILA_H264_PART_16x16, 0, 8, 8);
    expect_pred(&a, &b, &c, AVILA_H264_PART_16x16, 1, 4, 4); /* two match: median */
    avila_h264_mv_cand a2 = cand(2, 100, -100);
    expect_pred(&a2, &b, &c, AVILA_H264_PART_16x16, 2, 100, -100);
    expect_pred(&a2, &b, &c, AVILA_H264_PART_16x16, 1, -4, 0);
}

static void predict_b_c_unavailable(void **state)
{
    (void)state;
    avila_h264_mv_cand a = cand(0, 6, -2), a1 = cand(1, 6, -2);
    /* B and C outside the picture (top row): A stands in for both. */
    expect_pred(&a, &none, &none, AVILA_H264_PART_16x16, 0, 6, -2);
    /* Even when A's ref differs: the median of three copies of A. */
    expect_pred(&a1, &none, &none, AVILA_H264_PART_16x16, 0, 6, -2);
    /* B and C intra (available, ref -1): no substitution. */
    expect_pred(&a, &intra, &intra, AVILA_H264_PART_16x16, 0, 6, -2); /* A the only match */
    expect_pred(&a1, &intra, &intra, AVILA_H264_PART_16x16, 0, 0, 0); /* median(A, 0, 0) */
    /* Only C unavailable: no substitution either; median(A, B, 0). */
    avila_h264_mv_cand b = cand(0, 4, 4);
    expect_pred(&a, &b, &none, AVILA_H264_PART_16x16, 0, 4, 0);
    /* A unavailable too: all zero. */
    expect_pred(&none, &none, &none, AVILA_H264_PART_16x16, 0, 0, 0);
    /* Only A unavailable, B and C present: median(0, B, C) with B, C matching. */
    avila_h264_mv_cand c = cand(0, 8, -8);
    expect_pred(&none, &b, &c, AVILA_H264_PART_16x16, 0, 4, 0);
}

static void predict_directional(void **state)
{
    (void)state;
    avila_h264_mv_cand a = cand(0, 10, 11), b = cand(0, 20, 21), c = cand(0, 30, 31);
    avila_h264_mv_cand a1 = cand(1, 10, 11), b1 = cand(1, 20, 21), c1 = cand(1, 30, 31);
    /* Matching refs pick the directional neighbour even though the median is B. */
    expect_pred(&a, &b, &c, AVILA_H264_PART_16x8_TOP, 0, 20, 21);
    expect_pred(&a, &b, &c, AVILA_H264_PART_16x8_BOTTOM, 0, 10, 11);
    expect_pred(&a, &b, &c, AVILA_H264_PART_8x16_LEFT, 0, 10, 11);
    expect_pred(&a, &b, &c, AVILA_H264_PART_8x16_RIGHT, 0, 30, 31);
    /* A different ref falls back to 8.4.1.3.1: here the only match. */
    expect_pred(&a, &b1, &c1, AVILA_H264_PART_16x8_TOP, 0, 10, 11);
    expect_pred(&a1, &b1, &c, AVILA_H264_PART_16x8_BOTTOM, 0, 30, 31);
    expect_pred(&a1, &b, &c1, AVILA_H264_PART_8x16_LEFT, 0, 20, 21);
    expect_pred(&a, &b1, &c1, AVILA_H264_PART_8x16_RIGHT, 0, 10, 11);
    /* 16x16 and OTHER take no direction: the median 20, 21. */
    expect_pred(&a, &b, &c, AVILA_H264_PART_16x16, 0, 20, 21);
    /* Top 16x8 in the top row: B, C unavailable, A matches through the substitution. */
    expect_pred(&a, &none, &none, AVILA_H264_PART_16x8_TOP, 0, 10, 11);
    /* Right 8x16 with C (really D) intra: no direction, median(A, B, 0). */
    expect_pred(&a, &b, &intra, AVILA_H264_PART_8x16_RIGHT, 0, 10, 11);
}

static void predict_skip(void **state)
{
    (void)state;
    int16_t out[2];
    avila_h264_mv_cand a = cand(0, 3, 3), b = cand(0, 5, 1), c = cand(0, 9, 9);
    avila_h264_mv_cand zero0 = cand(0, 0, 0), zero1 = cand(1, 0, 0), a1 = cand(1, 0, 0);
    struct {
        const avila_h264_mv_cand *a, *b, *c;
        int x, y;
    } cases[] = {
        {&none, &b, &c, 0, 0},  /* A not available */
        {&a, &none, &c, 0, 0},  /* B not available */
        {&zero0, &b, &c, 0, 0}, /* A ref 0 and mv 0 */
        {&a, &zero0, &c, 0, 0}, /* B ref 0 and mv 0 */
        {&a, &b, &c, 5, 3},     /* median of (3, 3), (5, 1), (9, 9) */
        {&zero1, &b, &c, 5, 1}, /* ref 1, mv 0 does not force zero; B, C match: median(0, 5, 9) */
        {&a1, &b, &none, 5, 1}, /* C unavailable: only B matches ref 0 */
        {&intra, &b, &c, 5, 1}, /* intra A: available, median(0, 5, 9), (0, 1, 9) */
        {&a, &b, &none, 3, 1},  /* A, B match: median(3, 5, 0), (3, 1, 0) */
    };
    for (size_t i = 0; i < AVILA_ARRAY_LEN(cases); i++) {
        out[0] = out[1] = 0x7777;
        avila_h264_mv_predict_skip(out, cases[i].a, cases[i].b, cases[i].c);
        if (out[0] != cases[i].x || out[1] != cases[i].y)
            fail_msg("case %zu: (%d, %d) != (%d, %d)", i, out[0], out[1], cases[i].x, cases[i].y);
    }
}

/* Bits an Exp-Golomb writer emits for se(v): prefix zeros, a one, suffix (9.1, 9.1.1). */
static unsigned written_bits(int v)
{
    unsigned k = v > 0 ? (unsigned)(2 * v - 1) : (unsigned)(-2 * v);
    unsigned leading = 0;
    while (((k + 1) >> (leading + 1)) != 0)
        leading++;
    return 2 * leading + 1;
}

static void mvd_bits(void **state)
{
    (void)state;
    const int16_t mvp[2] = {-7, 12};
    /* Table 9-3 lengths: 0 -> 1, +-1 -> 3, +-2 and +-3 -> 5, 4 -> 7. */
    assert_int_equal(avila_h264_mvd_bits(-7, 12, mvp), 2);
    assert_int_equal(avila_h264_mvd_bits(-6, 11, mvp), 6);
    assert_int_equal(avila_h264_mvd_bits(-9, 15, mvp), 10);
    assert_int_equal(avila_h264_mvd_bits(-3, 12, mvp), 8);
    for (int dx = -3000; dx <= 3000; dx += 7)
        for (int dy = -40; dy <= 40; dy++)
            assert_int_equal(
                avila_h264_mvd_bits((int16_t)(mvp[0] + dx), (int16_t)(mvp[1] + dy), mvp),
                written_bits(dx) + written_bits(dy));
    const int16_t zero[2] = {0, 0};
    assert_int_equal(avila_h264_mvd_bits(-8192, 8191, zero),
                     written_bits(-8192) + written_bits(8191));
}

/* ---------------------------------------------------------------- search */

#define PW     96
#define PH     80
#define PAD    AVILA_H264_PAD_LUMA
#define STRIDE ((ptrdiff_t)(PW + 2 * PAD))

static uint8_t planes_mem[4][STRIDE * (PH + 2 * PAD)];
static uint8_t *plane[4];
static uint8_t cur[PH][PW];

static uint8_t *at(int i, int x, int y)
{
    return plane[i] + y * STRIDE + x;
}

/* Smooth texture: a random 13x11 grid bilinearly upsampled 8x, plus noise of +-2. */
static void make_reference(uint64_t seed)
{
    uint8_t grid[11][13];
    unit_rand_fill(&seed, grid, sizeof(grid));
    for (int i = 0; i < 4; i++)
        plane[i] = planes_mem[i] + PAD * STRIDE + PAD;
    for (int y = 0; y < PH; y++)
        for (int x = 0; x < PW; x++) {
            int gx = x / 8, gy = y / 8, fx = x % 8, fy = y % 8;
            int v = (grid[gy][gx] * (8 - fx) * (8 - fy) + grid[gy][gx + 1] * fx * (8 - fy) +
                     grid[gy + 1][gx] * (8 - fx) * fy + grid[gy + 1][gx + 1] * fx * fy + 32) >>
                    6;
            v += (int)(unit_rand(&seed) % 5) - 2;
            *at(0, x, y) = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
    avila_h264_pad_plane(plane[0], STRIDE, PW, PH, PAD);
    avila_h264_mc_hpel(plane[1], plane[2], plane[3], plane[0], STRIDE, PW, PH, PAD);
}

/* The current picture's block at (x, y) is the reference predicted at mv. */
static void plant(int x, int y, unsigned w, unsigned h, int mvx, int mvy)
{
    const uint8_t *pl[4] = {at(0, x, y), at(1, x, y), at(2, x, y), at(3, x, y)};
    avila_h264_mc_luma(&cur[y][x], PW, pl, STRIDE, mvx, mvy, w, h);
}

static void query_init(avila_h264_me_query *q, int x, int y, unsigned w, unsigned h)
{
    memset(q, 0, sizeof(*q));
    q->src = &cur[y][x];
    q->src_stride = PW;
    for (int i = 0; i < 4; i++)
        q->planes[i] = at(i, x, y);
    q->ref_stride = STRIDE;
    q->w = w;
    q->h = h;
    avila_h264_mv_bounds(q->mv_min, q->mv_max, (unsigned)x, (unsigned)y, w, h, PW, PH, PAD, 2048);
    q->lambda = 4;
    q->method = AVILA_H264_ME_HEX;
    q->range = 16;
    q->subpel = 3;
    q->ops = avila_h264_pixel_ops_best();
}

static int size_of(unsigned w, unsigned h)
{
    return w == 16 ? (h == 16 ? AVILA_H264_PX_16x16 : AVILA_H264_PX_16x8)
                   : (h == 16 ? AVILA_H264_PX_8x16 : AVILA_H264_PX_8x8);
}

/* Recomputes r's distortion and cost from scratch and checks the bounds. */
static void check_result(const avila_h264_me_query *q, const avila_h264_me_result *r)
{
    assert_true(r->mv[0] >= q->mv_min[0] && r->mv[0] <= q->mv_max[0]);
    assert_true(r->mv[1] >= q->mv_min[1] && r->mv[1] <= q->mv_max[1]);
    if (q->subpel == 0)
        assert_true((r->mv[0] & 3) == 0 && (r->mv[1] & 3) == 0);
    uint8_t pred[16 * 16];
    avila_h264_mc_luma(pred, 16, q->planes, q->ref_stride, r->mv[0], r->mv[1], q->w, q->h);
    const avila_h264_pixel_ops *o = avila_h264_pixel_ops_portable();
    int s = size_of(q->w, q->h);
    int d = q->subpel >= 3 ? o->satd[s](q->src, q->src_stride, pred, 16)
                           : o->sad[s](q->src, q->src_stride, pred, 16);
    assert_int_equal(r->distortion, d);
    assert_int_equal(r->cost,
                     d + (int)(q->lambda * avila_h264_mvd_bits(r->mv[0], r->mv[1], q->mvp)));
}

static void search_integer_translation(void **state)
{
    (void)state;
    const unsigned methods[] = {AVILA_H264_ME_DIA, AVILA_H264_ME_HEX, AVILA_H264_ME_ESA};
    const unsigned dims[][2] = {{16, 16}, {16, 8}, {8, 16}, {8, 8}};
    uint64_t rng = 42;
    int found[3] = {0}, tried[3] = {0};
    for (int iter = 0; iter < 60; iter++) {
        make_reference(1000 + (uint64_t)iter);
        unsigned w = dims[iter % 4][0], h = dims[iter % 4][1];
        int x = 16 + (int)(unit_rand(&rng) % (PW - 32 - w));
        int y = 16 + (int)(unit_rand(&rng) % (PH - 32 - h));
        int dx = (int)(unit_rand(&rng) % 11) - 5, dy = (int)(unit_rand(&rng) % 11) - 5;
        plant(x, y, w, h, 4 * dx, 4 * dy);
        for (size_t m = 0; m < AVILA_ARRAY_LEN(methods); m++)
            for (unsigned sub = 0; sub <= 3; sub++) {
                avila_h264_me_query q;
                avila_h264_me_result r;
                query_init(&q, x, y, w, h);
                q.method = methods[m];
                q.subpel = sub;
                q.lambda = 1;
                avila_h264_me_search(&q, &r);
                check_result(&q, &r);
                tried[m]++;
                found[m] += r.mv[0] == 4 * dx && r.mv[1] == 4 * dy && r.distortion == 0;
                /* The exhaustive search cannot miss a zero-distortion match in range. */
                if (methods[m] == AVILA_H264_ME_ESA)
                    assert_true(r.mv[0] == 4 * dx && r.mv[1] == 4 * dy);
            }
    }
    /*
     * Pattern searches are heuristics that can stop in a local minimum; on a
     * smooth picture the hexagon nearly always lands, the small diamond
     * (4 directions) somewhat less often.
     */
    print_message("# integer translations found: dia %d, hex %d, esa %d of %d each\n", found[0],
                  found[1], found[2], tried[0]);
    assert_int_equal(found[2], tried[2]);
    assert_true(found[1] * 100 >= tried[1] * 95);
    assert_true(found[0] * 100 >= tried[0] * 85);
}

static void search_subpel_translation(void **state)
{
    (void)state;
    uint64_t rng = 77;
    int found = 0, tried = 0;
    for (int iter = 0; iter < 80; iter++) {
        make_reference(2000 + (uint64_t)iter);
        int x = 24 + (int)(unit_rand(&rng) % 40), y = 24 + (int)(unit_rand(&rng) % 30);
        int mvx = (int)(unit_rand(&rng) % 33) - 16, mvy = (int)(unit_rand(&rng) % 33) - 16;
        plant(x, y, 16, 16, mvx, mvy);
        for (unsigned sub = 2; sub <= 3; sub++) {
            avila_h264_me_query q;
            avila_h264_me_result r;
            query_init(&q, x, y, 16, 16);
            q.subpel = sub;
            q.lambda = 0;
            avila_h264_me_search(&q, &r);
            check_result(&q, &r);
            tried++;
            found += r.mv[0] == mvx && r.mv[1] == mvy;
        }
        /* Half-sample precision finds half-sample truths exactly. */
        int hx = mvx & ~1, hy = mvy & ~1;
        plant(x, y, 16, 16, hx, hy);
        avila_h264_me_query q;
        avila_h264_me_result r;
        query_init(&q, x, y, 16, 16);
        q.subpel = 1;
        q.lambda = 0;
        q.method = AVILA_H264_ME_ESA;
        q.mvp[0] = q.mvp[1] = 0;
        avila_h264_me_search(&q, &r);
        check_result(&q, &r);
        tried++;
        found += r.mv[0] == hx && r.mv[1] == hy;
    }
    print_message("# sub-sample translations found: %d of %d\n", found, tried);
    assert_true(found * 100 >= tried * 90);
}

/* A far translation is found through a candidate, and mvp pulls with lambda. */
static void search_uses_candidates(void **state)
{
    (void)state;
    make_reference(5);
    int x = 48, y = 40;
    plant(x, y, 16, 16, 4 * 27, -4 * 25); /* beyond range 8 of every default start */
    const int16_t cands[2][2] = {{-40, 4}, {4 * 25, -4 * 23}};
    avila_h264_me_query q;
    avila_h264_me_result r;
    query_init(&q, x, y, 16, 16);
    q.range = 8;
    q.method = AVILA_H264_ME_DIA;
    q.cands = cands;
    q.ncands = 2;
    avila_h264_me_search(&q, &r);
    check_result(&q, &r);
    assert_int_equal(r.mv[0], 4 * 27);
    assert_int_equal(r.mv[1], -4 * 25);
    assert_int_equal(r.distortion, 0);
}

/* Extreme mvp, candidates and ranges never push the result out of bounds. */
static void search_stays_in_bounds(void **state)
{
    (void)state;
    uint64_t rng = 9;
    make_reference(6);
    const unsigned dims[][2] = {{16, 16}, {16, 8}, {8, 16}, {8, 8}};
    for (int iter = 0; iter < 400; iter++) {
        unsigned w = dims[iter % 4][0], h = dims[iter % 4][1];
        int x = (int)(unit_rand(&rng) % (PW - w + 1)), y = (int)(unit_rand(&rng) % (PH - h + 1));
        if (iter & 8)
            x = iter & 16 ? 0 : PW - (int)w;
        if (iter & 32)
            y = iter & 64 ? 0 : PH - (int)h;
        unit_rand_fill(&rng, cur, sizeof(cur));
        avila_h264_me_query q;
        avila_h264_me_result r;
        query_init(&q, x, y, w, h);
        /* Tighter bounds sometimes, as a level's vertical limit would give. */
        if (iter % 3 == 0) {
            q.mv_min[1] = (int16_t)(q.mv_min[1] / 3);
            q.mv_max[1] = (int16_t)(q.mv_max[1] / 3);
        }
        /* Bounds without the zero vector sometimes, as an intra refresh front gives: only
         * vectors pointing at least a few samples left. */
        int16_t front = (int16_t)(-4 * (int)(1 + unit_rand(&rng) % 8));
        if (iter % 5 == 1 && q.mv_min[0] <= front)
            q.mv_max[0] = front;
        int16_t cands[3][2];
        const int16_t far[] = {-32768, 32767, -8192, 8191, -1, 1};
        q.mvp[0] = far[unit_rand(&rng) % 6];
        q.mvp[1] = far[unit_rand(&rng) % 6];
        for (int i = 0; i < 3; i++) {
            cands[i][0] = far[unit_rand(&rng) % 6];
            cands[i][1] = (int16_t)(unit_rand(&rng) & 0xFFFF);
        }
        q.cands = cands;
        q.ncands = 3;
        q.method = (unsigned)iter % 3;
        q.range = (unsigned)(unit_rand(&rng) % 40);
        q.subpel = (unsigned)(iter / 3) % 4;
        q.lambda = (unsigned)(unit_rand(&rng) % 64);
        avila_h264_me_search(&q, &r);
        check_result(&q, &r);
    }
}

int main(void)
{
    avila_cpu_init(); /* AVILA_CPU=portable runs the search on the portable metrics */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(predict_median),
        cmocka_unit_test(predict_single_match),
        cmocka_unit_test(predict_b_c_unavailable),
        cmocka_unit_test(predict_directional),
        cmocka_unit_test(predict_skip),
        cmocka_unit_test(mvd_bits),
        cmocka_unit_test(search_integer_translation),
        cmocka_unit_test(search_subpel_translation),
        cmocka_unit_test(search_uses_candidates),
        cmocka_unit_test(search_stays_in_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
