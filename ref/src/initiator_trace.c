/* SPDX-License-Identifier: MIT */
/*
 * initiator_trace: the text of env->trace for the initiator (MK_TRACE): state changes, drops,
 * retransmissions and the payload list of every message sent or accepted. Without MK_TRACE the
 * mk_ini_trace* calls are macros that evaluate nothing (initiator_int.h) and this file is empty,
 * so a device core references no name table. Only non-secret text (names, numbers) is written:
 * never payload contents (IDs, AUTH, keys).
 */
#include "initiator_int.h"
#include "msg_tools.h"

#if MK_TRACE
/* A small string builder (no snprintf in the core): it never writes past cap - 1 and always
 * leaves a NUL, so trace details are truncated, never overflowed. */
typedef struct sb {
    char *p;
    size_t cap, off;
} sb;

static void sb_str(sb *b, const char *s)
{
    while (*s != '\0' && b->off + 1 < b->cap)
        b->p[b->off++] = *s++;
    if (b->cap > 0)
        b->p[b->off] = '\0';
}

/* UINT32_MAX has 10 decimal digits: d[] and s[] (10 + NUL) cannot overflow. */
static void sb_u32(sb *b, uint32_t v)
{
    char d[11];
    size_t n = 0;
    do {
        d[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    char s[11];
    for (size_t i = 0; i < n; i++)
        s[i] = d[n - 1 - i];
    s[n] = '\0';
    sb_str(b, s);
}

void mk_ini_trace(const mk_ike *ike, mk_event ev, const char *detail)
{
    if (ike->env != NULL && ike->env->trace != NULL)
        ike->env->trace(ike->env->ctx, ev, detail);
}

/* Traces re-parse the message we just built or accepted: the text then shows what is on the wire,
 * not what we meant to put there. Nothing is parsed when no trace callback is set. */
void mk_ini_trace_msg(const mk_ike *ike, mk_event ev, const uint8_t *msg, size_t len,
                      const mk_chain *inner)
{
    if (ike->env == NULL || ike->env->trace == NULL)
        return;
    mk_msg m;
    char buf[320], list[200];
    sb b = {buf, sizeof buf, 0};
    buf[0] = '\0';
    if (mk_msg_parse(&m, msg, len) != MK_E_OK)
        return;
    sb_str(&b, mk_exchange_name(m.hdr.exchange));
    sb_str(&b, (m.hdr.flags & MK_HDR_F_RESPONSE) ? " response" : " request");
    sb_str(&b, " MID ");
    sb_u32(&b, m.hdr.msgid);
    sb_str(&b, ":");
    if (m.chain.n > 0) {
        mk_chain_describe(&m.chain, list, sizeof list);
        sb_str(&b, " ");
        sb_str(&b, list);
    }
    if (m.has_sk) {
        sb_str(&b, " SK{");
        if (inner != NULL) {
            mk_chain_describe(inner, list, sizeof list);
            sb_str(&b, list);
        }
        sb_str(&b, "}");
    }
    ike->env->trace(ike->env->ctx, ev, buf);
}

void mk_ini_trace_tx(const mk_ike *ike, const uint8_t *msg, size_t len, const uint8_t *inner_buf,
                     size_t inner_off)
{
    if (ike->env == NULL || ike->env->trace == NULL)
        return;
    mk_chain c;
    const mk_chain *cp = NULL;
    /* The plaintext inner chain is still in its build buffer (octet 0 = first payload type, see
     * mk_ini_inner_init), so the trace can list SK{...} without decrypting; only payload and
     * notify type names are printed, never the contents (IDs, AUTH, keys). */
    if (inner_buf != NULL && inner_off >= 1) {
        mk_rd r = mk_rd_init(inner_buf + 1, inner_off - 1);
        if (mk_chain_parse(&c, inner_off > 1 ? inner_buf[0] : (uint8_t)MK_PT_NONE, &r, NULL) ==
            MK_E_OK)
            cp = &c;
    }
    mk_ini_trace_msg(ike, MK_EV_TX, msg, len, cp);
}

void mk_ini_trace_u32(const mk_ike *ike, mk_event ev, uint32_t v)
{
    char num[12];
    sb b = {num, sizeof num, 0};
    sb_u32(&b, v);
    mk_ini_trace(ike, ev, num);
}
#endif
