/* SPDX-License-Identifier: MIT */
/*
 * keysfile: Wireshark/tshark decryption tables for what minike negotiated, written into one
 * directory usable as WIRESHARK_CONFIG_DIR: `ikev2_decryption_table` (IKE SA keys, UAT with 8
 * fields: SPIi, SPIr, SK_ei, SK_er, "encryption", SK_ai, SK_ar, "integrity"; SPIs and keys
 * unquoted hex), `esp_sa` (child SAs: "IPv4","src","dst","0xSPI","encryption","0xkey",
 * "authentication","0xkey", all quoted) and `preferences` (esp.enable_encryption_decode: TRUE).
 * Algorithms Wireshark 4.0 cannot decrypt (ChaCha20-Poly1305; AES-CCM for ESP) are written as
 * `#` comment lines saying so. Files appear atomically (temporary name, then rename) when the
 * writer is closed. These files hold secrets by design: only written when the user asks.
 */
#ifndef MK_KEYSFILE_H
#define MK_KEYSFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "minike_tools.h"

typedef struct mk_keysw mk_keysw;

/* Prepare writing into `dir` (created if missing, one level). NULL on failure (errno kept). */
mk_keysw *mk_keysw_open(const char *dir);
/* Add the IKE SA row (duplicates by SPI pair are ignored). false if Wireshark cannot decrypt
 * it (a comment line is written instead). */
bool mk_keysw_ike(mk_keysw *k, const mk_ike_keys *keys);
/* Add both directions of a child SA as seen by `local` (sa->spi_out/ek_out go local->remote,
 * spi_in/ek_in remote->local). false if not decryptable by Wireshark (comment written). */
bool mk_keysw_child(mk_keysw *k, const mk_esp_sa *sa, const mk_addr *local, const mk_addr *remote);
/* Write the files and free (wiping the rows). false on I/O failure, or (errno EISDIR /
 * EINVAL) when a file's name in the directory is taken by anything but a regular file or a
 * symbolic link to one: that file is then not written. NULL accepted. */
bool mk_keysw_close(mk_keysw *k);

/* The Wireshark names, NULL when unsupported. */
const char *mk_keysw_ike_encr_name(uint16_t encr, uint16_t bits);
const char *mk_keysw_ike_integ_name(uint16_t integ);
const char *mk_keysw_esp_encr_name(uint16_t encr);
const char *mk_keysw_esp_auth_name(uint16_t integ);

#endif
