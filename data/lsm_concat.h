/*
 * data/lsm_concat.h - the concatenating iterator of the LSM store: one
 * internal iterator (data/lsm_iter.h) over children that hold disjoint,
 * ascending key ranges - the tables of one level below L0 - walked one
 * after another. Pure (core only).
 *
 * Why. A level's tables never overlap, so at any moment only one of them
 * can hold the next entry. As one child of a merge (data/lsm_merge.h) a
 * level costs one seek and one heap slot instead of one per table: a seek
 * binary-searches the tables' largest keys and seeks in one table, as
 * LevelDB's level iterator does.
 *
 * The caller hands, with each child, the largest internal key it may hold
 * (a table's largest key from the MANIFEST). Children MUST be in
 * ascending order with every key of child i below every key of child
 * i + 1 and at or below largest[i]; a child may hold no entry at all (a
 * table of range tombstones only). The arrays are borrowed and MUST
 * outlive the iterator.
 *
 * Errors are the children's: the call that met one returns it, the
 * iterator is not valid, and status returns it until the next seek.
 * Concurrency: none of its own; the caller serialises every call.
 */
#ifndef AVILA_DATA_LSM_CONCAT_H
#define AVILA_DATA_LSM_CONCAT_H

#include <stdbool.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/platform.h"
#include "data/lsm_iter.h"

/* A concatenating iterator. Caller-allocated; fields private. Starts not positioned. */
struct avila_lsm_concat {
    const struct avila_lsm_iter *children;
    const struct avila_slice *largest;
    size_t n;
    size_t cur; /* the child positioned on the current entry; n: none */
    int status;
};

/*
 * Starts a concatenation of children[0 .. n) whose largest internal keys
 * are largest[0 .. n) (see above). n may be 0 (never valid).
 */
void avila_lsm_concat_init(struct avila_lsm_concat *c, const struct avila_lsm_iter *children,
                           const struct avila_slice *largest, size_t n);

/*
 * Fills *out with the lsm_iter.h view of c, the only way to move it (a
 * view: c MUST outlive it).
 */
void avila_lsm_concat_as(struct avila_lsm_concat *c, struct avila_lsm_iter *out);

#endif
