/* SPDX-License-Identifier: MIT */
/*
 * ext_retry: the IKE_SA_INIT retries, an extension of the spine (handshake.c). An IKE_SA_INIT
 * response may be no answer but a request to ask again: with N(COOKIE) (RFC 7296 §2.6, a
 * responder under load) or N(INVALID_KE_PAYLOAD) naming the group it wants (RFC 7296 §1.2).
 * Both are unprotected, so they are bounded (MK_MAX_RETRY_INIT round trips, then dropped and
 * reported as TOO_MANY_RETRIES when the budget ends) and an answer we could not follow (a group
 * we lack) is remembered and dropped, never acted on (RFC 7296 §2.21.1). The retry with another
 * group is ext_retry_group.c; a build with one DH group (MK_SUITES_ALL off) has none to offer and
 * links ext_retry_group_one.c instead.
 */
#include <string.h>

#include "ext_retry.h"

/* RFC 7296 §2.6: the COOKIE notify MUST be the first payload of the retried request */
static void cookie_first(const mk_ike *ike, mk_wr *w, size_t *slot)
{
    if (ike->cookie_len == 0)
        return;
    mk_pl_notify(w, slot, MK_N_COOKIE, ike->cookie, ike->cookie_len);
}

/* Bounded: once the bound is reached further ones are dropped (a forger could otherwise keep us
 * busy with them) and TOO_MANY_RETRIES is what the timeout reports. */
mk_err mk_ini_retry_allowed(mk_ike *ike, mk_err drop)
{
    if (ike->init_retries >= MK_MAX_RETRY_INIT)
        return mk_ini_remember(ike, MK_E_TOO_MANY_RETRIES, drop);
    return MK_E_OK;
}

static mk_err on_cookie(mk_ike *ike, const mk_notify *n, uint64_t now)
{
    mk_err e;
    /* RFC 7296 §2.6: cookie data is 1 to 64 octets */
    if (n->data_len < 1 || n->data_len > MK_MAX_COOKIE)
        return MK_E_BAD_SYNTAX;
    if ((e = mk_ini_retry_allowed(ike, MK_E_UNAUTH_FAILURE)) != MK_E_OK)
        return e;
    mk_ini_trace(ike, MK_EV_RX, "IKE_SA_INIT response MID 0: N(COOKIE)");
    /* Opaque, echoed as is; kept in the SA because any later rebuild of the request (an
     * INVALID_KE retry) carries it too. */
    memcpy(ike->cookie, n->data, n->data_len);
    ike->cookie_len = (uint8_t)n->data_len;
    ike->init_retries++;
    mk_ini_trace(ike, MK_EV_INFO, "COOKIE: retrying IKE_SA_INIT");
    /* RFC 7296 §2.6: same request, all other payloads unchanged, cookie first */
    return mk_ini_after_commit(mk_ini_build_init(ike, now));
}

static mk_err on_invalid_ke(mk_ike *ike, const mk_notify *n, uint64_t now)
{
    /* RFC 7296 §3.10.1: the data is the 2-octet accepted DH group */
    mk_rd r = mk_rd_init(n->data, n->data_len);
    uint16_t group = mk_rd_u16(&r);
    if (!mk_rd_end(&r))
        return MK_E_BAD_SYNTAX;
    if (group == ike->dh)
        return MK_E_UNEXPECTED_MSG; /* nonsense: that is what we sent; a spoofer's packet */
    return mk_ini_retry_group(ike, group, now);
}

/* COOKIE is looked at first (such a reply has SPIr = 0 and nothing else), INVALID_KE next:
 * RFC 7296 §2.6, a response with N(COOKIE) asks us to retry with the cookie; RFC 7296 §1.2,
 * INVALID_KE_PAYLOAD names the group the responder wants. */
static mk_err retry(mk_ike *ike, const mk_msg *m, uint64_t now, bool *taken)
{
    const mk_pl *ck = mk_chain_find_notify(&m->chain, MK_N_COOKIE);
    const mk_pl *pl = ck != NULL ? ck : mk_chain_find_notify(&m->chain, MK_N_INVALID_KE_PAYLOAD);
    mk_notify n;
    if (pl == NULL)
        return MK_E_OK;
    *taken = true;
    mk_err e = mk_pl_decode_notify(&n, pl->body, pl->len);
    if (e != MK_E_OK)
        return e;
    return ck != NULL ? on_cookie(ike, &n, now) : on_invalid_ke(ike, &n, now);
}

const mk_ini_ext mk_ini_ext_retry = {
    .name = "COOKIE and INVALID_KE retries",
    .init_first = cookie_first,
    .init_retry = retry,
};
