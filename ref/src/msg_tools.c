/* SPDX-License-Identifier: MIT */
/*
 * msg_tools: the encoders only the tools in this tree use (the harness's responder, the checker,
 * tests, fuzzers' seed generators): a whole IKE header from an mk_hdr, Nonce and TS bodies that
 * check what they are given, a Notify with an SPI, a Delete with SPIs; and the decoder of any
 * Delete. The initiator core never sends those (its header is written by initiator.c, its
 * notifies carry no SPI: mk_pl_notify, its one Delete names the IKE SA) and of a Delete it
 * received only asks whether it deletes the IKE SA (initiator_peer_req.c), so sources.txt keeps
 * this file out of every device image. Same rules as msg.c: untrusted bytes through mk_rd, writes
 * through mk_wr only.
 */
#include "msg_tools.h"

/* The header is written with whatever Length the caller has so far; builders patch offset 24
 * (mk_wr_patch32) once the payloads are known. The bytes written here become part of
 * RealMessage1, so a retransmission resends the stored buffer rather than re-encoding it:
 * RFC 7296 §2.1 wants retransmissions bitwise identical. */
void mk_hdr_encode(mk_wr *w, const mk_hdr *h)
{
    mk_wr_bytes(w, h->spi_i, 8);
    mk_wr_bytes(w, h->spi_r, 8);
    mk_wr_u8(w, h->next);
    mk_wr_u8(w, h->version);
    mk_wr_u8(w, h->exchange);
    mk_wr_u8(w, h->flags);
    mk_wr_u32(w, h->msgid);
    mk_wr_u32(w, h->length);
}

void mk_pl_encode_notify(mk_wr *w, uint8_t proto, const uint8_t *spi, uint8_t spi_len,
                         uint16_t type, const uint8_t *data, size_t data_len)
{
    /* RFC 7296 §3.10: Protocol ID "MUST be sent as zero" when there is no SPI. */
    mk_wr_u8(w, spi_len == 0 ? 0 : proto);
    mk_wr_u8(w, spi_len);
    mk_wr_u16(w, type);
    mk_wr_bytes(w, spi, spi_len);
    mk_wr_bytes(w, data, data_len);
}

void mk_pl_encode_delete(mk_wr *w, uint8_t proto, uint8_t spi_len, const uint8_t *spis,
                         uint16_t n_spi)
{
    mk_wr_u8(w, proto);
    mk_wr_u8(w, spi_len);
    mk_wr_u16(w, n_spi);
    mk_wr_bytes(w, spis, (size_t)spi_len * n_spi);
}

mk_err mk_pl_decode_delete(mk_deletev *d, const uint8_t *body, size_t len)
{
    mk_rd r = mk_rd_init(body, len);
    /* msg.c's body bounds for D (pl_fits): the 4 fixed octets, at most a 16-bit Payload Length;
     * BAD_LENGTH first, then the fields read as zeros */
    if (len < 4 || len > UINT16_MAX)
        (void)mk_rd_fail(&r, MK_E_BAD_LENGTH);
    uint32_t v = mk_rd_u32(&r); /* Protocol ID | SPI Size | # of SPIs */
    d->proto = (uint8_t)(v >> 24);
    d->spi_len = (uint8_t)(v >> 16);
    d->n_spi = (uint16_t)v;
    /* Each check below keeps an earlier error (a short body reads as zeros); RFC 7296 §3.11:
     * Protocol ID "Must be 1 for an IKE SA, 2 for AH, or 3 for ESP"; SPI Size "MUST be zero for IKE
     * (SPI is in message header) or four for AH and ESP." */
    bool ipsec = d->proto == MK_PROTO_AH || d->proto == MK_PROTO_ESP;
    if (d->proto == MK_PROTO_IKE ? d->spi_len != 0 : !ipsec || d->spi_len != 4)
        (void)mk_rd_fail(&r, MK_E_BAD_SYNTAX);
    /* the cap keeps mk_deletev fixed-size (msg.h says why it may) */
    if (d->n_spi > MK_MAX_DELETE_SPIS)
        (void)mk_rd_fail(&r, MK_E_TOO_MANY);
    /* "# of SPIs" times "SPI Size" must be exactly the rest of the body. */
    size_t spis_len = (size_t)d->n_spi * d->spi_len;
    d->spis = spis_len != 0 ? mk_rd_bytes(&r, spis_len) : NULL;
    /* consumed exactly: the first error, else BAD_LENGTH for octets left over */
    return mk_rd_end(&r) ? MK_E_OK : mk_rd_fail(&r, MK_E_BAD_LENGTH);
}

void mk_pl_encode_nonce(mk_wr *w, const uint8_t *n, size_t len)
{
    /* RFC 7296 §3.9: the sender MUST keep the nonce within 16..256 octets too. */
    if ((len < 16 || len > MK_MAX_NONCE) && w->err == MK_E_OK)
        w->err = MK_E_BAD_CONFIG; /* the write below is then a no-op */
    mk_wr_bytes(w, n, len);
}

void mk_pl_encode_ts(mk_wr *w, const mk_ts *ts, size_t n)
{
    /* RFC 7296 §3.13.1: only the two address range types have a defined Selector Length. */
    bool ok = n != 0 && n <= MK_MAX_TS;
    for (size_t i = 0; ok && i < n; i++)
        ok = ts[i].type == MK_TS_IPV4_RANGE || ts[i].type == MK_TS_IPV6_RANGE;
    if (!ok && w->err == MK_E_OK)
        w->err = MK_E_BAD_CONFIG; /* mk_pl_write_ts then writes nothing */
    mk_pl_write_ts(w, ts, n);
}
