/*
 * tests/crypto/test_keyfmt.c - key formats (crypto/keyfmt.h) against keys
 * OpenSSL 3 wrote (tests/vectors/keyfmt/, commands in its README): every
 * file parses and is written back byte for byte, in DER and in PEM; the
 * formats of one key agree with each other (PKCS#8 -> SEC1 / PKCS#1 /
 * SPKI gives OpenSSL's other files); DER detection; PKCS#8 v2 with a
 * public key; rejections: wrong and unknown OIDs, unknown curves (RFC 7468's
 * secp256k1 example), trailing bytes inside and outside, every proper
 * prefix, bad versions, multi-prime RSA, attributes, oversized RSA numbers;
 * and the ECDSA signature conversion DER <-> r || s.
 */
#include "tests/support/unit.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "crypto/der.h"
#include "crypto/keyfmt.h"
#include "crypto/pem.h"

/* A file of tests/vectors/keyfmt/ in a new malloc'd buffer; *n gets its length. */
static char *load(const char *name, size_t *n)
{
    char rel[256];
    snprintf(rel, sizeof rel, "keyfmt/%s", name);
    return tv_load(rel, n);
}

/* The DER inside a PEM file, into der (AVILA_KEYFMT_DER_MAX bytes); returns its length. */
static size_t load_der(const char *name, uint8_t *der)
{
    size_t n;
    char *text = load(name, &n);
    struct avila_pem_block blk;
    size_t pos = 0;
    int rc;
    do {
        rc = avila_pem_next(&blk, der, AVILA_KEYFMT_DER_MAX, text, n, &pos);
        assert_int_equal(rc, 0);
    } while (blk.label_len == 13 && memcmp(blk.label, "EC PARAMETERS", 13) == 0);
    free(text);
    return blk.der_len;
}

struct file_case {
    const char *name;
    int format, type;
    bool priv;
};

static const struct file_case FILES[] = {
    {"ed25519.pem", AVILA_KEYFMT_PKCS8, AVILA_KEYFMT_ED25519, true},
    {"ed25519.pub.pem", AVILA_KEYFMT_SPKI, AVILA_KEYFMT_ED25519, false},
    {"x25519.pem", AVILA_KEYFMT_PKCS8, AVILA_KEYFMT_X25519, true},
    {"x25519.pub.pem", AVILA_KEYFMT_SPKI, AVILA_KEYFMT_X25519, false},
    {"p256.pem", AVILA_KEYFMT_PKCS8, AVILA_KEYFMT_P256, true},
    {"p256.pub.pem", AVILA_KEYFMT_SPKI, AVILA_KEYFMT_P256, false},
    {"p256.trad.pem", AVILA_KEYFMT_SEC1, AVILA_KEYFMT_P256, true},
    {"p256c.trad.pem", AVILA_KEYFMT_SEC1, AVILA_KEYFMT_P256, true},
    {"p256c.pub.pem", AVILA_KEYFMT_SPKI, AVILA_KEYFMT_P256, false},
    {"p256.ecparam.pem", AVILA_KEYFMT_SEC1, AVILA_KEYFMT_P256, true},
    {"rsa2048.pem", AVILA_KEYFMT_PKCS8, AVILA_KEYFMT_RSA, true},
    {"rsa2048.pub.pem", AVILA_KEYFMT_SPKI, AVILA_KEYFMT_RSA, false},
    {"rsa2048.trad.pem", AVILA_KEYFMT_RSA_PRIVATE, AVILA_KEYFMT_RSA, true},
    {"rsa2048.rsapub.pem", AVILA_KEYFMT_RSA_PUBLIC, AVILA_KEYFMT_RSA, false},
    {"rsa4096.pem", AVILA_KEYFMT_PKCS8, AVILA_KEYFMT_RSA, true},
    {"rsa4096.pub.pem", AVILA_KEYFMT_SPKI, AVILA_KEYFMT_RSA, false},
    {"rsa4096.trad.pem", AVILA_KEYFMT_RSA_PRIVATE, AVILA_KEYFMT_RSA, true},
};

/* Each OpenSSL file loads (as PEM and as DER), and is written back identically. */
static void openssl_files_round_trip(void **state)
{
    (void)state;
    static uint8_t der[AVILA_KEYFMT_DER_MAX], work[AVILA_KEYFMT_DER_MAX], out[AVILA_KEYFMT_DER_MAX];
    static char pem[AVILA_KEYFMT_PEM_MAX];
    for (size_t i = 0; i < AVILA_ARRAY_LEN(FILES); i++) {
        const struct file_case *c = &FILES[i];
        size_t n, len;
        char *text = load(c->name, &n);
        struct avila_keyfmt_key key;
        int format = 0;
        assert_int_equal(avila_keyfmt_load(&key, &format, text, n, work, sizeof work), 0);
        assert_int_equal(format, c->format);
        assert_int_equal(key.type, c->type);
        assert_int_equal(key.has_private, c->priv);
        /* PEM out equals the file (the ecparam file also holds an EC PARAMETERS block). */
        assert_int_equal(
            avila_keyfmt_write_pem(pem, sizeof pem, &key, format, out, sizeof out, &len), 0);
        if (strcmp(c->name, "p256.ecparam.pem") != 0) {
            assert_int_equal(len, n);
            assert_memory_equal(pem, text, n);
        } else {
            assert_memory_equal(pem, strstr(text, "-----BEGIN EC PRIVATE KEY"), len);
        }
        /* DER: parse in place, detect, write back. */
        const size_t der_len = load_der(c->name, der);
        assert_int_equal(avila_keyfmt_load(&key, &format, der, der_len, NULL, 0), 0);
        assert_int_equal(format, c->format);
        assert_true(key.type != AVILA_KEYFMT_RSA ||
                    (key.n.ptr >= der && key.n.ptr < der + der_len));
        assert_int_equal(avila_keyfmt_write(out, sizeof out, &key, format, &len), 0);
        assert_int_equal(len, der_len);
        assert_memory_equal(out, der, der_len);
        /* The measuring is exact: one byte less is ENOSPC. */
        assert_int_equal(avila_keyfmt_write(out, der_len - 1, &key, format, &len), AVILA_ENOSPC);
        free(text);
    }
}

/* Parses the named file's DER in `format` into *key (slices into der). */
static void parse_file(const char *name, int format, struct avila_keyfmt_key *key, uint8_t *der)
{
    const size_t n = load_der(name, der);
    assert_int_equal(avila_keyfmt_parse(key, format, der, n), 0);
}

/* Writes key in format and compares with the named file's DER. */
static void write_equals(const struct avila_keyfmt_key *key, int format, const char *name)
{
    static uint8_t want[AVILA_KEYFMT_DER_MAX], got[AVILA_KEYFMT_DER_MAX];
    const size_t n = load_der(name, want);
    size_t len;
    assert_int_equal(avila_keyfmt_write(got, sizeof got, key, format, &len), 0);
    assert_int_equal(len, n);
    assert_memory_equal(got, want, n);
}

/* One key in several formats: ours from the PKCS#8 file equal OpenSSL's other files. */
static void formats_agree(void **state)
{
    (void)state;
    static uint8_t a[AVILA_KEYFMT_DER_MAX], b[AVILA_KEYFMT_DER_MAX];
    struct avila_keyfmt_key k8, k1;
    const char *rsa[] = {"rsa2048", "rsa4096"};
    for (size_t i = 0; i < 2; i++) {
        char name[64];
        snprintf(name, sizeof name, "%s.pem", rsa[i]);
        parse_file(name, AVILA_KEYFMT_PKCS8, &k8, a);
        assert_true(k8.n.len == (i == 0 ? 256 : 512));
        assert_int_equal(k8.e.len, 3);
        assert_memory_equal(k8.e.ptr, "\x01\x00\x01", 3);
        snprintf(name, sizeof name, "%s.trad.pem", rsa[i]);
        write_equals(&k8, AVILA_KEYFMT_RSA_PRIVATE, name);
        snprintf(name, sizeof name, "%s.pub.pem", rsa[i]);
        write_equals(&k8, AVILA_KEYFMT_SPKI, name);
        parse_file(name, AVILA_KEYFMT_SPKI, &k1, b);
        assert_true(avila_slice_equal(k1.n, k8.n) && avila_slice_equal(k1.e, k8.e));
        /* A public key cannot be written as a private one. */
        assert_int_equal(avila_keyfmt_write(b, sizeof b, &k1, AVILA_KEYFMT_PKCS8, NULL),
                         AVILA_EINVAL);
    }
    parse_file("rsa2048.pem", AVILA_KEYFMT_PKCS8, &k8, a);
    write_equals(&k8, AVILA_KEYFMT_RSA_PUBLIC, "rsa2048.rsapub.pem");

    /* P-256: PKCS#8 (no inner parameters) -> SEC1 (with them) and SPKI. */
    parse_file("p256.pem", AVILA_KEYFMT_PKCS8, &k8, a);
    assert_false(k8.ec_inner_params);
    assert_int_equal(k8.priv.len, 32);
    assert_int_equal(k8.pub.len, 65);
    write_equals(&k8, AVILA_KEYFMT_SEC1, "p256.trad.pem");
    write_equals(&k8, AVILA_KEYFMT_SPKI, "p256.pub.pem");
    parse_file("p256.trad.pem", AVILA_KEYFMT_SEC1, &k1, b);
    assert_true(avila_slice_equal(k1.priv, k8.priv) && avila_slice_equal(k1.pub, k8.pub));
    assert_false(k1.ec_inner_params);
    write_equals(&k1, AVILA_KEYFMT_PKCS8, "p256.pem");
    /* Compressed point: the same scalar, 33-byte point with the right parity prefix. */
    parse_file("p256c.trad.pem", AVILA_KEYFMT_SEC1, &k1, b);
    assert_true(avila_slice_equal(k1.priv, k8.priv));
    assert_int_equal(k1.pub.len, 33);
    assert_memory_equal(k1.pub.ptr + 1, k8.pub.ptr + 1, 32);
    assert_int_equal(k1.pub.ptr[0], 2 + (k8.pub.ptr[64] & 1));
    write_equals(&k1, AVILA_KEYFMT_SPKI, "p256c.pub.pem");

    /* Ed25519 / X25519: SPKI needs the public key, which PKCS#8 v1 does not carry. */
    const char *curves[] = {"ed25519", "x25519"};
    for (size_t i = 0; i < 2; i++) {
        char name[64];
        snprintf(name, sizeof name, "%s.pem", curves[i]);
        parse_file(name, AVILA_KEYFMT_PKCS8, &k8, a);
        assert_int_equal(k8.priv.len, 32);
        assert_int_equal(k8.pub.len, 0);
        assert_int_equal(avila_keyfmt_write(b, sizeof b, &k8, AVILA_KEYFMT_SPKI, NULL),
                         AVILA_EINVAL);
        assert_int_equal(avila_keyfmt_write(b, sizeof b, &k8, AVILA_KEYFMT_SEC1, NULL),
                         AVILA_EINVAL);
        snprintf(name, sizeof name, "%s.pub.pem", curves[i]);
        parse_file(name, AVILA_KEYFMT_SPKI, &k1, b);
        k8.pub = k1.pub;
        write_equals(&k8, AVILA_KEYFMT_SPKI, name);
        /* With the public key, PKCS#8 becomes v2 with [1] publicKey, and reads back. */
        static uint8_t v2[AVILA_KEYFMT_DER_MAX];
        size_t len;
        assert_int_equal(avila_keyfmt_write(v2, sizeof v2, &k8, AVILA_KEYFMT_PKCS8, &len), 0);
        assert_int_equal(len, 2 + 3 + 2 + 5 + 2 + 34 + 2 + 33);
        assert_int_equal(v2[4], 1);           /* version v2 */
        assert_int_equal(v2[len - 35], 0x81); /* [1] IMPLICIT */
        assert_int_equal(v2[len - 33], 0x00); /* no unused bits */
        struct avila_keyfmt_key k2;
        assert_int_equal(avila_keyfmt_parse(&k2, AVILA_KEYFMT_PKCS8, v2, len), 0);
        assert_true(avila_slice_equal(k2.priv, k8.priv) && avila_slice_equal(k2.pub, k1.pub));
        /* v2 without the public key, or v1 with it, is malformed. */
        v2[4] = 0;
        assert_int_equal(avila_keyfmt_parse(&k2, AVILA_KEYFMT_PKCS8, v2, len), AVILA_EFORMAT);
    }
}

/*
 * RFC 8410 section 10: the Ed25519 public key (10.1) and the OneAsymmetricKey
 * v2 with attributes and the public key (10.3). Attributes are not supported;
 * the same key written by us as v2 (without the attributes) is the RFC's
 * bytes with the attributes element cut out.
 */
static void rfc8410_examples(void **state)
{
    (void)state;
    static const char spki[] = "-----BEGIN PUBLIC KEY-----\n"
                               "MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n"
                               "-----END PUBLIC KEY-----\n";
    static const char v2[] = "-----BEGIN PRIVATE KEY-----\n"
                             "MHICAQEwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n"
                             "oB8wHQYKKoZIhvcNAQkJFDEPDA1DdXJkbGUgQ2hhaXJzgSEAGb9ECWmEzf6FQbrB\n"
                             "Z9w7lshQhqowtrbLDFw4rXAxZuE=\n"
                             "-----END PRIVATE KEY-----\n";
    static uint8_t wpub[AVILA_KEYFMT_DER_MAX], wpriv[AVILA_KEYFMT_DER_MAX],
        out[AVILA_KEYFMT_DER_MAX];
    struct avila_keyfmt_key pub, priv;
    int format;
    assert_int_equal(avila_keyfmt_load(&pub, &format, spki, strlen(spki), wpub, sizeof wpub), 0);
    assert_int_equal(format, AVILA_KEYFMT_SPKI);
    assert_int_equal(pub.type, AVILA_KEYFMT_ED25519);
    assert_int_equal(pub.pub.ptr[0], 0x19);
    assert_int_equal(avila_keyfmt_load(&priv, &format, v2, strlen(v2), wpriv, sizeof wpriv),
                     AVILA_EUNSUPPORTED);
    /* The RFC's DER: header 2, version 3, algorithm 7, private key 36, attributes 33, public 35. */
    struct avila_pem_block blk;
    assert_int_equal(avila_pem_decode(&blk, wpriv, sizeof wpriv, v2, strlen(v2)), 0);
    assert_int_equal(blk.der_len, 116);
    assert_int_equal(wpriv[48], 0xa0);
    assert_int_equal(wpriv[81], 0x81);
    assert_memory_equal(wpriv + 84, pub.pub.ptr, 32);
    memset(&priv, 0, sizeof priv);
    priv.type = AVILA_KEYFMT_ED25519;
    priv.has_private = true;
    priv.priv = avila_slice_make(wpriv + 16, 32);
    priv.pub = pub.pub;
    size_t len;
    assert_int_equal(avila_keyfmt_write(out, sizeof out, &priv, AVILA_KEYFMT_PKCS8, &len), 0);
    assert_int_equal(len, 116 - 33);
    assert_int_equal(out[0], 0x30);
    assert_int_equal(out[1], 116 - 33 - 2);
    assert_memory_equal(out + 2, wpriv + 2, 46);
    assert_memory_equal(out + 48, wpriv + 81, 35);
}

/* ------------------------------------------------------------ rejections */

static int parse(int format, const uint8_t *der, size_t n)
{
    struct avila_keyfmt_key key;
    return avila_keyfmt_parse(&key, format, der, n);
}

/* Finds the bytes pat in buf; fails if absent. */
static size_t find(const uint8_t *buf, size_t n, const void *pat, size_t m)
{
    for (size_t i = 0; i + m <= n; i++)
        if (memcmp(buf + i, pat, m) == 0)
            return i;
    fail_msg("pattern not found");
    return 0;
}

static void rejects(void **state)
{
    (void)state;
    static uint8_t der[AVILA_KEYFMT_DER_MAX + 8];
    for (size_t i = 0; i < AVILA_ARRAY_LEN(FILES); i++) {
        const struct file_case *c = &FILES[i];
        const size_t n = load_der(c->name, der);
        assert_int_equal(parse(c->format, der, n), 0);
        /* A trailing byte. */
        der[n] = 0;
        assert_int_equal(parse(c->format, der, n + 1), AVILA_EFORMAT);
        /* Every proper prefix. */
        for (size_t k = 0; k < n; k++)
            assert_true(parse(c->format, der, k) < 0);
        /* The wrong format. */
        for (int f = AVILA_KEYFMT_PKCS8; f <= AVILA_KEYFMT_RSA_PUBLIC; f++)
            if (f != c->format)
                assert_true(parse(f, der, n) < 0);
        assert_int_equal(parse(99, der, n), AVILA_EINVAL);
    }
    size_t n;
    /* Wrong OID: id-Ed448 (1.3.101.113) instead of id-Ed25519; RSA-PSS; a broken OID. */
    n = load_der("ed25519.pem", der);
    size_t at = find(der, n, "\x2b\x65\x70", 3);
    der[at + 2] = 0x71;
    assert_int_equal(parse(AVILA_KEYFMT_PKCS8, der, n), AVILA_EUNSUPPORTED);
    der[at + 1] = 0x80;
    assert_int_equal(parse(AVILA_KEYFMT_PKCS8, der, n), AVILA_EFORMAT);
    n = load_der("rsa2048.pub.pem", der);
    at = find(der, n, "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01", 9);
    der[at + 8] = 0x0a;
    assert_int_equal(parse(AVILA_KEYFMT_SPKI, der, n), AVILA_EUNSUPPORTED);
    /* Wrong curve: secp384r1's OID is longer, so use prime256v1 with its last arc changed. */
    n = load_der("p256.pub.pem", der);
    at = find(der, n, "\x2a\x86\x48\xce\x3d\x03\x01\x07", 8);
    der[at + 7] = 0x06;
    assert_int_equal(parse(AVILA_KEYFMT_SPKI, der, n), AVILA_EUNSUPPORTED);
    n = load_der("p256.trad.pem", der);
    at = find(der, n, "\x2a\x86\x48\xce\x3d\x03\x01\x07", 8);
    der[at + 7] = 0x06;
    assert_int_equal(parse(AVILA_KEYFMT_SEC1, der, n), AVILA_EUNSUPPORTED);
    /* A P-256 point with a bad prefix. */
    n = load_der("p256.pub.pem", der);
    der[n - 65] = 0x05;
    assert_int_equal(parse(AVILA_KEYFMT_SPKI, der, n), AVILA_EFORMAT);

    /* Bad versions: PKCS#8 version 2, SEC1 version 0, RSA version 1 (multi-prime) and 2. */
    n = load_der("p256.pem", der);
    assert_int_equal(der[3], 0x02);
    der[5] = 2;
    assert_int_equal(parse(AVILA_KEYFMT_PKCS8, der, n), AVILA_EFORMAT);
    der[5] = 1; /* v2 without a public key */
    assert_int_equal(parse(AVILA_KEYFMT_PKCS8, der, n), AVILA_EFORMAT);
    n = load_der("p256.trad.pem", der);
    assert_int_equal(der[4], 1);
    der[4] = 0;
    assert_int_equal(parse(AVILA_KEYFMT_SEC1, der, n), AVILA_EFORMAT);
    n = load_der("rsa2048.trad.pem", der);
    assert_int_equal(der[6], 0);
    der[6] = 1;
    assert_int_equal(parse(AVILA_KEYFMT_RSA_PRIVATE, der, n), AVILA_EUNSUPPORTED);
    der[6] = 2;
    assert_int_equal(parse(AVILA_KEYFMT_RSA_PRIVATE, der, n), AVILA_EFORMAT);
    der[6] = 0x80; /* negative */
    assert_int_equal(parse(AVILA_KEYFMT_RSA_PRIVATE, der, n), AVILA_EFORMAT);

    /* A trailing byte inside PKCS#8's OCTET STRING (the inner key), built with the writer. */
    {
        static uint8_t in[AVILA_KEYFMT_DER_MAX], out[AVILA_KEYFMT_DER_MAX + 8];
        struct avila_keyfmt_key key;
        n = load_der("ed25519.pem", in);
        assert_int_equal(avila_keyfmt_parse(&key, AVILA_KEYFMT_PKCS8, in, n), 0);
        struct avila_der_writer w;
        size_t m, m2, len;
        avila_der_writer_init(&w, out, sizeof out);
        avila_der_begin(&w, AVILA_DER_SEQUENCE, &m);
        avila_der_write_i64(&w, 0);
        avila_der_write_raw(&w, in + 5, 7); /* the AlgorithmIdentifier */
        avila_der_begin(&w, AVILA_DER_OCTET_STRING, &m2);
        avila_der_write_octets(&w, key.priv.ptr, 32);
        avila_der_write_null(&w);
        avila_der_end(&w, m2);
        avila_der_end(&w, m);
        assert_int_equal(avila_der_writer_finish(&w, &len), 0);
        assert_int_equal(parse(AVILA_KEYFMT_PKCS8, out, len), AVILA_EFORMAT);
        /* Attributes [0] are not supported; a 31-byte key is malformed. */
        avila_der_writer_init(&w, out, sizeof out);
        avila_der_begin(&w, AVILA_DER_SEQUENCE, &m);
        avila_der_write_i64(&w, 0);
        avila_der_write_raw(&w, in + 5, 7);
        avila_der_begin(&w, AVILA_DER_OCTET_STRING, &m2);
        avila_der_write_octets(&w, key.priv.ptr, 32);
        avila_der_end(&w, m2);
        avila_der_begin(&w, AVILA_DER_CTX_CONS(0), &m2);
        avila_der_end(&w, m2);
        avila_der_end(&w, m);
        assert_int_equal(avila_der_writer_finish(&w, &len), 0);
        assert_int_equal(parse(AVILA_KEYFMT_PKCS8, out, len), AVILA_EUNSUPPORTED);
        avila_der_writer_init(&w, out, sizeof out);
        avila_der_begin(&w, AVILA_DER_SEQUENCE, &m);
        avila_der_write_i64(&w, 0);
        avila_der_write_raw(&w, in + 5, 7);
        avila_der_begin(&w, AVILA_DER_OCTET_STRING, &m2);
        avila_der_write_octets(&w, key.priv.ptr, 31);
        avila_der_end(&w, m2);
        avila_der_end(&w, m);
        assert_int_equal(avila_der_writer_finish(&w, &len), 0);
        assert_int_equal(parse(AVILA_KEYFMT_PKCS8, out, len), AVILA_EFORMAT);
        /* Ed25519 with parameters (RFC 8410 says absent). */
        avila_der_writer_init(&w, out, sizeof out);
        avila_der_begin(&w, AVILA_DER_SEQUENCE, &m);
        avila_der_write_i64(&w, 0);
        avila_der_begin(&w, AVILA_DER_SEQUENCE, &m2);
        avila_der_write_oid(&w, "\x2b\x65\x70", 3);
        avila_der_write_null(&w);
        avila_der_end(&w, m2);
        avila_der_begin(&w, AVILA_DER_OCTET_STRING, &m2);
        avila_der_write_octets(&w, key.priv.ptr, 32);
        avila_der_end(&w, m2);
        avila_der_end(&w, m);
        assert_int_equal(avila_der_writer_finish(&w, &len), 0);
        assert_int_equal(parse(AVILA_KEYFMT_PKCS8, out, len), AVILA_EFORMAT);
    }

    /* RFC 7468 figure 12: a secp256k1 key - well-formed, unsupported curve. */
    static const char fig12[] = "-----BEGIN PRIVATE KEY-----\n"
                                "MIGEAgEAMBAGByqGSM49AgEGBSuBBAAKBG0wawIBAQQgVcB/UNPxalR9zDYAjQIf\n"
                                "jojUDiQuGnSJrFEEzZPT/92hRANCAASc7UJtgnF/abqWM60T3XNJEzBv5ez9TdwK\n"
                                "H0M6xpM2q+53wmsN/eYLdgtjgBd3DBmHtPilCkiFICXyaA8z9LkJ\n"
                                "-----END PRIVATE KEY-----\n";
    struct avila_keyfmt_key key;
    static uint8_t work[AVILA_KEYFMT_DER_MAX];
    assert_int_equal(avila_keyfmt_load(&key, NULL, fig12, strlen(fig12), work, sizeof work),
                     AVILA_EUNSUPPORTED);
    /* Labels that are not keys; text that is neither PEM nor DER. */
    static const char cert[] = "-----BEGIN CERTIFICATE-----\nAAEC\n-----END CERTIFICATE-----\n";
    assert_int_equal(avila_keyfmt_load(&key, NULL, cert, strlen(cert), work, sizeof work),
                     AVILA_EUNSUPPORTED);
    assert_int_equal(avila_keyfmt_load(&key, NULL, "hello\n", 6, work, sizeof work), AVILA_EFORMAT);
    /* A label that does not match its content. */
    size_t tn;
    char *text = load("p256.pub.pem", &tn);
    static char swapped[512];
    int l = snprintf(
        swapped, sizeof swapped, "-----BEGIN PRIVATE KEY-----\n%.*s-----END PRIVATE KEY-----\n",
        (int)(strstr(text, "-----END") - strchr(text, '\n') - 1), strchr(text, '\n') + 1);
    assert_true(avila_keyfmt_load(&key, NULL, swapped, (size_t)l, work, sizeof work) < 0);
    free(text);
}

/* RSA numbers: 4096 bits pass, one byte more is ELIMIT, in the parser and in the writer. */
static void rsa_limits(void **state)
{
    (void)state;
    static uint8_t big[AVILA_KEYFMT_RSA_MAX_BYTES + 1], out[AVILA_KEYFMT_DER_MAX];
    memset(big, 0xc5, sizeof big);
    struct avila_keyfmt_key key;
    memset(&key, 0, sizeof key);
    key.type = AVILA_KEYFMT_RSA;
    key.has_private = true;
    struct avila_slice *f[] = {&key.n, &key.e, &key.d, &key.p, &key.q, &key.dp, &key.dq, &key.qinv};
    for (size_t i = 0; i < 8; i++)
        *f[i] = avila_slice_make(big, AVILA_KEYFMT_RSA_MAX_BYTES);
    size_t len;
    /* Every field at the bound: fits AVILA_KEYFMT_DER_MAX in PKCS#8, and PEM in its bound. */
    assert_int_equal(avila_keyfmt_write(out, sizeof out, &key, AVILA_KEYFMT_PKCS8, &len), 0);
    assert_int_equal(parse(AVILA_KEYFMT_PKCS8, out, len), 0);
    static char pem[AVILA_KEYFMT_PEM_MAX];
    static uint8_t work[AVILA_KEYFMT_DER_MAX];
    assert_int_equal(avila_keyfmt_write_pem(pem, sizeof pem, &key, AVILA_KEYFMT_RSA_PRIVATE, work,
                                            sizeof work, &len),
                     0);
    key.n = avila_slice_make(big, sizeof big);
    assert_int_equal(avila_keyfmt_write(out, sizeof out, &key, AVILA_KEYFMT_SPKI, &len),
                     AVILA_ELIMIT);
    /* Leading zeros do not count. */
    big[0] = 0;
    assert_int_equal(avila_keyfmt_write(out, sizeof out, &key, AVILA_KEYFMT_SPKI, &len), 0);
    big[0] = 0xc5;
    /* A hand-made RSAPublicKey with a 513-byte modulus. */
    struct avila_der_writer w;
    size_t m;
    avila_der_writer_init(&w, out, sizeof out);
    avila_der_begin(&w, AVILA_DER_SEQUENCE, &m);
    avila_der_write_integer(&w, big, sizeof big);
    avila_der_write_integer(&w, "\x01\x00\x01", 3);
    avila_der_end(&w, m);
    assert_int_equal(avila_der_writer_finish(&w, &len), 0);
    assert_int_equal(parse(AVILA_KEYFMT_RSA_PUBLIC, out, len), AVILA_ELIMIT);
    /* And with 512 bytes it parses. */
    avila_der_writer_init(&w, out, sizeof out);
    avila_der_begin(&w, AVILA_DER_SEQUENCE, &m);
    avila_der_write_integer(&w, big, AVILA_KEYFMT_RSA_MAX_BYTES);
    avila_der_write_integer(&w, "\x01\x00\x01", 3);
    avila_der_end(&w, m);
    assert_int_equal(avila_der_writer_finish(&w, &len), 0);
    assert_int_equal(parse(AVILA_KEYFMT_RSA_PUBLIC, out, len), 0);
    /* A negative modulus is malformed. */
    avila_der_writer_init(&w, out, sizeof out);
    avila_der_begin(&w, AVILA_DER_SEQUENCE, &m);
    avila_der_write_i64(&w, -5);
    avila_der_write_integer(&w, "\x01\x00\x01", 3);
    avila_der_end(&w, m);
    assert_int_equal(avila_der_writer_finish(&w, &len), 0);
    assert_int_equal(parse(AVILA_KEYFMT_RSA_PUBLIC, out, len), AVILA_EFORMAT);
}

/* ------------------------------------------------------------ ECDSA signatures */

static void ecdsa_sig_known(void **state)
{
    (void)state;
    uint8_t rs[64], der[80];
    size_t len;
    /* r = 1, s = 0x80 (needs a sign octet): 30 07 02 01 01 02 02 00 80. */
    memset(rs, 0, sizeof rs);
    rs[31] = 1;
    rs[63] = 0x80;
    assert_int_equal(avila_keyfmt_ecdsa_sig_to_der(der, sizeof der, rs, 32, &len), 0);
    static const uint8_t small[] = {0x30, 0x07, 0x02, 0x01, 0x01, 0x02, 0x02, 0x00, 0x80};
    assert_int_equal(len, sizeof small);
    assert_memory_equal(der, small, len);
    uint8_t back[64];
    assert_int_equal(avila_keyfmt_ecdsa_sig_from_der(back, 32, small, sizeof small), 0);
    assert_memory_equal(back, rs, 64);
    /* Both with the top bit set: the longest form, 72 bytes. */
    memset(rs, 0xff, sizeof rs);
    assert_int_equal(avila_keyfmt_ecdsa_sig_to_der(der, sizeof der, rs, 32, &len), 0);
    assert_int_equal(len, 72);
    assert_true(len <= AVILA_KEYFMT_ECDSA_DER_MAX(32));
    assert_int_equal(avila_keyfmt_ecdsa_sig_from_der(back, 32, der, 72), 0);
    assert_memory_equal(back, rs, 64);
    assert_int_equal(avila_keyfmt_ecdsa_sig_to_der(der, 71, rs, 32, &len), AVILA_ENOSPC);
    /* 66-byte scalars (P-521) need a long-form SEQUENCE length. */
    uint8_t rs66[132], der66[AVILA_KEYFMT_ECDSA_DER_MAX(66)], back66[132];
    memset(rs66, 0xff, sizeof rs66);
    assert_int_equal(avila_keyfmt_ecdsa_sig_to_der(der66, sizeof der66, rs66, 66, &len), 0);
    assert_int_equal(der66[1], 0x81);
    assert_int_equal(avila_keyfmt_ecdsa_sig_from_der(back66, 66, der66, len), 0);
    assert_memory_equal(back66, rs66, 132);
    /* Zero r or s cannot be written; bad scalar sizes. */
    memset(rs, 0, 32);
    assert_int_equal(avila_keyfmt_ecdsa_sig_to_der(der, sizeof der, rs, 32, &len), AVILA_EINVAL);
    assert_int_equal(avila_keyfmt_ecdsa_sig_to_der(der, sizeof der, rs, 0, &len), AVILA_EINVAL);
    assert_int_equal(avila_keyfmt_ecdsa_sig_from_der(back, 67, small, sizeof small), AVILA_EINVAL);

    /* Rejections; back MUST stay untouched. */
    static const struct {
        uint8_t d[16];
        size_t n;
    } bad[] = {
        {{0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x01}, 8},       /* r = 0 */
        {{0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x80}, 8},       /* s negative */
        {{0x30, 0x07, 0x02, 0x02, 0x00, 0x01, 0x02, 0x01, 0x01}, 9}, /* r not minimal */
        {{0x30, 0x07, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x00}, 9}, /* data inside after s */
        {{0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x00}, 9}, /* trailing byte */
        {{0x30, 0x81, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01}, 9}, /* long-form length */
        {{0x30, 0x03, 0x02, 0x01, 0x01}, 5},                         /* s missing */
        {{0x31, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01}, 8},       /* SET */
        {{0x30, 0x06, 0x02, 0x01, 0x01, 0x04, 0x01, 0x01}, 8},       /* OCTET STRING s */
        {{0x30, 0x80, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x00, 0x00}, 10}, /* indefinite */
        {{0x30, 0x05, 0x02, 0x00, 0x02, 0x01, 0x01}, 7},                    /* empty r */
    };
    memset(back, 0xaa, sizeof back);
    for (size_t i = 0; i < AVILA_ARRAY_LEN(bad); i++) {
        assert_int_equal(avila_keyfmt_ecdsa_sig_from_der(back, 32, bad[i].d, bad[i].n),
                         AVILA_EFORMAT);
        for (size_t k = 0; k < 64; k++)
            assert_int_equal(back[k], 0xaa);
    }
    /* r one byte too long for the scalar size (33 bytes without a sign octet). */
    uint8_t longr[80] = {0x30, 0x26, 0x02, 0x21, 0x01};
    memset(longr + 5, 0x11, 32);
    longr[37] = 0x02;
    longr[38] = 0x01;
    longr[39] = 0x01;
    assert_int_equal(avila_keyfmt_ecdsa_sig_from_der(back, 32, longr, 40), AVILA_EFORMAT);
    uint8_t back33[66];
    assert_int_equal(avila_keyfmt_ecdsa_sig_from_der(back33, 33, longr, 40), 0);
}

/* Random r || s (with leading zero octets now and then) survive both ways, and DER is minimal. */
static void ecdsa_sig_random(void **state)
{
    (void)state;
    uint64_t rng = 1;
    for (int i = 0; i < 20000; i++) {
        uint8_t rs[64], back[64], der[AVILA_KEYFMT_ECDSA_DER_MAX(32)];
        unit_rand_fill(&rng, rs, sizeof rs);
        const uint64_t r = unit_rand(&rng);
        memset(rs, 0, r % 4 == 0 ? (r >> 8) % 31 : 0);
        memset(rs + 32, 0, r % 4 == 1 ? (r >> 8) % 31 : 0);
        size_t len;
        assert_int_equal(avila_keyfmt_ecdsa_sig_to_der(der, sizeof der, rs, 32, &len), 0);
        assert_int_equal(avila_keyfmt_ecdsa_sig_from_der(back, 32, der, len), 0);
        assert_memory_equal(back, rs, 64);
        /* Every proper prefix fails. */
        if (i % 100 == 0)
            for (size_t k = 0; k < len; k++)
                assert_int_equal(avila_keyfmt_ecdsa_sig_from_der(back, 32, der, k), AVILA_EFORMAT);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(openssl_files_round_trip),
        cmocka_unit_test(formats_agree),
        cmocka_unit_test(rfc8410_examples),
        cmocka_unit_test(rejects),
        cmocka_unit_test(rsa_limits),
        cmocka_unit_test(ecdsa_sig_known),
        cmocka_unit_test(ecdsa_sig_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
