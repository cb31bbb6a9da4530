/* SPDX-License-Identifier: MIT */
/*
 * Known-answer tests of esp: whole ESP packets that our seal must reproduce octet for octet and
 * our open must accept. vectors/esp/rfc7634-appA.txt is RFC 7634 Appendix A (ChaCha20-Poly1305,
 * seq 5, an IV that is not the sequence number: sealed through mk_esp_seal_iv);
 * vectors/esp/esp-python.txt was built by python `cryptography` (gen_esp.py) for GCM, CCM,
 * ChaCha20 with IV = sequence number (so mk_esp_seal itself must match) and CBC + HMAC.
 */
#include <criterion/criterion.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "minike_tools.h"
#include "esp.h"
#include "suite.h"
#include "vec.h"

#define assert_err(got, want)                                                                      \
    cr_assert_eq((got), (want), "got %s, want %s", mk_err_name(got), mk_err_name(want))

static const uint8_t *need_hex(const mk_vec_block *b, const char *key, size_t *len)
{
    const uint8_t *p = mk_vec_hex(b, key, len);
    cr_assert(p != NULL, "block at line %zu: no hex `%s`", b->line, key);
    return p;
}

static unsigned long need_num(const mk_vec_block *b, const char *key, int base)
{
    const char *s = mk_vec_str(b, key);
    cr_assert_not_null(s, "block at line %zu: no `%s`", b->line, key);
    return strtoul(s, NULL, base);
}

/* Open `pkt` on a receiver whose inbound keys are the sender's outbound ones. */
static void open_back(const mk_esp_sa *tx, const uint8_t *pkt, size_t n, const uint8_t *payload,
                      size_t plen, uint8_t want_nh, const char *name)
{
    mk_esp_sa rx = *tx;
    rx.spi_in = tx->spi_out;
    memcpy(rx.ek_in, tx->ek_out, sizeof rx.ek_in);
    memcpy(rx.ak_in, tx->ak_out, sizeof rx.ak_in);
    rx.replay_top = 0;
    rx.replay_bitmap = 0;
    uint8_t *copy = malloc(n);
    memcpy(copy, pkt, n);
    uint8_t nh;
    const uint8_t *in;
    size_t il;
    mk_err e = mk_esp_open(&rx, copy, n, &nh, &in, &il);
    cr_assert_eq(e, MK_E_OK, "%s: open: %s", name, mk_err_name(e));
    cr_assert_eq(nh, want_nh, "%s", name);
    cr_assert_eq(il, plen, "%s", name);
    cr_assert(plen == 0 || memcmp(in, payload, plen) == 0, "%s: inner differs", name);
    free(copy);
}

Test(esp_vectors, rfc7634_appendix_a)
{
    cr_assert(sodium_init() >= 0);
    char err[256];
    mk_vec_file *f = mk_vec_load("vectors/esp/rfc7634-appA.txt", err, sizeof err);
    cr_assert_not_null(f, "%s", err);
    cr_assert_str_eq(f->source, "RFC 7634 App. A");
    const mk_vec_block *b = mk_vec_find(f, "name", "rfc7634_appendix_a");
    cr_assert_not_null(b);
    size_t kl, sl, ivl, spil, seql, pl, ptl, ctl, tl, nhl;
    const uint8_t *key = need_hex(b, "key", &kl), *salt = need_hex(b, "salt", &sl);
    const uint8_t *iv = need_hex(b, "iv", &ivl), *spi = need_hex(b, "spi", &spil);
    const uint8_t *seq = need_hex(b, "seq", &seql), *payload = need_hex(b, "payload", &pl);
    const uint8_t *plaintext = need_hex(b, "plaintext", &ptl);
    const uint8_t *ct = need_hex(b, "ciphertext", &ctl), *tag = need_hex(b, "tag", &tl);
    const uint8_t *nh = need_hex(b, "next_header", &nhl);
    cr_assert(kl == 32 && sl == 4 && ivl == 8 && spil == 4 && seql == 4 && tl == 16);
    cr_assert_eq(pl, 84);
    cr_assert_eq(ptl, 88);
    cr_assert_eq(memcmp(plaintext, payload, pl), 0, "plaintext = payload | trailer");

    mk_esp_sa sa = {0};
    sa.suites = mk_suites_default();
    sa.encr = MK_ENCR_CHACHA20_POLY1305;
    sa.encr_bits = 0; /* RFC 7634 §3: no Key Length attribute */
    sa.integ = MK_INTEG_NONE;
    memcpy(sa.ek_out, key, 32);
    memcpy(sa.ek_out + 32, salt, 4);
    sa.ek_len = 36;
    sa.spi_out = (uint32_t)spi[0] << 24 | (uint32_t)spi[1] << 16 | spi[2] << 8 | spi[3];
    uint32_t s = (uint32_t)seq[0] << 24 | (uint32_t)seq[1] << 16 | seq[2] << 8 | seq[3];
    cr_assert_eq(s, 5);
    sa.seq_out = s - 1; /* the next packet carries seq 5 */

    uint8_t out[256];
    size_t n;
    assert_err(mk_esp_seal_iv(&sa, NULL, iv, nh[0], payload, pl, out, sizeof out, &n), MK_E_OK);
    cr_assert_eq(n, 8 + 8 + ctl + 16);
    cr_assert_eq(memcmp(out, spi, 4), 0, "SPI");
    cr_assert_eq(memcmp(out + 4, seq, 4), 0, "Seq");
    cr_assert_eq(memcmp(out + 8, iv, 8), 0, "IV");
    cr_assert_eq(memcmp(out + 16, ct, ctl), 0, "ciphertext differs from RFC 7634 App. A");
    cr_assert_eq(memcmp(out + 16 + ctl, tag, 16), 0, "tag differs from RFC 7634 App. A");
    cr_assert_eq(sa.seq_out, 5);
    open_back(&sa, out, n, payload, pl, nh[0], "rfc7634");
    mk_vec_free(f);
}

Test(esp_vectors, python_cryptography_packets)
{
    cr_assert(sodium_init() >= 0);
    char err[256];
    mk_vec_file *f = mk_vec_load("vectors/esp/esp-python.txt", err, sizeof err);
    cr_assert_not_null(f, "%s", err);
    const mk_suites *reg = mk_suites_default();
    size_t done = 0, skipped = 0;
    for (size_t i = 0; i < f->n; i++) {
        const mk_vec_block *b = &f->b[i];
        const char *name = mk_vec_str(b, "name");
        mk_esp_sa sa = {0};
        sa.suites = reg;
        sa.encr = (uint16_t)need_num(b, "encr", 10);
        sa.encr_bits = (uint16_t)need_num(b, "encr_bits", 10);
        sa.integ = (uint16_t)need_num(b, "integ", 10);
        if (mk_suite_encr(reg, sa.encr, sa.encr_bits) == NULL) {
            skipped++; /* not registered in this build: nothing to check */
            continue;
        }
        size_t ekl, akl, ivl, pl, pktl, nhl;
        const uint8_t *ek = need_hex(b, "ek", &ekl), *ak = need_hex(b, "ak", &akl);
        const uint8_t *iv = need_hex(b, "iv", &ivl), *payload = need_hex(b, "payload", &pl);
        const uint8_t *pkt = need_hex(b, "packet", &pktl);
        const uint8_t *nh = need_hex(b, "next_header", &nhl);
        memcpy(sa.ek_out, ek, ekl);
        sa.ek_len = (uint8_t)ekl;
        memcpy(sa.ak_out, ak, akl);
        sa.ak_len = (uint8_t)akl;
        sa.spi_out = (uint32_t)need_num(b, "spi", 16);
        uint32_t seq = (uint32_t)need_num(b, "seq", 16);

        uint8_t out[512];
        size_t n;
        sa.seq_out = seq - 1;
        mk_err e = mk_esp_seal_iv(&sa, NULL, iv, nh[0], payload, pl, out, sizeof out, &n);
        cr_assert_eq(e, MK_E_OK, "%s: %s", name, mk_err_name(e));
        cr_assert_eq(n, pktl, "%s: length", name);
        cr_assert_eq(memcmp(out, pkt, n), 0, "%s: packet differs (explicit IV)", name);
        if (need_num(b, "seq_iv", 10) == 1) {
            /* The real entry point: the IV must be the 64-bit sequence number. */
            sa.seq_out = seq - 1;
            assert_err(mk_esp_seal(&sa, NULL, nh[0], payload, pl, out, sizeof out, &n), MK_E_OK);
            cr_assert_eq(n, pktl, "%s: length", name);
            cr_assert_eq(memcmp(out, pkt, n), 0, "%s: packet differs (mk_esp_seal)", name);
        }
        open_back(&sa, pkt, pktl, payload, pl, nh[0], name);
        done++;
    }
    cr_assert_geq(done, 5, "only %zu vectors ran (%zu not registered)", done, skipped);
    mk_vec_free(f);
}
