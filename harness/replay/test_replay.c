/* SPDX-License-Identifier: MIT */
/*
 * Golden pcap replay (STYLE.md §2.7). For every pcaps/<name>.expect (made by pcaps/gen.sh) the
 * initiator is rebuilt from <name>.keys (config + seed) over fake_env, which reproduces the CLI's
 * seeded RNG stream; then, datagram by datagram in capture order:
 *   TX: what mk_tx_peek() yields (after mk_on_timer() at the deadline for a RETRANSMIT) must equal
 *       the recorded initiator datagram bit for bit, port class and non-ESP marker included,
 *       IKE_AUTH's SK payload included (same keys, same IV draws, same AUTH);
 *   RX/DROP: the recorded responder datagram is fed to mk_on_dgram() at its pcap time; the result,
 *       the state before and after must be the .expect line's, and a DROP must leave every byte of
 *       mk_ike but the stats unchanged.
 * After the IKE_SA_INIT exchange the SPIs and SK_* must equal the .keys values (derived there by
 * an independent python implementation). At the end the timers run out to the END line's state.
 * No sockets, no wall clock. Any change of encoder, key schedule, RNG use, timers or state machine
 * breaks a replay; the `sensitivity` tests prove that the harness notices such changes.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_env.h"
#include "minike_tools.h"
#include "mk_io.h"
#include "pcapread.h"
#include "replay.h"
#include "replay_cr.h"
#include "vec.h"

static void init(void)
{
    cr_assert(sodium_init() >= 0);
}
TestSuite(replay, .init = init);

/* ---- scenario files ------------------------------------------------------------------------- */

typedef struct scenario {
    mk_rp_files f; /* .expect and .keys */
    mk_config cfg;
    uint8_t psk[MK_MAX_PSK];
} scenario;

/* Mutations for the sensitivity tests: what the replay must notice. */
typedef struct mutation {
    int64_t seed_delta;
    bool flip_psk;
    size_t flip_rx_frame;   /* 1-based frame of a responder datagram to flip the last octet of */
    uint64_t start_late_ms; /* mk_start this much after the first datagram's time */
} mutation;

static void load(scenario *s, const char *name, const mutation *mu)
{
    char path[512], expect[1024];
    memset(s, 0, sizeof *s);
    snprintf(path, sizeof path, "pcaps/%s.keys", name);
    snprintf(expect, sizeof expect, "%s/pcaps/%s.expect", MK_SOURCE_DIR, name);
    mk_rp_load_files(&s->f, name, name, path, expect, MK_RP_GOLDEN, mu ? mu->seed_delta : 0);
    mk_config *c = &s->cfg;
    mk_rp_config(&s->f, c);
    size_t pl = mk_hex_decode(mk_rp_kv(&s->f, "psk"), s->psk, sizeof s->psk);
    cr_assert(pl != (size_t)-1 && pl >= MK_MIN_PSK, "%s: psk", path);
    if (mu && mu->flip_psk)
        s->psk[0] ^= 0x01;
    c->psk = s->psk;
    c->psk_len = pl;
}

/* ---- the replay engine ---------------------------------------------------------------------- */

static int check_keys(const scenario *s, mk_ike *ike, char *why, size_t cap)
{
    static const struct {
        const char *key;
        size_t off;
    } f[] = {{"sk_d", offsetof(mk_ike, sk_d)},   {"sk_pi", offsetof(mk_ike, sk_pi)},
             {"sk_pr", offsetof(mk_ike, sk_pr)}, {"sk_ai", offsetof(mk_ike, sk_ai)},
             {"sk_ar", offsetof(mk_ike, sk_ar)}, {"sk_ei", offsetof(mk_ike, sk_ei)},
             {"sk_er", offsetof(mk_ike, sk_er)}};
    mk_ike_keys k;
    size_t n;
    const uint8_t *want;
    if (!mk_keys_export(ike, &k))
        return mk_rp_fail(why, cap, "no keys after IKE_SA_INIT");
    if (mk_rp_same_spis(&s->f.keys->b[0], &k, why, cap) != 0)
        return 1;
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        want = mk_vec_hex(&s->f.keys->b[0], f[i].key, &n);
        if (!want || memcmp((const uint8_t *)ike + f[i].off, want, n) != 0)
            return mk_rp_fail(why, cap, "%s differs from the independently derived .keys value",
                              f[i].key);
    }
    size_t el = 0, al = 0;
    if (!mk_vec_hex(&s->f.keys->b[0], "sk_ei", &el))
        el = 0;
    if (!mk_vec_hex(&s->f.keys->b[0], "sk_ai", &al))
        al = 0;
    if (k.encr_len != el || k.integ_len != al)
        return mk_rp_fail(why, cap, "SK_e / SK_a lengths %u/%u, .keys %zu/%zu", k.encr_len,
                          k.integ_len, el, al);
    return 0;
}

/* Replays scenario `s`; returns 0, or the 1-based frame that disagreed (-1: the end, -2: setup),
 * with the reason in `why`. */
static int replay(scenario *s, const mutation *mu, char *why, size_t cap)
{
    static mk_ike ike, snap; /* 2 x ~13 KiB: keep them off the stack */
    const mk_rp_expect *x = &s->f.x;
    const mk_rp_core core = mk_rp_general(&ike);
    mk_fake_env fe;
    mk_pcap_list pk;
    char path[1024], err[512];
    int rc = 0;
    bool keys_checked = false;
    uint64_t late = mu ? mu->start_late_ms : 0;

    snprintf(path, sizeof path, "%s/pcaps/%s.pcap", MK_SOURCE_DIR, s->f.name);
    if (!mk_pcap_read_udp(path, &pk, err, sizeof err))
        return mk_rp_fail(why, cap, "%s", err), -2;
    if (pk.n != x->n) {
        rc = -2;
        mk_rp_fail(why, cap, "%zu datagrams in the capture, %zu lines in .expect", pk.n, x->n);
        goto out;
    }
    mk_fake_env_init(&fe, s->f.seed, s->f.stream);
    if (mk_init(&ike, &s->cfg, &fe.env) != MK_E_OK ||
        mk_start(&ike, pk.pkt[0].ts_ms + late) != MK_E_OK) {
        rc = -2;
        mk_rp_fail(why, cap, "mk_init/mk_start failed: %s", mk_err_name(mk_last_error(&ike)));
        goto out;
    }
    for (size_t i = 0; i < pk.n && rc == 0; i++) {
        const mk_rp_step *st = &x->st[i];
        mk_pcap_udp *d = &pk.pkt[i];
        uint64_t now = d->ts_ms;
        const uint8_t *p;
        uint16_t port = 0;
        int fr = (int)(i + 1);

        if (st->kind == MK_RP_TX) {
            if (st->retransmit && mk_rp_retransmit(&core, now, pk.pkt[0].ts_ms, why, cap) != 0) {
                rc = fr;
                break;
            }
            size_t n = mk_tx_peek(&ike, &p, &port);
            if (st->app_delete) {
#if MK_DELETE
                mk_err e = n == 0 ? mk_delete(&ike, now) : MK_E_BAD_STATE;
#else /* golden() skips such captures; a mutated one must fail before this frame */
                mk_err e = MK_E_BAD_STATE;
#endif
                if (e != MK_E_OK) {
                    rc = fr, mk_rp_fail(why, cap, "mk_delete: %s", mk_err_name(e));
                    break;
                }
                n = mk_tx_peek(&ike, &p, &port);
            }
            if (n != 0 && port != d->dport) {
                rc = fr, mk_rp_fail(why, cap, "sent to port class %u, capture %u", port, d->dport);
                break;
            }
            size_t hdr = port == MK_PORT_NATT ? MK_NATT_MARKER : 0;
            if (mk_rp_same_tx(p, n, hdr, d, st->exch, why, cap) != 0) {
                rc = fr;
                break;
            }
            if (st->retransmit) {
                /* RFC 7296 §2.1: bitwise identical to the previous copy (capture vs capture) */
                size_t j = i;
                while (j-- > 0 && x->st[j].kind != MK_RP_TX)
                    ;
                if (pk.pkt[j].len != d->len || memcmp(pk.pkt[j].data, d->data, d->len) != 0) {
                    rc = fr, mk_rp_fail(why, cap, "retransmission differs from frame %zu", j + 1);
                    break;
                }
            }
            mk_tx_done(&ike);
            continue;
        }

        /* RX or DROP */
        size_t n = mk_tx_peek(&ike, &p, &port);
        if (n != 0) {
            rc = fr, mk_rp_fail(why, cap, "an unexpected %zu-octet datagram is queued", n);
            break;
        }
        if (mk_rp_state_is(&core, st->from, "state", why, cap) != 0) {
            rc = fr;
            break;
        }
        if (mu && mu->flip_rx_frame == i + 1)
            d->data[d->len - 1] ^= 0x01;
        memcpy(&snap, &ike, sizeof ike);
        mk_fake_env_clear_trace(&fe);
        mk_err e = mk_on_dgram(&ike, d->data, d->len, d->dport, now);
        const char *got = mk_err_name(e);
        if (st->kind == MK_RP_RX && e != MK_E_OK) {
            rc = fr,
            mk_rp_fail(why, cap, "mk_on_dgram: %s, .expect says OK (trace: %s)", got, fe.trace);
            break;
        }
        if (st->kind == MK_RP_DROP) {
            if (strcmp(got, st->err) != 0) {
                rc = fr,
                mk_rp_fail(why, cap, "mk_on_dgram: %s, .expect says DROP %s", got, st->err);
                break;
            }
            /* everything of mk_ike but the counters a DROP may change */
            if (!mk_rp_same_but(&ike, &snap, sizeof ike, offsetof(mk_ike, stats),
                                sizeof ike.stats) ||
                mk_stats_get(&ike)->last_drop != e) {
                rc = fr, mk_rp_fail(why, cap, "DROP %s changed more than the stats", got);
                break;
            }
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
    }
    if (rc == 0)
        rc = mk_rp_run_out(&core, x->end_state, why, cap);
    if (rc == 0 && x->end_err[0] && strcmp(mk_err_name(mk_last_error(&ike)), x->end_err) != 0)
        rc = -1, mk_rp_fail(why, cap, "final error %s, .expect says %s",
                            mk_err_name(mk_last_error(&ike)), x->end_err);
    if (rc == 0 && !keys_checked)
        rc = -1, mk_rp_fail(why, cap, "the IKE SA keys were never checked");
    if (rc == 0 && strcmp(x->end_state, "ESTABLISHED") == 0) {
        mk_esp_sa sa;
        if (!mk_child(&ike, &sa))
            rc = -1, mk_rp_fail(why, cap, "ESTABLISHED without a child SA");
        mk_esp_wipe(&sa);
    }
out:
    mk_ike_wipe(&ike);
    mk_ike_wipe(&snap);
    mk_pcap_list_free(&pk);
    return rc;
}

/* ---- the tests ------------------------------------------------------------------------------ */

typedef mk_rp_name param;

static size_t list_scenarios(param *out, size_t cap)
{
    return mk_rp_list(MK_RP_GOLDEN, ".expect", out, cap);
}

ParameterizedTestParameters(replay, golden)
{
    param tmp[64];
    size_t n = list_scenarios(tmp, 64);
    param *p = cr_malloc(sizeof(param) * (n ? n : 1));
    memcpy(p, tmp, sizeof(param) * n);
    return cr_make_param_array(param, p, n);
}

ParameterizedTest(param *p, replay, golden)
{
    static scenario s;
    char why[4096];
    load(&s, p->name, NULL);
    if (!MK_NATT && (s.cfg.natt || s.cfg.force_4500)) {
        mk_vec_free(s.f.keys);
        cr_skip_test("%s: needs NAT-T, this build has MK_NATT=0", p->name);
    }
    for (size_t i = 0; i < s.f.x.n && !MK_DELETE; i++) {
        if (s.f.x.st[i].app_delete) {
            mk_vec_free(s.f.keys);
            cr_skip_test("%s: the application's Delete needs MK_DELETE=1", p->name);
        }
    }
    for (size_t i = 0; i < s.cfg.n_ike && !MK_SUITES_ALL; i++) {
        if (s.cfg.ike[i].encr != MK_ENCR_CHACHA20_POLY1305 || s.cfg.ike[i].dh != MK_DH_X25519) {
            mk_vec_free(s.f.keys);
            cr_skip_test("%s: suite not registered with MK_SUITES_ALL=0", p->name);
        }
    }
    int r = replay(&s, NULL, why, sizeof why);
    cr_assert_eq(r, 0, "%s: frame %d: %s", p->name, r, why);
    mk_vec_free(s.f.keys);
}

Test(replay, scenarios_present)
{
    static const char *const want[] = {"psk-gcm-natt", "psk-chacha-delete", "psk-cbc-modp2048",
                                       "cookie",       "invalid-ke",        "retransmit",
                                       "corrupt-icv"};
    param tmp[64];
    size_t n = list_scenarios(tmp, 64);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        bool found = false;
        for (size_t j = 0; j < n; j++)
            found |= strcmp(tmp[j].name, want[i]) == 0;
        cr_expect(found, "pcaps/%s.expect missing (run pcaps/gen.sh)", want[i]);
    }
}

/* fake_env reproduces the CLI's seeded stream: randombytes_buf_deterministic() under the seed
 * key (independent of how the calls are split), and mk_io's DRBG the CLI actually uses. */
Test(replay, fake_env_matches_seeded_stream)
{
    uint8_t key[randombytes_SEEDBYTES] = {0}, want[700], got[700], io[700];
    mk_fake_env fe;
    mk_io_drbg d;
    key[0] = 0x2a; /* seed 42 little-endian, stream 0 */
    randombytes_buf_deterministic(want, sizeof want, key);
    mk_fake_env_init(&fe, 42, 0);
    mk_io_drbg_init(&d, 42, 0);
    for (size_t off = 0, chunk = 1; off < sizeof got; off += chunk, chunk = chunk * 3 % 97 + 1) {
        size_t n = chunk < sizeof got - off ? chunk : sizeof got - off;
        mk_fake_env_rng(&fe, got + off, n);
        mk_io_rng_drbg(&d, io + off, n);
    }
    cr_assert_arr_eq(got, want, sizeof want);
    cr_assert_arr_eq(io, want, sizeof want);
    mk_fake_env_init(&fe, 42, 1);
    mk_fake_env_rng(&fe, got, 32);
    cr_assert(memcmp(got, want, 32) != 0, "the stream octet must change the key");
}

/* The harness itself must notice changes: the replay of `name` with the mutation fails at frame
 * `want` (-1: the end), for the reason `needle` (NULL: any). */
static void fails_at(const char *name, const mutation *mu, int want, const char *needle)
{
    static scenario s;
    char p[512], why[4096];
    snprintf(p, sizeof p, "%s/pcaps/%s.expect", MK_SOURCE_DIR, name);
    FILE *fp = fopen(p, "r");
    if (!fp)
        cr_skip_test("pcaps/%s.expect absent", name);
    fclose(fp);
    load(&s, name, mu);
    int r = replay(&s, mu, why, sizeof why);
    mk_vec_free(s.f.keys);
    cr_assert_eq(r, want, "%s: %s", name, why);
    cr_assert(needle == NULL || strstr(why, needle) != NULL, "%s: %s", name, why);
}

Test(sensitivity, other_seed_fails_at_first_datagram)
{
    fails_at("psk-gcm-natt", &(mutation){.seed_delta = 1}, 1, NULL);
}

Test(sensitivity, other_psk_fails_at_ike_auth)
{
    /* IKE_SA_INIT does not depend on the PSK; the AUTH inside SK does */
    fails_at("psk-gcm-natt", &(mutation){.flip_psk = true}, 3, NULL);
    fails_at("psk-cbc-modp2048", &(mutation){.flip_psk = true}, 3, NULL);
}

Test(sensitivity, corrupted_response_fails)
{
    /* the IKE_AUTH response: ICV_MISMATCH, not OK */
    fails_at("psk-chacha-delete", &(mutation){.flip_rx_frame = 4}, 4, "ICV_MISMATCH");
}

Test(sensitivity, retransmission_timing_checked)
{
    /* timers 300 ms later than recorded: the first retransmission no longer matches */
    fails_at("retransmit", &(mutation){.start_late_ms = 300}, 2, "deadline");
}
