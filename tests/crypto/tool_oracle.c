/*
 * tests/crypto/tool_oracle.c - the crypto layer behind a line protocol, so
 * that peers in other languages (tests/crypto/peer_cryptography.py with
 * python3-cryptography, tests/crypto/test_peer_openssl.sh with the openssl
 * CLI) can compare thousands of results through one pipe.
 *
 * Reads commands from standard input, one per line: an operation and its
 * arguments, separated by spaces. Byte strings are hex (either case; "-" is
 * the empty string), numbers are decimal. Writes exactly one line per
 * command, in order: the result in lowercase hex ("-" when empty), "OK" for
 * a verification that passed, or "ERR <name>" with the AVILA_E* name of the
 * error (core/error.h). The tool's own refusals use the same names:
 * AVILA_EFORMAT for a malformed command or a wrong argument count,
 * AVILA_EUNSUPPORTED for an unknown operation, AVILA_ELIMIT for an argument
 * or line beyond the bounds below, AVILA_EINVAL for a fixed-size argument
 * (key, nonce, ...) of the wrong length. Bad input never stops the tool; it
 * exits 0 unless standard input or output fails.
 *
 * Operations (H hex bytes, N number, S word; <hash> is a descriptor name of
 * crypto/digest.h: sha1 sha224 sha256 sha384 sha512 sha512-256 sha3-224 sha3-256
 * sha3-384 sha3-512 blake2b512 blake2s256 blake3):
 *   <hash> H:msg                                 digest, absorbed in pieces
 *   shake128|shake256 N:out_len H:msg            squeezed in pieces
 *   blake2b|blake2s N:out_len H:key H:msg
 *   hmac-<hash> H:key H:msg                      absorbed in pieces
 *   hmac-verify-<hash> H:key H:msg H:tag         OK or ERR
 *   hkdf-<hash> N:len H:salt H:ikm H:info        RFC 5869 extract + expand
 *   hkdf-expand-<hash> N:len H:prk H:info
 *   pbkdf2-<hash> N:iterations N:len H:pw H:salt
 *   scrypt N:N N:r N:p N:len H:pw H:salt
 *   argon2id N:t N:m_kib N:lanes N:len H:pw H:salt H:secret H:ad
 *   chacha20 H:key H:nonce12 N:counter H:in
 *   chacha20poly1305-seal|xchacha20poly1305-seal H:key H:nonce H:aad H:pt   ct || tag
 *   chacha20poly1305-open|xchacha20poly1305-open H:key H:nonce H:aad H:ct||tag
 *   aes-gcm-seal N:tag_len H:key H:iv H:aad H:pt                           ct || tag
 *   aes-gcm-open N:tag_len H:key H:iv H:aad H:ct||tag
 *   aes-ctr H:key H:counter16 H:in
 *   aes-encrypt|aes-decrypt H:key H:block16
 *   poly1305 H:key32 H:msg
 *   x25519 H:scalar H:point; x25519-base H:scalar
 *   ed25519-keypair H:seed (public key); ed25519-sign H:seed H:msg;
 *   ed25519-verify H:pub H:msg H:sig (OK or ERR)
 *   p256-pub H:priv (uncompressed public key); p256-encode N:len H:pub (65 or 33
 *   bytes); p256-ecdh H:priv H:peer; p256-sign H:priv H:hash (r || s, RFC 6979);
 *   p256-sign-hedged H:priv H:hash H:extra; p256-verify H:pub H:hash H:sig (OK or ERR)
 *   cpu S:spec      restricts dispatch as AVILA_CPU=spec would (from all); OK
 *   impl            the implementation names the dispatchers pick now (text)
 * AVILA_CPU in the environment applies at start-up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cpu.h"
#include "core/ct.h"
#include "core/encoding.h"
#include "core/error.h"
#include "crypto/aead.h"
#include "crypto/aes.h"
#include "crypto/blake2.h"
#include "crypto/chacha20.h"
#include "crypto/digest.h"
#include "crypto/ed25519.h"
#include "crypto/gcm.h"
#include "crypto/hmac.h"
#include "crypto/kdf.h"
#include "crypto/p256.h"
#include "crypto/poly1305.h"
#include "crypto/sha2.h"
#include "crypto/sha3.h"
#include "crypto/x25519.h"

#define MAX_ARGS 8
/* Decoded bytes per argument, and bytes of any result. */
#define MAX_BYTES ((size_t)256 * 1024)
#define MAX_OUT   (MAX_BYTES + AVILA_GCM_TAG_MAX)
/* Characters per command line, newline included: two maximal hex arguments and change. */
#define MAX_LINE              (4 * MAX_BYTES + 4096)
#define MAX_PBKDF2_ITERATIONS 1000000
/* Work areas (scrypt, Argon2) are allocated per call up to this many bytes. */
#define MAX_WORK ((size_t)64 << 20)

struct op;

/* The decoded arguments of one command, as its operation's signature says. */
struct vals {
    const struct op *op;        /* the operation (for its variant) */
    const uint8_t *b[MAX_ARGS]; /* 'h' arguments: bytes (in a static slot) */
    size_t len[MAX_ARGS];
    uint64_t num[MAX_ARGS];       /* 'n' arguments */
    const char *s[MAX_ARGS];      /* 's' arguments: the word itself */
    const struct avila_digest *d; /* the <hash> of a suffixed operation */
};

/*
 * Writes the result to out (at most MAX_OUT bytes) and its length to
 * *out_len; returns 0 or an AVILA_E* code.
 */
typedef int (*op_fn)(const struct vals *v, uint8_t *out, size_t *out_len);

enum {
    OP_HASH_SUFFIX = 1, /* name is a prefix followed by a digest name */
    OP_VERDICT = 2,     /* success prints "OK" */
    OP_TEXT = 4,        /* the result is text, printed as is */
};

/* The primitive behind an operation shared by several variants (same signature). */
typedef void (*shake_init_fn)(struct avila_sha3 *c);
typedef int (*blake2_fn)(void *out, size_t outlen, const void *key, size_t keylen, const void *in,
                         size_t n);
typedef int (*seal_fn)(uint8_t *ct, uint8_t *tag, const uint8_t *pt, size_t n, const uint8_t *aad,
                       size_t aad_len, const uint8_t *nonce, const uint8_t *key);
typedef int (*open_fn)(uint8_t *pt, const uint8_t *ct, size_t n, const uint8_t *tag,
                       const uint8_t *aad, size_t aad_len, const uint8_t *nonce,
                       const uint8_t *key);
typedef void (*block_fn)(const struct avila_aes *k, uint8_t *out, const uint8_t *in);

union variant {
    shake_init_fn shake_init;
    blake2_fn blake2;
    seal_fn seal;
    open_fn open;
    block_fn block;
};

struct op {
    const char *name;
    const char *sig; /* one letter per argument: h hex, n number, s word */
    op_fn fn;
    unsigned flags;
    union variant var; /* the primitive, for operations with variants */
    size_t param;      /* the variant's fixed length (AEAD nonce bytes) */
};

static const struct avila_digest *const digests[] = {
    &avila_digest_sha1,     &avila_digest_sha224,     &avila_digest_sha256,
    &avila_digest_sha384,   &avila_digest_sha512,     &avila_digest_sha512_256,
    &avila_digest_sha3_224, &avila_digest_sha3_256,   &avila_digest_sha3_384,
    &avila_digest_sha3_512, &avila_digest_blake2b512, &avila_digest_blake2s256,
    &avila_digest_blake3,
};

static const struct avila_digest *digest_named(const char *name)
{
    for (size_t i = 0; i < sizeof digests / sizeof digests[0]; i++)
        if (strcmp(digests[i]->name, name) == 0)
            return digests[i];
    return NULL;
}

/*
 * Piece sizes for incremental calls: around every block size in use, so
 * partial-block buffering is exercised on the way (the peers see one-shot
 * results, so this also checks pieces against one shot).
 */
static const size_t pieces[] = {1, 63, 64, 65, 0, 127, 136, 7, 200, 1000};

static size_t piece(size_t i, size_t left)
{
    size_t p = pieces[i % (sizeof pieces / sizeof pieces[0])];
    return p < left ? p : left;
}

/* Fails with AVILA_EINVAL unless argument i has exactly len bytes. */
static int need_len(const struct vals *v, size_t i, size_t len)
{
    return v->len[i] == len ? 0 : AVILA_EINVAL;
}

/* ---------------------------------------------------------------- hashes and MACs */

static int op_digest(const struct vals *v, uint8_t *out, size_t *out_len)
{
    /* BLAKE3's context is larger than struct avila_digest_ctx: a bigger area serves all. */
    _Alignas(16) uint8_t ctx[4096];
    const struct avila_digest *d = v->d;
    if (d->ctx_size > sizeof ctx)
        return AVILA_EUNSUPPORTED;
    d->init(ctx);
    for (size_t off = 0, i = 0; off < v->len[0]; i++) {
        size_t p = piece(i, v->len[0] - off);
        d->update(ctx, v->b[0] + off, p);
        off += p;
    }
    d->final(ctx, out);
    *out_len = d->digest_len;
    return 0;
}

static int op_shake(const struct vals *v, uint8_t *out, size_t *out_len)
{
    if (v->num[0] > MAX_OUT)
        return AVILA_ELIMIT;
    struct avila_sha3 c;
    v->op->var.shake_init(&c);
    int rc = avila_shake_absorb(&c, v->b[1], v->len[1]);
    for (size_t off = 0, i = 3; rc == 0 && off < v->num[0]; i++) {
        size_t p = piece(i, v->num[0] - off);
        avila_shake_squeeze(&c, out + off, p);
        off += p;
    }
    avila_sha3_wipe(&c);
    *out_len = v->num[0];
    return rc;
}

static int op_blake2(const struct vals *v, uint8_t *out, size_t *out_len)
{
    if (v->num[0] > MAX_OUT)
        return AVILA_ELIMIT;
    *out_len = v->num[0];
    return v->op->var.blake2(out, v->num[0], v->b[1], v->len[1], v->b[2], v->len[2]);
}

static int op_hmac(const struct vals *v, uint8_t *out, size_t *out_len)
{
    struct avila_hmac h;
    int rc = avila_hmac_init(&h, v->d, v->b[0], v->len[0]);
    if (rc < 0)
        return rc;
    for (size_t off = 0, i = 1; off < v->len[1]; i++) {
        size_t p = piece(i, v->len[1] - off);
        avila_hmac_update(&h, v->b[1] + off, p);
        off += p;
    }
    avila_hmac_final(&h, out);
    *out_len = v->d->digest_len;
    return 0;
}

static int op_hmac_verify(const struct vals *v, uint8_t *out, size_t *out_len)
{
    (void)out;
    *out_len = 0;
    return avila_hmac_verify(v->d, v->b[0], v->len[0], v->b[1], v->len[1], v->b[2], v->len[2]);
}

static int op_poly1305(const struct vals *v, uint8_t *out, size_t *out_len)
{
    int rc = need_len(v, 0, AVILA_POLY1305_KEY_LEN);
    if (rc < 0)
        return rc;
    avila_poly1305_mac(out, v->b[1], v->len[1], v->b[0]);
    *out_len = AVILA_POLY1305_TAG_LEN;
    return 0;
}

/* ---------------------------------------------------------------- key derivation */

static int op_hkdf(const struct vals *v, uint8_t *out, size_t *out_len)
{
    if (v->num[0] > MAX_OUT)
        return AVILA_ELIMIT;
    *out_len = v->num[0];
    return avila_hkdf(v->d, out, v->num[0], v->b[1], v->len[1], v->b[2], v->len[2], v->b[3],
                      v->len[3]);
}

static int op_hkdf_expand(const struct vals *v, uint8_t *out, size_t *out_len)
{
    if (v->num[0] > MAX_OUT)
        return AVILA_ELIMIT;
    *out_len = v->num[0];
    return avila_hkdf_expand(v->d, out, v->num[0], v->b[1], v->len[1], v->b[2], v->len[2]);
}

static int op_pbkdf2(const struct vals *v, uint8_t *out, size_t *out_len)
{
    if (v->num[0] > MAX_PBKDF2_ITERATIONS || v->num[1] > MAX_OUT)
        return AVILA_ELIMIT;
    *out_len = v->num[1];
    return avila_pbkdf2(v->d, out, v->num[1], v->b[2], v->len[2], v->b[3], v->len[3],
                        (uint32_t)v->num[0]);
}

static int op_scrypt(const struct vals *v, uint8_t *out, size_t *out_len)
{
    uint64_t n = v->num[0], r = v->num[1], p = v->num[2];
    /* Bounded one by one first, so the work-size product cannot overflow. */
    if (n > ((uint64_t)1 << 24) || r > 1024 || p > 1024 || v->num[3] > MAX_OUT ||
        AVILA_SCRYPT_WORK_SIZE(n, r, p) > MAX_WORK)
        return AVILA_ELIMIT;
    size_t work_size = AVILA_SCRYPT_WORK_SIZE(n, r, p);
    void *work = malloc(work_size);
    if (!work)
        return AVILA_ENOMEM;
    *out_len = v->num[3];
    int rc = avila_scrypt(out, v->num[3], v->b[4], v->len[4], v->b[5], v->len[5], n, (uint32_t)r,
                          (uint32_t)p, work, work_size);
    free(work);
    return rc;
}

static int op_argon2id(const struct vals *v, uint8_t *out, size_t *out_len)
{
    if (v->num[0] > 64 || v->num[1] > (MAX_WORK >> 10) - 1 || v->num[2] > 64 || v->num[3] > MAX_OUT)
        return AVILA_ELIMIT;
    struct avila_argon2_params p = {
        .t_cost = (uint32_t)v->num[0],
        .m_cost_kib = (uint32_t)v->num[1],
        .parallelism = (uint32_t)v->num[2],
        .secret = v->b[6],
        .secret_len = v->len[6],
        .ad = v->b[7],
        .ad_len = v->len[7],
    };
    size_t work_size = AVILA_ARGON2_WORK_SIZE(p.m_cost_kib);
    void *work = malloc(work_size);
    if (!work)
        return AVILA_ENOMEM;
    *out_len = v->num[3];
    int rc =
        avila_argon2id(out, v->num[3], v->b[4], v->len[4], v->b[5], v->len[5], &p, work, work_size);
    free(work);
    return rc;
}

/* ---------------------------------------------------------------- ciphers and AEADs */

static int op_chacha20(const struct vals *v, uint8_t *out, size_t *out_len)
{
    int rc = need_len(v, 0, AVILA_CHACHA20_KEY_LEN);
    if (rc == 0)
        rc = need_len(v, 1, AVILA_CHACHA20_NONCE_LEN);
    if (rc == 0 && v->num[2] > UINT32_MAX)
        rc = AVILA_ERANGE;
    if (rc < 0)
        return rc;
    avila_chacha20_xor(out, v->b[3], v->len[3], v->b[0], v->b[1], (uint32_t)v->num[2]);
    *out_len = v->len[3];
    return 0;
}

/* The (X)ChaCha20-Poly1305 arguments: key, nonce (op->param bytes), aad, input. */
static int cp_args(const struct vals *v)
{
    int rc = need_len(v, 0, AVILA_CHACHA20POLY1305_KEY_LEN);
    return rc < 0 ? rc : need_len(v, 1, v->op->param);
}

static int op_cp_seal(const struct vals *v, uint8_t *out, size_t *out_len)
{
    int rc = cp_args(v);
    if (rc < 0)
        return rc;
    size_t n = v->len[3];
    *out_len = n + AVILA_CHACHA20POLY1305_TAG_LEN;
    return v->op->var.seal(out, out + n, v->b[3], n, v->b[2], v->len[2], v->b[1], v->b[0]);
}

static int op_cp_open(const struct vals *v, uint8_t *out, size_t *out_len)
{
    int rc = cp_args(v);
    if (rc == 0 && v->len[3] < AVILA_CHACHA20POLY1305_TAG_LEN)
        rc = AVILA_EINVAL;
    if (rc < 0)
        return rc;
    size_t n = v->len[3] - AVILA_CHACHA20POLY1305_TAG_LEN;
    *out_len = n;
    return v->op->var.open(out, v->b[3], n, v->b[3] + n, v->b[2], v->len[2], v->b[1], v->b[0]);
}

/* AES-GCM arguments: tag length, key, iv, aad, input. */
static int op_gcm_seal(const struct vals *v, uint8_t *out, size_t *out_len)
{
    struct avila_gcm g;
    if (v->num[0] > AVILA_GCM_TAG_MAX)
        return AVILA_EINVAL;
    int rc = avila_gcm_init(&g, v->b[1], v->len[1]);
    if (rc < 0)
        return rc;
    size_t n = v->len[4];
    rc = avila_gcm_seal(&g, out, out + n, v->num[0], v->b[4], n, v->b[3], v->len[3], v->b[2],
                        v->len[2]);
    avila_gcm_wipe(&g);
    *out_len = n + v->num[0];
    return rc;
}

static int op_gcm_open(const struct vals *v, uint8_t *out, size_t *out_len)
{
    struct avila_gcm g;
    size_t tag_len = v->num[0];
    if (tag_len > AVILA_GCM_TAG_MAX || v->len[4] < tag_len)
        return AVILA_EINVAL;
    int rc = avila_gcm_init(&g, v->b[1], v->len[1]);
    if (rc < 0)
        return rc;
    size_t n = v->len[4] - tag_len;
    rc = avila_gcm_open(&g, out, v->b[4], n, v->b[4] + n, tag_len, v->b[3], v->len[3], v->b[2],
                        v->len[2]);
    avila_gcm_wipe(&g);
    *out_len = n;
    return rc;
}

static int op_aes_ctr(const struct vals *v, uint8_t *out, size_t *out_len)
{
    struct avila_aes k;
    uint8_t counter[AVILA_AES_BLOCK_LEN];
    int rc = need_len(v, 1, sizeof counter);
    if (rc == 0)
        rc = avila_aes_init(&k, v->b[0], v->len[0]);
    if (rc < 0)
        return rc;
    memcpy(counter, v->b[1], sizeof counter);
    /* Two calls when possible: the counter carried between them must continue the stream. */
    size_t first = v->len[2] / 2 / AVILA_AES_BLOCK_LEN * AVILA_AES_BLOCK_LEN;
    avila_aes_ctr(&k, out, v->b[2], first, counter);
    avila_aes_ctr(&k, out + first, v->b[2] + first, v->len[2] - first, counter);
    avila_aes_wipe(&k);
    *out_len = v->len[2];
    return 0;
}

static int op_aes_block(const struct vals *v, uint8_t *out, size_t *out_len)
{
    struct avila_aes k;
    int rc = need_len(v, 1, AVILA_AES_BLOCK_LEN);
    if (rc == 0)
        rc = avila_aes_init(&k, v->b[0], v->len[0]);
    if (rc < 0)
        return rc;
    v->op->var.block(&k, out, v->b[1]);
    avila_aes_wipe(&k);
    *out_len = AVILA_AES_BLOCK_LEN;
    return 0;
}

/* ---------------------------------------------------------------- X25519 and Ed25519 */

static int op_x25519(const struct vals *v, uint8_t *out, size_t *out_len)
{
    int rc = need_len(v, 0, AVILA_X25519_LEN);
    if (rc == 0)
        rc = need_len(v, 1, AVILA_X25519_LEN);
    if (rc < 0)
        return rc;
    *out_len = AVILA_X25519_LEN;
    return avila_x25519(out, v->b[0], v->b[1]);
}

static int op_x25519_base(const struct vals *v, uint8_t *out, size_t *out_len)
{
    int rc = need_len(v, 0, AVILA_X25519_LEN);
    if (rc < 0)
        return rc;
    avila_x25519_base(out, v->b[0]);
    *out_len = AVILA_X25519_LEN;
    return 0;
}

static int op_ed25519_keypair(const struct vals *v, uint8_t *out, size_t *out_len)
{
    uint8_t secret[AVILA_ED25519_SECRET_LEN];
    int rc = need_len(v, 0, AVILA_ED25519_SEED_LEN);
    if (rc < 0)
        return rc;
    avila_ed25519_keypair(out, secret, v->b[0]);
    avila_wipe(secret, sizeof secret);
    *out_len = AVILA_ED25519_PUB_LEN;
    return 0;
}

static int op_ed25519_sign(const struct vals *v, uint8_t *out, size_t *out_len)
{
    uint8_t pub[AVILA_ED25519_PUB_LEN], secret[AVILA_ED25519_SECRET_LEN];
    int rc = need_len(v, 0, AVILA_ED25519_SEED_LEN);
    if (rc < 0)
        return rc;
    avila_ed25519_keypair(pub, secret, v->b[0]);
    avila_ed25519_sign(out, v->b[1], v->len[1], secret);
    avila_wipe(secret, sizeof secret);
    *out_len = AVILA_ED25519_SIG_LEN;
    return 0;
}

static int op_ed25519_verify(const struct vals *v, uint8_t *out, size_t *out_len)
{
    (void)out;
    int rc = need_len(v, 0, AVILA_ED25519_PUB_LEN);
    if (rc == 0)
        rc = need_len(v, 2, AVILA_ED25519_SIG_LEN);
    *out_len = 0;
    return rc < 0 ? rc : avila_ed25519_verify(v->b[2], v->b[1], v->len[1], v->b[0]);
}

/* ---------------------------------------------------------------- P-256 */

static int op_p256_pub(const struct vals *v, uint8_t *out, size_t *out_len)
{
    int rc = need_len(v, 0, AVILA_P256_SCALAR_LEN);
    if (rc < 0)
        return rc;
    *out_len = AVILA_P256_PUB_LEN;
    return avila_p256_public_from_private(out, v->b[0]);
}

static int op_p256_encode(const struct vals *v, uint8_t *out, size_t *out_len)
{
    int rc = avila_p256_public_encode(out, (size_t)v->num[0], v->b[1], v->len[1]);
    if (rc < 0)
        return rc;
    *out_len = (size_t)rc;
    return 0;
}

static int op_p256_ecdh(const struct vals *v, uint8_t *out, size_t *out_len)
{
    int rc = need_len(v, 0, AVILA_P256_SCALAR_LEN);
    if (rc < 0)
        return rc;
    *out_len = AVILA_P256_SCALAR_LEN;
    return avila_p256_ecdh(out, v->b[0], v->b[1], v->len[1]);
}

static int op_p256_sign(const struct vals *v, uint8_t *out, size_t *out_len)
{
    int rc = need_len(v, 0, AVILA_P256_SCALAR_LEN);
    if (rc < 0)
        return rc;
    *out_len = AVILA_P256_SIG_LEN;
    if (v->op->sig[2] == 'h')
        return avila_p256_sign_hedged(out, v->b[0], v->b[1], v->len[1], v->b[2], v->len[2]);
    return avila_p256_sign(out, v->b[0], v->b[1], v->len[1]);
}

static int op_p256_verify(const struct vals *v, uint8_t *out, size_t *out_len)
{
    (void)out;
    int rc = need_len(v, 2, AVILA_P256_SIG_LEN);
    *out_len = 0;
    return rc < 0 ? rc : avila_p256_verify(v->b[2], v->b[1], v->len[1], v->b[0], v->len[0]);
}

/* ---------------------------------------------------------------- dispatch control */

static int op_cpu(const struct vals *v, uint8_t *out, size_t *out_len)
{
    (void)out;
    uint32_t allowed;
    int rc = avila_cpu_parse(v->s[0], &allowed);
    if (rc < 0)
        return rc;
    avila_cpu_restrict(allowed);
    *out_len = 0;
    return 0;
}

static int op_impl(const struct vals *v, uint8_t *out, size_t *out_len)
{
    (void)v;
    int n = snprintf((char *)out, MAX_OUT,
                     "sha256=%s sha512=%s sha3=%s blake2b=%s chacha20=%s poly1305=%s aes=%s "
                     "gcm=%s x25519=%s argon2=%s",
                     avila_sha256_impl(), avila_sha512_impl(), avila_sha3_impl(),
                     avila_blake2b_impl(), avila_chacha20_impl(), avila_poly1305_impl(),
                     avila_aes_impl(), avila_gcm_impl(), avila_x25519_impl(), avila_argon2_impl());
    if (n < 0 || (size_t)n >= MAX_OUT)
        return AVILA_ENOSPC;
    *out_len = (size_t)n;
    return 0;
}

static const struct op ops[] = {
    {.name = "shake128", .sig = "nh", .fn = op_shake, .var.shake_init = avila_shake128_init},
    {.name = "shake256", .sig = "nh", .fn = op_shake, .var.shake_init = avila_shake256_init},
    {.name = "blake2b", .sig = "nhh", .fn = op_blake2, .var.blake2 = avila_blake2b},
    {.name = "blake2s", .sig = "nhh", .fn = op_blake2, .var.blake2 = avila_blake2s},
    {.name = "hmac-", .sig = "hh", .fn = op_hmac, .flags = OP_HASH_SUFFIX},
    {.name = "hmac-verify-",
     .sig = "hhh",
     .fn = op_hmac_verify,
     .flags = OP_HASH_SUFFIX | OP_VERDICT},
    {.name = "hkdf-", .sig = "nhhh", .fn = op_hkdf, .flags = OP_HASH_SUFFIX},
    {.name = "hkdf-expand-", .sig = "nhh", .fn = op_hkdf_expand, .flags = OP_HASH_SUFFIX},
    {.name = "pbkdf2-", .sig = "nnhh", .fn = op_pbkdf2, .flags = OP_HASH_SUFFIX},
    {.name = "scrypt", .sig = "nnnnhh", .fn = op_scrypt},
    {.name = "argon2id", .sig = "nnnnhhhh", .fn = op_argon2id},
    {.name = "poly1305", .sig = "hh", .fn = op_poly1305},
    {.name = "chacha20", .sig = "hhnh", .fn = op_chacha20},
    {.name = "chacha20poly1305-seal",
     .sig = "hhhh",
     .fn = op_cp_seal,
     .var.seal = avila_chacha20poly1305_seal,
     .param = AVILA_CHACHA20POLY1305_NONCE_LEN},
    {.name = "chacha20poly1305-open",
     .sig = "hhhh",
     .fn = op_cp_open,
     .var.open = avila_chacha20poly1305_open,
     .param = AVILA_CHACHA20POLY1305_NONCE_LEN},
    {.name = "xchacha20poly1305-seal",
     .sig = "hhhh",
     .fn = op_cp_seal,
     .var.seal = avila_xchacha20poly1305_seal,
     .param = AVILA_XCHACHA20POLY1305_NONCE_LEN},
    {.name = "xchacha20poly1305-open",
     .sig = "hhhh",
     .fn = op_cp_open,
     .var.open = avila_xchacha20poly1305_open,
     .param = AVILA_XCHACHA20POLY1305_NONCE_LEN},
    {.name = "aes-gcm-seal", .sig = "nhhhh", .fn = op_gcm_seal},
    {.name = "aes-gcm-open", .sig = "nhhhh", .fn = op_gcm_open},
    {.name = "aes-ctr", .sig = "hhh", .fn = op_aes_ctr},
    {.name = "aes-encrypt", .sig = "hh", .fn = op_aes_block, .var.block = avila_aes_encrypt_block},
    {.name = "aes-decrypt", .sig = "hh", .fn = op_aes_block, .var.block = avila_aes_decrypt_block},
    {.name = "x25519", .sig = "hh", .fn = op_x25519},
    {.name = "x25519-base", .sig = "h", .fn = op_x25519_base},
    {.name = "ed25519-keypair", .sig = "h", .fn = op_ed25519_keypair},
    {.name = "ed25519-sign", .sig = "hh", .fn = op_ed25519_sign},
    {.name = "ed25519-verify", .sig = "hhh", .fn = op_ed25519_verify, .flags = OP_VERDICT},
    {.name = "p256-pub", .sig = "h", .fn = op_p256_pub},
    {.name = "p256-encode", .sig = "nh", .fn = op_p256_encode},
    {.name = "p256-ecdh", .sig = "hh", .fn = op_p256_ecdh},
    {.name = "p256-sign", .sig = "hh", .fn = op_p256_sign},
    {.name = "p256-sign-hedged", .sig = "hhh", .fn = op_p256_sign},
    {.name = "p256-verify", .sig = "hhh", .fn = op_p256_verify, .flags = OP_VERDICT},
    {.name = "cpu", .sig = "s", .fn = op_cpu, .flags = OP_VERDICT},
    {.name = "impl", .sig = "", .fn = op_impl, .flags = OP_TEXT},
    /* Last: a bare digest name ("" prefix), so no other operation name is read as one. */
    {.name = "", .sig = "h", .fn = op_digest, .flags = OP_HASH_SUFFIX},
};

/* Finds the operation called name; for suffixed ones also sets *d. */
static const struct op *find_op(const char *name, const struct avila_digest **d)
{
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        const struct op *op = &ops[i];
        size_t plen = strlen(op->name);
        if (!(op->flags & OP_HASH_SUFFIX)) {
            if (strcmp(name, op->name) == 0)
                return op;
        } else if (strncmp(name, op->name, plen) == 0 && (*d = digest_named(name + plen))) {
            return op;
        }
    }
    return NULL;
}

/* Parses a decimal number of at most 19 digits (so it cannot overflow). */
static int parse_num(const char *s, uint64_t *out)
{
    size_t n = strlen(s);
    if (n == 0 || n > 19)
        return n ? AVILA_ELIMIT : AVILA_EFORMAT;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return AVILA_EFORMAT;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = v;
    return 0;
}

/* Decodes the arguments of argv as op->sig says, into slots of static memory. */
static int decode_args(const struct op *op, char **argv, size_t argc, struct vals *v)
{
    static uint8_t slots[MAX_ARGS][MAX_BYTES];
    if (argc != strlen(op->sig))
        return AVILA_EFORMAT;
    for (size_t i = 0; i < argc; i++) {
        int rc = 0;
        if (op->sig[i] == 'n') {
            rc = parse_num(argv[i], &v->num[i]);
        } else if (op->sig[i] == 's') {
            v->s[i] = argv[i];
        } else if (strcmp(argv[i], "-") == 0) {
            v->b[i] = slots[i];
            v->len[i] = 0;
        } else {
            size_t len = strlen(argv[i]);
            if (len > 2 * MAX_BYTES)
                return AVILA_ELIMIT;
            rc = avila_hex_decode(slots[i], MAX_BYTES, argv[i], len, &v->len[i]);
            v->b[i] = slots[i];
        }
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* Runs one command line (NUL-terminated, without its newline) and prints its result. */
static void run_line(char *line)
{
    static uint8_t out[MAX_OUT];
    static char hex[2 * MAX_OUT + 1];
    char *argv[MAX_ARGS + 1], *save = NULL;
    size_t argc = 0;
    char *name = strtok_r(line, " \t\r", &save);
    for (char *t; argc <= MAX_ARGS && (t = strtok_r(NULL, " \t\r", &save));)
        argv[argc++] = t;

    struct vals v = {0};
    const struct op *op = name ? find_op(name, &v.d) : NULL;
    v.op = op;
    size_t out_len = 0;
    int rc = !name ? AVILA_EFORMAT : !op ? AVILA_EUNSUPPORTED : decode_args(op, argv, argc, &v);
    if (rc == 0)
        rc = op->fn(&v, out, &out_len);
    if (rc < 0) {
        printf("ERR %s\n", avila_strerror_name(rc));
    } else if (op->flags & OP_VERDICT) {
        puts("OK");
    } else if (op->flags & OP_TEXT) {
        printf("%.*s\n", (int)out_len, (const char *)out);
    } else if (out_len == 0) {
        puts("-");
    } else {
        size_t hex_len;
        avila_hex_encode(hex, sizeof hex, out, out_len, 0, &hex_len);
        hex[hex_len] = '\0';
        puts(hex);
    }
    /* Outputs may be secrets derived from the inputs: no reason to keep them. */
    avila_wipe(out, out_len);
}

int main(void)
{
    static char line[MAX_LINE];
    if (avila_cpu_init() < 0) {
        fprintf(stderr, "tool_oracle: bad AVILA_CPU\n");
        return 2;
    }
    while (fgets(line, sizeof line, stdin)) {
        size_t len = strlen(line);
        if (len > 0 && line[len - 1] == '\n') {
            line[len - 1] = '\0';
            run_line(line);
            continue;
        }
        if (!feof(stdin)) {
            /* Too long: skip to the end of the line and refuse it. */
            int c;
            while ((c = getchar()) != EOF && c != '\n')
                ;
            printf("ERR %s\n", avila_strerror_name(AVILA_ELIMIT));
            continue;
        }
        run_line(line);
    }
    if (ferror(stdin) || fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "tool_oracle: I/O error\n");
        return 1;
    }
    return 0;
}
