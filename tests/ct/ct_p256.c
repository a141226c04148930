/*
 * tests/ct/ct_p256.c - constant-time check of P-256 (crypto/p256.h) under
 * valgrind memcheck (see tests/ct/ct_core.c for the method).
 *
 * Secret: private keys (key generation's random bytes, public-key
 * derivation, ECDH), the RFC 6979 generator's state and nonce, and the
 * signing equation's key and nonce. Public: peer points, hashes, results
 * once computed (declassified before use). The intended leaks, declassified
 * here as callers see them: the verdict codes (is the key in range), and
 * RFC 6979's "candidate rejected" bit, on which avila_p256_sign's retry
 * loop branches (which is why this test drives the generator and the
 * signing equation itself rather than avila_p256_sign; a rejected candidate
 * says nothing about the accepted one). Verification works on public data
 * and is variable time by design.
 * With --leaky it runs a textbook double-and-add over our point formulas
 * that branches on the scalar's bits, to show the method catches it.
 */
#include <stdio.h>
#include <string.h>
#include <valgrind/memcheck.h>

#include "crypto/p256.h"
#include "crypto/p256_int.h"

#define SECRET(p, n) VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#define PUBLIC(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))

static unsigned checks;
static uint64_t folded;

static void use(const void *p, size_t n)
{
    uint8_t b[128];
    memcpy(b, p, n);
    PUBLIC(b, n);
    for (size_t i = 0; i < n; i++)
        folded = folded * 31 + b[i];
    checks++;
}

static void fill(uint8_t *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(seed + i * 29 + 7);
}

static int run(void)
{
    uint8_t rnd[32], priv[32], pub[65], peer[65], shared[32], h[32], k[32], sig[64];
    /*
     * A public peer key. The outputs start defined: the library's
     * constant-time copies (x ^= mask & (x ^ y)) keep memcheck's
     * undefinedness of the old contents even where the mask overwrites them.
     */
    memset(peer, 0, sizeof peer);
    memset(pub, 0, sizeof pub);
    memset(priv, 0, sizeof priv);
    memset(shared, 0, sizeof shared);
    fill(rnd, 32, 3);
    if (avila_p256_public_from_private(peer, rnd) != 0)
        return 1;

    /* key generation from secret random bytes */
    fill(rnd, 32, 11);
    SECRET(rnd, 32);
    int rc = avila_p256_keygen(priv, pub, rnd);
    PUBLIC(&rc, sizeof rc);
    use(pub, 65);
    if (rc != 0)
        return 1;
    /* an out-of-range one takes the same path */
    memset(rnd, 0xff, 32);
    SECRET(rnd, 32);
    rc = avila_p256_keygen(priv, pub, rnd);
    PUBLIC(&rc, sizeof rc);
    use(&rc, sizeof rc);

    /* public key derivation and ECDH with a secret key */
    fill(priv, 32, 41);
    SECRET(priv, 32);
    rc = avila_p256_public_from_private(pub, priv);
    PUBLIC(&rc, sizeof rc);
    use(pub, 65);
    rc = avila_p256_ecdh(shared, priv, peer, 65);
    PUBLIC(&rc, sizeof rc);
    use(shared, 32);
    /* the same with a compressed peer point */
    uint8_t cpeer[33];
    if (avila_p256_public_encode(cpeer, 33, peer, 65) != 33)
        return 1;
    rc = avila_p256_ecdh(shared, priv, cpeer, 33);
    PUBLIC(&rc, sizeof rc);
    use(shared, 32);
    if (rc != 0)
        return 1;
    printf("ct_p256: keygen, public key, ecdh ok\n");

    /* RFC 6979 nonces (plain and hedged) and the signing equation */
    fill(h, 32, 77);
    for (int hedged = 0; hedged < 2; hedged++) {
        uint8_t extra[32];
        fill(extra, 32, 99);
        SECRET(extra, 32);
        struct avila_p256_rfc6979 st;
        avila_p256_rfc6979_init(&st, &avila_digest_sha256, priv, h, 32, hedged ? extra : NULL,
                                hedged ? 32 : 0);
        uint32_t ok = avila_p256_rfc6979_next(&st, k);
        PUBLIC(&ok, sizeof ok);
        if (!ok)
            return 1;
        avila_p256_fe d, e;
        (void)avila_p256_sc_frombytes(&d, priv);
        (void)avila_p256_sc_frombytes(&e, h);
        uint32_t good = avila_p256_sign_with_nonce(sig, &d, &e, k);
        PUBLIC(&good, sizeof good);
        use(sig, 64);
        if (!good)
            return 1;
        /* the signature is public: it verifies under the public key */
        PUBLIC(sig, 64);
        PUBLIC(pub, 65);
        if (avila_p256_verify(sig, h, 32, pub, 65) != 0) {
            printf("ct_p256: the signature does not verify\n");
            return 1;
        }
    }
    printf("ct_p256: rfc 6979 and ecdsa signing ok\n");

    /* the field and scalar inversions on secrets */
    avila_p256_fe x, y;
    fill(k, 32, 5);
    SECRET(k, 32);
    (void)avila_p256_fe_frombytes(&x, k);
    avila_p256_fe_invert(&y, &x);
    use(&y, sizeof y);
    (void)avila_p256_sc_frombytes(&x, k);
    avila_p256_sc_invert(&y, &x);
    use(&y, sizeof y);
    return 0;
}

/* A double-and-add that adds only when the secret bit is set. */
static void leaky(void)
{
    uint8_t s[32];
    avila_p256_point acc, g;
    fill(s, 32, 13);
    SECRET(s, 32);
    avila_p256_point_zero(&acc);
    avila_p256_point_base(&g);
    for (int i = 255; i >= 0; i--) {
        avila_p256_point_dbl(&acc, &acc);
        if ((s[31 - i / 8] >> (i % 8)) & 1)
            avila_p256_point_add(&acc, &acc, &g);
    }
    use(&acc.X, 32);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--leaky") == 0) {
        leaky();
        return 0;
    }
    if (run() != 0) {
        printf("ct_p256: FAILED\n");
        return 1;
    }
    printf("ct_p256: %u constant-time checks run (fold %016llx)\n", checks,
           (unsigned long long)folded);
    return 0;
}
