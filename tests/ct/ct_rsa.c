/*
 * tests/ct/ct_rsa.c - constant-time check of RSA's private paths under
 * valgrind (method: tests/ct/ct_core.c).
 *
 * Secret: the private integers (as bytes on import and as limbs in the
 * key), the random generator's state (blinding factors, PSS salts, prime
 * candidates). Covered: key import with all its consistency checks, PKCS#1
 * v1.5 and PSS signing (blinding, CRT, verify-after-sign), blinding renewal,
 * export, and key generation from a secret seed. The library marks the
 * verdicts it reveals by design with avila_ct_declassify (core/ct.h); this
 * program's definition of it tells valgrind, so only those are released.
 * Each check runs with the portable paths and with the mulx/adx ones.
 *
 * With --leaky it raises a CRT exponent to a power by square-and-multiply
 * (avila_mp_modexp_vartime, for public exponents only), which branches on
 * the exponent's bits: the method must catch that.
 */
#include <stdio.h>
#include <string.h>
#include <valgrind/memcheck.h>

#include "core/cpu.h"
#include "core/ct.h"
#include "crypto/rsa.h"

#define SECRET(p, n) VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#define PUBLIC(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))

/* The library's declassification points, made real for valgrind. */
void avila_ct_declassify(const void *p, size_t n)
{
    PUBLIC(p, n);
}

static unsigned checks;
static uint64_t folded;

static void use(const void *p, size_t n)
{
    uint8_t buf[AVILA_RSA_EXPORT_LEN];
    memcpy(buf, p, n);
    PUBLIC(buf, n);
    for (size_t i = 0; i < n; i++)
        folded = folded * 31 + buf[i];
    checks++;
}

static struct avila_rsa_private key, imported;
static struct avila_rsa_work work;
static struct avila_csprng rng;
static uint8_t exported[AVILA_RSA_EXPORT_LEN];

/* A prime's Montgomery context: all but its limb count is secret. */
static void secret_mont(struct avila_mp_mont *m)
{
    SECRET(&m->m0inv, sizeof m->m0inv);
    SECRET(m->m, sizeof m->m);
    SECRET(m->rr, sizeof m->rr);
    SECRET(m->one, sizeof m->one);
}

/* Marks everything secret in a key: the primes' contexts and the exponents. */
static void secret_key(struct avila_rsa_private *k)
{
    secret_mont(&k->p);
    secret_mont(&k->q);
    SECRET(k->d, sizeof k->d);
    SECRET(k->dp, sizeof k->dp);
    SECRET(k->dq, sizeof k->dq);
    SECRET(k->qinv_mont, sizeof k->qinv_mont);
}

static void secret_rng(void)
{
    SECRET(&rng, sizeof rng);
}

static void check_generate(void)
{
    uint8_t seed[AVILA_CSPRNG_SEED_LEN] = {0x42};
    avila_csprng_init(&rng, seed);
    secret_rng();
    avila_rsa_work_init(&work);
    int rc = avila_rsa_generate(&key, 2048, &rng, &work);
    use(&rc, sizeof rc);
    use(&key.pub.n.m, key.pub.len); /* the modulus is public once made */
    PUBLIC(&key.pub, sizeof key.pub);
}

static void check_sign(const struct avila_rsa_private *k)
{
    uint8_t hash[64], sig[AVILA_RSA_MAX_LEN];
    memset(hash, 0x68, sizeof hash);
    /* Past a blinding renewal (AVILA_RSA_BLINDING_USES signatures per pair). */
    for (int i = 0; i < AVILA_RSA_BLINDING_USES + 2; i++) {
        int rc = avila_rsa_sign_pkcs1(k, &avila_digest_sha256, hash, sig, &rng, &work);
        use(&rc, sizeof rc);
        use(sig, k->pub.len);
    }
    int rc = avila_rsa_sign_pss(k, &avila_digest_sha512, hash, 64, sig, &rng, &work);
    use(&rc, sizeof rc);
    use(sig, k->pub.len);
}

static void check_export_import(void)
{
    struct avila_rsa_private_parts parts;
    int rc = avila_rsa_private_export(&key, &parts, exported, sizeof exported);
    use(&rc, sizeof rc);
    /* Lengths are public (DER shows them); the bytes are not. */
    PUBLIC(&parts, sizeof parts);
    struct avila_slice *secret[] = {&parts.d,  &parts.p,  &parts.q,
                                    &parts.dp, &parts.dq, &parts.qinv};
    for (size_t i = 0; i < sizeof secret / sizeof secret[0]; i++)
        SECRET(secret[i]->ptr, secret[i]->len);
    rc = avila_rsa_private_init(&imported, &parts, &rng, &work);
    use(&rc, sizeof rc);
    secret_key(&imported);
    check_sign(&imported);
}

static void leaky_exponent(void)
{
    uint8_t seed[AVILA_CSPRNG_SEED_LEN] = {0x17};
    avila_csprng_init(&rng, seed);
    avila_rsa_work_init(&work);
    (void)avila_rsa_generate(&key, 2048, &rng, &work);
    secret_key(&key);
    uint64_t two[AVILA_MP_MAX_LIMBS] = {2}, out[AVILA_MP_MAX_LIMBS];
    (void)avila_mp_modexp_vartime(&key.p, out, two, key.dp, key.p.n);
    use(out, 8 * key.p.n);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--leaky") == 0) {
        leaky_exponent();
        return 0;
    }
    const uint32_t masks[] = {0, AVILA_CPU_ALL};
    for (size_t m = 0; m < sizeof masks / sizeof masks[0]; m++) {
        avila_cpu_restrict(masks[m]);
        check_generate();
        secret_key(&key);
        check_sign(&key);
        check_export_import();
    }
    printf("ct_rsa: %u checks, fold %016llx\n", checks, (unsigned long long)folded);
    return 0;
}
