/*
 * data/lsm_table.h - SSTable files of the LSM store: a builder that writes
 * a sorted run of internal entries to a VFS file, and a reader (point get,
 * two-level iterator, integrity check) that is safe on hostile files and
 * may be shared by many threads. Pure (core and data only).
 *
 * File format, version 1. All integers little-endian. A "stored block" is
 * block contents followed by the 5-byte trailer of data/lsm_block.h (kind
 * byte 0, masked CRC32C of contents and kind). A handle (off, size) names
 * the stored block whose contents are the size bytes at off; its trailer
 * follows at off + size.
 *
 *     [data block 0] ... [data block n-1]   stored blocks, lsm_block format
 *     [filter block]                        stored block
 *     [range-del block]                     stored block, lsm_block format
 *     [properties block]                    stored block
 *     [index block]                         stored block, lsm_block format
 *     [footer]                              AVILA_LSM_TABLE_FOOTER_LEN bytes
 *
 * The blocks follow each other with no gap, in this order: the filter
 * block starts where the data blocks end, each meta block starts right
 * after the previous one's trailer, and the index block's trailer ends
 * where the footer starts. (A reader checks this, so no byte of the file
 * is slack.)
 *
 * Data blocks: the point entries (kinds VALUE and DELETE) in strictly
 * increasing internal-key order, cut when a block's contents pass the
 * builder's block_size (the last entry makes it pass).
 *
 * Filter block: the bloom filter of data/lsm_bloom.h over the user keys of
 * all point entries (consecutive equal user keys counted once).
 *
 * Range-del block: one entry per range tombstone, key = (begin, seq,
 * RANGE_DELETE), value = end (exclusive), strictly increasing; an empty
 * block (8 bytes of contents) when the table has none.
 *
 * Properties block: records "varint tag, payload"; tag = id << 1 | b, with
 * b = 0: payload is a varint; b = 1: payload is varint length + bytes. Ids:
 *     1 entries (point entries)        2 point deletions
 *     3 range deletions                4 raw key bytes (point internal keys)
 *     5 raw value bytes (point values) 6 data blocks
 *     7 smallest seq                   8 largest seq (over every entry)
 *     9 smallest internal key (b=1)   10 largest internal key (b=1)
 *    11 format version                12 longest internal key in the file
 *                                        (data, range-del and index keys)
 * Every id MUST appear exactly once, in any order; unknown ids are skipped
 * (their b says how). smallest / largest cover the range tombstones too
 * (as the store decided: a tombstone [b, e) at seq s counts as the keys (b, s,
 * RANGE_DELETE) and (e, AVILA_LSM_MAX_SEQ, RANGE_DELETE)); both are empty
 * for a table with no entries at all.
 *
 * Index block: one entry per data block, in file order; key = a separator
 * S with last key of the block <= S < first key of the next block (internal
 * order), value = varint off, varint size (the block's handle). S is the
 * block's last key L, unless the user key can be shortened: with u = L's
 * user key and v the next block's first user key (or, for the last block,
 * no bound), if a shorter user key t with u < t < v exists (t = u's first
 * differing byte + 1, cut there), S = (t, AVILA_LSM_MAX_SEQ, VALUE).
 * Because t is strictly between two user keys of adjacent entries, no
 * entry has user key t, so S's trailer never needs to order against a real
 * entry of t; readers still move on to the next block when a seek finds
 * nothing at or after the target in the block the index chose.
 *
 * Footer (AVILA_LSM_TABLE_FOOTER_LEN = 80 bytes):
 *     0  index off u64, index size u64
 *    16  filter off u64, filter size u64
 *    32  range-del off u64, range-del size u64
 *    48  properties off u64, properties size u64
 *    64  format version u32 (1)
 *    68  masked CRC32C of bytes 0..68 u32
 *    72  magic, the 8 bytes AVILA_LSM_TABLE_MAGIC
 *
 * Errors. A file that is not a well-formed table (bad magic, unknown
 * version, CRC mismatch, a handle outside the file or overlapping the
 * footer, blocks not laid out as above, a malformed block or property, a
 * key longer than the file says) gives AVILA_EFORMAT from open, get, the
 * iterators or check - never wrong data, never an out-of-bounds read.
 * Every size read from the file is bounded by the file's length before it
 * is used: open allocates at most the file's length (the meta blocks) plus
 * key buffers; key buffers (2 per iterator or get, 5 for check) are sized
 * by the longest key, which open bounds by the file's length too. The
 * VFS's errors are passed through; AVILA_ENOMEM when the allocator
 * refuses.
 */
#ifndef AVILA_DATA_LSM_TABLE_H
#define AVILA_DATA_LSM_TABLE_H

#include <stdbool.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/platform.h"
#include "data/lsm_block.h"
#include "data/lsm_cache.h"
#include "data/lsm_format.h"
#include "data/lsm_iter.h"
#include "data/lsm_vfs.h"

#define AVILA_LSM_TABLE_FORMAT_VERSION 1u
#define AVILA_LSM_TABLE_FOOTER_LEN     80
#define AVILA_LSM_TABLE_MAGIC                                                                      \
    "\x8a"                                                                                         \
    "AVLSST\x1a"

#define AVILA_LSM_TABLE_DEFAULT_BLOCK_SIZE ((size_t)4096)
/* Largest block_size option (blocks still hold one entry of any size). */
#define AVILA_LSM_TABLE_MAX_BLOCK_SIZE ((size_t)64 << 20)
/* The builder appends to the file when this much is buffered. */
#define AVILA_LSM_TABLE_WRITE_BUFFER ((size_t)64 << 10)

/*
 * Builder options; zero fields take the defaults.
 *   block_size          target data block contents bytes (4096), at most
 *                       AVILA_LSM_TABLE_MAX_BLOCK_SIZE
 *   restart_interval    of data blocks (16; index blocks use 1)
 *   bloom_bits_per_key  (10), at most AVILA_LSM_BLOOM_MAX_BITS_PER_KEY
 */
struct avila_lsm_table_options {
    size_t block_size;
    unsigned restart_interval;
    unsigned bloom_bits_per_key;
};

/*
 * A table's properties (see the format above). smallest and largest point
 * into memory of whoever filled the struct (the builder or the reader) and
 * live as long as it does.
 */
struct avila_lsm_table_props {
    uint64_t entries;         /* point entries (VALUE and DELETE) */
    uint64_t deletions;       /* DELETE entries */
    uint64_t range_deletions; /* RANGE_DELETE entries */
    uint64_t raw_key_bytes;   /* internal key bytes of the point entries */
    uint64_t raw_value_bytes; /* value bytes of the point entries */
    uint64_t data_blocks;
    uint64_t smallest_seq; /* over all entries; 0 if there are none */
    uint64_t largest_seq;
    uint64_t max_ikey_len;       /* longest internal key stored in the file */
    uint64_t format_version;     /* AVILA_LSM_TABLE_FORMAT_VERSION */
    uint64_t file_size;          /* bytes of the whole file */
    struct avila_slice smallest; /* internal key, covering range tombstones */
    struct avila_slice largest;
};

/* ---------------------------------------------------------------- builder */

/*
 * Writes one table. Caller-allocated; fields are private. One thread at a
 * time. It owns buffers from the allocator until
 * avila_lsm_table_builder_release.
 */
struct avila_lsm_table_builder {
    const struct avila_lsm_vfs *vfs;
    struct avila_lsm_file *file;
    const struct avila_allocator *a;
    struct avila_lsm_table_options opt;
    struct avila_lsm_block_builder data;
    struct avila_lsm_block_builder index;
    struct avila_lsm_block_builder rangedel;
    struct avila_buf out;      /* bytes not yet appended to the file */
    uint64_t written;          /* bytes appended to the file */
    struct avila_buf last;     /* last point internal key */
    struct avila_buf last_rd;  /* last range-del internal key */
    struct avila_buf hashes;   /* bloom hashes, uint64_t each */
    struct avila_buf smallest; /* smallest internal key so far */
    struct avila_buf largest;  /* largest */
    struct avila_buf scratch;  /* separators */
    bool pending;              /* a finished block waits for its index entry */
    uint64_t pending_off, pending_size;
    struct avila_lsm_table_props props;
    int err;       /* sticky */
    bool finished; /* finish succeeded */
};

/*
 * Starts a table in file f of vfs (opened with open_append, empty; both
 * MUST outlive the builder; the caller syncs and closes f after finish).
 * opt is copied (NULL: defaults). Allocates nothing yet.
 * Returns 0, or AVILA_EINVAL for a NULL argument or an option out of range.
 */
int avila_lsm_table_builder_init(struct avila_lsm_table_builder *b, const struct avila_lsm_vfs *vfs,
                                 struct avila_lsm_file *f,
                                 const struct avila_lsm_table_options *opt,
                                 const struct avila_allocator *a);

/*
 * Adds the entry (ikey, value); both are copied. ikey MUST be a well-formed
 * internal key (user key at most AVILA_LSM_MAX_KEY_LEN bytes, known kind)
 * and value at most AVILA_LSM_MAX_VALUE_LEN bytes. Point entries (VALUE,
 * DELETE) MUST come in strictly increasing internal-key order; RANGE_DELETE
 * entries (value = the exclusive end key) MUST be strictly increasing among
 * themselves and may be interleaved with the point entries anywhere (say,
 * all at the end). Returns 0; AVILA_EINVAL for a malformed or out-of-order
 * entry; AVILA_ELIMIT, AVILA_ENOMEM for buffers; the VFS's error of an
 * append. Any error is sticky: every later add and finish returns it.
 */
int avila_lsm_table_builder_add(struct avila_lsm_table_builder *b, struct avila_slice ikey,
                                struct avila_slice value);

/*
 * The size the file would have if finished now, roughly (bytes written and
 * buffered, the open block, the index and filter so far): for cutting
 * compaction output files.
 */
uint64_t avila_lsm_table_builder_size(const struct avila_lsm_table_builder *b);

/* Entries added so far (all kinds). */
uint64_t avila_lsm_table_builder_count(const struct avila_lsm_table_builder *b);

/*
 * Writes the last data block, the filter, range-del, properties and index
 * blocks and the footer, and appends everything buffered to the file. On
 * success *props (if not NULL) gets the table's properties (smallest and
 * largest in the builder's memory, valid until release). A table with no
 * entries is valid. Returns 0, or the sticky error / the VFS's error (then
 * the file is garbage: delete it). Call at most once.
 */
int avila_lsm_table_builder_finish(struct avila_lsm_table_builder *b,
                                   struct avila_lsm_table_props *props);

/*
 * Frees the builder's buffers. Without a successful finish this abandons
 * the table (the file holds a useless prefix: the caller deletes it).
 */
void avila_lsm_table_builder_release(struct avila_lsm_table_builder *b);

/* ---------------------------------------------------------------- reader */

/*
 * An open table. Opaque-by-convention: allocated by open, every field
 * private. After open it is read-only: get, the iterators, check and the
 * accessors may run on any number of threads at once (the VFS's read is
 * thread-safe for files opened for reading; the cache locks itself; the
 * allocator MUST then be thread-safe).
 */
struct avila_lsm_table {
    const struct avila_lsm_vfs *vfs;
    struct avila_lsm_file *file;
    const struct avila_allocator *a;
    struct avila_lsm_cache *cache;
    uint64_t cache_id;
    uint64_t file_size;
    uint64_t data_end; /* data blocks lie in [0, data_end) */
    struct avila_lsm_table_props props;
    uint8_t *meta;     /* filter, range-del, properties and index contents, one allocation */
    size_t meta_alloc; /* its size */
    struct avila_slice filter;
    struct avila_lsm_block index;
    struct avila_lsm_block rangedel;
    size_t key_cap; /* props.max_ikey_len: the key buffer size iterators need */
};

/*
 * Opens the table in file f of vfs (opened with open_read; file_size its
 * size in bytes), reading and checking the footer, properties, index,
 * filter and range-del blocks (kept in memory). Data blocks are read on
 * demand, through cache if not NULL under the key (cache_id, block
 * offset): cache_id MUST be unique to this file in that cache (the file
 * number). vfs, f, cache and a MUST outlive the table; closing f stays the
 * caller's job, after release. *out gets the table.
 * Returns 0; AVILA_EFORMAT for a damaged or foreign file; the VFS's errors;
 * AVILA_ENOMEM; AVILA_EINVAL for a NULL argument.
 */
int avila_lsm_table_open(const struct avila_lsm_vfs *vfs, struct avila_lsm_file *f,
                         uint64_t file_size, uint64_t cache_id, struct avila_lsm_cache *cache,
                         const struct avila_allocator *a, struct avila_lsm_table **out);

/*
 * Frees the table (not the file, not its cache entries: erase them with
 * avila_lsm_cache_erase_id when the file is deleted). No get, iterator or
 * check may be running or remain.
 */
void avila_lsm_table_release(struct avila_lsm_table *t);

/* The table's properties (smallest and largest in the table's memory). */
const struct avila_lsm_table_props *avila_lsm_table_props(const struct avila_lsm_table *t);

/*
 * The range-del block (in the table's memory, checked at open: sorted, every
 * key of kind RANGE_DELETE): read it with avila_lsm_block_iter_init and a
 * key buffer of avila_lsm_table_key_cap(t) bytes (or AVILA_LSM_IKEY_MAX).
 */
const struct avila_lsm_block *avila_lsm_table_rangedels(const struct avila_lsm_table *t);

/* The longest internal key in the file (a key buffer of this size fits every key). */
size_t avila_lsm_table_key_cap(const struct avila_lsm_table *t);

/* What avila_lsm_table_get found (same values as the memtable's). */
enum avila_lsm_table_get_result {
    AVILA_LSM_TABLE_NOT_FOUND = 0, /* no point entry for the key at or below the snapshot */
    AVILA_LSM_TABLE_VALUE = 1,     /* the newest such entry is a value */
    AVILA_LSM_TABLE_DELETED = 2,   /* the newest such entry is a deletion */
};

/*
 * Looks up the newest point entry for user_key with seq <= snapshot (a
 * snapshot beyond AVILA_LSM_MAX_SEQ sees everything); range tombstones are
 * not applied (the caller does). The bloom filter skips most absent keys
 * without reading; otherwise one data block is read (from the cache if it
 * is there; inserted into it on a miss). On VALUE the value's bytes are
 * copied into value (cleared first; value may be NULL to skip the copy);
 * on VALUE and DELETED *seq (if not NULL) gets the entry's seq.
 * Returns an enum avila_lsm_table_get_result (>= 0); AVILA_EINVAL for a
 * user key longer than AVILA_LSM_MAX_KEY_LEN; AVILA_EFORMAT; the VFS's
 * errors; AVILA_ENOMEM; value's errors.
 */
int avila_lsm_table_get(const struct avila_lsm_table *t, struct avila_slice user_key,
                        uint64_t snapshot, struct avila_buf *value, uint64_t *seq);

/* ---------------------------------------------------------------- iterator */

/*
 * Iterator options.
 *   no_fill_cache  blocks read on a cache miss are not inserted (for
 *                  compaction scans, so they do not evict hot blocks);
 *                  blocks already cached are still used
 * Checksums are always verified.
 */
struct avila_lsm_table_iter_options {
    bool no_fill_cache;
};

/* The block an iterator stands in: pinned in the cache, or in its own buffer. */
struct avila_lsm_table_blockref {
    struct avila_lsm_cache_handle *h; /* NULL: the contents are in own */
    struct avila_buf own;
    struct avila_lsm_block blk;
    bool loaded;
};

/*
 * A two-level iterator over the point entries (index block -> data
 * blocks); it keeps the lsm_iter.h contract. Caller-allocated; fields are
 * private. One thread at a time per iterator; many iterators may run on
 * one table at once. It pins at most one cache entry at a time.
 */
struct avila_lsm_table_iter {
    const struct avila_lsm_table *t;
    struct avila_lsm_table_iter_options opt;
    uint8_t *keys; /* two key buffers of key_cap bytes: index, data */
    size_t keys_alloc;
    struct avila_lsm_block_iter ix;
    struct avila_lsm_block_iter dt;
    struct avila_lsm_table_blockref ref;
    bool valid;
    int err;
};

/*
 * Starts an iterator over t (which MUST outlive it), not positioned. opt is
 * copied (NULL: defaults). Returns 0 or AVILA_ENOMEM (for its key buffers).
 */
int avila_lsm_table_iter_init(struct avila_lsm_table_iter *it, const struct avila_lsm_table *t,
                              const struct avila_lsm_table_iter_options *opt);

/* Releases the pinned block and the buffers; it may be initialised again. */
void avila_lsm_table_iter_release(struct avila_lsm_table_iter *it);

/*
 * The lsm_iter.h operations (same contract: seeks clear an error; next and
 * prev only while valid; key and value only while valid, their bytes valid
 * until the iterator moves; errors: AVILA_EFORMAT, the VFS's, AVILA_ENOMEM).
 * seek's ikey MUST be at least AVILA_LSM_TRAILER_LEN bytes (AVILA_EINVAL).
 */
int avila_lsm_table_iter_seek(struct avila_lsm_table_iter *it, struct avila_slice ikey);
int avila_lsm_table_iter_seek_first(struct avila_lsm_table_iter *it);
int avila_lsm_table_iter_seek_last(struct avila_lsm_table_iter *it);
int avila_lsm_table_iter_next(struct avila_lsm_table_iter *it);
int avila_lsm_table_iter_prev(struct avila_lsm_table_iter *it);
bool avila_lsm_table_iter_valid(const struct avila_lsm_table_iter *it);
struct avila_slice avila_lsm_table_iter_key(const struct avila_lsm_table_iter *it);
struct avila_slice avila_lsm_table_iter_value(const struct avila_lsm_table_iter *it);
int avila_lsm_table_iter_status(const struct avila_lsm_table_iter *it);

/* Fills *out with the lsm_iter.h view of it (a view: it MUST outlive its use). */
void avila_lsm_table_iter_as(struct avila_lsm_table_iter *it, struct avila_lsm_iter *out);

/* ---------------------------------------------------------------- check */

/*
 * Verifies the whole file: every data block's CRC and entries, keys
 * strictly increasing within and across blocks, only point kinds in data
 * blocks, every index key between its block's last key and the next
 * block's first, the counts and smallest / largest of the properties
 * against what the blocks hold. Reads blocks without filling the cache.
 * Returns 0, AVILA_EFORMAT on any damage, the VFS's errors, AVILA_ENOMEM.
 */
int avila_lsm_table_check(const struct avila_lsm_table *t);

#endif
