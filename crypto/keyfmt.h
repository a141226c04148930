/*
 * crypto/keyfmt.h - key file formats at the byte level, read and written
 * exactly as OpenSSL 3 reads and writes them:
 *   PKCS#8 PrivateKeyInfo / OneAsymmetricKey (RFC 5208, RFC 5958)   "PRIVATE KEY"
 *   SubjectPublicKeyInfo (RFC 5280 section 4.1.2.7)                "PUBLIC KEY"
 *   SEC1 ECPrivateKey (RFC 5915)                                    "EC PRIVATE KEY"
 *   PKCS#1 RSAPrivateKey and RSAPublicKey (RFC 8017 appendix A.1)   "RSA PRIVATE KEY",
 *                                                                   "RSA PUBLIC KEY"
 * for four key types:
 *   Ed25519 and X25519 (RFC 8410: id-Ed25519 1.3.101.112, id-X25519
 *     1.3.101.110, no parameters; the private key is a CurvePrivateKey
 *     OCTET STRING inside PKCS#8's OCTET STRING; PKCS#8 v2 may carry the
 *     public key as [1] publicKey, and then MUST (v1 MUST NOT));
 *   P-256 (id-ecPublicKey 1.2.840.10045.2.1 with the namedCurve prime256v1
 *     1.2.840.10045.3.1.7; the private scalar is the 32-byte OCTET STRING
 *     of an ECPrivateKey, whose [0] parameters OpenSSL leaves out inside
 *     PKCS#8 and writes in SEC1, and whose [1] publicKey is optional);
 *   RSA (rsaEncryption 1.2.840.113549.1.1.1 with NULL parameters; two-prime
 *     version 0 RSAPrivateKey only).
 * Pure: no allocation, no libc. The parsers are DER-strict (crypto/der.h)
 * and accept one encoding per key, so a parsed key written back in the same
 * format gives the same bytes.
 *
 * NO MATHEMATICAL VALIDATION happens here: a point is checked for its
 * length and first octet only, not for being on the curve; RSA numbers are
 * not checked for consistency, a P-256 scalar not for its range, an
 * Ed25519 public key not against its seed. The P-256 and RSA modules do
 * that when a key is imported for use.
 *
 * Errors: AVILA_EFORMAT (malformed DER, wrong structure or lengths, a bad
 * version, trailing data anywhere), AVILA_EUNSUPPORTED (well-formed but not
 * handled: an unknown algorithm OID or curve, explicit curve parameters,
 * multi-prime RSA, PKCS#8 attributes, a PEM label that is not a key),
 * AVILA_ELIMIT (an RSA number longer than AVILA_KEYFMT_RSA_MAX_BYTES, or a
 * PEM line or label over its limit), AVILA_EINVAL (writing a key the
 * format cannot hold), AVILA_ENOSPC (output too small).
 */
#ifndef AVILA_CRYPTO_KEYFMT_H
#define AVILA_CRYPTO_KEYFMT_H

#include <stdbool.h>

#include "core/buf.h"
#include "core/platform.h"

/* The largest RSA number accepted (4096-bit modulus); every RSA field is bounded by it. */
#define AVILA_KEYFMT_RSA_MAX_BYTES 512
/*
 * A buffer this big holds any key this module writes in DER (an RSA
 * private key with every field at the bound: 8 INTEGERs of 517 bytes plus
 * the version and the PKCS#8 wrapping), or in PEM.
 */
#define AVILA_KEYFMT_DER_MAX 4224
#define AVILA_KEYFMT_PEM_MAX 5800

/* Key types. */
enum {
    AVILA_KEYFMT_ED25519 = 1,
    AVILA_KEYFMT_X25519 = 2,
    AVILA_KEYFMT_P256 = 3,
    AVILA_KEYFMT_RSA = 4,
};

/* Formats. */
enum {
    AVILA_KEYFMT_PKCS8 = 1,       /* "PRIVATE KEY" */
    AVILA_KEYFMT_SPKI = 2,        /* "PUBLIC KEY" */
    AVILA_KEYFMT_SEC1 = 3,        /* "EC PRIVATE KEY" (P-256 only) */
    AVILA_KEYFMT_RSA_PRIVATE = 4, /* "RSA PRIVATE KEY" (PKCS#1) */
    AVILA_KEYFMT_RSA_PUBLIC = 5,  /* "RSA PUBLIC KEY" (PKCS#1) */
};

/*
 * A key. Every slice points into the parsed input (a DER buffer the caller
 * keeps, or the work buffer of avila_keyfmt_load) or, before writing, into
 * memory the caller fills; the struct owns nothing. Private key material
 * stays where it is: wipe the buffers, not the struct.
 *   type         AVILA_KEYFMT_*
 *   has_private  the private half is present (else a public key)
 *   priv         Ed25519/X25519: the 32-byte private key (seed or scalar as
 *                RFC 8410 stores it); P-256: the 32-byte big-endian scalar
 *   pub          Ed25519/X25519: the 32-byte public key; P-256: the SEC1
 *                point as stored, 65 bytes (0x04 || x || y) or 33 (0x02/0x03
 *                || x); empty when a private key does not carry it
 *   n e d p q dp dq qinv  RSA numbers, big-endian magnitudes without
 *                leading zeros (zero is empty); the last six only for
 *                private keys
 *   ec_inner_params  PKCS#8 P-256 only: the inner ECPrivateKey repeats the
 *                curve in [0] parameters (set by the PKCS#8 parser; OpenSSL
 *                does not write them: leave it false to write as OpenSSL
 *                does; SEC1 always has them and its parser leaves it false)
 * Zero-initialise, set what the type uses, leave the rest empty.
 */
struct avila_keyfmt_key {
    int type;
    bool has_private;
    bool ec_inner_params;
    struct avila_slice priv, pub;
    struct avila_slice n, e, d, p, q, dp, dq, qinv;
};

/*
 * Parses the n bytes at der, which MUST be exactly one key in `format`
 * (AVILA_KEYFMT_*), into *key (slices into der). Returns 0 or an error
 * (top of the file); AVILA_EINVAL for an unknown format. *key is
 * unspecified after an error.
 */
int avila_keyfmt_parse(struct avila_keyfmt_key *key, int format, const void *der, size_t n);

/*
 * Writes *key in `format` as DER into cap bytes at out (AVILA_KEYFMT_DER_MAX
 * always suffices); *out_len (may be NULL) gets the length. Private formats
 * need has_private; SPKI needs pub (or n, e for RSA) and takes it from a
 * private key too. SEC1 is for P-256 only, the PKCS#1 formats for RSA only.
 * Returns 0; AVILA_EINVAL (a field of the wrong length, a missing half, a
 * type the format cannot hold, an unknown format), AVILA_ELIMIT (an RSA
 * number above the bound), AVILA_ENOSPC. Output holds private key material
 * for private formats: the caller wipes it. Unspecified on error.
 */
int avila_keyfmt_write(uint8_t *out, size_t cap, const struct avila_keyfmt_key *key, int format,
                       size_t *out_len);

/*
 * The same as PEM under the format's label (AVILA_KEYFMT_PEM_MAX always
 * suffices); work is scratch for the DER (AVILA_KEYFMT_DER_MAX bytes
 * always suffice; wiped on return). Errors as avila_keyfmt_write.
 */
int avila_keyfmt_write_pem(char *out, size_t cap, const struct avila_keyfmt_key *key, int format,
                           uint8_t *work, size_t work_cap, size_t *out_len);

/* The PEM label of a format ("PRIVATE KEY", ...), or NULL for an unknown one. Static string. */
const char *avila_keyfmt_label(int format);

/*
 * Loads a key from the n bytes at in, PEM or DER, detecting which:
 *   - PEM (a line starting "-----BEGIN "): the first block that is not
 *     "EC PARAMETERS" (which `openssl ecparam -genkey` writes first) MUST be
 *     one of the five labels; it is decoded into cap bytes at work and
 *     parsed from there; any text after it is ignored;
 *   - otherwise DER of one of the five formats, told apart by structure
 *     (SPKI starts with a SEQUENCE, PKCS#8 with an INTEGER then a SEQUENCE,
 *     SEC1 an INTEGER then an OCTET STRING, PKCS#1 private three or more
 *     INTEGERs, PKCS#1 public two) and parsed in place (work unused).
 * *format (may be NULL) gets the format found. The key's slices point into
 * in or work, whichever held the DER. Returns 0 or an error (top of the
 * file; a PEM block's errors as crypto/pem.h says; AVILA_EFORMAT for input
 * that is neither). On error work may hold part of a key: wipe it.
 */
int avila_keyfmt_load(struct avila_keyfmt_key *key, int *format, const void *in, size_t n,
                      uint8_t *work, size_t cap);

/* ---------------------------------------------------------------- ECDSA signatures */

/* The largest scalar handled (P-521's 66 bytes) and the longest DER signature for a scalar size. */
#define AVILA_KEYFMT_ECDSA_SCALAR_MAX    66
#define AVILA_KEYFMT_ECDSA_DER_MAX(slen) (2 * ((size_t)(slen) + 3) + 3)

/*
 * Converts a DER ECDSA-Sig-Value (SEQUENCE { INTEGER r, INTEGER s }, RFC
 * 5480 section 2.2 / RFC 3279 section 2.2.3) in exactly the n bytes at der
 * into the fixed form r || s, each a big-endian scalar_len-byte number
 * (scalar_len 32 for P-256) at rs (2 * scalar_len bytes). Strict: DER
 * (minimal lengths and integers), r and s positive and no longer than
 * scalar_len bytes, no trailing data - anything else is AVILA_EFORMAT
 * (whether r and s are below the group order is the curve module's check).
 * AVILA_EINVAL if scalar_len is 0 or above AVILA_KEYFMT_ECDSA_SCALAR_MAX.
 * rs is written only on success.
 */
int avila_keyfmt_ecdsa_sig_from_der(uint8_t *rs, size_t scalar_len, const void *der, size_t n);

/*
 * The other way: r || s (2 * scalar_len bytes at rs) as a DER
 * ECDSA-Sig-Value into cap bytes at out (AVILA_KEYFMT_ECDSA_DER_MAX(scalar_len)
 * suffices); *out_len (may be NULL) gets its length. Returns 0;
 * AVILA_EINVAL (scalar_len out of range, or r or s zero), AVILA_ENOSPC.
 */
int avila_keyfmt_ecdsa_sig_to_der(uint8_t *out, size_t cap, const uint8_t *rs, size_t scalar_len,
                                  size_t *out_len);

#endif
