/*
 * tools/fuzz/fuzz_base32.c - libFuzzer harness for the base32 codecs of
 * core/encoding.h (RFC 4648 sections 6 and 7, Crockford).
 *
 * Properties, under every flag combination:
 *  - the input as text: on success re-encoding reproduces the text exactly
 *    (strict = canonical; for Crockford, the text with hyphens dropped, case
 *    folded and O/I/L read as 0/1), and a buffer one byte short gives
 *    AVILA_ENOSPC; a failure is AVILA_EFORMAT;
 *  - the input as bytes: encoding has the predicted length and decodes back.
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

static const unsigned flag_sets[] = {
    0,
    AVILA_BASE32_NOPAD,
    AVILA_BASE32_HEX,
    AVILA_BASE32_HEX | AVILA_BASE32_NOPAD,
    AVILA_BASE32_CROCKFORD,
    AVILA_BASE32_CROCKFORD | AVILA_BASE32_NOPAD,
};

/* Crockford text as its encoder would write it; other texts unchanged. */
static size_t canonical_spelling(const char *s, size_t n, unsigned flags, char *out)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (flags & AVILA_BASE32_CROCKFORD) {
            if (c == '-')
                continue;
            if (c >= 'a' && c <= 'z')
                c = (char)(c - 'a' + 'A');
            c = c == 'O' ? '0' : c == 'I' || c == 'L' ? '1' : c;
        }
        out[len++] = c;
    }
    return len;
}

static void as_text(const char *text, size_t n, unsigned flags, uint8_t *out, char *again,
                    char *canon)
{
    size_t len = 0;
    int rc = avila_base32_decode(out, n, text, n, flags, &len);
    CHECK(rc == 0 || rc == AVILA_EFORMAT);
    if (rc != 0)
        return;
    CHECK(len <= avila_base32_decoded_max(n));
    size_t clen = canonical_spelling(text, n, flags, canon), elen = 0;
    CHECK(avila_base32_encode(again, n, out, len, flags, &elen) == 0);
    CHECK(elen == clen && memcmp(again, canon, clen) == 0);
    if (len > 0)
        CHECK(avila_base32_decode(out, len - 1, text, n, flags, &elen) == AVILA_ENOSPC);
}

static void as_bytes(const uint8_t *data, size_t n, unsigned flags, char *text, uint8_t *back)
{
    size_t want = 0, len = 0, blen = 0;
    CHECK(avila_base32_encoded_len(n, flags, &want) == 0);
    CHECK(avila_base32_encode(text, want, data, n, flags, &len) == 0 && len == want);
    CHECK(avila_base32_decode(back, n, text, len, flags, &blen) == 0);
    CHECK(blen == n && memcmp(back, data, n) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t big = 2 * size + 16;
    uint8_t *out = malloc(big), *back = malloc(big);
    char *t1 = malloc(big), *t2 = malloc(big);
    CHECK(out && back && t1 && t2);
    for (size_t f = 0; f < sizeof flag_sets / sizeof flag_sets[0]; f++) {
        as_text((const char *)data, size, flag_sets[f], out, t1, t2);
        as_bytes(data, size, flag_sets[f], t1, back);
    }
    free(out);
    free(back);
    free(t1);
    free(t2);
    return 0;
}
