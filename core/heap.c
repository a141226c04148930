/*
 * core/heap.c - thread heaps, pages and free lists (OS: pthreads, atomics).
 *
 * The layout and the ownership rules are in core/heap_int.h. Here:
 *   - malloc pops the head page's free list of its class (no lock, no
 *     atomic read-modify-write); when it is empty the slow path collects
 *     the remote frees of the page, carves more blocks, moves full
 *     pages aside, or takes slices for a new page;
 *   - a free by the owner pushes on the page's free list; by any other
 *     thread it is one CAS on the page's thread_free list (and a flag on the
 *     owner when the page sat on its full list);
 *   - an empty page returns its slices to the segment (dirty: still
 *     resident); dirty slices are returned to the OS after the decay delay,
 *     and whole free segments wait in a global cache as long, then unmapped;
 *   - a thread that exits hands its segments to the abandoned list, and a
 *     thread that needs a segment adopts one from there first;
 *   - one global mutex guards the rare shared lists (segment registry,
 *     abandoned list, cache, heap pool); pthread_atfork keeps it consistent
 *     in a forked child;
 *   - in hardened mode the thread's heap is in tl_hheap and tl_heap stays
 *     NULL, so the fast paths (which need tl_heap) are never taken: every
 *     call reaches a branch on the mode outside them, and the
 *     slow-path helpers that touch free lists encode their links
 *     (core/heap_hardened.c has the checks).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>

#include "core/heap_int.h"

#define TLS_MODEL __attribute__((tls_model("initial-exec")))

static _Thread_local struct heap_thread *tl_heap TLS_MODEL;
static _Thread_local struct heap_thread *tl_hheap TLS_MODEL; /* hardened mode's */

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static struct heap_segment *g_all;       /* registry of every segment (all_next) */
static struct heap_segment *g_abandoned; /* segments of exited threads (next) */
static struct heap_segment *g_cache;     /* free segments (next) */
static size_t g_abandoned_n, g_cache_n;
static _Atomic int g_abandoned_any;
static struct heap_thread *g_free_heaps;
static uint8_t *g_meta; /* heap structs are carved from here, never unmapped */
static size_t g_meta_left;
static _Atomic unsigned g_decay_ms = AVILA_HEAP_DEFAULT_DECAY_MS;
static _Atomic int g_state; /* 0: nothing, 1: registering, 2: key and fork handlers ready */
static int g_key_ok;
static pthread_key_t g_key;

/* The owner of abandoned and cached segments: no thread's heap, so every free is remote. */
static struct heap_thread g_nobody;

static void lock(void)
{
    pthread_mutex_lock(&g_lock);
}

static void unlock(void)
{
    pthread_mutex_unlock(&g_lock);
}

static uint32_t used_of(const struct heap_page *pg)
{
    return atomic_load_explicit(&pg->used, memory_order_relaxed);
}

static void used_set(struct heap_page *pg, uint32_t v)
{
    atomic_store_explicit(&pg->used, (uint16_t)v, memory_order_relaxed);
}

static size_t bsize(const struct heap_page *pg)
{
    return atomic_load_explicit(&pg->block_size, memory_order_relaxed);
}

static unsigned page_class(const struct heap_page *pg)
{
    return (unsigned)atomic_load_explicit(&pg->cls, memory_order_relaxed) - 1u;
}

static uint64_t dirty_of(const struct heap_segment *seg)
{
    return atomic_load_explicit(&seg->dirty_mask, memory_order_relaxed);
}

static struct heap_page *page_of(struct heap_segment *seg, const void *p)
{
    unsigned s = (unsigned)(((uintptr_t)p >> HEAP_SLICE_SHIFT) & (HEAP_SLICES - 1));
    return &seg->pages[seg->slice_page[s]];
}

/* ------------------------------------------------------------ page lists */

/* The page queues of a heap: one per class, then the full queue (HEAP_FULL). */
/* Makes pg (or NULL) the first page of queue q, in pages[] and for small classes in direct[]. */
static void set_first(struct heap_thread *h, unsigned q, struct heap_page *pg)
{
    if (h->pages[q] == pg)
        return;
    h->pages[q] = pg;
    if (q <= avila_heapi_class_tab[HEAP_DIRECT_MAX / 8]) {
        /* The entries of class q end at its size / 8 (bounds up to 1 KiB are multiples of 8). */
        for (size_t i = avila_heapi_class_size(q) / 8; avila_heapi_class_tab[i] == q; i--) {
            h->direct[i] = pg;
            if (i == 0)
                break;
        }
    }
}

static void list_remove(struct heap_thread *h, unsigned q, struct heap_page *pg)
{
    if (pg->prev != NULL)
        pg->prev->next = pg->next;
    else
        set_first(h, q, pg->next);
    if (pg->next != NULL)
        pg->next->prev = pg->prev;
    else
        h->last[q] = pg->prev;
    pg->next = pg->prev = NULL;
}

static void list_push(struct heap_thread *h, unsigned q, struct heap_page *pg)
{
    pg->prev = NULL;
    pg->next = h->pages[q];
    if (pg->next != NULL)
        pg->next->prev = pg;
    else
        h->last[q] = pg;
    set_first(h, q, pg);
}

/* Moves pg, on queue q, to its front. */
static void list_move_front(struct heap_thread *h, unsigned q, struct heap_page *pg)
{
    if (pg->prev == NULL)
        return; /* already first */
    pg->prev->next = pg->next;
    if (pg->next != NULL)
        pg->next->prev = pg->prev;
    else
        h->last[q] = pg->prev;
    pg->prev = NULL;
    pg->next = h->pages[q];
    pg->next->prev = pg;
    set_first(h, q, pg);
}

/* Appends pg: a page that just got a block back is visited after the others collected more. */
static void list_append(struct heap_thread *h, unsigned q, struct heap_page *pg)
{
    pg->next = NULL;
    pg->prev = h->last[q];
    if (pg->prev != NULL)
        pg->prev->next = pg;
    else
        set_first(h, q, pg);
    h->last[q] = pg;
}

static unsigned list_of(const struct heap_page *pg)
{
    if (atomic_load_explicit(&pg->in_full, memory_order_relaxed))
        return HEAP_FULL;
    return page_class(pg);
}

/* ------------------------------------------------------------ segments */

static void segment_destroy_locked(struct heap_segment *seg)
{
    if (seg->all_prev != NULL)
        seg->all_prev->all_next = seg->all_next;
    else
        g_all = seg->all_next;
    if (seg->all_next != NULL)
        seg->all_next->all_prev = seg->all_prev;
    avila_heapi_map_set(seg, 0);
    avila_heapi_os_unmap(seg, HEAP_SEGMENT_SIZE);
}

/* Returns the dirty free slices of seg to the OS. */
static void segment_purge(struct heap_segment *seg)
{
    uint64_t m = dirty_of(seg) & seg->free_mask;
    while (m != 0) {
        unsigned i = (unsigned)__builtin_ctzll(m);
        unsigned n = (unsigned)__builtin_ctzll(~(m >> i));
        if (i + n > HEAP_SLICES)
            n = HEAP_SLICES - i;
        avila_heapi_os_purge((uint8_t *)seg + ((size_t)i << HEAP_SLICE_SHIFT),
                             (size_t)n << HEAP_SLICE_SHIFT);
        m = n + i >= 64 ? 0 : m & ~((((uint64_t)1 << n) - 1) << i);
    }
    atomic_store_explicit(&seg->dirty_mask, 0, memory_order_relaxed);
}

static void segment_link(struct heap_segment **head, struct heap_segment *seg)
{
    seg->prev = NULL;
    seg->next = *head;
    if (*head != NULL)
        (*head)->prev = seg;
    *head = seg;
}

static void segment_unlink(struct heap_segment **head, struct heap_segment *seg)
{
    if (seg->prev != NULL)
        seg->prev->next = seg->next;
    else
        *head = seg->next;
    if (seg->next != NULL)
        seg->next->prev = seg->prev;
    seg->next = seg->prev = NULL;
}

/*
 * Puts an empty segment in the global cache, or gives it back to the OS
 * when the cache is full (AVILA_HEAP_CACHE_SEGMENTS): the decay only runs
 * on later mallocs and frees, so without a bound a program that frees a
 * large working set and then idles would hold all of it. g_lock held.
 */
static void cache_segment_locked(struct heap_segment *seg, uint64_t now)
{
    if (g_cache_n >= AVILA_HEAP_CACHE_SEGMENTS) {
        segment_destroy_locked(seg);
        return;
    }
    seg->cached_ms = now;
    segment_link(&g_cache, seg);
    g_cache_n++;
}

/* Moves an empty segment of h to the global cache. */
static void segment_to_cache(struct heap_thread *h, struct heap_segment *seg, uint64_t now)
{
    segment_unlink(&h->segments, seg);
    atomic_store_explicit(&seg->owner, &g_nobody, memory_order_release);
    lock();
    cache_segment_locked(seg, now);
    unlock();
}

/* Unmaps cached segments older than the decay delay (all with force). g_lock held. */
static void cache_release_locked(uint64_t now, int force)
{
    unsigned decay = atomic_load_explicit(&g_decay_ms, memory_order_relaxed);
    struct heap_segment *seg = g_cache;
    while (seg != NULL) {
        struct heap_segment *next = seg->next;
        if (force || now - seg->cached_ms >= decay) {
            segment_unlink(&g_cache, seg);
            g_cache_n--;
            segment_destroy_locked(seg);
        }
        seg = next;
    }
}

/* Every thread-local page purge and cache release that is due. */
static void maintenance(struct heap_thread *h, uint64_t now)
{
    unsigned decay = atomic_load_explicit(&g_decay_ms, memory_order_relaxed);
    h->last_purge_ms = now;
    for (struct heap_segment *seg = h->segments; seg != NULL; seg = seg->next)
        if (dirty_of(seg) != 0 && now - seg->dirty_ms >= decay)
            segment_purge(seg);
    if (pthread_mutex_trylock(&g_lock) == 0) {
        cache_release_locked(now, 0);
        unlock();
    }
    avila_heapi_large_release(now, 0);
}

/* A new or cached segment for h; NULL if the OS refuses. */
static struct heap_segment *segment_new(struct heap_thread *h)
{
    struct heap_segment *seg = NULL;
    lock();
    if (g_cache != NULL) {
        seg = g_cache;
        segment_unlink(&g_cache, seg);
        g_cache_n--;
    }
    unlock();
    if (seg == NULL) {
        seg = avila_heapi_os_map(HEAP_SEGMENT_SIZE, HEAP_SEGMENT_SIZE);
        if (seg == NULL)
            return NULL;
        if (((uintptr_t)seg >> 47) != 0) { /* beyond the chunk map */
            avila_heapi_os_unmap(seg, HEAP_SEGMENT_SIZE);
            return NULL;
        }
        seg->free_mask = ~(uint64_t)1;
        atomic_store_explicit(&seg->dirty_mask, 0, memory_order_relaxed);
        avila_heapi_map_set(seg, 1);
        lock();
        seg->all_prev = NULL;
        seg->all_next = g_all;
        if (g_all != NULL)
            g_all->all_prev = seg;
        g_all = seg;
        unlock();
    }
    seg->pages_used = 0;
    atomic_store_explicit(&seg->owner, h, memory_order_release);
    segment_link(&h->segments, seg);
    return seg;
}

/* ------------------------------------------------------------ pages */

static void page_init(struct heap_segment *seg, unsigned first, unsigned n, unsigned c)
{
    struct heap_page *pg = &seg->pages[first];
    uint64_t run = (n >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << n) - 1)) << first;
    size_t bs = c == HEAP_SPAN_CLASS ? (size_t)n << HEAP_SLICE_SHIFT : avila_heapi_class_size(c);
    pg->fresh = (dirty_of(seg) & run) == 0;
    seg->free_mask &= ~run;
    atomic_store_explicit(&seg->dirty_mask, dirty_of(seg) & ~run, memory_order_relaxed);
    seg->pages_used++;
    for (unsigned i = first; i < first + n; i++)
        seg->slice_page[i] = (uint8_t)first;
    pg->free = NULL;
    atomic_store_explicit(&pg->thread_free, NULL, memory_order_relaxed);
    used_set(pg, 0);
    atomic_store_explicit(&pg->capacity, 0, memory_order_relaxed);
    atomic_store_explicit(&pg->block_size, (uint32_t)bs, memory_order_relaxed);
    pg->reserved = (uint16_t)(((size_t)n << HEAP_SLICE_SHIFT) / bs);
    pg->start = (uint8_t *)seg + ((size_t)first << HEAP_SLICE_SHIFT);
    pg->slices = (uint8_t)n;
    pg->next = pg->prev = NULL;
    atomic_store_explicit(&pg->in_full, 0, memory_order_relaxed);
    atomic_store_explicit(&pg->cls, (uint8_t)(c + 1), memory_order_release);
}

/* Gives pg's slices back to its segment (dirty). pg MUST be off every list. */
static void page_release(struct heap_segment *seg, struct heap_page *pg, uint64_t now)
{
    unsigned first = (unsigned)(pg - seg->pages), n = pg->slices;
    uint64_t run = (n >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << n) - 1)) << first;
    atomic_store_explicit(&pg->cls, 0, memory_order_relaxed);
    seg->free_mask |= run;
    atomic_store_explicit(&seg->dirty_mask, dirty_of(seg) | run, memory_order_relaxed);
    seg->dirty_ms = now;
    seg->pages_used--;
}

/* Carves more blocks from the untouched part of the page (8 KiB at a time). */
static void page_extend(struct heap_page *pg)
{
    uint32_t cap = atomic_load_explicit(&pg->capacity, memory_order_relaxed);
    uint32_t bs = (uint32_t)bsize(pg);
    uint32_t k = 8192 / bs;
    if (k == 0)
        k = 1;
    if (k > pg->reserved - cap)
        k = pg->reserved - cap;
    uint8_t *b = pg->start + (size_t)cap * bs;
    if (AVILA_UNLIKELY(avila_heapi_hardened)) {
        /* Raise capacity first: the links are checked against it. */
        atomic_store_explicit(&pg->capacity, (uint16_t)(cap + k), memory_order_relaxed);
        for (uint32_t i = 0; i < k; i++) {
            struct heap_block *blk = (struct heap_block *)(b + (size_t)i * bs);
            struct heap_block *next =
                i + 1 < k ? (struct heap_block *)(b + (size_t)(i + 1) * bs) : pg->free;
            avila_heapi_hard_poison(blk, bs);
            blk->next = avila_heapi_enc(blk, next);
        }
        pg->free = (struct heap_block *)b;
        return;
    }
    for (uint32_t i = 0; i + 1 < k; i++)
        ((struct heap_block *)(b + (size_t)i * bs))->next =
            (struct heap_block *)(b + (size_t)(i + 1) * bs);
    ((struct heap_block *)(b + (size_t)(k - 1) * bs))->next = pg->free;
    pg->free = (struct heap_block *)b;
    atomic_store_explicit(&pg->capacity, (uint16_t)(cap + k), memory_order_relaxed);
}

/* Moves the remote frees of pg onto its free list (local frees go there directly). Owner only. */
static void page_collect(struct heap_page *pg)
{
    if (atomic_load_explicit(&pg->thread_free, memory_order_relaxed) != NULL) {
        struct heap_block *tf =
            atomic_exchange_explicit(&pg->thread_free, NULL, memory_order_acquire);
        uint32_t n = 1;
        struct heap_block *t = tf;
        if (AVILA_UNLIKELY(avila_heapi_hardened)) {
            struct heap_block *next;
            while ((next = avila_heapi_hard_next(pg, t)) != NULL) {
                t = next;
                n++;
            }
            t->next = avila_heapi_enc(t, pg->free);
            pg->free = tf;
            used_set(pg, used_of(pg) - n);
            pg->fresh = 0;
            return;
        }
        while (t->next != NULL) {
            t = t->next;
            n++;
        }
        t->next = pg->free;
        pg->free = tf;
        used_set(pg, used_of(pg) - n);
        pg->fresh = 0;
    }
}

/* pg (on h's lists) is empty: keep it if it is its class's current page, else release it. */
static void page_empty(struct heap_thread *h, struct heap_page *pg, int keep_current)
{
    unsigned c = page_class(pg);
    if (keep_current && h->pages[c] == pg)
        return;
    list_remove(h, list_of(pg), pg);
    struct heap_segment *seg = avila_heapi_segment_of(pg->start);
    uint64_t now = avila_heapi_now_ms();
    page_release(seg, pg, now);
    /* The newest segment stays even when empty: the thread just needed one (trim caches it). */
    if (seg->pages_used == 0 && h->segments != seg)
        segment_to_cache(h, seg, now);
    if (now - h->last_purge_ms >= atomic_load_explicit(&g_decay_ms, memory_order_relaxed))
        maintenance(h, now);
}

/* pg has neither free blocks nor room: park it on the full list unless a remote free raced in. */
static int page_to_full(struct heap_thread *h, struct heap_page *pg)
{
    atomic_store(&pg->in_full, 1);
    if (atomic_load(&pg->thread_free) != NULL) {
        atomic_store(&pg->in_full, 0);
        return 0;
    }
    list_remove(h, page_class(pg), pg);
    list_push(h, HEAP_FULL, pg);
    return 1;
}

/* Brings back the full pages that remote frees touched. */
static void collect_full(struct heap_thread *h)
{
    atomic_store(&h->full_dirty, 0);
    struct heap_page *pg = h->pages[HEAP_FULL];
    while (pg != NULL) {
        struct heap_page *next = pg->next;
        if (atomic_load(&pg->thread_free) != NULL && page_class(pg) == HEAP_SPAN_CLASS) {
            page_collect(pg);
            if (used_of(pg) == 0)
                page_empty(h, pg, 0);
        } else if (atomic_load(&pg->thread_free) != NULL) {
            list_remove(h, HEAP_FULL, pg);
            atomic_store_explicit(&pg->in_full, 0, memory_order_relaxed);
            page_collect(pg);
            list_append(h, page_class(pg), pg);
            if (used_of(pg) == 0)
                page_empty(h, pg, 1);
        }
        pg = next;
    }
}

/* Finds a run of n free slices in h's segments and starts a page of class c there (on no list). */
static struct heap_page *page_take(struct heap_thread *h, unsigned n, unsigned c)
{
    for (struct heap_segment *seg = h->segments; seg != NULL; seg = seg->next) {
        uint64_t fm = seg->free_mask;
        if (fm == 0)
            continue;
        uint64_t runs = fm, dirty = fm & dirty_of(seg);
        for (unsigned i = 1; i < n; i++) {
            runs &= fm >> i;
            dirty &= (fm & dirty_of(seg)) >> i;
        }
        if (runs == 0)
            continue;
        /* Reuse resident slices first. */
        unsigned first = (unsigned)__builtin_ctzll(dirty != 0 ? dirty : runs);
        page_init(seg, first, n, c);
        return &seg->pages[first];
    }
    return NULL;
}

/* Start of the longest run of set bits in m (bit 0 clear: slice 0 is the header); its length. */
static unsigned longest_run(uint64_t m, unsigned *len)
{
    unsigned best = 0;
    *len = 0;
    while (m != 0) {
        unsigned i = (unsigned)__builtin_ctzll(m);
        uint64_t rest = ~(m >> i);
        unsigned k = rest == 0 ? 64 - i : (unsigned)__builtin_ctzll(rest);
        if (k > *len) {
            best = i;
            *len = k;
        }
        m = i + k >= 64 ? 0 : m & ~((((uint64_t)1 << k) - 1) << i);
    }
    return best;
}

/*
 * A span page of n slices for a growing block: at the start of the longest
 * free run of h's segments, if that run could hold the largest span (so the
 * block can grow to it in place while the slices after it stay free). NULL
 * if no run is that long: a new segment has one.
 */
static struct heap_page *span_take_roomy(struct heap_thread *h, unsigned n)
{
    struct heap_segment *best = NULL;
    unsigned best_first = 0, best_len = (unsigned)(HEAP_SPAN_MAX >> HEAP_SLICE_SHIFT) - 1;
    for (struct heap_segment *seg = h->segments; seg != NULL; seg = seg->next) {
        unsigned len, first = longest_run(seg->free_mask, &len);
        if (len > best_len) {
            best = seg;
            best_first = first;
            best_len = len;
        }
    }
    if (best == NULL)
        return NULL;
    page_init(best, best_first, n, HEAP_SPAN_CLASS);
    return &best->pages[best_first];
}

static struct heap_page *page_new(struct heap_thread *h, unsigned c)
{
    struct heap_page *pg = page_take(h, avila_heapi_class_slices(c), c);
    if (pg != NULL)
        list_push(h, c, pg);
    return pg;
}

/* Takes one abandoned segment and puts its pages on h's lists. Returns 1 if it did. */
static int adopt(struct heap_thread *h)
{
    if (!atomic_load_explicit(&g_abandoned_any, memory_order_relaxed))
        return 0;
    lock();
    struct heap_segment *seg = g_abandoned;
    if (seg != NULL) {
        segment_unlink(&g_abandoned, seg);
        g_abandoned_n--;
        atomic_store_explicit(&g_abandoned_any, g_abandoned != NULL, memory_order_relaxed);
    }
    unlock();
    if (seg == NULL)
        return 0;
    atomic_store_explicit(&seg->owner, h, memory_order_release);
    segment_link(&h->segments, seg);
    uint64_t now = avila_heapi_now_ms();
    for (unsigned i = 1; i < HEAP_SLICES;) {
        if ((seg->free_mask >> i) & 1) {
            i++;
            continue;
        }
        struct heap_page *pg = &seg->pages[i];
        i += pg->slices;
        atomic_store(&pg->in_full, 0);
        page_collect(pg);
        if (used_of(pg) == 0) {
            page_release(seg, pg, now);
        } else if (page_class(pg) == HEAP_SPAN_CLASS) {
            atomic_store(&pg->in_full, 1);
            list_push(h, HEAP_FULL, pg);
        } else {
            list_append(h, page_class(pg), pg);
        }
    }
    return 1;
}

static void *page_pop(struct heap_page *pg)
{
    struct heap_block *b = pg->free;
    if (AVILA_UNLIKELY(avila_heapi_hardened))
        pg->free = avila_heapi_hard_next(pg, b);
    else
        pg->free = b->next;
    used_set(pg, used_of(pg) + 1);
    return b;
}

static void *alloc_slow(struct heap_thread *h, unsigned c)
{
    if (atomic_load_explicit(&h->full_dirty, memory_order_relaxed))
        collect_full(h);
    for (;;) {
        /* Freed blocks first, on any page; fresh memory only when none is left. */
        struct heap_page *pg = h->pages[c], *roomy = NULL;
        while (pg != NULL) {
            struct heap_page *next = pg->next;
            if (pg->free == NULL)
                page_collect(pg);
            if (pg->free != NULL) {
                list_move_front(h, c, pg);
                return page_pop(pg);
            }
            if (atomic_load_explicit(&pg->capacity, memory_order_relaxed) < pg->reserved) {
                if (roomy == NULL)
                    roomy = pg;
            } else if (!page_to_full(h, pg)) {
                continue; /* a remote free arrived: collect it */
            }
            pg = next;
        }
        if (roomy != NULL) {
            page_extend(roomy);
            list_move_front(h, c, roomy);
            return page_pop(roomy);
        }
        if (page_new(h, c) != NULL)
            continue;
        if (adopt(h))
            continue;
        if (segment_new(h) == NULL) {
            errno = ENOMEM;
            return NULL;
        }
    }
}

/* Slices of a span holding size bytes (at least one). */
static unsigned span_slices(size_t size)
{
    return size == 0 ? 1u : (unsigned)((size + HEAP_SLICE_SIZE - 1) >> HEAP_SLICE_SHIFT);
}

/*
 * One block of size bytes (size <= HEAP_SPAN_MAX) on a page of its own,
 * starting on a slice; with roomy, where it can grow most in place.
 */
static void *span_alloc(struct heap_thread *h, size_t size, int roomy)
{
    unsigned n = span_slices(size);
    struct heap_page *pg;
    if (atomic_load_explicit(&h->full_dirty, memory_order_relaxed))
        collect_full(h);
    while ((pg = roomy ? span_take_roomy(h, n) : page_take(h, n, HEAP_SPAN_CLASS)) == NULL) {
        if (adopt(h))
            continue;
        if (segment_new(h) == NULL) {
            errno = ENOMEM;
            return NULL;
        }
    }
    atomic_store_explicit(&pg->in_full, 1, memory_order_relaxed);
    list_push(h, HEAP_FULL, pg);
    atomic_store_explicit(&pg->capacity, 1, memory_order_relaxed);
    used_set(pg, 1);
    return pg->start;
}

/* Grows the span pg to n2 slices if the slices after it are free. Owner only. */
static int span_grow(struct heap_segment *seg, struct heap_page *pg, unsigned n2)
{
    unsigned first = (unsigned)(pg - seg->pages), n = pg->slices;
    if (first + n2 > HEAP_SLICES)
        return 0;
    uint64_t add = (((uint64_t)1 << (n2 - n)) - 1) << (first + n);
    if ((seg->free_mask & add) != add)
        return 0;
    seg->free_mask &= ~add;
    atomic_store_explicit(&seg->dirty_mask, dirty_of(seg) & ~add, memory_order_relaxed);
    for (unsigned i = first + n; i < first + n2; i++)
        seg->slice_page[i] = (uint8_t)first;
    pg->slices = (uint8_t)n2;
    atomic_store_explicit(&pg->block_size, (uint32_t)((size_t)n2 << HEAP_SLICE_SHIFT),
                          memory_order_relaxed);
    return 1;
}

/* Shrinks the span pg to n2 (< its slices) slices: the tail goes back to the segment, dirty. */
static void span_shrink(struct heap_segment *seg, struct heap_page *pg, unsigned n2)
{
    unsigned first = (unsigned)(pg - seg->pages), n = pg->slices;
    uint64_t cut = (((uint64_t)1 << (n - n2)) - 1) << (first + n2);
    atomic_store_explicit(&pg->block_size, (uint32_t)((size_t)n2 << HEAP_SLICE_SHIFT),
                          memory_order_relaxed);
    pg->slices = (uint8_t)n2;
    seg->free_mask |= cut;
    atomic_store_explicit(&seg->dirty_mask, dirty_of(seg) | cut, memory_order_relaxed);
    seg->dirty_ms = avila_heapi_now_ms();
}

/*
 * Resizes the span pg of seg to hold size bytes without moving it: the owner
 * grows it into free slices after it or gives its tail slices back, as long
 * as size stays a span's (HEAP_GROW_SPAN_MIN..HEAP_SPAN_MAX); anyone keeps
 * it while size fits and is at least half of it. Returns 1 if the block stays.
 */
static int span_resize(struct heap_segment *seg, struct heap_page *pg, size_t size)
{
    size_t old = bsize(pg);
    if (size < HEAP_GROW_SPAN_MIN || size > HEAP_SPAN_MAX ||
        atomic_load_explicit(&seg->owner, memory_order_relaxed) != tl_heap)
        return size <= old && size >= old / 2;
    unsigned n2 = span_slices(size);
    if (n2 > pg->slices)
        return span_grow(seg, pg, n2);
    if (n2 < pg->slices)
        span_shrink(seg, pg, n2);
    return 1;
}

/* ------------------------------------------------------------ thread heaps */

static void abandon(struct heap_thread *h);

static void thread_done(void *v)
{
    struct heap_thread *h = v;
    if (h == NULL)
        return;
    tl_heap = NULL;
    tl_hheap = NULL;
    abandon(h);
}

static void fork_prepare(void)
{
    lock();
    avila_heapi_large_fork_prepare();
}

static void fork_parent(void)
{
    avila_heapi_large_fork_parent();
    unlock();
}

static void fork_child(void)
{
    avila_heapi_large_fork_child();
    pthread_mutex_init(&g_lock, NULL);
}

/* Registers the key and the fork handlers once; they may allocate (tl_heap is set by then). */
static void global_init(void)
{
    int expect = 0;
    if (atomic_compare_exchange_strong(&g_state, &expect, 1)) {
        g_key_ok = pthread_key_create(&g_key, thread_done) == 0;
        pthread_atfork(fork_prepare, fork_parent, fork_child);
        atomic_store(&g_state, 2);
        return;
    }
    while (atomic_load(&g_state) != 2)
        sched_yield();
}

static struct heap_thread *heap_new(void)
{
    struct heap_thread *h = NULL;
    avila_heapi_hard_entry(); /* the mode is decided before the first heap exists */
    lock();
    if (g_free_heaps != NULL) {
        h = g_free_heaps;
        g_free_heaps = h->next_free;
    } else {
        size_t sz = (sizeof(struct heap_thread) + 63) & ~(size_t)63;
        if (g_meta_left < sz) {
            g_meta = avila_heapi_os_map(HEAP_SLICE_SIZE, HEAP_OS_PAGE);
            g_meta_left = g_meta != NULL ? HEAP_SLICE_SIZE : 0;
        }
        if (g_meta_left >= sz) {
            h = (struct heap_thread *)g_meta;
            g_meta += sz;
            g_meta_left -= sz;
        }
    }
    unlock();
    if (h == NULL)
        return NULL;
    memset(h, 0, sizeof(*h));
    if (avila_heapi_hardened)
        tl_hheap = h;
    else
        tl_heap = h;
    global_init();
    if (g_key_ok)
        pthread_setspecific(g_key, h);
    return h;
}

/* Collects remote frees on every page of h and releases the pages left empty. */
static void release_empty_pages(struct heap_thread *h, uint64_t now)
{
    for (unsigned c = 0; c <= AVILA_HEAP_CLASSES; c++) {
        unsigned q = c < AVILA_HEAP_CLASSES ? c : HEAP_FULL;
        struct heap_page *pg = h->pages[q];
        while (pg != NULL) {
            struct heap_page *next = pg->next;
            page_collect(pg);
            if (used_of(pg) == 0) {
                list_remove(h, q, pg);
                page_release(avila_heapi_segment_of(pg->start), pg, now);
            }
            pg = next;
        }
    }
}

/* Hands h's segments to the abandoned list (or the cache when empty) and pools h. */
static void abandon(struct heap_thread *h)
{
    uint64_t now = avila_heapi_now_ms();
    release_empty_pages(h, now);
    struct heap_segment *seg = h->segments;
    while (seg != NULL) {
        struct heap_segment *next = seg->next;
        segment_purge(seg);
        segment_unlink(&h->segments, seg);
        atomic_store_explicit(&seg->owner, &g_nobody, memory_order_release);
        lock();
        if (seg->pages_used == 0) {
            cache_segment_locked(seg, now);
        } else {
            segment_link(&g_abandoned, seg);
            g_abandoned_n++;
            atomic_store_explicit(&g_abandoned_any, 1, memory_order_relaxed);
        }
        unlock();
        seg = next;
    }
    lock();
    h->next_free = g_free_heaps;
    g_free_heaps = h;
    unlock();
}

/* ------------------------------------------------------------ the malloc family */

static struct heap_thread *heap_get(void)
{
    struct heap_thread *h = tl_heap;
    if (AVILA_UNLIKELY(h == NULL))
        h = tl_hheap;
    if (AVILA_UNLIKELY(h == NULL)) {
        h = heap_new();
        if (h == NULL)
            errno = ENOMEM;
    }
    return h;
}

static void *alloc_class(unsigned c)
{
    struct heap_thread *h = heap_get();
    if (h == NULL)
        return NULL;
    struct heap_page *pg = h->pages[c];
    if (AVILA_LIKELY(pg != NULL && pg->free != NULL))
        return page_pop(pg);
    return alloc_slow(h, c);
}

/* ------------------------------------------------------------ hardened mode */

/* A checked block of size bytes aligned to align (a power of two >= 16) for the call site site. */
static void *hard_alloc(size_t size, size_t align, const void *site)
{
    if (size > PTRDIFF_MAX) {
        errno = ENOMEM;
        return NULL;
    }
    if (size < AVILA_HEAP_MAX_SMALL - HEAP_HARD_TRAILER) {
        /* At least one canary byte: a request that fills its class goes one up. */
        for (unsigned c = avila_heapi_class_of(size + HEAP_HARD_TRAILER + 1);
             c < AVILA_HEAP_CLASSES; c++) {
            if (avila_heapi_class_size(c) % align != 0)
                continue;
            void *b = alloc_class(c);
            if (b != NULL) {
                struct heap_segment *seg = avila_heapi_segment_of(b);
                avila_heapi_hard_handout(seg, page_of(seg, b), b, size, site);
            }
            return b;
        }
    }
    return avila_heapi_large_alloc_hard(size, align, site);
}

/* Checks p as a live block (reports and aborts otherwise); its requested size. */
static size_t hard_usable(void *p)
{
    struct heap_segment *seg = avila_heapi_segment_of(p);
    if (!avila_heapi_map_is_segment(seg))
        return avila_heapi_large_usable(p);
    return avila_heapi_hard_check(seg, page_of(seg, p), p, 0);
}

static void hard_free(void *p)
{
    struct heap_segment *seg = avila_heapi_segment_of(p);
    if (!avila_heapi_map_is_segment(seg)) {
        avila_heapi_large_free(p);
        return;
    }
    struct heap_page *pg = page_of(seg, p);
    avila_heapi_hard_check(seg, pg, p, 1);
    struct heap_block *b = p;
    struct heap_thread *h = tl_hheap;
    if (h != NULL && atomic_load_explicit(&seg->owner, memory_order_relaxed) == h) {
        b->next = avila_heapi_enc(b, pg->free);
        pg->free = b;
        pg->fresh = 0;
        uint32_t u = used_of(pg) - 1;
        used_set(pg, u);
        if (u == 0)
            page_empty(h, pg, 1);
        else if (atomic_load_explicit(&pg->in_full, memory_order_relaxed)) {
            list_remove(h, HEAP_FULL, pg);
            atomic_store_explicit(&pg->in_full, 0, memory_order_relaxed);
            list_append(h, page_class(pg), pg);
        }
        return;
    }
    struct heap_block *old = atomic_load_explicit(&pg->thread_free, memory_order_relaxed);
    do
        b->next = avila_heapi_enc(b, old);
    while (!atomic_compare_exchange_weak_explicit(&pg->thread_free, &old, b, memory_order_seq_cst,
                                                  memory_order_relaxed));
    if (atomic_load(&pg->in_full)) {
        struct heap_thread *owner = atomic_load(&seg->owner);
        atomic_store(&owner->full_dirty, 1);
    }
}

/* Always moves the block: a stale copy of p then points at poison. */
static void *hard_realloc(void *p, size_t size, const void *site)
{
    if (p == NULL)
        return hard_alloc(size, 16, site);
    size_t old = hard_usable(p);
    void *q = hard_alloc(size, 16, site);
    if (q == NULL)
        return NULL;
    memcpy(q, p, old < size ? old : size);
    hard_free(p);
    return q;
}

/* ------------------------------------------------------------ the malloc family (entry points) */

/* A full page that got a block back returns to its class's queue (out of free's fast path). */
static __attribute__((noinline, cold)) void page_unfull(struct heap_thread *h, struct heap_page *pg)
{
    list_remove(h, HEAP_FULL, pg);
    atomic_store_explicit(&pg->in_full, 0, memory_order_relaxed);
    list_append(h, page_class(pg), pg);
}

void *avila_heap_malloc(size_t size)
{
    struct heap_thread *h = tl_heap;
    if (AVILA_LIKELY(size <= AVILA_HEAP_MAX_SMALL && h != NULL)) {
        struct heap_page *pg = AVILA_LIKELY(size <= HEAP_DIRECT_MAX)
                                   ? h->direct[(size + 7) >> 3]
                                   : h->pages[avila_heapi_class_of(size)];
        if (AVILA_LIKELY(pg != NULL)) {
            struct heap_block *b = pg->free;
            if (AVILA_LIKELY(b != NULL)) {
                pg->free = b->next;
                used_set(pg, used_of(pg) + 1);
                return b;
            }
        }
        return alloc_slow(h, avila_heapi_class_of(size));
    }
    if (AVILA_UNLIKELY(avila_heapi_hard_entry()))
        return hard_alloc(size, 16, __builtin_return_address(0));
    if (size <= AVILA_HEAP_MAX_SMALL)
        return alloc_class(avila_heapi_class_of(size));
    if (size <= HEAP_SPAN_MAX) {
        h = heap_get();
        return h != NULL ? span_alloc(h, size, 0) : NULL;
    }
    return avila_heapi_large_alloc(size, 16, 0);
}

void *avila_heap_calloc(size_t count, size_t size)
{
    size_t n;
    if (__builtin_mul_overflow(count, size, &n)) {
        errno = ENOMEM;
        return NULL;
    }
    if (AVILA_UNLIKELY(avila_heapi_hard_entry())) {
        void *q = hard_alloc(n, 16, __builtin_return_address(0));
        if (q != NULL)
            memset(q, 0, n);
        return q;
    }
    if (n > HEAP_SPAN_MAX)
        return avila_heapi_large_alloc(n, 16, 1);
    void *p = avila_heap_malloc(n);
    if (p == NULL)
        return NULL;
    struct heap_segment *seg = avila_heapi_segment_of(p);
    if (page_of(seg, p)->fresh)
        ((struct heap_block *)p)->next = NULL;
    else
        memset(p, 0, n);
    return p;
}

void *avila_heap_aligned(size_t align, size_t size)
{
    return avila_heapi_aligned_at(align, size, __builtin_return_address(0));
}

void *avila_heapi_aligned_at(size_t align, size_t size, const void *site)
{
    if (align == 0 || (align & (align - 1)) != 0) {
        errno = EINVAL;
        return NULL;
    }
    if (AVILA_UNLIKELY(avila_heapi_hard_entry()))
        return hard_alloc(size, align < 16 ? 16 : align, site);
    if (align <= 16)
        return avila_heap_malloc(size < align ? align : size);
    size_t want = size < align ? align : size;
    if (want <= AVILA_HEAP_MAX_SMALL) {
        /* Pages start on 64 KiB; a class whose size is a multiple of align keeps every block
         * aligned. */
        for (unsigned c = avila_heapi_class_of(want); c < AVILA_HEAP_CLASSES; c++)
            if (avila_heapi_class_size(c) % align == 0)
                return alloc_class(c);
    }
    if (align <= HEAP_SLICE_SIZE && size <= HEAP_SPAN_MAX) {
        struct heap_thread *h = heap_get();
        return h != NULL ? span_alloc(h, size, 0) : NULL; /* spans start on a slice */
    }
    return avila_heapi_large_alloc(size, align, 0);
}

static void free_remote(struct heap_segment *seg, struct heap_page *pg, struct heap_block *b)
{
    struct heap_block *old = atomic_load_explicit(&pg->thread_free, memory_order_relaxed);
    do
        b->next = old;
    while (!atomic_compare_exchange_weak_explicit(&pg->thread_free, &old, b, memory_order_seq_cst,
                                                  memory_order_relaxed));
    if (atomic_load(&pg->in_full)) {
        struct heap_thread *owner = atomic_load(&seg->owner);
        atomic_store(&owner->full_dirty, 1);
    }
}

void avila_heap_free(void *p)
{
    if (p == NULL)
        return;
    struct heap_segment *seg = avila_heapi_segment_of(p);
    if (AVILA_UNLIKELY(!avila_heapi_map_is_segment(seg))) {
        avila_heapi_large_free(p); /* checks in hardened mode */
        return;
    }
    struct heap_page *pg = page_of(seg, p);
    struct heap_block *b = p;
    struct heap_thread *h = tl_heap;
    if (AVILA_LIKELY(atomic_load_explicit(&seg->owner, memory_order_relaxed) == h)) {
        /* Straight back on the free list: the next malloc of this class on this page reuses
         * the block while it is still in cache. */
        b->next = pg->free;
        pg->free = b;
        pg->fresh = 0;
        uint32_t u = used_of(pg) - 1;
        used_set(pg, u);
        if (AVILA_UNLIKELY(u == 0))
            page_empty(h, pg, 1);
        else if (AVILA_UNLIKELY(atomic_load_explicit(&pg->in_full, memory_order_relaxed)))
            page_unfull(h, pg);
        return;
    }
    if (AVILA_UNLIKELY(avila_heapi_hardened)) {
        hard_free(p);
        return;
    }
    free_remote(seg, pg, b);
}

size_t avila_heap_usable_size(const void *p)
{
    if (p == NULL)
        return 0;
    if (AVILA_UNLIKELY(avila_heapi_hardened))
        return hard_usable((void *)p); /* only read */
    struct heap_segment *seg = avila_heapi_segment_of(p);
    if (!avila_heapi_map_is_segment(seg))
        return avila_heapi_large_usable(p);
    return bsize(page_of(seg, p));
}

/*
 * The new home of a block of old usable bytes that realloc moves to hold
 * size bytes. A growing block gets room for as much again, so a buffer
 * grown step by step by half (or doubled) moves at most every other step,
 * at a cost of at most HEAP_GROW_SPAN_MIN unused bytes; past
 * HEAP_GROW_SPAN_MIN it moves to a span with room, where it grows on in
 * place.
 */
static void *realloc_target(size_t old, size_t size)
{
    if (size <= old)
        return avila_heap_malloc(size);
    if (size >= HEAP_GROW_SPAN_MIN && size <= HEAP_SPAN_MAX) {
        struct heap_thread *h = heap_get();
        return h != NULL ? span_alloc(h, size, 1) : NULL;
    }
    size_t room = size * 2;
    return avila_heap_malloc(room < HEAP_GROW_SPAN_MIN ? room : size);
}

void *avila_heap_realloc(void *p, size_t size)
{
    if (size > PTRDIFF_MAX) {
        errno = ENOMEM;
        return NULL;
    }
    if (AVILA_UNLIKELY(avila_heapi_hard_entry()))
        return hard_realloc(p, size, __builtin_return_address(0));
    if (p == NULL)
        return avila_heap_malloc(size);
    struct heap_segment *seg = avila_heapi_segment_of(p);
    size_t old;
    if (avila_heapi_map_is_segment(seg)) {
        struct heap_page *pg = page_of(seg, p);
        old = bsize(pg);
        if (page_class(pg) == HEAP_SPAN_CLASS) {
            if (span_resize(seg, pg, size))
                return p;
        } else if (size <= old && (size >= old / 2 || old <= 16)) {
            return p; /* fits, and not more than twice what is asked */
        }
    } else {
        old = avila_heapi_large_usable(p);
        if (size > AVILA_HEAP_MAX_SMALL) {
            void *q = avila_heapi_large_realloc(p, size);
            if (q != NULL)
                return q;
        }
    }
    void *q = realloc_target(old, size);
    if (q == NULL)
        return NULL;
    memcpy(q, p, old < size ? old : size);
    avila_heap_free(p);
    return q;
}

void avila_heap_set_decay_ms(unsigned ms)
{
    atomic_store(&g_decay_ms, ms);
}

unsigned avila_heapi_decay_ms(void)
{
    return atomic_load_explicit(&g_decay_ms, memory_order_relaxed);
}

/* Collects and releases what the segments on a list (abandoned) hold free. g_lock held. */
static void trim_abandoned_locked(uint64_t now)
{
    struct heap_segment *seg = g_abandoned;
    while (seg != NULL) {
        struct heap_segment *next = seg->next;
        for (unsigned i = 1; i < HEAP_SLICES;) {
            if ((seg->free_mask >> i) & 1) {
                i++;
                continue;
            }
            struct heap_page *pg = &seg->pages[i];
            i += pg->slices;
            page_collect(pg);
            if (used_of(pg) == 0)
                page_release(seg, pg, now);
        }
        if (seg->pages_used == 0) {
            segment_unlink(&g_abandoned, seg);
            g_abandoned_n--;
            segment_destroy_locked(seg);
        } else {
            segment_purge(seg);
        }
        seg = next;
    }
    atomic_store_explicit(&g_abandoned_any, g_abandoned != NULL, memory_order_relaxed);
}

void avila_heap_trim(void)
{
    uint64_t now = avila_heapi_now_ms();
    struct heap_thread *h = tl_heap != NULL ? tl_heap : tl_hheap;
    if (h != NULL) {
        collect_full(h);
        release_empty_pages(h, now);
        struct heap_segment *seg = h->segments;
        while (seg != NULL) {
            struct heap_segment *next = seg->next;
            if (seg->pages_used == 0)
                segment_to_cache(h, seg, now);
            else
                segment_purge(seg);
            seg = next;
        }
    }
    lock();
    trim_abandoned_locked(now);
    cache_release_locked(now, 1);
    unlock();
    avila_heapi_large_release(now, 1);
}

/* Collects the calling thread's remote frees (for exact statistics). */
void avila_heapi_collect_own(void)
{
    struct heap_thread *h = tl_heap != NULL ? tl_heap : tl_hheap;
    if (h == NULL)
        return;
    collect_full(h);
    for (unsigned c = 0; c < AVILA_HEAP_CLASSES; c++)
        for (struct heap_page *pg = h->pages[c]; pg != NULL; pg = pg->next)
            page_collect(pg);
}

void avila_heapi_each_segment(void (*fn)(void *ctx, const struct heap_segment *seg), void *ctx)
{
    lock();
    for (const struct heap_segment *seg = g_all; seg != NULL; seg = seg->all_next)
        fn(ctx, seg);
    unlock();
}

void avila_heapi_segment_counts(size_t *cached, size_t *abandoned)
{
    lock();
    *cached = g_cache_n;
    *abandoned = g_abandoned_n;
    unlock();
}

/* ------------------------------------------------------------ the allocator interface */

static void *iface_alloc(void *ctx, size_t size, size_t align)
{
    (void)ctx;
    if (!avila_alloc_align_ok(align) || size > PTRDIFF_MAX)
        return NULL;
    return avila_heap_aligned(align, size);
}

static void *iface_realloc(void *ctx, void *p, size_t old_size, size_t new_size, size_t align)
{
    (void)ctx;
    if (!avila_alloc_align_ok(align) || new_size > PTRDIFF_MAX)
        return NULL;
    if (p == NULL)
        return avila_heap_aligned(align, new_size);
    if (align <= 16)
        return avila_heap_realloc(p, new_size < align ? align : new_size);
    size_t usable = avila_heap_usable_size(p);
    if (new_size <= usable && new_size >= usable / 2)
        return p;
    void *q = avila_heap_aligned(align, new_size);
    if (q == NULL)
        return NULL;
    memcpy(q, p, old_size < new_size ? old_size : new_size);
    avila_heap_free(p);
    return q;
}

static void iface_free(void *ctx, void *p, size_t size, size_t align)
{
    (void)ctx;
    (void)size;
    (void)align;
    avila_heap_free(p);
}

static const struct avila_allocator heap_allocator = {
    .alloc = iface_alloc,
    .realloc = iface_realloc,
    .free = iface_free,
    .ctx = NULL,
};

const struct avila_allocator *avila_heap_allocator(void)
{
    return &heap_allocator;
}
