/*
 * tests/ct/ct_blake.c - constant-time check of keyed BLAKE2b, BLAKE2s and
 * BLAKE3 under valgrind: key and message are secret (marked undefined for
 * memcheck), only their lengths are public. Any branch or memory index that
 * depends on them makes valgrind report an error. Outputs are declassified
 * before use, as a MAC's caller would after comparing tags in constant time.
 *
 * BLAKE3 runs through every kernel the CPU offers under valgrind (portable,
 * and AVX2 where present: valgrind 3.19 hides AVX-512, so that kernel cannot
 * run here), with inputs long enough to reach the many-chunk paths, and through
 * the key-derivation mode (the input key material is the secret there).
 * BLAKE2 has only portable code.
 */
#include <stdio.h>
#include <string.h>
#include <valgrind/memcheck.h>

#include "core/cpu.h"
#include "crypto/blake2.h"
#include "crypto/blake3.h"

#define SECRET(p, n) VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#define PUBLIC(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))

static unsigned checks;
static uint64_t folded;

/* Declassifies an output and folds it into the printed result so it is not optimised away. */
static void use(uint8_t *out, size_t n)
{
    PUBLIC(out, n);
    for (size_t i = 0; i < n; i++)
        folded = folded * 31 + out[i];
    checks++;
}

/* The message lengths tried: around blocks, chunks and the vector kernels' widths. */
static const size_t lens[] = {0, 1, 64, 65, 128, 129, 1024, 1025, 8 * 1024 + 5, 70 * 1024 + 3};
#define MAX_LEN (70 * 1024 + 3)

static uint8_t msg[MAX_LEN];

static void blake2_checks(void)
{
    uint8_t key[64], out[64];
    for (size_t i = 0; i < sizeof key; i++)
        key[i] = (uint8_t)(i * 5 + 1);
    for (size_t l = 0; l < sizeof lens / sizeof lens[0]; l++) {
        SECRET(key, sizeof key);
        SECRET(msg, lens[l]);
        (void)avila_blake2b(out, 64, key, 64, msg, lens[l]);
        use(out, 64);
        (void)avila_blake2s(out, 32, key, 32, msg, lens[l]);
        use(out, 32);
        struct avila_blake2b c;
        (void)avila_blake2b_init(&c, 32, key, 17);
        avila_blake2b_update(&c, msg, lens[l] / 3);
        avila_blake2b_update(&c, msg + lens[l] / 3, lens[l] - lens[l] / 3);
        avila_blake2b_final(&c, out);
        use(out, 32);
    }
}

static void blake3_checks(void)
{
    uint8_t key[32], out[100];
    for (size_t i = 0; i < sizeof key; i++)
        key[i] = (uint8_t)(i * 7 + 3);
    struct avila_blake3 c;
    for (size_t l = 0; l < sizeof lens / sizeof lens[0]; l++) {
        SECRET(key, sizeof key);
        SECRET(msg, lens[l]);
        avila_blake3_init_keyed(&c, key);
        avila_blake3_update(&c, msg, lens[l]);
        avila_blake3_final(&c, out, sizeof out);
        use(out, sizeof out);
        avila_blake3_init_derive_key(&c, "avila ct_blake 2024", 19);
        avila_blake3_update(&c, msg, lens[l] / 2);
        avila_blake3_update(&c, msg + lens[l] / 2, lens[l] - lens[l] / 2);
        avila_blake3_final_seek(&c, 70, out, 32);
        use(out, 32);
    }
}

int main(int argc, char **argv)
{
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)(i * 13 + (i >> 8));
    if (argc > 1 && strcmp(argv[1], "--leaky") == 0) {
        /* A deliberately secret-dependent branch, so the method can be shown to catch one. */
        SECRET(msg, 1);
        if (msg[0] == 0x42)
            checks++;
        return 0;
    }
    blake2_checks();
    /* Every BLAKE3 kernel: portable first, then whatever the (emulated) CPU allows. */
    const uint32_t masks[] = {0, AVILA_CPU_AVX2, AVILA_CPU_ALL};
    for (size_t m = 0; m < sizeof masks / sizeof masks[0]; m++) {
        avila_cpu_restrict(masks[m]);
        blake3_checks();
        printf("ct_blake: blake3 kernel %s\n", avila_blake3_impl());
    }
    printf("ct_blake: %u constant-time checks run (fold %016llx)\n", checks,
           (unsigned long long)folded);
    return 0;
}
