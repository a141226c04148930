/*
 * media/h264/bits.h - the RBSP bit writer and Annex B NAL units of the
 * H.264 encoder (ITU-T H.264 (08/2021): 7.2 bit functions, 9.1 Exp-Golomb
 * codes ue(v)/se(v)/te(v), 7.3.2.11 rbsp_trailing_bits, 7.3.1 and 7.4.1
 * NAL unit syntax with emulation prevention, Annex B start codes).
 *
 * A writer appends bits MSB first into a caller buffer through a 64-bit
 * accumulator and stores four bytes at a time. It never fails in the
 * middle: a write that does not fit sets the overflow flag and the output
 * is invalid (avila_h264_bits_finish then returns AVILA_ENOSPC), but the
 * bit count stays exact, so a writer over a zero-capacity buffer measures.
 * Pure code; no allocation.
 */
#ifndef AVILA_MEDIA_H264_BITS_H
#define AVILA_MEDIA_H264_BITS_H

#include <stdbool.h>

#include "core/platform.h"

/* nal_unit_type values the encoder writes (Table 7-1). */
enum {
    AVILA_H264_NAL_SLICE = 1, /* coded slice of a non-IDR picture */
    AVILA_H264_NAL_IDR = 5,   /* coded slice of an IDR picture */
    AVILA_H264_NAL_SEI = 6,   /* supplemental enhancement information */
    AVILA_H264_NAL_SPS = 7,   /* sequence parameter set */
    AVILA_H264_NAL_PPS = 8,   /* picture parameter set */
    AVILA_H264_NAL_AUD = 9,   /* access unit delimiter */
};

/*
 * A bit writer. Fields are private to bits.c except as documented: buf/cap
 * are the caller's buffer (not owned; it must outlive the writer), len
 * counts the bytes flushed from the accumulator (when overflow is set it
 * also counts bytes that did not fit), acc holds nacc (< 32) pending bits
 * in its low bits, MSB first.
 */
typedef struct avila_h264_bits {
    uint8_t *buf;
    size_t cap;
    size_t len;    /* bytes completely written */
    uint64_t acc;  /* pending bits, MSB first (the low nacc bits) */
    unsigned nacc; /* number of pending bits, < 32 between calls */
    bool overflow; /* a write did not fit: output invalid */
} avila_h264_bits;

/* Starts a writer over buf[0..cap) (buf may be NULL when cap is 0: count only). */
void avila_h264_bits_init(avila_h264_bits *b, uint8_t *buf, size_t cap);

/*
 * Appends the n low bits of v, MSB first (u(n), 7.2). n MUST be 0..32 and v
 * MUST be below 2^n (higher bits are ignored).
 */
void avila_h264_bits_put(avila_h264_bits *b, unsigned n, uint32_t v);

/* Appends ue(v) (9.1): v MUST be <= 2^32 - 2. */
void avila_h264_bits_ue(avila_h264_bits *b, uint32_t v);

/* Appends se(v) (9.1.1, Table 9-3): v MUST be >= -(2^31 - 1). */
void avila_h264_bits_se(avila_h264_bits *b, int32_t v);

/*
 * Appends te(v) (9.1) for a syntax element of range 0..max: one inverted
 * bit when max is 1, else ue(v). max MUST be >= 1 and v <= max.
 */
void avila_h264_bits_te(avila_h264_bits *b, unsigned max, unsigned v);

/* Bits appended since avila_h264_bits_init (exact even after an overflow). */
size_t avila_h264_bits_count(const avila_h264_bits *b);

/* Appends rbsp_trailing_bits (7.3.2.11): a one bit, then zero bits to a byte boundary. */
void avila_h264_bits_trailing(avila_h264_bits *b);

/*
 * Flushes the pending bits (a partial last byte is padded with zero bits,
 * though callers end an RBSP with avila_h264_bits_trailing first) and
 * returns the number of bytes in buf, or AVILA_ENOSPC when some write did
 * not fit (the buffer then holds no valid output). Write nothing more
 * after finishing; start again with avila_h264_bits_init.
 */
int avila_h264_bits_finish(avila_h264_bits *b);

/* Length in bits of ue(v) (9.1): 2 * floor(log2(v + 1)) + 1. */
unsigned avila_h264_ue_size(uint32_t v);

/* Length in bits of se(v) (9.1.1). v MUST be >= -(2^31 - 1). */
unsigned avila_h264_se_size(int32_t v);

/*
 * Writes one NAL unit in Annex B byte-stream form (B.1) to out[0..cap): the
 * start code 00 00 00 01, the NAL header byte (forbidden_zero_bit 0,
 * nal_ref_idc, nal_unit_type; 7.3.1), then the len bytes of rbsp with
 * emulation prevention (7.4.1): an emulation_prevention_three_byte 0x03
 * is inserted after every two zero bytes followed by a byte <= 0x03, and
 * after a final zero byte of the RBSP. rbsp is only read; it may be NULL
 * when len is 0. AVILA_H264_NAL_MAX(len) bytes of out always suffice.
 * Returns the bytes written, AVILA_ENOSPC when cap is too small (out then
 * holds nothing useful), or AVILA_EINVAL when nal_ref_idc > 3 or
 * nal_unit_type is not 1..23.
 */
int avila_h264_nal_write(uint8_t *out, size_t cap, unsigned nal_ref_idc, unsigned nal_unit_type,
                         const uint8_t *rbsp, size_t len);

/* Worst-case size of avila_h264_nal_write's output for len rbsp bytes. */
#define AVILA_H264_NAL_MAX(len) (5 + (len) + (len) / 2 + 1)

#endif
