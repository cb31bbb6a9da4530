/* SPDX-License-Identifier: MIT */
/* Target: the configuration a caller hands to mk_init / mk_start (every validation branch:
 * suites, PSK, identities, selectors, raw keys and pins), then the whole exchange with what was
 * accepted (any registered suite, transport mode, NAT detection, pinned / fingerprinted /
 * imprinted raw keys, trace text on), mk_child / mk_suite_selected / mk_keys_export, and
 * mk_delete to CLOSED; the API's BAD_STATE and name functions on the way */
/*
 * Input (each octet read with fz_take8, so a short input means zeros):
 *   [f0][f1][n_ike]{[encr][bits][prf][integ][dh]} x min(n_ike, 8)
 *   [n_esp]{[encr][bits][integ]} x min(n_esp, 8)
 *   [psk][ids][ts][rto][err]
 * Octets that pick a transform index a table of IANA numbers that also holds unregistered and
 * missing ones. f0: bit 0 tunnel, 1 natt, 2 force_4500, 3 initial_contact, 4 trace on, 5 run the
 * exchange, 6 NULL suite registry, 7 NULL rng. f1: bits 0-1 auth (PSK, Ed25519, RSA, Ed25519
 * private key with the RSA SPKI), bits 2-3 pin (peer SPKI, its fingerprint, a wrong fingerprint,
 * none: imprint), bit 4 the imprint callback refuses, bit 5 send_cert, bit 6 the responder sends
 * no CERT, bit 7 our local address is not what the responder sees (NAT detected). psk: its
 * length (255: one over the limit; bit 0 of ids set and psk 0: NULL). ids: bits 0-1 IDi type,
 * bits 2-3 IDr (the responder's, empty = any, another name, empty IDi), bit 4 the responder
 * announces no hash.
 * ts: bits 0-1 TSi type, 2-3 TSr type (IPv4, IPv6, 0, 9), bits 4-7 TSi protocol.
 * Invariants: mk_init answers OK or BAD_CONFIG only; mk_start OK; the exchange of an accepted
 * config either establishes (then the child SA and the keys are exported and the Delete closes
 * the SA) or ends FAILED with a sticky error; no sanitizer report.
 */
#include <stdlib.h>

#include "fuzz_ike.h"
#include "fuzz_keys.h"

static const uint16_t encrs[] = {MK_ENCR_CHACHA20_POLY1305,
                                 MK_ENCR_AES_GCM_16,
                                 MK_ENCR_AES_GCM_12,
                                 MK_ENCR_AES_GCM_8,
                                 MK_ENCR_AES_CCM_16,
                                 MK_ENCR_AES_CCM_12,
                                 MK_ENCR_AES_CCM_8,
                                 MK_ENCR_AES_CBC,
                                 3,
                                 0};
static const uint16_t bits[] = {0, 128, 256, 192, 1};
static const uint16_t prfs[] = {MK_PRF_HMAC_SHA2_256, MK_PRF_HMAC_SHA2_512, MK_PRF_HMAC_SHA2_384,
                                0};
static const uint16_t integs[] = {MK_INTEG_NONE, MK_INTEG_HMAC_SHA2_256_128,
                                  MK_INTEG_HMAC_SHA2_512_256, 2};
static const uint16_t dhs[] = {MK_DH_X25519, MK_DH_ECP256, MK_DH_MODP2048, 2};
#define PICK(tab, b) ((tab)[(b) % (sizeof(tab) / sizeof((tab)[0]))])

static fz_world w;
static uint8_t psk_buf[MK_MAX_PSK + 8];
static int refuse_imprint;
static size_t trace_bytes;

static bool imprint_cb(void *ctx, const uint8_t *spki, size_t len)
{
    (void)ctx;
    fz_eat(spki, len);
    return !refuse_imprint;
}

static void trace_cb(void *ctx, mk_event ev, const char *detail)
{
    (void)ctx;
    (void)ev;
    trace_bytes += strlen(detail);
    fz_eat(detail, strlen(detail));
}

static void take_suites(mk_config *cfg, const uint8_t **data, size_t *size)
{
    uint8_t n = fz_take8(data, size);
    cfg->n_ike = n % 10u; /* 9: over MK_MAX_SUITES */
    for (size_t i = 0; i < cfg->n_ike && i < MK_MAX_SUITES; i++) {
        cfg->ike[i].encr = PICK(encrs, fz_take8(data, size));
        cfg->ike[i].encr_bits = PICK(bits, fz_take8(data, size));
        cfg->ike[i].prf = PICK(prfs, fz_take8(data, size));
        cfg->ike[i].integ = PICK(integs, fz_take8(data, size));
        cfg->ike[i].dh = PICK(dhs, fz_take8(data, size));
    }
    n = fz_take8(data, size);
    cfg->n_esp = n % 10u;
    for (size_t i = 0; i < cfg->n_esp && i < MK_MAX_SUITES; i++) {
        cfg->esp[i].encr = PICK(encrs, fz_take8(data, size));
        cfg->esp[i].encr_bits = PICK(bits, fz_take8(data, size));
        cfg->esp[i].integ = PICK(integs, fz_take8(data, size));
    }
}

static void set_ts(mk_ts *ts, uint8_t sel, uint8_t last)
{
    static const uint8_t types[] = {MK_TS_IPV4_RANGE, MK_TS_IPV6_RANGE, 0, 9};
    fz_set_ts(ts, last);
    ts->type = types[sel & 3];
    if (ts->type == MK_TS_IPV6_RANGE) {
        memset(ts->start, 0, sizeof ts->start);
        memset(ts->end, 0xff, sizeof ts->end);
    }
}

/* Raw keys on both sides, as fuzz_deep.h does, with the pin and imprint variants of f1. */
static void set_rpk(mk_config *cfg, mk_peer_config *pc, uint8_t f1)
{
    static uint8_t fp[MK_FP_LEN];
    int kind = f1 & 3;
    int rsa = kind == 2;
    cfg->auth_method = MK_AUTH_DIGSIG;
    cfg->priv_key = rsa ? fzk_rsa_i_priv : fzk_ed_i_seed;
    cfg->priv_key_len = rsa ? sizeof fzk_rsa_i_priv : sizeof fzk_ed_i_seed;
    cfg->spki = (rsa || kind == 3) ? fzk_rsa_i_spki : fzk_ed_i_spki;
    cfg->spki_len = (rsa || kind == 3) ? sizeof fzk_rsa_i_spki : sizeof fzk_ed_i_spki;
    const uint8_t *pspki = rsa ? fzk_rsa_p_spki : fzk_ed_p_spki;
    size_t pspki_len = rsa ? sizeof fzk_rsa_p_spki : sizeof fzk_ed_p_spki;
    switch ((f1 >> 2) & 3) {
    case 0:
        cfg->peer_spki = (f1 & 0x80) ? fzk_ed_i_seed : pspki; /* a seed is no SPKI */
        cfg->peer_spki_len = (f1 & 0x80) ? sizeof fzk_ed_i_seed : pspki_len;
        break;
    case 1:
    case 2:
        mk_spki_fingerprint(pspki, pspki_len, fp);
        fp[0] ^= (uint8_t)(((f1 >> 2) & 3) == 2);
        cfg->peer_fp = fp;
        break;
    default:
        cfg->imprint = imprint_cb;
        break;
    }
    cfg->send_cert = (f1 & 0x20) != 0;
    refuse_imprint = (f1 & 0x10) != 0;
    pc->auth_method = MK_AUTH_DIGSIG;
    pc->priv_key = rsa ? fzk_rsa_p_priv : fzk_ed_p_seed;
    pc->priv_key_len = rsa ? sizeof fzk_rsa_p_priv : sizeof fzk_ed_p_seed;
    pc->spki = pspki;
    pc->spki_len = pspki_len;
    pc->send_cert = !(f1 & 0x40);
    pc->no_cert = (f1 & 0x40) != 0;
}

/* The whole exchange of an accepted config, then the Delete. */
static void run(void)
{
    mk_esp_sa child;
    mk_ike_suite is;
    mk_esp_suite es;
    mk_ike_keys k;
    w.peer = mk_peer_new(&w.pcfg, &w.env_p);
    if (w.peer == NULL)
        return;
    FZ_CHECK(mk_start(&w.ike, FZ_NOW_MS) == MK_E_OK);
    FZ_CHECK(mk_start(&w.ike, FZ_NOW_MS) == MK_E_BAD_STATE);
    (void)fz_world_run(&w, MK_ST_ESTABLISHED);
    mk_state st = mk_state_get(&w.ike);
    FZ_EAT(st);
    if (mk_keys_export(&w.ike, &k))
        FZ_EAT(k.encr);
    if (mk_suite_selected(&w.ike, &is, (w.cfg.n_esp & 1) ? &es : NULL))
        FZ_EAT(is.dh);
    if (st == MK_ST_ESTABLISHED) {
        FZ_CHECK(mk_child(&w.ike, &child));
        FZ_EAT(child.spi_out);
        mk_esp_wipe(&child);
#if MK_DELETE
        FZ_CHECK(mk_delete(&w.ike, FZ_NOW_MS) == MK_E_OK);
        (void)fz_world_run(&w, MK_ST_CLOSED);
#endif
    } else {
        FZ_CHECK(!mk_child(&w.ike, &child));
        FZ_CHECK(st == MK_ST_FAILED || st == MK_ST_INIT_SENT || st == MK_ST_AUTH_SENT);
#if MK_DELETE
        FZ_CHECK(mk_delete(&w.ike, FZ_NOW_MS) == MK_E_BAD_STATE);
#endif
    }
    const mk_stats *s = mk_stats_get(&w.ike);
    FZ_EAT(s->tx_dgrams);
    mk_peer_free(w.peer);
    w.peer = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t f0 = fz_take8(&data, &size);
    uint8_t f1 = fz_take8(&data, &size);
    mk_config *cfg = &w.cfg;

    /* the calls that need a configured mk_ike answer BAD_STATE on a zeroed one */
    memset(&w.ike, 0, sizeof w.ike);
    FZ_CHECK(mk_init(NULL, cfg, &w.env_i) == MK_E_BAD_CONFIG);
    FZ_CHECK(mk_start(&w.ike, FZ_NOW_MS) == MK_E_BAD_STATE);
    FZ_CHECK(mk_on_dgram(&w.ike, data, size, MK_PORT_IKE, FZ_NOW_MS) == MK_E_BAD_STATE);
    FZ_CHECK(mk_on_timer(&w.ike, FZ_NOW_MS) == MK_E_BAD_STATE);
#if MK_DELETE
    FZ_CHECK(mk_delete(&w.ike, FZ_NOW_MS) == MK_E_BAD_STATE);
#endif

    fz_config(cfg);
    take_suites(cfg, &data, &size);
    fz_peer_config(&w.pcfg, cfg);
    cfg->tunnel = (f0 & 1) != 0;
    cfg->natt = w.pcfg.natt = (f0 & 2) != 0;
    cfg->force_4500 = (f0 & 4) != 0;
    cfg->initial_contact = (f0 & 8) != 0;
    if (f0 & 0x40)
        cfg->suites = NULL;

    uint8_t psk = fz_take8(&data, &size);
    uint8_t ids = fz_take8(&data, &size);
    uint8_t ts = fz_take8(&data, &size);
    uint8_t rto = fz_take8(&data, &size);
    uint8_t err = fz_take8(&data, &size);
    if (f1 & 3) {
        cfg->psk = NULL;
        cfg->psk_len = 0;
        set_rpk(cfg, &w.pcfg, f1);
    } else {
        memset(psk_buf, 0x5a, sizeof psk_buf);
        cfg->psk = (psk == 0 && (ids & 1)) ? NULL : psk_buf;
        cfg->psk_len = psk == 255 ? MK_MAX_PSK + 1 : psk;
        w.pcfg.psk = psk_buf;
        w.pcfg.psk_len = cfg->psk_len;
    }
    static const uint8_t id_types[] = {MK_ID_FQDN, MK_ID_KEY_ID, MK_ID_RFC822_ADDR,
                                       MK_ID_IPV4_ADDR};
    cfg->idi.type = w.pcfg.idi.type = id_types[ids & 3];
    switch ((ids >> 2) & 3) {
    case 1:
        cfg->idr.len = 0; /* accept any */
        break;
    case 2:
        fz_set_id(&cfg->idr, MK_ID_FQDN, "someone.else.test");
        break;
    case 3:
        cfg->idi.len = 0;
        break;
    default:
        break;
    }
    w.pcfg.no_hash_notify = (ids & 0x10) != 0;
    set_ts(&cfg->tsi, ts, 1);
    set_ts(&cfg->tsr, (uint8_t)(ts >> 2), 2);
    cfg->tsi.proto = (uint8_t)(ts >> 4);
    w.pcfg.tsr = cfg->tsr;
    if (f1 & 0x80) /* we think we are 10.0.0.9: the responder's NAT_DETECTION hash differs */
        cfg->local.ip[3] = 9;
    cfg->rto_ms = rto & 0x0f;
    cfg->rto_max_ms = (uint32_t)(rto >> 4) * 100u;
    cfg->total_ms = (uint32_t)rto * 50u;

    fz_env_init(&w.env_i, &w.rng_i, FZ_SEED_INITIATOR);
    fz_env_init(&w.env_p, &w.rng_p, FZ_SEED_PEER);
    if (f0 & 0x10)
        w.env_i.trace = trace_cb;
    if (f0 & 0x80)
        w.env_i.rng = NULL;
    fz_set_addr(&w.from_i, 1, MK_PORT_IKE);

    mk_err e = mk_init(&w.ike, cfg, &w.env_i);
    FZ_CHECK(e == MK_E_OK || e == MK_E_BAD_CONFIG);
    if (e == MK_E_OK && (f0 & 0x20))
        run();
    fz_eat(mk_err_str((mk_err)err), 1);
    fz_eat(mk_err_name((mk_err)err), 1);
    FZ_EAT(trace_bytes);
    (void)mk_state_name((mk_state)(err & 7));
    mk_ike_wipe(&w.ike);
    return 0;
}
