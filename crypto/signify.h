/*
 * crypto/signify.h - the file formats of OpenBSD's signify(1) (Ed25519
 * keys and signatures; usr.bin/signify/signify.c, the formats the Debian
 * package signify-openbsd reads and writes), sans-I/O: bytes in, structs
 * out, into caller buffers. Pure, no allocation.
 *
 * Every file is two lines, both ending in '\n':
 *     untrusted comment: <comment>
 *     <base64 of the binary record, RFC 4648 section 4, padded>
 * and the records are (all multi-byte integers big-endian):
 *     public key  "Ed" | keynum[8] | Ed25519 public key[32]               42 bytes
 *     secret key  "Ed" | "BK" | kdfrounds[4] | salt[16] | checksum[8]
 *                 | keynum[8] | secret[64] XOR bcrypt_pbkdf(...)        104 bytes
 *     signature   "Ed" | keynum[8] | Ed25519 signature[64]                74 bytes
 * keynum is 8 random bytes naming a key pair; a signature carries its
 * signer's. The 64-byte secret is seed || public key (crypto/ed25519.h). It
 * is stored XORed with bcrypt_pbkdf(passphrase, salt, kdfrounds) (64 bytes,
 * crypto/bcrypt_pbkdf.h), or as it is when kdfrounds is 0 (no passphrase).
 * checksum is the first 8 bytes of SHA-512 of the plain secret, so a wrong
 * passphrase is detected. An "embedded" signature file (signify -e) is a
 * signature file followed directly by the message.
 *
 * Parsing is strict: one canonical encoding per record. The comment is 1 to
 * AVILA_SIGNIFY_COMMENT_MAX bytes with no '\n' or NUL (signify stores it in a
 * 1024-byte C string); the base64 line has exactly the record's length, no
 * whitespace, '\r' or line breaks, and canonical padding; the algorithm
 * bytes are "Ed" (and "BK"); a key file has nothing after its second line.
 * signify itself is more lenient (it skips whitespace inside the base64 and
 * ignores anything after the second line); every file it writes parses here.
 *
 * Secrets: the secret key's base64 line is decoded and encoded in constant
 * time (arithmetic, no table indexed by secret characters), the checksum is
 * compared with avila_ct_memeq, and failures are folded into return values
 * without branching on secret data; tests/ct/ct_signify.c checks this under
 * valgrind. bcrypt_pbkdf itself is only as constant-time as Blowfish allows
 * (crypto/bcrypt_pbkdf.h).
 */
#ifndef AVILA_CRYPTO_SIGNIFY_H
#define AVILA_CRYPTO_SIGNIFY_H

#include "core/platform.h"

#define AVILA_SIGNIFY_KEYNUM_LEN   8
#define AVILA_SIGNIFY_SALT_LEN     16
#define AVILA_SIGNIFY_CHECKSUM_LEN 8
#define AVILA_SIGNIFY_PUBKEY_LEN   42  /* bytes of a public-key record */
#define AVILA_SIGNIFY_SECKEY_LEN   104 /* bytes of a secret-key record */
#define AVILA_SIGNIFY_SIG_LEN      74  /* bytes of a signature record */
/* Longest comment: signify keeps comments in 1024-byte C strings. */
#define AVILA_SIGNIFY_COMMENT_MAX 1023
/* The comment line's fixed start. */
#define AVILA_SIGNIFY_COMMENT_HDR "untrusted comment: "
/* Longest passphrase: signify reads it into a 1024-byte C string. */
#define AVILA_SIGNIFY_PASS_MAX 1023
/* The KDF rounds signify writes for a passphrase-protected key. */
#define AVILA_SIGNIFY_DEFAULT_ROUNDS 42
/* The most KDF rounds a secret key may ask for unless the config says otherwise (about 7 s). */
#define AVILA_SIGNIFY_DEFAULT_MAX_ROUNDS 1024
/*
 * The longest key or signature file (the 19-byte comment header, the
 * longest comment, the secret key's 140 base64 characters and two '\n'):
 * a buffer this big holds any of them.
 */
#define AVILA_SIGNIFY_FILE_MAX (19 + AVILA_SIGNIFY_COMMENT_MAX + 1 + 140 + 1)

/*
 * Parser limits. A zero field takes its default. max_rounds bounds the
 * work a secret-key file can demand (bcrypt_pbkdf costs about 6 ms per
 * round for signify's 64-byte key); a fuzzer sets it low to keep executions
 * fast.
 */
struct avila_signify_config {
    uint32_t max_rounds; /* 0: AVILA_SIGNIFY_DEFAULT_MAX_ROUNDS */
};

/*
 * A public key. comment points at comment_len bytes (not NUL-terminated):
 * into the parsed text after avila_signify_pubkey_parse (valid while that
 * text is), or wherever the caller points it before writing.
 */
struct avila_signify_pubkey {
    uint8_t keynum[AVILA_SIGNIFY_KEYNUM_LEN];
    uint8_t key[32];
    const char *comment;
    size_t comment_len;
};

/*
 * A secret key. Holds key material: wipe it with avila_wipe when done.
 * secret is the file's (possibly encrypted) bytes after parsing, and the
 * plain seed || public key once `plain` is 1 (after
 * avila_signify_seckey_decrypt or avila_signify_keygen). comment as in
 * struct avila_signify_pubkey. Fields other than comment are private.
 */
struct avila_signify_seckey {
    uint32_t rounds; /* bcrypt_pbkdf rounds; 0 = not encrypted */
    uint8_t salt[AVILA_SIGNIFY_SALT_LEN];
    uint8_t checksum[AVILA_SIGNIFY_CHECKSUM_LEN];
    uint8_t keynum[AVILA_SIGNIFY_KEYNUM_LEN];
    uint8_t secret[64];
    uint8_t plain; /* 1 when secret is the plain key */
    const char *comment;
    size_t comment_len;
};

/* A signature. comment as in struct avila_signify_pubkey. */
struct avila_signify_sig {
    uint8_t keynum[AVILA_SIGNIFY_KEYNUM_LEN];
    uint8_t sig[64];
    const char *comment;
    size_t comment_len;
};

/*
 * Parses a public-key file: the n bytes at text MUST be exactly one file.
 * Returns 0; AVILA_EFORMAT (malformed: comment line, base64 line, lengths,
 * trailing bytes), AVILA_ELIMIT (comment longer than
 * AVILA_SIGNIFY_COMMENT_MAX) or AVILA_EUNSUPPORTED (not an "Ed" key). *pk is
 * unspecified after an error.
 */
int avila_signify_pubkey_parse(struct avila_signify_pubkey *pk, const char *text, size_t n);

/*
 * Parses a secret-key file (exactly the n bytes at text) without decrypting
 * or checking it: sk->plain is 0 (even with no passphrase, rounds 0) until
 * avila_signify_seckey_decrypt has checked the key. cfg may be NULL
 * (defaults). Returns 0; AVILA_EFORMAT, AVILA_ELIMIT (comment too long, or
 * more rounds than cfg allows) or AVILA_EUNSUPPORTED (not "Ed", or a KDF
 * other than "BK"). On error the secret in *sk is zeroed.
 */
int avila_signify_seckey_parse(struct avila_signify_seckey *sk, const char *text, size_t n,
                               const struct avila_signify_config *cfg);

/*
 * Parses a signature file at the start of the n bytes at text. With
 * consumed NULL the text MUST be exactly one signature file; otherwise it
 * may go on (an embedded signature: the message follows) and *consumed gets
 * the length of the signature part. Returns 0 or an error as
 * avila_signify_pubkey_parse (*consumed untouched on error).
 */
int avila_signify_sig_parse(struct avila_signify_sig *sig, const char *text, size_t n,
                            size_t *consumed);

/*
 * Decrypts a parsed secret key with the pass_len-byte passphrase (ignored,
 * and may be NULL, when sk->rounds is 0) and checks it: the checksum MUST
 * match and the public half MUST be the seed's public key. The passphrase is
 * only read during the call. Returns 0 with sk->plain = 1; AVILA_ESTATE if
 * sk is already plain; AVILA_EINVAL if a passphrase is needed and pass_len
 * is 0 or above AVILA_SIGNIFY_PASS_MAX (sk untouched); AVILA_EAUTH for a
 * wrong passphrase (checksum mismatch); AVILA_EFORMAT if the checksum
 * matches but the halves do not belong together. On AVILA_EAUTH and
 * AVILA_EFORMAT the secret is zeroed (parse the file again to retry).
 */
int avila_signify_seckey_decrypt(struct avila_signify_seckey *sk, const void *pass,
                                 size_t pass_len);

/*
 * Makes a key pair from 32 secret random bytes seed (its Ed25519 key pair),
 * 8 random bytes keynum and 16 random bytes salt (keep the randomness as
 * signify does: a fresh keynum and salt per key). rounds is what
 * avila_signify_seckey_write will encrypt with (0: no passphrase;
 * AVILA_SIGNIFY_DEFAULT_ROUNDS as signify). sk comes out plain; the
 * comments are left NULL for the caller to set. Always succeeds.
 */
void avila_signify_keygen(struct avila_signify_pubkey *pk, struct avila_signify_seckey *sk,
                          const uint8_t seed[32], const uint8_t keynum[AVILA_SIGNIFY_KEYNUM_LEN],
                          const uint8_t salt[AVILA_SIGNIFY_SALT_LEN], uint32_t rounds);

/*
 * Signs the n bytes at msg (NULL allowed when n is 0) with a plain secret
 * key into sig (its keynum and signature; sig->comment is left alone).
 * Returns 0, or AVILA_ESTATE if sk is not plain.
 */
int avila_signify_sign(struct avila_signify_sig *sig, const struct avila_signify_seckey *sk,
                       const void *msg, size_t n);

/*
 * Verifies sig on the n bytes at msg under pk. Returns 0 if the key numbers
 * match and the Ed25519 signature is valid (crypto/ed25519.h's rules),
 * AVILA_EAUTH otherwise. Callers that want to tell "signed by another key"
 * apart compare the keynums themselves first.
 */
int avila_signify_verify(const struct avila_signify_sig *sig, const struct avila_signify_pubkey *pk,
                         const void *msg, size_t n);

/*
 * Writers: each writes the whole file (comment line and base64 line) to out
 * (cap bytes; AVILA_SIGNIFY_FILE_MAX always suffices) and its length to
 * *out_len (may be NULL). Nothing is NUL-terminated. They return 0;
 * AVILA_EINVAL if the comment is NULL, empty or holds '\n' or NUL;
 * AVILA_ELIMIT if it is longer than AVILA_SIGNIFY_COMMENT_MAX; AVILA_ENOSPC
 * if cap is too small (out untouched on every error).
 */
int avila_signify_pubkey_write(char *out, size_t cap, const struct avila_signify_pubkey *pk,
                               size_t *out_len);
int avila_signify_sig_write(char *out, size_t cap, const struct avila_signify_sig *sig,
                            size_t *out_len);

/*
 * Writes a secret-key file. A plain key with rounds > 0 is encrypted on the
 * way out with the pass_len-byte passphrase (1 .. AVILA_SIGNIFY_PASS_MAX
 * bytes, else AVILA_EINVAL) and sk->salt; otherwise the passphrase is
 * ignored and the stored bytes are written as they are (so a parsed,
 * undecrypted key round-trips unchanged). The output holds key material
 * when rounds is 0: the caller wipes it. Errors as the other writers.
 */
int avila_signify_seckey_write(char *out, size_t cap, const struct avila_signify_seckey *sk,
                               const void *pass, size_t pass_len, size_t *out_len);

#endif
