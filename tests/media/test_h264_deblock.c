/*
 * tests/media/test_h264_deblock.c - H.264 deblocking (ITU-T H.264 (08/2021)
 * 8.7): boundary strengths of 8.7.2.1, edges whose filtered samples are
 * worked out by hand from 8.7.2.3 / 8.7.2.4 with Tables 8-16 and 8-17, and
 * properties (row splits, flat pictures), and the row wavefront against
 * the plain filter, its jobs run one after another and on threads.
 */
#include "tests/support/unit.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>

#include "media/h264/deblock.h"

/* A picture of up to MAXW x MAXH macroblocks, luma and 4:2:0 chroma; rows wide
 * enough for the wavefront's jobs to overlap. */
#define MAXW 24
#define MAXH 12
#define YROW ((ptrdiff_t)MAXW * 16) /* row strides */
#define CROW ((ptrdiff_t)MAXW * 8)
struct pic {
    uint8_t y[MAXH * 16][MAXW * 16];
    uint8_t u[MAXH * 8][MAXW * 8];
    uint8_t v[MAXH * 8][MAXW * 8];
    avila_h264_mb_deblock mb[MAXW * MAXH];
    avila_h264_deblock_params p;
};

static int rnd(uint64_t *s, int lo, int hi)
{
    return lo + (int)(unit_rand(s) % (uint64_t)(hi - lo + 1));
}

static void pic_init(struct pic *pc, unsigned w, unsigned h, int qp)
{
    memset(pc, 0, sizeof *pc);
    pc->p.mb_width = w;
    pc->p.mb_height = h;
    for (unsigned k = 0; k < w * h; k++)
        pc->mb[k].qp = (uint8_t)qp;
}

static void run(struct pic *pc)
{
    avila_h264_deblock_rows(&pc->y[0][0], YROW, &pc->u[0][0], &pc->v[0][0], CROW, pc->mb, &pc->p, 0,
                            pc->p.mb_height);
}

/* Luma columns: x < 16 at a, 16..19 at b, 20.. at 200 (so the edge x = 20
 * has |p0 - q0| >= alpha and is left alone); every row equal, so horizontal
 * edges see no step. Chroma likewise at half the size, or flat. */
static void columns(struct pic *pc, int a, int b, bool chroma)
{
    for (int y = 0; y < 16; y++)
        for (int x = 0; x < 32; x++)
            pc->y[y][x] = (uint8_t)(x < 16 ? a : x < 20 ? b : 200);
    for (int y = 0; y < 8; y++)
        for (int x = 0; x < 16; x++) {
            uint8_t c = (uint8_t)(!chroma ? 128 : x < 8 ? a : x < 12 ? b : 200);
            pc->u[y][x] = c;
            pc->v[y][x] = c;
        }
}

static void expect_row(const struct pic *pc, const int want[32])
{
    for (int y = 0; y < 16; y++)
        for (int x = 0; x < 32; x++)
            assert_int_equal(pc->y[y][x], want[x]);
}

static void bs4_luma_edge_strong_and_weak(void **state)
{
    (void)state;
    struct pic pc;
    int want[32];
    /* qp 30 both sides: indexA = indexB = 30, alpha' 25, beta' 8. Step 6 <
     * (25 >> 2) + 2 = 8 and ap = aq = 0 < 8: the strong filter, 8-477..8-479
     * and 8-484..8-486:
     *   p0' = (60 + 120 + 120 + 132 + 66 + 4) >> 3 = 62
     *   p1' = (60 + 60 + 60 + 66 + 2) >> 2 = 62
     *   p2' = (120 + 180 + 60 + 60 + 66 + 4) >> 3 = 61
     *   q0' = (60 + 120 + 132 + 132 + 66 + 4) >> 3 = 64
     *   q1' = (60 + 66 + 66 + 66 + 2) >> 2 = 65
     *   q2' = (132 + 198 + 66 + 66 + 60 + 4) >> 3 = 65 */
    pic_init(&pc, 2, 1, 30);
    pc.mb[0].intra = pc.mb[1].intra = 1;
    columns(&pc, 60, 66, false);
    run(&pc);
    for (int x = 0; x < 32; x++)
        want[x] = x < 16 ? 60 : x < 20 ? 66 : 200;
    want[13] = 61, want[14] = 62, want[15] = 62, want[16] = 64, want[17] = 65, want[18] = 65;
    expect_row(&pc, want);

    /* Step 10 >= 8: only p0, q0 change (8-480, 8-487):
     *   p0' = (2*60 + 60 + 70 + 2) >> 2 = 63, q0' = (2*70 + 70 + 60 + 2) >> 2 = 68 */
    pic_init(&pc, 2, 1, 30);
    pc.mb[0].intra = 1; /* one intra side is enough for bS 4 */
    columns(&pc, 60, 70, false);
    run(&pc);
    for (int x = 0; x < 32; x++)
        want[x] = x < 16 ? 60 : x < 20 ? 70 : 200;
    want[15] = 63, want[16] = 68;
    expect_row(&pc, want);
}

static void bs2_luma_edge_clips_to_tc(void **state)
{
    (void)state;
    struct pic pc;
    int want[32];
    /* Inter macroblocks, the right one with coefficients: bS 2 on the edge.
     * qp 30: tC0' = 1; ap = aq = 0 < beta, so tC = 1 + 1 + 1 = 3.
     *   delta = Clip3(-3, 3, (40 - 10 + 4) >> 3 = 4) = 3: p0' 63, q0' 67
     *   p1' = 60 + Clip3(-1, 1, (60 + 65 - 120) >> 1 = 2) = 61
     *   q1' = 70 + Clip3(-1, 1, (70 + 65 - 140) >> 1 = -3) = 69 */
    pic_init(&pc, 2, 1, 30);
    pc.mb[1].nonzero = 0x1111; /* left column of blocks */
    columns(&pc, 60, 70, false);
    run(&pc);
    for (int x = 0; x < 32; x++)
        want[x] = x < 16 ? 60 : x < 20 ? 70 : 200;
    want[14] = 61, want[15] = 63, want[16] = 67, want[17] = 69;
    expect_row(&pc, want);

    /* bS 1 from a motion difference of 4 quarter samples, qp 36 and 30
     * averaged to 33: alpha' 36, beta' 9, tC0'(33, 1) = 2, tC = 4.
     *   delta = Clip3(-4, 4, (40 - 10 + 4) >> 3 = 4) = 4: p0' 64, q0' 66
     *   p1' = 60 + Clip3(-2, 2, (60 + 65 - 120) >> 1 = 2) = 62
     *   q1' = 70 + Clip3(-2, 2, -3) = 68 */
    pic_init(&pc, 2, 1, 30);
    pc.mb[0].qp = 36;
    for (int b = 0; b < 16; b++)
        pc.mb[1].mv[b][1] = -4;
    columns(&pc, 60, 70, false);
    run(&pc);
    want[14] = 62, want[15] = 64, want[16] = 66, want[17] = 68;
    expect_row(&pc, want);

    /* Motion difference 3: bS 0, nothing changes. */
    pic_init(&pc, 2, 1, 30);
    for (int b = 0; b < 16; b++)
        pc.mb[1].mv[b][0] = 3;
    columns(&pc, 60, 70, false);
    run(&pc);
    for (int x = 0; x < 32; x++)
        want[x] = x < 16 ? 60 : x < 20 ? 70 : 200;
    expect_row(&pc, want);
}

static void filter_off_when_step_reaches_alpha(void **state)
{
    (void)state;
    struct pic pc;
    int want[32];
    /* |p0 - q0| = 25 = alpha'(30): 8-460 is false, for bS 4 too. */
    pic_init(&pc, 2, 1, 30);
    pc.mb[0].intra = pc.mb[1].intra = 1;
    columns(&pc, 60, 85, true);
    run(&pc);
    for (int x = 0; x < 32; x++)
        want[x] = x < 16 ? 60 : x < 20 ? 85 : 200;
    expect_row(&pc, want);
    /* 24 < 25 filters. */
    columns(&pc, 60, 84, false);
    run(&pc);
    assert_int_not_equal(pc.y[0][15], 60);
    /* |p1 - p0| = beta: off. */
    pic_init(&pc, 2, 1, 30);
    pc.mb[0].intra = 1;
    columns(&pc, 60, 70, false);
    for (int y = 0; y < 16; y++)
        pc.y[y][14] = 52; /* |52 - 60| = 8 = beta'(30) */
    run(&pc);
    assert_int_equal(pc.y[0][15], 60);
    assert_int_equal(pc.y[0][16], 70);
    /* Low QP: alpha' is 0 below indexA 16, nothing is ever filtered. */
    pic_init(&pc, 2, 1, 15);
    pc.mb[0].intra = pc.mb[1].intra = 1;
    columns(&pc, 60, 61, true);
    run(&pc);
    assert_int_equal(pc.y[0][15], 60);
    assert_int_equal(pc.u[0][7], 60);
    /* ... unless FilterOffsetA/B lift it: qp 15 + 12 = 27, alpha' 17, beta' 6.
     * A step of 12 < 17 filters; 12 >= (17 >> 2) + 2 = 6 makes bS 4 weak:
     * p0' = (2*60 + 60 + 72 + 2) >> 2 = 63, q0' = (2*72 + 72 + 60 + 2) >> 2 = 69. */
    pic_init(&pc, 2, 1, 15);
    pc.p.alpha_offset = 12;
    pc.p.beta_offset = 12;
    pc.mb[0].intra = 1;
    columns(&pc, 60, 72, false);
    run(&pc);
    assert_int_equal(pc.y[0][15], 63);
    assert_int_equal(pc.y[0][16], 69);
}

static void chroma_edges(void **state)
{
    (void)state;
    struct pic pc;
    /* qp 30, chroma_qp_index_offset 0: QPc 29 both sides, indexA 29:
     * alpha' 22, beta' 7, tC0'(29, 2) = 1.
     * bS 4 (intra), 8-480 with chromaStyle: p0' = (120 + 60 + 70 + 2) >> 2
     * = 63, q0' = (140 + 70 + 60 + 2) >> 2 = 68; p1, q1 unchanged. */
    pic_init(&pc, 2, 1, 30);
    pc.mb[1].intra = 1;
    columns(&pc, 60, 70, true);
    run(&pc);
    for (int y = 0; y < 8; y++)
        for (int x = 0; x < 16; x++) {
            int want = x < 8 ? 60 : x < 12 ? 70 : 200;
            want = x == 7 ? 63 : x == 8 ? 68 : want;
            assert_int_equal(pc.u[y][x], want);
            assert_int_equal(pc.v[y][x], want);
        }
    /* bS 2, tC = tC0 + 1 = 2: delta = Clip3(-2, 2, 4) = 2: 62 and 68. */
    pic_init(&pc, 2, 1, 30);
    pc.mb[0].nonzero = 0x8888;
    columns(&pc, 60, 70, true);
    run(&pc);
    for (int y = 0; y < 8; y++)
        for (int x = 0; x < 16; x++) {
            int want = x < 8 ? 60 : x < 12 ? 70 : 200;
            want = x == 7 ? 62 : x == 8 ? 68 : want;
            assert_int_equal(pc.u[y][x], want);
        }
    /* The chroma offset moves QPc: qp 30 + 12 -> QPc 37, indexA 37 gives
     * alpha' 56, tC0'(37, 2) = 3, tC 4: a step of 40 now filters,
     * delta = Clip3(-4, 4, (160 - 40 + 4) >> 3 = 15) = 4: 64 and 96. */
    pic_init(&pc, 2, 1, 30);
    pc.p.chroma_qp_index_offset = 12;
    pc.mb[0].nonzero = 0x8888;
    columns(&pc, 60, 100, true);
    run(&pc);
    assert_int_equal(pc.u[3][7], 64);
    assert_int_equal(pc.u[3][8], 96);
    /* Only lines whose luma segment has bS != 0 are filtered: nonzero in
     * block row 1 only -> chroma rows 2, 3 (row 3 is then changed again by
     * the horizontal edge at row 4, so look at the others). */
    pic_init(&pc, 2, 1, 30);
    pc.mb[0].nonzero = 0x0080;
    columns(&pc, 60, 70, true);
    run(&pc);
    static const int rows[] = {0, 1, 2, 5, 6, 7};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        assert_int_equal(pc.u[rows[i]][7], rows[i] == 2 ? 62 : 60);
}

static void boundary_strengths(void **state)
{
    (void)state;
    struct pic pc;
    uint8_t bs[2][4][4];
    pic_init(&pc, 3, 2, 26);
    /* Picture borders are never filtered. */
    assert_int_equal(avila_h264_deblock_bs(bs, pc.mb, &pc.p, 0, 0), 0);
    pc.mb[0].intra = 1;
    avila_h264_deblock_bs(bs, pc.mb, &pc.p, 0, 0);
    for (int k = 0; k < 4; k++) {
        assert_int_equal(bs[0][0][k], 0);
        assert_int_equal(bs[1][0][k], 0);
        for (int e = 1; e < 4; e++) {
            assert_int_equal(bs[0][e][k], 3); /* inside an intra macroblock */
            assert_int_equal(bs[1][e][k], 3);
        }
    }
    /* Right neighbour: 4 on the shared edge, from the intra side. */
    assert_int_equal(avila_h264_deblock_bs(bs, pc.mb, &pc.p, 1, 0), 1);
    for (int k = 0; k < 4; k++) {
        assert_int_equal(bs[0][0][k], 4);
        assert_int_equal(bs[1][0][k], 0);
        assert_int_equal(bs[0][2][k], 0);
    }
    /* Below it: 4 on the top edge. */
    avila_h264_deblock_bs(bs, pc.mb, &pc.p, 0, 1);
    for (int k = 0; k < 4; k++)
        assert_int_equal(bs[1][0][k], 4);
    /* Inter macroblock (1, 1): coefficients in block (bx 2, by 1) give 2 on
     * its four sides; the top neighbour's block (bx 3, by 3) with
     * coefficients gives 2 on the top edge segment 3; a vertical MV step of
     * 4 between block columns 0 and 1 gives 1 there, except where 2 wins;
     * -3 horizontally against the left neighbour gives 0. */
    avila_h264_mb_deblock *m = &pc.mb[4];
    m->nonzero = 1u << (1 * 4 + 2);
    pc.mb[1].nonzero = 1u << (3 * 4 + 3);
    for (int by = 0; by < 4; by++)
        m->mv[by * 4 + 1][1] = m->mv[by * 4 + 2][1] = m->mv[by * 4 + 3][1] = 4;
    for (int b = 0; b < 16; b++)
        pc.mb[3].mv[b][0] = 3;
    avila_h264_deblock_bs(bs, pc.mb, &pc.p, 1, 1);
    static const uint8_t v[4][4] = {
        /* vertical edges e = 0..3, segments (block rows) k = 0..3 */
        {0, 0, 0, 0},
        {1, 1, 1, 1},
        {0, 2, 0, 0},
        {0, 2, 0, 0},
    };
    static const uint8_t h[4][4] = {
        /* horizontal edges e = 0..3, segments (block columns) k = 0..3 */
        {0, 1, 1, 2}, /* top: equal MVs, MV step 4, MV step 4, coefficients above */
        {0, 0, 2, 0},
        {0, 0, 2, 0},
        {0, 0, 0, 0},
    };
    for (int e = 0; e < 4; e++)
        for (int k = 0; k < 4; k++) {
            assert_int_equal(bs[0][e][k], v[e][k]);
            assert_int_equal(bs[1][e][k], h[e][k]);
        }
}

/* Random macroblock data, for the property tests. */
static void random_pic(struct pic *pc, uint64_t *s, unsigned w, unsigned h, bool flat)
{
    pic_init(pc, w, h, 0);
    pc->p.chroma_qp_index_offset = rnd(s, -12, 12);
    pc->p.alpha_offset = 2 * rnd(s, -6, 6);
    pc->p.beta_offset = 2 * rnd(s, -6, 6);
    for (unsigned k = 0; k < w * h; k++) {
        avila_h264_mb_deblock *m = &pc->mb[k];
        m->qp = (uint8_t)rnd(s, 10, 51);
        m->intra = rnd(s, 0, 3) == 0;
        m->nonzero = (uint16_t)(rnd(s, 0, 1) ? unit_rand(s) : 0);
        int mx = rnd(s, -8, 8), my = rnd(s, -8, 8);
        for (int b = 0; b < 16; b++) {
            bool own = rnd(s, 0, 3) == 0;
            m->mv[b][0] = (int16_t)(own ? rnd(s, -9, 9) : mx);
            m->mv[b][1] = (int16_t)(own ? rnd(s, -9, 9) : my);
        }
    }
    int base = rnd(s, 0, 255);
    for (unsigned y = 0; y < MAXH * 16; y++)
        for (unsigned x = 0; x < MAXW * 16; x++)
            pc->y[y][x] = (uint8_t)(flat ? base : base + rnd(s, -30, 30));
    for (unsigned y = 0; y < MAXH * 8; y++)
        for (unsigned x = 0; x < MAXW * 8; x++) {
            pc->u[y][x] = (uint8_t)(flat ? base : rnd(s, 100, 140));
            pc->v[y][x] = (uint8_t)(flat ? base : rnd(s, 0, 255));
        }
}

static void row_splits_equal_one_call(void **state)
{
    (void)state;
    uint64_t s = 41;
    static struct pic a, b;
    for (int it = 0; it < 300; it++) {
        random_pic(&a, &s, MAXW, MAXH, false);
        b = a;
        run(&a);
        unsigned k = (unsigned)rnd(&s, 0, MAXH);
        avila_h264_deblock_rows(&b.y[0][0], YROW, &b.u[0][0], &b.v[0][0], CROW, b.mb, &b.p, 0, k);
        avila_h264_deblock_rows(&b.y[0][0], YROW, &b.u[0][0], &b.v[0][0], CROW, b.mb, &b.p, k,
                                MAXH);
        assert_memory_equal(a.y, b.y, sizeof a.y);
        assert_memory_equal(a.u, b.u, sizeof a.u);
        assert_memory_equal(a.v, b.v, sizeof a.v);
    }
}

static void flat_picture_stays_flat(void **state)
{
    (void)state;
    uint64_t s = 43;
    static struct pic a, b;
    for (int it = 0; it < 300; it++) {
        random_pic(&a, &s, MAXW, MAXH, true);
        b = a;
        run(&a);
        assert_memory_equal(a.y, b.y, sizeof a.y);
        assert_memory_equal(a.u, b.u, sizeof a.u);
        assert_memory_equal(a.v, b.v, sizeof a.v);
    }
}

/* Inter macroblocks with no coefficients and one motion vector: nothing to
 * filter, whatever the samples. */
static void still_inter_picture_is_untouched(void **state)
{
    (void)state;
    uint64_t s = 47;
    static struct pic a, b;
    random_pic(&a, &s, MAXW, MAXH, false);
    for (unsigned k = 0; k < MAXW * MAXH; k++) {
        a.mb[k].intra = 0;
        a.mb[k].nonzero = 0;
        for (int bl = 0; bl < 16; bl++) {
            a.mb[k].mv[bl][0] = 5;
            a.mb[k].mv[bl][1] = -2;
        }
    }
    b = a;
    run(&a);
    assert_memory_equal(a.y, b.y, sizeof a.y);
    assert_memory_equal(a.u, b.u, sizeof a.u);
}

/* Pixels outside the picture's planes are never touched: the planes are
 * placed inside larger buffers with guard bytes. */
static void stays_inside_the_planes(void **state)
{
    (void)state;
    uint64_t s = 53;
    static struct pic a;
    enum { YS = MAXW * 16 + 8, CS = MAXW * 8 + 8 };
    static uint8_t yb[(MAXH * 16 + 8) * YS], ub[(MAXH * 8 + 8) * CS], vb[(MAXH * 8 + 8) * CS];
    for (int it = 0; it < 50; it++) {
        random_pic(&a, &s, MAXW, MAXH, false);
        for (size_t k = 0; k < sizeof a.mb / sizeof a.mb[0]; k++)
            a.mb[k].intra = 1;
        memset(yb, 0xa5, sizeof yb);
        memset(ub, 0xa5, sizeof ub);
        memset(vb, 0xa5, sizeof vb);
        uint8_t *y0 = yb + 4 * (ptrdiff_t)YS + 4, *u0 = ub + 4 * (ptrdiff_t)CS + 4;
        uint8_t *v0 = vb + 4 * (ptrdiff_t)CS + 4;
        for (ptrdiff_t y = 0; y < (ptrdiff_t)MAXH * 16; y++)
            memcpy(y0 + y * YS, a.y[y], sizeof a.y[y]);
        for (ptrdiff_t y = 0; y < (ptrdiff_t)MAXH * 8; y++) {
            memcpy(u0 + y * CS, a.u[y], sizeof a.u[y]);
            memcpy(v0 + y * CS, a.v[y], sizeof a.v[y]);
        }
        avila_h264_deblock_rows(y0, YS, u0, v0, CS, a.mb, &a.p, 0, MAXH);
        run(&a);
        /* Inside: what the plain call produced; outside: untouched. */
        for (ptrdiff_t y = 0; y < (ptrdiff_t)MAXH * 16; y++)
            assert_memory_equal(y0 + y * YS, a.y[y], sizeof a.y[y]);
        for (ptrdiff_t y = 0; y < (ptrdiff_t)MAXH * 8; y++) {
            assert_memory_equal(u0 + y * CS, a.u[y], sizeof a.u[y]);
            assert_memory_equal(v0 + y * CS, a.v[y], sizeof a.v[y]);
        }
        for (int y = 0; y < MAXH * 16 + 8; y++)
            for (int x = 0; x < YS; x++)
                if (y < 4 || y >= MAXH * 16 + 4 || x < 4 || x >= MAXW * 16 + 4)
                    assert_int_equal(yb[y * YS + x], 0xa5);
        for (int y = 0; y < MAXH * 8 + 8; y++)
            for (int x = 0; x < CS; x++)
                if (y < 4 || y >= MAXH * 8 + 4 || x < 4 || x >= MAXW * 8 + 4) {
                    assert_int_equal(ub[y * CS + x], 0xa5);
                    assert_int_equal(vb[y * CS + x], 0xa5);
                }
    }
}

/* One job of a wavefront over pc: filters the rows it claims; returns how many. */
static unsigned wave_job(struct pic *pc, avila_h264_deblock_wave *w)
{
    unsigned row, rows = 0;
    while ((row = avila_h264_deblock_wave_claim(w)) < pc->p.mb_height) {
        avila_h264_deblock_wave_row(w, &pc->y[0][0], YROW, &pc->u[0][0], &pc->v[0][0], CROW, pc->mb,
                                    &pc->p, row);
        rows++;
    }
    return rows;
}

/* A job on a thread of its own, started with the others at once. */
struct wave_thread {
    pthread_t id;
    struct pic *pc;
    avila_h264_deblock_wave *w;
    atomic_uint *waiting; /* jobs not yet at the start line */
    unsigned rows;
};

static void *wave_thread_main(void *arg)
{
    struct wave_thread *t = arg;
    atomic_fetch_sub(t->waiting, 1);
    while (atomic_load(t->waiting) > 0) {
    }
    t->rows = wave_job(t->pc, t->w);
    return NULL;
}

/* The wavefront's wait hook on threads: gives the core away, as the CLI's does. */
static void yield_core(void *ctx)
{
    (void)ctx;
    sched_yield();
}

/* Filters pc with a wavefront of `jobs` jobs, one after another or on threads (with a wait
 * hook). */
static void wave_filter(struct pic *pc, unsigned jobs, bool threads)
{
    static avila_h264_deblock_row rows[MAXH];
    avila_h264_deblock_wave w;
    avila_h264_deblock_wave_init(&w, rows, pc->p.mb_height, threads ? yield_core : NULL, NULL);
    if (!threads) {
        unsigned done = 0;
        for (unsigned j = 0; j < jobs; j++)
            done += wave_job(pc, &w);
        assert_int_equal(done, pc->p.mb_height);
        return;
    }
    struct wave_thread t[3];
    atomic_uint waiting = jobs;
    for (unsigned j = 0; j < jobs; j++) {
        t[j] = (struct wave_thread){.pc = pc, .w = &w, .waiting = &waiting};
        assert_int_equal(pthread_create(&t[j].id, NULL, wave_thread_main, &t[j]), 0);
    }
    unsigned done = 0;
    for (unsigned j = 0; j < jobs; j++) {
        assert_int_equal(pthread_join(t[j].id, NULL), 0);
        done += t[j].rows;
    }
    assert_int_equal(done, pc->p.mb_height);
}

/* 1, 2 and 3 jobs give the picture avila_h264_deblock_rows gives, on random pictures of
 * random sizes. */
static void wavefront_equals_rows(bool threads, int iterations)
{
    uint64_t s = 59;
    static struct pic a, ref, b;
    for (int it = 0; it < iterations; it++) {
        random_pic(&a, &s, (unsigned)rnd(&s, 1, MAXW), (unsigned)rnd(&s, 1, MAXH), false);
        ref = a;
        run(&ref);
        for (unsigned jobs = 1; jobs <= 3; jobs++) {
            b = a;
            wave_filter(&b, jobs, threads);
            assert_memory_equal(ref.y, b.y, sizeof b.y);
            assert_memory_equal(ref.u, b.u, sizeof b.u);
            assert_memory_equal(ref.v, b.v, sizeof b.v);
        }
    }
}

static void wavefront_jobs_one_after_another(void **state)
{
    (void)state;
    wavefront_equals_rows(false, 200);
}

static void wavefront_jobs_on_threads(void **state)
{
    (void)state;
    wavefront_equals_rows(true, 200);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bs4_luma_edge_strong_and_weak),
        cmocka_unit_test(bs2_luma_edge_clips_to_tc),
        cmocka_unit_test(filter_off_when_step_reaches_alpha),
        cmocka_unit_test(chroma_edges),
        cmocka_unit_test(boundary_strengths),
        cmocka_unit_test(row_splits_equal_one_call),
        cmocka_unit_test(flat_picture_stays_flat),
        cmocka_unit_test(still_inter_picture_is_untouched),
        cmocka_unit_test(stays_inside_the_planes),
        cmocka_unit_test(wavefront_jobs_one_after_another),
        cmocka_unit_test(wavefront_jobs_on_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
