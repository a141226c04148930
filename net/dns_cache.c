/*
 * net/dns_cache.c - the resolver's TTL cache: fixed capacity, keys (name
 * lower-cased, type), expiry against a time the caller passes, negative
 * entries (RFC 2308 section 5), CLOCK eviction (Corbato's second-chance
 * algorithm), and an index by linear probing with backward-shift deletion
 * (Knuth, TAOCP vol. 3, 6.4, Algorithm R) keyed by SipHash-1-3.
 * Pure; see net/dns.h for the contracts.
 */
#include "net/dns.h"

#include "core/endian.h"
#include "core/hash.h"
#include "net/dns_int.h"

struct avila_dns_cache_entry {
    uint64_t expires; /* first second at which the entry is stale */
    uint64_t hash;
    uint8_t key[AVILA_DNS_NAME_MAX];
    uint8_t key_len;
    uint8_t verdict;
    uint8_t ref; /* referenced since the CLOCK hand last passed */
    uint16_t type;
    uint32_t count; /* addresses stored */
};

static uint64_t key_hash(const struct avila_dns_cache *c, const uint8_t *key, size_t len,
                         uint16_t type)
{
    uint8_t buf[AVILA_DNS_NAME_MAX + 2];
    memcpy(buf, key, len);
    avila_store_be16(buf + len, type);
    return avila_siphash13(c->seed, buf, len + 2);
}

int avila_dns_cache_init(struct avila_dns_cache *c, const struct avila_allocator *a,
                         size_t capacity, size_t max_addrs, uint32_t max_ttl,
                         const uint8_t seed[16])
{
    if (c == NULL || a == NULL || seed == NULL || capacity == 0 ||
        capacity > AVILA_DNS_CACHE_MAX_ENTRIES || max_addrs == 0 ||
        max_addrs > AVILA_DNS_CACHE_MAX_ADDRS)
        return AVILA_EINVAL;
    memset(c, 0, sizeof *c);
    size_t slots = 2;
    while (slots < 2 * capacity) /* at most half full */
        slots *= 2;
    c->entries = avila_alloc_array(a, capacity, sizeof *c->entries, _Alignof(uint64_t));
    if (c->entries == NULL)
        goto fail;
    c->addrs = avila_alloc_array(a, capacity * max_addrs, sizeof *c->addrs, 1);
    if (c->addrs == NULL)
        goto fail_entries;
    c->index = avila_alloc_array(a, slots, sizeof *c->index, _Alignof(uint32_t));
    if (c->index == NULL)
        goto fail_addrs;
    memset(c->index, 0, slots * sizeof *c->index);
    c->capacity = capacity;
    c->max_addrs = max_addrs;
    c->index_mask = slots - 1;
    c->max_ttl = max_ttl != 0 ? max_ttl : AVILA_DNS_CACHE_DEFAULT_MAX_TTL;
    memcpy(c->seed, seed, 16);
    c->a = a;
    return 0;

fail_addrs:
    avila_free(a, c->addrs, capacity * max_addrs * sizeof *c->addrs, 1);
fail_entries:
    avila_free(a, c->entries, capacity * sizeof *c->entries, _Alignof(uint64_t));
fail:
    memset(c, 0, sizeof *c);
    return AVILA_ENOMEM;
}

void avila_dns_cache_release(struct avila_dns_cache *c)
{
    if (c == NULL || c->a == NULL)
        return;
    avila_free(c->a, c->index, (c->index_mask + 1) * sizeof *c->index, _Alignof(uint32_t));
    avila_free(c->a, c->addrs, c->capacity * c->max_addrs * sizeof *c->addrs, 1);
    avila_free(c->a, c->entries, c->capacity * sizeof *c->entries, _Alignof(uint64_t));
    memset(c, 0, sizeof *c);
}

/* The index slot holding the entry for the key, or of the empty slot where it would go. */
static size_t find_slot(const struct avila_dns_cache *c, const uint8_t *key, size_t len,
                        uint16_t type, uint64_t hash)
{
    size_t s = (size_t)hash & c->index_mask;
    /* The index is at most half full, so an empty slot ends every probe. */
    while (c->index[s] != 0) {
        const struct avila_dns_cache_entry *e = &c->entries[c->index[s] - 1];
        if (e->hash == hash && e->type == type && e->key_len == len &&
            memcmp(e->key, key, len) == 0)
            return s;
        s = (s + 1) & c->index_mask;
    }
    return s;
}

/* Removes the index slot s, shifting later members of its probe run back. */
static void index_remove(struct avila_dns_cache *c, size_t s)
{
    size_t hole = s, i = s;
    for (;;) {
        i = (i + 1) & c->index_mask;
        if (c->index[i] == 0)
            break;
        size_t home = (size_t)c->entries[c->index[i] - 1].hash & c->index_mask;
        /* Move i into the hole unless its home lies cyclically in (hole, i]. */
        bool stays = hole <= i ? (home > hole && home <= i) : (home > hole || home <= i);
        if (!stays) {
            c->index[hole] = c->index[i];
            hole = i;
        }
    }
    c->index[hole] = 0;
}

/* Picks the entry a new key goes into: a never used one, else the CLOCK victim. */
static size_t take_entry(struct avila_dns_cache *c, uint64_t now)
{
    if (c->used < c->capacity)
        return c->used++;
    /* Two sweeps at most: the first clears every reference bit it passes. */
    for (;;) {
        size_t i = c->hand;
        struct avila_dns_cache_entry *e = &c->entries[i];
        c->hand = (c->hand + 1) % c->capacity;
        if (e->expires <= now || !e->ref) {
            index_remove(c, find_slot(c, e->key, e->key_len, e->type, e->hash));
            return i;
        }
        e->ref = 0;
    }
}

int avila_dns_cache_put(struct avila_dns_cache *c, const uint8_t *name, size_t name_len,
                        uint16_t type, int verdict, const struct avila_dns_addr *addrs, size_t n,
                        uint32_t ttl, uint64_t now)
{
    if (c == NULL || c->entries == NULL || avila_dns_name_check(name, name_len) < 0 ||
        (verdict != AVILA_DNS_ANSWER && verdict != AVILA_DNS_NXDOMAIN &&
         verdict != AVILA_DNS_NODATA) ||
        (verdict == AVILA_DNS_ANSWER && addrs == NULL && n != 0))
        return AVILA_EINVAL;
    ttl = dns_ttl(ttl);
    if (ttl > c->max_ttl)
        ttl = c->max_ttl;
    if (ttl == 0)
        return 0;
    uint8_t key[AVILA_DNS_NAME_MAX];
    memcpy(key, name, name_len);
    avila_dns_name_lower(key, name_len);
    uint64_t hash = key_hash(c, key, name_len, type);
    size_t s = find_slot(c, key, name_len, type, hash), i;
    if (c->index[s] != 0) {
        i = c->index[s] - 1;
    } else {
        i = take_entry(c, now);
        /* Eviction may have shifted the index: look for the free slot again. */
        s = find_slot(c, key, name_len, type, hash);
        c->index[s] = (uint32_t)(i + 1);
    }
    struct avila_dns_cache_entry *e = &c->entries[i];
    memcpy(e->key, key, name_len);
    e->key_len = (uint8_t)name_len;
    e->type = type;
    e->hash = hash;
    e->verdict = (uint8_t)verdict;
    e->ref = 0;
    e->expires = now + ttl < now ? UINT64_MAX : now + ttl;
    e->count = 0;
    if (verdict == AVILA_DNS_ANSWER) {
        size_t keep = n < c->max_addrs ? n : c->max_addrs;
        memcpy(c->addrs + i * c->max_addrs, addrs, keep * sizeof *addrs);
        e->count = (uint32_t)keep;
    }
    return 0;
}

int avila_dns_cache_get(struct avila_dns_cache *c, const uint8_t *name, size_t name_len,
                        uint16_t type, uint64_t now, struct avila_dns_addr *out, size_t max,
                        struct avila_dns_cache_hit *hit)
{
    if (c == NULL || c->entries == NULL || hit == NULL || (out == NULL && max != 0) ||
        avila_dns_name_check(name, name_len) < 0)
        return AVILA_EINVAL;
    uint8_t key[AVILA_DNS_NAME_MAX];
    memcpy(key, name, name_len);
    avila_dns_name_lower(key, name_len);
    uint64_t hash = key_hash(c, key, name_len, type);
    size_t s = find_slot(c, key, name_len, type, hash);
    if (c->index[s] == 0)
        return AVILA_ENOTFOUND;
    size_t i = c->index[s] - 1;
    struct avila_dns_cache_entry *e = &c->entries[i];
    if (e->expires <= now)
        return AVILA_ENOTFOUND;
    e->ref = 1;
    uint64_t left = e->expires - now;
    hit->verdict = e->verdict;
    hit->ttl_left = left > UINT32_MAX ? UINT32_MAX : (uint32_t)left;
    hit->count = e->count;
    size_t copy = e->count < max ? e->count : max;
    if (copy != 0 && out != NULL)
        memcpy(out, c->addrs + i * c->max_addrs, copy * sizeof *out);
    return 0;
}

size_t avila_dns_cache_count(const struct avila_dns_cache *c)
{
    return c->used;
}
