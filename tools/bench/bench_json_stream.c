/*
 * tools/bench/bench_json_stream.c - streaming JSON parser throughput
 * (data/json_stream.h), in MB/s of input, on twitter.json, canada.json and
 * citm_catalog.json fed in 64 KiB chunks, every event pulled:
 *
 *   BENCH json stream/<file> <MB/s> MB/s
 *
 * The parser's memory is the default depth's stack and a 64 KiB token
 * buffer (AVILA_JSON_STREAM_MEM). The files come from ../shared/data/json/
 * (bench_read_shared); absent ones are skipped with a note.
 * AVILA_CPU=portable picks the portable string-scan kernel.
 */
#include <stdio.h>
#include <stdlib.h>

#include "core/cpu.h"
#include "core/error.h"
#include "data/json.h"
#include "data/json_stream.h"
#include "tools/bench/bench.h"

#define CHUNK     ((size_t)64 * 1024)
#define TOKEN_MEM ((size_t)64 * 1024)

static uint8_t mem[AVILA_JSON_STREAM_MEM(AVILA_JSON_DEFAULT_MAX_DEPTH, TOKEN_MEM)];

struct input {
    const uint8_t *data;
    size_t len;
};

static void stream_once(void *ctx)
{
    const struct input *in = ctx;
    struct avila_json_stream s;
    struct avila_json_event ev;
    size_t pos = 0;
    uint64_t events = 0;
    if (avila_json_stream_init(&s, NULL, mem, sizeof mem) != 0)
        goto fail;
    for (;;) {
        int rc = avila_json_stream_next(&s, &ev);
        if (rc == AVILA_EAGAIN) {
            size_t n = in->len - pos < CHUNK ? in->len - pos : CHUNK;
            if (n == 0)
                avila_json_stream_end(&s);
            else if (avila_json_stream_feed(&s, in->data + pos, n) != 0)
                goto fail;
            pos += n;
            continue;
        }
        if (rc != 0)
            goto fail;
        events += ev.type + ev.len;
        if (ev.type == AVILA_JSON_EV_END)
            break;
    }
    bench_consume(events);
    return;
fail:
    fprintf(stderr, "bench_json_stream: parse failed\n");
    exit(1);
}

int main(void)
{
    const char *names[] = {"twitter.json", "canada.json", "citm_catalog.json"};
    avila_cpu_init();
    for (size_t i = 0; i < AVILA_ARRAY_LEN(names); i++) {
        char rel[64], name[64];
        snprintf(rel, sizeof rel, "data/json/%s", names[i]);
        size_t len = 0;
        uint8_t *data = (uint8_t *)bench_read_shared(rel, &len);
        if (!data)
            continue;
        struct input in = {data, len};
        snprintf(name, sizeof name, "stream/%s", names[i]);
        bench_throughput("json", name, stream_once, &in, (double)len);
        free(data);
    }
    return 0;
}
