/*
 * tools/fuzz/fuzz_http_router.c - libFuzzer harness for the path-pattern
 * router (net/http_router.h), checked against the naive reference matcher
 * of tests/net/router_model.h.
 *
 * Input: lines separated by '\n'. Every line but the last is a route,
 * "METHOD PATTERN" (split at the first space; no space: the whole line is
 * the pattern of an any-method route); at most FUZZ_MAX_ROUTES are used.
 * The last line is the request, "METHOD PATH" (no space: GET and the whole
 * line). Properties (violations call __builtin_trap()):
 *   - add returns what the model says (0, AVILA_EINVAL, AVILA_EEXIST), and
 *     the route count follows;
 *   - matching the request, and the same path with HEAD, agrees with the
 *     model on the result (0 / 404 / 405), the route, its pattern and
 *     method, and every parameter name and value (the same bytes of the
 *     path);
 *   - the Allow list is the model's, or AVILA_ENOTFOUND on a 404.
 * Seeds: tools/fuzz/corpus/http_router/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "net/http_router.h"
#include "tests/net/router_model.h"

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

#define FUZZ_MAX_ROUTES 8

static struct rmodel model;

static void check_request(const struct avila_http_router *r, const void *const *values,
                          const uint8_t *method, size_t mlen, const uint8_t *path, size_t plen)
{
    struct rmodel_result want;
    rmodel_match(&model, (const char *)method, mlen, (const char *)path, plen, &want);
    struct avila_http_router_match m;
    int rc = avila_http_router_match(r, avila_slice_make(method, mlen),
                                     avila_slice_make(path, plen), &m);
    CHECK(rc == want.rc);
    if (rc == 0) {
        const struct rmodel_route *mr = &model.routes[want.route];
        CHECK(m.value == values[want.route]);
        CHECK(avila_slice_equal(m.pattern, avila_slice_from_cstr(mr->pattern)));
        CHECK(avila_slice_equal(m.method, avila_slice_from_cstr(mr->method)));
        CHECK(m.param_count == want.nparams);
        for (size_t i = 0; i < want.nparams; i++) {
            CHECK(avila_slice_equal(
                m.params[i].name, avila_slice_make(want.params[i].name, want.params[i].name_len)));
            CHECK(m.params[i].value.ptr == path + want.params[i].off);
            CHECK(m.params[i].value.len == want.params[i].len);
        }
    }
    char allow[1024];
    int n = avila_http_router_allow(r, avila_slice_make(path, plen), allow, sizeof allow);
    if (rc == AVILA_ENOTFOUND) {
        CHECK(n == AVILA_ENOTFOUND);
    } else {
        CHECK(n >= 0 && (size_t)n == strlen(want.allow));
        CHECK(strcmp(allow, want.allow) == 0);
    }
}

/* Copies at most cap - 1 bytes of p[0..n) as a C string (an inner NUL ends it early for both). */
static void cstr(char *out, size_t cap, const uint8_t *p, size_t n)
{
    size_t k = n < cap - 1 ? n : cap - 1;
    memcpy(out, p, k);
    out[k] = '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct avila_http_router r;
    CHECK(avila_http_router_init(&r, avila_allocator_libc()) == 0);
    model.n = 0;
    const void *values[RMODEL_MAX_ROUTES] = {0};
    size_t pos = 0, added = 0;
    for (size_t line = 0; line < FUZZ_MAX_ROUTES; line++) {
        const uint8_t *nl = memchr(data + pos, '\n', size - pos);
        if (nl == NULL)
            break;
        const uint8_t *s = data + pos;
        size_t len = (size_t)(nl - s);
        pos += len + 1;
        const uint8_t *sp = memchr(s, ' ', len);
        char method[AVILA_HTTP_ROUTER_MAX_METHOD_BYTES + 2];
        char pattern[AVILA_HTTP_ROUTER_MAX_PATTERN_BYTES + 2];
        const char *mp = NULL;
        if (sp != NULL) {
            cstr(method, sizeof method, s, (size_t)(sp - s));
            mp = method;
            cstr(pattern, sizeof pattern, sp + 1, len - (size_t)(sp - s) - 1);
        } else {
            cstr(pattern, sizeof pattern, s, len);
        }
        const void *v = (const void *)(uintptr_t)(line + 1); /* an opaque, distinct value */
        int want = rmodel_add(&model, mp, pattern);
        int rc = avila_http_router_add(&r, mp, pattern, (void *)(uintptr_t)(line + 1));
        CHECK(rc == want);
        if (rc == 0)
            values[added++] = v;
        CHECK(avila_http_router_count(&r) == added && model.n == added);
    }
    /* The rest (after the routes) is the request. */
    const uint8_t *s = data + pos;
    size_t len = size - pos;
    const uint8_t *sp = len > 0 ? memchr(s, ' ', len) : NULL;
    const uint8_t *method = (const uint8_t *)"GET", *path = s;
    size_t mlen = 3, plen = len;
    if (sp != NULL) {
        method = s;
        mlen = (size_t)(sp - s);
        path = sp + 1;
        plen = len - mlen - 1;
    }
    check_request(&r, values, method, mlen, path, plen);
    check_request(&r, values, (const uint8_t *)"HEAD", 4, path, plen);
    avila_http_router_release(&r);
    CHECK(avila_http_router_count(&r) == 0);
    return 0;
}
