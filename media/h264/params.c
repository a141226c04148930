/*
 * media/h264/params.c - SPS, VUI, PPS, slice header, SEI and level limits
 * (ITU-T H.264: 7.3.2.1.1, E.1.1, 7.3.2.2, 7.3.3, 7.3.2.3, D.1, A.3.1,
 * Table A-1).
 */
#include "media/h264/params.h"

#include "core/error.h"

/* One row of Table A-1 (the limits this encoder needs). */
struct level_limits {
    uint8_t level_idc; /* 9 stands for level 1b */
    uint8_t max_mvs;   /* MaxMvsPer2Mb (0: no limit) */
    uint32_t max_mbps; /* MaxMBPS, macroblocks per second */
    uint32_t max_fs;   /* MaxFS, macroblocks per frame */
    uint32_t max_dpb;  /* MaxDpbMbs */
    uint32_t max_br;   /* MaxBR in 1000 bit/s (cpbBrVclFactor, Baseline) */
    uint16_t max_vmv;  /* MaxVmvR: vertical MV range in whole luma samples (+-) */
    uint16_t sqrt_8fs; /* floor(sqrt(8 MaxFS)): largest width or height in MBs */
};

static const struct level_limits levels[] = {
    {10, 0, 1485, 99, 396, 64, 64, 28},
    {9, 0, 1485, 99, 396, 128, 64, 28},
    {11, 0, 3000, 396, 900, 192, 128, 56},
    {12, 0, 6000, 396, 2376, 384, 128, 56},
    {13, 0, 11880, 396, 2376, 768, 128, 56},
    {20, 0, 11880, 396, 2376, 2000, 128, 56},
    {21, 0, 19800, 792, 4752, 4000, 256, 79},
    {22, 0, 20250, 1620, 8100, 4000, 256, 113},
    {30, 32, 40500, 1620, 8100, 10000, 256, 113},
    {31, 16, 108000, 3600, 18000, 14000, 512, 169},
    {32, 16, 216000, 5120, 20480, 20000, 512, 202},
    {40, 16, 245760, 8192, 32768, 20000, 512, 256},
    {41, 16, 245760, 8192, 32768, 50000, 512, 256},
    {42, 16, 522240, 8704, 34816, 50000, 512, 263},
    {50, 16, 589824, 22080, 110400, 135000, 512, 420},
    {51, 16, 983040, 36864, 184320, 240000, 512, 543},
    {52, 16, 2073600, 36864, 184320, 240000, 512, 543},
};

unsigned avila_h264_level_pick(unsigned mb_w, unsigned mb_h, unsigned fps_num, unsigned fps_den,
                               unsigned bitrate_kbps)
{
    if (mb_w == 0 || mb_h == 0 || fps_num == 0 || fps_den == 0)
        return 0;
    /* A.3.1 a: pictures at least 1/172 s apart (fR) at every level up to 5.2. */
    if ((uint64_t)fps_num > (uint64_t)172 * fps_den)
        return 0;
    uint64_t fs = (uint64_t)mb_w * mb_h;
    for (size_t i = 0; i < AVILA_ARRAY_LEN(levels); i++) {
        const struct level_limits *l = &levels[i];
        /* MaxMBPS >= fs * fps, compared without division. */
        if (fs > l->max_fs || mb_w > l->sqrt_8fs || mb_h > l->sqrt_8fs || fs > l->max_dpb ||
            fs * fps_num > (uint64_t)l->max_mbps * fps_den ||
            (bitrate_kbps != 0 && bitrate_kbps > l->max_br))
            continue;
        return l->level_idc;
    }
    return 0;
}

unsigned avila_h264_level_max_mvs_per_2mb(unsigned level_idc)
{
    for (size_t i = 0; i < AVILA_ARRAY_LEN(levels); i++)
        if (levels[i].level_idc == level_idc)
            return levels[i].max_mvs;
    return 0;
}

int avila_h264_level_max_vmv(unsigned level_idc)
{
    for (size_t i = 0; i < AVILA_ARRAY_LEN(levels); i++)
        if (levels[i].level_idc == level_idc)
            return 4 * levels[i].max_vmv;
    return 0;
}

static uint32_t gcd32(uint32_t a, uint32_t b)
{
    while (b != 0) {
        uint32_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

int avila_h264_sps_init(avila_h264_sps *s, unsigned w, unsigned h, unsigned fps_num,
                        unsigned fps_den, unsigned bitrate_kbps)
{
    if (w == 0 || h == 0 || w > 8192 || h > 8192 || fps_num == 0 || fps_den == 0)
        return AVILA_EINVAL;
    memset(s, 0, sizeof(*s));
    s->width = w;
    s->height = h;
    s->mb_width = (w + 15) / 16;
    s->mb_height = (h + 15) / 16;
    s->level_idc = avila_h264_level_pick(s->mb_width, s->mb_height, fps_num, fps_den, bitrate_kbps);
    if (s->level_idc == 0)
        return AVILA_EINVAL;
    s->log2_max_frame_num = 16;
    s->max_num_ref_frames = 1;
    /* A frame lasts two ticks (E.2.1: field-based ticks). */
    uint32_t g = gcd32(fps_num, fps_den);
    uint64_t scale = 2 * (uint64_t)(fps_num / g);
    uint64_t units = fps_den / g;
    while (scale > UINT32_MAX) { /* keep the rate approximately */
        scale = (scale + 1) / 2;
        units = (units + 1) / 2;
    }
    s->timing = true;
    s->num_units_in_tick = (uint32_t)units;
    s->time_scale = (uint32_t)scale;
    s->fixed_frame_rate = true;
    s->colour = true;
    s->full_range = false;
    s->colour_primaries = 1; /* BT.709 (Tables E-3, E-4, E-5) */
    s->transfer = 1;
    s->matrix = 1;
    return 0;
}

/* vui_parameters (E.1.1). */
static void vui_write(avila_h264_bits *b, const avila_h264_sps *s)
{
    avila_h264_bits_put(b, 1, 0); /* aspect_ratio_info_present_flag */
    avila_h264_bits_put(b, 1, 0); /* overscan_info_present_flag */
    avila_h264_bits_put(b, 1, s->colour);
    if (s->colour) {
        avila_h264_bits_put(b, 3, 5); /* video_format: unspecified */
        avila_h264_bits_put(b, 1, s->full_range);
        avila_h264_bits_put(b, 1, 1); /* colour_description_present_flag */
        avila_h264_bits_put(b, 8, s->colour_primaries);
        avila_h264_bits_put(b, 8, s->transfer);
        avila_h264_bits_put(b, 8, s->matrix);
    }
    avila_h264_bits_put(b, 1, 0); /* chroma_loc_info_present_flag */
    avila_h264_bits_put(b, 1, s->timing);
    if (s->timing) {
        avila_h264_bits_put(b, 32, s->num_units_in_tick);
        avila_h264_bits_put(b, 32, s->time_scale);
        avila_h264_bits_put(b, 1, s->fixed_frame_rate);
    }
    avila_h264_bits_put(b, 1, 0);                 /* nal_hrd_parameters_present_flag */
    avila_h264_bits_put(b, 1, 0);                 /* vcl_hrd_parameters_present_flag */
    avila_h264_bits_put(b, 1, 0);                 /* pic_struct_present_flag */
    avila_h264_bits_put(b, 1, 1);                 /* bitstream_restriction_flag */
    avila_h264_bits_put(b, 1, 1);                 /* motion_vectors_over_pic_boundaries_flag */
    avila_h264_bits_ue(b, 0);                     /* max_bytes_per_pic_denom: no limit */
    avila_h264_bits_ue(b, 0);                     /* max_bits_per_mb_denom: no limit */
    avila_h264_bits_ue(b, 15);                    /* log2_max_mv_length_horizontal */
    avila_h264_bits_ue(b, 15);                    /* log2_max_mv_length_vertical */
    avila_h264_bits_ue(b, 0);                     /* max_num_reorder_frames */
    avila_h264_bits_ue(b, s->max_num_ref_frames); /* max_dec_frame_buffering */
}

void avila_h264_sps_write(avila_h264_bits *b, const avila_h264_sps *s)
{
    bool level_1b = s->level_idc == 9;
    avila_h264_bits_put(b, 8, 66); /* profile_idc: Baseline */
    /* constraint_set0..5_flag (set1: Constrained Baseline; set3 with 11: level 1b),
     * reserved_zero_2bits. */
    avila_h264_bits_put(b, 8, 0xc0 | (level_1b ? 0x10 : 0));
    avila_h264_bits_put(b, 8, level_1b ? 11 : s->level_idc);
    avila_h264_bits_ue(b, 0);                         /* seq_parameter_set_id */
    avila_h264_bits_ue(b, s->log2_max_frame_num - 4); /* log2_max_frame_num_minus4 */
    avila_h264_bits_ue(b, 2);                         /* pic_order_cnt_type */
    avila_h264_bits_ue(b, s->max_num_ref_frames);     /* max_num_ref_frames */
    avila_h264_bits_put(b, 1, 0);                     /* gaps_in_frame_num_value_allowed_flag */
    avila_h264_bits_ue(b, s->mb_width - 1);           /* pic_width_in_mbs_minus1 */
    avila_h264_bits_ue(b, s->mb_height - 1);          /* pic_height_in_map_units_minus1 */
    avila_h264_bits_put(b, 1, 1);                     /* frame_mbs_only_flag */
    avila_h264_bits_put(b, 1, 1);                     /* direct_8x8_inference_flag */
    /* Cropping in units of 2 luma samples (CropUnitX = CropUnitY = 2 for 4:2:0
     * frames, 7.4.2.1.1); an odd size keeps one more column or row. */
    unsigned crop_r = (s->mb_width * 16 - s->width) / 2;
    unsigned crop_b = (s->mb_height * 16 - s->height) / 2;
    bool crop = crop_r != 0 || crop_b != 0;
    avila_h264_bits_put(b, 1, crop); /* frame_cropping_flag */
    if (crop) {
        avila_h264_bits_ue(b, 0); /* frame_crop_left_offset */
        avila_h264_bits_ue(b, crop_r);
        avila_h264_bits_ue(b, 0); /* frame_crop_top_offset */
        avila_h264_bits_ue(b, crop_b);
    }
    bool vui = s->timing || s->colour;
    avila_h264_bits_put(b, 1, vui); /* vui_parameters_present_flag */
    if (vui)
        vui_write(b, s);
    avila_h264_bits_trailing(b);
}

void avila_h264_pps_write(avila_h264_bits *b, const avila_h264_pps *p)
{
    avila_h264_bits_ue(b, 0);     /* pic_parameter_set_id */
    avila_h264_bits_ue(b, 0);     /* seq_parameter_set_id */
    avila_h264_bits_put(b, 1, 0); /* entropy_coding_mode_flag: CAVLC */
    avila_h264_bits_put(b, 1, 0); /* bottom_field_pic_order_in_frame_present_flag */
    avila_h264_bits_ue(b, 0);     /* num_slice_groups_minus1 */
    avila_h264_bits_ue(b, p->num_ref_idx_active - 1); /* num_ref_idx_l0_default_active_minus1 */
    avila_h264_bits_ue(b, 0);                         /* num_ref_idx_l1_default_active_minus1 */
    avila_h264_bits_put(b, 1, 0);                     /* weighted_pred_flag */
    avila_h264_bits_put(b, 2, 0);                     /* weighted_bipred_idc */
    avila_h264_bits_se(b, p->pic_init_qp - 26);       /* pic_init_qp_minus26 */
    avila_h264_bits_se(b, 0);                         /* pic_init_qs_minus26 */
    avila_h264_bits_se(b, p->chroma_qp_index_offset);
    avila_h264_bits_put(b, 1, p->deblocking_control);
    avila_h264_bits_put(b, 1, p->constrained_intra_pred);
    avila_h264_bits_put(b, 1, 0); /* redundant_pic_cnt_present_flag */
    avila_h264_bits_trailing(b);
}

void avila_h264_slice_header_write(avila_h264_bits *b, const avila_h264_sps *s,
                                   const avila_h264_pps *p, const avila_h264_slice_header *h)
{
    bool p_slice = h->slice_type == AVILA_H264_SLICE_P;
    avila_h264_bits_ue(b, h->first_mb);
    avila_h264_bits_ue(b, h->slice_type);
    avila_h264_bits_ue(b, 0); /* pic_parameter_set_id */
    avila_h264_bits_put(b, s->log2_max_frame_num,
                        h->frame_num & ((1u << s->log2_max_frame_num) - 1));
    if (h->idr)
        avila_h264_bits_ue(b, h->idr_pic_id);
    /* pic_order_cnt_type 2: no POC fields. */
    if (p_slice) {
        avila_h264_bits_put(b, 1, 0); /* num_ref_idx_active_override_flag */
        avila_h264_bits_put(b, 1, 0); /* ref_pic_list_modification_flag_l0 */
    }
    if (h->nal_ref_idc != 0) {
        if (h->idr) {
            avila_h264_bits_put(b, 1, 0); /* no_output_of_prior_pics_flag */
            avila_h264_bits_put(b, 1, 0); /* long_term_reference_flag */
        } else {
            avila_h264_bits_put(b, 1, 0); /* adaptive_ref_pic_marking_mode_flag */
        }
    }
    avila_h264_bits_se(b, h->slice_qp - p->pic_init_qp); /* slice_qp_delta */
    if (p->deblocking_control) {
        avila_h264_bits_ue(b, h->disable_deblocking);
        if (h->disable_deblocking != 1) {
            avila_h264_bits_se(b, h->alpha_offset / 2); /* slice_alpha_c0_offset_div2 */
            avila_h264_bits_se(b, h->beta_offset / 2);  /* slice_beta_offset_div2 */
        }
    }
}

/* payloadType or payloadSize as 0xFF bytes and a last byte (7.3.2.3.1). */
static void sei_varint(avila_h264_bits *b, size_t v)
{
    for (; v >= 255; v -= 255)
        avila_h264_bits_put(b, 8, 0xff);
    avila_h264_bits_put(b, 8, (uint32_t)v);
}

void avila_h264_sei_user_data(avila_h264_bits *b, const uint8_t uuid[16], const uint8_t *data,
                              size_t len)
{
    sei_varint(b, 5); /* user_data_unregistered */
    sei_varint(b, 16 + len);
    for (size_t i = 0; i < 16; i++)
        avila_h264_bits_put(b, 8, uuid[i]);
    for (size_t i = 0; i < len; i++)
        avila_h264_bits_put(b, 8, data[i]);
    avila_h264_bits_trailing(b);
}

void avila_h264_sei_recovery_point(avila_h264_bits *b, unsigned recovery_frame_cnt,
                                   bool exact_match)
{
    unsigned bits = avila_h264_ue_size(recovery_frame_cnt) + 4;
    sei_varint(b, 6); /* recovery_point */
    sei_varint(b, (bits + 7) / 8);
    avila_h264_bits_ue(b, recovery_frame_cnt);
    avila_h264_bits_put(b, 1, exact_match); /* exact_match_flag */
    avila_h264_bits_put(b, 1, 0);           /* broken_link_flag */
    avila_h264_bits_put(b, 2, 0);           /* changing_slice_group_idc */
    if (bits % 8 != 0) {
        /* sei_payload alignment (D.1): bit_equal_to_one, then zeros. */
        avila_h264_bits_put(b, 1, 1);
        avila_h264_bits_put(b, (8 - (bits + 1) % 8) % 8, 0);
    }
    avila_h264_bits_trailing(b);
}
