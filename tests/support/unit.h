/*
 * tests/support/unit.h - what every cmocka suite includes: cmocka itself,
 * the test-vector file reader, hex helpers, a deterministic random source
 * for property tests, and guard-page buffers for over-read tests.
 */
#ifndef AVILA_TESTS_UNIT_H
#define AVILA_TESTS_UNIT_H

/* cmocka needs these before its own header. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>

/*
 * Test-vector files (tests/vectors/<module>/<name>.txt): records of
 * "key = value" lines separated by blank lines; '#' starts a comment line
 * (the file cites its source there). Values run to the end of the line,
 * trailing blanks removed. Byte strings are written in hex.
 */
#define TV_MAX_FIELDS 32

struct tv_file {
    FILE *f;
    const char *path;
    int lines_read; /* lines of the file read so far */
    int line;       /* line number of the current record's first field */
    int nfields;
    char *keys[TV_MAX_FIELDS];   /* each field's line, malloc'd, split at '=' */
    char *values[TV_MAX_FIELDS]; /* points into the same allocation */
};

/*
 * Reads the whole file tests/vectors/<relpath> (at most 64 KiB) into a new
 * malloc'd buffer, never NULL; *n gets its length. Fails the test if the
 * file cannot be read.
 */
char *tv_load(const char *relpath, size_t *n);

/* Opens tests/vectors/<relpath>; fails the test if it cannot. */
void tv_open(struct tv_file *tv, const char *relpath);

/* Reads the next record: 1 if there is one, 0 at the end of the file. */
int tv_next(struct tv_file *tv);

/* True if the current record has the key. */
int tv_has(const struct tv_file *tv, const char *key);

/* The value of key in the current record; fails the test if missing. */
const char *tv_str(const struct tv_file *tv, const char *key);

/* The value of key parsed as an unsigned integer (decimal or 0x hex). */
uint64_t tv_u64(const struct tv_file *tv, const char *key);

/*
 * The value of key decoded from hex into a new malloc'd buffer (freed by the
 * caller; never NULL, even for an empty value); *len gets its length.
 */
uint8_t *tv_hex(const struct tv_file *tv, const char *key, size_t *len);

/*
 * The message of a hash vector record, in a new malloc'd buffer the caller
 * frees: "text" (ASCII) or "msg" (hex) cut to "len" bits when present, the
 * whole repeated "repeat" times (NIST's million-'a' style vectors).
 */
uint8_t *tv_message(const struct tv_file *tv, size_t *n);

void tv_close(struct tv_file *tv);

/*
 * Wycheproof files (tests/vectors/wycheproof/, made by tools/gen/wycheproof.py):
 * the expected result of the current record, and the header's test count.
 */
enum wp_result { WP_VALID, WP_INVALID, WP_ACCEPTABLE };
enum wp_result wp_result(const struct tv_file *tv);

/* The numberOfTests the file's header comment states. */
uint64_t wp_number_of_tests(const char *relpath);

/* True if the record's flags (comma list) include flag. */
int wp_has_flag(const struct tv_file *tv, const char *flag);

/* Decodes hex text into out (cap bytes); returns the byte count; fails the test on bad hex. */
size_t unit_unhex(const char *hex, uint8_t *out, size_t cap);

/*
 * How much slow work the suites do, from the environment's AVILA_TEST_SLOW:
 * "0" skips every slow vector; unset (the default) runs those predicted to
 * take under 10 s; "1" runs everything, however long.
 */
enum unit_slow { UNIT_SLOW_NONE, UNIT_SLOW_AUTO, UNIT_SLOW_ALL };
enum unit_slow unit_slow(void);

/* splitmix64: a small deterministic generator for property tests. */
uint64_t unit_rand(uint64_t *state);

/* Fills n bytes from the generator. */
void unit_rand_fill(uint64_t *state, void *p, size_t n);

/*
 * A buffer of n bytes that ends exactly at an inaccessible page, so reading
 * one byte past it crashes. Free with unit_guarded_free(p, n).
 */
void *unit_guarded_alloc(size_t n);
void unit_guarded_free(void *p, size_t n);

#endif
