/* SPDX-License-Identifier: MIT */
/*
 * msg_tools: the encoders only the tools in this tree use (the harness's responder, the checker,
 * tests, fuzzers' seed generators): a whole IKE header from an mk_hdr, Nonce and TS bodies that
 * check what they are given, a Notify with an SPI, a Delete with SPIs. The initiator core never
 * sends those (its header is written by initiator.c, its notifies carry no SPI: mk_pl_notify, its
 * one Delete names the IKE SA), so sources.txt keeps this file out of every device image. Same
 * rules as msg.c: write through mk_wr only.
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
