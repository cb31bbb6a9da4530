/* SPDX-License-Identifier: MIT */
/*
 * Foreign captures, replayed as far as they can be without their secrets.
 *  - wireshark: the eight Wireshark 4.0.17 IKEv2 captures (../shared/reference/wireshark-ikev2/,
 *    never copied here; skipped with a message when absent). Every datagram must be classified by
 *    our parser exactly as tshark 4.0.17 does (SPIs, exchange, flags, message ID, length, payload
 *    list, notify types: vectors/captures/wireshark-tshark.txt), and our initiator in INIT_SENT,
 *    AUTH_SENT and ESTABLISHED (driven there by the in-process peer) must DROP every one of them
 *    with the reason the vector file gives, changing nothing but its counters. Their SK payloads
 *    are opened by harness/vectors/test_wireshark_sk.c, not here.
 *  - interop: every capture under pcaps/interop/<scenario>/ (strongSwan, libreswan; made by
 *    interop/run.sh) is decoded datagram by datagram, and each SK payload whose IKE SA has a row in
 *    the scenario's Wireshark key tables (or a `.keys` file) with ciphers we have is opened
 *    (ICV/tag verified) and its inner chain parsed. Those whose initiator is minike are, besides,
 *    replayed bit for bit by test_replay_interop.c (from <scenario>.keys and .expect).
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fake_env.h"
#include "keysfile.h"
#include "minike_tools.h"
#include "msg.h"
#include "pcapread.h"
#include "peer.h"
#include "sk.h"
#include "vec.h"

static void init(void)
{
    cr_assert(sodium_init() >= 0);
}
TestSuite(foreign, .init = init);

static const char *VEC = "vectors/captures/wireshark-tshark.txt";

/* Open one Wireshark capture (cached across blocks of the same file). */
static mk_pcap_list *capture(const char *file)
{
    static char cur[256];
    static mk_pcap_list pk;
    static bool have;
    char rel[512], path[1024], err[512];
    if (have && strcmp(cur, file) == 0)
        return &pk;
    if (have)
        mk_pcap_list_free(&pk);
    have = false;
    snprintf(rel, sizeof rel, "wireshark-ikev2/%s", file);
    if (!mk_ref_path(rel, path, sizeof path))
        cr_skip_test("../shared/reference/wireshark-ikev2/%s absent (the Wireshark captures are "
                     "not part of the repository)",
                     file);
    cr_assert(mk_pcap_read_udp(path, &pk, err, sizeof err), "%s", err);
    snprintf(cur, sizeof cur, "%s", file);
    have = true;
    return &pk;
}

static const mk_pcap_udp *frame_of(const mk_pcap_list *pk, unsigned long fr)
{
    for (size_t i = 0; i < pk->n; i++)
        if (pk->pkt[i].frame == fr)
            return &pk->pkt[i];
    return NULL;
}

/* "33,2,3,41" -> numbers, leaving out SA substructures (2 proposal, 3 transform) if asked. */
static size_t num_list(const char *s, unsigned *out, size_t cap, bool skip_sub)
{
    size_t n = 0;
    if (strcmp(s, "-") == 0)
        return 0;
    for (const char *p = s; *p;) {
        char *end;
        unsigned long v = strtoul(p, &end, 10);
        cr_assert_neq(end, p, "bad list %s", s);
        if (!(skip_sub && (v == 2 || v == 3))) {
            cr_assert_lt(n, cap);
            out[n++] = (unsigned)v;
        }
        p = *end == ',' ? end + 1 : end;
    }
    return n;
}

static mk_vec_file *vectors(void)
{
    char err[512];
    mk_vec_file *f = mk_vec_load(VEC, err, sizeof err);
    cr_assert_not_null(f, "%s", err);
    cr_assert(strstr(f->source, "tshark 4.0.17") != NULL, "%s: source %s", VEC, f->source);
    return f;
}

Test(foreign, wireshark_classified_as_tshark_does)
{
    mk_vec_file *f = vectors();
    size_t checked = 0;
    cr_assert_geq(f->n, 40, "%zu datagrams in %s", f->n, VEC);
    for (size_t i = 0; i < f->n; i++) {
        const mk_vec_block *b = &f->b[i];
        const char *file = mk_vec_str(b, "capture");
        unsigned long fr = strtoul(mk_vec_str(b, "frame"), NULL, 10);
        mk_pcap_list *pk = capture(file);
        const mk_pcap_udp *d = frame_of(pk, fr);
        cr_assert_not_null(d, "%s frame %lu: no UDP datagram", file, fr);
        mk_msg m;
        mk_err e = mk_msg_parse(&m, d->data, d->len);
        cr_assert_eq(e, MK_E_OK, "%s frame %lu: %s", file, fr, mk_err_name(e));
        size_t n;
        const uint8_t *spi_i = mk_vec_hex(b, "spi_i", &n);
        cr_assert(spi_i && n == 8 && memcmp(spi_i, m.hdr.spi_i, 8) == 0, "%s %lu SPIi", file, fr);
        const uint8_t *spi_r = mk_vec_hex(b, "spi_r", &n);
        cr_assert(spi_r && n == 8 && memcmp(spi_r, m.hdr.spi_r, 8) == 0, "%s %lu SPIr", file, fr);
        cr_assert_eq(m.hdr.exchange, strtoul(mk_vec_str(b, "exchange"), NULL, 10), "%s %lu", file,
                     fr);
        cr_assert_eq(m.hdr.flags, strtoul(mk_vec_str(b, "flags"), NULL, 16), "%s %lu", file, fr);
        cr_assert_eq(m.hdr.msgid, strtoul(mk_vec_str(b, "msgid"), NULL, 10), "%s %lu", file, fr);
        cr_assert_eq(m.hdr.length, strtoul(mk_vec_str(b, "length"), NULL, 10), "%s %lu", file, fr);

        unsigned want[64], got[64], wn[16], gn[16];
        size_t nw = num_list(mk_vec_str(b, "payloads"), want, 64, true), ng = 0, nwn, ngn = 0;
        for (size_t k = 0; k < m.chain.n; k++)
            got[ng++] = m.chain.pl[k].type;
        if (m.has_sk)
            got[ng++] = MK_PT_SK;
        cr_assert_eq(ng, nw, "%s frame %lu: %zu payloads, tshark %zu", file, fr, ng, nw);
        for (size_t k = 0; k < ng; k++)
            cr_assert_eq(got[k], want[k], "%s frame %lu payload %zu: %u, tshark %u", file, fr, k,
                         got[k], want[k]);
        nwn = num_list(mk_vec_str(b, "notifies"), wn, 16, false);
        for (size_t k = 0; k < m.chain.n; k++) {
            if (m.chain.pl[k].type != MK_PT_NOTIFY)
                continue;
            mk_notify no;
            cr_assert_eq(mk_pl_decode_notify(&no, m.chain.pl[k].body, m.chain.pl[k].len), MK_E_OK);
            gn[ngn++] = no.type;
        }
        cr_assert_eq(ngn, nwn, "%s frame %lu: notifies", file, fr);
        for (size_t k = 0; k < ngn; k++)
            cr_assert_eq(gn[k], wn[k], "%s frame %lu notify %zu", file, fr, k);
        checked++;
    }
    /* nothing in the captures went unlisted */
    for (size_t i = 0; i < f->n; i++) {
        const char *file = mk_vec_str(&f->b[i], "capture");
        size_t blocks = 0;
        for (size_t j = 0; j < f->n; j++)
            blocks += strcmp(mk_vec_str(&f->b[j], "capture"), file) == 0;
        cr_assert_eq(capture(file)->n, blocks, "%s: %zu datagrams, %zu vector blocks", file,
                     capture(file)->n, blocks);
    }
    cr_log_info("%zu Wireshark datagrams classified as tshark does", checked);
    mk_vec_free(f);
}

/* ---- our initiator in each state, with our own peer on the other side ----------------------- */

typedef struct rig {
    mk_config cfg;
    mk_peer_config pcfg;
    mk_fake_env ie, pe;
    mk_peer *peer;
    mk_ike ike;
    uint8_t psk[32];
} rig;

static void pump_to(rig *r, mk_state target)
{
    uint64_t now = 1000;
    for (int guard = 0; guard < 16 && mk_state_get(&r->ike) != target; guard++) {
        const uint8_t *p;
        uint16_t port;
        size_t n = mk_tx_peek(&r->ike, &p, &port);
        cr_assert_gt(n, 0, "initiator stalled in %s", mk_state_name(mk_state_get(&r->ike)));
        mk_err e = mk_peer_on_dgram(r->peer, p, n, port, &r->cfg.local, now);
        cr_assert_eq(e, MK_E_OK, "peer: %s", mk_err_name(e));
        mk_tx_done(&r->ike);
        n = mk_peer_tx_peek(r->peer, &p, &port);
        cr_assert_gt(n, 0, "peer did not answer");
        e = mk_on_dgram(&r->ike, p, n, port, now);
        cr_assert_eq(e, MK_E_OK, "initiator: %s", mk_err_name(e));
        mk_peer_tx_done(r->peer);
        now += 10;
    }
    cr_assert_eq(mk_state_get(&r->ike), target);
    const uint8_t *p;
    uint16_t port;
    if (mk_tx_peek(&r->ike, &p, &port) != 0)
        mk_tx_done(&r->ike); /* the next request is "sent" */
}

static void rig_up(rig *r, mk_state target)
{
    static const mk_ike_suite ike = {MK_ENCR_AES_GCM_16, 128, MK_PRF_HMAC_SHA2_256, MK_INTEG_NONE,
                                     MK_DH_X25519};
    static const mk_esp_suite esp = {MK_ENCR_AES_GCM_16, 128, MK_INTEG_NONE};
    memset(r, 0, sizeof *r);
    for (size_t i = 0; i < sizeof r->psk; i++)
        r->psk[i] = (uint8_t)(0x40 + i);
    mk_config_defaults(&r->cfg);
    r->cfg.ike[0] = ike;
    r->cfg.n_ike = 1;
    r->cfg.esp[0] = esp;
    r->cfg.n_esp = 1;
    r->cfg.psk = r->psk;
    r->cfg.psk_len = sizeof r->psk;
    r->cfg.idi.type = MK_ID_FQDN;
    r->cfg.idi.len = 6;
    memcpy(r->cfg.idi.data, "device", 6);
    r->cfg.natt = false;
    r->pcfg.suites = mk_suites_default();
    r->pcfg.ike[0] = ike;
    r->pcfg.n_ike = 1;
    r->pcfg.esp[0] = esp;
    r->pcfg.n_esp = 1;
    r->pcfg.psk = r->psk;
    r->pcfg.psk_len = sizeof r->psk;
    r->pcfg.idr.type = MK_ID_FQDN;
    r->pcfg.idr.len = 4;
    memcpy(r->pcfg.idr.data, "door", 4);
    r->pcfg.tsr = r->cfg.tsr;
    r->pcfg.local = r->cfg.remote;
    mk_fake_env_init(&r->ie, 7, 0);
    mk_fake_env_init(&r->pe, 7, 1);
    r->peer = mk_peer_new(&r->pcfg, &r->pe.env);
    cr_assert_not_null(r->peer);
    cr_assert_eq(mk_init(&r->ike, &r->cfg, &r->ie.env), MK_E_OK);
    cr_assert_eq(mk_start(&r->ike, 1000), MK_E_OK);
    if (target != MK_ST_INIT_SENT)
        pump_to(r, target);
    else
        mk_tx_done(&r->ike);
}

static void drops_in(mk_state st, const char *key)
{
    static rig r;
    static mk_ike snap, cur;
    mk_vec_file *f = vectors();
    rig_up(&r, st);
    for (size_t i = 0; i < f->n; i++) {
        const mk_vec_block *b = &f->b[i];
        const char *file = mk_vec_str(b, "capture");
        unsigned long fr = strtoul(mk_vec_str(b, "frame"), NULL, 10);
        const mk_pcap_udp *d = frame_of(capture(file), fr);
        const char *want = mk_vec_str(b, key);
        cr_assert_not_null(d);
        cr_assert_not_null(want, "%s", key);
        memcpy(&snap, &r.ike, sizeof snap);
        mk_err e = mk_on_dgram(&r.ike, d->data, d->len, d->dport, 5000);
        cr_assert_str_eq(mk_err_name(e), want, "%s frame %lu in %s: %s, want %s", file, fr,
                         mk_state_name(st), mk_err_name(e), want);
        cr_assert_eq(mk_err_class(e), MK_CLASS_DROP);
        memcpy(&cur, &r.ike, sizeof cur);
        memset(&cur.stats, 0, sizeof cur.stats);
        memset(&snap.stats, 0, sizeof snap.stats);
        cr_assert(memcmp(&cur, &snap, sizeof cur) == 0, "%s frame %lu: DROP changed the SA", file,
                  fr);
    }
    cr_assert_eq(mk_stats_get(&r.ike)->dropped, f->n);
    mk_peer_free(r.peer);
    mk_ike_wipe(&r.ike);
    mk_vec_free(f);
}

Test(foreign, wireshark_dropped_in_init_sent)
{
    drops_in(MK_ST_INIT_SENT, "drop_init_sent");
}

Test(foreign, wireshark_dropped_in_auth_sent)
{
    drops_in(MK_ST_AUTH_SENT, "drop_auth_sent");
}

Test(foreign, wireshark_dropped_in_established)
{
    drops_in(MK_ST_ESTABLISHED, "drop_established");
}

/* ---- pcaps/interop ----------------------------------------------------------------------------
 */

enum { MAX_ROWS = 16 };
typedef struct keyrow {
    uint8_t spi_i[8], spi_r[8];
    const mk_encr_class *encr;
    const mk_integ_class *integ;
    uint8_t ei[64], er[64], ai[64], ar[64];
} keyrow;

static bool encr_of(const char *name, const mk_encr_class **out)
{
    static const uint16_t ids[] = {MK_ENCR_AES_CBC,    MK_ENCR_AES_CCM_8, MK_ENCR_AES_CCM_12,
                                   MK_ENCR_AES_CCM_16, MK_ENCR_AES_GCM_8, MK_ENCR_AES_GCM_12,
                                   MK_ENCR_AES_GCM_16};
    static const uint16_t bits[] = {128, 192, 256};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
        for (size_t j = 0; j < 3; j++) {
            const char *w = mk_keysw_ike_encr_name(ids[i], bits[j]);
            if (w && strcmp(w, name) == 0) {
                *out = mk_suite_encr(mk_suites_default(), ids[i], bits[j]);
                return *out != NULL;
            }
        }
    return false;
}

static bool integ_of(const char *name, const mk_integ_class **out)
{
    static const uint16_t ids[] = {MK_INTEG_NONE, MK_INTEG_HMAC_SHA2_256_128, 13,
                                   MK_INTEG_HMAC_SHA2_512_256};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        const char *w = mk_keysw_ike_integ_name(ids[i]);
        if (w && strcmp(w, name) == 0) {
            *out = ids[i] == MK_INTEG_NONE ? NULL : mk_suite_integ(mk_suites_default(), ids[i]);
            return ids[i] == MK_INTEG_NONE || *out != NULL;
        }
    }
    return false;
}

static bool hexfield(const char *s, size_t n, uint8_t *out, size_t cap, size_t *len)
{
    char buf[300];
    if (n >= sizeof buf)
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    size_t r = mk_hex_decode(buf, out, cap);
    if (r == (size_t)-1)
        return false;
    if (len)
        *len = r;
    return true;
}

/* Rows of a Wireshark ikev2_decryption_table we can use; unusable rows are counted in *skipped. */
static size_t load_table(const char *path, keyrow *rows, size_t n, size_t cap, size_t *skipped)
{
    FILE *fp = fopen(path, "r");
    char line[1024];
    if (!fp)
        return n;
    while (n < cap && fgets(line, sizeof line, fp)) {
        const char *fld[8];
        size_t fl[8], nf = 0;
        if (line[0] == '#' || line[0] == '\n')
            continue;
        for (const char *p = line; nf < 8;) {
            const char *c = strpbrk(p, ",\r\n");
            size_t l = c ? (size_t)(c - p) : strlen(p);
            fld[nf] = p, fl[nf] = l, nf++;
            if (!c || *c != ',')
                break;
            p = c + 1;
        }
        if (nf != 8) {
            (*skipped)++;
            continue;
        }
        char en[128], in[128];
        snprintf(en, sizeof en, "%.*s", (int)(fl[4] > 2 ? fl[4] - 2 : 0), fld[4] + 1);
        snprintf(in, sizeof in, "%.*s", (int)(fl[7] > 2 ? fl[7] - 2 : 0), fld[7] + 1);
        keyrow *r = &rows[n];
        memset(r, 0, sizeof *r);
        size_t el, al;
        if (!encr_of(en, &r->encr) || !integ_of(in, &r->integ) ||
            !hexfield(fld[0], fl[0], r->spi_i, 8, NULL) ||
            !hexfield(fld[1], fl[1], r->spi_r, 8, NULL) ||
            !hexfield(fld[2], fl[2], r->ei, sizeof r->ei, &el) ||
            !hexfield(fld[3], fl[3], r->er, sizeof r->er, NULL) ||
            !hexfield(fld[5], fl[5], r->ai, sizeof r->ai, &al) ||
            !hexfield(fld[6], fl[6], r->ar, sizeof r->ar, NULL) || el != r->encr->key_len ||
            (r->integ && al != r->integ->key_len)) {
            (*skipped)++;
            continue;
        }
        n++;
    }
    fclose(fp);
    return n;
}

/* A `.keys` vec file (the golden format: spi_i, spi_r, encr, encr_bits, integ, sk_e*, sk_a*). */
static size_t load_keys(const char *path, keyrow *rows, size_t n, size_t cap)
{
    char err[256];
    mk_vec_file *f = mk_vec_load(path, err, sizeof err);
    if (!f)
        return n;
    for (size_t i = 0; i < f->n && n < cap; i++) {
        const mk_vec_block *b = &f->b[i];
        size_t l1, l2, l3, l4, l5, l6;
        const uint8_t *si = mk_vec_hex(b, "spi_i", &l1), *sr = mk_vec_hex(b, "spi_r", &l2);
        const uint8_t *ei = mk_vec_hex(b, "sk_ei", &l3), *er = mk_vec_hex(b, "sk_er", &l4);
        const uint8_t *ai = mk_vec_hex(b, "sk_ai", &l5), *ar = mk_vec_hex(b, "sk_ar", &l6);
        const char *e = mk_vec_str(b, "encr"), *eb = mk_vec_str(b, "encr_bits"),
                   *ig = mk_vec_str(b, "integ");
        if (!si || !sr || !ei || !er || !e || !eb || !ig || l1 != 8 || l2 != 8 || l3 > 64 ||
            l4 > 64 || (ai && l5 > 64) || (ar && l6 > 64))
            continue;
        keyrow *r = &rows[n];
        memset(r, 0, sizeof *r);
        r->encr = mk_suite_encr(mk_suites_default(), (uint16_t)strtoul(e, NULL, 10),
                                (uint16_t)strtoul(eb, NULL, 10));
        unsigned long iv = strtoul(ig, NULL, 10);
        r->integ = iv ? mk_suite_integ(mk_suites_default(), (uint16_t)iv) : NULL;
        if (!r->encr || (iv && !r->integ))
            continue;
        memcpy(r->spi_i, si, 8);
        memcpy(r->spi_r, sr, 8);
        memcpy(r->ei, ei, l3);
        memcpy(r->er, er, l4);
        if (ai)
            memcpy(r->ai, ai, l5);
        if (ar)
            memcpy(r->ar, ar, l6);
        n++;
    }
    mk_vec_free(f);
    return n;
}

/* The IKE message inside a UDP payload, or NULL for ESP / keepalives. */
static const uint8_t *ike_of(const mk_pcap_udp *d, size_t *len)
{
    if (d->sport == MK_PORT_IKE || d->dport == MK_PORT_IKE) {
        *len = d->len;
        return d->data;
    }
    /* any other port: the non-ESP marker applies (RFC 3948 §2.2; strongSwan on custom ports) */
    static const uint8_t zero[MK_NATT_MARKER] = {0};
    if (d->len >= MK_NATT_MARKER + 28 && memcmp(d->data, zero, MK_NATT_MARKER) == 0) {
        *len = d->len - MK_NATT_MARKER;
        return d->data + MK_NATT_MARKER;
    }
    return NULL;
}

static void interop_one(const char *dir, const char *scen, size_t *n_ike, size_t *n_open,
                        size_t *n_nokey)
{
    char path[1024], err[512];
    static keyrow rows[MAX_ROWS];
    size_t nr = 0, skipped = 0;
    snprintf(path, sizeof path, "%s/%s/ikev2_decryption_table", dir, scen);
    nr = load_table(path, rows, nr, MAX_ROWS, &skipped);
    snprintf(path, sizeof path, "%s/%s/minike-keys/ikev2_decryption_table", dir, scen);
    nr = load_table(path, rows, nr, MAX_ROWS, &skipped);
    snprintf(path, sizeof path, "%s/%s/%s.keys", dir, scen, scen);
    nr = load_keys(path, rows, nr, MAX_ROWS);

    snprintf(path, sizeof path, "%s/%s/%s.pcap", dir, scen, scen);
    mk_pcap_list pk;
    cr_assert(mk_pcap_read_udp(path, &pk, err, sizeof err), "%s", err);
    for (size_t i = 0; i < pk.n; i++) {
        size_t len;
        const uint8_t *p = ike_of(&pk.pkt[i], &len);
        if (!p)
            continue;
        mk_msg m;
        mk_err e = mk_msg_parse(&m, p, len);
        cr_assert_eq(e, MK_E_OK, "%s frame %zu: %s", scen, pk.pkt[i].frame, mk_err_name(e));
        (*n_ike)++;
        if (!m.has_sk)
            continue;
        const keyrow *r = NULL;
        for (size_t k = 0; k < nr && !r; k++)
            if (memcmp(rows[k].spi_i, m.hdr.spi_i, 8) == 0 &&
                memcmp(rows[k].spi_r, m.hdr.spi_r, 8) == 0)
                r = &rows[k];
        if (!r) {
            (*n_nokey)++;
            continue;
        }
        /* the original initiator's messages carry the I flag (RFC 7296 §3.1) */
        bool from_i = (m.hdr.flags & MK_HDR_F_INITIATOR) != 0;
        mk_sk_keys k = {r->encr, r->integ, from_i ? r->ei : r->er, from_i ? r->ai : r->ar};
        static uint8_t plain[MK_MAX_MSG];
        mk_chain inner;
        e = mk_sk_open(&m, &k, plain, sizeof plain, &inner);
        cr_assert_eq(e, MK_E_OK, "%s frame %zu: SK does not open with the scenario's keys: %s",
                     scen, pk.pkt[i].frame, mk_err_name(e));
        (*n_open)++;
    }
    mk_pcap_list_free(&pk);
}

Test(foreign, interop_captures_decode_and_decrypt)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/pcaps/interop", MK_SOURCE_DIR);
    DIR *dp = opendir(dir);
    if (!dp)
        cr_skip_test("pcaps/interop absent (interop/run.sh --save makes it)");
    size_t scen = 0, n_ike = 0, n_open = 0, n_nokey = 0;
    for (struct dirent *e; (e = readdir(dp)) != NULL;) {
        char p[2400];
        struct stat sb;
        if (e->d_name[0] == '.')
            continue;
        snprintf(p, sizeof p, "%s/%s/%s.pcap", dir, e->d_name, e->d_name);
        if (stat(p, &sb) != 0)
            continue;
        interop_one(dir, e->d_name, &n_ike, &n_open, &n_nokey);
        scen++;
    }
    closedir(dp);
    if (scen == 0)
        cr_skip_test("no pcaps/interop/<scenario>/<scenario>.pcap yet");
    cr_log_info("interop: %zu captures, %zu IKE datagrams decoded, %zu SK payloads opened, %zu "
                "without usable keys (ChaCha20 rows are not in Wireshark tables)",
                scen, n_ike, n_open, n_nokey);
    cr_assert_gt(n_open, 0, "no SK payload of any interop capture could be opened");
}
