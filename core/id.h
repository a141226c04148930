/*
 * core/id.h - unique identifiers: UUIDs (RFC 9562) and ULIDs
 * (https://github.com/ulid/spec).
 *
 * Pure part (core/id.c): text forms, version and variant fields, and the
 * time-ordered generators, which take the time and the random bytes as
 * inputs so they run anywhere and test deterministically.
 * OS part (core/id_gen.c): the same generators fed from the wall clock and
 * avila_random_bytes (core/random.h).
 *
 * Both 16-byte forms are big-endian (network order, RFC 9562 section 4),
 * so comparing the bytes with memcmp orders them like their text forms.
 */
#ifndef AVILA_CORE_ID_H
#define AVILA_CORE_ID_H

#include <stdbool.h>

#include "core/platform.h"

/* ------------------------------------------------------------------ UUID */

struct avila_uuid {
    uint8_t bytes[16];
};

/* Length of the text form, "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx". */
#define AVILA_UUID_TEXT_LEN 36

/* The variant field (RFC 9562 section 4.1), as avila_uuid_variant returns it. */
enum {
    AVILA_UUID_VARIANT_NCS = 0,       /* 0xxx: Apollo NCS, and the Nil UUID */
    AVILA_UUID_VARIANT_RFC9562 = 2,   /* 10xx: the UUIDs of RFC 9562 */
    AVILA_UUID_VARIANT_MICROSOFT = 6, /* 110x: old Microsoft GUIDs */
    AVILA_UUID_VARIANT_FUTURE = 7,    /* 111x: reserved, and the Max UUID */
};

/* The Nil (all zero) and Max (all one) UUIDs, RFC 9562 sections 5.9 and 5.10. */
extern const struct avila_uuid avila_uuid_nil;
extern const struct avila_uuid avila_uuid_max;

/*
 * Writes the 36-character text form of *u (lowercase hex, 8-4-4-4-12, as
 * RFC 9562 section 4 recommends for output) and a NUL to out. Cannot fail.
 */
void avila_uuid_format(const struct avila_uuid *u, char out[AVILA_UUID_TEXT_LEN + 1]);

/*
 * Parses exactly the n bytes at s as the 36-character hyphenated text form
 * (hex digits in either case) into *out. Nothing else is accepted: no
 * "urn:uuid:" prefix, no braces, no missing hyphens, no surrounding space;
 * callers that take such forms strip them first. Any version and variant
 * is accepted. Returns 0 or AVILA_EFORMAT (*out untouched). s may be NULL
 * when n == 0.
 */
int avila_uuid_parse(const char *s, size_t n, struct avila_uuid *out);

/*
 * The version field (the high 4 bits of byte 6, RFC 9562 section 4.2):
 * 1..8 for the versions RFC 9562 defines. Only meaningful when the variant
 * is AVILA_UUID_VARIANT_RFC9562.
 */
unsigned avila_uuid_version(const struct avila_uuid *u);

/* The variant field of byte 8: one of the AVILA_UUID_VARIANT_* values. */
unsigned avila_uuid_variant(const struct avila_uuid *u);

/* Returns <0, 0 or >0 as a sorts before, equal to or after b (byte order = text order). */
int avila_uuid_compare(const struct avila_uuid *a, const struct avila_uuid *b);

/*
 * Makes *u a version 4 (random) UUID from 16 random bytes, RFC 9562
 * section 5.4: the bytes are kept except the 4 version bits (set to 0100)
 * and the 2 variant bits (set to 10), leaving 122 random bits. random MUST
 * come from a CSPRNG for the UUID to be unguessable. Cannot fail.
 */
void avila_uuid_v4_from_random(struct avila_uuid *u, const uint8_t random[16]);

/*
 * The 48-bit unix_ts_ms field (milliseconds since 1970) of a version 7 UUID
 * (RFC 9562 section 5.7): the first 6 bytes. Not checked to be version 7.
 */
uint64_t avila_uuid7_unix_ms(const struct avila_uuid *u);

/* ------------------------------------------------------------ UUID v7 */

/* The largest 48-bit millisecond timestamp (year 10889). */
#define AVILA_ID_MAX_UNIX_MS ((UINT64_C(1) << 48) - 1)

/*
 * State of a version 7 generator. Fields are private. Not thread-safe: one
 * generator per thread, or a lock around it. A generator on the stack or in
 * static storage needs no cleanup.
 */
struct avila_uuid7_gen {
    uint64_t last_ms; /* timestamp of the last UUID */
    uint64_t counter; /* 42-bit counter of the last UUID */
    bool started;
};

/* Makes *g a fresh generator. Cannot fail. */
void avila_uuid7_gen_init(struct avila_uuid7_gen *g);

/*
 * Makes *out the next version 7 UUID (RFC 9562 section 5.7) for the time
 * unix_ms, using 10 fresh random bytes (from a CSPRNG).
 *
 * Monotonicity (RFC 9562 section 6.2, Method 1, "fixed bit-length dedicated
 * counter"): a 42-bit counter fills rand_a (12 bits) and the top 30 bits of
 * rand_b; the other 32 bits of rand_b are fresh random bits in every UUID.
 * On a new millisecond the counter is seeded with 41 random bits under a
 * zero rollover-guard bit; within the same millisecond it is incremented by
 * one. If the clock goes backwards, the generator keeps the last timestamp
 * and increments the counter (section 6.2, "Monotonic Error Checking"), so
 * its UUIDs only ever increase; the real clock takes over again once it
 * passes the last timestamp. If the counter would roll over (after at least
 * 2^41 UUIDs in one millisecond), the timestamp is advanced by 1 ms and the
 * counter reseeded (section 6.2, "Counter Rollover Handling").
 *
 * So each UUID from g is strictly greater (as bytes and as text) than the
 * one before. Returns 0; AVILA_ERANGE if unix_ms > AVILA_ID_MAX_UNIX_MS;
 * AVILA_EOVERFLOW if the timestamp would have to advance past it. On error
 * *out and *g are untouched.
 */
int avila_uuid7_next(struct avila_uuid7_gen *g, uint64_t unix_ms, const uint8_t random[10],
                     struct avila_uuid *out);

/* ------------------------------------------------------------------ ULID */

struct avila_ulid {
    uint8_t bytes[16]; /* 48-bit time (ms, big-endian), then 80 random bits */
};

/* Length of the text form: 26 Crockford base32 characters. */
#define AVILA_ULID_TEXT_LEN 26

/*
 * Writes the 26-character text form of *u (Crockford base32, uppercase, as
 * the ULID spec's canonical form) and a NUL to out. Cannot fail.
 */
void avila_ulid_format(const struct avila_ulid *u, char out[AVILA_ULID_TEXT_LEN + 1]);

/*
 * Parses exactly the n bytes at s as a 26-character ULID into *out. Letters
 * may be either case (the spec: "case insensitive"). Only the 32 characters
 * of the ULID alphabet are accepted: not Crockford's decoding aliases (O for
 * 0, I and L for 1), which the ULID spec does not allow, nor hyphens. The
 * first character must be 0..7: 26 characters hold 130 bits, and larger
 * values would overflow the 128-bit ULID (the spec requires rejecting
 * them). Returns 0 or AVILA_EFORMAT (*out untouched). s may be NULL when
 * n == 0.
 */
int avila_ulid_parse(const char *s, size_t n, struct avila_ulid *out);

/* Returns <0, 0 or >0 as a sorts before, equal to or after b (byte order = text order). */
int avila_ulid_compare(const struct avila_ulid *a, const struct avila_ulid *b);

/* The 48-bit timestamp of a ULID: milliseconds since 1970. */
uint64_t avila_ulid_unix_ms(const struct avila_ulid *u);

/*
 * State of a monotonic ULID generator. Fields are private. Not thread-safe:
 * one generator per thread, or a lock around it.
 */
struct avila_ulid_gen {
    uint64_t last_ms;
    uint8_t last_random[10];
    bool started;
};

/* Makes *g a fresh generator. Cannot fail. */
void avila_ulid_gen_init(struct avila_ulid_gen *g);

/*
 * Makes *out the next ULID for the time unix_ms, following the spec's
 * "Monotonicity" section: on a new millisecond the 80 random bits are the
 * 10 given random bytes; within the same millisecond they are the previous
 * ones plus 1 (and the random bytes are not used). If the clock goes
 * backwards, the generator keeps the last timestamp and increments as if it
 * were the same millisecond, so its ULIDs only ever increase; the real clock
 * takes over again once it passes the last timestamp.
 *
 * Returns 0; AVILA_ERANGE if unix_ms > AVILA_ID_MAX_UNIX_MS; AVILA_EOVERFLOW
 * if the 80-bit random part would wrap within one millisecond (the spec says
 * generation fails then; a call with a later unix_ms succeeds). On error
 * *out and *g are untouched.
 */
int avila_ulid_next(struct avila_ulid_gen *g, uint64_t unix_ms, const uint8_t random[10],
                    struct avila_ulid *out);

/* -------------------------------------------- OS generators (id_gen.c) */

/*
 * A version 4 UUID from avila_random_bytes. Returns 0 or AVILA_EIO (*out
 * untouched). Thread-safe.
 */
int avila_uuid_v4(struct avila_uuid *out);

/*
 * avila_uuid7_next with the wall clock (avila_time_wall_ns) and
 * avila_random_bytes. Returns 0, AVILA_EIO (no randomness), AVILA_ERANGE
 * (the wall clock reads before 1970) or AVILA_EOVERFLOW. Reads the clock
 * and the kernel (one getrandom call) for every UUID. Not thread-safe for
 * one g.
 */
int avila_uuid7_generate(struct avila_uuid7_gen *g, struct avila_uuid *out);

/* The same for ULIDs, with avila_ulid_next. */
int avila_ulid_generate(struct avila_ulid_gen *g, struct avila_ulid *out);

#endif
