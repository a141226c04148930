/*
 * apps/cli.h - what every avila subcommand shares: the command table entry,
 * error and usage reporting, whole-buffer I/O on file descriptors, and a
 * progress line for long work.
 *
 * Conventions: a subcommand returns CLI_OK (0), CLI_FAIL (1, the work
 * failed) or CLI_USAGE (2, bad invocation). Errors go to stderr as
 * "avila <command>: <message>".
 */
#ifndef AVILA_APPS_CLI_H
#define AVILA_APPS_CLI_H

#include <stddef.h>
#include <sys/types.h>
#include <stdint.h>

#include "core/buf.h"

enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

struct cli_command {
    const char *name;
    const char *summary;               /* one line for `avila help` */
    const char *usage;                 /* full usage text, printed by --help */
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
};

/* The table in apps/avila.c, ended by a zeroed entry. */
extern const struct cli_command cli_commands[];

/* Finds a command by name; NULL if there is none. */
const struct cli_command *cli_find(const char *name);

/* Prints "avila <cmd>: <message>\n" to stderr; returns CLI_FAIL. */
int cli_fail(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Prints "avila <cmd>: <message>" and a hint to run --help, to stderr;
 * returns CLI_USAGE.
 */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints the command's usage text to stdout; returns CLI_OK. */
int cli_help(const char *cmd);

/*
 * Parses a decimal count in [min, max] from s; returns 0 or -1 (not a
 * number or out of range).
 */
int cli_parse_count(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/*
 * Splits a "Name: value" header argument (as -H takes it) into name and
 * value, slices into text with the blanks around the value dropped.
 * Returns 0, or -1 when there is no ':' or the name is empty. The fields
 * are checked where they are written (net/http1).
 */
int cli_split_field(const char *text, struct avila_slice *name, struct avila_slice *value);

/*
 * Opens path for reading ("-" means stdin). Returns a file descriptor, or -1
 * after reporting "avila <cmd>: <path>: <reason>".
 */
int cli_open_input(const char *cmd, const char *path);

/* Closes an fd from cli_open_input (leaves stdin open). */
void cli_close_input(int fd);

/*
 * Reads up to cap bytes, retrying on EINTR and short reads until cap bytes
 * or end of file. Returns the byte count (0 at EOF), or -1 on error (errno set).
 */
long cli_read_full(int fd, uint8_t *buf, size_t cap);

/* Writes all n bytes to fd, retrying on EINTR and short writes. Returns 0 or -1 (errno set). */
int cli_write_all(int fd, const void *buf, size_t n);

/*
 * Reads the file at path ("-": standard input) whole into a new malloc'd
 * buffer *out (freed by the caller), at most max bytes. Returns 0, or
 * CLI_FAIL after reporting "avila <cmd>: <path>: <reason>".
 */
int cli_read_file(const char *cmd, const char *path, size_t max, char **out, size_t *n);

/*
 * Opens path for writing ("-": standard output), creating it with mode;
 * with exclusive, an existing file is an error. A mode that gives group and
 * others nothing (0600, for secrets) is also set on a file that existed, so
 * a secret never lands in a readable file. Returns the descriptor, or -1
 * after reporting.
 */
int cli_open_output(const char *cmd, const char *path, int exclusive, mode_t mode);

/* Writes a then b to fd and closes it (unless standard output). Returns 0 or CLI_FAIL. */
int cli_write_close(const char *cmd, int fd, const char *path, const void *a, size_t an,
                    const void *b, size_t bn);

/*
 * Writes a then b (bn may be 0) to path ("-": standard output), created
 * with mode or truncated; removes the file if writing fails. Returns 0 or
 * CLI_FAIL after reporting.
 */
int cli_write_file(const char *cmd, const char *path, mode_t mode, const void *a, size_t an,
                   const void *b, size_t bn);

/*
 * Reads fd to its end in blocks of block_size bytes (the last may be
 * shorter; every other block is exactly block_size, so callers can pick a
 * multiple of their quantum) and hands each to fn. Shows progress for long
 * inputs (what = the file name). Returns 0; -1 after reporting a read error;
 * or the first non-zero value fn returned (fn reports its own errors).
 */
int cli_stream(const char *cmd, const char *what, int fd, size_t block_size,
               int (*fn)(void *ctx, const uint8_t *block, size_t n), void *ctx);

/*
 * Progress on stderr for long work, only when stderr is a terminal: call
 * with the bytes done so far (total 0 if unknown); redraws at most 4 times a
 * second. cli_progress_end clears the line.
 */
struct cli_progress {
    const char *cmd;
    const char *what;
    uint64_t last_ns;
    int active;
    int enabled;
};
void cli_progress_start(struct cli_progress *p, const char *cmd, const char *what);
void cli_progress_update(struct cli_progress *p, uint64_t done, uint64_t total);
void cli_progress_end(struct cli_progress *p);

#endif
