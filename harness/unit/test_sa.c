/* SPDX-License-Identifier: MIT */
/*
 * The SA payloads' extension point (ref/src/sa.h) for the one-suite config (ChaCha20-Poly1305,
 * PRF-HMAC-SHA2-256, X25519; ESP ChaCha20-Poly1305, no ESN). The same tests run in both
 * profiles: in `minimal` mk_sa_* is sa_one.c (the byte template), in `full` it is sa_list.c (the
 * generic codec), and every case also runs mk_sa_tmpl_check directly, so the two
 * implementations are held to the same octets and the same error names.
 * Expected octets: RFC 7296 §3.3.1 / §3.3.2 layouts, and the SAr1 / SAr2 of strongSwan 5.9.8 in
 * pcaps/interop/psk-x25519-chacha20 (frames 2 and 4), an independent implementation.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "initiator_int.h"
#include "minike_tools.h"
#include "sa.h"
#include "sa_tmpl.h"

/* pcaps/interop/psk-x25519-chacha20/psk-x25519-chacha20.pcap frame 2 (strongSwan 5.9.8,
 * IKE_SA_INIT response), SA payload body at UDP payload offset 32: Proposal 1, IKE, SPI Size
 * 0, 3 transforms: ENCR 28 (ChaCha20-Poly1305, no attribute), PRF 5, DH 31. Frame 1 (ours)
 * carries the same 32 octets as SAi1. */
static const uint8_t sar1_strongswan[] = {
    0x00, 0x00, 0x00, 0x20, 0x01, 0x01, 0x00, 0x03, 0x03, 0x00, 0x00, 0x08, 0x01, 0x00, 0x00, 0x1c,
    0x03, 0x00, 0x00, 0x08, 0x02, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x08, 0x04, 0x00, 0x00, 0x1f,
};

/* RFC 7296 §3.3.1 Proposal (Last 0, Length 28, Num 1, Protocol 3 = ESP, SPI Size 4, 2
 * transforms, SPI 0x0a0b0c0d) with §3.3.2 Transforms ENCR 28 and ESN 0 ("No ESN", §3.3.2). */
static const uint8_t sar2_rfc[] = {
    0x00, 0x00, 0x00, 0x1c, 0x01, 0x03, 0x04, 0x02, 0x0a, 0x0b, 0x0c, 0x0d, 0x03, 0x00,
    0x00, 0x08, 0x01, 0x00, 0x00, 0x1c, 0x00, 0x00, 0x00, 0x08, 0x05, 0x00, 0x00, 0x00,
};

/* The same capture, frame 4 (strongSwan's IKE_AUTH response): the SA payload body inside SK,
 * opened with python cryptography 38.0.4 (ChaCha20Poly1305, SK_er from psk-x25519-chacha20.keys,
 * AAD = IKE header + SK header, RFC 7634 §2): Proposal 1, ESP, SPI 0xded57198 (strongSwan's
 * inbound SPI), ENCR 28, ESN 0. */
static const uint8_t sar2_strongswan[] = {
    0x00, 0x00, 0x00, 0x1c, 0x01, 0x03, 0x04, 0x02, 0xde, 0xd5, 0x71, 0x98, 0x03, 0x00,
    0x00, 0x08, 0x01, 0x00, 0x00, 0x1c, 0x00, 0x00, 0x00, 0x08, 0x05, 0x00, 0x00, 0x00,
};

#define E(x) MK_E_##x

static mk_config one_suite(void)
{
    mk_config cfg;
    mk_config_defaults(&cfg);
    cfg.n_ike = cfg.n_esp = 1; /* the defaults' first suites are the minimal profile's */
    return cfg;
}

typedef struct {
    const char *what;
    uint8_t b[96];
    size_t n;
    mk_err want;
} sa_case;

#define B(...) {__VA_ARGS__}, sizeof((uint8_t[]){__VA_ARGS__})
/* transforms of the IKE proposal, 8 octets each (Last 3 = more, 0 = last) */
#define T_ENCR(l) l, 0, 0, 8, 1, 0, 0, 28
#define T_PRF(l) l, 0, 0, 8, 2, 0, 0, 5
#define T_DH(l) l, 0, 0, 8, 4, 0, 0, 31
#define T_ESN(l) l, 0, 0, 8, 5, 0, 0, 0

static const sa_case ike_cases[] = {
    {"strongSwan's answer", B(0, 0, 0, 32, 1, 1, 0, 3, T_ENCR(3), T_PRF(3), T_DH(0)), E(OK)},
    {"another transform order", B(0, 0, 0, 32, 1, 1, 0, 3, T_DH(3), T_ENCR(3), T_PRF(0)), E(OK)},
    {"two proposals",
     B(2, 0, 0, 32, 1, 1, 0, 3, T_ENCR(3), T_PRF(3), T_DH(0), /* */
       0, 0, 0, 32, 2, 1, 0, 3, T_ENCR(3), T_PRF(3), T_DH(0)),
     E(BAD_PROPOSAL)},
    {"proposal number 2 (not ours)", B(0, 0, 0, 32, 2, 1, 0, 3, T_ENCR(3), T_PRF(3), T_DH(0)),
     E(BAD_PROPOSAL)},
    {"proposal number 0", B(0, 0, 0, 32, 0, 1, 0, 3, T_ENCR(3), T_PRF(3), T_DH(0)), E(BAD_SYNTAX)},
    {"protocol ESP", B(0, 0, 0, 36, 1, 3, 4, 3, 1, 2, 3, 4, T_ENCR(3), T_PRF(3), T_DH(0)),
     E(BAD_PROPOSAL)},
    {"protocol 9", B(0, 0, 0, 32, 1, 9, 0, 3, T_ENCR(3), T_PRF(3), T_DH(0)), E(BAD_SYNTAX)},
    {"IKE SPI Size 8 (rekey)",
     B(0, 0, 0, 40, 1, 1, 8, 3, 1, 2, 3, 4, 5, 6, 7, 8, T_ENCR(3), T_PRF(3), T_DH(0)),
     E(BAD_PROPOSAL)},
    {"IKE SPI Size 4", B(0, 0, 0, 36, 1, 1, 4, 3, 1, 2, 3, 4, T_ENCR(3), T_PRF(3), T_DH(0)),
     E(BAD_SYNTAX)},
    {"missing DH", B(0, 0, 0, 24, 1, 1, 0, 2, T_ENCR(3), T_PRF(0)), E(BAD_PROPOSAL)},
    {"extra INTEG 12",
     B(0, 0, 0, 40, 1, 1, 0, 4, T_ENCR(3), T_PRF(3), 3, 0, 0, 8, 3, 0, 0, 12, T_DH(0)),
     E(BAD_PROPOSAL)},
    {"extra INTEG NONE",
     B(0, 0, 0, 40, 1, 1, 0, 4, T_ENCR(3), T_PRF(3), 3, 0, 0, 8, 3, 0, 0, 0, T_DH(0)),
     E(BAD_PROPOSAL)},
    {"extra ESN", B(0, 0, 0, 40, 1, 1, 0, 4, T_ENCR(3), T_PRF(3), T_DH(3), T_ESN(0)),
     E(BAD_PROPOSAL)},
    {"ENCR twice", B(0, 0, 0, 40, 1, 1, 0, 4, T_ENCR(3), T_ENCR(3), T_PRF(3), T_DH(0)),
     E(BAD_PROPOSAL)},
    {"ENCR instead of PRF", B(0, 0, 0, 32, 1, 1, 0, 3, T_ENCR(3), T_ENCR(3), T_DH(0)),
     E(BAD_PROPOSAL)},
    {"another ENCR (AES-GCM-16)",
     B(0, 0, 0, 32, 1, 1, 0, 3, 3, 0, 0, 8, 1, 0, 0, 20, T_PRF(3), T_DH(0)), E(BAD_PROPOSAL)},
    {"another DH (P-256)", B(0, 0, 0, 32, 1, 1, 0, 3, T_ENCR(3), T_PRF(3), 0, 0, 0, 8, 4, 0, 0, 19),
     E(BAD_PROPOSAL)},
    {"Key Length 256 on ChaCha20",
     B(0, 0, 0, 36, 1, 1, 0, 3, 3, 0, 0, 12, 1, 0, 0, 28, 0x80, 14, 1, 0, T_PRF(3), T_DH(0)),
     E(BAD_PROPOSAL)},
    {"Key Length on PRF",
     B(0, 0, 0, 36, 1, 1, 0, 3, T_ENCR(3), 3, 0, 0, 12, 2, 0, 0, 5, 0x80, 14, 1, 0, T_DH(0)),
     E(BAD_PROPOSAL)},
    {"TLV attribute",
     B(0, 0, 0, 36, 1, 1, 0, 3, 3, 0, 0, 12, 1, 0, 0, 28, 0x00, 14, 0, 0, T_PRF(3), T_DH(0)),
     E(BAD_SYNTAX)},
    {"TLV attribute, its length cut",
     B(0, 0, 0, 34, 1, 1, 0, 3, 3, 0, 0, 10, 1, 0, 0, 28, 0x00, 14, T_PRF(3), T_DH(0)),
     E(BAD_SYNTAX)},
    {"unknown attribute 15",
     B(0, 0, 0, 36, 1, 1, 0, 3, 3, 0, 0, 12, 1, 0, 0, 28, 0x80, 15, 1, 0, T_PRF(3), T_DH(0)),
     E(BAD_SYNTAX)},
    {"Key Length 0",
     B(0, 0, 0, 36, 1, 1, 0, 3, 3, 0, 0, 12, 1, 0, 0, 28, 0x80, 14, 0, 0, T_PRF(3), T_DH(0)),
     E(BAD_SYNTAX)},
    {"Key Length twice",
     B(0, 0, 0, 40, 1, 1, 0, 3, 3, 0, 0, 16, 1, 0, 0, 28, 0x80, 14, 1, 0, 0x80, 14, 1, 0, T_PRF(3),
       T_DH(0)),
     E(BAD_SYNTAX)},
    /* two faults in one substructure: the generic decoder's order decides the error name */
    {"unknown TV attribute, its value cut",
     B(0, 0, 0, 34, 1, 1, 0, 3, 3, 0, 0, 10, 1, 0, 0, 28, 0x80, 15, T_PRF(3), T_DH(0)),
     E(TRUNCATED)},
    {"transform Last wrong and length 7",
     B(0, 0, 0, 32, 1, 1, 0, 3, 0, 0, 0, 7, 1, 0, 0, 28, T_PRF(3), T_DH(0)), E(BAD_SYNTAX)},
    {"proposal length 7 and Last says more",
     B(2, 0, 0, 7, 1, 1, 0, 3, T_ENCR(3), T_PRF(3), T_DH(0)), E(BAD_LENGTH)},
    {"proposals numbered 2 and 3",
     B(2, 0, 0, 32, 2, 1, 0, 3, T_ENCR(3), T_PRF(3), T_DH(0), /* */
       0, 0, 0, 32, 3, 1, 0, 3, T_ENCR(3), T_PRF(3), T_DH(0)),
     E(BAD_SYNTAX)},
    {"our proposal, then a header cut short",
     B(2, 0, 0, 32, 1, 1, 0, 3, T_ENCR(3), T_PRF(3), T_DH(0), 0, 0, 0), E(TRUNCATED)},
    {"transform Last flag wrong", B(0, 0, 0, 32, 1, 1, 0, 3, T_ENCR(3), T_PRF(0), T_DH(0)),
     E(BAD_SYNTAX)},
    {"proposal Last says more", B(2, 0, 0, 32, 1, 1, 0, 3, T_ENCR(3), T_PRF(3), T_DH(0)),
     E(BAD_SYNTAX)},
    {"proposal length past the payload", B(0, 0, 0, 40, 1, 1, 0, 3, T_ENCR(3), T_PRF(3), T_DH(0)),
     E(TRUNCATED)},
    {"proposal length 7", B(0, 0, 0, 7, 1, 1, 0, 3, T_ENCR(3), T_PRF(3), T_DH(0)), E(BAD_LENGTH)},
    {"transform length 7", B(0, 0, 0, 32, 1, 1, 0, 3, 3, 0, 0, 7, 1, 0, 0, 28, T_PRF(3), T_DH(0)),
     E(BAD_LENGTH)},
    {"transform length past the proposal",
     B(0, 0, 0, 32, 1, 1, 0, 3, T_ENCR(3), T_PRF(3), 0, 0, 0, 12, 4, 0, 0, 31), E(TRUNCATED)},
    {"# of transforms 4, three there", B(0, 0, 0, 32, 1, 1, 0, 4, T_ENCR(3), T_PRF(3), T_DH(3)),
     E(TRUNCATED)},
    {"# of transforms 2, three there", B(0, 0, 0, 32, 1, 1, 0, 2, T_ENCR(3), T_PRF(0), T_DH(0)),
     E(BAD_LENGTH)},
    {"# of transforms 0", B(0, 0, 0, 8, 1, 1, 0, 0), E(BAD_SYNTAX)},
    {"# of transforms 33", B(0, 0, 0, 32, 1, 1, 0, 33, T_ENCR(3), T_PRF(3), T_DH(0)), E(TOO_MANY)},
    {"trailing octets in the proposal",
     B(0, 0, 0, 36, 1, 1, 0, 3, T_ENCR(3), T_PRF(3), T_DH(0), 0, 0, 0, 0), E(BAD_LENGTH)},
    {"trailing octets after the proposal",
     B(0, 0, 0, 32, 1, 1, 0, 3, T_ENCR(3), T_PRF(3), T_DH(0), 0, 0, 0, 0), E(BAD_SYNTAX)},
    {"header cut short", B(0, 0, 0), E(TRUNCATED)},
    {"empty", {0}, 0, E(BAD_SYNTAX)},
};

static const sa_case esp_cases[] = {
    {"RFC layout", B(0, 0, 0, 28, 1, 3, 4, 2, 10, 11, 12, 13, T_ENCR(3), T_ESN(0)), E(OK)},
    {"ESN first", B(0, 0, 0, 28, 1, 3, 4, 2, 10, 11, 12, 13, T_ESN(3), T_ENCR(0)), E(OK)},
    {"two proposals",
     B(2, 0, 0, 28, 1, 3, 4, 2, 10, 11, 12, 13, T_ENCR(3), T_ESN(0), /* */
       0, 0, 0, 28, 2, 3, 4, 2, 10, 11, 12, 13, T_ENCR(3), T_ESN(0)),
     E(BAD_PROPOSAL)},
    {"proposal number 2", B(0, 0, 0, 28, 2, 3, 4, 2, 10, 11, 12, 13, T_ENCR(3), T_ESN(0)),
     E(BAD_PROPOSAL)},
    {"protocol AH", B(0, 0, 0, 28, 1, 2, 4, 2, 10, 11, 12, 13, T_ENCR(3), T_ESN(0)),
     E(BAD_PROPOSAL)},
    {"protocol IKE", B(0, 0, 0, 24, 1, 1, 0, 2, T_ENCR(3), T_ESN(0)), E(BAD_PROPOSAL)},
    {"ESP SPI Size 0", B(0, 0, 0, 24, 1, 3, 0, 2, T_ENCR(3), T_ESN(0)), E(BAD_SYNTAX)},
    {"ESN 1 (not offered)",
     B(0, 0, 0, 28, 1, 3, 4, 2, 10, 11, 12, 13, T_ENCR(3), 0, 0, 0, 8, 5, 0, 0, 1),
     E(BAD_PROPOSAL)},
    {"missing ESN", B(0, 0, 0, 20, 1, 3, 4, 1, 10, 11, 12, 13, T_ENCR(0)), E(BAD_PROPOSAL)},
    {"extra DH", B(0, 0, 0, 36, 1, 3, 4, 3, 10, 11, 12, 13, T_ENCR(3), T_DH(3), T_ESN(0)),
     E(BAD_PROPOSAL)},
    {"extra INTEG NONE",
     B(0, 0, 0, 36, 1, 3, 4, 3, 10, 11, 12, 13, T_ENCR(3), 3, 0, 0, 8, 3, 0, 0, 0, T_ESN(0)),
     E(BAD_PROPOSAL)},
    {"ESN twice", B(0, 0, 0, 36, 1, 3, 4, 3, 10, 11, 12, 13, T_ENCR(3), T_ESN(3), T_ESN(0)),
     E(BAD_PROPOSAL)},
    {"Key Length 256 on ChaCha20",
     B(0, 0, 0, 32, 1, 3, 4, 2, 10, 11, 12, 13, 3, 0, 0, 12, 1, 0, 0, 28, 0x80, 14, 1, 0, T_ESN(0)),
     E(BAD_PROPOSAL)},
    {"SPI cut short", B(0, 0, 0, 10, 1, 3, 4, 2, 10, 11), E(TRUNCATED)},
    {"SPI cut short and # of transforms 33", B(0, 0, 0, 10, 1, 3, 4, 33, 10, 11), E(TOO_MANY)},
    {"trailing octets after the proposal",
     B(0, 0, 0, 28, 1, 3, 4, 2, 10, 11, 12, 13, T_ENCR(3), T_ESN(0), 0), E(BAD_SYNTAX)},
};

static void check_ike(const sa_case *c)
{
    mk_config cfg = one_suite();
    mk_ike_suite sel = {0};
    mk_err got = mk_sa_take_ike(&cfg, c->b, c->n, &sel);
    cr_expect_eq(got, c->want, "SAr1 %s: %s, want %s", c->what, mk_err_name(got),
                 mk_err_name(c->want));
    /* the template checker gives the same answer in every profile */
    got = mk_sa_tmpl_check(mk_sa_tmpl_ike, c->b, c->n, NULL);
    cr_expect_eq(got, c->want, "template, SAr1 %s: %s", c->what, mk_err_name(got));
    if (c->want == MK_E_OK)
        cr_expect(memcmp(&sel, &cfg.ike[0], sizeof sel) == 0, "%s: the configured suite", c->what);
}

Test(sa, sar1_cases)
{
    for (size_t i = 0; i < sizeof ike_cases / sizeof ike_cases[0]; i++)
        check_ike(&ike_cases[i]);
}

Test(sa, sar2_cases)
{
    for (size_t i = 0; i < sizeof esp_cases / sizeof esp_cases[0]; i++) {
        const sa_case *c = &esp_cases[i];
        mk_config cfg = one_suite();
        mk_esp_suite sel = {0};
        uint32_t spi = 0;
        uint32_t s = 0;
        mk_err got = mk_sa_take_esp(&cfg, c->b, c->n, &sel, &spi);
        cr_expect_eq(got, c->want, "SAr2 %s: %s, want %s", c->what, mk_err_name(got),
                     mk_err_name(c->want));
        got = mk_sa_tmpl_check(mk_sa_tmpl_esp, c->b, c->n, &s);
        cr_expect_eq(got, c->want, "template, SAr2 %s: %s", c->what, mk_err_name(got));
        if (c->want == MK_E_OK) {
            cr_expect_eq(spi, 0x0a0b0c0du, "%s: the responder's inbound SPI", c->what);
            cr_expect_eq(s, 0x0a0b0c0du, "template, %s: the SPI", c->what);
            cr_expect(memcmp(&sel, &cfg.esp[0], sizeof sel) == 0, "%s", c->what);
        }
    }
}

Test(sa, strongswan_sar1_accepted)
{
    mk_config cfg = one_suite();
    mk_ike_suite sel;
    cr_assert_eq(mk_sa_take_ike(&cfg, sar1_strongswan, sizeof sar1_strongswan, &sel), MK_E_OK);
    cr_assert_eq(sel.encr, MK_ENCR_CHACHA20_POLY1305);
    cr_assert_eq(sel.prf, MK_PRF_HMAC_SHA2_256);
    cr_assert_eq(sel.dh, MK_DH_X25519);
    cr_assert_eq(sel.integ, MK_INTEG_NONE);
}

Test(sa, strongswan_sar2_accepted)
{
    mk_config cfg = one_suite();
    mk_esp_suite sel;
    uint32_t spi = 0;
    cr_assert_eq(mk_sa_take_esp(&cfg, sar2_strongswan, sizeof sar2_strongswan, &sel, &spi),
                 MK_E_OK);
    cr_assert_eq(spi, 0xded57198u);
    cr_assert_eq(sel.encr, MK_ENCR_CHACHA20_POLY1305);
    cr_assert_eq(sel.integ, MK_INTEG_NONE);
    /* and it is our SAi2 with strongSwan's SPI in place of ours */
    uint8_t buf[64];
    mk_wr w = mk_wr_init(buf, sizeof buf);
    mk_sa_write_esp(&w, &cfg, 0xded57198u);
    cr_assert(w.err == MK_E_OK && w.off == sizeof sar2_strongswan &&
              memcmp(buf, sar2_strongswan, w.off) == 0);
}

Test(sa, sai1_and_sai2_octets)
{
    mk_config cfg = one_suite();
    uint8_t buf[128];
    mk_wr w = mk_wr_init(buf, sizeof buf);
    mk_sa_write_ike(&w, &cfg);
    cr_assert_eq(w.err, MK_E_OK);
    cr_assert_eq(w.off, sizeof sar1_strongswan);
    cr_assert(memcmp(buf, sar1_strongswan, w.off) == 0, "SAi1 = the octets strongSwan echoed");
    w = mk_wr_init(buf, sizeof buf);
    mk_sa_write_esp(&w, &cfg, 0x0a0b0c0du);
    cr_assert_eq(w.err, MK_E_OK);
    cr_assert_eq(w.off, sizeof sar2_rfc);
    cr_assert(memcmp(buf, sar2_rfc, w.off) == 0, "SAi2 = the RFC 7296 §3.3.1 layout");
    /* the template writer alone, as sa_one.c uses it */
    w = mk_wr_init(buf, sizeof buf);
    mk_sa_tmpl_write(&w, mk_sa_tmpl_esp, 0x0a0b0c0du);
    cr_assert(w.err == MK_E_OK && w.off == sizeof sar2_rfc && memcmp(buf, sar2_rfc, w.off) == 0);
    /* a writer too small fails sticky instead of writing half a payload */
    w = mk_wr_init(buf, 20);
    mk_sa_write_ike(&w, &cfg);
    cr_assert_neq(w.err, MK_E_OK);
}

Test(sa, reserved_spis_refused)
{
    mk_config cfg = one_suite();
    mk_esp_suite sel;
    uint32_t spi = 7;
    uint8_t b[sizeof sar2_rfc];
    memcpy(b, sar2_rfc, sizeof b);
    memcpy(b + 8, (const uint8_t[]){0, 0, 0, 255}, 4);
    /* RFC 4303 §2.1: SPIs 1..255 are reserved (and 0 is never valid) */
    cr_assert_eq(mk_sa_take_esp(&cfg, b, sizeof b, &sel, &spi), MK_E_BAD_PROPOSAL);
    cr_assert_eq(spi, 7, "nothing written on error");
    memcpy(b + 8, (const uint8_t[]){0, 0, 1, 0}, 4);
    cr_assert_eq(mk_sa_take_esp(&cfg, b, sizeof b, &sel, &spi), MK_E_OK);
    cr_assert_eq(spi, 256);
}

static void zero_rng(void *ctx, uint8_t *out, size_t n)
{
    (void)ctx;
    memset(out, 0, n);
}

/* The minimal profile offers exactly the template's suite; anything else is BAD_CONFIG at
 * mk_init, never sent as something else. The full profile offers lists. */
Test(sa, config_one_suite_only)
{
    mk_config cfg = one_suite();
    cr_assert_eq(mk_sa_check_config(&cfg), MK_E_OK);
    cfg.ike[0].encr_bits = 0; /* "the cipher's own size" */
    cr_assert_eq(mk_sa_check_config(&cfg), MK_E_OK);
    mk_config two = one_suite();
    two.ike[1] = two.ike[0];
    two.n_ike = 2;
    mk_config aes = one_suite();
    aes.esp[0].encr = MK_ENCR_AES_GCM_16;
    mk_config bits = one_suite();
    bits.ike[0].encr_bits = 128;
    mk_err want = MK_SUITES_ALL ? MK_E_OK : MK_E_BAD_CONFIG;
    cr_assert_eq(mk_sa_check_config(&two), want);
    cr_assert_eq(mk_sa_check_config(&aes), want);
    cr_assert_eq(mk_sa_check_config(&bits), want);
    /* through mk_init, with a config that is otherwise fine */
    static mk_ike ike;
    static const uint8_t psk[32] = {1};
    mk_env env = {.rng = zero_rng};
    mk_config *cfgs[] = {&cfg, &two, &aes, &bits};
    for (size_t i = 0; i < 4; i++) {
        cfgs[i]->psk = psk;
        cfgs[i]->psk_len = sizeof psk;
        cfgs[i]->idi.len = 1;
        cfgs[i]->natt = false;
        /* 128-bit ChaCha20 exists in no profile: the registry refuses it in `full` */
        mk_err w = i == 0 ? MK_E_OK : i == 3 ? MK_E_BAD_CONFIG : want;
        cr_assert_eq(mk_init(&ike, cfgs[i], &env), w, "config %zu", i);
    }
}
