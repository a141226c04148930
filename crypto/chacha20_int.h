/*
 * crypto/chacha20_int.h - internals shared by the ChaCha20, Poly1305, AEAD
 * and CSPRNG sources and their tests (not installed): every ChaCha20 and
 * Poly1305 implementation, so tests can run each on the same inputs, and the
 * helpers the AEAD and the generator build on.
 */
#ifndef AVILA_CRYPTO_CHACHA20_INT_H
#define AVILA_CRYPTO_CHACHA20_INT_H

#include "crypto/chacha20.h"
#include "crypto/poly1305.h"

/* ----------------------------------------------------------------- ChaCha20 */

/*
 * Fills state with RFC 8439's initial state: constants, key, counter (word
 * 12), nonce (words 13-15).
 */
void avila_chacha20_setup(uint32_t state[16], const uint8_t key[32], const uint8_t nonce[12],
                          uint32_t counter);

/* One implementation of the ChaCha20 keystream. */
struct avila_chacha20_kernel {
    const char *name; /* as reported by avila_chacha20_impl */
    uint32_t cpu;     /* the AVILA_CPU_* bits it needs */
    /*
     * XORs the n bytes at in with the keystream of state (block counter in
     * word 12) into out, then advances word 12 by ceil(n / 64) modulo 2^32.
     * in == out is allowed; no other overlap. Leaves no keystream behind
     * (its stack buffers are wiped).
     */
    void (*stream)(uint32_t state[16], uint8_t *out, const uint8_t *in, size_t n);
};

extern const struct avila_chacha20_kernel avila_chacha20_kernel_portable;
#if AVILA_X86_64
extern const struct avila_chacha20_kernel avila_chacha20_kernel_avx2;
extern const struct avila_chacha20_kernel avila_chacha20_kernel_avx512;
#endif

/* The kernel the dispatcher picks now (the best one avila_cpu_features allows). */
const struct avila_chacha20_kernel *avila_chacha20_kernel(void);

/* ----------------------------------------------------------------- Poly1305 */

/* 1 when the compiler has a 128-bit integer type: the radix 2^64 kernel is built. */
#if defined(__SIZEOF_INT128__)
#define AVILA_POLY1305_HAVE_INT128 1
#else
#define AVILA_POLY1305_HAVE_INT128 0
#endif

/*
 * One implementation of Poly1305's block loop. The accumulator h is in
 * radix 2^64 (h[2] < 8: below 2^131) on entry and on exit; r is the clamped
 * key half.
 */
struct avila_poly1305_kernel {
    const char *name; /* as reported by avila_poly1305_impl */
    uint32_t cpu;     /* the AVILA_CPU_* bits it needs */
    /*
     * h = (h + m_i + hibit * 2^128) * r mod (2^130 - 5), partially reduced,
     * for each of the nblocks 16-byte little-endian blocks m_i at m.
     * hibit is 1 for full message blocks, 0 for a padded last block.
     */
    void (*blocks)(uint64_t h[3], const uint64_t r[2], const uint8_t *m, size_t nblocks,
                   uint32_t hibit);
};

/* Radix 2^26 with 32-bit multiplies: the kernel for compilers without a 128-bit type. */
extern const struct avila_poly1305_kernel avila_poly1305_kernel_portable32;
#if AVILA_POLY1305_HAVE_INT128
/* Radix 2^64 with 64x64->128 multiplies. */
extern const struct avila_poly1305_kernel avila_poly1305_kernel_portable64;
#endif
#if AVILA_X86_64
/* Radix 2^26 in four AVX2 or eight AVX-512 lanes for long inputs (portable64 for the rest). */
extern const struct avila_poly1305_kernel avila_poly1305_kernel_avx2;
extern const struct avila_poly1305_kernel avila_poly1305_kernel_avx512;
#endif

/* The kernel the dispatcher picks now. */
const struct avila_poly1305_kernel *avila_poly1305_kernel(void);

/* The portable kernel this compiler builds: portable64 when it can, else portable32. */
const struct avila_poly1305_kernel *avila_poly1305_kernel_scalar(void);

/*
 * Helpers in radix 2^26 (five limbs, value = sum l[i] * 2^(26 i)), shared
 * by the 32-bit kernel and the vector kernels' key powers.
 */

/* out = a * b mod 2^130 - 5, partially reduced (limbs < 2^26 + 2^12). Limbs of a, b < 2^27. */
void avila_poly1305_mul26(uint32_t out[5], const uint32_t a[5], const uint32_t b[5]);

/* Splits h (radix 2^64, below 2^131) into five 26-bit limbs (the top limb holds the rest). */
void avila_poly1305_to26(uint32_t l[5], const uint64_t h[3]);

/*
 * Joins limbs (each < 2^58, so unreduced products and lane sums fit) back
 * into radix 2^64, carrying and folding the bits above 2^130 (times 5):
 * h[2] <= 4 afterwards and h is congruent to the limbs' value mod p.
 */
void avila_poly1305_from26(uint64_t h[3], const uint64_t l[5]);

#if AVILA_POLY1305_HAVE_INT128
/* h = h * r mod p in radix 2^64 (r clamped; h[2] < 8 on entry, <= 4 on exit). */
void avila_poly1305_mul_r(uint64_t h[3], const uint64_t r[2]);
#endif

/* avila_poly1305_mac with an explicit kernel k (one whose cpu bits are present). */
void avila_poly1305_mac_with(const struct avila_poly1305_kernel *k, uint8_t tag[16],
                             const void *data, size_t n, const uint8_t key[32]);

/* ------------------------------------------------------------------- CSPRNG */

/*
 * Test hook for crypto/csprng_os.c: when use is false, generator states
 * created afterwards (by threads calling avila_csprng_random for the first
 * time) skip MADV_WIPEONFORK, so only the pid check protects them across
 * fork(). Returns the previous setting. Not thread-safe; tests only.
 */
int avila_csprng_os_use_wipeonfork(int use);

#endif
