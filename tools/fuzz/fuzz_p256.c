/*
 * tools/fuzz/fuzz_p256.c - libFuzzer harness for P-256 (crypto/p256.h):
 * point decoding, signature verification of arbitrary inputs, sign/verify
 * round trips and ECDH agreement.
 *
 * Input layout: the first 161 bytes (zero-padded) are a head, the rest a
 * message hash of any length. Properties:
 *   - decoding the whole input, its first 65 and first 33 bytes, and those
 *     bytes with a forced 0x04 / 0x02-0x03 prefix returns 0 or
 *     AVILA_EFORMAT, never crashes; whatever decodes re-encodes in both
 *     forms, and each form decodes back to the same point;
 *   - verifying head[65..129) as r || s on the hash under head[0..65)
 *     (prefix forced to 0x04) returns 0 or AVILA_EAUTH;
 *   - with head[65..97) as a private key (when in range): the signature of
 *     the hash (cut to 32, 48 or 64 bytes by head[1]) verifies, under both
 *     key encodings, and stops verifying when a bit chosen by the input is
 *     flipped; the hedged signature (extra bytes from the head) verifies;
 *   - ECDH with head[65..97) and head[97..129) as keys agrees both ways.
 * Violations call __builtin_trap().
 */
#include <stdint.h>
#include <string.h>

#include "core/error.h"
#include "crypto/p256.h"

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

#define HEAD 161

/* Decodes in[0..n); on success checks both re-encodings decode to the same point. */
static void check_decode(const uint8_t *in, size_t n)
{
    uint8_t u[65], c[33], u2[65];
    int rc = avila_p256_public_check(in, n);
    CHECK(rc == 0 || rc == AVILA_EFORMAT);
    if (rc != 0) {
        CHECK(avila_p256_public_encode(u, 65, in, n) == AVILA_EFORMAT);
        return;
    }
    CHECK(n == 65 || n == 33);
    CHECK(avila_p256_public_encode(u, 65, in, n) == 65);
    CHECK(avila_p256_public_encode(c, 33, in, n) == 33);
    CHECK(memcmp(u + 1, in + 1, 32) == 0);
    if (n == 65)
        CHECK(memcmp(u, in, 65) == 0);
    else
        CHECK(memcmp(c, in, 33) == 0);
    CHECK(avila_p256_public_encode(u2, 65, c, 33) == 65);
    CHECK(memcmp(u, u2, 65) == 0);
    CHECK(avila_p256_public_check(u, 65) == 0);
}

static void check_sign(const uint8_t head[HEAD], const uint8_t *hash, size_t hash_len)
{
    static const size_t lens[3] = {32, 48, 64};
    uint8_t h[64] = {0}, pub[65], cpub[33], sig[64], bad[64];
    const uint8_t *priv = head + 65;
    size_t hl = lens[head[1] % 3];
    memcpy(h, hash, hash_len < hl ? hash_len : hl);
    int rc = avila_p256_public_from_private(pub, priv);
    CHECK(rc == 0 || rc == AVILA_ERANGE);
    if (rc != 0) {
        CHECK(avila_p256_sign(sig, priv, h, hl) == AVILA_ERANGE);
        return;
    }
    CHECK(avila_p256_public_encode(cpub, 33, pub, 65) == 33);
    CHECK(avila_p256_sign(sig, priv, h, hl) == 0);
    CHECK(avila_p256_verify(sig, h, hl, pub, 65) == 0);
    CHECK(avila_p256_verify(sig, h, hl, cpub, 33) == 0);
    size_t bit = ((size_t)head[2] << 8 | head[3]) % 512;
    memcpy(bad, sig, 64);
    bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    CHECK(avila_p256_verify(bad, h, hl, pub, 65) == AVILA_EAUTH);
    h[head[4] % 32] ^= (uint8_t)(1u << (head[5] % 8));
    CHECK(avila_p256_verify(sig, h, hl, pub, 65) == AVILA_EAUTH);
    CHECK(avila_p256_sign_hedged(bad, priv, h, hl, head + 129, head[6] % 33) == 0);
    CHECK(avila_p256_verify(bad, h, hl, pub, 65) == 0);
}

static void check_ecdh(const uint8_t head[HEAD])
{
    uint8_t pa[65], pb[65], s1[32], s2[32];
    const uint8_t *a = head + 65, *b = head + 97;
    if (avila_p256_public_from_private(pa, a) != 0 || avila_p256_public_from_private(pb, b) != 0)
        return;
    CHECK(avila_p256_ecdh(s1, a, pb, 65) == 0);
    CHECK(avila_p256_ecdh(s2, b, pa, 65) == 0);
    CHECK(memcmp(s1, s2, 32) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t head[HEAD] = {0}, t[65];
    memcpy(head, data, size < HEAD ? size : HEAD);
    const uint8_t *hash = size > HEAD ? data + HEAD : head + 129;
    size_t hash_len = size > HEAD ? size - HEAD : 32;

    check_decode(data, size);
    check_decode(data, size < 65 ? size : 65);
    check_decode(data, size < 33 ? size : 33);
    memcpy(t, head, 65);
    t[0] = 0x04;
    check_decode(t, 65);
    t[0] = (uint8_t)(0x02 | (head[0] & 1));
    check_decode(t, 33);

    int rc = avila_p256_verify(head + 65, hash, hash_len, head, 65);
    CHECK(rc == 0 || rc == AVILA_EAUTH);
    t[0] = 0x04;
    rc = avila_p256_verify(head + 65, hash, hash_len, t, 65);
    CHECK(rc == 0 || rc == AVILA_EAUTH);

    check_sign(head, hash, hash_len);
    check_ecdh(head);
    return 0;
}
