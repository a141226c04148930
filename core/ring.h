/*
 * core/ring.h - a byte ring buffer (FIFO) over caller memory, with copying
 * reads and writes and zero-copy spans, so a socket can read straight into
 * it and write straight out of it. Pure. No standard is implemented.
 *
 * The capacity is a power of two. Positions are free-running size_t counters
 * of bytes ever written and read, reduced modulo the capacity only to index
 * memory; unsigned wrap-around keeps write - read equal to the byte count
 * even after 2^64 bytes, because the capacity divides 2^64.
 */
#ifndef AVILA_CORE_RING_H
#define AVILA_CORE_RING_H

#include "core/error.h"
#include "core/platform.h"

/* Caller-allocated; all fields are private. Not thread-safe. */
struct avila_ring {
    uint8_t *mem;
    size_t mask;  /* capacity - 1 */
    size_t read;  /* bytes ever read (consumed) */
    size_t write; /* bytes ever written (committed) */
};

/*
 * Starts an empty ring over the cap bytes at mem, which MUST outlive it and
 * stay the caller's. Returns 0, or AVILA_EINVAL if cap is not a power of two
 * (0 is not) or mem is NULL.
 */
int avila_ring_init(struct avila_ring *r, void *mem, size_t cap);

/* Capacity in bytes. */
size_t avila_ring_cap(const struct avila_ring *r);

/* Bytes stored (readable). */
size_t avila_ring_len(const struct avila_ring *r);

/* Bytes free (writable). */
size_t avila_ring_space(const struct avila_ring *r);

/* Empties the ring. */
void avila_ring_clear(struct avila_ring *r);

/* Copies up to n bytes from p into the ring; returns how many fit (0..n). */
size_t avila_ring_write(struct avila_ring *r, const void *p, size_t n);

/* Moves up to n bytes out of the ring into p; returns how many (0..n). */
size_t avila_ring_read(struct avila_ring *r, void *p, size_t n);

/* Copies up to n bytes into p without consuming them; returns how many. */
size_t avila_ring_peek(const struct avila_ring *r, void *p, size_t n);

/* Drops up to n stored bytes; returns how many. */
size_t avila_ring_skip(struct avila_ring *r, size_t n);

/*
 * The largest contiguous free region: *ptr and *len (0 when the ring is
 * full; then *ptr is still a valid pointer into the ring). Write into it,
 * then avila_ring_commit the number of bytes written. The span stays valid
 * until the next write, commit or clear; reads do not invalidate it.
 */
void avila_ring_write_span(const struct avila_ring *r, uint8_t **ptr, size_t *len);

/* Makes n bytes written into the write span readable. AVILA_EINVAL if n exceeds the span. */
int avila_ring_commit(struct avila_ring *r, size_t n);

/*
 * The largest contiguous stored region: *ptr and *len (0 when empty). Read
 * from it, then avila_ring_release the bytes consumed. Valid until the next
 * read, skip, release or clear; writes do not invalidate it.
 */
void avila_ring_read_span(const struct avila_ring *r, const uint8_t **ptr, size_t *len);

/* Consumes n bytes of the read span. AVILA_EINVAL if n exceeds the span. */
int avila_ring_release(struct avila_ring *r, size_t n);

#endif
