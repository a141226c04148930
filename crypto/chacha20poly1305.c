/*
 * crypto/chacha20poly1305.c - AEAD_CHACHA20_POLY1305 (RFC 8439 section 2.8)
 * and AEAD_XCHACHA20_POLY1305 (draft-irtf-cfrg-xchacha-03 section 2).
 *
 * Keystream block 0 keys Poly1305 (section 2.6); blocks 1.. encrypt. The
 * MAC runs over aad | pad16 | ciphertext | pad16 | le64(aad_len) | le64(n).
 * Sealing encrypts then MACs 16 KiB at a time (the ciphertext is still in
 * cache when it is MACed, and each Poly1305 call amortises its vector
 * kernel's setup); opening MACs the whole ciphertext and compares the tags
 * in constant time before it decrypts anything. Short messages get block 0
 * and their keystream from one kernel call.
 */
#include "core/ct.h"
#include "core/endian.h"
#include "core/error.h"
#include "crypto/aead.h"
#include "crypto/chacha20_int.h"

/* Messages up to this many bytes share the Poly1305 key block's kernel call. */
#define SMALL 192
/* Bytes encrypted, then MACed, at a time while sealing (a multiple of 64). */
#define CHUNK 16384

_Static_assert(CHUNK % 64 == 0, "chunks must keep the block counter aligned");

static int check_args(const uint8_t *out, const uint8_t *in, size_t n, const uint8_t *tag,
                      const uint8_t *aad, size_t aad_len, const uint8_t *nonce, const uint8_t *key)
{
    uint64_t len = n;
    if (!tag || !nonce || !key || (n && (!out || !in)) || (aad_len && !aad))
        return AVILA_EINVAL;
    return len > AVILA_CHACHA20POLY1305_MAX_LEN ? AVILA_ELIMIT : 0;
}

static void pad16(struct avila_poly1305 *mac, size_t len)
{
    static const uint8_t zeros[16];
    if (len % 16)
        avila_poly1305_update(mac, zeros, 16 - len % 16);
}

/*
 * Keys the MAC from keystream block 0 and absorbs the aad. The call also
 * makes the keystream of the `first` message bytes into ks + 64 (first is n
 * for short messages, else 0); state's counter ends past those blocks.
 */
static void start(const struct avila_chacha20_kernel *k, uint32_t state[16],
                  struct avila_poly1305 *mac, uint8_t ks[64 + SMALL], size_t first,
                  const uint8_t *aad, size_t aad_len)
{
    memset(ks, 0, 64 + first);
    k->stream(state, ks, ks, 64 + first);
    avila_poly1305_init(mac, ks);
    avila_poly1305_update(mac, aad, aad_len);
    pad16(mac, aad_len);
}

/* Absorbs the ciphertext's padding and both lengths, and writes the tag (wipes mac). */
static void finish(struct avila_poly1305 *mac, size_t aad_len, size_t n, uint8_t tag[16])
{
    uint8_t lengths[16];
    pad16(mac, n);
    avila_store_le64(lengths, aad_len);
    avila_store_le64(lengths + 8, n);
    avila_poly1305_update(mac, lengths, sizeof lengths);
    avila_poly1305_final(mac, tag);
}

static void xor_bytes(uint8_t *out, const uint8_t *in, const uint8_t *ks, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = in[i] ^ ks[i];
}

static void seal_with(uint32_t state[16], uint8_t *ct, uint8_t tag[16], const uint8_t *pt, size_t n,
                      const uint8_t *aad, size_t aad_len)
{
    const struct avila_chacha20_kernel *k = avila_chacha20_kernel();
    struct avila_poly1305 mac;
    uint8_t ks[64 + SMALL];
    size_t first = n <= SMALL ? n : 0;
    start(k, state, &mac, ks, first, aad, aad_len);
    if (first) {
        xor_bytes(ct, pt, ks + 64, n);
        avila_poly1305_update(&mac, ct, n);
    } else {
        for (size_t off = 0; off < n; off += CHUNK) {
            size_t len = n - off < CHUNK ? n - off : CHUNK;
            k->stream(state, ct + off, pt + off, len);
            avila_poly1305_update(&mac, ct + off, len);
        }
    }
    finish(&mac, aad_len, n, tag);
    avila_wipe(ks, 64 + first);
}

static int open_with(uint32_t state[16], uint8_t *pt, const uint8_t *ct, size_t n,
                     const uint8_t tag[16], const uint8_t *aad, size_t aad_len)
{
    const struct avila_chacha20_kernel *k = avila_chacha20_kernel();
    struct avila_poly1305 mac;
    uint8_t ks[64 + SMALL], want[16];
    size_t first = n <= SMALL ? n : 0;
    start(k, state, &mac, ks, first, aad, aad_len);
    avila_poly1305_update(&mac, ct, n);
    finish(&mac, aad_len, n, want);
    int rc = avila_ct_memeq(want, tag, 16) ? 0 : AVILA_EAUTH;
    if (rc == 0) {
        if (first)
            xor_bytes(pt, ct, ks + 64, n);
        else
            k->stream(state, pt, ct, n);
    }
    avila_wipe(want, sizeof want);
    avila_wipe(ks, 64 + first);
    return rc;
}

int avila_chacha20poly1305_seal(uint8_t *ct, uint8_t tag[16], const uint8_t *pt, size_t n,
                                const uint8_t *aad, size_t aad_len, const uint8_t nonce[12],
                                const uint8_t key[32])
{
    int rc = check_args(ct, pt, n, tag, aad, aad_len, nonce, key);
    if (rc)
        return rc;
    uint32_t state[16];
    avila_chacha20_setup(state, key, nonce, 0);
    seal_with(state, ct, tag, pt, n, aad, aad_len);
    avila_wipe(state, sizeof state);
    return 0;
}

int avila_chacha20poly1305_open(uint8_t *pt, const uint8_t *ct, size_t n, const uint8_t tag[16],
                                const uint8_t *aad, size_t aad_len, const uint8_t nonce[12],
                                const uint8_t key[32])
{
    int rc = check_args(pt, ct, n, tag, aad, aad_len, nonce, key);
    if (rc)
        return rc;
    uint32_t state[16];
    avila_chacha20_setup(state, key, nonce, 0);
    rc = open_with(state, pt, ct, n, tag, aad, aad_len);
    avila_wipe(state, sizeof state);
    return rc;
}

/* The ChaCha20 state of XChaCha20 for (key, nonce) at counter 0. */
static void xsetup(uint32_t state[16], const uint8_t nonce[24], const uint8_t key[32])
{
    uint8_t subkey[32], nonce12[12] = {0};
    avila_hchacha20(subkey, key, nonce);
    memcpy(nonce12 + 4, nonce + 16, 8);
    avila_chacha20_setup(state, subkey, nonce12, 0);
    avila_wipe(subkey, sizeof subkey);
}

int avila_xchacha20poly1305_seal(uint8_t *ct, uint8_t tag[16], const uint8_t *pt, size_t n,
                                 const uint8_t *aad, size_t aad_len, const uint8_t nonce[24],
                                 const uint8_t key[32])
{
    int rc = check_args(ct, pt, n, tag, aad, aad_len, nonce, key);
    if (rc)
        return rc;
    uint32_t state[16];
    xsetup(state, nonce, key);
    seal_with(state, ct, tag, pt, n, aad, aad_len);
    avila_wipe(state, sizeof state);
    return 0;
}

int avila_xchacha20poly1305_open(uint8_t *pt, const uint8_t *ct, size_t n, const uint8_t tag[16],
                                 const uint8_t *aad, size_t aad_len, const uint8_t nonce[24],
                                 const uint8_t key[32])
{
    int rc = check_args(pt, ct, n, tag, aad, aad_len, nonce, key);
    if (rc)
        return rc;
    uint32_t state[16];
    xsetup(state, nonce, key);
    rc = open_with(state, pt, ct, n, tag, aad, aad_len);
    avila_wipe(state, sizeof state);
    return rc;
}
