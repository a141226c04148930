/*
 * core/hashmap.h - hash map from byte-string keys to caller pointers. Pure.
 *
 * Open addressing with Robin Hood probing (Celis, "Robin Hood Hashing",
 * 1986) and backward-shift deletion, so there are no tombstones and probe
 * sequences stay short; the table is a power of two at most 7/8 full. Keys
 * are hashed with SipHash-1-3 (core/hash.h) under a 16-byte seed the caller
 * supplies: with a secret, random seed (from the OS; pure code has none) an
 * attacker cannot choose keys that collide, which is what defeats
 * hash-flooding denial of service.
 *
 * Keys are copied into the map and owned by it (up to
 * AVILA_HASHMAP_INLINE_KEY bytes are stored in the table itself, longer ones
 * in one allocation each). Values are void pointers owned by the caller; the
 * map never dereferences them. Every limit comes from the config.
 *
 * Errors: AVILA_ELIMIT past max_entries / max_key_len, AVILA_ENOMEM when the
 * allocator refuses, AVILA_ENOTFOUND for a missing key. Every failure leaves
 * the map exactly as it was. Not thread-safe; concurrent readers are fine
 * while nobody writes.
 */
#ifndef AVILA_CORE_HASHMAP_H
#define AVILA_CORE_HASHMAP_H

#include "core/alloc.h"
#include "core/error.h"
#include "core/platform.h"

/* Keys up to this many bytes live in the table slot: no allocation, one cache miss. */
#define AVILA_HASHMAP_INLINE_KEY 16

#define AVILA_HASHMAP_DEFAULT_MAX_ENTRIES 65536
#define AVILA_HASHMAP_DEFAULT_MAX_KEY_LEN 1024
/* Largest max_entries accepted (the table then has 2^31 slots). */
#define AVILA_HASHMAP_MAX_ENTRIES_LIMIT ((size_t)1 << 30)
/* Largest max_key_len accepted. */
#define AVILA_HASHMAP_MAX_KEY_LEN_LIMIT ((size_t)UINT32_MAX)

/*
 * Limits. A zero field takes its default: 65536 entries and 1024-byte keys,
 * so a map fed by a peer holds at most about 64 MiB of keys plus a 4 MiB
 * table unless the caller raises them.
 */
struct avila_hashmap_config {
    size_t max_entries;
    size_t max_key_len;
};

struct avila_hashmap_slot;

/* Caller-allocated; all fields are private. */
struct avila_hashmap {
    struct avila_hashmap_slot *slots; /* NULL until the first insert */
    size_t mask;                      /* capacity - 1, when slots is set */
    size_t count;
    size_t max_entries;
    size_t max_key_len;
    const struct avila_allocator *a;
    uint8_t seed[16];
};

/*
 * Starts an empty map that allocates from a (which MUST outlive the map).
 * cfg (NULL = defaults) and seed are copied. seed SHOULD be 16 secret random
 * bytes whenever keys may come from an attacker. Allocates nothing yet.
 * Returns 0, or AVILA_EINVAL if a limit exceeds its _LIMIT constant.
 */
int avila_hashmap_init(struct avila_hashmap *m, const struct avila_allocator *a,
                       const struct avila_hashmap_config *cfg, const uint8_t seed[16]);

/*
 * Maps the klen bytes at key (copied; key MAY be NULL if klen is 0) to
 * value. Returns 0 if the key was new, 1 if it was present and its value
 * replaced; *old (if old is not NULL) gets the previous value, or NULL for a
 * new key. Replacing never allocates and never fails. Errors: AVILA_ELIMIT
 * (key too long, or a new key with max_entries present), AVILA_ENOMEM.
 */
int avila_hashmap_put(struct avila_hashmap *m, const void *key, size_t klen, void *value,
                      void **old);

/*
 * Looks key up. Returns 0 and sets *value (if value is not NULL), or
 * AVILA_ENOTFOUND.
 */
int avila_hashmap_get(const struct avila_hashmap *m, const void *key, size_t klen, void **value);

/*
 * Removes key, handing its value back in *value (if value is not NULL).
 * Returns 0 or AVILA_ENOTFOUND. Never allocates.
 */
int avila_hashmap_remove(struct avila_hashmap *m, const void *key, size_t klen, void **value);

/* Number of entries. */
size_t avila_hashmap_count(const struct avila_hashmap *m);

/* Number of slots in the table (0 before the first insert). */
size_t avila_hashmap_capacity(const struct avila_hashmap *m);

/*
 * Makes room for n entries in total, so that inserting up to n never
 * allocates a table (long keys still allocate). Returns 0, AVILA_ELIMIT if
 * n > max_entries, or AVILA_ENOMEM.
 */
int avila_hashmap_reserve(struct avila_hashmap *m, size_t n);

/*
 * Iterates: set *iter to 0, then each call returns 1 and the next entry's
 * key (*key, *klen; pointing into the map) and value, or 0 when all were
 * visited. Each entry is seen exactly once, in no particular order, if the
 * map is not modified during the iteration; key pointers are valid until
 * the next modification. key, klen and value MAY be NULL.
 */
int avila_hashmap_next(const struct avila_hashmap *m, size_t *iter, const uint8_t **key,
                       size_t *klen, void **value);

/* Removes every entry (values are the caller's to free), keeping the table. */
void avila_hashmap_clear(struct avila_hashmap *m);

/* Removes every entry and frees all memory; the map may be used again as after init. */
void avila_hashmap_release(struct avila_hashmap *m);

/*
 * Verifies the table's invariants (for tests, fuzzing and audits; O(capacity
 * x probe length)): the count, every stored hash, the Robin Hood ordering,
 * and that every entry is found by lookup. Returns 0 or AVILA_ESTATE.
 */
int avila_hashmap_check(const struct avila_hashmap *m);

#endif
