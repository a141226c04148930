/*
 * data/lsm_wal.h - the write-ahead log of the LSM store: a file of
 * checksummed records (each one a write batch, data/lsm_batch.h), written
 * by appending and read back at recovery. Pure: all file access goes
 * through a struct avila_lsm_vfs (data/lsm_vfs.h).
 *
 * Record framing (our own; integers little-endian):
 *   offset 0   u32  n, the payload length (at most AVILA_LSM_WAL_MAX_RECORD)
 *   offset 4   u32  masked CRC32C (data/lsm_format.h) of bytes 0..4
 *   offset 8   u32  masked CRC32C of bytes 0..4 followed by the payload
 *   offset 12  n bytes of payload
 * Records follow each other with no padding; the file is nothing else.
 * The first checksum vouches for the length on its own, so a damaged
 * length is never believed (and a zero-filled header never passes: the
 * masked CRC of four zero bytes is not zero).
 *
 * Durability contract (what the reader makes of a file):
 *   - Every record the writer appended before a successful
 *     avila_lsm_wal_sync is read back, whole and in order, after any crash
 *     (given the caller synced the directory after creating the file).
 *   - Records appended after the last sync may be lost, from some record
 *     on to the end: the reader returns a prefix of the records appended,
 *     never a record that was not appended, never one with wrong bytes,
 *     never a gap.
 *   - A torn tail is dropped silently, and the reader reports the clean
 *     end offset (where the last good record ends) and how many bytes it
 *     dropped. A tail is torn when it is: fewer than 12 bytes; or a record
 *     whose (valid) header says it runs past the end of the file; or a
 *     record whose header or payload checksum fails when no valid whole
 *     record starts after its first byte and ends past its extent (its
 *     end as its header gives it when the header is valid; its first byte
 *     when not) - zero-filled or half-written blocks at the end. The
 *     payload of a torn record is user data and may hold anything, a
 *     valid-looking record included: that is why records lying wholly
 *     within a damaged record's extent do not count.
 *   - Any other damage - a record whose checksum fails with a valid record
 *     after it as above, or a valid header whose length passes
 *     AVILA_LSM_WAL_MAX_RECORD - is AVILA_EFORMAT, and the reader's offset
 *     is that record's: nothing after it is skipped to silently, nothing
 *     wrong is returned.
 *   - A bit flip inside the last record cannot be told from a torn write:
 *     that record is dropped (it was either not synced, or its disk lies).
 * A writer MUST NOT append after a failed append or sync (the file may end
 * in a partial record, which is a torn tail only while nothing follows it):
 * the writer refuses, with its first error, and the caller starts a new
 * log file.
 */
#ifndef AVILA_DATA_LSM_WAL_H
#define AVILA_DATA_LSM_WAL_H

#include <stdbool.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/platform.h"
#include "data/lsm_vfs.h"

#define AVILA_LSM_WAL_HEADER_LEN 12
/* Largest payload of one record (64 MiB). */
#define AVILA_LSM_WAL_MAX_RECORD ((size_t)64 << 20)
/* Records up to this size (header included) go to the file in one append call. */
#define AVILA_LSM_WAL_SCRATCH 32768
/* Bytes the reader asks the VFS for at a time (more when a record is larger). */
#define AVILA_LSM_WAL_READ_CHUNK 65536

/*
 * Writes the 12-byte header of a record holding the n bytes at p (n at most
 * AVILA_LSM_WAL_MAX_RECORD; p may be NULL if n is 0) into out.
 */
void avila_lsm_wal_frame(uint8_t out[AVILA_LSM_WAL_HEADER_LEN], const void *p, size_t n);

/* ---------------------------------------------------------------- writer */

/*
 * A log writer. Caller-allocated (AVILA_LSM_WAL_SCRATCH bytes and a few
 * words); fields private. Not thread-safe: group commit is the caller's
 * (one thread appends the joined batches).
 */
struct avila_lsm_wal_writer {
    const struct avila_lsm_vfs *vfs;
    struct avila_lsm_file *f;
    uint64_t offset; /* bytes of whole records appended (buffered ones included) */
    uint64_t synced; /* bytes known durable */
    size_t buffered; /* framed records at the start of scratch, not yet in the file */
    int err;         /* first failure: sticky */
    uint8_t scratch[AVILA_LSM_WAL_SCRATCH];
};

/*
 * Starts writing records to f, a file of vfs opened with open_append, at
 * offset (its current size: 0 for a new file). Borrows vfs and f (both
 * MUST outlive the writer; the caller closes f).
 */
void avila_lsm_wal_writer_init(struct avila_lsm_wal_writer *w, const struct avila_lsm_vfs *vfs,
                               struct avila_lsm_file *f, uint64_t offset);

/*
 * Appends one record holding the n bytes at p (copied out before it
 * returns). Not durable until avila_lsm_wal_sync. Returns 0; AVILA_EINVAL
 * for n above AVILA_LSM_WAL_MAX_RECORD (or p NULL with n > 0: nothing is
 * written, the writer stays usable); the VFS's error, which the writer
 * then keeps returning (from every append and sync) with nothing more
 * written.
 */
int avila_lsm_wal_append(struct avila_lsm_wal_writer *w, const void *p, size_t n);

/*
 * Appends one record like avila_lsm_wal_append, except that a record that
 * fits in the writer's buffer (AVILA_LSM_WAL_SCRATCH bytes with its header)
 * may stay there, framed, until the next flush, sync or unbuffered append,
 * or until the buffer is full: many small records reach the file in one
 * VFS call. Records keep their order whichever function appended them.
 * Errors as avila_lsm_wal_append (a VFS error when the buffer is written).
 */
int avila_lsm_wal_append_buffered(struct avila_lsm_wal_writer *w, const void *p, size_t n);

/* Writes the buffered records to the file (not durable). Returns 0 or the (sticky) error. */
int avila_lsm_wal_flush(struct avila_lsm_wal_writer *w);

/* True if records wait in the buffer. */
bool avila_lsm_wal_writer_buffered(const struct avila_lsm_wal_writer *w);

/* Makes every record appended so far durable (flushing first). Returns 0 or the (sticky) error. */
int avila_lsm_wal_sync(struct avila_lsm_wal_writer *w);

/*
 * Offset after the last record appended (buffered records included: the
 * file's size once flushed, if all went well).
 */
uint64_t avila_lsm_wal_writer_offset(const struct avila_lsm_wal_writer *w);

/* Offset up to which records are known durable. */
uint64_t avila_lsm_wal_writer_synced(const struct avila_lsm_wal_writer *w);

/* The first error the writer met, or 0. */
int avila_lsm_wal_writer_error(const struct avila_lsm_wal_writer *w);

/* ---------------------------------------------------------------- reader */

/* A log reader. Caller-allocated; fields private. Not thread-safe. */
struct avila_lsm_wal_reader {
    const struct avila_lsm_vfs *vfs;
    struct avila_lsm_file *f;
    uint64_t size;    /* the file's size when the reader started */
    uint64_t off;     /* where the next record starts (the clean end so far) */
    uint64_t win_off; /* file offset of win.data[0] */
    struct avila_buf win;
    int err; /* sticky error */
    bool end;
};

/*
 * Starts reading the records of f, a file of vfs opened with open_read,
 * from offset 0 up to the size it has now. Borrows vfs and f (they MUST
 * outlive the reader; the caller closes f). Memory for the records comes
 * from a (MUST outlive the reader): at most AVILA_LSM_WAL_READ_CHUNK or
 * the largest record plus its header, whichever is more. Returns 0 or
 * the VFS's error from asking the size.
 */
int avila_lsm_wal_reader_init(struct avila_lsm_wal_reader *r, const struct avila_lsm_vfs *vfs,
                              struct avila_lsm_file *f, const struct avila_allocator *a);

/*
 * Reads the next record: returns 1 with *rec its payload (valid until the
 * next call or release), or 0 at the clean end (a torn tail, if any, is
 * dropped: see avila_lsm_wal_reader_dropped), or an error, which it keeps
 * returning: AVILA_EFORMAT for damage (the offset is the damaged record's),
 * AVILA_ENOMEM, or the VFS's error (AVILA_EIO also if the file shrank).
 */
int avila_lsm_wal_reader_next(struct avila_lsm_wal_reader *r, struct avila_slice *rec);

/*
 * Offset where the next record starts: after the last good record read.
 * After 0 it is the clean end (a writer would start there); after
 * AVILA_EFORMAT it is the damaged record's offset.
 */
uint64_t avila_lsm_wal_reader_offset(const struct avila_lsm_wal_reader *r);

/* After next returned 0: the bytes of torn tail it dropped (0 for a clean file). */
uint64_t avila_lsm_wal_reader_dropped(const struct avila_lsm_wal_reader *r);

/* Frees the reader's memory (the file stays open: it is the caller's). */
void avila_lsm_wal_reader_release(struct avila_lsm_wal_reader *r);

#endif
