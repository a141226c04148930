/*
 * data/json_doc.c - reading a parsed document (data/json.h): types, values,
 * array index, member lookup, iteration and deep equality. Handles point
 * into the node array; containers know their subtree's size, so every step
 * over a value is O(1). Pure.
 */
#include "core/error.h"
#include "core/fpconv.h"
#include "data/json.h"
#include "data/json_int.h"

const struct avila_json_node *avila_json_root(const struct avila_json_doc *doc)
{
    return doc && doc->count ? doc->nodes : NULL;
}

size_t avila_json_doc_bytes(const struct avila_json_doc *doc)
{
    return doc->capacity * sizeof(struct avila_json_node) + doc->strings_cap;
}

enum avila_json_type avila_json_type(const struct avila_json_node *v)
{
    static const uint8_t types[16] = {
        [JSON_K_NULL] = AVILA_JSON_NULL,      [JSON_K_FALSE] = AVILA_JSON_BOOL,
        [JSON_K_TRUE] = AVILA_JSON_BOOL,      [JSON_K_INT] = AVILA_JSON_INT,
        [JSON_K_UINT] = AVILA_JSON_UINT,      [JSON_K_DOUBLE] = AVILA_JSON_DOUBLE,
        [JSON_K_BIGNUM] = AVILA_JSON_BIGNUM,  [JSON_K_STRING] = AVILA_JSON_STRING,
        [JSON_K_ARRAY] = AVILA_JSON_ARRAY,    [JSON_K_OBJECT] = AVILA_JSON_OBJECT,
        [JSON_K_DELETED] = AVILA_JSON_STRING,
    };
    return (enum avila_json_type)types[JSON_KIND(v)];
}

bool avila_json_is_null(const struct avila_json_node *v)
{
    return JSON_KIND(v) == JSON_K_NULL;
}

bool avila_json_bool(const struct avila_json_node *v)
{
    return JSON_KIND(v) == JSON_K_TRUE;
}

static bool is_number(unsigned k)
{
    return k >= JSON_K_INT && k <= JSON_K_BIGNUM;
}

int avila_json_int64(const struct avila_json_node *v, int64_t *out)
{
    switch (JSON_KIND(v)) {
    case JSON_K_INT:
        *out = v->v.i;
        return 0;
    case JSON_K_UINT:
    case JSON_K_BIGNUM: /* an integer beyond 64 bits, or a literal beyond the doubles */
        return AVILA_ERANGE;
    default:
        return AVILA_EINVAL;
    }
}

int avila_json_uint64(const struct avila_json_node *v, uint64_t *out)
{
    switch (JSON_KIND(v)) {
    case JSON_K_INT:
        if (v->v.i < 0)
            return AVILA_ERANGE;
        *out = (uint64_t)v->v.i;
        return 0;
    case JSON_K_UINT:
        *out = v->v.u;
        return 0;
    case JSON_K_BIGNUM:
        return AVILA_ERANGE;
    default:
        return AVILA_EINVAL;
    }
}

int avila_json_double(const struct avila_json_node *v, double *out)
{
    switch (JSON_KIND(v)) {
    case JSON_K_INT:
        *out = (double)v->v.i;
        return 0;
    case JSON_K_UINT:
        *out = (double)v->v.u;
        return 0;
    case JSON_K_DOUBLE:
        *out = v->v.d;
        return 0;
    case JSON_K_BIGNUM: {
        int overflow = 0;
        if (avila_fp_parse((const char *)v->v.s, JSON_NUM_TEXT_LEN(v), out, &overflow) != 0)
            return AVILA_EINVAL;
        return overflow ? AVILA_ERANGE : 0;
    }
    default:
        return AVILA_EINVAL;
    }
}

const char *avila_json_number_text(const struct avila_json_doc *doc,
                                   const struct avila_json_node *v, size_t *len)
{
    if (!is_number(JSON_KIND(v))) {
        *len = 0;
        return NULL;
    }
    *len = JSON_NUM_TEXT_LEN(v);
    return (const char *)doc->text + v->n;
}

const char *avila_json_string(const struct avila_json_node *v, size_t *len)
{
    unsigned k = JSON_KIND(v);
    if (k != JSON_K_STRING && k != JSON_K_DELETED) {
        *len = 0;
        return NULL;
    }
    *len = v->n;
    return (const char *)v->v.s;
}

size_t avila_json_size(const struct avila_json_node *v)
{
    unsigned k = JSON_KIND(v);
    return k == JSON_K_ARRAY || k == JSON_K_OBJECT ? v->n : 0;
}

const struct avila_json_node *avila_json_array_get(const struct avila_json_node *v, size_t i)
{
    if (JSON_KIND(v) != JSON_K_ARRAY || i >= v->n)
        return NULL;
    const struct avila_json_node *e = v + 1;
    while (i--)
        e += avila_json_span(e);
    return e;
}

const struct avila_json_node *avila_json_object_get(const struct avila_json_node *v,
                                                    const void *key, size_t klen)
{
    if (JSON_KIND(v) != JSON_K_OBJECT)
        return NULL;
    const struct avila_json_node *k = v + 1, *end = v + JSON_SKIP(v);
    while (k < end) {
        if (JSON_KIND(k) == JSON_K_STRING && k->n == klen && memcmp(k->v.s, key, klen) == 0)
            return k + 1;
        k += 1 + avila_json_span(k + 1);
    }
    return NULL;
}

void avila_json_iter_init(struct avila_json_iter *it, const struct avila_json_node *container)
{
    unsigned k = JSON_KIND(container);
    it->object = k == JSON_K_OBJECT;
    if (k == JSON_K_ARRAY || k == JSON_K_OBJECT) {
        it->cur = container + 1;
        it->end = container + JSON_SKIP(container);
    } else {
        it->cur = it->end = container;
    }
}

bool avila_json_iter_next(struct avila_json_iter *it, const struct avila_json_node **key,
                          const struct avila_json_node **value)
{
    if (!it->object) {
        if (it->cur >= it->end)
            return false;
        if (key)
            *key = NULL;
        *value = it->cur;
        it->cur += avila_json_span(it->cur);
        return true;
    }
    /* Members dropped by a duplicate-key policy are skipped. */
    while (it->cur < it->end) {
        const struct avila_json_node *k = it->cur;
        it->cur = k + 1 + avila_json_span(k + 1);
        if (JSON_KIND(k) == JSON_K_STRING) {
            if (key)
                *key = k;
            *value = k + 1;
            return true;
        }
    }
    return false;
}

/* ---------------------------------------------------------------- equality */

/* True if the double d equals the integer (sign ? -mag : mag) exactly. */
static bool double_is_int(double d, bool negative, uint64_t mag)
{
    if (d != d)
        return false;
    if (negative ? !(d <= 0) : !(d >= 0))
        return false;
    double a = negative ? -d : d;
    if (!(a < 18446744073709551616.0))
        return false;
    uint64_t u = (uint64_t)a;
    return (double)u == a && u == mag;
}

/* Equality of two scalars (neither is a container). */
static bool scalar_equal(const struct avila_json_node *a, const struct avila_json_node *b)
{
    unsigned ka = JSON_KIND(a), kb = JSON_KIND(b);
    if (ka == JSON_K_DELETED)
        ka = JSON_K_STRING;
    if (kb == JSON_K_DELETED)
        kb = JSON_K_STRING;
    if (ka > kb) {
        const struct avila_json_node *t = a;
        unsigned kt = ka;
        a = b, ka = kb;
        b = t, kb = kt;
    }
    switch (ka) {
    case JSON_K_NULL:
    case JSON_K_FALSE:
    case JSON_K_TRUE:
        return ka == kb;
    case JSON_K_INT:
        if (kb == JSON_K_INT)
            return a->v.i == b->v.i;
        if (kb == JSON_K_DOUBLE)
            return double_is_int(b->v.d, a->v.i < 0,
                                 a->v.i < 0 ? 0 - (uint64_t)a->v.i : (uint64_t)a->v.i);
        return false; /* UINT is above every INT; BIGNUM never equals */
    case JSON_K_UINT:
        if (kb == JSON_K_UINT)
            return a->v.u == b->v.u;
        if (kb == JSON_K_DOUBLE)
            return double_is_int(b->v.d, false, a->v.u);
        return false;
    case JSON_K_DOUBLE:
        return kb == JSON_K_DOUBLE && a->v.d == b->v.d;
    case JSON_K_BIGNUM:
        return kb == JSON_K_BIGNUM && JSON_NUM_TEXT_LEN(a) == JSON_NUM_TEXT_LEN(b) &&
               memcmp(a->v.s, b->v.s, JSON_NUM_TEXT_LEN(a)) == 0;
    case JSON_K_STRING:
        return kb == JSON_K_STRING && a->n == b->n && memcmp(a->v.s, b->v.s, a->n) == 0;
    default:
        return false;
    }
}

static bool is_container(const struct avila_json_node *v)
{
    unsigned k = JSON_KIND(v);
    return k == JSON_K_ARRAY || k == JSON_K_OBJECT;
}

/*
 * One open pair of containers: a's children are walked in order (it), b's
 * in step (bnext: an array's next element, an object's next member key).
 * An object member of a whose key is not b's next one is looked up in b.
 */
struct eq_frame {
    struct avila_json_iter it;
    const struct avila_json_node *b, *bnext;
};

/*
 * The value of b's next member if its key is k (then the cursor moves past
 * it), else NULL. Objects written in the same member order compare in one
 * pass this way; members a duplicate-key policy dropped are skipped.
 */
static const struct avila_json_node *member_in_step(struct eq_frame *f,
                                                    const struct avila_json_node *k)
{
    const struct avila_json_node *bk = f->bnext, *end = f->b + JSON_SKIP(f->b);
    while (bk < end && JSON_KIND(bk) == JSON_K_DELETED)
        bk += 1 + avila_json_span(bk + 1);
    if (bk >= end || bk->n != k->n || memcmp(bk->v.s, k->v.s, k->n) != 0)
        return NULL;
    f->bnext = bk + 1 + avila_json_span(bk + 1);
    return bk + 1;
}

int avila_json_equal(const struct avila_json_node *a, const struct avila_json_node *b)
{
    struct eq_frame stack[AVILA_JSON_EQUAL_MAX_DEPTH];
    size_t depth = 0;
    for (;;) {
        /* Compare a with b; open them if they are containers. */
        if (!is_container(a) || !is_container(b)) {
            if (is_container(a) || is_container(b) || !scalar_equal(a, b))
                return 0;
        } else {
            if (JSON_KIND(a) != JSON_KIND(b) || a->n != b->n)
                return 0;
            if (depth == AVILA_JSON_EQUAL_MAX_DEPTH)
                return AVILA_ELIMIT;
            struct eq_frame *f = &stack[depth++];
            avila_json_iter_init(&f->it, a);
            f->b = b;
            f->bnext = b + 1;
        }
        /* The next pair: the innermost container with children left. */
        for (;;) {
            if (depth == 0)
                return 1;
            struct eq_frame *f = &stack[depth - 1];
            const struct avila_json_node *k, *va;
            if (!avila_json_iter_next(&f->it, &k, &va)) {
                depth--;
                continue;
            }
            a = va;
            if (k) {
                b = member_in_step(f, k);
                if (!b)
                    b = avila_json_object_get(f->b, k->v.s, k->n);
                if (!b)
                    return 0;
            } else {
                b = f->bnext;
                f->bnext += avila_json_span(b);
            }
            break;
        }
    }
}
