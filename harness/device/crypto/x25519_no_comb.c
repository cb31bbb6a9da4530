/* SPDX-License-Identifier: MIT */
/*
 * x25519_no_comb: the target of `-Wl,--wrap=ge25519_scalarmult_base` (Makefile). libsodium
 * 1.0.18's X25519 implementation table names both the Montgomery ladder and the base-point
 * function, and the latter is an Ed25519 fixed-base comb over a 30 KB precomputed table, so
 * linking crypto_scalarmult() links the table. The minimal core never asks for the base-point
 * path (its public key is X25519(a, 9), ref/src/suite_sodium.c), so this stands in for the comb
 * and halts the board if anything ever reaches it: a wrong build, never a wrong key.
 */
#include "../board/board.h"

struct ge25519_p3;
void __wrap_ge25519_scalarmult_base(struct ge25519_p3 *h, const unsigned char *a);

void __wrap_ge25519_scalarmult_base(struct ge25519_p3 *h, const unsigned char *a)
{
    (void)h;
    (void)a;
    semi_puts("fatal: crypto_scalarmult_base() reached in a firmware linked without the comb\n");
    semi_exit(70);
}
