/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of esp (RFC 4303, RFC 9333 minimal ESP): seal/open round trips for every ESP
 * cipher in the default registry, tampering (ICV_MISMATCH with the SA unchanged but `dropped`),
 * padding and length checks, sequence-number exhaustion (RFC 4303 §3.3.3), and the 64-packet
 * replay window as a WireGuard-style numbered table. Known-answer packets are in
 * harness/vectors/test_esp_vectors.c.
 */
#include <criterion/criterion.h>
#include <sodium.h>
#include <string.h>

#include "minike_tools.h"
#include "esp.h"
#include "suite_all.h"

#define assert_err(got, want)                                                                      \
    cr_assert_eq((got), (want), "got %s, want %s", mk_err_name(got), mk_err_name(want))

/* A deterministic RNG that counts the bytes it hands out. */
typedef struct cnt_rng {
    uint8_t next;
    size_t calls;
} cnt_rng;

static void rng_count(void *ctx, uint8_t *out, size_t n)
{
    cnt_rng *c = ctx;
    c->calls++;
    for (size_t i = 0; i < n; i++)
        out[i] = c->next++;
}

/* A sender `tx` and the matching receiver `rx` for one cipher (and integ when not AEAD). */
static void make_pair(const mk_encr_class *e, const mk_integ_class *ig, mk_esp_sa *tx,
                      mk_esp_sa *rx)
{
    cr_assert(sodium_init() >= 0);
    memset(tx, 0, sizeof *tx);
    tx->suites = mk_suites_default();
    tx->encr = e->id;
    tx->encr_bits = e->needs_key_attr ? e->key_bits : 0;
    tx->integ = ig != NULL ? ig->id : MK_INTEG_NONE;
    tx->ek_len = (uint8_t)e->key_len;
    tx->ak_len = ig != NULL ? (uint8_t)ig->key_len : 0;
    for (size_t i = 0; i < sizeof tx->ek_out; i++) {
        tx->ek_out[i] = (uint8_t)(0x10 + i);
        tx->ek_in[i] = (uint8_t)(0x90 + i);
    }
    for (size_t i = 0; i < sizeof tx->ak_out; i++) {
        tx->ak_out[i] = (uint8_t)(0x40 + i);
        tx->ak_in[i] = (uint8_t)(0xc0 + i);
    }
    tx->spi_out = 0xc0ffee01;
    tx->spi_in = 0x0badf00d;
    *rx = *tx;
    memcpy(rx->ek_in, tx->ek_out, sizeof rx->ek_in);
    memcpy(rx->ek_out, tx->ek_in, sizeof rx->ek_out);
    memcpy(rx->ak_in, tx->ak_out, sizeof rx->ak_in);
    memcpy(rx->ak_out, tx->ak_in, sizeof rx->ak_out);
    rx->spi_in = tx->spi_out;
    rx->spi_out = tx->spi_in;
}

static const mk_suites *reg(void)
{
    cr_assert(sodium_init() >= 0);
    const mk_suites *s = mk_suites_default();
    cr_assert_not_null(s);
    cr_assert_not_null(s->encr);
    return s;
}

/* Everything but `dropped` must be bitwise identical. */
static void assert_same_but_dropped(const mk_esp_sa *before, const mk_esp_sa *after,
                                    uint32_t more_dropped, const char *what)
{
    mk_esp_sa b = *before;
    b.dropped += more_dropped;
    cr_assert_eq(memcmp(&b, after, sizeof b), 0, "%s: SA changed beyond `dropped`", what);
}

static const size_t lens[] = {0, 1, 2, 3, 4, 5, 14, 15, 16, 17, 31, 32, 100, 1400};

static void round_trip(const mk_encr_class *e, const mk_integ_class *ig)
{
    mk_esp_sa tx, rx;
    make_pair(e, ig, &tx, &rx);
    cnt_rng rc = {.next = 0x33};
    mk_env env = {.ctx = &rc, .rng = rng_count};
    static uint8_t payload[1500], pkt[1600];
    for (size_t i = 0; i < sizeof payload; i++)
        payload[i] = (uint8_t)(i * 7);
    size_t icv = e->aead ? e->icv_len : ig->icv_len;
    size_t align = e->aead ? 4 : e->block;
    for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
        size_t len = lens[k], n = 0;
        assert_err(mk_esp_seal(&tx, &env, 4, payload, len, pkt, sizeof pkt, &n), MK_E_OK);
        cr_assert_eq(tx.seq_out, k + 1);
        size_t ct = n - 8 - e->iv_len - icv;
        cr_assert_eq(ct % align, 0, "%s len %zu: ct %zu not aligned", e->name, len, ct);
        cr_assert(ct >= len + 2 && ct < len + 2 + align, "%s: minimal padding", e->name);
        cr_assert_eq((uint32_t)pkt[0] << 24 | (uint32_t)pkt[1] << 16 | pkt[2] << 8 | pkt[3],
                     tx.spi_out);
        cr_assert_eq(pkt[7], k + 1);
        if (e->aead) {
            /* RFC 4106 §3.1 / RFC 7634 §2: IV = 64-bit big-endian sequence number. */
            uint8_t want_iv[8] = {0, 0, 0, 0, 0, 0, 0, (uint8_t)(k + 1)};
            cr_assert_eq(memcmp(pkt + 8, want_iv, 8), 0, "%s: IV is not the seq", e->name);
        }
        uint8_t nh = 0;
        const uint8_t *inner = NULL;
        size_t inner_len = 0;
        mk_err r = mk_esp_open(&rx, pkt, n, &nh, &inner, &inner_len);
        cr_assert_eq(r, MK_E_OK, "%s len %zu: %s", e->name, len, mk_err_name(r));
        cr_assert_eq(nh, 4);
        cr_assert_eq(inner_len, len);
        cr_assert(len == 0 || memcmp(inner, payload, len) == 0);
        cr_assert_eq(inner, pkt + 8 + e->iv_len, "decrypted in place");
        cr_assert_eq(rx.replay_top, k + 1);
    }
    if (!e->aead)
        cr_assert_eq(rc.calls, sizeof lens / sizeof lens[0], "one RNG call per CBC IV");
    else
        cr_assert_eq(rc.calls, 0, "AEAD IVs never come from the RNG");
    cr_assert_eq(rx.dropped, 0);
}

Test(esp, round_trip_every_registered_cipher)
{
    const mk_suites *s = reg();
    size_t n = 0;
    bool chacha = false;
    for (size_t i = 0; s->encr[i] != NULL; i++) {
        const mk_encr_class *e = s->encr[i];
        if (e->aead) {
            round_trip(e, NULL);
            n++;
        } else {
            for (size_t j = 0; s->integ[j] != NULL; j++) {
                round_trip(e, s->integ[j]);
                n++;
            }
        }
        chacha |= e->id == MK_ENCR_CHACHA20_POLY1305;
    }
    cr_assert(chacha, "ChaCha20-Poly1305 must be registered");
    cr_assert_geq(n, 3);
}

Test(esp, seal_in_place)
{
    mk_esp_sa tx, rx;
    make_pair(&mk_encr_chacha20poly1305, NULL, &tx, &rx);
    uint8_t buf[128];
    memset(buf, 0xab, 20); /* payload at the very start of `out` */
    size_t n;
    assert_err(mk_esp_seal(&tx, NULL, 41, buf, 20, buf, sizeof buf, &n), MK_E_OK);
    uint8_t nh;
    const uint8_t *in;
    size_t il;
    assert_err(mk_esp_open(&rx, buf, n, &nh, &in, &il), MK_E_OK);
    cr_assert_eq(il, 20);
    for (size_t i = 0; i < 20; i++)
        cr_assert_eq(in[i], 0xab);
    cr_assert_eq(nh, 41);
}

/* Flip every octet of a sealed packet in turn: each must be dropped, the SA unchanged. */
static void tamper_all(const mk_encr_class *e, const mk_integ_class *ig)
{
    mk_esp_sa tx, rx;
    make_pair(e, ig, &tx, &rx);
    cnt_rng rc = {0};
    mk_env env = {.ctx = &rc, .rng = rng_count};
    uint8_t payload[37], pkt[256], copy[256];
    memset(payload, 0x5c, sizeof payload);
    size_t n;
    /* Accept one earlier packet first so the window holds state worth protecting. */
    uint8_t first[256];
    size_t fn;
    assert_err(mk_esp_seal(&tx, &env, 4, payload, 3, first, sizeof first, &fn), MK_E_OK);
    assert_err(mk_esp_seal(&tx, &env, 4, payload, sizeof payload, pkt, sizeof pkt, &n), MK_E_OK);
    uint8_t nh;
    const uint8_t *in;
    size_t il;
    assert_err(mk_esp_open(&rx, first, fn, &nh, &in, &il), MK_E_OK);
    uint32_t dropped = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(copy, pkt, n);
        copy[i] ^= 0x01;
        mk_esp_sa before = rx;
        mk_err r = mk_esp_open(&rx, copy, n, &nh, &in, &il);
        mk_err want = i < 4 ? MK_E_WRONG_SPI : MK_E_ICV_MISMATCH;
        if (i == 7) /* seq 2 -> 3: still new, so the ICV decides */
            want = MK_E_ICV_MISMATCH;
        cr_assert_eq(r, want, "%s: octet %zu: %s", e->name, i, mk_err_name(r));
        cr_assert_null(in);
        cr_assert_eq(il, 0);
        assert_same_but_dropped(&before, &rx, 1, e->name);
        dropped++;
    }
    cr_assert_eq(rx.dropped, dropped);
    /* The untouched packet still opens: nothing above moved the window. */
    memcpy(copy, pkt, n);
    assert_err(mk_esp_open(&rx, copy, n, &nh, &in, &il), MK_E_OK);
    cr_assert_eq(il, sizeof payload);
    /* ... exactly once. */
    memcpy(copy, pkt, n);
    mk_esp_sa before = rx;
    assert_err(mk_esp_open(&rx, copy, n, &nh, &in, &il), MK_E_REPLAY);
    assert_same_but_dropped(&before, &rx, 1, "replay");
}

Test(esp, tampering_is_dropped_and_changes_nothing)
{
    const mk_suites *s = reg();
    for (size_t i = 0; s->encr[i] != NULL; i++)
        tamper_all(s->encr[i], s->encr[i]->aead ? NULL : s->integ[0]);
}

Test(esp, short_and_misaligned_packets)
{
    mk_esp_sa tx, rx;
    make_pair(&mk_encr_chacha20poly1305, NULL, &tx, &rx);
    uint8_t pkt[128];
    size_t n;
    assert_err(mk_esp_seal(&tx, NULL, 4, (const uint8_t *)"abcd", 4, pkt, sizeof pkt, &n), MK_E_OK);
    cr_assert_eq(n, 8 + 8 + 8 + 16);
    uint8_t nh;
    const uint8_t *in;
    size_t il;
    mk_esp_sa before = rx;
    /* Shorter than header + IV + trailer + ICV (8 + 8 + 2 + 16 = 34). */
    for (size_t k = 0; k < 34; k++) {
        uint8_t *g = sodium_malloc(k == 0 ? 1 : k);
        memcpy(g, pkt, k);
        assert_err(mk_esp_open(&rx, g, k, &nh, &in, &il), MK_E_TRUNCATED);
        sodium_free(g);
    }
    /* 34..39 octets: the ciphertext is not a multiple of 4 (or the ICV fails). */
    for (size_t k = 34; k < n; k++) {
        mk_err r = mk_esp_open(&rx, pkt, k, &nh, &in, &il);
        cr_assert(r == MK_E_BAD_SYNTAX || r == MK_E_ICV_MISMATCH, "len %zu: %s", k, mk_err_name(r));
    }
    cr_assert_eq(rx.dropped, n);
    before.dropped = rx.dropped;
    cr_assert_eq(memcmp(&before, &rx, sizeof rx), 0);
}

/* Build a ChaCha20-Poly1305 ESP packet by hand (class seal, AAD = SPI | Seq, IV = seq), with an
 * arbitrary plaintext trailer: the ICV is valid, so only the padding checks can refuse it. */
static size_t forge(const mk_esp_sa *tx, uint32_t seq, const uint8_t *pt, size_t pt_len,
                    uint8_t *out)
{
    const mk_encr_class *c = &mk_encr_chacha20poly1305;
    uint32_t spi = tx->spi_out;
    uint8_t hdr[16] = {(uint8_t)(spi >> 24),
                       (uint8_t)(spi >> 16),
                       (uint8_t)(spi >> 8),
                       (uint8_t)spi,
                       (uint8_t)(seq >> 24),
                       (uint8_t)(seq >> 16),
                       (uint8_t)(seq >> 8),
                       (uint8_t)seq,
                       0,
                       0,
                       0,
                       0};
    memcpy(hdr + 12, hdr + 4, 4);
    memcpy(out, hdr, 16);
    memcpy(out + 16, pt, pt_len);
    assert_err(c->seal(tx->ek_out, out + 8, out, 8, out + 16, pt_len, out + 16 + pt_len), MK_E_OK);
    return 16 + pt_len + 16;
}

Test(esp, padding_is_checked_after_the_icv)
{
    mk_esp_sa tx, rx;
    make_pair(&mk_encr_chacha20poly1305, NULL, &tx, &rx);
    static const struct {
        uint8_t pt[8];
        size_t len;
        mk_err want;
        const char *why;
    } t[] = {
        /* 1 */ {{0xaa, 0xbb, 0x01, 0x02, 0x02, 0x04}, 6, MK_E_BAD_SYNTAX, "not 4-aligned"},
        /* 2 */
        {{0xaa, 0xbb, 0xcc, 0xdd, 0x02, 0x01, 0x02, 0x04}, 8, MK_E_BAD_SYNTAX, "padding 02 01"},
        /* 3 */
        {{0xaa, 0xbb, 0xcc, 0xdd, 0x01, 0x03, 0x02, 0x04}, 8, MK_E_BAD_SYNTAX, "padding 01 03"},
        /* 4 */
        {{0xaa, 0xbb, 0xcc, 0xdd, 0x00, 0x00, 0x07, 0x04},
         8,
         MK_E_BAD_SYNTAX,
         "pad length 7 > 6 available"},
        /* 5 */ {{0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00, 0x04}, 8, MK_E_OK, "no padding"},
        /* 6 */ {{0xaa, 0xbb, 0xcc, 0xdd, 0x01, 0x02, 0x02, 0x29}, 8, MK_E_OK, "01 02, IPv6"},
        /* 7 */ {{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x06, 0x04}, 8, MK_E_OK, "all padding"},
    };
    uint32_t seq = 1;
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++, seq++) {
        uint8_t pkt[64];
        size_t n = forge(&tx, seq, t[i].pt, t[i].len, pkt);
        mk_esp_sa before = rx;
        uint8_t nh;
        const uint8_t *in;
        size_t il;
        mk_err r = mk_esp_open(&rx, pkt, n, &nh, &in, &il);
        cr_expect_eq(r, t[i].want, "row %zu (%s): %s", i + 1, t[i].why, mk_err_name(r));
        if (t[i].want != MK_E_OK) {
            assert_same_but_dropped(&before, &rx, 1, t[i].why);
        } else {
            cr_expect_eq(rx.replay_top, seq);
            cr_expect_eq(nh, t[i].pt[7]);
            cr_expect_eq(il, 6u - t[i].pt[6]);
        }
    }
}

Test(esp, sequence_number_never_cycles)
{
    mk_esp_sa tx, rx;
    make_pair(&mk_encr_chacha20poly1305, NULL, &tx, &rx);
    uint8_t pkt[64];
    size_t n;
    tx.seq_out = UINT32_MAX - 1;
    assert_err(mk_esp_seal(&tx, NULL, 4, pkt, 0, pkt, sizeof pkt, &n), MK_E_OK);
    cr_assert_eq(tx.seq_out, UINT32_MAX);
    cr_assert_eq(memcmp(pkt + 4, "\xff\xff\xff\xff", 4), 0);
    /* RFC 4303 §3.3.3: the sender MUST NOT send a packet that would make the counter cycle. */
    mk_esp_sa before = tx;
    n = 99;
    assert_err(mk_esp_seal(&tx, NULL, 4, pkt, 0, pkt, sizeof pkt, &n), MK_E_BAD_STATE);
    cr_assert_eq(n, 0);
    cr_assert_eq(memcmp(&before, &tx, sizeof tx), 0);
    assert_err(mk_esp_seal_iv(&tx, NULL, pkt, 4, pkt, 0, pkt, sizeof pkt, &n), MK_E_BAD_STATE);

    /* CBC: no RNG draw when the state refuses. */
    mk_esp_sa ctx_, crx;
    make_pair(&mk_encr_aes_cbc_128, &mk_integ_hmac_sha2_256_128, &ctx_, &crx);
    cnt_rng rc = {0};
    mk_env env = {.ctx = &rc, .rng = rng_count};
    ctx_.seq_out = UINT32_MAX;
    assert_err(mk_esp_seal(&ctx_, &env, 4, pkt, 0, pkt, sizeof pkt, &n), MK_E_BAD_STATE);
    cr_assert_eq(rc.calls, 0);
}

Test(esp, buffer_too_small_changes_nothing)
{
    mk_esp_sa tx, rx;
    make_pair(&mk_encr_chacha20poly1305, NULL, &tx, &rx);
    uint8_t payload[10] = {0}, pkt[128];
    size_t n, need = 8 + 8 + 12 + 16;
    for (size_t cap = 0; cap < need; cap++) {
        assert_err(mk_esp_seal(&tx, NULL, 4, payload, 10, pkt, cap, &n), MK_E_BUF_TOO_SMALL);
        cr_assert_eq(tx.seq_out, 0);
    }
    assert_err(mk_esp_seal(&tx, NULL, 4, payload, 10, pkt, need, &n), MK_E_OK);
    cr_assert_eq(n, need);
    assert_err(mk_esp_seal(&tx, NULL, 4, payload, SIZE_MAX, pkt, sizeof pkt, &n),
               MK_E_BUF_TOO_SMALL);
}

Test(esp, config_errors_are_usage_not_drops)
{
    mk_esp_sa tx, rx;
    make_pair(&mk_encr_chacha20poly1305, NULL, &tx, &rx);
    uint8_t pkt[64];
    size_t n;
    tx.ek_len = 32; /* salt missing */
    assert_err(mk_esp_seal(&tx, NULL, 4, pkt, 0, pkt, sizeof pkt, &n), MK_E_BAD_CONFIG);
    tx.ek_len = 36;
    tx.encr = 999;
    assert_err(mk_esp_seal(&tx, NULL, 4, pkt, 0, pkt, sizeof pkt, &n), MK_E_BAD_CONFIG);
    uint8_t nh;
    const uint8_t *in;
    size_t il;
    rx.encr = 999;
    assert_err(mk_esp_open(&rx, pkt, sizeof pkt, &nh, &in, &il), MK_E_BAD_CONFIG);
    cr_assert_eq(rx.dropped, 0);
    /* CBC without an integrity transform, and CBC without an RNG. */
    make_pair(&mk_encr_aes_cbc_256, &mk_integ_hmac_sha2_256_128, &tx, &rx);
    assert_err(mk_esp_seal(&tx, NULL, 4, pkt, 0, pkt, sizeof pkt, &n), MK_E_BAD_CONFIG);
    tx.integ = MK_INTEG_NONE;
    mk_env env = {.rng = rng_count, .ctx = &(cnt_rng){0}};
    assert_err(mk_esp_seal(&tx, &env, 4, pkt, 0, pkt, sizeof pkt, &n), MK_E_BAD_CONFIG);
}

/* ESP looks its classes up in the SA's own registry (the one the IKE SA was negotiated from),
 * never in mk_suites_default(): a cipher the default registers but the SA's registry does not
 * is refused, and an SA without a registry is a usage error. Both ways, nothing is dropped. */
Test(esp, classes_come_from_the_sa_registry)
{
    static const mk_prf_class *const prfs[] = {&mk_prf_hmac_sha2_256, NULL};
    static const mk_integ_class *const integs[] = {NULL};
    static const mk_encr_class *const chacha_only[] = {&mk_encr_chacha20poly1305, NULL};
    static const mk_dh_class *const dhs[] = {&mk_dh_x25519, NULL};
    static const mk_suites one = {prfs, integs, chacha_only, dhs};
    static const mk_encr_class *const none[] = {NULL};
    static const mk_suites empty = {prfs, integs, none, dhs};
    mk_esp_sa tx, rx;
    uint8_t pkt[128], payload[8] = {0};
    size_t n;
    make_pair(&mk_encr_chacha20poly1305, NULL, &tx, &rx);
    tx.suites = rx.suites = &one;
    cr_assert_eq(mk_esp_seal(&tx, NULL, 4, payload, sizeof payload, pkt, sizeof pkt, &n), MK_E_OK);
    uint8_t nh;
    const uint8_t *in;
    size_t il;
    cr_assert_eq(mk_esp_open(&rx, pkt, n, &nh, &in, &il), MK_E_OK);
    rx.suites = &empty; /* the default registry has ChaCha20-Poly1305; this one does not */
    assert_err(mk_esp_open(&rx, pkt, n, &nh, &in, &il), MK_E_BAD_CONFIG);
    tx.suites = NULL;
    assert_err(mk_esp_seal(&tx, NULL, 4, payload, sizeof payload, pkt, sizeof pkt, &n),
               MK_E_BAD_CONFIG);
    cr_assert_eq(rx.dropped, 0);
    cr_assert_eq(tx.seq_out, 1);
}

Test(esp, wipe)
{
    mk_esp_sa tx, rx;
    make_pair(&mk_encr_chacha20poly1305, NULL, &tx, &rx);
    mk_esp_wipe(&tx);
    static const mk_esp_sa zero;
    cr_assert_eq(memcmp(&tx, &zero, sizeof tx), 0);
}

/* ---- the replay window: a numbered table (WireGuard style) ------------------------------------
 */

/* Each row sends one packet with sequence number `seq` to the same receiver, in order.
 * ok: accepted; !ok: REPLAY. Bad rows carry a broken ICV: ICV_MISMATCH and no window change. */
typedef struct {
    uint32_t seq;
    bool ok;
    bool bad_icv;
} replay_row;

#define T(s, v)                                                                                    \
    {                                                                                              \
        (s), (v), false                                                                            \
    }
#define BAD(s)                                                                                     \
    {                                                                                              \
        (s), false, true                                                                           \
    }

Test(esp, replay_window_table)
{
    static const replay_row rows[] = {
        /* 1 */ T(0, false), /* RFC 4303 §3.3.2: the first packet is 1 */
        /* 2 */ T(1, true),
        /* 3 */ T(1, false), /* duplicate */
        /* 4 */ T(3, true),  /* 2 skipped */
        /* 5 */ T(2, true),  /* late, inside the window */
        /* 6 */ T(2, false),
        /* 7 */ T(64, true),  /* top 64: window is 1..64 */
        /* 8 */ T(1, false),  /* left edge, already seen */
        /* 9 */ T(4, true),   /* never seen, top - 60 */
        /* 10 */ T(65, true), /* window slides to 2..65 */
        /* 11 */ T(1, false), /* just left of the window */
        /* 12 */ T(2, false), /* left edge, seen in row 5 */
        /* 13 */ T(5, true),
        /* 14 */ T(63, true),
        /* 15 */ T(63, false),
        /* 16 */ T(200, true),  /* jump past the whole window: bitmap restarts */
        /* 17 */ T(137, true),  /* left edge (200 - 63), unseen */
        /* 18 */ T(136, false), /* 200 - 64: too old */
        /* 19 */ T(137, false),
        /* 20 */ T(199, true),
        /* 21 */ T(200, false),
        /* 22 */ BAD(300),     /* forged: ICV fails ... */
        /* 23 */ T(140, true), /* ... so the window did not move to 237..300 */
        /* 24 */ T(300, true), /* the genuine 300 still gets in */
        /* 25 */ T(300, false),
        /* 26 */ T(201, false), /* 300 - 99: too old */
        /* 27 */ T(237, true),  /* left edge */
        /* 28 */ T(236, false),
        /* 29 */ T(301, true),  /* slide by one: window 238..301 */
        /* 30 */ T(237, false), /* now left of the window */
        /* 31 */ T(238, true),  /* new left edge, unseen */
        /* 32 */ T(UINT32_MAX, true),
        /* 33 */ T(UINT32_MAX, false),
        /* 34 */ T(UINT32_MAX - 63, true),
        /* 35 */ T(UINT32_MAX - 64, false),
        /* 36 */ T(UINT32_MAX - 1, true),
        /* 37 */ T(301, false),
    };
    mk_esp_sa tx, rx;
    make_pair(&mk_encr_chacha20poly1305, NULL, &tx, &rx);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const replay_row *r = &rows[i];
        uint8_t pt[4] = {0xde, 0xad, 0x00, 0x04}, pkt[64];
        size_t n = forge(&tx, r->seq, pt, sizeof pt, pkt);
        if (r->bad_icv)
            pkt[n - 1] ^= 0x80;
        mk_esp_sa before = rx;
        uint8_t nh;
        const uint8_t *in;
        size_t il;
        mk_err e = mk_esp_open(&rx, pkt, n, &nh, &in, &il);
        mk_err want = r->ok ? MK_E_OK : r->bad_icv ? MK_E_ICV_MISMATCH : MK_E_REPLAY;
        cr_expect_eq(e, want, "row %zu (seq %u): got %s, want %s", i + 1, r->seq, mk_err_name(e),
                     mk_err_name(want));
        if (!r->ok)
            assert_same_but_dropped(&before, &rx, 1, "dropped row");
        else
            cr_expect_eq(il, 2);
    }
}
