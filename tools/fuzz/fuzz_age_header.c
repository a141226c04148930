/*
 * tools/fuzz/fuzz_age_header.c - crypto/age header parsing (C2SP age.md,
 * "Header").
 *
 * Properties: a header that parses is canonical, so writing its stanzas
 * back with the header writer (plus its MAC line) gives exactly the bytes
 * that were parsed; the length is within the input and the limits; the
 * input cut one byte short is incomplete (AVILA_EAGAIN); X25519 unwrapping
 * with fixed identities, the scrypt stanza checks and a small-work-factor
 * scrypt unwrap never crash.
 */
#include <stdint.h>
#include <string.h>

#include "core/encoding.h"
#include "core/error.h"
#include "crypto/age.h"

static uint8_t out[70000];

static void rewrite(const struct avila_age_header *h, const uint8_t *data)
{
    static uint8_t body[16384];
    size_t len = 0;
    if (avila_age_header_begin(out, sizeof out, &len) != 0)
        __builtin_trap();
    for (size_t i = 0; i < h->nstanzas; i++) {
        const struct avila_age_stanza *s = &h->stanzas[i];
        if (avila_age_stanza_body(s, body, sizeof body) != 0 ||
            avila_age_stanza_write(out, sizeof out, &len, s->args, s->arg_lens, s->nargs, body,
                                   s->body_len) != 0)
            __builtin_trap();
    }
    char mac[48];
    size_t m = 0;
    memcpy(out + len, "--- ", 4);
    avila_base64_encode(mac, sizeof mac, h->mac, 32, AVILA_BASE64_NOPAD, &m);
    memcpy(out + len + 4, mac, m);
    out[len + 4 + m] = '\n';
    len += 5 + m;
    if (len != h->len || memcmp(out, data, len) != 0)
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct avila_age_header h;
    int n = avila_age_header_parse(&h, data, size, NULL);
    if (n < 0)
        return 0;
    if ((size_t)n > size || (size_t)n > 65536 || h.len != (size_t)n || data[n - 1] != '\n' ||
        h.nstanzas == 0 || h.nstanzas > AVILA_AGE_MAX_STANZAS)
        __builtin_trap();
    rewrite(&h, data);
    static struct avila_age_header h2;
    if (avila_age_header_parse(&h2, data, (size_t)n - 1, NULL) != AVILA_EAGAIN)
        __builtin_trap();
    static const uint8_t ids[2][32] = {{1, 2, 3}, {4, 5, 6}};
    uint8_t key[16];
    int rc = avila_age_unwrap_x25519(&h, ids, 2, key);
    if (rc == 0 && avila_age_header_verify(&h, key) == 0)
        return 0; /* only reachable with a header made for these identities */
    unsigned log_n;
    rc = avila_age_header_scrypt_log_n(&h, &log_n);
    if (rc == 0 && (log_n < 1 || log_n > 63))
        __builtin_trap();
    if (rc == 0 && log_n <= 2) {
        static uint8_t work[AVILA_AGE_SCRYPT_WORK_SIZE(2)];
        avila_age_unwrap_scrypt(&h, "pw", 2, 2, work, sizeof work, key);
    }
    return 0;
}
