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
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <dirent.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_env.h"
#include "minike_tools.h"
#include "pcapread.h"
#include "vec.h"

static void init(void)
{
    cr_assert(sodium_init() >= 0);
}
TestSuite(interop_replay, .init = init);

enum { MAX_STEPS = 128 };

typedef enum { S_TX, S_RX, S_DROP, S_FAIL, S_ESP_OUT, S_ESP_IN, S_OTHER, S_AFTER } kind;

typedef struct step {
    kind k;
    char exch[24];
    bool retransmit;
    char err[32];
    char from[16], to[16];
} step;

typedef struct scen {
    char name[64];
    step st[MAX_STEPS];
    size_t n;
    char end_state[16], end_err[32];
    mk_config cfg;
    uint8_t psk[MK_MAX_PSK];
    uint8_t priv[4096], spki[MK_MAX_SPKI], peer_spki[MK_MAX_SPKI], peer_fp[MK_FP_LEN];
    uint16_t port_ike, port_natt; /* our local ports */
    uint64_t seed;
    uint8_t stream;
    mk_vec_file *keys;
} scen;

typedef struct mutation {
    int64_t seed_delta;
    size_t flip_frame; /* 1-based: flip the last octet of this (peer) datagram */
} mutation;

static int fail(char *why, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, cap, fmt, ap);
    va_end(ap);
    return 1;
}

static const char *kv(const scen *s, const char *key)
{
    const char *v = mk_vec_str(&s->keys->b[0], key);
    cr_assert_not_null(v, "%s.keys: no `%s`", s->name, key);
    return v;
}

static unsigned long num(const scen *s, const char *key)
{
    return strtoul(kv(s, key), NULL, 10);
}

static void parse_id(const char *v, mk_id *id)
{
    memset(id, 0, sizeof *id);
    cr_assert(strncmp(v, "fqdn:", 5) == 0, "only fqdn: identities in interop: %s", v);
    id->type = MK_ID_FQDN;
    id->len = (uint8_t)strlen(v + 5);
    memcpy(id->data, v + 5, id->len);
}

static void parse_ts(const char *v, mk_ts *ts)
{
    char host[64];
    const char *slash = strchr(v, '/');
    cr_assert_not_null(slash, "tsi/tsr must be CIDR: %s", v);
    memset(ts, 0, sizeof *ts);
    snprintf(host, sizeof host, "%.*s", (int)(slash - v), v);
    cr_assert_eq(inet_pton(AF_INET, host, ts->start), 1, "%s", v);
    unsigned long bits = strtoul(slash + 1, NULL, 10);
    for (unsigned i = 0; i < 4; i++) {
        unsigned lo = i * 8;
        uint8_t m = bits >= lo + 8 ? 0xff : bits <= lo ? 0 : (uint8_t)(0xff << (8 - (bits - lo)));
        ts->start[i] &= m;
        ts->end[i] = (uint8_t)(ts->start[i] | (uint8_t)~m);
    }
    ts->type = MK_TS_IPV4_RANGE;
    ts->end_port = 65535;
}

static void parse_addr(const char *v, mk_addr *a)
{
    char host[64];
    const char *colon = strrchr(v, ':');
    cr_assert_not_null(colon, "%s", v);
    memset(a, 0, sizeof *a);
    snprintf(host, sizeof host, "%.*s", (int)(colon - v), v);
    cr_assert_eq(inet_pton(AF_INET, host, a->ip), 1, "%s", v);
    a->family = 4;
    a->port = (uint16_t)strtoul(colon + 1, NULL, 10);
}

static size_t hexkey(const scen *s, const char *key, uint8_t *out, size_t cap)
{
    size_t n = mk_hex_decode(kv(s, key), out, cap);
    cr_assert_neq(n, (size_t)-1, "%s.keys: bad hex in %s", s->name, key);
    return n;
}

static void load_expect(scen *s)
{
    char path[1024], line[512];
    snprintf(path, sizeof path, "%s/pcaps/interop/%s/%s.expect", MK_SOURCE_DIR, s->name, s->name);
    FILE *fp = fopen(path, "r");
    cr_assert_not_null(fp, "%s", path);
    cr_assert_not_null(fgets(line, sizeof line, fp));
    cr_assert(strncmp(line, "# source:", 9) == 0, "%s: first line must be # source:", path);
    while (fgets(line, sizeof line, fp)) {
        char *hash = strchr(line, '#'), *tok[6];
        size_t nt = 0;
        if (hash)
            *hash = '\0';
        for (char *p = strtok(line, " \t\r\n"); p && nt < 6; p = strtok(NULL, " \t\r\n"))
            tok[nt++] = p;
        if (nt == 0)
            continue;
        if (strcmp(tok[0], "END") == 0) {
            cr_assert_geq(nt, 2, "%s: END needs a state", path);
            snprintf(s->end_state, sizeof s->end_state, "%s", tok[1]);
            snprintf(s->end_err, sizeof s->end_err, "%s", nt > 2 ? tok[2] : "");
            continue;
        }
        cr_assert_lt(s->n, (size_t)MAX_STEPS);
        step *st = &s->st[s->n];
        memset(st, 0, sizeof *st);
        cr_assert_eq(strtoul(tok[0], NULL, 10), s->n + 1, "%s: lines must be numbered", path);
        cr_assert_geq(nt, 2, "%s: short line %s", path, tok[0]);
        if (strcmp(tok[1], "TX") == 0 && nt >= 3) {
            st->k = S_TX;
            snprintf(st->exch, sizeof st->exch, "%s", tok[2]);
            st->retransmit = nt > 3 && strcmp(tok[3], "RETRANSMIT") == 0;
        } else if (strcmp(tok[1], "RX") == 0 || strcmp(tok[1], "FAIL") == 0) {
            bool rx = tok[1][0] == 'R';
            char *arrow = nt == 4 ? strstr(tok[3], "->") : NULL;
            cr_assert_not_null(arrow, "%s: %s needs A->B", path, tok[1]);
            st->k = rx ? S_RX : S_FAIL;
            cr_assert(!rx || strcmp(tok[2], "OK") == 0, "%s: RX OK", path);
            snprintf(st->err, sizeof st->err, "%s", tok[2]);
            *arrow = '\0';
            snprintf(st->from, sizeof st->from, "%s", tok[3]);
            snprintf(st->to, sizeof st->to, "%s", arrow + 2);
        } else if (strcmp(tok[1], "DROP") == 0 && nt == 4) {
            st->k = S_DROP;
            snprintf(st->err, sizeof st->err, "%s", tok[2]);
            snprintf(st->from, sizeof st->from, "%s", tok[3]);
            snprintf(st->to, sizeof st->to, "%s", tok[3]);
        } else if (strcmp(tok[1], "ESP") == 0 && nt == 3) {
            st->k = strcmp(tok[2], "OUT") == 0 ? S_ESP_OUT : S_ESP_IN;
        } else if (strcmp(tok[1], "OTHER") == 0) {
            st->k = S_OTHER;
        } else if (strcmp(tok[1], "AFTER") == 0) {
            st->k = S_AFTER;
        } else {
            cr_assert_fail("%s: unknown line kind %s", path, tok[1]);
        }
        s->n++;
    }
    fclose(fp);
    cr_assert_neq(s->end_state[0], '\0', "%s: no END line", path);
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
    char path[512], err[512];
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s", name);
    snprintf(path, sizeof path, "pcaps/interop/%s/%s.keys", name, name);
    s->keys = mk_vec_load(path, err, sizeof err);
    cr_assert_not_null(s->keys, "%s", err);
    cr_assert_eq(s->keys->n, 1, "%s: one block expected", path);
    load_expect(s);

    mk_config *c = &s->cfg;
    mk_config_defaults(c);
    c->suites = mk_suites_default();
    c->n_ike = c->n_esp = 0;
    for (size_t i = 0; i < MK_MAX_SUITES; i++) {
        char k[16];
        unsigned e, b, p, g, d;
        snprintf(k, sizeof k, "ike.%zu", i);
        const char *v = mk_vec_str(&s->keys->b[0], k);
        if (v) {
            cr_assert_eq(sscanf(v, "%u,%u,%u,%u,%u", &e, &b, &p, &g, &d), 5, "%s = %s", k, v);
            c->ike[c->n_ike++] =
                (mk_ike_suite){(uint16_t)e, (uint16_t)b, (uint16_t)p, (uint16_t)g, (uint16_t)d};
        }
        snprintf(k, sizeof k, "esp.%zu", i);
        v = mk_vec_str(&s->keys->b[0], k);
        if (v) {
            cr_assert_eq(sscanf(v, "%u,%u,%u", &e, &b, &g), 3, "%s = %s", k, v);
            c->esp[c->n_esp++] = (mk_esp_suite){(uint16_t)e, (uint16_t)b, (uint16_t)g};
        }
    }
    cr_assert(c->n_ike > 0 && c->n_esp > 0, "%s: no ike.N / esp.N", path);
    if (strcmp(kv(s, "auth"), "psk") == 0) {
        c->psk = s->psk;
        c->psk_len = hexkey(s, "psk", s->psk, sizeof s->psk);
    } else {
        cr_assert_str_eq(kv(s, "auth"), "rpk");
        c->auth_method = MK_AUTH_DIGSIG;
        c->psk = NULL;
        c->psk_len = 0;
#if MK_RPK /* else mk_init refuses MK_AUTH_DIGSIG (the minimal profile skips these captures) */
        c->priv_key = s->priv;
        c->priv_key_len = hexkey(s, "priv_key", s->priv, sizeof s->priv);
        c->spki = s->spki;
        c->spki_len = hexkey(s, "spki", s->spki, sizeof s->spki);
        c->send_cert = num(s, "send_cert") != 0;
        if (mk_vec_str(&s->keys->b[0], "peer_spki")) {
            c->peer_spki = s->peer_spki;
            c->peer_spki_len = hexkey(s, "peer_spki", s->peer_spki, sizeof s->peer_spki);
        } else if (mk_vec_str(&s->keys->b[0], "peer_fp")) {
            cr_assert_eq(hexkey(s, "peer_fp", s->peer_fp, sizeof s->peer_fp), MK_FP_LEN);
            c->peer_fp = s->peer_fp;
        } else {
            c->imprint = imprint_any;
        }
#endif
    }
    parse_id(kv(s, "idi"), &c->idi);
    parse_id(kv(s, "idr"), &c->idr);
    parse_ts(kv(s, "tsi"), &c->tsi);
    parse_ts(kv(s, "tsr"), &c->tsr);
    parse_addr(kv(s, "local"), &c->local);
    parse_addr(kv(s, "remote"), &c->remote);
    mk_addr natt;
    parse_addr(kv(s, "local_natt"), &natt);
    s->port_ike = c->local.port;
    s->port_natt = natt.port;
    c->natt = num(s, "natt") != 0;
    c->force_4500 = num(s, "force_4500") != 0;
    c->tunnel = num(s, "tunnel") != 0;
    c->initial_contact = num(s, "initial_contact") != 0;
    c->total_ms = (uint32_t)num(s, "total_ms");
    s->seed = strtoull(kv(s, "seed"), NULL, 10) + (uint64_t)(mu ? mu->seed_delta : 0);
    s->stream = (uint8_t)num(s, "rng_stream");
}

static const char *exch_name(uint8_t x)
{
    static const char *const n[] = {"IKE_SA_INIT", "IKE_AUTH", "CREATE_CHILD_SA", "INFORMATIONAL"};
    return x >= MK_EX_IKE_SA_INIT && x <= MK_EX_INFORMATIONAL ? n[x - MK_EX_IKE_SA_INIT] : "?";
}

static int check_keys(const scen *s, mk_ike *ike, char *why, size_t cap)
{
    static const char *const f[] = {"sk_ei", "sk_er", "sk_ai", "sk_ar"};
    mk_ike_keys k;
    size_t n;
    const uint8_t *want;
    if (!mk_vec_str(&s->keys->b[0], "spi_r"))
        return 0; /* no key table for this run (libreswan, failed runs) */
    if (!mk_keys_export(ike, &k))
        return fail(why, cap, "no keys after IKE_SA_INIT");
    const uint8_t *got[] = {k.sk_ei, k.sk_er, k.sk_ai, k.sk_ar};
    size_t glen[] = {k.encr_len, k.encr_len, k.integ_len, k.integ_len};
    want = mk_vec_hex(&s->keys->b[0], "spi_i", &n);
    if (!want || n != 8 || memcmp(want, k.spi_i, 8) != 0)
        return fail(why, cap, "SPIi differs from .keys");
    want = mk_vec_hex(&s->keys->b[0], "spi_r", &n);
    if (!want || n != 8 || memcmp(want, k.spi_r, 8) != 0)
        return fail(why, cap, "SPIr differs from .keys");
    if (k.encr != num(s, "encr") || k.encr_bits != num(s, "encr_bits") ||
        k.integ != num(s, "integ"))
        return fail(why, cap, "negotiated transforms differ from .keys");
    for (size_t i = 0; i < 4; i++) {
        want = mk_vec_hex(&s->keys->b[0], f[i], &n);
        if (!want)
            n = 0;
        if (n != glen[i] || (n && memcmp(got[i], want, n) != 0))
            return fail(why, cap, "%s differs from %s", f[i], kv(s, "keys_source"));
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
    mk_esp_sa sa, rev;
    bool have_sa = false, keys_checked = false, started = false;
    mk_fake_env fe;
    mk_pcap_list pk;
    char path[1024], err[512];
    int rc = 0;

    memset(&sa, 0, sizeof sa);
    memset(&rev, 0, sizeof rev);
    snprintf(path, sizeof path, "%s/pcaps/interop/%s/%s.pcap", MK_SOURCE_DIR, s->name, s->name);
    if (!mk_pcap_read_udp(path, &pk, err, sizeof err))
        return fail(why, cap, "%s", err), -2;
    if (pk.n != s->n) {
        rc = -2, fail(why, cap, "%zu datagrams in the capture, %zu lines in .expect", pk.n, s->n);
        goto out;
    }
    mk_fake_env_init(&fe, s->seed, s->stream);
    if (mk_init(&ike, &s->cfg, &fe.env) != MK_E_OK) {
        rc = -2, fail(why, cap, "mk_init: %s", mk_err_name(mk_last_error(&ike)));
        goto out;
    }
    for (size_t i = 0; i < pk.n && rc == 0; i++) {
        const step *st = &s->st[i];
        mk_pcap_udp *d = &pk.pkt[i];
        uint64_t now = d->ts_ms;
        int fr = (int)(i + 1);
        bool tx;
        bool mine = ours(s, d, &tx);

        if (st->k == S_OTHER) {
            /* not ours: another flow, or our ports but another SA / a keepalive */
            size_t off = d->len > 4 && !memcmp(d->data, "\0\0\0\0", 4) ? 4 : 0;
            if (mine && d->len >= off + 8 && memcmp(d->data + off, ike.spi_i, 8) == 0) {
                rc = fr, fail(why, cap, "OTHER, but it carries our SPIi");
                break;
            }
            continue;
        }
        if (!mine) {
            rc = fr, fail(why, cap, "not from or to our ports %u/%u", s->port_ike, s->port_natt);
            break;
        }
        if (!started) { /* the CLI calls mk_start just before its first datagram */
            if (st->k != S_TX || mk_start(&ike, now) != MK_E_OK) {
                rc = fr, fail(why, cap, "the first datagram of our flow must be our IKE_SA_INIT");
                break;
            }
            started = true;
        }
        if (st->k == S_AFTER) {
            mk_state x = mk_state_get(&ike);
            if (x != MK_ST_CLOSED && x != MK_ST_FAILED) {
                rc = fr, fail(why, cap, "AFTER, but the SA is still %s", mk_state_name(x));
                break;
            }
            continue;
        }
        if (st->k == S_ESP_OUT || st->k == S_ESP_IN) {
            size_t ilen, olen = 0;
            const uint8_t *inner;
            uint8_t nh;
            mk_err e;
            if (!have_sa || d->len > sizeof buf) {
                rc = fr, fail(why, cap, "ESP without a child SA");
                break;
            }
            memcpy(buf, d->data, d->len);
            if (mu && mu->flip_frame == i + 1)
                buf[d->len - 1] ^= 0x01;
            if (st->k == S_ESP_IN) {
                e = mk_esp_open(&sa, buf, d->len, &nh, &inner, &ilen);
                if (e != MK_E_OK)
                    rc = fr, fail(why, cap, "peer's ESP does not open: %s", mk_err_name(e));
                continue;
            }
            e = mk_esp_open(&rev, buf, d->len, &nh, &inner, &ilen);
            if (e == MK_E_OK)
                e = mk_esp_seal(&sa, &fe.env, nh, inner, ilen, out, sizeof out, &olen);
            if (e != MK_E_OK) {
                rc = fr, fail(why, cap, "our ESP: %s", mk_err_name(e));
                break;
            }
            if (olen != d->len || memcmp(out, d->data, olen) != 0)
                rc = fr, fail(why, cap, "resealed ESP differs (%zu octets, capture %zu)", olen,
                              d->len);
            continue;
        }

        const uint8_t *p;
        uint16_t port = 0;
        size_t n = mk_tx_peek(&ike, &p, &port);
        uint64_t dl = mk_deadline(&ike);
        if (st->k == S_TX) {
            if (!tx) {
                rc = fr, fail(why, cap, "TX line, but the datagram comes from the peer");
                break;
            }
            if (st->retransmit) {
                uint32_t before = mk_stats_get(&ike)->retransmits;
                if (n != 0 || dl == UINT64_MAX || now + 150 < dl || now > dl + 150) {
                    rc = fr, fail(why, cap, "retransmission at +%llu ms, deadline %lld",
                                  (unsigned long long)(now - pk.pkt[0].ts_ms),
                                  dl == UINT64_MAX ? -1LL : (long long)(dl - pk.pkt[0].ts_ms));
                    break;
                }
                mk_on_timer(&ike, dl);
                n = mk_tx_peek(&ike, &p, &port);
                if (mk_stats_get(&ike)->retransmits != before + 1) {
                    rc = fr, fail(why, cap, "mk_on_timer did not retransmit");
                    break;
                }
            }
            if (n == 0) {
                rc = fr, fail(why, cap, "nothing to send; the capture has %s", st->exch);
                break;
            }
            if (port != d->dport ||
                d->sport != (port == MK_PORT_NATT ? s->port_natt : s->port_ike)) {
                rc = fr, fail(why, cap, "port class %u, capture %u->%u", port, d->sport, d->dport);
                break;
            }
            if (n != d->len || memcmp(p, d->data, n) != 0) {
                size_t k = 0;
                while (k < n && k < d->len && p[k] == d->data[k])
                    k++;
                rc = fr, fail(why, cap, "%s: %zu octets, capture %zu; first difference at %zu",
                              st->exch, n, d->len, k);
                break;
            }
            size_t hdr = port == MK_PORT_NATT ? MK_NATT_MARKER : 0;
            if (strcmp(exch_name(p[hdr + 18]), st->exch) != 0) {
                rc = fr, fail(why, cap, "exchange is not %s", st->exch);
                break;
            }
            mk_tx_done(&ike);
            continue;
        }
        /* RX, DROP, FAIL: the peer's datagram */
        if (tx || n != 0) {
            rc = fr, fail(why, cap, tx ? "RX line, but the datagram is ours"
                                       : "an unexpected datagram of ours is queued");
            break;
        }
        if (dl != UINT64_MAX && dl + 150 < now) {
            rc = fr, fail(why, cap, "a timer (+%lld ms) would have fired before this datagram",
                          (long long)(dl - pk.pkt[0].ts_ms));
            break;
        }
        if (strcmp(mk_state_name(mk_state_get(&ike)), st->from) != 0) {
            rc = fr, fail(why, cap, "state %s, .expect says %s",
                          mk_state_name(mk_state_get(&ike)), st->from);
            break;
        }
        if (d->len > sizeof buf) {
            rc = fr, fail(why, cap, "datagram too long");
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
        if ((st->k == S_RX && e != MK_E_OK) || (st->k != S_RX && strcmp(got, st->err) != 0)) {
            rc = fr, fail(why, cap, "mk_on_dgram: %s, .expect says %s (trace: %s)", got,
                          st->k == S_RX ? "OK" : st->err, fe.trace);
            break;
        }
        if (st->k == S_DROP) {
            static mk_ike cur;
            memcpy(&cur, &ike, sizeof cur);
            memset(&cur.stats, 0, sizeof cur.stats);
            memset(&snap.stats, 0, sizeof snap.stats);
            if (memcmp(&cur, &snap, sizeof cur) != 0) {
                rc = fr, fail(why, cap, "DROP %s changed more than the stats", got);
                break;
            }
        }
        if (strcmp(mk_state_name(mk_state_get(&ike)), st->to) != 0) {
            rc = fr, fail(why, cap, "state after: %s, .expect says %s",
                          mk_state_name(mk_state_get(&ike)), st->to);
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
    if (rc == 0) {
        for (int guard = 0; guard < 64; guard++) {
            const uint8_t *p;
            uint16_t port;
            if (mk_tx_peek(&ike, &p, &port) != 0) {
                rc = -1, fail(why, cap, "a datagram after the end of the capture");
                break;
            }
            if (strcmp(mk_state_name(mk_state_get(&ike)), s->end_state) == 0)
                break;
            uint64_t dl = mk_deadline(&ike);
            if (dl == UINT64_MAX)
                break;
            mk_on_timer(&ike, dl);
        }
        if (rc == 0 && strcmp(mk_state_name(mk_state_get(&ike)), s->end_state) != 0)
            rc = -1, fail(why, cap, "final state %s, .expect says %s",
                          mk_state_name(mk_state_get(&ike)), s->end_state);
        if (rc == 0 && s->end_err[0] && strcmp(mk_err_name(mk_last_error(&ike)), s->end_err) != 0)
            rc = -1, fail(why, cap, "final error %s, .expect says %s",
                          mk_err_name(mk_last_error(&ike)), s->end_err);
        if (rc == 0 && strcmp(s->end_state, "ESTABLISHED") == 0 && !have_sa)
            rc = -1, fail(why, cap, "ESTABLISHED without a child SA");
    }
out:
    mk_esp_wipe(&sa);
    mk_esp_wipe(&rev);
    mk_ike_wipe(&ike);
    mk_ike_wipe(&snap);
    mk_pcap_list_free(&pk);
    return rc;
}

/* ---- the tests ------------------------------------------------------------------------------ */

typedef struct param {
    char name[64];
} param;

static size_t list_scenarios(param *out, size_t cap)
{
    char dir[1024];
    size_t n = 0;
    snprintf(dir, sizeof dir, "%s/pcaps/interop", MK_SOURCE_DIR);
    DIR *dp = opendir(dir);
    if (!dp)
        return 0;
    for (struct dirent *e; (e = readdir(dp)) != NULL;) {
        char p[2400];
        FILE *fp;
        if (e->d_name[0] == '.' || strlen(e->d_name) >= sizeof out->name || n >= cap)
            continue;
        snprintf(p, sizeof p, "%s/%s/%s.expect", dir, e->d_name, e->d_name);
        if ((fp = fopen(p, "r")) == NULL)
            continue;
        fclose(fp);
        memset(&out[n], 0, sizeof out[n]);
        snprintf(out[n].name, sizeof out[n].name, "%s", e->d_name);
        n++;
    }
    closedir(dp);
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(out[j - 1].name, out[j].name) > 0; j--) {
            param t = out[j];
            out[j] = out[j - 1];
            out[j - 1] = t;
        }
    return n;
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
    mk_vec_free(s.keys);
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
        cr_expect_not_null(fp, "pcaps/interop/%s: minike's capture without replay files (run "
                               "interop/run.sh --save %s)", e->d_name, e->d_name);
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
    mk_vec_free(s.keys);
    return r;
}

static size_t first_step(const char *name, kind k)
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
    for (size_t i = 0; i < s.n && !f; i++)
        if (s.st[i].k == k)
            f = i + 1;
    mk_vec_free(s.keys);
    return f;
}

Test(interop_sensitivity, other_seed_fails_at_first_datagram)
{
    char why[4096];
    mutation mu = {.seed_delta = 1};
    cr_assert_eq(mutated("dpd-rekey", &mu, why, sizeof why), (int)first_step("dpd-rekey", S_TX),
                 "%s", why);
}

Test(interop_sensitivity, corrupted_peer_request_fails)
{
    /* strongSwan's first DPD request with a flipped ICV octet: not answered, ICV_MISMATCH */
    char why[4096];
    mutation mu = {0};
    static scen s;
    if (first_step("dpd-rekey", S_RX) == 0)
        cr_skip_test("no dpd-rekey replay files");
    load(&s, "dpd-rekey", NULL);
    for (size_t i = 0; i < s.n && !mu.flip_frame; i++)
        if (s.st[i].k == S_RX && strcmp(s.st[i].from, "ESTABLISHED") == 0)
            mu.flip_frame = i + 1;
    mk_vec_free(s.keys);
    cr_assert_neq(mu.flip_frame, 0);
    cr_assert_eq(mutated("dpd-rekey", &mu, why, sizeof why), (int)mu.flip_frame, "%s", why);
    cr_assert(strstr(why, "ICV_MISMATCH") != NULL, "%s", why);
}

Test(interop_sensitivity, corrupted_esp_fails)
{
    char why[4096];
    mutation mu = {.flip_frame = first_step("peer-delete", S_ESP_IN)};
    if (mu.flip_frame == 0)
        cr_skip_test("no ESP IN in peer-delete");
    cr_assert_eq(mutated("peer-delete", &mu, why, sizeof why), (int)mu.flip_frame, "%s", why);
}
