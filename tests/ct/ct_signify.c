/*
 * tests/ct/ct_signify.c - constant-time check of signify's secret-key
 * handling (crypto/signify.h) under valgrind (method: tests/ct/ct_core.c).
 *
 * Secret: the base64 characters of an unencrypted secret-key file that
 * carry the key (and the checksum's last bytes, which share their quanta),
 * and everything derived from them. Covered: avila_signify_seckey_parse's
 * decoding of those characters, avila_signify_seckey_decrypt's checks
 * (SHA-512 checksum, public half, verdict folding) with kdfrounds 0, the
 * writer's encoding, and signing. bcrypt_pbkdf (kdfrounds > 0) is not:
 * Blowfish's S-box lookups are secret-indexed by design
 * (crypto/blowfish_int.h). Run with the portable paths and again with
 * every SIMD path the CPU (as valgrind presents it) has.
 *
 * With --leaky it decodes the same characters with core/encoding.h's
 * table-driven base64 decoder instead, whose table lookups are indexed by
 * the secret characters: the method must catch that (it is why signify.c
 * has its own arithmetic decoder).
 */
#include <stdio.h>
#include <string.h>
#include <valgrind/memcheck.h>

#include "core/cpu.h"
#include "core/encoding.h"
#include "crypto/signify.h"

#define SECRET(p, n) VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#define PUBLIC(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))

/* Where the secret part of the base64 line starts: the quanta from byte 39 of the record on. */
#define SECRET_CHARS_FROM 52

static unsigned checks;
static uint64_t folded;

/* Declassifies n bytes of a result and folds them into the printed output. */
static void use(const void *p, size_t n)
{
    uint8_t buf[256];
    if (n > sizeof buf)
        n = sizeof buf;
    memcpy(buf, p, n);
    PUBLIC(buf, n);
    for (size_t i = 0; i < n; i++)
        folded = folded * 31 + buf[i];
    checks++;
}

/* An unencrypted secret-key file, made here; *line is the offset of its base64 line. */
static size_t make_file(char *file, size_t *line)
{
    uint8_t seed[32], keynum[8] = {1, 2, 3, 4, 5, 6, 7, 8}, salt[16] = {0};
    for (size_t i = 0; i < sizeof seed; i++)
        seed[i] = (uint8_t)(i * 13 + 5);
    struct avila_signify_pubkey pk;
    struct avila_signify_seckey sk;
    avila_signify_keygen(&pk, &sk, seed, keynum, salt, 0);
    sk.comment = "ct";
    sk.comment_len = 2;
    size_t n = 0;
    if (avila_signify_seckey_write(file, AVILA_SIGNIFY_FILE_MAX, &sk, NULL, 0, &n) != 0)
        return 0;
    *line = strlen("untrusted comment: ct\n");
    return n;
}

static void run(const char *name, uint32_t restrict_to)
{
    avila_cpu_restrict(restrict_to);
    char file[AVILA_SIGNIFY_FILE_MAX];
    size_t line = 0, n = make_file(file, &line);
    /* Everything from the key's quanta to the line's padding is secret. */
    SECRET(file + line + SECRET_CHARS_FROM, n - 1 - line - SECRET_CHARS_FROM);

    struct avila_signify_seckey sk;
    int rc = avila_signify_seckey_parse(&sk, file, n, NULL);
    use(&rc, sizeof rc);
    rc = avila_signify_seckey_decrypt(&sk, NULL, 0);
    use(&rc, sizeof rc);
    /* The verdict is public (the return value says it too); the key is not. */
    PUBLIC(&sk.plain, 1);

    char out[AVILA_SIGNIFY_FILE_MAX];
    size_t out_n = 0;
    rc = avila_signify_seckey_write(out, sizeof out, &sk, NULL, 0, &out_n);
    use(&rc, sizeof rc);
    use(out + line + SECRET_CHARS_FROM, 4);

    struct avila_signify_sig sig;
    rc = avila_signify_sign(&sig, &sk, "message", 7);
    use(&rc, sizeof rc);
    use(sig.sig, sizeof sig.sig);
    printf("ct_signify %s: %u checks\n", name, checks);
}

/* The table-driven decoder on the same secret characters: valgrind MUST object. */
static void leaky_decode(void)
{
    char file[AVILA_SIGNIFY_FILE_MAX];
    size_t line = 0, n = make_file(file, &line);
    SECRET(file + line + SECRET_CHARS_FROM, n - 1 - line - SECRET_CHARS_FROM);
    uint8_t rec[AVILA_SIGNIFY_SECKEY_LEN + 3];
    size_t got = 0;
    int rc = avila_base64_decode(rec, sizeof rec, file + line, n - 1 - line, 0, &got);
    use(&rc, sizeof rc);
    use(rec, sizeof rec);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--leaky") == 0) {
        leaky_decode();
        return 0;
    }
    run("portable", 0);
    run("native", AVILA_CPU_ALL);
    printf("ct_signify: %u checks, fold %016llx\n", checks, (unsigned long long)folded);
    return 0;
}
