/* SPDX-License-Identifier: MIT */
/*
 * standalone_main.c: run a fuzz target over corpus files without libFuzzer (strongSwan's
 * libFuzzerLocal.c idea), so every target also builds with gcc and the `fuzz-smoke` ctest label
 * replays corpus/<target>/ and regress/<target>/ on every CI run, plain and under ASan+UBSan.
 * Arguments are files or directories (read recursively, sorted, dot-files skipped); options
 * starting with '-' are ignored so libFuzzer command lines work unchanged. Each input is copied
 * into a heap buffer of exactly its size, so sanitizers see any read past its end. Exits non-zero
 * if an argument is missing or no input was found at all (an empty corpus is a broken test).
 */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

static unsigned long n_inputs;
static int failed;

static void run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "standalone: cannot open %s\n", path);
        failed = 1;
        return;
    }
    if (fseek(f, 0, SEEK_END) != 0) {
        fclose(f);
        failed = 1;
        return;
    }
    long len = ftell(f);
    rewind(f);
    if (len < 0) {
        fclose(f);
        failed = 1;
        return;
    }
    uint8_t *buf = malloc(len > 0 ? (size_t)len : 1);
    if (buf == NULL || fread(buf, 1, (size_t)len, f) != (size_t)len) {
        fprintf(stderr, "standalone: cannot read %s\n", path);
        free(buf);
        fclose(f);
        failed = 1;
        return;
    }
    fclose(f);
    if (getenv("MK_FUZZ_VERBOSE"))
        fprintf(stderr, "standalone: %s (%ld octets)\n", path, len);
    if (len == 0) {
        /* a zero-size malloc'd buffer, as libFuzzer passes for the empty input */
        free(buf);
        buf = malloc(1);
        LLVMFuzzerTestOneInput(buf, 0);
    } else {
        uint8_t *exact = realloc(buf, (size_t)len);
        if (exact)
            buf = exact;
        LLVMFuzzerTestOneInput(buf, (size_t)len);
    }
    free(buf);
    n_inputs++;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_path(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "standalone: %s does not exist\n", path);
        failed = 1;
        return;
    }
    if (!S_ISDIR(st.st_mode)) {
        run_file(path);
        return;
    }
    DIR *d = opendir(path);
    if (d == NULL) {
        failed = 1;
        return;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            char **nn = realloc(names, cap * sizeof(*names));
            if (nn == NULL)
                break;
            names = nn;
        }
        size_t l = strlen(path) + strlen(e->d_name) + 2;
        names[n] = malloc(l);
        if (names[n] == NULL)
            break;
        snprintf(names[n], l, "%s/%s", path, e->d_name);
        n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof(*names), by_name);
    for (size_t i = 0; i < n; i++) {
        run_path(names[i]);
        free(names[i]);
    }
    free(names);
}

int main(int argc, char **argv)
{
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-')
            continue;
        run_path(argv[i]);
    }
    printf("standalone: %s: %lu inputs replayed\n", argv[0], n_inputs);
    if (n_inputs == 0) {
        fprintf(stderr, "standalone: no inputs found\n");
        return 1;
    }
    return failed;
}
