/*
 * tests/net/test_http_url.c - http URLs (net/http_url.h): parsing of valid
 * and invalid absolute URLs, and reference resolution with every example of
 * RFC 3986 section 5.4 (normal and abnormal) against its base
 * "http://a/b/c/d;p?q", fragments dropped as the client never sends them.
 */
#include "tests/support/unit.h"

#include <string.h>

#include "net/http_url.h"

static void parse_valid(void **state)
{
    (void)state;
    static const struct {
        const char *url, *host, *target;
        unsigned port;
        bool ipv6;
    } cases[] = {
        {"http://example.com", "example.com", "/", 80, false},
        {"HTTP://Example.COM/", "Example.COM", "/", 80, false},
        {"http://example.com:8080/a/b?c=d&e", "example.com", "/a/b?c=d&e", 8080, false},
        {"http://127.0.0.1:1/", "127.0.0.1", "/", 1, false},
        {"http://[::1]:65535/x", "::1", "/x", 65535, true},
        {"http://[2001:db8::7]/", "2001:db8::7", "/", 80, true},
        {"http://h/p%20q?x#frag", "h", "/p%20q?x", 80, false},
        {"http://h?q", "h", "?q", 80, false},
        {"http://my_host.local/~u/;p=1", "my_host.local", "/~u/;p=1", 80, false},
    };
    for (size_t i = 0; i < AVILA_ARRAY_LEN(cases); i++) {
        struct avila_http_url u;
        assert_int_equal(avila_http_url_parse(cases[i].url, strlen(cases[i].url), &u), 0);
        assert_true(avila_slice_equal(u.host, avila_slice_from_cstr(cases[i].host)));
        assert_true(avila_slice_equal(u.target, avila_slice_from_cstr(cases[i].target)));
        assert_int_equal(u.port, cases[i].port);
        assert_int_equal(u.ipv6, cases[i].ipv6);
    }
}

static void parse_invalid(void **state)
{
    (void)state;
    static const struct {
        const char *url;
        int rc;
    } cases[] = {
        {"https://example.com/", AVILA_EUNSUPPORTED},
        {"ftp://example.com/", AVILA_EUNSUPPORTED},
        {"example.com/", AVILA_EFORMAT},
        {"http:/example.com/", AVILA_EFORMAT},
        {"http://", AVILA_EFORMAT},
        {"http:///path", AVILA_EFORMAT},
        {"http://user:pw@example.com/", AVILA_EFORMAT},
        {"http://example.com@evil.com/", AVILA_EFORMAT},
        {"http://example.com:/", AVILA_EFORMAT},
        {"http://example.com:0/", AVILA_EFORMAT},
        {"http://example.com:65536/", AVILA_EFORMAT},
        {"http://example.com:80x/", AVILA_EFORMAT},
        {"http://exa mple.com/", AVILA_EFORMAT},
        {"http://example.com/a b", AVILA_EFORMAT},
        {"http://example.com/%zz", AVILA_EFORMAT},
        {"http://example.com/%4", AVILA_EFORMAT},
        {"http://[::1/", AVILA_EFORMAT},
        {"http://[1.2.3.4]/", AVILA_EFORMAT},
        {"http://[::1]x/", AVILA_EFORMAT},
        {"http://ex%41mple.com/", AVILA_EFORMAT},
        {"1http://example.com/", AVILA_EFORMAT},
        {"http://example.com/\x01", AVILA_EFORMAT},
        {"http://example.com/\"", AVILA_EFORMAT},
    };
    for (size_t i = 0; i < AVILA_ARRAY_LEN(cases); i++) {
        struct avila_http_url u;
        int rc = avila_http_url_parse(cases[i].url, strlen(cases[i].url), &u);
        if (rc != cases[i].rc)
            fail_msg("%s: %d, want %d", cases[i].url, rc, cases[i].rc);
    }
    static char longer[AVILA_HTTP_URL_MAX + 2];
    memset(longer, 'a', sizeof longer - 1);
    static const char prefix[] = "http://h/";
    for (size_t k = 0; k + 1 < sizeof prefix; k++)
        longer[k] = prefix[k];
    struct avila_http_url u;
    assert_int_equal(avila_http_url_parse(longer, strlen(longer), &u), AVILA_ELIMIT);
    assert_int_equal(avila_http_url_parse(NULL, 0, &u), AVILA_EINVAL);
}

/* RFC 3986 section 5.4.1 and 5.4.2. */
static void rfc3986_examples(void **state)
{
    (void)state;
    static const char *const pairs[][2] = {
        {"g", "http://a/b/c/g"},
        {"./g", "http://a/b/c/g"},
        {"g/", "http://a/b/c/g/"},
        {"/g", "http://a/g"},
        {"//g", "http://g"},
        {"?y", "http://a/b/c/d;p?y"},
        {"g?y", "http://a/b/c/g?y"},
        {"#s", "http://a/b/c/d;p?q"},
        {"g#s", "http://a/b/c/g"},
        {"g?y#s", "http://a/b/c/g?y"},
        {";x", "http://a/b/c/;x"},
        {"g;x", "http://a/b/c/g;x"},
        {"g;x?y#s", "http://a/b/c/g;x?y"},
        {"", "http://a/b/c/d;p?q"},
        {".", "http://a/b/c/"},
        {"./", "http://a/b/c/"},
        {"..", "http://a/b/"},
        {"../", "http://a/b/"},
        {"../g", "http://a/b/g"},
        {"../..", "http://a/"},
        {"../../", "http://a/"},
        {"../../g", "http://a/g"},
        /* 5.4.2, abnormal */
        {"../../../g", "http://a/g"},
        {"../../../../g", "http://a/g"},
        {"/./g", "http://a/g"},
        {"/../g", "http://a/g"},
        {"g.", "http://a/b/c/g."},
        {".g", "http://a/b/c/.g"},
        {"g..", "http://a/b/c/g.."},
        {"..g", "http://a/b/c/..g"},
        {"./../g", "http://a/b/g"},
        {"./g/.", "http://a/b/c/g/"},
        {"g/./h", "http://a/b/c/g/h"},
        {"g/../h", "http://a/b/c/h"},
        {"g;x=1/./y", "http://a/b/c/g;x=1/y"},
        {"g;x=1/../y", "http://a/b/c/y"},
        {"g?y/./x", "http://a/b/c/g?y/./x"},
        {"g?y/../x", "http://a/b/c/g?y/../x"},
        {"g#s/./x", "http://a/b/c/g"},
        {"g#s/../x", "http://a/b/c/g"},
        /* absolute references stand alone */
        {"http://other:81/x?y#z", "http://other:81/x?y"},
    };
    const char *base_text = "http://a/b/c/d;p?q";
    struct avila_http_url base;
    assert_int_equal(avila_http_url_parse(base_text, strlen(base_text), &base), 0);
    for (size_t i = 0; i < AVILA_ARRAY_LEN(pairs); i++) {
        char out[256];
        int n = avila_http_url_resolve(&base, pairs[i][0], strlen(pairs[i][0]), out, sizeof out);
        if (n < 0 || strcmp(out, pairs[i][1]) != 0)
            fail_msg("'%s': got %d '%s', want '%s'", pairs[i][0], n, n >= 0 ? out : "",
                     pairs[i][1]);
        assert_int_equal((size_t)n, strlen(pairs[i][1]));
    }
    /* A port and an IPv6 host are kept; the output's room is respected. */
    const char *b6 = "http://[::1]:8080/a/b";
    assert_int_equal(avila_http_url_parse(b6, strlen(b6), &base), 0);
    char out[64];
    assert_true(avila_http_url_resolve(&base, "c", 1, out, sizeof out) > 0);
    assert_string_equal(out, "http://[::1]:8080/a/c");
    assert_int_equal(avila_http_url_resolve(&base, "c", 1, out, 10), AVILA_ENOSPC);
    assert_int_equal(avila_http_url_resolve(&base, "https://x/", 10, out, sizeof out),
                     AVILA_EUNSUPPORTED);
    assert_int_equal(avila_http_url_resolve(&base, "a b", 3, out, sizeof out), AVILA_EFORMAT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_valid),
        cmocka_unit_test(parse_invalid),
        cmocka_unit_test(rfc3986_examples),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
