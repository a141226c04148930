/*
 * tools/fuzz/fuzz_id.c - libFuzzer harness for core/id.h.
 *
 * Properties checked (any violation traps):
 *   - avila_uuid_parse accepts exactly what a simple model of the
 *     36-character 8-4-4-4-12 form accepts, and formatting what it parsed
 *     gives the input lowercased;
 *   - avila_ulid_parse accepts exactly the model's 26 ULID-alphabet
 *     characters with a first character 0..7, and formatting gives the
 *     input uppercased;
 *   - any 16 bytes format and parse back unchanged, in both forms;
 *   - the version 7 and ULID generators, driven by the input as a
 *     sequence of (clock jitter, random bytes) steps, only ever return
 *     increasing ids carrying the largest time seen, or the documented
 *     errors.
 */
#include <stdint.h>
#include <string.h>

#include "core/error.h"
#include "core/id.h"

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

static int is_hex(int c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int fold(int c, int upper)
{
    if (upper && c >= 'a' && c <= 'z')
        return c - 32;
    if (!upper && c >= 'A' && c <= 'Z')
        return c + 32;
    return c;
}

static int model_uuid(const uint8_t *s, size_t n)
{
    if (n != 36)
        return 0;
    for (size_t i = 0; i < n; i++) {
        int hyphen = i == 8 || i == 13 || i == 18 || i == 23;
        if (hyphen ? s[i] != '-' : !is_hex(s[i]))
            return 0;
    }
    return 1;
}

static int model_ulid(const uint8_t *s, size_t n)
{
    static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    if (n != 26 || s[0] < '0' || s[0] > '7')
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] == 0 || !memchr(alphabet, fold(s[i], 1), sizeof alphabet - 1))
            return 0;
    return 1;
}

static void text_forms(const uint8_t *data, size_t size)
{
    struct avila_uuid u;
    int rc = avila_uuid_parse((const char *)data, size, &u);
    CHECK(rc == 0 || rc == AVILA_EFORMAT);
    CHECK((rc == 0) == model_uuid(data, size));
    if (rc == 0) {
        char out[AVILA_UUID_TEXT_LEN + 1];
        avila_uuid_format(&u, out);
        for (size_t i = 0; i < size; i++)
            CHECK(out[i] == fold(data[i], 0));
        CHECK(avila_uuid_variant(&u) <= AVILA_UUID_VARIANT_FUTURE);
    }
    struct avila_ulid l;
    rc = avila_ulid_parse((const char *)data, size, &l);
    CHECK(rc == 0 || rc == AVILA_EFORMAT);
    CHECK((rc == 0) == model_ulid(data, size));
    if (rc == 0) {
        char out[AVILA_ULID_TEXT_LEN + 1];
        avila_ulid_format(&l, out);
        for (size_t i = 0; i < size; i++)
            CHECK(out[i] == fold(data[i], 1));
    }
}

static void binary_round_trip(const uint8_t *data, size_t size)
{
    if (size < 16)
        return;
    struct avila_uuid u, u2;
    memcpy(u.bytes, data, 16);
    char tu[AVILA_UUID_TEXT_LEN + 1];
    avila_uuid_format(&u, tu);
    CHECK(tu[AVILA_UUID_TEXT_LEN] == '\0');
    CHECK(avila_uuid_parse(tu, AVILA_UUID_TEXT_LEN, &u2) == 0);
    CHECK(avila_uuid_compare(&u, &u2) == 0);
    struct avila_ulid l, l2;
    memcpy(l.bytes, data, 16);
    char tl[AVILA_ULID_TEXT_LEN + 1];
    avila_ulid_format(&l, tl);
    CHECK(tl[AVILA_ULID_TEXT_LEN] == '\0');
    CHECK(avila_ulid_parse(tl, AVILA_ULID_TEXT_LEN, &l2) == 0);
    CHECK(avila_ulid_compare(&l, &l2) == 0);
}

/*
 * Steps of 12 bytes: a signed 16-bit clock jitter and 10 random bytes. The
 * first step's jitter picks a start near 0, now or the 48-bit limit, so the
 * ERANGE and rollover edges are reachable.
 */
static void generators(const uint8_t *data, size_t size)
{
    struct avila_uuid7_gen g7;
    struct avila_ulid_gen gl;
    avila_uuid7_gen_init(&g7);
    avila_ulid_gen_init(&gl);
    struct avila_uuid pu;
    struct avila_ulid pl;
    int have_u = 0, have_l = 0;
    uint64_t ms = 0, max_u = 0, max_l = 0;
    for (size_t off = 0; off + 12 <= size; off += 12) {
        const uint8_t *p = data + off;
        int16_t jitter = (int16_t)(p[0] << 8 | p[1]);
        if (off == 0) {
            static const uint64_t starts[4] = {0, 1700000000000, AVILA_ID_MAX_UNIX_MS - 300,
                                               AVILA_ID_MAX_UNIX_MS + 1};
            ms = starts[p[0] & 3];
            jitter &= 0xff;
        }
        ms += (uint64_t)(int64_t)jitter;
        struct avila_uuid u;
        int rc = avila_uuid7_next(&g7, ms, p + 2, &u);
        if (ms > AVILA_ID_MAX_UNIX_MS) {
            CHECK(rc == AVILA_ERANGE);
        } else if (rc == 0) {
            uint64_t t = avila_uuid7_unix_ms(&u);
            CHECK(avila_uuid_version(&u) == 7);
            CHECK(avila_uuid_variant(&u) == AVILA_UUID_VARIANT_RFC9562);
            CHECK(t >= ms && t >= max_u);
            CHECK(!have_u || avila_uuid_compare(&pu, &u) < 0);
            pu = u;
            max_u = t;
            have_u = 1;
        } else {
            /* Only a rollover at the very last millisecond can fail. */
            CHECK(rc == AVILA_EOVERFLOW && max_u == AVILA_ID_MAX_UNIX_MS);
        }
        struct avila_ulid l;
        rc = avila_ulid_next(&gl, ms, p + 2, &l);
        if (ms > AVILA_ID_MAX_UNIX_MS) {
            CHECK(rc == AVILA_ERANGE);
        } else if (rc == 0) {
            uint64_t t = avila_ulid_unix_ms(&l);
            CHECK(t == (ms > max_l || !have_l ? ms : max_l));
            CHECK(!have_l || avila_ulid_compare(&pl, &l) < 0);
            pl = l;
            max_l = t;
            have_l = 1;
        } else {
            /* Overflow only when the random part is all ones at the kept time. */
            CHECK(rc == AVILA_EOVERFLOW && have_l && ms <= max_l);
            for (int i = 6; i < 16; i++)
                CHECK(pl.bytes[i] == 0xff);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    text_forms(data, size);
    binary_round_trip(data, size);
    generators(data, size);
    return 0;
}
