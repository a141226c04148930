#!/usr/bin/env python3
"""tools/gen/wycheproof.py - converts Wycheproof JSON test files into the
test-vector text format of tests/support/unit.h, so the suites read them
without a JSON parser and without the ../shared tree.

Usage: tools/gen/wycheproof.py SRC_DIR DST_DIR NAME...
  e.g. tools/gen/wycheproof.py ../shared/vectors/wycheproof tests/vectors/wycheproof x25519_test

Each test becomes one record: the group's scalar parameters (nested ones as
parent.child, e.g. publicKey.pk), then the test's own fields; flags are
joined with commas, and the record's "result" is valid, invalid or
acceptable. The header comment names the source file, its algorithm and
number of tests, so a suite can check it ran them all.
"""
import json
import os
import sys


def flatten(prefix, value, out):
    if isinstance(value, dict):
        for k, v in value.items():
            flatten(prefix + "." + k if prefix else k, v, out)
    elif isinstance(value, list):
        out.append((prefix, ",".join(str(x) for x in value)))
    elif isinstance(value, bool):
        out.append((prefix, "1" if value else "0"))
    else:
        text = str(value)
        if "\n" in text:
            raise SystemExit(f"newline in field {prefix}")
        out.append((prefix, text))


SKIPPED_GROUP_FIELDS = {"type", "source", "tests", "publicKeyDer", "publicKeyPem",
                        "publicKeyJwk", "privateKeyPem", "privateKeyJwk", "keyDer",
                        "keyPem", "jwk", "keyJwk", "publicKeyAsn"}


def convert(src, dst, name, commit):
    with open(os.path.join(src, name + ".json")) as f:
        data = json.load(f)
    lines = [
        f"# Wycheproof {name}.json (C2SP/wycheproof, testvectors_v1, commit {commit}),",
        f"# converted by tools/gen/wycheproof.py. Apache-2.0: see LICENSE beside this file.",
        f"# algorithm = {data['algorithm']}",
        f"# numberOfTests = {data['numberOfTests']}",
        "",
    ]
    count = 0
    for group in data["testGroups"]:
        params = []
        for key, value in group.items():
            if key not in SKIPPED_GROUP_FIELDS:
                flatten(key, value, params)
        for test in group["tests"]:
            fields = list(params)
            for key, value in test.items():
                if key != "comment":
                    flatten(key, value, fields)
            for key, value in fields:
                lines.append(f"{key} = {value}")
            lines.append("")
            count += 1
    if count != data["numberOfTests"]:
        raise SystemExit(f"{name}: {count} tests, header says {data['numberOfTests']}")
    with open(os.path.join(dst, name + ".txt"), "w") as f:
        f.write("\n".join(lines))


def main():
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    src, dst = sys.argv[1], sys.argv[2]
    commit = "unknown"
    readme = os.path.join(src, "README")
    if os.path.exists(readme):
        for word in open(readme).read().split():
            word = word.strip(".,;:()")
            if len(word) == 40 and all(c in "0123456789abcdef" for c in word):
                commit = word
    for name in sys.argv[3:]:
        convert(src, dst, name, commit)


if __name__ == "__main__":
    main()
