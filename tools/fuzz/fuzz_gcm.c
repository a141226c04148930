/*
 * tools/fuzz/fuzz_gcm.c - AES-GCM open (NIST SP 800-38D) on hostile input.
 *
 * Input: 4 parameter bytes (key size, IV length, tag length, AAD length),
 * then key, IV, AAD and tag bytes (zero-padded when the input runs out),
 * then the ciphertext. Properties, for every implementation the CPU has:
 *   - open accepts exactly when the tag matches a model tag (the full tag
 *     computed by the portable code) on its first tag_len bytes;
 *   - all implementations agree on the verdict and the plaintext;
 *   - a rejected open leaves the output buffer untouched;
 *   - an accepted plaintext seals back to the same ciphertext and tag;
 *   - sealing the input as a plaintext gives the same bytes everywhere and
 *     opens back to it.
 * A violation traps.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/cpu.h"
#include "core/error.h"
#include "crypto/gcm.h"
#include "crypto/gcm_int.h"

#define MAX_TEXT 4096

static void require(int cond)
{
    if (!cond)
        __builtin_trap();
}

/* Takes n bytes from the input (zeros once it is exhausted). */
static void take(const uint8_t **data, size_t *size, uint8_t *out, size_t n)
{
    size_t m = n < *size ? n : *size;
    memcpy(out, *data, m);
    memset(out + m, 0, n - m);
    *data += m;
    *size -= m;
}

static int usable(const struct avila_gcm_impl *impl)
{
    return (impl->needs & avila_cpu_detected()) == impl->needs;
}

struct msg {
    struct avila_gcm g;
    uint8_t iv[64], aad[64], tag[16];
    size_t iv_len, aad_len, tag_len, n;
    const uint8_t *ct;
};

static void check_open(const struct msg *m)
{
    static uint8_t pt[MAX_TEXT], first[MAX_TEXT], again[MAX_TEXT];
    uint8_t model[16], tag2[16];
    require(avila_gcm_tag_with(&avila_gcm_portable, &m->g, model, m->ct, m->n, m->aad, m->aad_len,
                               m->iv, m->iv_len) == 0);
    int want = memcmp(model, m->tag, m->tag_len) == 0 ? 0 : AVILA_EAUTH, seen = 0;
    for (size_t i = 0; avila_gcm_impls[i]; i++) {
        const struct avila_gcm_impl *impl = avila_gcm_impls[i];
        if (!usable(impl))
            continue;
        memset(pt, 0xa5, m->n);
        int r = avila_gcm_open_with(impl, &m->g, pt, m->ct, m->n, m->tag, m->tag_len, m->aad,
                                    m->aad_len, m->iv, m->iv_len);
        require(r == want);
        if (r != 0) {
            for (size_t j = 0; j < m->n; j++)
                require(pt[j] == 0xa5);
            continue;
        }
        if (!seen++)
            memcpy(first, pt, m->n);
        else
            require(memcmp(first, pt, m->n) == 0);
        require(avila_gcm_seal_with(impl, &m->g, again, tag2, m->tag_len, pt, m->n, m->aad,
                                    m->aad_len, m->iv, m->iv_len) == 0);
        require(memcmp(again, m->ct, m->n) == 0 && memcmp(tag2, m->tag, m->tag_len) == 0);
    }
}

static void check_seal(const struct msg *m)
{
    static uint8_t ct0[MAX_TEXT], ct[MAX_TEXT], back[MAX_TEXT];
    uint8_t tag0[16], tag[16];
    require(avila_gcm_seal_with(&avila_gcm_portable, &m->g, ct0, tag0, m->tag_len, m->ct, m->n,
                                m->aad, m->aad_len, m->iv, m->iv_len) == 0);
    for (size_t i = 0; avila_gcm_impls[i]; i++) {
        const struct avila_gcm_impl *impl = avila_gcm_impls[i];
        if (!usable(impl))
            continue;
        require(avila_gcm_seal_with(impl, &m->g, ct, tag, m->tag_len, m->ct, m->n, m->aad,
                                    m->aad_len, m->iv, m->iv_len) == 0);
        require(memcmp(ct, ct0, m->n) == 0 && memcmp(tag, tag0, m->tag_len) == 0);
        require(avila_gcm_open_with(impl, &m->g, back, ct, m->n, tag, m->tag_len, m->aad,
                                    m->aad_len, m->iv, m->iv_len) == 0);
        require(memcmp(back, m->ct, m->n) == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct msg m;
    uint8_t params[4], key[32];
    take(&data, &size, params, sizeof params);
    size_t key_len = 16 + 8 * (size_t)(params[0] % 3);
    /* Mostly the 12-byte fast path; otherwise 1..64 bytes through GHASH. */
    m.iv_len = params[1] & 0x80 ? 12 : 1 + (size_t)(params[1] % 64);
    m.tag_len = AVILA_GCM_TAG_MIN + (size_t)(params[2] % 5);
    m.aad_len = (size_t)(params[3] % 65);
    take(&data, &size, key, key_len);
    take(&data, &size, m.iv, m.iv_len);
    take(&data, &size, m.aad, m.aad_len);
    take(&data, &size, m.tag, m.tag_len);
    m.n = size < MAX_TEXT ? size : MAX_TEXT;
    m.ct = data;
    require(avila_gcm_init(&m.g, key, key_len) == 0);
    check_open(&m);
    check_seal(&m);
    /* Refusals: a zero-length IV and out-of-range tag lengths. */
    uint8_t out[16];
    require(avila_gcm_open(&m.g, out, m.ct, m.n < 16 ? m.n : 16, m.tag, m.tag_len, m.aad, m.aad_len,
                           m.iv, 0) == AVILA_EINVAL);
    require(avila_gcm_open(&m.g, out, m.ct, m.n < 16 ? m.n : 16, m.tag, 11, m.aad, m.aad_len, m.iv,
                           m.iv_len) == AVILA_EINVAL);
    avila_gcm_wipe(&m.g);
    return 0;
}
