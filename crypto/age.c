/*
 * crypto/age.c - the age v1 file format (C2SP age.md, age-encryption.org/v1):
 * header parsing and writing, the X25519 and scrypt recipient stanzas, the
 * header MAC, the STREAM payload and ASCII armor. See crypto/age.h.
 */
#include "crypto/age.h"

#include <limits.h>

#include "core/bech32.h"
#include "core/bech32_int.h"
#include "core/ct.h"
#include "core/encoding.h"
#include "core/error.h"
#include "crypto/aead.h"
#include "crypto/digest.h"
#include "crypto/hmac.h"
#include "crypto/kdf.h"
#include "crypto/x25519.h"

static const char version_line[] = "age-encryption.org/v1";
static const char version_prefix[] = "age-encryption.org/";
static const char x25519_label[] = "age-encryption.org/v1/X25519";
static const char scrypt_label[] = "age-encryption.org/v1/scrypt";
static const uint8_t zero_nonce[12] = {0};

#define LINE_COLS 64 /* base64 characters per full line, in stanza bodies and armor */
#define SHARE_B64 43 /* characters of 32 bytes in unpadded base64 */
#define SALT_B64  22 /* characters of 16 bytes in unpadded base64 */

/* 1 if the n bytes at a are the NUL-terminated string s. */
static int equals(const void *a, size_t n, const char *s)
{
    size_t i = 0;
    while (s[i] != '\0')
        i++;
    return i == n && memcmp(a, s, n) == 0;
}

static int is_vchar(uint8_t c)
{
    return c >= 0x21 && c <= 0x7e;
}

/* Decodes n characters of canonical unpadded base64 into exactly want bytes at dst. */
static int b64_exact(uint8_t *dst, size_t want, const char *src, size_t n)
{
    size_t got;
    if (avila_base64_decode(dst, want, src, n, AVILA_BASE64_NOPAD, &got) != 0 || got != want)
        return AVILA_EFORMAT;
    return 0;
}

/* ------------------------------------------------------------------ X25519 keys */

int avila_age_recipient_encode(char *dst, size_t cap, const uint8_t pub[32])
{
    return avila_bech32_encode(dst, cap, "age", 3, pub, 32, 0, NULL);
}

int avila_age_recipient_decode(uint8_t pub[32], const char *s, size_t n)
{
    char hrp[4];
    size_t hrp_len, len;
    /* age keeps recipients lowercase (the decoder only rejects mixed case). */
    if (n != AVILA_AGE_RECIPIENT_LEN || s[0] != 'a')
        return AVILA_EFORMAT;
    if (avila_bech32_decode(pub, 32, hrp, sizeof hrp, &hrp_len, s, n, n, &len) != 0 ||
        !equals(hrp, hrp_len, "age") || len != 32)
        return AVILA_EFORMAT;
    return 0;
}

int avila_age_identity_encode(char *dst, size_t cap, const uint8_t sk[32])
{
    return avila_bech32_encode(dst, cap, "age-secret-key-", 15, sk, 32, AVILA_BECH32_UPPER, NULL);
}

int avila_age_identity_decode(uint8_t sk[32], const char *s, size_t n)
{
    static const char hrp_want[] = "age-secret-key-";
    char hrp[sizeof hrp_want - 1];
    /* Lengths, the separator's place and the HRP are public: every identity has the same. */
    if (n != AVILA_AGE_IDENTITY_LEN || s[0] != 'A')
        return AVILA_EFORMAT;
    uint32_t ok = avila_bech32_decode_ct(sk, hrp, s, n, sizeof hrp);
    if (!ok || memcmp(hrp, hrp_want, sizeof hrp) != 0) {
        avila_wipe(sk, 32);
        return AVILA_EFORMAT;
    }
    return 0;
}

/* ------------------------------------------------------------------ header parsing */

void avila_age_limits_default(struct avila_age_limits *l)
{
    l->max_header_len = 65536;
    l->max_stanzas = AVILA_AGE_MAX_STANZAS;
    l->max_args = AVILA_AGE_MAX_ARGS;
    l->max_body_len = 16384;
}

/* Parser position: the buffer, its usable length and the current offset. */
struct cursor {
    const uint8_t *buf;
    size_t n;   /* min(buffer length, max_header_len) */
    size_t cap; /* max_header_len */
    size_t avail;
    size_t pos;
};

/*
 * Finds the next line: *line / *len (without its LF) and advances past the
 * LF. Returns 0; AVILA_EAGAIN if no LF is buffered yet; AVILA_ELIMIT if the
 * header limit is reached without one.
 */
static int next_line(struct cursor *c, const uint8_t **line, size_t *len)
{
    for (size_t i = c->pos; i < c->n; i++) {
        if (c->buf[i] == '\n') {
            *line = c->buf + c->pos;
            *len = i - c->pos;
            c->pos = i + 1;
            return 0;
        }
    }
    return c->n >= c->cap ? AVILA_ELIMIT : AVILA_EAGAIN;
}

/* Splits "-> " arguments at single spaces into s. */
static int parse_args(struct avila_age_stanza *s, const uint8_t *p, size_t n, size_t max_args)
{
    size_t start = 0;
    s->nargs = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && p[i] != ' ') {
            if (!is_vchar(p[i]))
                return AVILA_EFORMAT;
            continue;
        }
        if (i == start)
            return AVILA_EFORMAT; /* empty argument: double, leading or trailing space */
        if (s->nargs == max_args)
            return AVILA_ELIMIT;
        s->args[s->nargs] = (const char *)p + start;
        s->arg_lens[s->nargs++] = i - start;
        start = i + 1;
    }
    return 0;
}

/*
 * Reads a stanza's body lines: full 64-column lines, then one shorter line
 * (maybe empty) that ends it. Each is checked as canonical base64.
 */
static int parse_body(struct cursor *c, struct avila_age_stanza *s, size_t max_body_len)
{
    uint8_t scratch[48];
    s->body = (const char *)c->buf + c->pos;
    s->body_len = 0;
    for (;;) {
        const uint8_t *line;
        size_t len, got;
        int rc = next_line(c, &line, &len);
        if (rc < 0)
            return rc;
        if (len > LINE_COLS || avila_base64_decode(scratch, sizeof scratch, (const char *)line, len,
                                                   AVILA_BASE64_NOPAD, &got) != 0)
            return AVILA_EFORMAT;
        s->body_len += got;
        if (s->body_len > max_body_len)
            return AVILA_ELIMIT;
        if (len < LINE_COLS)
            break;
    }
    s->body_text_len = (size_t)((const char *)c->buf + c->pos - s->body);
    return 0;
}

static int check_limits(const struct avila_age_limits *l)
{
    /* The header length is returned as an int. */
    if (l->max_header_len == 0 || l->max_header_len > INT_MAX || l->max_stanzas == 0 ||
        l->max_stanzas > AVILA_AGE_MAX_STANZAS || l->max_args == 0 ||
        l->max_args > AVILA_AGE_MAX_ARGS || l->max_body_len == 0)
        return AVILA_EINVAL;
    return 0;
}

static int parse_version(struct cursor *c)
{
    const uint8_t *line;
    size_t len;
    int rc = next_line(c, &line, &len);
    if (rc < 0)
        return rc;
    if (equals(line, len, version_line))
        return 0;
    size_t plen = sizeof version_prefix - 1;
    if (len <= plen || memcmp(line, version_prefix, plen) != 0)
        return AVILA_EFORMAT;
    for (size_t i = plen; i < len; i++)
        if (!is_vchar(line[i]))
            return AVILA_EFORMAT;
    return AVILA_EUNSUPPORTED;
}

/* The MAC line "--- " + 43 base64 characters, at *line (len bytes, no LF). */
static int parse_mac(struct avila_age_header *h, const uint8_t *line, size_t len)
{
    if (len != 4 + SHARE_B64 || line[3] != ' ')
        return AVILA_EFORMAT;
    return b64_exact(h->mac, sizeof h->mac, (const char *)line + 4, SHARE_B64);
}

/* 1 if stanza s's first argument is the NUL-terminated type t. */
static int stanza_is(const struct avila_age_stanza *s, const char *t)
{
    return equals(s->args[0], s->arg_lens[0], t);
}

int avila_age_header_parse(struct avila_age_header *h, const uint8_t *buf, size_t n,
                           const struct avila_age_limits *lim)
{
    struct avila_age_limits def;
    if (!lim) {
        avila_age_limits_default(&def);
        lim = &def;
    }
    if (check_limits(lim) != 0)
        return AVILA_EINVAL;
    struct cursor c = {buf, n < lim->max_header_len ? n : lim->max_header_len, lim->max_header_len,
                       n, 0};
    h->nstanzas = 0;
    h->text = buf;
    int rc = parse_version(&c);
    if (rc < 0)
        return rc;
    for (;;) {
        const uint8_t *line;
        size_t len;
        size_t start = c.pos;
        rc = next_line(&c, &line, &len);
        if (rc < 0)
            return rc;
        if (len >= 3 && memcmp(line, "---", 3) == 0) {
            if (h->nstanzas == 0)
                return AVILA_EFORMAT;
            rc = parse_mac(h, line, len);
            if (rc < 0)
                return rc;
            h->mac_input_len = start + 3;
            break;
        }
        if (len < 3 || memcmp(line, "-> ", 3) != 0)
            return AVILA_EFORMAT;
        if (h->nstanzas == lim->max_stanzas)
            return AVILA_ELIMIT;
        struct avila_age_stanza *s = &h->stanzas[h->nstanzas++];
        rc = parse_args(s, line + 3, len - 3, lim->max_args);
        if (rc == 0)
            rc = parse_body(&c, s, lim->max_body_len);
        if (rc < 0)
            return rc;
    }
    /* age.md: an scrypt stanza MUST be the only one (passphrase files are authenticated). */
    for (size_t i = 0; i < h->nstanzas; i++)
        if (stanza_is(&h->stanzas[i], "scrypt") && h->nstanzas != 1)
            return AVILA_EFORMAT;
    h->len = c.pos;
    return (int)c.pos;
}

int avila_age_stanza_body(const struct avila_age_stanza *s, uint8_t *dst, size_t cap)
{
    if (cap < s->body_len)
        return AVILA_ENOSPC;
    size_t off = 0, i = 0;
    /* Lines were validated by the parser: full lines are 64 columns, the last is shorter. */
    for (;;) {
        size_t len = 0, got = 0;
        while (s->body[i + len] != '\n')
            len++;
        avila_base64_decode(dst + off, cap - off, s->body + i, len, AVILA_BASE64_NOPAD, &got);
        off += got;
        i += len + 1;
        if (len < LINE_COLS)
            return 0;
    }
}

/* ------------------------------------------------------------------ header MAC */

/* HMAC-SHA-256 of the header text up to "---" under HKDF(file key, "", "header"). */
static int header_mac(uint8_t mac[32], const uint8_t *text, size_t n, const uint8_t file_key[16])
{
    uint8_t key[32];
    int rc = avila_hkdf(&avila_digest_sha256, key, sizeof key, NULL, 0, file_key,
                        AVILA_AGE_FILE_KEY_LEN, "header", 6);
    if (rc == 0)
        rc = avila_hmac(&avila_digest_sha256, key, sizeof key, text, n, mac);
    avila_wipe(key, sizeof key);
    return rc;
}

int avila_age_header_verify(const struct avila_age_header *h, const uint8_t file_key[16])
{
    uint8_t mac[32];
    int rc = header_mac(mac, h->text, h->mac_input_len, file_key);
    if (rc == 0 && !avila_ct_memeq(mac, h->mac, sizeof mac))
        rc = AVILA_EAUTH;
    avila_wipe(mac, sizeof mac);
    return rc;
}

/* ------------------------------------------------------------------ recipient stanzas */

/* Opens a 32-byte wrapped body (file key + tag) under wrap_key into file_key. */
static int open_body(const struct avila_age_stanza *s, const uint8_t wrap_key[32],
                     uint8_t file_key[16])
{
    uint8_t body[32];
    avila_age_stanza_body(s, body, sizeof body);
    int rc =
        avila_chacha20poly1305_open(file_key, body, 16, body + 16, NULL, 0, zero_nonce, wrap_key);
    avila_wipe(body, sizeof body);
    return rc;
}

/* The X25519 wrap key: HKDF(shared, share || recipient, label). */
static int x25519_wrap_key(uint8_t key[32], const uint8_t shared[32], const uint8_t share[32],
                           const uint8_t recipient[32])
{
    uint8_t salt[64];
    memcpy(salt, share, 32);
    memcpy(salt + 32, recipient, 32);
    return avila_hkdf(&avila_digest_sha256, key, 32, salt, sizeof salt, shared, 32, x25519_label,
                      sizeof x25519_label - 1);
}

/* Tries one identity on an X25519 stanza whose ephemeral share is share. */
static int try_x25519(const struct avila_age_stanza *s, const uint8_t share[32],
                      const uint8_t identity[32], uint8_t file_key[16])
{
    uint8_t shared[32], pub[32], key[32];
    int rc = avila_x25519(shared, identity, share);
    if (rc < 0) {
        rc = AVILA_EFORMAT; /* all-zero shared secret: age.md says abort */
        goto out;
    }
    avila_x25519_base(pub, identity);
    rc = x25519_wrap_key(key, shared, share, pub);
    if (rc == 0)
        rc = open_body(s, key, file_key) == 0 ? 0 : AVILA_ENOTFOUND;
out:
    avila_wipe(shared, sizeof shared);
    avila_wipe(key, sizeof key);
    return rc;
}

int avila_age_unwrap_x25519(const struct avila_age_header *h, const uint8_t (*identities)[32],
                            size_t n, uint8_t file_key[16])
{
    uint8_t share[32];
    for (size_t i = 0; i < h->nstanzas; i++) {
        const struct avila_age_stanza *s = &h->stanzas[i];
        if (!stanza_is(s, "X25519"))
            continue;
        /* Check the shape before any decryption (age.md: partitioning oracles). */
        if (s->nargs != 2 || b64_exact(share, 32, s->args[1], s->arg_lens[1]) != 0 ||
            s->body_len != 32)
            return AVILA_EFORMAT;
        for (size_t k = 0; k < n; k++) {
            int rc = try_x25519(s, share, identities[k], file_key);
            if (rc != AVILA_ENOTFOUND)
                return rc;
        }
    }
    return AVILA_ENOTFOUND;
}

/* The header's scrypt stanza, its salt and work factor; see avila_age_header_scrypt_log_n. */
static int scrypt_stanza(const struct avila_age_header *h, const struct avila_age_stanza **out,
                         uint8_t salt[16], unsigned *log_n)
{
    for (size_t i = 0; i < h->nstanzas; i++) {
        const struct avila_age_stanza *s = &h->stanzas[i];
        if (!stanza_is(s, "scrypt"))
            continue;
        if (s->nargs != 3 || b64_exact(salt, 16, s->args[1], s->arg_lens[1]) != 0 ||
            s->body_len != 32)
            return AVILA_EFORMAT;
        const char *d = s->args[2];
        size_t dn = s->arg_lens[2];
        if (dn > 2 || d[0] < '1' || d[0] > '9')
            return AVILA_EFORMAT;
        unsigned v = 0;
        for (size_t k = 0; k < dn; k++) {
            if (d[k] < '0' || d[k] > '9')
                return AVILA_EFORMAT;
            v = v * 10 + (unsigned)(d[k] - '0');
        }
        if (v > 63)
            return AVILA_EFORMAT;
        *out = s;
        *log_n = v;
        return 0;
    }
    return AVILA_ENOTFOUND;
}

int avila_age_header_scrypt_log_n(const struct avila_age_header *h, unsigned *log_n)
{
    const struct avila_age_stanza *s;
    uint8_t salt[16];
    return scrypt_stanza(h, &s, salt, log_n);
}

/* The scrypt wrap key for pw, salt and log_n (r 8, p 1). */
static int scrypt_wrap_key(uint8_t key[32], const void *pw, size_t pw_len, const uint8_t salt[16],
                           unsigned log_n, void *work, size_t work_size)
{
    uint8_t full[sizeof scrypt_label - 1 + 16];
    memcpy(full, scrypt_label, sizeof scrypt_label - 1);
    memcpy(full + sizeof scrypt_label - 1, salt, 16);
    int rc = avila_scrypt(key, 32, pw, pw_len, full, sizeof full, (uint64_t)1 << log_n, 8, 1, work,
                          work_size);
    return rc == AVILA_EINVAL ? AVILA_ELIMIT : rc;
}

int avila_age_unwrap_scrypt(const struct avila_age_header *h, const void *pw, size_t pw_len,
                            unsigned max_log_n, void *work, size_t work_size, uint8_t file_key[16])
{
    const struct avila_age_stanza *s;
    uint8_t salt[16], key[32];
    unsigned log_n;
    int rc = scrypt_stanza(h, &s, salt, &log_n);
    if (rc < 0)
        return rc;
    if (log_n > max_log_n)
        return AVILA_ELIMIT;
    rc = scrypt_wrap_key(key, pw, pw_len, salt, log_n, work, work_size);
    if (rc == 0)
        rc = open_body(s, key, file_key) == 0 ? 0 : AVILA_ENOTFOUND;
    avila_wipe(key, sizeof key);
    return rc;
}

/* ------------------------------------------------------------------ header writing */

/* Appends n bytes to dst at *len. */
static int put(uint8_t *dst, size_t cap, size_t *len, const void *src, size_t n)
{
    if (cap < *len || cap - *len < n)
        return AVILA_ENOSPC;
    memcpy(dst + *len, src, n);
    *len += n;
    return 0;
}

int avila_age_header_begin(uint8_t *dst, size_t cap, size_t *len)
{
    size_t l = *len;
    int rc = put(dst, cap, &l, version_line, sizeof version_line - 1);
    if (rc == 0)
        rc = put(dst, cap, &l, "\n", 1);
    if (rc == 0)
        *len = l;
    return rc;
}

/* Appends the body lines: 64 columns each, then a shorter (maybe empty) last line. */
static int put_body(uint8_t *dst, size_t cap, size_t *len, const uint8_t *body, size_t n)
{
    for (;;) {
        size_t take = n < 48 ? n : 48, w = 0;
        char line[LINE_COLS + 1];
        avila_base64_encode(line, sizeof line, body, take, AVILA_BASE64_NOPAD, &w);
        line[w++] = '\n';
        int rc = put(dst, cap, len, line, w);
        if (rc < 0)
            return rc;
        body += take;
        n -= take;
        if (take < 48)
            return 0;
    }
}

int avila_age_stanza_write(uint8_t *dst, size_t cap, size_t *len, const char *const *args,
                           const size_t *arg_lens, size_t nargs, const uint8_t *body,
                           size_t body_len)
{
    if (nargs == 0 || nargs > AVILA_AGE_MAX_ARGS)
        return AVILA_EINVAL;
    for (size_t i = 0; i < nargs; i++) {
        if (arg_lens[i] == 0)
            return AVILA_EINVAL;
        for (size_t k = 0; k < arg_lens[i]; k++)
            if (!is_vchar((uint8_t)args[i][k]))
                return AVILA_EINVAL;
    }
    size_t l = *len;
    int rc = put(dst, cap, &l, "->", 2);
    for (size_t i = 0; i < nargs && rc == 0; i++) {
        rc = put(dst, cap, &l, " ", 1);
        if (rc == 0)
            rc = put(dst, cap, &l, args[i], arg_lens[i]);
    }
    if (rc == 0)
        rc = put(dst, cap, &l, "\n", 1);
    if (rc == 0)
        rc = put_body(dst, cap, &l, body, body_len);
    if (rc == 0)
        *len = l;
    return rc;
}

/* Writes a stanza "-> type b64(arg)" + [extra] whose body wraps file_key under wrap_key. */
static int write_wrapped(uint8_t *dst, size_t cap, size_t *len, const char *type,
                         const uint8_t *arg, size_t arg_len, const char *extra,
                         const uint8_t wrap_key[32], const uint8_t file_key[16])
{
    uint8_t body[32];
    char b64[SHARE_B64 + 1];
    size_t b64_len = 0, n = 0;
    avila_base64_encode(b64, sizeof b64, arg, arg_len, AVILA_BASE64_NOPAD, &b64_len);
    avila_chacha20poly1305_seal(body, body + 16, file_key, 16, NULL, 0, zero_nonce, wrap_key);
    const char *args[3] = {type, b64, extra};
    size_t lens[3] = {0, b64_len, 0};
    while (type[lens[0]] != '\0')
        lens[0]++;
    while (extra && extra[lens[2]] != '\0')
        lens[2]++;
    n = extra ? 3 : 2;
    int rc = avila_age_stanza_write(dst, cap, len, args, lens, n, body, sizeof body);
    avila_wipe(body, sizeof body);
    return rc;
}

int avila_age_stanza_x25519(uint8_t *dst, size_t cap, size_t *len, const uint8_t recipient[32],
                            const uint8_t ephemeral[32], const uint8_t file_key[16])
{
    uint8_t share[32], shared[32], key[32];
    avila_x25519_base(share, ephemeral);
    int rc = avila_x25519(shared, ephemeral, recipient);
    if (rc < 0) {
        rc = AVILA_EINVAL;
        goto out;
    }
    rc = x25519_wrap_key(key, shared, share, recipient);
    if (rc == 0)
        rc = write_wrapped(dst, cap, len, "X25519", share, 32, NULL, key, file_key);
out:
    avila_wipe(shared, sizeof shared);
    avila_wipe(key, sizeof key);
    return rc;
}

int avila_age_stanza_scrypt(uint8_t *dst, size_t cap, size_t *len, const void *pw, size_t pw_len,
                            const uint8_t salt[16], unsigned log_n, void *work, size_t work_size,
                            const uint8_t file_key[16])
{
    uint8_t key[32];
    char digits[3] = {0};
    if (log_n < 1 || log_n > AVILA_AGE_SCRYPT_MAX_LOG_N)
        return AVILA_EINVAL;
    if (log_n >= 10) {
        digits[0] = (char)('0' + log_n / 10);
        digits[1] = (char)('0' + log_n % 10);
    } else {
        digits[0] = (char)('0' + log_n);
    }
    int rc = scrypt_wrap_key(key, pw, pw_len, salt, log_n, work, work_size);
    if (rc == 0)
        rc = write_wrapped(dst, cap, len, "scrypt", salt, 16, digits, key, file_key);
    avila_wipe(key, sizeof key);
    return rc;
}

int avila_age_header_end(uint8_t *dst, size_t cap, size_t *len, const uint8_t file_key[16])
{
    uint8_t mac[32];
    char line[4 + SHARE_B64 + 1];
    size_t l = *len, w = 0;
    int rc = put(dst, cap, &l, "---", 3);
    if (rc < 0)
        return rc;
    rc = header_mac(mac, dst, l, file_key);
    if (rc < 0)
        return rc;
    avila_base64_encode(line + 1, sizeof line - 1, mac, sizeof mac, AVILA_BASE64_NOPAD, &w);
    line[0] = ' ';
    line[1 + w] = '\n';
    rc = put(dst, cap, &l, line, w + 2);
    if (rc == 0)
        *len = l;
    return rc;
}

/* ------------------------------------------------------------------ STREAM payload */

enum { RUNNING = 0, LAST_DONE = 1, FINISHED = 2 };

void avila_age_stream_init(struct avila_age_stream *s, const uint8_t file_key[16],
                           const uint8_t nonce[16], int encrypt)
{
    /* HKDF with a 16-byte salt and fixed sizes cannot fail. */
    (void)avila_hkdf(&avila_digest_sha256, s->key, sizeof s->key, nonce, AVILA_AGE_NONCE_LEN,
                     file_key, AVILA_AGE_FILE_KEY_LEN, "payload", 7);
    memset(s->nonce, 0, sizeof s->nonce);
    s->len = 0;
    s->chunks = 0;
    s->state = RUNNING;
    s->encrypt = encrypt != 0;
    s->pending = 0;
}

void avila_age_stream_wipe(struct avila_age_stream *s)
{
    avila_wipe(s, sizeof *s);
}

/* Sets the nonce for the current chunk: 11-byte big-endian counter, then the last flag. */
static void set_nonce(struct avila_age_stream *s, int last)
{
    uint64_t c = s->chunks;
    memset(s->nonce, 0, 3);
    for (int i = 10; i >= 3; i--) {
        s->nonce[i] = (uint8_t)c;
        c >>= 8;
    }
    s->nonce[11] = (uint8_t)(last != 0);
}

/* Records error rc in s (wiping the key and data) and returns it. */
static int fail(struct avila_age_stream *s, int rc)
{
    avila_wipe(s, sizeof *s);
    s->state = rc;
    return rc;
}

/* Starts a call: drops the output of the previous one and checks direction and state. */
static int enter(struct avila_age_stream *s, int encrypt)
{
    if (s->state < 0 || s->encrypt != encrypt || s->state == FINISHED)
        return AVILA_ESTATE;
    if (s->pending) {
        s->pending = 0;
        s->len = 0;
    }
    return 0;
}

/* Opens the n-byte chunk in buf in place as last or not; on success hands it out. */
static int open_chunk(struct avila_age_stream *s, size_t n, int last, const uint8_t **out,
                      size_t *out_len)
{
    set_nonce(s, last);
    size_t pt = n - AVILA_AGE_TAG_LEN;
    int rc =
        avila_chacha20poly1305_open(s->buf, s->buf, pt, s->buf + pt, NULL, 0, s->nonce, s->key);
    if (rc < 0)
        return rc;
    s->chunks++;
    s->pending = 1;
    *out = s->buf;
    *out_len = pt;
    return 0;
}

int avila_age_decrypt_update(struct avila_age_stream *s, const uint8_t *in, size_t n,
                             const uint8_t **out, size_t *out_len)
{
    *out = s->buf; /* never NULL, so a memcpy of *out_len bytes is always defined */
    *out_len = 0;
    int rc = enter(s, 0);
    if (rc < 0)
        return rc;
    if (n == 0)
        return 0;
    if (s->state == LAST_DONE)
        return fail(s, AVILA_EFORMAT); /* data after the final chunk */
    size_t take = AVILA_AGE_ENC_CHUNK_LEN - s->len;
    if (take > n)
        take = n;
    memcpy(s->buf + s->len, in, take);
    s->len += take;
    if (s->len < AVILA_AGE_ENC_CHUNK_LEN)
        return (int)take;
    /* A full chunk is a middle chunk, or a full final one: only the tag can tell. */
    if (open_chunk(s, s->len, 0, out, out_len) == 0)
        return (int)take;
    if (open_chunk(s, s->len, 1, out, out_len) == 0) {
        s->state = LAST_DONE;
        return (int)take;
    }
    return fail(s, AVILA_EAUTH);
}

int avila_age_decrypt_final(struct avila_age_stream *s, const uint8_t **out, size_t *out_len)
{
    *out = s->buf; /* never NULL, so a memcpy of *out_len bytes is always defined */
    *out_len = 0;
    int rc = enter(s, 0);
    if (rc < 0)
        return rc;
    if (s->state == LAST_DONE) {
        avila_wipe(s->key, sizeof s->key);
        s->state = FINISHED;
        return 0;
    }
    /* No final chunk (truncation), a stub shorter than a tag, or an empty final chunk after data.
     */
    if (s->len < AVILA_AGE_TAG_LEN || (s->len == AVILA_AGE_TAG_LEN && s->chunks > 0))
        return fail(s, AVILA_EFORMAT);
    if (open_chunk(s, s->len, 1, out, out_len) < 0)
        return fail(s, AVILA_EAUTH);
    avila_wipe(s->key, sizeof s->key);
    s->state = FINISHED;
    return 0;
}

/* Seals the len plaintext bytes in buf in place as last or not and hands the chunk out. */
static int seal_chunk(struct avila_age_stream *s, int last, const uint8_t **out, size_t *out_len)
{
    if (s->chunks == UINT64_MAX)
        return fail(s, AVILA_ELIMIT);
    set_nonce(s, last);
    avila_chacha20poly1305_seal(s->buf, s->buf + s->len, s->buf, s->len, NULL, 0, s->nonce, s->key);
    s->chunks++;
    s->pending = 1;
    *out = s->buf;
    *out_len = s->len + AVILA_AGE_TAG_LEN;
    return 0;
}

int avila_age_encrypt_update(struct avila_age_stream *s, const uint8_t *in, size_t n,
                             const uint8_t **out, size_t *out_len)
{
    *out = s->buf; /* never NULL, so a memcpy of *out_len bytes is always defined */
    *out_len = 0;
    int rc = enter(s, 1);
    if (rc < 0)
        return rc;
    if (n == 0)
        return 0;
    /* A full buffer followed by more plaintext is a middle chunk. */
    if (s->len == AVILA_AGE_CHUNK_LEN)
        return seal_chunk(s, 0, out, out_len);
    size_t take = AVILA_AGE_CHUNK_LEN - s->len;
    if (take > n)
        take = n;
    memcpy(s->buf + s->len, in, take);
    s->len += take;
    return (int)take;
}

int avila_age_encrypt_final(struct avila_age_stream *s, const uint8_t **out, size_t *out_len)
{
    *out = s->buf; /* never NULL, so a memcpy of *out_len bytes is always defined */
    *out_len = 0;
    int rc = enter(s, 1);
    if (rc < 0)
        return rc;
    rc = seal_chunk(s, 1, out, out_len);
    if (rc < 0)
        return rc;
    avila_wipe(s->key, sizeof s->key);
    s->state = FINISHED;
    return 0;
}

/* ------------------------------------------------------------------ ASCII armor */

enum { ARMOR_PRE, ARMOR_BEGIN, ARMOR_BODY, ARMOR_AFTER, ARMOR_ENCODING, ARMOR_ERROR };

#define ARMOR_LINE_MAX 66 /* longest line kept: 64 columns and a CR, or the markers */

void avila_age_armor_init(struct avila_age_armor *a)
{
    memset(a, 0, sizeof *a);
    a->state = ARMOR_PRE;
}

/* Appends the base64 line of the n bytes at src (padded) and LF at dst + *w. */
static void armor_line(char *dst, size_t *w, const uint8_t *src, size_t n)
{
    size_t got = 0;
    avila_base64_encode(dst + *w, LINE_COLS, src, n, 0, &got);
    *w += got;
    dst[(*w)++] = '\n';
}

static void armor_marker(char *dst, size_t *w, const char *m)
{
    while (*m)
        dst[(*w)++] = *m++;
    dst[(*w)++] = '\n';
}

int avila_age_armor_encode_update(struct avila_age_armor *a, char *dst, size_t cap,
                                  const uint8_t *src, size_t n, size_t *out_len)
{
    if (a->state != ARMOR_PRE && a->state != ARMOR_ENCODING)
        return AVILA_ESTATE;
    if (n > (SIZE_MAX - 200) / 2 || cap < AVILA_AGE_ARMOR_ENCODE_MAX(n))
        return AVILA_ENOSPC;
    size_t w = 0;
    if (a->state == ARMOR_PRE) {
        armor_marker(dst, &w, AVILA_AGE_ARMOR_BEGIN);
        a->state = ARMOR_ENCODING;
    }
    while (n > 0) {
        size_t take = 48 - a->len < n ? 48 - a->len : n;
        memcpy(a->rem + a->len, src, take);
        a->len += take;
        src += take;
        n -= take;
        if (a->len == 48) {
            armor_line(dst, &w, a->rem, 48);
            a->len = 0;
        }
    }
    *out_len = w;
    return 0;
}

int avila_age_armor_encode_final(struct avila_age_armor *a, char *dst, size_t cap, size_t *out_len)
{
    size_t w = 0;
    if (a->state != ARMOR_PRE && a->state != ARMOR_ENCODING)
        return AVILA_ESTATE;
    if (cap < AVILA_AGE_ARMOR_FINAL_MAX)
        return AVILA_ENOSPC;
    if (a->state == ARMOR_PRE)
        armor_marker(dst, &w, AVILA_AGE_ARMOR_BEGIN);
    if (a->len > 0)
        armor_line(dst, &w, a->rem, a->len);
    armor_marker(dst, &w, AVILA_AGE_ARMOR_END);
    avila_age_armor_init(a);
    a->state = ARMOR_AFTER;
    *out_len = w;
    return 0;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Handles one complete armor line (without LF and CR); decoded bytes go to dst + *w. */
static int armor_take_line(struct avila_age_armor *a, uint8_t *dst, size_t *w)
{
    const char *l = a->line;
    size_t n = a->len, got = 0;
    if (a->state == ARMOR_BEGIN) {
        if (!equals(l, n, AVILA_AGE_ARMOR_BEGIN))
            return AVILA_EFORMAT;
        a->state = ARMOR_BODY;
        return 0;
    }
    if (equals(l, n, AVILA_AGE_ARMOR_END)) {
        if (a->body == 0)
            return AVILA_EFORMAT;
        a->state = ARMOR_AFTER;
        return 0;
    }
    /* After a short or padded line only the END line may come; lines are 1..64 columns. */
    if (a->padded || n == 0 || n > LINE_COLS ||
        avila_base64_decode(dst + *w, 48, l, n, 0, &got) != 0)
        return AVILA_EFORMAT;
    *w += got;
    a->body++;
    a->padded = n < LINE_COLS || l[n - 1] == '=';
    return 0;
}

int avila_age_armor_decode_update(struct avila_age_armor *a, uint8_t *dst, size_t cap,
                                  const char *src, size_t n, size_t *out_len)
{
    if (a->state == ARMOR_ERROR || a->state == ARMOR_ENCODING)
        return AVILA_ESTATE;
    if (n > SIZE_MAX - 64 || cap < AVILA_AGE_ARMOR_DECODE_MAX(n))
        return AVILA_ENOSPC;
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        char c = src[i];
        if (a->state == ARMOR_PRE || a->state == ARMOR_AFTER) {
            if (is_space(c))
                continue;
            if (a->state == ARMOR_AFTER)
                goto bad;
            a->state = ARMOR_BEGIN;
        }
        if (c != '\n') {
            if (a->len == ARMOR_LINE_MAX)
                goto bad;
            a->line[a->len++] = c;
            continue;
        }
        /* LF or CRLF ends a line. */
        if (a->len > 0 && a->line[a->len - 1] == '\r')
            a->len--;
        if (armor_take_line(a, dst, &w) < 0)
            goto bad;
        a->len = 0;
    }
    *out_len = w;
    return 0;
bad:
    a->state = ARMOR_ERROR;
    return AVILA_EFORMAT;
}

int avila_age_armor_decode_final(struct avila_age_armor *a)
{
    /* The END line may lack its line end at the very end of the input. */
    if (a->state == ARMOR_BODY && equals(a->line, a->len, AVILA_AGE_ARMOR_END) && a->body > 0)
        a->state = ARMOR_AFTER;
    if (a->state != ARMOR_AFTER) {
        a->state = ARMOR_ERROR;
        return AVILA_EFORMAT;
    }
    return 0;
}
