/*
 * tests/media/test_h264_p8x8.c - P_8x8 macroblocks: a picture whose 8x8
 * quadrants (and, with sub8x8, 4x4 blocks) move in different directions
 * must be coded as P_8x8 with exactly those vectors, read from the
 * encoder's macroblock records (media/h264/enc_int.h), and reconstructed
 * closely; the presets without it choose it only for glyph copies, or
 * never. The stream's
 * bit-exactness against ffmpeg is in tests/apps/test_h264.sh.
 */
#include "tests/support/unit.h"

#include <stdlib.h>
#include <string.h>

#include "media/h264.h"
#include "media/h264/enc_int.h"

#define W 96
#define H 96

/* A triangle wave of period 2 * half, 0..half. */
static int triangle(int v, int half)
{
    v = ((v % (2 * half)) + 2 * half) % (2 * half);
    return v < half ? v : 2 * half - v;
}

/* A smooth texture with a little noise: its SAD surface leads the search to the match. */
static uint8_t texture(int x, int y)
{
    uint32_t s = (uint32_t)(x * 7919 + y * 104729) * 2654435761u;
    return (uint8_t)(30 + 9 * triangle(3 * x + 2 * y, 11) + 8 * triangle(2 * y - x, 9) +
                     (int)(s >> 30));
}

/*
 * The displacement (samples) of the 4x4 block at (bx, by) of every
 * macroblock: per 8x8 quadrant, or per 4x4 block when fine.
 */
static void motion(unsigned bx, unsigned by, bool fine, int d[2])
{
    static const int8_t quad[4][2] = {{2, 1}, {-2, 1}, {1, -2}, {-1, -1}};
    static const int8_t block[4][2] = {{1, 0}, {0, 1}, {-1, 0}, {0, -1}};
    unsigned q = by / 2 * 2 + bx / 2, k = by % 2 * 2 + bx % 2;
    d[0] = quad[q][0] + (fine ? block[k][0] : 0);
    d[1] = quad[q][1] + (fine ? block[k][1] : 0);
}

/* Picture t (0: the texture; 1: each block moved by motion(), so its vector is minus that), flat
 * chroma. */
static void picture(uint8_t *y, uint8_t *u, uint8_t *v, unsigned t, bool fine)
{
    for (int py = 0; py < H; py++)
        for (int px = 0; px < W; px++) {
            int d[2] = {0, 0};
            if (t)
                motion((unsigned)px % 16 / 4, (unsigned)py % 16 / 4, fine, d);
            y[py * W + px] = texture(px - d[0], py - d[1]);
        }
    memset(u, 128, W * H / 4);
    memset(v, 128, W * H / 4);
}

/* When nonzero, the vector budget per macroblock encode_two gives its encoder (white box). */
static unsigned forced_mvs_per_mb;

/* Encodes the two pictures; returns the encoder (the second picture's records in rec_ref). */
static avila_h264_encoder *encode_two(enum avila_h264_preset preset, bool sub8x8, bool fine,
                                      struct avila_h264_frame_stats *st)
{
    struct avila_h264_config c;
    avila_h264_config_default(&c, W, H);
    c.qp = 16;
    c.preset = preset;
    c.sub8x8 = sub8x8;
    avila_h264_encoder *e;
    assert_int_equal(avila_h264_encoder_create(&e, &c, avila_allocator_libc()), 0);
    if (forced_mvs_per_mb)
        e->mvs_per_mb = forced_mvs_per_mb;
    static uint8_t y[W * H], u[W * H / 4], v[W * H / 4];
    size_t cap = avila_h264_max_frame_bytes(e);
    uint8_t *out = malloc(cap);
    assert_non_null(out);
    for (unsigned t = 0; t < 2; t++) {
        picture(y, u, v, t, fine);
        struct avila_h264_picture p = {
            .layout = AVILA_H264_I420, .plane = {y, u, v}, .stride = {W, W / 2, W / 2}};
        assert_true(avila_h264_encode(e, &p, out, cap, st) > 0);
    }
    free(out);
    return e;
}

/* PSNR Y above 40 dB: a mean squared error below 255^2 / 10^4. */
static void assert_close(const struct avila_h264_frame_stats *st)
{
    assert_true(st->ssd[0] * 10000 < st->samples[0] * 255 * 255);
}

/*
 * Checks the interior macroblocks (their blocks' sources lie inside the
 * picture): all of mb_type part; returns how many of their 4x4 blocks have
 * exactly the vector of motion().
 */
static unsigned check_vectors(const avila_h264_encoder *e, bool fine, unsigned want_part)
{
    unsigned exact = 0;
    for (unsigned my = 1; my + 1 < H / 16; my++)
        for (unsigned mx = 1; mx + 1 < W / 16; mx++) {
            const struct mb_record *r = &e->rec_ref[my * (W / 16) + mx];
            assert_int_equal(r->kind, MB_P16);
            assert_int_equal(r->part, want_part);
            for (unsigned b = 0; b < 16; b++) {
                int d[2];
                motion(b % 4, b / 4, fine, d);
                exact += r->mv[b][0] == -4 * d[0] && r->mv[b][1] == -4 * d[1];
            }
        }
    return exact;
}

/* The interior macroblocks' 4x4 block count. */
#define INTERIOR_BLOCKS ((W / 16 - 2) * (H / 16 - 2) * 16)

/* Quadrants moving four ways: P_8x8 with each quadrant's vector, in the quality preset and
 * in the default one with sub8x8. */
static void quadrants_choose_p8x8(void **state)
{
    (void)state;
    static const enum avila_h264_preset presets[] = {AVILA_H264_PRESET_DEFAULT,
                                                     AVILA_H264_PRESET_QUALITY};
    for (unsigned i = 0; i < 2; i++) {
        struct avila_h264_frame_stats st;
        avila_h264_encoder *e = encode_two(presets[i], i == 0, false, &st);
        assert_int_equal(check_vectors(e, false, 3), INTERIOR_BLOCKS);
        assert_close(&st);
        avila_h264_encoder_destroy(e);
    }
}

/* Every 4x4 block moving its own way: with sub8x8, each gets its own vector. */
static void blocks_choose_sub8x8(void **state)
{
    (void)state;
    struct avila_h264_frame_stats st;
    avila_h264_encoder *e = encode_two(AVILA_H264_PRESET_DEFAULT, true, true, &st);
    /* A 4x4 block of a smooth texture can lead the search astray: nearly all must match. */
    assert_true(check_vectors(e, true, 3) >= INTERIOR_BLOCKS * 15 / 16);
    assert_close(&st);
    avila_h264_encoder_destroy(e);
}

/*
 * The level's MaxMvsPer2Mb: from level 3.1 on (16) a macroblock keeps to 8
 * vectors, half the limit, whatever it would gain from more. The budget
 * follows from the level (a 1280x720 picture needs level 3.1).
 */
static void vectors_within_level(void **state)
{
    (void)state;
    struct avila_h264_config c;
    avila_h264_encoder *e;
    avila_h264_config_default(&c, 1280, 720);
    assert_int_equal(avila_h264_encoder_create(&e, &c, avila_allocator_libc()), 0);
    assert_int_equal(e->mvs_per_mb, 8);
    avila_h264_encoder_destroy(e);
    avila_h264_config_default(&c, W, H);
    assert_int_equal(avila_h264_encoder_create(&e, &c, avila_allocator_libc()), 0);
    assert_int_equal(e->mvs_per_mb, 16);
    avila_h264_encoder_destroy(e);

    struct avila_h264_frame_stats st;
    unsigned most[2] = {0, 0};
    for (unsigned i = 0; i < 2; i++) {
        forced_mvs_per_mb = i ? 8 : 0;
        e = encode_two(AVILA_H264_PRESET_DEFAULT, true, true, &st);
        for (unsigned a = 0; a < (W / 16) * (H / 16); a++)
            if (e->rec_ref[a].kind == MB_P16 && e->rec_ref[a].mvs > most[i])
                most[i] = e->rec_ref[a].mvs;
        assert_close(&st);
        avila_h264_encoder_destroy(e);
    }
    forced_mvs_per_mb = 0;
    /* Every 4x4 block moving its own way wants 16 vectors; the budget allows 8. */
    assert_int_equal(most[0], 16);
    assert_int_equal(most[1], 8);
}

/*
 * The default preset without sub8x8 chooses P_8x8 only in macroblocks where
 * glyph copies were found (here the moved quadrants are exact copies), and
 * never splits a quadrant.
 */
static void default_preset_p8x8_only_with_copies(void **state)
{
    (void)state;
    struct avila_h264_frame_stats st;
    avila_h264_encoder *e = encode_two(AVILA_H264_PRESET_DEFAULT, false, false, &st);
    unsigned p8x8 = 0;
    for (unsigned a = 0; a < (W / 16) * (H / 16); a++) {
        const struct mb_record *r = &e->rec_ref[a];
        if (r->kind != MB_P16 || r->part != 3)
            continue;
        p8x8++;
        assert_int_equal(r->mvs, 4);
        const uint8_t *n = e->glyph_n + (size_t)4 * a;
        assert_true(n[0] + n[1] + n[2] + n[3] > 0);
    }
    assert_true(p8x8 > 0);
    avila_h264_encoder_destroy(e);
}

/* The fast preset has neither partitions nor P_8x8, whatever sub8x8 says. */
static void fast_preset_stays_16x16(void **state)
{
    (void)state;
    struct avila_h264_frame_stats st;
    avila_h264_encoder *e = encode_two(AVILA_H264_PRESET_FAST, true, false, &st);
    for (unsigned a = 0; a < (W / 16) * (H / 16); a++)
        assert_int_equal(e->rec_ref[a].part, 0);
    avila_h264_encoder_destroy(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(quadrants_choose_p8x8),
        cmocka_unit_test(blocks_choose_sub8x8),
        cmocka_unit_test(default_preset_p8x8_only_with_copies),
        cmocka_unit_test(vectors_within_level),
        cmocka_unit_test(fast_preset_stays_16x16),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
