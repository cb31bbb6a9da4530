/* SPDX-License-Identifier: MIT */
/* tiny_map: the template core's errors and states against the general core's (tiny_map.h). */
#include "tiny_map.h"

#include <string.h>

#include "minike_tools.h"

const mk_tiny_err_row mk_tiny_err_map[] = {
    {MK_E_OK, MT_E_OK},
    {MK_E_TRUNCATED, MT_E_MALFORMED},
    {MK_E_BAD_LENGTH, MT_E_MALFORMED},
    {MK_E_BAD_VERSION, MT_E_MALFORMED},
    {MK_E_BAD_SYNTAX, MT_E_MALFORMED},
    {MK_E_TOO_MANY, MT_E_MALFORMED},
    {MK_E_SK_NOT_LAST, MT_E_MALFORMED},
    {MK_E_BAD_DH_PUBLIC, MT_E_MALFORMED}, /* X25519: a KE that is not 32 octets (RFC 8031 §2) */
    {MK_E_UNSUPPORTED_CRITICAL, MT_E_CRITICAL},
    {MK_E_ICV_MISMATCH, MT_E_ICV},
    {MK_E_UNEXPECTED_MSG, MT_E_UNEXPECTED},
    {MK_E_WRONG_SPI, MT_E_UNEXPECTED},
    {MK_E_WRONG_MSGID, MT_E_UNEXPECTED},
    {MK_E_OLD_REQUEST, MT_E_OLD_REQUEST},
    {MK_E_UNAUTH_NOTIFY, MT_E_UNAUTH},
    {MK_E_UNAUTH_FAILURE, MT_E_UNAUTH},
    {MK_E_REPLAY, MT_E_REPLAY},
    {MK_E_NO_PROPOSAL_CHOSEN, MT_E_NO_PROPOSAL_CHOSEN},
    {MK_E_BAD_PROPOSAL, MT_E_BAD_PROPOSAL},
    {MK_E_INVALID_KE, MT_E_INVALID_KE},
    {MK_E_AUTH_FAILED, MT_E_AUTH_FAILED},
    {MK_E_PEER_AUTH_FAILED, MT_E_PEER_AUTH_FAILED},
#if MK_RPK
    {MK_E_NO_PEER_KEY, MK_TINY_NO_MT},
    {MK_E_IMPRINT_REFUSED, MK_TINY_NO_MT},
    {MK_E_SIG_HASH_UNSUPPORTED, MK_TINY_NO_MT},
    {MK_E_BAD_KEY, MK_TINY_NO_MT},
    {MK_E_WEAK_KEY, MK_TINY_NO_MT},
#endif
    {MK_E_ID_MISMATCH, MT_E_ID_MISMATCH},
    {MK_E_TS_UNACCEPTABLE, MT_E_TS_UNACCEPTABLE},
    {MK_E_NO_CHILD_SA, MT_E_NO_CHILD_SA},
    {MK_E_PEER_ERROR, MT_E_PEER_ERROR},
    {MK_E_UNSUPPORTED_CRITICAL_RESP, MT_E_MALFORMED_RESP},
    {MK_E_MALFORMED_RESP, MT_E_MALFORMED_RESP},
    {MK_E_PEER_DELETED, MT_E_PEER_DELETED},
    {MK_E_TOO_MANY_RETRIES, MT_E_TOO_MANY_RETRIES},
    {MK_E_TIMEOUT, MT_E_TIMEOUT},
    {MK_E_CRYPTO, MT_E_CRYPTO},
    {MK_E_DH_ZERO, MT_E_DH_ZERO},
    {MK_E_BAD_CONFIG, MT_E_BAD_CONFIG},
    {MK_E_BAD_STATE, MT_E_BAD_STATE},
    {MK_E_BUF_TOO_SMALL, MT_E_BUF_TOO_SMALL},
};
const size_t mk_tiny_err_map_n = sizeof mk_tiny_err_map / sizeof mk_tiny_err_map[0];

static const char *const mt_names[] = {
    "OK",
    "MALFORMED",
    "UNEXPECTED",
    "ICV",
    "OLD_REQUEST",
    "UNAUTH",
    "CRITICAL",
    "REPLAY",
    "NO_PROPOSAL_CHOSEN",
    "BAD_PROPOSAL",
    "INVALID_KE",
    "DH_ZERO",
    "TOO_MANY_RETRIES",
    "AUTH_FAILED",
    "PEER_AUTH_FAILED",
    "ID_MISMATCH",
    "TS_UNACCEPTABLE",
    "NO_CHILD_SA",
    "PEER_ERROR",
    "MALFORMED_RESP",
    "PEER_DELETED",
    "TIMEOUT",
    "CRYPTO",
    "BAD_CONFIG",
    "BAD_STATE",
    "BUF_TOO_SMALL",
};
_Static_assert(sizeof mt_names / sizeof mt_names[0] == MT_E_BUF_TOO_SMALL + 1, "mt_names");

mt_err mk_tiny_map_err(mk_err e)
{
    for (size_t i = 0; i < mk_tiny_err_map_n; i++)
        if (mk_tiny_err_map[i].mk == e)
            return mk_tiny_err_map[i].mt;
    return MK_TINY_NO_MT;
}

bool mk_tiny_map_err_name(const char *mk_name, mt_err *out)
{
    for (int e = 0; e < (int)MK_E__COUNT; e++)
        if (strcmp(mk_err_name((mk_err)e), mk_name) == 0)
            return (*out = mk_tiny_map_err((mk_err)e)) != MK_TINY_NO_MT;
    return false;
}

const char *mk_tiny_err_name(mt_err e)
{
    return (unsigned)e <= MT_E_BUF_TOO_SMALL ? mt_names[e] : "?";
}

int mk_tiny_map_state(mk_state s)
{
    switch (s) {
    case MK_ST_IDLE:
        return MT_ST_IDLE;
    case MK_ST_INIT_SENT:
        return MT_ST_INIT_SENT;
    case MK_ST_AUTH_SENT:
        return MT_ST_AUTH_SENT;
    case MK_ST_ESTABLISHED:
        return MT_ST_ESTABLISHED;
    case MK_ST_CLOSED:
        return MT_ST_CLOSED;
    case MK_ST_FAILED:
        return MT_ST_FAILED;
    default:
        return -1;
    }
}

const char *mk_tiny_state_name(mt_state s)
{
    static const char *const n[] = {"IDLE",        "INIT_SENT", "AUTH_SENT",
                                    "ESTABLISHED", "CLOSED",    "FAILED"};
    return (unsigned)s < sizeof n / sizeof n[0] ? n[s] : "?";
}

void mk_tiny_ts_from(mt_ts *t, const mk_ts *g)
{
    t->type = g->type;
    t->proto = g->proto;
    t->start_port = g->start_port;
    t->end_port = g->end_port;
    memcpy(t->start, g->start, sizeof t->start);
    memcpy(t->end, g->end, sizeof t->end);
}

bool mk_tiny_config_from(mt_config *t, const mk_config *g)
{
    mt_config_defaults(t);
    if (g->idi.len > MT_MAX_ID || g->idr.len > MT_MAX_ID)
        return false;
    t->psk = g->psk;
    t->psk_len = g->psk_len;
    t->idi_type = g->idi.type;
    t->idi_len = g->idi.len;
    memcpy(t->idi, g->idi.data, g->idi.len);
    t->idr_type = g->idr.type;
    t->idr_len = g->idr.len;
    memcpy(t->idr, g->idr.data, g->idr.len);
    mk_tiny_ts_from(&t->tsi, &g->tsi);
    mk_tiny_ts_from(&t->tsr, &g->tsr);
    t->tunnel = g->tunnel;
    t->initial_contact = g->initial_contact;
    t->rto_ms = g->rto_ms;
    t->rto_max_ms = g->rto_max_ms;
    t->total_ms = g->total_ms;
    return true;
}

/* ---- the template core's calls for the replay checks ------------------------------------------
 */

static size_t tiny_tx(void *ike, const uint8_t **p)
{
    return mt_tx(ike, p);
}

static uint64_t tiny_deadline(void *ike)
{
    return mt_deadline(ike);
}

static void tiny_on_timer(void *ike, uint64_t now)
{
    (void)mt_on_timer(ike, now); /* the result shows in the state and the counters */
}

static uint32_t tiny_retransmits(void *ike)
{
    return ((mt_ike *)ike)->stats.retransmits;
}

static const char *tiny_state(void *ike)
{
    return mk_tiny_state_name(mt_state_get(ike));
}

mk_rp_core mk_rp_tiny(mt_ike *ike)
{
    return (mk_rp_core){ike, tiny_tx, tiny_deadline, tiny_on_timer, tiny_retransmits, tiny_state};
}
