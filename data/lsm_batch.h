/*
 * data/lsm_batch.h - write batches of the LSM store: a list of puts,
 * deletes and range deletes applied atomically, kept as the byte string
 * that goes into the WAL unchanged.
 *
 * Format (all integers little-endian; varints as data/lsm_format.h):
 *   header   seq    u64  sequence number of the first entry
 *            count  u32  number of entries
 *   entries  kind   u8   AVILA_LSM_VALUE, AVILA_LSM_DELETE or AVILA_LSM_RANGE_DELETE
 *            klen   varint, then klen bytes of key
 *            VALUE and RANGE_DELETE only:
 *            vlen   varint, then vlen bytes of value (RANGE_DELETE: the
 *                   end of the range [key, value), exclusive)
 * Entry i gets sequence number seq + i. Keys are at most
 * AVILA_LSM_MAX_KEY_LEN bytes, values AVILA_LSM_MAX_VALUE_LEN, a range's
 * end at most AVILA_LSM_MAX_KEY_LEN and strictly above its start (bytewise),
 * and seq + count - 1 at most AVILA_LSM_MAX_SEQ. The iterator checks all of
 * this, that every entry is whole, that there are exactly count entries
 * and that no byte follows the last: anything else is AVILA_EFORMAT.
 *
 * Pure (core only). Building a batch writes into a caller's struct
 * avila_buf, whose own errors (AVILA_ELIMIT, AVILA_ENOSPC, AVILA_ENOMEM)
 * leave the batch as it was.
 */
#ifndef AVILA_DATA_LSM_BATCH_H
#define AVILA_DATA_LSM_BATCH_H

#include <stdbool.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/platform.h"
#include "data/lsm_format.h"

#define AVILA_LSM_BATCH_HEADER_LEN 12
#define AVILA_LSM_BATCH_MAX_COUNT  ((uint32_t)0xFFFFFFFFu)

/*
 * A batch being built: a view over the caller's buffer (b MUST outlive the
 * batch; its bytes are the batch: b->data[0 .. b->len)). Fields private.
 */
struct avila_lsm_batch {
    struct avila_buf *b;
};

/*
 * Starts an empty batch (sequence number 0, no entries) in b, which is
 * cleared first. Returns 0, or b's error for the 12 header bytes.
 */
int avila_lsm_batch_init(struct avila_lsm_batch *batch, struct avila_buf *b);

/*
 * Adds a put of key -> value. Returns 0; AVILA_EINVAL if key or value is
 * too long (or NULL with a non-zero length); AVILA_ELIMIT if the batch
 * holds AVILA_LSM_BATCH_MAX_COUNT entries; or the buffer's error.
 */
int avila_lsm_batch_put(struct avila_lsm_batch *batch, struct avila_slice key,
                        struct avila_slice value);

/* Adds a delete of key. Errors as avila_lsm_batch_put. */
int avila_lsm_batch_del(struct avila_lsm_batch *batch, struct avila_slice key);

/*
 * Adds a delete of every key k with begin <= k < end. AVILA_EINVAL also
 * when end <= begin; otherwise errors as avila_lsm_batch_put.
 */
int avila_lsm_batch_del_range(struct avila_lsm_batch *batch, struct avila_slice begin,
                              struct avila_slice end);

/* Number of entries. */
uint32_t avila_lsm_batch_count(const struct avila_lsm_batch *batch);

/* Sequence number of the first entry. */
uint64_t avila_lsm_batch_seq(const struct avila_lsm_batch *batch);

/*
 * Sets the sequence number of the first entry. AVILA_EINVAL (and no
 * change) if the last entry's, seq + count - 1, would pass AVILA_LSM_MAX_SEQ.
 */
int avila_lsm_batch_set_seq(struct avila_lsm_batch *batch, uint64_t seq);

/*
 * Appends the entries of the well-formed batch src[0 .. len) (for group
 * commit: several writers' batches become one WAL record); dst keeps its
 * own sequence number, and the entries of src are numbered after dst's.
 * Returns 0; AVILA_EFORMAT if src is not a well-formed batch (it is
 * checked whole first); AVILA_ELIMIT if the count would pass
 * AVILA_LSM_BATCH_MAX_COUNT; or the buffer's error. src MUST NOT point into
 * dst's buffer. On failure dst is unchanged.
 */
int avila_lsm_batch_append(struct avila_lsm_batch *dst, const uint8_t *src, size_t len);

/* One entry, as the iterator hands it out: slices point into the batch's bytes. */
struct avila_lsm_batch_entry {
    enum avila_lsm_kind kind;
    uint64_t seq;
    struct avila_slice key;
    struct avila_slice value; /* VALUE: the value; RANGE_DELETE: the end; DELETE: empty */
};

/* An iterator over the bytes of a batch. Caller-allocated; fields private. */
struct avila_lsm_batch_iter {
    struct avila_cursor c;
    uint64_t seq;
    uint32_t count, done;
    int err; /* sticky AVILA_EFORMAT */
};

/*
 * Starts iterating the batch p[0 .. len) (borrowed: it MUST outlive the
 * iterator and the entries). Returns 0, or AVILA_EFORMAT if the header is
 * short or seq + count - 1 is beyond AVILA_LSM_MAX_SEQ.
 */
int avila_lsm_batch_iter_init(struct avila_lsm_batch_iter *it, const uint8_t *p, size_t len);

/*
 * Reads the next entry into *e: returns 1, or 0 after the last one (when
 * exactly count entries were read and no byte is left), or AVILA_EFORMAT
 * on any damage (after which the iterator keeps returning it). Entries
 * before the damage were handed out already: to apply a batch atomically,
 * check it whole with avila_lsm_batch_check first.
 */
int avila_lsm_batch_iter_next(struct avila_lsm_batch_iter *it, struct avila_lsm_batch_entry *e);

/*
 * Checks the whole batch p[0 .. len) as the iterator would. Returns 0 with
 * the entry count in *count (which may be NULL), or AVILA_EFORMAT.
 */
int avila_lsm_batch_check(const uint8_t *p, size_t len, uint32_t *count);

#endif
