/*
 * core/fpconv_int.h - internals of core/fpconv.c shared with its generated
 * table (core/fpconv_tables.c) and its tests.
 *
 * The table of powers of five and its helpers are in core/fpconv.h, which
 * inlines the fast path for parsers.
 */
#ifndef AVILA_CORE_FPCONV_INT_H
#define AVILA_CORE_FPCONV_INT_H

#include "core/fpconv.h"
#include "core/platform.h"

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
