/*
 * data/lsm_bloom.h - the LSM store's per-table bloom filter over user keys.
 * Pure (core only).
 *
 * Format (on disk): m filter bits in ceil(m/8) bytes (bit i is bit i % 8 of
 * byte i / 8), then one byte k, the number of probes. A key's probes come
 * from one 64-bit hash, h = XXH3-64(user key, seed 0) (core/hash.h), by
 * double hashing: with a = low 32 bits of h and d = high 32 bits, probe j
 * (0 <= j < k) sets bit ((a + j * d) mod 2^32) * m / 2^32 (a multiply and
 * shift in place of a modulo). m is a multiple of 8, at least 64 and below
 * 2^32.
 *
 * Sizing: m = n * bits_per_key (at least 64), k = round(bits_per_key *
 * ln 2) clamped to 1..30; 10 bits per key give k = 7 and about 1% false
 * positives.
 *
 * A query on a filter that is malformed (empty, no bit bytes, k = 0 or
 * k > 30, too long) answers "may match": a damaged filter costs reads,
 * never a missed key. A key that was added always matches (no false
 * negatives).
 */
#ifndef AVILA_DATA_LSM_BLOOM_H
#define AVILA_DATA_LSM_BLOOM_H

#include <stdbool.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/platform.h"

#define AVILA_LSM_BLOOM_DEFAULT_BITS_PER_KEY 10
#define AVILA_LSM_BLOOM_MAX_BITS_PER_KEY     64
#define AVILA_LSM_BLOOM_MAX_PROBES           30
/* Largest filter (bits bytes, without the k byte): m stays below 2^32. */
#define AVILA_LSM_BLOOM_MAX_BIT_BYTES ((size_t)1 << 29)

/* The 64-bit hash of a user key that the filter uses (the bytes are read during the call). */
uint64_t avila_lsm_bloom_hash(struct avila_slice user_key);

/*
 * The bytes a filter for n keys at bits_per_key takes (bits and the k byte),
 * or 0 if that is beyond AVILA_LSM_BLOOM_MAX_BIT_BYTES or bits_per_key is 0
 * or beyond AVILA_LSM_BLOOM_MAX_BITS_PER_KEY.
 */
size_t avila_lsm_bloom_size(size_t n, unsigned bits_per_key);

/*
 * Appends to out the filter of the n key hashes at hashes (from
 * avila_lsm_bloom_hash; read during the call; duplicates are fine), sized
 * for bits_per_key (0 = the default 10). Returns 0; AVILA_EINVAL if
 * bits_per_key is beyond AVILA_LSM_BLOOM_MAX_BITS_PER_KEY or hashes is NULL
 * with n > 0; AVILA_ELIMIT if the filter would pass
 * AVILA_LSM_BLOOM_MAX_BIT_BYTES; out's errors (then out is unchanged).
 */
int avila_lsm_bloom_build(struct avila_buf *out, const uint64_t *hashes, size_t n,
                          unsigned bits_per_key);

/* As avila_lsm_bloom_build, from the n user keys at keys (hashing each). */
int avila_lsm_bloom_build_keys(struct avila_buf *out, const struct avila_slice *keys, size_t n,
                               unsigned bits_per_key);

/*
 * False only if the key with this hash was certainly not added to the filter
 * at filter[0 .. len) (read during the call). Malformed filters answer true.
 */
bool avila_lsm_bloom_may_match(const uint8_t *filter, size_t len, uint64_t hash);

/* avila_lsm_bloom_may_match for a user key. */
bool avila_lsm_bloom_may_match_key(const uint8_t *filter, size_t len, struct avila_slice user_key);

#endif
