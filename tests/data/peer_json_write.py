#!/usr/bin/env python3
"""tests/data/peer_json_write.py - random differential test of
data/json_write.h against Python's json module and a small RFC 8785 (JCS)
implementation written here (no packages).

Usage: peer_json_write.py TOOL
  TOOL is the path of tests/data/tool_json_write (read its header for the
  line protocol).

Families, each run with the dispatcher free to pick the AVX2 kernel
("native") and restricted to the portable code ("portable"):
  dumps      random documents (nested objects and arrays, strings from every
             UTF-8 length class with every escape, U+2028/9, U+FFFF,
             U+10FFFF, long strings past the kernels' blocks and the writer's
             4096-byte chunks, int64 and uint64 edges) written compact,
             pretty (indent 1..8) and ASCII-only, byte for byte against
             json.dumps(ensure_ascii=..., indent=..., separators=...).
  numbers    doubles (random bit patterns, powers of ten, the 1e-7 and 1e21
             switch points, subnormals, -0) and number text, against an
             ECMAScript Number::toString written here from ECMA-262
             (Python prints floats with repr, which differs) and copied text.
  jcs        canonical documents against a JCS written here from RFC 8785:
             keys sorted by UTF-16 code units (key.encode("utf-16-be")),
             numbers as doubles in ECMAScript form, no whitespace.
  keycmp     avila_json_jcs_key_cmp's sign on random and targeted key pairs
             against the UTF-16 order.
  rejects    invalid UTF-8 (random bytes, judged by Python's strict
             decoder), number text outside RFC 8259 section 6, non-finite
             doubles, depth limits: the error and the call that caused it.
  grammar    random call sequences, misuse included, against a model of the
             grammar written here: the first failing call and its error, or
             the output of the value the calls built.

Environment:
  AVILA_PEER_SEED   the generator's seed (decimal); a random one otherwise.
                    It is printed either way: set it to repeat a run.
  AVILA_PEER_SCALE  multiplies every case count (default 1; 0.1 for a smoke run).

Prints TAP: one line per family and CPU mode, with the counts.
"""

import json
import math
import os
import random
import secrets
import struct
import subprocess
import sys

EINVAL = "AVILA_EINVAL"
ELIMIT = "AVILA_ELIMIT"
ERANGE = "AVILA_ERANGE"

# Characters worth hitting every time: escapes, controls, DEL, the edges of
# each UTF-8 length, the line separators JSON allows raw, the noncharacter
# U+FFFF, the private use area that UTF-16 sorts after supplementary chars.
SPECIAL = (
    [chr(c) for c in range(0x20)]
    + ['"', "\\", "/", "\x7f", "\x80", "\xa0", "\xff", "\u07ff", "\u0800"]
    + ["\u2028", "\u2029", "\ud7ff", "\ue000", "\uf8ff", "\ufeff", "\ufffd", "\uffff"]
    + ["\U00010000", "\U0001f600", "\U0010ffff", "\U000e0001"]
)


def hexs(b):
    return b.hex() if b else "-"


def es_number(x):
    """ECMA-262 Number::toString(x) for a finite double, radix 10."""
    if x == 0:
        return "0"
    if x < 0:
        return "-" + es_number(-x)
    r = repr(x)  # shortest round-trip digits, like ECMAScript's
    mant, _, e = r.partition("e")
    exp = int(e) if e else 0
    ip, _, fp = mant.partition(".")
    all_digits = ip + fp
    lead = len(all_digits) - len(all_digits.lstrip("0"))
    digits = all_digits.lstrip("0").rstrip("0")
    k = len(digits)
    n = len(ip) + exp - lead  # value = 0.digits * 10^n
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return "0." + "0" * (-n) + digits
    e = n - 1
    sign = "+" if e >= 0 else "-"
    if k == 1:
        return digits + "e" + sign + str(abs(e))
    return digits[0] + "." + digits[1:] + "e" + sign + str(abs(e))


def writer_double(x):
    """A double as the writer writes it outside canonical mode: ECMAScript's
    form, but with an exponent from 2^53 up to 1e21 (so it reads back as the
    same double, not as an integer)."""
    if 2.0 ** 53 <= abs(x) < 1e21:
        mant, _, e = repr(x).partition("e")
        digits = mant.replace("-", "").replace(".", "").rstrip("0")
        exp = int(e) if e else len(mant.replace("-", "").split(".")[0]) - 1
        body = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return ("-" if x < 0 else "") + body + "e+" + str(exp)
    return es_number(x)


def jcs_int(v):
    """An integer as RFC 8785 writes it: the double it rounds to."""
    return str(v) if abs(v) <= 1 << 53 else es_number(float(v))


def utf16_key(s):
    return s.encode("utf-16-be")


class Number:
    """A number leaf: the calls that write it and the text expected."""

    def __init__(self, op, text):
        self.op = op
        self.text = text


class Gen:
    def __init__(self, seed, scale):
        self.r = random.Random(seed)
        self.scale = scale

    def count(self, n):
        return max(1, int(n * self.scale))

    def char(self):
        r = self.r
        k = r.randrange(10)
        if k < 4:
            c = chr(r.randrange(0x20, 0x7F))
            return "?" if c == "@" else c
        if k == 4:
            return r.choice(SPECIAL)
        if k == 5:
            return chr(r.randrange(0x80, 0x800))
        if k in (6, 7):
            c = r.randrange(0x800, 0x10000)
            return chr(c) if not 0xD800 <= c < 0xE000 else "x"
        return chr(r.randrange(0x10000, 0x110000))

    def string(self):
        r = self.r
        k = r.randrange(20)
        if k == 0:
            return ""
        if k == 1:  # past the chunk size of the writer's long path
            n = r.randrange(4000, 9000)
        elif k < 5:  # past a few vector blocks
            n = r.randrange(30, 300)
        else:
            n = r.randrange(1, 24)
        if r.random() < 0.3:  # mostly plain text with rare specials
            return "".join(self.char() if r.random() < 0.02 else "a" for _ in range(n))
        return "".join(self.char() for _ in range(n))

    def int_value(self):
        r = self.r
        k = r.randrange(8)
        if k == 0:
            return r.choice([0, 1, -1, 9, 10, 99, 100, -(1 << 63), (1 << 63) - 1, (1 << 64) - 1, 10 ** 19])
        if k == 1:
            p = 10 ** r.randrange(19)
            return r.choice([p, p - 1, -p, 1 - p])
        if k == 2:
            return r.choice([1 << 53, (1 << 53) + 1, -(1 << 53), -(1 << 53) - 1, (1 << 53) - 1])
        if k == 3:
            return r.randrange(1 << 63, 1 << 64)
        return r.randrange(-(1 << 63), 1 << 63) >> r.randrange(64)

    def double_value(self):
        r = self.r
        k = r.randrange(10)
        if k < 3:
            while True:
                x = struct.unpack("<d", r.getrandbits(64).to_bytes(8, "little"))[0]
                if math.isfinite(x):
                    return x
        if k == 3:
            return r.choice([0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308,
                             1.7976931348623157e308, 1e21, 1e-7, 9.999999999999999e20,
                             1e20, 1.5e-7, 0.000001, 123e-20, 0.1, 1 / 3, 2 ** 53, 2.0 ** 64])
        if k == 4:
            return float(10 ** r.randrange(-30, 30)) if r.random() < 0.5 else 10.0 ** r.randrange(-330, 309)
        if k == 5:
            return r.uniform(-1e6, 1e6)
        if k == 6:
            return float(r.randrange(-(1 << 60), 1 << 60))
        return r.random() * 10.0 ** r.randrange(-25, 25) * r.choice([1, -1])

    def number_text(self):
        r = self.r
        s = "-" if r.random() < 0.3 else ""
        s += "0" if r.random() < 0.2 else str(r.randrange(1, 10)) + "".join(
            r.choice("0123456789") for _ in range(r.randrange(0, 30)))
        if r.random() < 0.5:
            s += "." + "".join(r.choice("0123456789") for _ in range(r.randrange(1, 25)))
        if r.random() < 0.5:
            s += r.choice("eE") + r.choice(["", "+", "-"]) + str(r.randrange(0, 330))
        return s

    def value(self, depth, numbers, floats):
        r = self.r
        k = r.randrange(12 if depth < 6 else 8)
        if k == 0:
            return self.string()
        if k == 1:
            return self.int_value()
        if k == 2:
            if floats:
                x = self.double_value()
                numbers.append(Number("d %016x" % struct.unpack("<Q", struct.pack("<d", x))[0],
                                      writer_double(x)))
                return "@F%d@" % (len(numbers) - 1)
            return r.choice([True, False, None])
        if k == 3:
            if floats:
                t = self.number_text()
                numbers.append(Number("n " + t, t))
                return "@F%d@" % (len(numbers) - 1)
            return self.string()
        if k in (4, 5, 6, 7):
            return r.choice([True, False, None, self.string(), self.int_value()])
        if k in (8, 9):
            return [self.value(depth + 1, numbers, floats) for _ in range(r.randrange(0, 6))]
        obj = {}
        for _ in range(r.randrange(0, 6)):
            obj[self.string()[:30]] = self.value(depth + 1, numbers, floats)
        return obj


def calls_of(v, out, sort_keys=False):
    """The tool's call lines that write v."""
    if isinstance(v, dict):
        out.append("{")
        keys = sorted(v, key=utf16_key) if sort_keys else list(v)
        for k in keys:
            out.append("k " + hexs(k.encode()))
            calls_of(v[k], out, sort_keys)
        out.append("}")
    elif isinstance(v, list):
        out.append("[")
        for e in v:
            calls_of(e, out, sort_keys)
        out.append("]")
    elif v is True:
        out.append("t")
    elif v is False:
        out.append("f")
    elif v is None:
        out.append("z")
    elif isinstance(v, int):
        out.append(("i %d" if v < 1 << 63 else "u %d") % v)
    elif isinstance(v, str) and v.startswith("@F") and v.endswith("@") and v[2:-1].isdigit():
        out.append(NUMBERS[int(v[2:-1])].op)
    else:
        out.append("s " + hexs(v.encode()))


NUMBERS = []


def fill_numbers(text, numbers):
    """Replaces the marker strings json.dumps wrote for number leaves by their expected text."""
    for i in reversed(range(len(numbers))):
        text = text.replace('"@F%d@"' % i, numbers[i].text)
    return text


def jcs_value(v):
    """v with integers turned into number leaves as JCS prints them (keys stay)."""
    if isinstance(v, dict):
        return {k: jcs_value(x) for k, x in v.items()}
    if isinstance(v, list):
        return [jcs_value(x) for x in v]
    if isinstance(v, int) and not isinstance(v, bool):
        op = ("i %d" if v < 1 << 63 else "u %d") % v
        NUMBERS.append(Number(op, jcs_int(v)))
        return "@F%d@" % (len(NUMBERS) - 1)
    return v


def jcs_dumps(v):
    """RFC 8785 section 3.2: sorted keys (UTF-16 units), raw UTF-8, no whitespace."""
    if isinstance(v, dict):
        items = sorted(v.items(), key=lambda kv: utf16_key(kv[0]))
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + jcs_dumps(x)
                              for k, x in items) + "}"
    if isinstance(v, list):
        return "[" + ",".join(jcs_dumps(x) for x in v) + "]"
    return json.dumps(v, ensure_ascii=False)


class Case:
    def __init__(self, family, lines, expect):
        self.family = family
        self.lines = lines
        self.expect = expect


def doc_case(family, opts, calls, expect):
    return Case(family, ["opts " + opts] + calls + ["end"], expect)


def ok(text):
    return "OK " + hexs(text.encode())


def gen_dumps(g, cases):
    r = g.r
    for _ in range(g.count(1500)):
        NUMBERS.clear()
        v = g.value(0, NUMBERS, floats=False)
        ascii_only = r.random() < 0.35
        indent = r.choice([0, 0, 0, 1, 2, 4, 8])
        calls = []
        calls_of(v, calls)
        if indent:
            want = json.dumps(v, ensure_ascii=ascii_only, indent=indent, separators=(",", ": "))
        else:
            want = json.dumps(v, ensure_ascii=ascii_only, separators=(",", ":"))
        cases.append(doc_case("dumps", "%d %s 0" % (indent, "a" if ascii_only else "-"), calls,
                              ok(want)))


def gen_numbers(g, cases):
    r = g.r
    for _ in range(g.count(600)):
        NUMBERS.clear()
        v = [g.value(3, NUMBERS, floats=True) for _ in range(r.randrange(1, 12))]
        for _ in range(r.randrange(1, 8)):
            x = g.double_value()
            NUMBERS.append(Number("d %016x" % struct.unpack("<Q", struct.pack("<d", x))[0],
                                  writer_double(x)))
            v.append("@F%d@" % (len(NUMBERS) - 1))
        calls = []
        calls_of(v, calls)
        indent = r.choice([0, 0, 2])
        want = json.dumps(v, ensure_ascii=False, indent=indent or None,
                          separators=(",", ": ") if indent else (",", ":"))
        cases.append(doc_case("numbers", "%d - 0" % indent, calls,
                              ok(fill_numbers(want, NUMBERS))))


def gen_jcs(g, cases):
    r = g.r
    for _ in range(g.count(800)):
        NUMBERS.clear()
        v = g.value(0, NUMBERS, floats=True)
        # Number text in canonical mode is reprinted as its double.
        for n in NUMBERS:
            if n.op.startswith("n "):
                x = float(n.op[2:])
                n.text = es_number(x) if math.isfinite(x) else None
            elif n.op.startswith("d "):
                n.text = es_number(struct.unpack("<d", bytes.fromhex(n.op[2:])[::-1])[0])
        if any(n.text is None for n in NUMBERS):
            continue
        v = jcs_value(v)
        calls = []
        calls_of(v, calls, sort_keys=True)
        cases.append(doc_case("jcs", "0 c 0", calls, ok(fill_numbers(jcs_dumps(v), NUMBERS))))
    # RFC 8785 section 3.2.3's sorting example and Appendix-style numbers, by the same rules.
    example = {"\u20ac": "Euro Sign", "\r": "Carriage Return", "\ufb33": "Hebrew Letter Dalet With Dagesh",
               "1": "One", "\U0001f600": "Emoji: Grinning Face", "\x80": "Control",
               "\u00f6": "Latin Small Letter O With Diaeresis"}
    calls = []
    calls_of(example, calls, sort_keys=True)
    cases.append(doc_case("jcs", "0 c 0", calls, ok(jcs_dumps(example))))
    for t, want in [("-0", "0"), ("1e400", None), ("1.50E1", "15"), ("0.0000001", "1e-7"),
                    ("1e21", "1e+21"), ("123456789012345678901234567890", "1.2345678901234568e+29"),
                    ("1e-400", "0"), ("-1e-400", "0")]:
        exp = ok("[%s]" % want) if want else "ERR %s 3" % ERANGE
        cases.append(doc_case("jcs", "0 c 0", ["[", "n " + t, "]"], exp))


def gen_keycmp(g, cases):
    r = g.r
    pool = ["", "a", "b", "ab", "\u00f6", "\ue000", "\uffff", "\U00010000", "\U0010ffff",
            "\ud7ff", "\u20ac", "\ufb33", "\U0001f600", "\r", "1", "\x80"]
    pairs = [(a, b) for a in pool for b in pool]
    for _ in range(g.count(4000)):
        a = "".join(g.char() for _ in range(r.randrange(0, 5)))
        if r.random() < 0.5:
            b = a[: r.randrange(len(a) + 1)] + "".join(g.char() for _ in range(r.randrange(0, 3)))
        else:
            b = "".join(g.char() for _ in range(r.randrange(0, 5)))
        pairs.append((a, b))
    for a, b in pairs:
        ka, kb = utf16_key(a), utf16_key(b)
        want = (ka > kb) - (ka < kb)
        cases.append(Case("keycmp", ["cmp %s %s" % (hexs(a.encode()), hexs(b.encode()))],
                          str(want)))


def valid_utf8(b):
    try:
        b.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def gen_rejects(g, cases):
    r = g.r
    bad_seqs = [b"\x80", b"\xbf", b"\xc0\x80", b"\xc1\xbf", b"\xe0\x80\x80", b"\xe0\x9f\xbf",
                b"\xed\xa0\x80", b"\xed\xbf\xbf", b"\xf0\x80\x80\x80", b"\xf0\x8f\xbf\xbf",
                b"\xf4\x90\x80\x80", b"\xf5\x80\x80\x80", b"\xff", b"\xfe", b"\xc2", b"\xe1\x80",
                b"\xf1\x80\x80", b"\xc2\x41", b"\xe1\x41\x80", b"\xf8\x88\x80\x80\x80"]
    for _ in range(g.count(1500)):
        k = r.randrange(4)
        if k == 0:
            b = bytes(r.randrange(256) for _ in range(r.randrange(1, 12)))
        else:
            pre = g.string()[: r.randrange(0, 60)].encode()
            b = pre + r.choice(bad_seqs) + g.string()[:10].encode()
        ascii_only = r.random() < 0.5
        as_key = r.random() < 0.3
        calls = ["{", "k " + hexs(b), "z", "}"] if as_key else ["[", "s " + hexs(b), "]"]
        if valid_utf8(b):
            v = {b.decode(): None} if as_key else [b.decode()]
            exp = ok(json.dumps(v, ensure_ascii=ascii_only, separators=(",", ":")))
        else:
            exp = "ERR %s 3" % EINVAL
        cases.append(doc_case("rejects", "0 %s 0" % ("a" if ascii_only else "-"), calls, exp))
    bad_numbers = ["01", "1.", ".5", "+1", "1e", "-", "--1", "1.5e+", "1e+-1", "0x10", "Infinity",
                   "NaN", "1_0", "1.0.0", "1e5.0", "00", "-01", "1 ", " 1", "١", "1E", "0.e1", "-.1"]
    for t in bad_numbers:
        cases.append(doc_case("rejects", "0 - 0", ["[", "n " + t, "]"], "ERR %s 3" % EINVAL))
    cases.append(doc_case("rejects", "0 - 0", ["[", "n -", "]"], "ERR %s 3" % EINVAL))
    for bits in [0x7FF0000000000000, 0xFFF0000000000000, 0x7FF8000000000000, 0x7FF0000000000001,
                 0xFFFFFFFFFFFFFFFF]:
        cases.append(doc_case("rejects", "0 - 0", ["[", "d %016x" % bits, "]"], "ERR %s 3" % EINVAL))
    for _ in range(g.count(200)):
        limit = r.choice([1, 2, 3, 7, 63, 64, 65, 128, 1000, 1023, 1024])
        depth = r.choice([limit, limit + 1, max(1, limit - 1)]) if limit < 1024 else r.choice(
            [1024, 1025])
        opens = [r.choice("{[") for _ in range(depth)]
        calls = []
        for i, o in enumerate(opens):
            if i > 0 and opens[i - 1] == "{":
                calls.append("k 6b")
            calls.append(o)
        for o in reversed(opens):
            calls.append("}" if o == "{" else "]")
            # the key before this container in its parent object needs no extra call
        opts = "0 - %d" % (limit if r.random() < 0.8 or limit == 1024 else limit)
        if depth <= limit:
            # Built as text: json.dumps recurses once per level and Python stops at about 1000.
            head = "".join('{"k":' if o == "{" else "[" for o in opens[:-1])
            tail = "".join("}" if o == "{" else "]" for o in reversed(opens[:-1]))
            exp = ok(head + ("{}" if opens[-1] == "{" else "[]") + tail)
        else:
            # the call opening level limit + 1: one per container plus one per key before it
            idx = 1
            for i in range(limit + 1):
                if i > 0 and opens[i - 1] == "{":
                    idx += 1
                idx += 1
            exp = "ERR %s %d" % (ELIMIT, idx)
        cases.append(doc_case("rejects", opts, calls, exp))
    for opts in ["17 - 0", "0 - 1025", "2 c 0", "0 ac 0"]:
        cases.append(doc_case("rejects", opts, ["z"], "ERR %s 1" % EINVAL))


class Model:
    """The writer's grammar: returns the first error (code, call index) or the value built."""

    def __init__(self, max_depth):
        self.max_depth = max_depth

    def run(self, calls):
        stack = []  # (container, pending key or None)
        top = []
        done = False
        idx = 1  # init is call 1
        for c in calls:
            idx += 1
            op = c[0]
            in_obj = bool(stack) and isinstance(stack[-1][0], dict)
            want_key = in_obj and stack[-1][1] is None
            if op == "k":
                if not want_key:
                    return (EINVAL, idx)
                stack[-1][1] = bytes.fromhex(c[2:]).decode()
                continue
            if op in "}]":
                if not stack or (op == "}") != in_obj or (in_obj and not want_key):
                    return (EINVAL, idx)
                cont, _ = stack.pop()
                val = cont
            else:
                if done or want_key:
                    return (EINVAL, idx)
                if op in "{[":
                    if len(stack) >= self.max_depth:
                        return (ELIMIT, idx)
                    stack.append([{} if op == "{" else [], None])
                    continue
                val = {"t": True, "f": False, "z": None}.get(op)
                if op == "i":
                    val = int(c[2:])
                elif op == "s":
                    val = bytes.fromhex(c[2:] if c[2:] != "-" else "").decode()
            if stack:
                cont, key = stack[-1]
                if isinstance(cont, dict):
                    cont[key] = val
                    stack[-1][1] = None
                else:
                    cont.append(val)
            else:
                top.append(val)
                done = True
        if not done or stack:
            return (EINVAL, idx + 1)
        return top[0]


def gen_grammar(g, cases):
    r = g.r
    for _ in range(g.count(3000)):
        max_depth = r.choice([1, 2, 3, 5, 1024])
        calls = []
        keyno = 0
        for _ in range(r.randrange(0, 25)):
            k = r.randrange(10)
            if k < 3:
                calls.append(r.choice("{[}]"))
            elif k < 5:
                keyno += 1
                calls.append("k " + hexs(("k%d" % keyno).encode()))
            elif k < 7:
                calls.append(r.choice(["t", "f", "z", "i %d" % r.randrange(-99, 99)]))
            elif k < 8:
                calls.append("s " + hexs(g.string()[:8].encode()))
            else:
                calls.append(r.choice("}]"))
        got = Model(max_depth).run(calls)
        indent = r.choice([0, 3])
        if isinstance(got, tuple):
            exp = "ERR %s %d" % got
        elif indent:
            exp = ok(json.dumps(got, ensure_ascii=False, indent=indent, separators=(",", ": ")))
        else:
            exp = ok(json.dumps(got, ensure_ascii=False, separators=(",", ":")))
        cases.append(doc_case("grammar", "%d - %d" % (indent, max_depth), calls, exp))


def run(tool, cases, cpu):
    lines = ["cpu " + cpu]
    for c in cases:
        lines.extend(c.lines)
    data = ("\n".join(lines) + "\n").encode()
    p = subprocess.run([tool], input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = p.stdout.decode().split("\n")
    if p.returncode != 0 or len(out) < len(cases) + 1:
        return None, "tool exited %d, %d lines for %d cases: %s %s" % (
            p.returncode, len(out), len(cases), out[-3:], p.stderr.decode()[-300:])
    return out[0], out[1:]


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: peer_json_write.py TOOL")
    tool = sys.argv[1]
    seed = int(os.environ.get("AVILA_PEER_SEED") or secrets.randbits(48))
    scale = float(os.environ.get("AVILA_PEER_SCALE") or 1)
    print("# seed %d (AVILA_PEER_SEED=%d repeats this run)" % (seed, seed))
    g = Gen(seed, scale)
    cases = []
    for f in (gen_dumps, gen_numbers, gen_jcs, gen_keycmp, gen_rejects, gen_grammar):
        f(g, cases)
    families = []
    for c in cases:
        if c.family not in families:
            families.append(c.family)
    n = 0
    failed = 0
    for cpu in ("native", "portable"):
        impl, got = run(tool, cases, cpu)
        if impl is None:
            n += 1
            failed += 1
            print("not ok %d - %s: %s" % (n, cpu, got))
            continue
        for fam in families:
            total = bad = 0
            first = None
            for c, line in zip(cases, got):
                if c.family != fam:
                    continue
                total += 1
                if line != c.expect:
                    bad += 1
                    if first is None:
                        first = (c, line)
            n += 1
            if bad:
                failed += 1
                c, line = first
                print("not ok %d - %s %s (%s): %d of %d differ" % (n, fam, cpu, impl, bad, total))
                print("#   calls: %s" % " | ".join(c.lines)[:2000])
                print("#   want:  %s" % c.expect[:2000])
                print("#   got:   %s" % line[:2000])
            else:
                print("ok %d - %s %s (%s): %d cases" % (n, fam, cpu, impl, total))
    print("1..%d" % n)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
