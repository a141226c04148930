/*
 * core/heap.h - the general-purpose heap (OS): thread-caching, size-class
 * segregated allocation from 4 MiB mmap'd segments, large blocks straight
 * from mmap (a freed one's mapping reused, within the decay delay, by a
 * later one of half to twice its size), memory returned to the OS after a
 * decay delay.
 *
 * Every function here is thread-safe. Blocks may be freed by any thread.
 * Small requests (<= AVILA_HEAP_MAX_SMALL bytes) are served from per-thread
 * pages without a lock or an atomic read-modify-write; a free from another
 * thread costs one compare-and-swap. A thread's pages are handed to the
 * others when it exits; malloc keeps working in the child of fork().
 *
 * No standard is implemented; the functions mirror the C11 / POSIX malloc
 * family (7.22.3, posix_memalign) and tools/malloc/avila_malloc.c exports
 * them under those names for LD_PRELOAD.
 */
#ifndef AVILA_CORE_HEAP_H
#define AVILA_CORE_HEAP_H

#include "core/alloc.h"
#include "core/platform.h"

/* Number of size classes, and the largest request served from a class. */
#define AVILA_HEAP_CLASSES   45
#define AVILA_HEAP_MAX_SMALL ((size_t)64 << 10)

/* Default delay before free memory goes back to the OS. */
#define AVILA_HEAP_DEFAULT_DECAY_MS 100

/* Empty 4 MiB segments kept for reuse at most (64 MiB); more go back to the OS at once. */
#define AVILA_HEAP_CACHE_SEGMENTS 16

/*
 * Returns size bytes aligned to 16 (8 for requests of 8 bytes or less), or
 * NULL (errno ENOMEM) if the OS refuses memory or size exceeds PTRDIFF_MAX.
 * Size 0 returns a unique pointer. The caller owns the block until it
 * passes it to avila_heap_free or avila_heap_realloc.
 */
void *avila_heap_malloc(size_t size);

/* As avila_heap_malloc for count * size bytes, zeroed; NULL if the product overflows. */
void *avila_heap_calloc(size_t count, size_t size);

/*
 * Returns size bytes aligned to align, which MUST be a power of two (any
 * size, also beyond a page); NULL (errno EINVAL for a bad align, ENOMEM
 * otherwise) on failure.
 */
void *avila_heap_aligned(size_t align, size_t size);

/*
 * Resizes p (NULL: allocates) to size bytes, keeping the first min(old,
 * size) bytes, in place when the block's class allows. A block grown to
 * 4 KiB or more (up to 2 MiB) moves once to a run of 64 KiB slices with
 * free ones after it, and grows or shrinks there in place; a growing
 * smaller block gets room for half as much again. Returns the block,
 * or NULL with p untouched and still owned by the caller. Size 0 keeps a
 * minimal block (it never frees). A block from avila_heap_aligned keeps
 * only 16-byte alignment if it moves: use the allocator view for more.
 */
void *avila_heap_realloc(void *p, size_t size);

/*
 * Frees p (NULL does nothing). p MUST be a block from this heap that is
 * still allocated; any thread may free it.
 */
void avila_heap_free(void *p);

/* Bytes usable at p (>= the size asked); 0 for NULL. p MUST be allocated. */
size_t avila_heap_usable_size(const void *p);

/*
 * Returns to the OS what can be returned now: the calling thread's empty
 * pages and unused slices, abandoned segments that became empty, the
 * cache of free segments and the freed large blocks' mappings kept for
 * reuse. Other threads' free pages go after the decay delay, when those
 * threads next allocate.
 */
void avila_heap_trim(void);

/* Sets the decay delay (ms; 0 returns memory as soon as it is free). */
void avila_heap_set_decay_ms(unsigned ms);

/*
 * Hardened mode (on: non-zero): every allocation and free is checked, at a
 * cost in speed and memory (see core/heap_int.h for the block layout):
 *   - free-list links are stored XORed with a per-process random key and the
 *     block's address; a link that does not decode to a block of its page
 *     is reported when it is followed;
 *   - free and realloc report a pointer that is not the start of a live
 *     block (interior, foreign, not allocated) as an invalid free, a block
 *     freed twice as a double free;
 *   - small blocks carry canary bytes right after the requested size (a
 *     request that fills its class goes one class up) and a trailer with
 *     the size, checked on free and realloc: an overflow is reported;
 *   - freed small blocks are filled with a poison byte that is verified when
 *     the block is handed out again: a write after free is reported then;
 *   - large blocks (above AVILA_HEAP_MAX_SMALL minus 9 bytes) end against a
 *     PROT_NONE guard page, so an overrun faults (SIGSEGV) at once; the
 *     bytes between the end and the guard (alignment) are canaries; a
 *     registry of them is checked before a header is read, so a large
 *     block freed twice, or a pointer into no block (unmapped memory
 *     too), is reported rather than faulting;
 *   - live allocations are counted per call site (the return address of the
 *     malloc-family function) for avila_heap_leaks_write.
 * Each fault writes one line "avila heap: ..." on stderr with write(2), then
 * calls abort(). avila_heap_usable_size returns the requested size.
 * The first allocation of the process (the first malloc, calloc, realloc or
 * aligned call) decides the mode for the rest of its life, children of
 * fork() included. So this MUST be called before it: returns 0, or
 * AVILA_ESTATE (mode unchanged) once the mode is decided otherwise; asking
 * for the mode in force returns 0. libavila_malloc.so and the static avila
 * binary turn hardened mode on when the environment has AVILA_HARDENED=1
 * (tools/malloc/avila_malloc.c).
 */
int avila_heap_set_hardened(int on);

/* 1 if hardened mode is on, else 0. */
int avila_heap_hardened(void);

/*
 * Leak report (hardened mode only): writes through emit (as
 * avila_heap_stats_write) one line "avila heap: leak report: B bytes in N
 * blocks live, from S call sites ...", then for the 20 call sites holding
 * the most bytes "avila heap: leak: B bytes in N blocks from 0xADDR
 * MODULE+0xOFF", ADDR the return address into the caller of the malloc
 * family and OFF its offset from the module's load address (for
 * `addr2line -e MODULE OFF`; for a non-PIE executable use ADDR). Allocates
 * nothing; reads /proc/self/maps. Returns the number of live blocks, or
 * AVILA_ESTATE when hardened mode is off.
 */
int avila_heap_leaks_write(void (*emit)(void *ctx, const char *text, size_t n), void *ctx);

/* Per size class statistics. */
struct avila_heap_class_stats {
    size_t block_size;
    size_t blocks; /* blocks allocated (not yet seen freed) */
    size_t pages;  /* pages of this class */
};

/*
 * Statistics, all in bytes unless said. A block freed by another thread
 * counts as allocated until its owner collects it (the next time the owner
 * allocates from that page, or calls avila_heap_trim / avila_heap_stats).
 *   allocated  usable bytes of allocated blocks (small and large)
 *   active     bytes of pages in use, plus large mappings
 *   resident   estimate of what the heap keeps resident: segment headers,
 *              the carved part of pages, free slices not yet returned, large
 *              mappings
 *   mapped     bytes mapped from the OS
 */
struct avila_heap_stats {
    size_t allocated;
    size_t active;
    size_t resident;
    size_t mapped;
    size_t segments;           /* segments mapped, including the two below */
    size_t segments_cached;    /* free, waiting for the decay delay */
    size_t segments_abandoned; /* left by exited threads, not yet adopted */
    size_t large_blocks;
    size_t large_bytes;  /* usable bytes of large blocks */
    size_t large_cached; /* bytes of freed large mappings kept for reuse (decay delay) */
    int hardened;        /* avila_heap_hardened() */
    struct avila_heap_class_stats classes[AVILA_HEAP_CLASSES];
};

/*
 * Fills *st (caller-owned). Collects the calling thread's remote frees
 * first. Figures from other threads are read while they run, so they are
 * exact only when the process is quiescent.
 */
void avila_heap_stats(struct avila_heap_stats *st);

/*
 * Writes st as text (one "heap: ..." summary line ending " hardened 0" or
 * " hardened 1", then one line per class in use) through emit, which receives pieces of text (not
 * NUL-terminated) and ctx. Usable where stdio is absent; allocates nothing.
 */
void avila_heap_stats_write(const struct avila_heap_stats *st,
                            void (*emit)(void *ctx, const char *text, size_t n), void *ctx);

/*
 * The heap behind the allocator interface (core/alloc.h), honouring its
 * contract: any power-of-two alignment up to AVILA_ALLOC_MAX_ALIGN, realloc
 * keeps the alignment. Returns a pointer to a static allocator; never NULL.
 */
const struct avila_allocator *avila_heap_allocator(void);

#endif
