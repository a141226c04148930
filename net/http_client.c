/*
 * net/http_client.c - the blocking HTTP/1.1 client of http_client.h: a
 * connection from the pool or a new one (every resolved address tried in
 * turn), the request through net/http1's writer, the response head through
 * its parser (1xx interim heads skipped), the body through its decoders,
 * and redirects. OS code (sockets; waits through net/sock.h).
 */
#include "net/http_client.h"

#include <string.h>
#include <unistd.h>

#include "core/time.h"
#include "net/sock.h"

#define READ_CHUNK 16384

int avila_http_client_init(struct avila_http_client *c, struct avila_resolver *resolver,
                           const struct avila_http_client_options *opt)
{
    if (c == NULL || resolver == NULL)
        return AVILA_EINVAL;
    memset(c, 0, sizeof *c);
    if (opt != NULL)
        c->opt = *opt;
    if (c->opt.timeout_ms == 0)
        c->opt.timeout_ms = AVILA_HTTP_CLIENT_TIMEOUT_MS;
    if (c->opt.max_redirects == 0)
        c->opt.max_redirects = AVILA_HTTP_CLIENT_MAX_REDIRECTS;
    c->resolver = resolver;
    for (size_t i = 0; i < AVILA_HTTP_CLIENT_POOL; i++)
        c->pool[i].fd = -1;
    return 0;
}

void avila_http_client_release(struct avila_http_client *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < AVILA_HTTP_CLIENT_POOL; i++) {
        if (c->pool[i].fd >= 0)
            close(c->pool[i].fd);
        c->pool[i].fd = -1;
    }
}

/* ---------------------------------------------------------------- connections */

/* Takes the pooled connection to (host, port) out of the pool: its fd, or -1. */
static int pool_take(struct avila_http_client *c, struct avila_slice host, uint16_t port)
{
    for (size_t i = 0; i < AVILA_HTTP_CLIENT_POOL; i++) {
        struct avila_http_client_conn *k = &c->pool[i];
        if (k->fd >= 0 && k->port == port && k->host_len == host.len &&
            memcmp(k->host, host.ptr, host.len) == 0) {
            int fd = k->fd;
            k->fd = -1;
            return fd;
        }
    }
    return -1;
}

/* Keeps fd for (host, port), in a free slot or in place of slot 0's connection. */
static void pool_put(struct avila_http_client *c, struct avila_slice host, uint16_t port, int fd)
{
    struct avila_http_client_conn *k = &c->pool[0];
    for (size_t i = 0; i < AVILA_HTTP_CLIENT_POOL; i++)
        if (c->pool[i].fd < 0) {
            k = &c->pool[i];
            break;
        }
    if (k->fd >= 0)
        close(k->fd);
    k->fd = fd;
    k->port = port;
    k->host_len = host.len;
    memcpy(k->host, host.ptr, host.len);
}

/* Reads what fd has into buf (cap bytes), waiting by the deadline: the count, 0 at EOF, an error.
 */
static int read_some(int fd, uint8_t *buf, size_t cap, uint64_t timeout_ms)
{
    for (;;) {
        int r = avila_sock_read(fd, buf, cap);
        if (r != AVILA_EAGAIN)
            return r;
        int rc = avila_sock_wait(fd, AVILA_LOOP_READ, avila_time_mono_ms() + timeout_ms);
        if (rc != 0)
            return rc;
    }
}

/* ---------------------------------------------------------------- one exchange */

/* The request head: request line, Host, defaults, the caller's fields, Content-Length. */
static int write_head(struct avila_buf *b, const char *method, const struct avila_http_url *u,
                      const struct avila_http_client_request *req, bool with_body)
{
    uint8_t target[AVILA_HTTP_URL_MAX + 1];
    size_t tl = 0;
    if (u->target.len > 0 && u->target.ptr[0] == '?')
        target[tl++] = '/'; /* RFC 9110 section 4.2.3: an empty path is sent as "/" */
    memcpy(target + tl, u->target.ptr, u->target.len);
    tl += u->target.len;
    char host[AVILA_DNS_NAME_TEXT_MAX + 16];
    size_t hl = 0;
    if (u->ipv6)
        host[hl++] = '[';
    memcpy(host + hl, u->host.ptr, u->host.len);
    hl += u->host.len;
    if (u->ipv6)
        host[hl++] = ']';
    if (u->port != 80) {
        char digits[8];
        size_t k = sizeof digits;
        unsigned v = u->port;
        do
            digits[--k] = (char)('0' + v % 10);
        while ((v /= 10) != 0);
        host[hl++] = ':';
        memcpy(host + hl, digits + k, sizeof digits - k);
        hl += sizeof digits - k;
    }
    int rc = avila_http1_write_request_line(b, method, avila_slice_make(target, tl), 1);
    if (rc == 0)
        rc = avila_http1_write_header(b, avila_slice_from_cstr("Host"), avila_slice_make(host, hl));
    if (rc == 0 && avila_http1_header_find(req->headers, req->header_count, 0, "User-Agent") < 0)
        rc = avila_http1_write_header_str(b, "User-Agent", "avila");
    if (rc == 0 && avila_http1_header_find(req->headers, req->header_count, 0, "Accept") < 0)
        rc = avila_http1_write_header_str(b, "Accept", "*/*");
    for (size_t i = 0; rc == 0 && i < req->header_count; i++)
        rc = avila_http1_write_header(b, req->headers[i].name, req->headers[i].value);
    if (rc == 0 && with_body)
        rc = avila_http1_write_header_u64(b, "Content-Length", req->body_len);
    if (rc == 0)
        rc = avila_http1_write_end(b);
    return rc;
}

/* The request method as the response parser wants it (HEAD and CONNECT frame differently). */
static enum avila_http1_method method_id(const char *m)
{
    if (strcmp(m, "HEAD") == 0)
        return AVILA_HTTP1_METHOD_HEAD;
    if (strcmp(m, "CONNECT") == 0)
        return AVILA_HTTP1_METHOD_CONNECT;
    return AVILA_HTTP1_METHOD_OTHER;
}

/* True for the statuses a client follows (RFC 9110 sections 15.4.2 to 15.4.9). */
static bool is_redirect(unsigned status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/* What one exchange needs besides the client. */
struct exchange {
    const char *method;
    const struct avila_http_url *url;
    const struct avila_http_client_request *req;
    bool with_body;
    bool may_follow;                       /* a redirect would be followed now */
    bool follow;                           /* this response is a redirect to follow */
    char location[AVILA_HTTP_URL_MAX + 1]; /* the Location field, if any */
    size_t location_len;
};

/*
 * Reads the response on fd: head (interim 1xx skipped), then the body to
 * sink. Sets *reusable if the connection may carry another request.
 * Returns 0 or an error; *got_bytes says whether anything arrived at all
 * (a kept-alive connection the server had closed yields nothing).
 */
static int read_response(struct avila_http_client *c, int fd, struct exchange *x,
                         avila_http_body_fn *sink, void *ctx,
                         struct avila_http_client_response *resp, bool *reusable, bool *got_bytes)
{
    uint8_t buf[AVILA_HTTP_CLIENT_HEAD_MAX + READ_CHUNK];
    size_t have = 0;
    struct avila_http1_parser p;
    struct avila_http1_header h[100];
    struct avila_http1_response r;
    int head;
    *reusable = false;
    *got_bytes = false;
    avila_http1_parser_init(&p, NULL);
    for (;;) {
        head = avila_http1_parse_response(&p, buf, have, method_id(x->method), h,
                                          AVILA_ARRAY_LEN(h), &r, NULL);
        if (head > 0 && r.interim) { /* 100 Continue and friends: the real answer follows */
            memmove(buf, buf + head, have - (size_t)head);
            have -= (size_t)head;
            avila_http1_parser_reset(&p);
            continue;
        }
        if (head > 0)
            break;
        if (head != AVILA_EAGAIN)
            return head;
        if (have == sizeof buf - READ_CHUNK)
            return AVILA_ELIMIT;
        int n = read_some(fd, buf + have, sizeof buf - READ_CHUNK - have, c->opt.timeout_ms);
        if (n == 0)
            return AVILA_ECLOSED;
        if (n < 0)
            return n;
        have += (size_t)n;
        *got_bytes = true;
    }
    resp->status = r.status;
    resp->head_len = (size_t)head;
    memcpy(resp->head, buf, (size_t)head);
    x->location_len = 0;
    int li = avila_http1_header_find(r.headers, r.header_count, 0, "Location");
    if (li >= 0 && r.headers[li].value.len <= AVILA_HTTP_URL_MAX) {
        memcpy(x->location, r.headers[li].value.ptr, r.headers[li].value.len);
        x->location_len = r.headers[li].value.len;
        x->location[x->location_len] = '\0';
    }
    /* A redirect to follow: its body is read (to keep the connection) but not delivered. */
    x->follow = x->may_follow && is_redirect(r.status) && x->location_len > 0;
    /* The body: what followed the head, then reads until the decoder is done. */
    struct avila_http1_body d;
    avila_http1_body_init(&d, r.body, r.content_length, NULL);
    size_t at = (size_t)head;
    int rc = 0;
    while (rc == 0 && !avila_http1_body_done(&d)) {
        struct avila_http1_body_event ev;
        int used = avila_http1_body_decode(&d, buf + at, have - at, &ev, NULL);
        if (used < 0)
            return used;
        at += (size_t)used;
        if (ev.kind == AVILA_HTTP1_EV_DATA && ev.data.len > 0 && !x->follow) {
            resp->body_bytes += ev.data.len;
            if (sink != NULL)
                rc = sink(ctx, ev.data.ptr, ev.data.len);
        }
        if (ev.kind != AVILA_HTTP1_EV_NONE)
            continue;
        /* Used up: keep an unfinished trailer line, read more. */
        memmove(buf, buf + at, have - at);
        have -= at;
        at = 0;
        if (have == sizeof buf)
            return AVILA_ELIMIT;
        int n = read_some(fd, buf + have, sizeof buf - have, c->opt.timeout_ms);
        if (n < 0)
            return n;
        if (n == 0)
            return avila_http1_body_eof(&d, NULL); /* complete only for until-close bodies */
        have += (size_t)n;
    }
    /* Reusable: kept alive, body framed (not until close), nothing extra sent after it. */
    *reusable = rc == 0 && r.keep_alive && r.body != AVILA_HTTP1_BODY_CLOSE && at == have;
    return rc;
}

/* One request and its response on a pooled or new connection (one retry if a pooled one died). */
static int exchange(struct avila_http_client *c, struct exchange *x, avila_http_body_fn *sink,
                    void *ctx, struct avila_http_client_response *resp)
{
    uint8_t head[AVILA_HTTP_CLIENT_HEAD_MAX];
    struct avila_buf b;
    avila_buf_init_fixed(&b, head, sizeof head);
    int rc = write_head(&b, x->method, x->url, x->req, x->with_body);
    if (rc != 0)
        return rc == AVILA_ENOSPC ? AVILA_ELIMIT : rc;
    for (int attempt = 0; attempt < 2; attempt++) {
        uint64_t deadline = avila_time_mono_ms() + c->opt.timeout_ms;
        int fd = attempt == 0 ? pool_take(c, x->url->host, x->url->port) : -1;
        bool pooled = fd >= 0;
        if (!pooled)
            fd = avila_resolver_connect(c->resolver, (const char *)x->url->host.ptr,
                                        x->url->host.len, x->url->port, deadline);
        if (fd < 0)
            return fd;
        c->reused += pooled;
        rc = avila_sock_write_all(fd, b.data, b.len, deadline);
        if (rc == 0 && x->with_body)
            rc = avila_sock_write_all(fd, x->req->body, x->req->body_len, deadline);
        bool reusable = false, got = false;
        if (rc == 0)
            rc = read_response(c, fd, x, sink, ctx, resp, &reusable, &got);
        if (rc == 0 && reusable)
            pool_put(c, x->url->host, x->url->port, fd);
        else
            close(fd);
        /* A kept-alive connection the server had closed: nothing came back, try a new one. */
        if (!(pooled && !got && (rc == AVILA_ECLOSED || rc == AVILA_EIO)))
            return rc;
    }
    return rc;
}

int avila_http_client_fetch(struct avila_http_client *c,
                            const struct avila_http_client_request *req, avila_http_body_fn *sink,
                            void *ctx, struct avila_http_client_response *resp)
{
    if (c == NULL || req == NULL || req->url == NULL || resp == NULL ||
        (req->body == NULL && req->body_len > 0))
        return AVILA_EINVAL;
    memset(resp, 0, sizeof *resp);
    size_t ul = strlen(req->url);
    if (ul > AVILA_HTTP_URL_MAX)
        return AVILA_ELIMIT;
    memcpy(resp->url, req->url, ul + 1);
    struct exchange x = {
        .method = req->method ? req->method : "GET",
        .req = req,
        .with_body = req->body != NULL,
    };
    for (;;) {
        struct avila_http_url u;
        int rc = avila_http_url_parse(resp->url, strlen(resp->url), &u);
        if (rc != 0)
            return rc;
        x.url = &u;
        x.may_follow = c->opt.follow_redirects;
        resp->body_bytes = 0;
        rc = exchange(c, &x, sink, ctx, resp);
        if (rc != 0 || !x.follow)
            return rc;
        if (resp->redirects == c->opt.max_redirects)
            return AVILA_ELIMIT;
        resp->redirects++;
        /* The next URL, resolved against this one (u points into resp->url: resolve aside). */
        char next[AVILA_HTTP_URL_MAX + 1];
        rc = avila_http_url_resolve(&u, x.location, x.location_len, next, sizeof next);
        if (rc < 0)
            return rc;
        memcpy(resp->url, next, (size_t)rc + 1);
        /* 303, and 301/302 after a POST, turn into a GET without body (RFC 9110 15.4). */
        if (resp->status == 303 ||
            ((resp->status == 301 || resp->status == 302) && strcmp(x.method, "POST") == 0)) {
            if (strcmp(x.method, "HEAD") != 0)
                x.method = "GET";
            x.with_body = false;
        }
    }
}
