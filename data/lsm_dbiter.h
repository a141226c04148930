/*
 * data/lsm_dbiter.h - the user-view iterator of the LSM store: over one
 * internal iterator (normally a merge of the memtables and tables,
 * data/lsm_merge.h) it shows what a reader at a snapshot sees: each user
 * key once, with its newest value at or below the snapshot. Pure (core
 * only).
 *
 * Visibility. Entries with seq > snapshot do not exist for the reader. For
 * a user key k, let e be its newest point entry (VALUE or DELETE) with
 * seq <= snapshot. k is shown, with e's value, iff e is a VALUE and no
 * range tombstone of the set with e.seq < tombstone seq <= snapshot covers
 * k. AVILA_LSM_RANGE_DELETE entries of the internal iterator are never
 * shown and never hide anything by themselves: the caller collects the
 * tombstones of every source into the avila_lsm_rangedel set it passes
 * (data/lsm_rangedel.h; NULL if there are none).
 * A key under a tombstone is still read entry by entry (one O(log n)
 * tombstone query per key decided): from one merged stream the iterator
 * cannot know that no entry newer than the tombstone hides further on, so
 * it never seeks over a deleted range. Skipping by seek belongs in a layer
 * that knows each source's newest seq (avila_lsm_rangedel_next_boundary
 * gives the target).
 *
 * Bounds. An optional lower bound (inclusive) and upper bound (exclusive) on
 * user keys, and an optional prefix (only keys starting with it); the
 * iterator never shows a key outside them, and seeks outside them clamp
 * (seek below the lower bound starts at it, seek_for_prev above the upper
 * bound starts at the last key below it). With a prefix, a scan stops at
 * the first key past the prefix, without reading on.
 *
 * Directions (LevelDB's DBIter scheme). Moving forward the internal
 * iterator sits on the entry shown; key and value are its bytes. Moving
 * backward it sits before every entry of the key shown, and the key and
 * value shown are copies the iterator owns (it has to read every version of
 * a key, oldest first, to know the newest). Either way the bytes of key and
 * value are valid until the iterator moves or is released. next and prev
 * may be mixed freely.
 *
 * Errors. An error of the internal iterator, AVILA_EFORMAT for an internal
 * key that does not parse, and AVILA_ENOMEM / AVILA_ELIMIT when a copy does
 * not fit, are returned by the call that met them, leave the iterator not
 * valid, and status returns them until the next seek.
 *
 * Concurrency: none of its own; the caller serialises every call on one
 * iterator. It moves the internal iterator it was given; nobody else may.
 */
#ifndef AVILA_DATA_LSM_DBITER_H
#define AVILA_DATA_LSM_DBITER_H

#include <stdbool.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/platform.h"
#include "data/lsm_iter.h"
#include "data/lsm_rangedel.h"

/*
 * Moving forward past the older versions of a key, after this many steps in
 * a row the iterator seeks past the key's last version instead (one seek
 * beats many steps when a key has piled up versions).
 */
#define AVILA_LSM_DBITER_SKIP_SEEK 8

/*
 * Options; zero or NULL fields mean none. The bound and prefix bytes are
 * copied at init.
 *   lower, has_lower   inclusive lower bound on user keys
 *   upper, has_upper   exclusive upper bound on user keys
 *   prefix, has_prefix show only keys starting with prefix (may combine
 *                      with the bounds; an empty prefix is every key)
 *   max_buf_bytes      cap on each owned copy (key, value, seek key);
 *                      0: AVILA_LSM_MAX_VALUE_LEN + AVILA_LSM_MAX_KEY_LEN + 64
 */
struct avila_lsm_dbiter_options {
    struct avila_slice lower, upper, prefix;
    bool has_lower, has_upper, has_prefix;
    size_t max_buf_bytes;
};

/* A user-view iterator. Caller-allocated; all fields are private. */
struct avila_lsm_dbiter {
    const struct avila_lsm_iter *in;     /* borrowed */
    const struct avila_lsm_rangedel *rd; /* borrowed, or NULL */
    uint64_t snapshot;
    struct avila_buf lower, upper; /* effective bounds (prefix folded in), owned */
    bool has_lower, has_upper;
    struct avila_buf saved_key;   /* backward: the key shown; forward: scratch */
    struct avila_buf saved_value; /* backward: the value shown */
    struct avila_buf seek_key;    /* internal keys built for seeks */
    bool valid;
    bool backward;
    int status;
};

/*
 * Starts an iterator over the internal iterator in (borrowed: it and what
 * it reads MUST outlive the dbiter) at snapshot (it sees seq <= snapshot;
 * beyond AVILA_LSM_MAX_SEQ sees everything), with the finished tombstone
 * set rd (borrowed, or NULL) and options opt (read during the call, NULL =
 * none). Copies the bounds into memory from a (which MUST outlive it); a
 * also serves the key and value copies of backward steps. Not positioned.
 * Returns 0; AVILA_EINVAL if in or a is NULL or rd is not finished;
 * AVILA_ENOMEM / AVILA_ELIMIT if the bounds do not fit (nothing is held
 * then).
 */
int avila_lsm_dbiter_init(struct avila_lsm_dbiter *it, const struct avila_lsm_iter *in,
                          uint64_t snapshot, const struct avila_lsm_rangedel *rd,
                          const struct avila_lsm_dbiter_options *opt,
                          const struct avila_allocator *a);

/* Frees the copies; every slice taken from it becomes invalid. */
void avila_lsm_dbiter_release(struct avila_lsm_dbiter *it);

/*
 * Moves to the first shown key >= user_key (borrowed for the call).
 * Returns 0 (valid or not) or an error (see above).
 */
int avila_lsm_dbiter_seek(struct avila_lsm_dbiter *it, struct avila_slice user_key);

/* Moves to the last shown key <= user_key. Returns 0 or an error. */
int avila_lsm_dbiter_seek_for_prev(struct avila_lsm_dbiter *it, struct avila_slice user_key);

/* Moves to the first shown key. Returns 0 or an error. */
int avila_lsm_dbiter_seek_first(struct avila_lsm_dbiter *it);

/* Moves to the last shown key. Returns 0 or an error. */
int avila_lsm_dbiter_seek_last(struct avila_lsm_dbiter *it);

/* Moves to the next shown key (MUST be valid). Returns 0 or an error. */
int avila_lsm_dbiter_next(struct avila_lsm_dbiter *it);

/* Moves to the previous shown key (MUST be valid). Returns 0 or an error. */
int avila_lsm_dbiter_prev(struct avila_lsm_dbiter *it);

/* True if positioned on a key. */
bool avila_lsm_dbiter_valid(const struct avila_lsm_dbiter *it);

/* The current user key and its value (MUST be valid); valid until the iterator moves. */
struct avila_slice avila_lsm_dbiter_key(const struct avila_lsm_dbiter *it);
struct avila_slice avila_lsm_dbiter_value(const struct avila_lsm_dbiter *it);

/* The error that stopped the iterator, or 0. */
int avila_lsm_dbiter_status(const struct avila_lsm_dbiter *it);

#endif
