/*
 * tests/data/tool_json_write.c - data/json_write.h behind a line protocol,
 * so that tests/data/peer_json_write.py (Python's json module and a small
 * RFC 8785 implementation) can compare thousands of documents through one
 * pipe.
 *
 * Reads one command per line from standard input. A document is the lines
 * from "opts" to "end"; every line in between is one writer call:
 *   opts INDENT FLAGS DEPTH  starts a document in a fresh growable buffer;
 *                            FLAGS is "-" or letters: a = ASCII, c = canonical
 *   { } [ ]                  object_begin, object_end, array_begin, array_end
 *   k HEX, s HEX             key, string: the bytes in hex ("-" for none)
 *   i DEC, u DEC             int64, uint64
 *   d HEX                    double, its 64 bits in hex
 *   n TEXT                   number_text (TEXT "-" for the empty string)
 *   t, f, z                  true, false, null
 *   end                      finish, then prints one line: "OK <output in hex>"
 *                            ("OK -" if empty), or "ERR <name> <call>" with the
 *                            first error's AVILA_E* name and the 1-based index
 *                            of the call that caused it (the writer's init is
 *                            call 1, the first line after "opts" call 2)
 * Outside documents:
 *   cmp HEX HEX              prints -1, 0 or 1: avila_json_jcs_key_cmp's sign
 *   cpu SPEC                 restricts dispatch as AVILA_CPU=SPEC would (from all);
 *                            prints the kernel now in use
 * A malformed line prints "BAD <line>" and ends the run with status 1.
 *
 * The tool also checks two contracts on the way and reports a breach in
 * place of the document's line: "STICKY <call>" if a call after the first
 * error returned anything but that error, and (canonical documents)
 * "UNSORTED <call>" if a key does not sort strictly after the previous key
 * of its object by avila_json_jcs_key_cmp (the peer sends them sorted by
 * UTF-16 code units, so this cross-checks the comparison in place).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/cpu.h"
#include "core/error.h"
#include "data/json_write.h"

#define MAX_LINE (1 << 22)

static char line[MAX_LINE];

static int hex_digit(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int unhex(const char *h, uint8_t **out, size_t *len)
{
    size_t n = strlen(h);
    if (strcmp(h, "-") == 0)
        n = 0;
    if (n % 2 != 0)
        return -1;
    uint8_t *p = malloc(n / 2 + 1);
    if (!p)
        return -1;
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hex_digit(h[2 * i]), lo = hex_digit(h[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            free(p);
            return -1;
        }
        p[i] = (uint8_t)(hi << 4 | lo);
    }
    *out = p;
    *len = n / 2;
    return 0;
}

/* A document in progress. */
struct doc {
    struct avila_buf buf;
    struct avila_json_writer w;
    int active;
    int canonical;
    int first_err;
    unsigned long calls, err_call;
    int broken; /* 1: sticky breach, 2: unsorted keys */
    unsigned long broken_call;
    /* Canonical mode: the previous key of each open object. */
    uint8_t *prev[AVILA_JSON_WRITE_MAX_DEPTH + 1];
    size_t prev_len[AVILA_JSON_WRITE_MAX_DEPTH + 1];
    int has_prev[AVILA_JSON_WRITE_MAX_DEPTH + 1];
    size_t level;
};

static struct doc d;

static void drop_prev(size_t level)
{
    free(d.prev[level]);
    d.prev[level] = NULL;
    d.has_prev[level] = 0;
}

static void note(int rc)
{
    d.calls++;
    if (d.first_err == 0 && rc != 0) {
        d.first_err = rc;
        d.err_call = d.calls;
    } else if (d.first_err != 0 && rc != d.first_err && !d.broken) {
        d.broken = 1;
        d.broken_call = d.calls;
    }
}

static void check_order(const uint8_t *k, size_t n)
{
    size_t l = d.level;
    if (d.has_prev[l] && avila_json_jcs_key_cmp(d.prev[l], d.prev_len[l], k, n) >= 0 && !d.broken) {
        d.broken = 2;
        d.broken_call = d.calls + 1;
    }
    if (avila_json_jcs_key_cmp(k, n, k, n) != 0 && !d.broken) {
        d.broken = 2;
        d.broken_call = d.calls + 1;
    }
    drop_prev(l);
    d.prev[l] = malloc(n + 1);
    if (!d.prev[l])
        exit(2);
    memcpy(d.prev[l], k, n);
    d.prev_len[l] = n;
    d.has_prev[l] = 1;
}

static void finish(void)
{
    note(avila_json_write_finish(&d.w));
    if (d.broken) {
        printf("%s %lu\n", d.broken == 1 ? "STICKY" : "UNSORTED", d.broken_call);
    } else if (d.first_err != 0) {
        printf("ERR %s %lu\n", avila_strerror_name(d.first_err), d.err_call);
    } else {
        fputs("OK ", stdout);
        if (d.buf.len == 0)
            fputs("-", stdout);
        for (size_t i = 0; i < d.buf.len; i++)
            printf("%02x", d.buf.data[i]);
        fputc('\n', stdout);
    }
    avila_buf_release(&d.buf);
    for (size_t l = 0; l <= AVILA_JSON_WRITE_MAX_DEPTH; l++)
        drop_prev(l);
    d.active = 0;
}

static int start(const char *args)
{
    char *p;
    errno = 0;
    unsigned long indent = strtoul(args, &p, 10);
    if (errno || p == args || *p != ' ')
        return -1;
    const char *flags = p + 1, *space = strchr(flags, ' ');
    if (!space || space == flags)
        return -1;
    unsigned long depth = strtoul(space + 1, &p, 10);
    if (errno || p == space + 1 || *p != '\0' || indent > 1000 || depth > 100000)
        return -1;
    struct avila_json_write_options o = {(unsigned)indent, (unsigned)depth, 0};
    for (const char *c = flags; c < space; c++)
        o.flags |= *c == 'a' ? AVILA_JSON_WRITE_ASCII : *c == 'c' ? AVILA_JSON_WRITE_CANONICAL : 0;
    d.canonical = (o.flags & AVILA_JSON_WRITE_CANONICAL) != 0;
    d.first_err = 0;
    d.calls = 0;
    d.broken = 0;
    d.level = 0;
    avila_buf_init(&d.buf, avila_allocator_libc(), (size_t)1 << 30);
    d.active = 1;
    note(avila_json_write_init(&d.w, &d.buf, &o));
    return 0;
}

static int call(char op, const char *arg)
{
    uint8_t *p = NULL;
    size_t n = 0;
    int rc;
    char *end;
    switch (op) {
    case '{':
        rc = avila_json_write_object_begin(&d.w);
        if (rc == 0 && d.level < AVILA_JSON_WRITE_MAX_DEPTH)
            drop_prev(++d.level);
        break;
    case '[':
        rc = avila_json_write_array_begin(&d.w);
        if (rc == 0 && d.level < AVILA_JSON_WRITE_MAX_DEPTH)
            drop_prev(++d.level);
        break;
    case '}':
        rc = avila_json_write_object_end(&d.w);
        if (rc == 0 && d.level > 0)
            d.level--;
        break;
    case ']':
        rc = avila_json_write_array_end(&d.w);
        if (rc == 0 && d.level > 0)
            d.level--;
        break;
    case 'k':
    case 's':
        if (unhex(arg, &p, &n) != 0)
            return -1;
        if (op == 'k' && d.canonical && d.first_err == 0)
            check_order(p, n);
        rc = op == 'k' ? avila_json_write_key(&d.w, p, n) : avila_json_write_string(&d.w, p, n);
        free(p);
        break;
    case 'i':
        errno = 0;
        long long v = strtoll(arg, &end, 10);
        if (errno || *end)
            return -1;
        rc = avila_json_write_int64(&d.w, (int64_t)v);
        break;
    case 'u':
        errno = 0;
        unsigned long long u = strtoull(arg, &end, 10);
        if (errno || *end || arg[0] == '-')
            return -1;
        rc = avila_json_write_uint64(&d.w, (uint64_t)u);
        break;
    case 'd': {
        errno = 0;
        unsigned long long bits = strtoull(arg, &end, 16);
        if (errno || *end)
            return -1;
        double x;
        uint64_t b64 = (uint64_t)bits;
        memcpy(&x, &b64, sizeof x);
        rc = avila_json_write_double(&d.w, x);
        break;
    }
    case 'n':
        rc = avila_json_write_number_text(&d.w, arg, strcmp(arg, "-") == 0 ? 0 : strlen(arg));
        break;
    case 't':
    case 'f':
        rc = avila_json_write_bool(&d.w, op == 't');
        break;
    case 'z':
        rc = avila_json_write_null(&d.w);
        break;
    default:
        return -1;
    }
    note(rc);
    return 0;
}

static int command(char *l)
{
    char *arg = strchr(l, ' ');
    if (arg)
        *arg++ = '\0';
    else
        arg = l + strlen(l);
    if (strcmp(l, "opts") == 0)
        return d.active ? -1 : start(arg);
    if (strcmp(l, "end") == 0) {
        if (!d.active)
            return -1;
        finish();
        return 0;
    }
    if (strcmp(l, "cmp") == 0) {
        char *b = strchr(arg, ' ');
        uint8_t *p, *q;
        size_t pn, qn;
        if (!b)
            return -1;
        *b++ = '\0';
        if (unhex(arg, &p, &pn) != 0)
            return -1;
        if (unhex(b, &q, &qn) != 0) {
            free(p);
            return -1;
        }
        int c = avila_json_jcs_key_cmp(p, pn, q, qn);
        printf("%d\n", c < 0 ? -1 : c > 0);
        free(p);
        free(q);
        return 0;
    }
    if (strcmp(l, "cpu") == 0) {
        uint32_t allowed;
        if (avila_cpu_parse(arg, &allowed) != 0)
            return -1;
        avila_cpu_restrict(allowed);
        printf("%s\n", avila_json_write_impl());
        return 0;
    }
    if (!d.active || strlen(l) != 1)
        return -1;
    return call(l[0], arg);
}

int main(void)
{
    avila_cpu_init();
    while (fgets(line, sizeof line, stdin)) {
        size_t n = strlen(line);
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (n == 0)
            continue;
        char copy[64];
        snprintf(copy, sizeof copy, "%s", line);
        if (command(line) != 0) {
            printf("BAD %s\n", copy);
            return 1;
        }
    }
    fflush(stdout);
    return 0;
}
