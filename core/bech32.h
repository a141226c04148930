/*
 * core/bech32.h - Bech32 (BIP 173, "Bech32" checksum constant 1) over byte
 * strings: the human-readable part (HRP), the separator '1', the data bytes
 * regrouped in 5-bit symbols (zero-padded at the end) and a 6-symbol BCH
 * checksum. Used by age keys (age1... recipients, AGE-SECRET-KEY-1...
 * identities: C2SP age.md "Bech32 is as specified in BIP173, but without
 * length limits on the data part").
 *
 * Length limit: BIP 173 caps a string at 90 characters
 * (AVILA_BECH32_BIP173_MAX_LEN). age's X25519 keys fit (62 and 74
 * characters); its post-quantum keys (age1pq1..., about 1950 characters) do
 * not, which is why the decoder takes the limit as a parameter: pass
 * AVILA_BECH32_BIP173_MAX_LEN for BIP 173 strings, a larger bound for age.
 * The checksum detects errors reliably only up to 90 characters; longer
 * strings are still checked, with weaker guarantees.
 *
 * Case: a string is all lowercase or all uppercase, never mixed; the
 * checksum is computed over the lowercase form. Encoders write lowercase
 * unless AVILA_BECH32_UPPER is given (age writes identities in uppercase).
 *
 * Constant time: the encoder has no branch or table index on the HRP's
 * case or on the data (symbols are looked up by scanning the whole
 * alphabet with masks). The decoder examines every character the same way,
 * but it does branch on where the last '1' is (that becomes the HRP
 * length) and on the final accept/reject verdict. Callers decoding secrets
 * whose layout is fixed (age identities) use avila_bech32_decode_ct from
 * core/bech32_int.h, which takes the separator's place as a public input
 * and returns the verdict as a value; tests/ct/ct_age.c checks both under
 * valgrind.
 *
 * Pure: no allocation, no libc.
 */
#ifndef AVILA_CORE_BECH32_H
#define AVILA_CORE_BECH32_H

#include "core/platform.h"

/* BIP 173's limit on a whole string, in characters. */
#define AVILA_BECH32_BIP173_MAX_LEN 90
/* Longest HRP BIP 173 allows, in characters. */
#define AVILA_BECH32_MAX_HRP 83
/* Encoder: write the HRP and data in uppercase. */
#define AVILA_BECH32_UPPER 0x1u

/*
 * Stores in *out the length of the encoding of n bytes under a hrp_len-character
 * HRP: hrp_len + 1 + ceil(8n / 5) + 6. Returns 0 or AVILA_EOVERFLOW.
 */
int avila_bech32_encoded_len(size_t hrp_len, size_t n, size_t *out);

/*
 * Encodes the n bytes at data under the hrp_len-character HRP (printable
 * US-ASCII 33..126, 1..AVILA_BECH32_MAX_HRP characters; uppercase letters are
 * lowercased, or the whole string uppercased with AVILA_BECH32_UPPER) into
 * dst, not NUL-terminated. Returns 0; AVILA_EINVAL for a bad HRP or unknown
 * flags; AVILA_EOVERFLOW; AVILA_ENOSPC if cap is below
 * avila_bech32_encoded_len (nothing written on error). dst MUST NOT overlap
 * the inputs.
 */
int avila_bech32_encode(char *dst, size_t cap, const char *hrp, size_t hrp_len, const void *data,
                        size_t n, unsigned flags, size_t *out_len);

/*
 * Decodes the n characters at src. The string MUST be at most max_len
 * characters (AVILA_ELIMIT otherwise), all of them printable US-ASCII
 * (33..126), not mixed-case, with a non-empty HRP before the last '1', at
 * least 6 data symbols after it, all from the Bech32 alphabet, a valid
 * checksum, and data symbols that regroup into whole bytes with at most 4
 * zero padding bits (AVILA_EFORMAT otherwise). On success the lowercase HRP
 * goes to hrp (hrp_cap bytes, not NUL-terminated; its length to *hrp_len)
 * and the data bytes to dst (cap bytes; their count to *out_len); either
 * buffer too small is AVILA_ENOSPC. On error nothing useful is in hrp or
 * dst; callers holding secrets there wipe them. hrp_len and out_len may be
 * NULL.
 */
int avila_bech32_decode(void *dst, size_t cap, char *hrp, size_t hrp_cap, size_t *hrp_len,
                        const char *src, size_t n, size_t max_len, size_t *out_len);

#endif
