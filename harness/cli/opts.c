/* SPDX-License-Identifier: MIT */
/*
 * opts: option parsing for the `minike` command: strongSwan proposal syntax for IKE and ESP
 * (aes128gcm16-prfsha256-x25519, aes256-sha256-modp2048, ...), identities (fqdn:, email:,
 * keyid:, ipv4:, ipv6:, strongSwan's @name), traffic selectors as CIDR, and pre-shared keys
 * from a file or MINIKE_PSK. Every parser reports a problem as one line and an exit code; none
 * trusts input lengths, and PSK buffers are wiped.
 */
#define _DEFAULT_SOURCE

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "suite.h"

static const struct {
    const char *name;
    uint16_t id, bits;
} encr_tab[] = {
    {"aes128", MK_ENCR_AES_CBC, 128},           {"aes192", MK_ENCR_AES_CBC, 192},
    {"aes256", MK_ENCR_AES_CBC, 256},           {"aes128gcm8", MK_ENCR_AES_GCM_8, 128},
    {"aes128gcm12", MK_ENCR_AES_GCM_12, 128},   {"aes128gcm16", MK_ENCR_AES_GCM_16, 128},
    {"aes256gcm8", MK_ENCR_AES_GCM_8, 256},     {"aes256gcm12", MK_ENCR_AES_GCM_12, 256},
    {"aes256gcm16", MK_ENCR_AES_GCM_16, 256},   {"aes128ccm8", MK_ENCR_AES_CCM_8, 128},
    {"aes128ccm12", MK_ENCR_AES_CCM_12, 128},   {"aes128ccm16", MK_ENCR_AES_CCM_16, 128},
    {"aes256ccm8", MK_ENCR_AES_CCM_8, 256},     {"aes256ccm12", MK_ENCR_AES_CCM_12, 256},
    {"aes256ccm16", MK_ENCR_AES_CCM_16, 256},   {"chacha20poly1305", MK_ENCR_CHACHA20_POLY1305, 0},
};
static const struct {
    const char *name;
    uint16_t id;
} integ_tab[] = {
    {"sha256", MK_INTEG_HMAC_SHA2_256_128}, {"sha2_256", MK_INTEG_HMAC_SHA2_256_128},
    {"sha384", 13}, {"sha2_384", 13},
    {"sha512", MK_INTEG_HMAC_SHA2_512_256}, {"sha2_512", MK_INTEG_HMAC_SHA2_512_256},
}, prf_tab[] = {
    {"prfsha256", MK_PRF_HMAC_SHA2_256}, {"prfsha384", MK_PRF_HMAC_SHA2_384},
    {"prfsha512", MK_PRF_HMAC_SHA2_512},
}, dh_tab[] = {
    {"x25519", MK_DH_X25519}, {"curve25519", MK_DH_X25519}, {"ecp256", MK_DH_ECP256},
    {"modp2048", MK_DH_MODP2048},
};
#define N(t) (sizeof(t) / sizeof((t)[0]))

static bool is_aead(uint16_t encr)
{
    return encr != MK_ENCR_AES_CBC;
}

static int bad_proposal(const char *kind, const char *prop, const char *why)
{
    char what[200], w[300];
    snprintf(what, sizeof(what), "%s proposal '%.80s'", kind, prop);
    snprintf(w, sizeof(w), "%s", why);
    return cli_fail(EX_CONFIG, what, w,
                    !strcmp(kind, "IKE")
                        ? "use e.g. aes128gcm16-prfsha256-x25519, chacha20poly1305-prfsha256-"
                          "x25519, aes256-sha256-modp2048, aes128gcm16-prfsha256-ecp256, "
                          "aes128ccm8-prfsha256-x25519"
                        : "use e.g. aes128gcm16, chacha20poly1305, aes256-sha256, aes128ccm8");
}

/* Parse one proposal "tok-tok-..." into its parts. */
static int parse_one(const char *kind, const char *prop, bool ike, mk_ike_suite *out)
{
    char buf[128], *save = NULL, *tok;
    bool have_encr = false;

    memset(out, 0, sizeof(*out));
    if (strlen(prop) >= sizeof(buf) || *prop == '\0')
        return bad_proposal(kind, prop, "empty or too long");
    strcpy(buf, prop);
    for (tok = strtok_r(buf, "-", &save); tok != NULL; tok = strtok_r(NULL, "-", &save)) {
        size_t i;
        char lower[64];
        size_t k;
        for (k = 0; tok[k] && k + 1 < sizeof(lower); k++)
            lower[k] = (char)tolower((unsigned char)tok[k]);
        lower[k] = '\0';
        for (i = 0; i < N(encr_tab); i++)
            if (!strcmp(lower, encr_tab[i].name))
                break;
        if (i < N(encr_tab)) {
            if (have_encr)
                return bad_proposal(kind, prop, "more than one encryption algorithm");
            out->encr = encr_tab[i].id;
            out->encr_bits = encr_tab[i].bits;
            have_encr = true;
            continue;
        }
        for (i = 0; i < N(integ_tab); i++)
            if (!strcmp(lower, integ_tab[i].name))
                break;
        if (i < N(integ_tab)) {
            out->integ = integ_tab[i].id;
            continue;
        }
        for (i = 0; ike && i < N(prf_tab); i++)
            if (!strcmp(lower, prf_tab[i].name))
                break;
        if (ike && i < N(prf_tab)) {
            out->prf = prf_tab[i].id;
            continue;
        }
        for (i = 0; ike && i < N(dh_tab); i++)
            if (!strcmp(lower, dh_tab[i].name))
                break;
        if (ike && i < N(dh_tab)) {
            out->dh = dh_tab[i].id;
            continue;
        }
        if (!ike && !strcmp(lower, "noesn"))
            continue;
        if (!ike && !strcmp(lower, "esn"))
            return bad_proposal(kind, prop, "extended sequence numbers are not supported");
        {
            char why[120];
            snprintf(why, sizeof(why), "unknown algorithm '%.60s'", tok);
            return bad_proposal(kind, prop, why);
        }
    }
    if (!have_encr)
        return bad_proposal(kind, prop, "no encryption algorithm");
    if (is_aead(out->encr) && out->integ != 0)
        return bad_proposal(kind, prop, "an AEAD cipher takes no integrity algorithm");
    if (!is_aead(out->encr) && out->integ == 0)
        return bad_proposal(kind, prop, "AES-CBC needs an integrity algorithm (e.g. -sha256)");
    if (ike) {
        if (out->prf == 0) {
            /* strongSwan: without a PRF, the integrity algorithm's HMAC serves as PRF */
            out->prf = out->integ == MK_INTEG_HMAC_SHA2_512_256 ? MK_PRF_HMAC_SHA2_512
                       : out->integ == 13                      ? MK_PRF_HMAC_SHA2_384
                                                               : MK_PRF_HMAC_SHA2_256;
        }
        if (out->dh == 0)
            return bad_proposal(kind, prop, "no DH group (x25519, ecp256, modp2048)");
    }
    return 0;
}

static int parse_list(const char *kind, const char *s, bool ike, mk_ike_suite *out, size_t *n)
{
    char buf[512], *save = NULL, *tok;
    if (strlen(s) >= sizeof(buf))
        return bad_proposal(kind, s, "list too long");
    strcpy(buf, s);
    *n = 0;
    for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
        int r;
        if (*n >= MK_MAX_SUITES)
            return bad_proposal(kind, s, "more than 8 proposals");
        if ((r = parse_one(kind, tok, ike, &out[*n])) != 0)
            return r;
        (*n)++;
    }
    if (*n == 0)
        return bad_proposal(kind, s, "empty list");
    return 0;
}

int cli_parse_ike(const char *s, mk_ike_suite *out, size_t *n)
{
    return parse_list("IKE", s, true, out, n);
}

int cli_parse_esp(const char *s, mk_esp_suite *out, size_t *n)
{
    mk_ike_suite tmp[MK_MAX_SUITES];
    int r = parse_list("ESP", s, false, tmp, n);
    if (r != 0)
        return r;
    for (size_t i = 0; i < *n; i++) {
        out[i].encr = tmp[i].encr;
        out[i].encr_bits = tmp[i].encr_bits;
        out[i].integ = tmp[i].integ;
    }
    return 0;
}

static const char *encr_name(uint16_t id, uint16_t bits, char *b, size_t cap)
{
    for (size_t i = 0; i < N(encr_tab); i++)
        if (encr_tab[i].id == id && encr_tab[i].bits == bits)
            return encr_tab[i].name;
    snprintf(b, cap, "encr%u/%u", (unsigned)id, (unsigned)bits);
    return b;
}

static const char *name_of(const void *tab, size_t n, uint16_t id)
{
    const struct {
        const char *name;
        uint16_t id;
    } *t = tab;
    for (size_t i = 0; i < n; i++)
        if (t[i].id == id)
            return t[i].name;
    return "?";
}

void cli_format_ike(const mk_ike_suite *s, char *out, size_t cap)
{
    char b[32];
    const char *e = encr_name(s->encr, s->encr_bits, b, sizeof(b));
    if (s->integ != 0)
        snprintf(out, cap, "%s-%s-%s-%s", e, name_of(integ_tab, N(integ_tab), s->integ),
                 name_of(prf_tab, N(prf_tab), s->prf), name_of(dh_tab, N(dh_tab), s->dh));
    else
        snprintf(out, cap, "%s-%s-%s", e, name_of(prf_tab, N(prf_tab), s->prf),
                 name_of(dh_tab, N(dh_tab), s->dh));
}

void cli_format_esp(const mk_esp_suite *s, char *out, size_t cap)
{
    char b[32];
    const char *e = encr_name(s->encr, s->encr_bits, b, sizeof(b));
    if (s->integ != 0)
        snprintf(out, cap, "%s-%s", e, name_of(integ_tab, N(integ_tab), s->integ));
    else
        snprintf(out, cap, "%s", e);
}

void cli_set_default_suites(cli_common *c)
{
    if (c->n_ike == 0) {
        c->ike[0] = (mk_ike_suite){MK_ENCR_AES_GCM_16, 128, MK_PRF_HMAC_SHA2_256, 0,
                                   MK_DH_X25519};
        c->n_ike = 1;
    }
    if (c->n_esp == 0) {
        c->esp[0] = (mk_esp_suite){MK_ENCR_AES_GCM_16, 128, 0};
        c->n_esp = 1;
    }
}

int cli_check_suites(const cli_common *c)
{
    const mk_suites *reg = mk_suites_default();
    char p[96], why[160];
    for (size_t i = 0; i < c->n_ike; i++) {
        const mk_ike_suite *s = &c->ike[i];
        if (mk_suite_encr(reg, s->encr, s->encr_bits) == NULL ||
            mk_suite_prf(reg, s->prf) == NULL || mk_suite_dh(reg, s->dh) == NULL ||
            (s->integ != 0 && mk_suite_integ(reg, s->integ) == NULL)) {
            cli_format_ike(s, p, sizeof(p));
            snprintf(why, sizeof(why), "'%s' is not supported by this build", p);
            return cli_fail(EX_CONFIG, "IKE proposal", why,
                            "pick another --ike proposal; see minike initiate --help");
        }
    }
    for (size_t i = 0; i < c->n_esp; i++) {
        const mk_esp_suite *s = &c->esp[i];
        if (mk_suite_encr(reg, s->encr, s->encr_bits) == NULL ||
            (s->integ != 0 && mk_suite_integ(reg, s->integ) == NULL)) {
            cli_format_esp(s, p, sizeof(p));
            snprintf(why, sizeof(why), "'%s' is not supported by this build", p);
            return cli_fail(EX_CONFIG, "ESP proposal", why,
                            "pick another --esp proposal; see minike initiate --help");
        }
    }
    return 0;
}

/* ---- identities ---------------------------------------------------------------------------- */

static int bad_id(const char *opt, const char *s, const char *why)
{
    char what[160];
    char shown[200];
    cli_escape((const uint8_t *)s, strlen(s), shown, 90);
    snprintf(what, sizeof(what), "%s '%s'", opt, shown);
    return cli_fail(EX_USAGE, what, why,
                    "use fqdn:NAME, @NAME, email:USER@HOST, keyid:HEX, ipv4:ADDR or ipv6:ADDR");
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Decode hex (optional 0x, optional ':' separators). Returns length or -1. */
static long unhex(const char *s, uint8_t *out, size_t cap)
{
    size_t n = 0;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2;
    while (*s) {
        int hi, lo;
        if (*s == ':') {
            s++;
            continue;
        }
        hi = hexval((unsigned char)s[0]);
        lo = s[1] ? hexval((unsigned char)s[1]) : -1;
        if (hi < 0 || lo < 0 || n >= cap)
            return -1;
        out[n++] = (uint8_t)(hi << 4 | lo);
        s += 2;
    }
    return (long)n;
}

/* Our own FQDN / email identity: valid UTF-8 (RFC 3629) without C0 or C1 controls or DEL, so
 * what we send and print is what the user sees. */
static bool id_text_ok(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k;
        uint8_t c = p[i];
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7f)
                return false;
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            k = 1;
            cp = c & 0x1fu;
        } else if (c >= 0xe0 && c <= 0xef) {
            k = 2;
            cp = c & 0x0fu;
        } else if (c >= 0xf0 && c <= 0xf4) {
            k = 3;
            cp = c & 0x07u;
        } else {
            return false;
        }
        if (n - i <= k)
            return false;
        for (size_t j = 1; j <= k; j++) {
            if ((p[i + j] & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (p[i + j] & 0x3fu);
        }
        /* overlong, surrogates, beyond U+10FFFF, C1 controls */
        if ((k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) || cp > 0x10ffff ||
            (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
            return false;
        i += k + 1;
    }
    return true;
}

int cli_parse_id(const char *s, mk_id *out, const char *opt)
{
    const char *v = s;
    uint8_t type;
    memset(out, 0, sizeof(*out));
    if (!strncmp(s, "fqdn:", 5)) {
        type = MK_ID_FQDN;
        v = s + 5;
    } else if (!strncmp(s, "email:", 6)) {
        type = MK_ID_RFC822_ADDR;
        v = s + 6;
    } else if (!strncmp(s, "keyid:", 6) || !strncmp(s, "@#", 2)) {
        long n = unhex(s[0] == '@' ? s + 2 : s + 6, out->data, sizeof(out->data));
        if (n <= 0)
            return bad_id(opt, s, "keyid needs an even number of hex digits (1-255 octets)");
        out->type = MK_ID_KEY_ID;
        out->len = (uint8_t)n;
        return 0;
    } else if (!strncmp(s, "ipv4:", 5) || !strncmp(s, "ipv6:", 5)) {
        bool v4 = s[3] == '4';
        if (inet_pton(v4 ? AF_INET : AF_INET6, s + 5, out->data) != 1)
            return bad_id(opt, s, v4 ? "not an IPv4 address" : "not an IPv6 address");
        out->type = v4 ? MK_ID_IPV4_ADDR : MK_ID_IPV6_ADDR;
        out->len = v4 ? 4 : 16;
        return 0;
    } else if (s[0] == '@') {
        type = MK_ID_FQDN; /* strongSwan: @name is an ID_FQDN */
        v = s + 1;
    } else if (inet_pton(AF_INET, s, out->data) == 1) {
        out->type = MK_ID_IPV4_ADDR;
        out->len = 4;
        return 0;
    } else if (inet_pton(AF_INET6, s, out->data) == 1) {
        out->type = MK_ID_IPV6_ADDR;
        out->len = 16;
        return 0;
    } else if (strchr(s, '@') != NULL) {
        type = MK_ID_RFC822_ADDR; /* strongSwan: user@host is an ID_RFC822_ADDR */
    } else if (strchr(s, ':') != NULL) {
        return bad_id(opt, s, "unknown identity type");
    } else {
        type = MK_ID_FQDN;
    }
    if (*v == '\0')
        return bad_id(opt, s, "empty identity");
    if (!id_text_ok((const uint8_t *)v, strlen(v)))
        return bad_id(opt, s, "control characters or bytes that are not UTF-8 are not allowed "
                              "in an identity");
    if (strlen(v) > sizeof(out->data))
        return bad_id(opt, s, "longer than 255 octets");
    out->type = type;
    out->len = (uint8_t)strlen(v);
    memcpy(out->data, v, out->len);
    return 0;
}

void cli_format_id(const mk_id *id, char *out, size_t cap)
{
    char a[64];
    size_t o;
    switch (id->type) {
    case MK_ID_FQDN:
    case MK_ID_RFC822_ADDR:
        /* may come from the peer: only ever shown escaped */
        o = (size_t)snprintf(out, cap, "%s", id->type == MK_ID_FQDN ? "fqdn:" : "email:");
        if (o < cap)
            cli_escape(id->data, id->len, out + o, cap - o);
        break;
    case MK_ID_IPV4_ADDR:
        inet_ntop(AF_INET, id->data, a, sizeof(a));
        snprintf(out, cap, "ipv4:%s", a);
        break;
    case MK_ID_IPV6_ADDR:
        inet_ntop(AF_INET6, id->data, a, sizeof(a));
        snprintf(out, cap, "ipv6:%s", a);
        break;
    case MK_ID_KEY_ID: {
        o = (size_t)snprintf(out, cap, "keyid:");
        for (size_t i = 0; i < id->len && o + 3 < cap; i++)
            o += (size_t)snprintf(out + o, cap - o, "%02x", id->data[i]);
        break;
    }
    default: snprintf(out, cap, "type%u", (unsigned)id->type); break;
    }
}

/* ---- traffic selectors ---------------------------------------------------------------------- */

int cli_parse_ts(const char *s, mk_ts *out, const char *opt)
{
    char host[64], what[160];
    const char *slash = strchr(s, '/');
    size_t hl = slash ? (size_t)(slash - s) : strlen(s);
    unsigned long bits;
    int alen;

    memset(out, 0, sizeof(*out));
    snprintf(what, sizeof(what), "%s '%.80s'", opt, s);
    if (hl >= sizeof(host))
        return cli_fail(EX_USAGE, what, "address too long", "use ADDR/PREFIX, e.g. 10.0.0.0/24");
    memcpy(host, s, hl);
    host[hl] = '\0';
    if (inet_pton(AF_INET, host, out->start) == 1) {
        out->type = MK_TS_IPV4_RANGE;
        alen = 4;
    } else if (inet_pton(AF_INET6, host, out->start) == 1) {
        out->type = MK_TS_IPV6_RANGE;
        alen = 16;
    } else {
        return cli_fail(EX_USAGE, what, "not an IP address", "use ADDR/PREFIX, e.g. 10.0.0.0/24");
    }
    bits = (unsigned long)alen * 8;
    if (slash != NULL) {
        char *end;
        errno = 0;
        bits = strtoul(slash + 1, &end, 10);
        if (errno || *end || end == slash + 1 || bits > (unsigned long)alen * 8 ||
            slash[1] < '0' || slash[1] > '9')
            return cli_fail(EX_USAGE, what, "bad prefix length", "use ADDR/PREFIX, e.g. 10.0.0.0/24");
    }
    for (int i = 0; i < alen; i++) {
        unsigned long lo = (unsigned long)i * 8;
        unsigned m = bits >= lo + 8 ? 0xffu : bits <= lo ? 0u : (0xffu << (8 - (bits - lo))) & 0xffu;
        uint8_t mask = (uint8_t)m;
        out->start[i] &= mask;
        out->end[i] = (uint8_t)(out->start[i] | (uint8_t)~mask);
    }
    out->proto = 0;
    out->start_port = 0;
    out->end_port = 65535;
    return 0;
}

/* ---- numbers and addresses ------------------------------------------------------------------ */

int cli_parse_range(const char *s, uint64_t min, uint64_t max, uint64_t *out, const char *opt)
{
    char *end;
    unsigned long long v;
    char what[120], why[120];
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || *s < '0' || *s > '9' || *end || v < min || v > max) {
        snprintf(what, sizeof(what), "%s '%.40s'", opt, s);
        snprintf(why, sizeof(why), "not a whole number from %llu to %llu",
                 (unsigned long long)min, (unsigned long long)max);
        return cli_fail(EX_USAGE, what, why,
                        strchr(s, '.') != NULL ? "give whole seconds, e.g. 2"
                                               : "give a decimal number");
    }
    *out = v;
    return 0;
}

int cli_check_delete(void)
{
#if MK_DELETE
    return 0;
#else
    return cli_fail(EX_USAGE, "--delete", "built without our own Delete (MK_DELETE)",
                    "rebuild with -DMK_DELETE=ON, or leave --delete out");
#endif
}

int cli_parse_u64(const char *s, uint64_t max, uint64_t *out, const char *opt)
{
    return cli_parse_range(s, 0, max, out, opt);
}

int cli_parse_addr(const char *s, uint16_t def_port, mk_addr *out, const char *opt)
{
    char what[120], host[80];
    const char *port = NULL, *c;
    size_t hl;
    if (mk_io_parse_addr(s, def_port, out))
        return 0;
    snprintf(what, sizeof(what), "%s '%.60s'", opt, s);
    /* say what is wrong: the port, or a name where an address belongs */
    if (s[0] == '[') {
        c = strchr(s, ']');
        hl = c != NULL ? (size_t)(c - s - 1) : 0;
        port = c != NULL && c[1] == ':' ? c + 2 : NULL;
        s++;
    } else {
        c = strchr(s, ':');
        hl = c != NULL && strchr(c + 1, ':') == NULL ? (size_t)(c - s) : strlen(s);
        port = c != NULL && strchr(c + 1, ':') == NULL ? c + 1 : NULL;
    }
    if (hl >= sizeof(host))
        hl = sizeof(host) - 1;
    memcpy(host, s, hl);
    host[hl] = '\0';
    {
        uint8_t ip[16];
        bool host_ok = inet_pton(AF_INET, host, ip) == 1 || inet_pton(AF_INET6, host, ip) == 1;
        if (host_ok && port != NULL)
            return cli_fail(EX_USAGE, what, "bad port (1 to 65535)",
                            "use ADDR:PORT, e.g. 192.0.2.1:500 or [2001:db8::1]:500");
        if (!host_ok && host[0] != '\0' && strspn(host, "abcdefghijklmnopqrstuvwxyz"
                                                   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") == hl &&
            strpbrk(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") != NULL) {
            char todo[200];
            snprintf(todo, sizeof(todo), "give its address, e.g. from: getent ahosts %.60s",
                     host);
            return cli_fail(EX_USAGE, what, "a host name: minike takes IP addresses only and "
                            "does not resolve names", todo);
        }
    }
    return cli_fail(EX_USAGE, what, "not an IP address",
                    "use 192.0.2.1, 192.0.2.1:500, 2001:db8::1 or [2001:db8::1]:500");
}

int cli_check_remote(const mk_addr *a, const char *opt, const char *s)
{
    char what[120];
    const uint8_t *ip = a->ip;
    const char *why = NULL;
    static const uint8_t zero[16];
    snprintf(what, sizeof(what), "%s '%.60s'", opt, s);
    if (a->family == 4) {
        if (memcmp(ip, zero, 4) == 0)
            why = "0.0.0.0 is not an address one can send to";
        else if (ip[0] >= 224 && ip[0] <= 239)
            why = "a multicast address; IKE needs one responder";
        else if (ip[0] == 255 && ip[1] == 255 && ip[2] == 255 && ip[3] == 255)
            why = "the broadcast address; IKE needs one responder";
    } else {
        if (memcmp(ip, zero, 16) == 0)
            why = ":: is not an address one can send to";
        else if (ip[0] == 0xff)
            why = "a multicast address; IKE needs one responder";
    }
    if (why != NULL)
        return cli_fail(EX_USAGE, what, why, "give the responder's unicast address");
    if (a->port == 0)
        return cli_fail(EX_USAGE, what, "port 0 is not a port one can send to",
                        "give the responder's port, e.g. 500, the default");
    return 0;
}

/* ---- pre-shared keys ---------------------------------------------------------------------- */

/* "0x..." is hex (as in strongSwan's secrets), anything else the literal text. One trailing
 * newline (and CR) is dropped. */
static int set_psk(cli_common *c, const char *text, size_t n, const char *src)
{
    char what[200];
    snprintf(what, sizeof(what), "PSK from %.150s", src);
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r'))
        n--;
    if (n >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        char hx[2 * MK_MAX_PSK + 3];
        long k;
        if (n >= sizeof(hx))
            return cli_fail(EX_CONFIG, what, "longer than 256 octets", "use a shorter key");
        memcpy(hx, text, n);
        hx[n] = '\0';
        k = unhex(hx, c->psk, sizeof(c->psk));
        mk_wipe(hx, sizeof(hx));
        if (k < 0) {
            size_t digits = 0;
            bool only_hex = true;
            for (size_t i = 2; i < n; i++) {
                if (text[i] == ':')
                    continue;
                if (hexval((unsigned char)text[i]) < 0)
                    only_hex = false;
                digits++;
            }
            if (only_hex && digits % 2 != 0)
                return cli_fail(EX_CONFIG, what, "0x... with an odd number of hex digits",
                                "a key is whole octets: two hex digits each");
            return cli_fail(EX_CONFIG, what, "0x... but not valid hex: a space or other "
                            "character after 0x?",
                            "write the key as 0x followed by hex digits only, or as plain text");
        }
        c->psk_len = (size_t)k;
    } else {
        if (n > sizeof(c->psk))
            return cli_fail(EX_CONFIG, what, "longer than 256 octets", "use a shorter key");
        memcpy(c->psk, text, n);
        c->psk_len = n;
    }
    if (c->psk_len < MK_MIN_PSK) {
        char why[100];
        snprintf(why, sizeof(why), "only %zu octets, at least %d are required", c->psk_len,
                 MK_MIN_PSK);
        mk_wipe(c->psk, sizeof(c->psk));
        c->psk_len = 0;
        return cli_fail(EX_CONFIG, what, why, "make one with: minike keygen psk");
    }
    c->have_psk = true;
    return 0;
}

int cli_load_psk_file(const char *path, cli_common *c)
{
    char buf[2 * MK_MAX_PSK + 16], what[200];
    FILE *f = fopen(path, "rb");
    size_t n;
    int r;
    snprintf(what, sizeof(what), "--psk-file %.150s", path);
    if (f == NULL)
        return cli_fail(EX_CONFIG, what, strerror(errno), "check the path and its permissions");
    n = fread(buf, 1, sizeof(buf), f);
    if (ferror(f)) {
        int e = errno;
        fclose(f);
        return cli_fail(EX_CONFIG, what, strerror(e), "is it a regular file?");
    }
    if (n == sizeof(buf)) {
        fclose(f);
        mk_wipe(buf, sizeof(buf));
        return cli_fail(EX_CONFIG, what, "file too large for a PSK (max 256 octets)",
                        "the file must hold only the key");
    }
    fclose(f);
    r = set_psk(c, buf, n, path);
    mk_wipe(buf, sizeof(buf));
    return r;
}

int cli_load_psk_env(cli_common *c)
{
    const char *v = getenv("MINIKE_PSK");
    if (v == NULL)
        return cli_fail(EX_USAGE, "PSK", "no --psk-file, no --key, and MINIKE_PSK is not set",
                        "pass --psk-file FILE; make one with: minike keygen psk > FILE");
    return set_psk(c, v, strlen(v), "MINIKE_PSK");
}

bool cli_check_suites_quiet(const cli_common *c)
{
    const mk_suites *reg = mk_suites_default();
    for (size_t i = 0; i < c->n_ike; i++) {
        const mk_ike_suite *s = &c->ike[i];
        if (mk_suite_encr(reg, s->encr, s->encr_bits) == NULL ||
            mk_suite_prf(reg, s->prf) == NULL || mk_suite_dh(reg, s->dh) == NULL ||
            (s->integ != 0 && mk_suite_integ(reg, s->integ) == NULL))
            return false;
    }
    for (size_t i = 0; i < c->n_esp; i++) {
        const mk_esp_suite *s = &c->esp[i];
        if (mk_suite_encr(reg, s->encr, s->encr_bits) == NULL ||
            (s->integ != 0 && mk_suite_integ(reg, s->integ) == NULL))
            return false;
    }
    return true;
}

/* ---- shared options ------------------------------------------------------------------------ */

int cli_common_opt(cli_common *c, int opt, const char *arg)
{
    int r = 0;
    switch (opt) {
    case 'P':
        r = cli_load_psk_file(arg, c);
        cli_note_input(c, "--psk-file", arg);
        break;
    case 'i':
        r = cli_parse_id(arg, &c->id, "--id");
        c->have_id = r == 0;
        break;
    case 'r': r = cli_parse_id(arg, &c->remote_id, "--remote-id"); break;
    case 'I': r = cli_parse_ike(arg, c->ike, &c->n_ike); break;
    case 'E': r = cli_parse_esp(arg, c->esp, &c->n_esp); break;
    case 'T':
        r = cli_parse_ts(arg, &c->tsi, "--tsi");
        c->have_tsi = r == 0;
        break;
    case 'R':
        r = cli_parse_ts(arg, &c->tsr, "--tsr");
        c->have_tsr = r == 0;
        break;
    case 'c': c->pcap = arg; break;
    case 'W': c->pcap_raw_ports = true; break;
    case 'k': c->keys = arg; break;
    case 's':
        r = cli_parse_u64(arg, UINT64_MAX, &c->seed, "--seed");
        c->seeded = r == 0;
        break;
    case 'v': c->verbose++; break;
    case OPT_KEY:
        mk_wipe(&c->key, sizeof c->key);
        r = cli_load_private_key(arg, &c->key, "--key");
        c->have_key = r == 0;
        cli_note_input(c, "--key", arg);
        break;
    case OPT_PEER_KEY:
        r = cli_load_public_key(arg, c->peer_spki, &c->peer_spki_len, "--peer-key");
        c->have_peer_key = r == 0;
        cli_note_input(c, "--peer-key", arg);
        break;
    case OPT_PEER_FP:
        r = cli_parse_fp(arg, c->peer_fp, "--peer-fp");
        c->have_peer_fp = r == 0;
        break;
    case OPT_STATE:
        c->state = arg;
        cli_note_input(c, "--state", arg);
        break;
    case OPT_FORCE: c->force = true; break;
    case OPT_SEND_CERT: c->send_cert = true; break;
    default: return 0;
    }
    return r == 0 ? 1 : -r;
}

void cli_common_wipe(cli_common *c)
{
    mk_wipe(c->psk, sizeof c->psk);
    mk_wipe(&c->key, sizeof c->key);
}

int cli_rpk_config(cli_common *c, mk_config *cfg, cli_imprint *imprint)
{
    if (!c->have_key) {
        if (c->have_peer_key || c->have_peer_fp || c->state != NULL || c->send_cert)
            return cli_fail(EX_USAGE, "raw public keys",
                            "--peer-key, --peer-fp, --state and --send-cert need --key",
                            "add --key FILE; make one with: minike keygen --type ed25519 "
                            "--out PREFIX");
        return 0;
    }
    if (c->have_psk)
        return cli_fail(EX_USAGE, "--key and --psk-file", "choose one authentication method",
                        "drop --psk-file to authenticate with the raw public key");
    if (c->have_peer_key && c->have_peer_fp)
        return cli_fail(EX_USAGE, "--peer-key and --peer-fp", "pin the responder only once",
                        "drop one of them");
    if ((c->have_peer_key || c->have_peer_fp) && c->state != NULL)
        return cli_fail(EX_USAGE, "--state", "the responder is pinned: nothing is imprinted",
                        "drop --state, or drop the pin to imprint");
    cfg->auth_method = MK_AUTH_DIGSIG; /* without MK_RPK, mk_init refuses it: BAD_CONFIG */
    cfg->psk = NULL;
    cfg->psk_len = 0;
#if MK_RPK
    cfg->priv_key = c->key.priv;
    cfg->priv_key_len = c->key.priv_len;
    cfg->spki = c->key.spki;
    cfg->spki_len = c->key.spki_len;
    cfg->send_cert = c->send_cert;
    if (c->have_peer_key) {
        cfg->peer_spki = c->peer_spki;
        cfg->peer_spki_len = c->peer_spki_len;
    } else if (c->have_peer_fp) {
        cfg->peer_fp = c->peer_fp;
    } else {
        int r;
        if (imprint->path != NULL && (r = cli_state_read(imprint)) != 0)
            return r;
        cfg->imprint = cli_imprint_cb;
        cfg->imprint_ctx = imprint;
    }
#else
    (void)imprint; /* nothing is imprinted without raw keys */
#endif
    return 0;
}

void cli_rpk_describe(const cli_common *c, const cli_imprint *imprint, char *out, size_t cap)
{
    uint8_t fp[MK_FP_LEN];
    char hex[2 * MK_FP_LEN + 1], pin[2 * MK_FP_LEN + 1];
    mk_spki_fingerprint(c->key.spki, c->key.spki_len, fp);
    cli_format_fp(fp, hex);
    if (c->have_peer_key) {
        mk_spki_fingerprint(c->peer_spki, c->peer_spki_len, fp);
        cli_format_fp(fp, pin);
        snprintf(out, cap, "auth: %s key sha256:%.16s..., responder key pinned (sha256:%.16s...)",
                 cli_key_type_name(c->key.type), hex, pin);
    } else if (c->have_peer_fp) {
        cli_format_fp(c->peer_fp, pin);
        snprintf(out, cap, "auth: %s key sha256:%.16s..., responder fingerprint pinned "
                 "(sha256:%.16s...)", cli_key_type_name(c->key.type), hex, pin);
    } else if (imprint != NULL && imprint->have) {
        cli_format_fp(imprint->fp, pin);
        snprintf(out, cap, "auth: %s key sha256:%.16s..., responder imprinted before "
                 "(sha256:%.16s..., %s)", cli_key_type_name(c->key.type), hex, pin,
                 imprint->path ? imprint->path : "memory");
    } else {
        snprintf(out, cap, "auth: %s key sha256:%.16s..., nothing pinned: imprinting the first "
                 "responder that authenticates (%s)", cli_key_type_name(c->key.type), hex,
                 imprint != NULL && imprint->path ? imprint->path : "memory");
    }
}

int cli_usage_error(char **argv, int opt, const char *cmd)
{
    char why[160], todo[100];
    const char *bad = optind > 0 ? argv[optind - 1] : "?";
    snprintf(todo, sizeof(todo), "see minike %s --help", cmd);
    if (opt == ':')
        snprintf(why, sizeof(why), "option '%.60s' needs a value", bad);
    else if (optopt != 0 && !strncmp(bad, "--", 2) && strchr(bad, '=') != NULL)
        snprintf(why, sizeof(why), "option '%.60s' takes no value", bad);
    else if (optopt != 0 && optopt < 256)
        snprintf(why, sizeof(why), "unknown option '-%c'", optopt);
    else if (!strncmp(bad, "--", 2))
        snprintf(why, sizeof(why), "unknown or ambiguous option '%.60s'", bad);
    else
        snprintf(why, sizeof(why), "unknown option '%.60s'", bad);
    return cli_fail(EX_USAGE, "command line", why, todo);
}

int cli_unexpected_arg(const char *arg, const char *todo)
{
    char why[160];
    snprintf(why, sizeof(why), "unexpected argument '%.60s'%s", arg,
             arg[0] != '-' ? "; every value belongs to an option, e.g. --peer ADDR" : "");
    return cli_fail(EX_USAGE, "command line", why, todo);
}
