/* SPDX-License-Identifier: MIT */
/*
 * Conformance of the initiator to the RFC 7296 / RFC 7815 MUSTs that show on the wire: the shape
 * of every request we send (header fields, payload order, proposal numbering, Key Length
 * attributes, NAT_DETECTION hashes recomputed with mbedTLS's SHA-1 directly), the COOKIE and
 * INVALID_KE retries (§2.6, §1.3), bitwise-identical retransmissions (§2.1), the header of our
 * answers to peer requests (§2.2, §3.1: I and R set, Message ID echoed), and that responses
 * failing any header check are dropped with the SA unchanged. The last test collects the
 * `RFC 7296 §x.y` tags in ref/src/initiator*.c (a duvet-lite coverage list) and requires the
 * sections these tests exercise to be tagged at their point of enforcement; the one after it
 * checks that harness/conformance/SPEC_COVERAGE.md (spec_tags.sh) lists every cited section.
 */
#include <criterion/criterion.h>
#include <mbedtls/sha1.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "minike_tools.h"
#include "msg.h"
#include "msg_tools.h"
#include "msg_sa.h"
#include "peer.h"
#include "sk.h"
#include "suite.h"
#include "test_rng.h"

/* deterministic RNG: harness/lib/test_rng.h */

static const uint8_t psk[] = "conformance pre-shared key 0123";
static mk_trng rng_i, rng_p;
static mk_env env_i, env_p;
static mk_config cfg;
static mk_peer_config pcfg;
static mk_ike ike;
static mk_peer *peer;
static uint64_t now = 5000;

/* Every datagram the initiator sent, in order (without any marker), and its port. */
enum { LOG_N = 32 };
static uint8_t sent[LOG_N][MK_MAX_MSG];
static size_t sent_len[LOG_N];
static uint16_t sent_port[LOG_N];
static size_t n_sent;

static void setup(void)
{
    cr_assert(sodium_init() >= 0);
    memset(&rng_i, 0, sizeof rng_i);
    memset(&rng_p, 0, sizeof rng_p);
    memset(rng_i.key, 0x5a, 32);
    memset(rng_p.key, 0xa5, 32);
    env_i = (mk_env){&rng_i, mk_trng_fill, NULL};
    env_p = (mk_env){&rng_p, mk_trng_fill, NULL};
    mk_config_defaults(&cfg);
    cfg.psk = psk;
    cfg.psk_len = sizeof psk - 1;
    memcpy(cfg.idi.data, "sensor-42", 9);
    cfg.idi.len = 9;
    cfg.idr.type = MK_ID_FQDN;
    memcpy(cfg.idr.data, "vpn.example", 11);
    cfg.idr.len = 11;
    cfg.local = (mk_addr){4, {10, 0, 0, 2}, 500};
    cfg.remote = (mk_addr){4, {10, 0, 0, 1}, 500};
    memset(&pcfg, 0, sizeof pcfg);
    pcfg.suites = cfg.suites;
    memcpy(pcfg.ike, cfg.ike, sizeof cfg.ike);
    pcfg.n_ike = cfg.n_ike;
    memcpy(pcfg.esp, cfg.esp, sizeof cfg.esp);
    pcfg.n_esp = cfg.n_esp;
    pcfg.psk = psk;
    pcfg.psk_len = sizeof psk - 1;
    pcfg.idr = cfg.idr;
    pcfg.tsr = cfg.tsr;
    pcfg.natt = true;
    pcfg.local = cfg.remote;
    n_sent = 0;
    peer = NULL;
}

static void teardown(void)
{
    mk_peer_free(peer);
}

static void start(void)
{
    peer = mk_peer_new(&pcfg, &env_p);
    cr_assert_not_null(peer);
    cr_assert_eq(mk_init(&ike, &cfg, &env_i), MK_E_OK);
    cr_assert_eq(mk_start(&ike, now), MK_E_OK);
}

/* Take our queued datagram, log it, and (if deliver) give it to the peer. */
static bool ours(bool deliver)
{
    const uint8_t *p;
    uint16_t port;
    size_t n = mk_tx_peek(&ike, &p, &port);
    if (n == 0)
        return false;
    size_t off = port == MK_PORT_NATT ? MK_NATT_MARKER : 0;
    cr_assert_lt(n_sent, (size_t)LOG_N);
    memcpy(sent[n_sent], p + off, n - off);
    sent_len[n_sent] = n - off;
    sent_port[n_sent] = port;
    n_sent++;
    uint8_t buf[MK_MAX_MSG + MK_NATT_MARKER];
    memcpy(buf, p, n);
    mk_tx_done(&ike);
    if (deliver)
        (void)mk_peer_on_dgram(peer, buf, n, port, &cfg.local, now);
    return true;
}

static size_t theirs(uint8_t *buf, uint16_t *port)
{
    const uint8_t *p;
    size_t n = mk_peer_tx_peek(peer, &p, port);
    if (n == 0)
        return 0;
    memcpy(buf, p, n);
    mk_peer_tx_done(peer);
    return n;
}

static void pump(void)
{
    for (int g = 0; g < 50; g++) {
        bool moved = ours(true);
        uint8_t buf[MK_MAX_MSG + MK_NATT_MARKER];
        uint16_t port;
        size_t n;
        while ((n = theirs(buf, &port)) != 0) {
            (void)mk_on_dgram(&ike, buf, n, port, now);
            moved = true;
            (void)ours(true);
        }
        if (!moved)
            return;
    }
}

static void parse(mk_msg *m, size_t i)
{
    cr_assert_lt(i, n_sent);
    cr_assert_eq(mk_msg_parse(m, sent[i], sent_len[i]), MK_E_OK);
}

static void assert_same_but_stats(const mk_ike *a0, const mk_ike *b0)
{
    static mk_ike a, b;
    a = *a0;
    b = *b0;
    /* minike.h: a DROP changes nothing but stats and the scratch area, which is zero again */
    for (size_t i = 0; i < sizeof b.scratch; i++)
        cr_assert_eq(b.scratch[i], 0, "scratch not wiped after the call");
    memset(&a.stats, 0, sizeof a.stats);
    memset(&b.stats, 0, sizeof b.stats);
    memset(a.scratch, 0, sizeof a.scratch);
    memset(b.scratch, 0, sizeof b.scratch);
    cr_assert_eq(memcmp(&a, &b, sizeof a), 0, "a dropped datagram changed the SA");
}

static void natd(const uint8_t spi_i[8], const mk_addr *a, uint8_t out[20])
{
    uint8_t in[8 + 8 + 4 + 2] = {0};
    memcpy(in, spi_i, 8);
    memcpy(in + 16, a->ip, 4);
    in[20] = (uint8_t)(a->port >> 8);
    in[21] = (uint8_t)a->port;
    cr_assert_eq(mbedtls_sha1_ret(in, sizeof in, out), 0);
}

/* RFC 7296 §1.2, §3.1, §3.3, §2.23: the first request. */
Test(conformance, ike_sa_init_request_shape, .init = setup, .fini = teardown)
{
    start();
    cr_assert(ours(false));
    mk_msg m;
    parse(&m, 0);
    static const uint8_t zero[8] = {0};
    cr_assert_eq(memcmp(m.hdr.spi_r, zero, 8), 0, "§3.1: SPIr is zero in the first message");
    cr_assert_neq(memcmp(m.hdr.spi_i, zero, 8), 0, "§3.1: SPIi is never zero");
    cr_assert_eq(m.hdr.flags, MK_HDR_F_INITIATOR, "§3.1: I set, R clear, V clear");
    cr_assert_eq(m.hdr.msgid, 0);
    cr_assert_eq(m.hdr.exchange, MK_EX_IKE_SA_INIT);
    cr_assert_eq(m.hdr.version, 0x20);
    cr_assert_eq(sent_port[0], MK_PORT_IKE);
    cr_assert_eq(m.chain.n, 5);
    static const uint8_t order[] = {MK_PT_SA, MK_PT_KE, MK_PT_NONCE, MK_PT_NOTIFY, MK_PT_NOTIFY};
    for (size_t i = 0; i < 5; i++) {
        cr_assert_eq(m.chain.pl[i].type, order[i], "payload %zu", i);
        cr_assert_not(m.chain.pl[i].critical);
    }
    mk_sa sa;
    cr_assert_eq(mk_pl_decode_sa(&sa, m.chain.pl[0].body, m.chain.pl[0].len), MK_E_OK);
    cr_assert_eq(sa.n, cfg.n_ike, "every configured suite is offered");
    for (size_t i = 0; i < sa.n; i++) {
        const mk_proposal *p = &sa.p[i];
        cr_assert_eq(p->num, i + 1, "§3.3.1: proposals numbered from 1");
        cr_assert_eq(p->proto, MK_PROTO_IKE);
        cr_assert_eq(p->spi_len, 0, "§3.3.1: SPI size 0 in IKE_SA_INIT");
        const mk_transform *e = mk_proposal_get(p, MK_TT_ENCR);
        cr_assert_not_null(e);
        cr_assert_eq(e->id, cfg.ike[i].encr);
        if (e->id == MK_ENCR_CHACHA20_POLY1305)
            cr_assert_eq(e->key_bits, 0, "RFC 7634 §3: no Key Length attribute for ChaCha20");
        else
            cr_assert_eq(e->key_bits, cfg.ike[i].encr_bits, "§3.3.5: Key Length for AES");
        cr_assert_eq(mk_proposal_get(p, MK_TT_DH)->id, cfg.ike[i].dh);
        cr_assert_eq(mk_proposal_get(p, MK_TT_PRF)->id, cfg.ike[i].prf);
        const mk_transform *a = mk_proposal_get(p, MK_TT_INTEG);
        cr_assert_eq(a != NULL, cfg.ike[i].integ != 0, "INTEG only without AEAD");
    }
    mk_ke ke;
    cr_assert_eq(mk_pl_decode_ke(&ke, m.chain.pl[1].body, m.chain.pl[1].len), MK_E_OK);
    cr_assert_eq(ke.group, cfg.ike[0].dh, "§1.2: KE for the first proposal's group");
    cr_assert_eq(ke.len, 32);
    const uint8_t *nonce;
    uint16_t nlen;
    cr_assert_eq(mk_pl_decode_nonce(&nonce, &nlen, m.chain.pl[2].body, m.chain.pl[2].len), MK_E_OK);
    cr_assert_eq(nlen, 16, "§2.10: max(16 octets, half the largest PRF key), all SHA2-256 here");
    uint8_t want[20];
    mk_notify n;
    cr_assert_eq(mk_pl_decode_notify(&n, m.chain.pl[3].body, m.chain.pl[3].len), MK_E_OK);
    cr_assert_eq(n.type, MK_N_NAT_DETECTION_SOURCE_IP);
    natd(m.hdr.spi_i, &cfg.local, want);
    cr_assert_eq(n.data_len, 20);
    cr_assert_eq(memcmp(n.data, want, 20), 0, "§2.23: SHA-1(SPIi | SPIr | IP | port)");
    cr_assert_eq(mk_pl_decode_notify(&n, m.chain.pl[4].body, m.chain.pl[4].len), MK_E_OK);
    cr_assert_eq(n.type, MK_N_NAT_DETECTION_DESTINATION_IP);
    natd(m.hdr.spi_i, &cfg.remote, want);
    cr_assert_eq(memcmp(n.data, want, 20), 0);
}

/* RFC 7296 §2.6: the retried request = N(COOKIE) first, then the same payloads unchanged. */
Test(conformance, cookie_is_first_and_rest_unchanged, .init = setup, .fini = teardown)
{
    pcfg.script.cookie = true;
    start();
    pump();
    cr_assert_eq(mk_state_get(&ike), MK_ST_ESTABLISHED);
    mk_msg a, b;
    parse(&a, 0);
    parse(&b, 1);
    cr_assert_eq(b.hdr.exchange, MK_EX_IKE_SA_INIT);
    cr_assert_eq(b.hdr.msgid, 0, "§2.2: the retry keeps Message ID 0");
    cr_assert_eq(memcmp(a.hdr.spi_i, b.hdr.spi_i, 8), 0);
    cr_assert_eq(b.chain.pl[0].type, MK_PT_NOTIFY);
    mk_notify n;
    cr_assert_eq(mk_pl_decode_notify(&n, b.chain.pl[0].body, b.chain.pl[0].len), MK_E_OK);
    cr_assert_eq(n.type, MK_N_COOKIE);
    size_t cookie_pl = MK_GEN_HDR_LEN + b.chain.pl[0].len;
    cr_assert_eq(sent_len[1], sent_len[0] + cookie_pl);
    cr_assert_eq(sent[1][MK_HDR_LEN], MK_PT_SA, "cookie's Next Payload is the old first");
    cr_assert_eq(
        memcmp(sent[1] + MK_HDR_LEN + cookie_pl, sent[0] + MK_HDR_LEN, sent_len[0] - MK_HDR_LEN), 0,
        "all other payloads unchanged");
    /* the IKE_AUTH that follows is Message ID 1 */
    mk_msg c;
    parse(&c, 2);
    cr_assert_eq(c.hdr.exchange, MK_EX_IKE_AUTH);
    cr_assert_eq(c.hdr.msgid, 1);
}

/* RFC 7296 §1.3: after INVALID_KE_PAYLOAD the same SA payload and nonce, a KE of the group. */
Test(conformance, invalid_ke_keeps_proposals, .init = setup, .fini = teardown)
{
    pcfg.script.want_dh = MK_DH_ECP256; /* our second suite's group */
    start();
    pump();
    cr_assert_eq(mk_state_get(&ike), MK_ST_ESTABLISHED);
    mk_msg a, b;
    parse(&a, 0);
    parse(&b, 1);
    cr_assert_eq(b.hdr.msgid, 0);
    const mk_pl *sa_a = mk_chain_find(&a.chain, MK_PT_SA),
                *sa_b = mk_chain_find(&b.chain, MK_PT_SA);
    cr_assert_eq(sa_a->len, sa_b->len);
    cr_assert_eq(memcmp(sa_a->body, sa_b->body, sa_a->len), 0, "same proposal list");
    const mk_pl *na = mk_chain_find(&a.chain, MK_PT_NONCE),
                *nb = mk_chain_find(&b.chain, MK_PT_NONCE);
    cr_assert_eq(memcmp(na->body, nb->body, na->len), 0);
    mk_ke ke;
    const mk_pl *pk = mk_chain_find(&b.chain, MK_PT_KE);
    cr_assert_eq(mk_pl_decode_ke(&ke, pk->body, pk->len), MK_E_OK);
    cr_assert_eq(ke.group, MK_DH_ECP256);
    cr_assert_eq(ke.len, 64, "RFC 5903 §7: x | y");
}

/* Decrypt one of our protected requests with the keys the peer derived on its own. */
static void open_ours(size_t i, mk_msg *m, uint8_t *plain, mk_chain *in)
{
    parse(m, i);
    mk_ike_keys k;
    cr_assert(mk_peer_keys_export(peer, &k));
    mk_sk_keys sk = {mk_suite_encr(cfg.suites, k.encr, k.encr_bits),
                     k.integ ? mk_suite_integ(cfg.suites, k.integ) : NULL, k.sk_ei, k.sk_ai};
    cr_assert_not_null(sk.encr);
    cr_assert_eq(mk_sk_open(m, &sk, plain, MK_MAX_MSG, in), MK_E_OK);
}

/* RFC 7296 §1.2, RFC 7815 §2.1: the IKE_AUTH request. */
Test(conformance, ike_auth_request_shape, .init = setup, .fini = teardown)
{
    cfg.tunnel = false;
    start();
    pump();
    cr_assert_eq(mk_state_get(&ike), MK_ST_ESTABLISHED);
    mk_msg m;
    static uint8_t plain[MK_MAX_MSG];
    mk_chain in;
    open_ours(1, &m, plain, &in);
    cr_assert_eq(m.hdr.exchange, MK_EX_IKE_AUTH);
    cr_assert_eq(m.hdr.msgid, 1);
    cr_assert_eq(m.hdr.flags, MK_HDR_F_INITIATOR);
    cr_assert_eq(m.chain.n, 0, "everything is inside SK");
    cr_assert_eq(sent_port[1], MK_PORT_NATT, "§2.23: floated to 4500 with the marker");
    static const uint8_t order[] = {MK_PT_IDI, MK_PT_IDR, MK_PT_AUTH, MK_PT_NOTIFY,
                                    MK_PT_SA,  MK_PT_TSI, MK_PT_TSR,  MK_PT_NOTIFY};
    cr_assert_eq(in.n, sizeof order);
    for (size_t i = 0; i < in.n; i++)
        cr_assert_eq(in.pl[i].type, order[i], "inner payload %zu", i);
    mk_notify n;
    cr_assert_eq(mk_pl_decode_notify(&n, in.pl[3].body, in.pl[3].len), MK_E_OK);
    cr_assert_eq(n.type, MK_N_USE_TRANSPORT_MODE);
    cr_assert_eq(mk_pl_decode_notify(&n, in.pl[7].body, in.pl[7].len), MK_E_OK);
    cr_assert_eq(n.type, MK_N_INITIAL_CONTACT);
    mk_authv av;
    cr_assert_eq(mk_pl_decode_auth(&av, in.pl[2].body, in.pl[2].len), MK_E_OK);
    cr_assert_eq(av.method, MK_AUTH_PSK);
    cr_assert_eq(av.len, 32, "prf output of HMAC-SHA2-256");
    mk_sa sa;
    cr_assert_eq(mk_pl_decode_sa(&sa, in.pl[4].body, in.pl[4].len), MK_E_OK);
    cr_assert_eq(sa.n, cfg.n_esp);
    mk_esp_sa child;
    cr_assert(mk_child(&ike, &child));
    for (size_t i = 0; i < sa.n; i++) {
        const mk_proposal *p = &sa.p[i];
        cr_assert_eq(p->num, i + 1);
        cr_assert_eq(p->proto, MK_PROTO_ESP);
        cr_assert_eq(p->spi_len, 4);
        uint32_t spi = ((uint32_t)p->spi[0] << 24) | ((uint32_t)p->spi[1] << 16) |
                       ((uint32_t)p->spi[2] << 8) | p->spi[3];
        cr_assert_eq(spi, child.spi_in, "§2.17: the SPI we receive on");
        cr_assert_geq(spi, 256u, "RFC 4303 §2.1: 1..255 reserved");
        const mk_transform *esn = mk_proposal_get(p, MK_TT_ESN);
        cr_assert_not_null(esn);
        cr_assert_eq(esn->id, MK_ESN_NONE);
        cr_assert_null(mk_proposal_get(p, MK_TT_DH), "no PFS group in the first child");
    }
    mk_tsl ts;
    cr_assert_eq(mk_pl_decode_ts(&ts, in.pl[5].body, in.pl[5].len), MK_E_OK);
    cr_assert_eq(ts.n, 1);
    cr_assert_eq(memcmp(&ts.ts[0], &cfg.tsi, sizeof ts.ts[0]), 0);
}

/* RFC 7296 §2.1: an IKE_AUTH retransmission is bitwise identical (same IV, same ICV). */
Test(conformance, auth_retransmission_is_bitwise_identical, .init = setup, .fini = teardown)
{
    pcfg.script.drop_rx_mask = 2; /* the first IKE_AUTH request is lost */
    start();
    pump();
    cr_assert_eq(mk_state_get(&ike), MK_ST_AUTH_SENT);
    now = mk_deadline(&ike);
    cr_assert_eq(mk_on_timer(&ike, now), MK_E_OK);
    pump();
    cr_assert_eq(mk_state_get(&ike), MK_ST_ESTABLISHED);
    cr_assert_eq(n_sent, 3);
    cr_assert_eq(sent_len[1], sent_len[2]);
    cr_assert_eq(memcmp(sent[1], sent[2], sent_len[1]), 0);
}

/* RFC 7296 §2.2, §3.1, RFC 7815 §2.2: our answers to peer requests. */
Test(conformance, answers_echo_message_id_with_i_and_r, .init = setup, .fini = teardown)
{
    start();
    pump();
    cr_assert_eq(mk_state_get(&ike), MK_ST_ESTABLISHED);
    for (int round = 0; round < 3; round++) {
        if (round == 1)
            cr_assert_eq(mk_peer_send_create_child(peer, now), MK_E_OK);
        else
            cr_assert_eq(mk_peer_send_liveness(peer, now), MK_E_OK);
        uint8_t req[MK_MAX_MSG + MK_NATT_MARKER];
        uint16_t port;
        size_t n = theirs(req, &port);
        cr_assert_gt(n, 0);
        mk_msg rq;
        size_t off = port == MK_PORT_NATT ? MK_NATT_MARKER : 0;
        cr_assert_eq(mk_msg_parse(&rq, req + off, n - off), MK_E_OK);
        cr_assert_eq(rq.hdr.msgid, (uint32_t)round, "the peer counts its own requests");
        cr_assert_eq(mk_on_dgram(&ike, req, n, port, now), MK_E_OK);
        size_t before = n_sent;
        cr_assert(ours(true));
        mk_msg m;
        parse(&m, before);
        cr_assert_eq(m.hdr.flags, MK_HDR_F_INITIATOR | MK_HDR_F_RESPONSE);
        cr_assert_eq(m.hdr.msgid, rq.hdr.msgid);
        cr_assert_eq(m.hdr.exchange, rq.hdr.exchange);
        cr_assert_eq(memcmp(m.hdr.spi_i, rq.hdr.spi_i, 8), 0);
        cr_assert_eq(memcmp(m.hdr.spi_r, rq.hdr.spi_r, 8), 0);
        cr_assert(m.has_sk);
        cr_assert(mk_peer_last_answer(peer)->valid);
    }
}

/* RFC 7296 §2.2, §3.1: responses that do not match the outstanding request are dropped and
 * change nothing. Each mutation is applied to the genuine IKE_SA_INIT answer. */
Test(conformance, mismatched_responses_are_dropped, .init = setup, .fini = teardown)
{
    cfg.natt = false;
    pcfg.natt = false;
    start();
    cr_assert(ours(true));
    uint8_t good[MK_MAX_MSG + MK_NATT_MARKER], bad[sizeof good];
    uint16_t port;
    size_t n = theirs(good, &port);
    cr_assert_gt(n, 0);
    cr_assert_eq(port, MK_PORT_IKE);
    static mk_ike before;
    struct {
        size_t off;
        uint8_t xor ;
        const char *what;
    } mut[] = {
        {0, 0x01, "SPIi"},
        {19, MK_HDR_F_RESPONSE, "R flag cleared"},
        {19, MK_HDR_F_INITIATOR, "I flag set"},
        {23, 0x01, "Message ID 1"},
        {18, 0x03, "exchange 33"},
        {17, 0x10, "major version 3"},
        {27, 0x01, "length"},
    };
    for (size_t i = 0; i < sizeof mut / sizeof mut[0]; i++) {
        memcpy(bad, good, n);
        bad[mut[i].off] ^= mut[i].xor ;
        before = ike;
        mk_err e = mk_on_dgram(&ike, bad, n, port, now);
        cr_assert_eq(mk_err_class(e), MK_CLASS_DROP, "%s: %s", mut[i].what, mk_err_name(e));
        assert_same_but_stats(&before, &ike);
    }
    /* truncated, and on port 4500 without the non-ESP marker */
    before = ike;
    cr_assert_eq(mk_err_class(mk_on_dgram(&ike, good, n - 1, port, now)), MK_CLASS_DROP);
    cr_assert_eq(mk_err_class(mk_on_dgram(&ike, good, n, MK_PORT_NATT, now)), MK_CLASS_DROP);
    assert_same_but_stats(&before, &ike);
    cr_assert_eq(mk_stats_get(&ike)->dropped, sizeof mut / sizeof mut[0] + 2);
    /* the genuine one is still accepted, and a second copy is dropped */
    cr_assert_eq(mk_on_dgram(&ike, good, n, port, now), MK_E_OK);
    cr_assert_eq(mk_state_get(&ike), MK_ST_AUTH_SENT);
    before = ike;
    cr_assert_eq(mk_on_dgram(&ike, good, n, port, now), MK_E_UNEXPECTED_MSG);
    assert_same_but_stats(&before, &ike);
}

#if MK_DELETE /* our own Delete: an option RFC 7815 leaves out of the minimal profile */
/* RFC 7815 App. B.1: our Delete is INFORMATIONAL MID 2, SK{D(IKE, no SPIs)}. */
Test(conformance, delete_request_shape, .init = setup, .fini = teardown)
{
    start();
    pump();
    cr_assert_eq(mk_delete(&ike, now), MK_E_OK);
    size_t i = n_sent;
    cr_assert(ours(true));
    mk_msg m;
    static uint8_t plain[MK_MAX_MSG];
    mk_chain in;
    open_ours(i, &m, plain, &in);
    cr_assert_eq(m.hdr.exchange, MK_EX_INFORMATIONAL);
    cr_assert_eq(m.hdr.msgid, 2);
    cr_assert_eq(m.hdr.flags, MK_HDR_F_INITIATOR);
    cr_assert_eq(in.n, 1);
    cr_assert_eq(in.pl[0].type, MK_PT_DELETE);
    mk_deletev d;
    cr_assert_eq(mk_pl_decode_delete(&d, in.pl[0].body, in.pl[0].len), MK_E_OK);
    cr_assert_eq(d.proto, MK_PROTO_IKE);
    cr_assert_eq(d.spi_len, 0);
    cr_assert_eq(d.n_spi, 0);
}
#endif

/* duvet-lite: the MUSTs exercised above are tagged where the code enforces them. */
Test(conformance, spec_tags_present)
{
    static const char *const files[] = {"ref/src/initiator.c",      "ref/src/handshake.c",
                                        "ref/src/initiator_init.c", "ref/src/initiator_auth.c",
                                        "ref/src/initiator_peer_req.c", "ref/src/ext_retry.c",
                                        "ref/src/initiator_delete.c",
                                        "ref/src/ext_natt.c",       "ref/src/sa_list.c",
                                        "ref/src/sa_tmpl.c"};
    static char all[200000];
    size_t len = 0;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", MK_SOURCE_DIR, files[i]);
        FILE *f = fopen(path, "r");
        cr_assert_not_null(f, "%s", path);
        len += fread(all + len, 1, sizeof all - 1 - len, f);
        fclose(f);
    }
    all[len] = '\0';
    static const char *const tags[] = {
        "RFC 7296 §2.1:",     "RFC 7296 §2.2",     "RFC 7296 §2.4",     "RFC 7296 §2.5:",
        "RFC 7296 §2.6:",     "RFC 7296 §1.2:",    "RFC 7296 §2.10:",   "RFC 7296 §2.15:",
        "RFC 7296 §2.17",     "RFC 7296 §2.21.1:", "RFC 7296 §2.21.2:", "RFC 7296 §2.23:",
        "RFC 7296 §3.1:",     "RFC 7296 §3.3.1:",  "RFC 7296 §3.14:",   "RFC 7815 §2.1:",
        "RFC 7815 App. B.1:", "RFC 3948 §2.2:",
    };
    for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++)
        cr_expect_not_null(strstr(all, tags[i]), "missing SPEC tag %s", tags[i]);
    size_t count = 0;
    for (const char *p = all; (p = strstr(p, "/* RFC ")) != NULL; p++)
        count++;
    cr_log_info("initiator: %zu RFC tags", count);
    cr_assert_geq(count, 40);
}

/* duvet-lite coverage list: every section a tag in ref/ cites is listed in the committed
 * harness/conformance/SPEC_COVERAGE.md (regenerate with harness/conformance/spec_tags.sh). */
Test(conformance, spec_coverage_is_current)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "bash '%s/harness/conformance/spec_tags.sh' --check", MK_SOURCE_DIR);
    int rc = system(cmd);
    cr_assert_eq(rc, 0,
                 "a spec tag in ref/ cites a section missing from SPEC_COVERAGE.md: run "
                 "harness/conformance/spec_tags.sh and commit the result");
}
