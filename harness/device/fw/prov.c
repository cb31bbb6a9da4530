/* SPDX-License-Identifier: MIT */
/* prov: see prov.h. The provisioning comes from our own bridge, but it is parsed strictly
 * anyway: a bad line stops the boot with the line printed. */
#include <string.h>

#include <sodium/utils.h>

#include "hex.h"

#include "../board/board.h"
#include "console.h"
#include "link.h"
#include "prov.h"

static bool parse_ip4(const char **s, uint8_t ip[4])
{
    for (int i = 0; i < 4; i++) {
        unsigned v = 0, nd = 0;
        while (**s >= '0' && **s <= '9' && nd < 4) {
            v = v * 10 + (unsigned)(*(*s)++ - '0');
            nd++;
        }
        if (nd == 0 || v > 255 || (i < 3 && *(*s)++ != '.'))
            return false;
        ip[i] = (uint8_t)v;
    }
    return true;
}

static unsigned parse_uint(const char **s)
{
    unsigned v = 0;
    while (**s >= '0' && **s <= '9')
        v = v * 10 + (unsigned)(*(*s)++ - '0');
    return v;
}

/* a.b.c.d/len -> an IPv4 range */
static bool parse_ts(const char *s, prov_ts *ts)
{
    uint8_t ip[4];
    if (!parse_ip4(&s, ip) || *s++ != '/')
        return false;
    unsigned len = parse_uint(&s);
    if (len > 32)
        return false;
    uint32_t a = (uint32_t)ip[0] << 24 | (uint32_t)ip[1] << 16 | (uint32_t)ip[2] << 8 | ip[3];
    uint32_t mask = len == 0 ? 0 : 0xFFFFFFFFu << (32 - len);
    uint32_t lo = a & mask, hi = lo | ~mask;
    for (int i = 0; i < 4; i++) {
        ts->lo[i] = (uint8_t)(lo >> (24 - 8 * i));
        ts->hi[i] = (uint8_t)(hi >> (24 - 8 * i));
    }
    return true;
}

static bool parse_addr(const char *s, prov_addr *a)
{
    memset(a, 0, sizeof *a);
    if (!parse_ip4(&s, a->ip) || *s++ != ':')
        return false;
    a->port = (uint16_t)parse_uint(&s);
    return true;
}

static bool parse_id(const char *s, prov_id *id)
{
    if (strncmp(s, "fqdn:", 5) != 0 || strlen(s + 5) == 0 || strlen(s + 5) >= sizeof id->data)
        return false;
    id->type = PROV_ID_FQDN;
    id->len = (uint8_t)strlen(s + 5);
    memcpy(id->data, s + 5, id->len);
    return true;
}

/* "OPEN,CLOSE": one press each */
static bool parse_cmds(const char *v, fw_prov *p)
{
    p->presses = 0;
    for (const char *c = v; *c && p->presses < PROV_MAX_PRESSES;) {
        const char *e = strchr(c, ',');
        size_t n = e ? (size_t)(e - c) : strlen(c);
        if (n == 0 || n >= PROV_MAX_CMD)
            return false;
        memcpy(p->cmds[p->presses], c, n);
        p->cmds[p->presses++][n] = '\0';
        c += n + (e != NULL);
    }
    return p->presses > 0;
}

/* One "key=value" line of the 'C' frame. */
static bool provision_line(fw_prov *pr, char *line)
{
    char *v = strchr(line, '=');
    if (v == NULL)
        return false;
    *v++ = '\0';
    const char *p = v;
    if (!strcmp(line, "psk")) /* hex, decoded as the tests' vectors are (harness/lib/hex.c) */
        return (pr->psk_len = mk_hex_decode(v, pr->psk, sizeof pr->psk)) != (size_t)-1;
    if (!strcmp(line, "idi"))
        return parse_id(v, &pr->idi);
    if (!strcmp(line, "idr"))
        return parse_id(v, &pr->idr);
    if (!strcmp(line, "tsi"))
        return parse_ts(v, &pr->tsi);
    if (!strcmp(line, "tsr"))
        return parse_ts(v, &pr->tsr);
    if (!strcmp(line, "src"))
        return parse_ip4(&p, pr->src) && *p++ == ':' && (pr->sport = (uint16_t)parse_uint(&p));
    if (!strcmp(line, "dst"))
        return parse_ip4(&p, pr->dst) && *p++ == ':' && ((pr->dport = (uint16_t)parse_uint(&p)), 1);
    if (!strcmp(line, "local"))
        return parse_addr(v, &pr->local);
    if (!strcmp(line, "remote"))
        return parse_addr(v, &pr->remote);
    if (!strcmp(line, "force4500"))
        return (pr->force_4500 = v[0] == '1'), true;
    if (!strcmp(line, "keys"))
        return (pr->keys = v[0] == '1'), true;
    if (!strcmp(line, "mode")) {
        pr->mode = !strcmp(v, "ping") ? MODE_PING : MODE_DOOR;
        return true;
    }
    if (!strcmp(line, "quiet_ms"))
        return (pr->quiet_ms = parse_uint(&p)), true;
    if (!strcmp(line, "wait_ms"))
        return (pr->wait_ms = parse_uint(&p)), true;
    if (!strcmp(line, "cmds"))
        return parse_cmds(v, pr);
    return false;
}

bool prov_boot(fw_prov *p, fw_drbg *drbg, uint8_t *frame, size_t cap)
{
    static char ctext[1024];
    size_t n;
    bool seeded = false, provisioned = false;
    link_send('H', NULL, 0);
    /* no entropy on emulated hardware: the seed comes from the host, see drbg.h */
    while (!(seeded && provisioned)) {
        uint8_t type = link_poll(frame, cap, &n, con_t0() + 10000);
        if (type == 0) {
            say("boot: no seed/provisioning from the bridge within 10 s");
            return false;
        }
        if (type == 'S' && n == 32) {
            fw_drbg_seed(drbg, frame);
            sodium_memzero(frame, 32); /* the seed: nothing else keeps a copy */
            seeded = true;
        } else if (type == 'C' && n < sizeof ctext) {
            memcpy(ctext, frame, n);
            ctext[n] = '\0';
            p->wait_ms = 15000;
            for (char *l = ctext, *e; l && *l; l = e) {
                e = strchr(l, '\n');
                if (e)
                    *e++ = '\0';
                if (*l && !provision_line(p, l)) {
                    say("boot: bad provisioning line '%s'", l);
                    return false;
                }
            }
            sodium_memzero(ctext, sizeof ctext); /* it held the PSK in hex */
            provisioned = true;
        }
    }
    return true;
}
