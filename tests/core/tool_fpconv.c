/*
 * tests/core/tool_fpconv.c - core/fpconv.h behind a line protocol, so that
 * tests/core/peer_fpconv.py (Python's float(), repr() and an ECMAScript
 * Number::toString written there) can compare hundreds of thousands of
 * results through one pipe.
 *
 * Reads one command per line from standard input, writes exactly one line
 * per command:
 *   p TEXT          avila_fp_parse of TEXT (the rest of the line): the
 *                   result's bits in 16 lowercase hex digits, then " o" if
 *                   the overflow flag was set; or "ERR AVILA_EINVAL"
 *   s BITS          avila_fp_shortest of the double with those bits (hex):
 *                   "DIGITS EXP10", or "0" for zero, infinities and NaN
 *   f BITS          avila_fp_format: the text, or "-" when it returns 0
 *   d NEG M E X     avila_fp_from_decimal(NEG, M, E, X) (decimal numbers):
 *                   the bits as for p, or "undecided"
 * An unknown or malformed command gives "ERR AVILA_EFORMAT".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/fpconv.h"

static double double_of(uint64_t b)
{
    double v;
    memcpy(&v, &b, sizeof v);
    return v;
}

static uint64_t bits_of(double v)
{
    uint64_t b;
    memcpy(&b, &v, sizeof b);
    return b;
}

static void answer(char *line, size_t len)
{
    if (len >= 2 && line[0] == 'p' && line[1] == ' ') {
        double v;
        int overflow = 0;
        if (avila_fp_parse(line + 2, len - 2, &v, &overflow) != AVILA_OK) {
            puts("ERR AVILA_EINVAL");
            return;
        }
        printf("%016llx%s\n", (unsigned long long)bits_of(v), overflow ? " o" : "");
        return;
    }
    char *end;
    if (len >= 2 && (line[0] == 's' || line[0] == 'f') && line[1] == ' ') {
        uint64_t b = strtoull(line + 2, &end, 16);
        if (end == line + 2 || *end != '\0') {
            puts("ERR AVILA_EFORMAT");
        } else if (line[0] == 's') {
            char d[17];
            int e;
            int n = avila_fp_shortest(double_of(b), d, &e);
            if (n == 0)
                puts("0");
            else
                printf("%.*s %d\n", n, d, e);
        } else {
            char buf[AVILA_FP_FORMAT_MAX];
            size_t n = avila_fp_format(double_of(b), buf);
            printf("%.*s\n", n ? (int)n : 1, n ? buf : "-");
        }
        return;
    }
    if (len >= 2 && line[0] == 'd' && line[1] == ' ') {
        char *p = line + 2, *q, *r, *t;
        long neg = strtol(p, &q, 10);
        unsigned long long m = strtoull(q, &r, 10);
        long long e = strtoll(r, &t, 10);
        long exact = strtol(t, &end, 10);
        double v;
        if (q == p || r == q || t == r || end == t || *end != '\0') {
            puts("ERR AVILA_EFORMAT");
        } else if (!avila_fp_from_decimal(neg != 0, m, e, exact != 0, &v)) {
            puts("undecided");
        } else {
            printf("%016llx\n", (unsigned long long)bits_of(v));
        }
        return;
    }
    puts("ERR AVILA_EFORMAT");
}

int main(void)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, stdin)) >= 0) {
        if (n > 0 && line[n - 1] == '\n')
            line[--n] = '\0';
        answer(line, (size_t)n);
    }
    free(line);
    return ferror(stdout) ? 1 : 0;
}
