/*
 * tests/ct/ct_aes.c - constant-time check of AES (crypto/aes.h) and AES-GCM
 * (crypto/gcm.h) under valgrind memcheck, as tests/ct/ct_core.c explains:
 * keys and plaintexts are marked undefined, so a branch or memory index that
 * depends on them is reported. Every implementation the CPU offers (as
 * valgrind presents it: it hides AVX-512, so the VAES paths are not run
 * here) goes through key setup, block encryption and decryption, CTR, GCM
 * seal, and the tag computation of GCM open. Open itself ends with one
 * branch on the (public) result of avila_ct_memeq, which is declassified
 * by definition and so not run with secrets.
 * With --leaky it runs a table-lookup S-box instead, to show the method
 * catches a secret-dependent index.
 */
#include <stdio.h>
#include <string.h>
#include <valgrind/memcheck.h>

#include "core/cpu.h"
#include "core/ct.h"
#include "crypto/aes.h"
#include "crypto/aes_int.h"
#include "crypto/gcm.h"
#include "crypto/gcm_int.h"

#define SECRET(p, n) VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#define PUBLIC(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))

static unsigned checks;
static uint64_t folded;

/* Declassifies a result and folds it into the printed output so it cannot be optimised away. */
static void use(const void *p, size_t n)
{
    uint8_t tmp[64];
    size_t m = n < sizeof tmp ? n : sizeof tmp;
    memcpy(tmp, p, m);
    PUBLIC(tmp, m);
    for (size_t i = 0; i < m; i++)
        folded = folded * 31 + tmp[i];
    checks++;
}

static int usable(uint32_t needs)
{
    return (needs & avila_cpu_features()) == needs;
}

static void check_aes(const struct avila_aes_impl *impl, size_t key_len)
{
    uint8_t key[32], block[16], out[16], ctr[16] = {0}, msg[100], enc[100];
    for (size_t i = 0; i < sizeof key; i++)
        key[i] = (uint8_t)(i * 13 + key_len);
    memset(block, 0x3c, sizeof block);
    memset(msg, 0x5a, sizeof msg);
    SECRET(key, sizeof key);
    SECRET(block, sizeof block);
    SECRET(msg, sizeof msg);
    struct avila_aes k;
    avila_aes_init(&k, key, key_len);
    impl->encrypt_block(&k, out, block);
    use(out, sizeof out);
    impl->decrypt_block(&k, out, block);
    use(out, sizeof out);
    impl->ctr(&k, enc, msg, sizeof msg, ctr);
    use(enc, sizeof enc);
    avila_aes_wipe(&k);
}

static void check_gcm(const struct avila_gcm_impl *impl, size_t key_len, size_t iv_len)
{
    uint8_t key[32], iv[20], aad[33], pt[77], ct[77], tag[16];
    memset(key, 0x11, sizeof key);
    memset(iv, 0x22, sizeof iv);
    memset(aad, 0x33, sizeof aad);
    memset(pt, 0x44, sizeof pt);
    SECRET(key, sizeof key);
    SECRET(pt, sizeof pt);
    struct avila_gcm g;
    avila_gcm_init(&g, key, key_len);
    avila_gcm_seal_with(impl, &g, ct, tag, 16, pt, sizeof pt, aad, sizeof aad, iv, iv_len);
    use(ct, sizeof ct);
    use(tag, sizeof tag);
    /* open's constant-time part: the expected tag and its comparison */
    uint8_t want[16];
    avila_gcm_tag_with(impl, &g, want, ct, sizeof ct, aad, sizeof aad, iv, iv_len);
    uint32_t same = avila_ct_memeq(want, tag, sizeof tag);
    use(&same, sizeof same);
    avila_gcm_wipe(&g);
}

/* A classic table S-box indexed by the secret: must be reported. */
static int leaky(void)
{
    static uint8_t table[256];
    uint8_t key[16] = {1, 2, 3};
    for (unsigned i = 0; i < 256; i++)
        table[i] = (uint8_t)(i * 7);
    SECRET(key, sizeof key);
    uint8_t x = table[key[0]];
    use(&x, 1);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--leaky") == 0)
        return leaky();
    for (size_t i = 0; avila_aes_impls[i]; i++) {
        if (!usable(avila_aes_impls[i]->needs))
            continue;
        for (size_t kl = 16; kl <= 32; kl += 8)
            check_aes(avila_aes_impls[i], kl);
    }
    for (size_t i = 0; avila_gcm_impls[i]; i++) {
        if (!usable(avila_gcm_impls[i]->needs))
            continue;
        check_gcm(avila_gcm_impls[i], 16, 12);
        check_gcm(avila_gcm_impls[i], 32, 20);
    }
    printf("ct_aes: %u constant-time checks run, aes %s, gcm %s (fold %016llx)\n", checks,
           avila_aes_impl(), avila_gcm_impl(), (unsigned long long)folded);
    return 0;
}
