/*
 * data/lsm_db_bg.c - the LSM store's background work: flushing the
 * immutable memtable to level 0, leveled compactions (picked by the
 * version set, run here: merge the inputs, drop what no reader can see,
 * cut output tables, clip range tombstones to each output), deleting
 * obsolete files, and the flush thread and compaction threads that do it.
 * OS code (POSIX threads).
 *
 * What a compaction drops. Snapshots cut sequence numbers into stripes:
 * two entries are in the same stripe when no snapshot lies between them,
 * so no reader can tell which of them it sees. An entry is dropped when a
 * newer entry of its key is in its stripe, or a range tombstone of the
 * compaction that covers it is; a deletion (point or range) in the oldest
 * stripe is dropped at the bottom (no deeper level holds its keys).
 */
#include <string.h>
#include <time.h>

#include "data/lsm_db_int.h"
#include "data/lsm_merge.h"
#include "data/lsm_rangedel.h"

/* ---------------------------------------------------------------- table writing */

/* A table being written: the file, its builder, its number. */
struct output {
    uint64_t number;
    struct avila_lsm_file *file;
    struct avila_lsm_table_builder b;
    struct avila_lsm_table_props props;
    bool open;
};

static int output_open(struct avila_lsm_db *db, struct output *o, uint64_t number)
{
    char path[AVILA_LSM_PATH_MAX];
    avila_lsm_db_path(db, path, AVILA_LSM_FILE_TABLE, number);
    memset(o, 0, sizeof(*o));
    o->number = number;
    int rc = avila_lsm_vfs_open_append(db->vfs, path, &o->file);
    if (rc != 0)
        return rc;
    struct avila_lsm_table_options to = {
        .block_size = db->opt.block_bytes,
        .bloom_bits_per_key = db->opt.bloom_bits_per_key,
    };
    rc = avila_lsm_table_builder_init(&o->b, db->vfs, o->file, &to, db->a);
    if (rc != 0) {
        avila_lsm_vfs_close(db->vfs, o->file);
        return rc;
    }
    o->open = true;
    return 0;
}

/* Finishes and syncs the table; its properties stay readable until output_drop. */
static int output_finish(struct avila_lsm_db *db, struct output *o)
{
    int rc = avila_lsm_table_builder_finish(&o->b, &o->props);
    if (rc == 0)
        rc = avila_lsm_vfs_sync(db->vfs, o->file);
    avila_lsm_vfs_close(db->vfs, o->file);
    o->file = NULL;
    return rc;
}

static void output_drop(struct output *o)
{
    if (!o->open)
        return;
    avila_lsm_table_builder_release(&o->b);
    o->open = false;
}

static void unlink_table(struct avila_lsm_db *db, uint64_t number)
{
    char path[AVILA_LSM_PATH_MAX];
    avila_lsm_db_path(db, path, AVILA_LSM_FILE_TABLE, number);
    (void)db->vfs->unlink(db->vfs->ctx, path);
}

/* Adds every entry of a memtable, in order, to a table builder. */
static int add_memtable(struct avila_lsm_table_builder *b, const struct avila_lsm_memtable *mt)
{
    struct avila_lsm_memtable_iter it;
    avila_lsm_memtable_iter_init(&it, mt);
    int rc = 0;
    for (avila_lsm_memtable_iter_seek_first(&it); rc == 0 && avila_lsm_memtable_iter_valid(&it);
         avila_lsm_memtable_iter_next(&it))
        rc = avila_lsm_table_builder_add(b, avila_lsm_memtable_iter_key(&it),
                                         avila_lsm_memtable_iter_value(&it));
    return rc;
}

int avila_lsm_db_bg_build_level0(struct avila_lsm_db *db, struct lsm_mem *m,
                                 struct avila_lsm_edit *e)
{
    uint64_t number = avila_lsm_vset_new_file_number(&db->vs);
    if (db->pending_flush == 0)
        db->pending_flush = number;
    pthread_mutex_unlock(&db->mu);

    struct output o;
    int rc = output_open(db, &o, number);
    if (rc == 0)
        rc = add_memtable(&o.b, &m->points);
    if (rc == 0)
        rc = add_memtable(&o.b, &m->ranges);
    if (o.open) {
        int frc = output_finish(db, &o);
        rc = rc != 0 ? rc : frc;
    }
    if (rc == 0)
        rc = db->vfs->sync_dir(db->vfs->ctx, db->dir);

    pthread_mutex_lock(&db->mu);
    bool empty = rc == 0 && o.props.smallest.len == 0;
    if (rc == 0 && !empty) {
        struct avila_lsm_edit_file f = {
            .level = 0,
            .number = number,
            .size = o.props.file_size,
            .smallest = o.props.smallest,
            .largest = o.props.largest,
            .smallest_seq = o.props.smallest_seq,
            .largest_seq = o.props.largest_seq,
        };
        rc = avila_lsm_edit_add_file(e, &f);
        if (rc == 0) {
            db->vs.io.flush_bytes += o.props.file_size;
            db->st.flushes++;
        }
    }
    output_drop(&o);
    if (rc != 0 || empty)
        unlink_table(db, number);
    return rc;
}

/*
 * The flush thread's work: the immutable memtable to a level-0 table,
 * logged with the WALs before the active memtable's made obsolete.
 * [mu held; released while building]
 */
static int flush_imm(struct avila_lsm_db *db)
{
    struct avila_lsm_edit e;
    avila_lsm_edit_init(&e, db->a);
    avila_lsm_edit_set_log_number(&e, db->mem->wal_number);
    int rc = avila_lsm_db_bg_build_level0(db, db->imm, &e);
    /* A failed apply may still reach the MANIFEST: its table stays (bg_error stops deletions). */
    if (rc == 0)
        rc = avila_lsm_vset_log_and_apply(&db->vs, &e);
    avila_lsm_edit_release(&e);
    db->pending_flush = 0;
    return rc;
}

/* ---------------------------------------------------------------- obsolete files */

static bool pending(const struct avila_lsm_db *db, uint64_t number)
{
    uint64_t compact = avila_lsm_vset_pending_outputs(&db->vs);
    return (db->pending_flush != 0 && number >= db->pending_flush) ||
           (compact != 0 && number >= compact);
}

struct obsolete {
    struct avila_lsm_db *db;
    struct avila_lsm_db_numbers live;
    uint64_t log_number;
};

static int delete_if_obsolete(void *ctx, enum avila_lsm_file_kind kind, uint64_t number)
{
    struct obsolete *o = ctx;
    struct avila_lsm_db *db = o->db;
    bool keep = true;
    if (kind == AVILA_LSM_FILE_TABLE)
        keep = avila_lsm_db_numbers_has(&o->live, number) || pending(db, number);
    else if (kind == AVILA_LSM_FILE_WAL)
        keep = number >= o->log_number || number == db->wal_number;
    else if (kind == AVILA_LSM_FILE_MANIFEST)
        keep = avila_lsm_db_numbers_has(&o->live, number);
    if (keep)
        return 0;
    if (kind == AVILA_LSM_FILE_TABLE)
        avila_lsm_db_tables_evict(db, number);
    char path[AVILA_LSM_PATH_MAX];
    avila_lsm_db_path(db, path, kind, number);
    (void)db->vfs->unlink(db->vfs->ctx, path);
    return 0;
}

void avila_lsm_db_bg_delete_obsolete(struct avila_lsm_db *db)
{
    if (db->bg_error != 0)
        return; /* after an error the MANIFEST may name more than the version knows */
    struct obsolete o = {.db = db, .live = {.a = db->a}};
    o.log_number = avila_lsm_vset_log_number(&db->vs);
    /* On failure nothing is deleted: the next change tries again. */
    if (avila_lsm_vset_live_files(&db->vs, avila_lsm_db_numbers_add, &o.live) == 0)
        (void)avila_lsm_db_list_files(db, delete_if_obsolete, &o);
    avila_lsm_db_numbers_release(&o.live);
}

/* ---------------------------------------------------------------- compaction */

/* Snapshot stripes: snaps[0 .. n) ascending. */
struct stripes {
    uint64_t *snaps;
    size_t n;
};

/* The stripe of seq: the index of the oldest snapshot that sees it (n: none does). */
static size_t stripe_of(const struct stripes *s, uint64_t seq)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->snaps[mid] >= seq)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* The newest seq in stripe st. */
static uint64_t stripe_top(const struct stripes *s, size_t st)
{
    return st < s->n ? s->snaps[st] : AVILA_LSM_MAX_SEQ;
}

struct compaction_run {
    struct avila_lsm_db *db;
    struct avila_lsm_compaction *c;
    struct stripes stripes;
    struct avila_lsm_rangedel rd;
    struct output out;
    struct avila_buf lo;   /* the current output's lower bound (user key) */
    bool has_lo;           /* false: unbounded (the first output) */
    struct avila_buf ikey; /* scratch: tombstone internal keys */
    uint64_t written;      /* output bytes */
    uint64_t since_ns;     /* when the output bytes not yet rate-limited began */
    size_t outputs;
};

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * Counts bytes a compaction wrote since r->since_ns, and sleeps while the
 * compactions together run ahead of the configured rate. The store's
 * rate clock is when the bytes counted so far are paid for at that rate;
 * new bytes are paid from the clock or from when they were written,
 * whichever is later (so an idle spell earns no burst).
 */
static void rate_limit(struct compaction_run *r, uint64_t bytes)
{
    struct avila_lsm_db *db = r->db;
    r->written += bytes;
    uint64_t rate = db->opt.compaction_rate;
    if (rate == 0)
        return;
    uint64_t cost = (uint64_t)((double)bytes / (double)rate * 1e9);
    pthread_mutex_lock(&db->mu);
    if (db->rate_next_ns < r->since_ns)
        db->rate_next_ns = r->since_ns;
    db->rate_next_ns += cost;
    uint64_t due = db->rate_next_ns;
    pthread_mutex_unlock(&db->mu);
    uint64_t now = mono_ns();
    if (due > now) {
        uint64_t d = due - now;
        struct timespec ts = {(time_t)(d / 1000000000u), (long)(d % 1000000000u)};
        nanosleep(&ts, NULL);
    }
    r->since_ns = mono_ns();
}

/*
 * Writes the range tombstone pieces that fall in the current output's
 * range [lo, hi) (hi NULL: unbounded), dropping those no reader needs.
 */
static int emit_tombstones(struct compaction_run *r, const struct avila_slice *hi)
{
    struct avila_lsm_compaction *c = r->c;
    size_t n = avila_lsm_rangedel_count(&r->rd);
    for (size_t i = 0; i < n; i++) {
        struct avila_lsm_rangedel_frag f = avila_lsm_rangedel_fragment(&r->rd, i);
        struct avila_slice lo = avila_slice_make(r->lo.data, r->lo.len);
        struct avila_slice s = f.start, e = f.end;
        if (r->has_lo && avila_lsm_user_cmp(e, lo) <= 0)
            continue;
        if (hi != NULL && avila_lsm_user_cmp(s, *hi) >= 0)
            break;
        if (r->has_lo && avila_lsm_user_cmp(s, lo) < 0)
            s = lo;
        if (hi != NULL && avila_lsm_user_cmp(e, *hi) > 0)
            e = *hi;
        size_t prev_stripe = SIZE_MAX;
        for (size_t j = 0; j < f.nseqs; j++) { /* seqs descending */
            size_t st = stripe_of(&r->stripes, f.seqs[j]);
            if (st == prev_stripe)
                continue; /* a newer tombstone of the stripe covers the same keys */
            prev_stripe = st;
            if (st == 0 && !avila_lsm_version_deeper_overlap(c->version, c->level + 1, s, e))
                continue; /* nothing older is left for it to delete */
            if (!r->out.open) {
                int rc = 0;
                pthread_mutex_lock(&r->db->mu);
                uint64_t number = avila_lsm_vset_new_file_number(&r->db->vs);
                pthread_mutex_unlock(&r->db->mu);
                rc = output_open(r->db, &r->out, number);
                if (rc != 0)
                    return rc;
            }
            avila_buf_clear(&r->ikey);
            int rc = avila_lsm_ikey_append(&r->ikey, s, f.seqs[j], AVILA_LSM_RANGE_DELETE);
            if (rc == 0)
                rc = avila_lsm_table_builder_add(&r->out.b,
                                                 avila_slice_make(r->ikey.data, r->ikey.len), e);
            if (rc != 0)
                return rc;
        }
    }
    return 0;
}

/*
 * Ends the current output before user key hi (NULL: at the end of the
 * compaction): adds its tombstones, finishes it, adds it to the edit.
 */
static int close_output(struct compaction_run *r, const struct avila_slice *hi)
{
    int rc = emit_tombstones(r, hi);
    if (rc != 0 || !r->out.open)
        return rc;
    rc = output_finish(r->db, &r->out);
    if (rc == 0 && r->out.props.smallest.len > 0)
        rc = avila_lsm_compaction_add_output(r->c, r->out.number, r->out.props.file_size,
                                             r->out.props.smallest, r->out.props.largest,
                                             r->out.props.smallest_seq, r->out.props.largest_seq);
    if (rc == 0) {
        r->outputs++;
        rate_limit(r, r->out.props.file_size);
    }
    output_drop(&r->out);
    if (rc == 0 && hi != NULL) {
        avila_buf_clear(&r->lo);
        rc = avila_buf_append(&r->lo, hi->ptr, hi->len);
        r->has_lo = true;
    }
    return rc;
}

/* Collects the range tombstones of every input table. */
static int gather_tombstones(struct compaction_run *r, struct lsm_table_entry **tabs, size_t n)
{
    uint8_t *kb = avila_alloc(r->db->a, AVILA_LSM_IKEY_MAX, 1);
    if (kb == NULL)
        return AVILA_ENOMEM;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = avila_lsm_db_tables_add_tombstones(&r->rd, tabs[i]->table, kb);
    avila_free(r->db->a, kb, AVILA_LSM_IKEY_MAX, 1);
    return rc == 0 ? avila_lsm_rangedel_finish(&r->rd) : rc;
}

/* Decides whether the point entry ik survives, given the stripe of the key's newer entry. */
static bool keep_entry(struct compaction_run *r, const struct avila_lsm_ikey *ik, size_t *prev)
{
    size_t st = stripe_of(&r->stripes, ik->seq);
    bool shadowed = st == *prev;
    *prev = st;
    if (shadowed)
        return false;
    uint64_t tomb;
    if (avila_lsm_rangedel_max_covering(&r->rd, ik->user_key, stripe_top(&r->stripes, st), &tomb) &&
        tomb > ik->seq)
        return false;
    if (ik->kind == AVILA_LSM_DELETE && st == 0 &&
        avila_lsm_compaction_is_bottom_for_key(r->c, ik->user_key))
        return false;
    return true;
}

/* Merges the inputs into new tables at level + 1. [mu not held] */
static int merge_inputs(struct compaction_run *r, struct lsm_table_entry **tabs,
                        struct avila_lsm_iter *children, size_t n)
{
    struct avila_lsm_db *db = r->db;
    struct avila_lsm_merge_slot *work = avila_alloc_array(
        db->a, AVILA_LSM_MERGE_WORK_LEN(n), sizeof(*work), _Alignof(struct avila_lsm_merge_slot));
    if (work == NULL)
        return AVILA_ENOMEM;
    struct avila_lsm_merge m;
    int rc = avila_lsm_merge_init(&m, children, n, work, AVILA_LSM_MERGE_WORK_LEN(n));
    if (rc == 0)
        rc = gather_tombstones(r, tabs, n);
    size_t prev = SIZE_MAX;
    struct avila_buf cur; /* the current user key */
    avila_buf_init(&cur, db->a, AVILA_LSM_MAX_KEY_LEN);
    for (rc = rc == 0 ? avila_lsm_merge_seek_first(&m) : rc; rc == 0 && avila_lsm_merge_valid(&m);
         rc = avila_lsm_merge_next(&m)) {
        if (db->closing) {
            rc = AVILA_ECLOSED;
            break;
        }
        struct avila_slice k = avila_lsm_merge_key(&m);
        struct avila_lsm_ikey ik;
        if (avila_lsm_ikey_parse(k.ptr, k.len, &ik) != 0) {
            rc = AVILA_EFORMAT;
            break;
        }
        bool new_key = cur.len != ik.user_key.len ||
                       (ik.user_key.len > 0 && memcmp(cur.data, ik.user_key.ptr, cur.len) != 0) ||
                       prev == SIZE_MAX;
        if (new_key) {
            prev = SIZE_MAX;
            /* Outputs end only between user keys: a key's versions stay in one table. */
            if (r->out.open && (avila_lsm_table_builder_size(&r->out.b) >= db->opt.table_bytes ||
                                avila_lsm_compaction_should_stop_before(r->c, k)))
                rc = close_output(r, &ik.user_key);
            avila_buf_clear(&cur);
            if (rc == 0)
                rc = avila_buf_append(&cur, ik.user_key.ptr, ik.user_key.len);
            if (rc != 0)
                break;
        }
        if (!keep_entry(r, &ik, &prev))
            continue;
        if (!r->out.open) {
            pthread_mutex_lock(&db->mu);
            uint64_t number = avila_lsm_vset_new_file_number(&db->vs);
            pthread_mutex_unlock(&db->mu);
            rc = output_open(db, &r->out, number);
            if (rc != 0)
                break;
        }
        rc = avila_lsm_table_builder_add(&r->out.b, k, avila_lsm_merge_value(&m));
        if (rc != 0)
            break;
    }
    if (rc == 0)
        rc = close_output(r, NULL);
    avila_buf_release(&cur);
    avila_free(db->a, work, AVILA_LSM_MERGE_WORK_LEN(n) * sizeof(*work),
               _Alignof(struct avila_lsm_merge_slot));
    return rc;
}

/* Runs compaction c (owned: freed here). [mu held; released while merging] */
static int run_compaction(struct avila_lsm_db *db, struct avila_lsm_compaction *c)
{
    int rc = 0;
    if (!c->manual && avila_lsm_compaction_is_trivial_move(c)) {
        rc = avila_lsm_compaction_trivial_move(c);
        if (rc == 0)
            rc = avila_lsm_vset_log_and_apply(&db->vs, &c->edit);
        if (rc == 0)
            db->st.trivial_moves++;
        avila_lsm_compaction_free(c);
        return rc;
    }
    struct compaction_run r = {.db = db, .c = c, .since_ns = mono_ns()};
    size_t nsnap = 0;
    for (struct avila_lsm_snapshot *s = db->snapshots.next; s != &db->snapshots; s = s->next)
        nsnap++;
    size_t n = c->inputs[0].n + c->inputs[1].n;
    r.stripes.snaps = avila_alloc_array(db->a, nsnap + 1, sizeof(uint64_t), _Alignof(uint64_t));
    struct lsm_table_entry **tabs =
        avila_alloc_array(db->a, n, sizeof(struct lsm_table_entry *), _Alignof(void *));
    struct avila_lsm_table_iter *its =
        avila_alloc_array(db->a, n, sizeof(*its), _Alignof(struct avila_lsm_table_iter));
    struct avila_lsm_iter *children =
        avila_alloc_array(db->a, n, sizeof(*children), _Alignof(struct avila_lsm_iter));
    if (r.stripes.snaps == NULL || tabs == NULL || its == NULL || children == NULL)
        rc = AVILA_ENOMEM;
    for (struct avila_lsm_snapshot *s = db->snapshots.next; rc == 0 && s != &db->snapshots;
         s = s->next)
        r.stripes.snaps[r.stripes.n++] = s->seq; /* the list is sorted by seq */
    c->first_output = avila_lsm_vset_next_file(&db->vs);
    pthread_mutex_unlock(&db->mu);

    avila_lsm_rangedel_init(&r.rd, db->a, (size_t)256 << 20);
    avila_buf_init(&r.lo, db->a, AVILA_LSM_MAX_KEY_LEN);
    avila_buf_init(&r.ikey, db->a, AVILA_LSM_IKEY_MAX);
    size_t opened = 0, inited = 0;
    uint64_t read_bytes = 0;
    for (int side = 0; rc == 0 && side < 2; side++) {
        for (size_t i = 0; rc == 0 && i < c->inputs[side].n; i++) {
            const struct avila_lsm_file_meta *f = c->inputs[side].items[i];
            read_bytes += f->size;
            rc = avila_lsm_db_tables_get(db, f, &tabs[opened]);
            if (rc != 0)
                break;
            opened++;
            struct avila_lsm_table_iter_options io = {.no_fill_cache = true};
            rc = avila_lsm_table_iter_init(&its[inited], tabs[inited]->table, &io);
            if (rc != 0)
                break;
            avila_lsm_table_iter_as(&its[inited], &children[inited]);
            inited++;
        }
    }
    if (rc == 0)
        rc = merge_inputs(&r, tabs, children, n);
    for (size_t i = 0; i < inited; i++)
        avila_lsm_table_iter_release(&its[i]);
    for (size_t i = 0; i < opened; i++)
        avila_lsm_db_tables_put(db, tabs[i]);
    if (r.out.open) { /* failed midway */
        if (r.out.file != NULL)
            avila_lsm_vfs_close(db->vfs, r.out.file);
        output_drop(&r.out);
    }
    if (rc == 0)
        rc = db->vfs->sync_dir(db->vfs->ctx, db->dir);
    avila_lsm_rangedel_release(&r.rd);
    avila_buf_release(&r.lo);
    avila_buf_release(&r.ikey);

    pthread_mutex_lock(&db->mu);
    if (rc == 0)
        rc = avila_lsm_vset_log_and_apply(&db->vs, &c->edit);
    if (rc == 0) {
        db->st.compactions++;
        db->vs.io.compact_read += read_bytes;
        db->vs.io.compact_written += r.written;
    }
    avila_free(db->a, children, n * sizeof(*children), _Alignof(struct avila_lsm_iter));
    avila_free(db->a, its, n * sizeof(*its), _Alignof(struct avila_lsm_table_iter));
    avila_free(db->a, tabs, n * sizeof(struct lsm_table_entry *), _Alignof(void *));
    avila_free(db->a, r.stripes.snaps, (nsnap + 1) * sizeof(uint64_t), _Alignof(uint64_t));
    avila_lsm_compaction_free(c); /* outputs of a failure become obsolete, deleted later */
    return rc;
}

/* ---------------------------------------------------------------- threads */

void avila_lsm_db_bg_kick(struct avila_lsm_db *db)
{
    pthread_cond_broadcast(&db->work_cv);
}

/*
 * Writes the WAL's buffer to the file once it has waited
 * AVILA_LSM_DB_WAL_FLUSH_MS, when no write group is running (a leader
 * owns the WAL outside mu only while it heads the queue). [mu held]
 */
static void wal_buffer_flush(struct avila_lsm_db *db)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += AVILA_LSM_DB_WAL_FLUSH_MS * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&db->work_cv, &db->mu, &ts);
    if (!db->wal_dirty || db->queue != NULL || db->bg_error != 0 || db->closing)
        return;
    int rc = avila_lsm_wal_flush(db->wal);
    db->wal_dirty = false;
    if (rc != 0)
        db->bg_error = rc;
}

static void *flush_main(void *arg)
{
    struct avila_lsm_db *db = arg;
    pthread_mutex_lock(&db->mu);
    while (!db->closing) {
        if (db->imm == NULL || db->bg_error != 0) {
            if (db->wal_dirty && db->bg_error == 0)
                wal_buffer_flush(db);
            else
                pthread_cond_wait(&db->work_cv, &db->mu);
            continue;
        }
        int rc = flush_imm(db);
        if (rc == 0) {
            avila_lsm_db_mem_unref(db, db->imm);
            db->imm = NULL;
            avila_lsm_db_bg_delete_obsolete(db);
        } else if (db->bg_error == 0 && !db->closing) {
            db->bg_error = rc;
        }
        pthread_cond_broadcast(&db->bg_cv);
        pthread_cond_broadcast(&db->work_cv); /* a compaction may be due now */
    }
    pthread_mutex_unlock(&db->mu);
    return NULL;
}

static void *compact_main(void *arg)
{
    struct avila_lsm_db *db = arg;
    pthread_mutex_lock(&db->mu);
    while (!db->closing) {
        struct avila_lsm_compaction *c = NULL;
        int picked = 0;
        if (db->bg_error == 0 && !db->manual)
            picked = avila_lsm_vset_pick_compaction(&db->vs, &c);
        if (picked <= 0) {
            if (picked < 0 && db->bg_error == 0)
                db->bg_error = picked;
            pthread_cond_wait(&db->work_cv, &db->mu);
            continue;
        }
        if (++db->compactions > db->st.compactions_peak)
            db->st.compactions_peak = db->compactions;
        int rc = run_compaction(db, c);
        db->compactions--;
        /*
         * Any failure but abandonment stops the store: a failed apply may
         * have reached the MANIFEST, whose outputs must not be deleted.
         */
        if (rc != 0 && db->bg_error == 0 && rc != AVILA_ECLOSED)
            db->bg_error = rc;
        avila_lsm_db_bg_delete_obsolete(db);
        pthread_cond_broadcast(&db->bg_cv);
        avila_lsm_db_bg_kick(db); /* its files are free again: others may pick them */
    }
    pthread_mutex_unlock(&db->mu);
    return NULL;
}

int avila_lsm_db_bg_start(struct avila_lsm_db *db)
{
    if (pthread_create(&db->flush_thread, NULL, flush_main, db) != 0)
        return AVILA_EIO;
    db->threads_started = true;
    for (unsigned i = 0; i < db->opt.compaction_threads; i++) {
        if (pthread_create(&db->compact_threads[i], NULL, compact_main, db) != 0) {
            avila_lsm_db_bg_stop(db);
            return AVILA_EIO;
        }
        db->compact_threads_started++;
    }
    return 0;
}

void avila_lsm_db_bg_stop(struct avila_lsm_db *db)
{
    if (!db->threads_started)
        return;
    pthread_mutex_lock(&db->mu);
    db->closing = true;
    avila_lsm_db_bg_kick(db);
    pthread_cond_broadcast(&db->bg_cv);
    pthread_mutex_unlock(&db->mu);
    pthread_join(db->flush_thread, NULL);
    for (unsigned i = 0; i < db->compact_threads_started; i++)
        pthread_join(db->compact_threads[i], NULL);
    db->compact_threads_started = 0;
    db->threads_started = false;
}

int avila_lsm_db_bg_compact_range(struct avila_lsm_db *db, const struct avila_slice *begin,
                                  const struct avila_slice *end)
{
    pthread_mutex_lock(&db->mu);
    struct avila_lsm_version *v = avila_lsm_vset_current(&db->vs);
    int deepest = 1;
    struct avila_lsm_file_vec fv;
    avila_lsm_file_vec_init(&fv, db->a);
    for (int l = 1; l < AVILA_LSM_LEVELS; l++)
        if (avila_lsm_version_overlapping(v, l, begin, end, &fv) == 0 && fv.n > 0)
            deepest = l;
    avila_lsm_file_vec_release(&fv);
    /* One manual compaction at a time; background ones finish and none starts meanwhile. */
    while (db->manual && db->bg_error == 0)
        pthread_cond_wait(&db->bg_cv, &db->mu);
    int rc = db->bg_error;
    bool mine = rc == 0;
    if (mine)
        db->manual = true;
    while (db->compactions > 0 && db->bg_error == 0)
        pthread_cond_wait(&db->bg_cv, &db->mu);
    /* A manual step takes a bounded part of a level: repeat until none of it is left. */
    for (int level = 0; rc == 0 && level < deepest;) {
        rc = db->bg_error;
        struct avila_lsm_compaction *c = NULL;
        if (rc == 0)
            rc = avila_lsm_vset_compact_range(&db->vs, level, begin, end, &c);
        if (rc <= 0) {
            level++;
            continue;
        }
        rc = run_compaction(db, c);
        /* As in compact_main: a failed apply may have reached the MANIFEST. */
        if (rc != 0 && db->bg_error == 0)
            db->bg_error = rc;
        avila_lsm_db_bg_delete_obsolete(db);
    }
    if (mine) {
        db->manual = false;
        pthread_cond_broadcast(&db->bg_cv);
        avila_lsm_db_bg_kick(db);
    }
    pthread_mutex_unlock(&db->mu);
    return rc;
}
