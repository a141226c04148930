/*
 * tools/fuzz/fuzz_bech32.c - core/bech32 (BIP 173).
 *
 * Input: a first byte choosing the mode, then the rest.
 *  - even: the rest is a string to decode (limit = its length, or 90 when
 *    bit 1 is set). A string that decodes MUST encode back to itself in its
 *    own case (Bech32 strings are canonical), and changing one character
 *    MUST break it.
 *  - odd: the rest is data to encode under HRP "fz"; decoding MUST give
 *    the data back, and a string of one case only.
 */
#include <stdint.h>
#include <string.h>

#include "core/bech32.h"

#define CAP 4096

static void decode_mode(const uint8_t *s, size_t n, size_t max)
{
    static uint8_t data[CAP], back[CAP];
    static char hrp[CAP], enc[2 * CAP];
    size_t hl = 0, len = 0, out = 0;
    if (avila_bech32_decode(data, sizeof data, hrp, sizeof hrp, &hl, (const char *)s, n, max,
                            &len) != 0)
        return;
    if (n > max || hl == 0)
        __builtin_trap();
    unsigned upper = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] >= 'A' && s[i] <= 'Z')
            upper = AVILA_BECH32_UPPER;
    if (hl > AVILA_BECH32_MAX_HRP)
        return; /* decodable (when max_len allows) but the encoder keeps BIP 173's HRP limit */
    if (avila_bech32_encode(enc, sizeof enc, hrp, hl, data, len, upper, &out) != 0 || out != n ||
        memcmp(enc, s, n) != 0)
        __builtin_trap();
    /* One substitution in the data part is always detected (BCH distance). */
    enc[n - 1] = enc[n - 1] == 'q' || enc[n - 1] == 'Q' ? (char)(enc[n - 1] + 1) : 'q';
    if (upper && enc[n - 1] == 'q')
        enc[n - 1] = 'Q';
    if (avila_bech32_decode(back, sizeof back, hrp, sizeof hrp, &hl, enc, n, max, &len) == 0)
        __builtin_trap();
}

static void encode_mode(const uint8_t *d, size_t n)
{
    static char enc[2 * CAP];
    static uint8_t back[CAP];
    char hrp[8];
    size_t len = 0, out = 0, hl = 0;
    if (n > 1000)
        n = 1000;
    if (avila_bech32_encode(enc, sizeof enc, "fz", 2, d, n, 0, &len) != 0)
        __builtin_trap();
    if (avila_bech32_decode(back, sizeof back, hrp, sizeof hrp, &hl, enc, len, len, &out) != 0 ||
        out != n || hl != 2 || memcmp(hrp, "fz", 2) != 0 || (n && memcmp(back, d, n) != 0))
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0 || size > CAP)
        return 0;
    if (data[0] & 1)
        encode_mode(data + 1, size - 1);
    else
        decode_mode(data + 1, size - 1, data[0] & 2 ? 90 : size - 1);
    return 0;
}
