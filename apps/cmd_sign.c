/*
 * apps/cmd_sign.c - `avila sign`: Ed25519 key generation, signing and
 * verification with OpenBSD signify(1)'s files, flags, defaults and rules
 * (formats in crypto/signify.h; checked against Debian's signify-openbsd).
 *
 *   -G  writes keyname.pub and keyname.sec (both names MUST end so, with
 *       the same keyname; existing files are never overwritten), comments
 *       "<comment> public key" / "<comment> secret key" (comment defaults
 *       to "signify"), the secret encrypted with a passphrase (asked twice)
 *       through bcrypt_pbkdf with 42 rounds unless -n;
 *   -S  signs the message with keyname.sec into message.sig (or -x), with
 *       the comment "verify with keyname.pub"; -e writes the signature
 *       file followed by the message (embedded);
 *   -V  checks the signature (key numbers MUST match) and prints "Signature
 *       Verified" unless -q; -V -e checks an embedded file (-x, default
 *       message.sig) and only then writes its message to -m's path.
 *
 * The passphrase is read as signify does: from the terminal (/dev/tty,
 * echo off) when standard input is one, else one line from standard input
 * (so scripts can pipe it). It is 1 to 1023 bytes (signify's buffer; a
 * longer one is refused instead of silently cut).
 *
 * Limits: key and signature files at most AVILA_SIGNIFY_FILE_MAX bytes;
 * messages (read whole: Ed25519 hashes them twice) at most 1 GiB. Secret
 * keys asking for more than AVILA_SIGNIFY_DEFAULT_MAX_ROUNDS KDF rounds
 * are refused. Not supported: -C (checksum lists), -z (gzip), -t and -V
 * without -p (signify's /etc/signify key lookup).
 *
 * Exit status: 0 success, 1 failure (unreadable file, bad passphrase, bad
 * signature), 2 usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apps/cli.h"
#include "apps/cmds.h"
#include "apps/tty.h"
#include "core/ct.h"
#include "core/error.h"
#include "crypto/csprng.h"
#include "crypto/signify.h"

#define CMD "sign"
/* The largest message -S signs and -V checks (read whole into memory). */
#define MESSAGE_MAX ((size_t)1 << 30)

const char cmd_sign_usage[] =
    "usage: avila sign -G [-n] [-c comment] -p pubkey -s seckey\n"
    "       avila sign -S [-e] [-x sigfile] -s seckey -m message\n"
    "       avila sign -V [-eq] [-x sigfile] -p pubkey -m message\n"
    "Ed25519 signatures in OpenBSD signify's formats (its keys and signatures\n"
    "work with this command and the other way round).\n"
    "  -G          generate a key pair: keyname.pub and keyname.sec\n"
    "  -S          sign message into sigfile (default message.sig)\n"
    "  -V          verify message against sigfile; print \"Signature Verified\"\n"
    "  -c comment  the keys' comment (default \"signify\")\n"
    "  -e          embedded: -S writes the signature then the message into sigfile;\n"
    "              -V checks sigfile and writes the message it holds to message\n"
    "  -m message  the file signed or verified ('-' standard input; with -V -e,\n"
    "              where the message goes, '-' standard output)\n"
    "  -n          no passphrase on the new secret key\n"
    "  -p pubkey   the public key file\n"
    "  -q          quiet: print nothing when a signature verifies\n"
    "  -s seckey   the secret key file\n"
    "  -x sigfile  the signature file\n"
    "  -h, --help  show this help\n"
    "The passphrase is read from the terminal with echo off, or as one line from\n"
    "standard input when that is not a terminal. Messages are read whole (at most\n"
    "1 GiB).\n"
    "Exit status: 0 success, 1 failure (bad signature, wrong passphrase, unreadable\n"
    "file), 2 usage error.\n";

struct options {
    int mode; /* 'G', 'S' or 'V' */
    int embedded, quiet, no_pass;
    const char *comment, *pubkey, *seckey, *sigfile, *message;
    char *default_sigfile; /* message.sig, malloc'd */
};

/* Reports a parser error for the file at path holding what ("public key"...). */
static int parse_failed(const char *path, const char *what, int rc)
{
    if (rc == AVILA_EUNSUPPORTED)
        return cli_fail(CMD, "%s: unsupported %s (not Ed25519 with bcrypt_pbkdf)", path, what);
    if (rc == AVILA_ELIMIT)
        return cli_fail(CMD,
                        "%s: %s exceeds a limit (comment longer than %d bytes, or more "
                        "than %d KDF rounds)",
                        path, what, AVILA_SIGNIFY_COMMENT_MAX, AVILA_SIGNIFY_DEFAULT_MAX_ROUNDS);
    return cli_fail(CMD, "%s: not a signify %s file", path, what);
}

/* ------------------------------------------------------------ key names */

/* The final component of path. */
static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/*
 * The length of path's final component without the suffix ext (".pub" or
 * ".sec"); 0 if it does not end in ext after a non-empty keyname.
 */
static size_t keyname_len(const char *path, const char *ext)
{
    const char *base = base_name(path);
    size_t n = strlen(base), e = strlen(ext);
    if (n <= e || strcmp(base + n - e, ext) != 0)
        return 0;
    return n - e;
}

/* ------------------------------------------------------------ passphrases */

/*
 * Asks for a passphrase (prompt on the terminal; none when it comes from
 * standard input) into buf (AVILA_SIGNIFY_PASS_MAX bytes). Returns its
 * length (at least 1), or -1 after reporting.
 */
static long get_passphrase(const char *prompt, char *buf)
{
    long n = isatty(STDIN_FILENO) ? tty_read_secret(prompt, buf, AVILA_SIGNIFY_PASS_MAX)
                                  : tty_read_line(STDIN_FILENO, buf, AVILA_SIGNIFY_PASS_MAX);
    if (n == -2)
        return cli_fail(CMD, "passphrase longer than %d bytes", AVILA_SIGNIFY_PASS_MAX), -1;
    if (n < 0)
        return cli_fail(CMD, "cannot read the passphrase: %s", strerror(errno)), -1;
    if (n == 0)
        return cli_fail(CMD, "please provide a passphrase"), -1;
    return n;
}

/* A new passphrase: asked twice, both MUST match. Returns its length or -1 after reporting. */
static long new_passphrase(char *buf)
{
    char again[AVILA_SIGNIFY_PASS_MAX];
    long n = get_passphrase("passphrase: ", buf);
    if (n < 0)
        return -1;
    long m = get_passphrase("confirm passphrase: ", again);
    if (m >= 0 && (m != n || !avila_ct_memeq(buf, again, (size_t)n))) {
        cli_fail(CMD, "passphrases don't match");
        m = -1;
    }
    avila_wipe(again, sizeof again);
    return m < 0 ? -1 : n;
}

/* ------------------------------------------------------------ -G */

/* Formats "<comment> <suffix>" into out (AVILA_SIGNIFY_COMMENT_MAX + 1 bytes). */
static int key_comment(char *out, const char *comment, const char *suffix)
{
    int n = snprintf(out, AVILA_SIGNIFY_COMMENT_MAX + 1, "%s %s", comment, suffix);
    return n < 0 || n > AVILA_SIGNIFY_COMMENT_MAX ? -1 : n;
}

/* Makes the key pair with a fresh seed, keynum and salt and serialises both files. */
static int make_keys(const struct options *o, char *pub, size_t *pub_n, char *sec, size_t *sec_n)
{
    char pass[AVILA_SIGNIFY_PASS_MAX], pub_comment[AVILA_SIGNIFY_COMMENT_MAX + 1],
        sec_comment[AVILA_SIGNIFY_COMMENT_MAX + 1];
    int pc = key_comment(pub_comment, o->comment, "public key");
    int sc = key_comment(sec_comment, o->comment, "secret key");
    if (pc < 0 || sc < 0 || strchr(o->comment, '\n'))
        return cli_usage_error(CMD, "comment too long (or holds a newline)");
    long pass_len = 0;
    if (!o->no_pass && (pass_len = new_passphrase(pass)) < 0)
        return CLI_FAIL;
    uint8_t rnd[32 + AVILA_SIGNIFY_KEYNUM_LEN + AVILA_SIGNIFY_SALT_LEN];
    struct avila_signify_pubkey pk;
    struct avila_signify_seckey sk;
    int rc = avila_csprng_random(rnd, sizeof rnd);
    if (rc == 0) {
        avila_signify_keygen(&pk, &sk, rnd, rnd + 32, rnd + 32 + AVILA_SIGNIFY_KEYNUM_LEN,
                             o->no_pass ? 0 : AVILA_SIGNIFY_DEFAULT_ROUNDS);
        pk.comment = pub_comment;
        pk.comment_len = (size_t)pc;
        sk.comment = sec_comment;
        sk.comment_len = (size_t)sc;
        rc = avila_signify_pubkey_write(pub, AVILA_SIGNIFY_FILE_MAX, &pk, pub_n);
        if (rc == 0)
            rc = avila_signify_seckey_write(sec, AVILA_SIGNIFY_FILE_MAX, &sk, pass,
                                            (size_t)pass_len, sec_n);
    }
    avila_wipe(rnd, sizeof rnd);
    avila_wipe(&sk, sizeof sk);
    avila_wipe(pass, sizeof pass);
    return rc == 0 ? 0 : cli_fail(CMD, "cannot make the key pair: %s", avila_strerror(rc));
}

static int generate(const struct options *o)
{
    size_t pub_name = keyname_len(o->pubkey, ".pub"), sec_name = keyname_len(o->seckey, ".sec");
    if (!pub_name || pub_name != sec_name ||
        memcmp(base_name(o->pubkey), base_name(o->seckey), pub_name) != 0)
        return cli_usage_error(CMD, "please use the naming scheme keyname.pub and keyname.sec");
    /* Both names are claimed before any work, so an existing file stops everything. */
    int sec_fd = cli_open_output(CMD, o->seckey, 1, 0600);
    if (sec_fd < 0)
        return CLI_FAIL;
    int pub_fd = cli_open_output(CMD, o->pubkey, 1, 0666);
    if (pub_fd < 0) {
        close(sec_fd);
        unlink(o->seckey);
        return CLI_FAIL;
    }
    char pub[AVILA_SIGNIFY_FILE_MAX], sec[AVILA_SIGNIFY_FILE_MAX];
    size_t pub_n = 0, sec_n = 0;
    int rc = make_keys(o, pub, &pub_n, sec, &sec_n);
    if (rc == 0)
        rc = cli_write_close(CMD, sec_fd, o->seckey, sec, sec_n, "", 0);
    else
        close(sec_fd);
    if (rc == 0)
        rc = cli_write_close(CMD, pub_fd, o->pubkey, pub, pub_n, "", 0);
    else
        close(pub_fd);
    avila_wipe(sec, sizeof sec);
    if (rc != 0) {
        unlink(o->seckey);
        unlink(o->pubkey);
    }
    return rc;
}

/* ------------------------------------------------------------ -S */

/* Reads, parses and decrypts the secret key (asking for its passphrase if it has one). */
static int load_seckey(const char *path, struct avila_signify_seckey *sk)
{
    char *text;
    size_t n;
    if (cli_read_file(CMD, path, AVILA_SIGNIFY_FILE_MAX, &text, &n) != 0)
        return CLI_FAIL;
    int rc = avila_signify_seckey_parse(sk, text, n, NULL);
    avila_wipe(text, n);
    free(text);
    if (rc < 0)
        return parse_failed(path, "secret key", rc);
    char pass[AVILA_SIGNIFY_PASS_MAX];
    long pass_len = 0;
    if (sk->rounds > 0 && (pass_len = get_passphrase("passphrase: ", pass)) < 0)
        return CLI_FAIL;
    rc = avila_signify_seckey_decrypt(sk, pass, (size_t)pass_len);
    avila_wipe(pass, sizeof pass);
    if (rc == AVILA_EAUTH)
        return cli_fail(CMD,
                        sk->rounds > 0 ? "incorrect passphrase"
                                       : "%s: checksum mismatch (corrupt secret key)",
                        path);
    if (rc < 0)
        return cli_fail(CMD, "%s: corrupt secret key (%s)", path, avila_strerror(rc));
    return 0;
}

static int sign(const struct options *o)
{
    size_t name = keyname_len(o->seckey, ".sec");
    if (!name)
        return cli_usage_error(CMD, "please use the naming scheme keyname.sec for the secret key");
    /* "verify with keyname.pub" */
    char comment[AVILA_SIGNIFY_COMMENT_MAX + 1];
    int clen =
        snprintf(comment, sizeof comment, "verify with %.*s.pub", (int)name, base_name(o->seckey));
    if (clen < 0 || clen > AVILA_SIGNIFY_COMMENT_MAX)
        return cli_usage_error(CMD, "secret key name too long for the signature's comment");
    struct avila_signify_seckey sk;
    int rc = load_seckey(o->seckey, &sk);
    char *msg = NULL;
    size_t msg_n = 0;
    if (rc == 0)
        rc = cli_read_file(CMD, o->message, MESSAGE_MAX, &msg, &msg_n);
    struct avila_signify_sig sig;
    char text[AVILA_SIGNIFY_FILE_MAX];
    size_t text_n = 0;
    if (rc == 0) {
        avila_signify_sign(&sig, &sk, msg, msg_n);
        sig.comment = comment;
        sig.comment_len = (size_t)clen;
        /* Only a newline in the key's name can make the comment invalid. */
        if (avila_signify_sig_write(text, sizeof text, &sig, &text_n) != 0)
            rc = cli_usage_error(CMD, "the secret key's name cannot go into a comment");
        else
            rc = cli_write_file(CMD, o->sigfile, 0666, text, text_n, msg, o->embedded ? msg_n : 0);
    }
    avila_wipe(&sk, sizeof sk);
    free(msg);
    return rc;
}

/* ------------------------------------------------------------ -V */

static int verify(const struct options *o)
{
    char *pub_text = NULL, *sig_text = NULL, *msg = NULL;
    size_t pub_n = 0, sig_n = 0, msg_n = 0, consumed = 0;
    struct avila_signify_pubkey pk;
    struct avila_signify_sig sig;
    int rc = cli_read_file(CMD, o->pubkey, AVILA_SIGNIFY_FILE_MAX, &pub_text, &pub_n);
    if (rc != 0)
        goto out;
    if ((rc = avila_signify_pubkey_parse(&pk, pub_text, pub_n)) < 0) {
        rc = parse_failed(o->pubkey, "public key", rc);
        goto out;
    }
    /* An embedded file holds the message too: it gets the message's limit. */
    rc = cli_read_file(CMD, o->sigfile, o->embedded ? MESSAGE_MAX : AVILA_SIGNIFY_FILE_MAX,
                       &sig_text, &sig_n);
    if (rc != 0)
        goto out;
    if ((rc = avila_signify_sig_parse(&sig, sig_text, sig_n, o->embedded ? &consumed : NULL)) < 0) {
        rc = parse_failed(o->sigfile, "signature", rc);
        goto out;
    }
    const char *body = sig_text + consumed;
    size_t body_n = sig_n - consumed;
    if (!o->embedded) {
        if ((rc = cli_read_file(CMD, o->message, MESSAGE_MAX, &msg, &msg_n)) != 0)
            goto out;
        body = msg;
        body_n = msg_n;
    }
    if (memcmp(sig.keynum, pk.keynum, AVILA_SIGNIFY_KEYNUM_LEN) != 0)
        rc = cli_fail(CMD, "verification failed: checked against wrong key");
    else if (avila_signify_verify(&sig, &pk, body, body_n) != 0)
        rc = cli_fail(CMD, "signature verification failed");
    /* The embedded message is released only once its signature holds. */
    else if (o->embedded)
        rc = cli_write_file(CMD, o->message, 0666, body, body_n, "", 0);
    if (rc == 0 && !o->quiet && (puts("Signature Verified") < 0 || fflush(stdout) != 0))
        rc = cli_fail(CMD, "cannot write output");
out:
    free(pub_text);
    free(sig_text);
    free(msg);
    return rc;
}

/* ------------------------------------------------------------ options */

/* Reports a usage error; returns CLI_USAGE (visibly, for the static analyser). */
static int usage(const char *msg)
{
    cli_usage_error(CMD, "%s", msg);
    return CLI_USAGE;
}

/* Checks the flags fit the mode and fills in defaults; 0 or an exit status after reporting. */
static int check_options(struct options *o)
{
    if (!o->mode)
        return usage("one of -G, -S or -V is needed");
    if (o->mode == 'G') {
        if (!o->pubkey || !o->seckey)
            return usage("-G needs -p and -s");
        if (o->embedded || o->quiet || o->sigfile || o->message)
            return usage("-e, -q, -x and -m do not apply to -G");
        if (!o->comment)
            o->comment = "signify";
        return 0;
    }
    if (o->no_pass || o->comment)
        return usage("-n and -c apply to -G only");
    if (!o->message)
        return usage("-S and -V need -m");
    if (o->mode == 'S' && (!o->seckey || o->pubkey || o->quiet))
        return usage("-S needs -s (and takes no -p or -q)");
    if (o->mode == 'V' && (!o->pubkey || o->seckey))
        return usage("-V needs -p (and takes no -s)");
    if (!o->sigfile) {
        if (strcmp(o->message, "-") == 0)
            return usage("-x is needed when the message is standard input");
        size_t n = strlen(o->message);
        o->default_sigfile = malloc(n + 5);
        if (!o->default_sigfile)
            return cli_fail(CMD, "out of memory");
        memcpy(o->default_sigfile, o->message, n);
        memcpy(o->default_sigfile + n, ".sig", 5);
        o->sigfile = o->default_sigfile;
    }
    return 0;
}

/* Records the mode letter; a second, different one is a usage error. */
static int set_mode(struct options *o, int mode)
{
    if (o->mode && o->mode != mode)
        return cli_usage_error(CMD, "only one of -G, -S and -V");
    o->mode = mode;
    return 0;
}

int cmd_sign(int argc, char **argv)
{
    static const struct option longopts[] = {{"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    struct options o = {0};
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "GSVc:ehm:np:qs:x:", longopts, NULL)) != -1) {
        switch (opt) {
        case 'G':
        case 'S':
        case 'V':
            if (set_mode(&o, opt) != 0)
                return CLI_USAGE;
            break;
        case 'c':
            o.comment = optarg;
            break;
        case 'e':
            o.embedded = 1;
            break;
        case 'm':
            o.message = optarg;
            break;
        case 'n':
            o.no_pass = 1;
            break;
        case 'p':
            o.pubkey = optarg;
            break;
        case 'q':
            o.quiet = 1;
            break;
        case 's':
            o.seckey = optarg;
            break;
        case 'x':
            o.sigfile = optarg;
            break;
        case 'h':
            return cli_help(CMD);
        default:
            return cli_usage_error(CMD, "unknown option");
        }
    }
    if (optind < argc)
        return cli_usage_error(CMD, "unexpected argument '%s'", argv[optind]);
    int rc = check_options(&o);
    if (rc == 0)
        rc = o.mode == 'G' ? generate(&o) : o.mode == 'S' ? sign(&o) : verify(&o);
    free(o.default_sigfile);
    return rc;
}
