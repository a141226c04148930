/*
 * tests/media/test_h264_glyph.c - glyph copies (media/h264/enc_glyph.c):
 * text typed on a screen whose characters already show elsewhere. A model
 * (a brute-force search of the last picture for each block) says which
 * 8x8 blocks have exact copies; the encoder's candidates (read from
 * media/h264/enc_int.h) must be there exactly for those blocks, each an
 * exact copy, and include the nearest one. The copies must make the P
 * picture much cheaper. Bit-exactness against ffmpeg is in
 * tests/apps/test_h264.sh.
 */
#include "tests/support/unit.h"

#include <stdlib.h>
#include <string.h>

#include "media/h264.h"
#include "media/h264/enc_int.h"

#define W      ((size_t)320)
#define H      ((size_t)160)
#define INK    16
#define PAPER  235
#define GLYPHS 6

/* A deterministic generator (a 32-bit LCG's top bits). */
static uint32_t next(uint32_t *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return *seed >> 16;
}

/* Glyph g's 6x10 bitmap, bit y * 6 + x. */
static uint64_t glyph(unsigned g)
{
    uint32_t seed = 99 + g;
    uint64_t bits = 0;
    for (unsigned i = 0; i < 60; i++)
        bits |= (uint64_t)(next(&seed) & 1) << i;
    return bits;
}

static void draw(uint8_t *y, unsigned g, unsigned x0, unsigned y0)
{
    uint64_t bits = glyph(g);
    for (unsigned i = 0; i < 60; i++)
        if (bits >> i & 1)
            y[(y0 + i / 6) * W + x0 + i % 6] = INK;
}

/*
 * Picture 0: six lines of text on a 7 x 12 grid; picture 1 adds a line
 * typed lower down (line 9), of the same glyphs.
 */
static void picture(uint8_t *y, unsigned t)
{
    memset(y, PAPER, W * H);
    uint32_t seed = 5;
    for (unsigned line = 0; line < 6; line++)
        for (unsigned x0 = 5; x0 + 6 < W; x0 += 7)
            draw(y, next(&seed) % GLYPHS, x0, 4 + 12 * line);
    if (t)
        for (unsigned x0 = 5; x0 + 6 < W - 40; x0 += 7)
            draw(y, next(&seed) % GLYPHS, x0, 4 + 12 * 9);
}

static bool same_block(const uint8_t *a, const uint8_t *b)
{
    for (unsigned i = 0; i < 8; i++)
        if (memcmp(a + i * W, b + i * W, 8) != 0)
            return false;
    return true;
}

static bool has_ink(const uint8_t *p)
{
    for (unsigned i = 0; i < 8; i++)
        for (unsigned j = 0; j < 8; j++)
            if (p[i * W + j] == INK)
                return true;
    return false;
}

static uint8_t pics[2][W * H];

/* Encodes pictures 0 and 1 with the preset; glyph off if asked. Returns the second's bytes. */
static avila_h264_encoder *encode_two(enum avila_h264_preset preset, bool glyph_off, int *bytes)
{
    static uint8_t chroma[W * H / 4];
    memset(chroma, 128, sizeof chroma);
    struct avila_h264_config c;
    avila_h264_config_default(&c, W, H);
    c.preset = preset;
    c.qp = 20;
    avila_h264_encoder *e;
    assert_int_equal(avila_h264_encoder_create(&e, &c, avila_allocator_libc()), 0);
    if (glyph_off)
        e->glyph = false;
    size_t cap = avila_h264_max_frame_bytes(e);
    uint8_t *out = malloc(cap);
    assert_non_null(out);
    for (unsigned t = 0; t < 2; t++) {
        picture(pics[t], t);
        struct avila_h264_picture p = {.layout = AVILA_H264_I420,
                                       .plane = {pics[t], chroma, chroma},
                                       .stride = {W, W / 2, W / 2}};
        struct avila_h264_frame_stats st;
        *bytes = avila_h264_encode(e, &p, out, cap, &st);
        assert_true(*bytes > 0);
        /* PSNR Y above 40 dB. */
        assert_true(st.ssd[0] * 10000 < st.samples[0] * 255 * 255);
    }
    free(out);
    return e;
}

/* The L1 distance from block (bx, by) to the nearest exact copy of it in picture 0, or -1. */
static int nearest_copy(unsigned bx, unsigned by)
{
    const uint8_t *block = pics[1] + by * W + bx;
    int best = -1;
    for (unsigned y = 0; y + 8 <= H; y++)
        for (unsigned x = 0; x + 8 <= W; x++)
            if (same_block(pics[0] + y * W + x, block)) {
                int d = abs((int)x - (int)bx) + abs((int)y - (int)by);
                best = best < 0 || d < best ? d : best;
            }
    return best;
}

/*
 * Every block of the typed line is looked up: the encoder has candidates
 * exactly for those with a copy in picture 0, every candidate is one, and
 * the first block of each content (in the encoder's order: macroblocks,
 * then quadrants) has the nearest among its candidates.
 */
static void copies_match_the_model(void **state)
{
    (void)state;
    int bytes;
    avila_h264_encoder *e = encode_two(AVILA_H264_PRESET_DEFAULT, false, &bytes);
    unsigned with_copy = 0, looked_up = 0;
    const uint8_t *firsts[W * H / 64];
    unsigned nfirsts = 0;
    for (size_t addr = 0; addr < (W / 16) * (H / 16); addr++)
        for (size_t q = 0; q < 4; q++) {
            size_t bx = addr % (W / 16) * 16 + (q & 1) * 8, by = addr / (W / 16) * 16 + q / 2 * 8;
            const uint8_t *block = pics[1] + by * W + bx;
            unsigned n = e->glyph_n[4 * addr + q];
            if (!has_ink(block) || same_block(block, pics[0] + by * W + bx)) {
                assert_int_equal(n, 0);
                continue;
            }
            looked_up++;
            int nearest = nearest_copy(bx, by);
            assert_int_equal(n > 0, nearest >= 0);
            if (nearest < 0)
                continue;
            with_copy++;
            bool first = true;
            for (unsigned i = 0; i < nfirsts && first; i++)
                first = !same_block(firsts[i], block);
            if (first)
                firsts[nfirsts++] = block;
            bool has_nearest = false;
            for (unsigned i = 0; i < n; i++) {
                int dx = e->glyph_mv[4 * addr + q][i][0], dy = e->glyph_mv[4 * addr + q][i][1];
                assert_int_equal(dx % 4, 0);
                assert_int_equal(dy % 4, 0);
                int x = (int)bx + dx / 4, y = (int)by + dy / 4;
                assert_true(x >= 0 && y >= 0 && x + 8 <= (int)W && y + 8 <= (int)H);
                assert_true(same_block(pics[0] + (size_t)y * W + (size_t)x, block));
                has_nearest |= abs(dx / 4) + abs(dy / 4) == nearest;
            }
            if (first)
                assert_true(has_nearest);
        }
    /* The typed line gives the model something to check on both sides. */
    assert_true(looked_up >= 40);
    assert_true(with_copy >= looked_up / 2);
    assert_true(with_copy < looked_up);
    avila_h264_encoder_destroy(e);
}

/* The copies make the typed line cheap: P_8x8 from far away instead of intra coding. */
static void copies_cost_few_bits(void **state)
{
    (void)state;
    int with, without;
    avila_h264_encoder *e = encode_two(AVILA_H264_PRESET_DEFAULT, false, &with);
    unsigned p8x8 = 0;
    for (unsigned a = 0; a < (W / 16) * (H / 16); a++)
        p8x8 += e->rec_ref[a].kind == MB_P16 && e->rec_ref[a].part == 3;
    avila_h264_encoder_destroy(e);
    avila_h264_encoder_destroy(encode_two(AVILA_H264_PRESET_DEFAULT, true, &without));
    assert_true(p8x8 > 0);
    assert_true(with * 2 < without);
}

/* The fastest preset, which has no partitions, looks nothing up. */
static void fastest_has_none(void **state)
{
    (void)state;
    int bytes;
    avila_h264_encoder *e = encode_two(AVILA_H264_PRESET_FASTEST, false, &bytes);
    assert_false(e->glyph);
    assert_null(e->glyph_n);
    avila_h264_encoder_destroy(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(copies_match_the_model),
        cmocka_unit_test(copies_cost_few_bits),
        cmocka_unit_test(fastest_has_none),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
