#!/usr/bin/env python3
"""tests/core/peer_fpconv.py - random differential test of core/fpconv.h
against Python (no packages).

Usage: peer_fpconv.py TOOL
  TOOL is the path of tests/core/tool_fpconv (read its header for the line
  protocol).

The oracles: float() (CPython rounds correctly, with David Gay's
algorithm) for parsing, including the overflow flag; repr() for the
shortest round-trip digits (the same criterion: fewest digits, then
nearest); and an ECMAScript Number::toString (ECMA-262 section
"Number::toString", radix 10) written below from the specification's
steps on repr's digits. Families:
  parse-short     1-40 random digits, any point position, exponents over
                  the whole range (zero and infinity included)
  parse-long      100-800 random digits
  parse-halfway   exact halfway points between random neighbouring doubles
                  (every exponent class), written out exactly with Python
                  integers, then cut short, or extended by a 1 at a random
                  later digit, and printed in plain or exponent notation
  parse-grammar   short strings over the number alphabet: valid ones must
                  equal float(), others be rejected (the RFC 8259 grammar
                  is a regular expression here)
  shortest        random bit patterns against repr()'s digits
  format          the same patterns against Number::toString
  from-decimal    avila_fp_from_decimal: when it decides it must equal
                  float() of the same value ("undecided" is allowed)

Environment:
  AVILA_PEER_SEED   the generator's seed (decimal); a random one otherwise.
                    It is printed either way: set it to repeat a run.
  AVILA_PEER_SCALE  multiplies every case count (default 1; 0.1 for a smoke run).

Prints TAP: one line per family, with the counts.
"""

import math
import os
import random
import re
import secrets
import struct
import subprocess
import sys
import time

GRAMMAR = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?\Z")
INF_BITS = 0x7FF0000000000000


def bits_of(x):
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def double_of(b):
    return struct.unpack("<d", struct.pack("<Q", b))[0]


def parse_answer(text):
    """What tool_fpconv prints for "p text", from float()."""
    if not GRAMMAR.match(text):
        return "ERR AVILA_EINVAL"
    b = bits_of(float(text))
    return "%016x%s" % (b, " o" if b & ~(1 << 63) == INF_BITS else "")


def repr_digits(x):
    """repr()'s significant digits of |x| and the exponent of the first one."""
    r = repr(abs(x))
    mant, _, exp = r.partition("e")
    exp = int(exp) if exp else 0
    intpart, _, frac = mant.partition(".")
    digits = (intpart + frac).lstrip("0")
    # The first significant digit's position relative to the point.
    lead = len(intpart.lstrip("0")) - 1 if intpart.strip("0") else -(len(frac) - len(frac.lstrip("0")) + 1)
    return digits.rstrip("0"), lead + exp


def ecma_to_string(x):
    """ECMA-262 Number::toString(x), radix 10, from repr's digits."""
    if math.isnan(x) or math.isinf(x):
        return "-"
    if x == 0:
        return "0"
    if x < 0:
        return "-" + ecma_to_string(-x)
    s, e = repr_digits(x)
    k = len(s)
    n = e + 1  # x = 0.s * 10^n
    if k <= n <= 21:
        return s + "0" * (n - k)
    if 0 < n <= 21:
        return s[:n] + "." + s[n:]
    if -6 < n <= 0:
        return "0." + "0" * (-n) + s
    sign = "+" if n - 1 >= 0 else "-"
    head = s[0] if k == 1 else s[0] + "." + s[1:]
    return head + "e" + sign + str(abs(n - 1))


class Gen:
    def __init__(self, seed, scale):
        self.r = random.Random(seed)
        self.scale = scale

    def count(self, n):
        return max(1, int(n * self.scale))

    def digits(self, n):
        r = self.r
        return str(r.randint(1, 9)) + "".join(r.choice("0123456789") for _ in range(n - 1))

    def decimal_text(self, ndigits, exp_range):
        """ndigits significant digits, a random point, an exponent."""
        r = self.r
        d = self.digits(ndigits)
        if r.random() < 0.1:
            d = d[: r.randint(1, ndigits)] + "0" * (ndigits - 1)  # trailing zeros
            d = d[:ndigits]
        lead_zeros = r.choice([0, 0, 0, 1, 2, 5, 20])
        point = r.randint(0, ndigits)
        if point == 0:
            text = "0." + "0" * lead_zeros + d
        elif point == ndigits:
            text = d
        else:
            text = d[:point] + "." + d[point:]
        if r.random() < 0.8:
            sign = r.choice(["", "+", "-"])
            text += r.choice("eE") + sign + str(r.randint(0, exp_range))
        if r.random() < 0.5:
            text = "-" + text
        return text

    def random_bits(self):
        """A finite double's bits, every exponent class."""
        r = self.r
        kind = r.randrange(8)
        b = r.getrandbits(64)
        if kind == 0:
            b &= 0x800FFFFFFFFFFFFF
            b >>= r.randrange(53)
        elif kind == 1:
            b &= 0xFFF0000000000000
        elif kind == 2:
            b = bits_of(float(r.getrandbits(r.randint(1, 60))))
        elif kind == 3:
            b &= 0xFFFFFFF000000000
        elif kind == 4:
            b = (b & 0x800FFFFFFFFFFFFF) | (r.choice([1, 2, 0x7FE, 0x7FD, 0x433, 0x434]) << 52)
        if (b >> 52) & 0x7FF == 0x7FF:
            b &= 0xBFFFFFFFFFFFFFFF
        return b


def halfway_text(g, b):
    """Exact decimal of the point halfway above the double with bits b (>= 0)."""
    e_field = b >> 52
    m = (b & ((1 << 52) - 1)) | ((1 << 52) if e_field else 0)
    e = (e_field - 1075) if e_field else -1074
    num = 2 * m + 1  # halfway = num * 2^(e - 1)
    p = e - 1
    if p >= 0:
        return str(num << p), 0
    # num / 2^-p = num * 5^-p / 10^-p
    return str(num * 5 ** (-p)), p  # digits, and 10^p is the last digit's weight


def render(g, digits, exp10, negative):
    """digits * 10^exp10 as text in one of several notations."""
    r = g.r
    digits = digits.lstrip("0") or "0"
    style = r.randrange(3)
    n = len(digits)
    if style == 0:
        text = digits + ("e%d" % exp10 if exp10 else "")
    elif style == 1:
        text = digits[0] + ("." + digits[1:] if n > 1 else "") + "e%d" % (exp10 + n - 1)
    else:
        lead = exp10 + n  # digits before the point
        if lead <= 0:
            text = "0." + "0" * (-lead) + digits
        elif lead >= n:
            text = digits + "0" * (lead - n)
        else:
            text = digits[:lead] + "." + digits[lead:]
        if len(text) > 3000:
            text = digits + "e%d" % exp10
    return ("-" if negative else "") + text


def build(g):
    r = g.r
    cases = []
    for _ in range(g.count(150000)):
        t = g.decimal_text(r.randint(1, 40), r.choice([5, 30, 330, 400]))
        cases.append(("parse-short", "p " + t, parse_answer(t)))
    for _ in range(g.count(3000)):
        t = g.decimal_text(r.randint(100, 800), r.choice([30, 330, 1100]))
        cases.append(("parse-long", "p " + t, parse_answer(t)))
    for _ in range(g.count(25000)):
        b = g.random_bits() & ~(1 << 63)
        if b == 0x7FEFFFFFFFFFFFFF and r.random() < 0.5:
            pass
        digits, p = halfway_text(g, b)
        how = r.randrange(4)
        if how == 1 and len(digits) > 1:
            cut = r.randint(1, len(digits) - 1)
            p += len(digits) - cut
            digits = digits[:cut]
        elif how >= 2:
            extra = r.choice([1, 2, 10, 100, 800 - len(digits), 900 - len(digits)])
            extra = max(1, extra)
            digits = digits + "0" * (extra - 1) + "1"
            p -= extra
        t = render(g, digits, p, r.random() < 0.3)
        cases.append(("parse-halfway", "p " + t, parse_answer(t)))
    alphabet = "0123456789.eE+-"
    for _ in range(g.count(30000)):
        t = "".join(r.choice(alphabet) for _ in range(r.randint(1, 8)))
        cases.append(("parse-grammar", "p " + t, parse_answer(t)))
    for _ in range(g.count(100000)):
        b = g.random_bits()
        x = double_of(b)
        if x == 0:
            want = "0"
        else:
            d, e = repr_digits(x)
            want = "%s %d" % (d, e)
        cases.append(("shortest", "s %x" % b, want))
        cases.append(("format", "f %x" % b, ecma_to_string(x)))
    for b in (0, 1 << 63, INF_BITS, INF_BITS | (1 << 63), 0x7FF8000000000000):
        cases.append(("format", "f %x" % b, ecma_to_string(double_of(b))))
    for _ in range(g.count(40000)):
        exact = r.random() < 0.5
        if exact:
            m = r.getrandbits(r.randint(1, 64)) % 10**19
        else:
            m = r.randint(10**18, 10**19 - 1)
        e = r.randint(-360, 330)
        neg = r.randrange(2)
        text = ("-" if neg else "") + str(m) + ("" if exact else "5") + "e%d" % (e if exact else e - 1)
        want = "%016x" % bits_of(float(text))
        cases.append(("from-decimal", "d %d %d %d %d" % (neg, m, e, int(exact)), want))
    return cases


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: peer_fpconv.py TOOL")
    tool = sys.argv[1]
    seed = int(os.environ.get("AVILA_PEER_SEED") or secrets.randbits(32))
    scale = float(os.environ.get("AVILA_PEER_SCALE") or 1)
    print(f"# seed {seed} (AVILA_PEER_SEED={seed} repeats this run), scale {scale}")

    t0 = time.time()
    cases = build(Gen(seed, scale))
    t1 = time.time()
    lines = [c[1] for c in cases]
    proc = subprocess.run([tool], input="\n".join(lines) + "\n", capture_output=True, text=True)
    t2 = time.time()
    got = proc.stdout.split("\n")
    print(f"# {len(cases)} cases: generated in {t1 - t0:.1f} s, tool {t2 - t1:.1f} s")
    if proc.returncode != 0 or len(got) < len(lines):
        print(f"# tool exit status {proc.returncode}, {len(got)} of {len(lines)} answers")
        for line in proc.stderr.splitlines()[:20]:
            print(f"#   {line}")

    families, total, bad, undecided = [], {}, {}, 0
    for pos, (fam, cmd, want) in enumerate(cases):
        if fam not in families:
            families.append(fam)
        answer = got[pos] if pos < len(got) else "<no answer>"
        total[fam] = total.get(fam, 0) + 1
        if fam == "from-decimal" and answer == "undecided":
            undecided += 1
            continue
        if answer != want:
            bad.setdefault(fam, []).append((cmd, answer, want))
    n = failed = 0
    for fam in families:
        n += 1
        note = f" ({undecided} undecided)" if fam == "from-decimal" else ""
        if fam not in bad:
            print(f"ok {n} - {fam}: {total[fam]} random cases agree{note}")
            continue
        failed += 1
        print(f"not ok {n} - {fam}: {len(bad[fam])} of {total[fam]} disagree")
        for cmd, answer, want in bad[fam][:3]:
            print(f"#   command: {cmd[:300]}{'...' if len(cmd) > 300 else ''}")
            print(f"#   ours:    {answer[:200]}")
            print(f"#   python:  {want[:200]}")
    if failed:
        print(f"# reproduce with AVILA_PEER_SEED={seed}")
    print(f"1..{n}")
    return 1 if failed or proc.returncode != 0 else 0


if __name__ == "__main__":
    sys.exit(main())
