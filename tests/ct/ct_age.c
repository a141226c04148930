/*
 * tests/ct/ct_age.c - constant-time check of the secret-key handling that
 * crypto/age and core/bech32 add on top of the primitives: encoding an
 * X25519 identity (AGE-SECRET-KEY-1...) from a secret scalar, and decoding
 * one through the constant-time Bech32 core (core/bech32_int.h). The data
 * characters and the scalar are marked undefined for valgrind memcheck; the
 * HRP, the lengths and the separator's place are public (the same for
 * every identity); the accept/reject verdict is declassified, as
 * avila_age_identity_decode does when it branches on it.
 * With --leaky it decodes through the general avila_bech32_decode, which
 * locates the separator and branches on the verdict: valgrind must object.
 */
#include <stdio.h>
#include <string.h>
#include <valgrind/memcheck.h>

#include "core/bech32.h"
#include "core/bech32_int.h"
#include "crypto/age.h"

#define SECRET(p, n) VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#define PUBLIC(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))

static unsigned checks;
static uint64_t folded;

static void use(const void *p, size_t n)
{
    uint8_t buf[128];
    memcpy(buf, p, n);
    PUBLIC(buf, n);
    for (size_t i = 0; i < n; i++)
        folded = folded * 31 + buf[i];
    checks++;
}

int main(int argc, char **argv)
{
    uint8_t sk[32], back[32];
    char id[AVILA_AGE_IDENTITY_LEN], hrp[16];
    for (int i = 0; i < 32; i++)
        sk[i] = (uint8_t)(i * 37 + 11);
    SECRET(sk, sizeof sk);
    /* Encoding: the whole output depends on the secret. */
    avila_age_identity_encode(id, sizeof id, sk);
    use(id, sizeof id);
    /* Decoding: the 58 characters after "AGE-SECRET-KEY-1" are the secret. */
    PUBLIC(id, sizeof id);
    SECRET(id + 16, sizeof id - 16);
    if (argc > 1 && strcmp(argv[1], "--leaky") == 0) {
        size_t len;
        int rc = avila_bech32_decode(back, sizeof back, hrp, sizeof hrp, NULL, id, sizeof id,
                                     sizeof id, &len);
        use(&rc, sizeof rc);
        return 0;
    }
    uint32_t ok = avila_bech32_decode_ct(back, hrp, id, sizeof id, 15);
    use(&ok, sizeof ok);
    use(back, sizeof back);
    /* A corrupted identity goes through the same instructions. */
    id[40] ^= 1;
    ok = avila_bech32_decode_ct(back, hrp, id, sizeof id, 15);
    use(&ok, sizeof ok);
    printf("ct_age: %u constant-time checks run (fold %016llx)\n", checks,
           (unsigned long long)folded);
    return 0;
}
