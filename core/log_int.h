/*
 * core/log_int.h - internal to core/log (not installed): structural
 * checkers for the lines avila_log_format writes, shared by
 * tests/core/test_log.c and tools/fuzz/fuzz_log.c. Each accepts exactly
 * the shapes this logger may produce, which are a subset of the formats:
 *
 *   JSON: one RFC 8259 object with string, integer and true/false members,
 *         then '\n'. Strings follow RFC 8259 section 7.
 *   logfmt: key=value pairs separated by one space, then '\n'. Keys are
 *         [A-Za-z0-9_./-]+; a value is a JSON-style quoted string or a
 *         non-empty run of bytes above ' ' other than '"', '=' and DEL.
 *
 * Both also require the whole line to be valid UTF-8.
 */
#ifndef AVILA_CORE_LOG_INT_H
#define AVILA_CORE_LOG_INT_H

#include <stdbool.h>

#include "core/platform.h"
#include "core/utf8.h"

/* A cursor over a line under check. */
struct log_scan {
    const char *s;
    size_t n, i;
};

static inline bool log_scan_take(struct log_scan *c, char want)
{
    if (c->i < c->n && c->s[c->i] == want) {
        c->i++;
        return true;
    }
    return false;
}

static inline bool log_scan_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* An RFC 8259 string: quotes, no raw control characters, only valid escapes. */
static inline bool log_scan_string(struct log_scan *c)
{
    if (!log_scan_take(c, '"'))
        return false;
    while (c->i < c->n) {
        unsigned char ch = (unsigned char)c->s[c->i++];
        if (ch == '"')
            return true;
        if (ch < 0x20)
            return false;
        if (ch != '\\')
            continue;
        if (c->i >= c->n)
            return false;
        char e = c->s[c->i++];
        if (e == 'u') {
            for (int k = 0; k < 4; k++)
                if (c->i >= c->n || !log_scan_hex(c->s[c->i++]))
                    return false;
        } else if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' &&
                   e != 'r' && e != 't') {
            return false;
        }
    }
    return false;
}

static inline bool log_scan_word(struct log_scan *c, const char *w)
{
    size_t k = 0;
    while (w[k] && c->i + k < c->n && c->s[c->i + k] == w[k])
        k++;
    if (w[k])
        return false;
    c->i += k;
    return true;
}

/* An RFC 8259 integer: -?(0|[1-9][0-9]*). */
static inline bool log_scan_int(struct log_scan *c)
{
    log_scan_take(c, '-');
    size_t start = c->i;
    while (c->i < c->n && c->s[c->i] >= '0' && c->s[c->i] <= '9')
        c->i++;
    size_t len = c->i - start;
    return len > 0 && (len == 1 || c->s[start] != '0');
}

static inline bool log_scan_json_value(struct log_scan *c)
{
    if (c->i >= c->n)
        return false;
    char ch = c->s[c->i];
    if (ch == '"')
        return log_scan_string(c);
    if (ch == 't')
        return log_scan_word(c, "true");
    if (ch == 'f')
        return log_scan_word(c, "false");
    return log_scan_int(c);
}

/* True if the n bytes at s are one line this logger's JSON format may produce. */
static inline bool log_check_json_line(const char *s, size_t n)
{
    if (n < 3 || s[n - 1] != '\n' || avila_utf8_validate(s, n) != 0)
        return false;
    struct log_scan c = {s, n - 1, 0};
    if (!log_scan_take(&c, '{'))
        return false;
    if (!log_scan_take(&c, '}')) {
        do {
            if (!log_scan_string(&c) || !log_scan_take(&c, ':') || !log_scan_json_value(&c))
                return false;
        } while (log_scan_take(&c, ','));
        if (!log_scan_take(&c, '}'))
            return false;
    }
    return c.i == c.n;
}

static inline bool log_scan_logfmt_key(struct log_scan *c)
{
    size_t start = c->i;
    for (; c->i < c->n; c->i++) {
        char ch = c->s[c->i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '.' || ch == '-' || ch == '/'))
            break;
    }
    return c->i > start;
}

static inline bool log_scan_logfmt_value(struct log_scan *c)
{
    if (c->i < c->n && c->s[c->i] == '"')
        return log_scan_string(c);
    size_t start = c->i;
    for (; c->i < c->n; c->i++) {
        unsigned char ch = (unsigned char)c->s[c->i];
        if (ch <= ' ' || ch == '"' || ch == '=' || ch == 0x7f)
            break;
    }
    return c->i > start;
}

/* True if the n bytes at s are one line this logger's logfmt format may produce. */
static inline bool log_check_logfmt_line(const char *s, size_t n)
{
    if (n < 2 || s[n - 1] != '\n' || avila_utf8_validate(s, n) != 0)
        return false;
    struct log_scan c = {s, n - 1, 0};
    do {
        if (!log_scan_logfmt_key(&c) || !log_scan_take(&c, '=') || !log_scan_logfmt_value(&c))
            return false;
    } while (log_scan_take(&c, ' '));
    return c.i == c.n;
}

#endif
