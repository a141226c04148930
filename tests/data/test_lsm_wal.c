/*
 * tests/data/test_lsm_wal.c - data/lsm_wal.h over the in-memory VFS:
 *   - the record framing, recomputed here from the header's definition;
 *   - model-based: thousands of random sequences of appends (direct and
 *     buffered; small, large
 *     across the one-call limit and the read chunk, and payloads that hold
 *     valid-looking records), syncs and crashes (torn at random points,
 *     zero-filled, directory entries kept or lost); after each crash every
 *     log reads back as exactly a prefix of what was appended to it, with
 *     every record synced before the crash, and the reported clean end and
 *     dropped bytes add up; earlier logs never change;
 *   - a bit flipped anywhere in a record followed by another gives
 *     AVILA_EFORMAT at that record's offset, in the last record a dropped
 *     tail;
 *   - the file cut at every byte reads as the whole records before the cut;
 *     zero and garbage tails are dropped; a header with a good checksum and
 *     a length over the limit is AVILA_EFORMAT;
 *   - AVILA_EIO and AVILA_ENOSPC at every call of every VFS operation the
 *     log uses (once, and from then on): the error surfaces, the writer
 *     stops, and after a crash the log reads as a prefix holding every
 *     record acknowledged as synced; the reader's allocator failing
 *     surfaces as AVILA_ENOMEM.
 */
#include "tests/support/unit.h"

#include <stdlib.h>
#include <string.h>

#include "data/lsm_format.h"
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
    assert_int_equal(e->vfs.mkdir(e->vfs.ctx, "/w"), 0);
    assert_int_equal(e->vfs.sync_dir(e->vfs.ctx, "/"), 0);
}

static void env_done(struct env *e)
{
    assert_int_equal(e->m.open_handles, 0);
    avila_lsm_vfs_mem_release(&e->m);
}

/* What a read of a whole log gave. */
struct readout {
    int rc; /* 0, AVILA_EFORMAT, ...; AVILA_ENOTFOUND: no file */
    size_t n;
    uint8_t *rec[512];
    size_t len[512];
    uint64_t offset, dropped, size;
};

static void readout_free(struct readout *o)
{
    for (size_t i = 0; i < o->n; i++)
        free(o->rec[i]);
    o->n = 0;
}

static void read_log(struct env *e, const char *path, const struct avila_allocator *a,
                     struct readout *o)
{
    memset(o, 0, sizeof(*o));
    struct avila_lsm_file *f;
    o->rc = avila_lsm_vfs_open_read(&e->vfs, path, &f);
    if (o->rc != 0)
        return;
    struct avila_lsm_wal_reader r;
    o->rc = avila_lsm_wal_reader_init(&r, &e->vfs, f, a);
    if (o->rc == 0) {
        o->size = r.size;
        struct avila_slice s;
        int rc;
        while ((rc = avila_lsm_wal_reader_next(&r, &s)) == 1) {
            assert_true(o->n < AVILA_ARRAY_LEN(o->rec));
            o->rec[o->n] = malloc(s.len ? s.len : 1);
            assert_non_null(o->rec[o->n]);
            if (s.len)
                memcpy(o->rec[o->n], s.ptr, s.len);
            o->len[o->n++] = s.len;
        }
        o->rc = rc;
        o->offset = avila_lsm_wal_reader_offset(&r);
        o->dropped = avila_lsm_wal_reader_dropped(&r);
        /* the end is sticky */
        assert_int_equal(avila_lsm_wal_reader_next(&r, &s), rc);
    }
    avila_lsm_wal_reader_release(&r);
    avila_lsm_vfs_close(&e->vfs, f);
}

/* Writes path afresh with the given bytes (synced, and its name too). */
static void put_file(struct env *e, const char *path, const void *p, size_t n)
{
    struct avila_lsm_file *f;
    assert_int_equal(avila_lsm_vfs_open_append(&e->vfs, path, &f), 0);
    assert_int_equal(avila_lsm_vfs_append(&e->vfs, f, p, n), 0);
    assert_int_equal(avila_lsm_vfs_sync(&e->vfs, f), 0);
    avila_lsm_vfs_close(&e->vfs, f);
}

/* The masked CRC as lsm_format.h defines it, recomputed. */
static uint32_t ref_mask(uint32_t crc)
{
    return ((crc << 11) | (crc >> 21)) ^ 0x5a17c3e9u;
}

/* A record built from the header's definition, appended to out. */
static size_t ref_record(uint8_t *out, const uint8_t *p, size_t n)
{
    uint8_t len[4] = {(uint8_t)n, (uint8_t)(n >> 8), (uint8_t)(n >> 16), (uint8_t)(n >> 24)};
    uint32_t h = ref_mask(avila_crc32c(0, len, 4));
    uint32_t c = ref_mask(avila_crc32c(avila_crc32c(0, len, 4), p, n));
    memcpy(out, len, 4);
    for (int i = 0; i < 4; i++) {
        out[4 + i] = (uint8_t)(h >> (8 * i));
        out[8 + i] = (uint8_t)(c >> (8 * i));
    }
    memcpy(out + 12, p, n);
    return 12 + n;
}

/* ---------------------------------------------------------------- framing */

static void framing(void **state)
{
    (void)state;
    static uint8_t payload[1000], want[1012];
    uint64_t rng = 5;
    unit_rand_fill(&rng, payload, sizeof(payload));
    const size_t sizes[] = {0, 1, 11, 12, 13, 116, 1000};
    struct env e;
    for (size_t i = 0; i < AVILA_ARRAY_LEN(sizes); i++) {
        env_init(&e);
        struct avila_lsm_file *f;
        assert_int_equal(avila_lsm_vfs_open_append(&e.vfs, "/w/log", &f), 0);
        struct avila_lsm_wal_writer *w = malloc(sizeof(*w));
        assert_non_null(w);
        avila_lsm_wal_writer_init(w, &e.vfs, f, 0);
        assert_int_equal(avila_lsm_wal_append(w, payload, sizes[i]), 0);
        assert_int_equal(avila_lsm_wal_writer_offset(w), 12 + sizes[i]);
        assert_int_equal(avila_lsm_wal_writer_synced(w), 0);
        assert_int_equal(avila_lsm_wal_sync(w), 0);
        assert_int_equal(avila_lsm_wal_writer_synced(w), 12 + sizes[i]);
        size_t n = ref_record(want, payload, sizes[i]);
        uint8_t *data;
        size_t len;
        assert_int_equal(avila_lsm_vfs_mem_file(&e.m, "/w/log", &data, &len, NULL), 0);
        assert_int_equal(len, n);
        assert_memory_equal(data, want, n);
        uint8_t h[AVILA_LSM_WAL_HEADER_LEN];
        avila_lsm_wal_frame(h, payload, sizes[i]);
        assert_memory_equal(h, want, sizeof(h));
        /* too long, or NULL with a length: refused, and the writer goes on */
        assert_int_equal(avila_lsm_wal_append(w, payload, AVILA_LSM_WAL_MAX_RECORD + 1),
                         AVILA_EINVAL);
        assert_int_equal(avila_lsm_wal_append(w, NULL, 1), AVILA_EINVAL);
        assert_int_equal(avila_lsm_wal_writer_error(w), 0);
        avila_lsm_vfs_close(&e.vfs, f);
        free(w);
        env_done(&e);
    }
    /* A zero-filled header never passes: the masked CRC of four zero bytes is not zero. */
    assert_int_not_equal(ref_mask(avila_crc32c(0, "\0\0\0\0", 4)), 0);
}

/* ---------------------------------------------------------------- model-based */

enum { MAX_FILES = 4, MAX_RECS = 48 };

struct model_file {
    char path[32];
    size_t n;               /* records appended */
    uint8_t *rec[MAX_RECS]; /* their payloads */
    size_t len[MAX_RECS];
    size_t acked;     /* records synced before the crash */
    size_t recovered; /* records read back after the crash */
    bool exists;      /* found after the crash */
};

/* A payload: mostly small, sometimes large, sometimes holding valid records. */
static uint8_t *random_payload(uint64_t *rng, size_t *len)
{
    uint64_t r = unit_rand(rng) % 100;
    size_t n = r < 85   ? (size_t)(unit_rand(rng) % 200)
               : r < 95 ? (size_t)(unit_rand(rng) % 40000)
                        : 30000 + (size_t)(unit_rand(rng) % 80000);
    uint8_t *p = malloc(n + 64);
    assert_non_null(p);
    unit_rand_fill(rng, p, n);
    if (n > 40 && unit_rand(rng) % 4 == 0) {
        /* a valid record inside, at a random place */
        size_t at = (size_t)(unit_rand(rng) % (n - 40));
        uint8_t inner[16];
        unit_rand_fill(rng, inner, sizeof(inner));
        ref_record(p + at, inner, (size_t)(unit_rand(rng) % 17));
    }
    *len = n;
    return p;
}

static void check_file(struct env *e, struct model_file *mf, bool first_time)
{
    struct readout o;
    read_log(e, mf->path, avila_allocator_libc(), &o);
    if (o.rc == AVILA_ENOTFOUND) {
        /* only a log whose name never became durable may vanish */
        assert_true(first_time);
        mf->exists = false;
        return;
    }
    assert_int_equal(o.rc, 0);
    assert_true(o.n <= mf->n);
    if (first_time) {
        assert_true(o.n >= mf->acked);
        mf->recovered = o.n;
        mf->exists = true;
    } else {
        assert_true(mf->exists);
        assert_int_equal(o.n, mf->recovered); /* recovered logs never change */
    }
    uint64_t end = 0;
    for (size_t i = 0; i < o.n; i++) {
        assert_int_equal(o.len[i], mf->len[i]);
        if (o.len[i])
            assert_memory_equal(o.rec[i], mf->rec[i], o.len[i]);
        end += 12 + o.len[i];
    }
    assert_true(o.offset == end);
    assert_true(o.dropped == o.size - end);
    readout_free(&o);
}

static void model_random(void **state)
{
    (void)state;
    const int sequences = unit_slow() == UNIT_SLOW_NONE ? 300 : 3000;
    uint64_t rng = 11;
    static struct model_file files[MAX_FILES];
    static struct avila_lsm_wal_writer w;
    const unsigned modes[] = {
        0, AVILA_LSM_VFS_MEM_TEAR, AVILA_LSM_VFS_MEM_TEAR | AVILA_LSM_VFS_MEM_ZEROS,
        AVILA_LSM_VFS_MEM_TEAR | AVILA_LSM_VFS_MEM_ZEROS | AVILA_LSM_VFS_MEM_DIR_ANY};
    size_t total_records = 0, total_recovered = 0, total_acked = 0, crashes = 0;
    for (int s = 0; s < sequences; s++) {
        struct env e;
        env_init(&e);
        int nfiles = 1 + (int)(unit_rand(&rng) % MAX_FILES);
        for (int fi = 0; fi < nfiles; fi++) {
            struct model_file *mf = &files[fi];
            memset(mf, 0, sizeof(*mf));
            snprintf(mf->path, sizeof(mf->path), "/w/%06d.log", fi);
            struct avila_lsm_file *f;
            assert_int_equal(avila_lsm_vfs_open_append(&e.vfs, mf->path, &f), 0);
            if (unit_rand(&rng) % 10 != 0)
                assert_int_equal(e.vfs.sync_dir(e.vfs.ctx, "/w"), 0);
            avila_lsm_wal_writer_init(&w, &e.vfs, f, 0);
            int ops = (int)(unit_rand(&rng) % 40);
            size_t since_sync = 0;
            for (int k = 0; k < ops && mf->n < MAX_RECS; k++) {
                unsigned r = (unsigned)(unit_rand(&rng) % 100);
                if (r < 70) {
                    mf->rec[mf->n] = random_payload(&rng, &mf->len[mf->n]);
                    /* Buffered and direct appends mixed: order and prefix must hold. */
                    if (r % 2 == 0)
                        assert_int_equal(avila_lsm_wal_append(&w, mf->rec[mf->n], mf->len[mf->n]),
                                         0);
                    else
                        assert_int_equal(
                            avila_lsm_wal_append_buffered(&w, mf->rec[mf->n], mf->len[mf->n]), 0);
                    mf->n++;
                    since_sync++;
                } else if (r < 80) {
                    assert_int_equal(avila_lsm_wal_flush(&w), 0);
                    assert_false(avila_lsm_wal_writer_buffered(&w));
                } else {
                    assert_int_equal(avila_lsm_wal_sync(&w), 0);
                    mf->acked = mf->n;
                    since_sync = 0;
                }
            }
            (void)since_sync;
            total_records += mf->n;
            avila_lsm_vfs_mem_crash(&e.m, modes[unit_rand(&rng) % AVILA_ARRAY_LEN(modes)],
                                    unit_rand(&rng));
            crashes++;
            avila_lsm_vfs_close(&e.vfs, f);
            check_file(&e, mf, true);
            if (mf->exists) {
                total_acked += mf->acked;
                total_recovered += mf->recovered;
            }
            for (int old = 0; old < fi; old++)
                if (files[old].exists)
                    check_file(&e, &files[old], false);
        }
        for (int fi = 0; fi < nfiles; fi++)
            for (size_t i = 0; i < files[fi].n; i++)
                free(files[fi].rec[i]);
        env_done(&e);
    }
    /* The runs covered both outcomes: records lost after a crash, and unsynced ones kept. */
    print_message("model: %d sequences, %zu crashes, %zu records, %zu acked, %zu recovered\n",
                  sequences, crashes, total_records, total_acked, total_recovered);
    assert_true(total_recovered < total_records);
    assert_true(total_recovered > total_acked);
}

/* ---------------------------------------------------------------- damage */

/* A synced log of n records of the given sizes; starts[i] gets each record's offset. */
static void make_log(struct env *e, const char *path, const size_t *sizes, size_t n,
                     uint8_t **payloads, uint64_t *starts)
{
    static struct avila_lsm_wal_writer w;
    struct avila_lsm_file *f;
    uint64_t rng = 99;
    assert_int_equal(avila_lsm_vfs_open_append(&e->vfs, path, &f), 0);
    avila_lsm_wal_writer_init(&w, &e->vfs, f, 0);
    for (size_t i = 0; i < n; i++) {
        payloads[i] = malloc(sizes[i] + 1);
        assert_non_null(payloads[i]);
        unit_rand_fill(&rng, payloads[i], sizes[i]);
        starts[i] = avila_lsm_wal_writer_offset(&w);
        assert_int_equal(avila_lsm_wal_append(&w, payloads[i], sizes[i]), 0);
    }
    starts[n] = avila_lsm_wal_writer_offset(&w);
    assert_int_equal(avila_lsm_wal_sync(&w), 0);
    avila_lsm_vfs_close(&e->vfs, f);
    assert_int_equal(e->vfs.sync_dir(e->vfs.ctx, "/w"), 0);
}

static void bit_flips(void **state)
{
    (void)state;
    const size_t sizes[] = {0, 5, 116, 1, 300, 70000, 40, 12, 100, 33000, 7};
    enum { N = AVILA_ARRAY_LEN(sizes) };
    uint8_t *payloads[N];
    uint64_t starts[N + 1];
    struct env e;
    env_init(&e);
    make_log(&e, "/w/log", sizes, N, payloads, starts);
    uint8_t *data;
    size_t len;
    assert_int_equal(avila_lsm_vfs_mem_file(&e.m, "/w/log", &data, &len, NULL), 0);
    assert_int_equal(len, starts[N]);
    uint64_t rng = 3;
    size_t flips = 0;
    for (size_t i = 0; i < N; i++) {
        size_t rec_len = (size_t)(starts[i + 1] - starts[i]);
        /* every bit of the header, and up to 200 random bits of the payload */
        size_t bits = rec_len * 8, tries = 96 + (bits > 96 ? 200 : 0);
        for (size_t t = 0; t < tries; t++) {
            size_t bit = t < 96 ? t : 96 + (size_t)(unit_rand(&rng) % (bits - 96));
            if (bit >= bits)
                continue;
            uint8_t *byte = data + starts[i] + bit / 8;
            *byte ^= (uint8_t)(1u << (bit % 8));
            struct readout o;
            read_log(&e, "/w/log", avila_allocator_libc(), &o);
            *byte ^= (uint8_t)(1u << (bit % 8));
            assert_int_equal(o.n, i); /* every record before it, none after */
            for (size_t k = 0; k < o.n; k++)
                assert_int_equal(o.len[k], sizes[k]);
            if (i + 1 < N) {
                assert_int_equal(o.rc, AVILA_EFORMAT);
                assert_true(o.offset == starts[i]);
            } else {
                assert_int_equal(o.rc, 0); /* the last record: a torn tail */
                assert_true(o.offset == starts[i] && o.dropped == rec_len);
            }
            readout_free(&o);
            flips++;
        }
    }
    print_message("bit flips: %zu\n", flips);
    for (size_t i = 0; i < N; i++)
        free(payloads[i]);
    env_done(&e);
}

static void truncated_every_byte(void **state)
{
    (void)state;
    const size_t sizes[] = {3, 0, 20, 116, 1, 40};
    enum { N = AVILA_ARRAY_LEN(sizes) };
    uint8_t *payloads[N];
    uint64_t starts[N + 1];
    struct env e;
    env_init(&e);
    make_log(&e, "/w/log", sizes, N, payloads, starts);
    uint8_t *data;
    size_t len;
    assert_int_equal(avila_lsm_vfs_mem_file(&e.m, "/w/log", &data, &len, NULL), 0);
    uint8_t *copy = malloc(len);
    assert_non_null(copy);
    memcpy(copy, data, len);
    for (size_t cut = 0; cut <= len; cut++) {
        put_file(&e, "/w/cut", copy, cut);
        struct readout o;
        read_log(&e, "/w/cut", avila_allocator_libc(), &o);
        size_t whole = 0;
        while (whole < N && starts[whole + 1] <= cut)
            whole++;
        assert_int_equal(o.rc, 0);
        assert_int_equal(o.n, whole);
        assert_true(o.offset == starts[whole]);
        assert_true(o.dropped == cut - starts[whole]);
        for (size_t k = 0; k < o.n; k++) {
            assert_int_equal(o.len[k], sizes[k]);
            if (sizes[k])
                assert_memory_equal(o.rec[k], payloads[k], sizes[k]);
        }
        readout_free(&o);
    }
    free(copy);
    for (size_t i = 0; i < N; i++)
        free(payloads[i]);
    env_done(&e);
}

static void tails(void **state)
{
    (void)state;
    const size_t sizes[] = {10, 116, 0, 50};
    enum { N = AVILA_ARRAY_LEN(sizes) };
    uint8_t *payloads[N];
    uint64_t starts[N + 1];
    struct env e;
    env_init(&e);
    make_log(&e, "/w/log", sizes, N, payloads, starts);
    uint8_t *data;
    size_t len;
    assert_int_equal(avila_lsm_vfs_mem_file(&e.m, "/w/log", &data, &len, NULL), 0);
    static uint8_t buf[4096];
    memcpy(buf, data, len);
    uint64_t rng = 8;
    unit_rand_fill(&rng, buf + 3000, 400);
    for (int i = 3000; i < 3400; i++)
        buf[i] |= 1; /* zeroing changes every byte */
    for (size_t extra = 1; extra < 300; extra++) {
        for (int kind = 0; kind < 3; kind++) {
            if (kind == 0)
                memset(buf + len, 0, extra); /* zeros */
            else if (kind == 1)
                unit_rand_fill(&rng, buf + len, extra); /* garbage */
            else {
                /* a record's header and part of its zero-filled payload */
                ref_record(buf + len, buf + 3000, extra);
                memset(buf + len + 12 + extra / 2, 0, extra - extra / 2);
            }
            size_t total = len + extra + (kind == 2 ? 12 : 0);
            put_file(&e, "/w/t", buf, total);
            struct readout o;
            read_log(&e, "/w/t", avila_allocator_libc(), &o);
            assert_int_equal(o.rc, 0);
            assert_int_equal(o.n, N);
            assert_true(o.offset == len && o.dropped == total - len);
            readout_free(&o);
        }
    }
    /* A good header checksum over a length past the limit is damage, not a tail. */
    uint8_t h[12];
    avila_store_le32(h, (uint32_t)AVILA_LSM_WAL_MAX_RECORD + 1);
    avila_store_le32(h + 4, ref_mask(avila_crc32c(0, h, 4)));
    avila_store_le32(h + 8, 0);
    memcpy(buf + len, h, sizeof(h));
    put_file(&e, "/w/t", buf, len + sizeof(h));
    struct readout o;
    read_log(&e, "/w/t", avila_allocator_libc(), &o);
    assert_int_equal(o.rc, AVILA_EFORMAT);
    assert_int_equal(o.n, N);
    assert_true(o.offset == len);
    readout_free(&o);
    /* A record cut short, then a whole one after it: damage (a writer never does that). */
    size_t p = len;
    p += ref_record(buf + p, buf, 40) - 10;
    p += ref_record(buf + p, buf, 5);
    put_file(&e, "/w/t", buf, p);
    read_log(&e, "/w/t", avila_allocator_libc(), &o);
    assert_int_equal(o.rc, AVILA_EFORMAT);
    assert_true(o.offset == len);
    readout_free(&o);
    for (size_t i = 0; i < N; i++)
        free(payloads[i]);
    env_done(&e);
}

/* ---------------------------------------------------------------- faults */

enum { FAULT_RECS = 16 };

static uint8_t *fault_payload(size_t i, size_t *len)
{
    static uint8_t big[100000];
    static uint8_t small[FAULT_RECS][200];
    uint64_t rng = 1000 + i;
    if (i == 9) {
        unit_rand_fill(&rng, big, sizeof(big)); /* one record across read chunks */
        *len = sizeof(big);
        return big;
    }
    *len = 1 + i * 11;
    unit_rand_fill(&rng, small[i], *len);
    return small[i];
}

/* One run with failure k of op; returns the number of calls of op it made. */
static uint64_t fault_run(enum avila_lsm_vfs_op op, uint64_t k, int err, bool sticky)
{
    struct env e;
    static struct avila_lsm_wal_writer w;
    env_init(&e);
    avila_lsm_vfs_mem_reset_counts(&e.m);
    avila_lsm_vfs_mem_fail(&e.m, op, k, err, sticky);
    bool failed = false;
    size_t acked = 0, appended = 0;
    struct avila_lsm_file *f = NULL;
    int rc = avila_lsm_vfs_open_append(&e.vfs, "/w/log", &f);
    if (rc != 0) {
        assert_int_equal(rc, err);
        failed = true;
        f = NULL;
    }
    if (!failed && (rc = e.vfs.sync_dir(e.vfs.ctx, "/w")) != 0) {
        assert_int_equal(rc, err);
        failed = true; /* the engine gives up on this log */
    }
    if (!failed) {
        avila_lsm_wal_writer_init(&w, &e.vfs, f, 0);
        for (size_t i = 0; i < FAULT_RECS; i++) {
            size_t n;
            const uint8_t *p = fault_payload(i, &n);
            rc = avila_lsm_wal_append(&w, p, n);
            if (rc == 0) {
                appended++;
                if (i % 3 == 2)
                    rc = avila_lsm_wal_sync(&w);
                if (rc == 0 && i % 3 == 2)
                    acked = appended;
            }
            if (rc != 0) {
                assert_int_equal(rc, err);
                /* the writer stops for good */
                assert_int_equal(avila_lsm_wal_append(&w, p, 1), err);
                assert_int_equal(avila_lsm_wal_sync(&w), err);
                assert_int_equal(avila_lsm_wal_writer_error(&w), err);
                failed = true;
                break;
            }
        }
    }
    avila_lsm_vfs_mem_crash(&e.m, AVILA_LSM_VFS_MEM_TEAR | AVILA_LSM_VFS_MEM_ZEROS, k * 31 + 7);
    if (f)
        avila_lsm_vfs_close(&e.vfs, f);
    /* Read back; a read-side failure surfaces, and the read succeeds once it is gone. */
    struct readout o;
    read_log(&e, "/w/log", avila_allocator_libc(), &o);
    bool read_side =
        op == AVILA_LSM_VFS_OPEN_READ || op == AVILA_LSM_VFS_SIZE || op == AVILA_LSM_VFS_READ;
    uint64_t calls = avila_lsm_vfs_mem_calls(&e.m, op);
    if (o.rc != 0 && o.rc != AVILA_ENOTFOUND) {
        assert_true(read_side);
        assert_int_equal(o.rc, err);
        failed = true;
        readout_free(&o);
        avila_lsm_vfs_mem_reset_counts(&e.m);
        read_log(&e, "/w/log", avila_allocator_libc(), &o);
    }
    if (o.rc == AVILA_ENOTFOUND) {
        /* only when the log's name never became durable */
        assert_true(op == AVILA_LSM_VFS_OPEN_APPEND || op == AVILA_LSM_VFS_SYNC_DIR);
        assert_int_equal(acked, 0);
    } else {
        assert_int_equal(o.rc, 0);
        assert_true(o.n >= acked && o.n <= appended);
        for (size_t i = 0; i < o.n; i++) {
            size_t n;
            const uint8_t *p = fault_payload(i, &n);
            assert_int_equal(o.len[i], n);
            assert_memory_equal(o.rec[i], p, n);
        }
    }
    readout_free(&o);
    assert_true(failed == (k <= calls));
    env_done(&e);
    return calls;
}

static void faults_everywhere(void **state)
{
    (void)state;
    const enum avila_lsm_vfs_op ops[] = {
        AVILA_LSM_VFS_OPEN_APPEND, AVILA_LSM_VFS_SYNC_DIR, AVILA_LSM_VFS_APPEND, AVILA_LSM_VFS_SYNC,
        AVILA_LSM_VFS_OPEN_READ,   AVILA_LSM_VFS_SIZE,     AVILA_LSM_VFS_READ,
    };
    const int errs[] = {AVILA_EIO, AVILA_ENOSPC};
    size_t runs = 0;
    for (size_t oi = 0; oi < AVILA_ARRAY_LEN(ops); oi++) {
        /* How many calls of this kind a clean run makes (k beyond any call fails nothing). */
        uint64_t clean = fault_run(ops[oi], UINT64_MAX, AVILA_EIO, false);
        assert_true(clean >= 1);
        if (ops[oi] == AVILA_LSM_VFS_READ)
            assert_true(clean >= 2); /* the big record needs more than one chunk */
        for (size_t ei = 0; ei < AVILA_ARRAY_LEN(errs); ei++)
            for (int sticky = 0; sticky < 2; sticky++)
                for (uint64_t k = 1; k <= clean; k++) {
                    fault_run(ops[oi], k, errs[ei], sticky);
                    runs++;
                }
    }
    print_message("fault runs: %zu\n", runs);
}

static int read_with(struct fail_alloc *fa, void *ctx)
{
    struct env *e = ctx;
    struct readout o;
    read_log(e, "/w/log", &fa->allocator, &o);
    int rc = o.rc;
    if (rc == 0)
        assert_int_equal(o.n, 3);
    readout_free(&o);
    return rc;
}

static void reader_out_of_memory(void **state)
{
    (void)state;
    const size_t sizes[] = {10, 70000, 20};
    uint8_t *payloads[3];
    uint64_t starts[4];
    struct env e;
    env_init(&e);
    make_log(&e, "/w/log", sizes, 3, payloads, starts);
    assert_true(fail_alloc_sweep(read_with, &e, 0) >= 1);
    for (size_t i = 0; i < 3; i++)
        free(payloads[i]);
    env_done(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(framing),
        cmocka_unit_test(model_random),
        cmocka_unit_test(bit_flips),
        cmocka_unit_test(truncated_every_byte),
        cmocka_unit_test(tails),
        cmocka_unit_test(faults_everywhere),
        cmocka_unit_test(reader_out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
