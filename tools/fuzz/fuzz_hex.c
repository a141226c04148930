/*
 * tools/fuzz/fuzz_hex.c - libFuzzer harness for base16 (RFC 4648 section 8)
 * of core/encoding.h.
 *
 * Properties: the input as text decodes iff it is an even number of hex
 * digits (the model), and then re-encoding gives it back with its letters
 * lowercased; a buffer one byte short gives AVILA_ENOSPC. The input as bytes encodes (both cases)
 * to 2n digits that decode back.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/encoding.h"
#include "core/error.h"

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

static int is_hex(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static uint8_t lower(uint8_t c)
{
    return c >= 'A' && c <= 'F' ? (uint8_t)(c - 'A' + 'a') : c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *out = malloc(size + 1);
    char *text = malloc(2 * size + 1), *text2 = malloc(2 * size + 1);
    CHECK(out && text && text2);

    int model_ok = size % 2 == 0;
    for (size_t i = 0; i < size; i++)
        model_ok &= is_hex(data[i]);
    size_t len = 0, elen = 0;
    int rc = avila_hex_decode(out, size, (const char *)data, size, &len);
    CHECK(rc == (model_ok ? 0 : AVILA_EFORMAT));
    if (rc == 0) {
        CHECK(len == size / 2);
        CHECK(avila_hex_encode(text, size, out, len, 0, &elen) == 0 && elen == size);
        for (size_t i = 0; i < size; i++)
            CHECK((uint8_t)text[i] == lower(data[i]));
        if (len > 0)
            CHECK(avila_hex_decode(out, len - 1, (const char *)data, size, &elen) == AVILA_ENOSPC);
    }

    size_t n1 = 0, n2 = 0, back = 0;
    CHECK(avila_hex_encode(text, 2 * size, data, size, 0, &n1) == 0 && n1 == 2 * size);
    CHECK(avila_hex_encode(text2, 2 * size, data, size, AVILA_HEX_UPPER, &n2) == 0);
    for (size_t i = 0; i < n1; i++)
        CHECK(lower((uint8_t)text2[i]) == (uint8_t)text[i] && is_hex((uint8_t)text[i]));
    CHECK(avila_hex_decode(out, size, text2, n2, &back) == 0 && back == size);
    CHECK(memcmp(out, data, size) == 0);
    free(out);
    free(text);
    free(text2);
    return 0;
}
