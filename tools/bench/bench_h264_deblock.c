/*
 * tools/bench/bench_h264_deblock.c - the H.264 deblocking filter
 * (media/h264/deblock.h) on a 1080p 4:2:0 picture: ns per frame, the
 * picture restored from a copy before each pass (a memcpy of 3 MB, counted
 * in). Macroblocks at QP 32, a third intra (bS 4 and 3), the rest inter
 * with random coded blocks and small random vectors (bS 0..2): most edges
 * filter something. AVILA_CPU=portable picks the portable edge filters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cpu.h"
#include "media/h264/deblock.h"
#include "tools/bench/bench.h"

enum { MBW = 120, MBH = 68, W = MBW * 16, H = MBH * 16, CW = W / 2, CH = H / 2 };

struct ctx {
    uint8_t *pic, *orig; /* Y, then U, then V, tightly packed */
    avila_h264_mb_deblock *mb;
    avila_h264_deblock_params p;
};

static void deblock_frame(void *arg)
{
    struct ctx *c = arg;
    size_t size = (size_t)W * H + 2 * (size_t)CW * CH;
    memcpy(c->pic, c->orig, size);
    uint8_t *u = c->pic + (size_t)W * H, *v = u + (size_t)CW * CH;
    avila_h264_deblock_rows(c->pic, W, u, v, CW, c->mb, &c->p, 0, MBH);
    bench_consume(c->pic[W * 17 + 3]);
}

/* Smooth planes (a coarse random grid, bilinearly upsampled) plus a little noise. */
static void fill_plane(uint8_t *dst, int w, int h, uint64_t seed)
{
    const int gw = w / 8 + 2;
    uint8_t *grid = bench_random_bytes((size_t)gw * (h / 8 + 2), seed);
    uint8_t *noise = bench_random_bytes((size_t)w * h, seed + 1);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int gx = x / 8, gy = y / 8, fx = x % 8, fy = y % 8;
            int g =
                (grid[gy * gw + gx] * (8 - fx) * (8 - fy) + grid[gy * gw + gx + 1] * fx * (8 - fy) +
                 grid[(gy + 1) * gw + gx] * (8 - fx) * fy +
                 grid[(gy + 1) * gw + gx + 1] * fx * fy) >>
                6;
            int s = g + noise[(size_t)y * w + x] % 5 - 2;
            dst[(size_t)y * w + x] = (uint8_t)(s < 0 ? 0 : s > 255 ? 255 : s);
        }
    free(grid);
    free(noise);
}

int main(void)
{
    avila_cpu_init();
    static struct ctx c;
    size_t size = (size_t)W * H + 2 * (size_t)CW * CH;
    c.pic = malloc(size);
    c.orig = malloc(size);
    c.mb = calloc((size_t)MBW * MBH, sizeof *c.mb);
    uint8_t *r = bench_random_bytes((size_t)MBW * MBH * 36, 7);
    if (!c.pic || !c.orig || !c.mb) {
        fprintf(stderr, "bench_h264_deblock: out of memory\n");
        return 1;
    }
    fill_plane(c.orig, W, H, 1);
    fill_plane(c.orig + (size_t)W * H, CW, CH, 3);
    fill_plane(c.orig + (size_t)W * H + (size_t)CW * CH, CW, CH, 5);
    for (size_t k = 0; k < (size_t)MBW * MBH; k++) {
        const uint8_t *rk = r + k * 36;
        c.mb[k].qp = 32;
        c.mb[k].intra = rk[0] % 3 == 0;
        c.mb[k].nonzero = (uint16_t)(rk[1] | rk[2] << 8);
        for (int b = 0; b < 16; b++) {
            c.mb[k].mv[b][0] = (int16_t)(rk[3 + b] % 9 - 4);
            c.mb[k].mv[b][1] = (int16_t)(rk[19 + b] % 9 - 4);
        }
    }
    c.p = (avila_h264_deblock_params){.mb_width = MBW, .mb_height = MBH};
    bench_ns_per_op("media", "h264-deblock/1080p-frame", deblock_frame, &c, 1);
    free(r);
    free(c.mb);
    free(c.orig);
    free(c.pic);
    return 0;
}
