/*
 * data/lsm_vfs_mem.c - the in-memory implementation of data/lsm_vfs.h, with
 * crash simulation and fault injection, for tests. Pure: memory comes from
 * the allocator given at init.
 *
 * Every file and directory is a node (an inode): files hold their bytes
 * and the length of the synced prefix; directories hold two entry tables,
 * the current one and the durable one (a copy of the current one taken by
 * sync_dir). A crash cuts each file to its synced prefix (plus what the
 * crash flags keep) and puts each directory's durable table back, so a
 * create, rename or unlink that was not followed by a directory sync is
 * undone. open_append always makes a new node and points the name at it,
 * so a truncate that was not made durable is undone too (the old bytes
 * come back). Nodes are freed only by avila_lsm_vfs_mem_release.
 */
#include "data/lsm_vfs.h"

struct mem_entry {
    struct avila_lsm_mem_node *node;
    size_t len;
    char name[AVILA_LSM_VFS_MEM_NAME_MAX + 1];
};

struct mem_table {
    struct mem_entry *e;
    size_t n, cap;
};

struct avila_lsm_mem_node {
    struct avila_lsm_mem_node *all_next;
    bool is_dir;
    bool locked; /* a live lock handle holds it */
    struct avila_buf data;
    size_t synced;
    struct mem_table cur, dur;
};

/* The handles, passed out as the interface's opaque types. */
struct mem_file {
    struct avila_lsm_mem_node *node;
    uint64_t epoch;
    bool writable;
};

struct mem_lock {
    struct avila_lsm_mem_node *node;
    uint64_t epoch;
};

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* ---------------------------------------------------------------- nodes and tables */

static struct avila_lsm_mem_node *node_new(struct avila_lsm_vfs_mem *m, bool is_dir)
{
    struct avila_lsm_mem_node *n = AVILA_NEW(m->a, struct avila_lsm_mem_node);
    if (!n)
        return NULL;
    memset(n, 0, sizeof(*n));
    n->is_dir = is_dir;
    avila_buf_init(&n->data, m->a, SIZE_MAX);
    n->all_next = m->nodes;
    m->nodes = n;
    return n;
}

static void table_free(struct avila_lsm_vfs_mem *m, struct mem_table *t)
{
    AVILA_DELETE_ARRAY(m->a, t->e, struct mem_entry, t->cap);
    t->e = NULL;
    t->n = t->cap = 0;
}

static struct mem_entry *table_find(struct mem_table *t, const char *name, size_t len)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->e[i].len == len && memcmp(t->e[i].name, name, len) == 0)
            return &t->e[i];
    return NULL;
}

static int table_reserve(struct avila_lsm_vfs_mem *m, struct mem_table *t, size_t need)
{
    if (need <= t->cap)
        return 0;
    size_t cap = t->cap ? t->cap * 2 : 8;
    while (cap < need)
        cap *= 2;
    size_t old_bytes = t->cap * sizeof(struct mem_entry), new_bytes;
    if (avila_size_mul(cap, sizeof(struct mem_entry), &new_bytes) != 0)
        return AVILA_ENOMEM;
    struct mem_entry *e =
        avila_realloc(m->a, t->e, old_bytes, new_bytes, _Alignof(struct mem_entry));
    if (!e)
        return AVILA_ENOMEM;
    t->e = e;
    t->cap = cap;
    return 0;
}

/* Points name at node in t, replacing an entry of that name. */
static int table_set(struct avila_lsm_vfs_mem *m, struct mem_table *t, const char *name, size_t len,
                     struct avila_lsm_mem_node *node)
{
    struct mem_entry *e = table_find(t, name, len);
    if (e) {
        e->node = node;
        return 0;
    }
    int rc = table_reserve(m, t, t->n + 1);
    if (rc != 0)
        return rc;
    e = &t->e[t->n++];
    e->node = node;
    e->len = len;
    memcpy(e->name, name, len);
    e->name[len] = '\0';
    return 0;
}

static void table_remove(struct mem_table *t, struct mem_entry *e)
{
    *e = t->e[--t->n];
}

static int table_copy(struct avila_lsm_vfs_mem *m, struct mem_table *dst,
                      const struct mem_table *src)
{
    int rc = table_reserve(m, dst, src->n);
    if (rc != 0)
        return rc;
    if (src->n > 0)
        memcpy(dst->e, src->e, src->n * sizeof(struct mem_entry));
    dst->n = src->n;
    return 0;
}

/* ---------------------------------------------------------------- paths */

/*
 * Splits path into its parent directory (*dir) and last component (*name,
 * *len). AVILA_EINVAL for an empty path (or the root), a "." or ".."
 * component, or a component longer than AVILA_LSM_VFS_MEM_NAME_MAX;
 * AVILA_ENOTFOUND if a parent is missing or not a directory.
 */
static int resolve_parent(struct avila_lsm_vfs_mem *m, const char *path,
                          struct avila_lsm_mem_node **dir, const char **name, size_t *len)
{
    if (!path)
        return AVILA_EINVAL;
    struct avila_lsm_mem_node *d = m->root;
    const char *p = path, *last = NULL;
    size_t last_len = 0;
    for (;;) {
        while (*p == '/')
            p++;
        if (*p == '\0')
            break;
        const char *c = p;
        while (*p != '\0' && *p != '/')
            p++;
        size_t n = (size_t)(p - c);
        if (n > AVILA_LSM_VFS_MEM_NAME_MAX || (n == 1 && c[0] == '.') ||
            (n == 2 && c[0] == '.' && c[1] == '.'))
            return AVILA_EINVAL;
        if (last) {
            /* The previous component is a directory on the way. */
            const struct mem_entry *e = table_find(&d->cur, last, last_len);
            if (!e || !e->node->is_dir)
                return AVILA_ENOTFOUND;
            d = e->node;
        }
        last = c;
        last_len = n;
    }
    if (!last)
        return AVILA_EINVAL;
    *dir = d;
    *name = last;
    *len = last_len;
    return 0;
}

/* The node at path (the root for "/"), or NULL with *rc set. */
static struct avila_lsm_mem_node *resolve(struct avila_lsm_vfs_mem *m, const char *path, int *rc)
{
    struct avila_lsm_mem_node *d;
    const char *name;
    size_t len;
    if (path && path[0] == '/') {
        const char *p = path;
        while (*p == '/')
            p++;
        if (*p == '\0')
            return m->root;
    }
    *rc = resolve_parent(m, path, &d, &name, &len);
    if (*rc != 0)
        return NULL;
    const struct mem_entry *e = table_find(&d->cur, name, len);
    if (!e) {
        *rc = AVILA_ENOTFOUND;
        return NULL;
    }
    return e->node;
}

/* ---------------------------------------------------------------- calls */

/* Starts a call: takes the mutex, counts it, says whether it is to fail. */
static int enter(struct avila_lsm_vfs_mem *m, enum avila_lsm_vfs_op op)
{
    if (m->cfg.mutex_lock)
        m->cfg.mutex_lock(m->cfg.mutex);
    uint64_t k = ++m->calls[op];
    uint64_t at = m->fail_at[op];
    if (at != 0 && (k == at || (m->fail_sticky[op] && k > at)))
        return m->fail_err[op];
    return 0;
}

static int leave(struct avila_lsm_vfs_mem *m, int rc)
{
    if (m->cfg.mutex_unlock)
        m->cfg.mutex_unlock(m->cfg.mutex);
    return rc;
}

static struct mem_file *live_file(struct avila_lsm_vfs_mem *m, struct avila_lsm_file *f, int *rc)
{
    struct mem_file *mf = (struct mem_file *)(void *)f;
    if (!mf) {
        *rc = AVILA_EINVAL;
        return NULL;
    }
    if (mf->epoch != m->epoch) {
        *rc = AVILA_ESTATE; /* opened before a crash */
        return NULL;
    }
    return mf;
}

static int new_handle(struct avila_lsm_vfs_mem *m, struct avila_lsm_mem_node *node, bool writable,
                      struct avila_lsm_file **out)
{
    struct mem_file *mf = AVILA_NEW(m->a, struct mem_file);
    if (!mf)
        return AVILA_ENOMEM;
    mf->node = node;
    mf->epoch = m->epoch;
    mf->writable = writable;
    m->open_handles++;
    *out = (struct avila_lsm_file *)(void *)mf;
    return 0;
}

static int mem_open_append(void *ctx, const char *path, struct avila_lsm_file **out)
{
    struct avila_lsm_vfs_mem *m = ctx;
    int rc = enter(m, AVILA_LSM_VFS_OPEN_APPEND);
    if (rc != 0 || !out)
        return leave(m, rc != 0 ? rc : AVILA_EINVAL);
    struct avila_lsm_mem_node *d;
    const char *name;
    size_t len;
    rc = resolve_parent(m, path, &d, &name, &len);
    if (rc != 0)
        return leave(m, rc);
    const struct mem_entry *e = table_find(&d->cur, name, len);
    if (e && e->node->is_dir)
        return leave(m, AVILA_EEXIST);
    /* Reserve the entry before making anything, so a failure changes nothing. */
    rc = table_reserve(m, &d->cur, d->cur.n + 1);
    if (rc != 0)
        return leave(m, rc);
    struct avila_lsm_mem_node *n = node_new(m, false);
    if (!n)
        return leave(m, AVILA_ENOMEM);
    rc = new_handle(m, n, true, out);
    if (rc == 0)
        rc = table_set(m, &d->cur, name, len, n);
    return leave(m, rc);
}

static int mem_open_read(void *ctx, const char *path, struct avila_lsm_file **out)
{
    struct avila_lsm_vfs_mem *m = ctx;
    int rc = enter(m, AVILA_LSM_VFS_OPEN_READ);
    if (rc != 0 || !out)
        return leave(m, rc != 0 ? rc : AVILA_EINVAL);
    struct avila_lsm_mem_node *n = resolve(m, path, &rc);
    if (!n)
        return leave(m, rc);
    if (n->is_dir)
        return leave(m, AVILA_EEXIST);
    return leave(m, new_handle(m, n, false, out));
}

static int mem_append(void *ctx, struct avila_lsm_file *f, const void *p, size_t n)
{
    struct avila_lsm_vfs_mem *m = ctx;
    int injected = enter(m, AVILA_LSM_VFS_APPEND), rc = 0;
    struct mem_file *mf = live_file(m, f, &rc);
    if (!mf)
        return leave(m, rc);
    if (!mf->writable || (!p && n != 0))
        return leave(m, AVILA_EINVAL);
    if (injected != 0) {
        /* A failed write may still have written a part: the first half. */
        (void)avila_buf_append(&mf->node->data, p, n / 2);
        return leave(m, injected);
    }
    return leave(m, avila_buf_append(&mf->node->data, p, n));
}

static int mem_sync(void *ctx, struct avila_lsm_file *f)
{
    struct avila_lsm_vfs_mem *m = ctx;
    int rc = enter(m, AVILA_LSM_VFS_SYNC);
    if (rc != 0)
        return leave(m, rc);
    struct mem_file *mf = live_file(m, f, &rc);
    if (!mf)
        return leave(m, rc);
    mf->node->synced = mf->node->data.len;
    return leave(m, 0);
}

static int mem_read(void *ctx, struct avila_lsm_file *f, uint64_t off, void *p, size_t n,
                    size_t *got)
{
    struct avila_lsm_vfs_mem *m = ctx;
    int rc = enter(m, AVILA_LSM_VFS_READ);
    if (rc != 0)
        return leave(m, rc);
    struct mem_file *mf = live_file(m, f, &rc);
    if (!mf)
        return leave(m, rc);
    if (!got || (!p && n != 0))
        return leave(m, AVILA_EINVAL);
    size_t len = mf->node->data.len, k = 0;
    if (off < len) {
        k = len - (size_t)off;
        if (k > n)
            k = n;
        memcpy(p, mf->node->data.data + off, k);
    }
    *got = k;
    return leave(m, 0);
}

static int mem_size(void *ctx, struct avila_lsm_file *f, uint64_t *size)
{
    struct avila_lsm_vfs_mem *m = ctx;
    int rc = enter(m, AVILA_LSM_VFS_SIZE);
    if (rc != 0)
        return leave(m, rc);
    struct mem_file *mf = live_file(m, f, &rc);
    if (!mf)
        return leave(m, rc);
    if (!size)
        return leave(m, AVILA_EINVAL);
    *size = mf->node->data.len;
    return leave(m, 0);
}

static void mem_close(void *ctx, struct avila_lsm_file *f)
{
    struct avila_lsm_vfs_mem *m = ctx;
    if (!f)
        return;
    if (m->cfg.mutex_lock)
        m->cfg.mutex_lock(m->cfg.mutex);
    AVILA_DELETE(m->a, (struct mem_file *)(void *)f, struct mem_file);
    m->open_handles--;
    (void)leave(m, 0);
}

static int mem_sync_dir(void *ctx, const char *dir)
{
    struct avila_lsm_vfs_mem *m = ctx;
    int rc = enter(m, AVILA_LSM_VFS_SYNC_DIR);
    if (rc != 0)
        return leave(m, rc);
    struct avila_lsm_mem_node *d = resolve(m, dir, &rc);
    if (!d)
        return leave(m, rc);
    if (!d->is_dir)
        return leave(m, AVILA_ENOTFOUND);
    return leave(m, table_copy(m, &d->dur, &d->cur));
}

static int mem_rename(void *ctx, const char *from, const char *to)
{
    struct avila_lsm_vfs_mem *m = ctx;
    int rc = enter(m, AVILA_LSM_VFS_RENAME);
    if (rc != 0)
        return leave(m, rc);
    struct avila_lsm_mem_node *fd, *td;
    const char *fname, *tname;
    size_t flen, tlen;
    rc = resolve_parent(m, from, &fd, &fname, &flen);
    if (rc == 0)
        rc = resolve_parent(m, to, &td, &tname, &tlen);
    if (rc != 0)
        return leave(m, rc);
    struct mem_entry *src = table_find(&fd->cur, fname, flen);
    if (!src)
        return leave(m, AVILA_ENOTFOUND);
    struct avila_lsm_mem_node *n = src->node;
    if (fd == td && flen == tlen && memcmp(fname, tname, flen) == 0)
        return leave(m, 0);
    const struct mem_entry *dst = table_find(&td->cur, tname, tlen);
    if (n->is_dir)
        return leave(m, AVILA_EINVAL); /* not supported here (the engine renames files only) */
    if (dst && dst->node->is_dir)
        return leave(m, AVILA_EEXIST);
    rc = table_set(m, &td->cur, tname, tlen, n);
    if (rc != 0)
        return leave(m, rc);
    src = table_find(&fd->cur, fname, flen); /* table_set may have moved the entries */
    table_remove(&fd->cur, src);
    return leave(m, 0);
}

static int mem_unlink(void *ctx, const char *path)
{
    struct avila_lsm_vfs_mem *m = ctx;
    int rc = enter(m, AVILA_LSM_VFS_UNLINK);
    if (rc != 0)
        return leave(m, rc);
    struct avila_lsm_mem_node *d;
    const char *name;
    size_t len;
    rc = resolve_parent(m, path, &d, &name, &len);
    if (rc != 0)
        return leave(m, rc);
    struct mem_entry *e = table_find(&d->cur, name, len);
    if (!e)
        return leave(m, AVILA_ENOTFOUND);
    if (e->node->is_dir && e->node->cur.n != 0)
        return leave(m, AVILA_EEXIST);
    table_remove(&d->cur, e);
    return leave(m, 0);
}

static int mem_list(void *ctx, const char *dir, struct avila_buf *names)
{
    struct avila_lsm_vfs_mem *m = ctx;
    int rc = enter(m, AVILA_LSM_VFS_LIST);
    if (rc != 0)
        return leave(m, rc);
    if (!names)
        return leave(m, AVILA_EINVAL);
    const struct avila_lsm_mem_node *d = resolve(m, dir, &rc);
    if (!d)
        return leave(m, rc);
    if (!d->is_dir)
        return leave(m, AVILA_ENOTFOUND);
    if (d->cur.n > INT32_MAX)
        return leave(m, AVILA_ELIMIT);
    for (size_t i = 0; i < d->cur.n; i++) {
        rc = avila_buf_append(names, d->cur.e[i].name, d->cur.e[i].len + 1);
        if (rc != 0)
            return leave(m, rc);
    }
    return leave(m, (int)d->cur.n);
}

static int mem_mkdir(void *ctx, const char *path)
{
    struct avila_lsm_vfs_mem *m = ctx;
    int rc = enter(m, AVILA_LSM_VFS_MKDIR);
    if (rc != 0)
        return leave(m, rc);
    struct avila_lsm_mem_node *d;
    const char *name;
    size_t len;
    rc = resolve_parent(m, path, &d, &name, &len);
    if (rc != 0)
        return leave(m, rc);
    if (table_find(&d->cur, name, len))
        return leave(m, AVILA_EEXIST);
    rc = table_reserve(m, &d->cur, d->cur.n + 1);
    if (rc != 0)
        return leave(m, rc);
    struct avila_lsm_mem_node *n = node_new(m, true);
    if (!n)
        return leave(m, AVILA_ENOMEM);
    return leave(m, table_set(m, &d->cur, name, len, n));
}

static int mem_lock(void *ctx, const char *path, struct avila_lsm_lock **out)
{
    struct avila_lsm_vfs_mem *m = ctx;
    int rc = enter(m, AVILA_LSM_VFS_LOCK);
    if (rc != 0 || !out)
        return leave(m, rc != 0 ? rc : AVILA_EINVAL);
    struct avila_lsm_mem_node *d;
    const char *name;
    size_t len;
    rc = resolve_parent(m, path, &d, &name, &len);
    if (rc != 0)
        return leave(m, rc);
    const struct mem_entry *e = table_find(&d->cur, name, len);
    struct avila_lsm_mem_node *n = e ? e->node : NULL;
    if (n && n->is_dir)
        return leave(m, AVILA_EEXIST);
    if (n && n->locked)
        return leave(m, AVILA_ESTATE);
    struct mem_lock *l = AVILA_NEW(m->a, struct mem_lock);
    if (!l)
        return leave(m, AVILA_ENOMEM);
    if (!n) {
        rc = table_reserve(m, &d->cur, d->cur.n + 1);
        n = rc == 0 ? node_new(m, false) : NULL;
        if (!n) {
            AVILA_DELETE(m->a, l, struct mem_lock);
            return leave(m, AVILA_ENOMEM);
        }
        (void)table_set(m, &d->cur, name, len, n); /* cannot fail: reserved */
    }
    n->locked = true;
    l->node = n;
    l->epoch = m->epoch;
    m->open_handles++;
    *out = (struct avila_lsm_lock *)(void *)l;
    return leave(m, 0);
}

static void mem_unlock(void *ctx, struct avila_lsm_lock *lk)
{
    struct avila_lsm_vfs_mem *m = ctx;
    struct mem_lock *l = (struct mem_lock *)(void *)lk;
    if (!l)
        return;
    if (m->cfg.mutex_lock)
        m->cfg.mutex_lock(m->cfg.mutex);
    if (l->epoch == m->epoch)
        l->node->locked = false; /* a lock from before a crash was dropped already */
    AVILA_DELETE(m->a, l, struct mem_lock);
    m->open_handles--;
    (void)leave(m, 0);
}

/* ---------------------------------------------------------------- the rest of the API */

int avila_lsm_vfs_mem_init(struct avila_lsm_vfs_mem *m, const struct avila_allocator *a,
                           const struct avila_lsm_vfs_mem_config *cfg)
{
    memset(m, 0, sizeof(*m));
    m->a = a;
    if (cfg)
        m->cfg = *cfg;
    m->root = node_new(m, true);
    return m->root ? 0 : AVILA_ENOMEM;
}

void avila_lsm_vfs_mem_release(struct avila_lsm_vfs_mem *m)
{
    struct avila_lsm_mem_node *n = m->nodes;
    while (n) {
        struct avila_lsm_mem_node *next = n->all_next;
        avila_buf_release(&n->data);
        table_free(m, &n->cur);
        table_free(m, &n->dur);
        AVILA_DELETE(m->a, n, struct avila_lsm_mem_node);
        n = next;
    }
    m->nodes = NULL;
    m->root = NULL;
}

void avila_lsm_vfs_mem_vfs(struct avila_lsm_vfs_mem *m, struct avila_lsm_vfs *vfs)
{
    *vfs = (struct avila_lsm_vfs){
        .open_append = mem_open_append,
        .open_read = mem_open_read,
        .append = mem_append,
        .sync = mem_sync,
        .read = mem_read,
        .size = mem_size,
        .close = mem_close,
        .sync_dir = mem_sync_dir,
        .rename = mem_rename,
        .unlink = mem_unlink,
        .list = mem_list,
        .mkdir = mem_mkdir,
        .lock = mem_lock,
        .unlock = mem_unlock,
        .ctx = m,
    };
}

void avila_lsm_vfs_mem_crash(struct avila_lsm_vfs_mem *m, unsigned flags, uint64_t seed)
{
    if (m->cfg.mutex_lock)
        m->cfg.mutex_lock(m->cfg.mutex);
    uint64_t rng = seed;
    for (struct avila_lsm_mem_node *n = m->nodes; n; n = n->all_next) {
        n->locked = false;
        if (n->is_dir) {
            bool keep = (flags & AVILA_LSM_VFS_MEM_DIR_ANY) && (splitmix64(&rng) & 1);
            /*
             * Reverting never allocates: cur's capacity only grows, and dur
             * was a copy of cur. Keeping may need memory; without it the
             * directory reverts instead (still a state a crash may leave).
             */
            if (!keep || table_copy(m, &n->dur, &n->cur) != 0)
                (void)table_copy(m, &n->cur, &n->dur);
            continue;
        }
        size_t keep = n->synced, unsynced = n->data.len - n->synced;
        if ((flags & AVILA_LSM_VFS_MEM_TEAR) && unsynced > 0) {
            keep += (size_t)(splitmix64(&rng) % (unsynced + 1));
            if ((flags & AVILA_LSM_VFS_MEM_ZEROS) && keep > n->synced) {
                size_t torn = keep - n->synced;
                size_t zeros = (size_t)(splitmix64(&rng) % (torn + 1));
                memset(n->data.data + keep - zeros, 0, zeros);
            }
        }
        n->data.len = keep;
        n->synced = keep;
    }
    m->epoch++;
    (void)leave(m, 0);
}

void avila_lsm_vfs_mem_fail(struct avila_lsm_vfs_mem *m, enum avila_lsm_vfs_op op, uint64_t nth,
                            int err, bool sticky)
{
    if ((unsigned)op >= AVILA_LSM_VFS_OP_COUNT)
        return;
    m->fail_at[op] = nth;
    m->fail_err[op] = err;
    m->fail_sticky[op] = sticky;
}

void avila_lsm_vfs_mem_reset_counts(struct avila_lsm_vfs_mem *m)
{
    for (size_t i = 0; i < AVILA_LSM_VFS_OP_COUNT; i++) {
        m->calls[i] = 0;
        m->fail_at[i] = 0;
        m->fail_err[i] = 0;
        m->fail_sticky[i] = false;
    }
}

uint64_t avila_lsm_vfs_mem_calls(const struct avila_lsm_vfs_mem *m, enum avila_lsm_vfs_op op)
{
    return (unsigned)op < AVILA_LSM_VFS_OP_COUNT ? m->calls[op] : 0;
}

int avila_lsm_vfs_mem_file(struct avila_lsm_vfs_mem *m, const char *path, uint8_t **data,
                           size_t *len, size_t *synced)
{
    int rc = 0;
    struct avila_lsm_mem_node *n = resolve(m, path, &rc);
    if (!n)
        return rc;
    if (n->is_dir)
        return AVILA_ENOTFOUND;
    *data = n->data.data;
    *len = n->data.len;
    if (synced)
        *synced = n->synced;
    return 0;
}
