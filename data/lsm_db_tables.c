/*
 * data/lsm_db_tables.c - the LSM store's cache of open tables: file number
 * -> open file and table reader, shared by every reader, bounded by
 * max_open_files (unused readers closed least recently used first).
 * OS code (a mutex).
 */
#include <string.h>

#include "data/lsm_db_int.h"
#include "data/lsm_rangedel.h"

static size_t bucket_of(const struct lsm_tables *tc, uint64_t number)
{
    return (size_t)((number * UINT64_C(0x9e3779b97f4a7c15)) >> 32) & (tc->nbuckets - 1);
}

int avila_lsm_db_tables_init(struct lsm_tables *tc, size_t max, const struct avila_allocator *a)
{
    size_t n = 16;
    while (n < max)
        n *= 2;
    tc->buckets = avila_alloc_array(a, n, sizeof(struct lsm_table_entry *), _Alignof(void *));
    if (tc->buckets == NULL)
        return AVILA_ENOMEM;
    memset(tc->buckets, 0, n * sizeof(struct lsm_table_entry *));
    tc->nbuckets = n;
    tc->count = 0;
    tc->max = max;
    tc->lru.older = tc->lru.newer = &tc->lru;
    pthread_mutex_init(&tc->mu, NULL);
    return 0;
}

static void lru_unlink(struct lsm_table_entry *e)
{
    e->older->newer = e->newer;
    e->newer->older = e->older;
    e->older = e->newer = NULL;
}

/* Appends e as the most recently used unused entry. */
static void lru_push(struct lsm_tables *tc, struct lsm_table_entry *e)
{
    e->newer = &tc->lru;
    e->older = tc->lru.older;
    e->older->newer = e;
    tc->lru.older = e;
}

static void entry_close(struct avila_lsm_db *db, struct lsm_table_entry *e)
{
    avila_lsm_table_release(e->table);
    avila_lsm_vfs_close(db->vfs, e->file);
    AVILA_DELETE(db->a, e, struct lsm_table_entry);
}

/* Removes e from the hash table (it stays alive for its users). [tc->mu held] */
static void unhash(struct lsm_tables *tc, struct lsm_table_entry *e)
{
    struct lsm_table_entry **pp = &tc->buckets[bucket_of(tc, e->number)];
    while (*pp != e)
        pp = &(*pp)->chain;
    *pp = e->chain;
    tc->count--;
}

static int open_entry(struct avila_lsm_db *db, const struct avila_lsm_file_meta *f,
                      struct lsm_table_entry **out)
{
    char path[AVILA_LSM_PATH_MAX];
    avila_lsm_db_path(db, path, AVILA_LSM_FILE_TABLE, f->number);
    struct lsm_table_entry *e = AVILA_NEW(db->a, struct lsm_table_entry);
    if (e == NULL)
        return AVILA_ENOMEM;
    memset(e, 0, sizeof(*e));
    e->number = f->number;
    int rc = avila_lsm_vfs_open_read(db->vfs, path, &e->file);
    uint64_t size = 0;
    if (rc == 0)
        rc = avila_lsm_vfs_size(db->vfs, e->file, &size);
    if (rc == 0 && size != f->size)
        rc = AVILA_EFORMAT; /* truncated or replaced behind our back */
    if (rc == 0)
        rc = avila_lsm_table_open(db->vfs, e->file, size, f->number, &db->cache, db->a, &e->table);
    if (rc != 0) {
        if (e->file != NULL)
            avila_lsm_vfs_close(db->vfs, e->file);
        AVILA_DELETE(db->a, e, struct lsm_table_entry);
        return rc;
    }
    *out = e;
    return 0;
}

int avila_lsm_db_tables_get(struct avila_lsm_db *db, const struct avila_lsm_file_meta *f,
                            struct lsm_table_entry **out)
{
    struct lsm_tables *tc = &db->tables;
    pthread_mutex_lock(&tc->mu);
    struct lsm_table_entry *e = tc->buckets[bucket_of(tc, f->number)];
    while (e != NULL && e->number != f->number)
        e = e->chain;
    if (e != NULL) {
        if (e->refs++ == 1)
            lru_unlink(e); /* was unused */
        pthread_mutex_unlock(&tc->mu);
        *out = e;
        return 0;
    }
    pthread_mutex_unlock(&tc->mu);

    /* Open outside the lock; if another thread raced us, keep theirs. */
    struct lsm_table_entry *mine;
    int rc = open_entry(db, f, &mine);
    if (rc != 0)
        return rc;
    pthread_mutex_lock(&tc->mu);
    e = tc->buckets[bucket_of(tc, f->number)];
    while (e != NULL && e->number != f->number)
        e = e->chain;
    struct lsm_table_entry *loser = NULL;
    if (e != NULL) {
        if (e->refs++ == 1)
            lru_unlink(e);
        loser = mine;
    } else {
        e = mine;
        e->refs = 2; /* the cache's and the caller's */
        size_t b = bucket_of(tc, e->number);
        e->chain = tc->buckets[b];
        tc->buckets[b] = e;
        tc->count++;
    }
    /* Over the bound: close unused readers, oldest first. */
    struct lsm_table_entry *victims = NULL;
    while (tc->count > tc->max && tc->lru.newer != &tc->lru) {
        struct lsm_table_entry *v = tc->lru.newer;
        lru_unlink(v);
        unhash(tc, v);
        v->chain = victims;
        victims = v;
    }
    pthread_mutex_unlock(&tc->mu);
    if (loser != NULL)
        entry_close(db, loser);
    while (victims != NULL) {
        struct lsm_table_entry *n = victims->chain;
        entry_close(db, victims);
        victims = n;
    }
    *out = e;
    return 0;
}

void avila_lsm_db_tables_put(struct avila_lsm_db *db, struct lsm_table_entry *e)
{
    struct lsm_tables *tc = &db->tables;
    pthread_mutex_lock(&tc->mu);
    size_t left = --e->refs;
    if (left == 1)
        lru_push(tc, e); /* only the cache holds it now */
    pthread_mutex_unlock(&tc->mu);
    if (left == 0)
        entry_close(db, e); /* evicted while in use: the last user closes it */
}

void avila_lsm_db_tables_evict(struct avila_lsm_db *db, uint64_t number)
{
    struct lsm_tables *tc = &db->tables;
    pthread_mutex_lock(&tc->mu);
    struct lsm_table_entry *e = tc->buckets[bucket_of(tc, number)];
    while (e != NULL && e->number != number)
        e = e->chain;
    bool close = false;
    if (e != NULL) {
        unhash(tc, e);
        if (e->refs == 1)
            lru_unlink(e);
        close = --e->refs == 0;
    }
    pthread_mutex_unlock(&tc->mu);
    if (close)
        entry_close(db, e);
    avila_lsm_cache_erase_id(&db->cache, number);
}

void avila_lsm_db_tables_release(struct avila_lsm_db *db)
{
    struct lsm_tables *tc = &db->tables;
    if (tc->buckets == NULL)
        return;
    for (size_t b = 0; b < tc->nbuckets; b++) {
        struct lsm_table_entry *e = tc->buckets[b];
        while (e != NULL) {
            struct lsm_table_entry *n = e->chain;
            entry_close(db, e); /* no user is left at close */
            e = n;
        }
    }
    avila_free(db->a, tc->buckets, tc->nbuckets * sizeof(struct lsm_table_entry *),
               _Alignof(void *));
    tc->buckets = NULL;
    pthread_mutex_destroy(&tc->mu);
}

int avila_lsm_db_tables_add_tombstones(struct avila_lsm_rangedel *rd,
                                       const struct avila_lsm_table *t, uint8_t *kb)
{
    if (avila_lsm_table_props(t)->range_deletions == 0)
        return 0;
    struct avila_lsm_block_iter it;
    avila_lsm_block_iter_init(&it, avila_lsm_table_rangedels(t), kb, AVILA_LSM_IKEY_MAX);
    int rc = avila_lsm_block_iter_seek_first(&it);
    while (rc == 0 && avila_lsm_block_iter_valid(&it)) {
        rc = avila_lsm_rangedel_add_entry(rd, avila_lsm_block_iter_key(&it),
                                          avila_lsm_block_iter_value(&it));
        if (rc == 0)
            rc = avila_lsm_block_iter_next(&it);
    }
    return rc;
}
