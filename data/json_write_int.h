/*
 * data/json_write_int.h - the string-copy kernels behind data/json_write.h,
 * exposed so tests and fuzzers can run and compare each variant. Not
 * installed.
 *
 * Every kernel has the same contract. It copies the longest prefix of
 * src[0..n) whose bytes need no escape to dst and returns its length r
 * (r == n, or src[r] needs an escape). A byte needs one if it is '"', '\\'
 * or below 0x20, and, when ascii is nonzero, also if it is 0x7F or above.
 * It reads only src[0..n) (src may be NULL when n == 0), and may write
 * garbage to dst[r .. n + AVILA_JSON_COPY_SLACK), so dst MUST have room for
 * n + AVILA_JSON_COPY_SLACK bytes. When ascii is zero, *high is set to
 * nonzero if a byte of 0x80 or above was seen among the bytes it read (it
 * reads all of src[0..r], maybe more), and left alone otherwise.
 */
#ifndef AVILA_DATA_JSON_WRITE_INT_H
#define AVILA_DATA_JSON_WRITE_INT_H

#include "core/endian.h"
#include "core/platform.h"
#include "data/json_write.h"

/* Bytes a kernel may write past the n it was given. */
#define AVILA_JSON_COPY_SLACK 64

#define AVILA_JSON_ONES  0x0101010101010101u
#define AVILA_JSON_HIGHS 0x8080808080808080u
#define AVILA_JSON_LOW7  0x7F7F7F7F7F7F7F7Fu

/*
 * Bit 7 set in the lanes of x (8 little-endian bytes) that need an escape.
 * The "below 0x20" and "equals" tests borrow from a lane only when that
 * lane is a true hit, so lanes above the first hit may be set falsely, but
 * the lowest set lane is always a true one, which is all the callers use.
 */
static inline uint64_t avila_json_escape_lanes(uint64_t x, int ascii)
{
    const uint64_t ones = AVILA_JSON_ONES;
    uint64_t quote = x ^ (ones * '"'), bslash = x ^ (ones * '\\');
    uint64_t m = ((x - ones * 0x20) & ~x) | ((quote - ones) & ~quote) | ((bslash - ones) & ~bslash);
    if (ascii)
        m |= ((x & AVILA_JSON_LOW7) + ones) | x; /* 0x7F, or bit 7 set: exact per lane */
    return m & AVILA_JSON_HIGHS;
}

/*
 * The portable kernel (the contract above), inline so the vector kernels
 * can finish short inputs with it. Eight bytes per step; the last partial
 * word is loaded overlapping the one before it (those bytes are known to
 * need no escape), and inputs under 8 bytes are gathered with overlapping
 * 4-byte or single-byte loads and padded with spaces, so nothing outside
 * src[0..n) is read.
 */
__attribute__((always_inline)) static inline size_t
avila_json_copy_swar(uint8_t *dst, const uint8_t *src, size_t n, int ascii, unsigned *high)
{
    uint64_t seen = 0, m = 0, x;
    size_t i = 0;
    if (n >= 8) {
        for (; n - i >= 8; i += 8) {
            x = avila_load_le64(src + i);
            avila_store_le64(dst + i, x);
            seen |= x;
            m = avila_json_escape_lanes(x, ascii);
            if (m != 0)
                break;
        }
        if (m == 0 && i < n) {
            i = n - 8;
            x = avila_load_le64(src + i);
            avila_store_le64(dst + i, x);
            seen |= x;
            m = avila_json_escape_lanes(x, ascii);
        }
    } else if (n > 0) {
        if (n >= 4)
            x = avila_load_le32(src) | (uint64_t)avila_load_le32(src + n - 4) << (8 * (n - 4));
        else
            x = src[0] | (uint64_t)src[n / 2] << (8 * (n / 2)) |
                (uint64_t)src[n - 1] << (8 * (n - 1));
        x |= (AVILA_JSON_ONES * ' ') << (8 * n);
        avila_store_le64(dst, x);
        seen = x;
        m = avila_json_escape_lanes(x, ascii);
    }
    i = m != 0 ? i + (size_t)__builtin_ctzll(m) / 8 : n;
    if (!ascii && (seen & AVILA_JSON_HIGHS) != 0)
        *high = 1;
    return i;
}

/*
 * Writes the value v of doc as avila_json_write_value does outside
 * canonical mode, in one pass over its nodes (data/json_write.c). ends is
 * the caller's room for w->max_depth pointers. Returns 0 or the writer's
 * (sticky) error.
 */
int avila_json_write_nodes(struct avila_json_writer *w, const struct avila_json_doc *doc,
                           const struct avila_json_node *v, const struct avila_json_node **ends);

size_t avila_json_copy_run_portable(uint8_t *dst, const uint8_t *src, size_t n, int ascii,
                                    unsigned *high);

#if AVILA_X86_64
/* Needs AVILA_CPU_AVX2. */
size_t avila_json_copy_run_avx2(uint8_t *dst, const uint8_t *src, size_t n, int ascii,
                                unsigned *high);
/* Needs AVILA_CPU_AVX512F, AVILA_CPU_AVX512BW and AVILA_CPU_BMI2. */
size_t avila_json_copy_run_avx512(uint8_t *dst, const uint8_t *src, size_t n, int ascii,
                                  unsigned *high);
#endif

#endif
