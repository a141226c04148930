/* tests/support/unit.c - test-vector reader and helpers for the suites. */
#include "tests/support/unit.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef AVILA_SOURCE_DIR
#define AVILA_SOURCE_DIR "."
#endif

void tv_open(struct tv_file *tv, const char *relpath)
{
    char path[4096];
    memset(tv, 0, sizeof *tv);
    snprintf(path, sizeof path, "%s/tests/vectors/%s", AVILA_SOURCE_DIR, relpath);
    tv->f = fopen(path, "r");
    if (!tv->f)
        fail_msg("cannot open vector file %s", path);
    tv->path = relpath;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

static void free_fields(struct tv_file *tv)
{
    for (int i = 0; i < tv->nfields; i++)
        free(tv->keys[i]);
    tv->nfields = 0;
}

int tv_next(struct tv_file *tv)
{
    free_fields(tv);
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, tv->f) >= 0) {
        tv->lines_read++;
        char *s = trim(line);
        if (*s == '#')
            continue;
        if (*s == '\0') {
            if (tv->nfields > 0)
                break;
            continue;
        }
        char *eq = strchr(s, '=');
        /* fail_msg does not return; the returns keep the analyzer off the bad paths. */
        if (!eq) {
            fail_msg("%s:%d: record line without '=': %s", tv->path, tv->lines_read, s);
            free(line);
            return 0;
        }
        if (tv->nfields == TV_MAX_FIELDS) {
            fail_msg("%s:%d: too many fields in a record", tv->path, tv->lines_read);
            free(line);
            return 0;
        }
        /* One allocation holds the key and the value, both trimmed; s is already left-trimmed. */
        size_t key_len = (size_t)(eq - s);
        char *field = strdup(s);
        assert_non_null(field);
        field[key_len] = '\0';
        if (tv->nfields == 0)
            tv->line = tv->lines_read;
        tv->keys[tv->nfields] = trim(field);
        tv->values[tv->nfields] = trim(field + key_len + 1);
        tv->nfields++;
    }
    free(line);
    return tv->nfields > 0;
}

int tv_has(const struct tv_file *tv, const char *key)
{
    for (int i = 0; i < tv->nfields; i++)
        if (strcmp(tv->keys[i], key) == 0)
            return 1;
    return 0;
}

const char *tv_str(const struct tv_file *tv, const char *key)
{
    for (int i = 0; i < tv->nfields; i++)
        if (strcmp(tv->keys[i], key) == 0)
            return tv->values[i];
    fail_msg("%s: record near line %d has no '%s'", tv->path, tv->line, key);
    return NULL;
}

uint64_t tv_u64(const struct tv_file *tv, const char *key)
{
    const char *s = tv_str(tv, key);
    char *end;
    unsigned long long v = strtoull(s, &end, 0);
    if (*s == '\0' || *end != '\0')
        fail_msg("%s: '%s' is not a number: %s", tv->path, key, s);
    return v;
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

enum wp_result wp_result(const struct tv_file *tv)
{
    const char *r = tv_str(tv, "result");
    if (strcmp(r, "valid") == 0)
        return WP_VALID;
    if (strcmp(r, "invalid") == 0)
        return WP_INVALID;
    if (strcmp(r, "acceptable") != 0)
        fail_msg("%s:%d: unknown result '%s'", tv->path, tv->line, r);
    return WP_ACCEPTABLE;
}

uint64_t wp_number_of_tests(const char *relpath)
{
    struct tv_file tv;
    tv_open(&tv, relpath);
    char *line = NULL;
    size_t cap = 0;
    static const char prefix[] = "# numberOfTests = ";
    unsigned long long n = 0;
    while (n == 0 && getline(&line, &cap, tv.f) >= 0 && line[0] == '#')
        if (strncmp(line, prefix, sizeof prefix - 1) == 0)
            n = strtoull(line + sizeof prefix - 1, NULL, 10);
    free(line);
    tv_close(&tv);
    if (n == 0)
        fail_msg("%s: no numberOfTests in the header", relpath);
    return n;
}

int wp_has_flag(const struct tv_file *tv, const char *flag)
{
    if (!tv_has(tv, "flags"))
        return 0;
    const char *p = tv_str(tv, "flags");
    size_t n = strlen(flag);
    while (*p) {
        size_t len = strcspn(p, ",");
        if (len == n && strncmp(p, flag, n) == 0)
            return 1;
        p += len + (p[len] == ',');
    }
    return 0;
}

size_t unit_unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = strlen(hex);
    if (n % 2 != 0 || n / 2 > cap)
        fail_msg("bad hex length %zu (capacity %zu)", n, cap);
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            fail_msg("bad hex digit in %s", hex);
        out[i] = (uint8_t)((unsigned)hi << 4 | (unsigned)lo);
    }
    return n / 2;
}

uint8_t *tv_hex(const struct tv_file *tv, const char *key, size_t *len)
{
    const char *s = tv_str(tv, key);
    size_t cap = strlen(s) / 2;
    uint8_t *out = malloc(cap ? cap : 1);
    assert_non_null(out);
    *len = unit_unhex(s, out, cap);
    return out;
}

uint8_t *tv_message(const struct tv_file *tv, size_t *n)
{
    size_t one;
    uint8_t *unit;
    if (tv_has(tv, "text")) {
        one = strlen(tv_str(tv, "text"));
        unit = (uint8_t *)strdup(tv_str(tv, "text"));
        assert_non_null(unit);
    } else {
        unit = tv_hex(tv, "msg", &one);
    }
    if (tv_has(tv, "len")) {
        uint64_t bits = tv_u64(tv, "len");
        assert_true(bits % 8 == 0 && bits / 8 <= one);
        one = (size_t)(bits / 8);
    }
    size_t repeat = tv_has(tv, "repeat") ? (size_t)tv_u64(tv, "repeat") : 1;
    uint8_t *msg = malloc(one * repeat + 1);
    assert_non_null(msg);
    for (size_t i = 0; i < repeat; i++)
        memcpy(msg + i * one, unit, one);
    free(unit);
    *n = one * repeat;
    return msg;
}

void tv_close(struct tv_file *tv)
{
    free_fields(tv);
    if (tv->f)
        fclose(tv->f);
    tv->f = NULL;
}

enum unit_slow unit_slow(void)
{
    const char *s = getenv("AVILA_TEST_SLOW");
    if (!s)
        return UNIT_SLOW_AUTO;
    return strcmp(s, "0") == 0 ? UNIT_SLOW_NONE : UNIT_SLOW_ALL;
}

uint64_t unit_rand(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void unit_rand_fill(uint64_t *state, void *p, size_t n)
{
    uint8_t *b = p;
    for (size_t i = 0; i < n; i += 8) {
        uint64_t r = unit_rand(state);
        memcpy(b + i, &r, n - i < 8 ? n - i : 8);
    }
}

static size_t page_size(void)
{
    return (size_t)sysconf(_SC_PAGESIZE);
}

/* Layout: [pages holding n bytes, flush right][one PROT_NONE page]. */
void *unit_guarded_alloc(size_t n)
{
    size_t ps = page_size();
    size_t data_pages = (n + ps - 1) / ps;
    if (data_pages == 0)
        data_pages = 1;
    size_t total = (data_pages + 1) * ps;
    uint8_t *base = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(base != MAP_FAILED);
    assert_int_equal(mprotect(base + data_pages * ps, ps, PROT_NONE), 0);
    return base + data_pages * ps - n;
}

void unit_guarded_free(void *p, size_t n)
{
    size_t ps = page_size();
    size_t data_pages = (n + ps - 1) / ps;
    if (data_pages == 0)
        data_pages = 1;
    uint8_t *end = (uint8_t *)p + n;
    munmap(end - data_pages * ps, (data_pages + 1) * ps);
}

char *tv_load(const char *relpath, size_t *n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/tests/vectors/%s", AVILA_SOURCE_DIR, relpath);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    char *buf = malloc(1 << 16);
    assert_non_null(buf);
    *n = fread(buf, 1, 1 << 16, f);
    assert_true(*n < 1 << 16 && !ferror(f));
    fclose(f);
    return buf;
}
