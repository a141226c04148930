/*
 * tools/bench/bench_json_write.c - JSON serialization speed: a parsed
 * document (data/json.h) written by avila_json_write_value into a buffer
 * that keeps its memory between runs, in MB/s of output text, for
 * twitter.json, canada.json and citm_catalog.json (../shared/data/json/):
 *   serialize/<file>         compact, as ../shared/anchors/json times
 *                            simdjson::to_string and cJSON_PrintUnformatted
 *   serialize-pretty/<file>  indent 2
 *   serialize-ascii/<file>   compact, AVILA_JSON_WRITE_ASCII
 *   canon/<file>             RFC 8785 (members sorted, numbers as doubles)
 * A file that cannot be read is skipped with a note. AVILA_CPU=portable
 * picks the writer's portable kernel.
 */
#include <stdio.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/cpu.h"
#include "data/json.h"
#include "data/json_write.h"
#include "tools/bench/bench.h"

struct job {
    const struct avila_json_doc *doc;
    struct avila_buf b;
    struct avila_json_write_options o;
};

static void run_once(void *ctx)
{
    struct job *j = ctx;
    struct avila_json_writer w;
    avila_buf_clear(&j->b);
    int rc = avila_json_write_init(&w, &j->b, &j->o);
    if (rc == 0)
        rc = avila_json_write_value(&w, j->doc, avila_json_root(j->doc), avila_allocator_libc());
    if (rc == 0)
        rc = avila_json_write_finish(&w);
    if (rc != 0) {
        fprintf(stderr, "bench_json_write: the writer failed (%d)\n", rc);
        exit(1);
    }
    bench_consume(j->b.len);
}

static void measure(const char *what, const char *file, const struct avila_json_doc *doc,
                    unsigned indent, unsigned flags)
{
    struct job j = {doc, {0}, {indent, 0, flags}};
    char name[128];
    snprintf(name, sizeof name, "%s/%s", what, file);
    avila_buf_init(&j.b, avila_allocator_libc(), (size_t)1 << 30);
    run_once(&j);
    bench_throughput("json", name, run_once, &j, (double)j.b.len);
    avila_buf_release(&j.b);
}

int main(void)
{
    static const char *const files[] = {"twitter.json", "canada.json", "citm_catalog.json"};
    avila_cpu_init();
    fprintf(stderr, "bench_json_write: kernel %s\n", avila_json_write_impl());
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char rel[64];
        size_t len;
        snprintf(rel, sizeof rel, "data/json/%s", files[i]);
        char *text = bench_read_shared(rel, &len);
        if (!text)
            continue;
        struct avila_json_doc doc;
        if (avila_json_parse(&doc, text, len, NULL, avila_allocator_libc(), NULL) != 0) {
            fprintf(stderr, "bench_json_write: %s does not parse\n", files[i]);
            return 1;
        }
        measure("serialize", files[i], &doc, 0, 0);
        measure("serialize-pretty", files[i], &doc, 2, 0);
        measure("serialize-ascii", files[i], &doc, 0, AVILA_JSON_WRITE_ASCII);
        measure("canon", files[i], &doc, 0, AVILA_JSON_WRITE_CANONICAL);
        avila_json_doc_release(&doc);
        free(text);
    }
    return 0;
}
