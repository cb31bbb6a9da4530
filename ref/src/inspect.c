/* SPDX-License-Identifier: MIT */
/*
 * inspect: looking into an SA from outside (minike_tools.h): the suites the responder chose and
 * the IKE SA keys for a key file the user asked for (Wireshark's ikev2_decryption_table). Tools
 * only (ref/src/sources.txt): the core never calls them and a device image does not carry them.
 * Reads mk_ike, never writes it; copies keys only into the caller's buffer.
 */
#include <string.h>

#include "initiator_int.h"
#include "minike_tools.h"

/* The IKE SA keys exist from the accepted IKE_SA_INIT response (AUTH_SENT) until the SA ends:
 * every end wipes them (mk_ini_wipe_secrets) and leaves CLOSED or FAILED. What only these tools
 * read is derived here rather than kept in mk_ike for them. */
static bool keys_exist(const mk_ike *ike)
{
    return ike->st == MK_ST_AUTH_SENT || ike->st == MK_ST_ESTABLISHED ||
           ike->st == MK_ST_DELETE_SENT;
}

bool mk_suite_selected(const mk_ike *ike, mk_ike_suite *ike_out, mk_esp_suite *esp_out)
{
    if (!keys_exist(ike))
        return false;
    *ike_out = ike->sel;
    if (esp_out != NULL) /* the child SA's transforms once it is keyed, zeros before */
        *esp_out = ike->child_ok
                       ? (mk_esp_suite){ike->child.encr, ike->child.encr_bits, ike->child.integ}
                       : (mk_esp_suite){0};
    return true;
}

/* The SK_e and SK_a keys leave whenever they exist (a Wireshark decryption table needs nothing
 * else). SK_d, SK_pi and SK_pr leave only in AUTH_SENT, the one window in which they still exist:
 * once the child SA is keyed they are wiped (there is no rekey), so they cannot be exported. */
bool mk_keys_export(const mk_ike *ike, mk_ike_keys *out)
{
    mk_ini_cls c;
    if (!keys_exist(ike))
        return false;
    mk_ini_sel_cls(ike, &c); /* the key lengths: those the key schedule cut (keysched.c) */
    memset(out, 0, sizeof *out);
    memcpy(out->spi_i, ike->spi_i, 8);
    memcpy(out->spi_r, ike->spi_r, 8);
    out->encr = ike->sel.encr;
    out->encr_bits = ike->sel.encr_bits;
    out->integ = ike->sel.integ;
    out->encr_len = (uint8_t)c.encr->key_len;
    out->integ_len = c.integ != NULL ? (uint8_t)c.integ->key_len : 0;
    memcpy(out->sk_ei, ike->sk_ei, out->encr_len);
    memcpy(out->sk_er, ike->sk_er, out->encr_len);
    memcpy(out->sk_ai, ike->sk_ai, out->integ_len);
    memcpy(out->sk_ar, ike->sk_ar, out->integ_len);
    if (ike->st == MK_ST_AUTH_SENT) { /* SK_d/pi/pr still exist: see mk_ike_keys */
        out->prf_len = (uint8_t)c.prf->out_len;
        memcpy(out->sk_d, ike->sk_d, out->prf_len);
        memcpy(out->sk_pi, ike->sk_pi, out->prf_len);
        memcpy(out->sk_pr, ike->sk_pr, out->prf_len);
    }
    return true;
}
