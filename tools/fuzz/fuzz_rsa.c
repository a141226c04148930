/*
 * tools/fuzz/fuzz_rsa.c - libFuzzer harness for RSA signature decoding
 * (crypto/rsa.h) and the EMSA encodings under it (crypto/rsa_int.h).
 *
 * Input: byte 0 picks the digest (SHA-224/256/384/512, SHA-512/256) and the
 * scheme, byte 1 the PSS salt length, bytes 2-3 the encoded-message size in
 * bits (little-endian, folded into range) and a bit to flip, then a
 * signature or encoded message of the key's length, and the message (the
 * rest); missing bytes read as zero. Checked, trapping on any violation:
 *   - verifying the input's signature under a fixed 2048-bit key returns 0
 *     or AVILA_EAUTH, never anything else;
 *   - EMSA-PSS verification of the input's bytes as an encoded message
 *     returns 0, AVILA_EAUTH or AVILA_EINVAL, for any size;
 *   - a PSS encoding of the message's hash at the input's size and salt
 *     length verifies, and stops verifying with the chosen bit flipped;
 *   - one input in 32 signs the message (both schemes) and the signature
 *     verifies, and a one-bit change to it does not.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "crypto/rsa.h"
#include "crypto/rsa_int.h"

static void require(int cond)
{
    if (!cond)
        __builtin_trap();
}

static const struct avila_digest *const digests[] = {
    &avila_digest_sha224, &avila_digest_sha256,     &avila_digest_sha384,
    &avila_digest_sha512, &avila_digest_sha512_256,
};

static struct avila_rsa_private key;
static struct avila_rsa_work work;
static struct avila_csprng rng;

/* A fixed key, generated once from a fixed seed. */
static void key_ready(void)
{
    static int ready;
    if (ready)
        return;
    uint8_t seed[AVILA_CSPRNG_SEED_LEN] = {'f', 'u', 'z', 'z'};
    avila_csprng_init(&rng, seed);
    avila_rsa_work_init(&work);
    require(avila_rsa_generate(&key, 2048, &rng, &work) == 0);
    ready = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    key_ready();
    uint8_t head[4] = {0}, sig[AVILA_RSA_MAX_LEN] = {0};
    memcpy(head, data, size < 4 ? size : 4);
    size_t len = key.pub.len, body = size > 4 ? size - 4 : 0;
    require(len > 0);
    size_t sig_len = body < len ? body : len;
    memcpy(sig, data + 4, sig_len);
    const uint8_t *msg = data + 4 + sig_len;
    size_t msg_len = body - sig_len;
    const struct avila_digest *d = digests[head[0] % AVILA_ARRAY_LEN(digests)];
    int pss = head[0] >> 7;
    uint8_t hash[AVILA_DIGEST_MAX_LEN];
    require(avila_digest(d, msg, msg_len, hash) == 0);

    /* Hostile signatures, of the input's length (short ones are refused). */
    int rc = pss ? avila_rsa_verify_pss(&key.pub, d, hash, head[1], sig, sig_len)
                 : avila_rsa_verify_pkcs1(&key.pub, d, hash, sig, sig_len);
    require(rc == 0 || rc == AVILA_EAUTH);

    /* Hostile encoded messages at any size up to the bound. */
    size_t em_bits = 1 + (size_t)(head[2] | head[3] << 8) % ((size_t)8 * AVILA_RSA_MAX_LEN);
    uint8_t em[AVILA_RSA_MAX_LEN] = {0};
    memcpy(em, sig, (em_bits + 7) / 8 < sig_len ? (em_bits + 7) / 8 : sig_len);
    rc = avila_rsa_pss_verify(em, em_bits, d, hash, head[1]);
    require(rc == 0 || rc == AVILA_EAUTH || rc == AVILA_EINVAL);

    /* Encode, verify, corrupt. */
    rc = avila_rsa_pss_encode(em, em_bits, d, hash, sig, head[1]);
    if (rc == 0) {
        size_t em_len = (em_bits + 7) / 8;
        require(avila_rsa_pss_verify(em, em_bits, d, hash, head[1]) == 0);
        require(avila_rsa_pss_verify(em, em_bits, d, hash, AVILA_RSA_PSS_SALT_ANY) == 0);
        size_t bit = (size_t)head[3] * 31 % (8 * em_len);
        em[bit / 8] ^= (uint8_t)(1u << bit % 8);
        require(avila_rsa_pss_verify(em, em_bits, d, hash, head[1]) == AVILA_EAUTH);
    } else {
        require(rc == AVILA_EINVAL);
    }

    /* Now and then, a real signature (about a millisecond each). */
    if (head[2] % 32 == 0) {
        uint8_t real[AVILA_RSA_MAX_LEN];
        if (pss) {
            rc = avila_rsa_sign_pss(&key, d, hash, head[1], real, &rng, &work);
            require(rc == 0 || (rc == AVILA_EINVAL && head[1] > len - d->digest_len - 2));
            if (rc == 0)
                require(avila_rsa_verify_pss(&key.pub, d, hash, head[1], real, len) == 0);
        } else {
            require(avila_rsa_sign_pkcs1(&key, d, hash, real, &rng, &work) == 0);
            require(avila_rsa_verify_pkcs1(&key.pub, d, hash, real, len) == 0);
            real[head[3] % len] ^= 0x20;
            require(avila_rsa_verify_pkcs1(&key.pub, d, hash, real, len) == AVILA_EAUTH);
        }
    }
    return 0;
}
