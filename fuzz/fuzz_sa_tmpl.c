/* SPDX-License-Identifier: MIT */
/* Target: mk_sa_tmpl_check (the minimal profile's SAr1 / SAr2 check, ref/src/sa_tmpl.c) */
/*
 * The input is a responder's SA payload body (generic header excluded); its first octet picks
 * the template (even: IKE, odd: ESP) and is not part of the body. Invariants: the template
 * checker gives exactly the answer of mk_sa_take_ike / mk_sa_take_esp for the one-suite config
 * (in the full profile: the generic codec and matcher of msg_sa.c + sa_list.c; in the minimal
 * one: sa_one.c itself), error name included, and for ESP the same SPI; an accepted body is
 * exactly one template-shaped proposal (so it is at least the template's length). In full
 * builds the fuzzer compiles sa_tmpl.c into this target itself (fuzz/CMakeLists.txt), since
 * mk_extra, where it otherwise lives, is not instrumented.
 */
#include "fuzz_common.h"
#include "sa.h"
#include "sa_tmpl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static mk_config cfg;
    static int ready;
    if (!ready) {
        mk_config_defaults(&cfg);
        cfg.n_ike = cfg.n_esp = 1; /* the minimal profile's one suite, in either profile */
        ready = 1;
    }
    if (size < 1)
        return 0;
    const uint8_t *body = data + 1;
    size_t len = size - 1;
    if ((data[0] & 1) == 0) {
        mk_ike_suite sel;
        mk_err t = mk_sa_tmpl_check(mk_sa_tmpl_ike, body, len, NULL);
        mk_err g = mk_sa_take_ike(&cfg, body, len, &sel);
        FZ_EAT(t);
        FZ_CHECK(t == g);
        FZ_CHECK(t != MK_E_OK || (len >= MK_SA_TMPL_IKE_LEN && sel.dh == MK_DH_X25519));
    } else {
        mk_esp_suite sel;
        uint32_t spi = 0, want = 0;
        mk_err t = mk_sa_tmpl_check(mk_sa_tmpl_esp, body, len, &want);
        mk_err g = mk_sa_take_esp(&cfg, body, len, &sel, &spi);
        /* the reserved-SPI rule (RFC 4303 §2.1) is the taker's, not the template's */
        if (t == MK_E_OK && want < 256)
            t = MK_E_BAD_PROPOSAL;
        FZ_EAT(t);
        FZ_CHECK(t == g);
        FZ_CHECK(t != MK_E_OK || (spi == want && len >= MK_SA_TMPL_ESP_LEN));
    }
    return 0;
}
