/*
 * tests/net/test_http1.c - the HTTP/1.1 codec (net/http1.h), from RFC 9110
 * and RFC 9112: the character classes against the RFC's ABNF, every
 * production of the request and status lines and field lines with accept
 * and reject cases, the smuggling corpus (CL.TE, TE.CL, TE.TE obfuscations,
 * duplicate and malformed Content-Length, obs-fold, bare CR/LF, NUL,
 * whitespace before the colon) with the status each maps to, every limit at
 * and one past its edge (also when the head is still incomplete),
 * pipelining, every proper prefix incomplete (at a guard page), byte-by-byte
 * parsing equal to one-shot parsing over generated requests, the chunked
 * decoder at every split point and over random chunkings, the response
 * framing table of RFC 9112 section 6.3, serialise-then-parse round trips,
 * the writer's refusals, and HTTP-date known answers (RFC 9110 section
 * 5.6.7's example in its three forms).
 */
#include "tests/support/unit.h"

#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/error.h"
#include "net/http1.h"
#include "net/http1_int.h"

#define MAXH 128

static struct avila_slice S(const char *s) {
    return avila_slice_make(s, strlen(s));
}

static bool
slice_is(struct avila_slice s, const char *want)
{
    return s.len == strlen(want) && memcmp(s.ptr, want, s.len) == 0;
}

#define assert_slice(s, want)                                                                      \
    do {                                                                                           \
        if (!slice_is((s), (want)))                                                                \
            fail_msg("%s: got \"%.*s\", want \"%s\"", #s, (int)(s).len, (const char *)(s).ptr,     \
                     (want));                                                                      \
    } while (0)

/* One-shot parse of the NUL-terminated request s with limits lim (NULL: defaults). */
static int parse_req_lim(const char *s, const struct avila_http1_limits *lim,
                         struct avila_http1_request *req, struct avila_http1_header *h,
                         struct avila_http1_error *err)
{
    struct avila_http1_parser p;
    avila_http1_parser_init(&p, lim);
    return avila_http1_parse_request(&p, s, strlen(s), h, MAXH, req, err);
}

static int parse_req(const char *s, struct avila_http1_request *req, struct avila_http1_header *h)
{
    struct avila_http1_error err = {0};
    return parse_req_lim(s, NULL, req, h, &err);
}

static void accept_req(const char *s)
{
    struct avila_http1_request req;
    struct avila_http1_header h[MAXH];
    struct avila_http1_error err = {0};
    int rc = parse_req_lim(s, NULL, &req, h, &err);
    if (rc != (int)strlen(s))
        fail_msg("rejected %s: %s (%s at %zu)", s, avila_strerror_name(rc),
                 avila_http1_reason_text(err.reason), err.offset);
}

/* s is refused with code rc, reason why, and avila_http1_error_status gives status. */
static void reject_req_lim(const char *s, const struct avila_http1_limits *lim, int rc,
                           enum avila_http1_reason why, unsigned status)
{
    struct avila_http1_request req;
    struct avila_http1_header h[MAXH];
    struct avila_http1_error err = {0};
    int got = parse_req_lim(s, lim, &req, h, &err);
    if (got != rc || err.reason != why)
        fail_msg("%s: got %s (%s), want %s (%s)", s, avila_strerror_name(got),
                 avila_http1_reason_text(err.reason), avila_strerror_name(rc),
                 avila_http1_reason_text(why));
    assert_int_equal(avila_http1_error_status(err.reason), status);
    assert_true(err.offset <= strlen(s));
}

static void reject_req(const char *s, int rc, enum avila_http1_reason why, unsigned status)
{
    reject_req_lim(s, NULL, rc, why, status);
}

/* ---------------------------------------------------------------- classes */

static void char_classes(void **state)
{
    (void)state;
    /* RFC 9110 5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
     * "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA */
    const char *tchar_extra = "!#$%&'*+-.^_`|~";
    for (int c = 0; c < 256; c++) {
        bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        bool digit = c >= '0' && c <= '9';
        bool t = alpha || digit || (c != 0 && strchr(tchar_extra, c) != NULL);
        bool vchar = c >= 0x21 && c <= 0x7E;
        bool field = vchar || c >= 0x80 || c == ' ' || c == '\t';
        bool hex = digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        bool qd = c == '\t' || c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x5B) ||
                  (c >= 0x5D && c <= 0x7E) || c >= 0x80;
        bool host = alpha || digit || (c != 0 && strchr("-._~%!$&'()*+,;=:[]", c) != NULL);
        uint8_t k = avila_http1_class[c];
        if (t != !!(k & AVILA_HTTP1_C_TCHAR) || vchar != !!(k & AVILA_HTTP1_C_VCHAR) ||
            field != !!(k & AVILA_HTTP1_C_FIELD) || hex != !!(k & AVILA_HTTP1_C_HEX) ||
            qd != !!(k & AVILA_HTTP1_C_QDTEXT) || host != !!(k & AVILA_HTTP1_C_HOST))
            fail_msg("class of 0x%02x is %u", c, k);
    }
    /* The SWAR scanners against a plain loop, every position and byte. */
    uint8_t buf[40];
    for (int c = 0; c < 256; c++) {
        for (size_t pos = 0; pos < sizeof buf; pos++) {
            memset(buf, 'a', sizeof buf);
            buf[pos] = (uint8_t)c;
            bool bad = (c < 0x20 && c != '\t') || c == 0x7F;
            assert_int_equal(avila_http1_scan_value(buf, sizeof buf), bad ? pos : sizeof buf);
            assert_int_equal(avila_http1_find_lf(buf, sizeof buf), c == '\n' ? pos : sizeof buf);
        }
    }
}

/* ---------------------------------------------------------------- requests */

static void request_basic(void **state)
{
    (void)state;
    struct avila_http1_request req;
    struct avila_http1_header h[MAXH];
    const char *s = "GET /index.html?q=1 HTTP/1.1\r\n"
                    "Host: example.com\r\n"
                    "User-Agent:  curl/8.0 \t\r\n"
                    "Accept:*/*\r\n"
                    "X-Empty:\r\n"
                    "X-Obs: caf\xc3\xa9\r\n"
                    "\r\n";
    assert_int_equal(parse_req(s, &req, h), (int)strlen(s));
    assert_slice(req.method, "GET");
    assert_int_equal(req.method_id, AVILA_HTTP1_METHOD_GET);
    assert_slice(req.target, "/index.html?q=1");
    assert_int_equal(req.target_form, AVILA_HTTP1_TARGET_ORIGIN);
    assert_int_equal(req.version_minor, 1);
    assert_int_equal(req.header_count, 5);
    assert_ptr_equal(req.headers, h);
    assert_slice(h[0].name, "Host");
    assert_slice(h[0].value, "example.com");
    assert_slice(h[1].value, "curl/8.0");
    assert_slice(h[2].name, "Accept");
    assert_slice(h[2].value, "*/*");
    assert_slice(h[3].value, "");
    assert_slice(h[4].value, "caf\xc3\xa9");
    assert_int_equal(req.body, AVILA_HTTP1_BODY_NONE);
    assert_true(req.keep_alive);
    assert_true(req.has_host);
    assert_slice(req.host, "example.com");
    assert_false(req.upgrade);
    assert_false(req.expect_continue);
    /* Slices point into the input. */
    assert_ptr_equal(req.target.ptr, (const uint8_t *)s + 4);

    /* Every known method, and others as OTHER; methods are case-sensitive. */
    static const struct {
        const char *m;
        enum avila_http1_method id;
    } methods[] = {
        {"GET", AVILA_HTTP1_METHOD_GET},        {"HEAD", AVILA_HTTP1_METHOD_HEAD},
        {"POST", AVILA_HTTP1_METHOD_POST},      {"PUT", AVILA_HTTP1_METHOD_PUT},
        {"DELETE", AVILA_HTTP1_METHOD_DELETE},  {"OPTIONS", AVILA_HTTP1_METHOD_OPTIONS},
        {"TRACE", AVILA_HTTP1_METHOD_TRACE},    {"PATCH", AVILA_HTTP1_METHOD_PATCH},
        {"get", AVILA_HTTP1_METHOD_OTHER},      {"PROPFIND", AVILA_HTTP1_METHOD_OTHER},
        {"M-SEARCH", AVILA_HTTP1_METHOD_OTHER}, {"!#$%&'*+-.^_`|~09az", AVILA_HTTP1_METHOD_OTHER},
        {"GETS", AVILA_HTTP1_METHOD_OTHER},     {"Get", AVILA_HTTP1_METHOD_OTHER},
    };
    for (size_t i = 0; i < AVILA_ARRAY_LEN(methods); i++) {
        char buf[128];
        snprintf(buf, sizeof buf, "%s / HTTP/1.1\r\nHost: a\r\n\r\n", methods[i].m);
        assert_true(parse_req(buf, &req, h) > 0);
        assert_slice(req.method, methods[i].m);
        assert_int_equal(req.method_id, methods[i].id);
    }
    char buf[128];
    snprintf(buf, sizeof buf, "CONNECT a:1 HTTP/1.1\r\nHost: a:1\r\n\r\n");
    assert_true(parse_req(buf, &req, h) > 0);
    assert_int_equal(req.method_id, AVILA_HTTP1_METHOD_CONNECT);
}

static void request_targets_versions(void **state)
{
    (void)state;
    struct avila_http1_request req;
    struct avila_http1_header h[MAXH];
    /* RFC 9112 3.2: the four forms. */
    assert_true(
        parse_req("GET http://example.com/a?b HTTP/1.1\r\nHost: example.com\r\n\r\n", &req, h) > 0);
    assert_int_equal(req.target_form, AVILA_HTTP1_TARGET_ABSOLUTE);
    assert_true(parse_req("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", &req,
                          h) > 0);
    assert_int_equal(req.target_form, AVILA_HTTP1_TARGET_AUTHORITY);
    assert_true(parse_req("CONNECT [::1]:8080 HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", &req, h) > 0);
    assert_true(parse_req("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", &req, h) > 0);
    assert_int_equal(req.target_form, AVILA_HTTP1_TARGET_ASTERISK);
    accept_req("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    accept_req("GET /%7Euser/{x}|y HTTP/1.1\r\nHost: a\r\n\r\n");
    accept_req("GET svn+ssh://x HTTP/1.1\r\nHost: a\r\n\r\n");
    reject_req("GET * HTTP/1.1\r\nHost: a\r\n\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_TARGET, 400);
    reject_req("CONNECT /x HTTP/1.1\r\nHost: a\r\n\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_TARGET, 400);
    reject_req("CONNECT a HTTP/1.1\r\nHost: a\r\n\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_TARGET, 400);
    reject_req("CONNECT a: HTTP/1.1\r\nHost: a\r\n\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_TARGET, 400);
    reject_req("CONNECT :80 HTTP/1.1\r\nHost: a\r\n\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_TARGET, 400);
    reject_req("GET index.html HTTP/1.1\r\nHost: a\r\n\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_TARGET,
               400);
    reject_req("GET 1http://x HTTP/1.1\r\nHost: a\r\n\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_TARGET,
               400);
    reject_req("GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_TARGET,
               400);
    reject_req("GET /a\tb HTTP/1.1\r\nHost: a\r\n\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_TARGET, 400);
    reject_req("GET /a\x7f HTTP/1.1\r\nHost: a\r\n\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_TARGET, 400);

    /* Versions: 1.0 and 1.1; 1.x as 1.1; other majors 505; bad syntax 400. */
    assert_true(parse_req("GET / HTTP/1.0\r\n\r\n", &req, h) > 0);
    assert_int_equal(req.version_minor, 0);
    assert_false(req.keep_alive);
    assert_false(req.has_host);
    assert_true(parse_req("GET / HTTP/1.7\r\nHost: a\r\n\r\n", &req, h) > 0);
    assert_int_equal(req.version_minor, 1);
    reject_req("GET / HTTP/2.0\r\nHost: a\r\n\r\n", AVILA_EUNSUPPORTED, AVILA_HTTP1_R_VERSION, 505);
    reject_req("GET / HTTP/0.9\r\n\r\n", AVILA_EUNSUPPORTED, AVILA_HTTP1_R_VERSION, 505);
    reject_req("GET / HTTP/3.0\r\n\r\n", AVILA_EUNSUPPORTED, AVILA_HTTP1_R_VERSION, 505);
    const char *bad_versions[] = {
        "GET / http/1.1\r\n\r\n", "GET / HTTP/1.10\r\n\r\n", "GET / HTTP/1\r\n\r\n",
        "GET / HTTP/1.x\r\n\r\n", "GET / HTTP/11\r\n\r\n",   "GET / HTTPS/1.1\r\n\r\n",
        "GET / HTTP/.1\r\n\r\n",  "GET / H\r\n\r\n",         "GET / HTTP/1.1x\r\n\r\n",
    };
    for (size_t i = 0; i < AVILA_ARRAY_LEN(bad_versions); i++)
        reject_req(bad_versions[i], AVILA_EFORMAT, AVILA_HTTP1_R_VERSION_SYNTAX, 400);

    /* Request-line spacing: exactly one SP between the parts (RFC 9112 3). */
    const char *bad_lines[] = {
        "GET  / HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /  HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET / HTTP/1.1 \r\nHost: a\r\n\r\n",
        " GET / HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /\r\nHost: a\r\n\r\n",
        "GET\r\nHost: a\r\n\r\n",
        "GET /a b HTTP/1.1\r\nHost: a\r\n\r\n",
    };
    for (size_t i = 0; i < AVILA_ARRAY_LEN(bad_lines); i++)
        reject_req(bad_lines[i], AVILA_EFORMAT, AVILA_HTTP1_R_REQUEST_LINE, 400);
    reject_req("GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_METHOD, 400);
    reject_req("G(T / HTTP/1.1\r\nHost: a\r\n\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_METHOD, 400);
    reject_req("GÉT / HTTP/1.1\r\nHost: a\r\n\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_METHOD, 400);
}

static void request_fields(void **state)
{
    (void)state;
    struct avila_http1_request req;
    struct avila_http1_header h[MAXH];
    /* Leading empty lines are skipped (RFC 9112 2.2). */
    const char *lead = "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n";
    assert_int_equal(parse_req(lead, &req, h), (int)strlen(lead));
    assert_slice(req.method, "GET");
    reject_req("\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_BARE_LF,
               400);
    /* Names are tokens, values field-vchar / SP / HTAB / obs-text. */
    accept_req("GET / HTTP/1.1\r\nHost: a\r\n!#$%&'*+-.^_`|~Az09: \t x\ty \t\r\n\r\n");
    reject_req("GET / HTTP/1.1\r\nHost: a\r\nFoo Bar: x\r\n\r\n", AVILA_EFORMAT,
               AVILA_HTTP1_R_FIELD_NAME, 400);
    reject_req("GET / HTTP/1.1\r\nHost: a\r\n: x\r\n\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_FIELD_NAME,
               400);
    reject_req("GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", AVILA_EFORMAT,
               AVILA_HTTP1_R_FIELD_NAME, 400);
    reject_req("GET / HTTP/1.1\r\nHost: a\r\nA(b: x\r\n\r\n", AVILA_EFORMAT,
               AVILA_HTTP1_R_FIELD_NAME, 400);
    reject_req("GET / HTTP/1.1\r\nHost: a\r\nA\xc3\xa9: x\r\n\r\n", AVILA_EFORMAT,
               AVILA_HTTP1_R_FIELD_NAME, 400);
    reject_req("GET / HTTP/1.1\r\nHost: a\r\nFoo : x\r\n\r\n", AVILA_EFORMAT,
               AVILA_HTTP1_R_SPACE_BEFORE_COLON, 400);
    reject_req("GET / HTTP/1.1\r\nHost: a\r\nFoo\t: x\r\n\r\n", AVILA_EFORMAT,
               AVILA_HTTP1_R_SPACE_BEFORE_COLON, 400);
    reject_req("GET / HTTP/1.1\r\nHost: a\r\nFoo: a\r\n b\r\n\r\n", AVILA_EFORMAT,
               AVILA_HTTP1_R_OBS_FOLD, 400);
    reject_req("GET / HTTP/1.1\r\nHost: a\r\nFoo: a\r\n\tb\r\n\r\n", AVILA_EFORMAT,
               AVILA_HTTP1_R_OBS_FOLD, 400);
    reject_req("GET / HTTP/1.1\r\n Host: a\r\n\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_SPACE_AFTER_START,
               400);
    /* Control bytes in values: every one but HTAB, and DEL. */
    for (int c = 0; c < 0x80; c++) {
        if (c != 0x7F && (c >= 0x20 || c == '\t'))
            continue;
        char buf[64];
        int n = snprintf(buf, sizeof buf, "GET / HTTP/1.1\r\nHost: a\r\nX: a%cb\r\n\r\n", 'Z');
        buf[n - 8] = (char)c; /* replaces 'Z' */
        struct avila_http1_parser p;
        struct avila_http1_error err = {0};
        avila_http1_parser_init(&p, NULL);
        int rc = avila_http1_parse_request(&p, buf, (size_t)n, h, MAXH, &req, &err);
        enum avila_http1_reason want = c == '\r'   ? AVILA_HTTP1_R_BARE_CR
                                       : c == '\n' ? AVILA_HTTP1_R_BARE_LF
                                                   : AVILA_HTTP1_R_FIELD_VALUE;
        if (rc != AVILA_EFORMAT || err.reason != want)
            fail_msg("byte 0x%02x in a value: %s (%s)", c, avila_strerror_name(rc),
                     avila_http1_reason_text(err.reason));
        assert_int_equal(avila_http1_error_status(err.reason), 400);
    }
    /* Bare CR and bare LF everywhere in a head. */
    reject_req("GET / HTTP/1.1\rHost: a\r\n\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_BARE_CR, 400);
    reject_req("GET / HTTP/1.1\nHost: a\r\n\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_BARE_LF, 400);
    reject_req("GET / HTTP/1.1\r\nHost: a\n\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_BARE_LF, 400);
    reject_req("GET / HTTP/1.1\r\nHost: a\r\n\n", AVILA_EFORMAT, AVILA_HTTP1_R_BARE_LF, 400);
    reject_req("GET / HTTP/1.1\r\nHost\r: a\r\n\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_BARE_CR, 400);
    reject_req("GET / HTTP/1.1\r\nHost: a\r\n\rX: y\r\n\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_BARE_CR,
               400);
    reject_req("\rGET / HTTP/1.1\r\nHost: a\r\n\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_BARE_CR, 400);

    /* Host: exactly one in HTTP/1.1, uri-host [":" port] characters. */
    reject_req("GET / HTTP/1.1\r\n\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_HOST_MISSING, 400);
    reject_req("GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n", AVILA_EFORMAT,
               AVILA_HTTP1_R_HOST_MULTIPLE, 400);
    reject_req("GET / HTTP/1.0\r\nHost: a\r\nHOST: b\r\n\r\n", AVILA_EFORMAT,
               AVILA_HTTP1_R_HOST_MULTIPLE, 400);
    reject_req("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_HOST_INVALID,
               400);
    reject_req("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_HOST_INVALID,
               400);
    reject_req("GET / HTTP/1.1\r\nHost: a@b\r\n\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_HOST_INVALID,
               400);
    accept_req("GET / HTTP/1.1\r\nHost:\r\n\r\n");
    accept_req("GET / HTTP/1.1\r\nHost: [2001:db8::1]:8080\r\n\r\n");
    accept_req("GET / HTTP/1.1\r\nHost: xn--bcher-kva.example:80\r\n\r\n");

    /* Connection, Upgrade, Expect. */
    assert_true(parse_req("GET / HTTP/1.1\r\nHost: a\r\nConnection: Keep-Alive, CLOSE\r\n\r\n",
                          &req, h) > 0);
    assert_false(req.keep_alive);
    assert_true(parse_req("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", &req, h) > 0);
    assert_true(req.keep_alive);
    assert_true(parse_req("GET / HTTP/1.0\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n",
                          &req, h) > 0);
    assert_false(req.keep_alive);
    assert_true(parse_req("GET /chat HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n"
                          "Connection: keep-alive, Upgrade\r\n\r\n",
                          &req, h) > 0);
    assert_true(req.upgrade);
    assert_true(req.keep_alive);
    assert_slice(req.upgrade_value, "websocket");
    assert_true(parse_req("GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n", &req, h) > 0);
    assert_false(req.upgrade); /* not listed in Connection */
    assert_true(parse_req("GET / HTTP/1.0\r\nUpgrade: x\r\nConnection: upgrade\r\n\r\n", &req, h) >
                0);
    assert_false(req.upgrade); /* ignored in HTTP/1.0 (RFC 9110 7.8) */
    assert_true(parse_req("PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\n"
                          "Content-Length: 5\r\n\r\n",
                          &req, h) > 0);
    assert_true(req.expect_continue);
    assert_true(
        parse_req("PUT / HTTP/1.1\r\nHost: a\r\nExpect: foo, 100-continue\r\n\r\n", &req, h) > 0);
    assert_true(req.expect_continue);
    assert_true(parse_req("PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-continued\r\n\r\n", &req, h) >
                0);
    assert_false(req.expect_continue);
    assert_true(parse_req("PUT / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n", &req, h) > 0);
    assert_false(req.expect_continue);
}

/* The smuggling corpus: each message, its error and the status it maps to. */
static void request_smuggling(void **state)
{
    (void)state;
    static const struct {
        const char *msg;
        int rc;
        enum avila_http1_reason why;
        unsigned status;
    } cases[] = {
        /* CL.TE / TE.CL: both framings */
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n",
         AVILA_EFORMAT, AVILA_HTTP1_R_CL_AND_TE, 400},
        {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 6\r\n\r\n",
         AVILA_EFORMAT, AVILA_HTTP1_R_CL_AND_TE, 400},
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n",
         AVILA_EFORMAT, AVILA_HTTP1_R_CL_AND_TE, 400},
        /* TE.TE obfuscations */
        {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n", AVILA_EFORMAT,
         AVILA_HTTP1_R_TE_NOT_CHUNKED, 400},
        {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n", AVILA_EFORMAT,
         AVILA_HTTP1_R_SPACE_BEFORE_COLON, 400},
        {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n\r\n",
         AVILA_EFORMAT, AVILA_HTTP1_R_TE_NOT_CHUNKED, 400},
        {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\tchunked\r\n\r\n", 0, AVILA_HTTP1_R_NONE,
         0},
        {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding\r\n : chunked\r\n\r\n", AVILA_EFORMAT,
         AVILA_HTTP1_R_FIELD_NAME, 400},
        {"POST / HTTP/1.1\r\nHost: a\r\nX: y\r\n Transfer-Encoding: chunked\r\n\r\n", AVILA_EFORMAT,
         AVILA_HTTP1_R_OBS_FOLD, 400},
        {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", AVILA_EFORMAT,
         AVILA_HTTP1_R_TE_CHUNKED_TWICE, 400},
        {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: "
         "chunked\r\n\r\n",
         AVILA_EFORMAT, AVILA_HTTP1_R_TE_CHUNKED_TWICE, 400},
        {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", AVILA_EFORMAT,
         AVILA_HTTP1_R_TE_NOT_CHUNKED, 400},
        {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", AVILA_EFORMAT,
         AVILA_HTTP1_R_TE_NOT_CHUNKED, 400},
        {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
         AVILA_EUNSUPPORTED, AVILA_HTTP1_R_TE_UNSUPPORTED, 501},
        {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity, chunked\r\n\r\n",
         AVILA_EUNSUPPORTED, AVILA_HTTP1_R_TE_UNSUPPORTED, 501},
        {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked;q=1\r\n\r\n", AVILA_EFORMAT,
         AVILA_HTTP1_R_TE_SYNTAX, 400},
        {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \"chunked\"\r\n\r\n", AVILA_EFORMAT,
         AVILA_HTTP1_R_TE_SYNTAX, 400},
        {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n\r\n", AVILA_EFORMAT,
         AVILA_HTTP1_R_TE_SYNTAX, 400},
        {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: ,\r\n\r\n", AVILA_EFORMAT,
         AVILA_HTTP1_R_TE_SYNTAX, 400},
        {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked x\r\n\r\n", AVILA_EFORMAT,
         AVILA_HTTP1_R_TE_SYNTAX, 400},
        {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: CHUNKED\r\n\r\n", 0, AVILA_HTTP1_R_NONE,
         0},
        {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: , chunked ,\r\n\r\n", 0,
         AVILA_HTTP1_R_NONE, 0},
        {"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", AVILA_EFORMAT,
         AVILA_HTTP1_R_TE_HTTP10, 400},
        /* Content-Length */
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
         AVILA_EFORMAT, AVILA_HTTP1_R_CL_CONFLICT, 400},
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", 0,
         AVILA_HTTP1_R_NONE, 0},
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n", AVILA_EFORMAT,
         AVILA_HTTP1_R_CL_INVALID, 400},
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n", AVILA_EFORMAT,
         AVILA_HTTP1_R_CL_INVALID, 400},
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", AVILA_EFORMAT,
         AVILA_HTTP1_R_CL_INVALID, 400},
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x10\r\n\r\n", AVILA_EFORMAT,
         AVILA_HTTP1_R_CL_INVALID, 400},
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 0\r\n\r\n", AVILA_EFORMAT,
         AVILA_HTTP1_R_CL_INVALID, 400},
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", AVILA_EFORMAT,
         AVILA_HTTP1_R_CL_INVALID, 400},
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 18446744073709551616\r\n\r\n",
         AVILA_EFORMAT, AVILA_HTTP1_R_CL_INVALID, 400},
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 18446744073709551615\r\n\r\n", 0,
         AVILA_HTTP1_R_NONE, 0},
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 00012\r\n\r\n", 0, AVILA_HTTP1_R_NONE, 0},
    };
    for (size_t i = 0; i < AVILA_ARRAY_LEN(cases); i++) {
        size_t n = strlen(cases[i].msg);
        struct avila_http1_request req;
        struct avila_http1_header h[MAXH];
        struct avila_http1_error err = {0};
        int rc = avila_http1_parse_request(NULL, cases[i].msg, n, h, MAXH, &req, &err);
        if (cases[i].rc == 0) {
            if (rc != (int)n)
                fail_msg("case %zu rejected: %s", i, avila_http1_reason_text(err.reason));
            continue;
        }
        if (rc != cases[i].rc || err.reason != cases[i].why)
            fail_msg("case %zu: %s (%s), want %s (%s)", i, avila_strerror_name(rc),
                     avila_http1_reason_text(err.reason), avila_strerror_name(cases[i].rc),
                     avila_http1_reason_text(cases[i].why));
        assert_int_equal(avila_http1_error_status(err.reason), cases[i].status);
    }
    /* Framing results of the accepted ones. */
    struct avila_http1_request req;
    struct avila_http1_header h[MAXH];
    /* NUL in a value. */
    static const char nul[] = "GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n";
    struct avila_http1_error err = {0};
    assert_int_equal(avila_http1_parse_request(NULL, nul, sizeof nul - 1, h, MAXH, &req, &err),
                     AVILA_EFORMAT);
    assert_int_equal(err.reason, AVILA_HTTP1_R_FIELD_VALUE);
    assert_true(parse_req("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 00012\r\n\r\n", &req, h) >
                0);
    assert_int_equal(req.body, AVILA_HTTP1_BODY_LENGTH);
    assert_int_equal(req.content_length, 12);
    assert_true(parse_req("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", &req, h) > 0);
    assert_int_equal(req.body, AVILA_HTTP1_BODY_NONE);
    assert_true(parse_req("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: , chunked ,\r\n\r\n",
                          &req, h) > 0);
    assert_int_equal(req.body, AVILA_HTTP1_BODY_CHUNKED);
    /* Every reason has a text and one of the six statuses. */
    for (int r = 0; r < AVILA_HTTP1_R_COUNT_; r++) {
        unsigned s = avila_http1_error_status((enum avila_http1_reason)r);
        assert_true(s == 400 || s == 413 || s == 414 || s == 431 || s == 501 || s == 505);
        assert_true(strlen(avila_http1_reason_text((enum avila_http1_reason)r)) > 0);
        for (int q = 0; q < r; q++)
            assert_string_not_equal(avila_http1_reason_text((enum avila_http1_reason)r),
                                    avila_http1_reason_text((enum avila_http1_reason)q));
    }
    assert_int_equal(avila_http1_error_status((enum avila_http1_reason)999), 400);
}

/* ---------------------------------------------------------------- limits */

/* A request whose head is exactly n bytes (n >= 40), headers padded with X: aaaa... */
static char *head_of_size(size_t n)
{
    const char *start = "GET / HTTP/1.1\r\nHost: a\r\nX: ";
    char *s = malloc(n + 1);
    assert_non_null(s);
    size_t k = strlen(start);
    memcpy(s, start, k);
    memset(s + k, 'a', n - k - 4);
    memcpy(s + n - 4, "\r\n\r\n", 4);
    s[n] = '\0';
    return s;
}

static void limits(void **state)
{
    (void)state;
    struct avila_http1_limits lim = {.max_head_bytes = 200, .max_headers = 3, .max_target = 20};
    /* max_head_bytes: at the edge and one past, complete and incomplete. */
    char *s = head_of_size(200);
    struct avila_http1_request req;
    struct avila_http1_header h[MAXH];
    struct avila_http1_error err;
    assert_int_equal(parse_req_lim(s, &lim, &req, h, &err), 200);
    free(s);
    s = head_of_size(201);
    reject_req_lim(s, &lim, AVILA_ELIMIT, AVILA_HTTP1_R_HEAD_TOO_LARGE, 431);
    s[200] = '\0'; /* incomplete, already past the limit */
    reject_req_lim(s, &lim, AVILA_ELIMIT, AVILA_HTTP1_R_HEAD_TOO_LARGE, 431);
    s[199] = '\0'; /* incomplete, at the limit: wait */
    assert_int_equal(parse_req_lim(s, &lim, &req, h, &err), AVILA_EAGAIN);
    free(s);
    /* Default 16 KiB. */
    s = head_of_size(AVILA_HTTP1_DEFAULT_MAX_HEAD_BYTES);
    accept_req(s);
    free(s);
    s = head_of_size(AVILA_HTTP1_DEFAULT_MAX_HEAD_BYTES + 1);
    reject_req(s, AVILA_ELIMIT, AVILA_HTTP1_R_HEAD_TOO_LARGE, 431);
    free(s);

    /* max_headers: 3 fine, 4 refused, even before the head ends. */
    const char *three = "GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n\r\n";
    const char *four = "GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";
    assert_int_equal(parse_req_lim(three, &lim, &req, h, &err), (int)strlen(three));
    reject_req_lim(four, &lim, AVILA_ELIMIT, AVILA_HTTP1_R_TOO_MANY_HEADERS, 431);
    reject_req_lim("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\n", &lim, AVILA_ELIMIT,
                   AVILA_HTTP1_R_TOO_MANY_HEADERS, 431);
    /* The caller's array bounds it too. */
    struct avila_http1_parser p;
    avila_http1_parser_init(&p, NULL);
    assert_int_equal(avila_http1_parse_request(&p, three, strlen(three), h, 3, &req, &err),
                     (int)strlen(three));
    assert_int_equal(avila_http1_parse_request(&p, four, strlen(four), h, 3, &req, &err),
                     AVILA_ELIMIT);
    assert_int_equal(err.reason, AVILA_HTTP1_R_TOO_MANY_HEADERS);
    /* Default 100 headers. */
    char big[8192];
    size_t k = (size_t)snprintf(big, sizeof big, "GET / HTTP/1.1\r\nHost: a\r\n");
    for (int i = 1; i < 100; i++)
        k += (size_t)snprintf(big + k, sizeof big - k, "X%d: y\r\n", i);
    snprintf(big + k, sizeof big - k, "\r\n");
    accept_req(big);
    snprintf(big + k, sizeof big - k, "Y: z\r\n\r\n");
    reject_req(big, AVILA_ELIMIT, AVILA_HTTP1_R_TOO_MANY_HEADERS, 431);

    /* max_target: 20 fine, 21 is 414, also before the line is complete. */
    reject_req_lim("GET /234567890123456789012 HTTP/1.1\r\nHost: a\r\n\r\n", &lim, AVILA_ELIMIT,
                   AVILA_HTTP1_R_TARGET_TOO_LONG, 414);
    reject_req_lim("GET /23456789012345678901", &lim, AVILA_ELIMIT, AVILA_HTTP1_R_TARGET_TOO_LONG,
                   414);
    reject_req_lim("GET /23456789012345678901 HTTP/1.1\r\nHost", &lim, AVILA_ELIMIT,
                   AVILA_HTTP1_R_TARGET_TOO_LONG, 414);
    assert_int_equal(parse_req_lim("GET /2345678901234567890", &lim, &req, h, &err), AVILA_EAGAIN);
    assert_int_equal(
        parse_req_lim("GET /2345678901234567890 HTTP/1.1\r\nHost: a\r\n\r\n", &lim, &req, h, &err),
        (int)strlen("GET /2345678901234567890 HTTP/1.1\r\nHost: a\r\n\r\n"));
    /* Byte by byte, the 414 comes with the 22nd target byte. */
    const char *longt = "GET /234567890123456789012 HTTP/1.1\r\nHost: a\r\n\r\n";
    avila_http1_parser_init(&p, &lim);
    for (size_t n = 1;; n++) {
        int rc = avila_http1_parse_request(&p, longt, n, h, MAXH, &req, &err);
        if (rc != AVILA_EAGAIN) {
            assert_int_equal(rc, AVILA_ELIMIT);
            assert_int_equal(err.reason, AVILA_HTTP1_R_TARGET_TOO_LONG);
            assert_int_equal(n, 4 + 21);
            break;
        }
    }
    /* Default max_target 8 KiB. */
    char *t = malloc(9000);
    assert_non_null(t);
    memset(t, 'a', 9000);
    t[0] = 'G';
    t[1] = 'E';
    t[2] = 'T';
    t[3] = ' ';
    t[4] = '/';
    memcpy(t + 4 + 8192, " HTTP/1.1\r\nHost: a\r\n\r\n", 23);
    accept_req(t);
    t[4 + 8192] = 'a';
    memcpy(t + 4 + 8193, " HTTP/1.1\r\nHost: a\r\n\r\n", 23);
    reject_req(t, AVILA_ELIMIT, AVILA_HTTP1_R_TARGET_TOO_LONG, 414);
    free(t);

    /* max_content_length: at the edge and past (413). */
    struct avila_http1_limits cl = {.max_content_length = 100};
    assert_true(parse_req_lim("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n", &cl,
                              &req, h, &err) > 0);
    reject_req_lim("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 101\r\n\r\n", &cl, AVILA_ELIMIT,
                   AVILA_HTTP1_R_CONTENT_TOO_LARGE, 413);
}

/* ---------------------------------------------------------------- pipelining, prefixes */

static void pipelining(void **state)
{
    (void)state;
    const char *a = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n";
    const char *b = "POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc";
    const char *c = "\r\nGET /c HTTP/1.1\r\nHost: x\r\n\r\n";
    char all[256];
    snprintf(all, sizeof all, "%s%s%s", a, b, c);
    size_t len = strlen(all), off = 0;
    const char *want[] = {"/a", "/b", "/c"};
    struct avila_http1_parser p;
    avila_http1_parser_init(&p, NULL);
    for (int i = 0; i < 3; i++) {
        struct avila_http1_request req;
        struct avila_http1_header h[8];
        struct avila_http1_error err;
        int rc = avila_http1_parse_request(&p, all + off, len - off, h, 8, &req, &err);
        assert_true(rc > 0);
        assert_slice(req.target, want[i]);
        off += (size_t)rc;
        if (req.body == AVILA_HTTP1_BODY_LENGTH) {
            struct avila_http1_body d;
            struct avila_http1_body_event ev;
            avila_http1_body_init(&d, req.body, req.content_length, NULL);
            rc = avila_http1_body_decode(&d, all + off, len - off, &ev, NULL);
            assert_int_equal(rc, 3);
            assert_int_equal(ev.kind, AVILA_HTTP1_EV_DATA);
            assert_true(ev.data.len == 3 && memcmp(ev.data.ptr, "abc", 3) == 0);
            off += 3;
            assert_int_equal(avila_http1_body_decode(&d, all + off, len - off, &ev, NULL), 0);
            assert_int_equal(ev.kind, AVILA_HTTP1_EV_DONE);
        }
    }
    assert_int_equal(off, len);
}

/* Every proper prefix of s is incomplete (read at a guard page), and all of it parses. */
static void every_prefix(const char *s)
{
    size_t n = strlen(s);
    for (size_t k = 0; k <= n; k++) {
        uint8_t *g = unit_guarded_alloc(k);
        memcpy(g, s, k);
        struct avila_http1_request req;
        struct avila_http1_header h[MAXH];
        int rc = avila_http1_parse_request(NULL, g, k, h, MAXH, &req, NULL);
        if (k < n)
            assert_int_equal(rc, AVILA_EAGAIN);
        else
            assert_int_equal(rc, (int)n);
        unit_guarded_free(g, k);
    }
}

static void prefixes(void **state)
{
    (void)state;
    every_prefix("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    every_prefix("\r\n\r\nPOST /x?y=z HTTP/1.0\r\nContent-Length: 10\r\nA:\r\nB: \tc\t\r\n\r\n");
    every_prefix("OPTIONS * HTTP/1.1\r\nHost: [::1]:80\r\nTransfer-Encoding: chunked\r\n\r\n");
    /* Responses too. */
    const char *r = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n";
    size_t n = strlen(r);
    for (size_t k = 0; k <= n; k++) {
        uint8_t *g = unit_guarded_alloc(k);
        memcpy(g, r, k);
        struct avila_http1_response resp;
        struct avila_http1_header h[MAXH];
        int rc =
            avila_http1_parse_response(NULL, g, k, AVILA_HTTP1_METHOD_GET, h, MAXH, &resp, NULL);
        assert_int_equal(rc, k < n ? AVILA_EAGAIN : (int)n);
        unit_guarded_free(g, k);
    }
}

/* ---------------------------------------------------------------- generated requests */

static const char *const gen_methods[] = {"GET", "POST", "PUT", "DELETE", "PATCH", "X-CUSTOM"};

/* A random valid request written with the serialiser; returns its head length. */
static size_t gen_request(uint64_t *rng, struct avila_buf *b, size_t *nheaders)
{
    char target[64];
    size_t tl = 1 + unit_rand(rng) % 40;
    target[0] = '/';
    for (size_t i = 1; i < tl; i++)
        target[i] = (char)(0x21 + unit_rand(rng) % 94);
    assert_int_equal(avila_http1_write_request_line(b, gen_methods[unit_rand(rng) % 6],
                                                    avila_slice_make(target, tl), 1),
                     0);
    assert_int_equal(avila_http1_write_header_str(b, "Host", "example.com"), 0);
    size_t nh = unit_rand(rng) % 12;
    static const char tch[] = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ"
                              "RSTUVWXYZ";
    for (size_t i = 0; i < nh; i++) {
        char name[24] = {0}, value[80] = {0};
        size_t nl = 1 + unit_rand(rng) % 20, vl = unit_rand(rng) % 70;
        for (size_t j = 0; j < nl; j++)
            name[j] = tch[unit_rand(rng) % (sizeof tch - 1)];
        name[0] = 'x'; /* never a name with meaning (Host, Content-Length, ...) */
        for (size_t j = 0; j < vl; j++) {
            uint8_t c = (uint8_t)(0x20 + unit_rand(rng) % 0xE0);
            if (c == 0x7F)
                c = '\t';
            value[j] = (char)c;
        }
        while (vl > 0 && (value[vl - 1] == ' ' || value[vl - 1] == '\t'))
            vl--;
        size_t v0 = 0;
        while (v0 < vl && (value[v0] == ' ' || value[v0] == '\t'))
            v0++;
        assert_int_equal(avila_http1_write_header(b, avila_slice_make(name, nl),
                                                  avila_slice_make(value + v0, vl - v0)),
                         0);
    }
    bool cl = unit_rand(rng) % 2;
    if (cl)
        assert_int_equal(avila_http1_write_header_u64(b, "Content-Length", unit_rand(rng) % 1000),
                         0);
    assert_int_equal(avila_http1_write_end(b), 0);
    *nheaders = 1 + nh + (cl ? 1 : 0); /* Host, the random ones, Content-Length */
    return b->len;
}

static void same_request(const struct avila_http1_request *a, const struct avila_http1_request *b)
{
    assert_true(avila_slice_equal(a->method, b->method));
    assert_true(avila_slice_equal(a->target, b->target));
    assert_int_equal(a->header_count, b->header_count);
    for (size_t i = 0; i < a->header_count; i++) {
        assert_true(avila_slice_equal(a->headers[i].name, b->headers[i].name));
        assert_true(avila_slice_equal(a->headers[i].value, b->headers[i].value));
    }
    assert_int_equal(a->body, b->body);
    assert_int_equal(a->content_length, b->content_length);
    assert_int_equal(a->keep_alive, b->keep_alive);
}

static void incremental_property(void **state)
{
    (void)state;
    uint64_t rng = 42;
    for (int iter = 0; iter < 300; iter++) {
        uint8_t mem[4096];
        struct avila_buf b;
        avila_buf_init_fixed(&b, mem, sizeof mem);
        size_t nh;
        size_t n = gen_request(&rng, &b, &nh);
        struct avila_http1_request one, inc;
        struct avila_http1_header h1[MAXH], h2[MAXH];
        struct avila_http1_error err = {0};
        int rc = avila_http1_parse_request(NULL, mem, n, h1, MAXH, &one, &err);
        if (rc != (int)n)
            fail_msg("generated request %d rejected: %s at %zu: %.*s", iter,
                     avila_http1_reason_text(err.reason), err.offset, (int)n, mem);
        /* Byte by byte, and in random pieces. */
        struct avila_http1_parser p;
        avila_http1_parser_init(&p, NULL);
        size_t k = 0;
        for (;;) {
            k += (iter % 2) ? 1 : 1 + unit_rand(&rng) % 17;
            if (k > n)
                k = n;
            rc = avila_http1_parse_request(&p, mem, k, h2, MAXH, &inc, &err);
            if (rc != AVILA_EAGAIN)
                break;
            assert_true(k < n);
        }
        assert_int_equal(rc, (int)n);
        assert_int_equal(k, n);
        same_request(&one, &inc);
        assert_int_equal(one.header_count, nh);

        /* One byte changed: one-shot and byte-by-byte still agree, errors included. */
        assert_true(n > 0);
        mem[unit_rand(&rng) % (n ? n : 1)] = (uint8_t)unit_rand(&rng);
        struct avila_http1_error e1 = {0}, e2 = {0};
        int r1 = avila_http1_parse_request(NULL, mem, n, h1, MAXH, &one, &e1);
        avila_http1_parser_init(&p, NULL);
        int r2 = AVILA_EAGAIN;
        for (k = 1; k <= n && r2 == AVILA_EAGAIN; k++)
            r2 = avila_http1_parse_request(&p, mem, k, h2, MAXH, &inc, &e2);
        assert_int_equal(r1, r2);
        if (r1 > 0)
            same_request(&one, &inc);
        else if (r1 != AVILA_EAGAIN)
            assert_int_equal(e1.reason, e2.reason);
    }
}

/* ---------------------------------------------------------------- chunked */

struct decoded {
    uint8_t data[8192];
    size_t len;
    char trailers[1024]; /* "name=value;" per trailer */
    int rc;              /* 0 when DONE, else the error */
    enum avila_http1_reason reason;
    size_t consumed; /* bytes of the input used up to DONE */
};

/*
 * Decodes in[0 .. len) fed in pieces that end at cuts[0 .. ncuts) (sorted),
 * keeping what the decoder leaves unconsumed, as a connection would.
 */
static void decode_pieces(const uint8_t *in, size_t len, const size_t *cuts, size_t ncuts,
                          const struct avila_http1_limits *lim, struct decoded *out)
{
    memset(out, 0, sizeof *out);
    out->rc = AVILA_EAGAIN;
    struct avila_http1_body d;
    avila_http1_body_init(&d, AVILA_HTTP1_BODY_CHUNKED, 0, lim);
    size_t start = 0; /* first byte not consumed */
    for (size_t c = 0; c <= ncuts; c++) {
        size_t end = cuts && c < ncuts ? cuts[c] : len;
        /* The pending bytes in a buffer of their own, to catch reads past them. */
        size_t n = end - start;
        uint8_t *buf = malloc(n ? n : 1);
        assert_non_null(buf);
        memcpy(buf, in + start, n);
        size_t off = 0;
        for (;;) {
            struct avila_http1_body_event ev;
            struct avila_http1_error err = {0};
            int rc = avila_http1_body_decode(&d, buf + off, n - off, &ev, &err);
            if (rc < 0) {
                out->rc = rc;
                out->reason = err.reason;
                free(buf);
                return;
            }
            assert_true((size_t)rc <= n - off);
            off += (size_t)rc;
            if (ev.kind == AVILA_HTTP1_EV_DATA) {
                assert_true(ev.data.ptr >= buf && ev.data.ptr + ev.data.len <= buf + n);
                assert_true(out->len + ev.data.len <= sizeof out->data);
                memcpy(out->data + out->len, ev.data.ptr, ev.data.len);
                out->len += ev.data.len;
            } else if (ev.kind == AVILA_HTTP1_EV_TRAILER) {
                size_t t = strlen(out->trailers);
                snprintf(out->trailers + t, sizeof out->trailers - t, "%.*s=%.*s;",
                         (int)ev.trailer.name.len, ev.trailer.name.ptr, (int)ev.trailer.value.len,
                         ev.trailer.value.ptr);
            } else if (ev.kind == AVILA_HTTP1_EV_DONE) {
                out->rc = 0;
                out->consumed = start + off;
                free(buf);
                return;
            } else {
                break;
            }
        }
        start += off;
        free(buf);
    }
}

static void decode_one(const char *s, struct decoded *out)
{
    decode_pieces((const uint8_t *)s, strlen(s), NULL, 0, NULL, out);
}

static void same_decoded(const struct decoded *a, const struct decoded *b)
{
    assert_int_equal(a->rc, b->rc);
    assert_int_equal(a->reason, b->reason);
    if (a->rc == 0) {
        assert_int_equal(a->len, b->len);
        assert_memory_equal(a->data, b->data, a->len);
        assert_string_equal(a->trailers, b->trailers);
        assert_int_equal(a->consumed, b->consumed);
    }
}

static void chunked_accept(void **state)
{
    (void)state;
    static const struct {
        const char *in, *data, *trailers;
    } ok[] = {
        {"0\r\n\r\n", "", ""},
        {"5\r\nhello\r\n0\r\n\r\n", "hello", ""},
        {"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", "hello world", ""},
        {"000A\r\n0123456789\r\n00\r\n\r\n", "0123456789", ""},
        {"a\r\n0123456789\r\nB\r\nabcdefghijk\r\n0\r\n\r\n", "0123456789abcdefghijk", ""},
        {"5;ext\r\nhello\r\n0\r\n\r\n", "hello", ""},
        {"5;a=b;c=\"d;e\\\"f\"\r\nhello\r\n0;last\r\n\r\n", "hello", ""},
        {"5 ; a = b ; c\r\nhello\r\n0\r\n\r\n", "hello", ""},
        {"5;a=\"\"\r\nhello\r\n0\r\n\r\n", "hello", ""},
        {"5\r\nhello\r\n0\r\nX-Sum: abc\r\nEtag:  \"x\" \r\n\r\n", "hello",
         "X-Sum=abc;Etag=\"x\";"},
        {"3\r\n\r\n\r\r\n0\r\n\r\n", "\r\n\r", ""},
    };
    for (size_t i = 0; i < AVILA_ARRAY_LEN(ok); i++) {
        struct decoded d;
        decode_one(ok[i].in, &d);
        if (d.rc != 0)
            fail_msg("%s: %s", ok[i].in, avila_http1_reason_text(d.reason));
        assert_int_equal(d.len, strlen(ok[i].data));
        assert_memory_equal(d.data, ok[i].data, d.len);
        assert_string_equal(d.trailers, ok[i].trailers);
        assert_int_equal(d.consumed, strlen(ok[i].in));
        /* Every split point gives the same. */
        size_t n = strlen(ok[i].in);
        for (size_t cut = 0; cut <= n; cut++) {
            struct decoded e;
            decode_pieces((const uint8_t *)ok[i].in, n, &cut, 1, NULL, &e);
            same_decoded(&d, &e);
        }
        /* Every two split points. */
        for (size_t c1 = 0; c1 <= n; c1++) {
            for (size_t c2 = c1; c2 <= n; c2++) {
                size_t cuts[2] = {c1, c2};
                struct decoded e;
                decode_pieces((const uint8_t *)ok[i].in, n, cuts, 2, NULL, &e);
                same_decoded(&d, &e);
            }
        }
        /* Byte by byte. */
        size_t cuts[256];
        for (size_t k = 0; k < n && k < 256; k++)
            cuts[k] = k;
        struct decoded e;
        decode_pieces((const uint8_t *)ok[i].in, n, cuts, n < 256 ? n : 256, NULL, &e);
        same_decoded(&d, &e);
        /* Every proper prefix is incomplete. */
        for (size_t k = 0; k < n; k++) {
            decode_pieces((const uint8_t *)ok[i].in, k, NULL, 0, NULL, &e);
            assert_int_equal(e.rc, AVILA_EAGAIN);
        }
    }
    /* Bytes after the body are the next message's. */
    struct decoded d;
    decode_one("1\r\na\r\n0\r\n\r\nGET / HTTP/1.1\r\n", &d);
    assert_int_equal(d.rc, 0);
    assert_int_equal(d.consumed, 11);
}

static void chunked_reject(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        int rc;
        enum avila_http1_reason why;
    } bad[] = {
        {"\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_CHUNK_SIZE},
        {"x\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_CHUNK_SIZE},
        {"-1\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_CHUNK_SIZE},
        {"+1\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_CHUNK_SIZE},
        {" 1\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_CHUNK_SIZE},
        {"0x1\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_CHUNK_SIZE},
        {"1g\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_CHUNK_SIZE},
        {"10000000000000000\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_CHUNK_OVERFLOW},
        {"1\na\r\n0\r\n\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_CHUNK_SIZE},
        {"1\rx", AVILA_EFORMAT, AVILA_HTTP1_R_BARE_CR},
        {"1 \r\n", AVILA_EFORMAT, AVILA_HTTP1_R_CHUNK_EXT},
        {"1;\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_CHUNK_EXT},
        {"1;=b\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_CHUNK_EXT},
        {"1;a=\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_CHUNK_EXT},
        {"1;a b\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_CHUNK_EXT},
        {"1;a=b c\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_CHUNK_EXT},
        {"1;a=\"b\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_CHUNK_EXT},
        {"1;a=\"b\"c\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_CHUNK_EXT},
        {"1;a=\"\x01\"\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_CHUNK_EXT},
        {"1;a(=b\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_CHUNK_EXT},
        {"1\r\nab\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_CHUNK_CRLF},
        {"1\r\na\n", AVILA_EFORMAT, AVILA_HTTP1_R_CHUNK_CRLF},
        {"1\r\na\rx", AVILA_EFORMAT, AVILA_HTTP1_R_CHUNK_CRLF},
        {"0\r\nX: a\n\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_BARE_LF},
        {"0\r\n\n", AVILA_EFORMAT, AVILA_HTTP1_R_BARE_LF},
        {"0\r\nX : a\r\n\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_SPACE_BEFORE_COLON},
        {"0\r\nX: a\r\n b\r\n\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_OBS_FOLD},
        {"0\r\nX: a\rb\r\n\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_BARE_CR},
        {"0\r\nX: a\x01\r\n\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_FIELD_VALUE},
        {"0\r\nX(: a\r\n\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_FIELD_NAME},
    };
    for (size_t i = 0; i < AVILA_ARRAY_LEN(bad); i++) {
        struct decoded d;
        decode_one(bad[i].in, &d);
        if (d.rc != bad[i].rc || d.reason != bad[i].why)
            fail_msg("case %zu: %s (%s)", i, avila_strerror_name(d.rc),
                     avila_http1_reason_text(d.reason));
        /* Split byte by byte, the same error. */
        size_t n = strlen(bad[i].in), cuts[64];
        for (size_t k = 0; k < n; k++)
            cuts[k] = k;
        struct decoded e;
        decode_pieces((const uint8_t *)bad[i].in, n, cuts, n, NULL, &e);
        assert_int_equal(e.rc, bad[i].rc);
        assert_int_equal(e.reason, bad[i].why);
    }
    /* Largest chunk size that fits: accepted as a size (data pending). */
    struct decoded d;
    decode_one("ffffffffffffffff\r\nabc", &d);
    assert_int_equal(d.rc, AVILA_EAGAIN);
    assert_int_equal(d.len, 3);
    /* Errors are sticky. */
    struct avila_http1_body b;
    struct avila_http1_body_event ev;
    struct avila_http1_error err;
    avila_http1_body_init(&b, AVILA_HTTP1_BODY_CHUNKED, 0, NULL);
    assert_int_equal(avila_http1_body_decode(&b, "z", 1, &ev, &err), AVILA_EFORMAT);
    assert_int_equal(avila_http1_body_decode(&b, "0\r\n\r\n", 5, &ev, &err), AVILA_EFORMAT);
    assert_int_equal(err.reason, AVILA_HTTP1_R_CHUNK_SIZE);
    assert_int_equal(avila_http1_body_eof(&b, &err), AVILA_EFORMAT);
}

static void chunked_limits(void **state)
{
    (void)state;
    struct avila_http1_limits lim = {
        .max_chunk_ext = 10, .max_trailer_bytes = 20, .max_headers = 2, .max_content_length = 8};
    struct decoded d;
    /* Chunk line: 10 bytes before CRLF fine, 11 refused. */
    const char *at = "5;abcdefgh\r\nhello\r\n0\r\n\r\n";
    decode_pieces((const uint8_t *)at, strlen(at), NULL, 0, &lim, &d);
    assert_int_equal(d.rc, 0);
    const char *past = "5;abcdefghi\r\nhello\r\n0\r\n\r\n";
    decode_pieces((const uint8_t *)past, strlen(past), NULL, 0, &lim, &d);
    assert_int_equal(d.rc, AVILA_ELIMIT);
    assert_int_equal(d.reason, AVILA_HTTP1_R_CHUNK_EXT_TOO_LONG);
    assert_int_equal(avila_http1_error_status(d.reason), 400);
    decode_pieces((const uint8_t *)"00000000000", 11, NULL, 0, &lim, &d); /* leading zeros */
    assert_int_equal(d.reason, AVILA_HTTP1_R_CHUNK_EXT_TOO_LONG);
    /* Trailer section: 20 bytes with the CRLFs fine, 21 refused, also incomplete. */
    const char *t20 = "0\r\nA: 123456789\r\nB:\r\n\r\n"; /* 13 + 5 + 2 */
    decode_pieces((const uint8_t *)t20, strlen(t20), NULL, 0, &lim, &d);
    assert_int_equal(d.rc, 0);
    assert_string_equal(d.trailers, "A=123456789;B=;");
    const char *t21 = "0\r\nA: 1234567890\r\nB:\r\n\r\n";
    decode_pieces((const uint8_t *)t21, strlen(t21), NULL, 0, &lim, &d);
    assert_int_equal(d.rc, AVILA_ELIMIT);
    assert_int_equal(d.reason, AVILA_HTTP1_R_TRAILER_TOO_LARGE);
    assert_int_equal(avila_http1_error_status(d.reason), 431);
    decode_pieces((const uint8_t *)"0\r\nA: 12345678901234567890", 26, NULL, 0, &lim, &d);
    assert_int_equal(d.reason, AVILA_HTTP1_R_TRAILER_TOO_LARGE);
    /* Trailer count bounded by max_headers. */
    decode_pieces((const uint8_t *)"0\r\nA:\r\nB:\r\nC:\r\n\r\n", 17, NULL, 0, &lim, &d);
    assert_int_equal(d.reason, AVILA_HTTP1_R_TOO_MANY_HEADERS);
    /* Body total: 8 fine, 9 refused (413). */
    decode_pieces((const uint8_t *)"4\r\nabcd\r\n4\r\nefgh\r\n0\r\n\r\n", 24, NULL, 0, &lim, &d);
    assert_int_equal(d.rc, 0);
    decode_pieces((const uint8_t *)"4\r\nabcd\r\n5\r\nefghi\r\n0\r\n\r\n", 25, NULL, 0, &lim, &d);
    assert_int_equal(d.rc, AVILA_ELIMIT);
    assert_int_equal(d.reason, AVILA_HTTP1_R_CONTENT_TOO_LARGE);
    assert_int_equal(avila_http1_error_status(d.reason), 413);
}

/* Random data, randomly chunked with random extensions and trailers, decodes back. */
static void chunked_property(void **state)
{
    (void)state;
    uint64_t rng = 7;
    for (int iter = 0; iter < 400; iter++) {
        uint8_t data[2000], mem[8192];
        size_t dl = unit_rand(&rng) % sizeof data;
        unit_rand_fill(&rng, data, dl);
        struct avila_buf b;
        avila_buf_init_fixed(&b, mem, sizeof mem);
        for (size_t off = 0; off < dl;) {
            size_t n = 1 + unit_rand(&rng) % 300;
            if (n > dl - off)
                n = dl - off;
            if (unit_rand(&rng) % 4 == 0) {
                /* A header with an extension and leading zeros, written by hand. */
                char h[64];
                int k = snprintf(h, sizeof h, "00%zX;x=\"q\\\"\" ; y\r\n", n);
                assert_int_equal(avila_buf_append(&b, h, (size_t)k), 0);
                assert_int_equal(avila_buf_append(&b, data + off, n), 0);
                assert_int_equal(avila_buf_append(&b, "\r\n", 2), 0);
            } else {
                assert_int_equal(avila_http1_write_chunk(&b, data + off, n), 0);
            }
            off += n;
        }
        struct avila_http1_header tr[2] = {{S("X-A"), S("1")}, {S("x-b"), S("two words")}};
        size_t ntr = unit_rand(&rng) % 3;
        assert_int_equal(avila_http1_write_last_chunk(&b, tr, ntr), 0);
        size_t n = b.len;
        /* Random cut points. */
        size_t cuts[16], nc = unit_rand(&rng) % 16;
        for (size_t i = 0; i < nc; i++)
            cuts[i] = unit_rand(&rng) % (n + 1);
        for (size_t i = 1; i < nc; i++)
            for (size_t j = i; j > 0 && cuts[j - 1] > cuts[j]; j--) {
                size_t t = cuts[j];
                cuts[j] = cuts[j - 1];
                cuts[j - 1] = t;
            }
        struct decoded d;
        decode_pieces(mem, n, cuts, nc, NULL, &d);
        assert_int_equal(d.rc, 0);
        assert_int_equal(d.len, dl);
        assert_memory_equal(d.data, data, dl);
        assert_string_equal(d.trailers, ntr == 0   ? ""
                                        : ntr == 1 ? "X-A=1;"
                                                   : "X-A=1;x-b=two words;");
        assert_int_equal(d.consumed, n);
    }
}

static void length_and_close_bodies(void **state)
{
    (void)state;
    struct avila_http1_body d;
    struct avila_http1_body_event ev;
    struct avila_http1_error err;
    avila_http1_body_init(&d, AVILA_HTTP1_BODY_LENGTH, 5, NULL);
    assert_int_equal(avila_http1_body_decode(&d, "he", 2, &ev, &err), 2);
    assert_int_equal(ev.kind, AVILA_HTTP1_EV_DATA);
    assert_int_equal(avila_http1_body_decode(&d, "", 0, &ev, &err), 0);
    assert_int_equal(ev.kind, AVILA_HTTP1_EV_NONE);
    assert_false(avila_http1_body_done(&d));
    assert_int_equal(avila_http1_body_decode(&d, "lloGET", 6, &ev, &err), 3);
    assert_true(ev.data.len == 3 && memcmp(ev.data.ptr, "llo", 3) == 0);
    assert_int_equal(avila_http1_body_decode(&d, "GET", 3, &ev, &err), 0);
    assert_int_equal(ev.kind, AVILA_HTTP1_EV_DONE);
    assert_true(avila_http1_body_done(&d));
    assert_int_equal(avila_http1_body_eof(&d, &err), 0);
    /* Truncated. */
    avila_http1_body_init(&d, AVILA_HTTP1_BODY_LENGTH, 5, NULL);
    assert_int_equal(avila_http1_body_decode(&d, "he", 2, &ev, &err), 2);
    assert_int_equal(avila_http1_body_eof(&d, &err), AVILA_ECLOSED);
    assert_int_equal(err.reason, AVILA_HTTP1_R_TRUNCATED);
    avila_http1_body_init(&d, AVILA_HTTP1_BODY_CHUNKED, 0, NULL);
    assert_int_equal(avila_http1_body_decode(&d, "5\r\nab", 5, &ev, &err), 5);
    assert_int_equal(avila_http1_body_eof(&d, &err), AVILA_ECLOSED);
    /* None: done at once. */
    avila_http1_body_init(&d, AVILA_HTTP1_BODY_NONE, 0, NULL);
    assert_int_equal(avila_http1_body_decode(&d, "x", 1, &ev, &err), 0);
    assert_int_equal(ev.kind, AVILA_HTTP1_EV_DONE);
    /* Until close. */
    avila_http1_body_init(&d, AVILA_HTTP1_BODY_CLOSE, 0, NULL);
    assert_int_equal(avila_http1_body_decode(&d, "abc", 3, &ev, &err), 3);
    assert_int_equal(ev.kind, AVILA_HTTP1_EV_DATA);
    assert_int_equal(avila_http1_body_decode(&d, "", 0, &ev, &err), 0);
    assert_int_equal(ev.kind, AVILA_HTTP1_EV_NONE);
    assert_int_equal(avila_http1_body_eof(&d, &err), 0);
    assert_true(avila_http1_body_done(&d));
    struct avila_http1_limits lim = {.max_content_length = 4};
    avila_http1_body_init(&d, AVILA_HTTP1_BODY_CLOSE, 0, &lim);
    assert_int_equal(avila_http1_body_decode(&d, "abcd", 4, &ev, &err), 4);
    assert_int_equal(avila_http1_body_decode(&d, "e", 1, &ev, &err), AVILA_ELIMIT);
    assert_int_equal(avila_http1_body_decode(NULL, "e", 1, &ev, &err), AVILA_EINVAL);
    assert_int_equal(avila_http1_body_decode(&d, NULL, 1, &ev, &err), AVILA_EINVAL);
}

/* ---------------------------------------------------------------- responses */

static int parse_resp(const char *s, enum avila_http1_method m, struct avila_http1_response *r,
                      struct avila_http1_header *h, struct avila_http1_error *err)
{
    return avila_http1_parse_response(NULL, s, strlen(s), m, h, MAXH, r, err);
}

static void responses(void **state)
{
    (void)state;
    struct avila_http1_response r;
    struct avila_http1_header h[MAXH];
    struct avila_http1_error err;
    const char *s = "HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\nServer: x\r\n\r\nabc";
    assert_int_equal(parse_resp(s, AVILA_HTTP1_METHOD_GET, &r, h, &err), (int)strlen(s) - 3);
    assert_int_equal(r.status, 404);
    assert_slice(r.reason, "Not Found");
    assert_int_equal(r.header_count, 2);
    assert_int_equal(r.body, AVILA_HTTP1_BODY_LENGTH);
    assert_int_equal(r.content_length, 3);
    assert_true(r.keep_alive);
    assert_false(r.interim);
    /* Empty reason, with and without its SP. */
    assert_true(parse_resp("HTTP/1.1 200 \r\n\r\n", AVILA_HTTP1_METHOD_GET, &r, h, &err) > 0);
    assert_slice(r.reason, "");
    assert_true(parse_resp("HTTP/1.1 200\r\n\r\n", AVILA_HTTP1_METHOD_GET, &r, h, &err) > 0);
    assert_slice(r.reason, "");
    assert_true(parse_resp("HTTP/1.0 200 OK, \xe2\x9c\x93\tfine\r\n\r\n", AVILA_HTTP1_METHOD_GET,
                           &r, h, &err) > 0);
    assert_slice(r.reason, "OK, \xe2\x9c\x93\tfine");
    assert_false(r.keep_alive);
    assert_true(parse_resp("HTTP/1.1 100 Continue\r\n\r\n", AVILA_HTTP1_METHOD_PUT, &r, h, &err) >
                0);
    assert_true(r.interim);
    assert_int_equal(r.body, AVILA_HTTP1_BODY_NONE);
    assert_true(parse_resp("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                           "Connection: Upgrade\r\n\r\n",
                           AVILA_HTTP1_METHOD_GET, &r, h, &err) > 0);
    assert_false(r.interim);
    assert_false(r.keep_alive);
    static const struct {
        const char *s;
        int rc;
        enum avila_http1_reason why;
    } bad[] = {
        {"HTTP/1.1 20 OK\r\n\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_STATUS_LINE},
        {"HTTP/1.1 2000 OK\r\n\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_STATUS_LINE},
        {"HTTP/1.1  200 OK\r\n\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_STATUS_LINE},
        {"HTTP/1.1 099 OK\r\n\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_STATUS_CODE},
        {"HTTP/1.1 600 OK\r\n\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_STATUS_CODE},
        {"http/1.1 200 OK\r\n\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_STATUS_LINE},
        {"HTTP/2.0 200 OK\r\n\r\n", AVILA_EUNSUPPORTED, AVILA_HTTP1_R_VERSION},
        {"HTTP/1.1 200 O\x01K\r\n\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_STATUS_LINE},
        {"HTTP/1.1 200 OK\rX\r\n\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_BARE_CR},
        {"\r\nHTTP/1.1 200 OK\r\n\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_STATUS_LINE},
        {"HTTP/1.1 200 OK\nX: y\r\n\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_BARE_LF},
        {"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
         AVILA_EFORMAT, AVILA_HTTP1_R_CL_AND_TE},
        {"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", AVILA_EFORMAT,
         AVILA_HTTP1_R_CL_CONFLICT},
        {"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_CL_INVALID},
        {"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", AVILA_EFORMAT,
         AVILA_HTTP1_R_TE_HTTP10},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", AVILA_EFORMAT,
         AVILA_HTTP1_R_TE_CHUNKED_TWICE},
        {"HTTP/1.1 200 OK\r\nA : b\r\n\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_SPACE_BEFORE_COLON},
        {"HTTP/1.1 200 OK\r\nA: b\r\n c\r\n\r\n", AVILA_EFORMAT, AVILA_HTTP1_R_OBS_FOLD},
    };
    for (size_t i = 0; i < AVILA_ARRAY_LEN(bad); i++) {
        int rc = parse_resp(bad[i].s, AVILA_HTTP1_METHOD_GET, &r, h, &err);
        if (rc != bad[i].rc || err.reason != bad[i].why)
            fail_msg("response case %zu: %s (%s)", i, avila_strerror_name(rc),
                     avila_http1_reason_text(err.reason));
    }
}

/* RFC 9112 section 6.3: method x status x headers -> framing. */
static void response_framing(void **state)
{
    (void)state;
    static const struct {
        enum avila_http1_method m;
        unsigned status;
        const char *fields;
        enum avila_http1_framing body;
        uint64_t cl;
        bool keep_alive;
    } table[] = {
        {AVILA_HTTP1_METHOD_GET, 200, "Content-Length: 10\r\n", AVILA_HTTP1_BODY_LENGTH, 10, true},
        {AVILA_HTTP1_METHOD_HEAD, 200, "Content-Length: 10\r\n", AVILA_HTTP1_BODY_NONE, 0, true},
        {AVILA_HTTP1_METHOD_HEAD, 200, "Transfer-Encoding: chunked\r\n", AVILA_HTTP1_BODY_NONE, 0,
         true},
        {AVILA_HTTP1_METHOD_GET, 204, "Content-Length: 10\r\n", AVILA_HTTP1_BODY_NONE, 0, true},
        {AVILA_HTTP1_METHOD_GET, 304, "Content-Length: 10\r\n", AVILA_HTTP1_BODY_NONE, 0, true},
        {AVILA_HTTP1_METHOD_GET, 100, "", AVILA_HTTP1_BODY_NONE, 0, true},
        {AVILA_HTTP1_METHOD_GET, 103, "Link: </a>\r\n", AVILA_HTTP1_BODY_NONE, 0, true},
        {AVILA_HTTP1_METHOD_CONNECT, 200, "", AVILA_HTTP1_BODY_TUNNEL, 0, false},
        {AVILA_HTTP1_METHOD_CONNECT, 299, "Content-Length: 5\r\n", AVILA_HTTP1_BODY_TUNNEL, 0,
         false},
        {AVILA_HTTP1_METHOD_CONNECT, 407, "Content-Length: 5\r\n", AVILA_HTTP1_BODY_LENGTH, 5,
         true},
        {AVILA_HTTP1_METHOD_GET, 200, "Transfer-Encoding: chunked\r\n", AVILA_HTTP1_BODY_CHUNKED, 0,
         true},
        {AVILA_HTTP1_METHOD_GET, 200, "Transfer-Encoding: gzip, chunked\r\n",
         AVILA_HTTP1_BODY_CHUNKED, 0, true},
        {AVILA_HTTP1_METHOD_GET, 200, "Transfer-Encoding: gzip\r\n", AVILA_HTTP1_BODY_CLOSE, 0,
         false},
        {AVILA_HTTP1_METHOD_GET, 200, "", AVILA_HTTP1_BODY_CLOSE, 0, false},
        {AVILA_HTTP1_METHOD_POST, 500, "Content-Length: 0\r\n", AVILA_HTTP1_BODY_NONE, 0, true},
        {AVILA_HTTP1_METHOD_GET, 200, "Content-Length: 1\r\nConnection: close\r\n",
         AVILA_HTTP1_BODY_LENGTH, 1, false},
        {AVILA_HTTP1_METHOD_GET, 404, "Content-Length: 7\r\nContent-Length: 7\r\n",
         AVILA_HTTP1_BODY_LENGTH, 7, true},
    };
    for (size_t i = 0; i < AVILA_ARRAY_LEN(table); i++) {
        char buf[256];
        snprintf(buf, sizeof buf, "HTTP/1.1 %u X\r\n%s\r\n", table[i].status, table[i].fields);
        struct avila_http1_response r;
        struct avila_http1_header h[MAXH];
        struct avila_http1_error err;
        int rc = parse_resp(buf, table[i].m, &r, h, &err);
        if (rc != (int)strlen(buf))
            fail_msg("framing case %zu rejected: %s", i, avila_http1_reason_text(err.reason));
        if (r.body != table[i].body || r.content_length != table[i].cl ||
            r.keep_alive != table[i].keep_alive)
            fail_msg("framing case %zu: body %d cl %llu keep-alive %d", i, (int)r.body,
                     (unsigned long long)r.content_length, (int)r.keep_alive);
        assert_int_equal(r.interim, table[i].status < 200 && table[i].status != 101);
    }
    struct avila_http1_response r;
    struct avila_http1_header h[MAXH];
    assert_true(parse_resp("HTTP/1.1 200 X\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
                           AVILA_HTTP1_METHOD_GET, &r, h, NULL) > 0);
    assert_true(r.other_codings);
}

/* ---------------------------------------------------------------- writer */

static void writer(void **state)
{
    (void)state;
    uint8_t mem[512];
    struct avila_buf b;
    avila_buf_init_fixed(&b, mem, sizeof mem);
    assert_int_equal(avila_http1_write_status_line(&b, 1, 200, NULL), 0);
    assert_int_equal(avila_http1_write_status_line(&b, 0, 404, NULL), 0);
    assert_int_equal(avila_http1_write_status_line(&b, 1, 599, NULL), 0);
    assert_int_equal(avila_http1_write_status_line(&b, 1, 299, "Fine"), 0);
    assert_int_equal(avila_http1_write_header_str(&b, "Content-Type", "text/plain"), 0);
    assert_int_equal(avila_http1_write_header_u64(&b, "Content-Length", 0), 0);
    assert_int_equal(avila_http1_write_header_u64(&b, "X", UINT64_MAX), 0);
    assert_int_equal(avila_http1_write_header_str(&b, "Empty", ""), 0);
    assert_int_equal(avila_http1_write_end(&b), 0);
    assert_int_equal(avila_http1_write_chunk_header(&b, 0x1aF), 0);
    assert_int_equal(avila_http1_write_chunk(&b, "abc", 3), 0);
    assert_int_equal(avila_http1_write_last_chunk(&b, NULL, 0), 0);
    const char *want = "HTTP/1.1 200 OK\r\nHTTP/1.0 404 Not Found\r\nHTTP/1.1 599 \r\n"
                       "HTTP/1.1 299 Fine\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n"
                       "X: 18446744073709551615\r\nEmpty: \r\n\r\n1af\r\n3\r\nabc\r\n0\r\n\r\n";
    assert_int_equal(b.len, strlen(want));
    assert_memory_equal(mem, want, b.len);

    /* Refusals leave the buffer as it was. */
    size_t len = b.len;
    assert_int_equal(avila_http1_write_header_str(&b, "Bad Name", "x"), AVILA_EINVAL);
    assert_int_equal(avila_http1_write_header_str(&b, "", "x"), AVILA_EINVAL);
    assert_int_equal(avila_http1_write_header_str(&b, "N:", "x"), AVILA_EINVAL);
    assert_int_equal(avila_http1_write_header_str(&b, "X", "a\r\nInjected: 1"), AVILA_EINVAL);
    assert_int_equal(avila_http1_write_header_str(&b, "X", "a\nb"), AVILA_EINVAL);
    assert_int_equal(avila_http1_write_header_str(&b, "X", "a\rb"), AVILA_EINVAL);
    assert_int_equal(avila_http1_write_header_str(&b, "X", "a\x7f"), AVILA_EINVAL);
    assert_int_equal(avila_http1_write_header_str(&b, "X", " lead"), AVILA_EINVAL);
    assert_int_equal(avila_http1_write_header_str(&b, "X", "trail\t"), AVILA_EINVAL);
    assert_int_equal(avila_http1_write_header(&b, S("X"), avila_slice_make("a\0b", 3)),
                     AVILA_EINVAL);
    assert_int_equal(avila_http1_write_status_line(&b, 1, 99, NULL), AVILA_EINVAL);
    assert_int_equal(avila_http1_write_status_line(&b, 1, 600, NULL), AVILA_EINVAL);
    assert_int_equal(avila_http1_write_status_line(&b, 2, 200, NULL), AVILA_EINVAL);
    assert_int_equal(avila_http1_write_status_line(&b, 1, 200, "a\r\nb"), AVILA_EINVAL);
    assert_int_equal(avila_http1_write_request_line(&b, "GET", S(""), 1), AVILA_EINVAL);
    assert_int_equal(avila_http1_write_request_line(&b, "GET", S("/a b"), 1), AVILA_EINVAL);
    assert_int_equal(avila_http1_write_request_line(&b, "GET", S("/a\r\n"), 1), AVILA_EINVAL);
    assert_int_equal(avila_http1_write_request_line(&b, "G T", S("/"), 1), AVILA_EINVAL);
    assert_int_equal(avila_http1_write_request_line(&b, "", S("/"), 1), AVILA_EINVAL);
    assert_int_equal(avila_http1_write_chunk_header(&b, 0), AVILA_EINVAL);
    assert_int_equal(avila_http1_write_chunk(&b, "", 0), AVILA_EINVAL);
    struct avila_http1_header bad_tr[2] = {{S("A"), S("1")}, {S("B"), S("x\ny")}};
    assert_int_equal(avila_http1_write_last_chunk(&b, bad_tr, 2), AVILA_EINVAL);
    assert_int_equal(b.len, len);
    /* A full buffer: AVILA_ENOSPC, nothing written. */
    uint8_t small[20];
    struct avila_buf s;
    avila_buf_init_fixed(&s, small, sizeof small);
    assert_int_equal(avila_http1_write_header_str(&s, "Content-Type", "text/plain"), AVILA_ENOSPC);
    assert_int_equal(s.len, 0);
    assert_int_equal(avila_http1_write_last_chunk(&s, bad_tr, 1), 0);
    assert_int_equal(s.len, 11);
    /* Reason phrases. */
    assert_string_equal(avila_http1_status_reason(413), "Content Too Large");
    assert_string_equal(avila_http1_status_reason(431), "Request Header Fields Too Large");
    assert_string_equal(avila_http1_status_reason(299), "");
}

/* Serialise with the writer, parse with the parser: the same message. */
static void round_trip(void **state)
{
    (void)state;
    uint64_t rng = 99;
    for (int iter = 0; iter < 200; iter++) {
        uint8_t mem[4096];
        struct avila_buf b;
        avila_buf_init_fixed(&b, mem, sizeof mem);
        unsigned status = 100 + (unsigned)(unit_rand(&rng) % 500);
        assert_int_equal(avila_http1_write_status_line(&b, 1, status, NULL), 0);
        assert_int_equal(avila_http1_write_header_str(&b, "Server", "avila"), 0);
        assert_int_equal(avila_http1_write_header_str(&b, "Transfer-Encoding", "chunked"), 0);
        assert_int_equal(avila_http1_write_end(&b), 0);
        size_t head = b.len;
        uint8_t data[300];
        size_t dl = 1 + unit_rand(&rng) % sizeof data;
        unit_rand_fill(&rng, data, dl);
        assert_int_equal(avila_http1_write_chunk(&b, data, dl), 0);
        assert_int_equal(avila_http1_write_last_chunk(&b, NULL, 0), 0);
        struct avila_http1_response r;
        struct avila_http1_header h[8];
        assert_int_equal(
            avila_http1_parse_response(NULL, mem, b.len, AVILA_HTTP1_METHOD_GET, h, 8, &r, NULL),
            (int)head);
        assert_int_equal(r.status, status);
        assert_slice(r.reason, avila_http1_status_reason(status));
        assert_int_equal(r.header_count, 2);
        assert_slice(h[0].value, "avila");
        if (status >= 200 && status != 204 && status != 304) {
            assert_int_equal(r.body, AVILA_HTTP1_BODY_CHUNKED);
            struct decoded d;
            decode_pieces(mem + head, b.len - head, NULL, 0, NULL, &d);
            assert_int_equal(d.rc, 0);
            assert_int_equal(d.len, dl);
            assert_memory_equal(d.data, data, dl);
        } else {
            assert_int_equal(r.body, AVILA_HTTP1_BODY_NONE);
        }
    }
}

/* ---------------------------------------------------------------- helpers */

static void helpers(void **state)
{
    (void)state;
    struct avila_slice list = S(" , keep-alive ,, Upgrade\t,\"a,b\" ;q=1, x;p=\"1,2\" ,");
    struct avila_slice e;
    const char *want[] = {"keep-alive", "Upgrade", "\"a,b\" ;q=1", "x;p=\"1,2\""};
    for (size_t i = 0; i < 4; i++) {
        assert_true(avila_http1_list_next(&list, &e));
        assert_slice(e, want[i]);
    }
    assert_false(avila_http1_list_next(&list, &e));
    assert_false(avila_http1_list_next(&list, &e));
    assert_true(avila_http1_list_contains(S("keep-alive, UPGRADE"), "upgrade"));
    assert_false(avila_http1_list_contains(S("keep-alive, upgrades"), "upgrade"));
    assert_false(avila_http1_list_contains(S("upgrade;x=1"), "upgrade"));
    assert_false(avila_http1_list_contains(S(""), "close"));
    assert_true(avila_http1_list_contains(S(",,close,,"), "close"));
    struct avila_http1_header h[3] = {
        {S("A"), S("1")}, {S("content-TYPE"), S("x")}, {S("Content-Type"), S("y")}};
    assert_int_equal(avila_http1_header_find(h, 3, 0, "Content-Type"), 1);
    assert_int_equal(avila_http1_header_find(h, 3, 2, "content-type"), 2);
    assert_int_equal(avila_http1_header_find(h, 3, 3, "content-type"), AVILA_ENOTFOUND);
    assert_int_equal(avila_http1_header_find(h, 3, 0, "Content-Typ"), AVILA_ENOTFOUND);
    assert_true(avila_http1_token_equal(S("CHUNKED"), "chunked"));
    assert_false(avila_http1_token_equal(S("chunke"), "chunked"));
    /* The ASCII case fold only: 0xC9 is not 0xE9. */
    assert_false(avila_http1_token_equal(S("\xc9"), "\xe9"));
    /* Bad arguments. */
    struct avila_http1_request req;
    assert_int_equal(avila_http1_parse_request(NULL, NULL, 1, h, 3, &req, NULL), AVILA_EINVAL);
    assert_int_equal(avila_http1_parse_request(NULL, "x", 1, NULL, 3, &req, NULL), AVILA_EINVAL);
    assert_int_equal(avila_http1_parse_request(NULL, "x", 1, h, 3, NULL, NULL), AVILA_EINVAL);
    assert_int_equal(avila_http1_parse_request(NULL, NULL, 0, h, 3, &req, NULL), AVILA_EAGAIN);
}

/* ---------------------------------------------------------------- dates */

static void dates(void **state)
{
    (void)state;
    /* RFC 9110 5.6.7: the same instant in the three forms. */
    const int64_t t = 784111777; /* 1994-11-06T08:49:37Z */
    char d[AVILA_HTTP1_DATE_LEN];
    assert_int_equal(avila_http1_date_format(t, d), 29);
    assert_memory_equal(d, "Sun, 06 Nov 1994 08:49:37 GMT", 29);
    int64_t now = 1767225600; /* 2026-01-01 */
    int64_t v;
    assert_int_equal(avila_http1_date_parse("Sun, 06 Nov 1994 08:49:37 GMT", 29, now, &v), 0);
    assert_int_equal(v, t);
    assert_int_equal(avila_http1_date_parse("Sunday, 06-Nov-94 08:49:37 GMT", 30, now, &v), 0);
    assert_int_equal(v, t);
    assert_int_equal(avila_http1_date_parse("Sun Nov  6 08:49:37 1994", 24, now, &v), 0);
    assert_int_equal(v, t);
    assert_int_equal(avila_http1_date_parse("Sun Nov 06 08:49:37 1994", 24, now, &v), 0);
    assert_int_equal(v, t);
    /* Known answers: the epoch, a leap day, the last second of 9999. */
    static const struct {
        int64_t t;
        const char *s;
    } kat[] = {
        {0, "Thu, 01 Jan 1970 00:00:00 GMT"},
        {951782400, "Tue, 29 Feb 2000 00:00:00 GMT"},
        {1700000000, "Tue, 14 Nov 2023 22:13:20 GMT"},
        {-1, "Wed, 31 Dec 1969 23:59:59 GMT"},
        {253402300799, "Fri, 31 Dec 9999 23:59:59 GMT"},
        {-62167219200, "Sat, 01 Jan 0000 00:00:00 GMT"},
    };
    for (size_t i = 0; i < AVILA_ARRAY_LEN(kat); i++) {
        assert_int_equal(avila_http1_date_format(kat[i].t, d), 29);
        assert_memory_equal(d, kat[i].s, 29);
        assert_int_equal(avila_http1_date_parse(kat[i].s, 29, now, &v), 0);
        assert_int_equal(v, kat[i].t);
    }
    assert_int_equal(avila_http1_date_format(253402300800, d), AVILA_ERANGE);
    assert_int_equal(avila_http1_date_format(-62167219201, d), AVILA_ERANGE);
    /* Round trip over many instants. */
    uint64_t rng = 5;
    for (int i = 0; i < 2000; i++) {
        int64_t x = (int64_t)(unit_rand(&rng) % 253402300800u);
        assert_int_equal(avila_http1_date_format(x, d), 29);
        assert_int_equal(avila_http1_date_parse(d, 29, now, &v), 0);
        assert_int_equal(v, x);
    }
    /* rfc850 two-digit years: at most 50 years after now. */
    assert_int_equal(avila_http1_date_parse("Monday, 01-Jan-76 00:00:00 GMT", 30, now, &v), 0);
    assert_int_equal(v, 3345062400); /* 2076 */
    assert_int_equal(avila_http1_date_parse("Thursday, 01-Jan-77 00:00:00 GMT", 32, now, &v), 0);
    assert_int_equal(v, 220924800); /* 1977 */
    /* Rejections: case, spacing, ranges, impossible dates, zones. */
    const char *bad[] = {
        "sun, 06 Nov 1994 08:49:37 GMT",    "Sun, 06 nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37 gmt",    "Sun, 06 Nov 1994 08:49:37 UTC",
        "Sun,  6 Nov 1994 08:49:37 GMT",    "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 06 Nov 1994 08:60:00 GMT",    "Sun, 31 Nov 1994 08:49:37 GMT",
        "Sun, 29 Feb 1900 08:49:37 GMT",    "Sun, 00 Nov 1994 08:49:37 GMT",
        "Xyz, 06 Nov 1994 08:49:37 GMT",    "Sun, 06 Nov 1994 08:49:37 GMT ",
        "Sun Nov 6 08:49:37 1994",          "Sun Nov  6 08:49:37  994",
        "Sunday, 06-Nov-1994 08:49:37 GMT", "Sun, 06-Nov-94 08:49:37 GMT",
        "Sunday, 06 Nov 94 08:49:37 GMT",   "",
        "Sun, 06 Nov 1994 08:49:61 GMT",    "Sun, 06 Nov 1994 8:49:37 GMT",
    };
    for (size_t i = 0; i < AVILA_ARRAY_LEN(bad); i++)
        if (avila_http1_date_parse(bad[i], strlen(bad[i]), now, &v) != AVILA_EFORMAT)
            fail_msg("accepted \"%s\"", bad[i]);
    /* Second 60 folds to 59. */
    assert_int_equal(avila_http1_date_parse("Sat, 31 Dec 2016 23:59:60 GMT", 29, now, &v), 0);
    assert_int_equal(v, 1483228799);
    uint8_t mem[64];
    struct avila_buf b;
    avila_buf_init_fixed(&b, mem, sizeof mem);
    assert_int_equal(avila_http1_write_date(&b, t), 0);
    assert_int_equal(b.len, 29);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(char_classes),
        cmocka_unit_test(request_basic),
        cmocka_unit_test(request_targets_versions),
        cmocka_unit_test(request_fields),
        cmocka_unit_test(request_smuggling),
        cmocka_unit_test(limits),
        cmocka_unit_test(pipelining),
        cmocka_unit_test(prefixes),
        cmocka_unit_test(incremental_property),
        cmocka_unit_test(chunked_accept),
        cmocka_unit_test(chunked_reject),
        cmocka_unit_test(chunked_limits),
        cmocka_unit_test(chunked_property),
        cmocka_unit_test(length_and_close_bodies),
        cmocka_unit_test(responses),
        cmocka_unit_test(response_framing),
        cmocka_unit_test(writer),
        cmocka_unit_test(round_trip),
        cmocka_unit_test(helpers),
        cmocka_unit_test(dates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
