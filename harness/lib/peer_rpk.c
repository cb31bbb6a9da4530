/* SPDX-License-Identifier: MIT */
/*
 * peer_rpk: the responder's side of raw-public-key authentication (RFC 7815 App. B.2, RFC 7670
 * CERT encoding 15, RFC 7427 method 14, RFC 7296 method 1, RFC 8420 Ed25519) for the test/demo
 * peer. In IKE_SA_INIT it announces its hashes in N(SIGNATURE_HASH_ALGORITHMS), asks for the
 * initiator's raw key with CERTREQ(15) unless that key is pinned, and notes what the initiator
 * announced. In IKE_AUTH it verifies the initiator's signature under the pinned key or the key
 * the initiator sent in CERT(15), and signs its own AUTH with a hash the initiator announced,
 * sending CERT(15) with its own key when asked (or configured). The signed octets are those of
 * the PSK method (RFC 7296 §2.15). It must never accept a method-14 signature whose hash it did
 * not announce, never sign with a hash the initiator did not announce, and never leave the
 * signed octets (they hold MACedID, a prf output of SK_p) or a scripted wrong key on the stack.
 */
#include <string.h>

#include "peer_int.h"
#include "msg_cert.h"
#include "sig.h"
#include "spki.h"

bool peer_digsig(const peer_sa *p)
{
    return p->cfg.auth_method == MK_AUTH_DIGSIG;
}

#if MK_RPK

#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>

enum {
    OCTETS_CAP = MK_MAX_MSG + MK_MAX_NONCE + MK_MAX_PRF_OUT,
    AUTH_CAP = 1 + 15 + MK_MAX_SIG, /* ASN.1 length | AlgorithmIdentifier | signature */
    WRONG_RSA_BITS = 2048,
    WRONG_KEY_CAP = 1300, /* DER RSAPrivateKey of 2048 bits: about 1190 octets */
    MAX_HASH_IDS = 16,    /* octets of a configured hash list: 8 IDs */
};

/* Hash IDs 1..5 of a SIGNATURE_HASH_ALGORITHMS list as bits; false if the length is odd. */
static bool hash_bits(const uint8_t *d, size_t len, uint8_t *bits)
{
    *bits = 0;
    /* RFC 7427 §4: the notify data is a list of 16-bit hash algorithm identifiers */
    if (len % 2 != 0)
        return false;
    for (size_t j = 0; j < len; j += 2) {
        uint16_t h = (uint16_t)(d[j] << 8 | d[j + 1]);
        if (h >= 1 && h <= MK_HASH_IDENTITY)
            *bits = (uint8_t)(*bits | 1u << h);
    }
    return true;
}

/* The hashes we announced (0 with no_hash_notify). */
static uint8_t our_hashes(const peer_sa *p)
{
    uint8_t bits = 0;
    if (p->cfg.no_hash_notify)
        return 0;
    if (p->cfg.hash_notify != NULL)
        (void)hash_bits(p->cfg.hash_notify, p->cfg.hash_notify_len, &bits);
    else
        (void)hash_bits(mk_sig_our_hashes, sizeof mk_sig_our_hashes, &bits);
    return bits;
}

bool peer_rpk_setup(peer_sa *p, const mk_peer_config *cfg)
{
    uint8_t type = MK_KEY_NONE, bits;
    size_t n = 0;
    if (cfg->priv_key == NULL || cfg->priv_key_len == 0)
        return false;
    if (cfg->spki != NULL) {
        /* our key: well formed, RSA >= 2048 bits, and spki is the public half of priv_key */
        if (cfg->spki_len > sizeof p->spki ||
            mk_spki_check(cfg->spki, cfg->spki_len, &type) != MK_E_OK ||
            mk_sig_check_pair(cfg->priv_key, cfg->priv_key_len, cfg->spki, cfg->spki_len) !=
                MK_E_OK)
            return false;
        memcpy(p->spki, cfg->spki, cfg->spki_len);
        n = cfg->spki_len;
    } else {
        /* the mk_config priv_key forms: a 32-octet Ed25519 seed, else a DER RSA key */
        type = cfg->priv_key_len == MK_ED25519_SEED ? MK_KEY_ED25519 : MK_KEY_RSA;
        if (mk_sig_pubkey(type, cfg->priv_key, cfg->priv_key_len, p->spki, sizeof p->spki, &n) !=
            MK_E_OK)
            return false;
    }
    if (cfg->peer_spki != NULL &&
        mk_spki_check(cfg->peer_spki, cfg->peer_spki_len, &bits) != MK_E_OK)
        return false;
    if (cfg->hash_notify != NULL &&
        (cfg->hash_notify_len == 0 || cfg->hash_notify_len > MAX_HASH_IDS ||
         !hash_bits(cfg->hash_notify, cfg->hash_notify_len, &bits)))
        return false;
    p->key_type = type;
    p->spki_len = (uint16_t)n;
    return true;
}

mk_err peer_rpk_parse_init(const mk_chain *c, bool *sha, uint8_t *hashes, bool *certreq)
{
    *sha = false;
    *hashes = 0;
    *certreq = false;
    for (size_t i = 0; i < c->n; i++) {
        const mk_pl *pl = &c->pl[i];
        if (pl->type == MK_PT_NOTIFY) {
            mk_notify nt;
            uint8_t bits;
            mk_err e = mk_pl_decode_notify(&nt, pl->body, pl->len);
            if (e != MK_E_OK)
                return e;
            if (nt.type != MK_N_SIGNATURE_HASH_ALGORITHMS)
                continue;
            if (!hash_bits(nt.data, nt.data_len, &bits))
                return MK_E_BAD_SYNTAX;
            *sha = true;
            *hashes = (uint8_t)(*hashes | bits);
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

void peer_rpk_init_payloads(const peer_sa *p, mk_wr *w, size_t *slot)
{
    size_t at;
    /* RFC 7670 §3: CERTREQ with encoding 15 and an empty CA field asks for a raw key; not
     * needed when the initiator's key is pinned */
    if (p->cfg.peer_spki == NULL) {
        at = mk_pl_begin(w, slot, MK_PT_CERTREQ, false);
        mk_pl_encode_cert(w, MK_CERT_RAW_PUBKEY, NULL, 0);
        mk_pl_end(w, at);
    }
    /* RFC 7427 §4: announce the hashes we verify; RFC 8420 §2: Identity (5) for Ed25519 */
    if (!p->cfg.no_hash_notify) {
        const uint8_t *d = p->cfg.hash_notify != NULL ? p->cfg.hash_notify : mk_sig_our_hashes;
        size_t n = p->cfg.hash_notify != NULL ? p->cfg.hash_notify_len : sizeof mk_sig_our_hashes;
        at = mk_pl_begin(w, slot, MK_PT_NOTIFY, false);
        mk_pl_encode_notify(w, 0, NULL, 0, MK_N_SIGNATURE_HASH_ALGORITHMS, d, n);
        mk_pl_end(w, at);
    }
}

/* <SignedOctets> = RealMessage | Nonce(other side) | prf(SK_p, RestOfIDPayload) into out
 * (OCTETS_CAP). Returns the length. */
static size_t signed_octets(const mk_prf_class *prf, const uint8_t *real, size_t real_len,
                            const uint8_t *nonce, size_t nonce_len, const uint8_t *sk_p,
                            const uint8_t *id_rest, size_t id_rest_len, uint8_t *out)
{
    memcpy(out, real, real_len);
    memcpy(out + real_len, nonce, nonce_len);
    /* MACedIDFor{I,R} = prf(SK_p{i,r}, RestOf{Init,Resp}IDPayload)  (RFC 7296 §2.15) */
    mk_ks_maced_id(prf, sk_p, id_rest, id_rest_len, out + real_len + nonce_len);
    return real_len + nonce_len + prf->out_len;
}

/* The first CERT(15) of the chain, or false. */
static bool find_raw(const mk_chain *in, uint8_t type, mk_certv *cert)
{
    for (size_t i = 0; i < in->n; i++)
        if (in->pl[i].type == type &&
            mk_pl_decode_cert(cert, in->pl[i].body, in->pl[i].len) == MK_E_OK &&
            cert->encoding == MK_CERT_RAW_PUBKEY)
            return true;
    return false;
}

/* Method 14 names its algorithm; its hash must be one we announced. Method 1 has no hash
 * negotiation (RFC 7296 §3.8) and other methods fail in mk_sig_auth_verify. */
static bool hash_announced(const peer_sa *p, const mk_authv *av)
{
    static const mk_sig_class *const known[] = {&mk_sig_ed25519, &mk_sig_rsa_sha256};
    if (av->method != MK_AUTH_DIGSIG)
        return true;
    if (av->len < 1 || (size_t)av->data[0] + 1 > av->len)
        return false;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (av->data[0] == known[i]->alg_id_len &&
            memcmp(av->data + 1, known[i]->alg_id, known[i]->alg_id_len) == 0)
            return (our_hashes(p) & (1u << known[i]->hash)) != 0;
    return false;
}

mk_err peer_rpk_verify(peer_sa *p, const mk_chain *in, const mk_pl *idi, const mk_authv *av)
{
    uint8_t octets[OCTETS_CAP];
    mk_spki key;
    mk_certv cert;
    const uint8_t *der;
    size_t der_len;
    mk_err e;

    if (p->cfg.peer_spki != NULL) {
        /* a pinned key is the only one trusted; a CERT the initiator sends changes nothing */
        der = p->cfg.peer_spki;
        der_len = p->cfg.peer_spki_len;
    } else if (!find_raw(in, MK_PT_CERT, &cert)) {
        peer_trace(p, MK_EV_INFO, "initiator sent no CERT(15) and no key is pinned");
        return MK_E_NO_PEER_KEY;
    } else {
        der = cert.data;
        der_len = cert.len;
        if (p->cfg.peer_fp != NULL) {
            uint8_t fp[MK_FP_LEN];
            mk_spki_fingerprint(der, der_len, fp);
            if (!mk_ct_eq(fp, p->cfg.peer_fp, MK_FP_LEN)) {
                peer_trace(p, MK_EV_INFO,
                           "initiator's raw key does not match the pinned "
                           "fingerprint");
                return MK_E_AUTH_FAILED;
            }
        }
    }
    e = der_len <= sizeof p->ini_spki ? mk_spki_parse(&key, der, der_len) : MK_E_BAD_KEY;
    if (e != MK_E_OK) {
        peer_trace(p, MK_EV_INFO, "initiator's raw public key is unusable");
        return e == MK_E_WEAK_KEY ? MK_E_WEAK_KEY : MK_E_BAD_KEY;
    }
    /* RFC 7427 §4: the signer uses a hash the verifier announced; RFC 8420 §2: Ed25519 only
     * after Identity was announced */
    if (!hash_announced(p, av)) {
        peer_trace(p, MK_EV_INFO, "initiator signed with a hash we did not announce");
        return MK_E_BAD_KEY;
    }
    /* InitiatorSignedOctets = RealMessage1 | NonceRData | MACedIDForI  (RFC 7296 §2.15) */
    size_t n = signed_octets(p->prf, p->init_req, p->init_req_len, p->nr, sizeof p->nr, p->keys.pi,
                             idi->body, idi->len, octets);
    /* RFC 7296 §2.15: the recipient MUST verify the AUTH under the sender's key */
    e = mk_sig_auth_verify(&key, av->method, av->data, av->len, octets, n);
    mk_wipe(octets, sizeof octets);
    if (e != MK_E_OK)
        return e == MK_E_BAD_KEY ? MK_E_BAD_KEY : MK_E_AUTH_FAILED;
    memcpy(p->ini_spki, der, der_len); /* for mk_peer_initiator_spki */
    p->ini_spki_len = (uint16_t)der_len;
    return MK_E_OK;
}

/* mbedTLS's f_rng over env->rng (key generation for the wrong-key script). */
static int rng_fn(void *ctx, unsigned char *out, size_t n)
{
    const mk_env *env = ctx;
    env->rng(env->ctx, out, n);
    return 0;
}

/* Script: a fresh key of our type, unrelated to ours. Returns its length, 0 on failure. */
static size_t wrong_key(const peer_sa *p, uint8_t *out, size_t cap)
{
    if (p->key_type == MK_KEY_ED25519) {
        p->env.rng(p->env.ctx, out, MK_ED25519_SEED);
        return MK_ED25519_SEED;
    }
    mbedtls_pk_context pk;
    mk_env env = p->env;
    size_t n = 0;
    mbedtls_pk_init(&pk);
    if (mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA)) == 0 &&
        mbedtls_rsa_gen_key(mbedtls_pk_rsa(pk), rng_fn, &env, WRONG_RSA_BITS, 65537) == 0) {
        /* mbedtls_pk_write_key_der writes at the end of the buffer */
        int rc = mbedtls_pk_write_key_der(&pk, out, cap);
        if (rc > 0) {
            n = (size_t)rc;
            memmove(out, out + cap - n, n);
        }
    }
    mbedtls_pk_free(&pk);
    return n;
}

mk_err peer_rpk_auth(peer_sa *p, const mk_chain *in, mk_wr *w, size_t *slot, const uint8_t *idr,
                     size_t idr_len)
{
    uint8_t octets[OCTETS_CAP], auth[AUTH_CAP], bad[WRONG_KEY_CAP];
    const uint8_t *priv = p->cfg.priv_key;
    size_t priv_len = p->cfg.priv_key_len, auth_len = 0, at;
    const mk_sig_class *sc;
    mk_certv cr;
    mk_err e;

    /* RFC 7427 §4 / RFC 8420 §2: sign only with a hash the initiator announced; without its
     * N(SIGNATURE_HASH_ALGORITHMS) RSA falls back to method 1, Ed25519 cannot sign at all */
    if ((e = mk_sig_choose(p->key_type, p->ini_sha, p->ini_hashes, &sc)) != MK_E_OK) {
        peer_trace(p, MK_EV_INFO, "initiator announced no hash our key can use");
        return e;
    }
    peer_trace(p, MK_EV_INFO, sc->name);
    if (p->cfg.sign_with_wrong_key || p->cfg.script.wrong_auth) {
        peer_trace(p, MK_EV_INFO, "script: signing with an unrelated key");
        if ((priv_len = wrong_key(p, bad, sizeof bad)) == 0) {
            e = MK_E_CRYPTO;
            goto out;
        }
        priv = bad;
    }
    /* ResponderSignedOctets = RealMessage2 | NonceIData | MACedIDForR  (RFC 7296 §2.15) */
    size_t n = signed_octets(p->prf, p->init_resp, p->init_resp_len, p->ni, p->ni_len, p->keys.pr,
                             idr, idr_len, octets);
    e = mk_sig_auth_build(sc, &p->env, priv, priv_len, octets, n, auth, sizeof auth, &auth_len);
    if (e != MK_E_OK)
        goto out;
    /* RFC 7670 §3 / RFC 7296 §3.6: our raw key in CERT(15) when the initiator asked for it
     * (CERTREQ(15) in IKE_SA_INIT or IKE_AUTH) or when configured, before AUTH */
    bool want = p->ini_certreq || p->cfg.send_cert || find_raw(in, MK_PT_CERTREQ, &cr);
    if (want && !p->cfg.no_cert) {
        at = mk_pl_begin(w, slot, MK_PT_CERT, false);
        mk_pl_encode_cert(w, MK_CERT_RAW_PUBKEY, p->spki, p->spki_len);
        mk_pl_end(w, at);
    }
    at = mk_pl_begin(w, slot, MK_PT_AUTH, false);
    mk_pl_encode_auth(w, sc->method, auth, auth_len);
    mk_pl_end(w, at);
out:
    mk_wipe(octets, sizeof octets);
    mk_wipe(bad, sizeof bad);
    return e;
}

#else /* !MK_RPK: PSK only; mk_peer_new refuses MK_AUTH_DIGSIG, so none of this runs */

bool peer_rpk_setup(peer_sa *p, const mk_peer_config *cfg)
{
    (void)p;
    (void)cfg;
    return false;
}

mk_err peer_rpk_parse_init(const mk_chain *c, bool *sha, uint8_t *hashes, bool *certreq)
{
    (void)c;
    *sha = *certreq = false;
    *hashes = 0;
    return MK_E_OK;
}

void peer_rpk_init_payloads(const peer_sa *p, mk_wr *w, size_t *slot)
{
    (void)p;
    (void)w;
    (void)slot;
}

mk_err peer_rpk_verify(peer_sa *p, const mk_chain *in, const mk_pl *idi, const mk_authv *av)
{
    (void)p;
    (void)in;
    (void)idi;
    (void)av;
    return MK_E_AUTH_FAILED;
}

mk_err peer_rpk_auth(peer_sa *p, const mk_chain *in, mk_wr *w, size_t *slot, const uint8_t *idr,
                     size_t idr_len)
{
    (void)p;
    (void)in;
    (void)w;
    (void)slot;
    (void)idr;
    (void)idr_len;
    return MK_E_BAD_CONFIG;
}

#endif
