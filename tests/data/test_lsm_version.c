/*
 * tests/data/test_lsm_version.c - data/lsm_version.h over the in-memory VFS:
 *   - file names: every kind formatted and parsed back, foreign names refused;
 *   - edits: random edits round-trip through encode/decode; every proper
 *     prefix and thousands of random byte flips decode to AVILA_EFORMAT or
 *     to an edit that re-encodes to the same bytes; hand-made bad fields
 *     (unknown tag, level 7, repeated scalar, malformed key, smallest after
 *     largest) are AVILA_EFORMAT;
 *   - model-based: random sequences of edits (adds at random levels with
 *     disjoint ranges at L1.., deletes, pointers, log numbers, sequences)
 *     through log_and_apply, with reopens and crashes (torn files, lost
 *     directory entries) at random points; the recovered set equals the
 *     model as of the last successful apply; invalid edits are refused
 *     and change nothing; small MANIFEST limits force MANIFEST switches;
 *   - faults: AVILA_EIO and AVILA_ENOSPC at each call of each VFS
 *     operation during log_and_apply and during recovery: the error
 *     surfaces, and after a crash the set reopens to the acknowledged
 *     state (or, when the last apply failed, possibly to that one);
 *   - queries: for_key order and split user keys, range-tombstone end
 *     sentinels, overlapping (L0 transitive widening, NULL bounds), live
 *     files of referenced versions;
 *   - picking: L0 trigger, score order, compaction pointer rotation and
 *     wrap, L0 overlap expansion, level n+1 overlap and input growth,
 *     trivial moves, grandparent cuts, the bottom-level check, manual
 *     ranges; compactions side by side (taken files skipped, one level-0
 *     compaction at a time, outputs in progress); damaged CURRENT and
 *     MANIFEST files.
 */
#include "tests/support/unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/lsm_format.h"
#include "data/lsm_version.h"
#include "data/lsm_wal.h"
#include "tests/support/fail_alloc.h"

/* ---------------------------------------------------------------- helpers */

struct env {
    struct avila_lsm_vfs_mem m;
    struct avila_lsm_vfs vfs;
};

static void env_init(struct env *e)
{
    assert_int_equal(avila_lsm_vfs_mem_init(&e->m, avila_allocator_libc(), NULL), 0);
    avila_lsm_vfs_mem_vfs(&e->m, &e->vfs);
    assert_int_equal(e->vfs.mkdir(e->vfs.ctx, "/db"), 0);
    assert_int_equal(e->vfs.sync_dir(e->vfs.ctx, "/"), 0);
}

static void env_done(struct env *e)
{
    assert_int_equal(e->m.open_handles, 0);
    avila_lsm_vfs_mem_release(&e->m);
}

/* Internal key "kNNNNNNNN" + trailer into buf (at least 17 bytes). */
static struct avila_slice ikey(uint8_t *buf, unsigned k, uint64_t seq, enum avila_lsm_kind kind)
{
    char t[16];
    snprintf(t, sizeof(t), "k%08u", k);
    memcpy(buf, t, 9);
    avila_store_le64(buf + 9, avila_lsm_trailer(seq, kind));
    return avila_slice_make(buf, 17);
}

static struct avila_slice ukey(char *buf, unsigned k)
{
    snprintf(buf, 16, "k%08u", k);
    return avila_slice_make(buf, 9);
}

static void add_file(struct avila_lsm_edit *e, int level, uint64_t number, uint64_t size,
                     unsigned lo, unsigned hi, uint64_t sseq, uint64_t lseq)
{
    uint8_t a[17], b[17];
    struct avila_lsm_edit_file f = {.level = level,
                                    .number = number,
                                    .size = size,
                                    .smallest = ikey(a, lo, lseq, AVILA_LSM_VALUE),
                                    .largest = ikey(b, hi, sseq, AVILA_LSM_VALUE),
                                    .smallest_seq = sseq,
                                    .largest_seq = lseq};
    if (lo == hi)
        f.largest = ikey(b, hi, sseq, AVILA_LSM_VALUE);
    assert_int_equal(avila_lsm_edit_add_file(e, &f), 0);
}

/* ---------------------------------------------------------------- file names */

static void file_names(void **state)
{
    (void)state;
    char p[64];
    struct {
        enum avila_lsm_file_kind kind;
        uint64_t number;
        const char *want;
    } cases[] = {
        {AVILA_LSM_FILE_TABLE, 7, "/d/000007.sst"},
        {AVILA_LSM_FILE_WAL, 123456, "/d/123456.wal"},
        {AVILA_LSM_FILE_TABLE, 1234567, "/d/1234567.sst"},
        {AVILA_LSM_FILE_MANIFEST, 1, "/d/MANIFEST-000001"},
        {AVILA_LSM_FILE_MANIFEST, UINT64_MAX, "/d/MANIFEST-18446744073709551615"},
        {AVILA_LSM_FILE_CURRENT, 0, "/d/CURRENT"},
        {AVILA_LSM_FILE_LOCK, 0, "/d/LOCK"},
        {AVILA_LSM_FILE_TEMP, 0, "/d/CURRENT.tmp"},
    };
    for (size_t i = 0; i < AVILA_ARRAY_LEN(cases); i++) {
        int n = avila_lsm_file_path(p, sizeof(p), "/d", cases[i].kind, cases[i].number);
        assert_int_equal(n, (int)strlen(cases[i].want));
        assert_string_equal(p, cases[i].want);
        enum avila_lsm_file_kind kind;
        uint64_t number;
        assert_int_equal(avila_lsm_file_parse(avila_slice_from_cstr(p + 3), &kind, &number), 0);
        assert_int_equal(kind, cases[i].kind);
        assert_true(number == cases[i].number);
        assert_int_equal(avila_lsm_file_path(p, (size_t)n, "/d", cases[i].kind, cases[i].number),
                         AVILA_ENOSPC);
    }
    const char *foreign[] = {"00007.sst",
                             "0000007.sst",
                             "000007.txt",
                             "MANIFEST-",
                             "MANIFEST-1",
                             "x00007.wal",
                             "CURRENT2",
                             "LOCK.tmp",
                             "000007.sst.tmp",
                             "99999999999999999999.sst",
                             ""};
    for (size_t i = 0; i < AVILA_ARRAY_LEN(foreign); i++) {
        enum avila_lsm_file_kind kind;
        uint64_t number;
        assert_int_equal(avila_lsm_file_parse(avila_slice_from_cstr(foreign[i]), &kind, &number),
                         AVILA_ENOTFOUND);
    }
    assert_int_equal(avila_lsm_file_path(p, sizeof(p), "", AVILA_LSM_FILE_LOCK, 0), AVILA_EINVAL);
}

/* ---------------------------------------------------------------- edits */

static void random_edit(uint64_t *rng, struct avila_lsm_edit *e)
{
    avila_lsm_edit_clear(e);
    if (unit_rand(rng) % 2)
        avila_lsm_edit_set_log_number(e, unit_rand(rng) >> (unit_rand(rng) % 64));
    if (unit_rand(rng) % 2)
        avila_lsm_edit_set_next_file(e, unit_rand(rng) >> (unit_rand(rng) % 64));
    if (unit_rand(rng) % 2)
        avila_lsm_edit_set_last_seq(e,
                                    (unit_rand(rng) >> (unit_rand(rng) % 64)) & AVILA_LSM_MAX_SEQ);
    uint8_t a[17], b[17];
    for (unsigned n = (unsigned)(unit_rand(rng) % 3); n > 0; n--)
        assert_int_equal(avila_lsm_edit_set_pointer(e, (int)(unit_rand(rng) % 7),
                                                    ikey(a, (unsigned)unit_rand(rng) % 1000,
                                                         unit_rand(rng) % 1000, AVILA_LSM_VALUE)),
                         0);
    for (unsigned n = (unsigned)(unit_rand(rng) % 4); n > 0; n--)
        assert_int_equal(
            avila_lsm_edit_delete_file(e, (int)(unit_rand(rng) % 7), 1 + unit_rand(rng) % 5000), 0);
    for (unsigned n = (unsigned)(unit_rand(rng) % 5); n > 0; n--) {
        unsigned lo = (unsigned)(unit_rand(rng) % 1000), hi = lo + (unsigned)(unit_rand(rng) % 50);
        uint64_t s = unit_rand(rng) % 100000, l = s + unit_rand(rng) % 1000;
        struct avila_lsm_edit_file f = {
            .level = (int)(unit_rand(rng) % 7),
            .number = 1 + unit_rand(rng) % 100000,
            .size = unit_rand(rng) >> (unit_rand(rng) % 64),
            .smallest = ikey(a, lo, l, AVILA_LSM_VALUE),
            .largest = ikey(b, hi, s, (enum avila_lsm_kind)(unit_rand(rng) % 3)),
            .smallest_seq = s,
            .largest_seq = l};
        if (lo == hi)
            f.largest = ikey(b, hi, s, AVILA_LSM_DELETE);
        assert_int_equal(avila_lsm_edit_add_file(e, &f), 0);
    }
}

static void edit_equal(const struct avila_lsm_edit *x, const struct avila_lsm_edit *y)
{
    assert_int_equal(x->has_log_number, y->has_log_number);
    assert_int_equal(x->has_next_file, y->has_next_file);
    assert_int_equal(x->has_last_seq, y->has_last_seq);
    assert_true(!x->has_log_number || x->log_number == y->log_number);
    assert_true(!x->has_next_file || x->next_file == y->next_file);
    assert_true(!x->has_last_seq || x->last_seq == y->last_seq);
    assert_int_equal(x->n_pointers, y->n_pointers);
    assert_int_equal(x->n_deletes, y->n_deletes);
    assert_int_equal(x->n_files, y->n_files);
    for (size_t i = 0; i < x->n_pointers; i++) {
        assert_int_equal(x->pointers[i].level, y->pointers[i].level);
        assert_true(avila_slice_equal(x->pointers[i].key, y->pointers[i].key));
    }
    for (size_t i = 0; i < x->n_deletes; i++) {
        assert_int_equal(x->deletes[i].level, y->deletes[i].level);
        assert_true(x->deletes[i].number == y->deletes[i].number);
    }
    for (size_t i = 0; i < x->n_files; i++) {
        const struct avila_lsm_edit_file *a = &x->files[i], *b = &y->files[i];
        assert_int_equal(a->level, b->level);
        assert_true(a->number == b->number && a->size == b->size);
        assert_true(a->smallest_seq == b->smallest_seq && a->largest_seq == b->largest_seq);
        assert_true(avila_slice_equal(a->smallest, b->smallest));
        assert_true(avila_slice_equal(a->largest, b->largest));
    }
}

static void edit_round_trip(void **state)
{
    (void)state;
    const struct avila_allocator *a = avila_allocator_libc();
    uint64_t rng = 42;
    struct avila_lsm_edit e, d, d2;
    avila_lsm_edit_init(&e, a);
    avila_lsm_edit_init(&d, a);
    avila_lsm_edit_init(&d2, a);
    struct avila_buf b, b2;
    avila_buf_init(&b, a, SIZE_MAX);
    avila_buf_init(&b2, a, SIZE_MAX);
    size_t flips_valid = 0, flips_bad = 0;
    for (int iter = 0; iter < 300; iter++) {
        random_edit(&rng, &e);
        avila_buf_clear(&b);
        assert_int_equal(avila_lsm_edit_encode(&e, &b), 0);
        assert_int_equal(avila_lsm_edit_decode(b.data, b.len, &d), 0);
        edit_equal(&e, &d);
        /* Every proper prefix: an error, or (cut at a field boundary) a shorter valid edit. */
        for (size_t cut = 0; cut < b.len; cut++) {
            int rc = avila_lsm_edit_decode(b.data, cut, &d);
            assert_true(rc == 0 || rc == AVILA_EFORMAT);
            if (rc == 0) {
                avila_buf_clear(&b2);
                assert_int_equal(avila_lsm_edit_encode(&d, &b2), 0);
                assert_true(b2.len <= cut);
            }
        }
        /* Byte flips: an error or an edit that decodes the same after re-encoding. */
        for (int f = 0; f < 20 && b.len > 0; f++) {
            uint8_t *copy = malloc(b.len);
            assert_non_null(copy);
            memcpy(copy, b.data, b.len);
            copy[unit_rand(&rng) % b.len] ^= (uint8_t)(1u << (unit_rand(&rng) % 8));
            int rc = avila_lsm_edit_decode(copy, b.len, &d);
            assert_true(rc == 0 || rc == AVILA_EFORMAT);
            if (rc == 0) {
                flips_valid++;
                avila_buf_clear(&b2);
                assert_int_equal(avila_lsm_edit_encode(&d, &b2), 0);
                assert_int_equal(avila_lsm_edit_decode(b2.data, b2.len, &d2), 0);
                edit_equal(&d, &d2);
            } else {
                flips_bad++;
            }
            free(copy);
        }
    }
    assert_true(flips_valid > 0 && flips_bad > 0);
    avila_buf_release(&b);
    avila_buf_release(&b2);
    avila_lsm_edit_release(&e);
    avila_lsm_edit_release(&d);
    avila_lsm_edit_release(&d2);
}

static void edit_bad_fields(void **state)
{
    (void)state;
    const struct avila_allocator *a = avila_allocator_libc();
    struct avila_lsm_edit d;
    avila_lsm_edit_init(&d, a);
    struct {
        const char *name;
        uint8_t bytes[64];
        size_t len;
        int rc;
    } cases[] = {
        {"empty", {0}, 0, 0},
        {"log number", {1, 5}, 2, 0},
        {"unknown tag 0", {0}, 1, AVILA_EFORMAT},
        {"unknown tag 7", {7, 1}, 2, AVILA_EFORMAT},
        {"repeated log number", {1, 5, 1, 6}, 4, AVILA_EFORMAT},
        {"repeated next file", {2, 5, 2, 6}, 4, AVILA_EFORMAT},
        {"last seq beyond max",
         {3, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 1},
         10,
         AVILA_EFORMAT},
        {"varint too long",
         {1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2},
         11,
         AVILA_EFORMAT},
        {"delete level 7", {5, 7, 1}, 3, AVILA_EFORMAT},
        {"delete level 6", {5, 6, 1}, 3, 0},
        {"delete number 0", {5, 1, 0}, 3, AVILA_EFORMAT},
        {"pointer ok", {4, 1, 9, 'k', 0x01, 0x01, 0, 0, 0, 0, 0, 0}, 12, 0},
        {"pointer short key", {4, 1, 7, 'k', 0x01, 0x01, 0, 0, 0, 0}, 10, AVILA_EFORMAT},
        {"pointer bad kind", {4, 1, 9, 'k', 0x03, 0x01, 0, 0, 0, 0, 0, 0}, 12, AVILA_EFORMAT},
        {"pointer key past end", {4, 1, 10, 'k', 0x01, 0x01, 0, 0, 0, 0, 0, 0}, 12, AVILA_EFORMAT},
        {"new file ok",
         {6, 1, 9, 100, 9, 'a', 1, 1, 0, 0, 0, 0, 0, 0, 9, 'b', 1, 1, 0, 0, 0, 0, 0, 0, 1, 1},
         26,
         0},
        {"new file smallest after largest",
         {6, 1, 9, 100, 9, 'b', 1, 1, 0, 0, 0, 0, 0, 0, 9, 'a', 1, 1, 0, 0, 0, 0, 0, 0, 1, 1},
         26,
         AVILA_EFORMAT},
        {"new file seqs reversed",
         {6, 1, 9, 100, 9, 'a', 1, 1, 0, 0, 0, 0, 0, 0, 9, 'b', 1, 1, 0, 0, 0, 0, 0, 0, 2, 1},
         26,
         AVILA_EFORMAT},
        {"new file truncated",
         {6, 1, 9, 100, 9, 'a', 1, 1, 0, 0, 0, 0, 0, 0, 9, 'b', 1, 1, 0, 0, 0, 0, 0, 0, 1},
         25,
         AVILA_EFORMAT},
    };
    for (size_t i = 0; i < AVILA_ARRAY_LEN(cases); i++) {
        int rc = avila_lsm_edit_decode(cases[i].bytes, cases[i].len, &d);
        if (rc != cases[i].rc)
            fail_msg("%s: got %d, want %d", cases[i].name, rc, cases[i].rc);
    }
    /* The adders refuse what decode refuses. */
    uint8_t k1[17], k2[17];
    assert_int_equal(avila_lsm_edit_delete_file(&d, 7, 1), AVILA_EINVAL);
    assert_int_equal(avila_lsm_edit_delete_file(&d, -1, 1), AVILA_EINVAL);
    assert_int_equal(avila_lsm_edit_set_pointer(&d, 0, avila_slice_make(k1, 7)), AVILA_EINVAL);
    struct avila_lsm_edit_file f = {.level = 1,
                                    .number = 3,
                                    .size = 1,
                                    .smallest = ikey(k1, 5, 1, AVILA_LSM_VALUE),
                                    .largest = ikey(k2, 4, 1, AVILA_LSM_VALUE),
                                    .smallest_seq = 1,
                                    .largest_seq = 1};
    assert_int_equal(avila_lsm_edit_add_file(&d, &f), AVILA_EINVAL);
    avila_lsm_edit_release(&d);
}

/* ---------------------------------------------------------------- the model */

#define MAX_MFILES 400

struct mfile {
    int level;
    uint64_t number, size;
    unsigned lo, hi;
    uint64_t sseq, lseq;
};

struct model {
    struct mfile f[MAX_MFILES];
    size_t n;
    uint64_t log_number, last_seq, max_number;
    bool has_ptr[AVILA_LSM_LEVELS];
    unsigned ptr[AVILA_LSM_LEVELS];
};

/* The recovered (or current) set equals the model. */
static void check_model(const struct avila_lsm_vset *vs, const struct model *m)
{
    const struct avila_lsm_version *v = avila_lsm_vset_current(vs);
    assert_true(avila_lsm_vset_log_number(vs) == m->log_number);
    assert_true(avila_lsm_vset_last_seq(vs) == m->last_seq);
    assert_true(avila_lsm_vset_next_file(vs) > m->max_number);
    size_t total = 0;
    for (int l = 0; l < AVILA_LSM_LEVELS; l++) {
        total += v->nfiles[l];
        uint64_t bytes = 0;
        for (size_t i = 0; i < v->nfiles[l]; i++) {
            const struct avila_lsm_file_meta *f = v->files[l][i];
            bytes += f->size;
            const struct mfile *mf = NULL;
            for (size_t j = 0; j < m->n && !mf; j++)
                if (m->f[j].number == f->number)
                    mf = &m->f[j];
            if (!mf) {
                fail_msg("file %llu at L%d is not in the model", (unsigned long long)f->number, l);
                return;
            }
            assert_int_equal(mf->level, l);
            assert_true(mf->size == f->size && mf->sseq == f->smallest_seq &&
                        mf->lseq == f->largest_seq);
            uint8_t a[17], b[17];
            assert_true(avila_slice_equal(f->smallest, ikey(a, mf->lo, mf->lseq, AVILA_LSM_VALUE)));
            assert_true(avila_slice_equal(f->largest, ikey(b, mf->hi, mf->sseq, AVILA_LSM_VALUE)));
            if (i > 0 && l == 0)
                assert_true(v->files[0][i - 1]->number > f->number);
            if (i > 0 && l > 0)
                assert_true(avila_lsm_ikey_cmp(v->files[l][i - 1]->largest, f->smallest) < 0);
        }
        assert_true(bytes == v->level_bytes[l]);
    }
    assert_int_equal(total, m->n);
}

static bool model_range_free(const struct model *m, int level, unsigned lo, unsigned hi)
{
    if (level == 0)
        return true;
    for (size_t i = 0; i < m->n; i++)
        if (m->f[i].level == level && !(m->f[i].hi < lo || m->f[i].lo > hi))
            return false;
    return true;
}

/*
 * Makes a random valid edit against m (numbers from vs), and the model it
 * leads to in *next.
 */
static void model_edit(uint64_t *rng, struct avila_lsm_vset *vs, const struct model *m,
                       struct avila_lsm_edit *e, struct model *next)
{
    *next = *m;
    avila_lsm_edit_clear(e);
    /* Deletes. */
    for (unsigned n = (unsigned)(unit_rand(rng) % 3); n > 0 && next->n > 0; n--) {
        size_t i = unit_rand(rng) % next->n;
        assert_int_equal(avila_lsm_edit_delete_file(e, next->f[i].level, next->f[i].number), 0);
        next->f[i] = next->f[--next->n];
    }
    /* Adds (a trivial move sometimes: a delete and an add of the same number). */
    for (unsigned n = (unsigned)(unit_rand(rng) % 4); n > 0 && next->n < MAX_MFILES - 1; n--) {
        int level = (int)(unit_rand(rng) % AVILA_LSM_LEVELS);
        unsigned lo = (unsigned)(unit_rand(rng) % 5000), hi = lo + (unsigned)(unit_rand(rng) % 40);
        if (!model_range_free(next, level, lo, hi))
            continue;
        struct mfile f = {.level = level,
                          .number = avila_lsm_vset_new_file_number(vs),
                          .size = unit_rand(rng) % 100000,
                          .lo = lo,
                          .hi = hi};
        f.sseq = next->last_seq + unit_rand(rng) % 10;
        f.lseq = f.sseq + unit_rand(rng) % 10;
        if (f.lseq > next->last_seq)
            next->last_seq = f.lseq;
        if (f.number > next->max_number)
            next->max_number = f.number;
        add_file(e, f.level, f.number, f.size, f.lo, f.hi, f.sseq, f.lseq);
        next->f[next->n++] = f;
    }
    if (unit_rand(rng) % 3 == 0) {
        next->log_number = next->log_number + unit_rand(rng) % 3;
        if (next->log_number >= avila_lsm_vset_next_file(vs))
            next->log_number = avila_lsm_vset_next_file(vs) - 1;
        avila_lsm_edit_set_log_number(e, next->log_number);
    }
    if (unit_rand(rng) % 3 == 0 || next->last_seq != m->last_seq) {
        next->last_seq += unit_rand(rng) % 5;
        avila_lsm_edit_set_last_seq(e, next->last_seq);
    }
    if (unit_rand(rng) % 4 == 0) {
        int l = (int)(unit_rand(rng) % AVILA_LSM_LEVELS);
        uint8_t k[17];
        next->has_ptr[l] = true;
        next->ptr[l] = (unsigned)(unit_rand(rng) % 5000);
        assert_int_equal(
            avila_lsm_edit_set_pointer(e, l, ikey(k, next->ptr[l], 1, AVILA_LSM_VALUE)), 0);
    }
}

static void model_init(struct model *m)
{
    memset(m, 0, sizeof(*m));
}

static void open_ok(struct env *e, struct avila_lsm_vset *vs,
                    const struct avila_lsm_vset_options *o, bool create)
{
    int rc = avila_lsm_vset_open(vs, &e->vfs, avila_allocator_libc(), "/db", o, create);
    if (rc != 0)
        fail_msg("open: %s", avila_strerror(rc));
}

static void model_random(void **state)
{
    (void)state;
    static const unsigned crash_modes[] = {
        0, AVILA_LSM_VFS_MEM_TEAR, AVILA_LSM_VFS_MEM_TEAR | AVILA_LSM_VFS_MEM_ZEROS,
        AVILA_LSM_VFS_MEM_TEAR | AVILA_LSM_VFS_MEM_ZEROS | AVILA_LSM_VFS_MEM_DIR_ANY};
    size_t applies = 0, reopens = 0, crashes = 0, refused = 0, switches = 0;
    static struct model m, next;
    for (uint64_t seed = 1; seed <= 60; seed++) {
        uint64_t rng = seed * 0x9e3779b97f4a7c15u;
        struct env e;
        env_init(&e);
        struct avila_lsm_vset_options o = {0};
        if (seed % 3 == 0)
            o.max_manifest_bytes = 300; /* switch MANIFESTs often */
        struct avila_lsm_vset vs;
        open_ok(&e, &vs, &o, true);
        model_init(&m);
        m.max_number = avila_lsm_vset_next_file(&vs) - 1;
        check_model(&vs, &m);
        struct avila_lsm_edit ed;
        avila_lsm_edit_init(&ed, avila_allocator_libc());
        for (int step = 0; step < 120; step++) {
            unsigned r = (unsigned)(unit_rand(&rng) % 100);
            if (r < 75) {
                uint64_t before = avila_lsm_vset_manifest_number(&vs);
                model_edit(&rng, &vs, &m, &ed, &next);
                int rc = avila_lsm_vset_log_and_apply(&vs, &ed);
                if (rc != 0)
                    fail_msg("seed %llu step %d: apply: %s", (unsigned long long)seed, step,
                             avila_strerror(rc));
                m = next;
                m.max_number = avila_lsm_vset_next_file(&vs) - 1;
                switches += avila_lsm_vset_manifest_number(&vs) != before;
                applies++;
            } else if (r < 83 && m.n > 0) {
                /* Invalid: delete a file at the wrong level, or add an overlapping one. */
                avila_lsm_edit_clear(&ed);
                const struct mfile *f = &m.f[unit_rand(&rng) % m.n];
                if (f->level > 0 && unit_rand(&rng) % 2) {
                    add_file(&ed, f->level, avila_lsm_vset_new_file_number(&vs), 1, f->lo, f->hi,
                             f->sseq, f->lseq);
                } else {
                    assert_int_equal(avila_lsm_edit_delete_file(
                                         &ed, (f->level + 1) % AVILA_LSM_LEVELS, f->number),
                                     0);
                }
                assert_int_equal(avila_lsm_vset_log_and_apply(&vs, &ed), AVILA_EINVAL);
                refused++;
            } else if (r < 91) {
                avila_lsm_vset_close(&vs);
                open_ok(&e, &vs, &o, false);
                reopens++;
            } else {
                avila_lsm_vfs_mem_crash(&e.m, crash_modes[unit_rand(&rng) % 4], unit_rand(&rng));
                avila_lsm_vset_close(&vs);
                open_ok(&e, &vs, &o, false);
                crashes++;
            }
            check_model(&vs, &m);
        }
        avila_lsm_edit_release(&ed);
        avila_lsm_vset_close(&vs);
        env_done(&e);
    }
    print_message("model: %zu applies, %zu refused, %zu reopens, %zu crashes, %zu switches\n",
                  applies, refused, reopens, crashes, switches);
    assert_true(switches > 50 && crashes > 100);
}

/* Many edits, trivial moves among them: the recovered version is the one written. */
static void many_edits(void **state)
{
    (void)state;
    struct env e;
    env_init(&e);
    struct avila_lsm_vset vs;
    open_ok(&e, &vs, NULL, true);
    struct avila_lsm_edit ed;
    avila_lsm_edit_init(&ed, avila_allocator_libc());
    uint64_t rng = 5;
    for (unsigned i = 0; i < 4000; i++) {
        avila_lsm_edit_clear(&ed);
        add_file(&ed, 1, avila_lsm_vset_new_file_number(&vs), 10, 2 * i, 2 * i, i, i);
        const struct avila_lsm_version *v = avila_lsm_vset_current(&vs);
        if (i % 3 == 2 && v->nfiles[1] > 0) {
            /* Move a random L1 file to L2 if its range is free there (it always is). */
            const struct avila_lsm_file_meta *f = v->files[1][unit_rand(&rng) % v->nfiles[1]];
            assert_int_equal(avila_lsm_edit_delete_file(&ed, 1, f->number), 0);
            struct avila_lsm_edit_file ef = {.level = 2,
                                             .number = f->number,
                                             .size = f->size,
                                             .smallest = f->smallest,
                                             .largest = f->largest,
                                             .smallest_seq = f->smallest_seq,
                                             .largest_seq = f->largest_seq};
            assert_int_equal(avila_lsm_edit_add_file(&ed, &ef), 0);
        }
        if (i % 7 == 6 && v->nfiles[2] > 0)
            assert_int_equal(avila_lsm_edit_delete_file(
                                 &ed, 2, v->files[2][unit_rand(&rng) % v->nfiles[2]]->number),
                             0);
        avila_lsm_edit_set_last_seq(&ed, i);
        assert_int_equal(avila_lsm_vset_log_and_apply(&vs, &ed), 0);
    }
    /* Remember the numbers level by level, reopen, compare. */
    uint64_t *want[AVILA_LSM_LEVELS];
    size_t nwant[AVILA_LSM_LEVELS];
    const struct avila_lsm_version *v = avila_lsm_vset_current(&vs);
    for (int l = 0; l < AVILA_LSM_LEVELS; l++) {
        nwant[l] = v->nfiles[l];
        want[l] = calloc(nwant[l] + 1, sizeof(uint64_t));
        assert_non_null(want[l]);
        for (size_t i = 0; i < nwant[l]; i++)
            want[l][i] = v->files[l][i]->number;
    }
    assert_true(nwant[1] > 1000 && nwant[2] > 500);
    avila_lsm_vset_close(&vs);
    open_ok(&e, &vs, NULL, false);
    v = avila_lsm_vset_current(&vs);
    for (int l = 0; l < AVILA_LSM_LEVELS; l++) {
        assert_int_equal(v->nfiles[l], nwant[l]);
        for (size_t i = 0; i < nwant[l]; i++)
            assert_true(v->files[l][i]->number == want[l][i]);
        free(want[l]);
    }
    assert_true(avila_lsm_vset_last_seq(&vs) == 3999);
    avila_lsm_edit_release(&ed);
    avila_lsm_vset_close(&vs);
    env_done(&e);
}

/* ---------------------------------------------------------------- faults */

static const enum avila_lsm_vfs_op fault_ops[] = {
    AVILA_LSM_VFS_OPEN_APPEND, AVILA_LSM_VFS_APPEND,    AVILA_LSM_VFS_SYNC, AVILA_LSM_VFS_SYNC_DIR,
    AVILA_LSM_VFS_RENAME,      AVILA_LSM_VFS_OPEN_READ, AVILA_LSM_VFS_READ, AVILA_LSM_VFS_SIZE,
};

static bool model_equal_to(const struct avila_lsm_vset *vs, const struct model *m)
{
    const struct avila_lsm_version *v = avila_lsm_vset_current(vs);
    size_t total = 0;
    if (avila_lsm_vset_log_number(vs) != m->log_number ||
        avila_lsm_vset_last_seq(vs) != m->last_seq)
        return false;
    for (int l = 0; l < AVILA_LSM_LEVELS; l++) {
        total += v->nfiles[l];
        for (size_t i = 0; i < v->nfiles[l]; i++) {
            bool found = false;
            for (size_t j = 0; j < m->n && !found; j++)
                found = m->f[j].number == v->files[l][i]->number && m->f[j].level == l;
            if (!found)
                return false;
        }
    }
    return total == m->n;
}

static void faults(void **state)
{
    (void)state;
    const int errs[] = {AVILA_EIO, AVILA_ENOSPC};
    size_t failed_applies = 0, failed_opens = 0, either = 0;
    static struct model m, next, pending;
    for (size_t oi = 0; oi < AVILA_ARRAY_LEN(fault_ops); oi++) {
        for (int sticky = 0; sticky < 2; sticky++) {
            for (uint64_t nth = 1; nth < 40; nth++) {
                enum avila_lsm_vfs_op op = fault_ops[oi];
                uint64_t rng = nth * 7919 + oi;
                struct env e;
                env_init(&e);
                struct avila_lsm_vset vs;
                struct avila_lsm_vset_options o = {.max_manifest_bytes = 200};
                open_ok(&e, &vs, &o, true);
                model_init(&m);
                struct avila_lsm_edit ed;
                avila_lsm_edit_init(&ed, avila_allocator_libc());
                for (int i = 0; i < 3; i++) {
                    model_edit(&rng, &vs, &m, &ed, &next);
                    assert_int_equal(avila_lsm_vset_log_and_apply(&vs, &ed), 0);
                    m = next;
                }
                avila_lsm_vfs_mem_reset_counts(&e.m);
                avila_lsm_vfs_mem_fail(&e.m, op, nth, errs[nth % 2], sticky);
                bool last_failed = false, hit = false;
                for (int i = 0; i < 6; i++) {
                    model_edit(&rng, &vs, &m, &ed, &next);
                    int rc = avila_lsm_vset_log_and_apply(&vs, &ed);
                    if (rc == 0) {
                        m = next;
                        last_failed = false;
                        check_model(&vs, &m);
                    } else {
                        assert_int_equal(rc, errs[nth % 2]);
                        pending = next;
                        last_failed = true;
                        hit = true;
                        failed_applies++;
                        m.max_number = avila_lsm_vset_next_file(&vs) - 1;
                        check_model(&vs, &m); /* nothing installed */
                    }
                }
                /* Recovery: with the fault still armed it may fail; then without. */
                avila_lsm_vset_close(&vs);
                avila_lsm_vfs_mem_crash(&e.m, AVILA_LSM_VFS_MEM_TEAR | AVILA_LSM_VFS_MEM_DIR_ANY,
                                        nth);
                int rc = avila_lsm_vset_open(&vs, &e.vfs, avila_allocator_libc(), "/db", &o, false);
                if (rc != 0) {
                    assert_int_equal(rc, errs[nth % 2]);
                    failed_opens++;
                    avila_lsm_vfs_mem_reset_counts(&e.m);
                    open_ok(&e, &vs, &o, false);
                }
                avila_lsm_vfs_mem_reset_counts(&e.m);
                if (!model_equal_to(&vs, &m)) {
                    assert_true(last_failed);
                    assert_true(model_equal_to(&vs, &pending));
                    m = pending;
                    either++;
                }
                /* It goes on working. */
                m.max_number = avila_lsm_vset_next_file(&vs) - 1;
                model_edit(&rng, &vs, &m, &ed, &next);
                assert_int_equal(avila_lsm_vset_log_and_apply(&vs, &ed), 0);
                m = next;
                m.max_number = avila_lsm_vset_next_file(&vs) - 1;
                avila_lsm_vset_close(&vs);
                open_ok(&e, &vs, &o, false);
                check_model(&vs, &m);
                avila_lsm_vset_close(&vs);
                avila_lsm_edit_release(&ed);
                env_done(&e);
                if (!hit && avila_lsm_vfs_mem_calls(&e.m, op) < nth)
                    break;
            }
        }
    }
    print_message("faults: %zu failed applies, %zu failed opens, %zu recovered the failed edit\n",
                  failed_applies, failed_opens, either);
    assert_true(failed_applies > 100 && failed_opens > 0);
}

/* Faults in recovery alone: each read-side call fails once; then it opens. */
static void recovery_faults(void **state)
{
    (void)state;
    size_t failures = 0;
    for (size_t oi = 5; oi < AVILA_ARRAY_LEN(fault_ops); oi++) {
        for (uint64_t nth = 1;; nth++) {
            struct env e;
            env_init(&e);
            struct avila_lsm_vset vs;
            open_ok(&e, &vs, NULL, true);
            static struct model m, next;
            model_init(&m);
            uint64_t rng = nth;
            struct avila_lsm_edit ed;
            avila_lsm_edit_init(&ed, avila_allocator_libc());
            for (int i = 0; i < 5; i++) {
                model_edit(&rng, &vs, &m, &ed, &next);
                assert_int_equal(avila_lsm_vset_log_and_apply(&vs, &ed), 0);
                m = next;
                m.max_number = avila_lsm_vset_next_file(&vs) - 1;
            }
            avila_lsm_edit_release(&ed);
            avila_lsm_vset_close(&vs);
            avila_lsm_vfs_mem_reset_counts(&e.m);
            avila_lsm_vfs_mem_fail(&e.m, fault_ops[oi], nth, AVILA_EIO, false);
            int rc = avila_lsm_vset_open(&vs, &e.vfs, avila_allocator_libc(), "/db", NULL, false);
            bool reached = avila_lsm_vfs_mem_calls(&e.m, fault_ops[oi]) >= nth;
            if (rc == 0) {
                assert_false(reached);
            } else {
                assert_int_equal(rc, AVILA_EIO);
                failures++;
                avila_lsm_vfs_mem_reset_counts(&e.m);
                open_ok(&e, &vs, NULL, false);
            }
            check_model(&vs, &m);
            avila_lsm_vset_close(&vs);
            env_done(&e);
            if (!reached)
                break;
        }
    }
    assert_true(failures >= 3);
}

/* ---------------------------------------------------------------- damaged files */

static void put(struct env *e, const char *path, const void *p, size_t n)
{
    struct avila_lsm_file *f;
    assert_int_equal(avila_lsm_vfs_open_append(&e->vfs, path, &f), 0);
    assert_int_equal(avila_lsm_vfs_append(&e->vfs, f, p, n), 0);
    assert_int_equal(avila_lsm_vfs_sync(&e->vfs, f), 0);
    avila_lsm_vfs_close(&e->vfs, f);
}

static void damaged(void **state)
{
    (void)state;
    struct env e;
    env_init(&e);
    struct avila_lsm_vset vs;
    const struct avila_allocator *a = avila_allocator_libc();
    assert_int_equal(avila_lsm_vset_open(&vs, &e.vfs, a, "/db", NULL, false), AVILA_ENOTFOUND);
    open_ok(&e, &vs, NULL, true);
    struct avila_lsm_edit ed;
    avila_lsm_edit_init(&ed, a);
    add_file(&ed, 1, avila_lsm_vset_new_file_number(&vs), 10, 1, 2, 1, 1);
    avila_lsm_edit_set_last_seq(&ed, 1);
    assert_int_equal(avila_lsm_vset_log_and_apply(&vs, &ed), 0);
    uint64_t mnum = avila_lsm_vset_manifest_number(&vs);
    avila_lsm_vset_close(&vs);
    char mpath[64];
    avila_lsm_file_path(mpath, sizeof(mpath), "/db", AVILA_LSM_FILE_MANIFEST, mnum);

    /* CURRENT variants. */
    const char *currents[] = {"",
                              "MANIFEST-000003",
                              "MANIFEST-000003\n\n",
                              "manifest-000003\n",
                              "MANIFEST-3\n",
                              "000003.sst\n"};
    for (size_t i = 0; i < AVILA_ARRAY_LEN(currents); i++) {
        put(&e, "/db/CURRENT", currents[i], strlen(currents[i]));
        assert_int_equal(avila_lsm_vset_open(&vs, &e.vfs, a, "/db", NULL, false), AVILA_EFORMAT);
    }
    put(&e, "/db/CURRENT", "MANIFEST-999999\n", 16);
    assert_int_equal(avila_lsm_vset_open(&vs, &e.vfs, a, "/db", NULL, true), AVILA_ENOTFOUND);
    char line[32];
    snprintf(line, sizeof(line), "MANIFEST-%06llu\n", (unsigned long long)mnum);
    put(&e, "/db/CURRENT", line, strlen(line));
    open_ok(&e, &vs, NULL, false);
    avila_lsm_vset_close(&vs);

    /* A flip in the last record: dropped as torn; in the first: damage. */
    uint8_t *data;
    size_t len;
    assert_int_equal(avila_lsm_vfs_mem_file(&e.m, mpath, &data, &len, NULL), 0);
    uint8_t *saved = malloc(len);
    assert_non_null(saved);
    memcpy(saved, data, len);
    data[len - 3] ^= 1;
    open_ok(&e, &vs, NULL, false);
    assert_int_equal(avila_lsm_vset_current(&vs)->nfiles[1], 0);
    avila_lsm_vset_close(&vs);
    assert_int_equal(avila_lsm_vfs_mem_file(&e.m, mpath, &data, &len, NULL), 0);
    memcpy(data, saved, len);
    data[AVILA_LSM_WAL_HEADER_LEN + 1] ^= 1;
    assert_int_equal(avila_lsm_vset_open(&vs, &e.vfs, a, "/db", NULL, false), AVILA_EFORMAT);
    /* A well-framed record that is no edit. */
    uint8_t junk[AVILA_LSM_WAL_HEADER_LEN + 2] = {0};
    junk[AVILA_LSM_WAL_HEADER_LEN] = 9;
    avila_lsm_wal_frame(junk, junk + AVILA_LSM_WAL_HEADER_LEN, 2);
    uint8_t *both = malloc(len + sizeof(junk));
    assert_non_null(both);
    memcpy(both, saved, len);
    memcpy(both + len, junk, sizeof(junk));
    put(&e, mpath, both, len + sizeof(junk));
    assert_int_equal(avila_lsm_vset_open(&vs, &e.vfs, a, "/db", NULL, false), AVILA_EFORMAT);
    /* An edit deleting a file that is not there. */
    avila_lsm_edit_clear(&ed);
    assert_int_equal(avila_lsm_edit_delete_file(&ed, 2, 2), 0);
    struct avila_buf b;
    avila_buf_init(&b, a, SIZE_MAX);
    assert_int_equal(avila_buf_append(&b, saved, len), 0);
    uint8_t h[AVILA_LSM_WAL_HEADER_LEN], body[64];
    struct avila_buf eb;
    avila_buf_init_fixed(&eb, body, sizeof(body));
    assert_int_equal(avila_lsm_edit_encode(&ed, &eb), 0);
    avila_lsm_wal_frame(h, body, eb.len);
    assert_int_equal(avila_buf_append(&b, h, sizeof(h)), 0);
    assert_int_equal(avila_buf_append(&b, body, eb.len), 0);
    put(&e, mpath, b.data, b.len);
    assert_int_equal(avila_lsm_vset_open(&vs, &e.vfs, a, "/db", NULL, false), AVILA_EFORMAT);
    /* next_file not above the files: a snapshot claiming next_file 2. */
    avila_lsm_edit_clear(&ed);
    avila_lsm_edit_set_next_file(&ed, 2);
    avila_buf_clear(&b);
    assert_int_equal(avila_buf_append(&b, saved, len), 0);
    avila_buf_init_fixed(&eb, body, sizeof(body));
    assert_int_equal(avila_lsm_edit_encode(&ed, &eb), 0);
    avila_lsm_wal_frame(h, body, eb.len);
    assert_int_equal(avila_buf_append(&b, h, sizeof(h)), 0);
    assert_int_equal(avila_buf_append(&b, body, eb.len), 0);
    put(&e, mpath, b.data, b.len);
    /* Repeating NEXT_FILE lower than before is fine (max kept)... */
    open_ok(&e, &vs, NULL, false);
    avila_lsm_vset_close(&vs);
    /* ...a torn tail is dropped. */
    put(&e, mpath, b.data, b.len - 1);
    open_ok(&e, &vs, NULL, false);
    assert_int_equal(avila_lsm_vset_current(&vs)->nfiles[1], 1);
    avila_lsm_vset_close(&vs);
    avila_buf_release(&b);
    free(saved);
    free(both);
    avila_lsm_edit_release(&ed);
    env_done(&e);
}

/* ---------------------------------------------------------------- queries */

struct hits {
    int level[16];
    uint64_t number[16];
    int n;
};

static int collect(void *ctx, int level, struct avila_lsm_file_meta *f)
{
    struct hits *h = ctx;
    h->level[h->n] = level;
    h->number[h->n++] = f->number;
    return 0;
}

struct live {
    uint64_t want, manifest_number;
    bool seen, manifest;
};

static int see_live(void *ctx, uint64_t number)
{
    struct live *lv = ctx;
    lv->seen |= number == lv->want;
    lv->manifest |= number != 0 && number == lv->manifest_number;
    return 0;
}

static void queries(void **state)
{
    (void)state;
    struct env e;
    env_init(&e);
    const struct avila_allocator *a = avila_allocator_libc();
    struct avila_lsm_vset vs;
    open_ok(&e, &vs, NULL, true);
    struct avila_lsm_edit ed;
    avila_lsm_edit_init(&ed, a);
    uint64_t n[12];
    for (int i = 0; i < 12; i++)
        n[i] = avila_lsm_vset_new_file_number(&vs);
    /* L0: n0 [10,20], n1 [15,30], n2 [40,50]; newest first is n2, n1, n0. */
    add_file(&ed, 0, n[0], 100, 10, 20, 1, 2);
    add_file(&ed, 0, n[1], 100, 15, 30, 3, 4);
    add_file(&ed, 0, n[2], 100, 40, 50, 5, 6);
    /* L1: a user key 60 split over two files: n3 ends at (60, seq 8), n4 starts at (60, 5). */
    uint8_t k1[17], k2[17];
    struct avila_lsm_edit_file f = {.level = 1,
                                    .number = n[3],
                                    .size = 10,
                                    .smallest = ikey(k1, 55, 9, AVILA_LSM_VALUE),
                                    .largest = ikey(k2, 60, 8, AVILA_LSM_VALUE),
                                    .smallest_seq = 8,
                                    .largest_seq = 9};
    assert_int_equal(avila_lsm_edit_add_file(&ed, &f), 0);
    f = (struct avila_lsm_edit_file){.level = 1,
                                     .number = n[4],
                                     .size = 10,
                                     .smallest = ikey(k1, 60, 5, AVILA_LSM_VALUE),
                                     .largest = ikey(k2, 70, 1, AVILA_LSM_VALUE),
                                     .smallest_seq = 1,
                                     .largest_seq = 5};
    assert_int_equal(avila_lsm_edit_add_file(&ed, &f), 0);
    /* L2: n5 [80, 90) by a range tombstone's end sentinel, n6 [90, 95]. */
    f = (struct avila_lsm_edit_file){.level = 2,
                                     .number = n[5],
                                     .size = 10,
                                     .smallest = ikey(k1, 80, 3, AVILA_LSM_RANGE_DELETE),
                                     .largest =
                                         ikey(k2, 90, AVILA_LSM_MAX_SEQ, AVILA_LSM_RANGE_DELETE),
                                     .smallest_seq = 3,
                                     .largest_seq = 3};
    assert_int_equal(avila_lsm_edit_add_file(&ed, &f), 0);
    add_file(&ed, 2, n[6], 10, 90, 95, 2, 2);
    avila_lsm_edit_set_last_seq(&ed, 9);
    assert_int_equal(avila_lsm_vset_log_and_apply(&vs, &ed), 0);
    struct avila_lsm_version *v = avila_lsm_vset_current(&vs);
    char u[16];
    struct hits h = {0};
    assert_int_equal(avila_lsm_version_for_key(v, ukey(u, 18), 100, collect, &h), 0);
    assert_int_equal(h.n, 2);
    assert_true(h.number[0] == n[1] && h.number[1] == n[0]);
    memset(&h, 0, sizeof(h));
    avila_lsm_version_for_key(v, ukey(u, 60), 100, collect, &h);
    assert_int_equal(h.n, 1);
    assert_true(h.level[0] == 1 && h.number[0] == n[3]);
    memset(&h, 0, sizeof(h));
    avila_lsm_version_for_key(v, ukey(u, 60), 7, collect, &h);
    assert_true(h.n == 1 && h.number[0] == n[4]);
    memset(&h, 0, sizeof(h));
    avila_lsm_version_for_key(v, ukey(u, 90), 100, collect, &h);
    assert_true(h.n == 1 && h.level[0] == 2 && h.number[0] == n[6]);
    memset(&h, 0, sizeof(h));
    avila_lsm_version_for_key(v, ukey(u, 89), 100, collect, &h);
    assert_true(h.n == 1 && h.number[0] == n[5]);
    memset(&h, 0, sizeof(h));
    avila_lsm_version_for_key(v, ukey(u, 35), 100, collect, &h);
    assert_int_equal(h.n, 0);

    struct avila_lsm_file_vec fv;
    avila_lsm_file_vec_init(&fv, a);
    char b1[16], b2[16];
    struct avila_slice lo = ukey(b1, 12), hi = ukey(b2, 13);
    /* [12,13] meets n0 [10,20]; widened to [10,20] meets n1 [15,30]; widened to [10,30]. */
    assert_int_equal(avila_lsm_version_overlapping(v, 0, &lo, &hi, &fv), 0);
    assert_int_equal(fv.n, 2);
    assert_int_equal(avila_lsm_version_overlapping(v, 0, NULL, &hi, &fv), 0);
    assert_int_equal(fv.n, 2);
    assert_int_equal(avila_lsm_version_overlapping(v, 0, NULL, NULL, &fv), 0);
    assert_int_equal(fv.n, 3);
    lo = ukey(b1, 60);
    hi = ukey(b2, 60);
    assert_int_equal(avila_lsm_version_overlapping(v, 1, &lo, &hi, &fv), 0);
    assert_int_equal(fv.n, 2);
    assert_int_equal(avila_lsm_version_overlapping(v, 7, &lo, &hi, &fv), AVILA_EINVAL);
    avila_lsm_file_vec_release(&fv);
    assert_true(avila_lsm_version_deeper_overlap(v, 0, ukey(b1, 91), ukey(b2, 91)));
    assert_false(avila_lsm_version_deeper_overlap(v, 2, ukey(b1, 91), ukey(b2, 91)));
    assert_false(avila_lsm_version_deeper_overlap(v, 0, ukey(b1, 31), ukey(b2, 39)));

    /* Live files: a referenced old version keeps its files live. */
    avila_lsm_version_ref(v);
    avila_lsm_edit_clear(&ed);
    assert_int_equal(avila_lsm_edit_delete_file(&ed, 0, n[0]), 0);
    assert_int_equal(avila_lsm_vset_log_and_apply(&vs, &ed), 0);
    struct avila_lsm_version *cur = avila_lsm_vset_current(&vs);
    assert_true(cur != v && cur->nfiles[0] == 2);
    struct live lv = {.want = n[0], .manifest_number = avila_lsm_vset_manifest_number(&vs)};
    assert_int_equal(avila_lsm_vset_live_files(&vs, see_live, &lv), 0);
    assert_true(lv.seen && lv.manifest);
    avila_lsm_version_unref(v);
    lv.seen = false;
    assert_int_equal(avila_lsm_vset_live_files(&vs, see_live, &lv), 0);
    assert_false(lv.seen);
    lv.want = n[1];
    assert_int_equal(avila_lsm_vset_live_files(&vs, see_live, &lv), 0);
    assert_true(lv.seen);
    avila_lsm_edit_release(&ed);
    avila_lsm_vset_close(&vs);
    env_done(&e);
}

/* ---------------------------------------------------------------- picking */

static const struct avila_lsm_vset_options pick_opt = {
    .l0_compaction_trigger = 4,
    .max_bytes_for_level_base = 10000,
    .level_multiplier = 10,
    .target_file_size = 1000,
};

struct pick_env {
    struct env e;
    struct avila_lsm_vset vs;
    struct avila_lsm_edit ed;
    uint64_t seq;
};

static void pick_open(struct pick_env *p)
{
    env_init(&p->e);
    open_ok(&p->e, &p->vs, &pick_opt, true);
    avila_lsm_edit_init(&p->ed, avila_allocator_libc());
    p->seq = 0;
}

static void pick_close(struct pick_env *p)
{
    avila_lsm_edit_release(&p->ed);
    avila_lsm_vset_close(&p->vs);
    env_done(&p->e);
}

/* Adds one file (a new number, returned) and applies it. */
static uint64_t pick_add(struct pick_env *p, int level, uint64_t size, unsigned lo, unsigned hi)
{
    avila_lsm_edit_clear(&p->ed);
    uint64_t n = avila_lsm_vset_new_file_number(&p->vs);
    p->seq++;
    add_file(&p->ed, level, n, size, lo, hi, p->seq, p->seq);
    avila_lsm_edit_set_last_seq(&p->ed, p->seq);
    assert_int_equal(avila_lsm_vset_log_and_apply(&p->vs, &p->ed), 0);
    return n;
}

static bool has(const struct avila_lsm_file_vec *fv, uint64_t number)
{
    for (size_t i = 0; i < fv->n; i++)
        if (fv->items[i]->number == number)
            return true;
    return false;
}

static void pick_l0(void **state)
{
    (void)state;
    struct pick_env p;
    pick_open(&p);
    struct avila_lsm_compaction *c;
    uint64_t a = pick_add(&p, 0, 100, 10, 30); /* oldest */
    uint64_t b = pick_add(&p, 0, 100, 25, 50);
    uint64_t x = pick_add(&p, 0, 100, 80, 90);
    assert_int_equal(avila_lsm_vset_pick_compaction(&p.vs, &c), 0);
    assert_null(c);
    uint64_t d = pick_add(&p, 0, 100, 45, 60); /* meets b only: a -> b -> d transitively */
    uint64_t l1a = pick_add(&p, 1, 100, 0, 5);
    uint64_t l1b = pick_add(&p, 1, 100, 55, 70);
    uint64_t l1c = pick_add(&p, 1, 100, 75, 95);
    uint64_t l2 = pick_add(&p, 2, 100, 0, 100);
    struct avila_lsm_level_stats st[AVILA_LSM_LEVELS];
    avila_lsm_vset_level_stats(&p.vs, st);
    assert_true(st[0].files == 4 && st[0].bytes == 400 && st[0].score == 1.0);
    assert_int_equal(avila_lsm_vset_pick_compaction(&p.vs, &c), 1);
    assert_int_equal(c->level, 0);
    assert_int_equal(c->inputs[0].n, 3);
    assert_true(has(&c->inputs[0], a) && has(&c->inputs[0], b) && has(&c->inputs[0], d));
    assert_false(has(&c->inputs[0], x));
    assert_int_equal(c->inputs[1].n, 1);
    assert_true(has(&c->inputs[1], l1b));
    assert_false(has(&c->inputs[1], l1a) || has(&c->inputs[1], l1c));
    assert_true(c->grandparents.n == 1 && c->grandparents.items[0]->number == l2);
    assert_false(avila_lsm_compaction_is_trivial_move(c));
    /* The edit deletes the four inputs; with one output it applies. */
    assert_int_equal(c->edit.n_deletes, 4);
    uint8_t k1[17], k2[17];
    uint64_t out = avila_lsm_vset_new_file_number(&p.vs);
    assert_int_equal(avila_lsm_compaction_add_output(c, out, 350, ikey(k1, 10, 4, AVILA_LSM_VALUE),
                                                     ikey(k2, 70, 1, AVILA_LSM_VALUE), 1, 4),
                     0);
    assert_int_equal(avila_lsm_vset_log_and_apply(&p.vs, &c->edit), 0);
    avila_lsm_compaction_free(c);
    const struct avila_lsm_version *v = avila_lsm_vset_current(&p.vs);
    assert_true(v->nfiles[0] == 1 && v->nfiles[1] == 3);
    assert_int_equal(avila_lsm_vset_pick_compaction(&p.vs, &c), 0);
    pick_close(&p);
}

/*
 * Compactions side by side: each pick while others run takes only files
 * none of them takes (the next file of the level, then the next level),
 * one level-0 compaction at a time; a manual compaction meeting a running
 * one is refused; freeing one makes its files pickable again.
 */
static void pick_side_by_side(void **state)
{
    (void)state;
    struct pick_env p;
    pick_open(&p);
    pick_add(&p, 0, 10, 10, 20); /* oldest */
    pick_add(&p, 0, 10, 15, 25);
    pick_add(&p, 0, 10, 300, 310);
    pick_add(&p, 0, 10, 305, 315);
    uint64_t f[4];
    for (int i = 0; i < 4; i++) /* L1 at twice its target: the most due */
        f[i] = pick_add(&p, 1, 5000, 100 * (unsigned)i + 100, 100 * (unsigned)i + 150);
    uint64_t g = pick_add(&p, 2, 100, 120, 130);
    struct avila_lsm_compaction *c[6];
    for (int i = 0; i < 4; i++) {
        assert_int_equal(avila_lsm_vset_pick_compaction(&p.vs, &c[i]), 1);
        assert_int_equal(c[i]->level, 1);
        assert_true(c[i]->inputs[0].n == 1 && c[i]->inputs[0].items[0]->number == f[i]);
    }
    assert_true(c[0]->inputs[1].n == 1 && c[0]->inputs[1].items[0]->number == g);
    /* Every L1 file is taken: level 0 next, its oldest file and the one it meets. */
    assert_int_equal(avila_lsm_vset_pick_compaction(&p.vs, &c[4]), 1);
    assert_int_equal(c[4]->level, 0);
    assert_int_equal(c[4]->inputs[0].n, 2);
    assert_int_equal(avila_lsm_vset_pick_compaction(&p.vs, &c[5]), 0);
    assert_null(c[5]);
    uint8_t k1[17], k2[17];
    struct avila_slice lo = avila_slice_make(ikey(k1, 120, 1, AVILA_LSM_VALUE).ptr, 9);
    struct avila_slice hi = avila_slice_make(ikey(k2, 140, 1, AVILA_LSM_VALUE).ptr, 9);
    assert_int_equal(avila_lsm_vset_compact_range(&p.vs, 1, &lo, &hi, &c[5]), AVILA_ESTATE);
    /* Outputs in progress: the smallest first number of the running compactions. */
    assert_true(avila_lsm_vset_pending_outputs(&p.vs) == 0);
    c[0]->first_output = 50;
    c[1]->first_output = 40;
    assert_true(avila_lsm_vset_pending_outputs(&p.vs) == 40);
    avila_lsm_compaction_free(c[1]);
    assert_true(avila_lsm_vset_pending_outputs(&p.vs) == 50);
    /* f[1] is free again: the next pick takes it; then nothing is left. */
    assert_int_equal(avila_lsm_vset_pick_compaction(&p.vs, &c[1]), 1);
    assert_true(c[1]->level == 1 && c[1]->inputs[0].items[0]->number == f[1]);
    assert_int_equal(avila_lsm_vset_pick_compaction(&p.vs, &c[5]), 0);
    for (int i = 0; i < 5; i++)
        avila_lsm_compaction_free(c[i]);
    assert_true(avila_lsm_vset_pending_outputs(&p.vs) == 0);
    assert_int_equal(avila_lsm_vset_compact_range(&p.vs, 1, &lo, &hi, &c[5]), 1);
    assert_true(c[5]->inputs[0].n == 1 && c[5]->inputs[0].items[0]->number == f[0]);
    avila_lsm_compaction_free(c[5]);
    pick_close(&p);
}

static void pick_scores_and_pointer(void **state)
{
    (void)state;
    struct pick_env p;
    pick_open(&p);
    struct avila_lsm_compaction *c;
    uint64_t f[4];
    for (int i = 0; i < 4; i++)
        f[i] = pick_add(&p, 1, 5000, 100 * (unsigned)i, 100 * (unsigned)i + 50);
    /* L2 at 1.05 times its target, L1 at 2: L1 first. */
    uint64_t big = pick_add(&p, 2, 105000, 1000, 1100);
    pick_add(&p, 0, 10, 0, 1);
    assert_true(avila_lsm_vset_max_bytes(&p.vs, 1) == 10000);
    assert_true(avila_lsm_vset_max_bytes(&p.vs, 2) == 100000);
    struct avila_lsm_level_stats st[AVILA_LSM_LEVELS];
    avila_lsm_vset_level_stats(&p.vs, st);
    assert_true(st[1].score == 2.0 && st[2].score == 1.05 && st[0].score == 0.25);
    /* Rotation: each pick starts after the last one's largest key. */
    for (int i = 0; i < 2; i++) {
        assert_int_equal(avila_lsm_vset_pick_compaction(&p.vs, &c), 1);
        assert_int_equal(c->level, 1);
        assert_int_equal(c->inputs[0].n, 1);
        assert_true(c->inputs[0].items[0]->number == f[i]);
        assert_true(avila_lsm_compaction_is_trivial_move(c));
        assert_int_equal(avila_lsm_compaction_trivial_move(c), 0);
        assert_int_equal(avila_lsm_vset_log_and_apply(&p.vs, &c->edit), 0);
        avila_lsm_compaction_free(c);
        const struct avila_lsm_version *v = avila_lsm_vset_current(&p.vs);
        assert_int_equal(v->nfiles[1], 3 - (size_t)i);
        assert_int_equal(v->nfiles[2], 2 + (size_t)i);
    }
    /* L1 now 10000 (1.0), L2 115000 (1.15): L2 is picked, from its start (no pointer yet). */
    assert_int_equal(avila_lsm_vset_pick_compaction(&p.vs, &c), 1);
    assert_int_equal(c->level, 2);
    assert_true(c->inputs[0].items[0]->number == f[0]);
    avila_lsm_compaction_free(c);
    /* The pointer survives a reopen, and wraps around past the last file. */
    avila_lsm_edit_clear(&p.ed);
    uint8_t k[17];
    assert_int_equal(avila_lsm_edit_set_pointer(&p.ed, 2, ikey(k, 2000, 1, AVILA_LSM_VALUE)), 0);
    assert_int_equal(avila_lsm_vset_log_and_apply(&p.vs, &p.ed), 0);
    avila_lsm_vset_close(&p.vs);
    open_ok(&p.e, &p.vs, &pick_opt, false);
    assert_int_equal(avila_lsm_vset_pick_compaction(&p.vs, &c), 1);
    assert_true(c->level == 2 && c->inputs[0].items[0]->number == f[0]);
    avila_lsm_compaction_free(c);
    avila_lsm_edit_clear(&p.ed);
    assert_int_equal(avila_lsm_edit_set_pointer(&p.ed, 2, ikey(k, 60, 1, AVILA_LSM_VALUE)), 0);
    assert_int_equal(avila_lsm_vset_log_and_apply(&p.vs, &p.ed), 0);
    assert_int_equal(avila_lsm_vset_pick_compaction(&p.vs, &c), 1);
    assert_true(c->level == 2 && c->inputs[0].items[0]->number == f[1]);
    avila_lsm_compaction_free(c);
    /* f1's largest key (150, its seq) sorts before (150, 0): the next file is big. */
    avila_lsm_edit_clear(&p.ed);
    assert_int_equal(avila_lsm_edit_set_pointer(&p.ed, 2, ikey(k, 150, 0, AVILA_LSM_VALUE)), 0);
    assert_int_equal(avila_lsm_vset_log_and_apply(&p.vs, &p.ed), 0);
    assert_int_equal(avila_lsm_vset_pick_compaction(&p.vs, &c), 1);
    assert_true(c->level == 2 && c->inputs[0].items[0]->number == big);
    avila_lsm_compaction_free(c);
    pick_close(&p);
}

static void pick_growth_and_limits(void **state)
{
    (void)state;
    struct pick_env p;
    pick_open(&p);
    struct avila_lsm_compaction *c;
    /* L1: a [10,20] b [30,40]; L2: one file [0,45]: inputs grow to a and b. */
    uint64_t a = pick_add(&p, 1, 6000, 10, 20);
    uint64_t b = pick_add(&p, 1, 6000, 30, 40);
    uint64_t big = pick_add(&p, 2, 100, 0, 45);
    /* Grandparents: L3 files of 4000 bytes each over [0,45]. */
    uint64_t g[4];
    for (int i = 0; i < 4; i++)
        g[i] = pick_add(&p, 3, 4000, 10 * (unsigned)i + 1, 10 * (unsigned)i + 5);
    (void)g;
    assert_int_equal(avila_lsm_vset_pick_compaction(&p.vs, &c), 1);
    assert_int_equal(c->level, 1);
    assert_int_equal(c->inputs[0].n, 2);
    assert_true(has(&c->inputs[0], a) && has(&c->inputs[0], b));
    assert_true(c->inputs[1].n == 1 && c->inputs[1].items[0]->number == big);
    assert_int_equal(c->grandparents.n, 4);
    assert_false(avila_lsm_compaction_is_trivial_move(c));
    /* Outputs cut once past 10000 bytes of grandparents: after the third one ends. */
    uint8_t k[17];
    int cuts = 0, first_cut = -1;
    for (unsigned key = 0; key <= 45; key++) {
        if (avila_lsm_compaction_should_stop_before(c, ikey(k, key, 1, AVILA_LSM_VALUE))) {
            cuts++;
            if (first_cut < 0)
                first_cut = (int)key;
        }
    }
    assert_int_equal(cuts, 1);
    /* Past g0, g1, g2 (12000 bytes): (25, seq 1) sorts after g2's largest (25, seq 7). */
    assert_int_equal(first_cut, 25);
    /* Bottom check for L2 outputs: L3 holds keys 1-5, 11-15, 21-25, 31-35. */
    bool want[46];
    for (unsigned key = 0; key <= 45; key++)
        want[key] = !(key % 10 >= 1 && key % 10 <= 5 && key < 40);
    char u[16];
    for (unsigned key = 0; key <= 45; key++)
        assert_int_equal(avila_lsm_compaction_is_bottom_for_key(c, ukey(u, key)), want[key]);
    avila_lsm_compaction_free(c);

    /* Manual compaction of a range at L3. */
    char b1[16], b2[16];
    struct avila_slice lo = ukey(b1, 12), hi = ukey(b2, 22);
    assert_int_equal(avila_lsm_vset_compact_range(&p.vs, 3, &lo, &hi, &c), 1);
    assert_true(c->manual && c->level == 3 && c->inputs[0].n == 2);
    assert_true(avila_lsm_compaction_is_trivial_move(c) == false || c->inputs[0].n == 1);
    avila_lsm_compaction_free(c);
    lo = ukey(b1, 6);
    hi = ukey(b2, 9);
    assert_int_equal(avila_lsm_vset_compact_range(&p.vs, 3, &lo, &hi, &c), 0);
    assert_null(c);
    assert_int_equal(avila_lsm_vset_compact_range(&p.vs, 6, NULL, NULL, &c), AVILA_EINVAL);
    assert_int_equal(avila_lsm_vset_compact_range(&p.vs, 3, NULL, NULL, &c), 1);
    assert_int_equal(c->inputs[0].n, 4);
    assert_true(avila_lsm_compaction_is_trivial_move(c) == false);
    avila_lsm_compaction_free(c);
    pick_close(&p);
}

/* ---------------------------------------------------------------- allocation failures */

static int alloc_op(struct fail_alloc *fa, void *ctx)
{
    (void)ctx;
    struct env e;
    env_init(&e);
    struct avila_lsm_vset vs;
    const struct avila_allocator *a = &fa->allocator;
    int rc = avila_lsm_vset_open(&vs, &e.vfs, a, "/db", &pick_opt, true);
    if (rc != 0)
        goto out_env;
    struct avila_lsm_edit ed;
    avila_lsm_edit_init(&ed, a);
    for (unsigned i = 0; i < 8 && rc == 0; i++) {
        avila_lsm_edit_clear(&ed);
        uint8_t k1[17], k2[17];
        struct avila_lsm_edit_file f = {.level = (int)(i % 2),
                                        .number = avila_lsm_vset_new_file_number(&vs),
                                        .size = 2000,
                                        .smallest = ikey(k1, 10 * i, 1, AVILA_LSM_VALUE),
                                        .largest = ikey(k2, 10 * i + 5, 1, AVILA_LSM_VALUE),
                                        .smallest_seq = 1,
                                        .largest_seq = 1};
        rc = avila_lsm_edit_add_file(&ed, &f);
        avila_lsm_edit_set_last_seq(&ed, 1);
        if (rc == 0)
            rc = avila_lsm_vset_log_and_apply(&vs, &ed);
    }
    avila_lsm_edit_release(&ed);
    struct avila_lsm_compaction *c = NULL;
    if (rc == 0)
        rc = avila_lsm_vset_pick_compaction(&vs, &c);
    if (rc == 1) {
        rc = avila_lsm_compaction_trivial_move(c);
        if (rc == 0)
            rc = avila_lsm_vset_log_and_apply(&vs, &c->edit);
    }
    avila_lsm_compaction_free(c);
    avila_lsm_vset_close(&vs);
    if (rc == 0)
        rc = avila_lsm_vset_open(&vs, &e.vfs, a, "/db", &pick_opt, false);
    if (rc == 0) {
        assert_int_equal(avila_lsm_vset_current(&vs)->nfiles[1], 5);
        avila_lsm_vset_close(&vs);
    }
out_env:
    if (rc != 0)
        assert_int_equal(rc, AVILA_ENOMEM);
    env_done(&e);
    return rc;
}

static void alloc_failures(void **state)
{
    (void)state;
    assert_true(fail_alloc_sweep(alloc_op, NULL, 0) > 20);
    assert_true(fail_alloc_sweep(alloc_op, NULL, 1) > 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(file_names),
        cmocka_unit_test(edit_round_trip),
        cmocka_unit_test(edit_bad_fields),
        cmocka_unit_test(model_random),
        cmocka_unit_test(faults),
        cmocka_unit_test(recovery_faults),
        cmocka_unit_test(damaged),
        cmocka_unit_test(queries),
        cmocka_unit_test(pick_l0),
        cmocka_unit_test(pick_scores_and_pointer),
        cmocka_unit_test(pick_side_by_side),
        cmocka_unit_test(pick_growth_and_limits),
        cmocka_unit_test(alloc_failures),
        cmocka_unit_test(many_edits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
