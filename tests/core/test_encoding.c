/*
 * tests/core/test_encoding.c - base16, base64 (portable and AVX2), base32 and
 * Crockford base32: RFC 4648 section 10 vectors, rejection vectors, and
 * agreement with a naive reference codec written here (a bit stream cut into
 * 4-, 5- or 6-bit symbols; a text is valid iff re-encoding what it decodes
 * to gives the text back, which is what "strict" means).
 */
#include "tests/support/unit.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/cpu.h"
#include "core/encoding.h"
#include "core/encoding_int.h"
#include "core/error.h"

/* ---------------------------------------------------------------- configurations */

typedef int encode_fn(char *dst, size_t cap, const void *src, size_t n, unsigned flags,
                      size_t *out_len);
typedef int decode_fn(void *dst, size_t cap, const char *src, size_t n, unsigned flags,
                      size_t *out_len);
typedef int encoded_len_fn(size_t n, unsigned flags, size_t *out);
typedef size_t decoded_max_fn(size_t n);

static int hex_decode_flags(void *dst, size_t cap, const char *src, size_t n, unsigned flags,
                            size_t *out_len)
{
    (void)flags;
    return avila_hex_decode(dst, cap, src, n, out_len);
}

static int hex_encoded_len(size_t n, unsigned flags, size_t *out)
{
    (void)flags;
    *out = avila_hex_encoded_len(n);
    return *out == SIZE_MAX ? AVILA_EOVERFLOW : 0;
}

static size_t hex_decoded_max(size_t n)
{
    return n / 2;
}

struct config {
    const char *name;
    unsigned flags;
    encode_fn *encode;
    decode_fn *decode;
    encoded_len_fn *encoded_len;
    decoded_max_fn *decoded_max;
    /* The reference codec. */
    const char *alphabet;
    unsigned bits;    /* per character */
    unsigned quantum; /* characters per padded quantum; 0 = never padded */
    int crockford;
};

#define B64                                                                                        \
    avila_base64_encode, avila_base64_decode, avila_base64_encoded_len, avila_base64_decoded_max
#define B32                                                                                        \
    avila_base32_encode, avila_base32_decode, avila_base32_encoded_len, avila_base32_decoded_max
#define HEX avila_hex_encode, hex_decode_flags, hex_encoded_len, hex_decoded_max

static const char b64_std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64_url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static const char b32_std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
static const char b32_hex[] = "0123456789ABCDEFGHIJKLMNOPQRSTUV";
static const char b32_crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static const struct config configs[] = {
    {"base16", 0, HEX, "0123456789abcdef", 4, 0, 0},
    {"base16-upper", AVILA_HEX_UPPER, HEX, "0123456789ABCDEF", 4, 0, 0},
    {"base64", 0, B64, b64_std, 6, 4, 0},
    {"base64-nopad", AVILA_BASE64_NOPAD, B64, b64_std, 6, 0, 0},
    {"base64url", AVILA_BASE64_URL, B64, b64_url, 6, 4, 0},
    {"base64url-nopad", AVILA_BASE64_URL | AVILA_BASE64_NOPAD, B64, b64_url, 6, 0, 0},
    {"base32", 0, B32, b32_std, 5, 8, 0},
    {"base32-nopad", AVILA_BASE32_NOPAD, B32, b32_std, 5, 0, 0},
    {"base32hex", AVILA_BASE32_HEX, B32, b32_hex, 5, 8, 0},
    {"base32hex-nopad", AVILA_BASE32_HEX | AVILA_BASE32_NOPAD, B32, b32_hex, 5, 0, 0},
    {"crockford", AVILA_BASE32_CROCKFORD, B32, b32_crockford, 5, 0, 1},
    {"crockford-nopad", AVILA_BASE32_CROCKFORD | AVILA_BASE32_NOPAD, B32, b32_crockford, 5, 0, 1},
};

#define NCONFIGS AVILA_ARRAY_LEN(configs)

static int is_base64(const struct config *c)
{
    return c->encode == avila_base64_encode;
}

/* The base64 variants: the dispatcher is steered with avila_cpu_restrict. */
static const struct {
    const char *name;
    uint32_t cpu;
} impls[] = {{"portable", 0}, {"avx2", AVILA_CPU_AVX2}};

static int select_impl(size_t k)
{
    if ((avila_cpu_detected() & impls[k].cpu) != impls[k].cpu)
        return 0;
    avila_cpu_restrict(impls[k].cpu);
    assert_string_equal(avila_base64_impl(), impls[k].name);
    return 1;
}

static int restore_cpu(void **state)
{
    (void)state;
    avila_cpu_restrict(AVILA_CPU_ALL);
    return 0;
}

/* ---------------------------------------------------------------- reference codec */

/* Encodes n bytes; returns the length. out MUST hold 2n + 8. */
static size_t ref_encode(const struct config *c, const uint8_t *s, size_t n, char *out)
{
    size_t len = 0;
    uint32_t acc = 0;
    unsigned nbits = 0;
    for (size_t i = 0; i < n; i++) {
        acc = acc << 8 | s[i];
        nbits += 8;
        while (nbits >= c->bits) {
            nbits -= c->bits;
            out[len++] = c->alphabet[acc >> nbits & ((1u << c->bits) - 1)];
        }
    }
    if (nbits > 0)
        out[len++] = c->alphabet[acc << (c->bits - nbits) & ((1u << c->bits) - 1)];
    while (c->quantum && len % c->quantum != 0)
        out[len++] = '=';
    return len;
}

/* The text as the codec spells it: Crockford's aliases and hyphens resolved; hex in its case. */
static size_t normalise(const struct config *c, const char *s, size_t n, char *out)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (c->crockford) {
            if (ch == '-')
                continue;
            ch = (char)toupper((unsigned char)ch);
            ch = ch == 'O' ? '0' : ch == 'I' || ch == 'L' ? '1' : ch;
        }
        if (c->bits == 4)
            ch = (char)(islower((unsigned char)c->alphabet[10]) ? tolower((unsigned char)ch)
                                                                : toupper((unsigned char)ch));
        out[len++] = ch;
    }
    return len;
}

/*
 * Decodes s leniently (trailing '=' dropped, leftover bits ignored), then
 * accepts only if re-encoding reproduces the (normalised) text. Returns the
 * byte count or -1.
 */
static long ref_decode(const struct config *c, const char *s, size_t n, uint8_t *out)
{
    char *norm = malloc(n + 1), *again = malloc(2 * n + 16);
    assert_true(norm && again);
    size_t m = normalise(c, s, n, norm), data = m;
    while (c->quantum && data > 0 && norm[data - 1] == '=')
        data--;
    long len = 0;
    uint32_t acc = 0;
    unsigned nbits = 0;
    for (size_t i = 0; i < data && len >= 0; i++) {
        const char *p = norm[i] ? memchr(c->alphabet, norm[i], strlen(c->alphabet)) : NULL;
        if (!p) {
            len = -1;
            break;
        }
        acc = acc << c->bits | (uint32_t)(p - c->alphabet);
        nbits += c->bits;
        if (nbits >= 8) {
            nbits -= 8;
            out[len++] = (uint8_t)(acc >> nbits);
        }
    }
    if (len >= 0) {
        size_t back = ref_encode(c, out, (size_t)len, again);
        if (back != m || memcmp(again, norm, m) != 0)
            len = -1;
    }
    free(norm);
    free(again);
    return len;
}

/* ---------------------------------------------------------------- checks */

/* Encodes through the API and compares with the reference, length and text. */
static void expect_encode(const struct config *c, const uint8_t *s, size_t n)
{
    char *want = malloc(2 * n + 16), *got = malloc(2 * n + 16);
    assert_true(want && got);
    size_t want_len = ref_encode(c, s, n, want), len = 0, predicted = 0;
    assert_int_equal(c->encoded_len(n, c->flags, &predicted), 0);
    assert_int_equal(predicted, want_len);
    int rc = c->encode(got, want_len, s, n, c->flags, &len);
    if (rc != 0 || len != want_len || memcmp(got, want, len) != 0)
        fail_msg("%s: encoding %zu bytes gave %d, %zu chars '%.*s' (want '%.*s')", c->name, n, rc,
                 len, (int)len, got, (int)want_len, want);
    free(want);
    free(got);
}

/* Decodes through the API and compares with the reference: same verdict, same bytes. */
static void expect_decode(const struct config *c, const char *s, size_t n)
{
    uint8_t *want = malloc(n + 1), *got = malloc(n + 1);
    assert_true(want && got);
    long want_len = ref_decode(c, s, n, want);
    size_t len = 999999;
    int rc = c->decode(got, n, s, n, c->flags, &len);
    if (want_len < 0) {
        if (rc != AVILA_EFORMAT)
            fail_msg("%s: '%.*s' decoded (%d) but is not canonical", c->name, (int)n, s, rc);
        assert_int_equal(len, 999999); /* not set on failure */
    } else {
        if (rc != 0)
            fail_msg("%s: '%.*s' rejected (%d)", c->name, (int)n, s, rc);
        assert_int_equal(len, (size_t)want_len);
        assert_memory_equal(got, want, len);
        assert_true(len <= c->decoded_max(n));
    }
    free(want);
    free(got);
}

static unsigned flag_value(const char *names)
{
    static const struct {
        const char *name;
        unsigned value;
    } known[] = {
        {"AVILA_HEX_UPPER", AVILA_HEX_UPPER},
        {"AVILA_BASE64_URL", AVILA_BASE64_URL},
        {"AVILA_BASE64_NOPAD", AVILA_BASE64_NOPAD},
        {"AVILA_BASE32_HEX", AVILA_BASE32_HEX},
        {"AVILA_BASE32_CROCKFORD", AVILA_BASE32_CROCKFORD},
        {"AVILA_BASE32_NOPAD", AVILA_BASE32_NOPAD},
    };
    unsigned flags = 0;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", names);
    for (char *tok = strtok(buf, "|"); tok; tok = strtok(NULL, "|")) {
        if (strcmp(tok, "0") == 0)
            continue;
        size_t i = 0;
        while (i < AVILA_ARRAY_LEN(known) && strcmp(known[i].name, tok) != 0)
            i++;
        if (i == AVILA_ARRAY_LEN(known)) {
            fail_msg("unknown flag %s", tok);
            return 0; /* not reached: fail_msg does not return */
        }
        flags |= known[i].value;
    }
    return flags;
}

/* The configuration a vector record names. */
static const struct config *config_for(const struct tv_file *tv)
{
    const char *enc = tv_str(tv, "encoding");
    unsigned flags = tv_has(tv, "flags") ? flag_value(tv_str(tv, "flags")) : 0;
    if (strcmp(enc, "base32hex") == 0)
        flags |= AVILA_BASE32_HEX;
    if (strcmp(enc, "base16") == 0 && !tv_has(tv, "flags"))
        flags |= AVILA_HEX_UPPER; /* the RFC prints base16 in uppercase */
    for (size_t i = 0; i < NCONFIGS; i++)
        if (strncmp(configs[i].name, enc, strlen(enc)) == 0 && configs[i].flags == flags)
            return &configs[i];
    fail_msg("no configuration for %s flags %u", enc, flags);
    return NULL;
}

/* ---------------------------------------------------------------- vector tests */

static void run_valid_vectors(const char *file)
{
    struct tv_file tv;
    tv_open(&tv, file);
    int records = 0;
    while (tv_next(&tv)) {
        const struct config *c = config_for(&tv);
        size_t n;
        uint8_t *bytes = tv_hex(&tv, "bytes", &n);
        const char *text = tv_str(&tv, "text");
        size_t tlen = strlen(text);
        for (size_t k = 0; k < AVILA_ARRAY_LEN(impls); k++) {
            if (!select_impl(k))
                continue;
            char enc[256];
            uint8_t dec[256];
            size_t len = 0;
            assert_int_equal(c->encode(enc, sizeof enc, bytes, n, c->flags, &len), 0);
            assert_int_equal(len, tlen);
            assert_memory_equal(enc, text, tlen);
            assert_int_equal(c->decode(dec, sizeof dec, text, tlen, c->flags, &len), 0);
            assert_int_equal(len, n);
            assert_memory_equal(dec, bytes, n);
            /* The reference agrees, so it can judge inputs the files do not list. */
            expect_encode(c, bytes, n);
            expect_decode(c, text, tlen);
        }
        avila_cpu_restrict(AVILA_CPU_ALL);
        if (c->bits == 4) {
            /* Hex decoding takes either case. */
            char lower[256];
            uint8_t dec[256];
            size_t len;
            for (size_t i = 0; i < tlen; i++)
                lower[i] = (char)tolower((unsigned char)text[i]);
            assert_int_equal(avila_hex_decode(dec, sizeof dec, lower, tlen, &len), 0);
            assert_memory_equal(dec, bytes, n);
        }
        free(bytes);
        records++;
    }
    tv_close(&tv);
    assert_true(records >= 20);
}

static void rfc4648_vectors(void **state)
{
    (void)state;
    run_valid_vectors("encoding/rfc4648.txt");
}

static void extra_vectors(void **state)
{
    (void)state;
    run_valid_vectors("encoding/extra.txt");
}

static void invalid_vectors(void **state)
{
    (void)state;
    struct tv_file tv;
    tv_open(&tv, "encoding/invalid.txt");
    int records = 0;
    while (tv_next(&tv)) {
        const struct config *c = config_for(&tv);
        char text[256];
        size_t n;
        if (tv_has(&tv, "text_hex")) {
            n = unit_unhex(tv_str(&tv, "text_hex"), (uint8_t *)text, sizeof text);
        } else {
            n = strlen(tv_str(&tv, "text"));
            memcpy(text, tv_str(&tv, "text"), n);
        }
        assert_true(ref_decode(c, text, n, (uint8_t[256]){0}) < 0);
        for (size_t k = 0; k < AVILA_ARRAY_LEN(impls); k++) {
            if (!select_impl(k))
                continue;
            uint8_t out[256];
            size_t len = 12345;
            int rc = c->decode(out, sizeof out, text, n, c->flags, &len);
            if (rc != AVILA_EFORMAT)
                fail_msg("%s: accepted (%d): %s", c->name, rc, tv_str(&tv, "why"));
            assert_int_equal(len, 12345);
            /* Still a format error when the buffer is too small as well. */
            assert_int_equal(c->decode(out, 0, text, n, c->flags, &len), AVILA_EFORMAT);
        }
        avila_cpu_restrict(AVILA_CPU_ALL);
        records++;
    }
    tv_close(&tv);
    assert_true(records >= 40);
}

/* ---------------------------------------------------------------- properties */

/* Every byte value in every position of a valid text (the last quantum included). */
static void every_character_everywhere(void **state)
{
    (void)state;
    uint64_t rng = 5;
    for (size_t ci = 0; ci < NCONFIGS; ci++) {
        const struct config *c = &configs[ci];
        /* Short texts for the partial quanta; a long one to cover the AVX2 blocks. */
        static const size_t lengths[] = {1, 2, 3, 4, 7, 9, 100};
        for (size_t li = 0; li < AVILA_ARRAY_LEN(lengths); li++) {
            uint8_t bytes[128];
            char text[300];
            unit_rand_fill(&rng, bytes, lengths[li]);
            size_t n = ref_encode(c, bytes, lengths[li], text);
            for (size_t k = 0; k < AVILA_ARRAY_LEN(impls); k++) {
                if ((!is_base64(c) && k > 0) || !select_impl(k))
                    continue;
                for (size_t at = 0; at < n; at++) {
                    char saved = text[at];
                    for (int ch = 0; ch < 256; ch++) {
                        text[at] = (char)ch;
                        expect_decode(c, text, n);
                    }
                    text[at] = saved;
                }
            }
            avila_cpu_restrict(AVILA_CPU_ALL);
        }
    }
}

static void random_round_trips(void **state)
{
    (void)state;
    uint64_t rng = 11;
    uint8_t bytes[700];
    for (size_t ci = 0; ci < NCONFIGS; ci++) {
        const struct config *c = &configs[ci];
        for (size_t k = 0; k < AVILA_ARRAY_LEN(impls); k++) {
            if ((!is_base64(c) && k > 0) || !select_impl(k))
                continue;
            for (size_t n = 0; n < 700; n += 1 + n / 40) {
                unit_rand_fill(&rng, bytes, n);
                expect_encode(c, bytes, n);
                char text[1500];
                size_t len = ref_encode(c, bytes, n, text);
                expect_decode(c, text, len);
                /* Every proper prefix: the reference says which are valid; padded ones never. */
                if (n < 40) {
                    for (size_t p = 0; p < len; p++) {
                        expect_decode(c, text, p);
                        uint8_t out[64];
                        size_t got;
                        if (c->quantum && p % c->quantum != 0)
                            assert_int_equal(c->decode(out, sizeof out, text, p, c->flags, &got),
                                             AVILA_EFORMAT);
                    }
                }
            }
        }
        avila_cpu_restrict(AVILA_CPU_ALL);
    }
}

/* Random strings over the alphabet, '=' and a few strangers: decode agrees with the reference. */
static void random_texts(void **state)
{
    (void)state;
    uint64_t rng = 3;
    /* Zeroed so the analyzer can see that bytes below n are always written first. */
    char text[200] = {0};
    for (size_t ci = 0; ci < NCONFIGS; ci++) {
        const struct config *c = &configs[ci];
        size_t alen = strlen(c->alphabet);
        for (size_t k = 0; k < AVILA_ARRAY_LEN(impls); k++) {
            if ((!is_base64(c) && k > 0) || !select_impl(k))
                continue;
            for (int iter = 0; iter < 3000; iter++) {
                size_t n = (size_t)(unit_rand(&rng) % (iter % 8 == 0 ? 200 : 20));
                for (size_t i = 0; i < n; i++) {
                    uint64_t r = unit_rand(&rng);
                    text[i] = r % 16 == 0   ? '='
                              : r % 16 == 1 ? (char)(r >> 8)
                              : r % 16 == 2 ? "-oOiIlLu \n"[(r >> 8) % 10]
                                            : c->alphabet[(r >> 8) % alen];
                }
                /* Many texts end in valid padding: give the decoder real chances. */
                if (iter % 3 == 0 && c->quantum)
                    n -= n % c->quantum;
                expect_decode(c, text, n);
            }
        }
        avila_cpu_restrict(AVILA_CPU_ALL);
    }
}

/* The AVX2 kernels against the portable code on long random inputs and alignments. */
static void avx2_matches_portable(void **state)
{
    (void)state;
    if (!select_impl(1))
        skip();
    uint64_t rng = 21;
    uint8_t *bytes = malloc(4200), *back = malloc(4200);
    char *fast = malloc(5700), *slow = malloc(5700);
    assert_true(bytes && back && fast && slow);
    for (int iter = 0; iter < 400; iter++) {
        size_t n = (size_t)(unit_rand(&rng) % 4096), off = (size_t)(unit_rand(&rng) % 64);
        unsigned flags = (unsigned)(unit_rand(&rng) % 4);
        unit_rand_fill(&rng, bytes + off, n);
        size_t flen, slen, blen;
        avila_cpu_restrict(AVILA_CPU_ALL);
        assert_int_equal(avila_base64_encode(fast + off % 32, 5600, bytes + off, n, flags, &flen),
                         0);
        avila_cpu_restrict(0);
        assert_int_equal(avila_base64_encode(slow, 5600, bytes + off, n, flags, &slen), 0);
        assert_int_equal(flen, slen);
        assert_memory_equal(fast + off % 32, slow, slen);
        /* Decode a copy with one damaged character, sometimes. */
        if (iter % 2 == 0 && slen > 0)
            slow[unit_rand(&rng) % slen] = (char)unit_rand(&rng);
        int rc_slow = avila_base64_decode(back, 4200, slow, slen, flags, &blen);
        avila_cpu_restrict(AVILA_CPU_ALL);
        size_t fast_len;
        memcpy(fast + 1, slow, slen);
        int rc_fast = avila_base64_decode(bytes, 4200, fast + 1, slen, flags, &fast_len);
        assert_int_equal(rc_fast, rc_slow);
        if (rc_slow == 0) {
            assert_int_equal(fast_len, blen);
            assert_memory_equal(bytes, back, blen);
        }
    }
    free(bytes);
    free(back);
    free(fast);
    free(slow);
}

/* ---------------------------------------------------------------- buffers and errors */

/* Sources end at a guard page, and destinations too, with exactly the room needed. */
static void guard_pages(void **state)
{
    (void)state;
    uint64_t rng = 8;
    for (size_t ci = 0; ci < NCONFIGS; ci++) {
        const struct config *c = &configs[ci];
        for (size_t k = 0; k < AVILA_ARRAY_LEN(impls); k++) {
            if ((!is_base64(c) && k > 0) || !select_impl(k))
                continue;
            for (size_t n = 0; n <= 130; n++) {
                size_t tlen;
                assert_int_equal(c->encoded_len(n, c->flags, &tlen), 0);
                uint8_t *src = unit_guarded_alloc(n);
                char *text = unit_guarded_alloc(tlen);
                uint8_t *back = unit_guarded_alloc(n);
                unit_rand_fill(&rng, src, n);
                size_t len;
                assert_int_equal(c->encode(text, tlen, src, n, c->flags, &len), 0);
                assert_int_equal(len, tlen);
                assert_int_equal(c->decode(back, n, text, tlen, c->flags, &len), 0);
                assert_int_equal(len, n);
                assert_memory_equal(back, src, n);
                unit_guarded_free(src, n);
                unit_guarded_free(text, tlen);
                unit_guarded_free(back, n);
            }
        }
        avila_cpu_restrict(AVILA_CPU_ALL);
    }
}

/* Too small a buffer: AVILA_ENOSPC, nothing written, *out_len untouched. */
static void capacity_is_checked_first(void **state)
{
    (void)state;
    uint8_t bytes[50], out[100];
    char text[100];
    for (size_t ci = 0; ci < NCONFIGS; ci++) {
        const struct config *c = &configs[ci];
        for (size_t n = 1; n <= 50; n += 7) {
            memset(bytes, 0xA5, n);
            size_t tlen, len = 777;
            assert_int_equal(c->encoded_len(n, c->flags, &tlen), 0);
            memset(text, '#', sizeof text);
            assert_int_equal(c->encode(text, tlen - 1, bytes, n, c->flags, &len), AVILA_ENOSPC);
            assert_int_equal(len, 777);
            assert_int_equal(text[0], '#');
            assert_int_equal(c->encode(text, tlen, bytes, n, c->flags, NULL), 0);
            memset(out, '#', sizeof out);
            assert_int_equal(c->decode(out, n - 1, text, tlen, c->flags, &len), AVILA_ENOSPC);
            assert_int_equal(len, 777);
            assert_int_equal(out[0], '#');
            assert_int_equal(c->decode(out, n, text, tlen, c->flags, NULL), 0);
            assert_memory_equal(out, bytes, n);
        }
    }
}

static void flags_and_overflow(void **state)
{
    (void)state;
    size_t len = 5;
    char text[8];
    uint8_t out[8];
    const uint8_t one = 1;
    assert_int_equal(avila_hex_encode(text, 8, &one, 1, 0x2, &len), AVILA_EINVAL);
    assert_int_equal(avila_base64_encode(text, 8, &one, 1, 0x4, &len), AVILA_EINVAL);
    assert_int_equal(avila_base64_decode(out, 8, "AA==", 4, 0x100, &len), AVILA_EINVAL);
    assert_int_equal(avila_base32_encode(text, 8, &one, 1, 0x8, &len), AVILA_EINVAL);
    assert_int_equal(
        avila_base32_encode(text, 8, &one, 1, AVILA_BASE32_HEX | AVILA_BASE32_CROCKFORD, &len),
        AVILA_EINVAL);
    assert_int_equal(
        avila_base32_decode(out, 8, "AE", 2, AVILA_BASE32_HEX | AVILA_BASE32_CROCKFORD, &len),
        AVILA_EINVAL);
    assert_int_equal(len, 5);

    /* Sizes that do not fit: reported before anything is read. */
    assert_int_equal(avila_hex_encoded_len(SIZE_MAX / 2), SIZE_MAX - 1);
    assert_int_equal(avila_hex_encoded_len(SIZE_MAX / 2 + 1), SIZE_MAX);
    assert_int_equal(avila_hex_encode(text, 8, &one, SIZE_MAX / 2 + 1, 0, &len), AVILA_EOVERFLOW);
    assert_int_equal(avila_base64_encoded_len(SIZE_MAX, 0, &len), AVILA_EOVERFLOW);
    assert_int_equal(avila_base64_encoded_len(SIZE_MAX / 4 * 3, 0, &len), 0);
    assert_int_equal(len, SIZE_MAX / 4 * 4);
    assert_int_equal(avila_base64_encode(text, 8, &one, SIZE_MAX, 0, &len), AVILA_EOVERFLOW);
    assert_int_equal(avila_base32_encoded_len(SIZE_MAX, 0, &len), AVILA_EOVERFLOW);
    assert_int_equal(avila_base32_encode(text, 8, &one, SIZE_MAX / 8 * 7, 0, &len),
                     AVILA_EOVERFLOW);
    assert_int_equal(avila_base32_encoded_len(SIZE_MAX / 8 * 5, AVILA_BASE32_NOPAD, &len), 0);
    assert_int_equal(len, SIZE_MAX / 8 * 8);
    assert_int_equal(avila_base64_decoded_max(SIZE_MAX), SIZE_MAX / 4 * 3 + 2);
    assert_int_equal(avila_base32_decoded_max(SIZE_MAX), SIZE_MAX / 8 * 5 + 4);

    /* Empty input; NULL is fine with no bytes. */
    assert_int_equal(avila_base64_encode(NULL, 0, NULL, 0, 0, &len), 0);
    assert_int_equal(len, 0);
    assert_int_equal(avila_base32_decode(NULL, 0, NULL, 0, AVILA_BASE32_CROCKFORD, &len), 0);
    assert_int_equal(avila_hex_decode(NULL, 0, NULL, 0, &len), 0);
}

static void crockford_reading(void **state)
{
    (void)state;
    uint8_t out[16];
    size_t len;
    const unsigned cf = AVILA_BASE32_CROCKFORD;
    /* "foobar" is CSQPYRK1E8; every spelling below means the same. */
    static const char *const spellings[] = {"CSQPYRK1E8",   "csqpyrk1e8", "CSQP-YRK1-E8",
                                            "-CSQPYRKIE8-", "CSQPYRKlE8", "cs--qpyrkLe8"};
    for (size_t i = 0; i < AVILA_ARRAY_LEN(spellings); i++) {
        assert_int_equal(
            avila_base32_decode(out, sizeof out, spellings[i], strlen(spellings[i]), cf, &len), 0);
        assert_int_equal(len, 6);
        assert_memory_equal(out, "foobar", 6);
    }
    assert_int_equal(avila_base32_decode(out, sizeof out, "0o0O", 4, cf, &len), 0);
    assert_int_equal(len, 2);
    assert_int_equal(out[0] | out[1], 0);
    assert_int_equal(avila_base32_decode(out, sizeof out, "----", 4, cf, &len), 0);
    assert_int_equal(len, 0);
    assert_int_equal(avila_base32_decode(out, sizeof out, "CSQPYRK1EU", 10, cf, &len),
                     AVILA_EFORMAT);
    /* Hyphens do not count towards the capacity needed. */
    assert_int_equal(avila_base32_decode(out, 6, "CSQP-YRK1-E8", 12, cf, &len), 0);
    assert_int_equal(avila_base32_decode(out, 5, "CSQP-YRK1-E8", 12, cf, &len), AVILA_ENOSPC);

    assert_string_equal(avila_crockford_alphabet, "0123456789ABCDEFGHJKMNPQRSTVWXYZ");
    for (int c = -2; c < 260; c++) {
        int want = AVILA_EFORMAT;
        const char *p = c > 0 && c < 256 ? strchr(avila_crockford_alphabet, toupper(c)) : NULL;
        if (p)
            want = (int)(p - avila_crockford_alphabet);
        else if (c == 'O' || c == 'o')
            want = 0;
        else if (c == 'I' || c == 'i' || c == 'L' || c == 'l')
            want = 1;
        assert_int_equal(avila_crockford_digit(c), want);
    }
}

static void impl_follows_restriction(void **state)
{
    (void)state;
    avila_cpu_restrict(0);
    assert_string_equal(avila_base64_impl(), "portable");
    avila_cpu_restrict(AVILA_CPU_ALL);
    if (AVILA_X86_64 && (avila_cpu_detected() & AVILA_CPU_AVX2))
        assert_string_equal(avila_base64_impl(), "avx2");
    else
        assert_string_equal(avila_base64_impl(), "portable");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(rfc4648_vectors, restore_cpu),
        cmocka_unit_test_teardown(extra_vectors, restore_cpu),
        cmocka_unit_test_teardown(invalid_vectors, restore_cpu),
        cmocka_unit_test_teardown(every_character_everywhere, restore_cpu),
        cmocka_unit_test_teardown(random_round_trips, restore_cpu),
        cmocka_unit_test_teardown(random_texts, restore_cpu),
        cmocka_unit_test_teardown(avx2_matches_portable, restore_cpu),
        cmocka_unit_test_teardown(guard_pages, restore_cpu),
        cmocka_unit_test(capacity_is_checked_first),
        cmocka_unit_test(flags_and_overflow),
        cmocka_unit_test(crockford_reading),
        cmocka_unit_test_teardown(impl_follows_restriction, restore_cpu),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
