/* SPDX-License-Identifier: MIT */
/*
 * tiny_esp: the one ESP SA (RFC 4303) with ChaCha20-Poly1305 (RFC 7634): SPI | Seq | IV |
 * E(payload | pad | padlen | next header) | ICV, the IV being the sequence number, and a
 * 64-packet replay window.
 */
#include "tiny_int.h"

enum { ESP_HDR = 8, ESP_TRAILER = 2, ALIGN = 4 };

mt_err mt_esp_seal(mt_esp_sa *sa, uint8_t next_header, const uint8_t *payload, size_t len,
                   uint8_t *out, size_t cap, size_t *out_len)
{
    /* RFC 4303 §2.4: payload | padding | Pad Length | Next Header ends on 4 octets; padding is
     * 1, 2, 3, ... and only the minimum is sent */
    size_t pad = (ALIGN - (len + ESP_TRAILER) % ALIGN) % ALIGN;
    size_t ct_len = len + pad + ESP_TRAILER, total = ESP_HDR + MT_IV_LEN + ct_len + MT_ICV_LEN;
    *out_len = 0;
    if (len > cap || total > cap)
        return MT_E_BUF_TOO_SMALL;
    /* RFC 4303 §3.3.3: the sequence number MUST NOT cycle (no ESN: 2^32 - 1 packets per SA) */
    if (sa->seq_out == UINT32_MAX)
        return MT_E_BAD_STATE;
    uint32_t seq = ++sa->seq_out;
    put32(out, sa->spi_out);
    put32(out + 4, seq);
    /* RFC 7634 §2: the IV MUST be unique per key: the sequence number, as 64 bits */
    memset(out + ESP_HDR, 0, 4);
    put32(out + ESP_HDR + 4, seq);
    uint8_t *ct = out + ESP_HDR + MT_IV_LEN;
    memmove(ct, payload, len);
    for (size_t i = 0; i < pad; i++)
        ct[len + i] = (uint8_t)(i + 1);
    ct[len + pad] = (uint8_t)pad;
    ct[len + pad + 1] = next_header;
    (void)mt_aead(sa->k_out, out, ESP_HDR, ct_len, true);
    *out_len = total;
    return MT_E_OK;
}

/* RFC 4303 §3.4.3: may seq be accepted? (bit i of the bitmap: replay_top - i was) */
static bool replay_ok(const mt_esp_sa *sa, uint32_t seq)
{
    uint32_t diff = sa->replay_top - seq;
    /* RFC 4303 §3.3.2: the first packet is number 1, so 0 is never valid */
    return seq != 0 &&
           (seq > sa->replay_top || (diff < MT_REPLAY_WINDOW && !(sa->replay_bitmap >> diff & 1)));
}

static mt_err open_core(mt_esp_sa *sa, uint8_t *pkt, size_t len, uint8_t *nh, size_t *inner_len)
{
    if (len < ESP_HDR + MT_IV_LEN + ESP_TRAILER + MT_ICV_LEN)
        return MT_E_MALFORMED;
    size_t ct_len = len - ESP_HDR - MT_IV_LEN - MT_ICV_LEN;
    uint8_t *ct = pkt + ESP_HDR + MT_IV_LEN;
    uint32_t seq = be32(pkt + 4);
    if (be32(pkt) != sa->spi_in)
        return MT_E_UNEXPECTED;
    /* before the ICV: free, and turns a flood of replays away without crypto */
    if (!replay_ok(sa, seq))
        return MT_E_REPLAY;
    if (ct_len % ALIGN != 0)
        return MT_E_MALFORMED;
    /* RFC 4303 §3.4.4: the ICV is verified before anything is decrypted */
    if (!mt_aead(sa->k_in, pkt, ESP_HDR, ct_len, false))
        return MT_E_ICV;
    size_t pad = ct[ct_len - 2];
    bool ok = pad + ESP_TRAILER <= ct_len;
    /* RFC 4303 §2.4: "the receiver SHOULD inspect the Padding field" (1, 2, 3, ...) */
    for (size_t i = 0; ok && i < pad; i++)
        ok = ct[ct_len - ESP_TRAILER - pad + i] == (uint8_t)(i + 1);
    if (!ok) {
        mt_wipe(ct, ct_len);
        return MT_E_MALFORMED;
    }
    /* RFC 4303 §3.4.3: the window moves only for a packet whose ICV verified */
    if (seq > sa->replay_top) {
        uint32_t shift = seq - sa->replay_top;
        sa->replay_bitmap = shift >= MT_REPLAY_WINDOW ? 0 : sa->replay_bitmap << shift;
        sa->replay_top = seq;
    }
    sa->replay_bitmap |= (uint64_t)1 << (sa->replay_top - seq);
    *nh = ct[ct_len - 1];
    *inner_len = ct_len - ESP_TRAILER - pad;
    return MT_E_OK;
}

mt_err mt_esp_open(mt_esp_sa *sa, uint8_t *pkt, size_t len, uint8_t *next_header,
                   const uint8_t **inner, size_t *inner_len)
{
    *next_header = 0;
    *inner_len = 0;
    mt_err e = open_core(sa, pkt, len, next_header, inner_len);
    *inner = e == MT_E_OK ? pkt + ESP_HDR + MT_IV_LEN : NULL;
    if (e != MT_E_OK && sa->dropped != UINT32_MAX)
        sa->dropped++;
    return e;
}

void mt_esp_wipe(mt_esp_sa *sa)
{
    mt_wipe(sa, sizeof *sa);
}
