/*
 * crypto/bcrypt_pbkdf.c - OpenBSD's bcrypt_pbkdf (definition in
 * crypto/bcrypt_pbkdf.h) on top of SHA-512 and EksBlowfish
 * (crypto/blowfish_int.h). Pure.
 *
 * The two 64-byte inputs of bcrypt_hash are turned into Blowfish's
 * big-endian words once per call, so the 129 key expansions of each hash
 * read ready words instead of re-assembling bytes.
 */
#include "crypto/bcrypt_pbkdf.h"

#include "core/ct.h"
#include "core/endian.h"
#include "core/error.h"
#include "crypto/blowfish_int.h"
#include "crypto/sha2.h"

#define HASH_WORDS (AVILA_BCRYPT_PBKDF_BLOCK_LEN / 4) /* 8 */
#define SHA_WORDS  (AVILA_SHA512_LEN / 4)             /* 16 */
#define EKS_COST   64 /* bcrypt_hash's fixed cost: 64 expansion pairs, 64 encryptions */

/* The bytes "OxychromaticBlowfishSwatDynamite" as Blowfish's big-endian words. */
static const uint32_t magic[HASH_WORDS] = {0x4f787963, 0x68726f6d, 0x61746963, 0x426c6f77,
                                           0x66697368, 0x53776174, 0x44796e61, 0x6d697465};

/* out = bcrypt_hash(pass, salt) for the words of SHA-512(password) and a SHA-512 salt. */
static void bcrypt_hash(struct avila_blowfish *bf, const uint32_t pass[SHA_WORDS],
                        const uint8_t sha_salt[AVILA_SHA512_LEN],
                        uint8_t out[AVILA_BCRYPT_PBKDF_BLOCK_LEN])
{
    uint32_t salt[SHA_WORDS], data[HASH_WORDS];
    for (size_t i = 0; i < SHA_WORDS; i++)
        salt[i] = avila_load_be32(sha_salt + 4 * i);
    *bf = avila_blowfish_pi;
    avila_blowfish_expand(bf, salt, SHA_WORDS, pass, SHA_WORDS);
    for (int i = 0; i < EKS_COST; i++) {
        avila_blowfish_expand0(bf, salt, SHA_WORDS);
        avila_blowfish_expand0(bf, pass, SHA_WORDS);
    }
    memcpy(data, magic, sizeof data);
    for (int i = 0; i < EKS_COST; i++)
        for (size_t k = 0; k < HASH_WORDS; k += 2)
            avila_blowfish_encrypt(bf, &data[k], &data[k + 1]);
    /* OpenBSD stores the words little-endian here (unlike the magic's big-endian load). */
    for (size_t i = 0; i < HASH_WORDS; i++)
        avila_store_le32(out + 4 * i, data[i]);
    avila_wipe(salt, sizeof salt);
    avila_wipe(data, sizeof data);
}

/* One 32-byte output block: the XOR of `rounds` chained bcrypt_hash outputs. */
static void derive_block(struct avila_blowfish *bf, const uint32_t pass[SHA_WORDS],
                         const void *salt, size_t salt_len, uint32_t count, uint32_t rounds,
                         uint8_t block[AVILA_BCRYPT_PBKDF_BLOCK_LEN])
{
    uint8_t count_be[4], sha_salt[AVILA_SHA512_LEN], tmp[AVILA_BCRYPT_PBKDF_BLOCK_LEN];
    struct avila_sha512 h;
    avila_store_be32(count_be, count);
    avila_sha512_init(&h);
    avila_sha512_update(&h, salt, salt_len);
    avila_sha512_update(&h, count_be, sizeof count_be);
    avila_sha512_final(&h, sha_salt);
    bcrypt_hash(bf, pass, sha_salt, tmp);
    memcpy(block, tmp, sizeof tmp);
    for (uint32_t r = 1; r < rounds; r++) {
        avila_sha512(tmp, sizeof tmp, sha_salt);
        bcrypt_hash(bf, pass, sha_salt, tmp);
        for (size_t j = 0; j < sizeof tmp; j++)
            block[j] ^= tmp[j];
    }
    avila_wipe(sha_salt, sizeof sha_salt);
    avila_wipe(tmp, sizeof tmp);
}

int avila_bcrypt_pbkdf(uint8_t *out, size_t out_len, const void *pw, size_t pw_len,
                       const void *salt, size_t salt_len, uint32_t rounds)
{
    if (rounds == 0 || pw_len == 0 || salt_len == 0 || out_len == 0 ||
        out_len > AVILA_BCRYPT_PBKDF_MAX_OUT || salt_len > AVILA_BCRYPT_PBKDF_MAX_SALT)
        return AVILA_EINVAL;
    const size_t stride =
        (out_len + AVILA_BCRYPT_PBKDF_BLOCK_LEN - 1) / AVILA_BCRYPT_PBKDF_BLOCK_LEN;
    /* Bytes taken from each block: the same for all blocks, the last ones come up short. */
    const size_t per_block = (out_len + stride - 1) / stride;

    uint8_t sha_pass[AVILA_SHA512_LEN], block[AVILA_BCRYPT_PBKDF_BLOCK_LEN];
    uint32_t pass[SHA_WORDS];
    struct avila_blowfish bf;
    avila_sha512(pw, pw_len, sha_pass);
    for (size_t i = 0; i < SHA_WORDS; i++)
        pass[i] = avila_load_be32(sha_pass + 4 * i);

    for (size_t k = 0; k < stride; k++) {
        derive_block(&bf, pass, salt, salt_len, (uint32_t)k + 1, rounds, block);
        for (size_t i = 0; i < per_block && i * stride + k < out_len; i++)
            out[i * stride + k] = block[i];
    }
    avila_wipe(sha_pass, sizeof sha_pass);
    avila_wipe(block, sizeof block);
    avila_wipe(pass, sizeof pass);
    avila_wipe(&bf, sizeof bf);
    return 0;
}
