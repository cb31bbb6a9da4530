/* SPDX-License-Identifier: MIT */
/*
 * err: the class of each mk_err, generated from the one MK_ERRORS list in minike.h (names and
 * messages: names.c, for tools and traces), plus the secret helpers every module uses
 * (constant-time compare, wipe). It must never hold state, and no module may compare secrets
 * with memcmp or clear them with memset instead of these.
 */
#include <sodium.h>

#include "minike.h"

/* Built from the same X-macro list as the enum, so row e is the row of error e by construction:
 * adding an error in minike.h cannot shift the table out of step. The core needs only the
 * classes; the text is for the caller's messages and traces (names.c), so a device core without
 * MK_TRACE does not even compile it. */
static const uint8_t err_cls[] = {
#define MK_X_CLS(name, cls, str) MK_CLASS_##cls,
    MK_ERRORS(MK_X_CLS)
#undef MK_X_CLS
};

/* An out-of-range value is USAGE, never DROP: a corrupted or future error code must not be taken
 * for "datagram discarded, SA untouched" and silently ignored by the caller. */
mk_err_class_t mk_err_class(mk_err e)
{
    return (unsigned)e < MK_E__COUNT ? (mk_err_class_t)err_cls[e] : MK_CLASS_USAGE;
}

/* sodium_memcmp takes time that depends on n only, not on where the first difference is, so an
 * ICV, AUTH or SPI check does not leak how many leading octets an attacker got right. It answers
 * equal / not equal only (0 or -1), never an ordering. */
bool mk_ct_eq(const uint8_t *a, const uint8_t *b, size_t n)
{
    return sodium_memcmp(a, b, n) == 0;
}

/* sodium_memzero cannot be removed by the optimiser (explicit_bzero / memset_s / volatile writes
 * underneath), unlike a memset of a buffer that is never read again. */
void mk_wipe(void *p, size_t n)
{
    sodium_memzero(p, n);
}
