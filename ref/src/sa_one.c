/* SPDX-License-Identifier: MIT */
/*
 * sa_one: the SA payloads (sa.h) of the minimal profile, which offers exactly one IKE suite
 * (ENCR_CHACHA20_POLY1305, PRF_HMAC_SHA2_256, DH 31 X25519) and one ESP suite (ChaCha20-Poly1305,
 * no ESN). SAi1 and SAi2 are the template octets of sa_tmpl.c, and SAr1 and SAr2 are checked
 * against them: no proposal structures, no loop over configured suites. Chosen at link time
 * instead of sa_list.c (sources.txt, !MK_SUITES_ALL); the octets are the ones sa_list.c writes
 * for the same config, so captures replay unchanged in either profile.
 */
#include "sa.h"
#include "sa_tmpl.h"

/* sources.txt leaves this file out of the core when MK_SUITES_ALL is on; the guard keeps a build
 * that compiles every ref/src file into one archive (fuzz/oss-fuzz/build.sh) from holding two
 * definitions of the sa.h functions. */
#if !MK_SUITES_ALL

mk_err mk_sa_check_config(const mk_config *cfg)
{
    const mk_ike_suite *i = &cfg->ike[0];
    const mk_esp_suite *e = &cfg->esp[0];
    /* A config this core cannot offer is refused at mk_init, never sent as something else: one
     * suite each, the template's (sa_tmpl.c). Key bits 0 or 256: 0 means the cipher's own size,
     * and ChaCha20-Poly1305 has only 256 (RFC 7634 §3), as in the full profile's registry. */
    bool ok = cfg->n_ike == 1 && cfg->n_esp == 1 && i->encr == MK_ENCR_CHACHA20_POLY1305 &&
              (i->encr_bits == 0 || i->encr_bits == 256) && i->prf == MK_PRF_HMAC_SHA2_256 &&
              i->integ == MK_INTEG_NONE && i->dh == MK_DH_X25519 &&
              e->encr == MK_ENCR_CHACHA20_POLY1305 && (e->encr_bits == 0 || e->encr_bits == 256) &&
              e->integ == MK_INTEG_NONE;
    return ok ? MK_E_OK : MK_E_BAD_CONFIG;
}

void mk_sa_write_ike(mk_wr *w, const mk_config *cfg)
{
    (void)cfg; /* checked by mk_sa_check_config: the template's suite */
    mk_sa_tmpl_write(w, mk_sa_tmpl_ike, 0);
}

void mk_sa_write_esp(mk_wr *w, const mk_config *cfg, uint32_t spi_in)
{
    (void)cfg;
    mk_sa_tmpl_write(w, mk_sa_tmpl_esp, spi_in);
}

mk_err mk_sa_take_ike(const mk_config *cfg, const uint8_t *body, size_t len, mk_ike_suite *sel)
{
    mk_err e = mk_sa_tmpl_check(mk_sa_tmpl_ike, body, len, NULL);
    if (e == MK_E_OK)
        *sel = cfg->ike[0];
    return e;
}

mk_err mk_sa_take_esp(const mk_config *cfg, const uint8_t *body, size_t len, mk_esp_suite *sel,
                      uint32_t *spi_out)
{
    uint32_t spi = 0;
    mk_err e = mk_sa_tmpl_check(mk_sa_tmpl_esp, body, len, &spi);
    if (e == MK_E_OK && spi < 256)
        e = MK_E_BAD_PROPOSAL; /* RFC 4303 §2.1: 0..255 are not valid SPIs */
    if (e == MK_E_OK) {
        *sel = cfg->esp[0];
        *spi_out = spi;
    }
    return e;
}

#endif
