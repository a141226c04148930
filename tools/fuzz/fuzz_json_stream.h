/*
 * tools/fuzz/fuzz_json_stream.h - what the two streaming-parser harnesses
 * (fuzz_json_stream.c, fuzz_json_stream_pieces.c) share: feeding a text to
 * a started stream in chunks drawn from a two-byte recipe (all at once,
 * fixed sizes, or random sizes including empty feeds; the end said early
 * or late), checking every event and the sticky error on the way.
 * Violations call __builtin_trap().
 */
#ifndef AVILA_TOOLS_FUZZ_JSON_STREAM_H
#define AVILA_TOOLS_FUZZ_JSON_STREAM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "data/json_stream.h"

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

static inline uint32_t next_rand(uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}

/* Receives each event the stream gives. */
typedef void fuzz_stream_event_fn(void *ctx, const struct avila_json_event *ev);

/*
 * Feeds text[0..len) to s in chunks by recipe: recipe[0] 0 means all at
 * once, 1..127 that many bytes per chunk, with bit 7 random sizes up to
 * (recipe[0] & 127) + 1 (empty ones included, never more than 3 in a row);
 * recipe[1] seeds them and, for fixed sizes, says whether the end is told
 * with the last chunk or only when asked. Every chunk is a fresh
 * allocation freed when used up, so ASan sees a read of an old one. Each
 * event (of a type up to last) goes to fn. Returns 0 after the END event,
 * or the stream's error (copied to *err) after checking it is sticky.
 */
static inline int fuzz_stream_feed(struct avila_json_stream *s, const uint8_t *text, size_t len,
                                   const uint8_t recipe[2], enum avila_json_event_type last,
                                   fuzz_stream_event_fn *fn, void *ctx,
                                   struct avila_json_error *err)
{
    struct avila_json_event ev;
    uint32_t x = 0x9E3779B9u ^ recipe[1];
    size_t pos = 0, empties = 0;
    uint8_t *chunk = NULL;
    bool fed_all = false;
    const bool early = recipe[0] == 0 || (!(recipe[0] & 0x80) && (recipe[1] & 1));
    for (;;) {
        int rc = avila_json_stream_next(s, &ev);
        if (rc == 0) {
            CHECK(ev.type >= AVILA_JSON_EV_OBJECT_BEGIN && ev.type <= last);
            CHECK(ev.offset <= len);
            fn(ctx, &ev);
            if (ev.type == AVILA_JSON_EV_END) {
                CHECK(avila_json_stream_next(s, &ev) == AVILA_ECLOSED);
                free(chunk);
                return 0;
            }
            continue;
        }
        if (rc == AVILA_EAGAIN) {
            CHECK(avila_json_stream_offset(s) == pos);
            free(chunk);
            chunk = NULL;
            if (fed_all) {
                CHECK(avila_json_stream_end(s) == 0);
                continue;
            }
            size_t n = recipe[0] == 0       ? len
                       : (recipe[0] & 0x80) ? next_rand(&x) % ((recipe[0] & 0x7Fu) + 2)
                                            : recipe[0];
            empties = n ? 0 : empties + 1;
            if (empties > 3)
                n = 1;
            if (n > len - pos)
                n = len - pos;
            chunk = malloc(n ? n : 1);
            CHECK(chunk != NULL);
            memcpy(chunk, text + pos, n);
            CHECK(avila_json_stream_feed(s, chunk, n) == 0);
            pos += n;
            if (pos == len) {
                fed_all = true;
                if (early)
                    CHECK(avila_json_stream_end(s) == 0);
            }
            continue;
        }
        free(chunk);
        CHECK(rc == AVILA_EFORMAT || rc == AVILA_ELIMIT || rc == AVILA_ERANGE);
        const struct avila_json_error *e = avila_json_stream_error(s);
        CHECK(e != NULL && e->reason != NULL && e->offset <= len && e->line >= 1 && e->column >= 1);
        *err = *e;
        CHECK(avila_json_stream_next(s, &ev) == rc);
        CHECK(avila_json_stream_feed(s, "x", 1) == rc);
        return rc;
    }
}

#endif
