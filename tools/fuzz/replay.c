/*
 * tools/fuzz/replay.c - plain driver that replays a harness's seed corpus.
 *
 * Linked with one tools/fuzz/fuzz_<name>.c (instead of libFuzzer) so
 * `make test` runs every corpus input through the harness, with or without
 * sanitizers. Arguments are files or directories; with none, it replays
 * tools/fuzz/corpus/<name>/ where <name> comes from argv[0] ("fuzz_<name>").
 * Prints one TAP line; exits 1 if the corpus is missing or empty.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        return -1;
    }
    size_t cap = 4096, len = 0;
    uint8_t *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap) {
            uint8_t *bigger = realloc(buf, cap * 2);
            if (!bigger) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
    }
    fclose(f);
    if (!buf) {
        fprintf(stderr, "replay: out of memory reading %s\n", path);
        return -1;
    }
    /* Copy into an exact-size block so ASan sees reads past the input. */
    uint8_t *exact = malloc(len ? len : 1);
    if (!exact) {
        free(buf);
        return -1;
    }
    memcpy(exact, buf, len);
    free(buf);
    LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    return 0;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replays path (a file, or every regular file in a directory); returns the count or -1. */
static long replay_path(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "replay: no such corpus %s\n", path);
        return -1;
    }
    if (!S_ISDIR(st.st_mode))
        return replay_file(path) == 0 ? 1 : -1;
    struct dirent **entries;
    int n = scandir(path, &entries, NULL, NULL);
    if (n < 0) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        return -1;
    }
    char **names = calloc((size_t)n + 1, sizeof *names);
    long count = 0;
    for (int i = 0; i < n; i++) {
        if (names && entries[i]->d_name[0] != '.')
            names[count++] = strdup(entries[i]->d_name);
        free(entries[i]);
    }
    free(entries);
    if (!names)
        return -1;
    qsort(names, (size_t)count, sizeof *names, compare_names);
    long done = 0;
    for (long i = 0; i < count; i++) {
        char full[4096];
        snprintf(full, sizeof full, "%s/%s", path, names[i]);
        if (done >= 0 && stat(full, &st) == 0 && S_ISREG(st.st_mode))
            done = replay_file(full) == 0 ? done + 1 : -1;
        free(names[i]);
    }
    free(names);
    return done;
}

int main(int argc, char **argv)
{
    const char *base = strrchr(argv[0], '/');
    base = base ? base + 1 : argv[0];
    const char *name = strncmp(base, "fuzz_", 5) == 0 ? base + 5 : base;
    char dflt[4096];
    long total = 0;
    if (argc < 2) {
        snprintf(dflt, sizeof dflt, "%s/%s", AVILA_CORPUS_ROOT, name);
        long n = replay_path(dflt);
        total = n;
    }
    for (int i = 1; i < argc && total >= 0; i++) {
        long n = replay_path(argv[i]);
        total = n < 0 ? -1 : total + n;
    }
    if (total <= 0) {
        printf("not ok 1 - %s corpus replay (missing or empty corpus)\n", name);
        return 1;
    }
    printf("ok 1 - %s corpus replay (%ld inputs)\n", name, total);
    return 0;
}
