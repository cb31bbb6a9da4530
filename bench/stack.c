/* SPDX-License-Identifier: MIT */
/* bench_stack: peak stack of one full handshake, initiator side, crypto libraries included.
 * The initiator's calls run on a thread whose stack is painted with a pattern; the high-water
 * mark is the lowest overwritten byte. The responder peer's calls run on the same thread, one
 * after the other, so the figure is max(initiator, peer) plus the driver's frame: an upper bound
 * for the initiator alone. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "pair.h"

enum { STACK = 1 << 20 };
static uint8_t stack_mem[STACK] __attribute__((aligned(64)));

struct job {
    int suite;
    mk_state result;
};

static void *run(void *arg)
{
    struct job *j = arg;
    static mk_ike ike;
    j->result = bench_pair(&ike, &bench_suites[j->suite].ike, &bench_suites[j->suite].esp, NULL);
    return NULL;
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    printf("%-36s %12s\n", "suite", "peak stack B");
    for (int i = 0; i < (int)(sizeof bench_suites / sizeof bench_suites[0]); i++) {
        memset(stack_mem, 0xA5, sizeof stack_mem);
        pthread_attr_t a;
        pthread_attr_init(&a);
        pthread_attr_setstack(&a, stack_mem, sizeof stack_mem);
        struct job j = {i, MK_ST_IDLE};
        pthread_t t;
        pthread_create(&t, &a, run, &j);
        pthread_join(t, NULL);
        size_t low = 0;
        while (low < sizeof stack_mem && stack_mem[low] == 0xA5)
            low++;
        printf("%-36s %12zu%s\n", bench_suites[i].name, sizeof stack_mem - low,
               j.result == MK_ST_ESTABLISHED ? "" : "  (handshake FAILED)");
    }
    printf("(includes the in-process responder and the crypto libraries; see bench/README.md)\n");
    return 0;
}
