/*
 * data/json_write_doc.c - a parsed document (data/json.h) written through
 * the writer (data/json_write.h): the serializer behind `avila json fmt`,
 * `get` and `canon`.
 *
 * Outside canonical mode the writer walks the document's nodes in one pass
 * (avila_json_write_nodes). In canonical mode (RFC 8785) each object's
 * members are sorted by avila_json_jcs_key_cmp before they are written: the
 * walk here keeps an explicit stack of open containers (one frame per
 * level, allocated once for the writer's max_depth, so hostile nesting
 * costs heap, not C stack) and a member array per open object, taken from
 * the allocator and given back when the object closes. Pure.
 */
#include "data/json_write.h"

#include "core/error.h"
#include "data/json_write_int.h"

/* One open container: an array's in-order iteration, or an object's sorted members. */
struct frame {
    struct avila_json_iter it;
    const struct avila_json_node **sorted; /* canonical objects: key, value pairs */
    size_t cap;                            /* the members sorted was allocated for */
    size_t count, next;                    /* members in sorted, and the next one */
};

static int key_less(const struct avila_json_node *a, const struct avila_json_node *b)
{
    size_t alen, blen;
    const char *as = avila_json_string(a, &alen), *bs = avila_json_string(b, &blen);
    return avila_json_jcs_key_cmp(as, alen, bs, blen) < 0;
}

/*
 * Sorts the count (key, value) pairs at p by key, bottom-up merge sort
 * through tmp (same size): O(m log m) whatever the keys.
 */
static void sort_members(const struct avila_json_node **p, const struct avila_json_node **tmp,
                         size_t count)
{
    const struct avila_json_node **src = p, **dst = tmp;
    for (size_t width = 1; width < count; width *= 2) {
        for (size_t lo = 0; lo < count; lo += 2 * width) {
            size_t mid = lo + width < count ? lo + width : count;
            size_t hi = lo + 2 * width < count ? lo + 2 * width : count;
            size_t i = lo, j = mid, o = lo;
            while (i < mid && j < hi) {
                size_t from = key_less(src[2 * j], src[2 * i]) ? j++ : i++;
                dst[2 * o] = src[2 * from];
                dst[2 * o + 1] = src[2 * from + 1];
                o++;
            }
            for (; i < mid; i++, o++) {
                dst[2 * o] = src[2 * i];
                dst[2 * o + 1] = src[2 * i + 1];
            }
            for (; j < hi; j++, o++) {
                dst[2 * o] = src[2 * j];
                dst[2 * o + 1] = src[2 * j + 1];
            }
        }
        const struct avila_json_node **t = src;
        src = dst;
        dst = t;
    }
    if (src != p)
        memcpy(p, src, 2 * count * sizeof(const struct avila_json_node *));
}

/* Bytes of a canonical object's member array (pairs plus the sort's scratch). */
static size_t sorted_bytes(size_t count)
{
    return 4 * count * sizeof(const struct avila_json_node *);
}

/* Opens frame f on container v: an array's iteration, or an object's members sorted. */
static int frame_open(struct frame *f, const struct avila_json_node *v,
                      const struct avila_allocator *a)
{
    avila_json_iter_init(&f->it, v);
    f->sorted = NULL;
    f->cap = f->count = f->next = 0;
    if (avila_json_type(v) != AVILA_JSON_OBJECT)
        return 0;
    size_t count = avila_json_size(v);
    if (count == 0)
        return 0;
    f->sorted = avila_alloc(a, sorted_bytes(count), _Alignof(const struct avila_json_node *));
    if (f->sorted == NULL)
        return AVILA_ENOMEM;
    f->cap = count;
    const struct avila_json_node *k, *val;
    size_t n = 0;
    while (n < count && avila_json_iter_next(&f->it, &k, &val)) {
        f->sorted[2 * n] = k;
        f->sorted[2 * n + 1] = val;
        n++;
    }
    f->count = n;
    sort_members(f->sorted, f->sorted + 2 * count, n);
    return 0;
}

static void frame_close(struct frame *f, const struct avila_allocator *a)
{
    if (f->sorted != NULL)
        avila_free(a, f->sorted, sorted_bytes(f->cap), _Alignof(const struct avila_json_node *));
    f->sorted = NULL;
}

/* The next member of f's container (key NULL for arrays); false at its end. */
static bool frame_next(struct frame *f, const struct avila_json_node **key,
                       const struct avila_json_node **value)
{
    if (f->sorted == NULL)
        return avila_json_iter_next(&f->it, key, value);
    if (f->next == f->count)
        return false;
    *key = f->sorted[2 * f->next];
    *value = f->sorted[2 * f->next + 1];
    f->next++;
    return true;
}

/* Writes a scalar value, or opens a container (returning 1). */
static int write_scalar_or_open(struct avila_json_writer *w, const struct avila_json_doc *doc,
                                const struct avila_json_node *v)
{
    size_t len;
    const char *s;
    int64_t i;
    uint64_t u;
    double d;
    switch (avila_json_type(v)) {
    case AVILA_JSON_NULL:
        return avila_json_write_null(w);
    case AVILA_JSON_BOOL:
        return avila_json_write_bool(w, avila_json_bool(v));
    case AVILA_JSON_INT:
        (void)avila_json_int64(v, &i);
        return avila_json_write_int64(w, i);
    case AVILA_JSON_UINT:
        (void)avila_json_uint64(v, &u);
        return avila_json_write_uint64(w, u);
    case AVILA_JSON_DOUBLE:
        (void)avila_json_double(v, &d);
        return avila_json_write_double(w, d);
    case AVILA_JSON_BIGNUM:
        s = avila_json_number_text(doc, v, &len);
        return avila_json_write_number_text(w, s, len);
    case AVILA_JSON_STRING:
        s = avila_json_string(v, &len);
        return avila_json_write_string(w, s, len);
    case AVILA_JSON_ARRAY: {
        int rc = avila_json_write_array_begin(w);
        return rc != 0 ? rc : 1;
    }
    case AVILA_JSON_OBJECT: {
        int rc = avila_json_write_object_begin(w);
        return rc != 0 ? rc : 1;
    }
    }
    return AVILA_EINVAL;
}

int avila_json_write_value(struct avila_json_writer *w, const struct avila_json_doc *doc,
                           const struct avila_json_node *v, const struct avila_allocator *a)
{
    if (w == NULL || doc == NULL || v == NULL || a == NULL)
        return AVILA_EINVAL;
    if (!(w->flags & AVILA_JSON_WRITE_CANONICAL)) {
        typedef const struct avila_json_node *node_ptr;
        node_ptr *ends = avila_alloc_array(a, w->max_depth, sizeof(node_ptr), _Alignof(node_ptr));
        if (ends == NULL)
            return AVILA_ENOMEM;
        int rc = avila_json_write_nodes(w, doc, v, ends);
        avila_free(a, ends, w->max_depth * sizeof(node_ptr), _Alignof(node_ptr));
        return rc;
    }
    int rc = write_scalar_or_open(w, doc, v);
    if (rc <= 0)
        return rc;
    /* The writer refuses to nest deeper than its max_depth, so that many frames suffice. */
    const size_t max = w->max_depth;
    struct frame *stack = avila_alloc_array(a, max, sizeof *stack, _Alignof(struct frame));
    if (stack == NULL)
        return AVILA_ENOMEM;
    size_t depth = 1;
    rc = frame_open(&stack[0], v, a);
    while (rc == 0 && depth > 0) {
        struct frame *f = &stack[depth - 1];
        const struct avila_json_node *k, *val;
        if (!frame_next(f, &k, &val)) {
            frame_close(f, a);
            rc = f->it.object ? avila_json_write_object_end(w) : avila_json_write_array_end(w);
            depth--;
            continue;
        }
        if (k != NULL) {
            size_t klen;
            const char *ks = avila_json_string(k, &klen);
            rc = avila_json_write_key(w, ks, klen);
            if (rc != 0)
                break;
        }
        rc = write_scalar_or_open(w, doc, val);
        if (rc == 1) /* opened, so the writer's depth (and ours) is still within max */
            rc = frame_open(&stack[depth++], val, a);
    }
    while (depth > 0)
        frame_close(&stack[--depth], a);
    avila_free(a, stack, max * sizeof *stack, _Alignof(struct frame));
    return rc;
}
