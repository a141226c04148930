/*
 * tests/net/tool_ws_echo.c - a WebSocket test server for the peer tests
 * (tests/net/test_ws_python.sh): net/http_server with routes that upgrade
 * through avila_ws_server_handshake and avila_http_takeover, then run a
 * server-role net/ws_conn:
 *   /echo       sends every message back with the same type
 *   /close4000  closes with 4000 "bye" after the first message
 * Any other path gets 404, a bad handshake 400 (426 for a version other
 * than 13).
 *
 * usage: tool_ws_echo [ADDR:PORT]   (default 127.0.0.1:0)
 * Prints "listening on ADDR:PORT" to stderr once ready; exits 0 on SIGTERM
 * or SIGINT.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "net/http_server.h"
#include "net/sock.h"
#include "net/ws_conn.h"

enum mode { MODE_ECHO, MODE_CLOSE4000 };

static void on_message(struct avila_ws_conn *c, void *arg, enum avila_ws_opcode type,
                       const uint8_t *data, size_t len)
{
    if ((enum mode)(uintptr_t)arg == MODE_CLOSE4000) {
        (void)avila_ws_conn_close(c, 4000, "bye", 3);
        return;
    }
    /* 1: above the write limit; the connection stops reading until it drains */
    if (avila_ws_conn_send(c, type, data, len) < 0)
        avila_ws_conn_abort(c);
}

static void on_close(struct avila_ws_conn *c, void *arg, uint16_t code, const uint8_t *reason,
                     size_t len, bool clean)
{
    (void)c;
    (void)arg;
    fprintf(stderr, "closed %u '%.*s'%s\n", code, (int)len, (const char *)reason,
            clean ? " clean" : "");
}

static void took_over(void *arg, struct avila_loop *loop, int fd, const struct avila_sockaddr *peer,
                      const uint8_t *rest, size_t rest_len)
{
    (void)peer;
    struct avila_ws_conn_callbacks cb = {on_message, NULL, NULL, on_close, arg};
    struct avila_ws_conn_config cfg = {.max_message = (uint64_t)64 << 20};
    struct avila_ws_conn *c;
    int rc = avila_ws_conn_start(&c, loop, avila_allocator_libc(), fd, AVILA_WS_SERVER, rest,
                                 rest_len, &cfg, &cb);
    if (rc != 0)
        fprintf(stderr, "tool_ws_echo: cannot start a connection: %s\n", avila_strerror(rc));
}

/* The upgrade: 101 and a takeover, or the error status the handshake calls for. */
static void upgrade(struct avila_http_request_ctx *ctx)
{
    struct avila_buf head;
    avila_buf_init(&head, avila_allocator_libc(), 4096);
    int rc = avila_ws_server_handshake(&ctx->req, NULL, &head);
    if (rc == 0) {
        rc = avila_http_takeover(ctx, head.data, head.len, took_over, ctx->arg);
        avila_buf_release(&head);
        if (rc != 0)
            (void)avila_http_respond(ctx, 500, NULL, 0, NULL, 0);
        return;
    }
    avila_buf_release(&head);
    if (rc == AVILA_EUNSUPPORTED) {
        struct avila_http1_header h = {avila_slice_from_cstr("Sec-WebSocket-Version"),
                                       avila_slice_from_cstr("13")};
        (void)avila_http_respond(ctx, 426, &h, 1, NULL, 0);
        return;
    }
    (void)avila_http_respond(ctx, 400, NULL, 0, "bad WebSocket handshake\n", 24);
}

static void on_signal(struct avila_loop *loop, int signo, void *arg)
{
    (void)signo;
    (void)arg;
    avila_loop_stop(loop);
}

int main(int argc, char **argv)
{
    const char *listen = argc > 1 ? argv[1] : "127.0.0.1:0";
    struct avila_sockaddr addr;
    if (argc > 2 || avila_sockaddr_parse(&addr, listen, strlen(listen)) != 0) {
        fprintf(stderr, "usage: tool_ws_echo [ADDR:PORT]\n");
        return 2;
    }
    const struct avila_allocator *a = avila_allocator_libc();
    struct avila_loop *loop = NULL;
    struct avila_http_server *srv = NULL;
    int rc = avila_loop_create(&loop, a, NULL);
    if (rc == 0)
        rc = avila_loop_signal(loop, SIGTERM, on_signal, NULL);
    if (rc == 0)
        rc = avila_loop_signal(loop, SIGINT, on_signal, NULL);
    if (rc == 0)
        rc = avila_http_server_create(&srv, loop, a, NULL, NULL, NULL);
    if (rc == 0)
        rc = avila_http_server_route(srv, "GET", "/echo", upgrade, (void *)(uintptr_t)MODE_ECHO);
    if (rc == 0)
        rc = avila_http_server_route(srv, "GET", "/close4000", upgrade,
                                     (void *)(uintptr_t)MODE_CLOSE4000);
    if (rc == 0)
        rc = avila_http_server_listen(srv, &addr, 0);
    if (rc == 0)
        rc = avila_http_server_local_addr(srv, &addr);
    char text[AVILA_SOCKADDR_STRMAX];
    if (rc == 0 && avila_sockaddr_format(&addr, text, sizeof(text)) < 0)
        rc = AVILA_EINVAL;
    if (rc != 0) {
        fprintf(stderr, "tool_ws_echo: %s\n", avila_strerror(rc));
        avila_http_server_destroy(srv);
        avila_loop_destroy(loop);
        return 1;
    }
    fprintf(stderr, "listening on %s\n", text);
    fflush(stderr);
    rc = avila_loop_run(loop);
    avila_http_server_destroy(srv);
    avila_loop_destroy(loop);
    return rc == 0 ? 0 : 1;
}
