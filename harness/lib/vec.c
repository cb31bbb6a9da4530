/* SPDX-License-Identifier: MIT */
/*
 * vec: parser of the project's vector files (format in vec.h and vectors/README.md).
 * Test code: it allocates with malloc and reads files with stdio; it never touches the core.
 */
#include "vec.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef MK_SOURCE_DIR
#define MK_SOURCE_DIR "."
#endif

static char *trim(char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

static void seterr(char *err, size_t cap, const char *path, size_t line, const char *what)
{
    if (cap > 0)
        snprintf(err, cap, "%s:%zu: %s", path, line, what);
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

static bool add_kv(mk_vec_block *b, const char *key, const char *val)
{
    mk_vec_kv *kv = realloc(b->kv, (b->n + 1) * sizeof *kv);
    if (!kv)
        return false;
    b->kv = kv;
    mk_vec_kv *e = &kv[b->n];
    memset(e, 0, sizeof *e);
    e->key = xstrdup(key);
    e->val = xstrdup(val);
    size_t cap = strlen(val) / 2 + 1;
    e->bin = malloc(cap);
    if (!e->key || !e->val || !e->bin)
        return false;
    size_t n = mk_hex_decode(val, e->bin, cap);
    if (n != (size_t)-1) {
        e->hex = true;
        e->bin_len = n;
    }
    b->n++;
    return true;
}

mk_vec_file *mk_vec_load(const char *path, char *err, size_t errcap)
{
    char full[4096], line[65536];
    size_t lineno = 0;
    bool in_block = false;

    if (path[0] == '/')
        snprintf(full, sizeof full, "%s", path);
    else
        snprintf(full, sizeof full, "%s/%s", MK_SOURCE_DIR, path);
    FILE *fp = fopen(full, "r");
    if (!fp) {
        seterr(err, errcap, full, 0, "cannot open");
        return NULL;
    }
    mk_vec_file *f = calloc(1, sizeof *f);
    if (!f)
        goto fail;
    while (fgets(line, sizeof line, fp)) {
        lineno++;
        if (strlen(line) == sizeof line - 1) {
            seterr(err, errcap, full, lineno, "line too long");
            goto fail;
        }
        char *s = trim(line);
        if (lineno == 1) {
            if (strncmp(s, "# source:", 9) != 0) {
                seterr(err, errcap, full, lineno, "first line must be '# source: ...'");
                goto fail;
            }
            f->source = xstrdup(trim(s + 9));
            continue;
        }
        if (*s == '\0') {
            in_block = false;
            continue;
        }
        if (*s == '#')
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            seterr(err, errcap, full, lineno, "expected 'key = value'");
            goto fail;
        }
        *eq = '\0';
        char *key = trim(s), *val = trim(eq + 1);
        if (*key == '\0') {
            seterr(err, errcap, full, lineno, "empty key");
            goto fail;
        }
        if (!in_block) {
            mk_vec_block *nb = realloc(f->b, (f->n + 1) * sizeof *nb);
            if (!nb)
                goto fail;
            f->b = nb;
            memset(&f->b[f->n], 0, sizeof f->b[f->n]);
            f->b[f->n].line = lineno;
            f->n++;
            in_block = true;
        }
        mk_vec_block *b = &f->b[f->n - 1];
        if (mk_vec_kv_get(b, key)) {
            seterr(err, errcap, full, lineno, "key repeated in block");
            goto fail;
        }
        if (!add_kv(b, key, val))
            goto fail;
    }
    if (lineno == 0 || f->source == NULL) {
        seterr(err, errcap, full, lineno, "empty file (no '# source:' line)");
        goto fail;
    }
    fclose(fp);
    return f;
fail:
    fclose(fp);
    mk_vec_free(f);
    return NULL;
}

void mk_vec_free(mk_vec_file *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n; i++) {
        for (size_t j = 0; j < f->b[i].n; j++) {
            free(f->b[i].kv[j].key);
            free(f->b[i].kv[j].val);
            free(f->b[i].kv[j].bin);
        }
        free(f->b[i].kv);
    }
    free(f->b);
    free(f->source);
    free(f);
}

const mk_vec_kv *mk_vec_kv_get(const mk_vec_block *b, const char *key)
{
    for (size_t i = 0; b && i < b->n; i++) {
        if (strcmp(b->kv[i].key, key) == 0)
            return &b->kv[i];
    }
    return NULL;
}

const mk_vec_block *mk_vec_find(const mk_vec_file *f, const char *key, const char *val)
{
    for (size_t i = 0; f && i < f->n; i++) {
        const mk_vec_kv *kv = mk_vec_kv_get(&f->b[i], key);
        if (kv && strcmp(kv->val, val) == 0)
            return &f->b[i];
    }
    return NULL;
}

const uint8_t *mk_vec_hex(const mk_vec_block *b, const char *key, size_t *len)
{
    const mk_vec_kv *kv = mk_vec_kv_get(b, key);
    if (!kv || !kv->hex)
        return NULL;
    if (len)
        *len = kv->bin_len;
    return kv->bin;
}

const char *mk_vec_str(const mk_vec_block *b, const char *key)
{
    const mk_vec_kv *kv = mk_vec_kv_get(b, key);
    return kv ? kv->val : NULL;
}

bool mk_ref_path(const char *rel, char *out, size_t cap)
{
    struct stat st;
    int n = snprintf(out, cap, "%s/../shared/reference/%s", MK_SOURCE_DIR, rel);
    if (n < 0 || (size_t)n >= cap)
        return false;
    return stat(out, &st) == 0;
}
