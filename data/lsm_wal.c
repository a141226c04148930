/*
 * data/lsm_wal.c - the write-ahead log (data/lsm_wal.h): record framing,
 * the writer, and the reader that tells a torn tail from damage. Pure.
 */
#include "data/lsm_wal.h"

#include "data/lsm_format.h"

_Static_assert(AVILA_LSM_WAL_MAX_RECORD <= UINT32_MAX, "lengths are 32-bit");
_Static_assert(AVILA_LSM_WAL_SCRATCH > AVILA_LSM_WAL_HEADER_LEN, "scratch holds a header");

static uint32_t header_crc(const uint8_t len_le[4])
{
    return avila_lsm_crc_mask(avila_crc32c(0, len_le, 4));
}

static uint32_t payload_crc(const uint8_t len_le[4], const void *p, size_t n)
{
    uint32_t crc = avila_crc32c(0, len_le, 4);
    return avila_lsm_crc_mask(n > 0 ? avila_crc32c(crc, p, n) : crc);
}

void avila_lsm_wal_frame(uint8_t out[AVILA_LSM_WAL_HEADER_LEN], const void *p, size_t n)
{
    avila_store_le32(out, (uint32_t)n);
    avila_store_le32(out + 4, header_crc(out));
    avila_store_le32(out + 8, payload_crc(out, p, n));
}

/* ---------------------------------------------------------------- writer */

void avila_lsm_wal_writer_init(struct avila_lsm_wal_writer *w, const struct avila_lsm_vfs *vfs,
                               struct avila_lsm_file *f, uint64_t offset)
{
    w->vfs = vfs;
    w->f = f;
    w->offset = offset;
    w->synced = offset;
    w->buffered = 0;
    w->err = 0;
}

int avila_lsm_wal_flush(struct avila_lsm_wal_writer *w)
{
    if (w->err != 0)
        return w->err;
    if (w->buffered == 0)
        return 0;
    int rc = avila_lsm_vfs_append(w->vfs, w->f, w->scratch, w->buffered);
    if (rc != 0) {
        w->err = rc;
        return rc;
    }
    w->buffered = 0;
    return 0;
}

bool avila_lsm_wal_writer_buffered(const struct avila_lsm_wal_writer *w)
{
    return w->buffered > 0;
}

int avila_lsm_wal_append_buffered(struct avila_lsm_wal_writer *w, const void *p, size_t n)
{
    if (w->err != 0)
        return w->err;
    if (n > AVILA_LSM_WAL_MAX_RECORD || (!p && n != 0))
        return AVILA_EINVAL;
    size_t framed = AVILA_LSM_WAL_HEADER_LEN + n;
    if (framed > sizeof(w->scratch))
        return avila_lsm_wal_append(w, p, n);
    if (framed > sizeof(w->scratch) - w->buffered) {
        int rc = avila_lsm_wal_flush(w);
        if (rc != 0)
            return rc;
    }
    uint8_t *at = w->scratch + w->buffered;
    avila_lsm_wal_frame(at, p, n);
    if (n > 0)
        memcpy(at + AVILA_LSM_WAL_HEADER_LEN, p, n);
    w->buffered += framed;
    w->offset += framed;
    return 0;
}

int avila_lsm_wal_append(struct avila_lsm_wal_writer *w, const void *p, size_t n)
{
    if (w->err != 0)
        return w->err;
    if (n > AVILA_LSM_WAL_MAX_RECORD || (!p && n != 0))
        return AVILA_EINVAL;
    int rc = avila_lsm_wal_flush(w); /* the buffered records go first */
    if (rc != 0)
        return rc;
    if (n <= sizeof(w->scratch) - AVILA_LSM_WAL_HEADER_LEN) {
        /* One call: a crash or failure leaves at most this record torn. */
        avila_lsm_wal_frame(w->scratch, p, n);
        if (n > 0)
            memcpy(w->scratch + AVILA_LSM_WAL_HEADER_LEN, p, n);
        rc = avila_lsm_vfs_append(w->vfs, w->f, w->scratch, AVILA_LSM_WAL_HEADER_LEN + n);
    } else {
        uint8_t h[AVILA_LSM_WAL_HEADER_LEN];
        avila_lsm_wal_frame(h, p, n);
        rc = avila_lsm_vfs_append(w->vfs, w->f, h, sizeof(h));
        if (rc == 0)
            rc = avila_lsm_vfs_append(w->vfs, w->f, p, n);
    }
    if (rc != 0) {
        w->err = rc;
        return rc;
    }
    w->offset += AVILA_LSM_WAL_HEADER_LEN + n;
    return 0;
}

int avila_lsm_wal_sync(struct avila_lsm_wal_writer *w)
{
    int rc = avila_lsm_wal_flush(w);
    if (rc != 0)
        return rc;
    rc = avila_lsm_vfs_sync(w->vfs, w->f);
    if (rc != 0) {
        w->err = rc;
        return rc;
    }
    w->synced = w->offset;
    return 0;
}

uint64_t avila_lsm_wal_writer_offset(const struct avila_lsm_wal_writer *w)
{
    return w->offset;
}

uint64_t avila_lsm_wal_writer_synced(const struct avila_lsm_wal_writer *w)
{
    return w->synced;
}

int avila_lsm_wal_writer_error(const struct avila_lsm_wal_writer *w)
{
    return w->err;
}

/* ---------------------------------------------------------------- reader */

int avila_lsm_wal_reader_init(struct avila_lsm_wal_reader *r, const struct avila_lsm_vfs *vfs,
                              struct avila_lsm_file *f, const struct avila_allocator *a)
{
    memset(r, 0, sizeof(*r));
    r->vfs = vfs;
    r->f = f;
    avila_buf_init(&r->win, a,
                   AVILA_LSM_WAL_MAX_RECORD + AVILA_LSM_WAL_HEADER_LEN + AVILA_LSM_WAL_READ_CHUNK);
    int rc = avila_lsm_vfs_size(vfs, f, &r->size);
    if (rc != 0)
        r->err = rc;
    return rc;
}

/*
 * Makes the window hold the file's bytes [off, off + n) (the caller made
 * sure they lie within size) and returns a pointer to them, or NULL with
 * r->err set.
 */
static const uint8_t *window(struct avila_lsm_wal_reader *r, uint64_t off, size_t n)
{
    uint64_t win_end = r->win_off + r->win.len;
    if (off >= r->win_off && off + n <= win_end)
        return r->win.data + (off - r->win_off);
    if (off >= r->win_off && off <= win_end) {
        /* Keep the bytes from off on, then read what follows them. */
        int rc = avila_buf_consume(&r->win, (size_t)(off - r->win_off));
        if (rc != 0) {
            r->err = rc;
            return NULL;
        }
    } else {
        avila_buf_clear(&r->win);
    }
    r->win_off = off;
    size_t have = r->win.len;
    uint64_t left = r->size - (off + have);
    size_t want = n - have < AVILA_LSM_WAL_READ_CHUNK ? AVILA_LSM_WAL_READ_CHUNK : n - have;
    if (want > left)
        want = (size_t)left;
    int rc = avila_buf_reserve(&r->win, want);
    if (rc != 0) {
        r->err = rc == AVILA_ELIMIT ? AVILA_ENOMEM : rc;
        return NULL;
    }
    size_t got = 0;
    rc = avila_lsm_vfs_read(r->vfs, r->f, off + have, r->win.data + have, want, &got);
    if (rc == 0 && got < n - have)
        rc = AVILA_EIO; /* the file shrank under the reader */
    if (rc != 0) {
        r->err = rc;
        return NULL;
    }
    r->win.len += got;
    return r->win.data;
}

/*
 * Is there a whole record with good checksums at off? 1 yes (*end gets the
 * offset after it), 0 no, or r->err's error.
 */
static int valid_at(struct avila_lsm_wal_reader *r, uint64_t off, uint64_t *end)
{
    const uint8_t *h = window(r, off, AVILA_LSM_WAL_HEADER_LEN);
    if (!h)
        return r->err;
    uint32_t n = avila_load_le32(h);
    if (avila_load_le32(h + 4) != header_crc(h) || n > AVILA_LSM_WAL_MAX_RECORD ||
        n > r->size - off - AVILA_LSM_WAL_HEADER_LEN)
        return 0;
    h = window(r, off, AVILA_LSM_WAL_HEADER_LEN + (size_t)n);
    if (!h)
        return r->err;
    *end = off + AVILA_LSM_WAL_HEADER_LEN + n;
    return avila_load_le32(h + 8) == payload_crc(h, h + AVILA_LSM_WAL_HEADER_LEN, n);
}

/*
 * The record at r->off is damaged; damage that nothing valid follows is a
 * torn tail. Looks for a whole valid record that starts after r->off and
 * ends after extent (the damaged record's end when its header is valid,
 * r->off otherwise): a record inside a damaged one's payload is user data,
 * not a sign of more log. Found means damage (AVILA_EFORMAT), none a torn
 * tail (0).
 */
static int damaged(struct avila_lsm_wal_reader *r, uint64_t extent)
{
    for (uint64_t p = r->off + 1; r->size - p >= AVILA_LSM_WAL_HEADER_LEN; p++) {
        uint64_t end = 0;
        int v = valid_at(r, p, &end);
        if (v < 0)
            return v;
        if (v == 1 && end > extent) {
            r->err = AVILA_EFORMAT;
            return AVILA_EFORMAT;
        }
    }
    r->end = true;
    return 0;
}

int avila_lsm_wal_reader_next(struct avila_lsm_wal_reader *r, struct avila_slice *rec)
{
    if (r->err != 0)
        return r->err;
    if (r->end)
        return 0;
    uint64_t left = r->size - r->off;
    if (left < AVILA_LSM_WAL_HEADER_LEN) {
        r->end = true; /* clean end (0 left) or a header cut short */
        return 0;
    }
    const uint8_t *h = window(r, r->off, AVILA_LSM_WAL_HEADER_LEN);
    if (!h)
        return r->err;
    uint32_t n = avila_load_le32(h);
    if (avila_load_le32(h + 4) != header_crc(h))
        return damaged(r, r->off); /* the length is not to be believed */
    if (n > AVILA_LSM_WAL_MAX_RECORD) {
        r->err = AVILA_EFORMAT; /* no writer of ours made that header */
        return r->err;
    }
    if (n > left - AVILA_LSM_WAL_HEADER_LEN) {
        r->end = true; /* cut by the end of the file */
        return 0;
    }
    h = window(r, r->off, AVILA_LSM_WAL_HEADER_LEN + (size_t)n);
    if (!h)
        return r->err;
    if (avila_load_le32(h + 8) != payload_crc(h, h + AVILA_LSM_WAL_HEADER_LEN, n))
        return damaged(r, r->off + AVILA_LSM_WAL_HEADER_LEN + n);
    *rec = avila_slice_make(h + AVILA_LSM_WAL_HEADER_LEN, n);
    r->off += AVILA_LSM_WAL_HEADER_LEN + n;
    return 1;
}

uint64_t avila_lsm_wal_reader_offset(const struct avila_lsm_wal_reader *r)
{
    return r->off;
}

uint64_t avila_lsm_wal_reader_dropped(const struct avila_lsm_wal_reader *r)
{
    return r->end ? r->size - r->off : 0;
}

void avila_lsm_wal_reader_release(struct avila_lsm_wal_reader *r)
{
    avila_buf_release(&r->win);
}
