/*
 * tools/fuzz/fuzz_aead.c - libFuzzer harness for ChaCha20-Poly1305 and
 * XChaCha20-Poly1305 (crypto/aead.h), with the ChaCha20 and Poly1305 kernels
 * underneath.
 *
 * Input: byte 0 = flags (bit 0 XChaCha20, bit 1 in place), then the key (32
 * bytes), the nonce (12 or 24), an aad length (1 byte, mod 64), a guessed
 * tag (16), a bit position to flip (2 bytes, little-endian), then the aad
 * and the message; missing bytes read as zero. Checked, trapping on any
 * violation: sealing natively equals sealing with the portable kernels and
 * a model built from the RFC 8439 pseudocode; open inverts seal (in place
 * too); open with the guessed tag succeeds only if it is the real tag and
 * otherwise leaves the output untouched; one flipped bit anywhere in
 * ciphertext, tag or aad is rejected; every ChaCha20 and Poly1305 kernel
 * agrees on the message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/cpu.h"
#include "core/endian.h"
#include "core/error.h"
#include "crypto/aead.h"
#include "crypto/chacha20.h"
#include "crypto/chacha20_int.h"
#include "crypto/poly1305.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            __builtin_trap();                                                                      \
    } while (0)

struct input {
    const uint8_t *p;
    size_t n, off;
};

/* Copies the next len bytes, zero-filling past the end of the input. */
static void take(struct input *in, uint8_t *out, size_t len)
{
    for (size_t i = 0; i < len; i++, in->off++)
        out[i] = in->off < in->n ? in->p[in->off] : 0;
}

typedef int (*seal_fn)(uint8_t *ct, uint8_t *tag, const uint8_t *pt, size_t n, const uint8_t *aad,
                       size_t aad_len, const uint8_t *nonce, const uint8_t *key);
typedef int (*open_fn)(uint8_t *pt, const uint8_t *ct, size_t n, const uint8_t *tag,
                       const uint8_t *aad, size_t aad_len, const uint8_t *nonce,
                       const uint8_t *key);

/* RFC 8439 2.8.1 on a fully concatenated MAC buffer (XChaCha20 first derives the subkey). */
static void model_seal(int x, uint8_t *ct, uint8_t tag[16], const uint8_t *pt, size_t n,
                       const uint8_t *aad, size_t aad_len, const uint8_t *nonce,
                       const uint8_t key[32])
{
    uint8_t subkey[32], nonce12[12] = {0}, otk[32] = {0};
    if (x) {
        avila_hchacha20(subkey, key, nonce);
        memcpy(nonce12 + 4, nonce + 16, 8);
    } else {
        memcpy(subkey, key, 32);
        memcpy(nonce12, nonce, 12);
    }
    avila_chacha20_xor(otk, otk, 32, subkey, nonce12, 0);
    avila_chacha20_xor(ct, pt, n, subkey, nonce12, 1);
    size_t pa = (16 - aad_len % 16) % 16, pc = (16 - n % 16) % 16;
    size_t total = aad_len + pa + n + pc + 16;
    uint8_t *buf = calloc(total, 1);
    CHECK(buf != NULL);
    memcpy(buf, aad, aad_len);
    memcpy(buf + aad_len + pa, ct, n);
    avila_store_le64(buf + total - 16, aad_len);
    avila_store_le64(buf + total - 8, n);
    avila_poly1305_mac(tag, buf, total, otk);
    free(buf);
}

/* Every ChaCha20 kernel and every Poly1305 kernel the CPU has agree on msg. */
static void kernels_agree(const uint8_t *key, const uint8_t *nonce, const uint8_t *msg, size_t n)
{
    const struct avila_chacha20_kernel *ck[3] = {&avila_chacha20_kernel_portable, NULL, NULL};
    const struct avila_poly1305_kernel *pk[4] = {&avila_poly1305_kernel_portable32, NULL, NULL,
                                                 NULL};
#if AVILA_POLY1305_HAVE_INT128
    pk[1] = &avila_poly1305_kernel_portable64;
#endif
#if AVILA_X86_64
    uint32_t f = avila_cpu_detected();
    if ((f & avila_chacha20_kernel_avx2.cpu) == avila_chacha20_kernel_avx2.cpu)
        ck[1] = &avila_chacha20_kernel_avx2;
    if ((f & avila_chacha20_kernel_avx512.cpu) == avila_chacha20_kernel_avx512.cpu)
        ck[2] = &avila_chacha20_kernel_avx512;
    if ((f & avila_poly1305_kernel_avx2.cpu) == avila_poly1305_kernel_avx2.cpu)
        pk[2] = &avila_poly1305_kernel_avx2;
    if ((f & avila_poly1305_kernel_avx512.cpu) == avila_poly1305_kernel_avx512.cpu)
        pk[3] = &avila_poly1305_kernel_avx512;
#endif
    uint8_t *want = malloc(n + 1), *got = malloc(n + 1);
    CHECK(want && got);
    uint32_t counter = avila_load_le32(nonce + 12);
    for (int i = 0; i < 3; i++) {
        if (!ck[i])
            continue;
        uint32_t st[16];
        avila_chacha20_setup(st, key, nonce, counter);
        ck[i]->stream(st, i ? got : want, msg, n);
        CHECK(st[12] == (uint32_t)(counter + (n + 63) / 64));
        CHECK(i == 0 || memcmp(got, want, n) == 0);
    }
    uint8_t tag0[16], tag[16];
    avila_poly1305_mac_with(pk[0], tag0, msg, n, key);
    for (int i = 1; i < 4; i++)
        if (pk[i]) {
            avila_poly1305_mac_with(pk[i], tag, msg, n, key);
            CHECK(memcmp(tag, tag0, 16) == 0);
        }
    free(want);
    free(got);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = {data, size, 0};
    uint8_t flags, key[32], nonce[24], alen_byte, guess[16], flip[2];
    take(&in, &flags, 1);
    int x = flags & 1, in_place = flags & 2;
    size_t nonce_len = x ? 24 : 12;
    seal_fn seal = x ? avila_xchacha20poly1305_seal : avila_chacha20poly1305_seal;
    open_fn open = x ? avila_xchacha20poly1305_open : avila_chacha20poly1305_open;
    take(&in, key, 32);
    take(&in, nonce, nonce_len);
    take(&in, &alen_byte, 1);
    take(&in, guess, 16);
    take(&in, flip, 2);
    size_t rest = in.off < size ? size - in.off : 0;
    size_t aad_len = alen_byte % 64 < rest ? alen_byte % 64 : rest;
    const uint8_t *aad = data + in.off;
    const uint8_t *pt = aad + aad_len;
    size_t n = rest - aad_len;

    uint8_t *ct = malloc(n + 1), *ct2 = malloc(n + 1), *back = malloc(n + 1);
    CHECK(ct && ct2 && back);
    uint8_t tag[16], tag2[16];

    avila_cpu_restrict(AVILA_CPU_ALL);
    CHECK(seal(ct, tag, pt, n, aad, aad_len, nonce, key) == 0);
    avila_cpu_restrict(0);
    CHECK(seal(ct2, tag2, pt, n, aad, aad_len, nonce, key) == 0);
    avila_cpu_restrict(AVILA_CPU_ALL);
    CHECK(memcmp(ct, ct2, n) == 0 && memcmp(tag, tag2, 16) == 0);
    model_seal(x, ct2, tag2, pt, n, aad, aad_len, nonce, key);
    CHECK(memcmp(ct, ct2, n) == 0 && memcmp(tag, tag2, 16) == 0);

    if (in_place) {
        memcpy(back, ct, n);
        CHECK(open(back, back, n, tag, aad, aad_len, nonce, key) == 0);
    } else {
        CHECK(open(back, ct, n, tag, aad, aad_len, nonce, key) == 0);
    }
    CHECK(memcmp(back, pt, n) == 0);

    /* A guessed tag is accepted only if it is the real one; a rejection writes nothing. */
    memset(back, 0xee, n);
    int rc = open(back, ct, n, guess, aad, aad_len, nonce, key);
    if (memcmp(guess, tag, 16) == 0) {
        CHECK(rc == 0 && memcmp(back, pt, n) == 0);
    } else {
        CHECK(rc == AVILA_EAUTH);
        for (size_t i = 0; i < n; i++)
            CHECK(back[i] == 0xee);
    }

    /* One flipped bit in ciphertext | tag | aad is always caught. */
    size_t bits = 8 * (n + 16 + aad_len), bit = avila_load_le16(flip) % bits;
    uint8_t *aad_copy = malloc(aad_len + 1);
    CHECK(aad_copy != NULL);
    memcpy(aad_copy, aad, aad_len);
    uint8_t *target = bit < 8 * n          ? ct + bit / 8
                      : bit < 8 * (n + 16) ? tag + (bit / 8 - n)
                                           : aad_copy + (bit / 8 - n - 16);
    *target ^= (uint8_t)(1u << (bit % 8));
    memset(back, 0xee, n);
    CHECK(open(back, ct, n, tag, aad_copy, aad_len, nonce, key) == AVILA_EAUTH);
    for (size_t i = 0; i < n; i++)
        CHECK(back[i] == 0xee);

    kernels_agree(key, nonce, pt, n);
    free(aad_copy);
    free(ct);
    free(ct2);
    free(back);
    return 0;
}
