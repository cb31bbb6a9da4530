/* SPDX-License-Identifier: MIT */
/*
 * chk_soak: soak mode (see chk_soak.h). Every iteration is the honest handshake as a case of
 * its own (the initiator started afresh), with the engine applying the impairments.
 */
#include <stdlib.h>
#include <string.h>

#include "chk_soak.h"

static const chk_case soak_case = {
    .id = 0,
    .cat = "soak",
    .title = "handshake under loss, duplication, reordering and delay",
    .rfc = "RFC 7296 §2.1",
    .quote = "For every pair of IKE messages, the initiator is responsible for retransmission in "
             "the event of a timeout.",
    .ipv6 = "",
    .judge = J_ESTABLISH,
    .expect = "establishes despite the impairments",
};

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static uint32_t pct(const uint32_t *v, size_t n, unsigned p)
{
    if (n == 0)
        return 0;
    size_t i = (n * p + 99) / 100;
    return v[i == 0 ? 0 : i - 1];
}

int chk_soak(const chk_soak_opts *so, const chk_setup *su, const chk_opts *o, mk_io *io)
{
    chk_opts oo = *o;
    uint32_t *t = calloc(so->n, sizeof *t);
    size_t ok = 0, hung = 0, err = 0;
    if (t == NULL)
        return 2;
    oo.imp = so;
    printf("soak: %u handshakes, loss %u%%, dup %u%%, reorder %u%%, delay up to %u ms, seed %llu\n",
           so->n, so->loss, so->dup, so->reorder, so->delay_ms, (unsigned long long)o->seed);
    for (uint32_t i = 0; i < so->n; i++) {
        chk_result r;
        oo.seed = o->seed + i;
        if (chk_run_case(&soak_case, su, &oo, io, &r) != 0) {
            err++;
            printf("  #%u ERROR %s\n", i + 1, r.why);
            continue;
        }
        if (r.established)
            t[ok++] = r.est_ms;
        if (r.hung)
            hung++;
        if (o->verbose || !r.established)
            printf("  #%u %s %s (%u ms)%s\n", i + 1, r.established ? "established" : "FAILED",
                   r.why, r.established ? r.est_ms : r.ms, r.hung ? " [hang]" : "");
        free(r.trace);
        fflush(stdout);
    }
    qsort(t, ok, sizeof *t, cmp_u32);
    printf("soak result: %zu/%u established (%.1f%%), %zu hangs, %zu errors; "
           "time to established p50 %u ms, p90 %u ms, p99 %u ms, max %u ms\n",
           ok, so->n, so->n ? 100.0 * (double)ok / so->n : 0.0, hung, err, pct(t, ok, 50),
           pct(t, ok, 90), pct(t, ok, 99), ok ? t[ok - 1] : 0);
    free(t);
    return err ? 2 : ok == so->n ? 0 : 1;
}
