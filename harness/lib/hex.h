/* SPDX-License-Identifier: MIT */
/*
 * hex: hex text to octets, pure (no heap, no stdio), so the device firmware compiles it too
 * (harness/device/Makefile, its provisioning's PSK) besides the vector parser and the tests.
 */
#ifndef MK_HEX_H
#define MK_HEX_H

#include <stddef.h>
#include <stdint.h>

/* Decode hex (spaces and tabs ignored) into out; returns the length or (size_t)-1 if the text
 * is not hex or does not fit cap. */
size_t mk_hex_decode(const char *s, uint8_t *out, size_t cap);

#endif
