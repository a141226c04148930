#!/usr/bin/env python3
"""tests/data/peer_json.py - random differential test of data/json.h against
Python's json module (no packages).

Usage: peer_json.py TOOL
  TOOL is the path of tests/data/tool_json (its header has the protocol).

Random documents of every value kind (integers at the 64-bit edges and
beyond, doubles from random bits, digit strings, subnormals and overflows,
strings with every escape, surrogate pairs, lone surrogates and non-ASCII
text, nested and wide containers, duplicate keys, varied whitespace) are
written by a serializer here, half of them then mutated at random (bytes
flipped, inserted, deleted, truncated, tokens spliced). Each is parsed by
the tool under random options and by json.loads, and the two must agree on
accept/reject and, when both accept, on the canonical form (tool_json.c).

Python is lenient where RFC 8259 and our defaults are strict; the expected
answer is derived from Python's result modulo these documented differences:
  - NaN, Infinity, -Infinity: Python accepts them (parse_constant), we
    reject: such documents must be rejected.
  - Lone surrogates in \\u escapes: Python keeps them in the str; we reject
    (default) or, with the r flag, decode them as U+FFFD.
  - Duplicate keys: Python keeps the last value silently; we reject by
    default, and keep the first or last with the f / l flags.
  - Integers: Python's are unbounded; we give INT/UINT within 64 bits and
    keep others as text (BIGNUM), or doubles with the d flag. Literals
    longer than max_number_len (1024) are rejected (AVILA_ELIMIT).
  - Numbers that overflow to infinity: Python gives inf; we keep the text
    (BIGNUM), or reject with the d flag (AVILA_ERANGE).
  - Input bytes: Python parses str; the document is first decoded as strict
    UTF-8 (which, like core/utf8, rejects surrogates and overlongs). A BOM
    is rejected by both unless the b flag asks us to skip it.
  - Depth: Python's recursion limit is about 1000; documents deeper than 500
    are judged by their depth alone (rejected exactly when above MAXDEPTH).
  - Comments and trailing commas (c / t flags) do not exist in Python: the
    generator inserts them only into our copy and hands Python the clean one.

Environment:
  AVILA_PEER_SEED   the generator's seed (decimal); random otherwise.
                    It is printed either way: set it to repeat a run.
  AVILA_PEER_SCALE  multiplies the document count (default 1).

Prints TAP.
"""

import json
import math
import os
import random
import secrets
import struct
import subprocess
import sys

MAX_NUMBER_LEN = 1024
sys.setrecursionlimit(20000)


class Reject(Exception):
    pass


def bits_hex(x):
    return format(struct.unpack("<Q", struct.pack("<d", x))[0], "016x")


# ---------------------------------------------------------------- generator


class Gen:
    def __init__(self, r):
        self.r = r

    def number_text(self):
        r = self.r
        k = r.randrange(14)
        if k == 0:
            return str(r.choice([0, 1, -1, 2**63 - 1, -(2**63), 2**63, 2**64 - 1, 2**64, -(2**63) - 1]))
        if k == 1:
            return str(r.randint(-(2**70), 2**70))
        if k == 2:
            return str(r.randint(-1000, 1000))
        if k == 3:  # random double, shortest repr
            x = struct.unpack("<d", struct.pack("<Q", r.getrandbits(64)))[0]
            if math.isnan(x) or math.isinf(x):
                x = 1.5
            return repr(x).replace("inf", "1e999")
        if k == 4:  # random digits with fraction and exponent
            s = "-" if r.random() < 0.3 else ""
            s += r.choice(["0", str(r.randint(1, 9)) + "".join(r.choice("0123456789") for _ in range(r.randrange(25)))])
            if r.random() < 0.7:
                s += "." + "".join(r.choice("0123456789") for _ in range(r.randint(1, 30)))
            if r.random() < 0.6:
                s += r.choice("eE") + r.choice(["", "+", "-"]) + str(r.randint(0, 400))
            return s
        if k == 5:
            return r.choice(["1e308", "1.7976931348623157e308", "1.7976931348623158e308", "1e309", "-1e400",
                             "4.9e-324", "2.4703282292062327e-324", "2.4703282292062328e-324", "1e-400",
                             "2.2250738585072011e-308", "2.2250738585072014e-308", "0.0", "-0.0", "-0",
                             "9007199254740993", "9007199254740993.0", "1e23", "8.98846567431158e307",
                             "123456789012345678901234567890e-10", "0.1e1", "0e0", "0E-0", "1E+2"])
        if k == 6:  # long literals around the length limit
            n = r.choice([1000, 1023, 1024, 1025, 1100])
            return "1" + "0" * (n - 1)
        if k == 7:
            return "0." + "0" * r.randrange(400) + str(r.randint(1, 99)) + ("e" + str(r.randint(-50, 400)) if r.random() < 0.5 else "")
        if k == 8:
            return str(r.randint(10**18, 10**20)) + ("." + str(r.randint(0, 999)) if r.random() < 0.5 else "")
        return repr(r.uniform(-1e6, 1e6))

    def string_text(self):
        """Returns the JSON text of a string literal (with quotes)."""
        r = self.r
        out = ['"']
        for _ in range(r.choice([0, 1, 3, 8, 20, 70])):
            k = r.randrange(20)
            if k < 8:
                out.append(r.choice("abcxyzABC019 _-.:/{}[],"))
            elif k == 8:
                out.append(r.choice(['\\"', "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t"]))
            elif k == 9:
                out.append("\\u%04x" % r.choice([0, 0x1F, 0x20, 0x7F, 0x80, 0x7FF, 0x800, 0xFFFF, 0xFFFD, 0xE9, r.randrange(0x10000)])
                           if r.random() < 0.9 else "\\u%04X" % r.randrange(0x10000))
            elif k == 10:  # surrogate pair, escaped
                cp = r.randint(0x10000, 0x10FFFF) - 0x10000
                out.append("\\u%04x\\u%04x" % (0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF)))
            elif k == 11 and r.random() < 0.3:  # lone surrogate
                out.append("\\u%04x" % r.choice([0xD800, 0xDBFF, 0xDC00, 0xDFFF, r.randint(0xD800, 0xDFFF)]))
            elif k == 12:
                out.append(chr(r.choice([0xE9, 0x3B1, 0x4E2D, 0x1F600, 0x10FFFF, 0x80, 0x7FF, 0x800, 0xFFFF, 0x10000])))
            elif k == 13:
                out.append(chr(r.randint(0x80, 0xD7FF)))
            else:
                out.append(chr(r.randint(0x20, 0x7E)).replace("\\", "\\\\").replace('"', '\\"'))
        out.append('"')
        return "".join(out)

    def ws(self):
        r = self.r
        if r.random() < 0.6:
            return ""
        return "".join(r.choice(" \t\n\r") for _ in range(r.randint(1, 4)))

    def value(self, depth, extras, budget):
        """Returns (our_text, python_text); extras ("c", "t") inserts comments / trailing commas in ours."""
        r = self.r
        budget[0] -= 1
        k = r.randrange(10)
        if depth > 12 or budget[0] <= 0:
            k = r.randrange(6)
        if k == 0:
            t = r.choice(["null", "true", "false"])
            return t, t
        if k in (1, 2):
            t = self.number_text()
            return t, t
        if k in (3, 4, 5):
            t = self.string_text()
            return t, t
        if k in (6, 7):
            n = r.choice([0, 1, 2, 3, 5, 10, 40])
            ours, py = [], []
            for _ in range(n):
                a, b = self.value(depth + 1, extras, budget)
                ours.append(self.ws() + a + self.ws())
                py.append(b)
            o = "[" + ",".join(ours)
            if "t" in extras and n and r.random() < 0.3:
                o += ","
            return o + self.ws() + "]", "[" + ",".join(py) + "]"
        n = r.choice([0, 1, 2, 3, 5, 10, 30])
        keys = []
        for _ in range(n):
            if keys and r.random() < 0.08:
                keys.append(r.choice(keys))  # duplicate
            else:
                keys.append(self.string_text() if r.random() < 0.5 else '"k%d"' % r.randrange(50))
        ours, py = [], []
        for key in keys:
            a, b = self.value(depth + 1, extras, budget)
            c = self.comment() if "c" in extras and r.random() < 0.2 else ""
            ours.append(self.ws() + key + c + self.ws() + ":" + self.ws() + a + self.ws())
            py.append(key + ":" + b)
        o = "{" + ",".join(ours)
        if "t" in extras and n and r.random() < 0.3:
            o += ","
        return o + self.ws() + "}", "{" + ",".join(py) + "}"

    def comment(self):
        r = self.r
        if r.random() < 0.5:
            return "// note \u00e9 " + r.choice(["", "*/", "/*"]) + "\n"
        return "/* c " + r.choice(["", "//", "*", "\u4e2d"]) + " */"

    def document(self, extras):
        budget = [self.r.choice([5, 30, 200, 1000])]
        a, b = self.value(0, extras, budget)
        if "c" in extras and self.r.random() < 0.5:
            a = self.comment() + a + self.comment()
        return (self.ws() + a + self.ws()).encode(), b.encode()

    def deep(self):
        r = self.r
        d = r.choice([1, 2, 10, 100, 511, 512, 513, 1023, 1024, 1025, 3000])
        kinds = [r.choice("[{") for _ in range(d)]
        s = "".join("[" if k == "[" else '{"a":' for k in kinds) + "0"
        s += "".join("]" if k == "[" else "}" for k in reversed(kinds))
        c = "".join("[" if k == "[" else "{S61:" for k in kinds) + "I0"
        c += "".join("]" if k == "[" else "}" for k in reversed(kinds))
        return s.encode(), d, c

    def mutate(self, b):
        r = self.r
        b = bytearray(b)
        for _ in range(r.randint(1, 3)):
            k = r.randrange(7)
            i = r.randrange(len(b) + 1)
            if k == 0 and b:
                b[min(i, len(b) - 1)] = r.randrange(256)
            elif k == 1:
                b[i:i] = bytes([r.randrange(256)])
            elif k == 2 and b:
                del b[i:i + r.randint(1, 4)]
            elif k == 3:
                b = b[:i]
            elif k == 4:
                tok = r.choice([b",", b":", b"[", b"]", b"{", b"}", b'"', b"\\", b"\\u", b"\\ud800", b"-", b"0", b"01",
                                b".", b"e", b"NaN", b"Infinity", b"-Infinity", b"tru", b"nul", b"\x00", b"\x1f", b"\x7f",
                                b"\xc0\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe0\x80", b"\x80", b"\xef\xbb\xbf",
                                b"\xf0\x9f\x98", b"/*", b"//", b" ", b"\t", b"\x0b", b"\x0c", b"\xa0"])
                b[i:i] = tok
            elif k == 5 and len(b) > 2:
                j = r.randrange(len(b))
                b[i:i] = b[j:j + r.randint(1, 8)]
            else:
                b = bytearray(b"\xef\xbb\xbf") + b if r.random() < 0.3 else b
        return bytes(b)


# ---------------------------------------------------------------- expected answers


def has_lone_surrogate(s):
    return any(0xD800 <= ord(c) <= 0xDFFF for c in s)


def fix_str(s, flags):
    if has_lone_surrogate(s):
        if "r" not in flags:
            raise Reject("lone surrogate")
        s = "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in s)
    return s.encode("utf-8")


class Big:
    def __init__(self, text):
        self.text = text


class Num:
    def __init__(self, canon):
        self.canon = canon


def expected(body, flags, max_depth):
    """Returns our expected canonical form (a string) or raises Reject."""
    try:
        s = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Reject("utf-8")
    if "b" in flags and s.startswith("\ufeff"):
        s = s[1:]

    def parse_int(t):
        if len(t) > MAX_NUMBER_LEN:
            raise Reject("number length")
        v = int(t)
        if -(2**63) <= v < 2**64:
            return Num("I%d" % v)
        if "d" in flags:
            x = float(t)
            if math.isinf(x):
                raise Reject("range")
            return Num("D" + bits_hex(x))
        return Num("B" + t)

    def parse_float(t):
        if len(t) > MAX_NUMBER_LEN:
            raise Reject("number length")
        x = float(t)
        if math.isinf(x):
            if "d" in flags:
                raise Reject("range")
            return Num("B" + t)
        return Num("D" + bits_hex(x))

    def parse_constant(t):
        raise Reject("constant")

    def pairs(ps):
        out = {}
        for k, v in ps:
            kb = fix_str(k, flags)
            if kb in out:
                # The dropped member was parsed too: its lone surrogates count.
                check_strings(out[kb] if "l" in flags else v, flags)
                if "f" in flags:
                    continue
                if "l" not in flags:
                    raise Reject("duplicate")
            out[kb] = v
        return ("obj", out)

    try:
        v = json.loads(s, parse_int=parse_int, parse_float=parse_float, parse_constant=parse_constant,
                       object_pairs_hook=pairs)
    except (ValueError, RecursionError):
        raise Reject("python")
    if depth_of(v) > max_depth:
        raise Reject("depth")
    return canon(v, flags)


def check_strings(v, flags):
    stack = [v]
    while stack:
        x = stack.pop()
        if isinstance(x, str):
            fix_str(x, flags)
        elif isinstance(x, list):
            stack.extend(x)
        elif isinstance(x, tuple):
            stack.extend(x[1].values())


def depth_of(v):
    best, stack = 0, [(v, 0)]
    while stack:
        x, d = stack.pop()
        if isinstance(x, list):
            best = max(best, d + 1)
            stack.extend((y, d + 1) for y in x)
        elif isinstance(x, tuple):
            best = max(best, d + 1)
            stack.extend((y, d + 1) for y in x[1].values())
    return best


def canon(v, flags):
    if v is None:
        return "n"
    if v is True:
        return "t"
    if v is False:
        return "f"
    if isinstance(v, Num):
        return v.canon
    if isinstance(v, str):
        return "S" + fix_str(v, flags).hex()
    if isinstance(v, list):
        return "[" + ",".join(canon(x, flags) for x in v) + "]"
    items = sorted(v[1].items())
    return "{" + ",".join("S" + k.hex() + ":" + canon(x, flags) for k, x in items) + "}"


# ---------------------------------------------------------------- pointers


def pointer_cases(r, v, flags):
    """(pointer bytes, expected canonical or None for not found) for paths into v."""
    cases = []
    for _ in range(3):
        path, x = [], v
        while r.random() < 0.8:
            if isinstance(x, list) and x:
                i = r.randrange(len(x))
                path.append(str(i))
                x = x[i]
            elif isinstance(x, tuple) and x[1]:
                k = r.choice(sorted(x[1]))
                path.append(k.decode("utf-8").replace("~", "~0").replace("/", "~1"))
                x = x[1][k]
            else:
                break
        ptr = "".join("/" + t for t in path)
        cases.append((ptr.encode(), canon(x, flags)))
        if isinstance(x, list):
            cases.append(((ptr + "/-").encode(), None))
            cases.append(((ptr + "/%d" % len(x)).encode(), None))
            if x:
                cases.append(((ptr + "/00").encode(), None))
        elif isinstance(x, tuple):
            cases.append(((ptr + "/no~1such").encode(), None))
    return cases


# ---------------------------------------------------------------- driver


def run_tool(tool, requests, cpu):
    data = [("cpu %s\n" % cpu).encode()]
    for kind, body, flags, depth, ptr in requests:
        if kind == "parse":
            data.append(b"parse %d %s %d\n" % (len(body), flags.encode() or b"-", depth) + body)
        else:
            data.append(b"pointer %d %s %d %d\n" % (len(body), flags.encode() or b"-", depth, len(ptr)) + body + ptr)
    p = subprocess.run([tool], input=b"".join(data), stdout=subprocess.PIPE, check=False)
    lines = p.stdout.decode().split("\n")
    if p.returncode != 0 or lines[0] != "OK":
        print("# tool exited %d" % p.returncode)
    return lines[1:1 + len(requests)]


def main():
    tool = sys.argv[1]
    seed = int(os.environ.get("AVILA_PEER_SEED") or secrets.randbits(48))
    scale = float(os.environ.get("AVILA_PEER_SCALE", "1"))
    print("# seed %d (AVILA_PEER_SEED=%d repeats this run)" % (seed, seed))
    r = random.Random(seed)
    g = Gen(r)
    requests, expect, kinds = [], [], []
    count = max(10, int(3000 * scale))
    for i in range(count):
        flags = "".join(f for f in "ctbflrd" if r.random() < 0.15)
        if "f" in flags and "l" in flags:
            flags = flags.replace("f", "")
        depth = 0
        mode = r.randrange(10)
        if mode == 0:
            body, d, c = g.deep()
            depth = r.choice([0, d, d - 1, d + 1, 2000])
            limit = depth or 1024
            exp = "OK " + c if d <= limit else "ERR AVILA_ELIMIT"
            requests.append(("parse", body, flags, depth, None))
            expect.append(exp)
            kinds.append("deep")
            continue
        extras = "".join(f for f in "ct" if f in flags) if mode < 4 else ""
        body, py = g.document(extras)
        if mode >= 5:
            body = g.mutate(body)
            py = body
            # Python knows no comments or trailing commas, and a mutation may
            # insert them: mutated documents are parsed strictly on both sides.
            flags = flags.replace("c", "").replace("t", "")
            kinds.append("mutated")
        else:
            kinds.append("generated")
            if not extras:
                py = body
        try:
            e = "OK " + expected(py, flags, 1024)
        except Reject:
            e = "ERR"
        requests.append(("parse", body, flags, depth, None))
        expect.append(e)
        if kinds[-1] == "generated" and e != "ERR" and r.random() < 0.3:
            v = None
            try:
                s = py.decode("utf-8")
                if "b" in flags and s.startswith("\ufeff"):
                    s = s[1:]
                v = json.loads(s, parse_int=lambda t: _num(t, flags), parse_float=lambda t: _flt(t, flags),
                               object_pairs_hook=lambda ps: _pairs(ps, flags))
            except (Reject, ValueError):
                v = None
            if v is not None:
                for ptr, pe in pointer_cases(r, v, flags):
                    requests.append(("pointer", body, flags, depth, ptr))
                    expect.append(("OK " + pe) if pe is not None else "ERR AVILA_ENOTFOUND")
                    kinds.append("pointer")

    n = 0
    failed_any = False
    for cpu in ["native", "portable", "-avx512bw"]:
        got = run_tool(tool, requests, cpu)
        bad = {}
        totals = {}
        accepted = {}
        for req, e, k, gline in zip(requests, expect, kinds, got + [""] * (len(requests) - len(got))):
            totals[k] = totals.get(k, 0) + 1
            accepted[k] = accepted.get(k, 0) + gline.startswith("OK")
            if e is None:
                continue
            ok = gline.startswith(e) if e.startswith("ERR") else gline == e
            if not ok:
                bad.setdefault(k, []).append((req, e, gline))
        for k in sorted(totals):
            n += 1
            if k in bad:
                failed_any = True
                print("not ok %d - %s documents, cpu %s: %d of %d disagree" % (n, k, cpu, len(bad[k]), totals[k]))
                for req, e, gline in bad[k][:5]:
                    print("#   flags %r depth %d body %r ptr %r" % (req[2], req[3], req[1][:300], req[4]))
                    print("#     expected %s" % e[:300])
                    print("#     got      %s" % gline[:300])
            else:
                print("ok %d - %s documents, cpu %s: %d agree (%d accepted)" % (n, k, cpu, totals[k], accepted[k]))
    print("1..%d" % n)
    return 1 if failed_any else 0


def _num(t, flags):
    v = int(t)
    if -(2**63) <= v < 2**64:
        return Num("I%d" % v)
    if "d" in flags:
        return Num("D" + bits_hex(float(t)))
    return Num("B" + t)


def _flt(t, flags):
    x = float(t)
    if math.isinf(x):
        return Num("B" + t)
    return Num("D" + bits_hex(x))


def _pairs(ps, flags):
    out = {}
    for k, v in ps:
        kb = fix_str(k, flags)
        if kb in out and "f" in flags:
            continue
        out[kb] = v
    return ("obj", out)


if __name__ == "__main__":
    sys.exit(main())
