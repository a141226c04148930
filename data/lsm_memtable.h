/*
 * data/lsm_memtable.h - the LSM store's in-memory table: a skiplist of
 * internal keys (data/lsm_format.h order: user key ascending, then sequence
 * number and kind descending) with their values, over a core arena.
 *
 * Every entry (its links, internal key and value, copied in) is one arena
 * allocation; nothing is freed before avila_lsm_memtable_release frees all
 * at once. Heights come from a small PRNG seeded from the configuration
 * (branching factor 4, at most AVILA_LSM_MEMTABLE_MAX_HEIGHT levels), so a
 * given seed and sequence of adds always builds the same list.
 *
 * Concurrency. One writer at a time: the caller serialises add (and init,
 * release). Readers (get, iterators, count, bytes, full) may run on other
 * threads at the same time as the writer without any lock: a new entry is
 * linked level by level from the bottom with C11 release stores after its
 * bytes are written, and readers follow links with acquire loads, so a
 * reader sees each entry either not at all or completely, and every entry
 * whose add returned before the reader started. Release MUST NOT overlap
 * with any reader.
 *
 * Range deletes. An AVILA_LSM_RANGE_DELETE entry is stored and iterated like
 * any other (its value is the exclusive end key); avila_lsm_memtable_get
 * does not interpret ranges yet: it skips such entries and answers from the
 * point entries (DELETE, VALUE) alone. The caller applies range tombstones.
 *
 * Memory. avila_lsm_memtable_bytes reports the bytes of all entries (links,
 * keys, values, node headers) plus the head; the arena holds at most one
 * partly used chunk more (chunks double from 4 KiB to 1 MiB). limit_bytes is
 * a soft limit: avila_lsm_memtable_full says when bytes reach it, and the
 * caller then turns the table immutable. max_bytes is a hard limit on what
 * the arena takes from the allocator: an add beyond it fails.
 *
 * Pure (core only, C11 atomics from the freestanding <stdatomic.h>).
 */
#ifndef AVILA_DATA_LSM_MEMTABLE_H
#define AVILA_DATA_LSM_MEMTABLE_H

#include <stdatomic.h>
#include <stdbool.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/platform.h"
#include "data/lsm_format.h"
#include "data/lsm_iter.h"

#define AVILA_LSM_MEMTABLE_MAX_HEIGHT 16

/* The defaults a zero configuration field stands for. */
#define AVILA_LSM_MEMTABLE_DEFAULT_LIMIT_BYTES ((size_t)4 << 20)
#define AVILA_LSM_MEMTABLE_DEFAULT_SEED        UINT64_C(0x6c736d2d6d656d74)
/* Default hard limit: the soft one plus one largest entry and chunk slack. */
#define AVILA_LSM_MEMTABLE_DEFAULT_HEADROOM (AVILA_LSM_MAX_VALUE_LEN + ((size_t)4 << 20))

/*
 * Configuration; zero fields take the defaults.
 *   limit_bytes  soft limit avila_lsm_memtable_full reports against (4 MiB)
 *   max_bytes    hard limit on the arena's memory (limit_bytes +
 *                AVILA_LSM_MEMTABLE_DEFAULT_HEADROOM); MUST be >= limit_bytes
 *   seed         seed of the height PRNG (AVILA_LSM_MEMTABLE_DEFAULT_SEED)
 */
struct avila_lsm_memtable_config {
    size_t limit_bytes;
    size_t max_bytes;
    uint64_t seed;
};

struct avila_lsm_memtable_node;

/*
 * A memtable. Caller-allocated; all fields are private. It MUST NOT be moved
 * or copied after init (readers hold pointers into it).
 */
struct avila_lsm_memtable {
    struct avila_arena arena;
    const struct avila_allocator *parent; /* the caller's allocator */
    struct avila_allocator view;          /* parent seen by the arena, noting refusals */
    bool parent_refused;                  /* the last arena growth failed in the parent */
    struct avila_lsm_memtable_node *head;
    _Atomic(int) height; /* levels in use, 1..MAX_HEIGHT */
    uint64_t rng;        /* writer only */
    _Atomic(size_t) count;
    _Atomic(size_t) bytes;
    size_t limit_bytes;
};

/*
 * Starts an empty memtable whose memory comes from a (through an arena);
 * a MUST outlive the memtable. cfg is read during the call (NULL =
 * defaults). Allocates the head node.
 * Returns 0; AVILA_EINVAL if a is NULL or max_bytes < limit_bytes;
 * AVILA_ELIMIT if the head does not fit in max_bytes; AVILA_ENOMEM if the
 * allocator refuses the head.
 */
int avila_lsm_memtable_init(struct avila_lsm_memtable *mt, const struct avila_allocator *a,
                            const struct avila_lsm_memtable_config *cfg);

/*
 * Frees every entry and the head at once. Every slice, value and iterator
 * taken from mt becomes invalid; no reader may be running. mt may then be
 * initialised again.
 */
void avila_lsm_memtable_release(struct avila_lsm_memtable *mt);

/*
 * Adds the entry (user_key, seq, kind) -> value, copying the key and value
 * bytes into the arena (the caller's bytes are only read during the call).
 * Writer only (see above). For AVILA_LSM_DELETE the value is normally empty;
 * for AVILA_LSM_RANGE_DELETE it is the exclusive end of the range.
 * Returns 0; AVILA_EINVAL for a user key longer than AVILA_LSM_MAX_KEY_LEN,
 * a value longer than AVILA_LSM_MAX_VALUE_LEN, seq beyond AVILA_LSM_MAX_SEQ
 * or an unknown kind; AVILA_EEXIST if an entry with the same (user key, seq,
 * kind) is there already; AVILA_ELIMIT if the arena would pass max_bytes;
 * AVILA_ENOMEM if the allocator refuses. A failed add changes nothing.
 */
int avila_lsm_memtable_add(struct avila_lsm_memtable *mt, uint64_t seq, enum avila_lsm_kind kind,
                           struct avila_slice user_key, struct avila_slice value);

/* What avila_lsm_memtable_get found. */
enum avila_lsm_memtable_get_result {
    AVILA_LSM_MEMTABLE_NOT_FOUND = 0, /* no point entry for the key at or below the snapshot */
    AVILA_LSM_MEMTABLE_VALUE = 1,     /* the newest such entry is a value */
    AVILA_LSM_MEMTABLE_DELETED = 2,   /* the newest such entry is a deletion */
};

/*
 * Looks up the newest point entry (VALUE or DELETE; RANGE_DELETE entries
 * are skipped, see above) for user_key with seq <= snapshot (a snapshot
 * beyond AVILA_LSM_MAX_SEQ sees everything). On VALUE, *value gets the
 * value's bytes in the arena (valid until release); on VALUE and DELETED,
 * *seq (if seq is not NULL) gets the entry's sequence number.
 * Returns an enum avila_lsm_memtable_get_result (>= 0), or AVILA_EINVAL for
 * a user key longer than AVILA_LSM_MAX_KEY_LEN.
 */
int avila_lsm_memtable_get(const struct avila_lsm_memtable *mt, struct avila_slice user_key,
                           uint64_t snapshot, struct avila_slice *value, uint64_t *seq);

/* Number of entries added (all kinds). */
size_t avila_lsm_memtable_count(const struct avila_lsm_memtable *mt);

/* Approximate bytes used (entries, links and the head; see Memory above). */
size_t avila_lsm_memtable_bytes(const struct avila_lsm_memtable *mt);

/* True once avila_lsm_memtable_bytes has reached limit_bytes. */
bool avila_lsm_memtable_full(const struct avila_lsm_memtable *mt);

/* ---------------------------------------------------------------- iterator */

/*
 * A position in a memtable, over all its entries in internal-key order.
 * Caller-allocated; fields are private. It holds no memory: it is valid as
 * long as the memtable is, and sees entries added after it was positioned
 * when it moves onto them. Starts invalid (call a seek).
 */
struct avila_lsm_memtable_iter {
    const struct avila_lsm_memtable *mt;
    const struct avila_lsm_memtable_node *node; /* NULL: not valid */
};

/* Starts an iterator over mt, not positioned (not valid). */
void avila_lsm_memtable_iter_init(struct avila_lsm_memtable_iter *it,
                                  const struct avila_lsm_memtable *mt);

/*
 * Moves to the first entry at or after the internal key ikey (borrowed for
 * the call). Returns 0 (valid or not), or AVILA_EINVAL if ikey is shorter
 * than AVILA_LSM_TRAILER_LEN (then the iterator is not valid).
 */
int avila_lsm_memtable_iter_seek(struct avila_lsm_memtable_iter *it, struct avila_slice ikey);

/* Moves to the first entry (not valid if the table is empty). */
void avila_lsm_memtable_iter_seek_first(struct avila_lsm_memtable_iter *it);

/* Moves to the last entry (not valid if the table is empty). */
void avila_lsm_memtable_iter_seek_last(struct avila_lsm_memtable_iter *it);

/* Moves to the next entry; MUST be valid. Not valid after the last. */
void avila_lsm_memtable_iter_next(struct avila_lsm_memtable_iter *it);

/*
 * Moves to the previous entry (a search from the head, O(log n)); MUST be
 * valid. Not valid before the first.
 */
void avila_lsm_memtable_iter_prev(struct avila_lsm_memtable_iter *it);

/* True if the iterator is on an entry. */
bool avila_lsm_memtable_iter_valid(const struct avila_lsm_memtable_iter *it);

/*
 * The current entry's internal key and value, in the arena (valid until
 * release); MUST be valid. avila_lsm_ikey_parse splits the key.
 */
struct avila_slice avila_lsm_memtable_iter_key(const struct avila_lsm_memtable_iter *it);
struct avila_slice avila_lsm_memtable_iter_value(const struct avila_lsm_memtable_iter *it);

/*
 * Fills *out so that the internal-iterator interface (data/lsm_iter.h) acts
 * on it. out is a view: it holds it (borrowed, MUST outlive out) and nothing
 * else; it may be copied freely. The memtable iterator never meets damaged
 * data, so status is always 0; a seek with an internal key shorter than
 * AVILA_LSM_TRAILER_LEN returns AVILA_EINVAL (a caller bug) and leaves the
 * iterator not valid.
 */
void avila_lsm_memtable_iter_as(struct avila_lsm_memtable_iter *it, struct avila_lsm_iter *out);

#endif
