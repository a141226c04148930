/*
 * tools/bench/bench_http_router.c - the path-pattern router
 * (net/http_router.h) over a route set shaped like a real API: about 60
 * routes in the style of GitHub's REST API (/repos/:owner/:repo/...,
 * /users/:user/..., /orgs/:org/...) plus static files (a wildcard under /static).
 *
 *   BENCH http_router static-hit <ns> ns/op   GET /user/repos (literals only)
 *   BENCH http_router param-hit <ns> ns/op    GET /repos/:owner/:repo
 *   BENCH http_router deep-param-hit <ns> ns/op
 *                                             GET /repos/:owner/:repo/pulls/
 *                                             :number/comments/:id/reactions
 *   BENCH http_router wildcard-hit <ns> ns/op the /static wildcard, 3 segments deep
 *   BENCH http_router miss-404 <ns> ns/op     a path under /repos that no route takes
 *
 * Single-threaded; figures are the median of bench_time's runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/error.h"
#include "net/http_router.h"
#include "tools/bench/bench.h"

#define REPS 1000

static const struct {
    const char *method, *pattern;
} routes[] = {
    {"GET", "/"},
    {"GET", "/user"},
    {"PATCH", "/user"},
    {"GET", "/user/repos"},
    {"POST", "/user/repos"},
    {"GET", "/user/orgs"},
    {"GET", "/user/followers"},
    {"GET", "/user/following"},
    {"GET", "/user/starred"},
    {"GET", "/user/starred/:owner/:repo"},
    {"PUT", "/user/starred/:owner/:repo"},
    {"DELETE", "/user/starred/:owner/:repo"},
    {"GET", "/users/:user"},
    {"GET", "/users/:user/repos"},
    {"GET", "/users/:user/orgs"},
    {"GET", "/users/:user/followers"},
    {"GET", "/users/:user/following"},
    {"GET", "/users/:user/gists"},
    {"GET", "/users/:user/events"},
    {"GET", "/orgs/:org"},
    {"PATCH", "/orgs/:org"},
    {"GET", "/orgs/:org/repos"},
    {"POST", "/orgs/:org/repos"},
    {"GET", "/orgs/:org/members"},
    {"GET", "/orgs/:org/members/:user"},
    {"DELETE", "/orgs/:org/members/:user"},
    {"GET", "/orgs/:org/teams"},
    {"GET", "/repos/:owner/:repo"},
    {"PATCH", "/repos/:owner/:repo"},
    {"DELETE", "/repos/:owner/:repo"},
    {"GET", "/repos/:owner/:repo/branches"},
    {"GET", "/repos/:owner/:repo/branches/:branch"},
    {"GET", "/repos/:owner/:repo/commits"},
    {"GET", "/repos/:owner/:repo/commits/:sha"},
    {"GET", "/repos/:owner/:repo/commits/:sha/comments"},
    {"GET", "/repos/:owner/:repo/contents/*path"},
    {"PUT", "/repos/:owner/:repo/contents/*path"},
    {"GET", "/repos/:owner/:repo/contributors"},
    {"GET", "/repos/:owner/:repo/forks"},
    {"POST", "/repos/:owner/:repo/forks"},
    {"GET", "/repos/:owner/:repo/issues"},
    {"POST", "/repos/:owner/:repo/issues"},
    {"GET", "/repos/:owner/:repo/issues/:number"},
    {"PATCH", "/repos/:owner/:repo/issues/:number"},
    {"GET", "/repos/:owner/:repo/issues/:number/comments"},
    {"POST", "/repos/:owner/:repo/issues/:number/comments"},
    {"GET", "/repos/:owner/:repo/issues/:number/labels"},
    {"GET", "/repos/:owner/:repo/labels"},
    {"GET", "/repos/:owner/:repo/labels/:name"},
    {"GET", "/repos/:owner/:repo/pulls"},
    {"POST", "/repos/:owner/:repo/pulls"},
    {"GET", "/repos/:owner/:repo/pulls/:number"},
    {"GET", "/repos/:owner/:repo/pulls/:number/commits"},
    {"GET", "/repos/:owner/:repo/pulls/:number/files"},
    {"GET", "/repos/:owner/:repo/pulls/:number/merge"},
    {"PUT", "/repos/:owner/:repo/pulls/:number/merge"},
    {"GET", "/repos/:owner/:repo/pulls/:number/comments/:id/reactions"},
    {"GET", "/repos/:owner/:repo/releases"},
    {"GET", "/repos/:owner/:repo/releases/latest"},
    {"GET", "/repos/:owner/:repo/releases/:id"},
    {"GET", "/repos/:owner/:repo/tags"},
    {"GET", "/search/repositories"},
    {"GET", "/search/issues"},
    {"GET", "/gists/:id"},
    {"GET", "/static/*path"},
    {"GET", "/healthz"},
};

struct bench_case {
    const struct avila_http_router *r;
    const char *path;
    int want; /* expected result */
};

static void run(void *ctx)
{
    const struct bench_case *c = ctx;
    struct avila_slice method = avila_slice_from_cstr("GET");
    struct avila_slice path = avila_slice_from_cstr(c->path);
    uint64_t sum = 0;
    for (int i = 0; i < REPS; i++) {
        struct avila_http_router_match m;
        int rc = avila_http_router_match(c->r, method, path, &m);
        if (rc != c->want) {
            fprintf(stderr, "bench_http_router: %s gave %d\n", c->path, rc);
            exit(1);
        }
        sum += rc == 0 ? m.param_count : 1;
    }
    bench_consume(sum);
}

int main(void)
{
    struct avila_http_router r;
    avila_http_router_init(&r, avila_allocator_libc());
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        if (avila_http_router_add(&r, routes[i].method, routes[i].pattern, (void *)(routes + i)) !=
            0) {
            fprintf(stderr, "bench_http_router: cannot add %s\n", routes[i].pattern);
            return 1;
        }
    }
    static const struct {
        const char *name, *path;
        int want;
    } cases[] = {
        {"static-hit", "/user/repos", 0},
        {"param-hit", "/repos/avila-project/avila", 0},
        {"deep-param-hit", "/repos/avila-project/avila/pulls/1234/comments/98765/reactions", 0},
        {"wildcard-hit", "/static/css/site/main.css", 0},
        {"miss-404", "/repos/avila-project/avila/pulls/1234/reviews", AVILA_ENOTFOUND},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct bench_case c = {&r, cases[i].path, cases[i].want};
        bench_ns_per_op("http_router", cases[i].name, run, &c, REPS);
    }
    avila_http_router_release(&r);
    return 0;
}
