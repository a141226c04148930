/*
 * data/lsm_bloom.c - the per-table bloom filter (format in
 * data/lsm_bloom.h). Pure. Bloom, "Space/time trade-offs in hash coding
 * with allowable errors" (CACM 1970); probes by double hashing as in
 * Kirsch and Mitzenmacher, "Less hashing, same performance" (2006).
 */
#include "data/lsm_bloom.h"

#include "core/hash.h"

#define MIN_BITS 64

_Static_assert(AVILA_LSM_BLOOM_MAX_BIT_BYTES * 8 <= UINT32_MAX + (size_t)1, "m fits 32 bits");

uint64_t avila_lsm_bloom_hash(struct avila_slice user_key)
{
    return avila_xxh3_64(user_key.ptr, user_key.len, 0);
}

/* Probes for bits_per_key: round(bpk * ln 2), ln 2 ~ 0.6931, clamped to 1..30. */
static unsigned probes(unsigned bits_per_key)
{
    unsigned k = (bits_per_key * 6931 + 5000) / 10000;
    if (k < 1)
        k = 1;
    if (k > AVILA_LSM_BLOOM_MAX_PROBES)
        k = AVILA_LSM_BLOOM_MAX_PROBES;
    return k;
}

/* Bit bytes for n keys, or 0 if too many. */
static size_t bit_bytes(size_t n, unsigned bits_per_key)
{
    if (n > AVILA_LSM_BLOOM_MAX_BIT_BYTES * 8 / bits_per_key)
        return 0;
    size_t bits = n * bits_per_key;
    if (bits < MIN_BITS)
        bits = MIN_BITS;
    size_t bytes = (bits + 7) / 8;
    return bytes <= AVILA_LSM_BLOOM_MAX_BIT_BYTES ? bytes : 0;
}

size_t avila_lsm_bloom_size(size_t n, unsigned bits_per_key)
{
    if (bits_per_key == 0 || bits_per_key > AVILA_LSM_BLOOM_MAX_BITS_PER_KEY)
        return 0;
    size_t b = bit_bytes(n, bits_per_key);
    return b != 0 ? b + 1 : 0;
}

/* Bit index of a 32-bit probe value in a filter of m bits. */
static uint32_t reduce(uint32_t x, uint64_t m)
{
    return (uint32_t)(((uint64_t)x * m) >> 32);
}

static void add_hash(uint8_t *bits, uint64_t m, unsigned k, uint64_t h)
{
    uint32_t a = (uint32_t)h, d = (uint32_t)(h >> 32);
    for (unsigned j = 0; j < k; j++) {
        uint32_t bit = reduce(a, m);
        bits[bit >> 3] |= (uint8_t)(1u << (bit & 7));
        a += d;
    }
}

/*
 * Reserves and zeroes a filter for n keys at the end of out (not yet
 * committed): *bits, *bytes (bit bytes) and *k. Returns 0 or an error.
 */
static int start(struct avila_buf *out, const void *list, size_t n, unsigned *bits_per_key,
                 uint8_t **bits, size_t *bytes)
{
    if (*bits_per_key == 0)
        *bits_per_key = AVILA_LSM_BLOOM_DEFAULT_BITS_PER_KEY;
    if (*bits_per_key > AVILA_LSM_BLOOM_MAX_BITS_PER_KEY || (list == NULL && n > 0))
        return AVILA_EINVAL;
    *bytes = bit_bytes(n, *bits_per_key);
    if (*bytes == 0)
        return AVILA_ELIMIT;
    int rc = avila_buf_reserve(out, *bytes + 1);
    if (rc != 0)
        return rc;
    /* Written in place after the reservation, then committed by finish(). */
    *bits = out->data + out->len;
    memset(*bits, 0, *bytes);
    return 0;
}

static void finish(struct avila_buf *out, uint8_t *bits, size_t bytes, unsigned k)
{
    bits[bytes] = (uint8_t)k;
    out->len += bytes + 1;
}

int avila_lsm_bloom_build(struct avila_buf *out, const uint64_t *hashes, size_t n,
                          unsigned bits_per_key)
{
    uint8_t *bits;
    size_t bytes;
    int rc = start(out, hashes, n, &bits_per_key, &bits, &bytes);
    if (rc != 0)
        return rc;
    unsigned k = probes(bits_per_key);
    for (size_t i = 0; i < n; i++)
        add_hash(bits, (uint64_t)bytes * 8, k, hashes[i]);
    finish(out, bits, bytes, k);
    return 0;
}

int avila_lsm_bloom_build_keys(struct avila_buf *out, const struct avila_slice *keys, size_t n,
                               unsigned bits_per_key)
{
    uint8_t *bits;
    size_t bytes;
    int rc = start(out, keys, n, &bits_per_key, &bits, &bytes);
    if (rc != 0)
        return rc;
    unsigned k = probes(bits_per_key);
    for (size_t i = 0; i < n; i++)
        add_hash(bits, (uint64_t)bytes * 8, k, avila_lsm_bloom_hash(keys[i]));
    finish(out, bits, bytes, k);
    return 0;
}

bool avila_lsm_bloom_may_match(const uint8_t *filter, size_t len, uint64_t hash)
{
    if (filter == NULL || len < 2 || len - 1 > AVILA_LSM_BLOOM_MAX_BIT_BYTES)
        return true;
    unsigned k = filter[len - 1];
    if (k == 0 || k > AVILA_LSM_BLOOM_MAX_PROBES)
        return true;
    uint64_t m = (uint64_t)(len - 1) * 8;
    uint32_t a = (uint32_t)hash, d = (uint32_t)(hash >> 32);
    for (unsigned j = 0; j < k; j++) {
        uint32_t bit = reduce(a, m);
        if ((filter[bit >> 3] & (1u << (bit & 7))) == 0)
            return false;
        a += d;
    }
    return true;
}

bool avila_lsm_bloom_may_match_key(const uint8_t *filter, size_t len, struct avila_slice user_key)
{
    return avila_lsm_bloom_may_match(filter, len, avila_lsm_bloom_hash(user_key));
}
