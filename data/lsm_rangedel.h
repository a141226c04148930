/*
 * data/lsm_rangedel.h - range tombstones of the LSM store, fragmented for
 * queries. Pure (core only).
 *
 * A range tombstone (begin, end, seq) deletes every entry of a user key k
 * with begin <= k < end (bytewise user-key order, data/lsm_format.h) and a
 * sequence number below seq, for readers whose snapshot is >= seq. In the
 * store it is an entry of kind AVILA_LSM_RANGE_DELETE with internal key
 * (begin, seq) and value end; memtables hold them among their entries,
 * tables hand them as a list.
 *
 * A set is built in two phases: add tombstones from any number of sources
 * (their bytes are copied), then avila_lsm_rangedel_finish cuts them into
 * fragments: non-overlapping [start, end) pieces in key order, each with the
 * sequence numbers of every tombstone that covers the whole piece, sorted
 * descending (pieces no tombstone covers are left out). Queries are then
 * O(log n) binary searches: the largest tombstone seq covering a key at a
 * snapshot, and the fragment boundaries around a key (within [prev
 * boundary, next boundary) every key is covered by the same tombstones, so a
 * scan can decide once for the whole stretch).
 *
 * Memory, from the allocator given at init: the copied begin and end bytes,
 * then for the fragments 2 boundaries per tombstone and one seq per
 * (tombstone, fragment it covers) pair: n nested tombstones cost O(n^2)
 * seqs (as in RocksDB's fragmenter); max_bytes caps the whole (an add or
 * finish that would pass it fails with AVILA_ELIMIT).
 *
 * Concurrency: building (add, finish) needs exclusive access; a finished
 * set is read-only, and any number of threads may query it at once.
 */
#ifndef AVILA_DATA_LSM_RANGEDEL_H
#define AVILA_DATA_LSM_RANGEDEL_H

#include <stdbool.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/platform.h"
#include "data/lsm_iter.h"

struct avila_lsm_rangedel_tomb;
struct avila_lsm_rangedel_piece;

/*
 * A set of range tombstones. Caller-allocated; all fields are private.
 */
struct avila_lsm_rangedel {
    const struct avila_allocator *a;
    size_t max_bytes;       /* cap on everything held from a */
    size_t held_bytes;      /* held now, bytes buffer excluded (it has its own cap) */
    struct avila_buf bytes; /* begin and end keys, copied */
    struct avila_lsm_rangedel_tomb *tombs;
    size_t ntombs, tomb_cap;
    struct avila_lsm_rangedel_piece *pieces; /* after finish */
    size_t npieces;
    uint64_t *seqs; /* every piece's seqs, descending within a piece */
    size_t nseqs;
    bool finished;
};

/* A fragment, as avila_lsm_rangedel_fragment shows it (all views into the set). */
struct avila_lsm_rangedel_frag {
    struct avila_slice start; /* inclusive */
    struct avila_slice end;   /* exclusive; start < end */
    const uint64_t *seqs;     /* nseqs >= 1 sequence numbers, strictly descending */
    size_t nseqs;
};

/*
 * Starts an empty set whose memory comes from a (which MUST outlive it),
 * holding at most max_bytes from it (0: no limit but SIZE_MAX).
 * Allocates nothing yet.
 */
void avila_lsm_rangedel_init(struct avila_lsm_rangedel *rd, const struct avila_allocator *a,
                             size_t max_bytes);

/* Frees everything; slices and fragments taken from rd become invalid. rd may be initialised again.
 */
void avila_lsm_rangedel_release(struct avila_lsm_rangedel *rd);

/*
 * Adds the tombstone [begin, end) at seq, copying the bytes (borrowed for
 * the call). An empty range (begin >= end) deletes nothing and is ignored.
 * Returns 0; AVILA_EINVAL if the set is finished, a key is longer than
 * AVILA_LSM_MAX_KEY_LEN or seq beyond AVILA_LSM_MAX_SEQ; AVILA_ELIMIT past
 * max_bytes; AVILA_ENOMEM if the allocator refuses. A failed add changes
 * nothing.
 */
int avila_lsm_rangedel_add(struct avila_lsm_rangedel *rd, struct avila_slice begin,
                           struct avila_slice end, uint64_t seq);

/*
 * Adds the store entry (ikey, value) of kind AVILA_LSM_RANGE_DELETE: begin
 * and seq from the internal key, end = value. Returns what add returns, or
 * AVILA_EFORMAT if ikey does not parse, AVILA_EINVAL if it is of another
 * kind.
 */
int avila_lsm_rangedel_add_entry(struct avila_lsm_rangedel *rd, struct avila_slice ikey,
                                 struct avila_slice value);

/*
 * Walks the internal iterator it from its first entry to its last and adds
 * every AVILA_LSM_RANGE_DELETE entry with seq <= max_seq (other kinds are
 * skipped). Moves it (it is left not valid). Returns 0, the iterator's
 * error, or what add_entry returns; on failure the entries added before stay.
 */
int avila_lsm_rangedel_add_iter(struct avila_lsm_rangedel *rd, const struct avila_lsm_iter *it,
                                uint64_t max_seq);

/*
 * Fragments the tombstones added so far; afterwards the set answers queries
 * and takes no more adds. Returns 0 (also if already finished);
 * AVILA_ELIMIT past max_bytes or AVILA_ENOMEM (then the set stays
 * unfinished and may be finished again).
 */
int avila_lsm_rangedel_finish(struct avila_lsm_rangedel *rd);

/* True once finished. Queries on an unfinished set see no tombstones. */
bool avila_lsm_rangedel_finished(const struct avila_lsm_rangedel *rd);

/* Number of fragments (0 before finish). */
size_t avila_lsm_rangedel_count(const struct avila_lsm_rangedel *rd);

/* Fragment i < count, as views into the set (valid until release). */
struct avila_lsm_rangedel_frag avila_lsm_rangedel_fragment(const struct avila_lsm_rangedel *rd,
                                                           size_t i);

/*
 * The largest sequence number <= snapshot of a tombstone covering user_key
 * (borrowed for the call). Returns true and sets *seq if there is one,
 * false (and *seq untouched) if none: seq 0 is a valid tombstone seq, so
 * the answer is the flag. O(log fragments + log seqs).
 */
bool avila_lsm_rangedel_max_covering(const struct avila_lsm_rangedel *rd,
                                     struct avila_slice user_key, uint64_t snapshot, uint64_t *seq);

/*
 * The smallest fragment boundary (a start or an end) strictly greater than
 * user_key: every key in [user_key, *out) is covered by the same tombstones
 * as user_key. Returns false if there is none (the same holds up to the
 * end of the key space). *out points into the set.
 */
bool avila_lsm_rangedel_next_boundary(const struct avila_lsm_rangedel *rd,
                                      struct avila_slice user_key, struct avila_slice *out);

/*
 * The largest fragment boundary <= user_key: every key in [*out, user_key]
 * is covered by the same tombstones as user_key. Returns false if there is
 * none (the same holds down to the empty key).
 */
bool avila_lsm_rangedel_prev_boundary(const struct avila_lsm_rangedel *rd,
                                      struct avila_slice user_key, struct avila_slice *out);

#endif
