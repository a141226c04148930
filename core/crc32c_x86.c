/*
 * core/crc32c_x86.c - CRC-32C with the SSE4.2 crc32 instruction.
 *
 * Same CRC as core/crc32c.c (RFC 3720 section 12.1). The crc32 instruction
 * takes 8 bytes per cycle but has a 3-cycle latency, so long buffers are cut
 * into triple blocks: three adjacent streams of L bytes whose CRCs run
 * interleaved, the first continuing from the running register and the other
 * two from zero. CRC registers are linear, so the block's register is
 *   a * x^(16L) + b * x^(8L) + c  (mod P),
 * i.e. a shifted past 2L zero bytes, b past L, and c. The shifts use a
 * carry-less multiply by a generated constant when PCLMULQDQ is there
 * ("sse4.2+pclmul"), else generated 4x256 tables ("sse4.2"); both constants
 * and tables come from tools/gen/gen_crc32c.c (core/crc32c_tables.c).
 * Blocks are L = 8192 bytes per stream, then L = 256; the rest (< 768
 * bytes) runs as one stream.
 */
#include "core/cpu.h"
#include "core/endian.h"
#include "core/hash_int.h"

#if AVILA_X86_64
#include <immintrin.h>

#define LONG_TRIPLE  ((size_t)3 * AVILA_CRC32C_LONG)
#define SHORT_TRIPLE ((size_t)3 * AVILA_CRC32C_SHORT)

/* Combines a triple block's three stream registers; is_long picks L. */
typedef uint32_t (*combine_fn)(uint32_t a, uint32_t b, uint32_t c, int is_long);

static inline uint32_t shift_by_table(const uint32_t t[4][256], uint32_t r)
{
    return t[0][r & 0xff] ^ t[1][(r >> 8) & 0xff] ^ t[2][(r >> 16) & 0xff] ^ t[3][r >> 24];
}

/* Horner's rule: (a shifted by L, plus b) shifted by L, plus c. */
static inline uint32_t combine_table(uint32_t a, uint32_t b, uint32_t c, int is_long)
{
    const uint32_t(*t)[256] = is_long ? avila_crc32c_shift_long : avila_crc32c_shift_short;
    return shift_by_table(t, shift_by_table(t, a) ^ b) ^ c;
}

AVILA_TARGET("sse4.2,pclmul")
static inline uint32_t shift_by_clmul(uint32_t r, uint32_t k)
{
    __m128i product =
        _mm_clmulepi64_si128(_mm_cvtsi32_si128((int)r), _mm_cvtsi32_si128((int)k), 0x00);
    return (uint32_t)_mm_crc32_u64(0, (uint64_t)_mm_cvtsi128_si64(product));
}

/* Both shifts are independent, so their latencies overlap. */
AVILA_TARGET("sse4.2,pclmul")
static inline uint32_t combine_clmul(uint32_t a, uint32_t b, uint32_t c, int is_long)
{
    uint32_t k2 = is_long ? avila_crc32c_clmul_long2 : avila_crc32c_clmul_short2;
    uint32_t k1 = is_long ? avila_crc32c_clmul_long : avila_crc32c_clmul_short;
    return shift_by_clmul(a, k2) ^ shift_by_clmul(b, k1) ^ c;
}

/* One triple block of 3 * len bytes at p (len a multiple of 8), continuing from register r. */
AVILA_TARGET("sse4.2")
static inline __attribute__((always_inline)) uint32_t
triple_block(uint32_t r, const uint8_t *p, size_t len, int is_long, combine_fn combine)
{
    uint64_t a = r, b = 0, c = 0;
    for (size_t i = 0; i < len; i += 8) {
        a = _mm_crc32_u64(a, avila_load_le64(p + i));
        b = _mm_crc32_u64(b, avila_load_le64(p + len + i));
        c = _mm_crc32_u64(c, avila_load_le64(p + 2 * len + i));
    }
    return combine((uint32_t)a, (uint32_t)b, (uint32_t)c, is_long);
}

/* Indexes rather than advancing p, so a NULL p with n == 0 is never offset. */
AVILA_TARGET("sse4.2")
static inline __attribute__((always_inline)) uint32_t
crc32c_sse42_with(uint32_t crc, const uint8_t *p, size_t n, combine_fn combine)
{
    uint32_t r = ~crc;
    size_t i = 0;
    for (; n - i >= LONG_TRIPLE; i += LONG_TRIPLE)
        r = triple_block(r, p + i, AVILA_CRC32C_LONG, 1, combine);
    for (; n - i >= SHORT_TRIPLE; i += SHORT_TRIPLE)
        r = triple_block(r, p + i, AVILA_CRC32C_SHORT, 0, combine);
    uint64_t r64 = r;
    for (; n - i >= 8; i += 8)
        r64 = _mm_crc32_u64(r64, avila_load_le64(p + i));
    r = (uint32_t)r64;
    for (; i < n; i++)
        r = _mm_crc32_u8(r, p[i]);
    return ~r;
}

AVILA_TARGET("sse4.2")
static uint32_t crc32c_sse42(uint32_t crc, const uint8_t *p, size_t n)
{
    return crc32c_sse42_with(crc, p, n, combine_table);
}

AVILA_TARGET("sse4.2,pclmul")
static uint32_t crc32c_sse42_pclmul(uint32_t crc, const uint8_t *p, size_t n)
{
    return crc32c_sse42_with(crc, p, n, combine_clmul);
}

const struct avila_crc32c_kernel avila_crc32c_kernel_sse42 = {
    "sse4.2",
    AVILA_CPU_SSE42,
    crc32c_sse42,
};

const struct avila_crc32c_kernel avila_crc32c_kernel_sse42_pclmul = {
    "sse4.2+pclmul",
    AVILA_CPU_SSE42 | AVILA_CPU_PCLMUL,
    crc32c_sse42_pclmul,
};

#endif
