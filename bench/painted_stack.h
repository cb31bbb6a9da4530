/* SPDX-License-Identifier: MIT */
/*
 * painted_stack: run one call on a stack of its own, painted with 0xA5 beforehand, and read how
 * deep the call went (makecontext/swapcontext). footprint_host.c (the general core) and
 * footprint_host_tiny.c (the template core) measure peak_stack with it. Header-only: footprint.sh
 * compiles each of them as one file. Define _GNU_SOURCE before any include.
 */
#ifndef MK_PAINTED_STACK_H
#define MK_PAINTED_STACK_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <ucontext.h>

enum { PAINTED_STACK = 256 * 1024 };
static uint8_t painted_stk[PAINTED_STACK] __attribute__((aligned(64)));
static ucontext_t painted_main, painted_job;
static void (*painted_fn)(void *);
static void *painted_arg;

static void painted_tramp(void)
{
    painted_fn(painted_arg);
}

/* every octet 0xA5: what a call does not touch keeps the paint */
static void painted_paint(void)
{
    memset(painted_stk, 0xA5, sizeof painted_stk);
}

static void painted_run(void (*fn)(void *), void *arg)
{
    painted_fn = fn;
    painted_arg = arg;
    getcontext(&painted_job);
    painted_job.uc_stack.ss_sp = painted_stk;
    painted_job.uc_stack.ss_size = sizeof painted_stk;
    painted_job.uc_link = &painted_main;
    makecontext(&painted_job, painted_tramp, 0);
    swapcontext(&painted_main, &painted_job);
}

/* octets used since the last painted_paint(), from the top (the stack grows down) */
static size_t painted_high_water(void)
{
    size_t low = 0;
    while (low < sizeof painted_stk && painted_stk[low] == 0xA5)
        low++;
    return sizeof painted_stk - low;
}

#endif
