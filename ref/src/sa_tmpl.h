/* SPDX-License-Identifier: MIT */
/*
 * sa_tmpl: the minimal profile's one suite as SA payload octets (RFC 7296 §3.3), and the check of
 * a responder's SA against them. sa_one.c builds the SA payloads' extension point (sa.h) on it.
 * Separate from sa_one.c, and with names of its own, so that tests and the fuzzer can run the
 * template checker in every profile next to the generic code of sa_list.c.
 */
#ifndef MK_SA_TMPL_H
#define MK_SA_TMPL_H

#include "wire.h"

enum { MK_SA_TMPL_IKE_LEN = 32, MK_SA_TMPL_ESP_LEN = 28 };
extern const uint8_t mk_sa_tmpl_ike[MK_SA_TMPL_IKE_LEN], mk_sa_tmpl_esp[MK_SA_TMPL_ESP_LEN];
/* The template's bytes, its SPI field (4 octets for ESP, none for IKE) set to spi. */
void mk_sa_tmpl_write(mk_wr *w, const uint8_t *tmpl, uint32_t spi);
/* The responder's SA body against the template: OK, a DROP-class error (the generic decoder's,
 * for the same octets), or BAD_PROPOSAL. spi: the accepted proposal's SPI (SPI Size 4), or NULL. */
mk_err mk_sa_tmpl_check(const uint8_t *tmpl, const uint8_t *body, size_t len, uint32_t *spi);

#endif
