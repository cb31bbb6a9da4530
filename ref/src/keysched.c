/* SPDX-License-Identifier: MIT */
/*
 * keysched: the key derivations of RFC 7296 §2.13-2.17 and §2.23, one pure function per formula,
 * each carrying its formula. Inputs are caller buffers, outputs go to caller buffers; nothing is
 * kept, nothing is allocated, and every local that held key material is wiped before return
 * (on error paths too). The PRF itself comes from a suite class.
 */
#include <string.h>

#include "keysched.h"

enum {
    KS_MAX_SEG = 8,      /* segments of S in prf+ (ours use at most 4) */
    KS_MAX_BLOCKS = 255, /* RFC 7296 §2.13: the counter is one octet */
    /* SK_d + SK_pi + SK_pr + 2 * SK_a + 2 * SK_e at their largest (KEYMAT is shorter) */
    KS_MAX_IKE = 3 * MK_MAX_PRF_OUT + 2 * MK_MAX_INTEG_KEY + 2 * MK_MAX_ENCR_KEY,
};

/* prf+ (K,S) = T1 | T2 | T3 | T4 | ...
 *   T1 = prf (K, S | 0x01)
 *   T2 = prf (K, T1 | S | 0x02)
 *   Tn = prf (K, T(n-1) | S | n)          (RFC 7296 §2.13) */
mk_err mk_ks_prfplus(const mk_prf_class *prf, const uint8_t *key, size_t key_len, const mk_iov *s,
                     size_t n_s, uint8_t *out, size_t out_len)
{
    uint8_t t[MK_MAX_PRF_OUT];
    mk_iov in[KS_MAX_SEG + 2];
    uint8_t ctr = 1;
    size_t done = 0;

    if (prf == NULL || prf->out_len == 0 || prf->out_len > MK_MAX_PRF_OUT || n_s > KS_MAX_SEG)
        return MK_E_BAD_CONFIG;
    /* SPEC RFC7296 2.13: "...this construction ... T255 ... limits the output to 255 times
     * the PRF output size" (the counter is a single octet and must not wrap). */
    if (out_len > (size_t)KS_MAX_BLOCKS * prf->out_len)
        return MK_E_BAD_CONFIG;

    /* The input T(n-1) | S | n is laid out once: T(n-1) is t itself and n is ctr, so only the
     * first block differs, by leaving T(n-1) out. */
    in[0] = (mk_iov){t, prf->out_len};
    for (size_t i = 0; i < n_s; i++)
        in[1 + i] = s[i];
    in[1 + n_s] = (mk_iov){&ctr, 1};
    /* Each block chains on the previous one, so prf+ is strictly sequential, and a shorter
     * request yields a prefix of a longer one: the order in which the RFC slices SK_* out of the
     * stream is what makes both ends agree, not the total length. */
    while (done < out_len) {
        size_t first = ctr == 1; /* T1 = prf(K, S | 0x01): no T0 */
        prf->prf(key, key_len, in + first, n_s + 2 - first, t);
        size_t take = out_len - done < prf->out_len ? out_len - done : prf->out_len;
        memcpy(out + done, t, take);
        done += take;
        ctr++;
    }
    mk_wipe(t, sizeof t);
    return MK_E_OK;
}

/* prf+(key, S) cut into n keys, in order: dst[i] gets len[i] octets. key is SKEYSEED or SK_d,
 * both prf->out_len octets. The callers bound every len[i], so the sum fits buf. */
static mk_err ks_cut(const mk_prf_class *prf, const uint8_t *key, const mk_iov *s, size_t n_s,
                     uint8_t *const *dst, const size_t *len, size_t n)
{
    uint8_t buf[KS_MAX_IKE];
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += len[i];
    mk_err e = mk_ks_prfplus(prf, key, prf->out_len, s, n_s, buf, total);
    const uint8_t *p = buf;
    for (size_t i = 0; e == MK_E_OK && i < n; p += len[i++])
        memcpy(dst[i], p, len[i]);
    mk_wipe(buf, sizeof buf);
    return e;
}

/* SKEYSEED = prf(Ni | Nr, g^ir)            (RFC 7296 §2.14) */
void mk_ks_skeyseed(const mk_prf_class *prf, const uint8_t *ni, size_t ni_len, const uint8_t *nr,
                    size_t nr_len, const uint8_t *gir, size_t gir_len, uint8_t *skeyseed)
{
    /* The key is the concatenation Ni | Nr; nonces are at most MK_MAX_NONCE each.
     * With HMAC a key longer than the hash block (64 octets for SHA-256) is hashed first
     * (RFC 2104), so long nonces are fine; the DH secret is the message, not the key. */
    uint8_t k[2 * MK_MAX_NONCE];
    mk_iov in = {gir, gir_len};
    if (ni_len > MK_MAX_NONCE || nr_len > MK_MAX_NONCE) { /* callers check; be safe anyway */
        mk_wipe(skeyseed, prf->out_len);
        return;
    }
    memcpy(k, ni, ni_len);
    memcpy(k + ni_len, nr, nr_len);
    prf->prf(k, ni_len + nr_len, &in, 1, skeyseed);
    mk_wipe(k, sizeof k);
}

/* {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr}
 *                 = prf+ (SKEYSEED, Ni | Nr | SPIi | SPIr)      (RFC 7296 §2.14) */
mk_err mk_ks_ike_keys(const mk_prf_class *prf, const mk_integ_class *integ,
                      const mk_encr_class *encr, const uint8_t *skeyseed, const uint8_t *ni,
                      size_t ni_len, const uint8_t *nr, size_t nr_len, const uint8_t spi_i[8],
                      const uint8_t spi_r[8], mk_ike_sa_keys *k)
{
    const mk_iov s[4] = {{ni, ni_len}, {nr, nr_len}, {spi_i, 8}, {spi_r, 8}};
    if (prf == NULL || encr == NULL)
        return MK_E_BAD_CONFIG;
    /* RFC 7296 §2.14: SK_d, SK_pi, SK_pr have the PRF's preferred key length; SK_a* the
     * integrity key length (none with AEAD, RFC 5282 §7); SK_e* the cipher key plus salt. */
    size_t lp = prf->out_len, la = integ != NULL ? integ->key_len : 0, le = encr->key_len;
    if (lp > MK_MAX_PRF_OUT || la > MK_MAX_INTEG_KEY || le > MK_MAX_ENCR_KEY)
        return MK_E_BAD_CONFIG;
    memset(k, 0, sizeof *k);
    k->prf_len = lp;
    k->integ_len = la;
    k->encr_len = le;
    return ks_cut(prf, skeyseed, s, 4,
                  (uint8_t *const[]){k->d, k->ai, k->ar, k->ei, k->er, k->pi, k->pr},
                  (const size_t[]){lp, la, la, le, le, lp, lp}, 7);
}

/* MACedIDForI = prf(SK_pi, RestOfInitIDPayload)
 * MACedIDForR = prf(SK_pr, RestOfRespIDPayload)                (RFC 7296 §2.15) */
/* RestOf*IDPayload is the ID payload minus its 4-octet generic header: ID Type | RESERVED(3) |
 * Identification Data. This is what binds the identity into AUTH. */
void mk_ks_maced_id(const mk_prf_class *prf, const uint8_t *sk_p, const uint8_t *id_rest,
                    size_t id_rest_len, uint8_t *out)
{
    mk_iov in = {id_rest, id_rest_len};
    prf->prf(sk_p, prf->out_len, &in, 1, out);
}

/* InitiatorSignedOctets = RealMessage1 | NonceRData | MACedIDForI
 * ResponderSignedOctets = RealMessage2 | NonceIData | MACedIDForR
 * AUTH = prf( prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets>)   (RFC 7296 §2.15) */
/* "Key Pad for IKEv2": 17 ASCII octets, no terminating NUL (RFC 7296 §2.15). */
void mk_ks_psk_padkey(const mk_prf_class *prf, const uint8_t *psk, size_t psk_len, uint8_t *out)
{
    static const uint8_t keypad[17] = {'K', 'e', 'y', ' ', 'P', 'a', 'd', ' ', 'f',
                                       'o', 'r', ' ', 'I', 'K', 'E', 'v', '2'};
    mk_iov kp = {keypad, sizeof keypad};
    /* padkey depends on the PSK and the PRF only, so a port may store it (one per PRF offered)
     * instead of the PSK; it is exactly as sensitive: it is all an attacker needs to forge AUTH. */
    prf->prf(psk, psk_len, &kp, 1, out);
}

void mk_ks_auth_psk_pad(const mk_prf_class *prf, const uint8_t *padkey, const uint8_t *real_msg,
                        size_t real_len, const uint8_t *nonce, size_t nonce_len,
                        const uint8_t *sk_p, const uint8_t *id_rest, size_t id_rest_len,
                        uint8_t *out)
{
    uint8_t maced[MK_MAX_PRF_OUT];
    mk_ks_maced_id(prf, sk_p, id_rest, id_rest_len, maced);
    const mk_iov octets[3] = {{real_msg, real_len}, {nonce, nonce_len}, {maced, prf->out_len}};
    prf->prf(padkey, prf->out_len, octets, 3, out);
    mk_wipe(maced, sizeof maced);
}

/* KEYMAT = prf+(SK_d, Ni | Nr)                                   (RFC 7296 §2.17)
 * taken as: ei | ai (initiator->responder) | er | ar (responder->initiator) */
mk_err mk_ks_child_keys(const mk_prf_class *prf, const mk_integ_class *integ,
                        const mk_encr_class *encr, const uint8_t *sk_d, const uint8_t *ni,
                        size_t ni_len, const uint8_t *nr, size_t nr_len, mk_child_keys *k)
{
    const mk_iov s[2] = {{ni, ni_len}, {nr, nr_len}};
    if (prf == NULL || encr == NULL)
        return MK_E_BAD_CONFIG;
    size_t la = integ != NULL ? integ->key_len : 0, le = encr->key_len;
    if (la > MK_MAX_INTEG_KEY || le > MK_MAX_ENCR_KEY)
        return MK_E_BAD_CONFIG;
    memset(k, 0, sizeof *k);
    k->encr_len = le;
    k->integ_len = la;
    /* SPEC RFC7296 2.17: "All keys for SAs carrying data from the initiator to the responder
     * are taken before SAs going from the responder to the initiator ... the encryption key
     * ... MUST be taken from the first bits and the integrity key ... from the remaining". */
    return ks_cut(prf, sk_d, s, 2, (uint8_t *const[]){k->ei, k->ai, k->er, k->ar},
                  (const size_t[]){le, la, le, la}, 4);
}
