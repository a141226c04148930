/*
 * tools/fuzz/fuzz_age_armor.c - crypto/age ASCII armor (C2SP age.md,
 * "ASCII armor": strict RFC 7468 PEM).
 *
 * Input: byte 0 picks the piece size, the rest is text to decode.
 * Properties: decoding is strict, so text that decodes is, after removing
 * the whitespace around the block and turning CRLF into LF (and adding the
 * final LF if it was missing), exactly what the encoder writes for the
 * decoded bytes; the result does not depend on how the input is split;
 * encoding the input bytes and decoding them gives them back.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/age.h"

static int decode(const uint8_t *s, size_t n, size_t piece, uint8_t *out, size_t *out_len)
{
    struct avila_age_armor a;
    avila_age_armor_init(&a);
    *out_len = 0;
    for (size_t off = 0; off < n; off += piece) {
        size_t k = n - off < piece ? n - off : piece, got = 0;
        if (avila_age_armor_decode_update(&a, out + *out_len, AVILA_AGE_ARMOR_DECODE_MAX(k),
                                          (const char *)s + off, k, &got) != 0)
            return -1;
        *out_len += got;
    }
    return avila_age_armor_decode_final(&a);
}

static size_t encode(const uint8_t *s, size_t n, size_t piece, char *out)
{
    struct avila_age_armor a;
    size_t len = 0, got = 0;
    avila_age_armor_init(&a);
    for (size_t off = 0; off < n; off += piece) {
        size_t k = n - off < piece ? n - off : piece;
        if (avila_age_armor_encode_update(&a, out + len, AVILA_AGE_ARMOR_ENCODE_MAX(k), s + off, k,
                                          &got) != 0)
            __builtin_trap();
        len += got;
    }
    if (avila_age_armor_encode_final(&a, out + len, AVILA_AGE_ARMOR_FINAL_MAX, &got) != 0)
        __builtin_trap();
    return len + got;
}

static int is_ws(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The canonical form of accepted text: trimmed, LF line ends, final LF. */
static size_t canonical(const uint8_t *s, size_t n, uint8_t *out)
{
    size_t a = 0, b = n, len = 0;
    while (a < b && is_ws(s[a]))
        a++;
    while (b > a && is_ws(s[b - 1]))
        b--;
    for (size_t i = a; i < b; i++)
        if (!(s[i] == '\r' && i + 1 < b && s[i + 1] == '\n'))
            out[len++] = s[i];
    out[len++] = '\n';
    return len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 8192)
        return 0;
    size_t piece = (size_t)data[0] + 1, n = size - 1;
    const uint8_t *s = data + 1;
    uint8_t *d1 = malloc(n + 64), *d2 = malloc(n + 64), *canon = malloc(n + 2);
    char *enc = malloc(AVILA_AGE_ARMOR_ENCODE_MAX(n) + AVILA_AGE_ARMOR_FINAL_MAX);
    size_t l1, l2;
    int r1 = decode(s, n, piece, d1, &l1), r2 = decode(s, n, n ? n : 1, d2, &l2);
    if ((r1 == 0) != (r2 == 0))
        __builtin_trap();
    if (r1 == 0) {
        size_t cl = canonical(s, n, canon), el = encode(d1, l1, 48, enc);
        if (l1 != l2 || memcmp(d1, d2, l1) != 0 || cl != el || memcmp(canon, enc, el) != 0)
            __builtin_trap();
    }
    /* Any non-empty bytes survive encode then decode (an age file is never empty). */
    size_t el = encode(s, n, piece, enc);
    if (n > 0 &&
        (decode((const uint8_t *)enc, el, piece, d1, &l1) != 0 || l1 != n || memcmp(d1, s, n) != 0))
        __builtin_trap();
    free(d1);
    free(d2);
    free(canon);
    free(enc);
    return 0;
}
