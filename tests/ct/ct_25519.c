/*
 * tests/ct/ct_25519.c - constant-time check of X25519 and Ed25519 signing
 * under valgrind memcheck (see tests/ct/ct_core.c for the method).
 *
 * Secret: the X25519 scalar and the peer's point (the shared secret must
 * not leak either), the fixed-base scalar, the Ed25519 seed and secret key.
 * Public: messages, and results once computed (declassified before use;
 * avila_x25519's return code is the one intended leak: "was the result
 * zero", computed without a branch and declassified here). Runs the
 * portable ladder, the dispatched one, and the mulx/adx ladder directly.
 * Verification works on public data and is variable time by design.
 * With --leaky it runs a textbook double-and-add that branches on the
 * scalar's bits instead, to show the method catches a secret-dependent
 * branch (tests/tools/test_ct.sh runs the first ct program that way).
 */
#include <stdio.h>
#include <string.h>
#include <valgrind/memcheck.h>

#include "core/cpu.h"
#include "crypto/fe25519_int.h"
#include "crypto/ed25519.h"
#include "crypto/x25519.h"

#define SECRET(p, n) VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#define PUBLIC(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))

static unsigned checks;
static uint64_t folded;

static void use(const void *p, size_t n)
{
    uint8_t b[64];
    memcpy(b, p, n);
    PUBLIC(b, n);
    for (size_t i = 0; i < n; i++)
        folded = folded * 31 + b[i];
    checks++;
}

static void run_x25519(const char *label, uint32_t cpu)
{
    uint8_t k[32], u[32], out[32];
    avila_cpu_restrict(cpu);
    for (int i = 0; i < 32; i++) {
        k[i] = (uint8_t)(i * 29 + 1);
        u[i] = (uint8_t)(i * 17 + 5);
    }
    SECRET(k, 32);
    SECRET(u, 32);
    int rc = avila_x25519(out, k, u);
    PUBLIC(&rc, sizeof rc);
    use(out, 32);
    use(&rc, sizeof rc);
    /* a small-order point: the all-zero result path */
    memset(u, 0, 32);
    SECRET(u, 32);
    rc = avila_x25519(out, k, u);
    PUBLIC(&rc, sizeof rc);
    use(out, 32);
    use(&rc, sizeof rc);
    printf("ct_25519: x25519 (%s ladder) ok\n", label);
}

/*
 * The mulx/adx ladder, called directly: valgrind's CPUID hides ADX, so the
 * dispatcher would never pick it under valgrind, but valgrind executes
 * mulx/adcx/adox itself (on any x86-64 host).
 */
static void run_adx_ladder(void)
{
#if AVILA_X86_64
    const uint32_t adx = AVILA_CPU_BMI2 | AVILA_CPU_ADX;
    if (!RUNNING_ON_VALGRIND && (avila_cpu_detected() & adx) != adx)
        return;
    uint8_t k[32], u[32], x2[32], z2[32];
    for (int i = 0; i < 32; i++) {
        k[i] = (uint8_t)(i * 29 + 1);
        u[i] = (uint8_t)(i * 17 + 5);
    }
    k[0] &= 248;
    k[31] = (k[31] & 127) | 64;
    SECRET(k, 32);
    SECRET(u, 32);
    avila_fe25519_ladder_adx(x2, z2, k, u);
    use(x2, 32);
    use(z2, 32);
    printf("ct_25519: x25519 (adx ladder) ok\n");
#endif
}

/* A ladder step done only when the bit is set, as a naive double-and-add does. */
static __attribute__((noinline)) uint8_t add_step(uint8_t acc)
{
    __asm__ volatile("" : "+r"(acc));
    return (uint8_t)(acc * 3 + 1);
}

/* Branches on each secret bit (the call keeps compilers from making it a select). */
static void leaky_ladder(void)
{
    uint8_t k[32], acc = 0;
    for (int i = 0; i < 32; i++)
        k[i] = (uint8_t)(i * 29 + 1);
    SECRET(k, 32);
    for (int t = 254; t >= 0; t--)
        if ((k[t / 8] >> (t % 8)) & 1)
            acc = add_step(acc);
    use(&acc, 1);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--leaky") == 0) {
        leaky_ladder();
        return 0;
    }
    run_x25519("portable", 0);
    run_x25519("dispatched", AVILA_CPU_ALL);
    run_adx_ladder();

    uint8_t k[32], pub[32], seed[32], secret[64], sig[64], msg[40];
    for (int pass = 0; pass < 2; pass++) {
        avila_cpu_restrict(pass ? AVILA_CPU_ALL : 0);
        for (int i = 0; i < 32; i++) {
            k[i] = (uint8_t)(200 - i * 3);
            seed[i] = (uint8_t)(i * 7 + 3);
        }
        memset(msg, 0x61, sizeof msg);
        SECRET(k, 32);
        avila_x25519_base(pub, k);
        use(pub, 32);

        SECRET(seed, 32);
        avila_ed25519_keypair(pub, secret, seed);
        use(pub, 32);
        SECRET(secret, 64);
        /* the public half of the secret key is public, as is the message */
        PUBLIC(secret + 32, 32);
        avila_ed25519_sign(sig, msg, sizeof msg, secret);
        use(sig, 64);
        /* signature, key and message are public: verification may branch on them */
        PUBLIC(sig, 64);
        PUBLIC(pub, 32);
        PUBLIC(secret, 64);
        if (avila_ed25519_verify(sig, msg, sizeof msg, pub) != 0) {
            printf("ct_25519: the signature does not verify\n");
            return 1;
        }
    }
    printf("ct_25519: %u constant-time checks run (fold %016llx)\n", checks,
           (unsigned long long)folded);
    return 0;
}
