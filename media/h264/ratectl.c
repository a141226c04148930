/*
 * media/h264/ratectl.c - picture-level CBR / capped VBR under a VBV buffer
 * (media/h264/ratectl.h). The model: bits(qp) = m / 2^(qp/6), with m
 * refitted after every coded picture (the new fit weighs half for P
 * pictures, whose content drifts, and replaces the old one for IDR
 * pictures, which are rare). Pure.
 */
#include "media/h264/ratectl.h"

#include "core/error.h"

/* 2^(1/6): one QP step of the quantiser scale (Table 8-13's period of 6). */
#define QP_STEP 1.12246204830937298

/* The share of the buffer a picture is planned to take at most, keeping room for model error. */
#define PLAN_SHARE 0.85

/* How far CBR lowers the QP from one picture to the next at most. */
#define CBR_MAX_DROP 2

/* How far CBR moves the target towards a half-full buffer per picture. */
#define CBR_PULL 0.25

/* 2^(qp/6). */
static double scale(int qp)
{
    double s = 1;
    for (int i = 0; i < qp; i++)
        s *= QP_STEP;
    return s;
}

/* The smallest QP whose modelled bits m / 2^(qp/6) are at most target. */
static int qp_for(double m, double target)
{
    double bits = m;
    int qp = 0;
    while (qp < 51 && bits > target) {
        bits /= QP_STEP;
        qp++;
    }
    return qp;
}

int avila_h264_ratectl_init(struct avila_h264_ratectl *rc, bool cbr, unsigned bitrate_kbps,
                            unsigned vbv_kbits, unsigned fps_num, unsigned fps_den)
{
    if (bitrate_kbps == 0 || fps_num == 0 || fps_den == 0)
        return AVILA_EINVAL;
    double rate = (double)bitrate_kbps * 1000 * fps_den / fps_num;
    double size = vbv_kbits ? (double)vbv_kbits * 1000 : (double)bitrate_kbps * 1000;
    if (size < rate)
        return AVILA_EINVAL;
    *rc = (struct avila_h264_ratectl){
        .cbr = cbr,
        .rate = rate,
        .size = size,
        .fullness = size,
        .last_qp = 26,
    };
    return 0;
}

int avila_h264_ratectl_qp(const struct avila_h264_ratectl *rc, bool idr, double bits_guess)
{
    double m = rc->seen[idr] ? rc->model[idr] : bits_guess;
    double cap = rc->fullness * PLAN_SHARE;
    if (m <= 0)
        return rc->last_qp;
    if (!rc->cbr)
        return qp_for(m, cap);
    /* CBR: one picture's share of the rate, pulled towards a half-full buffer.
     * An IDR picture may take several shares; the P pictures after it repay them. */
    double target = rc->rate + CBR_PULL * (rc->fullness - rc->size / 2);
    if (idr)
        target = rc->rate * 4 > target ? rc->rate * 4 : target;
    if (target > cap)
        target = cap;
    if (target < rc->rate / 8)
        target = rc->rate / 8;
    int qp = qp_for(m, target);
    /* Falling fast after cheap pictures would spend the buffer on the next busy one. */
    return qp < rc->last_qp - CBR_MAX_DROP ? rc->last_qp - CBR_MAX_DROP : qp;
}

bool avila_h264_ratectl_commit(struct avila_h264_ratectl *rc, bool idr, int qp, size_t bits)
{
    double fit = (double)bits * scale(qp);
    rc->model[idr] = rc->seen[idr] && !idr ? (rc->model[idr] + fit) / 2 : fit;
    rc->seen[idr] = true;
    if ((double)bits > rc->fullness)
        return false;
    double next = rc->fullness - (double)bits + rc->rate;
    rc->fullness = next < rc->size ? next : rc->size;
    rc->last_qp = qp;
    return true;
}

void avila_h264_ratectl_overrun(struct avila_h264_ratectl *rc, bool idr, int qp, size_t bits)
{
    avila_h264_ratectl_commit(rc, idr, qp, bits);
    rc->fullness = rc->rate;
    rc->last_qp = qp;
}

int avila_h264_ratectl_retry_qp(const struct avila_h264_ratectl *rc, int qp, size_t bits)
{
    if (qp >= 51)
        return 51;
    int next = qp + qp_for((double)bits, rc->fullness * PLAN_SHARE);
    if (next == qp)
        next++;
    return next > 51 ? 51 : next;
}

size_t avila_h264_ratectl_max_bits(const struct avila_h264_ratectl *rc)
{
    return (size_t)rc->fullness;
}
