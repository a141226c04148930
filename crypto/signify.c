/*
 * crypto/signify.c - signify's key and signature files (formats in
 * crypto/signify.h). Pure.
 *
 * The base64 here (RFC 4648 section 4, padded) is computed with masks rather
 * than core/encoding.h's lookup tables, because a secret key's line carries
 * the key itself when it has no passphrase: a table indexed by secret
 * characters would leak them through the cache. Validity is accumulated in a
 * mask; the secret part of a secret-key line folds its verdict into the
 * return value arithmetically, so no branch depends on it.
 */
#include "crypto/signify.h"

#include "core/ct.h"
#include "core/endian.h"
#include "core/error.h"
#include "crypto/bcrypt_pbkdf.h"
#include "crypto/ed25519.h"
#include "crypto/sha2.h"

#define HDR_LEN    (sizeof AVILA_SIGNIFY_COMMENT_HDR - 1)
#define B64_LEN(n) (((size_t)(n) + 2) / 3 * 4)

_Static_assert(HDR_LEN == 19, "signify's COMMENTHDRLEN");
_Static_assert(AVILA_SIGNIFY_FILE_MAX ==
                   HDR_LEN + AVILA_SIGNIFY_COMMENT_MAX + 1 + B64_LEN(AVILA_SIGNIFY_SECKEY_LEN) + 1,
               "the secret key file is the longest");

/* Offsets in a secret-key record. */
enum {
    SK_KDFALG = 2,
    SK_ROUNDS = 4,
    SK_SALT = 8,
    SK_CHECKSUM = SK_SALT + AVILA_SIGNIFY_SALT_LEN,
    SK_KEYNUM = SK_CHECKSUM + AVILA_SIGNIFY_CHECKSUM_LEN,
    SK_SECRET = SK_KEYNUM + AVILA_SIGNIFY_KEYNUM_LEN,
};
/* The public prefix decoded with branches: the whole base64 quanta before the secret. */
#define SK_PUBLIC_BYTES ((size_t)SK_SECRET / 3 * 3)
#define SK_PUBLIC_CHARS ((size_t)SK_SECRET / 3 * 4)
_Static_assert(SK_SECRET + 64 == AVILA_SIGNIFY_SECKEY_LEN, "secret-key record layout");

/* ------------------------------------------------------------ constant-time base64 */

/* All-ones if lo <= c <= hi, else zero. */
static uint32_t in_range(uint32_t c, uint32_t lo, uint32_t hi)
{
    return avila_ct_mask_u32(avila_ct_lt_u32(c - lo, hi - lo + 1));
}

/* The 6-bit value of base64 character c; *bad gets all-ones if c is not one. */
static uint32_t b64_value(char ch, uint32_t *bad)
{
    uint32_t c = (uint8_t)ch, v = 0, hit = 0, m;
    m = in_range(c, 'A', 'Z');
    v |= m & (c - 'A');
    hit |= m;
    m = in_range(c, 'a', 'z');
    v |= m & (c - 'a' + 26);
    hit |= m;
    m = in_range(c, '0', '9');
    v |= m & (c - '0' + 52);
    hit |= m;
    m = in_range(c, '+', '+');
    v |= m & 62;
    hit |= m;
    m = in_range(c, '/', '/');
    v |= m & 63;
    hit |= m;
    *bad |= ~hit;
    return v & 63;
}

/* The base64 character of the 6-bit value v. */
static char b64_char(uint32_t v)
{
    uint32_t c = v + 'A';
    c += avila_ct_mask_u32(1 ^ avila_ct_lt_u32(v, 26)) & (uint32_t)('a' - 26 - 'A');
    c += avila_ct_mask_u32(1 ^ avila_ct_lt_u32(v, 52)) & (uint32_t)(('0' - 52) - ('a' - 26));
    c += avila_ct_mask_u32(1 ^ avila_ct_lt_u32(v, 62)) & (uint32_t)(('+' - 62) - ('0' - 52));
    c += avila_ct_mask_u32(1 ^ avila_ct_lt_u32(v, 63)) & (uint32_t)(('/' - 63) - ('+' - 62));
    return (char)(c & 0xff);
}

/*
 * Decodes the B64_LEN(n) padded characters at in into n bytes at out.
 * Returns zero if they are the canonical encoding of n bytes, all-ones
 * otherwise (out then holds garbage). Time depends on n only.
 */
static uint32_t b64_decode(uint8_t *out, size_t n, const char *in)
{
    uint32_t bad = 0;
    for (; n >= 3; n -= 3, in += 4, out += 3) {
        uint32_t w = b64_value(in[0], &bad) << 18 | b64_value(in[1], &bad) << 12 |
                     b64_value(in[2], &bad) << 6 | b64_value(in[3], &bad);
        out[0] = (uint8_t)(w >> 16);
        out[1] = (uint8_t)(w >> 8);
        out[2] = (uint8_t)w;
    }
    if (n == 0)
        return bad;
    uint32_t a = b64_value(in[0], &bad), b = b64_value(in[1], &bad);
    out[0] = (uint8_t)(a << 2 | b >> 4);
    bad |= ~in_range((uint8_t)in[3], '=', '=');
    if (n == 1) {
        /* "xy==": the low 4 bits of y are unused and MUST be zero (RFC 4648 section 3.5). */
        bad |= avila_ct_mask_u32(avila_ct_nonzero_u32(b & 15));
        bad |= ~in_range((uint8_t)in[2], '=', '=');
    } else {
        uint32_t c = b64_value(in[2], &bad);
        out[1] = (uint8_t)(b << 4 | c >> 2);
        bad |= avila_ct_mask_u32(avila_ct_nonzero_u32(c & 3));
    }
    return bad;
}

/* Encodes the n bytes at in as B64_LEN(n) padded characters at out. */
static void b64_encode(char *out, const uint8_t *in, size_t n)
{
    for (; n >= 3; n -= 3, in += 3, out += 4) {
        uint32_t w = (uint32_t)in[0] << 16 | (uint32_t)in[1] << 8 | in[2];
        out[0] = b64_char(w >> 18);
        out[1] = b64_char(w >> 12 & 63);
        out[2] = b64_char(w >> 6 & 63);
        out[3] = b64_char(w & 63);
    }
    if (n == 0)
        return;
    uint32_t w = (uint32_t)in[0] << 16 | (n == 2 ? (uint32_t)in[1] << 8 : 0);
    out[0] = b64_char(w >> 18);
    out[1] = b64_char(w >> 12 & 63);
    out[2] = n == 2 ? b64_char(w >> 6 & 63) : '=';
    out[3] = '=';
}

/* ------------------------------------------------------------ the two-line envelope */

/*
 * Parses "untrusted comment: <comment>\n<B64_LEN(rec_len) chars>\n" at the
 * start of text: sets the comment and *line (the base64 characters) and
 * returns the length of the two lines, or a negative error.
 */
static long parse_envelope(const char *text, size_t n, size_t rec_len, const char **comment,
                           size_t *comment_len, const char **line)
{
    if (n < HDR_LEN || memcmp(text, AVILA_SIGNIFY_COMMENT_HDR, HDR_LEN) != 0)
        return AVILA_EFORMAT;
    /* Only the comment is scanned, never the base64 line (it may be secret). */
    const char *c = text + HDR_LEN;
    size_t avail = n - HDR_LEN, len = 0;
    while (len < avail && len <= AVILA_SIGNIFY_COMMENT_MAX && c[len] != '\n') {
        if (c[len] == '\0')
            return AVILA_EFORMAT;
        len++;
    }
    if (len > AVILA_SIGNIFY_COMMENT_MAX)
        return AVILA_ELIMIT;
    if (len == avail || len == 0)
        return AVILA_EFORMAT;
    const size_t start = HDR_LEN + len + 1, b64_len = B64_LEN(rec_len);
    if (n - start < b64_len + 1 || text[start + b64_len] != '\n')
        return AVILA_EFORMAT;
    *comment = c;
    *comment_len = len;
    *line = text + start;
    return (long)(start + b64_len + 1);
}

/* Parses an envelope that MUST fill the n bytes, with a fully public record. */
static int parse_public(uint8_t *rec, size_t rec_len, const char *text, size_t n, size_t *consumed,
                        const char **comment, size_t *comment_len)
{
    const char *line;
    long total = parse_envelope(text, n, rec_len, comment, comment_len, &line);
    if (total < 0)
        return (int)total;
    if (!consumed && (size_t)total != n)
        return AVILA_EFORMAT;
    if (b64_decode(rec, rec_len, line) != 0)
        return AVILA_EFORMAT;
    if (rec[0] != 'E' || rec[1] != 'd')
        return AVILA_EUNSUPPORTED;
    if (consumed)
        *consumed = (size_t)total;
    return 0;
}

int avila_signify_pubkey_parse(struct avila_signify_pubkey *pk, const char *text, size_t n)
{
    uint8_t rec[AVILA_SIGNIFY_PUBKEY_LEN];
    int rc = parse_public(rec, sizeof rec, text, n, NULL, &pk->comment, &pk->comment_len);
    if (rc < 0)
        return rc;
    memcpy(pk->keynum, rec + 2, AVILA_SIGNIFY_KEYNUM_LEN);
    memcpy(pk->key, rec + 2 + AVILA_SIGNIFY_KEYNUM_LEN, sizeof pk->key);
    return 0;
}

int avila_signify_sig_parse(struct avila_signify_sig *sig, const char *text, size_t n,
                            size_t *consumed)
{
    uint8_t rec[AVILA_SIGNIFY_SIG_LEN];
    int rc = parse_public(rec, sizeof rec, text, n, consumed, &sig->comment, &sig->comment_len);
    if (rc < 0)
        return rc;
    memcpy(sig->keynum, rec + 2, AVILA_SIGNIFY_KEYNUM_LEN);
    memcpy(sig->sig, rec + 2 + AVILA_SIGNIFY_KEYNUM_LEN, sizeof sig->sig);
    return 0;
}

int avila_signify_seckey_parse(struct avila_signify_seckey *sk, const char *text, size_t n,
                               const struct avila_signify_config *cfg)
{
    const uint32_t max_rounds =
        cfg && cfg->max_rounds ? cfg->max_rounds : AVILA_SIGNIFY_DEFAULT_MAX_ROUNDS;
    uint8_t rec[AVILA_SIGNIFY_SECKEY_LEN];
    const char *line;
    memset(sk->secret, 0, sizeof sk->secret);
    sk->plain = 0;
    long total = parse_envelope(text, n, sizeof rec, &sk->comment, &sk->comment_len, &line);
    if (total < 0)
        return (int)total;
    if ((size_t)total != n)
        return AVILA_EFORMAT;
    /* The header fields come from whole quanta before the secret: decoded with branches. */
    if (b64_decode(rec, SK_PUBLIC_BYTES, line) != 0)
        return AVILA_EFORMAT;
    if (rec[0] != 'E' || rec[1] != 'd' || rec[SK_KDFALG] != 'B' || rec[SK_KDFALG + 1] != 'K')
        return AVILA_EUNSUPPORTED;
    uint32_t rounds = avila_load_be32(rec + SK_ROUNDS);
    if (rounds > max_rounds)
        return AVILA_ELIMIT;
    /* The rest holds the secret: its verdict is folded into the result without a branch. */
    uint32_t bad =
        b64_decode(rec + SK_PUBLIC_BYTES, sizeof rec - SK_PUBLIC_BYTES, line + SK_PUBLIC_CHARS);
    sk->rounds = rounds;
    memcpy(sk->salt, rec + SK_SALT, sizeof sk->salt);
    memcpy(sk->checksum, rec + SK_CHECKSUM, sizeof sk->checksum);
    memcpy(sk->keynum, rec + SK_KEYNUM, sizeof sk->keynum);
    for (size_t i = 0; i < sizeof sk->secret; i++)
        sk->secret[i] = (uint8_t)(rec[SK_SECRET + i] & ~bad);
    avila_wipe(rec, sizeof rec);
    return -(int)(bad & (uint32_t)-AVILA_EFORMAT);
}

/* ------------------------------------------------------------ keys and signatures */

int avila_signify_seckey_decrypt(struct avila_signify_seckey *sk, const void *pass, size_t pass_len)
{
    if (sk->plain)
        return AVILA_ESTATE;
    if (sk->rounds > 0) {
        if (pass_len == 0 || pass_len > AVILA_SIGNIFY_PASS_MAX)
            return AVILA_EINVAL;
        uint8_t mask[64];
        /* Cannot fail: every parameter is within bcrypt_pbkdf's limits. */
        avila_bcrypt_pbkdf(mask, sizeof mask, pass, pass_len, sk->salt, sizeof sk->salt,
                           sk->rounds);
        for (size_t i = 0; i < sizeof mask; i++)
            sk->secret[i] ^= mask[i];
        avila_wipe(mask, sizeof mask);
    }
    uint8_t digest[AVILA_SHA512_LEN], pub[32], again[64];
    avila_sha512(sk->secret, sizeof sk->secret, digest);
    const uint32_t sum_ok = avila_ct_memeq(digest, sk->checksum, AVILA_SIGNIFY_CHECKSUM_LEN);
    avila_ed25519_keypair(pub, again, sk->secret);
    const uint32_t pub_ok = avila_ct_memeq(pub, sk->secret + 32, sizeof pub);
    const uint32_t ok = sum_ok & pub_ok;
    const uint8_t keep = (uint8_t)avila_ct_mask_u32(ok);
    for (size_t i = 0; i < sizeof sk->secret; i++)
        sk->secret[i] &= keep;
    sk->plain = (uint8_t)ok;
    avila_wipe(digest, sizeof digest);
    avila_wipe(again, sizeof again);
    /* 0, else EAUTH for a checksum mismatch, else EFORMAT: chosen without a branch. */
    uint32_t err =
        avila_ct_select_u32(sum_ok, avila_ct_select_u32(pub_ok, 0, -AVILA_EFORMAT), -AVILA_EAUTH);
    return -(int)err;
}

void avila_signify_keygen(struct avila_signify_pubkey *pk, struct avila_signify_seckey *sk,
                          const uint8_t seed[32], const uint8_t keynum[AVILA_SIGNIFY_KEYNUM_LEN],
                          const uint8_t salt[AVILA_SIGNIFY_SALT_LEN], uint32_t rounds)
{
    uint8_t digest[AVILA_SHA512_LEN];
    avila_ed25519_keypair(pk->key, sk->secret, seed);
    memcpy(pk->keynum, keynum, AVILA_SIGNIFY_KEYNUM_LEN);
    memcpy(sk->keynum, keynum, AVILA_SIGNIFY_KEYNUM_LEN);
    memcpy(sk->salt, salt, AVILA_SIGNIFY_SALT_LEN);
    avila_sha512(sk->secret, sizeof sk->secret, digest);
    memcpy(sk->checksum, digest, AVILA_SIGNIFY_CHECKSUM_LEN);
    avila_wipe(digest, sizeof digest);
    sk->rounds = rounds;
    sk->plain = 1;
    pk->comment = sk->comment = NULL;
    pk->comment_len = sk->comment_len = 0;
}

int avila_signify_sign(struct avila_signify_sig *sig, const struct avila_signify_seckey *sk,
                       const void *msg, size_t n)
{
    if (!sk->plain)
        return AVILA_ESTATE;
    avila_ed25519_sign(sig->sig, msg, n, sk->secret);
    memcpy(sig->keynum, sk->keynum, AVILA_SIGNIFY_KEYNUM_LEN);
    return 0;
}

int avila_signify_verify(const struct avila_signify_sig *sig, const struct avila_signify_pubkey *pk,
                         const void *msg, size_t n)
{
    if (memcmp(sig->keynum, pk->keynum, AVILA_SIGNIFY_KEYNUM_LEN) != 0)
        return AVILA_EAUTH;
    return avila_ed25519_verify(sig->sig, msg, n, pk->key);
}

/* ------------------------------------------------------------ writers */

/*
 * Checks the comment and that cap holds the file for a rec_len-byte record;
 * stores its length in *total. Returns 0 or the writers' errors.
 */
static int plan_file(const char *comment, size_t comment_len, size_t rec_len, size_t cap,
                     size_t *total)
{
    if (!comment || comment_len == 0)
        return AVILA_EINVAL;
    if (comment_len > AVILA_SIGNIFY_COMMENT_MAX)
        return AVILA_ELIMIT;
    for (size_t i = 0; i < comment_len; i++)
        if (comment[i] == '\n' || comment[i] == '\0')
            return AVILA_EINVAL;
    *total = HDR_LEN + comment_len + 1 + B64_LEN(rec_len) + 1;
    return *total <= cap ? 0 : AVILA_ENOSPC;
}

/* Writes the file planned by plan_file. */
static void emit_file(char *out, const char *comment, size_t comment_len, const uint8_t *rec,
                      size_t rec_len)
{
    memcpy(out, AVILA_SIGNIFY_COMMENT_HDR, HDR_LEN);
    memcpy(out + HDR_LEN, comment, comment_len);
    out += HDR_LEN + comment_len;
    *out++ = '\n';
    b64_encode(out, rec, rec_len);
    out[B64_LEN(rec_len)] = '\n';
}

/* A public record: "Ed" | keynum | body. */
static int write_public(char *out, size_t cap, const char *comment, size_t comment_len,
                        const uint8_t keynum[AVILA_SIGNIFY_KEYNUM_LEN], const uint8_t *body,
                        size_t body_len, size_t *out_len)
{
    uint8_t rec[AVILA_SIGNIFY_SIG_LEN];
    const size_t rec_len = 2 + AVILA_SIGNIFY_KEYNUM_LEN + body_len;
    size_t total;
    int rc = plan_file(comment, comment_len, rec_len, cap, &total);
    if (rc < 0)
        return rc;
    rec[0] = 'E';
    rec[1] = 'd';
    memcpy(rec + 2, keynum, AVILA_SIGNIFY_KEYNUM_LEN);
    memcpy(rec + 2 + AVILA_SIGNIFY_KEYNUM_LEN, body, body_len);
    emit_file(out, comment, comment_len, rec, rec_len);
    if (out_len)
        *out_len = total;
    return 0;
}

int avila_signify_pubkey_write(char *out, size_t cap, const struct avila_signify_pubkey *pk,
                               size_t *out_len)
{
    return write_public(out, cap, pk->comment, pk->comment_len, pk->keynum, pk->key, sizeof pk->key,
                        out_len);
}

int avila_signify_sig_write(char *out, size_t cap, const struct avila_signify_sig *sig,
                            size_t *out_len)
{
    return write_public(out, cap, sig->comment, sig->comment_len, sig->keynum, sig->sig,
                        sizeof sig->sig, out_len);
}

int avila_signify_seckey_write(char *out, size_t cap, const struct avila_signify_seckey *sk,
                               const void *pass, size_t pass_len, size_t *out_len)
{
    const int encrypt = sk->plain && sk->rounds > 0;
    size_t total;
    int rc = plan_file(sk->comment, sk->comment_len, AVILA_SIGNIFY_SECKEY_LEN, cap, &total);
    if (rc < 0)
        return rc;
    if (encrypt && (pass_len == 0 || pass_len > AVILA_SIGNIFY_PASS_MAX))
        return AVILA_EINVAL;
    uint8_t rec[AVILA_SIGNIFY_SECKEY_LEN];
    static const uint8_t magic[4] = {'E', 'd', 'B', 'K'};
    memcpy(rec, magic, sizeof magic);
    avila_store_be32(rec + SK_ROUNDS, sk->rounds);
    memcpy(rec + SK_SALT, sk->salt, sizeof sk->salt);
    memcpy(rec + SK_CHECKSUM, sk->checksum, sizeof sk->checksum);
    memcpy(rec + SK_KEYNUM, sk->keynum, sizeof sk->keynum);
    memcpy(rec + SK_SECRET, sk->secret, sizeof sk->secret);
    if (encrypt) {
        uint8_t mask[64];
        avila_bcrypt_pbkdf(mask, sizeof mask, pass, pass_len, sk->salt, sizeof sk->salt,
                           sk->rounds);
        for (size_t i = 0; i < sizeof mask; i++)
            rec[SK_SECRET + i] ^= mask[i];
        avila_wipe(mask, sizeof mask);
    }
    emit_file(out, sk->comment, sk->comment_len, rec, sizeof rec);
    avila_wipe(rec, sizeof rec);
    if (out_len)
        *out_len = total;
    return 0;
}
