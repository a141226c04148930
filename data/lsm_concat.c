/*
 * data/lsm_concat.c - the concatenating iterator (data/lsm_concat.h).
 * Pure.
 */
#include "data/lsm_concat.h"

#include "data/lsm_format.h"

void avila_lsm_concat_init(struct avila_lsm_concat *c, const struct avila_lsm_iter *children,
                           const struct avila_slice *largest, size_t n)
{
    c->children = children;
    c->largest = largest;
    c->n = n;
    c->cur = n;
    c->status = 0;
}

static int fail(struct avila_lsm_concat *c, int rc)
{
    c->status = rc;
    c->cur = c->n;
    return rc;
}

/*
 * Child i has just moved (result rc) forward, or backward: stays there if
 * it is on an entry, else goes on to the first entry of the children
 * after it (the last of those before it).
 */
static int settle(struct avila_lsm_concat *c, size_t i, int rc, bool forward)
{
    for (;;) {
        const struct avila_lsm_iter *ch = &c->children[i];
        if (rc == 0 && !avila_lsm_iter_valid(ch))
            rc = avila_lsm_iter_status(ch);
        if (rc != 0)
            return fail(c, rc);
        if (avila_lsm_iter_valid(ch)) {
            c->cur = i;
            return 0;
        }
        if (forward ? ++i == c->n : i-- == 0) {
            c->cur = c->n;
            return 0;
        }
        rc = forward ? avila_lsm_iter_seek_first(&c->children[i])
                     : avila_lsm_iter_seek_last(&c->children[i]);
    }
}

static int concat_seek(void *self, struct avila_slice ikey)
{
    struct avila_lsm_concat *c = self;
    c->status = 0;
    /* The first child whose largest key is at or after ikey: the only one that can hold it. */
    size_t lo = 0, hi = c->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (avila_lsm_ikey_cmp(c->largest[mid], ikey) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == c->n) {
        c->cur = c->n;
        return 0;
    }
    return settle(c, lo, avila_lsm_iter_seek(&c->children[lo], ikey), true);
}

static int concat_seek_first(void *self)
{
    struct avila_lsm_concat *c = self;
    c->status = 0;
    c->cur = c->n;
    if (c->n == 0)
        return 0;
    return settle(c, 0, avila_lsm_iter_seek_first(&c->children[0]), true);
}

static int concat_seek_last(void *self)
{
    struct avila_lsm_concat *c = self;
    c->status = 0;
    c->cur = c->n;
    if (c->n == 0)
        return 0;
    return settle(c, c->n - 1, avila_lsm_iter_seek_last(&c->children[c->n - 1]), false);
}

static int concat_next(void *self)
{
    struct avila_lsm_concat *c = self;
    return settle(c, c->cur, avila_lsm_iter_next(&c->children[c->cur]), true);
}

static int concat_prev(void *self)
{
    struct avila_lsm_concat *c = self;
    return settle(c, c->cur, avila_lsm_iter_prev(&c->children[c->cur]), false);
}

static bool concat_valid(const void *self)
{
    const struct avila_lsm_concat *c = self;
    return c->cur < c->n;
}

static struct avila_slice concat_key(const void *self)
{
    const struct avila_lsm_concat *c = self;
    return avila_lsm_iter_key(&c->children[c->cur]);
}

static struct avila_slice concat_value(const void *self)
{
    const struct avila_lsm_concat *c = self;
    return avila_lsm_iter_value(&c->children[c->cur]);
}

static int concat_status(const void *self)
{
    const struct avila_lsm_concat *c = self;
    return c->status;
}

static const struct avila_lsm_iter_ops concat_ops = {
    .seek = concat_seek,
    .seek_first = concat_seek_first,
    .seek_last = concat_seek_last,
    .next = concat_next,
    .prev = concat_prev,
    .valid = concat_valid,
    .key = concat_key,
    .value = concat_value,
    .status = concat_status,
};

void avila_lsm_concat_as(struct avila_lsm_concat *c, struct avila_lsm_iter *out)
{
    out->ops = &concat_ops;
    out->self = c;
}
