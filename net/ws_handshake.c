/*
 * net/ws_handshake.c - the WebSocket opening handshake (RFC 6455 sections
 * 4.1 and 4.2) over net/http1's parsed heads and writer: the server's
 * checks and 101 response, the client's request and its checks of the
 * response. Pure.
 */
#include "net/ws.h"

/* The value of the only field called name: 0, or AVILA_ENOTFOUND / AVILA_EFORMAT (repeated). */
static int only_field(const struct avila_http1_header *h, size_t n, const char *name,
                      struct avila_slice *value)
{
    int i = avila_http1_header_find(h, n, 0, name);
    if (i < 0)
        return AVILA_ENOTFOUND;
    if (avila_http1_header_find(h, n, (size_t)i + 1, name) >= 0)
        return AVILA_EFORMAT;
    *value = h[i].value;
    return 0;
}

/* True if some field called name lists token (fields may repeat: RFC 9110 section 5.3). */
static bool some_field_lists(const struct avila_http1_header *h, size_t n, const char *name,
                             const char *token)
{
    for (int i = avila_http1_header_find(h, n, 0, name); i >= 0;
         i = avila_http1_header_find(h, n, (size_t)i + 1, name))
        if (avila_http1_list_contains(h[i].value, token))
            return true;
    return false;
}

/* True if the upgrade tokens the section 4.2.1 / 4.1 rules ask for are there. */
static bool upgrade_fields(const struct avila_http1_header *h, size_t n)
{
    return some_field_lists(h, n, "Upgrade", "websocket") &&
           some_field_lists(h, n, "Connection", "upgrade");
}

/* True if protocol (NUL-terminated) is an element of some Sec-WebSocket-Protocol field. */
static bool offered(const struct avila_http1_header *h, size_t n, const char *protocol)
{
    return some_field_lists(h, n, "Sec-WebSocket-Protocol", protocol);
}

int avila_ws_server_handshake(const struct avila_http1_request *req, const char *protocol,
                              struct avila_buf *out)
{
    if (req == NULL || out == NULL)
        return AVILA_EINVAL;
    const struct avila_http1_header *h = req->headers;
    size_t n = req->header_count;
    struct avila_slice key, version;
    if (req->method_id != AVILA_HTTP1_METHOD_GET || req->version_minor < 1 ||
        !upgrade_fields(h, n) || only_field(h, n, "Sec-WebSocket-Key", &key) != 0 ||
        avila_ws_key_check((const char *)key.ptr, key.len) != 0)
        return AVILA_EFORMAT;
    int rc = only_field(h, n, "Sec-WebSocket-Version", &version);
    if (rc == AVILA_EFORMAT)
        return AVILA_EFORMAT;
    if (rc != 0 || !avila_http1_token_equal(version, "13"))
        return AVILA_EUNSUPPORTED;
    if (protocol != NULL && !offered(h, n, protocol))
        return AVILA_ENOTFOUND;
    char accept[AVILA_WS_ACCEPT_LEN];
    avila_ws_accept((const char *)key.ptr, key.len, accept);
    size_t start = out->len;
    rc = avila_http1_write_status_line(out, 1, 101, NULL);
    if (rc == 0)
        rc = avila_http1_write_header_str(out, "Upgrade", "websocket");
    if (rc == 0)
        rc = avila_http1_write_header_str(out, "Connection", "Upgrade");
    if (rc == 0)
        rc = avila_http1_write_header(out, avila_slice_make("Sec-WebSocket-Accept", 20),
                                      avila_slice_make(accept, sizeof accept));
    if (rc == 0 && protocol != NULL)
        rc = avila_http1_write_header_str(out, "Sec-WebSocket-Protocol", protocol);
    if (rc == 0)
        rc = avila_http1_write_end(out);
    if (rc != 0)
        out->len = start;
    return rc;
}

int avila_ws_client_request(struct avila_buf *out, const char *host, const char *target,
                            const char key[AVILA_WS_KEY_LEN], const char *protocols)
{
    if (out == NULL || host == NULL || target == NULL || key == NULL)
        return AVILA_EINVAL;
    size_t start = out->len;
    int rc = avila_http1_write_request_line(out, "GET", avila_slice_from_cstr(target), 1);
    if (rc == 0)
        rc = avila_http1_write_header_str(out, "Host", host);
    if (rc == 0)
        rc = avila_http1_write_header_str(out, "Upgrade", "websocket");
    if (rc == 0)
        rc = avila_http1_write_header_str(out, "Connection", "Upgrade");
    if (rc == 0)
        rc = avila_http1_write_header(out, avila_slice_make("Sec-WebSocket-Key", 17),
                                      avila_slice_make(key, AVILA_WS_KEY_LEN));
    if (rc == 0)
        rc = avila_http1_write_header_str(out, "Sec-WebSocket-Version", "13");
    if (rc == 0 && protocols != NULL)
        rc = avila_http1_write_header_str(out, "Sec-WebSocket-Protocol", protocols);
    if (rc == 0)
        rc = avila_http1_write_end(out);
    if (rc != 0)
        out->len = start;
    return rc;
}

int avila_ws_client_check(const struct avila_http1_response *resp, const char key[AVILA_WS_KEY_LEN],
                          const char *protocols, struct avila_slice *protocol)
{
    if (resp == NULL || key == NULL || protocol == NULL)
        return AVILA_EINVAL;
    const struct avila_http1_header *h = resp->headers;
    size_t n = resp->header_count;
    struct avila_slice accept, chosen = avila_slice_make(NULL, 0);
    if (resp->status != 101 || !upgrade_fields(h, n) ||
        only_field(h, n, "Sec-WebSocket-Accept", &accept) != 0 ||
        avila_ws_accept_check(key, (const char *)accept.ptr, accept.len) != 0 ||
        avila_http1_header_find(h, n, 0, "Sec-WebSocket-Extensions") >= 0)
        return AVILA_EFORMAT;
    int rc = only_field(h, n, "Sec-WebSocket-Protocol", &chosen);
    if (rc == AVILA_EFORMAT)
        return AVILA_EFORMAT;
    if (rc == 0) {
        /* One of ours, exactly: the list we sent must contain it as an element. */
        struct avila_slice list = protocols ? avila_slice_from_cstr(protocols)
                                            : avila_slice_make(NULL, 0),
                           elem;
        bool found = false;
        while (!found && avila_http1_list_next(&list, &elem))
            found = elem.len == chosen.len && memcmp(elem.ptr, chosen.ptr, elem.len) == 0;
        if (!found)
            return AVILA_EFORMAT;
    }
    *protocol = chosen;
    return 0;
}
