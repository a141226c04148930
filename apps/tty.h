/*
 * apps/tty.h - reading secrets the way command-line tools do: a line from
 * the terminal with echo off, or a line from a pipe.
 */
#ifndef AVILA_APPS_TTY_H
#define AVILA_APPS_TTY_H

#include <stddef.h>

/*
 * Reads one line from fd into buf (cap bytes), without its '\n', one byte
 * at a time so whatever follows the line stays unread. Returns its length;
 * -1 on a read error (errno set); -2 if it does not fit in cap (the rest of
 * the line is consumed, buf then holds its first cap bytes: wipe it).
 */
long tty_read_line(int fd, char *buf, size_t cap);

/*
 * Writes prompt to /dev/tty and reads a line from it with echo off, as
 * tty_read_line. The terminal's settings are restored before returning, and
 * also if SIGINT, SIGTERM, SIGHUP or SIGQUIT ends the process meanwhile.
 * Returns as tty_read_line; -1 also when there is no terminal (errno set).
 */
long tty_read_secret(const char *prompt, char *buf, size_t cap);

#endif
