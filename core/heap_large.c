/*
 * core/heap_large.c - blocks above AVILA_HEAP_MAX_SMALL (OS): each its own
 * anonymous mapping, with a small header right below the block (in the
 * mapping's first page); realloc moves the mapping with mremap, without a
 * copy, when the alignment is at most a page. Fresh mappings read as zero,
 * so calloc never clears them.
 *
 * A freed mapping is kept a while (the decay delay, avila_heap_set_decay_ms)
 * in a small cache, up to HEAP_LARGE_CACHE_BYTES, and a later large block of
 * half to all its size takes it over (one of up to twice its size grows it
 * by mremap): a program that allocates and frees big buffers again and
 * again pays the mmap, munmap and page faults once, not each time.
 *
 * In hardened mode the block ends against a PROT_NONE guard page at the end
 * of its mapping, the header's magic is XORed with the key and the block
 * address, and it keeps the requested size and the call site (for the leak
 * report); the bytes between the requested end and the guard are canaries.
 * A registry of the hardened blocks' addresses is checked before a header
 * is read, so a double free (the mapping is gone) or a wild pointer (maybe
 * into nothing) is reported instead of faulting.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>

#include "core/heap_int.h"

#define LARGE_MAGIC 0x4156494c414c4731ull /* "AVILALG1" */

struct large_hdr {
    uint64_t magic;
    uint8_t *base;  /* start of the mapping */
    size_t map_len; /* its length (with the guard page) */
    size_t offset;  /* block - base */
    size_t req;     /* hardened: the requested size */
    uint32_t site;  /* hardened: call site index */
    uint32_t hard;  /* hardened: 1 (the mapping ends with a guard page) */
};

_Static_assert(sizeof(struct large_hdr) <= 64, "header fits below a 64-byte offset");

static _Atomic size_t large_blocks, large_bytes, large_mapped;

static uint64_t magic_of(const void *p)
{
    if (avila_heapi_hardened)
        return LARGE_MAGIC ^ avila_heapi_key[1] ^ (uint64_t)(uintptr_t)p;
    return LARGE_MAGIC;
}

/* ------------------------------------------------------------ cache of freed mappings */

struct cached_map {
    uint8_t *base;
    size_t len;
    uint64_t freed_ms;
};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cached_map cache[HEAP_LARGE_CACHE_SLOTS];
static size_t cache_n, cache_bytes;     /* entries in use (cache[0..cache_n)), their bytes */
static _Atomic size_t cache_bytes_seen; /* cache_bytes, for the statistics */

/* Removes cache[i], moving the last entry into its place. cache_lock held. */
static struct cached_map cache_take_locked(size_t i)
{
    struct cached_map m = cache[i];
    cache[i] = cache[--cache_n];
    cache_bytes -= m.len;
    atomic_store_explicit(&cache_bytes_seen, cache_bytes, memory_order_relaxed);
    return m;
}

/*
 * Moves the entries older than the decay delay (all of them with force)
 * to out (HEAP_LARGE_CACHE_SLOTS room), for the caller to unmap once the
 * lock is dropped. Returns how many. cache_lock held.
 */
static size_t cache_expire_locked(uint64_t now, int force, struct cached_map *out)
{
    unsigned decay = avila_heapi_decay_ms();
    size_t n = 0;
    for (size_t i = 0; i < cache_n;) {
        if (force || now - cache[i].freed_ms >= decay)
            out[n++] = cache_take_locked(i);
        else
            i++;
    }
    return n;
}

static void unmap_all(const struct cached_map *m, size_t n)
{
    for (size_t i = 0; i < n; i++)
        munmap(m[i].base, m[i].len);
}

/*
 * A cached mapping for a block needing len bytes, taken out of the cache:
 * the smallest of len to 2 * len bytes, used whole; else the largest of
 * len / 2 to len, grown by mremap (its pages move with it, no copy). The
 * pages already touched are what the reuse saves; a mapping more than
 * twice the need stays cached for a larger block (a live block never
 * holds more than twice its size). Returns its base and sets *got to its
 * length, or NULL.
 */
static uint8_t *cache_get(size_t len, size_t *got)
{
    if (atomic_load_explicit(&cache_bytes_seen, memory_order_relaxed) < len / 2)
        return NULL;
    pthread_mutex_lock(&cache_lock);
    size_t fit = cache_n, grow = cache_n;
    for (size_t i = 0; i < cache_n; i++) {
        size_t n = cache[i].len;
        if (n >= len && n / 2 <= len && (fit == cache_n || n < cache[fit].len))
            fit = i;
        else if (n < len && n >= len / 2 && (grow == cache_n || n > cache[grow].len))
            grow = i;
    }
    struct cached_map m = {NULL, 0, 0};
    if (fit < cache_n || grow < cache_n)
        m = cache_take_locked(fit < cache_n ? fit : grow);
    pthread_mutex_unlock(&cache_lock);
    if (m.base != NULL && m.len < len) {
        uint8_t *grown = mremap(m.base, m.len, len, MREMAP_MAYMOVE);
        if (grown == MAP_FAILED) {
            munmap(m.base, m.len);
            return NULL;
        }
        m.base = grown;
        m.len = len;
    }
    *got = m.len;
    return m.base;
}

/*
 * Keeps the freed mapping base[0..len) for reuse, expiring what is due and
 * making room by dropping the oldest entries; unmaps it instead when the
 * decay delay is 0 or it is larger than the whole cache.
 */
static void cache_put(uint8_t *base, size_t len)
{
    struct cached_map drop[HEAP_LARGE_CACHE_SLOTS + 1];
    if (len > HEAP_LARGE_CACHE_BYTES || avila_heapi_decay_ms() == 0) {
        munmap(base, len);
        return;
    }
    uint64_t now = avila_heapi_now_ms();
    pthread_mutex_lock(&cache_lock);
    size_t n = cache_expire_locked(now, 0, drop);
    while (cache_n == HEAP_LARGE_CACHE_SLOTS || cache_bytes + len > HEAP_LARGE_CACHE_BYTES) {
        size_t oldest = 0;
        for (size_t i = 1; i < cache_n; i++)
            if (cache[i].freed_ms < cache[oldest].freed_ms)
                oldest = i;
        drop[n++] = cache_take_locked(oldest);
    }
    cache[cache_n++] = (struct cached_map){base, len, now};
    cache_bytes += len;
    atomic_store_explicit(&cache_bytes_seen, cache_bytes, memory_order_relaxed);
    pthread_mutex_unlock(&cache_lock);
    unmap_all(drop, n);
}

void avila_heapi_large_release(uint64_t now, int force)
{
    struct cached_map drop[HEAP_LARGE_CACHE_SLOTS];
    if (atomic_load_explicit(&cache_bytes_seen, memory_order_relaxed) == 0)
        return;
    pthread_mutex_lock(&cache_lock);
    size_t n = cache_expire_locked(now, force, drop);
    pthread_mutex_unlock(&cache_lock);
    unmap_all(drop, n);
}

/* ------------------------------------------------------------ hardened registry
 *
 * An open-addressing table (linear probing, at most 3/4 full) of the
 * hardened large blocks: an entry is the block address, with bit 0 set once
 * the block is freed (a tombstone, so a second free is told apart from a
 * wild pointer until the table is rebuilt). 0 is an empty slot. One lock;
 * large blocks cost an mmap anyway.
 */

enum { REG_ABSENT, REG_LIVE, REG_FREED };

#define REG_MIN_CAP 1024

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static uintptr_t *reg_tab;
static size_t reg_cap, reg_used, reg_live; /* slots (a power of two), non-empty, live */

/* The slot holding a (live or freed), or the empty slot that ends its probe. */
static uintptr_t *reg_slot(uintptr_t *tab, size_t cap, uintptr_t a)
{
    uint64_t h = (uint64_t)(a >> 4) * 0x9e3779b97f4a7c15ull;
    for (size_t i = (size_t)(h >> 32) & (cap - 1);; i = (i + 1) & (cap - 1))
        if (tab[i] == 0 || (tab[i] & ~(uintptr_t)1) == a)
            return &tab[i];
}

/* Moves the live entries to a table with room for as many again (tombstones dropped). */
static int reg_rebuild(void)
{
    size_t cap = REG_MIN_CAP;
    while (cap < 4 * (reg_live + 1))
        cap *= 2;
    uintptr_t *tab = avila_heapi_os_map(cap * sizeof(*tab), HEAP_OS_PAGE);
    if (tab == NULL)
        return -1;
    for (size_t i = 0; i < reg_cap; i++)
        if (reg_tab[i] != 0 && (reg_tab[i] & 1) == 0)
            *reg_slot(tab, cap, reg_tab[i]) = reg_tab[i];
    if (reg_tab != NULL)
        avila_heapi_os_unmap(reg_tab, reg_cap * sizeof(*reg_tab));
    reg_tab = tab;
    reg_cap = cap;
    reg_used = reg_live;
    return 0;
}

/* Records the new block p as live: 0, or -1 if the table cannot grow. */
static int reg_add(const void *p)
{
    int rc = 0;
    pthread_mutex_lock(&reg_lock);
    if (4 * (reg_used + 1) > 3 * reg_cap && reg_rebuild() != 0) {
        rc = -1;
    } else {
        uintptr_t *s = reg_slot(reg_tab, reg_cap, (uintptr_t)p);
        reg_used += *s == 0;
        *s = (uintptr_t)p;
        reg_live++;
    }
    pthread_mutex_unlock(&reg_lock);
    return rc;
}

/* What the registry knows of p (REG_*); a live p becomes freed with release. */
static int reg_lookup(const void *p, int release)
{
    int st = REG_ABSENT;
    pthread_mutex_lock(&reg_lock);
    if (reg_cap != 0) {
        uintptr_t *s = reg_slot(reg_tab, reg_cap, (uintptr_t)p);
        if (*s == (uintptr_t)p) {
            st = REG_LIVE;
            if (release) {
                *s |= 1;
                reg_live--;
            }
        } else if (*s != 0) {
            st = REG_FREED;
        }
    }
    pthread_mutex_unlock(&reg_lock);
    return st;
}

void avila_heapi_large_fork_prepare(void)
{
    pthread_mutex_lock(&reg_lock);
    pthread_mutex_lock(&cache_lock);
}

void avila_heapi_large_fork_parent(void)
{
    pthread_mutex_unlock(&cache_lock);
    pthread_mutex_unlock(&reg_lock);
}

void avila_heapi_large_fork_child(void)
{
    pthread_mutex_init(&cache_lock, NULL);
    pthread_mutex_init(&reg_lock, NULL);
}

/* Hardened: p MUST be a live registered block (freed from the registry with release). */
static void hard_lookup(const void *p, int release)
{
    if (((uintptr_t)p & 15) != 0)
        avila_heapi_report("invalid free of", p, " (not in a heap segment, not 16-byte aligned)");
    int st = reg_lookup(p, release);
    if (st == REG_FREED)
        avila_heapi_report("double free of", p, " (large block, freed already)");
    if (st == REG_ABSENT)
        avila_heapi_report("invalid free of", p,
                           " (not in a heap segment, and not a live large block)");
}

/* The header of the large block p; in hardened mode checked against the registry first. */
static struct large_hdr *hdr_of(const void *p, int release)
{
    if (avila_heapi_hardened)
        hard_lookup(p, release);
    struct large_hdr *h = (struct large_hdr *)((const uint8_t *)p - sizeof(struct large_hdr));
    /* A pointer that is neither a segment block nor a large block: memory misuse. */
    if (((uintptr_t)p & 15) != 0 || h->magic != magic_of(p) || h->base + h->offset != p ||
        h->offset > h->map_len) {
        if (avila_heapi_hardened)
            avila_heapi_report("invalid free of", p,
                               " (not in a heap segment, and no large-block header checks)");
        __builtin_trap();
    }
    return h;
}

/* Hardened: the canary bytes between the requested end and the guard page. */
static void hard_canary_check(const struct large_hdr *h, const uint8_t *p)
{
    const uint8_t *end = h->base + h->map_len - HEAP_OS_PAGE;
    uint64_t cm = avila_heapi_block_mask(p);
    for (const uint8_t *q = p + h->req; q < end; q++) {
        if (*q == avila_heapi_canary(cm, (size_t)(q - p)))
            continue;
        struct heap_msg m = {.n = 0};
        avila_heapi_msg_str(&m, "avila heap: buffer overflow past the end of ");
        avila_heapi_msg_hex(&m, (uintptr_t)p);
        avila_heapi_msg_str(&m, " (");
        avila_heapi_msg_dec(&m, h->req);
        avila_heapi_msg_str(&m, " bytes, large block, canary at +");
        avila_heapi_msg_dec(&m, (size_t)(q - p));
        avila_heapi_msg_str(&m, " overwritten with ");
        avila_heapi_msg_hex(&m, *q);
        avila_heapi_msg_str(&m, ")");
        avila_heapi_msg_abort(&m);
    }
}

static size_t page_round(size_t n)
{
    return (n + HEAP_OS_PAGE - 1) & ~(size_t)(HEAP_OS_PAGE - 1);
}

static void account(size_t usable, size_t mapped, int sign)
{
    if (sign > 0) {
        atomic_fetch_add_explicit(&large_blocks, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&large_bytes, usable, memory_order_relaxed);
        atomic_fetch_add_explicit(&large_mapped, mapped, memory_order_relaxed);
    } else {
        atomic_fetch_sub_explicit(&large_blocks, 1, memory_order_relaxed);
        atomic_fetch_sub_explicit(&large_bytes, usable, memory_order_relaxed);
        atomic_fetch_sub_explicit(&large_mapped, mapped, memory_order_relaxed);
    }
}

void *avila_heapi_large_alloc(size_t size, size_t align, int zero)
{
    /* The block must lie inside the mapping, also at size 0: free finds its chunk from it. */
    if (size == 0)
        size = 1;
    if (align < 64)
        align = 64;
    size_t off, len;
    uint8_t *base;
    if (size > PTRDIFF_MAX - (size_t)2 * align - HEAP_OS_PAGE) {
        errno = ENOMEM;
        return NULL;
    }
    if (align <= HEAP_OS_PAGE) {
        off = align;
        len = page_round(off + size);
        size_t got;
        base = cache_get(len, &got);
        if (base != NULL) {
            len = got;
            if (zero)
                memset(base + off, 0, size); /* fresh mappings are zero, reused ones not */
        } else {
            base = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (base == MAP_FAILED) {
                errno = ENOMEM;
                return NULL;
            }
        }
    } else {
        len = page_round(size + align);
        base = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (base == MAP_FAILED) {
            errno = ENOMEM;
            return NULL;
        }
        off = (((uintptr_t)base + 64 + align - 1) & ~(uintptr_t)(align - 1)) - (uintptr_t)base;
    }
    uint8_t *p = base + off;
    struct large_hdr *h = (struct large_hdr *)(p - sizeof(struct large_hdr));
    h->magic = LARGE_MAGIC;
    h->base = base;
    h->map_len = len;
    h->offset = off;
    h->hard = 0;
    account(len - off, len, 1);
    return p;
}

void *avila_heapi_large_alloc_hard(size_t size, size_t align, const void *site)
{
    if (align < 16)
        align = 16;
    if (size > PTRDIFF_MAX - (size_t)2 * align - (size_t)4 * HEAP_OS_PAGE) {
        errno = ENOMEM;
        return NULL;
    }
    size_t data = page_round(size + align + 64), len = data + HEAP_OS_PAGE;
    uint8_t *base = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) {
        errno = ENOMEM;
        return NULL;
    }
    if (mprotect(base + data, HEAP_OS_PAGE, PROT_NONE) != 0) {
        munmap(base, len);
        errno = ENOMEM;
        return NULL;
    }
    /* The end as close to the guard as the alignment lets it. */
    uint8_t *p = base + data - size;
    p -= (uintptr_t)p & (align - 1);
    struct large_hdr *h = (struct large_hdr *)(p - sizeof(struct large_hdr));
    h->magic = magic_of(p);
    h->base = base;
    h->map_len = len;
    h->offset = (size_t)(p - base);
    h->req = size;
    h->hard = 1;
    h->site = avila_heapi_site_index(site);
    uint64_t cm = avila_heapi_block_mask(p);
    for (uint8_t *q = p + size; q < base + data; q++)
        *q = avila_heapi_canary(cm, (size_t)(q - p));
    if (reg_add(p) != 0) {
        munmap(base, len);
        errno = ENOMEM;
        return NULL;
    }
    avila_heapi_site_count(h->site, size, 1);
    account(size, len, 1);
    return p;
}

void avila_heapi_large_free(void *p)
{
    struct large_hdr *h = hdr_of(p, 1);
    size_t len = h->map_len;
    uint8_t *base = h->base;
    if (h->hard) {
        hard_canary_check(h, p);
        avila_heapi_site_count(h->site, h->req, -1);
        account(h->req, len, -1);
        h->magic = 0;
        munmap(base, len);
        return;
    }
    account(len - h->offset, len, -1);
    h->magic = 0;
    cache_put(base, len);
}

size_t avila_heapi_large_usable(const void *p)
{
    const struct large_hdr *h = hdr_of(p, 0);
    if (h->hard) {
        hard_canary_check(h, p);
        return h->req;
    }
    return h->map_len - h->offset;
}

void *avila_heapi_large_realloc(void *p, size_t size)
{
    struct large_hdr *h = hdr_of(p, 0);
    size_t off = h->offset, len = h->map_len;
    if (h->hard)
        return NULL; /* the caller moves it */
    /* mremap keeps only the offset within a page: larger alignments are copied by the caller. */
    if (off > HEAP_OS_PAGE || size > PTRDIFF_MAX - (size_t)2 * HEAP_OS_PAGE)
        return NULL;
    size_t new_len = page_round(off + size);
    /* Shrinking by less than half keeps the mapping. */
    if (new_len <= len && new_len >= len / 2)
        return p;
    uint8_t *nb = mremap(h->base, len, new_len, MREMAP_MAYMOVE);
    if (nb == MAP_FAILED)
        return NULL;
    account(len - off, len, -1);
    h = (struct large_hdr *)(nb + off - sizeof(struct large_hdr));
    h->base = nb;
    h->map_len = new_len;
    account(new_len - off, new_len, 1);
    return nb + off;
}

void avila_heapi_large_stats(struct avila_heap_stats *st)
{
    size_t bytes = atomic_load_explicit(&large_bytes, memory_order_relaxed);
    st->large_blocks += atomic_load_explicit(&large_blocks, memory_order_relaxed);
    st->large_bytes += bytes;
    size_t m = atomic_load_explicit(&large_mapped, memory_order_relaxed);
    st->allocated += bytes;
    st->active += m;
    st->resident += m;
    st->mapped += m;
    size_t cached = atomic_load_explicit(&cache_bytes_seen, memory_order_relaxed);
    st->large_cached += cached;
    st->resident += cached;
    st->mapped += cached;
}
