/*
 * core/size.h - overflow-checked size arithmetic.
 *
 * Every allocation size computed from input goes through these (the Linux
 * kmalloc_array habit). Each returns 0 and stores the result, or returns
 * AVILA_EOVERFLOW and leaves *out untouched.
 */
#ifndef AVILA_CORE_SIZE_H
#define AVILA_CORE_SIZE_H

#include "core/error.h"
#include "core/platform.h"

/* *out = a + b. */
static inline int avila_size_add(size_t a, size_t b, size_t *out)
{
    size_t r;
    if (__builtin_add_overflow(a, b, &r))
        return AVILA_EOVERFLOW;
    *out = r;
    return 0;
}

/* *out = a * b. */
static inline int avila_size_mul(size_t a, size_t b, size_t *out)
{
    size_t r;
    if (__builtin_mul_overflow(a, b, &r))
        return AVILA_EOVERFLOW;
    *out = r;
    return 0;
}

/* *out = a * b + c: the size of an array of a b-byte items after a c-byte header. */
static inline int avila_size_mul_add(size_t a, size_t b, size_t c, size_t *out)
{
    size_t r;
    if (__builtin_mul_overflow(a, b, &r) || __builtin_add_overflow(r, c, &r))
        return AVILA_EOVERFLOW;
    *out = r;
    return 0;
}

/*
 * *out = n rounded up to a multiple of align. align MUST be a power of two
 * (AVILA_EINVAL otherwise).
 */
static inline int avila_size_align_up(size_t n, size_t align, size_t *out)
{
    size_t r;
    if (align == 0 || (align & (align - 1)) != 0)
        return AVILA_EINVAL;
    if (__builtin_add_overflow(n, align - 1, &r))
        return AVILA_EOVERFLOW;
    *out = r & ~(align - 1);
    return 0;
}

#endif
