#!/usr/bin/env python3
"""tools/gen/fpconv_tables.py - generates core/fpconv_tables.c: the 128-bit
powers of five used by core/fpconv.c (see core/fpconv_int.h).

Entry j (AVILA_FP_POW5_MIN <= j <= AVILA_FP_POW5_MAX) is 5^j scaled by a
power of two into [2^127, 2^128): T_j = 5^j * 2^(127 - floor(log2(5^j))).
When that is an integer (0 <= j <= 55, 5^j < 2^128) the entry is exact;
otherwise it is floor(T_j) + 1, an upper bound less than one unit above.
Both uses in core/fpconv.c (parsing, Eisel-Lemire style, and shortest
printing, Schubfach style) rely on exactly that: entry - 1 < T_j <= entry.

Everything is computed with Python's exact integers. The script also checks
the integer formulas core/fpconv.c uses in place of logarithms over the
whole range they are used on, and fails if any is wrong:
  floor(log2(5^j))          = (j * 1217359) >> 19    for |j| <= 400
  floor(log10(2^q))         = (q * 315653) >> 20     for |q| <= 1100
  floor(log10(3/4 * 2^q))   = (q * 315653 - 131008) >> 20  for |q| <= 1100

usage: tools/gen/fpconv_tables.py > core/fpconv_tables.c && clang-format -i core/fpconv_tables.c
"""

from fractions import Fraction

POW5_MIN = -343  # parsing: 19 digits times 10^-343 is the smallest nonzero case
POW5_MAX = 325  # printing: 10^-k for the smallest k of any double (2^-1074)
EXACT_MAX = 55  # 5^55 < 2^128 <= 5^56


def floor_log2_pow5(j):
    if j >= 0:
        return (5**j).bit_length() - 1
    # 5^-j is odd and > 1, never a power of two, so log2 is not an integer.
    return -((5 ** (-j)).bit_length())


def entry(j):
    """(value, exact) with entry - 1 < 5^j 2^(127 - floor(log2 5^j)) <= entry."""
    e = floor_log2_pow5(j)
    if j >= 0:
        num, den = 5**j, 1
    else:
        num, den = 1, 5 ** (-j)
    # scaled = num / den * 2^(127 - e), as an exact fraction
    shift = 127 - e
    if shift >= 0:
        num <<= shift
    else:
        den <<= -shift
    q, r = divmod(num, den)
    assert 2**127 <= q < 2**128
    if r == 0:
        return q, True
    assert q + 1 < 2**128
    return q + 1, False


def check_formulas():
    for j in range(-400, 401):
        assert floor_log2_pow5(j) == (j * 1217359) >> 19, j
    for q in range(-1100, 1101):
        x = Fraction(2) ** q
        for frac, c in ((Fraction(1), 0), (Fraction(3, 4), 131008)):
            y = x * frac
            k = (q * 315653 - c) >> 20
            assert Fraction(10) ** k <= y < Fraction(10) ** (k + 1), (q, c)


def main():
    check_formulas()
    out = []
    out.append("/*")
    out.append(" * core/fpconv_tables.c - 128-bit powers of five for core/fpconv.c, generated")
    out.append(" * by tools/gen/fpconv_tables.py (exact Python integers); do not edit. Entry")
    out.append(" * j - AVILA_FP_POW5_MIN is 5^j scaled into [2^127, 2^128), exact for")
    out.append(" * 0 <= j <= %d and rounded up (floor + 1) otherwise; high word first." % EXACT_MAX)
    out.append(" * tests/core/test_fpconv.c recomputes a sample of entries.")
    out.append(" */")
    out.append('#include "core/fpconv_int.h"')
    out.append("")
    n = POW5_MAX - POW5_MIN + 1
    out.append("const uint64_t avila_fp_pow5[%d][2] = {" % n)
    for j in range(POW5_MIN, POW5_MAX + 1):
        v, exact = entry(j)
        assert exact == (0 <= j <= EXACT_MAX), j
        out.append("    {0x%016xu, 0x%016xu}, /* 5^%d */" % (v >> 64, v & (2**64 - 1), j))
    out.append("};")
    print("\n".join(out))


if __name__ == "__main__":
    main()
