/* SPDX-License-Identifier: MIT */
/*
 * chk_run: the engine of `minike check`. For each case it starts the initiator (a shell command
 * from the --initiator-cmd template, in its own process group, stopped by that id at the end)
 * or cues an external one, then runs the responder on the UDP socket until the judge has
 * decided, the initiator has exited, or the case window closes. Time and sockets come from
 * ref/io (mk_io), so the non-ESP marker rule is the same as minike's own.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "chk_engine.h"
#include "chk_netns.h"
#include "mk_io.h"

enum { GRACE_MS = 200, EXIT_GRACE_MS = 300, PROBE_GRACE_MS = 1000, STOP_WAIT_MS = 1500 };

/* Expand {addr} {port} {pskfile} {idi} {idr} {case} {keyfile} {keypub} {peerpub}. */
static int expand(const char *tpl, const chk_opts *o, uint16_t id, char *out, size_t cap)
{
    char ip[64];
    size_t n = 0;
    mk_io_format_addr(&o->listen, false, ip, sizeof ip);
    for (const char *p = tpl; *p; p++) {
        char v[300];
        const char *val = NULL;
        if (*p == '{') {
            const char *e = strchr(p, '}');
            if (e != NULL) {
                size_t kl = (size_t)(e - p - 1);
                v[0] = 0;
                if (kl == 4 && !strncmp(p + 1, "addr", 4))
                    snprintf(v, sizeof v, "%s", ip);
                else if (kl == 4 && !strncmp(p + 1, "port", 4))
                    snprintf(v, sizeof v, "%u", (unsigned)o->listen.port);
                else if (kl == 7 && !strncmp(p + 1, "pskfile", 7))
                    snprintf(v, sizeof v, "%s", o->psk_path);
                else if (kl == 3 && !strncmp(p + 1, "idi", 3))
                    snprintf(v, sizeof v, "%s", o->idi_str);
                else if (kl == 3 && !strncmp(p + 1, "idr", 3))
                    snprintf(v, sizeof v, "%s", o->idr_str);
                else if (kl == 4 && !strncmp(p + 1, "case", 4))
                    snprintf(v, sizeof v, "%u", (unsigned)id);
                else if (kl == 7 && !strncmp(p + 1, "keyfile", 7) && o->keyfile)
                    snprintf(v, sizeof v, "%s", o->keyfile);
                else if (kl == 6 && !strncmp(p + 1, "keypub", 6) && o->keypub)
                    snprintf(v, sizeof v, "%s", o->keypub);
                else if (kl == 7 && !strncmp(p + 1, "peerpub", 7) && o->peerpub)
                    snprintf(v, sizeof v, "%s", o->peerpub);
                else
                    return -1;
                val = v;
                size_t l = strlen(val);
                if (n + l >= cap)
                    return -1;
                memcpy(out + n, val, l);
                n += l;
                p = e;
                continue;
            }
        }
        if (n + 1 >= cap)
            return -1;
        out[n++] = *p;
    }
    out[n] = 0;
    return 0;
}

int chk_check_template(const char *tpl)
{
    chk_opts o;
    char buf[4096];
    memset(&o, 0, sizeof o);
    o.listen.family = 4;
    o.psk_path = o.idi_str = o.idr_str = "";
    o.keyfile = o.keypub = o.peerpub = "";
    return expand(tpl, &o, 1, buf, sizeof buf);
}

static pid_t start_initiator(const char *cmd, const char *logpath, const char *netns)
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    /* child: its own process group, so the whole pipeline stops with one kill(-pid) */
    setpgid(0, 0);
    if (netns && chk_netns_enter(netns) != 0)
        _exit(126); /* never run the initiator in the checker's namespace by mistake */
    int fd = open(logpath ? logpath : "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
    }
    int nul = open("/dev/null", O_RDONLY);
    if (nul >= 0) {
        dup2(nul, 0);
        close(nul);
    }
    execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
    _exit(127);
}

static void stop_initiator(pid_t pid, int *status)
{
    int st = 0;
    if (pid <= 0)
        return;
    kill(-pid, SIGTERM);
    uint64_t until = mk_io_now_ms() + STOP_WAIT_MS;
    while (mk_io_now_ms() < until) {
        if (waitpid(pid, &st, WNOHANG) == pid) {
            kill(-pid, SIGKILL); /* anything the shell left behind in the group */
            if (status)
                *status = st;
            return;
        }
        usleep(10000);
    }
    kill(-pid, SIGKILL);
    waitpid(pid, &st, 0);
    if (status)
        *status = st;
}

static void hexdump(char **buf, size_t *len, size_t *cap, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i += 16) {
        char line[100];
        int k = snprintf(line, sizeof line, "        %04zx:", i);
        for (size_t j = i; j < i + 16 && j < n; j++)
            k += snprintf(line + k, sizeof line - (size_t)k, "%s%02x", (j - i) % 2 ? "" : " ",
                          p[j]);
        snprintf(line + k, sizeof line - (size_t)k, "\n");
        size_t l = strlen(line);
        if (*len + l + 1 > *cap) {
            size_t nc = (*cap + l + 1) * 2;
            char *nb = realloc(*buf, nc);
            if (nb == NULL)
                return;
            *buf = nb;
            *cap = nc;
        }
        memcpy(*buf + *len, line, l + 1);
        *len += l;
    }
}

/* The datagrams of the case as text: one line each, then hex. */
static char *trace_text(const chk_run *r)
{
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    if (buf == NULL)
        return NULL;
    buf[0] = 0;
    for (size_t i = 0; i < r->n_ev; i++) {
        const chk_ev *e = &r->ev[i];
        char line[200];
        int k = snprintf(line, sizeof line, "    %6u ms %s %s%s\n", e->t_ms,
                         e->rx ? "initiator -> checker" : "checker -> initiator", e->note,
                         !e->rx && !e->good ? " [scripted]" : "");
        if (len + (size_t)k + 1 > cap) {
            cap = (cap + (size_t)k + 1) * 2;
            char *nb = realloc(buf, cap);
            if (nb == NULL)
                return buf;
            buf = nb;
        }
        memcpy(buf + len, line, (size_t)k + 1);
        len += (size_t)k;
        if (e->buf)
            hexdump(&buf, &len, &cap, e->buf, e->len < CHK_EV_BUF ? e->len : CHK_EV_BUF);
    }
    return buf;
}

static void drain(mk_io *io)
{
    mk_io_dgram d;
    while (mk_io_wait(io, mk_io_now_ms(), &d) == 1) {
    }
}

/* Soak impairments: a seeded xorshift, one draw per decision. */
static uint32_t imp_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return (uint32_t)(*s >> 11);
}

static bool imp_hit(uint64_t *s, uint8_t pct)
{
    return pct > 0 && imp_rand(s) % 100u < pct;
}

/* SPIi of the IKE SAs of earlier cases: a daemon (charon, pluto) may still retransmit for an SA
 * of the previous case when the next one starts; those datagrams are recorded, not answered. */
enum { OLD_SPIS = 64 };
static uint8_t old_spi[OLD_SPIS][8];
static size_t n_old_spi;

static bool old_spi_has(const uint8_t *spi)
{
    for (size_t i = 0; i < n_old_spi && i < OLD_SPIS; i++)
        if (memcmp(old_spi[i], spi, 8) == 0)
            return true;
    return false;
}

static void old_spi_add(const uint8_t *spi)
{
    static const uint8_t zero[8] = {0};
    if (memcmp(spi, zero, 8) == 0 || old_spi_has(spi))
        return;
    memcpy(old_spi[n_old_spi++ % OLD_SPIS], spi, 8);
}

static uint64_t min64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

int chk_run_case(const chk_case *c, const chk_setup *su, const chk_opts *o, mk_io *io,
                 chk_result *res)
{
    static chk_run r; /* large; one case at a time */
    static mk_io_dgram d;
    mk_io_drbg rng;
    char cmd[4096];
    pid_t pid = -1;
    int st = 0;

    memset(&r, 0, sizeof r);
    memset(res, 0, sizeof *res);
    res->c = c;
    if (chk_rpk_case(c) && !su->rpk) {
        res->v = CHK_NA;
        snprintf(res->why, sizeof res->why,
                 "the initiator is configured for PSK: raw-key cases need --auth rpk and a "
                 "template with {keyfile} {peerpub}");
        return 0;
    }
    r.c = c;
    r.setup = su;
    r.probe_msgid = -1;
    mk_io_drbg_init(&rng, o->seed ^ ((uint64_t)c->id << 32), 7);
    r.env.ctx = &rng;
    r.env.rng = mk_io_rng_drbg;
    r.verbose = o->verbose;
    r.log = stderr;
    drain(io);

    uint32_t window = c->window_ms ? c->window_ms : o->window_ms;
    if (o->external) {
        char ip[64];
        mk_io_format_addr(&o->listen, true, ip, sizeof ip);
        fprintf(stderr, "case %u: start the initiator now, towards %s (waiting %u s)\n",
                (unsigned)c->id, ip, (unsigned)(o->cue_ms / 1000));
        int w = mk_io_wait(io, mk_io_now_ms() + o->cue_ms, &d);
        if (w != 1) {
            res->v = CHK_ERROR;
            snprintf(res->why, sizeof res->why, "external initiator: nothing arrived in %u s",
                     (unsigned)(o->cue_ms / 1000));
            return 2;
        }
        r.t0 = mk_io_now_ms();
    } else {
        if (expand(o->cmd, o, c->id, cmd, sizeof cmd) != 0) {
            res->v = CHK_ERROR;
            snprintf(res->why, sizeof res->why, "bad --initiator-cmd template");
            return 2;
        }
        r.t0 = mk_io_now_ms();
        pid = start_initiator(cmd, o->initiator_log, o->ini_netns);
        if (pid < 0) {
            res->v = CHK_ERROR;
            snprintf(res->why, sizeof res->why, "cannot start the initiator: %s",
                     strerror(errno));
            return 2;
        }
    }
    bool have_dgram = o->external; /* the cue's datagram is the first one */
    uint64_t imp = (o->seed * 0x9e3779b97f4a7c15ull) ^ ((uint64_t)c->id << 17) ^ r.t0 ^ 1;
    const chk_soak_opts *so = o->imp;
    uint64_t deadline = r.t0 + window, end = UINT64_MAX;
    mk_addr peer;
    int cls = MK_IO_IKE;
    bool marker = false, have_peer = false;
    chk_verdict v = CHK_PASS;
    bool dec = false;

    for (;;) {
        uint64_t now = mk_io_now_ms();
        if (have_dgram) {
            have_dgram = false;
            peer = d.from;
            cls = d.cls;
            have_peer = true;
            int feeds = 1;
            if (so && imp_hit(&imp, so->loss))
                feeds = 0;
            else if (so && imp_hit(&imp, so->dup))
                feeds = 2;
            for (int f = 0; f < feeds; f++) {
            if (d.esp) {
                chk_record(&r, true, true, false, d.buf, d.len, now);
                chk_resp_esp(&r, d.buf, d.len, now);
            } else {
                const uint8_t *p = d.buf;
                size_t n = d.len;
                marker = d.marker_socket;
                if (marker) {
                    p += MK_NATT_MARKER;
                    n -= MK_NATT_MARKER;
                }
                if (n >= MK_HDR_LEN && old_spi_has(p)) {
                    chk_record(&r, true, false, false, p, n, now);
                    snprintf(r.ev[r.n_ev ? r.n_ev - 1 : 0].note, sizeof r.ev[0].note,
                             "stale: an IKE SA of an earlier case (ignored)");
                } else {
                    chk_record(&r, true, false, false, p, n, now);
                    chk_resp_rx(&r, p, n, &d.from, marker, now);
                }
            }
            }
        }
        /* soak: impair what the responder just queued (each datagram once) */
        for (size_t i = 0; so && i < r.n_out; i++) {
            if (r.out[i].kind)
                continue;
            r.out[i].kind = 1;
            if (imp_hit(&imp, so->loss)) {
                r.out[i].at_ms = UINT64_MAX; /* never sent: removed below */
                continue;
            }
            if (so->delay_ms)
                r.out[i].at_ms += imp_rand(&imp) % (so->delay_ms + 1);
            if (imp_hit(&imp, so->reorder))
                r.out[i].at_ms += so->delay_ms + 1;
            if (imp_hit(&imp, so->dup) && r.n_out < sizeof r.out / sizeof r.out[0]) {
                r.out[r.n_out] = r.out[i];
                r.out[r.n_out].at_ms += 1;
                r.n_out++;
            }
        }
        for (size_t i = 0; i < r.n_out;) {
            if (r.out[i].at_ms == UINT64_MAX) {
                memmove(&r.out[i], &r.out[i + 1], (r.n_out - i - 1) * sizeof r.out[0]);
                r.n_out--;
                continue;
            }
            i++;
        }
        chk_resp_timer(&r, now);
        /* send what is due, in order */
        uint64_t next_out = UINT64_MAX;
        for (size_t i = 0; i < r.n_out;) {
            if (r.out[i].at_ms <= now && have_peer) {
                uint8_t b[MK_MAX_MSG + MK_NATT_MARKER];
                size_t off = marker ? MK_NATT_MARKER : 0;
                memset(b, 0, off);
                memcpy(b + off, r.out[i].buf, r.out[i].len);
                chk_record(&r, false, false, r.out[i].good, r.out[i].buf, r.out[i].len, now);
                (void)mk_io_send(io, cls, &peer, b, r.out[i].len + off);
                memmove(&r.out[i], &r.out[i + 1], (r.n_out - i - 1) * sizeof r.out[0]);
                r.n_out--;
                continue;
            }
            next_out = min64(next_out, r.out[i].at_ms);
            i++;
        }
        if (pid > 0 && !r.f.proc_exited && waitpid(pid, &st, WNOHANG) == pid) {
            r.f.proc_exited = true;
            r.f.proc_status = st;
            r.f.proc_exit_ms = (uint32_t)(now - r.t0);
            kill(-pid, SIGKILL);
            pid = -1;
            /* a daemon's front end (swanctl --initiate) exits once the SA is up: give the
             * liveness probe, if one is pending, time to be answered */
            uint64_t grace = now + EXIT_GRACE_MS;
            if (r.probe_at && r.probe_at + PROBE_GRACE_MS > grace)
                grace = r.probe_at + PROBE_GRACE_MS;
            if (r.req_at && r.req_at + 2000 > grace)
                grace = r.req_at + 2000;
            end = min64(end, grace);
        }
        char why[240];
        v = chk_judge(&r, false, &dec, why, sizeof why);
        if (dec && end == UINT64_MAX)
            end = now + GRACE_MS;
        if (now >= end || now >= deadline)
            break;
        uint64_t wake = min64(min64(end, deadline), next_out);
        if (r.probe_at)
            wake = min64(wake, r.probe_at);
        if (r.req_at)
            wake = min64(wake, r.req_at);
        if (r.release_at)
            wake = min64(wake, r.release_at);
        if (pid > 0)
            wake = min64(wake, now + 50);
        int w = mk_io_wait(io, wake, &d);
        if (w == 1)
            have_dgram = true;
        else if (w < 0 && w != MK_IO_E_UNREACHABLE)
            break;
    }
    if (pid > 0)
        stop_initiator(pid, &st);
    v = chk_judge(&r, true, &dec, res->why, sizeof res->why);
    res->v = v;
    res->ms = (uint32_t)(mk_io_now_ms() - r.t0);
    res->established = r.f.accepted;
    res->est_ms = r.f.accepted_ms;
    res->hung = !r.f.accepted && !r.f.proc_exited && !o->external;
    for (size_t i = 0; i < r.n_ev; i++)
        res->rx += r.ev[i].rx;
    if (v == CHK_FAIL || o->verbose > 1)
        res->trace = trace_text(&r);
    for (size_t i = 0; i < r.n_ev; i++) {
        if (r.ev[i].rx && !r.ev[i].esp && r.ev[i].buf && r.ev[i].len >= MK_HDR_LEN)
            old_spi_add(r.ev[i].buf);
        free(r.ev[i].buf);
    }
    mk_wipe(&r.sa, sizeof r.sa);
    return 0;
}
