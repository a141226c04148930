/*
 * tests/media/test_h264_pixel.c - SAD, SATD, SSD and the 4-way SAD of
 * media/h264/pixel.h: every variant (portable, SSE4, AVX2) against naive
 * references written here (SATD as the matrix product H D H^T of 8.5.10's
 * Hadamard matrix), on random, extreme (0 / 255) and hand-worked blocks, with
 * odd and negative strides; and the dispatcher following avila_cpu_restrict.
 */
#include "tests/support/unit.h"

#include <stdlib.h>
#include <string.h>

#include "core/cpu.h"
#include "media/h264/pixel.h"
#include "media/h264/pixel_int.h"

/* ---------------------------------------------------------------- references */

static const int block_w[AVILA_H264_PX_SIZES] = {16, 16, 8, 8, 4, 8, 4};
static const int block_h[AVILA_H264_PX_SIZES] = {16, 8, 16, 8, 4, 4, 8};

static int ref_sad(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs, int w, int h)
{
    int s = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            s += abs(a[y * as + x] - b[y * bs + x]);
    return s;
}

/* The Hadamard matrix as 8.5.10 writes it for the Intra_16x16 DC. */
static const int hm[4][4] = {{1, 1, 1, 1}, {1, 1, -1, -1}, {1, -1, -1, 1}, {1, -1, 1, -1}};

static int ref_hadamard_sum(const int d[4][4])
{
    int t[4][4] = {{0}}, u[4][4] = {{0}};
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
            for (int k = 0; k < 4; k++)
                t[i][j] += hm[i][k] * d[k][j];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
            for (int k = 0; k < 4; k++)
                u[i][j] += t[i][k] * hm[j][k]; /* times H transposed */
    int s = 0;
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
            s += abs(u[i][j]);
    return s;
}

static int ref_satd(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs, int w, int h)
{
    int s = 0;
    for (int by = 0; by < h; by += 4)
        for (int bx = 0; bx < w; bx += 4) {
            int d[4][4];
            for (int y = 0; y < 4; y++)
                for (int x = 0; x < 4; x++)
                    d[y][x] = a[(by + y) * as + bx + x] - b[(by + y) * bs + bx + x];
            s += ref_hadamard_sum(d);
        }
    return s / 2; /* non-negative, so the same as >> 1 */
}

static uint64_t ref_ssd(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs, unsigned w,
                        unsigned h)
{
    uint64_t s = 0;
    for (unsigned y = 0; y < h; y++)
        for (unsigned x = 0; x < w; x++) {
            int64_t d = a[(ptrdiff_t)y * as + x] - b[(ptrdiff_t)y * bs + x];
            s += (uint64_t)(d * d);
        }
    return s;
}

/* ---------------------------------------------------------------- variants */

struct variant {
    const char *name;
    uint32_t cpu; /* what avila_cpu_restrict must allow to select it */
    const avila_h264_pixel_ops *ops;
};

static struct variant variants[3];
static size_t nvariants;

static void init_variants(void)
{
    nvariants = 0;
    variants[nvariants++] = (struct variant){"portable", 0, avila_h264_pixel_ops_portable()};
#if AVILA_X86_64
    uint32_t f = avila_cpu_detected();
    if (f & AVILA_CPU_SSE42)
        variants[nvariants++] = (struct variant){"sse4", AVILA_CPU_SSE42, &avila_h264_pixel_sse4};
    if ((f & (AVILA_CPU_SSE42 | AVILA_CPU_AVX2)) == (AVILA_CPU_SSE42 | AVILA_CPU_AVX2))
        variants[nvariants++] =
            (struct variant){"avx2", AVILA_CPU_SSE42 | AVILA_CPU_AVX2, &avila_h264_pixel_avx2};
#endif
}

/* Checks every block metric of every variant at (a, b) against the references. */
static void check_all(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs)
{
    for (int s = 0; s < AVILA_H264_PX_SIZES; s++) {
        int w = block_w[s], h = block_h[s];
        int sad = ref_sad(a, as, b, bs, w, h), satd = ref_satd(a, as, b, bs, w, h);
        uint64_t ssd = ref_ssd(a, as, b, bs, (unsigned)w, (unsigned)h);
        for (size_t v = 0; v < nvariants; v++) {
            const avila_h264_pixel_ops *o = variants[v].ops;
            if (o->sad[s](a, as, b, bs) != sad || o->satd[s](a, as, b, bs) != satd ||
                o->ssd(a, as, b, bs, (unsigned)w, (unsigned)h) != ssd)
                fail_msg("%s size %dx%d: sad %d/%d satd %d/%d ssd %llu/%llu", variants[v].name, w,
                         h, o->sad[s](a, as, b, bs), sad, o->satd[s](a, as, b, bs), satd,
                         (unsigned long long)o->ssd(a, as, b, bs, (unsigned)w, (unsigned)h),
                         (unsigned long long)ssd);
        }
    }
}

/* ---------------------------------------------------------------- tests */

/* SATD of 4x4 differences worked out by hand from H D H^T. */
static void satd_by_hand(void **state)
{
    (void)state;
    uint8_t a[16], b[16];
    struct {
        int d[16];
        int satd; /* (sum of |coefficients|) >> 1 */
    } cases[] = {
        /* Constant 1: only the DC, 16. */
        {{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 8},
        /* An impulse of 5 at (0, 0): every coefficient is +-5, sum 80. */
        {{5}, 40},
        /* Checkerboard +-1 is H's last row in both directions: one coefficient 16. */
        {{1, -1, 1, -1, -1, 1, -1, 1, 1, -1, 1, -1, -1, 1, -1, 1}, 8},
        /* Top row 1 2 3 4: rows of H^T give 10, -4, 0, -2, repeated in 4 rows: sum 64. */
        {{1, 2, 3, 4}, 32},
        /* Left column 1 2 3 4 (the transpose): the same 64. */
        {{1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0}, 32},
        /* Top row 1 -3 0 0: rows of H^T give -2, -2, 4, 4, in 4 rows: sum 48. */
        {{1, -3}, 24},
    };
    for (size_t i = 0; i < AVILA_ARRAY_LEN(cases); i++) {
        for (int k = 0; k < 16; k++) {
            b[k] = 128;
            a[k] = (uint8_t)(128 + cases[i].d[k]);
        }
        int d[4][4];
        for (int k = 0; k < 16; k++)
            d[k / 4][k % 4] = cases[i].d[k];
        assert_int_equal(ref_hadamard_sum(d) >> 1, cases[i].satd);
        for (size_t v = 0; v < nvariants; v++)
            assert_int_equal(variants[v].ops->satd[AVILA_H264_PX_4x4](a, 4, b, 4), cases[i].satd);
    }
}

/* Random blocks at odd and negative strides and unaligned addresses. */
static void random_blocks(void **state)
{
    (void)state;
    enum { BUF = 64 * 40 };
    static uint8_t pa[BUF], pb[BUF];
    uint64_t rng = 0x1234;
    const ptrdiff_t strides[] = {16, 17, 23, 33, 63, -17, -40};
    for (int iter = 0; iter < 300; iter++) {
        unit_rand_fill(&rng, pa, sizeof(pa));
        unit_rand_fill(&rng, pb, sizeof(pb));
        if (iter % 3 == 1) /* small differences, like real motion search */
            for (size_t i = 0; i < BUF; i++)
                pb[i] = (uint8_t)(pa[i] + (int)(pb[i] % 7) - 3);
        ptrdiff_t as = strides[iter % AVILA_ARRAY_LEN(strides)];
        ptrdiff_t bs = strides[(iter / 7) % AVILA_ARRAY_LEN(strides)];
        /* Start rows so 16 rows fit whichever way the stride points. */
        const uint8_t *a = pa + (as < 0 ? -15 * as : 0) + iter % 5;
        const uint8_t *b = pb + (bs < 0 ? -15 * bs : 0) + iter % 3;
        check_all(a, as, b, bs);
    }
}

/* Extremes: 0 against 255, and 0/255 patterns that maximise the transform. */
static void extreme_blocks(void **state)
{
    (void)state;
    static uint8_t a[16 * 16], b[16 * 16];
    for (int pattern = 0; pattern < 6; pattern++) {
        for (int y = 0; y < 16; y++)
            for (int x = 0; x < 16; x++) {
                int checker = (x + y) & 1, hstripe = y & 1, vstripe = x & 1;
                uint8_t va = 255, vb = 0;
                switch (pattern) {
                case 1:
                    va = 0, vb = 255;
                    break;
                case 2:
                    va = checker ? 255 : 0, vb = checker ? 0 : 255;
                    break;
                case 3:
                    va = hstripe ? 255 : 0, vb = 0;
                    break;
                case 4:
                    va = vstripe ? 0 : 255, vb = hstripe ? 255 : 0;
                    break;
                case 5:
                    va = vb = 255;
                    break;
                default:
                    break;
                }
                a[y * 16 + x] = va;
                b[y * 16 + x] = vb;
            }
        check_all(a, 16, b, 16);
    }
    /* The worst SATD: 255 everywhere against 0 is only a DC of 16 * 255 per 4x4. */
    memset(a, 255, sizeof(a));
    memset(b, 0, sizeof(b));
    for (size_t v = 0; v < nvariants; v++)
        assert_int_equal(variants[v].ops->satd[AVILA_H264_PX_16x16](a, 16, b, 16),
                         16 * (16 * 255) / 2);
}

/* SSD of any w x h, including widths past the SIMD paths' 4096-column runs. */
static void ssd_any_size(void **state)
{
    (void)state;
    const size_t W = 9000, ROWS = 3;
    uint8_t *a = malloc(W * ROWS), *b = malloc(W * ROWS);
    assert_non_null(a);
    assert_non_null(b);
    uint64_t rng = 99;
    unit_rand_fill(&rng, a, W * ROWS);
    unit_rand_fill(&rng, b, W * ROWS);
    for (unsigned w = 1; w <= 70; w++)
        for (unsigned h = 1; h <= 3; h++) {
            uint64_t want = ref_ssd(a + w, (ptrdiff_t)W, b + 2 * (size_t)w, (ptrdiff_t)W, w, h);
            for (size_t v = 0; v < nvariants; v++)
                assert_true(variants[v].ops->ssd(a + w, (ptrdiff_t)W, b + 2 * (size_t)w,
                                                 (ptrdiff_t)W, w, h) == want);
        }
    /* Extreme: 0 against 255 everywhere, widths at the run boundaries. */
    memset(a, 0, W * ROWS);
    memset(b, 255, W * ROWS);
    const unsigned wide[] = {4095, 4096, 4097, 4111, 8192, 8999, 9000};
    for (size_t i = 0; i < AVILA_ARRAY_LEN(wide); i++)
        for (size_t v = 0; v < nvariants; v++)
            assert_true(variants[v].ops->ssd(a, W, b, W, wide[i], ROWS) ==
                        (uint64_t)wide[i] * ROWS * 255 * 255);
    unit_rand_fill(&rng, a, W * ROWS);
    for (size_t i = 0; i < AVILA_ARRAY_LEN(wide); i++) {
        uint64_t want = ref_ssd(a, W, b, W, wide[i], ROWS);
        for (size_t v = 0; v < nvariants; v++)
            assert_true(variants[v].ops->ssd(a, W, b, W, wide[i], ROWS) == want);
    }
    free(a);
    free(b);
}

static void sad_x4(void **state)
{
    (void)state;
    enum { S = 41 };
    const ptrdiff_t s = S;
    static uint8_t src[S * 20], ref[S * 24];
    uint64_t rng = 7;
    for (int iter = 0; iter < 100; iter++) {
        unit_rand_fill(&rng, src, sizeof(src));
        unit_rand_fill(&rng, ref, sizeof(ref));
        if (iter & 1)
            memset(ref, iter & 2 ? 255 : 0, sizeof(ref));
        const uint8_t *const b[4] = {ref + 1, ref + 2 * s + 3, ref + 5, ref + 7 * s + 20};
        int want[4];
        for (int i = 0; i < 4; i++)
            want[i] = ref_sad(src + iter % 9, S, b[i], S, 16, 16);
        for (size_t v = 0; v < nvariants; v++) {
            int got[4] = {-1, -1, -1, -1};
            variants[v].ops->sad16x16_x4(src + iter % 9, S, b, S, got);
            for (int i = 0; i < 4; i++)
                assert_int_equal(got[i], want[i]);
        }
    }
}

/* Blocks ending right before a guard page: no variant reads past a block. */
static void no_overread(void **state)
{
    (void)state;
    enum { N = 16 * 16 };
    uint8_t *a = unit_guarded_alloc(N), *b = unit_guarded_alloc(N);
    uint64_t rng = 5;
    unit_rand_fill(&rng, a, N);
    unit_rand_fill(&rng, b, N);
    for (int s = 0; s < AVILA_H264_PX_SIZES; s++) {
        int w = block_w[s], h = block_h[s];
        /* Stride w: the block is the last w * h bytes. */
        const uint8_t *pa = a + N - (ptrdiff_t)w * h, *pb = b + N - (ptrdiff_t)w * h;
        int want = ref_sad(pa, w, pb, w, w, h);
        for (size_t v = 0; v < nvariants; v++) {
            assert_int_equal(variants[v].ops->sad[s](pa, w, pb, w), want);
            assert_int_equal(variants[v].ops->satd[s](pa, w, pb, w), ref_satd(pa, w, pb, w, w, h));
            assert_true(variants[v].ops->ssd(pa, w, pb, w, (unsigned)w, (unsigned)h) ==
                        ref_ssd(pa, w, pb, w, (unsigned)w, (unsigned)h));
        }
    }
    for (size_t v = 0; v < nvariants; v++)
        for (unsigned w = 1; w <= 40; w++)
            assert_true(variants[v].ops->ssd(a + N - w, 0, b + N - w, 0, w, 1) ==
                        ref_ssd(a + N - w, 0, b + N - w, 0, w, 1));
    unit_guarded_free(a, N);
    unit_guarded_free(b, N);
}

static void best_follows_restriction(void **state)
{
    (void)state;
    for (size_t v = 0; v < nvariants; v++) {
        avila_cpu_restrict(variants[v].cpu);
        if (avila_h264_pixel_ops_best() != variants[v].ops)
            fail_msg("restricted to %s, got another variant", variants[v].name);
    }
    avila_cpu_restrict(0);
    assert_ptr_equal(avila_h264_pixel_ops_best(), avila_h264_pixel_ops_portable());
    avila_cpu_restrict(AVILA_CPU_ALL);
    /* The best allowed is the last variant available on this machine. */
    assert_ptr_equal(avila_h264_pixel_ops_best(), variants[nvariants - 1].ops);
}

static int restore_cpu(void **state)
{
    (void)state;
    avila_cpu_restrict(AVILA_CPU_ALL);
    return 0;
}

int main(void)
{
    avila_cpu_init(); /* variants come from the detected bits, the dispatcher from this */
    init_variants();
    printf("# variants:");
    for (size_t v = 0; v < nvariants; v++)
        printf(" %s", variants[v].name);
    printf("\n");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(satd_by_hand),
        cmocka_unit_test(random_blocks),
        cmocka_unit_test(extreme_blocks),
        cmocka_unit_test(ssd_any_size),
        cmocka_unit_test(sad_x4),
        cmocka_unit_test(no_overread),
        cmocka_unit_test_teardown(best_follows_restriction, restore_cpu),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
