/* SPDX-License-Identifier: MIT */
/*
 * err: the class of each mk_err, checked against the one MK_ERRORS list in minike.h (names and
 * messages: names.c, for tools and traces), plus the secret helpers every module uses
 * (constant-time compare, wipe). It must never hold state, and no module may compare secrets
 * with memcmp or clear them with memset instead of these.
 */
#include <sodium.h>

#include "minike.h"

/* The list in minike.h is grouped by class: OK, the DROPs, the FATALs, the USAGEs. So the class
 * of an error is the range it falls in, and the core carries no table. Every row of the list is
 * checked against its range when this file is compiled: an error added outside its class's group
 * does not build. An out-of-range value is USAGE, never DROP: a corrupted or future error code
 * must not be taken for "datagram discarded, SA untouched" and silently ignored by the caller. */
#define CLASS_OF(e)                                                                                \
    ((e) == MK_E_OK                  ? MK_CLASS_NONE                                               \
     : (e) < MK_E_NO_PROPOSAL_CHOSEN ? MK_CLASS_DROP                                               \
     : (e) < MK_E_BAD_CONFIG         ? MK_CLASS_FATAL                                              \
                                     : MK_CLASS_USAGE)
#define MK_X_CHECK(name, cls, str)                                                                 \
    _Static_assert(CLASS_OF(MK_E_##name) == MK_CLASS_##cls, #name ": out of its class group");
MK_ERRORS(MK_X_CHECK)
#undef MK_X_CHECK

mk_err_class_t mk_err_class(mk_err e)
{
    return CLASS_OF((unsigned)e);
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
