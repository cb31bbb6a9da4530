/* SPDX-License-Identifier: MIT */
/*
 * esp: sans-I/O ESP (RFC 4303) in the minimal profile of RFC 9333: no ESN, one SA per direction,
 * a 64-packet replay window. Sealing builds SPI | Seq | IV | E(payload | pad | padlen | next) |
 * ICV into the caller's buffer; opening checks SPI, replay window and ICV *before* anything is
 * decrypted or trusted, then checks the padding, and only then advances the replay window.
 * AEAD ciphers (AES-GCM, AES-CCM, ChaCha20-Poly1305) take AAD = SPI | Seq and use the 64-bit
 * sequence number as IV (RFC 4106 §3.1, RFC 7634 §2); AES-CBC takes a random IV from env->rng
 * and an HMAC over SPI..ciphertext, both from etm.c through the class (full profile only). This
 * module must never let a dropped packet change anything but sa->dropped, never let the outbound
 * sequence number cycle, and never allocate.
 */
#include <string.h>

#include "esp.h"
#include "sk.h"
#include "wire.h"

enum {
    ESP_HDR = 8,     /* SPI (4) | Sequence Number (4) */
    ESP_TRAILER = 2, /* Pad Length (1) | Next Header (1) */
    ESP_ALIGN = 4,   /* RFC 4303 §2.4: trailer right-aligned in a 4-octet word */
};

/* The classes and keys of one direction of an SA, looked up in the SA's registry. */
typedef struct esp_algs {
    mk_sk_keys k;
    size_t icv_len, align;
} esp_algs;

/* Looked up on every call: mk_esp_sa holds IANA numbers, keys, counters and a pointer to a
 * static registry, so the caller may copy it out of mk_ike by value (mk_child) and keep it
 * anywhere. The registry is the SA's own, never mk_suites_default(): that one names every
 * class of the full profile, and a reference from here would link all of them (mbedTLS
 * included) into an image whose configured registry is libsodium only. */
static mk_err esp_algs_get(const mk_esp_sa *sa, bool outbound, esp_algs *a)
{
    /* a NULL registry finds nothing: BAD_CONFIG below */
    const mk_encr_class *c = mk_suite_encr(sa->suites, sa->encr, sa->encr_bits);
    a->k = (mk_sk_keys){c, NULL, outbound ? sa->ek_out : sa->ek_in, NULL};
    if (c == NULL || c->key_len != sa->ek_len)
        return MK_E_BAD_CONFIG;
    /* Combined-mode ciphers carry their own ICV; any other takes the SA's INTEG (etm.c). */
    if (c->etm != NULL && !c->etm->esp_keys(sa, outbound, &a->k))
        return MK_E_BAD_CONFIG;
    a->icv_len = mk_sk_icv_len(&a->k);
    /* RFC 4303 §2.4: the padding also fills the plaintext to the cipher's block size. align
     * <= 255 because the padding, at most align - 1 octets, must fit the one-octet Pad Length
     * (RFC 4303 §2.5: 0..255). */
    a->align = c->block > ESP_ALIGN ? c->block : ESP_ALIGN;
    if (a->icv_len == 0 || a->align > 255)
        return MK_E_BAD_CONFIG;
    return MK_E_OK;
}

/* ---- seal ------------------------------------------------------------------------------------ */

/* iv: the caller's (known-answer vectors), or NULL for the one the cipher calls for: the
 * sequence number (AEAD) or a random one from env->rng (CBC, etm.c). */
mk_err mk_esp_seal_iv(mk_esp_sa *sa, const mk_env *env, const uint8_t *iv, uint8_t next_header,
                      const uint8_t *payload, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
    esp_algs a;
    mk_err e;

    *out_len = 0;
    if ((e = esp_algs_get(sa, true, &a)) != MK_E_OK)
        return e;
    /* RFC 4303 §3.3.3: "If anti-replay is enabled (the default), the sender checks to ensure
     * that the counter has not cycled before inserting the new value in the Sequence Number
     * field. In other words, the sender MUST NOT send a packet on an SA if doing so would
     * cause the sequence number to cycle." Without ESN the last usable number is 2^32 - 1.
     * Checked before anything else, so a refused seal draws no random IV either. */
    if (sa->seq_out == UINT32_MAX)
        return MK_E_BAD_STATE;
    uint32_t seq = sa->seq_out + 1;
    size_t iv_len = a.k.encr->iv_len;

    /* Sizes, without overflow: len is bounded first, everything else is small. */
    if (len > cap || len > SIZE_MAX / 2)
        return MK_E_BUF_TOO_SMALL;
    /* RFC 4303 §2.4: padding makes payload | pad | trailer a multiple of the alignment. */
    /* Example: 37 octets with align 4: (4 - 39 % 4) % 4 = 1 pad octet, 40 octets encrypted.
     * Only the minimum is sent; extra padding to hide lengths (TFC) is not implemented. */
    size_t pad = (a.align - (len + ESP_TRAILER) % a.align) % a.align;
    size_t ct_len = len + pad + ESP_TRAILER;
    size_t total = ESP_HDR + iv_len + ct_len + a.icv_len;
    if (total > cap)
        return MK_E_BUF_TOO_SMALL;

    uint8_t *ct = out + ESP_HDR + iv_len;
    memmove(ct, payload, len); /* payload may already sit in `out` */
    /* RFC 4303 §2.4: "the Padding bytes are initialized with a series of (unsigned, 1-byte)
     * integer values. The first padding byte appended to the plaintext is numbered 1". */
    for (size_t i = 0; i < pad; i++)
        ct[len + i] = (uint8_t)(i + 1);
    ct[len + pad] = (uint8_t)pad;
    ct[len + pad + 1] = next_header;

    /* The IV: RFC 4106 §3.1 / RFC 7634 §2: an AEAD IV "MUST NOT repeat for a given key"; the
     * 64-bit big-endian sequence number is unique because it never cycles (above). Without ESN
     * its top 32 bits are zero. No random octets per packet are needed, and the receiver learns
     * nothing from the IV it does not already see in the header. CBC (etm.c): a random IV. */
    mk_wr w = mk_wr_init(out, ESP_HDR + iv_len);
    mk_wr_u32(&w, sa->spi_out);
    mk_wr_u32(&w, seq);
    if (iv != NULL)
        mk_wr_bytes(&w, iv, iv_len);
    else if (a.k.encr->etm != NULL)
        e = a.k.encr->etm->esp_iv(env, out + ESP_HDR, iv_len);
    else
        for (size_t i = 0; i < iv_len; i++)
            out[ESP_HDR + iv_len - 1 - i] = (uint8_t)(i < 4 ? seq >> (8 * i) : 0);

    /* RFC 4106 §5 / RFC 7634 §2: AAD = SPI | 32-bit Sequence Number (no ESN); RFC 4303 §2.8:
     * a MAC covers the ESP header, IV and ciphertext. Both: mk_sk_seal_span. */
    if (e == MK_E_OK)
        e = mk_sk_seal_span(&a.k, out, ESP_HDR, ct_len);
    if (e != MK_E_OK) {
        mk_wipe(out, total); /* never leave plaintext behind in a half-built packet */
        return e;
    }
    /* The counter advances only here, after a packet was really produced: a seal that fails
     * (buffer too small, cipher error) does not burn a sequence number, nor an AEAD IV. */
    sa->seq_out = seq;
    *out_len = total;
    return MK_E_OK;
}

mk_err mk_esp_seal(mk_esp_sa *sa, const mk_env *env, uint8_t next_header, const uint8_t *payload,
                   size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
    return mk_esp_seal_iv(sa, env, NULL, next_header, payload, len, out, cap, out_len);
}

/* ---- the replay window (RFC 4303 §3.4.3, Appendix A2 with a 64-bit bitmap) ------------------ */

/* RFC 4303 §3.4.3: a receiver MUST support a window of at least 32 packets and SHOULD use 64
 * by default. 64 is also exactly one uint64_t, so the window is one word and one shift. */
/* Pure check: may `seq` be accepted? Bit i of the bitmap stands for replay_top - i. */
static bool replay_ok(const mk_esp_sa *sa, uint32_t seq)
{
    /* RFC 4303 §3.3.2: "the first packet sent using a given SA will contain a Sequence Number
     * of 1", so 0 is never valid. */
    if (seq == 0)
        return false;
    if (seq > sa->replay_top)
        return true;
    uint32_t diff = sa->replay_top - seq;
    /* RFC 4303 §3.4.3: packets left of the window, and duplicates in it, are rejected. */
    if (diff >= MK_ESP_REPLAY_WINDOW)
        return false;
    return (sa->replay_bitmap & ((uint64_t)1 << diff)) == 0;
}

/* Slide right by the distance to the new top (a jump of 64 or more clears the window), then
 * mark seq; a seq inside the window just sets its bit. Called only for accepted packets. */
static void replay_update(mk_esp_sa *sa, uint32_t seq)
{
    if (seq > sa->replay_top) {
        uint32_t shift = seq - sa->replay_top;
        sa->replay_bitmap = shift >= MK_ESP_REPLAY_WINDOW ? 0 : sa->replay_bitmap << shift;
        sa->replay_top = seq;
    }
    sa->replay_bitmap |= (uint64_t)1 << (sa->replay_top - seq); /* bit 0 after a slide */
}

/* ---- open ------------------------------------------------------------------------------------ */

static mk_err open_core(mk_esp_sa *sa, uint8_t *pkt, size_t len, uint8_t *next_header,
                        const uint8_t **inner, size_t *inner_len)
{
    esp_algs a;
    mk_err e;

    if ((e = esp_algs_get(sa, false, &a)) != MK_E_OK)
        return e;
    size_t hdr = ESP_HDR + a.k.encr->iv_len;
    if (len < hdr + ESP_TRAILER + a.icv_len)
        return MK_E_TRUNCATED;
    size_t ct_len = len - hdr - a.icv_len;
    uint8_t *ct = pkt + hdr;

    /* Order: SPI, replay, length, ICV, decrypt, padding, window update. The replay test comes
     * before the ICV because it is free and turns away a flood of replayed packets without any
     * crypto work; the window moves only at the end, so a forged packet with a huge sequence
     * number (ICV wrong) cannot push genuine ones out of the window. */
    mk_rd r = mk_rd_init(pkt, ESP_HDR);
    if (mk_rd_u32(&r) != sa->spi_in)
        return MK_E_WRONG_SPI;
    uint32_t seq = mk_rd_u32(&r);
    /* RFC 4303 §3.4.3: "If the received packet falls within the window and is not a duplicate,
     * or if the packet is to the right of the window, then the receiver proceeds to ICV
     * verification." This check changes nothing. */
    if (!replay_ok(sa, seq))
        return MK_E_REPLAY;
    /* RFC 4303 §2.4: the ciphertext is a whole number of blocks and 4-octet aligned. */
    if (ct_len % a.align != 0)
        return MK_E_BAD_SYNTAX;

    /* RFC 4303 §3.4.4: verify the ICV before decrypting; nothing is trusted before it. On
     * ICV_MISMATCH the AEAD class wiped ct (etm.c never decrypted it); CRYPTO likewise. Then
     * RFC 4303 §2.4: with the default padding "the receiver SHOULD inspect the Padding field";
     * anything but 1, 2, 3, ... is malformed (BAD_SYNTAX, ct wiped), as is a Pad Length beyond
     * the plaintext. */
    e = mk_sk_open_unpad(&a.k, pkt, ESP_HDR, ct, ct_len, ESP_TRAILER, true, inner_len);
    if (e != MK_E_OK)
        return e;
    /* RFC 4303 §3.4.3: "The receive window is updated only if the ICV verification
     * succeeds" (and, here, only if the packet is accepted as a whole). */
    replay_update(sa, seq);
    *next_header = ct[ct_len - 1];
    *inner = ct;
    return MK_E_OK;
}

mk_err mk_esp_open(mk_esp_sa *sa, uint8_t *pkt, size_t len, uint8_t *next_header,
                   const uint8_t **inner, size_t *inner_len)
{
    *inner = NULL;
    *inner_len = 0;
    *next_header = 0;
    mk_err e = open_core(sa, pkt, len, next_header, inner, inner_len);
    /* A saturating counter: the only trace a dropped packet may leave on the SA. */
    if (e != MK_E_OK && mk_err_class(e) == MK_CLASS_DROP && sa->dropped != UINT32_MAX)
        sa->dropped++;
    return e;
}

void mk_esp_wipe(mk_esp_sa *sa)
{
    mk_wipe(sa, sizeof *sa);
}
