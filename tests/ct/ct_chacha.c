/*
 * tests/ct/ct_chacha.c - constant-time check of ChaCha20, HChaCha20,
 * XChaCha20, Poly1305 (every kernel valgrind can run), the AEADs' sealing
 * and the CSPRNG, under valgrind memcheck (see tests/ct/ct_core.c for the
 * method): keys, nonces, messages and seeds are marked secret, and any
 * branch or memory index depending on them is reported.
 *
 * Opening is checked through its parts: the MAC over the ciphertext is the
 * same code as sealing's (run here with a secret key), the tag comparison is
 * avila_ct_memeq (core's check), and decryption is ChaCha20. Its one branch,
 * on whether the tag matched, depends on the verification outcome, which is
 * public by design (it is the function's result).
 *
 * valgrind does not emulate AVX-512 and hides it from CPUID, so under it the
 * AVX-512 kernels are not dispatched; the portable and AVX2 ones are.
 *
 * With --leaky it instead checks a Poly1305 tag made with a secret key
 * using an early-exit compare (the naive tag check opening must not do), so
 * tests/tools/test_ct.sh can prove the method catches a leak here.
 */
#include <stdio.h>
#include <string.h>
#include <valgrind/memcheck.h>

#include "core/cpu.h"
#include "core/ct.h"
#include "crypto/aead.h"
#include "crypto/chacha20.h"
#include "crypto/chacha20_int.h"
#include "crypto/csprng.h"
#include "crypto/poly1305.h"

#define SECRET(p, n) VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#define PUBLIC(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))

static unsigned checks;
static uint64_t folded;

/* Declassifies a result (as a caller publishing it would) and folds it into the output. */
static void use(const void *p, size_t n)
{
    const uint8_t *b = p;
    PUBLIC(p, n);
    for (size_t i = 0; i < n; i++)
        folded = folded * 31 + b[i];
    checks++;
}

static uint8_t key[32], nonce[24], msg[2100], out[2100], aad[40], tag[16];

static void make_secret(void)
{
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)(i * 13 + 5);
    for (size_t i = 0; i < sizeof key; i++)
        key[i] = (uint8_t)(i * 3 + 1);
    for (size_t i = 0; i < sizeof nonce; i++)
        nonce[i] = (uint8_t)(i + 100);
    for (size_t i = 0; i < sizeof aad; i++)
        aad[i] = (uint8_t)(i ^ 0x5a);
    SECRET(key, sizeof key);
    SECRET(nonce, sizeof nonce);
    SECRET(msg, sizeof msg);
    SECRET(aad, sizeof aad);
}

static void check_chacha(void)
{
    const size_t lens[] = {1, 64, 100, 300, 1041, 2100};
    for (size_t i = 0; i < AVILA_ARRAY_LEN(lens); i++) {
        avila_chacha20_xor(out, msg, lens[i], key, nonce, 7);
        use(out, lens[i]);
        avila_xchacha20_xor(out, msg, lens[i], key, nonce, 0);
        use(out, lens[i]);
    }
    uint8_t sub[32];
    avila_hchacha20(sub, key, nonce);
    use(sub, sizeof sub);
    struct avila_chacha20 ctx;
    avila_chacha20_init(&ctx, key, nonce, 1);
    avila_chacha20_update(&ctx, out, msg, 10);
    avila_chacha20_update(&ctx, out + 10, msg + 10, 700);
    avila_chacha20_wipe(&ctx);
    use(out, 710);
}

static void check_poly1305(void)
{
    const struct avila_poly1305_kernel *ks[4];
    size_t nk = 0;
    ks[nk++] = &avila_poly1305_kernel_portable32;
#if AVILA_POLY1305_HAVE_INT128
    ks[nk++] = &avila_poly1305_kernel_portable64;
#endif
#if AVILA_X86_64
    if ((avila_cpu_features() & avila_poly1305_kernel_avx2.cpu) == avila_poly1305_kernel_avx2.cpu)
        ks[nk++] = &avila_poly1305_kernel_avx2;
    if ((avila_cpu_features() & avila_poly1305_kernel_avx512.cpu) ==
        avila_poly1305_kernel_avx512.cpu)
        ks[nk++] = &avila_poly1305_kernel_avx512;
#endif
    const size_t lens[] = {0, 15, 16, 33, 700, 2100};
    for (size_t k = 0; k < nk; k++)
        for (size_t i = 0; i < AVILA_ARRAY_LEN(lens); i++) {
            avila_poly1305_mac_with(ks[k], tag, msg, lens[i], key);
            use(tag, sizeof tag);
        }
}

static void check_aead(void)
{
    const size_t lens[] = {0, 16, 192, 193, 1500};
    for (size_t i = 0; i < AVILA_ARRAY_LEN(lens); i++) {
        int rc = avila_chacha20poly1305_seal(out, tag, msg, lens[i], aad, sizeof aad, nonce, key);
        use(&rc, sizeof rc);
        use(out, lens[i]);
        use(tag, sizeof tag);
        rc = avila_xchacha20poly1305_seal(out, tag, msg, lens[i], aad, sizeof aad, nonce, key);
        use(&rc, sizeof rc);
        use(out, lens[i]);
        use(tag, sizeof tag);
    }
    /* Opening's tag comparison, on secret tags. */
    uint8_t other[16];
    memcpy(other, tag, sizeof other);
    SECRET(other, sizeof other);
    SECRET(tag, sizeof tag);
    uint32_t same = avila_ct_memeq(tag, other, sizeof tag);
    use(&same, sizeof same);
}

static void check_csprng(void)
{
    struct avila_csprng g;
    avila_csprng_init(&g, key);
    avila_csprng_fill(&g, out, 20);
    use(out, 20);
    avila_csprng_fill(&g, out, 1000);
    use(out, 1000);
    avila_csprng_reseed(&g, msg, 37);
    avila_csprng_fill(&g, out, 64);
    use(out, 64);
    avila_csprng_wipe(&g);
}

/*
 * Deliberately leaky: returns at the first differing byte, and reads a
 * table at a secret index (clang compiles the 16-byte early-exit loop
 * into a branch-free compare; the secret index leaks under any optimiser).
 */
static int leaky_memeq(const uint8_t *a, const uint8_t *b, size_t n)
{
    static const uint8_t first_byte_seen[256] = {1};
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return first_byte_seen[a[0]];
    return 1;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--leaky") == 0) {
        uint8_t expected[16] = {0};
        make_secret();
        avila_poly1305_mac(tag, msg, 100, key);
        uint8_t same = (uint8_t)leaky_memeq(tag, expected, sizeof tag);
        use(&same, 1);
        return 0;
    }
    for (int portable = 1; portable >= 0; portable--) {
        avila_cpu_restrict(portable ? 0 : AVILA_CPU_ALL);
        make_secret();
        check_chacha();
        check_poly1305();
        check_aead();
        check_csprng();
        printf("ct_chacha: %s kernels (chacha20 %s, poly1305 %s)\n",
               portable ? "portable" : "dispatched", avila_chacha20_impl(), avila_poly1305_impl());
    }
    printf("ct_chacha: %u constant-time checks run (fold %016llx)\n", checks,
           (unsigned long long)folded);
    return 0;
}
