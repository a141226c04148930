/*
 * core/ct.h - constant-time primitives and secure wiping.
 *
 * Secret-dependent code uses only these to compare, select and copy: they
 * run in time independent of the secret values (only of lengths), with no
 * secret-dependent branch or memory index. "bit" arguments and results are
 * 0 or 1; masks are all-zeros or all-ones. tests/ct/ checks the
 * constant-time property under valgrind memcheck.
 */
#ifndef AVILA_CORE_CT_H
#define AVILA_CORE_CT_H

#include "core/platform.h"

/*
 * Hides a value from the optimiser so it cannot turn mask arithmetic back
 * into a branch (clang does so on selects of known-0/1 values).
 */
static inline uint32_t avila_ct_barrier_u32(uint32_t x)
{
    __asm__("" : "+r"(x));
    return x;
}

static inline uint64_t avila_ct_barrier_u64(uint64_t x)
{
    __asm__("" : "+r"(x));
    return x;
}

/* 1 if x != 0, else 0. */
static inline uint32_t avila_ct_nonzero_u32(uint32_t x)
{
    return (x | (0u - x)) >> 31;
}

/* 1 if a == b, else 0. */
static inline uint32_t avila_ct_eq_u32(uint32_t a, uint32_t b)
{
    return 1u ^ avila_ct_nonzero_u32(a ^ b);
}

/* 1 if a < b (unsigned), else 0. */
static inline uint32_t avila_ct_lt_u32(uint32_t a, uint32_t b)
{
    return (uint32_t)(((uint64_t)a - (uint64_t)b) >> 63);
}

/* All-ones if bit is 1, zero if bit is 0. */
static inline uint32_t avila_ct_mask_u32(uint32_t bit)
{
    return 0u - avila_ct_barrier_u32(bit);
}

static inline uint64_t avila_ct_mask_u64(uint32_t bit)
{
    return 0u - avila_ct_barrier_u64(bit);
}

/* bit ? a : b. */
static inline uint32_t avila_ct_select_u32(uint32_t bit, uint32_t a, uint32_t b)
{
    return b ^ (avila_ct_mask_u32(bit) & (a ^ b));
}

static inline uint64_t avila_ct_select_u64(uint32_t bit, uint64_t a, uint64_t b)
{
    return b ^ (avila_ct_mask_u64(bit) & (a ^ b));
}

/*
 * Returns 1 if the n bytes at a and b are equal, 0 otherwise, reading every
 * byte whatever the contents (time depends on n only). Both MUST hold n bytes.
 */
uint32_t avila_ct_memeq(const void *a, const void *b, size_t n);

/* Returns 1 if all n bytes at p are zero, 0 otherwise; time depends on n only. */
uint32_t avila_ct_is_zero(const void *p, size_t n);

/* Copies n bytes src -> dst if bit is 1, leaves dst alone if 0; same work either way. */
void avila_ct_copy_if(uint32_t bit, void *restrict dst, const void *restrict src, size_t n);

/* Swaps the n bytes at a and b if bit is 1; same work either way. a and b MUST NOT overlap. */
void avila_ct_swap_if(uint32_t bit, void *restrict a, void *restrict b, size_t n);

/*
 * Declares the n bytes at p public although they were computed from
 * secrets: a verdict that is revealed anyway (a rejected prime candidate, a
 * failed consistency check, the length of an integer that DER shows).
 * Code calls it before branching on such a value, so every release of
 * secret-derived information is explicit. A no-op (a weak symbol): the
 * constant-time checks of tests/ct/ link their own definition, which tells
 * valgrind the bytes are defined.
 */
void avila_ct_declassify(const void *p, size_t n);

/*
 * Zeroes n bytes at p in a way the compiler cannot remove as a dead store.
 * Every function that held a secret wipes it before returning.
 */
void avila_wipe(void *p, size_t n);

#endif
