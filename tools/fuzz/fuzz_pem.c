/*
 * tools/fuzz/fuzz_pem.c - libFuzzer harness for RFC 7468 PEM
 * (crypto/pem.h). Properties:
 *   - decode and next return 0 or their documented errors, never crash or
 *     read outside the input;
 *   - a decoded block re-encodes (64-column lines, LF) and decodes again to
 *     the same label and bytes;
 *   - walking with avila_pem_next moves forward only, each block inside the
 *     input, and the first block found by next from 0 is what decode sees
 *     when the input is exactly one block.
 * Violations call __builtin_trap(). Seeds: tools/fuzz/corpus/pem/ (key
 * files from openssl, RFC 7468 examples, CRLF, explanatory text, and
 * malformed variants).
 */
#include <stdint.h>
#include <string.h>

#include "core/error.h"
#include "crypto/pem.h"

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

#define MAX_IN (1 << 15)

static uint8_t der[MAX_IN], der2[MAX_IN];
static char text[2 * MAX_IN];

static int ok_error(int rc)
{
    return rc == AVILA_EFORMAT || rc == AVILA_ELIMIT || rc == AVILA_EUNSUPPORTED ||
           rc == AVILA_ENOSPC;
}

/* Re-encodes a block and decodes it again. */
static void round_trip(const struct avila_pem_block *b)
{
    size_t len;
    int rc = avila_pem_encode(text, sizeof text, b->label, b->label_len, der, b->der_len, &len);
    CHECK(rc == 0);
    struct avila_pem_block b2;
    CHECK(avila_pem_decode(&b2, der2, sizeof der2, text, len) == 0);
    CHECK(b2.der_len == b->der_len && memcmp(der2, der, b->der_len) == 0);
    CHECK(b2.label_len == b->label_len && memcmp(b2.label, b->label, b->label_len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > MAX_IN)
        return 0;
    const char *in = (const char *)data;
    struct avila_pem_block b;
    int rc = avila_pem_decode(&b, der, sizeof der, in, size);
    CHECK(rc == 0 || ok_error(rc));
    if (rc == 0) {
        CHECK(b.start == 0 && b.end == size && b.der_len <= size);
        round_trip(&b);
    }
    size_t pos = 0;
    for (int blocks = 0; blocks < 64; blocks++) {
        const size_t before = pos;
        rc = avila_pem_next(&b, der, sizeof der, in, size, &pos);
        CHECK(rc == 0 || rc == AVILA_ENOTFOUND || ok_error(rc));
        if (rc != 0) {
            CHECK(pos == before);
            break;
        }
        CHECK(b.start >= before && b.end > b.start && b.end <= size && pos == b.end);
        round_trip(&b);
    }
    return 0;
}
