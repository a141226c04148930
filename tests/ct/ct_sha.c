/*
 * tests/ct/ct_sha.c - constant-time check of SHA-2, SHA-3 and SHAKE under
 * valgrind memcheck: hashing a secret message (an HMAC key, a password)
 * must not branch on or index memory by its contents, only by its length.
 *
 * The message bytes are marked undefined; every digest is declassified
 * before use. Each hash runs through every block function the CPU offers
 * as valgrind presents it (valgrind 3.19 hides the SHA extensions, so the
 * SHA-NI path, straight-line code without branches, is not covered here;
 * portable, and AVX2 for SHA-512, are), streaming in uneven pieces so the
 * buffering paths run too.
 * With --leaky it instead checks a digest of the secret with an early-exit
 * compare (the classic naive MAC check), so tests/tools/test_ct.sh can prove
 * the method catches a leak in this program.
 */
#include <stdio.h>
#include <string.h>
#include <valgrind/memcheck.h>

#include "core/cpu.h"
#include "crypto/sha2.h"
#include "crypto/sha3.h"

#define SECRET(p, n) VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#define PUBLIC(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))

static unsigned checks;
static uint64_t folded;

/* Declassifies a digest and folds it into the printed output so it cannot be optimised away. */
static void use(uint8_t *out, size_t n)
{
    PUBLIC(out, n);
    for (size_t i = 0; i < n; i++)
        folded = folded * 31 + out[i];
    checks++;
}

/* Hashes the secret msg (n bytes) with every function, one-shot and in pieces. */
static void hash_all(const uint8_t *msg, size_t n)
{
    uint8_t out[200];
    size_t half = n / 3;

    avila_sha256(msg, n, out);
    use(out, 32);
    avila_sha224(msg, n, out);
    use(out, 28);
    struct avila_sha256 c256;
    avila_sha256_init(&c256);
    avila_sha256_update(&c256, msg, half);
    avila_sha256_update(&c256, msg + half, n - half);
    avila_sha256_final(&c256, out);
    use(out, 32);

    avila_sha512(msg, n, out);
    use(out, 64);
    avila_sha384(msg, n, out);
    use(out, 48);
    avila_sha512_256(msg, n, out);
    use(out, 32);
    struct avila_sha512 c512;
    avila_sha512_init(&c512);
    avila_sha512_update(&c512, msg, half);
    avila_sha512_update(&c512, msg + half, n - half);
    avila_sha512_final(&c512, out);
    use(out, 64);

    avila_sha3_256(msg, n, out);
    use(out, 32);
    avila_sha3_512(msg, n, out);
    use(out, 64);
    struct avila_sha3 c3;
    avila_sha3_224_init(&c3);
    avila_sha3_update(&c3, msg, half);
    avila_sha3_update(&c3, msg + half, n - half);
    avila_sha3_final(&c3, out);
    use(out, 28);
    avila_shake128_init(&c3);
    avila_shake_absorb(&c3, msg, half);
    avila_shake_absorb(&c3, msg + half, n - half);
    avila_shake_squeeze(&c3, out, 7);
    avila_shake_squeeze(&c3, out + 7, sizeof out - 7);
    avila_sha3_wipe(&c3);
    use(out, sizeof out);
    avila_shake256(msg, n, out, sizeof out);
    use(out, sizeof out);
}

/* Deliberately leaky: returns at the first differing byte. */
static int leaky_memeq(const uint8_t *a, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return 0;
    return 1;
}

int main(int argc, char **argv)
{
    static const size_t lengths[] = {0, 1, 55, 56, 64, 111, 112, 135, 136, 200, 1000};
    /* Portable first, then everything the CPU (as valgrind shows it) has. */
    static const uint32_t masks[] = {0, AVILA_CPU_ALL};
    static uint8_t msg[1000];
    if (argc > 1 && strcmp(argv[1], "--leaky") == 0) {
        uint8_t digest[32], expected[32] = {0};
        memset(msg, 0x5a, 64);
        SECRET(msg, 64);
        avila_sha256(msg, 64, digest);
        uint8_t same = (uint8_t)leaky_memeq(digest, expected, sizeof digest);
        use(&same, 1);
        return 0;
    }
    for (size_t m = 0; m < sizeof masks / sizeof masks[0]; m++) {
        avila_cpu_restrict(masks[m]);
        for (size_t i = 0; i < sizeof lengths / sizeof lengths[0]; i++) {
            for (size_t j = 0; j < lengths[i]; j++)
                msg[j] = (uint8_t)(j * 131 + i);
            SECRET(msg, lengths[i]);
            hash_all(msg, lengths[i]);
            PUBLIC(msg, lengths[i]);
        }
        printf("ct_sha: sha256 %s, sha512 %s, sha3 %s\n", avila_sha256_impl(), avila_sha512_impl(),
               avila_sha3_impl());
    }
    printf("ct_sha: %u constant-time checks run (fold %016llx)\n", checks,
           (unsigned long long)folded);
    return 0;
}
