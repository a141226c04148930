/*
 * crypto/csprng.h - a fast-key-erasure ChaCha20 random generator, and a
 * per-thread, fork-safe generator seeded from the operating system.
 *
 * The generator (pure, crypto/csprng.c) holds only a 32-byte key K. A
 * request for n bytes takes the ChaCha20 keystream of K with an all-zero
 * nonce from block 0 (RFC 8439 section 2.4): its first 32 bytes become the
 * new K and the next n bytes are the output; then the keystream is wiped.
 * So the state never holds anything from which past outputs can be
 * recomputed (forward secrecy after a state compromise), and each request
 * costs one ChaCha20 call. Requests are served in pieces of at most
 * AVILA_CSPRNG_PIECE bytes, each with its own rekey, so the block counter
 * never wraps.
 *
 * Reseeding mixes new input into K with HChaCha20 (draft-irtf-cfrg-xchacha-03
 * section 2.2) as a chain: K = HChaCha20(K, b) for each 16-byte block b of
 * extra | 0x80 | zeros (padded to a multiple of 16). The result depends on
 * both the old K and all of extra, so it is unpredictable if either is.
 *
 * The OS part (crypto/csprng_os.c) keeps one such generator per thread in
 * its own memory page, seeded with 32 bytes from avila_random_bytes
 * (core/random.h) and reseeded every AVILA_CSPRNG_RESEED_BYTES of output and
 * on request. It is fork-safe: the page is marked MADV_WIPEONFORK so a child
 * process finds it zeroed and reseeds; where the kernel lacks that (before
 * Linux 4.14) each call compares getpid() with the seeding process's id.
 */
#ifndef AVILA_CRYPTO_CSPRNG_H
#define AVILA_CRYPTO_CSPRNG_H

#include "core/platform.h"

#define AVILA_CSPRNG_SEED_LEN     32                  /* bytes */
#define AVILA_CSPRNG_PIECE        ((size_t)1 << 20)   /* bytes served per rekey, at most */
#define AVILA_CSPRNG_RESEED_BYTES ((uint64_t)1 << 20) /* OS generator: bytes between reseeds */

/* A generator: fields private. Holds key material: wipe with avila_csprng_wipe. */
struct avila_csprng {
    uint8_t key[32]; /* K */
};

/*
 * Starts a generator from a 32-byte seed, which MUST be secret and
 * uniformly random (e.g. from avila_random_bytes). The seed is copied.
 */
void avila_csprng_init(struct avila_csprng *g, const uint8_t seed[32]);

/*
 * Writes n random bytes to out (out may be NULL when n is 0) and rekeys, so
 * the state afterwards reveals nothing about these bytes. Deterministic: the
 * same seed and calls give the same bytes (for tests and reproducible
 * simulations); use avila_csprng_random for real keys.
 */
void avila_csprng_fill(struct avila_csprng *g, void *out, size_t n);

/* Mixes n bytes at extra (NULL when n is 0) into the key, as described above. */
void avila_csprng_reseed(struct avila_csprng *g, const void *extra, size_t n);

/* Wipes the generator. */
void avila_csprng_wipe(struct avila_csprng *g);

/*
 * (OS) Fills the n bytes at out from the calling thread's generator, seeding
 * it from the OS on first use, after fork() and every
 * AVILA_CSPRNG_RESEED_BYTES. Thread-safe (no locks: one generator per
 * thread). Returns 0; AVILA_EINVAL if out is NULL and n > 0; AVILA_EIO if
 * seeding from the OS fails (the n bytes are then zeroed). Reentrant calls
 * (from a signal handler interrupting this function) and threads whose
 * state page cannot be mapped read the OS directly instead.
 */
int avila_csprng_random(void *out, size_t n);

/*
 * (OS) Reseeds the calling thread's generator from the OS now (e.g. after
 * restoring a VM snapshot). Returns 0 or AVILA_EIO (the old state is kept).
 */
int avila_csprng_random_reseed(void);

#endif
