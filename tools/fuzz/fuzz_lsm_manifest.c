/*
 * tools/fuzz/fuzz_lsm_manifest.c - libFuzzer harness for version edits and
 * MANIFEST/CURRENT recovery (data/lsm_version.h). The first input byte
 * picks what the rest is:
 *   0  a version edit: decode gives 0 or AVILA_EFORMAT; a decoded edit
 *      re-encodes to bytes that decode and re-encode to the same bytes;
 *   1  a whole MANIFEST-000001 file (CURRENT names it);
 *   2  MANIFEST records, each a u16 little-endian length and that many
 *      payload bytes, framed here as log records (so the edit checks are
 *      reached without valid checksums in the input);
 *   3  a CURRENT file, next to a valid MANIFEST-000001 of an empty state.
 * For 1-3 the set is opened from the in-memory VFS: the result is 0,
 * AVILA_EFORMAT or AVILA_ENOTFOUND (a missing MANIFEST), never a crash; a
 * set that opens is consistent (L0 newest first, L1.. sorted and
 * disjoint, next file number above every file and the MANIFEST, last
 * sequence at or above every file's), takes an edit, and reopens to the
 * same files. Violations call __builtin_trap(). Seeds:
 * tools/fuzz/corpus/lsm_manifest/.
 */
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/error.h"
#include "data/lsm_format.h"
#include "data/lsm_version.h"
#include "data/lsm_vfs.h"
#include "data/lsm_wal.h"

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

static void put(const struct avila_lsm_vfs *vfs, const char *path, const void *p, size_t n)
{
    struct avila_lsm_file *f;
    CHECK(avila_lsm_vfs_open_append(vfs, path, &f) == 0);
    CHECK(avila_lsm_vfs_append(vfs, f, p, n) == 0);
    CHECK(avila_lsm_vfs_sync(vfs, f) == 0);
    avila_lsm_vfs_close(vfs, f);
}

static void edit_case(const uint8_t *p, size_t n)
{
    const struct avila_allocator *a = avila_allocator_libc();
    struct avila_lsm_edit e;
    struct avila_buf b1, b2;
    avila_lsm_edit_init(&e, a);
    avila_buf_init(&b1, a, SIZE_MAX);
    avila_buf_init(&b2, a, SIZE_MAX);
    int rc = avila_lsm_edit_decode(p, n, &e);
    CHECK(rc == 0 || rc == AVILA_EFORMAT);
    if (rc == 0) {
        CHECK(avila_lsm_edit_encode(&e, &b1) == 0);
        CHECK(avila_lsm_edit_decode(b1.data, b1.len, &e) == 0);
        CHECK(avila_lsm_edit_encode(&e, &b2) == 0);
        CHECK(b1.len == b2.len && (b1.len == 0 || memcmp(b1.data, b2.data, b1.len) == 0));
    }
    avila_buf_release(&b1);
    avila_buf_release(&b2);
    avila_lsm_edit_release(&e);
}

static void check_set(const struct avila_lsm_vset *vs)
{
    const struct avila_lsm_version *v = avila_lsm_vset_current(vs);
    uint64_t next = avila_lsm_vset_next_file(vs);
    CHECK(next > avila_lsm_vset_manifest_number(vs));
    CHECK(avila_lsm_vset_log_number(vs) < next);
    for (int l = 0; l < AVILA_LSM_LEVELS; l++) {
        for (size_t i = 0; i < v->nfiles[l]; i++) {
            const struct avila_lsm_file_meta *f = v->files[l][i];
            CHECK(f->number < next && f->number != avila_lsm_vset_manifest_number(vs));
            CHECK(f->largest_seq <= avila_lsm_vset_last_seq(vs));
            CHECK(avila_lsm_ikey_cmp(f->smallest, f->largest) <= 0);
            if (i > 0 && l == 0)
                CHECK(v->files[0][i - 1]->number > f->number);
            if (i > 0 && l > 0)
                CHECK(avila_lsm_ikey_cmp(v->files[l][i - 1]->largest, f->smallest) < 0);
        }
    }
}

static int count_files(const struct avila_lsm_version *v, uint64_t *sum)
{
    int n = 0;
    *sum = 0;
    for (int l = 0; l < AVILA_LSM_LEVELS; l++)
        for (size_t i = 0; i < v->nfiles[l]; i++, n++)
            *sum += v->files[l][i]->number * (uint64_t)(l + 1);
    return n;
}

static void recover_case(unsigned mode, const uint8_t *p, size_t n)
{
    const struct avila_allocator *a = avila_allocator_libc();
    struct avila_lsm_vfs_mem m;
    struct avila_lsm_vfs vfs;
    CHECK(avila_lsm_vfs_mem_init(&m, a, NULL) == 0);
    avila_lsm_vfs_mem_vfs(&m, &vfs);
    CHECK(vfs.mkdir(vfs.ctx, "/db") == 0);
    if (mode == 1) {
        put(&vfs, "/db/MANIFEST-000001", p, n);
        put(&vfs, "/db/CURRENT", "MANIFEST-000001\n", 16);
    } else if (mode == 2) {
        struct avila_buf b;
        avila_buf_init(&b, a, SIZE_MAX);
        for (size_t off = 0; off + 2 <= n;) {
            size_t len = (size_t)p[off] | (size_t)p[off + 1] << 8;
            off += 2;
            if (len > n - off)
                len = n - off;
            uint8_t h[AVILA_LSM_WAL_HEADER_LEN];
            avila_lsm_wal_frame(h, p + off, len);
            CHECK(avila_buf_append(&b, h, sizeof(h)) == 0);
            CHECK(avila_buf_append(&b, p + off, len) == 0);
            off += len;
        }
        put(&vfs, "/db/MANIFEST-000001", b.data, b.len);
        avila_buf_release(&b);
        put(&vfs, "/db/CURRENT", "MANIFEST-000001\n", 16);
    } else {
        /* An empty state: LOG_NUMBER 0, NEXT_FILE 2, LAST_SEQ 0. */
        static const uint8_t snap[] = {1, 0, 2, 2, 3, 0};
        uint8_t rec[AVILA_LSM_WAL_HEADER_LEN + sizeof(snap)];
        avila_lsm_wal_frame(rec, snap, sizeof(snap));
        memcpy(rec + AVILA_LSM_WAL_HEADER_LEN, snap, sizeof(snap));
        put(&vfs, "/db/MANIFEST-000001", rec, sizeof(rec));
        put(&vfs, "/db/CURRENT", p, n);
    }
    struct avila_lsm_vset vs;
    int rc = avila_lsm_vset_open(&vs, &vfs, a, "/db", NULL, false);
    CHECK(rc == 0 || rc == AVILA_EFORMAT || rc == AVILA_ENOTFOUND);
    if (rc == 0) {
        check_set(&vs);
        uint64_t sum1, sum2;
        int n1 = count_files(avila_lsm_vset_current(&vs), &sum1);
        struct avila_lsm_edit e;
        avila_lsm_edit_init(&e, a);
        CHECK(avila_lsm_vset_log_and_apply(&vs, &e) == 0);
        avila_lsm_edit_release(&e);
        struct avila_lsm_compaction *c = NULL;
        rc = avila_lsm_vset_pick_compaction(&vs, &c);
        CHECK(rc == 0 || rc == 1);
        avila_lsm_compaction_free(c);
        avila_lsm_vset_close(&vs);
        CHECK(avila_lsm_vset_open(&vs, &vfs, a, "/db", NULL, false) == 0);
        check_set(&vs);
        int n2 = count_files(avila_lsm_vset_current(&vs), &sum2);
        CHECK(n1 == n2 && sum1 == sum2);
        avila_lsm_vset_close(&vs);
    }
    CHECK(m.open_handles == 0);
    avila_lsm_vfs_mem_release(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    unsigned mode = data[0] % 4;
    if (mode == 0)
        edit_case(data + 1, size - 1);
    else
        recover_case(mode, data + 1, size - 1);
    return 0;
}
