/* SPDX-License-Identifier: MIT */
/*
 * suite_all: the classes that only the full registry (MK_SUITES_ALL) names, and the
 * encrypt-then-MAC plug-in of its CBC classes. Included by the files that define or register
 * them (suite_sodium_extra.c, suite_mbedtls.c, etm.c, suite.c's full section) and by tests and
 * fuzzers, never by the minimal core: its one suite is declared in suite.h.
 */
#ifndef MK_SUITE_ALL_H
#define MK_SUITE_ALL_H

#include "suite.h"

extern const mk_prf_class mk_prf_hmac_sha2_512;
extern const mk_integ_class mk_integ_hmac_sha2_256_128, mk_integ_hmac_sha2_512_256;
extern const mk_encr_class mk_encr_aes_gcm16_256_sodium;
extern const mk_encr_class mk_encr_aes_gcm16_128, mk_encr_aes_gcm16_256, mk_encr_aes_gcm12_128,
    mk_encr_aes_gcm8_128, mk_encr_aes_ccm8_128, mk_encr_aes_ccm12_128, mk_encr_aes_ccm16_128,
    mk_encr_aes_ccm8_256, mk_encr_aes_ccm16_256, mk_encr_aes_cbc_128, mk_encr_aes_cbc_256;
/* the remaining RFC 5282 tag/key-size combinations (aes256gcm8 capture, symmetry) */
extern const mk_encr_class mk_encr_aes_gcm12_256, mk_encr_aes_gcm8_256, mk_encr_aes_ccm12_256;
extern const mk_dh_class mk_dh_ecp256, mk_dh_modp2048;
/* encrypt-then-MAC with an INTEG class: the .etm of the CBC classes (etm.c) */
extern const mk_etm mk_etm_hmac;

#endif
