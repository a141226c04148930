/*
 * tests/media/test_h264_enc.c - the encoder's API contract: configuration
 * limits, allocation failures, AVILA_ENOSPC leaving no trace, determinism,
 * unchanged pictures coded as skips, changed rectangles, I420 = NV12,
 * forced and periodic IDR, and quality that follows the QP. Decoding and
 * bit-exactness against ffmpeg are in tests/apps/test_h264.sh.
 */
#include "tests/support/unit.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "media/h264.h"
#include "media/h264/enc_int.h"
#include "tests/support/fail_alloc.h"

/* A test picture: moving gradients and a pseudo-random texture, I420. */
struct frame {
    unsigned w, h;
    uint8_t *y, *u, *v;
};

static void frame_make(struct frame *f, unsigned w, unsigned h, unsigned t)
{
    f->w = w;
    f->h = h;
    f->y = malloc((size_t)w * h);
    f->u = malloc((size_t)w * h / 4);
    f->v = malloc((size_t)w * h / 4);
    assert_non_null(f->y);
    assert_non_null(f->u);
    assert_non_null(f->v);
    uint32_t s = 12345;
    for (unsigned y = 0; y < h; y++)
        for (unsigned x = 0; x < w; x++) {
            s = s * 1103515245u + 12345u;
            f->y[y * w + x] = (uint8_t)((x + 2 * t) * 3 + y * 2 + ((s >> 16) & 15));
        }
    for (unsigned y = 0; y < h / 2; y++)
        for (unsigned x = 0; x < w / 2; x++) {
            f->u[y * (w / 2) + x] = (uint8_t)(128 + (int)((x + t) % 32) - 16);
            f->v[y * (w / 2) + x] = (uint8_t)(100 + y % 50);
        }
}

static void frame_free(struct frame *f)
{
    free(f->y);
    free(f->u);
    free(f->v);
}

static struct avila_h264_picture picture_of(const struct frame *f)
{
    struct avila_h264_picture p = {
        .layout = AVILA_H264_I420,
        .plane = {f->y, f->u, f->v},
        .stride = {(ptrdiff_t)f->w, (ptrdiff_t)f->w / 2, (ptrdiff_t)f->w / 2},
    };
    return p;
}

static avila_h264_encoder *make(const struct avila_h264_config *c)
{
    avila_h264_encoder *e = NULL;
    assert_int_equal(avila_h264_encoder_create(&e, c, avila_allocator_libc()), 0);
    return e;
}

/* Encodes f, returning a malloc'd copy of the bytes in *out and their count. */
static size_t encode(avila_h264_encoder *e, const struct frame *f, uint8_t **out,
                     struct avila_h264_frame_stats *st)
{
    size_t cap = avila_h264_max_frame_bytes(e);
    uint8_t *buf = malloc(cap);
    assert_non_null(buf);
    struct avila_h264_picture p = picture_of(f);
    int n = avila_h264_encode(e, &p, buf, cap, st);
    assert_true(n > 0);
    *out = buf;
    return (size_t)n;
}

static void config_limits(void **state)
{
    (void)state;
    struct avila_h264_config c;
    avila_h264_encoder *e = NULL;
    const struct {
        unsigned w, h;
        int qp;
        unsigned slices;
    } bad[] = {
        {14, 16, 26, 1}, {16, 14, 26, 1}, {8194, 16, 26, 1}, {33, 16, 26, 1}, {32, 17, 26, 1},
        {32, 32, -1, 1}, {32, 32, 52, 1}, {32, 32, 26, 0},   {32, 32, 26, 3},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        avila_h264_config_default(&c, bad[i].w, bad[i].h);
        c.qp = bad[i].qp;
        c.slices = bad[i].slices;
        assert_int_equal(avila_h264_encoder_create(&e, &c, avila_allocator_libc()), AVILA_EINVAL);
    }
    avila_h264_config_default(&c, 32, 32);
    c.chroma_qp_offset = 13;
    assert_int_equal(avila_h264_encoder_create(&e, &c, avila_allocator_libc()), AVILA_EINVAL);
    avila_h264_config_default(&c, 32, 32);
    c.search_range = 2;
    assert_int_equal(avila_h264_encoder_create(&e, &c, avila_allocator_libc()), AVILA_EINVAL);
    avila_h264_config_default(&c, 32, 32);
    c.deblocking = (enum avila_h264_deblocking)(AVILA_H264_DEBLOCK_OFF + 1);
    assert_int_equal(avila_h264_encoder_create(&e, &c, avila_allocator_libc()), AVILA_EINVAL);
    avila_h264_config_default(&c, 16, 16);
    e = make(&c);
    const uint8_t *plane[3];
    ptrdiff_t stride[3];
    assert_int_equal(avila_h264_recon(e, plane, stride), AVILA_EINVAL);
    avila_h264_encoder_destroy(e);
    avila_h264_encoder_destroy(NULL);
}

static void allocation_failures(void **state)
{
    (void)state;
    struct avila_h264_config c;
    avila_h264_config_default(&c, 64, 48);
    for (unsigned long n = 1;; n++) {
        struct fail_alloc fa;
        fail_alloc_init(&fa);
        fail_alloc_fail_nth(&fa, n, 0);
        avila_h264_encoder *e = NULL;
        int err = avila_h264_encoder_create(&e, &c, &fa.allocator);
        if (fa.failures == 0) {
            assert_int_equal(err, 0);
            avila_h264_encoder_destroy(e);
            assert_int_equal(fa.live_allocs, 0);
            break;
        }
        assert_int_equal(err, AVILA_ENOMEM);
        assert_int_equal(fa.live_allocs, 0);
    }
}

static void bad_pictures(void **state)
{
    (void)state;
    struct avila_h264_config c;
    avila_h264_config_default(&c, 32, 32);
    avila_h264_encoder *e = make(&c);
    struct frame f;
    frame_make(&f, 32, 32, 0);
    uint8_t buf[8192];
    struct avila_h264_picture p = picture_of(&f);
    p.stride[0] = 31;
    assert_int_equal(avila_h264_encode(e, &p, buf, sizeof buf, NULL), AVILA_EINVAL);
    p = picture_of(&f);
    p.plane[2] = NULL;
    assert_int_equal(avila_h264_encode(e, &p, buf, sizeof buf, NULL), AVILA_EINVAL);
    p = picture_of(&f);
    p.nchanged = 1;
    assert_int_equal(avila_h264_encode(e, &p, buf, sizeof buf, NULL), AVILA_EINVAL);
    p = picture_of(&f);
    p.layout = (enum avila_h264_layout)7;
    assert_int_equal(avila_h264_encode(e, &p, buf, sizeof buf, NULL), AVILA_EINVAL);
    frame_free(&f);
    avila_h264_encoder_destroy(e);
}

/* A picture that does not fit leaves the encoder as if it had not been offered. */
static void nospace_leaves_no_trace(void **state)
{
    (void)state;
    struct avila_h264_config c;
    avila_h264_config_default(&c, 96, 64);
    avila_h264_encoder *a = make(&c), *b = make(&c);
    for (unsigned t = 0; t < 4; t++) {
        struct frame f;
        frame_make(&f, 96, 64, t);
        struct avila_h264_picture p = picture_of(&f);
        uint8_t small[64];
        assert_int_equal(avila_h264_encode(a, &p, small, sizeof small, NULL), AVILA_ENOSPC);
        uint8_t *x, *y;
        size_t nx = encode(a, &f, &x, NULL), ny = encode(b, &f, &y, NULL);
        assert_int_equal(nx, ny);
        assert_memory_equal(x, y, nx);
        free(x);
        free(y);
        frame_free(&f);
    }
    avila_h264_encoder_destroy(a);
    avila_h264_encoder_destroy(b);
}

/* The first picture is IDR with parameter sets; later ones are P unless forced or periodic. */
static void idr_pictures(void **state)
{
    (void)state;
    struct avila_h264_config c;
    avila_h264_config_default(&c, 48, 32);
    c.keyint = 3;
    avila_h264_encoder *e = make(&c);
    const bool want[] = {true, false, false, true, true, false};
    for (unsigned t = 0; t < 6; t++) {
        struct frame f;
        frame_make(&f, 48, 32, t);
        struct avila_h264_picture p = picture_of(&f);
        p.force_idr = t == 4;
        size_t cap = avila_h264_max_frame_bytes(e);
        uint8_t *buf = malloc(cap);
        struct avila_h264_frame_stats st;
        int n = avila_h264_encode(e, &p, buf, cap, &st);
        assert_true(n > 5);
        assert_int_equal(st.idr, want[t]);
        /* Annex B: a start code, then SPS (type 7) first on IDR, a non-IDR slice (1) otherwise. */
        assert_memory_equal(buf, "\0\0\0\1", 4);
        assert_int_equal(buf[4] & 0x1f, want[t] ? 7 : 1);
        assert_int_equal(st.mb_i4 + st.mb_i16 + st.mb_pcm + st.mb_p + st.mb_skip, 6);
        if (want[t])
            assert_int_equal(st.mb_p + st.mb_skip, 0);
        free(buf);
        frame_free(&f);
    }
    avila_h264_encoder_destroy(e);
}

/* Same input, same output; an unchanged picture is all skips and keeps the reconstruction. */
static void unchanged_picture_is_skipped(void **state)
{
    (void)state;
    struct avila_h264_config c;
    avila_h264_config_default(&c, 80, 48);
    avila_h264_encoder *e = make(&c), *twin = make(&c);
    struct frame f;
    frame_make(&f, 80, 48, 0);
    uint8_t *x, *y;
    size_t nx = encode(e, &f, &x, NULL), ny = encode(twin, &f, &y, NULL);
    assert_int_equal(nx, ny);
    assert_memory_equal(x, y, nx);
    free(x);
    free(y);
    const uint8_t *plane[3];
    ptrdiff_t stride[3];
    assert_int_equal(avila_h264_recon(e, plane, stride), 0);
    uint8_t before[80 * 48];
    for (unsigned r = 0; r < 48; r++)
        memcpy(before + (size_t)r * 80, plane[0] + r * stride[0], 80);

    /* With the changed list saying "nothing", then with the same picture analysed. */
    for (int listed = 1; listed >= 0; listed--) {
        size_t cap = avila_h264_max_frame_bytes(e);
        uint8_t *buf = malloc(cap);
        struct avila_h264_picture p = picture_of(&f);
        static const struct avila_h264_rect none[1];
        if (listed) {
            p.changed = none;
            p.nchanged = 0;
        }
        struct avila_h264_frame_stats st;
        assert_true(avila_h264_encode(e, &p, buf, cap, &st) > 0);
        free(buf);
        if (!listed) {
            /* Analysed, the same picture still needs no intra macroblock. */
            assert_int_equal(st.mb_skip + st.mb_p, 15);
            continue;
        }
        assert_int_equal(st.mb_skip, 15);
        assert_int_equal(avila_h264_recon(e, plane, stride), 0);
        for (unsigned r = 0; r < 48; r++)
            assert_memory_equal(before + (size_t)r * 80, plane[0] + r * stride[0], 80);
    }
    frame_free(&f);
    avila_h264_encoder_destroy(e);
    avila_h264_encoder_destroy(twin);
}

/* Only macroblocks under a changed rectangle are analysed; the rest are skipped. */
static void changed_rectangles(void **state)
{
    (void)state;
    struct avila_h264_config c;
    avila_h264_config_default(&c, 96, 96);
    avila_h264_encoder *e = make(&c);
    struct frame f0, f1;
    frame_make(&f0, 96, 96, 0);
    frame_make(&f1, 96, 96, 0);
    uint8_t *x;
    free((encode(e, &f0, &x, NULL), x));
    /* Change a 20x5 area at (17, 30): macroblocks (1..2, 1..2). */
    for (unsigned y = 30; y < 35; y++)
        memset(f1.y + (size_t)y * 96 + 17, 0, 20);
    struct avila_h264_rect r = {17, 30, 20, 5};
    struct avila_h264_picture p = picture_of(&f1);
    p.changed = &r;
    p.nchanged = 1;
    size_t cap = avila_h264_max_frame_bytes(e);
    uint8_t *buf = malloc(cap);
    struct avila_h264_frame_stats st;
    assert_true(avila_h264_encode(e, &p, buf, cap, &st) > 0);
    assert_int_equal(st.mb_skip + st.mb_p + st.mb_i4 + st.mb_i16 + st.mb_pcm, 36);
    assert_true(st.mb_skip >= 32);
    const uint8_t *plane[3];
    ptrdiff_t stride[3];
    assert_int_equal(avila_h264_recon(e, plane, stride), 0);
    /* The changed area is coded: its dark pixels come out dark. */
    assert_true(plane[0][32 * stride[0] + 20] < 60);
    /* A rectangle past the picture's edges is clipped, not an error. */
    struct avila_h264_rect wide = {90, 90, 1000, 1000};
    p.changed = &wide;
    assert_true(avila_h264_encode(e, &p, buf, cap, &st) > 0);
    free(buf);
    frame_free(&f0);
    frame_free(&f1);
    avila_h264_encoder_destroy(e);
}

/* NV12 input codes exactly as the same picture in I420. */
static void nv12_equals_i420(void **state)
{
    (void)state;
    struct avila_h264_config c;
    avila_h264_config_default(&c, 64, 32);
    avila_h264_encoder *a = make(&c), *b = make(&c);
    for (unsigned t = 0; t < 3; t++) {
        struct frame f;
        frame_make(&f, 64, 32, t);
        uint8_t uv[64 * 16]; /* 16 rows of 32 U, V pairs */
        for (unsigned i = 0; i < 32 * 16; i++) {
            uv[(size_t)2 * i] = f.u[i];
            uv[2 * i + 1] = f.v[i];
        }
        struct avila_h264_picture p = {
            .layout = AVILA_H264_NV12, .plane = {f.y, uv, NULL}, .stride = {64, 64, 0}};
        size_t cap = avila_h264_max_frame_bytes(a);
        uint8_t *x = malloc(cap), *y;
        int n = avila_h264_encode(a, &p, x, cap, NULL);
        size_t ny = encode(b, &f, &y, NULL);
        assert_int_equal((size_t)n, ny);
        assert_memory_equal(x, y, ny);
        free(x);
        free(y);
        frame_free(&f);
    }
    avila_h264_encoder_destroy(a);
    avila_h264_encoder_destroy(b);
}

/*
 * A picture written into the encoder's own planes (avila_h264_input) codes
 * exactly as the same picture passed from outside: at a size whose rows
 * are the planes' (64x32) and one the encoder pads (40x24), in the fastest
 * preset and in the default one (which keeps the previous picture's
 * source, so the planes it gives change from picture to picture).
 */
static void input_planes_equal_outside(void **state)
{
    (void)state;
    static const unsigned sizes[][2] = {{64, 32}, {40, 24}};
    for (size_t k = 0; k < 2; k++) {
        unsigned w = sizes[k][0], h = sizes[k][1];
        for (int fastest = 0; fastest < 2; fastest++) {
            struct avila_h264_config c;
            avila_h264_config_default(&c, w, h);
            if (fastest)
                c.preset = AVILA_H264_PRESET_FASTEST;
            avila_h264_encoder *a = make(&c), *b = make(&c);
            size_t cap = avila_h264_max_frame_bytes(a);
            uint8_t *x = malloc(cap);
            assert_non_null(x);
            const uint8_t *seen = NULL;
            bool moved = false;
            for (unsigned t = 0; t < 4; t++) {
                struct frame f;
                frame_make(&f, w, h, t);
                uint8_t *plane[3];
                ptrdiff_t stride[3];
                avila_h264_input(a, plane, stride);
                moved |= seen && plane[0] != seen;
                seen = plane[0];
                assert_true(stride[0] >= (ptrdiff_t)w && stride[1] >= (ptrdiff_t)w / 2);
                for (unsigned r = 0; r < h; r++)
                    memcpy(plane[0] + r * stride[0], f.y + (size_t)r * w, w);
                for (unsigned r = 0; r < h / 2; r++) {
                    memcpy(plane[1] + r * stride[1], f.u + (size_t)r * (w / 2), w / 2);
                    memcpy(plane[2] + r * stride[2], f.v + (size_t)r * (w / 2), w / 2);
                }
                struct avila_h264_picture p = {
                    .layout = AVILA_H264_I420,
                    .plane = {plane[0], plane[1], plane[2]},
                    .stride = {stride[0], stride[1], stride[2]},
                };
                int n = avila_h264_encode(a, &p, x, cap, NULL);
                uint8_t *y;
                size_t ny = encode(b, &f, &y, NULL);
                assert_int_equal((size_t)n, ny);
                assert_memory_equal(x, y, ny);
                free(y);
                frame_free(&f);
            }
            /* The default preset's planes alternate; the fastest preset's stay. */
            assert_int_equal(moved, !fastest);
            free(x);
            avila_h264_encoder_destroy(a);
            avila_h264_encoder_destroy(b);
        }
    }
}

/* Lower QP: more bytes and less error; QP 0 on this picture is near lossless. */
static void quality_follows_qp(void **state)
{
    (void)state;
    struct frame f;
    frame_make(&f, 64, 64, 0);
    uint64_t last_ssd = 0;
    size_t last_bytes = SIZE_MAX;
    for (int qp = 0; qp <= 51; qp += 17) {
        struct avila_h264_config c;
        avila_h264_config_default(&c, 64, 64);
        c.qp = qp;
        avila_h264_encoder *e = make(&c);
        uint8_t *x;
        struct avila_h264_frame_stats st;
        size_t n = encode(e, &f, &x, &st);
        free(x);
        assert_true(n < last_bytes);
        assert_true(st.ssd[0] >= last_ssd);
        if (qp == 0)
            assert_true(st.ssd[0] < st.samples[0]); /* MSE below 1 */
        last_ssd = st.ssd[0];
        last_bytes = n;
        avila_h264_encoder_destroy(e);
    }
    frame_free(&f);
}

/*
 * CBR and VBR under a small VBV: an independent leaky bucket (filled at the
 * bitrate, starting full, drained by each picture's bytes) never runs dry,
 * CBR spends about its bitrate, VBR keeps its QP on cheap content.
 */
static void rate_control_respects_the_vbv(void **state)
{
    (void)state;
    for (int mode = 0; mode < 2; mode++) {
        struct avila_h264_config c;
        avila_h264_config_default(&c, 96, 64);
        c.rc = mode ? AVILA_H264_RC_VBR : AVILA_H264_RC_CBR;
        c.qp = 20;
        c.bitrate_kbps = 150;
        c.vbv_kbits = 40; /* eight pictures' worth at 30 fps */
        c.keyint = 45;
        avila_h264_encoder *e = make(&c);
        double rate = 150000.0 / 30, size = 40000, fullness = size, bits = 0;
        for (unsigned t = 0; t < 120; t++) {
            struct frame f;
            frame_make(&f, 96, 64, t * 3);
            uint8_t *x;
            struct avila_h264_frame_stats st;
            size_t n = encode(e, &f, &x, &st);
            free(x);
            assert_false(st.vbv_exceeded);
            assert_true((double)n * 8 <= fullness);
            fullness = fullness - (double)n * 8 + rate;
            if (fullness > size)
                fullness = size;
            bits += (double)n * 8;
            if (mode == 1)
                assert_true(st.qp >= (st.idr ? 17 : 20));
            frame_free(&f);
        }
        double kbps = bits / 4 / 1000; /* 120 pictures = 4 s */
        if (mode == 0)
            assert_true(kbps > 150 * 0.8 && kbps < 150 * 1.1);
        else
            assert_true(kbps < 150 * 1.1);
        avila_h264_encoder_destroy(e);
    }
    struct avila_h264_config c;
    avila_h264_encoder *e = NULL;
    avila_h264_config_default(&c, 96, 64);
    c.rc = AVILA_H264_RC_CBR;
    c.bitrate_kbps = 300;
    c.vbv_kbits = 9; /* less than one picture's share (10 kbit) */
    assert_int_equal(avila_h264_encoder_create(&e, &c, avila_allocator_libc()), AVILA_EINVAL);
    c.vbv_kbits = 0;
    c.bitrate_kbps = 0;
    assert_int_equal(avila_h264_encoder_create(&e, &c, avila_allocator_libc()), AVILA_EINVAL);
}

/* Intra refresh: no IDR after the first; each picture codes its columns intra; SEI at each sweep's
 * start. */
static void intra_refresh_sweeps(void **state)
{
    (void)state;
    struct avila_h264_config c;
    avila_h264_config_default(&c, 128, 32); /* 8 x 2 macroblocks */
    c.intra_refresh = true;
    c.keyint = 4; /* two columns per picture */
    avila_h264_encoder *e = make(&c);
    struct frame f;
    frame_make(&f, 128, 32, 0);
    for (unsigned t = 0; t < 10; t++) {
        uint8_t *x;
        struct avila_h264_frame_stats st;
        struct avila_h264_picture p = picture_of(&f);
        static const struct avila_h264_rect none[1];
        p.changed = none; /* nothing changes: only the refresh codes anything */
        size_t cap = avila_h264_max_frame_bytes(e);
        x = malloc(cap);
        int n = avila_h264_encode(e, &p, x, cap, &st);
        assert_true(n > 5);
        assert_int_equal(st.idr, t == 0);
        if (t > 0) {
            assert_true(st.mb_i4 + st.mb_i16 + st.mb_pcm >= 4);
            /* Pictures 1, 5, 9 start a sweep: a recovery point SEI (type 6) comes first. */
            assert_int_equal(x[4] & 0x1f, (t - 1) % 4 == 0 ? 6 : 1);
        }
        free(x);
    }
    frame_free(&f);
    avila_h264_encoder_destroy(e);
}

/*
 * Slices share the rows by the work the last picture took (enc_int.h's
 * slice layout): the first picture is cut evenly; with its upper half flat
 * and its lower half textured, the next picture's first slice takes more
 * rows than the second, within twice the even share.
 */
static void slices_balance_work(void **state)
{
    (void)state;
    struct avila_h264_config c;
    avila_h264_config_default(&c, 64, 256);
    c.slices = 2;
    avila_h264_encoder *e = make(&c);
    struct frame f;
    frame_make(&f, 64, 256, 0);
    memset(f.y, 128, (size_t)64 * 128);
    unsigned want_first[] = {8, 0};
    for (unsigned t = 0; t < 2; t++) {
        uint8_t *x;
        encode(e, &f, &x, NULL);
        free(x);
        assert_int_equal(e->slice_row[0], 0);
        assert_int_equal(e->slice_row[2], 16);
        if (want_first[t])
            assert_int_equal(e->slice_row[1], want_first[t]);
        else
            assert_true(e->slice_row[1] > 8 && e->slice_row[1] <= 15);
    }
    frame_free(&f);
    avila_h264_encoder_destroy(e);
}

/*
 * The fastest preset keeps to full-sample vectors, so the encoder can skip
 * the half-sample planes: a moving picture's vectors (every 4x4 block's,
 * skipped macroblocks' included) must all be multiples of 4.
 */
static void fastest_is_full_sample(void **state)
{
    (void)state;
    struct avila_h264_config c;
    avila_h264_config_default(&c, 96, 64);
    c.preset = AVILA_H264_PRESET_FASTEST;
    avila_h264_encoder *e = make(&c);
    unsigned moved = 0;
    for (unsigned t = 0; t < 6; t++) {
        struct frame f;
        frame_make(&f, 96, 64, 3 * t);
        uint8_t *x;
        encode(e, &f, &x, NULL);
        free(x);
        frame_free(&f);
        for (unsigned a = 0; a < e->mbs; a++)
            for (unsigned k = 0; k < 16; k++) {
                assert_int_equal(e->rec_ref[a].mv[k][0] & 3, 0);
                assert_int_equal(e->rec_ref[a].mv[k][1] & 3, 0);
                moved += e->rec_ref[a].mv[k][0] != 0;
            }
    }
    assert_true(moved > 0);
    avila_h264_encoder_destroy(e);
}

/* The start of the first NAL unit of type `type` in s[0..n) (after its start code), or NULL. */
static const uint8_t *find_nal(const uint8_t *s, size_t n, unsigned type)
{
    for (size_t i = 0; i + 4 < n; i++)
        if (s[i] == 0 && s[i + 1] == 0 && s[i + 2] == 1 && (s[i + 3] & 0x1f) == type)
            return s + i + 3;
    return NULL;
}

/*
 * A picture's user data SEI message (D.1.7) comes before its slices:
 * payloadType 5, payloadSize 16 + len in 0xFF steps, the UUID, the bytes.
 * The largest payload, all zeros (emulation prevention at its worst), fits
 * avila_h264_max_frame_bytes; bad descriptions are refused.
 */
static void user_data_sei(void **state)
{
    (void)state;
    static const uint8_t uuid[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    struct avila_h264_config c;
    avila_h264_config_default(&c, 32, 32);
    avila_h264_encoder *e = make(&c);
    struct frame f;
    frame_make(&f, 32, 32, 0);
    static uint8_t data[AVILA_H264_USER_DATA_MAX + 1];
    memset(data, 'A', sizeof data);
    struct avila_h264_picture p = picture_of(&f);
    p.user_data_uuid = uuid;
    p.user_data = data;
    p.user_data_len = 300;
    size_t cap = avila_h264_max_frame_bytes(e);
    uint8_t *out = malloc(cap);
    assert_non_null(out);
    int n = avila_h264_encode(e, &p, out, cap, NULL);
    assert_true(n > 0);
    const uint8_t *sei = find_nal(out, (size_t)n, 6), *slice = find_nal(out, (size_t)n, 5);
    assert_non_null(sei);
    assert_true(slice > sei);
    static const uint8_t head[] = {0x06, 5, 0xFF, 316 - 255};
    assert_memory_equal(sei, head, sizeof head);
    assert_memory_equal(sei + 4, uuid, 16);
    assert_memory_equal(sei + 20, data, 300);
    assert_int_equal(sei[320], 0x80); /* rbsp_trailing_bits */
    /* Only that picture carries it. */
    p.user_data_len = 0;
    n = avila_h264_encode(e, &p, out, cap, NULL);
    assert_true(n > 0);
    assert_null(find_nal(out, (size_t)n, 6));
    memset(data, 0, sizeof data);
    p.user_data_len = AVILA_H264_USER_DATA_MAX;
    p.force_idr = true;
    n = avila_h264_encode(e, &p, out, cap, NULL);
    assert_true(n > AVILA_H264_USER_DATA_MAX * 3 / 2);
    p.user_data_len = AVILA_H264_USER_DATA_MAX + 1;
    assert_int_equal(avila_h264_encode(e, &p, out, cap, NULL), AVILA_EINVAL);
    p.user_data_len = 1;
    p.user_data_uuid = NULL;
    assert_int_equal(avila_h264_encode(e, &p, out, cap, NULL), AVILA_EINVAL);
    free(out);
    frame_free(&f);
    avila_h264_encoder_destroy(e);
}

/* A runner that runs the jobs backwards: slices must not depend on each other's order. */
static unsigned backwards_calls;
static void run_backwards(void *ctx, void (*job)(void *arg, unsigned index), void *arg, unsigned n)
{
    (void)ctx;
    backwards_calls++;
    for (unsigned i = n; i-- > 0;)
        job(arg, i);
}

/* The squared errors of e's reconstruction of its last picture against f, sample by sample. */
static void recon_ssd(const avila_h264_encoder *e, const struct frame *f, uint64_t ssd[3])
{
    const uint8_t *plane[3], *src[3] = {f->y, f->u, f->v};
    ptrdiff_t stride[3];
    assert_int_equal(avila_h264_recon(e, plane, stride), 0);
    for (unsigned i = 0; i < 3; i++) {
        unsigned w = i ? f->w / 2 : f->w, h = i ? f->h / 2 : f->h;
        ssd[i] = 0;
        for (unsigned y = 0; y < h; y++)
            for (unsigned x = 0; x < w; x++) {
                int d = plane[i][(ptrdiff_t)y * stride[i] + x] - src[i][y * w + x];
                ssd[i] += (uint64_t)(d * d);
            }
    }
}

/* Threads give the same stream as that many slices coded one after another, and the
 * squared errors of the reconstruction (a picture cropped both ways). */
static void threads_equal_slices(void **state)
{
    (void)state;
    static const struct avila_h264_parallel backwards = {run_backwards, NULL, NULL};
    enum { W = 90, H = 84 };
    struct avila_h264_config a, b;
    avila_h264_config_default(&a, W, H);
    a.slices = 3;
    b = a;
    b.slices = 1;
    b.threads = 3;
    b.parallel = &backwards;
    avila_h264_encoder *ea = make(&a), *eb = make(&b);
    for (unsigned t = 0; t < 4; t++) {
        struct frame f;
        frame_make(&f, W, H, t * 5);
        uint8_t *x, *y;
        struct avila_h264_frame_stats sx, sy;
        size_t nx = encode(ea, &f, &x, &sx), ny = encode(eb, &f, &y, &sy);
        assert_int_equal(nx, ny);
        assert_memory_equal(x, y, nx);
        uint64_t ssd[3];
        recon_ssd(eb, &f, ssd);
        for (unsigned i = 0; i < 3; i++) {
            assert_int_equal(sx.ssd[i], ssd[i]);
            assert_int_equal(sy.ssd[i], ssd[i]);
        }
        free(x);
        free(y);
        frame_free(&f);
    }
    /* Per picture: its slices, its rows' deblocking, padding and squared errors, then the
     * bands of its half-sample planes. */
    assert_int_equal(backwards_calls, 12);
    avila_h264_encoder_destroy(ea);
    avila_h264_encoder_destroy(eb);
    avila_h264_encoder *e = NULL;
    b.threads = 65;
    assert_int_equal(avila_h264_encoder_create(&e, &b, avila_allocator_libc()), AVILA_EINVAL);
}

/*
 * Scrolling far beyond the motion search range: text-like rows move up by
 * 40 lines, and the P picture codes only the new rows instead of the page.
 */
static void scrolling_is_found(void **state)
{
    (void)state;
    enum { W = 128, H = 128, SHIFT = 40 };
    static uint8_t page[(H + SHIFT) * W];
    uint32_t seed = 7;
    for (unsigned i = 0; i < sizeof page; i++) {
        seed = seed * 1103515245u + 12345u;
        page[i] = (seed >> 20) & 1 ? 16 : 235; /* black "glyph" samples on white */
    }
    static uint8_t chroma[W * H / 4];
    memset(chroma, 128, sizeof chroma);
    struct avila_h264_config c;
    avila_h264_config_default(&c, W, H);
    avila_h264_encoder *e = make(&c);
    size_t cap = avila_h264_max_frame_bytes(e);
    uint8_t *buf = malloc(cap);
    int sizes[2];
    for (unsigned t = 0; t < 2; t++) {
        struct avila_h264_picture p = {
            .layout = AVILA_H264_I420,
            .plane = {page + (size_t)t * SHIFT * W, chroma, chroma},
            .stride = {W, W / 2, W / 2},
        };
        struct avila_h264_frame_stats st;
        sizes[t] = avila_h264_encode(e, &p, buf, cap, &st);
        assert_true(sizes[t] > 0);
        if (t == 1) /* the 5 bottom rows of 16 x 16 blocks minus 40 new lines: 3 rows stay */
            assert_true(st.mb_skip + st.mb_p >= 3 * (W / 16) - 2);
    }
    /* A third of the page is new; the rest comes from the reference. */
    assert_true(sizes[1] < sizes[0] * 2 / 3);
    free(buf);
    avila_h264_encoder_destroy(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(config_limits),
        cmocka_unit_test(allocation_failures),
        cmocka_unit_test(bad_pictures),
        cmocka_unit_test(nospace_leaves_no_trace),
        cmocka_unit_test(idr_pictures),
        cmocka_unit_test(unchanged_picture_is_skipped),
        cmocka_unit_test(changed_rectangles),
        cmocka_unit_test(nv12_equals_i420),
        cmocka_unit_test(input_planes_equal_outside),
        cmocka_unit_test(quality_follows_qp),
        cmocka_unit_test(rate_control_respects_the_vbv),
        cmocka_unit_test(intra_refresh_sweeps),
        cmocka_unit_test(threads_equal_slices),
        cmocka_unit_test(slices_balance_work),
        cmocka_unit_test(user_data_sei),
        cmocka_unit_test(fastest_is_full_sample),
        cmocka_unit_test(scrolling_is_found),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
