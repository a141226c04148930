/*
 * core/id.c - UUID text form, fields, version 4 and version 7 (RFC 9562
 * sections 4, 5.4, 5.7, 6.2) and ULID (https://github.com/ulid/spec) text
 * form and monotonic generation. Pure: no libc, no allocation; time and
 * randomness are inputs.
 */
#include "core/encoding.h"
#include "core/endian.h"
#include "core/error.h"
#include "core/id.h"

const struct avila_uuid avila_uuid_nil = {{0}};
const struct avila_uuid avila_uuid_max = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                           0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};

/* ------------------------------------------------------------ UUID text */

/* Each hex digit's value plus one; 0 for every other byte. */
static const uint8_t hex_digit[256] = {
    ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,  ['6'] = 7,  ['7'] = 8,
    ['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
    ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

/* Offsets of the 16 two-digit bytes in the text form. */
static const uint8_t uuid_byte_at[16] = {0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34};

void avila_uuid_format(const struct avila_uuid *u, char out[AVILA_UUID_TEXT_LEN + 1])
{
    static const char hex[16] = "0123456789abcdef";
    for (int i = 0; i < 16; i++) {
        out[uuid_byte_at[i]] = hex[u->bytes[i] >> 4];
        out[uuid_byte_at[i] + 1] = hex[u->bytes[i] & 15];
    }
    out[8] = out[13] = out[18] = out[23] = '-';
    out[AVILA_UUID_TEXT_LEN] = '\0';
}

int avila_uuid_parse(const char *s, size_t n, struct avila_uuid *out)
{
    if (n != AVILA_UUID_TEXT_LEN)
        return AVILA_EFORMAT;
    /* Errors are gathered, not branched on: the loop runs straight through. */
    unsigned bad = (s[8] != '-') | (s[13] != '-') | (s[18] != '-') | (s[23] != '-');
    uint8_t b[16];
    for (int i = 0; i < 16; i++) {
        unsigned hi = hex_digit[(unsigned char)s[uuid_byte_at[i]]];
        unsigned lo = hex_digit[(unsigned char)s[uuid_byte_at[i] + 1]];
        bad |= (hi == 0) | (lo == 0);
        b[i] = (uint8_t)((hi - 1) << 4 | ((lo - 1) & 15));
    }
    if (bad)
        return AVILA_EFORMAT;
    memcpy(out->bytes, b, 16);
    return 0;
}

unsigned avila_uuid_version(const struct avila_uuid *u)
{
    return u->bytes[6] >> 4;
}

unsigned avila_uuid_variant(const struct avila_uuid *u)
{
    unsigned top = u->bytes[8] >> 5; /* the three bits that can matter */
    if (top < 4)
        return AVILA_UUID_VARIANT_NCS;
    if (top < 6)
        return AVILA_UUID_VARIANT_RFC9562;
    return top == 6 ? AVILA_UUID_VARIANT_MICROSOFT : AVILA_UUID_VARIANT_FUTURE;
}

int avila_uuid_compare(const struct avila_uuid *a, const struct avila_uuid *b)
{
    return memcmp(a->bytes, b->bytes, sizeof a->bytes);
}

void avila_uuid_v4_from_random(struct avila_uuid *u, const uint8_t random[16])
{
    memcpy(u->bytes, random, 16);
    u->bytes[6] = (uint8_t)((u->bytes[6] & 0x0f) | 0x40);
    u->bytes[8] = (uint8_t)((u->bytes[8] & 0x3f) | 0x80);
}

/* The 48-bit millisecond timestamps both formats start with. */
static uint64_t load_be48(const uint8_t *p)
{
    return (uint64_t)avila_load_be16(p) << 32 | avila_load_be32(p + 2);
}

static void store_be48(uint8_t *p, uint64_t v)
{
    avila_store_be16(p, (uint16_t)(v >> 32));
    avila_store_be32(p + 2, (uint32_t)v);
}

uint64_t avila_uuid7_unix_ms(const struct avila_uuid *u)
{
    return load_be48(u->bytes);
}

/* -------------------------------------------------------------- UUID v7 */

#define COUNTER_BITS 42
#define COUNTER_MAX  ((UINT64_C(1) << COUNTER_BITS) - 1)
/* The counter's top bit starts at zero so it has room to count (rollover guard). */
#define SEED_MASK (COUNTER_MAX >> 1)
#define TAIL_BITS 32 /* fresh random bits at the end of rand_b */

_Static_assert(COUNTER_BITS + TAIL_BITS == 12 + 62,
               "the counter and the tail fill rand_a and rand_b");

void avila_uuid7_gen_init(struct avila_uuid7_gen *g)
{
    g->last_ms = 0;
    g->counter = 0;
    g->started = false;
}

/*
 * Lays out unix_ts_ms (48) | ver 0111 | rand_a = counter bits 41..30 (12)
 * | var 10 | counter bits 29..0 (30) | tail (32), RFC 9562 section 5.7.
 */
static void uuid7_store(struct avila_uuid *out, uint64_t ms, uint64_t counter, uint32_t tail)
{
    uint64_t hi = ms << 16 | UINT64_C(0x7000) | counter >> 30;
    uint64_t lo = UINT64_C(1) << 63 | (counter & ((UINT64_C(1) << 30) - 1)) << TAIL_BITS | tail;
    avila_store_be64(out->bytes, hi);
    avila_store_be64(out->bytes + 8, lo);
}

int avila_uuid7_next(struct avila_uuid7_gen *g, uint64_t unix_ms, const uint8_t random[10],
                     struct avila_uuid *out)
{
    if (unix_ms > AVILA_ID_MAX_UNIX_MS)
        return AVILA_ERANGE;
    uint64_t ms = unix_ms, counter;
    uint64_t seed = load_be48(random) & SEED_MASK;
    if (!g->started || ms > g->last_ms) {
        counter = seed;
    } else if (g->counter < COUNTER_MAX) {
        /* Same millisecond, or the clock went back: count on from the last UUID. */
        ms = g->last_ms;
        counter = g->counter + 1;
    } else {
        if (g->last_ms == AVILA_ID_MAX_UNIX_MS)
            return AVILA_EOVERFLOW;
        ms = g->last_ms + 1;
        counter = seed;
    }
    uuid7_store(out, ms, counter, avila_load_be32(random + 6));
    g->last_ms = ms;
    g->counter = counter;
    g->started = true;
    return 0;
}

/* ------------------------------------------------------------------ ULID */

/*
 * A ULID is a 128-bit big-endian number written as 26 base-32 digits: the
 * first digit holds the top 3 bits, each following one 5 bits. The text
 * splits into digits 0..12 (the top 63 bits), digit 13 (1 bit of the high
 * word, 4 of the low) and digits 14..25 (the low 60 bits), so each half is
 * a separate chain of shifts the CPU can run side by side.
 */
static void put_digits32(char *out, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--, v >>= 5)
        out[i] = avila_crockford_alphabet[v & 31];
}

void avila_ulid_format(const struct avila_ulid *u, char out[AVILA_ULID_TEXT_LEN + 1])
{
    uint64_t hi = avila_load_be64(u->bytes), lo = avila_load_be64(u->bytes + 8);
    put_digits32(out, hi >> 1, 13);
    out[13] = avila_crockford_alphabet[(hi & 1) << 4 | lo >> 60];
    put_digits32(out + 14, lo, 12);
    out[AVILA_ULID_TEXT_LEN] = '\0';
}

/*
 * Each ULID character's value plus one, either case; 0 for every other byte.
 * Crockford's decoding aliases (O for 0, I and L for 1) are absent: the ULID
 * spec's alphabet has only these 32 characters, and accepting the aliases
 * would give one ULID several spellings. (avila_crockford_digit accepts
 * them, and a table lookup here is three times faster than a call per
 * character; tests/core/test_id.c checks the two agree otherwise.)
 */
#define ULID_LETTER(upper, value) [upper] = (value) + 1, [(upper) + 32] = (value) + 1
static const uint8_t ulid_digit[256] = {
    ['0'] = 1,
    ['1'] = 2,
    ['2'] = 3,
    ['3'] = 4,
    ['4'] = 5,
    ['5'] = 6,
    ['6'] = 7,
    ['7'] = 8,
    ['8'] = 9,
    ['9'] = 10,
    ULID_LETTER('A', 10),
    ULID_LETTER('B', 11),
    ULID_LETTER('C', 12),
    ULID_LETTER('D', 13),
    ULID_LETTER('E', 14),
    ULID_LETTER('F', 15),
    ULID_LETTER('G', 16),
    ULID_LETTER('H', 17),
    ULID_LETTER('J', 18),
    ULID_LETTER('K', 19),
    ULID_LETTER('M', 20),
    ULID_LETTER('N', 21),
    ULID_LETTER('P', 22),
    ULID_LETTER('Q', 23),
    ULID_LETTER('R', 24),
    ULID_LETTER('S', 25),
    ULID_LETTER('T', 26),
    ULID_LETTER('V', 27),
    ULID_LETTER('W', 28),
    ULID_LETTER('X', 29),
    ULID_LETTER('Y', 30),
    ULID_LETTER('Z', 31),
};

/* Reads n ULID digits as one number; sets *bad if any is not a ULID character. */
static uint64_t get_digits32(const char *s, int n, unsigned *bad)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++) {
        unsigned d = ulid_digit[(unsigned char)s[i]];
        *bad |= d == 0;
        v = v << 5 | ((d - 1) & 31);
    }
    return v;
}

int avila_ulid_parse(const char *s, size_t n, struct avila_ulid *out)
{
    if (n != AVILA_ULID_TEXT_LEN)
        return AVILA_EFORMAT;
    /* 26 digits carry 130 bits; the top two must be zero, so the first digit is 0..7. */
    unsigned bad = (unsigned char)s[0] > '7';
    uint64_t top = get_digits32(s, 13, &bad);
    uint64_t mid = get_digits32(s + 13, 1, &bad);
    uint64_t low = get_digits32(s + 14, 12, &bad);
    if (bad)
        return AVILA_EFORMAT;
    avila_store_be64(out->bytes, top << 1 | mid >> 4);
    avila_store_be64(out->bytes + 8, mid << 60 | low);
    return 0;
}

int avila_ulid_compare(const struct avila_ulid *a, const struct avila_ulid *b)
{
    return memcmp(a->bytes, b->bytes, sizeof a->bytes);
}

uint64_t avila_ulid_unix_ms(const struct avila_ulid *u)
{
    return load_be48(u->bytes);
}

void avila_ulid_gen_init(struct avila_ulid_gen *g)
{
    g->last_ms = 0;
    memset(g->last_random, 0, sizeof g->last_random);
    g->started = false;
}

/* Adds 1 to the 80-bit big-endian number at r; returns 1 if it wrapped to zero. */
static int increment80(uint8_t r[10])
{
    for (int i = 9; i >= 0; i--)
        if (++r[i] != 0)
            return 0;
    return 1;
}

int avila_ulid_next(struct avila_ulid_gen *g, uint64_t unix_ms, const uint8_t random[10],
                    struct avila_ulid *out)
{
    if (unix_ms > AVILA_ID_MAX_UNIX_MS)
        return AVILA_ERANGE;
    uint64_t ms = unix_ms;
    uint8_t r[10];
    if (!g->started || ms > g->last_ms) {
        memcpy(r, random, sizeof r);
    } else {
        ms = g->last_ms;
        memcpy(r, g->last_random, sizeof r);
        if (increment80(r))
            return AVILA_EOVERFLOW;
    }
    store_be48(out->bytes, ms);
    memcpy(out->bytes + 6, r, sizeof r);
    g->last_ms = ms;
    memcpy(g->last_random, r, sizeof r);
    g->started = true;
    return 0;
}
