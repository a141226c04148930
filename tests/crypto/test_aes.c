/*
 * tests/crypto/test_aes.c - AES (FIPS 197) and AES-CTR (SP 800-38A F.5):
 * known answers through every implementation the CPU has, the bitsliced
 * S-box against one computed from its definition, every fast path against
 * the portable one on random keys, lengths and alignments, the inc32 wrap,
 * guard-page over-read checks and the argument errors.
 */
#include "tests/support/unit.h"

#include <stdlib.h>
#include <string.h>

#include "core/cpu.h"
#include "core/error.h"
#include "crypto/aes.h"
#include "crypto/aes_int.h"

static int impl_usable(const struct avila_aes_impl *impl)
{
    return (impl->needs & avila_cpu_detected()) == impl->needs;
}

/* GF(2^8) multiplication modulo x^8 + x^4 + x^3 + x + 1, for the reference S-box. */
static uint8_t gf_mul(uint8_t a, uint8_t b)
{
    uint8_t r = 0;
    while (b) {
        if (b & 1)
            r ^= a;
        a = (uint8_t)((a << 1) ^ ((a & 0x80) ? 0x1b : 0));
        b >>= 1;
    }
    return r;
}

/* FIPS 197 section 5.1.1: multiplicative inverse (0 -> 0), then the affine map. */
static uint8_t ref_sbox(uint8_t x)
{
    uint8_t inv = 0;
    for (unsigned c = 1; c < 256 && x; c++)
        if (gf_mul(x, (uint8_t)c) == 1)
            inv = (uint8_t)c;
    uint8_t s = 0x63;
    for (unsigned i = 0; i < 8; i++) {
        static const unsigned offsets[5] = {0, 4, 5, 6, 7};
        unsigned bit = 0;
        for (unsigned j = 0; j < 5; j++)
            bit ^= (inv >> ((i + offsets[j]) & 7)) & 1;
        s ^= (uint8_t)(bit << i);
    }
    return s;
}

static void test_sbox_exhaustive(void **state)
{
    (void)state;
    assert_int_equal(ref_sbox(0x00), 0x63); /* FIPS 197 Figure 7 spot checks */
    assert_int_equal(ref_sbox(0x53), 0xed);
    for (unsigned x = 0; x < 256; x += 4) {
        uint32_t w = x | (x + 1) << 8 | (x + 2) << 16 | (x + 3) << 24;
        uint32_t s = avila_aes_sub_word(w);
        for (unsigned j = 0; j < 4; j++)
            assert_int_equal((s >> (8 * j)) & 0xff, ref_sbox((uint8_t)(x + j)));
    }
}

static void test_fips197(void **state)
{
    (void)state;
    struct tv_file tv;
    int records = 0;
    tv_open(&tv, "aes/fips197.txt");
    while (tv_next(&tv)) {
        size_t klen, plen, clen;
        uint8_t *key = tv_hex(&tv, "key", &klen);
        uint8_t *pt = tv_hex(&tv, "pt", &plen);
        uint8_t *ct = tv_hex(&tv, "ct", &clen);
        assert_int_equal(plen, 16);
        assert_int_equal(clen, 16);
        struct avila_aes k;
        assert_int_equal(avila_aes_init(&k, key, klen), 0);
        uint8_t out[16];
        for (size_t i = 0; avila_aes_impls[i]; i++) {
            const struct avila_aes_impl *impl = avila_aes_impls[i];
            if (!impl_usable(impl))
                continue;
            impl->encrypt_block(&k, out, pt);
            assert_memory_equal(out, ct, 16);
            impl->decrypt_block(&k, out, ct);
            assert_memory_equal(out, pt, 16);
            memcpy(out, pt, 16); /* in place */
            impl->encrypt_block(&k, out, out);
            assert_memory_equal(out, ct, 16);
        }
        avila_aes_encrypt_block(&k, out, pt);
        assert_memory_equal(out, ct, 16);
        avila_aes_decrypt_block(&k, out, ct);
        assert_memory_equal(out, pt, 16);
        avila_aes_wipe(&k);
        free(key);
        free(pt);
        free(ct);
        records++;
    }
    tv_close(&tv);
    assert_int_equal(records, 4);
}

/* The counter after adding `blocks` with inc32. */
static void inc32_by(uint8_t ctr[16], uint32_t blocks)
{
    uint32_t c =
        (uint32_t)ctr[12] << 24 | (uint32_t)ctr[13] << 16 | (uint32_t)ctr[14] << 8 | ctr[15];
    c += blocks;
    ctr[12] = (uint8_t)(c >> 24);
    ctr[13] = (uint8_t)(c >> 16);
    ctr[14] = (uint8_t)(c >> 8);
    ctr[15] = (uint8_t)c;
}

static void test_sp800_38a_ctr(void **state)
{
    (void)state;
    struct tv_file tv;
    int records = 0;
    tv_open(&tv, "aes/sp800-38a-ctr.txt");
    while (tv_next(&tv)) {
        size_t klen, clen, plen, ctlen;
        uint8_t *key = tv_hex(&tv, "key", &klen);
        uint8_t *ctr0 = tv_hex(&tv, "counter", &clen);
        uint8_t *pt = tv_hex(&tv, "pt", &plen);
        uint8_t *ct = tv_hex(&tv, "ct", &ctlen);
        assert_int_equal(plen, ctlen);
        struct avila_aes k;
        assert_int_equal(avila_aes_init(&k, key, klen), 0);
        uint8_t out[64], ctr[16], want_ctr[16];
        memcpy(want_ctr, ctr0, 16);
        inc32_by(want_ctr, (uint32_t)(plen / 16));
        for (size_t i = 0; avila_aes_impls[i]; i++) {
            const struct avila_aes_impl *impl = avila_aes_impls[i];
            if (!impl_usable(impl))
                continue;
            memcpy(ctr, ctr0, 16);
            impl->ctr(&k, out, pt, plen, ctr);
            assert_memory_equal(out, ct, plen);
            assert_memory_equal(ctr, want_ctr, 16);
            /* block by block, decrypting: the same keystream in pieces */
            memcpy(ctr, ctr0, 16);
            for (size_t off = 0; off < plen; off += 16)
                impl->ctr(&k, out + off, ct + off, 16, ctr);
            assert_memory_equal(out, pt, plen);
            assert_memory_equal(ctr, want_ctr, 16);
        }
        memcpy(ctr, ctr0, 16);
        avila_aes_ctr(&k, out, pt, plen, ctr);
        assert_memory_equal(out, ct, plen);
        avila_aes_wipe(&k);
        free(key);
        free(ctr0);
        free(pt);
        free(ct);
        records++;
    }
    tv_close(&tv);
    assert_int_equal(records, 3);
}

static void test_init_errors(void **state)
{
    (void)state;
    static const size_t bad[] = {0, 1, 8, 15, 17, 20, 23, 25, 31, 33, 64};
    uint8_t key[64] = {1};
    struct avila_aes k;
    for (size_t i = 0; i < AVILA_ARRAY_LEN(bad); i++) {
        memset(&k, 0xa5, sizeof k);
        assert_int_equal(avila_aes_init(&k, key, bad[i]), AVILA_EINVAL);
        for (size_t j = 0; j < sizeof k; j++) /* nothing of a half-made key is left */
            assert_int_equal(((const uint8_t *)&k)[j], 0);
    }
    assert_int_equal(avila_aes_init(&k, NULL, 16), AVILA_EINVAL);
    assert_int_equal(avila_aes_init(NULL, key, 16), AVILA_EINVAL);
    assert_int_equal(avila_aes_init(&k, key, 16), 0);
    assert_int_equal(avila_aes_init(&k, key, 24), 0);
    assert_int_equal(avila_aes_init(&k, key, 32), 0);
    avila_aes_wipe(&k);
    for (size_t j = 0; j < sizeof k; j++)
        assert_int_equal(((const uint8_t *)&k)[j], 0);
    avila_aes_wipe(NULL);
    /* A wiped (or zero-initialised) key is misuse, but must not crash or loop. */
    uint8_t block[64] = {0}, ctr[16] = {0};
    for (size_t i = 0; avila_aes_impls[i]; i++) {
        if (!impl_usable(avila_aes_impls[i]))
            continue;
        avila_aes_impls[i]->encrypt_block(&k, block, block);
        avila_aes_impls[i]->decrypt_block(&k, block, block);
        avila_aes_impls[i]->ctr(&k, block, block, sizeof block, ctr);
    }
}

/* Keystream model: E_k of each counter, counters stepped with inc32. */
static void model_ctr(const struct avila_aes *k, uint8_t *out, const uint8_t *in, size_t n,
                      uint8_t ctr[16])
{
    uint8_t ks[16];
    for (size_t off = 0; off < n; off += 16) {
        avila_aes_portable.encrypt_block(k, ks, ctr);
        for (size_t i = off; i < n && i < off + 16; i++)
            out[i] = in[i] ^ ks[i - off];
        inc32_by(ctr, 1);
    }
}

/* Every implementation against the portable one (and the model) on random inputs. */
static void test_differential(void **state)
{
    (void)state;
    uint64_t rng = 0x0a3e5;
    enum { MAXN = 4200 };
    uint8_t *in = malloc(MAXN + 16), *want = malloc(MAXN + 16), *got = malloc(MAXN + 16);
    assert_non_null(in);
    assert_non_null(want);
    assert_non_null(got);
    for (int iter = 0; iter < 420; iter++) {
        uint8_t key[32], ctr0[16], c1[16], c2[16];
        unit_rand_fill(&rng, key, sizeof key);
        unit_rand_fill(&rng, ctr0, sizeof ctr0);
        if (iter % 3 == 0) /* exercise the wrap of the 32-bit counter */
            memset(ctr0 + 12, 0xff, 3);
        size_t klen = 16 + 8 * (size_t)(iter % 3);
        size_t n = iter < 301 ? (size_t)iter : (size_t)(unit_rand(&rng) % MAXN);
        size_t ain = (size_t)(unit_rand(&rng) % 16), aout = (size_t)(unit_rand(&rng) % 16);
        unit_rand_fill(&rng, in + ain, n);
        struct avila_aes k;
        assert_int_equal(avila_aes_init(&k, key, klen), 0);
        memcpy(c1, ctr0, 16);
        model_ctr(&k, want, in + ain, n, c1);
        for (size_t i = 0; avila_aes_impls[i]; i++) {
            const struct avila_aes_impl *impl = avila_aes_impls[i];
            if (!impl_usable(impl))
                continue;
            memcpy(c2, ctr0, 16);
            memset(got, 0, MAXN + 16);
            impl->ctr(&k, got + aout, in + ain, n, c2);
            assert_memory_equal(got + aout, want, n);
            assert_memory_equal(c2, c1, 16);
            /* in place */
            memcpy(got, in + ain, n);
            memcpy(c2, ctr0, 16);
            impl->ctr(&k, got, got, n, c2);
            assert_memory_equal(got, want, n);
            /* single blocks agree with the portable path and invert */
            uint8_t b1[16], b2[16], b3[16];
            avila_aes_portable.encrypt_block(&k, b1, ctr0);
            impl->encrypt_block(&k, b2, ctr0);
            assert_memory_equal(b1, b2, 16);
            impl->decrypt_block(&k, b3, b2);
            assert_memory_equal(b3, ctr0, 16);
            avila_aes_portable.decrypt_block(&k, b3, ctr0);
            impl->decrypt_block(&k, b2, ctr0);
            assert_memory_equal(b3, b2, 16);
        }
        avila_aes_wipe(&k);
    }
    free(in);
    free(want);
    free(got);
}

static void test_counter_wrap(void **state)
{
    (void)state;
    uint8_t key[16] = {0x42}, ctr0[16], ctr[16], buf[96] = {0}, out[96], want[96];
    memset(ctr0, 0xff, 16); /* bytes 0-11 must stay 0xff: inc32 does not carry into them */
    ctr0[15] = 0xfe;
    struct avila_aes k;
    assert_int_equal(avila_aes_init(&k, key, sizeof key), 0);
    for (size_t b = 0; b < 6; b++) {
        uint8_t c[16];
        memcpy(c, ctr0, 16);
        inc32_by(c, (uint32_t)b);
        avila_aes_portable.encrypt_block(&k, want + 16 * b, c);
    }
    for (size_t i = 0; avila_aes_impls[i]; i++) {
        if (!impl_usable(avila_aes_impls[i]))
            continue;
        memcpy(ctr, ctr0, 16);
        avila_aes_impls[i]->ctr(&k, out, buf, sizeof buf, ctr);
        assert_memory_equal(out, want, sizeof want);
        uint8_t next[16];
        memset(next, 0xff, 12);
        next[12] = next[13] = next[14] = 0;
        next[15] = 4;
        assert_memory_equal(ctr, next, 16);
    }
    avila_aes_wipe(&k);
}

/* Inputs that end at an inaccessible page: no implementation reads past n. */
static void test_guard_page(void **state)
{
    (void)state;
    uint8_t key[32] = {7}, ctr[16] = {0}, out[300];
    struct avila_aes k;
    assert_int_equal(avila_aes_init(&k, key, 32), 0);
    for (size_t n = 1; n <= 300; n += (n < 70 ? 1 : 37)) {
        uint8_t *in = unit_guarded_alloc(n);
        memset(in, 0x5c, n);
        for (size_t i = 0; avila_aes_impls[i]; i++) {
            if (!impl_usable(avila_aes_impls[i]))
                continue;
            avila_aes_impls[i]->ctr(&k, out, in, n, ctr);
            avila_aes_impls[i]->ctr(&k, in, in, n, ctr); /* and writes stop at n too */
        }
        unit_guarded_free(in, n);
    }
    avila_aes_wipe(&k);
}

static void test_dispatch(void **state)
{
    (void)state;
    const char *best = avila_aes_impl();
    assert_non_null(best);
    avila_cpu_restrict(0);
    assert_string_equal(avila_aes_impl(), "portable");
    uint8_t key[16] = {0}, ctr[16] = {0}, out[1];
    struct avila_aes k;
    assert_int_equal(avila_aes_init(&k, key, 16), 0);
    avila_aes_ctr(&k, NULL, NULL, 0, ctr); /* n = 0 touches nothing */
    assert_int_equal(ctr[15], 0);
    avila_aes_ctr(&k, out, key, 1, ctr);
    assert_int_equal(ctr[15], 1);
    avila_cpu_restrict(AVILA_CPU_ALL);
    assert_string_equal(avila_aes_impl(), best);
    print_message("aes: dispatched implementation %s\n", best);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sbox_exhaustive), cmocka_unit_test(test_fips197),
        cmocka_unit_test(test_sp800_38a_ctr),   cmocka_unit_test(test_init_errors),
        cmocka_unit_test(test_differential),    cmocka_unit_test(test_counter_wrap),
        cmocka_unit_test(test_guard_page),      cmocka_unit_test(test_dispatch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
