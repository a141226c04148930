/*
 * data/lsm_db.h - the LSM key-value store: an ordered map of byte-string
 * keys to byte-string values in one directory, durable through a
 * write-ahead log, with snapshots, iterators in both directions, deletes
 * and range deletes, and leveled compaction in background threads.
 * OS code (POSIX threads); every file access goes through a struct
 * avila_lsm_vfs (the POSIX one unless the options give another).
 *
 * Directory. NNNNNN.wal (write-ahead logs), NNNNNN.sst (tables),
 * MANIFEST-NNNNNN (the log of version edits), CURRENT (names the live
 * MANIFEST), LOCK (held while open: a second open, from this process or
 * another, fails with AVILA_ESTATE).
 *
 * Durability contract (tested in tests/data/test_lsm_db*.c and
 * tests/data/test_lsm_crash.sh):
 *   - a write with sync on returns 0 only once its batch is on stable
 *     storage: after a crash (of the process or the machine) it is there;
 *   - writes with sync off may be lost in a crash, but only from some write
 *     on to the last: the store recovers a prefix of the acknowledged
 *     writes in order, never a hole, never a torn batch, never damage.
 *     They gather in a 32 KiB buffer that reaches the OS within
 *     AVILA_LSM_DB_WAL_FLUSH_MS (2 ms) or when full, so even a crash of
 *     the process alone may lose the last 2 ms of them (a clean close
 *     loses none); this saves a system call per write;
 *   - a torn last WAL record is dropped (it was not acknowledged with sync
 *     on); any other damage (a bit flip in a table or an earlier record, a
 *     missing table) makes open or the read that meets it fail with
 *     AVILA_EFORMAT, never wrong data returned as right.
 *
 * Threads. Every function may be called from any thread at once, except
 * open and close. Writers are joined into groups (one WAL append and at
 * most one sync per group). When the memtable is full and the previous one
 * is still being flushed, or level 0 holds l0_stop files, writers wait
 * (a stall, counted in the stats); from l0_slowdown files on, each write
 * group is delayed by a millisecond to let compaction catch up smoothly.
 *
 * Errors. AVILA_EINVAL (a caller's mistake: key too long, bad options),
 * AVILA_ESTATE (directory locked, or the store stopped after a background
 * error: every later write returns that first error), AVILA_ENOTFOUND (no
 * store in the directory and create_if_missing off), AVILA_EEXIST (a store
 * is there and error_if_exists on), AVILA_EFORMAT (damage), AVILA_EIO,
 * AVILA_ENOSPC (the VFS's), AVILA_ENOMEM.
 */
#ifndef AVILA_DATA_LSM_DB_H
#define AVILA_DATA_LSM_DB_H

#include <stdbool.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/platform.h"
#include "data/lsm_version.h"
#include "data/lsm_vfs.h"

/* Options; zero fields take the defaults in brackets. */
struct avila_lsm_options {
    const struct avila_lsm_vfs *vfs; /* [the POSIX VFS] borrowed, MUST outlive the store */
    bool create_if_missing;          /* make a new store if the directory holds none */
    bool error_if_exists;            /* fail with AVILA_EEXIST if it holds one */
    bool sync;                       /* default sync policy of writes [off] */
    size_t memtable_bytes;           /* [8 MiB] a full memtable is flushed to level 0 */
    size_t block_bytes;              /* [4096] data block size target */
    size_t cache_bytes;              /* [32 MiB] block cache */
    size_t table_bytes;              /* [16 MiB] compaction output file size target */
    size_t max_open_files;           /* [1000] table files kept open */
    unsigned bloom_bits_per_key;     /* [10] */
    unsigned l0_compaction_trigger;  /* [4] level-0 files that start a compaction */
    unsigned l0_slowdown;            /* [20] level-0 files from which writes slow down */
    unsigned l0_stop;                /* [36] level-0 files at which writes wait */
    uint64_t level1_bytes;           /* [64 MiB] level 1 target size; x10 per level below */
    uint64_t compaction_rate;        /* [0: unlimited] bytes/s, all compactions together */
    unsigned compaction_threads;     /* [1] compactions run side by side (flushes have a thread) */
};

/* Most compaction threads a store takes. */
#define AVILA_LSM_MAX_COMPACTION_THREADS 16

struct avila_lsm_db;
struct avila_lsm_snapshot;
struct avila_lsm_db_iter;

/*
 * Opens (or creates) the store in dir, recovering from its logs, and
 * starts the background threads. Memory comes from a (NULL: libc's), which
 * MUST outlive the store. On success *out owns the store. Errors above;
 * a partial open releases everything.
 */
int avila_lsm_open(struct avila_lsm_db **out, const char *dir, const struct avila_lsm_options *opt,
                   const struct avila_allocator *a);

/*
 * Stops the background threads (a running compaction is abandoned, not
 * finished; its partial output is deleted at the next open), closes the
 * files and frees the store. Snapshots and iterators MUST be released
 * first. Returns the first background error the store met, or 0 (every
 * acknowledged write is in the WAL either way).
 */
int avila_lsm_close(struct avila_lsm_db *db);

/* Per-write options. */
struct avila_lsm_write_options {
    int sync; /* 1: durable before returning; 0: not; -1: the store's default */
};

/*
 * Applies the write batch p[0 .. len) (data/lsm_batch.h bytes; its
 * sequence number is ignored and assigned here) atomically: a reader sees
 * all of it or none. wo may be NULL (defaults). Returns 0, AVILA_EFORMAT
 * for a malformed batch, or an error above.
 */
int avila_lsm_write(struct avila_lsm_db *db, const uint8_t *p, size_t len,
                    const struct avila_lsm_write_options *wo);

/* Single-entry writes (a batch of one). */
int avila_lsm_put(struct avila_lsm_db *db, struct avila_slice key, struct avila_slice value,
                  const struct avila_lsm_write_options *wo);
int avila_lsm_del(struct avila_lsm_db *db, struct avila_slice key,
                  const struct avila_lsm_write_options *wo);
/* Deletes every key k with begin <= k < end (AVILA_EINVAL unless begin < end). */
int avila_lsm_del_range(struct avila_lsm_db *db, struct avila_slice begin, struct avila_slice end,
                        const struct avila_lsm_write_options *wo);

/* Per-read options. */
struct avila_lsm_read_options {
    const struct avila_lsm_snapshot *snapshot; /* NULL: the latest state */
    struct avila_slice lower;                  /* iterators: first key allowed (empty: none) */
    struct avila_slice upper;                  /* iterators: keys below it only (empty: none) */
    struct avila_slice prefix; /* iterators: keys starting with it only (empty: all) */
    bool no_fill_cache;        /* do not add the blocks read to the cache */
};

/*
 * Looks key up. Returns 1 with the value appended to value (cleared
 * first), 0 if absent, or an error (then value's contents are unknown).
 */
int avila_lsm_get(struct avila_lsm_db *db, const struct avila_lsm_read_options *ro,
                  struct avila_slice key, struct avila_buf *value);

/*
 * Takes a snapshot of the current state: reads through it see exactly the
 * writes acknowledged before it, forever, whatever writes and compactions
 * follow. Returns NULL when out of memory. Release it with
 * avila_lsm_snapshot_release.
 */
const struct avila_lsm_snapshot *avila_lsm_snapshot_take(struct avila_lsm_db *db);
void avila_lsm_snapshot_release(struct avila_lsm_db *db, const struct avila_lsm_snapshot *s);

/* The sequence number of a snapshot (the last write it sees). */
uint64_t avila_lsm_snapshot_seq(const struct avila_lsm_snapshot *s);

/*
 * Creates an iterator over the keys of ro's snapshot (an implicit one when
 * NULL), not positioned. It keeps the files it reads alive until destroyed.
 * ro's lower, upper and prefix bytes are copied. Returns 0 and sets *out, or
 * AVILA_ENOMEM / AVILA_EIO / AVILA_EFORMAT.
 */
int avila_lsm_db_iter_create(struct avila_lsm_db *db, const struct avila_lsm_read_options *ro,
                             struct avila_lsm_db_iter **out);
/* Positions: first key >= key; last key <= key; first; last. Return 0 or an error. */
int avila_lsm_db_iter_seek(struct avila_lsm_db_iter *it, struct avila_slice key);
int avila_lsm_db_iter_seek_for_prev(struct avila_lsm_db_iter *it, struct avila_slice key);
int avila_lsm_db_iter_seek_first(struct avila_lsm_db_iter *it);
int avila_lsm_db_iter_seek_last(struct avila_lsm_db_iter *it);
/* Moves one key on or back; MUST be valid. Returns 0 or an error. */
int avila_lsm_db_iter_next(struct avila_lsm_db_iter *it);
int avila_lsm_db_iter_prev(struct avila_lsm_db_iter *it);
bool avila_lsm_db_iter_valid(const struct avila_lsm_db_iter *it);
/* The current key and value: valid until the iterator moves. MUST be valid. */
struct avila_slice avila_lsm_db_iter_key(const struct avila_lsm_db_iter *it);
struct avila_slice avila_lsm_db_iter_value(const struct avila_lsm_db_iter *it);
/* The error that stopped the iterator, or 0. */
int avila_lsm_db_iter_status(const struct avila_lsm_db_iter *it);
void avila_lsm_db_iter_destroy(struct avila_lsm_db_iter *it);

/*
 * Writes the memtable to a table and waits until it is done. Returns 0 or
 * the flush's error.
 */
int avila_lsm_flush(struct avila_lsm_db *db);

/*
 * Compacts every level's files overlapping [begin, end] (empty slices:
 * unbounded) down to the last level that holds data, dropping deleted and
 * overwritten entries no snapshot needs, and waits until done.
 */
int avila_lsm_compact_range(struct avila_lsm_db *db, struct avila_slice begin,
                            struct avila_slice end);

/* Statistics (avila_lsm_stats). Byte counts are of files, not of user data. */
struct avila_lsm_stats {
    uint64_t level_files[AVILA_LSM_LEVELS];
    uint64_t level_bytes[AVILA_LSM_LEVELS];
    uint64_t user_bytes_written;  /* keys and values given to writes */
    uint64_t wal_bytes_written;   /* appended to logs */
    uint64_t flush_bytes_written; /* tables made from memtables */
    uint64_t compact_bytes_read;
    uint64_t compact_bytes_written;
    uint64_t flushes, compactions, trivial_moves;
    uint64_t compactions_peak;            /* most background compactions that ran at once */
    uint64_t stalls, stall_us, slowdowns; /* writes that waited, time waited */
    uint64_t cache_hits, cache_misses, cache_bytes;
    uint64_t memtable_bytes; /* active and immutable */
    uint64_t last_seq;
    double write_amp; /* (wal + flush + compaction bytes written) / user bytes */
};

/* Fills *st with the current figures. */
void avila_lsm_stats(struct avila_lsm_db *db, struct avila_lsm_stats *st);

/*
 * Reads every table block and checks every checksum, the order of keys in
 * and across tables, and that every table the MANIFEST names exists with
 * its size. Returns 0, or AVILA_EFORMAT with a one-line description of the
 * first problem appended to report (may be NULL).
 */
int avila_lsm_check(struct avila_lsm_db *db, struct avila_buf *report);

#endif
