/*
 * data/lsm_db_int.h - the insides of the LSM store (data/lsm_db.h), shared
 * by its files: lsm_db.c (open, recovery, writes, reads), lsm_db_bg.c
 * (flushes, compactions, obsolete files), lsm_db_iter.c (iterators) and
 * lsm_db_tables.c (the open-table cache). OS code.
 *
 * Locking. db->mu guards everything below marked [mu]: the memtables and
 * their refs, the version set, the writer queue, snapshots, the background
 * state and the counters. It is never held across a WAL append or sync, a
 * table build or a table read; it is held across MANIFEST writes
 * (log_and_apply), which are rare. The table cache has its own mutex, the
 * block cache one per shard. Lock order: mu, then the table cache's.
 */
#ifndef AVILA_DATA_LSM_DB_INT_H
#define AVILA_DATA_LSM_DB_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "data/lsm_cache.h"
#include "data/lsm_db.h"
#include "data/lsm_memtable.h"
#include "data/lsm_table.h"
#include "data/lsm_version.h"
#include "data/lsm_wal.h"

/*
 * A memtable generation: point entries and range tombstones in two
 * skiplists (so that reads find the tombstones without walking the
 * points), and the WAL that holds them. Refcounted under mu: the store
 * holds one ref while it is the active or immutable table, each reader one.
 */
struct lsm_mem {
    struct avila_lsm_memtable points;
    struct avila_lsm_memtable ranges;
    uint64_t wal_number;
    size_t refs; /* [mu] */
};

/* A writer waiting in the queue (on its own stack). */
struct lsm_writer {
    const uint8_t *batch;
    size_t len;
    bool sync;
    bool done;
    int status;
    pthread_cond_t cv;
    struct lsm_writer *next;
};

/* A snapshot: a node of the store's list, ordered by seq. */
struct avila_lsm_snapshot {
    uint64_t seq;
    struct avila_lsm_snapshot *prev, *next;
};

/* An open table in the table cache. */
struct lsm_table_entry {
    uint64_t number;
    struct avila_lsm_file *file;
    struct avila_lsm_table *table;
    size_t refs;                           /* users, plus 1 while cached */
    struct lsm_table_entry *chain;         /* hash chain */
    struct lsm_table_entry *older, *newer; /* LRU list of unused entries */
};

/* The cache of open tables (file number -> reader), bounded by max_open_files. */
struct lsm_tables {
    pthread_mutex_t mu;
    struct lsm_table_entry **buckets;
    size_t nbuckets, count, max;
    struct lsm_table_entry lru; /* list head: lru.newer is the oldest unused */
};

struct avila_lsm_db {
    const struct avila_allocator *a;
    struct avila_lsm_vfs posix;
    const struct avila_lsm_vfs *vfs;
    struct avila_lsm_options opt;
    char dir[AVILA_LSM_MAX_DIR_LEN + 1];
    struct avila_lsm_lock *lock;

    pthread_mutex_t mu;
    pthread_cond_t bg_cv;   /* background work done or failed; writers stalled wait on it */
    pthread_cond_t work_cv; /* background threads wait on it for work */

    /* [mu] */
    struct lsm_writer *queue, *queue_tail;
    struct lsm_mem *mem, *imm;
    struct avila_lsm_vset vs;
    struct avila_lsm_snapshot snapshots; /* list head */
    uint64_t pending_flush;              /* number of the table a flush writes, or 0 */
    bool wal_dirty;                      /* unsynced groups wait in the WAL's buffer */
    int bg_error;
    _Atomic(bool) closing; /* also read by a running compaction, without mu */
    unsigned compactions;  /* running in the background */
    bool manual;           /* a manual compaction runs or waits: none starts in the background */
    uint64_t rate_next_ns; /* the compaction rate limit's clock: when the bytes so far are due */
    struct avila_lsm_stats st;

    /* The WAL: written by the write-group leader only, outside mu. */
    struct avila_lsm_file *wal_file;
    struct avila_lsm_wal_writer *wal;
    uint64_t wal_number;
    struct avila_buf group; /* the leader's joined batch */

    struct avila_lsm_cache cache;
    pthread_mutex_t cache_mu[AVILA_LSM_CACHE_DEFAULT_SHARDS];
    struct lsm_tables tables;

    pthread_t flush_thread, compact_threads[AVILA_LSM_MAX_COMPACTION_THREADS];
    unsigned compact_threads_started;
    bool threads_started;
};

/* ---------------------------------------------------------------- lsm_db.c */

/* "dir/NAME" of a file of the store into out (AVILA_LSM_PATH_MAX bytes). */
void avila_lsm_db_path(const struct avila_lsm_db *db, char *out, enum avila_lsm_file_kind kind,
                       uint64_t number);

/* A growable list of file numbers (zero it with .a set to start). */
struct avila_lsm_db_numbers {
    uint64_t *v;
    size_t n, cap;
    const struct avila_allocator *a;
};

/* Appends number to the list ctx (a struct avila_lsm_db_numbers). Returns 0 or AVILA_ENOMEM. */
int avila_lsm_db_numbers_add(void *ctx, uint64_t number);
bool avila_lsm_db_numbers_has(const struct avila_lsm_db_numbers *l, uint64_t number);
void avila_lsm_db_numbers_release(struct avila_lsm_db_numbers *l);

/*
 * Calls fn for each file of the store's directory whose name is one of
 * ours (the names are read first: fn may delete). fn returns 0 to go on.
 * Returns 0, fn's error, or the VFS's.
 */
int avila_lsm_db_list_files(struct avila_lsm_db *db,
                            int (*fn)(void *ctx, enum avila_lsm_file_kind kind, uint64_t number),
                            void *ctx);

/* Drops a reader's or the store's ref on m; the last one frees it. [mu held] */
void avila_lsm_db_mem_unref(struct avila_lsm_db *db, struct lsm_mem *m);

/* The sequence number a read sees: ro's snapshot, or the last one written. [mu held] */
uint64_t avila_lsm_db_read_seq(struct avila_lsm_db *db, const struct avila_lsm_read_options *ro);

/* ---------------------------------------------------------------- lsm_db_bg.c */

/* Starts the flush and compaction threads. Returns 0 or AVILA_EIO. */
int avila_lsm_db_bg_start(struct avila_lsm_db *db);

/* Tells the background threads to stop and joins them. [mu not held] */
void avila_lsm_db_bg_stop(struct avila_lsm_db *db);

/* Longest time an unsynced write waits in the WAL's buffer before the OS has it. */
#define AVILA_LSM_DB_WAL_FLUSH_MS 2

/* Wakes the background threads (new immutable memtable, new files). [mu held] */
void avila_lsm_db_bg_kick(struct avila_lsm_db *db);

/*
 * Writes memtable m to a new table and adds it at level 0 to edit e (adds
 * nothing for an empty m), without logging e. The table's number stays
 * pending (not deleted as obsolete) until the caller clears pending_flush.
 * Used by recovery and by the flush thread. [mu held; released while building]
 */
int avila_lsm_db_bg_build_level0(struct avila_lsm_db *db, struct lsm_mem *m,
                                 struct avila_lsm_edit *e);

/* Deletes the files no version, WAL or write in flight needs. [mu held] */
void avila_lsm_db_bg_delete_obsolete(struct avila_lsm_db *db);

/* Runs compactions of [begin, end] from level 0 down, as avila_lsm_compact_range says. */
int avila_lsm_db_bg_compact_range(struct avila_lsm_db *db, const struct avila_slice *begin,
                                  const struct avila_slice *end);

/* ---------------------------------------------------------------- lsm_db_tables.c */

int avila_lsm_db_tables_init(struct lsm_tables *tc, size_t max, const struct avila_allocator *a);
void avila_lsm_db_tables_release(struct avila_lsm_db *db);

/*
 * Gets the open reader of table file f (opening it if needed). Returns 0
 * with *out a pinned entry (release with avila_lsm_db_tables_put), or the open's
 * error (AVILA_EFORMAT also when the size differs from the MANIFEST's).
 */
int avila_lsm_db_tables_get(struct avila_lsm_db *db, const struct avila_lsm_file_meta *f,
                            struct lsm_table_entry **out);
void avila_lsm_db_tables_put(struct avila_lsm_db *db, struct lsm_table_entry *e);

struct avila_lsm_rangedel;

/*
 * Adds the range tombstones of table t to rd; kb is a key buffer of
 * AVILA_LSM_IKEY_MAX bytes. Returns 0 or the block's or rd's error.
 */
int avila_lsm_db_tables_add_tombstones(struct avila_lsm_rangedel *rd,
                                       const struct avila_lsm_table *t, uint8_t *kb);

/* Closes the reader of a deleted file (when no one uses it) and drops its cached blocks. */
void avila_lsm_db_tables_evict(struct avila_lsm_db *db, uint64_t number);

#endif
