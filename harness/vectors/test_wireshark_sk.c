/* SPDX-License-Identifier: MIT */
/*
 * The eight Wireshark 4.0.17 IKEv2 decryption captures (read from ../shared/reference/
 * wireshark-ikev2/, never copied here; skipped with a message when absent). For each capture
 * whose algorithms minike has (vectors/ikev2/wireshark-captures.txt says which): every datagram
 * parses, every SK payload opens with the published SK_e and SK_a keys (ICV or tag verified by
 * mk_sk_open), every inner payload decodes with the codec, and the AUTH values Wireshark's own
 * test expects are found; a flipped bit in any SK message gives ICV_MISMATCH. AES-CTR (no class)
 * gets its HMAC-SHA2-512-256 ICVs verified only; 3DES/HMAC-SHA1-160 is skipped.
 */
#include <criterion/criterion.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "minike_tools.h"
#include "pcapread.h"
#include "msg_sa.h"
#include "msg_tools.h"
#include "sk.h"
#include "suite_all.h"
#include "vec.h"

static void init(void)
{
    cr_assert(sodium_init() >= 0);
}
TestSuite(wireshark, .init = init);

/* One row of ikev2_decryption_table: SPIi,SPIr,SK_ei,SK_er,"encr",SK_ai,SK_ar,"integ" */
typedef struct row {
    uint8_t ei[64], er[64], ai[64], ar[64];
    size_t ei_len, er_len, ai_len, ar_len;
} row;

static bool field_hex(const char *s, size_t n, uint8_t *out, size_t *len)
{
    char buf[256];
    if (n >= sizeof buf)
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    size_t r = mk_hex_decode(buf, out, 64);
    if (r == (size_t)-1)
        return false;
    *len = r;
    return true;
}

static bool table_row(const char *path, const char *spi_i, row *out)
{
    FILE *fp = fopen(path, "r");
    char line[1024];
    bool found = false;
    cr_assert_not_null(fp, "%s", path);
    while (!found && fgets(line, sizeof line, fp)) {
        if (line[0] == '#' || strncmp(line, spi_i, 16) != 0)
            continue;
        const char *f[8];
        size_t fl[8], n = 0;
        const char *p = line;
        while (n < 8) {
            const char *c = strpbrk(p, ",\r\n");
            size_t l = c ? (size_t)(c - p) : strlen(p);
            f[n] = p, fl[n] = l, n++;
            if (!c || *c != ',')
                break;
            p = c + 1;
        }
        cr_assert_eq(n, 8, "table row for %s has %zu fields", spi_i, n);
        cr_assert(field_hex(f[2], fl[2], out->ei, &out->ei_len));
        cr_assert(field_hex(f[3], fl[3], out->er, &out->er_len));
        cr_assert(field_hex(f[5], fl[5], out->ai, &out->ai_len));
        cr_assert(field_hex(f[6], fl[6], out->ar, &out->ar_len));
        found = true;
    }
    fclose(fp);
    return found;
}

static unsigned num(const mk_vec_block *b, const char *key)
{
    const char *s = mk_vec_str(b, key);
    cr_assert_not_null(s, "key %s", key);
    return (unsigned)strtoul(s, NULL, 10);
}

static const uint8_t *hex(const mk_vec_block *b, const char *key, size_t want)
{
    size_t n;
    const uint8_t *p = mk_vec_hex(b, key, &n);
    cr_assert_not_null(p, "key %s", key);
    cr_assert_eq(n, want, "key %s", key);
    return p;
}

/* Decode every inner payload with the codec; remember the AUTH data. */
static void decode_inner(const char *cap, size_t frame, const mk_chain *ch, const uint8_t **auth,
                         size_t *auth_len)
{
    for (size_t i = 0; i < ch->n; i++) {
        const mk_pl *p = &ch->pl[i];
        mk_err e = MK_E_OK;
        switch (p->type) {
        case MK_PT_IDI:
        case MK_PT_IDR: {
            mk_idv id;
            e = mk_pl_decode_id(&id, p->body, p->len);
            if (e == MK_E_OK)
                cr_assert_eq(id.type, MK_ID_IPV4_ADDR, "%s frame %zu: ID type", cap, frame);
            break;
        }
        case MK_PT_AUTH: {
            mk_authv a;
            e = mk_pl_decode_auth(&a, p->body, p->len);
            if (e == MK_E_OK) {
                cr_assert_eq(a.method, MK_AUTH_PSK, "%s frame %zu", cap, frame);
                *auth = a.data;
                *auth_len = a.len;
            }
            break;
        }
        case MK_PT_SA: {
            static mk_sa sa;
            e = mk_pl_decode_sa(&sa, p->body, p->len);
            break;
        }
        case MK_PT_TSI:
        case MK_PT_TSR: {
            mk_tsl l;
            e = mk_pl_decode_ts(&l, p->body, p->len);
            break;
        }
        case MK_PT_NOTIFY: {
            mk_notify n;
            e = mk_pl_decode_notify(&n, p->body, p->len);
            break;
        }
        case MK_PT_DELETE: {
            mk_deletev d;
            e = mk_pl_decode_delete(&d, p->body, p->len);
            break;
        }
        default:
            break;
        }
        cr_assert_eq(e, MK_E_OK, "%s frame %zu: inner payload %u (#%zu) does not decode: %s", cap,
                     frame, p->type, i, mk_err_name(e));
    }
}

static void run(const char *name)
{
    char err[512], path[1024], table[1024];
    mk_vec_file *f = mk_vec_load("vectors/ikev2/wireshark-captures.txt", err, sizeof err);
    cr_assert_not_null(f, "%s", err);
    const mk_vec_block *b = mk_vec_find(f, "name", name);
    cr_assert_not_null(b, "%s", name);
    const char *mode = mk_vec_str(b, "mode");
    if (strcmp(mode, "skip") == 0) {
        cr_skip_test("%s: %s", name, mk_vec_str(b, "skip"));
    }
    char rel[256];
    snprintf(rel, sizeof rel, "wireshark-ikev2/%s", mk_vec_str(b, "file"));
    if (!mk_ref_path(rel, path, sizeof path) ||
        !mk_ref_path("wireshark-ikev2/ikev2_decryption_table.tmpl", table, sizeof table)) {
        cr_skip_test("%s: ../shared/reference/wireshark-ikev2 absent (captures are not part "
                     "of the repository)",
                     name);
    }
    row r;
    cr_assert(table_row(table, mk_vec_str(b, "spi_i"), &r), "%s: no key table row", name);
    mk_pcap_list pk;
    cr_assert(mk_pcap_read_udp(path, &pk, err, sizeof err), "%s", err);
    cr_assert_geq(pk.n, 4, "%s: %zu datagrams", name, pk.n);

    const mk_suites *s = mk_suites_default();
    const uint8_t *auth3 = hex(b, "auth_f3", 32), *auth4 = hex(b, "auth_f4", 32);
    const char *quirk = mk_vec_str(b, "quirk");
    size_t n_sk = 0;
    bool seen3 = false, seen4 = false;

    /* With AES-NI the registry serves libsodium's AES-GCM-16-256; check mbedTLS's as well. */
    const mk_encr_class *encrs[2] = {NULL, NULL};
    const mk_integ_class *integ = NULL;
    bool full = strcmp(mode, "full") == 0;
    if (full) {
        encrs[0] = mk_suite_encr(s, (uint16_t)num(b, "encr"), (uint16_t)num(b, "encr_bits"));
        cr_assert_not_null(encrs[0], "%s: no class", name);
        if (encrs[0] == &mk_encr_aes_gcm16_256_sodium)
            encrs[1] = &mk_encr_aes_gcm16_256;
    }
    if (num(b, "integ") != 0) {
        integ = mk_suite_integ(s, (uint16_t)num(b, "integ"));
        cr_assert_not_null(integ, "%s: no INTEG class", name);
        cr_assert_eq(r.ai_len, integ->key_len);
    }
    uint8_t ei[64], er[64];
    memcpy(ei, r.ei, r.ei_len);
    memcpy(er, r.er, r.er_len);
    if (quirk && strcmp(quirk, "ccm_key_from_ctr_row") == 0) {
        /* Row = CCM key (16) | 0x03 (CCM flags octet) | CCM salt (3): drop octet 16. */
        cr_assert_eq(r.ei_len, 20);
        cr_assert_eq(r.ei[16], 0x03);
        memmove(ei + 16, r.ei + 17, 3);
        memmove(er + 16, r.er + 17, 3);
    } else if (full) {
        cr_assert_eq(r.ei_len, encrs[0]->key_len, "%s: SK_ei length", name);
    }

    for (size_t i = 0; i < pk.n; i++) {
        const mk_pcap_udp *u = &pk.pkt[i];
        mk_msg m;
        mk_err e = mk_msg_parse(&m, u->data, u->len);
        cr_assert_eq(e, MK_E_OK, "%s frame %zu: %s", name, u->frame, mk_err_name(e));
        if (!m.has_sk)
            continue;
        n_sk++;
        bool from_i = (m.hdr.flags & MK_HDR_F_INITIATOR) != 0;
        if (!full) {
            /* ICV only (RFC 7296 §3.14: header .. end of ciphertext) with our INTEG class */
            uint8_t icv[64];
            mk_iov span = {u->data, u->len - integ->icv_len};
            integ->mac(from_i ? r.ai : r.ar, &span, 1, icv);
            cr_assert(mk_ct_eq(icv, u->data + u->len - integ->icv_len, integ->icv_len),
                      "%s frame %zu: ICV", name, u->frame);
            continue;
        }
        for (int c = 0; c < 2 && encrs[c] != NULL; c++) {
            mk_sk_keys k = {encrs[c], integ, from_i ? ei : er, from_i ? r.ai : r.ar};
            uint8_t plain[MK_MAX_MSG];
            mk_chain ch;
            const uint8_t *auth = NULL;
            size_t auth_len = 0;
            e = mk_sk_open(&m, &k, plain, sizeof plain, &ch);
            cr_assert_eq(e, MK_E_OK, "%s frame %zu (%s): %s", name, u->frame, encrs[c]->name,
                         mk_err_name(e));
            decode_inner(name, u->frame, &ch, &auth, &auth_len);
            if (u->frame == 3 || u->frame == 4) {
                cr_assert_not_null(auth, "%s frame %zu: no AUTH payload", name, u->frame);
                cr_assert_eq(auth_len, 32);
                cr_assert_arr_eq(auth, u->frame == 3 ? auth3 : auth4, 32, "%s frame %zu AUTH", name,
                                 u->frame);
                if (u->frame == 3)
                    seen3 = true;
                else
                    seen4 = true;
            }
            /* tampering: Message ID octet (AAD/ICV span), first IV octet, last ICV octet */
            const size_t where[] = {23, m.sk_hdr_off + 4, u->len - 1};
            for (size_t w = 0; w < 3; w++) {
                uint8_t t[MK_MAX_MSG];
                mk_msg tm;
                memcpy(t, u->data, u->len);
                t[where[w]] ^= 0x01;
                cr_assert_eq(mk_msg_parse(&tm, t, u->len), MK_E_OK);
                cr_assert_eq(mk_sk_open(&tm, &k, plain, sizeof plain, &ch), MK_E_ICV_MISMATCH,
                             "%s frame %zu tamper %zu", name, u->frame, where[w]);
            }
        }
    }
    cr_assert_eq(n_sk, num(b, "sk_messages"), "%s: SK datagrams", name);
    if (full) {
        cr_assert(seen3 && seen4, "%s: both AUTH values found", name);
    }
    if (!full)
        cr_log_info("%s: %s", name, mk_vec_str(b, "skip"));
    mk_pcap_list_free(&pk);
    mk_vec_free(f);
}

Test(wireshark, sha1_160_3des)
{
    run("3des-sha1_160");
}
Test(wireshark, aes128ccm12)
{
    run("aes128ccm12");
}
Test(wireshark, aes128ccm12_2)
{
    run("aes128ccm12-2");
}
Test(wireshark, aes192ctr_icv_only)
{
    run("aes192ctr");
}
Test(wireshark, aes256cbc)
{
    run("aes256cbc");
}
Test(wireshark, aes256ccm16)
{
    run("aes256ccm16");
}
Test(wireshark, aes256gcm16)
{
    run("aes256gcm16");
}
Test(wireshark, aes256gcm8)
{
    run("aes256gcm8");
}
