/*
 * data/lsm_merge.c - the merging iterator (see lsm_merge.h): a binary heap
 * of the valid children ordered by (key, child index) in the direction of
 * travel, rebuilt from fresh child positions on a direction switch.
 */
#include "data/lsm_merge.h"

#include "data/lsm_format.h"

typedef struct avila_lsm_merge_slot slot;

int avila_lsm_merge_init(struct avila_lsm_merge *m, const struct avila_lsm_iter *children, size_t n,
                         struct avila_lsm_merge_slot *work, size_t work_len)
{
    *m = (struct avila_lsm_merge){0};
    if (n > AVILA_LSM_MERGE_MAX_CHILDREN || (n > 0 && (children == NULL || work == NULL)) ||
        work_len < AVILA_LSM_MERGE_WORK_LEN(n))
        return AVILA_EINVAL;
    m->children = children;
    m->n = n;
    m->heap = work;
    return 0;
}

/* True if slot a comes before slot b in the current direction. */
static bool before(const struct avila_lsm_merge *m, const slot *a, const slot *b)
{
    int c = avila_lsm_ikey_cmp(a->key, b->key);
    if (c == 0)
        c = a->child < b->child ? -1 : 1;
    return m->backward ? c > 0 : c < 0;
}

static void sift_down(struct avila_lsm_merge *m, size_t i)
{
    slot *h = m->heap;
    size_t n = m->heap_len;
    slot x = h[i];
    for (;;) {
        size_t l = 2 * i + 1;
        if (l >= n)
            break;
        size_t best = l;
        if (l + 1 < n && before(m, &h[l + 1], &h[l]))
            best = l + 1;
        if (!before(m, &h[best], &x))
            break;
        h[i] = h[best];
        i = best;
    }
    h[i] = x;
}

static void heapify(struct avila_lsm_merge *m)
{
    for (size_t i = m->heap_len / 2; i-- > 0;)
        sift_down(m, i);
}

static int fail(struct avila_lsm_merge *m, int rc)
{
    m->status = rc;
    m->heap_len = 0;
    return rc;
}

/*
 * After child i moved with result rc: 1 if it is valid (s gets its key),
 * 0 if it is past an end, or a negative error.
 */
static int load(const struct avila_lsm_merge *m, size_t i, int rc, slot *s)
{
    const struct avila_lsm_iter *c = &m->children[i];
    if (rc < 0)
        return rc;
    if (!avila_lsm_iter_valid(c)) {
        rc = avila_lsm_iter_status(c);
        return rc < 0 ? rc : 0;
    }
    s->key = avila_lsm_iter_key(c);
    s->child = i;
    return s->key.len < AVILA_LSM_TRAILER_LEN ? AVILA_EFORMAT : 1;
}

/* Pushes child i (just moved with result rc) unheaped; returns 0 or an error. */
static int push_loaded(struct avila_lsm_merge *m, size_t i, int rc)
{
    slot s;
    int r = load(m, i, rc, &s);
    if (r < 0)
        return r;
    if (r == 1)
        m->heap[m->heap_len++] = s;
    return 0;
}

enum seek_kind { SEEK_KEY, SEEK_FIRST, SEEK_LAST };

static int seek_all(struct avila_lsm_merge *m, enum seek_kind kind, struct avila_slice ikey)
{
    m->status = 0;
    m->heap_len = 0;
    m->backward = kind == SEEK_LAST;
    for (size_t i = 0; i < m->n; i++) {
        const struct avila_lsm_iter *c = &m->children[i];
        int rc = kind == SEEK_KEY     ? avila_lsm_iter_seek(c, ikey)
                 : kind == SEEK_FIRST ? avila_lsm_iter_seek_first(c)
                                      : avila_lsm_iter_seek_last(c);
        rc = push_loaded(m, i, rc);
        if (rc < 0)
            return fail(m, rc);
    }
    heapify(m);
    return 0;
}

int avila_lsm_merge_seek(struct avila_lsm_merge *m, struct avila_slice ikey)
{
    if (ikey.len < AVILA_LSM_TRAILER_LEN) {
        m->heap_len = 0;
        return AVILA_EINVAL;
    }
    return seek_all(m, SEEK_KEY, ikey);
}

int avila_lsm_merge_seek_first(struct avila_lsm_merge *m)
{
    return seek_all(m, SEEK_FIRST, avila_slice_make(NULL, 0));
}

int avila_lsm_merge_seek_last(struct avila_lsm_merge *m)
{
    return seek_all(m, SEEK_LAST, avila_slice_make(NULL, 0));
}

/* Moves the top child one step (forward or back) and restores the heap. */
static int step_top(struct avila_lsm_merge *m, bool forward)
{
    const struct avila_lsm_iter *c = &m->children[m->heap[0].child];
    int rc = forward ? avila_lsm_iter_next(c) : avila_lsm_iter_prev(c);
    slot s;
    int r = load(m, m->heap[0].child, rc, &s);
    if (r < 0)
        return fail(m, r);
    if (r == 1)
        m->heap[0] = s;
    else
        m->heap[0] = m->heap[--m->heap_len];
    if (m->heap_len > 1)
        sift_down(m, 0);
    return 0;
}

/*
 * Turns the merge around at the current entry (key k of child cur): every
 * other child goes to its nearest entry beyond (k, cur) in the new
 * direction, then cur steps off k, and the heap is rebuilt in the new order.
 */
static int turn(struct avila_lsm_merge *m, bool to_forward)
{
    size_t cur = m->heap[0].child;
    struct avila_slice k = m->heap[0].key; /* cur's bytes: cur moves last */
    m->heap_len = 0;
    for (size_t i = 0; i < m->n; i++) {
        if (i == cur)
            continue;
        const struct avila_lsm_iter *c = &m->children[i];
        slot s;
        int r = load(m, i, avila_lsm_iter_seek(c, k), &s);
        if (r < 0)
            return fail(m, r);
        /* Now at the first entry >= k. An equal key belongs before (k, cur) when i < cur. */
        bool at_k = r == 1 && avila_lsm_ikey_cmp(s.key, k) == 0;
        if (to_forward) {
            if (at_k && i < cur)
                r = load(m, i, avila_lsm_iter_next(c), &s);
        } else if (r == 0) {
            r = load(m, i, avila_lsm_iter_seek_last(c), &s);
        } else if (!(at_k && i < cur)) {
            r = load(m, i, avila_lsm_iter_prev(c), &s);
        }
        if (r < 0)
            return fail(m, r);
        if (r == 1)
            m->heap[m->heap_len++] = s;
    }
    const struct avila_lsm_iter *c = &m->children[cur];
    int rc = push_loaded(m, cur, to_forward ? avila_lsm_iter_next(c) : avila_lsm_iter_prev(c));
    if (rc < 0)
        return fail(m, rc);
    m->backward = !to_forward;
    heapify(m);
    return 0;
}

int avila_lsm_merge_next(struct avila_lsm_merge *m)
{
    if (m->heap_len == 0)
        return m->status;
    if (m->backward)
        return turn(m, true);
    return step_top(m, true);
}

int avila_lsm_merge_prev(struct avila_lsm_merge *m)
{
    if (m->heap_len == 0)
        return m->status;
    if (!m->backward)
        return turn(m, false);
    return step_top(m, false);
}

bool avila_lsm_merge_valid(const struct avila_lsm_merge *m)
{
    return m->heap_len > 0;
}

struct avila_slice avila_lsm_merge_key(const struct avila_lsm_merge *m)
{
    return m->heap[0].key;
}

struct avila_slice avila_lsm_merge_value(const struct avila_lsm_merge *m)
{
    return avila_lsm_iter_value(&m->children[m->heap[0].child]);
}

size_t avila_lsm_merge_child(const struct avila_lsm_merge *m)
{
    return m->heap[0].child;
}

int avila_lsm_merge_status(const struct avila_lsm_merge *m)
{
    return m->status;
}

/* ---------------------------------------------------------------- lsm_iter adapter */

static int ops_seek(void *self, struct avila_slice ikey)
{
    return avila_lsm_merge_seek(self, ikey);
}

static int ops_seek_first(void *self)
{
    return avila_lsm_merge_seek_first(self);
}

static int ops_seek_last(void *self)
{
    return avila_lsm_merge_seek_last(self);
}

static int ops_next(void *self)
{
    return avila_lsm_merge_next(self);
}

static int ops_prev(void *self)
{
    return avila_lsm_merge_prev(self);
}

static bool ops_valid(const void *self)
{
    return avila_lsm_merge_valid(self);
}

static struct avila_slice ops_key(const void *self)
{
    return avila_lsm_merge_key(self);
}

static struct avila_slice ops_value(const void *self)
{
    return avila_lsm_merge_value(self);
}

static int ops_status(const void *self)
{
    return avila_lsm_merge_status(self);
}

static const struct avila_lsm_iter_ops merge_ops = {
    .seek = ops_seek,
    .seek_first = ops_seek_first,
    .seek_last = ops_seek_last,
    .next = ops_next,
    .prev = ops_prev,
    .valid = ops_valid,
    .key = ops_key,
    .value = ops_value,
    .status = ops_status,
};

void avila_lsm_merge_as(struct avila_lsm_merge *m, struct avila_lsm_iter *out)
{
    out->ops = &merge_ops;
    out->self = m;
}
