/*
 * net/http_router.h - a path-pattern router for HTTP servers: maps a request
 * (method, path) to an opaque value the caller registered, with the path
 * parameters it captured. Methods are RFC 9110 section 9 tokens (compared
 * case-sensitively, section 9.1); paths are the raw path of an origin-form
 * request target (RFC 9112 section 3.2.1, RFC 3986 section 3.3), the query
 * already cut off by the caller. Pure and sans-I/O: routes live in memory
 * from the allocator given at init; matching allocates nothing.
 *
 * Patterns. An absolute path split at '/' into segments: "/" is one empty
 * segment, "/a/b" is "a" then "b", "/a/" is "a" then an empty segment. Each
 * segment is one of
 *   literal   RFC 3986 pchar bytes (unreserved, sub-delims, ':', '@', and
 *             complete %XX escapes), matched byte for byte against the raw
 *             path (so "%41" matches only "%41", never "A" or "%61"); it
 *             MUST NOT start with ':' or '*'. It may be empty ("//", a
 *             trailing '/').
 *   :name     a parameter: exactly one non-empty path segment.
 *   *name, *  the LAST segment only: a wildcard, the rest of the path from
 *             its position on, possibly empty, possibly holding '/'. It
 *             takes a segment position: the pattern of segments "static"
 *             and "*p" matches "/static/" (p empty) and "/static/a/b" (p
 *             "a/b") but not "/static".
 * Names are [A-Za-z0-9_]+, unique within one pattern. Empty segments and a
 * trailing '/' are structure like any other: "/a" and "/a/" are different
 * routes, and the router never redirects from one to the other (a caller
 * wanting that adds both, or answers 308 itself).
 *
 * Priority. The routes accepting a path are ordered by their segments,
 * compared position by position from the first: literal before parameter
 * before wildcard, the first difference decides. Matching returns the
 * first route in that order whose method resolves (below); so with
 * the patterns "/users/new", "/users/:id/x" and "users" then "*rest", the path "/users/new" takes
 * the literal, "/users/new/x" falls back to ":id" (the literal has no "/x"
 * below it) and "/users/new/y" to the wildcard. Routes with the same
 * sequence of segment kinds and literals (the same shape, whatever their
 * parameter names) share one place in that order and differ by method.
 *
 * Methods. At one shape the request method resolves to, in this order: the
 * route added for exactly that method; for HEAD, the GET route; the route
 * added with method NULL (any method). A shape whose routes do not resolve
 * the method is passed over, and the search goes on to the next shape.
 *
 * Results: 0 and a match; AVILA_ENOTFOUND when no route accepts the path
 * (404); AVILA_HTTP_ROUTER_EMETHOD when routes accept the path but none
 * resolves the method (405), and avila_http_router_allow() then writes the
 * Allow list.
 *
 * Cost and bounds. Routes form a trie with one node per segment, each node
 * at a fixed depth (its segment's index), so a path segment is located once
 * and a match enters every node at most once even while backtracking:
 * O(path bytes up to the deepest route + nodes entered), never exponential,
 * and a path deeper than every route stops at the trie's depth. The search
 * is iterative (parent links, no recursion) and keeps one array of
 * AVILA_HTTP_ROUTER_MAX_SEGMENTS + 1 offsets on the stack.
 *
 * Threads: add and release need exclusive access; once routes are added,
 * any number of threads may match and call allow at once (they only read).
 */
#ifndef AVILA_NET_HTTP_ROUTER_H
#define AVILA_NET_HTTP_ROUTER_H

#include "core/alloc.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/platform.h"

#define AVILA_HTTP_ROUTER_MAX_PARAMS        16   /* parameters + wildcard in one pattern */
#define AVILA_HTTP_ROUTER_MAX_PATTERN_BYTES 1024 /* longest pattern */
#define AVILA_HTTP_ROUTER_MAX_SEGMENTS      64   /* segments in one pattern (trie depth) */
#define AVILA_HTTP_ROUTER_MAX_METHOD_BYTES  32   /* longest method token of a route */

/* The result of a match when routes accept the path but not the method (405). */
#define AVILA_HTTP_ROUTER_EMETHOD AVILA_EUNSUPPORTED

struct avila_http_router_node;

/* A router. Caller-allocated; every field is private. */
struct avila_http_router {
    const struct avila_allocator *a;
    struct avila_http_router_node *root; /* NULL until the first route */
    size_t routes;                       /* routes added */
    size_t nodes;                        /* trie nodes, root included */
};

/* One captured parameter: slices into the router (name) and the matched path (value). */
struct avila_http_router_param {
    struct avila_slice name;  /* without ':' or '*'; empty for an unnamed '*' */
    struct avila_slice value; /* raw bytes of the path, never percent-decoded */
};

/*
 * A successful match. value is the route's; pattern and every name point
 * into the router (valid until it is released); every parameter value
 * points into the path that was matched (valid as long as the caller keeps
 * those bytes). params are in pattern order, the wildcard last.
 */
struct avila_http_router_match {
    void *value;
    struct avila_slice pattern; /* the pattern as added */
    struct avila_slice method;  /* the matched route's method; empty for an any-method route */
    size_t param_count;
    struct avila_http_router_param params[AVILA_HTTP_ROUTER_MAX_PARAMS];
};

/*
 * Starts an empty router whose nodes and routes come from a (which MUST
 * outlive the router). Allocates nothing yet. Returns 0, or AVILA_EINVAL if
 * r or a is NULL.
 */
int avila_http_router_init(struct avila_http_router *r, const struct avila_allocator *a);

/*
 * Adds the route (method, pattern) -> value. method is a NUL-terminated
 * token of 1..AVILA_HTTP_ROUTER_MAX_METHOD_BYTES tchars, or NULL for every
 * method; pattern is NUL-terminated and follows the rules above. Both are
 * copied; value stays the caller's (the router never dereferences it).
 * Returns 0; AVILA_EINVAL for a bad method or pattern (a literal with a
 * byte that is not pchar, a bad or repeated name, a wildcard not last,
 * more than AVILA_HTTP_ROUTER_MAX_PARAMS parameters and wildcard, more
 * than AVILA_HTTP_ROUTER_MAX_PATTERN_BYTES bytes or
 * AVILA_HTTP_ROUTER_MAX_SEGMENTS segments, no leading '/') or NULL r or
 * pattern, with nothing allocated; AVILA_EEXIST if a route of the same
 * method (or both any) and shape is present; AVILA_ENOMEM. Every failure
 * leaves the routes exactly as they were (after AVILA_ENOMEM a node's
 * child array may keep a larger capacity, freed by release).
 */
int avila_http_router_add(struct avila_http_router *r, const char *method, const char *pattern,
                          void *value);

/*
 * Finds the route for a request: method as received, path the raw path
 * (from '/' up to, not including, any '?'). Neither is decoded or
 * validated here: a path not starting with '/' matches nothing, and a
 * method that is no route's matches only any-method routes. Allocates
 * nothing; r is only read. Returns 0 and fills *m; AVILA_ENOTFOUND (404)
 * or AVILA_HTTP_ROUTER_EMETHOD (405) leaving *m unspecified; AVILA_EINVAL
 * for NULL r or m.
 */
int avila_http_router_match(const struct avila_http_router *r, struct avila_slice method,
                            struct avila_slice path, struct avila_http_router_match *m);

/*
 * The value of the parameter called name (NUL-terminated; "" for an unnamed
 * wildcard) in *m into *value. Returns 0, AVILA_ENOTFOUND, or AVILA_EINVAL
 * for a NULL argument.
 */
int avila_http_router_param(const struct avila_http_router_match *m, const char *name,
                            struct avila_slice *value);

/*
 * Writes the methods the routes accepting path answer to as an Allow field
 * value ("GET, HEAD, POST": RFC 9110 section 10.2.1) into out (cap bytes,
 * NUL-terminated): each method once, in ascending byte order, HEAD included
 * wherever GET is. Any-method routes add nothing (when one accepts the
 * path, matching never answers 405). Returns the length (0 if only
 * any-method routes accept the path); AVILA_ENOTFOUND if no route accepts
 * it; AVILA_ENOSPC (out holds "" if cap > 0); AVILA_EINVAL for NULL r or
 * out. r is only read; nothing is allocated. Meant for the 405 path: it
 * walks the accepting routes once per method listed, plus once.
 */
int avila_http_router_allow(const struct avila_http_router *r, struct avila_slice path, char *out,
                            size_t cap);

/* Number of routes added. */
size_t avila_http_router_count(const struct avila_http_router *r);

/*
 * Frees every node and route. The router is empty afterwards and may be
 * used again (as after init, with the same allocator).
 */
void avila_http_router_release(struct avila_http_router *r);

#endif
