/*
 * crypto/gcm_int.h - GCM internals shared by gcm.c, gcm_x86.c and the tests
 * (not installed). An implementation supplies GHASH, the CTR+GHASH loop over
 * whole blocks and the field multiplication; gcm.c does the rest of
 * SP 800-38D (J0, padding, lengths, tag) once for all of them.
 *
 * Field elements are bit-reflected 128-bit integers {low, high}: high is
 * the big-endian load of bytes 0-7 of the block, so bit 127 is the
 * coefficient of x^0. The product of two such integers, read with the same
 * convention one bit further, is a*b*x; storing H*x^-1 (hpow) cancels that.
 */
#ifndef AVILA_CRYPTO_GCM_INT_H
#define AVILA_CRYPTO_GCM_INT_H

#include "crypto/aes_int.h"
#include "crypto/gcm.h"

struct avila_gcm_impl {
    const char *name;
    uint32_t needs; /* AVILA_CPU_* bits that must all be present */
    const struct avila_aes_impl *aes;
    /* y = (y + X_i) * H for each of the nblocks 16-byte blocks X_i at in. */
    void (*ghash)(const struct avila_gcm *g, uint64_t y[2], const uint8_t *in, size_t nblocks);
    /*
     * CTR-encrypts nblocks whole blocks from in to out starting at ctr
     * (advanced past them, inc32) and hashes the ciphertext into y.
     */
    void (*seal_blocks)(const struct avila_gcm *g, uint64_t y[2], uint8_t *out, const uint8_t *in,
                        size_t nblocks, uint8_t ctr[16]);
    /* r = a * b * x in GF(2^128) (r may alias a or b). */
    void (*mul)(uint64_t r[2], const uint64_t a[2], const uint64_t b[2]);
};

/*
 * Portable, constant-time: AES bitsliced, GHASH by integer multiplication.
 * Where the compiler has 128-bit integers (64-bit targets) "portable" uses
 * 64x64->128 products and "portable-narrow" (64-bit products only, what
 * 32-bit targets get as "portable") stays listed so the tests cover it.
 */
extern const struct avila_gcm_impl avila_gcm_portable;
#if defined(__SIZEOF_INT128__)
extern const struct avila_gcm_impl avila_gcm_portable_narrow;
#endif
#if AVILA_X86_64
/* AES-NI + PCLMULQDQ, eight blocks per GHASH reduction (gcm_x86.c). */
extern const struct avila_gcm_impl avila_gcm_pclmul;
/* VAES + VPCLMULQDQ on 512-bit registers, sixteen blocks per reduction (gcm_x86.c). */
extern const struct avila_gcm_impl avila_gcm_vaes512;
#endif

/* Every implementation built in, best first, NULL-terminated. */
extern const struct avila_gcm_impl *const avila_gcm_impls[];

const struct avila_gcm_impl *avila_gcm_pick(void);

/* avila_gcm_seal / avila_gcm_open with a given implementation (which the CPU MUST have). */
int avila_gcm_seal_with(const struct avila_gcm_impl *impl, const struct avila_gcm *g, uint8_t *ct,
                        uint8_t *tag, size_t tag_len, const uint8_t *pt, size_t n,
                        const uint8_t *aad, size_t aad_len, const uint8_t *iv, size_t iv_len);
int avila_gcm_open_with(const struct avila_gcm_impl *impl, const struct avila_gcm *g, uint8_t *pt,
                        const uint8_t *ct, size_t n, const uint8_t *tag, size_t tag_len,
                        const uint8_t *aad, size_t aad_len, const uint8_t *iv, size_t iv_len);

/*
 * The full 16-byte tag of (aad, ct) under iv: the constant-time part of
 * open, before the comparison. Arguments as avila_gcm_open; returns 0 or
 * the same argument errors.
 */
int avila_gcm_tag_with(const struct avila_gcm_impl *impl, const struct avila_gcm *g,
                       uint8_t tag[16], const uint8_t *ct, size_t n, const uint8_t *aad,
                       size_t aad_len, const uint8_t *iv, size_t iv_len);

#endif
