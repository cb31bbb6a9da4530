/* SPDX-License-Identifier: MIT */
/*
 * pcapread: UDP payloads out of a pcap/pcapng file via libpcap (see pcapread.h).
 * Every header length is checked against the captured length before it is used.
 */
#define _DEFAULT_SOURCE 1 /* libpcap headers use u_char / u_int */
#include "pcapread.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* Offset of the IP header for this link type, or -1 if the frame is not IP. */
static long ip_offset(int dlt, const uint8_t *p, size_t caplen)
{
    size_t off;
    uint16_t et;
    switch (dlt) {
    case DLT_EN10MB:
        if (caplen < 14)
            return -1;
        off = 12;
        et = be16(p + off);
        while (et == 0x8100 || et == 0x88a8) { /* VLAN tags */
            off += 4;
            if (caplen < off + 2)
                return -1;
            et = be16(p + off);
        }
        off += 2;
        return (et == 0x0800 || et == 0x86dd) ? (long)off : -1;
    case DLT_RAW:
#ifdef DLT_IPV4
    case DLT_IPV4:
    case DLT_IPV6:
#endif
        return 0;
    case DLT_NULL:
    case DLT_LOOP:
        return caplen >= 4 ? 4 : -1;
    case DLT_LINUX_SLL:
        if (caplen < 16)
            return -1;
        et = be16(p + 14);
        return (et == 0x0800 || et == 0x86dd) ? 16 : -1;
    default:
        return -1;
    }
}

static bool add(mk_pcap_list *l, const mk_pcap_udp *u, const uint8_t *payload)
{
    mk_pcap_udp *np = realloc(l->pkt, (l->n + 1) * sizeof *np);
    if (!np)
        return false;
    l->pkt = np;
    l->pkt[l->n] = *u;
    l->pkt[l->n].data = malloc(u->len ? u->len : 1);
    if (!l->pkt[l->n].data)
        return false;
    memcpy(l->pkt[l->n].data, payload, u->len);
    l->n++;
    return true;
}

bool mk_pcap_read_udp(const char *path, mk_pcap_list *out, char *err, size_t errcap)
{
    char ebuf[PCAP_ERRBUF_SIZE];
    struct pcap_pkthdr *h;
    const u_char *p;
    size_t frame = 0;
    int rc;

    memset(out, 0, sizeof *out);
    pcap_t *pc = pcap_open_offline(path, ebuf);
    if (!pc) {
        if (errcap)
            snprintf(err, errcap, "%s: %s", path, ebuf);
        return false;
    }
    int dlt = pcap_datalink(pc);
    while ((rc = pcap_next_ex(pc, &h, &p)) == 1) {
        frame++;
        size_t cap = h->caplen;
        long ipo = ip_offset(dlt, p, cap);
        if (ipo < 0 || (size_t)ipo >= cap)
            continue;
        const uint8_t *ip = p + ipo;
        size_t iplen = cap - (size_t)ipo, hl, tot;
        mk_pcap_udp u;
        memset(&u, 0, sizeof u);
        if ((ip[0] >> 4) == 4) {
            if (iplen < 20)
                continue;
            hl = (size_t)(ip[0] & 0x0f) * 4;
            tot = be16(ip + 2);
            if (hl < 20 || tot < hl || tot > iplen || ip[9] != 17)
                continue;
            if ((be16(ip + 6) & 0x3fff) != 0) /* fragment */
                continue;
            u.family = 4;
            memcpy(u.src, ip + 12, 4);
            memcpy(u.dst, ip + 16, 4);
        } else if ((ip[0] >> 4) == 6) {
            if (iplen < 40 || ip[6] != 17)
                continue;
            hl = 40;
            tot = 40 + (size_t)be16(ip + 4);
            if (tot > iplen)
                continue;
            u.family = 6;
            memcpy(u.src, ip + 8, 16);
            memcpy(u.dst, ip + 24, 16);
        } else {
            continue;
        }
        const uint8_t *udp = ip + hl;
        size_t ulen_avail = tot - hl;
        if (ulen_avail < 8)
            continue;
        size_t ulen = be16(udp + 4);
        if (ulen < 8 || ulen > ulen_avail)
            continue;
        u.sport = be16(udp);
        u.dport = be16(udp + 2);
        u.len = ulen - 8;
        u.ts_ms = (uint64_t)h->ts.tv_sec * 1000u + (uint64_t)h->ts.tv_usec / 1000u;
        u.frame = frame;
        if (!add(out, &u, udp + 8)) {
            if (errcap)
                snprintf(err, errcap, "%s: out of memory", path);
            pcap_close(pc);
            mk_pcap_list_free(out);
            return false;
        }
    }
    if (rc == -1) {
        if (errcap)
            snprintf(err, errcap, "%s: %s", path, pcap_geterr(pc));
        pcap_close(pc);
        mk_pcap_list_free(out);
        return false;
    }
    pcap_close(pc);
    return true;
}

void mk_pcap_list_free(mk_pcap_list *l)
{
    for (size_t i = 0; l && i < l->n; i++)
        free(l->pkt[i].data);
    if (l) {
        free(l->pkt);
        l->pkt = NULL;
        l->n = 0;
    }
}
