/*
 * media/h264/bits.c - the RBSP bit writer, Exp-Golomb codes and Annex B
 * NAL units (ITU-T H.264: 7.2, 7.3.1, 7.3.2.11, 7.4.1, 9.1, B.1).
 *
 * The writer keeps fewer than 32 pending bits in a 64-bit accumulator, so
 * any put of up to 32 bits fits without a check, and stores four bytes at
 * a time when 32 or more are pending.
 */
#include "media/h264/bits.h"

#include "core/error.h"

void avila_h264_bits_init(avila_h264_bits *b, uint8_t *buf, size_t cap)
{
    b->buf = buf;
    b->cap = cap;
    b->len = 0;
    b->acc = 0;
    b->nacc = 0;
    b->overflow = false;
}

/* Stores the 32 oldest pending bits (nacc >= 32). */
static void flush32(avila_h264_bits *b)
{
    uint32_t w = (uint32_t)(b->acc >> (b->nacc - 32));
    if (AVILA_LIKELY(b->cap - b->len >= 4 && b->len <= b->cap)) {
        uint8_t *p = b->buf + b->len;
        p[0] = (uint8_t)(w >> 24);
        p[1] = (uint8_t)(w >> 16);
        p[2] = (uint8_t)(w >> 8);
        p[3] = (uint8_t)w;
    } else {
        b->overflow = true;
    }
    b->len += 4;
    b->nacc -= 32;
}

void avila_h264_bits_put(avila_h264_bits *b, unsigned n, uint32_t v)
{
    /* Bits above nacc in acc are stale and never read: no mask needed. */
    b->acc = (b->acc << n) | ((uint64_t)v & (((uint64_t)1 << n) - 1));
    b->nacc += n;
    if (b->nacc >= 32)
        flush32(b);
}

/* floor(log2(x)) for x >= 1. */
static unsigned log2_floor(uint32_t x)
{
    return 31u - (unsigned)__builtin_clz(x);
}

unsigned avila_h264_ue_size(uint32_t v)
{
    if (AVILA_UNLIKELY(v == UINT32_MAX))
        return 65;
    return 2 * log2_floor(v + 1) + 1;
}

void avila_h264_bits_ue(avila_h264_bits *b, uint32_t v)
{
    if (AVILA_UNLIKELY(v == UINT32_MAX)) {
        b->overflow = true; /* not encodable in 32-bit codeNum arithmetic */
        return;
    }
    uint32_t x = v + 1;
    unsigned lz = log2_floor(x);
    if (AVILA_LIKELY(lz < 16)) {
        /* lz zeros then x in lz + 1 bits: x itself in 2 * lz + 1 bits. */
        avila_h264_bits_put(b, 2 * lz + 1, x);
    } else {
        avila_h264_bits_put(b, lz, 0);
        avila_h264_bits_put(b, lz + 1, x);
    }
}

/* The codeNum of se(v) (Table 9-3): k > 0 maps to 2k - 1, k <= 0 to -2k. */
static uint32_t se_code(int32_t v)
{
    if (AVILA_UNLIKELY(v == INT32_MIN))
        v = -INT32_MAX; /* outside the contract: keep the arithmetic defined */
    if (v > 0)
        return 2 * (uint32_t)v - 1;
    return 2 * (uint32_t)(-v);
}

unsigned avila_h264_se_size(int32_t v)
{
    return avila_h264_ue_size(se_code(v));
}

void avila_h264_bits_se(avila_h264_bits *b, int32_t v)
{
    avila_h264_bits_ue(b, se_code(v));
}

void avila_h264_bits_te(avila_h264_bits *b, unsigned max, unsigned v)
{
    if (max == 1)
        avila_h264_bits_put(b, 1, v ? 0 : 1);
    else
        avila_h264_bits_ue(b, v);
}

size_t avila_h264_bits_count(const avila_h264_bits *b)
{
    return b->len * 8 + b->nacc;
}

void avila_h264_bits_trailing(avila_h264_bits *b)
{
    avila_h264_bits_put(b, 1, 1);
    avila_h264_bits_put(b, (8 - b->nacc % 8) % 8, 0);
}

int avila_h264_bits_finish(avila_h264_bits *b)
{
    avila_h264_bits_put(b, (8 - b->nacc % 8) % 8, 0);
    while (b->nacc > 0) {
        if (b->len < b->cap)
            b->buf[b->len] = (uint8_t)(b->acc >> (b->nacc - 8));
        else
            b->overflow = true;
        b->len++;
        b->nacc -= 8;
    }
    if (b->overflow || b->len > (size_t)INT32_MAX)
        return AVILA_ENOSPC;
    return (int)b->len;
}

int avila_h264_nal_write(uint8_t *out, size_t cap, unsigned nal_ref_idc, unsigned nal_unit_type,
                         const uint8_t *rbsp, size_t len)
{
    if (nal_ref_idc > 3 || nal_unit_type < 1 || nal_unit_type > 23)
        return AVILA_EINVAL;
    if (cap < 5 || len > (size_t)INT32_MAX / 2)
        return AVILA_ENOSPC;
    out[0] = 0;
    out[1] = 0;
    out[2] = 0;
    out[3] = 1;
    out[4] = (uint8_t)(nal_ref_idc << 5 | nal_unit_type);
    size_t o = 5;
    unsigned zeros = 0; /* zero bytes just written (0, 1 or 2) */
    /* Room check per byte is skipped while the worst case fits. */
    bool roomy = cap >= AVILA_H264_NAL_MAX(len);
    for (size_t i = 0; i < len; i++) {
        uint8_t c = rbsp[i];
        if (AVILA_UNLIKELY(zeros == 2 && c <= 3)) {
            if (!roomy && o >= cap)
                return AVILA_ENOSPC;
            out[o++] = 3;
            zeros = 0;
        }
        if (!roomy && o >= cap)
            return AVILA_ENOSPC;
        out[o++] = c;
        zeros = c == 0 ? zeros + 1 : 0;
    }
    /* 7.4.1: an RBSP ending in 0x00 gets a final 0x03. */
    if (len > 0 && rbsp[len - 1] == 0) {
        if (!roomy && o >= cap)
            return AVILA_ENOSPC;
        out[o++] = 3;
    }
    return (int)o;
}
