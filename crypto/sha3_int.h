/*
 * crypto/sha3_int.h - internals shared by crypto/sha3*.c, the modules built
 * on Keccak (the next issues' KEMs and signatures) and the tests (not
 * installed): the Keccak-f[1600] permutation and its implementations.
 */
#ifndef AVILA_CRYPTO_SHA3_INT_H
#define AVILA_CRYPTO_SHA3_INT_H

#include "crypto/sha3.h"

/*
 * One implementation of Keccak-f[1600] (FIPS 202 section 3.3, 24 rounds of
 * Rnd = iota . chi . pi . rho . theta) on the 25 lanes a[x + 5y].
 */
struct avila_keccak_kernel {
    const char *name; /* as reported by avila_sha3_impl */
    uint32_t cpu;     /* the AVILA_CPU_* bits it needs */
    void (*permute)(uint64_t a[25]);
};

extern const struct avila_keccak_kernel avila_keccak_kernel_portable;

/* The kernel the dispatcher picks now (the first allowed in order of preference). */
const struct avila_keccak_kernel *avila_keccak_kernel(void);

/* Keccak-f[1600] on the state a, through the dispatched kernel. */
void avila_keccak_f1600(uint64_t a[25]);

/* The 24 round constants RC[i_r] (section 3.2.5). */
extern const uint64_t avila_keccak_rc[24];

#endif
