/*
 * tests/media/test_h264_deblock_simd.c - every variant of the luma and
 * chroma edge filters (media/h264/deblock_int.h) changes exactly the
 * samples the portable ones change, to the same values, on both edge
 * directions and off-unit steps (the fallback): random
 * and extreme samples (0/255 steps, smooth lines with small steps so every
 * filter branch runs), bS 0..4 per segment, alpha and beta over their whole
 * range, indexA 0..51; and avila_h264_deblock_rows gives the same picture
 * dispatched and restricted to portable code. The portable code itself is
 * checked against the standard by test_h264_deblock.c. Variants the CPU
 * lacks are skipped.
 */
#include "tests/support/unit.h"

#include <stdbool.h>
#include <string.h>

#include "core/cpu.h"
#include "media/h264/deblock_int.h"

struct variant {
    const char *name;
    const avila_h264_deblock_ops *ops;
    uint32_t cpu; /* needed to run it */
};

static const struct variant variants[] = {
#if AVILA_X86_64
    {"avx2", &avila_h264_deblock_avx2, AVILA_CPU_AVX2},
#endif
    {"portable", &avila_h264_deblock_portable, 0}, /* against itself: keeps the list non-empty */
};

#define PORTABLE (&avila_h264_deblock_portable)

static bool runnable(const struct variant *v)
{
    return (avila_cpu_detected() & v->cpu) == v->cpu;
}

static int rnd(uint64_t *s, int lo, int hi)
{
    return lo + (int)(unit_rand(s) % (uint64_t)(hi - lo + 1));
}

static uint8_t clamp255(int x)
{
    return (uint8_t)(x < 0 ? 0 : x > 255 ? 255 : x);
}

/* A 16-line edge in the middle of a 32x32 area with a margin all round. */
#define SIDE    32
#define EDGE_AT (8 * SIDE + 8)

/*
 * Fills the area in one of several shapes; the smooth ones have one step
 * between rows 15 and 16 (dir 1) or columns 15 and 16 (dir 0), where the
 * edge lies.
 */
static void fill(uint64_t *rng, uint8_t a[SIDE * SIDE], int mode, int dir)
{
    static const uint8_t ext[] = {0, 1, 2, 127, 128, 253, 254, 255};
    int base = rnd(rng, 0, 255), step = rnd(rng, -(mode == 2 ? 60 : 12), mode == 2 ? 60 : 12);
    int noise = mode == 4 ? 4 : 1;
    for (int i = 0; i < SIDE * SIDE; i++) {
        bool q = (dir ? i / SIDE : i % SIDE) >= 16;
        if (mode == 0) /* anything */
            a[i] = (uint8_t)unit_rand(rng);
        else if (mode == 1) /* the extremes */
            a[i] = ext[unit_rand(rng) % sizeof ext];
        else /* smooth, noisy, every branch of both filters */
            a[i] = clamp255(base + (q ? step : 0) + rnd(rng, -noise, noise));
    }
}

/* Random parameters: bS 0..4 per segment, alpha 0..255, beta 0..18, indexA 0..51. */
static avila_h264_edge_th random_th(uint64_t *rng, uint8_t bs[4])
{
    for (int k = 0; k < 4; k++)
        bs[k] = (uint8_t)rnd(rng, 0, 4);
    avila_h264_edge_th t;
    switch (unit_rand(rng) % 4) {
    case 0: /* the table limits */
        t.alpha = 255, t.beta = 18, t.index_a = 51;
        break;
    case 1:
        t.alpha = rnd(rng, 0, 3), t.beta = rnd(rng, 0, 2), t.index_a = rnd(rng, 0, 51);
        break;
    default:
        t.alpha = rnd(rng, 0, 255), t.beta = rnd(rng, 0, 18), t.index_a = rnd(rng, 0, 51);
        break;
    }
    return t;
}

/* Where the edge of dir (1: horizontal, 0: vertical) lies in an area: its step at 16. */
static ptrdiff_t edge_at(int dir)
{
    return dir ? (ptrdiff_t)16 * SIDE + 8 : (ptrdiff_t)8 * SIDE + 16;
}

static void expect_same(const struct variant *v, const char *what, const uint8_t *want,
                        const uint8_t *got, int iter, const uint8_t bs[4], avila_h264_edge_th t)
{
    for (int i = 0; i < SIDE * SIDE; i++)
        if (want[i] != got[i])
            fail_msg("%s %s iter %d bs %d%d%d%d alpha %d beta %d indexA %d: (%d, %d) %d != %d",
                     v->name, what, iter, bs[0], bs[1], bs[2], bs[3], t.alpha, t.beta, t.index_a,
                     i % SIDE, i / SIDE, got[i], want[i]);
}

/* Steps across and along the edge of iteration iter: both directions, now and then a wider one. */
static void steps(int iter, ptrdiff_t *xs, ptrdiff_t *ys)
{
    int dir = iter & 1;
    *xs = dir ? SIDE : 1;
    *ys = dir ? 1 : SIDE;
    if (iter % 16 == 15) /* neither 1: the portable fallback */
        *ys = dir ? 2 : 2 * SIDE;
}

static void luma_edge_variants_agree(void **state)
{
    (void)state;
    uint64_t rng = 9;
    uint8_t in[SIDE * SIDE], want[SIDE * SIDE], got[SIDE * SIDE];
    for (size_t vi = 0; vi < AVILA_ARRAY_LEN(variants); vi++) {
        const struct variant *v = &variants[vi];
        if (!runnable(v))
            continue;
        for (int iter = 0; iter < 200000; iter++) {
            int dir = iter & 1;
            ptrdiff_t xs, ys;
            steps(iter, &xs, &ys);
            uint8_t bs[4];
            avila_h264_edge_th t = random_th(&rng, bs);
            fill(&rng, in, (iter >> 1) % 5, dir);
            memcpy(want, in, sizeof in);
            memcpy(got, in, sizeof in);
            PORTABLE->luma_edge(want + edge_at(dir), xs, ys, bs, t);
            v->ops->luma_edge(got + edge_at(dir), xs, ys, bs, t);
            expect_same(v, "luma", want, got, iter, bs, t);
        }
    }
}

static void chroma_edge_variants_agree(void **state)
{
    (void)state;
    uint64_t rng = 11;
    uint8_t in[2][SIDE * SIDE], want[2][SIDE * SIDE], got[2][SIDE * SIDE];
    for (size_t vi = 0; vi < AVILA_ARRAY_LEN(variants); vi++) {
        const struct variant *v = &variants[vi];
        if (!runnable(v))
            continue;
        for (int iter = 0; iter < 200000; iter++) {
            int dir = iter & 1;
            ptrdiff_t xs, ys;
            steps(iter, &xs, &ys);
            uint8_t bs[4];
            avila_h264_edge_th t = random_th(&rng, bs);
            fill(&rng, in[0], (iter >> 1) % 5, dir);
            fill(&rng, in[1], (iter >> 3) % 5, dir);
            memcpy(want, in, sizeof in);
            memcpy(got, in, sizeof in);
            PORTABLE->chroma_edge(want[0] + edge_at(dir), want[1] + edge_at(dir), xs, ys, bs, t);
            v->ops->chroma_edge(got[0] + edge_at(dir), got[1] + edge_at(dir), xs, ys, bs, t);
            expect_same(v, "chroma cb", want[0], got[0], iter, bs, t);
            expect_same(v, "chroma cr", want[1], got[1], iter, bs, t);
        }
    }
}

static void dispatch_picks_allowed_variant(void **state)
{
    (void)state;
    const avila_h264_deblock_ops *want = PORTABLE;
#if AVILA_X86_64
    if (avila_cpu_features() & AVILA_CPU_AVX2)
        want = &avila_h264_deblock_avx2;
#endif
    assert_ptr_equal(avila_h264_deblock_best(), want);
}

/* ------------------------------------------------------------- pictures */

#define MBW 5
#define MBH 4

struct pic {
    uint8_t y[MBH * 16 * MBW * 16], u[MBH * 8 * MBW * 8], v[MBH * 8 * MBW * 8];
};

static void deblock(struct pic *pc, const avila_h264_mb_deblock *mb,
                    const avila_h264_deblock_params *p)
{
    avila_h264_deblock_rows(pc->y, (ptrdiff_t)MBW * 16, pc->u, pc->v, (ptrdiff_t)MBW * 8, mb, p, 0,
                            MBH);
}

static void pictures_agree_with_portable(void **state)
{
    (void)state;
    uint64_t rng = 10;
    avila_h264_mb_deblock mb[MBW * MBH];
    avila_h264_deblock_params p = {.mb_width = MBW, .mb_height = MBH};
    static struct pic in, want, got;
    for (int iter = 0; iter < 300; iter++) {
        for (size_t i = 0; i < sizeof in.y; i++)
            in.y[i] =
                clamp255(100 + (int)(i % ((size_t)MBW * 16)) / 4 * (iter % 7) + rnd(&rng, -6, 6));
        unit_rand_fill(&rng, in.u, sizeof in.u);
        unit_rand_fill(&rng, in.v, sizeof in.v);
        for (int k = 0; k < MBW * MBH; k++) {
            mb[k].qp = (uint8_t)rnd(&rng, 0, 51);
            mb[k].intra = (uint8_t)(unit_rand(&rng) % 3 == 0);
            mb[k].nonzero = (uint16_t)unit_rand(&rng);
            for (int b = 0; b < 16; b++) {
                mb[k].mv[b][0] = (int16_t)rnd(&rng, -6, 6);
                mb[k].mv[b][1] = (int16_t)rnd(&rng, -6, 6);
            }
        }
        p.alpha_offset = 2 * rnd(&rng, -6, 6);
        p.beta_offset = 2 * rnd(&rng, -6, 6);
        p.chroma_qp_index_offset = rnd(&rng, -12, 12);
        want = in;
        got = in;
        avila_cpu_restrict(0);
        deblock(&want, mb, &p);
        avila_cpu_restrict(AVILA_CPU_ALL);
        deblock(&got, mb, &p);
        if (memcmp(&want, &got, sizeof want) != 0)
            fail_msg("picture %d differs from the portable result", iter);
    }
}

int main(void)
{
    avila_cpu_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dispatch_picks_allowed_variant),
        cmocka_unit_test(luma_edge_variants_agree),
        cmocka_unit_test(chroma_edge_variants_agree),
        cmocka_unit_test(pictures_agree_with_portable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
