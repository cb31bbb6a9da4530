/* SPDX-License-Identifier: MIT */
/*
 * inspect: looking into an SA from outside (minike_tools.h): the suites the responder chose and
 * the IKE SA keys for a key file the user asked for (Wireshark's ikev2_decryption_table). Tools
 * only (ref/src/sources.txt): the core never calls them and a device image does not carry them.
 * Reads mk_ike, never writes it; copies keys only into the caller's buffer.
 */
#include <string.h>

#include "minike_tools.h"

bool mk_suite_selected(const mk_ike *ike, mk_ike_suite *ike_out, mk_esp_suite *esp_out)
{
    if (!ike->keys_ok)
        return false;
    *ike_out = ike->sel;
    if (esp_out != NULL)
        *esp_out = ike->esp_sel;
    return true;
}

/* The SK_e and SK_a keys leave whenever they exist (a Wireshark decryption table needs nothing
 * else). SK_d, SK_pi and SK_pr leave only in AUTH_SENT, the one window in which they still exist:
 * once the child SA is keyed they are wiped (there is no rekey), so they cannot be exported. */
bool mk_keys_export(const mk_ike *ike, mk_ike_keys *out)
{
    if (!ike->keys_ok)
        return false;
    memset(out, 0, sizeof *out);
    memcpy(out->spi_i, ike->spi_i, 8);
    memcpy(out->spi_r, ike->spi_r, 8);
    out->encr = ike->sel.encr;
    out->encr_bits = ike->sel.encr_bits;
    out->integ = ike->sel.integ;
    memcpy(out->sk_ei, ike->sk_ei, ike->encr_len);
    memcpy(out->sk_er, ike->sk_er, ike->encr_len);
    memcpy(out->sk_ai, ike->sk_ai, ike->integ_len);
    memcpy(out->sk_ar, ike->sk_ar, ike->integ_len);
    out->encr_len = ike->encr_len;
    out->integ_len = ike->integ_len;
    if (ike->st == MK_ST_AUTH_SENT) { /* SK_d/pi/pr still exist: see mk_ike_keys */
        memcpy(out->sk_d, ike->sk_d, ike->prf_len);
        memcpy(out->sk_pi, ike->sk_pi, ike->prf_len);
        memcpy(out->sk_pr, ike->sk_pr, ike->prf_len);
        out->prf_len = ike->prf_len;
    }
    return true;
}
