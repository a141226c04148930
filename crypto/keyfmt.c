/*
 * crypto/keyfmt.c - PKCS#8, SPKI, SEC1 and PKCS#1 key formats (RFC 5208,
 * RFC 5958, RFC 5280, RFC 5915, RFC 8017, RFC 8410; see crypto/keyfmt.h),
 * and the DER <-> r || s conversion of ECDSA signatures. Pure.
 */
#include "crypto/keyfmt.h"

#include "core/ct.h"
#include "core/error.h"
#include "crypto/der.h"
#include "crypto/pem.h"

/* OBJECT IDENTIFIER content octets. */
static const uint8_t OID_ED25519[] = {0x2b, 0x65, 0x70}; /* 1.3.101.112 */
static const uint8_t OID_X25519[] = {0x2b, 0x65, 0x6e};  /* 1.3.101.110 */
static const uint8_t OID_EC_PUBLIC_KEY[] = {0x2a, 0x86, 0x48, 0xce,
                                            0x3d, 0x02, 0x01}; /* 1.2.840.10045.2.1 */
static const uint8_t OID_PRIME256V1[] = {0x2a, 0x86, 0x48, 0xce,
                                         0x3d, 0x03, 0x01, 0x07}; /* 1.2.840.10045.3.1.7 */
static const uint8_t OID_RSA[] = {0x2a, 0x86, 0x48, 0x86, 0xf7,
                                  0x0d, 0x01, 0x01, 0x01}; /* 1.2.840.113549.1.1.1 */

/* The unused-bits octet of a whole-octet BIT STRING. */
static const uint8_t zero_octet = 0;

#define SLICE(a) avila_slice_make((a), sizeof(a))

/* The longest PEM output: the DER bound in base64 lines of 64 under the longest label. */
#define PEM_BOUND(der, label)                                                                      \
    ((((der) + 2) / 3 * 4) + (((der) + 2) / 3 * 4 + 63) / 64 + 2 * (label) + 11 + 9 + 10 + 2)
_Static_assert(AVILA_KEYFMT_PEM_MAX >= PEM_BOUND(AVILA_KEYFMT_DER_MAX, 15), "PEM bound");
/* RSA private key in PKCS#8: 8 INTEGERs of 4 + 513 bytes, version, headers, wrapping. */
_Static_assert(AVILA_KEYFMT_DER_MAX >=
                   4 + 3 + 15 + 4 + 4 + 3 + 8 * (4 + AVILA_KEYFMT_RSA_MAX_BYTES + 1),
               "DER bound");

/* ------------------------------------------------------------------ parsing helpers */

/* A non-negative INTEGER's magnitude, at most max bytes (AVILA_ELIMIT above); negative is
 * malformed. */
static int read_uint(struct avila_der *d, struct avila_slice *mag, size_t max)
{
    int rc = avila_der_read_integer(d, mag);
    if (rc == AVILA_ERANGE)
        return AVILA_EFORMAT;
    if (rc != 0)
        return rc;
    return mag->len > max ? AVILA_ELIMIT : 0;
}

/* An INTEGER that MUST be small (versions); anything else is malformed. */
static int read_small(struct avila_der *d, uint64_t *v)
{
    int rc = avila_der_read_u64(d, v);
    return rc == AVILA_ERANGE ? AVILA_EFORMAT : rc;
}

/* A BIT STRING of whole octets. */
static int read_bits0(struct avila_der *d, struct avila_slice *bits)
{
    unsigned unused;
    int rc = avila_der_read_bits(d, bits, &unused);
    if (rc != 0)
        return rc;
    return unused == 0 ? 0 : AVILA_EFORMAT;
}

/* A P-256 point as stored: uncompressed 0x04 || X || Y or compressed 0x02/0x03 || X. */
static int check_point(struct avila_slice pt)
{
    if (pt.len == 65 && pt.ptr[0] == 0x04)
        return 0;
    if (pt.len == 33 && (pt.ptr[0] == 0x02 || pt.ptr[0] == 0x03))
        return 0;
    return AVILA_EFORMAT;
}

/*
 * ECParameters (RFC 5480 section 2.1.1): a namedCurve OID, which must be
 * prime256v1; implicitCurve (NULL) and specifiedCurve are not handled.
 * Missing: AVILA_EFORMAT.
 */
static int read_named_curve(struct avila_der *d)
{
    uint32_t tag;
    int rc = avila_der_peek(d, &tag);
    if (rc <= 0)
        return rc < 0 ? rc : AVILA_EFORMAT;
    if (tag != AVILA_DER_OID)
        return AVILA_EUNSUPPORTED;
    struct avila_slice curve;
    rc = avila_der_read_oid(d, &curve);
    if (rc == 0 && !avila_slice_equal(curve, SLICE(OID_PRIME256V1)))
        rc = AVILA_EUNSUPPORTED;
    return rc;
}

/*
 * An AlgorithmIdentifier: sets *type, checks the parameters (absent for
 * the 25519 types, NULL for RSA, the namedCurve prime256v1 for EC).
 */
static int read_alg(struct avila_der *d, int *type)
{
    struct avila_der alg;
    struct avila_slice oid;
    int rc = avila_der_read_sequence(d, &alg);
    if (rc == 0)
        rc = avila_der_read_oid(&alg, &oid);
    if (rc != 0)
        return rc;
    if (avila_slice_equal(oid, SLICE(OID_ED25519)) || avila_slice_equal(oid, SLICE(OID_X25519))) {
        *type = oid.ptr[2] == 0x70 ? AVILA_KEYFMT_ED25519 : AVILA_KEYFMT_X25519;
    } else if (avila_slice_equal(oid, SLICE(OID_RSA))) {
        *type = AVILA_KEYFMT_RSA;
        rc = avila_der_read_null(&alg);
    } else if (avila_slice_equal(oid, SLICE(OID_EC_PUBLIC_KEY))) {
        *type = AVILA_KEYFMT_P256;
        rc = read_named_curve(&alg);
    } else {
        return AVILA_EUNSUPPORTED;
    }
    return rc != 0 ? rc : avila_der_finish(&alg);
}

/* Ends a parse: nothing may follow the key's SEQUENCE or its contents; then sets the type. */
static int finish_key(struct avila_keyfmt_key *key, struct avila_der *top, struct avila_der *seq,
                      int type, bool has_private)
{
    int rc = avila_der_finish(seq);
    if (rc == 0)
        rc = avila_der_finish(top);
    if (rc != 0)
        return rc;
    key->type = type;
    key->has_private = has_private;
    return 0;
}

/* RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } */
static int parse_rsa_public(struct avila_keyfmt_key *key, struct avila_slice der)
{
    struct avila_der top, seq;
    avila_der_init(&top, der.ptr, der.len);
    int rc = avila_der_read_sequence(&top, &seq);
    if (rc == 0)
        rc = read_uint(&seq, &key->n, AVILA_KEYFMT_RSA_MAX_BYTES);
    if (rc == 0)
        rc = read_uint(&seq, &key->e, AVILA_KEYFMT_RSA_MAX_BYTES);
    return rc != 0 ? rc : finish_key(key, &top, &seq, AVILA_KEYFMT_RSA, false);
}

/* RSAPrivateKey: version 0 (two-prime), n, e, d, p, q, dP, dQ, qInv (RFC 8017 A.1.2). */
static int parse_rsa_private(struct avila_keyfmt_key *key, struct avila_slice der)
{
    struct avila_der top, seq;
    uint64_t version;
    avila_der_init(&top, der.ptr, der.len);
    int rc = avila_der_read_sequence(&top, &seq);
    if (rc == 0)
        rc = read_small(&seq, &version);
    if (rc != 0)
        return rc;
    if (version == 1)
        return AVILA_EUNSUPPORTED; /* multi-prime */
    if (version != 0)
        return AVILA_EFORMAT;
    struct avila_slice *f[] = {&key->n, &key->e,  &key->d,  &key->p,
                               &key->q, &key->dp, &key->dq, &key->qinv};
    for (size_t i = 0; i < AVILA_ARRAY_LEN(f) && rc == 0; i++)
        rc = read_uint(&seq, f[i], AVILA_KEYFMT_RSA_MAX_BYTES);
    return rc != 0 ? rc : finish_key(key, &top, &seq, AVILA_KEYFMT_RSA, true);
}

/*
 * ECPrivateKey ::= SEQUENCE { version INTEGER 1, privateKey OCTET STRING,
 * parameters [0] ECParameters OPTIONAL, publicKey [1] BIT STRING OPTIONAL }
 * (RFC 5915 section 3). standalone: SEC1 on its own, where the curve MUST be named.
 */
static int parse_ec_private(struct avila_keyfmt_key *key, struct avila_slice der, bool standalone)
{
    struct avila_der top, seq, ex;
    struct avila_slice v;
    uint64_t version;
    avila_der_init(&top, der.ptr, der.len);
    int rc = avila_der_read_sequence(&top, &seq);
    if (rc == 0)
        rc = read_small(&seq, &version);
    if (rc == 0 && version != 1)
        rc = AVILA_EFORMAT;
    if (rc == 0)
        rc = avila_der_read_octets(&seq, &key->priv);
    if (rc != 0)
        return rc;
    /* RFC 5915: ceiling(log2(n) / 8) octets, leading zeros kept. */
    if (key->priv.len != 32)
        return AVILA_EFORMAT;
    rc = avila_der_read_optional(&seq, AVILA_DER_CTX_CONS(0), &v);
    if (rc < 0)
        return rc;
    /* The flag describes PKCS#8's inner key only; SEC1 always names the curve. */
    key->ec_inner_params = rc == 1 && !standalone;
    if (rc == 1) {
        avila_der_init(&ex, v.ptr, v.len);
        rc = read_named_curve(&ex);
        if (rc == 0)
            rc = avila_der_finish(&ex);
        if (rc != 0)
            return rc;
    } else if (standalone) {
        return AVILA_EUNSUPPORTED; /* no curve named: cannot tell it is P-256 */
    }
    key->pub = avila_slice_make(NULL, 0);
    rc = avila_der_read_optional(&seq, AVILA_DER_CTX_CONS(1), &v);
    if (rc < 0)
        return rc;
    if (rc == 1) {
        avila_der_init(&ex, v.ptr, v.len);
        rc = read_bits0(&ex, &key->pub);
        if (rc == 0)
            rc = avila_der_finish(&ex);
        if (rc == 0)
            rc = check_point(key->pub);
        if (rc != 0)
            return rc;
    }
    return finish_key(key, &top, &seq, AVILA_KEYFMT_P256, true);
}

/*
 * OneAsymmetricKey ::= SEQUENCE { version INTEGER (v1 0, v2 1),
 * privateKeyAlgorithm AlgorithmIdentifier, privateKey OCTET STRING,
 * attributes [0] OPTIONAL, publicKey [1] IMPLICIT BIT STRING OPTIONAL }
 */
static int parse_pkcs8(struct avila_keyfmt_key *key, struct avila_slice der)
{
    struct avila_der top, seq;
    struct avila_slice inner, v;
    uint64_t version;
    int type = 0;
    avila_der_init(&top, der.ptr, der.len);
    int rc = avila_der_read_sequence(&top, &seq);
    if (rc == 0)
        rc = read_small(&seq, &version);
    if (rc == 0 && version > 1)
        rc = AVILA_EFORMAT;
    if (rc == 0)
        rc = read_alg(&seq, &type);
    if (rc == 0)
        rc = avila_der_read_octets(&seq, &inner);
    if (rc != 0)
        return rc;
    rc = avila_der_read_optional(&seq, AVILA_DER_CTX_CONS(0), &v);
    if (rc != 0)
        return rc < 0 ? rc : AVILA_EUNSUPPORTED; /* attributes */
    struct avila_slice pub = avila_slice_make(NULL, 0);
    rc = avila_der_read_optional(&seq, AVILA_DER_CTX(1), &v);
    if (rc < 0)
        return rc;
    const bool has_pub = rc == 1;
    if (has_pub) {
        unsigned unused;
        rc = avila_der_bits_value(v, &pub, &unused);
        if (rc != 0)
            return rc;
        if (unused != 0)
            return AVILA_EFORMAT;
    }
    rc = avila_der_finish(&seq);
    if (rc == 0)
        rc = avila_der_finish(&top);
    if (rc != 0)
        return rc;
    /* RFC 5958: v2 exactly when the public key is there. */
    if ((version == 1) != has_pub)
        return AVILA_EFORMAT;

    memset(key, 0, sizeof *key);
    if (type == AVILA_KEYFMT_ED25519 || type == AVILA_KEYFMT_X25519) {
        /* CurvePrivateKey ::= OCTET STRING (RFC 8410 section 7). */
        struct avila_der in;
        avila_der_init(&in, inner.ptr, inner.len);
        rc = avila_der_read_octets(&in, &key->priv);
        if (rc == 0)
            rc = avila_der_finish(&in);
        if (rc != 0)
            return rc;
        if (key->priv.len != 32 || (has_pub && pub.len != 32))
            return AVILA_EFORMAT;
        key->pub = pub;
        key->type = type;
        key->has_private = true;
        return 0;
    }
    /* The publicKey field is only written for the 25519 types (OpenSSL's use of v2). */
    if (has_pub)
        return AVILA_EUNSUPPORTED;
    if (type == AVILA_KEYFMT_RSA)
        return parse_rsa_private(key, inner);
    return parse_ec_private(key, inner, false);
}

/* SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }
 */
static int parse_spki(struct avila_keyfmt_key *key, struct avila_slice der)
{
    struct avila_der top, seq;
    struct avila_slice bits;
    int type = 0;
    avila_der_init(&top, der.ptr, der.len);
    int rc = avila_der_read_sequence(&top, &seq);
    if (rc == 0)
        rc = read_alg(&seq, &type);
    if (rc == 0)
        rc = read_bits0(&seq, &bits);
    if (rc == 0)
        rc = avila_der_finish(&seq);
    if (rc == 0)
        rc = avila_der_finish(&top);
    if (rc != 0)
        return rc;
    memset(key, 0, sizeof *key);
    if (type == AVILA_KEYFMT_RSA)
        return parse_rsa_public(key, bits);
    if (type == AVILA_KEYFMT_P256) {
        rc = check_point(bits);
    } else if (bits.len != 32) {
        rc = AVILA_EFORMAT;
    }
    if (rc != 0)
        return rc;
    key->type = type;
    key->pub = bits;
    return 0;
}

int avila_keyfmt_parse(struct avila_keyfmt_key *key, int format, const void *der, size_t n)
{
    const struct avila_slice s = avila_slice_make(der, n);
    switch (format) {
    case AVILA_KEYFMT_PKCS8:
        return parse_pkcs8(key, s);
    case AVILA_KEYFMT_SPKI:
        return parse_spki(key, s);
    case AVILA_KEYFMT_SEC1:
        memset(key, 0, sizeof *key);
        return parse_ec_private(key, s, true);
    case AVILA_KEYFMT_RSA_PRIVATE:
        memset(key, 0, sizeof *key);
        return parse_rsa_private(key, s);
    case AVILA_KEYFMT_RSA_PUBLIC:
        memset(key, 0, sizeof *key);
        return parse_rsa_public(key, s);
    default:
        return AVILA_EINVAL;
    }
}

/* ------------------------------------------------------------------ writing */

/* Trims leading zero octets (the parsers give magnitudes without them; callers may not). */
static struct avila_slice trim(struct avila_slice s)
{
    while (s.len > 0 && s.ptr[0] == 0) {
        s.ptr++;
        s.len--;
    }
    return s;
}

static int check_rsa(const struct avila_keyfmt_key *key, bool priv)
{
    const struct avila_slice f[] = {key->n, key->e,  key->d,  key->p,
                                    key->q, key->dp, key->dq, key->qinv};
    for (size_t i = 0; i < (priv ? AVILA_ARRAY_LEN(f) : 2); i++) {
        if (f[i].len != 0 && !f[i].ptr)
            return AVILA_EINVAL;
        if (trim(f[i]).len > AVILA_KEYFMT_RSA_MAX_BYTES)
            return AVILA_ELIMIT;
    }
    return 0;
}

/* Checks that the key's fields suit `format`. */
static int check_key(const struct avila_keyfmt_key *key, int format)
{
    const bool priv_format = format != AVILA_KEYFMT_SPKI && format != AVILA_KEYFMT_RSA_PUBLIC;
    if (priv_format && !key->has_private)
        return AVILA_EINVAL;
    switch (key->type) {
    case AVILA_KEYFMT_ED25519:
    case AVILA_KEYFMT_X25519:
        if (format != AVILA_KEYFMT_PKCS8 && format != AVILA_KEYFMT_SPKI)
            return AVILA_EINVAL;
        if (priv_format && (key->priv.len != 32 || !key->priv.ptr))
            return AVILA_EINVAL;
        if ((!priv_format || key->pub.len != 0) && (key->pub.len != 32 || !key->pub.ptr))
            return AVILA_EINVAL;
        return 0;
    case AVILA_KEYFMT_P256:
        if (format != AVILA_KEYFMT_PKCS8 && format != AVILA_KEYFMT_SPKI &&
            format != AVILA_KEYFMT_SEC1)
            return AVILA_EINVAL;
        if (priv_format && (key->priv.len != 32 || !key->priv.ptr))
            return AVILA_EINVAL;
        if ((!priv_format || key->pub.len != 0) && (!key->pub.ptr || check_point(key->pub) != 0))
            return AVILA_EINVAL;
        return 0;
    case AVILA_KEYFMT_RSA:
        if (format == AVILA_KEYFMT_SEC1)
            return AVILA_EINVAL;
        return check_rsa(key, priv_format);
    default:
        return AVILA_EINVAL;
    }
}

static void write_rsa_public(struct avila_der_writer *w, const struct avila_keyfmt_key *key)
{
    size_t m;
    avila_der_begin(w, AVILA_DER_SEQUENCE, &m);
    avila_der_write_integer(w, key->n.ptr, key->n.len);
    avila_der_write_integer(w, key->e.ptr, key->e.len);
    avila_der_end(w, m);
}

static void write_rsa_private(struct avila_der_writer *w, const struct avila_keyfmt_key *key)
{
    const struct avila_slice f[] = {key->n, key->e,  key->d,  key->p,
                                    key->q, key->dp, key->dq, key->qinv};
    size_t m;
    avila_der_begin(w, AVILA_DER_SEQUENCE, &m);
    avila_der_write_i64(w, 0);
    for (size_t i = 0; i < AVILA_ARRAY_LEN(f); i++)
        avila_der_write_integer(w, f[i].ptr, f[i].len);
    avila_der_end(w, m);
}

static void write_ec_private(struct avila_der_writer *w, const struct avila_keyfmt_key *key,
                             bool params)
{
    size_t m, m2;
    avila_der_begin(w, AVILA_DER_SEQUENCE, &m);
    avila_der_write_i64(w, 1);
    avila_der_write_octets(w, key->priv.ptr, key->priv.len);
    if (params) {
        avila_der_begin(w, AVILA_DER_CTX_CONS(0), &m2);
        avila_der_write_oid(w, OID_PRIME256V1, sizeof OID_PRIME256V1);
        avila_der_end(w, m2);
    }
    if (key->pub.len != 0) {
        avila_der_begin(w, AVILA_DER_CTX_CONS(1), &m2);
        avila_der_write_bits(w, key->pub.ptr, key->pub.len, 0);
        avila_der_end(w, m2);
    }
    avila_der_end(w, m);
}

static void write_alg(struct avila_der_writer *w, int type)
{
    size_t m;
    avila_der_begin(w, AVILA_DER_SEQUENCE, &m);
    switch (type) {
    case AVILA_KEYFMT_ED25519:
        avila_der_write_oid(w, OID_ED25519, sizeof OID_ED25519);
        break;
    case AVILA_KEYFMT_X25519:
        avila_der_write_oid(w, OID_X25519, sizeof OID_X25519);
        break;
    case AVILA_KEYFMT_P256:
        avila_der_write_oid(w, OID_EC_PUBLIC_KEY, sizeof OID_EC_PUBLIC_KEY);
        avila_der_write_oid(w, OID_PRIME256V1, sizeof OID_PRIME256V1);
        break;
    default:
        avila_der_write_oid(w, OID_RSA, sizeof OID_RSA);
        avila_der_write_null(w);
        break;
    }
    avila_der_end(w, m);
}

static void write_pkcs8(struct avila_der_writer *w, const struct avila_keyfmt_key *key)
{
    const bool curve25519 = key->type == AVILA_KEYFMT_ED25519 || key->type == AVILA_KEYFMT_X25519;
    const bool v2 = curve25519 && key->pub.len != 0;
    size_t m, m2;
    avila_der_begin(w, AVILA_DER_SEQUENCE, &m);
    avila_der_write_i64(w, v2 ? 1 : 0);
    write_alg(w, key->type);
    avila_der_begin(w, AVILA_DER_OCTET_STRING, &m2);
    if (curve25519)
        avila_der_write_octets(w, key->priv.ptr, key->priv.len);
    else if (key->type == AVILA_KEYFMT_RSA)
        write_rsa_private(w, key);
    else
        write_ec_private(w, key, key->ec_inner_params);
    avila_der_end(w, m2);
    if (v2) {
        /* [1] IMPLICIT BIT STRING: the BIT STRING's content under a context tag. */
        avila_der_begin(w, AVILA_DER_CTX(1), &m2);
        avila_der_write_raw(w, &zero_octet, 1);
        avila_der_write_raw(w, key->pub.ptr, key->pub.len);
        avila_der_end(w, m2);
    }
    avila_der_end(w, m);
}

static void write_spki(struct avila_der_writer *w, const struct avila_keyfmt_key *key)
{
    size_t m, m2;
    avila_der_begin(w, AVILA_DER_SEQUENCE, &m);
    write_alg(w, key->type);
    if (key->type == AVILA_KEYFMT_RSA) {
        avila_der_begin(w, AVILA_DER_BIT_STRING, &m2);
        avila_der_write_raw(w, &zero_octet, 1);
        write_rsa_public(w, key);
        avila_der_end(w, m2);
    } else {
        avila_der_write_bits(w, key->pub.ptr, key->pub.len, 0);
    }
    avila_der_end(w, m);
}

int avila_keyfmt_write(uint8_t *out, size_t cap, const struct avila_keyfmt_key *key, int format,
                       size_t *out_len)
{
    if (format < AVILA_KEYFMT_PKCS8 || format > AVILA_KEYFMT_RSA_PUBLIC)
        return AVILA_EINVAL;
    int rc = check_key(key, format);
    if (rc != 0)
        return rc;
    if ((format == AVILA_KEYFMT_RSA_PRIVATE || format == AVILA_KEYFMT_RSA_PUBLIC) &&
        key->type != AVILA_KEYFMT_RSA)
        return AVILA_EINVAL;
    struct avila_der_writer w;
    avila_der_writer_init(&w, out, cap);
    switch (format) {
    case AVILA_KEYFMT_PKCS8:
        write_pkcs8(&w, key);
        break;
    case AVILA_KEYFMT_SPKI:
        write_spki(&w, key);
        break;
    case AVILA_KEYFMT_SEC1:
        write_ec_private(&w, key, true);
        break;
    case AVILA_KEYFMT_RSA_PRIVATE:
        write_rsa_private(&w, key);
        break;
    default:
        write_rsa_public(&w, key);
        break;
    }
    return avila_der_writer_finish(&w, out_len);
}

const char *avila_keyfmt_label(int format)
{
    switch (format) {
    case AVILA_KEYFMT_PKCS8:
        return "PRIVATE KEY";
    case AVILA_KEYFMT_SPKI:
        return "PUBLIC KEY";
    case AVILA_KEYFMT_SEC1:
        return "EC PRIVATE KEY";
    case AVILA_KEYFMT_RSA_PRIVATE:
        return "RSA PRIVATE KEY";
    case AVILA_KEYFMT_RSA_PUBLIC:
        return "RSA PUBLIC KEY";
    default:
        return NULL;
    }
}

static size_t cstr_len(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

int avila_keyfmt_write_pem(char *out, size_t cap, const struct avila_keyfmt_key *key, int format,
                           uint8_t *work, size_t work_cap, size_t *out_len)
{
    const char *label = avila_keyfmt_label(format);
    if (!label)
        return AVILA_EINVAL;
    size_t der_len = 0;
    int rc = avila_keyfmt_write(work, work_cap, key, format, &der_len);
    if (rc == 0)
        rc = avila_pem_encode(out, cap, label, cstr_len(label), work, der_len, out_len);
    avila_wipe(work, rc == 0 ? der_len : work_cap);
    return rc;
}

/* ------------------------------------------------------------------ loading */

/* Which format the DER at der looks like (see avila_keyfmt_load), or a negative error. */
static int detect(const uint8_t *der, size_t n)
{
    struct avila_der top, seq;
    struct avila_der_tlv a, b;
    uint32_t tag;
    avila_der_init(&top, der, n);
    int rc = avila_der_read_sequence(&top, &seq);
    if (rc == 0)
        rc = avila_der_read(&seq, &a);
    if (rc != 0)
        return rc;
    if (a.tag == AVILA_DER_SEQUENCE)
        return AVILA_KEYFMT_SPKI;
    if (a.tag != AVILA_DER_INTEGER)
        return AVILA_EFORMAT;
    rc = avila_der_read(&seq, &b);
    if (rc != 0)
        return rc;
    if (b.tag == AVILA_DER_SEQUENCE)
        return AVILA_KEYFMT_PKCS8;
    if (b.tag == AVILA_DER_OCTET_STRING)
        return AVILA_KEYFMT_SEC1;
    if (b.tag != AVILA_DER_INTEGER)
        return AVILA_EFORMAT;
    rc = avila_der_peek(&seq, &tag);
    if (rc < 0)
        return rc;
    return rc == 0 ? AVILA_KEYFMT_RSA_PUBLIC : AVILA_KEYFMT_RSA_PRIVATE;
}

static bool label_is(const struct avila_pem_block *b, const char *s)
{
    const size_t n = cstr_len(s);
    return b->label_len == n && memcmp(b->label, s, n) == 0;
}

int avila_keyfmt_load(struct avila_keyfmt_key *key, int *format, const void *in, size_t n,
                      uint8_t *work, size_t cap)
{
    const char *text = in;
    bool pem = false;
    /* PEM if some line starts a block (explanatory text may come first). */
    for (size_t i = 0; i + 11 <= n && !pem;) {
        if (memcmp(text + i, "-----BEGIN ", 11) == 0) {
            pem = true;
            break;
        }
        while (i < n && text[i] != '\n')
            i++;
        i++;
    }
    int fmt;
    if (!pem) {
        fmt = detect(in, n);
        if (fmt < 0)
            return fmt;
        int rc = avila_keyfmt_parse(key, fmt, in, n);
        if (rc == 0 && format)
            *format = fmt;
        return rc;
    }
    struct avila_pem_block blk;
    size_t pos = 0;
    for (;;) {
        int rc = avila_pem_next(&blk, work, cap, text, n, &pos);
        if (rc != 0)
            return rc == AVILA_ENOTFOUND ? AVILA_EFORMAT : rc;
        if (!label_is(&blk, "EC PARAMETERS"))
            break;
    }
    for (fmt = AVILA_KEYFMT_PKCS8; fmt <= AVILA_KEYFMT_RSA_PUBLIC; fmt++)
        if (label_is(&blk, avila_keyfmt_label(fmt)))
            break;
    if (fmt > AVILA_KEYFMT_RSA_PUBLIC)
        return AVILA_EUNSUPPORTED;
    int rc = avila_keyfmt_parse(key, fmt, work, blk.der_len);
    if (rc == 0 && format)
        *format = fmt;
    return rc;
}

/* ------------------------------------------------------------------ ECDSA signatures */

/* A positive INTEGER of at most len bytes, into out[len] right-aligned. */
static int read_scalar(struct avila_der *d, uint8_t *out, size_t len)
{
    struct avila_slice mag;
    int rc = avila_der_read_integer(d, &mag);
    if (rc != 0)
        return AVILA_EFORMAT;
    if (mag.len == 0 || mag.len > len)
        return AVILA_EFORMAT;
    memset(out, 0, len - mag.len);
    memcpy(out + len - mag.len, mag.ptr, mag.len);
    return 0;
}

int avila_keyfmt_ecdsa_sig_from_der(uint8_t *rs, size_t scalar_len, const void *der, size_t n)
{
    if (scalar_len == 0 || scalar_len > AVILA_KEYFMT_ECDSA_SCALAR_MAX)
        return AVILA_EINVAL;
    uint8_t tmp[2 * AVILA_KEYFMT_ECDSA_SCALAR_MAX];
    struct avila_der top, seq;
    avila_der_init(&top, der, n);
    int rc = avila_der_read_sequence(&top, &seq);
    if (rc == 0)
        rc = read_scalar(&seq, tmp, scalar_len);
    if (rc == 0)
        rc = read_scalar(&seq, tmp + scalar_len, scalar_len);
    if (rc == 0)
        rc = avila_der_finish(&seq);
    if (rc == 0)
        rc = avila_der_finish(&top);
    if (rc != 0)
        return rc == AVILA_ELIMIT ? AVILA_EFORMAT : rc;
    memcpy(rs, tmp, 2 * scalar_len);
    return 0;
}

int avila_keyfmt_ecdsa_sig_to_der(uint8_t *out, size_t cap, const uint8_t *rs, size_t scalar_len,
                                  size_t *out_len)
{
    if (scalar_len == 0 || scalar_len > AVILA_KEYFMT_ECDSA_SCALAR_MAX)
        return AVILA_EINVAL;
    if (avila_ct_is_zero(rs, scalar_len) || avila_ct_is_zero(rs + scalar_len, scalar_len))
        return AVILA_EINVAL;
    struct avila_der_writer w;
    size_t m;
    avila_der_writer_init(&w, out, cap);
    avila_der_begin(&w, AVILA_DER_SEQUENCE, &m);
    avila_der_write_integer(&w, rs, scalar_len);
    avila_der_write_integer(&w, rs + scalar_len, scalar_len);
    avila_der_end(&w, m);
    return avila_der_writer_finish(&w, out_len);
}
