/*
 * tools/fuzz/fuzz_hmac.c - libFuzzer harness for HMAC (RFC 2104, FIPS 198-1;
 * crypto/hmac.h) through every descriptor of crypto/digest.h, above all
 * avila_hmac_verify with hostile tags and tag lengths.
 *
 * Input: byte 0 picks the descriptor (BLAKE3 included: HMAC must refuse it),
 * byte 1 is the key length, byte 2 the tag length given to verify (any
 * value: out of [AVILA_HMAC_MIN_TAG_LEN, digest_len] must be refused), byte
 * 3 where to split the message for incremental updates, 2 bytes a bit
 * position (little-endian), then a guessed tag (64 bytes), the key, and the
 * message (the rest); missing bytes read as zero. Checked, trapping on any
 * violation:
 *   - the MAC equals a model built on the descriptor alone from RFC 2104
 *     section 2, with the fast hash paths and with the portable ones;
 *   - one shot, two pieces, a copied keyed context (hmac_int.h) and a call
 *     whose output overlaps the message all agree;
 *   - RFC 2104's key rules hold: a key padded with a zero byte (up to the
 *     block length) and a long key replaced by its hash give the same MAC;
 *   - verify accepts the real tag truncated to any allowed length, refuses
 *     every length outside the allowed range with AVILA_EINVAL, accepts a
 *     guessed tag exactly when it equals the MAC's prefix, and refuses the
 *     real tag with any one bit flipped with AVILA_EAUTH;
 *   - a descriptor HMAC cannot hold (BLAKE3) is refused by init, the one-shot
 *     call (output untouched) and verify.
 * Tags are copied to buffers of exactly their length, so AddressSanitizer
 * sees any over-read.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/cpu.h"
#include "core/endian.h"
#include "core/error.h"
#include "crypto/digest.h"
#include "crypto/hmac.h"
#include "crypto/hmac_int.h"

/* Bytes of the guessed tag; also the size of every tag buffer verify() copies from. */
#define GUESS_LEN AVILA_DIGEST_MAX_LEN

static void require(int cond)
{
    if (!cond)
        __builtin_trap();
}

static const struct avila_digest *const digests[] = {
    &avila_digest_sha224,     &avila_digest_sha256,     &avila_digest_sha384,
    &avila_digest_sha512,     &avila_digest_sha512_256, &avila_digest_sha3_224,
    &avila_digest_sha3_256,   &avila_digest_sha3_384,   &avila_digest_sha3_512,
    &avila_digest_blake2b512, &avila_digest_blake2s256, &avila_digest_blake3,
};

struct input {
    const uint8_t *p;
    size_t n, off;
};

/* Copies the next len bytes, zero-filling past the end of the input. */
static void take(struct input *in, uint8_t *out, size_t len)
{
    for (size_t i = 0; i < len; i++, in->off++)
        out[i] = in->off < in->n ? in->p[in->off] : 0;
}

/* RFC 2104 section 2 from the descriptor's own init/update/final. */
static void model(const struct avila_digest *d, const uint8_t *key, size_t key_len,
                  const uint8_t *msg, size_t n, uint8_t *out)
{
    uint8_t k0[AVILA_DIGEST_MAX_BLOCK] = {0}, pad[AVILA_DIGEST_MAX_BLOCK];
    uint8_t inner[AVILA_DIGEST_MAX_LEN];
    struct avila_digest_ctx c;
    if (key_len > d->block_len)
        require(avila_digest(d, key, key_len, k0) == 0);
    else
        memcpy(k0, key, key_len);
    for (size_t i = 0; i < d->block_len; i++)
        pad[i] = k0[i] ^ 0x36;
    d->init(&c);
    d->update(&c, pad, d->block_len);
    d->update(&c, msg, n);
    d->final(&c, inner);
    for (size_t i = 0; i < d->block_len; i++)
        pad[i] = k0[i] ^ 0x5c;
    d->init(&c);
    d->update(&c, pad, d->block_len);
    d->update(&c, inner, d->digest_len);
    d->final(&c, out);
}

/*
 * avila_hmac_verify on a copy of tag (GUESS_LEN bytes, zero-extended for
 * longer tag_len) in a buffer of exactly tag_len bytes.
 */
static int verify(const struct avila_digest *d, const uint8_t *key, size_t key_len,
                  const uint8_t *msg, size_t n, const uint8_t *tag, size_t tag_len)
{
    uint8_t *exact = calloc(tag_len ? tag_len : 1, 1);
    require(exact != NULL);
    memcpy(exact, tag, tag_len < GUESS_LEN ? tag_len : GUESS_LEN);
    int rc = avila_hmac_verify(d, key, key_len, msg, n, exact, tag_len);
    free(exact);
    return rc;
}

/* The MAC computed every way the API allows; all must agree with want. */
static void check_mac(const struct avila_digest *d, const uint8_t *key, size_t key_len,
                      const uint8_t *msg, size_t n, size_t split, const uint8_t *want)
{
    uint8_t got[AVILA_DIGEST_MAX_LEN];
    struct avila_hmac h, h2;
    require(avila_hmac(d, key, key_len, msg, n, got) == 0);
    require(memcmp(got, want, d->digest_len) == 0);

    require(avila_hmac_init(&h, d, key, key_len) == 0);
    avila_hmac_copy(&h2, &h);
    avila_hmac_update(&h, msg, split);
    avila_hmac_update(&h, msg + split, n - split);
    avila_hmac_final(&h, got);
    require(memcmp(got, want, d->digest_len) == 0);
    avila_hmac_update(&h2, msg, n);
    avila_hmac_final(&h2, got);
    require(memcmp(got, want, d->digest_len) == 0);

    /* out may overlap msg: the message is read before the MAC is written. */
    uint8_t *buf = malloc(n > AVILA_DIGEST_MAX_LEN ? n : AVILA_DIGEST_MAX_LEN);
    require(buf != NULL);
    memcpy(buf, msg, n);
    require(avila_hmac(d, key, key_len, buf, n, buf) == 0);
    require(memcmp(buf, want, d->digest_len) == 0);
    free(buf);
}

/* RFC 2104's key rules: zero padding to the block length, and hashing of long keys. */
static void check_key_rules(const struct avila_digest *d, const uint8_t *key, size_t key_len,
                            const uint8_t *msg, size_t n, const uint8_t *want)
{
    uint8_t alt[AVILA_DIGEST_MAX_BLOCK + 1], got[AVILA_DIGEST_MAX_LEN];
    size_t alt_len;
    if (key_len < d->block_len) {
        memcpy(alt, key, key_len);
        alt[key_len] = 0;
        alt_len = key_len + 1;
    } else if (key_len > d->block_len) {
        require(avila_digest(d, key, key_len, alt) == 0);
        alt_len = d->digest_len;
    } else {
        return;
    }
    require(avila_hmac(d, alt, alt_len, msg, n, got) == 0);
    require(memcmp(got, want, d->digest_len) == 0);
}

static void check_verify(const struct avila_digest *d, const uint8_t *key, size_t key_len,
                         const uint8_t *msg, size_t n, const uint8_t *mac, const uint8_t *guess,
                         size_t tag_len, unsigned bit)
{
    int in_range = tag_len >= AVILA_HMAC_MIN_TAG_LEN && tag_len <= d->digest_len;
    if (!in_range) {
        require(verify(d, key, key_len, msg, n, mac, tag_len) == AVILA_EINVAL);
        require(verify(d, key, key_len, msg, n, guess, tag_len) == AVILA_EINVAL);
        return;
    }
    require(verify(d, key, key_len, msg, n, mac, tag_len) == 0);
    int right = memcmp(guess, mac, tag_len) == 0;
    require(verify(d, key, key_len, msg, n, guess, tag_len) == (right ? 0 : AVILA_EAUTH));

    uint8_t bad[AVILA_DIGEST_MAX_LEN];
    memcpy(bad, mac, tag_len);
    bit %= 8 * (unsigned)tag_len;
    bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    require(verify(d, key, key_len, msg, n, bad, tag_len) == AVILA_EAUTH);
}

/* A descriptor whose context HMAC cannot hold: refused everywhere, nothing written. */
static void check_refused(const struct avila_digest *d, const uint8_t *key, size_t key_len,
                          const uint8_t *msg, size_t n, const uint8_t *guess, size_t tag_len)
{
    struct avila_hmac h;
    uint8_t out[AVILA_DIGEST_MAX_LEN];
    memset(out, 0xee, sizeof out);
    require(avila_hmac_init(&h, d, key, key_len) == AVILA_EINVAL);
    require(avila_hmac(d, key, key_len, msg, n, out) == AVILA_EINVAL);
    for (size_t i = 0; i < sizeof out; i++)
        require(out[i] == 0xee);
    require(verify(d, key, key_len, msg, n, guess, tag_len) == AVILA_EINVAL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = {data, size, 0};
    uint8_t head[6], guess[GUESS_LEN], key[255];
    take(&in, head, sizeof head);
    const struct avila_digest *d = digests[head[0] % (sizeof digests / sizeof digests[0])];
    size_t key_len = head[1], tag_len = head[2];
    unsigned bit = avila_load_le16(head + 4);
    take(&in, guess, sizeof guess);
    take(&in, key, key_len);
    const uint8_t *msg = in.off < size ? data + in.off : data;
    size_t n = in.off < size ? size - in.off : 0;
    size_t split = n ? head[3] % (n + 1) : 0;

    if (d->ctx_size > AVILA_DIGEST_CTX_MAX) {
        check_refused(d, key, key_len, msg, n, guess, tag_len);
        return 0;
    }
    uint8_t want[GUESS_LEN] = {0}, mac[AVILA_DIGEST_MAX_LEN];
    model(d, key, key_len, msg, n, want);
    avila_cpu_restrict(0);
    require(avila_hmac(d, key, key_len, msg, n, mac) == 0);
    avila_cpu_restrict(AVILA_CPU_ALL);
    require(memcmp(mac, want, d->digest_len) == 0);
    check_mac(d, key, key_len, msg, n, split, want);
    check_key_rules(d, key, key_len, msg, n, want);
    check_verify(d, key, key_len, msg, n, want, guess, tag_len, bit);
    return 0;
}
