/*
 * tools/malloc/avila_malloc.c - the C / POSIX malloc family (C11 7.22.3,
 * POSIX posix_memalign, the glibc extensions memalign, valloc, pvalloc,
 * malloc_usable_size, malloc_trim, and C23 free_sized / free_aligned_sized)
 * on core/heap, built only into build/lib/libavila_malloc.so for
 * LD_PRELOAD. libavila_core.a never defines malloc.
 *
 * The heap needs no initialisation before the first call and never calls
 * malloc itself, so there is no bootstrap recursion: the first call of a
 * thread maps its heap with mmap, and what pthread_key_create or
 * pthread_atfork allocate comes from that heap.
 *
 * Environment, read when the library is loaded:
 *   AVILA_HEAP_STATS=1       print the statistics summary to stderr at exit
 *   AVILA_HEAP_DECAY_MS=N    delay before free memory goes back to the OS
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/heap.h"

#define EXPORT __attribute__((visibility("default")))

static int stats_at_exit;

EXPORT void *malloc(size_t size);
EXPORT void free(void *p);
EXPORT void *calloc(size_t count, size_t size);
EXPORT void *realloc(void *p, size_t size);
EXPORT void *reallocarray(void *p, size_t count, size_t size);
EXPORT int posix_memalign(void **out, size_t align, size_t size);
EXPORT void *aligned_alloc(size_t align, size_t size);
EXPORT void *memalign(size_t align, size_t size);
EXPORT void *valloc(size_t size);
EXPORT void *pvalloc(size_t size);
EXPORT size_t malloc_usable_size(void *p);
EXPORT int malloc_trim(size_t pad);
EXPORT void free_sized(void *p, size_t size);
EXPORT void free_aligned_sized(void *p, size_t align, size_t size);

void *malloc(size_t size)
{
    return avila_heap_malloc(size);
}

void free(void *p)
{
    avila_heap_free(p);
}

void *calloc(size_t count, size_t size)
{
    return avila_heap_calloc(count, size);
}

/* As glibc: realloc(p, 0) frees p and returns NULL. */
void *realloc(void *p, size_t size)
{
    if (p != NULL && size == 0) {
        avila_heap_free(p);
        return NULL;
    }
    return avila_heap_realloc(p, size);
}

void *reallocarray(void *p, size_t count, size_t size)
{
    size_t n;
    if (__builtin_mul_overflow(count, size, &n)) {
        errno = ENOMEM;
        return NULL;
    }
    return realloc(p, n);
}

int posix_memalign(void **out, size_t align, size_t size)
{
    if (align < sizeof(void *) || (align & (align - 1)) != 0)
        return EINVAL;
    int saved = errno;
    void *p = avila_heap_aligned(align, size);
    errno = saved;
    if (p == NULL)
        return ENOMEM;
    *out = p;
    return 0;
}

void *aligned_alloc(size_t align, size_t size)
{
    return avila_heap_aligned(align, size);
}

/* As glibc: an alignment that is not a power of two is rounded up to one. */
void *memalign(size_t align, size_t size)
{
    if (align > ((size_t)1 << (sizeof(size_t) * 8 - 2))) {
        errno = EINVAL;
        return NULL;
    }
    size_t a = 1;
    while (a < align)
        a <<= 1;
    return avila_heap_aligned(a, size);
}

void *valloc(size_t size)
{
    return avila_heap_aligned((size_t)sysconf(_SC_PAGESIZE), size);
}

void *pvalloc(size_t size)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    if (size > PTRDIFF_MAX) {
        errno = ENOMEM;
        return NULL;
    }
    size_t rounded = size == 0 ? page : (size + page - 1) & ~(page - 1);
    return avila_heap_aligned(page, rounded);
}

size_t malloc_usable_size(void *p)
{
    return avila_heap_usable_size(p);
}

int malloc_trim(size_t pad)
{
    (void)pad;
    avila_heap_trim();
    return 1;
}

void free_sized(void *p, size_t size)
{
    (void)size;
    avila_heap_free(p);
}

void free_aligned_sized(void *p, size_t align, size_t size)
{
    (void)align;
    (void)size;
    avila_heap_free(p);
}

static void write_err(void *ctx, const char *text, size_t n)
{
    (void)ctx;
    while (n > 0) {
        ssize_t w = write(2, text, n);
        if (w <= 0)
            return;
        text += w;
        n -= (size_t)w;
    }
}

__attribute__((constructor)) static void preload_init(void)
{
    const char *s = getenv("AVILA_HEAP_STATS");
    stats_at_exit = s != NULL && s[0] == '1';
    const char *d = getenv("AVILA_HEAP_DECAY_MS");
    if (d != NULL && *d >= '0' && *d <= '9') {
        unsigned long ms = strtoul(d, NULL, 10);
        avila_heap_set_decay_ms(ms > 3600000ul ? 3600000u : (unsigned)ms);
    }
}

__attribute__((destructor)) static void preload_done(void)
{
    if (!stats_at_exit)
        return;
    struct avila_heap_stats st;
    avila_heap_stats(&st);
    avila_heap_stats_write(&st, write_err, NULL);
}
