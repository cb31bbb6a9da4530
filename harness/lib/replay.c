/* SPDX-License-Identifier: MIT */
/* replay: scenario files and the checks the capture replays share (replay.h). */
#include "replay.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "minike_tools.h"

int mk_rp_fail(char *why, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, cap, fmt, ap);
    va_end(ap);
    return 1;
}

/* ---- .expect files ----------------------------------------------------------------------------
 */

/* One numbered line (tokens after the number in tok[1..nt-1]) into st; false if malformed. */
static bool expect_line(mk_rp_format f, char **tok, size_t nt, mk_rp_step *st)
{
    bool golden = f == MK_RP_GOLDEN;
    memset(st, 0, sizeof *st);
    if (nt < (golden ? 3u : 2u))
        return false;
    if (strcmp(tok[1], "TX") == 0 && nt >= 3) {
        st->kind = MK_RP_TX;
        snprintf(st->exch, sizeof st->exch, "%s", tok[2]);
        st->retransmit = nt > 3 && strcmp(tok[3], "RETRANSMIT") == 0;
        st->app_delete = nt > 3 && strcmp(tok[3], "DELETE") == 0;
        return nt == 3 || st->retransmit || st->app_delete;
    }
    if (strcmp(tok[1], "RX") == 0 || (!golden && strcmp(tok[1], "FAIL") == 0)) {
        char *arrow = nt == 4 ? strstr(tok[3], "->") : NULL;
        st->kind = tok[1][0] == 'R' ? MK_RP_RX : MK_RP_FAIL;
        if (arrow == NULL || (st->kind == MK_RP_RX && strcmp(tok[2], "OK") != 0))
            return false;
        snprintf(st->err, sizeof st->err, "%s", tok[2]);
        *arrow = '\0';
        snprintf(st->from, sizeof st->from, "%s", tok[3]);
        snprintf(st->to, sizeof st->to, "%s", arrow + 2);
        return true;
    }
    if (strcmp(tok[1], "DROP") == 0 && nt == 4) {
        st->kind = MK_RP_DROP;
        snprintf(st->err, sizeof st->err, "%s", tok[2]);
        snprintf(st->from, sizeof st->from, "%s", tok[3]);
        snprintf(st->to, sizeof st->to, "%s", tok[3]);
        return true;
    }
    if (golden)
        return false;
    if (strcmp(tok[1], "ESP") == 0 && nt == 3) {
        st->kind = strcmp(tok[2], "OUT") == 0 ? MK_RP_ESP_OUT : MK_RP_ESP_IN;
        return true;
    }
    st->kind = strcmp(tok[1], "OTHER") == 0 ? MK_RP_OTHER : MK_RP_AFTER;
    return strcmp(tok[1], "OTHER") == 0 || strcmp(tok[1], "AFTER") == 0;
}

bool mk_rp_load_expect(const char *path, mk_rp_format f, mk_rp_expect *out, char *why, size_t cap)
{
    char line[512];
    bool ok = false;
    memset(out, 0, sizeof *out);
    FILE *fp = fopen(path, "r");
    if (fp == NULL)
        return mk_rp_fail(why, cap, "%s: cannot open", path), false;
    if (fgets(line, sizeof line, fp) == NULL || strncmp(line, "# source:", 9) != 0) {
        mk_rp_fail(why, cap, "%s: first line must be # source:", path);
        goto out;
    }
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
            if (nt < 2) {
                mk_rp_fail(why, cap, "%s: END needs a state", path);
                goto out;
            }
            snprintf(out->end_state, sizeof out->end_state, "%s", tok[1]);
            snprintf(out->end_err, sizeof out->end_err, "%s", nt > 2 ? tok[2] : "");
            continue;
        }
        if (out->n >= MK_RP_MAX_STEPS) {
            mk_rp_fail(why, cap, "%s: more than %d lines", path, MK_RP_MAX_STEPS);
            goto out;
        }
        if (strtoul(tok[0], NULL, 10) != out->n + 1) {
            mk_rp_fail(why, cap, "%s: lines must be numbered 1, 2, ... (line %s)", path, tok[0]);
            goto out;
        }
        if (!expect_line(f, tok, nt, &out->st[out->n])) {
            mk_rp_fail(why, cap, "%s: line %s: malformed %s line", path, tok[0],
                       nt > 1 ? tok[1] : "short");
            goto out;
        }
        out->n++;
    }
    ok = out->end_state[0] != '\0';
    if (!ok)
        mk_rp_fail(why, cap, "%s: no END line", path);
out:
    fclose(fp);
    return ok;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const mk_rp_name *)a)->name, ((const mk_rp_name *)b)->name);
}

size_t mk_rp_list(mk_rp_format f, const char *ext, mk_rp_name *out, size_t cap)
{
    char dir[1024], p[2400];
    size_t n = 0, el = strlen(ext);
    snprintf(dir, sizeof dir, "%s/pcaps%s", MK_SOURCE_DIR, f == MK_RP_INTEROP ? "/interop" : "");
    DIR *dp = opendir(dir);
    if (dp == NULL)
        return 0;
    for (struct dirent *e; (e = readdir(dp)) != NULL && n < cap;) {
        size_t l = strlen(e->d_name);
        if (f == MK_RP_GOLDEN) {
            if (l > el && l - el < 64 && strcmp(e->d_name + l - el, ext) == 0)
                snprintf(out[n++].name, sizeof out->name, "%.*s", (int)(l - el), e->d_name);
            continue;
        }
        if (e->d_name[0] == '.' || l >= sizeof out->name)
            continue;
        snprintf(p, sizeof p, "%s/%s/%s%s", dir, e->d_name, e->d_name, ext);
        FILE *fp = fopen(p, "r");
        if (fp == NULL)
            continue; /* reverse and swan-initiator scenarios: no initiator of ours */
        fclose(fp);
        snprintf(out[n++].name, sizeof out->name, "%s", e->d_name);
    }
    closedir(dp);
    qsort(out, n, sizeof out[0], by_name); /* a stable order for the report */
    return n;
}

/* ---- .keys values ------------------------------------------------------------------------------
 */

bool mk_rp_parse_id(const char *v, uint8_t *type, uint8_t *data, size_t cap, size_t *len)
{
    static const struct {
        const char *pfx;
        uint8_t type;
    } t[] = {{"fqdn:", MK_ID_FQDN}, {"email:", MK_ID_RFC822_ADDR}, {"keyid:", MK_ID_KEY_ID}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        size_t l = strlen(t[i].pfx);
        if (strncmp(v, t[i].pfx, l) != 0)
            continue;
        size_t n = t[i].type == MK_ID_KEY_ID ? mk_hex_decode(v + l, data, cap) : strlen(v + l);
        if (n == (size_t)-1 || n < 1 || n > cap)
            return false;
        if (t[i].type != MK_ID_KEY_ID)
            memcpy(data, v + l, n);
        *type = t[i].type;
        *len = n;
        return true;
    }
    if (strncmp(v, "ipv4:", 5) != 0 || cap < 4 || inet_pton(AF_INET, v + 5, data) != 1)
        return false;
    *type = MK_ID_IPV4_ADDR;
    *len = 4;
    return true;
}

bool mk_rp_parse_cidr(const char *v, uint8_t start[4], uint8_t end[4])
{
    char host[64];
    const char *slash = strchr(v, '/');
    if (slash == NULL)
        return false;
    snprintf(host, sizeof host, "%.*s", (int)(slash - v), v);
    if (inet_pton(AF_INET, host, start) != 1)
        return false;
    unsigned long bits = strtoul(slash + 1, NULL, 10);
    for (unsigned i = 0; i < 4; i++) {
        unsigned lo = i * 8;
        unsigned mw = bits >= lo + 8 ? 0xffu : bits <= lo ? 0u : 0xffu << (8 - (bits - lo));
        uint8_t m = (uint8_t)mw; /* narrowed after the conditional (gcc -O0 -Wconversion) */
        start[i] &= m;
        end[i] = (uint8_t)(start[i] | (uint8_t)~m);
    }
    return true;
}

bool mk_rp_parse_addr(const char *v, mk_addr *a)
{
    char host[64];
    const char *colon = strrchr(v, ':');
    memset(a, 0, sizeof *a);
    if (colon == NULL)
        return false;
    snprintf(host, sizeof host, "%.*s", (int)(colon - v), v);
    a->family = 4;
    a->port = (uint16_t)strtoul(colon + 1, NULL, 10);
    return inet_pton(AF_INET, host, a->ip) == 1;
}

bool mk_rp_parse_mk_id(const char *v, mk_id *id)
{
    size_t n = 0;
    memset(id, 0, sizeof *id);
    bool ok = mk_rp_parse_id(v, &id->type, id->data, sizeof id->data, &n);
    id->len = (uint8_t)n;
    return ok;
}

bool mk_rp_parse_mk_ts(const char *v, mk_ts *ts)
{
    memset(ts, 0, sizeof *ts);
    ts->type = MK_TS_IPV4_RANGE;
    ts->end_port = 65535;
    return mk_rp_parse_cidr(v, ts->start, ts->end);
}

bool mk_rp_parse_suites(const mk_vec_block *b, mk_config *c, char *why, size_t cap)
{
    c->n_ike = c->n_esp = 0;
    for (size_t i = 0; i < MK_MAX_SUITES; i++) {
        char k[16];
        unsigned e, bits, p, g, d;
        snprintf(k, sizeof k, "ike.%zu", i);
        const char *v = mk_vec_str(b, k);
        if (v) {
            if (sscanf(v, "%u,%u,%u,%u,%u", &e, &bits, &p, &g, &d) != 5)
                return mk_rp_fail(why, cap, "%s = %s", k, v), false;
            c->ike[c->n_ike++] =
                (mk_ike_suite){(uint16_t)e, (uint16_t)bits, (uint16_t)p, (uint16_t)g, (uint16_t)d};
        }
        snprintf(k, sizeof k, "esp.%zu", i);
        v = mk_vec_str(b, k);
        if (v) {
            if (sscanf(v, "%u,%u,%u", &e, &bits, &g) != 3)
                return mk_rp_fail(why, cap, "%s = %s", k, v), false;
            c->esp[c->n_esp++] = (mk_esp_suite){(uint16_t)e, (uint16_t)bits, (uint16_t)g};
        }
    }
    if (c->n_ike == 0 || c->n_esp == 0)
        return mk_rp_fail(why, cap, "no ike.N / esp.N"), false;
    return true;
}

/* ---- the replay's checks ------------------------------------------------------------------------
 */

static size_t gen_tx(void *ike, const uint8_t **p)
{
    uint16_t port;
    return mk_tx_peek(ike, p, &port);
}

static uint64_t gen_deadline(void *ike)
{
    return mk_deadline(ike);
}

static void gen_on_timer(void *ike, uint64_t now)
{
    (void)mk_on_timer(ike, now); /* the result shows in the state and the counters */
}

static uint32_t gen_retransmits(void *ike)
{
    return mk_stats_get(ike)->retransmits;
}

static const char *gen_state(void *ike)
{
    return mk_state_name(mk_state_get(ike));
}

mk_rp_core mk_rp_general(mk_ike *ike)
{
    return (mk_rp_core){ike, gen_tx, gen_deadline, gen_on_timer, gen_retransmits, gen_state};
}

const char *mk_rp_exch_name(uint8_t x)
{
    static const char *const n[] = {"IKE_SA_INIT", "IKE_AUTH", "CREATE_CHILD_SA", "INFORMATIONAL"};
    return x >= MK_EX_IKE_SA_INIT && x <= MK_EX_INFORMATIONAL ? n[x - MK_EX_IKE_SA_INIT] : "?";
}

int mk_rp_retransmit(const mk_rp_core *c, uint64_t now, uint64_t t0, char *why, size_t cap)
{
    const uint8_t *p;
    uint64_t dl = c->deadline(c->ike);
    uint32_t before = c->retransmits(c->ike);
    if (c->tx(c->ike, &p) != 0)
        return mk_rp_fail(why, cap, "a datagram is queued, the capture shows a retransmit");
    /* the capture's time and our deadline agree within the 100 ms rounding */
    if (dl == UINT64_MAX || now + 150 < dl || now > dl + 150)
        return mk_rp_fail(why, cap, "retransmission at %llu ms, deadline %lld ms",
                          (unsigned long long)(now - t0),
                          dl == UINT64_MAX ? -1LL : (long long)(dl - t0));
    c->on_timer(c->ike, dl);
    if (c->retransmits(c->ike) != before + 1)
        return mk_rp_fail(why, cap, "the timer did not count a retransmission");
    return 0;
}

int mk_rp_same_tx(const uint8_t *p, size_t n, size_t hdr, const mk_pcap_udp *d, const char *exch,
                  char *why, size_t cap)
{
    if (n == 0)
        return mk_rp_fail(why, cap, "nothing to send; the capture has %s here", exch);
    if (n != d->len || memcmp(p, d->data, n) != 0) {
        size_t k = 0;
        while (k < n && k < d->len && p[k] == d->data[k])
            k++;
        return mk_rp_fail(why, cap, "%s: %zu octets, capture %zu; first difference at octet %zu",
                          exch, n, d->len, k);
    }
    if (n < hdr + 28 || strcmp(mk_rp_exch_name(p[hdr + 18]), exch) != 0)
        return mk_rp_fail(why, cap, "exchange is not %s", exch);
    return 0;
}

int mk_rp_not_late(const mk_rp_core *c, uint64_t now, uint64_t t0, char *why, size_t cap)
{
    uint64_t dl = c->deadline(c->ike);
    if (dl != UINT64_MAX && now > dl + 150)
        return mk_rp_fail(why, cap,
                          "arrives at %llu ms, after the deadline %llu ms: the core would have "
                          "retransmitted first",
                          (unsigned long long)(now - t0), (unsigned long long)(dl - t0));
    return 0;
}

int mk_rp_state_is(const mk_rp_core *c, const char *want, const char *what, char *why, size_t cap)
{
    const char *got = c->state(c->ike);
    if (strcmp(got, want) != 0)
        return mk_rp_fail(why, cap, "%s: %s, .expect says %s", what, got, want);
    return 0;
}

bool mk_rp_same_but(const void *after, const void *before, size_t size, size_t skip_off,
                    size_t skip_len)
{
    const uint8_t *a = after, *b = before;
    return memcmp(a, b, skip_off) == 0 && memcmp(a + skip_off + skip_len, b + skip_off + skip_len,
                                                 size - skip_off - skip_len) == 0;
}

int mk_rp_same_spis(const mk_vec_block *b, const mk_ike_keys *k, char *why, size_t cap)
{
    size_t n;
    const uint8_t *want = mk_vec_hex(b, "spi_i", &n);
    if (!want || n != 8 || memcmp(want, k->spi_i, 8) != 0)
        return mk_rp_fail(why, cap, "SPIi differs from .keys");
    want = mk_vec_hex(b, "spi_r", &n);
    if (!want || n != 8 || memcmp(want, k->spi_r, 8) != 0)
        return mk_rp_fail(why, cap, "SPIr differs from .keys");
    const char *e = mk_vec_str(b, "encr"), *eb = mk_vec_str(b, "encr_bits");
    const char *i = mk_vec_str(b, "integ");
    if (!e || !eb || !i || k->encr != strtoul(e, NULL, 10) ||
        k->encr_bits != strtoul(eb, NULL, 10) || k->integ != strtoul(i, NULL, 10))
        return mk_rp_fail(why, cap, "negotiated transforms differ from .keys");
    return 0;
}

int mk_rp_run_out(const mk_rp_core *c, const char *end_state, char *why, size_t cap)
{
    /* no datagram may appear that is not in the capture */
    for (int guard = 0; guard < 64; guard++) {
        const uint8_t *p;
        if (c->tx(c->ike, &p) != 0)
            return mk_rp_fail(why, cap, "a datagram after the end of the capture"), -1;
        if (strcmp(c->state(c->ike), end_state) == 0)
            break;
        uint64_t dl = c->deadline(c->ike);
        if (dl == UINT64_MAX)
            break;
        c->on_timer(c->ike, dl);
    }
    if (strcmp(c->state(c->ike), end_state) != 0)
        return mk_rp_fail(why, cap, "final state %s, .expect says %s", c->state(c->ike), end_state),
               -1;
    return 0;
}
