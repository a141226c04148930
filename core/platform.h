/*
 * core/platform.h - the one place where build switches and compiler
 * specifics live. Every Avila header may include it; it includes only
 * freestanding headers.
 *
 * Build switches (define on the compiler command line):
 *   AVILA_NO_ASM  - never compile x86-64 intrinsic paths (portable C only).
 */
#ifndef AVILA_CORE_PLATFORM_H
#define AVILA_CORE_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

/* 1 when x86-64 fast paths (intrinsics behind run-time CPU checks) are built. */
#if defined(__x86_64__) && !defined(AVILA_NO_ASM)
#define AVILA_X86_64 1
#else
#define AVILA_X86_64 0
#endif

#define AVILA_LIKELY(x)    __builtin_expect(!!(x), 1)
#define AVILA_UNLIKELY(x)  __builtin_expect(!!(x), 0)
#define AVILA_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Compile one function for an instruction-set extension ("sse4.2", "avx2"). */
#define AVILA_TARGET(isa) __attribute__((target(isa)))

/*
 * The four memory functions pure code may use (the compiler emits calls to
 * them anyway). Declared here so pure files need no libc header; these are
 * compatible redeclarations of <string.h>'s.
 */
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

#endif
