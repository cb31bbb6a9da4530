/* SPDX-License-Identifier: MIT */
/*
 * x25519_ladder_base: the target of `-Wl,--wrap=crypto_scalarmult_base` in the template-core
 * firmware (Makefile, CORE=tiny). The template core computes its X25519 public key with
 * crypto_scalarmult_base(), which in libsodium 1.0.18 is an Ed25519 fixed-base comb over a
 * 30 KB table. RFC 7748 §6.1 defines the public key as X25519(a, 9), which the Montgomery
 * ladder the core needs anyway for the shared secret computes too: the same 32 octets, none of
 * the table (the general core's MK_X25519_LADDER=1 makes the same choice in its own source).
 */
#include <sodium/crypto_scalarmult.h>

int __wrap_crypto_scalarmult_base(unsigned char *q, const unsigned char *n);

int __wrap_crypto_scalarmult_base(unsigned char *q, const unsigned char *n)
{
    static const unsigned char nine[crypto_scalarmult_BYTES] = {9};
    return crypto_scalarmult(q, n, nine);
}
