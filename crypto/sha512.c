/*
 * crypto/sha512.c - SHA-384, SHA-512 and SHA-512/256 (FIPS 180-4, sections
 * 5.3.4, 5.3.5, 5.3.6.2, 6.4, 6.5 and 6.7): the API, the dispatcher, the
 * portable block function and the digest descriptors.
 *
 * The portable block function is built like SHA-256's (crypto/sha256.c): a
 * 16-word schedule window updated in place and 16 rounds per loop iteration
 * with the working variables renamed (AVILA_SHA2_ROUNDS8 in sha2_int.h).
 */
#include "core/cpu.h"
#include "core/ct.h"
#include "core/endian.h"
#include "crypto/digest.h"
#include "crypto/sha2_int.h"

/* Section 4.2.3: the first 64 bits of the fractional parts of the cube roots of the first 80
 * primes. */
const uint64_t avila_sha512_k[80] = {
    0x428a2f98d728ae22ull, 0x7137449123ef65cdull, 0xb5c0fbcfec4d3b2full, 0xe9b5dba58189dbbcull,
    0x3956c25bf348b538ull, 0x59f111f1b605d019ull, 0x923f82a4af194f9bull, 0xab1c5ed5da6d8118ull,
    0xd807aa98a3030242ull, 0x12835b0145706fbeull, 0x243185be4ee4b28cull, 0x550c7dc3d5ffb4e2ull,
    0x72be5d74f27b896full, 0x80deb1fe3b1696b1ull, 0x9bdc06a725c71235ull, 0xc19bf174cf692694ull,
    0xe49b69c19ef14ad2ull, 0xefbe4786384f25e3ull, 0x0fc19dc68b8cd5b5ull, 0x240ca1cc77ac9c65ull,
    0x2de92c6f592b0275ull, 0x4a7484aa6ea6e483ull, 0x5cb0a9dcbd41fbd4ull, 0x76f988da831153b5ull,
    0x983e5152ee66dfabull, 0xa831c66d2db43210ull, 0xb00327c898fb213full, 0xbf597fc7beef0ee4ull,
    0xc6e00bf33da88fc2ull, 0xd5a79147930aa725ull, 0x06ca6351e003826full, 0x142929670a0e6e70ull,
    0x27b70a8546d22ffcull, 0x2e1b21385c26c926ull, 0x4d2c6dfc5ac42aedull, 0x53380d139d95b3dfull,
    0x650a73548baf63deull, 0x766a0abb3c77b2a8ull, 0x81c2c92e47edaee6ull, 0x92722c851482353bull,
    0xa2bfe8a14cf10364ull, 0xa81a664bbc423001ull, 0xc24b8b70d0f89791ull, 0xc76c51a30654be30ull,
    0xd192e819d6ef5218ull, 0xd69906245565a910ull, 0xf40e35855771202aull, 0x106aa07032bbd1b8ull,
    0x19a4c116b8d2d0c8ull, 0x1e376c085141ab53ull, 0x2748774cdf8eeb99ull, 0x34b0bcb5e19b48a8ull,
    0x391c0cb3c5c95a63ull, 0x4ed8aa4ae3418acbull, 0x5b9cca4f7763e373ull, 0x682e6ff3d6b2b8a3ull,
    0x748f82ee5defb2fcull, 0x78a5636f43172f60ull, 0x84c87814a1f0ab72ull, 0x8cc702081a6439ecull,
    0x90befffa23631e28ull, 0xa4506cebde82bde9ull, 0xbef9a3f7b2c67915ull, 0xc67178f2e372532bull,
    0xca273eceea26619cull, 0xd186b8c721c0c207ull, 0xeada7dd6cde0eb1eull, 0xf57d4f7fee6ed178ull,
    0x06f067aa72176fbaull, 0x0a637dc5a2c898a6ull, 0x113f9804bef90daeull, 0x1b710b35131c471bull,
    0x28db77f523047d84ull, 0x32caab7b40c72493ull, 0x3c9ebe0a15c9bebcull, 0x431d67c49c100d4cull,
    0x4cc5d4becb3e42b6ull, 0x597f299cfc657e2aull, 0x5fcb6fab3ad6faecull, 0x6c44198c4a475817ull,
};

/* Section 5.3.5: SHA-512's initial hash value. */
static const uint64_t iv512[8] = {
    0x6a09e667f3bcc908ull, 0xbb67ae8584caa73bull, 0x3c6ef372fe94f82bull, 0xa54ff53a5f1d36f1ull,
    0x510e527fade682d1ull, 0x9b05688c2b3e6c1full, 0x1f83d9abfb41bd6bull, 0x5be0cd19137e2179ull,
};

/* Section 5.3.4: SHA-384's initial hash value. */
static const uint64_t iv384[8] = {
    0xcbbb9d5dc1059ed8ull, 0x629a292a367cd507ull, 0x9159015a3070dd17ull, 0x152fecd8f70e5939ull,
    0x67332667ffc00b31ull, 0x8eb44a8768581511ull, 0xdb0c2e0d64f98fa7ull, 0x47b5481dbefa4fa4ull,
};

/*
 * Section 5.3.6.2: SHA-512/256's initial hash value, the SHA-512/t IV
 * generation function of section 5.3.6 applied to "SHA-512/256" (the test
 * suite recomputes it).
 */
static const uint64_t iv512_256[8] = {
    0x22312194fc2bf72cull, 0x9f555fa3c84c64c2ull, 0x2393b86b6f53b151ull, 0x963877195940eabdull,
    0x96283ee2a88effe3ull, 0xbe5e1e2553863992ull, 0x2b0199fc2c85b8aaull, 0x0eb72ddc81c52ca2ull,
};

/* ------------------------------------------------ portable block function */

/* W[t] in the 16-word window, and its computation from W[t-2], W[t-7], W[t-15], W[t-16]. */
#define W(t) w[(t)&15]
#define SCHEDULE(t)                                                                                \
    (W(t) += avila_sha512_ssig1(W((t)-2)) + W((t)-7) + avila_sha512_ssig0(W((t)-15)))

#define KW_LOAD(t)     (avila_sha512_k[t] + (W(t) = avila_load_be64(p + 8 * (size_t)((t)&15))))
#define KW_SCHEDULE(t) (avila_sha512_k[t] + SCHEDULE(t))

static void blocks_portable(uint64_t st[8], const uint8_t *p, size_t nblocks)
{
    uint64_t w[16];
    for (; nblocks; nblocks--, p += AVILA_SHA512_BLOCK_LEN) {
        uint64_t a = st[0], b = st[1], c = st[2], d = st[3];
        uint64_t e = st[4], f = st[5], g = st[6], h = st[7];
        uint64_t x0 = b ^ c, x1;
        AVILA_SHA512_ROUNDS8(0, KW_LOAD);
        AVILA_SHA512_ROUNDS8(8, KW_LOAD);
        for (int t = 16; t < 80; t += 16) {
            AVILA_SHA512_ROUNDS8(t, KW_SCHEDULE);
            AVILA_SHA512_ROUNDS8(t + 8, KW_SCHEDULE);
        }
        st[0] += a, st[1] += b, st[2] += c, st[3] += d;
        st[4] += e, st[5] += f, st[6] += g, st[7] += h;
    }
    /* The window holds message words, which may be secret (an HMAC key). */
    avila_wipe(w, sizeof w);
}

const struct avila_sha512_kernel avila_sha512_kernel_portable = {"portable", 0, blocks_portable};

/* ------------------------------------------------------------ dispatch */

const struct avila_sha512_kernel *avila_sha512_kernel(void)
{
#if AVILA_X86_64
    uint32_t f = avila_cpu_features();
    if ((f & avila_sha512_kernel_avx2.cpu) == avila_sha512_kernel_avx2.cpu)
        return &avila_sha512_kernel_avx2;
#endif
    return &avila_sha512_kernel_portable;
}

const char *avila_sha512_impl(void)
{
    return avila_sha512_kernel()->name;
}

static void blocks(void *h, const uint8_t *p, size_t nblocks)
{
    avila_sha512_kernel()->blocks(h, p, nblocks);
}

/* ------------------------------------------------------------------ API */

static void start(struct avila_sha512 *c, const uint64_t iv[8], uint32_t digest_len)
{
    memcpy(c->h, iv, sizeof c->h);
    c->nbytes = 0;
    c->digest_len = digest_len;
}

void avila_sha512_init(struct avila_sha512 *c)
{
    start(c, iv512, AVILA_SHA512_LEN);
}

void avila_sha384_init(struct avila_sha512 *c)
{
    start(c, iv384, AVILA_SHA384_LEN);
}

void avila_sha512_256_init(struct avila_sha512 *c)
{
    start(c, iv512_256, AVILA_SHA512_256_LEN);
}

void avila_sha512_update(struct avila_sha512 *c, const void *data, size_t n)
{
    avila_sha2_absorb(c->h, c->buf, AVILA_SHA512_BLOCK_LEN, &c->nbytes, blocks, data, n);
}

/* Pads, writes the first len bytes (a multiple of 8) of the big-endian chaining value, wipes c. */
static void finish(struct avila_sha512 *c, uint8_t *out, size_t len)
{
    avila_sha2_pad(c->h, c->buf, AVILA_SHA512_BLOCK_LEN, 16, c->nbytes, blocks);
    for (size_t i = 0; i < len / 8; i++)
        avila_store_be64(out + 8 * i, c->h[i]);
    avila_wipe(c, sizeof *c);
}

void avila_sha512_final(struct avila_sha512 *c, uint8_t out[64])
{
    size_t len = c->digest_len;
    finish(c, out, len == AVILA_SHA384_LEN || len == AVILA_SHA512_256_LEN ? len : AVILA_SHA512_LEN);
}

void avila_sha384_final(struct avila_sha512 *c, uint8_t out[48])
{
    finish(c, out, AVILA_SHA384_LEN);
}

void avila_sha512_256_final(struct avila_sha512 *c, uint8_t out[32])
{
    finish(c, out, AVILA_SHA512_256_LEN);
}

void avila_sha512(const void *data, size_t n, uint8_t out[64])
{
    struct avila_sha512 c;
    avila_sha512_init(&c);
    avila_sha512_update(&c, data, n);
    avila_sha512_final(&c, out);
}

void avila_sha384(const void *data, size_t n, uint8_t out[48])
{
    struct avila_sha512 c;
    avila_sha384_init(&c);
    avila_sha512_update(&c, data, n);
    avila_sha384_final(&c, out);
}

void avila_sha512_256(const void *data, size_t n, uint8_t out[32])
{
    struct avila_sha512 c;
    avila_sha512_256_init(&c);
    avila_sha512_update(&c, data, n);
    avila_sha512_256_final(&c, out);
}

/* ---------------------------------------------------------- descriptors */

_Static_assert(sizeof(struct avila_sha512) <= AVILA_DIGEST_CTX_MAX, "SHA-512 context too large");
_Static_assert(AVILA_SHA512_BLOCK_LEN <= AVILA_DIGEST_MAX_BLOCK, "SHA-512 block too large");

static void d_init512(void *c)
{
    avila_sha512_init(c);
}

static void d_init384(void *c)
{
    avila_sha384_init(c);
}

static void d_init512_256(void *c)
{
    avila_sha512_256_init(c);
}

static void d_update(void *c, const void *data, size_t n)
{
    avila_sha512_update(c, data, n);
}

/* avila_sha512_final writes the context's own digest length. */
static void d_final(void *c, uint8_t *out)
{
    avila_sha512_final(c, out);
}

const struct avila_digest avila_digest_sha384 = {
    "sha384", AVILA_SHA384_LEN, AVILA_SHA512_BLOCK_LEN, sizeof(struct avila_sha512), d_init384,
    d_update, d_final,
};

const struct avila_digest avila_digest_sha512 = {
    "sha512", AVILA_SHA512_LEN, AVILA_SHA512_BLOCK_LEN, sizeof(struct avila_sha512), d_init512,
    d_update, d_final,
};

const struct avila_digest avila_digest_sha512_256 = {
    "sha512-256",
    AVILA_SHA512_256_LEN,
    AVILA_SHA512_BLOCK_LEN,
    sizeof(struct avila_sha512),
    d_init512_256,
    d_update,
    d_final,
};
