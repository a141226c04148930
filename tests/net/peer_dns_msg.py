#!/usr/bin/env python3
"""tests/net/peer_dns_msg.py - random differential test of net/dns.h's
message parser against dnspython (Debian's python3-dnspython).

Usage: peer_dns_msg.py TOOL
  TOOL is the path of tests/net/tool_dns_msg (read its header for the line
  protocol).

dnspython writes the messages (its to_wire() compresses names, so owners
and rdata names become pointers to earlier names) and is the oracle for
reading them: dns.message.from_wire(..., one_rr_per_rrset=True) keeps every
record, in order, with its own TTL. The two parsers follow the same
pointer rule (a pointer must go strictly before where the current run of
labels started), and both refuse trailing bytes, misplaced or repeated OPT
records, wrong A/AAAA lengths and names over 255 octets. Families:
  valid    random responses (A, AAAA, CNAME, NS, PTR, SOA, TXT records in
           all three sections, random flags, RCODEs, EDNS on or off):
           both must accept and decode the same header, questions and
           records (owner and rdata names compared as wire bytes)
  mutants  the same with one to three random byte edits, cuts or
           insertions: the verdicts must agree, and accepted messages
           decode the same. Allowed differences, where net/dns is
           stricter or opaque by design: it refuses pointers into the
           header, chains of more than 64 pointers, and labels reached
           through a pointer that run into the name that pointed to them
           (no compressor writes those; dnspython reads them); it keeps the rdata
           of types other than A, AAAA, CNAME, NS, PTR and SOA (and of A
           and AAAA outside class IN) as bytes, which dnspython may parse
           and refuse, so such records are compared by type only; it
           reads messages of every opcode alike, where dnspython refuses
           unknown opcodes and reads UPDATE (5) by RFC 2136's rules, so
           those are not compared; dnspython reads TTLs with the top bit
           set as 0, net/dns reports them as sent.

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

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rdataclass
import dns.rdatatype
import dns.rrset

LABELS = ["www", "a", "b", "mail", "ns1", "example", "test", "org", "com", "net", "x-1", "sub",
          "0", "z9"]
DECODED = {1, 2, 5, 6, 12, 28}  # A NS CNAME SOA PTR AAAA
OUR_STRICTER = ("compression pointer into the header", "too many compression pointers",
                "pointed-to name overlaps the name pointing to it")


def rand_name(r):
    labels = [r.choice(LABELS) for _ in range(r.randint(1, 4))]
    labels = ["".join(c.upper() if r.random() < 0.2 else c for c in lab) for lab in labels]
    return dns.name.from_text(".".join(labels) + ".")


def rand_record(r, owner):
    kind = r.choice(["A", "A", "AAAA", "CNAME", "NS", "PTR", "SOA", "TXT"])
    if kind == "A":
        value = str(ipaddress.IPv4Address(r.getrandbits(32)))
    elif kind == "AAAA":
        value = str(ipaddress.IPv6Address(r.getrandbits(128) if r.random() < 0.5 else
                                          r.getrandbits(16)))
    elif kind in ("CNAME", "NS", "PTR"):
        value = rand_name(r).to_text()
    elif kind == "SOA":
        nums = " ".join(str(r.getrandbits(32)) for _ in range(5))
        value = f"{rand_name(r).to_text()} {rand_name(r).to_text()} {nums}"
    else:
        value = " ".join('"' + "".join(r.choice("abc xyz") for _ in range(r.randint(0, 20))) + '"'
                         for _ in range(r.randint(1, 3)))
    return dns.rrset.from_text(owner, r.getrandbits(31), "IN", kind, value)


def rand_message(r):
    m = dns.message.Message(id=r.getrandbits(16))
    m.flags = r.getrandbits(16) & ~0x780F | dns.flags.QR
    qname = rand_name(r)
    m.question.append(dns.rrset.RRset(qname, dns.rdataclass.IN,
                                      r.choice([1, 28, 5, 15, 255])))
    names = [qname] + [rand_name(r) for _ in range(3)]
    for section in (m.answer, m.authority, m.additional):
        for _ in range(r.choice([0, 0, 1, 2, 3, 5])):
            section.append(rand_record(r, r.choice(names)))
    if r.random() < 0.4:
        m.use_edns(0, dns.flags.DO if r.random() < 0.5 else 0, r.choice([512, 1232, 4096]))
    m.set_rcode(r.choice([0, 0, 0, 2, 3, 5] + ([16] if m.edns >= 0 else [])))
    return m.to_wire(max_size=65535)


def mutate(r, w):
    w = bytearray(w)
    for _ in range(r.randint(1, 3)):
        op = r.randrange(4)
        if op == 0 and w:
            w[r.randrange(len(w))] ^= 1 << r.randrange(8)
        elif op == 1 and w:
            w[r.randrange(len(w))] = r.randrange(256)
        elif op == 2 and w:
            del w[r.randrange(len(w)):][:r.randint(1, 8)]
        else:
            pos = r.randrange(len(w) + 1)
            w[pos:pos] = bytes([r.randrange(256)])
    return bytes(w)


def record_value(rd, rtype, rclass):
    if rtype in (5, 2, 12):
        return rd.target.to_wire().hex()
    if rtype == 6:
        nums = (rd.serial, rd.refresh, rd.retry, rd.expire, rd.minimum)
        return rd.mname.to_wire().hex() + "," + ",".join(str(n) for n in nums)
    return rd.to_wire().hex()


def oracle(w):
    """dnspython's reading in the tool's format, or None if it refuses."""
    try:
        m = dns.message.from_wire(w, one_rr_per_rrset=True)
    except (dns.exception.DNSException, ValueError, TypeError, IndexError, UnicodeError):
        return None
    out = ["OK", str(m.id), str(m.flags), str(m.rcode()), str(m.payload if m.edns >= 0 else 0)]
    for q in m.question:
        out.append(f"q={q.name.to_wire().hex()}/{q.rdtype}/{q.rdclass}")
    for tag, section in (("an", m.answer), ("ns", m.authority), ("ar", m.additional)):
        for rrset in section:
            for rd in rrset:
                out.append(f"rr={tag}/{rrset.name.to_wire().hex()}/{rrset.rdtype}/"
                           f"{rrset.rdclass}/{rrset.ttl}/"
                           f"{record_value(rd, rrset.rdtype, rrset.rdclass)}")
    return " ".join(out)


def opaque(token):
    """
    Records whose rdata net/dns keeps as bytes are compared by everything but
    the value; TTLs with the top bit set read as 0 in dnspython (RFC 2181 8),
    while net/dns reports them as sent and clamps them where it uses them.
    """
    if not token.startswith("rr="):
        return token
    sec, owner, rtype, rclass, ttl, value = token[3:].split("/")
    if int(rtype) not in DECODED or (int(rtype) in (1, 28) and rclass != "1"):
        value = "*"
    if int(ttl) >= 1 << 31:
        ttl = "0"
    return "/".join(["rr=" + sec, owner, rtype, rclass, ttl, value])


def has_opaque(line):
    return any(opaque(t) != t for t in line.split())


def judge(ours, theirs):
    """None if the two agree (allowing the documented differences), else a reason."""
    if ours.startswith("ERR"):
        if theirs is None or ours[4:] in OUR_STRICTER:
            return None
        return "net/dns refuses what dnspython accepts"
    opcode = (int(ours.split()[2]) >> 11) & 0xF
    if opcode not in (0, 1, 2, 4):
        return None  # dnspython refuses unknown opcodes and reads UPDATE's sections its own way
    if theirs is None:
        return None if has_opaque(ours) else "net/dns accepts what dnspython refuses"
    a = " ".join(opaque(t) for t in ours.split())
    b = " ".join(opaque(t) for t in theirs.split())
    return None if a == b else "decoded differently"


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: peer_dns_msg.py TOOL")
    seed = int(os.environ.get("AVILA_PEER_SEED") or secrets.randbits(32))
    scale = float(os.environ.get("AVILA_PEER_SCALE") or 1)
    print(f"# seed {seed} (AVILA_PEER_SEED={seed} repeats this run), scale {scale}")
    r = random.Random(seed)
    n = max(1, int(3000 * scale))
    valid = [rand_message(r) for _ in range(n)]
    cases = [("valid", w) for w in valid]
    cases += [("mutants", mutate(r, r.choice(valid))) for _ in range(n * 4)]
    proc = subprocess.run([sys.argv[1]], input="".join(w.hex() + "\n" for _, w in cases),
                          capture_output=True, text=True)
    got = proc.stdout.split("\n")
    if proc.returncode != 0 or len(got) < len(cases):
        print(f"# tool exit status {proc.returncode}, {len(got)} of {len(cases)} answers")
    families, total, accepted, bad = [], {}, {}, {}
    for pos, (fam, w) in enumerate(cases):
        if fam not in families:
            families.append(fam)
        ours = got[pos] if pos < len(got) else "ERR <no answer>"
        theirs = oracle(w)
        total[fam] = total.get(fam, 0) + 1
        accepted[fam] = accepted.get(fam, 0) + (theirs is not None)
        why = judge(ours, theirs)
        if fam == "valid" and theirs is None:
            why = "dnspython refuses its own message"
        if why is not None:
            bad.setdefault(fam, []).append((w, why, ours, theirs))
    failed = 0
    for k, fam in enumerate(families, 1):
        if fam not in bad:
            print(f"ok {k} - {fam}: {total[fam]} random messages agree "
                  f"({accepted[fam]} accepted by dnspython)")
            continue
        failed += 1
        print(f"not ok {k} - {fam}: {len(bad[fam])} of {total[fam]} disagree")
        for w, why, ours, theirs in bad[fam][:5]:
            print(f"#   {why}: {w.hex()}")
            print(f"#     ours:   {ours}")
            print(f"#     theirs: {theirs}")
    print(f"1..{len(families)}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
