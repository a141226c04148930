/*
 * tests/data/test_lsm_db_faults.c - AVILA_EIO and AVILA_ENOSPC injected at
 * every call of every VFS operation a RUNNING LSM store (data/lsm_db.h)
 * makes, through the in-memory VFS (data/lsm_vfs.h). Faults during open are
 * test_lsm_db.c's open_faults; random crashes its crashes.
 *
 * The workload. One fixed, seeded sequence on a store with 64 KiB
 * memtables and tables (the smallest the options allow), a level-0
 * trigger of 2 and two compaction threads, so that it flushes and
 * compacts automatically several times, compactions side by side: phase A writes 500 batches (puts,
 * deletes, range deletes, one in 25 synced) with point reads every 100; a snapshot; phase B 400
 * more, an iterator walk at the latest state, avila_lsm_flush and a full manual
 * avila_lsm_compact_range; phase C 400 more, every key read at the latest
 * state and through the snapshot, an iterator through the snapshot, a
 * manual compaction of a sub-range, the snapshot released; then close and
 * reopen with the fault still armed (the only way a running store
 * writes a new MANIFEST and switches CURRENT: rename, and the open's
 * mkdir, lock and list); phase D 200 batches (one in 10 synced), every key
 * read; close. Batch j is a pure function of j (its own generator) and
 * carries the counter key "~ctr" = j; a write always sends batch acked + 1,
 * so the store holds batches 1 .. p for some p and the model of any prefix
 * is rebuilt at will.
 *
 * The sweep. A clean run first counts the calls of each operation kind
 * made after open. Then for every kind with calls, for every call number
 * n in 1 .. calls + margin (the flush and compaction threads and the WAL's
 * 2 ms buffer timer make counts vary from run to run), a fresh in-memory
 * VFS, open without faults, arm the fault, run the workload. Scheme:
 *   - one-shot faults at every n of the sweep, the error alternating with
 *     n (EIO at odd n, ENOSPC at even n): a one-shot fault is the harder
 *     case (the store must not go on as if nothing happened, and the
 *     next call of the same kind succeeds), and the two codes travel the
 *     same paths, so alternating them covers both at every phase for
 *     half the time;
 *   - sticky faults at every 4th point, the error alternating too, since
 *     a sticky fault mostly stops the store at its first call, which the
 *     one-shot sweep already reaches.
 * The power loss after close comes at every other point.
 * AVILA_TEST_SLOW=1 runs every n, with both errors, one-shot and sticky,
 * with and without a power loss (about 2600 runs, 20 s; 100 s under ASan).
 * By default n walks with a stride per kind, chosen so that each kind gets
 * about 60 one-shot points spread over its whole range (every phase above
 * is reached: the calls of a kind come in workload order), and every n up
 * to 16 is kept (the first flush, MANIFEST write and compaction): about
 * 400 runs, 5 s (20 s under ASan). AVILA_FAULT_RUN replays one run.
 *
 * What each run proves:
 *   - the fault surfaces: if the armed call was reached, some call of the
 *     store (a write, get, iterator call or status, flush, compaction or
 *     close) returned exactly the injected error. The exceptions, which the
 *     store may absorb: UNLINK (deleting an obsolete file, or the partial
 *     output of a failed flush or compaction: the file is deleted at a
 *     later pass or the next open) and LIST (the directory walk of that
 *     deletion pass). A running store MUST absorb them: no call fails
 *     (only the reopen in the middle may report one that hit its own
 *     recovery), and a clean close loses nothing;
 *   - no other error ever (no AVILA_EFORMAT, no AVILA_EINVAL...), every read
 *     that says success returns the model's value (at the latest state or
 *     at the snapshot), and once a write has failed every later write
 *     fails (the store stopped: a write after a failure would leave a hole);
 *   - no crash or hang (an alarm ends a run that takes over a minute), no leak
 *     (the suite runs under ASan in `make asan`), every VFS handle is
 *     closed after close;
 *   - the reopen in the middle, when it succeeds, finds a p within the
 *     bounds below (without a power loss) and the run goes on from it;
 *   - reopen: half of the runs then simulate a power loss that tears
 *     unsynced data and unsynced directory entries. The store reopens with
 *     no faults, avila_lsm_check passes, and it holds exactly the first p
 *     batches (point reads and an iterator against the model) where
 *     synced <= p <= acked + 1 (the +1 only when a write failed: its batch
 *     may be in the WAL); without a power loss p >= acked too (close puts
 *     every acknowledged write in the WAL) unless the fault was an APPEND
 *     or SYNC, which may have been the WAL's own.
 */
#include "tests/support/unit.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "data/lsm_batch.h"
#include "data/lsm_db.h"
#include "tests/data/lsm_db_env.h"

#define DIR LSM_ENV_DIR

/* A run taking longer than this is a hang. */
#define RUN_ALARM_S 60

/* ---------------------------------------------------------------- model */

struct model {
    struct slot s[NKEYS];
};

/*
 * Batch j (1-based): 1..4 random operations plus the counter key, applied
 * to m and, if b is not NULL, appended to b. A pure function of j.
 */
static void gen_batch(uint64_t j, struct model *m, struct avila_lsm_batch *b)
{
    uint64_t rng = UINT64_C(0x6661756c7473) ^ (j * UINT64_C(0x9e3779b97f4a7c15));
    int n = 1 + (int)(unit_rand(&rng) % 4);
    for (int o = 0; o < n; o++) {
        unsigned r = (unsigned)(unit_rand(&rng) % 100);
        int i = (int)(unit_rand(&rng) % NKEYS);
        char k[8];
        key_of(i, k);
        if (r < 70) {
            struct slot *s = &m->s[i];
            s->present = true;
            s->len = (uint8_t)(unit_rand(&rng) % VMAX);
            for (int x = 0; x < s->len; x++)
                s->v[x] = (char)('a' + unit_rand(&rng) % 26);
            if (b != NULL)
                assert_int_equal(
                    avila_lsm_batch_put(b, key_slice(k), avila_slice_make(s->v, s->len)), 0);
        } else if (r < 92) {
            m->s[i].present = false;
            if (b != NULL)
                assert_int_equal(avila_lsm_batch_del(b, key_slice(k)), 0);
        } else {
            int e = i + 1 + (int)(unit_rand(&rng) % 30);
            if (e > NKEYS)
                e = NKEYS;
            char k2[8];
            key_of(e, k2);
            for (int x = i; x < e; x++)
                m->s[x].present = false;
            if (b != NULL)
                assert_int_equal(avila_lsm_batch_del_range(b, key_slice(k), key_slice(k2)), 0);
        }
    }
    if (b != NULL) {
        char ctr[24];
        int cl = snprintf(ctr, sizeof(ctr), "%llu", (unsigned long long)j);
        assert_int_equal(
            avila_lsm_batch_put(b, key_slice("~ctr"), avila_slice_make(ctr, (size_t)cl)), 0);
    }
}

/* The model of the first p batches. */
static void model_at(uint64_t p, struct model *m)
{
    memset(m, 0, sizeof(*m));
    for (uint64_t j = 1; j <= p; j++)
        gen_batch(j, m, NULL);
}

/* ---------------------------------------------------------------- environment */

/* The store's environment (lsm_db_env.h) with a smaller level 1 and two compaction threads. */
static void env_setup(struct env *e)
{
    env_init(e);
    e->opt.level1_bytes = 128 << 10;
    e->opt.compaction_threads = 2; /* faults land in side-by-side compactions too */
}

/* The VFS's fault settings and counters, under the mutex its operations take. */
static void vfs_arm(struct env *e, enum avila_lsm_vfs_op op, uint64_t n, int err, bool sticky)
{
    pthread_mutex_lock(&vfs_mu);
    avila_lsm_vfs_mem_fail(&e->m, op, n, err, sticky);
    pthread_mutex_unlock(&vfs_mu);
}

static void vfs_reset(struct env *e)
{
    pthread_mutex_lock(&vfs_mu);
    avila_lsm_vfs_mem_reset_counts(&e->m);
    pthread_mutex_unlock(&vfs_mu);
}

static uint64_t vfs_calls(struct env *e, enum avila_lsm_vfs_op op)
{
    pthread_mutex_lock(&vfs_mu);
    uint64_t n = avila_lsm_vfs_mem_calls(&e->m, op);
    pthread_mutex_unlock(&vfs_mu);
    return n;
}

/* ---------------------------------------------------------------- one run */

static const char *const op_names[AVILA_LSM_VFS_OP_COUNT] = {
    "open_append", "open_read", "append", "sync", "read",  "size",
    "sync_dir",    "rename",    "unlink", "list", "mkdir", "lock",
};

struct run {
    struct env e;
    bool armed;
    bool verifying; /* reopened without faults: no error is acceptable */
    enum avila_lsm_vfs_op op;
    uint64_t nth;
    int err;
    bool sticky;
    int surfaced;      /* calls of the store that returned err */
    uint64_t acked;    /* batches acknowledged: all of 1 .. acked */
    uint64_t synced;   /* the last acknowledged synced batch */
    bool write_failed; /* a write failed: every later one must too */
    struct model cur;  /* the first acked batches */
    struct model snapm;
    struct model junk; /* batches that cannot be acknowledged any more */
    const struct avila_lsm_snapshot *snap;
    uint64_t open_lo, open_hi; /* calls of op before and after the reopen in the middle */
};

static void run_fail(const struct run *r, const char *what, int rc)
{
    if (!r->armed)
        fail_msg("clean run: %s: %s", what, avila_strerror(rc));
    fail_msg("fault %s #%llu %s%s%s: %s: %s", op_names[r->op], (unsigned long long)r->nth,
             avila_strerror(r->err), r->sticky ? " sticky" : "",
             r->verifying ? " (after a clean reopen)" : "", what, avila_strerror(rc));
}

/* Accepts an error result only if it is the injected one. */
static void note(struct run *r, int rc, const char *what)
{
    if (rc >= 0)
        return;
    if (!r->armed || r->verifying || rc != r->err)
        run_fail(r, what, rc);
    r->surfaced++;
}

/* Writes the next batch (acked + 1: after a failure the same one is tried again). */
static void do_write(struct run *r, bool sync)
{
    uint64_t j = r->acked + 1;
    struct avila_buf buf;
    avila_buf_init(&buf, avila_allocator_libc(), SIZE_MAX);
    struct avila_lsm_batch b;
    assert_int_equal(avila_lsm_batch_init(&b, &buf), 0);
    gen_batch(j, r->write_failed ? &r->junk : &r->cur, &b);
    struct avila_lsm_write_options wo = {.sync = sync};
    int rc = avila_lsm_write(r->e.db, buf.data, buf.len, &wo);
    avila_buf_release(&buf);
    if (rc == 0) {
        if (r->write_failed)
            run_fail(r, "a write succeeded after a failed one", 0);
        r->acked = j;
        if (sync)
            r->synced = j;
        return;
    }
    note(r, rc, "write");
    if (!r->write_failed) {
        r->write_failed = true;
        model_at(r->acked, &r->cur); /* batch j was applied to cur: take it out */
    }
}

static void do_get(struct run *r, const struct model *m, const struct avila_lsm_snapshot *snap,
                   int i)
{
    struct avila_buf v;
    avila_buf_init(&v, avila_allocator_libc(), SIZE_MAX);
    int rc = env_get(&r->e, snap, i, &v);
    if (rc < 0)
        note(r, rc, "get");
    else if (!slot_agrees(&m->s[i], rc, &v))
        fail_msg("get k%04d: %d (model %d) or wrong value; fault %s #%llu", i, rc, m->s[i].present,
                 r->armed ? op_names[r->op] : "none", (unsigned long long)r->nth);
    avila_buf_release(&v);
}

static void get_all(struct run *r, const struct model *m, const struct avila_lsm_snapshot *snap)
{
    for (int i = 0; i < NKEYS; i++)
        do_get(r, m, snap, i);
}

/*
 * Walks an iterator over the keys [k0000, k0400) (the upper bound keeps
 * the counter key out): first to last, then back from the last for a
 * while, then a few seeks, comparing with m. Stops at the first error,
 * which must be the injected one (then the status must say so too).
 */
static void walk_iter(struct run *r, const struct model *m, const struct avila_lsm_snapshot *snap)
{
    char khi[8];
    key_of(NKEYS, khi);
    struct avila_lsm_read_options ro = {.snapshot = snap, .upper = key_slice(khi)};
    struct avila_lsm_db_iter *it;
    int rc = avila_lsm_db_iter_create(r->e.db, &ro, &it);
    if (rc != 0) {
        note(r, rc, "iter_create");
        return;
    }
    int cur = -1;
    rc = avila_lsm_db_iter_seek_first(it);
    cur = slot_step(m->s, -1, 1, 0, NKEYS);
    for (int step = 0; rc == 0; step++) {
        bool v = avila_lsm_db_iter_valid(it);
        if (v != (cur >= 0))
            fail_msg("iter: valid %d, model %d (step %d)", v, cur, step);
        if (v) {
            assert_int_equal(key_index(avila_lsm_db_iter_key(it)), cur);
            struct avila_slice val = avila_lsm_db_iter_value(it);
            assert_int_equal(val.len, m->s[cur].len);
            if (val.len > 0)
                assert_memory_equal(val.ptr, m->s[cur].v, val.len);
        }
        if (step == NKEYS + 40)
            break;
        if (step < NKEYS && v) {
            rc = avila_lsm_db_iter_next(it);
            cur = slot_step(m->s, cur, 1, 0, NKEYS);
        } else if (step < NKEYS) {
            rc = avila_lsm_db_iter_seek_last(it);
            cur = slot_step(m->s, NKEYS, -1, 0, NKEYS);
            step = NKEYS - 1; /* then walk back */
        } else if (v && step % 8 != 0) {
            rc = avila_lsm_db_iter_prev(it);
            cur = slot_step(m->s, cur, -1, 0, NKEYS);
        } else {
            int t = (step * 37) % NKEYS;
            char kt[8];
            key_of(t, kt);
            rc = avila_lsm_db_iter_seek(it, key_slice(kt));
            cur = slot_step(m->s, t - 1, 1, 0, NKEYS);
        }
    }
    if (rc != 0) {
        note(r, rc, "iter");
        int st = avila_lsm_db_iter_status(it);
        if (st != rc)
            run_fail(r, "iterator status differs from the error it returned", st);
    } else {
        note(r, avila_lsm_db_iter_status(it), "iter_status");
    }
    avila_lsm_db_iter_destroy(it);
}

/* Writes count batches, one in sync_every synced, with a few reads every 100. */
static void write_range(struct run *r, unsigned count, unsigned sync_every)
{
    for (unsigned j = 1; j <= count; j++) {
        do_write(r, j % sync_every == 0);
        if (j % 100 == 0)
            for (int i = (int)(j % 7); i < NKEYS; i += 37)
                do_get(r, &r->cur, NULL, i);
    }
}

static struct avila_slice no_key(void)
{
    return avila_slice_make(NULL, 0);
}

/* The batches a store may hold after a close without a power loss: [*lo, *hi]. */
static void expected_range(const struct run *r, bool crash, uint64_t *lo, uint64_t *hi)
{
    *lo = r->acked;
    *hi = r->acked + (r->write_failed ? 1 : 0);
    if (crash || (r->armed && (r->op == AVILA_LSM_VFS_APPEND || r->op == AVILA_LSM_VFS_SYNC)))
        *lo = r->synced;
}

/*
 * Closes and reopens the store, faults still armed (this is where a
 * running store switches CURRENT to a new MANIFEST). Learns how many
 * batches it holds (the failed write's may be among them) and goes on
 * from there. Returns false when the reopen failed (then the store is
 * closed and e.db NULL).
 */
static bool mid_reopen(struct run *r)
{
    note(r, avila_lsm_close(r->e.db), "close (middle)");
    r->e.db = NULL;
    if (r->e.m.open_handles != 0)
        run_fail(r, "handles left open after close (middle)", 0);
    r->open_lo = vfs_calls(&r->e, r->op);
    int rc = avila_lsm_open(&r->e.db, DIR, &r->e.opt, NULL);
    r->open_hi = vfs_calls(&r->e, r->op);
    if (rc != 0) {
        note(r, rc, "reopen (middle)");
        r->e.db = NULL;
        return false;
    }
    struct avila_buf v;
    avila_buf_init(&v, avila_allocator_libc(), SIZE_MAX);
    rc = avila_lsm_get(r->e.db, NULL, key_slice("~ctr"), &v);
    uint64_t p = 0;
    for (size_t i = 0; rc == 1 && i < v.len; i++)
        p = p * 10 + (uint64_t)(v.data[i] - '0');
    avila_buf_release(&v);
    if (rc < 0) {
        note(r, rc, "get counter (middle)");
        note(r, avila_lsm_close(r->e.db), "close (middle)");
        r->e.db = NULL;
        return false;
    }
    uint64_t lo, hi;
    expected_range(r, false, &lo, &hi);
    if (p < lo || p > hi)
        fail_msg("fault %s #%llu %s%s: reopened in the middle with %llu batches, synced %llu, "
                 "acked %llu",
                 op_names[r->op], (unsigned long long)r->nth, avila_strerror(r->err),
                 r->sticky ? " sticky" : "", (unsigned long long)p, (unsigned long long)r->synced,
                 (unsigned long long)r->acked);
    /* A new store: writes may succeed again, on top of the p batches it holds. */
    r->acked = p;
    r->write_failed = false;
    model_at(p, &r->cur);
    return true;
}

/* The workload of the header comment, on an open store. */
static void workload(struct run *r)
{
    write_range(r, 500, 25);
    r->snap = avila_lsm_snapshot_take(r->e.db);
    assert_non_null(r->snap);
    r->snapm = r->cur;
    write_range(r, 400, 25);
    walk_iter(r, &r->cur, NULL);
    note(r, avila_lsm_flush(r->e.db), "flush");
    note(r, avila_lsm_compact_range(r->e.db, no_key(), no_key()), "compact_range");
    write_range(r, 400, 25);
    get_all(r, &r->cur, NULL);
    get_all(r, &r->snapm, r->snap);
    walk_iter(r, &r->snapm, r->snap);
    note(r, avila_lsm_compact_range(r->e.db, key_slice("k0100"), key_slice("k0200")),
         "compact_range part");
    avila_lsm_snapshot_release(r->e.db, r->snap);
    r->snap = NULL;
    if (!mid_reopen(r))
        return;
    write_range(r, 200, 10);
    get_all(r, &r->cur, NULL);
}

/* Reads the counter key: how many batches the store holds. */
static uint64_t stored_batches(struct env *e)
{
    struct avila_buf v;
    avila_buf_init(&v, avila_allocator_libc(), SIZE_MAX);
    int rc = avila_lsm_get(e->db, NULL, key_slice("~ctr"), &v);
    if (rc != 0 && rc != 1)
        fail_msg("reading the counter after reopen: %s", avila_strerror(rc));
    uint64_t n = 0;
    for (size_t i = 0; rc == 1 && i < v.len; i++)
        n = n * 10 + (uint64_t)(v.data[i] - '0');
    avila_buf_release(&v);
    return n;
}

/* Prints the files of the store's directory with their sizes, to diagnose a failure. */
static void dump_dir(struct env *e)
{
    struct avila_buf names;
    avila_buf_init(&names, avila_allocator_libc(), SIZE_MAX);
    if (e->vfs.list(e->vfs.ctx, DIR, &names) >= 0)
        for (size_t off = 0; off < names.len;) {
            const char *name = (const char *)names.data + off;
            off += strlen(name) + 1;
            char path[300];
            snprintf(path, sizeof(path), "%s/%s", DIR, name);
            uint8_t *data;
            size_t len = 0;
            (void)avila_lsm_vfs_mem_file(&e->m, path, &data, &len, NULL);
            print_message("#   %s %zu bytes\n", name, len);
        }
    avila_buf_release(&names);
}

/* After the faulted part: reopen clean and compare with the model of what may be there. */
static void verify_reopen(struct run *r, bool crash, uint64_t seed)
{
    struct env *e = &r->e;
    vfs_reset(e);
    if (crash)
        avila_lsm_vfs_mem_crash(
            &e->m, AVILA_LSM_VFS_MEM_TEAR | AVILA_LSM_VFS_MEM_ZEROS | AVILA_LSM_VFS_MEM_DIR_ANY,
            seed);
    int rc = avila_lsm_open(&e->db, DIR, &e->opt, NULL);
    if (rc != 0) {
        dump_dir(e);
        run_fail(r, "reopen", rc);
    }
    struct avila_buf rep;
    avila_buf_init(&rep, avila_allocator_libc(), SIZE_MAX);
    rc = avila_lsm_check(e->db, &rep);
    if (rc != 0)
        fail_msg("fault %s #%llu %s%s%s: check after reopen: %.*s", op_names[r->op],
                 (unsigned long long)r->nth, avila_strerror(r->err), r->sticky ? " sticky" : "",
                 crash ? " crash" : "", (int)rep.len, (const char *)rep.data);
    avila_buf_release(&rep);
    uint64_t p = stored_batches(e);
    uint64_t lo, hi;
    expected_range(r, crash, &lo, &hi);
    if (p < lo || p > hi)
        fail_msg("fault %s #%llu %s%s%s: store holds %llu batches, synced %llu, acked %llu%s",
                 r->armed ? op_names[r->op] : "none", (unsigned long long)r->nth,
                 avila_strerror(r->err), r->sticky ? " sticky" : "", crash ? " crash" : "",
                 (unsigned long long)p, (unsigned long long)r->synced, (unsigned long long)r->acked,
                 r->write_failed ? " (then a failed write)" : "");
    struct model *m = &r->junk;
    model_at(p, m);
    if (getenv("AVILA_FAULT_RUN") != NULL)
        print_message("# reopened: %llu batches, acked %llu, synced %llu, write failed %d, "
                      "surfaced %d\n",
                      (unsigned long long)p, (unsigned long long)r->acked,
                      (unsigned long long)r->synced, r->write_failed, r->surfaced);
    r->verifying = true; /* from here on no error is acceptable */
    get_all(r, m, NULL);
    walk_iter(r, m, NULL);
    rc = avila_lsm_close(e->db);
    e->db = NULL;
    if (rc != 0)
        run_fail(r, "close after reopen", rc);
    assert_int_equal(e->m.open_handles, 0);
}

/*
 * One run: a fresh store, the fault armed after open (none if nth is 0),
 * the workload, close, checks, reopen. counts (if not NULL) gets the calls
 * of each kind made after open.
 */
static void one_run(enum avila_lsm_vfs_op op, uint64_t nth, int err, bool sticky, bool crash,
                    uint64_t counts[AVILA_LSM_VFS_OP_COUNT])
{
    static struct run r;
    memset(&r, 0, sizeof(r));
    r.armed = nth != 0;
    r.op = op;
    r.nth = nth;
    r.err = err;
    r.sticky = sticky;
    alarm(RUN_ALARM_S);
    env_setup(&r.e);
    env_open(&r.e);
    vfs_reset(&r.e);
    if (r.armed)
        vfs_arm(&r.e, op, nth, err, sticky);
    workload(&r);
    if (r.e.db != NULL)
        note(&r, avila_lsm_close(r.e.db), "close");
    r.e.db = NULL;
    if (r.e.m.open_handles != 0) {
        print_message("# %zu handles open\n", r.e.m.open_handles);
        run_fail(&r, "handles left open after close", 0);
    }
    bool fired = r.armed && vfs_calls(&r.e, op) >= nth;
    if (counts != NULL)
        for (int k = 0; k < AVILA_LSM_VFS_OP_COUNT; k++)
            counts[k] = vfs_calls(&r.e, (enum avila_lsm_vfs_op)k);
    bool absorbable = op == AVILA_LSM_VFS_UNLINK || op == AVILA_LSM_VFS_LIST;
    if (fired && !absorbable && r.surfaced == 0)
        run_fail(&r, "the fault did not surface", 0);
    /* UNLINK and LIST are absorbed in a running store; the open in the middle may report them. */
    bool in_open = r.open_hi > r.open_lo && nth <= r.open_hi && (sticky || nth > r.open_lo);
    if (r.armed && absorbable && !in_open && r.surfaced > 0)
        run_fail(&r, "an absorbable fault surfaced", err);
    verify_reopen(&r, crash, nth * 31 + (uint64_t)op);
    avila_lsm_vfs_mem_release(&r.e.m);
    alarm(0);
}

/* ---------------------------------------------------------------- tests */

static uint64_t clean_counts[AVILA_LSM_VFS_OP_COUNT];

/*
 * To replay one run of the sweep by hand: AVILA_FAULT_RUN="OP N ERR STICKY
 * CRASH" (numbers: OP an enum avila_lsm_vfs_op, ERR 0 for EIO and 1 for
 * ENOSPC) makes this test run just that one.
 */
static void replay(void **state)
{
    (void)state;
    const char *s = getenv("AVILA_FAULT_RUN");
    if (s == NULL) {
        skip();
        return;
    }
    unsigned long long v[5];
    char *end = (char *)s;
    for (int i = 0; i < 5; i++) {
        const char *from = end;
        v[i] = strtoull(from, &end, 10);
        assert_true(end != from);
    }
    unsigned long long op = v[0], n = v[1], err = v[2], sticky = v[3], crash = v[4];
    assert_true(op < AVILA_LSM_VFS_OP_COUNT && n > 0);
    one_run((enum avila_lsm_vfs_op)op, n, err ? AVILA_ENOSPC : AVILA_EIO, sticky != 0, crash != 0,
            NULL);
}

/* The workload without faults: nothing fails, everything is there after close and reopen. */
static void clean(void **state)
{
    (void)state;
    if (getenv("AVILA_FAULT_RUN") != NULL)
        skip();
    one_run(AVILA_LSM_VFS_OPEN_APPEND, 0, 0, false, false, clean_counts);
    /* The workload reaches every phase it is meant to: flushes, compactions, deletions. */
    static const enum avila_lsm_vfs_op used[] = {
        AVILA_LSM_VFS_OPEN_APPEND, AVILA_LSM_VFS_OPEN_READ, AVILA_LSM_VFS_APPEND,
        AVILA_LSM_VFS_SYNC,        AVILA_LSM_VFS_READ,      AVILA_LSM_VFS_SIZE,
        AVILA_LSM_VFS_SYNC_DIR,    AVILA_LSM_VFS_RENAME,    AVILA_LSM_VFS_UNLINK,
        AVILA_LSM_VFS_LIST,        AVILA_LSM_VFS_MKDIR,     AVILA_LSM_VFS_LOCK,
    };
    for (size_t i = 0; i < sizeof(used) / sizeof(used[0]); i++) {
        print_message("# %-12s %llu calls\n", op_names[used[i]],
                      (unsigned long long)clean_counts[used[i]]);
        assert_true(clean_counts[used[i]] > 0);
    }
    /* Only the reopen makes (tries to make) the directory and takes the lock. */
    assert_int_equal(clean_counts[AVILA_LSM_VFS_MKDIR], 1);
    assert_int_equal(clean_counts[AVILA_LSM_VFS_LOCK], 1);
}

static int err_of(uint64_t k)
{
    return k % 2 ? AVILA_EIO : AVILA_ENOSPC;
}

/* The sweep of the header comment for operation kind op. */
static void sweep(enum avila_lsm_vfs_op op)
{
    if (getenv("AVILA_FAULT_RUN") != NULL)
        skip();
    if (clean_counts[AVILA_LSM_VFS_READ] == 0)
        one_run(AVILA_LSM_VFS_OPEN_APPEND, 0, 0, false, false, clean_counts);
    uint64_t calls = clean_counts[op];
    uint64_t last = calls + 3 + calls / 10; /* the margin */
    bool all = unit_slow() == UNIT_SLOW_ALL;
    uint64_t stride = all || calls <= 60 ? 1 : (calls + 59) / 60;
    int runs = 0;
    for (uint64_t n = 1; n <= last; n++) {
        bool one_shot = n <= 16 || n % stride == 0 || n == last;
        bool sticky = all || (one_shot && (n <= 16 ? n % 4 == 0 : (n / stride) % 4 == 0));
        if (all) {
            for (int k = 0; k < 2; k++) {
                one_run(op, n, err_of((uint64_t)k), false, (n + (uint64_t)k) % 2 == 0, NULL);
                one_run(op, n, err_of((uint64_t)k), true, (n + (uint64_t)k) % 2 == 1, NULL);
                runs += 2;
            }
            continue;
        }
        if (one_shot) {
            one_run(op, n, err_of(n), false, (n / stride) % 2 == 0, NULL);
            runs++;
        }
        if (sticky) {
            one_run(op, n, err_of(n / 4), true, (n / stride) % 2 == 1, NULL);
            runs++;
        }
    }
    print_message("# %s: %llu calls, %d runs\n", op_names[op], (unsigned long long)calls, runs);
}

static void faults_open_append(void **state)
{
    (void)state;
    sweep(AVILA_LSM_VFS_OPEN_APPEND);
}

static void faults_open_read(void **state)
{
    (void)state;
    sweep(AVILA_LSM_VFS_OPEN_READ);
}

static void faults_append(void **state)
{
    (void)state;
    sweep(AVILA_LSM_VFS_APPEND);
}

static void faults_sync(void **state)
{
    (void)state;
    sweep(AVILA_LSM_VFS_SYNC);
}

static void faults_read(void **state)
{
    (void)state;
    sweep(AVILA_LSM_VFS_READ);
}

static void faults_size(void **state)
{
    (void)state;
    sweep(AVILA_LSM_VFS_SIZE);
}

static void faults_sync_dir(void **state)
{
    (void)state;
    sweep(AVILA_LSM_VFS_SYNC_DIR);
}

static void faults_rename(void **state)
{
    (void)state;
    sweep(AVILA_LSM_VFS_RENAME);
}

static void faults_unlink(void **state)
{
    (void)state;
    sweep(AVILA_LSM_VFS_UNLINK);
}

static void faults_list(void **state)
{
    (void)state;
    sweep(AVILA_LSM_VFS_LIST);
}

static void faults_mkdir_lock(void **state)
{
    (void)state;
    sweep(AVILA_LSM_VFS_MKDIR);
    sweep(AVILA_LSM_VFS_LOCK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(replay),
        cmocka_unit_test(clean),
        cmocka_unit_test(faults_open_append),
        cmocka_unit_test(faults_open_read),
        cmocka_unit_test(faults_append),
        cmocka_unit_test(faults_sync),
        cmocka_unit_test(faults_read),
        cmocka_unit_test(faults_size),
        cmocka_unit_test(faults_sync_dir),
        cmocka_unit_test(faults_rename),
        cmocka_unit_test(faults_unlink),
        cmocka_unit_test(faults_list),
        cmocka_unit_test(faults_mkdir_lock),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
