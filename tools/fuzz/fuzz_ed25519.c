/*
 * tools/fuzz/fuzz_ed25519.c - libFuzzer harness for Ed25519 verification
 * (crypto/ed25519.h, RFC 8032 section 5.1.7) and the X25519 paths.
 *
 * Input layout: public key (32 bytes) || signature (64) || message (rest);
 * shorter inputs are zero-padded. Properties:
 *   - verifying the input as it is returns 0 or AVILA_EAUTH and never
 *     crashes (random keys, signatures, encodings);
 *   - a key pair from the first 32 bytes signs the message, the signature
 *     verifies, and it stops verifying when one bit of it chosen by the
 *     input is flipped, when S gets L added (the malleable form), when one
 *     message byte changes, or under the input's own public key when that
 *     differs;
 *   - X25519 with the input's first 32 bytes as scalar and the next 32 as
 *     point gives the same result and verdict on both ladders, and the
 *     fixed-base function agrees with the ladder on u = 9.
 * Violations call __builtin_trap().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/cpu.h"
#include "core/ct.h"
#include "core/error.h"
#include "crypto/ed25519.h"
#include "crypto/x25519.h"

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

/* L, the group order, little-endian. */
static const uint8_t L_bytes[32] = {
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0x10};

static void check_forgeries(const uint8_t head[96], const uint8_t *msg, size_t n)
{
    uint8_t pub[32], secret[64], sig[64], bad[64];
    avila_ed25519_keypair(pub, secret, head);
    avila_ed25519_sign(sig, msg, n, secret);
    CHECK(avila_ed25519_verify(sig, msg, n, pub) == 0);

    size_t bit = ((size_t)head[32] << 8 | head[33]) % 512;
    memcpy(bad, sig, 64);
    bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    CHECK(avila_ed25519_verify(bad, msg, n, pub) == AVILA_EAUTH);

    memcpy(bad, sig, 64);
    unsigned carry = 0;
    for (int i = 0; i < 32; i++) {
        carry += (unsigned)bad[32 + i] + L_bytes[i];
        bad[32 + i] = (uint8_t)carry;
        carry >>= 8;
    }
    CHECK(avila_ed25519_verify(bad, msg, n, pub) == AVILA_EAUTH);

    if (memcmp(head, pub, 32) != 0)
        CHECK(avila_ed25519_verify(sig, msg, n, head) == AVILA_EAUTH);

    if (n > 0) {
        uint8_t *m = malloc(n);
        CHECK(m != NULL);
        memcpy(m, msg, n);
        m[head[34] % n] ^= (uint8_t)(1u << (head[35] % 8));
        CHECK(avila_ed25519_verify(sig, m, n, pub) == AVILA_EAUTH);
        free(m);
    }
    avila_wipe(secret, sizeof secret);
}

static void check_x25519(const uint8_t head[96])
{
    uint8_t a[32], b[32], nine[32] = {9};
    avila_cpu_restrict(0);
    int ra = avila_x25519(a, head, head + 32);
    avila_cpu_restrict(AVILA_CPU_ALL);
    int rb = avila_x25519(b, head, head + 32);
    CHECK(ra == rb && (ra == 0 || ra == AVILA_EAUTH));
    CHECK(memcmp(a, b, 32) == 0);
    avila_x25519_base(a, head);
    CHECK(avila_x25519(b, head, nine) == 0);
    CHECK(memcmp(a, b, 32) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t head[96] = {0};
    memcpy(head, data, size < 96 ? size : 96);
    const uint8_t *msg = size > 96 ? data + 96 : NULL;
    size_t n = size > 96 ? size - 96 : 0;

    int rc = avila_ed25519_verify(head + 32, msg, n, head);
    CHECK(rc == 0 || rc == AVILA_EAUTH);
    check_forgeries(head, msg, n);
    check_x25519(head);
    return 0;
}
