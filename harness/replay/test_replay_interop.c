/* SPDX-License-Identifier: MIT */
/*
 * Interop replay: our initiator against strongSwan's (or libreswan's) recorded half, no daemon.
 * For every pcaps/interop/<s>/<s>.expect (written by interop/run.sh --save through
 * interop/replayfiles.py, for scenarios whose initiator is `minike initiate --seed N`) the
 * initiator is rebuilt from <s>.keys (seed + the exact configuration of the run: proposals, IDs,
 * PSK or raw keys, TS, NAT-T flags, timeout, addresses and the ports the kernel gave us) over
 * fake_env, and the capture is walked datagram by datagram:
 *   TX       mk_tx_peek() (after mk_on_timer() at the deadline for a RETRANSMIT) equals the
 *            recorded datagram bit for bit, marker included, from the recorded port class and
 *            local port: requests and our answers to strongSwan's requests (DPD, CREATE_CHILD_SA,
 *            Delete) alike;
 *   RX/DROP/FAIL  the peer's datagram goes to mk_on_dgram() at its capture time (ms) on the port
 *            class its socket had; result and states must be the .expect line's (a DROP changes
 *            nothing but the stats, a FAIL is the FATAL named);
 *   ESP OUT  our ESP packet is opened with the child SA's outbound keys and sealed again with
 *            mk_esp_seal() on the same RNG stream: it must come out bit-identical (sequence
 *            number, AEAD IV, CBC IV drawn from the stream);
 *   ESP IN   the peer's ESP packet opens (ICV verified) on our child SA;
 *   OTHER / AFTER  not fed: another flow or SA (cookie decoy, strongSwan re-initiating), or a
 *            datagram that arrived after minike had stopped listening (state already final).
 * After IKE_SA_INIT the SPIs and SK_e/SK_a equal strongSwan's own key log (.keys, when it has
 * the row). At the end the timers run out to the END state. No sockets, no wall clock.
 * Reverse scenarios (strongSwan initiating to `minike respond`) have no initiator of ours and no
 * .expect; they stay covered by test_replay_foreign.c (decode + decrypt).
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <dirent.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_env.h"
#include "minike_tools.h"
#include "pcapread.h"
#include "replay.h"
#include "replay_cr.h"
#include "vec.h"

static void init(void)
{
    cr_assert(sodium_init() >= 0);
}
TestSuite(interop_replay, .init = init);

typedef struct scen {
    mk_rp_files f; /* .expect and .keys */
    mk_config cfg;
    uint8_t psk[MK_MAX_PSK];
    uint8_t priv[4096], spki[MK_MAX_SPKI], peer_spki[MK_MAX_SPKI], peer_fp[MK_FP_LEN];
    uint16_t port_ike, port_natt; /* our local ports */
} scen;

typedef struct mutation {
    int64_t seed_delta;
    size_t flip_frame; /* 1-based: flip the last octet of this (peer) datagram */
} mutation;

static size_t hexkey(const scen *s, const char *key, uint8_t *out, size_t cap)
{
    size_t n = mk_hex_decode(mk_rp_kv(&s->f, key), out, cap);
    cr_assert_neq(n, (size_t)-1, "%s.keys: bad hex in %s", s->f.name, key);
    return n;
}

#if MK_RPK
static bool imprint_any(void *ctx, const uint8_t *spki, size_t len)
{
    (void)ctx, (void)spki, (void)len;
    return true; /* the CLI imprints the first verified key; strongSwan never sends one */
}
#endif

static void load(scen *s, const char *name, const mutation *mu)
{
    char path[512], expect[1024];
    memset(s, 0, sizeof *s);
    snprintf(path, sizeof path, "pcaps/interop/%s/%s.keys", name, name);
    snprintf(expect, sizeof expect, "%s/pcaps/interop/%s/%s.expect", MK_SOURCE_DIR, name, name);
    mk_rp_load_files(&s->f, name, name, path, expect, MK_RP_INTEROP, mu ? mu->seed_delta : 0);
    mk_config *c = &s->cfg;
    mk_rp_config(&s->f, c);
    cr_assert(c->idi.type == MK_ID_FQDN && c->idr.type == MK_ID_FQDN,
              "%s: only fqdn: identities in interop", path);
    mk_addr natt;
    cr_assert(mk_rp_parse_addr(mk_rp_kv(&s->f, "local_natt"), &natt), "%s: local_natt", path);
    s->port_ike = c->local.port;
    s->port_natt = natt.port;
    if (strcmp(mk_rp_kv(&s->f, "auth"), "psk") == 0) {
        c->psk = s->psk;
        c->psk_len = hexkey(s, "psk", s->psk, sizeof s->psk);
    } else {
        cr_assert_str_eq(mk_rp_kv(&s->f, "auth"), "rpk");
        c->auth_method = MK_AUTH_DIGSIG;
        c->psk = NULL;
        c->psk_len = 0;
#if MK_RPK /* else mk_init refuses MK_AUTH_DIGSIG (the minimal profile skips these captures) */
        c->priv_key = s->priv;
        c->priv_key_len = hexkey(s, "priv_key", s->priv, sizeof s->priv);
        c->spki = s->spki;
        c->spki_len = hexkey(s, "spki", s->spki, sizeof s->spki);
        c->send_cert = mk_rp_num(&s->f, "send_cert") != 0;
        if (mk_vec_str(&s->f.keys->b[0], "peer_spki")) {
            c->peer_spki = s->peer_spki;
            c->peer_spki_len = hexkey(s, "peer_spki", s->peer_spki, sizeof s->peer_spki);
        } else if (mk_vec_str(&s->f.keys->b[0], "peer_fp")) {
            cr_assert_eq(hexkey(s, "peer_fp", s->peer_fp, sizeof s->peer_fp), MK_FP_LEN);
            c->peer_fp = s->peer_fp;
        } else {
            c->imprint = imprint_any;
        }
#endif
    }
}

static int check_keys(const scen *s, mk_ike *ike, char *why, size_t cap)
{
    static const char *const f[] = {"sk_ei", "sk_er", "sk_ai", "sk_ar"};
    mk_ike_keys k;
    size_t n;
    const uint8_t *want;
    if (!mk_vec_str(&s->f.keys->b[0], "spi_r"))
        return 0; /* no key table for this run (libreswan, failed runs) */
    if (!mk_keys_export(ike, &k))
        return mk_rp_fail(why, cap, "no keys after IKE_SA_INIT");
    const uint8_t *got[] = {k.sk_ei, k.sk_er, k.sk_ai, k.sk_ar};
    size_t glen[] = {k.encr_len, k.encr_len, k.integ_len, k.integ_len};
    if (mk_rp_same_spis(&s->f.keys->b[0], &k, why, cap) != 0)
        return 1;
    for (size_t i = 0; i < 4; i++) {
        want = mk_vec_hex(&s->f.keys->b[0], f[i], &n);
        if (!want)
            n = 0;
        if (n != glen[i] || (n && memcmp(got[i], want, n) != 0))
            return mk_rp_fail(why, cap, "%s differs from %s", f[i], mk_rp_kv(&s->f, "keys_source"));
    }
    return 0;
}

static bool ours(const scen *s, const mk_pcap_udp *d, bool *tx)
{
    *tx = d->sport == s->port_ike || (s->port_natt && d->sport == s->port_natt);
    bool rx = d->dport == s->port_ike || (s->port_natt && d->dport == s->port_natt);
    return *tx || rx;
}

/* Replays `s`: 0, or the 1-based frame that disagreed (-1: the end, -2: setup), reason in why. */
static int replay(scen *s, const mutation *mu, char *why, size_t cap)
{
    static mk_ike ike, snap;
    static uint8_t buf[MK_MAX_MSG + 64], out[MK_MAX_MSG + 64];
    const mk_rp_expect *x = &s->f.x;
    const mk_rp_core core = mk_rp_general(&ike);
    mk_esp_sa sa, rev;
    bool have_sa = false, keys_checked = false, started = false;
    mk_fake_env fe;
    mk_pcap_list pk;
    char path[1024], err[512];
    int rc = 0;

    memset(&sa, 0, sizeof sa);
    memset(&rev, 0, sizeof rev);
    snprintf(path, sizeof path, "%s/pcaps/interop/%s/%s.pcap", MK_SOURCE_DIR, s->f.name, s->f.name);
    if (!mk_pcap_read_udp(path, &pk, err, sizeof err))
        return mk_rp_fail(why, cap, "%s", err), -2;
    if (pk.n != x->n) {
        rc = -2,
        mk_rp_fail(why, cap, "%zu datagrams in the capture, %zu lines in .expect", pk.n, x->n);
        goto out;
    }
    mk_fake_env_init(&fe, s->f.seed, s->f.stream);
    if (mk_init(&ike, &s->cfg, &fe.env) != MK_E_OK) {
        rc = -2, mk_rp_fail(why, cap, "mk_init: %s", mk_err_name(mk_last_error(&ike)));
        goto out;
    }
    for (size_t i = 0; i < pk.n && rc == 0; i++) {
        const mk_rp_step *st = &x->st[i];
        mk_pcap_udp *d = &pk.pkt[i];
        uint64_t now = d->ts_ms;
        int fr = (int)(i + 1);
        bool tx;
        bool mine = ours(s, d, &tx);

        if (st->kind == MK_RP_OTHER) {
            /* not ours: another flow, or our ports but another SA / a keepalive */
            size_t off = d->len > 4 && !memcmp(d->data, "\0\0\0\0", 4) ? 4 : 0;
            if (mine && d->len >= off + 8 && memcmp(d->data + off, ike.spi_i, 8) == 0) {
                rc = fr, mk_rp_fail(why, cap, "OTHER, but it carries our SPIi");
                break;
            }
            continue;
        }
        if (!mine) {
            rc = fr,
            mk_rp_fail(why, cap, "not from or to our ports %u/%u", s->port_ike, s->port_natt);
            break;
        }
        if (!started) { /* the CLI calls mk_start just before its first datagram */
            if (st->kind != MK_RP_TX || mk_start(&ike, now) != MK_E_OK) {
                rc = fr,
                mk_rp_fail(why, cap, "the first datagram of our flow must be our IKE_SA_INIT");
                break;
            }
            started = true;
        }
        if (st->kind == MK_RP_AFTER) {
            mk_state now_st = mk_state_get(&ike);
            if (now_st != MK_ST_CLOSED && now_st != MK_ST_FAILED) {
                rc = fr,
                mk_rp_fail(why, cap, "AFTER, but the SA is still %s", mk_state_name(now_st));
                break;
            }
            continue;
        }
        if (st->kind == MK_RP_ESP_OUT || st->kind == MK_RP_ESP_IN) {
            size_t ilen, olen = 0;
            const uint8_t *inner;
            uint8_t nh;
            mk_err e;
            if (!have_sa || d->len > sizeof buf) {
                rc = fr, mk_rp_fail(why, cap, "ESP without a child SA");
                break;
            }
            memcpy(buf, d->data, d->len);
            if (mu && mu->flip_frame == i + 1)
                buf[d->len - 1] ^= 0x01;
            if (st->kind == MK_RP_ESP_IN) {
                e = mk_esp_open(&sa, buf, d->len, &nh, &inner, &ilen);
                if (e != MK_E_OK)
                    rc = fr, mk_rp_fail(why, cap, "peer's ESP does not open: %s", mk_err_name(e));
                continue;
            }
            e = mk_esp_open(&rev, buf, d->len, &nh, &inner, &ilen);
            if (e == MK_E_OK)
                e = mk_esp_seal(&sa, &fe.env, nh, inner, ilen, out, sizeof out, &olen);
            if (e != MK_E_OK) {
                rc = fr, mk_rp_fail(why, cap, "our ESP: %s", mk_err_name(e));
                break;
            }
            if (olen != d->len || memcmp(out, d->data, olen) != 0)
                rc = fr, mk_rp_fail(why, cap, "resealed ESP differs (%zu octets, capture %zu)",
                                    olen, d->len);
            continue;
        }

        const uint8_t *p;
        uint16_t port = 0;
        if (st->kind == MK_RP_TX) {
            if (!tx) {
                rc = fr, mk_rp_fail(why, cap, "TX line, but the datagram comes from the peer");
                break;
            }
            if (st->retransmit && mk_rp_retransmit(&core, now, pk.pkt[0].ts_ms, why, cap) != 0) {
                rc = fr;
                break;
            }
            size_t n = mk_tx_peek(&ike, &p, &port);
            if (n != 0 && (port != d->dport ||
                           d->sport != (port == MK_PORT_NATT ? s->port_natt : s->port_ike))) {
                rc = fr,
                mk_rp_fail(why, cap, "port class %u, capture %u->%u", port, d->sport, d->dport);
                break;
            }
            size_t hdr = port == MK_PORT_NATT ? MK_NATT_MARKER : 0;
            if (mk_rp_same_tx(p, n, hdr, d, st->exch, why, cap) != 0) {
                rc = fr;
                break;
            }
            mk_tx_done(&ike);
            continue;
        }
        /* RX, DROP, FAIL: the peer's datagram */
        if (tx || mk_tx_peek(&ike, &p, &port) != 0) {
            rc = fr, mk_rp_fail(why, cap,
                                tx ? "RX line, but the datagram is ours"
                                   : "an unexpected datagram of ours is queued");
            break;
        }
        if (mk_rp_not_late(&core, now, pk.pkt[0].ts_ms, why, cap) != 0 ||
            mk_rp_state_is(&core, st->from, "state", why, cap) != 0) {
            rc = fr;
            break;
        }
        if (d->len > sizeof buf) {
            rc = fr, mk_rp_fail(why, cap, "datagram too long");
            break;
        }
        memcpy(buf, d->data, d->len);
        if (mu && mu->flip_frame == i + 1)
            buf[d->len - 1] ^= 0x01;
        /* mk_io: the NAT-T socket keeps the non-ESP marker on and is the 4500 class */
        uint16_t cls = d->dport == s->port_natt ? MK_PORT_NATT : MK_PORT_IKE;
        memcpy(&snap, &ike, sizeof ike);
        mk_fake_env_clear_trace(&fe);
        mk_err e = mk_on_dgram(&ike, buf, d->len, cls, now);
        const char *got = mk_err_name(e);
        if ((st->kind == MK_RP_RX && e != MK_E_OK) ||
            (st->kind != MK_RP_RX && strcmp(got, st->err) != 0)) {
            rc = fr, mk_rp_fail(why, cap, "mk_on_dgram: %s, .expect says %s (trace: %s)", got,
                                st->kind == MK_RP_RX ? "OK" : st->err, fe.trace);
            break;
        }
        if (st->kind == MK_RP_DROP &&
            !mk_rp_same_but(&ike, &snap, sizeof ike, offsetof(mk_ike, stats), sizeof ike.stats)) {
            rc = fr, mk_rp_fail(why, cap, "DROP %s changed more than the stats", got);
            break;
        }
        if (mk_rp_state_is(&core, st->to, "state after", why, cap) != 0) {
            rc = fr;
            break;
        }
        if (!keys_checked && mk_state_get(&ike) == MK_ST_AUTH_SENT) {
            keys_checked = true;
            if (check_keys(s, &ike, why, cap) != 0) {
                rc = fr;
                break;
            }
        }
        if (!have_sa && mk_child(&ike, &sa)) {
            have_sa = true;
            rev = sa; /* the peer's view: opens what we seal */
            rev.spi_in = sa.spi_out, rev.spi_out = sa.spi_in;
            memcpy(rev.ek_in, sa.ek_out, sizeof rev.ek_in);
            memcpy(rev.ak_in, sa.ak_out, sizeof rev.ak_in);
            memcpy(rev.ek_out, sa.ek_in, sizeof rev.ek_out);
            memcpy(rev.ak_out, sa.ak_in, sizeof rev.ak_out);
        }
    }
    if (rc == 0)
        rc = mk_rp_run_out(&core, x->end_state, why, cap);
    if (rc == 0 && x->end_err[0] && strcmp(mk_err_name(mk_last_error(&ike)), x->end_err) != 0)
        rc = -1, mk_rp_fail(why, cap, "final error %s, .expect says %s",
                            mk_err_name(mk_last_error(&ike)), x->end_err);
    if (rc == 0 && strcmp(x->end_state, "ESTABLISHED") == 0 && !have_sa)
        rc = -1, mk_rp_fail(why, cap, "ESTABLISHED without a child SA");
out:
    mk_esp_wipe(&sa);
    mk_esp_wipe(&rev);
    mk_ike_wipe(&ike);
    mk_ike_wipe(&snap);
    mk_pcap_list_free(&pk);
    return rc;
}

/* ---- the tests ------------------------------------------------------------------------------ */

typedef mk_rp_name param;

static size_t list_scenarios(param *out, size_t cap)
{
    return mk_rp_list(MK_RP_INTEROP, ".expect", out, cap);
}

ParameterizedTestParameters(interop_replay, capture)
{
    param tmp[64];
    size_t n = list_scenarios(tmp, 64);
    param *p = cr_malloc(sizeof(param) * (n ? n : 1));
    memcpy(p, tmp, sizeof(param) * n);
    return cr_make_param_array(param, p, n);
}

ParameterizedTest(param *p, interop_replay, capture)
{
    static scen s;
    char why[4096];
    load(&s, p->name, NULL);
    int r = replay(&s, NULL, why, sizeof why);
    cr_assert_eq(r, 0, "%s: frame %d: %s", p->name, r, why);
    mk_vec_free(s.f.keys);
}

/* Every capture whose initiator is minike has replay files (summary.txt says "mode: minike"). */
Test(interop_replay, every_minike_capture_has_replay_files)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/pcaps/interop", MK_SOURCE_DIR);
    DIR *dp = opendir(dir);
    if (!dp)
        cr_skip_test("pcaps/interop absent (interop/run.sh --save makes it)");
    size_t with = 0;
    for (struct dirent *e; (e = readdir(dp)) != NULL;) {
        char p[2400], line[256];
        bool minike = false;
        FILE *fp;
        if (e->d_name[0] == '.')
            continue;
        snprintf(p, sizeof p, "%s/%s/%s.pcap", dir, e->d_name, e->d_name);
        if ((fp = fopen(p, "r")) == NULL)
            continue;
        fclose(fp);
        snprintf(p, sizeof p, "%s/%s/summary.txt", dir, e->d_name);
        if ((fp = fopen(p, "r")) != NULL) {
            while (fgets(line, sizeof line, fp))
                minike |= strcmp(line, "mode: minike\n") == 0;
            fclose(fp);
        }
        if (!minike)
            continue;
        snprintf(p, sizeof p, "%s/%s/%s.expect", dir, e->d_name, e->d_name);
        fp = fopen(p, "r");
        cr_expect_not_null(fp,
                           "pcaps/interop/%s: minike's capture without replay files (run "
                           "interop/run.sh --save %s)",
                           e->d_name, e->d_name);
        if (fp)
            fclose(fp), with++;
    }
    closedir(dp);
    cr_log_info("%zu interop captures replayed", with);
}

static int mutated(const char *name, const mutation *mu, char *why, size_t cap)
{
    static scen s;
    char p[512];
    snprintf(p, sizeof p, "%s/pcaps/interop/%s/%s.expect", MK_SOURCE_DIR, name, name);
    FILE *fp = fopen(p, "r");
    if (!fp)
        cr_skip_test("pcaps/interop/%s has no replay files", name);
    fclose(fp);
    load(&s, name, mu);
    int r = replay(&s, mu, why, cap);
    mk_vec_free(s.f.keys);
    return r;
}

static size_t first_step(const char *name, mk_rp_kind k)
{
    static scen s;
    char p[512];
    snprintf(p, sizeof p, "%s/pcaps/interop/%s/%s.expect", MK_SOURCE_DIR, name, name);
    FILE *fp = fopen(p, "r");
    if (!fp)
        cr_skip_test("pcaps/interop/%s has no replay files", name);
    fclose(fp);
    load(&s, name, NULL);
    size_t f = 0;
    for (size_t i = 0; i < s.f.x.n && !f; i++)
        if (s.f.x.st[i].kind == k)
            f = i + 1;
    mk_vec_free(s.f.keys);
    return f;
}

Test(interop_sensitivity, other_seed_fails_at_first_datagram)
{
    char why[4096];
    mutation mu = {.seed_delta = 1};
    cr_assert_eq(mutated("dpd-rekey", &mu, why, sizeof why), (int)first_step("dpd-rekey", MK_RP_TX),
                 "%s", why);
}

Test(interop_sensitivity, corrupted_peer_request_fails)
{
    /* strongSwan's first DPD request with a flipped ICV octet: not answered, ICV_MISMATCH */
    char why[4096];
    mutation mu = {0};
    static scen s;
    if (first_step("dpd-rekey", MK_RP_RX) == 0)
        cr_skip_test("no dpd-rekey replay files");
    load(&s, "dpd-rekey", NULL);
    for (size_t i = 0; i < s.f.x.n && !mu.flip_frame; i++)
        if (s.f.x.st[i].kind == MK_RP_RX && strcmp(s.f.x.st[i].from, "ESTABLISHED") == 0)
            mu.flip_frame = i + 1;
    mk_vec_free(s.f.keys);
    cr_assert_neq(mu.flip_frame, 0);
    cr_assert_eq(mutated("dpd-rekey", &mu, why, sizeof why), (int)mu.flip_frame, "%s", why);
    cr_assert(strstr(why, "ICV_MISMATCH") != NULL, "%s", why);
}

Test(interop_sensitivity, corrupted_esp_fails)
{
    char why[4096];
    mutation mu = {.flip_frame = first_step("peer-delete", MK_RP_ESP_IN)};
    if (mu.flip_frame == 0)
        cr_skip_test("no ESP IN in peer-delete");
    cr_assert_eq(mutated("peer-delete", &mu, why, sizeof why), (int)mu.flip_frame, "%s", why);
}
