/*
 * tools/bench/bench_http1.c - the HTTP/1.1 codec (net/http1.h):
 *
 *   BENCH http1 parse-get <n> req/s          a typical browser GET (about 500
 *                                            bytes, 10 header fields), head
 *                                            parsed in one call
 *   BENCH http1 parse-get <MB/s> MB/s        the same in bytes of input
 *   BENCH http1 parse-get-split <n> req/s    the same GET arriving in 4 reads
 *                                            (the resumable path)
 *   BENCH http1 parse-post-chunked <n> req/s a small POST, head plus a chunked
 *                                            body of 3 chunks and a trailer
 *   BENCH http1 chunked-decode <MB/s> MB/s   a 64 KiB body in 4 KiB chunks
 *   BENCH http1 write-response <n> resp/s    a status line, 5 fields and the
 *                                            Date into a reused buffer
 *
 * Single-threaded; figures are the median of bench_time's runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/error.h"
#include "net/http1.h"
#include "tools/bench/bench.h"

#define REPS 1000

static const char get_req[] =
    "GET /wiki/Hypertext_Transfer_Protocol?action=view&section=2 HTTP/1.1\r\n"
    "Host: en.wikipedia.example.org\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0\r\n"
    "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8\r\n"
    "Accept-Language: en-US,en;q=0.5\r\n"
    "Accept-Encoding: gzip, deflate, br\r\n"
    "Referer: https://en.wikipedia.example.org/wiki/Main_Page\r\n"
    "Connection: keep-alive\r\n"
    "Cookie: session=4f1c2d9e8b7a6f5e; theme=dark; lang=en\r\n"
    "Upgrade-Insecure-Requests: 1\r\n"
    "Cache-Control: max-age=0\r\n"
    "\r\n";

static const char post_req[] = "POST /api/v1/items HTTP/1.1\r\n"
                               "Host: api.example.com\r\n"
                               "User-Agent: avila-bench/1.0\r\n"
                               "Content-Type: application/json\r\n"
                               "Transfer-Encoding: chunked\r\n"
                               "Trailer: X-Checksum\r\n"
                               "\r\n"
                               "11\r\n{\"name\":\"widget\",\r\n"
                               "13\r\n\"price\":12.5,\"qty\":\r\n"
                               "4\r\n100}\r\n"
                               "0\r\nX-Checksum: 1a2b3c\r\n\r\n";

static void fail_exit(const char *what)
{
    fprintf(stderr, "bench_http1: %s failed\n", what);
    exit(1);
}

static void parse_get(void *ctx)
{
    (void)ctx;
    struct avila_http1_parser p;
    struct avila_http1_header h[32];
    struct avila_http1_request req;
    avila_http1_parser_init(&p, NULL);
    uint64_t sum = 0;
    for (int i = 0; i < REPS; i++) {
        int rc = avila_http1_parse_request(&p, get_req, sizeof get_req - 1, h, 32, &req, NULL);
        if (rc <= 0)
            fail_exit("parse-get");
        sum += req.header_count;
    }
    bench_consume(sum);
}

static void parse_get_split(void *ctx)
{
    (void)ctx;
    const size_t n = sizeof get_req - 1;
    const size_t cuts[4] = {n / 5, n / 2, n - 30, n};
    struct avila_http1_parser p;
    struct avila_http1_header h[32];
    struct avila_http1_request req;
    avila_http1_parser_init(&p, NULL);
    uint64_t sum = 0;
    for (int i = 0; i < REPS; i++) {
        int rc = AVILA_EAGAIN;
        for (int k = 0; k < 4 && rc == AVILA_EAGAIN; k++)
            rc = avila_http1_parse_request(&p, get_req, cuts[k], h, 32, &req, NULL);
        if (rc <= 0)
            fail_exit("parse-get-split");
        sum += req.header_count;
    }
    bench_consume(sum);
}

/* Decodes a whole chunked body at in (len bytes); returns the data bytes, exits on failure. */
static uint64_t decode_chunked(const void *in, size_t left, const char *what)
{
    struct avila_http1_body d;
    avila_http1_body_init(&d, AVILA_HTTP1_BODY_CHUNKED, 0, NULL);
    const uint8_t *p = in;
    uint64_t sum = 0;
    for (;;) {
        struct avila_http1_body_event ev;
        int rc = avila_http1_body_decode(&d, p, left, &ev, NULL);
        if (rc < 0 || (ev.kind == AVILA_HTTP1_EV_NONE && rc == 0))
            fail_exit(what);
        p += rc;
        left -= (size_t)rc;
        sum += ev.data.len;
        if (ev.kind == AVILA_HTTP1_EV_DONE)
            return sum;
    }
}

static void parse_post(void *ctx)
{
    (void)ctx;
    const size_t n = sizeof post_req - 1;
    struct avila_http1_parser p;
    struct avila_http1_header h[32];
    struct avila_http1_request req;
    avila_http1_parser_init(&p, NULL);
    uint64_t sum = 0;
    for (int i = 0; i < REPS; i++) {
        int rc = avila_http1_parse_request(&p, post_req, n, h, 32, &req, NULL);
        if (rc <= 0 || req.body != AVILA_HTTP1_BODY_CHUNKED)
            fail_exit("parse-post");
        sum += decode_chunked(post_req + rc, n - (size_t)rc, "chunked body");
    }
    bench_consume(sum);
}

struct body {
    uint8_t *data;
    size_t len;
};

static void chunked_decode(void *ctx)
{
    const struct body *b = ctx;
    bench_consume(decode_chunked(b->data, b->len, "chunked-decode"));
}

static void write_response(void *ctx)
{
    struct avila_buf *b = ctx;
    for (int i = 0; i < REPS; i++) {
        avila_buf_clear(b);
        if (avila_http1_write_status_line(b, 1, 200, NULL) < 0 ||
            avila_http1_write_header_str(b, "Server", "avila") < 0 ||
            avila_buf_append(b, "Date: ", 6) < 0 || avila_http1_write_date(b, 1767225600 + i) < 0 ||
            avila_buf_append(b, "\r\n", 2) < 0 ||
            avila_http1_write_header_str(b, "Content-Type", "text/plain; charset=utf-8") < 0 ||
            avila_http1_write_header_u64(b, "Content-Length", 13) < 0 ||
            avila_http1_write_header_str(b, "Connection", "keep-alive") < 0 ||
            avila_http1_write_end(b) < 0)
            fail_exit("write-response");
    }
    bench_consume(b->len);
}

int main(void)
{
    bench_rate("http1", "parse-get", parse_get, NULL, REPS, "req/s");
    bench_throughput("http1", "parse-get", parse_get, NULL, REPS * (double)(sizeof get_req - 1));
    bench_rate("http1", "parse-get-split", parse_get_split, NULL, REPS, "req/s");
    bench_rate("http1", "parse-post-chunked", parse_post, NULL, REPS, "req/s");

    /* 64 KiB of data in 4 KiB chunks. */
    uint8_t *payload = bench_random_bytes(65536, 1);
    uint8_t mem[70000];
    struct avila_buf b;
    avila_buf_init_fixed(&b, mem, sizeof mem);
    for (size_t off = 0; off < 65536; off += 4096)
        if (avila_http1_write_chunk(&b, payload + off, 4096) < 0)
            fail_exit("building the body");
    if (avila_http1_write_last_chunk(&b, NULL, 0) < 0)
        fail_exit("building the body");
    struct body body = {mem, b.len};
    bench_throughput("http1", "chunked-decode", chunked_decode, &body, 65536);
    free(payload);

    uint8_t out[512];
    struct avila_buf ob;
    avila_buf_init_fixed(&ob, out, sizeof out);
    bench_rate("http1", "write-response", write_response, &ob, REPS, "resp/s");
    return 0;
}
