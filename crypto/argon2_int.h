/*
 * crypto/argon2_int.h - Argon2 internals shared with the tests (not
 * installed): the block-filling kernels, so tests run every variant on the
 * RFC 9106 vectors and against the portable one, and H0 / H' for the
 * constant-time check and the RFC's intermediate values.
 */
#ifndef AVILA_CRYPTO_ARGON2_INT_H
#define AVILA_CRYPTO_ARGON2_INT_H

#include "crypto/kdf.h"

/* 64-bit words per 1024-byte block. */
#define AVILA_ARGON2_BLOCK_WORDS 128

/* Argon2's type field y (RFC 9106 section 3.2). */
enum { AVILA_ARGON2_D = 0, AVILA_ARGON2_I = 1, AVILA_ARGON2_ID = 2 };

struct avila_argon2_kernel {
    const char *name; /* as reported by avila_argon2_impl */
    uint32_t cpu;     /* the AVILA_CPU_* bits it needs */
    /*
     * The compression function G (RFC 9106 section 3.5): next = G(prev, ref),
     * or next ^= G(prev, ref) when xor_into is non-zero (passes after the
     * first, version 0x13). Blocks are 128 host-order words, any alignment;
     * next may equal neither prev nor ref.
     */
    void (*fill)(uint64_t *next, const uint64_t *prev, const uint64_t *ref, int xor_into);
};

extern const struct avila_argon2_kernel avila_argon2_kernel_portable;
#if AVILA_X86_64
extern const struct avila_argon2_kernel avila_argon2_kernel_avx2;
extern const struct avila_argon2_kernel avila_argon2_kernel_avx512; /* AVX-512F */
#endif

/* The kernel the dispatcher picks now. */
const struct avila_argon2_kernel *avila_argon2_kernel(void);

/* The variable-length hash H' (RFC 9106 section 3.3): out_len (>= 1) bytes of H'(in). */
void avila_argon2_hprime(uint8_t *out, size_t out_len, const void *in, size_t in_len);

/*
 * H0 (RFC 9106 section 3.2, step 1) of type (AVILA_ARGON2_*) for tag length
 * out_len, the password, the salt and *p. The lengths MUST already be
 * checked (each < 2^32).
 */
void avila_argon2_h0(uint8_t h0[64], int type, size_t out_len, const void *pw, size_t pw_len,
                     const void *salt, size_t salt_len, const struct avila_argon2_params *p);

#endif
