/*
 * tools/fuzz/fuzz_lsm_wal.c - libFuzzer harness for the WAL reader
 * (data/lsm_wal.h). The input is a log file, put into the in-memory VFS
 * (data/lsm_vfs.h) and read whole. Properties:
 *   - the reader returns records, then 0 or AVILA_EFORMAT, never anything
 *     else, and never reads outside its memory;
 *   - it agrees exactly (records, result, clean end offset, dropped bytes)
 *     with a reference written here over the flat bytes from the header's
 *     contract, so the reader's windowed file access is checked too;
 *   - every record it returns is framed correctly where it says it is
 *     (re-framing the payload gives the header in the file);
 *   - after 0, offset + dropped is the file size.
 * Violations call __builtin_trap(). Seeds: tools/fuzz/corpus/lsm_wal/.
 */
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/endian.h"
#include "core/error.h"
#include "core/hash.h"
#include "data/lsm_format.h"
#include "data/lsm_vfs.h"
#include "data/lsm_wal.h"

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

#define MAX_RECS 4096

struct result {
    int rc;
    size_t n;
    uint64_t start[MAX_RECS], len[MAX_RECS];
    uint64_t offset, dropped;
};

static struct result got, want;

/* Is there a whole valid record at p? Sets *end. */
static int ref_valid(const uint8_t *d, size_t size, size_t p, uint64_t *end)
{
    if (size - p < 12)
        return 0;
    uint32_t n = avila_load_le32(d + p);
    if (avila_load_le32(d + p + 4) != avila_lsm_crc_mask(avila_crc32c(0, d + p, 4)))
        return 0;
    if (n > AVILA_LSM_WAL_MAX_RECORD || n > size - p - 12)
        return 0;
    uint32_t c = avila_crc32c(avila_crc32c(0, d + p, 4), d + p + 12, n);
    *end = p + 12 + (uint64_t)n;
    return avila_load_le32(d + p + 8) == avila_lsm_crc_mask(c);
}

static void reference(const uint8_t *d, size_t size, struct result *r)
{
    memset(r, 0, sizeof(*r));
    size_t off = 0;
    for (;;) {
        if (size - off < 12)
            break; /* clean end or torn header */
        uint32_t n = avila_load_le32(d + off);
        uint64_t extent;
        if (avila_load_le32(d + off + 4) != avila_lsm_crc_mask(avila_crc32c(0, d + off, 4))) {
            extent = off;
        } else if (n > AVILA_LSM_WAL_MAX_RECORD) {
            r->rc = AVILA_EFORMAT;
            break;
        } else if (n > size - off - 12) {
            break; /* cut by the end */
        } else {
            uint64_t end;
            if (ref_valid(d, size, off, &end)) {
                if (r->n == MAX_RECS) {
                    r->rc = 1; /* too many to compare: stop both here */
                    break;
                }
                r->start[r->n] = off;
                r->len[r->n++] = n;
                off += 12 + n;
                continue;
            }
            extent = off + 12 + (uint64_t)n;
        }
        for (size_t p = off + 1; p + 12 <= size; p++) {
            uint64_t end = 0;
            if (ref_valid(d, size, p, &end) && end > extent) {
                r->rc = AVILA_EFORMAT;
                break;
            }
        }
        break;
    }
    r->offset = off;
    r->dropped = r->rc == 0 ? size - off : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct avila_allocator *a = avila_allocator_libc();
    struct avila_lsm_vfs_mem m;
    struct avila_lsm_vfs vfs;
    struct avila_lsm_file *f;
    CHECK(avila_lsm_vfs_mem_init(&m, a, NULL) == 0);
    avila_lsm_vfs_mem_vfs(&m, &vfs);
    CHECK(avila_lsm_vfs_open_append(&vfs, "log", &f) == 0);
    CHECK(avila_lsm_vfs_append(&vfs, f, data, size) == 0);
    avila_lsm_vfs_close(&vfs, f);
    CHECK(avila_lsm_vfs_open_read(&vfs, "log", &f) == 0);

    struct avila_lsm_wal_reader r;
    CHECK(avila_lsm_wal_reader_init(&r, &vfs, f, a) == 0);
    memset(&got, 0, sizeof(got));
    struct avila_slice rec;
    int rc;
    for (;;) {
        if (got.n == MAX_RECS) {
            rc = 1; /* too many to compare: stop both here */
            break;
        }
        uint64_t start = avila_lsm_wal_reader_offset(&r);
        rc = avila_lsm_wal_reader_next(&r, &rec);
        if (rc != 1)
            break;
        CHECK(start + 12 + rec.len == avila_lsm_wal_reader_offset(&r));
        uint8_t h[AVILA_LSM_WAL_HEADER_LEN];
        avila_lsm_wal_frame(h, rec.ptr, rec.len);
        CHECK(memcmp(h, data + start, sizeof(h)) == 0);
        CHECK(rec.len == 0 || memcmp(rec.ptr, data + start + 12, rec.len) == 0);
        got.start[got.n] = start;
        got.len[got.n++] = rec.len;
    }
    CHECK(rc == 0 || rc == 1 || rc == AVILA_EFORMAT);
    got.rc = rc;
    got.offset = avila_lsm_wal_reader_offset(&r);
    got.dropped = rc == 0 ? avila_lsm_wal_reader_dropped(&r) : 0;
    if (rc == 0)
        CHECK(got.offset + got.dropped == size);
    avila_lsm_wal_reader_release(&r);
    avila_lsm_vfs_close(&vfs, f);
    avila_lsm_vfs_mem_release(&m);

    reference(data, size, &want);
    CHECK(got.rc == want.rc && got.n == want.n && got.offset == want.offset &&
          got.dropped == want.dropped);
    for (size_t i = 0; i < got.n; i++)
        CHECK(got.start[i] == want.start[i] && got.len[i] == want.len[i]);
    return 0;
}
