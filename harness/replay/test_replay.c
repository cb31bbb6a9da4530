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
#include "mk_io.h"
#include "pcapread.h"
#include "vec.h"

static void init(void)
{
    cr_assert(sodium_init() >= 0);
}
TestSuite(replay, .init = init);

/* ---- scenario files ------------------------------------------------------------------------- */

enum { MAX_STEPS = 64 };

typedef struct step {
    enum { S_TX, S_RX, S_DROP } kind;
    char exch[24];   /* TX */
    bool retransmit; /* TX: after mk_on_timer() at the deadline */
    bool app_delete; /* TX: after mk_delete() (the application ends the SA) */
    char err[32];    /* DROP */
    char from[16], to[16];
} step;

typedef struct scenario {
    char name[64];
    step st[MAX_STEPS];
    size_t n;
    char end_state[16], end_err[32];
    mk_config cfg;
    uint8_t psk[MK_MAX_PSK];
    uint64_t seed;
    uint8_t stream;
    mk_vec_file *keys;
} scenario;

/* Mutations for the sensitivity tests: what the replay must notice. */
typedef struct mutation {
    int64_t seed_delta;
    bool flip_psk;
    size_t flip_rx_frame;   /* 1-based frame of a responder datagram to flip the last octet of */
    uint64_t start_late_ms; /* mk_start this much after the first datagram's time */
} mutation;

static int fail(char *why, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, cap, fmt, ap);
    va_end(ap);
    return 1;
}

static const char *kv(const scenario *s, const char *key)
{
    const char *v = mk_vec_str(&s->keys->b[0], key);
    cr_assert_not_null(v, "%s.keys: no `%s`", s->name, key);
    return v;
}

static unsigned long num(const scenario *s, const char *key)
{
    return strtoul(kv(s, key), NULL, 10);
}

static void parse_id(const char *v, mk_id *id)
{
    static const struct {
        const char *pfx;
        uint8_t type;
    } t[] = {{"fqdn:", MK_ID_FQDN}, {"email:", MK_ID_RFC822_ADDR}, {"keyid:", MK_ID_KEY_ID}};
    memset(id, 0, sizeof *id);
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        size_t l = strlen(t[i].pfx);
        if (strncmp(v, t[i].pfx, l) == 0) {
            id->type = t[i].type;
            if (t[i].type == MK_ID_KEY_ID) {
                size_t n = mk_hex_decode(v + l, id->data, sizeof id->data);
                cr_assert_neq(n, (size_t)-1, "bad keyid %s", v);
                id->len = (uint8_t)n;
            } else {
                id->len = (uint8_t)strlen(v + l);
                memcpy(id->data, v + l, id->len);
            }
            return;
        }
    }
    if (strncmp(v, "ipv4:", 5) == 0) {
        id->type = MK_ID_IPV4_ADDR;
        cr_assert_eq(inet_pton(AF_INET, v + 5, id->data), 1, "bad %s", v);
        id->len = 4;
        return;
    }
    cr_assert_fail("unknown identity form %s", v);
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

static void load_expect(scenario *s)
{
    char path[1024], line[512];
    snprintf(path, sizeof path, "%s/pcaps/%s.expect", MK_SOURCE_DIR, s->name);
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
        cr_assert_eq(strtoul(tok[0], NULL, 10), s->n + 1, "%s: lines must be numbered 1, 2, ...",
                     path);
        cr_assert_geq(nt, 3, "%s: short line %s", path, tok[0]);
        if (strcmp(tok[1], "TX") == 0) {
            st->kind = S_TX;
            snprintf(st->exch, sizeof st->exch, "%s", tok[2]);
            st->retransmit = nt > 3 && strcmp(tok[3], "RETRANSMIT") == 0;
            st->app_delete = nt > 3 && strcmp(tok[3], "DELETE") == 0;
        } else if (strcmp(tok[1], "RX") == 0) {
            char *arrow = strstr(tok[3], "->");
            cr_assert(nt == 4 && strcmp(tok[2], "OK") == 0 && arrow, "%s: RX OK A->B", path);
            st->kind = S_RX;
            *arrow = '\0';
            snprintf(st->from, sizeof st->from, "%s", tok[3]);
            snprintf(st->to, sizeof st->to, "%s", arrow + 2);
        } else if (strcmp(tok[1], "DROP") == 0) {
            cr_assert_eq(nt, 4, "%s: DROP ERR STATE", path);
            st->kind = S_DROP;
            snprintf(st->err, sizeof st->err, "%s", tok[2]);
            snprintf(st->from, sizeof st->from, "%s", tok[3]);
            snprintf(st->to, sizeof st->to, "%s", tok[3]);
        } else {
            cr_assert_fail("%s: unknown line kind %s", path, tok[1]);
        }
        s->n++;
    }
    fclose(fp);
    cr_assert_neq(s->end_state[0], '\0', "%s: no END line", path);
}

static void load(scenario *s, const char *name, const mutation *mu)
{
    char path[512], err[512];
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s", name);
    snprintf(path, sizeof path, "pcaps/%s.keys", name);
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
    size_t pl = mk_hex_decode(kv(s, "psk"), s->psk, sizeof s->psk);
    cr_assert(pl != (size_t)-1 && pl >= MK_MIN_PSK, "%s: psk", path);
    if (mu && mu->flip_psk)
        s->psk[0] ^= 0x01;
    c->psk = s->psk;
    c->psk_len = pl;
    parse_id(kv(s, "idi"), &c->idi);
    parse_id(kv(s, "idr"), &c->idr);
    parse_ts(kv(s, "tsi"), &c->tsi);
    parse_ts(kv(s, "tsr"), &c->tsr);
    parse_addr(kv(s, "local"), &c->local);
    parse_addr(kv(s, "remote"), &c->remote);
    c->natt = num(s, "natt") != 0;
    c->force_4500 = num(s, "force_4500") != 0;
    c->tunnel = num(s, "tunnel") != 0;
    c->initial_contact = num(s, "initial_contact") != 0;
    c->total_ms = (uint32_t)num(s, "total_ms");
    s->seed = strtoull(kv(s, "seed"), NULL, 10) + (uint64_t)(mu ? mu->seed_delta : 0);
    s->stream = (uint8_t)num(s, "rng_stream");
}

/* ---- the replay engine ---------------------------------------------------------------------- */

static const char *exch_name(uint8_t x)
{
    switch (x) {
    case MK_EX_IKE_SA_INIT:
        return "IKE_SA_INIT";
    case MK_EX_IKE_AUTH:
        return "IKE_AUTH";
    case MK_EX_CREATE_CHILD_SA:
        return "CREATE_CHILD_SA";
    case MK_EX_INFORMATIONAL:
        return "INFORMATIONAL";
    default:
        return "?";
    }
}

/* Everything of mk_ike but the counters a DROP may change. */
static void strip_stats(mk_ike *c)
{
    memset(&c->stats, 0, sizeof c->stats);
}

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
        return fail(why, cap, "no keys after IKE_SA_INIT");
    want = mk_vec_hex(&s->keys->b[0], "spi_i", &n);
    if (!want || n != 8 || memcmp(want, k.spi_i, 8) != 0)
        return fail(why, cap, "SPIi differs from .keys");
    want = mk_vec_hex(&s->keys->b[0], "spi_r", &n);
    if (!want || n != 8 || memcmp(want, k.spi_r, 8) != 0)
        return fail(why, cap, "SPIr differs from .keys");
    if (k.encr != num(s, "encr") || k.encr_bits != num(s, "encr_bits") ||
        k.integ != num(s, "integ"))
        return fail(why, cap, "negotiated transforms differ from .keys");
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        want = mk_vec_hex(&s->keys->b[0], f[i].key, &n);
        if (!want || memcmp((const uint8_t *)ike + f[i].off, want, n) != 0)
            return fail(why, cap, "%s differs from the independently derived .keys value",
                        f[i].key);
    }
    size_t el = 0, al = 0;
    if (!mk_vec_hex(&s->keys->b[0], "sk_ei", &el))
        el = 0;
    if (!mk_vec_hex(&s->keys->b[0], "sk_ai", &al))
        al = 0;
    if (k.encr_len != el || k.integ_len != al)
        return fail(why, cap, "SK_e / SK_a lengths %u/%u, .keys %zu/%zu", k.encr_len, k.integ_len,
                    el, al);
    return 0;
}

/* Replays scenario `s`; returns 0, or the 1-based frame that disagreed (-1: the end, -2: setup),
 * with the reason in `why`. */
static int replay(scenario *s, const mutation *mu, char *why, size_t cap)
{
    static mk_ike ike, snap; /* 2 x ~13 KiB: keep them off the stack */
    mk_fake_env fe;
    mk_pcap_list pk;
    char path[1024], err[512];
    int rc = 0;
    bool keys_checked = false;
    uint64_t late = mu ? mu->start_late_ms : 0;

    snprintf(path, sizeof path, "%s/pcaps/%s.pcap", MK_SOURCE_DIR, s->name);
    if (!mk_pcap_read_udp(path, &pk, err, sizeof err))
        return fail(why, cap, "%s", err), -2;
    if (pk.n != s->n) {
        rc = -2;
        fail(why, cap, "%zu datagrams in the capture, %zu lines in .expect", pk.n, s->n);
        goto out;
    }
    mk_fake_env_init(&fe, s->seed, s->stream);
    if (mk_init(&ike, &s->cfg, &fe.env) != MK_E_OK ||
        mk_start(&ike, pk.pkt[0].ts_ms + late) != MK_E_OK) {
        rc = -2;
        fail(why, cap, "mk_init/mk_start failed: %s", mk_err_name(mk_last_error(&ike)));
        goto out;
    }
    for (size_t i = 0; i < pk.n && rc == 0; i++) {
        const step *st = &s->st[i];
        mk_pcap_udp *d = &pk.pkt[i];
        uint64_t now = d->ts_ms;
        const uint8_t *p;
        uint16_t port = 0;
        size_t n = mk_tx_peek(&ike, &p, &port);
        int fr = (int)(i + 1);

        if (st->kind == S_TX) {
            if (st->retransmit) {
                uint64_t dl = mk_deadline(&ike);
                uint32_t before = mk_stats_get(&ike)->retransmits;
                if (n != 0) {
                    rc = fr, fail(why, cap, "a datagram is queued, the capture shows a retransmit");
                    break;
                }
                /* the capture's time and our deadline agree within the 100 ms rounding */
                if (dl == UINT64_MAX || now + 150 < dl || now > dl + 150) {
                    rc = fr, fail(why, cap, "retransmission at %llu ms, deadline %lld ms",
                                  (unsigned long long)(now - pk.pkt[0].ts_ms),
                                  dl == UINT64_MAX ? -1LL : (long long)(dl - pk.pkt[0].ts_ms));
                    break;
                }
                mk_on_timer(&ike, dl);
                n = mk_tx_peek(&ike, &p, &port);
                if (mk_stats_get(&ike)->retransmits != before + 1) {
                    rc = fr, fail(why, cap, "mk_on_timer did not count a retransmission");
                    break;
                }
            }
            if (st->app_delete) {
#if MK_DELETE
                mk_err e = n == 0 ? mk_delete(&ike, now) : MK_E_BAD_STATE;
#else /* golden() skips such captures; a mutated one must fail before this frame */
                mk_err e = MK_E_BAD_STATE;
#endif
                if (e != MK_E_OK) {
                    rc = fr, fail(why, cap, "mk_delete: %s", mk_err_name(e));
                    break;
                }
                n = mk_tx_peek(&ike, &p, &port);
            }
            if (n == 0) {
                rc = fr, fail(why, cap, "nothing to send; the capture has %s here", st->exch);
                break;
            }
            if (port != d->dport) {
                rc = fr, fail(why, cap, "sent to port class %u, capture %u", port, d->dport);
                break;
            }
            if (n != d->len || memcmp(p, d->data, n) != 0) {
                size_t k = 0;
                while (k < n && k < d->len && p[k] == d->data[k])
                    k++;
                rc = fr,
                fail(why, cap, "%s: %zu octets, capture %zu; first difference at octet %zu",
                     st->exch, n, d->len, k);
                break;
            }
            size_t hdr = port == MK_PORT_NATT ? MK_NATT_MARKER : 0;
            if (n < hdr + 28 || strcmp(exch_name(p[hdr + 18]), st->exch) != 0) {
                rc = fr, fail(why, cap, "exchange is not %s", st->exch);
                break;
            }
            if (st->retransmit) {
                /* RFC 7296 §2.1: bitwise identical to the previous copy (capture vs capture) */
                size_t j = i;
                while (j-- > 0 && s->st[j].kind != S_TX)
                    ;
                if (pk.pkt[j].len != d->len || memcmp(pk.pkt[j].data, d->data, d->len) != 0) {
                    rc = fr, fail(why, cap, "retransmission differs from frame %zu", j + 1);
                    break;
                }
            }
            mk_tx_done(&ike);
            continue;
        }

        /* RX or DROP */
        if (n != 0) {
            rc = fr, fail(why, cap, "an unexpected %zu-octet datagram is queued", n);
            break;
        }
        if (strcmp(mk_state_name(mk_state_get(&ike)), st->from) != 0) {
            rc = fr, fail(why, cap, "state %s, .expect says %s", mk_state_name(mk_state_get(&ike)),
                          st->from);
            break;
        }
        if (mu && mu->flip_rx_frame == i + 1)
            d->data[d->len - 1] ^= 0x01;
        memcpy(&snap, &ike, sizeof ike);
        mk_fake_env_clear_trace(&fe);
        mk_err e = mk_on_dgram(&ike, d->data, d->len, d->dport, now);
        const char *got = mk_err_name(e);
        if (st->kind == S_RX && e != MK_E_OK) {
            rc = fr, fail(why, cap, "mk_on_dgram: %s, .expect says OK (trace: %s)", got, fe.trace);
            break;
        }
        if (st->kind == S_DROP) {
            if (strcmp(got, st->err) != 0) {
                rc = fr, fail(why, cap, "mk_on_dgram: %s, .expect says DROP %s", got, st->err);
                break;
            }
            strip_stats(&snap);
            mk_ike cur;
            memcpy(&cur, &ike, sizeof cur);
            strip_stats(&cur);
            if (memcmp(&cur, &snap, sizeof cur) != 0 || mk_stats_get(&ike)->last_drop != e) {
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
    }
    if (rc == 0) {
        /* run the clock out towards the END state: no datagram may appear that is not in the
         * capture */
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
        if (rc == 0 && !keys_checked)
            rc = -1, fail(why, cap, "the IKE SA keys were never checked");
        if (rc == 0 && strcmp(s->end_state, "ESTABLISHED") == 0) {
            mk_esp_sa sa;
            if (!mk_child(&ike, &sa))
                rc = -1, fail(why, cap, "ESTABLISHED without a child SA");
            mk_esp_wipe(&sa);
        }
    }
out:
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
    snprintf(dir, sizeof dir, "%s/pcaps", MK_SOURCE_DIR);
    DIR *dp = opendir(dir);
    if (!dp)
        return 0;
    for (struct dirent *e; (e = readdir(dp)) != NULL;) {
        size_t l = strlen(e->d_name);
        if (l > 7 && l - 7 < sizeof out->name && strcmp(e->d_name + l - 7, ".expect") == 0 &&
            n < cap) {
            memset(&out[n], 0, sizeof out[n]);
            memcpy(out[n].name, e->d_name, l - 7);
            n++;
        }
    }
    closedir(dp);
    /* stable order for the report */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(out[j - 1].name, out[j].name) > 0; j--) {
            param t = out[j];
            out[j] = out[j - 1];
            out[j - 1] = t;
        }
    return n;
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
        mk_vec_free(s.keys);
        cr_skip_test("%s: needs NAT-T, this build has MK_NATT=0", p->name);
    }
    for (size_t i = 0; i < s.n && !MK_DELETE; i++) {
        if (s.st[i].app_delete) {
            mk_vec_free(s.keys);
            cr_skip_test("%s: the application's Delete needs MK_DELETE=1", p->name);
        }
    }
    for (size_t i = 0; i < s.cfg.n_ike && !MK_SUITES_ALL; i++) {
        if (s.cfg.ike[i].encr != MK_ENCR_CHACHA20_POLY1305 || s.cfg.ike[i].dh != MK_DH_X25519) {
            mk_vec_free(s.keys);
            cr_skip_test("%s: suite not registered with MK_SUITES_ALL=0", p->name);
        }
    }
    int r = replay(&s, NULL, why, sizeof why);
    cr_assert_eq(r, 0, "%s: frame %d: %s", p->name, r, why);
    mk_vec_free(s.keys);
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

/* The harness itself must notice changes: each mutation makes the replay fail where expected. */
static int mutated(const char *name, const mutation *mu, char *why, size_t cap)
{
    static scenario s;
    char p[512];
    snprintf(p, sizeof p, "%s/pcaps/%s.expect", MK_SOURCE_DIR, name);
    FILE *fp = fopen(p, "r");
    if (!fp)
        cr_skip_test("pcaps/%s.expect absent", name);
    fclose(fp);
    load(&s, name, mu);
    int r = replay(&s, mu, why, cap);
    mk_vec_free(s.keys);
    return r;
}

Test(sensitivity, other_seed_fails_at_first_datagram)
{
    char why[4096];
    mutation mu = {.seed_delta = 1};
    cr_assert_eq(mutated("psk-gcm-natt", &mu, why, sizeof why), 1, "%s", why);
}

Test(sensitivity, other_psk_fails_at_ike_auth)
{
    /* IKE_SA_INIT does not depend on the PSK; the AUTH inside SK does */
    char why[4096];
    mutation mu = {.flip_psk = true};
    cr_assert_eq(mutated("psk-gcm-natt", &mu, why, sizeof why), 3, "%s", why);
    cr_assert_eq(mutated("psk-cbc-modp2048", &mu, why, sizeof why), 3, "%s", why);
}

Test(sensitivity, corrupted_response_fails)
{
    char why[4096];
    mutation mu = {.flip_rx_frame = 4}; /* the IKE_AUTH response: ICV_MISMATCH, not OK */
    cr_assert_eq(mutated("psk-chacha-delete", &mu, why, sizeof why), 4, "%s", why);
    cr_assert(strstr(why, "ICV_MISMATCH") != NULL, "%s", why);
}

Test(sensitivity, retransmission_timing_checked)
{
    char why[4096];
    /* timers 300 ms later than recorded: the first retransmission no longer matches */
    mutation mu = {.start_late_ms = 300};
    cr_assert_eq(mutated("retransmit", &mu, why, sizeof why), 2, "%s", why);
    cr_assert(strstr(why, "deadline") != NULL, "%s", why);
}
