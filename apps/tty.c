/*
 * apps/tty.c - reading secrets from the terminal or a pipe (see tty.h).
 */
#include "apps/tty.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "apps/cli.h"

long tty_read_line(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    int too_long = 0;
    for (;;) {
        char c;
        ssize_t r = read(fd, &c, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0 || c == '\n')
            break;
        if (n < cap)
            buf[n++] = c;
        else
            too_long = 1;
    }
    return too_long ? -2 : (long)n;
}

/* The terminal while echo is off, for the signal handler. */
static int tty_fd = -1;
static struct termios tty_saved;

/* Puts the terminal's echo back before a signal's default action ends the process. */
static void restore_tty(int sig)
{
    tcsetattr(tty_fd, TCSAFLUSH, &tty_saved);
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Not SIGTSTP: a stopped process keeps echo off, and the shell restores the terminal. */
static const int tty_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
#define NSIGNALS (sizeof tty_signals / sizeof tty_signals[0])

long tty_read_secret(const char *prompt, char *buf, size_t cap)
{
    tty_fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (tty_fd < 0)
        return -1;
    if (tcgetattr(tty_fd, &tty_saved) != 0) {
        int e = errno;
        close(tty_fd);
        tty_fd = -1;
        errno = e;
        return -1;
    }
    struct sigaction sa = {0}, old[NSIGNALS];
    sa.sa_handler = restore_tty;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < NSIGNALS; i++)
        sigaction(tty_signals[i], &sa, &old[i]);
    struct termios quiet = tty_saved;
    quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
    tcsetattr(tty_fd, TCSAFLUSH, &quiet);
    /* The prompt is a courtesy: a failure to write it is not fatal. */
    (void)cli_write_all(tty_fd, prompt, strlen(prompt));
    long n = tty_read_line(tty_fd, buf, cap);
    int e = errno;
    tcsetattr(tty_fd, TCSAFLUSH, &tty_saved);
    (void)cli_write_all(tty_fd, "\n", 1);
    for (size_t i = 0; i < NSIGNALS; i++)
        sigaction(tty_signals[i], &old[i], NULL);
    close(tty_fd);
    tty_fd = -1;
    errno = e;
    return n;
}
