/* SPDX-License-Identifier: MIT */
/* bench_handshake: wall time of one full in-process PSK handshake (both sides' crypto) per
 * suite, and the bytes and round trips it puts on the wire. Usage: bench_handshake [N] */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "pair.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 50;
    if (sodium_init() < 0)
        return 1;
    static mk_ike ike;
    printf("%-36s %10s %8s %8s %6s\n", "suite", "ms/hshake", "tx B", "rx B", "RTs");
    for (size_t i = 0; i < sizeof bench_suites / sizeof bench_suites[0]; i++) {
        mk_stats st = {0};
        double t0 = now_s();
        int ok = 0;
        for (int k = 0; k < n; k++)
            ok += bench_pair(&ike, &bench_suites[i].ike, &bench_suites[i].esp, &st) ==
                  MK_ST_ESTABLISHED;
        double dt = (now_s() - t0) * 1000.0 / n;
        if (ok != n) {
            printf("%-36s FAILED (%d/%d)\n", bench_suites[i].name, ok, n);
            continue;
        }
        printf("%-36s %10.3f %8u %8u %6u\n", bench_suites[i].name, dt, st.tx_bytes, st.rx_bytes,
               st.round_trips);
    }
    return 0;
}
