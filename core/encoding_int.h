/*
 * core/encoding_int.h - the vector kernels behind core/encoding.h's base64
 * functions, exposed so tests and fuzzers can call them directly. Not
 * installed. The public functions handle lengths, padding and the last
 * partial blocks; the kernels only do whole blocks.
 */
#ifndef AVILA_CORE_ENCODING_INT_H
#define AVILA_CORE_ENCODING_INT_H

#include "core/platform.h"

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
 * blocks * 24 bytes at dst. Returns 0, or AVILA_EFORMAT if any character is
 * outside the alphabet (dst then holds garbage).
 */
int avila_base64_decode_avx2(uint8_t *dst, const char *src, size_t blocks, int url);
#endif

#endif
