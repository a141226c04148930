/*
 * crypto/sha3.h - SHA-3 hash functions and SHAKE extendable-output functions
 * (FIPS 202): SHA3-224, SHA3-256, SHA3-384, SHA3-512 (section 6.1) and
 * SHAKE128, SHAKE256 (section 6.2), on the Keccak-f[1600] permutation
 * (section 3) with the sponge construction (section 4).
 *
 * Contexts live in caller memory; their fields are private. A SHA-3 context
 * is started by an init, fed with avila_sha3_update and finished once by
 * avila_sha3_final, which wipes it. A SHAKE context is started by
 * avila_shake128_init or avila_shake256_init, fed with avila_shake_absorb,
 * then read with any number of avila_shake_squeeze calls, which together
 * produce one output stream (squeezing 5 then 7 bytes gives the same 12
 * bytes as squeezing 12 at once). Once squeezing has started the input is
 * closed: avila_shake_absorb refuses more with AVILA_ESTATE. The caller
 * wipes a SHAKE context with avila_sha3_wipe when done with it. Contexts hold
 * no pointers and may be copied to fork a computation.
 *
 * Time depends on lengths only, never on the data. Pure code.
 */
#ifndef AVILA_CRYPTO_SHA3_H
#define AVILA_CRYPTO_SHA3_H

#include "core/platform.h"

#define AVILA_SHA3_224_LEN 28 /* digest bytes */
#define AVILA_SHA3_256_LEN 32
#define AVILA_SHA3_384_LEN 48
#define AVILA_SHA3_512_LEN 64
/* Rates (input block bytes, HMAC's B): the 200-byte state minus the capacity (2 x digest). */
#define AVILA_SHA3_224_RATE 144
#define AVILA_SHA3_256_RATE 136
#define AVILA_SHA3_384_RATE 104
#define AVILA_SHA3_512_RATE 72
#define AVILA_SHAKE128_RATE 168
#define AVILA_SHAKE256_RATE 136

/* A SHA-3 or SHAKE computation. Fields are private. */
struct avila_sha3 {
    uint64_t a[25];      /* the Keccak state, lane x + 5y; bytes are little-endian in lanes */
    uint32_t rate;       /* bytes per block */
    uint32_t pos;        /* bytes of the current block absorbed, or squeezed */
    uint32_t digest_len; /* SHA-3 digest bytes; 0 for SHAKE */
    uint8_t suffix;      /* domain bits and the first padding bit: 0x06 SHA-3, 0x1f SHAKE */
    uint8_t squeezing;   /* 1 once padding is done and output has started */
};

/* Starts a SHA3-224, -256, -384 or -512 computation in c. */
void avila_sha3_224_init(struct avila_sha3 *c);
void avila_sha3_256_init(struct avila_sha3 *c);
void avila_sha3_384_init(struct avila_sha3 *c);
void avila_sha3_512_init(struct avila_sha3 *c);

/*
 * Absorbs n bytes at data into a SHA-3 context c. data is only read during
 * the call and may be NULL when n is 0. (On a SHAKE context it is
 * avila_shake_absorb without the error: after squeezing began it does
 * nothing.)
 */
void avila_sha3_update(struct avila_sha3 *c, const void *data, size_t n);

/*
 * Finishes a SHA-3 context c (from one of the four inits): writes its digest
 * (28, 32, 48 or 64 bytes) to out and wipes c.
 */
void avila_sha3_final(struct avila_sha3 *c, uint8_t *out);

/* One-shot SHA3-224, -256, -384 and -512 of the n bytes at data (NULL allowed when n is 0). */
void avila_sha3_224(const void *data, size_t n, uint8_t out[28]);
void avila_sha3_256(const void *data, size_t n, uint8_t out[32]);
void avila_sha3_384(const void *data, size_t n, uint8_t out[48]);
void avila_sha3_512(const void *data, size_t n, uint8_t out[64]);

/* Starts a SHAKE128 or SHAKE256 computation in c. */
void avila_shake128_init(struct avila_sha3 *c);
void avila_shake256_init(struct avila_sha3 *c);

/*
 * Absorbs n bytes at data into c (data may be NULL when n is 0). Returns 0,
 * or AVILA_ESTATE (absorbing nothing) if c has already started squeezing.
 */
int avila_shake_absorb(struct avila_sha3 *c, const void *data, size_t n);

/*
 * Writes the next n bytes of c's output stream to out (the first call closes
 * the input). Any n, any number of calls. c stays live: wipe it with
 * avila_sha3_wipe when done.
 */
void avila_shake_squeeze(struct avila_sha3 *c, uint8_t *out, size_t n);

/* One-shot SHAKE128 and SHAKE256: out_len output bytes of the n input bytes at data. */
void avila_shake128(const void *data, size_t n, uint8_t *out, size_t out_len);
void avila_shake256(const void *data, size_t n, uint8_t *out, size_t out_len);

/* Wipes c (a context may hold secrets); it must be started again before use. */
void avila_sha3_wipe(struct avila_sha3 *c);

/* The name of the Keccak-f[1600] implementation the dispatcher picks now: a static string. */
const char *avila_sha3_impl(void);

#endif
