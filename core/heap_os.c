/*
 * core/heap_os.c - the heap's OS hooks (OS): aligned anonymous mappings,
 * returning pages (madvise MADV_DONTNEED), a coarse clock, and the chunk
 * map that tells segments (small blocks) from large mappings.
 */
#include <stdatomic.h>
#include <sys/mman.h>
#include <time.h>

#include "core/heap_int.h"

/* User-space addresses on x86-64 and arm64 (4-level tables) fit in 47 bits. */
_Atomic uint64_t avila_heapi_chunk_map[HEAP_MAP_CHUNKS / 64];

void *avila_heapi_os_map(size_t size, size_t align)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    if (((uintptr_t)p & (align - 1)) == 0)
        return p;
    /* Map more and trim both ends to the alignment. */
    munmap(p, size);
    size_t over = size + align - HEAP_OS_PAGE;
    if (over < size)
        return NULL;
    uint8_t *q = mmap(NULL, over, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (q == MAP_FAILED)
        return NULL;
    size_t head = (size_t)(-(uintptr_t)q & (align - 1)), tail = over - head - size;
    if (head != 0)
        munmap(q, head);
    if (tail != 0)
        munmap(q + head + size, tail);
    return q + head;
}

void avila_heapi_os_unmap(void *p, size_t size)
{
    munmap(p, size);
}

void avila_heapi_os_purge(void *p, size_t size)
{
    madvise(p, size, MADV_DONTNEED);
}

uint64_t avila_heapi_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void avila_heapi_map_set(const void *seg, int on)
{
    uintptr_t chunk = (uintptr_t)seg >> HEAP_SEGMENT_SHIFT;
    if (chunk >= HEAP_MAP_CHUNKS)
        return;
    uint64_t bit = (uint64_t)1 << (chunk % 64);
    if (on)
        atomic_fetch_or_explicit(&avila_heapi_chunk_map[chunk / 64], bit, memory_order_release);
    else
        atomic_fetch_and_explicit(&avila_heapi_chunk_map[chunk / 64], ~bit, memory_order_release);
}
