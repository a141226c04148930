/*
 * tests/core/test_id.c - UUIDs (RFC 9562) and ULIDs: known answers from
 * tests/vectors/id/, exhaustive single-character checks of both parsers
 * against a simple model, proper prefixes and guard pages, round trips,
 * and the monotonicity of the version 7 and ULID generators.
 */
#include "tests/support/unit.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/encoding.h"
#include "core/error.h"
#include "core/id.h"
#include "core/time.h"

static const char ulid_alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static void uuid_from_hex(const char *hex, struct avila_uuid *u)
{
    assert_int_equal(unit_unhex(hex, u->bytes, 16), 16);
}

static int sign(int v)
{
    return (v > 0) - (v < 0);
}

/* ------------------------------------------------------- UUID known answers */

static void uuid_rfc9562_examples(void **state)
{
    (void)state;
    struct tv_file tv;
    tv_open(&tv, "id/uuid.txt");
    int records = 0;
    while (tv_next(&tv)) {
        const char *text = tv_str(&tv, "text");
        struct avila_uuid want, got;
        uuid_from_hex(tv_str(&tv, "bytes"), &want);
        assert_int_equal(avila_uuid_parse(text, strlen(text), &got), 0);
        assert_memory_equal(got.bytes, want.bytes, 16);
        char out[AVILA_UUID_TEXT_LEN + 1];
        memset(out, 'x', sizeof out);
        avila_uuid_format(&got, out);
        assert_string_equal(out, tv_str(&tv, "canonical"));
        assert_int_equal(avila_uuid_version(&got), tv_u64(&tv, "version"));
        assert_int_equal(avila_uuid_variant(&got), tv_u64(&tv, "variant"));
        if (tv_has(&tv, "unix_ms"))
            assert_int_equal(avila_uuid7_unix_ms(&got), tv_u64(&tv, "unix_ms"));
        /* Upper case parses to the same bytes. */
        char upper[AVILA_UUID_TEXT_LEN];
        for (int i = 0; i < AVILA_UUID_TEXT_LEN; i++)
            upper[i] = (char)toupper((unsigned char)out[i]);
        assert_int_equal(avila_uuid_parse(upper, sizeof upper, &got), 0);
        assert_memory_equal(got.bytes, want.bytes, 16);
        records++;
    }
    tv_close(&tv);
    assert_int_equal(records, 12);
}

static void uuid_nil_and_max(void **state)
{
    (void)state;
    struct avila_uuid u;
    assert_int_equal(avila_uuid_parse("00000000-0000-0000-0000-000000000000", 36, &u), 0);
    assert_int_equal(avila_uuid_compare(&u, &avila_uuid_nil), 0);
    assert_int_equal(avila_uuid_parse("ffffffff-ffff-ffff-ffff-ffffffffffff", 36, &u), 0);
    assert_int_equal(avila_uuid_compare(&u, &avila_uuid_max), 0);
    assert_true(avila_uuid_compare(&avila_uuid_nil, &avila_uuid_max) < 0);
    assert_true(avila_uuid_compare(&avila_uuid_max, &avila_uuid_nil) > 0);
}

static void uuid4_from_random_vectors(void **state)
{
    (void)state;
    struct tv_file tv;
    tv_open(&tv, "id/uuid4.txt");
    int records = 0;
    while (tv_next(&tv)) {
        uint8_t random[16];
        assert_int_equal(unit_unhex(tv_str(&tv, "random"), random, 16), 16);
        struct avila_uuid u;
        avila_uuid_v4_from_random(&u, random);
        char out[AVILA_UUID_TEXT_LEN + 1];
        avila_uuid_format(&u, out);
        assert_string_equal(out, tv_str(&tv, "uuid"));
        assert_int_equal(avila_uuid_version(&u), 4);
        assert_int_equal(avila_uuid_variant(&u), AVILA_UUID_VARIANT_RFC9562);
        records++;
    }
    tv_close(&tv);
    assert_int_equal(records, 6);
}

/* Every variant nibble value maps to the range RFC 9562 Table 1 gives it. */
static void uuid_variant_table(void **state)
{
    (void)state;
    static const unsigned want[16] = {0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 6, 6, 7, 7};
    struct avila_uuid u = avila_uuid_nil;
    for (unsigned nib = 0; nib < 16; nib++) {
        for (unsigned low = 0; low < 16; low += 5) {
            u.bytes[8] = (uint8_t)(nib << 4 | low);
            assert_int_equal(avila_uuid_variant(&u), want[nib]);
        }
        u.bytes[6] = (uint8_t)(nib << 4 | 0xf);
        assert_int_equal(avila_uuid_version(&u), nib);
    }
}

/* ----------------------------------------------------------- rejection */

static void invalid_vectors(void **state)
{
    (void)state;
    struct tv_file tv;
    tv_open(&tv, "id/invalid.txt");
    int records = 0;
    while (tv_next(&tv)) {
        const char *text = tv_str(&tv, "text");
        int rc;
        if (strcmp(tv_str(&tv, "kind"), "uuid") == 0) {
            struct avila_uuid u = avila_uuid_max;
            rc = avila_uuid_parse(text, strlen(text), &u);
            assert_int_equal(avila_uuid_compare(&u, &avila_uuid_max), 0);
        } else {
            struct avila_ulid u = {{0}};
            rc = avila_ulid_parse(text, strlen(text), &u);
            assert_true(u.bytes[0] == 0 && u.bytes[15] == 0);
        }
        if (rc != AVILA_EFORMAT)
            fail_msg("line %d: '%s' (%s) gave %d", tv.line, text, tv_str(&tv, "why"), rc);
        records++;
    }
    tv_close(&tv);
    assert_true(records >= 25);
}

static void blanks_nul_and_empty_are_rejected(void **state)
{
    (void)state;
    struct avila_uuid u;
    struct avila_ulid l;
    const char *pad[] = {" 919108f7-52d1-4320-9bac-f847db4148a8",
                         "919108f7-52d1-4320-9bac-f847db4148a8 ",
                         "919108f7-52d1-4320-9bac-f847db4148a8\n"};
    for (int i = 0; i < 3; i++)
        assert_int_equal(avila_uuid_parse(pad[i], 37, &u), AVILA_EFORMAT);
    assert_int_equal(avila_uuid_parse("919108f7-52d1-4320-9bac-f847db4148a\0", 36, &u),
                     AVILA_EFORMAT);
    assert_int_equal(avila_uuid_parse(NULL, 0, &u), AVILA_EFORMAT);
    assert_int_equal(avila_ulid_parse(" 01ARZ3NDEKTSV4RRFFQ69G5FA", 26, &l), AVILA_EFORMAT);
    assert_int_equal(avila_ulid_parse("01ARZ3NDEKTSV4RRFFQ69G5FA\0", 26, &l), AVILA_EFORMAT);
    assert_int_equal(avila_ulid_parse(NULL, 0, &l), AVILA_EFORMAT);
}

static int model_uuid_char_ok(int pos, int c)
{
    if (pos == 8 || pos == 13 || pos == 18 || pos == 23)
        return c == '-';
    return c < 128 && isxdigit(c);
}

static int model_ulid_char_ok(int pos, int c)
{
    if (c == 0 || c >= 128 || !strchr(ulid_alphabet, toupper(c)))
        return 0;
    return pos > 0 || (c >= '0' && c <= '7');
}

/* Each position of a valid text, set to each of the 256 byte values. */
static void single_character_changes_follow_the_grammar(void **state)
{
    (void)state;
    char u[] = "919108f7-52d1-4320-9bac-f847db4148a8";
    for (int pos = 0; pos < 36; pos++) {
        char keep = u[pos];
        for (int c = 0; c < 256; c++) {
            u[pos] = (char)c;
            struct avila_uuid out;
            int rc = avila_uuid_parse(u, 36, &out);
            if ((rc == 0) != model_uuid_char_ok(pos, c))
                fail_msg("uuid position %d byte 0x%02x: rc %d", pos, c, rc);
        }
        u[pos] = keep;
    }
    char l[] = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
    for (int pos = 0; pos < 26; pos++) {
        char keep = l[pos];
        for (int c = 0; c < 256; c++) {
            l[pos] = (char)c;
            struct avila_ulid out;
            int rc = avila_ulid_parse(l, 26, &out);
            if ((rc == 0) != model_ulid_char_ok(pos, c))
                fail_msg("ulid position %d byte 0x%02x: rc %d", pos, c, rc);
            if (rc == 0) {
                char back[AVILA_ULID_TEXT_LEN + 1];
                avila_ulid_format(&out, back);
                assert_int_equal(back[pos], toupper(c));
            }
        }
        l[pos] = keep;
    }
}

/*
 * The ULID alphabet is Crockford's (core/encoding.h) without its decoding
 * aliases: a character parses exactly when avila_crockford_digit decodes it
 * and avila_crockford_alphabet spells it back, and to that digit.
 */
static void ulid_alphabet_agrees_with_crockford(void **state)
{
    (void)state;
    assert_string_equal(avila_crockford_alphabet, ulid_alphabet);
    char l[] = "00000000000000000000000000";
    for (int c = 0; c < 256; c++) {
        l[25] = (char)c;
        struct avila_ulid out;
        int rc = avila_ulid_parse(l, 26, &out);
        int d = avila_crockford_digit(c);
        int strict = d >= 0 && avila_crockford_alphabet[d] == toupper(c);
        assert_int_equal(rc == 0, strict);
        if (rc == 0)
            assert_int_equal(out.bytes[15], d);
    }
}

/* No proper prefix parses, and no parse reads past its input (guard page). */
static void prefixes_and_guard_pages(void **state)
{
    (void)state;
    const char *uuid = "017F22E2-79B0-7CC3-98C4-DC0C0C07398F";
    const char *ulid = "01arz3ndektsv4rrffq69g5fav";
    for (size_t k = 0; k <= 36; k++) {
        char *p = unit_guarded_alloc(k);
        memcpy(p, uuid, k);
        struct avila_uuid u;
        assert_int_equal(avila_uuid_parse(p, k, &u), k == 36 ? 0 : AVILA_EFORMAT);
        unit_guarded_free(p, k);
    }
    for (size_t k = 0; k <= 26; k++) {
        char *p = unit_guarded_alloc(k);
        memcpy(p, ulid, k);
        struct avila_ulid u;
        assert_int_equal(avila_ulid_parse(p, k, &u), k == 26 ? 0 : AVILA_EFORMAT);
        unit_guarded_free(p, k);
    }
}

/* ------------------------------------------------------ ULID known answers */

static void ulid_spec_examples(void **state)
{
    (void)state;
    struct tv_file tv;
    tv_open(&tv, "id/ulid.txt");
    int records = 0;
    while (tv_next(&tv)) {
        const char *text = tv_str(&tv, "text");
        struct avila_ulid want, got;
        assert_int_equal(unit_unhex(tv_str(&tv, "bytes"), want.bytes, 16), 16);
        assert_int_equal(avila_ulid_parse(text, strlen(text), &got), 0);
        assert_memory_equal(got.bytes, want.bytes, 16);
        assert_int_equal(avila_ulid_unix_ms(&got), tv_u64(&tv, "unix_ms"));
        char out[AVILA_ULID_TEXT_LEN + 1];
        memset(out, 'x', sizeof out);
        avila_ulid_format(&want, out);
        assert_string_equal(out, text);
        char lower[AVILA_ULID_TEXT_LEN];
        for (int i = 0; i < AVILA_ULID_TEXT_LEN; i++)
            lower[i] = (char)tolower((unsigned char)text[i]);
        assert_int_equal(avila_ulid_parse(lower, sizeof lower, &got), 0);
        assert_memory_equal(got.bytes, want.bytes, 16);
        records++;
    }
    tv_close(&tv);
    assert_int_equal(records, 7);
}

static void ulid_gen_at(struct avila_ulid_gen *g, const struct avila_ulid *last)
{
    avila_ulid_gen_init(g);
    g->started = true;
    g->last_ms = avila_ulid_unix_ms(last);
    memcpy(g->last_random, last->bytes + 6, 10);
}

static void ulid_spec_monotonic_sequence(void **state)
{
    (void)state;
    struct tv_file tv;
    tv_open(&tv, "id/ulid_monotonic.txt");
    int records = 0;
    static const uint8_t unused[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    while (tv_next(&tv)) {
        const char *prev = tv_str(&tv, "prev"), *next = tv_str(&tv, "next");
        struct avila_ulid p, out = {{0}};
        assert_int_equal(avila_ulid_parse(prev, 26, &p), 0);
        struct avila_ulid_gen g;
        ulid_gen_at(&g, &p);
        uint64_t ms = avila_ulid_unix_ms(&p);
        if (strcmp(next, "overflow") == 0) {
            struct avila_ulid_gen before = g;
            assert_int_equal(avila_ulid_next(&g, ms, unused, &out), AVILA_EOVERFLOW);
            assert_memory_equal(&g, &before, sizeof g);
            assert_true(out.bytes[0] == 0 && out.bytes[15] == 0);
            /* An earlier time overflows too; the next millisecond starts afresh. */
            assert_int_equal(avila_ulid_next(&g, ms - 1, unused, &out), AVILA_EOVERFLOW);
            assert_int_equal(avila_ulid_next(&g, ms + 1, unused, &out), 0);
            assert_int_equal(avila_ulid_unix_ms(&out), ms + 1);
            assert_memory_equal(out.bytes + 6, unused, 10);
        } else {
            assert_int_equal(avila_ulid_next(&g, ms, unused, &out), 0);
            char text[AVILA_ULID_TEXT_LEN + 1];
            avila_ulid_format(&out, text);
            assert_string_equal(text, next);
        }
        records++;
    }
    tv_close(&tv);
    assert_int_equal(records, 6);
}

static void ulid_generator_basics(void **state)
{
    (void)state;
    struct avila_ulid_gen g;
    avila_ulid_gen_init(&g);
    uint8_t r[10] = {0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3, 4, 5};
    struct avila_ulid u;
    assert_int_equal(avila_ulid_next(&g, AVILA_ID_MAX_UNIX_MS + 1, r, &u), AVILA_ERANGE);
    assert_false(g.started);
    /* The first ULID may have any time, even 0. */
    assert_int_equal(avila_ulid_next(&g, 0, r, &u), 0);
    assert_int_equal(avila_ulid_unix_ms(&u), 0);
    assert_memory_equal(u.bytes + 6, r, 10);
    assert_int_equal(avila_ulid_next(&g, AVILA_ID_MAX_UNIX_MS, r, &u), 0);
    char text[AVILA_ULID_TEXT_LEN + 1];
    avila_ulid_format(&u, text);
    assert_string_equal(text, "7ZZZZZZZZZVTPVXVR004106105"); /* computed in Python */
}

/* ------------------------------------------------------------ UUID v7 */

static void uuid7_generator_vectors(void **state)
{
    (void)state;
    struct tv_file tv;
    tv_open(&tv, "id/uuid7_generator.txt");
    struct avila_uuid7_gen g;
    avila_uuid7_gen_init(&g);
    int records = 0;
    while (tv_next(&tv)) {
        uint8_t r[10];
        assert_int_equal(unit_unhex(tv_str(&tv, "random"), r, 10), 10);
        struct avila_uuid u;
        assert_int_equal(avila_uuid7_next(&g, tv_u64(&tv, "unix_ms"), r, &u), 0);
        char text[AVILA_UUID_TEXT_LEN + 1];
        avila_uuid_format(&u, text);
        assert_string_equal(text, tv_str(&tv, "uuid"));
        records++;
    }
    tv_close(&tv);
    assert_int_equal(records, 11);
}

/*
 * RFC 9562 A.6 (rand_a 0xCC3, rand_b 0x18C4DC0C0C07398F) read as our
 * layout is counter 0xCC3 << 30 | 0x18C4DC0C and tail 0x0C07398F: the next
 * UUID after that counter minus one, in the same millisecond, is the
 * example itself.
 */
static void uuid7_reproduces_rfc9562_a6(void **state)
{
    (void)state;
    struct avila_uuid7_gen g;
    avila_uuid7_gen_init(&g);
    g.started = true;
    g.last_ms = 0x017F22E279B0;
    g.counter = (UINT64_C(0xCC3) << 30 | 0x18C4DC0C) - 1;
    static const uint8_t r[10] = {0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x0c, 0x07, 0x39, 0x8f};
    struct avila_uuid u;
    assert_int_equal(avila_uuid7_next(&g, 0x017F22E279B0, r, &u), 0);
    char text[AVILA_UUID_TEXT_LEN + 1];
    avila_uuid_format(&u, text);
    assert_string_equal(text, "017f22e2-79b0-7cc3-98c4-dc0c0c07398f");
}

static void uuid7_rollover_and_range(void **state)
{
    (void)state;
    static const uint8_t r[10] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4};
    struct avila_uuid7_gen g;
    struct avila_uuid u, prev;
    avila_uuid7_gen_init(&g);
    assert_int_equal(avila_uuid7_next(&g, AVILA_ID_MAX_UNIX_MS + 1, r, &u), AVILA_ERANGE);
    assert_int_equal(avila_uuid7_next(&g, UINT64_MAX, r, &u), AVILA_ERANGE);
    assert_false(g.started);

    /* The seed keeps the guard bit clear: 2^41 - 1 at most. */
    assert_int_equal(avila_uuid7_next(&g, 1000, r, &prev), 0);
    assert_int_equal(g.counter, (UINT64_C(1) << 41) - 1);
    assert_int_equal(prev.bytes[6], 0x77); /* version 7, guard bit 0, then ones */
    /* Count up to the last counter value, then roll over into the next millisecond. */
    g.counter = (UINT64_C(1) << 42) - 2;
    assert_int_equal(avila_uuid7_next(&g, 1000, r, &u), 0);
    assert_int_equal(avila_uuid7_unix_ms(&u), 1000);
    assert_int_equal(u.bytes[6], 0x7f);
    assert_true(avila_uuid_compare(&prev, &u) < 0);
    prev = u;
    assert_int_equal(avila_uuid7_next(&g, 1000, r, &u), 0);
    assert_int_equal(avila_uuid7_unix_ms(&u), 1001);
    assert_true(avila_uuid_compare(&prev, &u) < 0);
    assert_int_equal(g.last_ms, 1001);
    /* The real clock catching up to the advanced time continues from there. */
    prev = u;
    assert_int_equal(avila_uuid7_next(&g, 1001, r, &u), 0);
    assert_int_equal(avila_uuid7_unix_ms(&u), 1001);
    assert_true(avila_uuid_compare(&prev, &u) < 0);

    /* Rolling over at the last millisecond there is: overflow, nothing changed. */
    g.last_ms = AVILA_ID_MAX_UNIX_MS;
    g.counter = (UINT64_C(1) << 42) - 1;
    struct avila_uuid7_gen before = g;
    memset(&u, 0xaa, sizeof u);
    assert_int_equal(avila_uuid7_next(&g, AVILA_ID_MAX_UNIX_MS, r, &u), AVILA_EOVERFLOW);
    assert_memory_equal(&g, &before, sizeof g);
    assert_int_equal(u.bytes[0], 0xaa);
}

/* ------------------------------------------------------- properties */

static void format_parse_round_trips_and_order(void **state)
{
    (void)state;
    uint64_t rng = 7;
    char prev_u[AVILA_UUID_TEXT_LEN + 1] = "", prev_l[AVILA_ULID_TEXT_LEN + 1] = "";
    struct avila_uuid pu = avila_uuid_nil;
    struct avila_ulid pl = {{0}};
    for (int i = 0; i < 100000; i++) {
        struct avila_uuid u, u2;
        unit_rand_fill(&rng, u.bytes, 16);
        char tu[AVILA_UUID_TEXT_LEN + 1];
        avila_uuid_format(&u, tu);
        assert_int_equal(avila_uuid_parse(tu, 36, &u2), 0);
        assert_memory_equal(u.bytes, u2.bytes, 16);
        assert_int_equal(sign(strcmp(prev_u, tu)), sign(avila_uuid_compare(&pu, &u)));

        struct avila_ulid l, l2;
        unit_rand_fill(&rng, l.bytes, 16);
        char tl[AVILA_ULID_TEXT_LEN + 1];
        avila_ulid_format(&l, tl);
        assert_true(tl[0] >= '0' && tl[0] <= '7');
        assert_int_equal(avila_ulid_parse(tl, 26, &l2), 0);
        assert_memory_equal(l.bytes, l2.bytes, 16);
        if (i > 0)
            assert_int_equal(sign(strcmp(prev_l, tl)), sign(avila_ulid_compare(&pl, &l)));
        memcpy(prev_u, tu, sizeof tu);
        memcpy(prev_l, tl, sizeof tl);
        pu = u;
        pl = l;
    }
}

/*
 * 100,000 ids in one millisecond, then with a clock that jitters backwards
 * and forwards: each id is above the one before, as bytes and as text, and
 * carries the time it was given whenever that time did not go back.
 */
static void generators_are_strictly_monotonic(void **state)
{
    (void)state;
    uint64_t rng = 99;
    struct avila_uuid7_gen g7;
    struct avila_ulid_gen gl;
    avila_uuid7_gen_init(&g7);
    avila_ulid_gen_init(&gl);
    struct avila_uuid pu;
    struct avila_ulid pl;
    char tpu[AVILA_UUID_TEXT_LEN + 1], tpl[AVILA_ULID_TEXT_LEN + 1];
    uint64_t ms = 1700000000000, max_ms = 0;
    for (int i = 0; i < 200000; i++) {
        if (i >= 100000) {
            /* Mostly forward, sometimes back by up to 50 ms. */
            uint64_t step = unit_rand(&rng) % 8;
            ms = step < 2 ? ms - unit_rand(&rng) % 50 : ms + step - 2;
        }
        uint8_t r[10];
        unit_rand_fill(&rng, r, 10);
        struct avila_uuid u;
        struct avila_ulid l;
        assert_int_equal(avila_uuid7_next(&g7, ms, r, &u), 0);
        assert_int_equal(avila_ulid_next(&gl, ms, r, &l), 0);
        assert_int_equal(avila_uuid_version(&u), 7);
        assert_int_equal(avila_uuid_variant(&u), AVILA_UUID_VARIANT_RFC9562);
        char tu[AVILA_UUID_TEXT_LEN + 1], tl[AVILA_ULID_TEXT_LEN + 1];
        avila_uuid_format(&u, tu);
        avila_ulid_format(&l, tl);
        if (i > 0) {
            assert_true(avila_uuid_compare(&pu, &u) < 0);
            assert_true(strcmp(tpu, tu) < 0);
            assert_true(avila_ulid_compare(&pl, &l) < 0);
            assert_true(strcmp(tpl, tl) < 0);
        }
        if (ms >= max_ms) {
            max_ms = ms;
            assert_int_equal(avila_uuid7_unix_ms(&u), ms);
            assert_int_equal(avila_ulid_unix_ms(&l), ms);
        } else {
            assert_int_equal(avila_uuid7_unix_ms(&u), max_ms);
            assert_int_equal(avila_ulid_unix_ms(&l), max_ms);
        }
        pu = u;
        pl = l;
        memcpy(tpu, tu, sizeof tu);
        memcpy(tpl, tl, sizeof tl);
    }
}

/* ------------------------------------------------------- OS generators */

static int compare_uuid(const void *a, const void *b)
{
    return avila_uuid_compare(a, b);
}

static void os_generators(void **state)
{
    (void)state;
    enum { N = 2000 };
    struct avila_uuid *v4 = malloc(N * sizeof *v4);
    assert_non_null(v4);
    for (int i = 0; i < N; i++) {
        assert_int_equal(avila_uuid_v4(&v4[i]), 0);
        assert_int_equal(avila_uuid_version(&v4[i]), 4);
        assert_int_equal(avila_uuid_variant(&v4[i]), AVILA_UUID_VARIANT_RFC9562);
    }
    qsort(v4, N, sizeof *v4, compare_uuid);
    for (int i = 1; i < N; i++)
        assert_true(avila_uuid_compare(&v4[i - 1], &v4[i]) != 0);
    free(v4);

    struct avila_uuid7_gen g7;
    struct avila_ulid_gen gl;
    avila_uuid7_gen_init(&g7);
    avila_ulid_gen_init(&gl);
    uint64_t before = (uint64_t)avila_time_wall_ns() / 1000000;
    struct avila_uuid pu = avila_uuid_nil, u;
    struct avila_ulid pl = {{0}}, l;
    for (int i = 0; i < N; i++) {
        assert_int_equal(avila_uuid7_generate(&g7, &u), 0);
        assert_int_equal(avila_ulid_generate(&gl, &l), 0);
        assert_true(avila_uuid_compare(&pu, &u) < 0);
        assert_true(avila_ulid_compare(&pl, &l) < 0);
        pu = u;
        pl = l;
    }
    uint64_t after = (uint64_t)avila_time_wall_ns() / 1000000;
    assert_true(avila_uuid7_unix_ms(&u) >= before && avila_uuid7_unix_ms(&u) <= after);
    assert_true(avila_ulid_unix_ms(&l) >= before && avila_ulid_unix_ms(&l) <= after);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(uuid_rfc9562_examples),
        cmocka_unit_test(uuid_nil_and_max),
        cmocka_unit_test(uuid4_from_random_vectors),
        cmocka_unit_test(uuid_variant_table),
        cmocka_unit_test(invalid_vectors),
        cmocka_unit_test(blanks_nul_and_empty_are_rejected),
        cmocka_unit_test(single_character_changes_follow_the_grammar),
        cmocka_unit_test(ulid_alphabet_agrees_with_crockford),
        cmocka_unit_test(prefixes_and_guard_pages),
        cmocka_unit_test(ulid_spec_examples),
        cmocka_unit_test(ulid_spec_monotonic_sequence),
        cmocka_unit_test(ulid_generator_basics),
        cmocka_unit_test(uuid7_generator_vectors),
        cmocka_unit_test(uuid7_reproduces_rfc9562_a6),
        cmocka_unit_test(uuid7_rollover_and_range),
        cmocka_unit_test(format_parse_round_trips_and_order),
        cmocka_unit_test(generators_are_strictly_monotonic),
        cmocka_unit_test(os_generators),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
