/*
 * net/http_url.h - http URLs for the HTTP client (RFC 3986 sections 3 and
 * 5.2, RFC 9110 section 4.2.1): parsing an absolute "http://host[:port]
 * [/path][?query][#fragment]" into the parts a request needs, and resolving
 * a Location header against the URL it answered. Pure: no allocation; the
 * parts are slices of the caller's text (or of its output buffer).
 *
 * Accepted: scheme "http" in any case; a host that is a registered name
 * (letters, digits, '-', '.', '_', and percent-escapes are refused to keep
 * names plain), an IPv4 address, or an IPv6 address in brackets; a port of
 * 1..65535 (default 80); the path and query as RFC 3986 characters
 * (unreserved, sub-delims, ':', '@', '/', '?', and %XX escapes). Refused:
 * userinfo ("user@host", a phishing vector), an empty host, "https"
 * (AVILA_EUNSUPPORTED until TLS lands), spaces and controls. The fragment
 * is dropped (it is never sent).
 */
#ifndef AVILA_NET_HTTP_URL_H
#define AVILA_NET_HTTP_URL_H

#include "core/buf.h"
#include "core/error.h"
#include "core/platform.h"

#define AVILA_HTTP_URL_MAX 8192 /* longest URL accepted (and resolved into) */

/* An absolute http URL's parts, slices into the parsed text. */
struct avila_http_url {
    struct avila_slice host; /* without the brackets of an IPv6 literal */
    /*
     * Path and query as written: "/" when the URL has neither; when only the
     * path is empty ("http://h?q") it starts with '?', and a request sends
     * "/" before it (RFC 9110 section 4.2.3).
     */
    struct avila_slice target;
    uint16_t port; /* 80 when absent */
    bool ipv6;     /* the host was a bracketed IPv6 literal */
};

/*
 * Parses the absolute URL s[0..n). Returns 0; AVILA_EUNSUPPORTED for an
 * https (or other) scheme; AVILA_EFORMAT for anything else not above;
 * AVILA_ELIMIT beyond AVILA_HTTP_URL_MAX bytes; AVILA_EINVAL for NULL.
 */
int avila_http_url_parse(const char *s, size_t n, struct avila_http_url *out);

/*
 * Resolves reference ref[0..n) (a Location value: an absolute URL, a
 * network-path "//host/...", an absolute path "/a/b", or a relative path
 * "c?d") against the parsed base (RFC 3986 section 5.2, dot segments
 * removed as section 5.2.4 says; a fragment is dropped), writing the
 * absolute URL into out (cap bytes, NUL-terminated). Returns its length, AVILA_ENOSPC,
 * AVILA_EFORMAT or AVILA_EINVAL.
 */
int avila_http_url_resolve(const struct avila_http_url *base, const char *ref, size_t n, char *out,
                           size_t cap);

#endif
