/*
 * data/lsm_block.h - SSTable data blocks of the LSM store: a builder, the
 * block trailer (kind byte and masked CRC32C), and a reader that is safe on
 * hostile bytes. Pure (core only).
 *
 * Block contents. Entries in strictly increasing internal-key order
 * (data/lsm_format.h), each
 *     varint shared     bytes of the key shared with the previous entry's key
 *     varint unshared   bytes of the key that follow
 *     varint value_len
 *     key[shared..shared+unshared), value
 * with a restart point every R entries (the first entry is one): a restart
 * entry has shared = 0. After the entries, the restart offsets (byte offset
 * of each restart entry from the start of the block, u32 little-endian each,
 * increasing, the first 0) and their count (u32 little-endian, at least 1).
 * An empty block is one restart at offset 0 and the count 1 (8 bytes).
 *
 * Stored block. The contents followed by a 5-byte trailer: a kind byte (0 =
 * uncompressed, the only kind so far) and the masked CRC32C
 * (avila_lsm_crc_mask) of the contents and the kind byte, u32
 * little-endian.
 *
 * Reader. avila_lsm_block_open checks the restart array up front (count,
 * bounds, order); iterators check every entry as they decode it (varints,
 * lengths within the entry area, shared prefix not longer than the previous
 * key, shared = 0 at restart points, restart points on entry boundaries,
 * internal keys at least 8 bytes with a known kind). Hostile bytes give
 * AVILA_EFORMAT, never a read outside the block or a loop. Iterators do not
 * check that keys are sorted (a crafted block with unsorted keys makes seek
 * land on a wrong entry, still in bounds); avila_lsm_block_check does, for
 * integrity checks and the fuzzer. The CRC of the trailer is what guards
 * stored blocks against damage.
 *
 * Errors: AVILA_EFORMAT for malformed or damaged bytes, AVILA_EUNSUPPORTED
 * for an intact block of an unknown kind, AVILA_EINVAL for a caller's
 * mistake (keys out of order, bad lengths), AVILA_ELIMIT when a block
 * would pass AVILA_LSM_BLOCK_MAX_BYTES or a key its iterator's key buffer,
 * AVILA_ENOMEM (and the other avila_buf errors) when a buffer cannot grow.
 */
#ifndef AVILA_DATA_LSM_BLOCK_H
#define AVILA_DATA_LSM_BLOCK_H

#include <stdbool.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/platform.h"
#include "data/lsm_format.h"

/* Default and largest restart interval (entries per restart point). */
#define AVILA_LSM_BLOCK_DEFAULT_RESTART_INTERVAL 16
#define AVILA_LSM_BLOCK_MAX_RESTART_INTERVAL     1024

/* Largest block contents the builder makes and the reader accepts. */
#define AVILA_LSM_BLOCK_MAX_BYTES ((size_t)1 << 30)

/* The longest internal key: the size of a key buffer that fits every key. */
#define AVILA_LSM_IKEY_MAX (AVILA_LSM_MAX_KEY_LEN + AVILA_LSM_TRAILER_LEN)

/* Block kinds (the trailer's first byte). */
enum avila_lsm_block_kind {
    AVILA_LSM_BLOCK_RAW = 0, /* uncompressed */
};

#define AVILA_LSM_BLOCK_TRAILER_LEN 5

/* ---------------------------------------------------------------- builder */

/*
 * Builds one block's contents in memory. Caller-allocated; fields are
 * private. It owns three growable buffers from the allocator given at init
 * until avila_lsm_block_builder_release.
 */
struct avila_lsm_block_builder {
    struct avila_buf data;     /* entries */
    struct avila_buf restarts; /* u32 LE offsets */
    struct avila_buf last;     /* the previous internal key */
    unsigned restart_interval;
    unsigned since_restart; /* entries since the last restart point */
    size_t entries;
};

/*
 * Starts an empty builder over a (which MUST outlive it), with a restart
 * point every restart_interval entries (0 = the default 16). Allocates
 * nothing yet. Returns 0, or AVILA_EINVAL if a is NULL or the interval is
 * beyond AVILA_LSM_BLOCK_MAX_RESTART_INTERVAL.
 */
int avila_lsm_block_builder_init(struct avila_lsm_block_builder *b, const struct avila_allocator *a,
                                 unsigned restart_interval);

/*
 * Appends the entry (ikey, value); both are copied. ikey MUST be a
 * well-formed internal key (8 to AVILA_LSM_IKEY_MAX bytes, known kind)
 * strictly after the previous one in internal-key order, and value at most
 * AVILA_LSM_MAX_VALUE_LEN bytes. Returns 0; AVILA_EINVAL if not; AVILA_ELIMIT
 * if the block would pass AVILA_LSM_BLOCK_MAX_BYTES; the buffer errors.
 * A failed add changes nothing.
 */
int avila_lsm_block_builder_add(struct avila_lsm_block_builder *b, struct avila_slice ikey,
                                struct avila_slice value);

/*
 * The size the contents would have if finished now (entries, restart array
 * and count; without the trailer): the caller cuts a block when this passes
 * its target (about 4 KiB).
 */
size_t avila_lsm_block_builder_size(const struct avila_lsm_block_builder *b);

/* Entries added since init or the last finish/reset. */
size_t avila_lsm_block_builder_count(const struct avila_lsm_block_builder *b);

/*
 * The last key added (in the builder's memory, valid until the next add,
 * finish, reset or release); empty before the first add.
 */
struct avila_slice avila_lsm_block_builder_last_key(const struct avila_lsm_block_builder *b);

/*
 * Appends the finished contents (without trailer) to out, then empties the
 * builder for the next block (keeping its memory). Returns 0, or out's error
 * (then out and the builder are unchanged).
 */
int avila_lsm_block_builder_finish(struct avila_lsm_block_builder *b, struct avila_buf *out);

/* Empties the builder, keeping its memory. */
void avila_lsm_block_builder_reset(struct avila_lsm_block_builder *b);

/* Frees the builder's buffers; it may be initialised again. */
void avila_lsm_block_builder_release(struct avila_lsm_block_builder *b);

/* ---------------------------------------------------------------- trailer */

/*
 * Writes the trailer of the len bytes of contents at p for kind into out:
 * the kind byte, then the masked CRC32C of contents and kind (u32 LE).
 */
void avila_lsm_block_trailer(uint8_t out[AVILA_LSM_BLOCK_TRAILER_LEN], const uint8_t *p, size_t len,
                             enum avila_lsm_block_kind kind);

/*
 * Appends the trailer of b->data[start .. b->len) (the block just written
 * there) to b. Returns 0, AVILA_EINVAL if start > b->len, or b's error.
 */
int avila_lsm_block_trailer_append(struct avila_buf *b, size_t start,
                                   enum avila_lsm_block_kind kind);

/*
 * Checks a stored block: the len bytes at p are contents and trailer.
 * On success *contents gets the contents (a slice of p) and *kind the kind.
 * Returns 0; AVILA_EFORMAT if len is shorter than the trailer or the CRC
 * does not match; AVILA_EUNSUPPORTED for an intact block of unknown kind.
 */
int avila_lsm_block_verify(const uint8_t *p, size_t len, struct avila_slice *contents,
                           enum avila_lsm_block_kind *kind);

/* ---------------------------------------------------------------- reader */

/*
 * An opened block: a view of contents the caller owns (they MUST outlive it
 * and every iterator over it). Caller-allocated; fields are private.
 */
struct avila_lsm_block {
    const uint8_t *data;
    size_t restarts_off; /* end of the entries, start of the restart array */
    uint32_t nrestarts;
};

/*
 * Opens the len bytes of contents at p (no trailer) and checks the restart
 * array. Returns 0; AVILA_EFORMAT if it is malformed (too short, a count of
 * 0 or too large for len, offsets not increasing from 0 or beyond the
 * entries); AVILA_ELIMIT if len passes AVILA_LSM_BLOCK_MAX_BYTES.
 */
int avila_lsm_block_open(struct avila_lsm_block *blk, const uint8_t *p, size_t len);

/* Number of restart points (at least 1). */
uint32_t avila_lsm_block_restarts(const struct avila_lsm_block *blk);

/*
 * A position in a block. Caller-allocated; fields are private. Keys are
 * rebuilt in a key buffer the caller provides at init (AVILA_LSM_IKEY_MAX
 * bytes fit any key); values point into the block. Once an error is met,
 * the iterator is not valid and keeps the error (avila_lsm_block_iter_status)
 * until the next seek.
 */
struct avila_lsm_block_iter {
    const struct avila_lsm_block *blk;
    uint8_t *key;     /* caller buffer */
    size_t key_cap;   /* its size */
    size_t key_len;   /* current key bytes */
    size_t cur;       /* offset of the current entry; restarts_off: not valid */
    size_t nxt;       /* offset just past the current entry */
    uint32_t restart; /* index of the restart run holding cur */
    const uint8_t *value;
    size_t value_len;
    int err;
};

/*
 * Starts an iterator over blk (which MUST outlive it), not positioned. key_buf
 * (key_cap bytes, owned by the caller, used until the iterator is dropped)
 * holds the current key; keys longer than key_cap give AVILA_ELIMIT.
 */
void avila_lsm_block_iter_init(struct avila_lsm_block_iter *it, const struct avila_lsm_block *blk,
                               uint8_t *key_buf, size_t key_cap);

/*
 * Moves to the first entry whose key is at or after the internal key ikey
 * (borrowed for the call): a binary search over the restart points, then a
 * linear scan. Returns 0 (valid, or not valid past the end), AVILA_EINVAL if
 * ikey is shorter than AVILA_LSM_TRAILER_LEN, or a decoding error.
 */
int avila_lsm_block_iter_seek(struct avila_lsm_block_iter *it, struct avila_slice ikey);

/* Moves to the first entry. Returns 0 (not valid if empty) or a decoding error. */
int avila_lsm_block_iter_seek_first(struct avila_lsm_block_iter *it);

/* Moves to the last entry. Returns 0 (not valid if empty) or a decoding error. */
int avila_lsm_block_iter_seek_last(struct avila_lsm_block_iter *it);

/* Moves to the next entry; MUST be valid. Returns 0 or a decoding error. */
int avila_lsm_block_iter_next(struct avila_lsm_block_iter *it);

/*
 * Moves to the previous entry (decoding forward from the restart point
 * before it); MUST be valid. Returns 0 (not valid before the first) or a
 * decoding error.
 */
int avila_lsm_block_iter_prev(struct avila_lsm_block_iter *it);

/* True if the iterator is on an entry. */
bool avila_lsm_block_iter_valid(const struct avila_lsm_block_iter *it);

/* The current internal key (in the key buffer, until the iterator moves); MUST be valid. */
struct avila_slice avila_lsm_block_iter_key(const struct avila_lsm_block_iter *it);

/* The current value (in the block); MUST be valid. */
struct avila_slice avila_lsm_block_iter_value(const struct avila_lsm_block_iter *it);

/* The error that stopped the iterator, or 0. */
int avila_lsm_block_iter_status(const struct avila_lsm_block_iter *it);

/*
 * Walks the whole block and checks what iterators do not: keys strictly
 * increasing in internal-key order. key_buf MUST hold 2 * AVILA_LSM_IKEY_MAX
 * bytes (or 2 * the longest key). Returns the entry count (>= 0), or
 * AVILA_EFORMAT / AVILA_ELIMIT.
 */
int avila_lsm_block_check(const struct avila_lsm_block *blk, uint8_t *key_buf, size_t key_cap);

#endif
