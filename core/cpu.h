/*
 * core/cpu.h - CPU feature detection for run-time dispatch.
 *
 * Fast paths ask avila_cpu_features() whether their instructions are there
 * (CPUID, plus XGETBV for the OS's AVX / AVX-512 state). The answer can be
 * narrowed, never widened, with avila_cpu_restrict(): the AVILA_CPU
 * environment variable does so in hosted programs through avila_cpu_init(),
 * and tests use it to cover the portable paths. Pure, except avila_cpu_init.
 */
#ifndef AVILA_CORE_CPU_H
#define AVILA_CORE_CPU_H

#include "core/platform.h"

enum {
    AVILA_CPU_SSE42 = 1u << 0,
    AVILA_CPU_PCLMUL = 1u << 1,
    AVILA_CPU_AESNI = 1u << 2,
    AVILA_CPU_AVX2 = 1u << 3,
    AVILA_CPU_BMI2 = 1u << 4,
    AVILA_CPU_ADX = 1u << 5,
    AVILA_CPU_SHA = 1u << 6,
    AVILA_CPU_AVX512F = 1u << 7,
    AVILA_CPU_AVX512BW = 1u << 8,
    AVILA_CPU_AVX512VL = 1u << 9,
    AVILA_CPU_VAES = 1u << 10,
    AVILA_CPU_VPCLMUL = 1u << 11,
    AVILA_CPU_AVX512IFMA = 1u << 12,
    AVILA_CPU_AVX512VBMI2 = 1u << 13,
    AVILA_CPU_AVX512VBMI = 1u << 14,
    AVILA_CPU_ALL = (1u << 15) - 1,
};

/*
 * Returns the AVILA_CPU_* bits that are both present on this CPU (and
 * enabled by the OS) and allowed. Detection runs once; later calls are one
 * relaxed atomic load. Thread-safe. Always 0 on non-x86-64 builds.
 */
uint32_t avila_cpu_features(void);

/* Returns the detected bits, ignoring any restriction. */
uint32_t avila_cpu_detected(void);

/*
 * Allows only the bits in allowed from now on (AVILA_CPU_ALL lifts every
 * restriction). Call before starting threads that use dispatched code.
 */
void avila_cpu_restrict(uint32_t allowed);

/*
 * Parses an AVILA_CPU specification into a mask of allowed bits: a comma
 * list read left to right from AVILA_CPU_ALL, where "native" allows all,
 * "portable" allows none, "NAME" allows one feature and "-NAME" removes it
 * (names as printed by avila_cpu_describe, e.g. "portable,sse4.2" or
 * "-avx512f"). spec is NUL-terminated. Returns 0 and sets *allowed, or
 * AVILA_EINVAL for an unknown item (then *allowed is untouched).
 */
int avila_cpu_parse(const char *spec, uint32_t *allowed);

/*
 * Writes the names of the bits in features, space-separated, NUL-terminated,
 * into buf (cap bytes), "none" when features is 0. Returns the length without
 * the NUL, or AVILA_ENOSPC if it does not fit (buf then holds a truncated,
 * terminated prefix when cap > 0).
 */
int avila_cpu_describe(uint32_t features, char *buf, size_t cap);

/*
 * (OS) Applies the AVILA_CPU environment variable, if set, through
 * avila_cpu_parse and avila_cpu_restrict. Hosted programs call it once at
 * start-up. Returns 0, or AVILA_EINVAL for a bad value (nothing is
 * restricted then).
 */
int avila_cpu_init(void);

#endif
