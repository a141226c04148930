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

#endif
