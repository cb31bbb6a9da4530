/* SPDX-License-Identifier: MIT */
/*
 * Golden pcap replay through the template core (ref/tiny, minike_tiny.h). The captures were made
 * by the general core (pcaps/gen.sh); the template core draws its random octets in the same
 * order (SPIi 8, Ni 16, X25519 private 32, then child SPI 4 and the SK IV 8), so with the seeded
 * stream of <name>.keys it must send the same octets. For every capture the template core can
 * take (PSK; exactly ChaCha20-Poly1305 + PRF-HMAC-SHA2-256 + X25519 and ESP ChaCha20-Poly1305;
 * no NAT-T, no force_4500; peer on UDP 500; no Delete by the application), in capture order:
 *   TX       mt_tx() (after mt_on_timer() at mt_deadline() for a RETRANSMIT, within the pcap's
 *            150 ms rounding) equals the recorded initiator datagram bit for bit, UDP 500;
 *   RX/DROP  the responder's datagram (a copy: the core decrypts in place) goes to mt_on_dgram()
 *            at its capture time, which must not lie past mt_deadline() (the core would have
 *            retransmitted first); the result, mapped from the .expect's general-core error name
 *            (harness/lib/tiny_map.c), and the states before and after must be the .expect line's;
 * a DROP changes no byte of mt_ike but the stats. Keys, against <name>.keys (derived there by
 * gen_check.py, python cryptography): at AUTH_SENT spi_i, spi_r, sk_ei, sk_er, sk_pr read from
 * mt_ike (sk_ai/sk_ar must be empty: AEAD). SK_d and SK_pi are not kept by the template core, so
 * they are checked through what they make: the child's keys (mt_child) must be prf+(.keys sk_d, Ni
 * | Nr) computed here over libsodium's HMAC, the child SPIs those of the captured SAi2/SAr2 (opened
 * here with .keys sk_ei/sk_er), and the captured AUTH payloads (ours bit-identical to the template
 * core's) must verify with .keys sk_pi/sk_pr and the PSK (RFC 7296 §2.15). At the end the timers
 * run out to the END line's state and error.
 *
 * What is not replayed, and why, is the table `not_taken` (checked against the .keys files, so
 * a new capture is either replayed or listed): of the golden captures only psk-minimal fits;
 * the others offer AES-GCM or AES-CBC/MODP-2048 and most run NAT-T (psk-chacha-delete: NAT-T and
 * the application's Delete). Interop captures (pcaps/interop/): every one whose initiator is minike
 * ran with NAT-T on (strongSwan needs UDP encapsulation here, and the runner keeps NAT-T on for
 * libreswan too), so none can be replayed by a core without NAT-T, not even the three with the
 * template core's suite (psk-x25519-chacha20, libreswan-psk, libreswan-wrong-psk): their
 * IKE_SA_INIT carries NAT_DETECTION notifies and their IKE_AUTH runs on UDP 4500.
 * Because only psk-minimal fits, `transplanted` also replays psk-minimal's datagrams on the
 * timelines and .expect lines of retransmit, corrupt-icv, dup-response and forged-error (see
 * `transplants`): retransmissions at mt_deadline(), DROP ICV_MISMATCH / UNEXPECTED_MSG /
 * UNAUTH_NOTIFY, and END FAILED TIMEOUT, as the general core recorded them.
 * The `tiny_sensitivity` tests prove the harness notices a wrong seed, PSK, key, ICV or timing.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_env.h"
#include "minike_tiny.h"
#include "minike_tools.h"
#include "pcapread.h"
#include "replay.h"
#include "replay_cr.h"
#include "tiny_map.h"
#include "vec.h"

static void init(void)
{
    cr_assert(sodium_init() >= 0);
}
TestSuite(tiny_replay, .init = init);
TestSuite(tiny_sensitivity, .init = init);

/* ---- which captures the template core can take ---------------------------------------------- */

enum {
    R_AUTH = 1,    /* raw public keys */
    R_IKE = 2,     /* IKE proposals other than exactly 28,0,5,0,31 */
    R_ESP = 4,     /* ESP proposals other than exactly 28,0,0 */
    R_NATT = 8,    /* NAT-T on */
    R_4500 = 16,   /* force_4500 */
    R_PORT = 32,   /* the peer is not on UDP 500 */
    R_DELETE = 64, /* the application deletes the IKE SA: the template core has no Delete */
};
static const char *const reason_text[] = {
    "raw public keys (the template core does PSK only)",
    "IKE proposal is not exactly ChaCha20-Poly1305 + PRF-HMAC-SHA2-256 + X25519",
    "ESP proposal is not exactly ChaCha20-Poly1305",
    "NAT-T on: NAT_DETECTION notifies, IKE_AUTH on UDP 4500 (the template core has no NAT-T)",
    "force_4500",
    "peer not on UDP 500",
    "the application deletes the IKE SA (the template core has no Delete of its own)",
};

/* Every capture with a .keys, golden (pcaps/) and interop (pcaps/interop/<s>/), and why the
 * template core cannot take it; 0: it is replayed below. */
static const struct {
    const char *name; /* "golden/<s>" or "interop/<s>" */
    unsigned why;
} not_taken[] = {
    {"golden/psk-minimal", 0},
    {"golden/cookie", R_IKE | R_ESP | R_NATT},
    {"golden/corrupt-icv", R_IKE | R_ESP | R_NATT},
    {"golden/dup-response", R_IKE | R_ESP | R_NATT},
    {"golden/forged-error", R_IKE | R_ESP | R_NATT},
    {"golden/invalid-ke", R_IKE | R_ESP | R_NATT},
    {"golden/psk-cbc-modp2048", R_IKE | R_ESP},
    {"golden/psk-chacha-delete", R_NATT | R_DELETE},
    {"golden/psk-gcm-natt", R_IKE | R_ESP | R_NATT},
    {"golden/retransmit", R_IKE | R_ESP | R_NATT},
    {"interop/aesccm8", R_IKE | R_ESP | R_NATT},
    {"interop/cookie", R_IKE | R_ESP | R_NATT},
    {"interop/dpd-rekey", R_IKE | R_ESP | R_NATT},
    {"interop/ecp256-aesgcm128", R_IKE | R_ESP | R_NATT},
    {"interop/invalid-ke", R_IKE | R_ESP | R_NATT},
    {"interop/libreswan-psk", R_NATT},
    {"interop/libreswan-wrong-psk", R_NATT},
    {"interop/modp2048-aescbc256", R_IKE | R_ESP | R_NATT},
    {"interop/no-proposal", R_IKE | R_ESP | R_NATT},
    {"interop/peer-delete", R_IKE | R_ESP | R_NATT},
    {"interop/psk-x25519-chacha20", R_NATT},
    {"interop/rpk-ed25519", R_AUTH | R_IKE | R_ESP | R_NATT},
    {"interop/rpk-imprint", R_AUTH | R_IKE | R_ESP | R_NATT},
    {"interop/rpk-peer-fp", R_AUTH | R_IKE | R_ESP | R_NATT},
    {"interop/rpk-rsa", R_AUTH | R_IKE | R_ESP | R_NATT},
    {"interop/traffic", R_IKE | R_ESP | R_NATT},
    {"interop/wrong-psk", R_IKE | R_ESP | R_NATT},
    {"interop/x25519-aesgcm256", R_IKE | R_ESP | R_NATT},
};

/* true if the .expect has a `TX ... DELETE` line (the application's Delete) */
static bool expect_has_app_delete(const char *path)
{
    char line[512];
    bool found = false;
    FILE *fp = fopen(path, "r");
    if (!fp)
        return false;
    while (fgets(line, sizeof line, fp)) {
        char *hash = strchr(line, '#'), *tx, *del;
        if (hash)
            *hash = '\0';
        tx = strstr(line, " TX ");
        del = strstr(line, " DELETE");
        found |= tx != NULL && del != NULL && del > tx;
    }
    fclose(fp);
    return found;
}

/* The reasons (R_*) the template core cannot replay the capture of this .keys block */
static unsigned classify(const mk_vec_block *b, const char *expect_path)
{
    unsigned why = 0;
    const char *auth = mk_vec_str(b, "auth"), *remote = mk_vec_str(b, "remote");
    const char *ike0 = mk_vec_str(b, "ike.0"), *esp0 = mk_vec_str(b, "esp.0");
    const char *natt = mk_vec_str(b, "natt"), *f4500 = mk_vec_str(b, "force_4500");
    if (auth != NULL && strcmp(auth, "psk") != 0)
        why |= R_AUTH;
    if (ike0 == NULL || strcmp(ike0, "28,0,5,0,31") != 0 || mk_vec_str(b, "ike.1") != NULL)
        why |= R_IKE;
    if (esp0 == NULL || strcmp(esp0, "28,0,0") != 0 || mk_vec_str(b, "esp.1") != NULL)
        why |= R_ESP;
    if (natt == NULL || strcmp(natt, "0") != 0)
        why |= R_NATT;
    if (f4500 == NULL || strcmp(f4500, "0") != 0)
        why |= R_4500;
    if (remote == NULL || strrchr(remote, ':') == NULL || strcmp(strrchr(remote, ':'), ":500") != 0)
        why |= R_PORT;
    if (expect_has_app_delete(expect_path))
        why |= R_DELETE;
    return why;
}

static void reasons(unsigned why, char *out, size_t cap)
{
    size_t off = 0;
    out[0] = '\0';
    for (size_t i = 0; i < sizeof reason_text / sizeof reason_text[0]; i++)
        if (why & (1u << i) && off < cap)
            off += (size_t)snprintf(out + off, cap - off, "%s%s", off ? "; " : "", reason_text[i]);
}

/* ---- error and state names: the .expect files use the general core's (tiny_map.h) ---- */

/* general-core errors with no template-core counterpart: raw public keys only (MK_RPK) */
static const char *const err_rpk_only[] = {"NO_PEER_KEY", "IMPRINT_REFUSED", "SIG_HASH_UNSUPPORTED",
                                           "BAD_KEY", "WEAK_KEY"};

/* ---- scenario files ------------------------------------------------------------------------- */

enum { EX_INIT = 34, EX_AUTH = 35, PT_SA = 33, PT_IDI = 35, PT_IDR = 36 };
enum { PT_AUTH = 39, PT_NONCE = 40, PT_SK = 46, RX_BUF = 65536 };

typedef struct scenario {
    mk_rp_files f; /* .expect and .keys (their names differ for the transplants) */
    mt_config cfg;
    uint8_t psk[MT_MAX_PSK];
} scenario;

/* Mutations for the sensitivity tests: what the replay must notice. */
typedef struct mutation {
    int64_t seed_delta;
    bool flip_psk;
    size_t flip_rx_frame;  /* 1-based responder datagram whose last octet is flipped */
    uint64_t rx_late_ms;   /* responder datagrams arrive this much later than recorded */
    const char *flip_key;  /* a .keys value whose first octet is flipped */
    size_t icv_drop_frame; /* this responder datagram's .expect line becomes DROP ICV_MISMATCH */
} mutation;

static void parse_id(const char *v, uint8_t *type, uint8_t *len, uint8_t data[MT_MAX_ID])
{
    size_t n = 0;
    cr_assert(mk_rp_parse_id(v, type, data, MT_MAX_ID, &n), "bad identity %s", v);
    *len = (uint8_t)n;
}

static void parse_ts(const char *v, mt_ts *ts)
{
    memset(ts, 0, sizeof *ts);
    cr_assert(mk_rp_parse_cidr(v, ts->start, ts->end), "tsi/tsr must be CIDR: %s", v);
    ts->type = 7; /* TS_IPV4_ADDR_RANGE */
    ts->end_port = 65535;
}

/* The scenario of pcaps/<expect>.expect with the configuration and keys of pcaps/<keys>.keys
 * (the same name but for the transplants below). */
static void load(scenario *s, const char *keys, const char *expect, const mutation *mu)
{
    char path[512], ep[1024];
    memset(s, 0, sizeof *s);
    snprintf(path, sizeof path, "pcaps/%s.keys", keys);
    snprintf(ep, sizeof ep, "%s/pcaps/%s.expect", MK_SOURCE_DIR, expect);
    mk_rp_load_files(&s->f, expect, keys, path, ep, MK_RP_GOLDEN, mu ? mu->seed_delta : 0);
    /* the template core has no Delete of its own: TX lines are plain or RETRANSMIT */
    for (size_t i = 0; i < s->f.x.n; i++)
        cr_assert(!s->f.x.st[i].app_delete, "%s: TX %s DELETE", ep, s->f.x.st[i].exch);
    if (mu && mu->icv_drop_frame) {
        mk_rp_step *st = &s->f.x.st[mu->icv_drop_frame - 1];
        cr_assert(mu->icv_drop_frame <= s->f.x.n && st->kind != MK_RP_TX);
        st->kind = MK_RP_DROP;
        snprintf(st->err, sizeof st->err, "ICV_MISMATCH");
        memcpy(st->to, st->from, sizeof st->to);
    }
    if (mu && mu->flip_key) {
        const mk_vec_kv *k = mk_vec_kv_get(&s->f.keys->b[0], mu->flip_key);
        cr_assert(k && k->hex && k->bin_len > 0, "%s: %s", path, mu->flip_key);
        k->bin[0] ^= 0x01;
    }

    mt_config *c = &s->cfg;
    mt_config_defaults(c);
    size_t pl = mk_hex_decode(mk_rp_kv(&s->f, "psk"), s->psk, sizeof s->psk);
    cr_assert(pl != (size_t)-1 && pl >= MT_MIN_PSK, "%s: psk", path);
    if (mu && mu->flip_psk)
        s->psk[0] ^= 0x01;
    c->psk = s->psk;
    c->psk_len = pl;
    parse_id(mk_rp_kv(&s->f, "idi"), &c->idi_type, &c->idi_len, c->idi);
    parse_id(mk_rp_kv(&s->f, "idr"), &c->idr_type, &c->idr_len, c->idr);
    parse_ts(mk_rp_kv(&s->f, "tsi"), &c->tsi);
    parse_ts(mk_rp_kv(&s->f, "tsr"), &c->tsr);
    c->tunnel = mk_rp_num(&s->f, "tunnel") != 0;
    c->initial_contact = mk_rp_num(&s->f, "initial_contact") != 0;
    c->total_ms = (uint32_t)mk_rp_num(&s->f, "total_ms");
}

/* ---- an independent reading of the capture: payloads, SK, prf, prf+ ------------------------ */

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* The body of the first payload `type` in the chain at p (first payload type `first`). */
static const uint8_t *find_pl(const uint8_t *p, size_t len, uint8_t first, uint8_t type,
                              size_t *blen)
{
    for (size_t off = 0; first != 0 && off + 4 <= len;) {
        size_t l = rd16(p + off + 2);
        if (l < 4 || l > len - off)
            return NULL;
        if (first == type)
            return *blen = l - 4, p + off + 4;
        first = p[off];
        off += l;
    }
    return NULL;
}

/* Open the SK payload of the IKE message m (a copy, decrypted in place) with key|salt (RFC 7634,
 * RFC 5282 §5.1: AAD = IKE header and SK's generic header). The inner chain, or NULL. */
static const uint8_t *open_sk(uint8_t *m, size_t len, const uint8_t key[36], uint8_t *first,
                              size_t *ilen)
{
    size_t bl;
    const uint8_t *body = len > 28 ? find_pl(m + 28, len - 28, m[16], PT_SK, &bl) : NULL;
    uint8_t nonce[12];
    if (body == NULL || bl < 8 + 1 + 16)
        return NULL;
    uint8_t *iv = m + (body - m), *text = iv + 8;
    size_t tl = bl - 8 - 16;
    memcpy(nonce, key + 32, 4);
    memcpy(nonce + 4, iv, 8);
    if (crypto_aead_chacha20poly1305_ietf_decrypt_detached(text, NULL, text, tl, text + tl, m,
                                                           (size_t)(iv - m), nonce, key) != 0)
        return NULL;
    if ((size_t)text[tl - 1] + 1 > tl)
        return NULL;
    *first = body[-4];
    *ilen = tl - 1 - text[tl - 1];
    return text;
}

static void hmac(const uint8_t *key, size_t kl, const uint8_t *a, size_t al, const uint8_t *b,
                 size_t bl, const uint8_t *c, size_t cl, uint8_t out[32])
{
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key, kl);
    crypto_auth_hmacsha256_update(&st, a, al);
    crypto_auth_hmacsha256_update(&st, b, bl);
    crypto_auth_hmacsha256_update(&st, c, cl);
    crypto_auth_hmacsha256_final(&st, out);
}

/* prf+ (RFC 7296 §2.13): T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n) */
static void prf_plus(const uint8_t *k, size_t kl, const uint8_t *s, size_t sl, uint8_t *out,
                     size_t len)
{
    uint8_t t[32];
    for (uint8_t n = 1; len > 0; n++) {
        hmac(k, kl, t, n > 1 ? 32 : 0, s, sl, &n, 1, t);
        size_t c = len < 32 ? len : 32;
        memcpy(out, t, c);
        out += c;
        len -= c;
    }
}

/* The frames the checks below read: the answered IKE_SA_INIT request and its response, the
 * IKE_AUTH request and the response that established the SA (0: none) */
typedef struct frames {
    size_t init_req, init_resp, auth_req, auth_resp;
} frames;

static const uint8_t *keyv(const scenario *s, const char *k, size_t want)
{
    size_t n;
    const uint8_t *v = mk_vec_hex(&s->f.keys->b[0], k, &n);
    return v != NULL && n == want ? v : NULL;
}

/* RFC 7296 §2.15: AUTH = prf(prf(PSK, "Key Pad for IKEv2"), RealMessage | Nonce | prf(SK_p, ID'))
 */
static bool auth_ok(const scenario *s, const mk_pcap_udp *msg, const uint8_t *nonce, size_t nl,
                    const uint8_t *skp, const uint8_t *inner, size_t il, uint8_t first,
                    uint8_t id_type)
{
    static const char pad[] = "Key Pad for IKEv2";
    uint8_t k[32], macid[32], want[32];
    size_t idl, al;
    const uint8_t *id = find_pl(inner, il, first, id_type, &idl);
    const uint8_t *auth = find_pl(inner, il, first, PT_AUTH, &al);
    if (id == NULL || auth == NULL || al != 4 + 32 || auth[0] != 2)
        return false;
    hmac(s->cfg.psk, s->cfg.psk_len, (const uint8_t *)pad, sizeof pad - 1, NULL, 0, NULL, 0, k);
    hmac(skp, 32, id, idl, NULL, 0, NULL, 0, macid);
    hmac(k, 32, msg->data, msg->len, nonce, nl, macid, 32, want);
    return memcmp(want, auth + 4, 32) == 0;
}

/* SPIs and SK_e/SK_pr of the template core at AUTH_SENT against .keys */
static int check_ike_keys(const scenario *s, const mt_ike *ike, char *why, size_t cap)
{
    static const struct {
        const char *key;
        size_t off, len;
    } f[] = {{"spi_i", offsetof(mt_ike, spi_i), 8},
             {"spi_r", offsetof(mt_ike, spi_r), 8},
             {"sk_ei", offsetof(mt_ike, sk_ei), MT_KEY_LEN + MT_SALT_LEN},
             {"sk_er", offsetof(mt_ike, sk_er), MT_KEY_LEN + MT_SALT_LEN},
             {"sk_pr", offsetof(mt_ike, sk_pr), MT_KEY_LEN}};
    size_t n;
    if (mk_rp_num(&s->f, "encr") != 28 || mk_rp_num(&s->f, "encr_bits") != 0 ||
        mk_rp_num(&s->f, "integ") != 0 || mk_rp_num(&s->f, "dh") != 31)
        return mk_rp_fail(why, cap, ".keys: negotiated transforms are not the template core's");
    if (!mk_vec_hex(&s->f.keys->b[0], "sk_ai", &n) || n != 0 ||
        !mk_vec_hex(&s->f.keys->b[0], "sk_ar", &n) || n != 0)
        return mk_rp_fail(why, cap, ".keys: SK_ai/SK_ar must be empty with an AEAD");
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        const uint8_t *want = keyv(s, f[i].key, f[i].len);
        if (want == NULL || memcmp((const uint8_t *)ike + f[i].off, want, f[i].len) != 0)
            return mk_rp_fail(why, cap, "%s differs from the independently derived .keys value",
                              f[i].key);
    }
    return 0;
}

/* The SA payload of the inner chain proposes the 4-octet ESP SPI `spi` first */
static bool sa_spi_is(const uint8_t *inner, size_t il, uint8_t first, uint32_t spi)
{
    size_t sal;
    const uint8_t *sa = find_pl(inner, il, first, PT_SA, &sal);
    const uint8_t b[4] = {(uint8_t)(spi >> 24), (uint8_t)(spi >> 16), (uint8_t)(spi >> 8),
                          (uint8_t)spi};
    return sa != NULL && sal >= 12 && sa[6] == 4 && memcmp(sa + 8, b, 4) == 0;
}

/* The child SA and SK_d, SK_pi, SK_pr through what they make (see the header comment) */
static int check_child(const scenario *s, const mt_ike *ike, const mk_pcap_list *pk,
                       const frames *fr, char *why, size_t cap)
{
    static uint8_t req[RX_BUF], resp[RX_BUF];
    const mk_pcap_udp *m1 = &pk->pkt[fr->init_req - 1], *m2 = &pk->pkt[fr->init_resp - 1];
    const mk_pcap_udp *a1 = &pk->pkt[fr->auth_req - 1], *a2 = &pk->pkt[fr->auth_resp - 1];
    const uint8_t *sk_d = keyv(s, "sk_d", 32), *sk_pi = keyv(s, "sk_pi", 32);
    const uint8_t *sk_pr = keyv(s, "sk_pr", 32), *sk_ei = keyv(s, "sk_ei", 36);
    const uint8_t *sk_er = keyv(s, "sk_er", 36), *ni, *nr, *rq, *rs;
    size_t nil, nrl, rql, rsl;
    uint8_t seed[2 * 256], keymat[2 * 36], fq, fs;
    mt_esp_sa child;
    int rc = 0;

    if (!sk_d || !sk_pi || !sk_pr || !sk_ei || !sk_er)
        return mk_rp_fail(why, cap,
                          ".keys: sk_d/sk_pi/sk_pr/sk_ei/sk_er missing or of the wrong length");
    ni = find_pl(m1->data + 28, m1->len - 28, m1->data[16], PT_NONCE, &nil);
    nr = find_pl(m2->data + 28, m2->len - 28, m2->data[16], PT_NONCE, &nrl);
    if (!ni || !nr || nil > 256 || nrl > 256)
        return mk_rp_fail(why, cap, "no Ni or Nr in frames %zu/%zu", fr->init_req, fr->init_resp);
    if (!mt_child(ike, &child))
        return mk_rp_fail(why, cap, "ESTABLISHED without a child SA");
    /* KEYMAT = prf+(SK_d, Ni | Nr): initiator-to-responder key first (RFC 7296 §2.17) */
    memcpy(seed, ni, nil);
    memcpy(seed + nil, nr, nrl);
    prf_plus(sk_d, 32, seed, nil + nrl, keymat, sizeof keymat);
    if (memcmp(child.k_out, keymat, 36) != 0 || memcmp(child.k_in, keymat + 36, 36) != 0)
        rc = mk_rp_fail(why, cap, "child keys differ from prf+(.keys sk_d, Ni | Nr)");
    memcpy(req, a1->data, a1->len);
    memcpy(resp, a2->data, a2->len);
    rq = rc ? NULL : open_sk(req, a1->len, sk_ei, &fq, &rql);
    rs = rc || !rq ? NULL : open_sk(resp, a2->len, sk_er, &fs, &rsl);
    if (rc == 0 && (rq == NULL || rs == NULL))
        rc = mk_rp_fail(why, cap, "the captured IKE_AUTH does not open with .keys sk_ei/sk_er");
    if (rc == 0 && !auth_ok(s, m1, nr, nrl, sk_pi, rq, rql, fq, PT_IDI))
        rc = mk_rp_fail(why, cap, "our AUTH does not verify with .keys sk_pi (SK_pi differs)");
    if (rc == 0 && !auth_ok(s, m2, ni, nil, sk_pr, rs, rsl, fs, PT_IDR))
        rc = mk_rp_fail(why, cap, "the responder's AUTH does not verify with .keys sk_pr");
    if (rc == 0 && !sa_spi_is(rq, rql, fq, child.spi_in))
        rc = mk_rp_fail(why, cap, "child inbound SPI is not the SAi2 one");
    if (rc == 0 && !sa_spi_is(rs, rsl, fs, child.spi_out))
        rc = mk_rp_fail(why, cap, "child outbound SPI is not the SAr2 one");
    sodium_memzero(req, sizeof req);
    sodium_memzero(resp, sizeof resp);
    sodium_memzero(keymat, sizeof keymat);
    mt_esp_wipe(&child);
    return rc;
}

/* ---- the replay engine ---------------------------------------------------------------------- */

/* Replays scenario `s` over the datagrams `pk`; returns 0, or the 1-based frame that disagreed
 * (-1: the end, -2: setup), with the reason in `why`. */
static int replay(scenario *s, const mk_pcap_list *pk_in, const mutation *mu, char *why, size_t cap)
{
    static mt_ike ike, snap;
    static uint8_t buf[RX_BUF];
    const mk_rp_expect *x = &s->f.x;
    const mk_rp_core core = mk_rp_tiny(&ike);
    mk_fake_env fe;
    mt_env env;
    const mk_pcap_list pk = *pk_in;
    frames fr = {0};
    int rc = 0;
    bool keys_checked = false;
    uint64_t late = mu ? mu->rx_late_ms : 0, t0;
    mt_err want = MT_E_OK;

    if (pk.n != x->n) {
        rc = -2,
        mk_rp_fail(why, cap, "%zu datagrams in the capture, %zu lines in .expect", pk.n, x->n);
        goto out;
    }
    /* the CLI's seeded stream, through the template core's env (same callback shape) */
    mk_fake_env_init(&fe, s->f.seed, s->f.stream);
    env = (mt_env){.ctx = &fe, .rng = mk_fake_env_rng};
    t0 = pk.pkt[0].ts_ms;
    if (mt_init(&ike, &s->cfg, &env) != MT_E_OK || mt_start(&ike, t0) != MT_E_OK) {
        rc = -2, mk_rp_fail(why, cap, "mt_init/mt_start failed");
        goto out;
    }
    for (size_t i = 0; i < pk.n && rc == 0; i++) {
        const mk_rp_step *st = &x->st[i];
        const mk_pcap_udp *d = &pk.pkt[i];
        uint64_t now = d->ts_ms;
        const uint8_t *p;
        int f = (int)(i + 1);

        if (st->kind == MK_RP_TX) {
            if (st->retransmit && mk_rp_retransmit(&core, now, t0, why, cap) != 0) {
                rc = f;
                break;
            }
            size_t n = mt_tx(&ike, &p);
            if (n != 0 && d->dport != MT_PORT) {
                rc = f,
                mk_rp_fail(why, cap, "the capture sends to UDP %u, the template core to 500",
                           d->dport);
                break;
            }
            if (mk_rp_same_tx(p, n, 0, d, st->exch, why, cap) != 0) {
                rc = f;
                break;
            }
            if (p[18] == EX_INIT)
                fr.init_req = i + 1;
            else
                fr.auth_req = i + 1;
            mt_tx_done(&ike);
            continue;
        }

        /* RX or DROP */
        now += late;
        size_t n = mt_tx(&ike, &p);
        if (n != 0) {
            rc = f, mk_rp_fail(why, cap, "an unexpected %zu-octet datagram is queued", n);
            break;
        }
        if (mk_rp_not_late(&core, now, t0, why, cap) != 0) {
            rc = f;
            break;
        }
        if (d->sport != MT_PORT || d->dport != MT_PORT) {
            rc = f, mk_rp_fail(why, cap, "UDP %u->%u; the template core talks on 500 only",
                               d->sport, d->dport);
            break;
        }
        if (mk_rp_state_is(&core, st->from, "state", why, cap) != 0) {
            rc = f;
            break;
        }
        want = MT_E_OK;
        if (st->kind == MK_RP_DROP && !mk_tiny_map_err_name(st->err, &want)) {
            rc = f, mk_rp_fail(why, cap, ".expect's DROP %s has no template-core error", st->err);
            break;
        }
        if (d->len > sizeof buf) {
            rc = f, mk_rp_fail(why, cap, "datagram of %zu octets", d->len);
            break;
        }
        memcpy(buf, d->data, d->len); /* the core decrypts in place: keep the capture intact */
        if (mu && mu->flip_rx_frame == i + 1)
            buf[d->len - 1] ^= 0x01;
        memcpy(&snap, &ike, sizeof ike);
        mt_err e = mt_on_dgram(&ike, buf, d->len, now);
        if (e != want) {
            rc = f, mk_rp_fail(why, cap, "mt_on_dgram: %s, .expect says %s %s (template core: %s)",
                               mk_tiny_err_name(e), st->kind == MK_RP_RX ? "RX" : "DROP",
                               st->kind == MK_RP_RX ? "OK" : st->err, mk_tiny_err_name(want));
            break;
        }
        if (st->kind == MK_RP_DROP &&
            (!mk_rp_same_but(&ike, &snap, sizeof ike, offsetof(mt_ike, stats), sizeof ike.stats) ||
             ike.stats.last_drop != e)) {
            rc = f,
            mk_rp_fail(why, cap, "DROP %s changed more than the stats", mk_tiny_err_name(e));
            break;
        }
        if (mk_rp_state_is(&core, st->to, "state after", why, cap) != 0) {
            rc = f;
            break;
        }
        if (st->kind == MK_RP_RX && strcmp(st->from, "INIT_SENT") == 0 &&
            strcmp(st->to, "AUTH_SENT") == 0)
            fr.init_resp = i + 1;
        if (st->kind == MK_RP_RX && strcmp(st->to, "ESTABLISHED") == 0 &&
            strcmp(st->from, "AUTH_SENT") == 0)
            fr.auth_resp = i + 1;
        if (!keys_checked && mt_state_get(&ike) == MT_ST_AUTH_SENT) {
            keys_checked = true;
            if (check_ike_keys(s, &ike, why, cap) != 0) {
                rc = f;
                break;
            }
        }
    }
    if (rc == 0)
        rc = mk_rp_run_out(&core, x->end_state, why, cap);
    want = MT_E_OK;
    if (rc == 0 && x->end_err[0] && !mk_tiny_map_err_name(x->end_err, &want))
        rc = -1, mk_rp_fail(why, cap, "END error %s has no template-core error", x->end_err);
    if (rc == 0 && mt_last_error(&ike) != want)
        rc = -1, mk_rp_fail(why, cap, "final error %s, .expect says %s (template core: %s)",
                            mk_tiny_err_name(mt_last_error(&ike)),
                            x->end_err[0] ? x->end_err : "none", mk_tiny_err_name(want));
    if (rc == 0 && !keys_checked)
        rc = -1, mk_rp_fail(why, cap, "the IKE SA keys were never checked");
    if (rc == 0 && mt_state_get(&ike) == MT_ST_ESTABLISHED) {
        if (!fr.init_req || !fr.init_resp || !fr.auth_req || !fr.auth_resp)
            rc = -1, mk_rp_fail(why, cap, "ESTABLISHED without both exchanges in the capture");
        else if (check_child(s, &ike, &pk, &fr, why, cap) != 0)
            rc = -1;
    }
out:
    mt_ike_wipe(&ike);
    mt_ike_wipe(&snap);
    sodium_memzero(buf, sizeof buf);
    return rc;
}

static bool read_pcap(const char *name, mk_pcap_list *pk, char *why, size_t cap)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/pcaps/%s.pcap", MK_SOURCE_DIR, name);
    return mk_pcap_read_udp(path, pk, why, cap);
}

/* ---- the captures --------------------------------------------------------------------------- */

typedef struct param {
    char name[64]; /* "golden/<s>" or "interop/<s>" */
    unsigned why;
} param;

static bool add_capture(param *out, size_t *n, size_t cap, const char *kind, const char *s,
                        const char *keys_rel, const char *expect_rel)
{
    char err[512], expect[1024];
    if (*n >= cap)
        return false;
    mk_vec_file *k = mk_vec_load(keys_rel, err, sizeof err);
    if (k == NULL || k->n != 1) {
        mk_vec_free(k);
        return false;
    }
    snprintf(expect, sizeof expect, "%s/%s", MK_SOURCE_DIR, expect_rel);
    memset(&out[*n], 0, sizeof out[*n]);
    snprintf(out[*n].name, sizeof out[*n].name, "%s/%s", kind, s);
    out[*n].why = classify(&k->b[0], expect);
    mk_vec_free(k);
    (*n)++;
    return true;
}

/* Every golden capture (pcaps/<s>.expect) and every interop capture with replay files
 * (pcaps/interop/<s>/<s>.keys), classified; sorted, as "golden/" < "interop/". */
static size_t list_captures(param *out, size_t cap)
{
    static mk_rp_name g[128], io[128];
    char k[1024], e[1024];
    size_t n = 0, ng = mk_rp_list(MK_RP_GOLDEN, ".expect", g, 128);
    size_t ni = mk_rp_list(MK_RP_INTEROP, ".keys", io, 128);
    for (size_t i = 0; i < ng; i++) {
        snprintf(k, sizeof k, "pcaps/%s.keys", g[i].name);
        snprintf(e, sizeof e, "pcaps/%s.expect", g[i].name);
        if (!add_capture(out, &n, cap, "golden", g[i].name, k, e))
            cr_log_warn("pcaps/%s: no usable .keys", g[i].name);
    }
    for (size_t i = 0; i < ni; i++) {
        snprintf(k, sizeof k, "pcaps/interop/%s/%s.keys", io[i].name, io[i].name);
        snprintf(e, sizeof e, "pcaps/interop/%s/%s.expect", io[i].name, io[i].name);
        add_capture(out, &n, cap, "interop", io[i].name, k, e);
    }
    return n;
}

ParameterizedTestParameters(tiny_replay, golden)
{
    param tmp[128], take[128];
    size_t n = list_captures(tmp, 128), m = 0;
    for (size_t i = 0; i < n; i++)
        if (tmp[i].why == 0 && strncmp(tmp[i].name, "golden/", 7) == 0)
            take[m++] = tmp[i];
    param *p = cr_malloc(sizeof(param) * (m ? m : 1));
    memcpy(p, take, sizeof(param) * m);
    return cr_make_param_array(param, p, m);
}

ParameterizedTest(param *p, tiny_replay, golden)
{
    static scenario s;
    char why[4096];
    mk_pcap_list pk;
    load(&s, p->name + 7, p->name + 7, NULL);
    cr_assert(read_pcap(p->name + 7, &pk, why, sizeof why), "%s", why);
    int r = replay(&s, &pk, NULL, why, sizeof why);
    mk_pcap_list_free(&pk);
    cr_assert_eq(r, 0, "%s: frame %d: %s", p->name, r, why);
    mk_vec_free(s.f.keys);
}

/* ---- transplants: psk-minimal's datagrams on other golden captures' timelines ---------------
 * Golden captures that miss the template profile only by their suite and NAT-T still record what
 * the general core did with time and misbehaviour: a lost request and a lost response
 * (retransmit), corrupted ICVs until the budget runs out (corrupt-icv), a duplicated IKE_SA_INIT
 * response (dup-response), a forged unprotected N(NO_PROPOSAL_CHOSEN) (forged-error). Their
 * .expect lines and timestamps are kept, and each datagram is replaced by psk-minimal's of the
 * same role: our IKE_SA_INIT or IKE_AUTH request (a retransmission is bitwise identical, RFC 7296
 * §2.1, and the requests do not depend on time), the responder's IKE_SA_INIT response, its
 * IKE_AUTH response (last octet, in the ICV, flipped where the line is DROP ICV_MISMATCH). The
 * forged notify is the capture's own with psk-minimal's SPIi written in, as a forger would do.
 * Configuration and keys: psk-minimal's, with the capture's total_ms. */
static const char *const transplants[] = {"retransmit", "corrupt-icv", "dup-response",
                                          "forged-error"};

static bool put(mk_pcap_list *out, const mk_pcap_udp *from, size_t skip, uint64_t ts)
{
    mk_pcap_udp *d = &out->pkt[out->n];
    *d = *from;
    d->len = from->len - skip;
    d->data = malloc(d->len ? d->len : 1);
    if (d->data == NULL)
        return false;
    memcpy(d->data, from->data + skip, d->len);
    d->sport = d->dport = MT_PORT;
    d->ts_ms = ts;
    out->n++;
    return true;
}

/* Scenario and datagrams of psk-minimal on the timeline of capture `name`; false with why. */
static bool transplant(const char *name, scenario *s, mk_pcap_list *out, char *why, size_t cap)
{
    mk_pcap_list pm, x;
    bool ok = false;
    load(s, "psk-minimal", name, NULL);
    memset(out, 0, sizeof *out);
    if (!read_pcap("psk-minimal", &pm, why, cap))
        return false;
    if (!read_pcap(name, &x, why, cap)) {
        mk_pcap_list_free(&pm);
        return false;
    }
    char kp[512];
    snprintf(kp, sizeof kp, "pcaps/%s.keys", name); /* its total_ms */
    mk_vec_file *xk = mk_vec_load(kp, why, cap);
    const char *total = xk != NULL ? mk_vec_str(&xk->b[0], "total_ms") : NULL;
    if (total == NULL || pm.n != 4 || x.n != s->f.x.n) {
        if (xk != NULL)
            mk_rp_fail(why, cap,
                       "%s: total_ms, psk-minimal's 4 datagrams, %zu datagrams for %zu lines", name,
                       x.n, s->f.x.n);
        goto out;
    }
    if ((out->pkt = calloc(x.n, sizeof *out->pkt)) == NULL)
        goto out;
    s->cfg.total_ms = (uint32_t)strtoul(total, NULL, 10);
    for (size_t i = 0; i < x.n; i++) {
        const mk_rp_step *st = &s->f.x.st[i];
        const mk_pcap_udp *d = &x.pkt[i];
        /* the general core's datagrams to and from UDP 4500 carry the non-ESP marker */
        size_t hdr = d->sport == 4500 || d->dport == 4500 ? 4 : 0;
        uint8_t ex = d->len >= hdr + 28 ? d->data[hdr + 18] : 0, first = d->data[hdr + 16];
        const mk_pcap_udp *from = NULL;
        if (st->kind == MK_RP_TX)
            from = &pm.pkt[strcmp(st->exch, "IKE_SA_INIT") == 0 ? 0 : 2];
        else if (ex == EX_AUTH && (st->kind == MK_RP_RX || strcmp(st->err, "ICV_MISMATCH") == 0))
            from = &pm.pkt[3];
        else if (ex == EX_INIT && first == PT_SA)
            from = &pm.pkt[1];
        else if (ex == EX_INIT && st->kind == MK_RP_DROP && strcmp(st->err, "UNAUTH_NOTIFY") == 0) {
            if (!put(out, d, hdr, d->ts_ms))
                goto out;
            memcpy(out->pkt[out->n - 1].data, pm.pkt[0].data, 8); /* our SPIi */
            continue;
        }
        if (from == NULL) {
            mk_rp_fail(why, cap, "%s frame %zu: no psk-minimal datagram plays its role", name,
                       i + 1);
            goto out;
        }
        if (!put(out, from, 0, d->ts_ms))
            goto out;
        if (st->kind == MK_RP_DROP && strcmp(st->err, "ICV_MISMATCH") == 0)
            out->pkt[out->n - 1].data[out->pkt[out->n - 1].len - 1] ^= 0x01;
    }
    ok = true;
out:
    mk_vec_free(xk);
    mk_pcap_list_free(&pm);
    mk_pcap_list_free(&x);
    if (!ok)
        mk_pcap_list_free(out);
    return ok;
}

ParameterizedTestParameters(tiny_replay, transplanted)
{
    size_t n = sizeof transplants / sizeof transplants[0];
    param *p = cr_malloc(sizeof(param) * n);
    for (size_t i = 0; i < n; i++) {
        memset(&p[i], 0, sizeof p[i]);
        snprintf(p[i].name, sizeof p[i].name, "%s", transplants[i]);
    }
    return cr_make_param_array(param, p, n);
}

ParameterizedTest(param *p, tiny_replay, transplanted)
{
    static scenario s;
    char why[4096];
    mk_pcap_list pk;
    cr_assert(transplant(p->name, &s, &pk, why, sizeof why), "%s", why);
    int r = replay(&s, &pk, NULL, why, sizeof why);
    cr_assert_eq(r, 0, "psk-minimal on %s's timeline: frame %d: %s", p->name, r, why);
    mk_pcap_list_free(&pk);
    mk_vec_free(s.f.keys);
}

/* Each capture is replayed or listed in not_taken with the reasons classify() finds, and the
 * minimal profile's handshake is among the replayed ones (the parameterized test cannot pass by
 * having nothing to do). */
Test(tiny_replay, every_capture_replayed_or_listed_with_reason)
{
    param c[128];
    char r[1024];
    size_t n = list_captures(c, 128), replayed = 0;
    cr_assert_geq(n, 1, "no captures under pcaps/");
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;
        while (j < sizeof not_taken / sizeof not_taken[0] && strcmp(not_taken[j].name, c[i].name))
            j++;
        reasons(c[i].why, r, sizeof r);
        cr_expect_lt(j, sizeof not_taken / sizeof not_taken[0],
                     "%s is in no list: add it to not_taken (reasons found: %s)", c[i].name,
                     c[i].why ? r : "none: it is replayed");
        if (j < sizeof not_taken / sizeof not_taken[0])
            cr_expect_eq(not_taken[j].why, c[i].why, "%s: listed 0x%x, found 0x%x (%s)", c[i].name,
                         not_taken[j].why, c[i].why, r);
        /* the replay engine reads the golden .expect format; an interop capture that becomes
         * takeable needs its own replay (ESP, OTHER and AFTER lines) */
        cr_expect(c[i].why != 0 || strncmp(c[i].name, "golden/", 7) == 0,
                  "%s could be replayed by the template core: add an interop replay", c[i].name);
        replayed += c[i].why == 0;
        if (c[i].why)
            cr_log_info("not replayed: %s: %s", c[i].name, r);
    }
    for (size_t j = 0; j < sizeof not_taken / sizeof not_taken[0]; j++) {
        bool found = false;
        for (size_t i = 0; i < n; i++)
            found |= strcmp(not_taken[j].name, c[i].name) == 0;
        cr_expect(found, "%s listed but absent", not_taken[j].name);
    }
    cr_assert_geq(replayed, 1);
    bool minimal = false;
    for (size_t i = 0; i < n; i++)
        minimal |= strcmp(c[i].name, "golden/psk-minimal") == 0 && c[i].why == 0;
    cr_assert(minimal, "pcaps/psk-minimal must be replayed by the template core");
}

/* The mapping is explicit and complete: every general-core error has a template-core one of the
 * same class (or is a raw-key error the template core cannot meet), and every template-core
 * error is the image of one. */
Test(tiny_replay, error_map_complete)
{
    bool hit[MT_E_BUF_TOO_SMALL + 1] = {false};
    for (int e = 0; e < (int)MK_E__COUNT; e++) {
        const char *name = mk_err_name((mk_err)e);
        mt_err m;
        bool rpk = false;
        for (size_t i = 0; i < sizeof err_rpk_only / sizeof err_rpk_only[0]; i++)
            rpk |= strcmp(err_rpk_only[i], name) == 0;
        if (rpk)
            continue;
        cr_assert(mk_tiny_map_err_name(name, &m),
                  "general-core error %s has no template-core mapping", name);
        cr_expect_eq((int)mt_err_class(m), (int)mk_err_class((mk_err)e),
                     "%s -> %s: the classes differ", name, mk_tiny_err_name(m));
        hit[m] = true;
    }
    for (int m = 0; m <= MT_E_BUF_TOO_SMALL; m++)
        cr_expect(hit[m], "template-core error %s is no general-core error's image",
                  mk_tiny_err_name((mt_err)m));
}

/* ---- sensitivity: the harness itself must notice changes ------------------------------------ */

static int mutated(const char *name, const mutation *mu, char *why, size_t cap)
{
    static scenario s;
    mk_pcap_list pk;
    load(&s, name, name, mu);
    cr_assert(read_pcap(name, &pk, why, cap), "%s", why);
    int r = replay(&s, &pk, mu, why, cap);
    mk_pcap_list_free(&pk);
    mk_vec_free(s.f.keys);
    return r;
}

/* The mutated replay of `name` fails at frame `want` (0: passes, -1: the end), for the reason
 * `needle`. */
static void fails_at(const char *name, const mutation *mu, int want, const char *needle)
{
    char why[4096];
    cr_assert_eq(mutated(name, mu, why, sizeof why), want, "%s: %s", name, why);
    cr_assert(needle == NULL || strstr(why, needle) != NULL, "%s: %s", name, why);
}

Test(tiny_sensitivity, unmutated_passes)
{
    fails_at("psk-minimal", &(mutation){0}, 0, NULL);
}

Test(tiny_sensitivity, other_seed_fails_at_first_datagram)
{
    fails_at("psk-minimal", &(mutation){.seed_delta = 1}, 1, NULL);
}

Test(tiny_sensitivity, other_psk_fails_at_ike_auth)
{
    /* IKE_SA_INIT does not depend on the PSK, AUTH does */
    fails_at("psk-minimal", &(mutation){.flip_psk = true}, 3, NULL);
}

Test(tiny_sensitivity, corrupted_response_fails)
{
    /* the IKE_AUTH response: ICV, not OK */
    fails_at("psk-minimal", &(mutation){.flip_rx_frame = 4}, 4, "mt_on_dgram: ICV");
}

Test(tiny_sensitivity, forged_response_is_a_drop_that_changes_nothing)
{
    /* the .expect line says DROP ICV_MISMATCH for the flipped IKE_AUTH response: the mapping
     * (ICV_MISMATCH -> MT_E_ICV) and the unchanged-SA check pass; then the template core
     * retransmits, which the capture does not show */
    fails_at("psk-minimal", &(mutation){.flip_rx_frame = 4, .icv_drop_frame = 4}, -1,
             "after the end of the capture");
}

Test(tiny_sensitivity, late_response_fails_on_the_deadline)
{
    /* past the 500 ms retransmission timer */
    fails_at("psk-minimal", &(mutation){.rx_late_ms = 1000}, 2, "deadline");
}

Test(tiny_sensitivity, every_key_is_checked)
{
    static const struct {
        const char *key;
        int frame;
    } k[] = {{"spi_i", 2}, {"spi_r", 2}, {"sk_ei", 2}, {"sk_er", 2},
             {"sk_pr", 2}, {"sk_d", -1}, {"sk_pi", -1}};
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        char why[4096];
        mutation mu = {.flip_key = k[i].key};
        cr_expect_eq(mutated("psk-minimal", &mu, why, sizeof why), k[i].frame, "%s: %s", k[i].key,
                     why);
    }
}
