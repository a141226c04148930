/*
 * crypto/rsa_int.h - the RSA signature encodings of RFC 8017 (EMSA-PKCS1-v1_5,
 * section 9.2, and EMSA-PSS with MGF1, sections 9.1 and B.2.1), on bytes
 * only: the modular arithmetic that turns an encoded message into a
 * signature lives elsewhere. Internal to the crypto layer. Pure.
 *
 * Everything here works on public data (a message hash, a salt that is sent
 * in the clear inside the signature), so nothing needs to be constant time.
 */
#ifndef AVILA_CRYPTO_RSA_INT_H
#define AVILA_CRYPTO_RSA_INT_H

#include "core/platform.h"
#include "crypto/digest.h"
#include "crypto/rsa.h"

/*
 * EMSA-PKCS1-v1_5 (RFC 8017 section 9.2): writes
 * 0x00 0x01 0xff...0xff 0x00 DigestInfo(d, hash) into em (em_len bytes, the
 * modulus length). hash holds d->digest_len bytes. Supported digests:
 * SHA-224, SHA-256, SHA-384, SHA-512, SHA-512/256.
 *
 * Returns 0; AVILA_EUNSUPPORTED for another digest; AVILA_EINVAL when
 * em_len is too short for 8 bytes of 0xff padding or above
 * AVILA_RSA_MAX_LEN.
 */
int avila_rsa_pkcs1_encode(uint8_t *em, size_t em_len, const struct avila_digest *d,
                           const uint8_t *hash);

/*
 * EMSA-PSS-ENCODE (RFC 8017 section 9.1.1) with MGF1 over the same digest:
 * encodes the message hash mhash (d->digest_len bytes) with the caller's
 * salt into em, whose length is (em_bits + 7) / 8 bytes; em_bits is the
 * modulus bit length minus one. The top 8 * len - em_bits bits of em[0]
 * come out zero.
 *
 * Returns 0, or AVILA_EINVAL when the encoding does not fit (em shorter than
 * digest_len + salt_len + 2 bytes, or longer than AVILA_RSA_MAX_LEN).
 */
int avila_rsa_pss_encode(uint8_t *em, size_t em_bits, const struct avila_digest *d,
                         const uint8_t *mhash, const uint8_t *salt, size_t salt_len);

/*
 * EMSA-PSS-VERIFY (RFC 8017 section 9.1.2): checks that em ((em_bits + 7) / 8
 * bytes) encodes mhash with a salt of salt_len bytes, or of any length when
 * salt_len is AVILA_RSA_PSS_SALT_ANY. Every step of the RFC is checked: the
 * 0xbc trailer, the zero top bits, the zero padding and 0x01 separator, the
 * hash of M'.
 *
 * Returns 0 when consistent, AVILA_EAUTH when not, AVILA_EINVAL for sizes
 * out of range.
 */
int avila_rsa_pss_verify(const uint8_t *em, size_t em_bits, const struct avila_digest *d,
                         const uint8_t *mhash, size_t salt_len);

#endif
