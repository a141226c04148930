/*
 * core/alloc_libc.c - the C library heap behind struct avila_allocator (OS).
 *
 * malloc and realloc already return memory aligned for max_align_t; larger
 * alignments use C11 aligned_alloc (7.22.3.1), whose size must be a multiple
 * of the alignment, and realloc then allocates, copies and frees, because
 * the C realloc does not keep an extended alignment.
 */
#include "core/alloc.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NATURAL_ALIGN _Alignof(max_align_t)

static void *libc_alloc(void *ctx, size_t size, size_t align)
{
    (void)ctx;
    /* No object may exceed PTRDIFF_MAX: pointer differences inside it must be defined. */
    if (!avila_alloc_align_ok(align) || size > PTRDIFF_MAX)
        return NULL;
    /* The contract gives size 0 a unique pointer; malloc(0) may return NULL. */
    if (size == 0)
        size = 1;
    if (align <= NATURAL_ALIGN)
        return malloc(size);
    size_t rounded;
    if (avila_size_align_up(size, align, &rounded) != 0)
        return NULL;
    return aligned_alloc(align, rounded);
}

static void *libc_realloc(void *ctx, void *p, size_t old_size, size_t new_size, size_t align)
{
    if (p == NULL)
        return libc_alloc(ctx, new_size, align);
    if (!avila_alloc_align_ok(align) || new_size > PTRDIFF_MAX)
        return NULL;
    if (new_size == 0)
        new_size = 1;
    if (align <= NATURAL_ALIGN)
        return realloc(p, new_size);
    void *q = libc_alloc(ctx, new_size, align);
    if (q == NULL)
        return NULL;
    memcpy(q, p, old_size < new_size ? old_size : new_size);
    free(p);
    return q;
}

static void libc_free(void *ctx, void *p, size_t size, size_t align)
{
    (void)ctx;
    (void)size;
    (void)align;
    free(p);
}

static const struct avila_allocator libc_allocator = {
    .alloc = libc_alloc,
    .realloc = libc_realloc,
    .free = libc_free,
    .ctx = NULL,
};

const struct avila_allocator *avila_allocator_libc(void)
{
    return &libc_allocator;
}
