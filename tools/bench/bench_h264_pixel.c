/*
 * tools/bench/bench_h264_pixel.c - the H.264 encoder's inner loops: block
 * metrics of media/h264/pixel.h (ns per block, over a 1080p picture's
 * blocks), SSD of a 1080p luma plane, half-sample planes of a 1080p
 * reference (ms per frame), quarter-sample luma prediction and one 16x16
 * motion search. AVILA_CPU=portable (or sse4.2, ...) picks the variant.
 */
#include <stdio.h>
#include <stdlib.h>

#include "core/cpu.h"
#include "media/h264/mc.h"
#include "media/h264/me.h"
#include "media/h264/pixel.h"
#include "tools/bench/bench.h"

enum {
    W = 1920,
    H = 1088,
    PAD = AVILA_H264_PAD_LUMA,
    STRIDE = W + 2 * PAD,
    NBLOCKS = (W / 16) * (H / 16)
};
#define BLOCKS ((double)NBLOCKS)

struct ctx {
    const avila_h264_pixel_ops *ops;
    uint8_t *cur;      /* W x H, stride W */
    uint8_t *mem[4];   /* padded planes */
    uint8_t *plane[4]; /* sample (0, 0) of each */
    int size;          /* AVILA_H264_PX_* for the metric cases */
};

static struct ctx g;

static const uint8_t *ref_at(int i, ptrdiff_t x, ptrdiff_t y)
{
    return g.plane[i] + (ptrdiff_t)y * STRIDE + x;
}

/* Each metric case walks every 16x16 block of the picture against the reference displaced by (1,
 * 1). */
static void sad_blocks(void *unused)
{
    (void)unused;
    uint64_t sum = 0;
    for (ptrdiff_t y = 0; y < H; y += 16)
        for (ptrdiff_t x = 0; x < W; x += 16)
            sum +=
                (uint64_t)g.ops->sad[g.size](g.cur + y * W + x, W, ref_at(0, x + 1, y + 1), STRIDE);
    bench_consume(sum);
}

static void satd_blocks(void *unused)
{
    (void)unused;
    uint64_t sum = 0;
    for (ptrdiff_t y = 0; y < H; y += 16)
        for (ptrdiff_t x = 0; x < W; x += 16)
            sum += (uint64_t)g.ops->satd[g.size](g.cur + y * W + x, W, ref_at(0, x + 1, y + 1),
                                                 STRIDE);
    bench_consume(sum);
}

static void sad_x4_blocks(void *unused)
{
    (void)unused;
    uint64_t sum = 0;
    for (ptrdiff_t y = 0; y < H; y += 16)
        for (ptrdiff_t x = 0; x < W; x += 16) {
            const uint8_t *const b[4] = {ref_at(0, x, y), ref_at(0, x + 1, y), ref_at(0, x + 2, y),
                                         ref_at(0, x + 3, y)};
            int out[4];
            g.ops->sad16x16_x4(g.cur + y * W + x, W, b, STRIDE, out);
            sum += (uint64_t)(out[0] + out[1] + out[2] + out[3]);
        }
    bench_consume(sum);
}

static void ssd_frame(void *unused)
{
    (void)unused;
    bench_consume(g.ops->ssd(g.cur, W, g.plane[0], STRIDE, W, H));
}

static void hpel_frame(void *unused)
{
    (void)unused;
    avila_h264_mc_hpel(g.plane[1], g.plane[2], g.plane[3], g.plane[0], STRIDE, W, H, PAD);
    bench_consume(g.plane[3][W / 2]);
}

static void luma_blocks(void *unused)
{
    (void)unused;
    uint8_t dst[16 * 16];
    uint64_t sum = 0;
    int i = 0;
    for (ptrdiff_t y = 0; y < H; y += 16)
        for (ptrdiff_t x = 0; x < W; x += 16, i++) {
            const uint8_t *pl[4] = {ref_at(0, x, y), ref_at(1, x, y), ref_at(2, x, y),
                                    ref_at(3, x, y)};
            avila_h264_mc_luma(dst, 16, pl, STRIDE, (i * 7) % 29 - 14, (i * 5) % 23 - 11, 16, 16);
            sum += dst[i & 255];
        }
    bench_consume(sum);
}

static unsigned me_method, me_subpel;

static void search_blocks(void *unused)
{
    (void)unused;
    uint64_t sum = 0;
    for (ptrdiff_t y = 0; y < H; y += 16)
        for (ptrdiff_t x = 0; x < W; x += 16) {
            avila_h264_me_query q = {
                .src = g.cur + y * W + x,
                .src_stride = W,
                .planes = {ref_at(0, x, y), ref_at(1, x, y), ref_at(2, x, y), ref_at(3, x, y)},
                .ref_stride = STRIDE,
                .w = 16,
                .h = 16,
                .lambda = 4,
                .method = me_method,
                .range = 16,
                .subpel = me_subpel,
                .ops = g.ops,
            };
            avila_h264_mv_bounds(q.mv_min, q.mv_max, (unsigned)x, (unsigned)y, 16, 16, W, H, PAD,
                                 2048);
            avila_h264_me_result r;
            avila_h264_me_search(&q, &r);
            sum += (uint64_t)r.cost;
        }
    bench_consume(sum);
}

/*
 * A smooth picture (a coarse random grid, bilinearly upsampled) and the same
 * picture moved by (3, -2) samples plus noise as the current one, so motion
 * searches have something to find.
 */
static void make_pictures(void)
{
    uint8_t *grid = bench_random_bytes((size_t)(W / 16 + 2) * (H / 16 + 2), 1);
    uint8_t *noise = bench_random_bytes((size_t)W * H, 2);
    const int gw = W / 16 + 2;
    g.cur = malloc((size_t)W * H);
    for (int i = 0; i < 4; i++) {
        g.mem[i] = malloc((size_t)STRIDE * (H + 2 * PAD));
        if (!g.mem[i] || !g.cur) {
            fprintf(stderr, "bench_h264_pixel: out of memory\n");
            exit(1);
        }
        g.plane[i] = g.mem[i] + (ptrdiff_t)PAD * STRIDE + PAD;
    }
    for (ptrdiff_t y = 0; y < H; y++)
        for (ptrdiff_t x = 0; x < W; x++) {
            int gx = x / 16, gy = y / 16, fx = x % 16, fy = y % 16;
            int v = (grid[gy * gw + gx] * (16 - fx) * (16 - fy) +
                     grid[gy * gw + gx + 1] * fx * (16 - fy) +
                     grid[(gy + 1) * gw + gx] * (16 - fx) * fy +
                     grid[(gy + 1) * gw + gx + 1] * fx * fy) >>
                    8;
            g.plane[0][(ptrdiff_t)y * STRIDE + x] = (uint8_t)v;
        }
    avila_h264_pad_plane(g.plane[0], STRIDE, W, H, PAD);
    avila_h264_mc_hpel(g.plane[1], g.plane[2], g.plane[3], g.plane[0], STRIDE, W, H, PAD);
    for (ptrdiff_t y = 0; y < H; y++)
        for (ptrdiff_t x = 0; x < W; x++) {
            int v = *ref_at(0, x + 3, y - 2) + noise[y * W + x] % 5 - 2;
            g.cur[y * W + x] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
    free(grid);
    free(noise);
}

int main(void)
{
    avila_cpu_init();
    g.ops = avila_h264_pixel_ops_best();
    make_pictures();
    static const char *const names[AVILA_H264_PX_SIZES] = {"16x16", "16x8", "8x16", "8x8",
                                                           "4x4",   "8x4",  "4x8"};
    char name[64];
    for (int s = 0; s < AVILA_H264_PX_SIZES; s++) {
        g.size = s;
        snprintf(name, sizeof name, "h264-sad/%s", names[s]);
        bench_ns_per_op("media", name, sad_blocks, NULL, BLOCKS);
        snprintf(name, sizeof name, "h264-satd/%s", names[s]);
        bench_ns_per_op("media", name, satd_blocks, NULL, BLOCKS);
    }
    bench_ns_per_op("media", "h264-sad16x16-x4", sad_x4_blocks, NULL, BLOCKS);
    bench_throughput("media", "h264-ssd/1080p", ssd_frame, NULL, (double)W * H);
    bench_ns_per_op("media", "h264-hpel/1080p-frame", hpel_frame, NULL, 1);
    bench_ns_per_op("media", "h264-mc-luma/16x16", luma_blocks, NULL, BLOCKS);
    static const struct {
        const char *name;
        unsigned method, subpel;
    } searches[] = {
        {"h264-me/16x16-dia-int", AVILA_H264_ME_DIA, 0},
        {"h264-me/16x16-hex-qpel-satd", AVILA_H264_ME_HEX, 3},
        {"h264-me/16x16-esa16-int", AVILA_H264_ME_ESA, 0},
    };
    for (size_t i = 0; i < sizeof searches / sizeof searches[0]; i++) {
        me_method = searches[i].method;
        me_subpel = searches[i].subpel;
        if (bench_selected("media", searches[i].name))
            bench_ns_per_op("media", searches[i].name, search_blocks, NULL, BLOCKS);
    }
    for (int i = 0; i < 4; i++)
        free(g.mem[i]);
    free(g.cur);
    return 0;
}
