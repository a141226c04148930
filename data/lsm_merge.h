/*
 * data/lsm_merge.h - the merging iterator of the LSM store: one internal
 * iterator (data/lsm_iter.h) over N sorted children (memtables, SSTables,
 * other merges), yielding the union of their entries in internal-key order
 * (data/lsm_format.h), in both directions. Pure (core only).
 *
 * A binary heap of the valid children, keyed by (current internal key,
 * child index): a min-heap while moving forward, a max-heap while moving
 * backward. The child index breaks ties: two children holding the same
 * internal key cannot happen in a well-formed store, but if it does the
 * entries come out in child order (lower index first going forward, last
 * going backward), every entry once, never a loop. (A merge with such ties
 * is not strictly sorted, so as the child of another merge it may repeat or
 * skip a tied entry on a direction switch; every child MUST be strictly
 * increasing for exact results.) Each step costs
 * O(log N) key comparisons plus one child step; a direction switch
 * repositions every child (one seek each), as LevelDB's merging iterator
 * does: on a turn backward every other child goes to its last entry before
 * the current one, on a turn forward to its first entry after it.
 *
 * Memory. The merge allocates nothing: the caller hands a work area of
 * AVILA_LSM_MERGE_WORK_LEN(n) slots (struct avila_lsm_merge_slot), e.g. on
 * the stack for small n or from its allocator, which MUST outlive the
 * merge. The children are borrowed too (the array and what it points to).
 *
 * Errors. A child's error (its return code or its status after a move)
 * stops the merge: the call that met it returns it, the merge is not valid
 * and status returns it until the next seek. A child key shorter than
 * AVILA_LSM_TRAILER_LEN is AVILA_EFORMAT.
 *
 * Concurrency: none of its own. The caller serialises every call on one
 * merge; the children's own rules apply (a memtable child may be read while
 * its writer adds).
 */
#ifndef AVILA_DATA_LSM_MERGE_H
#define AVILA_DATA_LSM_MERGE_H

#include <stdbool.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/platform.h"
#include "data/lsm_iter.h"

/* Largest number of children one merge takes. */
#define AVILA_LSM_MERGE_MAX_CHILDREN ((size_t)1 << 20)

/* One heap slot of the work area (private fields). */
struct avila_lsm_merge_slot {
    struct avila_slice key; /* the child's current key, cached */
    size_t child;           /* index into the children array */
};

/* Slots of the work area a merge over n children needs. */
#define AVILA_LSM_MERGE_WORK_LEN(n) ((size_t)(n))

/*
 * A merging iterator. Caller-allocated; all fields are private. Starts not
 * positioned (not valid).
 */
struct avila_lsm_merge {
    const struct avila_lsm_iter *children; /* borrowed, n of them */
    size_t n;
    struct avila_lsm_merge_slot *heap; /* the work area: the valid children */
    size_t heap_len;
    bool backward; /* heap order: max-heap when true */
    int status;
};

/*
 * Starts a merge over children[0 .. n) (borrowed: the array and every child
 * MUST outlive the merge; the merge moves the children, nobody else may
 * while it is in use) with the work area work[0 .. work_len) (borrowed, at
 * least AVILA_LSM_MERGE_WORK_LEN(n) slots). n may be 0 (an empty merge).
 * Returns 0, or AVILA_EINVAL if children or work is NULL while n > 0, n is
 * beyond AVILA_LSM_MERGE_MAX_CHILDREN or work_len is too small.
 */
int avila_lsm_merge_init(struct avila_lsm_merge *m, const struct avila_lsm_iter *children, size_t n,
                         struct avila_lsm_merge_slot *work, size_t work_len);

/*
 * Moves to the first entry at or after the internal key ikey (borrowed for
 * the call; at least AVILA_LSM_TRAILER_LEN bytes, else AVILA_EINVAL). Seeks
 * every child. Returns 0 (valid or not) or the first child error met.
 */
int avila_lsm_merge_seek(struct avila_lsm_merge *m, struct avila_slice ikey);

/* Moves to the first entry of all children. Returns 0 or a child's error. */
int avila_lsm_merge_seek_first(struct avila_lsm_merge *m);

/* Moves to the last entry of all children. Returns 0 or a child's error. */
int avila_lsm_merge_seek_last(struct avila_lsm_merge *m);

/* Moves to the next entry (MUST be valid). Returns 0 or a child's error. */
int avila_lsm_merge_next(struct avila_lsm_merge *m);

/* Moves to the previous entry (MUST be valid). Returns 0 or a child's error. */
int avila_lsm_merge_prev(struct avila_lsm_merge *m);

/* True if positioned on an entry. */
bool avila_lsm_merge_valid(const struct avila_lsm_merge *m);

/*
 * The current internal key and value (MUST be valid): the child's bytes,
 * valid until the merge moves.
 */
struct avila_slice avila_lsm_merge_key(const struct avila_lsm_merge *m);
struct avila_slice avila_lsm_merge_value(const struct avila_lsm_merge *m);

/* Index of the child the current entry comes from (MUST be valid). */
size_t avila_lsm_merge_child(const struct avila_lsm_merge *m);

/* The error that stopped the merge, or 0. */
int avila_lsm_merge_status(const struct avila_lsm_merge *m);

/*
 * Fills *out so that the internal-iterator interface acts on m (borrowed,
 * MUST outlive out): a merge can be the child of another merge or the
 * source of a user-view iterator (data/lsm_dbiter.h).
 */
void avila_lsm_merge_as(struct avila_lsm_merge *m, struct avila_lsm_iter *out);

#endif
