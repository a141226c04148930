/*
 * core/heap_class.c - the heap's size classes (pure): block size and page
 * span of each class. The mapping from a request to its class is inline in
 * core/heap_int.h.
 */
#include "core/heap_int.h"

/* Entry i is the class of 8 * i bytes (every class bound up to 1 KiB is a multiple of 8);
 * tests/core/test_heap.c checks it against avila_heapi_class_of_slow. */
const uint8_t avila_heapi_class_tab[129] = {
    0,  0,  1,  2,  2,  3,  3,  4,  4,  5,  5,  6,  6,  7,  7,  8,  8,  9,  9,  9,  9,  10,
    10, 10, 10, 11, 11, 11, 11, 12, 12, 12, 12, 13, 13, 13, 13, 13, 13, 13, 13, 14, 14, 14,
    14, 14, 14, 14, 14, 15, 15, 15, 15, 15, 15, 15, 15, 16, 16, 16, 16, 16, 16, 16, 16, 17,
    17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 18, 18, 18, 18, 18, 18, 18,
    18, 18, 18, 18, 18, 18, 18, 18, 18, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19, 19,
    19, 19, 19, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20,
};

size_t avila_heapi_class_size(unsigned c)
{
    if (c == 0)
        return 8;
    if (c <= 8)
        return (size_t)c * 16;
    unsigned g = (c - 9) / 4, k = (c - 9) % 4;
    return ((size_t)128 << g) + (size_t)(k + 1) * ((size_t)32 << g);
}

unsigned avila_heapi_class_slices(unsigned c)
{
    size_t s = avila_heapi_class_size(c);
    if (s <= 8192)
        return 1;
    return (unsigned)((8 * s + HEAP_SLICE_SIZE - 1) / HEAP_SLICE_SIZE);
}
