/* SPDX-License-Identifier: MIT */
/*
 * tiny_handshake: the spine of the template core, RFC 7815's exchange in the order the messages
 * travel:
 *
 *   1. send IKE_SA_INIT     HDR, [N(COOKIE),] SAi1, KEi, Ni           (mt_build_init)
 *   2. take its response    HDR, SAr1, KEr, Nr                        (mt_on_init_resp)
 *   3. send IKE_AUTH        HDR, SK {IDi, [IDr,] AUTH, SAi2, TSi, TSr} (build_auth)
 *   4. take its response    HDR, SK {IDr, AUTH, SAr2, TSi, TSr}       (mt_on_auth_resp)
 *   5. established: answer the peer's requests                        (mt_on_peer_req)
 *
 * The requests are templates: the octets that never change are constants, the rest is patched
 * in. Each response is walked once for its payloads, then checked against what we sent. Checks
 * go into locals first; the SA is written only when everything passed, so a DROP changes nothing.
 */
#include "tiny_int.h"

/* SAi1: one proposal, ENCR 28 (ChaCha20-Poly1305), PRF 5 (HMAC-SHA2-256), DH 31 (X25519);
 * SAi2: one proposal, ESP, 4-octet SPI (patched), ENCR 28, ESN 0. Their transforms carry no
 * attributes: RFC 7634 §3, ChaCha20-Poly1305 has one key size. */
static const uint8_t sa_ike[] = {0, 0, 0, 32, 1, 1, 0, 3, 3, 0, 0, 8, 1, 0, 0, 28,
                                 3, 0, 0, 8,  2, 0, 0, 5, 0, 0, 0, 8, 4, 0, 0, 31};
static const uint8_t sa_esp[] = {0, 0, 0, 28, 1, 3,  4, 2, 0, 0, 0, 0, 3, 0,
                                 0, 8, 1, 0,  0, 28, 0, 0, 0, 8, 5, 0, 0, 0};
enum { SA_HEAD = 8, T_LEN = 8, KE_LEN = 4 + MT_KEY_LEN, AUTH_METHOD_PSK = 2 };
static const char key_pad[] = "Key Pad for IKEv2"; /* RFC 7296 §2.15, 17 octets */
/* The longest IKE_AUTH request: HDR SK-header IV | IDi IDr (64-octet data) AUTH N SAi2 TSi TSr
 * (IPv6) N | Pad Length ICV; IKE_SA_INIT with a 64-octet cookie is 196. Both fit req. */
_Static_assert(SK_HEAD + 2 * (8 + MT_MAX_ID) + 8 + MT_KEY_LEN + 8 + GEN_LEN + sizeof sa_esp +
                       2 * (GEN_LEN + 4 + 8 + 32) + 8 + 1 + MT_ICV_LEN <=
                   MT_MAX_REQ,
               "IKE_AUTH fits req");
/* the longest answer to a peer request: SK{N(UNSUPPORTED_CRITICAL_PAYLOAD, one octet)} */
_Static_assert(SK_HEAD + GEN_LEN + 4 + 1 + 1 + MT_ICV_LEN <= MT_MAX_ANSWER, "answers fit");

/* Chain a payload of `type` and body length n at p: the previous Next Payload octet (*slot)
 * names it, its own becomes the slot. Returns where the body goes. */
static uint8_t *pl(uint8_t **slot, uint8_t *p, uint8_t type, size_t n)
{
    **slot = type;
    *slot = p;
    p[0] = 0;
    p[1] = 0;
    put16(p + 2, GEN_LEN + n);
    return p + GEN_LEN;
}

/* a Notify without SPI (RFC 7296 §3.10: Protocol ID and SPI Size zero) */
static uint8_t *notify(uint8_t **slot, uint8_t *p, uint16_t type, const uint8_t *data, size_t n)
{
    p = pl(slot, p, PT_N, 4 + n);
    put32(p, type);
    if (n != 0)
        memcpy(p + 4, data, n);
    return p + 4 + n;
}

/* ==== 1. IKE_SA_INIT request ====================================================================
 * RFC 7296 §1.2: "The first exchange of an IKE session, IKE_SA_INIT, negotiates security
 * parameters for the IKE SA, sends nonces, and sends Diffie-Hellman values." */

/* RFC 7815 §2.1: "Minimal implementations only need to support the role of initiator, so it
 * typically only sends an IKE_SA_INIT request that, when answered, is followed by an IKE_AUTH." */
void mt_start_init(mt_ike *ike, uint64_t now)
{
    const mt_env *env = ike->env;
    static const uint8_t zero[8];
    /* RFC 7296 §3.1: the initiator's SPI MUST NOT be zero */
    env->rng(env->ctx, ike->spi_i, 8);
    if (memcmp(ike->spi_i, zero, 8) == 0)
        ike->spi_i[7] = 1;
    /* RFC 7296 §2.10: "Nonces used in IKEv2 MUST be randomly chosen, MUST be at least 128 bits
     * in size, and MUST be at least half the key size of the negotiated pseudorandom function
     * (PRF)." PRF-HMAC-SHA2-256's key is 32 octets: MT_NONCE_LEN is 16. */
    env->rng(env->ctx, ike->ni, MT_NONCE_LEN);
    env->rng(env->ctx, ike->dh_priv, MT_KEY_LEN);
    mt_build_init(ike, now);
}

/* The template, with the cookie of a retry in front and KEi, Ni patched in */
void mt_build_init(mt_ike *ike, uint64_t now)
{
    uint8_t *m = ike->req, first, *slot = &first, *p = m + HDR_LEN;
    /* RFC 7296 §2.6: the cookie goes first, the rest unchanged */
    if (ike->cookie_len != 0)
        p = notify(&slot, p, N_COOKIE, ike->cookie, ike->cookie_len);
    p = pl(&slot, p, PT_SA, sizeof sa_ike);
    memcpy(p, sa_ike, sizeof sa_ike);
    p = pl(&slot, p + sizeof sa_ike, PT_KE, KE_LEN);
    put32(p, 31u << 16); /* DH Group Num | RESERVED */
    mt_x25519(p + 4, ike->dh_priv, NULL);
    p = pl(&slot, p + KE_LEN, PT_NONCE, MT_NONCE_LEN);
    memcpy(p, ike->ni, MT_NONCE_LEN);
    *slot = 0;
    /* RFC 7815 §2.1: "those messages have fixed Message IDs (0 and 1)" */
    mt_send_req(ike, mt_hdr(ike, m, first, EX_INIT, 0, 0, (size_t)(p + MT_NONCE_LEN - m)),
                MT_ST_INIT_SENT, now);
}

/* ==== 2. IKE_SA_INIT response ===================================================================
 * Unprotected: RFC 7296 §2.21.1, an answer that would end the exchange may be forged, so it is
 * dropped and remembered (mt_remember), never acted on. */

/* The SA payload of a response against the template we offered (RFC 7296 §3.3). Every
 * proposal is framed as the general core's walk frames it (sa_tmpl.c): RFC 7296 §3.3.1 Last 0/2,
 * lengths, "The first Proposal MUST have a Proposal Num of one (1). Each subsequent Proposal MUST
 * have a Proposal Num one more than the previous one", SPI Size 0 or 8 for IKE and 4 for AH/ESP,
 * §3.3.2 Last 0/3, §3.3.5 Key Length the only attribute (TV, nonzero, once); a malformed payload
 * is MALFORMED. Then exactly one proposal, RFC 7296 §3.3.1 "the proposal number in the SA payload
 * MUST match the number on the proposal sent that was accepted", RFC 7296 §2.7 "exactly one
 * transform of each type included in the proposal", each one of ours (no attribute); a
 * well-formed choice we did not offer is BAD_PROPOSAL. spi: the ESP SPI when the template has
 * one. */
static mt_err sa_check(const uint8_t *t, const uint8_t *b, size_t n, uint32_t *spi)
{
    size_t off = 0, np = 0;
    uint8_t num = 0;
    bool match = false;
    uint32_t s = 0;
    for (; off < n; np++, off += be16(b + off + 2)) {
        const uint8_t *p = b + off;
        size_t left = n - off, plen = left >= 4 ? be16(p + 2) : 0, x;
        if (np == 8 || plen < SA_HEAD || plen > left || p[0] != (plen == left ? 0 : 2))
            return MT_E_MALFORMED;
        uint8_t prev = num, proto = p[5], spi_len = p[6], nt = p[7];
        num = p[4];
        bool ok = num != 0 && (np == 0 || num == (uint8_t)(prev + 1)) && (np != 1 || prev == 1);
        ok = ok && (proto == 1 ? spi_len == 0 || spi_len == 8
                               : (proto == 2 || proto == 3) && spi_len == 4);
        if (!ok || nt == 0 || nt > 32 || spi_len > plen - SA_HEAD)
            return MT_E_MALFORMED;
        unsigned seen = 0;
        x = SA_HEAD + spi_len;
        for (size_t i = 0; i < nt; i++) {
            const uint8_t *y = p + x;
            size_t tl = plen - x >= 4 ? be16(y + 2) : 0, al = tl - T_LEN;
            if (tl < T_LEN || tl > plen - x || y[0] != (i + 1 == nt ? 0 : 3) ||
                (al != 0 && (al != 4 || be16(y + 8) != 0x800e || be16(y + 10) == 0)))
                return MT_E_MALFORMED;
            for (size_t k = 0; k < t[7] && al == 0; k++) {
                const uint8_t *o = t + SA_HEAD + t[6] + k * T_LEN;
                if (o[4] == y[4] && be16(o + 6) == be16(y + 6))
                    seen |= 1u << k;
            }
            x += tl;
        }
        if (x != plen)
            return MT_E_MALFORMED;
        match = memcmp(p + 4, t + 4, 4) == 0 && seen == (1u << t[7]) - 1;
        if (match && spi_len != 0)
            s = be32(p + SA_HEAD);
    }
    if (np != 1 || !match)
        return np == 0 ? MT_E_MALFORMED : MT_E_BAD_PROPOSAL;
    *spi = s;
    return MT_E_OK;
}

/* The notify's type, its data and length; false if the body is not a Notify (RFC 7296 §3.10) */
static bool notify_of(const uint8_t *b, size_t n, uint16_t *type, const uint8_t **d, size_t *dn)
{
    size_t spi = b[1];
    *type = be16(b + 2);
    *d = b + 4 + spi;
    *dn = n - 4 - spi;
    return 4 + spi <= n;
}

/* COOKIE (RFC 7296 §2.6): echo it in the same request again; INVALID_KE_PAYLOAD (§1.2): we have
 * one group, so a responder wanting another ends the exchange (remembered: unprotected). */
static mt_err retry(mt_ike *ike, uint16_t type, const uint8_t *d, size_t n, uint64_t now)
{
    if (type == N_INVALID_KE) {
        if (n != 2)
            return MT_E_MALFORMED;
        if (be16(d) == 31)
            return MT_E_UNEXPECTED; /* what we sent: a spoofer's packet */
        return mt_remember(ike, MT_E_INVALID_KE, MT_E_UNAUTH);
    }
    if (n < 1 || n > MT_MAX_COOKIE)
        return MT_E_MALFORMED;
    if (ike->retries >= MT_MAX_RETRIES)
        return mt_remember(ike, MT_E_TOO_MANY_RETRIES, MT_E_UNAUTH);
    memcpy(ike->cookie, d, n);
    ike->cookie_len = (uint8_t)n;
    ike->retries++;
    mt_build_init(ike, now);
    return MT_E_OK;
}

/* RFC 7296 §2.15: "For the responder, the octets to be signed start with the first octet of the
 * first SPI in the header of the second message (IKE_SA_INIT response) and end with the last
 * octet of the last payload in the second message." With a PSK the responder's AUTH is a prf
 * over RealMessage2 | NonceIData | MACedIDForR, so it runs from here (auth_r) and RealMessage2
 * is not kept.
 * From g^ir and Nr, all of the SA's keys (RFC 7296 §2.14, §2.17):
 *   SKEYSEED = prf(Ni | Nr, g^ir)
 *   SK_d | SK_ei | SK_er | SK_pi | SK_pr = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)  (AEAD: no SK_a)
 *   KEYMAT = prf+(SK_d, Ni | Nr) = the child's outbound | inbound key
 * and our AUTH = prf(prf(PSK, "Key Pad for IKEv2"), RealMessage1 | Nr | prf(SK_pi, IDi')), with
 * the responder's running over RealMessage2 | Ni until its MACedIDForR arrives. */
static void take_keys(mt_ike *ike, const uint8_t *gir, const uint8_t *nr, size_t nr_len,
                      const uint8_t *m2, size_t m2_len, const uint8_t *idb, size_t idb_len,
                      uint8_t auth[MT_KEY_LEN])
{
    const mt_config *cfg = ike->cfg;
    uint8_t s[MT_NONCE_LEN + 256 + 16], k[5 * MT_KEY_LEN + 2 * MT_SALT_LEN], pad[MT_KEY_LEN];
    size_t sl = MT_NONCE_LEN + nr_len;
    mt_prf_state st;
    memcpy(s, ike->ni, MT_NONCE_LEN);
    memcpy(s + MT_NONCE_LEN, nr, nr_len);
    memcpy(s + sl, ike->spi_i, 8);
    memcpy(s + sl + 8, ike->spi_r, 8);
    mt_prf(s, sl, gir, MT_KEY_LEN, pad); /* SKEYSEED, for a moment */
    mt_prf_plus(pad, s, sl + 16, k, sizeof k);
    memcpy(ike->sk_ei, k + MT_KEY_LEN, sizeof ike->sk_ei);
    memcpy(ike->sk_er, k + 2 * MT_KEY_LEN + MT_SALT_LEN, sizeof ike->sk_er);
    memcpy(ike->sk_pr, k + 4 * MT_KEY_LEN + 2 * MT_SALT_LEN, MT_KEY_LEN);
    mt_prf_plus(k, s, sl, ike->child.k_out, 2 * sizeof ike->child.k_out);
    mt_prf(cfg->psk, cfg->psk_len, (const uint8_t *)key_pad, sizeof key_pad - 1, pad);
    mt_prf_init(ike->auth_r, pad, MT_KEY_LEN);
    mt_prf_add(ike->auth_r, m2, m2_len);
    mt_prf_add(ike->auth_r, ike->ni, MT_NONCE_LEN);
    mt_prf(k + 3 * MT_KEY_LEN + 2 * MT_SALT_LEN, MT_KEY_LEN, idb, idb_len,
           s); /* prf(SK_pi, IDi') */
    mt_prf_init(&st, pad, MT_KEY_LEN);
    mt_prf_add(&st, ike->req, ike->req_len); /* RealMessage1, still in req */
    mt_prf_add(&st, nr, nr_len);
    mt_prf_add(&st, s, MT_KEY_LEN);
    mt_prf_end(&st, auth);
    mt_wipe(s, sizeof s);
    mt_wipe(k, sizeof k);
    mt_wipe(pad, sizeof pad);
}

static void build_auth(mt_ike *ike, const uint8_t *gir, const uint8_t *nr, size_t nr_len,
                       const uint8_t *m2, size_t m2_len, uint64_t now);

mt_err mt_on_init_resp(mt_ike *ike, uint8_t *d, size_t len, uint64_t now)
{
    mt_walk w = mt_walk_init(d + HDR_LEN, len - HDR_LEN, d[16]);
    const uint8_t *b, *sa = NULL, *ke = NULL, *nr = NULL, *nd, *cookie = NULL, *ike_n = NULL;
    size_t n, sa_n = 0, ke_n = 0, nr_n = 0, dn, cookie_n = 0, ike_nn = 0;
    uint16_t refused = 0, type;
    for (uint8_t t; (t = mt_walk_next(&w, &b, &n)) != 0;) {
        if (t == PT_SA && sa == NULL)
            sa = b, sa_n = n;
        else if (t == PT_KE && ke == NULL)
            ke = b, ke_n = n;
        else if (t == PT_NONCE && nr == NULL)
            nr = b, nr_n = n;
        else if (t == PT_N) {
            bool ok = notify_of(b, n, &type, &nd, &dn);
            if (type == N_COOKIE && cookie == NULL)
                cookie = b, cookie_n = n;
            else if (type == N_INVALID_KE && ike_n == NULL)
                ike_n = b, ike_nn = n;
            if (ok && type < N_FIRST_STATUS && refused == 0)
                refused = type;
        }
    }
    /* COOKIE first, then INVALID_KE: such a reply has SPIr 0 and no SA, KE or Nonce */
    if (cookie != NULL || ike_n != NULL) {
        const uint8_t *r = cookie != NULL ? cookie : ike_n;
        if (!notify_of(r, cookie != NULL ? cookie_n : ike_nn, &type, &nd, &dn))
            return MT_E_MALFORMED;
        return retry(ike, type, nd, dn, now);
    }
    /* an error notify: remember NO_PROPOSAL_CHOSEN, wait for a real answer or the timeout */
    if (refused != 0)
        return refused == N_NO_PROPOSAL ? mt_remember(ike, MT_E_NO_PROPOSAL_CHOSEN, MT_E_UNAUTH)
                                        : MT_E_UNAUTH;
    /* RFC 7296 §1.2: SAr1, KEr and Nr; RFC 7296 §3.1: SPIr not zero */
    static const uint8_t zero[8];
    if (sa == NULL || ke == NULL || nr == NULL || memcmp(d + 8, zero, 8) == 0)
        return MT_E_MALFORMED;
    /* RFC 7296 §2.5: "If the critical flag is set and the payload type is unrecognized, the
     * message MUST be rejected" (unprotected: rejecting it is dropping it) */
    if (w.critical != 0)
        return MT_E_CRITICAL;
    uint32_t spi;
    mt_err e = sa_check(sa_ike, sa, sa_n, &spi);
    if (e != MT_E_OK)
        return e == MT_E_BAD_PROPOSAL ? mt_remember(ike, e, MT_E_UNAUTH) : e;
    /* RFC 7296 §3.4: the KE's group MUST be the chosen one, ours; RFC 8031 §2: 32 octets */
    if (be16(ke) != 31)
        return mt_remember(ike, MT_E_BAD_PROPOSAL, MT_E_UNAUTH);
    if (ke_n != KE_LEN)
        return MT_E_MALFORMED;
    uint8_t gir[MT_KEY_LEN];
    /* RFC 8031 §3.2: an all-zero X25519 result MUST be refused (unprotected: remembered) */
    if (!mt_x25519(gir, ike->dh_priv, ke + 4))
        return mt_remember(ike, MT_E_DH_ZERO, MT_E_UNAUTH);
    /* ---- commit ---- */
    memcpy(ike->spi_r, d + 8, 8);
    build_auth(ike, gir, nr, nr_n, d, len, now);
    mt_wipe(gir, sizeof gir);
    return MT_E_OK;
}

/* ==== 3. IKE_AUTH request =======================================================================
 * RFC 7296 §1.2: "The second exchange, IKE_AUTH, transmits identities, proves knowledge of the
 * secrets corresponding to the two identities, and sets up an SA for the first (and often only)
 * AH or ESP Child SA". RFC 7296 §2.15: "The initiator signs the first message (IKE_SA_INIT
 * request), starting with the first octet of the first SPI in the header and ending with the
 * last octet of the last payload." That is RealMessage1 in req, covered by take_keys before the
 * IKE_AUTH request overwrites it. */

static uint8_t *ts(uint8_t **slot, uint8_t *p, uint8_t type, const mt_ts *t)
{
    size_t a = t->type == 7 ? 4 : 16;
    p = pl(slot, p, type, 4 + 8 + 2 * a);
    put32(p, 1u << 24); /* Number of TSs | RESERVED */
    put32(p + 4, (uint32_t)t->type << 24 | (uint32_t)t->proto << 16 | (uint32_t)(8 + 2 * a));
    put16(p + 8, t->start_port);
    put16(p + 10, t->end_port);
    memcpy(p + 12, t->start, a);
    memcpy(p + 12 + a, t->end, a);
    return p + 12 + 2 * a;
}

/* SK {IDi, [IDr,] AUTH, [N(USE_TRANSPORT_MODE),] SAi2, TSi, TSr, [N(INITIAL_CONTACT)]} */
static void build_auth(mt_ike *ike, const uint8_t *gir, const uint8_t *nr, size_t nr_len,
                       const uint8_t *m2, size_t m2_len, uint64_t now)
{
    const mt_config *cfg = ike->cfg;
    uint8_t spi[4], idb[4 + MT_MAX_ID], auth[MT_KEY_LEN];
    uint8_t *m = ike->req, first, *slot = &first, *p = m + SK_HEAD;
    /* RFC 4303 §2.1: SPIs 1..255 are reserved and 0 is never valid */
    ike->env->rng(ike->env->ctx, spi, sizeof spi);
    ike->child.spi_in = be32(spi) < 256 ? be32(spi) | 0x100u : be32(spi);
    idb[0] = cfg->idi_type;
    memset(idb + 1, 0, 3);
    memcpy(idb + 4, cfg->idi, cfg->idi_len);
    take_keys(ike, gir, nr, nr_len, m2, m2_len, idb, 4u + cfg->idi_len, auth);
    mt_wipe(ike->dh_priv, sizeof ike->dh_priv);
    /* Our inner payloads overwrite RealMessage1, which AUTH has covered */
    p = pl(&slot, p, PT_IDI, 4u + cfg->idi_len);
    memcpy(p, idb, 4u + cfg->idi_len);
    p += 4u + cfg->idi_len;
    if (cfg->idr_len != 0) {
        p = pl(&slot, p, PT_IDR, 4u + cfg->idr_len);
        put32(p, (uint32_t)cfg->idr_type << 24);
        memcpy(p + 4, cfg->idr, cfg->idr_len);
        p += 4u + cfg->idr_len;
    }
    p = pl(&slot, p, PT_AUTH, 4 + MT_KEY_LEN);
    put32(p, (uint32_t)AUTH_METHOD_PSK << 24);
    memcpy(p + 4, auth, MT_KEY_LEN);
    p += 4 + MT_KEY_LEN;
    mt_wipe(auth, sizeof auth);
    if (!cfg->tunnel) /* RFC 7296 §1.3.1: ask for transport mode */
        p = notify(&slot, p, N_TRANSPORT, NULL, 0);
    p = pl(&slot, p, PT_SA, sizeof sa_esp);
    memcpy(p, sa_esp, sizeof sa_esp);
    put32(p + SA_HEAD, ike->child.spi_in);
    p = ts(&slot, p + sizeof sa_esp, PT_TSI, &cfg->tsi);
    p = ts(&slot, p, PT_TSR, &cfg->tsr);
    /* N(INITIAL_CONTACT): we hold no other IKE SA with this peer (a device after a reboot) */
    if (cfg->initial_contact)
        p = notify(&slot, p, N_INITIAL_CONTACT, NULL, 0);
    *slot = 0;
    mt_wipe(idb, sizeof idb);
    /* RFC 7815 §2.1: IKE_AUTH is Message ID 1 */
    mt_send_req(ike, mt_sk_seal(ike, m, first, EX_AUTH, 0, 1, (size_t)(p - m - SK_HEAD)),
                MT_ST_AUTH_SENT, now);
}

/* ==== 4. IKE_AUTH response ======================================================================
 * RFC 7296 §3.14: the ICV is verified before anything inside SK is used. Then: critical payloads
 * and AUTHENTICATION_FAILED, the responder's AUTH, only then its identity, then the child SA. */

/* RFC 7296 §2.9: the responder may narrow our selector, never widen it */
static mt_err ts_check(const uint8_t *b, size_t n, const mt_ts *our)
{
    size_t a = our->type == 7 ? 4 : 16, cnt = b[0];
    if (cnt == 0 || cnt > 4)
        return MT_E_MALFORMED_RESP;
    mt_err e = MT_E_OK;
    const uint8_t *x = b + 4, *end = b + n;
    for (size_t i = 0; i < cnt; i++) {
        size_t xa = (size_t)(end - x) >= 4 && (x[0] == 7 || x[0] == 8) ? (x[0] == 7 ? 4u : 16u) : 0;
        if (xa == 0 || be16(x + 2) != 8 + 2 * xa || (size_t)(end - x) < 8 + 2 * xa)
            return MT_E_MALFORMED_RESP;
        uint16_t sp = be16(x + 4), ep = be16(x + 6);
        /* RFC 7296 §3.13.1: start <= end, except OPAQUE ports (65535..0) */
        if ((sp > ep && !(sp == 65535 && ep == 0)) || memcmp(x + 8, x + 8 + xa, xa) > 0)
            return MT_E_MALFORMED_RESP;
        if (x[0] != our->type || (our->proto != 0 && x[1] != our->proto) || sp < our->start_port ||
            ep > our->end_port || memcmp(x + 8, our->start, a) < 0 ||
            memcmp(x + 8 + xa, our->end, a) > 0)
            e = MT_E_TS_UNACCEPTABLE;
        x += 8 + 2 * xa;
    }
    return x != end ? MT_E_MALFORMED_RESP : e;
}

typedef struct auth_resp {
    const uint8_t *idr, *auth, *sa, *tsi, *tsr;
    size_t idr_n, auth_n, sa_n, tsi_n, tsr_n;
    uint16_t refused;
    bool auth_failed, transport;
} auth_resp;

static void auth_resp_walk(mt_walk *w, auth_resp *r)
{
    const uint8_t *b, *nd;
    size_t n, dn;
    uint16_t type;
    for (uint8_t t; (t = mt_walk_next(w, &b, &n)) != 0;) {
        if (t == PT_IDR && r->idr == NULL)
            r->idr = b, r->idr_n = n;
        else if (t == PT_AUTH && r->auth == NULL)
            r->auth = b, r->auth_n = n;
        else if (t == PT_SA && r->sa == NULL)
            r->sa = b, r->sa_n = n;
        else if (t == PT_TSI && r->tsi == NULL)
            r->tsi = b, r->tsi_n = n;
        else if (t == PT_TSR && r->tsr == NULL)
            r->tsr = b, r->tsr_n = n;
        else if (t == PT_N) {
            bool ok = notify_of(b, n, &type, &nd, &dn);
            r->auth_failed |= type == N_AUTH_FAILED;
            r->transport |= type == N_TRANSPORT;
            if (ok && type < N_FIRST_STATUS && r->refused == 0)
                r->refused = type;
        }
    }
}

static mt_err auth_resp_check(mt_ike *ike, const auth_resp *r, uint32_t *spi)
{
    const mt_config *cfg = ike->cfg;
    uint8_t mac[MT_KEY_LEN];
    /* RFC 7296 §2.21.2: N(AUTHENTICATION_FAILED) in the IKE_AUTH response: no IKE SA */
    if (r->auth_failed)
        return MT_E_PEER_AUTH_FAILED;
    if (r->idr == NULL || r->auth == NULL)
        return r->refused != 0 ? MT_E_PEER_ERROR : MT_E_MALFORMED_RESP;
    /* RFC 7296 §2.15: prf(SK_pr, IDr') completes the responder's AUTH; constant time */
    mt_prf(ike->sk_pr, MT_KEY_LEN, r->idr, r->idr_n, mac);
    mt_prf_add(ike->auth_r, mac, MT_KEY_LEN);
    mt_prf_end(ike->auth_r, mac);
    bool ok = r->auth[0] == AUTH_METHOD_PSK && r->auth_n == 4 + MT_KEY_LEN;
    ok = mt_ct_eq(r->auth + 4, mac, ok ? MT_KEY_LEN : 0) && ok;
    mt_wipe(mac, sizeof mac);
    if (!ok)
        return MT_E_AUTH_FAILED;
    /* RFC 7296 §2.15: the identity must be the configured one (compared only now) */
    if (cfg->idr_len != 0 && (r->idr[0] != cfg->idr_type || r->idr_n != 4u + cfg->idr_len ||
                              memcmp(r->idr + 4, cfg->idr, cfg->idr_len) != 0))
        return MT_E_ID_MISMATCH;
    /* RFC 7296 §2.21.2: an error notify about the child: the IKE SA stands, the child not */
    if (r->refused != 0)
        return r->refused == N_TS_UNACCEPTABLE ? MT_E_TS_UNACCEPTABLE : MT_E_NO_CHILD_SA;
    if (r->sa == NULL || r->tsi == NULL || r->tsr == NULL)
        return MT_E_NO_CHILD_SA;
    mt_err e = sa_check(sa_esp, r->sa, r->sa_n, spi);
    if (e == MT_E_OK && *spi < 256)
        e = MT_E_BAD_PROPOSAL; /* RFC 4303 §2.1: not a valid SPI */
    if (e == MT_E_OK && (e = ts_check(r->tsi, r->tsi_n, &cfg->tsi)) == MT_E_OK)
        e = ts_check(r->tsr, r->tsr_n, &cfg->tsr);
    return e == MT_E_MALFORMED ? MT_E_MALFORMED_RESP : e;
}

mt_err mt_on_auth_resp(mt_ike *ike, uint8_t *d, size_t len)
{
    mt_walk outer = mt_walk_init(d + HDR_LEN, len - HDR_LEN, d[16]), in;
    auth_resp r = {0};
    uint32_t spi = 0;
    (void)mt_walk_all(&outer); /* checked whole by the engine: this finds SK */
    /* RFC 7296 §2.21.2: IKE_AUTH responses are protected; a bare notify is a forgery */
    if (outer.sk == NULL)
        return d[16] == PT_N ? MT_E_UNAUTH : MT_E_UNEXPECTED;
    mt_err e = mt_sk_open(ike, d, &outer, &in);
    if (e != MT_E_OK)
        return e;
    auth_resp_walk(&in, &r);
    /* RFC 7296 §2.5: "If the critical flag is set and the payload type is unrecognized, the
     * message MUST be rejected" (authenticated: the exchange fails now, not at the timeout) */
    e = in.critical != 0 || outer.critical != 0 ? MT_E_MALFORMED_RESP
                                                : auth_resp_check(ike, &r, &spi);
    if (e != MT_E_OK)
        return e;
    /* ---- commit ---- */
    ike->child.spi_out = spi;
    /* RFC 7296 §1.3.1: transport mode only if the responder echoed N(USE_TRANSPORT_MODE) */
    ike->child.tunnel = ike->cfg->tunnel || !r.transport;
    ike->child_ok = true;
    mt_established(ike);
    return MT_E_OK;
}

/* ==== 5. Established: the peer's requests =======================================================
 * RFC 7815 §2.1: "a minimal IKEv2 implementation needs to understand the CREATE_CHILD_SA request
 * enough to generate a CREATE_CHILD_SA response containing the NO_ADDITIONAL_SAS error notify. It
 * needs to understand the INFORMATIONAL request enough to generate an empty INFORMATIONAL
 * response to it." RFC 7296 §2.1: "The responder MUST never retransmit a response unless it
 * receives a retransmission of the request." */
mt_err mt_on_peer_req(mt_ike *ike, uint8_t *d, size_t len)
{
    mt_walk outer = mt_walk_init(d + HDR_LEN, len - HDR_LEN, d[16]), in;
    uint32_t msgid = be32(d + 20);
    (void)mt_walk_all(&outer);
    /* RFC 7296 §2.21: only protected messages are acted on */
    if (outer.sk == NULL)
        return MT_E_UNEXPECTED;
    /* RFC 7296 §2.1: a request older than the last answered: its answer is forgotten, ignore it
     * (serial-number order, so the window survives the wrap) */
    bool again = ike->answer_len != 0 && msgid == ike->peer_msgid;
    if (ike->answer_len != 0 && !again && (uint32_t)(ike->peer_msgid - msgid) < 0x80000000u)
        return MT_E_OLD_REQUEST;
    mt_err e = mt_sk_open(ike, d, &outer, &in);
    if (e != MT_E_OK)
        return e;
    if (again) { /* the same request again: the same answer again */
        mt_send_answer(ike, 0, msgid, false);
        return MT_E_OK;
    }
    const uint8_t *b;
    size_t n;
    bool close = false;
    for (uint8_t t; (t = mt_walk_next(&in, &b, &n)) != 0;)
        /* RFC 7296 §3.11: a Delete of the IKE SA: Protocol 1, SPI Size 0, no SPIs */
        close |= t == PT_D && n == 4 && b[0] == 1 && b[1] == 0 && be16(b + 2) <= 8;
    uint8_t crit = in.critical != 0 ? in.critical : outer.critical, first = 0, *slot = &first;
    uint8_t *p = ike->answer + SK_HEAD;
    /* RFC 7296 §2.5: reject with N(UNSUPPORTED_CRITICAL_PAYLOAD), data: the type */
    if (crit != 0)
        p = notify(&slot, p, N_UNSUPPORTED_CRITICAL, &crit, 1), close = false;
    else if (d[18] == EX_CHILD)
        p = notify(&slot, p, N_NO_ADDITIONAL_SAS, NULL, 0), close = false;
    *slot = 0;
    /* RFC 7296 §2.2: the response copies the request's Message ID and sets R; RFC 7296
     * §1.4.1: after a Delete of the IKE SA only the answer is left (close) */
    mt_send_answer(
        ike,
        mt_sk_seal(ike, ike->answer, first, d[18], F_R, msgid, (size_t)(p - ike->answer - SK_HEAD)),
        msgid, close);
    return MT_E_OK;
}
