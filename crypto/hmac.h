/*
 * crypto/hmac.h - HMAC (RFC 2104; FIPS 198-1) over any hash descriptor of
 * crypto/digest.h whose context fits struct avila_digest_ctx
 * (ctx_size <= AVILA_DIGEST_CTX_MAX): SHA-2, SHA-3, BLAKE2 (not BLAKE3).
 *
 * The context lives in caller memory and keeps the two pre-keyed hash
 * states (K0 ^ ipad and K0 ^ opad absorbed), so the key is hashed once
 * however many messages follow (PBKDF2 and HKDF fork those states instead
 * of rehashing the key). Time depends on the lengths of key and message
 * only, never on their contents, as long as the hash is constant-time
 * (every hash in crypto/ is). Pure: no allocation, no libc.
 */
#ifndef AVILA_CRYPTO_HMAC_H
#define AVILA_CRYPTO_HMAC_H

#include "core/platform.h"
#include "crypto/digest.h"

/*
 * Shortest tag avila_hmac_verify accepts: 10 bytes (80 bits), the floor of
 * RFC 2104 section 5 for truncated HMAC outputs. Longer is better: the RFC
 * also advises at least half the digest length.
 */
#define AVILA_HMAC_MIN_TAG_LEN 10

/* An HMAC computation under one key. All fields are private. */
struct avila_hmac {
    const struct avila_digest *d;  /* the hash */
    struct avila_digest_ctx inner; /* hash of K0 ^ ipad, then of the message so far */
    struct avila_digest_ctx outer; /* hash of K0 ^ opad */
};

/*
 * Starts an HMAC with hash d and the key_len bytes at key (any length; keys
 * longer than d->block_len are hashed first, as RFC 2104 says; key may be
 * NULL when key_len is 0). The key is only read during the call; h keeps
 * no pointer to it, only to d (which MUST outlive h: the descriptors are
 * static). Returns 0, or AVILA_EINVAL if d's context does not fit
 * struct avila_digest_ctx or d->digest_len > AVILA_DIGEST_MAX_LEN (h is
 * then left untouched).
 */
int avila_hmac_init(struct avila_hmac *h, const struct avila_digest *d, const void *key,
                    size_t key_len);

/* Absorbs n bytes at data (data may be NULL when n is 0). h MUST be started. */
void avila_hmac_update(struct avila_hmac *h, const void *data, size_t n);

/*
 * Finishes h: writes the d->digest_len-byte MAC to out and wipes h's hash
 * states (start it again with avila_hmac_init to reuse it).
 */
void avila_hmac_final(struct avila_hmac *h, uint8_t *out);

/*
 * One-shot HMAC: out gets the d->digest_len-byte MAC of the n bytes at msg
 * under the key_len-byte key. out may overlap key or msg (both are read
 * before out is written). Returns 0, or AVILA_EINVAL as avila_hmac_init
 * (out is then untouched).
 */
int avila_hmac(const struct avila_digest *d, const void *key, size_t key_len, const void *msg,
               size_t n, uint8_t *out);

/*
 * Checks that the tag_len bytes at tag are the MAC of msg under key, or its
 * first tag_len bytes (a truncated tag, RFC 2104 section 5), comparing in
 * constant time. tag_len MUST be in [AVILA_HMAC_MIN_TAG_LEN, d->digest_len].
 * Returns 0 if the tag is right, AVILA_EAUTH if it is not, AVILA_EINVAL for a
 * tag_len outside that range or a d avila_hmac_init refuses. Callers treat
 * every non-zero return as a rejection.
 */
int avila_hmac_verify(const struct avila_digest *d, const void *key, size_t key_len,
                      const void *msg, size_t n, const uint8_t *tag, size_t tag_len);

#endif
