/*
 * tools/bench/bench_json_write.c - JSON writer throughput (data/json_write.h)
 * in MB/s of output text, for the calls a document serializer makes.
 *
 * The documents are kept as a tape of writer calls (token type, pointer,
 * length, number), and the timed loop replays the tape into a buffer that
 * keeps its memory between runs, so what is measured is the writer:
 *   serialize/synthetic         a twitter-like document made here (statuses
 *                               with ids, dates, text with some escapes and
 *                               Japanese, nested user objects, entity
 *                               arrays, booleans, nulls), compact
 *   serialize/synthetic-pretty  the same with indent 2
 *   serialize/synthetic-ascii   the same compact with AVILA_JSON_WRITE_ASCII
 *   serialize/twitter.json      twitter.json, read into a tape by a small
 *                               parser here, written compact (the case the
 *                               anchors in ../shared/anchors/json time for
 *                               simdjson and cJSON)
 * twitter.json is read from $AVILA_SHARED/data/json/ (AVILA_SHARED defaults
 * to "../shared" from the current directory); the case is skipped with a
 * note when it is absent. AVILA_CPU=portable picks the portable kernel.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/cpu.h"
#include "data/json_write.h"
#include "tools/bench/bench.h"

#ifndef AVILA_SHARED_DIR
#define AVILA_SHARED_DIR "../shared"
#endif

enum kind {
    T_OBJ,
    T_OBJ_END,
    T_ARR,
    T_ARR_END,
    T_KEY,
    T_STR,
    T_INT,
    T_DBL,
    T_TRUE,
    T_FALSE,
    T_NULL
};

struct item {
    enum kind kind;
    size_t len;
    const char *s;
    int64_t i;
    double d;
};

struct tape {
    struct item *items;
    size_t n, cap;
    char *text; /* unescaped strings of a parsed file */
};

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n);
    if (!p) {
        fprintf(stderr, "bench_json_write: out of memory\n");
        exit(1);
    }
    return p;
}

static struct item *push(struct tape *t, enum kind k)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 1024;
        t->items = xrealloc(t->items, t->cap * sizeof *t->items);
    }
    struct item *it = &t->items[t->n++];
    memset(it, 0, sizeof *it);
    it->kind = k;
    return it;
}

static void push_str(struct tape *t, enum kind k, const char *s)
{
    struct item *it = push(t, k);
    it->s = s;
    it->len = strlen(s);
}

static void push_int(struct tape *t, int64_t v)
{
    push(t, T_INT)->i = v;
}

/* ------------------------------------------------------------ synthetic */

static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static const char *texts[] = {
    "RT @user: just landed in Tokyo, the view is amazing http://t.co/abc123 #travel",
    "\xe3\x80\x90\xe5\xae\x9a\xe6\x9c\x9f\xe3\x80\x91\xe3\x81\x8a\xe3\x81\xaf\xe3\x82\x88\xe3"
    "\x81\x86\xe3\x81\x94\xe3\x81\x96\xe3\x81\x84\xe3\x81\xbe\xe3\x81\x99\xef\xbc\x81\xe4\xbb"
    "\x8a\xe6\x97\xa5\xe3\x82\x82\xe4\xb8\x80\xe6\x97\xa5\xe9\xa0\x91\xe5\xbc\xb5\xe3\x82\x8a"
    "\xe3\x81\xbe\xe3\x81\x97\xe3\x82\x87\xe3\x81\x86 http://t.co/xyz",
    "She said \"no way\" and left.\nThen came back \\o/ with cake",
    "line one\nline two\ttabbed \xe2\x80\x94 em dash and \xf0\x9f\x98\x80 emoji",
    "short",
    "The quick brown fox jumps over the lazy dog; the five boxing wizards jump quickly. "
    "Pack my box with five dozen liquor jugs.",
};

static const char *names[] = {"Alice", "\xe3\x81\x82\xe3\x81\x84\xe3\x81\x86", "bob_the_builder",
                              "Zo\xc3\xab", "news bot"};

static void synthetic(struct tape *t, int statuses)
{
    push(t, T_OBJ);
    push_str(t, T_KEY, "statuses");
    push(t, T_ARR);
    for (int k = 0; k < statuses; k++) {
        uint64_t r = next();
        push(t, T_OBJ);
        push_str(t, T_KEY, "created_at");
        push_str(t, T_STR, "Sun Aug 31 00:29:15 +0000 2014");
        push_str(t, T_KEY, "id");
        push_int(t, (int64_t)(505874924095815681u + r % 1000000));
        push_str(t, T_KEY, "id_str");
        push_str(t, T_STR, "505874924095815681");
        push_str(t, T_KEY, "text");
        push_str(t, T_STR, texts[r % 6]);
        push_str(t, T_KEY, "source");
        push_str(t, T_STR,
                 "<a href=\"http://twitter.com/download/iphone\" rel=\"nofollow\">Twitter for "
                 "iPhone</a>");
        push_str(t, T_KEY, "truncated");
        push(t, T_FALSE);
        push_str(t, T_KEY, "in_reply_to_status_id");
        push(t, T_NULL);
        push_str(t, T_KEY, "user");
        push(t, T_OBJ);
        push_str(t, T_KEY, "id");
        push_int(t, (int64_t)(r >> 40));
        push_str(t, T_KEY, "name");
        push_str(t, T_STR, names[r % 5]);
        push_str(t, T_KEY, "screen_name");
        push_str(t, T_STR, "screen_name_here");
        push_str(t, T_KEY, "description");
        push_str(t, T_STR, texts[(r >> 8) % 6]);
        push_str(t, T_KEY, "followers_count");
        push_int(t, (int64_t)(r % 100000));
        push_str(t, T_KEY, "friends_count");
        push_int(t, (int64_t)(r >> 20) % 5000);
        push_str(t, T_KEY, "verified");
        push((t), (r & 1) ? T_TRUE : T_FALSE);
        push_str(t, T_KEY, "profile_image_url");
        push_str(t, T_STR, "http://pbs.twimg.com/profile_images/1234567890/abc_normal.jpeg");
        push(t, T_OBJ_END);
        push_str(t, T_KEY, "retweet_count");
        push_int(t, (int64_t)(r % 300));
        push_str(t, T_KEY, "entities");
        push(t, T_OBJ);
        push_str(t, T_KEY, "hashtags");
        push(t, T_ARR);
        for (unsigned h = 0; h < (r >> 3) % 3; h++) {
            push(t, T_OBJ);
            push_str(t, T_KEY, "text");
            push_str(t, T_STR, "travel");
            push_str(t, T_KEY, "indices");
            push(t, T_ARR);
            push_int(t, 10);
            push_int(t, 17);
            push(t, T_ARR_END);
            push(t, T_OBJ_END);
        }
        push(t, T_ARR_END);
        push_str(t, T_KEY, "urls");
        push(t, T_ARR);
        push(t, T_ARR_END);
        push(t, T_OBJ_END);
        push_str(t, T_KEY, "lang");
        push_str(t, T_STR, "ja");
        push(t, T_OBJ_END);
    }
    push(t, T_ARR_END);
    push(t, T_OBJ_END);
}

/* -------------------------------------------------- a parser for the file */

/* Recursive descent over trusted input (twitter.json); exits on anything unexpected. */
struct parser {
    const char *p, *end;
    char *out; /* where unescaped strings go */
    struct tape *t;
};

static void die(const char *why)
{
    fprintf(stderr, "bench_json_write: cannot read twitter.json: %s\n", why);
    exit(1);
}

static void ws(struct parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\r' || *ps->p == '\t'))
        ps->p++;
}

static unsigned hex4(const char *s)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v = v << 4 | (unsigned)(c <= '9' ? c - '0' : (c | 32) - 'a' + 10);
    }
    return v;
}

static void string(struct parser *ps, enum kind k)
{
    char *start = ps->out;
    ps->p++;
    while (ps->p < ps->end && *ps->p != '"') {
        if (*ps->p != '\\') {
            *ps->out++ = *ps->p++;
            continue;
        }
        char e = ps->p[1];
        ps->p += 2;
        const char *simple = strchr("\"\"\\\\//b\bf\fn\nr\rt\t", e);
        if (e != 'u' && simple) {
            *ps->out++ = simple[1];
            continue;
        }
        unsigned cp = hex4(ps->p);
        ps->p += 4;
        if (cp >= 0xD800 && cp < 0xDC00) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (hex4(ps->p + 2) - 0xDC00);
            ps->p += 6;
        }
        if (cp < 0x80) {
            *ps->out++ = (char)cp;
        } else if (cp < 0x800) {
            *ps->out++ = (char)(0xC0 | cp >> 6);
            *ps->out++ = (char)(0x80 | (cp & 63));
        } else if (cp < 0x10000) {
            *ps->out++ = (char)(0xE0 | cp >> 12);
            *ps->out++ = (char)(0x80 | (cp >> 6 & 63));
            *ps->out++ = (char)(0x80 | (cp & 63));
        } else {
            *ps->out++ = (char)(0xF0 | cp >> 18);
            *ps->out++ = (char)(0x80 | (cp >> 12 & 63));
            *ps->out++ = (char)(0x80 | (cp >> 6 & 63));
            *ps->out++ = (char)(0x80 | (cp & 63));
        }
    }
    if (ps->p >= ps->end)
        die("unterminated string");
    ps->p++;
    struct item *it = push(ps->t, k);
    it->s = start;
    it->len = (size_t)(ps->out - start);
}

static void value(struct parser *ps, int depth)
{
    if (depth > 100)
        die("too deep");
    ws(ps);
    if (ps->p >= ps->end)
        die("truncated");
    char c = *ps->p;
    if (c == '{' || c == '[') {
        int obj = c == '{';
        push(ps->t, obj ? T_OBJ : T_ARR);
        ps->p++;
        ws(ps);
        if (ps->p < ps->end && *ps->p == (obj ? '}' : ']')) {
            ps->p++;
            push(ps->t, obj ? T_OBJ_END : T_ARR_END);
            return;
        }
        for (;;) {
            if (obj) {
                ws(ps);
                string(ps, T_KEY);
                ws(ps);
                if (ps->p >= ps->end || *ps->p++ != ':')
                    die("expected ':'");
            }
            value(ps, depth + 1);
            ws(ps);
            if (ps->p >= ps->end)
                die("truncated");
            if (*ps->p == ',') {
                ps->p++;
                continue;
            }
            if (*ps->p++ != (obj ? '}' : ']'))
                die("expected the end of a container");
            push(ps->t, obj ? T_OBJ_END : T_ARR_END);
            return;
        }
    }
    if (c == '"') {
        string(ps, T_STR);
    } else if (strncmp(ps->p, "true", 4) == 0) {
        push(ps->t, T_TRUE);
        ps->p += 4;
    } else if (strncmp(ps->p, "false", 5) == 0) {
        push(ps->t, T_FALSE);
        ps->p += 5;
    } else if (strncmp(ps->p, "null", 4) == 0) {
        push(ps->t, T_NULL);
        ps->p += 4;
    } else {
        char *end;
        const char *q;
        int integral = 1;
        for (q = ps->p; q < ps->end && strchr("+-0123456789.eE", *q); q++)
            integral &= *q != '.' && *q != 'e' && *q != 'E';
        if (integral) {
            push_int(ps->t, strtoll(ps->p, &end, 10));
        } else {
            push(ps->t, T_DBL)->d = strtod(ps->p, &end);
        }
        if (end != q)
            die("bad number");
        ps->p = q;
    }
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *p = NULL;
    long size = -1;
    if (fseek(f, 0, SEEK_END) == 0)
        size = ftell(f);
    if (size > 0 && fseek(f, 0, SEEK_SET) == 0) {
        p = xrealloc(NULL, (size_t)size + 1);
        if (fread(p, 1, (size_t)size, f) == (size_t)size) {
            p[size] = '\0';
        } else {
            free(p);
            p = NULL;
        }
    }
    fclose(f);
    *len = (size_t)size;
    return p;
}

/* ------------------------------------------------------------------ timing */

struct job {
    const struct tape *t;
    struct avila_buf b;
    struct avila_json_write_options o;
};

static int write_tape(struct job *j)
{
    struct avila_json_writer w;
    int rc = avila_json_write_init(&w, &j->b, &j->o);
    const struct item *it = j->t->items, *end = it + j->t->n;
    for (; it < end && rc == 0; it++) {
        switch (it->kind) {
        case T_OBJ:
            rc = avila_json_write_object_begin(&w);
            break;
        case T_OBJ_END:
            rc = avila_json_write_object_end(&w);
            break;
        case T_ARR:
            rc = avila_json_write_array_begin(&w);
            break;
        case T_ARR_END:
            rc = avila_json_write_array_end(&w);
            break;
        case T_KEY:
            rc = avila_json_write_key(&w, it->s, it->len);
            break;
        case T_STR:
            rc = avila_json_write_string(&w, it->s, it->len);
            break;
        case T_INT:
            rc = avila_json_write_int64(&w, it->i);
            break;
        case T_DBL:
            rc = avila_json_write_double(&w, it->d);
            break;
        case T_TRUE:
        case T_FALSE:
            rc = avila_json_write_bool(&w, it->kind == T_TRUE);
            break;
        case T_NULL:
            rc = avila_json_write_null(&w);
            break;
        }
    }
    return rc != 0 ? rc : avila_json_write_finish(&w);
}

static void run_once(void *ctx)
{
    struct job *j = ctx;
    avila_buf_clear(&j->b);
    if (write_tape(j) != 0) {
        fprintf(stderr, "bench_json_write: the writer failed\n");
        exit(1);
    }
    bench_consume(j->b.len);
}

static void measure(const char *name, const struct tape *t, unsigned indent, unsigned flags)
{
    struct job j = {t, {0}, {indent, 0, flags}};
    avila_buf_init(&j.b, avila_allocator_libc(), (size_t)1 << 30);
    run_once(&j);
    bench_throughput("json", name, run_once, &j, (double)j.b.len);
    avila_buf_release(&j.b);
}

int main(void)
{
    avila_cpu_init();
    fprintf(stderr, "bench_json_write: kernel %s\n", avila_json_write_impl());
    struct tape syn = {0};
    synthetic(&syn, 2000);
    measure("serialize/synthetic", &syn, 0, 0);
    measure("serialize/synthetic-pretty", &syn, 2, 0);
    measure("serialize/synthetic-ascii", &syn, 0, AVILA_JSON_WRITE_ASCII);
    free(syn.items);

    const char *shared = getenv("AVILA_SHARED");
    char path[4096];
    snprintf(path, sizeof path, "%s/data/json/twitter.json", shared ? shared : AVILA_SHARED_DIR);
    size_t len = 0;
    char *json = read_file(path, &len);
    if (!json) {
        fprintf(stderr, "bench_json_write: skipping serialize/twitter.json (cannot read %s)\n",
                path);
        return 0;
    }
    struct tape tw = {0};
    tw.text = xrealloc(NULL, len + 1);
    struct parser ps = {json, json + len, tw.text, &tw};
    value(&ps, 0);
    measure("serialize/twitter.json", &tw, 0, 0);
    free(tw.items);
    free(tw.text);
    free(json);
    return 0;
}
