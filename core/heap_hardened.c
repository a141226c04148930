/*
 * core/heap_hardened.c - the heap's hardened mode (OS: getrandom, write,
 * abort, /proc/self/maps): the per-process key, the checks of small blocks
 * (free-list links, the live bitmap, canaries, trailers, poison), the
 * report lines, and the table of call sites behind the leak report.
 *
 * The layout of a hardened block is in core/heap_int.h. Every report is one
 * line "avila heap: ..." written with write(2) (no stdio, no allocation)
 * followed by abort().
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "core/heap_int.h"

int avila_heapi_hardened;
uint64_t avila_heapi_key[2];
_Atomic int avila_heapi_mode;
/* Defined by the program or not at all (then NULL). */
extern int avila_malloc_hardened_env(void) __attribute__((weak));
static _Atomic int want_hardened; /* avila_heap_set_hardened before the decision */
static _Atomic int deciding;

static uint64_t mix64(uint64_t x)
{
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static void key_init(void)
{
    uint64_t k[2] = {0, 0};
    if (getrandom(k, sizeof(k), GRND_NONBLOCK) != (ssize_t)sizeof(k)) {
        /* No entropy yet (early boot): the clock and the address layout still vary per run. */
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        k[0] = mix64((uint64_t)ts.tv_nsec ^ (uint64_t)(uintptr_t)&ts);
        k[1] = mix64(k[0] ^ (uint64_t)ts.tv_sec ^ (uint64_t)(uintptr_t)&avila_heapi_key);
    }
    /* A zero key would store NULL links as the slot address: keep the low bits non-zero. */
    avila_heapi_key[0] = k[0] | 0x5;
    avila_heapi_key[1] = k[1];
}

int avila_heapi_mode_decide(void)
{
    int expect = 0;
    if (atomic_compare_exchange_strong(&deciding, &expect, 1)) {
        int saved = errno; /* a successful malloc leaves errno alone */
        int hard = atomic_load(&want_hardened) ||
                   (avila_malloc_hardened_env != NULL && avila_malloc_hardened_env());
        if (hard) {
            key_init();
            avila_heapi_hardened = 1;
        }
        errno = saved;
        atomic_store(&avila_heapi_mode, hard ? HEAP_MODE_HARD : HEAP_MODE_PLAIN);
    }
    int m;
    while ((m = atomic_load(&avila_heapi_mode)) == HEAP_MODE_NEW)
        ; /* another thread is deciding: a few instructions away */
    return m;
}

int avila_heap_set_hardened(int on)
{
    on = on != 0;
    if (atomic_load(&avila_heapi_mode) != HEAP_MODE_NEW)
        return on == avila_heapi_hardened ? 0 : AVILA_ESTATE;
    atomic_store(&want_hardened, on);
    return 0;
}

int avila_heap_hardened(void)
{
    int m = atomic_load(&avila_heapi_mode);
    return m == HEAP_MODE_NEW ? atomic_load(&want_hardened) : m == HEAP_MODE_HARD;
}

/* ------------------------------------------------------------ report lines */

void avila_heapi_msg_str(struct heap_msg *m, const char *s)
{
    while (*s != '\0' && m->n < sizeof(m->b) - 1)
        m->b[m->n++] = *s++;
}

void avila_heapi_msg_hex(struct heap_msg *m, uint64_t v)
{
    char d[19];
    size_t i = sizeof(d) - 1;
    d[i] = '\0';
    do {
        d[--i] = "0123456789abcdef"[v & 15];
        v >>= 4;
    } while (v != 0);
    d[--i] = 'x';
    d[--i] = '0';
    avila_heapi_msg_str(m, d + i);
}

void avila_heapi_msg_dec(struct heap_msg *m, uint64_t v)
{
    char d[21];
    size_t i = sizeof(d) - 1;
    d[i] = '\0';
    do {
        d[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    avila_heapi_msg_str(m, d + i);
}

static void write_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

_Noreturn void avila_heapi_msg_abort(struct heap_msg *m)
{
    m->b[m->n++] = '\n';
    write_all(2, m->b, m->n);
    abort();
}

static void msg_start(struct heap_msg *m, const char *what, const void *p)
{
    m->n = 0;
    avila_heapi_msg_str(m, "avila heap: ");
    avila_heapi_msg_str(m, what);
    avila_heapi_msg_str(m, " ");
    avila_heapi_msg_hex(m, (uintptr_t)p);
}

_Noreturn void avila_heapi_report(const char *what, const void *p, const char *rest)
{
    struct heap_msg m;
    msg_start(&m, what, p);
    avila_heapi_msg_str(&m, rest);
    avila_heapi_msg_abort(&m);
}

/* " (size class C, B-byte blocks)" and abort. */
static _Noreturn void msg_class_abort(struct heap_msg *m, const struct heap_page *pg)
{
    unsigned cls = atomic_load_explicit(&pg->cls, memory_order_relaxed);
    avila_heapi_msg_str(m, " (size class ");
    avila_heapi_msg_dec(m, cls - 1u);
    avila_heapi_msg_str(m, ", ");
    avila_heapi_msg_dec(m, atomic_load_explicit(&pg->block_size, memory_order_relaxed));
    avila_heapi_msg_str(m, "-byte blocks)");
    avila_heapi_msg_abort(m);
}

/* ------------------------------------------------------------ small blocks */

static _Atomic uint64_t *live_word(struct heap_segment *seg, const void *p, uint64_t *bit)
{
    size_t g = ((uintptr_t)p - (uintptr_t)seg) >> 4;
    *bit = (uint64_t)1 << (g & 63);
    return (_Atomic uint64_t *)((uint8_t *)seg + HEAP_HARD_BITMAP_OFF) + g / 64;
}

static uint64_t canary_mask(uint64_t m)
{
    return mix64(m ^ 0x9e3779b97f4a7c15ull);
}

void avila_heapi_hard_poison(void *b, size_t bs)
{
    memset((uint8_t *)b + sizeof(struct heap_block), HEAP_HARD_POISON,
           bs - sizeof(struct heap_block));
}

struct heap_block *avila_heapi_hard_next(const struct heap_page *pg, const struct heap_block *b)
{
    struct heap_block *next = avila_heapi_enc(b, b->next);
    if (next == NULL)
        return NULL;
    size_t bs = atomic_load_explicit(&pg->block_size, memory_order_relaxed);
    size_t cap = atomic_load_explicit(&pg->capacity, memory_order_relaxed);
    uintptr_t off = (uintptr_t)next - (uintptr_t)pg->start;
    if ((uintptr_t)next < (uintptr_t)pg->start || off % bs != 0 || off / bs >= cap) {
        struct heap_msg m;
        msg_start(&m, "corrupted free list in", b);
        avila_heapi_msg_str(&m, ": its next pointer decodes to ");
        avila_heapi_msg_hex(&m, (uintptr_t)next);
        avila_heapi_msg_str(&m, ", not a block of its page (forged or written after free)");
        msg_class_abort(&m, pg);
    }
    return next;
}

void avila_heapi_hard_handout(struct heap_segment *seg, const struct heap_page *pg, void *b,
                              size_t n, const void *site)
{
    uint8_t *q = b;
    size_t bs = atomic_load_explicit(&pg->block_size, memory_order_relaxed);
    uint64_t bit;
    _Atomic uint64_t *live = live_word(seg, b, &bit);
    /* A link forged to point at a live block of the page decodes fine: caught here. */
    if (atomic_load_explicit(live, memory_order_relaxed) & bit) {
        struct heap_msg m;
        msg_start(&m, "corrupted free list: it hands out the live block", b);
        msg_class_abort(&m, pg);
    }
    for (size_t j = sizeof(struct heap_block); j < bs; j += 8) {
        uint64_t w;
        memcpy(&w, q + j, 8);
        if (AVILA_LIKELY(w == 0xdfdfdfdfdfdfdfdfull))
            continue;
        while (q[j] == HEAP_HARD_POISON)
            j++;
        struct heap_msg m;
        msg_start(&m, "write after free in", b);
        avila_heapi_msg_str(&m, ": byte +");
        avila_heapi_msg_dec(&m, j);
        avila_heapi_msg_str(&m, " is ");
        avila_heapi_msg_hex(&m, q[j]);
        avila_heapi_msg_str(&m, ", not the poison 0xdf");
        msg_class_abort(&m, pg);
    }
    atomic_fetch_or_explicit(live, bit, memory_order_relaxed);
    uint64_t mk = avila_heapi_block_mask(b), cm = canary_mask(mk);
    for (size_t j = n; j < bs - HEAP_HARD_TRAILER; j++)
        q[j] = avila_heapi_canary(cm, j);
    uint32_t idx = avila_heapi_site_index(site);
    uint32_t t[2] = {(uint32_t)n ^ (uint32_t)mk, idx ^ (uint32_t)(mk >> 32)};
    memcpy(q + bs - HEAP_HARD_TRAILER, t, sizeof(t));
    avila_heapi_site_count(idx, n, 1);
}

size_t avila_heapi_hard_check(struct heap_segment *seg, struct heap_page *pg, void *p, int release)
{
    unsigned cls = atomic_load_explicit(&pg->cls, memory_order_acquire);
    if (cls == 0 || cls - 1u >= AVILA_HEAP_CLASSES)
        avila_heapi_report("invalid free of", p, " (inside a heap segment, not in a live page)");
    uint8_t *q = p;
    size_t bs = atomic_load_explicit(&pg->block_size, memory_order_relaxed);
    size_t cap = atomic_load_explicit(&pg->capacity, memory_order_relaxed);
    uintptr_t off = (uintptr_t)q - (uintptr_t)pg->start;
    if (q < pg->start || off / bs >= cap)
        avila_heapi_report("invalid free of", p, " (inside a heap page, beyond its blocks)");
    if (off % bs != 0) {
        struct heap_msg m;
        msg_start(&m, "invalid free of", p);
        avila_heapi_msg_str(&m, ": not the start of a block, ");
        avila_heapi_msg_dec(&m, off % bs);
        avila_heapi_msg_str(&m, " bytes into the block at ");
        avila_heapi_msg_hex(&m, (uintptr_t)(q - off % bs));
        msg_class_abort(&m, pg);
    }
    uint64_t bit;
    _Atomic uint64_t *w = live_word(seg, p, &bit);
    if ((atomic_load_explicit(w, memory_order_relaxed) & bit) == 0) {
        struct heap_msg m;
        msg_start(&m, "double free of", p);
        msg_class_abort(&m, pg);
    }
    uint64_t mk = avila_heapi_block_mask(p), cm = canary_mask(mk);
    uint32_t t[2];
    memcpy(t, q + bs - HEAP_HARD_TRAILER, sizeof(t));
    size_t n = t[0] ^ (uint32_t)mk;
    uint32_t idx = t[1] ^ (uint32_t)(mk >> 32);
    if (n > bs - HEAP_HARD_TRAILER - 1) {
        struct heap_msg m;
        msg_start(&m, "buffer overflow past the end of", p);
        avila_heapi_msg_str(&m, ": the trailer at +");
        avila_heapi_msg_dec(&m, bs - HEAP_HARD_TRAILER);
        avila_heapi_msg_str(&m, " is overwritten (canary bytes before it)");
        msg_class_abort(&m, pg);
    }
    for (size_t j = n; j < bs - HEAP_HARD_TRAILER; j++) {
        uint8_t want = avila_heapi_canary(cm, j);
        if (AVILA_LIKELY(q[j] == want))
            continue;
        struct heap_msg m;
        msg_start(&m, "buffer overflow past the end of", p);
        avila_heapi_msg_str(&m, " (");
        avila_heapi_msg_dec(&m, n);
        avila_heapi_msg_str(&m, " bytes, canary ");
        avila_heapi_msg_hex(&m, want);
        avila_heapi_msg_str(&m, " at +");
        avila_heapi_msg_dec(&m, j);
        avila_heapi_msg_str(&m, " overwritten with ");
        avila_heapi_msg_hex(&m, q[j]);
        avila_heapi_msg_str(&m, ")");
        avila_heapi_msg_abort(&m);
    }
    if (release) {
        if ((atomic_fetch_and_explicit(w, ~bit, memory_order_relaxed) & bit) == 0) {
            struct heap_msg m; /* another thread freed it meanwhile */
            msg_start(&m, "double free of", p);
            msg_class_abort(&m, pg);
        }
        avila_heapi_site_count(idx, n, -1);
        avila_heapi_hard_poison(p, bs);
    }
    return n;
}

/* ------------------------------------------------------------ call sites */

#define HEAP_SITES       4096 /* a power of two; index 0 collects the unknown sites */
#define HEAP_SITE_PROBES 64
#define HEAP_LEAK_TOP    20

static _Atomic uintptr_t site_pc[HEAP_SITES];
static _Atomic size_t site_bytes[HEAP_SITES];
static _Atomic size_t site_blocks[HEAP_SITES];

uint32_t avila_heapi_site_index(const void *site)
{
    uintptr_t a = (uintptr_t)site;
    if (a == 0)
        return 0;
    uint32_t h = (uint32_t)mix64(a);
    for (uint32_t k = 0; k < HEAP_SITE_PROBES; k++) {
        uint32_t i = (h + k) & (HEAP_SITES - 1);
        if (i == 0)
            continue;
        uintptr_t cur = atomic_load_explicit(&site_pc[i], memory_order_relaxed);
        if (cur == a)
            return i;
        if (cur == 0) {
            if (atomic_compare_exchange_strong(&site_pc[i], &cur, a) || cur == a)
                return i;
        }
    }
    return 0;
}

void avila_heapi_site_count(uint32_t i, size_t n, int sign)
{
    if (i >= HEAP_SITES)
        i = 0; /* a corrupted trailer that still decoded a plausible size */
    if (sign > 0) {
        atomic_fetch_add_explicit(&site_bytes[i], n, memory_order_relaxed);
        atomic_fetch_add_explicit(&site_blocks[i], 1, memory_order_relaxed);
    } else {
        atomic_fetch_sub_explicit(&site_bytes[i], n, memory_order_relaxed);
        atomic_fetch_sub_explicit(&site_blocks[i], 1, memory_order_relaxed);
    }
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Parses hex digits at *s up to a non-hex character. */
static uintptr_t parse_hex(const char **s)
{
    uintptr_t v = 0;
    int d;
    while ((d = hexval(**s)) >= 0) {
        v = v * 16 + (uintptr_t)d;
        (*s)++;
    }
    return v;
}

struct module {
    uintptr_t base; /* load address: the mapping's start minus its file offset */
    char path[256];
    int found;
};

/* Skips blanks, then one field. */
static const char *skip_field(const char *s)
{
    while (*s == ' ')
        s++;
    while (*s != ' ' && *s != '\0')
        s++;
    return s;
}

/* One line of /proc/self/maps: "start-end perms offset dev inode   path". */
static void maps_line(const char *s, uintptr_t a, struct module *mod)
{
    uintptr_t start = parse_hex(&s);
    if (*s++ != '-')
        return;
    uintptr_t end = parse_hex(&s);
    if (a < start || a >= end)
        return;
    s = skip_field(s); /* perms */
    while (*s == ' ')
        s++;
    uintptr_t off = parse_hex(&s);
    s = skip_field(skip_field(s)); /* dev, inode */
    while (*s == ' ')
        s++;
    size_t n = strlen(s);
    if (n >= sizeof(mod->path))
        n = sizeof(mod->path) - 1;
    memcpy(mod->path, s, n);
    mod->path[n] = '\0';
    mod->base = start - off;
    mod->found = 1;
}

/* The mapping holding a, from /proc/self/maps read with a stack buffer. */
static void module_of(uintptr_t a, struct module *mod)
{
    mod->found = 0;
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    char buf[2048], line[512];
    size_t ln = 0;
    ssize_t r;
    while (!mod->found && (r = read(fd, buf, sizeof(buf))) > 0) {
        for (ssize_t i = 0; i < r && !mod->found; i++) {
            if (buf[i] != '\n') {
                if (ln < sizeof(line) - 1)
                    line[ln++] = buf[i];
                continue;
            }
            line[ln] = '\0';
            maps_line(line, a, mod);
            ln = 0;
        }
    }
    close(fd);
}

static void emit_msg(void (*emit)(void *, const char *, size_t), void *ctx, struct heap_msg *m)
{
    m->b[m->n++] = '\n';
    emit(ctx, m->b, m->n);
    m->n = 0;
}

int avila_heap_leaks_write(void (*emit)(void *ctx, const char *text, size_t n), void *ctx)
{
    if (!avila_heapi_hardened)
        return AVILA_ESTATE;
    size_t blocks = 0, bytes = 0, sites = 0;
    for (size_t i = 0; i < HEAP_SITES; i++) {
        size_t b = atomic_load_explicit(&site_blocks[i], memory_order_relaxed);
        if (b == 0)
            continue;
        blocks += b;
        bytes += atomic_load_explicit(&site_bytes[i], memory_order_relaxed);
        sites++;
    }
    struct heap_msg m = {.n = 0};
    avila_heapi_msg_str(&m, "avila heap: leak report: ");
    avila_heapi_msg_dec(&m, bytes);
    avila_heapi_msg_str(&m, " bytes in ");
    avila_heapi_msg_dec(&m, blocks);
    avila_heapi_msg_str(&m, " blocks live, from ");
    avila_heapi_msg_dec(&m, sites);
    avila_heapi_msg_str(&m, " call sites (the top 20 by bytes follow)");
    emit_msg(emit, ctx, &m);
    /* The top sites by bytes: HEAP_LEAK_TOP passes of selection, nothing allocated. */
    uint32_t shown[HEAP_LEAK_TOP] = {0};
    for (unsigned k = 0; k < HEAP_LEAK_TOP; k++) {
        size_t best_bytes = 0, best_blocks = 0;
        uint32_t best = HEAP_SITES;
        for (uint32_t i = 0; i < HEAP_SITES; i++) {
            size_t bl = atomic_load_explicit(&site_blocks[i], memory_order_relaxed);
            size_t by = atomic_load_explicit(&site_bytes[i], memory_order_relaxed);
            if (bl == 0 || (best != HEAP_SITES && by <= best_bytes))
                continue;
            int seen = 0;
            for (unsigned j = 0; j < k; j++)
                seen |= shown[j] == i;
            if (seen)
                continue;
            best = i;
            best_bytes = by;
            best_blocks = bl;
        }
        if (best == HEAP_SITES)
            break;
        shown[k] = best;
        avila_heapi_msg_str(&m, "avila heap: leak: ");
        avila_heapi_msg_dec(&m, best_bytes);
        avila_heapi_msg_str(&m, " bytes in ");
        avila_heapi_msg_dec(&m, best_blocks);
        avila_heapi_msg_str(&m, " blocks from ");
        uintptr_t pc = atomic_load_explicit(&site_pc[best], memory_order_relaxed);
        if (best == 0 || pc == 0) {
            avila_heapi_msg_str(&m, "unknown call sites");
            emit_msg(emit, ctx, &m);
            continue;
        }
        avila_heapi_msg_hex(&m, pc);
        struct module mod;
        module_of(pc, &mod);
        if (mod.found && mod.path[0] != '\0') {
            avila_heapi_msg_str(&m, " ");
            avila_heapi_msg_str(&m, mod.path);
            avila_heapi_msg_str(&m, "+");
            /* The return address: the call is the instruction before it. */
            avila_heapi_msg_hex(&m, pc - mod.base);
        }
        emit_msg(emit, ctx, &m);
    }
    return blocks > 0x7fffffff ? 0x7fffffff : (int)blocks;
}
