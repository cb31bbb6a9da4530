/* SPDX-License-Identifier: MIT */
/*
 * outputs: the rules for the files a run writes (--pcap FILE, --keys DIR), checked before
 * anything is sent, so a run never loses a user's file:
 *  - an existing --pcap file, or a --keys directory that holds anything, is replaced only with
 *    --force (keygen's rule);
 *  - an output is never one of the run's inputs (--psk-file, --key, --peer-key, --state),
 *    compared by device and inode, so another name or a symbolic link does not slip through;
 *  - --pcap is never the --keys directory nor one of the files written into it.
 * The files themselves appear atomically (temporary name, then rename), and only when the run
 * has something to put in them (capture_close in show.c).
 */
#define _DEFAULT_SOURCE

#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

/* The files mk_keysw_close() writes into the --keys directory (keysfile.h). */
static const char *const keys_files[] = {"ikev2_decryption_table", "esp_sa", "preferences",
                                         "keys.txt"};

/* Where `path` is or would be: the device and inode of the file when it exists (symbolic
 * links followed), else of its directory plus the last name. */
typedef struct file_ident {
    bool exists;
    dev_t dev;
    ino_t ino;
    char name[256]; /* when !exists: the last component */
} file_ident;

static bool ident_of(const char *path, file_ident *id)
{
    struct stat st;
    char buf[4096], *dir, *base;

    memset(id, 0, sizeof(*id));
    if (stat(path, &st) == 0) {
        id->exists = true;
        id->dev = st.st_dev;
        id->ino = st.st_ino;
        return true;
    }
    if (strlen(path) >= sizeof buf)
        return false;
    snprintf(buf, sizeof buf, "%s", path);
    base = basename(buf);
    if (strlen(base) >= sizeof id->name)
        return false;
    snprintf(id->name, sizeof id->name, "%s", base);
    snprintf(buf, sizeof buf, "%s", path);
    dir = dirname(buf);
    if (stat(dir, &st) != 0)
        return false;
    id->dev = st.st_dev;
    id->ino = st.st_ino;
    return true;
}

static bool ident_eq(const file_ident *a, const file_ident *b)
{
    return a->exists == b->exists && a->dev == b->dev && a->ino == b->ino &&
           (a->exists || strcmp(a->name, b->name) == 0);
}

static bool same_file(const char *a, const char *b)
{
    file_ident ia, ib;
    return ident_of(a, &ia) && ident_of(b, &ib) && ident_eq(&ia, &ib);
}

void cli_note_input(cli_common *c, const char *opt, const char *path)
{
    if (c->n_inputs < sizeof c->inputs / sizeof c->inputs[0]) {
        c->inputs[c->n_inputs] = path;
        c->input_opts[c->n_inputs] = opt;
        c->n_inputs++;
    }
}

/* An output that names an input: 3 with the message, else 0. */
static int check_not_input(const cli_common *c, const char *out, const char *out_opt,
                           const char *shown)
{
    for (size_t i = 0; i < c->n_inputs; i++) {
        if (!same_file(out, c->inputs[i]))
            continue;
        char what[300], why[300];
        snprintf(what, sizeof what, "%s %.250s", out_opt, shown);
        snprintf(why, sizeof why, "is the same file as %s %.200s, which this run reads",
                 c->input_opts[i], c->inputs[i]);
        return cli_fail(EX_CONFIG, what, why, "write the output to another file");
    }
    return 0;
}

/* 1 if `dir` holds any entry, 0 if empty, -1 (errno) if it cannot be read. */
static int dir_nonempty(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int r = 0;
    if (d == NULL)
        return -1;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            r = 1;
            break;
        }
    }
    closedir(d);
    return r;
}

int cli_outputs_check(const cli_common *c)
{
    char what[300], real[4096], why[300];
    struct stat st;
    int r;

    if (c->pcap != NULL) {
        snprintf(what, sizeof what, "--pcap %.250s", c->pcap);
        /* a directory, device, FIFO or socket: refused there with its own message */
        if ((r = cli_output_path(c->pcap, real, sizeof real, "--pcap")) != 0)
            return r;
        if ((r = check_not_input(c, real, "--pcap", c->pcap)) != 0)
            return r;
        if (!c->force && stat(real, &st) == 0)
            return cli_fail(EX_CONFIG, what, "the file exists already",
                            "give a new file name, or --force to replace it");
    }
    if (c->keys != NULL) {
        snprintf(what, sizeof what, "--keys %.250s", c->keys);
        if (c->keys[0] == '\0')
            return cli_fail(EX_USAGE, "--keys", "empty directory name", "give a directory");
        if (stat(c->keys, &st) == 0) {
            if (!S_ISDIR(st.st_mode))
                return cli_fail(EX_CONFIG, what, "exists and is not a directory",
                                "give a directory (it is created if missing)");
            r = dir_nonempty(c->keys);
            if (r < 0)
                return cli_fail(EX_CONFIG, what, strerror(errno),
                                "give a readable, writable directory");
            if (r > 0 && !c->force)
                return cli_fail(EX_CONFIG, what, "the directory is not empty",
                                "give a new or empty directory, or --force to replace the "
                                "key tables in it");
        } else if (errno != ENOENT) {
            return cli_fail(EX_CONFIG, what, strerror(errno), "check the path");
        }
        if (c->pcap != NULL && same_file(c->pcap, c->keys))
            return cli_fail(EX_USAGE, "--pcap and --keys", "name the same path",
                            "--keys names a directory for the key tables; give --pcap a file "
                            "outside it");
        for (size_t i = 0; i < sizeof keys_files / sizeof keys_files[0]; i++) {
            char f[4400], pdir[4096], pbase[4096];
            bool clash = false;
            snprintf(f, sizeof f, "%s/%s", c->keys, keys_files[i]);
            if (c->pcap != NULL && strlen(c->pcap) < sizeof pdir) {
                /* by the directory's identity, which works before either exists */
                snprintf(pdir, sizeof pdir, "%s", c->pcap);
                snprintf(pbase, sizeof pbase, "%s", c->pcap);
                clash = strcmp(basename(pbase), keys_files[i]) == 0 &&
                        same_file(dirname(pdir), c->keys);
            }
            if (c->pcap != NULL && (clash || same_file(c->pcap, f))) {
                snprintf(why, sizeof why, "--pcap is %.200s, a key table the run writes there", f);
                return cli_fail(EX_USAGE, "--pcap and --keys", why,
                                "give --pcap a file outside the --keys directory");
            }
            if ((r = check_not_input(c, f, "--keys", f)) != 0)
                return r;
        }
    }
    return 0;
}
