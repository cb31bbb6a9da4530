/* SPDX-License-Identifier: MIT */
/*
 * replay_cr: the Criterion side of replay.h, for the replay test files only (they link
 * Criterion; mk_harness does not): a scenario's files loaded, and its .keys values read, failing
 * the test with the file and the reason.
 */
#ifndef MK_REPLAY_CR_H
#define MK_REPLAY_CR_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "replay.h"

/* The .keys value `key`; the test fails if it is absent. */
static inline const char *mk_rp_kv(const mk_rp_files *f, const char *key)
{
    const char *v = mk_vec_str(&f->keys->b[0], key);
    cr_assert_not_null(v, "%s.keys: no `%s`", f->keys_name, key);
    return v;
}

static inline unsigned long mk_rp_num(const mk_rp_files *f, const char *key)
{
    return strtoul(mk_rp_kv(f, key), NULL, 10);
}

/* Scenario `name`: its .expect (expect_path, absolute) and the .keys of keys_name (keys_path,
 * relative to the source tree; one block), whose seed is moved by seed_delta (a mutation). */
static inline void mk_rp_load_files(mk_rp_files *f, const char *name, const char *keys_name,
                                    const char *keys_path, const char *expect_path,
                                    mk_rp_format fmt, int64_t seed_delta)
{
    char err[1200];
    snprintf(f->name, sizeof f->name, "%s", name);
    snprintf(f->keys_name, sizeof f->keys_name, "%s", keys_name);
    f->keys = mk_vec_load(keys_path, err, sizeof err);
    cr_assert_not_null(f->keys, "%s", err);
    cr_assert_eq(f->keys->n, 1, "%s: one block expected", keys_path);
    cr_assert(mk_rp_load_expect(expect_path, fmt, &f->x, err, sizeof err), "%s", err);
    f->seed = strtoull(mk_rp_kv(f, "seed"), NULL, 10) + (uint64_t)seed_delta;
    f->stream = (uint8_t)mk_rp_num(f, "rng_stream");
}

/* The general core's configuration of the .keys: proposals, identities, selectors, addresses,
 * NAT-T, mode, INITIAL_CONTACT, total time; the authentication is the caller's. */
static inline void mk_rp_config(const mk_rp_files *f, mk_config *c)
{
    char err[256];
    mk_config_defaults(c);
    c->suites = mk_suites_default();
    cr_assert(mk_rp_parse_suites(&f->keys->b[0], c, err, sizeof err), "%s.keys: %s", f->keys_name,
              err);
    static const char *const id_ts_addr[] = {"idi", "idr", "tsi", "tsr", "local", "remote"};
    bool ok[6] = {mk_rp_parse_mk_id(mk_rp_kv(f, "idi"), &c->idi),
                  mk_rp_parse_mk_id(mk_rp_kv(f, "idr"), &c->idr),
                  mk_rp_parse_mk_ts(mk_rp_kv(f, "tsi"), &c->tsi),
                  mk_rp_parse_mk_ts(mk_rp_kv(f, "tsr"), &c->tsr),
                  mk_rp_parse_addr(mk_rp_kv(f, "local"), &c->local),
                  mk_rp_parse_addr(mk_rp_kv(f, "remote"), &c->remote)};
    for (size_t i = 0; i < 6; i++)
        cr_assert(ok[i], "%s.keys: bad %s = %s", f->keys_name, id_ts_addr[i],
                  mk_rp_kv(f, id_ts_addr[i]));
    c->natt = mk_rp_num(f, "natt") != 0;
    c->force_4500 = mk_rp_num(f, "force_4500") != 0;
    c->tunnel = mk_rp_num(f, "tunnel") != 0;
    c->initial_contact = mk_rp_num(f, "initial_contact") != 0;
    c->total_ms = (uint32_t)mk_rp_num(f, "total_ms");
}

#endif
