/* SPDX-License-Identifier: MIT */
/*
 * show: the human side of the `minike` command: a timeline of every IKE and ESP datagram
 * (time, who, direction, exchange, payload list with the SK contents decrypted from the keys the
 * caller hands in, size), hex dumps in the style of the 2011 prototype's hexl_print, and the
 * capture/key-file plumbing every subcommand shares (the mk_io tap). Decryption here is for
 * display only: nothing it decides feeds back into the protocol. It prints no key material.
 */
#define _DEFAULT_SOURCE

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <string.h>

#include "cli.h"
#include "msg_tools.h"
#include "sk.h"
#include "suite.h"

cli_show *cli_active_show;

void show_init(cli_show *s, int verbose)
{
    memset(s, 0, sizeof(*s));
    s->out = stdout;
    s->t0_ms = mk_io_now_ms();
    s->verbose = verbose;
    pthread_mutex_init(&s->lock, NULL);
    cli_active_show = s;
}

const char *addr_str(const mk_addr *a, char *buf, size_t cap)
{
    mk_io_format_addr(a, true, buf, cap);
    return buf;
}

size_t cli_escape(const uint8_t *p, size_t n, char *out, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    if (cap == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        bool plain = c >= 0x20 && c < 0x7f && c != '\\';
        if (o + (plain ? 1 : 4) >= cap)
            break;
        if (plain) {
            out[o++] = (char)c;
        } else {
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    out[o] = '\0';
    return o;
}

void cli_write_line(FILE *f, const char *line)
{
    /* one line on the terminal, whatever the text holds: C0 controls and DEL (a peer's
     * escape sequence or newline that slipped through) become \xNN; UTF-8 is left alone */
    static const char hex[] = "0123456789abcdef";
    for (const unsigned char *q = (const unsigned char *)line; *q; q++) {
        if (*q < 0x20 || *q == 0x7f) {
            char e[4] = {'\\', 'x', hex[*q >> 4], hex[*q & 15]};
            fwrite(e, 1, 4, f);
        } else {
            fputc(*q, f);
        }
    }
}

static void vline(cli_show *s, uint64_t now_ms, const char *who, const char *fmt, va_list ap)
{
    uint64_t t = now_ms >= s->t0_ms ? now_ms - s->t0_ms : 0;
    char line[2048];
    fprintf(s->out, "%4llu.%03llu  %-6s ", (unsigned long long)(t / 1000),
            (unsigned long long)(t % 1000), who);
    vsnprintf(line, sizeof line, fmt, ap);
    cli_write_line(s->out, line);
    fputc('\n', s->out);
}

void show_line(cli_show *s, uint64_t now_ms, const char *who, const char *fmt, ...)
{
    va_list ap;
    if (s == NULL)
        return;
    pthread_mutex_lock(&s->lock); /* quiet is read under the lock: cli_fail() sets it */
    if (!s->quiet) {
        va_start(ap, fmt);
        vline(s, now_ms, who, fmt, ap);
        va_end(ap);
        fflush(s->out);
    }
    pthread_mutex_unlock(&s->lock);
}

static void hex_unlocked(cli_show *s, const char *title, const uint8_t *p, size_t n)
{
    /* hexl_print("Sending Packet", $request): the title, then 16 octets per line with the
     * offset first and the printable characters last. */
    fprintf(s->out, "%s\n", title);
    for (size_t i = 0; i < n; i += 16) {
        fprintf(s->out, "%04zx:", i);
        for (size_t j = 0; j < 16; j++) {
            if (i + j < n)
                fprintf(s->out, " %02x", p[i + j]);
            else
                fputs("   ", s->out);
        }
        fputs("  ", s->out);
        for (size_t j = 0; j < 16 && i + j < n; j++) {
            uint8_t c = p[i + j];
            fputc(c >= 0x20 && c < 0x7f ? c : '.', s->out);
        }
        fputc('\n', s->out);
    }
}

void show_hex(cli_show *s, const char *title, const uint8_t *p, size_t n)
{
    if (s == NULL)
        return;
    pthread_mutex_lock(&s->lock);
    if (!s->quiet) {
        hex_unlocked(s, title, p, n);
        fflush(s->out);
    }
    pthread_mutex_unlock(&s->lock);
}

/* Is there a non-ESP marker in front of an IKE header? */
static bool has_marker(const uint8_t *p, size_t n)
{
    uint32_t len;
    if (n < MK_NATT_MARKER + MK_HDR_LEN || (p[0] | p[1] | p[2] | p[3]) != 0)
        return false;
    len = (uint32_t)p[28] << 24 | (uint32_t)p[29] << 16 | (uint32_t)p[30] << 8 | p[31];
    return len == n - MK_NATT_MARKER;
}

/* Describe the SK contents with the given keys; false if it cannot be opened. */
static bool describe_sk(const mk_msg *m, const mk_ike_keys *keys, char *out, size_t cap)
{
    uint8_t plain[MK_MAX_MSG];
    mk_chain inner;
    mk_sk_keys k;
    bool from_i = (m->hdr.flags & MK_HDR_F_INITIATOR) != 0;
    const mk_suites *reg = mk_suites_default();
    mk_err e;

    memset(&k, 0, sizeof(k));
    k.encr = mk_suite_encr(reg, keys->encr, keys->encr_bits);
    k.integ = keys->integ ? mk_suite_integ(reg, keys->integ) : NULL;
    if (k.encr == NULL || (keys->integ && k.integ == NULL))
        return false;
    if (memcmp(m->hdr.spi_i, keys->spi_i, 8) != 0 || memcmp(m->hdr.spi_r, keys->spi_r, 8) != 0)
        return false;
    k.ek = from_i ? keys->sk_ei : keys->sk_er;
    k.ak = from_i ? keys->sk_ai : keys->sk_ar;
    e = mk_sk_open(m, &k, plain, sizeof(plain), &inner);
    if (e == MK_E_OK) {
        char d[256];
        mk_chain_describe(&inner, d, sizeof(d));
        snprintf(out, cap, "SK{%s}", inner.n ? d : "");
    }
    mk_wipe(plain, sizeof(plain));
    return e == MK_E_OK;
}

bool show_find_idr(const uint8_t *p, size_t n, const mk_ike_keys *keys, mk_id *out)
{
    uint8_t plain[MK_MAX_MSG];
    mk_chain inner;
    mk_sk_keys k;
    mk_msg m;
    size_t off = has_marker(p, n) ? MK_NATT_MARKER : 0;
    const mk_suites *reg = mk_suites_default();
    bool ok = false;

    if (keys == NULL || mk_msg_parse(&m, p + off, n - off) != MK_E_OK || !m.has_sk ||
        (m.hdr.flags & MK_HDR_F_INITIATOR) != 0)
        return false;
    memset(&k, 0, sizeof(k));
    k.encr = mk_suite_encr(reg, keys->encr, keys->encr_bits);
    k.integ = keys->integ ? mk_suite_integ(reg, keys->integ) : NULL;
    if (k.encr == NULL || (keys->integ && k.integ == NULL) ||
        memcmp(m.hdr.spi_i, keys->spi_i, 8) != 0 || memcmp(m.hdr.spi_r, keys->spi_r, 8) != 0)
        return false;
    k.ek = keys->sk_er;
    k.ak = keys->sk_ar;
    if (mk_sk_open(&m, &k, plain, sizeof(plain), &inner) == MK_E_OK) {
        const mk_pl *pl = mk_chain_find(&inner, MK_PT_IDR);
        mk_idv id;
        if (pl != NULL && mk_pl_decode_id(&id, pl->body, pl->len) == MK_E_OK &&
            id.len <= sizeof(out->data)) {
            memset(out, 0, sizeof(*out));
            out->type = id.type;
            out->len = (uint8_t)id.len;
            memcpy(out->data, id.data, id.len);
            ok = true;
        }
    }
    mk_wipe(plain, sizeof(plain));
    return ok;
}

bool show_find_ts(const uint8_t *p, size_t n, const mk_ike_keys *keys, mk_ts *tsi, size_t *n_tsi,
                  mk_ts *tsr, size_t *n_tsr)
{
    uint8_t plain[MK_MAX_MSG];
    mk_chain inner;
    mk_sk_keys k;
    mk_msg m;
    size_t off = has_marker(p, n) ? MK_NATT_MARKER : 0;
    const mk_suites *reg = mk_suites_default();
    bool ok = false;

    if (keys == NULL || mk_msg_parse(&m, p + off, n - off) != MK_E_OK || !m.has_sk ||
        (m.hdr.flags & MK_HDR_F_INITIATOR) != 0 || m.hdr.exchange != MK_EX_IKE_AUTH)
        return false;
    memset(&k, 0, sizeof(k));
    k.encr = mk_suite_encr(reg, keys->encr, keys->encr_bits);
    k.integ = keys->integ ? mk_suite_integ(reg, keys->integ) : NULL;
    if (k.encr == NULL || (keys->integ && k.integ == NULL) ||
        memcmp(m.hdr.spi_i, keys->spi_i, 8) != 0 || memcmp(m.hdr.spi_r, keys->spi_r, 8) != 0)
        return false;
    k.ek = keys->sk_er;
    k.ak = keys->sk_ar;
    if (mk_sk_open(&m, &k, plain, sizeof(plain), &inner) == MK_E_OK) {
        const mk_pl *pi = mk_chain_find(&inner, MK_PT_TSI), *pr = mk_chain_find(&inner, MK_PT_TSR);
        mk_tsl li, lr;
        if (pi != NULL && pr != NULL && mk_pl_decode_ts(&li, pi->body, pi->len) == MK_E_OK &&
            mk_pl_decode_ts(&lr, pr->body, pr->len) == MK_E_OK && li.n > 0 && lr.n > 0) {
            memcpy(tsi, li.ts, li.n * sizeof(mk_ts));
            memcpy(tsr, lr.ts, lr.n * sizeof(mk_ts));
            *n_tsi = li.n;
            *n_tsr = lr.n;
            ok = true;
        }
    }
    mk_wipe(plain, sizeof(plain));
    return ok;
}

const char *cli_ts_str(const mk_ts *ts, char *buf, size_t cap)
{
    char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], tail[40] = "";
    int af = ts->type == MK_TS_IPV6_RANGE ? AF_INET6 : AF_INET;
    size_t al = af == AF_INET6 ? 16 : 4, i;
    unsigned bits = 0;
    bool prefix = true;
    /* a prefix: start and end agree on the first `bits` bits, then all 0 / all 1 */
    for (i = 0; i < al * 8; i++) {
        unsigned shift = (unsigned)(7 - i % 8);
        unsigned sb = ((unsigned)ts->start[i / 8] >> shift) & 1u,
                 eb = ((unsigned)ts->end[i / 8] >> shift) & 1u;
        if (prefix && sb == eb && bits == i)
            bits++;
        else if (sb != 0 || eb != 1)
            prefix = false;
    }
    inet_ntop(af, ts->start, a, sizeof(a));
    inet_ntop(af, ts->end, b, sizeof(b));
    if (ts->proto != 0 || ts->start_port != 0 || ts->end_port != 65535) {
        char num[16];
        const char *pn = ts->proto == 0                 ? "any"
                         : ts->proto == MK_IPPROTO_UDP  ? "udp"
                         : ts->proto == MK_IPPROTO_ICMP ? "icmp"
                         : ts->proto == 6               ? "tcp"
                                                        : num;
        snprintf(num, sizeof(num), "proto-%u", ts->proto);
        if (ts->start_port == 0 && ts->end_port == 65535)
            snprintf(tail, sizeof(tail), " %s", pn);
        else if (ts->start_port == ts->end_port)
            snprintf(tail, sizeof(tail), " %s/%u", pn, ts->start_port);
        else
            snprintf(tail, sizeof(tail), " %s/%u-%u", pn, ts->start_port, ts->end_port);
    }
    if (prefix)
        snprintf(buf, cap, "%s/%u%s", a, bits, tail);
    else
        snprintf(buf, cap, "%s-%s%s", a, b, tail);
    return buf;
}

bool cli_ts_inbound(const mk_inner *v, const mk_ts *src, size_t n_src, const char *src_name,
                    const mk_ts *dst, size_t n_dst, const char *dst_name, char *why, size_t cap)
{
    mk_tsm r = mk_inner_ts_check(v, src, n_src, dst, n_dst);
    char a[INET6_ADDRSTRLEN] = "?", t[120] = "?";
    const mk_ts *l = r == MK_TSM_SRC ? src : dst;
    size_t n = r == MK_TSM_SRC ? n_src : n_dst;
    if (r == MK_TSM_OK)
        return true;
    inet_ntop(v->family == 6 ? AF_INET6 : AF_INET, r == MK_TSM_SRC ? v->src : v->dst, a, sizeof(a));
    if (n > 0)
        cli_ts_str(&l[0], t, sizeof(t));
    snprintf(why, cap, "%s %s %s outside %s %s%s (RFC 4301 5.2)",
             v->proto == MK_IPPROTO_ICMP  ? "ICMP"
             : v->proto == MK_IPPROTO_UDP ? "UDP"
                                          : "IP",
             r == MK_TSM_SRC ? "source" : "destination", a, r == MK_TSM_SRC ? src_name : dst_name,
             t, n > 1 ? " and the rest" : "");
    return false;
}

void show_ike(cli_show *s, uint64_t now_ms, const char *who, bool tx, const uint8_t *p, size_t n,
              const mk_ike_keys *keys, const char *note)
{
    mk_msg m;
    char outer[256] = "", sk[300] = "", line[700];
    size_t off = has_marker(p, n) ? MK_NATT_MARKER : 0;
    mk_err e;

    if (s == NULL || s->quiet)
        return;
    e = mk_msg_parse(&m, p + off, n - off);
    if (e != MK_E_OK) {
        snprintf(line, sizeof(line), "%s IKE?  %zu B  (unparsable: %s)", tx ? "->" : "<-", n,
                 mk_err_name(e));
    } else {
        mk_chain_describe(&m.chain, outer, sizeof(outer));
        if (m.has_sk) {
            if (keys == NULL || !describe_sk(&m, keys, sk, sizeof(sk)))
                snprintf(sk, sizeof(sk), "SK{...}");
        }
        snprintf(line, sizeof(line), "%s %-13s %-4s #%u  %4zu B  %s%s%s", tx ? "->" : "<-",
                 mk_exchange_name(m.hdr.exchange),
                 (m.hdr.flags & MK_HDR_F_RESPONSE) ? "resp" : "req", (unsigned)m.hdr.msgid, n,
                 outer, (*outer && *sk) ? " " : "", sk);
    }
    pthread_mutex_lock(&s->lock);
    if (s->quiet) {
        pthread_mutex_unlock(&s->lock);
        return;
    }
    {
        uint64_t t = now_ms >= s->t0_ms ? now_ms - s->t0_ms : 0;
        fprintf(s->out, "%4llu.%03llu  %-6s %s%s%s\n", (unsigned long long)(t / 1000),
                (unsigned long long)(t % 1000), who, line, note ? "  " : "", note ? note : "");
    }
    if (s->verbose)
        hex_unlocked(s, tx ? "Sending Packet" : "Received Packet", p, n);
    fflush(s->out);
    pthread_mutex_unlock(&s->lock);
}

/* ---- capture ------------------------------------------------------------------------------ */

int capture_open(cli_capture *c, const cli_common *o)
{
    int r;
    memset(c, 0, sizeof(*c));
    pthread_mutex_init(&c->lock, NULL);
    c->raw_ports = o->pcap_raw_ports;
    c->force = o->force;
    c->keys_dir = o->keys;
    if ((r = cli_outputs_check(o)) != 0)
        return r;
    if (o->pcap != NULL) {
        if ((r = cli_output_path(o->pcap, c->pcap_path, sizeof c->pcap_path, "--pcap")) != 0)
            return r;
        errno = 0;
        c->pcap = mk_pcapw_open(c->pcap_path);
        if (c->pcap == NULL) {
            char what[300];
            snprintf(what, sizeof(what), "--pcap %.250s", o->pcap);
            return cli_fail(EX_CONFIG, what, strerror(errno ? errno : EIO),
                            "check that the directory exists and is writable");
        }
    }
    return 0;
}

mk_keysw *capture_keys(cli_capture *c)
{
    mk_keysw *k;
    pthread_mutex_lock(&c->lock);
    if (c->keys == NULL && c->keys_dir != NULL && c->keys_errno == 0) {
        errno = 0;
        c->keys = mk_keysw_open(c->keys_dir);
        if (c->keys == NULL)
            c->keys_errno = errno ? errno : EIO;
    }
    k = c->keys;
    pthread_mutex_unlock(&c->lock);
    return k;
}

static bool is_ike_nomarker(const uint8_t *p, size_t n)
{
    uint32_t len;
    if (n < MK_HDR_LEN || p[17] != 0x20)
        return false;
    len = (uint32_t)p[24] << 24 | (uint32_t)p[25] << 16 | (uint32_t)p[26] << 8 | p[27];
    return len == n;
}

void capture_tap(void *ctx, bool tx, const mk_addr *src, const mk_addr *dst, const uint8_t *p,
                 size_t n)
{
    cli_capture *c = ctx;
    mk_addr s = *src, d = *dst;
    bool ike = is_ike_nomarker(p, n), marker = has_marker(p, n);
    (void)tx;

    pthread_mutex_lock(&c->lock);
    if (ike || marker) {
        c->ike_bytes += n;
        c->ike_dgrams++;
    } else {
        c->esp_bytes += n;
        c->esp_dgrams++;
    }
    if (c->pcap != NULL) {
        /* Ports that are neither 500 nor 4500 (loopback tests, the demo) are shown by class,
         * so Wireshark dissects without -d: IKE without marker on 500, the rest on 4500. */
        bool std = s.port == MK_PORT_IKE || s.port == MK_PORT_NATT || d.port == MK_PORT_IKE ||
                   d.port == MK_PORT_NATT;
        if (!c->raw_ports && !std) {
            s.port = d.port = ike ? MK_PORT_IKE : MK_PORT_NATT;
        }
        (void)mk_pcapw_udp(c->pcap, &s, &d, p, n, mk_io_wall_us());
    }
    pthread_mutex_unlock(&c->lock);
}

int capture_close(cli_capture *c)
{
    int r = 0;
    struct stat st;
    char what[300];
    if (c->pcap != NULL) {
        snprintf(what, sizeof what, "--pcap %.250s", c->pcap_path);
        if (mk_pcapw_count(c->pcap) == 0) {
            mk_pcapw_abort(c->pcap); /* nothing was sent or received: leave no file */
        } else if (!c->force && lstat(c->pcap_path, &st) == 0) {
            /* created by someone else while we ran: still never replaced without --force */
            mk_pcapw_abort(c->pcap);
            r = cli_fail(EX_CONFIG, what, "the file appeared while the run was going; "
                         "the capture was not written", "give a new file name, or --force");
        } else if (!mk_pcapw_close(c->pcap)) {
            r = cli_fail(EX_CONFIG, what, strerror(errno ? errno : EIO),
                         "the capture was not written; check the directory and disk space");
        }
    }
    if (c->keys_dir != NULL && c->keys_errno != 0) {
        snprintf(what, sizeof what, "--keys %.250s", c->keys_dir);
        r = cli_fail(EX_CONFIG, what, strerror(c->keys_errno),
                     "the key tables were not written; give a writable directory (its last "
                     "component is created if missing)");
    }
    errno = 0;
    if (c->keys != NULL && !mk_keysw_close(c->keys)) {
        snprintf(what, sizeof what, "--keys %.250s", c->keys_dir);
        r = cli_fail(EX_CONFIG, what, strerror(errno ? errno : EIO),
                     "the key tables were not written; check the directory and disk space");
    }
    c->pcap = NULL;
    c->keys = NULL;
    return r;
}
