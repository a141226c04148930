/*
 * data/json_parse.c - the document parser of data/json.h: RFC 8259
 * sections 2 (grammar, whitespace), 3 (values), 4 (objects), 5 (arrays), 6
 * (numbers), 7 (strings and escapes) and 8.1 (UTF-8), plus the policies of
 * struct avila_json_options. Pure.
 *
 * One pass, no recursion: a loop of gotos between "a value starts here" and
 * "a value just ended", with an explicit stack of open containers (node
 * indexes, at most max_depth of them). Nodes go into one array grown
 * geometrically from an estimate made from the input size. String bodies
 * are scanned by the fastest kernel core/cpu.h allows (data/json_x86.c);
 * strings with escapes are decoded into one buffer reserved, at the first
 * escape, to the size of the rest of the input (a decoded string is never
 * longer than its source), so pointers into it never move. UTF-8 is checked
 * (core/utf8) only over the string bytes that are not ASCII.
 *
 * With AVX-512 (BW, VBMI2) and PCLMULQDQ there is a second parser, used
 * when the text is mostly strings: stage 1 (data/json_x86.c) lists the
 * offsets of the structural bytes, string quotes and scalar starts a piece
 * at a time, and stage 2 (parse_indexed) walks that list with the same
 * grammar, never looking at whitespace or inside plain strings, with no
 * bounds checks but at the end of a piece (room for the nodes and keys a
 * piece can add is made before it is walked); stage 1 validates UTF-8 on
 * the blocks it has in registers. It handles the default and every
 * other policy except comments, trailing commas and a byte order mark. It
 * makes the same document as the one-pass parser for every text that one
 * accepts; at the first token it does not expect it gives up, and the
 * one-pass parser runs from the start to report the error, so errors are
 * the one-pass parser's, byte for byte. Duplicate keys are checked in
 * both when each object closes, from the keys' node indexes recorded as
 * they are parsed (push_key).
 */
#include "core/cpu.h"
#include "core/endian.h"
#include "core/error.h"
#include "core/size.h"
#include "core/utf8.h"
#include "data/json.h"
#include "data/json_int.h"

/*
 * An object member, for the duplicate-key check of an object that closes
 * (check_dups): its key, and a signature (len, a, b) that determines keys
 * of up to 16 bytes exactly.
 */
struct member {
    const uint8_t *key;
    uint32_t len;
    uint32_t ord;  /* position among the members, in document order (when sorting) */
    uint32_t node; /* index of the key node */
    uint32_t pad;
    uint64_t a, b;
};

/*
 * Key shapes: the key signatures of recent objects of 9..SHAPE_MAX members
 * whose signatures were all distinct, one per member count, in a few
 * slots taken in turn.
 * Documents repeat objects with the same keys in the same order (records
 * of one type); an object whose signatures equal a remembered shape, one
 * by one, has distinct keys too, and skips the hash table.
 */
#define SHAPE_SLOTS 8
#define SHAPE_MAX   64

/*
 * A remembered key, in the form known_shape compares fastest: with its
 * length equal, a key matches when the 8 bytes at its start and the 8 at
 * boff, masked, equal a and b. Keys of 8 bytes or more: boff is len - 8
 * and mask all ones; shorter keys: boff is 0 and mask keeps the low 8 *
 * len bits (the bytes past the key are read, and ignored).
 */
struct shape_key {
    uint64_t a, b, mask;
    uint32_t len, boff;
};

struct shape {
    size_t m; /* members; 0: the slot is empty */
    struct shape_key key[SHAPE_MAX];
};

struct parser {
    const uint8_t *text, *end;
    struct avila_json_node *nodes;
    size_t count, cap;
    uint32_t *stack; /* open containers, node indexes */
    size_t stack_cap;
    uint8_t *strings; /* decoded strings; reserved at the first escape */
    size_t strings_cap, strings_used;
    uint32_t *members; /* the keys (node indexes) of the open objects, innermost last */
    size_t members_cap;
    struct member *scratch; /* 2 * scratch_cap entries (merge sort) */
    size_t scratch_cap;
    uint32_t *table; /* hash table of members, table_cap slots */
    size_t table_cap;
    struct shape *shapes; /* SHAPE_SLOTS of them, or NULL */
    size_t shape_next;    /* the slot a new member count takes */
    bool shapes_failed;   /* their allocation failed: not tried again */
    const struct avila_allocator *a;
    avila_json_scan_fn scan;
    struct avila_json_options opt;
    /* The error, when one happened. */
    const uint8_t *err_at;
    const char *reason;
    int rc;
};

/* Records an error at `at` and returns rc. */
static int fail(struct parser *ps, const uint8_t *at, int rc, const char *reason)
{
    ps->err_at = at;
    ps->reason = reason;
    ps->rc = rc;
    return rc;
}

/* A syntax error at `at`; at the end of the input, the reason says so. */
static int syntax(struct parser *ps, const uint8_t *at, const char *reason)
{
    return fail(ps, at, AVILA_EFORMAT, at >= ps->end ? "unexpected end of input" : reason);
}

/* ---------------------------------------------------------------- whitespace */

/* RFC 8259 section 2: space, tab, LF, CR. */
static const uint8_t ws_class[256] = {[' '] = 1, ['\t'] = 1, ['\n'] = 1, ['\r'] = 1};

/*
 * Skips whitespace. Pretty-printed JSON is mostly a newline then a run of
 * spaces, so runs of spaces go 8 bytes at a time. (16-byte SSE2 and 64-byte
 * AVX-512 versions measured no faster on the benchmark files: most runs are
 * short and this loop predicts well.)
 */
static __attribute__((noinline)) const uint8_t *skip_ws_run(const uint8_t *p, const uint8_t *end)
{
    if (AVILA_LIKELY(end - p >= 33) && *p == '\n') {
        /* A newline and an indentation of up to 32 spaces. */
        const uint64_t spaces = 0x2020202020202020u;
        uint64_t x0 = avila_load_le64(p + 1) ^ spaces, x1 = avila_load_le64(p + 9) ^ spaces;
        uint64_t x2 = avila_load_le64(p + 17) ^ spaces, x3 = avila_load_le64(p + 25) ^ spaces;
        size_t k;
        if (x0)
            k = (size_t)__builtin_ctzll(x0) / 8;
        else if (x1)
            k = 8 + (size_t)__builtin_ctzll(x1) / 8;
        else if (x2)
            k = 16 + (size_t)__builtin_ctzll(x2) / 8;
        else
            k = 24 + (x3 ? (size_t)__builtin_ctzll(x3) / 8 : 8);
        p += 1 + k; /* at most end */
        if (p != end && *p > 0x20)
            return p;
    }
    while (end - p >= 8) {
        uint64_t x = avila_load_le64(p) ^ 0x2020202020202020u; /* zero bytes: spaces */
        if (x == 0) {
            p += 8;
            continue;
        }
        p += (size_t)__builtin_ctzll(x) / 8;
        if (!ws_class[*p])
            return p;
        p++;
    }
    while (p < end && ws_class[*p])
        p++;
    return p;
}

static inline const uint8_t *skip_ws(const uint8_t *p, const uint8_t *end)
{
    if (AVILA_LIKELY(end - p >= 2)) {
        if (AVILA_LIKELY(*p > 0x20))
            return p;
        /* One space, as after ':' in pretty-printed JSON. */
        if (*p == ' ' && p[1] > 0x20)
            return p + 1;
    }
    return skip_ws_run(p, end);
}

/*
 * Skips whitespace and comments from p[0] == '/' on. Returns where the next
 * token starts, or NULL (error recorded) for a lone '/', an unterminated
 * block comment or a comment that is not UTF-8.
 */
static const uint8_t *skip_comments(struct parser *ps, const uint8_t *p)
{
    const uint8_t *end = ps->end;
    while (p < end && *p == '/') {
        const uint8_t *start = p, *body;
        size_t blen;
        if (end - p < 2 || (p[1] != '/' && p[1] != '*')) {
            syntax(ps, p + 1, "expected '/' or '*' after '/' (comment)");
            return NULL;
        }
        body = p + 2;
        if (p[1] == '/') {
            p = body;
            while (p < end && *p != '\n')
                p++;
            blen = (size_t)(p - body);
        } else {
            p = body;
            while (end - p >= 2 && !(p[0] == '*' && p[1] == '/'))
                p++;
            if (end - p < 2) {
                fail(ps, start, AVILA_EFORMAT, "unterminated comment");
                return NULL;
            }
            blen = (size_t)(p - body);
            p += 2;
        }
        size_t ok;
        if (avila_utf8_check(body, blen, &ok) != 0) {
            fail(ps, body + ok, AVILA_EFORMAT, "invalid UTF-8 in comment");
            return NULL;
        }
        p = skip_ws(p, end);
    }
    return p;
}

/* ---------------------------------------------------------------- memory */

/* Makes room for at least `need` nodes. */
static int grow_nodes(struct parser *ps, size_t need)
{
    size_t cap = ps->cap + ps->cap / 2 + 64, bytes;
    if (cap < need)
        cap = need;
    if (avila_size_mul(cap, sizeof(struct avila_json_node), &bytes) != 0)
        return AVILA_ENOMEM;
    void *p = avila_realloc(ps->a, ps->nodes, ps->cap * sizeof(struct avila_json_node), bytes,
                            _Alignof(struct avila_json_node));
    if (!p)
        return AVILA_ENOMEM;
    ps->nodes = p;
    ps->cap = cap;
    return 0;
}

/* Reserves the decoded-string buffer: the input from `from` on can never decode to more. */
static int reserve_strings(struct parser *ps, const uint8_t *from)
{
    size_t cap = (size_t)(ps->end - from);
    ps->strings = avila_alloc(ps->a, cap, 1);
    if (!ps->strings)
        return AVILA_ENOMEM;
    ps->strings_cap = cap;
    ps->strings_used = 0;
    return 0;
}

/* ---------------------------------------------------------------- strings */

static int check_utf8(struct parser *ps, const uint8_t *s, size_t n)
{
    size_t ok;
    if (AVILA_LIKELY(avila_utf8_validate(s, n) == 0))
        return 0;
    avila_utf8_check(s, n, &ok);
    return fail(ps, s + ok, AVILA_EFORMAT, "invalid UTF-8 in string");
}

/*
 * The rest of a string that did not end at the first special byte: p is
 * that byte (or the end), start the first byte of the body, high whether
 * non-ASCII bytes were seen before p. Decodes escapes into the string
 * buffer. Returns the byte after the closing quote, or NULL (error recorded).
 */
static const uint8_t *string_slow(struct parser *ps, const uint8_t *start, const uint8_t *p,
                                  unsigned high, struct avila_json_node *node)
{
    const uint8_t *end = ps->end, *seg = start;
    uint8_t *out = NULL;
    size_t out_start = 0;
    for (;;) {
        if (p >= end) {
            fail(ps, start - 1, AVILA_EFORMAT, "unterminated string");
            return NULL;
        }
        /* Errors in document order: the bytes before p first. */
        if (high && check_utf8(ps, seg, (size_t)(p - seg)) != 0)
            return NULL;
        high = 0;
        if (*p < 0x20) {
            fail(ps, p, AVILA_EFORMAT, "control character in string");
            return NULL;
        }
        if (*p == '"')
            break;
        /* A backslash: flush the segment, decode the escape. */
        if (!out) {
            if (!ps->strings && reserve_strings(ps, start) != 0) {
                fail(ps, start, AVILA_ENOMEM, "out of memory");
                return NULL;
            }
            out_start = ps->strings_used;
            out = ps->strings + out_start;
        }
        memcpy(out, seg, (size_t)(p - seg));
        out += p - seg;
        size_t used;
        const char *why = NULL;
        int r = avila_json_unescape(p, (size_t)(end - p), out,
                                    ps->opt.lone_surrogates == AVILA_JSON_SURROGATE_REPLACE, &used,
                                    &why);
        if (r < 0) {
            fail(ps, p + used, AVILA_EFORMAT, p + used >= end ? "unterminated string" : why);
            return NULL;
        }
        out += r;
        p += used;
        seg = p;
        p += ps->scan(p, (size_t)(end - p), &high);
    }
    size_t len;
    const uint8_t *s;
    if (out) {
        memcpy(out, seg, (size_t)(p - seg));
        out += p - seg;
        s = ps->strings + out_start;
        len = (size_t)(out - s);
        ps->strings_used = (size_t)(out - ps->strings);
    } else {
        s = start;
        len = (size_t)(p - start);
    }
    if (len > ps->opt.max_string_len) {
        fail(ps, start - 1, AVILA_ELIMIT, "string longer than max_string_len");
        return NULL;
    }
    node->tag = JSON_K_STRING;
    node->n = (uint32_t)len;
    node->v.s = s;
    return p + 1;
}

/* A string whose opening quote is p[-1]. Returns the byte after it, or NULL. */
static inline __attribute__((always_inline)) const uint8_t *
parse_string(struct parser *ps, const uint8_t *p, struct avila_json_node *node)
{
    const uint8_t *start = p, *end = ps->end;
    unsigned high = 0;
    if (AVILA_LIKELY(end - p >= 16)) {
        /*
         * Most strings are short ASCII: look at the first 16 bytes here, for
         * a quote before any backslash, control or non-ASCII byte.
         */
        const uint64_t ones = 0x0101010101010101u;
        for (size_t base = 0; base < 16; base += 8) {
            uint64_t w = avila_load_le64(p + base), q = w ^ (ones * '"'), b = w ^ (ones * '\\');
            uint64_t hit = (((q - ones) & ~q) | ((b - ones) & ~b) | ((w - ones * 0x20) & ~w) | w) &
                           0x8080808080808080u;
            if (!hit)
                continue;
            size_t i = base + (size_t)__builtin_ctzll(hit) / 8;
            if (i <= ps->opt.max_string_len && p[i] == '"') {
                node->tag = JSON_K_STRING;
                node->n = (uint32_t)i;
                node->v.s = start;
                return p + i + 1;
            }
            break;
        }
    }
    p += ps->scan(p, (size_t)(end - p), &high);
    if (AVILA_LIKELY(p < end && *p == '"')) {
        size_t len = (size_t)(p - start);
        if (AVILA_UNLIKELY(high) && check_utf8(ps, start, len) != 0)
            return NULL;
        if (AVILA_UNLIKELY(len > ps->opt.max_string_len)) {
            fail(ps, start - 1, AVILA_ELIMIT, "string longer than max_string_len");
            return NULL;
        }
        node->tag = JSON_K_STRING;
        node->n = (uint32_t)len;
        node->v.s = start;
        return p + 1;
    }
    return string_slow(ps, start, p, high, node);
}

/* ---------------------------------------------------------------- numbers */

/*
 * Fills node with the number literal at p (scanned into *num). Returns 0,
 * or AVILA_ERANGE (error recorded) when it overflows the doubles and the
 * policy wants doubles.
 */
static inline __attribute__((always_inline)) int make_number(struct parser *ps, const uint8_t *p,
                                                             const struct avila_json_number *num,
                                                             struct avila_json_node *node)
{
    struct avila_json_numval nv;
    unsigned kind;
    node->n = (uint32_t)(p - ps->text);
    if (AVILA_UNLIKELY(avila_json_number_value(p, num, ps->opt.big_numbers, &nv) != 0))
        return fail(ps, p, AVILA_ERANGE, "number out of the double range");
    switch (nv.type) {
    case AVILA_JSON_INT:
        kind = JSON_K_INT;
        node->v.i = nv.v.i;
        break;
    case AVILA_JSON_UINT:
        kind = JSON_K_UINT;
        node->v.u = nv.v.u;
        break;
    case AVILA_JSON_DOUBLE:
        kind = JSON_K_DOUBLE;
        node->v.d = nv.v.d;
        break;
    default:
        kind = JSON_K_BIGNUM;
        node->v.s = p;
        break;
    }
    node->tag = JSON_NUM_TAG(kind, num->len);
    return 0;
}

/* ---------------------------------------------------------------- duplicate keys */

/* Orders members by key length, then bytes, then document order. */
static bool member_less(const struct member *x, const struct member *y)
{
    if (x->len != y->len)
        return x->len < y->len;
    int c = memcmp(x->key, y->key, x->len);
    return c != 0 ? c < 0 : x->ord < y->ord;
}

static bool same_key(const struct member *x, const struct member *y)
{
    return x->len == y->len && memcmp(x->key, y->key, x->len) == 0;
}

/* Sorts e[0..m) (tmp has room for m more): insertion sort when short, merge sort above. */
static void sort_members(struct member *e, struct member *tmp, size_t m)
{
    if (m <= 12) {
        for (size_t i = 1; i < m; i++) {
            struct member x = e[i];
            size_t j = i;
            for (; j > 0 && member_less(&x, &e[j - 1]); j--)
                e[j] = e[j - 1];
            e[j] = x;
        }
        return;
    }
    /* Bottom-up, runs of 8 sorted by insertion first. */
    for (size_t lo = 0; lo < m; lo += 8)
        sort_members(e + lo, tmp, m - lo < 8 ? m - lo : 8);
    struct member *src = e, *dst = tmp;
    for (size_t width = 8; width < m; width *= 2) {
        for (size_t lo = 0; lo < m; lo += 2 * width) {
            size_t mid = lo + width < m ? lo + width : m;
            size_t hi = lo + 2 * width < m ? lo + 2 * width : m;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                dst[k++] = member_less(&src[j], &src[i]) ? src[j++] : src[i++];
            while (i < mid)
                dst[k++] = src[i++];
            while (j < hi)
                dst[k++] = src[j++];
        }
        struct member *t = src;
        src = dst;
        dst = t;
    }
    if (src != e)
        memcpy(e, src, m * sizeof *e);
}

/*
 * The offset of the key of member number ord of the object whose '{' is at
 * open: the text up to the object's end is known to be well-formed, so a
 * light rescan (strings, nesting, comments) finds it. Used for errors only.
 */
static const uint8_t *member_key_at(struct parser *ps, const uint8_t *open, size_t ord)
{
    const uint8_t *p = open + 1, *end = ps->end;
    size_t depth = 0, seen = 0;
    bool want_key = true;
    while (p < end) {
        uint8_t c = *p;
        if (c == '"') {
            if (depth == 0 && want_key) {
                if (seen == ord)
                    return p;
                seen++;
                want_key = false;
            }
            for (p++; p < end && *p != '"'; p++)
                if (*p == '\\')
                    p++;
            p++;
            continue;
        }
        if (c == '/' && end - p >= 2 && (p[1] == '/' || p[1] == '*')) {
            const uint8_t *q = skip_comments(ps, p);
            p = q ? q : end;
            continue;
        }
        if (c == '{' || c == '[')
            depth++;
        else if (c == '}' || c == ']')
            depth--;
        else if (c == ',' && depth == 0)
            want_key = true;
        p++;
    }
    return open;
}

/*
 * The signature of a member's key: (len, a, b) spell out every byte of a key
 * up to 16 bytes. a is the first 8 bytes (little-endian, zero-padded when
 * shorter), b the last 8 for keys of 8 bytes or more, else 0. limit is the
 * end of the readable memory around the key: with 8 bytes readable from
 * the key on, shorter keys are read with one load and masked (no byte
 * loop).
 */
static inline __attribute__((always_inline)) void
key_signature(const uint8_t *k, size_t n, const uint8_t *limit, uint64_t *a, uint64_t *b)
{
    if (AVILA_LIKELY(limit - k >= 8)) {
        bool big = n >= 8;
        uint64_t keep = big ? ~(uint64_t)0 : ((uint64_t)1 << (8 * n & 63)) - 1;
        *a = avila_load_le64(k) & keep;
        *b = avila_load_le64(big ? k + n - 8 : k) & ((uint64_t)0 - (uint64_t)big);
        return;
    }
    uint8_t pad[8] = {0};
    memcpy(pad, k, n < 8 ? n : 8);
    *a = avila_load_le64(pad);
    *b = n >= 8 ? avila_load_le64(k + n - 8) : 0;
}

/* The signature of the key at node index key. */
static inline __attribute__((always_inline)) void sign_key(const struct parser *ps, uint32_t key,
                                                           uint64_t *a, uint64_t *b)
{
    const struct avila_json_node *nd = &ps->nodes[key];
    /* Keys lie in the text or in the string buffer, each readable up to its end. */
    bool in_text = (uintptr_t)nd->v.s - (uintptr_t)ps->text < (uintptr_t)(ps->end - ps->text);
    key_signature(nd->v.s, nd->n, in_text ? ps->end : ps->strings + ps->strings_cap, a, b);
}

static inline bool same_signature(const struct member *x, const struct member *y)
{
    return x->a == y->a && x->b == y->b && x->len == y->len;
}

/* Grows the scratch arrays to hold m members (twice: merge sort) and a hash table for them. */
static int scratch_for(struct parser *ps, size_t m)
{
    /* (A table that failed to grow earlier is smaller than twice the scratch.) */
    if (m <= ps->scratch_cap && 2 * ps->scratch_cap <= ps->table_cap)
        return 0;
    size_t cap = m < 64 ? 64 : m, bytes, tbytes;
    if (cap < ps->scratch_cap)
        cap = ps->scratch_cap;
    while (cap < m)
        cap *= 2;
    size_t tsize = 1;
    while (tsize < 2 * cap)
        tsize *= 2;
    if (avila_size_mul(2 * cap, sizeof(struct member), &bytes) != 0 ||
        avila_size_mul(tsize, sizeof(uint32_t), &tbytes) != 0)
        return AVILA_ENOMEM;
    void *p = avila_realloc(ps->a, ps->scratch, 2 * ps->scratch_cap * sizeof(struct member), bytes,
                            _Alignof(struct member));
    if (!p)
        return AVILA_ENOMEM;
    ps->scratch = p;
    ps->scratch_cap = cap;
    p = avila_realloc(ps->a, ps->table, ps->table_cap * sizeof(uint32_t), tbytes,
                      _Alignof(uint32_t));
    if (!p)
        return AVILA_ENOMEM;
    ps->table = p;
    ps->table_cap = tsize;
    return 0;
}

/*
 * Marks member k (a repeat of the earlier member j) as the policy says:
 * returns 1 if j lost, 0 if k lost.
 */
static inline int drop_one(struct parser *ps, const struct member *j, const struct member *k)
{
    bool keep_first = ps->opt.dup_keys == AVILA_JSON_DUP_FIRST;
    ps->nodes[(keep_first ? k : j)->node].tag = JSON_K_DELETED;
    return !keep_first;
}

/* The duplicate-key error for member ord of the object at node obj. */
static int dup_error(struct parser *ps, size_t obj, size_t ord)
{
    const uint8_t *open = ps->text + JSON_SRC_OFFSET(&ps->nodes[obj]);
    return fail(ps, member_key_at(ps, open, ord), AVILA_EFORMAT, "duplicate key in object");
}

/*
 * The sorting method: O(m log m) comparisons whatever the keys. e[0..m)
 * hold the members in document order; nothing is marked yet.
 */
static int dups_by_sorting(struct parser *ps, size_t obj, struct member *e, size_t m)
{
    for (size_t k = 0; k < m; k++)
        e[k].ord = (uint32_t)k; /* (the indexed parser leaves ord unset) */
    sort_members(e, e + ps->scratch_cap, m);
    size_t first_dup = SIZE_MAX, dropped = 0;
    for (size_t r = 0; r < m;) {
        size_t s = r + 1;
        while (s < m && same_key(&e[r], &e[s]))
            s++;
        if (s - r > 1) {
            /* e[r..s) are one key's members in document order. */
            if (ps->opt.dup_keys == AVILA_JSON_DUP_REJECT) {
                if (e[r + 1].ord < first_dup)
                    first_dup = e[r + 1].ord;
            } else {
                size_t keep = ps->opt.dup_keys == AVILA_JSON_DUP_FIRST ? r : s - 1;
                for (size_t k = r; k < s; k++)
                    if (k != keep)
                        ps->nodes[e[k].node].tag = JSON_K_DELETED;
                dropped += s - r - 1;
            }
        }
        r = s;
    }
    if (first_dup != SIZE_MAX)
        return dup_error(ps, obj, first_dup);
    ps->nodes[obj].n -= (uint32_t)dropped;
    return 0;
}

/* The remembered shape of m members, or NULL. */
static const struct shape *shape_for(const struct parser *ps, size_t m)
{
    for (size_t i = 0; i < SHAPE_SLOTS; i++)
        if (ps->shapes[i].m == m)
            return &ps->shapes[i];
    return NULL;
}

/*
 * Whether the m keys (node indexes) equal the shape remembered for m
 * members, one by one. Every key lies before close: in the text, or
 * decoded into the string buffer no further from its start than the
 * key's text is from where the buffer was reserved (decoding never
 * lengthens). So with 8 bytes readable past close, 8 bytes can be read at
 * any key's start, and no key needs its own bounds test.
 */
static bool known_shape(const struct parser *ps, const uint32_t *keys, size_t m,
                        const uint8_t *close)
{
    if (!ps->shapes || m > SHAPE_MAX || ps->end - close < 8)
        return false;
    const struct shape *sh = shape_for(ps, m);
    if (!sh)
        return false;
    uint64_t diff = 0;
    for (size_t k = 0; k < m; k++) {
        const struct avila_json_node *nd = &ps->nodes[keys[k]];
        const struct shape_key *sk = &sh->key[k];
        if (nd->n != sk->len)
            return false;
        diff |=
            ((avila_load_le64(nd->v.s) ^ sk->a) | (avila_load_le64(nd->v.s + sk->boff) ^ sk->b)) &
            sk->mask;
    }
    return diff == 0;
}

/*
 * Remembers the signatures of m members (all distinct) as the shape for m
 * members, in place of the one remembered for m, or else of the oldest.
 */
static void remember_shape(struct parser *ps, const struct member *e, size_t m)
{
    if (m > SHAPE_MAX || ps->shapes_failed)
        return;
    if (!ps->shapes) {
        ps->shapes = avila_alloc(ps->a, SHAPE_SLOTS * sizeof(struct shape), _Alignof(struct shape));
        if (!ps->shapes) {
            ps->shapes_failed = true; /* only a shortcut lost */
            return;
        }
        for (size_t i = 0; i < SHAPE_SLOTS; i++)
            ps->shapes[i].m = 0;
    }
    struct shape *sh = (struct shape *)shape_for(ps, m);
    if (!sh) {
        sh = &ps->shapes[ps->shape_next];
        ps->shape_next = (ps->shape_next + 1) % SHAPE_SLOTS;
    }
    sh->m = m;
    for (size_t k = 0; k < m; k++) {
        bool big = e[k].len >= 8;
        sh->key[k] = (struct shape_key){
            .a = e[k].a,
            .b = big ? e[k].b : e[k].a,
            .mask = big ? ~(uint64_t)0 : ((uint64_t)1 << 8 * e[k].len) - 1,
            .len = e[k].len,
            .boff = big ? e[k].len - 8 : 0,
        };
    }
}

/*
 * Applies the duplicate-key policy to the object at node index obj (closed,
 * at least 2 members): rejects (naming the earliest repeat in document
 * order), or turns the losing members' keys into JSON_K_DELETED and lowers
 * the member count. keys[0..m) are its keys' node indexes in document
 * order, as push_key recorded them, and close a point of the text past
 * all of them (the object's end); their signatures are taken here, on
 * the stack or in the scratch array. Up to 8 members are compared
 * pairwise. More are done at once when their signatures match a
 * remembered shape, else go into a hash table on their key signature (and
 * a duplicate-free result becomes the shape for m members); keys longer
 * than 16 bytes with equal signatures are compared in full. Should
 * probing or full comparisons run past a budget linear in m (keys crafted
 * to collide), the work so far is undone and the members sorted instead,
 * so the worst case is O(m log m) comparisons.
 */
static int check_dups(struct parser *ps, size_t obj, const uint32_t *keys, size_t m,
                      const uint8_t *close)
{
    struct avila_json_node *nodes = ps->nodes;
    if (m == 2 && nodes[keys[0]].n != nodes[keys[1]].n)
        return 0; /* two keys of different lengths: the commonest small object */
    struct member few[8], *e = few;
    if (m > 8) {
        if (known_shape(ps, keys, m, close))
            return 0;
        if (scratch_for(ps, m) != 0)
            return fail(ps, ps->text + JSON_SRC_OFFSET(&nodes[obj]), AVILA_ENOMEM, "out of memory");
        e = ps->scratch;
    }
    for (size_t k = 0; k < m; k++) {
        e[k].key = nodes[keys[k]].v.s;
        e[k].len = nodes[keys[k]].n;
        e[k].node = keys[k];
        sign_key(ps, keys[k], &e[k].a, &e[k].b);
    }
    if (m <= 8) {
        /* Few members: compare every pair, skipping members already dropped. */
        size_t dropped = 0;
        for (size_t k = 1; k < m; k++) {
            for (size_t j = 0; j < k; j++) {
                if (!same_signature(&e[j], &e[k]) ||
                    (e[k].len > 16 && memcmp(e[j].key + 8, e[k].key + 8, e[k].len - 16) != 0) ||
                    JSON_KIND(&nodes[e[j].node]) == JSON_K_DELETED)
                    continue;
                if (ps->opt.dup_keys == AVILA_JSON_DUP_REJECT)
                    return dup_error(ps, obj, k);
                drop_one(ps, &e[j], &e[k]);
                dropped++;
                break;
            }
        }
        nodes[obj].n -= (uint32_t)dropped;
        return 0;
    }
    unsigned bits = 4;
    while (((size_t)1 << bits) < 2 * m)
        bits++;
    size_t mask = ((size_t)1 << bits) - 1, budget = 4 * m + 16, dropped = 0;
    bool distinct = true; /* no two signatures equal */
    uint32_t *table = ps->table;
    memset(table, 0, (mask + 1) * sizeof *table);
    for (size_t k = 0; k < m; k++) {
        const struct member *x = &e[k];
        uint64_t h = (x->a ^ (x->b << 29 | x->b >> 35) ^ x->len) * 0x9E3779B97F4A7C15u;
        size_t slot = (size_t)(h >> (64 - bits));
        for (;;) {
            uint32_t t = table[slot];
            if (!t) {
                table[slot] = (uint32_t)k + 1;
                break;
            }
            const struct member *y = &e[t - 1];
            if (same_signature(x, y)) {
                if (x->len <= 16 || memcmp(x->key + 8, y->key + 8, x->len - 16) == 0) {
                    if (ps->opt.dup_keys == AVILA_JSON_DUP_REJECT)
                        return dup_error(ps, obj, k);
                    if (drop_one(ps, y, x))
                        table[slot] = (uint32_t)k + 1;
                    dropped++;
                    break;
                }
                distinct = false;
            }
            if (budget-- == 0) {
                for (size_t r = 0; r < m; r++)
                    nodes[e[r].node].tag = JSON_K_STRING;
                return dups_by_sorting(ps, obj, e, m);
            }
            slot = (slot + 1) & mask;
        }
    }
    if (distinct && dropped == 0)
        remember_shape(ps, e, m);
    nodes[obj].n -= (uint32_t)dropped;
    return 0;
}

/* Makes room for one more entry on the stack of open objects' keys. */
static int grow_members(struct parser *ps)
{
    size_t cap = ps->members_cap ? 2 * ps->members_cap : 256, bytes;
    if (avila_size_mul(cap, sizeof(uint32_t), &bytes) != 0)
        return AVILA_ENOMEM;
    void *p = avila_realloc(ps->a, ps->members, ps->members_cap * sizeof(uint32_t), bytes,
                            _Alignof(uint32_t));
    if (!p)
        return AVILA_ENOMEM;
    ps->members = p;
    ps->members_cap = cap;
    return 0;
}

/*
 * Records the key at node index key of the innermost open object (node
 * obj) on the stack of open objects' keys, for the duplicate check when the
 * object closes. Returns 0 or AVILA_ENOMEM.
 */
static inline __attribute__((always_inline)) int push_key(struct parser *ps, size_t *mtop,
                                                          struct avila_json_node *obj, size_t key)
{
    if (AVILA_UNLIKELY(*mtop == ps->members_cap) && grow_members(ps) != 0)
        return AVILA_ENOMEM;
    ps->members[(*mtop)++] = (uint32_t)key;
    obj->n++;
    return 0;
}

/* ---------------------------------------------------------------- the parser */

/*
 * Nodes to make room for when count nodes came from the text before offset
 * at (of len): the same density over the rest, and a little more, so that
 * the array grows (and is copied) once or twice, not at every half.
 */
static size_t more_nodes(size_t count, size_t at, size_t len)
{
    size_t est = count + 2;
    if (at > 0 && at < len) {
        /* count * (len - at) / at without a 128-bit division (offsets fit 32 bits). */
        size_t extra = count / at * (len - at) + count % at * (len - at) / at;
        est += extra + extra / 16 + 64;
    }
    return est;
}

/* A first guess at the node count: one node per 16 bytes, never beyond the maximum. */
static size_t estimate_nodes(size_t len)
{
    size_t est = len / 16 + 16;
    return est > len + 2 ? len + 2 : est;
}

static int parse(struct parser *ps)
{
    const uint8_t *p = ps->text, *end = ps->end;
    const bool comments = ps->opt.allow_comments, trailing = ps->opt.allow_trailing_commas;
    const size_t max_depth = ps->opt.max_depth;
    uint32_t *const stack = ps->stack;
    /*
     * The hot state lives in locals (stores into nodes could alias the
     * parser struct): count is written back before any call that reads it.
     */
    struct avila_json_node *nodes = ps->nodes, *node;
    size_t count = 0, cap = ps->cap, depth = 0, mtop = 0;
    bool in_object = false; /* the innermost open container is an object */
    int rc;

#define WS()                                                                                       \
    do {                                                                                           \
        p = skip_ws(p, end);                                                                       \
        if (AVILA_UNLIKELY(comments) && p < end && *p == '/' && !(p = skip_comments(ps, p)))       \
            return AVILA_EFORMAT;                                                                  \
    } while (0)
#define PEEK() (p < end ? *p : 0)
/* Pops the innermost container and applies the duplicate-key policy to it. */
#define CLOSE()                                                                                    \
    do {                                                                                           \
        size_t idx_ = stack[--depth];                                                              \
        nodes[idx_].v.skip |= (uint32_t)(count - idx_);                                            \
        if (in_object) {                                                                           \
            size_t m_ = nodes[idx_].n;                                                             \
            mtop -= m_;                                                                            \
            if (m_ >= 2) {                                                                         \
                ps->count = count;                                                                 \
                if ((rc = check_dups(ps, idx_, ps->members + mtop, m_, p)) != 0)                   \
                    return rc;                                                                     \
            }                                                                                      \
        }                                                                                          \
        in_object = depth > 0 && JSON_KIND(&nodes[stack[depth - 1]]) == JSON_K_OBJECT;             \
    } while (0)

    if (end - p >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
        if (!ps->opt.skip_bom)
            return fail(ps, p, AVILA_EFORMAT, "byte order mark (not allowed)");
        p += 3;
    }
    WS();

value:
    /* A value starts at p (whitespace skipped). Room for a key and a value node. */
    if (AVILA_UNLIKELY(count + 2 > cap)) {
        ps->count = count;
        if ((rc = grow_nodes(
                 ps, more_nodes(count, (size_t)(p - ps->text), (size_t)(end - ps->text)))) != 0)
            return fail(ps, p, rc, "out of memory");
        nodes = ps->nodes;
        cap = ps->cap;
    }
    node = &nodes[count];
    switch (PEEK()) {
    case '{':
    case '[':
        if (depth == max_depth)
            return fail(ps, p, AVILA_ELIMIT, "nesting deeper than max_depth");
        in_object = *p == '{';
        node->tag = in_object ? JSON_K_OBJECT : JSON_K_ARRAY;
        node->n = 0;
        node->v.skip = (uint64_t)(p - ps->text) << 32;
        stack[depth++] = (uint32_t)count++;
        p++;
        WS();
        if (PEEK() == (in_object ? '}' : ']')) {
            p++;
            CLOSE();
            goto after;
        }
        if (in_object)
            goto member;
        node->n = 1;
        goto value;
    case '"':
        if (!(p = parse_string(ps, p + 1, node)))
            return ps->rc;
        count++;
        goto after;
    case 't':
        if (end - p < 4 || memcmp(p, "true", 4) != 0)
            goto bad_literal;
        node->tag = JSON_K_TRUE;
        count++;
        p += 4;
        goto after;
    case 'f':
        if (end - p < 5 || memcmp(p, "false", 5) != 0)
            goto bad_literal;
        node->tag = JSON_K_FALSE;
        count++;
        p += 5;
        goto after;
    case 'n':
        if (end - p < 4 || memcmp(p, "null", 4) != 0)
            goto bad_literal;
        node->tag = JSON_K_NULL;
        count++;
        p += 4;
        goto after;
    case '-':
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
    case '8':
    case '9': {
        struct avila_json_number num;
        size_t bad;
        const char *why;
        if (avila_json_scan_number(p, (size_t)(end - p), &num, &bad, &why) != 0)
            return syntax(ps, p + bad, why);
        if (AVILA_UNLIKELY(num.len > ps->opt.max_number_len))
            return fail(ps, p, AVILA_ELIMIT, "number longer than max_number_len");
        if ((rc = make_number(ps, p, &num, node)) != 0)
            return rc;
        count++;
        p += num.len;
        goto after;
    }
    case ']':
        if (depth > 0 && !in_object)
            return syntax(ps, p, "trailing comma (not allowed)");
        return syntax(ps, p, "expected a value");
    default:
        return syntax(ps, p, "expected a value");
    }

bad_literal : {
    /* Point at the first byte that differs from the literal. */
    const char *lit = *p == 't' ? "true" : *p == 'f' ? "false" : "null";
    size_t i = 0;
    while (lit[i] && p + i < end && p[i] == (uint8_t)lit[i])
        i++;
    return syntax(ps, p + i, "invalid literal");
}

member:
    /* An object member's key starts at p (whitespace skipped); room for two nodes. */
    if (PEEK() != '"')
        return syntax(ps, p,
                      PEEK() == '}' ? "trailing comma (not allowed)" : "expected string key");
    if (!(p = parse_string(ps, p + 1, &nodes[count])))
        return ps->rc;
    if (push_key(ps, &mtop, &nodes[stack[depth - 1]], count) != 0)
        return fail(ps, p, AVILA_ENOMEM, "out of memory");
    count++;
    if (AVILA_LIKELY(p < end && *p == ':')) {
        p++;
    } else {
        WS();
        if (PEEK() != ':')
            return syntax(ps, p, "expected ':' after object key");
        p++;
    }
    WS();
    goto value;

after:
    /* A value just ended at p. */
    if (AVILA_UNLIKELY(depth == 0))
        goto done;
    WS();
    if (in_object) {
        if (PEEK() == ',') {
            p++;
            WS();
            if (trailing && PEEK() == '}')
                goto close;
            if (AVILA_UNLIKELY(count + 2 > cap))
                goto value_then_member;
            goto member;
        }
        if (PEEK() == '}')
            goto close;
        return syntax(ps, p, "expected ',' or '}' after object member");
    }
    if (PEEK() == ',') {
        p++;
        WS();
        if (trailing && PEEK() == ']')
            goto close;
        nodes[stack[depth - 1]].n++;
        goto value;
    }
    if (PEEK() == ']')
        goto close;
    return syntax(ps, p, "expected ',' or ']' after array element");
close:
    p++;
    CLOSE();
    goto after;

value_then_member:
    /* Grow before a key so that member: always has room for the key and its value. */
    ps->count = count;
    if ((rc = grow_nodes(ps,
                         more_nodes(count, (size_t)(p - ps->text), (size_t)(end - ps->text)))) != 0)
        return fail(ps, p, rc, "out of memory");
    nodes = ps->nodes;
    cap = ps->cap;
    goto member;

done:
    WS();
    ps->count = count;
    if (p != end)
        return fail(ps, p, AVILA_EFORMAT, "unexpected data after the JSON value");
    return 0;
#undef WS
#undef PEEK
#undef CLOSE
}

/* ---------------------------------------------------------------- the indexed parser */

#if AVILA_X86_64
/* Entries of the structural index made at a time (plus AVILA_JSON_INDEX_SLACK). */
#define INDEX_ROOM ((size_t)1024)
/* The index's bytes follow its offsets: at this many bytes from their start. */
#define CHARS_AT ((INDEX_ROOM + AVILA_JSON_INDEX_SLACK) * 4)

/* Bytes that may follow a literal or a number: whitespace, structural bytes, a quote. */
static const uint8_t delimiter[256] = {
    [' '] = 1, ['\t'] = 1, ['\n'] = 1, ['\r'] = 1, ['{'] = 1, ['}'] = 1,
    ['['] = 1, [']'] = 1,  [':'] = 1,  [','] = 1,  ['"'] = 1};

/* An open container's parent, saved while stage 2 works on the container. */
struct frame {
    uint32_t node; /* the parent's node */
    uint32_t n;    /* its members or elements so far */
    uint32_t object;
};

/* The state of stage 2's reading of the index. */
struct tokens {
    uint32_t *buf; /* offsets, then the bytes at them from CHARS_AT bytes on */
    size_t i, n;
    size_t t;             /* next_piece's first entry: its offset (len at the end) */
    uint8_t c;            /* and the byte there (0 at the end) */
    struct frame *frames; /* ps->stack_cap of them */
    struct avila_json_index ix;
};

/* Indexes the next piece into tk->buf; returns its entries. */
static size_t fill_piece(struct tokens *tk)
{
    return avila_json_index_fill_avx512(&tk->ix, tk->buf, (uint8_t *)tk->buf + CHARS_AT,
                                        INDEX_ROOM + AVILA_JSON_INDEX_SLACK);
}

/*
 * Indexes the next piece of the text once the current one is used up:
 * sets tk->t and tk->c to its first entry (the text's length and 0 at its
 * end, when the index found a control byte in a string or when the text
 * is not UTF-8: stage 2 then meets an unexpected end) and makes room for
 * the nodes and keys it may add (each node or key takes at least one
 * entry, so stage 2 needs no other bounds checks). count and mtop are
 * stage 2's nodes and keys so far. Returns 0 or AVILA_ENOMEM.
 */
static __attribute__((noinline)) int next_piece(struct parser *ps, struct tokens *tk, size_t count,
                                                size_t mtop)
{
    tk->c = 0;
    tk->t = tk->ix.len;
    tk->i = tk->n = 0;
    if (tk->ix.pos >= tk->ix.len || tk->ix.bad)
        return 0;
    size_t n = fill_piece(tk);
    if (tk->ix.bad || n == 0)
        return 0;
    if (count + n + 2 > ps->cap) {
        size_t need = more_nodes(count, tk->buf[0], tk->ix.len);
        ps->count = count;
        if (grow_nodes(ps, need > count + n + 2 ? need : count + n + 2) != 0)
            return AVILA_ENOMEM;
    }
    while (mtop + n + 1 > ps->members_cap)
        if (grow_members(ps) != 0)
            return AVILA_ENOMEM;
    tk->n = n;
    tk->i = 1;
    tk->t = tk->buf[0];
    tk->c = ((const uint8_t *)tk->buf)[CHARS_AT];
    return 0;
}

/*
 * A string with escapes, from its opening quote at text[open] to its
 * closing one at text[close], decoded into the string buffer for node
 * (stage 1 indexed it with no error: its bytes are UTF-8 with no control
 * byte, and its end is known; the buffer holds as many bytes as the text
 * from where it was reserved). Returns 0, or nonzero for a bad escape or
 * a string over the limit (the one-pass parser then reports it).
 */
static __attribute__((noinline)) int indexed_escaped(struct parser *ps, size_t open, size_t close,
                                                     size_t node)
{
    const uint8_t *body = ps->text + open + 1;
    if (!ps->strings && reserve_strings(ps, body) != 0)
        return AVILA_ENOMEM;
    uint8_t *out = ps->strings + ps->strings_used;
    ptrdiff_t len = avila_json_unescape_avx512(
        body, close - open - 1, out, ps->opt.lone_surrogates == AVILA_JSON_SURROGATE_REPLACE);
    if (len < 0)
        return AVILA_EFORMAT;
    if ((size_t)len > ps->opt.max_string_len)
        return AVILA_ELIMIT;
    ps->strings_used += (size_t)len;
    ps->nodes[node].tag = JSON_K_STRING;
    ps->nodes[node].n = (uint32_t)len;
    ps->nodes[node].v.s = out;
    return 0;
}

/*
 * Stage 2: the grammar of parse() walked over the structural index instead
 * of the bytes (whitespace is never looked at). Makes the same nodes as
 * parse() for every text parse() accepts, and returns nonzero (its work to
 * be discarded) for every other text, at the first token it does not
 * expect; parse() then runs and reports the error. The text must not need
 * comments, trailing commas or a byte order mark; UTF-8 is checked a piece
 * at a time (next_piece), and a piece that is not ends the index there.
 * Node and key room is made a piece at a time too, so the loop over the
 * entries has no bounds checks but the end of the piece.
 */
static int parse_indexed(struct parser *ps, struct tokens *tk)
{
    const uint8_t *text = ps->text, *end = ps->end;
    const size_t len = (size_t)(end - text);
    const size_t max_string = ps->opt.max_string_len, max_number = ps->opt.max_number_len;
    struct frame *const frames = tk->frames, *fp = frames;
    /* stack_cap - 1 is the smaller of the depth limit and the length (no deeper text fits). */
    struct frame *const frames_end = frames + ps->stack_cap - 1;
    struct avila_json_node *nodes;
    uint32_t *mp; /* the top of the stack of open objects' keys */
    size_t count = 0, t, node;
    /* The innermost open container: its node, members or elements so far, kind. */
    size_t top = 0, top_n = 0;
    bool in_object = false;
    uint8_t c;
    /* The index in locals (stores into nodes could alias *tk); its bytes lie at CHARS_AT. */
    const uint32_t *const tbuf = tk->buf;
    size_t ti = tk->i, tn = tk->n;

    if (tn + 2 > ps->cap && grow_nodes(ps, tn + 2) != 0)
        return AVILA_ENOMEM;
    while (tn + 1 > ps->members_cap)
        if (grow_members(ps) != 0)
            return AVILA_ENOMEM;
    nodes = ps->nodes;
    mp = ps->members;

/* The next entry: t its offset, c the byte there (0 at the end). */
#define NEXT()                                                                                     \
    do {                                                                                           \
        if (AVILA_LIKELY(ti < tn)) {                                                               \
            c = ((const uint8_t *)tbuf)[CHARS_AT + ti];                                            \
            t = tbuf[ti++];                                                                        \
        } else {                                                                                   \
            size_t mtop_ = (size_t)(mp - ps->members);                                             \
            if (next_piece(ps, tk, count, mtop_) != 0)                                             \
                return AVILA_ENOMEM;                                                               \
            nodes = ps->nodes;                                                                     \
            mp = ps->members + mtop_;                                                              \
            t = tk->t;                                                                             \
            c = tk->c;                                                                             \
            ti = tk->i;                                                                            \
            tn = tk->n;                                                                            \
        }                                                                                          \
    } while (0)
#define ENDS(at) ((at) >= len || delimiter[text[at]])
/* The string whose opening quote is at t, into node idx ('\\' at the closing quote: escapes). */
#define STRING(idx)                                                                                \
    do {                                                                                           \
        size_t open_ = t;                                                                          \
        NEXT();                                                                                    \
        if (AVILA_LIKELY(c == '"')) {                                                              \
            if (AVILA_UNLIKELY(t - open_ - 1 > max_string))                                        \
                return AVILA_ELIMIT;                                                               \
            nodes[idx].tag = JSON_K_STRING;                                                        \
            nodes[idx].n = (uint32_t)(t - open_ - 1);                                              \
            nodes[idx].v.s = text + open_ + 1;                                                     \
        } else if (c != '\\' || indexed_escaped(ps, open_, t, idx) != 0) {                         \
            return AVILA_EFORMAT;                                                                  \
        }                                                                                          \
    } while (0)
/* Closes the innermost container: its size, the duplicate-key check, the parent back on top. */
#define CLOSE()                                                                                    \
    do {                                                                                           \
        nodes[top].v.skip |= (uint32_t)(count - top);                                              \
        nodes[top].n = (uint32_t)top_n;                                                            \
        if (in_object) {                                                                           \
            mp -= top_n;                                                                           \
            if (top_n >= 2) {                                                                      \
                ps->count = count;                                                                 \
                if (check_dups(ps, top, mp, top_n, text + t) != 0)                                 \
                    return AVILA_EFORMAT;                                                          \
            }                                                                                      \
        }                                                                                          \
        fp--;                                                                                      \
        top = fp->node;                                                                            \
        top_n = fp->n;                                                                             \
        in_object = fp->object;                                                                    \
    } while (0)

    NEXT();
value:
    node = count++;
    switch (c) {
    case '{':
    case '[':
        if (AVILA_UNLIKELY(fp == frames_end))
            return AVILA_ELIMIT;
        fp->node = (uint32_t)top;
        fp->n = (uint32_t)top_n;
        fp->object = in_object;
        fp++;
        top = node;
        top_n = 0;
        in_object = c == '{';
        nodes[node].tag = in_object ? JSON_K_OBJECT : JSON_K_ARRAY;
        nodes[node].v.skip = (uint64_t)t << 32;
        NEXT();
        if (c == (in_object ? '}' : ']')) {
            CLOSE();
            goto after;
        }
        if (in_object)
            goto member;
        top_n = 1;
        goto value;
    case '"':
        STRING(node);
        goto after;
    case 't':
        if (end - (text + t) < 4 || memcmp(text + t, "true", 4) != 0 || !ENDS(t + 4))
            return AVILA_EFORMAT;
        nodes[node].tag = JSON_K_TRUE;
        goto after;
    case 'f':
        if (end - (text + t) < 5 || memcmp(text + t, "false", 5) != 0 || !ENDS(t + 5))
            return AVILA_EFORMAT;
        nodes[node].tag = JSON_K_FALSE;
        goto after;
    case 'n':
        if (end - (text + t) < 4 || memcmp(text + t, "null", 4) != 0 || !ENDS(t + 4))
            return AVILA_EFORMAT;
        nodes[node].tag = JSON_K_NULL;
        goto after;
    case '-':
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
    case '8':
    case '9': {
        struct avila_json_number num;
        size_t bad;
        const char *why;
        if (avila_json_scan_number(text + t, len - t, &num, &bad, &why) != 0 ||
            !ENDS(t + num.len) || num.len > max_number)
            return AVILA_EFORMAT;
        if (make_number(ps, text + t, &num, &nodes[node]) != 0)
            return AVILA_ERANGE;
        goto after;
    }
    default:
        return AVILA_EFORMAT;
    }

member:
    /* A key's opening quote at t. */
    if (AVILA_UNLIKELY(c != '"'))
        return AVILA_EFORMAT;
    node = count++;
    STRING(node);
    *mp++ = (uint32_t)node; /* for the duplicate check when the object closes */
    top_n++;
    NEXT();
    if (AVILA_UNLIKELY(c != ':'))
        return AVILA_EFORMAT;
    NEXT();
    goto value;

after:
    if (AVILA_UNLIKELY(fp == frames))
        goto done;
    NEXT();
    if (in_object) {
        if (c == ',') {
            NEXT();
            goto member;
        }
        if (c == '}')
            goto close;
        return AVILA_EFORMAT;
    }
    if (c == ',') {
        top_n++;
        NEXT();
        goto value;
    }
    if (c == ']')
        goto close;
    return AVILA_EFORMAT;
close:
    CLOSE();
    goto after;

done:
    ps->count = count;
    NEXT();
    if (t != len || tk->ix.bad)
        return AVILA_EFORMAT;
    return 0;
#undef NEXT
#undef ENDS
#undef STRING
#undef CLOSE
}

/*
 * Runs the indexed parser when this CPU and these options allow it.
 * Returns 0 when it made the document; nonzero when parse() must run (the
 * parser is then as before, with no nodes and no strings).
 */
static int try_indexed(struct parser *ps, enum avila_json_path path)
{
    size_t len = (size_t)(ps->end - ps->text);
    uint32_t f = avila_cpu_features();
    if (path == AVILA_JSON_PATH_ONE_PASS)
        return 1;
    const uint32_t need = AVILA_JSON_INDEX_CPU;
    if ((f & need) != need || ps->opt.allow_comments || ps->opt.allow_trailing_commas || len == 0 ||
        (len >= 3 && ps->text[0] == 0xEF && ps->text[1] == 0xBB && ps->text[2] == 0xBF))
        return 1;
    size_t frames = ps->stack_cap * sizeof(struct frame);
    size_t bytes = frames + (INDEX_ROOM + AVILA_JSON_INDEX_SLACK) * 5;
    uint8_t *mem = avila_alloc(ps->a, bytes, 8);
    if (!mem)
        return 1;
    struct tokens tk;
    memset(&tk, 0, sizeof tk);
    tk.ix.text = ps->text;
    tk.ix.len = len;
    tk.frames = (struct frame *)(void *)mem;
    tk.buf = (uint32_t *)(void *)(mem + frames);
    /*
     * The first piece decides: indexing pays off over long strings and
     * whitespace (stage 2 never looks at them), while the one-pass parser
     * is faster over text dense with numbers and short tokens. Below 40%
     * of such bytes, that one.
     */
    tk.n = fill_piece(&tk);
    int rc = 1;
    if (path == AVILA_JSON_PATH_INDEXED || tk.ix.skip_bytes * 5 >= tk.ix.pos * 2) {
        if (tk.n == 0 || tk.ix.bad)
            tk.i = tk.n; /* stage 2 meets the end at once (and fails, or finds nothing) */
        rc = parse_indexed(ps, &tk);
    }
    avila_free(ps->a, mem, bytes, 8);
    if (rc != 0) {
        avila_free(ps->a, ps->strings, ps->strings_cap, 1);
        ps->strings = NULL;
        ps->strings_cap = ps->strings_used = 0;
        ps->count = 0;
        ps->err_at = NULL;
        ps->reason = NULL;
        ps->rc = 0;
    }
    return rc;
}
#else
static int try_indexed(struct parser *ps, enum avila_json_path path)
{
    (void)ps;
    (void)path;
    return 1;
}
#endif

/* ---------------------------------------------------------------- entry */

int avila_json_resolve_options(struct avila_json_options *o, const struct avila_json_options *opt,
                               size_t max_size_limit)
{
    static const struct avila_json_options defaults = AVILA_JSON_OPTIONS_DEFAULT;
    *o = opt ? *opt : defaults;
    if (!o->max_depth)
        o->max_depth = AVILA_JSON_DEFAULT_MAX_DEPTH;
    if (!o->max_size)
        o->max_size = AVILA_JSON_DEFAULT_MAX_SIZE;
    if (!o->max_string_len)
        o->max_string_len = AVILA_JSON_DEFAULT_MAX_STRING_LEN;
    if (!o->max_number_len)
        o->max_number_len = AVILA_JSON_DEFAULT_MAX_NUMBER_LEN;
    if (o->max_depth > AVILA_JSON_MAX_DEPTH_LIMIT || o->max_size > max_size_limit ||
        o->max_number_len > AVILA_JSON_MAX_NUMBER_LIMIT)
        return AVILA_EINVAL;
    if ((unsigned)o->dup_keys > AVILA_JSON_DUP_LAST ||
        (unsigned)o->lone_surrogates > AVILA_JSON_SURROGATE_REPLACE ||
        (unsigned)o->big_numbers > AVILA_JSON_BIG_DOUBLE)
        return AVILA_EINVAL;
    return 0;
}

static void set_error(struct avila_json_error *err, const uint8_t *text, size_t offset,
                      const char *reason)
{
    if (!err)
        return;
    size_t line = 1, line_start = 0;
    for (size_t i = 0; i < offset; i++) {
        if (text[i] == '\n') {
            line++;
            line_start = i + 1;
        }
    }
    err->offset = offset;
    err->line = line;
    err->column = offset - line_start + 1;
    err->reason = reason;
}

static void free_parser(struct parser *ps)
{
    const struct avila_allocator *a = ps->a;
    avila_free(a, ps->stack, ps->stack_cap * sizeof(uint32_t), _Alignof(uint32_t));
    avila_free(a, ps->members, ps->members_cap * sizeof(uint32_t), _Alignof(uint32_t));
    avila_free(a, ps->scratch, 2 * ps->scratch_cap * sizeof(struct member),
               _Alignof(struct member));
    avila_free(a, ps->table, ps->table_cap * sizeof(uint32_t), _Alignof(uint32_t));
    avila_free(a, ps->shapes, SHAPE_SLOTS * sizeof(struct shape), _Alignof(struct shape));
}

int avila_json_parse(struct avila_json_doc *doc, const void *text, size_t len,
                     const struct avila_json_options *opt, const struct avila_allocator *a,
                     struct avila_json_error *err)
{
    return avila_json_parse_path(doc, text, len, opt, a, err, AVILA_JSON_PATH_AUTO);
}

int avila_json_parse_path(struct avila_json_doc *doc, const void *text, size_t len,
                          const struct avila_json_options *opt, const struct avila_allocator *a,
                          struct avila_json_error *err, enum avila_json_path path)
{
    struct parser ps;
    int rc;
    memset(&ps, 0, sizeof ps);
    if (doc)
        memset(doc, 0, sizeof *doc);
    if (!doc || !a || (!text && len > 0)) {
        set_error(err, NULL, 0, "invalid argument");
        return AVILA_EINVAL;
    }
    if (avila_json_resolve_options(&ps.opt, opt, AVILA_JSON_MAX_SIZE_LIMIT) != 0) {
        set_error(err, NULL, 0, "option out of range");
        return AVILA_EINVAL;
    }
    if (len > ps.opt.max_size) {
        set_error(err, NULL, 0, "document larger than max_size");
        return AVILA_ELIMIT;
    }
    ps.text = text ? text : (const uint8_t *)"";
    ps.end = ps.text + len;
    ps.a = a;
    ps.scan = avila_json_scan_pick(NULL);
    /* Every open container takes at least one byte of input. */
    ps.stack_cap = (ps.opt.max_depth < len ? ps.opt.max_depth : len) + 1;
    ps.stack = avila_alloc(a, ps.stack_cap * sizeof(uint32_t), _Alignof(uint32_t));
    if (!ps.stack) {
        ps.stack_cap = 0;
        set_error(err, NULL, 0, "out of memory");
        return AVILA_ENOMEM;
    }
    /*
     * The keys' first room before the nodes: in an arena the node array is
     * then the newest block, which grows in place instead of being copied.
     */
    rc = len >= 4096 ? grow_members(&ps) : 0;
    if (rc == 0)
        rc = grow_nodes(&ps, estimate_nodes(len));
    if (rc == 0 && try_indexed(&ps, path) != 0)
        rc = parse(&ps);
    free_parser(&ps);
    if (rc != 0) {
        if (rc == AVILA_ENOMEM && !ps.reason)
            ps.reason = "out of memory";
        set_error(err, ps.text, ps.err_at ? (size_t)(ps.err_at - ps.text) : 0, ps.reason);
        avila_free(a, ps.nodes, ps.cap * sizeof(struct avila_json_node),
                   _Alignof(struct avila_json_node));
        avila_free(a, ps.strings, ps.strings_cap, 1);
        return rc;
    }
    doc->nodes = ps.nodes;
    doc->count = ps.count;
    doc->capacity = ps.cap;
    doc->strings = ps.strings;
    doc->strings_cap = ps.strings_cap;
    doc->text = ps.text;
    doc->len = len;
    doc->alloc = a;
    return 0;
}

void avila_json_doc_release(struct avila_json_doc *doc)
{
    if (!doc || !doc->alloc)
        return;
    avila_free(doc->alloc, doc->nodes, doc->capacity * sizeof(struct avila_json_node),
               _Alignof(struct avila_json_node));
    avila_free(doc->alloc, doc->strings, doc->strings_cap, 1);
    memset(doc, 0, sizeof *doc);
}

/* ---------------------------------------------------------------- scan kernels */

size_t avila_json_scan_portable(const uint8_t *s, size_t n, unsigned *high)
{
    const uint64_t ones = 0x0101010101010101u, tops = 0x8080808080808080u;
    uint64_t seen = 0;
    size_t i = 0;
    for (; n - i >= 8; i += 8) {
        uint64_t w = avila_load_le64(s + i);
        uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
        /* A zero byte of q or b, or a byte of w below 0x20 (exact up to the first hit). */
        uint64_t hit = ((q - ones) & ~q) | ((b - ones) & ~b) | ((w - ones * 0x20) & ~w);
        seen |= w;
        hit &= tops;
        if (hit) {
            i += (size_t)__builtin_ctzll(hit) / 8;
            if (seen & tops)
                *high = 1;
            return i;
        }
    }
    if (seen & tops)
        *high = 1;
    for (; i < n; i++) {
        uint8_t c = s[i];
        if (c == '"' || c == '\\' || c < 0x20)
            return i;
        if (c >= 0x80)
            *high = 1;
    }
    return n;
}

avila_json_scan_fn avila_json_scan_pick(const char **name)
{
    const char *impl = "portable";
    avila_json_scan_fn fn = avila_json_scan_portable;
#if AVILA_X86_64
    uint32_t f = avila_cpu_features();
    if (f & AVILA_CPU_AVX512BW) {
        impl = "avx512";
        fn = avila_json_scan_avx512;
    } else if (f & AVILA_CPU_AVX2) {
        impl = "avx2";
        fn = avila_json_scan_avx2;
    }
#endif
    if (name)
        *name = impl;
    return fn;
}
