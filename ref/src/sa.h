/* SPDX-License-Identifier: MIT */
/*
 * sa: the extension point "the SA payloads" (RFC 7296 §3.3). The spine writes SAi1 and SAi2 and
 * takes SAr1 and SAr2 only through the functions below; which file provides them is chosen at
 * link time by ref/src/sources.txt:
 *   sa_list.c (MK_SUITES_ALL)  every configured suite, one proposal each, through the generic
 *                              codec (msg_sa.c) and the crypto class registry;
 *   sa_one.c  (!MK_SUITES_ALL) the minimal profile's one suite, written from the byte template of
 *                              sa_tmpl.c and checked against that same template.
 * Both write the same octets for the same config and refuse the same answers with the same
 * errors (harness/unit/test_sa.c runs in both profiles; fuzz/fuzz_sa_tmpl.c compares them).
 * Takers are pure: a DROP-class error for a malformed payload, BAD_PROPOSAL for a well-formed
 * answer that is not one we offered, and nothing written to *sel on error.
 */
#ifndef MK_SA_H
#define MK_SA_H

#include "wire.h"

/* mk_init: BAD_CONFIG for suites this implementation cannot offer (sa_one.c: anything but
 * exactly one IKE and one ESP suite equal to the template's). */
mk_err mk_sa_check_config(const mk_config *cfg);
/* SAi1 body: our IKE proposals (Proposal Num i + 1 for cfg->ike[i], SPI Size 0). */
void mk_sa_write_ike(mk_wr *w, const mk_config *cfg);
/* SAi2 body: our ESP proposals, each carrying spi_in, our inbound SPI (RFC 7296 §3.3.1). */
void mk_sa_write_esp(mk_wr *w, const mk_config *cfg, uint32_t spi_in);
/* SAr1 body against what mk_sa_write_ike offered: the chosen suite in *sel. */
mk_err mk_sa_take_ike(const mk_config *cfg, const uint8_t *body, size_t len, mk_ike_suite *sel);
/* SAr2 body against what mk_sa_write_esp offered: the suite and the peer's inbound SPI. */
mk_err mk_sa_take_esp(const mk_config *cfg, const uint8_t *body, size_t len, mk_esp_suite *sel,
                      uint32_t *spi_out);

/* ---- sa_tmpl.c: the minimal profile's one suite as SA payload bytes ----------------------
 * Separate from sa_one.c (and with names of its own) so that tests and the fuzzer can run the
 * template checker in every profile next to the generic code. */
enum { MK_SA_TMPL_IKE_LEN = 32, MK_SA_TMPL_ESP_LEN = 28 };
extern const uint8_t mk_sa_tmpl_ike[MK_SA_TMPL_IKE_LEN], mk_sa_tmpl_esp[MK_SA_TMPL_ESP_LEN];
/* The template's bytes, its SPI field (4 octets for ESP, none for IKE) set to spi. */
void mk_sa_tmpl_write(mk_wr *w, const uint8_t *tmpl, uint32_t spi);
/* The responder's SA body against the template: OK, a DROP-class error (the generic decoder's,
 * for the same octets), or BAD_PROPOSAL. spi: the accepted proposal's SPI (4 octets), or NULL. */
mk_err mk_sa_tmpl_check(const uint8_t *tmpl, const uint8_t *body, size_t len, uint8_t *spi);
/* The Transform ID of `type` in the template, MK_INTEG_NONE (0) if it has none of that type. */
uint16_t mk_sa_tmpl_id(const uint8_t *tmpl, uint8_t type);

#endif
