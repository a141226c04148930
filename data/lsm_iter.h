/*
 * data/lsm_iter.h - the internal iterator of the LSM store: one interface
 * over every sorted source of internal entries (a memtable, an SSTable, a
 * merge of several), so that reads, scans and compactions are written once.
 * Pure (core only).
 *
 * An internal iterator walks (internal key, value) entries in internal-key
 * order (data/lsm_format.h): user key ascending, then sequence number
 * descending. It is a function table plus the object it works on, like
 * struct avila_allocator: a view that owns nothing. Each source type offers
 * a function that fills a struct avila_lsm_iter for one of its iterators.
 *
 * Contract every implementation keeps:
 *   - a new iterator is not positioned (not valid) until a seek;
 *   - seek, seek_first and seek_last clear an earlier error;
 *   - next and prev MUST be called only while valid;
 *   - key and value MUST be called only while valid; their bytes stay
 *     valid until the iterator moves or is released;
 *   - an error (AVILA_EFORMAT for damaged data, the VFS's error, ...) is
 *     returned by the call that met it, leaves the iterator not valid, and
 *     status returns it until the next seek. An iterator that is not valid
 *     with status 0 is simply past an end.
 */
#ifndef AVILA_DATA_LSM_ITER_H
#define AVILA_DATA_LSM_ITER_H

#include <stdbool.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/platform.h"

struct avila_lsm_iter_ops {
    /* Moves to the first entry at or after the internal key ikey (borrowed for the call). */
    int (*seek)(void *self, struct avila_slice ikey);
    /* Moves to the first entry (not valid if there is none). */
    int (*seek_first)(void *self);
    /* Moves to the last entry (not valid if there is none). */
    int (*seek_last)(void *self);
    /* Moves to the next entry (not valid after the last). */
    int (*next)(void *self);
    /* Moves to the previous entry (not valid before the first). */
    int (*prev)(void *self);
    /* True if positioned on an entry. */
    bool (*valid)(const void *self);
    /* The current internal key and value. */
    struct avila_slice (*key)(const void *self);
    struct avila_slice (*value)(const void *self);
    /* The error that stopped the iterator, or 0. */
    int (*status)(const void *self);
};

/* An internal iterator: the operations and the object they act on. */
struct avila_lsm_iter {
    const struct avila_lsm_iter_ops *ops;
    void *self;
};

static inline int avila_lsm_iter_seek(const struct avila_lsm_iter *it, struct avila_slice ikey)
{
    return it->ops->seek(it->self, ikey);
}

static inline int avila_lsm_iter_seek_first(const struct avila_lsm_iter *it)
{
    return it->ops->seek_first(it->self);
}

static inline int avila_lsm_iter_seek_last(const struct avila_lsm_iter *it)
{
    return it->ops->seek_last(it->self);
}

static inline int avila_lsm_iter_next(const struct avila_lsm_iter *it)
{
    return it->ops->next(it->self);
}

static inline int avila_lsm_iter_prev(const struct avila_lsm_iter *it)
{
    return it->ops->prev(it->self);
}

static inline bool avila_lsm_iter_valid(const struct avila_lsm_iter *it)
{
    return it->ops->valid(it->self);
}

static inline struct avila_slice avila_lsm_iter_key(const struct avila_lsm_iter *it)
{
    return it->ops->key(it->self);
}

static inline struct avila_slice avila_lsm_iter_value(const struct avila_lsm_iter *it)
{
    return it->ops->value(it->self);
}

static inline int avila_lsm_iter_status(const struct avila_lsm_iter *it)
{
    return it->ops->status(it->self);
}

#endif
