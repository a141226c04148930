/*
 * core/utf8_int.h - the UTF-8 validation variants behind core/utf8.h's
 * dispatcher, exposed so tests and fuzzers can run and compare each one.
 * Not installed.
 *
 * Every scan function has the same contract: given n bytes at s (s may be
 * NULL when n == 0; nothing outside [s, s + n) is read), it returns n if they
 * are well-formed UTF-8, and otherwise an offset b < n such that s[0..b) is
 * well-formed and b is no later than the start of the first ill-formed or
 * incomplete sequence. Each may return an earlier sequence boundary (near
 * the start of the block where it saw the error), from which the scalar
 * decoder in avila_utf8_check pinpoints the error.
 */
#ifndef AVILA_CORE_UTF8_INT_H
#define AVILA_CORE_UTF8_INT_H

#include "core/platform.h"

size_t avila_utf8_scan_portable(const uint8_t *s, size_t n);

#if AVILA_X86_64
/* Need AVILA_CPU_AVX2. */
size_t avila_utf8_scan_avx2(const uint8_t *s, size_t n);
/* Need AVILA_CPU_AVX512BW (which implies AVX512F). */
size_t avila_utf8_scan_avx512(const uint8_t *s, size_t n);
#endif

/*
 * A sequence boundary at or before offset c, for a vector scan that found no
 * error in s[0..c): those bytes are whole sequences, except perhaps a last
 * one that c cuts, whose lead byte is then one of the 3 bytes before c.
 * Returns the offset of the last non-continuation byte among those 3 (a
 * sequence start), or c when all 3 are continuation bytes (then the last
 * sequence is a complete 4-byte one ending at c).
 */
static inline size_t avila_utf8_boundary_before(const uint8_t *s, size_t c)
{
    size_t lowest = c < 3 ? 0 : c - 3;
    for (size_t i = c; i > lowest; i--)
        if ((s[i - 1] & 0xC0) != 0x80)
            return i - 1;
    return c;
}

#endif
