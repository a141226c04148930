/*
 * data/lsm_cache.h - the LSM store's block cache: a sharded, byte-bounded
 * CLOCK cache of SSTable blocks keyed by (cache id, offset), with pinned
 * handles. Pure (core only).
 *
 * Keys. A cache id names one table file (the store uses its file number,
 * which is never reused); the offset is the block's offset in that file.
 * Two tables MUST NOT share a cache id while both may have blocks cached.
 *
 * Values. Each value is one byte buffer allocated from the cache's
 * allocator (avila_lsm_cache_allocator, alignment 1) and handed to the
 * cache by avila_lsm_cache_insert, which owns it from then on and frees it
 * when the entry is evicted or erased and no handle pins it. A value is
 * never changed once inserted.
 *
 * Capacity. Every entry is charged its allocation size plus
 * AVILA_LSM_CACHE_ENTRY_OVERHEAD bytes; each of the N shards (N a power of
 * two, chosen by the hash of the key) holds at most capacity_bytes / N. An
 * insert that passes a shard's share evicts entries that no handle pins,
 * by CLOCK: the shard's entries form a ring; a lookup hit sets the entry's
 * referenced bit; the hand passes pinned entries, clears set bits (a
 * second chance) and evicts the first unpinned entry whose bit is clear;
 * new entries join the ring just behind the hand with the bit clear.
 * Pinned entries are never freed, so when a shard's entries are all pinned
 * an insert still succeeds and the shard is over its share until handles
 * are released (each release then evicts as needed): the bound is
 * capacity plus what callers pin at once.
 *
 * Handles. avila_lsm_cache_lookup and avila_lsm_cache_insert return a
 * handle that pins the entry: its bytes stay valid and unchanged until the
 * handle is released with avila_lsm_cache_release, even if the entry is
 * evicted, replaced or erased meanwhile. Every handle MUST be released
 * exactly once, before avila_lsm_cache_release_all.
 *
 * Concurrency. The cache calls lock(lock_ctx, shard) and unlock(lock_ctx,
 * shard) around every access to a shard (shard < avila_lsm_cache_shards()),
 * so an OS caller that implements them with one mutex per shard may use the
 * cache from any number of threads at once, and the allocator MUST then be
 * thread-safe. With lock NULL the cache is single-threaded: the caller
 * serialises every call. init and release_all are never concurrent with
 * anything. No call holds two shard locks at once.
 */
#ifndef AVILA_DATA_LSM_CACHE_H
#define AVILA_DATA_LSM_CACHE_H

#include <stdbool.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/platform.h"

#define AVILA_LSM_CACHE_DEFAULT_CAPACITY ((size_t)8 << 20)
#define AVILA_LSM_CACHE_DEFAULT_SHARDS   16u
#define AVILA_LSM_CACHE_MAX_SHARDS       64u
/* Bytes charged per entry beyond its buffer (its bookkeeping). */
#define AVILA_LSM_CACHE_ENTRY_OVERHEAD ((size_t)96)

/*
 * Configuration; zero fields take the defaults.
 *   capacity_bytes  total charge the cache keeps (8 MiB)
 *   shards          number of shards, a power of two up to 64 (16)
 *   lock, unlock    shard lock callbacks (NULL: single-threaded, see above);
 *                   both or neither
 *   lock_ctx        their first argument
 */
struct avila_lsm_cache_config {
    size_t capacity_bytes;
    unsigned shards;
    void (*lock)(void *ctx, unsigned shard);
    void (*unlock)(void *ctx, unsigned shard);
    void *lock_ctx;
};

/* Counters since init (all shards summed). */
struct avila_lsm_cache_stats {
    uint64_t hits;      /* lookups that found their key */
    uint64_t misses;    /* lookups that did not */
    uint64_t inserts;   /* entries inserted */
    uint64_t evictions; /* entries dropped for room (not counting erase or replace) */
    size_t bytes;       /* charge of the entries now in the cache */
    size_t entries;     /* entries now in the cache */
    size_t pinned;      /* of which pinned by at least one handle */
    size_t capacity;    /* capacity_bytes */
};

/* A pinned entry. Opaque; valid until avila_lsm_cache_release. */
struct avila_lsm_cache_handle;

/* One shard. Private. */
struct avila_lsm_cache_shard {
    struct avila_lsm_cache_handle **buckets; /* hash chains; nbuckets a power of two */
    size_t nbuckets;
    size_t count;                        /* entries in the table */
    size_t pinned;                       /* of which with a handle out */
    size_t usage;                        /* their charge */
    size_t capacity;                     /* this shard's share */
    struct avila_lsm_cache_handle *hand; /* the clock hand on the ring of entries */
    uint64_t hits, misses, inserts, evictions;
};

/* The cache. Caller-allocated; every field is private. */
struct avila_lsm_cache {
    const struct avila_allocator *a;
    struct avila_lsm_cache_config cfg;
    unsigned shard_mask;
    struct avila_lsm_cache_shard shards[AVILA_LSM_CACHE_MAX_SHARDS];
};

/*
 * Starts an empty cache whose entries and values come from a (which MUST
 * outlive the cache, and be thread-safe if the cache is shared). cfg is
 * copied (NULL: defaults). Allocates nothing yet. Returns 0, or
 * AVILA_EINVAL if a is NULL, shards is not a power of two up to 64, or only
 * one of lock and unlock is set.
 */
int avila_lsm_cache_init(struct avila_lsm_cache *c, const struct avila_allocator *a,
                         const struct avila_lsm_cache_config *cfg);

/*
 * Frees every entry and value. No handle may be outstanding and
 * no other call running. c may be initialised again.
 */
void avila_lsm_cache_release_all(struct avila_lsm_cache *c);

/* The allocator values MUST come from (alignment 1). */
const struct avila_allocator *avila_lsm_cache_allocator(const struct avila_lsm_cache *c);

/* The number of shards (the bound of the shard argument of the lock callbacks). */
unsigned avila_lsm_cache_shards(const struct avila_lsm_cache *c);

/*
 * Looks up (id, off). On a hit *out gets a handle that pins the entry and
 * it returns 0; on a miss it returns AVILA_ENOTFOUND. Counts a hit or a
 * miss.
 */
int avila_lsm_cache_lookup(struct avila_lsm_cache *c, uint64_t id, uint64_t off,
                           struct avila_lsm_cache_handle **out);

/*
 * Inserts the value data[0 .. len) under (id, off), replacing an entry with
 * the same key (handles on the old one stay valid). data MUST have been
 * allocated from avila_lsm_cache_allocator(c) with size alloc_size (>= len)
 * and alignment 1; the cache owns it from this call on, whatever the
 * result. If out is not NULL, *out gets a handle pinning the new entry.
 * May evict unpinned entries of the shard. Returns 0, or AVILA_ENOMEM when
 * the entry's bookkeeping cannot be allocated (then data is freed already).
 */
int avila_lsm_cache_insert(struct avila_lsm_cache *c, uint64_t id, uint64_t off, uint8_t *data,
                           size_t len, size_t alloc_size, struct avila_lsm_cache_handle **out);

/* The pinned value's bytes (valid until the handle is released). */
struct avila_slice avila_lsm_cache_value(const struct avila_lsm_cache_handle *h);

/* Releases a handle (it is invalid afterwards); may evict or free the entry. */
void avila_lsm_cache_release(struct avila_lsm_cache *c, struct avila_lsm_cache_handle *h);

/*
 * Drops every entry of cache id (when its table file is deleted). Entries
 * still pinned leave the cache now and are freed at their last release.
 * Walks every shard: O(entries).
 */
void avila_lsm_cache_erase_id(struct avila_lsm_cache *c, uint64_t id);

/* Fills *st with the counters (each shard read under its lock). */
void avila_lsm_cache_stats(struct avila_lsm_cache *c, struct avila_lsm_cache_stats *st);

#endif
