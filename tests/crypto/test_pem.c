/*
 * tests/crypto/test_pem.c - RFC 7468 textual encoding (crypto/pem.h): the
 * RFC's PKCS #8 example (section 10, figure 12), decoded and re-encoded
 * byte for byte; blocks among explanatory text (section 5.2); the OpenSSL
 * form of the encoder on every length 0..300; CRLF files; and every
 * rejection: label mismatch or malformed label, bad base64, non-canonical
 * padding, padding in the middle, headers, blank lines, whitespace,
 * missing END, a line or label over its bound, mixed line ends, text
 * around a block; every proper prefix refused; guard pages.
 */
#include "tests/support/unit.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "crypto/der.h"
#include "crypto/pem.h"
#include "crypto/sha2.h"

/* RFC 7468 section 10, figure 12 (a secp256k1 key in PKCS #8). */
static const char FIG12[] = "-----BEGIN PRIVATE KEY-----\n"
                            "MIGEAgEAMBAGByqGSM49AgEGBSuBBAAKBG0wawIBAQQgVcB/UNPxalR9zDYAjQIf\n"
                            "jojUDiQuGnSJrFEEzZPT/92hRANCAASc7UJtgnF/abqWM60T3XNJEzBv5ez9TdwK\n"
                            "H0M6xpM2q+53wmsN/eYLdgtjgBd3DBmHtPilCkiFICXyaA8z9LkJ\n"
                            "-----END PRIVATE KEY-----\n";
/* SHA-256 of its 135 DER bytes, as `openssl base64 -d | sha256sum` gives them. */
static const char FIG12_SHA256[] =
    "8f0bfd8cdd8c785d1fc3fd082a6d091005472ef919493152887917cc15308cff";

static int decode(const char *text, size_t n)
{
    struct avila_pem_block blk;
    uint8_t der[4096];
    return avila_pem_decode(&blk, der, sizeof der, text, n);
}

static int decode_str(const char *text)
{
    return decode(text, strlen(text));
}

static void rfc7468_example(void **state)
{
    (void)state;
    struct avila_pem_block blk;
    uint8_t der[256], digest[32], want[32];
    assert_int_equal(avila_pem_decode(&blk, der, sizeof der, FIG12, strlen(FIG12)), 0);
    assert_int_equal(blk.label_len, 11);
    assert_memory_equal(blk.label, "PRIVATE KEY", 11);
    assert_int_equal(blk.der_len, 135);
    assert_int_equal(blk.start, 0);
    assert_int_equal(blk.end, strlen(FIG12));
    avila_sha256(der, blk.der_len, digest);
    unit_unhex(FIG12_SHA256, want, sizeof want);
    assert_memory_equal(digest, want, 32);
    /* It is one DER element. */
    struct avila_der d, seq;
    avila_der_init(&d, der, blk.der_len);
    assert_int_equal(avila_der_read_sequence(&d, &seq), 0);
    assert_int_equal(avila_der_finish(&d), 0);
    /* Encoding gives the RFC's text back. */
    char out[512];
    size_t len, want_len;
    assert_int_equal(avila_pem_encode(out, sizeof out, "PRIVATE KEY", 11, der, 135, &len), 0);
    assert_int_equal(avila_pem_encoded_len(11, 135, &want_len), 0);
    assert_int_equal(len, want_len);
    assert_int_equal(len, strlen(FIG12));
    assert_memory_equal(out, FIG12, len);
    /* Without the final line end, and with CRLF throughout. */
    assert_int_equal(decode(FIG12, strlen(FIG12) - 1), 0);
    char crlf[512];
    size_t k = 0;
    for (const char *p = FIG12; *p; p++) {
        if (*p == '\n')
            crlf[k++] = '\r';
        crlf[k++] = *p;
    }
    assert_int_equal(avila_pem_decode(&blk, der, sizeof der, crlf, k), 0);
    assert_int_equal(blk.der_len, 135);
    assert_int_equal(blk.end, k);
    /* Too small an output buffer. */
    assert_int_equal(avila_pem_decode(&blk, der, 134, FIG12, strlen(FIG12)), AVILA_ENOSPC);
    assert_int_equal(avila_pem_encode(out, len - 1, "PRIVATE KEY", 11, der, 135, &len),
                     AVILA_ENOSPC);
}

/* The encoder's form, on every length 0..300: 64-column lines, LF, and a decode gives the bytes
 * back. */
static void encode_decode_lengths(void **state)
{
    (void)state;
    uint64_t rng = 7468;
    uint8_t data[300], back[300];
    char text[1024];
    for (size_t n = 0; n <= sizeof data; n++) {
        unit_rand_fill(&rng, data, n);
        size_t len;
        assert_int_equal(avila_pem_encode(text, sizeof text, "X 1-Y", 5, data, n, &len), 0);
        /* Line shape: every line but the boundaries is 64 base64 characters, the last 1..64. */
        size_t lines = 0, start = 0;
        for (size_t i = 0; i < len; i++) {
            if (text[i] == '\n') {
                const size_t l = i - start;
                if (lines > 0 && text[start] != '-')
                    assert_true(l == 64 || (l > 0 && l < 64 && text[i + 1] == '-'));
                lines++;
                start = i + 1;
            }
        }
        assert_int_equal(start, len);
        assert_int_equal(lines, 2 + (n + 47) / 48);
        struct avila_pem_block blk;
        assert_int_equal(avila_pem_decode(&blk, back, sizeof back, text, len), 0);
        assert_int_equal(blk.der_len, n);
        assert_memory_equal(back, data, n);
        assert_memory_equal(blk.label, "X 1-Y", 5);
    }
    /* Lines of other lengths (1..80 characters, multiples of 4 or not) decode the same. */
    unit_rand_fill(&rng, data, 200);
    char b64[300];
    size_t b64_len;
    assert_int_equal(avila_pem_encode(text, sizeof text, "", 0, data, 200, &b64_len), 0);
    /* The base64 characters alone (after "-----BEGIN -----\n"). */
    size_t k = 0;
    for (const char *p = text + 17; *p != '-'; p++)
        if (*p != '\n')
            b64[k++] = *p;
    for (size_t w = 1; w <= 80; w++) {
        size_t o = 0;
        o += (size_t)snprintf(text, sizeof text, "-----BEGIN -----\n");
        for (size_t i = 0; i < k; i += w) {
            const size_t take = k - i < w ? k - i : w;
            memcpy(text + o, b64 + i, take);
            o += take;
            text[o++] = '\n';
        }
        o += (size_t)snprintf(text + o, sizeof text - o, "-----END -----\n");
        struct avila_pem_block blk;
        assert_int_equal(avila_pem_decode(&blk, back, sizeof back, text, o), 0);
        assert_int_equal(blk.der_len, 200);
        assert_memory_equal(back, data, 200);
    }
}

static void rejects(void **state)
{
    (void)state;
    char t[4096];
#define PEM(label1, body, label2) "-----BEGIN " label1 "-----\n" body "-----END " label2 "-----\n"
    assert_int_equal(decode_str(PEM("K", "AAEC\n", "K")), 0);
    /* Labels: mismatch, bad characters, double or edge separators, too long. */
    assert_int_equal(decode_str(PEM("K", "AAEC\n", "L")), AVILA_EFORMAT);
    assert_int_equal(decode_str(PEM("K", "AAEC\n", "K ")), AVILA_EFORMAT);
    assert_int_equal(decode_str(PEM(" K", "AAEC\n", " K")), AVILA_EFORMAT);
    assert_int_equal(decode_str(PEM("K-", "AAEC\n", "K-")), AVILA_EFORMAT);
    assert_int_equal(decode_str(PEM("A  B", "AAEC\n", "A  B")), AVILA_EFORMAT);
    assert_int_equal(decode_str(PEM("A-B C", "AAEC\n", "A-B C")), 0);
    assert_int_equal(decode_str(PEM("A\tB", "AAEC\n", "A\tB")), AVILA_EFORMAT);
    assert_int_equal(decode_str(PEM("A\x80", "AAEC\n", "A\x80")), AVILA_EFORMAT);
    memset(t, 0, sizeof t);
    {
        char label[80];
        memset(label, 'L', 65);
        label[65] = 0;
        snprintf(t, sizeof t, "-----BEGIN %s-----\nAAEC\n-----END %s-----\n", label, label);
        assert_int_equal(decode_str(t), AVILA_ELIMIT);
        label[64] = 0;
        snprintf(t, sizeof t, "-----BEGIN %s-----\nAAEC\n-----END %s-----\n", label, label);
        assert_int_equal(decode_str(t), 0);
    }
    /* Base64: bad characters, whitespace, non-canonical padding bits, missing or extra padding. */
    assert_int_equal(decode_str(PEM("K", "AA*C\n", "K")), AVILA_EFORMAT);
    assert_int_equal(decode_str(PEM("K", "AA EC\n", "K")), AVILA_EFORMAT);
    assert_int_equal(decode_str(PEM("K", " AAEC\n", "K")), AVILA_EFORMAT);
    assert_int_equal(decode_str(PEM("K", "AAEC \n", "K")), AVILA_EFORMAT);
    assert_int_equal(decode_str(PEM("K", "AAEC\t\n", "K")), AVILA_EFORMAT);
    assert_int_equal(decode_str(PEM("K", "AA==\n", "K")), 0);
    assert_int_equal(decode_str(PEM("K", "AB==\n", "K")), AVILA_EFORMAT);
    assert_int_equal(decode_str(PEM("K", "AAE=\n", "K")), 0);
    assert_int_equal(decode_str(PEM("K", "AAF=\n", "K")), AVILA_EFORMAT);
    assert_int_equal(decode_str(PEM("K", "AA\n", "K")), AVILA_EFORMAT);
    assert_int_equal(decode_str(PEM("K", "AAE\n", "K")), AVILA_EFORMAT);
    assert_int_equal(decode_str(PEM("K", "AA=\n", "K")), AVILA_EFORMAT);
    assert_int_equal(decode_str(PEM("K", "AA===\n", "K")), AVILA_EFORMAT);
    /* Padding before the end, within a line and across lines. */
    assert_int_equal(decode_str(PEM("K", "AA==AAEC\n", "K")), AVILA_EFORMAT);
    assert_int_equal(decode_str(PEM("K", "AA==\nAAEC\n", "K")), AVILA_EFORMAT);
    /* ... and at the end of a full internal chunk (256 characters then more). */
    {
        size_t o = (size_t)snprintf(t, sizeof t, "-----BEGIN K-----\n");
        for (int i = 0; i < 63; i++)
            o += (size_t)snprintf(t + o, sizeof t - o, "AAAA");
        o += (size_t)snprintf(t + o, sizeof t - o, "AA==\nAAAA\n-----END K-----\n");
        assert_int_equal(decode(t, o), AVILA_EFORMAT);
        /* The same without the trailing quantum is fine. */
        o = (size_t)snprintf(t, sizeof t, "-----BEGIN K-----\n");
        for (int i = 0; i < 63; i++)
            o += (size_t)snprintf(t + o, sizeof t - o, "AAAA");
        o += (size_t)snprintf(t + o, sizeof t - o, "AA==\n-----END K-----\n");
        assert_int_equal(decode(t, o), 0);
    }
    /* Headers (RFC 1421 encrypted PEM). */
    assert_int_equal(decode_str(PEM("RSA PRIVATE KEY",
                                    "Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAEC\n",
                                    "RSA PRIVATE KEY")),
                     AVILA_EUNSUPPORTED);
    /* Blank lines, missing END, END without its dashes, mixed line ends. */
    assert_int_equal(decode_str(PEM("K", "\nAAEC\n", "K")), AVILA_EFORMAT);
    assert_int_equal(decode_str(PEM("K", "AAEC\n\n", "K")), AVILA_EFORMAT);
    assert_int_equal(decode_str("-----BEGIN K-----\nAAEC\n"), AVILA_EFORMAT);
    assert_int_equal(decode_str("-----BEGIN K-----\nAAEC\n-----END K----\n"), AVILA_EFORMAT);
    assert_int_equal(decode_str("-----BEGIN K-----\nAAEC\n-----END K-----x\n"), AVILA_EFORMAT);
    assert_int_equal(decode_str("-----BEGIN K-----\r\nAAEC\n-----END K-----\r\n"), AVILA_EFORMAT);
    assert_int_equal(decode_str("-----BEGIN K-----\nAAEC\r\n-----END K-----\n"), AVILA_EFORMAT);
    assert_int_equal(decode_str("-----BEGIN K-----\nAAEC\n-----END K-----\r\n"), AVILA_EFORMAT);
    assert_int_equal(decode_str("-----BEGIN K-----\rAAEC\r-----END K-----\r"), AVILA_EFORMAT);
    /* Text around the block (decode takes one block exactly). */
    assert_int_equal(decode_str("x\n" PEM("K", "AAEC\n", "K")), AVILA_EFORMAT);
    assert_int_equal(decode_str(PEM("K", "AAEC\n", "K") "\n"), AVILA_EFORMAT);
    assert_int_equal(decode_str(" " PEM("K", "AAEC\n", "K")), AVILA_EFORMAT);
    assert_int_equal(decode_str("-----BEGIN K----- \nAAEC\n-----END K-----\n"), AVILA_EFORMAT);
    /* Line length bound: AVILA_PEM_LINE_MAX characters pass, one more is ELIMIT. */
    for (int extra = 0; extra < 2; extra++) {
        size_t o = (size_t)snprintf(t, sizeof t, "-----BEGIN K-----\n");
        const size_t w = AVILA_PEM_LINE_MAX + (size_t)extra * 4;
        memset(t + o, 'A', w);
        o += w;
        o += (size_t)snprintf(t + o, sizeof t - o, "\n-----END K-----\n");
        assert_int_equal(decode(t, o), extra ? AVILA_ELIMIT : 0);
    }
    /* The empty block is allowed (its encoding has no data line). */
    assert_int_equal(decode_str("-----BEGIN K-----\n-----END K-----\n"), 0);
    /* Encoder refuses bad labels. */
    char out[256];
    assert_int_equal(avila_pem_encode(out, sizeof out, "A--B", 4, "x", 1, NULL), AVILA_EINVAL);
    assert_int_equal(avila_pem_encode(out, sizeof out, "A\nB", 3, "x", 1, NULL), AVILA_EINVAL);
#undef PEM
}

/* Explanatory text between blocks (RFC 7468 section 5.2) and walking a file of several blocks. */
static void next_blocks(void **state)
{
    (void)state;
    static const char file[] = "Subject: example\n"
                               "  issuer text -----BEGIN not at line start\n"
                               "-----BEGIN A-----\nAAEC\n-----END A-----\n"
                               "between\n"
                               "-----BEGIN B-----\r\nAQID\r\n-----END B-----\r\n"
                               "-----BEGIN C-----\nAA==\n-----END C-----";
    const size_t n = strlen(file);
    struct avila_pem_block blk;
    uint8_t der[16];
    size_t pos = 0;
    assert_int_equal(avila_pem_next(&blk, der, sizeof der, file, n, &pos), 0);
    assert_memory_equal(blk.label, "A", 1);
    assert_int_equal(blk.der_len, 3);
    assert_int_equal(der[2], 2);
    assert_int_equal(blk.start, strstr(file, "-----BEGIN A") - file);
    assert_int_equal(avila_pem_next(&blk, der, sizeof der, file, n, &pos), 0);
    assert_memory_equal(blk.label, "B", 1);
    assert_int_equal(der[2], 3);
    assert_int_equal(avila_pem_next(&blk, der, sizeof der, file, n, &pos), 0);
    assert_memory_equal(blk.label, "C", 1);
    assert_int_equal(blk.der_len, 1);
    assert_int_equal(pos, n);
    assert_int_equal(avila_pem_next(&blk, der, sizeof der, file, n, &pos), AVILA_ENOTFOUND);
    /* A broken block stops the walk with its error, pos unchanged. */
    static const char bad[] = "-----BEGIN A-----\nAA*C\n-----END A-----\n";
    pos = 0;
    assert_int_equal(avila_pem_next(&blk, der, sizeof der, bad, strlen(bad), &pos), AVILA_EFORMAT);
    assert_int_equal(pos, 0);
    pos = 0;
    assert_int_equal(avila_pem_next(&blk, der, sizeof der, "no block\n", 9, &pos), AVILA_ENOTFOUND);
}

/* Every proper prefix of a block is refused; full blocks read right up to a guard page. */
static void prefixes_and_guard_pages(void **state)
{
    (void)state;
    const size_t n = strlen(FIG12);
    for (size_t k = 0; k <= n; k++) {
        char *p = unit_guarded_alloc(k);
        memcpy(p, FIG12, k);
        int rc = decode(p, k);
        /* The whole text and the text without its final LF decode. */
        if (k >= n - 1)
            assert_int_equal(rc, 0);
        else
            assert_true(rc < 0);
        size_t pos = 0;
        struct avila_pem_block blk;
        uint8_t der[256];
        rc = avila_pem_next(&blk, der, sizeof der, p, k, &pos);
        assert_true(k >= n - 1 ? rc == 0 : rc < 0);
        unit_guarded_free(p, k);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc7468_example),
        cmocka_unit_test(encode_decode_lengths),
        cmocka_unit_test(rejects),
        cmocka_unit_test(next_blocks),
        cmocka_unit_test(prefixes_and_guard_pages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
