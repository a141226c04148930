/*
 * crypto/age.h - the age v1 file encryption format (C2SP age.md,
 * age-encryption.org/v1): the text header with recipient stanzas and its
 * HMAC, X25519 and scrypt recipients, the STREAM payload, and ASCII armor.
 *
 * Sans-I/O and pure: the caller reads and writes the bytes, hands in the
 * randomness (file key, ephemeral secrets, salts, payload nonce) and the
 * scrypt work area; nothing here allocates or calls the OS.
 *
 * Decrypting a file:
 *   1. avila_age_header_parse on the first bytes (AVILA_EAGAIN: read more,
 *      up to the limit); it returns the header length; the 16-byte payload
 *      nonce follows the header.
 *   2. avila_age_unwrap_x25519 / avila_age_unwrap_scrypt recover the file key.
 *   3. avila_age_header_verify checks the header MAC with it.
 *   4. avila_age_stream_init, then avila_age_decrypt_update on the rest of
 *      the file in pieces of any size, and avila_age_decrypt_final at the
 *      end of the input. Plaintext comes out one whole 64 KiB chunk at a
 *      time, each released only after its Poly1305 tag verified. A file that
 *      ends without its final chunk is an error (truncation), and so are
 *      bytes after the final chunk. Memory stays bounded: one chunk.
 * Encrypting: avila_age_header_begin, one avila_age_stanza_* per recipient,
 * avila_age_header_end (the MAC), the nonce, then avila_age_encrypt_update /
 * avila_age_encrypt_final.
 *
 * Every error is final for the object that returned it. Secrets (file key,
 * payload key, wrap keys, identities) are wiped before returning; the
 * stream context holds the payload key until avila_age_stream_wipe or a
 * final call.
 */
#ifndef AVILA_CRYPTO_AGE_H
#define AVILA_CRYPTO_AGE_H

#include "core/platform.h"
#include "crypto/kdf.h"

#define AVILA_AGE_FILE_KEY_LEN 16    /* bytes */
#define AVILA_AGE_NONCE_LEN    16    /* bytes of payload nonce after the header */
#define AVILA_AGE_CHUNK_LEN    65536 /* plaintext bytes per STREAM chunk */
#define AVILA_AGE_TAG_LEN      16    /* Poly1305 tag per chunk */
#define AVILA_AGE_ENC_CHUNK_LEN                                                                    \
    (AVILA_AGE_CHUNK_LEN + AVILA_AGE_TAG_LEN) /* ciphertext bytes per full chunk */
#define AVILA_AGE_MAX_STANZAS 32              /* compile-time ceiling of limits.max_stanzas */
#define AVILA_AGE_MAX_ARGS    8               /* compile-time ceiling of limits.max_args */
#define AVILA_AGE_MAC_LEN     32

/* scrypt work factors: age's default when encrypting, and its default ceiling when decrypting. */
#define AVILA_AGE_SCRYPT_LOG_N     18
#define AVILA_AGE_SCRYPT_MAX_LOG_N 22
/* Work area avila_age_stanza_scrypt / avila_age_unwrap_scrypt need for log_n (N = 2^log_n, r 8, p
 * 1). */
#define AVILA_AGE_SCRYPT_WORK_SIZE(log_n) AVILA_SCRYPT_WORK_SIZE((size_t)1 << (log_n), 8, 1)

/* ------------------------------------------------------------------ X25519 keys */

#define AVILA_AGE_RECIPIENT_LEN 62 /* characters of "age1..." */
#define AVILA_AGE_IDENTITY_LEN  74 /* characters of "AGE-SECRET-KEY-1..." */

/*
 * Writes the X25519 recipient string of the 32-byte public key pub
 * ("age1" + Bech32, lowercase, AVILA_AGE_RECIPIENT_LEN characters, not
 * NUL-terminated) to dst (cap bytes). Returns 0 or AVILA_ENOSPC.
 */
int avila_age_recipient_encode(char *dst, size_t cap, const uint8_t pub[32]);

/*
 * Parses the n characters at s as an X25519 recipient: lowercase Bech32
 * with HRP "age" and 32 data bytes. Returns 0 with pub; AVILA_EFORMAT.
 */
int avila_age_recipient_decode(uint8_t pub[32], const char *s, size_t n);

/*
 * Writes the identity string of the 32-byte secret scalar sk
 * ("AGE-SECRET-KEY-1" + Bech32, uppercase, AVILA_AGE_IDENTITY_LEN
 * characters) to dst (cap bytes). Constant time in sk. Returns 0 or
 * AVILA_ENOSPC.
 */
int avila_age_identity_encode(char *dst, size_t cap, const uint8_t sk[32]);

/*
 * Parses the n characters at s as an X25519 identity: uppercase Bech32
 * with HRP "AGE-SECRET-KEY-" and 32 data bytes. The characters are only
 * examined in constant time (core/bech32.h); which check failed is not
 * told. Returns 0 with sk; AVILA_EFORMAT (sk wiped).
 */
int avila_age_identity_decode(uint8_t sk[32], const char *s, size_t n);

/* Bounds on what a header may hold. Every field MUST be at least 1; max_header_len <= INT_MAX. */
struct avila_age_limits {
    size_t max_header_len; /* bytes from the version line to the MAC line's LF (default 64 KiB) */
    size_t max_stanzas;    /* default and ceiling AVILA_AGE_MAX_STANZAS */
    size_t max_args;       /* per stanza, default and ceiling AVILA_AGE_MAX_ARGS */
    size_t max_body_len;   /* decoded bytes per stanza body (default 16 KiB) */
};

/* Fills *l with the defaults above. */
void avila_age_limits_default(struct avila_age_limits *l);

/* One recipient stanza: pointers into the parsed header's text. Fields read-only. */
struct avila_age_stanza {
    const char *args[AVILA_AGE_MAX_ARGS];
    size_t arg_lens[AVILA_AGE_MAX_ARGS];
    size_t nargs;     /* 1 .. max_args */
    const char *body; /* the base64 body lines, each with its LF */
    size_t body_text_len;
    size_t body_len; /* decoded length */
};

/* A parsed header. It points into the caller's buffer, which MUST outlive it. */
struct avila_age_header {
    struct avila_age_stanza stanzas[AVILA_AGE_MAX_STANZAS];
    size_t nstanzas;
    const uint8_t *text;  /* the header's first byte */
    size_t mac_input_len; /* bytes covered by the MAC: up to and including "---" */
    size_t len;           /* whole header, through the MAC line's LF */
    uint8_t mac[AVILA_AGE_MAC_LEN];
};

/*
 * Parses the header at the start of the n bytes at buf (the header only: the
 * payload nonce and chunks follow it). Strict, as C2SP age.md's ABNF says:
 * the version line "age-encryption.org/v1"; one or more stanzas "-> " arg
 * (SP arg)*, each arg 1*VCHAR; body lines of canonical unpadded base64,
 * every one 64 columns but the last, which is shorter (maybe empty); the
 * MAC line "--- " and 43 base64 characters; every line ends with a bare LF.
 * An scrypt stanza MUST be the only stanza. lim may be NULL for defaults.
 * Returns the header length (> 0) with *h filled; AVILA_EAGAIN if buf holds
 * no complete header yet and max_header_len is not reached (at end of input
 * this means truncation); AVILA_EUNSUPPORTED for another
 * "age-encryption.org/" version; AVILA_ELIMIT past a limit; AVILA_EFORMAT
 * for anything else malformed; AVILA_EINVAL for bad limits.
 */
int avila_age_header_parse(struct avila_age_header *h, const uint8_t *buf, size_t n,
                           const struct avila_age_limits *lim);

/*
 * Decodes stanza s's body into dst (cap bytes, s->body_len at least).
 * Returns 0 or AVILA_ENOSPC.
 */
int avila_age_stanza_body(const struct avila_age_stanza *s, uint8_t *dst, size_t cap);

/*
 * Tries the n X25519 identities (32-byte secret scalars, only read) on the
 * header's "X25519" stanzas, in stanza order, and writes the file key of the
 * first that opens. Stanzas of other types are ignored. Returns 0;
 * AVILA_ENOTFOUND if none opened ("no match"); AVILA_EFORMAT for an X25519
 * stanza with other than 2 arguments, a share that is not canonical base64
 * of 32 bytes, a body other than 32 bytes, or a share giving the all-zero
 * shared secret (age.md: abort). file_key is written only on success.
 */
int avila_age_unwrap_x25519(const struct avila_age_header *h, const uint8_t (*identities)[32],
                            size_t n, uint8_t file_key[16]);

/*
 * Finds the header's scrypt stanza and stores its work factor in *log_n
 * (so the caller can size the work area). Returns 0; AVILA_ENOTFOUND if
 * there is none; AVILA_EFORMAT if it is malformed (not 3 arguments, salt not
 * canonical base64 of 16 bytes, work factor not [1-9][0-9]* or above 63,
 * body not 32 bytes).
 */
int avila_age_header_scrypt_log_n(const struct avila_age_header *h, unsigned *log_n);

/*
 * Unwraps the scrypt stanza with the pw_len-byte passphrase. work is the
 * caller's scratch (work_size bytes, AVILA_AGE_SCRYPT_WORK_SIZE(log_n) at
 * least; wiped before returning). Returns 0 with the file key; errors of
 * avila_age_header_scrypt_log_n; AVILA_ELIMIT if log_n > max_log_n (callers
 * pass AVILA_AGE_SCRYPT_MAX_LOG_N unless configured); AVILA_ENOSPC if work is
 * too small; AVILA_ENOTFOUND if the passphrase does not open it.
 */
int avila_age_unwrap_scrypt(const struct avila_age_header *h, const void *pw, size_t pw_len,
                            unsigned max_log_n, void *work, size_t work_size, uint8_t file_key[16]);

/*
 * Checks the header MAC (HMAC-SHA-256 under HKDF-SHA-256(file key, "",
 * "header")) in constant time. Returns 0 or AVILA_EAUTH.
 */
int avila_age_header_verify(const struct avila_age_header *h, const uint8_t file_key[16]);

/*
 * Header writing. Each call appends to dst (cap bytes) at offset *len and
 * advances *len; on error nothing is appended. Returns 0, AVILA_ENOSPC, or
 * AVILA_EINVAL as noted.
 *  - begin: the version line.
 *  - stanza_write: a stanza with nargs (1..AVILA_AGE_MAX_ARGS) arguments of
 *    1*VCHAR each (AVILA_EINVAL otherwise) and body_len bytes of body.
 *  - stanza_x25519: an X25519 stanza wrapping file_key to the recipient
 *    public key with the 32 random bytes ephemeral (fresh per stanza);
 *    AVILA_EINVAL if the recipient is a low-order point.
 *  - stanza_scrypt: a scrypt stanza with the 16 random bytes salt and work
 *    factor log_n (1..AVILA_AGE_SCRYPT_MAX_LOG_N); work as for unwrap.
 *  - end: the MAC line over dst[0 .. *len), which MUST be the whole header so far.
 */
int avila_age_header_begin(uint8_t *dst, size_t cap, size_t *len);
int avila_age_stanza_write(uint8_t *dst, size_t cap, size_t *len, const char *const *args,
                           const size_t *arg_lens, size_t nargs, const uint8_t *body,
                           size_t body_len);
int avila_age_stanza_x25519(uint8_t *dst, size_t cap, size_t *len, const uint8_t recipient[32],
                            const uint8_t ephemeral[32], const uint8_t file_key[16]);
int avila_age_stanza_scrypt(uint8_t *dst, size_t cap, size_t *len, const void *pw, size_t pw_len,
                            const uint8_t salt[16], unsigned log_n, void *work, size_t work_size,
                            const uint8_t file_key[16]);
int avila_age_header_end(uint8_t *dst, size_t cap, size_t *len, const uint8_t file_key[16]);

/* ------------------------------------------------------------------ STREAM payload */

/*
 * The payload engine, for one direction. Fields private. It holds the
 * payload key and one chunk of data (about 64 KiB: allocate it statically
 * or on the heap rather than on a small stack).
 */
struct avila_age_stream {
    uint8_t key[32];
    uint8_t nonce[12]; /* 11-byte big-endian chunk counter, then the last-chunk flag */
    uint8_t buf[AVILA_AGE_ENC_CHUNK_LEN];
    size_t len;      /* bytes buffered */
    uint64_t chunks; /* chunks sealed or opened so far */
    int state;       /* 0 running, 1 final chunk done, 2 finished, < 0 the error */
    int encrypt;     /* direction */
    int pending;     /* buf holds output handed to the caller: drop it on the next call */
};

/*
 * Starts a payload in either direction: the payload key is HKDF-SHA-256
 * (file key, salt nonce, "payload"). encrypt is 1 to encrypt, 0 to decrypt.
 * For encryption the 16-byte nonce MUST be fresh random bytes (the caller
 * writes it after the header).
 */
void avila_age_stream_init(struct avila_age_stream *s, const uint8_t file_key[16],
                           const uint8_t nonce[16], int encrypt);

/* Wipes s (key and buffered data). */
void avila_age_stream_wipe(struct avila_age_stream *s);

/*
 * Decryption: consumes ciphertext from the n bytes at in and returns how
 * many it took (0..n). When a chunk completes and authenticates, it stops
 * there and sets *out / *out_len to the plaintext (inside s, valid until the
 * next call); otherwise *out_len is 0 (*out is still a valid pointer). Call again with the rest. A
 * full-size chunk is taken as a middle chunk if it authenticates as one, else as the final chunk.
 * Returns AVILA_EAUTH (a chunk's tag is wrong: the file was altered, reordered or cut inside a
 * chunk), AVILA_EFORMAT (bytes after the final chunk), AVILA_ESTATE (wrong direction, after the end
 * or after an error). On AVILA_EAUTH or AVILA_EFORMAT s is wiped and stays failed.
 */
int avila_age_decrypt_update(struct avila_age_stream *s, const uint8_t *in, size_t n,
                             const uint8_t **out, size_t *out_len);

/*
 * Decryption at end of input: authenticates the buffered final chunk and
 * returns its plaintext as above. Returns 0; AVILA_EFORMAT if the file ended
 * without a final chunk (truncated at a chunk boundary), with fewer bytes
 * than a tag, or with an empty final chunk after other chunks; AVILA_EAUTH
 * for a bad tag. The payload key is wiped; the returned plaintext stays in
 * s until avila_age_stream_wipe. On any error s is wiped entirely.
 */
int avila_age_decrypt_final(struct avila_age_stream *s, const uint8_t **out, size_t *out_len);

/*
 * Encryption: takes plaintext from the n bytes at in, returns how many it
 * took, and sets *out / *out_len to a sealed chunk (AVILA_AGE_ENC_CHUNK_LEN
 * bytes, inside s) when one is ready, else *out_len 0. A full chunk is held
 * back until more plaintext arrives, because only then is it known not to
 * be the last.
 */
int avila_age_encrypt_update(struct avila_age_stream *s, const uint8_t *in, size_t n,
                             const uint8_t **out, size_t *out_len);

/* Encryption at end of input: seals the final chunk (16 bytes for an empty payload). */
int avila_age_encrypt_final(struct avila_age_stream *s, const uint8_t **out, size_t *out_len);

/* ------------------------------------------------------------------ ASCII armor */

/*
 * Armor (age.md "ASCII armor": RFC 7468 strict PEM, label "AGE ENCRYPTED
 * FILE", padded base64 in 64-column lines). Streaming in both directions.
 */
#define AVILA_AGE_ARMOR_BEGIN "-----BEGIN AGE ENCRYPTED FILE-----"
#define AVILA_AGE_ARMOR_END   "-----END AGE ENCRYPTED FILE-----"
/* Output room the encoder needs for n input bytes (update) or at the end (final). */
#define AVILA_AGE_ARMOR_ENCODE_MAX(n) (((n) / 48 + 2) * 65 + 40)
#define AVILA_AGE_ARMOR_FINAL_MAX     (35 + 65 + 33)
/* Output room the decoder needs for n input characters. */
#define AVILA_AGE_ARMOR_DECODE_MAX(n) ((n) + 64)

struct avila_age_armor {
    char line[68]; /* decoder: current line; encoder: unused */
    uint8_t rem[48];
    size_t len;  /* bytes in line (decoder) or rem (encoder) */
    int state;   /* private */
    int padded;  /* decoder: the last body line was seen */
    size_t body; /* decoder: body lines seen */
};

/* Starts an encoder or a decoder. */
void avila_age_armor_init(struct avila_age_armor *a);

/*
 * Encoder: appends the armored text of the n bytes at src (the BEGIN line
 * first) to dst, which MUST have room for AVILA_AGE_ARMOR_ENCODE_MAX(n)
 * bytes (cap; AVILA_ENOSPC otherwise, nothing written). *out_len gets the
 * count written. Returns 0.
 */
int avila_age_armor_encode_update(struct avila_age_armor *a, char *dst, size_t cap,
                                  const uint8_t *src, size_t n, size_t *out_len);

/* Encoder end: the last line (padded) and the END line with its LF. cap >=
 * AVILA_AGE_ARMOR_FINAL_MAX. */
int avila_age_armor_encode_final(struct avila_age_armor *a, char *dst, size_t cap, size_t *out_len);

/*
 * Decoder: consumes all n characters at src, writing the decoded bytes to
 * dst (cap >= AVILA_AGE_ARMOR_DECODE_MAX(n), else AVILA_ENOSPC). Strict:
 * only whitespace (SP, HT, CR, LF) before the BEGIN line and after the END
 * line; LF or CRLF line ends; body lines of exactly 64 characters but the
 * last (1..64, padded to a multiple of 4, canonical); no empty or other
 * lines, no header fields, no spaces. Returns 0 or AVILA_EFORMAT (final).
 */
int avila_age_armor_decode_update(struct avila_age_armor *a, uint8_t *dst, size_t cap,
                                  const char *src, size_t n, size_t *out_len);

/* Decoder end of input: 0 if the END line was seen, else AVILA_EFORMAT. */
int avila_age_armor_decode_final(struct avila_age_armor *a);

#endif
