/*
 * core/bits.h - bit rotations. Defined for every count (a count of 0 or
 * the word size leaves x unchanged); compilers emit one rol/ror.
 */
#ifndef AVILA_CORE_BITS_H
#define AVILA_CORE_BITS_H

#include "core/platform.h"

static inline uint32_t avila_rotl32(uint32_t x, unsigned n)
{
    return (x << (n & 31)) | (x >> (-n & 31));
}

static inline uint32_t avila_rotr32(uint32_t x, unsigned n)
{
    return (x >> (n & 31)) | (x << (-n & 31));
}

static inline uint64_t avila_rotl64(uint64_t x, unsigned n)
{
    return (x << (n & 63)) | (x >> (-n & 63));
}

static inline uint64_t avila_rotr64(uint64_t x, unsigned n)
{
    return (x >> (n & 63)) | (x << (-n & 63));
}

#endif
