/*
 * core/heap_int.h - what the files of core/heap share: the size classes
 * (pure, core/heap_class.c), the segment and page layout, and the OS hooks.
 *
 * Layout. Small blocks (<= AVILA_HEAP_MAX_SMALL) live in segments: 4 MiB
 * mappings aligned to 4 MiB, cut into 64 slices of 64 KiB. Slice 0 holds
 * the segment header (with one page descriptor per slice); a page is a run
 * of 1..8 slices carved into blocks of one size class. A block pointer finds
 * its segment by masking and its page through slice_page[], so blocks carry
 * no header. Larger blocks get their own mapping with a header just below
 * the block (core/heap_large.c). A global bitmap of the 4 MiB chunks that are
 * segments tells the two apart.
 *
 * Ownership. Each thread has a heap (a _Thread_local pointer) owning whole
 * segments: only the owner allocates from their pages and pushes on their
 * free lists. Other threads push freed blocks on a page's atomic
 * thread_free list, which the owner collects when it runs out of blocks.
 */
#ifndef AVILA_CORE_HEAP_INT_H
#define AVILA_CORE_HEAP_INT_H

#include "core/heap.h"

#define HEAP_SEGMENT_SHIFT 22
#define HEAP_SEGMENT_SIZE  ((size_t)1 << HEAP_SEGMENT_SHIFT)
#define HEAP_SLICE_SHIFT   16
#define HEAP_SLICE_SIZE    ((size_t)1 << HEAP_SLICE_SHIFT)
#define HEAP_SLICES        64
#define HEAP_OS_PAGE       4096

/*
 * Blocks above the largest class up to HEAP_SPAN_MAX are spans: a page of
 * whole slices holding one block, kept on the owner's full list (so a
 * remote free flags it), grown in place by realloc when the slices after
 * it are free, shrunk in place by giving its tail slices back.
 */
#define HEAP_SPAN_CLASS AVILA_HEAP_CLASSES
#define HEAP_SPAN_MAX   ((size_t)32 << HEAP_SLICE_SHIFT)

/*
 * realloc growing a block to this size or more (up to HEAP_SPAN_MAX) moves
 * it to a span placed with room after it, where later growth (and shrinking
 * down to this size) stays in place: a buffer grown step by step is copied
 * only while small. The price: such a block takes a whole slice, at most 16
 * times its size in address space (a fresh slice's untouched pages are not
 * resident).
 */
#define HEAP_GROW_SPAN_MIN ((size_t)4 << 10)

_Static_assert(HEAP_SLICES == HEAP_SEGMENT_SIZE / HEAP_SLICE_SIZE, "slice count");
_Static_assert(AVILA_HEAP_MAX_SMALL * 8 <= 8 * HEAP_SLICE_SIZE, "largest class fits a page");

/* ------------------------------------------------------------ size classes (pure) */

/*
 * Class of a request of n bytes, n <= AVILA_HEAP_MAX_SMALL (n 0 is class 0).
 * Classes: 8, then multiples of 16 up to 128 (the 16-byte quantum keeps every
 * block of 16 bytes or more aligned for max_align_t), then four classes per
 * doubling up to 64 KiB, so a request wastes at most 20% above 128 bytes.
 */
static inline unsigned avila_heapi_class_of_slow(size_t n)
{
    if (n <= 8)
        return 0;
    if (n <= 128)
        return (unsigned)((n + 15) >> 4);
    size_t m = n - 1;
    unsigned b = 63u - (unsigned)__builtin_clzll((unsigned long long)m);
    return 9u + (b - 7u) * 4u + (unsigned)((m >> (b - 2u)) & 3u);
}

/* avila_heapi_class_of_slow((i * 8)) for i in 0..128: requests up to 1 KiB without a branch. */
extern const uint8_t avila_heapi_class_tab[129];

static inline unsigned avila_heapi_class_of(size_t n)
{
    if (AVILA_LIKELY(n <= 1024))
        return avila_heapi_class_tab[(n + 7) >> 3];
    return avila_heapi_class_of_slow(n);
}

/* Block size of class c (c < AVILA_HEAP_CLASSES). */
size_t avila_heapi_class_size(unsigned c);

/* Slices (64 KiB each) in a page of class c: enough for at least 8 blocks. */
unsigned avila_heapi_class_slices(unsigned c);

/* ------------------------------------------------------------ pages, segments, heaps */

struct heap_block {
    struct heap_block *next;
};

struct heap_thread;

/*
 * One page: a run of slices holding blocks of one class. Fields written by
 * the owner only, except thread_free (any thread) and the ones read by the
 * statistics walk (atomics accessed relaxed: plain loads and stores).
 */
struct heap_page {
    struct heap_block *free;                  /* blocks ready to hand out */
    _Atomic(struct heap_block *) thread_free; /* blocks freed by other threads */
    uint8_t *start;
    struct heap_page *next; /* in the owner's class list or full list */
    struct heap_page *prev;
    _Atomic uint32_t block_size;
    _Atomic uint16_t used;     /* blocks out (remote frees count until collected) */
    _Atomic uint16_t capacity; /* blocks carved so far */
    uint16_t reserved;         /* blocks that fit the page */
    _Atomic uint8_t cls;       /* class + 1; 0 while the slices are free */
    _Atomic uint8_t in_full;   /* on the owner's full list */
    uint8_t fresh;             /* no block ever freed: blocks are zero but their link */
    uint8_t slices;
} __attribute__((aligned(64)));

_Static_assert(sizeof(struct heap_page) == 64, "one cache line per page");
_Static_assert(HEAP_SLICE_SIZE / 8 <= 65535, "block counts fit 16 bits");

struct heap_segment {
    _Atomic(struct heap_thread *) owner; /* NULL while abandoned or cached */
    uint64_t free_mask;                  /* slices not in a page */
    _Atomic uint64_t dirty_mask;         /* free slices that may still be resident (owner writes) */
    uint64_t dirty_ms;                   /* when dirty_mask last grew */
    uint64_t cached_ms;                  /* when it entered the cache */
    uint32_t pages_used;
    uint32_t pad;
    struct heap_segment *next; /* owner's list, the abandoned list or the cache */
    struct heap_segment *prev;
    struct heap_segment *all_next; /* the registry of every segment */
    struct heap_segment *all_prev;
    uint8_t slice_page[HEAP_SLICES]; /* slice -> first slice of its page */
    struct heap_page pages[HEAP_SLICES];
};

_Static_assert(sizeof(struct heap_segment) <= HEAP_SLICE_SIZE, "header fits slice 0");

/* Page queues of a heap: one per class, one unused (spans), the full pages. */
#define HEAP_FULL   (AVILA_HEAP_CLASSES + 1)
#define HEAP_QUEUES (AVILA_HEAP_CLASSES + 2)

/* Requests up to this size find their page in heap_thread.direct. */
#define HEAP_DIRECT_MAX 1024
_Static_assert(HEAP_DIRECT_MAX / 8 + 1 == sizeof avila_heapi_class_tab,
               "direct[] follows the table");

struct heap_thread {
    /* pages[class of 8 * i] for i in 0..128: one load from a small request to its page */
    struct heap_page *direct[HEAP_DIRECT_MAX / 8 + 1];
    struct heap_page *pages[HEAP_QUEUES]; /* first page of each queue: allocations come from it */
    struct heap_page *last[HEAP_QUEUES];
    _Atomic int full_dirty; /* a remote free hit a full page */
    uint64_t last_purge_ms;
    struct heap_segment *segments; /* owned segments */
    struct heap_thread *next_free; /* in the pool of unused heaps */
};

/* Segment of a small block. */
static inline struct heap_segment *avila_heapi_segment_of(const void *p)
{
    return (struct heap_segment *)((const uint8_t *)p -
                                   ((uintptr_t)p & (uintptr_t)(HEAP_SEGMENT_SIZE - 1)));
}

/* ------------------------------------------------------------ hardened mode (core/heap_hardened.c)
 *
 * Set once, before the first allocation (avila_heap_set_hardened), then only
 * read. In hardened mode no thread's tl_heap is ever set, so the lock-free
 * fast paths of malloc and free (which need it) are never taken and every
 * call reaches the checked paths; the thread heap lives in another
 * thread-local (core/heap.c).
 *
 * A small block of class size S holding a request of n bytes (n + 9 <= S):
 *   [0, n)       the caller's bytes
 *   [n, S - 8)   canary bytes (at least one), checked on free and realloc
 *   [S - 8, S)   trailer: n and the call site's index, each XORed with a mask
 *                derived from the key and the block address
 * A free block: [0, 8) its free-list link XORed with the key and the block's
 * own address, [8, S) the poison byte, verified when the block is handed
 * out again. Class 0 (8 bytes) is never used. A bitmap in slice 0 of each
 * segment has one bit per 16-byte granule, set while a block starting there
 * is allocated: a free finding the bit clear is a double free.
 */
extern int avila_heapi_hardened;    /* 1 once the mode is decided hardened, then read-only */
extern uint64_t avila_heapi_key[2]; /* [0] free-list links, [1] trailers and canaries */

/*
 * The mode is decided by the first allocation of the process (the first
 * call of malloc, calloc, realloc or aligned): hardened if
 * avila_heap_set_hardened(1) was called, or if the program defines
 * avila_malloc_hardened_env() (tools/malloc/avila_malloc.c does: it reads
 * AVILA_HARDENED from /proc/self/environ, so the mode is right even when a
 * library allocates before any constructor ran) and it returns 1.
 */
enum { HEAP_MODE_NEW, HEAP_MODE_PLAIN, HEAP_MODE_HARD };
extern _Atomic int avila_heapi_mode;
int avila_malloc_hardened_env(void); /* weak in core/heap_hardened.c */

/* Decides the mode (once; concurrent callers wait) and returns it. */
int avila_heapi_mode_decide(void);

/* For the entry points: is this allocation hardened? Decides the mode on the first call. */
static inline int avila_heapi_hard_entry(void)
{
    int m = __atomic_load_n((const int *)&avila_heapi_mode, __ATOMIC_RELAXED);
    if (AVILA_LIKELY(m == HEAP_MODE_PLAIN))
        return 0;
    if (m == HEAP_MODE_NEW)
        m = avila_heapi_mode_decide();
    return m == HEAP_MODE_HARD;
}

#define HEAP_HARD_TRAILER    8
#define HEAP_HARD_POISON     0xdf
#define HEAP_HARD_BITMAP_OFF ((size_t)32 << 10)

_Static_assert(sizeof(struct heap_segment) <= HEAP_HARD_BITMAP_OFF, "bitmap after the header");
_Static_assert(HEAP_HARD_BITMAP_OFF + HEAP_SEGMENT_SIZE / 16 / 8 <= HEAP_SLICE_SIZE,
               "bitmap fits slice 0");

/* A free-list link as stored in the block at slot (and back: the same XOR). */
static inline struct heap_block *avila_heapi_enc(const void *slot, const struct heap_block *next)
{
    return (struct heap_block *)((uintptr_t)next ^ (uintptr_t)avila_heapi_key[0] ^ (uintptr_t)slot);
}

/* A 64-bit mask of the block at p: trailer masks and canary bytes. */
static inline uint64_t avila_heapi_block_mask(const void *p)
{
    uint64_t x = avila_heapi_key[1] ^ (uint64_t)(uintptr_t)p;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* Canary byte at offset j of a block whose mask is m: never 0 and never ASCII. */
static inline uint8_t avila_heapi_canary(uint64_t m, size_t j)
{
    return (uint8_t)(0x80u | (uint8_t)(m >> ((j & 7) * 8)));
}

/* Fills a free block of bs bytes with the poison byte (all but its link). */
void avila_heapi_hard_poison(void *b, size_t bs);

/*
 * Decodes the link stored in the free block b of pg and checks it: NULL, or
 * a block start of pg below its capacity. Reports and aborts otherwise.
 */
struct heap_block *avila_heapi_hard_next(const struct heap_page *pg, const struct heap_block *b);

/*
 * b (of pg in seg) is being handed out for a request of n bytes from the
 * call site site: verifies its poison, marks it live, writes the canary and
 * the trailer, counts it for the leak report. Reports and aborts on a write
 * after free.
 */
void avila_heapi_hard_handout(struct heap_segment *seg, const struct heap_page *pg, void *b,
                              size_t n, const void *site);

/*
 * Checks p, a pointer into the segment seg, as a live block: a block start of
 * a live page, allocated, canary and trailer intact. Returns its requested
 * size. With release, also marks it free, uncounts it and poisons it.
 * Reports and aborts on an invalid free, a double free or an overflow.
 */
size_t avila_heapi_hard_check(struct heap_segment *seg, struct heap_page *pg, void *p, int release);

/* Index of a call site in the leak table (0: unknown or the table is full). */
uint32_t avila_heapi_site_index(const void *site);
/* Counts a block of n bytes in (sign 1) or out (-1) of site index i. */
void avila_heapi_site_count(uint32_t i, size_t n, int sign);

/* A report line built without stdio or allocation. */
struct heap_msg {
    char b[400];
    size_t n;
};

void avila_heapi_msg_str(struct heap_msg *m, const char *s);
void avila_heapi_msg_hex(struct heap_msg *m, uint64_t v); /* "0x..." */
void avila_heapi_msg_dec(struct heap_msg *m, uint64_t v);
/* Writes the message and a newline on stderr with write(2), then abort(). */
_Noreturn void avila_heapi_msg_abort(struct heap_msg *m);

/* Writes "avila heap: WHAT 0x<p>REST" on stderr and aborts. */
_Noreturn void avila_heapi_report(const char *what, const void *p, const char *rest);

/*
 * avila_heap_aligned with the call site the hardened leak report counts the
 * block for given by the caller: the entry points of
 * tools/malloc/avila_malloc.c pass their own return address (the program's
 * call), not one inside the library.
 */
void *avila_heapi_aligned_at(size_t align, size_t size, const void *site);

/* ------------------------------------------------------------ OS (core/heap_os.c) */

/* Maps size bytes aligned to align (a power of two >= 4096), zeroed; NULL on failure. */
void *avila_heapi_os_map(size_t size, size_t align);
void avila_heapi_os_unmap(void *p, size_t size);
/* Gives pages back (they read as zero afterwards). */
void avila_heapi_os_purge(void *p, size_t size);
uint64_t avila_heapi_now_ms(void);
/* The decay delay in milliseconds (avila_heap_set_decay_ms); in core/heap.c. */
unsigned avila_heapi_decay_ms(void);

/*
 * The chunk map: one bit per 4 MiB chunk of the 47-bit address space (4 MiB
 * of bss, touched only where segments live), set while the chunk is a
 * segment of ours.
 */
#define HEAP_MAP_BITS   47
#define HEAP_MAP_CHUNKS ((size_t)1 << (HEAP_MAP_BITS - HEAP_SEGMENT_SHIFT))
extern _Atomic uint64_t avila_heapi_chunk_map[HEAP_MAP_CHUNKS / 64];

/* Is the 4 MiB chunk at p a segment of ours? */
static inline int avila_heapi_map_is_segment(const void *p)
{
    uintptr_t chunk = (uintptr_t)p >> HEAP_SEGMENT_SHIFT;
    if (AVILA_UNLIKELY(chunk >= HEAP_MAP_CHUNKS))
        return 0;
    /* A relaxed load: the bit is set before any block of the segment is handed out. */
    uint64_t w =
        __atomic_load_n((const uint64_t *)&avila_heapi_chunk_map[chunk / 64], __ATOMIC_RELAXED);
    return (int)((w >> (chunk % 64)) & 1);
}

void avila_heapi_map_set(const void *seg, int on);

/* ------------------------------------------------------------ large blocks (core/heap_large.c) */

void *avila_heapi_large_alloc(size_t size, size_t align, int zero);
/*
 * Hardened: the block's end against a PROT_NONE guard page (align permitting),
 * canary bytes between size and the guard, the requested size and call site
 * in the header. avila_heapi_large_free / _usable check and report.
 */
void *avila_heapi_large_alloc_hard(size_t size, size_t align, const void *site);
/* Frees a large block; hardened: reports a double free or a pointer that is no live block. */
void avila_heapi_large_free(void *p);
void *avila_heapi_large_realloc(void *p, size_t size);
size_t avila_heapi_large_usable(const void *p);
void avila_heapi_large_stats(struct avila_heap_stats *st);
/*
 * Unmaps the cached freed mappings older than the decay delay (all with
 * force); core/heap.c calls it where segments are released too.
 */
void avila_heapi_large_release(uint64_t now, int force);

/* Freed large mappings kept for reuse: at most this many, of at most this many bytes in all. */
#define HEAP_LARGE_CACHE_SLOTS 8
#define HEAP_LARGE_CACHE_BYTES ((size_t)64 << 20)
/* The hardened registry's lock around fork(), called by core/heap.c's fork handlers. */
void avila_heapi_large_fork_prepare(void);
void avila_heapi_large_fork_parent(void);
void avila_heapi_large_fork_child(void);

/* ------------------------------------------------------------ for the statistics walk
 * (core/heap.c) */

/* Calls fn for every segment with the registry locked. */
void avila_heapi_each_segment(void (*fn)(void *ctx, const struct heap_segment *seg), void *ctx);
/* Collects the calling thread's remote frees. */
void avila_heapi_collect_own(void);
/* Counts of segments in the cache and the abandoned list (registry locked by the caller). */
void avila_heapi_segment_counts(size_t *cached, size_t *abandoned);

#endif
