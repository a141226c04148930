/*
 * apps/cmd_age.c - `avila age`: file encryption compatible with age v1
 * (C2SP age.md; checked against Debian's age). The format is in
 * crypto/age.h; this file reads and writes the bytes.
 *
 *   -e (default) encrypts to X25519 recipients (-r age1..., -R file of them)
 *      or to a passphrase (-p, asked twice on /dev/tty, scrypt work factor
 *      2^18 like age, or 2^AVILA_AGE_SCRYPT_LOG_N (1..22) from the
 *      environment, for tests); -a writes ASCII armor.
 *   -d decrypts with the identities of -i files, or asks for the passphrase
 *      on /dev/tty when the file has an scrypt stanza (work factors above
 *      2^22 are refused, as age does). Armor is detected.
 *
 * Output: -o PATH writes to a temporary file next to PATH and renames it
 * over PATH only once everything is authenticated and written, so a failed
 * run leaves PATH as it was (a PATH that exists and is not a regular file,
 * such as /dev/null, is written directly). Standard output gets plaintext
 * one authenticated 64 KiB chunk at a time: on failure it stops after the
 * last chunk that verified, and the exit status is 1 with a message saying
 * the output is incomplete. No unauthenticated byte is ever written.
 * Binary ciphertext is not written to a terminal (use -a).
 *
 * Memory stays bounded whatever the file size: one 64 KiB chunk, one
 * header (at most 64 KiB) and I/O buffers; only scrypt needs more
 * (256 MiB at 2^18, 4 GiB at 2^22).
 *
 * Not supported: SSH keys, plugins, post-quantum recipients, encrypted
 * identity files, generated passphrases (an empty passphrase is refused).
 * Exit status: 0 success, 1 failure, 2 usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apps/age_cli.h"
#include "apps/cli.h"
#include "apps/cmds.h"
#include "apps/tty.h"
#include "core/ct.h"
#include "core/error.h"
#include "core/random.h"
#include "crypto/age.h"
#include "crypto/x25519.h"

const char cmd_age_usage[] =
    "usage: avila age [-e] (-r RECIPIENT | -R PATH)... [-a] [-o OUTPUT] [INPUT]\n"
    "       avila age [-e] -p [-a] [-o OUTPUT] [INPUT]\n"
    "       avila age -d [-i PATH]... [-o OUTPUT] [INPUT]\n"
    "Encrypt or decrypt INPUT (standard input when absent or '-') in the age v1\n"
    "format (age-encryption.org/v1), interoperable with age and rage.\n"
    "Options:\n"
    "  -e, --encrypt          encrypt (the default)\n"
    "  -r, --recipient=KEY    encrypt to the X25519 recipient age1... (repeatable)\n"
    "  -R, --recipients-file=PATH  encrypt to the recipients listed in PATH\n"
    "  -p, --passphrase       encrypt with a passphrase read from the terminal\n"
    "  -a, --armor            write PEM-style ASCII armor\n"
    "  -d, --decrypt          decrypt (armored input is detected)\n"
    "  -i, --identity=PATH    decrypt with the AGE-SECRET-KEY-1... lines of PATH\n"
    "  -o, --output=PATH      write to PATH (replaced only on success)\n"
    "  -h, --help             show this help\n"
    "On a failure while decrypting to standard output, the output stops at the\n"
    "last authenticated 64 KiB chunk. Environment: AVILA_AGE_SCRYPT_LOG_N=N\n"
    "(1..22) sets the scrypt work factor 2^N for -p (default 18, as age).\n"
    "Exit status: 0 success, 1 failure, 2 usage error.\n";

#define CMD          "age"
#define IO_BLOCK     ((size_t)65536)
#define MAX_RCPTS    1024
#define PASS_MAX     1024
#define HEADER_MAX   ((size_t)65536)
#define ARMOR_PEEK   1024 /* whitespace allowed before an armored file's BEGIN line */
#define STANZA_ROOM  256  /* bytes one X25519 or scrypt stanza takes, at most */
#define DEFAULT_LOGN AVILA_AGE_SCRYPT_LOG_N

static struct avila_age_stream stream; /* 64 KiB: static, not on the stack */

struct options {
    int decrypt, encrypt, passphrase, armor;
    const char *output, *input;
    uint8_t (*rcpts)[32];
    size_t nrcpts;
    struct age_identities ids;
};

/* ------------------------------------------------------------------ identity files */

void age_identities_free(struct age_identities *ids)
{
    if (ids->keys)
        avila_wipe(ids->keys, ids->cap * 32);
    free(ids->keys);
    ids->keys = NULL;
    ids->n = ids->cap = 0;
}

/* Reads the whole file at path (at most AGE_IDENTITY_FILE_MAX bytes) into a malloc'd buffer. */
static uint8_t *read_small_file(const char *cmd, const char *path, size_t *len)
{
    int fd = cli_open_input(cmd, path);
    if (fd < 0)
        return NULL;
    uint8_t *buf = malloc(AGE_IDENTITY_FILE_MAX + 1);
    long n = buf ? cli_read_full(fd, buf, AGE_IDENTITY_FILE_MAX + 1) : -1;
    int err = errno;
    cli_close_input(fd);
    if (n < 0 || (size_t)n > AGE_IDENTITY_FILE_MAX) {
        if (n < 0)
            cli_fail(cmd, "%s: %s", path, buf ? strerror(err) : "out of memory");
        else
            cli_fail(cmd, "%s: larger than %u bytes", path, AGE_IDENTITY_FILE_MAX);
        if (buf)
            avila_wipe(buf, AGE_IDENTITY_FILE_MAX + 1);
        free(buf);
        return NULL;
    }
    *len = (size_t)n;
    return buf;
}

/*
 * Calls fn on each line of the n bytes at text that is neither blank nor a
 * '#' comment, with surrounding spaces, tabs and CR removed. Stops at the
 * first non-zero return and returns it.
 */
static int each_line(char *text, size_t n,
                     int (*fn)(void *ctx, const char *line, size_t len, size_t lineno), void *ctx)
{
    size_t lineno = 0;
    for (size_t i = 0; i < n;) {
        size_t end = i;
        while (end < n && text[end] != '\n')
            end++;
        size_t a = i, b = end;
        lineno++;
        while (a < b && (text[a] == ' ' || text[a] == '\t' || text[a] == '\r'))
            a++;
        while (b > a && (text[b - 1] == ' ' || text[b - 1] == '\t' || text[b - 1] == '\r'))
            b--;
        i = end + 1;
        if (a == b || text[a] == '#')
            continue;
        int rc = fn(ctx, text + a, b - a, lineno);
        if (rc != 0)
            return rc;
    }
    return 0;
}

struct id_ctx {
    const char *cmd, *path;
    struct age_identities *ids;
};

static int add_identity(void *arg, const char *line, size_t len, size_t lineno)
{
    struct id_ctx *c = arg;
    struct age_identities *ids = c->ids;
    if (ids->n == ids->cap) {
        /* Grow by copying, so the old keys can be wiped before they are freed. */
        size_t cap = ids->cap ? ids->cap * 2 : 4;
        uint8_t(*keys)[32] = malloc(cap * 32);
        if (!keys)
            return cli_fail(c->cmd, "out of memory"), -1;
        size_t n = ids->n;
        if (n)
            memcpy(keys, ids->keys, n * 32);
        age_identities_free(ids);
        ids->keys = keys;
        ids->cap = cap;
        ids->n = n;
    }
    if (avila_age_identity_decode(ids->keys[ids->n], line, len) != 0)
        return cli_fail(c->cmd, "%s: line %zu: not an age identity (AGE-SECRET-KEY-1...)", c->path,
                        lineno),
               -1;
    ids->n++;
    return 0;
}

int age_read_identities(const char *cmd, const char *path, struct age_identities *ids)
{
    size_t len, before = ids->n;
    uint8_t *text = read_small_file(cmd, path, &len);
    if (!text)
        return -1;
    struct id_ctx c = {cmd, path, ids};
    int rc = each_line((char *)text, len, add_identity, &c);
    avila_wipe(text, len);
    free(text);
    if (rc == 0 && ids->n == before)
        rc = (cli_fail(cmd, "%s: no identity found", path), -1);
    return rc == 0 ? 0 : -1;
}

/* ------------------------------------------------------------------ recipients */

static int add_recipient(struct options *o, const char *s, size_t len, const char *where)
{
    if (o->nrcpts == MAX_RCPTS)
        return cli_fail(CMD, "more than %d recipients", MAX_RCPTS), -1;
    if (avila_age_recipient_decode(o->rcpts[o->nrcpts], s, len) != 0) {
        if (len > 4 && memcmp(s, "ssh-", 4) == 0)
            return cli_fail(CMD, "%sSSH recipients are not supported", where), -1;
        return cli_fail(CMD, "%sinvalid recipient \"%.*s\" (want age1...)", where,
                        (int)(len > 80 ? 80 : len), s),
               -1;
    }
    o->nrcpts++;
    return 0;
}

struct rcpt_ctx {
    struct options *o;
    const char *path;
};

static int add_recipient_line(void *arg, const char *line, size_t len, size_t lineno)
{
    struct rcpt_ctx *c = arg;
    char where[300];
    snprintf(where, sizeof where, "%s: line %zu: ", c->path, lineno);
    return add_recipient(c->o, line, len, where);
}

static int read_recipients_file(struct options *o, const char *path)
{
    size_t len, before = o->nrcpts;
    uint8_t *text = read_small_file(CMD, path, &len);
    if (!text)
        return -1;
    struct rcpt_ctx c = {o, path};
    int rc = each_line((char *)text, len, add_recipient_line, &c);
    free(text);
    if (rc == 0 && o->nrcpts == before)
        return cli_fail(CMD, "%s: no recipient found", path), -1;
    return rc == 0 ? 0 : -1;
}

/* ------------------------------------------------------------------ passphrases */

/*
 * Asks for a line on /dev/tty with echo off. Returns its length, or -1
 * after reporting (no terminal, too long, read error).
 */
static long read_passphrase(const char *prompt, char *buf, size_t cap)
{
    long n = tty_read_secret(prompt, buf, cap);
    if (n == -2)
        return cli_fail(CMD, "passphrase longer than %zu bytes", cap), -1;
    if (n < 0)
        return cli_fail(CMD, "cannot read a passphrase from the terminal: %s", strerror(errno)), -1;
    return n;
}

/* The scrypt work factor for -p: AVILA_AGE_SCRYPT_LOG_N or age's 18. */
static int encrypt_log_n(unsigned *log_n)
{
    const char *env = getenv("AVILA_AGE_SCRYPT_LOG_N");
    uint64_t v = DEFAULT_LOGN;
    if (env && cli_parse_count(env, 1, AVILA_AGE_SCRYPT_MAX_LOG_N, &v) != 0)
        return cli_fail(CMD, "AVILA_AGE_SCRYPT_LOG_N must be 1..%d", AVILA_AGE_SCRYPT_MAX_LOG_N),
               -1;
    *log_n = (unsigned)v;
    return 0;
}

/* ------------------------------------------------------------------ output */

struct sink {
    int fd;
    const char *path; /* -o PATH, or NULL for standard output */
    char *tmp;        /* the temporary file renamed over path at the end, or NULL */
    int armor;
    struct avila_age_armor a;
    char *abuf;
    uint64_t written;
};

static int sink_open(struct sink *s, const char *path, int armor, int mode)
{
    memset(s, 0, sizeof *s);
    s->fd = STDOUT_FILENO;
    s->armor = armor;
    if (armor) {
        avila_age_armor_init(&s->a);
        s->abuf = malloc(AVILA_AGE_ARMOR_ENCODE_MAX(IO_BLOCK + AVILA_AGE_TAG_LEN));
        if (!s->abuf)
            return cli_fail(CMD, "out of memory"), -1;
    }
    if (!path || strcmp(path, "-") == 0)
        return 0;
    s->path = path;
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        s->fd = open(path, O_WRONLY | O_CLOEXEC);
    } else {
        size_t n = strlen(path) + 16;
        s->tmp = malloc(n);
        s->fd = -1;
        errno = ENOMEM;
        if (s->tmp) {
            snprintf(s->tmp, n, "%s.tmpXXXXXX", path);
            s->fd = mkstemp(s->tmp);
        }
        if (s->fd >= 0) {
            mode_t mask = umask(0);
            umask(mask);
            fchmod(s->fd, (mode_t)mode & ~mask);
        } else {
            free(s->tmp);
            s->tmp = NULL;
        }
    }
    if (s->fd < 0) {
        cli_fail(CMD, "%s: %s", path, strerror(errno));
        free(s->abuf);
        s->abuf = NULL;
        return -1;
    }
    return 0;
}

static int sink_raw(struct sink *s, const void *p, size_t n)
{
    if (cli_write_all(s->fd, p, n) != 0)
        return cli_fail(CMD, "%s: %s", s->path ? s->path : "standard output", strerror(errno)), -1;
    s->written += n;
    return 0;
}

static int sink_write(struct sink *s, const uint8_t *p, size_t n)
{
    if (!s->armor)
        return sink_raw(s, p, n);
    while (n > 0) {
        size_t k = n < IO_BLOCK ? n : IO_BLOCK, got = 0;
        avila_age_armor_encode_update(&s->a, s->abuf, AVILA_AGE_ARMOR_ENCODE_MAX(IO_BLOCK), p, k,
                                      &got);
        if (sink_raw(s, s->abuf, got) != 0)
            return -1;
        p += k;
        n -= k;
    }
    return 0;
}

/* Ends the output: the armor's last lines, then the rename. Returns 0 or -1 (reported). */
static int sink_finish(struct sink *s)
{
    int rc = 0;
    if (s->armor) {
        size_t got = 0;
        avila_age_armor_encode_final(&s->a, s->abuf, AVILA_AGE_ARMOR_FINAL_MAX, &got);
        rc = sink_raw(s, s->abuf, got);
    }
    if (s->path && rc == 0 && close(s->fd) != 0)
        rc = (cli_fail(CMD, "%s: %s", s->path, strerror(errno)), -1);
    if (s->path && rc != 0)
        close(s->fd);
    if (s->tmp && rc == 0 && rename(s->tmp, s->path) != 0)
        rc = (cli_fail(CMD, "%s: %s", s->path, strerror(errno)), -1);
    if (s->tmp && rc != 0)
        unlink(s->tmp);
    free(s->tmp);
    free(s->abuf);
    return rc;
}

/* Abandons the output: removes the temporary file; says how much reached standard output. */
static void sink_abort(struct sink *s, int decrypting)
{
    if (s->path)
        close(s->fd);
    if (s->tmp)
        unlink(s->tmp);
    else if (!s->path && decrypting && s->written > 0)
        cli_fail(CMD, "output incomplete: stopped after %llu authenticated bytes",
                 (unsigned long long)s->written);
    free(s->tmp);
    free(s->abuf);
}

/* ------------------------------------------------------------------ encryption */

/* Asks for the passphrase twice and appends its scrypt stanza. Returns 0 or -1 (reported). */
static int add_scrypt_stanza(uint8_t *hdr, size_t cap, size_t *len, const uint8_t file_key[16])
{
    char pw[PASS_MAX], pw2[PASS_MAX];
    uint8_t salt[16];
    unsigned log_n = DEFAULT_LOGN;
    int rc = -1;
    if (encrypt_log_n(&log_n) != 0)
        return -1;
    long n = read_passphrase("Enter passphrase: ", pw, sizeof pw), n2 = -1;
    if (n == 0)
        cli_fail(CMD, "empty passphrase");
    if (n > 0)
        n2 = read_passphrase("Confirm passphrase: ", pw2, sizeof pw2);
    if (n > 0 && n2 >= 0 && (n2 != n || memcmp(pw, pw2, (size_t)n) != 0))
        cli_fail(CMD, "passphrases didn't match");
    else if (n > 0 && n2 >= 0) {
        size_t ws = AVILA_AGE_SCRYPT_WORK_SIZE(log_n);
        void *work = malloc(ws);
        if (!work)
            cli_fail(CMD, "out of memory for scrypt (%zu MiB)", ws >> 20);
        else if (avila_random_bytes(salt, sizeof salt) != 0)
            cli_fail(CMD, "no randomness from the system");
        else {
            int e = avila_age_stanza_scrypt(hdr, cap, len, pw, (size_t)n, salt, log_n, work, ws,
                                            file_key);
            rc = e == 0 ? 0 : (cli_fail(CMD, "cannot write the header: %s", avila_strerror(e)), -1);
        }
        free(work);
    }
    avila_wipe(pw, sizeof pw);
    avila_wipe(pw2, sizeof pw2);
    return rc;
}

/* Writes the header for the recipients or the passphrase into hdr; returns its length or -1. */
static long build_header(const struct options *o, uint8_t *hdr, size_t cap,
                         const uint8_t file_key[16])
{
    size_t len = 0;
    int rc = avila_age_header_begin(hdr, cap, &len);
    uint8_t rnd[32];
    for (size_t i = 0; i < o->nrcpts && rc == 0; i++) {
        rc = avila_random_bytes(rnd, 32);
        if (rc == 0)
            rc = avila_age_stanza_x25519(hdr, cap, &len, o->rcpts[i], rnd, file_key);
    }
    avila_wipe(rnd, sizeof rnd);
    if (o->passphrase && rc == 0 && add_scrypt_stanza(hdr, cap, &len, file_key) != 0)
        return -1;
    if (rc == 0)
        rc = avila_age_header_end(hdr, cap, &len, file_key);
    if (rc != 0)
        return cli_fail(CMD, "cannot write the header: %s", avila_strerror(rc)), -1;
    return (long)len;
}

struct enc_ctx {
    struct sink *out;
};

static int encrypt_block(void *arg, const uint8_t *p, size_t n)
{
    struct enc_ctx *c = arg;
    while (n > 0) {
        const uint8_t *ct;
        size_t ct_len;
        int took = avila_age_encrypt_update(&stream, p, n, &ct, &ct_len);
        if (took < 0)
            return cli_fail(CMD, "encryption failed: %s", avila_strerror(took)), -1;
        if (ct_len > 0 && sink_write(c->out, ct, ct_len) != 0)
            return -1;
        p += took;
        n -= (size_t)took;
    }
    return 0;
}

static int run_encrypt(struct options *o)
{
    if (!o->armor && (!o->output || strcmp(o->output, "-") == 0) && isatty(STDOUT_FILENO))
        return cli_fail(CMD, "refusing to write binary ciphertext to a terminal (use -a or -o)");
    size_t cap = 64 + STANZA_ROOM * (o->nrcpts + 1);
    uint8_t *hdr = malloc(cap), file_key[16], nonce[16];
    if (!hdr)
        return cli_fail(CMD, "out of memory");
    int in = cli_open_input(CMD, o->input ? o->input : "-");
    if (in < 0) {
        free(hdr);
        return CLI_FAIL;
    }
    int rc = -1;
    long hlen = -1;
    struct sink out;
    if (avila_random_bytes(file_key, 16) != 0 || avila_random_bytes(nonce, 16) != 0)
        cli_fail(CMD, "no randomness from the system");
    else
        hlen = build_header(o, hdr, cap, file_key);
    if (hlen > 0 && sink_open(&out, o->output, o->armor, 0666) == 0) {
        rc = sink_write(&out, hdr, (size_t)hlen);
        if (rc == 0)
            rc = sink_write(&out, nonce, 16);
        avila_age_stream_init(&stream, file_key, nonce, 1);
        struct enc_ctx c = {&out};
        if (rc == 0)
            rc = cli_stream(CMD, o->input ? o->input : "standard input", in, IO_BLOCK,
                            encrypt_block, &c);
        const uint8_t *ct;
        size_t ct_len;
        if (rc == 0)
            rc = avila_age_encrypt_final(&stream, &ct, &ct_len) == 0 ? sink_write(&out, ct, ct_len)
                                                                     : -1;
        avila_age_stream_wipe(&stream);
        if (rc == 0)
            rc = sink_finish(&out);
        else
            sink_abort(&out, 0);
    }
    avila_wipe(file_key, sizeof file_key);
    cli_close_input(in);
    free(hdr);
    return rc == 0 ? CLI_OK : CLI_FAIL;
}

/* ------------------------------------------------------------------ decryption input */

/* The ciphertext source: a file, dearmored on the fly when it is armored. */
struct source {
    int fd;
    const char *name;
    int armored, eof;
    struct avila_age_armor a;
    uint8_t raw[IO_BLOCK];
    size_t raw_len; /* bytes read but not yet passed on (or dearmored) */
    uint8_t dec[IO_BLOCK + 64];
    size_t dec_off, dec_len;
};

static int is_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Reads the first bytes and decides whether the input is armored. */
static int source_open(struct source *s, int fd, const char *name)
{
    s->fd = fd;
    s->name = name;
    s->raw_len = 0;
    s->dec_off = s->dec_len = 0;
    long n = cli_read_full(fd, s->raw, ARMOR_PEEK + 64);
    if (n < 0)
        return cli_fail(CMD, "%s: %s", name, strerror(errno)), -1;
    s->raw_len = (size_t)n;
    s->eof = (size_t)n < ARMOR_PEEK + 64;
    size_t i = 0;
    while (i < s->raw_len && is_space(s->raw[i]))
        i++;
    static const char begin[] = "-----BEGIN";
    s->armored = s->raw_len - i >= sizeof begin - 1 && memcmp(s->raw + i, begin, 10) == 0;
    avila_age_armor_init(&s->a);
    return 0;
}

/* Refills dec from the file (through the armor decoder). Returns 0, or -1 (reported). */
static int source_fill(struct source *s)
{
    while (s->dec_off == s->dec_len && !(s->eof && s->raw_len == 0)) {
        if (s->raw_len == 0) {
            long n = cli_read_full(s->fd, s->raw, sizeof s->raw);
            if (n < 0)
                return cli_fail(CMD, "%s: %s", s->name, strerror(errno)), -1;
            s->raw_len = (size_t)n;
            s->eof = (size_t)n < sizeof s->raw;
        }
        s->dec_off = 0;
        if (!s->armored) {
            memcpy(s->dec, s->raw, s->raw_len);
            s->dec_len = s->raw_len;
        } else if (avila_age_armor_decode_update(&s->a, s->dec, sizeof s->dec, (const char *)s->raw,
                                                 s->raw_len, &s->dec_len) != 0) {
            return cli_fail(CMD, "%s: invalid armor (age ASCII armor is strict PEM)", s->name), -1;
        }
        s->raw_len = 0;
        if (s->eof && s->armored && avila_age_armor_decode_final(&s->a) != 0)
            return cli_fail(CMD, "%s: invalid armor: no END line", s->name), -1;
    }
    return 0;
}

/* Up to cap bytes of ciphertext into dst. Returns the count (0 at the end) or -1 (reported). */
static long source_read(struct source *s, uint8_t *dst, size_t cap)
{
    if (source_fill(s) != 0)
        return -1;
    size_t n = s->dec_len - s->dec_off;
    if (n > cap)
        n = cap;
    memcpy(dst, s->dec + s->dec_off, n);
    s->dec_off += n;
    return (long)n;
}

/* ------------------------------------------------------------------ decryption */

/* Reads and parses the header and the nonce into buf; *len = bytes in buf. Returns header length.
 */
static int read_header(struct source *src, struct avila_age_header *h, uint8_t *buf, size_t cap,
                       size_t *len)
{
    int rc = AVILA_EAGAIN;
    *len = 0;
    for (;;) {
        long n = source_read(src, buf + *len, cap - *len);
        if (n < 0)
            return -1;
        *len += (size_t)n;
        if (rc == AVILA_EAGAIN)
            rc = avila_age_header_parse(h, buf, *len, NULL);
        if (rc > 0 && *len >= (size_t)rc + AVILA_AGE_NONCE_LEN)
            return rc;
        if (rc < 0 && rc != AVILA_EAGAIN)
            break;
        if (n == 0) {
            rc = AVILA_EAGAIN;
            break;
        }
    }
    if (rc == AVILA_EAGAIN)
        return cli_fail(CMD, "%s: truncated header or not an age file", src->name), -1;
    if (rc == AVILA_EUNSUPPORTED)
        return cli_fail(CMD, "%s: unsupported age format version", src->name), -1;
    if (rc == AVILA_ELIMIT)
        return cli_fail(CMD, "%s: header too large", src->name), -1;
    return cli_fail(CMD, "%s: malformed age header", src->name), -1;
}

/* Recovers the file key with the passphrase (asked on the terminal) or the identities. */
static int unwrap(const struct options *o, const struct avila_age_header *h, uint8_t file_key[16])
{
    unsigned log_n;
    int rc = avila_age_header_scrypt_log_n(h, &log_n);
    if (rc == AVILA_EFORMAT)
        return cli_fail(CMD, "malformed scrypt stanza"), -1;
    if (rc == 0) {
        if (o->ids.n > 0)
            return cli_fail(CMD, "the file is passphrase-encrypted but identities were given"), -1;
        if (log_n > AVILA_AGE_SCRYPT_MAX_LOG_N)
            return cli_fail(CMD, "scrypt work factor 2^%u is too large (at most 2^%d)", log_n,
                            AVILA_AGE_SCRYPT_MAX_LOG_N),
                   -1;
        size_t ws = AVILA_AGE_SCRYPT_WORK_SIZE(log_n);
        void *work = malloc(ws);
        if (!work)
            return cli_fail(CMD, "out of memory for scrypt (%zu MiB)", ws >> 20), -1;
        char pw[PASS_MAX];
        long n = read_passphrase("Enter passphrase: ", pw, sizeof pw);
        rc = n < 0 ? -1
                   : avila_age_unwrap_scrypt(h, pw, (size_t)n, AVILA_AGE_SCRYPT_MAX_LOG_N, work, ws,
                                             file_key);
        avila_wipe(pw, sizeof pw);
        free(work);
        if (rc == AVILA_ENOTFOUND)
            return cli_fail(CMD, "incorrect passphrase"), -1;
        return rc == 0 ? 0 : -1;
    }
    if (o->ids.n == 0)
        return cli_fail(CMD, "no identity given: use -i PATH"), -1;
    rc = avila_age_unwrap_x25519(h, (const uint8_t(*)[32])o->ids.keys, o->ids.n, file_key);
    if (rc == AVILA_ENOTFOUND)
        return cli_fail(CMD, "no identity matched any of the recipients"), -1;
    if (rc != 0)
        return cli_fail(CMD, "malformed X25519 stanza"), -1;
    return 0;
}

/* Decrypts the payload: the bytes already read (rest), then the source. */
static int decrypt_stream(struct source *src, const uint8_t *rest, size_t rest_len,
                          struct sink *out)
{
    static uint8_t block[IO_BLOCK];
    const uint8_t *p = rest;
    size_t n = rest_len;
    int rc;
    struct cli_progress progress;
    cli_progress_start(&progress, CMD, src->name);
    for (;;) {
        while (n > 0) {
            const uint8_t *pt;
            size_t pt_len;
            int took = avila_age_decrypt_update(&stream, p, n, &pt, &pt_len);
            if (took < 0) {
                rc = took;
                goto failed;
            }
            if (pt_len > 0 && sink_write(out, pt, pt_len) != 0)
                goto io_failed;
            p += took;
            n -= (size_t)took;
        }
        long r = source_read(src, block, sizeof block);
        if (r < 0)
            goto io_failed;
        if (r == 0)
            break;
        p = block;
        n = (size_t)r;
        cli_progress_update(&progress, out->written, 0);
    }
    const uint8_t *pt;
    size_t pt_len;
    rc = avila_age_decrypt_final(&stream, &pt, &pt_len);
    if (rc < 0)
        goto failed;
    cli_progress_end(&progress);
    return pt_len > 0 ? sink_write(out, pt, pt_len) : 0;
failed:
    cli_progress_end(&progress);
    if (rc == AVILA_EAUTH)
        return cli_fail(CMD, "%s: payload authentication failed: the file was altered or cut",
                        src->name),
               -1;
    return cli_fail(CMD, "%s: the payload is truncated or has data after its end", src->name), -1;
io_failed:
    cli_progress_end(&progress);
    return -1;
}

static int run_decrypt(struct options *o)
{
    static struct source src;
    static uint8_t hbuf[HEADER_MAX + AVILA_AGE_NONCE_LEN];
    struct avila_age_header h;
    uint8_t file_key[16];
    size_t len;
    const char *name = o->input ? o->input : "standard input";
    int in = cli_open_input(CMD, o->input ? o->input : "-");
    if (in < 0)
        return CLI_FAIL;
    int rc = source_open(&src, in, name);
    int hlen = rc == 0 ? read_header(&src, &h, hbuf, sizeof hbuf, &len) : -1;
    rc = hlen > 0 ? unwrap(o, &h, file_key) : -1;
    if (rc == 0 && avila_age_header_verify(&h, file_key) != 0)
        rc = (cli_fail(CMD, "%s: header MAC check failed: the header was altered", name), -1);
    struct sink out;
    if (rc == 0)
        rc = sink_open(&out, o->output, 0, 0666);
    if (rc == 0) {
        avila_age_stream_init(&stream, file_key, hbuf + hlen, 0);
        size_t start = (size_t)hlen + AVILA_AGE_NONCE_LEN;
        rc = decrypt_stream(&src, hbuf + start, len - start, &out);
        avila_age_stream_wipe(&stream);
        if (rc == 0)
            rc = sink_finish(&out);
        else
            sink_abort(&out, 1);
    }
    avila_wipe(file_key, sizeof file_key);
    cli_close_input(in);
    return rc == 0 ? CLI_OK : CLI_FAIL;
}

/* ------------------------------------------------------------------ command line */

static int parse_options(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        {"encrypt", no_argument, 0, 'e'},
        {"decrypt", no_argument, 0, 'd'},
        {"recipient", required_argument, 0, 'r'},
        {"recipients-file", required_argument, 0, 'R'},
        {"identity", required_argument, 0, 'i'},
        {"passphrase", no_argument, 0, 'p'},
        {"armor", no_argument, 0, 'a'},
        {"output", required_argument, 0, 'o'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "edr:R:i:pao:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'e':
            o->encrypt = 1;
            break;
        case 'd':
            o->decrypt = 1;
            break;
        case 'r':
            if (add_recipient(o, optarg, strlen(optarg), "") != 0)
                return CLI_FAIL;
            break;
        case 'R':
            if (read_recipients_file(o, optarg) != 0)
                return CLI_FAIL;
            break;
        case 'i':
            if (age_read_identities(CMD, optarg, &o->ids) != 0)
                return CLI_FAIL;
            break;
        case 'p':
            o->passphrase = 1;
            break;
        case 'a':
            o->armor = 1;
            break;
        case 'o':
            o->output = optarg;
            break;
        case 'h':
            return -1;
        default:
            return cli_usage_error(CMD, "unknown option");
        }
    }
    if (argc - optind > 1)
        return cli_usage_error(CMD, "too many arguments");
    o->input = optind < argc ? argv[optind] : NULL;
    return 0;
}

/* Rejects option combinations age rejects. */
static int check_modes(const struct options *o)
{
    if (o->decrypt && o->encrypt)
        return cli_usage_error(CMD, "-e and -d are mutually exclusive");
    if (o->decrypt && (o->nrcpts > 0 || o->passphrase || o->armor))
        return cli_usage_error(CMD, "-r, -R, -p and -a are for encryption, not with -d");
    if (!o->decrypt && o->ids.n > 0)
        return cli_usage_error(CMD, "-i is for decryption (add -d)");
    if (!o->decrypt && o->passphrase && o->nrcpts > 0)
        return cli_usage_error(CMD, "-p can't be combined with -r or -R");
    if (!o->decrypt && !o->passphrase && o->nrcpts == 0)
        return cli_usage_error(CMD, "missing recipients: use -r, -R or -p");
    return 0;
}

int cmd_age(int argc, char **argv)
{
    struct options o = {0};
    o.rcpts = malloc(MAX_RCPTS * sizeof *o.rcpts);
    if (!o.rcpts)
        return cli_fail(CMD, "out of memory");
    int rc = parse_options(argc, argv, &o);
    if (rc < 0) {
        rc = cli_help(CMD); /* --help: nothing else runs */
    } else if (rc == 0 && (rc = check_modes(&o)) == 0) {
        if (o.output && o.input && strcmp(o.output, o.input) == 0 && strcmp(o.input, "-") != 0)
            rc = cli_usage_error(CMD, "input and output are the same file");
        else
            rc = o.decrypt ? run_decrypt(&o) : run_encrypt(&o);
    }
    age_identities_free(&o.ids);
    free(o.rcpts);
    return rc;
}
