/*
 * tools/fuzz/fuzz_signify.c - libFuzzer harness for signify's file parsers
 * (crypto/signify.h): public keys, secret keys, signatures and embedded
 * signatures, all fed the same input. Properties:
 *   - every parser returns 0 or one of its documented errors, never
 *     crashes or reads past the input;
 *   - whatever parses is written back byte for byte (the parsers accept one
 *     canonical encoding only), and an embedded signature's consumed part
 *     is exactly the written signature file;
 *   - a secret key is parsed with max_rounds = 16 (the config's limit, so
 *     the bcrypt_pbkdf work of one execution stays small) and decrypted
 *     with the fixed passphrase "fuzz": on success the key signs a message
 *     that verifies under its public half, and re-encrypting, reparsing and
 *     decrypting gives the same secret back; on failure the secret comes
 *     out zeroed;
 *   - a signature taken from the input never verifies under a fixed key
 *     unless it is that key's own (deterministic) signature.
 * Violations call __builtin_trap(). Seeds: tools/fuzz/corpus/signify/
 * (files from the real signify, keys encrypted with "fuzz" at 1-2 rounds,
 * and malformed variants).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/ct.h"
#include "core/error.h"
#include "crypto/ed25519.h"
#include "crypto/signify.h"

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

#define PASS "fuzz"

static int parse_error(int rc)
{
    return rc == AVILA_EFORMAT || rc == AVILA_ELIMIT || rc == AVILA_EUNSUPPORTED;
}

static void check_pubkey(const char *text, size_t n)
{
    struct avila_signify_pubkey pk;
    char out[AVILA_SIGNIFY_FILE_MAX];
    size_t len;
    int rc = avila_signify_pubkey_parse(&pk, text, n);
    CHECK(rc == 0 || parse_error(rc));
    if (rc != 0)
        return;
    CHECK(avila_signify_pubkey_write(out, sizeof out, &pk, &len) == 0);
    CHECK(len == n && memcmp(out, text, n) == 0);
}

static void check_sig(const char *text, size_t n)
{
    struct avila_signify_sig sig;
    char out[AVILA_SIGNIFY_FILE_MAX];
    size_t len, consumed = 0;
    int whole = avila_signify_sig_parse(&sig, text, n, NULL);
    CHECK(whole == 0 || parse_error(whole));
    int rc = avila_signify_sig_parse(&sig, text, n, &consumed);
    CHECK(rc == 0 || parse_error(rc));
    /* A whole signature file is also an embedded one with an empty message. */
    CHECK(whole != 0 || (rc == 0 && consumed == n));
    if (rc != 0)
        return;
    CHECK(consumed <= n);
    CHECK(avila_signify_sig_write(out, sizeof out, &sig, &len) == 0);
    CHECK(len == consumed && memcmp(out, text, consumed) == 0);

    /* A fixed key never accepts the input's signature unless it is its own. */
    static const uint8_t seed[32] = {1, 2, 3};
    uint8_t pub[32], secret[64], real[64];
    avila_ed25519_keypair(pub, secret, seed);
    const char *msg = text + consumed;
    const size_t msg_n = n - consumed;
    avila_ed25519_sign(real, msg, msg_n, secret);
    int ok = avila_ed25519_verify(sig.sig, msg, msg_n, pub);
    CHECK(ok == 0 || ok == AVILA_EAUTH);
    CHECK(ok != 0 || memcmp(sig.sig, real, 64) == 0);
}

/* A decrypted key signs, verifies, and survives re-encryption. */
static void use_plain_key(struct avila_signify_seckey *sk)
{
    struct avila_signify_pubkey pk;
    struct avila_signify_sig sig;
    memcpy(pk.keynum, sk->keynum, sizeof pk.keynum);
    memcpy(pk.key, sk->secret + 32, sizeof pk.key);
    CHECK(avila_signify_sign(&sig, sk, "m", 1) == 0);
    CHECK(avila_signify_verify(&sig, &pk, "m", 1) == 0);
    CHECK(avila_signify_verify(&sig, &pk, "n", 1) == AVILA_EAUTH);

    char out[AVILA_SIGNIFY_FILE_MAX];
    size_t len;
    struct avila_signify_seckey again;
    const struct avila_signify_config cfg = {.max_rounds = 16};
    CHECK(avila_signify_seckey_write(out, sizeof out, sk, PASS, 4, &len) == 0);
    CHECK(avila_signify_seckey_parse(&again, out, len, &cfg) == 0);
    CHECK(avila_signify_seckey_decrypt(&again, PASS, 4) == 0);
    CHECK(memcmp(again.secret, sk->secret, 64) == 0);
    avila_wipe(&again, sizeof again);
}

static void check_seckey(const char *text, size_t n)
{
    const struct avila_signify_config cfg = {.max_rounds = 16};
    struct avila_signify_seckey sk;
    char out[AVILA_SIGNIFY_FILE_MAX];
    size_t len;
    int rc = avila_signify_seckey_parse(&sk, text, n, &cfg);
    CHECK(rc == 0 || parse_error(rc));
    if (rc != 0) {
        CHECK(avila_ct_is_zero(sk.secret, sizeof sk.secret));
        return;
    }
    CHECK(sk.rounds <= 16 && !sk.plain);
    /* Undecrypted, the stored bytes go back out unchanged. */
    CHECK(avila_signify_seckey_write(out, sizeof out, &sk, NULL, 0, &len) == 0);
    CHECK(len == n && memcmp(out, text, n) == 0);
    rc = avila_signify_seckey_decrypt(&sk, PASS, 4);
    CHECK(rc == 0 || rc == AVILA_EAUTH || rc == AVILA_EFORMAT);
    if (rc == 0)
        use_plain_key(&sk);
    else
        CHECK(!sk.plain && avila_ct_is_zero(sk.secret, sizeof sk.secret));
    avila_wipe(&sk, sizeof sk);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    check_pubkey(text, size);
    check_seckey(text, size);
    check_sig(text, size);
    return 0;
}
