/*
 * apps/cmd_pkey.c - `avila pkey`: key pairs and signatures for Ed25519,
 * X25519, P-256 and RSA, in the files and signature encodings of the
 * openssl CLI, so each tool reads what the other writes:
 *   gen     PKCS#8 PEM, as `openssl genpkey` writes it
 *   pub     SubjectPublicKeyInfo PEM, as `openssl pkey -pubout`
 *   sign    the signature bytes `openssl dgst -H -sign KEY` makes (ECDSA:
 *           DER; RSA: PKCS#1 v1.5, or PSS with a salt as long as the digest
 *           with --pss), or `openssl pkeyutl -sign -rawin` for Ed25519
 *   verify  prints "Verified OK" and exits 0, or exits 1
 * Keys are read as PEM or DER in any form crypto/keyfmt.h loads (PKCS#8,
 * SPKI, SEC1, PKCS#1) and checked by their modules before use (P-256 points
 * and scalars, RSA consistency); a key file's public half must match its
 * private half. ECDSA signs with RFC 6979 nonces hedged with fresh
 * randomness. Exit status: 0 success, 1 failure, 2 usage error.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apps/cli.h"
#include "apps/cmds.h"
#include "core/ct.h"
#include "core/error.h"
#include "crypto/csprng.h"
#include "crypto/digest.h"
#include "crypto/ed25519.h"
#include "crypto/keyfmt.h"
#include "crypto/p256.h"
#include "crypto/rsa.h"
#include "crypto/x25519.h"

#define CMD          "pkey"
#define KEY_FILE_MAX ((size_t)64 * 1024)
#define SIG_FILE_MAX ((size_t)4096)
#define MESSAGE_MAX  ((size_t)1 << 30) /* Ed25519 signs the whole message in memory */

const char cmd_pkey_usage[] =
    "usage: avila pkey gen ed25519|x25519|p256|rsa2048|rsa3072|rsa4096 [-o FILE]\n"
    "       avila pkey pub [-in KEY] [-o FILE]\n"
    "       avila pkey sign -k KEY [-a sha256|sha384|sha512] [--pss] [-o FILE] [FILE]\n"
    "       avila pkey verify -k KEY|PUB -s SIG [-a sha256|sha384|sha512] [--pss] [FILE]\n"
    "Make key pairs (PKCS#8 PEM), extract public keys (SubjectPublicKeyInfo PEM),\n"
    "sign and verify, compatible with the openssl CLI: signatures are the bytes\n"
    "`openssl dgst -sha256 -sign KEY` writes (DER for ECDSA, PKCS#1 v1.5 for RSA)\n"
    "and, for Ed25519, `openssl pkeyutl -sign -rawin`. Keys are read as PEM or DER:\n"
    "PKCS#8, SubjectPublicKeyInfo, SEC1 (EC PRIVATE KEY), PKCS#1 (RSA ... KEY).\n"
    "FILE is the message (standard input when absent or '-').\n"
    "Options:\n"
    "  -o FILE     write to FILE instead of standard output (private keys: mode 0600)\n"
    "  -in KEY     the key to take the public half of (standard input by default)\n"
    "  -k KEY      the signing key, or for verify a private or public key\n"
    "  -s SIG      the signature file to verify\n"
    "  -a ALGO     the message digest for P-256 and RSA: sha256 (default), sha384,\n"
    "              sha512; Ed25519 signs the message itself and takes none\n"
    "  --pss       RSA-PSS (MGF1 with the same digest, salt as long as the digest)\n"
    "              instead of PKCS#1 v1.5\n"
    "  -h, --help  show this help\n"
    "verify prints \"Verified OK\" when the signature is valid.\n"
    "Exit status: 0 success (valid signature), 1 failure (invalid signature, bad\n"
    "key or file), 2 usage error.\n";

/* ------------------------------------------------------------------ keys in memory */

/* A loaded key. Large (RSA): kept in static storage. Holds secrets: wiped after use. */
struct key {
    int type; /* AVILA_KEYFMT_* */
    int has_private;
    uint8_t priv[32];                /* Ed25519 seed, X25519 or P-256 scalar */
    uint8_t ed_secret[64];           /* Ed25519 expanded secret */
    uint8_t pub[AVILA_P256_PUB_LEN]; /* Ed25519/X25519: 32 bytes; P-256: uncompressed */
    struct avila_rsa_private rsa;    /* RSA private key (its pub is the public key) */
    struct avila_rsa_public rsa_pub; /* RSA public key */
};

static struct key key;
static struct avila_rsa_work rsa_work;
static struct avila_csprng rng;

/* Seeds the generator behind RSA blinding, salts and key generation from the OS. */
static int rng_ready(void)
{
    uint8_t seed[AVILA_CSPRNG_SEED_LEN];
    if (avila_csprng_random(seed, sizeof seed) != 0)
        return cli_fail(CMD, "no randomness from the system");
    avila_csprng_init(&rng, seed);
    avila_wipe(seed, sizeof seed);
    avila_rsa_work_init(&rsa_work);
    return 0;
}

static void key_wipe(void)
{
    avila_wipe(&key, sizeof key);
    avila_wipe(&rsa_work, sizeof rsa_work);
    avila_csprng_wipe(&rng);
}

static const char *type_name(int type)
{
    switch (type) {
    case AVILA_KEYFMT_ED25519:
        return "Ed25519";
    case AVILA_KEYFMT_X25519:
        return "X25519";
    case AVILA_KEYFMT_P256:
        return "P-256";
    default:
        return "RSA";
    }
}

/* Ed25519 and X25519: 32-byte keys; a public key stored beside the private one must be its own. */
static int curve25519_key(const struct avila_keyfmt_key *kf)
{
    if (!kf->has_private) {
        memcpy(key.pub, kf->pub.ptr, 32);
        return 0;
    }
    memcpy(key.priv, kf->priv.ptr, 32);
    if (kf->type == AVILA_KEYFMT_ED25519)
        avila_ed25519_keypair(key.pub, key.ed_secret, key.priv);
    else
        avila_x25519_base(key.pub, key.priv);
    return kf->pub.len && memcmp(kf->pub.ptr, key.pub, 32) != 0 ? AVILA_EAUTH : 0;
}

/* P-256: the point validated, the scalar in range, the stored public key (any form) its own. */
static int p256_key(const struct avila_keyfmt_key *kf)
{
    /* avila_p256_public_encode validates and returns the length it wrote. */
    if (!kf->has_private) {
        int n = avila_p256_public_encode(key.pub, sizeof key.pub, kf->pub.ptr, kf->pub.len);
        return n < 0 ? n : 0;
    }
    uint8_t stored_form[AVILA_P256_PUB_LEN];
    memcpy(key.priv, kf->priv.ptr, 32);
    int err = avila_p256_public_from_private(key.pub, key.priv);
    if (!err && kf->pub.len) {
        int n = avila_p256_public_encode(stored_form, kf->pub.len, key.pub, sizeof key.pub);
        if (n < 0 || memcmp(stored_form, kf->pub.ptr, kf->pub.len) != 0)
            err = AVILA_EAUTH;
    }
    return err;
}

/* RSA: the public key's limits, or the private key's consistency checks. */
static int rsa_key(const struct avila_keyfmt_key *kf)
{
    if (!kf->has_private)
        return avila_rsa_public_init(&key.rsa_pub, kf->n.ptr, kf->n.len, kf->e.ptr, kf->e.len);
    struct avila_rsa_private_parts parts = {kf->n, kf->e,  kf->d,  kf->p,
                                            kf->q, kf->dp, kf->dq, kf->qinv};
    int err = avila_rsa_private_init(&key.rsa, &parts, &rng, &rsa_work);
    key.rsa_pub = key.rsa.pub;
    return err;
}

/* Checks the parsed key's numbers with its module and fills `key`. Returns 0 or an AVILA_E code. */
static int key_from_format(const struct avila_keyfmt_key *kf)
{
    key.type = kf->type;
    key.has_private = kf->has_private;
    switch (kf->type) {
    case AVILA_KEYFMT_ED25519:
    case AVILA_KEYFMT_X25519:
        return curve25519_key(kf);
    case AVILA_KEYFMT_P256:
        return p256_key(kf);
    default:
        return rsa_key(kf);
    }
}

/* Loads the key file at path into `key`. Returns 0 or CLI_FAIL after reporting. */
static int load_key(const char *path)
{
    static uint8_t work[AVILA_KEYFMT_DER_MAX];
    char *text;
    size_t n;
    if (cli_read_file(CMD, path, KEY_FILE_MAX, &text, &n) != 0)
        return CLI_FAIL;
    struct avila_keyfmt_key kf;
    int parse_err = avila_keyfmt_load(&kf, NULL, text, n, work, sizeof work);
    int err = parse_err ? parse_err : key_from_format(&kf);
    avila_wipe(text, n);
    free(text);
    avila_wipe(work, sizeof work);
    if (err == AVILA_EUNSUPPORTED)
        return cli_fail(CMD, "%s: unsupported key (Ed25519, X25519, P-256 and RSA up to 4096 bits)",
                        path);
    if (parse_err)
        return cli_fail(CMD, "%s: not a key file (%s)", path, avila_strerror(err));
    if (err == AVILA_EAUTH)
        return cli_fail(CMD, "%s: the public key does not match the private key", path);
    if (err)
        return cli_fail(CMD, "%s: invalid %s key (%s)", path, type_name(key.type),
                        avila_strerror(err));
    return 0;
}

/* Writes kf in `format` as PEM to path ("-" or NULL: standard output), a new file with mode. */
static int write_key(const struct avila_keyfmt_key *kf, int format, const char *path, mode_t mode)
{
    static char pem[AVILA_KEYFMT_PEM_MAX];
    static uint8_t work[AVILA_KEYFMT_DER_MAX];
    size_t n;
    int err = avila_keyfmt_write_pem(pem, sizeof pem, kf, format, work, sizeof work, &n);
    int rc = err ? cli_fail(CMD, "cannot encode the key: %s", avila_strerror(err))
                 : cli_write_file(CMD, path ? path : "-", mode, pem, n, "", 0);
    avila_wipe(pem, sizeof pem);
    return rc;
}

/* ------------------------------------------------------------------ gen and pub */

static int generate(const char *kind, const char *output)
{
    static const struct {
        const char *name;
        int type;
        size_t rsa_bits;
    } kinds[] = {
        {"ed25519", AVILA_KEYFMT_ED25519, 0}, {"x25519", AVILA_KEYFMT_X25519, 0},
        {"p256", AVILA_KEYFMT_P256, 0},       {"rsa2048", AVILA_KEYFMT_RSA, 2048},
        {"rsa3072", AVILA_KEYFMT_RSA, 3072},  {"rsa4096", AVILA_KEYFMT_RSA, 4096},
    };
    size_t i = 0;
    while (i < AVILA_ARRAY_LEN(kinds) && strcmp(kinds[i].name, kind) != 0)
        i++;
    if (i == AVILA_ARRAY_LEN(kinds))
        return cli_usage_error(CMD, "unknown key type '%s'", kind);
    if (rng_ready() != 0)
        return CLI_FAIL;
    struct avila_keyfmt_key kf = {.type = kinds[i].type, .has_private = true};
    static uint8_t rsa_bytes[AVILA_RSA_EXPORT_LEN];
    int err = 0;
    if (kinds[i].type == AVILA_KEYFMT_RSA) {
        struct avila_rsa_private_parts parts = {0};
        err = avila_rsa_generate(&key.rsa, kinds[i].rsa_bits, &rng, &rsa_work);
        if (!err)
            err = avila_rsa_private_export(&key.rsa, &parts, rsa_bytes, sizeof rsa_bytes);
        kf.n = parts.n;
        kf.e = parts.e;
        kf.d = parts.d;
        kf.p = parts.p;
        kf.q = parts.q;
        kf.dp = parts.dp;
        kf.dq = parts.dq;
        kf.qinv = parts.qinv;
    } else if (kinds[i].type == AVILA_KEYFMT_P256) {
        uint8_t random[32];
        do /* rejection sampling: a retry about once in 2^32 */
            avila_csprng_fill(&rng, random, sizeof random);
        while ((err = avila_p256_keygen(key.priv, key.pub, random)) == AVILA_ERANGE);
        avila_wipe(random, sizeof random);
        kf.pub = avila_slice_make(key.pub, AVILA_P256_PUB_LEN);
    } else {
        avila_csprng_fill(&rng, key.priv, sizeof key.priv);
    }
    kf.priv = avila_slice_make(key.priv, sizeof key.priv);
    int rc = err ? cli_fail(CMD, "key generation failed: %s", avila_strerror(err))
                 : write_key(&kf, AVILA_KEYFMT_PKCS8, output, 0600);
    avila_wipe(rsa_bytes, sizeof rsa_bytes);
    key_wipe();
    return rc;
}

static int public_key(const char *input, const char *output)
{
    if (rng_ready() != 0 || load_key(input ? input : "-") != 0) {
        key_wipe();
        return CLI_FAIL;
    }
    struct avila_keyfmt_key kf = {.type = key.type};
    static uint8_t n[AVILA_RSA_MAX_LEN];
    uint8_t e[8];
    if (key.type == AVILA_KEYFMT_RSA) {
        (void)avila_mp_to_bytes(n, key.rsa_pub.len, key.rsa_pub.n.m, key.rsa_pub.n.n);
        size_t e_len = 0;
        for (uint64_t v = key.rsa_pub.e; v; v >>= 8)
            e_len++;
        for (size_t i = 0; i < e_len; i++)
            e[i] = (uint8_t)(key.rsa_pub.e >> 8 * (e_len - 1 - i));
        kf.n = avila_slice_make(n, key.rsa_pub.len);
        kf.e = avila_slice_make(e, e_len);
    } else {
        kf.pub = avila_slice_make(key.pub, key.type == AVILA_KEYFMT_P256 ? AVILA_P256_PUB_LEN : 32);
    }
    int rc = write_key(&kf, AVILA_KEYFMT_SPKI, output, 0666);
    key_wipe();
    return rc;
}

/* ------------------------------------------------------------------ messages */

struct hashing {
    const struct avila_digest *d;
    struct avila_digest_ctx ctx;
};

static int hash_block(void *p, const uint8_t *block, size_t n)
{
    struct hashing *h = p;
    h->d->update(&h->ctx, block, n);
    return 0;
}

/* Hashes the message file at path with d into out. Returns 0 or CLI_FAIL after reporting. */
static int hash_message(const char *path, const struct avila_digest *d, uint8_t *out)
{
    int fd = cli_open_input(CMD, path);
    if (fd < 0)
        return CLI_FAIL;
    struct hashing h = {.d = d};
    d->init(&h.ctx);
    int rc = cli_stream(CMD, path, fd, 65536, hash_block, &h);
    cli_close_input(fd);
    if (rc != 0)
        return CLI_FAIL;
    d->final(&h.ctx, out);
    return 0;
}

static const struct avila_digest *digest_named(const char *name)
{
    if (!name || strcmp(name, "sha256") == 0)
        return &avila_digest_sha256;
    if (strcmp(name, "sha384") == 0)
        return &avila_digest_sha384;
    if (strcmp(name, "sha512") == 0)
        return &avila_digest_sha512;
    return NULL;
}

struct sign_opts {
    const char *key, *sig, *output, *message, *algo;
    int pss;
};

/* The options that do not fit the key's type: a usage error, or 0. */
static int check_opts_for_key(const struct sign_opts *o)
{
    if (key.type == AVILA_KEYFMT_X25519)
        return cli_fail(CMD, "%s: X25519 keys are for key agreement and cannot sign", o->key);
    if (key.type == AVILA_KEYFMT_ED25519 && (o->algo || o->pss))
        return cli_usage_error(CMD, "Ed25519 signs the message itself: no -a or --pss");
    if (key.type == AVILA_KEYFMT_P256 && o->pss)
        return cli_usage_error(CMD, "--pss is for RSA keys");
    return 0;
}

/* ------------------------------------------------------------------ sign and verify */

static int sign(const struct sign_opts *o)
{
    const struct avila_digest *d = digest_named(o->algo);
    uint8_t hash[AVILA_DIGEST_MAX_LEN], sig[AVILA_RSA_MAX_LEN], rs[AVILA_P256_SIG_LEN];
    size_t sig_len = 0;
    int rc = rng_ready() ? CLI_FAIL : load_key(o->key);
    if (rc == 0 && !key.has_private)
        rc = cli_fail(CMD, "%s: a public key cannot sign", o->key);
    if (rc == 0)
        rc = check_opts_for_key(o);
    if (rc == 0 && key.type == AVILA_KEYFMT_ED25519) {
        char *msg;
        size_t n;
        rc = cli_read_file(CMD, o->message, MESSAGE_MAX, &msg, &n);
        if (rc == 0) {
            avila_ed25519_sign(sig, msg, n, key.ed_secret);
            sig_len = 64;
            free(msg);
        }
    } else if (rc == 0 && (rc = hash_message(o->message, d, hash)) == 0) {
        int err;
        if (key.type == AVILA_KEYFMT_P256) {
            uint8_t extra[32];
            avila_csprng_fill(&rng, extra, sizeof extra);
            err = avila_p256_sign_hedged(rs, key.priv, hash, d->digest_len, extra, sizeof extra);
            if (!err)
                err = avila_keyfmt_ecdsa_sig_to_der(sig, sizeof sig, rs, 32, &sig_len);
        } else {
            sig_len = key.rsa.pub.len;
            err = o->pss
                      ? avila_rsa_sign_pss(&key.rsa, d, hash, d->digest_len, sig, &rng, &rsa_work)
                      : avila_rsa_sign_pkcs1(&key.rsa, d, hash, sig, &rng, &rsa_work);
        }
        if (err)
            rc = cli_fail(CMD, "signing failed: %s", avila_strerror(err));
    }
    if (rc == 0)
        rc = cli_write_file(CMD, o->output ? o->output : "-", 0666, sig, sig_len, "", 0);
    key_wipe();
    return rc;
}

/* Checks sig against the message with `key`: 0 valid, AVILA_EAUTH not, or CLI_FAIL reported. */
static int check_signature(const struct sign_opts *o, const uint8_t *sig, size_t sig_len)
{
    const struct avila_digest *d = digest_named(o->algo);
    uint8_t hash[AVILA_DIGEST_MAX_LEN], rs[AVILA_P256_SIG_LEN];
    if (key.type == AVILA_KEYFMT_ED25519) {
        char *msg;
        size_t n;
        if (cli_read_file(CMD, o->message, MESSAGE_MAX, &msg, &n) != 0)
            return CLI_FAIL;
        int err = sig_len == 64 ? avila_ed25519_verify(sig, msg, n, key.pub) : AVILA_EAUTH;
        free(msg);
        return err;
    }
    if (hash_message(o->message, d, hash) != 0)
        return CLI_FAIL;
    if (key.type == AVILA_KEYFMT_P256) {
        if (avila_keyfmt_ecdsa_sig_from_der(rs, 32, sig, sig_len) != 0)
            return AVILA_EAUTH;
        return avila_p256_verify(rs, hash, d->digest_len, key.pub, sizeof key.pub);
    }
    return o->pss ? avila_rsa_verify_pss(&key.rsa_pub, d, hash, d->digest_len, sig, sig_len)
                  : avila_rsa_verify_pkcs1(&key.rsa_pub, d, hash, sig, sig_len);
}

static int verify(const struct sign_opts *o)
{
    char *sig = NULL;
    size_t sig_len = 0;
    int rc = rng_ready() ? CLI_FAIL : load_key(o->key);
    if (rc == 0)
        rc = check_opts_for_key(o);
    if (rc == 0)
        rc = cli_read_file(CMD, o->sig, SIG_FILE_MAX, &sig, &sig_len);
    if (rc == 0) {
        int err = check_signature(o, (const uint8_t *)sig, sig_len);
        if (err == 0)
            puts("Verified OK");
        else if (err != CLI_FAIL)
            rc =
                cli_fail(CMD, "%s: verification failed (%s %s signature)", o->sig,
                         type_name(key.type), err == AVILA_EAUTH ? "invalid" : avila_strerror(err));
        else
            rc = CLI_FAIL;
    }
    free(sig);
    key_wipe();
    return rc;
}

/* ------------------------------------------------------------------ command line */

int cmd_pkey(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"in", required_argument, 0, 'i'},
        {"pss", no_argument, 0, 'P'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    if (argc < 2)
        return cli_usage_error(CMD, "missing subcommand (gen, pub, sign or verify)");
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
        return cli_help(CMD);
    const char *sub = argv[1], *input = NULL;
    struct sign_opts o = {0};
    int opt;
    optind = 2;
    /* Long options with one dash too ("-in", "-pss"), as the openssl CLI spells them. */
    while ((opt = getopt_long_only(argc, argv, "o:k:s:a:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'o':
            o.output = optarg;
            break;
        case 'i':
            input = optarg;
            break;
        case 'k':
            o.key = optarg;
            break;
        case 's':
            o.sig = optarg;
            break;
        case 'a':
            o.algo = optarg;
            break;
        case 'P':
            o.pss = 1;
            break;
        case 'h':
            return cli_help(CMD);
        default:
            return cli_usage_error(CMD, "unknown option");
        }
    }
    int operands = argc - optind;
    o.message = operands > 0 ? argv[optind] : "-";
    if (o.algo && !digest_named(o.algo))
        return cli_usage_error(CMD, "unknown digest '%s' (sha256, sha384 or sha512)", o.algo);
    if (strcmp(sub, "gen") == 0) {
        if (operands != 1)
            return cli_usage_error(CMD, "gen takes one key type");
        return generate(argv[optind], o.output);
    }
    if (strcmp(sub, "pub") == 0) {
        if (operands != 0)
            return cli_usage_error(CMD, "pub takes no operand (the key is -in KEY)");
        return public_key(input, o.output);
    }
    if (operands > 1)
        return cli_usage_error(CMD, "one message file at most");
    if (strcmp(sub, "sign") == 0) {
        if (!o.key)
            return cli_usage_error(CMD, "sign needs -k KEY");
        return sign(&o);
    }
    if (strcmp(sub, "verify") == 0) {
        if (!o.key || !o.sig)
            return cli_usage_error(CMD, "verify needs -k KEY and -s SIG");
        return verify(&o);
    }
    return cli_usage_error(CMD, "unknown subcommand '%s' (gen, pub, sign or verify)", sub);
}
