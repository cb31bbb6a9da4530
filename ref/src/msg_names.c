/* SPDX-License-Identifier: MIT */
/*
 * msg_names: human-readable names of payload, notify and exchange types (IANA IKEv2 registries)
 * and a one-line description of a payload chain for env->trace ("SA KE Nonce N(COOKIE)").
 * Tables are static const data. There is no snprintf in the core, so strings are built with a
 * tiny bounded appender that always NUL-terminates and silently truncates. This file must never
 * describe payload *contents* beyond the notify type: traces never carry keys, nonces or IDs.
 */
#include "msg_tools.h"
#include "minike_tools.h"

/* One table shape for all three registries. Exchange and payload types are one octet on the wire
 * and notify types two; uint16_t holds both, so one lookup serves every table. */
typedef struct name16 {
    uint16_t v;
    const char *name;
} name16;

/* IANA "IKEv2 Payload Types". CP, EAP and SKF are never generated or accepted by a minimal
 * initiator; they are named so that a trace of a responder that insists on them (configuration
 * payloads, EAP, RFC 7383 fragments) says so in words instead of "?47", which is usually the first
 * clue an integrator has that the responder's policy needs a feature RFC 7815 leaves out. */
static const name16 pt_names[] = {
    {MK_PT_NONE, "NONE"},   {MK_PT_SA, "SA"},     {MK_PT_KE, "KE"},           {MK_PT_IDI, "IDi"},
    {MK_PT_IDR, "IDr"},     {MK_PT_CERT, "CERT"}, {MK_PT_CERTREQ, "CERTREQ"}, {MK_PT_AUTH, "AUTH"},
    {MK_PT_NONCE, "Nonce"}, {MK_PT_NOTIFY, "N"},  {MK_PT_DELETE, "D"},        {MK_PT_VENDOR, "V"},
    {MK_PT_TSI, "TSi"},     {MK_PT_TSR, "TSr"},   {MK_PT_SK, "SK"},           {MK_PT_CP, "CP"},
    {MK_PT_EAP, "EAP"},     {MK_PT_SKF, "SKF"},
};

/* IKEv2 Notify Message Types (RFC 7296 §3.10.1 and later registrations seen in the wild).
 * Types below 16384 are errors, 16384 and up are status. Entries written as bare numbers have no
 * MK_N_ constant on purpose: nothing in the core acts on them, they are only ever traced. Most
 * are status notifies full responders add unasked (fragmentation, redirect, childless, multiple
 * auth support); naming them keeps a trace readable without implying we support the feature. */
static const name16 notify_names[] = {
    {MK_N_UNSUPPORTED_CRITICAL_PAYLOAD, "UNSUPPORTED_CRITICAL_PAYLOAD"},
    {MK_N_INVALID_IKE_SPI, "INVALID_IKE_SPI"},
    {MK_N_INVALID_MAJOR_VERSION, "INVALID_MAJOR_VERSION"},
    {MK_N_INVALID_SYNTAX, "INVALID_SYNTAX"},
    {MK_N_INVALID_MESSAGE_ID, "INVALID_MESSAGE_ID"},
    {11, "INVALID_SPI"},
    {MK_N_NO_PROPOSAL_CHOSEN, "NO_PROPOSAL_CHOSEN"},
    {MK_N_INVALID_KE_PAYLOAD, "INVALID_KE_PAYLOAD"},
    {MK_N_AUTHENTICATION_FAILED, "AUTHENTICATION_FAILED"},
    {MK_N_SINGLE_PAIR_REQUIRED, "SINGLE_PAIR_REQUIRED"},
    {MK_N_NO_ADDITIONAL_SAS, "NO_ADDITIONAL_SAS"},
    {MK_N_INTERNAL_ADDRESS_FAILURE, "INTERNAL_ADDRESS_FAILURE"},
    {MK_N_FAILED_CP_REQUIRED, "FAILED_CP_REQUIRED"},
    {MK_N_TS_UNACCEPTABLE, "TS_UNACCEPTABLE"},
    {MK_N_INVALID_SELECTORS, "INVALID_SELECTORS"},
    {MK_N_TEMPORARY_FAILURE, "TEMPORARY_FAILURE"},
    {MK_N_CHILD_SA_NOT_FOUND, "CHILD_SA_NOT_FOUND"},
    {MK_N_INITIAL_CONTACT, "INITIAL_CONTACT"},
    {MK_N_SET_WINDOW_SIZE, "SET_WINDOW_SIZE"},
    {16386, "ADDITIONAL_TS_POSSIBLE"},
    {16387, "IPCOMP_SUPPORTED"},
    {MK_N_NAT_DETECTION_SOURCE_IP, "NAT_DETECTION_SOURCE_IP"},
    {MK_N_NAT_DETECTION_DESTINATION_IP, "NAT_DETECTION_DESTINATION_IP"},
    {MK_N_COOKIE, "COOKIE"},
    {MK_N_USE_TRANSPORT_MODE, "USE_TRANSPORT_MODE"},
    {16392, "HTTP_CERT_LOOKUP_SUPPORTED"},
    {16393, "REKEY_SA"},
    {16394, "ESP_TFC_PADDING_NOT_SUPPORTED"},
    {16395, "NON_FIRST_FRAGMENTS_ALSO"},
    {16403, "AUTH_LIFETIME"},
    {16404, "MULTIPLE_AUTH_SUPPORTED"},
    {16406, "REDIRECT_SUPPORTED"},
    {16418, "CHILDLESS_IKEV2_SUPPORTED"},
    {16430, "IKEV2_FRAGMENTATION_SUPPORTED"},
    {MK_N_SIGNATURE_HASH_ALGORITHMS, "SIGNATURE_HASH_ALGORITHMS"},
};

/* CREATE_CHILD_SA and INFORMATIONAL appear only as peer requests (RFC 7815 §2.1: answered with
 * NO_ADDITIONAL_SAS or an empty response) and as our optional B.1 delete. */
static const name16 exchange_names[] = {
    {MK_EX_IKE_SA_INIT, "IKE_SA_INIT"},
    {MK_EX_IKE_AUTH, "IKE_AUTH"},
    {MK_EX_CREATE_CHILD_SA, "CREATE_CHILD_SA"},
    {MK_EX_INFORMATIONAL, "INFORMATIONAL"},
};

/* Linear search: the tables hold at most a few dozen entries and run only on the trace path, so
 * a sorted table with a binary search would add an ordering invariant to maintain for nothing. */
static const char *lookup(const name16 *t, size_t n, uint16_t v)
{
    for (size_t i = 0; i < n; i++)
        if (t[i].v == v)
            return t[i].name;
    return NULL;
}

/* `t` must be the array itself, not a pointer to it, or sizeof gives the wrong count. */
#define LOOKUP(t, v) lookup(t, sizeof t / sizeof t[0], v)

/* The mk_*_name() functions never return NULL, so a trace callback can print the result
 * unchecked; the strings are static and outlive the mk_ike. */
const char *mk_pt_name(uint8_t type)
{
    const char *s = LOOKUP(pt_names, type);
    return s != NULL ? s : "UNKNOWN";
}

const char *mk_notify_name(uint16_t type)
{
    const char *s = LOOKUP(notify_names, type);
    return s != NULL ? s : "UNKNOWN";
}

const char *mk_exchange_name(uint8_t ex)
{
    const char *s = LOOKUP(exchange_names, ex);
    return s != NULL ? s : "UNKNOWN";
}

/* ---- a bounded string appender (no snprintf in the core) ------------------------------------ */

typedef struct sbuf {
    char *p;
    size_t cap, off; /* invariant: off < cap and p[off] == '\0' (when cap > 0) */
} sbuf;

/* Truncation is silent by design: a trace line is diagnostics, and a short line is better than a
 * failed handshake. `off + 1 < cap` keeps the last octet for the terminating NUL. */
static void sb_str(sbuf *b, const char *s)
{
    while (*s != '\0' && b->off + 1 < b->cap)
        b->p[b->off++] = *s++;
    if (b->cap > 0)
        b->p[b->off] = '\0';
}

static void sb_uint(sbuf *b, unsigned v)
{
    /* A 32-bit unsigned has at most 10 decimal digits, + NUL = 11 < 12. The `n > 0` guard keeps
     * a wider unsigned in bounds too (it would lose its high digits, never overrun). */
    char tmp[12];
    size_t n = sizeof tmp;
    tmp[--n] = '\0';
    do {
        tmp[--n] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0 && n > 0);
    sb_str(b, &tmp[n]);
}

/* Runs on chains from messages that parsed, but whose payloads may not have been decoded yet (a
 * trace of a rejected response is the interesting one), so a payload body is never trusted here:
 * the notify type is read only when 4 octets are present, through the bounds-checked reader. */
void mk_chain_describe(const mk_chain *c, char *out, size_t cap)
{
    sbuf b = {out, cap, 0};
    if (cap == 0)
        return;
    out[0] = '\0';
    /* MK_MAX_PAYLOADS again: a corrupt count must not walk past the fixed pl[] array. */
    for (size_t i = 0; i < c->n && i < MK_MAX_PAYLOADS; i++) {
        const mk_pl *p = &c->pl[i];
        if (i > 0)
            sb_str(&b, " ");
        const char *name = LOOKUP(pt_names, p->type);
        if (name != NULL) {
            sb_str(&b, name);
        } else {
            sb_str(&b, "?");
            sb_uint(&b, p->type);
        }
        if (p->type == MK_PT_NOTIFY && p->len >= 4) {
            /* Protocol ID (1) | SPI Size (1) | Notify Message Type (2), RFC 7296 §3.10 */
            mk_rd r = mk_rd_init(p->body, p->len);
            (void)mk_rd_bytes(&r, 2);
            uint16_t nt = mk_rd_u16(&r);
            const char *nn = LOOKUP(notify_names, nt);
            sb_str(&b, "(");
            if (nn != NULL)
                sb_str(&b, nn);
            else
                sb_uint(&b, nt);
            sb_str(&b, ")");
        }
    }
    /* The first unknown payload with the critical bit set: the type that an
     * UNSUPPORTED_CRITICAL_PAYLOAD notify would carry as its one octet of data. */
    if (c->unsupported_critical != 0) {
        if (c->n > 0)
            sb_str(&b, " ");
        sb_str(&b, "CRITICAL(");
        sb_uint(&b, c->unsupported_critical);
        sb_str(&b, ")");
    }
}
