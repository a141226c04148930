/*
 * tools/fuzz/fuzz_base64.c - libFuzzer harness for the base64 codec of
 * core/encoding.h (RFC 4648 sections 4 and 5).
 *
 * Properties, under every flag combination and every variant (portable and,
 * where the CPU has it, AVX2):
 *  - the input as text: all variants give the same verdict and bytes; on
 *    success re-encoding reproduces the text exactly (strict = canonical),
 *    and a buffer one byte short gives AVILA_ENOSPC;
 *  - the input as bytes: encoding has the predicted length, is the same in
 *    every variant, and decodes back to the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/cpu.h"
#include "core/encoding.h"
#include "core/error.h"

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

static const uint32_t variants[] = {0, AVILA_CPU_ALL};

static void as_text(const char *text, size_t n, unsigned flags, uint8_t *out, char *again)
{
    size_t first_len = 0;
    int first = 1;
    for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++) {
        avila_cpu_restrict(variants[v]);
        size_t len = 0;
        int rc = avila_base64_decode(out, n, text, n, flags, &len);
        CHECK(rc == 0 || rc == AVILA_EFORMAT);
        if (first) {
            first = 0;
            first_len = rc == 0 ? len : SIZE_MAX;
        }
        CHECK((rc == 0 ? len : SIZE_MAX) == first_len);
        if (rc != 0)
            continue;
        CHECK(len <= avila_base64_decoded_max(n));
        size_t elen = 0;
        CHECK(avila_base64_encode(again, n, out, len, flags, &elen) == 0);
        CHECK(elen == n && memcmp(again, text, n) == 0);
        if (len > 0)
            CHECK(avila_base64_decode(out, len - 1, text, n, flags, &elen) == AVILA_ENOSPC);
    }
    avila_cpu_restrict(AVILA_CPU_ALL);
}

static void as_bytes(const uint8_t *data, size_t n, unsigned flags, char *text, char *other,
                     uint8_t *back)
{
    size_t want = 0, len = 0, len2 = 0, blen = 0;
    CHECK(avila_base64_encoded_len(n, flags, &want) == 0);
    avila_cpu_restrict(0);
    CHECK(avila_base64_encode(text, want, data, n, flags, &len) == 0 && len == want);
    avila_cpu_restrict(AVILA_CPU_ALL);
    CHECK(avila_base64_encode(other, want, data, n, flags, &len2) == 0 && len2 == want);
    CHECK(memcmp(text, other, want) == 0);
    CHECK(avila_base64_decode(back, n, text, len, flags, &blen) == 0);
    CHECK(blen == n && memcmp(back, data, n) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t big = 2 * size + 8;
    uint8_t *out = malloc(big), *back = malloc(big);
    char *t1 = malloc(big), *t2 = malloc(big);
    CHECK(out && back && t1 && t2);
    for (unsigned flags = 0; flags < 4; flags++) {
        as_text((const char *)data, size, flags, out, t1);
        as_bytes(data, size, flags, t1, t2, back);
    }
    free(out);
    free(back);
    free(t1);
    free(t2);
    return 0;
}
