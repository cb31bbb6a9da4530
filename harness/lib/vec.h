/* SPDX-License-Identifier: MIT */
/*
 * vec: the parser of our vector files (vectors/<dir>/<name>.txt). Format: the first line is
 * `# source: ...` (provenance, required); then blocks of `key = value` lines separated by blank
 * lines; `#` starts a comment line. Values are hex (spaces allowed between digits, decoded into
 * bytes) or, if not valid hex, plain text (names, labels). Test code: it allocates, and it
 * aborts nothing: errors come back as NULL with a message.
 */
#ifndef MK_VEC_H
#define MK_VEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hex.h" /* mk_hex_decode, which the vector files' hex goes through */

typedef struct mk_vec_kv {
    char *key;
    char *val;    /* the raw text after '=' (trimmed) */
    uint8_t *bin; /* decoded hex (never NULL when hex is true; empty value: len 0) */
    size_t bin_len;
    bool hex; /* val was valid hex (even number of digits, spaces ignored) */
} mk_vec_kv;

typedef struct mk_vec_block {
    mk_vec_kv *kv;
    size_t n;
    size_t line; /* line number of the block's first key */
} mk_vec_block;

typedef struct mk_vec_file {
    char *source; /* text after "# source:" on line 1 */
    mk_vec_block *b;
    size_t n;
} mk_vec_file;

/* Load a vector file. `path` relative paths are taken relative to the repository root
 * (MK_SOURCE_DIR). NULL on failure with a message in err (if errcap > 0): unreadable file,
 * missing `# source:` first line, a line that is neither comment, blank nor `key = value`,
 * a key repeated within a block. */
mk_vec_file *mk_vec_load(const char *path, char *err, size_t errcap);
void mk_vec_free(mk_vec_file *f);

/* The first block whose `key` has the text value `val` (for `name = ...` lookups), or NULL. */
const mk_vec_block *mk_vec_find(const mk_vec_file *f, const char *key, const char *val);
/* A key's entry in a block, or NULL. */
const mk_vec_kv *mk_vec_kv_get(const mk_vec_block *b, const char *key);
/* Hex bytes of a key (NULL if absent or not hex; *len set when non-NULL). */
const uint8_t *mk_vec_hex(const mk_vec_block *b, const char *key, size_t *len);
/* Text of a key, or NULL. */
const char *mk_vec_str(const mk_vec_block *b, const char *key);


/* Path of a file under ../shared/reference (relative to the repository root) if it exists:
 * writes it into out and returns true; false if absent (tests then cr_skip_test). */
bool mk_ref_path(const char *rel, char *out, size_t cap);

#endif
