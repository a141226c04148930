/*
 * core/siphash.c - SipHash-2-4, SipHash-1-3 and streaming SipHash-c-d.
 *
 * Implements J.-P. Aumasson and D. J. Bernstein, "SipHash: a fast
 * short-input PRF" (INDOCRYPT 2012), section 2: initialization with the
 * four "somepseudorandomlygeneratedbytes" constants, compression of each
 * little-endian 8-byte word with c SipRounds, a last word carrying the
 * length modulo 256 in its top byte, then 0xff into v2 and d SipRounds.
 * Pure, portable C: SipHash is serial, so there is no SIMD variant.
 */
#include "core/bits.h"
#include "core/endian.h"
#include "core/hash.h"

struct sip {
    uint64_t v0, v1, v2, v3;
};

static inline void sip_round(struct sip *s)
{
    s->v0 += s->v1;
    s->v1 = avila_rotl64(s->v1, 13);
    s->v1 ^= s->v0;
    s->v0 = avila_rotl64(s->v0, 32);
    s->v2 += s->v3;
    s->v3 = avila_rotl64(s->v3, 16);
    s->v3 ^= s->v2;
    s->v0 += s->v3;
    s->v3 = avila_rotl64(s->v3, 21);
    s->v3 ^= s->v0;
    s->v2 += s->v1;
    s->v1 = avila_rotl64(s->v1, 17);
    s->v1 ^= s->v2;
    s->v2 = avila_rotl64(s->v2, 32);
}

static inline void sip_init(struct sip *s, const uint8_t key[16])
{
    uint64_t k0 = avila_load_le64(key), k1 = avila_load_le64(key + 8);
    s->v0 = k0 ^ 0x736f6d6570736575ull;
    s->v1 = k1 ^ 0x646f72616e646f6dull;
    s->v2 = k0 ^ 0x6c7967656e657261ull;
    s->v3 = k1 ^ 0x7465646279746573ull;
}

/* Always inlined so the one-shot functions get their round loops unrolled. */
static inline __attribute__((always_inline)) void sip_absorb(struct sip *s, uint64_t m, int c)
{
    s->v3 ^= m;
    for (int r = 0; r < c; r++)
        sip_round(s);
    s->v0 ^= m;
}

static inline __attribute__((always_inline)) uint64_t sip_finish(struct sip *s, int d)
{
    s->v2 ^= 0xff;
    for (int r = 0; r < d; r++)
        sip_round(s);
    return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

/*
 * The r < 8 bytes at p[i..] as a little-endian word. Overlapping loads cover
 * every length without a byte loop: the overlapping bytes land on the same
 * positions with the same values, so OR-ing them is harmless.
 */
static inline uint64_t load_tail(const uint8_t *p, size_t i, size_t r)
{
    if (r >= 4)
        return avila_load_le32(p + i) | (uint64_t)avila_load_le32(p + i + r - 4) << (8 * (r - 4));
    if (r == 0)
        return 0;
    return p[i] | (uint64_t)p[i + r / 2] << (8 * (r / 2)) | (uint64_t)p[i + r - 1] << (8 * (r - 1));
}

/* Indexes instead of advancing p, so a NULL p with n == 0 is never offset. */
static inline __attribute__((always_inline)) uint64_t
sip_oneshot(const uint8_t key[16], const uint8_t *p, size_t n, int c, int d)
{
    struct sip s;
    sip_init(&s, key);
    size_t i = 0;
    for (; n - i >= 8; i += 8)
        sip_absorb(&s, avila_load_le64(p + i), c);
    sip_absorb(&s, (uint64_t)n << 56 | load_tail(p, i, n - i), c);
    return sip_finish(&s, d);
}

uint64_t avila_siphash24(const uint8_t key[16], const void *data, size_t n)
{
    return sip_oneshot(key, data, n, 2, 4);
}

uint64_t avila_siphash13(const uint8_t key[16], const void *data, size_t n)
{
    return sip_oneshot(key, data, n, 1, 3);
}

static uint8_t clamp_rounds(int r)
{
    if (r < 1)
        return 1;
    if (r > AVILA_SIPHASH_MAX_ROUNDS)
        return AVILA_SIPHASH_MAX_ROUNDS;
    return (uint8_t)r;
}

_Static_assert(AVILA_SIPHASH_MAX_ROUNDS <= UINT8_MAX, "round counts are stored in a uint8_t");

void avila_siphash_init(struct avila_siphash *s, const uint8_t key[16], int c_rounds, int d_rounds)
{
    struct sip v;
    sip_init(&v, key);
    s->v[0] = v.v0;
    s->v[1] = v.v1;
    s->v[2] = v.v2;
    s->v[3] = v.v3;
    s->tail = 0;
    s->len = 0;
    s->c_rounds = clamp_rounds(c_rounds);
    s->d_rounds = clamp_rounds(d_rounds);
}

static struct sip sip_load(const struct avila_siphash *s)
{
    return (struct sip){s->v[0], s->v[1], s->v[2], s->v[3]};
}

static void sip_store(struct avila_siphash *s, const struct sip *v)
{
    s->v[0] = v->v0;
    s->v[1] = v->v1;
    s->v[2] = v->v2;
    s->v[3] = v->v3;
}

void avila_siphash_update(struct avila_siphash *s, const void *data, size_t n)
{
    const uint8_t *p = data;
    unsigned have = (unsigned)(s->len & 7);
    size_t i = 0;
    struct sip v = sip_load(s);
    s->len += n;
    if (have != 0) {
        while (have < 8 && i < n)
            s->tail |= (uint64_t)p[i++] << (8 * have++);
        if (have < 8)
            return;
        sip_absorb(&v, s->tail, s->c_rounds);
        s->tail = 0;
    }
    for (; n - i >= 8; i += 8)
        sip_absorb(&v, avila_load_le64(p + i), s->c_rounds);
    /* The pending word was emptied above, so the remainder starts at byte 0. */
    s->tail = load_tail(p, i, n - i);
    sip_store(s, &v);
}

uint64_t avila_siphash_final(const struct avila_siphash *s)
{
    struct sip v = sip_load(s);
    sip_absorb(&v, s->len << 56 | s->tail, s->c_rounds);
    return sip_finish(&v, s->d_rounds);
}
