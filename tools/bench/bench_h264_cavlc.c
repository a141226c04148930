/*
 * tools/bench/bench_h264_cavlc.c - CAVLC residual blocks (media/h264/cavlc.h):
 * ns per block written, and per block only counted, over 4096 synthetic
 * blocks shaped like those `avila h264 encode --preset fastest --qp 26`
 * codes for 1080p camera content: half AC blocks (15 levels, half of them
 * empty), four in ten 4x4 blocks (16 levels, a quarter empty), one in ten
 * chroma DC (4 levels, nC -1); in a coded block each position holds a
 * level with a chance of 1/3 to 9/10, |level| geometric (55% ones, 24%
 * twos, ...), random signs: 25.7 bits and 4.4 levels a block on average
 * (the encoder's: 24.5 and 4.7 on /tmp/cam100.yuv).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "media/h264/cavlc.h"
#include "tools/bench/bench.h"

enum { BLOCKS = 4096, BUF_BYTES = BLOCKS * 64, MAG_MAX = 200 };

struct block {
    int16_t levels[16];
    int max_coeff, nC;
};

struct ctx {
    struct block *blocks;
    uint8_t *buf;
};

/* A random number below n from the byte stream at *r. */
static unsigned draw(const uint8_t **r, unsigned n)
{
    unsigned v = (unsigned)(*r)[0] | (unsigned)(*r)[1] << 8;
    *r += 2;
    return v % n;
}

/* |level| >= 1, geometric: each further step has a chance of 45 in 100. */
static int draw_magnitude(const uint8_t **r)
{
    int mag = 1;
    while (mag < MAG_MAX && draw(r, 100) < 45)
        mag++;
    return mag;
}

static void fill_block(struct block *blk, const uint8_t **r)
{
    /* Block kinds as coded (in 20ths), and the percentage of them empty. */
    static const int kinds[20] = {16, 16, 16, 16, 16, 16, 16, 16, 15, 15,
                                  15, 15, 15, 15, 15, 15, 15, 15, 4,  4};
    blk->max_coeff = kinds[draw(r, 20)];
    blk->nC = blk->max_coeff == 4 ? -1 : (int)draw(r, 10);
    unsigned empty_pct = blk->max_coeff == 15 ? 49 : 25;
    bool empty = draw(r, 100) < empty_pct;
    /* chance in 64 of a level at a position: 20..59, falling a little with it */
    int chance = 20 + (int)draw(r, 40);
    for (int i = 0; i < 16; i++) {
        blk->levels[i] = 0;
        if (i >= blk->max_coeff || empty)
            continue;
        if ((int)draw(r, 64) < chance - i) {
            int mag = draw_magnitude(r);
            blk->levels[i] = (int16_t)(draw(r, 2) ? -mag : mag);
        }
    }
}

static void write_blocks(void *arg)
{
    struct ctx *c = arg;
    avila_h264_bits b;
    avila_h264_bits_init(&b, c->buf, BUF_BYTES);
    for (int k = 0; k < BLOCKS; k++) {
        const struct block *blk = &c->blocks[k];
        avila_h264_cavlc_block(&b, blk->levels, blk->max_coeff, blk->nC);
    }
    bench_consume(avila_h264_bits_count(&b));
}

static void count_blocks(void *arg)
{
    const struct ctx *c = arg;
    uint64_t bits = 0;
    for (int k = 0; k < BLOCKS; k++) {
        const struct block *blk = &c->blocks[k];
        bits += (uint64_t)avila_h264_cavlc_block_bits(blk->levels, blk->max_coeff, blk->nC);
    }
    bench_consume(bits);
}

int main(void)
{
    static struct ctx c;
    /* Each block draws at most 4 + 16 * (2 + MAG_MAX) two-byte numbers. */
    size_t rand_bytes = (size_t)BLOCKS * 2 * (4 + 16 * (2 + MAG_MAX));
    uint8_t *rnd = bench_random_bytes(rand_bytes, 26);
    c.blocks = malloc(sizeof(*c.blocks) * BLOCKS);
    c.buf = malloc(BUF_BYTES);
    if (!c.blocks || !c.buf) {
        fprintf(stderr, "bench_h264_cavlc: out of memory\n");
        return 1;
    }
    const uint8_t *r = rnd;
    for (int k = 0; k < BLOCKS; k++)
        fill_block(&c.blocks[k], &r);
    bench_ns_per_op("media", "h264-cavlc/write-block", write_blocks, &c, BLOCKS);
    bench_ns_per_op("media", "h264-cavlc/count-block", count_blocks, &c, BLOCKS);
    free(c.buf);
    free(c.blocks);
    free(rnd);
    return 0;
}
