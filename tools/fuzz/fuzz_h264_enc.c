/*
 * tools/fuzz/fuzz_h264_enc.c - libFuzzer harness for the H.264 encoder
 * (media/h264.h). The first 8 bytes choose the configuration (size up to
 * 96x96, QP, preset, slices, keyint, deblocking, chroma QP offset, search
 * range, rate control with its bitrate and VBV, intra refresh, sub-8x8
 * partitions, trellis quantisation); the rest fills up to four pictures (repeated when short) and
 * chooses per picture a forced IDR and a changed rectangle. Properties:
 *   - creation succeeds for every in-range configuration, and every
 *     picture encodes into avila_h264_max_frame_bytes;
 *   - the output is Annex B: it starts with a start code, an IDR picture
 *     begins with an SPS, any other with a slice or an SEI, every NAL
 *     header has forbidden_zero_bit 0, and no 00 00 00/01/02 sequence
 *     appears inside a NAL unit (emulation prevention);
 *   - the statistics count every macroblock once; a P picture exceeds the
 *     VBV only with nothing new in it, and under CQP a picture is coded once;
 *   - a picture declared unchanged leaves the reconstruction as it was
 *     (unless intra refresh recodes its columns).
 * Violations call __builtin_trap(). Seeds: tools/fuzz/corpus/h264_enc/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "media/h264.h"

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

#define MAX_W 96
#define MAX_H 96

static uint8_t frame[MAX_W * MAX_H * 3 / 2];
static uint8_t before[MAX_W * MAX_H * 3 / 2];

static void config_from(const uint8_t *b, struct avila_h264_config *c)
{
    unsigned w = 16 + 2 * (b[0] % ((MAX_W - 16) / 2 + 1));
    unsigned h = 16 + 2 * (b[1] % ((MAX_H - 16) / 2 + 1));
    avila_h264_config_default(c, w, h);
    c->qp = b[2] % 52;
    c->preset = (enum avila_h264_preset)(b[3] & 3);
    c->slices = 1 + (b[3] >> 2) % ((h + 15) / 16);
    c->keyint = b[4] & 3;
    c->deblocking = (enum avila_h264_deblocking)((b[4] & 4 ? 1 : 0) + (b[7] & 1 ? 1 : 0));
    c->chroma_qp_offset = (int)(b[5] % 25) - 12;
    c->search_range = b[6] & 1 ? 4 + b[6] % 64 : 0;
    c->rc = (enum avila_h264_rc)((b[4] >> 3) % 3);
    c->bitrate_kbps = 10 + 20u * b[5];
    c->vbv_kbits = b[6] & 2 ? 0 : c->bitrate_kbps / 30 + 1 + b[2];
    c->intra_refresh = b[7] & 4;
    c->sub8x8 = b[7] & 8;
    c->trellis = b[6] & 0x80;
    c->threads = 1 + (b[7] >> 4) % 4; /* more slices; coded one after another here */
}

/* Checks one picture's Annex B bytes. */
static void check_stream(const uint8_t *p, size_t n, bool idr)
{
    CHECK(n > 5 && memcmp(p, "\0\0\0\1", 4) == 0);
    CHECK(idr ? (p[4] & 0x1f) == 7 : (p[4] & 0x1f) == 1 || (p[4] & 0x1f) == 6);
    size_t zeros = 0;
    for (size_t i = 4; i < n; i++) {
        if (zeros >= 2 && p[i] <= 1) {
            /* Only a start code (00 00 00 01 or 00 00 01) may hold such a sequence. */
            size_t j = i;
            while (j < n && p[j] == 0)
                j++;
            CHECK(j < n && p[j] == 1 && j + 1 < n);
            CHECK((p[j + 1] & 0x80) == 0);
            i = j + 1;
            zeros = 0;
            continue;
        }
        CHECK(!(zeros >= 2 && p[i] == 2));
        zeros = p[i] == 0 ? zeros + 1 : 0;
    }
}

static void snapshot(const avila_h264_encoder *e, const struct avila_h264_config *c, uint8_t *out)
{
    const uint8_t *plane[3];
    ptrdiff_t stride[3];
    CHECK(avila_h264_recon(e, plane, stride) == 0);
    for (unsigned i = 0; i < 3; i++) {
        unsigned w = i ? c->width / 2 : c->width, h = i ? c->height / 2 : c->height;
        for (unsigned y = 0; y < h; y++, out += w)
            memcpy(out, plane[i] + (ptrdiff_t)y * stride[i], w);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 8)
        return 0;
    struct avila_h264_config c;
    config_from(data, &c);
    avila_h264_encoder *e;
    CHECK(avila_h264_encoder_create(&e, &c, avila_allocator_libc()) == 0);
    size_t cap = avila_h264_max_frame_bytes(e);
    uint8_t *out = malloc(cap);
    CHECK(out != NULL);
    const uint8_t *rest = data + 8;
    size_t left = size - 8, frame_bytes = (size_t)c.width * c.height * 3 / 2;
    unsigned pictures = 1 + (data[7] & 3), mbs = ((c.width + 15) / 16) * ((c.height + 15) / 16);
    for (unsigned t = 0; t < pictures; t++) {
        uint8_t sel = left ? rest[((size_t)t * 7) % left] : 0;
        for (size_t i = 0; i < frame_bytes; i++)
            frame[i] = left ? rest[(i + (size_t)t * 13) % left] : (uint8_t)i;
        struct avila_h264_rect rect = {sel % c.width, (sel * 7u) % c.height, sel, sel / 2u};
        struct avila_h264_picture p = {
            .layout = AVILA_H264_I420,
            .plane = {frame, frame + (size_t)c.width * c.height,
                      frame + (size_t)c.width * c.height * 5 / 4},
            .stride = {c.width, c.width / 2, c.width / 2},
            .force_idr = (sel & 0x30) == 0x30,
        };
        bool unchanged = t > 0 && (sel & 0xc0) == 0xc0 && !p.force_idr;
        if (unchanged) {
            p.changed = &rect;
            p.nchanged = 0;
            snapshot(e, &c, before);
        } else if (sel & 0x40) {
            p.changed = &rect;
            p.nchanged = 1;
        }
        struct avila_h264_frame_stats st;
        int n = avila_h264_encode(e, &p, out, cap, &st);
        CHECK(n > 0 && (size_t)n == st.bytes);
        check_stream(out, (size_t)n, st.idr);
        CHECK(st.mb_i4 + st.mb_i16 + st.mb_pcm + st.mb_p + st.mb_skip == mbs);
        CHECK(!st.vbv_exceeded || st.idr || st.mb_skip + st.mb_p == mbs);
        CHECK(c.rc != AVILA_H264_RC_CQP || st.attempts == 1);
        if (unchanged && !st.idr && !c.intra_refresh) {
            CHECK(st.mb_skip + st.mb_p == mbs);
            snapshot(e, &c, frame);
            CHECK(memcmp(frame, before, frame_bytes) == 0);
        }
    }
    free(out);
    avila_h264_encoder_destroy(e);
    return 0;
}
