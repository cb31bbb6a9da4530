/* SPDX-License-Identifier: MIT */
/*
 * chk_rpk: raw public keys for the responder of `minike check` (--auth rpk): RFC 7670 CERT and
 * CERTREQ encoding 15 (a DER SubjectPublicKeyInfo), RFC 7427 AUTH method 14 with the
 * SIGNATURE_HASH_ALGORITHMS notify, RFC 8420 Ed25519, RFC 7296 method 1 for RSA. Signing and
 * verifying go through ref/'s sig.c and spki.c (libsodium, mbedTLS); the one scripted signature
 * sig.c refuses to make, RSA with a hash the initiator did not announce, is made here with
 * mbedTLS's own PKCS#1 v1.5 signer. The checker trusts exactly one initiator key (ini_spki) and
 * pins nothing else: a CERT the initiator sends is compared with that key, never trusted.
 */
#include <string.h>

#include "chk.h"
#include "msg_cert.h"
#include "sig.h"
#include "spki.h"

bool chk_rpk_case(const chk_case *c)
{
    return c->judge == J_RPK || (c->mut >= M_RPK_CERTREQ && c->mut <= M_RPK_PSK_METHOD);
}

#if MK_RPK

#include <mbedtls/md.h>
#include <mbedtls/pk.h>

enum {
    OCTETS_CAP = MK_MAX_MSG + 320 + MK_MAX_PRF_OUT, /* RealMessage | Nonce | MACedID */
    AUTH_CAP = 1 + 15 + MK_MAX_SIG,
};

/* RFC 7427 Appendix A: the AlgorithmIdentifiers (DER) a method-14 AUTH names, and the hash ID
 * each stands for. sha1/384/512WithRSAEncryption are 1.2.840.113549.1.1.{5,12,13}. */
typedef struct algid {
    uint8_t hash;
    mbedtls_md_type_t md;
    uint8_t der[15];
    uint8_t len;
} algid;
static const algid algids[] = {
    {MK_HASH_IDENTITY, MBEDTLS_MD_NONE, {0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70}, 7},
    {MK_HASH_SHA1,
     MBEDTLS_MD_SHA1,
     {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05, 0x05, 0x00},
     15},
    {MK_HASH_SHA2_256,
     MBEDTLS_MD_SHA256,
     {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00},
     15},
    {MK_HASH_SHA2_384,
     MBEDTLS_MD_SHA384,
     {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c, 0x05, 0x00},
     15},
    {MK_HASH_SHA2_512,
     MBEDTLS_MD_SHA512,
     {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d, 0x05, 0x00},
     15},
};

static void note(chk_run *r, const char *s)
{
    if (r->f.note[0] == 0)
        snprintf(r->f.note, sizeof r->f.note, "%s", s);
}

/* The hash ID a method-14 AUTH body names (1-octet length | AlgorithmIdentifier | sig). */
static uint8_t auth_hash(const mk_authv *av)
{
    if (av->method != MK_AUTH_DIGSIG || av->len < 1 || (size_t)av->data[0] + 1 > av->len)
        return 0;
    for (size_t i = 0; i < sizeof algids / sizeof algids[0]; i++)
        if (av->data[0] == algids[i].len && memcmp(av->data + 1, algids[i].der, algids[i].len) == 0)
            return algids[i].hash;
    return 0;
}

static uint8_t bits_of(const uint8_t *d, size_t n)
{
    uint8_t b = 0;
    for (size_t j = 0; j + 1 < n; j += 2) {
        uint16_t h = (uint16_t)(d[j] << 8 | d[j + 1]);
        if (h >= 1 && h <= MK_HASH_IDENTITY)
            b = (uint8_t)(b | 1u << h);
    }
    return b;
}

/* The initiator's key type (from the key we trust for it). */
static uint8_t ini_key_type(const chk_run *r)
{
    uint8_t t = MK_KEY_NONE;
    (void)mk_spki_check(r->setup->ini_spki, r->setup->ini_spki_len, &t);
    return t;
}

uint8_t chk_rpk_our_hashes(const chk_run *r)
{
    bool ed = ini_key_type(r) == MK_KEY_ED25519;
    switch (r->c->mut) {
    case M_RPK_NO_HASH_NOTIFY:
        return 0;
    /* the one hash its key can be used with: Identity for Ed25519 (RFC 8420), SHA2-256 for RSA */
    case M_RPK_HASHES_ONE:
        return (uint8_t)(1u << (ed ? MK_HASH_IDENTITY : MK_HASH_SHA2_256));
    /* none its key can use: SHA-2 only for Ed25519, Identity only for RSA */
    case M_RPK_HASHES_NONE:
        return ed ? (uint8_t)(1u << MK_HASH_SHA2_256 | 1u << MK_HASH_SHA2_384 |
                              1u << MK_HASH_SHA2_512)
                  : (uint8_t)(1u << MK_HASH_IDENTITY);
    default:
        return bits_of(mk_sig_our_hashes, sizeof mk_sig_our_hashes);
    }
}

void chk_rpk_parse_init(chk_run *r, const mk_chain *c)
{
    chk_sa *sa = &r->sa;
    sa->ini_sha = false;
    sa->ini_hashes = 0;
    sa->ini_certreq = false;
    for (size_t i = 0; i < c->n; i++) {
        mk_notify nt;
        mk_certv cr;
        if (c->pl[i].type == MK_PT_NOTIFY &&
            mk_pl_decode_notify(&nt, c->pl[i].body, c->pl[i].len) == MK_E_OK &&
            nt.type == MK_N_SIGNATURE_HASH_ALGORITHMS) {
            sa->ini_sha = true;
            sa->ini_hashes = (uint8_t)(sa->ini_hashes | bits_of(nt.data, nt.data_len));
        }
        if (c->pl[i].type == MK_PT_CERTREQ &&
            mk_pl_decode_cert(&cr, c->pl[i].body, c->pl[i].len) == MK_E_OK &&
            cr.encoding == MK_CERT_RAW_PUBKEY)
            sa->ini_certreq = true;
    }
    uint8_t rsa_hashes = 1u << MK_HASH_SHA1 | 1u << MK_HASH_SHA2_384 | 1u << MK_HASH_SHA2_512;
    if (r->c->mut == M_RPK_UNANNOUNCED_HASH && r->setup->key_type != MK_KEY_RSA) {
        r->na = true;
        snprintf(r->na_why, sizeof r->na_why,
                 "the checker's key is Ed25519, which signs with Identity only (RFC 8420): "
                 "a hash the initiator did not announce needs --key-type rsa");
    } else if (r->c->mut == M_RPK_UNANNOUNCED_HASH && (sa->ini_hashes & rsa_hashes) == rsa_hashes) {
        r->na = true;
        snprintf(r->na_why, sizeof r->na_why,
                 "the initiator announced every RSA hash (SHA-1, SHA2-384, SHA2-512)");
    }
}

void chk_rpk_init_payloads(const chk_run *r, mk_wr *w, size_t *slot)
{
    size_t at;
    /* RFC 7670 §3: CERTREQ with encoding 15 and no CA data asks for a raw public key */
    if (r->c->mut == M_RPK_CERTREQ) {
        at = mk_pl_begin(w, slot, MK_PT_CERTREQ, false);
        mk_pl_encode_cert(w, MK_CERT_RAW_PUBKEY, NULL, 0);
        mk_pl_end(w, at);
    }
    uint8_t bits = chk_rpk_our_hashes(r), d[10];
    size_t n = 0;
    if (r->c->mut == M_RPK_NO_HASH_NOTIFY)
        return;
    /* RFC 7427 §4: the notify data is a list of 16-bit hash IDs */
    for (uint8_t h = 1; h <= MK_HASH_IDENTITY; h++)
        if (bits & (1u << h)) {
            d[n++] = 0;
            d[n++] = h;
        }
    at = mk_pl_begin(w, slot, MK_PT_NOTIFY, false);
    mk_pl_encode_notify(w, 0, NULL, 0, MK_N_SIGNATURE_HASH_ALGORITHMS, d, n);
    mk_pl_end(w, at);
}

/* <SignedOctets> = RealMessage | Nonce | prf(SK_p, RestOfIDPayload) (RFC 7296 §2.15). */
static size_t octets(const chk_sa *sa, const uint8_t *real, size_t real_len, const uint8_t *nonce,
                     size_t nonce_len, const uint8_t *sk_p, const uint8_t *id, size_t id_len,
                     uint8_t *out)
{
    memcpy(out, real, real_len);
    memcpy(out + real_len, nonce, nonce_len);
    mk_ks_maced_id(sa->prf, sk_p, id, id_len, out + real_len + nonce_len);
    return real_len + nonce_len + sa->prf->out_len;
}

static const uint8_t *find_cert(const mk_chain *in, uint8_t type, mk_certv *cv)
{
    for (size_t i = 0; i < in->n; i++)
        if (in->pl[i].type == type &&
            mk_pl_decode_cert(cv, in->pl[i].body, in->pl[i].len) == MK_E_OK &&
            cv->encoding == MK_CERT_RAW_PUBKEY)
            return cv->data;
    return NULL;
}

bool chk_rpk_verify(chk_run *r, const mk_chain *in, const mk_pl *idi, const mk_authv *av)
{
    static uint8_t buf[OCTETS_CAP];
    const chk_setup *su = r->setup;
    chk_sa *sa = &r->sa;
    mk_certv cv;
    mk_spki key;
    uint8_t ours = chk_rpk_our_hashes(r);

    if (find_cert(in, MK_PT_CERTREQ, &cv) != NULL)
        sa->ini_certreq = true;
    bool first = !r->f.rpk_auth_seen;
    uint8_t cert = 0;
    if (find_cert(in, MK_PT_CERT, &cv) != NULL)
        cert = cv.len == su->ini_spki_len && memcmp(cv.data, su->ini_spki, cv.len) == 0 ? 1 : 2;
    if (mk_spki_parse(&key, su->ini_spki, su->ini_spki_len) != MK_E_OK)
        return false;
    /* InitiatorSignedOctets = RealMessage1 | NonceRData | MACedIDForI */
    size_t nrl = sa->nr_len > MK_MAX_NONCE ? MK_MAX_NONCE : sa->nr_len;
    size_t n = octets(sa, sa->init_req, sa->init_req_len, sa->nr, nrl, sa->keys.pi, idi->body,
                      idi->len, buf);
    /* RFC 7296 §2.15: the AUTH must verify under the key configured for the initiator */
    bool ok = mk_sig_auth_verify(&key, av->method, av->data, av->len, buf, n) == MK_E_OK;
    mk_wipe(buf, sizeof buf);
    uint8_t h = auth_hash(av);
    if (first) {
        r->f.rpk_auth_seen = true;
        r->f.rpk_method = av->method;
        r->f.rpk_hash = h;
        r->f.rpk_verified = ok;
        r->f.rpk_cert = cert;
    }
    if (!ok) {
        note(r, "the initiator's AUTH does not verify under its configured raw key");
        return false;
    }
    /* RFC 7427 §4: a signature with a hash we did not announce is refused; §3: with both
     * notifies sent, the signature must be method 14 */
    if (av->method == MK_AUTH_DIGSIG && !(ours & (1u << h))) {
        note(r, "the initiator signed with a hash the checker did not announce");
        return false;
    }
    if (av->method != MK_AUTH_DIGSIG && sa->ini_sha && ours != 0) {
        note(r, "the initiator used method 1 though both sides announced hashes");
        return false;
    }
    return true;
}

/* mbedTLS's f_rng over the case's randomness (RSA blinding). */
static int rng_fn(void *ctx, unsigned char *out, size_t n)
{
    const mk_env *env = ctx;
    env->rng(env->ctx, out, n);
    return 0;
}

/* Script: RSA PKCS#1 v1.5 method 14 with hash `a` (sig.c signs only what may be announced). */
static bool sign_rsa_md(chk_run *r, const algid *a, const uint8_t *msg, size_t len, uint8_t *out,
                        size_t cap, size_t *out_len)
{
    const chk_setup *su = r->setup;
    const mbedtls_md_info_t *mi = mbedtls_md_info_from_type(a->md);
    uint8_t h[64];
    size_t sl = 0;
    bool ok = false;
    mbedtls_pk_context pk;
    mbedtls_pk_init(&pk);
    if (mi != NULL && cap > 1u + a->len &&
        mbedtls_pk_parse_key(&pk, su->key, su->key_len, NULL, 0) == 0 &&
        mbedtls_md(mi, msg, len, h) == 0 &&
        mbedtls_pk_sign(&pk, a->md, h, mbedtls_md_get_size(mi), out + 1 + a->len, &sl, rng_fn,
                        &r->env) == 0 &&
        1 + a->len + sl <= cap) {
        out[0] = a->len;
        memcpy(out + 1, a->der, a->len);
        *out_len = 1 + a->len + sl;
        ok = true;
    }
    mbedtls_pk_free(&pk);
    return ok;
}

bool chk_rpk_auth(chk_run *r, uint16_t mut, const mk_chain *in, const uint8_t *idr, size_t idr_len,
                  mk_wr *w, size_t *slot)
{
    static uint8_t buf[OCTETS_CAP];
    const chk_setup *su = r->setup;
    chk_sa *sa = &r->sa;
    uint8_t auth[AUTH_CAP];
    size_t al = 0, n, at;
    const mk_sig_class *sc = NULL;
    const uint8_t *priv = su->key;
    size_t priv_len = su->key_len;
    bool ok;

    if (mut == M_RPK_OTHER_KEY || mut == M_AUTH_WRONG) {
        /* a key the initiator never trusted (Ed25519, unrelated to ours) */
        priv = su->other;
        priv_len = sizeof su->other;
        sc = &mk_sig_ed25519;
    } else if (mk_sig_choose(su->key_type, sa->ini_sha, sa->ini_hashes, &sc) != MK_E_OK) {
        note(r, "the initiator announced no hash the checker's key can use");
        return false;
    }
    if (mut == M_AUTH_OVER_INIT_REQ) /* reflection: the initiator's own octets and keys */
        n = octets(sa, sa->init_req, sa->init_req_len, sa->nr, sa->nr_len, sa->keys.pi, idr,
                   idr_len, buf);
    else if (mut == M_RPK_WRONG_OCTETS) /* our nonce where the initiator's belongs */
        n = octets(sa, sa->init_resp, sa->init_resp_len, sa->nr, sa->nr_len, sa->keys.pr, idr,
                   idr_len, buf);
    else /* ResponderSignedOctets = RealMessage2 | NonceIData | MACedIDForR */
        n = octets(sa, sa->init_resp, sa->init_resp_len, sa->ni, sa->ni_len, sa->keys.pr, idr,
                   idr_len, buf);
    if (mut == M_RPK_UNANNOUNCED_HASH) {
        /* the strongest RSA hash the initiator did not announce */
        static const uint8_t pref[] = {4, 3, 1}; /* algids[] indexes: SHA2-512, 384, SHA-1 */
        ok = false;
        for (size_t i = 0; i < sizeof pref && !ok; i++)
            if (!(sa->ini_hashes & (1u << algids[pref[i]].hash)))
                ok = sign_rsa_md(r, &algids[pref[i]], buf, n, auth, sizeof auth, &al);
    } else {
        ok = mk_sig_auth_build(sc, &r->env, priv, priv_len, buf, n, auth, sizeof auth, &al) ==
             MK_E_OK;
    }
    mk_wipe(buf, sizeof buf);
    if (!ok) {
        note(r, "the checker could not sign its AUTH");
        return false;
    }
    /* RFC 7670 §3 / RFC 7296 §3.6: CERT(15) with our key when the initiator asked for it; the
     * other key's CERT in the wrong-key case */
    mk_certv cv;
    if (mut == M_RPK_OTHER_KEY) {
        at = mk_pl_begin(w, slot, MK_PT_CERT, false);
        mk_pl_encode_cert(w, MK_CERT_RAW_PUBKEY, su->other_spki, su->other_spki_len);
        mk_pl_end(w, at);
    } else if (sa->ini_certreq || find_cert(in, MK_PT_CERTREQ, &cv) != NULL) {
        at = mk_pl_begin(w, slot, MK_PT_CERT, false);
        mk_pl_encode_cert(w, MK_CERT_RAW_PUBKEY, su->spki, su->spki_len);
        mk_pl_end(w, at);
    }
    if (mut == M_AUTH_TRUNC && (size_t)r->c->arg < al)
        al -= (size_t)r->c->arg;
    if (mut != M_AUTH_MISSING) {
        at = mk_pl_begin(w, slot, MK_PT_AUTH, false);
        mk_pl_encode_auth(w, mut == M_RPK_UNANNOUNCED_HASH ? MK_AUTH_DIGSIG : sc->method, auth, al);
        mk_pl_end(w, at);
    }
    return true;
}

#else /* !MK_RPK: the checker serves PSK only; --auth rpk is refused by the CLI */

uint8_t chk_rpk_our_hashes(const chk_run *r)
{
    (void)r;
    return 0;
}
void chk_rpk_parse_init(chk_run *r, const mk_chain *c)
{
    (void)r;
    (void)c;
}
void chk_rpk_init_payloads(const chk_run *r, mk_wr *w, size_t *slot)
{
    (void)r;
    (void)w;
    (void)slot;
}
bool chk_rpk_verify(chk_run *r, const mk_chain *in, const mk_pl *idi, const mk_authv *av)
{
    (void)r;
    (void)in;
    (void)idi;
    (void)av;
    return false;
}
bool chk_rpk_auth(chk_run *r, uint16_t mut, const mk_chain *in, const uint8_t *idr, size_t idr_len,
                  mk_wr *w, size_t *slot)
{
    (void)r;
    (void)mut;
    (void)in;
    (void)idr;
    (void)idr_len;
    (void)w;
    (void)slot;
    return false;
}
#endif
