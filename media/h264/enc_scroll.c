/*
 * media/h264/enc_scroll.c - finds vertical scrolling, the commonest motion
 * of screen content: a terminal or a page moves by whole lines, often far
 * beyond where a local motion search looks. The picture is cut into column
 * bands of SCROLL_BAND macroblocks; each row of a band gets a signature,
 * and the shift that lines up the most textured rows of this picture with
 * the previous picture's becomes a motion search candidate for the band's
 * macroblocks. Pure.
 */
#include "media/h264/enc_int.h"

#include "core/endian.h"

/* A shift is taken when at least this many textured rows, and a quarter of them, vote for it. */
#define SCROLL_MIN_ROWS 16

/* One step of the row hash: a word mixed in by a multiply and an xorshift (bijective). */
static inline uint64_t mix(uint64_t h, uint64_t word)
{
    h = (h ^ word) * 0x9E3779B97F4A7C15u;
    return h ^ h >> 29;
}

/*
 * Signature of a row of n samples, n a multiple of 16: a hash of its 8-byte
 * words in two independent chains (a chain of byte steps costs a multiply
 * per sample; this is 16 times fewer, and both chains run side by side).
 * 0 marks a flat row (its samples within 16 of each other), which matches
 * anything; the minimum and maximum are a separate loop the compiler turns
 * into vector code.
 */
static uint32_t row_signature(const uint8_t *p, unsigned n)
{
    uint64_t a = 0, b = n;
    for (unsigned i = 0; i < n; i += 16) {
        a = mix(a, avila_load_le64(p + i));
        b = mix(b, avila_load_le64(p + i + 8));
    }
    uint8_t lo = 255, hi = 0;
    for (unsigned i = 0; i < n; i++) {
        lo = p[i] < lo ? p[i] : lo;
        hi = p[i] > hi ? p[i] : hi;
    }
    uint32_t h = (uint32_t)(mix(a, b) >> 32);
    return hi - lo < 16 ? 0 : h | 1;
}

/*
 * The shift of band b (row y of this picture shows row y + shift of the
 * last), 0 when none is clear: each textured row whose signature occurs
 * exactly once in the last picture's band votes for its displacement.
 */
static int band_shift(avila_h264_encoder *e, unsigned b)
{
    unsigned rows = e->mb_h * 16, bands = e->scroll_bands, mask = e->scroll_hash_size - 1;
    const uint32_t *cur = e->scroll_sig + b, *prev = e->scroll_prev + b;
    uint32_t *keys = e->scroll_keys;
    int32_t *where = e->scroll_rows; /* row of the key, or -1 when it repeats */
    memset(keys, 0, e->scroll_hash_size * sizeof *keys);
    for (unsigned y = 0; y < rows; y++) {
        uint32_t sgn = prev[(size_t)y * bands];
        if (sgn == 0)
            continue;
        unsigned i = sgn & mask;
        while (keys[i] && keys[i] != sgn)
            i = (i + 1) & mask;
        where[i] = keys[i] ? -1 : (int32_t)y;
        keys[i] = sgn;
    }
    unsigned *votes = e->scroll_votes, textured = 0;
    memset(votes, 0, (2 * AVILA_H264I_SCROLL_MAX + 1) * sizeof *votes);
    for (unsigned y = 0; y < rows; y++) {
        uint32_t sgn = cur[(size_t)y * bands];
        if (sgn == 0)
            continue;
        textured++;
        unsigned i = sgn & mask;
        while (keys[i] && keys[i] != sgn)
            i = (i + 1) & mask;
        int dy = keys[i] && where[i] >= 0 ? where[i] - (int)y : 0;
        if (dy != 0 && dy >= -(int)AVILA_H264I_SCROLL_MAX && dy <= (int)AVILA_H264I_SCROLL_MAX)
            votes[dy + (int)AVILA_H264I_SCROLL_MAX]++;
    }
    int best = 0;
    unsigned best_count = 0;
    for (int k = 0; k <= 2 * (int)AVILA_H264I_SCROLL_MAX; k++)
        if (votes[k] > best_count) {
            best_count = votes[k];
            best = k - (int)AVILA_H264I_SCROLL_MAX;
        }
    return best_count >= SCROLL_MIN_ROWS && best_count * 4 >= textured ? best : 0;
}

void avila_h264i_scroll_detect(avila_h264_encoder *e, bool have_prev)
{
    unsigned rows = e->mb_h * 16, bands = e->scroll_bands, width = SCROLL_BAND * 16;
    for (unsigned y = 0; y < rows; y++)
        for (unsigned b = 0; b < bands; b++) {
            unsigned x = b * width, n = x + width <= e->mb_w * 16 ? width : e->mb_w * 16 - x;
            e->scroll_sig[(size_t)y * bands + b] =
                row_signature(e->src_y + (ptrdiff_t)y * e->src_y_stride + x, n);
        }
    for (unsigned b = 0; b < bands; b++)
        e->scroll_dy[b] = (int16_t)(have_prev ? band_shift(e, b) : 0);
}
