/* core/ct.c - constant-time memory helpers and secure wiping. Pure. */
#include "core/ct.h"

uint32_t avila_ct_memeq(const void *a, const void *b, size_t n)
{
    const uint8_t *x = a, *y = b;
    uint32_t diff = 0;
    for (size_t i = 0; i < n; i++)
        diff |= (uint32_t)(x[i] ^ y[i]);
    return 1u ^ avila_ct_nonzero_u32(avila_ct_barrier_u32(diff));
}

uint32_t avila_ct_is_zero(const void *p, size_t n)
{
    const uint8_t *x = p;
    uint32_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= x[i];
    return 1u ^ avila_ct_nonzero_u32(avila_ct_barrier_u32(acc));
}

void avila_ct_copy_if(uint32_t bit, void *restrict dst, const void *restrict src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    uint8_t mask = (uint8_t)avila_ct_mask_u32(bit);
    for (size_t i = 0; i < n; i++)
        d[i] = (uint8_t)(d[i] ^ (mask & (d[i] ^ s[i])));
}

void avila_ct_swap_if(uint32_t bit, void *restrict a, void *restrict b, size_t n)
{
    uint8_t *x = a, *y = b;
    uint8_t mask = (uint8_t)avila_ct_mask_u32(bit);
    for (size_t i = 0; i < n; i++) {
        uint8_t t = (uint8_t)(mask & (x[i] ^ y[i]));
        x[i] ^= t;
        y[i] ^= t;
    }
}

void avila_wipe(void *p, size_t n)
{
    memset(p, 0, n);
    /* The compiler must assume the asm reads the zeroed memory, so the memset stays. */
    __asm__ __volatile__("" : : "r"(p) : "memory");
}

__attribute__((weak)) void avila_ct_declassify(const void *p, size_t n)
{
    (void)p;
    (void)n;
}
