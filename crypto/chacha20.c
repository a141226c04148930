/*
 * crypto/chacha20.c - ChaCha20 (RFC 8439 sections 2.1-2.4), HChaCha20 and
 * XChaCha20 (draft-irtf-cfrg-xchacha-03 sections 2.2-2.3): the portable
 * kernel, the dispatcher and the public functions. The AVX2 and AVX-512
 * kernels are in crypto/chacha20_x86.c.
 */
#include "core/cpu.h"
#include "core/ct.h"
#include "core/endian.h"
#include "crypto/chacha20_int.h"

/*
 * 1 where the compiler maps 128-bit GNU C vectors onto SIMD registers
 * (x86-64 SSE2, ARM NEON, POWER AltiVec): there the portable kernel runs
 * four blocks side by side. Elsewhere the vectors would only spill.
 */
#if defined(__GNUC__) && (defined(__SSE2__) || defined(__ARM_NEON) || defined(__ALTIVEC__))
#define LANES4 1
#else
#define LANES4 0
#endif

/* A macro, not avila_rotl32: the portable kernel also applies it to GNU vector types. */
#define ROTL32(x, n) (((x) << (n)) | ((x) >> (32 - (n))))

#define QUARTERROUND(a, b, c, d)                                                                   \
    do {                                                                                           \
        (a) += (b), (d) ^= (a), (d) = ROTL32((d), 16);                                             \
        (c) += (d), (b) ^= (c), (b) = ROTL32((b), 12);                                             \
        (a) += (b), (d) ^= (a), (d) = ROTL32((d), 8);                                              \
        (c) += (d), (b) ^= (c), (b) = ROTL32((b), 7);                                              \
    } while (0)

void avila_chacha20_setup(uint32_t state[16], const uint8_t key[32], const uint8_t nonce[12],
                          uint32_t counter)
{
    /* "expand 32-byte k" */
    state[0] = 0x61707865u;
    state[1] = 0x3320646eu;
    state[2] = 0x79622d32u;
    state[3] = 0x6b206574u;
    for (size_t i = 0; i < 8; i++)
        state[4 + i] = avila_load_le32(key + 4 * i);
    state[12] = counter;
    for (size_t i = 0; i < 3; i++)
        state[13 + i] = avila_load_le32(nonce + 4 * i);
}

/* The 20 rounds on x in place; words live in locals so the compiler keeps them in registers. */
static inline void rounds(uint32_t x[16])
{
    uint32_t x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3], x4 = x[4], x5 = x[5], x6 = x[6], x7 = x[7],
             x8 = x[8], x9 = x[9], x10 = x[10], x11 = x[11], x12 = x[12], x13 = x[13], x14 = x[14],
             x15 = x[15];
    for (int i = 0; i < 10; i++) {
        QUARTERROUND(x0, x4, x8, x12);
        QUARTERROUND(x1, x5, x9, x13);
        QUARTERROUND(x2, x6, x10, x14);
        QUARTERROUND(x3, x7, x11, x15);
        QUARTERROUND(x0, x5, x10, x15);
        QUARTERROUND(x1, x6, x11, x12);
        QUARTERROUND(x2, x7, x8, x13);
        QUARTERROUND(x3, x4, x9, x14);
    }
    x[0] = x0, x[1] = x1, x[2] = x2, x[3] = x3, x[4] = x4, x[5] = x5, x[6] = x6, x[7] = x7;
    x[8] = x8, x[9] = x9, x[10] = x10, x[11] = x11, x[12] = x12, x[13] = x13, x[14] = x14;
    x[15] = x15;
}

#if LANES4
/*
 * Four blocks at once, one per lane of 128-bit vector values (GNU C vector
 * extensions; compilers map them onto SIMD registers): one block alone is
 * bound by the latency of its dependent adds, xors and rotations, not by
 * the ALUs. XORs 256 bytes; y is scratch the caller wipes.
 */
typedef uint32_t vec4 __attribute__((vector_size(16)));
#define SPLAT(v) ((vec4){(v), (v), (v), (v)})

static void four_blocks(uint32_t state[16], uint8_t *out, const uint8_t *in, vec4 y[16])
{
    const vec4 ctr = SPLAT(state[12]) + (vec4){0, 1, 2, 3};
    vec4 x0 = SPLAT(state[0]), x1 = SPLAT(state[1]), x2 = SPLAT(state[2]), x3 = SPLAT(state[3]);
    vec4 x4 = SPLAT(state[4]), x5 = SPLAT(state[5]), x6 = SPLAT(state[6]), x7 = SPLAT(state[7]);
    vec4 x8 = SPLAT(state[8]), x9 = SPLAT(state[9]), x10 = SPLAT(state[10]);
    vec4 x11 = SPLAT(state[11]), x12 = ctr, x13 = SPLAT(state[13]), x14 = SPLAT(state[14]);
    vec4 x15 = SPLAT(state[15]);
    for (int i = 0; i < 10; i++) {
        QUARTERROUND(x0, x4, x8, x12);
        QUARTERROUND(x1, x5, x9, x13);
        QUARTERROUND(x2, x6, x10, x14);
        QUARTERROUND(x3, x7, x11, x15);
        QUARTERROUND(x0, x5, x10, x15);
        QUARTERROUND(x1, x6, x11, x12);
        QUARTERROUND(x2, x7, x8, x13);
        QUARTERROUND(x3, x4, x9, x14);
    }
    y[0] = x0, y[1] = x1, y[2] = x2, y[3] = x3, y[4] = x4, y[5] = x5, y[6] = x6, y[7] = x7;
    y[8] = x8, y[9] = x9, y[10] = x10, y[11] = x11, y[12] = x12, y[13] = x13, y[14] = x14;
    y[15] = x15;
    for (size_t i = 0; i < 16; i++)
        y[i] += i == 12 ? ctr : SPLAT(state[i]);
    for (size_t j = 0; j < 4; j++)
        for (size_t i = 0; i < 16; i++)
            avila_store_le32(out + 64 * j + 4 * i, avila_load_le32(in + 64 * j + 4 * i) ^ y[i][j]);
    state[12] += 4;
}
#endif

/*
 * Four blocks at a time where vectors help, then one at a time; the working
 * words and a partial block's keystream are wiped at the end.
 */
static void stream_portable(uint32_t state[16], uint8_t *out, const uint8_t *in, size_t n)
{
    uint32_t x[16];
    uint8_t ks[64];
    size_t off = 0;
#if LANES4
    vec4 y[16];
    for (; n - off >= 256; off += 256)
        four_blocks(state, out + off, in + off, y);
    avila_wipe(y, sizeof y);
#endif
    for (; off < n; off += 64) {
        memcpy(x, state, sizeof x);
        rounds(x);
        for (size_t i = 0; i < 16; i++)
            x[i] += state[i];
        state[12]++;
        if (n - off >= 64) {
            for (size_t i = 0; i < 16; i++)
                avila_store_le32(out + off + 4 * i, avila_load_le32(in + off + 4 * i) ^ x[i]);
        } else {
            for (size_t i = 0; i < 16; i++)
                avila_store_le32(ks + 4 * i, x[i]);
            for (size_t i = 0; i < n - off; i++)
                out[off + i] = in[off + i] ^ ks[i];
        }
    }
    avila_wipe(x, sizeof x);
    avila_wipe(ks, sizeof ks);
}

const struct avila_chacha20_kernel avila_chacha20_kernel_portable = {"portable", 0,
                                                                     stream_portable};

const struct avila_chacha20_kernel *avila_chacha20_kernel(void)
{
#if AVILA_X86_64
    uint32_t f = avila_cpu_features();
    if ((f & avila_chacha20_kernel_avx512.cpu) == avila_chacha20_kernel_avx512.cpu)
        return &avila_chacha20_kernel_avx512;
    if ((f & avila_chacha20_kernel_avx2.cpu) == avila_chacha20_kernel_avx2.cpu)
        return &avila_chacha20_kernel_avx2;
#endif
    return &avila_chacha20_kernel_portable;
}

const char *avila_chacha20_impl(void)
{
    return avila_chacha20_kernel()->name;
}

void avila_chacha20_xor(uint8_t *out, const uint8_t *in, size_t n, const uint8_t key[32],
                        const uint8_t nonce[12], uint32_t counter)
{
    uint32_t state[16];
    avila_chacha20_setup(state, key, nonce, counter);
    avila_chacha20_kernel()->stream(state, out, in, n);
    avila_wipe(state, sizeof state);
}

void avila_hchacha20(uint8_t out[32], const uint8_t key[32], const uint8_t nonce[16])
{
    uint32_t x[16];
    /* The 16-byte nonce fills words 12-15: the counter word and a 12-byte nonce. */
    avila_chacha20_setup(x, key, nonce + 4, avila_load_le32(nonce));
    rounds(x);
    for (size_t i = 0; i < 4; i++) {
        avila_store_le32(out + 4 * i, x[i]);
        avila_store_le32(out + 16 + 4 * i, x[12 + i]);
    }
    avila_wipe(x, sizeof x);
}

void avila_xchacha20_xor(uint8_t *out, const uint8_t *in, size_t n, const uint8_t key[32],
                         const uint8_t nonce[24], uint32_t counter)
{
    uint8_t subkey[32], nonce12[12] = {0};
    avila_hchacha20(subkey, key, nonce);
    memcpy(nonce12 + 4, nonce + 16, 8);
    avila_chacha20_xor(out, in, n, subkey, nonce12, counter);
    avila_wipe(subkey, sizeof subkey);
}

void avila_chacha20_init(struct avila_chacha20 *ctx, const uint8_t key[32], const uint8_t nonce[12],
                         uint32_t counter)
{
    avila_chacha20_setup(ctx->state, key, nonce, counter);
    ctx->used = 64;
}

void avila_chacha20_update(struct avila_chacha20 *ctx, uint8_t *out, const uint8_t *in, size_t n)
{
    size_t off = 0;
    /* Finish the current block's leftover keystream first. */
    for (; off < n && ctx->used < 64; off++)
        out[off] = in[off] ^ ctx->keystream[ctx->used++];
    size_t whole = (n - off) & ~(size_t)63;
    if (whole) {
        avila_chacha20_kernel()->stream(ctx->state, out + off, in + off, whole);
        off += whole;
    }
    if (off < n) {
        /* Keep the last block's keystream for the next call (one block: portable is quickest). */
        memset(ctx->keystream, 0, sizeof ctx->keystream);
        stream_portable(ctx->state, ctx->keystream, ctx->keystream, 64);
        ctx->used = 0;
        for (; off < n; off++)
            out[off] = in[off] ^ ctx->keystream[ctx->used++];
    }
}

void avila_chacha20_wipe(struct avila_chacha20 *ctx)
{
    avila_wipe(ctx, sizeof *ctx);
}
