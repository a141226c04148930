/*
 * media/h264/ratectl.h - picture-level rate control for low-latency
 * streaming: constant bitrate (CBR) and capped variable bitrate (VBR), both
 * under a VBV buffer (the hypothetical reference decoder's coded picture
 * buffer of Annex C, filled at the bitrate and drained one whole picture at
 * a time).
 *
 * The controller picks each picture's QP from a model of how its bits fall
 * with QP (about halving every 6 steps, 8.5.12's scale doubling), fitted to
 * the pictures coded so far, and then checks the coded size: a picture
 * bigger than the buffer holds at that moment is refused, and the encoder
 * codes it again at the QP the controller gives next. So no picture ever
 * exceeds what the VBV allows, as long as QP 51 is small enough. Pure; no
 * floating point beyond what the model needs.
 */
#ifndef AVILA_MEDIA_H264_RATECTL_H
#define AVILA_MEDIA_H264_RATECTL_H

#include "core/platform.h"

#include <stdbool.h>

struct avila_h264_ratectl {
    bool cbr;        /* aim at the bitrate; else only cap it (VBR) */
    double rate;     /* bits per picture arriving in the buffer */
    double size;     /* buffer size in bits */
    double fullness; /* bits in the buffer before the next picture */
    double model[2]; /* per picture kind (P, IDR): bits at QP 0, fitted */
    bool seen[2];    /* whether the model of that kind has been fitted */
    int last_qp;     /* of the last picture accepted (26 before the first) */
};

/*
 * Starts a controller: bitrate_kbps (1000 bits/s units) at fps_num/fps_den
 * pictures per second, a buffer of vbv_kbits (0: one second of bitrate),
 * starting full as decoders wait before they start (C.1.2); cbr selects
 * CBR, else capped VBR. Returns 0, or AVILA_EINVAL for a zero rate or a
 * buffer smaller than one average picture.
 */
int avila_h264_ratectl_init(struct avila_h264_ratectl *rc, bool cbr, unsigned bitrate_kbps,
                            unsigned vbv_kbits, unsigned fps_num, unsigned fps_den);

/*
 * The QP for the next picture (idr: an IDR picture) from bits_guess, an
 * estimate of its bits at QP 0 used before the model has seen a picture of
 * that kind (0: none; then the last QP). CBR: the QP expected to spend one
 * picture's share of the bitrate, steered towards a half-full buffer (an
 * IDR picture may take four shares), at most 2 below the last QP. VBR:
 * the lowest QP expected to fit the buffer; the encoder uses its own QP
 * when that is higher. Does not change the state.
 */
int avila_h264_ratectl_qp(const struct avila_h264_ratectl *rc, bool idr, double bits_guess);

/*
 * Offers a picture coded at qp with bits bits. Returns true and accounts
 * for it when the buffer holds it; returns false, leaving the buffer as it
 * was but learning from the size, when it does not (code it again at
 * avila_h264_ratectl_retry_qp).
 */
bool avila_h264_ratectl_commit(struct avila_h264_ratectl *rc, bool idr, int qp, size_t bits);

/*
 * Accounts for a picture the buffer could not hold even so (coded at qp
 * with bits bits): the stream breaks the VBV there; the buffer restarts
 * empty, refilling from the next picture on.
 */
void avila_h264_ratectl_overrun(struct avila_h264_ratectl *rc, bool idr, int qp, size_t bits);

/* After a refusal at qp for bits: the QP to try next (> qp while qp < 51). */
int avila_h264_ratectl_retry_qp(const struct avila_h264_ratectl *rc, int qp, size_t bits);

/* The most bits the next picture may take (what the buffer holds). */
size_t avila_h264_ratectl_max_bits(const struct avila_h264_ratectl *rc);

#endif
