/*
 * crypto/sha3.c - SHA-3 and SHAKE (FIPS 202): the portable Keccak-f[1600]
 * permutation (section 3), the sponge (section 4) with the pad10*1 rule
 * (section 5.1), the SHA-3 and SHAKE functions (section 6) and the digest
 * descriptors.
 *
 * The permutation keeps the 25 lanes in local variables and writes each
 * round out in full: theta's column parities, then rho and pi fused (lane
 * (x, y) rotated into B[y, 2x + 3y]), then chi and iota, so every lane index
 * and rotation is a constant.
 */
#include "core/bits.h"
#include "core/cpu.h"
#include "core/ct.h"
#include "core/endian.h"
#include "core/error.h"
#include "crypto/digest.h"
#include "crypto/sha3_int.h"

/* Section 3.2.5: rc(t) of the LFSR x^8 + x^6 + x^5 + x^4 + 1 at bits 2^j - 1 of each round. */
const uint64_t avila_keccak_rc[24] = {
    0x0000000000000001ull, 0x0000000000008082ull, 0x800000000000808aull, 0x8000000080008000ull,
    0x000000000000808bull, 0x0000000080000001ull, 0x8000000080008081ull, 0x8000000000008009ull,
    0x000000000000008aull, 0x0000000000000088ull, 0x0000000080008009ull, 0x000000008000000aull,
    0x000000008000808bull, 0x800000000000008bull, 0x8000000000008089ull, 0x8000000000008003ull,
    0x8000000000008002ull, 0x8000000000000080ull, 0x000000000000800aull, 0x800000008000000aull,
    0x8000000080008081ull, 0x8000000000008080ull, 0x0000000080000001ull, 0x8000000080008008ull,
};

/* ------------------------------------------------------ the permutation */

/*
 * The lanes kept complemented inside the permutation (the "lane
 * complementing transform" of the Keccak team's implementation overview,
 * section 2.2): with lanes (1,0), (2,0), (3,1), (2,2), (2,3), (0,4)
 * complemented, chi needs 5 NOTs per round instead of 25, each row mixing
 * AND and OR as written below (tests/crypto/test_sha3.c checks the result
 * against the plain definition).
 */
static inline void complement_lanes(uint64_t a[25])
{
    a[1] = ~a[1], a[2] = ~a[2], a[8] = ~a[8], a[12] = ~a[12], a[17] = ~a[17], a[20] = ~a[20];
}

static void permute_portable(uint64_t a[25])
{
    complement_lanes(a);
    uint64_t s00 = a[0], s01 = a[1], s02 = a[2], s03 = a[3], s04 = a[4];
    uint64_t s05 = a[5], s06 = a[6], s07 = a[7], s08 = a[8], s09 = a[9];
    uint64_t s10 = a[10], s11 = a[11], s12 = a[12], s13 = a[13], s14 = a[14];
    uint64_t s15 = a[15], s16 = a[16], s17 = a[17], s18 = a[18], s19 = a[19];
    uint64_t s20 = a[20], s21 = a[21], s22 = a[22], s23 = a[23], s24 = a[24];
    for (int round = 0; round < 24; round++) {
        /* theta: each lane gets the parities of the columns beside it. */
        uint64_t c0 = s00 ^ s05 ^ s10 ^ s15 ^ s20;
        uint64_t c1 = s01 ^ s06 ^ s11 ^ s16 ^ s21;
        uint64_t c2 = s02 ^ s07 ^ s12 ^ s17 ^ s22;
        uint64_t c3 = s03 ^ s08 ^ s13 ^ s18 ^ s23;
        uint64_t c4 = s04 ^ s09 ^ s14 ^ s19 ^ s24;
        uint64_t d0 = c4 ^ avila_rotl64(c1, 1), d1 = c0 ^ avila_rotl64(c2, 1),
                 d2 = c1 ^ avila_rotl64(c3, 1);
        uint64_t d3 = c2 ^ avila_rotl64(c4, 1), d4 = c3 ^ avila_rotl64(c0, 1);
        /* rho and pi: lane (x, y) = s[x + 5y] goes rotated to b[y + 5 ((2x + 3y) mod 5)]. */
        uint64_t b00 = s00 ^ d0, b10 = avila_rotl64(s01 ^ d1, 1), b20 = avila_rotl64(s02 ^ d2, 62);
        uint64_t b05 = avila_rotl64(s03 ^ d3, 28), b15 = avila_rotl64(s04 ^ d4, 27);
        uint64_t b16 = avila_rotl64(s05 ^ d0, 36), b01 = avila_rotl64(s06 ^ d1, 44),
                 b11 = avila_rotl64(s07 ^ d2, 6);
        uint64_t b21 = avila_rotl64(s08 ^ d3, 55), b06 = avila_rotl64(s09 ^ d4, 20);
        uint64_t b07 = avila_rotl64(s10 ^ d0, 3), b17 = avila_rotl64(s11 ^ d1, 10),
                 b02 = avila_rotl64(s12 ^ d2, 43);
        uint64_t b12 = avila_rotl64(s13 ^ d3, 25), b22 = avila_rotl64(s14 ^ d4, 39);
        uint64_t b23 = avila_rotl64(s15 ^ d0, 41), b08 = avila_rotl64(s16 ^ d1, 45),
                 b18 = avila_rotl64(s17 ^ d2, 15);
        uint64_t b03 = avila_rotl64(s18 ^ d3, 21), b13 = avila_rotl64(s19 ^ d4, 8);
        uint64_t b14 = avila_rotl64(s20 ^ d0, 18), b24 = avila_rotl64(s21 ^ d1, 2),
                 b09 = avila_rotl64(s22 ^ d2, 61);
        uint64_t b19 = avila_rotl64(s23 ^ d3, 56), b04 = avila_rotl64(s24 ^ d4, 14);
        /*
         * chi along each row (x ^= ~x1 & x2 on the true values), in the
         * complemented representation, then iota.
         */
        s00 = b00 ^ (b01 | b02), s01 = b01 ^ (~b02 | b03), s02 = b02 ^ (b03 & b04);
        s03 = b03 ^ (b04 | b00), s04 = b04 ^ (b00 & b01);
        s05 = b05 ^ (b06 | b07), s06 = b06 ^ (b07 & b08), s07 = b07 ^ (b08 | ~b09);
        s08 = b08 ^ (b09 | b05), s09 = b09 ^ (b05 & b06);
        uint64_t n13 = ~b13;
        s10 = b10 ^ (b11 | b12), s11 = b11 ^ (b12 & b13), s12 = b12 ^ (n13 & b14);
        s13 = n13 ^ (b14 | b10), s14 = b14 ^ (b10 & b11);
        uint64_t n18 = ~b18;
        s15 = b15 ^ (b16 & b17), s16 = b16 ^ (b17 | b18), s17 = b17 ^ (n18 | b19);
        s18 = n18 ^ (b19 & b15), s19 = b19 ^ (b15 | b16);
        uint64_t n21 = ~b21;
        s20 = b20 ^ (n21 & b22), s21 = n21 ^ (b22 | b23), s22 = b22 ^ (b23 & b24);
        s23 = b23 ^ (b24 | b20), s24 = b24 ^ (b20 & b21);
        s00 ^= avila_keccak_rc[round];
    }
    a[0] = s00, a[1] = s01, a[2] = s02, a[3] = s03, a[4] = s04;
    a[5] = s05, a[6] = s06, a[7] = s07, a[8] = s08, a[9] = s09;
    a[10] = s10, a[11] = s11, a[12] = s12, a[13] = s13, a[14] = s14;
    a[15] = s15, a[16] = s16, a[17] = s17, a[18] = s18, a[19] = s19;
    a[20] = s20, a[21] = s21, a[22] = s22, a[23] = s23, a[24] = s24;
    complement_lanes(a);
}

const struct avila_keccak_kernel avila_keccak_kernel_portable = {"portable", 0, permute_portable};

const struct avila_keccak_kernel *avila_keccak_kernel(void)
{
    return &avila_keccak_kernel_portable;
}

const char *avila_sha3_impl(void)
{
    return avila_keccak_kernel()->name;
}

void avila_keccak_f1600(uint64_t a[25])
{
    avila_keccak_kernel()->permute(a);
}

/* ------------------------------------------------------------ the sponge */

/* XORs byte v into byte i of the state (bytes are little-endian in lanes). */
static inline void xor_byte(uint64_t a[25], size_t i, uint8_t v)
{
    a[i / 8] ^= (uint64_t)v << (8 * (i % 8));
}

/* XORs len bytes at p into state bytes pos..pos+len-1. */
static void xor_in(uint64_t a[25], size_t pos, const uint8_t *p, size_t len)
{
    for (; len && pos % 8; len--)
        xor_byte(a, pos++, *p++);
    for (; len >= 8; len -= 8, pos += 8, p += 8)
        a[pos / 8] ^= avila_load_le64(p);
    for (; len; len--)
        xor_byte(a, pos++, *p++);
}

/* Copies state bytes pos..pos+len-1 to out. */
static void copy_out(const uint64_t a[25], size_t pos, uint8_t *out, size_t len)
{
    for (; len && pos % 8; len--, pos++)
        *out++ = (uint8_t)(a[pos / 8] >> (8 * (pos % 8)));
    for (; len >= 8; len -= 8, pos += 8, out += 8)
        avila_store_le64(out, a[pos / 8]);
    for (; len; len--, pos++)
        *out++ = (uint8_t)(a[pos / 8] >> (8 * (pos % 8)));
}

static void start(struct avila_sha3 *c, uint32_t rate, uint32_t digest_len, uint8_t suffix)
{
    memset(c->a, 0, sizeof c->a);
    c->rate = rate;
    c->pos = 0;
    c->digest_len = digest_len;
    c->suffix = suffix;
    c->squeezing = 0;
}

/* Section 4 step 6: absorbs n bytes (c not squeezing), permuting after each full block. */
static void absorb(struct avila_sha3 *c, const uint8_t *p, size_t n)
{
    if (n == 0)
        return; /* p may be NULL */
    const struct avila_keccak_kernel *k = avila_keccak_kernel();
    size_t rate = c->rate, pos = c->pos;
    if (pos + n < rate) {
        xor_in(c->a, pos, p, n);
        c->pos = (uint32_t)(pos + n);
        return;
    }
    if (pos) {
        xor_in(c->a, pos, p, rate - pos);
        k->permute(c->a);
        p += rate - pos;
        n -= rate - pos;
    }
    for (; n >= rate; n -= rate, p += rate) {
        xor_in(c->a, 0, p, rate);
        k->permute(c->a);
    }
    xor_in(c->a, 0, p, n);
    c->pos = (uint32_t)n;
}

/*
 * Closes the input: the suffix bits, pad10*1 (section 5.1: the first 1 bit
 * is in the suffix byte, the last is the top bit of the block), permute.
 */
static void pad(struct avila_sha3 *c)
{
    xor_byte(c->a, c->pos, c->suffix);
    xor_byte(c->a, c->rate - 1, 0x80);
    avila_keccak_f1600(c->a);
    c->pos = 0;
    c->squeezing = 1;
}

/* Section 4 steps 8-10: the next n output bytes, permuting when a block runs out. */
static void squeeze(struct avila_sha3 *c, uint8_t *out, size_t n)
{
    if (!c->squeezing)
        pad(c);
    while (n) {
        if (c->pos == c->rate) {
            avila_keccak_f1600(c->a);
            c->pos = 0;
        }
        size_t take = c->rate - c->pos < n ? c->rate - c->pos : n;
        copy_out(c->a, c->pos, out, take);
        c->pos += (uint32_t)take;
        out += take;
        n -= take;
    }
}

/* ------------------------------------------------------------------ SHA-3 */

/* Section 6.1: SHA3-d is Keccak[2d] on M || 01, so the rate is 200 - d / 4 bytes. */
void avila_sha3_224_init(struct avila_sha3 *c)
{
    start(c, AVILA_SHA3_224_RATE, AVILA_SHA3_224_LEN, 0x06);
}

void avila_sha3_256_init(struct avila_sha3 *c)
{
    start(c, AVILA_SHA3_256_RATE, AVILA_SHA3_256_LEN, 0x06);
}

void avila_sha3_384_init(struct avila_sha3 *c)
{
    start(c, AVILA_SHA3_384_RATE, AVILA_SHA3_384_LEN, 0x06);
}

void avila_sha3_512_init(struct avila_sha3 *c)
{
    start(c, AVILA_SHA3_512_RATE, AVILA_SHA3_512_LEN, 0x06);
}

void avila_sha3_update(struct avila_sha3 *c, const void *data, size_t n)
{
    if (!c->squeezing)
        absorb(c, data, n);
}

void avila_sha3_final(struct avila_sha3 *c, uint8_t *out)
{
    squeeze(c, out, c->digest_len);
    avila_sha3_wipe(c);
}

/* One-shot through an init function. */
static void sha3_oneshot(void (*init)(struct avila_sha3 *), const void *data, size_t n,
                         uint8_t *out)
{
    struct avila_sha3 c;
    init(&c);
    absorb(&c, data, n);
    avila_sha3_final(&c, out);
}

void avila_sha3_224(const void *data, size_t n, uint8_t out[28])
{
    sha3_oneshot(avila_sha3_224_init, data, n, out);
}

void avila_sha3_256(const void *data, size_t n, uint8_t out[32])
{
    sha3_oneshot(avila_sha3_256_init, data, n, out);
}

void avila_sha3_384(const void *data, size_t n, uint8_t out[48])
{
    sha3_oneshot(avila_sha3_384_init, data, n, out);
}

void avila_sha3_512(const void *data, size_t n, uint8_t out[64])
{
    sha3_oneshot(avila_sha3_512_init, data, n, out);
}

void avila_sha3_wipe(struct avila_sha3 *c)
{
    avila_wipe(c, sizeof *c);
}

/* ------------------------------------------------------------------ SHAKE */

/* Section 6.2: SHAKE128 is Keccak[256] on M || 1111, SHAKE256 is Keccak[512]. */
void avila_shake128_init(struct avila_sha3 *c)
{
    start(c, AVILA_SHAKE128_RATE, 0, 0x1f);
}

void avila_shake256_init(struct avila_sha3 *c)
{
    start(c, AVILA_SHAKE256_RATE, 0, 0x1f);
}

int avila_shake_absorb(struct avila_sha3 *c, const void *data, size_t n)
{
    if (c->squeezing)
        return AVILA_ESTATE;
    absorb(c, data, n);
    return 0;
}

void avila_shake_squeeze(struct avila_sha3 *c, uint8_t *out, size_t n)
{
    squeeze(c, out, n);
}

static void shake_oneshot(void (*init)(struct avila_sha3 *), const void *data, size_t n,
                          uint8_t *out, size_t out_len)
{
    struct avila_sha3 c;
    init(&c);
    absorb(&c, data, n);
    squeeze(&c, out, out_len);
    avila_sha3_wipe(&c);
}

void avila_shake128(const void *data, size_t n, uint8_t *out, size_t out_len)
{
    shake_oneshot(avila_shake128_init, data, n, out, out_len);
}

void avila_shake256(const void *data, size_t n, uint8_t *out, size_t out_len)
{
    shake_oneshot(avila_shake256_init, data, n, out, out_len);
}

/* ---------------------------------------------------------- descriptors */

_Static_assert(sizeof(struct avila_sha3) <= AVILA_DIGEST_CTX_MAX, "SHA-3 context too large");
_Static_assert(AVILA_SHA3_224_RATE <= AVILA_DIGEST_MAX_BLOCK, "SHA3-224 rate too large");

static void d_init224(void *c)
{
    avila_sha3_224_init(c);
}

static void d_init256(void *c)
{
    avila_sha3_256_init(c);
}

static void d_init384(void *c)
{
    avila_sha3_384_init(c);
}

static void d_init512(void *c)
{
    avila_sha3_512_init(c);
}

static void d_update(void *c, const void *data, size_t n)
{
    avila_sha3_update(c, data, n);
}

static void d_final(void *c, uint8_t *out)
{
    avila_sha3_final(c, out);
}

const struct avila_digest avila_digest_sha3_224 = {
    "sha3-224",
    AVILA_SHA3_224_LEN,
    AVILA_SHA3_224_RATE,
    sizeof(struct avila_sha3),
    d_init224,
    d_update,
    d_final,
};

const struct avila_digest avila_digest_sha3_256 = {
    "sha3-256",
    AVILA_SHA3_256_LEN,
    AVILA_SHA3_256_RATE,
    sizeof(struct avila_sha3),
    d_init256,
    d_update,
    d_final,
};

const struct avila_digest avila_digest_sha3_384 = {
    "sha3-384",
    AVILA_SHA3_384_LEN,
    AVILA_SHA3_384_RATE,
    sizeof(struct avila_sha3),
    d_init384,
    d_update,
    d_final,
};

const struct avila_digest avila_digest_sha3_512 = {
    "sha3-512",
    AVILA_SHA3_512_LEN,
    AVILA_SHA3_512_RATE,
    sizeof(struct avila_sha3),
    d_init512,
    d_update,
    d_final,
};
