/*
 * core/encoding.h - strict binary-to-text encodings: base16 (hex), base64
 * and base32 of RFC 4648, and Crockford's base32
 * (https://www.crockford.com/base32.html).
 *
 * Common shape: destination first, with its capacity in bytes; the length
 * written goes to *out_len (out_len may be NULL). Nothing is NUL-terminated.
 * src and dst are only borrowed for the call and MUST NOT overlap. src may be
 * NULL when n == 0, dst when cap == 0.
 *
 * Encoders write exactly the returned length, or nothing on failure.
 * Decoders are strict - they accept exactly the text their encoder
 * produces (for Crockford: up to case, the O/I/L aliases and hyphens) - so
 * one binary string has one encoding: characters outside the alphabet
 * (whitespace and newlines included: callers strip those), missing, extra or
 * misplaced padding, impossible lengths and nonzero unused trailing bits
 * (RFC 4648 section 3.5) are all AVILA_EFORMAT. When a decoder fails, *out_len
 * is not set and the contents of dst are unspecified (part of the output may
 * have been written); AVILA_ENOSPC is only returned for well-formed input,
 * before anything is written.
 *
 * Timing: hex and base64 encode and decode in time that depends on the
 * length alone - no branch or table index depends on a character or byte
 * value (checked under valgrind by tests/ct/ct_encoding.c) - so key files
 * can use them. A decoder's verdict (valid or not) is the one thing its
 * timing may show; where padded base64 ends ('=') is read by a branch, as
 * the length already tells it. base32 and Crockford use tables: do not put
 * secrets through them.
 *
 * Errors, in order of precedence: AVILA_EINVAL (unknown or conflicting
 * flags), AVILA_EOVERFLOW (the encoded size does not fit in size_t),
 * AVILA_EFORMAT (decoders), AVILA_ENOSPC (cap too small).
 *
 * Pure: no allocation, no libc.
 */
#ifndef AVILA_CORE_ENCODING_H
#define AVILA_CORE_ENCODING_H

#include "core/platform.h"

/* ---------------------------------------------------------------- base16 (RFC 4648 section 8) */

/* avila_hex_encode: write A-F instead of a-f. */
#define AVILA_HEX_UPPER 0x1u

/* Returns 2 * n, the encoded length, or SIZE_MAX if that overflows. */
size_t avila_hex_encoded_len(size_t n);

/*
 * Writes the 2n hex digits of the n bytes at src to dst (lowercase unless
 * flags has AVILA_HEX_UPPER). Returns 0; AVILA_EINVAL for unknown flags;
 * AVILA_EOVERFLOW if 2n overflows; AVILA_ENOSPC if cap < 2n.
 */
int avila_hex_encode(char *dst, size_t cap, const void *src, size_t n, unsigned flags,
                     size_t *out_len);

/*
 * Decodes n hex digits (either case, mixed allowed) into n / 2 bytes at dst.
 * Returns 0; AVILA_EFORMAT for an odd n or a non-hex character; AVILA_ENOSPC
 * if cap < n / 2.
 */
int avila_hex_decode(void *dst, size_t cap, const char *src, size_t n, size_t *out_len);

/* ---------------------------------------------------------------- base64 (RFC 4648 sections 4, 5)
 */

/* The URL- and filename-safe alphabet ('-', '_' for '+', '/'), section 5. */
#define AVILA_BASE64_URL 0x1u
/* Encoder: no '=' padding. Decoder: rejects '=', accepts any possible length. */
#define AVILA_BASE64_NOPAD 0x2u

/*
 * Stores the encoded length of n bytes in *out: 4 * ceil(n / 3), or without
 * padding ceil(4n / 3). Returns 0, AVILA_EINVAL or AVILA_EOVERFLOW.
 */
int avila_base64_encoded_len(size_t n, unsigned flags, size_t *out);

/*
 * Encodes the n bytes at src into dst. Returns 0; AVILA_EINVAL,
 * AVILA_EOVERFLOW, or AVILA_ENOSPC if cap is below avila_base64_encoded_len.
 */
int avila_base64_encode(char *dst, size_t cap, const void *src, size_t n, unsigned flags,
                        size_t *out_len);

/* An upper bound on the bytes any n characters decode to (with or without padding). */
size_t avila_base64_decoded_max(size_t n);

/*
 * Decodes n characters. Without AVILA_BASE64_NOPAD, n MUST be a multiple of 4
 * and the last quantum padded exactly as RFC 4648 section 4 says; with it,
 * '=' is rejected and n % 4 MUST NOT be 1. The exact output length is what
 * cap must hold (avila_base64_decoded_max(n) always suffices). Returns 0;
 * AVILA_EINVAL, AVILA_EFORMAT or AVILA_ENOSPC (see the top of this file).
 */
int avila_base64_decode(void *dst, size_t cap, const char *src, size_t n, unsigned flags,
                        size_t *out_len);

/*
 * Names the base64 variant the dispatcher picks now: "avx2" or "portable".
 * Static string.
 */
const char *avila_base64_impl(void);

/* ---------------------------------------------------------------- base32 */

/* The "extended hex" alphabet 0-9A-V of RFC 4648 section 7 (default: section 6, A-Z2-7). */
#define AVILA_BASE32_HEX 0x1u
/*
 * Crockford's alphabet 0-9A-Z without I L O U, never padded. Bits are grouped
 * as in RFC 4648 (5 bits per character, most significant first, the last
 * character's unused low bits zero). The decoder ignores case and every '-',
 * reads O as 0 and I, L as 1, and rejects U and the check symbols.
 */
#define AVILA_BASE32_CROCKFORD 0x2u
/* Encoder: no '=' padding. Decoder: rejects '=', accepts any possible length. */
#define AVILA_BASE32_NOPAD 0x4u

/*
 * Stores the encoded length of n bytes in *out: 8 * ceil(n / 5), or without
 * padding (and for Crockford) ceil(8n / 5). Returns 0; AVILA_EINVAL (HEX and
 * CROCKFORD together, or unknown flags) or AVILA_EOVERFLOW.
 */
int avila_base32_encoded_len(size_t n, unsigned flags, size_t *out);

/* Encodes the n bytes at src into dst; returns as avila_base64_encode. */
int avila_base32_encode(char *dst, size_t cap, const void *src, size_t n, unsigned flags,
                        size_t *out_len);

/* An upper bound on the bytes any n characters decode to. */
size_t avila_base32_decoded_max(size_t n);

/*
 * Decodes n characters. RFC 4648 alphabets are uppercase only. Without
 * AVILA_BASE32_NOPAD, n MUST be a multiple of 8 and the last quantum padded
 * with exactly 6, 4, 3 or 1 '=' (or none when full); with it (and for
 * Crockford), '=' is rejected and the number of characters (for Crockford:
 * not counting hyphens) modulo 8 MUST be 0, 2, 4, 5 or 7. Returns 0;
 * AVILA_EINVAL, AVILA_EFORMAT or AVILA_ENOSPC (see the top of this file).
 */
int avila_base32_decode(void *dst, size_t cap, const char *src, size_t n, unsigned flags,
                        size_t *out_len);

/* Crockford's 32 symbols in value order, NUL-terminated (for ULIDs). */
extern const char avila_crockford_alphabet[33];

/*
 * The value 0..31 of Crockford symbol c (case-insensitive; O/o is 0, I/i/L/l
 * is 1), or AVILA_EFORMAT for anything else, including '-', 'U' and values
 * outside 0..255.
 */
int avila_crockford_digit(int c);

#endif
