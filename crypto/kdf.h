/*
 * crypto/kdf.h - key derivation: HKDF (RFC 5869), PBKDF2 (RFC 8018 section
 * 5.2), scrypt (RFC 7914) and Argon2 (RFC 9106: Argon2id, plus Argon2i and
 * Argon2d).
 *
 * HKDF and PBKDF2 work with any hash descriptor HMAC accepts
 * (crypto/hmac.h). scrypt and Argon2 are memory-hard: the caller hands in
 * the work area (no allocation here), sized by AVILA_SCRYPT_WORK_SIZE and
 * AVILA_ARGON2_WORK_SIZE; it may have any alignment (the functions align
 * inside it) and holds secret-derived data afterwards, which the functions
 * wipe before returning, so a large area costs a second pass over memory.
 *
 * Constant time: HKDF and PBKDF2 run in time that depends on lengths and
 * the iteration count only. scrypt's ROMix and Argon2d index memory with
 * values derived from the password, by design (that is what makes them
 * memory-hard); Argon2i never does; Argon2id does in the second half of its
 * first pass and in later passes, so its constant-time guarantee covers the
 * keying (H0 from the password, the first blocks, the data-independent first
 * half of pass 0) only. tests/ct/ct_kdf.c checks HMAC, HKDF, PBKDF2,
 * scrypt's BlockMix, Argon2's H0, H' and G, and the whole of Argon2i (the
 * same code as Argon2id's first half-pass).
 *
 * Everything here is pure and single-threaded: Argon2's lanes are computed
 * one after the other (the result is the one the RFC's parallel schedule
 * gives), so parallelism > 1 changes the output but not the speed.
 */
#ifndef AVILA_CRYPTO_KDF_H
#define AVILA_CRYPTO_KDF_H

#include "core/platform.h"
#include "crypto/digest.h"

/* ------------------------------------------------------------------ HKDF */

/*
 * HKDF-Extract (RFC 5869 section 2.2): prk (d->digest_len bytes) =
 * HMAC-Hash(salt, ikm). An absent salt (salt_len 0, salt may then be NULL)
 * is the RFC's string of digest_len zeros: HMAC pads both to the same key.
 * prk may overlap the inputs. Returns 0, or AVILA_EINVAL if HMAC refuses d
 * (prk untouched).
 */
int avila_hkdf_extract(const struct avila_digest *d, uint8_t *prk, const void *salt,
                       size_t salt_len, const void *ikm, size_t ikm_len);

/*
 * HKDF-Expand (RFC 5869 section 2.3): writes okm_len bytes of output keying
 * material to okm from the prk_len-byte pseudorandom key prk and the
 * info_len bytes of context info (NULL allowed when info_len is 0).
 * prk_len MUST be at least d->digest_len (the RFC's "at least HashLen
 * octets") and okm_len at most 255 * d->digest_len; okm_len 0 writes
 * nothing. okm may overlap prk (the key is absorbed before any output is
 * written) but MUST NOT overlap info. Returns 0 or AVILA_EINVAL (okm
 * untouched).
 */
int avila_hkdf_expand(const struct avila_digest *d, uint8_t *okm, size_t okm_len,
                      const uint8_t *prk, size_t prk_len, const void *info, size_t info_len);

/*
 * Extract then expand: okm_len bytes to okm from ikm, salt and info, as
 * above (the intermediate PRK is wiped). okm MUST NOT overlap info; it may
 * overlap salt and ikm. Returns 0 or AVILA_EINVAL (okm untouched).
 */
int avila_hkdf(const struct avila_digest *d, uint8_t *okm, size_t okm_len, const void *salt,
               size_t salt_len, const void *ikm, size_t ikm_len, const void *info, size_t info_len);

/* ---------------------------------------------------------------- PBKDF2 */

/*
 * PBKDF2 with HMAC-d as the PRF (RFC 8018 section 5.2): out_len bytes to
 * out from the pw_len-byte password and the salt_len-byte salt, iterating
 * `iterations` times. out_len MUST be 1 .. (2^32 - 1) * d->digest_len and
 * iterations at least 1. out MUST NOT overlap salt (it may overlap pw,
 * which is absorbed first). Returns 0, or AVILA_EINVAL for out-of-range
 * parameters or a d HMAC refuses (out untouched).
 */
int avila_pbkdf2(const struct avila_digest *d, uint8_t *out, size_t out_len, const void *pw,
                 size_t pw_len, const void *salt, size_t salt_len, uint32_t iterations);

/* ---------------------------------------------------------------- scrypt */

/*
 * Bytes of work area avila_scrypt needs for (N, r, p): V (128 * r * N), the
 * PBKDF2 block B (128 * r * p), ROMix's X and Y (256 * r), plus 64 bytes so
 * the area can be aligned inside. Evaluates its arguments more than once and
 * does not check overflow (avila_scrypt does): use it with sane values.
 */
#define AVILA_SCRYPT_WORK_SIZE(N, r, p)                                                            \
    ((size_t)128 * (size_t)(r) * ((size_t)(N) + (size_t)(p) + 2) + 64)

/*
 * scrypt (RFC 7914 section 6) with PBKDF2-HMAC-SHA256: out_len bytes to out
 * from the password and salt, cost N (a power of two > 1, and < 2^(16 r) as
 * the RFC requires), block size r >= 1 and parallelism p >= 1 with
 * r * p < 2^30. work (work_size bytes, any alignment) is the caller's
 * scratch memory, AVILA_SCRYPT_WORK_SIZE(N, r, p) bytes at least; it is
 * wiped before returning. out_len MUST be at least 1; out MUST NOT overlap
 * work or salt. The p lanes are computed one after the other. Returns 0,
 * AVILA_EINVAL for parameters outside those ranges or sizes that overflow,
 * or AVILA_ENOSPC if work is too small (out untouched on every error).
 */
int avila_scrypt(uint8_t *out, size_t out_len, const void *pw, size_t pw_len, const void *salt,
                 size_t salt_len, uint64_t N, uint32_t r, uint32_t p, void *work, size_t work_size);

/* ---------------------------------------------------------------- Argon2 */

/* Argon2 cost parameters and optional inputs (RFC 9106 section 3.1). */
struct avila_argon2_params {
    uint32_t t_cost;      /* passes over memory: 1 or more */
    uint32_t m_cost_kib;  /* memory in KiB (1 KiB blocks): 8 * parallelism or more */
    uint32_t parallelism; /* lanes: 1 .. 2^24 - 1 */
    const void *secret;   /* the optional secret key K (may be NULL when secret_len is 0) */
    size_t secret_len;    /* 0 .. 2^32 - 1 */
    const void *ad;       /* the optional associated data X (may be NULL when ad_len is 0) */
    size_t ad_len;        /* 0 .. 2^32 - 1 */
};

/*
 * Bytes of work area Argon2 needs for m_cost_kib: the RFC's m' blocks of
 * 1024 bytes, where m' = 4 * p * floor(m / (4 * p)) <= m_cost_kib (so this
 * bound holds for every parallelism), plus 64 bytes so the area can be
 * aligned inside.
 */
#define AVILA_ARGON2_WORK_SIZE(m_cost_kib) ((size_t)(m_cost_kib)*1024 + 64)

/*
 * Argon2id version 0x13 (RFC 9106 section 3): out_len bytes (tag length
 * T, 4 .. 2^32 - 1) to out from the password (0 .. 2^32 - 1 bytes), the salt
 * (8 .. 2^32 - 1 bytes; 16 random bytes recommended) and *p, whose secret
 * and ad pointers are only read during the call. work (work_size bytes, any
 * alignment, AVILA_ARGON2_WORK_SIZE(p->m_cost_kib) at least) is the
 * caller's scratch memory; it is wiped before returning. out MUST NOT overlap
 * work or the inputs. Returns 0, AVILA_EINVAL for a parameter outside the
 * RFC's ranges (salt < 8 bytes, out_len < 4, t_cost 0, parallelism 0 or
 * >= 2^24, m_cost_kib < 8 * parallelism, a length > 2^32 - 1) or a NULL
 * secret or ad with a non-zero length, or
 * AVILA_ENOSPC if work is too small (out untouched on every error).
 */
int avila_argon2id(uint8_t *out, size_t out_len, const void *pw, size_t pw_len, const void *salt,
                   size_t salt_len, const struct avila_argon2_params *p, void *work,
                   size_t work_size);

/*
 * Argon2i (data-independent memory access throughout: constant-time in the
 * password) and Argon2d (data-dependent throughout: fastest against
 * time-memory trade-offs, but leaks access patterns), same contract as
 * avila_argon2id. Prefer Argon2id for password hashing (RFC 9106 section 4).
 */
int avila_argon2i(uint8_t *out, size_t out_len, const void *pw, size_t pw_len, const void *salt,
                  size_t salt_len, const struct avila_argon2_params *p, void *work,
                  size_t work_size);
int avila_argon2d(uint8_t *out, size_t out_len, const void *pw, size_t pw_len, const void *salt,
                  size_t salt_len, const struct avila_argon2_params *p, void *work,
                  size_t work_size);

/* The compression-function kernel the dispatcher picks now ("avx512", "avx2", "portable"). */
const char *avila_argon2_impl(void);

#endif
