/*
 * tests/net/tool_http1.c - line-oriented driver of net/http1.h for the
 * differential test against Python (tests/net/peer_http1.py). One command
 * per input line, one answer line per command. Byte strings travel in hex;
 * "-" is the empty string.
 *
 *   preq HEX            parse a request head, then its body per its framing
 *     -> ok METHOD TARGET MINOR KEEPALIVE NHEADERS NAME=VALUE... BODY
 *     -> err STATUS REASON          (REASON: avila_http1_reason_text, '_' for ' ')
 *   presp METHOD HEX    parse a response to a METHOD request, then its body
 *                       (until the end of HEX when it runs to the close)
 *     -> ok STATUS REASON NHEADERS NAME=VALUE... BODY
 *     -> err STATUS REASON
 *   wreq METHOD TARGET CHUNKED BODY NAME=VALUE...   serialise a request
 *   wresp STATUS REASON CHUNKED BODY NAME=VALUE...  serialise a response
 *                       (REASON "-": the standard phrase)
 *     -> the message's bytes, or "err CODE"
 * In ok answers METHOD, TARGET, REASON, NAME, VALUE and BODY are hex.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/encoding.h"
#include "core/error.h"
#include "net/http1.h"

#define MAX_LINE (1u << 20)

static uint8_t *unhex(const char *s, size_t *n)
{
    size_t digits = strcmp(s, "-") == 0 ? 0 : strlen(s);
    uint8_t *out = malloc(digits / 2 + 1);
    if (!out || avila_hex_decode(out, digits / 2, s, digits, n) != 0)
        exit(2);
    return out;
}

static void put_hex(const uint8_t *p, size_t n)
{
    if (n == 0)
        fputs("-", stdout);
    for (size_t i = 0; i < n; i++)
        printf("%02x", p[i]);
}

static void put_slice(struct avila_slice s)
{
    putchar(' ');
    put_hex(s.ptr, s.len);
}

static void put_error(const struct avila_http1_error *err)
{
    printf("err %u ", avila_http1_error_status(err->reason));
    for (const char *r = avila_http1_reason_text(err->reason); *r; r++)
        putchar(*r == ' ' ? '_' : *r);
    putchar('\n');
}

static void put_headers(const struct avila_http1_header *h, size_t n)
{
    printf(" %zu", n);
    for (size_t i = 0; i < n; i++) {
        putchar(' ');
        put_hex(h[i].name.ptr, h[i].name.len);
        putchar('=');
        put_hex(h[i].value.ptr, h[i].value.len);
    }
}

/* Decodes the body at in[0 .. n) into out; 0, or -1 with *err set. */
static int decode_body(enum avila_http1_framing framing, uint64_t cl, const uint8_t *in, size_t n,
                       struct avila_buf *out, struct avila_http1_error *err)
{
    struct avila_http1_body d;
    avila_http1_body_init(&d, framing, cl, NULL);
    for (;;) {
        struct avila_http1_body_event ev;
        int rc = avila_http1_body_decode(&d, in, n, &ev, err);
        if (rc < 0)
            return -1;
        in += rc;
        n -= (size_t)rc;
        if (ev.kind == AVILA_HTTP1_EV_DATA && avila_buf_append(out, ev.data.ptr, ev.data.len) < 0)
            exit(2);
        if (ev.kind == AVILA_HTTP1_EV_DONE)
            return 0;
        if (ev.kind == AVILA_HTTP1_EV_NONE)
            return avila_http1_body_eof(&d, err) < 0 ? -1 : 0;
    }
}

static void parse_request(const char *hex)
{
    size_t n;
    uint8_t *in = unhex(hex, &n);
    struct avila_http1_header h[100];
    struct avila_http1_request req;
    struct avila_http1_error err = {0};
    struct avila_buf body;
    avila_buf_init(&body, avila_allocator_libc(), MAX_LINE);
    int rc = avila_http1_parse_request(NULL, in, n, h, 100, &req, &err);
    if (rc == AVILA_EAGAIN) {
        puts("err 0 incomplete");
    } else if (rc < 0 || decode_body(req.body, req.content_length, in + rc, n - (size_t)rc, &body,
                                     &err) < 0) {
        put_error(&err);
    } else {
        fputs("ok", stdout);
        put_slice(req.method);
        put_slice(req.target);
        printf(" %u %d", req.version_minor, req.keep_alive ? 1 : 0);
        put_headers(h, req.header_count);
        put_slice(avila_slice_make(body.data, body.len));
        putchar('\n');
    }
    avila_buf_release(&body);
    free(in);
}

static enum avila_http1_method method_of(const char *m)
{
    if (strcmp(m, "HEAD") == 0)
        return AVILA_HTTP1_METHOD_HEAD;
    if (strcmp(m, "CONNECT") == 0)
        return AVILA_HTTP1_METHOD_CONNECT;
    return AVILA_HTTP1_METHOD_GET;
}

static void parse_response(const char *method, const char *hex)
{
    size_t n;
    uint8_t *in = unhex(hex, &n);
    struct avila_http1_header h[100];
    struct avila_http1_response resp;
    struct avila_http1_error err = {0};
    struct avila_buf body;
    avila_buf_init(&body, avila_allocator_libc(), MAX_LINE);
    int rc = avila_http1_parse_response(NULL, in, n, method_of(method), h, 100, &resp, &err);
    if (rc == AVILA_EAGAIN) {
        puts("err 0 incomplete");
    } else if (rc < 0 || decode_body(resp.body, resp.content_length, in + rc, n - (size_t)rc, &body,
                                     &err) < 0) {
        put_error(&err);
    } else {
        printf("ok %u", resp.status);
        put_slice(resp.reason);
        put_headers(h, resp.header_count);
        put_slice(avila_slice_make(body.data, body.len));
        putchar('\n');
    }
    avila_buf_release(&body);
    free(in);
}

/* wreq / wresp: fields after the command, split at spaces. */
static void write_message(char **f, int nf, bool request)
{
    struct avila_buf b;
    avila_buf_init(&b, avila_allocator_libc(), MAX_LINE);
    int rc;
    size_t n1, blen;
    uint8_t *a1 = unhex(f[1], &n1);
    uint8_t *body = unhex(f[3], &blen);
    bool chunked = strcmp(f[2], "1") == 0;
    if (request) {
        rc = avila_http1_write_request_line(&b, f[0], avila_slice_make(a1, n1), 1);
    } else {
        a1[n1] = 0;
        rc = avila_http1_write_status_line(&b, 1, (unsigned)strtoul(f[0], NULL, 10),
                                           strcmp(f[1], "-") == 0 ? NULL : (const char *)a1);
    }
    for (int i = 4; i < nf && rc == 0; i++) {
        char *eq = strchr(f[i], '=');
        if (!eq)
            exit(2);
        *eq = 0;
        size_t nn, vn;
        uint8_t *name = unhex(f[i], &nn), *value = unhex(eq + 1, &vn);
        rc = avila_http1_write_header(&b, avila_slice_make(name, nn), avila_slice_make(value, vn));
        free(name);
        free(value);
    }
    if (rc == 0 && chunked)
        rc = avila_http1_write_header_str(&b, "Transfer-Encoding", "chunked");
    else if (rc == 0)
        rc = avila_http1_write_header_u64(&b, "Content-Length", blen);
    if (rc == 0)
        rc = avila_http1_write_end(&b);
    if (rc == 0 && chunked) {
        /* Chunks of 1, 2, 3, ... bytes. */
        for (size_t off = 0, k = 1; off < blen && rc == 0; off += k, k++) {
            if (k > blen - off)
                k = blen - off;
            rc = avila_http1_write_chunk(&b, body + off, k);
        }
        if (rc == 0)
            rc = avila_http1_write_last_chunk(&b, NULL, 0);
    } else if (rc == 0) {
        rc = avila_buf_append(&b, body, blen);
    }
    if (rc < 0)
        printf("err %s\n", avila_strerror_name(rc));
    else {
        put_hex(b.data, b.len);
        putchar('\n');
    }
    free(a1);
    free(body);
    avila_buf_release(&b);
}

int main(void)
{
    char *line = malloc(MAX_LINE * 2 + 64);
    if (!line)
        return 2;
    while (fgets(line, (int)(MAX_LINE * 2 + 64), stdin)) {
        line[strcspn(line, "\n")] = 0;
        char *f[256];
        int nf = 0;
        for (char *save = NULL, *t = strtok_r(line, " ", &save); t && nf < 256;
             t = strtok_r(NULL, " ", &save))
            f[nf++] = t;
        if (nf == 2 && strcmp(f[0], "preq") == 0)
            parse_request(f[1]);
        else if (nf == 3 && strcmp(f[0], "presp") == 0)
            parse_response(f[1], f[2]);
        else if (nf >= 5 && strcmp(f[0], "wreq") == 0)
            write_message(f + 1, nf - 1, true);
        else if (nf >= 5 && strcmp(f[0], "wresp") == 0)
            write_message(f + 1, nf - 1, false);
        else
            puts("err usage");
        fflush(stdout);
    }
    free(line);
    return 0;
}
