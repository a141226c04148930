/*
 * tests/crypto/tool_mp.c - crypto/mp.h behind a line protocol, so that
 * tests/crypto/peer_mp.py (Python's own integers) can compare hundreds of
 * thousands of results through one pipe.
 *
 * Reads one command per line from standard input: an operation and its
 * arguments separated by spaces. N, E, L, S are decimal numbers (limb
 * counts, byte lengths, shift amounts); X, M, A, B, D are integers in hex
 * (either case, no prefix), read into the operation's limb count; H is a
 * byte string in hex ("-" for empty). Writes exactly one line per command:
 * integers in lowercase hex without leading zeros ("0" for zero), several
 * results separated by one space, or "ERR <name>" with the AVILA_E* name
 * (AVILA_EFORMAT for a malformed command, AVILA_EUNSUPPORTED for an unknown
 * operation, AVILA_ELIMIT for a count beyond AVILA_MP_MAX_LIMBS, and
 * AVILA_ERANGE for an integer that does not fit its limbs).
 *
 * Operations (R = 2^(64 N)):
 *   add N A B, sub N A B       (A +- B) mod R, then the carry or borrow
 *   cmp N A B                  avila_mp_cmp, the lt mask bit, the eq mask bit, A's zero bit
 *   bitlen N A                 decimal
 *   shl N A S, shr N A S       (A << S) mod R, A >> S
 *   mul N1 N2 A B              A B (A in N1 limbs, B in N2)
 *   modword N A D              A mod D (D one word)
 *   frombytes N H              the value of H, or ERR AVILA_ERANGE
 *   tobytes N L A              A as L big-endian bytes, or ERR AVILA_ERANGE
 *   montmul N M A B            A B R^-1 mod M; montsqr N M A: A^2 R^-1 mod M
 *   tomont N M A, frommont N M A
 *   reduce N M A               A mod M, A in 2N limbs
 *   modadd N M A B, modsub N M A B
 *   modexp N E M B X           B^X mod M, X in E limbs; modexpv: the vartime one
 *   modinv N M A               A^-1 mod M or ERR AVILA_EINVAL; modinvp: by Fermat
 *   rsad N L E                 E^-1 mod L (L even, E an odd word) or ERR AVILA_EINVAL
 *   cpu S                      restricts dispatch as AVILA_CPU=S would (from all); OK
 *   impl N                     the montmul path for N limbs now
 * Every operation with M sets up a Montgomery context (kept while M and N
 * repeat, so runs of cases under one modulus are cheap); an even or zero M
 * gives ERR AVILA_EINVAL. AVILA_CPU in the environment applies at start-up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cpu.h"
#include "core/error.h"
#include "crypto/mp.h"

#define MAX_ARGS 6
#define WIDE     (2 * AVILA_MP_MAX_LIMBS)
#define MAX_LINE 65536

static char out[8 * 1024];
static size_t out_len;

static void emit(const char *s)
{
    size_t n = strlen(s);
    if (out_len + n + 2 < sizeof out) {
        if (out_len)
            out[out_len++] = ' ';
        memcpy(out + out_len, s, n);
        out_len += n;
        out[out_len] = '\0';
    }
}

static void emit_num(uint64_t v, int hex)
{
    char b[32];
    snprintf(b, sizeof b, hex ? "%llx" : "%llu", (unsigned long long)v);
    emit(b);
}

static void emit_int(const uint64_t *a, size_t n)
{
    char b[WIDE * 16 + 1];
    size_t len = 0, i = n;
    while (i > 0 && a[i - 1] == 0)
        i--;
    if (i == 0) {
        emit("0");
        return;
    }
    len += (size_t)snprintf(b, sizeof b, "%llx", (unsigned long long)a[--i]);
    while (i-- > 0)
        len += (size_t)snprintf(b + len, sizeof b - len, "%016llx", (unsigned long long)a[i]);
    emit(b);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Reads the hex integer s into n limbs. */
static int parse_int(const char *s, uint64_t *r, size_t n)
{
    size_t len = strlen(s);
    memset(r, 0, n * sizeof r[0]);
    if (len == 0)
        return AVILA_EFORMAT;
    for (size_t i = 0; i < len; i++) {
        int v = hexval(s[len - 1 - i]);
        if (v < 0)
            return AVILA_EFORMAT;
        if (i / 16 >= n) {
            if (v != 0)
                return AVILA_ERANGE;
            continue;
        }
        r[i / 16] |= (uint64_t)v << (4 * (i % 16));
    }
    return 0;
}

static int parse_count(const char *s, size_t max, size_t *v)
{
    char *end;
    unsigned long long x = strtoull(s, &end, 10);
    if (*s == '\0' || *end != '\0')
        return AVILA_EFORMAT;
    if (x > max)
        return AVILA_ELIMIT;
    *v = (size_t)x;
    return 0;
}

static int limbs(const char *s, size_t *n)
{
    int rc = parse_count(s, AVILA_MP_MAX_LIMBS, n);
    return rc == 0 && *n == 0 ? AVILA_EFORMAT : rc;
}

static struct avila_mp_mont ctx;
static uint64_t ctx_m[AVILA_MP_MAX_LIMBS];
static size_t ctx_n;
static int ctx_rc = -1;

static int mont(const char *hex, size_t n)
{
    uint64_t m[AVILA_MP_MAX_LIMBS];
    int rc = parse_int(hex, m, n);
    if (rc < 0)
        return rc;
    if (ctx_rc == 0 && ctx_n == n && memcmp(m, ctx_m, n * sizeof m[0]) == 0)
        return 0;
    memcpy(ctx_m, m, n * sizeof m[0]);
    ctx_n = n;
    ctx_rc = avila_mp_mont_init(&ctx, m, n);
    return ctx_rc;
}

static uint64_t work[AVILA_MP_MODEXP_WORK_LIMBS(AVILA_MP_MAX_LIMBS)];

/* Runs one command; returns 0 with the results emitted, or an error code. */
static int run(char **argv, size_t argc)
{
    static uint64_t a[WIDE], b[WIDE], r[WIDE + 1];
    const char *op = argv[0];
    size_t n = 0, k = 0;
    int rc;
#define NEED(c)                                                                                    \
    do {                                                                                           \
        if (argc != (c))                                                                           \
            return AVILA_EFORMAT;                                                                  \
    } while (0)
#define TRY(x)                                                                                     \
    do {                                                                                           \
        if ((rc = (x)) < 0)                                                                        \
            return rc;                                                                             \
    } while (0)
    if (strcmp(op, "cpu") == 0) {
        uint32_t allowed;
        NEED(2);
        TRY(avila_cpu_parse(argv[1], &allowed));
        avila_cpu_restrict(allowed);
        emit("OK");
        return 0;
    }
    if (argc < 2)
        return AVILA_EFORMAT;
    TRY(limbs(argv[1], &n));
    if (strcmp(op, "impl") == 0) {
        NEED(2);
        emit(avila_mp_impl(n));
    } else if (strcmp(op, "add") == 0 || strcmp(op, "sub") == 0) {
        NEED(4);
        TRY(parse_int(argv[2], a, n));
        TRY(parse_int(argv[3], b, n));
        uint64_t c = op[0] == 'a' ? avila_mp_add(r, a, b, n) : avila_mp_sub(r, a, b, n);
        emit_int(r, n);
        emit_num(c, 1);
    } else if (strcmp(op, "cmp") == 0) {
        NEED(4);
        TRY(parse_int(argv[2], a, n));
        TRY(parse_int(argv[3], b, n));
        char s[8];
        snprintf(s, sizeof s, "%d", avila_mp_cmp(a, b, n));
        emit(s);
        emit_num(avila_mp_lt_mask(a, b, n) & 1, 1);
        emit_num(avila_mp_eq_mask(a, b, n) & 1, 1);
        emit_num(avila_mp_zero_mask(a, n) & 1, 1);
    } else if (strcmp(op, "bitlen") == 0) {
        NEED(3);
        TRY(parse_int(argv[2], a, n));
        emit_num(avila_mp_bitlen(a, n), 0);
    } else if (strcmp(op, "shl") == 0 || strcmp(op, "shr") == 0) {
        NEED(4);
        TRY(parse_int(argv[2], a, n));
        TRY(parse_count(argv[3], 1u << 20, &k));
        if (op[2] == 'l')
            avila_mp_shl(a, a, n, k);
        else
            avila_mp_shr(a, a, n, k);
        emit_int(a, n);
    } else if (strcmp(op, "mul") == 0) {
        NEED(5);
        TRY(limbs(argv[2], &k));
        TRY(parse_int(argv[3], a, n));
        TRY(parse_int(argv[4], b, k));
        avila_mp_mul(r, a, n, b, k);
        emit_int(r, n + k);
    } else if (strcmp(op, "modword") == 0) {
        NEED(4);
        TRY(parse_int(argv[2], a, n));
        TRY(parse_int(argv[3], b, 1));
        emit_num(avila_mp_mod_word(a, n, b[0]), 1);
    } else if (strcmp(op, "frombytes") == 0) {
        static uint8_t bytes[MAX_LINE / 2];
        NEED(3);
        size_t len = strcmp(argv[2], "-") == 0 ? 0 : strlen(argv[2]);
        if (len % 2)
            return AVILA_EFORMAT;
        for (size_t i = 0; i < len / 2; i++) {
            int hi = hexval(argv[2][2 * i]), lo = hexval(argv[2][2 * i + 1]);
            if (hi < 0 || lo < 0)
                return AVILA_EFORMAT;
            bytes[i] = (uint8_t)(hi << 4 | lo);
        }
        TRY(avila_mp_from_bytes(a, n, bytes, len / 2));
        emit_int(a, n);
    } else if (strcmp(op, "tobytes") == 0) {
        static uint8_t bytes[1024];
        char h[2 * sizeof bytes + 2];
        NEED(4);
        TRY(parse_count(argv[2], sizeof bytes, &k));
        TRY(parse_int(argv[3], a, n));
        TRY(avila_mp_to_bytes(bytes, k, a, n));
        for (size_t i = 0; i < k; i++)
            snprintf(h + 2 * i, 3, "%02x", bytes[i]);
        h[2 * k] = '\0';
        emit(k ? h : "-");
    } else if (strcmp(op, "rsad") == 0) {
        NEED(4);
        TRY(parse_int(argv[2], a, n));
        TRY(parse_int(argv[3], b, 1));
        TRY(avila_mp_rsa_private_exponent(r, a, n, b[0]));
        emit_int(r, n);
    } else {
        /* Everything else works under a modulus. */
        int exp = strcmp(op, "modexp") == 0 || strcmp(op, "modexpv") == 0;
        size_t el = 0;
        if (exp) {
            NEED(6);
            TRY(limbs(argv[2], &el));
            argv++;
            argc--;
        }
        if (argc < 4)
            return AVILA_EFORMAT;
        TRY(mont(argv[2], n));
        int wide = strcmp(op, "reduce") == 0;
        TRY(parse_int(argv[3], a, wide ? 2 * n : n));
        if (argc > 4)
            TRY(parse_int(argv[4], b, exp ? el : n));
        int two = argc == 5;
        if (strcmp(op, "montmul") == 0 && two)
            avila_mp_montmul(&ctx, r, a, b);
        else if (strcmp(op, "montsqr") == 0 && !two)
            avila_mp_montsqr(&ctx, r, a);
        else if (strcmp(op, "tomont") == 0 && !two)
            avila_mp_to_mont(&ctx, r, a);
        else if (strcmp(op, "frommont") == 0 && !two)
            avila_mp_from_mont(&ctx, r, a);
        else if (wide && !two)
            TRY(avila_mp_reduce(&ctx, r, a, 2 * n));
        else if (strcmp(op, "modadd") == 0 && two)
            avila_mp_modadd(&ctx, r, a, b);
        else if (strcmp(op, "modsub") == 0 && two)
            avila_mp_modsub(&ctx, r, a, b);
        else if (strcmp(op, "modexp") == 0 && two)
            TRY(avila_mp_modexp(&ctx, r, a, b, el, work, AVILA_ARRAY_LEN(work)));
        else if (strcmp(op, "modexpv") == 0 && two)
            TRY(avila_mp_modexp_vartime(&ctx, r, a, b, el));
        else if (strcmp(op, "modinv") == 0 && !two)
            TRY(avila_mp_modinv(&ctx, r, a));
        else if (strcmp(op, "modinvp") == 0 && !two)
            TRY(avila_mp_modinv_prime(&ctx, r, a, work, AVILA_ARRAY_LEN(work)));
        else
            return AVILA_EUNSUPPORTED;
        emit_int(r, n);
    }
    return 0;
#undef NEED
#undef TRY
}

int main(void)
{
    static char line[MAX_LINE];
    if (avila_cpu_init() < 0) {
        fprintf(stderr, "tool_mp: bad AVILA_CPU\n");
        return 2;
    }
    while (fgets(line, sizeof line, stdin)) {
        size_t len = strlen(line);
        int rc;
        out_len = 0;
        out[0] = '\0';
        if (len > 0 && line[len - 1] == '\n') {
            line[--len] = '\0';
        } else if (!feof(stdin)) {
            int c;
            while ((c = getchar()) != EOF && c != '\n')
                ;
            printf("ERR %s\n", avila_strerror_name(AVILA_ELIMIT));
            continue;
        }
        char *argv[MAX_ARGS + 1], *save = NULL;
        size_t argc = 0;
        for (char *t = strtok_r(line, " \t\r", &save); t && argc <= MAX_ARGS;
             t = strtok_r(NULL, " \t\r", &save))
            argv[argc++] = t;
        rc = argc == 0 || argc > MAX_ARGS ? AVILA_EFORMAT : run(argv, argc);
        if (rc < 0)
            printf("ERR %s\n", avila_strerror_name(rc));
        else
            puts(out);
    }
    if (ferror(stdin) || fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "tool_mp: I/O error\n");
        return 1;
    }
    return 0;
}
