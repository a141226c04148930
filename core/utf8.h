/*
 * core/utf8.h - UTF-8 validation, decoding and encoding.
 *
 * Implements the well-formed byte sequences of The Unicode Standard 15.0,
 * chapter 3, Table 3-7 (the same set as RFC 3629 section 4): overlong forms,
 * surrogates U+D800..U+DFFF, code points above U+10FFFF, 5- and 6-byte forms,
 * stray continuation bytes and sequences cut short are all ill-formed.
 *
 * Validation runs a vectorised classifier (Keiser and Lemire, "Validating
 * UTF-8 in less than one instruction per byte", 2021) on x86-64 CPUs with
 * AVX2 or AVX-512BW, chosen at run time (core/cpu.h), and a portable
 * word-at-a-time ASCII scan plus a scalar decoder everywhere else. Every
 * variant gives the same answers. Pure: no allocation, no libc.
 */
#ifndef AVILA_CORE_UTF8_H
#define AVILA_CORE_UTF8_H

#include "core/platform.h"

/* The largest Unicode scalar value and the longest UTF-8 sequence. */
#define AVILA_UTF8_MAX_CP  0x10FFFFu
#define AVILA_UTF8_MAX_LEN 4

/*
 * Returns 0 if the n bytes at s are well-formed UTF-8 (n == 0 is), or
 * AVILA_EFORMAT otherwise, including when the input ends inside a sequence.
 * s is only read, and only within [s, s + n); it may be NULL when n == 0.
 */
int avila_utf8_validate(const void *s, size_t n);

/*
 * Like avila_utf8_validate, but tells where the input stops being valid, for
 * error messages and for streaming input that arrives in pieces.
 * Returns:
 *   0              all n bytes are valid; *valid_len = n.
 *   AVILA_EFORMAT  *valid_len = offset of the first byte of the first
 *                  ill-formed sequence (the bytes before it are valid).
 *   AVILA_EAGAIN   the bytes are valid except that the input ends inside a
 *                  sequence that more bytes could still complete; *valid_len
 *                  = offset where that sequence starts. A streaming caller
 *                  keeps the n - *valid_len bytes (at most 3) and calls again
 *                  with them in front of the next piece.
 * valid_len may be NULL. s may be NULL when n == 0.
 */
int avila_utf8_check(const void *s, size_t n, size_t *valid_len);

/*
 * Decodes the one code point that starts at s (n bytes available) into *cp.
 * Returns the sequence length 1..4; AVILA_EAGAIN if n is too short for a
 * sequence that is valid so far (always so for n == 0); AVILA_EFORMAT if the
 * bytes cannot start a well-formed sequence. *cp is only written on success.
 */
int avila_utf8_decode(const void *s, size_t n, uint32_t *cp);

/*
 * Writes the UTF-8 form of code point cp to out and returns its length 1..4,
 * or AVILA_ERANGE (nothing written) for a surrogate (U+D800..U+DFFF) or a
 * value above U+10FFFF.
 */
int avila_utf8_encode(uint32_t cp, uint8_t out[AVILA_UTF8_MAX_LEN]);

/*
 * Names the validation variant the dispatcher picks now: "avx512", "avx2" or
 * "portable". Static string.
 */
const char *avila_utf8_impl(void);

#endif
