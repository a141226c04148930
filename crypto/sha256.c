/*
 * crypto/sha256.c - SHA-224 and SHA-256 (FIPS 180-4, sections 5.3.2, 5.3.3,
 * 6.2 and 6.3): the API, the dispatcher, the portable block function and the
 * digest descriptors. The SHA-NI block function is in sha256_x86.c.
 *
 * The portable block function keeps the message schedule in a 16-word
 * window (section 6.2.2 step 1 computed in place, W[t] overwriting W[t-16])
 * and runs 16 rounds per loop iteration with the eight working variables
 * renamed instead of shifted (AVILA_SHA2_ROUNDS8 in sha2_int.h), so every
 * index is a constant.
 */
#include "core/bits.h"
#include "core/cpu.h"
#include "core/ct.h"
#include "core/endian.h"
#include "crypto/digest.h"
#include "crypto/sha2_int.h"

/*
 * Section 4.2.2: the first 32 bits of the fractional parts of the cube
 * roots of the first 64 primes.
 */
const uint32_t avila_sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

/* Section 5.3.3: SHA-256's initial hash value. */
static const uint32_t iv256[8] = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

/* Section 5.3.2: SHA-224's initial hash value. */
static const uint32_t iv224[8] = {
    0xc1059ed8, 0x367cd507, 0x3070dd17, 0xf70e5939, 0xffc00b31, 0x68581511, 0x64f98fa7, 0xbefa4fa4,
};

/* ------------------------------------------------ portable block function */

/* The Sigma and sigma functions of section 4.1.2. */
static inline uint32_t bsig0(uint32_t x)
{
    return avila_rotr32(x, 2) ^ avila_rotr32(x, 13) ^ avila_rotr32(x, 22);
}

static inline uint32_t bsig1(uint32_t x)
{
    return avila_rotr32(x, 6) ^ avila_rotr32(x, 11) ^ avila_rotr32(x, 25);
}

static inline uint32_t ssig0(uint32_t x)
{
    return avila_rotr32(x, 7) ^ avila_rotr32(x, 18) ^ x >> 3;
}

static inline uint32_t ssig1(uint32_t x)
{
    return avila_rotr32(x, 17) ^ avila_rotr32(x, 19) ^ x >> 10;
}

/* W[t] in the 16-word window, and its computation from W[t-2], W[t-7], W[t-15], W[t-16]. */
#define W(t)        w[(t)&15]
#define SCHEDULE(t) (W(t) += ssig1(W((t)-2)) + W((t)-7) + ssig0(W((t)-15)))

#define ROUNDS8(t, kw) AVILA_SHA2_ROUNDS8(uint32_t, bsig0, bsig1, t, kw)
#define KW_LOAD(t)     (avila_sha256_k[t] + (W(t) = avila_load_be32(p + 4 * (size_t)((t)&15))))
#define KW_SCHEDULE(t) (avila_sha256_k[t] + SCHEDULE(t))

static void blocks_portable(uint32_t st[8], const uint8_t *p, size_t nblocks)
{
    uint32_t w[16];
    for (; nblocks; nblocks--, p += AVILA_SHA256_BLOCK_LEN) {
        uint32_t a = st[0], b = st[1], c = st[2], d = st[3];
        uint32_t e = st[4], f = st[5], g = st[6], h = st[7];
        uint32_t x0 = b ^ c, x1;
        ROUNDS8(0, KW_LOAD);
        ROUNDS8(8, KW_LOAD);
        for (int t = 16; t < 64; t += 16) {
            ROUNDS8(t, KW_SCHEDULE);
            ROUNDS8(t + 8, KW_SCHEDULE);
        }
        st[0] += a, st[1] += b, st[2] += c, st[3] += d;
        st[4] += e, st[5] += f, st[6] += g, st[7] += h;
    }
    /* The window holds message words, which may be secret (an HMAC key). */
    avila_wipe(w, sizeof w);
}

const struct avila_sha256_kernel avila_sha256_kernel_portable = {"portable", 0, blocks_portable};

/* ------------------------------------------------------------ dispatch */

const struct avila_sha256_kernel *avila_sha256_kernel(void)
{
#if AVILA_X86_64
    uint32_t f = avila_cpu_features();
    if ((f & avila_sha256_kernel_shani.cpu) == avila_sha256_kernel_shani.cpu)
        return &avila_sha256_kernel_shani;
#endif
    return &avila_sha256_kernel_portable;
}

const char *avila_sha256_impl(void)
{
    return avila_sha256_kernel()->name;
}

static void blocks(void *h, const uint8_t *p, size_t nblocks)
{
    avila_sha256_kernel()->blocks(h, p, nblocks);
}

/* ------------------------------------------------------------------ API */

static void start(struct avila_sha256 *c, const uint32_t iv[8], uint32_t digest_len)
{
    memcpy(c->h, iv, sizeof c->h);
    c->nbytes = 0;
    c->digest_len = digest_len;
}

void avila_sha256_init(struct avila_sha256 *c)
{
    start(c, iv256, AVILA_SHA256_LEN);
}

void avila_sha224_init(struct avila_sha256 *c)
{
    start(c, iv224, AVILA_SHA224_LEN);
}

void avila_sha256_update(struct avila_sha256 *c, const void *data, size_t n)
{
    avila_sha2_absorb(c->h, c->buf, AVILA_SHA256_BLOCK_LEN, &c->nbytes, blocks, data, n);
}

/* Pads, writes the first len bytes of the big-endian chaining value, wipes c. */
static void finish(struct avila_sha256 *c, uint8_t *out, size_t len)
{
    avila_sha2_pad(c->h, c->buf, AVILA_SHA256_BLOCK_LEN, 8, c->nbytes, blocks);
    for (size_t i = 0; i < len / 4; i++)
        avila_store_be32(out + 4 * i, c->h[i]);
    avila_wipe(c, sizeof *c);
}

void avila_sha256_final(struct avila_sha256 *c, uint8_t out[32])
{
    finish(c, out, c->digest_len == AVILA_SHA224_LEN ? AVILA_SHA224_LEN : AVILA_SHA256_LEN);
}

void avila_sha224_final(struct avila_sha256 *c, uint8_t out[28])
{
    finish(c, out, AVILA_SHA224_LEN);
}

void avila_sha256(const void *data, size_t n, uint8_t out[32])
{
    struct avila_sha256 c;
    avila_sha256_init(&c);
    avila_sha256_update(&c, data, n);
    avila_sha256_final(&c, out);
}

void avila_sha224(const void *data, size_t n, uint8_t out[28])
{
    struct avila_sha256 c;
    avila_sha224_init(&c);
    avila_sha256_update(&c, data, n);
    avila_sha224_final(&c, out);
}

/* ---------------------------------------------------------- descriptors */

_Static_assert(sizeof(struct avila_sha256) <= AVILA_DIGEST_CTX_MAX, "SHA-256 context too large");
_Static_assert(AVILA_SHA256_BLOCK_LEN <= AVILA_DIGEST_MAX_BLOCK, "SHA-256 block too large");

static void d_init256(void *c)
{
    avila_sha256_init(c);
}

static void d_init224(void *c)
{
    avila_sha224_init(c);
}

static void d_update(void *c, const void *data, size_t n)
{
    avila_sha256_update(c, data, n);
}

/* avila_sha256_final writes the context's own digest length. */
static void d_final(void *c, uint8_t *out)
{
    avila_sha256_final(c, out);
}

const struct avila_digest avila_digest_sha224 = {
    "sha224", AVILA_SHA224_LEN, AVILA_SHA256_BLOCK_LEN, sizeof(struct avila_sha256), d_init224,
    d_update, d_final,
};

const struct avila_digest avila_digest_sha256 = {
    "sha256", AVILA_SHA256_LEN, AVILA_SHA256_BLOCK_LEN, sizeof(struct avila_sha256), d_init256,
    d_update, d_final,
};
