/*
 * media/h264/params.h - the parameter sets, slice header, SEI messages and
 * level limits of the H.264 encoder (ITU-T H.264 (08/2021): 7.3.2.1
 * seq_parameter_set_rbsp, E.1.1 vui_parameters, 7.3.2.2
 * pic_parameter_set_rbsp, 7.3.3 slice_header with 7.3.3.1
 * ref_pic_list_modification and 7.3.3.3 dec_ref_pic_marking, 7.3.2.3 and
 * D.1 sei_rbsp (user_data_unregistered D.1.7, recovery_point D.1.8),
 * A.2.1.1 Constrained Baseline profile, A.3.1 and Table A-1 level limits).
 *
 * Every stream these functions describe is Constrained Baseline 4:2:0,
 * 8 bits, frame coded, CAVLC, one SPS and one PPS (id 0), one slice group,
 * pic_order_cnt_type 2 (output order is decoding order). Writers append
 * to an avila_h264_bits; an overflow shows there (avila_h264_bits_finish).
 * Pure code; no allocation.
 */
#ifndef AVILA_MEDIA_H264_PARAMS_H
#define AVILA_MEDIA_H264_PARAMS_H

#include <stdbool.h>

#include "core/platform.h"
#include "media/h264/bits.h"

/*
 * Sequence parameters. Fill with avila_h264_sps_init, then adjust fields
 * before writing if needed (keeping them within the ranges given).
 */
typedef struct avila_h264_sps {
    unsigned width, height;       /* picture size in luma samples, >= 1 */
    unsigned mb_width, mb_height; /* ceil(w/16), ceil(h/16) (filled by avila_h264_sps_init) */
    unsigned level_idc;           /* 10, 9 (= level 1b), 11, 12, 13, 20 ... 52 */
    unsigned log2_max_frame_num;  /* 4..16 */
    unsigned max_num_ref_frames;  /* 1 (up to 16 allowed by the syntax) */
    /* VUI (E.1.1): timing_info_present_flag and its fields. */
    bool timing;
    uint32_t num_units_in_tick, time_scale; /* both >= 1 when timing */
    bool fixed_frame_rate;
    /* VUI: video_signal_type_present_flag with a colour description. */
    bool colour;
    bool full_range;
    uint8_t colour_primaries, transfer, matrix; /* Tables E-3, E-4, E-5 */
} avila_h264_sps;

/*
 * Fills s for a w x h picture at fps_num / fps_den frames per second:
 * mb_width, mb_height, log2_max_frame_num 16, max_num_ref_frames 1,
 * timing info from the rate (num_units_in_tick = fps_den, time_scale =
 * 2 fps_num, reduced; fixed rate), colour BT.709 limited range, and the
 * level from avila_h264_level_pick with bitrate_kbps (0 = unknown).
 * An odd width or height is coded as the next even size: 4:2:0 frame
 * cropping works in units of two luma samples (7.4.2.1.1, CropUnitX/Y),
 * so the decoder outputs one more column or row, which the encoder fills.
 * Returns 0, or AVILA_EINVAL (w or h 0 or beyond 8192, fps_num or fps_den
 * 0, or no level up to 5.2 fits; s is then unspecified).
 */
int avila_h264_sps_init(avila_h264_sps *s, unsigned w, unsigned h, unsigned fps_num,
                        unsigned fps_den, unsigned bitrate_kbps);

/*
 * The smallest level (in the order 1, 1b, 1.1, ... 5.2; level_idc values,
 * 9 for 1b) whose Table A-1 limits hold for mb_w x mb_h macroblocks at
 * fps_num / fps_den frames per second and bitrate_kbps (0 = not checked):
 * MaxFS, PicWidthInMbs and FrameHeightInMbs <= sqrt(8 MaxFS), MaxMBPS,
 * MaxDpbMbs for one reference frame, MaxBR (cpbBrVclFactor 1000 for
 * Baseline, so MaxBR in kbit/s), and at most 172 frames per second (A.3.1 a).
 * Returns 0 when none fits or an argument is 0.
 */
unsigned avila_h264_level_pick(unsigned mb_w, unsigned mb_h, unsigned fps_num, unsigned fps_den,
                               unsigned bitrate_kbps);

/*
 * The vertical motion vector limit of a level (Table A-1 MaxVmvR) in
 * quarter luma samples: vertical components must lie in [-r, r - 1]
 * (64, 128, 256 or 512 samples, so r is 256, 512, 1024 or 2048).
 * Returns 0 for an unknown level_idc.
 */
int avila_h264_level_max_vmv(unsigned level_idc);

/*
 * The most motion vectors two consecutive macroblocks may carry at a level
 * (Table A-1 MaxMvsPer2Mb: 32 at level 3, 16 from 3.1 on); 0 when the level
 * sets no limit or level_idc is unknown.
 */
unsigned avila_h264_level_max_mvs_per_2mb(unsigned level_idc);

/*
 * Writes seq_parameter_set_rbsp (7.3.2.1.1) with rbsp_trailing_bits:
 * profile_idc 66 with constraint_set0_flag and constraint_set1_flag
 * (Constrained Baseline; level 1b as level_idc 11 with
 * constraint_set3_flag), seq_parameter_set_id 0, pic_order_cnt_type 2,
 * frame_mbs_only_flag 1, direct_8x8_inference_flag 1, frame cropping
 * when the size is not a multiple of 16, and vui_parameters when timing
 * or colour is set (with bitstream_restriction: no reordering,
 * max_dec_frame_buffering = max_num_ref_frames, so decoders output each
 * picture at once). s is only read.
 */
void avila_h264_sps_write(avila_h264_bits *b, const avila_h264_sps *s);

/* Picture parameters (pic_parameter_set_id 0). */
typedef struct avila_h264_pps {
    int pic_init_qp;            /* 0..51 */
    int chroma_qp_index_offset; /* -12..12 */
    bool deblocking_control;    /* deblocking_filter_control_present_flag */
    bool constrained_intra_pred;
    unsigned num_ref_idx_active; /* 1..32 (1 for our streams) */
} avila_h264_pps;

/*
 * Writes pic_parameter_set_rbsp (7.3.2.2) with rbsp_trailing_bits: ids 0,
 * CAVLC, one slice group, no weighted prediction, pic_init_qs 26, no
 * redundant_pic_cnt. p is only read.
 */
void avila_h264_pps_write(avila_h264_bits *b, const avila_h264_pps *p);

/* slice_type values (7.4.3, Table 7-6), written as is (not + 5). */
enum { AVILA_H264_SLICE_P = 0, AVILA_H264_SLICE_I = 2 };

/* One slice header's variable fields. */
typedef struct avila_h264_slice_header {
    unsigned first_mb;             /* first_mb_in_slice */
    unsigned slice_type;           /* AVILA_H264_SLICE_P or AVILA_H264_SLICE_I */
    bool idr;                      /* nal_unit_type 5 (then slice_type is I) */
    unsigned nal_ref_idc;          /* nonzero: reference picture (always for IDR) */
    unsigned frame_num;            /* < 2^log2_max_frame_num (0 for IDR) */
    unsigned idr_pic_id;           /* 0..65535 */
    int slice_qp;                  /* 0..51 (slice_qp_delta = slice_qp - pic_init_qp) */
    unsigned disable_deblocking;   /* disable_deblocking_filter_idc 0..2 */
    int alpha_offset, beta_offset; /* FilterOffsetA/B: even, -12..12 (written / 2) */
} avila_h264_slice_header;

/*
 * Writes slice_header() (7.3.3) for CAVLC Constrained Baseline: for P
 * slices num_ref_idx_active_override_flag 0 and
 * ref_pic_list_modification_flag_l0 0; for reference pictures
 * dec_ref_pic_marking (IDR: no_output_of_prior_pics_flag 0,
 * long_term_reference_flag 0; otherwise adaptive_ref_pic_marking_mode_flag
 * 0); the deblocking fields only when p->deblocking_control. No trailing
 * bits: slice_data follows. s, p and h are only read.
 */
void avila_h264_slice_header_write(avila_h264_bits *b, const avila_h264_sps *s,
                                   const avila_h264_pps *p, const avila_h264_slice_header *h);

/*
 * Writes a complete sei_rbsp (7.3.2.3) holding one user_data_unregistered
 * message (payloadType 5, D.1.7): the 16-byte uuid_iso_iec_11578, then the
 * len bytes at data (only read; NULL when len is 0); then
 * rbsp_trailing_bits.
 */
void avila_h264_sei_user_data(avila_h264_bits *b, const uint8_t uuid[16], const uint8_t *data,
                              size_t len);

/*
 * Writes a complete sei_rbsp holding one recovery_point message
 * (payloadType 6, D.1.8): recovery_frame_cnt, exact_match_flag as given,
 * broken_link_flag 0, changing_slice_group_idc 0; then rbsp_trailing_bits.
 */
void avila_h264_sei_recovery_point(avila_h264_bits *b, unsigned recovery_frame_cnt,
                                   bool exact_match);

#endif
