/*
 * tests/media/tool_h264_pcm.c - writes an H.264 Annex B stream whose
 * decoded pictures are known exactly, for tests/media/test_h264_pcm.sh to
 * compare with ffmpeg's decoder: every macroblock is I_PCM (its samples
 * come back unchanged), P_Skip (a copy of the previous picture, with the
 * motion vector predicted to zero since no neighbour has a non-zero one),
 * or, with --cavlc, a random I_16x16, I_NxN or P_L0_16x16 macroblock with
 * random CAVLC residual blocks (every nC context, escapes, cbp values),
 * whose samples nobody predicts: they are left out of the comparison, but
 * any CAVLC error desynchronises the parse and spoils the PCM samples that
 * follow, or makes ffmpeg fail with -err_detect explode. Deblocking is
 * disabled in every slice so PCM and copied samples stay exact.
 *
 * usage: tool_h264_pcm encode W H N IN.yuv OUT.h264 EXPECT.yuv MASK [options]
 *          reads N frames of I420 W x H, writes the stream, the expected
 *          decoded frames (the coded size: W and H rounded up to even) and
 *          one byte per macroblock and frame (1: its samples are known)
 *          --slices S      slices per picture (default 1)
 *          --gop K         an IDR picture every K frames (default 1: all IDR),
 *                          the others non-IDR reference pictures
 *          --log2-frame-num L   log2_max_frame_num (4..16, default 16)
 *          --p             non-IDR pictures are P slices (with P_Skip runs)
 *          --cavlc SEED    random residual macroblocks (see above)
 *          --sei           user data and recovery point SEI before each picture
 *          --fps N         frame rate for the VUI (default 25)
 *        tool_h264_pcm gen W H N OUT.yuv SEED
 *          writes N deterministic I420 frames (gradients and noise), any size
 *        tool_h264_pcm cmp W H N EXPECT.yuv MASK DECODED.yuv
 *          compares the known macroblocks' samples; exit 1 on a difference
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "media/h264/bits.h"
#include "media/h264/cavlc.h"
#include "media/h264/params.h"

static uint64_t rng_state = 1;
static uint32_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return (uint32_t)((z ^ (z >> 31)) >> 32);
}

static void die(const char *msg)
{
    fprintf(stderr, "tool_h264_pcm: %s\n", msg);
    exit(2);
}

/* A decimal or 0x number argument; dies on anything else. */
static unsigned long long num(const char *s)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 0);
    if (end == s || *end != 0)
        die("bad number");
    return v;
}

/* A picture of mb_w x mb_h macroblocks, planes padded to whole macroblocks. */
struct pic {
    unsigned mw, mh;
    uint8_t *y, *u, *v; /* strides mw*16 and mw*8 */
};

static void pic_alloc(struct pic *p, unsigned mw, unsigned mh)
{
    p->mw = mw;
    p->mh = mh;
    p->y = calloc((size_t)mw * 16 * mh * 16, 1);
    p->u = calloc((size_t)mw * 8 * mh * 8, 1);
    p->v = calloc((size_t)mw * 8 * mh * 8, 1);
    if (!p->y || !p->u || !p->v)
        die("out of memory");
}

/* Reads one I420 frame w x h into p, replicating the edges into the padding. */
static int read_frame(FILE *f, struct pic *p, unsigned w, unsigned h)
{
    unsigned cw = (w + 1) / 2, ch = (h + 1) / 2;
    size_t ys = (size_t)p->mw * 16, cs = (size_t)p->mw * 8;
    uint8_t *row = malloc(w);
    if (!row)
        die("out of memory");
    for (unsigned y = 0; y < p->mh * 16; y++) {
        if (y < h && fread(row, 1, w, f) != w) {
            free(row);
            return -1;
        }
        for (unsigned x = 0; x < p->mw * 16; x++)
            p->y[y * ys + x] = y < h ? row[x < w ? x : w - 1] : p->y[(h - 1) * ys + x];
    }
    uint8_t *planes[2] = {p->u, p->v};
    for (int c = 0; c < 2; c++) {
        for (unsigned y = 0; y < p->mh * 8; y++) {
            if (y < ch && fread(row, 1, cw, f) != cw) {
                free(row);
                return -1;
            }
            for (unsigned x = 0; x < p->mw * 8; x++)
                planes[c][y * cs + x] =
                    y < ch ? row[x < cw ? x : cw - 1] : planes[c][(ch - 1) * cs + x];
        }
    }
    free(row);
    return 0;
}

static void write_frame(FILE *f, const struct pic *p, unsigned w, unsigned h)
{
    size_t ys = (size_t)p->mw * 16, cs = (size_t)p->mw * 8;
    for (unsigned y = 0; y < h; y++)
        fwrite(p->y + y * ys, 1, w, f);
    for (unsigned y = 0; y < h / 2; y++)
        fwrite(p->u + y * cs, 1, w / 2, f);
    for (unsigned y = 0; y < h / 2; y++)
        fwrite(p->v + y * cs, 1, w / 2, f);
}

/* Per-macroblock TotalCoeff of the 4x4 blocks, for nC (9.2.1). */
struct mbinfo {
    uint8_t luma[16];     /* [y * 4 + x] */
    uint8_t chroma[2][4]; /* [c][y * 2 + x] */
};

struct ctx {
    avila_h264_bits *b;
    struct mbinfo *info;
    unsigned mw, first_mb; /* the slice's first macroblock */
};

/* TotalCoeff of the luma block at (bx, by) relative to macroblock mb, or -1. */
static int luma_total(const struct ctx *c, unsigned mb, int bx, int by)
{
    unsigned mx = mb % c->mw;
    if (bx < 0) {
        if (mx == 0 || mb - 1 < c->first_mb)
            return -1;
        return c->info[mb - 1].luma[by * 4 + 3];
    }
    if (by < 0) {
        if (mb < c->mw || mb - c->mw < c->first_mb)
            return -1;
        return c->info[mb - c->mw].luma[12 + bx];
    }
    return c->info[mb].luma[by * 4 + bx];
}

static int chroma_total(const struct ctx *c, unsigned mb, int comp, int bx, int by)
{
    unsigned mx = mb % c->mw;
    if (bx < 0) {
        if (mx == 0 || mb - 1 < c->first_mb)
            return -1;
        return c->info[mb - 1].chroma[comp][by * 2 + 1];
    }
    if (by < 0) {
        if (mb < c->mw || mb - c->mw < c->first_mb)
            return -1;
        return c->info[mb - c->mw].chroma[comp][2 + bx];
    }
    return c->info[mb].chroma[comp][by * 2 + bx];
}

static void random_block(int16_t *coef, int n)
{
    uint32_t r = rnd();
    unsigned density = r % 5, style = (r >> 4) % 4;
    for (int i = 0; i < n; i++) {
        uint32_t q = rnd();
        int on = density == 0   ? 0
                 : density == 1 ? q % 8 == 0
                 : density == 2 ? q % 2 == 0
                 : density == 3 ? q % 8 != 0
                                : 1;
        int mag = style == 0   ? 1 + (int)(q >> 8) % 2
                  : style == 1 ? 1 + (int)(q >> 8) % 20
                  : style == 2 ? 1 + (int)((q >> 8) % AVILA_H264_LEVEL_MAX)
                               : 1 + (int)(q >> 8) % 4;
        coef[i] = (int16_t)(on ? ((q >> 31) ? -mag : mag) : 0);
    }
}

/* Luma 4x4 block index (8x8 quadrants, Z order inside) to its (x, y) in the macroblock. */
static void blk_xy(int i, int *x, int *y)
{
    *x = (i / 4 % 2) * 2 + i % 2;
    *y = (i / 8) * 2 + (i / 2) % 2;
}

/* residual() for ChromaArrayType 1 (7.3.5.3) with random levels. */
static void residual(struct ctx *c, unsigned mb, bool i16, unsigned cbp)
{
    struct mbinfo *mi = &c->info[mb];
    int16_t coef[16];
    memset(mi, 0, sizeof(*mi));
    if (i16) {
        random_block(coef, 16);
        avila_h264_cavlc_block(
            c->b, coef, 16,
            avila_h264_cavlc_nc(luma_total(c, mb, -1, 0), luma_total(c, mb, 0, -1)));
    }
    for (int i = 0; i < 16; i++) {
        int x, y;
        blk_xy(i, &x, &y);
        if (!(cbp >> (i / 4) & 1))
            continue;
        int nc = avila_h264_cavlc_nc(luma_total(c, mb, x - 1, y), luma_total(c, mb, x, y - 1));
        random_block(coef, i16 ? 15 : 16);
        mi->luma[y * 4 + x] = (uint8_t)avila_h264_cavlc_block(c->b, coef, i16 ? 15 : 16, nc);
    }
    unsigned cc = cbp >> 4;
    if (cc >= 1) {
        for (int comp = 0; comp < 2; comp++) {
            random_block(coef, 4);
            avila_h264_cavlc_block(c->b, coef, 4, -1);
        }
    }
    if (cc == 2) {
        for (int comp = 0; comp < 2; comp++) {
            for (int i = 0; i < 4; i++) {
                int x = i % 2, y = i / 2;
                int nc = avila_h264_cavlc_nc(chroma_total(c, mb, comp, x - 1, y),
                                             chroma_total(c, mb, comp, x, y - 1));
                random_block(coef, 15);
                mi->chroma[comp][i] = (uint8_t)avila_h264_cavlc_block(c->b, coef, 15, nc);
            }
        }
    }
}

/*
 * Writes one random non-PCM macroblock_layer; p_slice offsets intra mb_type
 * by 5. Returns true for an inter macroblock (its motion vector may move).
 */
static bool random_mb(struct ctx *c, unsigned mb, bool p_slice)
{
    avila_h264_bits *b = c->b;
    unsigned kind = rnd() % (p_slice ? 3 : 2);
    if (kind == 0) { /* I_16x16, DC prediction (always allowed) */
        unsigned cl = rnd() % 2 ? 15 : 0, cc = rnd() % 3;
        avila_h264_bits_ue(b, (p_slice ? 5 : 0) + 1 + 2 + 4 * cc + (cl ? 12 : 0));
        avila_h264_bits_ue(b, 0);                          /* intra_chroma_pred_mode: DC */
        avila_h264_bits_se(b, (int32_t)(rnd() % 52) - 26); /* mb_qp_delta */
        residual(c, mb, true, cl | cc << 4);
        return false;
    }
    unsigned cbp = rnd() % 48;
    if (kind == 1) { /* I_NxN: every 4x4 block takes its predicted mode, DC here */
        avila_h264_bits_ue(b, p_slice ? 5 : 0);
        for (int i = 0; i < 16; i++)
            avila_h264_bits_put(b, 1, 1); /* prev_intra4x4_pred_mode_flag */
        avila_h264_bits_ue(b, 0);
        avila_h264_bits_ue(b, avila_h264_cbp_code(cbp, true));
    } else { /* P_L0_16x16, one reference: no ref_idx */
        avila_h264_bits_ue(b, 0);
        avila_h264_bits_se(b, (int32_t)(rnd() % 17) - 8); /* mvd_l0 x */
        avila_h264_bits_se(b, (int32_t)(rnd() % 17) - 8); /* mvd_l0 y */
        avila_h264_bits_ue(b, avila_h264_cbp_code(cbp, false));
    }
    if (cbp != 0)
        avila_h264_bits_se(b, (int32_t)(rnd() % 52) - 26);
    residual(c, mb, false, cbp);
    return kind == 2;
}

static void pcm_mb(struct ctx *c, unsigned mb, const struct pic *src, bool p_slice)
{
    avila_h264_bits *b = c->b;
    avila_h264_bits_ue(b, p_slice ? 30 : 25); /* I_PCM */
    avila_h264_bits_put(b, (unsigned)((8 - avila_h264_bits_count(b) % 8) % 8), 0);
    size_t mx = mb % src->mw, my = mb / src->mw;
    size_t ys = (size_t)src->mw * 16, cs = (size_t)src->mw * 8;
    for (unsigned y = 0; y < 16; y++)
        for (unsigned x = 0; x < 16; x++)
            avila_h264_bits_put(b, 8, src->y[(my * 16 + y) * ys + mx * 16 + x]);
    for (unsigned y = 0; y < 8; y++)
        for (unsigned x = 0; x < 8; x++)
            avila_h264_bits_put(b, 8, src->u[(my * 8 + y) * cs + mx * 8 + x]);
    for (unsigned y = 0; y < 8; y++)
        for (unsigned x = 0; x < 8; x++)
            avila_h264_bits_put(b, 8, src->v[(my * 8 + y) * cs + mx * 8 + x]);
    memset(&c->info[mb], 16, sizeof(c->info[mb])); /* I_PCM counts 16 (9.2.1) */
}

static void copy_mb(struct pic *dst, const struct pic *src, unsigned mb)
{
    size_t mx = mb % src->mw, my = mb / src->mw;
    size_t ys = (size_t)src->mw * 16, cs = (size_t)src->mw * 8;
    for (unsigned y = 0; y < 16; y++)
        memcpy(dst->y + (my * 16 + y) * ys + mx * 16, src->y + (my * 16 + y) * ys + mx * 16, 16);
    for (unsigned y = 0; y < 8; y++) {
        memcpy(dst->u + (my * 8 + y) * cs + mx * 8, src->u + (my * 8 + y) * cs + mx * 8, 8);
        memcpy(dst->v + (my * 8 + y) * cs + mx * 8, src->v + (my * 8 + y) * cs + mx * 8, 8);
    }
}

static void emit_nal(FILE *out, unsigned ref, unsigned type, uint8_t *rbsp, avila_h264_bits *b)
{
    int n = avila_h264_bits_finish(b);
    if (n < 0)
        die("rbsp buffer too small");
    size_t cap = AVILA_H264_NAL_MAX((size_t)n);
    uint8_t *nal = malloc(cap);
    if (!nal)
        die("out of memory");
    int m = avila_h264_nal_write(nal, cap, ref, type, rbsp, (size_t)n);
    if (m < 0)
        die("nal_write failed");
    fwrite(nal, 1, (size_t)m, out);
    free(nal);
}

static int cmd_encode(int argc, char **argv)
{
    if (argc < 9)
        die("usage: encode W H N IN OUT EXPECT MASK [options]");
    unsigned w = (unsigned)num(argv[2]), h = (unsigned)num(argv[3]);
    unsigned frames = (unsigned)num(argv[4]);
    unsigned slices = 1, gop = 1, log2fn = 16, fps = 25;
    bool p_frames = false, cavlc = false, sei = false;
    for (int i = 9; i < argc; i++) {
        if (!strcmp(argv[i], "--slices") && i + 1 < argc) {
            slices = (unsigned)num(argv[++i]);
        } else if (!strcmp(argv[i], "--gop") && i + 1 < argc) {
            gop = (unsigned)num(argv[++i]);
        } else if (!strcmp(argv[i], "--log2-frame-num") && i + 1 < argc) {
            log2fn = (unsigned)num(argv[++i]);
        } else if (!strcmp(argv[i], "--fps") && i + 1 < argc) {
            fps = (unsigned)num(argv[++i]);
        } else if (!strcmp(argv[i], "--p")) {
            p_frames = true;
        } else if (!strcmp(argv[i], "--cavlc") && i + 1 < argc) {
            cavlc = true;
            rng_state = num(argv[++i]);
        } else if (!strcmp(argv[i], "--sei")) {
            sei = true;
        } else {
            die("unknown option");
        }
    }
    avila_h264_sps sps;
    if (avila_h264_sps_init(&sps, w, h, fps, 1, 0) != 0)
        die("bad size or rate");
    if (log2fn < 4 || log2fn > 16)
        die("bad --log2-frame-num");
    sps.log2_max_frame_num = log2fn;
    avila_h264_pps pps = {.pic_init_qp = 26,
                          .chroma_qp_index_offset = 0,
                          .deblocking_control = true,
                          .constrained_intra_pred = false,
                          .num_ref_idx_active = 1};
    unsigned mw = sps.mb_width, mh = sps.mb_height, nmb = mw * mh;
    if (slices < 1 || slices > nmb || gop < 1)
        die("bad --slices or --gop");
    FILE *in = fopen(argv[5], "rb"), *out = fopen(argv[6], "wb");
    FILE *expf = fopen(argv[7], "wb"), *maskf = fopen(argv[8], "wb");
    if (!in || !out || !expf || !maskf)
        die("cannot open files");

    struct pic src, dec, prev;
    pic_alloc(&src, mw, mh);
    pic_alloc(&dec, mw, mh);
    pic_alloc(&prev, mw, mh);
    uint8_t *known = calloc(nmb, 1), *prev_known = calloc(nmb, 1);
    uint8_t *moving = calloc(nmb, 1); /* its motion vector may be non-zero */
    struct mbinfo *info = calloc(nmb, sizeof(*info));
    /* Room for every macroblock as I_PCM plus headers and worst-case residuals. */
    size_t cap = (size_t)nmb * 1200 + 4096;
    uint8_t *rbsp = malloc(cap);
    if (!known || !prev_known || !moving || !info || !rbsp)
        die("out of memory");
    avila_h264_bits b;

    avila_h264_bits_init(&b, rbsp, cap);
    avila_h264_sps_write(&b, &sps);
    emit_nal(out, 3, AVILA_H264_NAL_SPS, rbsp, &b);
    avila_h264_bits_init(&b, rbsp, cap);
    avila_h264_pps_write(&b, &pps);
    emit_nal(out, 3, AVILA_H264_NAL_PPS, rbsp, &b);

    unsigned frame_num = 0, idr_id = 0;
    unsigned coded_w = w + (w & 1), coded_h = h + (h & 1);
    for (unsigned f = 0; f < frames; f++) {
        if (read_frame(in, &src, w, h) != 0)
            die("short input");
        bool idr = f % gop == 0;
        bool p_slice = !idr && p_frames;
        if (idr)
            frame_num = 0;
        if (sei) {
            static const uint8_t uuid[16] = {0xa7, 0x11, 0xa0, 0x26, 0x40, 0x1d, 0x4c, 0x2b,
                                             0x9d, 0x3e, 0x61, 0x0f, 0x5b, 0x77, 0x88, 0x99};
            char note[64];
            int len = snprintf(note, sizeof(note), "avila pcm frame %u", f);
            avila_h264_bits_init(&b, rbsp, cap);
            avila_h264_sei_user_data(&b, uuid, (const uint8_t *)note, (size_t)len);
            emit_nal(out, 0, AVILA_H264_NAL_SEI, rbsp, &b);
            avila_h264_bits_init(&b, rbsp, cap);
            avila_h264_sei_recovery_point(&b, f % 300, true);
            emit_nal(out, 0, AVILA_H264_NAL_SEI, rbsp, &b);
        }
        for (unsigned s = 0; s < slices; s++) {
            unsigned first = (unsigned)((uint64_t)nmb * s / slices);
            unsigned end = (unsigned)((uint64_t)nmb * (s + 1) / slices);
            avila_h264_slice_header hdr = {
                .first_mb = first,
                .slice_type = p_slice ? AVILA_H264_SLICE_P : AVILA_H264_SLICE_I,
                .idr = idr,
                .nal_ref_idc = 2,
                .frame_num = frame_num,
                .idr_pic_id = idr_id,
                .slice_qp = (int)(rnd() % 52),
                .disable_deblocking = 1,
            };
            struct ctx c = {&b, info, mw, first};
            avila_h264_bits_init(&b, rbsp, cap);
            avila_h264_slice_header_write(&b, &sps, &pps, &hdr);
            unsigned skip_run = 0;
            for (unsigned mb = first; mb < end; mb++) {
                uint32_t r = rnd() % 8;
                bool skip = p_slice && r < 3;
                bool random_residual = cavlc && !skip && r >= 5;
                moving[mb] = 0;
                if (skip) {
                    /* P_Skip predicts its motion vector from A, B, C (or D) in
                     * the slice (8.4.1.1): zero unless one of them may move. */
                    unsigned mx = mb % mw;
                    bool a = mx > 0 && mb - 1 >= first && moving[mb - 1];
                    bool bb = mb >= mw && mb - mw >= first && moving[mb - mw];
                    bool cc =
                        mb >= mw && mx + 1 < mw && mb - mw + 1 >= first && moving[mb - mw + 1];
                    bool d = mb >= mw && mx > 0 && mb - mw - 1 >= first && moving[mb - mw - 1];
                    moving[mb] = a || bb || cc || d;
                    skip_run++;
                    memset(&info[mb], 0, sizeof(info[mb]));
                    copy_mb(&dec, &prev, mb);
                    known[mb] = prev_known[mb] && !moving[mb];
                    continue;
                }
                if (p_slice) {
                    avila_h264_bits_ue(&b, skip_run);
                    skip_run = 0;
                }
                if (random_residual) {
                    moving[mb] = (uint8_t)random_mb(&c, mb, p_slice);
                    known[mb] = 0;
                } else {
                    pcm_mb(&c, mb, &src, p_slice);
                    copy_mb(&dec, &src, mb);
                    known[mb] = 1;
                }
            }
            if (skip_run > 0)
                avila_h264_bits_ue(&b, skip_run);
            avila_h264_bits_trailing(&b);
            emit_nal(out, 2, idr ? AVILA_H264_NAL_IDR : AVILA_H264_NAL_SLICE, rbsp, &b);
        }
        write_frame(expf, &dec, coded_w, coded_h);
        fwrite(known, 1, nmb, maskf);
        struct pic t = prev;
        prev = dec;
        dec = t;
        uint8_t *tk = prev_known;
        prev_known = known;
        known = tk;
        frame_num = (frame_num + 1) % (1u << log2fn);
        if (idr)
            idr_id = (idr_id + 1) % 65536;
    }
    fclose(in);
    if (fclose(out) != 0 || fclose(expf) != 0 || fclose(maskf) != 0)
        die("write error");
    free(src.y), free(src.u), free(src.v);
    free(dec.y), free(dec.u), free(dec.v);
    free(prev.y), free(prev.u), free(prev.v);
    free(known);
    free(prev_known);
    free(moving);
    free(info);
    free(rbsp);
    return 0;
}

/* gen W H N OUT SEED: N I420 frames of moving gradients with noise (any size, odd too). */
static int cmd_gen(int argc, char **argv)
{
    if (argc != 7)
        die("usage: gen W H N OUT SEED");
    unsigned w = (unsigned)num(argv[2]), h = (unsigned)num(argv[3]);
    unsigned frames = (unsigned)num(argv[4]);
    rng_state = num(argv[6]);
    FILE *o = fopen(argv[5], "wb");
    if (!o)
        die("cannot open output");
    unsigned cw = (w + 1) / 2, ch = (h + 1) / 2;
    for (unsigned f = 0; f < frames; f++) {
        for (unsigned y = 0; y < h; y++)
            for (unsigned x = 0; x < w; x++)
                fputc((int)((x * 3 + y * 2 + f * 5 + (rnd() % 16)) & 255), o);
        for (unsigned c = 0; c < 2; c++)
            for (unsigned y = 0; y < ch; y++)
                for (unsigned x = 0; x < cw; x++)
                    fputc((int)((c * 90 + x * 4 + y + f * 3 + (rnd() % 8)) & 255), o);
    }
    return fclose(o) == 0 ? 0 : 1;
}

/* cmp W H N EXPECT MASK DECODED: the known macroblocks must match exactly. */
static int cmd_cmp(int argc, char **argv)
{
    if (argc != 8)
        die("usage: cmp W H N EXPECT MASK DECODED (W, H the coded even size)");
    unsigned w = (unsigned)num(argv[2]), h = (unsigned)num(argv[3]);
    unsigned frames = (unsigned)num(argv[4]);
    unsigned mw = (w + 15) / 16, mh = (h + 15) / 16;
    size_t fsz = (size_t)w * h + 2 * (size_t)(w / 2) * (h / 2);
    FILE *e = fopen(argv[5], "rb"), *m = fopen(argv[6], "rb"), *d = fopen(argv[7], "rb");
    if (!e || !m || !d)
        die("cannot open files");
    uint8_t *ef = malloc(fsz), *df = malloc(fsz), *mask = malloc((size_t)mw * mh);
    if (!ef || !df || !mask)
        die("out of memory");
    size_t checked = 0;
    for (unsigned f = 0; f < frames; f++) {
        if (fread(ef, 1, fsz, e) != fsz || fread(df, 1, fsz, d) != fsz ||
            fread(mask, 1, (size_t)mw * mh, m) != (size_t)mw * mh) {
            fprintf(stderr, "frame %u: short file\n", f);
            exit(1);
        }
        for (size_t i = 0; i < fsz; i++) {
            unsigned x, y, mb;
            if (i < (size_t)w * h) {
                x = (unsigned)(i % w);
                y = (unsigned)(i / w);
                mb = (y / 16) * mw + x / 16;
            } else {
                size_t j = (i - (size_t)w * h) % ((size_t)(w / 2) * (h / 2));
                x = (unsigned)(j % (w / 2));
                y = (unsigned)(j / (w / 2));
                mb = (y / 8) * mw + x / 8;
            }
            if (!mask[mb])
                continue;
            checked++;
            if (ef[i] != df[i]) {
                fprintf(stderr, "frame %u: byte %zu (mb %u) is %u, want %u\n", f, i, mb, df[i],
                        ef[i]);
                exit(1);
            }
        }
    }
    int extra = fgetc(d) != EOF;
    free(ef);
    free(df);
    free(mask);
    fclose(e);
    fclose(m);
    fclose(d);
    if (extra) {
        fprintf(stderr, "decoded file has more frames\n");
        return 1;
    }
    printf("%zu samples checked\n", checked);
    return checked > 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "encode"))
        return cmd_encode(argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "gen"))
        return cmd_gen(argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "cmp"))
        return cmd_cmp(argc, argv);
    die("usage: tool_h264_pcm encode|cmp ...");
    return 2;
}
