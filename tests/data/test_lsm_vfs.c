/*
 * tests/data/test_lsm_vfs.c - data/lsm_vfs.h: the POSIX implementation (in
 * a mkdtemp directory) and the in-memory one through the same table of
 * tests (append and read back, sync, rename replacing, list, unlink,
 * mkdir, the lock held twice - by a forked child for POSIX - and the
 * errors for missing files); then the in-memory VFS alone: a crash drops
 * what was not synced (bytes, creates, renames, unlinks), torn tails end at
 * every byte, zeroed tails, dead handles and locks after a crash, and
 * fault injection fails exactly call k of each kind (and every call after
 * it when sticky).
 */
#include "tests/support/unit.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/alloc.h"
#include "data/lsm_vfs.h"
#include "tests/support/fail_alloc.h"

/* ---------------------------------------------------------------- environments */

struct env {
    bool is_mem;
    struct avila_lsm_vfs vfs;
    struct avila_lsm_vfs_mem mem;
    struct fail_alloc fa;
    char root[256];
    char path[2][512]; /* two rotating buffers for P() */
    int which;
};

static void env_open(struct env *e, bool is_mem)
{
    memset(e, 0, sizeof(*e));
    e->is_mem = is_mem;
    fail_alloc_init(&e->fa);
    if (is_mem) {
        assert_int_equal(avila_lsm_vfs_mem_init(&e->mem, &e->fa.allocator, NULL), 0);
        avila_lsm_vfs_mem_vfs(&e->mem, &e->vfs);
        snprintf(e->root, sizeof(e->root), "/db");
        assert_int_equal(e->vfs.mkdir(e->vfs.ctx, e->root), 0);
        assert_int_equal(e->vfs.sync_dir(e->vfs.ctx, "/"), 0);
    } else {
        const char *tmp = getenv("TMPDIR");
        snprintf(e->root, sizeof(e->root), "%s/avila-lsm-vfs-XXXXXX", tmp ? tmp : "/tmp");
        assert_non_null(mkdtemp(e->root));
        avila_lsm_vfs_posix(&e->vfs, &e->fa.allocator);
    }
}

/* root + "/" + name, in one of two rotating buffers. */
static const char *P(struct env *e, const char *name)
{
    char *p = e->path[e->which ^= 1];
    snprintf(p, sizeof(e->path[0]), "%s/%s", e->root, name);
    return p;
}

/* Removes a directory tree through the VFS itself (list, unlink). */
static void remove_tree(struct env *e, const char *dir)
{
    struct avila_buf names;
    avila_buf_init(&names, avila_allocator_libc(), SIZE_MAX);
    int n = e->vfs.list(e->vfs.ctx, dir, &names);
    assert_true(n >= 0);
    const char *p = (const char *)names.data;
    for (int i = 0; i < n; i++) {
        char child[1024];
        snprintf(child, sizeof(child), "%s/%s", dir, p);
        int rc = e->vfs.unlink(e->vfs.ctx, child);
        if (rc == AVILA_EEXIST) {
            remove_tree(e, child);
            rc = 0;
        }
        assert_int_equal(rc, 0);
        p += strlen(p) + 1;
    }
    assert_int_equal(e->vfs.unlink(e->vfs.ctx, dir), 0);
    avila_buf_release(&names);
}

static void env_close(struct env *e)
{
    remove_tree(e, e->root);
    if (e->is_mem) {
        assert_int_equal(e->mem.open_handles, 0);
        avila_lsm_vfs_mem_release(&e->mem);
    }
    assert_int_equal(e->fa.live_allocs, 0);
}

static void write_file(struct env *e, const char *path, const char *text, bool sync)
{
    struct avila_lsm_file *f;
    assert_int_equal(avila_lsm_vfs_open_append(&e->vfs, path, &f), 0);
    assert_int_equal(avila_lsm_vfs_append(&e->vfs, f, text, strlen(text)), 0);
    if (sync)
        assert_int_equal(avila_lsm_vfs_sync(&e->vfs, f), 0);
    avila_lsm_vfs_close(&e->vfs, f);
}

/* The whole file as a NUL-terminated string in out, or the open error. */
static int read_file(struct env *e, const char *path, char *out, size_t cap)
{
    struct avila_lsm_file *f;
    int rc = avila_lsm_vfs_open_read(&e->vfs, path, &f);
    if (rc != 0)
        return rc;
    size_t got = 0;
    assert_int_equal(avila_lsm_vfs_read(&e->vfs, f, 0, out, cap - 1, &got), 0);
    out[got] = '\0';
    avila_lsm_vfs_close(&e->vfs, f);
    return 0;
}

/* ---------------------------------------------------------------- the shared table */

static void t_append_read(struct env *e)
{
    struct avila_lsm_file *w, *r;
    const char *path = P(e, "data");
    assert_int_equal(avila_lsm_vfs_open_append(&e->vfs, path, &w), 0);
    uint8_t big[70000];
    uint64_t rng = 7;
    unit_rand_fill(&rng, big, sizeof(big));
    assert_int_equal(avila_lsm_vfs_append(&e->vfs, w, big, 1000), 0);
    assert_int_equal(avila_lsm_vfs_append(&e->vfs, w, NULL, 0), 0);
    assert_int_equal(avila_lsm_vfs_append(&e->vfs, w, big + 1000, sizeof(big) - 1000), 0);
    uint64_t size = 0;
    assert_int_equal(avila_lsm_vfs_size(&e->vfs, w, &size), 0);
    assert_int_equal(size, sizeof(big));
    assert_int_equal(avila_lsm_vfs_sync(&e->vfs, w), 0);

    assert_int_equal(avila_lsm_vfs_open_read(&e->vfs, path, &r), 0);
    assert_int_equal(avila_lsm_vfs_size(&e->vfs, r, &size), 0);
    assert_int_equal(size, sizeof(big));
    static uint8_t back[sizeof(big)];
    size_t got = 0;
    assert_int_equal(avila_lsm_vfs_read(&e->vfs, r, 0, back, sizeof(back), &got), 0);
    assert_int_equal(got, sizeof(big));
    assert_memory_equal(back, big, sizeof(big));
    /* Reads at offsets, short at the end, empty past it. */
    const uint64_t offs[] = {1, 4095, 4096, 65535, sizeof(big) - 3, sizeof(big), sizeof(big) + 9};
    for (size_t i = 0; i < AVILA_ARRAY_LEN(offs); i++) {
        memset(back, 0, 100);
        assert_int_equal(avila_lsm_vfs_read(&e->vfs, r, offs[i], back, 100, &got), 0);
        size_t want = offs[i] >= sizeof(big) ? 0 : sizeof(big) - offs[i];
        if (want > 100)
            want = 100;
        assert_int_equal(got, want);
        if (want)
            assert_memory_equal(back, big + offs[i], want);
    }
    /* The reader sees bytes appended after it opened. */
    assert_int_equal(avila_lsm_vfs_append(&e->vfs, w, "xyz", 3), 0);
    assert_int_equal(avila_lsm_vfs_read(&e->vfs, r, sizeof(big), back, 10, &got), 0);
    assert_int_equal(got, 3);
    assert_memory_equal(back, "xyz", 3);
    avila_lsm_vfs_close(&e->vfs, r);
    avila_lsm_vfs_close(&e->vfs, w);
    /* open_append truncates. */
    write_file(e, path, "new", true);
    char text[64];
    assert_int_equal(read_file(e, path, text, sizeof(text)), 0);
    assert_string_equal(text, "new");
}

static void t_rename(struct env *e)
{
    char text[64];
    write_file(e, P(e, "a"), "A", true);
    write_file(e, P(e, "b"), "BB", true);
    assert_int_equal(e->vfs.rename(e->vfs.ctx, P(e, "a"), P(e, "b")), 0);
    assert_int_equal(read_file(e, P(e, "b"), text, sizeof(text)), 0);
    assert_string_equal(text, "A");
    assert_int_equal(read_file(e, P(e, "a"), text, sizeof(text)), AVILA_ENOTFOUND);
    /* to a new name, then a missing source */
    assert_int_equal(e->vfs.rename(e->vfs.ctx, P(e, "b"), P(e, "c")), 0);
    assert_int_equal(read_file(e, P(e, "c"), text, sizeof(text)), 0);
    assert_string_equal(text, "A");
    assert_int_equal(e->vfs.rename(e->vfs.ctx, P(e, "b"), P(e, "d")), AVILA_ENOTFOUND);
    assert_int_equal(e->vfs.rename(e->vfs.ctx, P(e, "c"), P(e, "nodir/c")), AVILA_ENOTFOUND);
    /* a file over a directory */
    assert_int_equal(e->vfs.mkdir(e->vfs.ctx, P(e, "sub")), 0);
    assert_int_equal(e->vfs.rename(e->vfs.ctx, P(e, "c"), P(e, "sub")), AVILA_EEXIST);
    assert_int_equal(e->vfs.sync_dir(e->vfs.ctx, e->root), 0);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lists dir and joins the sorted names with ',' into out. */
static int list_sorted(struct env *e, const char *dir, char *out, size_t cap)
{
    struct avila_buf names;
    avila_buf_init(&names, avila_allocator_libc(), SIZE_MAX);
    int n = e->vfs.list(e->vfs.ctx, dir, &names);
    if (n < 0) {
        avila_buf_release(&names);
        return n;
    }
    char *v[64] = {NULL};
    assert_true(n <= 64);
    char *p = (char *)names.data;
    for (int i = 0; i < n; i++) {
        v[i] = p;
        p += strlen(p) + 1;
    }
    assert_ptr_equal(p, (char *)names.data + names.len);
    qsort(v, (size_t)n, sizeof(v[0]), cmp_str);
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        if (i)
            strncat(out, ",", cap - strlen(out) - 1);
        strncat(out, v[i], cap - strlen(out) - 1);
    }
    avila_buf_release(&names);
    return n;
}

static void t_list_unlink_mkdir(struct env *e)
{
    char text[256];
    assert_int_equal(list_sorted(e, e->root, text, sizeof(text)), 0);
    assert_string_equal(text, "");
    assert_int_equal(e->vfs.mkdir(e->vfs.ctx, P(e, "sub")), 0);
    assert_int_equal(e->vfs.mkdir(e->vfs.ctx, P(e, "sub")), AVILA_EEXIST);
    assert_int_equal(e->vfs.mkdir(e->vfs.ctx, P(e, "none/sub")), AVILA_ENOTFOUND);
    write_file(e, P(e, "000005.log"), "x", false);
    write_file(e, P(e, "CURRENT"), "y", false);
    write_file(e, P(e, "sub/inner"), "z", false);
    assert_int_equal(list_sorted(e, e->root, text, sizeof(text)), 3);
    assert_string_equal(text, "000005.log,CURRENT,sub");
    assert_int_equal(list_sorted(e, P(e, "sub"), text, sizeof(text)), 1);
    assert_string_equal(text, "inner");
    assert_int_equal(list_sorted(e, P(e, "nothere"), text, sizeof(text)), AVILA_ENOTFOUND);
    assert_int_equal(e->vfs.unlink(e->vfs.ctx, P(e, "sub")), AVILA_EEXIST); /* not empty */
    assert_int_equal(e->vfs.unlink(e->vfs.ctx, P(e, "sub/inner")), 0);
    assert_int_equal(e->vfs.unlink(e->vfs.ctx, P(e, "sub/inner")), AVILA_ENOTFOUND);
    assert_int_equal(e->vfs.unlink(e->vfs.ctx, P(e, "sub")), 0);
    assert_int_equal(e->vfs.unlink(e->vfs.ctx, P(e, "CURRENT")), 0);
    assert_int_equal(list_sorted(e, e->root, text, sizeof(text)), 1);
    assert_string_equal(text, "000005.log");
    assert_int_equal(e->vfs.sync_dir(e->vfs.ctx, e->root), 0);
    assert_int_equal(e->vfs.sync_dir(e->vfs.ctx, P(e, "gone")), AVILA_ENOTFOUND);
}

static void t_missing(struct env *e)
{
    struct avila_lsm_file *f;
    struct avila_lsm_lock *l;
    assert_int_equal(avila_lsm_vfs_open_read(&e->vfs, P(e, "absent"), &f), AVILA_ENOTFOUND);
    assert_int_equal(avila_lsm_vfs_open_append(&e->vfs, P(e, "no/such"), &f), AVILA_ENOTFOUND);
    assert_int_equal(e->vfs.lock(e->vfs.ctx, P(e, "no/LOCK"), &l), AVILA_ENOTFOUND);
    assert_int_equal(e->vfs.unlink(e->vfs.ctx, P(e, "absent")), AVILA_ENOTFOUND);
    assert_int_equal(e->vfs.mkdir(e->vfs.ctx, P(e, "d")), 0);
    assert_int_equal(avila_lsm_vfs_open_append(&e->vfs, P(e, "d"), &f), AVILA_EEXIST);
    assert_int_equal(avila_lsm_vfs_open_append(&e->vfs, "", &f), AVILA_EINVAL);
}

static void t_lock(struct env *e)
{
    struct avila_lsm_lock *l1, *l2;
    const char *path = P(e, "LOCK");
    assert_int_equal(e->vfs.lock(e->vfs.ctx, path, &l1), 0);
    assert_int_equal(e->vfs.lock(e->vfs.ctx, path, &l2), AVILA_ESTATE);
    e->vfs.unlock(e->vfs.ctx, l1);
    assert_int_equal(e->vfs.lock(e->vfs.ctx, path, &l2), 0);
    e->vfs.unlock(e->vfs.ctx, l2);
    if (e->is_mem)
        return;
    /* Another process holds it: a child takes it, says so, and waits to be told to exit. */
    int up[2], down[2];
    assert_int_equal(pipe(up), 0);
    assert_int_equal(pipe(down), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct avila_lsm_lock *cl;
        char c = e->vfs.lock(e->vfs.ctx, path, &cl) == 0 ? 'y' : 'n';
        if (write(up[1], &c, 1) != 1 || read(down[0], &c, 1) < 0)
            _exit(2);
        _exit(0);
    }
    char c = 0;
    assert_int_equal(read(up[0], &c, 1), 1);
    assert_int_equal(c, 'y');
    assert_int_equal(e->vfs.lock(e->vfs.ctx, path, &l1), AVILA_ESTATE);
    /* The lock file names the holder. */
    char text[64];
    assert_int_equal(read_file(e, path, text, sizeof(text)), 0);
    assert_int_equal(strtol(text, NULL, 10), (long)pid);
    assert_int_equal(write(down[1], "x", 1), 1);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(e->vfs.lock(e->vfs.ctx, path, &l1), 0);
    e->vfs.unlock(e->vfs.ctx, l1);
    close(up[0]);
    close(up[1]);
    close(down[0]);
    close(down[1]);
}

static void run_both(void (*t)(struct env *e))
{
    static struct env e;
    for (int m = 0; m < 2; m++) {
        env_open(&e, m == 1);
        t(&e);
        env_close(&e);
    }
}

static void append_read(void **state)
{
    (void)state;
    run_both(t_append_read);
}

static void rename_replaces(void **state)
{
    (void)state;
    run_both(t_rename);
}

static void list_unlink_mkdir(void **state)
{
    (void)state;
    run_both(t_list_unlink_mkdir);
}

static void missing_files(void **state)
{
    (void)state;
    run_both(t_missing);
}

static void lock_twice(void **state)
{
    (void)state;
    run_both(t_lock);
}

/* ---------------------------------------------------------------- in memory only */

static void mem_crash_drops_unsynced(void **state)
{
    (void)state;
    static struct env e;
    env_open(&e, true);
    char text[64];
    struct avila_lsm_file *f, *g;
    struct avila_lsm_lock *l, *l2;
    /* bytes: synced stay, the rest goes */
    assert_int_equal(avila_lsm_vfs_open_append(&e.vfs, P(&e, "log"), &f), 0);
    assert_int_equal(avila_lsm_vfs_append(&e.vfs, f, "abc", 3), 0);
    assert_int_equal(avila_lsm_vfs_sync(&e.vfs, f), 0);
    assert_int_equal(avila_lsm_vfs_append(&e.vfs, f, "def", 3), 0);
    assert_int_equal(e.vfs.sync_dir(e.vfs.ctx, e.root), 0);
    /* a synced file whose name was never made durable */
    write_file(&e, P(&e, "lost"), "data", true);
    /* a rename and an unlink, not made durable */
    write_file(&e, P(&e, "old"), "1", true);
    write_file(&e, P(&e, "gone"), "2", true);
    assert_int_equal(e.vfs.sync_dir(e.vfs.ctx, e.root), 0);
    write_file(&e, P(&e, "lost"), "other", true);
    assert_int_equal(e.vfs.rename(e.vfs.ctx, P(&e, "old"), P(&e, "new")), 0);
    assert_int_equal(e.vfs.unlink(e.vfs.ctx, P(&e, "gone")), 0);
    assert_int_equal(e.vfs.lock(e.vfs.ctx, P(&e, "LOCK"), &l), 0);
    avila_lsm_vfs_mem_crash(&e.mem, 0, 1);

    assert_int_equal(read_file(&e, P(&e, "log"), text, sizeof(text)), 0);
    assert_string_equal(text, "abc");
    /* "lost" was made durable before with "data", then truncated by open_append: back */
    assert_int_equal(read_file(&e, P(&e, "lost"), text, sizeof(text)), 0);
    assert_string_equal(text, "data");
    assert_int_equal(read_file(&e, P(&e, "old"), text, sizeof(text)), 0);
    assert_string_equal(text, "1");
    assert_int_equal(read_file(&e, P(&e, "new"), text, sizeof(text)), AVILA_ENOTFOUND);
    assert_int_equal(read_file(&e, P(&e, "gone"), text, sizeof(text)), 0);
    assert_string_equal(text, "2");
    /* handles from before are dead; the lock is free */
    assert_int_equal(avila_lsm_vfs_append(&e.vfs, f, "x", 1), AVILA_ESTATE);
    assert_int_equal(avila_lsm_vfs_sync(&e.vfs, f), AVILA_ESTATE);
    avila_lsm_vfs_close(&e.vfs, f);
    assert_int_equal(e.vfs.lock(e.vfs.ctx, P(&e, "LOCK"), &l2), 0);
    e.vfs.unlock(e.vfs.ctx, l2);
    e.vfs.unlock(e.vfs.ctx, l);

    /* made durable: the rename and the unlink stay */
    assert_int_equal(e.vfs.rename(e.vfs.ctx, P(&e, "old"), P(&e, "new")), 0);
    assert_int_equal(e.vfs.unlink(e.vfs.ctx, P(&e, "gone")), 0);
    assert_int_equal(avila_lsm_vfs_open_append(&e.vfs, P(&e, "fresh"), &g), 0);
    assert_int_equal(avila_lsm_vfs_append(&e.vfs, g, "q", 1), 0);
    assert_int_equal(e.vfs.sync_dir(e.vfs.ctx, e.root), 0);
    avila_lsm_vfs_mem_crash(&e.mem, 0, 2);
    avila_lsm_vfs_close(&e.vfs, g);
    assert_int_equal(read_file(&e, P(&e, "new"), text, sizeof(text)), 0);
    assert_string_equal(text, "1");
    assert_int_equal(read_file(&e, P(&e, "old"), text, sizeof(text)), AVILA_ENOTFOUND);
    assert_int_equal(read_file(&e, P(&e, "gone"), text, sizeof(text)), AVILA_ENOTFOUND);
    assert_int_equal(read_file(&e, P(&e, "fresh"), text, sizeof(text)), 0);
    assert_string_equal(text, ""); /* the name was durable, its byte was not */

    /* a directory made but not synced in its parent disappears, with what is in it */
    assert_int_equal(e.vfs.mkdir(e.vfs.ctx, P(&e, "sub")), 0);
    write_file(&e, P(&e, "sub/f"), "s", true);
    assert_int_equal(e.vfs.sync_dir(e.vfs.ctx, P(&e, "sub")), 0);
    avila_lsm_vfs_mem_crash(&e.mem, 0, 3);
    assert_int_equal(read_file(&e, P(&e, "sub/f"), text, sizeof(text)), AVILA_ENOTFOUND);
    env_close(&e);
}

static void mem_torn_every_byte(void **state)
{
    (void)state;
    static struct env e;
    enum { SYNCED = 10, UNSYNCED = 25, SEEDS = 3000 };
    uint8_t want[SYNCED + UNSYNCED];
    uint64_t rng = 42;
    unit_rand_fill(&rng, want, sizeof(want));
    for (int i = 0; i < (int)sizeof(want); i++)
        want[i] |= 1; /* no zero bytes, so zeroed ones show */
    const unsigned modes[] = {AVILA_LSM_VFS_MEM_TEAR,
                              AVILA_LSM_VFS_MEM_TEAR | AVILA_LSM_VFS_MEM_ZEROS};
    for (size_t mi = 0; mi < AVILA_ARRAY_LEN(modes); mi++) {
        unsigned flags = modes[mi];
        bool seen[UNSYNCED + 1] = {false}, seen_zero = false;
        for (uint64_t seed = 0; seed < SEEDS; seed++) {
            env_open(&e, true);
            struct avila_lsm_file *f;
            assert_int_equal(avila_lsm_vfs_open_append(&e.vfs, P(&e, "t"), &f), 0);
            assert_int_equal(e.vfs.sync_dir(e.vfs.ctx, e.root), 0);
            assert_int_equal(avila_lsm_vfs_append(&e.vfs, f, want, SYNCED), 0);
            assert_int_equal(avila_lsm_vfs_sync(&e.vfs, f), 0);
            assert_int_equal(avila_lsm_vfs_append(&e.vfs, f, want + SYNCED, UNSYNCED), 0);
            avila_lsm_vfs_mem_crash(&e.mem, flags, seed);
            avila_lsm_vfs_close(&e.vfs, f);
            uint8_t *data;
            size_t len, synced;
            assert_int_equal(avila_lsm_vfs_mem_file(&e.mem, P(&e, "t"), &data, &len, &synced), 0);
            assert_true(len >= SYNCED && len <= sizeof(want));
            assert_int_equal(synced, len);
            seen[len - SYNCED] = true;
            /* the synced prefix is intact; after it, the kept bytes then maybe zeros */
            assert_memory_equal(data, want, SYNCED);
            size_t k = SYNCED;
            while (k < len && data[k] == want[k])
                k++;
            for (size_t z = k; z < len; z++)
                assert_int_equal(data[z], 0);
            if (k < len) {
                assert_true(flags & AVILA_LSM_VFS_MEM_ZEROS);
                seen_zero = true;
            }
            env_close(&e);
        }
        for (int i = 0; i <= UNSYNCED; i++)
            assert_true(seen[i]); /* every tear point happened */
        assert_int_equal(seen_zero, (flags & AVILA_LSM_VFS_MEM_ZEROS) != 0);
    }
}

static void mem_dir_any(void **state)
{
    (void)state;
    static struct env e;
    int kept = 0, lost = 0;
    for (uint64_t seed = 0; seed < 200; seed++) {
        env_open(&e, true);
        write_file(&e, P(&e, "a"), "1", true);
        write_file(&e, P(&e, "b"), "2", true);
        assert_int_equal(e.vfs.sync_dir(e.vfs.ctx, e.root), 0);
        assert_int_equal(e.vfs.rename(e.vfs.ctx, P(&e, "a"), P(&e, "b")), 0);
        write_file(&e, P(&e, "c"), "3", true);
        avila_lsm_vfs_mem_crash(&e.mem, AVILA_LSM_VFS_MEM_DIR_ANY, seed);
        char a[8], b[8], c[8];
        int ra = read_file(&e, P(&e, "a"), a, sizeof(a));
        assert_int_equal(read_file(&e, P(&e, "b"), b, sizeof(b)), 0);
        int rc = read_file(&e, P(&e, "c"), c, sizeof(c));
        /* all of the directory's changes, or none: the rename is atomic */
        if (ra == AVILA_ENOTFOUND) {
            assert_string_equal(b, "1");
            assert_int_equal(rc, 0);
            kept++;
        } else {
            assert_string_equal(a, "1");
            assert_string_equal(b, "2");
            assert_int_equal(rc, AVILA_ENOTFOUND);
            lost++;
        }
        env_close(&e);
    }
    assert_true(kept > 50 && lost > 50);
}

/* One run of a fixed workload with n calls of each kind, failing call k of op. */
static void fault_run(enum avila_lsm_vfs_op op, uint64_t k, bool sticky, int err, int n)
{
    static struct env e;
    env_open(&e, true);
    struct avila_lsm_file *w = NULL, *r = NULL;
    assert_int_equal(avila_lsm_vfs_open_append(&e.vfs, P(&e, "w"), &w), 0);
    assert_int_equal(avila_lsm_vfs_append(&e.vfs, w, "0123456789", 10), 0);
    assert_int_equal(avila_lsm_vfs_open_read(&e.vfs, P(&e, "w"), &r), 0);
    avila_lsm_vfs_mem_reset_counts(&e.mem);
    avila_lsm_vfs_mem_fail(&e.mem, op, k, err, sticky);
    struct avila_buf names;
    avila_buf_init(&names, avila_allocator_libc(), SIZE_MAX);
    char cur[32] = "w";
    for (int i = 1; i <= n; i++) {
        bool fail = (uint64_t)i == k || (sticky && (uint64_t)i > k);
        int want = fail ? err : 0;
        char name[32], name2[32];
        snprintf(name, sizeof(name), "f%d", i);
        snprintf(name2, sizeof(name2), "g%d", i);
        struct avila_lsm_file *tmp = NULL;
        struct avila_lsm_lock *l = NULL;
        size_t got;
        uint64_t size;
        uint8_t b[8];
        int rc = 0;
        switch (op) {
        case AVILA_LSM_VFS_OPEN_APPEND:
            rc = avila_lsm_vfs_open_append(&e.vfs, P(&e, name), &tmp);
            break;
        case AVILA_LSM_VFS_OPEN_READ:
            rc = avila_lsm_vfs_open_read(&e.vfs, P(&e, "w"), &tmp);
            break;
        case AVILA_LSM_VFS_APPEND: {
            uint64_t before = 0, after = 0;
            assert_int_equal(avila_lsm_vfs_size(&e.vfs, w, &before), 0);
            rc = avila_lsm_vfs_append(&e.vfs, w, "abcd", 4);
            assert_int_equal(avila_lsm_vfs_size(&e.vfs, w, &after), 0);
            assert_int_equal(after - before, fail ? 2 : 4); /* a failure writes half */
            break;
        }
        case AVILA_LSM_VFS_SYNC:
            rc = avila_lsm_vfs_sync(&e.vfs, w);
            break;
        case AVILA_LSM_VFS_READ:
            rc = avila_lsm_vfs_read(&e.vfs, r, 0, b, sizeof(b), &got);
            break;
        case AVILA_LSM_VFS_SIZE:
            rc = avila_lsm_vfs_size(&e.vfs, r, &size);
            break;
        case AVILA_LSM_VFS_SYNC_DIR:
            rc = e.vfs.sync_dir(e.vfs.ctx, e.root);
            break;
        case AVILA_LSM_VFS_RENAME:
            rc = e.vfs.rename(e.vfs.ctx, P(&e, cur), P(&e, name2));
            if (rc == 0)
                snprintf(cur, sizeof(cur), "%s", name2);
            break;
        case AVILA_LSM_VFS_UNLINK:
            write_file(&e, P(&e, name), "u", false);
            rc = e.vfs.unlink(e.vfs.ctx, P(&e, name));
            break;
        case AVILA_LSM_VFS_LIST:
            rc = e.vfs.list(e.vfs.ctx, e.root, &names);
            if (rc > 0)
                rc = 0;
            break;
        case AVILA_LSM_VFS_MKDIR:
            rc = e.vfs.mkdir(e.vfs.ctx, P(&e, name));
            break;
        case AVILA_LSM_VFS_LOCK:
            rc = e.vfs.lock(e.vfs.ctx, P(&e, name), &l);
            break;
        default:
            fail_msg("no such op");
        }
        assert_int_equal(rc, want);
        if (tmp)
            avila_lsm_vfs_close(&e.vfs, tmp);
        if (l)
            e.vfs.unlock(e.vfs.ctx, l);
        /* A failed call changed nothing (append aside): the entry is absent. */
        if (fail && (op == AVILA_LSM_VFS_OPEN_APPEND || op == AVILA_LSM_VFS_MKDIR ||
                     op == AVILA_LSM_VFS_LOCK)) {
            char text[8];
            assert_int_equal(read_file(&e, P(&e, name), text, sizeof(text)), AVILA_ENOTFOUND);
        }
    }
    assert_int_equal(avila_lsm_vfs_mem_calls(&e.mem, op), (uint64_t)n);
    avila_lsm_vfs_mem_reset_counts(&e.mem);
    if (w)
        avila_lsm_vfs_close(&e.vfs, w);
    if (r)
        avila_lsm_vfs_close(&e.vfs, r);
    avila_buf_release(&names);
    env_close(&e);
}

static void mem_fault_injection(void **state)
{
    (void)state;
    enum { N = 6 };
    int runs = 0;
    for (int op = 0; op < AVILA_LSM_VFS_OP_COUNT; op++)
        for (uint64_t k = 1; k <= N; k++)
            for (int sticky = 0; sticky < 2; sticky++) {
                fault_run((enum avila_lsm_vfs_op)op, k, sticky, k % 2 ? AVILA_EIO : AVILA_ENOSPC,
                          N);
                runs++;
            }
    assert_int_equal(runs, AVILA_LSM_VFS_OP_COUNT * N * 2);
}

static void mem_out_of_memory(void **state)
{
    (void)state;
    /* Every allocation of a small workload fails in turn: errors, never a crash or a leak. */
    for (unsigned long k = 1; k < 200; k++) {
        struct fail_alloc fa;
        fail_alloc_init(&fa);
        struct avila_lsm_vfs_mem m;
        struct avila_lsm_vfs v;
        if (avila_lsm_vfs_mem_init(&m, &fa.allocator, NULL) != 0) {
            avila_lsm_vfs_mem_release(&m);
            assert_int_equal(fa.live_allocs, 0);
            continue;
        }
        fail_alloc_fail_nth(&fa, k, 0);
        avila_lsm_vfs_mem_vfs(&m, &v);
        struct avila_lsm_file *f;
        int rc = v.mkdir(v.ctx, "/d");
        if (rc == 0 && (rc = v.open_append(v.ctx, "/d/f", &f)) == 0) {
            rc = v.append(v.ctx, f, "hello", 5);
            if (rc == 0)
                rc = v.sync_dir(v.ctx, "/d");
            v.close(v.ctx, f);
        }
        assert_true(rc == 0 || rc == AVILA_ENOMEM);
        avila_lsm_vfs_mem_crash(&m, AVILA_LSM_VFS_MEM_DIR_ANY, k);
        avila_lsm_vfs_mem_release(&m);
        assert_int_equal(fa.live_allocs, 0);
        if (fa.failures == 0)
            break;
    }
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(append_read),         cmocka_unit_test(rename_replaces),
        cmocka_unit_test(list_unlink_mkdir),   cmocka_unit_test(missing_files),
        cmocka_unit_test(lock_twice),          cmocka_unit_test(mem_crash_drops_unsynced),
        cmocka_unit_test(mem_torn_every_byte), cmocka_unit_test(mem_dir_any),
        cmocka_unit_test(mem_fault_injection), cmocka_unit_test(mem_out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
