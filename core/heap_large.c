/*
 * core/heap_large.c - blocks above AVILA_HEAP_MAX_SMALL (OS): each its own
 * anonymous mapping, with a small header right below the block (in the
 * mapping's first page); realloc moves the mapping with mremap, without a
 * copy, when the alignment is at most a page. Fresh mappings read as zero,
 * so calloc never clears them.
 */
#include <errno.h>
#include <stdatomic.h>
#include <sys/mman.h>

#include "core/heap_int.h"

#define LARGE_MAGIC 0x4156494c414c4731ull /* "AVILALG1" */

struct large_hdr {
    uint64_t magic;
    uint8_t *base;  /* start of the mapping */
    size_t map_len; /* its length */
    size_t offset;  /* block - base */
};

_Static_assert(sizeof(struct large_hdr) <= 64, "header fits below a 64-byte offset");

static _Atomic size_t large_blocks, large_bytes, large_mapped;

static struct large_hdr *hdr_of(const void *p)
{
    struct large_hdr *h = (struct large_hdr *)((const uint8_t *)p - sizeof(struct large_hdr));
    /* A pointer that is neither a segment block nor a large block: memory misuse. */
    if (((uintptr_t)p & 15) != 0 || h->magic != LARGE_MAGIC || h->base + h->offset != p ||
        h->offset >= h->map_len)
        __builtin_trap();
    return h;
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
    (void)zero; /* fresh mappings are zero */
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
        base = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (base == MAP_FAILED) {
            errno = ENOMEM;
            return NULL;
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
    account(len - off, len, 1);
    return p;
}

void avila_heapi_large_free(void *p)
{
    struct large_hdr *h = hdr_of(p);
    size_t len = h->map_len;
    uint8_t *base = h->base;
    account(len - h->offset, len, -1);
    h->magic = 0;
    munmap(base, len);
}

size_t avila_heapi_large_usable(const void *p)
{
    const struct large_hdr *h = hdr_of(p);
    return h->map_len - h->offset;
}

void *avila_heapi_large_realloc(void *p, size_t size)
{
    struct large_hdr *h = hdr_of(p);
    size_t off = h->offset, len = h->map_len;
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
}
