/*
 * tests/ct/ct_encoding.c - constant-time check of the hex and base64 codecs
 * under valgrind memcheck (see tests/ct/ct_core.c for the method). Key
 * files hold keys in these encodings, so encoding a secret and decoding
 * its text must not branch on, or index memory by, the characters. The one
 * thing a decoder's result reveals is whether the text was valid; the
 * decoders compute it without a branch, and here it is declassified as a
 * caller reading the return code would.
 *
 * Runs the portable code and (where the CPU and valgrind have it) AVX2, on
 * every length up to a few blocks, both alphabets, padded and not.
 *
 * With --leaky it instead decodes through a 256-entry table, the usual
 * way, so tests/tools/test_ct.sh can prove the method catches a leak here.
 */
#include <stdio.h>
#include <string.h>
#include <valgrind/memcheck.h>

#include "core/cpu.h"
#include "core/encoding.h"

#define SECRET(p, n) VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#define PUBLIC(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))

enum { MAX = 100 };

static unsigned checks;
static uint64_t folded;

/* Declassifies a result (as a caller publishing it would) and folds it into the output. */
static void use(const void *p, size_t n)
{
    const uint8_t *b = p;
    PUBLIC(p, n);
    for (size_t i = 0; i < n; i++)
        folded = folded * 31 + b[i];
    checks++;
}

static unsigned b64_flags;

static int decode_b64(const char *text, size_t n, uint8_t *out, size_t *len)
{
    return avila_base64_decode(out, MAX, text, n, b64_flags, len);
}

static int decode_hex(const char *text, size_t n, uint8_t *out, size_t *len)
{
    return avila_hex_decode(out, MAX, text, n, len);
}

/* Decodes text (made secret) and checks the round trip; the return code is the public verdict. */
static void decode_secret(int (*decode)(const char *, size_t, uint8_t *, size_t *), char *text,
                          size_t n, const uint8_t *want, size_t want_len)
{
    uint8_t out[MAX];
    size_t len = 0;
    /*
     * A padded text's last two characters are compared with '=' by a
     * branch, which tells only what the key's length already does; they
     * stay public here. The unpadded variant covers the code that decodes
     * them, as secrets.
     */
    size_t secret = b64_flags & AVILA_BASE64_NOPAD || decode == decode_hex || n < 2 ? n : n - 2;
    SECRET(text, secret);
    int rc = decode(text, n, out, &len);
    PUBLIC(&rc, sizeof rc);
    PUBLIC(&len, sizeof len);
    use(out, len);
    if (rc != 0 || len != want_len || memcmp(out, want, len) != 0) {
        fprintf(stderr, "ct_encoding: round trip failed for %zu characters\n", n);
        checks = 0;
    }
    /* One invalid character: the verdict changes, the path must not. */
    text[secret / 2] = '*';
    rc = decode(text, n, out, &len);
    PUBLIC(&rc, sizeof rc);
    use(&rc, sizeof rc);
}

static void check_all(void)
{
    static const unsigned b64_variants[] = {0, AVILA_BASE64_URL,
                                            AVILA_BASE64_URL | AVILA_BASE64_NOPAD};
    uint8_t key[MAX], copy[MAX];
    char text[2 * MAX + 4];
    size_t len;
    for (size_t n = 1; n <= 70; n++) {
        for (size_t i = 0; i < n; i++)
            key[i] = (uint8_t)(i * 37 + n * 11 + 0xF0);
        memcpy(copy, key, n);
        SECRET(key, n);
        avila_hex_encode(text, sizeof text, key, n, 0, &len);
        use(text, len);
        decode_secret(decode_hex, text, len, copy, n);
        for (size_t v = 0; v < sizeof b64_variants / sizeof b64_variants[0]; v++) {
            b64_flags = b64_variants[v];
            SECRET(key, n);
            avila_base64_encode(text, sizeof text, key, n, b64_flags, &len);
            use(text, len);
            decode_secret(decode_b64, text, len, copy, n);
        }
    }
}

/* The table decoder this file exists to rule out. */
static int leaky_decode(const char *text, size_t n, uint8_t *out, size_t *len)
{
    static uint8_t values[256];
    for (int c = 0; c < 256; c++)
        values[c] = (uint8_t)c;
    for (size_t i = 0; i + 1 < n; i += 2)
        out[i / 2] = (uint8_t)(values[(uint8_t)text[i]] << 4 | values[(uint8_t)text[i + 1]]);
    *len = n / 2;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--leaky") == 0) {
        char text[8] = "a1b2c3d4";
        uint8_t out[4];
        size_t len;
        SECRET(text, sizeof text);
        leaky_decode(text, sizeof text, out, &len);
        use(out, len);
        return 0;
    }
    avila_cpu_restrict(0);
    check_all();
    avila_cpu_restrict(AVILA_CPU_ALL);
    check_all();
    printf("ct_encoding: %u checks (%s base64), folded %016llx\n", checks, avila_base64_impl(),
           (unsigned long long)folded);
    return checks ? 0 : 1;
}
