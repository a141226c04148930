/*
 * tools/fuzz/fuzz_http1.h - what the two net/http1 harnesses
 * (fuzz_http1_request.c, fuzz_http1_response.c) share: limits chosen by a
 * selector byte, the checks on a parse result, and a body decoder run two
 * ways (whole, and split at points drawn from the input, keeping what the
 * decoder leaves unconsumed as a connection would) whose results must agree.
 * Violations call __builtin_trap().
 */
#ifndef AVILA_TOOLS_FUZZ_HTTP1_H
#define AVILA_TOOLS_FUZZ_HTTP1_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "net/http1.h"

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

#define FUZZ_MAX_HEADERS 16

/* Small limits on odd selectors, so they are reached; the defaults otherwise. */
static void fuzz_limits(uint8_t sel, struct avila_http1_limits *lim)
{
    memset(lim, 0, sizeof *lim);
    if (sel & 1) {
        lim->max_head_bytes = 64 + (size_t)(sel >> 1) * 4;
        lim->max_headers = 1 + (sel >> 4);
        lim->max_target = 1 + (sel >> 2);
        lim->max_chunk_ext = 1 + (sel >> 3);
        lim->max_trailer_bytes = 1 + (sel >> 1);
        lim->max_content_length = 1 + (uint64_t)sel * 3;
    }
}

/* s lies inside [base, base + len). */
static void fuzz_check_slice(struct avila_slice s, const uint8_t *base, size_t len)
{
    CHECK(s.ptr >= base && s.len <= len && s.ptr + s.len <= base + len);
}

static void fuzz_check_error(int rc, const struct avila_http1_error *err, size_t len)
{
    CHECK(rc == AVILA_EFORMAT || rc == AVILA_ELIMIT || rc == AVILA_EUNSUPPORTED);
    CHECK(err->reason > AVILA_HTTP1_R_NONE && err->reason < AVILA_HTTP1_R_COUNT_);
    CHECK(err->offset <= len);
    unsigned s = avila_http1_error_status(err->reason);
    CHECK(s == 400 || s == 413 || s == 414 || s == 431 || s == 501 || s == 505);
    CHECK((rc == AVILA_EUNSUPPORTED) == (s == 501 || s == 505));
    if (s == 413 || s == 414 || s == 431)
        CHECK(rc == AVILA_ELIMIT);
}

static void fuzz_check_headers(const struct avila_http1_header *h, size_t n, const uint8_t *base,
                               size_t head_len)
{
    CHECK(n <= FUZZ_MAX_HEADERS);
    for (size_t i = 0; i < n; i++) {
        fuzz_check_slice(h[i].name, base, head_len);
        fuzz_check_slice(h[i].value, base, head_len);
        CHECK(h[i].name.len > 0);
        for (size_t k = 0; k < h[i].name.len; k++)
            CHECK(h[i].name.ptr[k] > 0x20 && h[i].name.ptr[k] < 0x7F && h[i].name.ptr[k] != ':');
        for (size_t k = 0; k < h[i].value.len; k++) {
            uint8_t c = h[i].value.ptr[k];
            CHECK(c >= 0x20 || c == '\t');
            CHECK(c != 0x7F);
        }
    }
}

/* What a decoder produced: an FNV-1a hash of the data and trailers, and the end. */
struct fuzz_body {
    uint64_t hash;
    uint64_t data_len;
    size_t trailers;
    size_t consumed; /* bytes up to DONE */
    int rc;          /* 0 at DONE, AVILA_EAGAIN if input ran out, else the error */
    enum avila_http1_reason reason;
};

static void fuzz_mix(uint64_t *h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        *h = (*h ^ p[i]) * 0x100000001B3u;
}

/*
 * Decodes in[0 .. len) framed as framing, fed in pieces ending at the
 * offsets cuts[0 .. ncuts) (ascending), each piece's pending bytes copied
 * into a block of their exact size.
 */
static void fuzz_decode(enum avila_http1_framing framing, uint64_t cl,
                        const struct avila_http1_limits *lim, const uint8_t *in, size_t len,
                        const size_t *cuts, size_t ncuts, struct fuzz_body *out)
{
    struct avila_http1_body d;
    avila_http1_body_init(&d, framing, cl, lim);
    memset(out, 0, sizeof *out);
    out->hash = 0xcbf29ce484222325u;
    out->rc = AVILA_EAGAIN;
    size_t start = 0;
    for (size_t c = 0; c <= ncuts; c++) {
        size_t end = cuts && c < ncuts ? cuts[c] : len;
        if (end < start)
            continue;
        size_t n = end - start, off = 0;
        uint8_t *buf = malloc(n ? n : 1);
        if (!buf)
            return;
        if (n)
            memcpy(buf, in + start, n);
        for (;;) {
            struct avila_http1_body_event ev;
            struct avila_http1_error err = {0};
            int rc = avila_http1_body_decode(&d, buf + off, n - off, &ev, &err);
            if (rc < 0) {
                CHECK(rc == AVILA_EFORMAT || rc == AVILA_ELIMIT);
                CHECK(err.reason > AVILA_HTTP1_R_NONE && err.reason < AVILA_HTTP1_R_COUNT_);
                CHECK(err.offset <= n - off);
                out->rc = rc;
                out->reason = err.reason;
                /* Sticky. */
                CHECK(avila_http1_body_decode(&d, buf, n, &ev, &err) == rc);
                free(buf);
                return;
            }
            CHECK((size_t)rc <= n - off);
            off += (size_t)rc;
            if (ev.kind == AVILA_HTTP1_EV_DATA) {
                fuzz_check_slice(ev.data, buf, n);
                CHECK(ev.data.len > 0);
                fuzz_mix(&out->hash, ev.data.ptr, ev.data.len);
                out->data_len += ev.data.len;
            } else if (ev.kind == AVILA_HTTP1_EV_TRAILER) {
                fuzz_check_headers(&ev.trailer, 1, buf, n);
                fuzz_mix(&out->hash, (const uint8_t *)"T", 1);
                fuzz_mix(&out->hash, ev.trailer.name.ptr, ev.trailer.name.len);
                fuzz_mix(&out->hash, (const uint8_t *)":", 1);
                fuzz_mix(&out->hash, ev.trailer.value.ptr, ev.trailer.value.len);
                out->trailers++;
            } else if (ev.kind == AVILA_HTTP1_EV_DONE) {
                CHECK(rc == 0 || ev.kind == AVILA_HTTP1_EV_DONE);
                CHECK(avila_http1_body_done(&d));
                out->rc = 0;
                out->consumed = start + off;
                free(buf);
                return;
            } else {
                CHECK(ev.kind == AVILA_HTTP1_EV_NONE);
                break;
            }
        }
        start += off;
        free(buf);
    }
    if (framing == AVILA_HTTP1_BODY_LENGTH)
        CHECK(out->data_len <= cl);
}

/* The body decoded whole and split at points from the recipe must agree. */
static void fuzz_body_both_ways(enum avila_http1_framing framing, uint64_t cl,
                                const struct avila_http1_limits *lim, const uint8_t *in, size_t len,
                                uint8_t recipe)
{
    struct fuzz_body whole, split;
    fuzz_decode(framing, cl, lim, in, len, NULL, 0, &whole);
    size_t cuts[64], nc = 0, step = 1 + recipe % 13;
    for (size_t at = step; at < len && nc < 64; at += step + (recipe & 1) * (nc % 3))
        cuts[nc++] = at;
    fuzz_decode(framing, cl, lim, in, len, cuts, nc, &split);
    CHECK(whole.rc == split.rc);
    CHECK(whole.reason == split.reason);
    if (whole.rc == 0 || whole.rc == AVILA_EAGAIN) {
        CHECK(whole.hash == split.hash);
        CHECK(whole.data_len == split.data_len);
        CHECK(whole.trailers == split.trailers);
        CHECK(whole.consumed == split.consumed);
    }
    if (whole.rc == 0)
        CHECK(whole.consumed <= len);
}

#endif
