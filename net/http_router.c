/*
 * net/http_router.c - the path-pattern router (see http_router.h): pattern
 * validation (RFC 3986 section 3.3 pchar literals, RFC 9110 section 5.6.2
 * token methods), a segment trie, and an iterative backtracking search.
 * Pure.
 */
#include "net/http_router.h"

enum seg_kind { SEG_LITERAL = 0, SEG_PARAM = 1, SEG_WILD = 2, SEG_ROOT = 3 };

/*
 * One route: a method (or any) at one trie node. One allocation holds the
 * struct, the names array, the pattern and the method (both NUL-terminated).
 */
struct route {
    struct route *next; /* the node's routes, in the order added */
    void *value;
    const uint8_t *method; /* NULL: any method */
    size_t method_len;
    const uint8_t *pattern;
    size_t pattern_len;
    struct avila_slice *names; /* param_count names, into pattern */
    size_t param_count;
    size_t alloc_size;
};

/*
 * A trie node: one segment at depth `depth` (the root is depth 0 and has no
 * segment). One allocation holds the struct and the literal's bytes; the
 * literal children are a separate array sorted by (bytes, length).
 */
struct avila_http_router_node {
    struct avila_http_router_node *parent;
    struct avila_http_router_node **lits;
    size_t nlits, lits_cap;
    struct avila_http_router_node *param; /* ":name" child */
    struct avila_http_router_node *wild;  /* "*name" child, a leaf */
    struct route *routes;                 /* routes ending here; NULL: none */
    const uint8_t *lit;                   /* literal bytes (SEG_LITERAL), after the struct */
    size_t lit_len;
    size_t depth;
    size_t alloc_size;
    enum seg_kind kind;
};

typedef struct avila_http_router_node node_t;

_Static_assert(AVILA_HTTP_ROUTER_MAX_SEGMENTS * 2 <= AVILA_HTTP_ROUTER_MAX_PATTERN_BYTES + 1,
               "the segment limit binds before the byte limit");
_Static_assert(AVILA_HTTP_ROUTER_MAX_PARAMS <= AVILA_HTTP_ROUTER_MAX_SEGMENTS,
               "every parameter takes a segment");

/* ------------------------------------------------------------ validation */

static bool is_alnum(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool is_hex(uint8_t c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

/* RFC 9110 section 5.6.2 tchar. */
static bool is_tchar(uint8_t c)
{
    if (is_alnum(c))
        return true;
    switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
        return true;
    default:
        return false;
    }
}

/* RFC 3986 pchar without pct-encoded: unreserved, sub-delims, ':' and '@'. */
static bool is_pchar(uint8_t c)
{
    if (is_alnum(c))
        return true;
    switch (c) {
    case '-':
    case '.':
    case '_':
    case '~':
    case '!':
    case '$':
    case '&':
    case '\'':
    case '(':
    case ')':
    case '*':
    case '+':
    case ',':
    case ';':
    case '=':
    case ':':
    case '@':
        return true;
    default:
        return false;
    }
}

/* One parsed pattern segment. */
struct seg {
    enum seg_kind kind;
    const uint8_t *p; /* literal bytes, or the name (after ':' / '*') */
    size_t len;
};

struct parsed {
    struct seg segs[AVILA_HTTP_ROUTER_MAX_SEGMENTS];
    size_t nsegs;
    size_t nparams; /* params + wildcard */
    size_t len;     /* pattern bytes */
};

static bool valid_name(const uint8_t *p, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_alnum(p[i]) && p[i] != '_')
            return false;
    return true;
}

static bool valid_literal(const uint8_t *p, size_t n)
{
    if (n > 0 && (p[0] == ':' || p[0] == '*'))
        return false;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '%') {
            if (n - i < 3 || !is_hex(p[i + 1]) || !is_hex(p[i + 2]))
                return false;
            i += 2;
        } else if (!is_pchar(p[i])) {
            return false;
        }
    }
    return true;
}

/* Splits and checks a pattern; 0 or AVILA_EINVAL. */
static int parse_pattern(const char *pattern, struct parsed *out)
{
    const uint8_t *s = (const uint8_t *)pattern;
    size_t n = 0;
    while (s[n] != '\0') {
        if (n == AVILA_HTTP_ROUTER_MAX_PATTERN_BYTES)
            return AVILA_EINVAL;
        n++;
    }
    if (n == 0 || s[0] != '/')
        return AVILA_EINVAL;
    out->nsegs = 0;
    out->nparams = 0;
    out->len = n;
    size_t i = 1;
    for (;;) {
        size_t e = i;
        while (e < n && s[e] != '/')
            e++;
        if (out->nsegs == AVILA_HTTP_ROUTER_MAX_SEGMENTS)
            return AVILA_EINVAL;
        struct seg *g = &out->segs[out->nsegs++];
        if (e > i && (s[i] == ':' || s[i] == '*')) {
            g->kind = s[i] == ':' ? SEG_PARAM : SEG_WILD;
            g->p = s + i + 1;
            g->len = e - i - 1;
            bool named = g->kind == SEG_PARAM || g->len > 0;
            if (named && !valid_name(g->p, g->len))
                return AVILA_EINVAL;
            if (g->kind == SEG_WILD && e != n)
                return AVILA_EINVAL; /* a wildcard is last */
            if (out->nparams == AVILA_HTTP_ROUTER_MAX_PARAMS)
                return AVILA_EINVAL;
            out->nparams++;
            for (size_t k = 0; k + 1 < out->nsegs && named; k++) {
                const struct seg *o = &out->segs[k];
                if (o->kind != SEG_LITERAL && o->len == g->len && memcmp(o->p, g->p, g->len) == 0)
                    return AVILA_EINVAL; /* a repeated name */
            }
        } else {
            g->kind = SEG_LITERAL;
            g->p = s + i;
            g->len = e - i;
            if (!valid_literal(g->p, g->len))
                return AVILA_EINVAL;
        }
        if (e == n)
            return 0;
        i = e + 1;
    }
}

/* Length of a valid method token, or 0 if method is not one. */
static size_t method_length(const char *method)
{
    size_t n = 0;
    while (method[n] != '\0') {
        if (n == AVILA_HTTP_ROUTER_MAX_METHOD_BYTES || !is_tchar((uint8_t)method[n]))
            return 0;
        n++;
    }
    return n;
}

/* ------------------------------------------------------------------ trie */

/* Orders byte strings as memcmp on the common prefix, then shorter first. */
static int bytes_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen;
    int c = n > 0 ? memcmp(a, b, n) : 0;
    if (c != 0)
        return c;
    return alen < blen ? -1 : alen > blen;
}

/*
 * Binary search of n's literal children for p[0..len): returns the index
 * of the equal child (*found true) or of the insertion point.
 */
static size_t find_literal(const node_t *n, const uint8_t *p, size_t len, bool *found)
{
    size_t lo = 0, hi = n->nlits;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const node_t *c = n->lits[mid];
        int cmp = bytes_cmp(c->lit, c->lit_len, p, len);
        if (cmp == 0) {
            *found = true;
            return mid;
        }
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

/* The child of n for segment g, or NULL. */
static node_t *child_for(const node_t *n, const struct seg *g)
{
    if (g->kind == SEG_PARAM)
        return n->param;
    if (g->kind == SEG_WILD)
        return n->wild;
    bool found;
    size_t i = find_literal(n, g->p, g->len, &found);
    return found ? n->lits[i] : NULL;
}

static bool same_method(const struct route *rt, const uint8_t *method, size_t len)
{
    if (rt->method == NULL || method == NULL)
        return rt->method == NULL && method == NULL;
    return rt->method_len == len && memcmp(rt->method, method, len) == 0;
}

static node_t *node_new(const struct avila_allocator *a, enum seg_kind kind, const uint8_t *lit,
                        size_t lit_len, size_t depth)
{
    size_t size = sizeof(node_t) + (kind == SEG_LITERAL ? lit_len : 0);
    node_t *n = avila_alloc(a, size, _Alignof(node_t));
    if (n == NULL)
        return NULL;
    memset(n, 0, sizeof *n);
    n->kind = kind;
    n->depth = depth;
    n->alloc_size = size;
    if (kind == SEG_LITERAL) {
        uint8_t *b = (uint8_t *)(n + 1);
        if (lit_len > 0)
            memcpy(b, lit, lit_len);
        n->lit = b;
        n->lit_len = lit_len;
    }
    return n;
}

static void node_free(const struct avila_allocator *a, node_t *n)
{
    struct route *rt = n->routes;
    while (rt != NULL) {
        struct route *next = rt->next;
        avila_free(a, rt, rt->alloc_size, _Alignof(struct route));
        rt = next;
    }
    if (n->lits != NULL)
        AVILA_DELETE_ARRAY(a, n->lits, node_t *, n->lits_cap);
    avila_free(a, n, n->alloc_size, _Alignof(node_t));
}

/* Builds the route record for a parsed pattern (names point into its own copy). */
static struct route *route_new(const struct avila_allocator *a, const struct parsed *pp,
                               const char *pattern, const char *method, size_t method_len,
                               void *value)
{
    /* Bounded by the limits: no overflow is possible, but check as every size does. */
    size_t names = pp->nparams * sizeof(struct avila_slice);
    size_t size = sizeof(struct route) + names + pp->len + 1 + method_len + 1;
    struct route *rt = avila_alloc(a, size, _Alignof(struct route));
    if (rt == NULL)
        return NULL;
    struct avila_slice *nm = (struct avila_slice *)(void *)(rt + 1);
    uint8_t *pat = (uint8_t *)nm + names;
    memcpy(pat, pattern, pp->len + 1);
    uint8_t *meth = pat + pp->len + 1;
    if (method_len > 0)
        memcpy(meth, method, method_len);
    meth[method_len] = '\0';
    size_t k = 0;
    for (size_t i = 0; i < pp->nsegs; i++)
        if (pp->segs[i].kind != SEG_LITERAL)
            nm[k++] =
                avila_slice_make(pat + (pp->segs[i].p - (const uint8_t *)pattern), pp->segs[i].len);
    rt->next = NULL;
    rt->value = value;
    rt->method = method != NULL ? meth : NULL;
    rt->method_len = method_len;
    rt->pattern = pat;
    rt->pattern_len = pp->len;
    rt->names = nm;
    rt->param_count = pp->nparams;
    rt->alloc_size = size;
    return rt;
}

int avila_http_router_init(struct avila_http_router *r, const struct avila_allocator *a)
{
    if (r == NULL || a == NULL)
        return AVILA_EINVAL;
    r->a = a;
    r->root = NULL;
    r->routes = 0;
    r->nodes = 0;
    return 0;
}

size_t avila_http_router_count(const struct avila_http_router *r)
{
    return r->routes;
}

int avila_http_router_add(struct avila_http_router *r, const char *method, const char *pattern,
                          void *value)
{
    if (r == NULL || pattern == NULL)
        return AVILA_EINVAL;
    size_t method_len = 0;
    if (method != NULL && (method_len = method_length(method)) == 0)
        return AVILA_EINVAL;
    struct parsed pp;
    int rc = parse_pattern(pattern, &pp);
    if (rc != 0)
        return rc;
    const struct avila_allocator *a = r->a;

    /* How much of the shape exists: nodes for segments [0, have). */
    node_t *at = r->root;
    size_t have = 0;
    while (at != NULL && have < pp.nsegs) {
        node_t *c = child_for(at, &pp.segs[have]);
        if (c == NULL)
            break;
        at = c;
        have++;
    }
    if (at != NULL && have == pp.nsegs)
        for (const struct route *rt = at->routes; rt != NULL; rt = rt->next)
            if (same_method(rt, (const uint8_t *)method, method_len))
                return AVILA_EEXIST;

    /*
     * Allocate everything first, link after: a failure then frees only new
     * blocks. (Growing `at`'s literal array is kept even on failure: it
     * changes capacity, not content.)
     */
    node_t *new_root = NULL;
    node_t *chain[AVILA_HTTP_ROUTER_MAX_SEGMENTS];
    size_t nchain = 0;
    struct route *rt = NULL;
    if (at == NULL) {
        new_root = node_new(a, SEG_ROOT, NULL, 0, 0);
        if (new_root == NULL)
            return AVILA_ENOMEM;
        at = new_root;
    }
    if (have < pp.nsegs && pp.segs[have].kind == SEG_LITERAL && at->nlits == at->lits_cap) {
        size_t cap = at->lits_cap == 0 ? 4 : at->lits_cap * 2;
        node_t **grown = avila_realloc(a, at->lits, at->lits_cap * sizeof(node_t *),
                                       cap * sizeof(node_t *), _Alignof(node_t *));
        if (grown == NULL)
            goto fail_free;
        at->lits = grown;
        at->lits_cap = cap;
    }
    for (size_t i = have; i < pp.nsegs; i++) {
        const struct seg *g = &pp.segs[i];
        node_t *c = node_new(a, g->kind, g->p, g->len, i + 1);
        if (c == NULL)
            goto fail_free;
        chain[nchain++] = c;
        if (i + 1 < pp.nsegs && pp.segs[i + 1].kind == SEG_LITERAL) {
            c->lits = AVILA_NEW_ARRAY(a, node_t *, 1);
            if (c->lits == NULL)
                goto fail_free;
            c->lits_cap = 1;
        }
    }
    rt = route_new(a, &pp, pattern, method, method_len, value);
    if (rt == NULL)
        goto fail_free;

    /* Link: nothing fails from here on. */
    if (new_root != NULL) {
        r->root = new_root;
        r->nodes++;
    }
    node_t *parent = at;
    for (size_t k = 0; k < nchain; k++) {
        node_t *c = chain[k];
        c->parent = parent;
        if (c->kind == SEG_PARAM) {
            parent->param = c;
        } else if (c->kind == SEG_WILD) {
            parent->wild = c;
        } else {
            bool found;
            size_t pos = find_literal(parent, c->lit, c->lit_len, &found);
            memmove(parent->lits + pos + 1, parent->lits + pos,
                    (parent->nlits - pos) * sizeof(node_t *));
            parent->lits[pos] = c;
            parent->nlits++;
        }
        parent = c;
    }
    r->nodes += nchain;
    struct route **tail = &parent->routes;
    while (*tail != NULL)
        tail = &(*tail)->next;
    *tail = rt;
    r->routes++;
    return 0;

fail_free:
    for (size_t k = nchain; k-- > 0;)
        node_free(a, chain[k]);
    if (new_root != NULL)
        node_free(a, new_root);
    return AVILA_ENOMEM;
}

void avila_http_router_release(struct avila_http_router *r)
{
    /* Post-order through parent links: detach a child, descend, free on the way up. */
    node_t *n = r->root;
    while (n != NULL) {
        node_t *c = NULL;
        if (n->nlits > 0) {
            c = n->lits[--n->nlits];
        } else if (n->param != NULL) {
            c = n->param;
            n->param = NULL;
        } else if (n->wild != NULL) {
            c = n->wild;
            n->wild = NULL;
        }
        if (c != NULL) {
            n = c;
            continue;
        }
        node_t *up = n->parent;
        node_free(r->a, n);
        n = up;
    }
    r->root = NULL;
    r->routes = 0;
    r->nodes = 0;
}

/* ---------------------------------------------------------------- search */

/*
 * The path's segments, located lazily: segment d (1-based) is
 * [end[d - 1] + 1, end[d]), and end[d] is the index of the '/' after it or
 * the path's length. Every node at depth d reads segment d, so each is
 * scanned once whatever the backtracking.
 */
struct segs {
    const uint8_t *p;
    size_t len;
    size_t end[AVILA_HTTP_ROUTER_MAX_SEGMENTS + 1];
    size_t known; /* end[0 .. known] are set */
};

/* Locates segment d (1 <= d <= MAX_SEGMENTS); false if the path has fewer. */
static bool seg_at(struct segs *s, size_t d)
{
    while (s->known < d) {
        size_t i = s->end[s->known];
        if (i == s->len)
            return false; /* the path ended before segment d */
        i++;
        while (i < s->len && s->p[i] != '/')
            i++;
        s->end[++s->known] = i;
    }
    return true;
}

/* A visitor's verdict on a node that accepts the path. */
enum { WALK_GO_ON = 0, WALK_STOP = 1 };

/*
 * Calls visit on every node with routes that accepts the path, in priority
 * order, until it returns WALK_STOP. Returns the node it stopped at, or
 * NULL. Iterative: the next sibling to try follows from the kind of the
 * child we come back from (literal, then param, then wildcard).
 */
static const node_t *walk(const node_t *root, struct segs *s,
                          int (*visit)(const node_t *n, void *ctx), void *ctx)
{
    const node_t *n = root;
    const node_t *from = NULL; /* NULL: entering n; else the child of n we returned from */
    while (n != NULL) {
        size_t d = n->depth;
        if (from == NULL) {
            bool last;
            if (n->kind == SEG_WILD) {
                last = true; /* takes the rest, whatever it holds */
            } else {
                last = d > 0 && s->end[d] == s->len;
            }
            if (last) {
                if (n->routes != NULL && visit(n, ctx) == WALK_STOP)
                    return n;
                from = n;
                n = n->parent;
                continue;
            }
        }
        /* Segment d + 1 exists here (n is not the last): choose the next child. */
        const node_t *next = NULL;
        enum seg_kind after = from == NULL ? SEG_ROOT : from->kind;
        if (from == NULL && n->nlits > 0 && seg_at(s, d + 1)) {
            bool found;
            size_t a = s->end[d] + 1;
            size_t i = find_literal(n, s->p + a, s->end[d + 1] - a, &found);
            if (found)
                next = n->lits[i];
        }
        if (next == NULL && (after == SEG_ROOT || after == SEG_LITERAL) && n->param != NULL &&
            seg_at(s, d + 1) && s->end[d + 1] > s->end[d] + 1)
            next = n->param;
        if (next == NULL && after != SEG_WILD && n->wild != NULL)
            next = n->wild;
        if (next != NULL) {
            n = next;
            from = NULL;
            continue;
        }
        from = n;
        n = n->parent;
    }
    return NULL;
}

static bool slice_is(struct avila_slice s, const char *lit, size_t n)
{
    return s.len == n && memcmp(s.ptr, lit, n) == 0;
}

/* The node's route for method: exact, then HEAD -> GET, then any. */
static const struct route *resolve(const node_t *n, struct avila_slice method)
{
    const struct route *any = NULL, *get = NULL;
    bool head = slice_is(method, "HEAD", 4);
    for (const struct route *rt = n->routes; rt != NULL; rt = rt->next) {
        if (rt->method == NULL)
            any = rt;
        else if (rt->method_len == method.len && memcmp(rt->method, method.ptr, method.len) == 0)
            return rt;
        else if (head && rt->method_len == 3 && memcmp(rt->method, "GET", 3) == 0)
            get = rt;
    }
    return get != NULL ? get : any;
}

struct match_ctx {
    struct avila_slice method;
    const struct route *route;
    bool path_matched;
};

static int visit_match(const node_t *n, void *ctx)
{
    struct match_ctx *mc = ctx;
    mc->path_matched = true;
    mc->route = resolve(n, mc->method);
    return mc->route != NULL ? WALK_STOP : WALK_GO_ON;
}

/* Starts the segment table; false if the path cannot match any pattern. */
static bool segs_init(struct segs *s, struct avila_slice path)
{
    if (path.len == 0 || path.ptr == NULL || path.ptr[0] != '/')
        return false;
    s->p = path.ptr;
    s->len = path.len;
    s->end[0] = 0;
    s->known = 0;
    return seg_at(s, 1);
}

int avila_http_router_match(const struct avila_http_router *r, struct avila_slice method,
                            struct avila_slice path, struct avila_http_router_match *m)
{
    if (r == NULL || m == NULL)
        return AVILA_EINVAL;
    struct segs s;
    if (r->root == NULL || !segs_init(&s, path))
        return AVILA_ENOTFOUND;
    struct match_ctx mc = {.method = method, .route = NULL, .path_matched = false};
    const node_t *n = walk(r->root, &s, visit_match, &mc);
    if (n == NULL)
        return mc.path_matched ? AVILA_HTTP_ROUTER_EMETHOD : AVILA_ENOTFOUND;

    const struct route *rt = mc.route;
    m->value = rt->value;
    m->pattern = avila_slice_make(rt->pattern, rt->pattern_len);
    m->method = avila_slice_make(rt->method, rt->method != NULL ? rt->method_len : 0);
    m->param_count = rt->param_count;
    /* Up the chain, filling parameters from the last; every segment is already located. */
    size_t k = rt->param_count;
    for (const node_t *c = n; c->kind != SEG_ROOT && k > 0; c = c->parent) {
        if (c->kind == SEG_LITERAL)
            continue;
        size_t a = s.end[c->depth - 1] + 1;
        size_t b = c->kind == SEG_WILD ? s.len : s.end[c->depth];
        k--;
        m->params[k].name = rt->names[k];
        m->params[k].value = avila_slice_make(s.p + (a < s.len ? a : s.len), b - a);
    }
    return 0;
}

int avila_http_router_param(const struct avila_http_router_match *m, const char *name,
                            struct avila_slice *value)
{
    if (m == NULL || name == NULL || value == NULL)
        return AVILA_EINVAL;
    struct avila_slice want = avila_slice_from_cstr(name);
    for (size_t i = 0; i < m->param_count; i++) {
        if (avila_slice_equal(m->params[i].name, want)) {
            *value = m->params[i].value;
            return 0;
        }
    }
    return AVILA_ENOTFOUND;
}

/* Finds the smallest method above `last` (none at first) among the accepting routes. */
struct allow_ctx {
    const uint8_t *last;
    size_t last_len;
    bool have_last;
    const uint8_t *best;
    size_t best_len;
    bool any_node;
};

static void allow_consider(struct allow_ctx *ac, const uint8_t *m, size_t len)
{
    if (ac->have_last && bytes_cmp(m, len, ac->last, ac->last_len) <= 0)
        return;
    if (ac->best == NULL || bytes_cmp(m, len, ac->best, ac->best_len) < 0) {
        ac->best = m;
        ac->best_len = len;
    }
}

static int visit_allow(const node_t *n, void *ctx)
{
    struct allow_ctx *ac = ctx;
    ac->any_node = true;
    for (const struct route *rt = n->routes; rt != NULL; rt = rt->next) {
        if (rt->method == NULL)
            continue;
        allow_consider(ac, rt->method, rt->method_len);
        if (rt->method_len == 3 && memcmp(rt->method, "GET", 3) == 0)
            allow_consider(ac, (const uint8_t *)"HEAD", 4);
    }
    return WALK_GO_ON;
}

int avila_http_router_allow(const struct avila_http_router *r, struct avila_slice path, char *out,
                            size_t cap)
{
    if (r == NULL || out == NULL)
        return AVILA_EINVAL;
    if (cap > 0)
        out[0] = '\0';
    struct segs s;
    if (r->root == NULL || !segs_init(&s, path))
        return AVILA_ENOTFOUND;
    /* One walk per method, smallest first: no memory needed to sort or deduplicate. */
    struct allow_ctx ac = {0};
    size_t len = 0;
    for (;;) {
        ac.best = NULL;
        walk(r->root, &s, visit_allow, &ac);
        if (!ac.any_node)
            return AVILA_ENOTFOUND;
        if (ac.best == NULL)
            break;
        size_t need = ac.best_len + (len > 0 ? 2 : 0);
        if (cap - len <= need) {
            if (cap > 0)
                out[0] = '\0';
            return AVILA_ENOSPC;
        }
        if (len > 0) {
            out[len++] = ',';
            out[len++] = ' ';
        }
        memcpy(out + len, ac.best, ac.best_len);
        len += ac.best_len;
        ac.last = ac.best;
        ac.last_len = ac.best_len;
        ac.have_last = true;
    }
    if (cap == 0)
        return AVILA_ENOSPC;
    out[len] = '\0';
    return (int)len;
}
