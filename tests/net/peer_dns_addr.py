#!/usr/bin/env python3
"""tests/net/peer_dns_addr.py - random differential test of net/dns.h's
address text parser and formatter against Python's ipaddress module (no
packages).

Usage: peer_dns_addr.py TOOL
  TOOL is the path of tests/net/tool_dns_addr (one text per line in, one
  "4 TEXT" / "6 TEXT" / "bad" line out).

The oracle: ipaddress.ip_address(text) accepts or refuses; str() of the
result is the RFC 5952 text, except that IPv4-mapped addresses are written
"::ffff:a.b.c.d" (RFC 5952 section 5; Python before 3.13 writes them in
hex, so the peer builds that form from .ipv4_mapped). Texts with a zone
("%eth0"), which ipaddress accepts and net/dns refuses by design, are not
generated. Families:
  v4        random IPv4 addresses, dotted quad
  v6-forms  random zero-rich IPv6 addresses written every legal way: groups
            with leading zeros up to 4 digits, mixed case, "::" over any
            run of zero groups (not only the longest), an IPv4 tail
  mutants   the texts above with one to three random edits (delete,
            insert, replace, duplicate) over the address alphabet
  junk      short random strings over the address alphabet

Environment:
  AVILA_PEER_SEED   the generator's seed (decimal); a random one otherwise.
                    It is printed either way: set it to repeat a run.
  AVILA_PEER_SCALE  multiplies every case count (default 1).

Prints TAP: one line per family, with the counts.
"""

import ipaddress
import os
import random
import secrets
import subprocess
import sys

ALPHABET = "0123456789abcdefABCDEFx:.:.: g-+/"


def expected(text):
    if "%" in text:
        return "bad"
    try:
        a = ipaddress.ip_address(text)
    except ValueError:
        return "bad"
    if a.version == 6 and a.ipv4_mapped is not None:
        return "6 ::ffff:" + str(a.ipv4_mapped)
    return f"{a.version} {a}"


def rand_v6_groups(r):
    groups = []
    for _ in range(8):
        k = r.random()
        if k < 0.45:
            groups.append(0)
        elif k < 0.6:
            groups.append(r.randrange(16))
        else:
            groups.append(r.randrange(65536))
    if r.random() < 0.1:
        groups[:6] = [0] * 5 + [0xFFFF]
    return groups


def hex_group(r, g):
    s = format(g, "x")
    if r.random() < 0.3:
        s = s.rjust(r.randint(len(s), 4), "0")
    if r.random() < 0.3:
        s = "".join(c.upper() if r.random() < 0.5 else c for c in s)
    return s


def write_v6(r, groups):
    v4_tail = r.random() < 0.25
    parts = [hex_group(r, g) for g in groups]
    if v4_tail:
        b = [groups[6] >> 8, groups[6] & 255, groups[7] >> 8, groups[7] & 255]
        parts = parts[:6] + [".".join(str(x) for x in b)]
    n = len(parts)
    runs = []
    i = 0
    while i < n:
        if groups[i] == 0 and not (v4_tail and i == 6):
            j = i
            while j < n and groups[j] == 0 and not (v4_tail and j == 6):
                j += 1
            runs.append((i, j))
            i = j
        else:
            i += 1
    if runs and r.random() < 0.8:
        a, b = r.choice(runs)
        a = r.randint(a, b - 1)
        b = r.randint(a + 1, b)
        return ":".join(parts[:a]) + "::" + ":".join(parts[b:])
    return ":".join(parts)


def mutate(r, s):
    for _ in range(r.randint(1, 3)):
        op = r.randrange(4)
        pos = r.randrange(len(s) + 1)
        if op == 0 and s:
            s = s[:pos] + s[pos + 1:]
        elif op == 1:
            s = s[:pos] + r.choice(ALPHABET) + s[pos:]
        elif op == 2 and s:
            pos = min(pos, len(s) - 1)
            s = s[:pos] + r.choice(ALPHABET) + s[pos + 1:]
        else:
            a = r.randrange(len(s) + 1)
            s = s[:pos] + s[a:a + r.randint(1, 4)] + s[pos:]
    return s.replace("\n", "")


def build(r, scale):
    cases = []
    n = max(1, int(4000 * scale))
    v4 = [".".join(str(r.randrange(256)) for _ in range(4)) for _ in range(n)]
    v6 = [write_v6(r, rand_v6_groups(r)) for _ in range(n * 5)]
    cases += [("v4", t) for t in v4]
    cases += [("v6-forms", t) for t in v6]
    pool = v4 + v6
    cases += [("mutants", mutate(r, r.choice(pool))) for _ in range(n * 5)]
    cases += [("junk", "".join(r.choice(ALPHABET) for _ in range(r.randint(0, 12))))
              for _ in range(n * 2)]
    return [(fam, t, expected(t)) for fam, t in cases]


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: peer_dns_addr.py TOOL")
    seed = int(os.environ.get("AVILA_PEER_SEED") or secrets.randbits(32))
    scale = float(os.environ.get("AVILA_PEER_SCALE") or 1)
    print(f"# seed {seed} (AVILA_PEER_SEED={seed} repeats this run), scale {scale}")
    cases = build(random.Random(seed), scale)
    proc = subprocess.run([sys.argv[1]], input="".join(c[1] + "\n" for c in cases),
                          capture_output=True, text=True)
    got = proc.stdout.split("\n")
    if proc.returncode != 0 or len(got) < len(cases):
        print(f"# tool exit status {proc.returncode}, {len(got)} of {len(cases)} answers")
    families, total, bad, valid = [], {}, {}, {}
    for pos, (fam, text, want) in enumerate(cases):
        if fam not in families:
            families.append(fam)
        answer = got[pos] if pos < len(got) else "<no answer>"
        total[fam] = total.get(fam, 0) + 1
        valid[fam] = valid.get(fam, 0) + (want != "bad")
        if answer != want:
            bad.setdefault(fam, []).append((text, answer, want))
    failed = 0
    for n, fam in enumerate(families, 1):
        if fam not in bad:
            print(f"ok {n} - {fam}: {total[fam]} random cases agree ({valid[fam]} valid)")
            continue
        failed += 1
        print(f"not ok {n} - {fam}: {len(bad[fam])} of {total[fam]} disagree")
        for text, answer, want in bad[fam][:10]:
            print(f"#   {text!r}: got {answer!r}, want {want!r}")
    print(f"1..{len(families)}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
