/*
 * tests/crypto/tool_keyfmt.c - the key-format helper that
 * tests/crypto/test_keyfmt_openssl.sh drives (crypto/keyfmt.h):
 *   tool_keyfmt write FORMAT [--pem] IN OUT   load IN (PEM or DER, any format), write it in
 *                                             FORMAT (pkcs8 spki sec1 rsa rsapub) to OUT
 *   tool_keyfmt v2 PRIV PUB OUT               PKCS#8 v2: the private key of PRIV with the
 *                                             public key of PUB (Ed25519 / X25519), DER
 *   tool_keyfmt sig-rs SIG                    DER ECDSA signature -> r||s hex (P-256)
 *   tool_keyfmt rs-sig HEX OUT                r||s hex -> DER ECDSA signature
 * Exits 0 on success, 1 with a message on failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/encoding.h"
#include "core/error.h"
#include "crypto/keyfmt.h"

#define MAX_FILE (1 << 16)

static uint8_t in_a[MAX_FILE], in_b[MAX_FILE], work_a[AVILA_KEYFMT_DER_MAX],
    work_b[AVILA_KEYFMT_DER_MAX], out[AVILA_KEYFMT_PEM_MAX];

static size_t read_file(const char *path, uint8_t *buf)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "tool_keyfmt: cannot open %s\n", path);
        exit(1);
    }
    size_t n = fread(buf, 1, MAX_FILE, f);
    fclose(f);
    return n;
}

static void write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
        fprintf(stderr, "tool_keyfmt: cannot write %s\n", path);
        exit(1);
    }
}

static void check(int rc, const char *what)
{
    if (rc < 0) {
        fprintf(stderr, "tool_keyfmt: %s: %s\n", what, avila_strerror_name(rc));
        exit(1);
    }
}

static int format_of(const char *name)
{
    static const char *names[] = {"pkcs8", "spki", "sec1", "rsa", "rsapub"};
    for (int i = 0; i < 5; i++)
        if (strcmp(name, names[i]) == 0)
            return AVILA_KEYFMT_PKCS8 + i;
    fprintf(stderr, "tool_keyfmt: unknown format %s\n", name);
    exit(2);
}

int main(int argc, char **argv)
{
    struct avila_keyfmt_key key, pub;
    size_t len;
    if (argc >= 5 && strcmp(argv[1], "write") == 0) {
        const int format = format_of(argv[2]);
        const int pem = strcmp(argv[3], "--pem") == 0;
        if (argc != 5 + pem)
            return 2;
        size_t n = read_file(argv[3 + pem], in_a);
        check(avila_keyfmt_load(&key, NULL, in_a, n, work_a, sizeof work_a), "load");
        if (pem)
            check(avila_keyfmt_write_pem((char *)out, sizeof out, &key, format, work_b,
                                         sizeof work_b, &len),
                  "write");
        else
            check(avila_keyfmt_write(out, sizeof out, &key, format, &len), "write");
        write_file(argv[4 + pem], out, len);
        return 0;
    }
    if (argc == 5 && strcmp(argv[1], "v2") == 0) {
        size_t n = read_file(argv[2], in_a);
        check(avila_keyfmt_load(&key, NULL, in_a, n, work_a, sizeof work_a), "load private");
        n = read_file(argv[3], in_b);
        check(avila_keyfmt_load(&pub, NULL, in_b, n, work_b, sizeof work_b), "load public");
        key.pub = pub.pub;
        check(avila_keyfmt_write(out, sizeof out, &key, AVILA_KEYFMT_PKCS8, &len), "write");
        write_file(argv[4], out, len);
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "sig-rs") == 0) {
        uint8_t rs[64];
        char hex[129];
        size_t n = read_file(argv[2], in_a);
        check(avila_keyfmt_ecdsa_sig_from_der(rs, 32, in_a, n), "signature");
        check(avila_hex_encode(hex, sizeof hex, rs, 64, 0, &len), "hex");
        printf("%.*s\n", (int)len, hex);
        return 0;
    }
    if (argc == 4 && strcmp(argv[1], "rs-sig") == 0) {
        uint8_t rs[64];
        check(avila_hex_decode(rs, sizeof rs, argv[2], strlen(argv[2]), &len), "hex");
        if (len != 64)
            return 2;
        check(avila_keyfmt_ecdsa_sig_to_der(out, sizeof out, rs, 32, &len), "signature");
        write_file(argv[3], out, len);
        return 0;
    }
    fprintf(stderr, "usage: tool_keyfmt write|v2|sig-rs|rs-sig ...\n");
    return 2;
}
