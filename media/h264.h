/*
 * media/h264.h - an H.264 (ITU-T H.264 | ISO/IEC 14496-10) encoder for the
 * Constrained Baseline profile, tuned for low latency and screen content.
 *
 * One call encodes one 8-bit 4:2:0 picture (I420 or NV12, any size from
 * 16x16 up to 8192x8192; sizes that are not multiples of 16 are cropped in
 * the SPS) into an Annex B byte stream in the caller's buffer: parameter
 * sets before each IDR picture, then one NAL unit per slice. Every picture
 * but the first and those asked to be IDR is a P picture predicting from
 * the one before it (one reference picture, no B pictures, so no reordering
 * delay). A list of changed rectangles, from screen capture, lets unchanged
 * macroblocks be skipped without analysis.
 *
 * The encoder keeps its own reconstruction, identical sample for sample to
 * what a conforming decoder outputs; avila_h264_recon gives it out.
 *
 * Pure: memory comes from the allocator given at creation, nothing else
 * touches the OS. An encoder is used by one thread at a time.
 */
#ifndef AVILA_MEDIA_H264_H
#define AVILA_MEDIA_H264_H

#include "core/alloc.h"
#include "core/platform.h"

#include <stdbool.h>

/* Picture size limits (luma samples). */
#define AVILA_H264_MIN_SIZE 16
#define AVILA_H264_MAX_SIZE 8192

/* Presets, fastest first: each spends more analysis for fewer bits. */
enum avila_h264_preset {
    AVILA_H264_PRESET_FASTEST, /* Intra16x16 only, diamond search, full-sample vectors */
    AVILA_H264_PRESET_FAST,    /* + Intra4x4, hexagon search, quarter-pel */
    /* + SATD sub-pel refinement, 16x8 and 8x16 partitions, glyph copies (8x8 blocks found
     * anywhere in the last picture, as P_8x8 with 8x8 partitions) */
    AVILA_H264_PRESET_DEFAULT,
    /* + wider search, P_8x8 everywhere, 8x4, 4x8 and 4x4 partitions, trellis quantisation */
    AVILA_H264_PRESET_QUALITY,
};

/*
 * How the encoder uses threads while staying pure: run calls job(arg, 0)
 * .. job(arg, n - 1), concurrently where it can (one after another is
 * correct too), and returns when every one has returned. A job may wait
 * for the progress of another that has started (the deblocking wavefront
 * does): it spins a little, then calls wait, if set, between looks, so
 * that on a busy machine it gives its core to the job it waits for (a
 * sched_yield, say).
 */
struct avila_h264_parallel {
    void (*run)(void *ctx, void (*job)(void *arg, unsigned index), void *arg, unsigned n);
    void *ctx;
    void (*wait)(void *ctx); /* optional */
};

/* Rate control. */
enum avila_h264_rc {
    AVILA_H264_RC_CQP, /* constant QP (config qp) */
    AVILA_H264_RC_CBR, /* constant bitrate: bitrate_kbps under the VBV */
    AVILA_H264_RC_VBR, /* config qp, raised when the VBV (filled at bitrate_kbps) needs it */
};

/* The in-loop deblocking filter. */
enum avila_h264_deblocking {
    /* As the preset says: on, except in the fastest preset, where it would cost
     * about 9% of the time for at most 0.2 dB on camera and screen clips (QP
     * 22-38), as x264's ultrafast does. */
    AVILA_H264_DEBLOCK_PRESET,
    AVILA_H264_DEBLOCK_ON,
    AVILA_H264_DEBLOCK_OFF,
};

struct avila_h264_config {
    unsigned width, height;    /* luma samples, 16..8192 each */
    unsigned fps_num, fps_den; /* frame rate, for the VUI timing and the level */
    enum avila_h264_rc rc;     /* rate control mode */
    int qp;                    /* CQP, VBR: 0..51 for P pictures; IDR pictures 3 lower */
    unsigned bitrate_kbps;     /* CBR, VBR: 1..2000000 (1000 bits/s) */
    unsigned vbv_kbits;        /* CBR, VBR: VBV buffer, >= one picture's share (0: one second's) */
    enum avila_h264_preset preset; /* speed / compression trade-off */
    unsigned keyint;               /* an IDR every keyint pictures; 0: only the first */
    /* Instead of periodic IDR pictures, a column of intra macroblocks sweeps the
     * picture every keyint pictures (0: one column per picture), announced by a
     * recovery point SEI, for a bitrate without IDR peaks. */
    bool intra_refresh;
    /* Slices per picture, 1..mb rows (see threads), in whole macroblock rows: evenly in the
     * first picture, then as many rows each as give about the same share of the work the
     * last picture took (at most twice the even share). */
    unsigned slices;
    enum avila_h264_deblocking deblocking; /* in-loop deblocking filter */
    int chroma_qp_offset;                  /* chroma_qp_index_offset, -12..12 */
    unsigned search_range; /* integer motion search range in samples, 4..256 (0: preset's) */
    /* The default preset also tries P_8x8 macroblocks everywhere, whose 8x8 partitions
     * may split into 8x4, 4x8 or 4x4 ones, as the quality preset always does
     * (default off: some 4-6% fewer bits at the same QP for 1.5-1.8 times the
     * encoding time). */
    bool sub8x8;
    /* Trellis quantisation (media/h264/trellis.h) in every preset, not only in the quality
     * one: each 4x4 block's levels chosen together for the least error + lambda x bits. */
    bool trellis;
    /* Slices coded at once, 1..64, through parallel (NULL: one after another); a
     * picture gets at least this many slices (as many as it has macroblock rows). */
    unsigned threads;
    const struct avila_h264_parallel *parallel;
};

/*
 * Fills *c with defaults for a w x h picture: 30 fps, CQP 26 (bitrate
 * 2000 kbit/s and a one-second VBV for the other modes), preset default,
 * keyint 0 (IDR only on request after the first picture), one slice,
 * deblocking as the preset says.
 */
void avila_h264_config_default(struct avila_h264_config *c, unsigned w, unsigned h);

/* A changed area of the picture (luma samples), from screen capture. */
struct avila_h264_rect {
    unsigned x, y, w, h;
};

/* The most payload bytes of one picture's user data SEI message. */
#define AVILA_H264_USER_DATA_MAX 4000

/* Pixel layouts of an input picture. */
enum avila_h264_layout {
    AVILA_H264_I420, /* planes Y, U, V */
    AVILA_H264_NV12, /* planes Y, interleaved UV */
};

struct avila_h264_picture {
    enum avila_h264_layout layout;
    const uint8_t *plane[3]; /* Y, then U and V (I420) or UV (NV12) */
    ptrdiff_t stride[3];     /* bytes per row of each plane */
    /* Changed rectangles since the previous picture. With changed == NULL
     * everything may have changed; with nchanged == 0 and changed != NULL
     * nothing did. Rectangles may overlap and extend past the picture. */
    const struct avila_h264_rect *changed;
    unsigned nchanged;
    bool force_idr; /* code this picture as IDR */
    /* A user_data_unregistered SEI message (H.264 D.1.7) to send before the picture: a
     * 16-byte UUID naming the data's format and user_data_len (at most
     * AVILA_H264_USER_DATA_MAX) bytes of payload; user_data_len 0: none. */
    const uint8_t *user_data_uuid;
    const uint8_t *user_data;
    size_t user_data_len;
};

/* What one encoded picture came to. */
struct avila_h264_frame_stats {
    size_t bytes; /* Annex B bytes written, parameter sets included */
    bool idr;
    int qp;                                        /* slice QP */
    unsigned mb_i4, mb_i16, mb_pcm, mb_p, mb_skip; /* macroblock counts by type */
    uint64_t ssd[3];     /* squared error of Y, U, V over the cropped picture */
    uint64_t samples[3]; /* samples in each of the three */
    unsigned attempts;   /* codings of the picture (more than 1: the VBV refused one) */
    bool vbv_exceeded;   /* too big for the VBV even at QP 51 (a P picture: even with
                            nothing new in it, when the buffer cannot hold slice headers) */
};

typedef struct avila_h264_encoder avila_h264_encoder;

/*
 * Creates an encoder for config c, drawing all its memory from a (which
 * must outlive it). Returns 0 and sets *out, AVILA_EINVAL for a config out
 * of range (the reason is one of the limits above), or AVILA_ENOMEM.
 */
int avila_h264_encoder_create(avila_h264_encoder **out, const struct avila_h264_config *c,
                              const struct avila_allocator *a);

/* Frees e and all its memory; NULL does nothing. */
void avila_h264_encoder_destroy(avila_h264_encoder *e);

/* A capacity for avila_h264_encode that no picture can exceed. */
size_t avila_h264_max_frame_bytes(const avila_h264_encoder *e);

/*
 * Encodes pic (read only during the call) as the next picture, writing its
 * Annex B NAL units to out. Returns the byte count, AVILA_ENOSPC when cap
 * is too small (nothing usable written, and the picture is not counted:
 * call again with avila_h264_max_frame_bytes), or AVILA_EINVAL for a bad
 * picture description. Fills *st when st is not NULL.
 */
int avila_h264_encode(avila_h264_encoder *e, const struct avila_h264_picture *pic, uint8_t *out,
                      size_t cap, struct avila_h264_frame_stats *st);

/*
 * The encoder's own planes for the next picture's samples, I420: plane[0..2]
 * and stride[0..2] point into the encoder, valid until the next call on e.
 * A caller that writes the picture there (width x height luma samples,
 * half that each way of chroma) and passes these planes and strides to
 * avila_h264_encode as an AVILA_H264_I420 picture saves the encoder
 * copying it in: the screen capture or the file reader fills them directly.
 */
void avila_h264_input(avila_h264_encoder *e, uint8_t *plane[3], ptrdiff_t stride[3]);

/*
 * The reconstruction of the last encoded picture (what a decoder shows),
 * cropped to the configured size, I420: plane[0..2] and stride[0..2] point
 * into the encoder, valid until the next call on e. Returns AVILA_EINVAL
 * before the first picture.
 */
int avila_h264_recon(const avila_h264_encoder *e, const uint8_t *plane[3], ptrdiff_t stride[3]);

#endif
