/* SPDX-License-Identifier: MIT */
/*
 * msg: the IKEv2 payload codec (RFC 7296 §3). Pass 1 checks the 28-octet header and walks the
 * generic-header chain into views that point into the caller's datagram (nothing is copied);
 * pass 2 has one pure decoder and one encoder per payload body. Every nested structure (SA
 * proposal -> transform -> attribute, TS selectors) is read through an mk_rd sub-window that
 * must be consumed exactly, so a count and a length that disagree are always caught.
 * This module must never act on what it decodes, never copy or keep secrets, never allocate,
 * and never read outside the bytes it was given: malformed input gives a DROP-class error.
 * Names for traces (mk_pt_name, mk_chain_describe, ...) live in msg_names.c, the encoders only
 * tools use (a whole header, a Notify with an SPI, a Delete with SPIs) in msg_tools.c.
 */
#include <string.h>

#include "msg.h"

/* ---- header (RFC 7296 §3.1) ------------------------------------------------------------------ */

/* Declared in msg_tools.h: the core calls it only from mk_msg_parse, tests and fuzzers alone. */
mk_err mk_hdr_decode(mk_hdr *h, mk_rd *r)
{
    /* All seven fields are read before any is checked: mk_rd errors are sticky, so a datagram
     * shorter than 28 octets ends as one TRUNCATED below instead of a check per field. */
    mk_rd_copy(r, h->spi_i, 8);
    mk_rd_copy(r, h->spi_r, 8);
    uint32_t v = mk_rd_u32(r); /* Next Payload | Version | Exchange Type | Flags */
    h->next = (uint8_t)(v >> 24);
    h->version = (uint8_t)(v >> 16);
    h->exchange = (uint8_t)(v >> 8);
    h->flags = (uint8_t)v;
    h->msgid = mk_rd_u32(r);
    h->length = mk_rd_u32(r);
    /* Each check keeps an earlier error (mk_rd_fail): a short datagram stays TRUNCATED. */
    /* RFC 7296 §3.1: "Implementations based on this version of IKE MUST reject or ignore
     * messages containing a version number greater than 2"; a major version below 2 is IKEv1.
     * "They MUST ignore the minor version number of received messages": not checked. */
    if ((h->version >> 4) != 2)
        (void)mk_rd_fail(r, MK_E_BAD_VERSION);
    /* RFC 7296 §3.1: "Length (4 octets, unsigned integer): Length of the total message
     * (header + payloads) in octets." It must describe exactly this datagram: longer is a
     * datagram cut short (TRUNCATED), shorter leaves octets that belong to no message. */
    if (h->length != r->len)
        (void)mk_rd_fail(r, h->length > r->len ? MK_E_TRUNCATED : MK_E_BAD_LENGTH);
    /* Flags: RFC 7296 §3.1 "X bits MUST be cleared when sending and MUST be ignored on
     * receipt", and the Version bit "MUST [be ignored] in incoming messages": nothing to check
     * here; I and R are checked against the exchange by the state machine. */
    return r->err;
}

/* ---- per-payload limits (data, not an interpreter) ------------------------------------------ */

/* Body length bounds of the types we understand (generic header excluded). The minimum is the
 * fixed part of the body plus one octet where the variable part may not be empty, indexed by
 * type - MK_PT_SA:
 *   SA 8 (at least one proposal header), KE 5 (group | RESERVED | data), IDi and IDr 5 (type |
 *   RESERVED(3) | data), CERT 1 (encoding | data), CERTREQ 1 (encoding | CA list, may be empty,
 *   RFC 7670), AUTH 5 (method | RESERVED(3) | data), Nonce 16 (RFC 7296 §3.9), N 4 (proto |
 *   SPI size | type), D 4 (proto | SPI size | #SPIs), V 0, TSi and TSr 4 (#TS | RESERVED(3)),
 *   SK 0 (checked by sk.c against the cipher), CP 4, EAP 4.
 * The maximum is whatever the 16-bit Payload Length allows (65531 octets of body; UINT16_MAX for
 * a decoder called on its own), except Nonce: RFC 7296 §3.9, "between 16 and 256 octets". The
 * decoders check the same bounds again because they are also called on their own (tests,
 * fuzzers) with lengths no walk has checked. */
static const uint8_t pl_min[MK_PT_EAP - MK_PT_SA + 1] = {8, 5, 5, 5, 1, 1, 5, 16,
                                                         4, 4, 0, 4, 4, 0, 4, 4};

static bool pl_fits(uint8_t type, size_t len)
{
    return len >= pl_min[type - MK_PT_SA] &&
           len <= (type == MK_PT_NONCE ? MK_MAX_NONCE : UINT16_MAX);
}

/* A reader over the body of a payload of `type` (one we understand), already failed with
 * BAD_LENGTH if the length does not fit the type (pl_fits): its fixed fields then read as zeros
 * and the decoder returns that first error. */
static mk_rd body_rd(uint8_t type, const uint8_t *body, size_t len)
{
    mk_rd r = mk_rd_init(body, len);
    if (!pl_fits(type, len))
        (void)mk_rd_fail(&r, MK_E_BAD_LENGTH);
    return r;
}

/* A data field that runs to the end of the body (KE, Nonce, ID, AUTH, Notify data): a view of
 * every octet left, so the body is consumed exactly. body_rd bounds the length to 16 bits. */
static const uint8_t *rd_rest(mk_rd *r, uint16_t *n)
{
    *n = (uint16_t)mk_rd_left(r);
    return mk_rd_bytes(r, *n);
}

/* A structure must be consumed exactly: the first error, else BAD_LENGTH for octets left over
 * (a count and a length field that disagree). */
static mk_err rd_done(mk_rd *r)
{
    return mk_rd_end(r) ? MK_E_OK : mk_rd_fail(r, MK_E_BAD_LENGTH);
}

/* ---- the chain walker (RFC 7296 §3.2) -------------------------------------------------------- */

mk_err mk_chain_parse(mk_chain *c, uint8_t first, mk_rd *r, mk_msg *sk)
{
    /* Termination: every pass consumes at least the 4-octet generic header, so a chain of at
     * most len / 4 payloads ends; a Next Payload "loop" cannot exist because the walk only
     * goes forward. SK ends the walk: its Next Payload names the first *inner* payload, whose
     * chain is walked again (sk NULL: no SK inside SK) only after sk.c has verified the
     * ICV. sk_hdr_off is kept because the AEAD AAD (RFC 5282 §5.1) and the integrity span both
     * reach the end of the SK generic header, measured from the start of the datagram. */
    uint8_t next = first;

    c->n = 0;
    c->unsupported_critical = 0;

    while (next != MK_PT_NONE && r->err == MK_E_OK) {
        uint8_t type = next;
        size_t hdr_off = r->off;
        uint32_t g = mk_rd_u32(r); /* Next Payload | C | RESERVED(7 bits, ignored) | Length */
        next = (uint8_t)(g >> 24);
        bool critical = (g & 0x00800000u) != 0;
        uint16_t plen = (uint16_t)g;
        /* A short generic header reads as zeros: the check below then returns that TRUNCATED
         * (the first error wins). RFC 7296 §3.2: "Payload Length (2 octets, unsigned integer) -
         * Length in octets of the current payload, including the generic payload header." So it is
         * at least 4. */
        if (plen < MK_GEN_HDR_LEN)
            return mk_rd_fail(r, MK_E_BAD_LENGTH);
        uint16_t blen = (uint16_t)(plen - MK_GEN_HDR_LEN);
        const uint8_t *body = mk_rd_bytes(r, blen); /* TRUNCATED if it does not fit */
        if (body == NULL)
            break;

        /* The types we understand, in the sense of RFC 7296 §2.5, are numbered without a gap,
         * 33 (SA) to 48 (EAP). Adding one turns a payload that was skipped (or, with the critical
         * bit, answered with UNSUPPORTED_CRITICAL_PAYLOAD) into one that is length-checked and
         * may make the message DROP. */
        if (type < MK_PT_SA || type > MK_PT_EAP) {
            /* RFC 7296 §2.5: "If the critical flag is set and the payload type is
             * unrecognized, the message MUST be rejected and the response to the IKE request
             * containing that payload MUST include a Notify payload UNSUPPORTED_CRITICAL_PAYLOAD".
             * We record the first such type; the caller rejects and answers. */
            if (critical && c->unsupported_critical == 0)
                c->unsupported_critical = type;
            /* RFC 7296 §2.5: "If the critical flag is not set and the payload type is
             * unsupported, that payload MUST be ignored." */
            continue;
        }
        /* RFC 7296 §3.2: the Critical bit "MUST be ignored by the recipient if the recipient
         * understands the payload type code"; it is kept in the view for tools (the checker's fault
         * shim rebuilds messages from views). */
        if (!pl_fits(type, blen))
            return mk_rd_fail(r, MK_E_BAD_LENGTH);

        if (type == MK_PT_SK) {
            if (sk == NULL)
                return mk_rd_fail(r, MK_E_BAD_SYNTAX);
            /* RFC 7296 §3.14: "the Encrypted payload, if present in a message, MUST be the
             * last payload in the message." Its Next Payload names the first inner payload. */
            if (mk_rd_left(r) != 0)
                return mk_rd_fail(r, MK_E_SK_NOT_LAST);
            sk->has_sk = true;
            sk->sk_first = next;
            sk->sk_body = body;
            sk->sk_len = blen;
            sk->sk_hdr_off = hdr_off;
            break;
        }

        /* MK_MAX_PAYLOADS keeps mk_chain a fixed size: a 3000-octet message could carry 750
         * empty payloads. 24 leaves room for SA, KE, Nonce, CERTREQ and a dozen notifies or
         * vendor IDs; more is refused (DROP) rather than silently truncated. */
        if (c->n == MK_MAX_PAYLOADS)
            return mk_rd_fail(r, MK_E_TOO_MANY);
        c->pl[c->n++] = (mk_pl){.body = body, .len = blen, .type = type, .critical = critical};
    }
    /* The last payload (Next Payload 0) must end exactly where the message does: octets after
     * it belong to no payload. */
    return rd_done(r);
}

mk_err mk_msg_parse(mk_msg *m, const uint8_t *dgram, size_t len)
{
    /* Every field is reset first so that a parse that fails half-way leaves no view pointing
     * into an earlier datagram. On success all views point into `dgram`: the caller must keep
     * that buffer unchanged for as long as it uses `m`. */
    *m = (mk_msg){.dgram = dgram, .len = len, .sk_first = MK_PT_NONE};
    mk_rd r = mk_rd_init(dgram, len);
    /* A header error stays in r (sticky): the walk then reads nothing and returns it. */
    (void)mk_hdr_decode(&m->hdr, &r);
    return mk_chain_parse(&m->chain, m->hdr.next, &r, m);
}

/* The first payload of `type`. A second one of the same type is not an error at this layer
 * (a response may carry several N payloads); callers that need exactly one check for it. */
const mk_pl *mk_chain_find(const mk_chain *c, uint8_t type)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->pl[i].type == type)
            return &c->pl[i];
    return NULL;
}

const mk_pl *mk_chain_find_notify(const mk_chain *c, uint16_t ntype)
{
    /* Only the Notify Type (body octets 2..3) is peeked at; the SPI Size and the data are
     * checked by mk_pl_decode_notify when the caller decodes the payload it found. */
    for (size_t i = 0; i < c->n; i++) {
        mk_rd r = mk_rd_init(c->pl[i].body, c->pl[i].len);
        /* Protocol ID | SPI Size | Notify Message Type: the type is the low 16 bits */
        if (c->pl[i].type == MK_PT_NOTIFY && (uint16_t)mk_rd_u32(&r) == ntype && r.err == MK_E_OK)
            return &c->pl[i];
    }
    return NULL;
}

uint16_t mk_chain_first_error(const mk_chain *c)
{
    mk_notify n;
    /* Type 0 is RESERVED (RFC 7296 §3.10.1), and 0 is this function's "none": such a notify is
     * skipped, so it cannot hide an error notify after it */
    for (size_t i = 0; i < c->n; i++)
        if (c->pl[i].type == MK_PT_NOTIFY &&
            mk_pl_decode_notify(&n, c->pl[i].body, c->pl[i].len) == MK_E_OK && n.type != 0 &&
            n.type < MK_N_FIRST_STATUS)
            return n.type;
    return 0;
}

/* ---- KE, Nonce, ID, AUTH (RFC 7296 §3.4-§3.9); CERT and CERTREQ: msg_cert.c ---------------- */

/* The head is written as one big-endian word: the type or group in its top octets, the RESERVED
 * octets after it zero as RFC 7296 §3.4, §3.5 and §3.8 ask of the sender. */
void mk_pl_encode_head(mk_wr *w, uint32_t head, const uint8_t *data, size_t len)
{
    mk_wr_u32(w, head);
    mk_wr_bytes(w, data, len);
}

mk_err mk_pl_decode_ke(mk_ke *ke, const uint8_t *body, size_t len)
{
    /* RFC 7296 §3.4: DH Group Num (2) | RESERVED (2) | Key Exchange Data (non-empty). Only the
     * framing is checked here: whether the data length fits the group (32 octets for X25519,
     * RFC 8031 §2) is the DH class's check, and whether the group is the one we sent is the
     * state machine's (RFC 7296 §3.4). */
    mk_rd r = body_rd(MK_PT_KE, body, len);
    /* DH Group Num | RESERVED, whose RFC 7296 §3.4 says "MUST be ignored when received" */
    ke->group = (uint16_t)(mk_rd_u32(&r) >> 16);
    ke->data = rd_rest(&r, &ke->len);
    return r.err;
}

mk_err mk_pl_decode_nonce(const uint8_t **n, uint16_t *nlen, const uint8_t *body, size_t len)
{
    /* RFC 7296 §3.9: "The size of the Nonce Data MUST be between 16 and 256 octets,
     * inclusive." (pl_fits) */
    /* The second bound of RFC 7296 §2.10, at least half the negotiated PRF's key size, needs
     * the chosen proposal and is checked in initiator_init.c. */
    mk_rd r = body_rd(MK_PT_NONCE, body, len);
    *n = rd_rest(&r, nlen);
    return r.err;
}

/* "type(1) | RESERVED(3) | data(1..)" shared by ID (§3.5) and AUTH (§3.8); `pt` picks the
 * length bounds. */
static mk_err decode_t3(uint8_t pt, uint8_t *type, const uint8_t **data, uint16_t *dlen,
                        const uint8_t *body, size_t len)
{
    mk_rd r = body_rd(pt, body, len);
    *type = (uint8_t)(mk_rd_u32(&r) >> 24); /* type | RESERVED (3 octets, ignored on receipt) */
    *data = rd_rest(&r, dlen);
    return r.err;
}

mk_err mk_pl_decode_id(mk_idv *id, const uint8_t *body, size_t len)
{
    /* RFC 7296 §3.5: ID Type (1) | RESERVED (3) | Identification Data. The whole body is the
     * RestOfIDPayload that §2.15 MACs into the AUTH octets: MACedIDForR = prf(SK_pr,
     * RestOfRespIDPayload) must cover the octets as received, so the AUTH checks take the
     * payload's own body (mk_pl), never a re-encoding (which could differ in RESERVED). */
    return decode_t3(MK_PT_IDI, &id->type, &id->data, &id->len, body, len);
}

mk_err mk_pl_decode_auth(mk_authv *a, const uint8_t *body, size_t len)
{
    /* RFC 7296 §3.8: Auth Method (1) | RESERVED (3) | Authentication Data. The data length
     * depends on the method (PSK: the PRF output, 32 octets for HMAC-SHA2-256) and is checked
     * by whoever verifies it, in constant time together with the value. */
    return decode_t3(MK_PT_AUTH, &a->method, &a->data, &a->len, body, len);
}

/* ---- Notify (§3.10) ----------------------------------------------------------------------- */

mk_err mk_pl_decode_notify(mk_notify *n, const uint8_t *body, size_t len)
{
    /* RFC 7296 §3.10: Protocol ID (1) | SPI Size (1) | Notify Message Type (2) | SPI | data */
    mk_rd r = body_rd(MK_PT_NOTIFY, body, len);
    uint32_t v = mk_rd_u32(&r);
    n->spi_len = (uint8_t)(v >> 16);
    /* RFC 7296 §3.10: "If the SPI field is empty, this field [Protocol ID] MUST be sent as
     * zero and MUST be ignored on receipt." */
    n->proto = n->spi_len != 0 ? (uint8_t)(v >> 24) : 0;
    n->type = (uint16_t)v;
    /* RFC 7296 §3.10: SPI Size is the "Length in octets of the SPI"; the SPI must fit. */
    n->spi = n->spi_len != 0 ? mk_rd_bytes(&r, n->spi_len) : NULL;
    n->data = rd_rest(&r, &n->data_len);
    return r.err;
}

/* ---- Traffic Selectors (§3.13) --------------------------------------------------------------- */

enum { TS_OPAQUE_START = 65535, TS_OPAQUE_END = 0 };

/* RFC 7296 §3.13.1: the address range types fix the Selector Length at 16 (IPv4) and 40 (IPv6)
 * octets: 8 octets of header and ports, then start and end address. 0 for any other type. */
static size_t ts_addr_len(uint8_t type)
{
    return type == MK_TS_IPV4_RANGE ? 4 : type == MK_TS_IPV6_RANGE ? 16 : 0;
}

mk_err mk_pl_decode_ts(mk_tsl *l, const uint8_t *body, size_t len)
{
    /* Every check keeps an earlier error (mk_rd_fail) and the loop stops at the first one: a
     * short body or selector reads as zeros, whose checks then return that first error. */
    mk_rd r = body_rd(MK_PT_TSI, body, len);
    uint8_t n = (uint8_t)(mk_rd_u32(&r) >> 24); /* Number of TSs | RESERVED (3, ignored) */
    /* Zero selectors would describe no traffic at all, so the child SA could carry nothing.
     * More than MK_MAX_TS: we propose one selector per side, and a responder may only narrow
     * it (RFC 7296 §2.9), so a long list is not an answer to our request. */
    if (n == 0 || n > MK_MAX_TS)
        (void)mk_rd_fail(&r, n == 0 ? MK_E_BAD_SYNTAX : MK_E_TOO_MANY);
    for (uint8_t i = 0; i < n && r.err == MK_E_OK; i++) {
        mk_ts *ts = &l->ts[i];
        memset(ts, 0, sizeof *ts);
        uint32_t v = mk_rd_u32(&r); /* TS Type | IP Protocol ID | Selector Length */
        ts->type = (uint8_t)(v >> 24);
        ts->proto = (uint8_t)(v >> 16);
        /* One address length for both range types (ts_addr_len); 0 for any other type.
         * RFC 7296 §3.13.1: "Selector Length (2 octets, unsigned integer) - Specifies the
         * length of this Traffic Selector substructure including the header". */
        size_t alen = ts_addr_len(ts->type);
        /* an unknown type, or a Selector Length (the low 16 bits of v) that is not its */
        if (alen == 0 || (uint16_t)v != 8 + 2 * alen)
            (void)mk_rd_fail(&r, alen == 0 ? MK_E_BAD_SYNTAX : MK_E_BAD_LENGTH);
        v = mk_rd_u32(&r); /* Start Port | End Port */
        ts->start_port = (uint16_t)(v >> 16);
        ts->end_port = (uint16_t)v;
        mk_rd_copy(&r, ts->start, alen);
        mk_rd_copy(&r, ts->end, alen);
        /* RFC 7296 §3.13.1: a port range is Start..End, except that "to indicate OPAQUE ports,
         * set Start Port to 65535 and End Port to zero". An address range must not be empty
         * (addresses are big-endian and not secret: a plain compare). */
        bool opaque = ts->start_port == TS_OPAQUE_START && ts->end_port == TS_OPAQUE_END;
        if ((ts->start_port > ts->end_port && !opaque) || memcmp(ts->start, ts->end, alen) > 0)
            (void)mk_rd_fail(&r, MK_E_BAD_SYNTAX);
    }
    /* "Number of TSs" and the payload length must agree. On any error no selector is kept. */
    mk_err e = rd_done(&r);
    l->n = e == MK_E_OK ? n : 0;
    return e;
}

/* No checks here: the core writes only the selectors mk_init accepted (one per side, of a range
 * type: RFC 7296 §3.13.1), so the check lives there, once. The tools' mk_pl_encode_ts
 * (msg_tools.c) checks count and types first for selectors that no mk_init has seen. */
void mk_pl_write_ts(mk_wr *w, const mk_ts *ts, size_t n)
{
    mk_wr_u32(w, (uint32_t)n << 24); /* Number of TSs | RESERVED (3 zero octets) */
    for (size_t i = 0; i < n && w->err == MK_E_OK; i++) {
        size_t alen = ts_addr_len(ts[i].type);
        /* TS Type | IP Protocol ID | Selector Length, then Start Port | End Port */
        mk_wr_u32(w, (uint32_t)ts[i].type << 24 | (uint32_t)ts[i].proto << 16 |
                         (uint32_t)(8 + 2 * alen));
        mk_wr_u32(w, (uint32_t)ts[i].start_port << 16 | ts[i].end_port);
        mk_wr_bytes(w, ts[i].start, alen);
        mk_wr_bytes(w, ts[i].end, alen);
    }
}

/* ---- generic payload framing ----------------------------------------------------------------- */

/* *prev_next_slot is the offset of the Next Payload octet that must name this payload: 16 (in
 * the IKE header) for the first one, then each payload's own first octet. The chain is thus
 * built in emission order and can never name a payload that was not written. */
size_t mk_pl_begin(mk_wr *w, size_t *prev_next_slot, uint8_t type, bool critical)
{
    size_t at = w->off;
    /* Chain this payload into the previous Next Payload octet (or the IKE header's). */
    if (w->err == MK_E_OK && *prev_next_slot != MK_PL_NO_SLOT) {
        if (*prev_next_slot < w->off)
            w->p[*prev_next_slot] = type;
        else
            w->err = MK_E_BAD_LENGTH;
    }
    /* Next Payload (0 = last: filled by the next mk_pl_begin) | C | RESERVED | Payload Length
     * (patched by mk_pl_end). RFC 7296 §3.2: Critical "MUST be set to zero if the sender wants
     * the recipient to skip this payload if it does not understand the payload type"; RESERVED
     * "MUST be sent as 0". */
    mk_wr_u32(w, critical ? 0x00800000u : 0);
    *prev_next_slot = at;
    return at;
}

void mk_pl_end(mk_wr *w, size_t at)
{
    /* RFC 7296 §3.2: Payload Length counts "the current payload, including the generic
     * payload header". */
    mk_wr_patch16(w, at + 2, at);
}

void mk_pl_notify(mk_wr *w, size_t *prev_next_slot, uint16_t type, const uint8_t *data,
                  size_t data_len)
{
    size_t at = mk_pl_begin(w, prev_next_slot, MK_PT_NOTIFY, false);
    /* RFC 7296 §3.10: Protocol ID and SPI Size are zero (no SPI: Protocol ID "MUST be sent as
     * zero"), then the Notify Message Type and the data. */
    mk_pl_encode_head(w, type, data, data_len);
    mk_pl_end(w, at);
}
