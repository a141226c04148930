/*
 * tools/fuzz/fuzz_age_stream.c - the crypto/age STREAM payload decryptor
 * (C2SP age.md, "Payload") under a fixed key, against a whole-buffer model.
 *
 * Input: byte 0 picks the mode, byte 1 the feeding piece size, the rest is
 * the payload.
 *  - mode bit 0 clear: the rest is ciphertext, decrypted as is (random
 *    tags: nothing may ever be released).
 *  - mode bit 0 set: the rest is plaintext, encrypted (small chunks are
 *    stretched: byte 2 * 1200 more bytes repeating it, so up to five 64 KiB
 *    chunks occur), then
 *    damaged as bytes 3..6 say (cut, flipped bit, appended byte), then
 *    decrypted.
 * Properties: the engine's outcome and released bytes equal the model's
 * (split at 64 KiB + 16; a chunk opens only with its counter and the right
 * last flag; the last chunk is the only one that may be short or flagged;
 * an empty final chunk only for an empty payload); released text is always
 * a prefix of the plaintext.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "crypto/aead.h"
#include "crypto/age.h"
#include "crypto/digest.h"
#include "crypto/kdf.h"

#define ENC AVILA_AGE_ENC_CHUNK_LEN
#define PT  AVILA_AGE_CHUNK_LEN

static const uint8_t file_key[16] = "fuzz file key 16";
static const uint8_t nonce[16] = "fuzz nonce 16byt";
static struct avila_age_stream st;

/* Opens chunk i of len bytes at c with the last flag into out. */
static int open_chunk(const uint8_t key[32], uint64_t i, int last, const uint8_t *c, size_t len,
                      uint8_t *out)
{
    uint8_t iv[12] = {0};
    for (int b = 0; b < 8; b++)
        iv[10 - b] = (uint8_t)(i >> (8 * b));
    iv[11] = (uint8_t)last;
    return avila_chacha20poly1305_open(out, c, len - 16, c + len - 16, NULL, 0, iv, key);
}

/*
 * The model, on the whole buffer: released plaintext to out, returns 0 if
 * the payload is valid. A full chunk is a middle chunk if it opens as one,
 * else the final one; a short chunk is the final one. Authentic chunks are
 * released even when what follows them is wrong (nothing, or data after
 * the final chunk).
 */
static int model(const uint8_t *ct, size_t n, uint8_t *out, size_t *out_len)
{
    uint8_t key[32];
    avila_hkdf(&avila_digest_sha256, key, 32, nonce, 16, file_key, 16, "payload", 7);
    *out_len = 0;
    for (uint64_t i = 0;; i++) {
        size_t off = (size_t)i * ENC, len = n - off < ENC ? n - off : ENC;
        int at_end = off + len == n;
        if (len < 16 || (len == 16 && i > 0))
            return -1;
        if (len == ENC && open_chunk(key, i, 0, ct + off, len, out + *out_len) == 0) {
            *out_len += len - 16;
            if (at_end)
                return -1; /* truncated after a middle chunk */
            continue;
        }
        if (open_chunk(key, i, 1, ct + off, len, out + *out_len) != 0)
            return -1;
        *out_len += len - 16;
        return at_end ? 0 : -1;
    }
}

/* The engine, fed in pieces. */
static int engine(const uint8_t *ct, size_t n, size_t piece, uint8_t *out, size_t *out_len)
{
    const uint8_t *p;
    size_t pl;
    *out_len = 0;
    avila_age_stream_init(&st, file_key, nonce, 0);
    while (n > 0) {
        size_t k = n < piece ? n : piece;
        int took = avila_age_decrypt_update(&st, ct, k, &p, &pl);
        if (took < 0)
            return took;
        if ((size_t)took > k || (pl != 0 && pl != PT))
            __builtin_trap();
        memcpy(out + *out_len, p, pl);
        *out_len += pl;
        ct += took;
        n -= (size_t)took;
    }
    int rc = avila_age_decrypt_final(&st, &p, &pl);
    if (rc == 0) {
        memcpy(out + *out_len, p, pl);
        *out_len += pl;
    }
    avila_age_stream_wipe(&st);
    return rc;
}

/* Encrypts pt with the engine into ct; returns the length. */
static size_t encrypt(const uint8_t *pt, size_t n, uint8_t *ct)
{
    const uint8_t *p;
    size_t pl, len = 0;
    avila_age_stream_init(&st, file_key, nonce, 1);
    while (n > 0) {
        int took = avila_age_encrypt_update(&st, pt, n, &p, &pl);
        if (took < 0)
            __builtin_trap();
        memcpy(ct + len, p, pl);
        len += pl;
        pt += took;
        n -= (size_t)took;
    }
    if (avila_age_encrypt_final(&st, &p, &pl) != 0)
        __builtin_trap();
    memcpy(ct + len, p, pl);
    avila_age_stream_wipe(&st);
    return len + pl;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 7 || size > 4096)
        return 0;
    size_t piece = (size_t)data[1] * 613 + 1;
    size_t body = size - 7;
    size_t pt_len = body + (data[0] & 1 && body ? (size_t)data[2] * 1200 : 0);
    uint8_t *pt = malloc(pt_len + 1), *ct = malloc(pt_len + pt_len / PT * 16 + 64);
    uint8_t *o1 = malloc(pt_len + ENC), *o2 = malloc(pt_len + ENC);
    size_t n, l1, l2;
    for (size_t i = 0; i < pt_len; i++)
        pt[i] = data[7 + i % body];
    if (data[0] & 1) {
        n = encrypt(pt, pt_len, ct);
        size_t cut = ((size_t)data[3] << 16 | (size_t)data[4] << 8 | data[5]) % (n + 1);
        if (data[6] & 1)
            n = cut; /* truncate */
        else if (data[6] & 2 && cut < n)
            ct[cut] ^= (uint8_t)(1u << (data[6] >> 5)); /* flip a bit */
        else if (data[6] & 4)
            ct[n++] = data[6]; /* trailing byte */
    } else {
        n = body;
        memcpy(ct, data + 7, body);
    }
    int r1 = model(ct, n, o1, &l1), r2 = engine(ct, n, piece, o2, &l2);
    /* Same verdict; on failure the engine released whole chunks the model opened too. */
    if ((r1 == 0) != (r2 == 0) || (r2 == 0 && (l1 != l2 || memcmp(o1, o2, l1) != 0)))
        __builtin_trap();
    if (r2 != 0 && (l2 > l1 || l2 % PT != 0 || memcmp(o1, o2, l2) != 0))
        __builtin_trap();
    /* Unmodified round trips succeed and give the plaintext back. */
    if ((data[0] & 1) && !(data[6] & 7) && (r2 != 0 || l2 != pt_len || memcmp(o2, pt, l2) != 0))
        __builtin_trap();
    if (!(data[0] & 1) && l2 != 0)
        __builtin_trap(); /* random tags never verify */
    free(pt);
    free(ct);
    free(o1);
    free(o2);
    return 0;
}
