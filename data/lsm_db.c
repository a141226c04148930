/*
 * data/lsm_db.c - the LSM store: open and recovery, the write path with
 * group commit and stalls, point reads, snapshots, statistics and the
 * integrity check. Background work is in lsm_db_bg.c, iterators in
 * lsm_db_iter.c. OS code (POSIX threads).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "data/lsm_batch.h"
#include "data/lsm_bloom.h"
#include "data/lsm_db_int.h"

/* A write group joins batches up to this many bytes (LevelDB's 1 MiB). */
#define GROUP_MAX_BYTES ((size_t)1 << 20)

static void defaults(struct avila_lsm_options *o)
{
    if (o->memtable_bytes == 0)
        o->memtable_bytes = (size_t)8 << 20;
    if (o->block_bytes == 0)
        o->block_bytes = 4096;
    if (o->cache_bytes == 0)
        o->cache_bytes = (size_t)32 << 20;
    if (o->table_bytes == 0)
        o->table_bytes = (size_t)16 << 20;
    if (o->max_open_files == 0)
        o->max_open_files = 1000;
    if (o->bloom_bits_per_key == 0)
        o->bloom_bits_per_key = 10;
    if (o->l0_compaction_trigger == 0)
        o->l0_compaction_trigger = 4;
    if (o->l0_slowdown == 0)
        o->l0_slowdown = 20;
    if (o->l0_stop == 0)
        o->l0_stop = 36;
    if (o->level1_bytes == 0)
        o->level1_bytes = (uint64_t)64 << 20;
    if (o->compaction_threads == 0)
        o->compaction_threads = 1;
}

static int check_options(const struct avila_lsm_options *o)
{
    if (o->memtable_bytes < ((size_t)64 << 10) || o->memtable_bytes > ((size_t)1 << 30))
        return AVILA_EINVAL;
    if (o->block_bytes > AVILA_LSM_TABLE_MAX_BLOCK_SIZE || o->table_bytes < ((size_t)64 << 10))
        return AVILA_EINVAL;
    if (o->bloom_bits_per_key > AVILA_LSM_BLOOM_MAX_BITS_PER_KEY)
        return AVILA_EINVAL;
    if (o->l0_compaction_trigger > o->l0_slowdown || o->l0_slowdown > o->l0_stop)
        return AVILA_EINVAL;
    if (o->compaction_threads > AVILA_LSM_MAX_COMPACTION_THREADS || o->max_open_files < 16)
        return AVILA_EINVAL;
    return 0;
}

void avila_lsm_db_path(const struct avila_lsm_db *db, char *out, enum avila_lsm_file_kind kind,
                       uint64_t number)
{
    /* dir was checked against AVILA_LSM_MAX_DIR_LEN at open: this cannot fail. */
    (void)avila_lsm_file_path(out, AVILA_LSM_PATH_MAX, db->dir, kind, number);
}

/* ---------------------------------------------------------------- memtables */

static int mem_new(struct avila_lsm_db *db, uint64_t wal_number, struct lsm_mem **out)
{
    struct lsm_mem *m = AVILA_NEW(db->a, struct lsm_mem);
    if (m == NULL)
        return AVILA_ENOMEM;
    memset(m, 0, sizeof(*m));
    struct avila_lsm_memtable_config cfg = {.limit_bytes = db->opt.memtable_bytes};
    int rc = avila_lsm_memtable_init(&m->points, db->a, &cfg);
    if (rc == 0) {
        rc = avila_lsm_memtable_init(&m->ranges, db->a, NULL);
        if (rc != 0)
            avila_lsm_memtable_release(&m->points);
    }
    if (rc != 0) {
        AVILA_DELETE(db->a, m, struct lsm_mem);
        return rc;
    }
    m->wal_number = wal_number;
    m->refs = 1;
    *out = m;
    return 0;
}

void avila_lsm_db_mem_unref(struct avila_lsm_db *db, struct lsm_mem *m)
{
    if (m == NULL || --m->refs > 0)
        return;
    avila_lsm_memtable_release(&m->points);
    avila_lsm_memtable_release(&m->ranges);
    AVILA_DELETE(db->a, m, struct lsm_mem);
}

/* Adds every entry of a well-formed batch to m. Writer only. */
static int mem_apply(struct lsm_mem *m, const uint8_t *p, size_t len)
{
    struct avila_lsm_batch_iter it;
    struct avila_lsm_batch_entry e;
    int rc = avila_lsm_batch_iter_init(&it, p, len);
    while (rc == 0 && (rc = avila_lsm_batch_iter_next(&it, &e)) == 1) {
        struct avila_lsm_memtable *t = e.kind == AVILA_LSM_RANGE_DELETE ? &m->ranges : &m->points;
        rc = avila_lsm_memtable_add(t, e.seq, e.kind, e.key, e.value);
    }
    return rc;
}

static bool mem_empty(const struct lsm_mem *m)
{
    return avila_lsm_memtable_count(&m->points) == 0 && avila_lsm_memtable_count(&m->ranges) == 0;
}

/* ---------------------------------------------------------------- WAL files */

/* Starts a new WAL file (made durable in the directory) as the one writes go to. */
static int wal_open_new(struct avila_lsm_db *db, uint64_t number)
{
    char path[AVILA_LSM_PATH_MAX];
    avila_lsm_db_path(db, path, AVILA_LSM_FILE_WAL, number);
    struct avila_lsm_file *f;
    int rc = avila_lsm_vfs_open_append(db->vfs, path, &f);
    if (rc != 0)
        return rc;
    rc = db->vfs->sync_dir(db->vfs->ctx, db->dir);
    if (rc != 0) {
        avila_lsm_vfs_close(db->vfs, f);
        return rc;
    }
    if (db->wal_file != NULL)
        avila_lsm_vfs_close(db->vfs, db->wal_file);
    db->wal_file = f;
    avila_lsm_wal_writer_init(db->wal, db->vfs, f, 0);
    db->wal_number = number;
    return 0;
}

/*
 * Replays the WAL number into *mem; a memtable that fills is written to a
 * level-0 table added to the recovery edit e (logged once at the end, so a
 * crash during recovery leaves the logs as they were). *torn tells whether
 * a torn tail was dropped, *records whether the WAL held any record.
 */
static int wal_replay(struct avila_lsm_db *db, uint64_t number, struct lsm_mem **mem,
                      struct avila_lsm_edit *e, bool *torn, bool *records)
{
    char path[AVILA_LSM_PATH_MAX];
    avila_lsm_db_path(db, path, AVILA_LSM_FILE_WAL, number);
    struct avila_lsm_file *f;
    int rc = avila_lsm_vfs_open_read(db->vfs, path, &f);
    if (rc != 0)
        return rc;
    struct avila_lsm_wal_reader r;
    rc = avila_lsm_wal_reader_init(&r, db->vfs, f, db->a);
    if (rc != 0) {
        avila_lsm_vfs_close(db->vfs, f);
        return rc;
    }
    struct avila_slice rec;
    uint32_t count;
    while ((rc = avila_lsm_wal_reader_next(&r, &rec)) == 1) {
        *records = true;
        struct avila_lsm_batch_iter bi;
        if (avila_lsm_batch_check(rec.ptr, rec.len, &count) != 0 ||
            avila_lsm_batch_iter_init(&bi, rec.ptr, rec.len) != 0) {
            rc = AVILA_EFORMAT;
            break;
        }
        if (count == 0)
            continue;
        rc = mem_apply(*mem, rec.ptr, rec.len);
        if (rc != 0)
            break;
        if (bi.seq + count - 1 > avila_lsm_vset_last_seq(&db->vs))
            avila_lsm_vset_set_last_seq(&db->vs, bi.seq + count - 1);
        if (avila_lsm_memtable_full(&(*mem)->points)) {
            rc = avila_lsm_db_bg_build_level0(db, *mem, e);
            avila_lsm_db_mem_unref(db, *mem);
            *mem = NULL;
            if (rc == 0)
                rc = mem_new(db, 0, mem);
            if (rc != 0)
                break;
        }
    }
    *torn = rc == 0 && avila_lsm_wal_reader_dropped(&r) > 0;
    avila_lsm_wal_reader_release(&r);
    avila_lsm_vfs_close(db->vfs, f);
    return rc;
}

/* ---------------------------------------------------------------- file lists */

int avila_lsm_db_numbers_add(void *ctx, uint64_t number)
{
    struct avila_lsm_db_numbers *l = ctx;
    if (l->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 16;
        uint64_t *p = avila_realloc(l->a, l->v, l->cap * sizeof(uint64_t), ncap * sizeof(uint64_t),
                                    _Alignof(uint64_t));
        if (p == NULL)
            return AVILA_ENOMEM;
        l->v = p;
        l->cap = ncap;
    }
    l->v[l->n++] = number;
    return 0;
}

bool avila_lsm_db_numbers_has(const struct avila_lsm_db_numbers *l, uint64_t number)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i] == number)
            return true;
    return false;
}

void avila_lsm_db_numbers_release(struct avila_lsm_db_numbers *l)
{
    avila_free(l->a, l->v, l->cap * sizeof(uint64_t), _Alignof(uint64_t));
    l->v = NULL;
    l->n = l->cap = 0;
}

int avila_lsm_db_list_files(struct avila_lsm_db *db,
                            int (*fn)(void *ctx, enum avila_lsm_file_kind kind, uint64_t number),
                            void *ctx)
{
    struct avila_buf names;
    avila_buf_init(&names, db->a, (size_t)64 << 20);
    int rc = db->vfs->list(db->vfs->ctx, db->dir, &names);
    for (size_t off = 0; rc >= 0 && off < names.len;) {
        const char *name = (const char *)names.data + off;
        size_t len = strlen(name);
        off += len + 1;
        enum avila_lsm_file_kind kind;
        uint64_t num;
        if (avila_lsm_file_parse(avila_slice_make(name, len), &kind, &num) == 0)
            rc = fn(ctx, kind, num);
    }
    avila_buf_release(&names);
    return rc < 0 ? rc : 0;
}

/* Recovery's view of the directory: numbers in use, and the WALs to replay. */
struct wal_scan {
    struct avila_lsm_db *db;
    struct avila_lsm_db_numbers wals;
};

static int wal_scan_file(void *ctx, enum avila_lsm_file_kind kind, uint64_t number)
{
    struct wal_scan *ws = ctx;
    if (kind == AVILA_LSM_FILE_WAL || kind == AVILA_LSM_FILE_TABLE)
        avila_lsm_vset_mark_file_number_used(&ws->db->vs, number);
    if (kind != AVILA_LSM_FILE_WAL || number < avila_lsm_vset_log_number(&ws->db->vs))
        return 0;
    return avila_lsm_db_numbers_add(&ws->wals, number);
}

/* Collects the numbers of WALs at or above the log number, sorted (caller releases). */
static int wal_list(struct avila_lsm_db *db, struct avila_lsm_db_numbers *out)
{
    struct wal_scan ws = {.db = db, .wals = {.a = db->a}};
    int rc = avila_lsm_db_list_files(db, wal_scan_file, &ws);
    if (rc != 0) {
        avila_lsm_db_numbers_release(&ws.wals);
        return rc;
    }
    uint64_t *v = ws.wals.v;
    for (size_t i = 1; i < ws.wals.n; i++) /* insertion sort: a handful of logs */
        for (size_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
            uint64_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    *out = ws.wals;
    return 0;
}

/*
 * Recovery: replays the WALs the MANIFEST does not cover into level-0
 * tables, starts a new WAL, and logs the tables and that the old WALs are
 * obsolete in one edit. The last sequence number the MANIFEST holds may
 * be above the WALs' (it is logged as it was when a flush ended); entries
 * are never skipped by it: every WAL at or above the log number holds only
 * entries that no table has.
 */
static int recover(struct avila_lsm_db *db)
{
    struct avila_lsm_db_numbers wals;
    int rc = wal_list(db, &wals);
    if (rc != 0)
        return rc;
    struct avila_lsm_edit e;
    avila_lsm_edit_init(&e, db->a);
    struct lsm_mem *m = NULL;
    rc = mem_new(db, 0, &m);
    /*
     * A torn tail is what a crash leaves in the newest WAL that holds
     * records. An older WAL was synced before the next one got its first
     * record, so a torn tail followed by records is damage: dropping it
     * would leave a hole. (Newer WALs without records are what a recovery
     * that failed after starting its new WAL leaves: the torn one is
     * still the last written.)
     */
    bool torn = false;
    for (size_t i = 0; rc == 0 && i < wals.n; i++) {
        bool t = false, records = false;
        rc = wal_replay(db, wals.v[i], &m, &e, &t, &records);
        if (rc == 0 && torn && records)
            rc = AVILA_EFORMAT;
        torn = torn || t;
    }
    avila_lsm_db_numbers_release(&wals);
    if (rc == 0 && !mem_empty(m))
        rc = avila_lsm_db_bg_build_level0(db, m, &e);
    uint64_t wal = 0;
    if (rc == 0) {
        wal = avila_lsm_vset_new_file_number(&db->vs);
        rc = wal_open_new(db, wal);
    }
    if (rc == 0) {
        avila_lsm_edit_set_log_number(&e, wal);
        rc = avila_lsm_vset_log_and_apply(&db->vs, &e);
    }
    db->pending_flush = 0;
    avila_lsm_edit_release(&e);
    avila_lsm_db_mem_unref(db, m);
    if (rc == 0)
        rc = mem_new(db, wal, &db->mem);
    return rc;
}

/* ---------------------------------------------------------------- open and close */

static void cache_lock(void *ctx, unsigned shard)
{
    pthread_mutex_lock(&((struct avila_lsm_db *)ctx)->cache_mu[shard]);
}

static void cache_unlock(void *ctx, unsigned shard)
{
    pthread_mutex_unlock(&((struct avila_lsm_db *)ctx)->cache_mu[shard]);
}

static void db_free(struct avila_lsm_db *db)
{
    avila_lsm_db_tables_release(db);
    avila_lsm_db_mem_unref(db, db->mem);
    avila_lsm_db_mem_unref(db, db->imm);
    if (db->wal_file != NULL)
        avila_lsm_vfs_close(db->vfs, db->wal_file);
    if (db->wal != NULL)
        AVILA_DELETE(db->a, db->wal, struct avila_lsm_wal_writer);
    if (db->vs.vfs != NULL)
        avila_lsm_vset_close(&db->vs);
    avila_lsm_cache_release_all(&db->cache);
    avila_buf_release(&db->group);
    if (db->lock != NULL)
        db->vfs->unlock(db->vfs->ctx, db->lock);
    for (unsigned i = 0; i < AVILA_LSM_CACHE_DEFAULT_SHARDS; i++)
        pthread_mutex_destroy(&db->cache_mu[i]);
    pthread_cond_destroy(&db->bg_cv);
    pthread_cond_destroy(&db->work_cv);
    pthread_mutex_destroy(&db->mu);
    AVILA_DELETE(db->a, db, struct avila_lsm_db);
}

/* Makes dir if asked, takes the lock, opens or creates the version set. */
static int open_files(struct avila_lsm_db *db)
{
    if (db->opt.create_if_missing) {
        int rc = db->vfs->mkdir(db->vfs->ctx, db->dir);
        if (rc == 0) { /* the new directory's own entry must survive a crash too */
            char parent[AVILA_LSM_MAX_DIR_LEN + 1];
            size_t n = strlen(db->dir);
            while (n > 1 && db->dir[n - 1] == '/')
                n--; /* "a/b/" names "a/b" */
            while (n > 0 && db->dir[n - 1] != '/')
                n--;
            if (n == 0) {
                memcpy(parent, ".", 2);
            } else {
                n = n > 1 ? n - 1 : 1; /* "/x" -> "/", "a/b" -> "a" */
                memcpy(parent, db->dir, n);
                parent[n] = '\0';
            }
            rc = db->vfs->sync_dir(db->vfs->ctx, parent);
        }
        if (rc != 0 && rc != AVILA_EEXIST)
            return rc;
    }
    char path[AVILA_LSM_PATH_MAX];
    avila_lsm_db_path(db, path, AVILA_LSM_FILE_LOCK, 0);
    int rc = db->vfs->lock(db->vfs->ctx, path, &db->lock);
    if (rc != 0)
        return rc;
    avila_lsm_db_path(db, path, AVILA_LSM_FILE_CURRENT, 0);
    struct avila_lsm_file *f;
    rc = avila_lsm_vfs_open_read(db->vfs, path, &f);
    if (rc == 0) {
        avila_lsm_vfs_close(db->vfs, f);
        if (db->opt.error_if_exists)
            return AVILA_EEXIST;
    } else if (rc != AVILA_ENOTFOUND) {
        return rc;
    }
    struct avila_lsm_vset_options vo = {
        .l0_compaction_trigger = db->opt.l0_compaction_trigger,
        .max_bytes_for_level_base = db->opt.level1_bytes,
        .target_file_size = db->opt.table_bytes,
    };
    rc = avila_lsm_vset_open(&db->vs, db->vfs, db->a, db->dir, &vo, db->opt.create_if_missing);
    if (rc != 0)
        db->vs.vfs = NULL;
    return rc;
}

int avila_lsm_open(struct avila_lsm_db **out, const char *dir, const struct avila_lsm_options *opt,
                   const struct avila_allocator *a)
{
    if (out == NULL || dir == NULL || dir[0] == '\0' || strlen(dir) > AVILA_LSM_MAX_DIR_LEN)
        return AVILA_EINVAL;
    if (a == NULL)
        a = avila_allocator_libc();
    struct avila_lsm_db *db = AVILA_NEW(a, struct avila_lsm_db);
    if (db == NULL)
        return AVILA_ENOMEM;
    memset(db, 0, sizeof(*db));
    db->a = a;
    if (opt != NULL)
        db->opt = *opt;
    defaults(&db->opt);
    pthread_mutex_init(&db->mu, NULL);
    pthread_cond_init(&db->bg_cv, NULL);
    pthread_cond_init(&db->work_cv, NULL);
    for (unsigned i = 0; i < AVILA_LSM_CACHE_DEFAULT_SHARDS; i++)
        pthread_mutex_init(&db->cache_mu[i], NULL);
    db->snapshots.prev = db->snapshots.next = &db->snapshots;
    avila_buf_init(&db->group, a, AVILA_LSM_WAL_MAX_RECORD);
    memcpy(db->dir, dir, strlen(dir) + 1);
    if (db->opt.vfs == NULL)
        avila_lsm_vfs_posix(&db->posix, a);
    db->vfs = db->opt.vfs != NULL ? db->opt.vfs : &db->posix;

    struct avila_lsm_cache_config cc = {
        .capacity_bytes = db->opt.cache_bytes,
        .shards = AVILA_LSM_CACHE_DEFAULT_SHARDS,
        .lock = cache_lock,
        .unlock = cache_unlock,
        .lock_ctx = db,
    };
    int rc = check_options(&db->opt);
    if (rc == 0)
        rc = avila_lsm_cache_init(&db->cache, a, &cc);
    if (rc == 0)
        rc = avila_lsm_db_tables_init(&db->tables, db->opt.max_open_files, a);
    if (rc == 0) {
        db->wal = AVILA_NEW(a, struct avila_lsm_wal_writer);
        rc = db->wal != NULL ? 0 : AVILA_ENOMEM;
    }
    if (rc == 0)
        rc = open_files(db);
    if (rc == 0) {
        pthread_mutex_lock(&db->mu);
        rc = recover(db);
        if (rc == 0)
            avila_lsm_db_bg_delete_obsolete(db);
        pthread_mutex_unlock(&db->mu);
    }
    if (rc == 0)
        rc = avila_lsm_db_bg_start(db);
    if (rc != 0) {
        db_free(db);
        return rc;
    }
    *out = db;
    return 0;
}

int avila_lsm_close(struct avila_lsm_db *db)
{
    if (db == NULL)
        return 0;
    avila_lsm_db_bg_stop(db);
    int rc = db->bg_error;
    /*
     * Every acknowledged write goes to the WAL, after a background error
     * too (a failed flush or compaction leaves the WAL sound); after a
     * failure of the WAL itself its writer refuses (the torn tail stays last).
     */
    if (db->wal_file != NULL) {
        int frc = avila_lsm_wal_flush(db->wal);
        rc = rc != 0 ? rc : frc;
    }
    db_free(db);
    return rc;
}

/* ---------------------------------------------------------------- writes */

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static size_t level0_files(struct avila_lsm_db *db)
{
    return avila_lsm_vset_current(&db->vs)->nfiles[0];
}

/*
 * Makes room for a write group: delays it a little once level 0 is
 * crowded, waits while the memtable is full and the previous one is still
 * being flushed (or level 0 is at its stop), and turns a full memtable
 * into the immutable one with a new WAL. [mu held; may wait on bg_cv]
 */
static int make_room(struct avila_lsm_db *db, bool force)
{
    bool delayed = false;
    for (;;) {
        if (db->bg_error != 0)
            return db->bg_error;
        if (!delayed && level0_files(db) >= db->opt.l0_slowdown) {
            /* A millisecond per group spreads a stall over many writes. */
            pthread_mutex_unlock(&db->mu);
            struct timespec ts = {0, 1000000};
            nanosleep(&ts, NULL);
            pthread_mutex_lock(&db->mu);
            db->st.slowdowns++;
            delayed = true;
            continue;
        }
        if (!force && !avila_lsm_memtable_full(&db->mem->points))
            return 0;
        if (db->imm != NULL || level0_files(db) >= db->opt.l0_stop) {
            uint64_t t0 = now_us();
            db->st.stalls++;
            avila_lsm_db_bg_kick(db);
            pthread_cond_wait(&db->bg_cv, &db->mu);
            db->st.stall_us += now_us() - t0;
            continue;
        }
        /*
         * Switch: the old WAL is synced first, so that after a crash an
         * older log never lacks records a newer one builds on (the prefix
         * rule of the durability contract).
         */
        int rc = avila_lsm_wal_sync(db->wal);
        uint64_t number = avila_lsm_vset_new_file_number(&db->vs);
        struct lsm_mem *m = NULL;
        if (rc == 0)
            rc = mem_new(db, number, &m);
        if (rc == 0)
            rc = wal_open_new(db, number);
        if (rc != 0) {
            avila_lsm_db_mem_unref(db, m);
            db->bg_error = rc;
            return rc;
        }
        db->imm = db->mem;
        db->mem = m;
        force = false;
        avila_lsm_db_bg_kick(db);
    }
}

/* Joins the queued batches from the leader on into db->group. Returns the last writer taken. */
static struct lsm_writer *build_group(struct avila_lsm_db *db, uint32_t *count, int *err)
{
    struct lsm_writer *w = db->queue, *last = w;
    struct avila_lsm_batch b;
    *err = avila_lsm_batch_init(&b, &db->group);
    if (*err == 0)
        *err = avila_lsm_batch_set_seq(&b, avila_lsm_vset_last_seq(&db->vs) + 1);
    if (*err == 0)
        *err = avila_lsm_batch_append(&b, w->batch, w->len);
    for (struct lsm_writer *n = w->next; *err == 0 && n != NULL; n = n->next) {
        if (n->batch == NULL || (n->sync && !w->sync))
            break; /* a flush leads its own group; a sync write needs a syncing leader */
        if (db->group.len + n->len > GROUP_MAX_BYTES)
            break;
        if (avila_lsm_batch_append(&b, n->batch, n->len) != 0)
            break;
        last = n;
    }
    *count = *err == 0 ? avila_lsm_batch_count(&b) : 0;
    return last;
}

/*
 * Queues a writer and waits until a leader has written it, or leads a
 * group itself: makes room, joins the queued batches, appends them to the
 * WAL (syncing if the leader asks), applies them to the memtable, then
 * publishes the new last sequence number. A writer without a batch only
 * forces the memtable switch (avila_lsm_flush).
 */
static int write_queued(struct avila_lsm_db *db, struct lsm_writer *w)
{
    pthread_cond_init(&w->cv, NULL);
    pthread_mutex_lock(&db->mu);
    if (db->queue_tail != NULL)
        db->queue_tail->next = w;
    else
        db->queue = w;
    db->queue_tail = w;
    while (!w->done && db->queue != w)
        pthread_cond_wait(&w->cv, &db->mu);
    if (w->done) {
        pthread_mutex_unlock(&db->mu);
        pthread_cond_destroy(&w->cv);
        return w->status;
    }

    int rc = make_room(db, w->batch == NULL);
    struct lsm_writer *last = w;
    uint32_t group_count = 0;
    if (rc == 0 && w->batch != NULL)
        last = build_group(db, &group_count, &rc);
    if (rc == 0 && w->batch != NULL) {
        for (struct lsm_writer *n = w;; n = n->next) {
            db->st.user_bytes_written += n->len;
            if (n == last)
                break;
        }
        struct lsm_mem *mem = db->mem;
        pthread_mutex_unlock(&db->mu);
        /* Outside mu: only the leader touches the WAL and the memtable's writer side. */
        if (w->sync) {
            rc = avila_lsm_wal_append(db->wal, db->group.data, db->group.len);
            if (rc == 0)
                rc = avila_lsm_wal_sync(db->wal);
        } else {
            /* Unsynced groups gather in the WAL's buffer: see wal_buffer_flush in lsm_db_bg.c. */
            rc = avila_lsm_wal_append_buffered(db->wal, db->group.data, db->group.len);
        }
        bool buffered = avila_lsm_wal_writer_buffered(db->wal);
        if (rc == 0)
            rc = mem_apply(mem, db->group.data, db->group.len);
        pthread_mutex_lock(&db->mu);
        if (rc == 0) {
            if (buffered && !db->wal_dirty)
                avila_lsm_db_bg_kick(db); /* the flush thread empties the buffer soon */
            db->wal_dirty = buffered;
            db->st.wal_bytes_written += db->group.len + AVILA_LSM_WAL_HEADER_LEN;
            avila_lsm_vset_set_last_seq(&db->vs, avila_lsm_vset_last_seq(&db->vs) + group_count);
        } else if (db->bg_error == 0) {
            db->bg_error = rc; /* the WAL or the memtable may now be ahead of last_seq */
        }
    }
    /* Complete every writer of the group (they head the queue) and hand the lead on. */
    while (db->queue != NULL) {
        struct lsm_writer *n = db->queue;
        db->queue = n->next;
        if (db->queue == NULL)
            db->queue_tail = NULL;
        if (n != w) {
            n->status = rc;
            n->done = true;
            pthread_cond_signal(&n->cv);
        }
        if (n == last)
            break;
    }
    if (db->queue != NULL)
        pthread_cond_signal(&db->queue->cv);
    pthread_mutex_unlock(&db->mu);
    pthread_cond_destroy(&w->cv);
    return rc;
}

int avila_lsm_write(struct avila_lsm_db *db, const uint8_t *p, size_t len,
                    const struct avila_lsm_write_options *wo)
{
    if (db == NULL || p == NULL)
        return AVILA_EINVAL;
    if (len > AVILA_LSM_WAL_MAX_RECORD - GROUP_MAX_BYTES)
        return AVILA_EINVAL; /* it would not fit in one WAL record with its group */
    if (avila_lsm_batch_check(p, len, NULL) != 0)
        return AVILA_EFORMAT;
    struct lsm_writer w = {.batch = p, .len = len};
    w.sync = wo == NULL || wo->sync < 0 ? db->opt.sync : wo->sync != 0;
    return write_queued(db, &w);
}

/* Builds a one-entry batch on the stack (or the heap for large ones) and writes it. */
static int write_one(struct avila_lsm_db *db, enum avila_lsm_kind kind, struct avila_slice key,
                     struct avila_slice value, const struct avila_lsm_write_options *wo)
{
    uint8_t stack[512];
    struct avila_buf b;
    if (key.len + value.len + 64 <= sizeof(stack))
        avila_buf_init_fixed(&b, stack, sizeof(stack));
    else
        avila_buf_init(&b, db->a, AVILA_LSM_WAL_MAX_RECORD);
    struct avila_lsm_batch batch;
    int rc = avila_lsm_batch_init(&batch, &b);
    if (rc == 0)
        rc = kind == AVILA_LSM_VALUE    ? avila_lsm_batch_put(&batch, key, value)
             : kind == AVILA_LSM_DELETE ? avila_lsm_batch_del(&batch, key)
                                        : avila_lsm_batch_del_range(&batch, key, value);
    if (rc == 0)
        rc = avila_lsm_write(db, b.data, b.len, wo);
    avila_buf_release(&b);
    return rc;
}

int avila_lsm_put(struct avila_lsm_db *db, struct avila_slice key, struct avila_slice value,
                  const struct avila_lsm_write_options *wo)
{
    return write_one(db, AVILA_LSM_VALUE, key, value, wo);
}

int avila_lsm_del(struct avila_lsm_db *db, struct avila_slice key,
                  const struct avila_lsm_write_options *wo)
{
    return write_one(db, AVILA_LSM_DELETE, key, avila_slice_make(NULL, 0), wo);
}

int avila_lsm_del_range(struct avila_lsm_db *db, struct avila_slice begin, struct avila_slice end,
                        const struct avila_lsm_write_options *wo)
{
    return write_one(db, AVILA_LSM_RANGE_DELETE, begin, end, wo);
}

/* ---------------------------------------------------------------- reads */

uint64_t avila_lsm_db_read_seq(struct avila_lsm_db *db, const struct avila_lsm_read_options *ro)
{
    if (ro != NULL && ro->snapshot != NULL)
        return ro->snapshot->seq;
    return avila_lsm_vset_last_seq(&db->vs);
}

/* What a point read has found so far, source by source, newest first. */
struct lookup {
    struct avila_lsm_db *db;
    struct avila_slice key;
    uint64_t snapshot;
    bool no_fill_cache;
    bool covered;      /* a range tombstone seen so far covers key */
    uint64_t tomb_seq; /* the largest such tombstone's seq */
    struct avila_buf *value;
    int result; /* 1 value, 0 absent, < 0 error: final once done */
    bool done;
};

static void lookup_tomb(struct lookup *lk, struct avila_slice begin, struct avila_slice end,
                        uint64_t seq)
{
    if (seq > lk->snapshot || avila_lsm_user_cmp(begin, lk->key) > 0 ||
        avila_lsm_user_cmp(lk->key, end) >= 0)
        return;
    if (!lk->covered || seq > lk->tomb_seq) {
        lk->covered = true;
        lk->tomb_seq = seq;
    }
}

/* Settles the lookup on a point entry found with seq (VALUE or DELETE). */
static void lookup_found(struct lookup *lk, bool is_value, uint64_t seq)
{
    lk->done = true;
    lk->result = is_value && !(lk->covered && seq < lk->tomb_seq) ? 1 : 0;
}

static void lookup_mem(struct lookup *lk, struct lsm_mem *m)
{
    /* Range tombstones: those starting at or before the key (usually none). */
    if (avila_lsm_memtable_count(&m->ranges) > 0) {
        struct avila_lsm_memtable_iter it;
        avila_lsm_memtable_iter_init(&it, &m->ranges);
        for (avila_lsm_memtable_iter_seek_first(&it); avila_lsm_memtable_iter_valid(&it);
             avila_lsm_memtable_iter_next(&it)) {
            struct avila_lsm_ikey ik;
            struct avila_slice k = avila_lsm_memtable_iter_key(&it);
            if (avila_lsm_ikey_parse(k.ptr, k.len, &ik) != 0)
                continue;
            if (avila_lsm_user_cmp(ik.user_key, lk->key) > 0)
                break;
            lookup_tomb(lk, ik.user_key, avila_lsm_memtable_iter_value(&it), ik.seq);
        }
    }
    struct avila_slice v;
    uint64_t seq;
    int r = avila_lsm_memtable_get(&m->points, lk->key, lk->snapshot, &v, &seq);
    if (r < 0) {
        lk->done = true;
        lk->result = r;
    } else if (r != AVILA_LSM_MEMTABLE_NOT_FOUND) {
        lookup_found(lk, r == AVILA_LSM_MEMTABLE_VALUE, seq);
        if (lk->result == 1) {
            avila_buf_clear(lk->value);
            int rc = avila_buf_append(lk->value, v.ptr, v.len);
            if (rc != 0)
                lk->result = rc;
        }
    }
}

static int lookup_table(void *ctx, int level, struct avila_lsm_file_meta *f)
{
    (void)level;
    struct lookup *lk = ctx;
    struct lsm_table_entry *e;
    int rc = avila_lsm_db_tables_get(lk->db, f, &e);
    if (rc != 0) {
        lk->result = rc;
        lk->done = true;
        return 1;
    }
    const struct avila_lsm_table *t = e->table;
    if (avila_lsm_table_props(t)->range_deletions > 0) {
        struct avila_lsm_block_iter it;
        uint8_t *kb = avila_alloc(lk->db->a, avila_lsm_table_key_cap(t), 1);
        if (kb == NULL) {
            avila_lsm_db_tables_put(lk->db, e);
            lk->result = AVILA_ENOMEM;
            lk->done = true;
            return 1;
        }
        avila_lsm_block_iter_init(&it, avila_lsm_table_rangedels(t), kb,
                                  avila_lsm_table_key_cap(t));
        for (rc = avila_lsm_block_iter_seek_first(&it); rc == 0 && avila_lsm_block_iter_valid(&it);
             rc = avila_lsm_block_iter_next(&it)) {
            struct avila_lsm_ikey ik;
            struct avila_slice k = avila_lsm_block_iter_key(&it);
            if (avila_lsm_ikey_parse(k.ptr, k.len, &ik) != 0 ||
                avila_lsm_user_cmp(ik.user_key, lk->key) > 0)
                break;
            lookup_tomb(lk, ik.user_key, avila_lsm_block_iter_value(&it), ik.seq);
        }
        avila_free(lk->db->a, kb, avila_lsm_table_key_cap(t), 1);
    }
    uint64_t seq;
    int r = rc < 0 ? rc : avila_lsm_table_get(t, lk->key, lk->snapshot, lk->value, &seq);
    avila_lsm_db_tables_put(lk->db, e);
    if (r < 0) {
        lk->result = r;
        lk->done = true;
    } else if (r != AVILA_LSM_TABLE_NOT_FOUND) {
        lookup_found(lk, r == AVILA_LSM_TABLE_VALUE, seq);
    }
    return lk->done ? 1 : 0;
}

int avila_lsm_get(struct avila_lsm_db *db, const struct avila_lsm_read_options *ro,
                  struct avila_slice key, struct avila_buf *value)
{
    if (db == NULL || value == NULL || key.len > AVILA_LSM_MAX_KEY_LEN)
        return AVILA_EINVAL;
    struct lookup lk = {.db = db, .key = key, .value = value};
    pthread_mutex_lock(&db->mu);
    lk.snapshot = avila_lsm_db_read_seq(db, ro);
    struct lsm_mem *mem = db->mem, *imm = db->imm;
    mem->refs++;
    if (imm != NULL)
        imm->refs++;
    struct avila_lsm_version *v = avila_lsm_vset_current(&db->vs);
    avila_lsm_version_ref(v);
    pthread_mutex_unlock(&db->mu);

    lookup_mem(&lk, mem);
    if (!lk.done && imm != NULL)
        lookup_mem(&lk, imm);
    if (!lk.done)
        avila_lsm_version_for_key(v, key, lk.snapshot, lookup_table, &lk);

    pthread_mutex_lock(&db->mu);
    avila_lsm_db_mem_unref(db, mem);
    avila_lsm_db_mem_unref(db, imm);
    avila_lsm_version_unref(v);
    pthread_mutex_unlock(&db->mu);
    return lk.done ? lk.result : 0;
}

/* ---------------------------------------------------------------- snapshots */

const struct avila_lsm_snapshot *avila_lsm_snapshot_take(struct avila_lsm_db *db)
{
    struct avila_lsm_snapshot *s = AVILA_NEW(db->a, struct avila_lsm_snapshot);
    if (s == NULL)
        return NULL;
    pthread_mutex_lock(&db->mu);
    s->seq = avila_lsm_vset_last_seq(&db->vs);
    s->next = &db->snapshots; /* newest last: the list stays sorted by seq */
    s->prev = db->snapshots.prev;
    s->prev->next = s;
    db->snapshots.prev = s;
    pthread_mutex_unlock(&db->mu);
    return s;
}

void avila_lsm_snapshot_release(struct avila_lsm_db *db, const struct avila_lsm_snapshot *cs)
{
    if (cs == NULL)
        return;
    struct avila_lsm_snapshot *s = (struct avila_lsm_snapshot *)cs;
    pthread_mutex_lock(&db->mu);
    s->prev->next = s->next;
    s->next->prev = s->prev;
    pthread_mutex_unlock(&db->mu);
    AVILA_DELETE(db->a, s, struct avila_lsm_snapshot);
}

uint64_t avila_lsm_snapshot_seq(const struct avila_lsm_snapshot *s)
{
    return s->seq;
}

/* ---------------------------------------------------------------- flush, stats, check */

int avila_lsm_flush(struct avila_lsm_db *db)
{
    pthread_mutex_lock(&db->mu);
    bool empty = mem_empty(db->mem);
    pthread_mutex_unlock(&db->mu);
    struct lsm_writer w = {.batch = NULL};
    int rc = empty ? 0 : write_queued(db, &w);
    pthread_mutex_lock(&db->mu);
    /* bg_error first: a flush that failed before this wait broadcast no one. */
    while (rc == 0 && db->imm != NULL && (rc = db->bg_error) == 0) {
        avila_lsm_db_bg_kick(db);
        pthread_cond_wait(&db->bg_cv, &db->mu);
    }
    pthread_mutex_unlock(&db->mu);
    return rc;
}

int avila_lsm_compact_range(struct avila_lsm_db *db, struct avila_slice begin,
                            struct avila_slice end)
{
    int rc = avila_lsm_flush(db);
    if (rc == 0)
        rc = avila_lsm_db_bg_compact_range(db, begin.len > 0 ? &begin : NULL,
                                           end.len > 0 ? &end : NULL);
    return rc;
}

void avila_lsm_stats(struct avila_lsm_db *db, struct avila_lsm_stats *st)
{
    struct avila_lsm_level_stats ls[AVILA_LSM_LEVELS];
    pthread_mutex_lock(&db->mu);
    *st = db->st;
    avila_lsm_vset_level_stats(&db->vs, ls);
    st->flush_bytes_written = db->vs.io.flush_bytes;
    st->compact_bytes_read = db->vs.io.compact_read;
    st->compact_bytes_written = db->vs.io.compact_written;
    st->memtable_bytes =
        avila_lsm_memtable_bytes(&db->mem->points) + avila_lsm_memtable_bytes(&db->mem->ranges);
    if (db->imm != NULL)
        st->memtable_bytes +=
            avila_lsm_memtable_bytes(&db->imm->points) + avila_lsm_memtable_bytes(&db->imm->ranges);
    st->last_seq = avila_lsm_vset_last_seq(&db->vs);
    pthread_mutex_unlock(&db->mu);
    for (int l = 0; l < AVILA_LSM_LEVELS; l++) {
        st->level_files[l] = ls[l].files;
        st->level_bytes[l] = ls[l].bytes;
    }
    struct avila_lsm_cache_stats cs;
    avila_lsm_cache_stats(&db->cache, &cs);
    st->cache_hits = cs.hits;
    st->cache_misses = cs.misses;
    st->cache_bytes = cs.bytes;
    uint64_t written = st->wal_bytes_written + st->flush_bytes_written + st->compact_bytes_written;
    st->write_amp =
        st->user_bytes_written > 0 ? (double)written / (double)st->user_bytes_written : 0.0;
}

static int report(struct avila_buf *r, const char *what, uint64_t number)
{
    if (r != NULL) {
        char line[160];
        int n =
            snprintf(line, sizeof(line), "%s: table %06llu\n", what, (unsigned long long)number);
        (void)avila_buf_append(r, line, (size_t)n);
    }
    return AVILA_EFORMAT;
}

int avila_lsm_check(struct avila_lsm_db *db, struct avila_buf *rep)
{
    pthread_mutex_lock(&db->mu);
    struct avila_lsm_version *v = avila_lsm_vset_current(&db->vs);
    avila_lsm_version_ref(v);
    pthread_mutex_unlock(&db->mu);
    int rc = 0;
    for (int l = 0; rc == 0 && l < AVILA_LSM_LEVELS; l++) {
        for (size_t i = 0; rc == 0 && i < v->nfiles[l]; i++) {
            const struct avila_lsm_file_meta *f = v->files[l][i];
            struct lsm_table_entry *e;
            rc = avila_lsm_db_tables_get(db, f, &e);
            if (rc != 0) {
                rc = report(rep, rc == AVILA_ENOTFOUND ? "missing" : avila_strerror(rc), f->number);
                break;
            }
            const struct avila_lsm_table_props *p = avila_lsm_table_props(e->table);
            if (avila_lsm_table_check(e->table) != 0)
                rc = report(rep, "damaged", f->number);
            else if (p->smallest.len > 0 && (avila_lsm_ikey_cmp(p->smallest, f->smallest) != 0 ||
                                             avila_lsm_ikey_cmp(p->largest, f->largest) != 0))
                rc = report(rep, "key range differs from the MANIFEST's", f->number);
            avila_lsm_db_tables_put(db, e);
        }
    }
    pthread_mutex_lock(&db->mu);
    avila_lsm_version_unref(v);
    pthread_mutex_unlock(&db->mu);
    return rc;
}
