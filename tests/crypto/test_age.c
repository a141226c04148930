/*
 * tests/crypto/test_age.c - crypto/age: the age testkit vectors
 * (tests/vectors/age/testkit.txt, from C2SP/CCTV via FiloSottile/age), the
 * spec's key pair, header parsing edge cases and limits, header writing
 * round trips, X25519 and scrypt stanzas, the STREAM payload at chunk
 * boundaries (0, 1, 64 KiB - 1, 64 KiB, 64 KiB + 1, several chunks) with
 * truncation, reordering, tampering and trailing data, and ASCII armor.
 */
#include "tests/support/unit.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "crypto/aead.h"
#include "crypto/age.h"
#include "crypto/digest.h"
#include "crypto/kdf.h"
#include "crypto/sha2.h"
#include "crypto/x25519.h"

#define CHUNK     ((size_t)AVILA_AGE_CHUNK_LEN)
#define ENC_CHUNK ((size_t)AVILA_AGE_ENC_CHUNK_LEN)
#define TEST_LOGN 10 /* scrypt work factor for our own round trips (the testkit uses 10 too) */

static struct avila_age_stream stream; /* 64 KiB: kept off the stack */

/* ------------------------------------------------------------------ helpers */

/* A growable byte string. */
struct bytes {
    uint8_t *p;
    size_t n, cap;
};

static void append(struct bytes *b, const void *src, size_t n)
{
    if (n == 0)
        return;
    if (!src) {
        fail_msg("append: no data");
        return;
    }
    if (!b->p || b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    memcpy(b->p + b->n, src, n);
    b->n += n;
}

/* Outcome classes of the testkit, in the order a decryptor meets them. */
enum outcome { SUCCESS, NO_MATCH, HMAC_FAILURE, HEADER_FAILURE, PAYLOAD_FAILURE, ARMOR_FAILURE };

static const char *const outcome_names[] = {"success",        "no match",        "HMAC failure",
                                            "header failure", "payload failure", "armor failure"};

/* What a decryption got: the outcome, the plaintext released, and the file key. */
struct result {
    enum outcome outcome;
    struct bytes plain;
    uint8_t file_key[16];
    int have_key;
};

/* Feeds the payload to a decrypting stream in pieces of the given size; appends released text. */
static int decrypt_payload(const uint8_t *file_key, const uint8_t *nonce, const uint8_t *p,
                           size_t n, size_t piece, struct bytes *out)
{
    const uint8_t *pt;
    size_t pt_len;
    avila_age_stream_init(&stream, file_key, nonce, 0);
    while (n > 0) {
        size_t k = n < piece ? n : piece;
        int took = avila_age_decrypt_update(&stream, p, k, &pt, &pt_len);
        if (took < 0)
            return took;
        assert_true((size_t)took <= k);
        append(out, pt, pt_len);
        p += took;
        n -= (size_t)took;
    }
    int rc = avila_age_decrypt_final(&stream, &pt, &pt_len);
    if (rc == 0)
        append(out, pt, pt_len);
    avila_age_stream_wipe(&stream);
    return rc;
}

/*
 * Decrypts a whole file with identities or passphrases, the way the CLI
 * does, classifying the failure.
 */
static void decrypt_file(const uint8_t *file, size_t n, const uint8_t (*ids)[32], size_t nids,
                         const char *const *pws, size_t npws, size_t piece, struct result *r)
{
    struct avila_age_header h;
    memset(r, 0, sizeof *r);
    int len = avila_age_header_parse(&h, file, n, NULL);
    if (len < 0 || n - (size_t)len < AVILA_AGE_NONCE_LEN) {
        r->outcome = HEADER_FAILURE;
        return;
    }
    int rc = AVILA_ENOTFOUND;
    unsigned log_n;
    if (avila_age_header_scrypt_log_n(&h, &log_n) == AVILA_ENOTFOUND) {
        rc = avila_age_unwrap_x25519(&h, ids, nids, r->file_key);
    } else {
        for (size_t i = 0; i < npws && rc == AVILA_ENOTFOUND; i++) {
            size_t ws = log_n <= 22 ? AVILA_AGE_SCRYPT_WORK_SIZE(log_n) : 0;
            void *work = ws ? malloc(ws) : NULL;
            rc = avila_age_unwrap_scrypt(&h, pws[i], strlen(pws[i]), AVILA_AGE_SCRYPT_MAX_LOG_N,
                                         work, ws, r->file_key);
            free(work);
        }
        if (npws == 0 && avila_age_header_scrypt_log_n(&h, &log_n) < 0)
            rc = AVILA_EFORMAT;
    }
    if (rc == AVILA_ENOTFOUND) {
        r->outcome = NO_MATCH;
        return;
    }
    if (rc < 0) {
        r->outcome = HEADER_FAILURE;
        return;
    }
    r->have_key = 1;
    if (avila_age_header_verify(&h, r->file_key) != 0) {
        r->outcome = HMAC_FAILURE;
        return;
    }
    const uint8_t *nonce = file + len;
    const uint8_t *payload = nonce + AVILA_AGE_NONCE_LEN;
    size_t plen = n - (size_t)len - AVILA_AGE_NONCE_LEN;
    rc = decrypt_payload(r->file_key, nonce, payload, plen, piece, &r->plain);
    r->outcome = rc == 0 ? SUCCESS : PAYLOAD_FAILURE;
}

/* Armor-decodes text in pieces; returns 0 or the error. */
static int dearmor(const uint8_t *text, size_t n, size_t piece, struct bytes *out)
{
    struct avila_age_armor a;
    avila_age_armor_init(&a);
    uint8_t *buf = malloc(piece + 64);
    assert_non_null(buf);
    int rc = 0;
    for (size_t off = 0; off < n && rc == 0; off += piece) {
        size_t k = n - off < piece ? n - off : piece, got = 0;
        rc = avila_age_armor_decode_update(&a, buf, piece + 64, (const char *)text + off, k, &got);
        if (rc == 0)
            append(out, buf, got);
    }
    free(buf);
    return rc == 0 ? avila_age_armor_decode_final(&a) : rc;
}

/* ------------------------------------------------------------------ testkit */

/* Expands the "file" field: hex tokens and seal:<fill>:<len>:<chunk>:<last>:<tag> tokens. */
static void build_file(struct tv_file *tv, struct bytes *file)
{
    char *spec = strdup(tv_str(tv, "file"));
    uint8_t file_key[16], nonce[16], key[32];
    assert_non_null(spec);
    for (char *save = NULL, *tok = strtok_r(spec, " ", &save); tok;
         tok = strtok_r(NULL, " ", &save)) {
        if (strncmp(tok, "seal:", 5) != 0) {
            size_t n = strlen(tok) / 2;
            uint8_t *b = malloc(n + 1);
            assert_int_equal(unit_unhex(tok, b, n), n);
            append(file, b, n);
            free(b);
            continue;
        }
        /* seal:<fill hex>:<len>:<chunk>:<last>:<tag hex> */
        char *f = tok + 5, *end;
        unsigned long fill = strtoul(f, &end, 16), len = 0, chunk = 0, last = 0;
        assert_true(*end == ':');
        len = strtoul(end + 1, &end, 10);
        assert_true(*end == ':');
        chunk = strtoul(end + 1, &end, 10);
        assert_true(*end == ':');
        last = strtoul(end + 1, &end, 10);
        assert_true(*end == ':' && strlen(end + 1) == 32);
        const char *tag_hex = end + 1;
        size_t kl, nl;
        uint8_t *k = tv_hex(tv, "file_key", &kl), *nn = tv_hex(tv, "payload_nonce", &nl);
        assert_int_equal(kl, 16);
        assert_int_equal(nl, 16);
        memcpy(file_key, k, 16);
        memcpy(nonce, nn, 16);
        free(k);
        free(nn);
        assert_int_equal(
            avila_hkdf(&avila_digest_sha256, key, 32, nonce, 16, file_key, 16, "payload", 7), 0);
        uint8_t n12[12] = {0}, tag[16], want_tag[16];
        for (int i = 10; i >= 0 && chunk; i--, chunk >>= 8)
            n12[i] = (uint8_t)chunk;
        n12[11] = (uint8_t)last;
        uint8_t *buf = malloc(len + 1);
        memset(buf, (int)fill, len);
        assert_int_equal(avila_chacha20poly1305_seal(buf, tag, buf, len, NULL, 0, n12, key), 0);
        /* The tag the generator's OpenSSL computed: checks our AEAD on 64 KiB chunks too. */
        assert_int_equal(unit_unhex(tag_hex, want_tag, 16), 16);
        assert_memory_equal(tag, want_tag, 16);
        append(file, buf, len);
        append(file, tag, 16);
        free(buf);
    }
    free(spec);
}

/* Collects identity, identity1, ... and passphrase, passphrase1, ... */
static size_t record_list(struct tv_file *tv, const char *key, const char **out, size_t cap)
{
    size_t n = 0;
    char name[32];
    for (int i = 0; n < cap; i++) {
        if (i == 0)
            snprintf(name, sizeof name, "%s", key);
        else
            snprintf(name, sizeof name, "%s%d", key, i);
        if (!tv_has(tv, name))
            break;
        out[n++] = tv_str(tv, name);
    }
    return n;
}

static void test_testkit(void **state)
{
    (void)state;
    struct tv_file tv;
    int counts[6] = {0}, total = 0;
    tv_open(&tv, "age/testkit.txt");
    while (tv_next(&tv)) {
        const char *name = tv_str(&tv, "name"), *expect = tv_str(&tv, "expect");
        const char *id_str[8], *pws[8];
        uint8_t ids[8][32];
        size_t nids = record_list(&tv, "identity", id_str, 8);
        size_t npws = record_list(&tv, "passphrase", pws, 8);
        for (size_t i = 0; i < nids; i++)
            assert_int_equal(avila_age_identity_decode(ids[i], id_str[i], strlen(id_str[i])), 0);
        struct bytes file = {0}, bin = {0};
        build_file(&tv, &file);
        const uint8_t *p = file.p;
        size_t n = file.n;
        struct result r;
        int armored = tv_has(&tv, "armored");
        if (armored && dearmor(file.p, file.n, 1000, &bin) != 0) {
            memset(&r, 0, sizeof r);
            r.outcome = ARMOR_FAILURE;
        } else {
            if (armored) {
                p = bin.p;
                n = bin.n;
            }
            /* Two feeding patterns: whole chunks and odd pieces. */
            decrypt_file(p, n, (const uint8_t(*)[32])ids, nids, pws, npws, 7777, &r);
            struct result r2;
            decrypt_file(p, n, (const uint8_t(*)[32])ids, nids, pws, npws, ENC_CHUNK, &r2);
            assert_int_equal(r2.outcome, r.outcome);
            assert_int_equal(r2.plain.n, r.plain.n);
            free(r2.plain.p);
        }
        if (strcmp(outcome_names[r.outcome], expect) != 0)
            fail_msg("%s: got \"%s\", want \"%s\"", name, outcome_names[r.outcome], expect);
        if (r.have_key) {
            size_t kl;
            uint8_t *k = tv_hex(&tv, "file_key", &kl);
            assert_memory_equal(r.file_key, k, 16);
            free(k);
        }
        if (tv_has(&tv, "payload")) {
            uint8_t sum[32], *want;
            size_t wl;
            want = tv_hex(&tv, "payload", &wl);
            avila_sha256(r.plain.p, r.plain.n, sum);
            if (memcmp(sum, want, 32) != 0)
                fail_msg("%s: released plaintext (%zu bytes) differs", name, r.plain.n);
            free(want);
        }
        counts[r.outcome]++;
        total++;
        free(r.plain.p);
        free(file.p);
        free(bin.p);
    }
    tv_close(&tv);
    print_message("age testkit: %d files (success %d, no match %d, HMAC failure %d, header "
                  "failure %d, payload failure %d, armor failure %d)\n",
                  total, counts[0], counts[1], counts[2], counts[3], counts[4], counts[5]);
    assert_int_equal(total, 73);
}

/* ------------------------------------------------------------------ keys */

static void test_keys(void **state)
{
    (void)state;
    /* C2SP age.md, "The X25519 recipient type". */
    const char *id = "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX";
    const char *rcpt = "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj";
    uint8_t sk[32], pub[32], pub2[32];
    char s[128];
    assert_int_equal(avila_age_identity_decode(sk, id, strlen(id)), 0);
    for (int i = 0; i < 32; i++)
        assert_int_equal(sk[i], 0x42);
    avila_x25519_base(pub, sk);
    assert_int_equal(avila_age_recipient_encode(s, sizeof s, pub), 0);
    assert_memory_equal(s, rcpt, AVILA_AGE_RECIPIENT_LEN);
    assert_int_equal(avila_age_identity_encode(s, sizeof s, sk), 0);
    assert_memory_equal(s, id, AVILA_AGE_IDENTITY_LEN);
    assert_int_equal(avila_age_recipient_decode(pub2, rcpt, strlen(rcpt)), 0);
    assert_memory_equal(pub, pub2, 32);
    /* Case and type rules: identities uppercase, recipients lowercase, HRPs not swapped. */
    char low[80], up[80];
    for (size_t i = 0; i <= strlen(id); i++)
        low[i] = (char)(id[i] >= 'A' && id[i] <= 'Z' ? id[i] + 32 : id[i]);
    for (size_t i = 0; i <= strlen(rcpt); i++)
        up[i] = (char)(rcpt[i] >= 'a' && rcpt[i] <= 'z' ? rcpt[i] - 32 : rcpt[i]);
    assert_int_equal(avila_age_identity_decode(sk, low, strlen(low)), AVILA_EFORMAT);
    assert_int_equal(avila_age_recipient_decode(pub2, up, strlen(up)), AVILA_EFORMAT);
    assert_int_equal(avila_age_recipient_decode(pub2, id, strlen(id)), AVILA_EFORMAT);
    assert_int_equal(avila_age_identity_decode(sk, rcpt, strlen(rcpt)), AVILA_EFORMAT);
    assert_int_equal(avila_age_recipient_decode(pub2, rcpt, strlen(rcpt) - 1), AVILA_EFORMAT);
    memcpy(up, rcpt, strlen(rcpt) + 1);
    up[20] = up[20] == 'q' ? 'p' : 'q';
    assert_int_equal(avila_age_recipient_decode(pub2, up, strlen(rcpt)), AVILA_EFORMAT);
    assert_int_equal(avila_age_recipient_encode(s, 61, pub), AVILA_ENOSPC);
}

/* ------------------------------------------------------------------ header */

/* A header with one stanza per (type, body length) plus the MAC, in buf. */
static size_t make_header(uint8_t *buf, size_t cap, size_t nstanzas, size_t body_len,
                          const uint8_t file_key[16])
{
    size_t len = 0;
    uint8_t body[300];
    for (size_t i = 0; i < sizeof body; i++)
        body[i] = (uint8_t)i;
    assert_int_equal(avila_age_header_begin(buf, cap, &len), 0);
    for (size_t i = 0; i < nstanzas; i++) {
        const char *args[3] = {"test", "a!~", "b"};
        size_t lens[3] = {4, 3, 1};
        assert_int_equal(avila_age_stanza_write(buf, cap, &len, args, lens, 3, body, body_len), 0);
    }
    assert_int_equal(avila_age_header_end(buf, cap, &len, file_key), 0);
    return len;
}

static void test_header_round_trip(void **state)
{
    (void)state;
    static const uint8_t key[16] = {1, 2, 3};
    static const size_t body_lens[] = {0, 1, 2, 3, 47, 48, 49, 95, 96, 97, 300};
    uint8_t buf[4096], body[300];
    for (size_t b = 0; b < sizeof body_lens / sizeof body_lens[0]; b++) {
        size_t len = make_header(buf, sizeof buf, 2, body_lens[b], key);
        struct avila_age_header h;
        assert_int_equal(avila_age_header_parse(&h, buf, len, NULL), (int)len);
        assert_int_equal(h.nstanzas, 2);
        assert_int_equal(h.stanzas[1].nargs, 3);
        assert_memory_equal(h.stanzas[1].args[1], "a!~", 3);
        assert_int_equal(h.stanzas[0].body_len, body_lens[b]);
        assert_int_equal(avila_age_stanza_body(&h.stanzas[0], body, sizeof body), 0);
        for (size_t i = 0; i < body_lens[b]; i++)
            assert_int_equal(body[i], (uint8_t)i);
        if (body_lens[b] > 0)
            assert_int_equal(avila_age_stanza_body(&h.stanzas[0], body, body_lens[b] - 1),
                             AVILA_ENOSPC);
        assert_int_equal(avila_age_header_verify(&h, key), 0);
        uint8_t other[16] = {1, 2, 4};
        assert_int_equal(avila_age_header_verify(&h, other), AVILA_EAUTH);
        /* Trailing bytes after the header are not part of it. */
        buf[len] = 0xff;
        assert_int_equal(avila_age_header_parse(&h, buf, len + 1, NULL), (int)len);
        /* Every proper prefix is incomplete, read with nothing past its end. */
        for (size_t k = 0; k < len; k++) {
            uint8_t *g = unit_guarded_alloc(k);
            memcpy(g, buf, k);
            assert_int_equal(avila_age_header_parse(&h, g, k, NULL), AVILA_EAGAIN);
            unit_guarded_free(g, k);
        }
    }
    /* Writers refuse bad arguments and short buffers, writing nothing. */
    size_t len = 0;
    const char *bad[1] = {"a b"};
    size_t bad_len[1] = {3};
    assert_int_equal(avila_age_stanza_write(buf, sizeof buf, &len, bad, bad_len, 1, NULL, 0),
                     AVILA_EINVAL);
    bad_len[0] = 0;
    assert_int_equal(avila_age_stanza_write(buf, sizeof buf, &len, bad, bad_len, 1, NULL, 0),
                     AVILA_EINVAL);
    assert_int_equal(avila_age_stanza_write(buf, sizeof buf, &len, bad, bad_len, 0, NULL, 0),
                     AVILA_EINVAL);
    assert_int_equal(avila_age_header_begin(buf, 5, &len), AVILA_ENOSPC);
    assert_int_equal(len, 0);
}

/* Parses text as a header; returns the result. */
static int parse_text(const char *text)
{
    struct avila_age_header h;
    return avila_age_header_parse(&h, (const uint8_t *)text, strlen(text), NULL);
}

#define MAC_LINE "--- Vn+54jqiiUCE+WZcEVY3f1sqHjlu/z1LCQ/T7Xm7qI0\n"

static void test_header_strict(void **state)
{
    (void)state;
    const char *v = "age-encryption.org/v1\n";
    char t[600];
    /* Well-formed. */
    snprintf(t, sizeof t, "%s-> a\n\n" MAC_LINE, v);
    assert_true(parse_text(t) > 0);
    struct {
        const char *text;
        int rc;
    } cases[] = {
        {"age-encryption.org/v2\n-> a\n\n" MAC_LINE, AVILA_EUNSUPPORTED},
        {"age-encryption.org/\n-> a\n\n" MAC_LINE, AVILA_EFORMAT},
        {"age-encryption.org/v1 \n-> a\n\n" MAC_LINE, AVILA_EFORMAT},
        {"age-encryption.org/v1.1\n-> a\n\n" MAC_LINE, AVILA_EUNSUPPORTED},
        {"age-encryption.org/v1\n" MAC_LINE, AVILA_EFORMAT},            /* no stanza */
        {"age-encryption.org/v1\n->\n\n" MAC_LINE, AVILA_EFORMAT},      /* no argument */
        {"age-encryption.org/v1\n-> \n\n" MAC_LINE, AVILA_EFORMAT},     /* empty argument */
        {"age-encryption.org/v1\n-> a  b\n\n" MAC_LINE, AVILA_EFORMAT}, /* double space */
        {"age-encryption.org/v1\n-> a \n\n" MAC_LINE, AVILA_EFORMAT},   /* trailing space */
        {"age-encryption.org/v1\n->a\n\n" MAC_LINE, AVILA_EFORMAT},
        {"age-encryption.org/v1\n-> a\xc3\xa9\n\n" MAC_LINE, AVILA_EFORMAT},
        {"age-encryption.org/v1\n-> a\nAA=\n" MAC_LINE, AVILA_EFORMAT},    /* padding */
        {"age-encryption.org/v1\n-> a\nAB\n" MAC_LINE, AVILA_EFORMAT},     /* non-canonical */
        {"age-encryption.org/v1\n-> a\nA\n" MAC_LINE, AVILA_EFORMAT},      /* impossible length */
        {"age-encryption.org/v1\n-> a\nAA\nAA\n" MAC_LINE, AVILA_EFORMAT}, /* two short lines */
        {"age-encryption.org/v1\n-> a\n" MAC_LINE, AVILA_EFORMAT},         /* no body line */
        {"age-encryption.org/v1\n-> a\n\n---\n", AVILA_EFORMAT},
        {"age-encryption.org/v1\n-> a\n\n---Vn+54jqiiUCE+WZcEVY3f1sqHjlu/z1LCQ/T7Xm7qI0\n",
         AVILA_EFORMAT},
        {"age-encryption.org/v1\n-> a\n\n--- Vn+54jqiiUCE+WZcEVY3f1sqHjlu/z1LCQ/T7Xm7qI1\n",
         AVILA_EFORMAT}, /* MAC not canonical */
        {"age-encryption.org/v1\n-> a\n\n--- Vn+54jqiiUCE+WZcEVY3f1sqHjlu/z1LCQ/T7Xm7qI\n",
         AVILA_EFORMAT},
        {"age-encryption.org/v1\n-> a\n\n--- Vn+54jqiiUCE+WZcEVY3f1sqHjlu/z1LCQ/T7Xm7qI0 \n",
         AVILA_EFORMAT},
        {"age-encryption.org/v1\r\n-> a\n\n" MAC_LINE, AVILA_EFORMAT},
        {"age-encryption.org/v1\n-> a\r\n\n" MAC_LINE, AVILA_EFORMAT},
        {"age-encryption.org/v1\n-> a\n\r\n" MAC_LINE, AVILA_EFORMAT},
        {"age-encryption.org/v1\n-> a\n\n\n" MAC_LINE, AVILA_EFORMAT},
        {"age-encryption.org/v1\n-> scrypt a 1\n\n-> b\n\n" MAC_LINE, AVILA_EFORMAT},
        {"age-encryption.org/v1\n-> b\n\n-> scrypt a 1\n\n" MAC_LINE, AVILA_EFORMAT},
        {"\nage-encryption.org/v1\n-> a\n\n" MAC_LINE, AVILA_EFORMAT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = parse_text(cases[i].text);
        if (rc != cases[i].rc)
            fail_msg("case %zu: got %d, want %d", i, rc, cases[i].rc);
    }
    /* A 65-column body line, a 64-column line then the end (missing short line). */
    char line65[66], line64[65];
    memset(line65, 'A', 65);
    line65[65] = 0;
    memset(line64, 'A', 64);
    line64[64] = 0;
    snprintf(t, sizeof t, "%s-> a\n%s\n" MAC_LINE, v, line65);
    assert_int_equal(parse_text(t), AVILA_EFORMAT);
    snprintf(t, sizeof t, "%s-> a\n%s\n" MAC_LINE, v, line64);
    assert_int_equal(parse_text(t), AVILA_EFORMAT);
    snprintf(t, sizeof t, "%s-> a\n%s\n\n" MAC_LINE, v, line64);
    assert_true(parse_text(t) > 0);
}

static void test_header_limits(void **state)
{
    (void)state;
    static uint8_t buf[1 << 17];
    static const uint8_t key[16] = {9};
    struct avila_age_header h;
    struct avila_age_limits lim;
    avila_age_limits_default(&lim);
    /* Stanza count: the default ceiling is accepted, one more is not. */
    size_t len = make_header(buf, sizeof buf, AVILA_AGE_MAX_STANZAS, 32, key);
    assert_int_equal(avila_age_header_parse(&h, buf, len, NULL), (int)len);
    lim.max_stanzas = 3;
    assert_int_equal(avila_age_header_parse(&h, buf, len, &lim), AVILA_ELIMIT);
    avila_age_limits_default(&lim);
    /* Arguments. */
    lim.max_args = 2;
    assert_int_equal(avila_age_header_parse(&h, buf, len, &lim), AVILA_ELIMIT);
    avila_age_limits_default(&lim);
    /* Body size. */
    lim.max_body_len = 31;
    assert_int_equal(avila_age_header_parse(&h, buf, len, &lim), AVILA_ELIMIT);
    avila_age_limits_default(&lim);
    /* Header length: exactly the limit passes, one byte less is refused, also when cut. */
    lim.max_header_len = len;
    assert_int_equal(avila_age_header_parse(&h, buf, len, &lim), (int)len);
    lim.max_header_len = len - 1;
    assert_int_equal(avila_age_header_parse(&h, buf, len, &lim), AVILA_ELIMIT);
    assert_int_equal(avila_age_header_parse(&h, buf, len - 1, &lim), AVILA_ELIMIT);
    assert_int_equal(avila_age_header_parse(&h, buf, len - 2, &lim), AVILA_EAGAIN);
    /* A long run with no line end stops at the limit. */
    memset(buf, 'a', sizeof buf);
    assert_int_equal(avila_age_header_parse(&h, buf, sizeof buf, NULL), AVILA_ELIMIT);
    /* Bad limits. */
    lim.max_stanzas = AVILA_AGE_MAX_STANZAS + 1;
    assert_int_equal(avila_age_header_parse(&h, buf, len, &lim), AVILA_EINVAL);
    lim.max_stanzas = 0;
    assert_int_equal(avila_age_header_parse(&h, buf, len, &lim), AVILA_EINVAL);
}

/* ------------------------------------------------------------------ stanzas */

static void test_x25519_stanzas(void **state)
{
    (void)state;
    uint64_t rng = 25519;
    uint8_t ids[3][32], pubs[3][32], eph[32], file_key[16], got[16], buf[2048];
    for (int i = 0; i < 3; i++) {
        unit_rand_fill(&rng, ids[i], 32);
        avila_x25519_base(pubs[i], ids[i]);
    }
    unit_rand_fill(&rng, file_key, 16);
    size_t len = 0;
    assert_int_equal(avila_age_header_begin(buf, sizeof buf, &len), 0);
    for (int i = 0; i < 2; i++) {
        unit_rand_fill(&rng, eph, 32);
        assert_int_equal(avila_age_stanza_x25519(buf, sizeof buf, &len, pubs[i], eph, file_key), 0);
    }
    assert_int_equal(avila_age_header_end(buf, sizeof buf, &len, file_key), 0);
    struct avila_age_header h;
    assert_int_equal(avila_age_header_parse(&h, buf, len, NULL), (int)len);
    /* Either recipient opens it, alone or after a wrong identity. */
    for (int i = 0; i < 2; i++) {
        memset(got, 0, 16);
        const uint8_t(*set)[32] = (const uint8_t(*)[32])ids[2];
        uint8_t two[2][32];
        memcpy(two[0], ids[2], 32);
        memcpy(two[1], ids[i], 32);
        assert_int_equal(avila_age_unwrap_x25519(&h, (const uint8_t(*)[32])two, 2, got), 0);
        assert_memory_equal(got, file_key, 16);
        assert_int_equal(avila_age_unwrap_x25519(&h, set, 1, got), AVILA_ENOTFOUND);
    }
    assert_int_equal(avila_age_header_verify(&h, file_key), 0);
    /* A low-order recipient is refused when wrapping. */
    uint8_t zero[32] = {0};
    size_t l2 = 0;
    assert_int_equal(avila_age_stanza_x25519(buf, sizeof buf, &l2, zero, eph, file_key),
                     AVILA_EINVAL);
    assert_int_equal(l2, 0);
}

static void test_scrypt_stanza(void **state)
{
    (void)state;
    uint8_t file_key[16] = {7}, got[16], salt[16] = {1}, buf[1024];
    size_t ws = AVILA_AGE_SCRYPT_WORK_SIZE(TEST_LOGN), len = 0;
    void *work = malloc(ws);
    assert_non_null(work);
    assert_int_equal(avila_age_header_begin(buf, sizeof buf, &len), 0);
    assert_int_equal(avila_age_stanza_scrypt(buf, sizeof buf, &len, "pass", 4, salt, TEST_LOGN,
                                             work, ws, file_key),
                     0);
    assert_int_equal(avila_age_header_end(buf, sizeof buf, &len, file_key), 0);
    struct avila_age_header h;
    unsigned log_n;
    assert_int_equal(avila_age_header_parse(&h, buf, len, NULL), (int)len);
    assert_int_equal(avila_age_header_scrypt_log_n(&h, &log_n), 0);
    assert_int_equal(log_n, TEST_LOGN);
    assert_int_equal(avila_age_unwrap_scrypt(&h, "pass", 4, 22, work, ws, got), 0);
    assert_memory_equal(got, file_key, 16);
    assert_int_equal(avila_age_unwrap_scrypt(&h, "pasS", 4, 22, work, ws, got), AVILA_ENOTFOUND);
    assert_int_equal(avila_age_unwrap_scrypt(&h, "pass", 4, TEST_LOGN - 1, work, ws, got),
                     AVILA_ELIMIT);
    assert_int_equal(avila_age_unwrap_scrypt(&h, "pass", 4, 22, work, ws - 1, got), AVILA_ENOSPC);
    uint8_t ids[1][32] = {{1}};
    assert_int_equal(avila_age_unwrap_x25519(&h, (const uint8_t(*)[32])ids, 1, got),
                     AVILA_ENOTFOUND);
    /* Work factor syntax: no leading zero, no sign, digits only. */
    const char *bad[] = {
        "-> scrypt AQAAAAAAAAAAAAAAAAAAAA 010\n", "-> scrypt AQAAAAAAAAAAAAAAAAAAAA +1\n",
        "-> scrypt AQAAAAAAAAAAAAAAAAAAAA 1a\n",  "-> scrypt AQAAAAAAAAAAAAAAAAAAAA 64\n",
        "-> scrypt AQAAAAAAAAAAAAAAAAAAAA 0\n",   "-> scrypt AQAAAAAAAAAAAAAAAAAAAA\n",
        "-> scrypt AQAAAAAAAAAAAAAAAAAAAR 10\n",  "-> scrypt AQAAAAAAAAAAAAAAAAAAAA 10 x\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char t[300];
        snprintf(t, sizeof t,
                 "age-encryption.org/v1\n%sAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n" MAC_LINE,
                 bad[i]);
        assert_int_equal(avila_age_header_parse(&h, (const uint8_t *)t, strlen(t), NULL),
                         (int)strlen(t));
        assert_int_equal(avila_age_header_scrypt_log_n(&h, &log_n), AVILA_EFORMAT);
    }
    assert_int_equal(
        avila_age_stanza_scrypt(buf, sizeof buf, &len, "p", 1, salt, 23, work, ws, file_key),
        AVILA_EINVAL);
    free(work);
}

/* ------------------------------------------------------------------ STREAM */

/* Encrypts n bytes at pt in random pieces; the ciphertext goes to out. */
static void encrypt_payload(const uint8_t key[16], const uint8_t nonce[16], const uint8_t *pt,
                            size_t n, uint64_t *rng, struct bytes *out)
{
    const uint8_t *ct;
    size_t ct_len;
    avila_age_stream_init(&stream, key, nonce, 1);
    while (n > 0) {
        size_t k = 1 + (size_t)(unit_rand(rng) % (2 * CHUNK));
        if (k > n)
            k = n;
        int took = avila_age_encrypt_update(&stream, pt, k, &ct, &ct_len);
        assert_true(took >= 0);
        if (ct_len > 0)
            assert_int_equal(ct_len, ENC_CHUNK);
        append(out, ct, ct_len);
        pt += took;
        n -= (size_t)took;
    }
    assert_int_equal(avila_age_encrypt_final(&stream, &ct, &ct_len), 0);
    append(out, ct, ct_len);
    avila_age_stream_wipe(&stream);
}

static const uint8_t skey[16] = {0x5a};
static const uint8_t snonce[16] = {0xa5};

static void test_stream_sizes(void **state)
{
    (void)state;
    static const size_t sizes[] = {0,         1,         100,       CHUNK - 1,     CHUNK,
                                   CHUNK + 1, 2 * CHUNK, 3 * CHUNK, 3 * CHUNK + 7, 300000};
    uint64_t rng = 1;
    uint8_t *pt = malloc(300000);
    unit_rand_fill(&rng, pt, 300000);
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t n = sizes[i];
        struct bytes ct = {0}, back = {0};
        encrypt_payload(skey, snonce, pt, n, &rng, &ct);
        size_t chunks = n == 0 ? 1 : (n + CHUNK - 1) / CHUNK;
        assert_int_equal(ct.n, n + 16 * chunks);
        static const size_t pieces[] = {1, 1000, ENC_CHUNK, ENC_CHUNK + 1, 1 << 20};
        for (size_t p = 0; p < sizeof pieces / sizeof pieces[0]; p++) {
            if (pieces[p] == 1 && n > CHUNK + 1)
                continue; /* byte by byte is slow; smaller sizes cover it */
            back.n = 0;
            assert_int_equal(decrypt_payload(skey, snonce, ct.p, ct.n, pieces[p], &back), 0);
            assert_int_equal(back.n, n);
            if (n > 0)
                assert_memory_equal(back.p, pt, n);
        }
        /* Wrong key or nonce: nothing is released. */
        uint8_t other[16] = {0x5b};
        back.n = 0;
        assert_int_equal(decrypt_payload(other, snonce, ct.p, ct.n, 4096, &back), AVILA_EAUTH);
        assert_int_equal(back.n, 0);
        free(ct.p);
        free(back.p);
    }
    free(pt);
}

/*
 * Damage: cut at every chunk boundary and inside chunks, swap chunks, flip
 * a bit, add bytes. The decryption fails, and what it released is exactly
 * the chunks before the damage.
 */
static void expect_failure(const struct bytes *ct, size_t released, int rc_want)
{
    struct bytes back = {0};
    int rc = decrypt_payload(skey, snonce, ct->p, ct->n, 5000, &back);
    assert_int_equal(rc, rc_want);
    assert_int_equal(back.n, released);
    free(back.p);
}

static void test_stream_damage(void **state)
{
    (void)state;
    uint64_t rng = 2;
    size_t n = 3 * CHUNK + 100;
    uint8_t *pt = malloc(n);
    unit_rand_fill(&rng, pt, n);
    struct bytes ct = {0}, bad = {0};
    encrypt_payload(skey, snonce, pt, n, &rng, &ct);
    assert_int_equal(ct.n, n + 64);
    /* Truncated at a chunk boundary: the chunks so far, then "no final chunk". */
    for (size_t c = 0; c <= 3; c++) {
        bad.n = 0;
        append(&bad, ct.p, c * ENC_CHUNK);
        expect_failure(&bad, c * CHUNK, AVILA_EFORMAT);
    }
    /* Cut inside a chunk. */
    static const size_t cuts[] = {
        1, 15, 16, 17, ENC_CHUNK - 1, ENC_CHUNK + 16, 3 * ENC_CHUNK + 115};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        bad.n = 0;
        append(&bad, ct.p, cuts[i]);
        size_t whole = cuts[i] / ENC_CHUNK;
        size_t rem = cuts[i] % ENC_CHUNK;
        int want = rem < 16 || (rem == 16 && whole > 0) ? AVILA_EFORMAT : AVILA_EAUTH;
        expect_failure(&bad, whole * CHUNK, want);
    }
    /* Chunks 1 and 2 swapped. */
    bad.n = 0;
    append(&bad, ct.p, ct.n);
    memcpy(bad.p + ENC_CHUNK, ct.p + 2 * ENC_CHUNK, ENC_CHUNK);
    memcpy(bad.p + 2 * ENC_CHUNK, ct.p + ENC_CHUNK, ENC_CHUNK);
    expect_failure(&bad, CHUNK, AVILA_EAUTH);
    /* A chunk dropped. */
    bad.n = 0;
    append(&bad, ct.p, ENC_CHUNK);
    append(&bad, ct.p + 2 * ENC_CHUNK, ct.n - 2 * ENC_CHUNK);
    expect_failure(&bad, CHUNK, AVILA_EAUTH);
    /* One bit flipped anywhere: chunk k's plaintext is never released. */
    for (int i = 0; i < 40; i++) {
        size_t pos = (size_t)(unit_rand(&rng) % ct.n);
        bad.n = 0;
        append(&bad, ct.p, ct.n);
        bad.p[pos] ^= (uint8_t)(1u << (unit_rand(&rng) % 8));
        expect_failure(&bad, pos / ENC_CHUNK * CHUNK, AVILA_EAUTH);
    }
    /* Trailing data after the final chunk. */
    for (size_t extra = 1; extra <= ENC_CHUNK + 1; extra += ENC_CHUNK / 2) {
        bad.n = 0;
        append(&bad, ct.p, ct.n);
        for (size_t k = 0; k < extra; k++)
            append(&bad, "", 1);
        struct bytes back = {0};
        int rc = decrypt_payload(skey, snonce, bad.p, bad.n, 5000, &back);
        assert_true(rc == AVILA_EFORMAT || rc == AVILA_EAUTH);
        assert_true(back.n <= n);
        free(back.p);
    }
    free(pt);
    free(ct.p);
    free(bad.p);
}

/* A full final chunk, an empty final chunk after data, and misuse. */
static void test_stream_edges(void **state)
{
    (void)state;
    uint64_t rng = 3;
    uint8_t *pt = calloc(1, 2 * CHUNK);
    struct bytes ct = {0}, bad = {0}, back = {0};
    encrypt_payload(skey, snonce, pt, CHUNK, &rng, &ct);
    assert_int_equal(ct.n, ENC_CHUNK); /* one full final chunk, no empty one after it */
    /* A full last chunk followed by an empty last chunk (two final chunks). */
    bad.n = 0;
    append(&bad, ct.p, ct.n);
    {
        uint8_t key[32], n12[12] = {0}, tag[16];
        avila_hkdf(&avila_digest_sha256, key, 32, snonce, 16, skey, 16, "payload", 7);
        n12[10] = 1;
        n12[11] = 1;
        avila_chacha20poly1305_seal(NULL, tag, NULL, 0, NULL, 0, n12, key);
        append(&bad, tag, 16);
        expect_failure(&bad, CHUNK, AVILA_EFORMAT);
        /* A middle chunk then an empty final chunk: the encoder never writes this. */
        n12[10] = 0;
        n12[11] = 0;
        bad.n = 0;
        uint8_t *c = malloc(ENC_CHUNK);
        avila_chacha20poly1305_seal(c, c + CHUNK, pt, CHUNK, NULL, 0, n12, key);
        append(&bad, c, ENC_CHUNK);
        n12[10] = 1;
        n12[11] = 1;
        avila_chacha20poly1305_seal(NULL, tag, NULL, 0, NULL, 0, n12, key);
        append(&bad, tag, 16);
        expect_failure(&bad, CHUNK, AVILA_EFORMAT);
        free(c);
    }
    /* Empty input: no chunk at all. */
    bad.n = 0;
    expect_failure(&bad, 0, AVILA_EFORMAT);
    /* Direction and state misuse. */
    const uint8_t *o;
    size_t ol;
    avila_age_stream_init(&stream, skey, snonce, 1);
    assert_int_equal(avila_age_decrypt_update(&stream, pt, 1, &o, &ol), AVILA_ESTATE);
    assert_int_equal(avila_age_decrypt_final(&stream, &o, &ol), AVILA_ESTATE);
    assert_int_equal(avila_age_encrypt_final(&stream, &o, &ol), 0);
    assert_int_equal(ol, 16);
    assert_int_equal(avila_age_encrypt_final(&stream, &o, &ol), AVILA_ESTATE);
    assert_int_equal(avila_age_encrypt_update(&stream, pt, 1, &o, &ol), AVILA_ESTATE);
    avila_age_stream_init(&stream, skey, snonce, 0);
    assert_int_equal(avila_age_encrypt_update(&stream, pt, 1, &o, &ol), AVILA_ESTATE);
    assert_int_equal(avila_age_decrypt_final(&stream, &o, &ol), AVILA_EFORMAT);
    assert_int_equal(avila_age_decrypt_final(&stream, &o, &ol), AVILA_ESTATE);
    avila_age_stream_wipe(&stream);
    free(pt);
    free(ct.p);
    free(bad.p);
    free(back.p);
}

/* ------------------------------------------------------------------ armor */

static void armor_encode(const uint8_t *src, size_t n, size_t piece, struct bytes *out)
{
    struct avila_age_armor a;
    avila_age_armor_init(&a);
    char *buf = malloc(AVILA_AGE_ARMOR_ENCODE_MAX(piece) + AVILA_AGE_ARMOR_FINAL_MAX);
    size_t got;
    for (size_t off = 0; off < n; off += piece) {
        size_t k = n - off < piece ? n - off : piece;
        assert_int_equal(avila_age_armor_encode_update(&a, buf, AVILA_AGE_ARMOR_ENCODE_MAX(k),
                                                       src + off, k, &got),
                         0);
        append(out, buf, got);
    }
    assert_int_equal(avila_age_armor_encode_final(&a, buf, AVILA_AGE_ARMOR_FINAL_MAX, &got), 0);
    append(out, buf, got);
    free(buf);
}

static void test_armor_round_trip(void **state)
{
    (void)state;
    uint64_t rng = 4;
    uint8_t data[2000];
    unit_rand_fill(&rng, data, sizeof data);
    for (size_t n = 1; n < 300; n += (n < 100 ? 1 : 13)) {
        struct bytes text = {0}, back = {0};
        armor_encode(data, n, 1 + n % 50, &text);
        /* Lines: BEGIN, 64-column lines, a last line of 1..64, END; all LF-terminated. */
        assert_non_null(text.p);
        if (!text.p)
            return;
        assert_memory_equal(text.p, AVILA_AGE_ARMOR_BEGIN "\n", 35);
        assert_int_equal(text.p[text.n - 1], '\n');
        assert_int_equal(dearmor(text.p, text.n, 1 + n % 7, &back), 0);
        assert_int_equal(back.n, n);
        assert_memory_equal(back.p, data, n);
        /* Every proper prefix that lacks the END line fails at the end. */
        for (size_t k = 0; k + 33 < text.n; k += 5) {
            struct bytes b2 = {0};
            assert_int_not_equal(dearmor(text.p, k, 64, &b2), 0);
            free(b2.p);
        }
        free(text.p);
        free(back.p);
    }
}

static int dearmor_str(const char *s)
{
    struct bytes b = {0};
    int rc = dearmor((const uint8_t *)s, strlen(s), 3, &b);
    free(b.p);
    return rc;
}

#define BEGIN AVILA_AGE_ARMOR_BEGIN
#define END   AVILA_AGE_ARMOR_END
#define L64   "YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSBURWlGMHlwcXIrYnB2Y3FY"

static void test_armor_strict(void **state)
{
    (void)state;
    assert_int_equal(dearmor_str(BEGIN "\nYWdl\n" END "\n"), 0);
    assert_int_equal(dearmor_str(BEGIN "\r\nYWdl\r\n" END "\r\n"), 0);
    assert_int_equal(dearmor_str(" \t\r\n" BEGIN "\nYWdl\n" END "\n \n\t"), 0);
    assert_int_equal(dearmor_str(BEGIN "\nYWdl\n" END), 0);
    assert_int_equal(dearmor_str(BEGIN "\n" L64 "\n" END "\n"), 0);
    assert_int_equal(dearmor_str(BEGIN "\n" L64 "\nYWdl\n" END "\n"), 0);
    static const char *const bad[] = {
        BEGIN "\n" END "\n",                     /* no body */
        BEGIN "\nYWdl \n" END "\n",              /* space at end of line */
        BEGIN " \nYWdl\n" END "\n",              /* space after BEGIN */
        BEGIN "\nYWdl\n" END " \n",              /* space after END, before LF */
        BEGIN "\nYWdl\n\n" END "\n",             /* empty line */
        BEGIN "\nYWd\n" END "\n",                /* length not a multiple of 4 */
        BEGIN "\nYR==\n" END "\n",               /* non-canonical padding bits */
        BEGIN "\nYWdl\nYWdl\n" END "\n",         /* a line after a short line */
        BEGIN "\nYQ==YWdl\n" END "\n",           /* padding inside */
        BEGIN "\nVersion: 1\n\nYWdl\n" END "\n", /* header fields */
        BEGIN "\nYWdl\n" END "\nx",              /* data after the END line */
        "x" BEGIN "\nYWdl\n" END "\n",           /* data before the BEGIN line */
        "-----BEGIN AGE ENCRYPTED FILE----\nYWdl\n" END "\n",
        "-----BEGIN PGP MESSAGE-----\nYWdl\n" END "\n",
        BEGIN "\nYWdl\n-----END PGP MESSAGE-----\n",
        BEGIN "\nYWdl\n",              /* no END */
        BEGIN "\rYWdl\n" END "\n",     /* bare CR */
        BEGIN "\n" L64 "A\n" END "\n", /* 65 columns */
        BEGIN "\nYWdl\n" END "\n" BEGIN "\nYWdl\n" END "\n",
        "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = dearmor_str(bad[i]);
        if (rc != AVILA_EFORMAT)
            fail_msg("armor case %zu accepted (%d)", i, rc);
    }
    /* The encoder and decoder refuse short buffers and the other direction. */
    struct avila_age_armor a;
    char out[8];
    uint8_t u[8];
    size_t got;
    avila_age_armor_init(&a);
    assert_int_equal(avila_age_armor_encode_update(&a, out, sizeof out, u, 1, &got), AVILA_ENOSPC);
    assert_int_equal(avila_age_armor_decode_update(&a, u, sizeof u, "ab", 2, &got), AVILA_ENOSPC);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_testkit),           cmocka_unit_test(test_keys),
        cmocka_unit_test(test_header_round_trip), cmocka_unit_test(test_header_strict),
        cmocka_unit_test(test_header_limits),     cmocka_unit_test(test_x25519_stanzas),
        cmocka_unit_test(test_scrypt_stanza),     cmocka_unit_test(test_stream_sizes),
        cmocka_unit_test(test_stream_damage),     cmocka_unit_test(test_stream_edges),
        cmocka_unit_test(test_armor_round_trip),  cmocka_unit_test(test_armor_strict),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
