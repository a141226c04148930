/*
 * tests/net/router_model.h - a naive reference for net/http_router.h, shared
 * by tests/net/test_http_router.c and tools/fuzz/fuzz_http_router.c.
 *
 * Written from the header's rules only, the slow obvious way: routes are a
 * flat list; a pattern is re-split for every request; matching tries every
 * route, sorts the ones that accept the path by their segment kinds
 * (literal < parameter < wildcard, position by position) and takes the
 * first shape whose routes resolve the method (exact, HEAD -> GET, any).
 * The Allow list is the sorted union of the accepting routes' methods.
 * Uses libc only (no trie, no code from the router).
 */
#ifndef AVILA_TESTS_NET_ROUTER_MODEL_H
#define AVILA_TESTS_NET_ROUTER_MODEL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "net/http_router.h"

#define RMODEL_MAX_ROUTES 64
#define RMODEL_UNUSED     __attribute__((unused))

struct rmodel_route {
    bool any;
    char method[AVILA_HTTP_ROUTER_MAX_METHOD_BYTES + 1];
    char pattern[AVILA_HTTP_ROUTER_MAX_PATTERN_BYTES + 1];
};

struct rmodel {
    struct rmodel_route routes[RMODEL_MAX_ROUTES];
    size_t n;
};

/* Segment i of a '/'-led string: start offset and length. */
struct rmodel_seg {
    size_t off, len;
};

/* What a match should give. Parameter values are offsets into the path. */
struct rmodel_result {
    int rc;
    size_t route; /* index into rmodel.routes when rc == 0 */
    size_t nparams;
    struct {
        const char *name;
        size_t name_len;
        size_t off, len;
    } params[AVILA_HTTP_ROUTER_MAX_PARAMS];
    char allow[1024]; /* when rc is 405 or 0; "" otherwise */
};

/* Splits s[0..n) (s[0] == '/') into segments; returns the count (all of them, up to max stored). */
RMODEL_UNUSED static size_t rmodel_split(const char *s, size_t n, struct rmodel_seg *segs,
                                         size_t max)
{
    size_t count = 0, start = 1;
    for (size_t i = 1; i <= n; i++) {
        if (i == n || s[i] == '/') {
            if (count < max)
                segs[count] = (struct rmodel_seg){start, i - start};
            count++;
            start = i + 1;
        }
    }
    return count;
}

/* 'L', 'P' or 'W' for a pattern segment. */
RMODEL_UNUSED static char rmodel_kind(const char *seg, size_t len)
{
    if (len > 0 && seg[0] == ':')
        return 'P';
    if (len > 0 && seg[0] == '*')
        return 'W';
    return 'L';
}

RMODEL_UNUSED static bool rmodel_name_ok(const char *p, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return false;
    }
    return true;
}

RMODEL_UNUSED static bool rmodel_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* 0 if pattern follows the header's rules, else AVILA_EINVAL. */
RMODEL_UNUSED static int rmodel_check_pattern(const char *pattern)
{
    size_t n = strlen(pattern);
    if (n == 0 || n > AVILA_HTTP_ROUTER_MAX_PATTERN_BYTES || pattern[0] != '/')
        return AVILA_EINVAL;
    struct rmodel_seg segs[AVILA_HTTP_ROUTER_MAX_SEGMENTS];
    size_t k = rmodel_split(pattern, n, segs, AVILA_HTTP_ROUTER_MAX_SEGMENTS);
    if (k > AVILA_HTTP_ROUTER_MAX_SEGMENTS)
        return AVILA_EINVAL;
    size_t params = 0;
    for (size_t i = 0; i < k; i++) {
        const char *p = pattern + segs[i].off;
        size_t len = segs[i].len;
        char kind = rmodel_kind(p, len);
        if (kind == 'L') {
            for (size_t j = 0; j < len; j++) {
                unsigned char c = (unsigned char)p[j];
                if (c == '%') {
                    if (j + 2 >= len || !rmodel_hex(p[j + 1]) || !rmodel_hex(p[j + 2]))
                        return AVILA_EINVAL;
                    j += 2;
                } else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                             (c >= '0' && c <= '9') || strchr("-._~!$&'()*+,;=:@", c))) {
                    return AVILA_EINVAL;
                }
            }
            continue;
        }
        params++;
        if (kind == 'W' && i != k - 1)
            return AVILA_EINVAL;
        if (kind == 'P' || len > 1) {
            if (!rmodel_name_ok(p + 1, len - 1))
                return AVILA_EINVAL;
            for (size_t j = 0; j < i; j++) {
                const char *q = pattern + segs[j].off;
                if (rmodel_kind(q, segs[j].len) != 'L' && segs[j].len == len &&
                    memcmp(q + 1, p + 1, len - 1) == 0)
                    return AVILA_EINVAL;
            }
        }
    }
    return params > AVILA_HTTP_ROUTER_MAX_PARAMS ? AVILA_EINVAL : 0;
}

/* 0 if method (NULL: any) is acceptable, else AVILA_EINVAL. */
RMODEL_UNUSED static int rmodel_check_method(const char *method)
{
    if (method == NULL)
        return 0;
    size_t n = strlen(method);
    if (n == 0 || n > AVILA_HTTP_ROUTER_MAX_METHOD_BYTES)
        return AVILA_EINVAL;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)method[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              strchr("!#$%&'*+-.^_`|~", c)))
            return AVILA_EINVAL;
    }
    return 0;
}

/* True if two valid patterns have the same shape (kinds, and literals where literal). */
RMODEL_UNUSED static bool rmodel_same_shape(const char *a, const char *b)
{
    struct rmodel_seg sa[AVILA_HTTP_ROUTER_MAX_SEGMENTS], sb[AVILA_HTTP_ROUTER_MAX_SEGMENTS];
    size_t ka = rmodel_split(a, strlen(a), sa, AVILA_HTTP_ROUTER_MAX_SEGMENTS);
    size_t kb = rmodel_split(b, strlen(b), sb, AVILA_HTTP_ROUTER_MAX_SEGMENTS);
    if (ka != kb)
        return false;
    for (size_t i = 0; i < ka; i++) {
        char x = rmodel_kind(a + sa[i].off, sa[i].len), y = rmodel_kind(b + sb[i].off, sb[i].len);
        if (x != y)
            return false;
        if (x == 'L' && (sa[i].len != sb[i].len || memcmp(a + sa[i].off, b + sb[i].off, sa[i].len)))
            return false;
    }
    return true;
}

/* What avila_http_router_add should return (AVILA_ENOMEM aside); adds on 0. */
RMODEL_UNUSED static int rmodel_add(struct rmodel *m, const char *method, const char *pattern)
{
    if (rmodel_check_method(method) != 0 || rmodel_check_pattern(pattern) != 0)
        return AVILA_EINVAL;
    for (size_t i = 0; i < m->n; i++) {
        const struct rmodel_route *r = &m->routes[i];
        bool same_m = method == NULL ? r->any : (!r->any && strcmp(r->method, method) == 0);
        if (same_m && rmodel_same_shape(r->pattern, pattern))
            return AVILA_EEXIST;
    }
    if (m->n == RMODEL_MAX_ROUTES)
        abort();
    struct rmodel_route *r = &m->routes[m->n++];
    r->any = method == NULL;
    strcpy(r->method, method != NULL ? method : "");
    strcpy(r->pattern, pattern);
    return 0;
}

/* True if route r accepts the path; kinds gets its segment kinds ('\0'-ended). */
RMODEL_UNUSED static bool rmodel_accepts(const struct rmodel_route *r, const char *path,
                                         const struct rmodel_seg *ps, size_t pk, size_t pstored,
                                         char *kinds)
{
    struct rmodel_seg rs[AVILA_HTTP_ROUTER_MAX_SEGMENTS];
    size_t rk = rmodel_split(r->pattern, strlen(r->pattern), rs, AVILA_HTTP_ROUTER_MAX_SEGMENTS);
    for (size_t i = 0; i < rk; i++)
        kinds[i] = rmodel_kind(r->pattern + rs[i].off, rs[i].len);
    kinds[rk] = '\0';
    bool wild = kinds[rk - 1] == 'W';
    if (wild ? pk < rk : pk != rk)
        return false;
    for (size_t i = 0; i < rk && i < pstored; i++) {
        if (kinds[i] == 'L') {
            if (rs[i].len != ps[i].len ||
                memcmp(r->pattern + rs[i].off, path + ps[i].off, rs[i].len) != 0)
                return false;
        } else if (kinds[i] == 'P' && ps[i].len == 0) {
            return false;
        }
    }
    return true;
}

RMODEL_UNUSED static int rmodel_strcmp_ptr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The expected result of matching (method, path) against the model's routes. */
RMODEL_UNUSED static void rmodel_match(const struct rmodel *m, const char *method, size_t mlen,
                                       const char *path, size_t plen, struct rmodel_result *res)
{
    memset(res, 0, sizeof *res);
    res->rc = AVILA_ENOTFOUND;
    if (plen == 0 || path[0] != '/')
        return;
    enum { STORE = AVILA_HTTP_ROUTER_MAX_SEGMENTS + 1 };
    struct rmodel_seg ps[STORE] = {{0, 0}};
    size_t pk = rmodel_split(path, plen, ps, STORE);
    size_t pstored = pk < STORE ? pk : STORE;

    static char kinds[RMODEL_MAX_ROUTES][AVILA_HTTP_ROUTER_MAX_SEGMENTS + 1];
    size_t acc[RMODEL_MAX_ROUTES], nacc = 0;
    for (size_t i = 0; i < m->n; i++)
        if (rmodel_accepts(&m->routes[i], path, ps, pk, pstored, kinds[i]))
            acc[nacc++] = i;
    if (nacc == 0)
        return;
    /* Insertion sort by kinds ('L' < 'P' < 'W' as characters), stable. */
    for (size_t i = 1; i < nacc; i++) {
        size_t v = acc[i], j = i;
        while (j > 0 && strcmp(kinds[acc[j - 1]], kinds[v]) > 0) {
            acc[j] = acc[j - 1];
            j--;
        }
        acc[j] = v;
    }
    char want[AVILA_HTTP_ROUTER_MAX_METHOD_BYTES + 2] = "";
    bool method_ok = mlen <= AVILA_HTTP_ROUTER_MAX_METHOD_BYTES && memchr(method, 0, mlen) == NULL;
    if (method_ok) {
        memcpy(want, method, mlen);
        want[mlen] = '\0';
    }
    bool head = method_ok && strcmp(want, "HEAD") == 0;
    long winner = -1;
    for (size_t g = 0; g < nacc && winner < 0;) {
        size_t e = g;
        while (e < nacc && strcmp(kinds[acc[e]], kinds[acc[g]]) == 0)
            e++;
        long exact = -1, get = -1, any = -1;
        for (size_t i = g; i < e; i++) {
            const struct rmodel_route *r = &m->routes[acc[i]];
            if (r->any)
                any = (long)acc[i];
            else if (method_ok && strcmp(r->method, want) == 0)
                exact = (long)acc[i];
            else if (head && strcmp(r->method, "GET") == 0)
                get = (long)acc[i];
        }
        winner = exact >= 0 ? exact : get >= 0 ? get : any;
        g = e;
    }
    /* Allow: sorted union of methods, HEAD wherever GET. */
    const char *names[2 * RMODEL_MAX_ROUTES];
    size_t nn = 0;
    for (size_t i = 0; i < nacc; i++) {
        const struct rmodel_route *r = &m->routes[acc[i]];
        if (r->any)
            continue;
        names[nn++] = r->method;
        if (strcmp(r->method, "GET") == 0)
            names[nn++] = "HEAD";
    }
    qsort(names, nn, sizeof names[0], rmodel_strcmp_ptr);
    for (size_t i = 0; i < nn; i++) {
        if (i > 0 && strcmp(names[i], names[i - 1]) == 0)
            continue;
        if (res->allow[0] != '\0')
            strcat(res->allow, ", ");
        strcat(res->allow, names[i]);
    }
    if (winner < 0) {
        res->rc = AVILA_HTTP_ROUTER_EMETHOD;
        return;
    }
    res->rc = 0;
    res->route = (size_t)winner;
    const struct rmodel_route *r = &m->routes[winner];
    struct rmodel_seg rs[AVILA_HTTP_ROUTER_MAX_SEGMENTS];
    size_t rk = rmodel_split(r->pattern, strlen(r->pattern), rs, AVILA_HTTP_ROUTER_MAX_SEGMENTS);
    for (size_t i = 0; i < rk; i++) {
        const char *p = r->pattern + rs[i].off;
        char kind = rmodel_kind(p, rs[i].len);
        if (kind == 'L')
            continue;
        size_t k = res->nparams++;
        res->params[k].name = p + 1;
        res->params[k].name_len = rs[i].len - 1;
        res->params[k].off = ps[i].off;
        res->params[k].len = kind == 'W' ? plen - ps[i].off : ps[i].len;
    }
}

#endif
