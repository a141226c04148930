/*
 * tests/crypto/test_signify.c - signify's file formats (crypto/signify.h)
 * against files the real signify wrote (tests/vectors/signify/, see its
 * README for how and with which passphrase): parsing, decrypting,
 * verifying, byte-identical signing and rewriting; key generation round
 * trips; every malformed-input rejection the parsers promise; every proper
 * prefix refused; guard pages; writer errors.
 */
#include "tests/support/unit.h"

#include <stdlib.h>
#include <string.h>

#include "core/ct.h"
#include "core/endian.h"
#include "core/error.h"
#include "crypto/ed25519.h"
#include "crypto/sha2.h"
#include "crypto/signify.h"

#define PASS "avila-signify-test"

/* A file of tests/vectors/signify/ in a new malloc'd buffer; *n gets its length. */
static char *load(const char *name, size_t *n)
{
    char rel[256];
    snprintf(rel, sizeof rel, "signify/%s", name);
    return tv_load(rel, n);
}

/* ------------------------------------------------------------ files the real signify wrote */

static void verifies_signify_signatures(void **state)
{
    (void)state;
    size_t pub_n, msg_n, sig_n, empty_sig_n;
    char *pub = load("nopass.pub", &pub_n), *msg = load("message.txt", &msg_n);
    char *sig = load("message.txt.sig", &sig_n), *esig = load("empty.txt.sig", &empty_sig_n);
    struct avila_signify_pubkey pk;
    struct avila_signify_sig s;
    assert_int_equal(avila_signify_pubkey_parse(&pk, pub, pub_n), 0);
    assert_int_equal(pk.comment_len, strlen("signify public key"));
    assert_memory_equal(pk.comment, "signify public key", pk.comment_len);
    assert_int_equal(avila_signify_sig_parse(&s, sig, sig_n, NULL), 0);
    assert_memory_equal(s.comment, "verify with nopass.pub", s.comment_len);
    assert_memory_equal(s.keynum, pk.keynum, AVILA_SIGNIFY_KEYNUM_LEN);
    assert_int_equal(avila_signify_verify(&s, &pk, msg, msg_n), 0);
    /* A changed message, signature or key number fails. */
    assert_int_equal(avila_signify_verify(&s, &pk, msg, msg_n - 1), AVILA_EAUTH);
    s.sig[10] ^= 1;
    assert_int_equal(avila_signify_verify(&s, &pk, msg, msg_n), AVILA_EAUTH);
    s.sig[10] ^= 1;
    s.keynum[0] ^= 1;
    assert_int_equal(avila_signify_verify(&s, &pk, msg, msg_n), AVILA_EAUTH);
    /* The empty message's signature. */
    assert_int_equal(avila_signify_sig_parse(&s, esig, empty_sig_n, NULL), 0);
    assert_int_equal(avila_signify_verify(&s, &pk, NULL, 0), 0);
    assert_int_equal(avila_signify_verify(&s, &pk, msg, msg_n), AVILA_EAUTH);
    free(pub);
    free(msg);
    free(sig);
    free(esig);
}

/* Each key file and signature file signify wrote is written back byte for byte. */
static void rewrites_signify_files_identically(void **state)
{
    (void)state;
    const char *pubs[] = {"nopass.pub", "pass.pub"};
    const char *secs[] = {"nopass.sec", "pass.sec"};
    const char *sigs[] = {"message.txt.sig", "empty.txt.sig", "message.txt.pass.sig"};
    char out[AVILA_SIGNIFY_FILE_MAX];
    size_t n, len;
    for (size_t i = 0; i < 2; i++) {
        char *text = load(pubs[i], &n);
        struct avila_signify_pubkey pk;
        assert_int_equal(avila_signify_pubkey_parse(&pk, text, n), 0);
        assert_int_equal(avila_signify_pubkey_write(out, sizeof out, &pk, &len), 0);
        assert_int_equal(len, n);
        assert_memory_equal(out, text, n);
        free(text);
        text = load(secs[i], &n);
        struct avila_signify_seckey sk;
        assert_int_equal(avila_signify_seckey_parse(&sk, text, n, NULL), 0);
        assert_int_equal(avila_signify_seckey_write(out, sizeof out, &sk, NULL, 0, &len), 0);
        assert_int_equal(len, n);
        assert_memory_equal(out, text, n);
        avila_wipe(&sk, sizeof sk);
        free(text);
    }
    for (size_t i = 0; i < AVILA_ARRAY_LEN(sigs); i++) {
        char *text = load(sigs[i], &n);
        struct avila_signify_sig s;
        assert_int_equal(avila_signify_sig_parse(&s, text, n, NULL), 0);
        assert_int_equal(avila_signify_sig_write(out, sizeof out, &s, &len), 0);
        assert_int_equal(len, n);
        assert_memory_equal(out, text, n);
        free(text);
    }
}

/*
 * The passphrase-protected key: a wrong passphrase is AVILA_EAUTH; the
 * right one decrypts it, its signature on message.txt is signify's byte for
 * byte, and re-encrypting it with the same salt gives the same file.
 */
static void passphrase_key(void **state)
{
    (void)state;
    size_t sec_n, pub_n, msg_n, sig_n;
    char *sec = load("pass.sec", &sec_n), *pub = load("pass.pub", &pub_n);
    char *msg = load("message.txt", &msg_n), *sig = load("message.txt.pass.sig", &sig_n);
    struct avila_signify_seckey sk;
    struct avila_signify_pubkey pk;
    assert_int_equal(avila_signify_pubkey_parse(&pk, pub, pub_n), 0);
    assert_int_equal(avila_signify_seckey_parse(&sk, sec, sec_n, NULL), 0);
    assert_int_equal(sk.rounds, AVILA_SIGNIFY_DEFAULT_ROUNDS);
    assert_memory_equal(sk.keynum, pk.keynum, AVILA_SIGNIFY_KEYNUM_LEN);
    /* A missing passphrase is refused before anything changes. */
    assert_int_equal(avila_signify_seckey_decrypt(&sk, NULL, 0), AVILA_EINVAL);
    assert_int_equal(avila_signify_seckey_decrypt(&sk, PASS, AVILA_SIGNIFY_PASS_MAX + 1),
                     AVILA_EINVAL);
    assert_int_equal(avila_signify_seckey_decrypt(&sk, "avila-signify-tesT", 18), AVILA_EAUTH);
    assert_int_equal(sk.plain, 0);
    assert_true(avila_ct_is_zero(sk.secret, sizeof sk.secret));
    struct avila_signify_sig s;
    assert_int_equal(avila_signify_sign(&s, &sk, msg, msg_n), AVILA_ESTATE);

    assert_int_equal(avila_signify_seckey_parse(&sk, sec, sec_n, NULL), 0);
    assert_int_equal(avila_signify_seckey_decrypt(&sk, PASS, strlen(PASS)), 0);
    assert_int_equal(sk.plain, 1);
    assert_memory_equal(sk.secret + 32, pk.key, 32);
    assert_int_equal(avila_signify_seckey_decrypt(&sk, PASS, strlen(PASS)), AVILA_ESTATE);
    assert_int_equal(avila_signify_sign(&s, &sk, msg, msg_n), 0);
    s.comment = "verify with pass.pub";
    s.comment_len = strlen(s.comment);
    char out[AVILA_SIGNIFY_FILE_MAX];
    size_t len;
    assert_int_equal(avila_signify_sig_write(out, sizeof out, &s, &len), 0);
    assert_int_equal(len, sig_n);
    assert_memory_equal(out, sig, sig_n);
    assert_int_equal(avila_signify_verify(&s, &pk, msg, msg_n), 0);

    assert_int_equal(avila_signify_seckey_write(out, sizeof out, &sk, PASS, strlen(PASS), &len), 0);
    assert_int_equal(len, sec_n);
    assert_memory_equal(out, sec, sec_n);
    avila_wipe(&sk, sizeof sk);
    free(sec);
    free(pub);
    free(msg);
    free(sig);
}

/* The embedded signature: the signature part's length, then the message. */
static void embedded_signature(void **state)
{
    (void)state;
    size_t esig_n, msg_n, pub_n;
    char *esig = load("message.txt.esig", &esig_n), *msg = load("message.txt", &msg_n);
    char *pub = load("pass.pub", &pub_n);
    struct avila_signify_pubkey pk;
    struct avila_signify_sig s;
    size_t consumed = 0;
    assert_int_equal(avila_signify_pubkey_parse(&pk, pub, pub_n), 0);
    assert_int_equal(avila_signify_sig_parse(&s, esig, esig_n, &consumed), 0);
    assert_int_equal(consumed + msg_n, esig_n);
    assert_memory_equal(esig + consumed, msg, msg_n);
    assert_int_equal(avila_signify_verify(&s, &pk, esig + consumed, esig_n - consumed), 0);
    /* Without consumed, the file MUST be the signature alone. */
    assert_int_equal(avila_signify_sig_parse(&s, esig, esig_n, NULL), AVILA_EFORMAT);
    /* An embedded signature with an empty message. */
    consumed = 0;
    assert_int_equal(avila_signify_sig_parse(&s, esig, esig_n - msg_n, &consumed), 0);
    assert_int_equal(consumed, esig_n - msg_n);
    free(esig);
    free(msg);
    free(pub);
}

static void unencrypted_key_decrypts_and_signs(void **state)
{
    (void)state;
    size_t sec_n, pub_n, msg_n, sig_n;
    char *sec = load("nopass.sec", &sec_n), *pub = load("nopass.pub", &pub_n);
    char *msg = load("message.txt", &msg_n), *sig = load("message.txt.sig", &sig_n);
    struct avila_signify_seckey sk;
    struct avila_signify_pubkey pk;
    struct avila_signify_sig s, theirs;
    assert_int_equal(avila_signify_pubkey_parse(&pk, pub, pub_n), 0);
    assert_int_equal(avila_signify_seckey_parse(&sk, sec, sec_n, NULL), 0);
    assert_int_equal(sk.rounds, 0);
    assert_int_equal(sk.plain, 0);
    /* No passphrase needed: whatever is passed is ignored. */
    assert_int_equal(avila_signify_seckey_decrypt(&sk, NULL, 0), 0);
    assert_int_equal(avila_signify_sign(&s, &sk, msg, msg_n), 0);
    assert_int_equal(avila_signify_sig_parse(&theirs, sig, sig_n, NULL), 0);
    assert_memory_equal(s.sig, theirs.sig, 64);
    assert_memory_equal(s.keynum, theirs.keynum, AVILA_SIGNIFY_KEYNUM_LEN);
    avila_wipe(&sk, sizeof sk);
    free(sec);
    free(pub);
    free(msg);
    free(sig);
}

/* ------------------------------------------------------------ generated keys */

/* keygen, write, parse, decrypt, sign, verify, for plain and encrypted keys. */
static void keygen_round_trips(void **state)
{
    (void)state;
    uint64_t rng = 0x516e1f7;
    for (uint32_t rounds = 0; rounds <= 3; rounds += 3) {
        uint8_t seed[32], keynum[8], salt[16], msg[100];
        unit_rand_fill(&rng, seed, sizeof seed);
        unit_rand_fill(&rng, keynum, sizeof keynum);
        unit_rand_fill(&rng, salt, sizeof salt);
        unit_rand_fill(&rng, msg, sizeof msg);
        struct avila_signify_pubkey pk, pk2;
        struct avila_signify_seckey sk, sk2;
        avila_signify_keygen(&pk, &sk, seed, keynum, salt, rounds);
        assert_null(pk.comment);
        assert_int_equal(sk.plain, 1);
        pk.comment = "k public key";
        pk.comment_len = 12;
        sk.comment = "k secret key";
        sk.comment_len = 12;
        char pub[AVILA_SIGNIFY_FILE_MAX], sec[AVILA_SIGNIFY_FILE_MAX], sig[AVILA_SIGNIFY_FILE_MAX];
        size_t pub_n, sec_n, sig_n;
        assert_int_equal(avila_signify_pubkey_write(pub, sizeof pub, &pk, &pub_n), 0);
        assert_int_equal(avila_signify_seckey_write(sec, sizeof sec, &sk, "pw", 2, &sec_n), 0);
        assert_int_equal(avila_signify_pubkey_parse(&pk2, pub, pub_n), 0);
        assert_memory_equal(pk2.key, pk.key, 32);
        assert_memory_equal(pk2.keynum, keynum, 8);
        assert_int_equal(avila_signify_seckey_parse(&sk2, sec, sec_n, NULL), 0);
        assert_int_equal(sk2.rounds, rounds);
        if (rounds > 0)
            assert_int_equal(avila_signify_seckey_decrypt(&sk2, "px", 2), AVILA_EAUTH);
        assert_int_equal(avila_signify_seckey_parse(&sk2, sec, sec_n, NULL), 0);
        assert_int_equal(avila_signify_seckey_decrypt(&sk2, "pw", 2), 0);
        assert_memory_equal(sk2.secret, sk.secret, 64);
        struct avila_signify_sig s, s2;
        assert_int_equal(avila_signify_sign(&s, &sk2, msg, sizeof msg), 0);
        s.comment = "verify with k.pub";
        s.comment_len = strlen(s.comment);
        assert_int_equal(avila_signify_sig_write(sig, sizeof sig, &s, &sig_n), 0);
        assert_int_equal(avila_signify_sig_parse(&s2, sig, sig_n, NULL), 0);
        assert_int_equal(avila_signify_verify(&s2, &pk2, msg, sizeof msg), 0);
        msg[99] ^= 0x80;
        assert_int_equal(avila_signify_verify(&s2, &pk2, msg, sizeof msg), AVILA_EAUTH);
        avila_wipe(&sk, sizeof sk);
        avila_wipe(&sk2, sizeof sk2);
    }
}

/* A checksum that matches a secret whose public half is not its seed's: AVILA_EFORMAT. */
static void mismatched_halves_are_refused(void **state)
{
    (void)state;
    uint8_t seed[32] = {1}, keynum[8] = {2}, salt[16] = {3}, digest[64];
    struct avila_signify_pubkey pk;
    struct avila_signify_seckey sk;
    avila_signify_keygen(&pk, &sk, seed, keynum, salt, 0);
    sk.secret[40] ^= 1;
    avila_sha512(sk.secret, 64, digest);
    memcpy(sk.checksum, digest, 8);
    sk.comment = "c";
    sk.comment_len = 1;
    char sec[AVILA_SIGNIFY_FILE_MAX];
    size_t n;
    assert_int_equal(avila_signify_seckey_write(sec, sizeof sec, &sk, NULL, 0, &n), 0);
    assert_int_equal(avila_signify_seckey_parse(&sk, sec, n, NULL), 0);
    assert_int_equal(avila_signify_seckey_decrypt(&sk, NULL, 0), AVILA_EFORMAT);
    assert_int_equal(sk.plain, 0);
    assert_true(avila_ct_is_zero(sk.secret, sizeof sk.secret));
    /* A wrong checksum on an unencrypted key is AVILA_EAUTH, as a wrong passphrase. */
    avila_signify_keygen(&pk, &sk, seed, keynum, salt, 0);
    sk.checksum[7] ^= 1;
    sk.comment = "c";
    sk.comment_len = 1;
    assert_int_equal(avila_signify_seckey_write(sec, sizeof sec, &sk, NULL, 0, &n), 0);
    assert_int_equal(avila_signify_seckey_parse(&sk, sec, n, NULL), 0);
    assert_int_equal(avila_signify_seckey_decrypt(&sk, NULL, 0), AVILA_EAUTH);
}

/* ------------------------------------------------------------ malformed input */

/* Parses text as a file of the kind: 0 pub, 1 sec, 2 sig, 3 sig with consumed. */
static int parse_kind(int kind, const char *text, size_t n)
{
    struct avila_signify_pubkey pk;
    struct avila_signify_seckey sk;
    struct avila_signify_sig s;
    size_t consumed;
    int rc;
    switch (kind) {
    case 0:
        return avila_signify_pubkey_parse(&pk, text, n);
    case 1:
        rc = avila_signify_seckey_parse(&sk, text, n, NULL);
        avila_wipe(&sk, sizeof sk);
        return rc;
    case 2:
        return avila_signify_sig_parse(&s, text, n, NULL);
    default:
        return avila_signify_sig_parse(&s, text, n, &consumed);
    }
}

static const char *const kind_files[] = {"nopass.pub", "nopass.sec", "message.txt.sig",
                                         "message.txt.sig"};

/*
 * Replaces the bytes [at, at + cut) of the file with ins and parses the
 * result as kind; returns the parser's result.
 */
static int parse_edited(int kind, size_t at, size_t cut, const char *ins)
{
    size_t n;
    char *text = load(kind_files[kind], &n);
    const size_t ins_n = strlen(ins);
    char *edited = malloc(n + ins_n);
    assert_non_null(edited);
    assert_true(at + cut <= n);
    memcpy(edited, text, at);
    for (size_t i = 0; i < ins_n; i++)
        edited[at + i] = ins[i];
    memcpy(edited + at + ins_n, text + at + cut, n - at - cut);
    int rc = parse_kind(kind, edited, n - cut + ins_n);
    free(text);
    free(edited);
    return rc;
}

/* The offset of the base64 line in a vector file. */
static size_t line2(int kind)
{
    size_t n;
    char *text = load(kind_files[kind], &n);
    size_t at = (size_t)((char *)memchr(text, '\n', n) - text) + 1;
    free(text);
    return at;
}

static void malformed_files_are_refused(void **state)
{
    (void)state;
    for (int kind = 0; kind < 4; kind++) {
        size_t n, b = line2(kind);
        char *text = load(kind_files[kind], &n);
        const size_t b64_end = n - 1; /* the final '\n' */
        free(text);
        assert_int_equal(parse_edited(kind, 0, 0, ""), 0);
        /* The comment line. */
        assert_int_equal(parse_edited(kind, 0, 1, "U"), AVILA_EFORMAT);
        assert_int_equal(parse_edited(kind, 0, 0, " "), AVILA_EFORMAT);
        assert_int_equal(parse_edited(kind, 18, 1, ""), AVILA_EFORMAT);      /* no space */
        assert_int_equal(parse_edited(kind, 19, b - 20, ""), AVILA_EFORMAT); /* empty */
        assert_int_equal(parse_edited(kind, 19, b - 20, " "), 0);
        /* The base64 line. */
        assert_int_equal(parse_edited(kind, b, 1, ""), AVILA_EFORMAT);
        assert_int_equal(parse_edited(kind, b, 0, "A"), AVILA_EFORMAT);
        assert_int_equal(parse_edited(kind, b, 0, "AAAA"), AVILA_EFORMAT);
        assert_int_equal(parse_edited(kind, b + 4, 0, " "), AVILA_EFORMAT);
        assert_int_equal(parse_edited(kind, b + 4, 1, "*"), AVILA_EFORMAT);
        assert_int_equal(parse_edited(kind, b + 20, 1, "."), AVILA_EFORMAT);
        assert_int_equal(parse_edited(kind, b64_end, 0, "\r"), AVILA_EFORMAT);
        assert_int_equal(parse_edited(kind, b64_end, 1, ""), AVILA_EFORMAT);
        assert_int_equal(parse_edited(kind, b - 1, 0, "\r"), 0); /* '\r' is comment text */
        /* "Ed" is "RWQ" in base64 ("RWR" also keeps "Ed", then "BK" / the keynum changes). */
        assert_int_equal(parse_edited(kind, b, 2, "RX"), AVILA_EUNSUPPORTED);
        assert_int_equal(parse_edited(kind, b, 1, "Q"), AVILA_EUNSUPPORTED);
    }
    /* Trailing bytes after a whole file: only an embedded signature may have them. */
    for (int kind = 0; kind < 4; kind++) {
        size_t n;
        char *text = load(kind_files[kind], &n);
        assert_int_equal(parse_edited(kind, n, 0, "x"), kind == 3 ? 0 : AVILA_EFORMAT);
        assert_int_equal(parse_edited(kind, n, 0, "\n"), kind == 3 ? 0 : AVILA_EFORMAT);
        free(text);
    }
}

/* Padding: "==" and "=" where the record length needs them, with zero unused bits. */
static void noncanonical_base64_is_refused(void **state)
{
    (void)state;
    /* 42 bytes (public key) need no padding; 104 (secret key) and 74 (signature) end in "=". */
    for (int kind = 1; kind < 3; kind++) {
        size_t n;
        char *text = load(kind_files[kind], &n);
        const size_t pad = n - 2, last = n - 3;
        assert_int_equal(text[pad], '=');
        char unused_bit[2] = {text[last], 0};
        /* The last character before '=' carries 2 unused bits: setting one is not canonical. */
        unused_bit[0] = (char)(text[last] == 'A' ? 'B' : text[last] ^ 1);
        int rc = parse_edited(kind, last, 1, unused_bit);
        assert_int_equal(rc, AVILA_EFORMAT);
        assert_int_equal(parse_edited(kind, pad, 1, "A"), AVILA_EFORMAT);
        free(text);
    }
    size_t n;
    char *text = load("nopass.pub", &n);
    assert_int_not_equal(text[n - 2], '=');
    free(text);
}

/* A 1023-byte comment is the longest; 1024 is AVILA_ELIMIT, for parsers and writers. */
static void comment_length_limit(void **state)
{
    (void)state;
    char *longest = malloc(AVILA_SIGNIFY_COMMENT_MAX + 2);
    assert_non_null(longest);
    memset(longest, 'c', AVILA_SIGNIFY_COMMENT_MAX + 1);
    longest[AVILA_SIGNIFY_COMMENT_MAX + 1] = '\0';
    size_t b = line2(0);
    assert_int_equal(parse_edited(0, 19, b - 20, longest), AVILA_ELIMIT);
    longest[AVILA_SIGNIFY_COMMENT_MAX] = '\0';
    assert_int_equal(parse_edited(0, 19, b - 20, longest), 0);

    uint8_t seed[32] = {9}, keynum[8] = {8}, salt[16] = {7};
    struct avila_signify_pubkey pk;
    struct avila_signify_seckey sk;
    avila_signify_keygen(&pk, &sk, seed, keynum, salt, 0);
    sk.comment = pk.comment = longest;
    sk.comment_len = pk.comment_len = AVILA_SIGNIFY_COMMENT_MAX;
    char out[AVILA_SIGNIFY_FILE_MAX];
    size_t n;
    assert_int_equal(avila_signify_seckey_write(out, sizeof out, &sk, NULL, 0, &n), 0);
    assert_int_equal(n, AVILA_SIGNIFY_FILE_MAX);
    assert_int_equal(avila_signify_seckey_parse(&sk, out, n, NULL), 0);
    assert_int_equal(sk.comment_len, AVILA_SIGNIFY_COMMENT_MAX);
    pk.comment_len++;
    assert_int_equal(avila_signify_pubkey_write(out, sizeof out, &pk, &n), AVILA_ELIMIT);
    avila_wipe(&sk, sizeof sk);
    free(longest);
}

/* A NUL inside the comment line. */
static void nul_in_comment_is_refused(void **state)
{
    (void)state;
    size_t n;
    char *text = load("nopass.pub", &n);
    text[25] = '\0';
    assert_int_equal(avila_signify_pubkey_parse(&(struct avila_signify_pubkey){0}, text, n),
                     AVILA_EFORMAT);
    free(text);
}

/* The secret-key header: "BK" only, and no more rounds than the configuration allows. */
static void seckey_header_checks(void **state)
{
    (void)state;
    uint8_t seed[32] = {5}, keynum[8] = {6}, salt[16] = {7};
    struct avila_signify_pubkey pk;
    struct avila_signify_seckey sk;
    char out[AVILA_SIGNIFY_FILE_MAX];
    size_t n;
    for (uint32_t rounds = 1000; rounds <= 1025; rounds += 24) {
        avila_signify_keygen(&pk, &sk, seed, keynum, salt, 0);
        sk.rounds = rounds;
        sk.plain = 0; /* written as stored: no encryption run */
        sk.comment = "c";
        sk.comment_len = 1;
        assert_int_equal(avila_signify_seckey_write(out, sizeof out, &sk, NULL, 0, &n), 0);
        assert_int_equal(avila_signify_seckey_parse(&sk, out, n, NULL),
                         rounds <= AVILA_SIGNIFY_DEFAULT_MAX_ROUNDS ? 0 : AVILA_ELIMIT);
        const struct avila_signify_config cfg = {.max_rounds = 16};
        assert_int_equal(avila_signify_seckey_parse(&sk, out, n, &cfg), AVILA_ELIMIT);
        assert_true(avila_ct_is_zero(sk.secret, sizeof sk.secret));
    }
    /* "EdBK" is "RWRCSw" in base64: change the K. */
    size_t b = line2(1);
    assert_int_equal(parse_edited(1, b + 4, 2, "Tw"), AVILA_EUNSUPPORTED);
    /* A bad character inside the secret: refused, and the secret comes out zeroed. */
    char *text = load("nopass.sec", &n);
    text[b + 100] = '!';
    assert_int_equal(avila_signify_seckey_parse(&sk, text, n, NULL), AVILA_EFORMAT);
    assert_true(avila_ct_is_zero(sk.secret, sizeof sk.secret));
    free(text);
}

/* Every proper prefix of every valid file is refused, also in embedded mode. */
static void every_proper_prefix_is_refused(void **state)
{
    (void)state;
    for (int kind = 0; kind < 4; kind++) {
        size_t n;
        char *text = load(kind_files[kind], &n);
        for (size_t len = 0; len < n; len++) {
            char *p = unit_guarded_alloc(len ? len : 1);
            char *at = p + (len ? 0 : 1);
            memcpy(at, text, len);
            assert_int_not_equal(parse_kind(kind, at, len), 0);
            unit_guarded_free(p, len ? len : 1);
        }
        free(text);
    }
}

/* A whole file right before a guard page parses without reading past it. */
static void no_read_past_the_end(void **state)
{
    (void)state;
    for (int kind = 0; kind < 4; kind++) {
        size_t n;
        char *text = load(kind_files[kind], &n);
        char *p = unit_guarded_alloc(n);
        memcpy(p, text, n);
        assert_int_equal(parse_kind(kind, p, n), 0);
        unit_guarded_free(p, n);
        free(text);
    }
}

/* ------------------------------------------------------------ writers */

static void writer_errors(void **state)
{
    (void)state;
    uint8_t seed[32] = {1}, keynum[8] = {2}, salt[16] = {3};
    struct avila_signify_pubkey pk;
    struct avila_signify_seckey sk;
    avila_signify_keygen(&pk, &sk, seed, keynum, salt, 4);
    char out[AVILA_SIGNIFY_FILE_MAX];
    size_t n = 12345;
    memset(out, 'z', sizeof out);
    assert_int_equal(avila_signify_pubkey_write(out, sizeof out, &pk, &n), AVILA_EINVAL);
    pk.comment = "";
    assert_int_equal(avila_signify_pubkey_write(out, sizeof out, &pk, &n), AVILA_EINVAL);
    pk.comment = "a\nb";
    pk.comment_len = 3;
    assert_int_equal(avila_signify_pubkey_write(out, sizeof out, &pk, &n), AVILA_EINVAL);
    pk.comment = "a\0b";
    assert_int_equal(avila_signify_pubkey_write(out, sizeof out, &pk, &n), AVILA_EINVAL);
    pk.comment = "abc";
    /* "untrusted comment: abc\n" + 56 base64 + "\n" = 80 bytes. */
    assert_int_equal(avila_signify_pubkey_write(out, 79, &pk, &n), AVILA_ENOSPC);
    assert_int_equal(n, 12345);
    for (size_t i = 0; i < sizeof out; i++)
        assert_int_equal(out[i], 'z');
    assert_int_equal(avila_signify_pubkey_write(out, 80, &pk, &n), 0);
    assert_int_equal(n, 80);
    assert_int_equal(avila_signify_pubkey_write(out, 80, &pk, NULL), 0);
    /* An encrypted key needs a passphrase of 1 .. AVILA_SIGNIFY_PASS_MAX bytes. */
    sk.comment = "abc";
    sk.comment_len = 3;
    memset(out, 'z', sizeof out);
    assert_int_equal(avila_signify_seckey_write(out, sizeof out, &sk, "", 0, &n), AVILA_EINVAL);
    assert_int_equal(
        avila_signify_seckey_write(out, sizeof out, &sk, "x", AVILA_SIGNIFY_PASS_MAX + 1, &n),
        AVILA_EINVAL);
    assert_int_equal(out[0], 'z');
    struct avila_signify_sig s = {.comment = "abc", .comment_len = 3};
    assert_int_equal(avila_signify_sign(&s, &sk, "m", 1), 0);
    assert_int_equal(avila_signify_sig_write(out, 23 + 100, &s, &n), AVILA_ENOSPC);
    assert_int_equal(avila_signify_sig_write(out, 23 + 101, &s, &n), 0);
    assert_int_equal(n, 124);
    avila_wipe(&sk, sizeof sk);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(verifies_signify_signatures),
        cmocka_unit_test(rewrites_signify_files_identically),
        cmocka_unit_test(passphrase_key),
        cmocka_unit_test(embedded_signature),
        cmocka_unit_test(unencrypted_key_decrypts_and_signs),
        cmocka_unit_test(keygen_round_trips),
        cmocka_unit_test(mismatched_halves_are_refused),
        cmocka_unit_test(malformed_files_are_refused),
        cmocka_unit_test(noncanonical_base64_is_refused),
        cmocka_unit_test(comment_length_limit),
        cmocka_unit_test(nul_in_comment_is_refused),
        cmocka_unit_test(seckey_header_checks),
        cmocka_unit_test(every_proper_prefix_is_refused),
        cmocka_unit_test(no_read_past_the_end),
        cmocka_unit_test(writer_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
