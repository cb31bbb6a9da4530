/* SPDX-License-Identifier: MIT */
/*
 * sk: seal and open the Encrypted payload (RFC 7296 §3.14; AEAD ciphers per RFC 5282 §5).
 *
 *   SK payload = generic header (Next Payload = first inner type) | IV | ciphertext | ICV
 *   ciphertext = E(inner payloads | Padding | Pad Length)
 *   non-AEAD: ICV = MAC(SK_a, IKE header .. Pad Length) over the ciphertext (encrypt-then-MAC:
 *             etm.c, reached through the class, built with the full profile's CBC classes)
 *   AEAD:     AAD = IKE header | SK generic header; nonce = salt | IV; ICV = tag
 *
 * Opening verifies the ICV (or tag) over the whole message before a single decrypted octet is
 * looked at, and parses the inner chain only afterwards. It never writes outside the caller's
 * `plain` buffer, never touches the received datagram, and wipes `plain` on every failure.
 */
#include <string.h>

#include "sk.h"

/* SK_MAX_IV: one AES block (CBC); SK_MAX_ICV: HMAC-SHA2-512-256, the longest ICV registered.
 * SK_LEN_OFF and SK_NEXT_OFF are the IKE header's Length and Next Payload offsets. */
enum { SK_MAX_IV = 16, SK_MAX_ICV = 32, SK_LEN_OFF = 24, SK_NEXT_OFF = 16 };

size_t mk_sk_icv_len(const mk_sk_keys *k)
{
    if (k == NULL || k->encr == NULL || k->ek == NULL || k->encr->iv_len > SK_MAX_IV ||
        k->encr->block == 0)
        return 0;
    /* RFC 5282 §7: an AEAD cipher carries its own integrity; any other needs an INTEG, which
     * only its .etm knows (a non-AEAD class without one has icv_len 0: refused here). */
    size_t icv = k->encr->etm != NULL ? k->encr->etm->icv_len(k) : k->encr->icv_len;
    return icv <= SK_MAX_ICV ? icv : 0;
}

mk_err mk_sk_seal_span(const mk_sk_keys *k, uint8_t *msg, size_t iv_off, size_t ct_len)
{
    const mk_encr_class *c = k->encr;
    uint8_t *ct = msg + iv_off + c->iv_len;
    if (c->etm != NULL)
        return c->etm->seal(k, msg, iv_off, ct_len);
    /* RFC 5282 §5.1 (SK), RFC 4106 §5 / RFC 7634 §2 (ESP): AAD = everything before the IV. */
    return c->seal(k->ek, msg + iv_off, msg, iv_off, ct, ct_len, ct + ct_len);
}

mk_err mk_sk_open_unpad(const mk_sk_keys *k, const uint8_t *msg, size_t iv_off, uint8_t *buf,
                        size_t ct_len, size_t trailer, bool counted, size_t *body_len)
{
    const mk_encr_class *c = k->encr;
    /* The cipher checks the tag in constant time before it releases anything; on a mismatch it
     * returns ICV_MISMATCH and wipes buf (etm.c never decrypts it). */
    mk_err e = c->etm != NULL ? c->etm->open(k, msg, iv_off, buf, ct_len)
                              : c->open(k->ek, msg + iv_off, msg, iv_off, buf, ct_len,
                                        msg + iv_off + c->iv_len + ct_len);
    if (e != MK_E_OK)
        return e;
    /* Pad Length is read only after the ICV verified: every tampered message fails the same
     * way at the ICV, so there is no padding oracle even with CBC. RFC 7296 §3.14 and RFC 4303
     * §2.4: a Pad Length beyond the plaintext is malformed; RFC 4303 §2.4: with the default
     * padding "the receiver SHOULD inspect the Padding field" (counted: 1, 2, 3, ...). */
    size_t padlen = buf[ct_len - trailer];
    bool ok = padlen + trailer <= ct_len;
    for (size_t i = 0; ok && counted && i < padlen; i++)
        ok = buf[ct_len - trailer - padlen + i] == (uint8_t)(i + 1);
    if (!ok) {
        mk_wipe(buf, ct_len); /* a rejected message's plaintext is not released */
        return MK_E_BAD_SYNTAX;
    }
    *body_len = ct_len - trailer - padlen;
    return MK_E_OK;
}

/* extra_blocks and pad_fill exist for tests: longer-than-minimal padding with arbitrary
 * contents is what a receiver MUST accept (RFC 7296 §3.14), so test_sk.c builds it here. */
mk_err mk_sk_seal_raw(mk_wr *w, const mk_sk_keys *k, const mk_env *env, const uint8_t *iv,
                      uint8_t first, const uint8_t *inner, size_t inner_len, size_t extra_blocks,
                      uint8_t pad_fill)
{
    size_t block, pad, pt_len, icv, sk_off, total;
    uint8_t *q, *ct;
    mk_err e;

    if ((icv = mk_sk_icv_len(k)) == 0 || (iv == NULL && (env == NULL || env->rng == NULL)))
        return MK_E_BAD_CONFIG;
    if (w->err != MK_E_OK)
        return w->err;
    /* The writer must hold exactly the IKE header: SK is the only (and so the last) payload. */
    if (w->off != MK_HDR_LEN)
        return MK_E_BAD_STATE;
    block = k->encr->block;
    /* RFC 7296 §3.14: Padding makes (payloads | Padding | Pad Length) a multiple of the block
     * size; the sender SHOULD use the minimum. AEAD stream modes use block 1: no padding. */
    pad = (block - (inner_len + 1) % block) % block + extra_blocks * block;
    if (pad > 255)
        return MK_E_BAD_CONFIG;
    pt_len = inner_len + pad + 1;
    sk_off = w->off;
    total = MK_GEN_HDR_LEN + k->encr->iv_len + pt_len + icv;
    q = mk_wr_reserve(w, total);
    if (q == NULL)
        return w->err;
    /* The IKE header announces SK and covers the whole message (both are in the AAD / ICV). */
    /* Patched before sealing, never after: the header and the SK generic header are inside
     * the AAD (AEAD) or the ICV span, so a later change would invalidate the tag. */
    w->p[SK_NEXT_OFF] = MK_PT_SK;
    mk_wr_patch32(w, SK_LEN_OFF, 0);
    mk_wr_patch16(w, sk_off + 2, sk_off);
    if (w->err != MK_E_OK)
        return w->err;
    q[0] = first;
    q[1] = 0;
    /* RFC 7296 §3.14: the CBC IV MUST be unpredictable (fresh random); RFC 5282 §3.1: the
     * AEAD IV MUST be unique per key. 64 random bits from env->rng satisfy both for the few
     * messages one IKE SA protects. */
    if (iv != NULL)
        memcpy(q + MK_GEN_HDR_LEN, iv, k->encr->iv_len);
    else
        env->rng(env->ctx, q + MK_GEN_HDR_LEN, k->encr->iv_len);
    ct = q + MK_GEN_HDR_LEN + k->encr->iv_len;
    if (inner_len > 0)
        memcpy(ct, inner, inner_len);
    memset(ct + inner_len, pad_fill, pad);
    ct[pt_len - 1] = (uint8_t)pad;

    /* RFC 5282 §5.1: AAD = IKE header | SK generic header (everything before the IV).
     * RFC 7296 §3.14: a MAC covers the message from the IKE header through the Pad Length,
     * after encryption. Both: mk_sk_seal_span. */
    e = mk_sk_seal_span(k, w->p, sk_off + MK_GEN_HDR_LEN, pt_len);
    if (e != MK_E_OK) {
        mk_wipe(q, total); /* never leave the plaintext behind in the output */
        w->err = e;
    }
    return e;
}

mk_err mk_sk_seal(mk_wr *w, const mk_sk_keys *k, const mk_env *env, uint8_t first,
                  const uint8_t *inner, size_t inner_len)
{
    return mk_sk_seal_raw(w, k, env, NULL, first, inner, inner_len, 0, 0);
}

mk_err mk_sk_open(const mk_msg *m, const mk_sk_keys *k, uint8_t *plain, size_t cap, mk_chain *inner)
{
    size_t ivl, icv, ct_len, body_len;
    mk_rd r;
    mk_err e;

    if ((icv = mk_sk_icv_len(k)) == 0)
        return MK_E_BAD_CONFIG;
    if (!m->has_sk || m->sk_body == NULL)
        return MK_E_BAD_SYNTAX;
    ivl = k->encr->iv_len;
    /* The ICV span below is computed from m's offsets: mk_msg_parse, the only producer of an
     * mk_msg with has_sk, guarantees that the SK payload ends the message exactly and that
     * sk_body sits MK_GEN_HDR_LEN after sk_hdr_off (RFC 7296 §3.14; fuzz_msg_parse asserts it). */
    /* IV | at least the Pad Length octet | ICV */
    if (m->sk_len < ivl + 1 + icv)
        return MK_E_BAD_LENGTH;
    ct_len = m->sk_len - ivl - icv;
    if (ct_len % k->encr->block != 0)
        return MK_E_BAD_LENGTH;
    if (ct_len > cap)
        return MK_E_BUF_TOO_SMALL;

    /* Decryption happens in `plain`, never in the received datagram: the caller's copy stays
     * intact (traces show it after the open), and only `plain` needs wiping on failure. */
    /* SPEC RFC7296 3.14: the ICV (AEAD tag, RFC 5282 §5.1, or MAC "computed over the encrypted
     * message") is verified, in constant time, before anything is decrypted or parsed. */
    memcpy(plain, m->sk_body + ivl, ct_len);
    /* SPEC RFC7296 3.14: "...the recipient MUST accept any length that results in proper
     * alignment" - and any Padding value: only Pad Length is read, never the padding (the
     * trailer is Pad Length alone). */
    e = mk_sk_open_unpad(k, m->dgram, m->sk_hdr_off + MK_GEN_HDR_LEN, plain, ct_len, 1, false,
                         &body_len);
    if (e != MK_E_OK)
        goto fail;
    /* The inner chain: no SK inside SK (NULL), so there is no SK view to return. */
    r = mk_rd_init(plain, body_len);
    e = mk_chain_parse(inner, m->sk_first, &r, NULL);
    if (e == MK_E_OK)
        return MK_E_OK;
fail:
    mk_wipe(plain, ct_len);
    memset(inner, 0, sizeof *inner);
    return e;
}
