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
 * Environment, read when the library is loaded (getenv: nothing allocated):
 *   AVILA_HEAP_STATS=1       print the statistics summary to stderr at exit
 *   AVILA_HEAP_DECAY_MS=N    delay before free memory goes back to the OS
 *   AVILA_HARDENED=1         hardened mode (core/heap.h: avila_heap_set_hardened),
 *                            read by the heap's first allocation from
 *                            /proc/self/environ (avila_malloc_hardened_env),
 *                            so also when a library allocates before any
 *                            constructor runs
 *   AVILA_HEAP_LEAKS=1       with AVILA_HARDENED=1: the leak report
 *                            (avila_heap_leaks_write) on stderr at exit
 *
 * The same file is linked into the static avila binary (make static), where
 * these definitions replace musl's malloc: musl 1.2 links its own malloc
 * only when the program leaves malloc, free, calloc, realloc, aligned_alloc,
 * posix_memalign, memalign or malloc_usable_size undefined, and its internal
 * callers go through those names.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/heap.h"
#include "core/heap_int.h"

#define EXPORT __attribute__((visibility("default")))
/* The call site the hardened leak report counts a block for: the program's call, not ours. */
#define CALLER __builtin_return_address(0)

static int stats_at_exit, leaks_at_exit;

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
    void *p = avila_heapi_aligned_at(align, size, CALLER);
    errno = saved;
    if (p == NULL)
        return ENOMEM;
    *out = p;
    return 0;
}

void *aligned_alloc(size_t align, size_t size)
{
    return avila_heapi_aligned_at(align, size, CALLER);
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
    return avila_heapi_aligned_at(a, size, CALLER);
}

void *valloc(size_t size)
{
    return avila_heapi_aligned_at((size_t)sysconf(_SC_PAGESIZE), size, CALLER);
}

void *pvalloc(size_t size)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    if (size > PTRDIFF_MAX) {
        errno = ENOMEM;
        return NULL;
    }
    size_t rounded = size == 0 ? page : (size + page - 1) & ~(page - 1);
    return avila_heapi_aligned_at(page, rounded, CALLER);
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

/*
 * Called by the heap's first allocation (core/heap_int.h): is AVILA_HARDENED=1
 * in the environment? Read from /proc/self/environ with a stack buffer, as
 * libc may not have set environ yet; getenv when /proc is not there.
 */
int avila_malloc_hardened_env(void)
{
    static const char key[] = "AVILA_HARDENED=1";
    const size_t klen = sizeof(key) - 1;
    int fd = open("/proc/self/environ", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        const char *s = getenv("AVILA_HARDENED");
        return s != NULL && strcmp(s, "1") == 0;
    }
    char buf[1024];
    size_t m = 0; /* bytes of the current entry matching key */
    int live = 1, found = 0;
    ssize_t r;
    while (!found && (r = read(fd, buf, sizeof(buf))) > 0) {
        for (ssize_t i = 0; i < r; i++) {
            if (buf[i] == '\0') {
                found |= live && m == klen;
                m = 0;
                live = 1;
            } else if (live && m < klen && buf[i] == key[m]) {
                m++;
            } else {
                live = 0;
            }
        }
    }
    close(fd);
    return found;
}

static int env_on(const char *name)
{
    const char *s = getenv(name);
    return s != NULL && s[0] == '1' && s[1] == '\0';
}

__attribute__((constructor)) static void preload_init(void)
{
    stats_at_exit = env_on("AVILA_HEAP_STATS");
    if (env_on("AVILA_HARDENED")) {
        /* Decided by now (if nothing allocated yet, this decides it). */
        if (avila_heap_set_hardened(1) != 0) {
            static const char msg[] = "avila heap: AVILA_HARDENED=1 ignored: the heap's mode "
                                      "was decided without it\n";
            write_err(NULL, msg, sizeof(msg) - 1);
        } else {
            leaks_at_exit = env_on("AVILA_HEAP_LEAKS");
        }
    }
    const char *d = getenv("AVILA_HEAP_DECAY_MS");
    if (d != NULL && *d >= '0' && *d <= '9') {
        unsigned long ms = strtoul(d, NULL, 10);
        avila_heap_set_decay_ms(ms > 3600000ul ? 3600000u : (unsigned)ms);
    }
}

__attribute__((destructor)) static void preload_done(void)
{
    if (leaks_at_exit)
        avila_heap_leaks_write(write_err, NULL);
    if (!stats_at_exit)
        return;
    struct avila_heap_stats st;
    avila_heap_stats(&st);
    avila_heap_stats_write(&st, write_err, NULL);
}
