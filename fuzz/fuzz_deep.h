/* SPDX-License-Identifier: MIT */
/*
 * fuzz_deep.h: more deterministic exchanges for the deep-state targets (issue 14, finding 7):
 * the exchange of fuzz_ike.h with another suite (AES-GCM-16-256 + P-256, AES-CBC-256 +
 * HMAC-SHA2-256-128 + MODP-2048, AES-GCM-16-128 + X25519) or with raw public keys (Ed25519 or
 * RSA-2048 on both sides, pinned, fuzz_keys.h). A world runs to AUTH_SENT (or further); its
 * mk_ike is snapshot, and `genuine` holds the plaintext of the real IKE_AUTH response the
 * responder would have sent, so seeds (gen_seeds_deep.c) start from an answer that verifies.
 */
#ifndef MK_FUZZ_DEEP_H
#define MK_FUZZ_DEEP_H

#include "fuzz_ike.h"
#include "fuzz_keys.h"
#include "sk.h"

enum {
    FZD_GCM_P256,   /* aes256gcm16-prfsha256-ecp256 */
    FZD_CBC_MODP,   /* aes256-sha256-modp2048 */
    FZD_GCM_X25519, /* aes128gcm16-prfsha256-x25519 */
    FZD_N_SUITES,
    FZD_ED25519 = FZD_N_SUITES, /* default suite, Ed25519 raw keys both ways */
    FZD_RSA,                    /* default suite, RSA-2048 raw keys both ways */
    FZD_N_KINDS
};

static inline void fzd_suite(mk_config *cfg, int kind)
{
    static const mk_ike_suite ike[FZD_N_SUITES] = {
        {MK_ENCR_AES_GCM_16, 256, MK_PRF_HMAC_SHA2_256, MK_INTEG_NONE, MK_DH_ECP256},
        {MK_ENCR_AES_CBC, 256, MK_PRF_HMAC_SHA2_256, MK_INTEG_HMAC_SHA2_256_128, MK_DH_MODP2048},
        {MK_ENCR_AES_GCM_16, 128, MK_PRF_HMAC_SHA2_256, MK_INTEG_NONE, MK_DH_X25519},
    };
    static const mk_esp_suite esp[FZD_N_SUITES] = {
        {MK_ENCR_AES_GCM_16, 256, MK_INTEG_NONE},
        {MK_ENCR_AES_CBC, 256, MK_INTEG_HMAC_SHA2_256_128},
        {MK_ENCR_AES_GCM_16, 128, MK_INTEG_NONE},
    };
    if (kind < 0 || kind >= FZD_N_SUITES)
        return;
    cfg->ike[0] = ike[kind];
    cfg->n_ike = 1;
    cfg->esp[0] = esp[kind];
    cfg->n_esp = 1;
}

/* Fresh initiator and peer for `kind`, both seeded; 0 if the library refuses the config. */
static inline int fzd_world_start(fz_world *w, int kind)
{
    fz_config(&w->cfg);
    fzd_suite(&w->cfg, kind);
    fz_peer_config(&w->pcfg, &w->cfg);
    if (kind == FZD_ED25519 || kind == FZD_RSA) {
        int rsa = kind == FZD_RSA;
        w->cfg.auth_method = MK_AUTH_DIGSIG;
        w->cfg.psk = NULL;
        w->cfg.psk_len = 0;
#if MK_RPK /* else mk_init refuses MK_AUTH_DIGSIG: the world is not started (0) */
        w->cfg.priv_key = rsa ? fzk_rsa_i_priv : fzk_ed_i_seed;
        w->cfg.priv_key_len = rsa ? sizeof fzk_rsa_i_priv : sizeof fzk_ed_i_seed;
        w->cfg.spki = rsa ? fzk_rsa_i_spki : fzk_ed_i_spki;
        w->cfg.spki_len = rsa ? sizeof fzk_rsa_i_spki : sizeof fzk_ed_i_spki;
        w->cfg.peer_spki = rsa ? fzk_rsa_p_spki : fzk_ed_p_spki;
        w->cfg.peer_spki_len = rsa ? sizeof fzk_rsa_p_spki : sizeof fzk_ed_p_spki;
#endif
        w->pcfg.auth_method = MK_AUTH_DIGSIG;
        w->pcfg.priv_key = rsa ? fzk_rsa_p_priv : fzk_ed_p_seed;
        w->pcfg.priv_key_len = rsa ? sizeof fzk_rsa_p_priv : sizeof fzk_ed_p_seed;
        w->pcfg.spki = rsa ? fzk_rsa_p_spki : fzk_ed_p_spki;
        w->pcfg.spki_len = rsa ? sizeof fzk_rsa_p_spki : sizeof fzk_ed_p_spki;
        w->pcfg.peer_spki = rsa ? fzk_rsa_i_spki : fzk_ed_i_spki;
        w->pcfg.peer_spki_len = rsa ? sizeof fzk_rsa_i_spki : sizeof fzk_ed_i_spki;
        w->pcfg.send_cert = true; /* CERT(15) in the answer: its parser is reached too */
    }
    fz_env_init(&w->env_i, &w->rng_i, FZ_SEED_INITIATOR);
    fz_env_init(&w->env_p, &w->rng_p, FZ_SEED_PEER);
    fz_set_addr(&w->from_i, 1, MK_PORT_IKE);
    memset(&w->ike, 0, sizeof(w->ike));
    if (mk_init(&w->ike, &w->cfg, &w->env_i) != MK_E_OK)
        return 0;
    w->peer = mk_peer_new(&w->pcfg, &w->env_p);
    if (w->peer == NULL)
        return 0;
    return mk_start(&w->ike, FZ_NOW_MS) == MK_E_OK;
}

/* A world whose request (IKE_AUTH, a Delete, ...) is still queued: hand that request to the peer
 * and open the peer's answer with the responder's keys, without giving it to the initiator.
 * Fills the plaintext (and the first inner type); returns its length (0: an empty SK, as the
 * answer to a Delete), -1 on failure. The initiator's request is marked sent. */
static inline long fzd_genuine_answer(fz_world *w, uint8_t *plain, size_t cap, uint8_t *first,
                                      mk_ike_keys *keys, mk_sk_keys *rk)
{
    static mk_msg m;
    static mk_chain in;
    const uint8_t *out;
    uint16_t port;
    size_t n = mk_tx_peek(&w->ike, &out, &port);
    if (n == 0 || cap < MK_MAX_MSG)
        return -1;
    (void)mk_peer_on_dgram(w->peer, out, n, port, &w->from_i, FZ_NOW_MS);
    mk_tx_done(&w->ike);
    if (!mk_keys_export(&w->ike, keys) || !fz_sk_keys(&w->cfg, keys, 1, rk))
        return -1;
    n = mk_peer_tx_peek(w->peer, &out, &port);
    if (n == 0)
        return -1;
    if (port == MK_PORT_NATT) {
        out += MK_NATT_MARKER;
        n -= MK_NATT_MARKER;
    }
    if (mk_msg_parse(&m, out, n) != MK_E_OK || !m.has_sk ||
        mk_sk_open(&m, rk, plain, MK_MAX_MSG, &in) != MK_E_OK)
        return -1;
    size_t icv = rk->encr->aead ? rk->encr->icv_len : rk->integ->icv_len;
    size_t ct = m.sk_len - rk->encr->iv_len - icv;
    *first = m.sk_first;
    mk_peer_tx_done(w->peer);
    return (long)(ct - 1 - plain[ct - 1]);
}

/* One state snapshot per kind, for targets that feed sealed IKE_AUTH responses. */
typedef struct fzd_auth {
    fz_snap s;
    uint8_t genuine[MK_MAX_MSG];
    long genuine_len;
    uint8_t genuine_first;
} fzd_auth;

static inline void fzd_auth_setup(fzd_auth *a, int kind)
{
    mk_ike_keys keys;
    mk_sk_keys rk;
    FZ_CHECK(fzd_world_start(&a->s.w, kind));
    FZ_CHECK(fz_world_run(&a->s.w, MK_ST_AUTH_SENT));
    a->genuine_len =
        fzd_genuine_answer(&a->s.w, a->genuine, sizeof a->genuine, &a->genuine_first, &keys, &rk);
    FZ_CHECK(a->genuine_len > 0);
    fz_snap_take(&a->s);
}

/* Seal [plaintext] as the IKE_AUTH response of snapshot `a` (ctl as fuzz_auth_resp.c: bit 0
 * message ID 0; bit 1 INFORMATIONAL; bit 2 no Response flag; bit 3 wrong SPIr), feed it to the
 * restored initiator and check the invariants. */
static inline void fzd_auth_feed(fzd_auth *a, uint8_t ctl, uint8_t first, const uint8_t *data,
                                 size_t size)
{
    mk_err e = fz_snap_feed(&a->s, (ctl & 2) ? MK_EX_INFORMATIONAL : MK_EX_IKE_AUTH,
                            (ctl & 4) ? 0 : MK_HDR_F_RESPONSE, (ctl & 1) ? 0 : 1, ctl & 8, first,
                            data, size);
    if (e == MK_E_OK) {
        mk_esp_sa child;
        if (mk_child(&a->s.w.ike, &child))
            FZ_EAT(child.spi_out);
        FZ_EAT(a->s.w.ike.st);
    }
}

#endif
