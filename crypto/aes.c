/*
 * crypto/aes.c - AES (FIPS 197): key expansion, the portable constant-time
 * implementation and the run-time dispatch; CTR mode as in NIST SP 800-38A
 * section 6.5 with the inc32 counter of SP 800-38D section 6.2.
 *
 * The portable cipher is bitsliced: no table is indexed by secret data, no
 * branch depends on it. Four blocks are processed at once in eight 64-bit
 * words q[0..7], q[b] holding bit b of every byte. Within a word, bit
 * 16*row + 4*col + blk is the byte at (row, col) of the AES state of block
 * blk, so a row is a 16-bit lane: ShiftRows rotates lanes, MixColumns rotates
 * the whole word by 16 and 32 bits. Encryption never runs ShiftRows
 * ("fixslicing", Adomnicai and Peyrin, TCHES 2021): MixColumns fetches its
 * rows from where the skipped ShiftRows left them and the round keys are
 * stored to match (see bs_encrypt). SubBytes is the 113-gate circuit of
 * Boyar and Peralta ("A depth-16 circuit for the AES S-box", 2012); the
 * inverse S-box is A^-1 o S o A^-1 with A the S-box's affine map.
 */
#include "core/bits.h"
#include "crypto/aes.h"
#include "crypto/aes_int.h"

#include "core/cpu.h"
#include "core/ct.h"
#include "core/endian.h"
#include "core/error.h"

/* The round functions work on eight words the compiler must keep in registers. */
#define ROUND_FN static inline __attribute__((always_inline))

/* ---------------------------------------------------------------- bitslicing */

/* Exchanges the bits of a at mask << s with the bits of b at mask. */
static inline void swap_bits(uint64_t *a, uint64_t *b, uint64_t mask, unsigned s)
{
    uint64_t t = ((*a >> s) ^ *b) & mask;
    *b ^= t;
    *a ^= t << s;
}

/*
 * Transposes the 8x8 bit matrices: bit 8k + t of q[w] trades places with bit
 * 8k + w of q[t]. An involution: it both enters and leaves bitsliced form.
 */
ROUND_FN void ortho(uint64_t q[8])
{
    swap_bits(&q[0], &q[1], 0x5555555555555555, 1);
    swap_bits(&q[2], &q[3], 0x5555555555555555, 1);
    swap_bits(&q[4], &q[5], 0x5555555555555555, 1);
    swap_bits(&q[6], &q[7], 0x5555555555555555, 1);
    swap_bits(&q[0], &q[2], 0x3333333333333333, 2);
    swap_bits(&q[1], &q[3], 0x3333333333333333, 2);
    swap_bits(&q[4], &q[6], 0x3333333333333333, 2);
    swap_bits(&q[5], &q[7], 0x3333333333333333, 2);
    swap_bits(&q[0], &q[4], 0x0f0f0f0f0f0f0f0f, 4);
    swap_bits(&q[1], &q[5], 0x0f0f0f0f0f0f0f0f, 4);
    swap_bits(&q[2], &q[6], 0x0f0f0f0f0f0f0f0f, 4);
    swap_bits(&q[3], &q[7], 0x0f0f0f0f0f0f0f0f, 4);
}

/* Exchanges bits of x at mask << s with those at mask (an involution). */
static inline uint64_t swap_in_word(uint64_t x, uint64_t mask, unsigned s)
{
    uint64_t t = ((x >> s) ^ x) & mask;
    return x ^ t ^ (t << s);
}

/* Bytes a0 a1 a2 a3 b0 b1 b2 b3 (low to high) become a0 b0 a1 b1 a2 b2 a3 b3. */
static inline uint64_t interleave(uint64_t v)
{
    v = swap_in_word(v, 0x00000000ffff0000, 16);
    return swap_in_word(v, 0x0000ff000000ff00, 8);
}

static inline uint64_t deinterleave(uint64_t v)
{
    v = swap_in_word(v, 0x0000ff000000ff00, 8);
    return swap_in_word(v, 0x00000000ffff0000, 16);
}

/*
 * The two words of block j before ortho(): q[j] holds columns 0 and 2 and
 * q[j + 4] columns 1 and 3, byte 2*row + (col >> 1) each, so that ortho()
 * lands byte (row, col) at bit 16*row + 4*col + j.
 */
static inline uint64_t even_word(const uint8_t in[16])
{
    return interleave((uint64_t)avila_load_le32(in) | (uint64_t)avila_load_le32(in + 8) << 32);
}

static inline uint64_t odd_word(const uint8_t in[16])
{
    return interleave((uint64_t)avila_load_le32(in + 4) | (uint64_t)avila_load_le32(in + 12) << 32);
}

static inline void load_block(uint64_t q[8], unsigned j, const uint8_t in[16])
{
    q[j] = even_word(in);
    q[j + 4] = odd_word(in);
}

/* Block j after ortho() as two little-endian words: bytes 0-7 and 8-15. */
static inline void block_words(const uint64_t q[8], size_t j, uint64_t w[2])
{
    uint64_t e = deinterleave(q[j]), o = deinterleave(q[j + 4]);
    w[0] = (e & 0xffffffff) | o << 32;
    w[1] = e >> 32 | (o & 0xffffffff00000000);
}

static inline void store_block(uint8_t out[16], const uint64_t q[8], size_t j)
{
    uint64_t w[2];
    block_words(q, j, w);
    avila_store_le64(out, w[0]);
    avila_store_le64(out + 8, w[1]);
}

/* ---------------------------------------------------------------- round functions */

/* SubBytes on all 64 bytes: Boyar-Peralta, input U0 = bit 7 ... U7 = bit 0. */
ROUND_FN void sub_bytes(uint64_t q[8])
{
    uint64_t u0 = q[7], u1 = q[6], u2 = q[5], u3 = q[4];
    uint64_t u4 = q[3], u5 = q[2], u6 = q[1], u7 = q[0];

    /* Top linear layer. */
    uint64_t y14 = u3 ^ u5, y13 = u0 ^ u6, y9 = u0 ^ u3, y8 = u0 ^ u5;
    uint64_t t0 = u1 ^ u2, y1 = t0 ^ u7, y4 = y1 ^ u3, y12 = y13 ^ y14;
    uint64_t y2 = y1 ^ u0, y5 = y1 ^ u6, y3 = y5 ^ y8, t1 = u4 ^ y12;
    uint64_t y15 = t1 ^ u5, y20 = t1 ^ u1, y6 = y15 ^ u7, y10 = y15 ^ t0;
    uint64_t y11 = y20 ^ y9, y7 = u7 ^ y11, y17 = y10 ^ y11, y19 = y10 ^ y8;
    uint64_t y16 = t0 ^ y11, y21 = y13 ^ y16, y18 = u0 ^ y16;

    /* Shared non-linear middle: inversion in GF(2^4)^2. */
    uint64_t t2 = y12 & y15, t3 = y3 & y6, t4 = t3 ^ t2, t5 = y4 & u7;
    uint64_t t6 = t5 ^ t2, t7 = y13 & y16, t8 = y5 & y1, t9 = t8 ^ t7;
    uint64_t t10 = y2 & y7, t11 = t10 ^ t7, t12 = y9 & y11, t13 = y14 & y17;
    uint64_t t14 = t13 ^ t12, t15 = y8 & y10, t16 = t15 ^ t12, t17 = t4 ^ t14;
    uint64_t t18 = t6 ^ t16, t19 = t9 ^ t14, t20 = t11 ^ t16, t21 = t17 ^ y20;
    uint64_t t22 = t18 ^ y19, t23 = t19 ^ y21, t24 = t20 ^ y18, t25 = t21 ^ t22;
    uint64_t t26 = t21 & t23, t27 = t24 ^ t26, t28 = t25 & t27, t29 = t28 ^ t22;
    /* From here each product is taken as soon as its factor exists and folded
     * into the bottom linear layer at once, which keeps few values live. */
    uint64_t z5 = t29 & y7, z14 = t29 & y2;
    uint64_t t30 = t23 ^ t24, t31 = t22 ^ t26, t32 = t31 & t30, t33 = t32 ^ t24;
    uint64_t z2 = t33 & u7, z11 = t33 & y4, t51 = z2 ^ z5, t42 = t29 ^ t33;
    uint64_t z6 = t42 & y11, z15 = t42 & y9;
    uint64_t t34 = t23 ^ t33, t35 = t27 ^ t33, t36 = t24 & t35, t37 = t36 ^ t34;
    uint64_t z1 = t37 & y6, z10 = t37 & y3, t47 = z10 ^ z11, t44 = t33 ^ t37;
    uint64_t z0 = t44 & y15, z9 = t44 & y12, t49 = z9 ^ z10;
    uint64_t t38 = t27 ^ t36, t39 = t29 & t38, t40 = t25 ^ t39;
    uint64_t z4 = t40 & y1, z13 = t40 & y5, t48 = z5 ^ z13, t43 = t29 ^ t40;
    uint64_t z3 = t43 & y16, z12 = t43 & y13, t53 = z0 ^ z3, t50 = z2 ^ z12;
    uint64_t t56 = z12 ^ t48, t57 = t50 ^ t53, t61 = z14 ^ t57;
    uint64_t t41 = t40 ^ t37, z8 = t41 & y10, z17 = t41 & y8, t45 = t42 ^ t41;
    uint64_t z7 = t45 & y17, z16 = t45 & y14;

    /* Bottom linear layer, with the affine constant 0x63 as complements. */
    uint64_t t46 = z15 ^ z16, t52 = z7 ^ z8, t54 = z6 ^ z7, t55 = z16 ^ z17;
    uint64_t t58 = z4 ^ t46, t59 = z3 ^ t54, t60 = t46 ^ t57;
    uint64_t t62 = t52 ^ t58, t63 = t49 ^ t58, t64 = z4 ^ t59, t65 = t61 ^ t62;
    uint64_t t66 = z1 ^ t63, t67 = t64 ^ t65;
    uint64_t s3 = t53 ^ t66;
    q[7] = t59 ^ t63;
    q[6] = ~(t64 ^ s3);
    q[5] = ~(t55 ^ t67);
    q[4] = s3;
    q[3] = t51 ^ t66;
    q[2] = t47 ^ t65;
    q[1] = ~(t56 ^ t62);
    q[0] = ~(t48 ^ t60);
}

/*
 * The inverse of the S-box's affine map, A^-1(y) = L(y) + 0x05 with
 * L: b_i = b_{i+2} + b_{i+5} + b_{i+7} (indices mod 8).
 */
static void inv_affine(uint64_t q[8])
{
    uint64_t r[8];
    for (unsigned i = 0; i < 8; i++)
        r[i] = q[(i + 2) & 7] ^ q[(i + 5) & 7] ^ q[(i + 7) & 7];
    r[0] = ~r[0];
    r[2] = ~r[2];
    memcpy(q, r, sizeof r);
}

/*
 * InvSubBytes. S = A o inv, so inv = A^-1 o S and S^-1 = inv o A^-1 =
 * A^-1 o S o A^-1: the forward circuit between two inverse affine maps.
 */
static void inv_sub_bytes(uint64_t q[8])
{
    inv_affine(q);
    sub_bytes(q);
    inv_affine(q);
}

/* Row r (bits 16r..16r+15) rotates right by 4r bits: rows 2 and 3 by 8, then rows 1 and 3 by 4. */
static inline uint64_t shift_rows_word(uint64_t x)
{
    x = swap_in_word(x, 0x00ff00ff00000000, 8);
    return (x & 0x0000ffff0000ffff) | ((x >> 4) & 0x0fff00000fff0000) |
           ((x << 12) & 0xf0000000f0000000);
}

static inline uint64_t inv_shift_rows_word(uint64_t x)
{
    x = swap_in_word(x, 0x00ff00ff00000000, 8);
    return (x & 0x0000ffff0000ffff) | ((x << 4) & 0xfff00000fff00000) |
           ((x >> 12) & 0x000f0000000f0000);
}

static void shift_rows(uint64_t q[8])
{
    for (unsigned i = 0; i < 8; i++)
        q[i] = shift_rows_word(q[i]);
}

static void inv_shift_rows(uint64_t q[8])
{
    for (unsigned i = 0; i < 8; i++)
        q[i] = inv_shift_rows_word(q[i]);
}

/*
 * The state moved up `rows` rows and left rows * u columns (mod 4), as
 * MixColumns needs it when the state is stored twisted by u (see
 * bs_encrypt): a rotation of the word, except that the d columns wrapping
 * around inside each row come from a rotation 16 bits shorter.
 */
ROUND_FN uint64_t rows_up(uint64_t x, unsigned rows, unsigned u)
{
    unsigned d = (rows * u) & 3, n = 16 * rows + 4 * d;
    if (d == 0)
        return avila_rotr64(x, n);
    uint64_t keep = (uint64_t)(0xffffu >> (4 * d)) * 0x0001000100010001;
    uint64_t a = avila_rotr64(x, n), b = avila_rotr64(x, n - 16);
    return b ^ ((a ^ b) & keep);
}

/*
 * MixColumns on a state stored twisted by u. Each output row i is
 * 2*a_i + 3*a_{i+1} + a_{i+2} + a_{i+3} = xtime(a_i + a_{i+1}) + a_{i+1} +
 * (a_{i+2} + a_{i+3}): r is the state one row up, d = q ^ r, and d two rows
 * up gives the last pair. xtime moves bit b to b + 1 and folds bit 7 into
 * bits 0, 1, 3, 4 (0x1b).
 */
ROUND_FN void mix_columns_twisted(uint64_t q[8], unsigned u)
{
    /* Plane by plane so that few values are live at once: each output needs
     * d of the plane below (xtime) and d7 (the reduction by 0x1b). */
    uint64_t r7 = rows_up(q[7], 1, u), d7 = q[7] ^ r7;
    uint64_t r, d, below;
    r = rows_up(q[0], 1, u);
    d = q[0] ^ r;
    q[0] = d7 ^ r ^ rows_up(d, 2, u);
    below = d;
    r = rows_up(q[1], 1, u);
    d = q[1] ^ r;
    q[1] = below ^ d7 ^ r ^ rows_up(d, 2, u);
    below = d;
    r = rows_up(q[2], 1, u);
    d = q[2] ^ r;
    q[2] = below ^ r ^ rows_up(d, 2, u);
    below = d;
    r = rows_up(q[3], 1, u);
    d = q[3] ^ r;
    q[3] = below ^ d7 ^ r ^ rows_up(d, 2, u);
    below = d;
    r = rows_up(q[4], 1, u);
    d = q[4] ^ r;
    q[4] = below ^ d7 ^ r ^ rows_up(d, 2, u);
    below = d;
    r = rows_up(q[5], 1, u);
    d = q[5] ^ r;
    q[5] = below ^ r ^ rows_up(d, 2, u);
    below = d;
    r = rows_up(q[6], 1, u);
    d = q[6] ^ r;
    q[6] = below ^ r ^ rows_up(d, 2, u);
    q[7] = d ^ r7 ^ rows_up(d7, 2, u);
}

/* Multiplies every byte by x (0x02) in GF(2^8). */
static void xtime_planes(uint64_t v[8])
{
    uint64_t h = v[7];
    v[7] = v[6];
    v[6] = v[5];
    v[5] = v[4];
    v[4] = v[3] ^ h;
    v[3] = v[2] ^ h;
    v[2] = v[1];
    v[1] = v[0] ^ h;
    v[0] = h;
}

/*
 * InvMixColumns = MixColumns o P where P maps a_i to 05*a_i + 04*a_{i+2}
 * (0e 0b 0d 09 = (02 03 01 01) * (05 00 04 00) as circulant matrices).
 */
static void inv_mix_columns(uint64_t q[8])
{
    uint64_t t[8];
    for (unsigned i = 0; i < 8; i++)
        t[i] = q[i] ^ avila_rotr64(q[i], 32);
    xtime_planes(t);
    xtime_planes(t);
    for (unsigned i = 0; i < 8; i++)
        q[i] ^= t[i];
    mix_columns_twisted(q, 0);
}

ROUND_FN void add_round_key(uint64_t q[8], const uint64_t sk[8])
{
    q[0] ^= sk[0];
    q[1] ^= sk[1];
    q[2] ^= sk[2];
    q[3] ^= sk[3];
    q[4] ^= sk[4];
    q[5] ^= sk[5];
    q[6] ^= sk[6];
    q[7] ^= sk[7];
}

/* One full round on a state twisted by u (ShiftRows left out: see bs_encrypt). */
ROUND_FN void twisted_round(uint64_t s[8], const uint64_t sk[8], unsigned u)
{
    sub_bytes(s);
    mix_columns_twisted(s, u);
    add_round_key(s, sk);
}

/* ShiftRows twice: rows 1 and 3 turn by half a row (rows 0 and 2 do not move). */
static void shift_rows_twice(uint64_t q[8])
{
    for (unsigned i = 0; i < 8; i++)
        q[i] = swap_in_word(q[i], 0x00ff000000ff0000, 8);
}

/*
 * Encrypts the four bitsliced blocks in q ("fixslicing", Adomnicai and
 * Peyrin 2020): ShiftRows is never applied. After round i the state is
 * stored twisted by u = i mod 4, the byte of row r and column c sitting in
 * column c + u*r; MixColumns fetches its rows from where they are
 * (mix_columns_twisted) and round key i is stored twisted the same way
 * (avila_aes_init). One fix-up at the end undoes the remaining twist:
 * rounds mod 4 is 2 for AES-128 and AES-256, 0 for AES-192. The state
 * lives in locals, i.e. registers.
 */
static void bs_encrypt(const struct avila_aes *k, uint64_t q[8])
{
    uint64_t s[8] = {q[0], q[1], q[2], q[3], q[4], q[5], q[6], q[7]};
    uint32_t r = 1, rounds = k->rounds;
    add_round_key(s, k->bs[0]);
    /* Four copies of the round, one per twist; a zeroed key (rounds 0) skips them all. */
    while (r < rounds) {
        twisted_round(s, k->bs[r], 1);
        if (++r == rounds)
            break;
        twisted_round(s, k->bs[r], 2);
        if (++r == rounds)
            break;
        twisted_round(s, k->bs[r], 3);
        if (++r == rounds)
            break;
        twisted_round(s, k->bs[r], 0);
        ++r;
    }
    sub_bytes(s);
    add_round_key(s, k->bs[rounds]);
    if (rounds % 4 == 2)
        shift_rows_twice(s);
    memcpy(q, s, sizeof s);
}

/* Round key r in the usual (untwisted) layout. */
static void plain_round_key(const struct avila_aes *k, uint32_t r, uint64_t sk[8])
{
    memcpy(sk, k->bs[r], sizeof k->bs[r]);
    for (uint32_t t = 0; t < r % 4; t++)
        shift_rows(sk);
}

/* The inverse cipher, straight (decryption is not on any fast path). */
static void bs_decrypt(const struct avila_aes *k, uint64_t q[8])
{
    uint64_t sk[8];
    plain_round_key(k, k->rounds, sk);
    add_round_key(q, sk);
    for (uint32_t r = k->rounds; r-- > 1;) {
        inv_shift_rows(q);
        inv_sub_bytes(q);
        plain_round_key(k, r, sk);
        add_round_key(q, sk);
        inv_mix_columns(q);
    }
    inv_shift_rows(q);
    inv_sub_bytes(q);
    add_round_key(q, k->bs[0]);
    avila_wipe(sk, sizeof sk);
}

/* ---------------------------------------------------------------- key schedule */

uint32_t avila_aes_sub_word(uint32_t w)
{
    /* After ortho, byte k of q[0] sits at bit 8k of the plane words; the
     * other lanes carry S(0) and are dropped. */
    uint64_t q[8] = {w, 0, 0, 0, 0, 0, 0, 0};
    ortho(q);
    sub_bytes(q);
    ortho(q);
    uint32_t r = (uint32_t)q[0];
    avila_wipe(q, sizeof q);
    return r;
}

int avila_aes_init(struct avila_aes *k, const uint8_t *key, size_t key_len)
{
    if (!k)
        return AVILA_EINVAL;
    memset(k, 0, sizeof *k);
    if (!key || (key_len != 16 && key_len != 24 && key_len != 32))
        return AVILA_EINVAL;

    /* FIPS 197 section 5.2, words little-endian so byte 0 is the low byte. */
    uint32_t w[4 * (AVILA_AES_MAX_ROUNDS + 1)];
    unsigned nk = (unsigned)(key_len / 4), total = 4 * (nk + 7);
    uint32_t rcon = 1;
    for (unsigned i = 0; i < nk; i++)
        w[i] = avila_load_le32(key + 4 * (size_t)i);
    for (unsigned i = nk; i < total; i++) {
        uint32_t t = w[i - 1];
        if (i % nk == 0) {
            t = avila_aes_sub_word((t >> 8) | (t << 24)) ^ rcon;
            rcon = (rcon << 1) ^ (0x11b & (0u - (rcon >> 7)));
        } else if (nk > 6 && i % nk == 4) {
            t = avila_aes_sub_word(t);
        }
        w[i] = w[i - nk] ^ t;
    }
    k->rounds = nk + 6;
    uint64_t q[8];
    for (unsigned r = 0; r <= k->rounds; r++) {
        for (unsigned j = 0; j < 4; j++)
            avila_store_le32(k->rk[r] + 4 * (size_t)j, w[4 * r + j]);
        for (unsigned j = 0; j < 4; j++)
            load_block(q, j, k->rk[r]);
        ortho(q);
        /* twisted by r mod 4 for bs_encrypt: ShiftRows undone that many times */
        for (unsigned t = 0; t < r % 4; t++)
            inv_shift_rows(q);
        memcpy(k->bs[r], q, sizeof q);
    }
    avila_wipe(w, sizeof w);
    avila_wipe(q, sizeof q);
    return 0;
}

void avila_aes_wipe(struct avila_aes *k)
{
    if (k)
        avila_wipe(k, sizeof *k);
}

/* ---------------------------------------------------------------- portable entry points */

static void portable_encrypt_block(const struct avila_aes *k, uint8_t out[16], const uint8_t in[16])
{
    uint64_t q[8] = {0};
    load_block(q, 0, in);
    ortho(q);
    bs_encrypt(k, q);
    ortho(q);
    store_block(out, q, 0);
    avila_wipe(q, sizeof q);
}

static void portable_decrypt_block(const struct avila_aes *k, uint8_t out[16], const uint8_t in[16])
{
    uint64_t q[8] = {0};
    load_block(q, 0, in);
    ortho(q);
    bs_decrypt(k, q);
    ortho(q);
    store_block(out, q, 0);
    avila_wipe(q, sizeof q);
}

static void portable_ctr(const struct avila_aes *k, uint8_t *out, const uint8_t *in, size_t n,
                         uint8_t counter[16])
{
    uint64_t q[8], w[2];
    uint8_t ks[64], blk[16];
    uint32_t c = avila_load_be32(counter + 12);
    /* Bytes 0-3 and 8-11 feed the even words, which stay the same for every block. */
    memcpy(blk, counter, 16);
    uint64_t even = even_word(blk);
    while (n > 0) {
        for (unsigned j = 0; j < 4; j++) {
            avila_store_be32(blk + 12, c + j);
            q[j] = even;
            q[j + 4] = odd_word(blk);
        }
        ortho(q);
        bs_encrypt(k, q);
        ortho(q);
        size_t m = n < 64 ? n : 64;
        if (m == 64) {
            for (size_t j = 0; j < 4; j++, in += 16, out += 16) {
                block_words(q, j, w);
                avila_store_le64(out, avila_load_le64(in) ^ w[0]);
                avila_store_le64(out + 8, avila_load_le64(in + 8) ^ w[1]);
            }
        } else {
            for (size_t j = 0; j < 4; j++)
                store_block(ks + 16 * j, q, j);
            for (size_t i = 0; i < m; i++)
                out[i] = in[i] ^ ks[i];
            in += m;
            out += m;
        }
        c += (uint32_t)((m + 15) / 16);
        n -= m;
    }
    avila_store_be32(counter + 12, c);
    avila_wipe(q, sizeof q);
    avila_wipe(w, sizeof w);
    avila_wipe(ks, sizeof ks);
}

const struct avila_aes_impl avila_aes_portable = {
    .name = "portable",
    .needs = 0,
    .encrypt_block = portable_encrypt_block,
    .decrypt_block = portable_decrypt_block,
    .ctr = portable_ctr,
};

/* ---------------------------------------------------------------- dispatch */

const struct avila_aes_impl *const avila_aes_impls[] = {
#if AVILA_X86_64
    &avila_aes_vaes512,
    &avila_aes_aesni,
#endif
    &avila_aes_portable,
    NULL,
};

const struct avila_aes_impl *avila_aes_pick(void)
{
    uint32_t have = avila_cpu_features();
    for (size_t i = 0; avila_aes_impls[i]; i++)
        if ((avila_aes_impls[i]->needs & have) == avila_aes_impls[i]->needs)
            return avila_aes_impls[i];
    return &avila_aes_portable;
}

void avila_aes_encrypt_block(const struct avila_aes *k, uint8_t out[16], const uint8_t in[16])
{
    avila_aes_pick()->encrypt_block(k, out, in);
}

void avila_aes_decrypt_block(const struct avila_aes *k, uint8_t out[16], const uint8_t in[16])
{
    avila_aes_pick()->decrypt_block(k, out, in);
}

void avila_aes_ctr(const struct avila_aes *k, uint8_t *out, const uint8_t *in, size_t n,
                   uint8_t counter[16])
{
    if (n > 0)
        avila_aes_pick()->ctr(k, out, in, n, counter);
}

const char *avila_aes_impl(void)
{
    return avila_aes_pick()->name;
}
