/*
 * core/random.h - random bytes from the operating system's CSPRNG.
 *
 * OS code (core/random.c), Linux: the getrandom(2) system call with flags 0,
 * which blocks until the kernel pool has been initialised once and never
 * afterwards; on kernels without it (ENOSYS, before 3.17), /dev/urandom read
 * after /dev/random has once been seen readable, which means the same. No
 * state is kept in user space, so there is nothing to reseed after fork().
 *
 * Every function here either fills its whole output with fresh kernel
 * randomness and returns 0, or returns AVILA_EIO with the output wiped: it
 * never reports success for unseeded, short or partial output.
 * All functions are thread-safe.
 */
#ifndef AVILA_CORE_RANDOM_H
#define AVILA_CORE_RANDOM_H

#include "core/platform.h"

/*
 * Fills the n bytes at buf (any size; large requests are read in pieces)
 * with random bytes. Returns 0; AVILA_EINVAL if buf is NULL and n > 0;
 * AVILA_EIO if the kernel source fails (the n bytes at buf are then zero).
 * Signals do not make it fail: interrupted reads are retried.
 */
int avila_random_bytes(void *buf, size_t n);

/* Stores a uniformly random 64-bit value in *out. Returns 0 or AVILA_EIO (*out = 0). */
int avila_random_u64(uint64_t *out);

/*
 * Stores a uniformly random value in [0, bound) in *out, without modulo bias
 * (values from the low end of the 64-bit range that would favour some
 * results are rejected and drawn again). Returns 0, AVILA_EINVAL if bound
 * is 0, or AVILA_EIO (*out = 0).
 */
int avila_random_uniform(uint64_t bound, uint64_t *out);

#endif
