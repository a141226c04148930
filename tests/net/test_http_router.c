/*
 * tests/net/test_http_router.c - the path-pattern router (net/http_router.h):
 * every pattern rule and rejection, priority with backtracking, HEAD -> GET,
 * 404 against 405 and the Allow list, root and trailing '/', the parameter
 * limit, raw percent-escapes, a 10,000-segment path, a model-based test
 * against the naive matcher of tests/net/router_model.h over thousands of
 * random route sets, and an allocation-failure sweep over add.
 */
#include "tests/support/unit.h"

#include <stdlib.h>
#include <string.h>

#include "net/http_router.h"
#include "tests/net/router_model.h"
#include "tests/support/fail_alloc.h"

#define V(i) ((void *)(uintptr_t)(i))

static struct avila_slice S(const char *s) {
    return avila_slice_from_cstr(s);
}

static void
add_ok(struct avila_http_router *r, const char *method, const char *pattern, int v)
{
    int rc = avila_http_router_add(r, method, pattern, V(v));
    if (rc != 0)
        fail_msg("add %s %s: %d", method ? method : "(any)", pattern, rc);
}

/* Matches and checks the value (0 for "no match": rc then is want_rc). */
static void expect(const struct avila_http_router *r, const char *method, const char *path,
                   int want_rc, int want_v)
{
    struct avila_http_router_match m;
    int rc = avila_http_router_match(r, S(method), S(path), &m);
    if (rc != want_rc)
        fail_msg("%s %s: rc %d, want %d", method, path, rc, want_rc);
    if (rc == 0 && m.value != V(want_v))
        fail_msg("%s %s: value %d, want %d", method, path, (int)(uintptr_t)m.value, want_v);
}

static void expect_param(const struct avila_http_router *r, const char *method, const char *path,
                         const char *name, const char *value)
{
    struct avila_http_router_match m;
    assert_int_equal(avila_http_router_match(r, S(method), S(path), &m), 0);
    struct avila_slice v;
    assert_int_equal(avila_http_router_param(&m, name, &v), 0);
    if (!avila_slice_equal(v, S(value)))
        fail_msg("%s %s: %s = '%.*s', want '%s'", method, path, name, (int)v.len,
                 (const char *)v.ptr, value);
    /* Values are slices of the path itself. */
    assert_true(v.len == 0 || (v.ptr >= (const uint8_t *)path &&
                               v.ptr + v.len <= (const uint8_t *)path + strlen(path)));
}

static void patterns_valid(void **state)
{
    (void)state;
    static const struct {
        const char *pattern, *path;
    } cases[] = {
        {"/", "/"},
        {"/a", "/a"},
        {"/a/", "/a/"},
        {"//", "//"},
        {"/a//b", "/a//b"},
        {"/:x", "/v"},
        {"/*", "/anything/at/all"},
        {"/*rest", "/"},
        {"/a/:b/c/*d", "/a/1/c/2/3"},
        {"/a:b", "/a:b"},
        {"/a*b", "/a*b"},
        {"/~u/;p=1,2/@x!$&'()+", "/~u/;p=1,2/@x!$&'()+"},
        {"/%41%2f", "/%41%2f"},
        {"/:A_z9", "/v"},
        {"/x/:a/:b/:c", "/x/1/2/3"},
    };
    for (size_t i = 0; i < AVILA_ARRAY_LEN(cases); i++) {
        struct avila_http_router r;
        assert_int_equal(avila_http_router_init(&r, avila_allocator_libc()), 0);
        add_ok(&r, "GET", cases[i].pattern, 7);
        expect(&r, "GET", cases[i].path, 0, 7);
        struct avila_http_router_match m;
        assert_int_equal(avila_http_router_match(&r, S("GET"), S(cases[i].path), &m), 0);
        assert_true(avila_slice_equal(m.pattern, S(cases[i].pattern)));
        assert_true(avila_slice_equal(m.method, S("GET")));
        avila_http_router_release(&r);
    }
}

static void patterns_invalid(void **state)
{
    (void)state;
    char long_pat[AVILA_HTTP_ROUTER_MAX_PATTERN_BYTES + 2];
    long_pat[0] = '/';
    memset(long_pat + 1, 'a', AVILA_HTTP_ROUTER_MAX_PATTERN_BYTES);
    long_pat[AVILA_HTTP_ROUTER_MAX_PATTERN_BYTES + 1] = '\0'; /* 1025 bytes */
    char deep[2 * AVILA_HTTP_ROUTER_MAX_SEGMENTS + 3];
    for (size_t i = 0; i <= AVILA_HTTP_ROUTER_MAX_SEGMENTS; i++) {
        deep[2 * i] = '/';
        deep[2 * i + 1] = 'a';
    }
    deep[(size_t)2 * AVILA_HTTP_ROUTER_MAX_SEGMENTS + 2] = '\0'; /* 65 segments */
    const char *bad[] = {
        "",
        "a",
        "a/b",
        "/:",
        "/:a-b",
        "/:a.b",
        "/:a:b",
        "/*a-b",
        "/*/x",
        "/*a/",
        "/*a/b",
        "/:id/*id",
        "/:id/x/:id",
        "/a b",
        "/a?b",
        "/a#b",
        "/a%",
        "/a%4",
        "/a%4g",
        "/a%%41",
        "/\x7f",
        "/\x80",
        "/a\\b",
        "/[a]",
        "/\"",
        long_pat,
        deep,
        "/:a/:b/:c/:d/:e/:f/:g/:h/:i/:j/:k/:l/:m/:n/:o/:p/:q",
        "/:a/:b/:c/:d/:e/:f/:g/:h/:i/:j/:k/:l/:m/:n/:o/:p/*",
    };
    struct fail_alloc fa;
    fail_alloc_init(&fa);
    struct avila_http_router r;
    assert_int_equal(avila_http_router_init(&r, &fa.allocator), 0);
    add_ok(&r, "GET", "/keep/:x", 1);
    size_t live = fa.live_allocs, attempts = fa.attempts;
    for (size_t i = 0; i < AVILA_ARRAY_LEN(bad); i++) {
        if (avila_http_router_add(&r, "GET", bad[i], V(2)) != AVILA_EINVAL)
            fail_msg("pattern %zu '%s' was accepted", i, bad[i]);
        assert_int_equal(rmodel_check_pattern(bad[i]), AVILA_EINVAL);
    }
    /* No change: nothing allocated, the old route still answers. */
    assert_int_equal(fa.live_allocs, live);
    assert_int_equal(fa.attempts, attempts);
    assert_int_equal(avila_http_router_count(&r), 1);
    expect(&r, "GET", "/keep/1", 0, 1);
    assert_int_equal(avila_http_router_add(&r, "GET", NULL, V(2)), AVILA_EINVAL);
    assert_int_equal(avila_http_router_add(NULL, "GET", "/", V(2)), AVILA_EINVAL);

    /* The limits themselves are accepted. */
    long_pat[AVILA_HTTP_ROUTER_MAX_PATTERN_BYTES] = '\0'; /* 1024 bytes */
    add_ok(&r, "GET", long_pat, 3);
    expect(&r, "GET", long_pat, 0, 3);
    deep[(size_t)2 * AVILA_HTTP_ROUTER_MAX_SEGMENTS] = '\0'; /* 64 segments */
    add_ok(&r, "GET", deep, 4);
    expect(&r, "GET", deep, 0, 4);
    avila_http_router_release(&r);
    assert_int_equal(fa.live_allocs, 0);
}

static void methods(void **state)
{
    (void)state;
    struct avila_http_router r;
    avila_http_router_init(&r, avila_allocator_libc());
    char long_m[AVILA_HTTP_ROUTER_MAX_METHOD_BYTES + 2];
    memset(long_m, 'M', sizeof long_m - 1);
    long_m[sizeof long_m - 1] = '\0'; /* one byte too long */
    const char *bad[] = {"", "GE T", "GET\t", "G(ET", "GET/", "\x80", long_m};
    for (size_t i = 0; i < AVILA_ARRAY_LEN(bad); i++) {
        assert_int_equal(avila_http_router_add(&r, bad[i], "/", V(1)), AVILA_EINVAL);
        assert_int_equal(rmodel_check_method(bad[i]), AVILA_EINVAL);
    }
    add_ok(&r, "M-SEARCH", "/", 1);
    long_m[AVILA_HTTP_ROUTER_MAX_METHOD_BYTES] = '\0';
    add_ok(&r, long_m, "/", 2);
    expect(&r, long_m, "/", 0, 2);
    add_ok(&r, "!#$%&'*+-.^_`|~", "/", 3);
    add_ok(&r, "get", "/", 4); /* methods are case-sensitive */
    add_ok(&r, "GET", "/", 5);
    expect(&r, "M-SEARCH", "/", 0, 1);
    expect(&r, "get", "/", 0, 4);
    expect(&r, "GET", "/", 0, 5);
    expect(&r, "Get", "/", AVILA_HTTP_ROUTER_EMETHOD, 0);
    expect(&r, "", "/", AVILA_HTTP_ROUTER_EMETHOD, 0);
    avila_http_router_release(&r);
}

static void duplicates(void **state)
{
    (void)state;
    struct avila_http_router r;
    avila_http_router_init(&r, avila_allocator_libc());
    add_ok(&r, "GET", "/u/:id", 1);
    assert_int_equal(avila_http_router_add(&r, "GET", "/u/:id", V(9)), AVILA_EEXIST);
    assert_int_equal(avila_http_router_add(&r, "GET", "/u/:name", V(9)), AVILA_EEXIST);
    add_ok(&r, "POST", "/u/:name", 2);
    add_ok(&r, NULL, "/u/:x", 3);
    assert_int_equal(avila_http_router_add(&r, NULL, "/u/:y", V(9)), AVILA_EEXIST);
    add_ok(&r, "GET", "/u/*", 4);
    assert_int_equal(avila_http_router_add(&r, "GET", "/u/*rest", V(9)), AVILA_EEXIST);
    add_ok(&r, "GET", "/u/id", 5);
    assert_int_equal(avila_http_router_count(&r), 5);
    /* Names are per route. */
    expect_param(&r, "GET", "/u/7", "id", "7");
    expect_param(&r, "POST", "/u/7", "name", "7");
    expect_param(&r, "PUT", "/u/7", "x", "7");
    struct avila_http_router_match m;
    assert_int_equal(avila_http_router_match(&r, S("POST"), S("/u/7"), &m), 0);
    struct avila_slice v;
    assert_int_equal(avila_http_router_param(&m, "id", &v), AVILA_ENOTFOUND);
    assert_int_equal(avila_http_router_match(&r, S("PUT"), S("/u/7"), &m), 0);
    assert_int_equal(m.method.len, 0);
    avila_http_router_release(&r);
    assert_int_equal(avila_http_router_count(&r), 0);
    /* Usable again after release. */
    add_ok(&r, "GET", "/u/:id", 1);
    expect(&r, "GET", "/u/1", 0, 1);
    avila_http_router_release(&r);
}

static void priority(void **state)
{
    (void)state;
    struct avila_http_router r;
    avila_http_router_init(&r, avila_allocator_libc());
    add_ok(&r, "GET", "/users/new", 1);
    add_ok(&r, "GET", "/users/:id", 2);
    add_ok(&r, "GET", "/users/*rest", 3);
    add_ok(&r, "GET", "/users/:id/x", 4);
    add_ok(&r, "GET", "/users/new/y/z", 5);
    add_ok(&r, "GET", "/:a/:b/:c/q", 6);
    add_ok(&r, "GET", "/users/:id/:k/w", 7);
    expect(&r, "GET", "/users/new", 0, 1);
    expect(&r, "GET", "/users/42", 0, 2);
    expect_param(&r, "GET", "/users/42", "id", "42");
    expect(&r, "GET", "/users/new/x", 0, 4); /* backtracks out of the literal */
    expect_param(&r, "GET", "/users/new/x", "id", "new");
    expect(&r, "GET", "/users/new/y", 0, 3); /* then to the wildcard */
    expect_param(&r, "GET", "/users/new/y", "rest", "new/y");
    expect(&r, "GET", "/users/new/y/z", 0, 5);
    expect(&r, "GET", "/users/new/y/q", 0, 3); /* "users" before ":a" at the first segment */
    expect(&r, "GET", "/x/y/z/q", 0, 6);
    expect(&r, "GET", "/users/new/v/w", 0, 7);
    expect(&r, "GET", "/users/", 0, 3); /* ":id" needs a non-empty segment */
    expect_param(&r, "GET", "/users/", "rest", "");
    expect(&r, "GET", "/users", AVILA_ENOTFOUND, 0);
    expect(&r, "GET", "/other/1", AVILA_ENOTFOUND, 0);
    /* The method takes part in the search: a shape that does not answer it is passed over. */
    add_ok(&r, "POST", "/items/new", 10);
    add_ok(&r, "GET", "/items/:id", 11);
    expect(&r, "GET", "/items/new", 0, 11);
    expect(&r, "POST", "/items/new", 0, 10);
    expect(&r, "POST", "/items/3", AVILA_HTTP_ROUTER_EMETHOD, 0);
    avila_http_router_release(&r);
}

static void head_and_any(void **state)
{
    (void)state;
    struct avila_http_router r;
    avila_http_router_init(&r, avila_allocator_libc());
    add_ok(&r, "GET", "/a", 1);
    add_ok(&r, "GET", "/b", 2);
    add_ok(&r, "HEAD", "/b", 3);
    add_ok(&r, NULL, "/c", 4);
    add_ok(&r, "GET", "/c", 5);
    add_ok(&r, NULL, "/d", 6);
    expect(&r, "HEAD", "/a", 0, 1);
    expect(&r, "HEAD", "/b", 0, 3);
    expect(&r, "GET", "/b", 0, 2);
    expect(&r, "HEAD", "/c", 0, 5);
    expect(&r, "DELETE", "/c", 0, 4);
    expect(&r, "HEAD", "/d", 0, 6);
    expect(&r, "POST", "/a", AVILA_HTTP_ROUTER_EMETHOD, 0);
    struct avila_http_router_match m;
    assert_int_equal(avila_http_router_match(&r, S("HEAD"), S("/a"), &m), 0);
    assert_true(avila_slice_equal(m.method, S("GET")));
    avila_http_router_release(&r);
}

static void allow_list(void **state)
{
    (void)state;
    struct avila_http_router r;
    avila_http_router_init(&r, avila_allocator_libc());
    char out[64];
    assert_int_equal(avila_http_router_allow(&r, S("/x"), out, sizeof out), AVILA_ENOTFOUND);
    add_ok(&r, "POST", "/x", 1);
    add_ok(&r, "GET", "/x", 2);
    add_ok(&r, "DELETE", "/:p", 3);
    add_ok(&r, "GET", "/*", 4);
    add_ok(&r, "PUT", "/y/z", 5);
    add_ok(&r, NULL, "/any", 6);
    expect(&r, "PATCH", "/x", AVILA_HTTP_ROUTER_EMETHOD, 0);
    assert_int_equal(avila_http_router_allow(&r, S("/x"), out, sizeof out), 23);
    assert_string_equal(out, "DELETE, GET, HEAD, POST");
    expect(&r, "PUT", "/y", AVILA_HTTP_ROUTER_EMETHOD, 0);
    assert_int_equal(avila_http_router_allow(&r, S("/y/z/w"), out, sizeof out), 9);
    assert_string_equal(out, "GET, HEAD");
    assert_int_equal(avila_http_router_allow(&r, S("/any"), out, sizeof out), 17);
    assert_string_equal(out, "DELETE, GET, HEAD");
    expect(&r, "PATCH", "/any", 0, 6);
    /* Exactly enough room, then one byte short. */
    assert_int_equal(avila_http_router_allow(&r, S("/x"), out, 24), 23);
    assert_int_equal(avila_http_router_allow(&r, S("/x"), out, 23), AVILA_ENOSPC);
    assert_string_equal(out, "");
    assert_int_equal(avila_http_router_allow(&r, S("/x"), out, 0), AVILA_ENOSPC);
    assert_int_equal(avila_http_router_allow(&r, S("x"), out, sizeof out), AVILA_ENOTFOUND);
    expect(&r, "GET", "", AVILA_ENOTFOUND, 0);
    expect(&r, "GET", "*", AVILA_ENOTFOUND, 0);
    avila_http_router_release(&r);
    /* Only any-method routes: an empty list. */
    add_ok(&r, NULL, "/", 1);
    assert_int_equal(avila_http_router_allow(&r, S("/"), out, sizeof out), 0);
    assert_string_equal(out, "");
    avila_http_router_release(&r);
}

static void root_and_slashes(void **state)
{
    (void)state;
    struct avila_http_router r;
    avila_http_router_init(&r, avila_allocator_libc());
    expect(&r, "GET", "/", AVILA_ENOTFOUND, 0);
    add_ok(&r, "GET", "/", 1);
    add_ok(&r, "GET", "/a", 2);
    add_ok(&r, "GET", "/a/", 3);
    add_ok(&r, "GET", "/a//b", 4);
    add_ok(&r, "GET", "/s/*p", 5);
    expect(&r, "GET", "/", 0, 1);
    expect(&r, "GET", "//", AVILA_ENOTFOUND, 0);
    expect(&r, "GET", "/a", 0, 2);
    expect(&r, "GET", "/a/", 0, 3);
    expect(&r, "GET", "/a//", AVILA_ENOTFOUND, 0);
    expect(&r, "GET", "/a//b", 0, 4);
    expect(&r, "GET", "/a/b", AVILA_ENOTFOUND, 0);
    expect(&r, "GET", "/s", AVILA_ENOTFOUND, 0);
    expect_param(&r, "GET", "/s/", "p", "");
    expect_param(&r, "GET", "/s//", "p", "/");
    expect_param(&r, "GET", "/s/a/b/", "p", "a/b/");
    avila_http_router_release(&r);
}

static void params_at_limit(void **state)
{
    (void)state;
    struct avila_http_router r;
    avila_http_router_init(&r, avila_allocator_libc());
    add_ok(&r, "GET", "/:a/:b/:c/:d/:e/:f/:g/:h/:i/:j/:k/:l/:m/:n/:o/:p", 1);
    add_ok(&r, "GET", "/x/:b/:c/:d/:e/:f/:g/:h/:i/:j/:k/:l/:m/:n/:o/:p/*", 2);
    static const char path[] = "/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16";
    struct avila_http_router_match m;
    assert_int_equal(avila_http_router_match(&r, S("GET"), S(path), &m), 0);
    assert_int_equal(m.param_count, 16);
    for (size_t i = 0; i < 16; i++) {
        char name[2] = {(char)('a' + i), 0}, want[4];
        snprintf(want, sizeof want, "%zu", i + 1);
        assert_true(avila_slice_equal(m.params[i].name, S(name)));
        assert_true(avila_slice_equal(m.params[i].value, S(want)));
    }
    assert_int_equal(avila_http_router_match(
                         &r, S("GET"), S("/x/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/17/18"), &m),
                     0);
    assert_int_equal(m.param_count, 16);
    assert_int_equal(m.params[15].name.len, 0);
    assert_true(avila_slice_equal(m.params[15].value, S("17/18")));
    avila_http_router_release(&r);
}

static void percent_stays_raw(void **state)
{
    (void)state;
    struct avila_http_router r;
    avila_http_router_init(&r, avila_allocator_libc());
    add_ok(&r, "GET", "/files/:name", 1);
    add_ok(&r, "GET", "/files/:name/meta", 2);
    add_ok(&r, "GET", "/lit/%41", 3);
    add_ok(&r, "GET", "/raw/*p", 4);
    expect_param(&r, "GET", "/files/a%2Fb", "name", "a%2Fb");
    expect(&r, "GET", "/files/a%2Fmeta", 0, 1); /* %2F never splits a segment */
    expect(&r, "GET", "/files/a%2F/meta", 0, 2);
    expect(&r, "GET", "/lit/%41", 0, 3);
    expect(&r, "GET", "/lit/A", AVILA_ENOTFOUND, 0);
    expect(&r, "GET", "/lit/%61", AVILA_ENOTFOUND, 0);
    expect(&r, "GET", "/%6Cit/%41", AVILA_ENOTFOUND, 0);
    expect_param(&r, "GET", "/raw/%00%zz%", "p", "%00%zz%");
    /* Bytes the pattern syntax refuses still reach parameters raw. */
    expect_param(&r, "GET", "/files/a b\x80", "name", "a b\x80");
    avila_http_router_release(&r);
}

static void deep_path(void **state)
{
    (void)state;
    const size_t segs = 10000;
    char *path = malloc(2 * segs + 1);
    assert_non_null(path);
    for (size_t i = 0; i < segs; i++) {
        path[2 * i] = '/';
        path[2 * i + 1] = 'a';
    }
    path[2 * segs] = '\0';
    struct avila_http_router r;
    avila_http_router_init(&r, avila_allocator_libc());
    add_ok(&r, "GET", "/a/:b", 1);
    add_ok(&r, "GET", "/:a/:b/:c/:d/:e/:f", 2);
    add_ok(&r, "GET", "/a/a/a/a", 3);
    expect(&r, "GET", path, AVILA_ENOTFOUND, 0);
    char out[32];
    assert_int_equal(avila_http_router_allow(&r, S(path), out, sizeof out), AVILA_ENOTFOUND);
    add_ok(&r, "GET", "/a/a/*rest", 4);
    struct avila_http_router_match m;
    assert_int_equal(avila_http_router_match(&r, S("GET"), S(path), &m), 0);
    assert_ptr_equal(m.value, V(4));
    assert_int_equal(m.params[0].value.len, 2 * segs - 5);
    assert_ptr_equal(m.params[0].value.ptr, (const uint8_t *)path + 5);
    /* Every segment empty, and one huge segment. */
    memset(path, '/', 2 * segs);
    expect(&r, "GET", path, AVILA_ENOTFOUND, 0);
    memset(path + 1, 'a', 2 * segs - 1);
    expect(&r, "GET", path, AVILA_ENOTFOUND, 0);
    avila_http_router_release(&r);
    free(path);
}

/* ------------------------------------------------------------ model test */

static const char *const lit_alpha[] = {"a", "b", "ab", "", "%41", "a:b"};
static const char *const param_alpha[] = {":x", ":y", ":id", "*", "*rest", "*x"};
static const char *const method_alpha[] = {NULL, "GET", "HEAD", "POST", "DELETE"};
static const char *const path_alpha[] = {"a", "b", "ab", "", "%41", "A", "zz", "a:b", "*"};
static const char *const req_alpha[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "get"};

static void random_pattern(uint64_t *rng, char *out, size_t cap)
{
    size_t n = 1 + unit_rand(rng) % 4, len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        uint64_t x = unit_rand(rng);
        const char *seg = (x & 3) != 0 ? lit_alpha[(x >> 2) % AVILA_ARRAY_LEN(lit_alpha)]
                                       : param_alpha[(x >> 2) % AVILA_ARRAY_LEN(param_alpha)];
        if ((x >> 20) % 64 == 0)
            seg = (x >> 30) & 1 ? ":" : "a b"; /* now and then an invalid one */
        len += (size_t)snprintf(out + len, cap - len, "/%s", seg);
    }
}

static void random_path(uint64_t *rng, char *out, size_t cap)
{
    size_t n = 1 + unit_rand(rng) % 5, len = 0;
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(out + len, cap - len, "/%s",
                                path_alpha[unit_rand(rng) % AVILA_ARRAY_LEN(path_alpha)]);
    if (unit_rand(rng) % 50 == 0)
        out[0] = 'x'; /* not a path */
}

/* Compares one router answer with the model's; fails the test on a difference. */
static void compare_one(const struct avila_http_router *r, const struct rmodel *model,
                        void *const *values, const char *method, const char *path)
{
    struct rmodel_result want;
    rmodel_match(model, method, strlen(method), path, strlen(path), &want);
    struct avila_http_router_match m;
    int rc = avila_http_router_match(r, S(method), S(path), &m);
    if (rc != want.rc)
        fail_msg("%s %s: rc %d, model %d", method, path, rc, want.rc);
    if (rc == 0) {
        if (m.value != values[want.route])
            fail_msg("%s %s: route %s, model %s", method, path, (const char *)m.pattern.ptr,
                     model->routes[want.route].pattern);
        assert_true(avila_slice_equal(m.pattern, S(model->routes[want.route].pattern)));
        assert_int_equal(m.param_count, want.nparams);
        for (size_t i = 0; i < want.nparams; i++) {
            assert_true(avila_slice_equal(
                m.params[i].name, avila_slice_make(want.params[i].name, want.params[i].name_len)));
            assert_ptr_equal(m.params[i].value.ptr, (const uint8_t *)path + want.params[i].off);
            assert_int_equal(m.params[i].value.len, want.params[i].len);
        }
    }
    char allow[1024];
    int n = avila_http_router_allow(r, S(path), allow, sizeof allow);
    if (rc == AVILA_ENOTFOUND) {
        assert_int_equal(n, AVILA_ENOTFOUND);
    } else {
        assert_int_equal(n, (int)strlen(want.allow));
        if (strcmp(allow, want.allow) != 0)
            fail_msg("%s: allow '%s', model '%s'", path, allow, want.allow);
    }
}

static void model_random(void **state)
{
    (void)state;
    static struct rmodel model;
    uint64_t rng = 0x5eed0001;
    size_t sets = unit_slow() == UNIT_SLOW_NONE ? 300 : 3000, checks = 0, oks = 0, e405 = 0;
    for (size_t set = 0; set < sets; set++) {
        struct avila_http_router r;
        avila_http_router_init(&r, avila_allocator_libc());
        model.n = 0;
        void *values[RMODEL_MAX_ROUTES] = {0};
        size_t nroutes = 1 + unit_rand(&rng) % 12;
        for (size_t i = 0; i < nroutes; i++) {
            char pat[64];
            random_pattern(&rng, pat, sizeof pat);
            const char *method = method_alpha[unit_rand(&rng) % AVILA_ARRAY_LEN(method_alpha)];
            void *v = V(1000 + i);
            int want = rmodel_add(&model, method, pat);
            int rc = avila_http_router_add(&r, method, pat, v);
            if (rc != want)
                fail_msg("add %s %s: %d, model %d", method ? method : "(any)", pat, rc, want);
            if (rc == 0)
                values[model.n - 1] = v;
        }
        assert_int_equal(avila_http_router_count(&r), model.n);
        for (size_t q = 0; q < 40; q++) {
            char path[64];
            random_path(&rng, path, sizeof path);
            const char *method = req_alpha[unit_rand(&rng) % AVILA_ARRAY_LEN(req_alpha)];
            compare_one(&r, &model, values, method, path);
            struct rmodel_result res;
            rmodel_match(&model, method, strlen(method), path, strlen(path), &res);
            oks += res.rc == 0;
            e405 += res.rc == AVILA_HTTP_ROUTER_EMETHOD;
            checks++;
        }
        avila_http_router_release(&r);
    }
    print_message("# %zu sets, %zu requests: %zu matched, %zu 405\n", sets, checks, oks, e405);
    /* The alphabet must exercise every outcome. */
    assert_true(oks > checks / 20);
    assert_true(e405 > checks / 100);
    assert_true(checks - oks - e405 > checks / 10);
}

/* --------------------------------------------------- allocation failures */

static const struct {
    const char *method, *pattern, *path;
} sweep_routes[] = {
    {"GET", "/", "/"},
    {"GET", "/repos/:owner/:repo", "/repos/o/r"},
    {"POST", "/repos/:owner/:repo", "/repos/o/r"},
    {"GET", "/repos/:owner/:repo/issues", "/repos/o/r/issues"},
    {"GET", "/repos/:owner/:repo/pulls/:n", "/repos/o/r/pulls/1"},
    {"GET", "/a", "/a"},
    {"GET", "/b", "/b"},
    {"GET", "/c", "/c"},
    {"GET", "/d", "/d"},
    {"GET", "/e", "/e"},
    {"GET", "/f/x/y", "/f/x/y"},
    {NULL, "/static/*path", "/static/css/site.css"},
    {"GET", "/repos/new", "/repos/new"},
};

/* Checks that exactly the first n routes answer, each with its value. */
static void check_first(const struct avila_http_router *r, size_t n)
{
    assert_int_equal(avila_http_router_count(r), n);
    for (size_t i = 0; i < AVILA_ARRAY_LEN(sweep_routes); i++) {
        struct avila_http_router_match m;
        const char *method = sweep_routes[i].method ? sweep_routes[i].method : "PUT";
        int rc = avila_http_router_match(r, S(method), S(sweep_routes[i].path), &m);
        if (i < n) {
            assert_int_equal(rc, 0);
            assert_ptr_equal(m.value, V(i + 1));
        } else {
            assert_true(rc != 0 || m.value != V(i + 1));
        }
    }
}

static int sweep_op(struct fail_alloc *fa, void *ctx)
{
    (void)ctx;
    struct avila_http_router r;
    avila_http_router_init(&r, &fa->allocator);
    for (size_t i = 0; i < AVILA_ARRAY_LEN(sweep_routes); i++) {
        unsigned long before = fa->failures;
        size_t live = fa->live_allocs;
        int rc =
            avila_http_router_add(&r, sweep_routes[i].method, sweep_routes[i].pattern, V(i + 1));
        if (fa->failures != before) {
            assert_int_equal(rc, AVILA_ENOMEM);
            /* New blocks are freed; a grown child array of an old node may stay (same content). */
            assert_true(fa->live_allocs == live || fa->live_allocs == live + 1);
            check_first(&r, i);
            rc = avila_http_router_add(&r, sweep_routes[i].method, sweep_routes[i].pattern,
                                       V(i + 1));
        }
        assert_int_equal(rc, 0);
        check_first(&r, i + 1);
    }
    avila_http_router_release(&r);
    return 0;
}

static void alloc_failures(void **state)
{
    (void)state;
    struct fail_alloc fa;
    fail_alloc_init(&fa);
    assert_int_equal(sweep_op(&fa, NULL), 0);
    unsigned long total = fa.attempts;
    print_message("# %lu allocation attempts\n", total);
    /* Every allocation attempt fails once, in its own run. */
    assert_int_equal(fail_alloc_sweep(sweep_op, NULL, 0), total);
    assert_true(total > 20);
}

static void null_args(void **state)
{
    (void)state;
    struct avila_http_router r;
    struct avila_http_router_match m;
    char out[8];
    assert_int_equal(avila_http_router_init(NULL, avila_allocator_libc()), AVILA_EINVAL);
    assert_int_equal(avila_http_router_init(&r, NULL), AVILA_EINVAL);
    avila_http_router_init(&r, avila_allocator_libc());
    assert_int_equal(avila_http_router_match(NULL, S("GET"), S("/"), &m), AVILA_EINVAL);
    assert_int_equal(avila_http_router_match(&r, S("GET"), S("/"), NULL), AVILA_EINVAL);
    assert_int_equal(avila_http_router_match(&r, S("GET"), avila_slice_make(NULL, 0), &m),
                     AVILA_ENOTFOUND);
    assert_int_equal(avila_http_router_allow(&r, S("/"), NULL, 0), AVILA_EINVAL);
    assert_int_equal(avila_http_router_allow(NULL, S("/"), out, sizeof out), AVILA_EINVAL);
    avila_http_router_release(&r); /* empty: nothing to free */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(patterns_valid),  cmocka_unit_test(patterns_invalid),
        cmocka_unit_test(methods),         cmocka_unit_test(duplicates),
        cmocka_unit_test(priority),        cmocka_unit_test(head_and_any),
        cmocka_unit_test(allow_list),      cmocka_unit_test(root_and_slashes),
        cmocka_unit_test(params_at_limit), cmocka_unit_test(percent_stays_raw),
        cmocka_unit_test(deep_path),       cmocka_unit_test(model_random),
        cmocka_unit_test(alloc_failures),  cmocka_unit_test(null_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
