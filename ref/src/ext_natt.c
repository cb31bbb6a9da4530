/* SPDX-License-Identifier: MIT */
/*
 * ext_natt: NAT traversal, an extension of the spine (handshake.c), registered with MK_NATT
 * (RFC 7296 §2.23, RFC 3948). The IKE_SA_INIT request carries NAT_DETECTION_SOURCE_IP and
 * NAT_DETECTION_DESTINATION_IP; when the response carries them too, IKE floats to UDP 4500 with
 * the non-ESP marker from IKE_AUTH on, and ESP is UDP-encapsulated. Only with cfg->natt.
 */
#include <string.h>

#include "initiator_int.h"
#include "minike_tools.h"

#if MK_NATT

/* RFC 7296 §2.23: NAT_DETECTION_*_IP = SHA-1(SPIi | SPIr | IP | port), SPIr = 0 here */
static void natd_payloads(const mk_ike *ike, mk_wr *w, size_t *slot)
{
    static const uint8_t zero[8] = {0};
    uint8_t hash[20];
    if (!ike->cfg->natt)
        return;
    mk_ks_natd(ike->spi_i, zero, &ike->cfg->local, hash);
    mk_pl_notify(w, slot, MK_N_NAT_DETECTION_SOURCE_IP, hash, sizeof hash);
    mk_ks_natd(ike->spi_i, zero, &ike->cfg->remote, hash);
    mk_pl_notify(w, slot, MK_N_NAT_DETECTION_DESTINATION_IP, hash, sizeof hash);
}

/* RFC 7296 §2.23: compare the peer's NAT_DETECTION hashes with what we see. The peer's SOURCE
 * hash should match the address we send to (cfg->remote): if none of its SOURCE notifies does,
 * someone between us rewrote the peer's address. Its DESTINATION hash should match our own
 * address: if not, our address was rewritten (we are behind a NAT). Either way NAT is
 * "between"; a missing DESTINATION counts as a match. */
static bool nat_between(const mk_ike *ike, const mk_chain *c, const uint8_t spi_r[8])
{
    uint8_t want_src[20], want_dst[20];
    bool src_ok = false, dst_ok = true;
    mk_ks_natd(ike->spi_i, spi_r, &ike->cfg->remote, want_src);
    mk_ks_natd(ike->spi_i, spi_r, &ike->cfg->local, want_dst);
    for (size_t i = 0; i < c->n; i++) {
        mk_notify n;
        if (c->pl[i].type != MK_PT_NOTIFY ||
            mk_pl_decode_notify(&n, c->pl[i].body, c->pl[i].len) != MK_E_OK || n.data_len != 20)
            continue;
        if (n.type == MK_N_NAT_DETECTION_SOURCE_IP && memcmp(n.data, want_src, 20) == 0)
            src_ok = true;
        if (n.type == MK_N_NAT_DETECTION_DESTINATION_IP)
            dst_ok = memcmp(n.data, want_dst, 20) == 0;
    }
    return !(src_ok && dst_ok);
}

static void natt_commit(mk_ike *ike, const mk_msg *m, const mk_ini_init_x *x)
{
    const mk_chain *c = &m->chain;
    (void)x;
    if (!ike->cfg->natt || mk_chain_find_notify(c, MK_N_NAT_DETECTION_SOURCE_IP) == NULL ||
        mk_chain_find_notify(c, MK_N_NAT_DETECTION_DESTINATION_IP) == NULL)
        return;
    ike->peer_natd = true;
    ike->nat_detected = nat_between(ike, c, m->hdr.spi_r);
    /* RFC 7296 §2.23: both ends support NAT traversal: the initiator floats to UDP 4500 (with
     * the non-ESP marker) from IKE_AUTH on; it MUST do so when a NAT is detected. */
    ike->on_4500 = true;
    mk_ini_trace(ike, MK_EV_INFO,
                 ike->nat_detected ? "NAT detected: moving to UDP 4500"
                                   : "peer supports NAT-T: moving to UDP 4500");
}

const mk_ini_ext mk_ini_ext_natt = {
    .name = "NAT-T",
    .init_last = natd_payloads,
    .init_commit = natt_commit,
};
#else
typedef int mk_ini_natt_compiled_out; /* MK_NATT off; an empty file is not ISO C */
#endif
