/*
 * data/lsm_db_iter.c - iterators of the LSM store: a user-view iterator
 * (data/lsm_dbiter.h) over a merge (data/lsm_merge.h) of the memtables,
 * each level-0 table, and one concatenation (data/lsm_concat.h) of the
 * tables of each deeper level, of the version it pins, with the range
 * tombstones of all of them. OS code (the store's mutex).
 *
 * Cost. A seek costs one seek per memtable, level-0 table and level; a
 * scan O(log children) per entry. Every table of the version is opened
 * (through the table cache) when the iterator is made, for its range
 * tombstones.
 */
#include <string.h>

#include "data/lsm_concat.h"
#include "data/lsm_db_int.h"
#include "data/lsm_dbiter.h"
#include "data/lsm_merge.h"
#include "data/lsm_rangedel.h"

struct avila_lsm_db_iter {
    struct avila_lsm_db *db;
    struct lsm_mem *mems[2];
    struct avila_lsm_version *v;
    uint64_t seq;
    struct avila_lsm_memtable_iter mits[2];
    struct lsm_table_entry **tabs;
    struct avila_lsm_table_iter *tits;
    struct avila_lsm_iter *views; /* of tits */
    struct avila_slice *largest;  /* of each table, for the concatenations */
    size_t ntabs, ntits, cap;     /* cap: tables of the version */
    struct avila_lsm_concat levels[AVILA_LSM_LEVELS];
    struct avila_lsm_iter *children; /* of the merge: memtables, L0 tables, levels */
    size_t nchildren, max_children;
    struct avila_lsm_merge_slot *work;
    struct avila_lsm_merge merge;
    struct avila_lsm_iter merged;
    struct avila_lsm_rangedel rd;
    struct avila_lsm_dbiter it;
    bool it_ready;
};

void avila_lsm_db_iter_destroy(struct avila_lsm_db_iter *it)
{
    if (it == NULL)
        return;
    struct avila_lsm_db *db = it->db;
    if (it->it_ready)
        avila_lsm_dbiter_release(&it->it);
    avila_lsm_rangedel_release(&it->rd);
    for (size_t i = 0; i < it->ntits; i++)
        avila_lsm_table_iter_release(&it->tits[i]);
    for (size_t i = 0; i < it->ntabs; i++)
        avila_lsm_db_tables_put(db, it->tabs[i]);
    const struct avila_allocator *a = db->a;
    avila_free(a, it->tabs, it->cap * sizeof(struct lsm_table_entry *), _Alignof(void *));
    avila_free(a, it->tits, it->cap * sizeof(*it->tits), _Alignof(struct avila_lsm_table_iter));
    avila_free(a, it->views, it->cap * sizeof(*it->views), _Alignof(struct avila_lsm_iter));
    avila_free(a, it->largest, it->cap * sizeof(*it->largest), _Alignof(struct avila_slice));
    avila_free(a, it->children, it->max_children * sizeof(*it->children),
               _Alignof(struct avila_lsm_iter));
    avila_free(a, it->work, AVILA_LSM_MERGE_WORK_LEN(it->max_children) * sizeof(*it->work),
               _Alignof(struct avila_lsm_merge_slot));
    pthread_mutex_lock(&db->mu);
    avila_lsm_db_mem_unref(db, it->mems[0]);
    avila_lsm_db_mem_unref(db, it->mems[1]);
    if (it->v != NULL)
        avila_lsm_version_unref(it->v);
    pthread_mutex_unlock(&db->mu);
    AVILA_DELETE(a, it, struct avila_lsm_db_iter);
}

/* Adds the range tombstones of a memtable generation and its point child. */
static int add_mem(struct avila_lsm_db_iter *it, int i)
{
    struct avila_lsm_memtable_iter ri;
    struct avila_lsm_iter rview;
    avila_lsm_memtable_iter_init(&ri, &it->mems[i]->ranges);
    avila_lsm_memtable_iter_as(&ri, &rview);
    int rc = avila_lsm_rangedel_add_iter(&it->rd, &rview, it->seq);
    avila_lsm_memtable_iter_init(&it->mits[i], &it->mems[i]->points);
    avila_lsm_memtable_iter_as(&it->mits[i], &it->children[it->nchildren++]);
    return rc;
}

/* Opens table f (its iterator the next of views) and adds its range tombstones. */
static int add_table(struct avila_lsm_db_iter *it, const struct avila_lsm_file_meta *f,
                     bool no_fill_cache, uint8_t *kb)
{
    struct lsm_table_entry *e;
    int rc = avila_lsm_db_tables_get(it->db, f, &e);
    if (rc != 0)
        return rc;
    it->tabs[it->ntabs++] = e;
    struct avila_lsm_table_iter_options o = {.no_fill_cache = no_fill_cache};
    rc = avila_lsm_table_iter_init(&it->tits[it->ntits], e->table, &o);
    if (rc != 0)
        return rc;
    avila_lsm_table_iter_as(&it->tits[it->ntits], &it->views[it->ntits]);
    it->largest[it->ntits] = f->largest;
    it->ntits++;
    return avila_lsm_db_tables_add_tombstones(&it->rd, e->table, kb);
}

/* Adds the tables of level l: each as a child at L0, one concatenation (cat) below. */
static int add_level(struct avila_lsm_db_iter *it, int l, struct avila_lsm_concat *cat,
                     bool no_fill_cache, uint8_t *kb)
{
    size_t first = it->ntits, n = it->v->nfiles[l];
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        rc = add_table(it, it->v->files[l][i], no_fill_cache, kb);
        if (rc == 0 && l == 0)
            it->children[it->nchildren++] = it->views[it->ntits - 1];
    }
    if (rc == 0 && l > 0 && n > 0) {
        avila_lsm_concat_init(cat, &it->views[first], &it->largest[first], n);
        avila_lsm_concat_as(cat, &it->children[it->nchildren++]);
    }
    return rc;
}

static int build(struct avila_lsm_db_iter *it, const struct avila_lsm_read_options *ro)
{
    const struct avila_allocator *a = it->db->a;
    size_t n = 0;
    for (int l = 0; l < AVILA_LSM_LEVELS; l++)
        n += it->v->nfiles[l];
    it->cap = n;
    it->max_children = 2 + it->v->nfiles[0] + AVILA_LSM_LEVELS;
    it->tabs = avila_alloc_array(a, n, sizeof(struct lsm_table_entry *), _Alignof(void *));
    it->tits = avila_alloc_array(a, n, sizeof(*it->tits), _Alignof(struct avila_lsm_table_iter));
    it->views = avila_alloc_array(a, n, sizeof(*it->views), _Alignof(struct avila_lsm_iter));
    it->largest = avila_alloc_array(a, n, sizeof(*it->largest), _Alignof(struct avila_slice));
    it->children = avila_alloc_array(a, it->max_children, sizeof(*it->children),
                                     _Alignof(struct avila_lsm_iter));
    it->work = avila_alloc_array(a, AVILA_LSM_MERGE_WORK_LEN(it->max_children), sizeof(*it->work),
                                 _Alignof(struct avila_lsm_merge_slot));
    uint8_t *kb = avila_alloc(a, AVILA_LSM_IKEY_MAX, 1);
    int rc = (n > 0 &&
              (it->tabs == NULL || it->tits == NULL || it->views == NULL || it->largest == NULL)) ||
                     it->children == NULL || it->work == NULL || kb == NULL
                 ? AVILA_ENOMEM
                 : 0;
    for (int i = 0; rc == 0 && i < 2; i++)
        if (it->mems[i] != NULL)
            rc = add_mem(it, i);
    bool no_fill = ro != NULL && ro->no_fill_cache;
    for (int l = 0; rc == 0 && l < AVILA_LSM_LEVELS; l++)
        rc = add_level(it, l, &it->levels[l], no_fill, kb);
    avila_free(a, kb, AVILA_LSM_IKEY_MAX, 1);
    if (rc == 0)
        rc = avila_lsm_rangedel_finish(&it->rd);
    if (rc == 0)
        rc = avila_lsm_merge_init(&it->merge, it->children, it->nchildren, it->work,
                                  AVILA_LSM_MERGE_WORK_LEN(it->max_children));
    if (rc != 0)
        return rc;
    avila_lsm_merge_as(&it->merge, &it->merged);
    struct avila_lsm_dbiter_options o = {0};
    if (ro != NULL && ro->lower.len > 0) {
        o.lower = ro->lower;
        o.has_lower = true;
    }
    if (ro != NULL && ro->upper.len > 0) {
        o.upper = ro->upper;
        o.has_upper = true;
    }
    if (ro != NULL && ro->prefix.len > 0) {
        o.prefix = ro->prefix;
        o.has_prefix = true;
    }
    rc = avila_lsm_dbiter_init(&it->it, &it->merged, it->seq,
                               avila_lsm_rangedel_count(&it->rd) > 0 ? &it->rd : NULL, &o, a);
    it->it_ready = rc == 0;
    return rc;
}

int avila_lsm_db_iter_create(struct avila_lsm_db *db, const struct avila_lsm_read_options *ro,
                             struct avila_lsm_db_iter **out)
{
    struct avila_lsm_db_iter *it = AVILA_NEW(db->a, struct avila_lsm_db_iter);
    if (it == NULL)
        return AVILA_ENOMEM;
    memset(it, 0, sizeof(*it));
    it->db = db;
    avila_lsm_rangedel_init(&it->rd, db->a, (size_t)256 << 20);
    pthread_mutex_lock(&db->mu);
    it->seq = avila_lsm_db_read_seq(db, ro);
    it->mems[0] = db->mem;
    db->mem->refs++;
    it->mems[1] = db->imm;
    if (db->imm != NULL)
        db->imm->refs++;
    it->v = avila_lsm_vset_current(&db->vs);
    avila_lsm_version_ref(it->v);
    pthread_mutex_unlock(&db->mu);
    int rc = build(it, ro);
    if (rc != 0) {
        avila_lsm_db_iter_destroy(it);
        return rc;
    }
    *out = it;
    return 0;
}

int avila_lsm_db_iter_seek(struct avila_lsm_db_iter *it, struct avila_slice key)
{
    return avila_lsm_dbiter_seek(&it->it, key);
}

int avila_lsm_db_iter_seek_for_prev(struct avila_lsm_db_iter *it, struct avila_slice key)
{
    return avila_lsm_dbiter_seek_for_prev(&it->it, key);
}

int avila_lsm_db_iter_seek_first(struct avila_lsm_db_iter *it)
{
    return avila_lsm_dbiter_seek_first(&it->it);
}

int avila_lsm_db_iter_seek_last(struct avila_lsm_db_iter *it)
{
    return avila_lsm_dbiter_seek_last(&it->it);
}

int avila_lsm_db_iter_next(struct avila_lsm_db_iter *it)
{
    return avila_lsm_dbiter_next(&it->it);
}

int avila_lsm_db_iter_prev(struct avila_lsm_db_iter *it)
{
    return avila_lsm_dbiter_prev(&it->it);
}

bool avila_lsm_db_iter_valid(const struct avila_lsm_db_iter *it)
{
    return avila_lsm_dbiter_valid(&it->it);
}

struct avila_slice avila_lsm_db_iter_key(const struct avila_lsm_db_iter *it)
{
    return avila_lsm_dbiter_key(&it->it);
}

struct avila_slice avila_lsm_db_iter_value(const struct avila_lsm_db_iter *it)
{
    return avila_lsm_dbiter_value(&it->it);
}

int avila_lsm_db_iter_status(const struct avila_lsm_db_iter *it)
{
    return avila_lsm_dbiter_status(&it->it);
}
