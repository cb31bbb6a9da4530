/* SPDX-License-Identifier: MIT */
/*
 * footprint_host_floor.h: the two requests of one PSK handshake at their RFC 7296 minimum,
 * computed from the payload formats (RFC 7296 §3) for a general-core config (mk_config): the
 * same proposals, KE, NAT-D and selectors, the shortest nonce RFC 7296 §2.10 allows, no
 * optional payload, minimal padding. Shared by bench/footprint_host.c (the general core) and
 * bench/footprint_host_tiny.c (the template core, whose config it mirrors in an mk_config).
 */
#ifndef MK_FOOTPRINT_HOST_FLOOR_H
#define MK_FOOTPRINT_HOST_FLOOR_H

#include "minike.h"
#include "suite.h"

/* ---- the floor, from the payload formats of RFC 7296 §3 ---------------------------------- */

enum { GEN = 4, HDR = 28, PROP = 8, XFORM = 8, ATTR = 4, NOTIFY = 8, NATD = 20 };

static size_t floor_transform(const mk_encr_class *e, uint16_t bits, bool encr)
{
    (void)bits;
    return XFORM + (encr && e->needs_key_attr ? ATTR : 0); /* §3.3.2, §3.3.5 */
}

static size_t floor_init(const mk_config *cfg)
{
    size_t sa = GEN, prf_max = 0;
    for (size_t i = 0; i < cfg->n_ike; i++) {
        const mk_ike_suite *s = &cfg->ike[i];
        const mk_encr_class *e = mk_suite_encr(cfg->suites, s->encr, s->encr_bits);
        const mk_prf_class *p = mk_suite_prf(cfg->suites, s->prf);
        sa += PROP + floor_transform(e, s->encr_bits, true) + XFORM /* PRF */ +
              (s->integ ? XFORM : 0) + XFORM /* DH */; /* §3.3.1: IKE proposals have no SPI */
        if (p->out_len > prf_max)
            prf_max = p->out_len;
    }
    const mk_dh_class *dh = mk_suite_dh(cfg->suites, cfg->ike[0].dh);
    size_t ke = GEN + 4 + dh->pub_len;                         /* §3.4 */
    size_t nonce = GEN + (prf_max / 2 > 16 ? prf_max / 2 : 16); /* §3.9, §2.10 */
    size_t natd = cfg->natt ? 2 * (GEN + 4 + NATD) : 0;        /* §3.10, §2.23 */
    return HDR + sa + ke + nonce + natd;
}

static size_t floor_ts(const mk_ts *ts)
{
    size_t addr = ts->type == MK_TS_IPV4_RANGE ? 4 : 16;
    return GEN + 4 + 8 + 2 * addr; /* §3.13, §3.13.1: one selector */
}

static size_t floor_auth(const mk_config *cfg, const mk_ike_suite *sel, bool on_4500)
{
    const mk_encr_class *e = mk_suite_encr(cfg->suites, sel->encr, sel->encr_bits);
    const mk_prf_class *p = mk_suite_prf(cfg->suites, sel->prf);
    const mk_integ_class *a = sel->integ ? mk_suite_integ(cfg->suites, sel->integ) : NULL;
    size_t inner = GEN + 4 + cfg->idi.len;     /* IDi, §3.5 */
    if (cfg->idr.len > 0)
        inner += GEN + 4 + cfg->idr.len;       /* IDr, when configured */
    inner += GEN + 4 + p->out_len;             /* AUTH, §3.8 (PSK) */
    if (!cfg->tunnel)
        inner += NOTIFY;                       /* USE_TRANSPORT_MODE, §1.3.1 */
    size_t sa = GEN;
    for (size_t i = 0; i < cfg->n_esp; i++) {
        const mk_esp_suite *s = &cfg->esp[i];
        const mk_encr_class *ee = mk_suite_encr(cfg->suites, s->encr, s->encr_bits);
        sa += PROP + 4 /* SPI */ + floor_transform(ee, s->encr_bits, true) +
              (s->integ ? XFORM : 0) + XFORM /* ESN, mandatory for ESP, §3.3.3 */;
    }
    inner += sa + floor_ts(&cfg->tsi) + floor_ts(&cfg->tsr);
    /* §3.14: IV | encrypted(inner | padding | pad length) | ICV; padding only to the block */
    size_t block = e->block > 1 ? e->block : 1;
    size_t body = (inner + 1 + block - 1) / block * block;
    size_t icv = e->aead ? e->icv_len : a->icv_len;
    return (on_4500 ? MK_NATT_MARKER : 0) + HDR + GEN + e->iv_len + body + icv;
}

#endif
