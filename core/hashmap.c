/*
 * core/hashmap.c - Robin Hood hash map with backward-shift deletion
 * (core/hashmap.h). Pure.
 *
 * Each slot stores 32 bits of the key's SipHash-1-3 value with bit 31 set (0
 * marks an empty slot). The low bits give the home slot, so an entry's probe
 * distance is recomputed from the slot alone and growth never rehashes a key;
 * the full 32 bits also filter key comparisons. Robin Hood insertion keeps
 * every run of slots ordered by home position: an entry further from home
 * takes the place of one nearer to home. Hence a lookup can stop at the
 * first entry nearer to home than the probe, and a deletion shifts the
 * following entries back one slot until an empty slot or an entry at home.
 */
#include "core/hashmap.h"

#include "core/hash.h"

#define EMPTY     0u
#define HASH_FLAG 0x80000000u
#define MIN_CAP   8
/* Tables start on a cache line, so no 32-byte slot straddles two lines. */
#define TABLE_ALIGN 64

struct avila_hashmap_slot {
    uint32_t hash; /* EMPTY, or the key's hash with HASH_FLAG set */
    uint32_t klen;
    void *value;
    union {
        uint8_t bytes[AVILA_HASHMAP_INLINE_KEY]; /* klen <= AVILA_HASHMAP_INLINE_KEY */
        uint8_t *ptr;                            /* longer keys: one allocation of klen */
    } key;
};

_Static_assert(sizeof(struct avila_hashmap_slot) == 32 || sizeof(void *) != 8,
               "two slots per 64-byte cache line");
_Static_assert(AVILA_HASHMAP_MAX_ENTRIES_LIMIT <= (size_t)HASH_FLAG / 2,
               "the home slot must come from the hash bits below HASH_FLAG");

int avila_hashmap_init(struct avila_hashmap *m, const struct avila_allocator *a,
                       const struct avila_hashmap_config *cfg, const uint8_t seed[16])
{
    struct avila_hashmap_config c = cfg != NULL ? *cfg : (struct avila_hashmap_config){0};
    if (c.max_entries == 0)
        c.max_entries = AVILA_HASHMAP_DEFAULT_MAX_ENTRIES;
    if (c.max_key_len == 0)
        c.max_key_len = AVILA_HASHMAP_DEFAULT_MAX_KEY_LEN;
    if (c.max_entries > AVILA_HASHMAP_MAX_ENTRIES_LIMIT ||
        c.max_key_len > AVILA_HASHMAP_MAX_KEY_LEN_LIMIT)
        return AVILA_EINVAL;
    m->slots = NULL;
    m->mask = 0;
    m->count = 0;
    m->max_entries = c.max_entries;
    m->max_key_len = c.max_key_len;
    m->a = a;
    memcpy(m->seed, seed, sizeof m->seed);
    return 0;
}

static uint32_t hash_key(const struct avila_hashmap *m, const void *key, size_t klen)
{
    uint64_t h = avila_siphash13(m->seed, key, klen);
    return (uint32_t)(h ^ (h >> 32)) | HASH_FLAG;
}

static const uint8_t *key_bytes(const struct avila_hashmap_slot *s)
{
    return s->klen <= AVILA_HASHMAP_INLINE_KEY ? s->key.bytes : s->key.ptr;
}

/* How far slot i is from the home slot of the hash stored there. */
static size_t distance(size_t i, uint32_t hash, size_t mask)
{
    return (i - (hash & mask)) & mask;
}

/* The slot holding key, or SIZE_MAX. */
static size_t find(const struct avila_hashmap *m, const void *key, size_t klen, uint32_t h)
{
    if (m->slots == NULL)
        return SIZE_MAX;
    /* The table is never full, so the probe meets an empty slot or a richer entry. */
    for (size_t i = h & m->mask, d = 0;; i = (i + 1) & m->mask, d++) {
        const struct avila_hashmap_slot *s = &m->slots[i];
        if (s->hash == EMPTY || distance(i, s->hash, m->mask) < d)
            return SIZE_MAX;
        if (s->hash == h && s->klen == klen && (klen == 0 || memcmp(key_bytes(s), key, klen) == 0))
            return i;
    }
}

/* Robin Hood insertion of an entry known to be absent into a table with a free slot. */
static void place(struct avila_hashmap_slot *slots, size_t mask, struct avila_hashmap_slot e)
{
    for (size_t i = e.hash & mask, d = 0;; i = (i + 1) & mask, d++) {
        struct avila_hashmap_slot *s = &slots[i];
        if (s->hash == EMPTY) {
            *s = e;
            return;
        }
        size_t sd = distance(i, s->hash, mask);
        if (sd < d) {
            struct avila_hashmap_slot t = *s;
            *s = e;
            e = t;
            d = sd;
        }
    }
}

/* Entries a table of cap slots may hold: 7/8 of it. */
static size_t max_load(size_t cap)
{
    return cap - cap / 8;
}

/* The smallest table (a power of two, at least MIN_CAP) that holds n entries. */
static size_t cap_for(size_t n)
{
    size_t cap = MIN_CAP;
    while (max_load(cap) < n)
        cap *= 2;
    return cap;
}

static void free_table(struct avila_hashmap *m)
{
    avila_free(m->a, m->slots, (m->mask + 1) * sizeof *m->slots, TABLE_ALIGN);
}

/* Moves every entry into a new table of cap slots; on failure nothing changes. */
static int resize(struct avila_hashmap *m, size_t cap)
{
    struct avila_hashmap_slot *slots = avila_alloc_array(m->a, cap, sizeof *slots, TABLE_ALIGN);
    if (slots == NULL)
        return AVILA_ENOMEM;
    memset(slots, 0, cap * sizeof *slots);
    if (m->slots != NULL) {
        size_t old_cap = m->mask + 1;
        for (size_t i = 0; i < old_cap; i++)
            if (m->slots[i].hash != EMPTY)
                place(slots, cap - 1, m->slots[i]);
        free_table(m);
    }
    m->slots = slots;
    m->mask = cap - 1;
    return 0;
}

size_t avila_hashmap_capacity(const struct avila_hashmap *m)
{
    return m->slots != NULL ? m->mask + 1 : 0;
}

int avila_hashmap_reserve(struct avila_hashmap *m, size_t n)
{
    if (n > m->max_entries)
        return AVILA_ELIMIT;
    size_t cap = cap_for(n);
    return cap > avila_hashmap_capacity(m) ? resize(m, cap) : 0;
}

/* Makes the entry for a new key: hash, length and a copy of the key. */
static int make_entry(struct avila_hashmap *m, const void *key, size_t klen, uint32_t h,
                      void *value, struct avila_hashmap_slot *e)
{
    *e = (struct avila_hashmap_slot){.hash = h, .klen = (uint32_t)klen, .value = value};
    if (klen <= AVILA_HASHMAP_INLINE_KEY) {
        if (klen != 0)
            memcpy(e->key.bytes, key, klen);
        return 0;
    }
    e->key.ptr = avila_alloc(m->a, klen, 1);
    if (e->key.ptr == NULL)
        return AVILA_ENOMEM;
    memcpy(e->key.ptr, key, klen);
    return 0;
}

static void free_key(const struct avila_hashmap *m, const struct avila_hashmap_slot *s)
{
    if (s->klen > AVILA_HASHMAP_INLINE_KEY)
        avila_free(m->a, s->key.ptr, s->klen, 1);
}

int avila_hashmap_put(struct avila_hashmap *m, const void *key, size_t klen, void *value,
                      void **old)
{
    if (klen > m->max_key_len)
        return AVILA_ELIMIT;
    uint32_t h = hash_key(m, key, klen);
    size_t i = find(m, key, klen, h);
    if (i != SIZE_MAX) {
        if (old != NULL)
            *old = m->slots[i].value;
        m->slots[i].value = value;
        return 1;
    }
    if (m->count >= m->max_entries)
        return AVILA_ELIMIT;
    /* Copy the key before growing, so that either failure leaves the map untouched. */
    struct avila_hashmap_slot e;
    int rc = make_entry(m, key, klen, h, value, &e);
    if (rc != 0)
        return rc;
    size_t cap = avila_hashmap_capacity(m);
    if (m->count + 1 > max_load(cap)) {
        rc = resize(m, cap != 0 ? 2 * cap : MIN_CAP);
        if (rc != 0) {
            free_key(m, &e);
            return rc;
        }
    }
    place(m->slots, m->mask, e);
    m->count++;
    if (old != NULL)
        *old = NULL;
    return 0;
}

/* The slot holding key, or SIZE_MAX. */
static size_t lookup(const struct avila_hashmap *m, const void *key, size_t klen)
{
    return klen > m->max_key_len ? SIZE_MAX : find(m, key, klen, hash_key(m, key, klen));
}

int avila_hashmap_get(const struct avila_hashmap *m, const void *key, size_t klen, void **value)
{
    size_t i = lookup(m, key, klen);
    if (i == SIZE_MAX)
        return AVILA_ENOTFOUND;
    if (value != NULL)
        *value = m->slots[i].value;
    return 0;
}

int avila_hashmap_remove(struct avila_hashmap *m, const void *key, size_t klen, void **value)
{
    size_t i = lookup(m, key, klen);
    if (i == SIZE_MAX)
        return AVILA_ENOTFOUND;
    if (value != NULL)
        *value = m->slots[i].value;
    free_key(m, &m->slots[i]);
    /* Backward shift: pull each following displaced entry one slot nearer home. */
    for (;;) {
        size_t next = (i + 1) & m->mask;
        const struct avila_hashmap_slot *s = &m->slots[next];
        if (s->hash == EMPTY || distance(next, s->hash, m->mask) == 0)
            break;
        m->slots[i] = *s;
        i = next;
    }
    memset(&m->slots[i], 0, sizeof m->slots[i]);
    m->count--;
    return 0;
}

size_t avila_hashmap_count(const struct avila_hashmap *m)
{
    return m->count;
}

int avila_hashmap_next(const struct avila_hashmap *m, size_t *iter, const uint8_t **key,
                       size_t *klen, void **value)
{
    for (size_t i = *iter; i < avila_hashmap_capacity(m); i++) {
        const struct avila_hashmap_slot *s = &m->slots[i];
        if (s->hash == EMPTY)
            continue;
        if (key != NULL)
            *key = key_bytes(s);
        if (klen != NULL)
            *klen = s->klen;
        if (value != NULL)
            *value = s->value;
        *iter = i + 1;
        return 1;
    }
    *iter = avila_hashmap_capacity(m);
    return 0;
}

void avila_hashmap_clear(struct avila_hashmap *m)
{
    size_t cap = avila_hashmap_capacity(m);
    for (size_t i = 0; i < cap; i++)
        if (m->slots[i].hash != EMPTY)
            free_key(m, &m->slots[i]);
    if (cap != 0)
        memset(m->slots, 0, cap * sizeof *m->slots);
    m->count = 0;
}

void avila_hashmap_release(struct avila_hashmap *m)
{
    avila_hashmap_clear(m);
    if (m->slots != NULL)
        free_table(m);
    m->slots = NULL;
    m->mask = 0;
}

/* Checks one occupied slot: its hash, its place in the Robin Hood order, and lookup. */
static int check_slot(const struct avila_hashmap *m, size_t i)
{
    const struct avila_hashmap_slot *s = &m->slots[i];
    if (s->klen > m->max_key_len || s->hash != hash_key(m, key_bytes(s), s->klen))
        return AVILA_ESTATE;
    /* The previous slot is either empty or its entry is at most one step less displaced. */
    size_t prev = (i - 1) & m->mask;
    const struct avila_hashmap_slot *p = &m->slots[prev];
    size_t d = distance(i, s->hash, m->mask);
    if (d > 0 && (p->hash == EMPTY || distance(prev, p->hash, m->mask) + 1 < d))
        return AVILA_ESTATE;
    return find(m, key_bytes(s), s->klen, s->hash) == i ? 0 : AVILA_ESTATE;
}

int avila_hashmap_check(const struct avila_hashmap *m)
{
    size_t cap = avila_hashmap_capacity(m), seen = 0;
    if (m->slots != NULL && (cap < MIN_CAP || (cap & (cap - 1)) != 0))
        return AVILA_ESTATE;
    for (size_t i = 0; i < cap; i++) {
        if (m->slots[i].hash == EMPTY)
            continue;
        if (check_slot(m, i) != 0)
            return AVILA_ESTATE;
        seen++;
    }
    return seen == m->count && m->count <= max_load(cap) ? 0 : AVILA_ESTATE;
}
