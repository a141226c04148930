/*
 * tools/fuzz/fuzz_ws.c - libFuzzer harness for the WebSocket frame decoder
 * (net/ws.h). Input: one byte of settings (bit 0: the reader is a server,
 * so frames must be masked; bits 1-2: the message limit, 0 for the default,
 * else 1, 100 or 5000 bytes), one byte seeding the split, then the bytes
 * as received. Properties:
 *   - decoding everything at once and decoding the same bytes arriving in
 *     pieces give the same events (messages reassembled, control frames)
 *     and the same final result and close code;
 *   - *used never exceeds the bytes given, a DATA event's bytes lie inside
 *     them, it is empty only when it ends a message, a control payload has
 *     at most 125 bytes, and a text message is valid UTF-8;
 *   - an error comes with the close code it names (1002, 1007 or 1009),
 *     and every later call repeats it.
 * Violations call __builtin_trap(). Seeds: tools/fuzz/corpus/ws/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/endian.h"
#include "core/utf8.h"
#include "net/ws.h"

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

static void put(struct avila_buf *b, const void *p, size_t n)
{
    CHECK(avila_buf_append(b, p, n) == 0);
}

static void put_u64(struct avila_buf *b, uint64_t v)
{
    uint8_t t[8];
    avila_store_le64(t, v);
    put(b, t, 8);
}

/* Decodes wire in pieces (piece 0: at once) into a transcript in out. */
static void decode(struct avila_buf *out, enum avila_ws_role role, uint64_t max,
                   const uint8_t *wire, size_t n, unsigned piece)
{
    struct avila_ws_decoder d;
    struct avila_buf msg;
    CHECK(avila_ws_decoder_init(&d, role, max) == 0);
    avila_buf_init(&msg, avila_allocator_libc(), SIZE_MAX);
    uint8_t *buf = malloc(n + 1);
    CHECK(buf != NULL);
    size_t have = 0, fed = 0;
    int rc = 0, type = 0;
    for (;;) {
        size_t step = piece ? piece : n;
        if (step > n - fed)
            step = n - fed;
        memcpy(buf + have, wire + fed, step);
        have += step;
        fed += step;
        size_t used;
        struct avila_ws_event ev;
        rc = avila_ws_decode(&d, buf, have, &used, &ev);
        CHECK(used <= have);
        if (rc == 1 && ev.type == AVILA_WS_EV_DATA) {
            CHECK(ev.len > 0 || ev.fin);
            CHECK(ev.len == 0 || (ev.data >= buf && ev.data + ev.len <= buf + used));
            CHECK(type == 0 || type == (int)ev.opcode);
            type = (int)ev.opcode;
            put(&msg, ev.data, ev.len);
            if (ev.fin) {
                if (type == AVILA_WS_TEXT)
                    CHECK(avila_utf8_validate(msg.data, msg.len) == 0);
                put(out, type == AVILA_WS_TEXT ? "T" : "B", 1);
                put_u64(out, msg.len);
                put(out, msg.data, msg.len);
                avila_buf_clear(&msg);
                type = 0;
            }
        } else if (rc == 1) {
            CHECK(ev.len <= AVILA_WS_CONTROL_MAX);
            put(out,
                ev.type == AVILA_WS_EV_PING   ? "P"
                : ev.type == AVILA_WS_EV_PONG ? "Q"
                                              : "C",
                1);
            put_u64(out, ev.code);
            put_u64(out, ev.len);
            put(out, ev.data, ev.len);
        }
        memmove(buf, buf + used, have - used);
        have -= used;
        if (rc < 0 || (rc == 0 && fed == n))
            break;
    }
    uint16_t code = avila_ws_decoder_close_code(&d);
    if (rc == AVILA_EFORMAT)
        CHECK(code == AVILA_WS_PROTOCOL_ERROR || code == AVILA_WS_INVALID_DATA);
    else if (rc == AVILA_ELIMIT)
        CHECK(code == AVILA_WS_TOO_BIG);
    else
        CHECK(code == 0 && (rc == 0 || rc == AVILA_ECLOSED));
    if (rc < 0) { /* final: the same answer again */
        size_t used;
        struct avila_ws_event ev;
        CHECK(avila_ws_decode(&d, buf, have, &used, &ev) == rc && used == 0);
    }
    put(out, "E", 1);
    put_u64(out, (uint64_t)(int64_t)rc);
    put_u64(out, code);
    free(buf);
    avila_buf_release(&msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint64_t limits[4] = {0, 1, 100, 5000};
    if (size < 2)
        return 0;
    enum avila_ws_role role = (data[0] & 1) ? AVILA_WS_SERVER : AVILA_WS_CLIENT;
    uint64_t max = limits[(data[0] >> 1) & 3];
    unsigned piece = 1 + data[1] % 17;
    struct avila_buf whole, split;
    avila_buf_init(&whole, avila_allocator_libc(), SIZE_MAX);
    avila_buf_init(&split, avila_allocator_libc(), SIZE_MAX);
    decode(&whole, role, max, data + 2, size - 2, 0);
    decode(&split, role, max, data + 2, size - 2, piece);
    CHECK(whole.len == split.len &&
          (whole.len == 0 || memcmp(whole.data, split.data, whole.len) == 0));
    avila_buf_release(&whole);
    avila_buf_release(&split);
    return 0;
}
