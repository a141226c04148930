/*
 * tests/data/test_lsm_db.c - the LSM store (data/lsm_db.h) over the
 * in-memory VFS, with memtables and tables small enough that flushes and
 * compactions run all the time:
 *   - model-based: random puts, deletes, range deletes and batches over a
 *     small key space (so versions pile up), point reads at the latest
 *     state and at snapshots, iterators walking both ways with seeks and
 *     bounds, manual compactions and reopens, all checked against an
 *     in-memory model, and avila_lsm_check after every reopen;
 *   - snapshots keep their view across overwrites and full compactions;
 *   - crashes: random writes (some synced), an injected sticky failure at a
 *     random call of a random VFS operation, close, a power loss that tears
 *     unsynced data; the reopened store holds exactly the first p batches
 *     for some p (a counter key in every batch says which), with every
 *     synced batch among them;
 *   - faults during open at every call of every operation: the error
 *     surfaces, and a clean reopen afterwards finds every write;
 *   - a byte flipped in a table, or a table deleted: reads that meet it
 *     fail, never return a wrong value, and avila_lsm_check reports it;
 *   - the compaction rate limit holds (a lower bound on the time taken);
 *   - compactions run side by side (three threads; two ran at once) and
 *     lose nothing; the model test runs with one to three threads;
 *   - the directory lock refuses a second open.
 */
#include "tests/support/unit.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "data/lsm_batch.h"
#include "data/lsm_db.h"
#include "tests/data/lsm_db_env.h"

#define DIR LSM_ENV_DIR

/* ---------------------------------------------------------------- model */

struct model {
    struct slot s[NKEYS];
    uint64_t batches; /* the counter key's value */
};

/* ---------------------------------------------------------------- environment */

static void env_close(struct env *e)
{
    if (e->db != NULL)
        (void)avila_lsm_close(e->db);
    e->db = NULL;
}

static void env_done(struct env *e)
{
    env_close(e);
    assert_int_equal(e->m.open_handles, 0);
    avila_lsm_vfs_mem_release(&e->m);
}

static void check_store(struct env *e)
{
    struct avila_buf rep;
    avila_buf_init(&rep, avila_allocator_libc(), SIZE_MAX);
    int rc = avila_lsm_check(e->db, &rep);
    if (rc != 0)
        fail_msg("check: %.*s", (int)rep.len, (const char *)rep.data);
    avila_buf_release(&rep);
}

/* ---------------------------------------------------------------- random writes */

/* Appends one random operation to batch b and applies it to model m. */
static void random_op(uint64_t *rng, struct avila_lsm_batch *b, struct model *m)
{
    unsigned r = (unsigned)(unit_rand(rng) % 100);
    int i = (int)(unit_rand(rng) % NKEYS);
    char k[8];
    key_of(i, k);
    if (r < 70) {
        struct slot *s = &m->s[i];
        s->present = true;
        s->len = (uint8_t)(unit_rand(rng) % VMAX);
        for (int j = 0; j < s->len; j++)
            s->v[j] = (char)('a' + unit_rand(rng) % 26);
        assert_int_equal(avila_lsm_batch_put(b, key_slice(k), avila_slice_make(s->v, s->len)), 0);
    } else if (r < 92) {
        m->s[i].present = false;
        assert_int_equal(avila_lsm_batch_del(b, key_slice(k)), 0);
    } else {
        int j = i + 1 + (int)(unit_rand(rng) % 30);
        if (j > NKEYS)
            j = NKEYS;
        char k2[8];
        key_of(j, k2);
        for (int x = i; x < j; x++)
            m->s[x].present = false;
        assert_int_equal(avila_lsm_batch_del_range(b, key_slice(k), key_slice(k2)), 0);
    }
}

/* Writes one batch of 1..4 random operations plus the counter; returns write's result. */
static int random_batch(struct env *e, uint64_t *rng, struct model *m, bool sync)
{
    struct avila_buf buf;
    avila_buf_init(&buf, avila_allocator_libc(), SIZE_MAX);
    struct avila_lsm_batch b;
    assert_int_equal(avila_lsm_batch_init(&b, &buf), 0);
    int n = 1 + (int)(unit_rand(rng) % 4);
    for (int i = 0; i < n; i++)
        random_op(rng, &b, m);
    m->batches++;
    char ctr[24];
    int cl = snprintf(ctr, sizeof(ctr), "%llu", (unsigned long long)m->batches);
    assert_int_equal(avila_lsm_batch_put(&b, key_slice("~ctr"), avila_slice_make(ctr, (size_t)cl)),
                     0);
    struct avila_lsm_write_options wo = {.sync = sync};
    int rc = avila_lsm_write(e->db, buf.data, buf.len, &wo);
    avila_buf_release(&buf);
    return rc;
}

/* ---------------------------------------------------------------- checks */

static void check_get(struct env *e, const struct model *m, const struct avila_lsm_snapshot *snap,
                      int i)
{
    struct avila_buf v;
    avila_buf_init(&v, avila_allocator_libc(), SIZE_MAX);
    int rc = env_get(e, snap, i, &v);
    if (!slot_agrees(&m->s[i], rc, &v))
        fail_msg("get k%04d: %d (model %d) or a wrong value", i, rc, m->s[i].present);
    avila_buf_release(&v);
}

/*
 * Walks an iterator both ways with random seeks, bounded to the keys
 * [lo, hi) and, one time in three, to a prefix "k0P" (keys P00 .. P99),
 * against m. Seeks outside the bounds clamp to them.
 */
static void check_iter(struct env *e, uint64_t *rng, const struct model *m,
                       const struct avila_lsm_snapshot *snap)
{
    int lo = (int)(unit_rand(rng) % (NKEYS / 2)), hi = lo + 1 + (int)(unit_rand(rng) % NKEYS);
    if (hi > NKEYS)
        hi = NKEYS;
    char klo[8], khi[8], kpre[4];
    key_of(lo, klo);
    key_of(hi, khi);
    /* key_of(NKEYS) sorts after every key and before the counter key. */
    struct avila_lsm_read_options ro = {
        .snapshot = snap, .lower = key_slice(klo), .upper = key_slice(khi)};
    int blo = lo, bhi = hi; /* the bounds with the prefix folded in */
    if (unit_rand(rng) % 3 == 0) {
        int p = (int)(unit_rand(rng) % (NKEYS / 100));
        snprintf(kpre, sizeof(kpre), "k0%u", (unsigned)p % 10u);
        ro.prefix = key_slice(kpre);
        blo = lo > p * 100 ? lo : p * 100;
        bhi = hi < p * 100 + 100 ? hi : p * 100 + 100;
        if (bhi < blo)
            bhi = blo; /* nothing is in both */
    }
    struct avila_lsm_db_iter *it;
    assert_int_equal(avila_lsm_db_iter_create(e->db, &ro, &it), 0);
    int cur = -1; /* model position: -1 invalid */
    for (int step = 0; step < 60; step++) {
        unsigned op = (unsigned)(unit_rand(rng) % 6);
        bool valid = avila_lsm_db_iter_valid(it);
        if (op == 0 || !valid) {
            int t = lo + (int)(unit_rand(rng) % (hi - lo + 1));
            char kt[8];
            key_of(t, kt);
            if (unit_rand(rng) % 2) {
                assert_int_equal(avila_lsm_db_iter_seek(it, key_slice(kt)), 0);
                cur = slot_step(m->s, (t > blo ? t : blo) - 1, 1, blo, bhi);
            } else {
                assert_int_equal(avila_lsm_db_iter_seek_for_prev(it, key_slice(kt)), 0);
                cur = slot_step(m->s, (t < bhi ? t : bhi - 1) + 1, -1, blo, bhi);
            }
        } else if (op == 1) {
            assert_int_equal(avila_lsm_db_iter_seek_first(it), 0);
            cur = slot_step(m->s, blo - 1, 1, blo, bhi);
        } else if (op == 2) {
            assert_int_equal(avila_lsm_db_iter_seek_last(it), 0);
            cur = slot_step(m->s, bhi, -1, blo, bhi);
        } else if (op < 5) {
            assert_int_equal(avila_lsm_db_iter_next(it), 0);
            cur = slot_step(m->s, cur, 1, blo, bhi);
        } else {
            assert_int_equal(avila_lsm_db_iter_prev(it), 0);
            cur = slot_step(m->s, cur, -1, blo, bhi);
        }
        bool v = avila_lsm_db_iter_valid(it);
        if (v != (cur >= 0))
            fail_msg("iter: valid %d, model %d (step %d op %u)", v, cur, step, op);
        if (v) {
            int k = key_index(avila_lsm_db_iter_key(it));
            assert_int_equal(k, cur);
            struct avila_slice val = avila_lsm_db_iter_value(it);
            assert_int_equal(val.len, m->s[cur].len);
            if (val.len > 0)
                assert_memory_equal(val.ptr, m->s[cur].v, val.len);
        }
    }
    assert_int_equal(avila_lsm_db_iter_status(it), 0);
    avila_lsm_db_iter_destroy(it);
}

static void check_all(struct env *e, uint64_t *rng, const struct model *m,
                      const struct avila_lsm_snapshot *snap)
{
    for (int i = 0; i < NKEYS; i++)
        check_get(e, m, snap, i);
    check_iter(e, rng, m, snap);
}

/* ---------------------------------------------------------------- tests */

static void basics(void **state)
{
    (void)state;
    struct env e;
    env_init(&e);
    env_open(&e);
    struct avila_buf v;
    avila_buf_init(&v, avila_allocator_libc(), SIZE_MAX);
    assert_int_equal(avila_lsm_put(e.db, key_slice("a"), key_slice("1"), NULL), 0);
    assert_int_equal(avila_lsm_put(e.db, key_slice("b"), key_slice("2"), NULL), 0);
    assert_int_equal(avila_lsm_get(e.db, NULL, key_slice("a"), &v), 1);
    assert_memory_equal(v.data, "1", 1);
    assert_int_equal(avila_lsm_del(e.db, key_slice("a"), NULL), 0);
    assert_int_equal(avila_lsm_get(e.db, NULL, key_slice("a"), &v), 0);
    assert_int_equal(avila_lsm_del_range(e.db, key_slice("b"), key_slice("a"), NULL), AVILA_EINVAL);
    assert_int_equal(avila_lsm_del_range(e.db, key_slice("a"), key_slice("c"), NULL), 0);
    assert_int_equal(avila_lsm_get(e.db, NULL, key_slice("b"), &v), 0);
    assert_int_equal(avila_lsm_put(e.db, key_slice("b"), key_slice("3"), NULL), 0);
    env_close(&e);
    /* A second open of a locked directory fails; the data survives a reopen. */
    env_open(&e);
    struct avila_lsm_db *other;
    assert_int_equal(avila_lsm_open(&other, DIR, &e.opt, NULL), AVILA_ESTATE);
    assert_int_equal(avila_lsm_get(e.db, NULL, key_slice("b"), &v), 1);
    assert_memory_equal(v.data, "3", 1);
    assert_int_equal(avila_lsm_flush(e.db), 0);
    assert_int_equal(avila_lsm_get(e.db, NULL, key_slice("b"), &v), 1);
    check_store(&e);
    env_close(&e);
    e.opt.error_if_exists = true;
    assert_int_equal(avila_lsm_open(&other, DIR, &e.opt, NULL), AVILA_EEXIST);
    e.opt.error_if_exists = false;
    e.opt.create_if_missing = false;
    assert_int_equal(avila_lsm_open(&other, "/nothing", &e.opt, NULL), AVILA_ENOTFOUND);
    avila_buf_release(&v);
    env_done(&e);
}

static void model_random(void **state)
{
    (void)state;
    uint64_t rng = 0x6c736d2d6462;
    int rounds = unit_slow() == UNIT_SLOW_ALL ? 100 : 30;
    uint64_t peak = 0;
    for (int round = 0; round < rounds; round++) {
        struct env e;
        env_init(&e);
        e.opt.compaction_threads = 1 + (unsigned)round % 3;
        env_open(&e);
        static struct model m, snapm;
        memset(&m, 0, sizeof(m));
        const struct avila_lsm_snapshot *snap = NULL;
        for (int step = 0; step < 3000; step++) {
            assert_int_equal(random_batch(&e, &rng, &m, unit_rand(&rng) % 50 == 0), 0);
            unsigned r = (unsigned)(unit_rand(&rng) % 1000);
            if (r < 3) {
                check_all(&e, &rng, &m, NULL);
                if (snap != NULL)
                    check_all(&e, &rng, &snapm, snap);
            } else if (r < 5) {
                avila_lsm_snapshot_release(e.db, snap);
                snap = avila_lsm_snapshot_take(e.db);
                snapm = m;
            } else if (r < 6) {
                assert_int_equal(avila_lsm_compact_range(e.db, avila_slice_make(NULL, 0),
                                                         avila_slice_make(NULL, 0)),
                                 0);
            } else if (r < 8) {
                avila_lsm_snapshot_release(e.db, snap);
                snap = NULL;
                env_close(&e);
                env_open(&e);
                check_store(&e);
                check_all(&e, &rng, &m, NULL);
            }
        }
        check_all(&e, &rng, &m, NULL);
        if (snap != NULL)
            check_all(&e, &rng, &snapm, snap);
        avila_lsm_snapshot_release(e.db, snap);
        struct avila_lsm_stats st;
        avila_lsm_stats(e.db, &st);
        assert_true(st.flushes > 0);
        assert_true(st.user_bytes_written > 0 && st.write_amp >= 1.0);
        assert_true(st.compactions_peak <= e.opt.compaction_threads);
        if (st.compactions_peak > peak)
            peak = st.compactions_peak;
        env_done(&e);
    }
}

/* Reads the counter key: how many batches the store holds. */
static uint64_t stored_batches(struct env *e)
{
    struct avila_buf v;
    avila_buf_init(&v, avila_allocator_libc(), SIZE_MAX);
    int rc = avila_lsm_get(e->db, NULL, key_slice("~ctr"), &v);
    assert_true(rc == 0 || rc == 1);
    uint64_t n = 0;
    for (size_t i = 0; rc == 1 && i < v.len; i++)
        n = n * 10 + (uint64_t)(v.data[i] - '0');
    avila_buf_release(&v);
    return n;
}

static void crashes(void **state)
{
    (void)state;
    uint64_t rng = 0x63726173680a;
    int rounds = unit_slow() == UNIT_SLOW_ALL ? 1000 : 200;
    static const enum avila_lsm_vfs_op ops[] = {
        AVILA_LSM_VFS_APPEND, AVILA_LSM_VFS_SYNC,        AVILA_LSM_VFS_SYNC_DIR,
        AVILA_LSM_VFS_RENAME, AVILA_LSM_VFS_OPEN_APPEND, AVILA_LSM_VFS_READ,
    };
    for (int round = 0; round < rounds; round++) {
        struct env e;
        env_init(&e);
        e.opt.compaction_threads = 1 + (unsigned)round % 2;
        env_open(&e);
        static struct model hist[2001];
        memset(&hist[0], 0, sizeof(hist[0]));
        uint64_t synced = 0;
        int nops = 200 + (int)(unit_rand(&rng) % 1800);
        enum avila_lsm_vfs_op op = ops[unit_rand(&rng) % (sizeof(ops) / sizeof(ops[0]))];
        uint64_t nth = avila_lsm_vfs_mem_calls(&e.m, op) + 1 + unit_rand(&rng) % 300;
        avila_lsm_vfs_mem_fail(&e.m, op, nth, unit_rand(&rng) % 2 ? AVILA_EIO : AVILA_ENOSPC, true);
        int i = 0;
        for (; i < nops; i++) {
            hist[i + 1] = hist[i];
            bool sync = unit_rand(&rng) % 20 == 0;
            int rc = random_batch(&e, &rng, &hist[i + 1], sync);
            if (rc != 0) {
                i++; /* the failed batch may be on disk or not */
                break;
            }
            if (sync)
                synced = hist[i + 1].batches;
        }
        env_close(&e);
        avila_lsm_vfs_mem_reset_counts(&e.m);
        avila_lsm_vfs_mem_crash(
            &e.m, AVILA_LSM_VFS_MEM_TEAR | AVILA_LSM_VFS_MEM_ZEROS | AVILA_LSM_VFS_MEM_DIR_ANY,
            unit_rand(&rng));
        env_open(&e);
        uint64_t p = stored_batches(&e);
        if (p < synced || p > (uint64_t)i)
            fail_msg("round %d: store holds %llu batches, synced %llu, written %d", round,
                     (unsigned long long)p, (unsigned long long)synced, i);
        check_store(&e);
        check_all(&e, &rng, &hist[p], NULL);
        env_done(&e);
    }
}

static void open_faults(void **state)
{
    (void)state;
    uint64_t rng = 0x6f70656e66;
    struct env e;
    env_init(&e);
    env_open(&e);
    static struct model m;
    memset(&m, 0, sizeof(m));
    for (int i = 0; i < 1500; i++)
        assert_int_equal(random_batch(&e, &rng, &m, false), 0);
    env_close(&e);
    for (int op = 0; op < AVILA_LSM_VFS_OP_COUNT; op++) {
        avila_lsm_vfs_mem_reset_counts(&e.m);
        env_open(&e);
        env_close(&e);
        uint64_t calls = avila_lsm_vfs_mem_calls(&e.m, (enum avila_lsm_vfs_op)op);
        for (uint64_t n = 1; n <= calls; n++) {
            avila_lsm_vfs_mem_reset_counts(&e.m);
            avila_lsm_vfs_mem_fail(&e.m, (enum avila_lsm_vfs_op)op, n, AVILA_EIO, false);
            int rc = avila_lsm_open(&e.db, DIR, &e.opt, NULL);
            if (rc == 0)
                env_close(&e); /* the failure hit something that may fail quietly */
            else
                assert_int_equal(rc, AVILA_EIO);
            e.db = NULL;
            avila_lsm_vfs_mem_reset_counts(&e.m);
            env_open(&e);
            check_all(&e, &rng, &m, NULL);
            env_close(&e);
        }
    }
    env_done(&e);
}

/* Finds the path of one table file of the store into out; false if there is none. */
static bool some_table(struct env *e, char *out, size_t cap)
{
    struct avila_buf names;
    avila_buf_init(&names, avila_allocator_libc(), SIZE_MAX);
    assert_true(e->vfs.list(e->vfs.ctx, DIR, &names) >= 0);
    bool found = false;
    for (size_t off = 0; off < names.len && !found;) {
        const char *name = (const char *)names.data + off;
        off += strlen(name) + 1;
        size_t n = strlen(name);
        if (n > 4 && strcmp(name + n - 4, ".sst") == 0) {
            snprintf(out, cap, "%s/%s", DIR, name);
            found = true;
        }
    }
    avila_buf_release(&names);
    return found;
}

/*
 * Damage: a byte flipped in a table, or a table deleted, is an error from
 * the reads that meet it and from check - never a wrong value.
 */
static void damaged_tables(void **state)
{
    (void)state;
    uint64_t rng = 0x64616d61;
    for (int round = 0; round < 40; round++) {
        struct env e;
        env_init(&e);
        env_open(&e);
        static struct model m;
        memset(&m, 0, sizeof(m));
        for (int i = 0; i < 400; i++)
            assert_int_equal(random_batch(&e, &rng, &m, false), 0);
        assert_int_equal(
            avila_lsm_compact_range(e.db, avila_slice_make(NULL, 0), avila_slice_make(NULL, 0)), 0);
        env_close(&e);
        char path[64];
        assert_true(some_table(&e, path, sizeof(path)));
        bool deleted = round % 4 == 0;
        if (deleted) {
            assert_int_equal(e.vfs.unlink(e.vfs.ctx, path), 0);
        } else {
            uint8_t *data;
            size_t len;
            assert_int_equal(avila_lsm_vfs_mem_file(&e.m, path, &data, &len, NULL), 0);
            data[unit_rand(&rng) % len] ^= (uint8_t)(1u << (unit_rand(&rng) % 8));
        }
        env_open(&e);
        struct avila_buf v;
        avila_buf_init(&v, avila_allocator_libc(), SIZE_MAX);
        int errors = 0;
        for (int i = 0; i < NKEYS; i++) {
            char k[8];
            key_of(i, k);
            int rc = avila_lsm_get(e.db, NULL, key_slice(k), &v);
            if (rc < 0) {
                assert_true(rc == AVILA_EFORMAT || rc == AVILA_ENOTFOUND);
                errors++;
                continue;
            }
            const struct slot *sl = &m.s[i];
            assert_int_equal(rc, sl->present ? 1 : 0);
            if (sl->present && sl->len > 0)
                assert_memory_equal(v.data, sl->v, sl->len);
        }
        /* Every byte of a table is under a checksum or a checked layout: check sees it. */
        assert_int_equal(avila_lsm_check(e.db, NULL), AVILA_EFORMAT);
        if (deleted)
            assert_true(errors > 0);
        avila_buf_release(&v);
        env_done(&e);
    }
}

/* The value of key i of parallel_compactions, version ver, into v (PAR_VLEN bytes). */
#define PAR_KEYS 30000
#define PAR_VLEN 100
static void par_value(uint8_t *v, unsigned i, unsigned ver)
{
    for (unsigned j = 0; j < PAR_VLEN; j++)
        v[j] = (uint8_t)('a' + (i * 7 + ver * 13 + j) % 26);
}

/*
 * Compactions side by side: three threads under a rate limit (so each
 * compaction lasts and levels fall due while others run) over a growing
 * key space: at some point two ran at once, and every key reads back
 * with its last value, before and after a reopen, with check clean.
 */
static void parallel_compactions(void **state)
{
    (void)state;
    uint64_t rng = 0x706172;
    struct env e;
    env_init(&e);
    e.opt.compaction_threads = 3;
    e.opt.compaction_rate = (uint64_t)16 << 20;
    env_open(&e);
    static uint8_t ver[PAR_KEYS];
    memset(ver, 0, sizeof(ver));
    uint8_t v[PAR_VLEN];
    char k[16];
    struct avila_lsm_stats st = {0};
    for (int pass = 0; pass < 6 && st.compactions_peak < 2; pass++) {
        for (unsigned n = 0; n < PAR_KEYS; n++) {
            unsigned i = (unsigned)(unit_rand(&rng) % PAR_KEYS);
            snprintf(k, sizeof(k), "p%08u", i);
            par_value(v, i, ++ver[i]);
            assert_int_equal(avila_lsm_put(e.db, key_slice(k), avila_slice_make(v, PAR_VLEN), NULL),
                             0);
        }
        avila_lsm_stats(e.db, &st);
    }
    assert_true(st.compactions_peak >= 2 && st.compactions_peak <= 3);
    for (int round = 0; round < 2; round++) {
        struct avila_buf got;
        avila_buf_init(&got, avila_allocator_libc(), SIZE_MAX);
        for (unsigned i = 0; i < PAR_KEYS; i++) {
            snprintf(k, sizeof(k), "p%08u", i);
            avila_buf_clear(&got);
            int rc = avila_lsm_get(e.db, NULL, key_slice(k), &got);
            assert_int_equal(rc, ver[i] != 0 ? 1 : 0);
            par_value(v, i, ver[i]);
            if (rc == 1)
                assert_true(got.len == PAR_VLEN && memcmp(got.data, v, PAR_VLEN) == 0);
        }
        avila_buf_release(&got);
        check_store(&e);
        env_close(&e);
        env_open(&e);
    }
    env_done(&e);
}

/* The compaction rate limit: rewriting B bytes at R bytes/s takes at least B / R seconds. */
static void rate_limit(void **state)
{
    (void)state;
    uint64_t rng = 0x72617465;
    struct env e;
    env_init(&e);
    e.opt.compaction_rate = 20000; /* bytes/s */
    /* No automatic compaction may run alongside: its bytes would count, not its time. */
    e.opt.l0_compaction_trigger = 30;
    e.opt.l0_slowdown = 31;
    e.opt.l0_stop = 32;
    e.opt.level1_bytes = (uint64_t)1 << 30;
    env_open(&e);
    static struct model m;
    memset(&m, 0, sizeof(m));
    for (int i = 0; i < 3000; i++)
        assert_int_equal(random_batch(&e, &rng, &m, false), 0);
    assert_int_equal(avila_lsm_flush(e.db), 0);
    struct avila_lsm_stats before, after;
    avila_lsm_stats(e.db, &before);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(
        avila_lsm_compact_range(e.db, avila_slice_make(NULL, 0), avila_slice_make(NULL, 0)), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    avila_lsm_stats(e.db, &after);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    double written = (double)(after.compact_bytes_written - before.compact_bytes_written);
    assert_true(written > 4000);
    /* The limiter sleeps after each output file until the rate is kept (the last one too). */
    assert_true(secs >= 0.99 * written / (double)e.opt.compaction_rate);
    check_all(&e, &rng, &m, NULL);
    env_done(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(basics),
        cmocka_unit_test(model_random),
        cmocka_unit_test(crashes),
        cmocka_unit_test(open_faults),
        cmocka_unit_test(damaged_tables),
        cmocka_unit_test(rate_limit),
        cmocka_unit_test(parallel_compactions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
