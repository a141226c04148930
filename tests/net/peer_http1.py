#!/usr/bin/env python3
"""tests/net/peer_http1.py - differential test of net/http1.h against
Python's HTTP/1.1 code (http.client and http.server, no packages).

Usage: peer_http1.py TOOL
  TOOL is the path of tests/net/tool_http1 (read its header for the line
  protocol).

Families (random messages, both directions):
  py-requests    requests written by http.client.HTTPConnection.request
                 (its own Host, Accept-Encoding, Content-Length or chunked
                 body) are parsed by avila: method, target, version, every
                 field in order and the decoded body must equal what
                 http.server's BaseHTTPRequestHandler.parse_request reads
                 from the same bytes and the body that was sent.
  py-responses   responses written by BaseHTTPRequestHandler.send_response /
                 send_header / end_headers (with Content-Length, or a body
                 chunked here, or none for HEAD / 204 / 304) are parsed by
                 avila and by http.client.HTTPResponse: status, reason,
                 fields and body must agree.
  avila-requests requests written by avila's serialiser are parsed by
                 parse_request: method, path, fields as given; the body
                 (Content-Length, or chunked, decoded here) as given.
  avila-responses responses written by avila's serialiser are read by
                 http.client.HTTPResponse: status, reason (the standard
                 phrase or the one given), fields and body as given.

Environment:
  AVILA_PEER_SEED   the generator's seed (decimal); random otherwise. It is
                    printed: set it to repeat a run.
  AVILA_PEER_SCALE  multiplies the case counts (default 1).

Prints TAP: one line per family with its count.
"""

import http.client
import http.server
import io
import os
import random
import secrets
import subprocess
import sys

TCHAR = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


class Tool:
    def __init__(self, path):
        self.p = subprocess.Popen([path], stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def ask(self, line):
        self.p.stdin.write(line.encode() + b"\n")
        self.p.stdin.flush()
        return self.p.stdout.readline().decode().rstrip("\n")

    def close(self):
        self.p.stdin.close()
        self.p.wait()


def hx(b):
    return b.hex() if b else "-"


def unhx(s):
    return b"" if s == "-" else bytes.fromhex(s)


def parse_ok(answer, request):
    """The fields of an 'ok' answer as Python values."""
    f = answer.split(" ")
    if f[0] != "ok":
        raise AssertionError("avila refused: " + answer)
    if request:
        head = {"method": unhx(f[1]), "target": unhx(f[2]), "minor": int(f[3])}
        i = 5
    else:
        head = {"status": int(f[1]), "reason": unhx(f[2])}
        i = 3
    n = int(f[i])
    head["fields"] = []
    for k in range(n):
        name, value = f[i + 1 + k].split("=")
        head["fields"].append((unhx(name), unhx(value)))
    head["body"] = unhx(f[i + 1 + n])
    return head


def rand_name(rng):
    return "x-" + "".join(rng.choice(TCHAR) for _ in range(rng.randint(1, 12)))


def rand_value(rng, obs_text=True):
    chars = [chr(c) for c in range(0x21, 0x7F)]
    if obs_text:
        chars += [chr(c) for c in range(0xA0, 0x100)]
    n = rng.randint(0, 40)
    v = "".join(rng.choice(chars + [" ", "\t"]) for _ in range(n)).strip(" \t")
    return v


def rand_target(rng):
    safe = "abcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@%/"
    # Not "//...": http.server collapses leading slashes (a defence of its own).
    path = "/" + rng.choice("abcxyz019") + "".join(rng.choice(safe) for _ in range(rng.randint(0, 30)))
    if rng.random() < 0.5:
        path += "?" + "".join(rng.choice(safe + "?") for _ in range(rng.randint(0, 20)))
    return path


def rand_body(rng):
    return bytes(rng.getrandbits(8) for _ in range(rng.choice([0, 1, 5, 100, 1000])))


def chunk_here(body, rng):
    """A chunked encoding written here, with extensions now and then."""
    out = bytearray()
    i = 0
    while i < len(body):
        n = rng.randint(1, 300)
        piece = body[i:i + n]
        ext = ";x=y" if rng.random() < 0.3 else ""
        out += b"%x%s\r\n" % (len(piece), ext.encode()) + piece + b"\r\n"
        i += n
    return bytes(out) + b"0\r\n\r\n"


def dechunk_here(data):
    """Decodes a chunked body written by avila (no extensions, no trailers)."""
    out = bytearray()
    i = 0
    while True:
        j = data.index(b"\r\n", i)
        size = int(data[i:j].split(b";")[0], 16)
        i = j + 2
        if size == 0:
            assert data[i:i + 2] == b"\r\n", "missing final CRLF"
            return bytes(out), i + 2
        out += data[i:i + size]
        assert data[i + size:i + size + 2] == b"\r\n", "missing chunk CRLF"
        i += size + 2


class FakeSock:
    def __init__(self, data=b""):
        self.sent = bytearray()
        self.data = data

    def sendall(self, b):
        self.sent += b

    def makefile(self, mode, *args, **kwargs):
        return io.BytesIO(self.data)

    def close(self):
        pass


class Handler(http.server.BaseHTTPRequestHandler):
    """A request handler run on bytes in memory."""

    protocol_version = "HTTP/1.1"

    def __init__(self, data=b""):  # pylint: disable=super-init-not-called
        self.rfile = io.BytesIO(data)
        self.wfile = io.BytesIO()
        self.client_address = ("127.0.0.1", 0)
        self.request_version = "HTTP/1.1"
        self.requestline = "-"
        self.command = "GET"
        self.close_connection = False

    def log_message(self, *args):
        pass


def py_requests(tool, rng, count):
    for _ in range(count):
        method = rng.choice(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
        target = rand_target(rng)
        headers = {}
        for _ in range(rng.randint(0, 8)):
            headers[rand_name(rng)] = rand_value(rng, obs_text=False)
        body = rand_body(rng)
        chunked = rng.random() < 0.4 and method != "GET"
        conn = http.client.HTTPConnection("example.test", rng.choice([80, 8080]))
        conn.sock = FakeSock()
        if chunked:
            parts = [body[i:i + 77] for i in range(0, len(body), 77)]
            conn.request(method, target, body=iter(parts), headers=headers, encode_chunked=True)
        else:
            conn.request(method, target, body=body if body or method != "GET" else None,
                         headers=headers)
        wire = bytes(conn.sock.sent)
        ours = parse_ok(tool.ask("preq " + hx(wire)), True)
        h = Handler(wire)
        h.raw_requestline = h.rfile.readline(65537)
        assert h.parse_request(), "python refused its own request"
        assert ours["method"].decode() == h.command, (ours["method"], h.command)
        assert ours["target"].decode() == h.path, (ours["target"], h.path)
        assert ours["minor"] == 1 and h.request_version == "HTTP/1.1"
        theirs = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in h.headers.items()]
        assert ours["fields"] == theirs, (ours["fields"], theirs)
        assert ours["body"] == body, "body differs"
        if chunked:
            assert h.headers.get("Transfer-Encoding") == "chunked"


def py_responses(tool, rng, count):
    for _ in range(count):
        status = rng.choice([200, 201, 204, 206, 301, 304, 400, 404, 418, 500, 503, 299])
        method = rng.choice(["GET", "GET", "HEAD"])
        reason = rng.choice([None, "Fine", "It worked", ""])
        h = Handler()
        h.send_response(status, reason)
        for _ in range(rng.randint(0, 8)):
            h.send_header(rand_name(rng), rand_value(rng, obs_text=False))
        body = rand_body(rng)
        no_body = method == "HEAD" or status in (204, 304)
        # Python's client would try to read a chunked body after HEAD, 204 or 304.
        chunked = rng.random() < 0.4 and not no_body
        if chunked:
            h.send_header("Transfer-Encoding", "chunked")
        else:
            h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        if not no_body:
            h.wfile.write(chunk_here(body, rng) if chunked else body)
        wire = h.wfile.getvalue()
        ours = parse_ok(tool.ask("presp %s %s" % (method, hx(wire))), False)
        resp = http.client.HTTPResponse(FakeSock(wire), method=method)
        resp.begin()
        assert ours["status"] == resp.status, (ours["status"], resp.status)
        assert ours["reason"].decode("latin-1") == resp.reason, (ours["reason"], resp.reason)
        theirs = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in resp.getheaders()]
        assert ours["fields"] == theirs, (ours["fields"], theirs)
        theirs_body = resp.read()
        assert ours["body"] == theirs_body, "body differs"
        assert ours["body"] == (b"" if no_body else body)


def avila_requests(tool, rng, count):
    for _ in range(count):
        method = rng.choice(["GET", "POST", "PUT", "X-" + rand_name(rng)])
        target = rand_target(rng).encode()
        fields = [(b"Host", b"example.test")]
        for _ in range(rng.randint(0, 8)):
            fields.append((rand_name(rng).encode(), rand_value(rng).encode("latin-1")))
        body = rand_body(rng)
        chunked = rng.random() < 0.5
        line = "wreq %s %s %d %s %s" % (method, hx(target), chunked, hx(body),
                                        " ".join("%s=%s" % (hx(k), hx(v)) for k, v in fields))
        wire = unhx(tool.ask(line))
        h = Handler(wire)
        h.raw_requestline = h.rfile.readline(65537)
        assert h.parse_request(), "python refused avila's request"
        assert h.command == method and h.path.encode() == target, (h.command, h.path, target)
        theirs = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in h.headers.items()]
        framing = (b"Transfer-Encoding", b"chunked") if chunked else (
            b"Content-Length", str(len(body)).encode())
        assert theirs == fields + [framing], (theirs, fields)
        rest = h.rfile.read()
        if chunked:
            got, used = dechunk_here(rest)
            assert used == len(rest)
        else:
            got = rest
        assert got == body, "body differs"


def avila_responses(tool, rng, count):
    for _ in range(count):
        status = rng.choice([200, 201, 202, 206, 301, 302, 307, 400, 403, 404, 413, 431, 500,
                             503, 299, 599])
        reason = rng.choice([None, None, "Custom reason", "x"])
        fields = [(b"Server", b"avila")]
        for _ in range(rng.randint(0, 8)):
            fields.append((rand_name(rng).encode(), rand_value(rng).encode("latin-1")))
        body = rand_body(rng)
        chunked = rng.random() < 0.5
        line = "wresp %d %s %d %s %s" % (status, hx(reason.encode()) if reason else "-", chunked,
                                         hx(body),
                                         " ".join("%s=%s" % (hx(k), hx(v)) for k, v in fields))
        wire = unhx(tool.ask(line))
        resp = http.client.HTTPResponse(FakeSock(wire), method="GET")
        resp.begin()
        assert resp.status == status
        if reason is not None:
            assert resp.reason == reason
        elif status in http.HTTPStatus.__members__.values() and status not in (413, 422):
            # Python's phrases predate RFC 9110's renames (413 "Content Too Large").
            assert resp.reason == http.HTTPStatus(status).phrase, (resp.reason, status)
        theirs = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in resp.getheaders()]
        framing = (b"Transfer-Encoding", b"chunked") if chunked else (
            b"Content-Length", str(len(body)).encode())
        assert theirs == fields + [framing], (theirs, fields)
        assert resp.read() == body, "body differs"
        # And avila reads back what it wrote.
        ours = parse_ok(tool.ask("presp GET " + hx(wire)), False)
        assert ours["status"] == status and ours["fields"] == fields + [framing]
        assert ours["body"] == body


def main():
    tool = Tool(sys.argv[1])
    seed = int(os.environ.get("AVILA_PEER_SEED") or secrets.randbits(32))
    scale = float(os.environ.get("AVILA_PEER_SCALE") or 1)
    print("# seed %d" % seed)
    families = [("py-requests", py_requests), ("py-responses", py_responses),
                ("avila-requests", avila_requests), ("avila-responses", avila_responses)]
    failed = 0
    for n, (name, fn) in enumerate(families, 1):
        count = max(1, int(300 * scale))
        rng = random.Random(seed + n)
        try:
            fn(tool, rng, count)
            print("ok %d - http1 %s against python (%d messages)" % (n, name, count))
        except (AssertionError, ValueError, http.client.HTTPException) as e:
            # One failure per family is enough to report.
            failed = 1
            print("not ok %d - http1 %s against python: %s" % (n, name, str(e)[:2000]))
    tool.close()
    print("1..%d" % len(families))
    sys.exit(failed)


if __name__ == "__main__":
    main()
