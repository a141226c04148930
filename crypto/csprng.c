/*
 * crypto/csprng.c - the pure fast-key-erasure generator of crypto/csprng.h:
 * ChaCha20 keystream (RFC 8439 section 2.4) with an all-zero nonce, whose
 * first 32 bytes rekey it after every request, and an HChaCha20 chain
 * (draft-irtf-cfrg-xchacha-03 section 2.2) to mix in new entropy.
 */
#include "core/ct.h"
#include "crypto/chacha20_int.h"
#include "crypto/csprng.h"

void avila_csprng_init(struct avila_csprng *g, const uint8_t seed[32])
{
    memcpy(g->key, seed, sizeof g->key);
}

/* One piece (n <= AVILA_CSPRNG_PIECE): keystream bytes 32.. to out, bytes 0..31 the new key. */
static void fill_piece(struct avila_csprng *g, uint8_t *out, size_t n)
{
    static const uint8_t zero_nonce[12];
    const struct avila_chacha20_kernel *k = avila_chacha20_kernel();
    uint32_t state[16];
    uint8_t block[64] = {0};
    avila_chacha20_setup(state, g->key, zero_nonce, 0);
    k->stream(state, block, block, sizeof block);
    memcpy(g->key, block, 32);
    size_t head = n < 32 ? n : 32;
    if (head)
        memcpy(out, block + 32, head);
    if (n > head) {
        memset(out + head, 0, n - head);
        k->stream(state, out + head, out + head, n - head);
    }
    avila_wipe(block, sizeof block);
    avila_wipe(state, sizeof state);
}

void avila_csprng_fill(struct avila_csprng *g, void *out, size_t n)
{
    uint8_t *p = out;
    /* At least one piece, so even an empty request rekeys. */
    do {
        size_t len = n < AVILA_CSPRNG_PIECE ? n : AVILA_CSPRNG_PIECE;
        fill_piece(g, p, len);
        n -= len;
        if (n)
            p += len;
    } while (n);
}

void avila_csprng_reseed(struct avila_csprng *g, const void *extra, size_t n)
{
    const uint8_t *p = extra;
    uint8_t last[16] = {0};
    for (; n >= 16; n -= 16, p += 16)
        avila_hchacha20(g->key, g->key, p);
    /* The tail, 0x80, zeros: unambiguous padding, so extra's length counts too. */
    if (n)
        memcpy(last, p, n);
    last[n] = 0x80;
    avila_hchacha20(g->key, g->key, last);
    avila_wipe(last, sizeof last);
}

void avila_csprng_wipe(struct avila_csprng *g)
{
    avila_wipe(g, sizeof *g);
}
