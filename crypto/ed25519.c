/*
 * crypto/ed25519.c - Ed25519 key generation, signing and verification
 * (RFC 8032 sections 5.1.5, 5.1.6 and 5.1.7) over crypto/ge25519.c, with
 * SHA-512 from crypto/sha2.h. The verification rules are stated and
 * justified in crypto/ed25519.h. Pure.
 */
#include "crypto/ed25519.h"

#include "core/ct.h"
#include "core/error.h"
#include "crypto/ge25519_int.h"
#include "crypto/sha2.h"

/*
 * RFC 8032 section 5.1.5: h = SHA-512(seed); the scalar is h[0..32) with
 * bits 0-2 and 255 cleared and bit 254 set; h[32..64) is the nonce prefix.
 */
static void expand_seed(uint8_t h[64], const uint8_t seed[32])
{
    avila_sha512(seed, 32, h);
    h[0] &= 248;
    h[31] &= 127;
    h[31] |= 64;
}

void avila_ed25519_keypair(uint8_t pub[32], uint8_t secret[64], const uint8_t seed[32])
{
    uint8_t h[64], s[32];
    avila_ge25519_p3 A;
    memcpy(s, seed, 32);
    expand_seed(h, s);
    avila_ge25519_scalarmult_base(&A, h);
    avila_ge25519_tobytes(pub, &A);
    memcpy(secret, s, 32);
    memcpy(secret + 32, pub, 32);
    avila_wipe(h, sizeof h);
    avila_wipe(s, sizeof s);
    avila_wipe(&A, sizeof A);
}

/* k = SHA-512(R || A || msg) mod L (RFC 8032 section 5.1.6 step 4, 5.1.7 step 2). */
static void challenge(uint8_t k[32], const uint8_t R[32], const uint8_t A[32], const void *msg,
                      size_t n)
{
    struct avila_sha512 c;
    uint8_t h[64];
    avila_sha512_init(&c);
    avila_sha512_update(&c, R, 32);
    avila_sha512_update(&c, A, 32);
    avila_sha512_update(&c, msg, n);
    avila_sha512_final(&c, h);
    avila_sc25519_reduce(k, h);
}

void avila_ed25519_sign(uint8_t sig[64], const void *msg, size_t n, const uint8_t secret[64])
{
    uint8_t h[64], nonce[64], r[32], pub[32], out[64], k[32];
    struct avila_sha512 c;
    avila_ge25519_p3 R;

    memcpy(pub, secret + 32, 32);
    expand_seed(h, secret);
    /* r = SHA-512(prefix || msg) mod L: deterministic, secret nonce. */
    avila_sha512_init(&c);
    avila_sha512_update(&c, h + 32, 32);
    avila_sha512_update(&c, msg, n);
    avila_sha512_final(&c, nonce);
    avila_sc25519_reduce(r, nonce);
    avila_ge25519_scalarmult_base(&R, r);
    avila_ge25519_tobytes(out, &R);
    challenge(k, out, pub, msg, n);
    /* S = r + k s mod L; k < L keeps k s + r below 2^512. */
    avila_sc25519_muladd(out + 32, k, h, r);
    memcpy(sig, out, 64);
    avila_wipe(h, sizeof h);
    avila_wipe(nonce, sizeof nonce);
    avila_wipe(r, sizeof r);
    avila_wipe(&R, sizeof R);
}

int avila_ed25519_verify(const uint8_t sig[64], const void *msg, size_t n, const uint8_t pub[32])
{
    avila_ge25519_p3 A;
    avila_ge25519_p2 check;
    uint8_t k[32], rcheck[32];

    if (!avila_sc25519_is_canonical(sig + 32))
        return AVILA_EAUTH;
    if (avila_ge25519_frombytes(&A, pub) != 0)
        return AVILA_EAUTH;
    avila_ge25519_p2 a2 = {A.X, A.Y, A.Z};
    if (avila_ge25519_has_small_order_vartime(&a2))
        return AVILA_EAUTH;
    challenge(k, sig, pub, msg, n);
    /* R' = [S]B - [k]A = [k](-A) + [S]B. */
    avila_ge25519_neg(&A, &A);
    avila_ge25519_double_scalarmult_vartime(&check, k, &A, sig + 32);
    avila_ge25519_p2_tobytes(rcheck, &check);
    if (memcmp(rcheck, sig, 32) != 0)
        return AVILA_EAUTH;
    if (avila_ge25519_has_small_order_vartime(&check))
        return AVILA_EAUTH;
    return 0;
}
