#!/usr/bin/env python3
"""The HTTP/1.1 peer of tests/apps/test_fetch.sh: python3's http.server with
routes that exercise `avila fetch`. Prints its port on stdout, then serves
until killed. Every connection it accepts is counted (GET /connections)."""
import http.server
import socketserver
import sys
import time

connections = 0


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body=b"", headers=(), length=True):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def body(self):
        n = int(self.headers.get("Content-Length", "0"))
        return self.rfile.read(n)

    def route(self):
        p = self.path
        if p == "/hello":
            return self.send(200, b"hello\n", [("Content-Type", "text/plain")])
        if p == "/connections":
            return self.send(200, str(connections).encode())
        if p == "/echo":
            data = self.body()
            head = f"{self.command} {self.headers.get('X-Test', '-')} {len(data)}\n".encode()
            return self.send(200, head + data)
        if p == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (b"one,", b"two,", b"x" * 5000, b"end\n"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\nX-Trailer: yes\r\n\r\n")
            return None
        if p == "/close":
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"until close\n")
            self.close_connection = True
            return None
        if p.startswith("/redirect/"):
            n = int(p.split("/")[2])
            where = "/hello" if n == 0 else f"../redirect/{n - 1}"
            self.body()
            return self.send(302, b"moved", [("Location", where)])
        if p == "/see-other":
            self.body()
            return self.send(303, b"", [("Location", "/echo")])
        if p == "/temporary":
            self.body()
            return self.send(307, b"", [("Location", "/echo")])
        if p == "/loop":
            self.body()
            return self.send(301, b"", [("Location", "/loop")])
        if p == "/slow":
            time.sleep(3)
            return self.send(200, b"late")
        if p == "/missing":
            return self.send(404, b"no such thing\n")
        return self.send(404, b"")

    do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = route


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True

    def get_request(self):
        global connections
        connections += 1
        return super().get_request()


srv = Server(("127.0.0.1", 0), Handler)
print(srv.server_address[1], flush=True)
srv.serve_forever()
