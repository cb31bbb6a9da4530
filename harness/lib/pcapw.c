/* SPDX-License-Identifier: MIT */
/*
 * pcapw: a capture writer on libpcap's pcap_open_dead(DLT_RAW) + pcap_dump. Each datagram gets
 * a real IPv4 (RFC 791) or IPv6 (RFC 8200) header and a UDP header (RFC 768) with correct
 * checksums, so dissectors pick IKE (500), NAT-T/ESP (4500) or the ports actually used.
 * It writes to a temporary name and renames on close: no reader ever sees half a file, and
 * never renames over anything but a regular file (a symbolic link is followed to its target).
 * It must never be handed keys: it records only what went on the wire.
 */
#define _DEFAULT_SOURCE

#include "pcapw.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inner.h"

struct mk_pcapw {
    pcap_t *pd;
    pcap_dumper_t *dump;
    char *path, *tmp;
    size_t count;
    uint16_t ip_id;
};

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

char *mk_pcapw_target(const char *path)
{
    struct stat st;
    char *cur = strdup(path);
    int hops;

    for (hops = 0; cur != NULL && lstat(cur, &st) == 0 && S_ISLNK(st.st_mode); hops++) {
        char t[4096], *next;
        ssize_t tl = readlink(cur, t, sizeof t - 1);
        const char *slash = strrchr(cur, '/');
        size_t dl = slash != NULL ? (size_t)(slash - cur) + 1 : 0;
        if (hops == 8 || tl <= 0) {
            free(cur);
            errno = hops == 8 ? ELOOP : EINVAL;
            return NULL;
        }
        t[tl] = '\0';
        if (t[0] == '/')
            dl = 0; /* an absolute target */
        next = malloc(dl + (size_t)tl + 1);
        if (next != NULL) {
            memcpy(next, cur, dl);
            memcpy(next + dl, t, (size_t)tl + 1);
        }
        free(cur);
        cur = next;
    }
    if (cur == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    /* lstat failed (missing: created by the rename) or names something that is not a link */
    if (lstat(cur, &st) == 0 && !S_ISREG(st.st_mode)) {
        free(cur);
        errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
        return NULL;
    }
    return cur;
}

mk_pcapw *mk_pcapw_open(const char *path)
{
    mk_pcapw *w = calloc(1, sizeof(*w));
    size_t n;
    if (w == NULL)
        return NULL;
    w->path = mk_pcapw_target(path);
    if (w->path == NULL) {
        free(w);
        return NULL;
    }
    n = strlen(w->path) + 32;
    w->tmp = malloc(n);
    if (w->tmp == NULL)
        goto fail;
    snprintf(w->tmp, n, "%s.tmp.%ld", w->path, (long)getpid());
    w->pd = pcap_open_dead(DLT_RAW, 65535);
    if (w->pd == NULL)
        goto fail;
    w->dump = pcap_dump_open(w->pd, w->tmp);
    if (w->dump == NULL) {
        errno = errno ? errno : EIO;
        goto fail;
    }
    return w;
fail:
    if (w->pd != NULL)
        pcap_close(w->pd);
    free(w->path);
    free(w->tmp);
    free(w);
    return NULL;
}

size_t mk_pcapw_build_udp(uint8_t *out, size_t cap, const mk_addr *src, const mk_addr *dst,
                          const uint8_t *payload, size_t len, uint16_t ip_id)
{
    size_t ulen = 8 + len, iphl;
    uint8_t *u;
    uint32_t acc;
    uint16_t c;

    if (src->family != dst->family || ulen > 65535 - 40)
        return 0;
    iphl = src->family == 4 ? 20 : 40;
    if (iphl + ulen > cap)
        return 0;
    u = out + iphl;
    put16(u, src->port);
    put16(u + 2, dst->port);
    put16(u + 4, (uint16_t)ulen);
    put16(u + 6, 0);
    memcpy(u + 8, payload, len);
    if (src->family == 4) {
        uint8_t ph[12];
        out[0] = 0x45;
        out[1] = 0;
        put16(out + 2, (uint16_t)(iphl + ulen));
        put16(out + 4, ip_id);
        put16(out + 6, 0x4000); /* DF */
        out[8] = 64;
        out[9] = MK_IPPROTO_UDP;
        put16(out + 10, 0);
        memcpy(out + 12, src->ip, 4);
        memcpy(out + 16, dst->ip, 4);
        put16(out + 10, mk_csum_fold(mk_csum_add(0, out, 20)));
        memcpy(ph, src->ip, 4);
        memcpy(ph + 4, dst->ip, 4);
        ph[8] = 0;
        ph[9] = MK_IPPROTO_UDP;
        put16(ph + 10, (uint16_t)ulen);
        acc = mk_csum_add(0, ph, sizeof(ph));
    } else {
        uint8_t ph[40];
        out[0] = 0x60;
        out[1] = out[2] = out[3] = 0;
        put16(out + 4, (uint16_t)ulen);
        out[6] = MK_IPPROTO_UDP;
        out[7] = 64;
        memcpy(out + 8, src->ip, 16);
        memcpy(out + 24, dst->ip, 16);
        memcpy(ph, src->ip, 16);
        memcpy(ph + 16, dst->ip, 16);
        ph[32] = ph[33] = 0;
        put16(ph + 34, (uint16_t)ulen);
        ph[36] = ph[37] = ph[38] = 0;
        ph[39] = MK_IPPROTO_UDP;
        acc = mk_csum_add(0, ph, sizeof(ph));
    }
    c = mk_csum_fold(mk_csum_add(acc, u, ulen));
    put16(u + 6, c == 0 ? 0xffff : c);
    return iphl + ulen;
}

bool mk_pcapw_udp(mk_pcapw *w, const mk_addr *src, const mk_addr *dst, const uint8_t *payload,
                  size_t len, uint64_t ts_us)
{
    uint8_t pkt[65536];
    struct pcap_pkthdr h;
    size_t n;

    if (w == NULL)
        return false;
    n = mk_pcapw_build_udp(pkt, sizeof(pkt), src, dst, payload, len, ++w->ip_id);
    if (n == 0)
        return false;
    memset(&h, 0, sizeof(h));
    h.ts.tv_sec = (time_t)(ts_us / 1000000u);
    h.ts.tv_usec = (suseconds_t)(ts_us % 1000000u);
    h.caplen = h.len = (bpf_u_int32)n;
    pcap_dump((u_char *)w->dump, &h, pkt);
    w->count++;
    return true;
}

size_t mk_pcapw_count(const mk_pcapw *w)
{
    return w != NULL ? w->count : 0;
}

static void release(mk_pcapw *w)
{
    pcap_close(w->pd);
    free(w->path);
    free(w->tmp);
    free(w);
}

bool mk_pcapw_close(mk_pcapw *w)
{
    bool ok;
    char *again;
    int e = 0;
    if (w == NULL)
        return true;
    ok = pcap_dump_flush(w->dump) == 0;
    pcap_dump_close(w->dump);
    /* the target may have changed since open: still a regular file (or missing)? */
    again = ok ? mk_pcapw_target(w->path) : NULL;
    ok = again != NULL && strcmp(again, w->path) == 0;
    if (again != NULL && !ok)
        errno = EINVAL; /* it became a symbolic link meanwhile */
    free(again);
    if (ok)
        ok = rename(w->tmp, w->path) == 0;
    if (!ok) {
        e = errno;
        unlink(w->tmp);
    }
    release(w);
    if (!ok)
        errno = e;
    return ok;
}

void mk_pcapw_abort(mk_pcapw *w)
{
    if (w == NULL)
        return;
    pcap_dump_close(w->dump);
    unlink(w->tmp);
    release(w);
}
