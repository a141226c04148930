/*
 * core/bech32_int.h - the constant-time core of the Bech32 decoder, for
 * callers that know where the separator is (age identities) and for
 * tests/ct/ct_age.c. Not installed.
 */
#ifndef AVILA_CORE_BECH32_INT_H
#define AVILA_CORE_BECH32_INT_H

#include "core/platform.h"

/*
 * Decodes the n characters at src whose separator '1' is at index sep
 * (1 <= sep, sep + 7 <= n, (n - sep - 7) * 5 % 8 <= 4: all public, checked
 * by the caller) without any branch or table index on the characters:
 * the lowercase HRP goes to hrp (sep bytes) and the (n - sep - 7) * 5 / 8
 * data bytes to dst, whatever the verdict. Returns 1 if the string is
 * valid Bech32 (printable, one case, '1' at sep, alphabet, checksum, zero
 * padding bits), else 0; the caller wipes dst when it is 0.
 */
uint32_t avila_bech32_decode_ct(uint8_t *dst, char *hrp, const char *src, size_t n, size_t sep);

#endif
