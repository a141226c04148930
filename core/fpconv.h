/*
 * core/fpconv.h - exact conversions between decimal text and IEEE 754
 * binary64 (double): correctly rounded parsing and shortest round-trip
 * printing. Pure, no allocation, no libc beyond core/platform.h, no
 * floating-point environment assumptions (round-to-nearest-even is computed
 * in integers, not taken from the FPU mode).
 *
 * Parsing maps every decimal input to the nearest double, ties to even,
 * including subnormals, halfway cases and inputs with any number of digits
 * (RFC 8259 section 6 leaves precision to implementations; IEEE 754-2019
 * section 5.12.2 asks for correct rounding). Printing gives the shortest
 * digit string that parses back to the same double, the nearest such when
 * several are shortest (the Steele-White / Ryu / Schubfach criterion).
 */
#ifndef AVILA_CORE_FPCONV_H
#define AVILA_CORE_FPCONV_H

#include <stdbool.h>

#include "core/platform.h"

/*
 * Longest output of avila_fp_format, without a terminating NUL:
 * "-0.0000012345678901234567" is 25 characters. The other forms are
 * shorter: a sign and 21 integer digits (22), a sign, 17 digits and a point
 * (19), and "-d.dddddddddddddddde-308" (24).
 */
#define AVILA_FP_FORMAT_MAX 25

/*
 * Parses s[0..len), which must be exactly one number in RFC 8259 section 6
 * grammar (-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?; no spaces, no
 * leading '+', no "inf"/"nan"), into the nearest double, ties to even.
 * Any number of digits and any exponent are accepted (exponents beyond
 * int64 saturate). Results beyond the double range become +/-infinity and
 * *overflow is set to 1 (else 0); results below the smallest subnormal
 * become +/-0.0 (not an error). overflow may be NULL.
 * Returns AVILA_OK, or AVILA_EINVAL if the text is not a number in that
 * grammar (*out untouched).
 */
int avila_fp_parse(const char *s, size_t len, double *out, int *overflow);

/*
 * The fast path for parsers that have already scanned a number: the value
 * is (negative ? -1 : 1) * mantissa * 10^exp10, where mantissa holds the
 * first at most 19 significant digits and exact is 1 if those digits were
 * all of them (0 if nonzero digits were dropped). Writes the correctly
 * rounded double and returns 1 when it can decide exactly (exact integers,
 * then Eisel-Lemire; exponents beyond the double range decide at once);
 * returns 0, *out untouched, when the caller must fall back to
 * avila_fp_parse on the full text. That is rare: exact mantissas (in the
 * tests) only when the value is exactly halfway between two doubles and
 * exp10 < 0; inexact ones when the range mantissa..mantissa + 1 in the
 * last place straddles a halfway point (about 2 in 1000 random truncated
 * 19-digit inputs).
 * Pure function, no allocation; never reads past its arguments.
 */
int avila_fp_from_decimal(int negative, uint64_t mantissa, int64_t exp10, int exact, double *out);

/*
 * The shortest decimal of a finite, nonzero double v (sign ignored):
 * writes its significant digits ('0'-'9', no leading or trailing zeros)
 * to digits[0..n) and returns n (1..17); *exp10 is the exponent with the
 * decimal point after the first digit, so |v| ~= d.ddd * 10^exp10.
 * Returns 0 for zero, infinities and NaN (digits untouched).
 */
int avila_fp_shortest(double v, char digits[17], int *exp10);

/*
 * Writes v as ECMAScript's Number::toString does (ECMA-262
 * Number::toString(x) with radix 10, which RFC 8785 JCS requires): the
 * shortest digits, plain notation for 1e-6 <= |v| < 1e21 ("0.000001",
 * "123", "1.5"), exponent notation otherwise ("1e+21", "1e-7", "1.5e-7"); -0.0
 * prints as "0". buf must hold AVILA_FP_FORMAT_MAX bytes; no NUL is written.
 * Returns the length, or 0 if v is infinite or NaN (JSON has neither).
 */
size_t avila_fp_format(double v, char *buf);

/* Longest output of avila_fp_format_u64: UINT64_MAX has 20 digits. */
#define AVILA_FP_U64_MAX 20

/*
 * Writes v in decimal ("0" for 0, no leading zeros, no sign, no NUL) to
 * out, which holds AVILA_FP_U64_MAX bytes, and returns the digit count.
 */
size_t avila_fp_format_u64(uint64_t v, char *out);

/* ------------------------------------------------------------ inline fast path */

/*
 * avila_fp_pow5[j - AVILA_FP_POW5_MIN] holds 5^j scaled by a power of two
 * into [2^127, 2^128), high word first: the scaled value is
 * 5^j * 2^(127 - floor(log2(5^j))). It is exact for 0 <= j <= 55 (5^55 <
 * 2^128) and rounded up otherwise (floor + 1), so entry - 1 < exact <= entry
 * for every j. tools/gen/fpconv_tables.py makes the table. Public so that
 * parsers can inline the fast path below.
 */
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
 * The common case of avila_fp_from_decimal, inline for parsers: an
 * exact mantissa w (1 <= w < 2^64, all the literal's significant digits)
 * times 10^q whose double is normal and not near a rounding boundary. The
 * same computation as core/fpconv.c's (w normalised times the 128-bit entry
 * of avila_fp_pow5, rounded to nearest even from the 192-bit product, the
 * product accepted when subtracting the entry's rounding error from it
 * cannot change the result), so the answer is the correctly rounded one.
 * Returns true and *bits (magnitude only), or false when the caller must
 * ask avila_fp_from_decimal (subnormal or overflowing results, products
 * whose bits below the round bit are too close to zero).
 */
static inline bool avila_fp_from_decimal_inline(uint64_t w, int64_t q, uint64_t *bits)
{
    if (AVILA_UNLIKELY(q < -300 || q > 300))
        return false;
    int lz = __builtin_clzll(w);
    uint64_t wn = w << lz;
    const uint64_t *t = avila_fp_pow5[q - AVILA_FP_POW5_MIN];
    unsigned __int128 high = (unsigned __int128)wn * t[0];
    uint64_t hi = (uint64_t)(high >> 64), lo = 0;
    /*
     * The entry's low word adds less than 2^64 under the middle word: that
     * moves hi by at most one, which changes the kept bits or the round
     * bit only when the bits under the round bit are all ones, and the
     * verdict "exactly halfway" only when they and the middle word are all
     * zeros. Only then is the second product needed.
     */
    uint64_t under = ((uint64_t)1 << (9 + (hi >> 63))) - 1;
    if (AVILA_UNLIKELY((hi & under) == under || ((hi & under) | (uint64_t)high) == 0)) {
        unsigned __int128 low = (unsigned __int128)wn * t[1];
        high += (uint64_t)(low >> 64);
        hi = (uint64_t)(high >> 64);
        lo = (uint64_t)low;
    }
    uint64_t mid = (uint64_t)high;
    /* wn >= 2^63 and the entry >= 2^127: the product's top bit is 190 or 191. */
    unsigned top63 = (unsigned)(hi >> 63);
    int shift = 10 + (int)top63; /* hi's bits under the 53 kept ones */
    /* 10^q = 5^q 2^q, 5^q = entry 2^(log2_pow5(q) - 127); 2^e <= value < 2^(e+1). */
    int64_t e = 190 + (int64_t)top63 + q + avila_fp_log2_pow5((int)q) - 127 - lz;
    if (AVILA_UNLIKELY(e < -1000 || e > 1000))
        return false;
    uint64_t m = hi >> shift, round = hi >> (shift - 1) & 1;
    uint64_t below = hi & (((uint64_t)1 << (shift - 1)) - 1);
    if (AVILA_UNLIKELY(below == 0 && mid == 0) && !(q >= 0 && q <= AVILA_FP_POW5_EXACT_MAX))
        return false;
    m += round & ((uint64_t)((below | mid | lo) != 0) | (m & 1));
    /* m in [2^52, 2^53]: its top bit carries into the exponent field. */
    *bits = ((uint64_t)(e + 1022) << 52) + m;
    return true;
}

#endif
