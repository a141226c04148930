/*
 * tests/ct/ct_kdf.c - constant-time check of HMAC, HKDF, PBKDF2, scrypt's
 * and Argon2's secret-keyed parts under valgrind (method: tests/ct/ct_core.c).
 *
 * Secret: HMAC keys, messages and tags under test; HKDF input keying
 * material; passwords. Covered: HMAC init/update/final/verify, HKDF extract
 * and expand, PBKDF2, scrypt's BlockMix (its ROMix indexes V by design, so
 * the whole of scrypt cannot be), Argon2's compression G, H0 and H', and
 * all of Argon2i (data-independent addressing throughout). Argon2id and
 * Argon2d index memory with password-derived values by design (see
 * crypto/kdf.h), so only their keying is covered. Each check runs with the
 * portable paths (avila_cpu_restrict(0)) and again with every SIMD path the
 * CPU, as valgrind presents it, has: valgrind emulates no AVX-512, so the
 * AVX-512 Argon2 kernel (branch-free straight-line code like the AVX2 one)
 * is not checked here.
 *
 * With --leaky it runs Argon2id on a secret password instead: its second
 * half-pass picks reference blocks from password-derived words, which the
 * method must catch (and does), showing why kdf.h limits Argon2id's claim.
 */
#include <stdio.h>
#include <string.h>
#include <valgrind/memcheck.h>

#include "core/cpu.h"
#include "crypto/argon2_int.h"
#include "crypto/hmac.h"
#include "crypto/kdf.h"
#include "crypto/scrypt_int.h"

#define SECRET(p, n) VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#define PUBLIC(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))

static unsigned checks;
static uint64_t folded;

/* Declassifies n bytes of a result and folds them into the printed output. */
static void use(const void *p, size_t n)
{
    uint8_t buf[256];
    if (n > sizeof buf)
        n = sizeof buf;
    memcpy(buf, p, n);
    PUBLIC(buf, n);
    for (size_t i = 0; i < n; i++)
        folded = folded * 31 + buf[i];
    checks++;
}

static void check_hmac(const struct avila_digest *d)
{
    uint8_t key[150], msg[200], tag[64];
    memset(key, 0x4b, sizeof key);
    memset(msg, 0x6d, sizeof msg);
    SECRET(key, sizeof key);
    SECRET(msg, sizeof msg);
    /* Keys shorter and longer than the block (the latter hashed first). */
    for (size_t key_len = 16; key_len <= sizeof key; key_len += sizeof key - 16) {
        struct avila_hmac h;
        avila_hmac_init(&h, d, key, key_len);
        avila_hmac_update(&h, msg, sizeof msg);
        avila_hmac_final(&h, tag);
        use(tag, d->digest_len);
        int ok = avila_hmac_verify(d, key, key_len, msg, sizeof msg, tag, d->digest_len);
        use(&ok, sizeof ok);
        tag[3] ^= 1;
        ok = avila_hmac_verify(d, key, key_len, msg, sizeof msg, tag, 16);
        use(&ok, sizeof ok);
    }
}

static void check_hkdf_pbkdf2(void)
{
    uint8_t ikm[40], prk[64], okm[200], pw[20];
    memset(ikm, 0x17, sizeof ikm);
    memset(pw, 0x70, sizeof pw);
    SECRET(ikm, sizeof ikm);
    SECRET(pw, sizeof pw);
    avila_hkdf_extract(&avila_digest_sha384, prk, "salt", 4, ikm, sizeof ikm);
    avila_hkdf_expand(&avila_digest_sha384, okm, sizeof okm, prk, 48, "info", 4);
    use(okm, sizeof okm);
    avila_hkdf(&avila_digest_sha3_256, okm, 77, NULL, 0, ikm, sizeof ikm, "i", 1);
    use(okm, 77);
    avila_pbkdf2(&avila_digest_sha256, okm, 70, pw, sizeof pw, "salt", 4, 3);
    use(okm, 70);
    avila_pbkdf2(&avila_digest_blake2b512, okm, 70, pw, sizeof pw, "salt", 4, 2);
    use(okm, 70);
}

static void check_scrypt_blockmix(void)
{
    static uint32_t in[64], in2[64], out[64];
    for (size_t i = 0; i < 64; i++)
        in[i] = in2[i] = (uint32_t)i * 0x01010101u;
    SECRET(in, sizeof in);
    SECRET(in2, sizeof in2);
    avila_scrypt_blockmix(out, in, NULL, 2);
    use(out, sizeof out);
    avila_scrypt_blockmix(out, in, in2, 2);
    use(out, sizeof out);
}

static void check_argon2(void)
{
    static uint64_t prev[128], ref[128], next[128];
    static uint8_t work[AVILA_ARGON2_WORK_SIZE(32)];
    uint8_t pw[24], secret[16], h0[64], tag[40], block[1024];
    memset(pw, 0x50, sizeof pw);
    memset(secret, 0x53, sizeof secret);
    for (size_t i = 0; i < 128; i++)
        prev[i] = ref[i] = next[i] = i * 0x0101010101010101u;
    SECRET(pw, sizeof pw);
    SECRET(secret, sizeof secret);
    SECRET(prev, sizeof prev);
    SECRET(ref, sizeof ref);
    SECRET(next, sizeof next);
    const struct avila_argon2_kernel *k = avila_argon2_kernel();
    k->fill(next, prev, ref, 0);
    k->fill(next, prev, ref, 1);
    use(next, sizeof next);
    struct avila_argon2_params p = {2, 32, 2, secret, sizeof secret, "ad", 2};
    avila_argon2_h0(h0, AVILA_ARGON2_ID, sizeof tag, pw, sizeof pw, "saltsalt", 8, &p);
    avila_argon2_hprime(block, sizeof block, h0, sizeof h0);
    use(block, sizeof block);
    avila_argon2i(tag, sizeof tag, pw, sizeof pw, "saltsalt", 8, &p, work, sizeof work);
    use(tag, sizeof tag);
}

/* Deliberately leaky: Argon2id's data-dependent addressing on a secret password. */
static void leaky_argon2id(void)
{
    static uint8_t work[AVILA_ARGON2_WORK_SIZE(32)];
    uint8_t pw[24], tag[32];
    memset(pw, 0x50, sizeof pw);
    SECRET(pw, sizeof pw);
    const struct avila_argon2_params p = {1, 32, 1, NULL, 0, NULL, 0};
    avila_argon2id(tag, sizeof tag, pw, sizeof pw, "saltsalt", 8, &p, work, sizeof work);
    use(tag, sizeof tag);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--leaky") == 0) {
        leaky_argon2id();
        return 0;
    }
    const uint32_t masks[] = {0, AVILA_CPU_ALL};
    for (size_t m = 0; m < sizeof masks / sizeof masks[0]; m++) {
        avila_cpu_restrict(masks[m]);
        check_hmac(&avila_digest_sha256);
        check_hmac(&avila_digest_sha512);
        check_hmac(&avila_digest_sha3_256);
        check_hmac(&avila_digest_blake2s256);
        check_hkdf_pbkdf2();
        check_scrypt_blockmix();
        check_argon2();
        printf("ct_kdf: argon2 kernel %s\n", avila_argon2_impl());
    }
    printf("ct_kdf: %u constant-time checks run (fold %016llx)\n", checks,
           (unsigned long long)folded);
    return 0;
}
