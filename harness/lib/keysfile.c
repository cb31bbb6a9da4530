/* SPDX-License-Identifier: MIT */
/*
 * keysfile: writes Wireshark 4.0 UAT decryption tables (ikev2_decryption_table, esp_sa) and a
 * preferences file, in the formats checked against tshark 4.0.17 (strongswan-lab NOTES §7).
 * Rows are kept in memory (wiped when freed) and the files are written at close under a
 * temporary name, then renamed over the old file; through a symbolic link its target is
 * replaced, and a directory, device, FIFO or socket in the way is refused (mk_pcapw_target).
 * It must never write anything but what the user asked for.
 */
#define _POSIX_C_SOURCE 200809L

#include "keysfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mk_io.h"
#include "pcapw.h"

typedef struct buf {
    char *p;
    size_t len, cap;
} buf;

struct mk_keysw {
    char *dir;
    buf ike, esp;
    buf all;              /* keys.txt: every key of the run, whatever Wireshark can decrypt */
    uint8_t seen[32][16]; /* SPI pairs already written */
    size_t n_seen;
};

static bool buf_add(buf *b, const char *s)
{
    size_t n = strlen(s);
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->cap + n + 1) * 2;
        char *p = malloc(cap);
        if (p == NULL)
            return false;
        if (b->p != NULL) {
            memcpy(p, b->p, b->len);
            mk_wipe(b->p, b->cap);
            free(b->p);
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n + 1);
    b->len += n;
    return true;
}

static void buf_free(buf *b)
{
    if (b->p != NULL) {
        mk_wipe(b->p, b->cap);
        free(b->p);
    }
    memset(b, 0, sizeof(*b));
}

static void hex(char *out, const uint8_t *p, size_t n)
{
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = d[p[i] >> 4];
        out[2 * i + 1] = d[p[i] & 15];
    }
    out[2 * n] = '\0';
}

mk_keysw *mk_keysw_open(const char *dir)
{
    struct stat st;
    mk_keysw *k;

    if (stat(dir, &st) != 0) {
        if (mkdir(dir, 0700) != 0)
            return NULL;
    } else if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return NULL;
    }
    if (access(dir, W_OK) != 0)
        return NULL;
    k = calloc(1, sizeof(*k));
    if (k == NULL)
        return NULL;
    k->dir = strdup(dir);
    if (k->dir == NULL) {
        free(k);
        return NULL;
    }
    return k;
}

const char *mk_keysw_ike_encr_name(uint16_t encr, uint16_t bits)
{
    static const struct {
        uint16_t id, bits;
        const char *name;
    } t[] = {
        {MK_ENCR_AES_CBC, 128, "AES-CBC-128 [RFC3602]"},
        {MK_ENCR_AES_CBC, 192, "AES-CBC-192 [RFC3602]"},
        {MK_ENCR_AES_CBC, 256, "AES-CBC-256 [RFC3602]"},
        {MK_ENCR_AES_GCM_8, 128, "AES-GCM-128 with 8 octet ICV [RFC5282]"},
        {MK_ENCR_AES_GCM_8, 192, "AES-GCM-192 with 8 octet ICV [RFC5282]"},
        {MK_ENCR_AES_GCM_8, 256, "AES-GCM-256 with 8 octet ICV [RFC5282]"},
        {MK_ENCR_AES_GCM_12, 128, "AES-GCM-128 with 12 octet ICV [RFC5282]"},
        {MK_ENCR_AES_GCM_12, 192, "AES-GCM-192 with 12 octet ICV [RFC5282]"},
        {MK_ENCR_AES_GCM_12, 256, "AES-GCM-256 with 12 octet ICV [RFC5282]"},
        {MK_ENCR_AES_GCM_16, 128, "AES-GCM-128 with 16 octet ICV [RFC5282]"},
        {MK_ENCR_AES_GCM_16, 192, "AES-GCM-192 with 16 octet ICV [RFC5282]"},
        {MK_ENCR_AES_GCM_16, 256, "AES-GCM-256 with 16 octet ICV [RFC5282]"},
        {MK_ENCR_AES_CCM_8, 128, "AES-CCM-128 with 8 octet ICV [RFC5282]"},
        {MK_ENCR_AES_CCM_8, 192, "AES-CCM-192 with 8 octet ICV [RFC5282]"},
        {MK_ENCR_AES_CCM_8, 256, "AES-CCM-256 with 8 octet ICV [RFC5282]"},
        {MK_ENCR_AES_CCM_12, 128, "AES-CCM-128 with 12 octet ICV [RFC5282]"},
        {MK_ENCR_AES_CCM_12, 192, "AES-CCM-192 with 12 octet ICV [RFC5282]"},
        {MK_ENCR_AES_CCM_12, 256, "AES-CCM-256 with 12 octet ICV [RFC5282]"},
        {MK_ENCR_AES_CCM_16, 128, "AES-CCM-128 with 16 octet ICV [RFC5282]"},
        {MK_ENCR_AES_CCM_16, 192, "AES-CCM-192 with 16 octet ICV [RFC5282]"},
        {MK_ENCR_AES_CCM_16, 256, "AES-CCM-256 with 16 octet ICV [RFC5282]"},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        if (t[i].id == encr && t[i].bits == bits)
            return t[i].name;
    return NULL;
}

const char *mk_keysw_ike_integ_name(uint16_t integ)
{
    switch (integ) {
    case MK_INTEG_NONE:
        return "NONE [RFC4306]";
    case MK_INTEG_HMAC_SHA2_256_128:
        return "HMAC_SHA2_256_128 [RFC4868]";
    case 13:
        return "HMAC_SHA2_384_192 [RFC4868]";
    case MK_INTEG_HMAC_SHA2_512_256:
        return "HMAC_SHA2_512_256 [RFC4868]";
    }
    return NULL;
}

const char *mk_keysw_esp_encr_name(uint16_t encr)
{
    switch (encr) {
    case MK_ENCR_AES_CBC:
        return "AES-CBC [RFC3602]";
    case MK_ENCR_AES_GCM_8:
        return "AES-GCM with 8 octet ICV [RFC4106]";
    case MK_ENCR_AES_GCM_12:
        return "AES-GCM with 12 octet ICV [RFC4106]";
    case MK_ENCR_AES_GCM_16:
        return "AES-GCM with 16 octet ICV [RFC4106]";
    }
    return NULL; /* Wireshark 4.0 ESP has no AES-CCM and no ChaCha20-Poly1305 */
}

const char *mk_keysw_esp_auth_name(uint16_t integ)
{
    switch (integ) {
    case MK_INTEG_NONE:
        return "NULL";
    case MK_INTEG_HMAC_SHA2_256_128:
        return "HMAC-SHA-256-128 [RFC4868]";
    case 13:
        return "HMAC-SHA-384-192 [RFC4868]";
    case MK_INTEG_HMAC_SHA2_512_256:
        return "HMAC-SHA-512-256 [RFC4868]";
    }
    return NULL;
}

/* keys.txt lines: SK_d/SK_pi/SK_pr as `name = hex` (when still known) and the 8-field row with
 * IANA numbers for names, for comparison with strongSwan's key log or the Perl initiator. */
static bool named_line(mk_keysw *k, const char *name, const uint8_t *v, size_t n)
{
    char line[2 * MK_MAX_PRF_OUT + 32], h[2 * MK_MAX_PRF_OUT + 1];
    bool ok;
    hex(h, v, n);
    snprintf(line, sizeof(line), "%s = %s\n", name, h);
    ok = buf_add(&k->all, line);
    mk_wipe(h, sizeof(h));
    mk_wipe(line, sizeof(line));
    return ok;
}

static bool all_ike(mk_keysw *k, const mk_ike_keys *keys, const char *spii, const char *spir)
{
    char ei[2 * MK_MAX_ENCR_KEY + 1], er[2 * MK_MAX_ENCR_KEY + 1];
    char ai[2 * MK_MAX_INTEG_KEY + 1], ar[2 * MK_MAX_INTEG_KEY + 1];
    char row[2 * (2 * MK_MAX_ENCR_KEY + 2 * MK_MAX_INTEG_KEY) + 256];
    bool ok = true;
    if (keys->prf_len != 0)
        ok = named_line(k, "SK_d", keys->sk_d, keys->prf_len) &&
             named_line(k, "SK_pi", keys->sk_pi, keys->prf_len) &&
             named_line(k, "SK_pr", keys->sk_pr, keys->prf_len);
    hex(ei, keys->sk_ei, keys->encr_len);
    hex(er, keys->sk_er, keys->encr_len);
    hex(ai, keys->sk_ai, keys->integ_len);
    hex(ar, keys->sk_ar, keys->integ_len);
    snprintf(row, sizeof(row), "%s,%s,%s,%s,\"ENCR %u/%u\",%s,%s,\"INTEG %u\"\n", spii, spir, ei,
             er, (unsigned)keys->encr, (unsigned)keys->encr_bits, ai, ar, (unsigned)keys->integ);
    ok = ok && buf_add(&k->all, row);
    mk_wipe(ei, sizeof(ei));
    mk_wipe(er, sizeof(er));
    mk_wipe(ai, sizeof(ai));
    mk_wipe(ar, sizeof(ar));
    mk_wipe(row, sizeof(row));
    return ok;
}

bool mk_keysw_ike(mk_keysw *k, const mk_ike_keys *keys)
{
    char spii[17], spir[17], ei[2 * MK_MAX_ENCR_KEY + 1], er[2 * MK_MAX_ENCR_KEY + 1];
    char ai[2 * MK_MAX_INTEG_KEY + 1], ar[2 * MK_MAX_INTEG_KEY + 1];
    char row[2 * (2 * MK_MAX_ENCR_KEY + 2 * MK_MAX_INTEG_KEY) + 256];
    const char *en = mk_keysw_ike_encr_name(keys->encr, keys->encr_bits);
    const char *in = mk_keysw_ike_integ_name(keys->integ);
    bool ok;

    for (size_t i = 0; i < k->n_seen; i++)
        if (memcmp(k->seen[i], keys->spi_i, 8) == 0 && memcmp(k->seen[i] + 8, keys->spi_r, 8) == 0)
            return true;
    if (k->n_seen < sizeof(k->seen) / sizeof(k->seen[0])) {
        memcpy(k->seen[k->n_seen], keys->spi_i, 8);
        memcpy(k->seen[k->n_seen] + 8, keys->spi_r, 8);
        k->n_seen++;
    }
    hex(spii, keys->spi_i, 8);
    hex(spir, keys->spi_r, 8);
    if (!all_ike(k, keys, spii, spir))
        return false;
    if (en == NULL || in == NULL) {
        snprintf(row, sizeof(row),
                 "# %s,%s: IKE transform ENCR %u/%u INTEG %u not decryptable by Wireshark 4.0"
                 " (no ChaCha20-Poly1305)\n",
                 spii, spir, (unsigned)keys->encr, (unsigned)keys->encr_bits,
                 (unsigned)keys->integ);
        return buf_add(&k->ike, row) && false;
    }
    hex(ei, keys->sk_ei, keys->encr_len);
    hex(er, keys->sk_er, keys->encr_len);
    hex(ai, keys->sk_ai, keys->integ_len);
    hex(ar, keys->sk_ar, keys->integ_len);
    snprintf(row, sizeof(row), "%s,%s,%s,%s,\"%s\",%s,%s,\"%s\"\n", spii, spir, ei, er, en, ai, ar,
             in);
    ok = buf_add(&k->ike, row);
    mk_wipe(ei, sizeof(ei));
    mk_wipe(er, sizeof(er));
    mk_wipe(ai, sizeof(ai));
    mk_wipe(ar, sizeof(ar));
    mk_wipe(row, sizeof(row));
    return ok;
}

static bool esp_row(buf *out, const mk_addr *src, const mk_addr *dst, uint32_t spi, const char *en,
                    const uint8_t *ek, size_t ek_len, const char *an, const uint8_t *ak,
                    size_t ak_len)
{
    char s[64], d[64], e[2 * MK_MAX_ENCR_KEY + 1], a[2 * MK_MAX_INTEG_KEY + 1];
    char row[2 * (MK_MAX_ENCR_KEY + MK_MAX_INTEG_KEY) + 400];
    bool ok;
    mk_io_format_addr(src, false, s, sizeof(s));
    mk_io_format_addr(dst, false, d, sizeof(d));
    hex(e, ek, ek_len);
    hex(a, ak, ak_len);
    snprintf(row, sizeof(row), "\"%s\",\"%s\",\"%s\",\"0x%08x\",\"%s\",\"0x%s\",\"%s\",\"0x%s\"\n",
             src->family == 6 ? "IPv6" : "IPv4", s, d, (unsigned)spi, en, e, an, a);
    ok = buf_add(out, row);
    mk_wipe(e, sizeof(e));
    mk_wipe(a, sizeof(a));
    mk_wipe(row, sizeof(row));
    return ok;
}

bool mk_keysw_child(mk_keysw *k, const mk_esp_sa *sa, const mk_addr *local, const mk_addr *remote)
{
    const char *en = mk_keysw_esp_encr_name(sa->encr), *an = mk_keysw_esp_auth_name(sa->integ);
    char ien[32], ian[32];
    snprintf(ien, sizeof(ien), "ENCR %u/%u", (unsigned)sa->encr, (unsigned)sa->encr_bits);
    snprintf(ian, sizeof(ian), "INTEG %u", (unsigned)sa->integ);
    if (!esp_row(&k->all, local, remote, sa->spi_out, ien, sa->ek_out, sa->ek_len, ian, sa->ak_out,
                 sa->ak_len) ||
        !esp_row(&k->all, remote, local, sa->spi_in, ien, sa->ek_in, sa->ek_len, ian, sa->ak_in,
                 sa->ak_len))
        return false;
    if (en == NULL || an == NULL) {
        char row[200];
        snprintf(row, sizeof(row),
                 "# SPIs 0x%08x/0x%08x: ESP ENCR %u not decryptable by Wireshark 4.0 ESP "
                 "(no AES-CCM, no ChaCha20-Poly1305)\n",
                 (unsigned)sa->spi_out, (unsigned)sa->spi_in, (unsigned)sa->encr);
        return buf_add(&k->esp, row) && false;
    }
    return esp_row(&k->esp, local, remote, sa->spi_out, en, sa->ek_out, sa->ek_len, an, sa->ak_out,
                   sa->ak_len) &&
           esp_row(&k->esp, remote, local, sa->spi_in, en, sa->ek_in, sa->ek_len, an, sa->ak_in,
                   sa->ak_len);
}

static bool write_file(const char *dir, const char *name, const char *head, const buf *b)
{
    char path[4096], tmp[4200], *real, *again;
    FILE *f;
    bool ok;
    int e = 0;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    /* rename() replaces whatever node is there: only a regular file (or a link to one) may be */
    real = mk_pcapw_target(path);
    if (real == NULL)
        return false;
    snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", real, (long)getpid());
    f = fopen(tmp, "w");
    if (f == NULL) {
        free(real);
        return false;
    }
    (void)fchmod(fileno(f), 0600);
    ok = fputs(head, f) >= 0;
    if (ok && b != NULL && b->len > 0)
        ok = fwrite(b->p, 1, b->len, f) == b->len;
    ok = fclose(f) == 0 && ok;
    again = ok ? mk_pcapw_target(real) : NULL; /* still a regular file, or missing? */
    ok = again != NULL && strcmp(again, real) == 0;
    if (again != NULL && !ok)
        errno = EINVAL;
    free(again);
    if (ok)
        ok = rename(tmp, real) == 0;
    if (!ok) {
        e = errno;
        unlink(tmp);
        errno = e;
    }
    free(real);
    return ok;
}

bool mk_keysw_close(mk_keysw *k)
{
    bool ok;
    if (k == NULL)
        return true;
    ok = write_file(k->dir, "ikev2_decryption_table",
                    "# minike: IKE SA keys (SPIi,SPIr,SK_ei,SK_er,encr,SK_ai,SK_ar,integ)\n",
                    &k->ike);
    ok = write_file(k->dir, "esp_sa",
                    "# minike: ESP SA keys (proto,src,dst,SPI,encr,key,auth,key)\n", &k->esp) &&
         ok;
    ok = write_file(k->dir, "preferences",
                    "# minike: let tshark decrypt ESP with the esp_sa table\n"
                    "esp.enable_encryption_decode: TRUE\n"
                    "esp.enable_authentication_check: TRUE\n",
                    NULL) &&
         ok;
    ok = write_file(k->dir, "keys.txt",
                    "# minike: every key of this run (SECRET), Wireshark-decryptable or not:\n"
                    "# SK_d/SK_pi/SK_pr lines, IKE rows (SPIi,SPIr,SK_ei,SK_er,encr,SK_ai,SK_ar,"
                    "integ) and ESP rows (proto,src,dst,SPI,encr,key,auth,key), IANA numbers\n",
                    &k->all) &&
         ok;
    buf_free(&k->ike);
    buf_free(&k->esp);
    buf_free(&k->all);
    free(k->dir);
    mk_wipe(k, sizeof(*k));
    free(k);
    return ok;
}
