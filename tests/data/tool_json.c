/*
 * tests/data/tool_json.c - data/json.h behind a pipe protocol, so that
 * tests/data/peer_json.py (Python's json module) can compare thousands of
 * documents through one process.
 *
 * Batch mode (no arguments): reads requests from standard input, each one
 * header line and a body:
 *     parse LEN FLAGS MAXDEPTH\n  then exactly LEN bytes of document
 *     pointer LEN FLAGS MAXDEPTH PLEN\n  then LEN bytes of document, then
 *                                        PLEN bytes of JSON Pointer
 *     cpu SPEC\n                          restricts dispatch as AVILA_CPU=SPEC would
 * FLAGS is "-" or letters: c comments, t trailing commas, b skip a BOM, f/l
 * keep the first/last of duplicate keys, r replace lone surrogates, d big
 * numbers to double. MAXDEPTH 0 is the default. Writes one line per request:
 *     OK CANON        the document (or the value the pointer names) in the
 *                     canonical form below
 *     ERR NAME OFFSET LINE COLUMN REASON    (AVILA_E* name; for pointers
 *                     only NAME)
 * File mode (tool_json [FLAGS] FILE): parses FILE and prints the same line.
 *
 * Canonical form (ASCII, one line): n t f; I<decimal> for INT and UINT;
 * D<16 hex digits> for a DOUBLE's bits; B<text> for a BIGNUM; S<hex of the
 * UTF-8 bytes> for a string ("S" alone when empty); [a,b,...] for arrays;
 * {key:value,...} for objects with members sorted by their keys' bytes, keys
 * as S<hex>. The canonical form is written without recursion.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/cpu.h"
#include "core/error.h"
#include "data/json.h"

static char *out;
static size_t out_len, out_cap;

static void put(const char *s, size_t n)
{
    if (out_len + n + 1 > out_cap) {
        size_t cap = (out_len + n + 1) * 2;
        char *p = realloc(out, cap);
        if (!p) {
            fprintf(stderr, "tool_json: out of memory\n");
            exit(2);
        }
        out = p;
        out_cap = cap;
    }
    memcpy(out + out_len, s, n);
    out_len += n;
}

static void puts_(const char *s)
{
    put(s, strlen(s));
}

static void put_hex(const char *s, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        char h[2] = {digits[(uint8_t)s[i] >> 4], digits[(uint8_t)s[i] & 15]};
        put(h, 2);
    }
}

struct member {
    const char *key;
    size_t klen;
    const struct avila_json_node *value;
};

static int member_cmp(const void *x, const void *y)
{
    const struct member *a = x, *b = y;
    size_t n = a->klen < b->klen ? a->klen : b->klen;
    int c = memcmp(a->key, b->key, n);
    if (c != 0)
        return c;
    return a->klen < b->klen ? -1 : a->klen > b->klen;
}

/* One open container in the canonical writer: its members in output order. */
struct frame {
    struct member *m;
    size_t n, next;
    int object;
};

static void put_scalar(const struct avila_json_doc *doc, const struct avila_json_node *v)
{
    char buf[64];
    size_t len;
    const char *s;
    int64_t i;
    uint64_t u;
    double d;
    switch (avila_json_type(v)) {
    case AVILA_JSON_NULL:
        puts_("n");
        break;
    case AVILA_JSON_BOOL:
        puts_(avila_json_bool(v) ? "t" : "f");
        break;
    case AVILA_JSON_INT:
        avila_json_int64(v, &i);
        snprintf(buf, sizeof buf, "I%lld", (long long)i);
        puts_(buf);
        break;
    case AVILA_JSON_UINT:
        avila_json_uint64(v, &u);
        snprintf(buf, sizeof buf, "I%llu", (unsigned long long)u);
        puts_(buf);
        break;
    case AVILA_JSON_DOUBLE:
        avila_json_double(v, &d);
        memcpy(&u, &d, 8);
        snprintf(buf, sizeof buf, "D%016llx", (unsigned long long)u);
        puts_(buf);
        break;
    case AVILA_JSON_BIGNUM:
        s = avila_json_number_text(doc, v, &len);
        puts_("B");
        put(s, len);
        break;
    case AVILA_JSON_STRING:
        s = avila_json_string(v, &len);
        puts_("S");
        put_hex(s, len);
        break;
    default:
        puts_("?");
        break;
    }
}

/* Opens a container: its members, sorted by key for objects. */
static void open_frame(struct frame *f, const struct avila_json_node *v)
{
    struct avila_json_iter it;
    const struct avila_json_node *k, *val;
    f->n = avila_json_size(v);
    f->next = 0;
    f->object = avila_json_type(v) == AVILA_JSON_OBJECT;
    f->m = malloc((f->n ? f->n : 1) * sizeof *f->m);
    if (!f->m)
        exit(2);
    size_t i = 0;
    avila_json_iter_init(&it, v);
    while (avila_json_iter_next(&it, &k, &val)) {
        f->m[i].key = k ? avila_json_string(k, &f->m[i].klen) : NULL;
        f->m[i].value = val;
        i++;
    }
    if (i != f->n) {
        fprintf(stderr, "tool_json: size %zu but %zu members\n", f->n, i);
        exit(2);
    }
    if (f->object)
        qsort(f->m, f->n, sizeof *f->m, member_cmp);
    puts_(f->object ? "{" : "[");
}

static void canon(const struct avila_json_doc *doc, const struct avila_json_node *v)
{
    size_t cap = 16, depth = 0;
    struct frame *st = malloc(cap * sizeof *st);
    if (!st)
        exit(2);
    for (;;) {
        enum avila_json_type t = avila_json_type(v);
        if (t == AVILA_JSON_ARRAY || t == AVILA_JSON_OBJECT) {
            if (depth == cap) {
                cap *= 2;
                struct frame *bigger = realloc(st, cap * sizeof *st);
                if (!bigger)
                    exit(2);
                st = bigger;
            }
            open_frame(&st[depth++], v);
        } else {
            put_scalar(doc, v);
        }
        for (;;) {
            if (depth == 0) {
                free(st);
                return;
            }
            struct frame *f = &st[depth - 1];
            if (f->next == f->n) {
                puts_(f->object ? "}" : "]");
                free(f->m);
                depth--;
                continue;
            }
            if (f->next)
                puts_(",");
            struct member *m = &f->m[f->next++];
            if (f->object) {
                puts_("S");
                put_hex(m->key, m->klen);
                puts_(":");
            }
            v = m->value;
            break;
        }
    }
}

static int parse_flags(const char *flags, size_t max_depth, struct avila_json_options *o)
{
    memset(o, 0, sizeof *o);
    o->max_depth = max_depth;
    for (const char *c = flags; *c && *c != '-'; c++) {
        switch (*c) {
        case 'c':
            o->allow_comments = true;
            break;
        case 't':
            o->allow_trailing_commas = true;
            break;
        case 'b':
            o->skip_bom = true;
            break;
        case 'f':
            o->dup_keys = AVILA_JSON_DUP_FIRST;
            break;
        case 'l':
            o->dup_keys = AVILA_JSON_DUP_LAST;
            break;
        case 'r':
            o->lone_surrogates = AVILA_JSON_SURROGATE_REPLACE;
            break;
        case 'd':
            o->big_numbers = AVILA_JSON_BIG_DOUBLE;
            break;
        default:
            return -1;
        }
    }
    return 0;
}

/* Parses text and fills the output buffer with the answer line (no newline). */
static void answer(const char *text, size_t len, const struct avila_json_options *o,
                   const char *ptr, size_t plen)
{
    struct avila_json_doc doc;
    struct avila_json_error err;
    char buf[256];
    out_len = 0;
    int rc = avila_json_parse(&doc, text, len, o, avila_allocator_libc(), &err);
    if (rc != 0) {
        snprintf(buf, sizeof buf, "ERR %s %zu %zu %zu %s", avila_strerror_name(rc), err.offset,
                 err.line, err.column, err.reason);
        puts_(buf);
        return;
    }
    const struct avila_json_node *v = avila_json_root(&doc);
    if (ptr) {
        rc = avila_json_pointer(v, ptr, plen, &v);
        if (rc != 0) {
            snprintf(buf, sizeof buf, "ERR %s", avila_strerror_name(rc));
            puts_(buf);
            avila_json_doc_release(&doc);
            return;
        }
    }
    puts_("OK ");
    canon(&doc, v);
    avila_json_doc_release(&doc);
}

static char *read_exact(size_t n)
{
    char *p = malloc(n ? n : 1);
    if (!p || fread(p, 1, n, stdin) != n) {
        fprintf(stderr, "tool_json: short body\n");
        exit(2);
    }
    return p;
}

/* A decimal field: 0 and *v, or -1. */
static int field_size(const char *s, size_t *v)
{
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || *s == '-')
        return -1;
    *v = (size_t)x;
    return 0;
}

/* Splits "CMD LEN FLAGS DEPTH [PLEN]"; returns the number of fields read in order. */
static int split_request(char *line, char cmd[16], size_t *len, char flags[32], size_t *depth,
                         size_t *plen)
{
    char *save = NULL, *tok[5];
    int n = 0;
    for (char *t = strtok_r(line, " \n", &save); t && n < 5; t = strtok_r(NULL, " \n", &save))
        tok[n++] = t;
    if (n < 1 || strlen(tok[0]) >= 16)
        return 0;
    memcpy(cmd, tok[0], strlen(tok[0]) + 1);
    if (n < 2 || field_size(tok[1], len) != 0)
        return 1;
    if (n < 3 || strlen(tok[2]) >= 32)
        return 2;
    memcpy(flags, tok[2], strlen(tok[2]) + 1);
    if (n < 4 || field_size(tok[3], depth) != 0)
        return 3;
    if (n < 5 || field_size(tok[4], plen) != 0)
        return 4;
    return 5;
}

static int batch(void)
{
    char line[512];
    while (fgets(line, sizeof line, stdin)) {
        char cmd[16], flags[32];
        size_t len, depth, plen;
        struct avila_json_options o;
        if (sscanf(line, "cpu %31s", flags) == 1) {
            uint32_t allowed;
            if (avila_cpu_parse(flags, &allowed) != 0)
                return 2;
            avila_cpu_restrict(allowed);
            puts("OK");
            fflush(stdout);
            continue;
        }
        int k = split_request(line, cmd, &len, flags, &depth, &plen);
        if (k < 4 || parse_flags(flags, depth, &o) != 0) {
            fprintf(stderr, "tool_json: bad request: %s", line);
            return 2;
        }
        char *text = read_exact(len), *ptr = NULL;
        if (strcmp(cmd, "pointer") == 0) {
            if (k != 5)
                return 2;
            ptr = read_exact(plen);
        }
        answer(text, len, &o, ptr, ptr ? plen : 0);
        fwrite(out, 1, out_len, stdout);
        putchar('\n');
        fflush(stdout);
        free(text);
        free(ptr);
    }
    return 0;
}

int main(int argc, char **argv)
{
    avila_cpu_init();
    if (argc < 2)
        return batch();
    struct avila_json_options o;
    const char *file = argv[argc - 1];
    if (parse_flags(argc > 2 ? argv[1] : "-", 0, &o) != 0) {
        fprintf(stderr, "usage: tool_json [FLAGS] FILE\n");
        return 2;
    }
    FILE *f = fopen(file, "rb");
    if (!f) {
        perror(file);
        return 2;
    }
    size_t cap = 1 << 16, len = 0, got;
    char *text = malloc(cap);
    while (text && (got = fread(text + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap) {
            char *bigger = realloc(text, cap * 2);
            if (!bigger) {
                free(text);
                fclose(f);
                return 2;
            }
            text = bigger;
            cap *= 2;
        }
    }
    fclose(f);
    if (!text)
        return 2;
    answer(text, len, &o, NULL, 0);
    fwrite(out, 1, out_len, stdout);
    putchar('\n');
    int ok = out_len >= 2 && memcmp(out, "OK", 2) == 0;
    free(text);
    free(out);
    return ok ? 0 : 1;
}
