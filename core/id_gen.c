/*
 * core/id_gen.c - the OS side of core/id.h: UUIDs (RFC 9562 sections 5.4,
 * 5.7) and ULIDs made from the wall clock and the kernel's random source.
 */
#include "core/ct.h"
#include "core/error.h"
#include "core/id.h"
#include "core/random.h"
#include "core/time.h"

int avila_uuid_v4(struct avila_uuid *out)
{
    uint8_t r[16];
    if (avila_random_bytes(r, sizeof r) < 0)
        return AVILA_EIO;
    avila_uuid_v4_from_random(out, r);
    avila_wipe(r, sizeof r);
    return 0;
}

/* Reads the wall clock in milliseconds and 10 random bytes; AVILA_ERANGE before 1970. */
static int clock_and_random(uint64_t *ms, uint8_t r[10])
{
    int64_t ns = avila_time_wall_ns();
    if (ns < 0)
        return AVILA_ERANGE;
    *ms = (uint64_t)ns / AVILA_TIME_NS_PER_MS;
    return avila_random_bytes(r, 10) < 0 ? AVILA_EIO : 0;
}

int avila_uuid7_generate(struct avila_uuid7_gen *g, struct avila_uuid *out)
{
    uint64_t ms;
    uint8_t r[10];
    int rc = clock_and_random(&ms, r);
    if (rc == 0)
        rc = avila_uuid7_next(g, ms, r, out);
    avila_wipe(r, sizeof r);
    return rc;
}

int avila_ulid_generate(struct avila_ulid_gen *g, struct avila_ulid *out)
{
    uint64_t ms;
    uint8_t r[10];
    int rc = clock_and_random(&ms, r);
    if (rc == 0)
        rc = avila_ulid_next(g, ms, r, out);
    avila_wipe(r, sizeof r);
    return rc;
}
