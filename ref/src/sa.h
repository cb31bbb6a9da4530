/* SPDX-License-Identifier: MIT */
/*
 * sa: the extension point "the SA payloads" (RFC 7296 §3.3). The spine writes SAi1 and SAi2 and
 * takes SAr1 and SAr2 only through the functions below; which file provides them is chosen at
 * link time by ref/src/sources.txt:
 *   sa_list.c (MK_SUITES_ALL)  every configured suite, one proposal each, through the generic
 *                              codec (msg_sa.c) and the crypto class registry;
 *   sa_one.c  (!MK_SUITES_ALL) the minimal profile's one suite, written from the byte template of
 *                              sa_tmpl.c (sa_tmpl.h) and checked against that same template.
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

#endif
