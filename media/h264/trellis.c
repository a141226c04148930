/*
 * media/h264/trellis.c - rate-distortion optimised quantisation of one 4x4
 * block for CAVLC (see trellis.h).
 *
 * Costs are kept in the quantiser's own fixed point: a coefficient x at
 * raster position k scales to u = |x| * MF(qp % 6, k), whose level is u /
 * 2^(15 + qp/6) rounded some way. Squared error in those units times
 * Qstep(qp)^2 / 2^(2 (15 + qp/6)) = Qstep(qp % 6)^2 / 2^30 is the error in
 * samples squared, so lambda (per bit, samples squared) becomes lambda x
 * 2^30 / Qstep(qp % 6)^2 in them: the same for every qp / 6.
 */
#include "media/h264/trellis.h"

#include "media/h264/cavlc.h"
#include "media/h264/transform_int.h"

/* 16 x the quantiser step of QP 0..5: 0.625, 0.6875, 0.8125, 0.875, 1, 1.125 (6 QP more: twice). */
static const uint8_t qstep16[6] = {10, 11, 13, 14, 16, 18};

uint32_t avila_h264_trellis_lambda(int qp)
{
    /* 0.85 x 256 x 2^(r / 3) x 16 for r = 0, 1, 2; then x 2^(qp / 3) / 2^(4 + 4). */
    static const uint32_t base[3] = {3482, 4387, 5527};
    if (qp < 0)
        qp = 0;
    if (qp > 51)
        qp = 51;
    return base[qp % 3] << (qp / 3) >> 8;
}

/* avila_h264_trellis_lambda(51). */
#define LAMBDA_MAX 1782784u

/* One block being decided: levels in scan order and what they cost. */
struct block {
    int32_t u[16];    /* |coefficient| x MF, scan order */
    int16_t lv[16];   /* levels, scan order (signed) */
    int16_t sign[16]; /* +1 or -1 */
    int n;            /* 16 or 15 (max_coeff) */
    int nc;
    int64_t step;        /* 2^(15 + qp/6): one level in u's units */
    uint64_t lambda_bit; /* lambda per bit in u's units squared */
};

/* The squared error of level magnitude mag at scan position k. */
static inline int64_t error2(const struct block *b, int k, int mag)
{
    int64_t e = b->u[k] - (int64_t)mag * b->step;
    return e * e;
}

static int block_bits(const struct block *b)
{
    return avila_h264_cavlc_block_bits(b->lv, b->n, b->nc);
}

/*
 * Sets b's levels to sign x min(LEVEL_MAX, (u + round) >> shift); returns
 * their squared error.
 */
static int64_t round_levels(struct block *b, int32_t round, int shift)
{
    int64_t d = 0;
    for (int k = 0; k < b->n; k++) {
        int32_t mag = (b->u[k] + round) >> shift;
        mag = mag < AVILA_H264_LEVEL_MAX ? mag : AVILA_H264_LEVEL_MAX;
        b->lv[k] = (int16_t)(b->sign[k] * mag);
        d += error2(b, k, mag);
    }
    return d;
}

int avila_h264_trellis4x4(int16_t c[16], int qp, bool intra, int first, int nC, uint32_t lambda)
{
    const uint16_t *mf = avila_h264_quant_mf[qp % 6];
    const uint8_t *scan = avila_h264_zigzag4x4 + first;
    int shift = 15 + qp / 6;
    int32_t half = (int32_t)1 << (shift - 1);

    /* Nothing rounds to a level: nothing to decide (most blocks of inter macroblocks). */
    int32_t u[16], any = 0;
    for (int k = 0; k < 16; k++) {
        u[k] = (c[k] < 0 ? -c[k] : c[k]) * mf[k];
        any |= u[k] & -(int32_t)(k >= first); /* c[0] is not this function's with first 1 */
    }
    if (any < half) { /* half is a power of two: each u is below it exactly when their OR is */
        for (int k = first; k < 16; k++)
            c[k] = 0;
        return 0;
    }

    struct block b;
    b.n = 16 - first;
    b.nc = nC;
    b.step = (int64_t)1 << shift;
    if (lambda > LAMBDA_MAX)
        lambda = LAMBDA_MAX; /* keeps every cost below 2^63 */
    uint64_t q = qstep16[qp % 6];
    b.lambda_bit = ((uint64_t)lambda << 30) / (q * q);
    int64_t nothing = 0; /* the squared error of no level at all */
    for (int k = 0; k < b.n; k++) {
        b.u[k] = u[scan[k]];
        b.sign[k] = c[scan[k]] < 0 ? -1 : 1;
        nothing += (int64_t)b.u[k] * b.u[k];
    }

    /* The start: the cheaper of the nearest levels and the dead-zone quantiser's. */
    int64_t error = round_levels(&b, half, shift);
    int bits = block_bits(&b);
    int64_t cost = error + (int64_t)b.lambda_bit * bits;
    int16_t nearest[16];
    memcpy(nearest, b.lv, sizeof nearest);
    error = round_levels(&b, avila_h264_quant_rounding(shift, qp, intra), shift);
    if (memcmp(nearest, b.lv, sizeof nearest) != 0) {
        int deadzone_bits = block_bits(&b);
        int64_t deadzone = error + (int64_t)b.lambda_bit * deadzone_bits;
        if (deadzone <= cost) {
            cost = deadzone;
            bits = deadzone_bits;
        } else {
            memcpy(b.lv, nearest, sizeof nearest);
        }
    }

    /*
     * Lower one magnitude at a time, highest frequency first, keeping each
     * step that lowers the cost. A step whose extra error outweighs the bits
     * such steps save in practice is not tried: 6 for a level of 1, 4 for
     * larger ones. Without bounds, 2% and 6% of the steps kept lay beyond
     * them (20 pictures of the 1080p camera clip, default preset, QP 26);
     * the quality preset's BD-rate on those pictures (QP 24-30) went from
     * -3.91% with bounds of 8 and 5 to -3.89%.
     */
    int64_t try_below[2] = {(int64_t)b.lambda_bit * 6, (int64_t)b.lambda_bit * 4};
    for (int k = b.n - 1; k >= 0; k--) {
        int mag = b.lv[k] * b.sign[k];
        if (mag == 0)
            continue;
        int64_t more_error = error2(&b, k, mag - 1) - error2(&b, k, mag);
        if (more_error >= try_below[mag > 1])
            continue;
        b.lv[k] = (int16_t)(b.sign[k] * (mag - 1));
        int new_bits = block_bits(&b);
        int64_t delta = more_error + (int64_t)b.lambda_bit * (new_bits - bits);
        if (delta < 0) {
            cost += delta;
            bits = new_bits;
        } else {
            b.lv[k] = (int16_t)(b.sign[k] * mag);
        }
    }

    /* Nothing at all: the whole error, and a coeff_token for no level. */
    static const int16_t none[16];
    nothing += (int64_t)b.lambda_bit * avila_h264_cavlc_block_bits(none, b.n, nC);
    int count = 0;
    for (int k = 0; k < b.n; k++) {
        int16_t level = nothing <= cost ? 0 : b.lv[k];
        c[scan[k]] = level;
        count += level != 0;
    }
    return count;
}
