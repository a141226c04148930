/*
 * crypto/scrypt_int.h - scrypt internals shared with the tests (not
 * installed), so they can check BlockMix and ROMix against RFC 7914's
 * section 9 and 10 vectors. Blocks are arrays of host-order 32-bit words
 * (word k = little-endian bytes 4k .. 4k + 3 of the RFC's block).
 */
#ifndef AVILA_CRYPTO_SCRYPT_INT_H
#define AVILA_CRYPTO_SCRYPT_INT_H

#include "crypto/kdf.h"

/*
 * scryptBlockMix (RFC 7914 section 4): out (32 * r words) = BlockMix(in),
 * or BlockMix(in ^ in2) when in2 is not NULL. out overlaps neither input.
 */
void avila_scrypt_blockmix(uint32_t *out, const uint32_t *in, const uint32_t *in2, size_t r);

/*
 * scryptROMix (RFC 7914 section 5) on b (32 * r words, replaced by the
 * result) with cost n (a power of two >= 2), using v (32 * r * n words) and
 * xy (64 * r words) as scratch. All three are disjoint.
 */
void avila_scrypt_romix(uint32_t *b, size_t r, uint64_t n, uint32_t *v, uint32_t *xy);

#endif
