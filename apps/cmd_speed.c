/*
 * apps/cmd_speed.c - `avila speed [--portable] [ALGO...]`: the crypto
 * layer's benchmark, printed as "BENCH crypto <case> <value> <unit>" lines
 * with the case names of ../shared/anchors/crypto-openssl, so `compare`
 * can join them. `make bench` runs it with and without --portable.
 *
 * Each figure is the median of 5 timed runs of at least 0.2 s of CPU time
 * after a warm-up (tools/bench/bench.c). Symmetric cases time one complete
 * operation per call on a buffer of the case's size: a whole AEAD seal
 * (key setup, Poly1305 key or GHASH key powers, tag), a whole hash. The
 * anchor's `openssl speed -evp` instead continues one long message, so at
 * 16 B and 1 KiB it does less work per byte than we do.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "apps/cli.h"
#include "apps/cmds.h"
#include "core/cpu.h"
#include "crypto/aead.h"
#include "crypto/aes.h"
#include "crypto/chacha20.h"
#include "crypto/digest.h"
#include "crypto/ed25519.h"
#include "crypto/rsa.h"
#include "crypto/gcm.h"
#include "crypto/p256.h"
#include "crypto/poly1305.h"
#include "crypto/x25519.h"
#include "tools/bench/bench.h"

const char cmd_speed_usage[] =
    "usage: avila speed [--portable] [ALGO...]\n"
    "Measure the crypto layer and print 'BENCH crypto <case> <value> <unit>' lines:\n"
    "MB/s (10^6 bytes) at 16 B, 1 KiB and 16 KiB per call for the symmetric\n"
    "algorithms, operations per second for the public-key ones. ALGO is one of\n"
    "  sha256 sha512 sha3-256 blake2b blake2s blake3 chacha20-poly1305\n"
    "  aes-128-gcm aes-256-gcm x25519 ed25519 ecdsa-p256 p256 rsa2048\n"
    "(all by default). Each case takes about a second; BENCH_MIN_SECONDS=0.05\n"
    "gives rough figures faster.\n"
    "  --portable  measure the portable code paths (no SIMD or special\n"
    "              instructions) and add /portable to each case name\n"
    "  -h, --help  show this help\n";

#define MAX_SIZE 16384

static uint8_t buffer[MAX_SIZE];
static char suffix[16]; /* "" or "/portable" */

static void report_rate(const char *name, void (*fn)(void *), void *arg, size_t bytes)
{
    char label[96];
    snprintf(label, sizeof label, "%s%s", name, suffix);
    bench_throughput("crypto", label, fn, arg, (double)bytes);
}

static void report_ops(const char *name, void (*fn)(void *), void *arg)
{
    char label[96];
    snprintf(label, sizeof label, "%s%s", name, suffix);
    if (bench_selected("crypto", label))
        bench_print("crypto", label, 1.0 / bench_time(fn, arg), "ops/s");
}

/* The three anchor sizes of a symmetric algorithm: <name>/16B, /1KiB, /16KiB. */
struct sized {
    size_t size;
    void *arg;
};

static void three_sizes(const char *name, void (*fn)(void *), void *arg, struct sized *s)
{
    static const size_t sizes[] = {16, 1024, 16384};
    static const char *const labels[] = {"16B", "1KiB", "16KiB"};
    for (size_t i = 0; i < 3; i++) {
        char label[64];
        snprintf(label, sizeof label, "%s/%s", name, labels[i]);
        s->size = sizes[i];
        s->arg = arg;
        report_rate(label, fn, s, sizes[i]);
    }
}

/* ---- hashes, through their descriptors */

static void run_digest(void *p)
{
    struct sized *s = p;
    const struct avila_digest *d = s->arg;
    /* BLAKE3's context does not fit struct avila_digest_ctx; this buffer fits all. */
    static _Alignas(64) uint8_t ctx[4096];
    uint8_t out[AVILA_DIGEST_MAX_LEN];
    d->init(ctx);
    d->update(ctx, buffer, s->size);
    d->final(ctx, out);
    bench_consume(out[0]);
}

static void speed_digest(const char *name, const struct avila_digest *d)
{
    struct sized s;
    three_sizes(name, run_digest, (void *)d, &s);
}

static void speed_sha256(void)
{
    speed_digest("sha256", &avila_digest_sha256);
}

static void speed_sha512(void)
{
    speed_digest("sha512", &avila_digest_sha512);
}

static void speed_sha3(void)
{
    speed_digest("sha3-256", &avila_digest_sha3_256);
}

static void speed_blake2b(void)
{
    speed_digest("blake2b", &avila_digest_blake2b512);
}

static void speed_blake2s(void)
{
    speed_digest("blake2s", &avila_digest_blake2s256);
}

static void speed_blake3(void)
{
    speed_digest("blake3", &avila_digest_blake3);
}

/* ---- ChaCha20-Poly1305 */

static const uint8_t key32[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static const uint8_t nonce12[12] = {7, 0, 0, 0, 0x40, 0x41, 0x42, 0x43};

static void run_chacha_seal(void *p)
{
    struct sized *s = p;
    uint8_t tag[16];
    avila_chacha20poly1305_seal(buffer, tag, buffer, s->size, NULL, 0, nonce12, key32);
    bench_consume(tag[0]);
}

static void run_chacha20(void *p)
{
    (void)p;
    avila_chacha20_xor(buffer, buffer, MAX_SIZE, key32, nonce12, 1);
    bench_consume(buffer[0]);
}

static void run_poly1305(void *p)
{
    (void)p;
    uint8_t tag[16];
    avila_poly1305_mac(tag, buffer, MAX_SIZE, key32);
    bench_consume(tag[0]);
}

static void speed_chacha(void)
{
    struct sized s;
    three_sizes("chacha20-poly1305", run_chacha_seal, NULL, &s);
    report_rate("chacha20/16KiB", run_chacha20, NULL, MAX_SIZE);
    report_rate("poly1305/16KiB", run_poly1305, NULL, MAX_SIZE);
}

/* ---- AES-GCM, AES-CTR */

static void run_gcm_seal(void *p)
{
    struct sized *s = p;
    const struct avila_gcm *g = s->arg;
    uint8_t tag[16];
    avila_gcm_seal(g, buffer, tag, 16, buffer, s->size, NULL, 0, nonce12, 12);
    bench_consume(tag[0]);
}

static void run_aes_ctr(void *p)
{
    const struct avila_aes *k = p;
    uint8_t counter[16] = {0};
    avila_aes_ctr(k, buffer, buffer, MAX_SIZE, counter);
    bench_consume(buffer[0]);
}

static void speed_gcm(const char *name, size_t key_len)
{
    static struct avila_gcm g;
    static struct avila_aes k;
    struct sized s;
    avila_gcm_init(&g, key32, key_len);
    three_sizes(name, run_gcm_seal, &g, &s);
    avila_gcm_wipe(&g);
    if (key_len == 16) {
        avila_aes_init(&k, key32, key_len);
        report_rate("aes-128-ctr/16KiB", run_aes_ctr, &k, MAX_SIZE);
        avila_aes_wipe(&k);
    }
}

static void speed_aes128(void)
{
    speed_gcm("aes-128-gcm", 16);
}

static void speed_aes256(void)
{
    speed_gcm("aes-256-gcm", 32);
}

/* ---- X25519, Ed25519 */

struct keys {
    uint8_t scalar[32], point[32], pub[32], secret[64], sig[64], msg[64];
};

static void run_x25519(void *p)
{
    struct keys *k = p;
    uint8_t out[32];
    avila_x25519(out, k->scalar, k->point);
    bench_consume(out[0]);
}

static void run_x25519_base(void *p)
{
    struct keys *k = p;
    uint8_t out[32];
    avila_x25519_base(out, k->scalar);
    bench_consume(out[0]);
}

static void run_ed25519_keypair(void *p)
{
    struct keys *k = p;
    avila_ed25519_keypair(k->pub, k->secret, k->scalar);
    bench_consume(k->pub[0]);
}

static void run_ed25519_sign(void *p)
{
    struct keys *k = p;
    avila_ed25519_sign(k->sig, k->msg, sizeof k->msg, k->secret);
    bench_consume(k->sig[0]);
}

static void run_ed25519_verify(void *p)
{
    struct keys *k = p;
    bench_consume((uint64_t)avila_ed25519_verify(k->sig, k->msg, sizeof k->msg, k->pub));
}

static void speed_x25519(void)
{
    struct keys k;
    memset(&k, 7, sizeof k);
    avila_x25519_base(k.point, k.msg);
    report_ops("x25519/derive", run_x25519, &k);
    report_ops("x25519/base", run_x25519_base, &k);
}

static void speed_ed25519(void)
{
    struct keys k;
    memset(&k, 9, sizeof k);
    report_ops("ed25519/keypair", run_ed25519_keypair, &k);
    avila_ed25519_sign(k.sig, k.msg, sizeof k.msg, k.secret);
    report_ops("ed25519/sign", run_ed25519_sign, &k);
    report_ops("ed25519/verify", run_ed25519_verify, &k);
}

/* ---- RSA */

struct rsa_bench {
    struct avila_rsa_private key;
    struct avila_rsa_work work;
    struct avila_csprng rng;
    uint8_t hash[32], sig[AVILA_RSA_MAX_LEN];
};

static void run_rsa_sign(void *p)
{
    struct rsa_bench *b = p;
    (void)avila_rsa_sign_pkcs1(&b->key, &avila_digest_sha256, b->hash, b->sig, &b->rng, &b->work);
    bench_consume(b->sig[0]);
}

static void run_rsa_verify(void *p)
{
    struct rsa_bench *b = p;
    bench_consume((uint64_t)avila_rsa_verify_pkcs1(&b->key.pub, &avila_digest_sha256, b->hash,
                                                   b->sig, b->key.pub.len));
}

/* RSA-2048 with PKCS#1 v1.5 and SHA-256, as `openssl speed rsa2048` (its sign is raw RSA). */
static void speed_rsa(void)
{
    static struct rsa_bench b;
    uint8_t seed[AVILA_CSPRNG_SEED_LEN] = {4};
    avila_csprng_init(&b.rng, seed);
    avila_rsa_work_init(&b.work);
    memset(b.hash, 3, sizeof b.hash);
    (void)avila_rsa_generate(&b.key, 2048, &b.rng, &b.work);
    report_ops("rsa2048/sign", run_rsa_sign, &b);
    report_ops("rsa2048/verify", run_rsa_verify, &b);
}

/* ---- P-256: ECDSA over a SHA-256 hash (RFC 6979 nonces), ECDH */

struct p256_keys {
    uint8_t priv[32], pub[65], peer[65], hash[32], sig[64];
};

static void run_p256_sign(void *p)
{
    struct p256_keys *k = p;
    bench_consume((uint64_t)avila_p256_sign(k->sig, k->priv, k->hash, sizeof k->hash));
}

static void run_p256_verify(void *p)
{
    struct p256_keys *k = p;
    bench_consume((uint64_t)avila_p256_verify(k->sig, k->hash, sizeof k->hash, k->pub, 65));
}

static void run_p256_derive(void *p)
{
    struct p256_keys *k = p;
    uint8_t out[32];
    bench_consume((uint64_t)avila_p256_ecdh(out, k->priv, k->peer, 65));
    bench_consume(out[0]);
}

static void p256_setup(struct p256_keys *k)
{
    uint8_t other[32];
    memset(k, 0x5c, sizeof *k);
    memset(other, 0x3a, sizeof other);
    if (avila_p256_public_from_private(k->pub, k->priv) != 0 ||
        avila_p256_public_from_private(k->peer, other) != 0 ||
        avila_p256_sign(k->sig, k->priv, k->hash, sizeof k->hash) != 0)
        fprintf(stderr, "avila speed: p256 setup failed\n");
}

static void speed_ecdsa_p256(void)
{
    struct p256_keys k;
    p256_setup(&k);
    report_ops("ecdsa-p256/sign", run_p256_sign, &k);
    report_ops("ecdsa-p256/verify", run_p256_verify, &k);
}

static void speed_p256(void)
{
    struct p256_keys k;
    p256_setup(&k);
    report_ops("p256/derive", run_p256_derive, &k);
}

static const struct {
    const char *name;
    void (*run)(void);
} algos[] = {
    {"sha256", speed_sha256},
    {"sha512", speed_sha512},
    {"sha3-256", speed_sha3},
    {"blake2b", speed_blake2b},
    {"blake2s", speed_blake2s},
    {"blake3", speed_blake3},
    {"chacha20-poly1305", speed_chacha},
    {"aes-128-gcm", speed_aes128},
    {"aes-256-gcm", speed_aes256},
    {"x25519", speed_x25519},
    {"ed25519", speed_ed25519},
    {"ecdsa-p256", speed_ecdsa_p256},
    {"p256", speed_p256},
    {"rsa2048", speed_rsa},
};

#define NALGOS (sizeof algos / sizeof algos[0])

int cmd_speed(int argc, char **argv)
{
    int first = 1;
    if (argc > 1 && strcmp(argv[1], "--portable") == 0) {
        avila_cpu_restrict(0);
        snprintf(suffix, sizeof suffix, "/portable");
        first = 2;
    }
    int wanted[NALGOS] = {0};
    for (int i = first; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return cli_help("speed");
        size_t j = 0;
        while (j < NALGOS && strcmp(algos[j].name, argv[i]) != 0)
            j++;
        if (j == NALGOS)
            return cli_usage_error("speed", "unknown algorithm '%s'", argv[i]);
        wanted[j] = 1;
    }
    for (size_t j = 0; j < NALGOS; j++) {
        if (argc > first && !wanted[j])
            continue;
        if (isatty(STDERR_FILENO))
            fprintf(stderr, "\ravila speed: %s...\033[K", algos[j].name);
        algos[j].run();
    }
    if (isatty(STDERR_FILENO))
        fputs("\r\033[K", stderr);
    return CLI_OK;
}
