/*
 * media/h264/enc.c - the encoder's picture loop (media/h264.h): parameter
 * sets, slices, the reference picture and its half-sample planes, and the
 * statistics. Macroblocks are coded by media/h264/enc_mb.c. Pure.
 */
#include "core/error.h"
#include "media/h264/enc_int.h"
#include "media/h264/transform.h"

/* One slice's NAL unit around its RBSP, and the picture's parameter sets. */
#define HEADER_BYTES 256

/*
 * Bytes of RBSP one coded macroblock can take: I_PCM's 384 samples plus its
 * mb_type, alignment and the mb_skip_run before it (enc_mb.c falls back to
 * I_PCM beyond that).
 */
#define MB_MAX_BYTES 400

/* How much finer than the configured QP IDR pictures are coded. */
#define IDR_QP_STEP 3

/* Room for one macroblock's CAVLC attempt that is then replaced by I_PCM. */
#define MB_ATTEMPT_BYTES 4096

void avila_h264_config_default(struct avila_h264_config *c, unsigned w, unsigned h)
{
    *c = (struct avila_h264_config){
        .width = w,
        .height = h,
        .fps_num = 30,
        .fps_den = 1,
        .rc = AVILA_H264_RC_CQP,
        .qp = 26,
        .bitrate_kbps = 2000,
        .preset = AVILA_H264_PRESET_DEFAULT,
        .slices = 1,
    };
}

/* Analysis settings of each preset: Intra4x4, 16x8/8x16/8x8 partitions, sub-8x8 ones, search
 * method, sub-pel depth, range. */
static void apply_preset(avila_h264_encoder *e)
{
    static const struct {
        bool i4, parts, sub8x8;
        unsigned method, subpel, range;
    } presets[] = {
        [AVILA_H264_PRESET_FASTEST] = {false, false, false, AVILA_H264_ME_DIA, 0, 16},
        [AVILA_H264_PRESET_FAST] = {true, false, false, AVILA_H264_ME_HEX, 2, 16},
        [AVILA_H264_PRESET_DEFAULT] = {true, true, false, AVILA_H264_ME_HEX, 3, 16},
        [AVILA_H264_PRESET_QUALITY] = {true, true, true, AVILA_H264_ME_HEX, 3, 32},
    };
    e->use_i4 = presets[e->cfg.preset].i4;
    e->use_parts = presets[e->cfg.preset].parts;
    /* P_8x8 only with its smaller partitions: alone it saved about 1% of the bits for 13%
     * more time (640x360 camera and moving-objects clips, QP 26 and 34). */
    e->use_sub8x8 = e->use_parts && (e->cfg.sub8x8 || presets[e->cfg.preset].sub8x8);
    e->me_method = presets[e->cfg.preset].method;
    e->me_subpel = presets[e->cfg.preset].subpel;
    e->me_range = e->cfg.search_range ? e->cfg.search_range : presets[e->cfg.preset].range;
    e->trellis = e->cfg.trellis || e->cfg.preset == AVILA_H264_PRESET_QUALITY;
    /* Glyph copies wherever partitions can use them. */
    e->glyph = e->use_parts;
    e->deblock = e->cfg.deblocking == AVILA_H264_DEBLOCK_ON ||
                 (e->cfg.deblocking == AVILA_H264_DEBLOCK_PRESET &&
                  e->cfg.preset != AVILA_H264_PRESET_FASTEST);
}

/*
 * Per-QP tables. Lagrange multipliers for SAD/SATD-domain decisions:
 * 0.85 x 2^((QP-12)/3) is the usual rate-distortion lambda for squared
 * error; its square root, about 2^((QP-12)/6), weighs bits against absolute
 * differences. And the SAD bounds of the early skip test.
 */
static void init_tables(avila_h264_encoder *e)
{
    double l = 0.25; /* 2^((0-12)/6) */
    for (int qp = 0; qp < 52; qp++) {
        int v = (int)(l + 0.5);
        e->lambda[qp] = v < 1 ? 1 : v;
        e->zero_sad[qp] = avila_h264_zero_sad4x4(qp, false);
        e->zero_sad_dc[qp] = avila_h264_zero_sad_chroma_dc(qp, false);
        l *= 1.12246204830937298; /* 2^(1/6) */
    }
}

static bool config_ok(const struct avila_h264_config *c)
{
    return c->width >= AVILA_H264_MIN_SIZE && c->width <= AVILA_H264_MAX_SIZE &&
           c->height >= AVILA_H264_MIN_SIZE && c->height <= AVILA_H264_MAX_SIZE &&
           c->width % 2 == 0 && c->height % 2 == 0 && c->fps_num > 0 && c->fps_den > 0 &&
           (unsigned)c->rc <= AVILA_H264_RC_VBR && c->qp >= 0 && c->qp <= 51 &&
           (c->rc == AVILA_H264_RC_CQP || (c->bitrate_kbps >= 1 && c->bitrate_kbps <= 2000000)) &&
           (unsigned)c->preset <= AVILA_H264_PRESET_QUALITY && c->slices >= 1 &&
           c->slices <= (c->height + 15) / 16 && c->threads <= 64 && c->chroma_qp_offset >= -12 &&
           c->chroma_qp_offset <= 12 && (unsigned)c->deblocking <= AVILA_H264_DEBLOCK_OFF &&
           (c->search_range == 0 || (c->search_range >= 4 && c->search_range <= 256));
}

struct layout {
    ptrdiff_t y_stride, c_stride;
    size_t y_plane, c_plane; /* bytes of one padded plane */
    size_t src_y, src_c;
    size_t total;
};

static void plan(const avila_h264_encoder *e, struct layout *l)
{
    size_t w = (size_t)e->mb_w * 16, h = (size_t)e->mb_h * 16;
    size_t pad = AVILA_H264_PAD_LUMA, cpad = AVILA_H264_PAD_CHROMA, mbs = e->mbs;
    l->y_stride = (ptrdiff_t)((w + 2 * pad + 63) & ~(size_t)63);
    l->c_stride = (ptrdiff_t)((w / 2 + 2 * cpad + 63) & ~(size_t)63);
    l->y_plane = (size_t)l->y_stride * (h + 2 * pad);
    l->c_plane = (size_t)l->c_stride * (h / 2 + 2 * cpad);
    l->src_y = w * h;
    l->src_c = w * h / 4;
    size_t picture = 4 * (l->y_plane + 64) + 2 * (l->c_plane + 64);
    size_t sig = h * e->scroll_bands * sizeof(uint32_t);
    size_t scroll = 2 * sig + e->scroll_hash_size * (sizeof(uint32_t) + sizeof(int32_t)) +
                    (2 * AVILA_H264I_SCROLL_MAX + 1) * sizeof(unsigned) +
                    e->scroll_bands * sizeof(int16_t);
    /* Then the source planes, changed, rec, rec_ref, dbk, wave_rows, job_ssd, rbsp, jobs and
     * the six scrolling arrays, each rounded up to 64. */
    l->total = 2 * picture + l->src_y + 2 * l->src_c + mbs + 2 * mbs * sizeof(struct mb_record) +
               mbs * sizeof(avila_h264_mb_deblock) + e->mb_h * sizeof(avila_h264_deblock_row) +
               e->cfg.threads * sizeof(struct job_ssd) + e->slices * e->rbsp_cap +
               e->slices * sizeof(struct slice_ctx) + (e->slices + 1) * sizeof(unsigned) +
               e->mb_h * sizeof(uint32_t) + scroll + (size_t)19 * 64;
    /* With glyph: the last source's luma, the candidates, the lookup's work areas. */
    if (e->glyph)
        l->total += l->src_y + mbs * 4 + mbs * 4 * sizeof *e->glyph_mv +
                    avila_h264i_glyph_bytes(e->mb_w, e->mb_h) + (size_t)3 * 64;
}

static void setup_picture(struct enc_picture *p, uint8_t **mem, const struct layout *l)
{
    ptrdiff_t yo = AVILA_H264_PAD_LUMA * l->y_stride + AVILA_H264_PAD_LUMA;
    ptrdiff_t co = AVILA_H264_PAD_CHROMA * l->c_stride + AVILA_H264_PAD_CHROMA;
    p->y_stride = l->y_stride;
    p->c_stride = l->c_stride;
    p->y = (uint8_t *)avila_h264i_carve(mem, l->y_plane) + yo;
    for (unsigned i = 0; i < 3; i++)
        p->hpel[i] = (uint8_t *)avila_h264i_carve(mem, l->y_plane) + yo;
    p->u = (uint8_t *)avila_h264i_carve(mem, l->c_plane) + co;
    p->v = (uint8_t *)avila_h264i_carve(mem, l->c_plane) + co;
}

int avila_h264_encoder_create(avila_h264_encoder **out, const struct avila_h264_config *c,
                              const struct avila_allocator *a)
{
    if (!config_ok(c))
        return AVILA_EINVAL;
    avila_h264_encoder *e = avila_alloc(a, sizeof *e, _Alignof(avila_h264_encoder));
    if (!e)
        return AVILA_ENOMEM;
    *e = (avila_h264_encoder){.cfg = *c, .alloc = a};
    bool rate = c->rc != AVILA_H264_RC_CQP;
    int err = avila_h264_sps_init(&e->sps, c->width, c->height, c->fps_num, c->fps_den,
                                  rate ? c->bitrate_kbps : 0);
    if (err == 0 && rate)
        err = avila_h264_ratectl_init(&e->rc, c->rc == AVILA_H264_RC_CBR, c->bitrate_kbps,
                                      c->vbv_kbits, c->fps_num, c->fps_den);
    if (err < 0) {
        avila_free(a, e, sizeof *e, _Alignof(avila_h264_encoder));
        return err;
    }
    e->pps = (avila_h264_pps){
        .pic_init_qp = c->qp,
        .chroma_qp_index_offset = c->chroma_qp_offset,
        .deblocking_control = true,
        .num_ref_idx_active = 1,
    };
    e->mb_w = (c->width + 15) / 16;
    e->mb_h = (c->height + 15) / 16;
    e->mbs = e->mb_w * e->mb_h;
    e->cfg.threads = c->threads ? c->threads : 1;
    e->slices = c->slices > e->cfg.threads ? c->slices : e->cfg.threads;
    if (e->slices > e->mb_h)
        e->slices = e->mb_h;
    /* Slices balanced by work may hold up to twice the even share of rows. */
    size_t even = (e->mb_h + e->slices - 1) / e->slices;
    e->slice_rows_max = e->slices == 1 || 2 * even > e->mb_h ? e->mb_h : (unsigned)(2 * even);
    e->rbsp_cap =
        (size_t)e->slice_rows_max * e->mb_w * MB_MAX_BYTES + MB_ATTEMPT_BYTES + HEADER_BYTES;
    e->scroll_bands = (e->mb_w + SCROLL_BAND - 1) / SCROLL_BAND;
    e->scroll_hash_size = 64;
    while (e->scroll_hash_size < 2 * e->mb_h * 16)
        e->scroll_hash_size *= 2;
    e->px = avila_h264_pixel_ops_best();
    unsigned mvs = avila_h264_level_max_mvs_per_2mb(e->sps.level_idc);
    e->mvs_per_mb = mvs ? mvs / 2 : 16;
    apply_preset(e);
    init_tables(e);

    struct layout l;
    plan(e, &l);
    e->mem_size = l.total;
    uint8_t *mem = avila_alloc(a, l.total, 64);
    if (!mem) {
        avila_free(a, e, sizeof *e, _Alignof(avila_h264_encoder));
        return AVILA_ENOMEM;
    }
    e->mem = mem;
    /* Padding and reference samples start black, so nothing reads uninitialised memory. */
    memset(mem, 0, l.total);
    for (unsigned i = 0; i < 2; i++)
        setup_picture(&e->pic[i], &mem, &l);
    e->src_y_stride = (ptrdiff_t)e->mb_w * 16;
    e->src_c_stride = (ptrdiff_t)e->mb_w * 8;
    e->src_y = avila_h264i_carve(&mem, l.src_y);
    e->src_u = avila_h264i_carve(&mem, l.src_c);
    e->src_v = avila_h264i_carve(&mem, l.src_c);
    e->changed = avila_h264i_carve(&mem, e->mbs);
    e->rec = avila_h264i_carve(&mem, e->mbs * sizeof(struct mb_record));
    e->rec_ref = avila_h264i_carve(&mem, e->mbs * sizeof(struct mb_record));
    e->dbk = avila_h264i_carve(&mem, e->mbs * sizeof(avila_h264_mb_deblock));
    e->wave_rows = avila_h264i_carve(&mem, e->mb_h * sizeof(avila_h264_deblock_row));
    e->job_ssd = avila_h264i_carve(&mem, e->cfg.threads * sizeof(struct job_ssd));
    e->rbsp = avila_h264i_carve(&mem, e->slices * e->rbsp_cap);
    e->jobs = avila_h264i_carve(&mem, e->slices * sizeof(struct slice_ctx));
    e->slice_row = avila_h264i_carve(&mem, (e->slices + 1) * sizeof(unsigned));
    e->row_work = avila_h264i_carve(&mem, e->mb_h * sizeof(uint32_t));
    size_t sig = (size_t)e->mb_h * 16 * e->scroll_bands * sizeof(uint32_t);
    e->scroll_sig = avila_h264i_carve(&mem, sig);
    e->scroll_prev = avila_h264i_carve(&mem, sig);
    e->scroll_keys = avila_h264i_carve(&mem, e->scroll_hash_size * sizeof(uint32_t));
    e->scroll_rows = avila_h264i_carve(&mem, e->scroll_hash_size * sizeof(int32_t));
    e->scroll_votes = avila_h264i_carve(&mem, (2 * AVILA_H264I_SCROLL_MAX + 1) * sizeof(unsigned));
    e->scroll_dy = avila_h264i_carve(&mem, e->scroll_bands * sizeof(int16_t));
    if (e->glyph) {
        e->src_prev_y = avila_h264i_carve(&mem, l.src_y);
        e->glyph_n = avila_h264i_carve(&mem, (size_t)e->mbs * 4);
        e->glyph_mv = avila_h264i_carve(&mem, (size_t)e->mbs * 4 * sizeof *e->glyph_mv);
        e->glyph_work = avila_h264i_glyph_init(mem, e->mb_w, e->mb_h);
    }
    *out = e;
    return 0;
}

void avila_h264_encoder_destroy(avila_h264_encoder *e)
{
    if (!e)
        return;
    avila_free(e->alloc, e->mem, e->mem_size, 64);
    avila_free(e->alloc, e, sizeof *e, _Alignof(avila_h264_encoder));
}

size_t avila_h264_max_frame_bytes(const avila_h264_encoder *e)
{
    /*
     * Parameter sets, then per slice a NAL unit of at most AVILA_H264_NAL_MAX
     * of its RBSP: a header and its macroblocks. That bound is linear in the
     * RBSP length (but for a halving rounded down, hence the + 1), so the sum
     * over the slices depends only on their total of macroblocks.
     */
    size_t body = (size_t)e->mbs * MB_MAX_BYTES;
    /* (2 * HEADER_BYTES: parameter sets and a recovery point; then a user data SEI.) */
    size_t sei = AVILA_H264_NAL_MAX(AVILA_H264_USER_DATA_MAX + HEADER_BYTES);
    return sei + (size_t)2 * HEADER_BYTES +
           (size_t)e->slices * (AVILA_H264_NAL_MAX(HEADER_BYTES) + 1) + body + body / 2;
}

/* ------------------------------------------------------------ input */

/* Copies a plane of w x h samples (every step-th byte of each row) into dst, replicating
 * the last column and row out to dw x dh. Rows already in place (the caller wrote them
 * where avila_h264_input said) are not copied. */
static void import_plane(uint8_t *dst, ptrdiff_t ds, unsigned dw, unsigned dh, const uint8_t *src,
                         ptrdiff_t ss, unsigned step, unsigned w, unsigned h)
{
    for (unsigned y = 0; y < dh; y++) {
        const uint8_t *row = src + (ptrdiff_t)(y < h ? y : h - 1) * ss;
        uint8_t *d = dst + (ptrdiff_t)y * ds;
        if (step == 1) {
            if (d != row)
                memmove(d, row, w); /* (a caller's plane may overlap ours) */
        } else {
            for (unsigned x = 0; x < w; x++)
                d[x] = row[(size_t)x * step];
        }
        memset(d + w, d[w - 1], dw - w);
    }
}

static bool picture_ok(const avila_h264_encoder *e, const struct avila_h264_picture *p)
{
    unsigned w = e->cfg.width, cw = w / 2;
    if (p->layout != AVILA_H264_I420 && p->layout != AVILA_H264_NV12)
        return false;
    unsigned planes = p->layout == AVILA_H264_I420 ? 3 : 2;
    for (unsigned i = 0; i < planes; i++) {
        unsigned row = i == 0 ? w : p->layout == AVILA_H264_NV12 ? w : cw;
        if (!p->plane[i] || p->stride[i] < (ptrdiff_t)row)
            return false;
    }
    if (p->user_data_len &&
        (p->user_data_len > AVILA_H264_USER_DATA_MAX || !p->user_data_uuid || !p->user_data))
        return false;
    return p->nchanged == 0 || p->changed != NULL;
}

static void import(avila_h264_encoder *e, const struct avila_h264_picture *p)
{
    unsigned w = e->cfg.width, h = e->cfg.height;
    unsigned dw = e->mb_w * 16, dh = e->mb_h * 16;
    import_plane(e->src_y, e->src_y_stride, dw, dh, p->plane[0], p->stride[0], 1, w, h);
    if (p->layout == AVILA_H264_I420) {
        import_plane(e->src_u, e->src_c_stride, dw / 2, dh / 2, p->plane[1], p->stride[1], 1, w / 2,
                     h / 2);
        import_plane(e->src_v, e->src_c_stride, dw / 2, dh / 2, p->plane[2], p->stride[2], 1, w / 2,
                     h / 2);
    } else {
        import_plane(e->src_u, e->src_c_stride, dw / 2, dh / 2, p->plane[1], p->stride[1], 2, w / 2,
                     h / 2);
        import_plane(e->src_v, e->src_c_stride, dw / 2, dh / 2, p->plane[1] + 1, p->stride[1], 2,
                     w / 2, h / 2);
    }
    if (!p->changed) {
        memset(e->changed, 1, e->mbs);
        return;
    }
    memset(e->changed, 0, e->mbs);
    for (unsigned i = 0; i < p->nchanged; i++) {
        const struct avila_h264_rect *r = &p->changed[i];
        if (r->w == 0 || r->h == 0 || r->x >= w || r->y >= h)
            continue;
        unsigned x1 = r->w > w - r->x ? w : r->x + r->w, y1 = r->h > h - r->y ? h : r->y + r->h;
        for (unsigned my = r->y / 16; my <= (y1 - 1) / 16; my++)
            memset(e->changed + (size_t)my * e->mb_w + r->x / 16, 1, (x1 - 1) / 16 - r->x / 16 + 1);
    }
}

/* ------------------------------------------------------------ output */

/* Appends one NAL unit from the RBSP in bits; returns its bytes or a negative error. */
static int put_nal(uint8_t *out, size_t cap, size_t *pos, avila_h264_bits *bits, unsigned ref_idc,
                   unsigned type)
{
    int len = avila_h264_bits_finish(bits);
    if (len < 0)
        return len;
    int n = avila_h264_nal_write(out + *pos, cap - *pos, ref_idc, type, bits->buf, (size_t)len);
    if (n < 0)
        return n;
    *pos += (size_t)n;
    return n;
}

static int write_parameter_sets(avila_h264_encoder *e, uint8_t *out, size_t cap, size_t *pos)
{
    avila_h264_bits b;
    avila_h264_bits_init(&b, e->rbsp, e->rbsp_cap);
    avila_h264_sps_write(&b, &e->sps);
    int err = put_nal(out, cap, pos, &b, 3, AVILA_H264_NAL_SPS);
    if (err < 0)
        return err;
    avila_h264_bits_init(&b, e->rbsp, e->rbsp_cap);
    avila_h264_pps_write(&b, &e->pps);
    err = put_nal(out, cap, pos, &b, 3, AVILA_H264_NAL_PPS);
    return err < 0 ? err : 0;
}

/*
 * The QP of a picture: IDR pictures are coded IDR_QP_STEP finer, since
 * every P picture after them (and every skipped macroblock) inherits their
 * quality; x264's default ipratio of 1.4 comes to the same step.
 */
static int picture_qp(const avila_h264_encoder *e, bool idr)
{
    int qp = e->cfg.qp - (idr ? IDR_QP_STEP : 0);
    return qp < 0 ? 0 : qp;
}

/* Adds the squared errors of lines [y0, y1) of a w x h plane (clipped to h) to *ssd. */
static void add_ssd(const avila_h264_pixel_ops *px, const uint8_t *src, ptrdiff_t ss,
                    const uint8_t *rec, ptrdiff_t rs, unsigned w, unsigned h, unsigned y0,
                    unsigned y1, uint64_t *ssd)
{
    y1 = y1 < h ? y1 : h;
    if (y0 < y1)
        *ssd += px->ssd(src + (ptrdiff_t)y0 * ss, ss, rec + (ptrdiff_t)y0 * rs, rs, w, y1 - y0);
}

/* Pads macroblock row `row` of the picture just coded, final by now, and adds its squared
 * errors against the source (the cropped picture's) to ssd. */
static void finish_row(avila_h264_encoder *e, unsigned row, uint64_t ssd[3])
{
    struct enc_picture *p = &e->pic[e->cur];
    unsigned w = e->mb_w * 16, h = e->mb_h * 16, y0 = 16 * row, c0 = 8 * row;
    avila_h264_pad_rows(p->y, p->y_stride, w, h, AVILA_H264_PAD_LUMA, y0, y0 + 16);
    avila_h264_pad_rows(p->u, p->c_stride, w / 2, h / 2, AVILA_H264_PAD_CHROMA, c0, c0 + 8);
    avila_h264_pad_rows(p->v, p->c_stride, w / 2, h / 2, AVILA_H264_PAD_CHROMA, c0, c0 + 8);
    unsigned cw = e->cfg.width, ch = e->cfg.height;
    add_ssd(e->px, e->src_y, e->src_y_stride, p->y, p->y_stride, cw, ch, y0, y0 + 16, &ssd[0]);
    add_ssd(e->px, e->src_u, e->src_c_stride, p->u, p->c_stride, cw / 2, ch / 2, c0, c0 + 8,
            &ssd[1]);
    add_ssd(e->px, e->src_v, e->src_c_stride, p->v, p->c_stride, cw / 2, ch / 2, c0, c0 + 8,
            &ssd[2]);
}

/* Codes slice i of the picture (set up by code_picture) into its own RBSP. */
static void code_slice(avila_h264_encoder *e, unsigned i)
{
    struct slice_ctx *s = &e->jobs[i];
    avila_h264_bits_init(&s->bits, e->rbsp + i * e->rbsp_cap, e->rbsp_cap);
    avila_h264_slice_header_write(&s->bits, &e->sps, &e->pps, &s->hdr);
    for (unsigned row = s->first_mb / e->mb_w; row < s->end_mb / e->mb_w; row++) {
        size_t bits = avila_h264_bits_count(&s->bits);
        unsigned skipped = s->st.mb_skip;
        for (unsigned x = 0; x < e->mb_w; x++)
            avila_h264i_code_mb(s, x, row);
        /* Without deblocking the row is final: padded and measured now, while in cache. */
        if (!e->deblock)
            finish_row(e, row, s->st.ssd);
        /* A skipped macroblock costs little analysis; the others more, and the bits. */
        unsigned coded = e->mb_w - (s->st.mb_skip - skipped);
        e->row_work[row] =
            (uint32_t)(avila_h264_bits_count(&s->bits) - bits) + 32 * e->mb_w + 256 * coded;
    }
    if (s->skip_run)
        avila_h264_bits_ue(&s->bits, s->skip_run);
    avila_h264_bits_trailing(&s->bits);
}

/* A thread's share of the slices: t, t + threads, ... */
static void slice_job(void *arg, unsigned t)
{
    avila_h264_encoder *e = arg;
    for (unsigned i = t; i < e->slices; i += e->cfg.threads)
        code_slice(e, i);
}

/*
 * The intra refresh columns of the next picture: none for an IDR picture;
 * else the sweep's next share of the columns, one sweep per period.
 */
static void plan_refresh(avila_h264_encoder *e, bool idr)
{
    e->refresh_c0 = e->refresh_c1 = 0;
    e->refresh_start = false;
    if (!e->cfg.intra_refresh || idr)
        return;
    unsigned period = e->cfg.keyint ? e->cfg.keyint : e->mb_w;
    unsigned step = (e->since_idr - 1) % period;
    e->refresh_c0 = step * e->mb_w / period;
    e->refresh_c1 = (step + 1) * e->mb_w / period;
    e->refresh_start = step == 0;
}

/*
 * A recovery point SEI before the first picture of a refresh sweep: a
 * decoder starting there shows the right pictures once the sweep is done.
 * Not an exact match: deblocking and top-right intra samples may carry a
 * little of the unrefreshed part across the sweep's front.
 */
static int write_recovery_point(avila_h264_encoder *e, uint8_t *out, size_t cap, size_t *pos)
{
    avila_h264_bits b;
    avila_h264_bits_init(&b, e->rbsp, e->rbsp_cap);
    unsigned period = e->cfg.keyint ? e->cfg.keyint : e->mb_w;
    avila_h264_sei_recovery_point(&b, period - 1, false);
    int err = put_nal(out, cap, pos, &b, 0, AVILA_H264_NAL_SEI);
    return err < 0 ? err : 0;
}

/* The picture's user data SEI message (its length checked by picture_ok). */
static int write_user_data(avila_h264_encoder *e, const struct avila_h264_picture *pic,
                           uint8_t *out, size_t cap, size_t *pos)
{
    avila_h264_bits b;
    avila_h264_bits_init(&b, e->rbsp, e->rbsp_cap);
    avila_h264_sei_user_data(&b, pic->user_data_uuid, pic->user_data, pic->user_data_len);
    int err = put_nal(out, cap, pos, &b, 0, AVILA_H264_NAL_SEI);
    return err < 0 ? err : 0;
}

/*
 * Cuts the picture's macroblock rows into slices (e->slice_row) so that each
 * holds about the same part of the work the last coding took (row_work;
 * evenly when there was none): a row goes to the slice its middle falls in,
 * within at least one row and at most slice_rows_max per slice. Threads
 * then finish their slices at about the same time. The same whether slices
 * run on threads or not, so threads never change the stream.
 */
static void plan_slices(avila_h264_encoder *e)
{
    unsigned n = e->slices, rows = e->mb_h, max = e->slice_rows_max, row = 0;
    uint64_t total = 0, acc = 0;
    for (unsigned y = 0; y < rows; y++)
        total += e->row_work[y];
    e->slice_row[0] = 0;
    for (unsigned i = 0; i < n; i++) {
        unsigned after = n - 1 - i, left = rows - row; /* slices after this one, rows left */
        unsigned lo = left > after * max ? left - after * max : 1, hi = left - after;
        hi = hi < max ? hi : max;
        unsigned take = 0;
        if (total == 0) {
            take = (i + 1) * rows / n - row;
            take = take < lo ? lo : take > hi ? hi : take;
        } else {
            uint64_t target = total * (i + 1) / n;
            while (take < hi && (take < lo || 2 * acc + e->row_work[row + take] <= 2 * target))
                acc += e->row_work[row + take++];
        }
        row += take;
        e->slice_row[i + 1] = row;
    }
}

/* Codes the picture at qp into out: parameter sets before an IDR picture, then the slices. */
static int code_picture(avila_h264_encoder *e, const struct avila_h264_picture *pic, bool idr,
                        int qp, uint8_t *out, size_t cap, size_t *pos,
                        struct avila_h264_frame_stats *st)
{
    st->attempts++;
    st->qp = qp;
    st->mb_i4 = st->mb_i16 = st->mb_pcm = st->mb_p = st->mb_skip = 0;
    st->ssd[0] = st->ssd[1] = st->ssd[2] = 0;
    *pos = 0;
    int err = idr ? write_parameter_sets(e, out, cap, pos) : 0;
    if (err == 0 && e->refresh_start)
        err = write_recovery_point(e, out, cap, pos);
    if (err == 0 && pic->user_data_len)
        err = write_user_data(e, pic, out, cap, pos);
    plan_slices(e);
    for (unsigned i = 0; i < e->slices; i++) {
        unsigned row0 = e->slice_row[i], row1 = e->slice_row[i + 1];
        struct slice_ctx *s = &e->jobs[i];
        *s = (struct slice_ctx){
            .e = e,
            .first_mb = row0 * e->mb_w,
            .end_mb = row1 * e->mb_w,
            .p = !idr,
            .qp = qp,
            .hdr =
                {
                    .first_mb = row0 * e->mb_w,
                    .slice_type = idr ? AVILA_H264_SLICE_I : AVILA_H264_SLICE_P,
                    .idr = idr,
                    .nal_ref_idc = idr ? 3 : 2,
                    .frame_num = e->frame_num,
                    .idr_pic_id = e->idr_pic_id,
                    .slice_qp = qp,
                    .disable_deblocking = e->deblock ? 0 : 1,
                },
        };
    }
    unsigned threads = e->cfg.threads < e->slices ? e->cfg.threads : e->slices;
    if (e->cfg.parallel && threads > 1)
        e->cfg.parallel->run(e->cfg.parallel->ctx, slice_job, e, threads);
    else
        for (unsigned i = 0; i < e->slices; i++)
            code_slice(e, i);
    for (unsigned i = 0; i < e->slices; i++) {
        struct slice_ctx *s = &e->jobs[i];
        int n = err ? err
                    : put_nal(out, cap, pos, &s->bits, s->hdr.nal_ref_idc,
                              idr ? AVILA_H264_NAL_IDR : AVILA_H264_NAL_SLICE);
        err = n < 0 ? n : 0;
        st->mb_i4 += s->st.mb_i4;
        st->mb_i16 += s->st.mb_i16;
        st->mb_pcm += s->st.mb_pcm;
        st->mb_p += s->st.mb_p;
        st->mb_skip += s->st.mb_skip;
        for (unsigned k = 0; k < 3; k++)
            st->ssd[k] += s->st.ssd[k];
    }
    return err < 0 ? err : 0;
}

/*
 * The QP to try first: the configured one (CQP), the controller's (CBR), or
 * the higher of the two (VBR). Before the controller has seen a picture of
 * a kind it starts from a guess of the bits at QP 0 per macroblock.
 */
static int choose_qp(const avila_h264_encoder *e, bool idr)
{
    int qp = picture_qp(e, idr);
    if (e->cfg.rc == AVILA_H264_RC_CQP)
        return qp;
    int rc = avila_h264_ratectl_qp(&e->rc, idr, (double)e->mbs * (idr ? 3500 : 500));
    return e->cfg.rc == AVILA_H264_RC_CBR || rc > qp ? rc : qp;
}

/* Runs job(e, 0 .. n - 1): on the caller's runner, or one after another without one. */
static void run_jobs(avila_h264_encoder *e, void (*job)(void *arg, unsigned index), unsigned n)
{
    if (e->cfg.parallel && n > 1)
        e->cfg.parallel->run(e->cfg.parallel->ctx, job, e, n);
    else
        for (unsigned i = 0; i < n; i++)
            job(e, i);
}

/*
 * Job t of finishing the picture just coded: claims macroblock rows in
 * order, deblocks each (a wavefront with the other jobs), then pads and
 * measures the row that made final: the one above, whose bottom lines its
 * top edge filtered (and itself if it is the last). Without deblocking,
 * code_slice has done the padding and the measuring.
 */
static void finish_job(void *arg, unsigned t)
{
    avila_h264_encoder *e = arg;
    struct enc_picture *p = &e->pic[e->cur];
    const avila_h264_deblock_params dp = {
        .mb_width = e->mb_w,
        .mb_height = e->mb_h,
        .chroma_qp_index_offset = e->cfg.chroma_qp_offset,
    };
    uint64_t ssd[3] = {0, 0, 0};
    unsigned row;
    while ((row = avila_h264_deblock_wave_claim(&e->wave)) < e->mb_h) {
        avila_h264_deblock_wave_row(&e->wave, p->y, p->y_stride, p->u, p->v, p->c_stride, e->dbk,
                                    &dp, row);
        if (row > 0)
            finish_row(e, row - 1, ssd);
        if (row == e->mb_h - 1)
            finish_row(e, row, ssd);
    }
    memcpy(e->job_ssd[t].ssd, ssd, sizeof ssd);
}

/* Band `band` of the half-sample planes of the picture just coded, of e->cfg.threads bands. */
static void hpel_job(void *arg, unsigned band)
{
    avila_h264_encoder *e = arg;
    struct enc_picture *p = &e->pic[e->cur];
    avila_h264_mc_hpel_band(p->hpel[0], p->hpel[1], p->hpel[2], p->y, p->y_stride, e->mb_w * 16,
                            e->mb_h * 16, AVILA_H264_PAD_LUMA, band, e->cfg.threads);
}

/*
 * Deblocks, pads and interpolates the picture just coded, so it can be the
 * next reference, and puts its squared errors into st; on the slice
 * threads: deblocking, padding and squared errors row by row in one pass,
 * then the interpolation in bands. Without deblocking, code_slice padded
 * and measured each row as it coded it (and code_picture summed st->ssd).
 */
static void finish_picture(avila_h264_encoder *e, struct avila_h264_frame_stats *st)
{
    const struct avila_h264_parallel *par = e->cfg.parallel;
    if (e->deblock) {
        avila_h264_deblock_wave_init(&e->wave, e->wave_rows, e->mb_h, par ? par->wait : NULL,
                                     par ? par->ctx : NULL);
        run_jobs(e, finish_job, e->cfg.threads);
        for (unsigned i = 0; i < 3; i++) {
            st->ssd[i] = 0;
            for (unsigned t = 0; t < e->cfg.threads; t++)
                st->ssd[i] += e->job_ssd[t].ssd[i];
        }
    } /* else code_picture summed the slices' squared errors */
    unsigned w = e->cfg.width, h = e->cfg.height;
    st->samples[0] = (uint64_t)w * h;
    st->samples[1] = st->samples[2] = (uint64_t)(w / 2) * (h / 2);
    /* Full-sample motion only (the fastest preset): nothing reads the half-sample planes. */
    if (e->me_subpel != 0)
        run_jobs(e, hpel_job, e->cfg.threads);
}

int avila_h264_encode(avila_h264_encoder *e, const struct avila_h264_picture *pic, uint8_t *out,
                      size_t cap, struct avila_h264_frame_stats *st)
{
    if (!picture_ok(e, pic))
        return AVILA_EINVAL;
    struct avila_h264_frame_stats local;
    if (!st)
        st = &local;
    bool periodic = e->cfg.keyint && !e->cfg.intra_refresh && e->since_idr >= e->cfg.keyint;
    bool idr = !e->have_ref || pic->force_idr || periodic;
    *st = (struct avila_h264_frame_stats){.idr = idr};
    import(e, pic);
    if (idr) {
        /* Every macroblock of an IDR picture is analysed. */
        memset(e->changed, 1, e->mbs);
        e->frame_num = 0;
    }
    avila_h264i_scroll_detect(e, e->have_ref);
    if (e->glyph && !idr)
        avila_h264i_glyph_find(e);
    plan_refresh(e, idr);
    struct avila_h264_ratectl saved = e->rc;
    int qp = choose_qp(e, idr);
    size_t pos;
    for (bool nothing_new = false;;) {
        int err = code_picture(e, pic, idr, qp, out, cap, &pos, st);
        if (err < 0) {
            e->rc = saved;
            return err;
        }
        if (e->cfg.rc == AVILA_H264_RC_CQP || avila_h264_ratectl_commit(&e->rc, idr, qp, pos * 8))
            break;
        if (qp < 51) {
            qp = avila_h264_ratectl_retry_qp(&e->rc, qp, pos * 8);
        } else if (!idr && !nothing_new) {
            /* Even QP 51 is too big: send no change at all, every macroblock skipped,
             * this picture's share of an intra refresh sweep too. */
            memset(e->changed, 0, e->mbs);
            e->refresh_c0 = e->refresh_c1 = 0;
            e->refresh_start = false;
            nothing_new = true;
        } else {
            avila_h264_ratectl_overrun(&e->rc, idr, qp, pos * 8);
            st->vbv_exceeded = true;
            break;
        }
    }
    finish_picture(e, st);
    st->bytes = pos;
    /* The picture becomes the reference; frame_num counts reference pictures (7.4.3). */
    e->cur ^= 1;
    uint32_t *sig = e->scroll_sig;
    e->scroll_sig = e->scroll_prev;
    e->scroll_prev = sig;
    if (e->glyph) {
        uint8_t *src = e->src_y;
        e->src_y = e->src_prev_y;
        e->src_prev_y = src;
    }
    struct mb_record *records = e->rec;
    e->rec = e->rec_ref;
    e->rec_ref = records;
    e->have_ref = e->have_recon = true;
    e->frame_num = (e->frame_num + 1) & ((1u << e->sps.log2_max_frame_num) - 1);
    e->since_idr = idr ? 1 : e->since_idr + 1;
    if (idr)
        e->idr_pic_id = (e->idr_pic_id + 1) & 0xffff;
    return (int)pos;
}

void avila_h264_input(avila_h264_encoder *e, uint8_t *plane[3], ptrdiff_t stride[3])
{
    plane[0] = e->src_y;
    plane[1] = e->src_u;
    plane[2] = e->src_v;
    stride[0] = e->src_y_stride;
    stride[1] = stride[2] = e->src_c_stride;
}

int avila_h264_recon(const avila_h264_encoder *e, const uint8_t *plane[3], ptrdiff_t stride[3])
{
    if (!e->have_recon)
        return AVILA_EINVAL;
    const struct enc_picture *p = &e->pic[e->cur ^ 1];
    plane[0] = p->y;
    plane[1] = p->u;
    plane[2] = p->v;
    stride[0] = p->y_stride;
    stride[1] = stride[2] = p->c_stride;
    return 0;
}
