/*
 * data/lsm_cache.c - the sharded CLOCK block cache (data/lsm_cache.h). Pure.
 *
 * Each entry holds one reference for being in the cache (in_cache) and one
 * per handle. Every entry in the cache is on its shard's ring; a hit only
 * sets the entry's referenced bit (no list surgery, so a hit touches no
 * other entry's memory). Eviction turns the hand: a pinned entry (refs > 1)
 * is passed, a referenced one loses its bit (a second chance), any other
 * is evicted. New entries join the ring just behind the hand, unreferenced.
 * An entry leaves the table (eviction, replacement, erase) by losing the
 * cache's reference; the last reference frees it.
 */
#include "data/lsm_cache.h"

#define INITIAL_BUCKETS ((size_t)16)

struct avila_lsm_cache_handle {
    struct avila_lsm_cache_handle *hnext; /* hash chain */
    struct avila_lsm_cache_handle *prev;  /* the ring, while in the cache */
    struct avila_lsm_cache_handle *next;
    uint64_t id;
    uint64_t off;
    uint64_t hash;
    uint8_t *data;
    size_t len;
    size_t alloc_size;
    size_t charge;
    uint32_t refs;
    bool in_cache;
    bool referenced; /* hit since the hand last passed */
};

_Static_assert(sizeof(struct avila_lsm_cache_handle) <= AVILA_LSM_CACHE_ENTRY_OVERHEAD,
               "the charged overhead covers the bookkeeping");

static uint64_t key_hash(uint64_t id, uint64_t off)
{
    /* splitmix64's finaliser over a combination of both words. */
    uint64_t z = id * UINT64_C(0x9e3779b97f4a7c15) ^ off;
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static unsigned shard_of(const struct avila_lsm_cache *c, uint64_t hash)
{
    return (unsigned)(hash >> 58) & c->shard_mask;
}

static void lock(struct avila_lsm_cache *c, unsigned s)
{
    if (c->cfg.lock != NULL)
        c->cfg.lock(c->cfg.lock_ctx, s);
}

static void unlock(struct avila_lsm_cache *c, unsigned s)
{
    if (c->cfg.unlock != NULL)
        c->cfg.unlock(c->cfg.lock_ctx, s);
}

int avila_lsm_cache_init(struct avila_lsm_cache *c, const struct avila_allocator *a,
                         const struct avila_lsm_cache_config *cfg)
{
    struct avila_lsm_cache_config k = {0};
    if (cfg != NULL)
        k = *cfg;
    if (k.capacity_bytes == 0)
        k.capacity_bytes = AVILA_LSM_CACHE_DEFAULT_CAPACITY;
    if (k.shards == 0)
        k.shards = AVILA_LSM_CACHE_DEFAULT_SHARDS;
    if (a == NULL || k.shards > AVILA_LSM_CACHE_MAX_SHARDS || (k.shards & (k.shards - 1)) != 0 ||
        (k.lock == NULL) != (k.unlock == NULL))
        return AVILA_EINVAL;
    memset(c, 0, sizeof(*c));
    c->a = a;
    c->cfg = k;
    c->shard_mask = k.shards - 1;
    for (unsigned i = 0; i < k.shards; i++)
        c->shards[i].capacity = k.capacity_bytes / k.shards;
    return 0;
}

static void entry_free(struct avila_lsm_cache *c, struct avila_lsm_cache_handle *e)
{
    avila_free(c->a, e->data, e->alloc_size, 1);
    AVILA_DELETE(c->a, e, struct avila_lsm_cache_handle);
}

void avila_lsm_cache_release_all(struct avila_lsm_cache *c)
{
    for (unsigned s = 0; s <= c->shard_mask; s++) {
        struct avila_lsm_cache_shard *sh = &c->shards[s];
        for (size_t b = 0; b < sh->nbuckets; b++) {
            struct avila_lsm_cache_handle *e = sh->buckets[b];
            while (e != NULL) {
                struct avila_lsm_cache_handle *nx = e->hnext;
                entry_free(c, e);
                e = nx;
            }
        }
        if (sh->buckets != NULL)
            AVILA_DELETE_ARRAY(c->a, sh->buckets, struct avila_lsm_cache_handle *, sh->nbuckets);
        sh->buckets = NULL;
        sh->nbuckets = sh->count = sh->usage = 0;
        sh->hand = NULL;
    }
}

const struct avila_allocator *avila_lsm_cache_allocator(const struct avila_lsm_cache *c)
{
    return c->a;
}

unsigned avila_lsm_cache_shards(const struct avila_lsm_cache *c)
{
    return c->shard_mask + 1;
}

/* ---------------------------------------------------------------- the ring */

static void ring_remove(struct avila_lsm_cache_shard *sh, struct avila_lsm_cache_handle *e)
{
    if (e->next == e) {
        sh->hand = NULL;
    } else {
        e->prev->next = e->next;
        e->next->prev = e->prev;
        if (sh->hand == e)
            sh->hand = e->next;
    }
    e->prev = e->next = NULL;
}

/* Links e just behind the hand: the last entry the hand reaches. */
static void ring_insert(struct avila_lsm_cache_shard *sh, struct avila_lsm_cache_handle *e)
{
    struct avila_lsm_cache_handle *h = sh->hand;
    if (h == NULL) {
        e->prev = e->next = e;
        sh->hand = e;
        return;
    }
    e->next = h;
    e->prev = h->prev;
    h->prev->next = e;
    h->prev = e;
}

/* ---------------------------------------------------------------- table */

static struct avila_lsm_cache_handle **find_slot(struct avila_lsm_cache_shard *sh, uint64_t hash,
                                                 uint64_t id, uint64_t off)
{
    if (sh->nbuckets == 0)
        return NULL;
    struct avila_lsm_cache_handle **p = &sh->buckets[hash & (sh->nbuckets - 1)];
    while (*p != NULL && ((*p)->hash != hash || (*p)->id != id || (*p)->off != off))
        p = &(*p)->hnext;
    return p;
}

/* Grows the bucket array to n (a power of two); on allocation failure the chains just get longer.
 */
static void rehash(struct avila_lsm_cache *c, struct avila_lsm_cache_shard *sh, size_t n)
{
    struct avila_lsm_cache_handle **nb = AVILA_NEW_ARRAY(c->a, struct avila_lsm_cache_handle *, n);
    if (nb == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        nb[i] = NULL;
    for (size_t b = 0; b < sh->nbuckets; b++) {
        struct avila_lsm_cache_handle *e = sh->buckets[b];
        while (e != NULL) {
            struct avila_lsm_cache_handle *nx = e->hnext;
            size_t i = e->hash & (n - 1);
            e->hnext = nb[i];
            nb[i] = e;
            e = nx;
        }
    }
    if (sh->buckets != NULL)
        AVILA_DELETE_ARRAY(c->a, sh->buckets, struct avila_lsm_cache_handle *, sh->nbuckets);
    sh->buckets = nb;
    sh->nbuckets = n;
}

/* Drops one reference; the last one frees the entry (it has left the table already). */
static void unref(struct avila_lsm_cache *c, struct avila_lsm_cache_handle *e)
{
    e->refs--;
    if (e->refs == 0) {
        entry_free(c, e);
    }
}

/* Takes the entry at *slot out of the table, dropping the cache's reference. */
static void remove_at(struct avila_lsm_cache *c, struct avila_lsm_cache_shard *sh,
                      struct avila_lsm_cache_handle **slot)
{
    struct avila_lsm_cache_handle *e = *slot;
    *slot = e->hnext;
    e->hnext = NULL;
    ring_remove(sh, e);
    if (e->refs > 1)
        sh->pinned--;
    e->in_cache = false;
    sh->count--;
    sh->usage -= e->charge;
    unref(c, e);
}

static void evict(struct avila_lsm_cache *c, struct avila_lsm_cache_shard *sh)
{
    /* Two turns clear every bit and evict every unpinned entry: stop there if all is pinned. */
    size_t budget = 2 * sh->count + 1;
    while (sh->usage > sh->capacity && sh->hand != NULL && budget-- > 0) {
        struct avila_lsm_cache_handle *e = sh->hand;
        if (e->refs > 1 || e->referenced) {
            e->referenced = false;
            sh->hand = e->next;
            continue;
        }
        struct avila_lsm_cache_handle **slot = find_slot(sh, e->hash, e->id, e->off);
        if (slot == NULL || *slot != e)
            break; /* cannot happen: every entry on the ring is in the table */
        remove_at(c, sh, slot);
        sh->evictions++;
    }
}

/* ---------------------------------------------------------------- operations */

int avila_lsm_cache_lookup(struct avila_lsm_cache *c, uint64_t id, uint64_t off,
                           struct avila_lsm_cache_handle **out)
{
    uint64_t h = key_hash(id, off);
    unsigned s = shard_of(c, h);
    struct avila_lsm_cache_shard *sh = &c->shards[s];
    lock(c, s);
    struct avila_lsm_cache_handle **slot = find_slot(sh, h, id, off);
    struct avila_lsm_cache_handle *e = slot != NULL ? *slot : NULL;
    if (e != NULL) {
        if (e->refs == 1)
            sh->pinned++;
        e->refs++;
        e->referenced = true;
        sh->hits++;
    } else {
        sh->misses++;
    }
    unlock(c, s);
    if (e == NULL)
        return AVILA_ENOTFOUND;
    *out = e;
    return 0;
}

int avila_lsm_cache_insert(struct avila_lsm_cache *c, uint64_t id, uint64_t off, uint8_t *data,
                           size_t len, size_t alloc_size, struct avila_lsm_cache_handle **out)
{
    struct avila_lsm_cache_handle *e = AVILA_NEW(c->a, struct avila_lsm_cache_handle);
    if (e == NULL) {
        avila_free(c->a, data, alloc_size, 1);
        return AVILA_ENOMEM;
    }
    uint64_t h = key_hash(id, off);
    *e = (struct avila_lsm_cache_handle){
        .id = id,
        .off = off,
        .hash = h,
        .data = data,
        .len = len,
        .alloc_size = alloc_size,
        .charge = alloc_size + AVILA_LSM_CACHE_ENTRY_OVERHEAD,
        .refs = out != NULL ? 2 : 1,
        .in_cache = true,
    };
    unsigned s = shard_of(c, h);
    struct avila_lsm_cache_shard *sh = &c->shards[s];
    lock(c, s);
    if (sh->nbuckets == 0)
        rehash(c, sh, INITIAL_BUCKETS);
    else if (sh->count >= sh->nbuckets)
        rehash(c, sh, sh->nbuckets * 2);
    if (sh->nbuckets == 0) {
        unlock(c, s);
        e->in_cache = false;
        e->refs = 0;
        entry_free(c, e);
        return AVILA_ENOMEM;
    }
    struct avila_lsm_cache_handle **slot = find_slot(sh, h, id, off);
    if (*slot != NULL)
        remove_at(c, sh, slot);
    slot = &sh->buckets[h & (sh->nbuckets - 1)];
    e->hnext = *slot;
    *slot = e;
    sh->count++;
    sh->usage += e->charge;
    sh->inserts++;
    ring_insert(sh, e);
    if (e->refs > 1)
        sh->pinned++;
    evict(c, sh);
    unlock(c, s);
    if (out != NULL)
        *out = e;
    return 0;
}

struct avila_slice avila_lsm_cache_value(const struct avila_lsm_cache_handle *h)
{
    return avila_slice_make(h->data, h->len);
}

void avila_lsm_cache_release(struct avila_lsm_cache *c, struct avila_lsm_cache_handle *h)
{
    unsigned s = shard_of(c, h->hash);
    struct avila_lsm_cache_shard *sh = &c->shards[s];
    lock(c, s);
    if (h->in_cache && h->refs == 2) {
        h->refs--;
        sh->pinned--;
        evict(c, sh);
    } else {
        unref(c, h);
    }
    unlock(c, s);
}

void avila_lsm_cache_erase_id(struct avila_lsm_cache *c, uint64_t id)
{
    for (unsigned s = 0; s <= c->shard_mask; s++) {
        struct avila_lsm_cache_shard *sh = &c->shards[s];
        lock(c, s);
        for (size_t b = 0; b < sh->nbuckets; b++) {
            struct avila_lsm_cache_handle **slot = &sh->buckets[b];
            while (*slot != NULL) {
                if ((*slot)->id == id)
                    remove_at(c, sh, slot);
                else
                    slot = &(*slot)->hnext;
            }
        }
        unlock(c, s);
    }
}

void avila_lsm_cache_stats(struct avila_lsm_cache *c, struct avila_lsm_cache_stats *st)
{
    memset(st, 0, sizeof(*st));
    st->capacity = c->cfg.capacity_bytes;
    for (unsigned s = 0; s <= c->shard_mask; s++) {
        const struct avila_lsm_cache_shard *sh = &c->shards[s];
        lock(c, s);
        st->hits += sh->hits;
        st->misses += sh->misses;
        st->inserts += sh->inserts;
        st->evictions += sh->evictions;
        st->bytes += sh->usage;
        st->entries += sh->count;
        st->pinned += sh->pinned;
        unlock(c, s);
    }
}
