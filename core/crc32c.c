/*
 * core/crc32c.c - CRC-32C (Castagnoli): the portable slicing-by-8 kernel and
 * the run-time dispatcher.
 *
 * Implements the CRC of RFC 3720 section 12.1 (iSCSI digests; check values in
 * Appendix B.4): generator polynomial 0x1EDC6F41, bit-reflected 0x82F63B78,
 * register preset to all ones, result complemented. Slicing-by-8 (Kounavis and
 * Berry, "A Systematic Approach to Building High Performance Software-based
 * CRC Generators", 2005) folds 8 bytes per step through 8 generated tables
 * (core/crc32c_tables.c). The SSE4.2 kernels are in core/crc32c_x86.c.
 */
#include "core/cpu.h"
#include "core/endian.h"
#include "core/hash_int.h"

#define T avila_crc32c_table

static uint32_t crc32c_portable(uint32_t crc, const uint8_t *p, size_t n)
{
    uint32_t r = ~crc;
    size_t i = 0;
    for (; n - i >= 8; i += 8) {
        /* Byte j of the 8 is followed by 7 - j more bytes: row 7 - j shifts it past them. */
        uint32_t x = r ^ avila_load_le32(p + i), y = avila_load_le32(p + i + 4);
        r = T[7][x & 0xff] ^ T[6][(x >> 8) & 0xff] ^ T[5][(x >> 16) & 0xff] ^ T[4][x >> 24] ^
            T[3][y & 0xff] ^ T[2][(y >> 8) & 0xff] ^ T[1][(y >> 16) & 0xff] ^ T[0][y >> 24];
    }
    for (; i < n; i++)
        r = (r >> 8) ^ T[0][(r ^ p[i]) & 0xff];
    return ~r;
}

const struct avila_crc32c_kernel avila_crc32c_kernel_portable = {
    "portable",
    0,
    crc32c_portable,
};

const struct avila_crc32c_kernel *avila_crc32c_kernel(void)
{
#if AVILA_X86_64
    uint32_t f = avila_cpu_features();
    if ((f & avila_crc32c_kernel_sse42_pclmul.cpu) == avila_crc32c_kernel_sse42_pclmul.cpu)
        return &avila_crc32c_kernel_sse42_pclmul;
    if ((f & avila_crc32c_kernel_sse42.cpu) == avila_crc32c_kernel_sse42.cpu)
        return &avila_crc32c_kernel_sse42;
#endif
    return &avila_crc32c_kernel_portable;
}

uint32_t avila_crc32c(uint32_t crc, const void *data, size_t n)
{
    return avila_crc32c_kernel()->update(crc, data, n);
}

const char *avila_crc32c_impl(void)
{
    return avila_crc32c_kernel()->name;
}
