/* SPDX-License-Identifier: MIT */
/*
 * ext_retry: what the IKE_SA_INIT retries (ext_retry.c) share with the INVALID_KE group switch,
 * of which sources.txt links one: ext_retry_group.c (every suite) or ext_retry_group_one.c (one
 * DH group: nothing to switch to).
 */
#ifndef MK_EXT_RETRY_H
#define MK_EXT_RETRY_H

#include "initiator_int.h"

/* OK while the retry budget lasts; else `drop`, with TOO_MANY_RETRIES remembered */
mk_err mk_ini_retry_allowed(mk_ike *ike, mk_err drop);
/* N(INVALID_KE_PAYLOAD) asked for `group`, well-formed and not the one we sent */
mk_err mk_ini_retry_group(mk_ike *ike, uint16_t group, uint64_t now);

#endif
