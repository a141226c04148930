/* tests/support/fail_alloc.c - fault-injecting, checking allocator for the suites. */
#include "tests/support/unit.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/fail_alloc.h"

#define MAGIC_LIVE 0x4c495645a110c8edull
#define MAGIC_DEAD 0x44454144dead10ccull
#define FILL_NEW   0xA5
#define FILL_FREED 0xDD

/* Sits right before every user pointer; the block starts hdr_bytes(align) earlier. */
struct header {
    uint64_t magic;
    struct fail_alloc *owner;
    size_t size;
    size_t align;
};

/* Header room that keeps the user pointer aligned: a multiple of align. */
static size_t hdr_bytes(size_t align)
{
    size_t h = sizeof(struct header);
    return align > h ? align : (h + align - 1) / align * align;
}

static size_t block_align(size_t align)
{
    return align > _Alignof(struct header) ? align : _Alignof(struct header);
}

static struct header *header_of(void *p)
{
    return (struct header *)((uint8_t *)p - sizeof(struct header));
}

/* Counts an attempt; 1 if it must fail. */
static int inject(struct fail_alloc *fa, size_t new_live)
{
    fa->attempts++;
    int fail = (fa->fail_at != 0 &&
                (fa->attempts == fa->fail_at || (fa->sticky && fa->attempts > fa->fail_at))) ||
               new_live > fa->byte_limit;
    if (fail)
        fa->failures++;
    return fail;
}

static void *raw_alloc(struct fail_alloc *fa, size_t size, size_t align)
{
    size_t h = hdr_bytes(align), total, a = block_align(align);
    if (size > PTRDIFF_MAX || __builtin_add_overflow(h, size ? size : 1, &total) ||
        __builtin_add_overflow(total, a - 1, &total))
        return NULL;
    uint8_t *block = aligned_alloc(a, total / a * a);
    if (block == NULL)
        return NULL;
    uint8_t *p = block + h;
    *header_of(p) = (struct header){MAGIC_LIVE, fa, size, align};
    memset(p, FILL_NEW, size);
    return p;
}

/* Checks that p is a live block of fa with this size and alignment; fails the test if not. */
static void check_block(struct fail_alloc *fa, void *p, size_t size, size_t align)
{
    struct header *h = header_of(p);
    if (h->magic == MAGIC_DEAD)
        fail_msg("fail_alloc: %p freed twice (or used after free)", p);
    if (h->magic != MAGIC_LIVE || h->owner != fa)
        fail_msg("fail_alloc: %p was not allocated here", p);
    if (h->size != size || h->align != align)
        fail_msg("fail_alloc: %p allocated as %zu bytes align %zu, freed as %zu align %zu", p,
                 h->size, h->align, size, align);
}

static void raw_free(void *p, size_t size, size_t align)
{
    header_of(p)->magic = MAGIC_DEAD;
    memset(p, FILL_FREED, size);
    free((uint8_t *)p - hdr_bytes(align));
}

static void account(struct fail_alloc *fa, size_t size, size_t align)
{
    fa->last_size = size;
    fa->last_align = align;
    if (fa->live_bytes > fa->peak_bytes)
        fa->peak_bytes = fa->live_bytes;
}

static void *fa_alloc(void *ctx, size_t size, size_t align)
{
    struct fail_alloc *fa = ctx;
    if (!avila_alloc_align_ok(align) || size > SIZE_MAX - fa->live_bytes)
        return NULL;
    if (inject(fa, fa->live_bytes + size))
        return NULL;
    void *p = raw_alloc(fa, size, align);
    if (p == NULL)
        return NULL;
    fa->live_allocs++;
    fa->live_bytes += size;
    account(fa, size, align);
    return p;
}

/* Always moves the block, so a caller that keeps the old pointer is caught. */
static void *fa_realloc(void *ctx, void *p, size_t old_size, size_t new_size, size_t align)
{
    struct fail_alloc *fa = ctx;
    if (p == NULL)
        return fa_alloc(ctx, new_size, align);
    check_block(fa, p, old_size, align);
    if (!avila_alloc_align_ok(align) || new_size > SIZE_MAX - (fa->live_bytes - old_size))
        return NULL;
    size_t new_live = fa->live_bytes - old_size + new_size;
    if (inject(fa, new_live))
        return NULL;
    void *q = raw_alloc(fa, new_size, align);
    if (q == NULL)
        return NULL;
    memcpy(q, p, old_size < new_size ? old_size : new_size);
    raw_free(p, old_size, align);
    fa->live_bytes = new_live;
    account(fa, new_size, align);
    return q;
}

static void fa_free(void *ctx, void *p, size_t size, size_t align)
{
    struct fail_alloc *fa = ctx;
    if (p == NULL)
        return;
    check_block(fa, p, size, align);
    raw_free(p, size, align);
    fa->live_allocs--;
    fa->live_bytes -= size;
}

void fail_alloc_init(struct fail_alloc *fa)
{
    memset(fa, 0, sizeof *fa);
    fa->allocator = (struct avila_allocator){fa_alloc, fa_realloc, fa_free, fa};
    fa->byte_limit = SIZE_MAX;
}

void fail_alloc_fail_nth(struct fail_alloc *fa, unsigned long n, int sticky)
{
    fa->fail_at = n == 0 ? 0 : fa->attempts + n;
    fa->sticky = sticky;
}

void fail_alloc_limit_bytes(struct fail_alloc *fa, size_t limit)
{
    fa->byte_limit = limit;
}

unsigned long fail_alloc_sweep(int (*op)(struct fail_alloc *fa, void *ctx), void *ctx, int sticky)
{
    for (unsigned long n = 1;; n++) {
        struct fail_alloc fa;
        fail_alloc_init(&fa);
        fail_alloc_fail_nth(&fa, n, sticky);
        int rc = op(&fa, ctx);
        if (fa.live_allocs != 0)
            fail_msg("fail_alloc_sweep: run %lu leaked %zu blocks (%zu bytes)", n, fa.live_allocs,
                     fa.live_bytes);
        if (fa.failures == 0) {
            if (rc != 0)
                fail_msg("fail_alloc_sweep: run %lu failed (%d) with no injected failure", n, rc);
            return n - 1;
        }
    }
}
