/* SPDX-License-Identifier: MIT */
/*
 * initiator_rpk: raw-public-key authentication for the initiator (RFC 7815 App. B.2, RFC 7670,
 * RFC 7427, RFC 8420). It checks the signature part of the config, announces the hashes we can
 * verify in IKE_SA_INIT, reads the responder's announcement and CERTREQ, signs our AUTH with a
 * hash the responder listed (adding CERT(15) when asked or configured, and CERTREQ(15) when we
 * need the responder's key), and verifies the responder's AUTH under a pinned key, a key whose
 * SHA-256 fingerprint is pinned, or a key learned by imprinting. The signed octets are the ones
 * of the PSK method (RFC 7296 §2.15). It must never accept a responder key that neither a pin
 * nor the caller's imprint callback vouched for, never call that callback before the AUTH has
 * verified, and never sign with a hash the responder did not announce.
 */
#include <string.h>

#include "initiator_int.h"
#include "msg_cert.h"
#include "sig.h"

#if MK_RPK

static mk_err mk_ini_rpk_check_config(const mk_config *cfg)
{
    uint8_t type;
    /* Everything that can be known before the first packet is checked here, so a wrong key
     * fails mk_init (USAGE) instead of surfacing as AUTH_FAILED from the peer a round trip
     * later. */
    if (cfg->priv_key == NULL || cfg->spki == NULL)
        return MK_E_BAD_CONFIG;
    /* our key: well formed, >= 2048 bits for RSA, and spki is its public half */
    if (mk_spki_check(cfg->spki, cfg->spki_len, &type) != MK_E_OK ||
        mk_sig_check_pair(cfg->priv_key, cfg->priv_key_len, cfg->spki, cfg->spki_len) != MK_E_OK)
        return MK_E_BAD_CONFIG;
    if (cfg->peer_spki != NULL &&
        mk_spki_check(cfg->peer_spki, cfg->peer_spki_len, &type) != MK_E_OK)
        return MK_E_BAD_CONFIG;
    /* nothing pinned: only the caller may vouch for a learned key */
    if (cfg->peer_spki == NULL && cfg->peer_fp == NULL && cfg->imprint == NULL)
        return MK_E_BAD_CONFIG;
    return MK_E_OK;
}

static void mk_ini_rpk_init_payloads(mk_wr *w, size_t *slot)
{
    /* RFC 7427 §4: announce the hashes we support; RFC 8420 §2: "Identity" (5) MUST be among
     * them for Ed25519 to be used */
    mk_pl_notify(w, slot, MK_N_SIGNATURE_HASH_ALGORITHMS, mk_sig_our_hashes,
                 sizeof mk_sig_our_hashes);
}

static mk_err mk_ini_rpk_parse_init(const mk_chain *c, uint8_t *hashes, bool *certreq)
{
    *hashes = 0;
    *certreq = false;
    for (size_t i = 0; i < c->n; i++) {
        const mk_pl *pl = &c->pl[i];
        if (pl->type == MK_PT_NOTIFY) {
            mk_notify n;
            mk_err e = mk_pl_decode_notify(&n, pl->body, pl->len);
            if (e != MK_E_OK)
                return e;
            if (n.type != MK_N_SIGNATURE_HASH_ALGORITHMS)
                continue;
            /* RFC 7427 §4: the data is a list of 16-bit hash algorithm identifiers */
            if (n.data_len % 2 != 0)
                return MK_E_BAD_SYNTAX;
            /* Kept as a bitmask, bit h for hash ID h. IDs we do not know (future hashes) are
             * skipped, not errors: the list announces what the peer can verify, and it may be
             * longer than ours. This notify is unauthenticated; stripping a hash from it can
             * only make mk_sig_choose refuse to sign, never pick a weaker hash, since the
             * class table holds only the hashes we accept. */
            mk_rd r = mk_rd_init(n.data, n.data_len);
            while (mk_rd_left(&r) > 0) {
                uint16_t h = mk_rd_u16(&r);
                if (h >= 1 && h <= MK_HASH_IDENTITY)
                    *hashes = (uint8_t)(*hashes | 1u << h);
            }
        } else if (pl->type == MK_PT_CERTREQ) {
            mk_certv cr;
            mk_err e = mk_pl_decode_cert(&cr, pl->body, pl->len);
            if (e != MK_E_OK)
                return e;
            if (cr.encoding == MK_CERT_RAW_PUBKEY)
                *certreq = true;
        }
    }
    return MK_E_OK;
}

/* The MACedID part binds the ID payload the signer sent to this IKE SA's keys (SK_p*): the
 * signature cannot be reused under another identity.
 * <SignedOctets> = RealMessage | Nonce(other side) | MACedID, as three segments; `maced` is
 * the caller's prf->out_len buffer, filled here:
 * MACedIDFor{I,R} = prf(SK_p{i,r}, RestOf{Init,Resp}IDPayload)  (RFC 7296 §2.15) */
static void signed_octets(const mk_prf_class *prf, const uint8_t *real, size_t real_len,
                          const uint8_t *nonce, size_t nonce_len, const uint8_t *sk_p,
                          const uint8_t *id_rest, size_t id_rest_len, uint8_t *maced, mk_iov seg[3])
{
    mk_ks_maced_id(prf, sk_p, id_rest, id_rest_len, maced);
    seg[0] = (mk_iov){real, real_len};
    seg[1] = (mk_iov){nonce, nonce_len};
    seg[2] = (mk_iov){maced, prf->out_len};
}

/* Copy the segments together into buf[0..cap) (a pure Ed25519 signature needs the octets
 * whole); false if they do not fit. buf may already start with seg[0] (then it is not moved). */
static bool gather(uint8_t *buf, size_t cap, const mk_iov seg[3], mk_iov *whole)
{
    size_t n = seg[0].n + seg[1].n + seg[2].n;
    if (n > cap)
        return false;
    if (seg[0].p != buf)
        memcpy(buf, seg[0].p, seg[0].n);
    memcpy(buf + seg[0].n, seg[1].p, seg[1].n);
    memcpy(buf + seg[0].n + seg[1].n, seg[2].p, seg[2].n);
    *whole = (mk_iov){buf, n};
    return true;
}

static mk_err mk_ini_rpk_build_auth(mk_ike *ike, const uint8_t *id_rest, size_t id_rest_len,
                                    uint8_t *method, uint8_t *auth, size_t cap, size_t *auth_len)
{
    const mk_config *cfg = ike->cfg;
    uint8_t maced[MK_MAX_PRF_OUT];
    mk_iov seg[3], whole;
    const mk_sig_class *sc;
    mk_ini_cls cls;
    mk_spki ours;
    mk_err e;

    *auth_len = 0;
    if ((e = mk_spki_parse(&ours, cfg->spki, cfg->spki_len)) != MK_E_OK) /* checked by mk_init */
        return e;
    /* RFC 7427 §4 / RFC 8420 §2: sign only with a hash the responder announced */
    if ((e = mk_sig_choose(ours.type, ike->peer_sha, ike->peer_hashes, &sc)) != MK_E_OK) {
        mk_ini_trace(ike, MK_EV_INFO,
                     ours.type == MK_KEY_ED25519
                         ? "responder did not announce hash Identity (5): no Ed25519 (RFC 8420)"
                         : "responder did not announce SHA2-256 (2) for RSA");
        return e;
    }
    mk_ini_trace(ike, MK_EV_INFO, sc->name);
    (void)mk_ini_ike_classes(cfg->suites, &ike->sel, &cls);
    /* InitiatorSignedOctets = RealMessage1 | NonceRData | MACedIDForI  (RFC 7296 §2.15);
     * RealMessage1 is the IKE_SA_INIT request, still in ike->req */
    signed_octets(cls.prf, mk_ini_req_buf(ike), ike->req_len, ike->nr, ike->nr_len, ike->sk_pi,
                  id_rest, id_rest_len, maced, seg);
    if (!sc->whole_msg) {
        /* RSA: hashed segment by segment, nothing copied */
        e = mk_sig_auth_build_iov(sc, ike->env, cfg->priv_key, cfg->priv_key_len, seg, 3, auth, cap,
                                  auth_len);
    } else if (!gather(ike->sig_octets, sizeof ike->sig_octets, seg, &whole)) {
        e = MK_E_BUF_TOO_SMALL; /* cannot happen: MK_INI_MAX_INIT_REQ keeps room */
    } else {
        e = mk_sig_auth_build_iov(sc, ike->env, cfg->priv_key, cfg->priv_key_len, &whole, 1, auth,
                                  cap, auth_len);
    }
    /* With method 14 (RFC 7427 §3) the AUTH data is: 1-octet length of the AlgorithmIdentifier
     * | AlgorithmIdentifier (DER) | signature; for Ed25519 that is 07 | 300506032b6570 | 64
     * octets, 72 in all. mk_sig_auth_build_iov writes that whole body into `auth`. */
    if (e == MK_E_OK)
        *method = sc->method;
    mk_wipe(ike->sig_octets, sizeof ike->sig_octets); /* held MACedIDForI, a prf output of SK_pi */
    mk_wipe(maced, sizeof maced);
    return e;
}

static void mk_ini_rpk_build_certs(const mk_ike *ike, mk_wr *w, size_t *slot)
{
    const mk_config *cfg = ike->cfg;
    size_t at;
    /* RFC 7670 §3 / RFC 7296 §3.6: our raw key in CERT(15) when the responder asked for it */
    if (ike->peer_certreq_rpk || cfg->send_cert) {
        at = mk_pl_begin(w, slot, MK_PT_CERT, false);
        mk_pl_encode_cert(w, MK_CERT_RAW_PUBKEY, cfg->spki, cfg->spki_len);
        mk_pl_end(w, at);
    }
    /* RFC 7296 §3.7: CERTREQ may go in the IKE_AUTH request; ask for the raw key when we need it
     * (fingerprint pin or imprinting); the CA field is empty for raw keys (RFC 7670 §3) */
    if (cfg->peer_spki == NULL) {
        at = mk_pl_begin(w, slot, MK_PT_CERTREQ, false);
        mk_pl_encode_cert(w, MK_CERT_RAW_PUBKEY, NULL, 0);
        mk_pl_end(w, at);
    }
}

/* The first CERT payload with encoding 15 (RFC 7670), or false. */
static bool find_raw_cert(const mk_chain *in, mk_certv *cert)
{
    for (size_t i = 0; i < in->n; i++)
        if (in->pl[i].type == MK_PT_CERT &&
            mk_pl_decode_cert(cert, in->pl[i].body, in->pl[i].len) == MK_E_OK &&
            cert->encoding == MK_CERT_RAW_PUBKEY)
            return true;
    return false;
}

static mk_err mk_ini_rpk_verify(mk_ike *ike, const mk_chain *in, const mk_pl *idr,
                                const mk_authv *av)
{
    const mk_config *cfg = ike->cfg;
    uint8_t maced[MK_MAX_PRF_OUT];
    mk_iov seg[3], whole;
    mk_certv cert;
    mk_spki key;
    mk_ini_cls cls;
    mk_err e;
    /* Which key is trusted, strongest first: a pinned SPKI (a CERT is then ignored), a CERT
     * whose SHA-256 fingerprint is pinned, or a CERT the caller accepts by imprinting (trust on
     * first use). The CERT itself is inside SK, so it came from whoever holds SK_er, i.e. the
     * peer of this DH exchange, but only the AUTH check proves it holds the private key. */
    bool have_cert = find_raw_cert(in, &cert);
    bool imprinting = cfg->peer_spki == NULL && cfg->peer_fp == NULL;

    if (cfg->peer_spki != NULL) {
        /* a pinned key is the only one trusted; a CERT the responder sends changes nothing */
        e = mk_spki_parse(&key, cfg->peer_spki, cfg->peer_spki_len);
    } else if (!have_cert) {
        mk_ini_trace(ike, MK_EV_INFO, "responder sent no CERT(15) and no key is pinned");
        return MK_E_NO_PEER_KEY;
    } else {
        if (cfg->peer_fp != NULL) {
            uint8_t fp[MK_FP_LEN];
            mk_spki_fingerprint(cert.data, cert.len, fp);
            if (!mk_ct_eq(fp, cfg->peer_fp, MK_FP_LEN)) {
                mk_ini_trace(ike, MK_EV_INFO,
                             "responder raw key does not match the pinned fingerprint");
                return MK_E_AUTH_FAILED;
            }
        }
        e = mk_spki_parse(&key, cert.data, cert.len);
    }
    if (e != MK_E_OK)
        return e; /* BAD_KEY, WEAK_KEY: the responder's key is unusable */
    (void)mk_ini_ike_classes(cfg->suites, &ike->sel, &cls);
    /* ResponderSignedOctets = RealMessage2 | NonceIData | MACedIDForR  (RFC 7296 §2.15) */
    signed_octets(cls.prf, ike->peer_auth.rpk.init_resp, ike->peer_auth.rpk.init_resp_len, ike->ni,
                  ike->ni_len, ike->sk_pr, idr->body, idr->len, maced, seg);
    /* RFC 7296 §2.15: the recipient MUST verify the AUTH; RFC 7427 §4: only with a hash we
     * announced (the class table in sig.c holds exactly those). RSA hashes the segments; pure
     * Ed25519 needs them whole: NonceIData | MACedIDForR are appended to RealMessage2 in
     * ike->peer_auth.rpk.init_resp, which has room for them, and that tail is wiped right after. */
    if (key.type == MK_KEY_RSA)
        e = mk_sig_auth_verify_iov(&key, av->method, av->data, av->len, seg, 3);
    else if (gather(ike->peer_auth.rpk.init_resp, sizeof ike->peer_auth.rpk.init_resp, seg, &whole))
        e = mk_sig_auth_verify_iov(&key, av->method, av->data, av->len, &whole, 1);
    else
        e = MK_E_AUTH_FAILED; /* cannot happen: init_resp has the room */
    mk_wipe(ike->peer_auth.rpk.init_resp + ike->peer_auth.rpk.init_resp_len,
            sizeof ike->peer_auth.rpk.init_resp - ike->peer_auth.rpk.init_resp_len);
    mk_wipe(maced, sizeof maced);
    /* Any verification error (bad encoding, wrong method, wrong hash, bad signature) is one
     * FATAL AUTH_FAILED: the caller needs no finer distinction than "the peer did not prove
     * possession of the trusted key". */
    if (e != MK_E_OK)
        return MK_E_AUTH_FAILED;
    /* imprinting: only now, with a verified AUTH, is the caller asked to keep the key */
    if (imprinting) {
        if (!cfg->imprint(cfg->imprint_ctx, cert.data, cert.len))
            return MK_E_IMPRINT_REFUSED;
        mk_ini_trace(ike, MK_EV_INFO, "imprinted the responder's raw public key");
    }
    return MK_E_OK;
}

/* ---- the extension: hooks that act only when cfg->auth_method is MK_AUTH_DIGSIG ---- */

static bool digsig(const mk_config *cfg)
{
    return cfg->auth_method == MK_AUTH_DIGSIG;
}

static mk_err rpk_check_config(const mk_config *cfg)
{
    return digsig(cfg) ? mk_ini_rpk_check_config(cfg) : MK_E_OK;
}

static void rpk_init_last(const mk_ike *ike, mk_wr *w, size_t *slot)
{
    if (digsig(ike->cfg))
        mk_ini_rpk_init_payloads(w, slot); /* N(SIGNATURE_HASH_ALGORITHMS) */
}

static mk_err rpk_init_check(const mk_ike *ike, const mk_chain *c, mk_ini_init_x *x)
{
    if (!digsig(ike->cfg))
        return MK_E_OK;
    x->peer_sha = mk_chain_find_notify(c, MK_N_SIGNATURE_HASH_ALGORITHMS) != NULL;
    return mk_ini_rpk_parse_init(c, &x->peer_hashes, &x->certreq_rpk);
}

/* A signature needs RealMessage2 itself (RFC 7296 §2.15): copied, without any non-ESP marker. */
static void rpk_init_commit(mk_ike *ike, const mk_msg *m, const mk_ini_init_x *x)
{
    if (!digsig(ike->cfg))
        return;
    memcpy(ike->peer_auth.rpk.init_resp, m->dgram, m->len);
    ike->peer_auth.rpk.init_resp_len = (uint16_t)m->len;
    ike->peer_sha = x->peer_sha;
    ike->peer_hashes = x->peer_hashes;
    ike->peer_certreq_rpk = x->certreq_rpk;
}

static void rpk_auth_certs(const mk_ike *ike, mk_wr *w, size_t *slot)
{
    if (digsig(ike->cfg))
        mk_ini_rpk_build_certs(ike, w, slot);
}

const mk_ini_ext mk_ini_ext_rpk = {
    .name = "raw public keys",
    .check_config = rpk_check_config,
    .init_last = rpk_init_last,
    .init_check = rpk_init_check,
    .init_commit = rpk_init_commit,
    .auth_method = MK_AUTH_DIGSIG,
    .auth_sign = mk_ini_rpk_build_auth,
    .auth_certs = rpk_auth_certs,
    .auth_verify = mk_ini_rpk_verify,
};

#else
typedef int mk_ini_rpk_compiled_out; /* MK_RPK off: PSK only; an empty file is not ISO C */
#endif
