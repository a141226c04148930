/*
 * media/h264/enc_int.h - what the encoder's files share: the encoder state,
 * the picture buffers and the per-macroblock records that neighbouring
 * macroblocks read (prediction modes, coefficient counts, motion).
 *
 * Picture buffers are planes padded on every side (AVILA_H264_PAD_LUMA,
 * AVILA_H264_PAD_CHROMA samples) and rounded up to whole macroblocks, so
 * motion vectors may point past the edges and every macroblock is whole.
 */
#ifndef AVILA_MEDIA_H264_ENC_INT_H
#define AVILA_MEDIA_H264_ENC_INT_H

#include "media/h264.h"
#include "media/h264/bits.h"
#include "media/h264/deblock.h"
#include "media/h264/mc.h"
#include "media/h264/me.h"
#include "media/h264/params.h"
#include "media/h264/pixel.h"
#include "media/h264/ratectl.h"

/* Glyph candidates kept per 8x8 block at most (enc_glyph.c). */
#define AVILA_H264I_GLYPH_CANDS 4

/* Carves n bytes, 64-aligned, from the block at *p (the encoder's one allocation). */
static inline void *avila_h264i_carve(uint8_t **p, size_t n)
{
    void *r = *p;
    *p += (n + 63) & ~(size_t)63;
    return r;
}

/* Macroblock kinds as the encoder decides them. */
enum mb_kind { MB_I4, MB_I16, MB_PCM, MB_P16, MB_SKIP };

/* A reconstructed picture: padded Y, U, V, and Y's three half-sample planes. */
struct enc_picture {
    uint8_t *y, *u, *v; /* sample (0, 0) of each plane */
    uint8_t *hpel[3];   /* h, v, c half-sample planes, same stride as y */
    ptrdiff_t y_stride, c_stride;
};

/* What later macroblocks need to know of a coded one. */
struct mb_record {
    uint8_t kind; /* enum mb_kind */
    uint8_t qp;
    uint8_t i4_mode[16];     /* Intra4x4 modes, raster of 4x4 blocks; 2 (DC) otherwise */
    uint8_t nz[16];          /* TotalCoeff per luma 4x4 block (raster), 16 for I_PCM */
    uint8_t nz_chroma[2][4]; /* TotalCoeff per chroma AC block, per component */
    uint8_t part;            /* inter: 0 16x16, 1 16x8, 2 8x16, 3 8x8 (the P mb_type) */
    uint8_t mvs;             /* inter: the motion vectors it carries, 1..16 */
    int16_t mv[16][2];       /* motion vector per 4x4 block, raster (0 for intra) */
};

/* Levels of one macroblock, ready to be written (scan order). */
struct mb_levels {
    int16_t luma[16][16]; /* per blkIdx: 16 levels, or 15 AC levels for Intra16x16 */
    int16_t luma_dc[16];  /* Intra16x16 DC levels */
    int16_t chroma_dc[2][4];
    int16_t chroma_ac[2][4][15];
};

struct avila_h264_encoder {
    struct avila_h264_config cfg;
    const struct avila_allocator *alloc;
    void *mem; /* one block holding every buffer below */
    size_t mem_size;
    avila_h264_sps sps;
    avila_h264_pps pps;
    const avila_h264_pixel_ops *px;
    unsigned mb_w, mb_h, mbs;

    /* Analysis settings from the preset. */
    bool use_i4;
    bool use_parts;  /* P_L0_L0_16x8 and 8x16 compete with 16x16 */
    bool use_sub8x8; /* and P_8x8 everywhere (not only for glyph copies), whose quadrants
                      * may split into 8x4, 4x8 or 4x4 */
    bool trellis;    /* 4x4 blocks' levels by media/h264/trellis.h (config and preset) */
    bool deblock;    /* the in-loop filter runs (config and preset) */
    /* Motion vectors per macroblock at most: half the level's MaxMvsPer2Mb, so that any
     * two consecutive macroblocks keep to it whatever slice or thread codes them. */
    unsigned mvs_per_mb;
    unsigned me_method, me_subpel, me_range;

    /* The source picture, copied to whole macroblocks with edges replicated. */
    uint8_t *src_y, *src_u, *src_v;
    uint8_t *src_prev_y; /* with glyph: the last picture's source luma (swapped with src_y) */
    ptrdiff_t src_y_stride, src_c_stride;
    uint8_t *changed; /* per macroblock: 1 if it may have changed */

    struct enc_picture pic[2];
    unsigned cur; /* index of the picture being coded; the other is the reference */
    bool have_ref;
    bool have_recon;

    /* Per macroblock of the picture being coded, and of the reference picture
     * (whose motion vectors seed the search); swapped when a picture is done. */
    struct mb_record *rec, *rec_ref;
    avila_h264_mb_deblock *dbk;
    /* Finishing the picture on the slice threads (finish_picture): the deblocking
     * wavefront over its rows (wave_rows: mb_h of them), and each job's squared errors. */
    avila_h264_deblock_wave wave;
    avila_h264_deblock_row *wave_rows;
    struct job_ssd *job_ssd; /* cfg.threads of them */

    unsigned slices;        /* per picture: the configured count, raised to threads */
    struct slice_ctx *jobs; /* one per slice */
    /* Slice layout: slice i is macroblock rows [slice_row[i], slice_row[i + 1]), at most
     * slice_rows_max of them, cut by the work each row took in the last coding (row_work:
     * its bits, plus a weight per macroblock, more for those not skipped). */
    unsigned *slice_row, slice_rows_max;
    uint32_t *row_work;
    uint8_t *rbsp; /* the slices' RBSPs, rbsp_cap bytes each */
    size_t rbsp_cap;
    struct avila_h264_ratectl rc; /* CBR and VBR */

    unsigned frame_num; /* of the next picture */
    unsigned idr_pic_id;
    unsigned since_idr; /* pictures since the last IDR one, it included */
    /* Intra refresh: macroblock columns [refresh_c0, refresh_c1) of the picture
     * being coded are intra; columns before refresh_c0, refreshed earlier in the
     * sweep, predict only from the refreshed part of the reference. */
    unsigned refresh_c0, refresh_c1;
    bool refresh_start; /* the picture starts a sweep */
    /* Scrolling detection: row signatures of this and the last source picture (rows x bands),
     * each band's shift, and the work areas of the vote. */
    unsigned scroll_bands, scroll_hash_size;
    uint32_t *scroll_sig, *scroll_prev, *scroll_keys;
    int32_t *scroll_rows;
    unsigned *scroll_votes;
    int16_t *scroll_dy;
    /* Glyph copies (enc_glyph.c), with glyph on: per 8x8 luma block (macroblock address * 4
     * + quadrant in raster order), full-sample vectors (in quarter samples) to exact copies of
     * its samples in the last source, glyph_n[] of them. */
    bool glyph;
    struct avila_h264i_glyph *glyph_work;
    uint8_t *glyph_n;
    int16_t (*glyph_mv)[AVILA_H264I_GLYPH_CANDS][2];
    int lambda[52]; /* SAD-domain Lagrange multipliers per QP */
    /* Per QP, inter: the 4x4 SAD and the 8x8 chroma SAD within which every level is zero. */
    int zero_sad[52], zero_sad_dc[52];
};

/* Scrolling detection (enc_scroll.c): column bands of SCROLL_BAND macroblocks, shifts of up
 * to AVILA_H264I_SCROLL_MAX rows. */
#define SCROLL_BAND            8
#define AVILA_H264I_SCROLL_MAX 128

/*
 * Signs the rows of the source picture by band (into scroll_sig) and, when
 * have_prev, sets scroll_dy[] to each band's vertical shift from the last
 * picture (0: none found). The encoder swaps scroll_sig and scroll_prev
 * once the picture is coded.
 */
void avila_h264i_scroll_detect(avila_h264_encoder *e, bool have_prev);

/* The bytes of the glyph lookup's work areas for a picture of mb_w x mb_h macroblocks. */
size_t avila_h264i_glyph_bytes(unsigned mb_w, unsigned mb_h);

/* Lays the work areas out in mem (64-aligned, avila_h264i_glyph_bytes long). */
struct avila_h264i_glyph *avila_h264i_glyph_init(void *mem, unsigned mb_w, unsigned mb_h);

/*
 * Sets glyph_n and glyph_mv for the picture in src_y from the last one in
 * src_prev_y (both whole; changed and scroll_dy set for this picture).
 * Bounded work whatever the content; nothing fails.
 */
void avila_h264i_glyph_find(avila_h264_encoder *e);

/* One job's sums of squared errors, Y, U, V, on a cache line of its own. */
struct job_ssd {
    _Alignas(64) uint64_t ssd[3];
};

/* The state of one slice being coded. */
struct slice_ctx {
    /* Each slice on cache lines of its own: threads code neighbouring slices at once. */
    _Alignas(64) avila_h264_encoder *e;
    avila_h264_bits bits;
    unsigned first_mb, end_mb; /* [first_mb, end_mb): its macroblocks, whole rows */
    bool p;                    /* a P slice */
    int qp;
    avila_h264_slice_header hdr;
    unsigned skip_run;                /* skipped macroblocks not yet written */
    struct mb_levels levels;          /* the current macroblock's levels */
    struct avila_h264_frame_stats st; /* its macroblock counts */
};

/* Codes macroblock (mb_x, mb_y) into s: analysis, reconstruction, syntax. */
void avila_h264i_code_mb(struct slice_ctx *s, unsigned mb_x, unsigned mb_y);

#endif
