/*
 * tests/net/test_ws.c - WebSocket handshake values and framing (net/ws.h):
 * RFC 6455's own examples (section 1.3's handshake, section 4.1's nonce,
 * section 5.7's frames) decoded and encoded byte for byte; the server's
 * upgrade checks (400, 426 and subprotocol cases) and the client's checks
 * of the answer, each tampered field refused; every protocol
 * error of section 5 with the status code it closes with; UTF-8 checked
 * across frame and input splits (1007 at the first bad byte, and for a
 * message that ends inside a sequence); the message size limit across
 * fragments (1009); and a property test: random conversations (fragmented
 * messages, control frames between fragments, masked and not) written by
 * the encoder and decoded in random splits give back exactly what was sent.
 */
#include "tests/support/unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/endian.h"
#include "net/ws.h"

/* ---------------------------------------------------------------- transcripts */

/*
 * What a decoder made of a byte stream, as bytes to compare: each whole
 * message ('T' or 'B', length, bytes), each control frame ('P', 'Q' or
 * 'C', code, length, payload), then 'E' with the final return code and
 * close code.
 */
struct transcript {
    struct avila_buf out, msg; /* msg: the message being reassembled */
    int msg_type;
};

static void put_u64(struct avila_buf *b, uint64_t v)
{
    uint8_t t[8];
    avila_store_le64(t, v);
    assert_int_equal(avila_buf_append(b, t, 8), 0);
}

static void record(struct transcript *t, const struct avila_ws_event *ev)
{
    if (ev->type == AVILA_WS_EV_DATA) {
        assert_true(ev->opcode == AVILA_WS_TEXT || ev->opcode == AVILA_WS_BINARY);
        assert_true(ev->len > 0 || ev->fin);
        if (t->msg.len == 0 && t->msg_type == 0)
            t->msg_type = ev->opcode;
        assert_int_equal(t->msg_type, ev->opcode);
        assert_int_equal(avila_buf_append(&t->msg, ev->data, ev->len), 0);
        if (ev->fin) {
            assert_int_equal(
                avila_buf_append_byte(&t->out, ev->opcode == AVILA_WS_TEXT ? 'T' : 'B'), 0);
            put_u64(&t->out, t->msg.len);
            assert_int_equal(avila_buf_append(&t->out, t->msg.data, t->msg.len), 0);
            avila_buf_clear(&t->msg);
            t->msg_type = 0;
        }
        return;
    }
    static const char tag[] = {
        [AVILA_WS_EV_PING] = 'P', [AVILA_WS_EV_PONG] = 'Q', [AVILA_WS_EV_CLOSE] = 'C'};
    assert_int_equal(avila_buf_append_byte(&t->out, (uint8_t)tag[ev->type]), 0);
    put_u64(&t->out, ev->code);
    put_u64(&t->out, ev->len);
    assert_int_equal(avila_buf_append(&t->out, ev->data, ev->len), 0);
}

static void transcript_init(struct transcript *t)
{
    avila_buf_init(&t->out, avila_allocator_libc(), SIZE_MAX);
    avila_buf_init(&t->msg, avila_allocator_libc(), SIZE_MAX);
    t->msg_type = 0;
}

static void transcript_release(struct transcript *t)
{
    avila_buf_release(&t->out);
    avila_buf_release(&t->msg);
}

/*
 * Decodes wire[0..n) as received by role, arriving in pieces of random
 * sizes (seed 0: all at once), the way a driver would: unconsumed bytes
 * stay in front of the next piece. Appends the transcript to *t and returns
 * the final code (0 when the input ran out cleanly).
 */
static int decode_split(struct transcript *t, enum avila_ws_role role, uint64_t max,
                        const uint8_t *wire, size_t n, uint64_t seed)
{
    struct avila_ws_decoder d;
    assert_int_equal(avila_ws_decoder_init(&d, role, max), 0);
    uint8_t *buf = malloc(n + 1);
    assert_non_null(buf);
    size_t have = 0, fed = 0;
    int rc = 0;
    while (rc >= 0) {
        if (fed < n) {
            size_t piece = seed ? 1 + (size_t)(unit_rand(&seed) % 37) : n;
            if (piece > n - fed)
                piece = n - fed;
            memcpy(buf + have, wire + fed, piece);
            have += piece;
            fed += piece;
        }
        size_t used;
        struct avila_ws_event ev;
        rc = avila_ws_decode(&d, buf, have, &used, &ev);
        assert_true(used <= have);
        if (rc == 1) {
            if (ev.type == AVILA_WS_EV_DATA && ev.len > 0)
                assert_true(ev.data >= buf && ev.data + ev.len <= buf + used);
            record(t, &ev);
        }
        memmove(buf, buf + used, have - used);
        have -= used;
        if (rc == 0 && fed == n)
            break;
    }
    free(buf);
    assert_int_equal(avila_buf_append_byte(&t->out, 'E'), 0);
    put_u64(&t->out, (uint64_t)(int64_t)rc);
    put_u64(&t->out, avila_ws_decoder_close_code(&d));
    return rc;
}

/* Decodes hex-written wire bytes whole; returns the final code, *code the close code. */
static int decode_hex(enum avila_ws_role role, const char *hex, uint16_t *code)
{
    uint8_t wire[300];
    size_t n = unit_unhex(hex, wire, sizeof wire);
    struct avila_ws_decoder d;
    assert_int_equal(avila_ws_decoder_init(&d, role, 0), 0);
    size_t at = 0;
    int rc;
    for (;;) {
        size_t used;
        struct avila_ws_event ev;
        rc = avila_ws_decode(&d, wire + at, n - at, &used, &ev);
        at += used;
        if (rc != 1)
            break;
    }
    *code = avila_ws_decoder_close_code(&d);
    return rc;
}

/* ---------------------------------------------------------------- handshake */

static void handshake_rfc_examples(void **state)
{
    (void)state;
    /* Section 4.1: the nonce "the sample nonce" makes the key of section 1.3. */
    char key[AVILA_WS_KEY_LEN], accept[AVILA_WS_ACCEPT_LEN];
    avila_ws_key_make((const uint8_t *)"the sample nonce", key);
    assert_memory_equal(key, "dGhlIHNhbXBsZSBub25jZQ==", AVILA_WS_KEY_LEN);
    assert_int_equal(avila_ws_key_check(key, AVILA_WS_KEY_LEN), 0);
    /* Section 1.3: the server's answer to that key. */
    avila_ws_accept(key, AVILA_WS_KEY_LEN, accept);
    assert_memory_equal(accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", AVILA_WS_ACCEPT_LEN);
    assert_int_equal(avila_ws_accept_check(key, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", 28), 0);
    assert_int_equal(avila_ws_accept_check(key, "s3pPLMBiTxaQ9kYGzzhZRbK+xOp=", 28), AVILA_EFORMAT);
    assert_int_equal(avila_ws_accept_check(key, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo", 27), AVILA_EFORMAT);
    assert_int_equal(avila_ws_accept_check(key, NULL, 0), AVILA_EFORMAT);
}

static void key_check_rules(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "dGhlIHNhbXBsZSBub25jZQ=",   /* 23 characters */
        "dGhlIHNhbXBsZSBub25jZQ===", /* 25 */
        "dGhlIHNhbXBsZSBub25jZR==",  /* non-canonical last character */
        "dGhlIHNhbXBsZSBub25jZQ!=",  /* not base64 */
        "dGhlIHNhbXBsZSBub25jZWVl",  /* 24 characters of 18 bytes */
        "dGhlIHNhbXBsZSBub25jZWU=",  /* 17 bytes */
        " dGhlIHNhbXBsZSBub25jZQ==", /* whitespace is the HTTP layer's to trim */
    };
    for (size_t i = 0; i < AVILA_ARRAY_LEN(bad); i++)
        assert_int_equal(avila_ws_key_check(bad[i], strlen(bad[i])), AVILA_EFORMAT);
    assert_int_equal(avila_ws_key_check(NULL, 24), AVILA_EFORMAT);
    assert_int_equal(avila_ws_key_check("AAAAAAAAAAAAAAAAAAAAAA==", 24), 0);
}

/* Parses a request head and runs the server's handshake on it; the 101 head goes to out. */
static int server_side(const char *request, const char *protocol, struct avila_buf *out)
{
    struct avila_http1_header h[32];
    struct avila_http1_request req;
    int n = avila_http1_parse_request(NULL, request, strlen(request), h, 32, &req, NULL);
    assert_true(n > 0);
    return avila_ws_server_handshake(&req, protocol, out);
}

static void server_handshake(void **state)
{
    (void)state;
    /* Section 1.3's request, answered with its 101 (and a subprotocol the client offered). */
    const char *rfc = "GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\n"
                      "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                      "Origin: http://example.com\r\nSec-WebSocket-Protocol: chat, superchat\r\n"
                      "Sec-WebSocket-Version: 13\r\n\r\n";
    struct avila_buf out;
    avila_buf_init(&out, avila_allocator_libc(), SIZE_MAX);
    assert_int_equal(server_side(rfc, "chat", &out), 0);
    const char *want =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
        "Sec-WebSocket-Protocol: chat\r\n\r\n";
    assert_int_equal(out.len, strlen(want));
    assert_memory_equal(out.data, want, out.len);
    static const struct {
        const char *req;
        int rc;
    } cases[] = {
        {"GET / HTTP/1.1\r\nHost: a\r\nUpgrade: WebSocket\r\nConnection: keep-alive, upgrade\r\n"
         "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\nSec-WebSocket-Version: 13\r\n\r\n",
         0},
        {"GET / HTTP/1.1\r\nHost: a\r\nUpgrade: h2c\r\nUpgrade: websocket\r\nConnection: "
         "Upgrade\r\n"
         "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\nSec-WebSocket-Version: 13\r\n\r\n",
         0},
        {"POST / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\nSec-WebSocket-Version: 13\r\n\r\n",
         AVILA_EFORMAT},
        {"GET / HTTP/1.0\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\nSec-WebSocket-Version: 13\r\n\r\n",
         AVILA_EFORMAT},
        {"GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\nSec-WebSocket-Version: 13\r\n\r\n",
         AVILA_EFORMAT},
        {"GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: close\r\n"
         "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\nSec-WebSocket-Version: 13\r\n\r\n",
         AVILA_EFORMAT},
        {"GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAA\r\nSec-WebSocket-Version: 13\r\n\r\n",
         AVILA_EFORMAT},
        {"GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\nSec-WebSocket-Key: "
         "AAAAAAAAAAAAAAAAAAAAAA==\r\n"
         "Sec-WebSocket-Version: 13\r\n\r\n",
         AVILA_EFORMAT},
        {"GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\nSec-WebSocket-Version: 8\r\n\r\n",
         AVILA_EUNSUPPORTED},
        {"GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\n\r\n",
         AVILA_EUNSUPPORTED},
    };
    for (size_t i = 0; i < AVILA_ARRAY_LEN(cases); i++) {
        avila_buf_clear(&out);
        int rc = server_side(cases[i].req, NULL, &out);
        if (rc != cases[i].rc)
            fail_msg("case %zu: %d, want %d", i, rc, cases[i].rc);
        assert_int_equal(out.len == 0, rc != 0);
    }
    avila_buf_clear(&out);
    assert_int_equal(server_side(rfc, "chat2", &out), AVILA_ENOTFOUND);
    assert_int_equal(out.len, 0);
    avila_buf_release(&out);
}

/* The client's request through the server and back: accepted; each tampered answer refused. */
static void client_handshake(void **state)
{
    (void)state;
    char key[AVILA_WS_KEY_LEN];
    avila_ws_key_make((const uint8_t *)"0123456789abcdef", key);
    struct avila_buf req, resp;
    avila_buf_init(&req, avila_allocator_libc(), SIZE_MAX);
    avila_buf_init(&resp, avila_allocator_libc(), SIZE_MAX);
    assert_int_equal(
        avila_ws_client_request(&req, "example.com:8080", "/socket?x=1", key, "v2.proto, v1.proto"),
        0);
    assert_int_equal(avila_buf_append_byte(&req, 0), 0);
    assert_int_equal(server_side((const char *)req.data, "v1.proto", &resp), 0);
    static const struct {
        const char *from, *to; /* a replacement in the server's answer, or none */
        int rc;
    } cases[] = {
        {NULL, NULL, 0},
        {"101 Switching Protocols", "200 OK", AVILA_EFORMAT},
        {"Upgrade: websocket", "Upgrade: h2c", AVILA_EFORMAT},
        {"Connection: Upgrade", "Connection: close", AVILA_EFORMAT},
        {"Sec-WebSocket-Accept: ", "Sec-WebSocket-Accept: x", AVILA_EFORMAT},
        {"Sec-WebSocket-Protocol: v1.proto", "Sec-WebSocket-Protocol: v3.proto", AVILA_EFORMAT},
        {"Sec-WebSocket-Protocol: v1.proto", "Sec-WebSocket-Extensions: permessage-deflate",
         AVILA_EFORMAT},
        {"Sec-WebSocket-Protocol: v1.proto", "X-Other: 1", 0},
    };
    for (size_t i = 0; i < AVILA_ARRAY_LEN(cases); i++) {
        char text[512];
        assert_true(resp.len < sizeof text);
        memcpy(text, resp.data, resp.len);
        text[resp.len] = '\0';
        if (cases[i].from) {
            /* text = before + to + after */
            char *at = strstr(text, cases[i].from), tail[512];
            assert_non_null(at);
            snprintf(tail, sizeof tail, "%s", at + strlen(cases[i].from));
            snprintf(at, sizeof text - (size_t)(at - text), "%s%s", cases[i].to, tail);
        }
        struct avila_http1_header h[16];
        struct avila_http1_response r;
        assert_true(avila_http1_parse_response(NULL, text, strlen(text), AVILA_HTTP1_METHOD_GET, h,
                                               16, &r, NULL) > 0);
        struct avila_slice chosen;
        int rc = avila_ws_client_check(&r, key, "v2.proto, v1.proto", &chosen);
        if (rc != cases[i].rc)
            fail_msg("case %zu: %d, want %d", i, rc, cases[i].rc);
        if (rc == 0 && i == 0)
            assert_true(avila_slice_equal(chosen, avila_slice_from_cstr("v1.proto")));
        if (rc == 0 && i == 7)
            assert_int_equal(chosen.len, 0);
    }
    avila_buf_release(&req);
    avila_buf_release(&resp);
}

/* ---------------------------------------------------------------- RFC 6455 section 5.7 */

static void rfc_examples_decode(void **state)
{
    (void)state;
    static const struct {
        enum avila_ws_role role;
        const char *hex;
        int type; /* the event's type */
        const char *payload;
    } cases[] = {
        {AVILA_WS_CLIENT, "810548656c6c6f", AVILA_WS_EV_DATA, "Hello"},
        {AVILA_WS_SERVER, "818537fa213d7f9f4d5158", AVILA_WS_EV_DATA, "Hello"},
        {AVILA_WS_CLIENT, "890548656c6c6f", AVILA_WS_EV_PING, "Hello"},
        {AVILA_WS_SERVER, "8a8537fa213d7f9f4d5158", AVILA_WS_EV_PONG, "Hello"},
    };
    for (size_t i = 0; i < AVILA_ARRAY_LEN(cases); i++) {
        uint8_t wire[64];
        size_t n = unit_unhex(cases[i].hex, wire, sizeof wire), used;
        struct avila_ws_decoder d;
        struct avila_ws_event ev;
        assert_int_equal(avila_ws_decoder_init(&d, cases[i].role, 0), 0);
        assert_int_equal(avila_ws_decode(&d, wire, n, &used, &ev), 1);
        assert_int_equal(used, n);
        assert_int_equal(ev.type, cases[i].type);
        assert_true(ev.fin);
        assert_int_equal(ev.len, 5);
        assert_memory_equal(ev.data, cases[i].payload, 5);
        if (ev.type == AVILA_WS_EV_DATA)
            assert_int_equal(ev.opcode, AVILA_WS_TEXT);
    }
    /* A fragmented text message: "Hel", then "lo". */
    uint8_t wire[16];
    size_t n = unit_unhex("010348656c80026c6f", wire, sizeof wire), used;
    struct avila_ws_decoder d;
    struct avila_ws_event ev;
    assert_int_equal(avila_ws_decoder_init(&d, AVILA_WS_CLIENT, 0), 0);
    assert_int_equal(avila_ws_decode(&d, wire, n, &used, &ev), 1);
    assert_int_equal(used, 5);
    assert_false(ev.fin);
    assert_memory_equal(ev.data, "Hel", 3);
    assert_int_equal(avila_ws_decode(&d, wire + 5, n - 5, &used, &ev), 1);
    assert_true(ev.fin);
    assert_int_equal(ev.opcode, AVILA_WS_TEXT);
    assert_memory_equal(ev.data, "lo", 2);
}

static void rfc_examples_encode(void **state)
{
    (void)state;
    static const uint8_t key[4] = {0x37, 0xfa, 0x21, 0x3d};
    struct avila_buf b;
    uint8_t want[16];
    avila_buf_init(&b, avila_allocator_libc(), SIZE_MAX);
    assert_int_equal(avila_ws_write_frame(&b, AVILA_WS_TEXT, true, "Hello", 5, NULL), 0);
    assert_int_equal(avila_ws_write_frame(&b, AVILA_WS_TEXT, true, "Hello", 5, key), 0);
    assert_int_equal(avila_ws_write_frame(&b, AVILA_WS_TEXT, false, "Hel", 3, NULL), 0);
    assert_int_equal(avila_ws_write_frame(&b, AVILA_WS_CONT, true, "lo", 2, NULL), 0);
    assert_int_equal(avila_ws_write_frame(&b, AVILA_WS_PING, true, "Hello", 5, NULL), 0);
    assert_int_equal(avila_ws_write_frame(&b, AVILA_WS_PONG, true, "Hello", 5, key), 0);
    const char *hex = "810548656c6c6f"
                      "818537fa213d7f9f4d5158"
                      "010348656c80026c6f"
                      "890548656c6c6f"
                      "8a8537fa213d7f9f4d5158";
    uint8_t all[64];
    size_t n = unit_unhex(hex, all, sizeof all);
    assert_int_equal(b.len, n);
    assert_memory_equal(b.data, all, n);
    /* 256 and 65536 bytes of binary data: the 16- and 64-bit length forms. */
    uint8_t hdr[AVILA_WS_HEADER_MAX];
    assert_int_equal(avila_ws_header(hdr, AVILA_WS_BINARY, true, 256, NULL), 4);
    assert_int_equal(unit_unhex("827e0100", want, sizeof want), 4);
    assert_memory_equal(hdr, want, 4);
    assert_int_equal(avila_ws_header(hdr, AVILA_WS_BINARY, true, 65536, NULL), 10);
    assert_int_equal(unit_unhex("827f0000000000010000", want, sizeof want), 10);
    assert_memory_equal(hdr, want, 10);
    /* Control frames must be final and short; opcodes must exist. */
    static const uint8_t big[126];
    assert_int_equal(avila_ws_write_frame(&b, AVILA_WS_PING, true, big, 126, NULL), AVILA_EINVAL);
    assert_int_equal(avila_ws_write_frame(&b, AVILA_WS_PING, false, big, 1, NULL), AVILA_EINVAL);
    assert_int_equal(avila_ws_write_frame(&b, (enum avila_ws_opcode)3, true, big, 1, NULL),
                     AVILA_EINVAL);
    assert_int_equal(avila_ws_write_frame(&b, AVILA_WS_TEXT, true, NULL, 1, NULL), AVILA_EINVAL);
    assert_int_equal(b.len, n);
    avila_buf_release(&b);
}

/* ---------------------------------------------------------------- errors */

static void protocol_errors(void **state)
{
    (void)state;
    static const struct {
        enum avila_ws_role role;
        const char *hex, *why;
        int rc;
        uint16_t code;
    } cases[] = {
        {AVILA_WS_SERVER, "810548656c6c6f", "unmasked client frame", AVILA_EFORMAT, 1002},
        {AVILA_WS_CLIENT, "818537fa213d7f9f4d5158", "masked server frame", AVILA_EFORMAT, 1002},
        {AVILA_WS_CLIENT, "c10548656c6c6f", "RSV1", AVILA_EFORMAT, 1002},
        {AVILA_WS_CLIENT, "a10548656c6c6f", "RSV2", AVILA_EFORMAT, 1002},
        {AVILA_WS_CLIENT, "910548656c6c6f", "RSV3", AVILA_EFORMAT, 1002},
        {AVILA_WS_CLIENT, "8300", "reserved data opcode", AVILA_EFORMAT, 1002},
        {AVILA_WS_CLIENT, "8b00", "reserved control opcode", AVILA_EFORMAT, 1002},
        {AVILA_WS_CLIENT, "0900", "fragmented ping", AVILA_EFORMAT, 1002},
        {AVILA_WS_CLIENT, "897e007e", "ping of 126 bytes", AVILA_EFORMAT, 1002},
        {AVILA_WS_CLIENT, "8000", "continuation without a message", AVILA_EFORMAT, 1002},
        {AVILA_WS_CLIENT, "010161810161", "text inside a text message", AVILA_EFORMAT, 1002},
        {AVILA_WS_CLIENT, "827e0005", "16-bit length under 126", AVILA_EFORMAT, 1002},
        {AVILA_WS_CLIENT, "827f000000000000ffff", "64-bit length under 65536", AVILA_EFORMAT, 1002},
        {AVILA_WS_CLIENT, "827f8000000000000000", "64-bit length with the top bit", AVILA_EFORMAT,
         1002},
        {AVILA_WS_CLIENT, "880103", "close with one byte", AVILA_EFORMAT, 1002},
        {AVILA_WS_CLIENT, "880203ec", "close code 1004", AVILA_EFORMAT, 1002},
        {AVILA_WS_CLIENT, "880203ed", "close code 1005", AVILA_EFORMAT, 1002},
        {AVILA_WS_CLIENT, "880203ee", "close code 1006", AVILA_EFORMAT, 1002},
        {AVILA_WS_CLIENT, "880203f7", "close code 1015", AVILA_EFORMAT, 1002},
        {AVILA_WS_CLIENT, "8802012c", "close code 300", AVILA_EFORMAT, 1002},
        {AVILA_WS_CLIENT, "88020bb7", "close code 2999", AVILA_EFORMAT, 1002},
        {AVILA_WS_CLIENT, "88021388", "close code 5000", AVILA_EFORMAT, 1002},
        {AVILA_WS_CLIENT, "880403e8ff61", "close reason not UTF-8", AVILA_EFORMAT, 1007},
        {AVILA_WS_CLIENT, "8103eda080", "text with a surrogate", AVILA_EFORMAT, 1007},
        {AVILA_WS_CLIENT, "8101c3", "text ending inside a sequence", AVILA_EFORMAT, 1007},
        {AVILA_WS_CLIENT,
         "0102c3a9"
         "8001c3",
         "message ending inside a sequence", AVILA_EFORMAT, 1007},
        {AVILA_WS_CLIENT, "827f0000000001000001", "message over the limit", AVILA_ELIMIT, 1009},
    };
    for (size_t i = 0; i < AVILA_ARRAY_LEN(cases); i++) {
        uint16_t code;
        int rc = decode_hex(cases[i].role, cases[i].hex, &code);
        if (rc != cases[i].rc || code != cases[i].code)
            fail_msg("%s: rc %d code %u, want %d %u", cases[i].why, rc, code, cases[i].rc,
                     cases[i].code);
    }
}

/* Every valid close code is accepted and reported; an empty close says 1005. */
static void close_frames(void **state)
{
    (void)state;
    for (unsigned code = 0; code < 5100; code++) {
        bool valid = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
                     (code >= 3000 && code <= 4999);
        assert_int_equal(avila_ws_close_code_valid((uint16_t)code), valid);
        struct avila_buf b;
        avila_buf_init(&b, avila_allocator_libc(), SIZE_MAX);
        int rc = avila_ws_write_close(&b, (uint16_t)code, "bye", 3, NULL);
        assert_int_equal(rc, valid ? 0 : AVILA_EINVAL);
        if (rc == 0) {
            struct avila_ws_decoder d;
            struct avila_ws_event ev;
            size_t used;
            assert_int_equal(avila_ws_decoder_init(&d, AVILA_WS_CLIENT, 0), 0);
            assert_int_equal(avila_ws_decode(&d, b.data, b.len, &used, &ev), 1);
            assert_int_equal(ev.type, AVILA_WS_EV_CLOSE);
            assert_int_equal(ev.code, code);
            assert_int_equal(ev.len, 3);
            assert_memory_equal(ev.data, "bye", 3);
            /* Nothing is accepted after a close frame. */
            assert_int_equal(avila_ws_decode(&d, b.data, b.len, &used, &ev), AVILA_ECLOSED);
        }
        avila_buf_release(&b);
    }
    struct avila_buf b;
    avila_buf_init(&b, avila_allocator_libc(), SIZE_MAX);
    assert_int_equal(avila_ws_write_close(&b, 0, NULL, 0, NULL), 0);
    assert_int_equal(avila_ws_write_close(&b, 1000, "\xff", 1, NULL), AVILA_EINVAL);
    static const char long_reason[124] = {0};
    assert_int_equal(avila_ws_write_close(&b, 1000, long_reason, 124, NULL), AVILA_EINVAL);
    assert_int_equal(avila_ws_write_close(&b, 1000, long_reason, 123, NULL), 0);
    struct avila_ws_decoder d;
    struct avila_ws_event ev;
    size_t used;
    assert_int_equal(avila_ws_decoder_init(&d, AVILA_WS_CLIENT, 0), 0);
    assert_int_equal(avila_ws_decode(&d, b.data, b.len, &used, &ev), 1);
    assert_int_equal(ev.code, AVILA_WS_NO_STATUS);
    assert_int_equal(ev.len, 0);
    avila_buf_release(&b);
}

/* The limit counts a message over all its fragments; control frames do not count. */
static void message_limit(void **state)
{
    (void)state;
    static const uint8_t data[100];
    for (size_t total = 98; total <= 102; total++) {
        struct avila_buf b;
        avila_buf_init(&b, avila_allocator_libc(), SIZE_MAX);
        size_t first = total / 2;
        assert_int_equal(avila_ws_write_frame(&b, AVILA_WS_BINARY, false, data, first, NULL), 0);
        assert_int_equal(avila_ws_write_frame(&b, AVILA_WS_PING, true, data, 100, NULL), 0);
        assert_int_equal(avila_ws_write_frame(&b, AVILA_WS_CONT, true, data, total - first, NULL),
                         0);
        /* A second message of the same size: the count starts again. */
        assert_int_equal(avila_ws_write_frame(&b, AVILA_WS_BINARY, true, data, 100, NULL), 0);
        struct transcript t;
        transcript_init(&t);
        int rc = decode_split(&t, AVILA_WS_CLIENT, 100, b.data, b.len, total);
        assert_int_equal(rc, total <= 100 ? 0 : AVILA_ELIMIT);
        transcript_release(&t);
        avila_buf_release(&b);
    }
    struct avila_ws_decoder d;
    assert_int_equal(avila_ws_decoder_init(&d, AVILA_WS_CLIENT, AVILA_WS_MESSAGE_LIMIT), 0);
    assert_int_equal(avila_ws_decoder_init(&d, AVILA_WS_CLIENT, AVILA_WS_MESSAGE_LIMIT + 1),
                     AVILA_EINVAL);
    assert_int_equal(avila_ws_decoder_init(&d, (enum avila_ws_role)7, 0), AVILA_EINVAL);
}

/* ---------------------------------------------------------------- UTF-8 across splits */

/* A text message cut into frames at every byte of a mixed-width text: valid, and 1007 when broken.
 */
static void utf8_across_frames(void **state)
{
    (void)state;
    /* 1-, 2-, 3- and 4-byte characters. */
    static const uint8_t text[] = {'a', 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80, 'z'};
    const size_t n = sizeof text;
    for (size_t cut = 0; cut <= n; cut++) {
        for (int broken = 0; broken < 2; broken++) {
            uint8_t msg[32];
            memcpy(msg, text, n);
            if (broken)
                msg[7] = 'x'; /* inside the 4-byte sequence: an invalid continuation */
            struct avila_buf b;
            avila_buf_init(&b, avila_allocator_libc(), SIZE_MAX);
            assert_int_equal(avila_ws_write_frame(&b, AVILA_WS_TEXT, false, msg, cut, NULL), 0);
            assert_int_equal(
                avila_ws_write_frame(&b, AVILA_WS_CONT, true, msg + cut, n - cut, NULL), 0);
            for (uint64_t seed = 0; seed < 20; seed++) {
                struct transcript t;
                transcript_init(&t);
                int rc = decode_split(&t, AVILA_WS_CLIENT, 0, b.data, b.len, seed);
                assert_int_equal(rc, broken ? AVILA_EFORMAT : 0);
                if (!broken) {
                    assert_int_equal(t.out.data[0], 'T');
                    assert_memory_equal(t.out.data + 9, text, n);
                }
                transcript_release(&t);
            }
            avila_buf_release(&b);
        }
    }
}

/* ---------------------------------------------------------------- property */

/*
 * Random conversations: messages of random type and size split into random
 * fragments, with pings and pongs between fragments, then maybe a close.
 * The expected transcript is built from what was sent; every split of the
 * wire bytes must decode to it.
 */
static void random_conversations(void **state)
{
    (void)state;
    uint64_t rng = 2026;
    for (int iter = 0; iter < 600; iter++) {
        enum avila_ws_role reader = (iter & 1) ? AVILA_WS_SERVER : AVILA_WS_CLIENT;
        struct avila_buf wire;
        struct transcript want;
        avila_buf_init(&wire, avila_allocator_libc(), SIZE_MAX);
        transcript_init(&want);
        int messages = 1 + (int)(unit_rand(&rng) % 5);
        for (int m = 0; m < messages; m++) {
            bool text = unit_rand(&rng) & 1;
            size_t len =
                (size_t)(unit_rand(&rng) % 4 ? unit_rand(&rng) % 200 : unit_rand(&rng) % 70000);
            uint8_t *msg = malloc(len + 1);
            assert_non_null(msg);
            if (text) {
                for (size_t i = 0; i < len; i++) /* ASCII and 2-byte characters */
                    msg[i] = (uint8_t)('a' + unit_rand(&rng) % 26);
                for (size_t i = 0; i + 1 < len; i += 7) {
                    msg[i] = 0xC3;
                    msg[i + 1] = 0xA9;
                }
            } else {
                unit_rand_fill(&rng, msg, len);
            }
            size_t at = 0;
            bool started = false;
            do {
                size_t frag = len - at;
                if (frag > 0 && unit_rand(&rng) % 2)
                    frag = (size_t)(unit_rand(&rng) % (frag + 1));
                bool fin = at + frag == len;
                uint8_t key[4];
                unit_rand_fill(&rng, key, 4);
                enum avila_ws_opcode op = started ? AVILA_WS_CONT
                                          : text  ? AVILA_WS_TEXT
                                                  : AVILA_WS_BINARY;
                started = true;
                assert_int_equal(avila_ws_write_frame(&wire, op, fin, msg + at, frag,
                                                      reader == AVILA_WS_SERVER ? key : NULL),
                                 0);
                at += frag;
                if (fin) {
                    struct avila_ws_event ev = {AVILA_WS_EV_DATA,
                                                text ? AVILA_WS_TEXT : AVILA_WS_BINARY,
                                                true,
                                                msg,
                                                len,
                                                0};
                    record(&want, &ev);
                }
                if (unit_rand(&rng) % 4 == 0) {
                    uint8_t ping[AVILA_WS_CONTROL_MAX];
                    size_t pl = (size_t)(unit_rand(&rng) % (AVILA_WS_CONTROL_MAX + 1));
                    unit_rand_fill(&rng, ping, pl);
                    bool pong = unit_rand(&rng) & 1;
                    assert_int_equal(
                        avila_ws_write_frame(&wire, pong ? AVILA_WS_PONG : AVILA_WS_PING, true,
                                             ping, pl, reader == AVILA_WS_SERVER ? key : NULL),
                        0);
                    struct avila_ws_event ev = {
                        pong ? AVILA_WS_EV_PONG : AVILA_WS_EV_PING, 0, true, ping, pl, 0};
                    record(&want, &ev);
                }
            } while (at < len);
            free(msg);
        }
        int rc_want = 0;
        if (unit_rand(&rng) % 2) {
            uint8_t key[4] = {1, 2, 3, 4};
            assert_int_equal(avila_ws_write_close(&wire, 1000, "done", 4,
                                                  reader == AVILA_WS_SERVER ? key : NULL),
                             0);
            struct avila_ws_event ev = {AVILA_WS_EV_CLOSE,       0, true,
                                        (const uint8_t *)"done", 4, 1000};
            record(&want, &ev);
            /* Bytes after the close frame are refused. */
            assert_int_equal(avila_buf_append(&wire, "\x81\x00", 2), 0);
            rc_want = AVILA_ECLOSED;
        }
        assert_int_equal(avila_buf_append_byte(&want.out, 'E'), 0);
        put_u64(&want.out, (uint64_t)(int64_t)rc_want);
        put_u64(&want.out, 0);
        for (uint64_t seed = 0; seed < 3; seed++) {
            struct transcript got;
            transcript_init(&got);
            decode_split(&got, reader, 0, wire.data, wire.len, seed * 7919 + (uint64_t)iter);
            assert_int_equal(got.out.len, want.out.len);
            assert_memory_equal(got.out.data, want.out.data, want.out.len);
            transcript_release(&got);
        }
        transcript_release(&want);
        avila_buf_release(&wire);
    }
}

/* Masking in pieces at any offset equals masking at once; masking twice restores. */
static void mask_pieces(void **state)
{
    (void)state;
    uint64_t rng = 5;
    uint8_t data[100], once[100], pieces[100];
    const uint8_t key[4] = {0xde, 0xad, 0xbe, 0xef};
    unit_rand_fill(&rng, data, sizeof data);
    for (size_t cut = 0; cut <= sizeof data; cut++) {
        memcpy(once, data, sizeof data);
        memcpy(pieces, data, sizeof data);
        avila_ws_mask(once, sizeof once, key, 0);
        avila_ws_mask(pieces, cut, key, 0);
        avila_ws_mask(pieces + cut, sizeof pieces - cut, key, cut);
        assert_memory_equal(once, pieces, sizeof once);
        for (size_t i = 0; i < sizeof data; i++)
            assert_int_equal(once[i], data[i] ^ key[i % 4]);
        avila_ws_mask(once, sizeof once, key, 0);
        assert_memory_equal(once, data, sizeof data);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(handshake_rfc_examples), cmocka_unit_test(key_check_rules),
        cmocka_unit_test(server_handshake),       cmocka_unit_test(client_handshake),
        cmocka_unit_test(rfc_examples_decode),    cmocka_unit_test(rfc_examples_encode),
        cmocka_unit_test(protocol_errors),        cmocka_unit_test(close_frames),
        cmocka_unit_test(message_limit),          cmocka_unit_test(utf8_across_frames),
        cmocka_unit_test(random_conversations),   cmocka_unit_test(mask_pieces),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
