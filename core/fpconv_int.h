/*
 * core/fpconv_int.h - internals of core/fpconv.c shared with its generated
 * table (core/fpconv_tables.c) and its tests.
 *
 * avila_fp_pow5[j - AVILA_FP_POW5_MIN] holds 5^j scaled by a power of two
 * into [2^127, 2^128), high word first: the scaled value is
 * 5^j * 2^(127 - floor(log2(5^j))). It is exact for 0 <= j <= 55 (5^55 <
 * 2^128) and rounded up otherwise (floor + 1), so entry - 1 < exact <= entry
 * for every j. tools/gen/fpconv_tables.py makes the table.
 */
#ifndef AVILA_CORE_FPCONV_INT_H
#define AVILA_CORE_FPCONV_INT_H

#include "core/platform.h"

/* (x86-64 compilers all have it; the second test only helps analysers that miss the macro.) */
#if !defined(__SIZEOF_INT128__) && !defined(__x86_64__)
#error "core/fpconv: this compiler has no unsigned __int128"
#endif

/* Parsing needs 10^-343 (19 digits times it is the smallest value not
 * rounding to zero outright); printing needs up to 10^325 (for 2^-1074). */
#define AVILA_FP_POW5_MIN       (-343)
#define AVILA_FP_POW5_MAX       325
#define AVILA_FP_POW5_EXACT_MAX 55

extern const uint64_t avila_fp_pow5[AVILA_FP_POW5_MAX - AVILA_FP_POW5_MIN + 1][2];

/* floor(log2(5^j)) for |j| <= 400 (checked by the generator over that range). */
static inline int avila_fp_log2_pow5(int j)
{
    /* 1217359 / 2^19 ~ log2(5); the offset keeps the shift on a non-negative value. */
    return (int)(((int64_t)j * 1217359 + ((int64_t)1000 << 19)) >> 19) - 1000;
}

/*
 * The significant digits the exact fallback of avila_fp_parse keeps: an
 * exact halfway point between two doubles has at most 767 significant
 * digits, so the input's digits past the 800th can only tell "exactly on
 * the digits kept" from "a little above", and one sticky digit does that.
 */
#define AVILA_FP_EXACT_DIGITS 800

/*
 * The exact (big-integer) decision avila_fp_parse falls back to. The value
 * is D * 10^exp10, D being the first ndigits decimal digits of text (ASCII;
 * one '.' among them is skipped, not counted), or, if sticky, a value a
 * little above that, (D * 10 + 1) * 10^(exp10 - 1), standing for nonzero
 * digits dropped after them. lower must be the bits of a finite,
 * non-negative double that is the correctly rounded result or the one just
 * below it. Returns the bits of the result (ties to even; possibly
 * infinity). ndigits must be 1..AVILA_FP_EXACT_DIGITS and the value must
 * lie within a few units in the last place of lower (the big integers are
 * sized for that). Exposed for the tests.
 */
uint64_t avila_fp_decide(const char *text, size_t ndigits, int sticky, int64_t exp10,
                         uint64_t lower);

#endif
