/*
 * net/ws_client.c - the WebSocket client's opening handshake (RFC 6455
 * sections 3 and 4.1): a ws:// URL, the connect, the Upgrade request and
 * the check of the server's answer, then the socket goes to a client-role
 * connection (net/ws_conn.c). OS code: blocking waits through net/sock and
 * names through net/resolve.
 *
 * URLs: "ws://" has the syntax of "http://" with the same default port
 * (section 3), so the URL is parsed by net/http_url with its scheme
 * replaced; "wss://" waits for TLS.
 */
#include <string.h>
#include <unistd.h>

#include "core/random.h"
#include "core/time.h"
#include "net/http_url.h"
#include "net/sock.h"
#include "net/ws_conn.h"

/* Fields the handshake writes itself or that would frame a body: refused as extra fields. */
static bool reserved_field(struct avila_slice name)
{
    static const char *const names[] = {
        "Host",
        "Upgrade",
        "Connection",
        "Content-Length",
        "Transfer-Encoding",
        "Sec-WebSocket-Key",
        "Sec-WebSocket-Version",
        "Sec-WebSocket-Protocol",
        "Sec-WebSocket-Extensions",
    };
    for (size_t i = 0; i < AVILA_ARRAY_LEN(names); i++) {
        size_t n = strlen(names[i]);
        if (name.len != n)
            continue;
        size_t k = 0;
        while (k < n && (name.ptr[k] | 0x20) == (names[i][k] | 0x20))
            k++;
        if (k == n)
            return true;
    }
    return false;
}

/*
 * Parses a ws:// URL into u (slices into text, which receives the URL with
 * its scheme turned into http). Returns 0, AVILA_EUNSUPPORTED or
 * AVILA_EFORMAT / AVILA_ELIMIT.
 */
static int parse_url(const char *url, char text[AVILA_HTTP_URL_MAX + 3], struct avila_http_url *u)
{
    size_t n = strlen(url);
    if (n < 5 || (url[0] | 0x20) != 'w' || (url[1] | 0x20) != 's')
        return AVILA_EUNSUPPORTED;
    if (url[2] != ':') /* wss:// (TLS) or anything else */
        return (url[2] | 0x20) == 's' && url[3] == ':' ? AVILA_EUNSUPPORTED : AVILA_EFORMAT;
    if (n - 2 > AVILA_HTTP_URL_MAX)
        return AVILA_ELIMIT;
    static const char http[4] = {'h', 't', 't', 'p'}; /* the scheme for net/http_url */
    memcpy(text, http, sizeof(http));
    memcpy(text + 4, url + 2, n - 2 + 1);
    return avila_http_url_parse(text, n + 2, u);
}

/* The Host field's value for u: the host (bracketed if IPv6) and the port unless 80. */
static int host_value(const struct avila_http_url *u, char *out, size_t cap)
{
    size_t hl = 0;
    if (u->host.len + 2 + 1 + 5 + 1 > cap)
        return AVILA_ELIMIT;
    if (u->ipv6)
        out[hl++] = '[';
    memcpy(out + hl, u->host.ptr, u->host.len);
    hl += u->host.len;
    if (u->ipv6)
        out[hl++] = ']';
    if (u->port != 80) {
        char digits[8];
        size_t k = sizeof(digits);
        unsigned v = u->port;
        do
            digits[--k] = (char)('0' + v % 10);
        while ((v /= 10) != 0);
        out[hl++] = ':';
        memcpy(out + hl, digits + k, sizeof(digits) - k);
        hl += sizeof(digits) - k;
    }
    out[hl] = '\0';
    return 0;
}

/* The request: avila_ws_client_request's head with the extra fields before its end. */
static int build_request(struct avila_buf *b, const struct avila_http_url *u,
                         const struct avila_ws_client_options *o, const char key[AVILA_WS_KEY_LEN])
{
    char host[AVILA_DNS_NAME_TEXT_MAX + 16];
    char target[AVILA_HTTP_URL_MAX + 2];
    if (host_value(u, host, sizeof(host)) != 0)
        return AVILA_EINVAL;
    size_t tl = 0;
    if (u->target.len > 0 && u->target.ptr[0] == '?')
        target[tl++] = '/'; /* RFC 9110 section 4.2.3: an empty path is sent as "/" */
    memcpy(target + tl, u->target.ptr, u->target.len);
    target[tl + u->target.len] = '\0';
    int rc = avila_ws_client_request(b, host, target, key, o->protocols);
    if (rc != 0 || o->header_count == 0)
        return rc;
    b->len -= 2; /* reopen the head: drop the empty line that ends it */
    for (size_t i = 0; rc == 0 && i < o->header_count; i++)
        rc = avila_http1_write_header(b, o->headers[i].name, o->headers[i].value);
    if (rc == 0)
        rc = avila_http1_write_end(b);
    return rc;
}

/*
 * Reads the response head into buf (AVILA_WS_CLIENT_HEAD_MAX bytes) and
 * checks it. Returns 0 with *head_len and *have set (bytes after the head
 * are the first frames), or an error.
 */
static int read_answer(int fd, uint8_t *buf, const char key[AVILA_WS_KEY_LEN],
                       const char *protocols, uint64_t deadline, size_t *head_len, size_t *have,
                       struct avila_ws_client_info *info)
{
    struct avila_http1_header h[64];
    struct avila_http1_response resp;
    size_t n = 0;
    for (;;) {
        int rc = avila_http1_parse_response(NULL, buf, n, AVILA_HTTP1_METHOD_GET, h,
                                            AVILA_ARRAY_LEN(h), &resp, NULL);
        if (rc > 0) {
            *head_len = (size_t)rc;
            break;
        }
        if (rc != AVILA_EAGAIN)
            return AVILA_EFORMAT;
        if (n == AVILA_WS_CLIENT_HEAD_MAX)
            return AVILA_ELIMIT;
        int r = avila_sock_read(fd, buf + n, AVILA_WS_CLIENT_HEAD_MAX - n);
        if (r == AVILA_EAGAIN) {
            rc = avila_sock_wait(fd, AVILA_LOOP_READ, deadline);
            if (rc != 0)
                return rc;
            continue;
        }
        if (r == 0)
            return AVILA_ECLOSED;
        if (r < 0)
            return r;
        n += (size_t)r;
    }
    *have = n;
    info->status = resp.status;
    struct avila_slice chosen;
    if (avila_ws_client_check(&resp, key, protocols, &chosen) != 0)
        return AVILA_EFORMAT;
    if (chosen.len >= sizeof(info->protocol))
        return AVILA_EFORMAT;
    if (chosen.len > 0) /* an empty slice may have a NULL pointer */
        memcpy(info->protocol, chosen.ptr, chosen.len);
    info->protocol[chosen.len] = '\0';
    return 0;
}

int avila_ws_connect(struct avila_ws_conn **out, struct avila_loop *loop,
                     const struct avila_allocator *a, struct avila_resolver *resolver,
                     const char *url, const struct avila_ws_client_options *opt,
                     const struct avila_ws_conn_config *cfg,
                     const struct avila_ws_conn_callbacks *cb, struct avila_ws_client_info *info)
{
    struct avila_ws_client_info scratch;
    if (info == NULL)
        info = &scratch;
    memset(info, 0, sizeof(*info));
    struct avila_ws_client_options o = {0};
    if (opt != NULL)
        o = *opt;
    if (o.timeout_ms == 0)
        o.timeout_ms = AVILA_WS_CLIENT_TIMEOUT_MS;
    if (out == NULL || loop == NULL || a == NULL || resolver == NULL || url == NULL || cb == NULL ||
        (o.header_count > 0 && o.headers == NULL))
        return AVILA_EINVAL;
    for (size_t i = 0; i < o.header_count; i++)
        if (reserved_field(o.headers[i].name))
            return AVILA_EINVAL;
    char text[AVILA_HTTP_URL_MAX + 3];
    struct avila_http_url u;
    int rc = parse_url(url, text, &u);
    if (rc != 0)
        return rc;
    uint8_t nonce[AVILA_WS_NONCE_LEN];
    char key[AVILA_WS_KEY_LEN];
    if (avila_random_bytes(nonce, sizeof(nonce)) != 0)
        return AVILA_EIO;
    avila_ws_key_make(nonce, key);
    struct avila_buf req;
    avila_buf_init(&req, a, AVILA_HTTP_URL_MAX + 4096 + 64 * 1024);
    rc = build_request(&req, &u, &o, key);
    if (rc != 0) {
        avila_buf_release(&req);
        return rc == AVILA_ENOMEM ? rc : AVILA_EINVAL;
    }
    uint64_t deadline = avila_time_mono_ms() + o.timeout_ms;
    int fd =
        avila_resolver_connect(resolver, (const char *)u.host.ptr, u.host.len, u.port, deadline);
    if (fd < 0) {
        avila_buf_release(&req);
        return fd;
    }
    rc = avila_sock_write_all(fd, req.data, req.len, deadline);
    avila_buf_release(&req);
    uint8_t *buf = NULL;
    size_t head_len = 0, have = 0;
    if (rc == 0) {
        buf = avila_alloc(a, AVILA_WS_CLIENT_HEAD_MAX, 1);
        rc = buf == NULL ? AVILA_ENOMEM : 0;
    }
    if (rc == 0)
        rc = read_answer(fd, buf, key, o.protocols, deadline, &head_len, &have, info);
    if (rc != 0) {
        if (buf != NULL)
            avila_free(a, buf, AVILA_WS_CLIENT_HEAD_MAX, 1);
        close(fd);
        return rc;
    }
    /* Takes fd in every case. */
    rc = avila_ws_conn_start(out, loop, a, fd, AVILA_WS_CLIENT, buf + head_len, have - head_len,
                             cfg, cb);
    avila_free(a, buf, AVILA_WS_CLIENT_HEAD_MAX, 1);
    return rc;
}
