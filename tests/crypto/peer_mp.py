#!/usr/bin/env python3
"""tests/crypto/peer_mp.py - random differential test of crypto/mp.h against
Python's own integers (no packages).

Usage: peer_mp.py TOOL
  TOOL is the path of tests/crypto/tool_mp (read its header for the line
  protocol).

Random cases for every operation, at sizes of 1 to 64 limbs, biased to the
edges (0, 1, m - 1, all-ones limbs, powers of two and their neighbours,
moduli 2^k +- small, a top limb of 1, one-limb moduli), are drawn from a
seeded generator, their results computed with Python integers (pow with
negative exponents for inverses), and all of them fed to the tool through
one pipe, three times: with the dispatcher free to pick the mulx/adx and
AVX-512 IFMA paths ("native"), the exponentiations again with IFMA off
("-avx512ifma"), and restricted to the portable code ("portable"). Cases under
one modulus are kept together so the tool sets its Montgomery context up
once for them. Rejects are checked too: even and zero moduli, numbers that
do not fit their limbs, non-invertible elements.

Environment:
  AVILA_PEER_SEED   the generator's seed (decimal); a random one otherwise.
                    It is printed either way: set it to repeat a run.
  AVILA_PEER_SCALE  multiplies every case count (default 1; 0.1 for a smoke run).

Prints TAP: one line per operation family and CPU mode, with the counts.
"""

import os
import random
import secrets
import subprocess
import sys
import time

EINVAL = "ERR AVILA_EINVAL"
ERANGE = "ERR AVILA_ERANGE"

# Limb counts worth hitting every time, then any other.
SIZES = [1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 24, 31, 32, 33, 48, 63, 64]
SMALL_PRIMES = [p for p in range(3, 2000) if all(p % q for q in range(2, int(p**0.5) + 1))]


def hx(v):
    return format(v, "x")


class Gen:
    def __init__(self, seed, scale):
        self.r = random.Random(seed)
        self.scale = scale

    def count(self, n):
        return max(1, int(n * self.scale))

    def size(self, top=64):
        r = self.r
        if r.random() < 0.6:
            s = r.choice(SIZES)
            return s if s <= top else r.randint(1, top)
        return r.randint(1, top)

    def value(self, n, m=None):
        """An n-limb value (below m when m is given), biased to edge values."""
        r = self.r
        bits = 64 * n
        top = m if m is not None else 1 << bits
        k = r.randrange(12)
        if k == 0:
            v = 0
        elif k == 1:
            v = 1
        elif k == 2:
            v = top - 1
        elif k == 3:
            v = top - 1 - r.randrange(4)
        elif k == 4:  # all-ones or all-zero limbs mixed
            v = sum((0xFFFFFFFFFFFFFFFF if r.random() < 0.5 else 0) << (64 * i) for i in range(n))
        elif k == 5:  # a power of two, give or take a little
            v = (1 << r.randrange(bits)) + r.randint(-2, 2)
        elif k == 6:  # a random length
            v = r.getrandbits(r.randint(1, bits))
        elif k == 7 and m is not None:
            v = m // 2 + r.randint(-1, 1)
        else:
            v = r.getrandbits(bits)
        return max(0, v) % top

    def modulus(self, n):
        """An odd modulus of n limbs (its top limb may be small, even 0)."""
        r = self.r
        bits = 64 * n
        k = r.randrange(10)
        if k == 0:
            m = (1 << bits) - 1
        elif k == 1:
            m = (1 << bits) - r.randrange(1, 1000)
        elif k == 2:
            m = (1 << (bits - 1)) + r.randrange(0, 1000)
        elif k == 3:
            m = (1 << (bits - 64)) + r.getrandbits(bits - 64) if n > 1 else r.getrandbits(64)
        elif k == 4:
            m = r.choice([1, 3, 5, 7, 0xFFFFFFFFFFFFFFC5]) if r.random() < 0.3 else r.getrandbits(
                r.randint(1, bits))
        else:
            m = r.getrandbits(bits) | (1 << (bits - 1))
        return (m | 1) % (1 << bits) or 1


def is_probable_prime(n, r):
    if n < 2:
        return False
    for p in SMALL_PRIMES[:60]:
        if n % p == 0:
            return n == p
    d, s = n - 1, 0
    while d % 2 == 0:
        d //= 2
        s += 1
    for _ in range(24):
        a = r.randrange(2, n - 1)
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


def random_prime(g, n):
    r = g.r
    bits = 64 * n if r.random() < 0.7 else r.randint(2, 64 * n)
    while True:
        c = r.getrandbits(bits) | 1 | (1 << (bits - 1))
        if bits == 2:
            c = 3
        if is_probable_prime(c, r):
            return c


def build(g):
    """Returns a list of (family, command, expected answer)."""
    r = g.r
    cases = []
    add = cases.append

    # Plain limb arithmetic: cheap, many.
    for _ in range(g.count(15000)):
        n = g.size()
        R = 1 << (64 * n)
        a, b = g.value(n), g.value(n)
        add(("add", f"add {n} {hx(a)} {hx(b)}", f"{hx((a + b) % R)} {hx((a + b) >> (64 * n))}"))
        add(("sub", f"sub {n} {hx(a)} {hx(b)}", f"{hx((a - b) % R)} {1 if a < b else 0}"))
        if r.random() < 0.3:
            b = a
        c = (a > b) - (a < b)
        add(("cmp", f"cmp {n} {hx(a)} {hx(b)}", f"{c} {int(a < b)} {int(a == b)} {int(a == 0)}"))
        add(("bitlen", f"bitlen {n} {hx(a)}", str(a.bit_length())))
        s = r.choice([0, 1, 63, 64, 65, 64 * n - 1, 64 * n, 64 * n + 5, r.randrange(64 * n)])
        add(("shl", f"shl {n} {hx(a)} {s}", hx((a << s) % R)))
        add(("shr", f"shr {n} {hx(a)} {s}", hx(a >> s)))
    for _ in range(g.count(8000)):
        n, k = g.size(), g.size()
        a, b = g.value(n), g.value(k)
        add(("mul", f"mul {n} {k} {hx(a)} {hx(b)}", hx(a * b)))
    for _ in range(g.count(10000)):
        n = g.size()
        a = g.value(n)
        d = r.choice([1, 2, 3, 7, 65537, 0xFFFFFFFFFFFFFFFF, 1 << 63, (1 << 63) + 1,
                      r.choice(SMALL_PRIMES), r.getrandbits(r.randint(1, 64)) or 1])
        add(("modword", f"modword {n} {hx(a)} {hx(d)}", hx(a % d)))
    for _ in range(g.count(8000)):
        n = g.size()
        R = 1 << (64 * n)
        ln = r.randint(0, 8 * n + 9)
        raw = bytes(r.getrandbits(8) if r.random() < 0.8 else 0 for _ in range(ln))
        v = int.from_bytes(raw, "big")
        add(("frombytes", f"frombytes {n} {raw.hex() or '-'}", hx(v) if v < R else ERANGE))
        a = g.value(n)
        ln = r.choice([0, (a.bit_length() + 7) // 8, (a.bit_length() + 7) // 8 - 1, 8 * n,
                       8 * n + r.randint(1, 9), r.randint(0, 8 * n)])
        ln = max(ln, 0)
        want = a.to_bytes(ln, "big").hex() or "-" if a < 1 << (8 * ln) else ERANGE
        add(("tobytes", f"tobytes {n} {ln} {hx(a)}", want))

    # Montgomery arithmetic: a modulus, then a run of cases under it.
    for _ in range(g.count(2500)):
        n = g.size()
        R = 1 << (64 * n)
        m = g.modulus(n)
        ri = pow(R, -1, m)
        M = hx(m)
        for _ in range(r.randint(4, 12)):
            a, b = g.value(n, m), g.value(n, m)
            if r.random() < 0.2:
                b = g.value(n)  # any n-limb value: a b < R m still holds
            add(("montmul", f"montmul {n} {M} {hx(a)} {hx(b)}", hx(a * b * ri % m)))
            add(("montsqr", f"montsqr {n} {M} {hx(a)}", hx(a * a * ri % m)))
            w = g.value(n)
            add(("tomont", f"tomont {n} {M} {hx(w)}", hx(w * R % m)))
            add(("frommont", f"frommont {n} {M} {hx(w)}", hx(w * ri % m)))
            w = g.value(2 * n) if r.random() < 0.8 else g.value(n)
            add(("reduce", f"reduce {n} {M} {hx(w)}", hx(w % m)))
            add(("modadd", f"modadd {n} {M} {hx(a)} {hx(b % m)}", hx((a + b) % m)))
            add(("modsub", f"modsub {n} {M} {hx(a)} {hx(b % m)}", hx((a - b) % m)))
    # Rejected moduli.
    for _ in range(g.count(300)):
        n = g.size()
        m = g.value(n) & ~1
        add(("reject", f"montmul {n} {hx(m)} 1 1", EINVAL))
        add(("reject", f"modexp {n} 1 {hx(m)} 1 1", EINVAL))
    for _ in range(g.count(300)):
        n = g.size(63)
        add(("reject", f"add {n} {hx(1 << (64 * n))} 0", ERANGE))

    # Exponentiation: the cost grows as n^3 on both sides, so fewer big ones.
    def exp_cases(count, top, sizes=None):
        for _ in range(g.count(count)):
            n = r.choice(sizes) if sizes else g.size(top)
            m = g.modulus(n)
            el = r.choice([1, 2, n, n, r.randint(1, n)])
            for _ in range(r.randint(1, 3)):
                b = g.value(n)
                x = g.value(el)
                want = hx(pow(b, x, m))
                add(("modexp", f"modexp {n} {el} {hx(m)} {hx(b)} {hx(x)}", want))
                add(("modexpv", f"modexpv {n} {el} {hx(m)} {hx(b)} {hx(x)}", want))
    exp_cases(2500, 8)
    exp_cases(300, 24)
    exp_cases(40, 64)
    # The sizes of the AVX-512 IFMA path (RSA-2048/3072/4096 primes).
    exp_cases(150, 32, sizes=[16, 24, 32])

    # Inverses.
    def inv_cases(count, top):
        for _ in range(g.count(count)):
            n = g.size(top)
            m = g.modulus(n)
            for _ in range(r.randint(1, 4)):
                a = g.value(n)
                if r.random() < 0.2 and m > 3:  # a shared factor
                    f = next((p for p in SMALL_PRIMES if m % p == 0), None)
                    if f:
                        a = f * r.randrange(1, max(2, ((1 << (64 * n)) - 1) // f))
                try:
                    want = hx(pow(a, -1, m))
                except ValueError:
                    want = EINVAL
                add(("modinv", f"modinv {n} {hx(m)} {hx(a)}", want))
    inv_cases(3000, 8)
    inv_cases(150, 32)
    inv_cases(15, 64)
    for _ in range(g.count(300)):
        n = g.size(8)
        p = random_prime(g, n)
        for _ in range(r.randint(1, 3)):
            a = g.value(n)
            want = EINVAL if a % p == 0 else hx(pow(a, p - 2, p))
            add(("modinvp", f"modinvp {n} {hx(p)} {hx(a)}", want))
    for _ in range(g.count(3000)):
        n = g.size(32)
        lam = max(2, g.value(n) & ~(1 if r.random() < 0.8 else 0))
        e = r.choice([3, 5, 17, 65537, 65537, r.getrandbits(r.randint(2, 64)) | 1])
        e = max(e, 3)
        try:
            want = hx(pow(e, -1, lam))
        except ValueError:
            want = EINVAL
        add(("rsad", f"rsad {n} {hx(lam)} {hx(e)}", want))
    return cases


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: peer_mp.py TOOL")
    tool = sys.argv[1]
    seed = int(os.environ.get("AVILA_PEER_SEED") or secrets.randbits(32))
    scale = float(os.environ.get("AVILA_PEER_SCALE") or 1)
    print(f"# seed {seed} (AVILA_PEER_SEED={seed} repeats this run), scale {scale}")

    t0 = time.time()
    cases = build(Gen(seed, scale))
    t1 = time.time()
    # The third mode runs the exponentiations on the mulx/adx path where
    # "native" would take the IFMA one.
    modes = (("native", None), ("-avx512ifma", ("modexp",)), ("portable", None))
    mode_cases = [[c for c in cases if not only or c[0] in only] for _, only in modes]
    lines = []
    for (mode, _), mc in zip(modes, mode_cases):
        lines += [f"cpu {mode}", "impl 16"]
        lines += [c[1] for c in mc]
    proc = subprocess.run([tool], input="\n".join(lines) + "\n", capture_output=True, text=True)
    t2 = time.time()
    got = proc.stdout.split("\n")
    print(f"# {len(cases)} cases, {len(lines) - 2 * len(modes)} runs in {len(modes)} CPU modes: generated in {t1 - t0:.1f} s, "
          f"tool {t2 - t1:.1f} s")
    if proc.returncode != 0 or len(got) < len(lines):
        print(f"# tool exit status {proc.returncode}, {len(got)} of {len(lines)} answers")
        for line in proc.stderr.splitlines()[:20]:
            print(f"#   {line}")

    families = []
    for fam, _, _ in cases:
        if fam not in families:
            families.append(fam)
    n, failed, pos = 0, 0, 0
    for (mode, _), mc in zip(modes, mode_cases):
        print(f"# {mode}: 16-limb montmul path {got[pos + 1] if pos + 1 < len(got) else '?'}")
        pos += 2
        total, bad = {}, {}
        for fam, cmd, want in mc:
            answer = got[pos] if pos < len(got) else "<no answer>"
            pos += 1
            total[fam] = total.get(fam, 0) + 1
            if answer != want:
                bad.setdefault(fam, []).append((cmd, answer, want))
        for fam in families:
            if fam not in total:
                continue
            n += 1
            if fam not in bad:
                print(f"ok {n} - {fam} [{mode}]: {total[fam]} random cases agree")
                continue
            failed += 1
            print(f"not ok {n} - {fam} [{mode}]: {len(bad[fam])} of {total[fam]} disagree")
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
