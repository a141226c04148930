#!/usr/bin/env python3
"""tests/net/peer_ws.py - net/ws_conn against python3's websockets package
(Debian bookworm: 10.x, asyncio API), both ways; TAP on stdout.

    peer_ws.py TOOL_WS_ECHO AVILA

1. websockets' client against tests/net/tool_ws_echo (our server role):
   text and binary messages, 1 MiB, a fragmented message, ping/pong, close
   1000 with a reason, /close4000, and over a raw socket invalid UTF-8 (the
   server must close with 1007) and an unmasked frame (1002).
2. `avila ws` (our client role) against a websockets server: lines echoed
   byte for byte, a 1 MiB binary message, a message the server sends in
   fragments, and a server close code reported with exit status 1.
   Echo tests keep the input open until the echoes are back, as a user at a
   terminal would: our close frame at the end of the input ends the
   server's sending (section 1.4), so echoes still queued there are lost.
"""
import asyncio
import base64
import http
import os
import random
import socket
import struct
import subprocess
import sys

import websockets

n_tests = 0
failed = False


def report(ok, name, why=""):
    global n_tests, failed
    n_tests += 1
    print(("ok" if ok else "not ok") + " %d - %s" % (n_tests, name))
    if not ok:
        failed = True
        for line in str(why).splitlines():
            print("#   " + line)
    sys.stdout.flush()


def check(name, got, want):
    report(got == want, name, "got %r, want %r" % (summary(got), summary(want)))


# ---------------------------------------------------------------- part 1


def start_echo(tool):
    p = subprocess.Popen([tool], stderr=subprocess.PIPE)
    line = p.stderr.readline().decode()
    if not line.startswith("listening on "):
        raise RuntimeError("tool_ws_echo: " + line)
    return p, line.split()[-1]


async def python_client(addr):
    uri = "ws://%s/echo" % addr
    async with websockets.connect(uri, max_size=None, compression=None) as ws:
        rng = random.Random(1)
        for n in (0, 1, 125, 126, 65535, 65536):
            text = "".join(rng.choice("aé€𝄞 z") for _ in range(n))
            await ws.send(text)
            check("text of %d characters echoed" % n, await ws.recv(), text)
            data = bytes(rng.getrandbits(8) for _ in range(n))
            await ws.send(data)
            check("binary of %d bytes echoed" % n, await ws.recv(), data)
        big = os.urandom(1 << 20)
        await ws.send(big)
        check("1 MiB binary echoed", await ws.recv(), big)
        await ws.send(["frag", "mented ", "€ text"])
        check("fragmented text reassembled", await ws.recv(), "fragmented € text")
        await ws.send([b"\x00", b"\x01\x02", b""])
        check("fragmented binary reassembled", await ws.recv(), b"\x00\x01\x02")
        waiter = await ws.ping(b"are you there")
        try:
            await asyncio.wait_for(waiter, 5)
            report(True, "ping answered with its pong")
        except Exception as e:
            report(False, "ping answered with its pong", repr(e))
        await ws.close(1000, "done here")
        check("close 1000: the server's close code", ws.close_code, 1000)
        check("close 1000: the server echoes the reason", ws.close_reason, "done here")

    async with websockets.connect("ws://%s/close4000" % addr) as ws:
        await ws.send("first")
        try:
            await asyncio.wait_for(ws.recv(), 5)
            report(False, "/close4000 closes", "a message came")
        except websockets.ConnectionClosed as e:
            got = (e.rcvd.code, e.rcvd.reason) if e.rcvd else None
            check("/close4000 closes with 4000 'bye'", got, (4000, "bye"))

    try:
        async with websockets.connect("ws://%s/missing" % addr):
            report(False, "unknown path refused")
    except websockets.InvalidStatusCode as e:
        check("unknown path refused with 404", e.status_code, 404)


def raw_handshake(addr):
    host, port = addr.rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=5)
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(("GET /echo HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (addr, key)).encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(4096)
        if not chunk:
            raise RuntimeError("no handshake answer")
        head += chunk
    if not head.startswith(b"HTTP/1.1 101"):
        raise RuntimeError("handshake: %r" % head[:40])
    return s, head.split(b"\r\n\r\n", 1)[1]


def frame(opcode, payload, masked=True, fin=True):
    b0 = (0x80 if fin else 0) | opcode
    n = len(payload)
    m = 0x80 if masked else 0
    if n < 126:
        head = struct.pack("!BB", b0, m | n)
    elif n < 65536:
        head = struct.pack("!BBH", b0, m | 126, n)
    else:
        head = struct.pack("!BBQ", b0, m | 127, n)
    if not masked:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(c ^ key[i % 4] for i, c in enumerate(payload))


def read_close(s, rest):
    """Reads frames until a close frame; returns its code and whether EOF followed."""
    data = rest
    while True:
        while len(data) >= 2:
            op, n = data[0] & 0x0F, data[1] & 0x7F
            at = 2
            if n == 126:
                n, at = struct.unpack("!H", data[2:4])[0], 4
            elif n == 127:
                n, at = struct.unpack("!Q", data[2:10])[0], 10
            if len(data) < at + n:
                break
            payload, data = data[at:at + n], data[at + n:]
            if op == 8:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                eof = False
                try:
                    while True:
                        chunk = s.recv(4096)
                        if not chunk:
                            eof = True
                            break
                except OSError:
                    eof = True
                return code, eof
        chunk = s.recv(4096)
        if not chunk:
            return None, True
        data += chunk


def raw_tests(addr):
    s, rest = raw_handshake(addr)
    s.sendall(frame(1, b"ok \xce") + frame(0, b"\xff", fin=True))
    code, eof = read_close(s, rest)
    check("invalid UTF-8 in a fragmented text message: close 1007", code, 1007)
    report(eof, "the server closes the connection after 1007")
    s.close()
    s, rest = raw_handshake(addr)
    s.sendall(frame(2, b"not masked", masked=False))
    code, eof = read_close(s, rest)
    check("unmasked frame from a client: close 1002", code, 1002)
    report(eof, "the server closes the connection after 1002")
    s.close()


# ---------------------------------------------------------------- part 2


sink = []


async def server_handler(ws, path):
    try:
        if path == "/echo":
            async for msg in ws:
                await ws.send(msg)
        elif path == "/sink":
            async for msg in ws:
                sink.append(msg)
        elif path == "/big":
            await ws.send(BIG)
            await ws.wait_closed()
        elif path == "/frag":
            async for msg in ws:
                parts = [msg[i:i + 3] for i in range(0, len(msg), 3)] or [msg]
                await ws.send(parts)
        elif path == "/close4000":
            await ws.recv()
            await ws.close(4000, "bye")
    except websockets.ConnectionClosed:
        pass


BIG = os.urandom(1 << 20)


async def known_path(path, headers):
    if path not in ("/echo", "/sink", "/big", "/frag", "/close4000"):
        return http.HTTPStatus.NOT_FOUND, [], b"no such path\n"
    return None


async def run_avila(avila, args, stdin):
    """Runs avila ws with all of stdin at once (closed at once: the close follows the input)."""
    p = await asyncio.create_subprocess_exec(avila, "ws", *args, stdin=subprocess.PIPE,
                                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = await asyncio.wait_for(p.communicate(stdin), 30)
    return p.returncode, out, err.decode(errors="replace")


async def run_interactive(avila, args, stdin, expect_len):
    """
    Runs avila ws like a user at a terminal: writes stdin, waits for expect_len
    bytes of output, and only then ends the input (a server drops what it has
    not sent yet once our close frame comes, RFC 6455 section 1.4).
    """
    p = await asyncio.create_subprocess_exec(avila, "ws", *args, stdin=subprocess.PIPE,
                                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdin.write(stdin)
    await p.stdin.drain()
    try:
        if expect_len is None:  # until it exits by itself
            out = await asyncio.wait_for(p.stdout.read(), 30)
            await asyncio.wait_for(p.wait(), 30)
        else:
            out = await asyncio.wait_for(p.stdout.readexactly(expect_len), 30)
    except (asyncio.IncompleteReadError, asyncio.TimeoutError) as e:
        out = getattr(e, "partial", b"")
    p.stdin.close()
    rest, err = await asyncio.wait_for(p.communicate(), 30)
    return p.returncode, out + rest, err.decode(errors="replace")


def summary(x):
    if isinstance(x, tuple):
        return tuple(summary(v) for v in x)
    if isinstance(x, (bytes, str)) and len(x) > 80:
        return "%s of %d: %r..." % (type(x).__name__, len(x), x[:60])
    return x


async def avila_client(avila):
    server = await websockets.serve(server_handler, "127.0.0.1", 0, max_size=None,
                                    compression=None, process_request=known_path)
    port = server.sockets[0].getsockname()[1]
    base = "ws://127.0.0.1:%d" % port
    rng = random.Random(2)
    lines = ["hello", "", "wörld €𝄞", " spaces  ", "x" * 70000]
    lines += ["".join(rng.choice("abcé€") for _ in range(rng.randrange(200))) for _ in range(2000)]
    text = "\n".join(lines) + "\n"
    rc, out, err = await run_interactive(avila, [base + "/echo"], text.encode(), len(text.encode()))
    check("avila ws: exit 0 after the close handshake", (rc, err), (0, ""))
    check("avila ws: %d lines echoed byte for byte" % len(lines), out, text.encode())
    sink.clear()
    rc, out, err = await run_avila(avila, [base + "/sink"], text.encode() + b"last, no newline")
    check("avila ws: each line is one text message", (rc, sink), (0, lines + ["last, no newline"]))
    sink.clear()
    rc, out, err = await run_avila(avila, ["--binary", base + "/sink"], BIG)
    check("avila ws --binary: 1 MiB sent as one binary message", (rc, sink), (0, [BIG]))
    rc, out, err = await run_interactive(avila, [base + "/big"], b"", len(BIG) + 1)
    check("avila ws: a 1 MiB binary message received", (rc, out), (0, BIG + b"\n"))
    msg = "reassemble these fragments €€€\n"
    rc, out, err = await run_interactive(avila, [base + "/frag"], msg.encode(), len(msg.encode()))
    check("avila ws: a fragmented message reassembled", (rc, out), (0, msg.encode()))
    rc, out, err = await run_interactive(avila, ["-H", "X-Test: yes", base + "/close4000"],
                                         b"x\n", None)
    report(rc == 1 and "4000" in err and "bye" in err, "avila ws: close 4000 'bye' gives exit 1",
           "exit %d, stderr %r" % (rc, err))
    rc, out, err = await run_avila(avila, [base + "/echo"], b"bad \xff line\n")
    report(rc == 1 and "UTF-8" in err, "avila ws: a line that is not UTF-8 gives exit 1",
           "exit %d, stderr %r" % (rc, err))
    rc, out, err = await run_avila(avila, [base + "/missing"], b"")
    report(rc == 1 and "404" in err, "avila ws: a refused handshake gives exit 1",
           "exit %d, stderr %r" % (rc, err))
    server.close()
    await server.wait_closed()
    rc, out, err = await run_avila(avila, [base + "/echo"], b"")
    report(rc == 1 and "avila ws:" in err, "avila ws: connection refused gives exit 1",
           "exit %d, stderr %r" % (rc, err))
    rc, out, err = await run_avila(avila, ["wss://127.0.0.1/"], b"")
    report(rc == 1 and "ws://" in err, "avila ws: wss:// is refused", "exit %d %r" % (rc, err))
    rc, out, err = await run_avila(avila, [], b"")
    check("avila ws: no URL is a usage error", rc, 2)
    rc, out, err = await run_avila(avila, ["-H", "Upgrade: x", base + "/echo"], b"")
    check("avila ws: a handshake field in -H is refused", rc, 1)


def main():
    tool, avila = sys.argv[1], sys.argv[2]
    print("# websockets %s" % websockets.__version__)
    p, addr = start_echo(tool)
    try:
        asyncio.run(python_client(addr))
        raw_tests(addr)
    finally:
        p.terminate()
        rc = p.wait(10)
    check("tool_ws_echo exits 0 on SIGTERM", rc, 0)
    asyncio.run(avila_client(avila))
    print("1..%d" % n_tests)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
