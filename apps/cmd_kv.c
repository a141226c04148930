/*
 * apps/cmd_kv.c - `avila kv`: the LSM store (data/lsm_db.h) from the
 * command line. One store directory per invocation:
 *   put, del, del-range   write (synced before exit 0 unless --no-sync)
 *   get                   the value and a newline; exit 1 when absent
 *   scan, dump            KEY<TAB>VALUE lines in key order
 *   load                  KEY<TAB>VALUE lines in (dump's format)
 *   check, stats, compact integrity, figures, full compaction
 * Keys and values are text with C-style escapes for the bytes a line
 * cannot hold (\t \n \r \\ and \xHH for other control bytes), or hex with
 * --hex; load reads what dump writes, in the same mode.
 */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apps/cli.h"
#include "apps/cmds.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/encoding.h"
#include "data/lsm_batch.h"
#include "data/lsm_db.h"

#define CMD "kv"

const char cmd_kv_usage[] =
    "usage: avila kv [OPTION...] DIR COMMAND [ARG...]\n"
    "The key-value store in directory DIR (made by the first write).\n"
    "Commands:\n"
    "  put KEY VALUE        set KEY\n"
    "  get KEY              print KEY's value and a newline; exit 1 if absent\n"
    "  del KEY              delete KEY\n"
    "  del-range BEGIN END  delete every key k with BEGIN <= k < END\n"
    "  scan [--prefix P] [--from K] [--limit N]\n"
    "                       print KEY<TAB>VALUE lines in key order\n"
    "  dump                 print every entry as KEY<TAB>VALUE lines (load's input)\n"
    "  load FILE            put the KEY<TAB>VALUE lines of FILE ('-': standard input)\n"
    "  check                verify every checksum and invariant; exit 1 on damage\n"
    "  stats                print NAME VALUE lines: files and bytes per level, amplification\n"
    "  compact [BEGIN [END]] compact the key range (all keys by default) to the last level\n"
    "Options:\n"
    "  --hex                keys and values in hex (default: text, with \\t \\n \\r \\\\\n"
    "                       and \\xHH escapes for the bytes a line cannot hold)\n"
    "  --no-sync            put, del, del-range and load return before the data is durable\n"
    "  --compaction-threads N  run up to N compactions side by side (1-16, default 1)\n"
    "  -h, --help           show this help\n"
    "Exit status: 0 success, 1 failure (or get: key absent; check: damage), 2 usage error.\n";

struct kv {
    bool hex, no_sync;
    uint64_t compaction_threads;
    const char *prefix, *from;
    uint64_t limit;
    struct avila_lsm_db *db;
    struct avila_buf out; /* stdout, flushed in large pieces */
};

/* ---------------------------------------------------------------- encoding */

/* Decodes a key or value as given on the command line or in a load line. Returns 0 or -1. */
static int decode(const struct kv *k, const char *s, size_t n, struct avila_buf *b)
{
    avila_buf_clear(b);
    if (k->hex) {
        if (n % 2 != 0 || avila_buf_reserve(b, n / 2) != 0)
            return -1;
        size_t got = 0;
        if (avila_hex_decode(b->data, n / 2, s, n, &got) != 0 || got != n / 2)
            return -1;
        b->len = got;
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        uint8_t c = (uint8_t)s[i];
        if (c == '\\') {
            if (++i == n)
                return -1;
            switch (s[i]) {
            case 't':
                c = '\t';
                break;
            case 'n':
                c = '\n';
                break;
            case 'r':
                c = '\r';
                break;
            case '\\':
                c = '\\';
                break;
            case 'x': {
                uint8_t v;
                size_t got;
                if (i + 3 > n || avila_hex_decode(&v, 1, s + i + 1, 2, &got) != 0 || got != 1)
                    return -1;
                c = v;
                i += 2;
                break;
            }
            default:
                return -1;
            }
        }
        if (avila_buf_append_byte(b, c) != 0)
            return -1;
    }
    return 0;
}

static int encode(const struct kv *k, struct avila_slice s, struct avila_buf *out)
{
    if (k->hex)
        return avila_buf_append_hex(out, s.ptr, s.len);
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < s.len; i++) {
        uint8_t c = s.ptr[i];
        char e[4];
        size_t n = 2;
        e[0] = '\\';
        if (c == '\t')
            e[1] = 't';
        else if (c == '\n')
            e[1] = 'n';
        else if (c == '\r')
            e[1] = 'r';
        else if (c == '\\')
            e[1] = '\\';
        else if (c < 0x20 || c == 0x7f) {
            e[1] = 'x';
            e[2] = digits[c >> 4];
            e[3] = digits[c & 15];
            n = 4;
        } else {
            e[0] = (char)c;
            n = 1;
        }
        if (avila_buf_append(out, e, n) != 0)
            return -1;
    }
    return 0;
}

static int flush_out(struct kv *k)
{
    if (k->out.len == 0)
        return 0;
    int rc = cli_write_all(1, k->out.data, k->out.len);
    avila_buf_clear(&k->out);
    return rc == 0 ? 0 : cli_fail(CMD, "standard output: write failed");
}

/* ---------------------------------------------------------------- commands */

static struct avila_lsm_write_options write_opts(const struct kv *k)
{
    struct avila_lsm_write_options wo = {.sync = k->no_sync ? 0 : 1};
    return wo;
}

static int store_error(const char *what, int rc)
{
    return cli_fail(CMD, "%s: %s", what, avila_strerror(rc));
}

static int run_write(struct kv *k, const char *sub, int argc, char **argv)
{
    int want = strcmp(sub, "del") == 0 ? 1 : 2;
    if (argc != want)
        return cli_usage_error(CMD, "%s takes %d argument%s", sub, want, want > 1 ? "s" : "");
    struct avila_buf a, b;
    avila_buf_init(&a, avila_allocator_libc(), SIZE_MAX);
    avila_buf_init(&b, avila_allocator_libc(), SIZE_MAX);
    int rc = CLI_OK;
    if (decode(k, argv[0], strlen(argv[0]), &a) != 0 ||
        (want == 2 && decode(k, argv[1], strlen(argv[1]), &b) != 0))
        rc = cli_usage_error(CMD, "%s: bad %s", sub, k->hex ? "hex" : "escape");
    struct avila_lsm_write_options wo = write_opts(k);
    struct avila_slice sa = avila_slice_make(a.data, a.len), sb = avila_slice_make(b.data, b.len);
    int e = 0;
    if (rc == CLI_OK)
        e = strcmp(sub, "put") == 0   ? avila_lsm_put(k->db, sa, sb, &wo)
            : strcmp(sub, "del") == 0 ? avila_lsm_del(k->db, sa, &wo)
                                      : avila_lsm_del_range(k->db, sa, sb, &wo);
    if (rc == CLI_OK && e == AVILA_EINVAL)
        rc = cli_usage_error(CMD, "%s: key too long, or an empty or backward range", sub);
    else if (rc == CLI_OK && e != 0)
        rc = store_error(sub, e);
    avila_buf_release(&a);
    avila_buf_release(&b);
    return rc;
}

static int run_get(struct kv *k, int argc, char **argv)
{
    if (argc != 1)
        return cli_usage_error(CMD, "get takes 1 argument");
    struct avila_buf key, v;
    avila_buf_init(&key, avila_allocator_libc(), SIZE_MAX);
    avila_buf_init(&v, avila_allocator_libc(), SIZE_MAX);
    int rc;
    if (decode(k, argv[0], strlen(argv[0]), &key) != 0) {
        rc = cli_usage_error(CMD, "get: bad %s", k->hex ? "hex" : "escape");
    } else {
        int e = avila_lsm_get(k->db, NULL, avila_slice_make(key.data, key.len), &v);
        if (e < 0) {
            rc = store_error("get", e);
        } else if (e == 0) {
            rc = CLI_FAIL; /* absent: no message, like grep */
        } else {
            rc = encode(k, avila_slice_make(v.data, v.len), &k->out) == 0 &&
                         avila_buf_append_byte(&k->out, '\n') == 0
                     ? flush_out(k)
                     : cli_fail(CMD, "out of memory");
        }
    }
    avila_buf_release(&key);
    avila_buf_release(&v);
    return rc;
}

/* scan and dump: KEY<TAB>VALUE lines from the first key at or after from, within prefix. */
static int run_scan(struct kv *k, struct avila_slice from, struct avila_slice prefix)
{
    struct avila_lsm_read_options ro = {.no_fill_cache = true, .prefix = prefix};
    struct avila_lsm_db_iter *it;
    int e = avila_lsm_db_iter_create(k->db, &ro, &it);
    if (e != 0)
        return store_error("scan", e);
    if (avila_lsm_user_cmp(from, prefix) < 0)
        from = prefix;
    uint64_t n = 0;
    int rc = CLI_OK;
    for (e = avila_lsm_db_iter_seek(it, from); e == 0 && avila_lsm_db_iter_valid(it);
         e = avila_lsm_db_iter_next(it)) {
        struct avila_slice key = avila_lsm_db_iter_key(it);
        if (!avila_slice_starts_with(key, prefix) || (k->limit > 0 && n == k->limit))
            break;
        if (encode(k, key, &k->out) != 0 || avila_buf_append_byte(&k->out, '\t') != 0 ||
            encode(k, avila_lsm_db_iter_value(it), &k->out) != 0 ||
            avila_buf_append_byte(&k->out, '\n') != 0) {
            rc = cli_fail(CMD, "out of memory");
            break;
        }
        n++;
        if (k->out.len >= 65536 && (rc = flush_out(k)) != CLI_OK)
            break;
    }
    if (rc == CLI_OK && e != 0)
        rc = store_error("scan", e);
    if (rc == CLI_OK)
        rc = flush_out(k);
    avila_lsm_db_iter_destroy(it);
    return rc;
}

/* load: one batch per 4096 lines; the last one synced (unless --no-sync). */
struct loader {
    struct kv *k;
    struct avila_buf line, key, val, batch_buf;
    struct avila_lsm_batch batch;
    uint64_t lineno, done, total;
    struct cli_progress progress;
    int rc;
};

static int load_flush(struct loader *l, bool last)
{
    if (avila_lsm_batch_count(&l->batch) == 0)
        return 0;
    struct avila_lsm_write_options wo = {.sync = last && !l->k->no_sync ? 1 : 0};
    int e = avila_lsm_write(l->k->db, l->batch_buf.data, l->batch_buf.len, &wo);
    if (e != 0)
        return store_error("load", e);
    return avila_lsm_batch_init(&l->batch, &l->batch_buf) == 0 ? 0 : cli_fail(CMD, "out of memory");
}

static int load_line(struct loader *l, const char *s, size_t n)
{
    l->lineno++;
    if (n > 0 && s[n - 1] == '\r')
        n--;
    const char *tab = memchr(s, '\t', n);
    if (tab == NULL)
        return cli_fail(CMD, "load: line %llu: no TAB", (unsigned long long)l->lineno);
    if (decode(l->k, s, (size_t)(tab - s), &l->key) != 0 ||
        decode(l->k, tab + 1, n - (size_t)(tab - s) - 1, &l->val) != 0)
        return cli_fail(CMD, "load: line %llu: bad %s", (unsigned long long)l->lineno,
                        l->k->hex ? "hex" : "escape");
    int e = avila_lsm_batch_put(&l->batch, avila_slice_make(l->key.data, l->key.len),
                                avila_slice_make(l->val.data, l->val.len));
    if (e != 0)
        return cli_fail(CMD, "load: line %llu: %s", (unsigned long long)l->lineno,
                        e == AVILA_EINVAL ? "key or value too long" : avila_strerror(e));
    if (avila_lsm_batch_count(&l->batch) >= 4096 || l->batch_buf.len >= ((size_t)1 << 20))
        return load_flush(l, false);
    return 0;
}

static int load_block(void *ctx, const uint8_t *p, size_t n)
{
    struct loader *l = ctx;
    l->done += n;
    cli_progress_update(&l->progress, l->done, l->total);
    while (n > 0) {
        const uint8_t *nl = memchr(p, '\n', n);
        size_t take = nl != NULL ? (size_t)(nl - p) : n;
        if (avila_buf_append(&l->line, p, take) != 0)
            return cli_fail(CMD, "load: line %llu too long", (unsigned long long)l->lineno + 1);
        if (nl == NULL)
            return 0;
        int rc = load_line(l, (const char *)l->line.data, l->line.len);
        if (rc != 0)
            return rc;
        avila_buf_clear(&l->line);
        p += take + 1;
        n -= take + 1;
    }
    return 0;
}

static int run_load(struct kv *k, int argc, char **argv)
{
    if (argc != 1)
        return cli_usage_error(CMD, "load takes 1 argument (FILE or -)");
    int fd = cli_open_input(CMD, argv[0]);
    if (fd < 0)
        return CLI_FAIL;
    struct loader l = {.k = k};
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
        l.total = (uint64_t)st.st_size;
    const struct avila_allocator *a = avila_allocator_libc();
    avila_buf_init(&l.line, a, (size_t)1 << 30);
    avila_buf_init(&l.key, a, SIZE_MAX);
    avila_buf_init(&l.val, a, SIZE_MAX);
    avila_buf_init(&l.batch_buf, a, SIZE_MAX);
    int rc = avila_lsm_batch_init(&l.batch, &l.batch_buf) == 0 ? 0 : cli_fail(CMD, "out of memory");
    cli_progress_start(&l.progress, CMD, argv[0]);
    if (rc == 0)
        rc = cli_stream(CMD, argv[0], fd, 65536, load_block, &l);
    if (rc == 0 && l.line.len > 0)
        rc = load_line(&l, (const char *)l.line.data, l.line.len); /* no final newline */
    if (rc == 0)
        rc = load_flush(&l, true);
    cli_progress_end(&l.progress);
    cli_close_input(fd);
    avila_buf_release(&l.line);
    avila_buf_release(&l.key);
    avila_buf_release(&l.val);
    avila_buf_release(&l.batch_buf);
    return rc == 0 ? CLI_OK : CLI_FAIL;
}

static int run_stats(struct kv *k)
{
    struct avila_lsm_stats s;
    avila_lsm_stats(k->db, &s);
    char line[160];
    for (int l = 0; l < AVILA_LSM_LEVELS; l++) {
        int n =
            snprintf(line, sizeof(line), "level.%d.files %llu\nlevel.%d.bytes %llu\n", l,
                     (unsigned long long)s.level_files[l], l, (unsigned long long)s.level_bytes[l]);
        (void)avila_buf_append(&k->out, line, (size_t)n);
    }
    const struct {
        const char *name;
        uint64_t v;
    } f[] = {
        {"last_seq", s.last_seq},
        {"memtable_bytes", s.memtable_bytes},
        {"flushes", s.flushes},
        {"compactions", s.compactions},
        {"trivial_moves", s.trivial_moves},
        {"compactions_peak", s.compactions_peak},
        {"flush_bytes_written", s.flush_bytes_written},
        {"compact_bytes_read", s.compact_bytes_read},
        {"compact_bytes_written", s.compact_bytes_written},
        {"stalls", s.stalls},
        {"stall_us", s.stall_us},
        {"cache_hits", s.cache_hits},
        {"cache_misses", s.cache_misses},
    };
    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
        int n = snprintf(line, sizeof(line), "%s %llu\n", f[i].name, (unsigned long long)f[i].v);
        (void)avila_buf_append(&k->out, line, (size_t)n);
    }
    /* Space amplification: bytes on disk over the bytes of the live entries. */
    uint64_t disk = 0, live = 0;
    for (int l = 0; l < AVILA_LSM_LEVELS; l++)
        disk += s.level_bytes[l];
    struct avila_lsm_db_iter *it;
    struct avila_lsm_read_options ro = {.no_fill_cache = true};
    int e = avila_lsm_db_iter_create(k->db, &ro, &it);
    if (e != 0)
        return store_error("stats", e);
    uint64_t keys = 0;
    for (e = avila_lsm_db_iter_seek_first(it); e == 0 && avila_lsm_db_iter_valid(it);
         e = avila_lsm_db_iter_next(it)) {
        live += avila_lsm_db_iter_key(it).len + avila_lsm_db_iter_value(it).len;
        keys++;
    }
    avila_lsm_db_iter_destroy(it);
    if (e != 0)
        return store_error("stats", e);
    int n = snprintf(line, sizeof(line), "live_keys %llu\nlive_bytes %llu\nspace_amp %.3f\n",
                     (unsigned long long)keys, (unsigned long long)live,
                     live > 0 ? (double)disk / (double)live : 0.0);
    (void)avila_buf_append(&k->out, line, (size_t)n);
    return flush_out(k);
}

static int run_compact(struct kv *k, int argc, char **argv)
{
    if (argc > 2)
        return cli_usage_error(CMD, "compact takes at most 2 arguments");
    struct avila_buf a, b;
    avila_buf_init(&a, avila_allocator_libc(), SIZE_MAX);
    avila_buf_init(&b, avila_allocator_libc(), SIZE_MAX);
    int rc = CLI_OK;
    if ((argc > 0 && decode(k, argv[0], strlen(argv[0]), &a) != 0) ||
        (argc > 1 && decode(k, argv[1], strlen(argv[1]), &b) != 0))
        rc = cli_usage_error(CMD, "compact: bad %s", k->hex ? "hex" : "escape");
    if (rc == CLI_OK) {
        int e = avila_lsm_compact_range(k->db, avila_slice_make(a.data, a.len),
                                        avila_slice_make(b.data, b.len));
        if (e != 0)
            rc = store_error("compact", e);
    }
    avila_buf_release(&a);
    avila_buf_release(&b);
    return rc;
}

static int run_check(struct kv *k)
{
    struct avila_buf rep;
    avila_buf_init(&rep, avila_allocator_libc(), SIZE_MAX);
    int e = avila_lsm_check(k->db, &rep);
    int rc = CLI_OK;
    if (e != 0) {
        fprintf(stderr, "avila kv: check: %.*s", (int)rep.len, (const char *)rep.data);
        if (rep.len == 0)
            fprintf(stderr, "%s\n", avila_strerror(e));
        rc = CLI_FAIL;
    }
    avila_buf_release(&rep);
    return rc;
}

/* ---------------------------------------------------------------- main */

static int parse_options(int argc, char **argv, struct kv *k)
{
    enum { O_HEX = 256, O_NO_SYNC, O_PREFIX, O_FROM, O_LIMIT, O_THREADS };
    static const struct option longopts[] = {
        {"hex", no_argument, 0, O_HEX},
        {"no-sync", no_argument, 0, O_NO_SYNC},
        {"prefix", required_argument, 0, O_PREFIX},
        {"from", required_argument, 0, O_FROM},
        {"limit", required_argument, 0, O_LIMIT},
        {"compaction-threads", required_argument, 0, O_THREADS},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case O_HEX:
            k->hex = true;
            break;
        case O_NO_SYNC:
            k->no_sync = true;
            break;
        case O_PREFIX:
            k->prefix = optarg;
            break;
        case O_FROM:
            k->from = optarg;
            break;
        case O_LIMIT:
            if (cli_parse_count(optarg, 1, UINT64_MAX, &k->limit) != 0)
                return cli_usage_error(CMD, "--limit takes a positive count");
            break;
        case O_THREADS:
            if (cli_parse_count(optarg, 1, AVILA_LSM_MAX_COMPACTION_THREADS,
                                &k->compaction_threads) != 0)
                return cli_usage_error(CMD, "--compaction-threads takes 1 to %d",
                                       AVILA_LSM_MAX_COMPACTION_THREADS);
            break;
        case 'h':
            return cli_help(CMD), -1;
        default:
            return cli_usage_error(CMD, "unknown option");
        }
    }
    return 0;
}

static int dispatch(struct kv *k, const char *sub, int argc, char **argv)
{
    if (strcmp(sub, "put") == 0 || strcmp(sub, "del") == 0 || strcmp(sub, "del-range") == 0)
        return run_write(k, sub, argc, argv);
    if (strcmp(sub, "get") == 0)
        return run_get(k, argc, argv);
    if (strcmp(sub, "load") == 0)
        return run_load(k, argc, argv);
    if (strcmp(sub, "compact") == 0)
        return run_compact(k, argc, argv);
    if (argc != 0)
        return cli_usage_error(CMD, "%s takes no argument", sub);
    if (strcmp(sub, "check") == 0)
        return run_check(k);
    if (strcmp(sub, "stats") == 0)
        return run_stats(k);
    /* scan and dump */
    struct avila_buf from, prefix;
    avila_buf_init(&from, avila_allocator_libc(), SIZE_MAX);
    avila_buf_init(&prefix, avila_allocator_libc(), SIZE_MAX);
    int rc;
    if ((k->from != NULL && decode(k, k->from, strlen(k->from), &from) != 0) ||
        (k->prefix != NULL && decode(k, k->prefix, strlen(k->prefix), &prefix) != 0))
        rc = cli_usage_error(CMD, "scan: bad %s", k->hex ? "hex" : "escape");
    else
        rc = run_scan(k, avila_slice_make(from.data, from.len),
                      avila_slice_make(prefix.data, prefix.len));
    avila_buf_release(&from);
    avila_buf_release(&prefix);
    return rc;
}

int cmd_kv(int argc, char **argv)
{
    struct kv k = {0};
    int rc = parse_options(argc, argv, &k);
    if (rc != 0)
        return rc < 0 ? CLI_OK : rc;
    if (argc - optind < 2)
        return cli_usage_error(CMD, "need DIR and a command");
    const char *dir = argv[optind], *sub = argv[optind + 1];
    static const char *const subs[] = {"put",  "get",  "del",   "del-range", "scan",
                                       "dump", "load", "check", "stats",     "compact"};
    bool known = false;
    for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
        known = known || strcmp(sub, subs[i]) == 0;
    if (!known)
        return cli_usage_error(CMD, "unknown command '%s'", sub);
    if ((k.prefix != NULL || k.from != NULL || k.limit > 0) && strcmp(sub, "scan") != 0)
        return cli_usage_error(CMD, "--prefix, --from and --limit go with scan");
    bool writes = strcmp(sub, "put") == 0 || strcmp(sub, "del") == 0 ||
                  strcmp(sub, "del-range") == 0 || strcmp(sub, "load") == 0;
    struct avila_lsm_options opt = {.create_if_missing = writes,
                                    .compaction_threads = (unsigned)k.compaction_threads};
    int e = avila_lsm_open(&k.db, dir, &opt, NULL);
    if (e == AVILA_ENOTFOUND)
        return cli_fail(CMD, "%s: no store here", dir);
    if (e == AVILA_ESTATE)
        return cli_fail(CMD, "%s: in use by another process", dir);
    if (e != 0)
        return cli_fail(CMD, "%s: %s", dir, avila_strerror(e));
    avila_buf_init(&k.out, avila_allocator_libc(), SIZE_MAX);
    rc = dispatch(&k, sub, argc - optind - 2, argv + optind + 2);
    e = avila_lsm_close(k.db);
    if (e != 0 && rc == CLI_OK)
        rc = store_error("close", e);
    avila_buf_release(&k.out);
    return rc;
}
