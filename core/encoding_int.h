/*
 * core/encoding_int.h - what core/encoding.h's codecs share and do not
 * publish: byte-lane arithmetic on 64-bit words (SWAR) for the portable
 * code, and the vector kernels behind base64, exposed so tests and fuzzers
 * can call them directly. Not installed. The public functions handle
 * lengths, padding and the last partial blocks; the kernels only do whole
 * blocks.
 *
 * The portable codecs map characters with lane arithmetic instead of
 * lookup tables: keys are kept in hex and base64, and a table index would
 * show them to a cache-timing observer. Eight characters per word also beat
 * a table walk.
 */
#ifndef AVILA_CORE_ENCODING_INT_H
#define AVILA_CORE_ENCODING_INT_H

#include "core/platform.h"

#define AVILA_SWAR_HIGH 0x8080808080808080u
#define AVILA_SWAR_LOW7 0x7F7F7F7F7F7F7F7Fu

/* Byte b in every lane. */
static inline uint64_t avila_swar_bytes(uint8_t b)
{
    return 0x0101010101010101u * b;
}

/* Bit 7 set in each lane where x < 0x80 holds a value >= k (k <= 0x80); no lane borrows. */
static inline uint64_t avila_swar_ge(uint64_t x7, uint8_t k)
{
    return ((x7 | AVILA_SWAR_HIGH) - avila_swar_bytes(k)) & AVILA_SWAR_HIGH;
}

/* Bit 7 set in each lane of 7-bit values x7 with lo <= x7 <= hi (hi < 0x80). */
static inline uint64_t avila_swar_in_range(uint64_t x7, uint8_t lo, uint8_t hi)
{
    return avila_swar_ge(x7, lo) & ~avila_swar_ge(x7, (uint8_t)(hi + 1));
}

/* Spreads bit 7 of each lane over the whole lane. */
static inline uint64_t avila_swar_mask(uint64_t high_bits)
{
    return (high_bits >> 7) * 0xFF;
}

/* Lane-wise a + b modulo 256, no carry between lanes. */
static inline uint64_t avila_swar_add(uint64_t a, uint64_t b)
{
    return ((a & AVILA_SWAR_LOW7) + (b & AVILA_SWAR_LOW7)) ^ ((a ^ b) & AVILA_SWAR_HIGH);
}

#if AVILA_X86_64
/*
 * Need AVILA_CPU_AVX2. Encodes blocks * 24 bytes of src into blocks * 32
 * characters at dst, in the alphabet of RFC 4648 section 5 if url, else
 * section 4. Reads up to 4 bytes past the last block: src MUST have
 * blocks * 24 + 4 readable bytes.
 */
void avila_base64_encode_avx2(char *dst, const uint8_t *src, size_t blocks, int url);

/*
 * Need AVILA_CPU_AVX2. Decodes blocks * 32 characters (no padding) into
 * blocks * 24 bytes at dst. Returns 0, or 0x100 if any character is
 * outside the alphabet (dst then holds garbage); it does not branch on the
 * characters, so the caller can fold the result in without branching either.
 */
uint32_t avila_base64_decode_avx2(uint8_t *dst, const char *src, size_t blocks, int url);
#endif

#endif
